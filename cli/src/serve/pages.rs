//! Server-rendered pages (no build step, no script but the upload form's):
//! the tasks, a task's leaderboard, a lineage's versions with an
//! accuracy-per-version chart (SVG), an evaluation's drawn rows and
//! per-sample results with the audit's verdict, the upload form and a job's
//! progress. Pages of work in progress (a task with running evaluations, an
//! evaluation not finalized, a job not finished) refresh themselves every
//! [`LIVE`] seconds; the tasks page and an idle task's page every [`IDLE`]
//! seconds, so a new task or evaluation shows without a reload.

use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
};
use zkmltrack::{evaluation::percent, explorer, suite::EvaluationStatus};

use super::{api, audits, jobs::JobState, ApiError, Id, Shared};

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}\
table{border-collapse:collapse;margin:1rem 0}th,td{padding:.3rem .7rem;border-bottom:1px solid #ddd;text-align:left}\
td.num{text-align:right;font-variant-numeric:tabular-nums}tr.wrong td{background:#fde8e8}\
.revoked{color:#999;text-decoration:line-through}code{font-size:.9em}nav a{margin-right:1rem}\
.error{color:#a00}.muted{color:#777}";

/// Seconds between reloads of a page of work in progress.
const LIVE: Option<u32> = Some(3);
/// Seconds between reloads of a page that waits for news (tasks, an idle task).
const IDLE: Option<u32> = Some(15);

/// A page; `refresh`: seconds after which it reloads itself.
fn page(title: &str, body: &str, refresh: Option<u32>) -> Response {
    let refresh = refresh.map_or(String::new(), |seconds| {
        format!("<meta http-equiv=\"refresh\" content=\"{seconds}\">")
    });
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">{refresh}\
         <title>{t} - zkMLTrack</title><style>{STYLE}</style></head><body>\
         <nav><a href=\"/\">Tasks</a><a href=\"/upload\">Upload a model</a>\
         <a href=\"/api/openapi.json\">API</a></nav><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    ))
    .into_response()
}

/// A page's numeric path id; anything else is the error page (the API's
/// [`Id`] answers JSON).
pub(crate) struct PageId(u64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageId {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Id::from_request_parts(parts, state)
            .await
            .map(|Id(id)| PageId(id))
            .map_err(error_page)
    }
}

/// An error as a page with its status (503 when the chain is unreachable).
pub(crate) fn error_page(e: ApiError) -> Response {
    let mut response = page(
        "Error",
        &format!("<p class=\"error\">{}</p>", esc(&e.1)),
        if e.0 == StatusCode::SERVICE_UNAVAILABLE {
            LIVE
        } else {
            None
        },
    );
    *response.status_mut() = e.0;
    response
}

fn short(hex: &str) -> String {
    if hex.len() > 14 {
        format!("{}…{}", &hex[..8], &hex[hex.len() - 4..])
    } else {
        hex.to_string()
    }
}

/// `/`: every task.
pub(crate) async fn tasks(State(state): State<Shared>) -> Response {
    match explorer::tasks(&state.suite).await {
        Err(e) => error_page(e.into()),
        Ok(tasks) => {
            let mut rows = String::new();
            for overview in &tasks {
                let t = &overview.task;
                let s = &t.spec;
                let seen = rows_seen(overview);
                rows += &format!(
                    "<tr><td><a href=\"/tasks/{id}\">task {id}</a></td><td><code title=\"{root}\">{sroot}</code></td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                    s.dataset_size, s.feature_count, s.class_count, s.scale, s.samples,
                    esc(&seen),
                    if t.closed { "closed" } else { "open" },
                    id = t.id,
                    root = s.root,
                    sroot = short(&s.root.to_string()),
                );
            }
            let body = format!(
                "<p class=\"muted\">Chain {} at {}; suite registry {}.</p>\
                 <table><thead><tr><th>task</th><th>dataset root</th><th>rows</th><th>features</th>\
                 <th>classes</th><th>scale</th><th>samples per evaluation</th><th>rows seen</th><th>state</th></tr></thead>\
                 <tbody>{rows}</tbody></table>{}",
                state.suite.chain().chain_id(),
                esc(&state.rpc_url),
                state.suite.deployment.registry,
                if tasks.is_empty() { "<p>No task yet.</p>" } else { "" }
            );
            page("Tasks", &body, IDLE)
        }
    }
}

/// `/tasks/{id}`: the leaderboard.
pub(crate) async fn task(State(state): State<Shared>, PageId(id): PageId) -> Response {
    let task = match api::existing_task(&state, id).await {
        Ok(t) => t,
        Err(e) => return error_page(e),
    };
    let board = match super::per_block::board(&state, id).await {
        Ok(b) => b,
        Err(e) => return error_page(e),
    };
    let mut rows: String = board
        .iter()
        .map(|r| {
            board_row(
                &r.entry.rank.to_string(),
                r.entry.accuracy_bps,
                &r.version,
                r.entry.evaluation_id,
            )
        })
        .collect();
    // Below the ranking, struck out: evaluations of versions revoked since
    // (the board leaves them out).
    let revoked = match super::per_block::revoked(&state, id).await {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    for (score, v) in revoked.iter() {
        rows += &board_row("–", score.accuracy_bps, v, score.evaluation_id);
    }
    let running = match super::per_block::running(&state, id).await {
        Ok(r) => r,
        Err(e) => return error_page(e),
    };
    let s = &task.task.spec;
    let live: String = running
        .iter()
        .map(|e| {
            format!(
                "<tr><td><a href=\"/evaluations/{ev}\">evaluation {ev}</a></td><td>version {}</td>\
                 <td><code>{}</code></td><td>{}</td><td class=\"num\">{} of {}</td></tr>",
                e.version_id,
                e.participant,
                e.status.name(),
                e.scored,
                s.samples,
                ev = e.id,
            )
        })
        .collect();
    let live = if running.is_empty() {
        String::new()
    } else {
        format!(
            "<h2>In progress</h2><table class=\"in-progress\"><thead><tr><th>evaluation</th><th>version</th>\
             <th>participant</th><th>status</th><th>scored</th></tr></thead><tbody>{live}</tbody></table>\
             <p class=\"muted\">This page refreshes itself while evaluations run.</p>"
        )
    };
    let body = format!(
        "<p>{} rows of {} features, {} classes, scale {}, {} samples drawn per evaluation; \
         dataset root <code>{}</code>; <span id=\"rows-seen\">{}</span>.</p>\
         <table class=\"leaderboard\"><thead><tr><th>rank</th><th>accuracy</th><th>version</th><th>lineage</th>\
         <th>submitter</th><th>evaluation</th><th></th></tr></thead><tbody>{rows}</tbody></table>{}{live}",
        s.dataset_size,
        s.feature_count,
        s.class_count,
        s.scale,
        s.samples,
        s.root,
        esc(&rows_seen(&task)),
        if board.is_empty() { "<p>No finished evaluation yet.</p>" } else { "" }
    );
    page(
        &format!("Task {id}: leaderboard"),
        &body,
        if running.is_empty() { IDLE } else { LIVE },
    )
}

/// What a task shows of its rows: public, or hidden with its remaining
/// capacity.
fn rows_seen(task: &explorer::TaskOverview) -> String {
    // Escaped by the caller.
    match task.capacity() {
        Some(capacity) => format!("hidden rows, revealed per evaluation: {capacity}"),
        None => "public rows".to_string(),
    }
}

/// One row of a task's leaderboard table: rank, accuracy, version, lineage
/// and number, submitter, evaluation; a revoked version's row struck out.
fn board_row(
    rank: &str,
    accuracy_bps: u32,
    v: &zkmltrack::suite::Version,
    evaluation_id: u64,
) -> String {
    format!(
        "<tr{class}><td class=\"num\">{rank}</td><td class=\"num accuracy\">{}</td><td>version {}</td>\
         <td><a href=\"/lineages/{lin}\">lineage {lin}</a> #{}</td><td><code>{}</code></td>\
         <td><a href=\"/evaluations/{ev}\">evaluation {ev}</a></td><td>{}</td></tr>",
        percent(accuracy_bps),
        v.id,
        v.number,
        v.submitter,
        if v.revoked { "revoked" } else { "" },
        class = if v.revoked { " class=\"revoked\"" } else { "" },
        lin = v.lineage_id,
        ev = evaluation_id,
    )
}

/// Accuracy per version of lineage `id` on each task it was evaluated on:
/// every finalized evaluation, on a board or not.
async fn lineage_points(
    state: &Shared,
    id: u64,
) -> Result<(Vec<zkmltrack::suite::Version>, Vec<(u64, Vec<(u32, u32)>)>), ApiError> {
    let (versions, scores) = api::lineage_scores_of(state, id).await?;
    let mut by_task: std::collections::BTreeMap<u64, Vec<(u32, u32)>> = Default::default();
    for point in scores {
        by_task
            .entry(point.score.task_id)
            .or_default()
            .push((point.number, point.score.accuracy_bps));
    }
    let series = by_task
        .into_iter()
        .map(|(task, mut points)| {
            points.sort_unstable();
            (task, points)
        })
        .collect();
    Ok((versions, series))
}

/// The accuracy-per-version chart as SVG.
fn svg(series: &[(u64, Vec<(u32, u32)>)], max_number: u32) -> String {
    let (w, h, left, bottom) = (640.0, 320.0, 50.0, 40.0);
    let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];
    let x = |n: u32| {
        left + (n.saturating_sub(1) as f64) * (w - left - 20.0) / (max_number.max(2) - 1) as f64
    };
    let y = |bps: u32| (h - bottom) - (bps as f64 / 10_000.0) * (h - bottom - 20.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         aria-label=\"accuracy per version\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
    );
    for pct in [0u32, 25, 50, 75, 100] {
        let yy = y(pct * 100);
        out += &format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{yy}\" y2=\"{yy}\" stroke=\"#eee\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{pct}%</text>",
            w - 20.0,
            left - 6.0,
            yy + 4.0
        );
    }
    for n in 1..=max_number.max(1) {
        out += &format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">v{n}</text>",
            x(n),
            h - bottom + 16.0
        );
    }
    for (i, (task, points)) in series.iter().enumerate() {
        let color = colors[i % colors.len()];
        let path: Vec<String> = points
            .iter()
            .map(|(n, a)| format!("{},{}", x(*n), y(*a)))
            .collect();
        out += &format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        for (n, a) in points {
            out += &format!(
                "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{color}\"><title>task {task}, version #{n}: {}</title></circle>",
                x(*n),
                y(*a),
                percent(*a)
            );
        }
        out += &format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{color}\">task {task}</text>",
            left + 10.0 + 70.0 * i as f64,
            14.0
        );
    }
    out + "</svg>"
}

/// `/lineages/{id}/chart.svg`.
pub(crate) async fn chart(State(state): State<Shared>, Id(id): Id) -> Response {
    match lineage_points(&state, id).await {
        Err(e) => e.into_response(),
        Ok((versions, series)) => {
            let max = versions.iter().map(|v| v.number).max().unwrap_or(1);
            ([(header::CONTENT_TYPE, "image/svg+xml")], svg(&series, max)).into_response()
        }
    }
}

/// `/lineages/{id}`: versions and the chart.
pub(crate) async fn lineage(State(state): State<Shared>, PageId(id): PageId) -> Response {
    let (versions, series) = match lineage_points(&state, id).await {
        Ok(x) => x,
        Err(e) => return error_page(e),
    };
    let mut rows = String::new();
    for v in &versions {
        let scores: Vec<String> = series
            .iter()
            .filter_map(|(t, pts)| {
                pts.iter()
                    .find(|(n, _)| *n == v.number)
                    .map(|(_, a)| format!("task {t}: {}", percent(*a)))
            })
            .collect();
        rows += &format!(
            "<tr{class}><td class=\"num\">#{}</td><td>version {}</td><td><code>{}</code></td><td>route {}</td>\
             <td>{}</td><td>{}</td></tr>",
            v.number,
            v.id,
            short(&v.weight_hash.to_string()),
            v.route_id,
            if scores.is_empty() { "not evaluated".to_string() } else { scores.join(", ") },
            if v.revoked { "revoked" } else { "" },
            class = if v.revoked { " class=\"revoked\"" } else { "" },
        );
    }
    let max = versions.iter().map(|v| v.number).max().unwrap_or(1);
    let body = format!(
        "{}<table><thead><tr><th>number</th><th>version</th><th>weight hash</th><th>route</th>\
         <th>accuracy (finalized evaluations)</th><th></th></tr></thead><tbody>{rows}</tbody></table>",
        svg(&series, max)
    );
    page(&format!("Lineage {id}"), &body, None)
}

/// `/evaluations/{id}`: drawn rows and per-sample results.
pub(crate) async fn evaluation(State(state): State<Shared>, PageId(id): PageId) -> Response {
    let d = match api::existing_evaluation(&state, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e),
    };
    let e = &d.evaluation;
    let mut rows = String::new();
    let scored: Vec<&explorer::SampleResult> =
        d.submissions.iter().flat_map(|s| &s.samples).collect();
    for (slot, row) in d.drawn.iter().enumerate() {
        let result = scored.iter().find(|s| s.slot as usize == slot);
        let (label, predicted, mark, class) = match result {
            Some(s) => (
                s.label.to_string(),
                s.predicted.map_or("?".into(), |p| p.to_string()),
                if s.correct { "correct" } else { "wrong" },
                if s.correct { "" } else { " class=\"wrong\"" },
            ),
            None if d
                .submissions
                .iter()
                .any(|s| (s.first_slot..s.first_slot + s.count).contains(&(slot as u32))) =>
            {
                (
                    "-".into(),
                    "-".into(),
                    "submitted through a contract (its calldata does not show the sample)",
                    "",
                )
            }
            None => ("-".into(), "-".into(), "not submitted yet", ""),
        };
        rows += &format!(
            "<tr{class}><td class=\"num\">{slot}</td><td class=\"num\">{row}</td><td class=\"num\">{label}</td>\
             <td class=\"num\">{predicted}</td><td>{mark}</td></tr>"
        );
    }
    let txs: Vec<String> = d
        .submissions
        .iter()
        .map(|s| {
            format!(
                "<li><code>{}</code> (block {}, slots {} to {}, {} correct{})</li>",
                s.tx_hash,
                s.block.unwrap_or_default(),
                s.first_slot,
                (s.first_slot + s.count).saturating_sub(1),
                s.correct,
                if s.samples.is_empty() && s.count > 0 {
                    "; not a direct submitSamples call"
                } else {
                    ""
                }
            )
        })
        .collect();
    let live = !matches!(
        e.status,
        EvaluationStatus::Finalized | EvaluationStatus::Expired
    );
    let mut audit_running = false;
    let audit = if e.status == EvaluationStatus::Finalized {
        match audits::for_page(&state, e.task_id).await {
            Ok(None) => {
                audit_running = true;
                format!(
                "<p class=\"audit running\">Audit: running (every finalized evaluation of task {} \
                 re-verified in a private EVM); this page refreshes itself.</p>",
                    e.task_id
                )
            }
            Ok(Some(audited)) => match audits::verdict(&audited.report, id) {
                Some(problems) if problems.is_empty() => {
                    let a = audited
                        .report
                        .evaluations
                        .iter()
                        .find(|a| a.evaluation_id == id);
                    format!(
                        "<p class=\"audit agrees\">Audit: <strong>agrees</strong>: {} proofs re-verified in a \
                         private EVM, {} correct recomputed from them (audited at block {}{}).</p>",
                        a.map_or(0, |a| a.proofs_verified),
                        a.map_or(0, |a| a.correct),
                        audited.at_block,
                        if audited.cached { ", nothing logged since" } else { "" },
                    )
                }
                Some(problems) => format!(
                    "<p class=\"audit disagrees\">Audit: <strong>disagrees</strong>:</p><ul>{}</ul>",
                    problems
                        .iter()
                        .map(|p| format!("<li>{}</li>", esc(p)))
                        .collect::<String>()
                ),
                None => "<p class=\"audit\">Audit: not recomputed.</p>".into(),
            },
            Err(ApiError(_, reason)) => format!(
                "<p class=\"audit\">Audit: could not run ({}).</p>",
                esc(&reason)
            ),
        }
    } else {
        String::new()
    };
    let body = format!(
        "<p>Task <a href=\"/tasks/{t}\">{t}</a>, version {v}, participant <code>{p}</code>: <strong>{status}</strong>, \
         {scored} of {n} samples scored, {correct} correct{acc}.{live}</p>\
         <table class=\"samples\"><thead><tr><th>slot</th><th>row</th><th>label</th><th>predicted</th><th></th></tr></thead>\
         <tbody>{rows}</tbody></table>{none}<h2>Submissions</h2><ul>{}</ul>{audit}\
         <p class=\"muted\">Predictions are read from each submission's proof outputs; the audit (also \
         <a href=\"/api/tasks/{t}/audit\">/api/tasks/{t}/audit</a>, or `zkmltrack audit --task {t}`) re-verifies the proofs.</p>",
        txs.join(""),
        t = e.task_id,
        v = e.version_id,
        p = e.participant,
        status = e.status.name(),
        scored = e.scored,
        n = d.task.samples,
        correct = e.correct,
        acc = d.accuracy_bps.map_or(String::new(), |a| format!(", accuracy {}", percent(a))),
        live = if live { " This page refreshes itself." } else { "" },
        none = if d.drawn.is_empty() { "<p>Not drawn yet.</p>" } else { "" },
    );
    page(
        &format!("Evaluation {id}"),
        &body,
        if live || audit_running { LIVE } else { None },
    )
}

