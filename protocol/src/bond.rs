//! Evaluation bonds: what a task's bond terms are and where a posted bond
//! goes, as the BondVault settles it and the SDK predicts it.
//!
//! A task's owner may require a bond (wei) with every `openEvaluation`; the
//! TaskController forwards it to the BondVault, which holds it until the
//! evaluation's fate is known:
//!
//! - **finalized**: back to the participant;
//! - **expired because the randomness provider never answered**: back to the
//!   participant (the model's lock is freed, nobody saw a draw);
//! - **expired because nobody drew within the beacon's hash window**: to the
//!   task owner (the participant could see the beacon block's hash and let an
//!   unwanted draw lapse);
//! - **abandoned**: not finalized by the submission deadline, `window` blocks
//!   after the latest block the draw can happen in: to the task owner.
//!
//! Settling is anyone's call once the fate is known, and final.

use crate::evaluation::{EvaluationStatus, BLOCK_HASH_WINDOW, PROVIDER_TIMEOUT_BLOCKS};

/// `evaluation(uint64)` selector (TaskController).
pub const EVALUATION: [u8; 4] = [0x59, 0x69, 0xf4, 0x47];

/// Word indices of the TaskController's `evaluation(uint64)` answer.
pub mod evaluation_answer {
    /// Task (uint64).
    pub const TASK: usize = 0;
    /// Version (uint64).
    pub const VERSION: usize = 1;
    /// Participant (address).
    pub const PARTICIPANT: usize = 2;
    /// Status code (uint8).
    pub const STATUS: usize = 3;
    /// Block of the opening (uint64).
    pub const COMMIT_BLOCK: usize = 4;
    /// Words in the answer.
    pub const WORDS: usize = 8;
}

/// Calldata of `evaluation(evaluation_id)`.
pub fn evaluation_calldata(evaluation_id: u64) -> [u8; 36] {
    crate::call_with_u64(EVALUATION, evaluation_id)
}

/// Longest submission window a task may set (about 35 days at four blocks a
/// second): a deadline must come within any participant's patience.
pub const MAX_WINDOW_BLOCKS: u64 = 12_000_000;

/// The last block in which an evaluation opened at `commit_block` can be
/// drawn: the beacon's hash window after its beacon block, or the provider's
/// timeout.
pub const fn draw_deadline(commit_block: u64, draw_delay: u64, has_provider: bool) -> u64 {
    if has_provider {
        commit_block.saturating_add(PROVIDER_TIMEOUT_BLOCKS)
    } else {
        commit_block
            .saturating_add(draw_delay)
            .saturating_add(BLOCK_HASH_WINDOW)
    }
}

/// The submission deadline: `window` blocks after [`draw_deadline`]. An
/// evaluation not finalized when it has passed is abandoned.
pub const fn submission_deadline(
    commit_block: u64,
    draw_delay: u64,
    has_provider: bool,
    window: u64,
) -> u64 {
    draw_deadline(commit_block, draw_delay, has_provider).saturating_add(window)
}

/// Where a bond goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Back to the participant.
    Refund,
    /// To the task owner.
    Forfeit,
    /// Not yet known: wait until after this block.
    NotDue(u64),
}

/// The settlement of a bond on an evaluation in `status` at block `now`,
/// given its submission deadline (see [`submission_deadline`]).
pub const fn settlement(
    status: EvaluationStatus,
    has_provider: bool,
    now: u64,
    deadline: u64,
) -> Settlement {
    match status {
        EvaluationStatus::Finalized => Settlement::Refund,
        EvaluationStatus::Expired if has_provider => Settlement::Refund,
        EvaluationStatus::Expired => Settlement::Forfeit,
        EvaluationStatus::Committed | EvaluationStatus::Drawn if now > deadline => {
            Settlement::Forfeit
        }
        EvaluationStatus::Committed | EvaluationStatus::Drawn => Settlement::NotDue(deadline),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fate_has_its_recipient() {
        use EvaluationStatus::*;
        let d = submission_deadline(100, 1, false, 50);
        assert_eq!(d, 100 + 1 + BLOCK_HASH_WINDOW + 50);
        assert_eq!(settlement(Finalized, false, 0, d), Settlement::Refund);
        assert_eq!(settlement(Finalized, false, d + 9, d), Settlement::Refund);
        assert_eq!(settlement(Expired, true, 0, d), Settlement::Refund);
        assert_eq!(settlement(Expired, false, 0, d), Settlement::Forfeit);
        assert_eq!(settlement(Drawn, false, d, d), Settlement::NotDue(d));
        assert_eq!(settlement(Drawn, false, d + 1, d), Settlement::Forfeit);
        assert_eq!(settlement(Committed, true, d + 1, d), Settlement::Forfeit);
        let p = submission_deadline(100, 1, true, 50);
        assert_eq!(p, 100 + PROVIDER_TIMEOUT_BLOCKS + 50);
        assert_eq!(submission_deadline(u64::MAX, 5, false, 5), u64::MAX);
    }
}
