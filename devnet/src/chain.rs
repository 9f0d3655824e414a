//! The chain: one revm state shared by EVM bytecode and Stylus programs, instamined blocks,
//! receipts, logs and snapshots. Every transaction, in-process or over JSON-RPC, goes through
//! [`Devnet::send_raw`]: decoded, signature-recovered, validated, executed, mined.

mod state;

use std::{collections::HashMap, sync::Arc};

pub use state::{StateError, STATE_FORMAT, STATE_VERSION};

use alloy_consensus::{
    transaction::SignerRecoverable, SignableTransaction, Transaction as _, TxEip1559, TxEnvelope,
    Typed2718,
};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{keccak256, logs_bloom, Bloom};
use alloy_rpc_types_eth::state::StateOverride;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use revm::{
    bytecode::Bytecode,
    context::{
        result::{EVMError, ExecutionResult, InvalidTransaction, Output},
        BlockEnv, CfgEnv, TxEnv,
    },
    database::{CacheDB, EmptyDB},
    primitives::{hardfork::SpecId, Address, Bytes, Log, TxKind, B256, U256},
    state::AccountInfo,
    Context, DatabaseCommit, DatabaseRef, ExecuteEvm, MainBuilder, MainContext,
};

use crate::{
    arbos::{IArbWasm, ARB_WASM},
    error::DevnetError,
    genesis,
    stylus::{program::ProgramCache, L2Blocks, StylusPrecompiles},
};
use alloy_sol_types::SolCall;

/// What running one transaction gives back: the database, the result with its state changes,
/// and the console lines programs printed.
type Execution = (
    CacheDB<EmptyDB>,
    Result<(ExecutionResult, revm::state::EvmState), DevnetError>,
    Vec<String>,
);

pub use crate::evm::DevContext;

/// Chain id of the Nitro dev node, used by default.
pub const CHAIN_ID: u64 = 412_346;
/// Base fee of every block (0.1 gwei, as on Arbitrum).
pub const BASE_FEE: u64 = 100_000_000;
/// Largest gas limit of one transaction (Arbitrum's per-transaction cap).
pub const MAX_TX_GAS: u64 = 32_000_000;
/// The EVM rules of ArbOS 50/51: Arbitrum turns Osaka on at ArbOS 50 (`IsOsaka` in the
/// geth fork's `params/config.go`): CLZ, MODEXP priced by EIP-7883 and bounded by EIP-7823,
/// P256VERIFY at 6,900 gas; EIP-7825's 16.7M transaction cap is not applied
/// ([`MAX_TX_GAS`] holds gas back instead).
const SPEC: SpecId = SpecId::OSAKA;
/// Gas limit reported for blocks (Arbitrum's).
pub const BLOCK_GAS_LIMIT: u64 = 1_125_899_906_842_624;
/// Native stack of the thread executing a transaction (reserved, touched only when used).
const EXEC_STACK: usize = 256 << 20;
/// L1 block number estimate at genesis (what `block.number` returns on Arbitrum).
const GENESIS_L1_BLOCK: u64 = 1_000;

/// How the devnet starts.
#[derive(Debug, Clone)]
pub struct DevnetConfig {
    /// Chain id (default: the Nitro dev node's 412346).
    pub chain_id: u64,
    /// Extra funded test accounts beside the Nitro dev account (keys are public and printed).
    pub test_accounts: usize,
    /// Balance of each funded account, in wei.
    pub balance: U256,
    /// Timestamp of the genesis block (default: now).
    pub genesis_timestamp: Option<u64>,
    /// A debug chain (default, as Nitro's dev node with `AllowDebugPrecompiles`): programs
    /// may import `console`. `false` refuses such programs at activation, as Arbitrum One does.
    pub debug_chain: bool,
    /// Most blocks one `eth_getLogs` may span (default: no limit, as in
    /// anvil). Hosted endpoints limit it, and a client must then read a long
    /// range in windows; this lets a test meet such an endpoint.
    pub max_logs_range: Option<u64>,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            chain_id: CHAIN_ID,
            test_accounts: 9,
            balance: U256::from(10u128.pow(24)),
            genesis_timestamp: None,
            debug_chain: true,
            max_logs_range: None,
        }
    }
}

