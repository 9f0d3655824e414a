//! The commands other than `demo` and `audit`.

use std::path::{Path, PathBuf};

use alloy::primitives::{keccak256, Address, B256, U256};
use clap::{Args, Subcommand};
use serde_json::json;
use zkmltrack::{
    architecture::Package,
    dataset::{Dataset, DatasetError, QuantizedDataset, RootCheck, RootRule},
    evaluation::{
        check_quantization, evaluate_model, task_rows_among, EvaluationError, EvaluationReport,
        Rows,
    },
    hashing::Felt,
    model::{Lineage, PreparedModel, RegisterStep},
    prover::Prover,
    suite::{
        BondTerms, LeaderboardEntry, RegisteredVersion, ReusableVerifier, Revealer, Route,
        RouteKind, Settlement, Suite, SuitePrograms, TaskSpec, VrfTerms, MAX_WINDOW_BLOCKS,
    },
    verifier::VerifierBundle,
};

use crate::{
    context::{Global, ProverArgs},
    output::{emit, percent, table, CliError, Step, EXIT_FAILURE},
};

/// `deploy` options.
#[derive(Args, Debug)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    pub prover: ProverArgs,
    /// Directory of the optimised Stylus programs (scripts/build-contracts output).
    #[arg(long)]
    pub contracts: Option<PathBuf>,
    /// Verifier bundle (`model prove` output) whose reusable verifier to deploy;
    /// default: generated from the bundled Iris model (needs --srs or --test-srs).
    #[arg(long)]
    pub verifier_bundle: Option<PathBuf>,
}

/// `deploy-vrf-provider` options.
#[derive(Args, Debug)]
pub(crate) struct VrfProviderArgs {
    /// The chain's Chainlink VRF v2.5 coordinator.
    #[arg(long)]
    pub coordinator: Address,
    /// The VRF key hash (gas lane) to request with.
    #[arg(long)]
    pub key_hash: B256,
    /// The VRF subscription that pays for the requests. The provider is added
    /// as its consumer when the signing account owns it.
    #[arg(long)]
    pub subscription: U256,
    /// Blocks the coordinator waits before answering.
    #[arg(long, default_value_t = 3)]
    pub confirmations: u16,
    /// Gas the coordinator gives the fulfilment (at least 100,000).
    #[arg(long, default_value_t = 500_000)]
    pub callback_gas: u32,
    /// Pay for requests in the chain's native coin instead of LINK.
    #[arg(long)]
    pub native_payment: bool,
    /// For hidden tasks: also deploy a HiddenSet of its own that forwards
    /// the controller's requests to the provider and fixes each draw from
    /// its answer (callback gas at least 400,000). Pass the provider's
    /// address to `task create --hidden --randomness`.
    #[arg(long)]
    pub hidden: bool,
    /// Directory of the optimised Stylus programs (scripts/build-contracts output).
    #[arg(long)]
    pub contracts: Option<PathBuf>,
}

/// `task` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum TaskCommand {
    /// Create a task anchored to a dataset's Poseidon root.
    Create {
        /// Evaluation dataset (CSV: features..., label).
        #[arg(long)]
        dataset: PathBuf,
        /// Fixed-point scale (bits) the models' circuits quantize inputs at.
        #[arg(long, default_value_t = DEFAULT_SCALE)]
        scale: u32,
        /// Samples drawn per evaluation.
        #[arg(long, default_value_t = 16)]
        samples: u32,
        /// L2 blocks between opening an evaluation and its beacon block.
        #[arg(long, default_value_t = 2)]
        draw_delay: u32,
        /// Randomness provider drawing the task's samples instead of the
        /// block-hash beacon: a VrfProvider of this suite (`zkmltrack
        /// deploy-vrf-provider`; with --hidden, one made by
        /// `deploy-vrf-provider --hidden`), checked before the task is created.
        #[arg(long)]
        randomness: Option<Address>,
        /// Hidden task: publish only the root. The rows stay with you; run
        /// `zkmltrack task reveal --watch` to reveal each evaluation's drawn
        /// rows (a HiddenSet checks them; it draws from the block-hash beacon,
        /// or from VRF with --randomness; a revealed row is never drawn
        /// again, so the task holds rows / samples evaluations).
        #[arg(long)]
        hidden: bool,
        #[command(flatten)]
        bond: BondArgs,
    },
    /// Reveal the drawn rows of a hidden task's evaluations (its owner):
    /// fixes each open evaluation's draw once its beacon block is mined and
    /// sends exactly the rows it picks. With --watch, keeps doing so for new
    /// evaluations until stopped (progress on stderr); safe to restart, it
    /// reveals only what is pending.
    Reveal {
        /// Task id.
        #[arg(long)]
        task: u64,
        /// The task's dataset CSV (its root must be the task's).
        #[arg(long)]
        dataset: PathBuf,
        /// Keep watching for new evaluations.
        #[arg(long)]
        watch: bool,
        /// Rows per reveal transaction.
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
        rows_per_call: u32,
    },
    /// Require a bond with every evaluation of a task (its owner, once):
    /// refunded when the evaluation finalizes, the owner's when the
    /// participant lets the draw lapse or misses the submission deadline.
    Bond {
        /// Task id.
        #[arg(long)]
        task: u64,
        #[command(flatten)]
        bond: BondArgs,
    },
    /// Pay out an evaluation's bond once its fate is known (anyone may):
    /// back to the participant after finalization, to the task owner after
    /// the deadline or a lapsed draw.
    SettleBond {
        /// Evaluation id.
        #[arg(long)]
        evaluation: u64,
    },
    /// Show a task; with --dataset, whether the task's root is that CSV's
    /// under the current quantization rule (or the old one: recreate the task).
    Show {
        /// Task id.
        #[arg(long)]
        task: u64,
        /// The task's dataset CSV, to check the root against.
        #[arg(long)]
        dataset: Option<PathBuf>,
    },
}

