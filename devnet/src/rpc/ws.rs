//! JSON-RPC over WebSocket, with `eth_subscribe` / `eth_unsubscribe` for
//! `newHeads` and `logs` (what alloy's pubsub providers and viem's watchers
//! use). Requests other than the two are answered as over HTTP. After any
//! request moves the chain, every subscriber gets each new block's header and
//! the logs its filter matches, in block order, as `eth_subscription`
//! notifications; a block is rendered as `eth_getBlockByNumber` renders it and
//! a log as `eth_getLogs` does, so both transports agree.

use std::collections::BTreeMap;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::{
    body::{Bytes, Incoming},
    header::{self, HeaderValue},
    Request, Response, StatusCode,
};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio_tungstenite::{
    tungstenite::{handshake::derive_accept_key, protocol::WebSocketConfig, Message},
    WebSocketStream,
};

use super::{
    batch_too_long, error_response, methods,
    shared::{json_response, Shared},
    RpcError, MAX_BATCH, MAX_BODY,
};

/// Subscriptions one connection may hold.
pub const MAX_SUBSCRIPTIONS: usize = 64;

/// How often the server pings a WebSocket client; a client silent (no pong,
/// no request) for [`SILENT_LIMIT`] is disconnected, freeing its slot.
pub const PING_EVERY: std::time::Duration = std::time::Duration::from_secs(20);

/// Silence after which a WebSocket session is closed (three pings unanswered).
pub const SILENT_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// What a subscription sends.
enum Subscription {
    NewHeads,
    /// The filter's `address` and `topics` (as `eth_getLogs` takes them).
    Logs(serde_json::Map<String, Value>),
}

/// Answers the upgrade request and serves the socket on its own task.
pub(super) fn upgrade(
    req: Request<Incoming>,
    shared: Shared,
    slot: super::server::Slot,
) -> Response<Full<Bytes>> {
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            &error_response(
                Value::Null,
                &RpcError::invalid_request("WebSocket upgrade without Sec-WebSocket-Key".into()),
            ),
        );
    };
    // The session keeps its connection's slot until it closes.
    let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    let Some(slot) = taken.or_else(|| shared.slots.clone().try_acquire_owned().ok()) else {
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &error_response(
                Value::Null,
                &RpcError::invalid_request(format!(
                    "the devnet serves {} connections at once; try again later",
                    super::server::MAX_CONNECTIONS
                )),
            ),
        );
    };
    let accept = derive_accept_key(key.as_bytes());
    tokio::spawn(async move {
        let _slot = slot;
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_BODY as usize))
            .max_frame_size(Some(MAX_BODY as usize));
        let socket = WebSocketStream::from_raw_socket(
            TokioIo::new(upgraded),
            tokio_tungstenite::tungstenite::protocol::Role::Server,
            Some(config),
        )
        .await;
        session(socket, shared).await;
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept).expect("base64 is a header value"),
    );
    response
}

async fn session<S>(socket: WebSocketStream<S>, shared: Shared)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut sink, mut stream) = socket.split();
    let mut head = shared.head.subscribe();
    let mut seen = *head.borrow_and_update();
    let mut subscriptions: BTreeMap<String, Subscription> = BTreeMap::new();
    let mut next_id: u64 = 1;
    let mut heard = tokio::time::Instant::now();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await; // the first tick is immediate
    loop {
        // Biased, head first: the blocks a request mined are announced before the
        // next request is read (a client that unsubscribes after an answer still
        // hears of every block up to it).
        tokio::select! {
            biased;
            changed = head.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *head.borrow_and_update();
                if now > seen && !subscriptions.is_empty() {
                    for n in seen + 1..=now {
                        for notification in notifications(&shared, &subscriptions, n).await {
                            if sink.send(Message::Text(notification.to_string().into())).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                seen = now;
            }
            message = stream.next() => {
                heard = tokio::time::Instant::now();
                let answer = match message {
                    Some(Ok(Message::Text(text))) => {
                        request(&text, &shared, &mut subscriptions, &mut next_id).await
                    }
                    // Bytes that are not UTF-8 get the -32700 HTTP gives them.
                    Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                        Ok(text) => request(text, &shared, &mut subscriptions, &mut next_id).await,
                        Err(_) => shared.answer(bytes).await,
                    },
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                };
                if sink.send(Message::Text(answer.to_string().into())).await.is_err() {
                    return;
                }
            }
            _ = ping.tick() => {
                if heard.elapsed() >= SILENT_LIMIT
                    || sink.send(Message::Ping(Bytes::new())).await.is_err()
                {
                    return;
                }
            }
        }
    }
}

