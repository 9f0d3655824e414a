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
            // One budget of blocks for the whole request, not one per call.
            let mut mined = 0u64;
            Value::Array(
                batch
                    .into_iter()
                    .map(|r| match over_budget(&r, &mut mined) {
                        Some(refused) => refused,
                        None => handle_one(chain, r),
                    })
                    .collect(),
            )
        }
        single => handle_one(chain, single),
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

fn handle_one(chain: &Mutex<Devnet>, request: Value) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return error_response(id, &RpcError::invalid_request("missing \"method\"".into()));
    };
    let params = match request.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return error_response(
                id,
                &RpcError::invalid_params("params must be an array".into()),
            )
        }
    };
    let mut chain = chain.lock().unwrap_or_else(|p| p.into_inner());
    match methods::dispatch(&mut chain, method, &params) {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => error_response(id, &e),
    }
}

fn error_response(id: Value, e: &RpcError) -> Value {
    let mut error = json!({"code": e.code, "message": e.message});
    if let Some(data) = &e.data {
        error["data"] = Value::String(data.clone());
    }
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}
