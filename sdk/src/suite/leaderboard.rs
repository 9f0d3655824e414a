//! The Leaderboard: a task's best evaluations.

use super::*;

/// One leaderboard row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LeaderboardEntry {
    /// Rank from 1.
    pub rank: u32,
    /// Evaluation.
    pub evaluation_id: u64,
    /// Model version.
    pub version_id: u64,
    /// Accuracy in basis points.
    pub accuracy_bps: u32,
}

impl Suite {
    /// A task's leaderboard, best first (the controller's board, kept by the
    /// Leaderboard program; revoked versions left out).
    pub async fn leaderboard(&self, task_id: u64) -> Result<Vec<LeaderboardEntry>, ChainError> {
        let board = self
            .chain
            .view(
                &format!("reading the leaderboard of task {task_id}"),
                self.deployment.leaderboard,
                &Board::leaderboardCall {
                    keeper: self.deployment.controller,
                    task_id,
                },
            )
            .await?;
        Ok(board
            .iter()
            .enumerate()
            .map(
                |(i, &(evaluation_id, version_id, accuracy_bps))| LeaderboardEntry {
                    rank: i as u32 + 1,
                    evaluation_id,
                    version_id,
                    accuracy_bps,
                },
            )
            .collect())
    }
}
