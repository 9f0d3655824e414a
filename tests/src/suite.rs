//! Fixture of the adversarial tests (listed in `docs/security.md`): the real
//! suite on an in-process devnet served over JSON-RPC, the bundled Iris data,
//! and EZKL circuits proving the bundled models with a test-only SRS.
//!
//! Every attack goes through the SDK as a user's transaction would, and
//! [`expect_revert`] checks it failed with the named custom error.

use std::path::PathBuf;

use crate::repo;

use alloy::primitives::{B256, U256};
use alloy::providers::Provider as _;
use alloy::signers::local::PrivateKeySigner;
use zkmltrack::architecture::{self, Package};
use zkmltrack::verifier::{generate, VerifierBundle};
use zkmltrack::{
    chain::{
        bindings::{
            IModelRegistry as Registry, ITaskController as Controller, IVerifierRouter as Router,
        },
        Chain, ChainError,
    },
    dataset::Dataset,
    evaluation::drawn_indices,
    prover::{Circuit, Proof, Prover, ProverConfig, SrsSource, VerifierKind},
    solc::Solc,
    suite::{
        Deployment, EvaluationStatus, RegisteredVersion, ReusableVerifier, Suite, SuitePrograms,
    },
};
use zkmltrack_devnet::{rpc, Devnet, DEV_KEY};

/// The BN254 scalar field modulus `p`, decimal.
pub const BN254_MODULUS: &str =
    "21888242871839275222246405745257275088548364400416034343698204186575808495617";

/// Fixed-point scale of the Iris tasks (the CLI's default).
pub const SCALE: u32 = 13;

/// A bundled Iris CSV (`eval.csv` or `train.csv`).
pub fn iris(file: &str) -> (PathBuf, Dataset) {
    let path = repo().join("examples/iris").join(file);
    let data = Dataset::from_csv(&path).expect("bundled Iris data");
    (path, data)
}

/// A prover for the tests' circuits (cached in `target/zkmltrack-tests`).
pub fn prover() -> Prover {
    let mut config = ProverConfig::new(
        repo().join("target/zkmltrack-tests/circuits"),
        SrsSource::TestOnly,
    );
    config.input_scale = Some(SCALE);
    Prover::new(config).expect("the EZKL environment")
}

/// A bundled Iris model's circuit (calibrated on the evaluation rows) and its
/// reusable-verifier bundle.
pub fn circuit<'p>(prover: &'p Prover, model: &str) -> (Circuit<'p>, VerifierBundle) {
    let (_, eval) = iris("eval.csv");
    let rows: Vec<Vec<f64>> = eval.rows.iter().map(|r| r.features.clone()).collect();
    let circuit = prover
        .circuit(&repo().join("examples/iris").join(model), &rows, &|_| {})
        .expect("circuit");
    let solc = Solc::ensure(&prover.config().home).expect("solc");
    let bundle = generate(&circuit, VerifierKind::Reusable, &solc).expect("verifier bundle");
    (circuit, bundle)
}

/// A bundled Iris model compiled under an architecture package's settings
/// (a model of that architecture: same verifying key, its own weight hash),
/// and its reusable-verifier bundle.
pub fn circuit_on<'p>(
    prover: &'p Prover,
    model: &str,
    package: &Package,
) -> (Circuit<'p>, VerifierBundle) {
    let circuit = prover
        .circuit_with_settings(
            &repo().join("examples/iris").join(model),
            &package.settings(),
            &|_| {},
        )
        .expect("circuit");
    let solc = Solc::ensure(&prover.config().home).expect("solc");
    let bundle = generate(&circuit, VerifierKind::Reusable, &solc).expect("verifier bundle");
    (circuit, bundle)
}

/// The architecture package of a circuit (built in its folder once, checked
/// to rebuild `bundle`'s VKA).
pub fn package_of(circuit: &Circuit<'_>, bundle: &VerifierBundle) -> Package {
    architecture::of_circuit(circuit, architecture::bundle_digest(bundle), &|_| {})
        .expect("architecture package")
}

/// The weight commitment of a circuit's model (EZKL's parameter hash, from
/// a witness of zero inputs: it does not depend on them).
pub fn weight_hash(circuit: &Circuit<'_>) -> B256 {
    let width = circuit.input_shape().last().copied().unwrap_or(1).max(1) as usize;
    let rows = vec![vec![0.0; width]; circuit.values_per_proof() / width];
    let hash = circuit
        .weight_hash(&rows)
        .expect("witness")
        .expect("hashed parameters");
    B256::from(hash.to_be_bytes())
}

/// Registers a circuit's model as a version of `lineage` committed by its
/// weight hash, on a route for its architecture that the signer adds with
/// the circuit's package ([`Suite::register_version`]).
pub async fn register_model(
    suite: &Suite,
    lineage: u64,
    circuit: &Circuit<'_>,
    bundle: &VerifierBundle,
    uri: &str,
) -> Result<RegisteredVersion, ChainError> {
    suite
        .register_version(
            lineage,
            circuit.onnx_hash(),
            weight_hash(circuit),
            &bundle.vka_words(),
            &package_of(circuit, bundle).reference(),
            uri,
        )
        .await
}

