//! The JSON-RPC methods and the conversions between chain records and alloy's RPC types.

use alloy_consensus::{
    Eip658Value, Receipt as ConsensusReceipt, ReceiptEnvelope, ReceiptWithBloom,
};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, Bytes, TxKind, B256, U256};
use alloy_rpc_types_eth::{
    state::StateOverride, Block, BlockTransactions, Filter, FilterBlockOption, Header, Log,
    Transaction, TransactionReceipt, TransactionRequest,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::{
    chain::{BlockRecord, LogRecord, BASE_FEE},
    CallRequest, Devnet, DevnetError, Receipt,
};

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    /// Error code (3 = execution reverted, with the revert data in `data`).
    pub code: i64,
    /// Human-readable message.
    pub message: String,
    /// Hex revert data, for code 3.
    pub data: Option<String>,
}

impl RpcError {
    pub(crate) fn new(code: i64, message: String) -> Self {
        Self {
            code,
            message,
            data: None,
        }
    }
    pub(crate) fn parse(message: String) -> Self {
        Self::new(-32700, message)
    }
    pub(crate) fn invalid_request(message: String) -> Self {
        Self::new(-32600, message)
    }
    pub(crate) fn invalid_params(message: String) -> Self {
        Self::new(-32602, message)
    }
}

impl From<DevnetError> for RpcError {
    fn from(e: DevnetError) -> Self {
        match &e {
            DevnetError::Reverted(data) => Self {
                code: 3,
                message: e.to_string(),
                data: Some(data.to_string()),
            },
            _ => Self::new(-32000, e.to_string()),
        }
    }
}

type Result<T> = std::result::Result<T, RpcError>;

fn param<T: DeserializeOwned>(params: &[Value], i: usize, name: &str) -> Result<T> {
    let v = params.get(i).cloned().unwrap_or(Value::Null);
    serde_json::from_value(v)
        .map_err(|e| RpcError::invalid_params(format!("parameter {i} ({name}): {e}")))
}

fn opt_param<T: DeserializeOwned>(params: &[Value], i: usize, name: &str) -> Result<Option<T>> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => param(params, i, name).map(Some),
    }
}

fn hex_u64(v: u64) -> Value {
    Value::String(format!("{v:#x}"))
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| RpcError::new(-32603, format!("serialization failed: {e}")))
}

/// Resolves a block tag or number; `None` if beyond the head.
fn block_number(chain: &Devnet, tag: Option<BlockNumberOrTag>) -> Option<u64> {
    let head = chain.block_number();
    let n = match tag.unwrap_or(BlockNumberOrTag::Latest) {
        BlockNumberOrTag::Number(n) => n,
        BlockNumberOrTag::Earliest => 0,
        _ => head,
    };
    (n <= head).then_some(n)
}

/// State is only kept at the head: refuse older blocks instead of answering with newer state.
fn state_block(chain: &Devnet, params: &[Value], i: usize) -> Result<()> {
    let tag: Option<alloy_eips::BlockId> = opt_param(params, i, "block")?;
    match tag {
        None | Some(alloy_eips::BlockId::Number(BlockNumberOrTag::Latest | BlockNumberOrTag::Pending))
        | Some(alloy_eips::BlockId::Number(BlockNumberOrTag::Safe | BlockNumberOrTag::Finalized)) => Ok(()),
        Some(alloy_eips::BlockId::Number(BlockNumberOrTag::Number(n))) if n == chain.block_number() => Ok(()),
        Some(alloy_eips::BlockId::Hash(h)) if h.block_hash == chain.block(chain.block_number()).map(|b| b.hash).unwrap_or_default() => Ok(()),
        Some(other) => Err(RpcError::new(
            -32000,
            format!("historical state is not kept by the devnet: only the latest block ({}) can be queried, not {other}", chain.block_number()),
        )),
    }
}

fn call_request(req: TransactionRequest, overrides: Option<StateOverride>) -> CallRequest {
    CallRequest {
        from: req.from,
        to: match req.to {
            Some(TxKind::Call(a)) => Some(a),
            _ => None,
        },
        value: req.value.unwrap_or_default(),
        data: req.input.input().cloned().unwrap_or_default(),
        gas: req.gas,
        overrides,
    }
}

