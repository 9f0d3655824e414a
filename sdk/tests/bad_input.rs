//! Bad input and crashes at the SDK's API, as a program using the crate meets
//! them: broken ONNX files (empty, truncated, random bytes, more than one input,
//! symbolic dimensions), malformed and huge CSV files, and a process killed in
//! the middle of EZKL's setup or of a proof. Each bad input is a typed error
//! naming the file and the problem (the line, for CSV); nothing half-written is
//! left under an artifact's name, no EZKL process outlives a killed caller, and
//! a re-run finishes with a proof that verifies.
//!
//! ONNX files are written at test time by the EZKL environment's `onnx`
//! package (see `common`); the huge CSV files in the system's temporary
//! directory, removed afterwards.

mod common;

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
    process::{Child, Command},
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use common::{log, repo};
use zkmltrack::{
    dataset::{Dataset, DatasetError, MAX_CLASSES, MAX_LINE_BYTES},
    prover::{Circuit, Progress, Prover, ProverConfig, ProverError, Status},
};

/// A prover on a workspace of this file's own (kept across runs, so the
/// honest circuits are built once). Tests using it hold [`workspace_lock`].
fn prover() -> &'static Prover {
    static PROVER: OnceLock<Prover> = OnceLock::new();
    PROVER.get_or_init(|| prover_at(&repo().join("target/zkmltrack-bad-input/circuits")))
}

/// Serializes the tests on [`prover`]'s workspace (one checks every directory in it).
fn workspace_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn prover_at(workspace: &Path) -> Prover {
    let config = ProverConfig::new(workspace, zkmltrack::prover::SrsSource::TestOnly);
    Prover::new(config).expect("the EZKL environment is ready")
}

fn iris_model() -> PathBuf {
    repo().join("examples/iris/model.onnx")
}

fn iris_rows() -> Vec<Vec<f64>> {
    Dataset::from_csv(&repo().join("examples/iris/eval.csv"))
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.features)
        .collect()
}

/// A scratch directory under `target/` (removed first if a run left one).
fn scratch(name: &str) -> PathBuf {
    let dir = repo().join("target/zkmltrack-bad-input").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Files in `dir` whose name marks them as a step's temporary output.
fn partial_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.contains(".partial-") || n.contains(".tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// Proves Iris row `row` on `circuit` and checks the proof verifies.
fn prove_and_verify(circuit: &Circuit<'_>, row: usize) {
    let proof = circuit
        .prove(&iris_rows()[row..row + 1], &log)
        .expect("the honest row proves");
    assert!(circuit.verify(&proof).unwrap(), "the proof verifies");
}

#[test]
fn broken_onnx_files_are_refused_naming_the_file_and_leave_the_workspace_usable() {
    let _lock = workspace_lock();
    let dir = scratch("models");
    let home = prover().config().home.clone();
    let iris = fs::read(iris_model()).unwrap();
    let mut garbage = Vec::with_capacity(4096);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..4096 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        garbage.push((x >> 56) as u8);
    }
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "empty.onnx",
            Vec::new(),
            "not a valid ONNX model: the file is empty",
        ),
        (
            "truncated.onnx",
            iris[..iris.len() / 2].to_vec(),
            "not a valid ONNX model",
        ),
        ("garbage.onnx", garbage, "not a valid ONNX model"),
    ];
    let row = &iris_rows()[..1];
    let mut refused = Vec::new();
    for (name, bytes, reason_part) in &files {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        refused.push((path, *reason_part));
    }
    let two_inputs = dir.join("two-inputs.onnx");
    common::write_two_input_model(&home, &two_inputs);
    refused.push((
        two_inputs,
        "the model has 2 input tensors; zkMLTrack proves models with exactly one",
    ));
    // Larger than any model may be: refused from its size, never read (a sparse file).
    let huge = dir.join("huge.onnx");
    fs::File::create(&huge)
        .unwrap()
        .set_len(zkmltrack::prover::MAX_ONNX_BYTES + 1)
        .unwrap();
    refused.push((huge, "larger than the 268435456 bytes a model may have"));
    let symbolic = dir.join("symbolic-n.onnx");
    common::write_with_symbolic_batch(&home, &iris_model(), "N", &symbolic);
    refused.push((symbolic, "has the symbolic dimension `N`"));

    for (path, reason_part) in &refused {
        let err = prover().circuit(path, row, &log).err().expect("refused");
        match &err {
            ProverError::InvalidModel { path: p, reason } => {
                assert_eq!(p, path);
                assert!(reason.contains(reason_part), "{reason:?}");
                assert!(
                    !reason.contains("Error:"),
                    "no Python exception name: {reason:?}"
                );
            }
            other => panic!("{}: expected InvalidModel, got {other:?}", path.display()),
        }
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
    }

    // Every circuit directory is either complete or a refused model's copy
    // with its status; nothing else, nothing half-written.
    let workspace = &prover().config().workspace;
    for entry in fs::read_dir(workspace).unwrap() {
        let circuit_dir = entry.unwrap().path();
        if !circuit_dir.is_dir() {
            continue;
        }
        assert!(partial_files(&circuit_dir).is_empty(), "{circuit_dir:?}");
        let status = Status::load(&circuit_dir.join("status.json")).unwrap();
        if status.is_done("setup") {
            continue;
        }
        let names: BTreeSet<String> = fs::read_dir(&circuit_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        // The model copy, the step status and the (empty) lock file.
        let expected: BTreeSet<String> = [".lock", "model.onnx", "status.json"]
            .map(String::from)
            .into();
        assert_eq!(names, expected, "{circuit_dir:?}");
        assert!(!status.is_done("check_model"), "{circuit_dir:?}");
    }

    // The same prover (and EZKL worker) then builds and proves an honest model.
    let circuit = prover()
        .circuit(&iris_model(), &iris_rows()[..8], &log)
        .expect("the honest model builds after the refused ones");
    prove_and_verify(&circuit, 0);
}

