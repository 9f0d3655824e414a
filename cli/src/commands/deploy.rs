//! `deploy` and `deploy-vrf-provider`: the suite and its randomness providers.

use super::*;

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
    #[command(flatten)]
    pub keys: KeyArgs,
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
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Directory of the optimised Stylus programs (scripts/build-contracts output).
    #[arg(long)]
    pub contracts: Option<PathBuf>,
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
pub(super) fn bundle_srs(bundle: &VerifierBundle) -> Result<[B256; 8], CliError> {
    bundle.trusted_srs().ok_or_else(|| {
        CliError::input(
            "the verifier bundle carries no VKA of a reusable verifier, so its SRS is unknown; \
             pass a bundle made by `zkmltrack model prove`",
        )
    })
}