/// A task's bond terms on the command line.
#[derive(Args, Debug, Clone, Copy)]
pub(crate) struct BondArgs {
    /// Wei every opening of an evaluation must send (refunded on
    /// finalization); needs --submission-window.
    #[arg(long, requires = "submission_window")]
    pub bond: Option<U256>,
    /// Blocks after an evaluation's latest possible draw by which it must be
    /// finalized, or its bond goes to the task owner (1 to 12,000,000).
    #[arg(long, requires = "bond")]
    pub submission_window: Option<u64>,
}

impl BondArgs {
    /// The terms, checked as the BondVault checks them; `None` without --bond.
    fn terms(self) -> Result<Option<BondTerms>, CliError> {
        let (Some(bond), Some(window)) = (self.bond, self.submission_window) else {
            return Ok(None);
        };
        if bond.is_zero() {
            return Err(CliError::input(
                "--bond 0: a bond must be at least 1 wei (omit --bond for a task without one)",
            ));
        }
        if window == 0 || window > MAX_WINDOW_BLOCKS {
            return Err(CliError::input(format!(
                "--submission-window {window} is out of range: 1 to {MAX_WINDOW_BLOCKS} blocks"
            )));
        }
        Ok(Some(BondTerms { bond, window }))
    }
}

/// `dataset` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum DatasetCommand {
    /// The dataset's Poseidon Merkle root at a scale (EZKL's quantization of
    /// float32 inputs); says when the old rule (f64) gives another root, and
    /// with --task which rule the task's root was built with.
    Root {
        /// Dataset CSV.
        #[arg(long)]
        dataset: PathBuf,
        /// Fixed-point scale (bits); default: the task's (with --task) or 13.
        #[arg(long)]
        scale: Option<u32>,
        /// Task whose root to compare with.
        #[arg(long)]
        task: Option<u64>,
    },
    /// The Merkle proof of one row.
    Proof {
        /// Dataset CSV.
        #[arg(long)]
        dataset: PathBuf,
        /// Fixed-point scale (bits).
        #[arg(long, default_value_t = DEFAULT_SCALE)]
        scale: u32,
        /// Row index (0-based).
        #[arg(long)]
        index: usize,
    },
}

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
    },
    /// List a lineage's versions.
    Versions {
        /// Lineage id.
        #[arg(long)]
        lineage: u64,
    },
}

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
}

/// `route` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum RouteCommand {
    /// Show a verifier route: kind, verifier, VKA store, digest, status,
    /// proposer, architecture package.
    Show {
        /// Route id.
        route: u64,
    },
    /// Review a route's architecture (suite owner, or anyone): rebuild its
    /// circuit from its public architecture package alone (no trained
    /// weights), then check the package is the route's, its verifying key is
    /// the route's, its public instances are the task's features, one weight
    /// hash, then the class scores, its SRS is the trusted one and its
    /// verifier is allow-listed.
    Review {
        /// Route id.
        #[arg(long)]
        route: u64,
        /// Task the architecture is meant for.
        #[arg(long)]
        task: u64,
        /// The route's architecture package (default: its URI, when local).
        #[arg(long)]
        package: Option<PathBuf>,
        #[command(flatten)]
        prover: ProverArgs,
        /// Approve the route when every check passes.
        #[arg(long)]
        approve: bool,
    },
    /// Approve a route without a review (suite owner; e.g. reviewed elsewhere).
    Approve {
        /// Route id.
        route: u64,
    },
    /// Pin the trusted SRS from a verifier bundle's VKA (suite owner).
    TrustSrs {
        /// Verifier bundle (`model prove` output) made with the SRS to trust.
        #[arg(long)]
        bundle: PathBuf,
    },
}

