//! `evaluate` and `leaderboard`: a version scored on a task, and the ranking.

use super::*;

/// `evaluate` options.
#[derive(Args, Debug)]
pub(crate) struct EvaluateArgs {
    #[command(flatten)]
    pub prover: ProverArgs,
    /// Task id.
    #[arg(long)]
    pub task: u64,
    /// Model version id.
    #[arg(long)]
    pub version: u64,
    /// The version's ONNX model.
    #[arg(long)]
    pub model: PathBuf,
    /// The task's dataset CSV (a public task's; a hidden task's rows come
    /// from its owner's reveal).
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Calibration CSV used at registration (default: the dataset; needed on
    /// a hidden task).
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// On a hidden task, how long to wait for the owner to reveal the drawn
    /// rows (seconds); the evaluation stays open after it: run again to resume.
    #[arg(long, default_value_t = 600)]
    pub reveal_timeout: u64,
    /// The version's architecture package (default: its route's, when the
    /// route's URI is a local path; else the model is calibrated as at
    /// registration).
    #[arg(long)]
    pub package: Option<PathBuf>,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// `evaluate`.
pub(crate) async fn evaluate(global: &Global, args: EvaluateArgs) -> Result<(), CliError> {
    let suite = global.suite().await?;
    let task = suite.task(args.task).await?;
    let (dataset, calibration_file) = match (&args.dataset, &args.calibration, task.spec.hidden) {
        (Some(_), _, true) => {
            return Err(CliError::input(format!(
                "task {} is hidden: its rows come from its owner's reveal once the evaluation \
                 is drawn; drop --dataset and pass --calibration (your own rows, as at \
                 registration)",
                args.task
            )))
        }
        (None, None, true) => {
            return Err(CliError::input(format!(
                "task {} is hidden: pass --calibration (the rows the model was calibrated on at \
                 registration)",
                args.task
            )))
        }
        (None, Some(calibration), true) => (None, calibration.clone()),
        (None, _, false) => {
            return Err(CliError::input(format!(
                "task {} is public: pass its dataset with --dataset",
                args.task
            )))
        }
        (Some(dataset), calibration, false) => (
            Some(read_dataset(dataset)?),
            calibration.clone().unwrap_or_else(|| dataset.clone()),
        ),
    };
    let calibration = match (&args.calibration, &dataset) {
        (None, Some(dataset)) => dataset.clone(),
        _ => read_dataset(&calibration_file)?,
    };
    // The version's architecture package (its route's, when local): the
    // model is compiled under the settings its route's key was made with.
    let route = suite.version(args.version).await?.route_id;
    let package =
        match zkmltrack::model::route_package(&suite, args.package.as_deref(), Some(route)).await {
            Ok(package) => package,
            Err(_) if args.package.is_none() => None,
            Err(e) => return Err(e.into()),
        };
    let prover = args.prover.prover(task.spec.scale)?;
    let step = Step::start(format!("circuit of {}", args.model.display()));
    let calibration_file = calibration_file.as_path();
    let prepared = match &package {
        Some(package) => zkmltrack::model::prepare_on(
            &prover,
            &args.model,
            package,
            &calibration,
            calibration_file,
            &|note| step.note(note),
        )?,
        None => prepare_model(
            &prover,
            &args.model,
            (&calibration, calibration_file),
            &step,
        )?,
    };
    step.done("");
    let rows = match &dataset {
        Some(dataset) => Rows::Dataset(dataset),
        None => Rows::Revealed(std::time::Duration::from_secs(args.reveal_timeout)),
    };
    let report = evaluate_with_progress(&suite, args.task, args.version, &prepared, rows)
        .await
        .map_err(|e| match e {
            EvaluationError::NotTheVersion { .. } => CliError::from(e).in_file(&args.model),
            e => e.into(),
        })?;
    emit(
        global.json(),
        &serde_json::to_value(&report).expect("serializes"),
        &(format!(
            "evaluation {}: {}/{} correct ({}) with {} proofs{}",
            report.evaluation_id,
            report.correct,
            report.resumed_at as usize + report.samples.len(),
            percent(report.accuracy_bps),
            report.proofs,
            if report.resumed_at > 0 {
                format!(" (resumed after {} samples)", report.resumed_at)
            } else {
                String::new()
            }
        ) + &report.bond_refund.map_or(String::new(), |b| {
            format!("; bond of {} wei refunded to {}", b.amount, b.recipient)
        })),
    );
    Ok(())
}

/// Runs an evaluation with a spinner.
pub(crate) async fn evaluate_with_progress(
    suite: &Suite,
    task: u64,
    version: u64,
    prepared: &PreparedModel<'_>,
    rows: Rows<'_>,
) -> Result<EvaluationReport, EvaluationError> {
    let step = Step::start(format!("evaluating version {version} on task {task}"));
    let report = evaluate_model(suite, task, version, prepared, rows, &|m| step.note(m)).await?;
    step.done(format!(
        "{}/{} correct, {}",
        report.correct,
        report.resumed_at as usize + report.samples.len(),
        percent(report.accuracy_bps)
    ));
    Ok(report)
}

/// `leaderboard`.
pub(crate) async fn leaderboard(global: &Global, task: u64) -> Result<(), CliError> {
    let suite = global.suite().await?;
    let board = suite.leaderboard(task).await?;
    let text = leaderboard_text(&suite, task, &board).await?;
    emit(
        global.json(),
        &serde_json::to_value(&board).expect("serializes"),
        &text,
    );
    Ok(())
}

/// A task's leaderboard as a table (each entry's version read from the registry).
pub(crate) async fn leaderboard_text(
    suite: &Suite,
    task: u64,
    board: &[LeaderboardEntry],
) -> Result<String, CliError> {
    let mut rows = Vec::new();
    for e in board {
        let v = suite.version(e.version_id).await?;
        rows.push(vec![
            e.rank.to_string(),
            percent(e.accuracy_bps),
            e.version_id.to_string(),
            format!("{}#{}", v.lineage_id, v.number),
            e.evaluation_id.to_string(),
            v.submitter.to_string(),
        ]);
    }
    let spec = suite.task(task).await?.spec;
    let kind = if spec.hidden {
        let left = suite.hidden_rows_left(task).await?;
        format!(
            " (hidden: scored on rows revealed after each commitment; {} more evaluations)",
            left / spec.samples.max(1) as u64
        )
    } else {
        String::new()
    };
    Ok(format!(
        "leaderboard of task {task}{kind}\n{}",
        table(
            &[
                "rank",
                "accuracy",
                "version",
                "lineage#n",
                "evaluation",
                "submitter"
            ],
            &rows
        )
    ))
}
