//! Read models for pages and APIs: what a task's leaderboard, a lineage and an
//! evaluation look like when read from the chain alone (`zkmltrack serve`
//! renders them; a dApp can do the same).
//!
//! An evaluation's details are rebuilt from chain data: its drawn rows from
//! the seed ([`drawn_indices`]; a hidden task's from its reveals), and each
//! submission's per-sample prediction from the `submitSamples` transaction's
//! own calldata (labels and the proof's public outputs), as [`crate::audit`]
//! reads them. The audit is what
//! checks the proofs; this only shows what was submitted.

use alloy::{
    primitives::{B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use serde::Serialize;

use crate::{
    chain::{bindings::ITaskController as Controller, ChainError},
    evaluation::{drawn_indices, instance_ranges, predicted_class},
    hashing::Felt,
    suite::{Evaluation, LeaderboardEntry, Suite, Task, TaskSpec, Version},
};

/// One drawn sample as its submission proved it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SampleResult {
    /// Slot in the draw (0-based).
    pub slot: u32,
    /// Dataset row (leaf index).
    pub row: u64,
    /// The row's label.
    pub label: u32,
    /// The class the proof's outputs predict (argmax); `None` when the outputs
    /// are not field elements.
    pub predicted: Option<u32>,
    /// Whether the prediction is the label.
    pub correct: bool,
}

/// One `SamplesSubmitted` event with what its transaction shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubmissionRecord {
    /// Transaction hash.
    pub tx_hash: B256,
    /// Block it was mined in.
    pub block: Option<u64>,
    /// The first slot it scored (from the event).
    pub first_slot: u32,
    /// Samples it scored (from the event).
    pub count: u32,
    /// Of which correct, as the controller counted them (from the event).
    pub correct: u32,
    /// Its samples, in slot order, read from the transaction's calldata;
    /// empty when the transaction is not a direct `submitSamples` call (sent
    /// through a contract wallet, say), whose calldata does not show them.
    pub samples: Vec<SampleResult>,
}

/// An evaluation with what can be read about it from the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvaluationDetails {
    /// The controller's record.
    pub evaluation: Evaluation,
    /// The task it runs on.
    pub task: TaskSpec,
    /// Rows drawn, in slot order (empty until the draw).
    pub drawn: Vec<u64>,
    /// Submissions so far, in order.
    pub submissions: Vec<SubmissionRecord>,
    /// Accuracy in basis points once finalized.
    pub accuracy_bps: Option<u32>,
}

/// A leaderboard row with its version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RankedVersion {
    /// The board's entry.
    #[serde(flatten)]
    pub entry: LeaderboardEntry,
    /// The version it ranks.
    pub version: Version,
}

/// Task `task_id`'s leaderboard, each entry with its version (lineage,
/// number, submitter, revoked).
pub async fn leaderboard(suite: &Suite, task_id: u64) -> Result<Vec<RankedVersion>, ChainError> {
    let mut rows = Vec::new();
    for entry in suite.leaderboard(task_id).await? {
        let version = suite.version(entry.version_id).await?;
        rows.push(RankedVersion { entry, version });
    }
    Ok(rows)
}

/// The call transaction `hash` made, when it is a direct call of `C` (what
/// [`crate::audit`] and [`evaluation_details`] read submissions and reveals
/// from).
pub(crate) async fn direct_call<C: SolCall>(
    provider: &impl Provider,
    hash: B256,
) -> Result<Option<C>, alloy::transports::TransportError> {
    let tx = provider.get_transaction_by_hash(hash).await?;
    Ok(tx
        .map(|t| alloy::consensus::Transaction::input(&t).clone())
        .and_then(|input| C::abi_decode(&input).ok()))
}

fn rpc(action: &str) -> impl Fn(alloy::transports::TransportError) -> ChainError + '_ {
    move |e| ChainError::Rpc {
        action: action.to_string(),
        message: e.to_string(),
    }
}

