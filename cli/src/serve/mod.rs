//! `zkmltrack serve`: the suite's tasks, leaderboards, lineages and
//! evaluations as web pages, the JSON API behind them (described at
//! `/api/openapi.json`), and the model pipeline as HTTP jobs.
//!
//! One process on axum/tokio. It reads the chain through the SDK
//! ([`zkmltrack::explorer`]). Only when started with `--sign` does it send
//! transactions, with the CLI's key (`ZKMLTRACK_PRIVATE_KEY`, a key file or a
//! keystore; the dev key on a dev chain): an upload may then register its
//! model and evaluate it; the pages say which. It binds to loopback by
//! default; binding to another address requires `--token`, and every writing
//! endpoint then requires `Authorization: Bearer <token>`. Browsers cannot
//! write on another site's behalf, nor reach a loopback server under another
//! name ([`guard`]).

mod api;
mod audits;
mod guard;
mod jobs;
mod pages;
mod per_block;

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use axum::{
    extract::DefaultBodyLimit,
    http::StatusCode,
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use clap::Args;
use serde_json::json;
use zkmltrack::{chain::ChainError, suite::Suite};

use crate::{
    context::{Global, KeyArgs, ProverArgs},
    output::CliError,
};

/// `serve` options.
#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address to listen on; anything but loopback requires --token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Bearer token every writing endpoint requires (required off loopback).
    #[arg(long, env = "ZKMLTRACK_SERVE_TOKEN")]
    pub token: Option<String>,
    /// A reverse proxy's name (repeatable): a loopback server answers it as
    /// `Host`, and takes writes from its pages' origin (a proxy that passes
    /// the server's own address as `Host`, nginx's default). Loopback servers
    /// otherwise answer only loopback names (no DNS rebinding).
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
    /// Largest model upload, in MiB.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_upload_mib: u64,
    /// Jobs queued or running at once; further uploads are refused (503) until one ends.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub max_jobs: u64,
    /// Finished jobs kept with their folders; the oldest are deleted beyond this.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=100000))]
    pub keep_jobs: u64,
    /// Register and evaluate uploaded models with this server's key (the
    /// CLI's key options; the dev key on a dev chain). Without it the server
    /// sends no transaction.
    #[arg(long)]
    pub sign: bool,
    #[command(flatten)]
    pub prover: ProverArgs,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// What every handler reads.
pub(crate) struct AppState {
    pub suite: Suite,
    pub guard: guard::Guard,
    pub jobs: jobs::Jobs,
    pub audits: audits::Audits,
    pub boards: per_block::PerBlock<Vec<zkmltrack::explorer::RankedVersion>>,
    pub running: per_block::PerBlock<Vec<zkmltrack::suite::Evaluation>>,
    pub revoked:
        per_block::PerBlock<Vec<(zkmltrack::explorer::VersionScore, zkmltrack::suite::Version)>>,
    pub prover: ProverArgs,
    pub rpc_url: String,
    /// The account registrations and evaluations are sent from (`--sign`).
    pub signer: Option<alloy::primitives::Address>,
}

type Shared = Arc<AppState>;

/// An API error: a status and a sentence (JSON `{"error": ...}`).
pub(crate) struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<ChainError> for ApiError {
    fn from(e: ChainError) -> ApiError {
        match &e {
            ChainError::Unreachable { .. } | ChainError::Rpc { .. } => ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the chain is unreachable or failing, try again later ({e})"),
            ),
            ChainError::Reverted { .. } => ApiError(StatusCode::NOT_FOUND, e.to_string()),
            _ => ApiError(StatusCode::BAD_GATEWAY, e.to_string()),
        }
    }
}

/// A numeric path id; anything else is a 400 with a sentence (not axum's
/// plain-text rejection).
pub(crate) struct Id(pub u64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<u64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(Id(id)),
            Err(_) => Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!(
                    "{}: the id must be a non-negative integer",
                    parts.uri.path()
                ),
            )),
        }
    }
}

