//! Replays the fuzz regression inputs (`fuzz/regressions/<target>/*`: hand-picked seeds
//! and every crash the fuzzers found) through the very checks the cargo-fuzz targets
//! run (`fuzz/src/lib.rs`), on the stable toolchain. See docs/fuzzing.md.

#[allow(dead_code)]
// the module's reader helpers are for the fuzz targets too
// The fuzz crate's library: its items are `pub` for the fuzz targets.
#[allow(unreachable_pub)]
#[path = "../fuzz/src/lib.rs"]
mod checks;

#[path = "support/replay.rs"]
mod replay;

use std::path::PathBuf;

/// Runs `check` on every file of `regressions/<target>`; there must be some.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    replay::replay_dir(&dir, check);
}

#[test]
fn poseidon_regressions() {
    replay("poseidon", checks::poseidon);
}

#[test]
fn merkle_regressions() {
    replay("merkle", checks::merkle);
}

#[test]
fn felt_regressions() {
    replay("felt", checks::felt);
}
