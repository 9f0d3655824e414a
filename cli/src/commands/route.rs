//! `route ...` and `admin ...`: verifier routes, their review, and governance.

use super::*;

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
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Approve a route without a review (suite owner; e.g. reviewed elsewhere).
    Approve {
        /// Route id.
        route: u64,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// Pin the trusted SRS from a verifier bundle's VKA (suite owner).
    TrustSrs {
        /// Verifier bundle (`model prove` output) made with the SRS to trust.
        #[arg(long)]
        bundle: PathBuf,
        #[command(flatten)]
        keys: KeyArgs,
    },
}

impl RouteCommand {
    /// The key options of a subcommand that sends transactions (`review`
    /// sends one only with --approve).
    pub(crate) fn keys(&self) -> Option<&KeyArgs> {
        match self {
            RouteCommand::Review { keys, .. }
            | RouteCommand::Approve { keys, .. }
            | RouteCommand::TrustSrs { keys, .. } => Some(keys),
            RouteCommand::Show { .. } => None,
        }
    }
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
        RouteCommand::Approve { route, .. } => {
            suite.approve_route(route).await?;
            emit(
                global.json(),
                &json!({ "approved": route }),
                &format!("approved route {route}"),
            );
        }
        RouteCommand::TrustSrs { bundle, .. } => {
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
            ..
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
