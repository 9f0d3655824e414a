//! Hidden tasks on the devnet, with real EZKL proofs: a task that publishes
//! only its root, run through the CLI with the owner's revealer in the
//! background (`task reveal --watch`) until two versions are ranked and
//! `audit` recomputes them; the rows of one evaluation are never drawn in the
//! next and the task runs out; then, on the SDK, the refusals (a submission
//! before the reveal, a reveal by another account or of another row) and an
//! owner who never reveals (the evaluation expires, the bond comes back, the
//! rows return to the task, the model opens again).

use std::{fs, process::Stdio};

use alloy::primitives::{B256, U256};
use zkmltrack::{
    chain::bindings::IHiddenSet,
    suite::{BondTerms, EvaluationStatus, Submission, Suite, PROVIDER_TIMEOUT_BLOCKS},
};
use zkmltrack_tests::{
    cli::{command, expect_error, json_of, stderr, tempdir, DevnetProcess},
    expect_revert, mine, repo, suite_from_file, test_account,
};

fn indices(report: &serde_json::Value) -> Vec<u64> {
    report["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["index"].as_u64().unwrap())
        .collect()
}

#[test]
fn a_hidden_task_through_the_cli_with_the_revealer_in_the_background() {
    let devnet = DevnetProcess::start();
    let url = devnet.url.clone();
    let dir = tempdir("zkmltrack-hidden");
    let deployment = dir.join("deployment.json");
    let work = repo().join("target/e2e-work");
    let common = [
        "--rpc-url",
        &url,
        "--deployment",
        deployment.to_str().unwrap(),
    ];
    let cli = |args: &[&str]| zkmltrack_tests::cli::run(&work, &[args, &common[..]].concat(), &[]);
    // The task owner is an account of its own (the participant is the demo's
    // dev account): its revealer runs beside the participant's evaluations.
    let owner_key = test_account(2);
    let owner_hex = format!("{}", B256::from_slice(&owner_key.to_bytes()[..]));
    let owner_env = [("ZKMLTRACK_PRIVATE_KEY", owner_hex.as_str())];
    let as_owner =
        |args: &[&str]| zkmltrack_tests::cli::run(&work, &[args, &common[..]].concat(), &owner_env);

    // The suite (with its HiddenSet) and two versions of one architecture.
    let out = cli(&[
        "demo",
        "--external",
        "--test-srs",
        "--samples",
        "4",
        "--json",
    ]);
    assert!(out.status.success(), "demo: {}", stderr(&out));
    let demo = json_of(&out);
    let versions: Vec<String> = demo["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version_id"].as_u64().unwrap().to_string())
        .collect();

    // The owner's private rows: 8 of the Iris evaluation set (every sixth,
    // all three classes); 4 per evaluation, so the task holds two.
    let eval_csv = repo().join("examples/iris/eval.csv");
    let text = fs::read_to_string(&eval_csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let picked: Vec<&str> = lines.step_by(6).take(8).collect();
    let private = dir.join("private.csv");
    fs::write(&private, format!("{header}\n{}\n", picked.join("\n"))).unwrap();
    let private = private.to_str().unwrap();
    let eval_csv = eval_csv.to_str().unwrap();
    let out = as_owner(&[
        "task",
        "create",
        "--hidden",
        "--dataset",
        private,
        "--samples",
        "4",
        "--json",
    ]);
    assert!(out.status.success(), "task create: {}", stderr(&out));
    let created = json_of(&out);
    let task = created["task_id"].as_u64().unwrap().to_string();
    assert_eq!(created["spec"]["hidden"], true);
    let shown = json_of(&cli(&["task", "show", "--task", &task, "--json"]));
    assert_eq!(shown["rows_left"], 8);
    assert_eq!(shown["evaluations_left"], 2);

    // Refused before anything is sent: the participant's copy of some rows,
    // a revealer with the wrong rows.
    let model = repo().join("examples/iris/model_batch4.onnx");
    let weak = repo().join("examples/iris/model_weak_batch4.onnx");
    let evaluate_args = |task: &str, version: &str, model: &std::path::Path| -> Vec<String> {
        [
            "evaluate",
            "--task",
            task,
            "--version",
            version,
            "--test-srs",
            "--json",
            "--model",
            model.to_str().unwrap(),
            "--calibration",
            eval_csv,
            "--reveal-timeout",
            "300",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let with_dataset: Vec<String> = evaluate_args(&task, &versions[0], &model)
        .into_iter()
        .chain(["--dataset".to_string(), eval_csv.to_string()])
        .collect();
    let with_dataset: Vec<&str> = with_dataset.iter().map(String::as_str).collect();
    expect_error(&cli(&with_dataset), 5, "is hidden");
    expect_error(
        &as_owner(&["task", "reveal", "--task", &task, "--dataset", eval_csv]),
        5,
        "is not task",
    );
    expect_error(
        &cli(&["task", "reveal", "--task", &task, "--dataset", private]),
        5,
        "only task",
    );

    // The owner's revealer runs in the background while both versions are evaluated.
    let mut revealer = command(
        &work,
        &[
            &[
                "task",
                "reveal",
                "--task",
                &task,
                "--dataset",
                private,
                "--watch",
            ][..],
            &common,
        ]
        .concat(),
        &owner_env,
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the revealer starts");
    let mut reports = Vec::new();
    for (version, model) in [(&versions[0], &model), (&versions[1], &weak)] {
        let args = evaluate_args(&task, version, model);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = cli(&args);
        assert!(out.status.success(), "evaluate {version}: {}", stderr(&out));
        reports.push(json_of(&out));
    }
    revealer.kill().expect("the revealer stops");
    let revealed = revealer.wait_with_output().expect("revealer output");
    let log = String::from_utf8_lossy(&revealed.stderr);
    assert!(log.contains("all rows revealed"), "{log}");

    // The second evaluation scored none of the first one's rows, and the
    // task has no rows left.
    let (first, second) = (indices(&reports[0]), indices(&reports[1]));
    assert_eq!(first.len(), 4);
    assert!(
        second.iter().all(|i| !first.contains(i)),
        "{first:?} {second:?}"
    );
    let mut all: Vec<u64> = first.iter().chain(&second).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..8).collect::<Vec<_>>());
    let shown = json_of(&cli(&["task", "show", "--task", &task, "--json"]));
    assert_eq!(shown["evaluations_left"], 0);

    // Both are ranked, and the audit recomputes them from chain data.
    let board = json_of(&cli(&["leaderboard", "--task", &task, "--json"]));
    assert_eq!(board.as_array().map(Vec::len), Some(2), "{board}");
    let audit = cli(&["audit", "--task", &task, "--json"]);
    assert!(audit.status.success(), "audit: {}", stderr(&audit));
    let audit = json_of(&audit);
    assert_eq!(audit["problems"].as_array().unwrap().len(), 0, "{audit}");
    assert_eq!(audit["evaluations"].as_array().unwrap().len(), 2, "{audit}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dev_key = zkmltrack_tests::dev_key();
    let owner = runtime.block_on(suite_from_file(&url, &deployment, dev_key));
    let task_owner = runtime.block_on(suite_from_file(&url, &deployment, owner_key.clone()));
    let task_id: u64 = task.parse().unwrap();
    assert_eq!(
        runtime.block_on(owner.hidden_rows_left(task_id)).unwrap(),
        0
    );
    // What a page shows of each evaluation (the explorer, read from chain
    // data alone) is what the participant proved: its rows are the revealed
    // ones (the second draw skipped the first one's, so the seed alone does
    // not give them), each with its label and proved prediction.
    for report in &reports {
        let id = report["evaluation_id"].as_u64().unwrap();
        let shown = runtime
            .block_on(zkmltrack::explorer::evaluation_details(&owner, id))
            .unwrap();
        assert_eq!(shown.drawn, indices(report), "evaluation {id}");
        let samples: Vec<(u64, u32, Option<u32>)> = shown
            .submissions
            .iter()
            .flat_map(|s| &s.samples)
            .map(|s| (s.row, s.label, s.predicted))
            .collect();
        let proved: Vec<(u64, u32, Option<u32>)> = report["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["index"].as_u64().unwrap(),
                    s["label"].as_u64().unwrap() as u32,
                    s["predicted"].as_u64().map(|p| p as u32),
                )
            })
            .collect();
        assert_eq!(samples, proved, "evaluation {id}");
    }

    // On the SDK: a second hidden task of the same rows, with a bond.
    let scale = created["spec"]["scale"].as_u64().unwrap() as u32;
    let spec = zkmltrack::suite::TaskSpec {
        hidden: true,
        randomness: owner.deployment.hidden_set,
        ..zkmltrack::suite::TaskSpec::from_csv(std::path::Path::new(private), scale, 4, 2).unwrap()
    };
    let second_task = runtime
        .block_on(task_owner.create_task(&spec))
        .expect("task");
    let bond = U256::from(1_000_000u64);
    runtime
        .block_on(task_owner.set_bond_terms(second_task, BondTerms { bond, window: 50 }))
        .expect("terms");
    let v1: u64 = versions[0].parse().unwrap();
    let evaluation = runtime
        .block_on(owner.open_evaluation(second_task, v1))
        .expect("opens with the bond");
    // No submission before the reveal: the controller is still waiting.
    let early = Submission {
        labels: vec![0; 4],
        merkle_proofs: vec![],
        proof: Default::default(),
        instances: vec![U256::ZERO; 1 + 4 * 4 + 4 * 3],
        vka: vec![],
    };
    expect_revert(
        "a submission before the reveal",
        runtime.block_on(owner.submit(evaluation, &early)),
        "WrongEvaluationStatus",
    );
    runtime
        .block_on(owner.fix_hidden_draw(evaluation))
        .expect("draw fixed");
    let hidden_set = owner.deployment.hidden_set;
    let controller = owner.deployment.controller;
    let stranger = runtime.block_on(suite_from_file(&url, &deployment, test_account(0)));
    let reveal = |suite: &Suite, index: u64| {
        let data = zkmltrack::dataset::Dataset::from_csv(std::path::Path::new(private)).unwrap();
        let quantized = data.quantize(scale).unwrap();
        let (row, label) = quantized.rows[index as usize].clone();
        let proofs = quantized
            .multiproof(&[index as usize])
            .unwrap()
            .iter()
            .map(|f| f.to_be_bytes().into())
            .collect();
        runtime.block_on(
            suite.chain().transact(
                "revealing a row",
                hidden_set,
                &IHiddenSet::revealCall {
                    controller,
                    evaluation_id: evaluation,
                    labels: vec![label],
                    features: row
                        .iter()
                        .map(|f| U256::from_be_bytes(f.to_be_bytes()))
                        .collect(),
                    proofs,
                },
                U256::ZERO,
            ),
        )
    };
    let drawn: Vec<u64> = runtime
        .block_on(owner.chain().view(
            "pending rows",
            hidden_set,
            &IHiddenSet::pendingIndicesCall {
                controller,
                evaluation_id: evaluation,
                count: 4,
            },
        ))
        .unwrap();
    expect_revert(
        "a reveal by another account",
        reveal(&stranger, drawn[0]),
        "OnlyTaskOwnerReveals",
    );
    expect_revert(
        "a reveal by the participant",
        reveal(&owner, drawn[0]),
        "OnlyTaskOwnerReveals",
    );
    let other = (0..8).find(|i| !drawn.contains(i)).unwrap();
    expect_revert(
        "a reveal of a row the draw did not pick",
        reveal(&task_owner, other),
        "RevealRejected",
    );
    assert_eq!(
        runtime
            .block_on(owner.hidden_evaluation(evaluation))
            .unwrap()
            .revealed,
        0
    );

    // The owner goes silent: after the provider timeout the evaluation
    // expires, the bond goes back to the participant, the rows to the task,
    // and the model may open again.
    runtime.block_on(mine(&owner, PROVIDER_TIMEOUT_BLOCKS + 1));
    let expired = runtime
        .block_on(stranger.draw(evaluation))
        .expect("expires");
    assert_eq!(expired.status, EvaluationStatus::Expired);
    let settled = runtime
        .block_on(stranger.settle_bond(evaluation))
        .expect("settles");
    assert_eq!(settled.recipient, owner.deployment.owner);
    assert_eq!(settled.amount, bond);
    assert_eq!(
        runtime
            .block_on(owner.hidden_rows_left(second_task))
            .unwrap(),
        4
    );
    runtime
        .block_on(stranger.release_hidden_rows(evaluation))
        .expect("releases");
    assert_eq!(
        runtime
            .block_on(owner.hidden_rows_left(second_task))
            .unwrap(),
        8
    );
    let again = runtime
        .block_on(owner.open_evaluation(second_task, v1))
        .expect("the model opens again");
    assert_eq!(again, evaluation + 1);

    // A task with room for one evaluation: once version 1's draw holds its
    // rows, `evaluate` of version 2 is refused before anything is sent.
    let small = dir.join("small.csv");
    fs::write(
        &small,
        format!(
            "{header}\n{}\n",
            [picked[5], picked[6], picked[7], picked[0]].join("\n")
        ),
    )
    .unwrap();
    let out = as_owner(&[
        "task",
        "create",
        "--hidden",
        "--dataset",
        small.to_str().unwrap(),
        "--samples",
        "4",
        "--json",
    ]);
    assert!(out.status.success(), "task create: {}", stderr(&out));
    let small_task = json_of(&out)["task_id"].as_u64().unwrap();
    let taken = runtime
        .block_on(owner.open_evaluation(small_task, v1))
        .expect("opens");
    runtime
        .block_on(owner.fix_hidden_draw(taken))
        .expect("holds the rows");
    let opened = |task: u64| runtime.block_on(owner.evaluations_of_task(task)).unwrap();
    assert_eq!(opened(small_task), vec![taken]);
    let small_id = small_task;
    let small_task = small_task.to_string();
    let args = evaluate_args(&small_task, &versions[1], &weak);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    expect_error(&cli(&args), 5, "takes no more evaluations");
    assert_eq!(opened(small_id), vec![taken], "nothing was opened");
}
