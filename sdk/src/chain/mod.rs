//! The chain client: an alloy provider (and optionally a signer) on any
//! Ethereum JSON-RPC endpoint: the local devnet, a Nitro dev node, Arbitrum
//! Sepolia or One.
//!
//! [`Chain`] sends transactions and reads views with every failure turned into
//! a [`ChainError`] that says what happened in words: unreachable endpoint,
//! wrong chain, missing key, unfunded account, missing contract, or a revert
//! decoded into the contracts' custom errors ([`revert::describe`]). It also
//! deploys the three kinds of code zkMLTrack puts on-chain: Stylus programs
//! (through Arbitrum's StylusDeployer: create, activate with the quoted data fee
//! and construct in one transaction), EVM verifiers, and data contracts holding
//! verifying-key artifacts.

pub mod bindings;
pub mod revert;

use std::time::Duration;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{address, Address, Bytes, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::{
        json_rpc::RpcError,
        types::{
            state::StateOverridesBuilder, BlockNumberOrTag, Filter, Log, TransactionReceipt,
            TransactionRequest,
        },
    },
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
    transports::TransportErrorKind,
};

use crate::stylus::{program_code, MAX_CODE_SIZE};

/// Blocks one `eth_getLogs` request of [`Chain::logs`] covers at most (a
/// window the node refuses is halved).
pub const LOG_WINDOW: u64 = 100_000;
use bindings::{IArbSys, IArbWasm, IStylusDeployer};

/// ArbWasm precompile (program activation).
pub const ARB_WASM: Address = Address::new(zkmltrack_protocol::system::ARB_WASM);
/// ArbSys precompile (L2 block number and hashes).
pub const ARB_SYS: Address = Address::new(zkmltrack_protocol::system::ARB_SYS);
/// Arbitrum's StylusDeployer, at the same address on Arbitrum One, Sepolia and
/// the Nitro dev node (and the zkMLTrack devnet).
pub const STYLUS_DEPLOYER: Address = Address::new(zkmltrack_protocol::system::STYLUS_DEPLOYER);

/// Headroom added to gas estimates (percent): Stylus ink accounting differs
/// slightly between a simulation and the mined transaction.
const GAS_MARGIN_PERCENT: u64 = 20;

/// Headroom added to the quoted activation data fee (percent); the excess is refunded.
const DATA_FEE_MARGIN_PERCENT: u64 = 20;

/// How many times [`Chain::send`] re-submits a transaction whose nonce
/// another sender of the same key took first.
const NONCE_RETRIES: u64 = 8;

/// Whether the node refused a submission because its nonce is taken: used
/// (mined) or held by a pending transaction of the same sender. Nothing was
/// accepted, so it may be sent again with a fresh nonce.
fn nonce_taken(err: &RpcError<TransportErrorKind>) -> bool {
    let text = err.to_string().to_ascii_lowercase();
    text.contains("nonce too low") || text.contains("replacement transaction underpriced")
}