/// A mined block.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BlockRecord {
    /// L2 block number.
    pub number: u64,
    /// Block hash (keccak of the RLP header; the state root is not computed).
    pub hash: B256,
    /// Parent hash.
    pub parent_hash: B256,
    /// Timestamp in seconds.
    pub timestamp: u64,
    /// L1 block number estimate seen by `block.number` during the block.
    pub l1_number: u64,
    /// Gas used by the block's transaction.
    pub gas_used: u64,
    /// Hashes of the block's transactions (one per block: instamine).
    pub transactions: Vec<B256>,
    /// Bloom of the block's logs.
    pub logs_bloom: Bloom,
    /// The header the hash is computed from.
    pub header: alloy_consensus::Header,
}

/// A log with where it was emitted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogRecord {
    /// The log.
    pub log: Log,
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Index of the log in its block.
    pub log_index: u64,
}

/// Receipt of a mined transaction.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Receipt {
    /// Transaction hash.
    pub tx_hash: B256,
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Sender.
    pub from: Address,
    /// Recipient (`None` for contract creation).
    pub to: Option<Address>,
    /// Address of the created contract, if any.
    pub contract_address: Option<Address>,
    /// Gas used.
    pub gas_used: u64,
    /// Price paid per gas.
    pub effective_gas_price: u128,
    /// True when the transaction succeeded.
    pub success: bool,
    /// Logs emitted.
    pub logs: Vec<LogRecord>,
    /// Return or revert data (not part of Ethereum receipts; kept for diagnostics).
    pub output: Bytes,
    /// EIP-2718 type.
    pub tx_type: u8,
    /// Lines programs printed through `console` while running this transaction.
    pub console: Vec<String>,
}

/// A mined transaction.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct TxRecord {
    /// The signed transaction.
    pub envelope: TxEnvelope,
    /// Recovered sender.
    pub from: Address,
    /// Its receipt.
    pub receipt: Receipt,
}

/// A transaction to sign with one of the devnet's known keys.
#[derive(Debug, Clone, Default)]
pub struct TxRequest {
    /// Sender; must be the dev account or a test account.
    pub from: Address,
    /// Recipient; `None` deploys `data` as init code.
    pub to: Option<Address>,
    /// Value in wei.
    pub value: U256,
    /// Calldata or init code.
    pub data: Bytes,
    /// Gas limit (default: estimated).
    pub gas: Option<u64>,
}

/// A read-only call.
#[derive(Debug, Clone, Default)]
pub struct CallRequest {
    /// Caller (default: zero address).
    pub from: Option<Address>,
    /// Callee; `None` runs `data` as init code.
    pub to: Option<Address>,
    /// Value in wei (balance is not checked).
    pub value: U256,
    /// Calldata.
    pub data: Bytes,
    /// Gas limit (default: [`MAX_TX_GAS`]).
    pub gas: Option<u64>,
    /// State overrides applied to a copy of the state for this call only.
    pub overrides: Option<StateOverride>,
}

/// Result of a read-only call or estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallResult {
    /// Returned data.
    pub output: Bytes,
    /// Gas used.
    pub gas_used: u64,
    /// Logs the call would emit.
    pub logs: Vec<Log>,
}

struct Snapshot {
    db: CacheDB<EmptyDB>,
    blocks: usize,
    txs: HashMap<B256, TxRecord>,
    time_offset: u64,
}

/// The local chain.
pub struct Devnet {
    db: CacheDB<EmptyDB>,
    programs: Arc<ProgramCache>,
    blocks: Vec<BlockRecord>,
    hashes: Arc<Vec<B256>>,
    txs: HashMap<B256, TxRecord>,
    snapshots: Vec<Snapshot>,
    signers: HashMap<Address, PrivateKeySigner>,
    accounts: Vec<Address>,
    config: DevnetConfig,
    genesis_timestamp: u64,
    time_offset: u64,
    /// Gas of every execution so far (calls, estimates' runs, transactions): what the
    /// RPC layer charges to a request's budget of work.
    executed_gas: std::cell::Cell<u64>,
}