/// Evaluation `evaluation_id`: its record, drawn rows and each submission's
/// per-sample predictions.
pub async fn evaluation_details(
    suite: &Suite,
    evaluation_id: u64,
) -> Result<EvaluationDetails, ChainError> {
    let evaluation = suite.evaluation(evaluation_id).await?;
    let task = suite.task(evaluation.task_id).await?.spec;
    let drawn = if evaluation.seed.is_zero() {
        Vec::new()
    } else if task.hidden {
        // A hidden task's draw skips every row revealed before on the task, so
        // the seed alone does not give it: the rows are the ones revealed (the
        // HiddenSet checked them against the draw; the audit checks it again).
        // A reveal whose features are not field elements (a hidden task
        // may name any contract) shows no rows rather than failing the page.
        let revealed = match suite
            .revealed_rows_in(task.randomness, evaluation_id, evaluation.commit_block)
            .await
        {
            Err(ChainError::InvalidArgument { .. }) => Vec::new(),
            other => other?,
        };
        // In slot order already: the drawn rows are the unbroken run from 0.
        revealed
            .iter()
            .enumerate()
            .take_while(|(slot, r)| r.slot as usize == *slot)
            .map(|(_, r)| r.index)
            .collect()
    } else {
        drawn_indices(evaluation.seed, task.samples, task.dataset_size)
    };
    let provider = suite.chain().provider().clone();
    let filter = Filter::new()
        .address(suite.deployment.controller)
        .event_signature(Controller::SamplesSubmitted::SIGNATURE_HASH)
        .topic1(U256::from(evaluation_id))
        .from_block(evaluation.commit_block);
    let logs = suite
        .chain()
        .logs("reading the evaluation's submissions", &filter)
        .await?;
    let mut submissions = Vec::new();
    for log in logs {
        let Ok(event) = Controller::SamplesSubmitted::decode_log(&log.inner) else {
            continue;
        };
        if event.data.evaluation_id != evaluation_id {
            continue;
        }
        let Some(hash) = log.transaction_hash else {
            continue;
        };
        let first_slot = event.data.first_slot;
        let samples = direct_call::<Controller::submitSamplesCall>(&provider, hash)
            .await
            .map_err(rpc("reading a submission"))?
            .map(|call| proved_samples(&call, first_slot, &drawn, &task))
            .unwrap_or_default();
        submissions.push(SubmissionRecord {
            tx_hash: hash,
            block: log.block_number,
            first_slot,
            count: event.data.count,
            correct: event.data.correct,
            samples,
        });
    }
    let accuracy_bps = (evaluation.status == crate::suite::EvaluationStatus::Finalized)
        .then(|| zkmltrack_protocol::evaluation::accuracy_bps(evaluation.correct, task.samples));
    Ok(EvaluationDetails {
        evaluation,
        task,
        drawn,
        submissions,
        accuracy_bps,
    })
}

/// The samples of submission `call`, whose first sample is slot
/// `first_slot` of a draw of rows `drawn` on `task`: each label as submitted
/// and the class its proof's outputs predict.
fn proved_samples(
    call: &Controller::submitSamplesCall,
    first_slot: u32,
    drawn: &[u64],
    task: &TaskSpec,
) -> Vec<SampleResult> {
    let (features, classes) = (task.feature_count as usize, task.class_count as usize);
    let n = call.labels.len();
    call.labels
        .iter()
        .enumerate()
        .map(|(i, &label)| {
            let slot = first_slot + i as u32;
            let (_, range) = instance_ranges(n, features, classes, i);
            let outputs: Option<Vec<Felt>> = call.instances.get(range).and_then(|w| {
                w.iter()
                    .map(|x| Felt::from_be_bytes(&x.to_be_bytes::<32>()).ok())
                    .collect()
            });
            let predicted = outputs
                .as_deref()
                .and_then(predicted_class)
                .map(|c| c as u32);
            SampleResult {
                slot,
                row: drawn.get(slot as usize).copied().unwrap_or_default(),
                label,
                predicted,
                correct: predicted == Some(label),
            }
        })
        .collect()
}