/// What went wrong talking to the chain, in words.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The URL does not parse.
    #[error("{0} is not a valid RPC URL (expected http://host:port)")]
    BadUrl(String),
    /// Nothing answers at the URL.
    #[error("cannot reach the RPC endpoint {url} ({reason}); is the node running? (`zkmltrack devnet` starts a local one)")]
    Unreachable {
        /// The endpoint.
        url: String,
        /// The transport's error.
        reason: String,
    },
    /// The endpoint serves another chain than expected.
    #[error(
        "{url} serves chain id {actual}, not {expected}; check the RPC URL or the deployment file"
    )]
    WrongChain {
        /// The endpoint.
        url: String,
        /// Chain id expected.
        expected: u64,
        /// Chain id served.
        actual: u64,
    },
    /// A transaction was requested without a key.
    #[error("{0} sends a transaction and needs a key: set ZKMLTRACK_PRIVATE_KEY, or pass --private-key-file or --keystore")]
    NoSigner(String),
    /// The key's account cannot pay.
    #[error("{action}: account {account} cannot pay (balance {balance} wei); fund it and retry")]
    Unfunded {
        /// What was attempted.
        action: String,
        /// The paying account.
        account: Address,
        /// Its balance.
        balance: U256,
    },
    /// An address the flow relies on holds no code.
    #[error("no contract at {address} ({what}) on chain {chain_id}; deploy the suite first (`zkmltrack deploy`) or check the deployment file")]
    NotDeployed {
        /// Which contract was expected.
        what: String,
        /// Where.
        address: Address,
        /// On which chain.
        chain_id: u64,
    },
    /// A call or transaction reverted.
    #[error("{action} reverted: {reason}")]
    Reverted {
        /// What was attempted.
        action: String,
        /// The decoded reason, in words.
        reason: String,
        /// The custom error's name, when known.
        error: Option<&'static str>,
        /// The raw revert data.
        data: Bytes,
    },
    /// A mined transaction failed (status 0).
    #[error("{action}: transaction {hash} was mined but failed ({reason})")]
    Failed {
        /// What was attempted.
        action: String,
        /// The transaction.
        hash: B256,
        /// What a replay says, in words.
        reason: String,
    },
    /// A Stylus program is over Arbitrum's code size limit.
    #[error("{what}: compressed program is {size} bytes, over the {limit}-byte limit")]
    ProgramTooLarge {
        /// Which program.
        what: String,
        /// Its code size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// An architecture's verifier route awaits the suite owner's approval.
    #[error("verifier route {route_id} awaits the suite owner's review and approval of its architecture package (`zkmltrack route review --route {route_id} --task T --approve`, no weights needed); then finish with `zkmltrack model register --route {route_id}`")]
    AwaitingApproval {
        /// The route.
        route_id: u64,
    },
    /// The deployment's contracts are not wired to each other as a suite.
    #[error("the deployment is not one suite: {what} is {actual}, the deployment file says {expected}; check the deployment file")]
    Miswired {
        /// Which link.
        what: String,
        /// What the deployment file says.
        expected: Address,
        /// What the chain says.
        actual: Address,
    },
    /// A deployment-file address holds a contract that does not answer as
    /// the one the file names.
    #[error("the deployment is not one suite: the {what} address {address} does not answer as a {what} ({reason}); check the deployment file")]
    NotTheContract {
        /// Which contract the file names there.
        what: String,
        /// The address.
        address: Address,
        /// What the call gave.
        reason: String,
    },
    /// An argument the contract would refuse, refused before sending.
    #[error("{action}: {reason}; nothing was sent")]
    InvalidArgument {
        /// What was attempted.
        action: String,
        /// Which value, and the limit.
        reason: String,
    },
    /// A contract's answer does not decode as the call's return type (an
    /// account without code answers nothing): the address holds something
    /// else than the contract the caller expects.
    #[error(
        "{action}: cannot decode the answer ({reason}); is {address} the contract you think it is?"
    )]
    Undecodable {
        /// What was attempted.
        action: String,
        /// The called address.
        address: Address,
        /// Why the answer does not decode.
        reason: String,
    },
    /// The node answered something unexpected.
    #[error("{action}: {message}")]
    Rpc {
        /// What was attempted.
        action: String,
        /// The node's message.
        message: String,
    },
}

