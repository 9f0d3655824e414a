//! The model pipeline over HTTP: `POST /api/models` takes an ONNX model and a
//! calibration CSV for a task and runs the SDK's preparation (EZKL settings,
//! calibration, circuit, keys, reusable verifier and VKA) and one proof as a
//! background job; on a server started with `--sign` the job can then
//! register the model as a version and evaluate it on the task with the
//! server's key. Jobs run one at a time, in arrival order; at most
//! `--max-jobs` wait or run, and only the last `--keep-jobs` finished jobs
//! (and their folders) are kept. A job's files live in its own folder, and
//! only the names in [`ARTIFACTS`] are served.
//!
//! A job's record is kept in its folder as well (`job.json`, rewritten at
//! each change), so a restarted server still serves the jobs it finished.
//! Servers may share a workspace: each holds an OS lock on the `.lock` file
//! of every job it owns, and a starting server adopts only the folders whose
//! lock it can take (their server stopped): a record left queued or running
//! becomes failed ("the server stopped"), a folder without a record is
//! removed.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::primitives::{keccak256, Address, B256};
use axum::{
    body::Body,
    extract::{multipart::MultipartRejection, Multipart, Path, State},
    http::{header, StatusCode},
    response::Response,
    Json,
};
use serde::{Deserialize, Serialize};
use zkmltrack::{chain::ChainError, dataset::Dataset};

use super::{api::existing_task, ApiError, Shared};

/// The files a finished job offers for download: the circuit's settings, its
/// VKA digest and the model's weight hash, the verifier bundle, a proof, and
/// the architecture package's model (the graph with random weights; with
/// `settings.json` it is the package a route names).
pub(crate) const ARTIFACTS: [&str; 6] = [
    "settings.json",
    "vk_digest.txt",
    "weight_hash.txt",
    "bundle.json",
    "proof.json",
    "architecture.onnx",
];

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    /// The state as the API names it (`queued`, `running`, `done`, `failed`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

/// What a job does after the proof, on a server that signs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct OnChain {
    /// Register into this lineage ...
    pub lineage: Option<u64>,
    /// ... or into a new lineage of this name.
    pub name: Option<String>,
    /// The version's metadata URI.
    pub uri: String,
    /// Evaluate the registered version on the job's task.
    pub evaluate: bool,
}

/// What a job's on-chain steps produced.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct OnChainResult {
    /// The version registered.
    pub version: Option<u64>,
    /// A route the job added that awaits the owner's approval (registration
    /// stopped there; upload again once it is approved).
    pub route_awaiting_approval: Option<u64>,
    /// The evaluation, when the job ran one.
    pub evaluation: Option<u64>,
    /// Its result: correct samples of the drawn ones, and accuracy in basis points.
    pub correct: Option<u32>,
    pub samples: Option<u32>,
    pub accuracy_bps: Option<u32>,
}

/// One upload's job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Job {
    pub id: String,
    pub task: u64,
    pub state: JobState,
    /// The on-chain steps asked for (none unless the server signs).
    pub on_chain: Option<OnChain>,
    /// What they did.
    pub result: OnChainResult,
    /// Steps so far, in order ("calibrate ...", "done in ...").
    pub steps: Vec<String>,
    /// The circuit's pipeline steps as its `status.json` records them, in
    /// the order they ran (filled once the circuit is built; a step found
    /// done from an earlier job keeps that job's record).
    pub pipeline: Vec<PipelineStep>,
    pub error: Option<String>,
    /// Artifacts ready to download.
    pub artifacts: Vec<String>,
    /// keccak256 of the ONNX file.
    pub model_hash: B256,
    /// When it was queued, started and finished (Unix milliseconds): jobs
    /// run one at a time, so each starts after the one before finished.
    pub queued_at: u64,
    pub started_at: Option<u64>,
    pub finished_at: Option<u64>,
    #[serde(skip)]
    dir: PathBuf,
    /// Arrival order (the oldest finished jobs are dropped first).
    #[serde(skip)]
    seq: u64,
    /// The lock on the folder's `.lock` file, held while this server owns
    /// the job (released when the job is dropped).
    #[serde(skip)]
    lock: Option<Arc<std::fs::File>>,
}

/// One step of a circuit's pipeline (`settings`, `calibrate`, `compile`,
/// `setup`, ...): its record in the circuit's `status.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct PipelineStep {
    pub step: String,
    #[serde(flatten)]
    pub record: zkmltrack::prover::StepRecord,
}

/// The steps of the circuit whose `status.json` is at `path`, in the order
/// they ran.
fn pipeline_steps(path: &std::path::Path) -> Vec<PipelineStep> {
    let mut steps: Vec<PipelineStep> = zkmltrack::prover::Status::load(path)
        .map(|s| s.steps)
        .unwrap_or_default()
        .into_iter()
        .map(|(step, record)| PipelineStep { step, record })
        .collect();
    steps.sort_by_key(|s| s.record.seq);
    steps
}

