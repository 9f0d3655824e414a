//! Gas of the whole zkMLTrack flow on the devnet, step by step, with real
//! proofs: deploying the suite, creating a task, registering model versions,
//! and evaluating the Iris MLP on 16 drawn samples with 1, 4, 8 and 16
//! samples per proof; then the verification paths side by side (EZKL plain
//! verifier, reusable verifier with the VKA as calldata, and the router's
//! three route kinds).
//!
//! Every transaction goes through the SDK's `Suite` over JSON-RPC to an
//! in-process devnet; gas is read afterwards from the devnet's receipts, so
//! the figures are exactly what the SDK's transactions used.
//!
//! ```text
//! cargo run --release -p zkmltrack-bench --bin gas -- [--write docs/benchmarks.md]
//! ```

use std::{
    path::Path,
    sync::{Arc, Mutex},
};

use alloy::{
    consensus::Transaction as _,
    primitives::{keccak256, Address, B256, U256},
    providers::Provider as _,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use serde::Serialize;
use serde_json::json;
use zkmltrack::verifier::{generate, VerifierBundle};
use zkmltrack::{
    chain::{
        bindings::{
            IBondVault as Vault, IHiddenSet, IModelRegistry as Registry, IPlainVerifier,
            IReusableVerifier, ITaskController as Controller, IVerifierRouter as Router,
        },
        event, Chain,
    },
    dataset::Dataset,
    evaluation::{drawn_indices, submission},
    prover::{Circuit, Prover, ProverConfig, SrsSource, VerifierKind},
    solc::Solc,
    suite::{ReusableVerifier, Submission, Suite, SuitePrograms, TaskSpec},
};
use zkmltrack_bench::{
    arg, machine, replace_section, repo_root, thousands, tool_versions, write_results,
};
use zkmltrack_devnet::{rpc, Devnet, DEV_KEY};

/// Samples drawn per evaluation (the demo's task).
const SAMPLES: u32 = 16;
/// Batch sizes measured (samples per proof). A batch larger than [`SAMPLES`]
/// is evaluated on a second task that draws that many samples (one proof),
/// over the same rows, or over all 150 Iris rows for a batch larger than the
/// 50 of the evaluation set, to see how far batching amortizes the verifier.
const BATCHES: [usize; 6] = [1, 4, 8, 16, 48, 128];
/// The goal of the benchmarks issue: gas per evaluated sample at the best batch size.
const GOAL_PER_SAMPLE: u64 = 60_000;
/// The task's fixed-point scale (the CLI's default).
const SCALE: u32 = 13;

/// One mined transaction's gas.
#[derive(Clone, Debug, Serialize)]
struct TxGas {
    /// What the transaction did (the called function, or `deploy`).
    what: String,
    /// Gas used.
    gas: u64,
    /// Calldata (or init code) bytes.
    calldata: usize,
    /// Standard calldata gas (4 per zero byte, 16 per other byte).
    calldata_gas: u64,
}

/// Reads the gas of every transaction mined since the last look.
struct Ledger {
    chain: Arc<Mutex<Devnet>>,
    seen: u64,
}

impl Ledger {
    fn new(chain: Arc<Mutex<Devnet>>) -> Ledger {
        let seen = chain.lock().expect("devnet lock").block_number();
        Ledger { chain, seen }
    }

    /// Transactions mined since the previous call, oldest first; every one
    /// must have succeeded.
    fn take(&mut self) -> Vec<TxGas> {
        let chain = self.chain.lock().expect("devnet lock");
        let mut out = Vec::new();
        for number in self.seen + 1..=chain.block_number() {
            for hash in &chain.block(number).expect("mined block").transactions {
                let tx = chain.transaction(*hash).expect("mined transaction");
                assert!(tx.receipt.success, "transaction {hash} failed");
                let input = tx.envelope.input();
                out.push(TxGas {
                    what: describe(tx.envelope.to(), input),
                    gas: tx.receipt.gas_used,
                    calldata: input.len(),
                    calldata_gas: input.iter().map(|&b| if b == 0 { 4 } else { 16 }).sum(),
                });
            }
        }
        self.seen = chain.block_number();
        out
    }

    /// The one transaction mined since the previous call, which must be `what`.
    fn one(&mut self, what: &str) -> TxGas {
        let txs = self.take();
        assert!(
            txs.len() == 1 && txs[0].what == what,
            "expected one {what} transaction, found {txs:?}"
        );
        txs.into_iter().next().expect("one transaction")
    }
}

/// Names a transaction by the function its calldata selects.
fn describe(to: Option<Address>, input: &[u8]) -> String {
    if to.is_none() {
        return "deploy".into();
    }
    let known: [([u8; 4], &str); 17] = [
        (Registry::createTaskCall::SELECTOR, "createTask"),
        (Registry::createLineageCall::SELECTOR, "createLineage"),
        (Registry::registerVersionCall::SELECTOR, "registerVersion"),
        (Router::addReusableRouteCall::SELECTOR, "addReusableRoute"),
        (Router::addPlainRouteCall::SELECTOR, "addPlainRoute"),
        (
            Router::setVerifierAllowedCall::SELECTOR,
            "setVerifierAllowed",
        ),
        (Router::verifyCall::SELECTOR, "router.verify"),
        (Controller::openEvaluationCall::SELECTOR, "openEvaluation"),
        (Controller::drawCall::SELECTOR, "draw"),
        (Controller::submitSamplesCall::SELECTOR, "submitSamples"),
        (
            IReusableVerifier::verifyProofCall::SELECTOR,
            "verifyProof (reusable)",
        ),
        (
            IPlainVerifier::verifyProofCall::SELECTOR,
            "verifyProof (plain)",
        ),
        (IReusableVerifier::registerVkaCall::SELECTOR, "registerVka"),
        (Vault::setTermsCall::SELECTOR, "setTerms"),
        (Vault::settleCall::SELECTOR, "settle"),
        (IHiddenSet::drawCall::SELECTOR, "draw (HiddenSet)"),
        (IHiddenSet::revealCall::SELECTOR, "reveal"),
    ];
    input
        .get(..4)
        .and_then(|s| known.iter().find(|(sel, _)| sel == s))
        .map_or_else(
            || {
                if input.is_empty() {
                    "transfer".into()
                } else {
                    format!(
                        "0x{}",
                        alloy::primitives::hex::encode(&input[..4.min(input.len())])
                    )
                }
            },
            |(_, name)| name.to_string(),
        )
}

/// The rows a task is created over: the bundled evaluation set (50 rows), or
/// for a batch larger than that, all 150 Iris rows.
struct TaskRows {
    csv: std::path::PathBuf,
    rows: Vec<Vec<f64>>,
    quantized: zkmltrack::dataset::QuantizedDataset,
}

impl TaskRows {
    fn from_csv(csv: std::path::PathBuf) -> TaskRows {
        let data = Dataset::from_csv(&csv).expect("Iris rows");
        TaskRows {
            rows: data.rows.iter().map(|r| r.features.clone()).collect(),
            quantized: data.quantize(SCALE).expect("quantized"),
            csv,
        }
    }

    /// The task for `samples` drawn samples over these rows.
    fn spec(&self, samples: u32) -> TaskSpec {
        TaskSpec::from_csv(&self.csv, SCALE, samples, 2).expect("task spec")
    }
}

/// One batch size's circuit and verifier artifacts.
struct Model<'p> {
    batch: usize,
    /// Rows its tasks are created over.
    task_rows: &'p TaskRows,
    circuit: Circuit<'p>,
    bundle: VerifierBundle,
    onnx_hash: B256,
    /// Weight commitment (EZKL's parameter hash).
    weight_hash: B256,
    /// The architecture package its route names.
    package: zkmltrack::architecture::Package,
}