/// How long a connection to the node may take to open.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long one JSON-RPC request may take, answer included: generous, since
/// a wide `eth_getLogs` on a hosted endpoint or a gas estimate of a large
/// verification on a debug-built devnet takes seconds; a node that accepts
/// the request and never answers fails after this.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A connection to a chain, with an optional signing key.
///
/// Nonces are the chain's own: each transaction takes the account's pending
/// transaction count, read when it is sent, and the sends of one connection
/// (and its clones) are submitted one at a time. So a key that also sends
/// from another process, or a submission the node refused, never leaves this
/// connection with a stale nonce (alloy's default, a nonce cached per
/// connection, does both: "nonce too low" until it reconnects).
#[derive(Clone, Debug)]
pub struct Chain {
    provider: DynProvider,
    account: Option<Address>,
    chain_id: u64,
    url: String,
    /// Held from a transaction's nonce to its submission.
    submitting: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Chain {
    /// Connects to `url` and reads its chain id. With a `signer`, transactions
    /// are signed locally by that key; without, only views are possible.
    pub async fn connect(url: &str, signer: Option<PrivateKeySigner>) -> Result<Chain, ChainError> {
        let parsed = url
            .parse::<alloy::transports::http::reqwest::Url>()
            .map_err(|_| ChainError::BadUrl(url.into()))?;
        let account = signer.as_ref().map(|s| s.address());
        // A node that accepts connections and never answers (stopped, or a
        // black hole) fails a request after a while instead of holding it,
        // and the caller's page or command with it.
        let http = alloy::transports::http::reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| ChainError::Unreachable {
                url: url.into(),
                reason: e.to_string(),
            })?;
        let provider = match signer {
            Some(signer) => ProviderBuilder::new()
                .disable_recommended_fillers()
                .with_gas_estimation()
                .with_simple_nonce_management()
                .fetch_chain_id()
                .wallet(EthereumWallet::from(signer))
                .connect_reqwest(http, parsed)
                .erased(),
            None => ProviderBuilder::new()
                .connect_reqwest(http, parsed)
                .erased(),
        };
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(|e| ChainError::Unreachable {
                url: url.into(),
                reason: transport_reason(&e),
            })?;
        Ok(Chain {
            provider,
            account,
            chain_id,
            url: url.into(),
            submitting: Default::default(),
        })
    }

    /// Fails with [`ChainError::WrongChain`] unless the endpoint serves `expected`.
    pub fn expect_chain_id(&self, expected: u64) -> Result<(), ChainError> {
        if self.chain_id != expected {
            return Err(ChainError::WrongChain {
                url: self.url.clone(),
                expected,
                actual: self.chain_id,
            });
        }
        Ok(())
    }

    /// The chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The RPC URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The alloy provider, for calls the SDK does not wrap.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The signing account, or [`ChainError::NoSigner`] naming `action`.
    pub fn account(&self, action: &str) -> Result<Address, ChainError> {
        self.account
            .ok_or_else(|| ChainError::NoSigner(action.into()))
    }

    /// The signing account, if any.
    pub fn signer_address(&self) -> Option<Address> {
        self.account
    }

    /// An account's balance in wei.
    pub async fn balance(&self, account: Address) -> Result<U256, ChainError> {
        self.provider
            .get_balance(account)
            .await
            .map_err(|e| rpc_error("eth_getBalance", e))
    }

    /// The latest block number (on Arbitrum, the L2 block).
    pub async fn block_number(&self) -> Result<u64, ChainError> {
        self.provider
            .get_block_number()
            .await
            .map_err(|e| rpc_error("eth_blockNumber", e))
    }

    /// Block `block`'s number and hash (the latest block's with
    /// [`BlockNumberOrTag::Latest`]); `None` when the chain has no such
    /// block (it is lower).
    pub async fn block_id(
        &self,
        block: BlockNumberOrTag,
    ) -> Result<Option<(u64, B256)>, ChainError> {
        let header = self
            .provider
            .get_block_by_number(block)
            .await
            .map_err(|e| rpc_error("eth_getBlockByNumber", e))?;
        Ok(header.map(|b| (b.header.number, b.header.hash)))
    }