/// Most blocks one `anvil_mine` call mines, and one HTTP request (a batch) in all. Every
/// block stays in memory and the call holds the chain: an unbounded count (`2^64 - 1`) kept
/// the server busy until it ran out of memory (found by the `devnet_rpc` fuzz target), and a
/// batch of 60 calls of 10,000 mined 600,000 blocks (868 MB) in one request.
pub const MAX_MINE: u64 = 10_000;

/// Blocks a call asks to mine (`anvil_mine`, `evm_mine`), when its parameters parse; the
/// server charges them to the request's budget of [`MAX_MINE`].
pub(crate) fn blocks_requested(method: &str, params: &[Value]) -> Option<u64> {
    match method {
        "evm_mine" => Some(1),
        "anvil_mine" => opt_param::<U256>(params, 0, "blocks")
            .ok()
            .map(|n| n.map_or(1, |n| n.saturating_to::<u64>())),
        _ => None,
    }
}

/// Every method the dispatcher serves; any other name is answered with -32601 (method not
/// found). The fuzz harness (`devnet/fuzz`) draws method names from this list.
pub const METHODS: &[&str] = &[
    "web3_clientVersion",
    "net_version",
    "net_listening",
    "eth_chainId",
    "eth_syncing",
    "eth_accounts",
    "eth_blockNumber",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_blobBaseFee",
    "eth_feeHistory",
    "eth_getBalance",
    "eth_getTransactionCount",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_call",
    "eth_estimateGas",
    "eth_sendRawTransaction",
    "eth_getTransactionReceipt",
    "eth_getTransactionByHash",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getLogs",
    "evm_snapshot",
    "evm_revert",
    "evm_mine",
    "anvil_mine",
    "evm_increaseTime",
];

