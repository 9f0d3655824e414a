//! The replay loop of the fuzz regression tests (docs/fuzzing.md), shared by the
//! workspaces that own fuzz targets: each test includes this file with `#[path]`.

use std::{
    fs,
    path::{Path, PathBuf},
};

/// Runs `check` on every file of `dir` in name order; there must be some.
pub(crate) fn replay_dir(dir: &Path, check: impl Fn(&[u8])) {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
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