    /// Fails with [`ChainError::NotDeployed`] unless `address` holds code.
    pub async fn require_code(&self, what: &str, address: Address) -> Result<Bytes, ChainError> {
        let code = self
            .provider
            .get_code_at(address)
            .await
            .map_err(|e| rpc_error("eth_getCode", e))?;
        if code.is_empty() {
            return Err(ChainError::NotDeployed {
                what: what.into(),
                address,
                chain_id: self.chain_id,
            });
        }
        Ok(code)
    }

    /// Calls a view and decodes its return value.
    pub async fn view<C: SolCall>(
        &self,
        action: &str,
        to: Address,
        call: &C,
    ) -> Result<C::Return, ChainError> {
        let out = self.view_raw(action, to, call.abi_encode().into()).await?;
        C::abi_decode_returns(&out).map_err(|e| undecodable(action, to, e))
    }

    /// Calls a view with raw calldata and returns the raw answer.
    pub async fn view_raw(
        &self,
        action: &str,
        to: Address,
        calldata: Bytes,
    ) -> Result<Bytes, ChainError> {
        let mut tx = TransactionRequest::default()
            .with_to(to)
            .with_input(calldata);
        if let Some(from) = self.account {
            tx = tx.with_from(from);
        }
        self.provider
            .call(tx)
            .await
            .map_err(|e| call_error(action, e))
    }

    /// Calls a view whose answer is `count` static words and returns them, to
    /// be read by the word layouts of [`zkmltrack_protocol`] (the contracts
    /// decode the same answers by the same indices). A shorter answer is refused.
    pub async fn view_words<C: SolCall>(
        &self,
        action: &str,
        to: Address,
        call: &C,
        count: usize,
    ) -> Result<Words, ChainError> {
        let out = self.view_raw(action, to, call.abi_encode().into()).await?;
        // The ABI's own decoding checks each word's type (no u32 field above
        // 2^32, no address with high bytes); the fields are then read by index.
        C::abi_decode_returns(&out).map_err(|e| undecodable(action, to, e))?;
        if out.len() < 32 * count {
            return Err(undecodable(
                action,
                to,
                format!("{} bytes, {count} words expected", out.len()),
            ));
        }
        Ok(Words(out))
    }

    /// Sends a contract call as a transaction and waits for its receipt.
    /// Reverts are caught while estimating gas and decoded.
    pub async fn transact<C: SolCall>(
        &self,
        action: &str,
        to: Address,
        call: &C,
        value: U256,
    ) -> Result<TransactionReceipt, ChainError> {
        let tx = TransactionRequest::default()
            .with_to(to)
            .with_input(call.abi_encode())
            .with_value(value);
        self.send(action, tx).await
    }

    /// Sends a transaction request (from the signing account) and waits for its receipt.
    pub async fn send(
        &self,
        action: &str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt, ChainError> {
        let from = self.account(action)?;
        let request = tx.with_from(from);
        // A node that answers that the nonce is taken (another process sent
        // with the same key in between) accepted nothing: the transaction is
        // estimated again (the other one may have made it fail), its nonce
        // filled again from the pending count, and submitted, up to
        // NONCE_RETRIES times, each after a longer wait.
        let mut retry = 0;
        let (pending, tx) = loop {
            let estimate = self
                .provider
                .estimate_gas(request.clone())
                .await
                .map_err(|e| call_error(action, e));
            let estimate = match estimate {
                Ok(gas) => gas,
                Err(err) => return Err(self.unfunded_or(action, from, err).await),
            };
            let tx = request
                .clone()
                .with_gas_limit(estimate + estimate * GAS_MARGIN_PERCENT / 100);
            let submitted = {
                let _turn = self.submitting.lock().await;
                self.provider.send_transaction(tx.clone()).await
            };
            match submitted {
                Ok(pending) => break (pending, tx),
                Err(e) if retry < NONCE_RETRIES && nonce_taken(&e) => {
                    retry += 1;
                    // Staggered by the clock's nanoseconds, so that two
                    // senders that met once do not meet again in step.
                    let stagger = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| u64::from(d.subsec_nanos()) % 50);
                    tokio::time::sleep(Duration::from_millis(25 * retry + stagger)).await;
                }
                Err(e) => return Err(self.unfunded_or(action, from, call_error(action, e)).await),
            }
        };
        let receipt = pending
            .with_timeout(Some(Duration::from_secs(120)))
            .get_receipt()
            .await
            .map_err(|e| ChainError::Rpc {
                action: action.into(),
                message: format!("waiting for the receipt: {e}"),
            })?;
        if !receipt.status() {
            let reason = match self.provider.call(tx).await {
                Err(e) => match call_error(action, e) {
                    ChainError::Reverted { reason, .. } => reason,
                    other => other.to_string(),
                },
                Ok(_) => "a replay now succeeds; the state changed in between".into(),
            };
            return Err(ChainError::Failed {
                action: action.into(),
                hash: receipt.transaction_hash,
                reason,
            });
        }
        Ok(receipt)
    }

