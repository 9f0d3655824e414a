//! Chain reads for the pages and the API kept per block: a task's leaderboard and its
//! running evaluations change only in a new block, so a request in the block of the
//! last one reads the head's number from the chain and nothing else (a full board is
//! otherwise 12 calls: the task, the board, each entry's version; the running
//! evaluations three log queries and a call for each).

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};

use zkmltrack::{
    explorer::{self, RankedVersion},
    suite::Evaluation,
};

use super::{api::existing_task, ApiError, Shared};

/// Values by task, each with the block it was read at (no later than the state it holds).
pub(crate) struct PerBlock<V>(Mutex<HashMap<u64, (u64, Arc<V>)>>);

impl<V> Default for PerBlock<V> {
    fn default() -> Self {
        PerBlock(Mutex::new(HashMap::new()))
    }
}

impl<V> PerBlock<V> {
    /// Task `task_id`'s value: the kept one while the chain's head is the block it was
    /// read at, else `read` again, once the task is known to exist (a 404 otherwise;
    /// `read`'s errors pass on).
    async fn get<F>(&self, state: &Shared, task_id: u64, read: F) -> Result<Arc<V>, ApiError>
    where
        F: Future<Output = Result<V, zkmltrack::chain::ChainError>>,
    {
        let head = state.suite.chain().block_number().await?;
        let kept = self
            .0
            .lock()
            .expect("per-block cache")
            .get(&task_id)
            .cloned();
        if let Some((seen, value)) = kept {
            if seen == head {
                return Ok(value);
            }
        }
        // Read after `head`: the value is of that block or a later one, never older.
        existing_task(state, task_id).await?;
        let value = Arc::new(read.await?);
        self.0
            .lock()
            .expect("per-block cache")
            .insert(task_id, (head, value.clone()));
        Ok(value)
    }
}

/// Task `task_id`'s leaderboard, each entry with its version (404 for no such task).
pub(crate) async fn board(
    state: &Shared,
    task_id: u64,
) -> Result<Arc<Vec<RankedVersion>>, ApiError> {
    state
        .boards
        .get(state, task_id, explorer::leaderboard(&state.suite, task_id))
        .await
}

/// Task `task_id`'s finalized evaluations of versions revoked since, best
/// first, each with its version (404 for no such task).
pub(crate) async fn revoked(
    state: &Shared,
    task_id: u64,
) -> Result<Arc<Vec<(explorer::VersionScore, zkmltrack::suite::Version)>>, ApiError> {
    state
        .revoked
        .get(
            state,
            task_id,
            explorer::revoked_on_task(&state.suite, task_id),
        )
        .await
}

/// Task `task_id`'s evaluations still running, oldest first (404 for no such task).
pub(crate) async fn running(
    state: &Shared,
    task_id: u64,
) -> Result<Arc<Vec<Evaluation>>, ApiError> {
    state
        .running
        .get(state, task_id, explorer::in_progress(&state.suite, task_id))
        .await
}