#[test]
fn a_model_exported_with_a_symbolic_batch_size_proves_one_sample_per_proof() {
    // torch.onnx.export with dynamic_axes names the batch dimension; EZKL takes
    // it as 1. The SDK used to compute 0 values per proof and refuse the model.
    let _lock = workspace_lock();
    let dir = repo().join("target/zkmltrack-bad-input");
    fs::create_dir_all(&dir).unwrap();
    let dynamic = dir.join("iris-dynamic-batch.onnx");
    common::write_with_symbolic_batch(
        &prover().config().home,
        &iris_model(),
        "batch_size",
        &dynamic,
    );
    let circuit = prover()
        .circuit(&dynamic, &iris_rows()[..8], &log)
        .expect("a batch_size dimension is taken as 1");
    assert_eq!(circuit.input_shape(), [1, 4]);
    assert_eq!(circuit.values_per_proof(), 4);
    prove_and_verify(&circuit, 3);
}

/// Writes `text` to a file of its own and reads it as a dataset.
fn read_csv(dir: &Path, name: &str, text: &[u8]) -> Result<Dataset, DatasetError> {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    Dataset::from_csv(&path)
}

#[test]
fn malformed_csv_files_are_refused_with_the_line_and_column() {
    let dir = scratch("csv");
    let header = "a,b,c,label\n1,2,3,0\n";
    let case = |name: &str, tail: &str| {
        read_csv(&dir, name, format!("{header}{tail}").as_bytes())
            .err()
            .unwrap_or_else(|| panic!("{name} was accepted"))
    };
    let line3 = |err: &DatasetError| assert!(err.to_string().starts_with("line 3"), "{err}");

    let err = case("missing-feature.csv", "4,,6,1\n");
    assert!(
        matches!(&err, DatasetError::EmptyCell { line: 3, column } if column == "b"),
        "{err}"
    );
    let err = case("missing-label.csv", "4,5,6,\n");
    assert!(
        matches!(&err, DatasetError::EmptyCell { line: 3, column } if column == "label"),
        "{err}"
    );
    for cell in [
        "NaN", "nan", "inf", "-inf", "infinity", "1e400", "0x10", "1,5",
    ] {
        let err = case("not-a-number.csv", &format!("4,{cell},6,1\n"));
        line3(&err);
        if cell == "1,5" {
            // A decimal comma splits the cell: the row has one cell too many.
            assert!(
                matches!(err, DatasetError::ColumnCount { found: 5, .. }),
                "{err}"
            );
        } else {
            assert!(
                matches!(&err, DatasetError::NotANumber { column, cell: c, .. } if column == "b" && c == cell),
                "{cell}: {err}"
            );
        }
    }
    let err = case("ragged.csv", "4,5,6,7,1\n");
    assert!(
        matches!(
            err,
            DatasetError::ColumnCount {
                line: 3,
                expected: 4,
                found: 5
            }
        ),
        "{err}"
    );
    for label in ["-1", "1.0", "one", "256", "4294967295", "99999999999"] {
        let err = case("bad-label.csv", &format!("4,5,6,{label}\n"));
        line3(&err);
        assert!(
            matches!(&err, DatasetError::BadLabel { cell, .. } if cell == label),
            "{label}: {err}"
        );
        assert!(err.to_string().contains("from 0 to 255"), "{err}");
    }
    // The largest class index a task takes.
    let data = read_csv(&dir, "255.csv", format!("{header}4,5,6,255\n").as_bytes()).unwrap();
    assert_eq!(data.class_count(), MAX_CLASSES);

    for (name, text) in [
        ("empty.csv", ""),
        ("header-only.csv", "a,b,c,label\n"),
        ("blank-lines.csv", "\n  \n\r\n"),
        ("header-and-blank-lines.csv", "a,b,c,label\n\n\n"),
    ] {
        let err = read_csv(&dir, name, text.as_bytes()).err().unwrap();
        assert!(matches!(err, DatasetError::Empty), "{name}: {err}");
    }
    let err = read_csv(&dir, "one-column.csv", b"label\n0\n")
        .err()
        .unwrap();
    assert!(matches!(err, DatasetError::TooFewColumns(1)), "{err}");

    // Binary garbage on line 4, after two good rows.
    let mut bytes = format!("{header}4,5,6,1\n").into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe, b',', 0x80, b'\n']);
    let err = read_csv(&dir, "binary.csv", &bytes).err().unwrap();
    assert!(matches!(err, DatasetError::NotText { line: 4 }), "{err}");

    // A spreadsheet export (byte-order mark, CRLF) reads like the plain file.
    let data = read_csv(
        &dir,
        "excel.csv",
        b"\xef\xbb\xbfa,b,label\r\n1,2,0\r\n3,4,1\r\n",
    )
    .unwrap();
    assert_eq!(data.feature_names, ["a", "b"]);
    assert_eq!(data.rows.len(), 2);

    // Missing file, a directory: the error names the path.
    for path in [dir.join("no-such.csv"), dir.clone()] {
        let err = Dataset::from_csv(&path).err().unwrap();
        assert!(matches!(err, DatasetError::Io(..)), "{err}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }

    // A value that cannot be quantized names its row and column.
    let data = read_csv(
        &dir,
        "huge-value.csv",
        format!("{header}4,1e300,6,1\n").as_bytes(),
    )
    .unwrap();
    let err = data.quantize(13).err().unwrap();
    assert!(
        matches!(&err, DatasetError::RowOutOfRange { row: 2, column, .. } if column == "b"),
        "{err}"
    );

    // A task is made with the same strict reader (it used to decode lossily):
    // bytes that are not UTF-8 are refused at their line.
    let path = dir.join("task-binary.csv");
    fs::write(&path, [header.as_bytes(), b"\xff,2,3,1\n"].concat()).unwrap();
    let err = zkmltrack::suite::TaskSpec::from_csv(&path, 13, 1, 2)
        .expect_err("a task of a non-UTF-8 file is refused");
    assert!(matches!(err, DatasetError::NotText { line: 3 }), "{err}");
}

/// Peak resident memory of this process so far, in KiB (Linux; 0 elsewhere).
fn peak_rss_kb() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[test]
fn a_huge_csv_is_refused_at_its_bad_line_without_reading_it_whole() {
    let dir = std::env::temp_dir().join(format!("zkmltrack-huge-csv-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    const SIZE: usize = 200 << 20;

    // One enormous line (200 MiB of cells, no newline).
    let one_line = dir.join("one-line.csv");
    common::write_big_csv(&one_line, "a,b,label\n", "1,", SIZE, "0");
    let (before, started) = (peak_rss_kb(), Instant::now());
    let err = Dataset::from_csv(&one_line).err().unwrap();
    let (grown, seconds) = (
        peak_rss_kb().saturating_sub(before),
        started.elapsed().as_secs_f64(),
    );
    eprintln!("one 200 MiB line: refused in {seconds:.2} s, peak RSS +{grown} KiB");
    assert!(
        matches!(err, DatasetError::LineTooLong { line: 2, limit } if limit == MAX_LINE_BYTES),
        "{err}"
    );
    assert!(
        grown < 16 << 10,
        "reading stopped at the limit: +{grown} KiB"
    );

    // 200 MiB of good rows after a bad one on line 3: refused at once.
    let early = dir.join("early.csv");
    common::write_big_csv(&early, "a,b,label\n1,2,0\n1,x,0\n", "5.1,3.5,1\n", SIZE, "");
    let (before, started) = (peak_rss_kb(), Instant::now());
    let err = Dataset::from_csv(&early).err().unwrap();
    let (grown, seconds) = (
        peak_rss_kb().saturating_sub(before),
        started.elapsed().as_secs_f64(),
    );
    eprintln!("200 MiB, bad line 3: refused in {seconds:.3} s, peak RSS +{grown} KiB");
    assert!(
        matches!(err, DatasetError::NotANumber { line: 3, .. }),
        "{err}"
    );
    assert!(grown < 16 << 10, "+{grown} KiB");

    // 4 MiB of good rows and a bad last line: the error names that line; the
    // memory is the rows read before it, not the file's text as well.
    let late = dir.join("late.csv");
    let lines = common::write_big_csv(&late, "a,b,label\n", "5.1,3.5,1\n", 4 << 20, "5.1,3.5,7x\n");
    let (before, started) = (peak_rss_kb(), Instant::now());
    let err = Dataset::from_csv(&late).err().unwrap();
    let (grown, seconds) = (
        peak_rss_kb().saturating_sub(before),
        started.elapsed().as_secs_f64(),
    );
    eprintln!(
        "4 MiB ({lines} lines), bad last line: refused in {seconds:.2} s, peak RSS +{grown} KiB"
    );
    assert!(
        matches!(&err, DatasetError::BadLabel { line, .. } if *line == lines),
        "{err} (expected line {lines})"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Runs this test binary again as a helper process (see
/// [`helper_process_for_kill_tests`]) doing `task` in `workspace`.
fn spawn_helper(task: &str, workspace: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "helper_process_for_kill_tests",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ZKMLTRACK_KILL_TEST_TASK", task)
        .env("ZKMLTRACK_KILL_TEST_WORKSPACE", workspace)
        .spawn()
        .unwrap()
}

/// Not a test of its own: the process the kill tests start and kill. With
/// `ZKMLTRACK_KILL_TEST_TASK=setup` it builds the Iris circuit in
/// `ZKMLTRACK_KILL_TEST_WORKSPACE`; with `prove` it proves row 2 again and
/// again until it is killed. Without the variables it does nothing.
#[test]
fn helper_process_for_kill_tests() {
    let (Ok(task), Ok(workspace)) = (
        std::env::var("ZKMLTRACK_KILL_TEST_TASK"),
        std::env::var("ZKMLTRACK_KILL_TEST_WORKSPACE"),
    ) else {
        return;
    };
    let prover = prover_at(Path::new(&workspace));
    let circuit = prover
        .circuit(&iris_model(), &iris_rows()[..8], &log)
        .unwrap();
    if task == "prove" {
        loop {
            circuit.prove(&iris_rows()[2..3], &log).unwrap();
        }
    }
}

/// The one circuit directory in `workspace`, once it exists.
fn circuit_dir(workspace: &Path) -> Option<PathBuf> {
    fs::read_dir(workspace)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
}

/// Whether a step is writing a temporary file whose name starts with `stem`.
fn writing(workspace: &Path, stem: &str) -> bool {
    circuit_dir(workspace).is_some_and(|dir| {
        partial_files(&dir)
            .iter()
            .any(|n| n.starts_with(stem) && fs::metadata(dir.join(n)).is_ok_and(|m| m.len() > 0))
    })
}

#[test]
fn killed_during_setup_and_during_a_proof_a_rerun_finishes_and_verifies() {
    let workspace = repo().join("target/zkmltrack-bad-input/killed");
    common::fresh_circuits(&workspace);
    let rows = iris_rows();

    // 1. Killed while EZKL writes the proving key.
    common::kill_when(
        spawn_helper("setup", &workspace),
        "while the proving key was written",
        Duration::ZERO,
        || writing(&workspace, "pk.partial-"),
    );
    let dir = circuit_dir(&workspace).unwrap();
    let paths = |name: &str| dir.join(name);
    assert!(
        !paths("pk.key").exists() && !paths("vk.key").exists(),
        "no half-written key"
    );
    let status = Status::load(&paths("status.json")).unwrap();
    assert!(!status.is_done("setup"));
    assert!(status.is_done("compile"), "the steps before setup are kept");

    let prover = prover_at(&workspace);
    let events = Mutex::new(Vec::new());
    let circuit = prover
        .circuit(&iris_model(), &rows[..8], &|p| {
            events.lock().unwrap().push(p)
        })
        .expect("the re-run finishes");
    let events = events.into_inner().unwrap();
    for step in ["check_model", "gen_settings", "calibrate", "compile"] {
        assert!(
            events.contains(&Progress::Skipped(step.into())),
            "{step}: {events:?}"
        );
    }
    assert!(
        events.contains(&Progress::Started("setup".into())),
        "{events:?}"
    );
    assert!(partial_files(&dir).is_empty(), "{:?}", partial_files(&dir));
    drop(circuit);

    // 2. The proving key is lost (deleted to save space, say) while status.json
    // says setup is done; the re-run of setup is killed mid-write. Written in
    // place, the half key would now pass for a finished step.
    fs::remove_file(paths("pk.key")).unwrap();
    common::kill_when(
        spawn_helper("setup", &workspace),
        "while the proving key was rewritten",
        Duration::ZERO,
        || writing(&workspace, "pk.partial-"),
    );
    assert!(Status::load(&paths("status.json"))
        .unwrap()
        .is_done("setup"));
    assert!(
        !paths("pk.key").exists(),
        "no half-written key under its name"
    );
    let circuit = prover
        .circuit(&iris_model(), &rows[..8], &log)
        .expect("the re-run finishes");
    assert!(partial_files(&dir).is_empty(), "{:?}", partial_files(&dir));

    // 3. Killed while proving (row 2): a proof file, if any, is complete;
    // proving the same row again verifies (the keys the re-runs made work)
    // and leaves no temporary file.
    let files = |suffix: &str| -> BTreeSet<String> {
        fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(suffix) && !n.contains(".partial-"))
            .collect()
    };
    let witnesses = files(".witness.json");
    common::kill_when(
        spawn_helper("prove", &workspace),
        "while proving",
        Duration::from_millis(1500),
        || files(".witness.json") != witnesses,
    );
    for name in files(".proof.json") {
        let proof = circuit
            .read_proof(&dir.join(&name))
            .expect("a complete proof file");
        assert!(circuit.verify(&proof).unwrap(), "{name}");
    }
    prove_and_verify(&circuit, 2);
    assert!(partial_files(&dir).is_empty(), "{:?}", partial_files(&dir));
    drop(circuit);
    drop(prover);
    common::fresh_circuits(&workspace);
}

#[test]
fn a_deployment_for_another_chain_and_a_dropped_connection_are_typed_errors() {
    use alloy::primitives::Address;
    use zkmltrack::{
        chain::{Chain, ChainError},
        suite::{Deployment, Suite},
    };
    use zkmltrack_devnet::{rpc, Devnet, CHAIN_ID};

    let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // The deployment file names Arbitrum One; the endpoint serves the devnet.
        let chain = Chain::connect(&server.url(), None).await.unwrap();
        let deployment = Deployment {
            chain_id: 42161,
            registry: Address::repeat_byte(1),
            router: Address::repeat_byte(2),
            controller: Address::repeat_byte(3),
            dataset_verifier: Address::repeat_byte(4),
            leaderboard: Address::repeat_byte(5),
            bond_vault: Address::repeat_byte(6),
            hidden_set: Address::repeat_byte(7),
            reusable_verifier: None,
            owner: Address::ZERO,
            first_block: 0,
        };
        let err = Suite::attach(chain, deployment).await.err().unwrap();
        assert!(
            matches!(err, ChainError::WrongChain { expected: 42161, actual, .. } if actual == CHAIN_ID),
            "{err}"
        );

        // The connection drops after three requests: the next call fails with
        // the endpoint in its message; a new connection works again.
        let proxy = common::DroppingProxy::start(&server.url(), 3);
        let chain = Chain::connect(&proxy.url, None).await.unwrap();
        chain.block_number().await.unwrap();
        chain.block_number().await.unwrap();
        let err = chain.block_number().await.err().unwrap();
        assert!(
            matches!(&err, ChainError::Rpc { message, .. } if message.contains("error sending request for url")),
            "{err:?}"
        );
        assert!(err.to_string().contains(&proxy.url), "{err}");
        let again = Chain::connect(&server.url(), None).await.unwrap();
        again.block_number().await.unwrap();
    });
}

/// Two runs (two provers, as two processes would be) building the same circuit
/// at once in one fresh workspace: the workspace's SRS lock and the circuit
/// directory's lock let one run each step while the other waits and then
/// finds it done, so no step (the test SRS included) runs twice over the
/// other's files, and both circuits prove.
#[test]
fn two_runs_on_one_circuit_take_turns_step_by_step() {
    let workspace = scratch("concurrent");
    let rows = iris_rows();
    let started: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let waited: Mutex<usize> = Mutex::new(0);
    let build = || {
        let prover = prover_at(&workspace);
        let progress = |p: Progress| {
            if let Progress::Started(step) = p {
                if step.contains("waiting for another run") {
                    *waited.lock().unwrap() += 1;
                } else {
                    started.lock().unwrap().push(step);
                }
            }
        };
        let circuit = prover
            .circuit(&iris_model(), &rows[..8], &progress)
            .expect("the circuit builds");
        let proof = circuit.prove(&rows[..1], &log).expect("proves");
        assert!(circuit.verify(&proof).expect("verifies"));
        circuit.paths.dir.clone()
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(build);
        let b = scope.spawn(build);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a, b, "the same circuit directory");
    let started = started.into_inner().unwrap();
    let steps: BTreeSet<&String> = started.iter().collect();
    assert_eq!(
        steps.len(),
        started.len(),
        "every step ran once across both runs: {started:?}"
    );
    assert!(steps.iter().any(|s| s.as_str() == "setup"), "{started:?}");
    eprintln!(
        "steps run: {started:?}; waits: {}",
        waited.into_inner().unwrap()
    );
}

/// A circuit whose predicted peak exceeds the memory it may use is refused
/// after compilation and before set-up, naming the estimate and the budget;
/// the guard off, the same circuit is set up.
#[test]
fn a_circuit_past_the_memory_budget_is_refused_before_set_up() {
    let workspace = repo().join("target/zkmltrack-bad-input/memory");
    let _ = std::fs::remove_dir_all(&workspace);
    let mut config = ProverConfig::new(&workspace, zkmltrack::prover::SrsSource::TestOnly);
    config.memory_budget = Some(64 << 20);
    let prover = Prover::new(config.clone()).expect("the EZKL environment is ready");
    let events = Mutex::new(Vec::new());
    let err = match prover.circuit(&iris_model(), &iris_rows()[..8], &|p| {
        events.lock().unwrap().push(p)
    }) {
        Err(e) => e,
        Ok(_) => panic!("a 64 MiB budget fits no EZKL circuit"),
    };
    let message = err.to_string();
    assert!(
        matches!(
            err,
            zkmltrack::prover::ProverError::NotEnoughMemory {
                available_mib: 64,
                ..
            }
        ),
        "{message}"
    );
    assert!(err.is_input());
    assert!(
        message.contains("more than the 64 MiB available"),
        "{message}"
    );
    assert!(message.contains("--ignore-memory-estimate"), "{message}");
    let events = events.into_inner().unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Progress::MemoryEstimate { available_bytes: Some(b), .. } if *b == 64 << 20)),
        "{events:?}"
    );
    assert!(
        !events.contains(&Progress::Started("setup".into())),
        "{events:?}"
    );
    // The guard off: set up all the same.
    config.memory_guard = false;
    let prover = Prover::new(config).expect("the EZKL environment is ready");
    let circuit = prover
        .circuit(&iris_model(), &iris_rows()[..8], &|_| {})
        .expect("set up without the guard");
    assert!(circuit.paths.pk.exists());
}
