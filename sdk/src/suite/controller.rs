//! The TaskController: evaluations (open, draw, submit) and their state.

use super::*;

/// An evaluation as the controller reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Evaluation id.
    pub id: u64,
    /// Task.
    pub task_id: u64,
    /// Model version.
    pub version_id: u64,
    /// Participant (the version's submitter).
    pub participant: Address,
    /// State.
    pub status: EvaluationStatus,
    /// L2 block of the opening (the commitment).
    pub commit_block: u64,
    /// Sampling seed (zero until drawn).
    pub seed: U256,
    /// Samples scored so far.
    pub scored: u32,
    /// Correct predictions so far.
    pub correct: u32,
}

/// One submission of drawn samples with their proof.
#[derive(Clone, Debug, Default)]
pub struct Submission {
    /// Labels of the submitted samples, in slot order.
    pub labels: Vec<u32>,
    /// Their Merkle paths, back to back.
    pub merkle_proofs: Vec<B256>,
    /// EZKL proof bytes.
    pub proof: Bytes,
    /// Public instances: all samples' features, then all samples' outputs.
    pub instances: Vec<U256>,
    /// VKA words for calldata-VKA routes (empty for stored VKAs).
    pub vka: Vec<B256>,
}

/// The `submitSamples` call of a submission (also what an auditor decodes from calldata).
pub fn submit_call(evaluation_id: u64, s: &Submission) -> Controller::submitSamplesCall {
    Controller::submitSamplesCall {
        evaluation_id,
        labels: s.labels.clone(),
        merkle_proofs: s.merkle_proofs.clone(),
        proof: s.proof.clone(),
        instances: s.instances.clone(),
        vka: s.vka.clone(),
    }
}

impl Suite {
    /// Opens an evaluation of a version on a task (the commitment) and
    /// returns its id, sending the task's bond when it requires one.
    pub async fn open_evaluation(&self, task_id: u64, version_id: u64) -> Result<u64, ChainError> {
        let bond = self.bond_terms(task_id).await?.bond;
        let receipt = self
            .chain
            .transact(
                &format!("opening an evaluation of version {version_id} on task {task_id}"),
                self.deployment.controller,
                &Controller::openEvaluationCall {
                    task_id,
                    version_id,
                },
                bond,
            )
            .await?;
        let opened: Controller::EvaluationOpened =
            required_event(&receipt, "opening an evaluation")?;
        Ok(opened.evaluation_id)
    }

    /// The evaluations opened on a task, in id order (read from the
    /// controller's `EvaluationOpened` events).
    pub async fn evaluations_of_task(&self, task_id: u64) -> Result<Vec<u64>, ChainError> {
        self.evaluations_of_task_between(task_id, 0, None).await
    }

    /// The evaluations opened on a task in blocks `from..=to` (`to`: the
    /// latest block when `None`), in id order.
    pub async fn evaluations_of_task_between(
        &self,
        task_id: u64,
        from: u64,
        to: Option<u64>,
    ) -> Result<Vec<u64>, ChainError> {
        use alloy::{rpc::types::Filter, sol_types::SolEvent};
        let mut filter = Filter::new()
            .address(self.deployment.controller)
            .event_signature(Controller::EvaluationOpened::SIGNATURE_HASH)
            .topic2(B256::from(U256::from(task_id)))
            .from_block(from);
        if let Some(to) = to {
            filter = filter.to_block(to);
        }
        let logs = self
            .chain
            .logs(
                &format!("reading the evaluations of task {task_id}"),
                &filter,
            )
            .await?;
        let mut ids: Vec<u64> = logs
            .iter()
            .filter_map(|l| Controller::EvaluationOpened::decode_log(&l.inner).ok())
            .filter(|e| e.data.task_id == task_id)
            .map(|e| e.data.evaluation_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Waits for the evaluation's seed. On a beacon task: waits for the
    /// beacon block, then fixes the seed (anyone may). On a provider task:
    /// polls until the provider has fulfilled; once
    /// [`PROVIDER_TIMEOUT_BLOCKS`] have passed without an answer, expires the
    /// evaluation instead (which frees the model for a new one). Returns the
    /// evaluation as drawn (or expired).
    pub async fn draw(&self, evaluation_id: u64) -> Result<Evaluation, ChainError> {
        let evaluation = self.evaluation(evaluation_id).await?;
        if evaluation.status != EvaluationStatus::Committed {
            return Ok(evaluation);
        }
        let task = self.task(evaluation.task_id).await?;
        if !task.spec.randomness.is_zero() {
            let deadline = evaluation.commit_block + PROVIDER_TIMEOUT_BLOCKS;
            loop {
                let now = self.evaluation(evaluation_id).await?;
                if now.status != EvaluationStatus::Committed {
                    return Ok(now);
                }
                if self.chain.arb_block_number().await? > deadline {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            self.chain
                .transact(
                    &format!("expiring evaluation {evaluation_id}: its randomness provider did not answer"),
                    self.deployment.controller,
                    &Controller::drawCall { evaluation_id },
                    U256::ZERO,
                )
                .await?;
            return self.evaluation(evaluation_id).await;
        }
        self.chain
            .wait_past_block(evaluation.commit_block + task.spec.draw_delay as u64)
            .await?;
        self.chain
            .transact(
                &format!("drawing the samples of evaluation {evaluation_id}"),
                self.deployment.controller,
                &Controller::drawCall { evaluation_id },
                U256::ZERO,
            )
            .await?;
        self.evaluation(evaluation_id).await
    }

    /// The evaluation of a model (by weight commitment) on a task, if any.
    pub async fn evaluation_of(
        &self,
        task_id: u64,
        weight_hash: B256,
    ) -> Result<Option<u64>, ChainError> {
        let id: u64 = self
            .chain
            .view(
                "TaskController.evaluationOf",
                self.deployment.controller,
                &Controller::evaluationOfCall {
                    task_id,
                    weight_hash,
                },
            )
            .await?;
        Ok((id != 0).then_some(id))
    }

    /// Submits drawn samples with their proof; returns how many were predicted correctly.
    pub async fn submit(
        &self,
        evaluation_id: u64,
        submission: &Submission,
    ) -> Result<u32, ChainError> {
        let receipt = self
            .chain
            .transact(
                &format!(
                    "submitting {} sample(s) to evaluation {evaluation_id}",
                    submission.labels.len()
                ),
                self.deployment.controller,
                &submit_call(evaluation_id, submission),
                U256::ZERO,
            )
            .await?;
        let submitted: Controller::SamplesSubmitted =
            required_event(&receipt, "submitting samples")?;
        Ok(submitted.correct)
    }

    /// An evaluation's state.
    pub async fn evaluation(&self, evaluation_id: u64) -> Result<Evaluation, ChainError> {
        let e = self
            .chain
            .view(
                &format!("reading evaluation {evaluation_id}"),
                self.deployment.controller,
                &Controller::evaluationCall { evaluation_id },
            )
            .await?;
        let status = EvaluationStatus::from_code(e._3).unwrap_or(EvaluationStatus::Expired);
        Ok(Evaluation {
            id: evaluation_id,
            task_id: e._0,
            version_id: e._1,
            participant: e._2,
            status,
            commit_block: e._4,
            seed: e._5,
            scored: e._6,
            correct: e._7,
        })
    }
}