/// `admin` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum AdminCommand {
    /// Pause registrations and evaluations.
    Pause,
    /// Resume them.
    Unpause,
    /// Allow-list (or with --revoke, disallow) verifier code on the router.
    AllowVerifier {
        /// A deployed verifier whose code to allow.
        #[arg(long, required_unless_present = "code_hash")]
        address: Option<Address>,
        /// The code hash to allow.
        #[arg(long)]
        code_hash: Option<B256>,
        /// Disallow instead.
        #[arg(long)]
        revoke: bool,
    },
    /// Revoke a model version.
    Revoke {
        /// Version id.
        #[arg(long)]
        version: u64,
    },
    /// Start a two-step ownership transfer of the registry and the router.
    TransferOwnership {
        /// The new owner.
        #[arg(long)]
        to: Address,
    },
    /// Accept a pending ownership transfer (run by the new owner).
    AcceptOwnership,
}

/// Scale of the bundled Iris circuits (EZKL's calibration picks it).
pub(crate) const DEFAULT_SCALE: u32 = 13;

/// `devnet`: serve a local chain until interrupted; with `state`, loaded
/// from and saved to that file.
pub(crate) async fn devnet(
    host: &str,
    port: u16,
    state: Option<PathBuf>,
    every_blocks: u64,
) -> Result<(), CliError> {
    let addr = format!("{host}:{port}")
        .parse()
        .map_err(|e| CliError::input(format!("bad --host/--port: {e}")))?;
    let (chain, loaded) =
        zkmltrack_devnet::Devnet::open(zkmltrack_devnet::DevnetConfig::default(), state.as_deref())
            .map_err(|e| CliError::input(e.to_string()))?;
    if let (true, Some(path)) = (loaded, &state) {
        eprintln!(
            "zkmltrack devnet: loaded {} at block {}",
            path.display(),
            chain.block_number()
        );
    }
    eprintln!(
        "zkmltrack devnet: chain id {}; dev account {} (public key, local use only)",
        chain.chain_id(),
        zkmltrack_devnet::DEV_ACCOUNT
    );
    let saving = state.map(|path| zkmltrack_devnet::rpc::StateSaving { path, every_blocks });
    let server =
        zkmltrack_devnet::rpc::serve_with_state(chain, addr, saving).map_err(|e| CliError {
            code: EXIT_FAILURE,
            message: format!("cannot listen on {addr}: {e}"),
        })?;
    println!("listening on {}", server.url());
    zkmltrack_devnet::rpc::shutdown_signal().await;
    if let Some(block) = server.save_state().map_err(|e| CliError {
        code: EXIT_FAILURE,
        message: e.to_string(),
    })? {
        eprintln!("zkmltrack devnet: saved the chain at block {block}");
    }
    Ok(())
}

/// The Stylus programs: --contracts, else `contracts/target/stylus` here or in the source tree.
pub(crate) fn programs(dir: Option<&Path>) -> Result<SuitePrograms, CliError> {
    let dir = dir.map(Path::to_path_buf).unwrap_or_else(|| {
        let local = PathBuf::from("contracts/target/stylus");
        if local.is_dir() {
            local
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/target/stylus")
        }
    });
    Ok(SuitePrograms::from_dir(&dir)?)
}

/// [`zkmltrack::model::prepare`] with its steps shown under `step`.
pub(crate) fn prepare_model<'p>(
    prover: &'p Prover,
    model: &Path,
    (calibration, calibration_file): (&Dataset, &Path),
    step: &Step,
) -> Result<PreparedModel<'p>, CliError> {
    Ok(zkmltrack::model::prepare(
        prover,
        model,
        calibration,
        calibration_file,
        &|note| step.note(note),
    )?)
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

fn read_dataset(path: &Path) -> Result<Dataset, CliError> {
    Dataset::from_csv(path).map_err(|e| in_file(path, e))
}

/// A dataset error naming its file (a command may read two CSVs); I/O errors
/// name it already.
fn in_file(path: &Path, err: DatasetError) -> CliError {
    match err {
        DatasetError::Io(..) => err.into(),
        other => CliError::input(format!("{}: {other}", path.display())),
    }
}

