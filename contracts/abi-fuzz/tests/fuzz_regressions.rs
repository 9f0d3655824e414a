//! Replays the ABI fuzz regression inputs (`fuzz/regressions/<target>/*`: hand-picked
//! seeds and every crash the fuzzers found) through the check the cargo-fuzz targets
//! run ([`zkmltrack_abi_fuzz::check`]), on the stable toolchain. See docs/fuzzing.md.

#[path = "../../common/tests/support/replay.rs"]
mod replay_inputs;

use std::path::PathBuf;

use zkmltrack_abi_fuzz::{check, check_on, Suite, Target, ALICE, CONTROLLER, OWNER};
use zkmltrack_task_controller::{STATUS_COMMITTED, STATUS_DRAWN, STATUS_FINALIZED};

/// Runs `target`'s check on every file of `fuzz/regressions/<target>`; there must be some.
fn replay(target: Target) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target.name());
    replay_inputs::replay_dir(&dir, |data| check(target, data));
}

#[test]
fn registry_regressions() {
    replay(Target::Registry);
}

#[test]
fn router_regressions() {
    replay(Target::Router);
}

#[test]
fn controller_regressions() {
    replay(Target::Controller);
}

#[test]
fn dataset_verifier_regressions() {
    replay(Target::DatasetVerifier);
}

#[test]
fn leaderboard_regressions() {
    replay(Target::Leaderboard);
}

#[test]
fn bond_vault_regressions() {
    replay(Target::BondVault);
}

#[test]
fn hidden_set_regressions() {
    replay(Target::HiddenSet);
}

/// The HiddenSet's suite has hidden task 3 with evaluation 4 waiting for its
/// draw; the harness' own template calls (bob, the task's owner) fix the
/// draw once the beacon block is mined and reveal the drawn rows, after
/// which the controller holds the evaluation drawn.
#[test]
fn the_hidden_set_template_calls_draw_and_reveal_evaluation_4() {
    let suite = Suite::deploy_for(Target::HiddenSet);
    assert_eq!(
        suite.evaluation(4).map(|e| e.0),
        Some(STATUS_COMMITTED),
        "setup: {:?}",
        suite.setup
    );
    // 0x24 0 8: block past the beacon; 0x22: bob's template call, draw (0)
    // then reveal of all four pending rows (count byte 3, call 1), unchanged (4).
    check_on(
        &suite,
        Target::HiddenSet,
        &[0x24, 0, 8, 0x22, 0, 0, 4, 0x22, 3, 1, 4],
    );
    assert_eq!(
        suite.evaluation(4).map(|e| e.0),
        Some(STATUS_DRAWN),
        "setup: {:?}",
        suite.setup
    );
}

/// Every target has its regression directory (a new target without seeds would
/// otherwise be fuzzed from nothing and never replayed).
#[test]
fn every_target_is_replayed() {
    for target in Target::ALL {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions")
            .join(target.name());
        assert!(dir.is_dir(), "{} missing", dir.display());
    }
}

alloy_sol_types::sol! {
    function verifyRows(bytes32 root, uint64 dataset_size, uint32 feature_count, uint64[] indices, uint32[] labels, uint256[] features, bytes32[] proofs) returns (uint256);
}

/// DV-1 (docs/fuzzing.md): no rows and a huge `feature_count` used to reserve
/// `32 * feature_count` bytes before reading a row (abort natively, trap on Stylus).
/// Now the call answers with a status word: no rows, nothing wrong.
#[test]
fn dv1_no_rows_and_a_huge_width_answer_with_a_status() {
    use alloy_sol_types::SolCall;
    let suite = Suite::deploy();
    for feature_count in [1 << 21, u32::MAX] {
        let calldata = verifyRowsCall {
            root: Default::default(),
            dataset_size: 1,
            feature_count,
            indices: vec![],
            labels: vec![],
            features: vec![],
            proofs: vec![],
        }
        .abi_encode();
        let outcome = suite.call(Target::DatasetVerifier, Default::default(), calldata);
        let output = outcome.result.expect("verifyRows answers");
        let status = verifyRowsCall::abi_decode_returns(&output, true).expect("a status word");
        assert!(status._0.is_zero(), "status {}", status._0);
    }
}

/// The fuzzers start from a populated suite; if an interface change breaks a setup
/// step, they silently explore less. This fails instead.
#[test]
fn the_fuzzed_suite_has_drawn_and_pending_evaluations() {
    let suite = Suite::deploy();
    let state = |id| {
        suite
            .evaluation(id)
            .unwrap_or_else(|| panic!("evaluation {id} missing; setup: {:?}", suite.setup))
            .0
    };
    assert_eq!(state(1), STATUS_DRAWN, "setup: {:?}", suite.setup);
    assert_eq!(state(2), STATUS_COMMITTED, "setup: {:?}", suite.setup);
    assert_eq!(state(3), STATUS_COMMITTED, "setup: {:?}", suite.setup);
}

/// The Leaderboard's suite adds the owner's full board of task 1, with version 3
/// revoked: its rows are left out of the answer.
#[test]
fn the_leaderboard_suite_has_a_full_board_with_a_revoked_version() {
    let base = Suite::deploy().setup.len();
    let suite = Suite::deploy_for(Target::Leaderboard);
    assert!(
        suite.setup[base..].iter().all(|(_, ok)| *ok),
        "setup: {:?}",
        &suite.setup[base..]
    );
    let board = suite.leaderboard(OWNER, 1).expect("leaderboard answers");
    // Ten recorded, versions 1, 2, 3, 1, ...: the three of version 3 are revoked.
    assert_eq!(board.len(), 7, "{board:?}");
    assert!(board.iter().all(|row| row.1 != 3), "{board:?}");
    assert!(board.windows(2).all(|w| w[0].2 >= w[1].2), "{board:?}");
}

/// The TaskController files a finalized evaluation with the Leaderboard, under its
/// own address: all four samples of evaluation 1, each predicted right, through
/// the harness' own template call (alice, `submitSamples`, unchanged).
#[test]
fn a_finalized_evaluation_is_on_the_controllers_board() {
    let suite = Suite::deploy();
    assert_eq!(suite.leaderboard(CONTROLLER, 1), Some(vec![]));
    // Operation 0x21: sender alice, template call; 3: all four samples; predictions
    // 0 (right); 4: no corruption.
    check_on(&suite, Target::Controller, &[0x21, 3, 0, 0, 0, 0, 4]);
    let (status, _, next_slot) = suite.evaluation(1).expect("evaluation 1");
    assert_eq!(
        (status, next_slot),
        (STATUS_FINALIZED, 4),
        "setup: {:?}",
        suite.setup
    );
    assert_eq!(suite.leaderboard(CONTROLLER, 1), Some(vec![(1, 1, 10_000)]));
    assert_eq!(suite.leaderboard(ALICE, 1), Some(vec![]));
}
