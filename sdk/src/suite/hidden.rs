//! Hidden tasks: the task owner keeps the rows and reveals each evaluation's
//! drawn rows to the task's HiddenSet (its randomness provider), which has
//! them checked against the root and marks them used; the participant proves
//! on the revealed rows (read back from the HiddenSet's `RowsRevealed` events).
//! See `zkmltrack_protocol::hidden` and the HiddenSet program's docs.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant},
};

use alloy::{rpc::types::Filter, sol_types::SolEvent};

use super::*;
use crate::{chain::bindings::IHiddenSet, dataset::QuantizedDataset, hashing::Felt};

/// A hidden evaluation as its HiddenSet keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HiddenEvaluation {
    /// The task (0 before the draw is fixed).
    pub task_id: u64,
    /// The entropy the draw was fixed from: the beacon block's hash, or
    /// the upstream provider's word (0 before).
    pub entropy: U256,
    /// Rows the evaluation draws (0 before the draw is fixed).
    pub samples: u32,
    /// Rows revealed so far (slots `0..revealed`).
    pub revealed: u32,
    /// Its unrevealed rows were given back to the task after it expired.
    pub released: bool,
}

/// A row the task owner revealed for an evaluation's slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevealedRow {
    /// The slot (draw order).
    pub slot: u32,
    /// Its dataset index.
    pub index: u64,
    /// Its label.
    pub label: u32,
    /// Its quantized features (field elements, EZKL's signed encoding).
    pub features: Vec<Felt>,
}

impl Suite {
    /// The HiddenSet of a hidden task (its randomness provider); an error
    /// naming the task when it is not hidden.
    pub async fn hidden_set_of(&self, task_id: u64) -> Result<Address, ChainError> {
        let task = self.task(task_id).await?;
        if !task.spec.hidden {
            return Err(ChainError::InvalidArgument {
                action: format!("using task {task_id} as a hidden task"),
                reason: format!("task {task_id} is not hidden: its rows are public"),
            });
        }
        Ok(task.spec.randomness)
    }

    /// A hidden evaluation's state in its task's HiddenSet.
    pub async fn hidden_evaluation(
        &self,
        evaluation_id: u64,
    ) -> Result<HiddenEvaluation, ChainError> {
        let evaluation = self.evaluation(evaluation_id).await?;
        let hidden_set = self.hidden_set_of(evaluation.task_id).await?;
        let h = self
            .chain
            .view(
                &format!("reading hidden evaluation {evaluation_id}"),
                hidden_set,
                &IHiddenSet::hiddenEvaluationCall {
                    controller: self.deployment.controller,
                    evaluation_id,
                },
            )
            .await?;
        Ok(HiddenEvaluation {
            task_id: h._0,
            entropy: h._1,
            samples: h._2,
            revealed: h._3,
            released: h._4,
        })
    }

    /// Rows of a hidden task neither revealed nor held by a drawn
    /// evaluation: room for `rows_left / samples` more evaluations.
    pub async fn hidden_rows_left(&self, task_id: u64) -> Result<u64, ChainError> {
        let task = self.task(task_id).await?;
        let hidden_set = self.hidden_set_of(task_id).await?;
        let held: u64 = self
            .chain
            .view(
                &format!("reading hidden task {task_id}'s rows"),
                hidden_set,
                &IHiddenSet::rowsHeldCall {
                    controller: self.deployment.controller,
                    task_id,
                },
            )
            .await?;
        Ok(task.spec.dataset_size.saturating_sub(held))
    }