/// A one-sample proof of `data`'s row `row`.
pub fn prove_row(circuit: &Circuit<'_>, data: &Dataset, row: u64) -> Proof {
    circuit
        .prove(&[data.rows[row as usize].features.clone()], &|_| {})
        .expect("proof")
}

/// Opens an evaluation of `version_id` on `task_id` (whose dataset has
/// `dataset_size` rows and draws `samples`), waits for its draw, and returns
/// its id with the drawn row indices in slot order.
pub async fn open_and_draw(
    suite: &Suite,
    task_id: u64,
    version_id: u64,
    samples: u32,
    dataset_size: u64,
) -> (u64, Vec<u64>) {
    let evaluation = suite
        .open_evaluation(task_id, version_id)
        .await
        .expect("open");
    let drawn = suite.draw(evaluation).await.expect("draw");
    assert_eq!(drawn.status, EvaluationStatus::Drawn);
    (evaluation, drawn_indices(drawn.seed, samples, dataset_size))
}

/// The key of the devnet's `i`-th funded test account (not the dev account).
pub fn test_account(i: usize) -> PrivateKeySigner {
    let key = alloy::primitives::keccak256(format!("zkmltrack-devnet test account {i}"));
    PrivateKeySigner::from_bytes(&key).expect("valid key")
}

/// A devnet serving JSON-RPC, and the suite deployed on it by the dev account
/// with `verifier`'s code deployed and allow-listed and its SRS trusted.
pub async fn deployed_suite(verifier: &VerifierBundle) -> (rpc::RpcServer, Suite) {
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().expect("address"))
        .expect("devnet server");
    let owner = PrivateKeySigner::from_bytes(&DEV_KEY).expect("dev key");
    let chain = Chain::connect(&server.url(), Some(owner))
        .await
        .expect("devnet");
    let programs = SuitePrograms::from_dir(&repo().join("contracts/target/stylus"))
        .expect("built programs: run scripts/build-contracts");
    let init_code = verifier.init_code().expect("bundle init code");
    let reusable = ReusableVerifier {
        init_code: &init_code,
        trusted_srs: verifier.trusted_srs().expect("a reusable bundle"),
    };
    let suite = Suite::deploy(chain, &programs, Some(reusable), &|_| {})
        .await
        .expect("suite deploys");
    (server, suite)
}

/// Mines `n` empty blocks (`anvil_mine`, in steps the devnet accepts).
pub async fn mine(suite: &Suite, n: u64) {
    let mut left = n;
    while left > 0 {
        let step = left.min(5_000);
        let _: serde_json::Value = suite
            .chain()
            .provider()
            .raw_request("anvil_mine".into(), (U256::from(step),))
            .await
            .expect("anvil_mine");
        left -= step;
    }
}

/// The same suite as seen by another account.
pub async fn as_account(suite: &Suite, url: &str, signer: PrivateKeySigner) -> Suite {
    let chain = Chain::connect(url, Some(signer)).await.expect("devnet");
    Suite::attach(chain, suite.deployment.clone())
        .await
        .expect("attach")
}

/// The suite of a deployment file, as `signer` (what the CLI deployed).
pub async fn suite_from_file(
    url: &str,
    deployment: &std::path::Path,
    signer: PrivateKeySigner,
) -> Suite {
    let chain = Chain::connect(url, Some(signer)).await.expect("devnet");
    Suite::attach(chain, Deployment::read(deployment).expect("deployment"))
        .await
        .expect("attach")
}

/// The devnet's dev key, the demo's and the CLI's default account.
pub fn dev_key() -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&DEV_KEY).expect("the dev key")
}

/// Asserts `result` is a revert with the custom error `name`.
pub fn expect_revert<T: std::fmt::Debug>(what: &str, result: Result<T, ChainError>, name: &str) {
    match result {
        Err(ChainError::Reverted { error, reason, .. }) => assert_eq!(
            error,
            Some(name),
            "{what}: reverted with {error:?} ({reason}), expected {name}"
        ),
        other => panic!("{what}: expected a revert with {name}, got {other:?}"),
    }
}

/// Version, route, task and evaluation counts (in that order): what a
/// refused registration or governance call must leave alone.
pub async fn counts(suite: &Suite) -> (u64, u64, u64, u64) {
    let d = &suite.deployment;
    let chain = suite.chain();
    (
        chain
            .view("versions", d.registry, &Registry::versionCountCall {})
            .await
            .expect("versionCount"),
        chain
            .view("routes", d.router, &Router::routeCountCall {})
            .await
            .expect("routeCount"),
        chain
            .view("tasks", d.registry, &Registry::taskCountCall {})
            .await
            .expect("taskCount"),
        chain
            .view(
                "evaluations",
                d.controller,
                &Controller::evaluationCountCall {},
            )
            .await
            .expect("evaluationCount"),
    )
}
