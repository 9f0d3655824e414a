//! The commands other than `demo`, `audit` and `serve`, one module per command group
//! (argument types beside their handlers); shared helpers live here.

use std::path::{Path, PathBuf};

use alloy::primitives::{keccak256, Address, B256, U256};
use clap::{Args, Subcommand};
use serde_json::json;
use zkmltrack::{
    architecture::Package,
    dataset::{Dataset, DatasetError, QuantizedDataset, RootCheck, RootRule},
    evaluation::{
        check_quantization, evaluate_model, task_rows_among, EvaluationError, EvaluationReport,
        Rows,
    },
    hashing::Felt,
    model::{Lineage, PreparedModel, RegisterStep},
    prover::Prover,
    suite::{
        BondTerms, LeaderboardEntry, RegisteredVersion, ReusableVerifier, Revealer, Route,
        RouteKind, Settlement, Suite, SuitePrograms, TaskSpec, VrfTerms, MAX_WINDOW_BLOCKS,
    },
    verifier::VerifierBundle,
};

use crate::{
    context::{Global, KeyArgs, ProverArgs},
    output::{emit, percent, table, CliError, Step, EXIT_FAILURE},
};

mod dataset;
mod deploy;
mod evaluate;
mod model;
mod route;
mod task;

pub(crate) use dataset::*;
pub(crate) use deploy::*;
pub(crate) use evaluate::*;
pub(crate) use model::*;
pub(crate) use route::*;
pub(crate) use task::*;

/// Scale of the bundled Iris circuits (EZKL's calibration picks it).
pub(crate) const DEFAULT_SCALE: u32 = 13;

/// `devnet`: serve a local chain until interrupted; with `state`, loaded
/// from and saved to that file; with `max_logs_range`, refusing longer
/// `eth_getLogs` ranges.
pub(crate) async fn devnet(
    host: &str,
    port: u16,
    state: Option<PathBuf>,
    every_blocks: u64,
    max_logs_range: Option<u64>,
) -> Result<(), CliError> {
    let addr = format!("{host}:{port}")
        .parse()
        .map_err(|e| CliError::input(format!("bad --host/--port: {e}")))?;
    let config = zkmltrack_devnet::DevnetConfig {
        max_logs_range,
        ..Default::default()
    };
    let (chain, loaded) = zkmltrack_devnet::Devnet::open(config, state.as_deref())
        .map_err(|e| CliError::input(e.to_string()))?;
    if let (true, Some(path)) = (loaded, &state) {
        eprintln!(
            "zkmltrack devnet: loaded {} at block {}",
            path.display(),
            chain.block_number()
        );
    }
    eprintln!(
        "zkmltrack devnet: chain id {}; dev account {} (public key, local use only)",
        chain.chain_id(),
        zkmltrack_devnet::DEV_ACCOUNT
    );
    let saving = state.map(|path| zkmltrack_devnet::rpc::StateSaving { path, every_blocks });
    let server =
        zkmltrack_devnet::rpc::serve_with_state(chain, addr, saving).map_err(|e| CliError {
            code: EXIT_FAILURE,
            message: format!("cannot listen on {addr}: {e}"),
        })?;
    println!("listening on {}", server.url());
    zkmltrack_devnet::rpc::shutdown_signal().await;
    if let Some(block) = server.save_state().map_err(|e| CliError {
        code: EXIT_FAILURE,
        message: e.to_string(),
    })? {
        eprintln!("zkmltrack devnet: saved the chain at block {block}");
    }
    Ok(())
}

/// The Stylus programs: --contracts, else `contracts/target/stylus` here or in the source tree.
pub(crate) fn programs(dir: Option<&Path>) -> Result<SuitePrograms, CliError> {
    let dir = dir.map(Path::to_path_buf).unwrap_or_else(|| {
        let local = PathBuf::from("contracts/target/stylus");
        if local.is_dir() {
            local
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/target/stylus")
        }
    });
    Ok(SuitePrograms::from_dir(&dir)?)
}

/// [`zkmltrack::model::prepare`] with its steps shown under `step`.
pub(crate) fn prepare_model<'p>(
    prover: &'p Prover,
    model: &Path,
    (calibration, calibration_file): (&Dataset, &Path),
    step: &Step,
) -> Result<PreparedModel<'p>, CliError> {
    Ok(zkmltrack::model::prepare(
        prover,
        model,
        calibration,
        calibration_file,
        &|note| step.note(note),
    )?)
}

fn read_dataset(path: &Path) -> Result<Dataset, CliError> {
    Dataset::from_csv(path).map_err(|e| in_file(path, e))
}

/// A dataset error naming its file (a command may read two CSVs); I/O errors
/// name it already.
fn in_file(path: &Path, err: DatasetError) -> CliError {
    match err {
        DatasetError::Io(..) => err.into(),
        other => CliError::input(format!("{}: {other}", path.display())),
    }
}

/// How the dataset at `path` stands against `root` at `scale`.
fn root_check(path: &Path, scale: u32, root: &B256) -> Result<RootCheck, CliError> {
    let data = read_dataset(path)?;
    let root = Felt::from_be_bytes(&root.0).map_err(|e| CliError::input(e.to_string()))?;
    data.check_root(scale, Some(&root))
        .map_err(|e| in_file(path, e))
}

/// One sentence on a root check against task `task`.
fn root_check_text(check: &RootCheck, task: u64, path: Option<&Path>) -> String {
    let file = path.map(|p| p.display().to_string()).unwrap_or_default();
    match check.rule {
        RootRule::Current => format!(
            "root check: task {task}'s root is {file} under the current quantization rule (EZKL's f32 cast)"
        ),
        RootRule::LegacyF64 => format!(
            "root check: task {task}'s root is {file} under the OLD quantization rule (f64, no f32 cast): \
             {} values in {} rows quantize otherwise in every EZKL circuit, so no model can prove \
             those rows; recreate the task (`zkmltrack task create`)",
            check.differing_values, check.differing_rows
        ),
        RootRule::Neither => format!(
            "root check: task {task}'s root is not {file}'s under either quantization rule \
             (another dataset, or another scale)"
        ),
    }
}