/// Task `task_id`'s evaluations still running (waiting for their seed, or
/// drawn and not finalized), oldest first.
///
/// Read from events, so that the cost follows the running evaluations, not
/// all the task ever had: the task's `EvaluationOpened` logs, less those with
/// an `EvaluationFinalized` (filtered by task) or an `EvaluationExpired` log;
/// only the rest are read one by one, and kept while their record says they
/// run (one not drawn in time stays "committed" until someone calls `draw`).
pub async fn in_progress(suite: &Suite, task_id: u64) -> Result<Vec<Evaluation>, ChainError> {
    let controller = suite.deployment.controller;
    let task_topic = U256::from(task_id);
    let logs = |filter: Filter, action: &'static str| async move {
        suite.chain().logs(action, &filter).await
    };
    let base = Filter::new()
        .address(controller)
        .from_block(suite.deployment.first_block);
    let opened = logs(
        base.clone()
            .event_signature(Controller::EvaluationOpened::SIGNATURE_HASH)
            .topic2(task_topic),
        "reading the task's opened evaluations",
    )
    .await?;
    let finalized = logs(
        base.clone()
            .event_signature(Controller::EvaluationFinalized::SIGNATURE_HASH)
            .topic2(task_topic),
        "reading the task's finalized evaluations",
    )
    .await?;
    let expired = logs(
        base.event_signature(Controller::EvaluationExpired::SIGNATURE_HASH),
        "reading expired evaluations",
    )
    .await?;
    let ended: std::collections::HashSet<u64> = finalized
        .iter()
        .filter_map(|log| Controller::EvaluationFinalized::decode_log(&log.inner).ok())
        .filter(|e| e.data.task_id == task_id)
        .map(|e| e.data.evaluation_id)
        .chain(
            expired
                .iter()
                .filter_map(|log| Controller::EvaluationExpired::decode_log(&log.inner).ok())
                .map(|e| e.data.evaluation_id),
        )
        .collect();
    let mut running = Vec::new();
    for log in opened {
        let Ok(event) = Controller::EvaluationOpened::decode_log(&log.inner) else {
            continue;
        };
        if event.data.task_id != task_id || ended.contains(&event.data.evaluation_id) {
            continue;
        }
        let evaluation = suite.evaluation(event.data.evaluation_id).await?;
        if matches!(
            evaluation.status,
            crate::suite::EvaluationStatus::Committed | crate::suite::EvaluationStatus::Drawn
        ) {
            running.push(evaluation);
        }
    }
    Ok(running)
}

/// A finalized evaluation of a version: what a lineage's accuracy chart
/// plots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct VersionScore {
    /// The task it was evaluated on.
    pub task_id: u64,
    /// The version.
    pub version_id: u64,
    /// The evaluation.
    pub evaluation_id: u64,
    /// Its accuracy in basis points.
    pub accuracy_bps: u32,
}

/// Every finalized evaluation of `version_ids`, on any task, oldest first:
/// the controller's `EvaluationFinalized` logs filtered by version (so a
/// version that left a board, or never reached one, still has its score).
pub async fn version_scores(
    suite: &Suite,
    version_ids: &[u64],
) -> Result<Vec<VersionScore>, ChainError> {
    if version_ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = Filter::new()
        .address(suite.deployment.controller)
        .event_signature(Controller::EvaluationFinalized::SIGNATURE_HASH)
        .topic3(
            version_ids
                .iter()
                .map(|v| B256::from(U256::from(*v)))
                .collect::<Vec<_>>(),
        )
        .from_block(suite.deployment.first_block);
    let logs = suite
        .chain()
        .logs("reading the versions' finalized evaluations", &filter)
        .await?;
    Ok(logs
        .iter()
        .filter_map(|l| Controller::EvaluationFinalized::decode_log(&l.inner).ok())
        .filter(|e| version_ids.contains(&e.data.version_id))
        .map(|e| VersionScore {
            task_id: e.data.task_id,
            version_id: e.data.version_id,
            evaluation_id: e.data.evaluation_id,
            accuracy_bps: e.data.accuracy_bps,
        })
        .collect())
}

/// The finalized evaluations on task `task_id` of versions revoked since,
/// best first (earlier evaluation first on ties), each with its version:
/// what the leaderboard leaves out ([`leaderboard`] lists none of them).
/// Read from the registry's `VersionRevoked` logs, then those versions'
/// `EvaluationFinalized` logs.
pub async fn revoked_on_task(
    suite: &Suite,
    task_id: u64,
) -> Result<Vec<(VersionScore, Version)>, ChainError> {
    let revoked: Vec<u64> = suite.revoked_versions().await?.into_iter().collect();
    let mut rows = Vec::new();
    for score in version_scores(suite, &revoked).await? {
        if score.task_id == task_id {
            rows.push((score, suite.version(score.version_id).await?));
        }
    }
    rows.sort_by(|(a, _), (b, _)| {
        b.accuracy_bps
            .cmp(&a.accuracy_bps)
            .then(a.evaluation_id.cmp(&b.evaluation_id))
    });
    Ok(rows)
}