/// `deploy`.
pub(crate) async fn deploy(global: &Global, args: DeployArgs) -> Result<(), CliError> {
    let programs = programs(args.contracts.as_deref())?;
    let verifier = match &args.verifier_bundle {
        Some(path) => VerifierBundle::read(path)?,
        None => {
            let step = Step::start("EZKL reusable verifier (from the bundled Iris model)");
            let example = crate::example::Example::unpack(&args.prover.work_dir("example")?)?;
            let prover = args.prover.prover(DEFAULT_SCALE)?;
            let prepared = prepare_model(
                &prover,
                &example.model,
                (&read_dataset(&example.eval)?, &example.eval),
                &step,
            )?;
            step.done(format!(
                "{} bytes of runtime code",
                prepared.bundle.runtime_size
            ));
            prepared.bundle
        }
    };
    let chain = global.chain().await?;
    let suite = deploy_suite(chain, &programs, &verifier).await?;
    suite.deployment.write(&global.args.deployment)?;
    let d = &suite.deployment;
    emit(
        global.json(),
        &serde_json::to_value(d).expect("serializes"),
        &format!(
            "deployed on chain {}:\n  ModelRegistry    {}\n  VerifierRouter   {}\n  TaskController   {}\n  DatasetVerifier  {}\n  Leaderboard      {}\n  reusable verifier {}\nwritten to {}",
            d.chain_id,
            d.registry,
            d.router,
            d.controller,
            d.dataset_verifier,
            d.leaderboard,
            d.reusable_verifier.unwrap_or_default(),
            global.args.deployment.display()
        ),
    );
    Ok(())
}

/// `deploy-vrf-provider`: a VrfProvider for the deployment's controller.
pub(crate) async fn deploy_vrf_provider(
    global: &Global,
    args: VrfProviderArgs,
) -> Result<(), CliError> {
    let programs = programs(args.contracts.as_deref())?;
    let suite = global.suite().await?;
    let terms = VrfTerms {
        coordinator: args.coordinator,
        key_hash: args.key_hash,
        subscription_id: args.subscription,
        request_confirmations: args.confirmations,
        callback_gas_limit: args.callback_gas,
        native_payment: args.native_payment,
    };
    let step = Step::start(if args.hidden {
        "deploying a HiddenSet and its VrfProvider"
    } else {
        "deploying a VrfProvider"
    });
    let provider = if args.hidden {
        suite
            .deploy_hidden_vrf_provider(&programs.hidden_set, &programs.vrf_provider, &terms)
            .await?
    } else {
        suite
            .deploy_vrf_provider(&programs.vrf_provider, &terms)
            .await?
    };
    step.done(provider.address.to_string());
    let mut value = serde_json::to_value(provider).expect("serializes");
    if args.hidden {
        value["hidden_set"] = provider.controller.to_string().into();
    }
    emit(
        global.json(),
        &value,
        &format!(
            "VrfProvider {} serves {} {} (coordinator {}, subscription {})\n  {}",
            provider.address,
            if args.hidden {
                "the HiddenSet"
            } else {
                "controller"
            },
            provider.controller,
            terms.coordinator,
            terms.subscription_id,
            if provider.is_consumer {
                format!(
                    "a consumer of the subscription: create tasks with `zkmltrack task create \
                     {}--randomness {}`",
                    if args.hidden { "--hidden " } else { "" },
                    provider.address
                )
            } else {
                format!(
                    "NOT yet a consumer: the subscription's owner must add it (addConsumer({}, {})) \
                     before a task uses it",
                    terms.subscription_id, provider.address
                )
            }
        ),
    );
    Ok(())
}

/// Deploys the suite with a spinner per program.
pub(crate) async fn deploy_suite(
    chain: zkmltrack::chain::Chain,
    programs: &SuitePrograms,
    verifier: &VerifierBundle,
) -> Result<Suite, CliError> {
    let init_code = verifier
        .init_code()
        .map_err(|e| CliError::input(e.to_string()))?;
    let reusable = ReusableVerifier {
        init_code: &init_code,
        trusted_srs: bundle_srs(verifier)?,
    };
    let step = Step::start("deploying the contract suite");
    let suite = Suite::deploy(chain, programs, Some(reusable), &|what| step.note(what)).await?;
    step.done(format!("registry {}", suite.deployment.registry));
    Ok(suite)
}

/// The G2 words of the SRS a verifier bundle's VKA was made with.
fn bundle_srs(bundle: &VerifierBundle) -> Result<[B256; 8], CliError> {
    bundle.trusted_srs().ok_or_else(|| {
        CliError::input(
            "the verifier bundle carries no VKA of a reusable verifier, so its SRS is unknown; \
             pass a bundle made by `zkmltrack model prove`",
        )
    })
}

