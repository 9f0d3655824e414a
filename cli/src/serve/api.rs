//! The JSON API (`/api/...`) and its OpenAPI document.

use axum::{extract::State, http::StatusCode, Json};
use serde::Serialize;
use serde_json::{json, Value};
use zkmltrack::{chain::bindings::ITaskController, explorer, suite::Version};

use super::{ApiError, Id, Shared};

/// `GET /api/health`: the chain the server reads and its latest block.
pub(crate) async fn health(State(state): State<Shared>) -> Result<Json<Value>, ApiError> {
    let chain = state.suite.chain();
    let block = chain.block_number().await?;
    Ok(Json(json!({
        "chain_id": chain.chain_id(),
        "block": block,
        "rpc_url": state.rpc_url,
        "deployment": state.suite.deployment,
        // The account uploads register and evaluate from; null: the server sends nothing.
        "signer": state.signer,
    })))
}

/// Task `id`, or 404 when there is none.
pub(crate) async fn existing_task(
    state: &Shared,
    id: u64,
) -> Result<explorer::TaskOverview, ApiError> {
    let count = state.suite.task_count().await?;
    if id == 0 || id > count {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no task {id} (the suite has {count})"),
        ));
    }
    Ok(explorer::task_overview(&state.suite, id).await?)
}

