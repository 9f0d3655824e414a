//! `zkmltrack serve` over a task with many finished evaluations: time to
//! first byte and to a rendered leaderboard, and the leaderboard API's
//! requests per second under concurrent clients on loopback.
//!
//! Stage 1 (resumable): a `zkmltrack devnet` process whose chain is saved
//! with `--state` under `target/bench/serve/b<SAMPLES>/n<N>/`; the suite
//! deployed through the SDK with the reusable verifier of one tiny circuit (a
//! Gemm from 2 features to 2 classes over a batch of [`SAMPLES`] rows,
//! `bench/serve_models.py`), one task over [`ROWS`] noisy rows drawing
//! [`SAMPLES`] per evaluation, and `--evaluations` (1,000) versions of that
//! graph with distinct weights and decision boundaries, each evaluated with
//! one real EZKL proof (so the board's accuracies differ, in steps of 1/32). With hashed parameters every weight set is compiled
//! under the one circuit's settings and proved with its one proving key; the
//! settings lower EZKL's decomposition base to 2^7 (4 legs), so the circuit
//! has 2^8 rows (with EZKL's 2^14 it had 2^15: a 528 MB proving key read on
//! every proof, ~18 s per evaluation instead of ~0.4 s). A later run finds the finished evaluations on the saved chain and goes on
//! from the first unfinished one (or skips the stage when all are there).
//!
//! Stage 2: the real `zkmltrack serve` (no `--sign`) over that chain:
//! time to first byte and total of the leaderboard page, the leaderboard API,
//! the task's in-progress API and the tasks page (cold, then warm); time to a
//! rendered leaderboard in headless Chromium (`bench/browser/render.mjs`);
//! and `--clients` (50) concurrent clients on the leaderboard API for
//! `--seconds` (10), every body compared with the expected leaderboard.
//!
//! `serve [--evaluations 1000] [--reps 20] [--clients 50] [--seconds 10]
//! [--only-create] [--write docs/benchmarks.md]`

use std::{
    collections::HashSet,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{keccak256, B256},
    signers::local::PrivateKeySigner,
    transports::http::reqwest,
};
use serde_json::{json, Value};
use zkmltrack::{
    chain::Chain,
    dataset::Dataset,
    evaluation::{drawn_indices, submission},
    prover::{Circuit, Prover, ProverConfig, SrsSource, VerifierKind},
    solc::Solc,
    suite::{Deployment, EvaluationStatus, ReusableVerifier, Suite, SuitePrograms, TaskSpec},
    verifier::generate,
};
use zkmltrack_bench::{arg, machine, median, replace_section, repo_root, thousands, write_results};
use zkmltrack_devnet::DEV_KEY;

/// The task's rows.
const ROWS: usize = 64;
/// The task's CSV: [`ROWS`] rows of 2 features in [0, 1) spread by two
/// coprime strides, and the label: 1 when the first is larger, flipped on
/// every fifth row (so no model is right on every row, and accuracies spread).
fn rows_csv() -> String {
    let mut csv = String::from("x0,x1,label\n");
    for j in 0..ROWS {
        let (x0, x1) = ((j * 37 + 11) % 100, (j * 59 + 3) % 100);
        let label = u8::from(x0 > x1) ^ u8::from(j % 5 == 0);
        csv.push_str(&format!("0.{x0:02},0.{x1:02},{label}\n"));
    }
    csv
}
/// The circuit's input scale (bits), the task's scale.
const SCALE: u32 = 7;
/// Samples drawn per evaluation: one proof of the model, whose batch this is.
const SAMPLES: u32 = 32;
/// Blocks a devnet saves its state after.
const STATE_INTERVAL: &str = "20";

fn progress(message: &str) {
    eprintln!("[serve] {message}");
}

/// A child process, ended on drop (SIGTERM, so a devnet saves its state).
struct Process {
    child: Child,
    what: &'static str,
}