/// `/upload`: the form.
pub(crate) async fn upload(State(state): State<Shared>) -> Response {
    let token = if state.guard.token.is_some() {
        "<p><label>Token <input type=\"password\" name=\"token\" id=\"token\" required></label></p>"
    } else {
        ""
    };
    let (signing, chain_fields) = match state.signer {
        Some(account) => (
            format!(
                "<p id=\"signing\">This server signs as <code>{account}</code>: an upload can also register \
                 the model as a version (into a lineage of that account, or a new one) and evaluate it on the \
                 task (give the task's rows).</p>"
            ),
            "<p><label>Lineage id <input name=\"lineage\" type=\"number\" min=\"1\"></label> or new lineage \
             <input name=\"name\"> (leave both empty to prove only)</p>\
             <p><label>Evaluate on the task <input name=\"evaluate\" type=\"checkbox\" value=\"true\"></label> \
             <label>with its rows (CSV; a public task's only: a hidden task's come from its owner's reveal) <input name=\"dataset\" type=\"file\" accept=\".csv\"></label></p>",
        ),
        None => (
            "<p id=\"signing\">This server holds no key (started without <code>--sign</code>): it prepares and \
             proves only; register with the CLI (<code>zkmltrack model register</code>).</p>"
                .to_string(),
            "",
        ),
    };
    let signing = match state.prover.srs() {
        Ok(_) => signing,
        Err(_) => format!(
            "{signing}<p class=\"error\" id=\"no-srs\">This server was started without an SRS (<code>--srs FILE</code>, or \
             <code>--test-srs</code> for local tests): it cannot run the pipeline, and uploads are refused.</p>"
        ),
    };
    let body = format!(
        "<p>Runs the model pipeline for a task: EZKL settings and calibration at the task's scale, circuit, keys, \
         the reusable verifier and the model's VKA, and one proof.</p>{signing}\
         <form id=\"upload\"><p><label>Task <input name=\"task\" type=\"number\" min=\"1\" value=\"1\" required></label></p>\
         <p><label>ONNX model <input name=\"model\" type=\"file\" accept=\".onnx\" required></label></p>\
         <p><label>Calibration CSV <input name=\"calibration\" type=\"file\" accept=\".csv\" required></label></p>{chain_fields}{token}\
         <p><button type=\"submit\">Upload</button></p></form><p id=\"result\" class=\"error\"></p>\
         <script>document.getElementById('upload').onsubmit=async(e)=>{{e.preventDefault();\
         const f=new FormData(e.target);const t=f.get('token');f.delete('token');\
         for(const k of ['lineage','name']){{if(f.get(k)==='')f.delete(k)}}\
         const d=f.get('dataset');if(d&&d.size===0)f.delete('dataset');\
         const out=document.getElementById('result');\
         let n=0;for(const v of f.values()){{n+=(v.size||String(v).length)+256}}\
         if(n>{limit}){{out.textContent='the upload comes to about '+n+' bytes with its form encoding, more than this server\\'s limit of {limit_mib} MiB ({limit} bytes; zkmltrack serve --max-upload-mib)';return}}\
         let r;try{{r=await fetch('/api/models',{{method:'POST',body:f,headers:t?{{Authorization:'Bearer '+t}}:{{}}}})}}\
         catch(x){{out.textContent='the server did not answer the upload ('+x.message+'): it may be down, or it refused the upload before reading it (over its limit of {limit_mib} MiB)';return}}\
         const j=await r.json().catch(()=>({{error:'HTTP '+r.status}}));\
         if(r.ok){{location.href='/jobs/'+j.id}}else{{out.textContent=j.error}}}}</script>",
        limit = state.jobs.upload_limit(),
        limit_mib = state.jobs.upload_limit() >> 20,
    );
    page("Upload a model", &body, None)
}

