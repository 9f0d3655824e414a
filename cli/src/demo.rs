//! `zkmltrack demo`: the whole mission in one command, on embedded defaults.
//!
//! On an embedded devnet (or the chain at `--rpc-url` with `--external`):
//! deploys the suite and EZKL's reusable verifier, anchors the bundled Iris
//! evaluation set as a task, registers the Iris MLP (batch proofs of 4 samples)
//! as version 1 (its architecture route names its package) and a deliberately
//! weaker training of the same architecture as version 2 (committed by its
//! weight hash on version 1's route: no new verifying key, no route),
//! evaluates both on randomly drawn, Merkle-proved samples, and prints the
//! leaderboard, checked against the predictions the proofs carry.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use zkmltrack::{
    dataset::Dataset,
    evaluation::Rows,
    prover::SrsSource,
    suite::{Suite, TaskSpec},
};
use zkmltrack_devnet::{rpc, Devnet};

use crate::{
    commands::{
        deploy_suite, evaluate_with_progress, leaderboard_text, prepare_model, programs, register,
        DEFAULT_SCALE,
    },
    context::{Global, KeyArgs, ProverArgs},
    example::Example,
    output::{emit, percent, table, CliError, Step, EXIT_FAILURE},
};

/// `demo` options.
#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Run on the chain at --rpc-url (a Nitro dev node, say) instead of an embedded devnet.
    #[arg(long)]
    pub external: bool,
    /// Samples drawn per evaluation (a multiple of 4).
    #[arg(long, default_value_t = 16)]
    pub samples: u32,
    /// Directory of the optimised Stylus programs.
    #[arg(long)]
    pub contracts: Option<PathBuf>,
    /// Then keep the chain up and serve its pages and API (`zkmltrack serve`) until Ctrl-C.
    #[arg(long)]
    pub serve: bool,
    /// Address of the pages with --serve (loopback).
    #[arg(long, default_value = "127.0.0.1:8080", requires = "serve")]
    pub listen: std::net::SocketAddr,
    #[command(flatten)]
    pub prover: ProverArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// Runs the demo.
