//! Robustness at the level a user meets it: the `zkmltrack` binary given bad
//! files (models, CSV, a huge CSV), a chain connection that drops in the middle
//! of a command, a deployment file for another chain, and a process killed
//! during EZKL's setup and during an evaluation's proofs. Each failure is a
//! one-line error with the documented exit code; nothing half-written is left
//! behind; re-running the command finishes (an evaluation resumes where the
//! killed run stopped).
//! The bad inputs `e2e.rs` already checks (short row, text cell, key files,
//! unreachable RPC, wrong chain for reads) are not repeated here.

#[path = "../../sdk/tests/common/mod.rs"]
mod sdk_common;

use std::{
    collections::BTreeSet,
    fs,
    io::Read,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use serde_json::Value;
use zkmltrack_tests::{
    cli::{expect_error, json_of, stderr, tempdir, DevnetProcess},
    repo,
};

fn iris(name: &str) -> String {
    repo()
        .join("examples/iris")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// Runs a command to completion and measures it: its output, wall time, and
/// peak resident memory (KiB, from `wait4`).
#[allow(clippy::zombie_processes, reason = "wait4 reaps the child")]
fn measured(mut cmd: Command) -> (Output, f64, u64) {
    use std::os::unix::process::ExitStatusExt;
    let started = Instant::now();
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("zkmltrack runs");
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let mut out = Vec::new();
    let _ = stdout.read_to_end(&mut out);
    let err = reader.join().unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid, and wait4 only writes into the two
    // out-parameters for our own child, which nothing else waits for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4");
    let output = Output {
        status: std::process::ExitStatus::from_raw(status),
        stdout: out,
        stderr: err,
    };
    (
        output,
        started.elapsed().as_secs_f64(),
        usage.ru_maxrss as u64,
    )
}

#[test]
fn bad_csv_files_are_one_line_errors_naming_the_line() {
    let dir = tempdir("zkmltrack-robustness-csv");
    let workspace = dir.join("work");
    let root = |name: &str, text: &[u8]| {
        let path = dir.join(name);
        fs::write(&path, text).unwrap();
        zkmltrack_tests::cli::run(
            &workspace,
            &["dataset", "root", "--dataset", path.to_str().unwrap()],
            &[],
        )
    };
    let cases: [(&str, &[u8], &str); 9] = [
        (
            "missing.csv",
            b"a,b,label\n1,2,0\n1,,1\n",
            "line 3, column `b`: the cell is empty",
        ),
        (
            "nan.csv",
            b"a,b,label\n1,NaN,0\n",
            "line 2, column `b`: `NaN` is not a finite number",
        ),
        (
            "inf.csv",
            b"a,b,label\n1,2,0\n\n-inf,2,0\n",
            "line 4, column `a`: `-inf` is not a finite number",
        ),
        (
            "label.csv",
            b"a,b,label\n1,2,256\n",
            "line 2: label `256` is not a class index (an integer from 0 to 255)",
        ),
        (
            "fraction.csv",
            b"a,b,label\n1,2,1.5\n",
            "line 2: label `1.5` is not a class index",
        ),
        (
            "ragged.csv",
            b"a,b,label\n1,2,0\n1,2,0,0\n",
            "line 3: 4 cells, the header has 3",
        ),
        (
            "empty.csv",
            b"",
            "the dataset is empty: it needs a header and at least one row",
        ),
        ("header.csv", b"a,b,label\n", "the dataset is empty"),
        (
            "binary.csv",
            b"a,b,label\n1,2,0\n\xff\xfe\x00\n",
            "line 3 is not UTF-8 text",
        ),
    ];
    for (name, text, needle) in cases {
        let out = root(name, text);
        expect_error(&out, 5, needle);
        // The error names the file (a command may read two CSVs).
        assert!(stderr(&out).contains(name), "{}", stderr(&out));
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_huge_csv_is_refused_at_its_line_in_bounded_memory() {
    let dir = tempdir("zkmltrack-robustness-huge");
    let workspace = dir.join("work");
    const SIZE: usize = 200 << 20;
    let root = |path: &Path| {
        let mut cmd = zkmltrack_tests::cli::command(
            &workspace,
            &["dataset", "root", "--dataset", path.to_str().unwrap()],
            &[],
        );
        cmd.stdin(std::process::Stdio::null());
        measured(cmd)
    };

    // 200 MiB on one line.
    let one_line = dir.join("one-line.csv");
    sdk_common::write_big_csv(&one_line, "a,b,label\n", "1,", SIZE, "0");
    let (out, seconds, rss) = root(&one_line);
    eprintln!("dataset root, one 200 MiB line: {seconds:.2} s, peak RSS {rss} KiB");
    expect_error(&out, 5, "line 2 is longer than 1048576 bytes");
    assert!(rss < 64 << 10, "peak RSS {rss} KiB");

    // 200 MiB of good rows, a bad cell on the last line: the whole file is read,
    // line by line; the error names the line. (The release build: the debug
    // one takes ten times longer to parse 11.6 million rows.)
    let late = dir.join("late.csv");
    let line = sdk_common::write_big_csv(
        &late,
        "a,b,c,d,label\n",
        "5.1,3.5,1.4,0.2,1\n",
        SIZE,
        "5.1,3.5,x,0.2,1\n",
    );
    let mut cmd = Command::new(zkmltrack_tests::cli::release_binary());
    cmd.args(["dataset", "root", "--dataset", late.to_str().unwrap()]);
    let (out, seconds, rss) = measured(cmd);
    eprintln!(
        "dataset root, 200 MiB ({line} lines), bad last line: {seconds:.2} s, peak RSS {rss} KiB"
    );
    expect_error(
        &out,
        5,
        &format!("line {line}, column `c`: `x` is not a finite number"),
    );
    let _ = fs::remove_dir_all(&dir);
}

/// A CLI workspace under `target/` with no circuits but its test-only SRS
/// (kept across runs: generating it takes tens of seconds).
fn work(name: &str) -> PathBuf {
    let workspace = repo().join("target/zkmltrack-robustness").join(name);
    sdk_common::fresh_circuits(&workspace.join("circuits"));
    workspace
}

/// Circuit directories under a CLI workspace, and the files in each.
fn circuits(workspace: &Path) -> Vec<(PathBuf, BTreeSet<String>)> {
    let Ok(entries) = fs::read_dir(workspace.join("circuits")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let files = fs::read_dir(e.path())
                .unwrap()
                .flatten()
                .map(|f| f.file_name().to_string_lossy().into_owned())
                .collect();
            (e.path(), files)
        })
        .collect()
}

#[test]
fn bad_models_are_one_line_errors_and_leave_nothing_half_written() {
    let dir = tempdir("zkmltrack-robustness-models");
    let workspace = work("models");
    let home = zkmltrack::python::zkmltrack_home();
    let model = fs::read(iris("model.onnx")).unwrap();
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "empty.onnx",
            vec![],
            "not a valid ONNX model: the file is empty",
        ),
        (
            "truncated.onnx",
            model[..model.len() / 2].to_vec(),
            "not a valid ONNX model",
        ),
        (
            "garbage.onnx",
            (0..2048u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
                .collect(),
            "not a valid ONNX model",
        ),
    ];
    let mut cases: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|(name, bytes, needle)| {
            let path = dir.join(name);
            fs::write(&path, bytes).unwrap();
            let needle = format!("{}: {needle}", path.display());
            (path, needle)
        })
        .collect();
    let det = dir.join("determinant.onnx");
    sdk_common::write_determinant_model(&home, &det);
    cases.push((
        det.clone(),
        format!(
            "{}: EZKL does not support the ONNX operation `Det`",
            det.display()
        ),
    ));
    for (path, needle) in &cases {
        let out = zkmltrack_tests::cli::run(
            &workspace,
            &[
                "model",
                "prove",
                "--model",
                path.to_str().unwrap(),
                "--calibration",
                &iris("eval.csv"),
                "--test-srs",
                "--out",
                dir.join("bundle.json").to_str().unwrap(),
            ],
            &[],
        );
        expect_error(&out, 5, needle);
    }
    // A calibration set of the wrong width for the model.
    let three = dir.join("three.csv");
    fs::write(&three, "a,b,c,label\n1,2,3,0\n4,5,6,1\n").unwrap();
    let out = zkmltrack_tests::cli::run(
        &workspace,
        &[
            "model",
            "prove",
            "--model",
            &iris("model.onnx"),
            "--calibration",
            three.to_str().unwrap(),
            "--test-srs",
            "--out",
            dir.join("bundle.json").to_str().unwrap(),
        ],
        &[],
    );
    // It names the model's width, the file, its rows and their width.
    expect_error(&out, 5, "takes 4 features per row (input shape [1, 4])");
    expect_error(&out, 5, "three.csv has 2 rows of 3 features");

    assert!(
        !dir.join("bundle.json").exists(),
        "no bundle for a refused model"
    );
    for (circuit, files) in circuits(&workspace) {
        assert!(
            files
                .iter()
                .all(|f| !f.contains(".partial-") && !f.contains(".tmp")),
            "{circuit:?}: {files:?}"
        );
        assert!(
            !files.contains("pk.key") && !files.contains("vk.key"),
            "{circuit:?}: {files:?}"
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

/// Starts `cmd` (output discarded) and kills it as [`sdk_common::kill_when`] does.
fn kill_when(mut cmd: Command, what: &str, delay: Duration, ready: impl Fn() -> bool) {
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    sdk_common::kill_when(child, what, delay, ready);
}

/// Whether a temporary file starting with `prefix` is being written in a circuit.
fn writing(workspace: &Path, prefix: &str) -> bool {
    circuits(workspace).iter().any(|(dir, files)| {
        files.iter().any(|f| {
            f.starts_with(prefix)
                && f.contains(".partial-")
                && fs::metadata(dir.join(f)).is_ok_and(|m| m.len() > 0)
        })
    })
}

#[test]
fn drops_and_kills_mid_command_then_reruns_finish() {
    let devnet = DevnetProcess::start();
    let dir = tempdir("zkmltrack-robustness-chain");
    let workspace = work("chain");
    let bundle = dir.join("bundle.json");
    let deployment = dir.join("deployment.json");
    let (bundle_s, deployment_s) = (bundle.to_str().unwrap(), deployment.to_str().unwrap());
    let zk = |args: &[&str], url: &str| {
        let flags = ["--rpc-url", url, "--deployment", deployment_s, "--json"];
        zkmltrack_tests::cli::run(&workspace, &[args, &flags[..]].concat(), &[])
    };
    let ok = |out: Output, what: &str| -> Value {
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        json_of(&out)
    };
    let prove_args = [
        "model",
        "prove",
        "--model",
        &iris("model.onnx"),
        "--calibration",
        &iris("eval.csv"),
        "--test-srs",
        "--out",
        bundle_s,
    ];

    // 1. `model prove` killed while EZKL writes the proving key; the re-run
    // finishes from the steps already done.
    kill_when(
        zkmltrack_tests::cli::command(&workspace, &prove_args, &[]),
        "while the proving key was written",
        Duration::ZERO,
        || writing(&workspace, "pk."),
    );
    assert!(!bundle.exists());
    for (circuit, files) in circuits(&workspace) {
        assert!(
            !files.contains("pk.key"),
            "{circuit:?}: a half-written key: {files:?}"
        );
    }
    let proved = ok(zk(&prove_args, &devnet.url), "model prove after the kill");
    assert!(bundle.exists());
    for (circuit, files) in circuits(&workspace) {
        assert!(
            files.iter().all(|f| !f.contains(".partial-")),
            "{circuit:?}: {files:?}"
        );
    }

    // 2. `deploy` through a connection that drops before its first transaction
    // is sent: a clear error, no deployment file; the re-run deploys. (Cut
    // later, once a program is activated, the re-run fails: see
    // `a_deploy_cut_after_an_activation_can_be_rerun`.)
    let proxy = sdk_common::DroppingProxy::start(&devnet.url, 4);
    let out = zk(&["deploy", "--verifier-bundle", bundle_s], &proxy.url);
    assert!(proxy.dropped.load(Ordering::SeqCst), "{}", stderr(&out));
    eprintln!(
        "deploy cut after {} requests: {}",
        proxy.requests.load(Ordering::SeqCst),
        stderr(&out).lines().last().unwrap_or_default()
    );
    expect_error(&out, 3, &proxy.url);
    assert!(
        !deployment.exists(),
        "no deployment file from a failed deploy"
    );
    ok(
        zk(&["deploy", "--verifier-bundle", bundle_s], &devnet.url),
        "deploy",
    );

    // 3. A deployment file for another chain: refused before any proving.
    let mut other: Value = serde_json::from_str(&fs::read_to_string(&deployment).unwrap()).unwrap();
    other["chain_id"] = Value::from(42161);
    let other_file = dir.join("arbitrum-one.json");
    fs::write(&other_file, other.to_string()).unwrap();
    let before = circuits(&workspace);
    let out = zkmltrack_tests::cli::run(
        &workspace,
        &[
            "evaluate",
            "--task",
            "1",
            "--version",
            "1",
            "--model",
            &iris("model_weak.onnx"),
            "--dataset",
            &iris("eval.csv"),
            "--test-srs",
            "--rpc-url",
            &devnet.url,
            "--deployment",
            other_file.to_str().unwrap(),
        ],
        &[],
    );
    expect_error(&out, 3, "serves chain id 412346, not 42161");
    assert_eq!(
        circuits(&workspace).len(),
        before.len(),
        "no EZKL work for the wrong chain"
    );

    // 4. `model register` through a connection that drops between its
    // transactions; the re-run registers.
    let task = ok(
        zk(
            &[
                "task",
                "create",
                "--dataset",
                &iris("eval.csv"),
                "--samples",
                "2",
            ],
            &devnet.url,
        ),
        "task create",
    );
    assert_eq!(task["task_id"], 1);
    let register = [
        "model",
        "register",
        "--model",
        &iris("model.onnx"),
        "--calibration",
        &iris("eval.csv"),
        "--task",
        "1",
        "--name",
        "iris",
        "--test-srs",
    ];
    // 28 requests: past the lineage's transaction, in the VKA's (a re-run
    // creates a new lineage; the first stays without versions).
    let proxy = sdk_common::DroppingProxy::start(&devnet.url, 28);
    let out = zk(&register, &proxy.url);
    eprintln!(
        "register cut after {} requests: {}",
        proxy.requests.load(Ordering::SeqCst),
        stderr(&out).lines().last().unwrap_or_default()
    );
    assert!(proxy.dropped.load(Ordering::SeqCst), "{}", stderr(&out));
    expect_error(&out, 3, &proxy.url);
    let registered = ok(zk(&register, &devnet.url), "model register");
    let version = registered["version_id"].as_u64().unwrap().to_string();

    // 5. An evaluation killed while proving: its EZKL processes end with it;
    // the re-run resumes the evaluation it had opened and finishes it, with
    // proofs of the resumed circuit that verify on-chain.
    let args = [
        "evaluate",
        "--task",
        "1",
        "--version",
        &version,
        "--model",
        &iris("model.onnx"),
        "--dataset",
        &iris("eval.csv"),
        "--test-srs",
    ];
    // A witness written after the start means its proof is being computed.
    let start = std::time::SystemTime::now();
    let proving = || {
        circuits(&workspace).iter().any(|(dir, files)| {
            files.iter().any(|f| {
                f.starts_with("proof-")
                    && f.ends_with(".witness.json")
                    && !f.contains(".partial-")
                    && fs::metadata(dir.join(f))
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t > start)
            })
        })
    };
    let mut cmd = zkmltrack_tests::cli::command(&workspace, &args, &[]);
    cmd.args(["--rpc-url", &devnet.url, "--deployment", deployment_s]);
    kill_when(
        cmd,
        "while proving an evaluation",
        Duration::from_millis(1000),
        proving,
    );
    // The audit lists the stopped evaluation as unfinished, under its lineage,
    // with its facts; one stopped run is not a grinding pattern (F4).
    let audit = ok(zk(&["audit", "--task", "1"], &devnet.url), "audit");
    assert_eq!(audit["grinding_check"], serde_json::json!([]), "{audit}");
    let unfinished = audit["unfinished"].as_array().unwrap();
    assert_eq!(unfinished.len(), 1, "{audit}");
    assert_eq!(unfinished[0]["evaluation_id"], 1);
    assert_eq!(unfinished[0]["version_id"].to_string(), version);
    assert_eq!(unfinished[0]["lineage_id"], registered["lineage_id"]);
    assert!(
        ["committed", "drawn"].contains(&unfinished[0]["status"].as_str().unwrap()),
        "{audit}"
    );
    assert!(unfinished[0]["opened_block"].as_u64().is_some(), "{audit}");
    let out = zk(&args, &devnet.url);
    assert!(
        stderr(&out).contains("resuming evaluation 1 of version"),
        "{}",
        stderr(&out)
    );
    let report = ok(out, "evaluate after the kill");
    assert_eq!(report["evaluation_id"], 1);
    let resumed_at = report["resumed_at"].as_u64().unwrap();
    assert_eq!(
        resumed_at + report["samples"].as_array().unwrap().len() as u64,
        2
    );
    assert_eq!(proved["vk_digest"].as_str().map(str::len), Some(66));
    let audit = ok(
        zk(&["audit", "--task", "1"], &devnet.url),
        "audit after the re-run",
    );
    assert_eq!(audit["unfinished"], serde_json::json!([]), "{audit}");
    assert_eq!(audit["evaluations"].as_array().unwrap().len(), 1, "{audit}");
    drop(devnet);
    sdk_common::fresh_circuits(&workspace.join("circuits"));
    let _ = fs::remove_dir_all(&dir);
}

/// A verifier bundle of the Iris model, built once into `target/` (for the
/// tests that need a suite but test no proving).
fn iris_bundle(workspace: &Path) -> PathBuf {
    let bundle = workspace.join("iris-bundle.json");
    if !bundle.exists() {
        let out = zkmltrack_tests::cli::run(
            workspace,
            &[
                "model",
                "prove",
                "--model",
                &iris("model.onnx"),
                "--calibration",
                &iris("eval.csv"),
                "--test-srs",
                "--out",
                bundle.to_str().unwrap(),
            ],
            &[],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    bundle
}

#[test]
fn a_deploy_cut_after_an_activation_can_be_rerun() {
    let devnet = DevnetProcess::start();
    let dir = tempdir("zkmltrack-robustness-redeploy");
    let workspace = repo().join("target/zkmltrack-robustness/suite-only");
    let deployment = dir.join("deployment.json");
    let bundle = iris_bundle(&workspace);
    let deploy = |url: &str| {
        zkmltrack_tests::cli::run(
            &workspace,
            &[
                "deploy",
                "--verifier-bundle",
                bundle.to_str().unwrap(),
                "--rpc-url",
                url,
                "--deployment",
                deployment.to_str().unwrap(),
            ],
            &[],
        )
    };
    // 13 requests: the DatasetVerifier is deployed and activated, the router not yet.
    let proxy = sdk_common::DroppingProxy::start(&devnet.url, 13);
    expect_error(
        &deploy(&proxy.url),
        3,
        "the connection to the node was lost",
    );
    let out = deploy(&devnet.url);
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_task_with_more_classes_than_the_model_has_outputs_is_refused_before_opening() {
    let devnet = DevnetProcess::start();
    let dir = tempdir("zkmltrack-robustness-classes");
    let workspace = repo().join("target/zkmltrack-robustness/suite-only");
    let deployment = dir.join("deployment.json");
    let bundle = iris_bundle(&workspace);
    let zk = |args: &[&str]| {
        let flags = [
            "--rpc-url",
            &devnet.url,
            "--deployment",
            deployment.to_str().unwrap(),
        ];
        zkmltrack_tests::cli::run(&workspace, &[args, &flags[..]].concat(), &[])
    };
    let out = zk(&["deploy", "--verifier-bundle", bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The Iris rows with labels 3-5 besides 0-2: six classes for a three-output model.
    let six = dir.join("six-classes.csv");
    let text = fs::read_to_string(iris("eval.csv")).unwrap();
    let relabelled: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| match l.rsplit_once(',') {
            Some((features, label)) if i > 0 && i % 2 == 0 => {
                format!("{features},{}", label.parse::<u32>().unwrap() + 3)
            }
            _ => l.to_string(),
        })
        .collect();
    fs::write(&six, relabelled.join("\n") + "\n").unwrap();
    let six = six.to_str().unwrap();
    let out = zk(&["task", "create", "--dataset", six, "--samples", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = zk(&[
        "model",
        "register",
        "--model",
        &iris("model.onnx"),
        "--calibration",
        &iris("eval.csv"),
        "--task",
        "1",
        "--name",
        "iris",
        "--test-srs",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = zk(&[
        "evaluate",
        "--task",
        "1",
        "--version",
        "1",
        "--model",
        &iris("model.onnx"),
        "--dataset",
        six,
        "--calibration",
        &iris("eval.csv"),
        "--test-srs",
    ]);
    expect_error(&out, 5, "classes");
    // Another model than the version's (its weight hash differs), before any transaction.
    let out = zk(&[
        "evaluate",
        "--task",
        "1",
        "--version",
        "1",
        "--model",
        &iris("model_weak.onnx"),
        "--dataset",
        six,
        "--calibration",
        &iris("eval.csv"),
        "--test-srs",
    ]);
    expect_error(&out, 5, "is not the model registered as version 1");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn route_commands_need_a_task_and_the_owner() {
    let devnet = DevnetProcess::start();
    let dir = tempdir("zkmltrack-robustness-route");
    let workspace = repo().join("target/zkmltrack-robustness/suite-only");
    let deployment = dir.join("deployment.json");
    let bundle = iris_bundle(&workspace);
    let bundle_s = bundle.to_str().unwrap();
    let stranger_key = format!("{}", zkmltrack_devnet::genesis::account_keys(1)[1]);
    let zk = |args: &[&str], env: &[(&str, &str)]| {
        let flags = [
            "--rpc-url",
            &devnet.url,
            "--deployment",
            deployment.to_str().unwrap(),
            "--json",
        ];
        zkmltrack_tests::cli::run(&workspace, &[args, &flags[..]].concat(), env)
    };
    let out = zk(&["deploy", "--verifier-bundle", bundle_s], &[]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Pinning the trusted SRS is the owner's: a stranger is refused in words.
    let trust = ["route", "trust-srs", "--bundle", bundle_s];
    let out = zk(&trust, &[("ZKMLTRACK_PRIVATE_KEY", &stranger_key)]);
    expect_error(&out, 4, "is not the contract's owner");
    // The owner pins the bundle's SRS (what deploy pinned): eight G2 words.
    let out = zk(&trust, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pinned = json_of(&out)["trusted_srs"].clone();
    assert_eq!(pinned.as_array().map(Vec::len), Some(8), "{pinned}");

    // A review needs the task to check the circuit against (clap refuses
    // before any chain read), and takes no trained model: only the route's
    // architecture package.
    let usage = |out: &std::process::Output, needle: &str| {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
        assert!(stderr(out).contains(needle), "{needle}: {}", stderr(out));
    };
    let out = zk(&["route", "review", "--route", "1", "--test-srs"], &[]);
    usage(&out, "--task <TASK>");
    let out = zk(
        &[
            "route",
            "review",
            "--route",
            "1",
            "--task",
            "1",
            "--model",
            &iris("model.onnx"),
            "--test-srs",
        ],
        &[],
    );
    usage(&out, "unexpected argument '--model'");
    let _ = fs::remove_dir_all(&dir);
}

/// `zkmltrack devnet --state FILE` given a file that is not a devnet state,
/// or a state of another layout version: a one-line input error naming the
/// file, and the file left as it was.
#[test]
fn the_devnet_refuses_a_state_file_that_is_not_its_own() {
    let dir = tempdir("devnet-state");
    let work = work("devnet-state");
    for (name, text, says) in [
        (
            "garbage.json",
            "not json at all",
            "is not a zkmltrack devnet state file",
        ),
        (
            "newer.json",
            r#"{"format":"zkmltrack-devnet-state","version":99,"chain_id":412346}"#,
            "layout version 99",
        ),
    ] {
        let file = dir.join(name);
        fs::write(&file, text).unwrap();
        let out = zkmltrack_tests::cli::run(
            &work,
            &["devnet", "--port", "0", "--state", file.to_str().unwrap()],
            &[],
        );
        expect_error(&out, 5, says);
        assert!(stderr(&out).contains(name), "{}", stderr(&out));
        assert_eq!(fs::read_to_string(&file).unwrap(), text, "{name} untouched");
    }
}