/// How many jobs a server holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobLimits {
    /// Jobs queued or running at once.
    pub active: usize,
    /// Finished jobs kept, with their folders.
    pub kept: usize,
    /// Largest upload body (bytes; `--max-upload-mib`).
    pub upload_bytes: usize,
}

/// Every job of this server, and the queue that runs them one at a time.
pub(crate) struct Jobs {
    dir: PathBuf,
    limits: JobLimits,
    map: Mutex<HashMap<String, Job>>,
    next: std::sync::atomic::AtomicU64,
    queue: tokio::sync::Mutex<()>,
    /// Uploads being read and checked ([`UPLOADS_AT_ONCE`] at most).
    uploads: tokio::sync::Semaphore,
}

/// Uploads read and checked at once: each holds its body in memory (up to
/// the upload limit) and its model check runs a process of its own.
pub(crate) const UPLOADS_AT_ONCE: usize = 4;

/// How long an upload waits for its turn before a 503.
const UPLOAD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long an upload's body may take to arrive (64 MiB at ~1 MiB/s).
const UPLOAD_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

impl Jobs {
    /// The largest upload body this server takes (bytes).
    pub(crate) fn upload_limit(&self) -> usize {
        self.limits.upload_bytes
    }

    /// The jobs of folder `dir` (created if missing): this server's, so
    /// far only those it adopts ([`adopt`]), the oldest finished ones beyond
    /// `limits.kept` dropped.
    pub(crate) fn open(dir: PathBuf, limits: JobLimits) -> std::io::Result<Jobs> {
        std::fs::create_dir_all(&dir)?;
        let mut adopted = adopt(&dir)?;
        adopted.sort_by_key(|j| j.queued_at);
        let jobs = Jobs {
            dir,
            limits,
            map: Mutex::new(HashMap::new()),
            next: std::sync::atomic::AtomicU64::new(0),
            queue: tokio::sync::Mutex::new(()),
            uploads: tokio::sync::Semaphore::new(UPLOADS_AT_ONCE),
        };
        {
            let mut map = jobs.map.lock().expect("jobs");
            for mut job in adopted {
                job.seq = jobs.next_seq();
                map.insert(job.id.clone(), job);
            }
        }
        jobs.prune();
        Ok(jobs)
    }

    fn next_seq(&self) -> u64 {
        self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Drops the oldest finished jobs beyond the limit, folders included.
    fn prune(&self) {
        let mut map = self.map.lock().expect("jobs");
        let mut finished: Vec<(u64, String)> = map
            .values()
            .filter(|j| matches!(j.state, JobState::Done | JobState::Failed))
            .map(|j| (j.seq, j.id.clone()))
            .collect();
        if finished.len() <= self.limits.kept {
            return;
        }
        finished.sort();
        let excess = finished.len() - self.limits.kept;
        for (_, id) in finished.into_iter().take(excess) {
            if let Some(job) = map.remove(&id) {
                remove_job_folder(&job.dir);
                // The lock goes with the job, after its folder.
                drop(job);
            }
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<Job> {
        self.map.lock().expect("jobs").get(id).cloned()
    }

    /// Changes job `id` and rewrites its record.
    fn update(&self, id: &str, f: impl FnOnce(&mut Job)) {
        if let Some(job) = self.map.lock().expect("jobs").get_mut(id) {
            f(job);
            // A record that cannot be written costs the job only its
            // survival of a restart: the job goes on.
            let _ = save(job);
        }
    }
}

/// The record of a job in its folder.
const RECORD: &str = "job.json";
/// The file whose OS lock marks a job's folder as owned by a live server.
const LOCK: &str = ".lock";

/// Writes `job`'s record into its folder (whole or not at all: a new file
/// renamed over the old).
fn save(job: &Job) -> std::io::Result<()> {
    let fresh = job.dir.join(format!("{RECORD}.new"));
    std::fs::write(&fresh, serde_json::to_vec_pretty(job).expect("serializes"))?;
    std::fs::rename(fresh, job.dir.join(RECORD))
}

/// Takes the lock of the job folder `dir` (creating its lock file); `None`
/// when a live server holds it.
fn lock_folder(dir: &std::path::Path) -> std::io::Result<Option<Arc<std::fs::File>>> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Arc::new(file))),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Removes a job's folder while its lock is still held: renamed out of the
/// way first (`.gone-<id>` beside it), so that no starting server takes the
/// folder for one whose server stopped while it is emptied.
fn remove_job_folder(folder: &std::path::Path) {
    let id = folder.file_name().unwrap_or_default().to_string_lossy();
    let gone = folder.with_file_name(format!(".gone-{id}"));
    let target = if std::fs::rename(folder, &gone).is_ok() {
        gone.as_path()
    } else {
        folder
    };
    let _ = std::fs::remove_dir_all(target);
}

/// The jobs in `dir` whose server stopped (their lock is free), now locked
/// by this one. A record left queued or running is marked failed (the work
/// died with its server; its upload can be sent again); a folder without a
/// record, or a scratch folder (`.new-*`, `.gone-*`), is removed. A folder
/// that cannot be read, or whose record does not parse (another build's),
/// is left as it is and said on stderr.
fn adopt(dir: &std::path::Path) -> std::io::Result<Vec<Job>> {
    let mut adopted = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let folder = entry.path();
        match adopt_folder(&folder) {
            Ok(Some(job)) => adopted.push(job),
            Ok(None) => {}
            // Another server may be removing it at the same time.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => eprintln!(
                "zkmltrack serve: leaving job folder {} as it is: {e}",
                folder.display()
            ),
        }
    }
    Ok(adopted)
}

