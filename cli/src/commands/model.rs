//! `model ...`: circuits, architecture packages, proofs and registration.

use super::*;

/// Where a model comes from and how its circuit is built.
#[derive(Args, Debug, Clone)]
pub(crate) struct ModelArgs {
    /// ONNX model.
    #[arg(long)]
    pub model: PathBuf,
    /// The task's dataset (CSV): with --task, checked against the task's root,
    /// and every row checked to quantize in the model's circuit exactly as the
    /// task's leaf before anything is sent.
    #[arg(long)]
    pub dataset: Option<PathBuf>,
    /// Representative inputs for calibration (CSV; default: --dataset).
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// Input scale (bits); default: the task's (with --task) or 13.
    #[arg(long)]
    pub scale: Option<u32>,
    /// Task whose scale and feature count the model must match.
    #[arg(long)]
    pub task: Option<u64>,
    /// Architecture package (`model architecture` output) of an existing
    /// route: the model is compiled under its settings, so it shares the
    /// route's verifying key (default with --route: the route's package, when
    /// its URI is a local path).
    #[arg(long)]
    pub package: Option<PathBuf>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

/// `model` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum ModelCommand {
    /// Build the circuit, keys and verifier bundle of a model.
    Prove {
        #[command(flatten)]
        model: ModelArgs,
        /// Where to write the verifier bundle (JSON).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a model's public architecture package: its graph with the
    /// trained weights replaced by random ones, and its EZKL settings; refused
    /// unless the package rebuilds the model's own verifying key.
    Architecture {
        #[command(flatten)]
        model: ModelArgs,
        /// Directory to write the package to (replaced whole).
        #[arg(long)]
        out: PathBuf,
        /// Seed of the replacement weights.
        #[arg(long, default_value_t = zkmltrack::architecture::DEFAULT_SEED)]
        seed: u64,
    },
    /// Register a model version committed by its weight hash, on its
    /// architecture's route: an approved route with the model's key is used
    /// as it is; otherwise one is added naming the model's architecture
    /// package (approved at once for the suite owner, else after review).
    Register {
        #[command(flatten)]
        model: ModelArgs,
        /// Existing lineage to add the version to (without --route or
        /// --package, the model is compiled first under its latest version's
        /// architecture, so a retrained model keeps that route).
        #[arg(long, conflicts_with = "name")]
        lineage: Option<u64>,
        /// Name of a new lineage to create.
        #[arg(long)]
        name: Option<String>,
        /// Metadata URI recorded in the event.
        #[arg(long, default_value = "")]
        uri: String,
        /// Register on this architecture route (e.g. a new version of an
        /// architecture, or after the suite owner approved the route).
        #[arg(long)]
        route: Option<u64>,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// List a lineage's versions.
    Versions {
        /// Lineage id.
        #[arg(long)]
        lineage: u64,
    },
}

impl ModelCommand {
    /// The key options of a subcommand that sends transactions.
    pub(crate) fn keys(&self) -> Option<&KeyArgs> {
        match self {
            ModelCommand::Register { keys, .. } => Some(keys),
            ModelCommand::Prove { .. }
            | ModelCommand::Architecture { .. }
            | ModelCommand::Versions { .. } => None,
        }
    }
}

/// [`prepare_model`] of a model given by [`ModelArgs`] (its calibration set
/// or the task's dataset), under a `circuit of <model>` progress step; with
/// an architecture package, compiled under the package's settings.
fn prepare_model_step<'p>(
    prover: &'p Prover,
    model: &ModelArgs,
    package: Option<&Package>,
) -> Result<PreparedModel<'p>, CliError> {
    let step = Step::start(format!("circuit of {}", model.model.display()));
    let (calibration, file) = calibration_set(model)?;
    let prepared = match package {
        Some(package) => zkmltrack::model::prepare_on(
            prover,
            &model.model,
            package,
            &calibration,
            &file,
            &|note| step.note(note),
        )?,
        None => prepare_model(prover, &model.model, (&calibration, &file), &step)?,
    };
    step.done(format!("weight hash {}", prepared.weight_hash));
    Ok(prepared)
}

/// The scale a model command uses: --scale, else the task's, else the default.
async fn model_scale(global: &Global, args: &ModelArgs) -> Result<u32, CliError> {
    if let Some(scale) = args.scale {
        return Ok(scale);
    }
    match args.task {
        Some(task) => Ok(global.suite().await?.task(task).await?.spec.scale),
        None => Ok(DEFAULT_SCALE),
    }
}

