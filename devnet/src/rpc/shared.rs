//! What the HTTP and WebSocket transports share: the chain behind its lock,
//! the head block subscribers wait on, the periodic state saving, JSON answers.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
};

use http_body_util::Full;
use hyper::{
    body::Bytes,
    header::{self, HeaderValue},
    Response, StatusCode,
};
use serde_json::Value;
use tokio::sync::{watch, Semaphore};

use super::{error_response, handle_bytes, RpcError};
use crate::Devnet;

/// Where the server saves the chain ([`Devnet::save_state`]): every
/// `every_blocks` blocks, and when [`super::RpcServer::save_state`] is called (on
/// SIGINT/SIGTERM by the binaries).
#[derive(Clone, Debug)]
pub struct StateSaving {
    /// The state file.
    pub path: PathBuf,
    /// Blocks between two saves.
    pub every_blocks: u64,
}

/// What every connection shares: the chain, the latest block number any
/// request left it at (WebSocket subscribers wait on it), and the state saving.
#[derive(Clone)]
pub(super) struct Shared {
    pub(super) chain: Arc<Mutex<Devnet>>,
    pub(super) head: Arc<watch::Sender<u64>>,
    pub(super) saving: Option<(StateSaving, Arc<Mutex<u64>>)>,
    /// Connection slots ([`super::server::MAX_CONNECTIONS`]): an HTTP
    /// connection holds one while it is open, a WebSocket session its own
    /// until it closes.
    pub(super) slots: Arc<Semaphore>,
}

impl Shared {
    /// Answers one request body on the blocking pool (the chain's work is
    /// CPU-bound), then publishes the block number it left the chain at.
    pub(super) async fn answer(&self, body: Bytes) -> Value {
        let chain = self.chain.clone();
        let saving = self.saving.clone();
        let answered = tokio::task::spawn_blocking(move || {
            let answer = handle_bytes(&chain, &body);
            let chain = chain.lock().unwrap_or_else(|p| p.into_inner());
            let head = chain.block_number();
            if let Some((saving, saved_at)) = saving {
                let mut saved_at = saved_at.lock().unwrap_or_else(|p| p.into_inner());
                if head >= *saved_at + saving.every_blocks || head < *saved_at {
                    match chain.save_state(&saving.path) {
                        Ok(()) => *saved_at = head,
                        Err(e) => eprintln!("devnet: cannot save the state: {e}"),
                    }
                }
            }
            (answer, head)
        })
        .await;
        match answered {
            Ok((answer, head)) => {
                self.head
                    .send_if_modified(|h| std::mem::replace(h, head) != head);
                answer
            }
            Err(e) => error_response(
                Value::Null,
                &RpcError::new(-32603, format!("the request's task failed: {e}")),
            ),
        }
    }

    /// Runs `f` on the chain on the blocking pool.
    pub(super) async fn with_chain<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Devnet) -> T + Send + 'static,
    ) -> Option<T> {
        let chain = self.chain.clone();
        tokio::task::spawn_blocking(move || f(&mut chain.lock().unwrap_or_else(|p| p.into_inner())))
            .await
            .ok()
    }
}

/// A JSON body with `status` (HTTP answers and refused WebSocket upgrades).
pub(super) fn json_response(status: StatusCode, value: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