pub(crate) async fn run(global: &Global, args: DemoArgs) -> Result<(), CliError> {
    if args.samples == 0 || !args.samples.is_multiple_of(4) {
        return Err(CliError::input(
            "--samples must be a positive multiple of 4 (version 1 proves 4 samples at a time)",
        ));
    }
    // A named SRS that is missing is an error, not the test-only one.
    let srs = match args.prover.srs {
        Some(_) => args.prover.srs()?,
        None => SrsSource::TestOnly,
    };
    // The pages' address is taken first: one in use fails now, not after the demo.
    let serve = if args.serve {
        let serve = crate::serve::ServeArgs {
            listen: args.listen,
            token: None,
            allow_host: Vec::new(),
            max_upload_mib: 64,
            max_jobs: 8,
            keep_jobs: 32,
            // The demo's own chain and its dev key: the page can register and evaluate.
            sign: true,
            prover: args.prover.clone(),
            keys: args.keys.clone(),
        };
        let listener = crate::serve::listen(&serve).await?;
        Some((serve, listener))
    } else {
        None
    };
    let programs = programs(args.contracts.as_deref())?;
    let example = Example::unpack(&args.prover.work_dir("example")?)?;
    let eval = Dataset::from_csv(&example.eval)?;

    // The chain: an embedded devnet unless --external.
    let server = if args.external {
        None
    } else {
        let server = rpc::serve(Devnet::default(), "127.0.0.1:0".parse().expect("address"))
            .map_err(|e| CliError {
                code: EXIT_FAILURE,
                message: format!("cannot start the embedded devnet: {e}"),
            })?;
        eprintln!("embedded devnet on {}", server.url());
        Some(server)
    };
    let url = server
        .as_ref()
        .map(|s| s.url())
        .unwrap_or_else(|| global.args.rpc_url.clone());
    let chain = global.chain_at(&url).await?;

    // Circuits, keys and verifier bundles (resumed from the workspace when done before).
    let prover = args.prover.prover_with(DEFAULT_SCALE, srs)?;
    let step = Step::start("version 1: Iris MLP, 4 samples per proof");
    let good = prepare_model(
        &prover,
        &example.model_batch4,
        (&eval, &example.eval),
        &step,
    )?;
    let package = good.package(&|note| step.note(note))?;
    step.done(format!(
        "VK digest {}, weight hash {}",
        good.vk_digest(),
        good.weight_hash
    ));
    let step = Step::start("version 2: weaker training of the same architecture");
    let weak = zkmltrack::model::prepare_on(
        &prover,
        &example.model_weak_batch4,
        &package,
        &eval,
        &example.eval,
        &|note| step.note(note),
    )?;
    step.done(format!(
        "VK digest {} (the same), weight hash {}",
        weak.vk_digest(),
        weak.weight_hash
    ));
    if weak.vk_digest() != good.vk_digest() {
        return Err(CliError {
            code: EXIT_FAILURE,
            message: "the two trainings of one architecture compiled to different verifying \
                      keys; the demo expects one"
                .into(),
        });
    }

    // The suite.
    let suite: Suite = deploy_suite(chain, &programs, &good.bundle).await?;
    if args.external {
        suite.deployment.write(&global.args.deployment)?;
    }

    // The task.
    let step = Step::start("creating the Iris task");
    let spec = TaskSpec::from_csv(&example.eval, DEFAULT_SCALE, args.samples, 2)?;
    let task_id = suite.create_task(&spec).await?;
    step.done(format!(
        "task {task_id}, root {}, {} rows",
        spec.root, spec.dataset_size
    ));

    // Two versions of one lineage.
    let v1 = register(
        &suite,
        &good,
        None,
        Some("iris-mlp"),
        "bundled:model_batch4.onnx",
        None,
        Some(&package),
    )
    .await?;
    let v2 = register(
        &suite,
        &weak,
        Some(v1.lineage_id),
        None,
        "bundled:model_weak_batch4.onnx",
        Some(v1.route_id),
        None,
    )
    .await?;

    // Evaluations.
    let r1 =
        evaluate_with_progress(&suite, task_id, v1.version_id, &good, Rows::Dataset(&eval)).await?;
    let r2 =
        evaluate_with_progress(&suite, task_id, v2.version_id, &weak, Rows::Dataset(&eval)).await?;

    // What the leaderboard says against what the proofs predicted.
    let board = suite.leaderboard(task_id).await?;
    let mut mismatches = Vec::new();
    for report in [&r1, &r2] {
        let proved = report
            .samples
            .iter()
            .filter(|s| s.predicted == s.label)
            .count() as u32;
        let on_board = board
            .iter()
            .find(|e| e.evaluation_id == report.evaluation_id);
        let expected = zkmltrack::evaluation::accuracy_bps(proved, args.samples);
        if on_board.map(|e| e.accuracy_bps) != Some(expected) {
            mismatches.push(format!(
                "evaluation {}: leaderboard {:?}, proofs say {}",
                report.evaluation_id,
                on_board.map(|e| percent(e.accuracy_bps)),
                percent(expected)
            ));
        }
    }
    if !mismatches.is_empty() {
        return Err(CliError {
            code: EXIT_FAILURE,
            message: format!("leaderboard mismatch: {}", mismatches.join("; ")),
        });
    }

    let summary = table(
        &[
            "version",
            "model",
            "proofs",
            "samples",
            "correct",
            "accuracy",
            "proving s",
        ],
        &[(&v1, &r1, "Iris MLP"), (&v2, &r2, "weaker training")]
            .iter()
            .map(|(v, r, name)| {
                vec![
                    v.version_id.to_string(),
                    name.to_string(),
                    r.proofs.to_string(),
                    r.samples.len().to_string(),
                    r.correct.to_string(),
                    percent(r.accuracy_bps),
                    format!("{:.1}", r.proving_seconds),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let text = format!(
        "{}\n\n{summary}\n\nchain {} at {}{}",
        leaderboard_text(&suite, task_id, &board).await?,
        suite.chain().chain_id(),
        url,
        if args.external {
            format!(
                "; deployment written to {}",
                global.args.deployment.display()
            )
        } else {
            " (embedded devnet, gone when the demo exits)".to_string()
        }
    );
    emit(
        global.json(),
        &json!({
            "chain_id": suite.chain().chain_id(),
            "rpc_url": url,
            "deployment": suite.deployment,
            "task_id": task_id,
            "task": spec,
            "versions": [v1, v2],
            "evaluations": [r1, r2],
            "leaderboard": board,
        }),
        &text,
    );
    if let Some((serve, listener)) = serve {
        crate::serve::serve_suite(global, suite, &serve, listener).await?;
    }
    drop(server);
    Ok(())
}