impl std::fmt::Debug for Devnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devnet")
            .field("chain_id", &self.config.chain_id)
            .field("block", &self.block_number())
            .finish_non_exhaustive()
    }
}

impl Default for Devnet {
    fn default() -> Self {
        Self::new(DevnetConfig::default())
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Devnet {
    /// A chain at genesis: the dev account and test accounts funded, the StylusDeployer in place.
    pub fn new(config: DevnetConfig) -> Self {
        let mut db = CacheDB::<EmptyDB>::default();
        let mut signers = HashMap::new();
        let mut accounts = Vec::new();
        for key in genesis::account_keys(config.test_accounts) {
            let signer = PrivateKeySigner::from_bytes(&key)
                .expect("genesis keys are valid secp256k1 scalars");
            let address = signer.address();
            db.insert_account_info(address, AccountInfo::default().with_balance(config.balance));
            accounts.push(address);
            signers.insert(address, signer);
        }
        for (address, code) in genesis::contracts() {
            db.insert_account_info(
                address,
                AccountInfo::default().with_code(Bytecode::new_raw(code)),
            );
        }
        // Precompile accounts exist so that value sent to them is kept (ArbWasm's data fee).
        db.insert_account_info(ARB_WASM, AccountInfo::default().with_nonce(1));
        let timestamp = config.genesis_timestamp.unwrap_or_else(now);
        let mut chain = Self {
            db,
            programs: ProgramCache::for_chain(config.debug_chain),
            blocks: Vec::new(),
            hashes: Arc::new(Vec::new()),
            txs: HashMap::new(),
            snapshots: Vec::new(),
            signers,
            accounts,
            config,
            genesis_timestamp: timestamp,
            time_offset: 0,
            executed_gas: std::cell::Cell::new(0),
        };
        chain.seal_block(timestamp, 0, Vec::new(), Bloom::ZERO);
        chain
    }

    /// Chain id.
    pub fn chain_id(&self) -> u64 {
        self.config.chain_id
    }

    /// Most blocks one `eth_getLogs` may span ([`DevnetConfig::max_logs_range`]).
    pub fn max_logs_range(&self) -> Option<u64> {
        self.config.max_logs_range
    }

    /// Number of the latest block.
    pub fn block_number(&self) -> u64 {
        self.blocks.len() as u64 - 1
    }

    /// A mined block by number.
    pub fn block(&self, number: u64) -> Option<&BlockRecord> {
        self.blocks.get(number as usize)
    }

    /// A mined block by hash.
    pub fn block_by_hash(&self, hash: B256) -> Option<&BlockRecord> {
        self.blocks.iter().find(|b| b.hash == hash)
    }

    /// Funded accounts whose keys the devnet holds: the Nitro dev account first.
    pub fn accounts(&self) -> &[Address] {
        &self.accounts
    }

    /// The private key of a funded account (public dev keys; never use them elsewhere).
    pub fn private_key(&self, account: Address) -> Option<B256> {
        self.signers.get(&account).map(|s| s.to_bytes())
    }

    /// Balance of `address`.
    pub fn balance(&self, address: Address) -> U256 {
        self.db
            .basic_ref(address)
            .ok()
            .flatten()
            .map(|a| a.balance)
            .unwrap_or_default()
    }

    /// Nonce of `address`.
    pub fn nonce(&self, address: Address) -> u64 {
        self.db
            .basic_ref(address)
            .ok()
            .flatten()
            .map(|a| a.nonce)
            .unwrap_or_default()
    }

    /// Code at `address`.
    pub fn code(&self, address: Address) -> Bytes {
        let Some(info) = self.db.basic_ref(address).ok().flatten() else {
            return Bytes::new();
        };
        match info.code {
            Some(code) => code.original_bytes(),
            None => self
                .db
                .code_by_hash_ref(info.code_hash)
                .map(|c| c.original_bytes())
                .unwrap_or_default(),
        }
    }

    /// Storage word of `address` at `slot`.
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.db.storage_ref(address, slot).unwrap_or_default()
    }

    /// A mined transaction by hash.
    pub fn transaction(&self, hash: B256) -> Option<&TxRecord> {
        self.txs.get(&hash)
    }

    /// The receipt of a mined transaction.
    pub fn receipt(&self, hash: B256) -> Option<&Receipt> {
        self.txs.get(&hash).map(|t| &t.receipt)
    }

    /// Logs of blocks `from..=to` emitted by `address` (any when `None`) matching `topics`
    /// position by position (`None` or an empty list matches anything).
    pub fn logs(
        &self,
        from: u64,
        to: u64,
        address: &[Address],
        topics: &[Vec<B256>],
    ) -> Vec<LogRecord> {
        let mut out = Vec::new();
        for block in self
            .blocks
            .iter()
            .skip(from as usize)
            .take_while(|b| b.number <= to)
        {
            for tx in &block.transactions {
                for rec in &self.txs[tx].receipt.logs {
                    let addr_ok = address.is_empty() || address.contains(&rec.log.address);
                    let topics_ok = topics.iter().enumerate().all(|(i, want)| {
                        want.is_empty() || rec.log.topics().get(i).is_some_and(|t| want.contains(t))
                    });
                    if addr_ok && topics_ok {
                        out.push(rec.clone());
                    }
                }
            }
        }
        out
    }

    /// Saves the whole chain; returns an id for [`Devnet::revert_to`].
    pub fn snapshot(&mut self) -> u64 {
        self.snapshots.push(Snapshot {
            db: self.db.clone(),
            blocks: self.blocks.len(),
            txs: self.txs.clone(),
            time_offset: self.time_offset,
        });
        self.snapshots.len() as u64 - 1
    }

    /// Restores snapshot `id` (and drops it and every later one). False if unknown.
    pub fn revert_to(&mut self, id: u64) -> bool {
        let id = id as usize;
        if id >= self.snapshots.len() {
            return false;
        }
        self.snapshots.truncate(id + 1);
        let s = self.snapshots.pop().expect("checked above");
        self.db = s.db;
        self.blocks.truncate(s.blocks);
        self.hashes = Arc::new(self.blocks.iter().map(|b| b.hash).collect());
        self.txs = s.txs;
        self.time_offset = s.time_offset;
        true
    }

    /// Moves the clock forward for the next blocks (saturating: timestamps stop at
    /// `u64::MAX` instead of overflowing).
    pub fn increase_time(&mut self, seconds: u64) {
        self.time_offset = self.time_offset.saturating_add(seconds);
    }

    /// Mines `n` empty blocks.
    pub fn mine(&mut self, n: u64) {
        for _ in 0..n {
            let ts = self.next_timestamp();
            self.seal_block(ts, 0, Vec::new(), Bloom::ZERO);
        }
    }

    fn next_timestamp(&self) -> u64 {
        let last = self.blocks.last().map(|b| b.timestamp).unwrap_or(0);
        now().saturating_add(self.time_offset).max(last)
    }

    fn l1_number(&self, timestamp: u64) -> u64 {
        GENESIS_L1_BLOCK + timestamp.saturating_sub(self.genesis_timestamp) / 12
    }

    fn seal_block(
        &mut self,
        timestamp: u64,
        gas_used: u64,
        transactions: Vec<B256>,
        logs_bloom: Bloom,
    ) -> BlockRecord {
        let number = self.blocks.len() as u64;
        let parent_hash = self.blocks.last().map(|b| b.hash).unwrap_or_default();
        let header = alloy_consensus::Header {
            parent_hash,
            number,
            timestamp,
            gas_limit: BLOCK_GAS_LIMIT,
            gas_used,
            base_fee_per_gas: Some(BASE_FEE),
            logs_bloom,
            transactions_root: keccak256(
                transactions.iter().flat_map(|h| h.0).collect::<Vec<u8>>(),
            ),
            extra_data: Bytes::from_static(b"zkmltrack-devnet"),
            ..Default::default()
        };
        let block = BlockRecord {
            number,
            hash: header.hash_slow(),
            header: header.clone(),
            parent_hash,
            timestamp,
            l1_number: self.l1_number(timestamp),
            gas_used,
            transactions,
            logs_bloom,
        };
        self.blocks.push(block.clone());
        Arc::make_mut(&mut self.hashes).push(block.hash);
        block
    }

    fn evm_env(&self, timestamp: u64, call: bool) -> (BlockEnv, CfgEnv) {
        let block = BlockEnv {
            number: U256::from(self.l1_number(timestamp)),
            timestamp: U256::from(timestamp),
            gas_limit: BLOCK_GAS_LIMIT,
            basefee: BASE_FEE,
            prevrandao: Some(B256::with_last_byte(1)),
            ..Default::default()
        };
        let mut cfg = CfgEnv::new_with_spec(SPEC);
        cfg.chain_id = self.config.chain_id;
        cfg.disable_eip3541 = true;
        cfg.tx_gas_limit_cap = Some(MAX_TX_GAS);
        // EIP-7623's calldata floor applies on Arbitrum only behind an ArbOS feature flag
        // (`IsCalldataPricingIncreaseEnabled`, off by default).
        cfg.disable_eip7623 = true;
        if call {
            cfg.disable_nonce_check = true;
            cfg.disable_balance_check = true;
            cfg.disable_base_fee = true;
            cfg.tx_chain_id_check = false;
        }
        (block, cfg)
    }

    /// Runs `tx` on `db` in the next block's environment; returns the result, state changes and
    /// console output.
    fn run(&self, db: CacheDB<EmptyDB>, tx: TxEnv, call: bool) -> Execution {
        let timestamp = self.next_timestamp();
        let (block, cfg) = self.evm_env(timestamp, call);
        let l2 = L2Blocks {
            number: self.blocks.len() as u64,
            hashes: self.hashes.clone(),
        };
        let programs = self.programs.clone();
        // Nested Stylus <-> EVM frames recurse on the native stack: give them room.
        let execution = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("devnet-exec".into())
                .stack_size(EXEC_STACK)
                .spawn_scoped(scope, move || {
                    let ctx = Context::mainnet()
                        .with_db(db)
                        .with_block(block)
                        .with_cfg(cfg);
                    let precompiles = StylusPrecompiles::new(SPEC, programs, l2);
                    let evm = ctx.build_mainnet().with_precompiles(precompiles);
                    let mut evm = evm;
                    let out = evm
                        .transact(tx)
                        .map(|r| (r.result, r.state))
                        .map_err(map_evm_error);
                    let console = std::mem::take(&mut evm.precompiles.console);
                    let db = std::mem::take(&mut evm.ctx.journaled_state.database);
                    (db, out, console)
                })
                .expect("spawning the execution thread")
                .join()
                .expect("execution thread panicked")
        });
        if let Ok((result, _)) = &execution.1 {
            self.executed_gas
                .set(self.executed_gas.get().saturating_add(result.tx_gas_used()));
        }
        execution
    }

    /// Gas of every execution this chain has run (calls, each run of an estimate,
    /// transactions), successful or not: a measure of work done.
    pub fn executed_gas(&self) -> u64 {
        self.executed_gas.get()
    }

    /// Executes a signed, EIP-2718 encoded transaction and mines it into a new block.
    /// Invalid transactions (bad encoding, signature, chain, nonce, funds, gas) are refused
    /// with nothing changed; reverted ones are mined with a failed receipt.
    pub fn send_raw(&mut self, raw: &[u8]) -> Result<B256, DevnetError> {
        let envelope = TxEnvelope::decode_2718(&mut &raw[..])
            .map_err(|e| DevnetError::MalformedTransaction(e.to_string()))?;
        let from = envelope
            .recover_signer()
            .map_err(|_| DevnetError::InvalidSignature)?;
        let hash = *envelope.tx_hash();
        if self.txs.contains_key(&hash) {
            return Err(DevnetError::AlreadyKnown(hash));
        }
        if let Some(id) = envelope.chain_id() {
            if id != self.config.chain_id {
                return Err(DevnetError::WrongChain {
                    expected: self.config.chain_id,
                    got: id,
                });
            }
        }
        let mut tx = tx_env(&envelope, from)?;
        // ArbOS 50 on: a gas limit above the per-transaction cap is not refused; execution
        // gets at most the cap and the rest is held back and returned unused
        // (`arbos/tx_processor.go` `GasChargingHook`). The sender must still afford it all.
        if envelope.gas_limit() > MAX_TX_GAS {
            let want =
                U256::from(envelope.gas_limit()) * U256::from(tx.gas_price) + envelope.value();
            let have = self.balance(from);
            if have < want {
                return Err(DevnetError::InsufficientFunds { have, want });
            }
            tx.gas_limit = MAX_TX_GAS;
        }
        let db = std::mem::take(&mut self.db);
        let (db, out, console) = self.run(db, tx, false);
        self.db = db;
        let (result, state) = out?;
        self.db.commit(state);

        let timestamp = self.next_timestamp();
        let number = self.blocks.len() as u64;
        let (success, gas_used, logs, output, created) = match result {
            ExecutionResult::Success {
                gas, logs, output, ..
            } => {
                let created = match &output {
                    Output::Create(_, addr) => *addr,
                    Output::Call(_) => None,
                };
                (true, gas.tx_gas_used(), logs, output.into_data(), created)
            }
            ExecutionResult::Revert { gas, output, .. } => {
                (false, gas.tx_gas_used(), Vec::new(), output, None)
            }
            ExecutionResult::Halt { gas, .. } => {
                (false, gas.tx_gas_used(), Vec::new(), Bytes::new(), None)
            }
        };
        let bloom = logs_bloom(logs.iter());
        let block = self.seal_block(timestamp, gas_used, vec![hash], bloom);
        debug_assert_eq!(block.number, number);
        let logs = logs
            .into_iter()
            .enumerate()
            .map(|(i, log)| LogRecord {
                log,
                block_number: block.number,
                block_hash: block.hash,
                tx_hash: hash,
                log_index: i as u64,
            })
            .collect();
        let receipt = Receipt {
            tx_hash: hash,
            block_number: block.number,
            block_hash: block.hash,
            from,
            to: envelope.kind().to().copied(),
            contract_address: created,
            gas_used,
            effective_gas_price: envelope.effective_gas_price(Some(BASE_FEE)),
            success,
            logs,
            output,
            tx_type: envelope.ty(),
            console,
        };
        self.txs.insert(
            hash,
            TxRecord {
                envelope,
                from,
                receipt,
            },
        );
        Ok(hash)
    }

    /// Signs `req` with the devnet's key for `req.from` (nonce, fees and, unless given, gas
    /// filled in), sends it and returns the receipt.
    pub fn send(&mut self, req: TxRequest) -> Result<Receipt, DevnetError> {
        let signer = self
            .signers
            .get(&req.from)
            .ok_or(DevnetError::UnknownAccount(req.from))?
            .clone();
        let gas = match req.gas {
            Some(g) => g,
            None => self.estimate_gas(&CallRequest {
                from: Some(req.from),
                to: req.to,
                value: req.value,
                data: req.data.clone(),
                ..Default::default()
            })?,
        };
        let tx = TxEip1559 {
            chain_id: self.config.chain_id,
            nonce: self.nonce(req.from),
            gas_limit: gas,
            max_fee_per_gas: u128::from(BASE_FEE) * 2,
            max_priority_fee_per_gas: 0,
            to: req.to.map(TxKind::Call).unwrap_or(TxKind::Create),
            value: req.value,
            access_list: Default::default(),
            input: req.data,
        };
        let signature = signer
            .sign_hash_sync(&tx.signature_hash())
            .map_err(|e| DevnetError::Internal(format!("signing failed: {e}")))?;
        let raw = TxEnvelope::Eip1559(tx.into_signed(signature)).encoded_2718();
        let hash = self.send_raw(&raw)?;
        Ok(self.txs[&hash].receipt.clone())
    }

    /// Runs a call against the latest state without changing it. Reverts are errors carrying
    /// the revert data.
    pub fn call(&self, req: &CallRequest) -> Result<CallResult, DevnetError> {
        let mut db = self.db.clone();
        if let Some(overrides) = &req.overrides {
            apply_overrides(&mut db, overrides)?;
        }
        let from = req.from.unwrap_or_default();
        let tx = TxEnv::builder()
            .caller(from)
            .kind(req.to.map(TxKind::Call).unwrap_or(TxKind::Create))
            .value(req.value)
            .data(req.data.clone())
            .gas_limit(req.gas.unwrap_or(MAX_TX_GAS).min(MAX_TX_GAS))
            .gas_price(0)
            .nonce(self.nonce(from))
            .chain_id(Some(self.config.chain_id))
            .build()
            .map_err(|e| DevnetError::Internal(format!("{e:?}")))?;
        let (_, out, _) = self.run(db, tx, true);
        match out?.0 {
            ExecutionResult::Success {
                gas, logs, output, ..
            } => Ok(CallResult {
                output: output.into_data(),
                gas_used: gas.tx_gas_used(),
                logs,
            }),
            ExecutionResult::Revert { output, .. } => Err(DevnetError::Reverted(output)),
            ExecutionResult::Halt { reason, .. } => Err(DevnetError::Halted(format!("{reason:?}"))),
        }
    }

    /// Smallest gas limit with which `req` succeeds (binary search above the gas used, as
    /// nodes do: the 63/64 rule makes the used gas not enough by itself).
    pub fn estimate_gas(&self, req: &CallRequest) -> Result<u64, DevnetError> {
        let cap = req.gas.unwrap_or(MAX_TX_GAS).min(MAX_TX_GAS);
        let first = self.call(&CallRequest {
            gas: Some(cap),
            ..req.clone()
        })?;
        let try_gas = |gas: u64| {
            self.call(&CallRequest {
                gas: Some(gas),
                ..req.clone()
            })
            .is_ok()
        };
        let mut lo = first.gas_used.saturating_sub(1);
        let mut hi = (first.gas_used * 64 / 63 + 5_000).min(cap);
        if !try_gas(hi) {
            hi = cap;
        }
        while hi - lo > 1_000.max(hi / 200) {
            let mid = lo + (hi - lo) / 2;
            if try_gas(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// Deploys EVM init code from `from`; returns the new address.
    pub fn deploy(&mut self, from: Address, init_code: Bytes) -> Result<Address, DevnetError> {
        let receipt = self.send(TxRequest {
            from,
            data: init_code,
            ..Default::default()
        })?;
        match (receipt.success, receipt.contract_address) {
            (true, Some(addr)) => Ok(addr),
            _ => Err(DevnetError::Reverted(receipt.output)),
        }
    }

    /// Deploys a Stylus program (WASM, compressed and prefixed here) and activates it, paying
    /// the data fee ArbWasm quotes. Returns the program address.
    pub fn deploy_stylus(&mut self, from: Address, wasm: &[u8]) -> Result<Address, DevnetError> {
        let code = crate::stylus::program::encode(wasm);
        let address = self.deploy(from, zkmltrack_protocol::evm::init_code_for(&code).into())?;
        self.activate(from, address)?;
        Ok(address)
    }

    /// Activates the program at `program`, paying the quoted data fee.
    pub fn activate(&mut self, from: Address, program: Address) -> Result<Receipt, DevnetError> {
        let data: Bytes = IArbWasm::activateProgramCall { program }
            .abi_encode()
            .into();
        let quote = self.call(&CallRequest {
            from: Some(from),
            to: Some(ARB_WASM),
            value: U256::from(10u128.pow(18)),
            data: data.clone(),
            ..Default::default()
        })?;
        let fee = IArbWasm::activateProgramCall::abi_decode_returns(&quote.output)
            .map_err(|e| DevnetError::Internal(format!("bad activateProgram answer: {e}")))?
            .dataFee;
        let receipt = self.send(TxRequest {
            from,
            to: Some(ARB_WASM),
            value: fee,
            data,
            gas: None,
        })?;
        if !receipt.success {
            return Err(DevnetError::Reverted(receipt.output));
        }
        Ok(receipt)
    }
}

/// Applies `eth_call` state overrides; refuses override code revm cannot hold (an EIP-7702
/// prefix `0xef01` without a well-formed delegation), which `Bytecode::new_raw` panics on.
fn apply_overrides(
    db: &mut CacheDB<EmptyDB>,
    overrides: &StateOverride,
) -> Result<(), DevnetError> {
    for (address, o) in overrides.iter() {
        let mut info = db.basic_ref(*address).ok().flatten().unwrap_or_default();
        if let Some(b) = o.balance {
            info.balance = b;
        }
        if let Some(n) = o.nonce {
            info.nonce = n;
        }
        if let Some(code) = &o.code {
            let code = Bytecode::new_raw_checked(code.clone()).map_err(|e| {
                DevnetError::InvalidTransaction(format!(
                    "state override of {address}: not a valid code ({e:?})"
                ))
            })?;
            info.code_hash = code.hash_slow();
            info.code = Some(code);
        }
        db.insert_account_info(*address, info);
        if let Some(state) = &o.state {
            let slots = state
                .iter()
                .map(|(k, v)| (U256::from_be_bytes(k.0), U256::from_be_bytes(v.0)));
            let _ = db.replace_account_storage(*address, slots.collect());
        }
        if let Some(diff) = &o.state_diff {
            for (k, v) in diff {
                let _ = db.insert_account_storage(
                    *address,
                    U256::from_be_bytes(k.0),
                    U256::from_be_bytes(v.0),
                );
            }
        }
    }
    Ok(())
}

fn tx_env(envelope: &TxEnvelope, from: Address) -> Result<TxEnv, DevnetError> {
    let (gas_price, priority) = match envelope {
        TxEnvelope::Legacy(t) => (t.tx().gas_price, None),
        TxEnvelope::Eip2930(t) => (t.tx().gas_price, None),
        TxEnvelope::Eip1559(t) => (
            t.tx().max_fee_per_gas,
            Some(t.tx().max_priority_fee_per_gas),
        ),
        other => return Err(DevnetError::UnsupportedTransactionType(other.ty())),
    };
    let access_list = envelope
        .access_list()
        .map(|l| {
            l.iter()
                .map(|i| revm::context::transaction::AccessListItem {
                    address: i.address,
                    storage_keys: i.storage_keys.clone(),
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    TxEnv::builder()
        .tx_type(Some(envelope.ty()))
        .caller(from)
        .kind(envelope.kind())
        .value(envelope.value())
        .data(envelope.input().clone())
        .gas_limit(envelope.gas_limit())
        .gas_price(gas_price)
        .gas_priority_fee(priority)
        .nonce(envelope.nonce())
        .chain_id(envelope.chain_id())
        .access_list(access_list.into())
        .build()
        .map_err(|e| DevnetError::MalformedTransaction(format!("{e:?}")))
}

fn map_evm_error<E: std::fmt::Debug>(e: EVMError<E, InvalidTransaction>) -> DevnetError {
    match e {
        EVMError::Transaction(t) => match t {
            InvalidTransaction::NonceTooLow { tx, state } => DevnetError::NonceTooLow {
                expected: state,
                got: tx,
            },
            InvalidTransaction::NonceTooHigh { tx, state } => DevnetError::NonceTooHigh {
                expected: state,
                got: tx,
            },
            InvalidTransaction::LackOfFundForMaxFee { fee, balance } => {
                DevnetError::InsufficientFunds {
                    have: *balance,
                    want: *fee,
                }
            }
            InvalidTransaction::GasPriceLessThanBasefee => {
                DevnetError::FeeTooLow { base_fee: BASE_FEE }
            }
            InvalidTransaction::CallGasCostMoreThanGasLimit {
                initial_gas,
                gas_limit,
            } => DevnetError::IntrinsicGasTooLow {
                needed: initial_gas,
                limit: gas_limit,
            },
            other => DevnetError::InvalidTransaction(format!("{other}")),
        },
        other => DevnetError::Internal(format!("{other:?}")),
    }
}