/// Runs one method.
pub(crate) fn dispatch(chain: &mut Devnet, method: &str, params: &[Value]) -> Result<Value> {
    match method {
        "web3_clientVersion" => Ok(json!(format!(
            "zkmltrack-devnet/{}",
            env!("CARGO_PKG_VERSION")
        ))),
        "net_version" => Ok(json!(chain.chain_id().to_string())),
        "net_listening" => Ok(json!(true)),
        "eth_chainId" => Ok(hex_u64(chain.chain_id())),
        "eth_syncing" => Ok(json!(false)),
        "eth_accounts" => to_value(chain.accounts()),
        "eth_blockNumber" => Ok(hex_u64(chain.block_number())),
        "eth_gasPrice" => Ok(hex_u64(BASE_FEE)),
        "eth_maxPriorityFeePerGas" => Ok(hex_u64(0)),
        "eth_blobBaseFee" => Ok(hex_u64(1)),
        "eth_feeHistory" => fee_history(chain, params),
        "eth_getBalance" => {
            let a: Address = param(params, 0, "address")?;
            state_block(chain, params, 1)?;
            to_value(chain.balance(a))
        }
        "eth_getTransactionCount" => {
            let a: Address = param(params, 0, "address")?;
            state_block(chain, params, 1)?;
            Ok(hex_u64(chain.nonce(a)))
        }
        "eth_getCode" => {
            let a: Address = param(params, 0, "address")?;
            state_block(chain, params, 1)?;
            to_value(chain.code(a))
        }
        "eth_getStorageAt" => {
            let a: Address = param(params, 0, "address")?;
            let slot: U256 = param(params, 1, "slot")?;
            state_block(chain, params, 2)?;
            to_value(B256::from(chain.storage(a, slot)))
        }
        "eth_call" => {
            let req: TransactionRequest = param(params, 0, "transaction")?;
            state_block(chain, params, 1)?;
            let overrides: Option<StateOverride> = opt_param(params, 2, "state overrides")?;
            to_value(chain.call(&call_request(req, overrides))?.output)
        }
        "eth_estimateGas" => {
            let req: TransactionRequest = param(params, 0, "transaction")?;
            state_block(chain, params, 1)?;
            let overrides: Option<StateOverride> = opt_param(params, 2, "state overrides")?;
            Ok(hex_u64(chain.estimate_gas(&call_request(req, overrides))?))
        }
        "eth_sendRawTransaction" => {
            let raw: Bytes = param(params, 0, "raw transaction")?;
            to_value(chain.send_raw(&raw)?)
        }
        "eth_getTransactionReceipt" => {
            let hash: B256 = param(params, 0, "transaction hash")?;
            match chain.receipt(hash) {
                Some(r) => to_value(rpc_receipt(chain, r)),
                None => Ok(Value::Null),
            }
        }
        "eth_getTransactionByHash" => {
            let hash: B256 = param(params, 0, "transaction hash")?;
            match chain.transaction(hash) {
                Some(_) => to_value(rpc_transaction(chain, hash)),
                None => Ok(Value::Null),
            }
        }
        "eth_getBlockByNumber" => {
            let tag: BlockNumberOrTag = param(params, 0, "block")?;
            let full: bool = opt_param(params, 1, "full")?.unwrap_or(false);
            match block_number(chain, Some(tag)).and_then(|n| chain.block(n)) {
                Some(b) => to_value(rpc_block(chain, b, full)),
                None => Ok(Value::Null),
            }
        }
        "eth_getBlockByHash" => {
            let hash: B256 = param(params, 0, "block hash")?;
            let full: bool = opt_param(params, 1, "full")?.unwrap_or(false);
            match chain.block_by_hash(hash) {
                Some(b) => to_value(rpc_block(chain, b, full)),
                None => Ok(Value::Null),
            }
        }
        "eth_getLogs" => {
            let filter: Filter = param(params, 0, "filter")?;
            get_logs(chain, &filter)
        }
        "evm_snapshot" => Ok(hex_u64(chain.snapshot())),
        "evm_revert" => {
            let id: U256 = param(params, 0, "snapshot id")?;
            Ok(json!(chain.revert_to(id.saturating_to())))
        }
        "evm_mine" => {
            chain.mine(1);
            Ok(json!("0x0"))
        }
        "anvil_mine" => {
            let n: Option<U256> = opt_param(params, 0, "blocks")?;
            let n = n.map(|n| n.saturating_to::<u64>()).unwrap_or(1);
            if n > MAX_MINE {
                return Err(RpcError::invalid_params(format!(
                    "parameter 0 (blocks): at most {MAX_MINE} blocks per call, not {n}"
                )));
            }
            chain.mine(n);
            Ok(Value::Null)
        }
        "evm_increaseTime" => {
            let secs: U256 = param(params, 0, "seconds")?;
            chain.increase_time(secs.saturating_to());
            Ok(hex_u64(secs.saturating_to()))
        }
        other => Err(RpcError::new(
            -32601,
            format!("method not found: {other} is not served by the devnet"),
        )),
    }
}

fn fee_history(chain: &Devnet, params: &[Value]) -> Result<Value> {
    let count: U256 = param(params, 0, "block count")?;
    let newest: BlockNumberOrTag = param(params, 1, "newest block")?;
    let percentiles: Option<Vec<f64>> = opt_param(params, 2, "reward percentiles")?;
    let newest = block_number(chain, Some(newest)).unwrap_or(chain.block_number());
    let count = count.saturating_to::<u64>().clamp(1, 1024).min(newest + 1);
    let oldest = newest + 1 - count;
    let mut result = json!({
        "oldestBlock": hex_u64(oldest),
        "baseFeePerGas": vec![hex_u64(BASE_FEE); count as usize + 1],
        "gasUsedRatio": vec![0.0; count as usize],
        "baseFeePerBlobGas": vec![hex_u64(0); count as usize + 1],
        "blobGasUsedRatio": vec![0.0; count as usize],
    });
    if let Some(p) = percentiles {
        result["reward"] = json!(vec![vec![hex_u64(0); p.len()]; count as usize]);
    }
    Ok(result)
}

