//! Unit tests of the HiddenSet alone. Its flow with the controller (draws,
//! reveals, submissions, expiry) is tested with the whole suite in the
//! TaskController's tests (`task-controller/src/tests/hidden.rs`).

use super::*;

#[test]
fn status_codes_are_the_dataset_verifiers() {
    use zkmltrack_dataset_verifier as dv;
    assert_eq!(
        (ROWS_VALID, ROW_NOT_IN_TREE, MALFORMED_ROWS),
        (dv::ROWS_VALID, dv::ROW_NOT_IN_TREE, dv::MALFORMED_ROWS)
    );
    assert!(![
        dv::ROWS_VALID,
        dv::FEATURE_NOT_A_FIELD_ELEMENT,
        dv::ROW_NOT_IN_TREE,
        dv::MALFORMED_ROWS
    ]
    .contains(&(LABEL_OUT_OF_RANGE as u64)));
}