/// The routes of the app over `state`.
pub(crate) fn app(state: Shared) -> Router {
    let max_upload = state.jobs.upload_limit();
    Router::new()
        .route("/", get(pages::tasks))
        .route("/tasks/{id}", get(pages::task))
        .route("/lineages/{id}", get(pages::lineage))
        .route("/lineages/{id}/chart.svg", get(pages::chart))
        .route("/evaluations/{id}", get(pages::evaluation))
        .route("/upload", get(pages::upload))
        .route("/jobs/{id}", get(pages::job))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/health", get(api::health))
        .route("/api/tasks", get(api::tasks))
        .route("/api/tasks/{id}", get(api::task))
        .route("/api/tasks/{id}/leaderboard", get(api::leaderboard))
        .route("/api/tasks/{id}/audit", get(api::audit))
        .route("/api/tasks/{id}/evaluations", get(api::in_progress))
        .route("/api/versions/{id}", get(api::version))
        .route("/api/tasks/{id}/revoked", get(api::revoked))
        .route("/api/lineages/{id}/versions", get(api::lineage))
        .route("/api/lineages/{id}/scores", get(api::lineage_scores))
        .route("/api/evaluations/{id}", get(api::evaluation))
        .route("/api/models", post(jobs::upload))
        .route("/api/jobs/{id}", get(jobs::status))
        .route("/api/jobs/{id}/artifacts/{name}", get(jobs::artifact))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(DefaultBodyLimit::max(max_upload))
        .with_state(state)
}

/// A path no route serves: a 404 in words, a page or JSON as the path asks.
async fn no_route(uri: axum::http::Uri) -> Response {
    let e = ApiError(
        StatusCode::NOT_FOUND,
        format!(
            "nothing is served at {} (the API's routes are in /api/openapi.json)",
            uri.path()
        ),
    );
    if uri.path().starts_with("/api/") {
        e.into_response()
    } else {
        pages::error_page(e)
    }
}

/// A route asked with a method it does not take: a 405 in words (axum adds
/// the `Allow` header).
async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} does not take {method}", uri.path()),
    )
}

/// `serve`.
pub(crate) async fn run(global: &Global, args: ServeArgs) -> Result<(), CliError> {
    let listener = listen(&args).await?;
    let suite = global.suite().await?;
    serve_suite(global, suite, &args, listener).await
}

/// The socket `args` names, bound before any other work: a non-loopback
/// address without a token, or one in use, is refused at once.
pub(crate) async fn listen(args: &ServeArgs) -> Result<tokio::net::TcpListener, CliError> {
    check_listen(&args.listen, args.token.as_deref())?;
    tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::input(format!("cannot listen on {}: {e}", args.listen)))
}

/// Refuses a non-loopback address without a token.
fn check_listen(listen: &SocketAddr, token: Option<&str>) -> Result<(), CliError> {
    if !listen.ip().is_loopback() && token.is_none() {
        return Err(CliError::input(format!(
            "--listen {listen} is not a loopback address: pass --token (or ZKMLTRACK_SERVE_TOKEN) \
             so that only its holders can upload models"
        )));
    }
    Ok(())
}

/// Serves `suite` on `listener` until Ctrl-C (`serve`, and `demo --serve` on
/// its own chain).
pub(crate) async fn serve_suite(
    global: &Global,
    suite: Suite,
    args: &ServeArgs,
    listener: tokio::net::TcpListener,
) -> Result<(), CliError> {
    let rpc_url = suite.chain().url().to_string();
    let signer = if args.sign {
        Some(suite.chain().account("--sign").map_err(|_| {
            CliError::input(
                "--sign needs a key: set ZKMLTRACK_PRIVATE_KEY, --private-key-file or --keystore",
            )
        })?)
    } else {
        None
    };
    // An SRS named but missing is a mistake to say now, not at every upload.
    if args.prover.srs.is_some() {
        args.prover.srs()?;
    }
    let jobs_dir: PathBuf = args.prover.workspace.join("serve-jobs");
    let limits = jobs::JobLimits {
        active: args.max_jobs as usize,
        kept: args.keep_jobs as usize,
        upload_bytes: (args.max_upload_mib as usize) << 20,
    };
    let state = Arc::new(AppState {
        suite,
        signer,
        guard: guard::Guard {
            token: args.token.clone(),
            loopback: args.listen.ip().is_loopback(),
            allowed_hosts: args.allow_host.clone(),
        },
        jobs: jobs::Jobs::open(jobs_dir.clone(), limits).map_err(|e| {
            CliError::input(format!(
                "cannot open the jobs folder {}: {e}",
                jobs_dir.display()
            ))
        })?,
        audits: audits::Audits::default(),
        boards: Default::default(),
        running: Default::default(),
        revoked: Default::default(),
        prover: args.prover.clone(),
        rpc_url,
    });
    let address = listener
        .local_addr()
        .map_err(|e| CliError::input(e.to_string()))?;
    // The address on stdout (machine-readable with --json), so a script can wait for it.
    crate::output::emit(
        global.json(),
        &json!({ "listening": format!("http://{address}") }),
        &format!("zkmltrack serve: http://{address}/ (Ctrl-C stops)"),
    );
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| CliError::input(format!("server failed: {e}")))
}