impl Process {
    fn terminate(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(60);
            while self.child.try_wait().ok().flatten().is_none() {
                if Instant::now() > deadline {
                    eprintln!("[serve] {} did not end on SIGTERM; killing it", self.what);
                    let _ = self.child.kill();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// Spawns `cmd` (stdout piped) and returns it with the first value `find`
/// takes from its stdout lines; the rest of its stdout is drained.
fn spawn_until(
    mut cmd: Command,
    what: &'static str,
    mut find: impl FnMut(&str) -> Option<String>,
) -> (Process, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let found = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| find(&l))
        .unwrap_or_else(|| panic!("{what}: no address printed"));
    std::thread::spawn(move || for _ in lines {});
    (Process { child, what }, found)
}

fn zkmltrack_binary() -> PathBuf {
    let bin = repo_root().join("target/release/zkmltrack");
    assert!(
        bin.exists(),
        "{} is missing: cargo build --release -p zkmltrack-cli",
        bin.display()
    );
    bin
}

fn start_devnet(state: &Path) -> (Process, String) {
    let mut cmd = Command::new(zkmltrack_binary());
    cmd.args([
        "devnet",
        "--port",
        "0",
        "--state-interval",
        STATE_INTERVAL,
        "--state",
    ])
    .arg(state)
    .stderr(Stdio::inherit());
    spawn_until(cmd, "zkmltrack devnet", |l| {
        l.strip_prefix("listening on ").map(str::to_string)
    })
}

fn python(args: &[&str]) {
    let home = zkmltrack::python::zkmltrack_home();
    let python = zkmltrack::python::PythonEnv::ensure(&home)
        .expect("the EZKL environment")
        .python();
    let status = Command::new(python)
        .arg(repo_root().join("bench/serve_models.py"))
        .args(args)
        .status()
        .expect("python runs");
    assert!(status.success(), "bench/serve_models.py {args:?} failed");
}

/// The base circuit: under the settings `bench/serve_models.py settings`
/// writes (a smaller decomposition base than EZKL's default, so 2^8 rows
/// instead of 2^15), with a test SRS exactly as large (a larger one is
/// downsized on every load, ~10x slower).
fn base_circuit(work: &Path, base: &Path) -> Circuit<'static> {
    let settings = work.join("settings.json");
    if !settings.exists() {
        python(&[
            "settings",
            base.to_str().expect("a path"),
            settings.to_str().expect("a path"),
        ]);
    }
    let v: Value =
        serde_json::from_slice(&std::fs::read(&settings).expect("settings")).expect("JSON");
    let k = v["run_args"]["logrows"].as_u64().expect("logrows") as u32;
    let mut config = ProverConfig::new(work.join("circuits"), SrsSource::TestOnly);
    config.input_scale = Some(SCALE);
    config.test_srs_logrows = Some(k);
    let prover: &'static Prover = Box::leak(Box::new(Prover::new(config).expect("prover")));
    prover
        .circuit_with_settings(base, &settings, &|_| {})
        .expect("the base circuit")
}

/// What stage 1 left: the deployment and the task.
struct Chainstate {
    deployment: PathBuf,
    task_id: u64,
    /// `created.json`: evaluations created, seconds (the whole stage, summed
    /// over the runs that created some), seconds per phase.
    created: Value,
}

#[allow(clippy::too_many_lines)]
async fn create(n: usize, dir: &Path, url: &str) -> Chainstate {
    let started = Instant::now();
    let work = dir.parent().expect("the batch's folder").to_path_buf();
    let csv = work.join("rows.csv");
    std::fs::write(&csv, rows_csv()).expect("rows.csv");
    let data = Dataset::from_csv(&csv).expect("rows");
    let rows: Vec<Vec<f64>> = data.rows.iter().map(|r| r.features.clone()).collect();
    let quantized = data.quantize(SCALE).expect("quantized rows");
    let base = work.join("base.onnx");
    if !base.exists() {
        python(&["base", base.to_str().expect("a path"), &SAMPLES.to_string()]);
    }
    let mut circuit = base_circuit(&work, &base);
    let prover = circuit.prover();
    let models = work.join(format!(
        "models-{}",
        circuit.paths.dir.file_name().expect("id").to_string_lossy()
    ));
    progress(&format!(
        "compiling {n} weight sets under the base circuit's settings"
    ));
    python(&[
        "variants",
        base.to_str().expect("a path"),
        circuit.paths.settings.to_str().expect("a path"),
        models.to_str().expect("a path"),
        "0",
        &n.to_string(),
    ]);

    let signer = PrivateKeySigner::from_bytes(&DEV_KEY).expect("dev key");
    let chain = Chain::connect(url, Some(signer)).await.expect("devnet");
    let deployment_file = dir.join("deployment.json");
    let setup_file = dir.join("setup.json");
    let setup: Option<Value> = std::fs::read(&setup_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let (suite, task_id, lineage, route) = match setup {
        Some(s) => {
            let deployment = Deployment::read(&deployment_file).expect("deployment.json");
            let suite = Suite::attach(chain, deployment)
                .await
                .expect("the saved suite");
            let task_id = s["task"].as_u64().expect("task");
            assert!(
                suite.task_count().await.expect("tasks") >= task_id,
                "the saved chain lacks task {task_id}: delete {} and run again",
                dir.display()
            );
            (
                suite,
                task_id,
                s["lineage"].as_u64().expect("lineage"),
                s["route"].as_u64().expect("route"),
            )
        }
        None => {
            progress("deploying the suite with the circuit's reusable verifier");
            let solc = Solc::ensure(&prover.config().home).expect("solc");
            let bundle = generate(&circuit, VerifierKind::Reusable, &solc).expect("verifier");
            let init_code = bundle.init_code().expect("init code");
            let programs = SuitePrograms::from_dir(&repo_root().join("contracts/target/stylus"))
                .expect("built programs (scripts/build-contracts)");
            let reusable = ReusableVerifier {
                init_code: &init_code,
                trusted_srs: bundle.trusted_srs().expect("a reusable bundle"),
            };
            let suite = Suite::deploy(chain, &programs, Some(reusable), &|_| {})
                .await
                .expect("suite");
            suite
                .deployment
                .write(&deployment_file)
                .expect("deployment.json");
            let spec = TaskSpec::from_csv(&csv, SCALE, SAMPLES, 1).expect("task spec");
            let task_id = suite.create_task(&spec).await.expect("task");
            let lineage = suite.create_lineage("serve-bench").await.expect("lineage");
            let package = zkmltrack::architecture::of_circuit(
                &circuit,
                zkmltrack::architecture::bundle_digest(&bundle),
                &|_| {},
            )
            .expect("architecture package");
            let route = suite
                .add_model_route(&bundle.vka_words(), &package.reference())
                .await
                .expect("route");
            assert!(route.approved, "the owner's route is approved");
            std::fs::write(
                &setup_file,
                json!({ "task": task_id, "lineage": lineage, "route": route.id }).to_string(),
            )
            .expect("setup.json");
            (suite, task_id, lineage, route.id)
        }
    };
    let spec = suite.task(task_id).await.expect("task").spec;

    let opened = suite
        .evaluations_of_task(task_id)
        .await
        .expect("evaluations");
    let mut seen = HashSet::new();
    let mut done_before = 0;
    let mut timed = Instant::now();
    let mut timed_count = 0;
    // Seconds spent per phase: weight hash, register + open, draw, prove, submit.
    let mut phases = [0.0f64; 5];
    fn mark(phases: &mut [f64; 5], phase: usize, lap: &mut Instant) {
        phases[phase] += lap.elapsed().as_secs_f64();
        *lap = Instant::now();
    }
    for i in 0..n {
        let existing = match opened.get(i) {
            Some(&id) => {
                let e = suite.evaluation(id).await.expect("evaluation");
                if e.status == EvaluationStatus::Finalized {
                    done_before += 1;
                    continue;
                }
                Some(e)
            }
            None => None,
        };
        if i == done_before && i > 0 && existing.is_none() && timed_count == 0 {
            progress(&format!(
                "{done_before} evaluations finished on the saved chain; going on"
            ));
            timed = Instant::now();
        }
        circuit.paths.compiled = models.join(format!("model-{i}.compiled"));
        let mut lap = Instant::now();
        let evaluation_id = match existing {
            Some(e) => e.id,
            None => {
                let weight_hash = circuit
                    .weight_hash(&rows[..SAMPLES as usize])
                    .expect("witness")
                    .map(|f| B256::from(f.to_be_bytes()))
                    .expect("hashed parameters");
                assert!(
                    seen.insert(weight_hash),
                    "weight set {i} repeats a commitment"
                );
                mark(&mut phases, 0, &mut lap);
                let version_id = match suite.version_of_weights(weight_hash).await.expect("lookup")
                {
                    Some(v) => v,
                    None => {
                        let onnx =
                            std::fs::read(models.join(format!("model-{i}.onnx"))).expect("model");
                        suite
                            .register_version_on(
                                lineage,
                                keccak256(&onnx),
                                weight_hash,
                                route,
                                "serve-bench",
                            )
                            .await
                            .expect("version")
                            .version_id
                    }
                };
                suite
                    .open_evaluation(task_id, version_id)
                    .await
                    .expect("open")
            }
        };
        mark(&mut phases, 1, &mut lap);
        let drawn = suite.draw(evaluation_id).await.expect("draw");
        mark(&mut phases, 2, &mut lap);
        assert_eq!(
            drawn.status,
            EvaluationStatus::Drawn,
            "evaluation {evaluation_id}"
        );
        let indices = drawn_indices(drawn.seed, spec.samples, spec.dataset_size);
        let batch: Vec<Vec<f64>> = indices.iter().map(|&r| rows[r as usize].clone()).collect();
        let proof = circuit.prove(&batch, &|_| {}).expect("proof");
        mark(&mut phases, 3, &mut lap);
        let sub = submission(&quantized, &indices, &proof).expect("submission");
        suite.submit(evaluation_id, &sub).await.expect("submit");
        mark(&mut phases, 4, &mut lap);
        timed_count += 1;
        if timed_count % 10 == 0 || timed_count <= 3 || i + 1 == n {
            let rate = timed_count as f64 / timed.elapsed().as_secs_f64();
            let each = |p: usize| phases[p] / timed_count as f64;
            progress(&format!(
                "{}/{n} evaluations finished, {rate:.2} per second ({:.2} s each: weight hash {:.2}, \
                 register + open {:.2}, draw {:.2}, prove {:.2}, submit {:.2}), {:.0} s to go",
                i + 1,
                1.0 / rate,
                each(0),
                each(1),
                each(2),
                each(3),
                each(4),
                (n - i - 1) as f64 / rate
            ));
        }
    }
    // What creating the chain cost, summed over the runs that added to it.
    let created_file = dir.join("created.json");
    let mut created: Value = std::fs::read(&created_file)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(
            || json!({ "evaluations": 0, "seconds": 0.0, "phases": [0.0, 0.0, 0.0, 0.0, 0.0] }),
        );
    if timed_count > 0 {
        let loop_seconds = timed.elapsed().as_secs_f64();
        progress(&format!(
            "{timed_count} evaluations created in {loop_seconds:.1} s ({:.2} s each)",
            loop_seconds / timed_count as f64
        ));
        let add = |v: &Value, x: f64| v.as_f64().unwrap_or(0.0) + x;
        let mut sums = [0.0; 5];
        for (p, sum) in sums.iter_mut().enumerate() {
            *sum = add(&created["phases"][p], phases[p]);
        }
        created = json!({
            "evaluations": created["evaluations"].as_u64().unwrap_or(0) + timed_count as u64,
            "seconds": add(&created["seconds"], started.elapsed().as_secs_f64()),
            "phases": sums,
        });
        std::fs::write(&created_file, created.to_string()).expect("created.json");
    }
    let after = suite
        .evaluations_of_task(task_id)
        .await
        .expect("evaluations");
    assert_eq!(
        after.len(),
        n,
        "task {task_id} has {} evaluations",
        after.len()
    );
    Chainstate {
        deployment: deployment_file,
        task_id,
        created,
    }
}

/// The sentence on stage 1's cost.
fn stage1(created: &Value) -> String {
    let n = created["evaluations"].as_u64().unwrap_or(0).max(1) as f64;
    let each = |p: usize| created["phases"][p].as_f64().unwrap_or(0.0) / n;
    format!(
        "Creating the chain (the circuit, the weight sets compiled, the deployment, then per evaluation \
         a version, an opening, a draw, a proof and a submission) took {:.0} s ({:.2} s per evaluation: \
         weight hash {:.2}, register + open {:.2}, draw {:.2}, prove {:.2}, submit {:.2}); the chain is \
         saved (`--state`) and reused by later runs.",
        created["seconds"].as_f64().unwrap_or(0.0),
        (0..5).map(each).sum::<f64>(),
        each(0),
        each(1),
        each(2),
        each(3),
        each(4),
    )
}

/// Milliseconds of some measurements, with their median and maximum.
fn p50_max(v: &[f64]) -> (f64, f64) {
    (median(v.to_vec()), v.iter().copied().fold(0.0, f64::max))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One GET: (time to the response headers, total, status, body).
async fn get(client: &reqwest::Client, url: &str) -> (f64, f64, u16, Vec<u8>) {
    let started = Instant::now();
    let response = client.get(url).send().await.expect("a response");
    let ttfb = started.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("a body").to_vec();
    (ttfb, started.elapsed().as_secs_f64() * 1000.0, status, body)
}

struct Route {
    what: String,
    path: String,
    cold_ttfb: f64,
    cold_total: f64,
    ttfb: Vec<f64>,
    total: Vec<f64>,
    /// Each request after a new (empty) block: every per-block cache missed.
    new_block_ttfb: Vec<f64>,
    new_block_total: Vec<f64>,
    bytes: usize,
}

/// Mines one empty block on the devnet at `url`.
async fn mine(client: &reqwest::Client, url: &str) {
    let answer: Value = client
        .post(url)
        .json(&json!({ "jsonrpc": "2.0", "id": 1, "method": "anvil_mine", "params": ["0x1"] }))
        .send()
        .await
        .expect("anvil_mine")
        .json()
        .await
        .expect("a JSON-RPC answer");
    assert!(answer.get("error").is_none(), "anvil_mine: {answer}");
}

#[allow(clippy::too_many_lines)]
fn main() {
    let n: usize = arg("--evaluations").map_or(1000, |v| v.parse().expect("--evaluations"));
    let reps: usize = arg("--reps").map_or(20, |v| v.parse().expect("--reps"));
    let clients: usize = arg("--clients").map_or(50, |v| v.parse().expect("--clients"));
    let seconds: u64 = arg("--seconds").map_or(10, |v| v.parse().expect("--seconds"));
    let only_create = std::env::args().any(|a| a == "--only-create");
    let write = arg("--write");
    let dir = repo_root().join(format!("target/bench/serve/b{SAMPLES}/n{n}"));
    std::fs::create_dir_all(&dir).expect("target/bench/serve");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    // Stage 1.
    let state = dir.join("chain.state");
    let (mut devnet, url) = start_devnet(&state);
    progress(&format!("devnet at {url}, state {}", state.display()));
    let made = runtime.block_on(create(n, &dir, &url));
    progress(&format!("stage 1: {}", made.created));
    if only_create {
        devnet.terminate();
        return;
    }

    // Stage 2: the server.
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    let mut cmd = Command::new(zkmltrack_binary());
    cmd.args([
        "serve",
        "--json",
        "--listen",
        "127.0.0.1:0",
        "--rpc-url",
        &url,
        "--deployment",
    ])
    .arg(&made.deployment)
    .arg("--workspace")
    .arg(dir.join("serve-work"))
    .env_remove("ZKMLTRACK_PRIVATE_KEY")
    .stderr(Stdio::inherit());
    let (mut server, base) = spawn_until(cmd, "zkmltrack serve", |l| {
        serde_json::from_str::<Value>(l)
            .ok()
            .and_then(|v| v["listening"].as_str().map(str::to_string))
    });
    progress(&format!("zkmltrack serve at {base}"));
    let task = made.task_id;
    // The best evaluation's page: its task's audit (every finalized
    // evaluation's proofs re-verified) runs on the first request.
    let best = runtime.block_on(async {
        let chain = Chain::connect(&url, None).await.expect("devnet");
        let deployment = Deployment::read(&made.deployment).expect("deployment");
        let suite = Suite::attach(chain, deployment).await.expect("suite");
        suite.leaderboard(task).await.expect("leaderboard")[0].evaluation_id
    });
    let paths = [
        ("leaderboard page", format!("/tasks/{task}")),
        ("leaderboard API", format!("/api/tasks/{task}/leaderboard")),
        (
            "in-progress API (what the page adds)",
            format!("/api/tasks/{task}/evaluations"),
        ),
        ("tasks page", "/".to_string()),
        (
            "the task's audit API (cold: the whole audit)",
            format!("/api/tasks/{task}/audit"),
        ),
        (
            "the best evaluation's page (with the audit's verdict)",
            format!("/evaluations/{best}"),
        ),
    ];
    let (routes, expected): (Vec<Route>, Vec<u8>) = runtime.block_on(async {
        let mut routes = Vec::new();
        for (what, path) in &paths {
            // Cold: the first request of the route, on a new connection.
            let fresh = reqwest::Client::new();
            let (cold_ttfb, cold_total, status, body) = get(&fresh, &format!("{base}{path}")).await;
            assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
            routes.push(Route {
                what: (*what).into(),
                path: path.clone(),
                cold_ttfb,
                cold_total,
                ttfb: Vec::new(),
                total: Vec::new(),
                new_block_ttfb: Vec::new(),
                new_block_total: Vec::new(),
                bytes: body.len(),
            });
        }
        let client = reqwest::Client::new();
        for _ in 0..reps {
            for r in routes.iter_mut() {
                let (ttfb, total, status, _) = get(&client, &format!("{base}{}", r.path)).await;
                assert_eq!(status, 200, "{}", r.path);
                r.ttfb.push(ttfb);
                r.total.push(total);
            }
        }
        // A busy chain: a new block before each request.
        let rpc = reqwest::Client::new();
        for _ in 0..reps {
            for r in routes.iter_mut() {
                mine(&rpc, &url).await;
                let (ttfb, total, status, _) = get(&client, &format!("{base}{}", r.path)).await;
                assert_eq!(status, 200, "{}", r.path);
                r.new_block_ttfb.push(ttfb);
                r.new_block_total.push(total);
            }
        }
        let (_, _, _, expected) = get(&client, &format!("{base}{}", paths[1].1)).await;
        (routes, expected)
    });
    // The expected leaderboard: the chain's own, through the SDK.
    let board: Vec<Value> = serde_json::from_slice(&expected).expect("a JSON leaderboard");
    let chain_board = runtime.block_on(async {
        let chain = Chain::connect(&url, None).await.expect("devnet");
        let deployment = Deployment::read(&made.deployment).expect("deployment");
        let suite = Suite::attach(chain, deployment).await.expect("suite");
        // What the page's in-progress read cost when it made one
        // `evaluation()` call per opened evaluation (before it read events):
        // the same reads, through the SDK, against the same devnet.
        let mut per_call = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            for id in suite.evaluations_of_task(task).await.expect("opened") {
                suite.evaluation(id).await.expect("evaluation");
            }
            per_call.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        (
            suite.leaderboard(task).await.expect("leaderboard"),
            median(per_call),
        )
    });
    let (chain_board, per_call_ms) = chain_board;
    // One new suite log (a lineage created) and the audit again: renewed
    // from the kept one, re-using its 1,000 records.
    let renewal_ms = runtime.block_on(async {
        let signer = PrivateKeySigner::from_bytes(&DEV_KEY).expect("dev key");
        let chain = Chain::connect(&url, Some(signer)).await.expect("devnet");
        let deployment = Deployment::read(&made.deployment).expect("deployment");
        let suite = Suite::attach(chain, deployment).await.expect("suite");
        suite
            .create_lineage("serve-bench-renewal")
            .await
            .expect("a lineage");
        let client = reqwest::Client::new();
        let (_, total, status, _) = get(&client, &format!("{base}/api/tasks/{task}/audit")).await;
        assert_eq!(status, 200);
        total
    });
    assert_eq!(
        board.len(),
        chain_board.len(),
        "the API's board and the chain's differ"
    );
    for (a, b) in board.iter().zip(&chain_board) {
        assert_eq!(a["evaluation_id"].as_u64(), Some(b.evaluation_id), "{a}");
        assert_eq!(
            a["accuracy_bps"].as_u64(),
            Some(u64::from(b.accuracy_bps)),
            "{a}"
        );
    }
    let accuracies: Vec<String> = chain_board
        .iter()
        .map(|e| format!("{:.2}%", f64::from(e.accuracy_bps) / 100.0))
        .collect();

    // Time to a rendered leaderboard, headless Chromium.
    progress("headless Chromium");
    let browser = Command::new("node")
        .arg(repo_root().join("bench/browser/render.mjs"))
        .arg(&base)
        .arg(task.to_string())
        .arg(chain_board.len().to_string())
        .arg(reps.min(10).to_string())
        .stderr(Stdio::inherit())
        .output()
        .expect("node runs");
    assert!(browser.status.success(), "bench/browser/render.mjs failed");
    let rendered: Value = serde_json::from_slice(&browser.stdout).expect("render.mjs prints JSON");

    // The leaderboard API under concurrent clients.
    progress(&format!(
        "{clients} clients on the leaderboard API for {seconds} s"
    ));
    let api = format!("{base}{}", paths[1].1);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let results: Vec<(Vec<f64>, Vec<String>)> = runtime.block_on(async {
        let tasks: Vec<_> = (0..clients)
            .map(|_| {
                let (api, expected) = (api.clone(), expected.clone());
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let (mut lat, mut errors) = (Vec::new(), Vec::new());
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        match client.get(&api).send().await {
                            Ok(r) if r.status() == 200 => match r.bytes().await {
                                Ok(b) if b[..] == expected[..] => {
                                    lat.push(t.elapsed().as_secs_f64() * 1000.0)
                                }
                                Ok(b) => errors
                                    .push(format!("another body: {}", String::from_utf8_lossy(&b))),
                                Err(e) => errors.push(format!("body: {e}")),
                            },
                            Ok(r) => errors.push(format!("status {}", r.status())),
                            Err(e) => errors.push(format!("request: {e}")),
                        }
                    }
                    (lat, errors)
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("client"));
        }
        out
    });
    let elapsed = started.elapsed().as_secs_f64();
    server.terminate();
    devnet.terminate();
    let mut latencies: Vec<f64> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    let errors: Vec<&String> = results.iter().flat_map(|r| r.1.iter()).collect();
    latencies.sort_by(f64::total_cmp);
    let completed = latencies.len();
    let rps = completed as f64 / elapsed;

    // The report.
    let mut text = format!(
        "Command: `scripts/bench` (`target/release/serve --evaluations {n} --clients {clients} --seconds {seconds}`). \
         Machine: {}; load average {load} at the start of stage 2.\n\n\
         One task with {} finished evaluations ({} versions of one tiny graph, a Gemm from 2 features to 2 classes, \
         each evaluated on {SAMPLES} drawn rows of {ROWS} (a fifth of them mislabeled) with one real EZKL proof; the board keeps the top {}: {}), \
         on a `zkmltrack devnet` process; `zkmltrack serve` (no `--sign`) over it on loopback. \
         {}\n\n\
         | request | bytes | cold: first byte (ms) | cold: total (ms) | warm first byte p50 (ms) | warm first byte max (ms) | warm total p50 (ms) | warm total max (ms) | new block: first byte p50 (ms) | new block: total p50 (ms) | new block: total max (ms) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        machine(),
        thousands(n as u64),
        thousands(n as u64),
        chain_board.len(),
        accuracies.join(", "),
        stage1(&made.created),
    );
    let mut route_json = Vec::new();
    for r in &routes {
        let (t50, tmax) = p50_max(&r.ttfb);
        let (a50, amax) = p50_max(&r.total);
        let (b50, _) = p50_max(&r.new_block_ttfb);
        let (c50, cmax) = p50_max(&r.new_block_total);
        text += &format!(
            "| {} `GET {}` | {} | {:.1} | {:.1} | {t50:.1} | {tmax:.1} | {a50:.1} | {amax:.1} | {b50:.1} | {c50:.1} | {cmax:.1} |\n",
            r.what,
            r.path,
            thousands(r.bytes as u64),
            r.cold_ttfb,
            r.cold_total,
        );
        route_json.push(json!({
            "what": r.what, "path": r.path, "bytes": r.bytes, "cold_ttfb_ms": r.cold_ttfb,
            "cold_total_ms": r.cold_total, "ttfb_ms": r.ttfb, "total_ms": r.total,
            "new_block_ttfb_ms": r.new_block_ttfb, "new_block_total_ms": r.new_block_total,
        }));
    }
    let f = |k: &str, agg: &str| rendered[k][agg].as_f64().unwrap_or(f64::NAN);
    text += &format!(
        "\nWarm: {reps} more requests of each, one after another on one keep-alive connection, \
         the chain idle (every per-block read and the audit served from the server's caches). \
         New block: {reps} more of each with an empty block mined before each request, as on a busy \
         chain (the per-block reads miss; the audit is kept, since no suite contract logged anything). \
         For comparison, the in-progress read as the page made it before it read events (the task's \
         `EvaluationOpened` logs, then one `evaluation()` call per opened evaluation: {} calls), \
         replayed through the SDK against the same devnet: {per_call_ms:.0} ms (median of 5). \
         The audit renewed after one new suite log (a lineage created; it re-uses the kept audit's \
         {} clean records and reads the rest again): {renewal_ms:.0} ms, against the cold whole audit above.\n\n\
         Headless Chromium ({}; a fresh context per load, {} loads), the leaderboard page `/tasks/{task}`, \
         from navigation start:\n\n\
         | figure | first load (ms) | p50 (ms) | max (ms) |\n|---|---:|---:|---:|\n",
        thousands(n as u64),
        thousands(n as u64),
        rendered["browser"].as_str().unwrap_or("?"),
        rendered["loads"],
    );
    for (key, what) in [
        (
            "responseStart",
            "first byte (navigation timing `responseStart`)",
        ),
        (
            "rows",
            "the leaderboard's rows in the DOM (a MutationObserver)",
        ),
        ("domContentLoaded", "`DOMContentLoaded`"),
        ("load", "`load`"),
        (
            "wall",
            "`page.goto` to the rows found, as the driver sees it",
        ),
    ] {
        text += &format!(
            "| {what} | {:.1} | {:.1} | {:.1} |\n",
            f(key, "first"),
            f(key, "p50"),
            f(key, "max")
        );
    }
    text += &format!(
        "\n{clients} concurrent clients (each its own keep-alive connection) on `GET {}` for {elapsed:.1} s, \
         every body compared with the expected leaderboard ({} bytes). Errors: {}.\n\n\
         | requests | per second | p50 (ms) | p99 (ms) | max (ms) |\n|---:|---:|---:|---:|---:|\n\
         | {} | {rps:.0} | {:.1} | {:.1} | {:.1} |\n",
        paths[1].1,
        thousands(expected.len() as u64),
        errors.len(),
        thousands(completed as u64),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0),
    );
    println!("{text}");
    write_results(
        &format!("serve-{n}"),
        &json!({
            "evaluations": n, "stage1": made.created, "in_progress_per_call_ms": per_call_ms,
            "audit_renewal_ms": renewal_ms, "routes": route_json,
            "browser": rendered, "load": {
                "clients": clients, "seconds": elapsed, "requests": completed, "per_second": rps,
                "p50_ms": percentile(&latencies, 0.5), "p99_ms": percentile(&latencies, 0.99),
                "errors": errors.len(),
            },
        }),
    );
    if !errors.is_empty() {
        for e in errors.iter().take(5) {
            eprintln!("[serve] error: {e}");
        }
        panic!("{} requests failed", errors.len());
    }
    if let Some(file) = write {
        replace_section(Path::new(&file), "serve-bench", &text);
    }
}
