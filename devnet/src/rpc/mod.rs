//! Ethereum JSON-RPC for the devnet (instamine: every accepted transaction is mined in its
//! own block before the call returns): the requests' meaning here ([`handle_body`]), the
//! HTTP and WebSocket transport in [`server`], subscriptions in [`ws`].

mod methods;
pub mod server;
mod shared;
pub mod ws;

use std::sync::Mutex;

use serde_json::{json, Value};

use crate::Devnet;

pub use methods::{RpcError, MAX_MINE, METHODS};
pub use server::{serve, serve_with_state, shutdown_signal, RpcServer};
pub use shared::StateSaving;

/// Most requests in one batch.
pub const MAX_BATCH: usize = 256;

/// Gas one request's calls may execute in all (`eth_call`, each run of an
/// `eth_estimateGas`, `eth_sendRawTransaction`): about 31 calls at the 32M cap. A batch's
/// execution calls past it are refused with -32005 (limit exceeded); the call that
/// crosses it runs whole, so a request executes at most this plus one call's work.
pub const MAX_REQUEST_GAS: u64 = 1_000_000_000;

/// Largest request body accepted (raw transactions carry WASM programs of up to 24 KB code,
/// constructor data and batches).
pub const MAX_BODY: u64 = 16 << 20;

/// Answers one HTTP body as received (what the server does with each request): a body
/// that is not UTF-8 is a parse error, anything else goes to [`handle_body`].
pub fn handle_bytes(chain: &Mutex<Devnet>, body: &[u8]) -> Value {
    match std::str::from_utf8(body) {
        Ok(body) => handle_body(chain, body),
        Err(e) => error_response(
            Value::Null,
            &RpcError::parse(format!("unreadable request body: {e}")),
        ),
    }
}

/// Answers one HTTP body: a request object or a batch array.
pub fn handle_body(chain: &Mutex<Devnet>, body: &str) -> Value {
    let parsed: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => {
            return error_response(Value::Null, &RpcError::parse(format!("invalid JSON: {e}")))
        }
    };
    match parsed {
        Value::Array(batch) if batch.is_empty() => error_response(
            Value::Null,
            &RpcError::invalid_request("empty batch".into()),
        ),
        Value::Array(batch) if batch.len() > MAX_BATCH => batch_too_long(batch.len()),
        Value::Array(batch) => {
            // One budget of blocks and one of executed gas for the whole request, not
            // one per call.
            let (mut mined, mut work) = (0u64, 0u64);
            Value::Array(
                batch
                    .into_iter()
                    .map(
                        |r| match over_budget(&r, &mut mined).or_else(|| over_work(&r, work)) {
                            Some(refused) => refused,
                            None => {
                                let (answer, gas) = handle_one(chain, r);
                                work = work.saturating_add(gas);
                                answer
                            }
                        },
                    )
                    .collect(),
            )
        }
        single => handle_one(chain, single).0,
    }
}

/// The refusal of a batch of `len` requests, more than [`MAX_BATCH`].
pub(crate) fn batch_too_long(len: usize) -> Value {
    error_response(
        Value::Null,
        &RpcError::invalid_request(format!("a batch of {len} requests; at most {MAX_BATCH}")),
    )
}

/// The refusal of a call whose blocks to mine would take the request past
/// [`methods::MAX_MINE`]; otherwise charges them to `mined`.
fn over_budget(request: &Value, mined: &mut u64) -> Option<Value> {
    let method = request.get("method").and_then(Value::as_str)?;
    let params = match request.get("params") {
        Some(Value::Array(params)) => params.as_slice(),
        _ => &[],
    };
    let blocks = methods::blocks_requested(method, params)?;
    if blocks > methods::MAX_MINE {
        return None; // the call itself is refused, mining nothing
    }
    let total = *mined + blocks;
    if total > methods::MAX_MINE {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        return Some(error_response(
            id,
            &RpcError::invalid_params(format!(
                "this call's {blocks} blocks would take the request's blocks to {total}: at \
                 most {} blocks per request (a batch shares one budget)",
                methods::MAX_MINE
            )),
        ));
    }
    *mined = total;
    None
}

/// The refusal of an execution call once the request has executed
/// [`MAX_REQUEST_GAS`].
fn over_work(request: &Value, work: u64) -> Option<Value> {
    let method = request.get("method").and_then(Value::as_str)?;
    if work < MAX_REQUEST_GAS
        || !matches!(
            method,
            "eth_call" | "eth_estimateGas" | "eth_sendRawTransaction"
        )
    {
        return None;
    }
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    Some(error_response(
        id,
        &RpcError::new(
            -32005,
            format!(
                "this request's calls have executed {work} gas, the most one request may \
                 ({MAX_REQUEST_GAS}, a batch shares one budget): send the rest in another request"
            ),
        ),
    ))
}

/// Answers one request, with the gas its execution took.
fn handle_one(chain: &Mutex<Devnet>, request: Value) -> (Value, u64) {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        let missing = RpcError::invalid_request("missing \"method\"".into());
        return (error_response(id, &missing), 0);
    };
    let params = match request.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return (
                error_response(
                    id,
                    &RpcError::invalid_params("params must be an array".into()),
                ),
                0,
            )
        }
    };
    let mut chain = chain.lock().unwrap_or_else(|p| p.into_inner());
    let before = chain.executed_gas();
    let answer = match methods::dispatch(&mut chain, method, &params) {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => error_response(id, &e),
    };
    (answer, chain.executed_gas().saturating_sub(before))
}

fn error_response(id: Value, e: &RpcError) -> Value {
    let mut error = json!({"code": e.code, "message": e.message});
    if let Some(data) = &e.data {
        error["data"] = Value::String(data.clone());
    }
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}
