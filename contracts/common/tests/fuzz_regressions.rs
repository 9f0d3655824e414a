//! Replays the fuzz regression inputs (`fuzz/regressions/<target>/*`: hand-picked seeds
//! and every crash the fuzzers found) through the very checks the cargo-fuzz targets
//! run (`fuzz/src/lib.rs`), on the stable toolchain. See docs/fuzzing.md.

#[allow(dead_code)] // the module's reader helpers are for the fuzz targets too
#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::{fs, path::PathBuf};

/// Runs `check` on every file of `regressions/<target>`; there must be some.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
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
        check(&data);
    }
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