    /// Turns a failure into [`ChainError::Unfunded`] when the account cannot
    /// pay, else returns it unchanged.
    async fn unfunded_or(&self, action: &str, from: Address, err: ChainError) -> ChainError {
        let text = err.to_string().to_ascii_lowercase();
        if text.contains("insufficient funds") || text.contains("gas required exceeds") {
            if let Ok(balance) = self.balance(from).await {
                return ChainError::Unfunded {
                    action: action.into(),
                    account: from,
                    balance,
                };
            }
        }
        err
    }

    /// Deploys EVM init code and returns the new contract's address.
    pub async fn deploy_evm(&self, action: &str, init_code: Bytes) -> Result<Address, ChainError> {
        let receipt = self
            .send(
                action,
                TransactionRequest::default().with_deploy_code(init_code),
            )
            .await?;
        receipt.contract_address.ok_or_else(|| ChainError::Rpc {
            action: action.into(),
            message: "the receipt names no contract address".into(),
        })
    }

    /// Deploys a data contract whose code is `0x00 ++ words` (the STOP byte
    /// keeps it from being called), the form the VerifierRouter reads VKAs from.
    pub async fn deploy_data(&self, action: &str, words: &[B256]) -> Result<Address, ChainError> {
        let mut code = vec![0u8];
        for w in words {
            code.extend_from_slice(w.as_slice());
        }
        self.deploy_evm(action, zkmltrack_protocol::evm::init_code_for(&code).into())
            .await
    }

    /// The data fee ArbWasm asks to activate `code`, quoted by simulating
    /// `activateProgram` with the code placed at a scratch address.
    pub async fn quote_activation(&self, action: &str, code: &[u8]) -> Result<U256, ChainError> {
        let from = self.account(action)?;
        let balance = self.balance(from).await?;
        if balance.is_zero() {
            return Err(ChainError::Unfunded {
                action: action.into(),
                account: from,
                balance,
            });
        }
        let scratch = address!("00000000000000000000000000000000057a7c75");
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(ARB_WASM)
            .with_value(balance)
            .with_input(IArbWasm::activateProgramCall { program: scratch }.abi_encode());
        let overrides = StateOverridesBuilder::default()
            .with_code(scratch, Bytes::copy_from_slice(code))
            .build();
        let out = match self.provider.call(tx).overrides(overrides).await {
            Ok(out) => out,
            Err(e) => {
                return match call_error(&format!("{action} (activation quote)"), e) {
                    // The same code is already active (an earlier or cut-short
                    // deploy of it): nothing to pay, the deployer skips activation.
                    ChainError::Reverted {
                        error: Some("ProgramUpToDate"),
                        ..
                    } => Ok(U256::ZERO),
                    other => Err(other),
                };
            }
        };
        let quote = IArbWasm::activateProgramCall::abi_decode_returns(&out).map_err(|e| {
            ChainError::Rpc {
                action: action.into(),
                message: format!("cannot decode ArbWasm's activation quote: {e}"),
            }
        })?;
        Ok(quote.dataFee)
    }

