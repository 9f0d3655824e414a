//! A real dataset whose values quantize differently with and without EZKL's
//! f32 cast (scikit-learn's Wisconsin breast-cancer rows: 30 features, values
//! such as 567.7 and 0.07871) goes through `task create`, `model register`
//! and `evaluate` with a real EZKL proof on the devnet; the pre-flight checks
//! pass, and the rough edges a new user met on such a set are refused before
//! anything is sent: too many samples, a calibration set of another width, a
//! key already registered (no orphaned route), a task whose root was built
//! with the old rule (`task show` and `dataset root` say so, `evaluate`
//! refuses before opening).

use std::{fs, path::Path, process::Output};

use alloy::primitives::B256;
use serde_json::Value;
use zkmltrack::{
    chain::Chain,
    dataset::Dataset,
    quantize::InputType,
    suite::{Deployment, Suite, TaskSpec},
};
use zkmltrack_tests::{
    cli::{expect_error, json_of, stderr, DevnetProcess},
    repo,
};

fn zkmltrack(args: &[&str], common: &[&str]) -> Output {
    zkmltrack_tests::cli::run(
        &repo().join("target/real-datasets-work"),
        &[args, common].concat(),
        &[],
    )
}

fn ok(out: Output, what: &str) -> Value {
    assert!(out.status.success(), "{what} failed: {}", stderr(&out));
    json_of(&out)
}

fn cancer(file: &str) -> String {
    repo()
        .join("examples/cancer")
        .join(file)
        .to_string_lossy()
        .into_owned()
}

/// The first `n` rows of `from` (header kept) written to `to`.
fn head(from: &str, n: usize, to: &Path) -> String {
    let text = fs::read_to_string(from).unwrap();
    let lines: Vec<&str> = text.lines().take(n + 1).collect();
    fs::write(to, lines.join("\n") + "\n").unwrap();
    to.to_string_lossy().into_owned()
}