/// `/jobs/{id}`: a job's steps, refreshing until it ends.
pub(crate) async fn job(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(job) = state.jobs.get(&id) else {
        return error_page(ApiError(StatusCode::NOT_FOUND, format!("no job {id:?}")));
    };
    let steps: Vec<String> = job
        .steps
        .iter()
        .map(|s| format!("<li>{}</li>", esc(s)))
        .collect();
    let links: Vec<String> = job
        .artifacts
        .iter()
        .map(|a| {
            format!(
                "<li><a href=\"/api/jobs/{}/artifacts/{a}\">{a}</a></li>",
                esc(&job.id)
            )
        })
        .collect();
    let pipeline = if job.pipeline.is_empty() {
        String::new()
    } else {
        let rows: Vec<String> = job
            .pipeline
            .iter()
            .map(|p| {
                let r = &p.record;
                format!(
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{}</td></tr>",
                    esc(&p.step),
                    match r.state {
                        zkmltrack::prover::StepState::Done => "done".to_string(),
                        zkmltrack::prover::StepState::Failed => format!(
                            "failed: {}",
                            esc(r.error.as_deref().unwrap_or_default())
                        ),
                    },
                    r.seconds,
                    r.peak_rss_kb
                        .map_or("".to_string(), |kb| format!("{} MiB", kb >> 10)),
                )
            })
            .collect();
        format!(
            "<h2>Circuit pipeline</h2><p>As the circuit's <code>status.json</code> records it.</p>\
             <table id=\"pipeline\"><tr><th>step</th><th>state</th><th>seconds</th><th>EZKL peak memory</th></tr>{}</table>",
            rows.join("")
        )
    };
    let live = matches!(job.state, JobState::Queued | JobState::Running);
    let r = &job.result;
    let mut chain = Vec::new();
    if let Some(route) = r.route_awaiting_approval {
        chain.push(format!(
            "<li>Route {route} awaits the suite owner's approval; upload again once it is approved.</li>"
        ));
    }
    if let Some(version) = r.version {
        chain.push(format!("<li>Version {version} registered.</li>"));
    }
    if let (Some(e), Some(c), Some(n)) = (r.evaluation, r.correct, r.samples) {
        chain.push(format!(
            "<li><a href=\"/evaluations/{e}\">Evaluation {e}</a>: {c} of {n} samples correct.</li>"
        ));
    }
    let chain = if chain.is_empty() {
        String::new()
    } else {
        format!(
            "<h2>On chain</h2><ul id=\"on-chain\">{}</ul>",
            chain.join("")
        )
    };
    let body = format!(
        "<p>Task {}: <strong id=\"state\">{}</strong>{}</p><ol id=\"steps\">{}</ol>{pipeline}{chain}{}{}",
        job.task,
        job.state.name(),
        if live {
            " (this page refreshes itself)"
        } else {
            ""
        },
        steps.join(""),
        job.error.as_ref().map_or(String::new(), |e| format!(
            "<p class=\"error\" id=\"error\">{}</p>",
            esc(e)
        )),
        if links.is_empty() {
            String::new()
        } else {
            format!(
                "<h2>Artifacts</h2><ul id=\"artifacts\">{}</ul>",
                links.join("")
            )
        }
    );
    page(&format!("Job {id}"), &body, if live { LIVE } else { None })
}
