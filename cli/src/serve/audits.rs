//! Audits of tasks for the pages and `GET /api/tasks/{id}/audit`: the SDK's
//! [`audit`] (every proof re-verified in a private EVM), recomputed on
//! request and kept until the suite's contracts log anything new.

use std::{collections::HashMap, sync::Arc};

use alloy::rpc::types::Filter;
use axum::http::StatusCode;
use tokio::sync::Mutex;
use zkmltrack::audit::{audit, AuditError, AuditReport};
use zkmltrack_devnet::Devnet;

use super::{ApiError, Shared};
use crate::audit::LocalEvm;

/// The latest audit of each task: the block up to which no suite contract
/// logged anything new since, and the audit (as it ran: `cached` false).
#[derive(Default)]
pub(crate) struct Audits(Mutex<HashMap<u64, (u64, Audited)>>);

/// A task's audit as the server holds it.
#[derive(Clone)]
pub(crate) struct Audited {
    pub report: Arc<AuditReport>,
    /// The chain's head block when the audit ran.
    pub at_block: u64,
    /// Served from the cache (nothing new was logged since it ran).
    pub cached: bool,
}

impl From<AuditError> for ApiError {
    fn from(e: AuditError) -> ApiError {
        match e {
            AuditError::Chain(e) => e.into(),
            AuditError::Rpc(_) => ApiError(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
            AuditError::Root { .. } | AuditError::Evm(_) => {
                ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
            }
        }
    }
}

/// Task `task_id`'s audit: the cached one while no suite contract logged
/// anything since it was made, else a new one. One audit runs at a time (the
/// lock is held while it runs), so a burst of requests costs one audit.
pub(crate) async fn of_task(state: &Shared, task_id: u64) -> Result<Audited, ApiError> {
    let mut cache = state.audits.0.lock().await;
    let chain = state.suite.chain();
    let latest = chain.block_number().await?;
    if let Some((seen, audited)) = cache.get(&task_id) {
        let d = &state.suite.deployment;
        let news = chain
            .logs(
                "reading the suite's logs since the last audit",
                &Filter::new()
                    .address(vec![d.controller, d.registry, d.leaderboard, d.router])
                    .from_block(seen + 1)
                    .to_block(latest),
            )
            .await?;
        if news.is_empty() {
            let kept = audited.clone();
            cache.insert(task_id, (latest, kept.clone()));
            return Ok(Audited {
                cached: true,
                ..kept
            });
        }
    }
    // The audit's private EVM is not Send: it runs on a blocking thread.
    let suite = state.suite.clone();
    let handle = tokio::runtime::Handle::current();
    let report = tokio::task::spawn_blocking(move || {
        let mut evm = LocalEvm(Devnet::default());
        handle.block_on(audit(&suite, task_id, &mut evm, &|_| {}))
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    let audited = Audited {
        report: Arc::new(report),
        at_block: latest,
        cached: false,
    };
    cache.insert(task_id, (latest, audited.clone()));
    Ok(audited)
}

/// What the audit says of one evaluation: `Some(problems)` (empty when it
/// agrees with the chain) for a finalized evaluation it recomputed, `None`
/// for one it did not (not finalized).
pub(crate) fn verdict(report: &AuditReport, evaluation_id: u64) -> Option<Vec<String>> {
    let prefix = format!("evaluation {evaluation_id}:");
    let problems: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.starts_with(&prefix))
        .cloned()
        .collect();
    let audited = report
        .evaluations
        .iter()
        .any(|a| a.evaluation_id == evaluation_id);
    (audited || !problems.is_empty()).then_some(problems)
}
