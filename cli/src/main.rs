//! `zkmltrack`: the command line of zkMLTrack.
//!
//! Every command talks to one RPC endpoint (`--rpc-url`, default the local
//! devnet's `http://127.0.0.1:8547`) and, after `deploy`, reads the suite's
//! addresses from the deployment file (`--deployment`). Keys come from
//! `ZKMLTRACK_PRIVATE_KEY`, or on the commands that send transactions
//! `--private-key-file` or `--keystore` (password in
//! `ZKMLTRACK_KEYSTORE_PASSWORD`), and are never printed. On a dev chain
//! (chain id 412346) the public Nitro dev key is used when no key is given.
//!
//! Exit codes: 0 done; 1 unexpected failure; 2 usage; 3 chain unavailable
//! (unreachable, wrong chain, contract missing); 4 refused (revert, unfunded
//! or missing key); 5 bad input (files, model, dataset, shapes); 6 the audit
//! found mismatches.

mod audit;
mod commands;
mod context;
mod demo;
mod example;
mod output;
mod serve;

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use context::{Global, KeyArgs};
use output::CliError;

/// Verifiable ML model versioning on Arbitrum: EZKL proofs, Poseidon dataset
/// roots, Stylus contracts.
#[derive(Parser, Debug)]
#[command(name = "zkmltrack", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Args, Debug, Clone)]
struct GlobalArgs {
    /// JSON-RPC endpoint (local devnet, Nitro dev node, Arbitrum Sepolia...).
    #[arg(
        long,
        global = true,
        env = "ZKMLTRACK_RPC_URL",
        default_value = "http://127.0.0.1:8547"
    )]
    rpc_url: String,
    /// Deployment file written by `deploy` and read by later commands.
    #[arg(
        long,
        global = true,
        env = "ZKMLTRACK_DEPLOYMENT",
        default_value = "zkmltrack.deployment.json"
    )]
    deployment: PathBuf,
    /// Print results as JSON on stdout (progress goes to stderr).
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The whole flow on an embedded devnet (or --rpc-url with --external): deploy, task, two models, evaluations, leaderboard.
    Demo(demo::DemoArgs),
    /// Serve a local Stylus-capable dev chain on JSON-RPC.
    Devnet {
        /// Interface to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port (0 picks a free one).
        #[arg(long, default_value_t = 8547)]
        port: u16,
        /// Load the chain from FILE when it exists; save it there every
        /// --state-interval blocks and on Ctrl-C / SIGTERM (atomically).
        #[arg(long)]
        state: Option<PathBuf>,
        /// Blocks between two saves of --state.
        #[arg(long, default_value_t = 100, requires = "state")]
        state_interval: u64,
        /// Refuse an eth_getLogs spanning more blocks (-32005), as hosted
        /// endpoints do (default: no limit).
        #[arg(long, value_name = "BLOCKS")]
        max_logs_range: Option<u64>,
    },
    /// Deploy the contract suite and EZKL's reusable verifier; writes the deployment file.
    Deploy(commands::DeployArgs),
    /// Deploy a VrfProvider: Chainlink VRF v2.5 randomness for tasks of the
    /// deployment's controller (`task create --randomness`).
    DeployVrfProvider(commands::VrfProviderArgs),
    /// Evaluation tasks.
    #[command(subcommand)]
    Task(commands::TaskCommand),
    /// Dataset roots and Merkle proofs.
    #[command(subcommand)]
    Dataset(commands::DatasetCommand),
    /// Models: prove, register versions, list versions.
    #[command(subcommand)]
    Model(commands::ModelCommand),
    /// Evaluate a registered version on a task (open, draw, prove, submit).
    Evaluate(commands::EvaluateArgs),
    /// A task's leaderboard.
    Leaderboard {
        /// Task id.
        #[arg(long)]
        task: u64,
    },
    /// Recompute a task's leaderboard from chain data alone, re-verifying every proof off-chain.
    Audit(audit::AuditArgs),
    /// Serve the tasks, leaderboards and evaluations as web pages and a JSON API, and run
    /// the model pipeline for uploads (loopback by default).
    Serve(serve::ServeArgs),
    /// Verifier routes: show, review and approve (owner), pin the trusted SRS (owner).
    #[command(subcommand)]
    Route(commands::RouteCommand),
    /// Governance (owner only).
    Admin {
        #[command(flatten)]
        keys: KeyArgs,
        #[command(subcommand)]
        command: commands::AdminCommand,
    },
}

impl Command {
    /// The key options of a command that sends transactions.
    fn keys(&self) -> Option<&KeyArgs> {
        match self {
            Command::Demo(args) => Some(&args.keys),
            Command::Deploy(args) => Some(&args.keys),
            Command::DeployVrfProvider(args) => Some(&args.keys),
            Command::Task(cmd) => cmd.keys(),
            Command::Model(cmd) => cmd.keys(),
            Command::Evaluate(args) => Some(&args.keys),
            Command::Serve(args) => Some(&args.keys),
            Command::Route(cmd) => cmd.keys(),
            Command::Admin { keys, .. } => Some(keys),
            Command::Devnet { .. }
            | Command::Dataset(_)
            | Command::Leaderboard { .. }
            | Command::Audit(_) => None,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let global = Global::new(cli.global.clone(), cli.command.keys());
    let json = cli.global.json;
    match runtime.block_on(run(cli.command, global)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "error": err.message, "exit_code": err.code })
                );
            }
            eprintln!("error: {}", err.message);
            ExitCode::from(err.code)
        }
    }
}

async fn run(command: Command, global: Global) -> Result<(), CliError> {
    match command {
        Command::Demo(args) => demo::run(&global, args).await,
        Command::Devnet {
            host,
            port,
            state,
            state_interval,
            max_logs_range,
        } => commands::devnet(&host, port, state, state_interval, max_logs_range).await,
        Command::Deploy(args) => commands::deploy(&global, args).await,
        Command::DeployVrfProvider(args) => commands::deploy_vrf_provider(&global, args).await,
        Command::Task(cmd) => commands::task(&global, cmd).await,
        Command::Dataset(cmd) => commands::dataset(&global, cmd).await,
        Command::Model(cmd) => commands::model(&global, cmd).await,
        Command::Evaluate(args) => commands::evaluate(&global, args).await,
        Command::Leaderboard { task } => commands::leaderboard(&global, task).await,
        Command::Audit(args) => audit::run(&global, args).await,
        Command::Serve(args) => serve::run(&global, args).await,
        Command::Route(cmd) => commands::route(&global, cmd).await,
        Command::Admin { command, .. } => commands::admin(&global, command).await,
    }
}
