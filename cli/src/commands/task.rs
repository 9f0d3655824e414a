//! `task ...`: create, show, list, bond terms, close, and the hidden task's revealer.

use super::*;

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
        #[command(flatten)]
        keys: KeyArgs,
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
        #[command(flatten)]
        keys: KeyArgs,
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
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Pay out an evaluation's bond once its fate is known (anyone may):
    /// back to the participant after finalization, to the task owner after
    /// the deadline or a lapsed draw.
    SettleBond {
        /// Evaluation id.
        #[arg(long)]
        evaluation: u64,
        #[command(flatten)]
        keys: KeyArgs,
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

impl TaskCommand {
    /// The key options of a subcommand that sends transactions.
    pub(crate) fn keys(&self) -> Option<&KeyArgs> {
        match self {
            TaskCommand::Create { keys, .. }
            | TaskCommand::Reveal { keys, .. }
            | TaskCommand::Bond { keys, .. }
            | TaskCommand::SettleBond { keys, .. } => Some(keys),
            TaskCommand::Show { .. } => None,
        }
    }
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
            ..
        } => {
            let terms = bond.terms()?;
            let suite = global.suite().await?;
            let mut spec = TaskSpec::from_csv(&dataset, scale, samples, draw_delay)
                .map_err(|e| in_file(&dataset, e))?;
            (spec.randomness, spec.hidden) = suite.task_randomness(hidden, randomness).await?;
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
        TaskCommand::Bond { task, bond, .. } => {
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
        TaskCommand::SettleBond { evaluation, .. } => {
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
            ..
        } => reveal(global, task, &dataset, watch, rows_per_call).await?,
        TaskCommand::Show { task, dataset } => {
            let suite = global.suite().await?;
            let overview = zkmltrack::explorer::task_overview(&suite, task).await?;
            let t = &overview.task;
            let terms = suite.bond_terms(task).await?;
            let s = &t.spec;
            let check = match &dataset {
                Some(path) => Some(root_check(path, s.scale, &s.root)?),
                None => None,
            };
            // A provider that answers as a VrfProvider is shown with its terms.
            let vrf = suite.task_vrf_provider(s).await;
            let randomness = match (&vrf, s.randomness.is_zero()) {
                _ if s.hidden => format!(
                    "{} through HiddenSet {} (hidden: rows revealed per evaluation by the \
                     owner; {})",
                    vrf.as_ref()
                        .map_or("block-hash beacon".to_string(), |v| format!(
                            "Chainlink VRF v2.5 (VrfProvider {}, coordinator {}, subscription {})",
                            v.address, v.terms.coordinator, v.terms.subscription_id
                        )),
                    s.randomness,
                    overview.capacity().unwrap_or_default()
                ),
                (_, true) => "block-hash beacon".to_string(),
                (Some(v), _) => format!(
                    "Chainlink VRF v2.5 through VrfProvider {} (coordinator {}, subscription {})",
                    v.address, v.terms.coordinator, v.terms.subscription_id
                ),
                (None, _) => format!("provider {}", s.randomness),
            };
            // The task with its capacity (`rows_left`, `evaluations_left`:
            // null on a public task), as `zkmltrack serve`'s API has it.
            let mut value = serde_json::to_value(&overview).expect("serializes");
            value["bond"] = serde_json::to_value(terms).expect("serializes");
            value["vrf"] = serde_json::to_value(vrf).expect("serializes");
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