/// The calibration set: --calibration, else --dataset.
fn calibration_set(args: &ModelArgs) -> Result<(Dataset, PathBuf), CliError> {
    let path = args
        .calibration
        .as_deref()
        .or(args.dataset.as_deref())
        .ok_or_else(|| {
            CliError::input(
                "pass --calibration CSV (representative model inputs) or --dataset (the task's CSV, \
                 then also the calibration set)",
            )
        })?;
    Ok((read_dataset(path)?, path.to_path_buf()))
}

/// `model ...`.
pub(crate) async fn model(global: &Global, cmd: ModelCommand) -> Result<(), CliError> {
    match cmd {
        ModelCommand::Prove { model, out } => {
            let scale = model_scale(global, &model).await?;
            let package = model.package.as_deref().map(Package::read).transpose()?;
            let prover = model.prover.prover(scale)?;
            let prepared = prepare_model_step(&prover, &model, package.as_ref())?;
            let step = Step::start("verifier bundle");
            prepared.bundle.write(&out)?;
            let digest = prepared
                .bundle
                .vka
                .as_ref()
                .map(|v| v.digest.clone())
                .unwrap_or_default();
            step.done(format!("VKA digest {digest}"));
            emit(
                global.json(),
                &json!({ "bundle": out, "vk_digest": digest, "onnx_hash": prepared.onnx_hash,
                         "weight_hash": prepared.weight_hash,
                         "logrows": prepared.circuit.settings.logrows, "scale": scale }),
                &format!(
                    "verifier bundle written to {} (VK digest {digest}, weight hash {})",
                    out.display(),
                    prepared.weight_hash
                ),
            );
        }
        ModelCommand::Architecture { model, out, seed } => {
            let scale = model_scale(global, &model).await?;
            let package = model.package.as_deref().map(Package::read).transpose()?;
            let prover = model.prover.prover(scale)?;
            let prepared = prepare_model_step(&prover, &model, package.as_ref())?;
            let step = Step::start("architecture package (rebuilt and checked)");
            let package = zkmltrack::architecture::build(
                &prepared.circuit,
                prepared.vk_digest(),
                &out,
                seed,
                &|note| step.note(note),
            )?;
            step.done(format!("{}", package.hash));
            emit(
                global.json(),
                &json!({ "package": out, "package_hash": package.hash,
                         "vk_digest": prepared.vk_digest(), "weight_hash": prepared.weight_hash }),
                &format!(
                    "architecture package written to {} (hash {}); it rebuilds VKA digest {} \
                     and holds no trained weights",
                    out.display(),
                    package.hash,
                    prepared.vk_digest()
                ),
            );
        }
        ModelCommand::Register {
            model,
            lineage,
            name,
            uri,
            route,
            ..
        } => {
            let suite = global.suite().await?;
            let scale = model_scale(global, &model).await?;
            let task_data = match model.task {
                Some(task) => check_fits_task(&suite, task, &model).await?,
                None => None,
            };
            let prover = model.prover.prover(scale)?;
            // A new version of a lineage is first compiled under its latest
            // version's architecture when neither --route nor --package names one.
            let inherited = match (lineage, route, model.package.as_ref()) {
                (Some(lineage), None, None) => {
                    zkmltrack::model::lineage_architecture(&suite, lineage).await?
                }
                _ => None,
            };
            let (prepared, package) = match inherited {
                // A new version of a lineage: compiled first under its latest
                // version's architecture, kept if it gives that route's key.
                Some(inherited) => {
                    let step = Step::start(format!("circuit of {}", model.model.display()));
                    let (calibration, file) = calibration_set(&model)?;
                    let (prepared, package) = zkmltrack::model::prepare_version(
                        &prover,
                        &model.model,
                        Some(inherited),
                        &calibration,
                        &file,
                        &|note| step.note(note),
                    )?;
                    step.done(format!("weight hash {}", prepared.weight_hash));
                    (prepared, package)
                }
                None => {
                    let package =
                        zkmltrack::model::route_package(&suite, model.package.as_deref(), route)
                            .await?;
                    let prepared = prepare_model_step(&prover, &model, package.as_ref())?;
                    (prepared, package)
                }
            };
            if let Some((dataset, quantized)) = &task_data {
                check_quantization_step(&prepared, dataset, quantized)?;
            }
            let registered = register(
                &suite,
                &prepared,
                lineage,
                name.as_deref(),
                &uri,
                route,
                package.as_ref(),
            )
            .await?;
            emit(
                global.json(),
                &serde_json::to_value(registered).expect("serializes"),
                &format!(
                    "registered version {} (number {} of lineage {}), route {}",
                    registered.version_id,
                    registered.number,
                    registered.lineage_id,
                    registered.route_id
                ),
            );
        }
        ModelCommand::Versions { lineage } => {
            let suite = global.suite().await?;
            let versions = suite.lineage_versions(lineage).await?;
            let rows: Vec<Vec<String>> = versions
                .iter()
                .map(|v| {
                    vec![
                        v.number.to_string(),
                        v.id.to_string(),
                        format!("{}", v.weight_hash),
                        v.route_id.to_string(),
                        v.timestamp.to_string(),
                        if v.revoked { "revoked" } else { "live" }.into(),
                    ]
                })
                .collect();
            emit(
                global.json(),
                &serde_json::to_value(&versions).expect("serializes"),
                &table(
                    &[
                        "number",
                        "version",
                        "weight hash",
                        "route",
                        "timestamp",
                        "status",
                    ],
                    &rows,
                ),
            );
        }
    }
    Ok(())
}