/// What one evaluation cost.
#[derive(Debug, Serialize)]
struct EvaluationGas {
    batch: usize,
    samples: u32,
    instances_per_proof: usize,
    proof_bytes: usize,
    register: Vec<TxGas>,
    open: TxGas,
    draw: TxGas,
    submits: Vec<TxGas>,
    /// The same first proof sent straight to the reusable verifier (VKA as calldata).
    verifier_direct: TxGas,
    correct: u32,
}

impl EvaluationGas {
    fn submit_total(&self) -> u64 {
        self.submits.iter().map(|t| t.gas).sum()
    }
    fn total(&self) -> u64 {
        self.open.gas + self.draw.gas + self.submit_total()
    }
    fn per_sample(&self) -> u64 {
        self.submit_total() / self.samples as u64
    }
}

/// A hidden task's evaluation at the largest batch: the owner's reveals and
/// the participant's one submission, next to the public task's.
#[derive(Debug, Serialize)]
struct HiddenGas {
    samples: u32,
    rows_per_reveal: u32,
    open: TxGas,
    fix_draw: TxGas,
    reveals: Vec<TxGas>,
    submit: TxGas,
    public_submit: TxGas,
}

/// Rows per reveal transaction in the hidden-task measurement.
const ROWS_PER_REVEAL: u32 = 16;

/// What Chainlink VRF costs a task.
#[derive(Debug, Serialize)]
struct VrfGas {
    deploy: TxGas,
    open: TxGas,
    fulfil: TxGas,
    /// The fulfilment callback's gas, from the payment the mock charges
    /// (`baseFee + gasUsed * gasPrice`, in LINK at its rate).
    callback_gas: u64,
}

