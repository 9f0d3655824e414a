//! The devnet's JSON-RPC transport: HTTP/1.1 (hyper on tokio) and WebSocket
//! (tokio-tungstenite over hyper's upgrade) on one port.
//!
//! Every connection is a task of its own and a request is read whole, within
//! [`BODY_TIMEOUT`] and [`MAX_BODY`], before the chain is touched: a client
//! that stalls mid-request (a `Content-Length` it never sends, an unfinished
//! chunked body, headers that never end) holds only its own connection, never
//! the chain or another client. An answer the client does not take within
//! [`WRITE_TIMEOUT`] closes its connection. The chain is one writer at a time (a mutex held
//! for each call, on the blocking pool); readers wait only for that call.
//! WebSocket clients send the same requests and may `eth_subscribe` to
//! `newHeads` and `logs` ([`super::ws`]).

use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
    thread::JoinHandle,
    time::Duration,
};

use http_body_util::{BodyExt, Full, Limited};
use hyper::{
    body::{Bytes, Incoming},
    header,
    server::conn::http1,
    service::service_fn,
    Request, Response, StatusCode,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::sync::{oneshot, watch, Semaphore};

use super::{
    error_response,
    shared::{json_response, Shared, StateSaving},
    RpcError, MAX_BODY,
};
use crate::Devnet;

/// Time a client has to send a request's headers (also an idle keep-alive
/// connection's limit between requests).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Time a client has to send a request's body once its headers are in.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Time a client has to take an answer: a write that makes no progress for
/// this long (a client that stopped reading, its buffers full) closes the
/// connection, HTTP or WebSocket, and frees its slot.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once (HTTP connections and WebSocket sessions); more
/// are closed at accept (an upgrade past it is answered 503).
pub const MAX_CONNECTIONS: usize = 256;

/// A running JSON-RPC server; dropping it stops the server.
pub struct RpcServer {
    addr: SocketAddr,
    chain: Arc<Mutex<Devnet>>,
    saving: Option<StateSaving>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RpcServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl RpcServer {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://host:port` of the server.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://host:port` of the server (the same port).
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The chain behind the server, for in-process inspection.
    pub fn chain(&self) -> Arc<Mutex<Devnet>> {
        self.chain.clone()
    }

    /// Saves the chain to the server's state file now, if it has one; the
    /// block number saved.
    pub fn save_state(&self) -> Result<Option<u64>, crate::StateError> {
        let Some(saving) = &self.saving else {
            return Ok(None);
        };
        let chain = self.chain.lock().unwrap_or_else(|p| p.into_inner());
        chain.save_state(&saving.path)?;
        Ok(Some(chain.block_number()))
    }

    /// Blocks until the server stops.
    pub fn join(mut self) {
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for RpcServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Serves `chain` on `addr` (port 0 picks a free port) from a background
/// thread running its own tokio runtime (so it can be started from
/// synchronous code and from inside another runtime alike).
pub fn serve(chain: Devnet, addr: SocketAddr) -> std::io::Result<RpcServer> {
    serve_with_state(chain, addr, None)
}

/// [`serve`], saving the chain as `saving` says.
pub fn serve_with_state(
    chain: Devnet,
    addr: SocketAddr,
    saving: Option<StateSaving>,
) -> std::io::Result<RpcServer> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let head = chain.block_number();
    let chain = Arc::new(Mutex::new(chain));
    let shared = Shared {
        slots: Arc::new(Semaphore::new(MAX_CONNECTIONS)),
        chain: chain.clone(),
        head: Arc::new(watch::channel(head).0),
        saving: saving
            .clone()
            .map(|s| (s.every_blocks.max(1), s))
            .map(|(every, s)| {
                (
                    StateSaving {
                        every_blocks: every,
                        ..s
                    },
                    Arc::new(Mutex::new(head)),
                )
            }),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("devnet-rpc")
        .enable_all()
        .build()?;
    let (stop, stopped) = oneshot::channel();
    let handle = std::thread::Builder::new()
        .name("devnet-rpc".into())
        .spawn(move || {
            runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => accept(listener, shared, stopped).await,
                    Err(e) => eprintln!("devnet: cannot serve: {e}"),
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(2));
        })?;
    Ok(RpcServer {
        addr,
        chain,
        saving,
        stop: Some(stop),
        handle: Some(handle),
    })
}

async fn accept(
    listener: tokio::net::TcpListener,
    shared: Shared,
    mut stopped: oneshot::Receiver<()>,
) {
    let slots = shared.slots.clone();
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait, do not spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream); // at capacity: refuse rather than queue unboundedly
            continue;
        };
        let _ = stream.set_nodelay(true);
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(WRITE_TIMEOUT));
        let shared = shared.clone();
        // A WebSocket upgrade takes the connection's slot for its session.
        let slot = Arc::new(std::sync::Mutex::new(Some(slot)));
        tokio::spawn(async move {
            let held = slot.clone();
            let service = service_fn(move |req| {
                let shared = shared.clone();
                let slot = held.clone();
                async move { Ok::<_, Infallible>(route(req, shared, slot).await) }
            });
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(Box::pin(stream)), service)
                .with_upgrades()
                .await;
            drop(slot);
        });
    }
}

/// A connection's slot, until a WebSocket session takes it.
pub(super) type Slot = Arc<std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>>;

/// A WebSocket upgrade goes to [`super::ws`]; anything else is a JSON-RPC
/// body.
async fn route(req: Request<Incoming>, shared: Shared, slot: Slot) -> Response<Full<Bytes>> {
    if is_websocket_upgrade(&req) {
        return super::ws::upgrade(req, shared, slot);
    }
    let too_large = || {
        json_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &error_response(
                Value::Null,
                &RpcError::invalid_request(format!(
                    "the request body is larger than {MAX_BODY} bytes"
                )),
            ),
        )
    };
    // A declared length over the limit is refused before a byte is read.
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY) {
        return too_large();
    }
    let body = match tokio::time::timeout(
        BODY_TIMEOUT,
        Limited::new(req.into_body(), MAX_BODY as usize).collect(),
    )
    .await
    {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => return too_large(),
        Ok(Err(e)) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &error_response(
                    Value::Null,
                    &RpcError::parse(format!("unreadable request body: {e}")),
                ),
            )
        }
        Err(_) => {
            return json_response(
                StatusCode::REQUEST_TIMEOUT,
                &error_response(
                    Value::Null,
                    &RpcError::parse(format!(
                        "the request body did not arrive within {} s",
                        BODY_TIMEOUT.as_secs()
                    )),
                ),
            )
        }
    };
    json_response(StatusCode::OK, &shared.answer(body).await)
}

fn is_websocket_upgrade(req: &Request<Incoming>) -> bool {
    let has = |name: header::HeaderName, token: &str| {
        req.headers().get_all(name).iter().any(|v| {
            v.to_str()
                .map(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
                .unwrap_or(false)
        })
    };
    has(header::CONNECTION, "upgrade") && has(header::UPGRADE, "websocket")
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