    /// Deploys a compiled Stylus program through the StylusDeployer: creates
    /// it, activates it (paying the quoted data fee plus a margin, the excess
    /// is refunded) and runs its constructor with `constructor_calldata`
    /// (empty: no constructor) in one transaction. Returns its address.
    pub async fn deploy_stylus(
        &self,
        what: &str,
        wasm: &[u8],
        constructor_calldata: Bytes,
    ) -> Result<Address, ChainError> {
        let action = format!("deploying {what}");
        let code = program_code(wasm);
        if code.len() > MAX_CODE_SIZE {
            return Err(ChainError::ProgramTooLarge {
                what: what.into(),
                size: code.len(),
                limit: MAX_CODE_SIZE,
            });
        }
        self.require_code("Arbitrum's StylusDeployer", STYLUS_DEPLOYER)
            .await?;
        let fee = self.quote_activation(&action, &code).await?;
        let value = fee + fee * U256::from(DATA_FEE_MARGIN_PERCENT) / U256::from(100);
        // The deployer CREATEs from init code that returns the program.
        let call = IStylusDeployer::deployCall {
            bytecode: zkmltrack_protocol::evm::init_code_for(&code).into(),
            initData: constructor_calldata,
            initValue: U256::ZERO,
            salt: B256::ZERO,
        };
        let receipt = self
            .transact(&action, STYLUS_DEPLOYER, &call, value)
            .await?;
        let deployed: IStylusDeployer::ContractDeployed =
            event(&receipt).ok_or_else(|| ChainError::Rpc {
                action: action.clone(),
                message: "the StylusDeployer emitted no ContractDeployed event".into(),
            })?;
        Ok(deployed.deployedContract)
    }

    /// The logs `filter` matches, oldest first; a failed read is a
    /// [`ChainError::Rpc`] naming `action`.
    ///
    /// A filter from a block number is read in windows of at most
    /// [`LOG_WINDOW`] blocks up to its end (the head when it names none):
    /// public endpoints refuse long ranges or many logs, so a window the
    /// node answers with an error is halved and asked again, down to one
    /// block. A transport failure (the node unreachable) ends the read.
    pub async fn logs(&self, action: &str, filter: &Filter) -> Result<Vec<Log>, ChainError> {
        let failed = |e: alloy::transports::TransportError| ChainError::Rpc {
            action: action.into(),
            message: e.to_string(),
        };
        let Some(from) = filter.get_from_block() else {
            return self.provider.get_logs(filter).await.map_err(failed);
        };
        let to = match (filter.get_to_block(), filter.block_option.get_to_block()) {
            (Some(to), _) => to,
            (None, None | Some(BlockNumberOrTag::Latest)) => self.block_number().await?,
            // Another tag (safe, finalized, pending): as the node reads it.
            (None, Some(_)) => return self.provider.get_logs(filter).await.map_err(failed),
        };
        let mut logs = Vec::new();
        let (mut start, mut window) = (from, LOG_WINDOW);
        while start <= to {
            let end = to.min(start.saturating_add(window - 1));
            let part = filter.clone().from_block(start).to_block(end);
            match self.provider.get_logs(&part).await {
                Ok(found) => {
                    logs.extend(found);
                    start = end + 1;
                }
                Err(e) if e.as_error_resp().is_some() && window > 1 => window /= 2,
                Err(e) => return Err(failed(e)),
            }
        }
        Ok(logs)
    }

    /// The current L2 block number, as Stylus programs see it through ArbSys.
    pub async fn arb_block_number(&self) -> Result<u64, ChainError> {
        let n = self
            .view(
                "ArbSys.arbBlockNumber",
                ARB_SYS,
                &IArbSys::arbBlockNumberCall {},
            )
            .await?;
        Ok(n.saturating_to())
    }