/// A task and its remaining capacity.
#[derive(Clone, Debug, Serialize)]
pub struct TaskOverview {
    /// The task as the registry reports it.
    #[serde(flatten)]
    pub task: Task,
    /// A hidden task's rows neither revealed nor held by a drawn evaluation;
    /// `None` for a public task, whose rows may be drawn without limit.
    pub rows_left: Option<u64>,
    /// The evaluations those rows still allow (`rows_left / samples`);
    /// `None` for a public task.
    pub evaluations_left: Option<u64>,
    /// Why a hidden task's capacity could not be read (then both counts
    /// are `None`): the task's randomness address reverts the HiddenSet's
    /// view or answers it with something else (an account without code
    /// answers nothing). Anyone may create a task naming any
    /// address, so one such task must not hide the others.
    pub capacity_unknown: Option<String>,
}

impl TaskOverview {
    /// A hidden task's capacity in words (`None` for a public task): "R of
    /// N left, room for E more evaluations", or why it is unknown.
    pub fn capacity(&self) -> Option<String> {
        match (
            self.rows_left,
            self.evaluations_left,
            &self.capacity_unknown,
        ) {
            (Some(rows), Some(evaluations), _) => Some(format!(
                "{rows} of {} left, room for {evaluations} more evaluation{}",
                self.task.spec.dataset_size,
                if evaluations == 1 { "" } else { "s" }
            )),
            (_, _, Some(reason)) => Some(format!("capacity unknown: {reason}")),
            _ => None,
        }
    }
}

/// Task `id` with its remaining capacity.
pub async fn task_overview(suite: &Suite, id: u64) -> Result<TaskOverview, ChainError> {
    let task = suite.task(id).await?;
    let (mut rows_left, mut capacity_unknown) = (None, None);
    if task.spec.hidden {
        match suite.hidden_rows_left(id).await {
            Ok(rows) => rows_left = Some(rows),
            // The address's own answer, not the node's failure.
            Err(e @ (ChainError::Reverted { .. } | ChainError::Undecodable { .. })) => {
                capacity_unknown = Some(e.to_string())
            }
            Err(e) => return Err(e),
        }
    }
    Ok(TaskOverview {
        evaluations_left: rows_left.map(|rows| rows / u64::from(task.spec.samples.max(1))),
        rows_left,
        capacity_unknown,
        task,
    })
}

/// Every task with its remaining capacity, in id order.
pub async fn tasks(suite: &Suite) -> Result<Vec<TaskOverview>, ChainError> {
    let count = suite.task_count().await?;
    let mut out = Vec::new();
    for id in 1..=count {
        out.push(task_overview(suite, id).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use alloy::primitives::Address;

    use super::*;

    fn overview(
        rows_left: Option<u64>,
        evaluations_left: Option<u64>,
        capacity_unknown: Option<&str>,
    ) -> TaskOverview {
        TaskOverview {
            task: Task {
                id: 1,
                creator: Address::ZERO,
                spec: TaskSpec {
                    root: B256::repeat_byte(1),
                    dataset_size: 50,
                    feature_count: 4,
                    class_count: 3,
                    scale: 7,
                    samples: 16,
                    draw_delay: 1,
                    randomness: Address::ZERO,
                    hidden: rows_left.is_some() || capacity_unknown.is_some(),
                    metadata: B256::ZERO,
                },
                closed: false,
            },
            rows_left,
            evaluations_left,
            capacity_unknown: capacity_unknown.map(String::from),
        }
    }

    #[test]
    fn a_tasks_capacity_in_words() {
        assert_eq!(overview(None, None, None).capacity(), None);
        assert_eq!(
            overview(Some(34), Some(2), None).capacity().as_deref(),
            Some("34 of 50 left, room for 2 more evaluations")
        );
        assert_eq!(
            overview(Some(16), Some(1), None).capacity().as_deref(),
            Some("16 of 50 left, room for 1 more evaluation")
        );
        assert_eq!(
            overview(None, None, Some("reverted")).capacity().as_deref(),
            Some("capacity unknown: reverted")
        );
    }
}