async fn vrf_gas(
    suite: &Suite,
    ledger: &mut Ledger,
    programs: &SuitePrograms,
    solc: &Solc,
    spec: &TaskSpec,
    version: u64,
    hidden: bool,
) -> VrfGas {
    use zkmltrack_tests::chainlink::{
        coordinator_mock_init_code, funded_subscription, IVRFCoordinatorV2_5Mock as Mock,
    };
    let chain = suite.chain();
    let coordinator = chain
        .deploy_evm("coordinator mock", coordinator_mock_init_code(solc))
        .await
        .expect("the mock deploys");
    let sub_id = funded_subscription(chain, coordinator).await;
    ledger.take();
    let terms = zkmltrack::suite::VrfTerms {
        coordinator,
        key_hash: B256::repeat_byte(0x11),
        subscription_id: sub_id,
        request_confirmations: 3,
        callback_gas_limit: 500_000,
        native_payment: false,
    };
    let provider = if hidden {
        suite
            .deploy_hidden_vrf_provider(&programs.hidden_set, &programs.vrf_provider, &terms)
            .await
    } else {
        suite
            .deploy_vrf_provider(&programs.vrf_provider, &terms)
            .await
    }
    .expect("provider");
    let (randomness, _) = suite
        .task_randomness(hidden, Some(provider.address))
        .await
        .expect("the provider serves");
    let deploy = ledger
        .take()
        .into_iter()
        .next()
        .expect("the provider's deployment");
    let task = suite
        .create_task(&TaskSpec {
            randomness,
            hidden,
            ..spec.clone()
        })
        .await
        .expect("VRF task");
    ledger.one("createTask");
    suite.open_evaluation(task, version).await.expect("opens");
    let open = ledger.one("openEvaluation");
    let receipt = chain
        .transact(
            "fulfilling",
            coordinator,
            &Mock::fulfillRandomWordsCall {
                requestId: U256::from(1u8),
                consumer: provider.address,
            },
            U256::ZERO,
        )
        .await
        .expect("fulfils");
    let fulfilled = event::<Mock::RandomWordsFulfilled>(&receipt).expect("fulfilled");
    assert!(fulfilled.success, "the callback succeeded");
    let fulfil = ledger.take().into_iter().next().expect("the fulfilment");
    // payment = 1e18 * (baseFee + used * gasPrice) / weiPerUnitLink, with the
    // mock's constructor arguments (0.1 LINK, 1 gwei, 0.004 ETH per LINK).
    let wei = U256::from(fulfilled.payment) * U256::from(4_000_000_000_000_000u64)
        / U256::from(10u64).pow(U256::from(18u8));
    let callback_gas = ((wei - U256::from(100_000_000_000_000_000u128))
        / U256::from(1_000_000_000u64))
    .to::<u64>();
    VrfGas {
        deploy,
        open,
        fulfil,
        callback_gas,
    }
}