    /// Waits until ArbSys reports an L2 block above `block`. Local chains
    /// (the devnet, anvil) are asked to mine (`evm_mine`); elsewhere blocks come
    /// on their own or, after a few seconds, from a zero-value self-transfer.
    pub async fn wait_past_block(&self, block: u64) -> Result<(), ChainError> {
        let mut idle = 0;
        while self.arb_block_number().await? <= block {
            let mined: Result<serde_json::Value, _> =
                self.provider.raw_request("evm_mine".into(), ()).await;
            if mined.is_err() {
                idle += 1;
                if idle % 4 == 0 {
                    let from = self.account("advancing the chain")?;
                    self.send(
                        "advancing the chain",
                        TransactionRequest::default()
                            .with_to(from)
                            .with_value(U256::ZERO),
                    )
                    .await?;
                } else {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        Ok(())
    }
}

/// The first event of type `E` in a receipt.
pub fn event<E: SolEvent>(receipt: &TransactionReceipt) -> Option<E> {
    receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| E::decode_log(&log.inner).ok().map(|l| l.data))
}

/// All events of type `E` in a receipt.
pub fn events<E: SolEvent>(receipt: &TransactionReceipt) -> Vec<E> {
    receipt
        .inner
        .logs()
        .iter()
        .filter_map(|log| E::decode_log(&log.inner).ok().map(|l| l.data))
        .collect()
}

/// The error for an answer that does not decode as the call's return type.
pub fn undecodable(action: &str, to: Address, err: impl std::fmt::Display) -> ChainError {
    ChainError::Undecodable {
        action: action.into(),
        address: to,
        reason: err.to_string(),
    }
}

/// An answer of static words (see [`Chain::view_words`]), read by index.
#[derive(Clone, Debug)]
pub struct Words(Bytes);

impl Words {
    fn word(&self, i: usize) -> [u8; 32] {
        zkmltrack_protocol::word(&self.0, i).unwrap_or_default()
    }

    /// Word `i` as bytes.
    pub fn b256(&self, i: usize) -> B256 {
        B256::from(self.word(i))
    }

    /// Word `i` as a `u64` (the ABI decoding checked its range).
    pub fn u64(&self, i: usize) -> u64 {
        zkmltrack_protocol::word_to_u64(&self.word(i))
    }

    /// Word `i` as a `u32` (the ABI decoding checked its range).
    pub fn u32(&self, i: usize) -> u32 {
        u32::try_from(self.u64(i)).unwrap_or(u32::MAX)
    }

    /// Word `i` as an address.
    pub fn address(&self, i: usize) -> Address {
        Address::new(zkmltrack_protocol::word_to_address(&self.word(i)))
    }

    /// Word `i` as a bool.
    pub fn bool(&self, i: usize) -> bool {
        self.word(i) != [0u8; 32]
    }
}

/// Maps a failed call or estimate: revert data decoded, else the node's message.
fn call_error(action: &str, err: RpcError<TransportErrorKind>) -> ChainError {
    if let Some(payload) = err.as_error_resp() {
        if let Some(data) = payload.as_revert_data() {
            return ChainError::Reverted {
                action: action.into(),
                reason: revert::describe(&data),
                error: revert::error_name(&data),
                data,
            };
        }
        if payload.message.contains("revert") {
            return ChainError::Reverted {
                action: action.into(),
                reason: revert::describe(&[]),
                error: None,
                data: Bytes::new(),
            };
        }
    }
    rpc_error(action, err)
}

fn rpc_error(action: &str, err: RpcError<TransportErrorKind>) -> ChainError {
    ChainError::Rpc {
        action: action.into(),
        message: match err.as_error_resp() {
            Some(payload) => payload.message.to_string(),
            None => transport_reason(&err),
        },
    }
}

fn transport_reason(err: &RpcError<TransportErrorKind>) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text = format!("{text}: {s_text}");
        }
        source = s.source();
    }
    text
}
