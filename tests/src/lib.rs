//! The shared harness of zkMLTrack's end-to-end and attack tests (`tests/*.rs`):
//!
//! - [`suite`] (re-exported at the root): the real suite on an in-process
//!   devnet served over JSON-RPC, funded test accounts, the bundled Iris data,
//!   EZKL circuits proving the bundled models with a test-only SRS, and
//!   reverts checked by name. The attack tests use it; `docs/security.md`
//!   lists them.
//! - [`cli`]: the `zkmltrack` binary as a user runs it: a `zkmltrack devnet`
//!   process, commands with a clean environment, their JSON output and
//!   one-line errors. The end-to-end, real-dataset and robustness tests use it.
//! - [`chainlink`]: Chainlink's VRF v2.5 coordinator mock, compiled from its
//!   pinned npm package with the project's solc.
//! - [`outage`]: a relay to a JSON-RPC endpoint that can be cut and restored.

use std::path::{Path, PathBuf};

pub mod chainlink;
pub mod cli;
pub mod outage;
pub mod suite;

pub use suite::*;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lives in the repository")
        .to_path_buf()
}
