//! Unit tests (motsu) of the Leaderboard, with a ModelRegistry stand-in whose
//! versions can be revoked. The TaskController's tests use the real registry.

use alloy_primitives::{Address, B256};
use motsu::prelude::*;
use stylus_sdk::{prelude::*, storage::StorageMap};

use super::*;

/// ModelRegistry stand-in: `version(id)` answers for ids 1..=100, with a
/// settable revocation flag.
#[storage]
struct MockRegistry {
    revoked: StorageMap<U64, stylus_sdk::storage::StorageBool>,
}

unsafe impl TopLevelStorage for MockRegistry {}

#[public]
impl MockRegistry {
    fn revoke(&mut self, version_id: u64) {
        self.revoked.setter(U64::from(version_id)).set(true);
    }

    #[allow(clippy::type_complexity)]
    fn version(
        &self,
        version_id: u64,
    ) -> Result<(u64, u32, Address, B256, B256, B256, u64, u64, bool), Vec<u8>> {
        if version_id == 0 || version_id > 100 {
            return Err(b"unknown".to_vec());
        }
        let revoked = self.revoked.get(U64::from(version_id));
        Ok((
            1,
            1,
            Address::ZERO,
            B256::ZERO,
            B256::ZERO,
            B256::ZERO,
            1,
            0,
            revoked,
        ))
    }
}

fn deploy(board: &Contract<Leaderboard>, registry: &Contract<MockRegistry>, owner: Address) {
    board.sender(owner).constructor(registry.address());
    assert_eq!(board.sender(owner).registry(), registry.address());
}

#[motsu::test]
fn keeps_the_best_ten_with_ties_in_arrival_order(
    board: Contract<Leaderboard>,
    registry: Contract<MockRegistry>,
    keeper: Address,
) {
    deploy(&board, &registry, keeper);
    // Evaluations 1..=12 with accuracies 50%, 60%, ..., some tied.
    let accuracy = |e: u64| {
        [
            5000, 6000, 6000, 9000, 7000, 5000, 8000, 9000, 4000, 7000, 6500, 3000,
        ][e as usize - 1]
    };
    let mut ranks = vec![];
    for e in 1..=12u64 {
        ranks.push(board.sender(keeper).record(7, e, e, accuracy(e)));
    }
    assert_eq!(ranks, vec![1, 1, 2, 1, 2, 6, 2, 2, 9, 5, 6, 0]);
    let rows = board.sender(keeper).leaderboard(keeper, 7);
    let ids: Vec<u64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(ids, vec![4, 8, 7, 5, 10, 11, 2, 3, 1, 6]);
    assert!(rows.iter().all(|r| r.1 == r.0 && r.2 == accuracy(r.0)));
    board.assert_emitted(&Ranked {
        keeper,
        task_id: 7,
        evaluation_id: 11,
        version_id: 11,
        accuracy_bps: 6500,
        rank: 6,
    });
}

#[motsu::test]
fn files_nothing_no_evaluation_could_be(
    board: Contract<Leaderboard>,
    registry: Contract<MockRegistry>,
    keeper: Address,
) {
    deploy(&board, &registry, keeper);
    // Above 100% (the devnet finding: 65,535 bps was filed), evaluation 0.
    assert_eq!(board.sender(keeper).record(1, 1, 1, 65_535), 0);
    assert_eq!(
        board.sender(keeper).record(1, 1, 1, MAX_ACCURACY_BPS + 1),
        0
    );
    assert_eq!(board.sender(keeper).record(1, 0, 1, 5_000), 0);
    assert!(board.sender(keeper).leaderboard(keeper, 1).is_empty());
    // 100% is an accuracy; the same evaluation is filed once.
    assert_eq!(board.sender(keeper).record(1, 1, 1, MAX_ACCURACY_BPS), 1);
    assert_eq!(board.sender(keeper).record(1, 1, 1, MAX_ACCURACY_BPS), 0);
    assert_eq!(board.sender(keeper).record(1, 1, 2, 9_000), 0);
    assert_eq!(
        board.sender(keeper).leaderboard(keeper, 1),
        vec![(1, 1, MAX_ACCURACY_BPS)]
    );
}

#[motsu::test]
fn boards_are_per_keeper_and_per_task(
    board: Contract<Leaderboard>,
    registry: Contract<MockRegistry>,
    keeper: Address,
    other: Address,
) {
    deploy(&board, &registry, keeper);
    assert_eq!(board.sender(keeper).record(1, 1, 1, 9000), 1);
    // Another account files under its own name: the keeper's board is untouched.
    assert_eq!(board.sender(other).record(1, 2, 2, 10000), 1);
    assert_eq!(
        board.sender(other).leaderboard(keeper, 1),
        vec![(1, 1, 9000)]
    );
    assert_eq!(
        board.sender(other).leaderboard(other, 1),
        vec![(2, 2, 10000)]
    );
    assert_eq!(board.sender(other).leaderboard(keeper, 2), vec![]);
}

#[motsu::test]
fn revoked_versions_leave_the_board(
    board: Contract<Leaderboard>,
    registry: Contract<MockRegistry>,
    keeper: Address,
) {
    deploy(&board, &registry, keeper);
    for e in 1..=10u64 {
        board.sender(keeper).record(1, e, e, 10_000 - e as u32);
    }
    registry.sender(keeper).revoke(1);
    // Left out of reads at once ...
    let ids = |rows: Vec<Row>| rows.iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(
        ids(board.sender(keeper).leaderboard(keeper, 1)),
        (2..=10).collect::<Vec<_>>()
    );
    // ... and dropped from storage by the next record, which now ranks tenth.
    assert_eq!(board.sender(keeper).record(1, 11, 11, 1), 10);
    assert_eq!(
        ids(board.sender(keeper).leaderboard(keeper, 1)),
        (2..=11).collect::<Vec<_>>()
    );
    // A revoked version, or one the registry does not answer for, is not
    // filed: it cannot push a live entry off a full board.
    assert_eq!(board.sender(keeper).record(1, 12, 1, 10_000), 0);
    assert_eq!(board.sender(keeper).record(2, 1, 101, 10_000), 0);
    assert_eq!(board.sender(keeper).leaderboard(keeper, 2), vec![]);
    assert_eq!(
        ids(board.sender(keeper).leaderboard(keeper, 1)),
        (2..=11).collect::<Vec<_>>()
    );
    assert_eq!(board.sender(keeper).record(2, 2, 2, 1), 1);
    assert_eq!(board.sender(keeper).leaderboard(keeper, 2), vec![(2, 2, 1)]);
}
