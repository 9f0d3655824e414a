//! # Leaderboard
//!
//! The best-accuracy top ten of each task, kept for the contract that
//! finalizes evaluations (the TaskController), with revoked model versions
//! left out.
//!
//! Boards are kept per *keeper*: `record` files an entry under its caller, so
//! only a controller writes its own boards and the program needs no owner and
//! no wiring after deployment (the controller is deployed after it, with its
//! address). Readers name the keeper: `leaderboard(controller, task)`.
//! Revocation is read from the ModelRegistry fixed at deployment.
//!
//! It is a program of its own, like a Solidity library contract, so that the
//! TaskController stays under Stylus' 24 KB code limit.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, U32, U64};
use stylus_sdk::{
    call::RawCall,
    prelude::*,
    storage::{StorageAddress, StorageMap, StorageU32, StorageU64, StorageVec},
};
use zkmltrack_common::{
    protocol::registry::{version, version_calldata},
    word,
};

pub use sol::*;

/// Entries kept per board.
pub const LEADERBOARD_SIZE: usize = 10;

/// 100% in basis points: no finalized evaluation scores more.
pub use zkmltrack_common::protocol::evaluation::MAX_ACCURACY_BPS;

mod sol {
    use alloy_sol_types::sol;

    sol! {
        /// Emitted when an evaluation enters a board.
        ///
        /// * `keeper` - The contract that keeps the board (the TaskController).
        /// * `task_id` - The task.
        /// * `evaluation_id` - The keeper's evaluation.
        /// * `version_id` - ModelRegistry version evaluated.
        /// * `accuracy_bps` - Accuracy in basis points (10000 = 100%).
        /// * `rank` - Its position from 1.
        #[derive(Debug)]
        event Ranked(address indexed keeper, uint64 indexed task_id, uint64 evaluation_id, uint64 version_id, uint32 accuracy_bps, uint32 rank);

        /// Emitted at deployment.
        ///
        /// * `registry` - The ModelRegistry revocations are read from.
        #[derive(Debug)]
        event RegistrySet(address registry);
    }
}

/// One board entry.
#[storage]
pub struct Entry {
    /// The keeper's evaluation id.
    evaluation_id: StorageU64,
    /// ModelRegistry version.
    version_id: StorageU64,
    /// Accuracy in basis points.
    accuracy_bps: StorageU32,
}

/// State of the Leaderboard.
#[entrypoint]
#[storage]
pub struct Leaderboard {
    /// ModelRegistry whose `version(id)` says which versions are revoked.
    registry: StorageAddress,
    /// Boards per keeper and task, best accuracy first (ties: earliest first).
    boards: StorageMap<Address, StorageMap<U64, StorageVec<Entry>>>,
}

/// One row of a board: `(evaluation id, version id, accuracy in basis
/// points)`. A board is one array of static rows, because stylus-sdk 0.9
/// encodes a returned tuple of dynamic arrays as a single value (with a
/// leading offset), which ABI clients cannot decode.
pub type Row = (u64, u64, u32);

#[public]
impl Leaderboard {
    /// Fixes the ModelRegistry revocations are read from.
    ///
    /// # Events
    /// * [`RegistrySet`].
    #[constructor]
    pub fn constructor(&mut self, registry: Address) {
        self.registry.set(registry);
        log(self.vm(), RegistrySet { registry });
    }

    /// Files a finalized evaluation in the caller's board of `task_id` and
    /// returns its rank from 1, or 0 if it does not make the top
    /// [`LEADERBOARD_SIZE`]. Not filed either (0, no event): what no
    /// finalized evaluation can be, i.e. an accuracy above
    /// [`MAX_ACCURACY_BPS`], evaluation id 0, an evaluation already on the
    /// board, a revoked or unknown version. Entries of versions revoked since
    /// are dropped first; ties keep the earlier entry ahead.
    ///
    /// # Events
    /// * [`Ranked`] when the evaluation enters the board.
    pub fn record(
        &mut self,
        task_id: u64,
        evaluation_id: u64,
        version_id: u64,
        accuracy_bps: u32,
    ) -> u32 {
        if accuracy_bps > MAX_ACCURACY_BPS || evaluation_id == 0 || !self.is_live(version_id) {
            return 0;
        }
        let keeper = self.vm().msg_sender();
        let mut board = self.rows(keeper, task_id);
        if board.iter().any(|row| row.0 == evaluation_id) {
            return 0;
        }
        let position = board
            .iter()
            .position(|row| row.2 < accuracy_bps)
            .unwrap_or(board.len());
        if position >= LEADERBOARD_SIZE {
            return 0;
        }
        board.insert(position, (evaluation_id, version_id, accuracy_bps));
        board.truncate(LEADERBOARD_SIZE);
        let mut outer = self.boards.setter(keeper);
        let mut entries = outer.setter(U64::from(task_id));
        entries.truncate(board.len());
        for (i, row) in board.iter().enumerate() {
            let mut entry = match entries.setter(i) {
                Some(entry) => entry,
                None => entries.grow(),
            };
            entry.evaluation_id.set(U64::from(row.0));
            entry.version_id.set(U64::from(row.1));
            entry.accuracy_bps.set(U32::from(row.2));
        }
        let rank = position as u32 + 1;
        log(
            self.vm(),
            Ranked {
                keeper,
                task_id,
                evaluation_id,
                version_id,
                accuracy_bps,
                rank,
            },
        );
        rank
    }

    /// A keeper's board of a task, best first (see [`Row`]); empty when
    /// nothing was recorded. Revoked versions are left out (and dropped from
    /// the stored board when the next `record` changes it).
    pub fn leaderboard(&self, keeper: Address, task_id: u64) -> Vec<Row> {
        self.rows(keeper, task_id)
    }

    /// The ModelRegistry revocations are read from.
    pub fn registry(&self) -> Address {
        self.registry.get()
    }
}

impl Leaderboard {
    /// The stored rows of a board whose versions are not revoked.
    fn rows(&self, keeper: Address, task_id: u64) -> Vec<Row> {
        let outer = self.boards.getter(keeper);
        let entries = outer.getter(U64::from(task_id));
        (0..entries.len())
            .filter_map(|i| entries.get(i))
            .map(|e| {
                (
                    e.evaluation_id.get().to(),
                    e.version_id.get().to(),
                    e.accuracy_bps.get().to(),
                )
            })
            .filter(|row| self.is_live(row.1))
            .collect()
    }

    /// Whether the registry answers for the version and it is not revoked.
    fn is_live(&self, version_id: u64) -> bool {
        unsafe { RawCall::new_static().call(self.registry.get(), &version_calldata(version_id)) }
            .is_ok_and(|out| {
                out.len() >= 32 * version::WORDS && word(&out, version::REVOKED).is_zero()
            })
    }
}

#[cfg(test)]
mod tests;
