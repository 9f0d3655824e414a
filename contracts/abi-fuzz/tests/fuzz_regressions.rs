//! Replays the ABI fuzz regression inputs (`fuzz/regressions/<target>/*`: hand-picked
//! seeds and every crash the fuzzers found) through the check the cargo-fuzz targets
//! run ([`zkmltrack_abi_fuzz::check`]), on the stable toolchain. See docs/fuzzing.md.

use std::{fs, path::PathBuf};

use zkmltrack_abi_fuzz::{check, Suite, Target};
use zkmltrack_task_controller::{STATUS_COMMITTED, STATUS_DRAWN};

/// Runs `target`'s check on every file of `fuzz/regressions/<target>`; there must be some.
fn replay(target: Target) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target.name());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    for path in files {
        let data = fs::read(&path).expect("readable regression input");
        // Printed only when the check fails (the test harness captures output).
        println!("replaying {}", path.display());
        check(target, &data);
    }
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