/// `task ...`.
pub(crate) async fn task(global: &Global, cmd: TaskCommand) -> Result<(), CliError> {
    match cmd {
        TaskCommand::Create {
            dataset,
            scale,
            samples,
            draw_delay,
            randomness,
            hidden,
            bond,
        } => {
            let terms = bond.terms()?;
            let suite = global.suite().await?;
            let mut spec = TaskSpec::from_csv(&dataset, scale, samples, draw_delay)
                .map_err(|e| in_file(&dataset, e))?;
            match (hidden, randomness) {
                (false, Some(provider)) => {
                    suite.check_vrf_provider(provider).await?;
                    spec.randomness = provider;
                }
                (true, Some(provider)) => {
                    spec.randomness = suite.check_hidden_vrf_provider(provider).await?;
                    spec.hidden = true;
                }
                (true, None) => {
                    let hidden_set = suite.deployment.hidden_set;
                    if hidden_set.is_zero() {
                        return Err(CliError::input(
                            "this deployment has no HiddenSet (it was deployed before hidden \
                             tasks): redeploy the suite with `zkmltrack deploy` to create hidden \
                             tasks",
                        ));
                    }
                    suite.chain().require_code("HiddenSet", hidden_set).await?;
                    spec.randomness = hidden_set;
                    spec.hidden = true;
                }
                (false, None) => {}
            }
            let id = suite.create_task(&spec).await?;
            if let Some(terms) = terms {
                suite.set_bond_terms(id, terms).await.map_err(|e| {
                    let mut err = CliError::from(e);
                    err.message = format!(
                        "task {id} was created but its bond terms were not set (retry with \
                         `zkmltrack task bond --task {id} ...`): {}",
                        err.message
                    );
                    err
                })?;
            }
            emit(
                global.json(),
                &json!({ "task_id": id, "spec": spec, "bond": terms }),
                &format!(
                    "created {}task {id} (root {}, {} rows){}{}",
                    if hidden { "hidden " } else { "" },
                    spec.root,
                    spec.dataset_size,
                    terms.map_or(String::new(), |t| format!(
                        ", bond {} wei, submission window {} blocks",
                        t.bond, t.window
                    )),
                    if hidden {
                        format!(
                            "; it holds {} evaluations of {} rows. Keep {} private and run \
                             `zkmltrack task reveal --task {id} --dataset {} --watch` while \
                             evaluations run",
                            spec.dataset_size / spec.samples as u64,
                            spec.samples,
                            dataset.display(),
                            dataset.display()
                        )
                    } else {
                        String::new()
                    }
                ),
            );
        }
        TaskCommand::Bond { task, bond } => {
            let terms = bond
                .terms()?
                .ok_or_else(|| CliError::input("pass --bond and --submission-window"))?;
            let suite = global.suite().await?;
            let owner = suite.task(task).await?.creator;
            let me = suite.chain().account("setting bond terms")?;
            if owner != me {
                return Err(CliError::input(format!(
                    "task {task} is owned by {owner}, not by the signing account {me}: only its \
                     owner sets its bond"
                )));
            }
            let current = suite.bond_terms(task).await?;
            if !current.bond.is_zero() {
                return Err(CliError::input(format!(
                    "task {task} requires a bond of {} wei already (window {} blocks): terms \
                     never change",
                    current.bond, current.window
                )));
            }
            suite.set_bond_terms(task, terms).await?;
            emit(
                global.json(),
                &json!({ "task_id": task, "bond": terms }),
                &format!(
                    "task {task} now requires a bond of {} wei, submission window {} blocks",
                    terms.bond, terms.window
                ),
            );
        }
        TaskCommand::SettleBond { evaluation } => {
            let suite = global.suite().await?;
            match suite.bond_settlement(evaluation).await? {
                None => {
                    return Err(CliError::input(format!(
                        "evaluation {evaluation} holds no bond (its task requires none)"
                    )))
                }
                Some((held, _)) if held.settled => {
                    return Err(CliError::input(format!(
                        "evaluation {evaluation}'s bond was settled already"
                    )))
                }
                Some((held, Settlement::NotDue(deadline))) => {
                    return Err(CliError::input(format!(
                        "evaluation {evaluation} is still running: its bond of {} wei is due \
                         after block {deadline} (its submission deadline) or at finalization",
                        held.amount
                    )))
                }
                Some(_) => {}
            }
            let settled = suite.settle_bond(evaluation).await?;
            emit(
                global.json(),
                &serde_json::to_value(settled).expect("serializes"),
                &format!(
                    "evaluation {evaluation}'s bond of {} wei went to {} ({})",
                    settled.amount,
                    settled.recipient,
                    if settled.refunded {
                        "refunded to the participant"
                    } else {
                        "forfeited to the task owner"
                    }
                ),
            );
        }
        TaskCommand::Reveal {
            task,
            dataset,
            watch,
            rows_per_call,
        } => reveal(global, task, &dataset, watch, rows_per_call).await?,
        TaskCommand::Show { task, dataset } => {
            let suite = global.suite().await?;
            let t = suite.task(task).await?;
            let terms = suite.bond_terms(task).await?;
            let s = &t.spec;
            let check = match &dataset {
                Some(path) => Some(root_check(path, s.scale, &s.root)?),
                None => None,
            };
            // A provider that answers as a VrfProvider is shown with its terms.
            let vrf = suite.task_vrf_provider(s).await;
            let rows_left = if s.hidden {
                Some(suite.hidden_rows_left(task).await?)
            } else {
                None
            };
            let randomness = match (&vrf, s.randomness.is_zero()) {
                _ if s.hidden => format!(
                    "{} through HiddenSet {} (hidden: rows revealed per evaluation by the \
                     owner; {} unused rows, room for {} more evaluations)",
                    vrf.as_ref()
                        .map_or("block-hash beacon".to_string(), |v| format!(
                            "Chainlink VRF v2.5 (VrfProvider {}, coordinator {}, subscription {})",
                            v.address, v.terms.coordinator, v.terms.subscription_id
                        )),
                    s.randomness,
                    rows_left.unwrap_or_default(),
                    rows_left.unwrap_or_default() / s.samples.max(1) as u64
                ),
                (_, true) => "block-hash beacon".to_string(),
                (Some(v), _) => format!(
                    "Chainlink VRF v2.5 through VrfProvider {} (coordinator {}, subscription {})",
                    v.address, v.terms.coordinator, v.terms.subscription_id
                ),
                (None, _) => format!("provider {}", s.randomness),
            };
            let mut value = serde_json::to_value(&t).expect("serializes");
            value["bond"] = serde_json::to_value(terms).expect("serializes");
            value["vrf"] = serde_json::to_value(vrf).expect("serializes");
            if let Some(left) = rows_left {
                value["hidden_rows_left"] = left.into();
                value["evaluations_left"] = (left / s.samples.max(1) as u64).into();
            }
            if let Some(check) = &check {
                value["root_check"] = serde_json::to_value(check).expect("serializes");
            }
            emit(
                global.json(),
                &value,
                &(format!(
                    "task {}: creator {}\n  root {}\n  {} rows x {} features, {} classes, scale {}\n  {} samples per evaluation, draw delay {} blocks, randomness {}\n  {}",
                    t.id,
                    t.creator,
                    s.root,
                    s.dataset_size,
                    s.feature_count,
                    s.class_count,
                    s.scale,
                    s.samples,
                    s.draw_delay,
                    randomness,
                    if t.closed { "closed" } else { "open" }
                ) + &if terms.bond.is_zero() {
                    "\n  no bond".to_string()
                } else {
                    format!(
                        "\n  bond {} wei per evaluation, submission window {} blocks",
                        terms.bond, terms.window
                    )
                } + &check
                    .map(|c| format!("\n  {}", root_check_text(&c, task, dataset.as_deref())))
                    .unwrap_or_default()),
            );
        }
    }
    Ok(())
}