fn progress(message: &str) {
    eprintln!("[gas] {message}");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let write = arg("--write");
    let repo = repo_root();
    let eval_csv = repo.join("examples/iris/eval.csv");
    let eval = TaskRows::from_csv(eval_csv.clone());
    let rows = &eval.rows;
    // All 150 Iris rows, for the batches larger than the evaluation set.
    let all_csv = repo.join("target/bench/iris-150.csv");
    let train = std::fs::read_to_string(repo.join("examples/iris/train.csv")).expect("train.csv");
    let held_out = std::fs::read_to_string(&eval_csv).expect("eval.csv");
    std::fs::create_dir_all(all_csv.parent().expect("a folder")).expect("target/bench");
    std::fs::write(
        &all_csv,
        format!("{train}{}", held_out.split_once('\n').expect("a header").1),
    )
    .expect("iris-150.csv");
    let all = TaskRows::from_csv(all_csv);

    // Circuits and verifiers (cached in target/bench/circuits across runs),
    // each with a test-only SRS as large as it needs (2^15 points unless more).
    let prover_for = |k: u32| -> &'static Prover {
        let mut config = ProverConfig::new(repo.join("target/bench/circuits"), SrsSource::TestOnly);
        config.input_scale = Some(SCALE);
        config.test_srs_logrows = Some(k);
        Box::leak(Box::new(Prover::new(config).expect("prover")))
    };
    let prover = prover_for(15);
    let solc = Solc::ensure(&prover.config().home).expect("solc");
    let models: Vec<Model> = BATCHES
        .iter()
        .map(|&batch| {
            let file = if batch == 1 {
                "model.onnx".to_string()
            } else {
                format!("model_batch{batch}.onnx")
            };
            progress(&format!("circuit and verifier of {file}"));
            let path = repo.join("examples/iris").join(&file);
            let task_rows = if batch <= rows.len() { &eval } else { &all };
            let calibration = &task_rows.rows[..task_rows.rows.len() / batch * batch];
            let circuit = match prover.circuit(&path, calibration, &|_| {}) {
                Err(zkmltrack::prover::ProverError::SrsTooSmall { logrows, .. }) => {
                    progress(&format!(
                        "{file}: 2^{logrows} rows, a test-only SRS of that size"
                    ));
                    prover_for(logrows).circuit(&path, calibration, &|_| {})
                }
                built => built,
            }
            .expect("circuit");
            let bundle = generate(&circuit, VerifierKind::Reusable, &solc).expect("verifier");
            let onnx_hash = keccak256(std::fs::read(&path).expect("model"));
            let weight_hash = circuit
                .weight_hash(&calibration[..batch])
                .expect("witness")
                .map(|f| B256::from(f.to_be_bytes()))
                .expect("hashed parameters");
            let package = zkmltrack::architecture::of_circuit(
                &circuit,
                zkmltrack::architecture::bundle_digest(&bundle),
                &|_| {},
            )
            .expect("architecture package");
            Model {
                batch,
                task_rows,
                circuit,
                bundle,
                onnx_hash,
                weight_hash,
                package,
            }
        })
        .collect();
    for m in &models[1..] {
        assert_eq!(
            m.bundle.deployed_bytecode, models[0].bundle.deployed_bytecode,
            "EZKL generated another reusable verifier for batch {}",
            m.batch
        );
    }
    let plain = generate(&models[0].circuit, VerifierKind::Plain, &solc).expect("plain verifier");

    // The chain and the suite.
    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().expect("address"))
        .expect("devnet server");
    let mut ledger = Ledger::new(server.chain());
    let signer = PrivateKeySigner::from_bytes(&DEV_KEY).expect("dev key");
    let chain = Chain::connect(&server.url(), Some(signer))
        .await
        .expect("devnet");
    let programs =
        SuitePrograms::from_dir(&repo.join("contracts/target/stylus")).expect("built programs");
    progress("deploying the suite");
    let init_codes: Vec<_> = models
        .iter()
        .map(|m| m.bundle.init_code().expect("init code"))
        .collect();
    let reusable = ReusableVerifier {
        init_code: &init_codes[0],
        trusted_srs: models[0].bundle.trusted_srs().expect("a reusable bundle"),
    };
    let suite = Suite::deploy(chain, &programs, Some(reusable), &|_| {})
        .await
        .expect("suite");
    // Suite::deploy's transactions, in its order.
    let steps = [
        "DatasetVerifier (Stylus, deploy + activate)",
        "VerifierRouter (Stylus, deploy + activate + constructor)",
        "ModelRegistry (Stylus, deploy + activate + constructor)",
        "Leaderboard (Stylus, deploy + activate + constructor)",
        "BondVault (Stylus, deploy + activate + constructor)",
        "TaskController (Stylus, deploy + activate + constructor)",
        "HiddenSet (Stylus, deploy + activate)",
        "EZKL reusable verifier (EVM)",
        "allow-list the verifier's code",
        "pin the trusted SRS (setTrustedSrs)",
    ];
    let sent = ledger.take();
    assert_eq!(
        sent.len(),
        steps.len(),
        "one deployment transaction per step: {sent:?}"
    );
    let deployment: Vec<TxGas> = sent
        .into_iter()
        .zip(steps)
        .map(|(tx, what)| TxGas {
            what: what.into(),
            ..tx
        })
        .collect();

    let spec = eval.spec(SAMPLES);
    let task_id = suite.create_task(&spec).await.expect("task");
    let create_task = ledger.one("createTask");
    let mut large_tasks = std::collections::BTreeMap::new();
    let lineage = suite.create_lineage("iris-mlp").await.expect("lineage");
    let create_lineage = ledger.one("createLineage");

    // One evaluation per batch size.
    let mut evaluations = Vec::new();
    let mut hidden_gas = None;
    let mut first_submissions: Vec<Submission> = Vec::new();
    let mut stored_route = 0;
    for (i, model) in models.iter().enumerate() {
        // The batch variants carry the same weights, hence the same weight
        // commitment, which a suite registers once: each variant after the
        // first is evaluated on a suite of its own (its setup not counted).
        let own_suite;
        let (suite, task_id, lineage) = if i == 0 {
            (&suite, task_id, lineage)
        } else {
            // Another funded account: the first suite's connection keeps
            // its own nonces for the dev account.
            let key = zkmltrack_devnet::genesis::account_keys(i)[i];
            let signer = PrivateKeySigner::from_bytes(&key).expect("test key");
            let chain = Chain::connect(&server.url(), Some(signer))
                .await
                .expect("devnet");
            // Its own SRS when the circuit needed a larger one.
            let reusable = ReusableVerifier {
                init_code: &init_codes[i],
                trusted_srs: model.bundle.trusted_srs().expect("a reusable bundle"),
            };
            own_suite = Suite::deploy(chain, &programs, Some(reusable), &|_| {})
                .await
                .expect("suite");
            let task_id = own_suite.create_task(&spec).await.expect("task");
            let lineage = own_suite.create_lineage("iris-mlp").await.expect("lineage");
            large_tasks.clear();
            ledger.take();
            (&own_suite, task_id, lineage)
        };
        let vka = model.bundle.vka_words();
        let registered = suite
            .register_version(
                lineage,
                model.onnx_hash,
                model.weight_hash,
                &vka,
                &model.package.reference(),
                "bench",
            )
            .await
            .expect("version");
        if model.batch == 1 {
            stored_route = registered.route_id;
        }
        let register = ledger.take();
        let samples = SAMPLES.max(model.batch as u32);
        let (rows, quantized) = (&model.task_rows.rows, &model.task_rows.quantized);
        let spec = model.task_rows.spec(samples);
        let task_id = if samples == SAMPLES {
            task_id
        } else {
            if let std::collections::btree_map::Entry::Vacant(slot) = large_tasks.entry(samples) {
                slot.insert(suite.create_task(&spec).await.expect("task"));
                ledger.one("createTask");
            }
            large_tasks[&samples]
        };
        let evaluation_id = suite
            .open_evaluation(task_id, registered.version_id)
            .await
            .expect("open");
        let open = ledger.one("openEvaluation");
        let drawn = suite.draw(evaluation_id).await.expect("draw");
        let draw = ledger.one("draw");
        let indices = drawn_indices(drawn.seed, samples, spec.dataset_size);
        let mut submits = Vec::new();
        let mut first = None;
        for chunk in indices.chunks(model.batch) {
            progress(&format!("batch {}: proving rows {chunk:?}", model.batch));
            let batch_rows: Vec<Vec<f64>> =
                chunk.iter().map(|&i| rows[i as usize].clone()).collect();
            let proof = model.circuit.prove(&batch_rows, &|_| {}).expect("proof");
            let sub = submission(quantized, chunk, &proof).expect("submission");
            suite.submit(evaluation_id, &sub).await.expect("submit");
            submits.push(ledger.one("submitSamples"));
            first.get_or_insert(sub);
        }
        let first = first.expect("at least one proof");
        let done = suite.evaluation(evaluation_id).await.expect("evaluation");
        // The largest batch again on a hidden task of the same rows: the
        // owner reveals the drawn rows, the participant proves them as
        // revealed and submits without Merkle hashes.
        if i + 1 == models.len() {
            progress(&format!("batch {}: a hidden task", model.batch));
            let hidden_task = suite
                .create_task(&TaskSpec {
                    samples,
                    hidden: true,
                    randomness: suite.deployment.hidden_set,
                    ..spec.clone()
                })
                .await
                .expect("hidden task");
            ledger.one("createTask");
            let hidden_evaluation = suite
                .open_evaluation(hidden_task, registered.version_id)
                .await
                .expect("open");
            let open = ledger.one("openEvaluation");
            suite
                .fix_hidden_draw(hidden_evaluation)
                .await
                .expect("draw fixed");
            let fix_draw = ledger.one("draw (HiddenSet)");
            suite
                .reveal_rows(hidden_evaluation, quantized, ROWS_PER_REVEAL, &|_| {})
                .await
                .expect("revealed");
            let reveals = ledger.take();
            let revealed = suite
                .revealed_rows(hidden_evaluation)
                .await
                .expect("revealed rows");
            let values: Vec<Vec<f64>> = revealed
                .iter()
                .map(|r| rows[r.index as usize].clone())
                .collect();
            let proof = model.circuit.prove(&values, &|_| {}).expect("proof");
            let sub = Submission {
                labels: revealed.iter().map(|r| r.label).collect(),
                merkle_proofs: Vec::new(),
                proof: proof.bytes.clone().into(),
                instances: proof
                    .instances
                    .iter()
                    .map(|f| U256::from_be_bytes(f.to_be_bytes()))
                    .collect(),
                vka: Vec::new(),
            };
            suite
                .submit(hidden_evaluation, &sub)
                .await
                .expect("hidden submission");
            let submit = ledger.one("submitSamples");
            hidden_gas = Some(HiddenGas {
                samples,
                rows_per_reveal: ROWS_PER_REVEAL,
                open,
                fix_draw,
                reveals,
                submit,
                public_submit: submits.last().expect("a public submission").clone(),
            });
        }
        suite
            .chain()
            .transact(
                "verifying the first proof directly",
                suite.deployment.reusable_verifier.expect("verifier"),
                &IReusableVerifier::verifyProofCall {
                    proof: first.proof.clone(),
                    instances: first.instances.clone(),
                    vka: vka.clone(),
                },
                U256::ZERO,
            )
            .await
            .expect("direct verification");
        let verifier_direct = ledger.one("verifyProof (reusable)");
        evaluations.push(EvaluationGas {
            batch: model.batch,
            samples,
            instances_per_proof: first.instances.len(),
            proof_bytes: first.proof.len(),
            register,
            open,
            draw,
            submits,
            verifier_direct,
            correct: done.correct,
        });
        first_submissions.push(first);
    }

    // A second version of the batch-1 architecture (the weak training,
    // compiled under the route's package): its weight hash on the existing
    // route, no VKA and no route.
    progress("a second version on the batch-1 route");
    let weak = prover
        .circuit_with_settings(
            &repo.join("examples/iris/model_weak.onnx"),
            &models[0].package.settings(),
            &|_| {},
        )
        .expect("weak circuit");
    let weak_weights = weak
        .weight_hash(&rows[..1])
        .expect("witness")
        .map(|f| B256::from(f.to_be_bytes()))
        .expect("hashed parameters");
    let weak_version = suite
        .register_version_on(
            lineage,
            weak.onnx_hash(),
            weak_weights,
            stored_route,
            "weak",
        )
        .await
        .expect("a version on the existing route")
        .version_id;
    let register_on_route = ledger.one("registerVersion");

    // Bonds: a task that requires one, an opening that posts it, and its
    // settlement (here the owner's, after a beacon draw left to lapse).
    progress("a bonded task");
    let bonded = suite.create_task(&spec).await.expect("task");
    ledger.one("createTask");
    suite
        .set_bond_terms(
            bonded,
            zkmltrack::suite::BondTerms {
                bond: U256::from(10u64).pow(U256::from(15u64)),
                window: 7_200,
            },
        )
        .await
        .expect("terms");
    let set_terms = ledger.one("setTerms");
    let bonded_evaluation = suite
        .open_evaluation(bonded, weak_version)
        .await
        .expect("bonded opening");
    let open_bonded = ledger.one("openEvaluation");
    let _: serde_json::Value = suite
        .chain()
        .provider()
        .raw_request(
            "anvil_mine".into(),
            (U256::from(spec.draw_delay as u64 + 257),),
        )
        .await
        .expect("anvil_mine");
    suite.draw(bonded_evaluation).await.expect("expires");
    ledger.one("draw");
    suite.settle_bond(bonded_evaluation).await.expect("settles");
    let settle = ledger.one("settle");

    // Chainlink VRF v2.5: a VrfProvider on Chainlink's own coordinator mock,
    // an opening that requests a word, and the coordinator's fulfilment.
    progress("a VRF task (Chainlink's VRFCoordinatorV2_5Mock)");
    let vrf = vrf_gas(
        &suite,
        &mut ledger,
        &programs,
        &solc,
        &spec,
        weak_version,
        false,
    )
    .await;
    progress("a hidden task drawing from VRF");
    let hidden_vrf = vrf_gas(
        &suite,
        &mut ledger,
        &programs,
        &solc,
        &spec,
        weak_version,
        true,
    )
    .await;

    // What entering each program costs (Nitro's init and cached-init gas,
    // from the module costs activation recorded), and how often a public
    // submission enters each (counted from the contracts' code; on an empty
    // board: the Leaderboard reads the version of each entry on a board).
    let entries: Vec<(&str, u64, u64, u64)> = {
        let d = &suite.deployment;
        let chain = server.chain();
        let chain = chain.lock().expect("devnet lock");
        [
            ("TaskController", d.controller, 1, 1),
            ("ModelRegistry (submissionContext: the pause switch, the task and the version; the last submission's Leaderboard reads the version again)", d.registry, 1, 2),
            ("DatasetVerifier (verifyRows)", d.dataset_verifier, 1, 1),
            ("VerifierRouter (verify; it calls the EVM verifier)", d.router, 1, 1),
            ("Leaderboard (record, the last submission only)", d.leaderboard, 0, 1),
        ]
        .into_iter()
        .map(|(name, address, per_submission, last)| {
            let codehash = keccak256(chain.code(address));
            let word = chain.storage(
                Address::new(zkmltrack_protocol::system::ARB_WASM),
                zkmltrack_devnet::stylus::program::activation_slot(codehash),
            );
            let info = zkmltrack_devnet::stylus::program::ActivationInfo::from_word(word)
                .expect("an activated program");
            (name, info.costs.entry_gas(), per_submission, last)
        })
        .collect()
    };

    // Verification paths for one single-sample proof.
    progress("verification paths");
    let single = &first_submissions[0];
    let vka = models[0].bundle.vka_words();
    let digest = zkmltrack::suite::vka_digest(&vka);
    let router = suite.deployment.router;
    let chain = suite.chain();
    let receipt = chain
        .transact(
            "adding a calldata-VKA route",
            router,
            &Router::addReusableRouteCall {
                verifier: suite.deployment.reusable_verifier.expect("verifier"),
                vka_store: Address::ZERO,
                vka_digest: digest,
                package_hash: models[0].package.hash,
                package_uri: models[0].package.reference().uri.into_bytes().into(),
            },
            U256::ZERO,
        )
        .await
        .expect("calldata route");
    let calldata_route = event::<Router::RouteAdded>(&receipt)
        .expect("RouteAdded")
        .route_id;
    let add_calldata_route = ledger.one("addReusableRoute");
    let plain_verifier = chain
        .deploy_evm(
            "deploying the plain verifier",
            plain.init_code().expect("init code").into(),
        )
        .await
        .expect("plain verifier");
    let deploy_plain = ledger.one("deploy");
    let receipt = chain
        .transact(
            "adding a plain route",
            router,
            &Router::addPlainRouteCall {
                verifier: plain_verifier,
                package_hash: models[0].package.hash,
                package_uri: models[0].package.reference().uri.into_bytes().into(),
            },
            U256::ZERO,
        )
        .await
        .expect("plain route");
    let plain_route = event::<Router::RouteAdded>(&receipt)
        .expect("RouteAdded")
        .route_id;
    let add_plain_route = ledger.one("addPlainRoute");
    chain
        .transact(
            "verifying with the plain verifier",
            plain_verifier,
            &IPlainVerifier::verifyProofCall {
                proof: single.proof.clone(),
                instances: single.instances.clone(),
            },
            U256::ZERO,
        )
        .await
        .expect("plain verification");
    let plain_direct = ledger.one("verifyProof (plain)");
    let mut via_router = Vec::new();
    for (route_id, vk_digest, vka_arg, what) in [
        (
            plain_route,
            keccak256(plain.runtime_code().expect("runtime code")),
            Vec::new(),
            "plain route",
        ),
        (
            stored_route,
            digest,
            Vec::new(),
            "reusable verifier, VKA stored (the router's default)",
        ),
        (
            calldata_route,
            digest,
            vka.clone(),
            "reusable verifier, VKA as calldata",
        ),
    ] {
        chain
            .transact(
                &format!("verifying through the router ({what})"),
                router,
                &Router::verifyCall {
                    route_id,
                    vk_digest,
                    proof: single.proof.clone(),
                    instances: single.instances.clone(),
                    vka: vka_arg,
                },
                U256::ZERO,
            )
            .await
            .expect("router verification");
        let tx = ledger.one("router.verify");
        via_router.push(TxGas {
            what: what.into(),
            ..tx
        });
    }

    // Tables.
    let header = format!(
        "Command: `cargo run --release -p zkmltrack-bench --bin gas -- --write docs/benchmarks.md` \
         (run by `scripts/bench`). Machine: {}. In-process devnet (ArbOS 51 rules: revm 43 with \
         Osaka, Stylus metered with Nitro v3.9.9's exact ink, see `docs/devnet.md`), {} with a test-only SRS, Iris MLP \
         at scale {SCALE}, task of {} rows ({} for batches above {}), {SAMPLES} samples drawn per \
         evaluation. Gas is each transaction's `gasUsed` as sent by the SDK.",
        machine(),
        tool_versions(),
        spec.dataset_size,
        all.rows.len(),
        eval.rows.len(),
    );
    let mut md = header + "\n\n";
    md += "**Setting up** (once per suite, task, model version)\n\n| transaction | gas used | calldata bytes |\n|---|---:|---:|\n";
    let row = |t: &TxGas| {
        format!(
            "| {} | {} | {} |\n",
            t.what,
            thousands(t.gas),
            thousands(t.calldata as u64)
        )
    };
    for t in &deployment {
        md += &row(t);
    }
    md += &row(&TxGas {
        what: "createTask".into(),
        ..create_task.clone()
    });
    md += &row(&create_lineage);
    for (t, what) in evaluations[0].register.iter().zip([
        "VKA data contract (EVM, 0x00 + VKA words), batch-1 circuit",
        "addReusableRoute (reads the VKA, registers it with the verifier)",
        "registerVersion",
    ]) {
        md += &row(&TxGas {
            what: what.into(),
            ..t.clone()
        });
    }
    md += &row(&TxGas {
        what: "registerVersion of another training on that route (no VKA, no route)".into(),
        ..register_on_route.clone()
    });
    md += &row(&TxGas {
        what: "setTerms (BondVault: a task's bond and submission window)".into(),
        ..set_terms.clone()
    });
    md += &row(&TxGas {
        what: "openEvaluation of a bonded task (the bond held in the BondVault)".into(),
        ..open_bonded.clone()
    });
    md += &row(&TxGas {
        what: "settle (BondVault: pays a bond out)".into(),
        ..settle.clone()
    });
    md += &row(&TxGas {
        what: "VrfProvider (Stylus, deploy + activate + constructor)".into(),
        ..vrf.deploy.clone()
    });
    md += &row(&TxGas {
        what: "openEvaluation of a VRF task (the provider's requestRandomWords to the coordinator mock)"
            .into(),
        ..vrf.open.clone()
    });
    md += &row(&TxGas {
        what: format!(
            "fulfillRandomWords (coordinator mock; of which the callback, provider -> controller -> \
             registry, about {} as the mock charges it)",
            thousands(vrf.callback_gas)
        ),
        ..vrf.fulfil.clone()
    });
    md += &row(&TxGas {
        what: "openEvaluation of a hidden task drawing from VRF (controller -> HiddenSet -> provider -> coordinator mock)".into(),
        ..hidden_vrf.open.clone()
    });
    md += &row(&TxGas {
        what: format!(
            "fulfillRandomWords of that request (provider -> HiddenSet: the draw fixed, the rows \
             held on the task; the callback about {} as the mock charges it)",
            thousands(hidden_vrf.callback_gas)
        ),
        ..hidden_vrf.fulfil.clone()
    });

    md += &format!(
        "\n**Evaluating, by samples per proof** (one evaluation each: {SAMPLES} samples drawn, or one \
         proof of all drawn samples for the larger batches, on a second task over the same rows, or \
         over all 150 Iris rows above 50; a \
         submission checks each sample's leaf and Merkle path in the DatasetVerifier, the route, \
         has the router verify the proof, and scores; the last one also finalizes the accuracy and \
         updates the leaderboard. \"Verifier alone\" is the evaluation's first proof sent straight \
         to the reusable verifier with its VKA as calldata; \"the rest\" is everything else a \
         submission costs: per-sample Poseidon leaf and path checks, calldata, storage, the \
         controller and router)\n\n\
         | samples per proof | samples drawn | proofs | public instances per proof | proof bytes | \
         openEvaluation | draw | submitSamples (mean) | last submit (finalizes) | verifier alone, per proof | \
         **gas per sample** (submissions) | of which verifier | of which the rest | whole evaluation per sample | \
         goal <= {} per sample |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
        thousands(GOAL_PER_SAMPLE)
    );
    let mut best = (u64::MAX, 0);
    for e in &evaluations {
        let per_sample = e.per_sample();
        if per_sample < best.0 {
            best = (per_sample, e.batch);
        }
        let verifier = e.verifier_direct.gas / e.batch as u64;
        md += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | **{}** | {} | {} | {} | {} |\n",
            e.batch,
            e.samples,
            e.submits.len(),
            e.instances_per_proof,
            thousands(e.proof_bytes as u64),
            thousands(e.open.gas),
            thousands(e.draw.gas),
            thousands(e.submit_total() / e.submits.len() as u64),
            thousands(e.submits.last().expect("a submission").gas),
            thousands(e.verifier_direct.gas),
            thousands(per_sample),
            thousands(verifier),
            thousands(per_sample.saturating_sub(verifier)),
            thousands(e.total() / e.samples as u64),
            if per_sample <= GOAL_PER_SAMPLE {
                "met"
            } else {
                "**missed**"
            }
        );
    }
    let single_plain = plain_direct.gas;
    md += &format!(
        "\nBest: {} gas per sample at {} samples per proof, {:.2}x one plain EZKL verification \
         ({} here; the goal asks for >= 9x below it); goal <= {} per sample {}.\n",
        thousands(best.0),
        best.1,
        single_plain as f64 / best.0 as f64,
        thousands(single_plain),
        thousands(GOAL_PER_SAMPLE),
        if best.0 <= GOAL_PER_SAMPLE {
            "met"
        } else {
            "**missed**"
        }
    );

    if let Some(h) = &hidden_gas {
        let revealed_gas: u64 = h.reveals.iter().map(|t| t.gas).sum();
        let per_row = revealed_gas / h.samples as u64;
        let hidden = h.submit.gas / h.samples as u64;
        let public = h.public_submit.gas / h.samples as u64;
        md += &format!(
            "\n**A hidden task** ({} samples, one proof; the task owner reveals {} rows per \
             transaction, each checked against the root by the DatasetVerifier, its digest stored; \
             the submission checks each row's digest in the HiddenSet instead of its leaf and \
             Merkle path)\n\n\
             | step | gas used | per sample |\n|---|---:|---:|\n\
             | openEvaluation (HiddenSet's requestRandomness records nothing) | {} | {} |\n\
             | draw (HiddenSet: beacon hash, rows held on the task) | {} | {} |\n\
             | reveal, {} transactions (owner) | {} | **{}** per row |\n\
             | submitSamples, hidden task | {} | **{}** |\n\
             | submitSamples, public task (same batch, above) | {} | **{}** |\n\n\
             Per sample, a hidden submission costs {:.2}x a public one ({} gas less: no leaf, no \
             Merkle nodes, no proof hashes in calldata); counting the owner's reveal, the rows \
             cost {:.2}x (Poseidon is paid once, at the reveal, plus a stored word per row).\n",
            h.samples,
            h.rows_per_reveal,
            thousands(h.open.gas),
            thousands(h.open.gas / h.samples as u64),
            thousands(h.fix_draw.gas),
            thousands(h.fix_draw.gas / h.samples as u64),
            h.reveals.len(),
            thousands(revealed_gas),
            thousands(per_row),
            thousands(h.submit.gas),
            thousands(hidden),
            thousands(h.public_submit.gas),
            thousands(public),
            hidden as f64 / public as f64,
            thousands(public.saturating_sub(hidden)),
            (hidden + per_row) as f64 / public as f64,
        );
    }
    {
        let per_submission: u64 = entries.iter().map(|e| e.1 * e.2).sum();
        let last: u64 = entries.iter().map(|e| e.1 * e.3).sum();
        md += "\n**Entering programs** (each Stylus call pays its program's entry: Nitro's \
               `initGas` + `cachedGas` from the module costs recorded at activation, no program \
               being cached by `ArbWasmCache`; ArbOS 60's recent-programs cache would make a second \
               entry within a transaction cheap)\n\n\
               | program | entry gas | entries per submission | in the last submission |\n|---|---:|---:|---:|\n";
        for (name, gas, n, last) in &entries {
            md += &format!("| {name} | {} | {n} | {last} |\n", thousands(*gas));
        }
        md += &format!(
            "\nA public submission enters {} programs ({} gas of entries), the one that \
             finalizes {} ({} gas); at the best batch that is {} gas per sample.\n",
            entries.iter().map(|e| e.2).sum::<u64>(),
            thousands(per_submission),
            entries.iter().map(|e| e.3).sum::<u64>(),
            thousands(last),
            thousands(last / best.1.max(1) as u64),
        );
    }
    md += "\n**Verifying one single-sample proof, by path** (8 public instances: the weight hash, 4 inputs, 3 outputs)\n\n\
           | path | gas used | calldata bytes | calldata gas |\n|---|---:|---:|---:|\n";
    let path_row = |what: &str, t: &TxGas| {
        format!(
            "| {what} | {} | {} | {} |\n",
            thousands(t.gas),
            thousands(t.calldata as u64),
            thousands(t.calldata_gas)
        )
    };
    md += &path_row(
        "EZKL plain verifier (key in code), called directly",
        &plain_direct,
    );
    md += &path_row(
        "EZKL reusable verifier + VKA as calldata, called directly",
        &evaluations[0].verifier_direct,
    );
    for t in &via_router {
        md += &path_row(&format!("router.verify: {}", t.what), t);
    }
    md += &format!(
        "\nRoute set-up: plain verifier deployment {} gas + addPlainRoute {}; calldata-VKA route {} \
         (nothing stored but the digest); stored-VKA route: the VKA data contract + addReusableRoute \
         above.\n",
        thousands(deploy_plain.gas),
        thousands(add_plain_route.gas),
        thousands(add_calldata_route.gas)
    );
    println!("{md}");

    let results = json!({
        "machine": machine(),
        "hidden": hidden_gas,
        "deployment": deployment,
        "create_task": create_task,
        "create_lineage": create_lineage,
        "evaluations": evaluations,
        "plain_direct": plain_direct,
        "via_router": via_router,
        "route_setup": { "deploy_plain": deploy_plain, "add_plain_route": add_plain_route, "add_calldata_route": add_calldata_route },
        "bond": { "set_terms": set_terms, "open_bonded": open_bonded, "settle": settle },
        "vrf": vrf,
        "hidden_vrf": hidden_vrf,
        "best_gas_per_sample": best.0,
        "best_batch": best.1,
    });
    eprintln!("raw results: {}", write_results("gas", &results).display());
    if let Some(file) = write {
        replace_section(Path::new(&file), "gas-bench", &md);
    }
    drop(server);
}