/// The task's dataset among --dataset and --calibration
/// ([`task_rows_among`]), before any proving; says so when the quantization
/// check cannot run.
async fn check_fits_task(
    suite: &Suite,
    task: u64,
    model: &ModelArgs,
) -> Result<Option<(Dataset, QuantizedDataset)>, CliError> {
    let spec = suite.task(task).await?.spec;
    fn read(path: &Option<PathBuf>) -> Result<Option<(Dataset, &Path)>, CliError> {
        path.as_deref()
            .map(|p| Ok((read_dataset(p)?, p)))
            .transpose()
    }
    let dataset = read(&model.dataset)?;
    let calibration = read(&model.calibration)?;
    let found = task_rows_among(
        task,
        &spec,
        dataset.as_ref().map(|(d, _)| d),
        calibration.as_ref().map(|(d, _)| d),
    )
    .map_err(|e| {
        // Name the file the error is about.
        let file = match &e {
            EvaluationError::Features { csv, .. } if *csv == "calibration set" => &calibration,
            _ => &dataset,
        };
        match file {
            Some((_, path)) => CliError::from(e).in_file(path),
            None => e.into(),
        }
    })?
    .map(|(data, quantized)| (data.clone(), quantized));
    if found.is_none() {
        eprintln!(
            "note: the task's dataset was not given (--dataset), so the check that the model's \
             circuit quantizes every row as task {task}'s leaves cannot run before registering"
        );
    }
    Ok(found)
}

/// Checks that the model's circuit quantizes every row of the task's dataset
/// as its leaf ([`check_quantization`]), under a progress step.
fn check_quantization_step(
    prepared: &PreparedModel<'_>,
    dataset: &Dataset,
    quantized: &QuantizedDataset,
) -> Result<(), CliError> {
    let step = Step::start(format!(
        "checking that the circuit quantizes the task's {} rows as its leaves",
        dataset.rows.len()
    ));
    let started = std::time::Instant::now();
    let values = check_quantization(&prepared.circuit, dataset, quantized)?;
    step.done(format!(
        "{values} values match ({:.1} s)",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// [`zkmltrack::model::register`] with a progress step per transaction;
/// `lineage` or `name` must be given.
pub(crate) async fn register(
    suite: &Suite,
    prepared: &PreparedModel<'_>,
    lineage: Option<u64>,
    name: Option<&str>,
    uri: &str,
    route: Option<u64>,
    package: Option<&Package>,
) -> Result<RegisteredVersion, CliError> {
    let lineage = match (lineage, name) {
        (Some(id), _) => Lineage::Existing(id),
        (None, Some(name)) => Lineage::New(name.to_string()),
        (None, None) => return Err(CliError::input("pass --lineage ID or --name NAME")),
    };
    // One spinner per transaction: started by the step's start, ended by its result.
    let step = std::cell::RefCell::new(None::<Step>);
    let start = |name: &str| *step.borrow_mut() = Some(Step::start(name));
    let done = |result: String| {
        if let Some(step) = step.borrow_mut().take() {
            step.done(result);
        }
    };
    let progress = |event: RegisterStep| match event {
        RegisterStep::BuildingPackage => start("architecture package (rebuilt and checked)"),
        RegisterStep::AddingRoute => {
            done("done".into());
            start("adding the architecture's verifier route")
        }
        RegisterStep::RouteAdded(id) => done(format!("route {id}")),
        RegisterStep::RouteFound(id) => {
            Step::start("architecture route").done(format!("route {id}, approved"))
        }
        RegisterStep::Registering => start("registering the model version"),
        RegisterStep::Registered(id) => done(format!("version {id}")),
    };
    Ok(
        zkmltrack::model::register(suite, prepared, &lineage, uri, route, package, &progress)
            .await?,
    )
}