    /// Fixes a hidden evaluation's draw from its beacon block (waiting for
    /// the block), unless it is fixed already. Anyone may do it; the
    /// participant's `evaluate` and the owner's revealer both do. A
    /// HiddenSet with an upstream provider (VRF) has its draws fixed by the
    /// provider's answer: nothing is sent.
    pub async fn fix_hidden_draw(&self, evaluation_id: u64) -> Result<(), ChainError> {
        let state = self.hidden_evaluation(evaluation_id).await?;
        if !state.entropy.is_zero() {
            return Ok(());
        }
        let evaluation = self.evaluation(evaluation_id).await?;
        let task = self.task(evaluation.task_id).await?;
        if !self
            .hidden_upstream(task.spec.randomness)
            .await?
            .1
            .is_zero()
        {
            return Ok(());
        }
        self.chain
            .wait_past_block(evaluation.commit_block + task.spec.draw_delay as u64)
            .await?;
        let sent = self
            .chain
            .transact(
                &format!("fixing the draw of hidden evaluation {evaluation_id}"),
                task.spec.randomness,
                &IHiddenSet::drawCall {
                    controller: self.deployment.controller,
                    evaluation_id,
                },
                U256::ZERO,
            )
            .await;
        match sent {
            Ok(_) => Ok(()),
            // The owner's revealer and the participant both fix draws: the
            // other one may have been first.
            Err(e) => {
                if self
                    .hidden_evaluation(evaluation_id)
                    .await?
                    .entropy
                    .is_zero()
                {
                    Err(e)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The task owner's reveal: sends the rows the draw picks from `dataset`
    /// (the task's rows quantized at its scale; refused unless its root is
    /// the task's), `per_call` rows per transaction, until every drawn row is
    /// revealed. Safe to repeat: it reveals only what is still pending.
    /// Returns the rows revealed by this call.
    pub async fn reveal_rows(
        &self,
        evaluation_id: u64,
        dataset: &QuantizedDataset,
        per_call: u32,
        progress: &dyn Fn(&str),
    ) -> Result<u32, ChainError> {
        let evaluation = self.evaluation(evaluation_id).await?;
        let task = self.task(evaluation.task_id).await?;
        let hidden_set = self.hidden_set_of(evaluation.task_id).await?;
        let action = format!("revealing the rows of evaluation {evaluation_id}");
        if let Some(reason) = not_the_task_rows(dataset, &task) {
            return Err(ChainError::InvalidArgument { action, reason });
        }
        self.fix_hidden_draw(evaluation_id).await?;
        let mut sent = 0;
        loop {
            let state = self.hidden_evaluation(evaluation_id).await?;
            if state.samples == 0 {
                let (_, upstream) = self.hidden_upstream(hidden_set).await?;
                return Err(ChainError::InvalidArgument {
                    action,
                    reason: format!(
                        "its draw is not fixed yet: the HiddenSet's upstream provider {upstream} \
                         has not answered (run again later, or with --watch)"
                    ),
                });
            }
            if state.revealed >= state.samples {
                return Ok(sent);
            }
            let indices: Vec<u64> = self
                .chain
                .view(
                    &action,
                    hidden_set,
                    &IHiddenSet::pendingIndicesCall {
                        controller: self.deployment.controller,
                        evaluation_id,
                        count: per_call.max(1),
                    },
                )
                .await?;
            let mut labels = Vec::with_capacity(indices.len());
            let mut features = Vec::new();
            for &index in &indices {
                let (row, label) = dataset.rows.get(index as usize).ok_or_else(|| {
                    ChainError::InvalidArgument {
                        action: action.clone(),
                        reason: format!(
                            "drawn row {index} is outside the dataset's {} rows",
                            dataset.rows.len()
                        ),
                    }
                })?;
                labels.push(*label);
                features.extend(row.iter().map(|f| U256::from_be_bytes(f.to_be_bytes())));
            }
            let rows: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
            let proofs = dataset
                .multiproof(&rows)
                .map_err(|e| ChainError::InvalidArgument {
                    action: action.clone(),
                    reason: e.to_string(),
                })?
                .iter()
                .map(|f| B256::from(f.to_be_bytes()))
                .collect();
            progress(&format!(
                "revealing rows {indices:?} (slots {}-{} of {})",
                state.revealed + 1,
                state.revealed as usize + indices.len(),
                state.samples
            ));
            self.chain
                .transact(
                    &action,
                    hidden_set,
                    &IHiddenSet::revealCall {
                        controller: self.deployment.controller,
                        evaluation_id,
                        labels,
                        features,
                        proofs,
                    },
                    U256::ZERO,
                )
                .await?;
            sent += indices.len() as u32;
        }
    }

    /// The rows revealed for a hidden evaluation, in slot order, read from
    /// its HiddenSet's `RowsRevealed` events.
    pub async fn revealed_rows(&self, evaluation_id: u64) -> Result<Vec<RevealedRow>, ChainError> {
        let evaluation = self.evaluation(evaluation_id).await?;
        let hidden_set = self.hidden_set_of(evaluation.task_id).await?;
        self.revealed_rows_in(hidden_set, evaluation_id, evaluation.commit_block)
            .await
    }

    /// [`Self::revealed_rows`] for a caller that has read the evaluation and
    /// its task already: the rows HiddenSet `hidden_set` revealed for
    /// evaluation `evaluation_id`, committed at block `commit_block`.
    pub async fn revealed_rows_in(
        &self,
        hidden_set: Address,
        evaluation_id: u64,
        commit_block: u64,
    ) -> Result<Vec<RevealedRow>, ChainError> {
        let action = format!("reading the rows revealed for evaluation {evaluation_id}");
        let filter = Filter::new()
            .address(hidden_set)
            .event_signature(IHiddenSet::RowsRevealed::SIGNATURE_HASH)
            .topic1(self.deployment.controller.into_word())
            .topic2(B256::from(U256::from(evaluation_id)))
            .from_block(commit_block);
        let logs = self.chain.logs(&action, &filter).await?;
        let mut rows = Vec::new();
        for log in logs {
            let Ok(event) = IHiddenSet::RowsRevealed::decode_log(&log.inner) else {
                continue;
            };
            let e = event.data;
            let width = e.features.len() / e.labels.len().max(1);
            for (j, (&index, &label)) in e.indices.iter().zip(&e.labels).enumerate() {
                let features = e.features[j * width..(j + 1) * width]
                    .iter()
                    .map(|w| Felt::from_be_bytes(&w.to_be_bytes()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|err| ChainError::InvalidArgument {
                        action: action.clone(),
                        reason: err.to_string(),
                    })?;
                rows.push(RevealedRow {
                    slot: e.first_slot + j as u32,
                    index,
                    label,
                    features,
                });
            }
        }
        rows.sort_by_key(|r| r.slot);
        rows.dedup_by_key(|r| r.slot);
        Ok(rows)
    }

    /// Waits until every drawn row of a hidden evaluation is revealed (the
    /// controller then holds its seed), fixing its draw first; gives up
    /// after `timeout` with [`ChainError::InvalidArgument`] saying how far
    /// the reveal got. Returns the revealed rows.
    pub async fn wait_for_reveal(
        &self,
        evaluation_id: u64,
        timeout: Duration,
        progress: &dyn Fn(&str),
    ) -> Result<Vec<RevealedRow>, ChainError> {
        let started = Instant::now();
        self.fix_hidden_draw(evaluation_id).await?;
        let mut last = None;
        loop {
            let evaluation = self.evaluation(evaluation_id).await?;
            if evaluation.status != EvaluationStatus::Committed {
                return self.revealed_rows(evaluation_id).await;
            }
            let state = self.hidden_evaluation(evaluation_id).await?;
            if last != Some((state.samples, state.revealed)) {
                progress(&if state.samples == 0 {
                    format!("waiting for evaluation {evaluation_id}'s draw (the VRF answer)")
                } else {
                    format!(
                        "waiting for the task owner to reveal evaluation {evaluation_id}'s rows: \
                         {} of {} revealed",
                        state.revealed, state.samples
                    )
                });
                last = Some((state.samples, state.revealed));
            }
            if started.elapsed() >= timeout {
                return Err(ChainError::InvalidArgument {
                    action: format!("waiting for the reveal of evaluation {evaluation_id}"),
                    reason: format!(
                        "the task owner revealed {} of {} rows in {}s; the evaluation stays \
                         open: run it again to resume, or it expires at block {} (the bond \
                         is then refunded and the model may open again)",
                        state.revealed,
                        state.samples,
                        timeout.as_secs(),
                        evaluation.commit_block + PROVIDER_TIMEOUT_BLOCKS
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Gives an expired hidden evaluation's unrevealed rows back to its task.
    pub async fn release_hidden_rows(&self, evaluation_id: u64) -> Result<(), ChainError> {
        let evaluation = self.evaluation(evaluation_id).await?;
        let hidden_set = self.hidden_set_of(evaluation.task_id).await?;
        self.chain
            .transact(
                &format!("giving back the rows of expired evaluation {evaluation_id}"),
                hidden_set,
                &IHiddenSet::releaseCall {
                    controller: self.deployment.controller,
                    evaluation_id,
                },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }
}

/// Why `dataset` is not `task`'s rows (its root differs), if it is not.
fn not_the_task_rows(dataset: &QuantizedDataset, task: &Task) -> Option<String> {
    (B256::from(dataset.root().to_be_bytes()) != task.spec.root).then(|| {
        format!(
            "the dataset's root {} is not task {}'s root {}: wrong CSV or scale?",
            dataset.root().to_hex(),
            task.id,
            task.spec.root
        )
    })
}

/// The task owner's revealer of a hidden task: each [`Revealer::round`]
/// reveals the drawn rows of every evaluation of the task still waiting for
/// them, and remembers which evaluations are finished and up to which block
/// it has read the openings, so a long-running watcher reads each block's
/// events once. Safe to restart: the chain says what is still pending.
pub struct Revealer {
    task_id: u64,
    dataset: QuantizedDataset,
    rows_per_call: u32,
    /// Evaluations opened and not finished, in id order.
    open: BTreeSet<u64>,
    /// The first block whose openings are not read yet.
    next_block: u64,
    /// The last error said per evaluation (a new one is said once).
    said: BTreeMap<u64, String>,
    /// Rows revealed by this revealer so far.
    revealed: u32,
}

/// What one [`Revealer::round`] did.
#[derive(Debug, Default)]
pub struct RevealRound {
    /// Rows revealed in this round.
    pub revealed: u32,
    /// Evaluations whose rows could not be revealed now (a draw not fixed
    /// yet, a VRF answer pending, the task out of rows), with the error;
    /// tried again next round while they stay open.
    pub failed: Vec<(u64, ChainError)>,
}

impl Revealer {
    /// A revealer of hidden task `task_id` with its rows `dataset`
    /// (quantized at the task's scale), `rows_per_call` rows per
    /// transaction. Refused before anything is sent unless the task is
    /// hidden, the signing account is its owner and the dataset's root is
    /// the task's.
    pub async fn new(
        suite: &Suite,
        task_id: u64,
        dataset: QuantizedDataset,
        rows_per_call: u32,
    ) -> Result<Revealer, ChainError> {
        let action = format!("revealing the rows of task {task_id}");
        let task = suite.task(task_id).await?;
        let refuse = |reason: String| ChainError::InvalidArgument {
            action: action.clone(),
            reason,
        };
        if !task.spec.hidden {
            return Err(refuse(format!(
                "task {task_id} is not hidden: its rows are public, nothing to reveal"
            )));
        }
        let me = suite.chain.account(&action)?;
        if me != task.creator {
            return Err(refuse(format!(
                "only task {task_id}'s owner {} reveals its rows; the signing account is {me}",
                task.creator
            )));
        }
        if let Some(reason) = not_the_task_rows(&dataset, &task) {
            return Err(refuse(reason));
        }
        Ok(Revealer {
            task_id,
            dataset,
            rows_per_call: rows_per_call.max(1),
            open: BTreeSet::new(),
            next_block: 0,
            said: BTreeMap::new(),
            revealed: 0,
        })
    }

    /// Rows revealed by this revealer so far.
    pub fn revealed(&self) -> u32 {
        self.revealed
    }

    /// Reads the evaluations opened since the last round, then reveals the
    /// rows of each open one still waiting for them. An evaluation that
    /// cannot be revealed now is reported in [`RevealRound::failed`] and
    /// does not stop the others; `progress` hears each new error once.
    pub async fn round(
        &mut self,
        suite: &Suite,
        progress: &dyn Fn(&str),
    ) -> Result<RevealRound, ChainError> {
        let head = suite.chain.block_number().await?;
        if head >= self.next_block {
            let opened = suite
                .evaluations_of_task_between(self.task_id, self.next_block, Some(head))
                .await?;
            self.open.extend(opened);
            self.next_block = head + 1;
        }
        let mut round = RevealRound::default();
        for evaluation_id in self.open.clone() {
            let evaluation = suite.evaluation(evaluation_id).await?;
            if evaluation.status != EvaluationStatus::Committed {
                self.open.remove(&evaluation_id);
                self.said.remove(&evaluation_id);
                continue;
            }
            if !self.said.contains_key(&evaluation_id) {
                progress(&format!(
                    "evaluation {evaluation_id}: fixing its draw and revealing its rows"
                ));
            }
            let sent = suite
                .reveal_rows(evaluation_id, &self.dataset, self.rows_per_call, &|m| {
                    progress(&format!("evaluation {evaluation_id}: {m}"))
                })
                .await;
            match sent {
                Ok(n) => {
                    round.revealed += n;
                    progress(&format!(
                        "evaluation {evaluation_id}: all rows revealed ({n} now)"
                    ));
                    self.open.remove(&evaluation_id);
                    self.said.remove(&evaluation_id);
                }
                Err(e) => {
                    let message = e.to_string();
                    if self.said.get(&evaluation_id) != Some(&message) {
                        progress(&format!(
                            "evaluation {evaluation_id}: {message} (will retry)"
                        ));
                        self.said.insert(evaluation_id, message);
                    }
                    round.failed.push((evaluation_id, e));
                }
            }
        }
        self.revealed += round.revealed;
        Ok(round)
    }
}