/// [`adopt`] of one entry of the jobs folder: the job, or `None` (not a
/// job's folder, held by a live server, or removed).
fn adopt_folder(folder: &std::path::Path) -> std::io::Result<Option<Job>> {
    // Upload checks' scratch files are files; a job's folder is a folder.
    if !std::fs::metadata(folder)?.is_dir() {
        return Ok(None);
    }
    let name = folder
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let Some(lock) = lock_folder(folder)? else {
        return Ok(None);
    };
    if name.starts_with('.') {
        std::fs::remove_dir_all(folder)?;
        return Ok(None);
    }
    let bytes = match std::fs::read(folder.join(RECORD)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::remove_dir_all(folder)?;
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let mut job: Job = serde_json::from_slice(&bytes)
        .map_err(|e| std::io::Error::other(format!("its {RECORD} does not parse: {e}")))?;
    if job.id != name {
        return Err(std::io::Error::other(format!(
            "its {RECORD} names job {:?}",
            job.id
        )));
    }
    job.dir = folder.to_path_buf();
    job.lock = Some(lock);
    if matches!(job.state, JobState::Queued | JobState::Running) {
        job.state = JobState::Failed;
        job.finished_at = Some(now_ms());
        job.steps.push("failed".into());
        job.error =
            Some("the server stopped before the job finished; upload the model again".into());
        save(&job)?;
    }
    Ok(Some(job))
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
}

/// Unix time in milliseconds.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn job_id(model_hash: B256) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut seed = model_hash.to_vec();
    seed.extend(nanos.to_be_bytes());
    keccak256(seed).to_string()[2..18].to_string()
}

/// How long an evaluation job on a hidden task waits for the owner's reveal
/// (as `zkmltrack evaluate`'s default); the evaluation stays open after it.
const REVEAL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// The multipart fields `POST /api/models` reads.
const FIELDS: &str = "task, model, calibration (and on a signing server lineage or name, uri, \
                      evaluate, dataset)";

