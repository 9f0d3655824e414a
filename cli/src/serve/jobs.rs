//! The model pipeline over HTTP: `POST /api/models` takes an ONNX model and a
//! calibration CSV for a task and runs the SDK's preparation (EZKL settings,
//! calibration, circuit, keys, reusable verifier and VKA) and one proof as a
//! background job; jobs run one at a time, in arrival order. A job's files
//! live in its own folder, and only the names in [`ARTIFACTS`] are served.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::Mutex,
    time::{SystemTime, UNIX_EPOCH},
};

use alloy::primitives::{keccak256, B256};
use axum::{
    body::Body,
    extract::{multipart::MultipartRejection, Multipart, Path, State},
    http::{header, StatusCode},
    response::Response,
    Json,
};
use serde::Serialize;
use zkmltrack::dataset::Dataset;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

/// One upload's job.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Job {
    pub id: String,
    pub task: u64,
    pub state: JobState,
    /// Steps so far, in order ("calibrate ...", "done in ...").
    pub steps: Vec<String>,
    pub error: Option<String>,
    /// Artifacts ready to download.
    pub artifacts: Vec<String>,
    /// keccak256 of the ONNX file.
    pub model_hash: B256,
    #[serde(skip)]
    dir: PathBuf,
}

/// Every job of this server, and the queue that runs them one at a time.
pub(crate) struct Jobs {
    dir: PathBuf,
    map: Mutex<HashMap<String, Job>>,
    queue: tokio::sync::Mutex<()>,
}

impl Jobs {
    pub(crate) fn new(dir: PathBuf) -> Jobs {
        Jobs {
            dir,
            map: Mutex::new(HashMap::new()),
            queue: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<Job> {
        self.map.lock().expect("jobs").get(id).cloned()
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Job)) {
        if let Some(job) = self.map.lock().expect("jobs").get_mut(id) {
            f(job);
        }
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, message.into())
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

/// `POST /api/models` (multipart: `task`, `model`, `calibration`): queues a job.
pub(crate) async fn upload(
    State(state): State<Shared>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let mut form = form.map_err(|e| {
        bad(format!(
            "expected a multipart/form-data body with fields task, model, calibration: {e}"
        ))
    })?;
    let (mut task, mut model, mut calibration) = (None, None, None);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| bad(format!("malformed multipart body: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| bad(format!("cannot read field {name}: {e}")))?;
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
            other => {
                return Err(bad(format!(
                    "unknown field {other:?} (expected task, model, calibration)"
                )))
            }
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
    let spec = existing_task(&state, task).await?.spec;
    if dataset.feature_count() != spec.feature_count as usize {
        return Err(bad(format!(
            "the calibration CSV has {} features per row; task {task} takes {}",
            dataset.feature_count(),
            spec.feature_count
        )));
    }
    let model_hash = keccak256(&model);
    let id = job_id(model_hash);
    let dir = state.jobs.dir.join(&id);
    {
        let mut map = state.jobs.map.lock().expect("jobs");
        let running = map.values().find(|j| {
            j.model_hash == model_hash
                && j.task == task
                && matches!(j.state, JobState::Queued | JobState::Running)
        });
        if let Some(other) = running {
            return Err(ApiError(
                StatusCode::CONFLICT,
                format!("this model is already in job {} for task {task}", other.id),
            ));
        }
        map.insert(
            id.clone(),
            Job {
                id: id.clone(),
                task,
                state: JobState::Queued,
                steps: vec!["queued".into()],
                error: None,
                artifacts: Vec::new(),
                model_hash,
                dir: dir.clone(),
            },
        );
    }
    let write = |name: &str, bytes: &[u8]| {
        std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::write(dir.join(name), bytes))
            .map_err(|e| {
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot store the upload: {e}"),
                )
            })
    };
    write("model.onnx", &model)?;
    write("calibration.csv", &calibration)?;
    let job = state.jobs.get(&id).expect("just inserted");
    tokio::spawn(run(state.clone(), id, spec.scale, dataset));
    Ok((StatusCode::ACCEPTED, Json(job)))
}

/// Runs job `id` when its turn comes.
async fn run(state: Shared, id: String, scale: u32, dataset: Dataset) {
    let _turn = state.jobs.queue.lock().await;
    state.jobs.update(&id, |j| {
        j.state = JobState::Running;
        j.steps.push("running".into());
    });
    let worker = state.clone();
    let job = id.clone();
    let outcome = tokio::task::spawn_blocking(move || pipeline(&worker, &job, scale, &dataset))
        .await
        .unwrap_or_else(|e| Err(format!("the job's worker failed: {e}")));
    state.jobs.update(&id, |j| match outcome {
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
    });
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
    let prepared = zkmltrack::model::prepare(
        &prover,
        &model,
        dataset,
        &dir.join("calibration.csv"),
        &note,
    )
    .map_err(|e| e.to_string())?;
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
    let package = prepared.package(&note).map_err(|e| e.to_string())?;
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
        .prove(&rows, &|_| {})
        .map_err(|e| e.to_string())?;
    std::fs::copy(&proof.path, dir.join("proof.json")).map_err(io)?;
    Ok(ARTIFACTS.iter().map(|s| s.to_string()).collect())
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