fn get_logs(chain: &Devnet, filter: &Filter) -> Result<Value> {
    let (from, to) = match &filter.block_option {
        FilterBlockOption::AtBlockHash(h) => match chain.block_by_hash(*h) {
            Some(b) => (b.number, b.number),
            None => return Err(RpcError::new(-32000, format!("unknown block hash {h}"))),
        },
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => {
            let head = chain.block_number();
            let resolve = |b: &Option<BlockNumberOrTag>| match b {
                Some(BlockNumberOrTag::Number(n)) => *n,
                Some(BlockNumberOrTag::Earliest) => 0,
                _ => head,
            };
            (resolve(from_block), resolve(to_block).min(head))
        }
    };
    if let Some(limit) = chain.max_logs_range() {
        let span = (to + 1).saturating_sub(from);
        if span > limit {
            return Err(RpcError::new(
                -32005,
                format!("eth_getLogs over {span} blocks: this node answers at most {limit} blocks a query"),
            ));
        }
    }
    let addresses: Vec<Address> = filter.address.iter().copied().collect();
    let topics: Vec<Vec<B256>> = filter
        .topics
        .iter()
        .map(|t| t.iter().copied().collect())
        .collect();
    let logs: Vec<Log> = chain
        .logs(from, to, &addresses, &topics)
        .iter()
        .map(|l| rpc_log(chain, l))
        .collect();
    to_value(logs)
}

fn rpc_log(chain: &Devnet, l: &LogRecord) -> Log {
    Log {
        inner: l.log.clone(),
        block_hash: Some(l.block_hash),
        block_number: Some(l.block_number),
        block_timestamp: chain.block(l.block_number).map(|b| b.timestamp),
        transaction_hash: Some(l.tx_hash),
        transaction_index: Some(0),
        log_index: Some(l.log_index),
        removed: false,
    }
}

fn rpc_receipt(chain: &Devnet, r: &Receipt) -> TransactionReceipt {
    let logs: Vec<Log> = r.logs.iter().map(|l| rpc_log(chain, l)).collect();
    let logs_bloom = chain
        .block(r.block_number)
        .map(|b| b.logs_bloom)
        .unwrap_or_default();
    let receipt = ReceiptWithBloom {
        receipt: ConsensusReceipt {
            status: Eip658Value::Eip658(r.success),
            cumulative_gas_used: r.gas_used,
            logs,
        },
        logs_bloom,
    };
    let inner = match r.tx_type {
        0 => ReceiptEnvelope::Legacy(receipt),
        1 => ReceiptEnvelope::Eip2930(receipt),
        _ => ReceiptEnvelope::Eip1559(receipt),
    };
    TransactionReceipt {
        inner,
        transaction_hash: r.tx_hash,
        transaction_index: Some(0),
        block_hash: Some(r.block_hash),
        block_number: Some(r.block_number),
        gas_used: r.gas_used,
        effective_gas_price: r.effective_gas_price,
        blob_gas_used: None,
        blob_gas_price: None,
        from: r.from,
        to: r.to,
        contract_address: r.contract_address,
    }
}

fn rpc_transaction(chain: &Devnet, hash: B256) -> Option<Transaction> {
    let t = chain.transaction(hash)?;
    Some(Transaction {
        inner: alloy_consensus::transaction::Recovered::new_unchecked(t.envelope.clone(), t.from),
        block_hash: Some(t.receipt.block_hash),
        block_number: Some(t.receipt.block_number),
        transaction_index: Some(0),
        effective_gas_price: Some(t.receipt.effective_gas_price),
        block_timestamp: chain.block(t.receipt.block_number).map(|b| b.timestamp),
    })
}

fn rpc_block(chain: &Devnet, b: &BlockRecord, full: bool) -> Block {
    let transactions = if full {
        BlockTransactions::Full(
            b.transactions
                .iter()
                .filter_map(|h| rpc_transaction(chain, *h))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(b.transactions.clone())
    };
    Block {
        header: Header {
            hash: b.hash,
            inner: b.header.clone(),
            total_difficulty: Some(U256::ZERO),
            size: None,
        },
        uncles: Vec::new(),
        transactions,
        withdrawals: None,
    }
}