/// Answers one WebSocket message: a request or a batch; subscription methods
/// here, the rest as over HTTP.
async fn request(
    text: &str,
    shared: &Shared,
    subscriptions: &mut BTreeMap<String, Subscription>,
    next_id: &mut u64,
) -> Value {
    let parsed: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return error_response(Value::Null, &RpcError::parse(format!("invalid JSON: {e}")))
        }
    };
    let is_subscription = |r: &Value| {
        matches!(
            r.get("method").and_then(Value::as_str),
            Some("eth_subscribe" | "eth_unsubscribe")
        )
    };
    match parsed {
        Value::Array(batch) if batch.iter().any(is_subscription) => {
            if batch.len() > MAX_BATCH {
                return batch_too_long(batch.len());
            }
            // The other calls go on as one batch, so a batch's limits and its
            // one budget of blocks hold for them as over HTTP.
            let others: Vec<Value> = batch
                .iter()
                .filter(|r| !is_subscription(r))
                .cloned()
                .collect();
            let mut answered = if others.is_empty() {
                Vec::new()
            } else {
                match shared
                    .answer(Bytes::from(Value::Array(others).to_string()))
                    .await
                {
                    Value::Array(answers) => answers,
                    refused => vec![refused],
                }
            }
            .into_iter();
            let answers = batch
                .iter()
                .map(|r| {
                    if is_subscription(r) {
                        subscription_call(r, subscriptions, next_id)
                    } else {
                        answered.next().unwrap_or(Value::Null)
                    }
                })
                .collect();
            Value::Array(answers)
        }
        single if is_subscription(&single) => subscription_call(&single, subscriptions, next_id),
        _ => shared.answer(Bytes::from(text.to_string())).await,
    }
}

fn subscription_call(
    request: &Value,
    subscriptions: &mut BTreeMap<String, Subscription>,
    next_id: &mut u64,
) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let params = request
        .get("params")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ok = |result: Value| json!({"jsonrpc": "2.0", "id": id, "result": result});
    let invalid = |m: String| error_response(id.clone(), &RpcError::invalid_params(m));
    match request.get("method").and_then(Value::as_str) {
        Some("eth_unsubscribe") => {
            let Some(sub) = params.first().and_then(Value::as_str) else {
                return invalid("parameter 0 (subscription id): expected a string".into());
            };
            ok(json!(subscriptions.remove(sub).is_some()))
        }
        _ => {
            if subscriptions.len() >= MAX_SUBSCRIPTIONS {
                return invalid(format!(
                    "this connection holds {MAX_SUBSCRIPTIONS} subscriptions, the most it may"
                ));
            }
            let subscription = match params.first().and_then(Value::as_str) {
                Some("newHeads") => Subscription::NewHeads,
                Some("logs") => {
                    let mut filter = serde_json::Map::new();
                    if let Some(Value::Object(given)) = params.get(1) {
                        for key in ["address", "topics"] {
                            if let Some(v) = given.get(key) {
                                filter.insert(key.into(), v.clone());
                            }
                        }
                    }
                    Subscription::Logs(filter)
                }
                other => {
                    return invalid(format!(
                        "parameter 0 (subscription): `newHeads` or `logs`, not {}",
                        other.map_or("nothing".into(), |o| format!("`{o}`"))
                    ))
                }
            };
            let sub = format!("{:#x}", *next_id);
            *next_id += 1;
            subscriptions.insert(sub.clone(), subscription);
            ok(json!(sub))
        }
    }
}

/// The notifications block `n` gives the connection's subscriptions.
async fn notifications(
    shared: &Shared,
    subscriptions: &BTreeMap<String, Subscription>,
    n: u64,
) -> Vec<Value> {
    let block = format!("{n:#x}");
    let queries: Vec<(String, &'static str, Vec<Value>)> = subscriptions
        .iter()
        .map(|(sub, kind)| match kind {
            Subscription::NewHeads => (
                sub.clone(),
                "eth_getBlockByNumber",
                vec![json!(block), json!(false)],
            ),
            Subscription::Logs(filter) => {
                let mut filter = filter.clone();
                filter.insert("fromBlock".into(), json!(block));
                filter.insert("toBlock".into(), json!(block));
                (sub.clone(), "eth_getLogs", vec![Value::Object(filter)])
            }
        })
        .collect();
    let answers = shared
        .with_chain(move |chain| {
            queries
                .into_iter()
                .map(|(sub, method, params)| (sub, methods::dispatch(chain, method, &params)))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
    let notify = |sub: &str, result: Value| {
        json!({"jsonrpc": "2.0", "method": "eth_subscription",
               "params": {"subscription": sub, "result": result}})
    };
    let mut out = Vec::new();
    for (sub, answer) in answers {
        match answer {
            Ok(Value::Array(logs)) => out.extend(logs.into_iter().map(|log| notify(&sub, log))),
            Ok(Value::Null) | Err(_) => {} // the block was reverted away meanwhile
            Ok(header) => out.push(notify(&sub, header)),
        }
    }
    out
}