/// `POST /api/models` (multipart: `task`, `model`, `calibration`; on a
/// server started with `--sign` also `lineage` or `name`, `uri`, `evaluate`
/// and `dataset`, the task's rows): queues a job.
pub(crate) async fn upload(
    State(state): State<Shared>,
    headers: axum::http::HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let limit = state.jobs.limits.upload_bytes;
    let too_large = |size: Option<u64>| {
        ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the upload{} is larger than this server's limit of {} MiB ({limit} bytes; \
                 `zkmltrack serve --max-upload-mib`)",
                size.map_or(String::new(), |size| format!(" ({size} bytes)")),
                limit >> 20
            ),
        )
    };
    // A declared length past the limit is refused before a byte is read.
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large(declared));
    }
    let _turn = tokio::time::timeout(UPLOAD_WAIT, state.jobs.uploads.acquire())
        .await
        .map_err(|_| {
            ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "{UPLOADS_AT_ONCE} uploads are being read and checked; try again in a moment"
                ),
            )
        })?
        .expect("the upload semaphore is never closed");
    let mut form = form.map_err(|e| {
        bad(format!(
            "expected a multipart/form-data body with fields {FIELDS}: {e}"
        ))
    })?;
    // A body that crosses the limit as it arrives (chunked): the same 413.
    let unreadable = |e: axum::extract::multipart::MultipartError, what: String| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(None)
        } else {
            bad(format!("{what}: {e}"))
        }
    };
    let (mut task, mut model, mut calibration) = (None, None, None);
    let (mut lineage, mut new_lineage, mut uri, mut evaluate, mut rows) =
        (None, None, None, false, None);
    let text = |name: &str, bytes: &[u8]| -> Result<String, ApiError> {
        String::from_utf8(bytes.to_vec())
            .map(|t| t.trim().to_string())
            .map_err(|_| bad(format!("field {name} is not UTF-8 text")))
    };
    // A client that sends its body slowly gives up its turn after a while.
    let deadline = tokio::time::Instant::now() + UPLOAD_READ_TIMEOUT;
    let slow = || {
        ApiError(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the upload was not received within {} s",
                UPLOAD_READ_TIMEOUT.as_secs()
            ),
        )
    };
    while let Some(field) = tokio::time::timeout_at(deadline, form.next_field())
        .await
        .map_err(|_| slow())?
        .map_err(|e| unreadable(e, "malformed multipart body".into()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = tokio::time::timeout_at(deadline, field.bytes())
            .await
            .map_err(|_| slow())?
            .map_err(|e| unreadable(e, format!("cannot read field {name}")))?;
        match name.as_str() {
            "task" => {
                let text = String::from_utf8_lossy(&bytes);
                task = Some(text.trim().parse::<u64>().map_err(|_| {
                    bad(format!(
                        "task must be a task id (a positive integer), got {text:?}"
                    ))
                })?);
            }
            "model" => model = Some(bytes),
            "calibration" => calibration = Some(bytes),
            "lineage" => {
                let value = text("lineage", &bytes)?;
                lineage = Some(
                    value
                        .parse::<u64>()
                        .ok()
                        .filter(|l| *l > 0)
                        .ok_or_else(|| {
                            bad(format!(
                                "lineage must be a lineage id (a positive integer), got {value:?}"
                            ))
                        })?,
                );
            }
            "name" => new_lineage = Some(text("name", &bytes)?).filter(|n| !n.is_empty()),
            "uri" => uri = Some(text("uri", &bytes)?).filter(|u| !u.is_empty()),
            "evaluate" => {
                let value = text("evaluate", &bytes)?;
                evaluate = match value.as_str() {
                    "true" | "1" | "on" => true,
                    "false" | "0" | "" => false,
                    _ => {
                        return Err(bad(format!(
                            "evaluate must be true or false, got {value:?}"
                        )))
                    }
                };
            }
            "dataset" => rows = Some(bytes),
            other => return Err(bad(format!("unknown field {other:?} (expected {FIELDS})"))),
        }
    }
    let task = task.ok_or_else(|| bad("missing field task"))?;
    let model = model.ok_or_else(|| bad("missing field model (the ONNX file)"))?;
    let calibration =
        calibration.ok_or_else(|| bad("missing field calibration (a CSV of model inputs)"))?;
    if model.is_empty() {
        return Err(bad("the model file is empty"));
    }
    let text = std::str::from_utf8(&calibration)
        .map_err(|_| bad("the calibration file is not UTF-8 text"))?;
    let dataset = Dataset::parse(text).map_err(|e| bad(format!("calibration CSV: {e}")))?;
    let overview = existing_task(&state, task).await?;
    let spec = overview.task.spec.clone();
    if dataset.feature_count() != spec.feature_count as usize {
        return Err(bad(format!(
            "the calibration CSV has {} features per row; task {task} takes {}",
            dataset.feature_count(),
            spec.feature_count
        )));
    }
    // The on-chain steps: only with the server's key, checked before queuing.
    let wants_chain = lineage.is_some() || new_lineage.is_some() || evaluate || rows.is_some();
    let on_chain = if wants_chain {
        let Some(signer) = state.signer else {
            return Err(ApiError(
                StatusCode::FORBIDDEN,
                "this server does not sign: registration and evaluation need a server started \
                 with `zkmltrack serve --sign` (and its key); without it, upload the model alone \
                 and register with `zkmltrack model register`"
                    .into(),
            ));
        };
        if state.suite.paused().await? {
            return Err(ApiError(
                StatusCode::CONFLICT,
                "the suite is paused by its owner: nothing can be registered or evaluated until it \
                 is unpaused"
                    .into(),
            ));
        }
        if evaluate && overview.task.closed {
            return Err(ApiError(
                StatusCode::CONFLICT,
                format!("task {task} is closed to new evaluations: upload with evaluate=false"),
            ));
        }
        if lineage.is_some() == new_lineage.is_some() {
            return Err(bad(
                "registration needs exactly one of lineage (an id the server's account owns) \
                 and name (a new lineage)",
            ));
        }
        if let Some(id) = lineage {
            let owner = match state.suite.lineage(id).await {
                Ok((owner, _)) => owner,
                Err(ChainError::Reverted { .. }) => Address::ZERO,
                Err(e) => return Err(e.into()),
            };
            if owner.is_zero() {
                return Err(bad(format!("there is no lineage {id}")));
            }
            if owner != signer {
                return Err(bad(format!(
                    "lineage {id} is not this server's account's ({signer}): its owner is {owner}"
                )));
            }
        }
        if rows.is_some() && !evaluate {
            return Err(bad("dataset (the task's rows) is only for evaluate=true"));
        }
        if spec.hidden && rows.is_some() {
            return Err(bad(format!(
                "task {task} is hidden: its rows come from its owner's reveal once the \
                 evaluation is drawn; leave out the dataset field"
            )));
        }
        if !spec.hidden && evaluate && rows.is_none() {
            return Err(bad(
                "evaluate=true on a public task needs the task's rows as field dataset (its CSV)",
            ));
        }
        // A hidden task must have rows left for one more evaluation before
        // anything is registered (the job would otherwise stop half-way).
        if spec.hidden && evaluate {
            let Some(rows_left) = overview.rows_left else {
                return Err(ApiError(
                    StatusCode::CONFLICT,
                    format!(
                        "hidden task {task} cannot be evaluated: its randomness address does not \
                         answer as a HiddenSet ({})",
                        overview.capacity_unknown.unwrap_or_default()
                    ),
                ));
            };
            if rows_left < u64::from(spec.samples) {
                return Err(ApiError(
                    StatusCode::CONFLICT,
                    format!(
                        "hidden task {task} has {rows_left} unused rows and an evaluation draws \
                         {}: it holds no more evaluations",
                        spec.samples
                    ),
                ));
            }
        }
        if let Some(rows) = &rows {
            let csv =
                std::str::from_utf8(rows).map_err(|_| bad("the dataset file is not UTF-8 text"))?;
            let root = Dataset::parse(csv)
                .and_then(|d| d.quantize(spec.scale))
                .map_err(|e| bad(format!("dataset CSV: {e}")))?
                .root();
            if B256::from(root.to_be_bytes()) != spec.root {
                return Err(bad(format!(
                    "the dataset's Poseidon root at scale {} is {}, task {task}'s is {}: \
                     these are not the task's rows",
                    spec.scale,
                    B256::from(root.to_be_bytes()),
                    spec.root
                )));
            }
        }
        Some(OnChain {
            lineage,
            name: new_lineage,
            uri: uri.unwrap_or_default(),
            evaluate,
        })
    } else {
        None
    };
    let model_hash = keccak256(&model);
    // The cheap refusals first, then the model's shapes (a process of its own).
    admissible(
        &state.jobs.map.lock().expect("jobs"),
        state.jobs.limits.active,
        model_hash,
        task,
    )?;
    check_model(&state, task, &spec, &model, model_hash).await?;
    let id = job_id(model_hash);
    let dir = state.jobs.dir.join(&id);
    let on_chain = on_chain.map(|mut c| {
        if c.uri.is_empty() {
            c.uri = format!("zkmltrack-serve:job/{id}");
        }
        c
    });
    {
        let mut map = state.jobs.map.lock().expect("jobs");
        // Again: another upload may have been admitted during the check.
        admissible(&map, state.jobs.limits.active, model_hash, task)?;
        map.insert(
            id.clone(),
            Job {
                id: id.clone(),
                task,
                state: JobState::Queued,
                steps: vec!["queued".into()],
                pipeline: Vec::new(),
                error: None,
                artifacts: Vec::new(),
                model_hash,
                queued_at: now_ms(),
                started_at: None,
                finished_at: None,
                dir: dir.clone(),
                seq: state.jobs.next_seq(),
                lock: None,
                on_chain: on_chain.clone(),
                result: OnChainResult::default(),
            },
        );
    }
    let stored_error = |e: std::io::Error| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot store the upload: {e}"),
        )
    };
    // The files are stored in a locked scratch folder that a starting server
    // leaves alone (or removes, once this one has stopped), then renamed
    // into place (the lock goes with it), and the job's record written.
    let staging = state.jobs.dir.join(format!(".new-{id}"));
    let mut lock = None;
    let stored = std::fs::create_dir(&staging)
        .and_then(|_| lock_folder(&staging))
        .and_then(|held| {
            lock = Some(held.ok_or_else(|| std::io::Error::other("its folder is held"))?);
            std::fs::write(staging.join("model.onnx"), &model)?;
            std::fs::write(staging.join("calibration.csv"), &calibration)?;
            if let Some(rows) = &rows {
                std::fs::write(staging.join("dataset.csv"), rows)?;
            }
            std::fs::rename(&staging, &dir)
        })
        .map_err(stored_error);
    if let Err(e) = stored {
        // Nothing half-written: no folder left behind, no job left queued.
        let _ = std::fs::remove_dir_all(&staging);
        drop(lock);
        state.jobs.map.lock().expect("jobs").remove(&id);
        return Err(e);
    }
    state.jobs.update(&id, |j| j.lock = lock);
    let job = state.jobs.get(&id).expect("just inserted");
    tokio::spawn(run(state.clone(), id, spec.scale, dataset));
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Whether a job for `model_hash` on `task` may be queued: 503 when `active`
/// jobs are queued or running already, 409 when this model is one of them.
fn admissible(
    jobs: &std::collections::HashMap<String, Job>,
    active: usize,
    model_hash: B256,
    task: u64,
) -> Result<(), ApiError> {
    let running = || {
        jobs.values()
            .filter(|j| matches!(j.state, JobState::Queued | JobState::Running))
    };
    let count = running().count();
    if count >= active {
        return Err(ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{count} jobs are queued or running, the limit of this server \
                 (--max-jobs {active}): try again when one has finished"
            ),
        ));
    }
    if let Some(other) = running().find(|j| j.model_hash == model_hash && j.task == task) {
        return Err(ApiError(
            StatusCode::CONFLICT,
            format!("this model is already in job {} for task {task}", other.id),
        ));
    }
    Ok(())
}