#[test]
fn breast_cancer_rows_register_and_evaluate_and_old_roots_are_refused() {
    let devnet = DevnetProcess::start();
    let dir = zkmltrack_tests::cli::tempdir("zkmltrack-real-datasets");
    let deployment = dir.join("deployment.json");
    let common = [
        "--rpc-url",
        &devnet.url,
        "--deployment",
        deployment.to_str().unwrap(),
    ];
    let eval = cancer("eval.csv");
    let model = cancer("model_batch4.onnx");
    let calibration = head(&eval, 4, &dir.join("calibration.csv"));

    // A calibration set of another width names its file, rows and features.
    let iris = repo().join("examples/iris/eval.csv");
    let out = zkmltrack(
        &[
            "model",
            "prove",
            "--model",
            &model,
            "--calibration",
            iris.to_str().unwrap(),
            "--scale",
            "13",
            "--out",
            dir.join("x.json").to_str().unwrap(),
            "--test-srs",
        ],
        &common,
    );
    expect_error(&out, 5, "takes 30 features per row");
    expect_error(&out, 5, "has 50 rows of 4 features");
    expect_error(&out, 5, "iris/eval.csv");

    // The suite, with the reusable verifier of this model's circuit.
    let bundle = dir.join("bundle.json");
    let bundle = bundle.to_str().unwrap();
    ok(
        zkmltrack(
            &[
                "model",
                "prove",
                "--model",
                &model,
                "--calibration",
                &calibration,
                "--scale",
                "13",
                "--out",
                bundle,
                "--json",
                "--test-srs",
            ],
            &common,
        ),
        "model prove",
    );
    ok(
        zkmltrack(
            &[
                "deploy",
                "--verifier-bundle",
                bundle,
                "--json",
                "--test-srs",
            ],
            &common,
        ),
        "deploy",
    );

    // More samples than rows: refused before sending, naming value and limit.
    let out = zkmltrack(
        &["task", "create", "--dataset", &eval, "--samples", "191"],
        &common,
    );
    expect_error(&out, 5, "sample count 191 is out of range");
    expect_error(&out, 5, "190 rows");
    let task = ok(
        zkmltrack(
            &[
                "task",
                "create",
                "--dataset",
                &eval,
                "--samples",
                "4",
                "--json",
            ],
            &common,
        ),
        "task create",
    );
    assert_eq!(task["task_id"], 1, "the refused task was not created");

    // The root follows the current rule; the old rule gives another root.
    let root = ok(
        zkmltrack(
            &[
                "dataset",
                "root",
                "--dataset",
                &eval,
                "--task",
                "1",
                "--json",
            ],
            &common,
        ),
        "dataset root",
    );
    assert_eq!(root["rule"], "current", "{root}");
    assert_eq!(root["differing_values"], 55, "{root}");
    assert_eq!(root["differing_rows"], 49, "{root}");
    let legacy_root: B256 = root["legacy_root"].as_str().unwrap().parse().unwrap();

    // A task made with the old rule (as before this release), through the SDK.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let suite = runtime.block_on(async {
        let key = zkmltrack_tests::dev_key();
        let chain = Chain::connect(&devnet.url, Some(key)).await.unwrap();
        Suite::attach(chain, Deployment::read(&deployment).unwrap())
            .await
            .unwrap()
    });
    let data = Dataset::from_csv(Path::new(&eval)).unwrap();
    assert_eq!(
        B256::from(
            data.quantize_as(13, InputType::F64)
                .unwrap()
                .root()
                .to_be_bytes()
        ),
        legacy_root
    );
    let mut old = TaskSpec::from_csv(Path::new(&eval), 13, 4, 2).unwrap();
    old.root = legacy_root;
    assert_eq!(runtime.block_on(suite.create_task(&old)).unwrap(), 2);
    let shown = ok(
        zkmltrack(
            &["task", "show", "--task", "2", "--dataset", &eval, "--json"],
            &common,
        ),
        "task show",
    );
    assert_eq!(shown["root_check"]["rule"], "legacy_f64", "{shown}");
    let out = zkmltrack(
        &["task", "show", "--task", "2", "--dataset", &eval],
        &common,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("OLD quantization rule"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Registration runs the pre-flight over all 190 rows, then registers.
    let out = zkmltrack(
        &[
            "model",
            "register",
            "--model",
            &model,
            "--dataset",
            &eval,
            "--calibration",
            &calibration,
            "--task",
            "1",
            "--name",
            "cancer-mlp",
            "--json",
            "--test-srs",
        ],
        &common,
    );
    assert!(
        stderr(&out).contains("5700 values match"),
        "{}",
        stderr(&out)
    );
    let registered = ok(out, "model register");
    assert_eq!(registered["version_id"], 1);

    // The same model again: refused before any route is added.
    let out = zkmltrack(
        &[
            "model",
            "register",
            "--model",
            &model,
            "--calibration",
            &calibration,
            "--lineage",
            "1",
            "--test-srs",
        ],
        &common,
    );
    expect_error(
        &out,
        4,
        "version 1 already holds this model's weight commitment",
    );
    assert!(runtime.block_on(suite.route(1)).is_ok());
    assert!(
        runtime.block_on(suite.route(2)).is_err(),
        "no route was added"
    );

    let evaluate = |task: &str| {
        zkmltrack(
            &[
                "evaluate",
                "--task",
                task,
                "--version",
                "1",
                "--model",
                &model,
                "--dataset",
                &eval,
                "--calibration",
                &calibration,
                "--json",
                "--test-srs",
            ],
            &common,
        )
    };
    // The old-rule task: refused before anything is opened.
    let out = evaluate("2");
    expect_error(&out, 5, "built with the old quantization rule");
    let digest = runtime.block_on(suite.version(1)).unwrap().vk_digest;
    assert_eq!(
        runtime.block_on(suite.evaluation_of(2, digest)).unwrap(),
        None
    );

    // The current task: checked, drawn, proved and scored.
    let out = evaluate("1");
    assert!(
        stderr(&out).contains("checking that the circuit quantizes all 190 rows"),
        "{}",
        stderr(&out)
    );
    let report = ok(out, "evaluate");
    assert_eq!(report["proofs"], 1, "{report}");
    assert_eq!(report["samples"].as_array().unwrap().len(), 4);
    let correct = report["correct"].as_u64().unwrap();
    assert_eq!(report["accuracy_bps"].as_u64().unwrap(), correct * 2_500);
    let board = ok(
        zkmltrack(&["leaderboard", "--task", "1", "--json"], &common),
        "leaderboard",
    );
    assert_eq!(board[0]["version_id"], 1, "{board}");
}

/// Each command's help lists the options it uses: the prover's (workspace,
/// SRS) only where circuits are built, the signing key's only where
/// transactions are sent; a read-only command refuses a key option.
#[test]
fn prover_and_key_options_only_on_the_commands_that_use_them() {
    let help = |args: &[&str]| {
        let out = std::process::Command::new(zkmltrack_tests::cli::release_binary())
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for args in [
        &["leaderboard"][..],
        &["task", "create"],
        &["admin", "pause"],
        &["dataset", "root"],
    ] {
        let text = help(args);
        assert!(
            !text.contains("--test-srs") && !text.contains("--workspace"),
            "{args:?}: {text}"
        );
    }
    for args in [
        &["model", "register"][..],
        &["model", "prove"],
        &["evaluate"],
        &["audit"],
        &["deploy"],
        &["demo"],
        &["route", "review"],
    ] {
        let text = help(args);
        assert!(
            text.contains("--test-srs") && text.contains("--workspace"),
            "{args:?}: {text}"
        );
    }
    let register = help(&["model", "register"]);
    assert!(register.contains("default: --dataset"), "{register}");

    let keys = |text: &str| text.contains("--private-key-file") && text.contains("--keystore");
    for args in [
        &["leaderboard"][..],
        &["audit"],
        &["task", "show"],
        &["dataset", "root"],
        &["model", "prove"],
        &["model", "architecture"],
        &["model", "versions"],
        &["route", "show"],
        &["devnet"],
    ] {
        let text = help(args);
        assert!(
            !text.contains("--private-key-file") && !text.contains("--keystore"),
            "{args:?} only reads: {text}"
        );
    }
    for args in [
        &["task", "create"][..],
        &["task", "reveal"],
        &["task", "bond"],
        &["model", "register"],
        &["evaluate"],
        &["deploy"],
        &["deploy-vrf-provider"],
        &["demo"],
        &["serve"],
        &["route", "approve"],
        &["route", "review"],
        &["admin", "pause"],
        &["admin", "revoke"],
    ] {
        assert!(keys(&help(args)), "{args:?} signs");
    }
    let out = std::process::Command::new(zkmltrack_tests::cli::release_binary())
        .args(["leaderboard", "--task", "1", "--keystore", "k.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap refuses an unknown option");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--keystore"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
