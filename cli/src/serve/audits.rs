//! Audits of tasks for the pages and `GET /api/tasks/{id}/audit`: the SDK's
//! audit (every proof re-verified in a private EVM), recomputed on request
//! and kept until a contract it reads logs anything new; then recomputed
//! from the last one ([`audit_after`]: only evaluations it has not checked
//! cleanly are verified again).

use std::{collections::HashMap, sync::Arc, time::Duration};

use alloy::{eips::BlockNumberOrTag, primitives::B256, rpc::types::Filter};
use axum::http::StatusCode;
use tokio::sync::Mutex;
use zkmltrack::audit::{audit_after, audit_sources, AuditError, AuditReport, AuditSources};
use zkmltrack_devnet::Devnet;

use super::{ApiError, Shared};
use crate::audit::LocalEvm;

/// Each task's latest audit ([`Kept`]), behind a lock per task.
#[derive(Default)]
pub(crate) struct Audits(std::sync::Mutex<HashMap<u64, Slot>>);

type Slot = Arc<Mutex<Held>>;

/// What a task's slot holds.
#[derive(Default)]
struct Held {
    /// The latest audit.
    kept: Option<Kept>,
    /// Why the last audit a page started in the background failed, for the
    /// next page to say (once; the page after retries).
    failure: Option<(StatusCode, String)>,
}

/// A task's latest audit, with what tells when it is stale.
struct Kept {
    audited: Audited,
    /// The block (number, hash) up to which none of the sources logged
    /// anything since the audit; a chain without that block is another
    /// chain (reset or reorganized), on which no record is re-used.
    seen: (u64, B256),
    /// What the audit reads ([`audit_sources`]: read once per audit, and
    /// at each check only while it may change without a log).
    sources: AuditSources,
}

impl Audits {
    fn slot(&self, task_id: u64) -> Slot {
        self.0
            .lock()
            .expect("audits")
            .entry(task_id)
            .or_default()
            .clone()
    }
}

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

/// Task `task_id`'s audit: the cached one while none of the contracts it reads logged
/// anything since it was made, else a new one. One audit of a task runs at a
/// time (its lock is held while it runs), so a burst of requests costs one
/// audit; audits of other tasks do not wait for it.
pub(crate) async fn of_task(state: &Shared, task_id: u64) -> Result<Audited, ApiError> {
    let slot = state.audits.slot(task_id);
    let mut held = slot.lock().await;
    renew(state, task_id, &mut held.kept).await
}

/// How long a page waits for an audit before it says the audit runs.
const PAGE_WAIT: Duration = Duration::from_secs(2);

/// Task `task_id`'s audit for a page: as [`of_task`] when it is ready within
/// [`PAGE_WAIT`] (waiting for the task's lock included); else `None`: the
/// audit goes on in the background, and a later request finds it, or the
/// reason it failed.
pub(crate) async fn for_page(state: &Shared, task_id: u64) -> Result<Option<Audited>, ApiError> {
    let started = tokio::time::Instant::now();
    let slot = state.audits.slot(task_id);
    let Ok(mut held) = tokio::time::timeout(PAGE_WAIT, slot.lock_owned()).await else {
        return Ok(None);
    };
    if let Some((status, reason)) = held.failure.take() {
        return Err(ApiError(status, reason));
    }
    // Set when this page stops waiting: a failure after it is kept for the
    // next page (one before it, this page reports itself).
    let abandoned = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let running = tokio::spawn({
        let (state, abandoned) = (state.clone(), abandoned.clone());
        async move {
            let result = renew(&state, task_id, &mut held.kept).await;
            if let Err(ApiError(status, reason)) = &result {
                if abandoned.load(std::sync::atomic::Ordering::SeqCst) {
                    held.failure = Some((*status, reason.clone()));
                }
            }
            result
        }
    });
    match tokio::time::timeout_at(started + PAGE_WAIT, running).await {
        Ok(Ok(audited)) => audited.map(Some),
        Ok(Err(e)) => Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
        Err(_) => {
            abandoned.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(None)
        }
    }
}

/// `kept`'s audit when the chain still holds the block it was last checked
/// at and none of its sources logged anything since, else a new one (which
/// re-uses its clean records, [`audit_after`], unless the chain changed
/// under it).
async fn renew(state: &Shared, task_id: u64, kept: &mut Option<Kept>) -> Result<Audited, ApiError> {
    let chain = state.suite.chain();
    let latest = chain
        .block_id(BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| {
            ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                "the chain has no latest block".into(),
            )
        })?;
    if let Some(k) = kept.as_ref() {
        let still = chain.block_id(BlockNumberOrTag::Number(k.seen.0)).await?;
        if still != Some(k.seen) {
            *kept = None;
        }
    }
    // The sources as they are now: read again only while they may change
    // without a log (otherwise the kept audit's are current).
    let mut current = None;
    if let Some(k) = kept.as_mut() {
        if k.sources.may_change {
            current = Some(audit_sources(&state.suite, task_id).await?);
        }
        let moved = current.as_ref().is_some_and(|now| *now != k.sources);
        let news = moved
            || !chain
                .logs(
                    "reading the logs the audit reads, since the last audit",
                    &Filter::new()
                        .address(k.sources.contracts.clone())
                        .from_block(k.seen.0 + 1)
                        .to_block(latest.0),
                )
                .await?
                .is_empty();
        if !news {
            k.seen = latest;
            return Ok(Audited {
                cached: true,
                ..k.audited.clone()
            });
        }
    }
    // Read before the audit: what is logged while it runs renews it again.
    let sources = match (current, kept.as_ref()) {
        (Some(now), _) => now,
        (None, Some(k)) => k.sources.clone(),
        (None, None) => audit_sources(&state.suite, task_id).await?,
    };
    let previous = kept.as_ref().map(|k| k.audited.report.clone());
    // The audit's private EVM is not Send: it runs on a blocking thread.
    let suite = state.suite.clone();
    let handle = tokio::runtime::Handle::current();
    let report = tokio::task::spawn_blocking(move || {
        let mut evm = LocalEvm(Devnet::default());
        handle.block_on(audit_after(
            &suite,
            task_id,
            &mut evm,
            previous.as_deref(),
            &|_| {},
        ))
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    let audited = Audited {
        report: Arc::new(report),
        at_block: latest.0,
        cached: false,
    };
    *kept = Some(Kept {
        seen: latest,
        audited: audited.clone(),
        sources,
    });
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