/// Refuses (400) an upload that is not an ONNX model EZKL can take, or whose
/// input and output shapes task `task` cannot evaluate, before a job is
/// queued: the model's shapes alone, read by the SDK's prover in about a
/// second, from a temporary file that is removed whatever the outcome.
async fn check_model(
    state: &Shared,
    task: u64,
    spec: &zkmltrack::suite::TaskSpec,
    model: &[u8],
    model_hash: B256,
) -> Result<(), ApiError> {
    // A server started without an SRS serves the pages but cannot prove.
    if let Err(e) = state.prover.srs() {
        return Err(ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("this server cannot run the pipeline: {}", e.message),
        ));
    }
    // One file per check: two uploads of one model (for two tasks) at once
    // must not remove each other's.
    static CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let check = CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = state.jobs.dir.join(format!(
        ".check-{}-{check}-{model_hash}.onnx",
        std::process::id()
    ));
    let (prover, scale, file) = (state.prover.clone(), spec.scale, path.clone());
    let model = model.to_vec();
    let shape = tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(file.parent().expect("a jobs folder"))
            .and_then(|_| std::fs::write(&file, &model))
            .map_err(|e| format!("cannot store the upload: {e}"))?;
        let prover = prover.prover(scale).map_err(|e| e.message)?;
        Ok::<_, String>(prover.inspect(&file))
    })
    .await;
    // Whatever happened, the check's file goes.
    let _ = std::fs::remove_file(&path);
    let shape = shape
        .map_err(|e| {
            ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("model check: {e}"),
            )
        })?
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    let shape = shape.map_err(|e| match e {
        zkmltrack::prover::ProverError::InvalidModel { reason, .. } => {
            bad(format!("the model file: {reason}"))
        }
        other if other.is_input() => bad(format!("the model file: {other}")),
        other => ApiError(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    })?;
    zkmltrack::evaluation::check_fits(task, spec, &shape.input, shape.output_values())
        .map(|_| ())
        .map_err(|e| bad(format!("the model does not fit task {task}: {e}")))
}

