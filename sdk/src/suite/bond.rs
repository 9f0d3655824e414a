//! Evaluation bonds: a task's terms, the bond held for an evaluation, its
//! deadline and its settlement (the BondVault; rules in
//! [`zkmltrack_protocol::bond`]).

use super::*;
use zkmltrack_protocol::bond::{settlement, submission_deadline, Settlement};

/// A task's bond terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BondTerms {
    /// Wei every opening must send (zero: no bond).
    pub bond: U256,
    /// Blocks after the latest possible draw by which an evaluation must be
    /// finalized.
    pub window: u64,
}

/// The bond held for an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HeldBond {
    /// The evaluation.
    pub evaluation_id: u64,
    /// Wei held (zero once settled).
    pub amount: U256,
    /// Who posted it.
    pub participant: Address,
    /// The task.
    pub task_id: u64,
    /// The task's window when it was posted.
    pub window: u64,
    /// Paid out already.
    pub settled: bool,
    /// The evaluation's submission deadline (block): not finalized after
    /// it, the bond goes to the task owner.
    pub deadline: u64,
}

/// A paid-out bond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SettledBond {
    /// The evaluation.
    pub evaluation_id: u64,
    /// Who received it.
    pub recipient: Address,
    /// Wei paid.
    pub amount: U256,
    /// Back to the participant (else to the task owner).
    pub refunded: bool,
}

impl Suite {
    /// Task `task_id`'s bond terms (zeros when it requires none).
    pub async fn bond_terms(&self, task_id: u64) -> Result<BondTerms, ChainError> {
        let terms = self
            .chain
            .view(
                &format!("reading task {task_id}'s bond terms"),
                self.deployment.bond_vault,
                &Vault::termsCall { task_id },
            )
            .await?;
        Ok(BondTerms {
            bond: terms._0,
            window: terms._1,
        })
    }

    /// Sets task `task_id`'s bond terms (its owner only, once).
    pub async fn set_bond_terms(&self, task_id: u64, terms: BondTerms) -> Result<(), ChainError> {
        self.chain
            .transact(
                &format!("setting task {task_id}'s bond terms"),
                self.deployment.bond_vault,
                &Vault::setTermsCall {
                    task_id,
                    bond: terms.bond,
                    window: terms.window,
                },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// The bond held for evaluation `evaluation_id`, `None` when none was
    /// posted.
    pub async fn bond(&self, evaluation_id: u64) -> Result<Option<HeldBond>, ChainError> {
        let held = self
            .chain
            .view(
                &format!("reading evaluation {evaluation_id}'s bond"),
                self.deployment.bond_vault,
                &Vault::bondCall {
                    keeper: self.deployment.controller,
                    evaluation_id,
                },
            )
            .await?;
        if held._0.is_zero() && !held._4 {
            return Ok(None);
        }
        let evaluation = self.evaluation(evaluation_id).await?;
        let task = self.task(held._2).await?.spec;
        Ok(Some(HeldBond {
            evaluation_id,
            amount: held._0,
            participant: held._1,
            task_id: held._2,
            window: held._3,
            settled: held._4,
            deadline: submission_deadline(
                evaluation.commit_block,
                task.draw_delay as u64,
                !task.randomness.is_zero(),
                held._3,
            ),
        }))
    }

    /// Where evaluation `evaluation_id`'s bond would go now (the vault's own
    /// rule, read from the same chain data): refund, forfeit, or not due
    /// before a block. `None` when no bond is held.
    pub async fn bond_settlement(
        &self,
        evaluation_id: u64,
    ) -> Result<Option<(HeldBond, Settlement)>, ChainError> {
        let Some(held) = self.bond(evaluation_id).await? else {
            return Ok(None);
        };
        let evaluation = self.evaluation(evaluation_id).await?;
        let task = self.task(held.task_id).await?.spec;
        let now = self.chain.arb_block_number().await?;
        let rule = settlement(
            evaluation.status,
            !task.randomness.is_zero(),
            now,
            held.deadline,
        );
        Ok(Some((held, rule)))
    }

    /// Pays out evaluation `evaluation_id`'s bond (anyone may, once its fate
    /// is known).
    pub async fn settle_bond(&self, evaluation_id: u64) -> Result<SettledBond, ChainError> {
        let receipt = self
            .chain
            .transact(
                &format!("settling evaluation {evaluation_id}'s bond"),
                self.deployment.bond_vault,
                &Vault::settleCall {
                    keeper: self.deployment.controller,
                    evaluation_id,
                },
                U256::ZERO,
            )
            .await?;
        let settled: Vault::BondSettled = required_event(&receipt, "settling a bond")?;
        Ok(SettledBond {
            evaluation_id,
            recipient: settled.recipient,
            amount: settled.amount,
            refunded: settled.refunded,
        })
    }
}