/// `task reveal`: the owner's revealer of a hidden task (the SDK's
/// [`Revealer`], one round, or a round a second with `--watch`).
async fn reveal(
    global: &Global,
    task_id: u64,
    dataset: &Path,
    watch: bool,
    rows_per_call: u32,
) -> Result<(), CliError> {
    let suite = global.suite().await?;
    let task = suite.task(task_id).await?;
    let data = read_dataset(dataset)?;
    let quantized = zkmltrack::evaluation::task_dataset(task_id, &task.spec, &data)
        .map_err(|e| CliError::from(e).in_file(dataset))?;
    let mut revealer = Revealer::new(&suite, task_id, quantized, rows_per_call).await?;
    let note = |m: &str| eprintln!("reveal: {m}");
    loop {
        let round = revealer.round(&suite, &note).await?;
        if !watch {
            if let Some((_, e)) = round.failed.into_iter().next() {
                return Err(e.into());
            }
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    emit(
        global.json(),
        &json!({ "task_id": task_id, "rows_revealed": revealer.revealed() }),
        &format!("task {task_id}: {} rows revealed", revealer.revealed()),
    );
    Ok(())
}

/// How the dataset at `path` stands against `root` at `scale`.
fn root_check(path: &Path, scale: u32, root: &B256) -> Result<RootCheck, CliError> {
    let data = read_dataset(path)?;
    let root = Felt::from_be_bytes(&root.0).map_err(|e| CliError::input(e.to_string()))?;
    data.check_root(scale, Some(&root))
        .map_err(|e| in_file(path, e))
}

/// One sentence on a root check against task `task`.
fn root_check_text(check: &RootCheck, task: u64, path: Option<&Path>) -> String {
    let file = path.map(|p| p.display().to_string()).unwrap_or_default();
    match check.rule {
        RootRule::Current => format!(
            "root check: task {task}'s root is {file} under the current quantization rule (EZKL's f32 cast)"
        ),
        RootRule::LegacyF64 => format!(
            "root check: task {task}'s root is {file} under the OLD quantization rule (f64, no f32 cast): \
             {} values in {} rows quantize otherwise in every EZKL circuit, so no model can prove \
             those rows; recreate the task (`zkmltrack task create`)",
            check.differing_values, check.differing_rows
        ),
        RootRule::Neither => format!(
            "root check: task {task}'s root is not {file}'s under either quantization rule \
             (another dataset, or another scale)"
        ),
    }
}

/// `dataset ...` (off-chain, but for a --task to compare with).
pub(crate) async fn dataset(global: &Global, cmd: DatasetCommand) -> Result<(), CliError> {
    match cmd {
        DatasetCommand::Root {
            dataset,
            scale,
            task,
        } => {
            let task_root = match task {
                Some(id) => Some(global.suite().await?.task(id).await?.spec),
                None => None,
            };
            let scale = scale
                .or(task_root.as_ref().map(|t| t.scale))
                .unwrap_or(DEFAULT_SCALE);
            let data = read_dataset(&dataset)?;
            let root_felt = task_root
                .as_ref()
                .map(|t| Felt::from_be_bytes(&t.root.0))
                .transpose()
                .map_err(|e| CliError::input(e.to_string()))?;
            let check = data
                .check_root(scale, root_felt.as_ref())
                .map_err(|e| in_file(&dataset, e))?;
            let root = check.root.to_hex();
            let mut text = format!(
                "{root} ({} rows, {} features, scale {scale})",
                data.rows.len(),
                data.feature_count()
            );
            if let Some(legacy) = &check.legacy_root {
                text += &format!(
                    "\n{} values in {} rows quantize otherwise under the old rule (f64, no f32 \
                     cast), whose root is {}",
                    check.differing_values,
                    check.differing_rows,
                    legacy.to_hex()
                );
            }
            if let Some(id) = task {
                text += &format!("\n{}", root_check_text(&check, id, Some(&dataset)));
            }
            let mut value = json!({ "root": root, "rows": data.rows.len(),
                "features": data.feature_count(), "scale": scale,
                "legacy_root": check.legacy_root, "differing_values": check.differing_values,
                "differing_rows": check.differing_rows });
            if task.is_some() {
                value["task"] = json!(task);
                value["rule"] = json!(check.rule);
            }
            emit(global.json(), &value, &text);
        }
        DatasetCommand::Proof {
            dataset,
            scale,
            index,
        } => {
            let data = read_dataset(&dataset)?;
            let q = data.quantize(scale)?;
            let proof = q.proof(index)?;
            let leaf = q.leaf(index).expect("index checked by proof()");
            let hexes: Vec<String> = proof.iter().map(|f| f.to_hex()).collect();
            emit(
                global.json(),
                &json!({ "index": index, "leaf": leaf.to_hex(), "root": q.root().to_hex(), "proof": hexes }),
                &format!(
                    "leaf {}\nproof (bottom-up):\n  {}",
                    leaf.to_hex(),
                    hexes.join("\n  ")
                ),
            );
        }
    }
    Ok(())
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
                Some((route_id, digest, package)) => {
                    let prepared = prepare_model_step(&prover, &model, Some(&package))?;
                    if prepared.vk_digest() == digest {
                        (prepared, Some(package))
                    } else {
                        eprintln!(
                            "note: the model's graph is not its lineage's architecture (route \
                             {route_id}): calibrating a circuit of its own"
                        );
                        (prepare_model_step(&prover, &model, None)?, None)
                    }
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

/// `route ...`.
pub(crate) async fn route(global: &Global, cmd: RouteCommand) -> Result<(), CliError> {
    let suite = global.suite().await?;
    match cmd {
        RouteCommand::Show { route } => {
            let r = suite.route(route).await?;
            emit(
                global.json(),
                &serde_json::to_value(&r).expect("serializes"),
                &route_text(&r),
            );
        }
        RouteCommand::Approve { route } => {
            suite.approve_route(route).await?;
            emit(
                global.json(),
                &json!({ "approved": route }),
                &format!("approved route {route}"),
            );
        }
        RouteCommand::TrustSrs { bundle } => {
            let words = bundle_srs(&VerifierBundle::read(&bundle)?)?;
            suite.set_trusted_srs(words).await?;
            emit(
                global.json(),
                &json!({ "trusted_srs": words }),
                "pinned the trusted SRS",
            );
        }
        RouteCommand::Review {
            route,
            task,
            package,
            prover,
            approve,
        } => {
            let r = suite.route(route).await?;
            let task = suite.task(task).await?;
            let package = zkmltrack::model::route_package(&suite, package.as_deref(), Some(route))
                .await?
                .expect("a route's package");
            let prover = prover.prover(task.spec.scale)?;
            let step = Step::start(format!(
                "rebuilding route {route}'s circuit from its architecture package"
            ));
            let (circuit, bundle) =
                zkmltrack::architecture::rebuild(&prover, &package, &|note| step.note(note))?;
            step.done("");
            let runtime = bundle
                .runtime_code()
                .map_err(|e| CliError::input(e.to_string()))?;
            let findings = zkmltrack::review::review(
                &r,
                &circuit,
                &bundle.vka_words(),
                &task.spec,
                suite.trusted_srs().await?,
                suite.is_verifier_allowed(keccak256(&runtime)).await?,
            );
            let passed = findings.is_empty();
            if passed && approve && !r.approved {
                suite.approve_route(route).await?;
            }
            let text = if passed {
                format!(
                    "route {route} passes the review{}",
                    if approve { " and is approved" } else { "" }
                )
            } else {
                format!(
                    "route {route} FAILS the review:\n  - {}",
                    findings.join("\n  - ")
                )
            };
            emit(
                global.json(),
                &json!({ "route": route, "passed": passed, "findings": findings,
                         "approved": r.approved || (passed && approve) }),
                &text,
            );
            if !passed {
                return Err(CliError::input(format!("route {route} failed the review")));
            }
        }
    }
    Ok(())
}

fn route_text(r: &Route) -> String {
    let kind = RouteKind::from_code(r.kind).map_or("unknown kind", RouteKind::describe);
    format!(
        "route {}: {kind}\n  verifier {}\n  VKA store {}\n  digest {}\n  proposer {}\n  \
         architecture package {}\n  {}, {}",
        r.id,
        r.verifier,
        r.vka_store,
        r.digest,
        r.proposer,
        r.package_hash,
        if r.approved {
            "approved"
        } else {
            "awaiting approval"
        },
        if r.active { "active" } else { "disabled" }
    )
}

/// `admin ...`.
pub(crate) async fn admin(global: &Global, cmd: AdminCommand) -> Result<(), CliError> {
    let suite = global.suite().await?;
    let (what, value) = match cmd {
        AdminCommand::Pause => {
            suite.set_paused(true).await?;
            ("paused the suite".to_string(), json!({ "paused": true }))
        }
        AdminCommand::Unpause => {
            suite.set_paused(false).await?;
            ("unpaused the suite".to_string(), json!({ "paused": false }))
        }
        AdminCommand::AllowVerifier {
            address,
            code_hash,
            revoke,
        } => {
            let hash = match (address, code_hash) {
                (_, Some(hash)) => {
                    suite.allow_verifier_code(hash, !revoke).await?;
                    hash
                }
                (Some(address), None) => suite.allow_verifier_at(address, !revoke).await?,
                (None, None) => unreachable!("clap requires one"),
            };
            (
                format!(
                    "{} verifier code {hash}",
                    if revoke { "disallowed" } else { "allowed" }
                ),
                json!({ "code_hash": hash, "allowed": !revoke }),
            )
        }
        AdminCommand::Revoke { version } => {
            suite.revoke_version(version).await?;
            (
                format!("revoked version {version}"),
                json!({ "revoked": version }),
            )
        }
        AdminCommand::TransferOwnership { to } => {
            suite.transfer_ownership(to).await?;
            (
                format!("ownership transfer to {to} started; {to} must run `zkmltrack admin accept-ownership`"),
                json!({ "pending_owner": to }),
            )
        }
        AdminCommand::AcceptOwnership => {
            suite.accept_ownership().await?;
            let (registry, _) = suite.owners().await?;
            (
                format!("{registry} now owns the suite"),
                json!({ "owner": registry }),
            )
        }
    };
    emit(global.json(), &value, &what);
    Ok(())
}