/// Runs job `id` when its turn comes.
async fn run(state: Shared, id: String, scale: u32, dataset: Dataset) {
    let _turn = state.jobs.queue.lock().await;
    state.jobs.update(&id, |j| {
        j.state = JobState::Running;
        j.started_at = Some(now_ms());
        j.steps.push("running".into());
    });
    let worker = state.clone();
    let job = id.clone();
    let outcome = tokio::task::spawn_blocking(move || pipeline(&worker, &job, scale, &dataset))
        .await
        .unwrap_or_else(|e| Err(format!("the job's worker failed: {e}")));
    state.jobs.update(&id, |j| {
        j.finished_at = Some(now_ms());
        match outcome {
            Ok(artifacts) => {
                j.state = JobState::Done;
                j.steps.push("done".into());
                j.artifacts = artifacts;
            }
            Err(error) => {
                j.state = JobState::Failed;
                j.steps.push("failed".into());
                j.error = Some(error);
            }
        }
    });
    state.jobs.prune();
}

/// The SDK's preparation and one proof of the first calibration rows.
fn pipeline(
    state: &Shared,
    id: &str,
    scale: u32,
    dataset: &Dataset,
) -> Result<Vec<String>, String> {
    let dir = state.jobs.get(id).map(|j| j.dir).ok_or("job vanished")?;
    let note = |m: &str| state.jobs.update(id, |j| j.steps.push(m.to_string()));
    let prover = state.prover.prover(scale).map_err(|e| e.message)?;
    let model = dir.join("model.onnx");
    // A new version of an existing lineage is compiled under the lineage's
    // architecture when its package is at hand (as `model register` does),
    // so a retrained model of the same graph keeps its approved route.
    let on_chain = state.jobs.get(id).and_then(|j| j.on_chain);
    let inherited = match on_chain.as_ref().and_then(|c| c.lineage) {
        None => None,
        Some(lineage) => match tokio::runtime::Handle::current().block_on(
            zkmltrack::model::lineage_architecture(&state.suite, lineage),
        ) {
            Ok(Some(found)) => {
                note(&format!(
                    "compiling under lineage {lineage}'s architecture (route {})",
                    found.0
                ));
                Some(found)
            }
            Ok(None) => None,
            Err(e) => {
                note(&format!(
                    "lineage {lineage}'s architecture could not be read ({e}): calibrating"
                ));
                None
            }
        },
    };
    let (prepared, inherited_package) = zkmltrack::model::prepare_version(
        &prover,
        &model,
        inherited,
        dataset,
        &dir.join("calibration.csv"),
        &note,
    )
    .map_err(|e| e.to_string())?;
    let steps = pipeline_steps(&prepared.circuit.paths.status);
    state.jobs.update(id, |j| j.pipeline = steps);
    let io = |e: std::io::Error| format!("cannot write an artifact: {e}");
    std::fs::copy(&prepared.circuit.paths.settings, dir.join("settings.json")).map_err(io)?;
    std::fs::write(
        dir.join("vk_digest.txt"),
        format!("{}\n", prepared.vk_digest()),
    )
    .map_err(io)?;
    std::fs::write(
        dir.join("weight_hash.txt"),
        format!("{}\n", prepared.weight_hash),
    )
    .map_err(io)?;
    let package = match inherited_package {
        Some(package) => package,
        None => prepared.package(&note).map_err(|e| e.to_string())?,
    };
    std::fs::copy(package.model(), dir.join("architecture.onnx")).map_err(io)?;
    prepared
        .bundle
        .write(&dir.join("bundle.json"))
        .map_err(|e| e.to_string())?;
    let per_proof = prepared.circuit.values_per_proof() / dataset.feature_count().max(1);
    let rows: Vec<Vec<f64>> = dataset
        .rows
        .iter()
        .take(per_proof)
        .map(|r| r.features.clone())
        .collect();
    if rows.len() < per_proof {
        return Err(format!(
            "the model proves {per_proof} rows at a time; the calibration CSV has {}",
            rows.len()
        ));
    }
    note(&format!("proving the first {per_proof} calibration rows"));
    let proof = prepared
        .circuit
        .prove(&rows, &|p| note(&p.to_string()))
        .map_err(|e| e.to_string())?;
    std::fs::copy(&proof.path, dir.join("proof.json")).map_err(io)?;
    // The artifacts are ready whatever the chain does next.
    let artifacts: Vec<String> = ARTIFACTS.iter().map(|s| s.to_string()).collect();
    state.jobs.update(id, |j| j.artifacts = artifacts.clone());
    if let Some(on_chain) = on_chain {
        let task = state.jobs.get(id).map(|j| j.task).ok_or("job vanished")?;
        // A blocking worker of the runtime: it may wait on the chain's futures.
        tokio::runtime::Handle::current().block_on(register_and_evaluate(
            state, id, task, &prepared, &on_chain, &dir,
        ))?;
    }
    Ok(artifacts)
}

