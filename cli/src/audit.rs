//! `zkmltrack audit`: a task's leaderboard recomputed from chain data alone
//! ([`zkmltrack::audit`]), with the verifiers' code run in the devnet's EVM
//! in-process, and its report as tables (or JSON).

use alloy::primitives::Address;
use clap::Args;
use zkmltrack::{
    audit::{audit, check_routes, AuditError, AuditReport, PrivateEvm, SeedSource},
    protocol::evm::init_code_for,
};
use zkmltrack_devnet::{CallRequest, Devnet, TxRequest, DEV_ACCOUNT};

use crate::{
    context::{Global, ProverArgs},
    output::{emit, percent, table, CliError, Step, EXIT_AUDIT, EXIT_FAILURE},
};

/// `audit` options.
#[derive(Args, Debug)]
pub(crate) struct AuditArgs {
    /// Task id.
    #[arg(long)]
    pub task: u64,
    /// Also re-check every architecture route the evaluations used: rebuild
    /// its verifying key from its package (found at the route's URI when
    /// local) and re-run the public review (runs EZKL: needs --srs or
    /// --test-srs).
    #[arg(long)]
    pub check_routes: bool,
    #[command(flatten)]
    pub prover: ProverArgs,
}

/// The devnet's EVM, private to this process, as the audit's [`PrivateEvm`].
pub(crate) struct LocalEvm(pub Devnet);

impl PrivateEvm for LocalEvm {
    fn deploy(&mut self, runtime: &[u8]) -> Result<Address, String> {
        self.0
            .deploy(DEV_ACCOUNT, init_code_for(runtime).into())
            .map_err(|e| e.to_string())
    }

    fn transact(&mut self, to: Address, data: Vec<u8>) -> Result<bool, String> {
        self.0
            .send(TxRequest {
                from: DEV_ACCOUNT,
                to: Some(to),
                data: data.into(),
                ..Default::default()
            })
            .map(|receipt| receipt.success)
            .map_err(|e| e.to_string())
    }

    fn call(&mut self, to: Address, data: Vec<u8>) -> Option<Vec<u8>> {
        self.0
            .call(&CallRequest {
                to: Some(to),
                data: data.into(),
                ..Default::default()
            })
            .ok()
            .map(|r| r.output.to_vec())
    }
}

impl From<AuditError> for CliError {
    fn from(err: AuditError) -> CliError {
        match err {
            AuditError::Chain(e) => e.into(),
            AuditError::Root { .. } => CliError::input(err.to_string()),
            AuditError::Rpc(_) | AuditError::Evm(_) => CliError {
                code: EXIT_FAILURE,
                message: err.to_string(),
            },
        }
    }
}

/// Runs the audit.
pub(crate) async fn run(global: &Global, args: AuditArgs) -> Result<(), CliError> {
    let suite = global.suite().await?;
    let samples = suite.task(args.task).await?.spec.samples;
    let step = Step::start(format!("auditing task {}", args.task));
    let mut evm = LocalEvm(Devnet::default());
    let mut report = audit(&suite, args.task, &mut evm, &|note| step.note(note)).await?;
    if args.check_routes {
        let scale = suite.task(args.task).await?.spec.scale;
        let prover = args.prover.prover(scale)?;
        check_routes(&suite, &mut report, &prover, &|note| step.note(note)).await?;
    }
    step.done(format!(
        "{} evaluations, {} unfinished, {} problems",
        report.evaluations.len(),
        report.unfinished.len(),
        report.problems.len()
    ));
    emit(
        global.json(),
        &serde_json::to_value(&report).expect("serializes"),
        &text(&report, samples),
    );
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(CliError {
            code: EXIT_AUDIT,
            message: format!(
                "the audit of task {} found {} mismatch(es)",
                args.task,
                report.problems.len()
            ),
        })
    }
}

/// The report as tables: the ranking, the unfinished evaluations, the
/// grinding check, the verdict.
fn text(report: &AuditReport, samples: u32) -> String {
    let unfinished_in = |lineage: u64| {
        report
            .unfinished
            .iter()
            .filter(|u| u.lineage_id == lineage)
            .count()
    };
    let rows: Vec<Vec<String>> = report
        .ranking
        .iter()
        .filter_map(|id| report.evaluations.iter().find(|a| a.evaluation_id == *id))
        .map(|a| {
            let lineage = report.lineage_of[&a.version_id];
            vec![
                a.evaluation_id.to_string(),
                a.version_id.to_string(),
                lineage.to_string(),
                unfinished_in(lineage).to_string(),
                match a.seed_source {
                    SeedSource::Beacon { block } => format!("beacon block {block}"),
                    SeedSource::Vrf { request_id, .. } => format!("VRF request {request_id}"),
                    SeedSource::Provider { .. } => "provider (trusted)".into(),
                },
                a.proofs_verified.to_string(),
                format!("{}/{}", a.correct, a.samples),
                percent(a.accuracy_bps),
                percent(a.onchain_accuracy_bps),
                if report.revoked.contains(&a.version_id) {
                    "revoked".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let unfinished_text = if report.unfinished.is_empty() {
        "no unfinished evaluations".to_string()
    } else {
        let rows: Vec<Vec<String>> = report
            .unfinished
            .iter()
            .map(|u| {
                vec![
                    u.evaluation_id.to_string(),
                    u.version_id.to_string(),
                    u.lineage_id.to_string(),
                    u.participant.to_string(),
                    u.status.name().to_string(),
                    format!("{}/{samples}", u.scored),
                    u.opened_block.map(|b| b.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        format!(
            "unfinished evaluations (opened, not finalized):\n{}",
            table(
                &[
                    "evaluation",
                    "version",
                    "lineage",
                    "participant",
                    "status",
                    "scored",
                    "opened at block"
                ],
                &rows
            )
        )
    };
    let grinding_text = if report.grinding_check.is_empty() {
        String::new()
    } else {
        format!(
            "\ngrinding check: {} (several unfinished evaluations of one lineage on a task can \
             mean draws abandoned until a good one came, docs/security.md F4)",
            report
                .grinding_check
                .iter()
                .map(|g| format!(
                    "lineage {} has {} unfinished evaluations",
                    g.lineage_id, g.unfinished
                ))
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    let routes_text: String = report
        .routes
        .iter()
        .map(|r| {
            format!(
                "\nroute {}: {} from its package ({})",
                r.route,
                if r.rebuilt && r.findings.is_empty() {
                    "key rebuilt and review passed"
                } else {
                    "FAILS its re-check"
                },
                r.package_uri
            )
        })
        .collect();
    format!(
        "{}\n{}{grinding_text}{routes_text}\n{}",
        table(
            &[
                "evaluation",
                "version",
                "lineage",
                "unfinished in lineage",
                "seed from",
                "proofs ok",
                "correct",
                "recomputed",
                "on-chain",
                "status"
            ],
            &rows
        ),
        unfinished_text,
        if report.problems.is_empty() {
            "audit: every entry matches the chain's data".to_string()
        } else {
            format!(
                "audit: {} mismatch(es):\n  {}",
                report.problems.len(),
                report.problems.join("\n  ")
            )
        }
    )
}