/// Version `id`, or 404 when there is none.
pub(crate) async fn existing_version(state: &Shared, id: u64) -> Result<Version, ApiError> {
    match state.suite.version(id).await {
        Ok(v) if v.id == id && id != 0 => Ok(v),
        Ok(_) | Err(zkmltrack::chain::ChainError::Reverted { .. }) => {
            Err(ApiError(StatusCode::NOT_FOUND, format!("no version {id}")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Evaluation `id`'s details, or 404 when there is none.
pub(crate) async fn existing_evaluation(
    state: &Shared,
    id: u64,
) -> Result<explorer::EvaluationDetails, ApiError> {
    let count = state
        .suite
        .chain()
        .view(
            "evaluationCount",
            state.suite.deployment.controller,
            &ITaskController::evaluationCountCall {},
        )
        .await?;
    if id == 0 || id > count {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no evaluation {id} (the controller has {count})"),
        ));
    }
    Ok(explorer::evaluation_details(&state.suite, id).await?)
}

/// `GET /api/tasks`.
pub(crate) async fn tasks(
    State(state): State<Shared>,
) -> Result<Json<Vec<explorer::TaskOverview>>, ApiError> {
    Ok(Json(explorer::tasks(&state.suite).await?))
}

/// `GET /api/tasks/{id}`.
pub(crate) async fn task(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<Json<explorer::TaskOverview>, ApiError> {
    Ok(Json(existing_task(&state, id).await?))
}

/// `GET /api/tasks/{id}/leaderboard`.
pub(crate) async fn leaderboard(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<Json<Vec<explorer::RankedVersion>>, ApiError> {
    Ok(Json(super::per_block::board(&state, id).await?.to_vec()))
}

/// `GET /api/tasks/{id}/audit`: the SDK's audit of the task (every proof
/// re-verified in a private EVM, the ranking recomputed), cached until the
/// contracts it reads log anything new. Headers say which: `X-Audit-Block`
/// (the head block when it ran) and `X-Audit-Cache` (`hit` or `miss`).
pub(crate) async fn audit(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    existing_task(&state, id).await?;
    let audited = super::audits::of_task(&state, id).await?;
    Ok((
        [
            ("x-audit-block", audited.at_block.to_string()),
            (
                "x-audit-cache",
                if audited.cached { "hit" } else { "miss" }.to_string(),
            ),
        ],
        Json((*audited.report).clone()),
    ))
}

/// `GET /api/tasks/{id}/evaluations`: the task's evaluations in progress
/// (waiting for their seed, or drawn and not finalized), oldest first.
pub(crate) async fn in_progress(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<Json<Vec<zkmltrack::suite::Evaluation>>, ApiError> {
    Ok(Json(super::per_block::running(&state, id).await?.to_vec()))
}

/// `GET /api/versions/{id}`.
pub(crate) async fn version(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<Json<Version>, ApiError> {
    Ok(Json(existing_version(&state, id).await?))
}

/// Lineage `id`'s versions, oldest first, or 404 when there is none.
pub(crate) async fn existing_lineage(state: &Shared, id: u64) -> Result<Vec<Version>, ApiError> {
    let versions = state.suite.lineage_versions(id).await?;
    if versions.is_empty() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no lineage {id}")));
    }
    Ok(versions)
}

/// `GET /api/lineages/{id}/versions`.
pub(crate) async fn lineage(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<Json<Vec<Version>>, ApiError> {
    Ok(Json(existing_lineage(&state, id).await?))
}

/// A finalized evaluation of a lineage's version: a point of its chart.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct LineageScore {
    /// The version's number in its lineage.
    pub number: u32,
    /// The evaluation.
    #[serde(flatten)]
    pub score: explorer::VersionScore,
}

/// Every finalized evaluation of lineage `id`'s versions, on any task, oldest
/// first, each with its version's number (404 for no such lineage).
pub(crate) async fn lineage_scores_of(
    state: &Shared,
    id: u64,
) -> Result<(Vec<Version>, Vec<LineageScore>), ApiError> {
    let versions = existing_lineage(state, id).await?;
    let ids: Vec<u64> = versions.iter().map(|v| v.id).collect();
    let scores = explorer::version_scores(&state.suite, &ids)
        .await?
        .into_iter()
        .filter_map(|score| {
            let v = versions.iter().find(|v| v.id == score.version_id)?;
            Some(LineageScore {
                number: v.number,
                score,
            })
        })
        .collect();
    Ok((versions, scores))
}

/// `GET /api/lineages/{id}/scores`: what the lineage's accuracy chart plots.
pub(crate) async fn lineage_scores(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<Json<Vec<LineageScore>>, ApiError> {
    Ok(Json(lineage_scores_of(&state, id).await?.1))
}

/// A finalized evaluation of a version revoked since: below a task's
/// ranking, struck out.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RevokedScore {
    /// The evaluation.
    #[serde(flatten)]
    pub score: explorer::VersionScore,
    /// The revoked version.
    pub version: Version,
}

/// `GET /api/tasks/{id}/revoked`: the task's finalized evaluations of
/// versions revoked since, best first (the board leaves them out).
pub(crate) async fn revoked(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<Json<Vec<RevokedScore>>, ApiError> {
    let revoked = super::per_block::revoked(&state, id).await?;
    Ok(Json(
        revoked
            .iter()
            .map(|(score, version)| RevokedScore {
                score: *score,
                version: version.clone(),
            })
            .collect(),
    ))
}

/// `GET /api/evaluations/{id}`.
pub(crate) async fn evaluation(
    State(state): State<Shared>,
    Id(id): Id,
) -> Result<Json<explorer::EvaluationDetails>, ApiError> {
    Ok(Json(existing_evaluation(&state, id).await?))
}

/// `GET /api/openapi.json`: the OpenAPI 3.1 document of this API.
pub(crate) async fn openapi() -> Json<Value> {
    Json(document())
}

fn id_param(what: &str) -> Value {
    json!({ "name": "id", "in": "path", "required": true,
            "description": format!("{what} id (from 1)"),
            "schema": { "type": "integer", "format": "int64", "minimum": 0 } })
}

fn get_op(summary: &str, params: Vec<Value>, schema: &str) -> Value {
    json!({ "get": {
        "summary": summary,
        "parameters": params,
        "responses": {
            "200": { "description": "OK", "content": { "application/json": {
                "schema": { "$ref": format!("#/components/schemas/{schema}") } } } },
            "400": { "$ref": "#/components/responses/Error" },
            "404": { "$ref": "#/components/responses/Error" },
            "503": { "$ref": "#/components/responses/Error" }
        }
    }})
}

/// The document (hand-written: the routes are few and their shapes are the
/// SDK's serialized types; a test checks every route is in it).
pub(crate) fn document() -> Value {
    let int = json!({ "type": "integer" });
    let hex = json!({ "type": "string", "pattern": "^0x[0-9a-fA-F]*$" });
    let task_spec = json!({ "type": "object", "properties": {
        "root": hex, "dataset_size": int, "feature_count": int, "class_count": int,
        "scale": int, "samples": int, "draw_delay": int, "randomness": hex,
        "hidden": { "type": "boolean" }, "metadata": hex } });
    let submission = json!({ "type": "object",
        "required": ["tx_hash", "first_slot", "count", "correct", "samples"], "properties": {
        "tx_hash": hex, "block": { "type": ["integer", "null"] },
        "first_slot": int, "count": int, "correct": int,
        "samples": { "type": "array",
            "description": "per sample, from the transaction's calldata; empty when it is not a direct submitSamples call",
            "items": { "type": "object", "properties": {
                "slot": int, "row": int, "label": int,
                "predicted": { "type": ["integer", "null"] }, "correct": { "type": "boolean" } } } } } });
    let version = json!({ "type": "object", "properties": {
        "id": int, "lineage_id": int, "number": int, "weight_hash": hex, "vk_digest": hex, "route_id": int,
        "submitter": hex, "timestamp": int, "revoked": { "type": "boolean" } } });
    let upload_summary = format!(
        "Upload an ONNX model for a task: a model that is not ONNX, or whose shapes the task cannot evaluate (input width, rows per proof, scores per row), is refused with 400 before anything is queued; otherwise runs the prover pipeline as a job (one at a time, queued; at most --max-jobs waiting or running, and {} uploads read and checked at once, else 503); on a server started with --sign the job can also register the model (lineage or name) and evaluate it (evaluate with dataset, the task's rows, on a public task; on a hidden task without dataset: the job waits for the owner's reveal, and a task with no rows left for another evaluation is refused with 409 before anything is queued; so are an evaluation on a closed task and any on-chain step while the suite is paused); without --sign those fields get 403; a browser request from another origin (Origin or Sec-Fetch-Site) gets 403, and so does any request to a loopback server under a Host name that is not loopback (DNS rebinding)",
        super::jobs::UPLOADS_AT_ONCE
    );
    let score = |extra: (&str, Value)| {
        let mut properties =
            json!({ "task_id": int, "version_id": int, "evaluation_id": int, "accuracy_bps": int });
        properties[extra.0] = extra.1;
        json!({ "type": "object", "properties": properties })
    };
    let revoked_scores = json!({ "type": "array", "items": score(("version", version.clone())) });
    let lineage_scores = json!({ "type": "array", "items": score(("number", int.clone())) });
    json!({
        "openapi": "3.1.0",
        "info": { "title": "zkMLTrack", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Tasks, leaderboards, versions and evaluations read from the chain, and the model pipeline as jobs. Writing endpoints need `Authorization: Bearer <token>` when the server was started with --token." },
        "paths": {
            "/api/health": { "get": { "summary": "The chain read and its latest block, and the account the server signs with (null without --sign)",
                "responses": { "200": { "description": "OK", "content": { "application/json": {
                    "schema": { "type": "object" } } } },
                    "503": { "$ref": "#/components/responses/Error" } } } },
            "/api/tasks": { "get": { "summary": "Every task",
                "responses": { "200": { "description": "OK", "content": { "application/json": {
                    "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Task" } } } } },
                    "503": { "$ref": "#/components/responses/Error" } } } },
            "/api/tasks/{id}": get_op("One task", vec![id_param("task")], "Task"),
            "/api/tasks/{id}/leaderboard": get_op("A task's leaderboard, best first", vec![id_param("task")], "Leaderboard"),
            "/api/tasks/{id}/audit": get_op("A task's audit: every finalized evaluation's proofs re-verified in a private EVM, accuracies and ranking recomputed (cached until the contracts it reads (the suite's, the task's randomness provider or HiddenSet, and its upstream) log anything new, then renewed verifying only the evaluations the cached one had not checked cleanly; the X-Audit-Block header is the head block when it ran, X-Audit-Cache is hit or miss)", vec![id_param("task")], "Audit"),
            "/api/tasks/{id}/evaluations": get_op("A task's evaluations in progress (committed or drawn), oldest first", vec![id_param("task")], "Evaluations"),
            "/api/versions/{id}": get_op("One model version", vec![id_param("version")], "Version"),
            "/api/tasks/{id}/revoked": get_op("A task's finalized evaluations of versions revoked since, best first (the leaderboard leaves them out; the task page lists them struck out)", vec![id_param("task")], "RevokedScores"),
            "/api/lineages/{id}/versions": get_op("A lineage's versions", vec![id_param("lineage")], "Versions"),
            "/api/lineages/{id}/scores": get_op("Every finalized evaluation of a lineage's versions, on any task, oldest first: what its accuracy chart plots", vec![id_param("lineage")], "LineageScores"),
            "/api/evaluations/{id}": get_op("An evaluation: drawn rows, per-sample results, submissions", vec![id_param("evaluation")], "EvaluationDetails"),
            "/api/models": { "post": {
                "summary": upload_summary,
                "security": [{ "bearer": [] }, {}],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": {
                    "type": "object", "required": ["task", "model", "calibration"],
                    "properties": { "task": { "type": "integer" },
                                    "model": { "type": "string", "format": "binary" },
                                    "calibration": { "type": "string", "format": "binary" },
                                    "lineage": { "type": "integer", "description": "register into this lineage of the server's account" },
                                    "name": { "type": "string", "description": "register into a new lineage of this name" },
                                    "uri": { "type": "string", "description": "the version's metadata URI" },
                                    "evaluate": { "type": "boolean", "description": "evaluate the registered version on the task" },
                                    "dataset": { "type": "string", "format": "binary", "description": "a public task's rows (CSV), checked against its root; refused on a hidden task" } } } } } },
                "responses": {
                    "202": { "description": "Job queued", "content": { "application/json": {
                        "schema": { "$ref": "#/components/schemas/Job" } } } },
                    "400": { "$ref": "#/components/responses/Error" },
                    "401": { "$ref": "#/components/responses/Error" },
                    "403": { "$ref": "#/components/responses/Error" },
                    "404": { "$ref": "#/components/responses/Error" },
                    "408": { "$ref": "#/components/responses/Error" },
                    "409": { "$ref": "#/components/responses/Error" },
                    "413": { "description": "Upload larger than the server's --max-upload-mib (the message names the limit)" },
                    "503": { "$ref": "#/components/responses/Error" } } } },
            "/api/jobs/{id}": { "get": { "summary": "A job's steps and status",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[0-9a-f]{16}$" } }],
                "responses": { "200": { "description": "OK", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Job" } } } },
                    "404": { "$ref": "#/components/responses/Error" } } } },
            "/api/jobs/{id}/artifacts/{name}": { "get": { "summary": "Download one of a finished job's artifacts",
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "name", "in": "path", "required": true, "schema": { "type": "string",
                      "enum": super::jobs::ARTIFACTS } } ],
                "responses": { "200": { "description": "The file", "content": { "application/octet-stream": {} } },
                    "404": { "$ref": "#/components/responses/Error" } } } }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "responses": { "Error": { "description": "An error in words", "content": { "application/json": {
                "schema": { "type": "object", "required": ["error"], "properties": { "error": { "type": "string" } } } } } } },
            "schemas": {
                "Task": { "type": "object", "properties": { "id": int, "creator": hex, "spec": task_spec, "closed": { "type": "boolean" },
                    "rows_left": { "type": ["integer", "null"], "minimum": 0, "description": "a hidden task's rows neither revealed nor held by a drawn evaluation; null on a public task (no limit)" },
                    "evaluations_left": { "type": ["integer", "null"], "minimum": 0, "description": "the evaluations those rows still allow; null on a public task" },
                    "capacity_unknown": { "type": ["string", "null"], "description": "why a hidden task's capacity could not be read (its randomness address does not answer as a HiddenSet; both counts are then null); null otherwise" } } },
                "Version": version,
                "Versions": { "type": "array", "items": version },
                "RevokedScores": revoked_scores,
                "LineageScores": lineage_scores,
                "Leaderboard": { "type": "array", "items": { "type": "object", "properties": {
                    "rank": int, "evaluation_id": int, "version_id": int, "accuracy_bps": int, "version": version } } },
                "EvaluationDetails": { "type": "object", "properties": {
                    "evaluation": { "type": "object" }, "task": task_spec,
                    "drawn": { "type": "array", "items": int },
                    "submissions": { "type": "array", "items": submission },
                    "accuracy_bps": { "type": ["integer", "null"] } } },
                "Audit": { "type": "object", "required": ["task_id", "evaluations", "problems"], "properties": {
                    "task_id": int,
                    "evaluations": { "type": "array", "items": { "type": "object", "properties": {
                        "evaluation_id": int, "version_id": int, "samples": int, "correct": int,
                        "accuracy_bps": int, "proofs_verified": int, "onchain_accuracy_bps": int,
                        "seed_source": { "type": "object", "description": "beacon {block}, vrf {provider, request_id}, or provider {provider} (trusted)" } } } },
                    "leaderboard": { "type": "array", "items": int },
                    "unfinished": { "type": "array", "items": { "type": "object" } },
                    "grinding_check": { "type": "array", "items": { "type": "object" } },
                    "problems": { "type": "array", "items": { "type": "string" } },
                    "routes": { "type": "array", "items": { "type": "object" } } } },
                "Evaluations": { "type": "array", "items": { "type": "object", "properties": {
                    "id": int, "task_id": int, "version_id": int, "participant": hex,
                    "status": { "type": "string", "enum": ["committed", "drawn", "finalized", "expired"] },
                    "commit_block": int, "seed": { "type": "string" }, "scored": int, "correct": int } } },
                "Job": job_schema()
            }
        }
    })
}

/// The `Job` schema of the OpenAPI document (apart: one `json!` of the
/// whole document would pass the macro's recursion limit).
fn job_schema() -> Value {
    let int = json!({ "type": "integer" });
    json!({ "type": "object", "properties": {
                    "id": { "type": "string" }, "task": int, "state": { "type": "string", "enum": ["queued", "running", "done", "failed"] },
                    "steps": { "type": "array", "items": { "type": "string" } },
                    "pipeline": { "type": "array", "description": "the circuit's status.json records, in the order the steps ran", "items": { "type": "object", "required": ["step", "state", "seconds"], "properties": {
                        "step": { "type": "string" }, "state": { "type": "string", "enum": ["done", "failed"] },
                        "seconds": { "type": "number" }, "finished_at": int, "error": { "type": "string" },
                        "peak_rss_kb": int, "result": {}, "seq": int } } },
                    "error": { "type": ["string", "null"] },
                    "queued_at": { "type": "integer", "description": "Unix milliseconds" },
                    "started_at": { "type": ["integer", "null"], "description": "Unix milliseconds; jobs run one at a time" },
                    "finished_at": { "type": ["integer", "null"], "description": "Unix milliseconds" },
                    "artifacts": { "type": "array", "items": { "type": "string" } },
                    "on_chain": { "type": ["object", "null"] },
                    "result": { "type": "object", "properties": {
                        "version": { "type": ["integer", "null"] },
                        "route_awaiting_approval": { "type": ["integer", "null"] },
                        "evaluation": { "type": ["integer", "null"] },
                        "correct": { "type": ["integer", "null"] },
                        "samples": { "type": ["integer", "null"] },
                        "accuracy_bps": { "type": ["integer", "null"] } } } } })
}