/// The job's on-chain steps with the server's key: registration (a new
/// route may await the owner's approval, which ends the job there), then the
/// evaluation on the job's task.
async fn register_and_evaluate(
    state: &Shared,
    id: &str,
    task: u64,
    prepared: &zkmltrack::model::PreparedModel<'_>,
    on_chain: &OnChain,
    dir: &std::path::Path,
) -> Result<(), String> {
    use zkmltrack::{chain::ChainError, model::RegisterError};
    let note = |m: &str| state.jobs.update(id, |j| j.steps.push(m.to_string()));
    let lineage = match (&on_chain.lineage, &on_chain.name) {
        (Some(id), _) => zkmltrack::model::Lineage::Existing(*id),
        (None, Some(name)) => zkmltrack::model::Lineage::New(name.clone()),
        (None, None) => return Err("registration needs a lineage or a name".into()),
    };
    note("registering the model version with the server's key");
    let registered = zkmltrack::model::register(
        &state.suite,
        prepared,
        &lineage,
        &on_chain.uri,
        None,
        None,
        &|step| {
            use zkmltrack::model::RegisterStep as S;
            note(&match step {
                S::BuildingPackage => "building the architecture package".to_string(),
                S::AddingRoute => "adding the architecture's verifier route".to_string(),
                S::RouteAdded(id) => format!("route {id} added"),
                S::RouteFound(id) => format!("the architecture's approved route: {id}"),
                S::Registering => "registering the version".to_string(),
                S::Registered(id) => format!("version {id} registered"),
            })
        },
    )
    .await;
    let version = match registered {
        Ok(r) => r.version_id,
        Err(RegisterError::Chain(ChainError::AwaitingApproval { route_id })) => {
            state.jobs.update(id, |j| {
                j.result.route_awaiting_approval = Some(route_id);
            });
            note(&format!(
                "route {route_id} awaits the suite owner's approval: nothing more was sent; \
                 upload again once it is approved"
            ));
            return Ok(());
        }
        Err(e) => return Err(format!("registration failed: {e}")),
    };
    state.jobs.update(id, |j| j.result.version = Some(version));
    if !on_chain.evaluate {
        return Ok(());
    }
    // A public task's rows came with the upload; a hidden task's come from
    // its owner's reveal, which the job waits for.
    let dataset = match std::fs::read_to_string(dir.join("dataset.csv")) {
        Ok(csv) => Some(Dataset::parse(&csv).map_err(|e| format!("dataset CSV: {e}"))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read the task's rows: {e}")),
    };
    let rows = match &dataset {
        Some(dataset) => zkmltrack::evaluation::Rows::Dataset(dataset),
        None => {
            note(&format!(
                "task {task} is hidden: the job waits up to {} s for its owner to reveal the \
                 drawn rows",
                REVEAL_TIMEOUT.as_secs()
            ));
            zkmltrack::evaluation::Rows::Revealed(REVEAL_TIMEOUT)
        }
    };
    note(&format!("evaluating version {version} on task {task}"));
    let report =
        zkmltrack::evaluation::evaluate_model(&state.suite, task, version, prepared, rows, &note)
            .await
            .map_err(|e| format!("evaluation failed: {e}"))?;
    state.jobs.update(id, |j| {
        j.result.evaluation = Some(report.evaluation_id);
        j.result.correct = Some(report.correct);
        j.result.samples = Some(report.samples.len() as u32);
        j.result.accuracy_bps = Some(report.accuracy_bps);
    });
    note(&format!(
        "evaluation {} finalized: {}/{} correct",
        report.evaluation_id,
        report.correct,
        report.samples.len()
    ));
    Ok(())
}

/// `GET /api/jobs/{id}`.
pub(crate) async fn status(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    state
        .jobs
        .get(&id)
        .map(Json)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no job {id:?}")))
}

/// `GET /api/jobs/{id}/artifacts/{name}`: only the names of [`ARTIFACTS`],
/// only from the job's own folder, only once the job has them.
pub(crate) async fn artifact(
    State(state): State<Shared>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let job = state
        .jobs
        .get(&id)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no job {id:?}")))?;
    if !ARTIFACTS.contains(&name.as_str()) {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!(
                "no artifact {name:?}: a job offers {}",
                ARTIFACTS.join(", ")
            ),
        ));
    }
    if !job.artifacts.contains(&name) {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("job {id} has no {name} yet (it is {:?})", job.state),
        ));
    }
    let bytes = tokio::fs::read(job.dir.join(&name)).await.map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {name}: {e}"),
        )
    })?;
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(Body::from(bytes))
        .expect("valid response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> JobLimits {
        JobLimits {
            active: 4,
            kept: 2,
            upload_bytes: 1 << 20,
        }
    }

    /// A job record as a server leaves it in folder `id` of `root`.
    fn leave(root: &std::path::Path, id: &str, state: JobState, queued_at: u64) {
        let dir = root.join(id);
        std::fs::create_dir_all(&dir).unwrap();
        let job = Job {
            id: id.into(),
            task: 1,
            state,
            on_chain: None,
            result: OnChainResult::default(),
            steps: vec!["queued".into()],
            pipeline: Vec::new(),
            error: None,
            artifacts: Vec::new(),
            model_hash: B256::repeat_byte(1),
            queued_at,
            started_at: None,
            finished_at: None,
            dir,
            seq: 0,
            lock: None,
        };
        save(&job).unwrap();
    }

    #[test]
    fn a_restarted_server_adopts_the_jobs_of_stopped_servers_only() {
        let root = std::env::temp_dir().join(format!("zkmltrack-jobs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        leave(&root, "finished", JobState::Done, 3);
        leave(&root, "interrupted", JobState::Running, 4);
        leave(&root, "older", JobState::Failed, 1);
        leave(&root, "oldest", JobState::Done, 0);
        // A live server's job: its lock is held.
        leave(&root, "live", JobState::Running, 5);
        let held = lock_folder(&root.join("live")).unwrap().expect("free");
        // A folder its server left before writing the record, and an upload
        // check's scratch file.
        std::fs::create_dir_all(root.join("unrecorded")).unwrap();
        std::fs::write(root.join(".check-1.onnx"), b"x").unwrap();
        // An upload's scratch folder its server left, and one a live server
        // is filling.
        std::fs::create_dir_all(root.join(".new-left")).unwrap();
        std::fs::create_dir_all(root.join(".new-filling")).unwrap();
        let filling = lock_folder(&root.join(".new-filling"))
            .unwrap()
            .expect("free");
        // A record another build wrote: left as it is.
        std::fs::create_dir_all(root.join("foreign")).unwrap();
        std::fs::write(root.join("foreign").join(RECORD), b"{\"v\": 2}").unwrap();

        let jobs = Jobs::open(root.clone(), limits()).unwrap();
        let finished = jobs.get("finished").expect("a finished job survives");
        assert_eq!(finished.state, JobState::Done);
        let interrupted = jobs.get("interrupted").expect("adopted");
        assert_eq!(interrupted.state, JobState::Failed);
        assert!(interrupted.error.unwrap().contains("server stopped"));
        // Its record says so too, for the next server.
        let record: Job =
            serde_json::from_slice(&std::fs::read(root.join("interrupted").join(RECORD)).unwrap())
                .unwrap();
        assert_eq!(record.state, JobState::Failed);
        // Two finished jobs are kept: the older ones are gone, folders and all.
        assert!(jobs.get("older").is_none() && !root.join("older").exists());
        assert!(jobs.get("oldest").is_none() && !root.join("oldest").exists());
        // The live server's job is left to it.
        assert!(jobs.get("live").is_none() && root.join("live").join(RECORD).exists());
        assert!(!root.join("unrecorded").exists());
        assert!(root.join(".check-1.onnx").exists());
        assert!(!root.join(".new-left").exists());
        assert!(root.join(".new-filling").exists());
        assert!(jobs.get("foreign").is_none() && root.join("foreign").join(RECORD).exists());
        // This server now holds its jobs: another finds nothing to adopt.
        let other = Jobs::open(root.clone(), limits()).unwrap();
        assert!(other.get("finished").is_none());
        // Once this server stops, its jobs can be adopted (a copy of a job
        // holds its lock as well).
        drop((jobs, finished));
        let after = Jobs::open(root.clone(), limits()).unwrap();
        assert!(after.get("finished").is_some());
        drop((held, filling));
        let _ = std::fs::remove_dir_all(&root);
    }
}
