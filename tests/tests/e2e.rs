//! End to end, at the level a user meets it: the `zkmltrack` binary runs the
//! whole flow (deploy, Iris task, two model versions, evaluations with real
//! EZKL proofs, leaderboard) against a chain served by a separate process
//! (`zkmltrack devnet`), and the test checks the result independently:
//! the drawn indices from the on-chain seeds (its own keccak derivation), the
//! ONNX models' float predictions on exactly those rows (numpy in the EZKL
//! venv), the accuracies and order on the leaderboard, the audit, and the
//! one-line errors and exit codes for bad input. The same flow runs against a
//! Nitro dev node when `NITRO_RPC_URL` is set.

use std::{
    path::Path,
    process::{Command, Output},
};

use alloy::primitives::{keccak256, Address, U256};
use serde_json::Value;
use zkmltrack_tests::{
    cli::{expect_error, json_of, stderr, DevnetProcess, ServeProcess},
    repo,
};

/// Runs the CLI with a shared EZKL workspace (circuits are reused across runs).
fn zkmltrack(args: &[&str], env: &[(&str, &str)]) -> Output {
    zkmltrack_tests::cli::run(&repo().join("target/e2e-work"), args, env)
}

fn tempdir() -> std::path::PathBuf {
    zkmltrack_tests::cli::tempdir("zkmltrack-e2e")
}

/// The sampling rule, derived here from the protocol text (docs/protocol.md).
fn draw(seed: U256, samples: u32, size: u64) -> Vec<u64> {
    let mut taken = Vec::new();
    for slot in 0..samples {
        for attempt in 0u32.. {
            let mut buf = seed.to_be_bytes::<32>().to_vec();
            buf.extend_from_slice(&slot.to_be_bytes());
            buf.extend_from_slice(&attempt.to_be_bytes());
            let index = (U256::from_be_bytes(keccak256(&buf).0) % U256::from(size)).to::<u64>();
            if !taken.contains(&index) {
                taken.push(index);
                break;
            }
        }
    }
    taken
}

/// The standard output of `script` run with `args` by the SDK's Python
/// (numpy and onnx at hand), which must succeed.
fn python(script: &str, args: &[&str]) -> Vec<u8> {
    let home = zkmltrack::python::zkmltrack_home();
    let python = zkmltrack::python::PythonEnv::ensure(&home)
        .unwrap()
        .python();
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `model` with every initializer scaled by 1.01 (another training of the
/// same architecture: new weights, the same circuit), written to `out`.
fn other_weights(model: &Path, out: &Path) {
    let script = r#"
import sys
import onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
for i, t in enumerate(m.graph.initializer):
    a = numpy_helper.to_array(t) * 1.01
    m.graph.initializer[i].CopyFrom(numpy_helper.from_array(a.astype(a.dtype), t.name))
onnx.save(m, sys.argv[2])
"#;
    python(script, &[model.to_str().unwrap(), out.to_str().unwrap()]);
}

/// Float predictions of an ONNX MLP (Gemm/MatMul/Add/Relu) on rows, with numpy.
fn float_predictions(model: &Path, rows: &[Vec<f64>]) -> Vec<u32> {
    let script = r#"
import json, sys
import numpy as np, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
w = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in m.graph.initializer}
x = np.array(json.loads(sys.argv[2]), dtype=np.float64)
v = {m.graph.input[0].name: x}
for n in m.graph.node:
    a = [v[i] if i in v else w[i] for i in n.input]
    attrs = {t.name: onnx.helper.get_attribute_value(t) for t in n.attribute}
    if n.op_type == "Gemm":
        A, B = a[0], a[1]
        if attrs.get("transA"): A = A.T
        if attrs.get("transB"): B = B.T
        out = attrs.get("alpha", 1.0) * A @ B + (attrs.get("beta", 1.0) * a[2] if len(a) > 2 else 0)
    elif n.op_type == "MatMul": out = a[0] @ a[1]
    elif n.op_type == "Add": out = a[0] + a[1]
    elif n.op_type == "Relu": out = np.maximum(a[0], 0)
    elif n.op_type in ("Flatten", "Identity", "Reshape"): out = a[0].reshape(a[0].shape[0], -1)
    else: raise SystemExit("unsupported op " + n.op_type)
    v[n.output[0]] = out
print(json.dumps([int(i) for i in np.argmax(v[m.graph.output[0].name], axis=1)]))
"#;
    let out = python(
        script,
        &[
            model.to_str().unwrap(),
            &serde_json::to_string(rows).unwrap(),
        ],
    );
    serde_json::from_slice(&out).unwrap()
}

fn eval_rows() -> Vec<(Vec<f64>, u32)> {
    let text = std::fs::read_to_string(repo().join("examples/iris/eval.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<f64> = l.split(',').map(|c| c.trim().parse().unwrap()).collect();
            let (label, features) = cells.split_last().unwrap();
            (features.to_vec(), *label as u32)
        })
        .collect()
}

/// The demo flow on `url`, checked independently; then bad input.
fn flow(url: &str, dev_chain: bool) {
    let dir = tempdir();
    let deployment = dir.join("deployment.json");
    let deployment = deployment.to_str().unwrap();
    let common = ["--rpc-url", url, "--deployment", deployment];
    // `scripts/demo --serve` as a user runs it: the report, then the pages
    // over its chain, signing with its key, until Ctrl-C.
    let (demo_server, demo) = ServeProcess::demo(
        &repo().join("target/e2e-work"),
        &[&["--external", "--test-srs"][..], &common].concat(),
    );
    {
        let agent = http();
        let (status, body) = get(
            &agent,
            &format!(
                "{}/api/tasks/{}/leaderboard",
                demo_server.url, demo["task_id"]
            ),
        );
        assert_eq!(status, 200, "{body}");
        let served: Value = serde_json::from_str(&body).unwrap();
        let ids = |board: &Value| -> Vec<Value> {
            board
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["evaluation_id"].clone())
                .collect()
        };
        assert_eq!(ids(&served), ids(&demo["leaderboard"]));
        let (_, health) = get(&agent, &format!("{}/api/health", demo_server.url));
        let health: Value = serde_json::from_str(&health).unwrap();
        assert_eq!(
            health["signer"].as_str().map(str::to_lowercase),
            Some(zkmltrack_devnet::DEV_ACCOUNT.to_string().to_lowercase()),
            "the demo's page signs with its key: {health}"
        );
    }
    let stopped = demo_server.interrupt(std::time::Duration::from_secs(30));
    assert!(
        stopped.success(),
        "Ctrl-C stops the demo's server: {stopped:?}"
    );

    // 1-2. Suite deployed; the task anchors the bundled evaluation set.
    for key in [
        "registry",
        "router",
        "controller",
        "dataset_verifier",
        "leaderboard",
        "reusable_verifier",
    ] {
        assert!(
            demo["deployment"][key]
                .as_str()
                .is_some_and(|a| a.len() == 42),
            "{key}"
        );
    }
    let rows = eval_rows();
    let task = &demo["task"];
    assert_eq!(task["dataset_size"], rows.len());
    assert_eq!(task["samples"], 16);

    // 3-4. Two versions of one lineage.
    let versions = demo["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["lineage_id"], versions[1]["lineage_id"]);
    assert_eq!(
        (
            versions[0]["number"].as_u64(),
            versions[1]["number"].as_u64()
        ),
        (Some(1), Some(2))
    );

    let show = zkmltrack(
        &[&["task", "show", "--task", "1", "--json"][..], &common].concat(),
        &[],
    );
    assert!(show.status.success(), "{}", stderr(&show));
    let shown = json_of(&show);
    assert_eq!(
        shown["spec"]["root"], task["root"],
        "the chain holds the task's root"
    );
    assert_eq!(shown["spec"]["dataset_size"], task["dataset_size"]);

    // 5-6. Each evaluation: seed from the chain, indices derived here, float model
    // predictions on exactly those rows, accuracy equal to the leaderboard's.
    let models = [
        repo().join("examples/iris/model_batch4.onnx"),
        repo().join("examples/iris/model_weak_batch4.onnx"),
    ];
    let board = demo["leaderboard"].as_array().unwrap().clone();
    assert_eq!(board.len(), 2, "both evaluations are on the leaderboard");
    for (evaluation, model) in demo["evaluations"].as_array().unwrap().iter().zip(&models) {
        let id = evaluation["evaluation_id"].as_u64().unwrap();
        let seed = seed_of(url, deployment, id);
        let indices = draw(seed, 16, rows.len() as u64);
        let reported: Vec<u64> = evaluation["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["index"].as_u64().unwrap())
            .collect();
        assert_eq!(indices, reported, "evaluation {id} proved the drawn rows");
        let drawn: Vec<Vec<f64>> = indices
            .iter()
            .map(|&i| rows[i as usize].0.clone())
            .collect();
        let predictions = float_predictions(model, &drawn);
        let correct = indices
            .iter()
            .zip(&predictions)
            .filter(|(&i, &p)| rows[i as usize].1 == p)
            .count() as u64;
        let entry = board.iter().find(|e| e["evaluation_id"] == id).unwrap();
        assert_eq!(
            entry["accuracy_bps"].as_u64().unwrap(),
            correct * 10_000 / 16,
            "evaluation {id}: on-chain accuracy equals the float model's on the drawn rows"
        );
    }
    let accuracies: Vec<u64> = board
        .iter()
        .map(|e| e["accuracy_bps"].as_u64().unwrap())
        .collect();
    assert!(accuracies[0] >= accuracies[1], "best first: {accuracies:?}");
    assert_eq!(board[0]["rank"], 1);

    // The audit recomputes the same from chain data alone.
    let audit = zkmltrack(
        &[&["audit", "--task", "1", "--json"][..], &common].concat(),
        &[],
    );
    assert!(audit.status.success(), "audit: {}", stderr(&audit));
    assert_eq!(json_of(&audit)["problems"].as_array().unwrap().len(), 0);

    web(url, deployment, &demo, dev_chain);
    bad_input(url, deployment, &dir, dev_chain);
}

/// An HTTP client that returns error statuses as answers.
fn http() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// GET `url`: (status, body).
fn get(agent: &ureq::Agent, url: &str) -> (u16, String) {
    let mut r = agent.get(url).call().expect("the server answers");
    let body = r.body_mut().read_to_string().unwrap_or_default();
    (r.status().as_u16(), body)
}

/// A task's audit as `GET /api/tasks/{id}/audit` served it.
struct ServedAudit {
    status: u16,
    /// `X-Audit-Block`: the head block when the audit ran.
    block: String,
    /// `X-Audit-Cache`: `hit` or `miss`.
    cache: String,
    body: String,
}

impl ServedAudit {
    fn get(agent: &ureq::Agent, base: &str, task: u64) -> ServedAudit {
        let mut r = agent
            .get(format!("{base}/api/tasks/{task}/audit"))
            .call()
            .expect("the server answers");
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (block, cache) = (header("x-audit-block"), header("x-audit-cache"));
        ServedAudit {
            status: r.status().as_u16(),
            block,
            cache,
            body: r.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    /// The audit, asserting it was served (200), and from the cache or not
    /// when `cache` ("hit" or "miss") says which.
    fn json(&self, cache: Option<&str>) -> Value {
        assert_eq!(self.status, 200, "{}", self.body);
        if let Some(cache) = cache {
            assert_eq!(self.cache, cache, "{}", self.body);
        }
        serde_json::from_str(&self.body).unwrap()
    }
}

/// POST `fields` as a model upload to the server at `base`: (status, body).
fn upload_to(
    agent: &ureq::Agent,
    base: &str,
    fields: &[(&str, Option<&str>, &[u8])],
) -> (u16, String) {
    upload_with_token(agent, base, None, fields)
}

/// [`upload_to`], sending `token` as the bearer when given.
fn upload_with_token(
    agent: &ureq::Agent,
    base: &str,
    token: Option<&str>,
    fields: &[(&str, Option<&str>, &[u8])],
) -> (u16, String) {
    let (content_type, body) = multipart(fields);
    let mut request = agent
        .post(format!("{base}/api/models"))
        .header("Content-Type", &content_type);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut r = request.send(&body[..]).expect("the server answers");
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (r.status().as_u16(), text)
}

/// A multipart body of `fields` (name, file name, bytes).
fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "zkmltrack-test-boundary-7d2f";
    let mut body = Vec::new();
    for (name, file, bytes) in fields {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The pages in headless Chromium (tests/browser/pages.mjs, playwright-core
/// from tools/): `scripts/test` installs Chromium; elsewhere the check is
/// skipped with a note unless `CI` is set.
fn browser(base: &str, demo: &Value) {
    let chromium =
        std::env::var("ZKMLTRACK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let playwright = repo().join("tools/node_modules/playwright-core");
    if !Path::new(&chromium).exists() || !playwright.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the browser checks: {chromium} or {} is missing (scripts/test installs both)",
            playwright.display()
        );
        eprintln!("note: browser checks skipped (no {chromium} or no tools/node_modules/playwright-core; scripts/test installs them)");
        return;
    }
    let accuracies: Vec<String> = demo["leaderboard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| zkmltrack::evaluation::percent(e["accuracy_bps"].as_u64().unwrap() as u32))
        .collect();
    // The weaker evaluation, whose wrong rows the page must mark: as many
    // as the demo's report (not the server) says it got wrong.
    let weaker = demo["leaderboard"].as_array().unwrap().last().unwrap();
    let evaluation = weaker["evaluation_id"].as_u64().unwrap();
    let samples = demo["task"]["samples"].as_u64().unwrap();
    let bps = weaker["accuracy_bps"].as_u64().unwrap();
    // accuracy_bps = correct * 10,000 / samples, rounded down.
    let correct = (bps * samples).div_ceil(10_000);
    assert_eq!(correct * 10_000 / samples, bps);
    let wrong = samples - correct;
    let out = repo().join("target/browser");
    let iris = repo().join("examples/iris");
    let expect = serde_json::json!({
        "accuracies": accuracies, "evaluation": evaluation, "samples": samples, "wrong": wrong,
        "model": iris.join("model.onnx"), "calibration": iris.join("eval.csv"),
    });
    std::fs::create_dir_all(&out).unwrap();
    let expect_file = out.join("expect.json");
    std::fs::write(&expect_file, expect.to_string()).unwrap();
    let run = Command::new("node")
        .arg(repo().join("tests/browser/pages.mjs"))
        .args([base, expect_file.to_str().unwrap(), out.to_str().unwrap()])
        .env("ZKMLTRACK_CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    assert!(
        run.status.success(),
        "browser checks: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        out.join("leaderboard.png").exists(),
        "the screenshot is written"
    );
}

/// `zkmltrack serve` over the demo's deployment: the API and the pages show
/// what the chain holds, the pipeline runs an upload to a proof, and bad
/// requests get errors in words.
fn web(url: &str, deployment: &str, demo: &Value, dev_chain: bool) {
    let workspace = repo().join("target/e2e-work");
    let server = ServeProcess::start(
        &workspace,
        &["--rpc-url", url, "--deployment", deployment, "--test-srs"],
    );
    let base = &server.url;
    let agent = http();

    // The API's leaderboard is the demo's, each entry with its version.
    let (status, body) = get(&agent, &format!("{base}/api/tasks/1/leaderboard"));
    assert_eq!(status, 200, "{body}");
    let board: Value = serde_json::from_str(&body).unwrap();
    let expected = demo["leaderboard"].as_array().unwrap();
    assert_eq!(board.as_array().unwrap().len(), expected.len());
    for (got, want) in board.as_array().unwrap().iter().zip(expected) {
        assert_eq!(got["evaluation_id"], want["evaluation_id"]);
        assert_eq!(got["accuracy_bps"], want["accuracy_bps"]);
        assert_eq!(got["version"]["id"], got["version_id"]);
    }
    // The task page lists both versions, best first, with the chain's accuracies.
    let (status, page) = get(&agent, &format!("{base}/tasks/1"));
    assert_eq!(status, 200);
    // Each accuracy after the previous one (ties, such as two 100.00%, included).
    let mut from = 0;
    for e in expected {
        let pct = zkmltrack::evaluation::percent(e["accuracy_bps"].as_u64().unwrap() as u32);
        let at = page[from..]
            .find(&format!("num accuracy\">{pct}<"))
            .unwrap_or_else(|| panic!("{pct} on the page after position {from}, best first"));
        from += at + 1;
    }

    // Each of the page's rows is the API's entry: rank, accuracy, version,
    // lineage and number (linked), submitter, evaluation (linked), revoked.
    let lowered = page.to_lowercase();
    for got in board.as_array().unwrap() {
        let v = &got["version"];
        let row = format!(
            "<td class=\"num\">{}</td><td class=\"num accuracy\">{}</td><td>version {}</td>\
             <td><a href=\"/lineages/{lin}\">lineage {lin}</a> #{}</td><td><code>{}</code></td>\
             <td><a href=\"/evaluations/{ev}\">evaluation {ev}</a></td><td>{}</td></tr>",
            got["rank"],
            zkmltrack::evaluation::percent(got["accuracy_bps"].as_u64().unwrap() as u32),
            v["id"],
            v["number"],
            v["submitter"].as_str().unwrap(),
            if v["revoked"].as_bool().unwrap() {
                "revoked"
            } else {
                ""
            },
            lin = v["lineage_id"],
            ev = got["evaluation_id"],
        )
        .to_lowercase();
        assert!(lowered.contains(&row), "{row} not on the page: {page}");
        // The version and its task answer on their own routes.
        let (status, body) = get(&agent, &format!("{base}/api/versions/{}", v["id"]));
        assert_eq!(status, 200, "{body}");
        assert_eq!(&serde_json::from_str::<Value>(&body).unwrap(), v);
    }
    let (status, body) = get(&agent, &format!("{base}/api/tasks/1"));
    assert_eq!(status, 200, "{body}");
    let task: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(task["id"], 1, "{task}");
    assert_eq!(
        task["spec"]["root"].as_str().map(str::to_lowercase),
        demo["task"]["root"].as_str().map(str::to_lowercase),
        "{task} {}",
        demo["task"]
    );

    // Each evaluation: the drawn rows are the seed's, the wrong predictions are marked.
    for e in demo["evaluations"].as_array().unwrap() {
        let id = e["evaluation_id"].as_u64().unwrap();
        let (status, body) = get(&agent, &format!("{base}/api/evaluations/{id}"));
        assert_eq!(status, 200, "{body}");
        let d: Value = serde_json::from_str(&body).unwrap();
        let seed = seed_of(url, deployment, id);
        let drawn: Vec<u64> = d["drawn"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        assert_eq!(drawn, draw(seed, 16, 50));
        let correct = d["evaluation"]["correct"].as_u64().unwrap() as usize;
        let (_, page) = get(&agent, &format!("{base}/evaluations/{id}"));
        assert_eq!(
            page.matches("<tr class=\"wrong\">").count(),
            16 - correct,
            "evaluation {id}"
        );
        // Its transactions: each submission's, as the API has them.
        let submissions = d["submissions"].as_array().unwrap();
        assert!(!submissions.is_empty(), "{d}");
        for sub in submissions {
            let hash = sub["tx_hash"].as_str().unwrap();
            assert!(
                page.contains(hash),
                "transaction {hash} on evaluation {id}'s page"
            );
        }
    }

    // The audit of the task, per evaluation on its page and whole in the API:
    // every proof re-verified, nothing found.
    let first = ServedAudit::get(&agent, base, 1);
    let audit = first.json(None);
    // Asked again with nothing logged since: the same audit, from the cache.
    let again = ServedAudit::get(&agent, base, 1);
    assert_eq!(again.json(Some("hit")), audit);
    assert_eq!(again.block, first.block);
    assert!(first.block.parse::<u64>().is_ok(), "{}", first.block);
    assert_eq!(audit["problems"].as_array().unwrap().len(), 0, "{audit}");
    let audited = audit["evaluations"].as_array().unwrap();
    assert_eq!(audited.len(), expected.len());
    for a in audited {
        assert!(a["proofs_verified"].as_u64().unwrap() >= 1, "{a}");
        assert_eq!(a["accuracy_bps"], a["onchain_accuracy_bps"], "{a}");
        let (_, page) = get(
            &agent,
            &format!("{base}/evaluations/{}", a["evaluation_id"]),
        );
        assert!(
            page.contains("Audit: <strong>agrees</strong>"),
            "evaluation {}'s page gives the audit's verdict",
            a["evaluation_id"]
        );
    }

    // The OpenAPI document names every API route the server answers.
    let (status, body) = get(&agent, &format!("{base}/api/openapi.json"));
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).unwrap();
    for path in [
        "/api/health",
        "/api/tasks",
        "/api/tasks/{id}",
        "/api/tasks/{id}/leaderboard",
        "/api/tasks/{id}/audit",
        "/api/tasks/{id}/evaluations",
        "/api/versions/{id}",
        "/api/tasks/{id}/revoked",
        "/api/lineages/{id}/versions",
        "/api/lineages/{id}/scores",
        "/api/evaluations/{id}",
        "/api/models",
        "/api/jobs/{id}",
        "/api/jobs/{id}/artifacts/{name}",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} in the OpenAPI document"
        );
    }
    // Unknown things are 404 with a sentence; the lineage chart is SVG.
    for path in [
        "/api/tasks/9",
        "/api/evaluations/99",
        "/api/versions/99",
        "/api/jobs/nope",
    ] {
        let (status, body) = get(&agent, &format!("{base}{path}"));
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.contains("\"error\""), "{path}: {body}");
    }
    // A path no route serves is a 404 in words as well (JSON under /api/, a
    // page elsewhere), a page's id that is not a number a 400 page, and a
    // method a route does not take a 405 that names it, with `Allow`.
    let (status, body) = get(&agent, &format!("{base}/api/task/1"));
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("\"error\"") && body.contains("/api/task/1"),
        "{body}"
    );
    let (status, body) = get(&agent, &format!("{base}/nowhere"));
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("<p class=\"error\">nothing is served at /nowhere"),
        "{body}"
    );
    let (status, body) = get(&agent, &format!("{base}/tasks/first"));
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("<p class=\"error\">") && body.contains("non-negative integer"),
        "{body}"
    );
    let mut answer = agent
        .delete(&format!("{base}/api/tasks"))
        .call()
        .expect("the server answers");
    assert_eq!(answer.status().as_u16(), 405);
    assert!(answer.headers()["allow"].to_str().unwrap().contains("GET"));
    let body = answer.body_mut().read_to_string().unwrap();
    assert!(body.contains("does not take DELETE"), "{body}");

    let (status, svg) = get(&agent, &format!("{base}/lineages/1/chart.svg"));
    assert_eq!(status, 200);
    assert!(svg.starts_with("<svg") && svg.contains("<circle"), "{svg}");
    // What the chart plots, as JSON: each of the demo's evaluations of
    // lineage 1 with its version's number and the accuracy the board holds.
    let (status, body) = get(&agent, &format!("{base}/api/lineages/1/scores"));
    assert_eq!(status, 200, "{body}");
    let scores: Value = serde_json::from_str(&body).unwrap();
    for want in expected {
        let score = scores
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["evaluation_id"] == want["evaluation_id"])
            .unwrap_or_else(|| panic!("evaluation {} in {scores}", want["evaluation_id"]));
        assert_eq!(score["accuracy_bps"], want["accuracy_bps"], "{score}");
        assert_eq!(score["task_id"], 1, "{score}");
    }
    assert_eq!(
        svg.matches("<circle").count(),
        scores.as_array().unwrap().len(),
        "{svg}"
    );
    let (status, body) = get(&agent, &format!("{base}/api/tasks/1/revoked"));
    assert_eq!((status, body.as_str()), (200, "[]"));

    // The pipeline: an upload runs to a proof; the same model again while it
    // runs is refused; a bad file is refused with the reason; nothing outside
    // a job's files is served.
    let iris = repo().join("examples/iris");
    let model = std::fs::read(iris.join("model.onnx")).unwrap();
    let csv = std::fs::read(iris.join("eval.csv")).unwrap();
    let post = |fields: &[(&str, Option<&str>, &[u8])]| upload_to(&agent, base, fields);
    let upload: [(&str, Option<&str>, &[u8]); 3] = [
        ("task", None, b"1"),
        ("model", Some("model.onnx"), &model),
        ("calibration", Some("eval.csv"), &csv),
    ];
    let (status, body) = post(&upload);
    assert_eq!(status, 202, "{body}");
    let job: Value = serde_json::from_str(&body).unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    let (status, body) = post(&upload);
    assert_eq!(status, 409, "{body}");
    // Another model meanwhile: accepted, and queued behind the first.
    let weak = std::fs::read(iris.join("model_weak.onnx")).unwrap();
    let (status, body) = post(&[
        ("task", None, b"1"),
        ("model", Some("weak.onnx"), &weak),
        ("calibration", Some("eval.csv"), &csv),
    ]);
    assert_eq!(status, 202, "{body}");
    let queued_id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = post(&[
        ("task", None, b"1"),
        ("model", Some("model.onnx"), &model),
        ("calibration", Some("notes.csv"), b"just one column\n1\n"),
    ]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("calibration CSV"), "{body}");
    let (status, body) = post(&[
        ("task", None, b"7"),
        ("model", Some("m.onnx"), &model),
        ("calibration", Some("c.csv"), &csv),
    ]);
    assert_eq!(status, 404, "{body}");
    // Malformed bodies: a JSON body, a multipart body cut short, a boundary
    // the body does not use. Each a 400 whose JSON error says what is wrong.
    let (_, whole) = multipart(&[("task", None, b"1"), ("model", Some("m.onnx"), &model)]);
    for (content_type, body) in [
        ("application/json", b"{\"task\": 1, \"model\":".to_vec()),
        (
            "multipart/form-data; boundary=zkmltrack-test-boundary-7d2f",
            whole[..whole.len() / 2].to_vec(),
        ),
        (
            "multipart/form-data; boundary=another-boundary",
            whole.clone(),
        ),
    ] {
        let mut r = agent
            .post(format!("{base}/api/models"))
            .header("Content-Type", content_type)
            .send(&body[..])
            .expect("the server answers");
        let text = r.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(r.status().as_u16(), 400, "{content_type}: {text}");
        let error: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{content_type}: not a JSON error: {text}"));
        assert!(
            error["error"].as_str().is_some_and(|e| e.len() > 10),
            "{content_type}: {text}"
        );
    }
    // Not ONNX, and ONNX of another task's shape: refused before a job is queued.
    let (status, body) = post(&[
        ("task", None, b"1"),
        ("model", Some("model.onnx"), b"not a model at all"),
        ("calibration", Some("eval.csv"), &csv),
    ]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("not a valid ONNX model"), "{body}");
    let digits = std::fs::read(repo().join("examples/digits/model.onnx")).unwrap();
    let (status, body) = post(&[
        ("task", None, b"1"),
        ("model", Some("digits.onnx"), &digits),
        ("calibration", Some("eval.csv"), &csv),
    ]);
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("does not fit task 1") && body.contains("64"),
        "{body}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(workspace.join("serve-jobs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".check-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the checks' files are removed: {leftovers:?}"
    );
    let started = std::time::Instant::now();
    let done = loop {
        let (_, body) = get(&agent, &format!("{base}/api/jobs/{id}"));
        let job: Value = serde_json::from_str(&body).unwrap();
        match job["state"].as_str().unwrap() {
            "done" => break job,
            "failed" => panic!("the job failed: {job}"),
            _ => {}
        }
        assert!(
            started.elapsed().as_secs() < 600,
            "the job did not finish: {job}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    assert!(done["steps"].as_array().unwrap().len() > 3, "{done}");
    // The queued job ran after the first had finished, and finished too.
    let queued = loop {
        let (_, body) = get(&agent, &format!("{base}/api/jobs/{queued_id}"));
        let job: Value = serde_json::from_str(&body).unwrap();
        if job["state"] == "done" || job["state"] == "failed" {
            break job;
        }
        assert!(
            started.elapsed().as_secs() < 900,
            "the queued job did not finish: {job}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    assert_eq!(queued["state"], "done", "{queued}");
    assert_eq!(queued["steps"][0], "queued", "{queued}");
    assert!(
        queued["started_at"].as_u64().unwrap() >= done["finished_at"].as_u64().unwrap(),
        "one job at a time: {done} {queued}"
    );
    assert!(queued["queued_at"].as_u64().unwrap() < done["finished_at"].as_u64().unwrap());
    // The circuit's status.json steps, in the order they ran, each done.
    let pipeline: Vec<&str> = done["pipeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["state"], "done", "{s}");
            assert!(s["seconds"].as_f64().is_some(), "{s}");
            s["step"].as_str().unwrap()
        })
        .collect();
    let (compile, setup) = (
        pipeline.iter().position(|s| *s == "compile"),
        pipeline.iter().position(|s| *s == "setup"),
    );
    assert!(
        compile.is_some() && setup.is_some() && compile < setup,
        "{pipeline:?}"
    );
    let (_, page) = get(&agent, &format!("{base}/jobs/{id}"));
    assert!(page.contains("<table id=\"pipeline\">"), "{page}");
    // The settings and the verifier bundle download as JSON.
    for (name, key) in [("settings.json", "run_args"), ("bundle.json", "vka")] {
        let (status, body) = get(&agent, &format!("{base}/api/jobs/{id}/artifacts/{name}"));
        assert_eq!(status, 200, "{name}: {body}");
        let json: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(json.get(key).is_some(), "{name} has {key}");
    }
    let (status, proof) = get(
        &agent,
        &format!("{base}/api/jobs/{id}/artifacts/proof.json"),
    );
    assert_eq!(status, 200);
    let proof: Value = serde_json::from_str(&proof).expect("the proof is JSON");
    assert!(
        proof.get("proof").is_some() || proof.get("hex_proof").is_some(),
        "an EZKL proof"
    );
    let (status, digest) = get(
        &agent,
        &format!("{base}/api/jobs/{id}/artifacts/vk_digest.txt"),
    );
    assert_eq!(status, 200);
    assert!(
        digest.trim().starts_with("0x") && digest.trim().len() == 66,
        "{digest}"
    );
    let (status, weights) = get(
        &agent,
        &format!("{base}/api/jobs/{id}/artifacts/weight_hash.txt"),
    );
    assert_eq!(status, 200);
    assert!(weights.trim().len() == 66, "{weights}");
    let (status, architecture) = get(
        &agent,
        &format!("{base}/api/jobs/{id}/artifacts/architecture.onnx"),
    );
    assert_eq!(status, 200, "the architecture package's model");
    assert_ne!(
        architecture.as_bytes(),
        std::fs::read(repo().join("examples/iris/model.onnx")).unwrap(),
        "random weights, not the uploaded ones"
    );
    for name in [
        "..%2F..%2Fmodel.onnx",
        "model.onnx",
        "calibration.csv",
        "..%2Fdeployment.json",
    ] {
        let (status, _) = get(&agent, &format!("{base}/api/jobs/{id}/artifacts/{name}"));
        assert_eq!(status, 404, "{name}");
    }
    let (_, page) = get(&agent, &format!("{base}/jobs/{id}"));
    assert!(
        page.contains("artifacts/proof.json"),
        "the job page offers its proof"
    );
    // Without --sign the server sends nothing, and says so.
    let (status, body) = post(&[
        ("task", None, b"1"),
        ("model", Some("model.onnx"), &model),
        ("calibration", Some("eval.csv"), &csv),
        ("name", None, b"from-the-api"),
    ]);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("does not sign"), "{body}");
    let (_, page) = get(&agent, &format!("{base}/upload"));
    assert!(page.contains("holds no key"), "{page}");
    let (_, health) = get(&agent, &format!("{base}/api/health"));
    assert_eq!(
        serde_json::from_str::<Value>(&health).unwrap()["signer"],
        Value::Null
    );

    browser(base, demo);
    if dev_chain {
        in_progress(url, deployment, demo, base, &agent);
        outage(url, deployment, &workspace, &agent);
        // The first job's architecture package model: the Iris MLP with
        // random weights, a version no one has registered yet.
        let fresh = workspace
            .join("serve-jobs")
            .join(&id)
            .join("architecture.onnx");
        signing(url, deployment, &workspace, &agent, &fresh);
    }

    // Off loopback the server needs a token, and then writing needs it too.
    let refused = zkmltrack(
        &[
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--rpc-url",
            url,
            "--deployment",
            deployment,
        ],
        &[],
    );
    expect_error(&refused, 5, "pass --token");
    let guarded_server = |extra: &[&str]| {
        ServeProcess::start(
            &workspace,
            &[
                &[
                    "--rpc-url",
                    url,
                    "--deployment",
                    deployment,
                    "--token",
                    "s3cret",
                ][..],
                extra,
            ]
            .concat(),
        )
    };
    let guarded = guarded_server(&[]);
    let (status, body) = upload_to(&agent, &guarded.url, &upload);
    assert_eq!(status, 401, "{body}");
    let with_bearer = |base: &str, fields: &[(&str, Option<&str>, &[u8])]| {
        upload_with_token(&agent, base, Some("s3cret"), fields)
    };
    // With the bearer the request gets through to the upload's own checks.
    let (status, text) = with_bearer(
        &guarded.url,
        &[
            ("task", None, b"1"),
            ("model", Some("model.onnx"), b""),
            ("calibration", Some("eval.csv"), b"1,2,3,4,0\n"),
        ],
    );
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("the model file is empty"), "{text}");
    // A whole upload with the bearer is taken and becomes a job anyone may read.
    let (status, text) = with_bearer(&guarded.url, &upload);
    // (This server was started without an SRS: it cannot prove, and says so.)
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("--test-srs"), "{text}");
    let (_, page) = get(&agent, &format!("{}/upload", guarded.url));
    assert!(page.contains("id=\"no-srs\""), "{page}");
    let guarded = guarded_server(&["--test-srs"]);
    let (status, text) = with_bearer(&guarded.url, &upload);
    assert_eq!(status, 202, "{text}");
    let taken = serde_json::from_str::<Value>(&text).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = get(&agent, &format!("{}/api/jobs/{taken}", guarded.url));
    assert_eq!(status, 200, "{body}");
    // An upload past the server's limit: 413, naming the limit.
    let small = ServeProcess::start(
        &workspace,
        &[
            "--rpc-url",
            url,
            "--deployment",
            deployment,
            "--max-upload-mib",
            "1",
        ],
    );
    // (Raw HTTP: the headers announce 3 MiB and the answer comes before any
    // of the body: a client still sending when the server closes would see
    // the connection reset instead.)
    let answer = {
        use std::io::{Read, Write};
        let mut socket =
            std::net::TcpStream::connect(small.url.trim_start_matches("http://")).unwrap();
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        let (content_type, body) = multipart(&[
            ("task", None, b"1"),
            ("model", Some("big.onnx"), &vec![0u8; 3 << 20]),
        ]);
        write!(
            socket,
            "POST /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        let _ = socket.read_to_string(&mut answer);
        answer
    };
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("limit of 1 MiB") && answer.contains(" bytes) is larger"),
        "the upload's size and the limit: {answer}"
    );
    let (status, _) = get(&agent, &format!("{}/api/tasks", guarded.url));
    assert_eq!(status, 200, "reading needs no token");
}

/// An evaluation opened and not yet drawn (a second task over the same rows,
/// the demo's first version): the task page and the API list it in
/// progress, and the page refreshes itself; the finished task lists none.
fn in_progress(url: &str, deployment: &str, demo: &Value, base: &str, agent: &ureq::Agent) {
    let version = demo["versions"][0]["version_id"].as_u64().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (task, evaluation) = runtime.block_on(async {
        let suite = zkmltrack_tests::suite_from_file(
            url,
            Path::new(deployment),
            zkmltrack_tests::dev_key(),
        )
        .await;
        let spec = suite.task(1).await.unwrap().spec;
        let task = suite.create_task(&spec).await.expect("a second task");
        let evaluation = suite.open_evaluation(task, version).await.expect("open");
        (task, evaluation)
    });
    let (status, body) = get(agent, &format!("{base}/api/tasks/{task}/evaluations"));
    assert_eq!(status, 200, "{body}");
    let running: Value = serde_json::from_str(&body).unwrap();
    let running = running.as_array().unwrap();
    assert_eq!(running.len(), 1, "{running:?}");
    assert_eq!(running[0]["id"], evaluation);
    assert_eq!(running[0]["status"], "committed");
    assert_eq!(running[0]["version_id"], version);
    let (status, page) = get(agent, &format!("{base}/tasks/{task}"));
    assert_eq!(status, 200);
    assert!(page.contains("<h2>In progress</h2>"), "{page}");
    assert!(
        page.contains(&format!("/evaluations/{evaluation}\"")),
        "{page}"
    );
    assert!(
        page.contains("http-equiv=\"refresh\""),
        "the page follows it live"
    );
    let (_, body) = get(agent, &format!("{base}/api/tasks/1/evaluations"));
    assert_eq!(body, "[]", "task 1's evaluations are all finished");
    let (_, page) = get(agent, &format!("{base}/tasks/1"));
    assert!(!page.contains("In progress"));
}

/// A server started with `--sign` and a participant's key (not the suite
/// owner's): an upload registers its model and evaluates it on a task of its
/// own; a new architecture stops at the owner's approval and the same upload
/// finishes once approved; bad on-chain fields are refused before any job;
/// the job limits hold (one at a time here, one finished job kept).
fn signing(url: &str, deployment: &str, workspace: &Path, agent: &ureq::Agent, fresh: &Path) {
    let key = format!("{}", zkmltrack_devnet::genesis::account_keys(3)[2]);
    let participant = alloy::signers::local::PrivateKeySigner::from_bytes(
        &key.parse::<alloy::primitives::B256>().unwrap(),
    )
    .unwrap()
    .address();
    let server = ServeProcess::start_with(
        workspace,
        &[
            "--rpc-url",
            url,
            "--deployment",
            deployment,
            "--test-srs",
            "--sign",
            "--max-jobs",
            "1",
            "--keep-jobs",
            "1",
        ],
        &[("ZKMLTRACK_PRIVATE_KEY", &key)],
    );
    let base = &server.url;
    let (_, health) = get(agent, &format!("{base}/api/health"));
    let signer: Address = serde_json::from_str::<Value>(&health).unwrap()["signer"]
        .as_str()
        .expect("the signing account")
        .parse()
        .unwrap();
    assert_eq!(signer, participant);
    let (_, page) = get(agent, &format!("{base}/upload"));
    assert!(page.contains("This server signs as"), "{page}");

    // A task of this test's own, by the suite owner (the dev key).
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let owner = runtime.block_on(zkmltrack_tests::suite_from_file(
        url,
        Path::new(deployment),
        zkmltrack_tests::dev_key(),
    ));
    let spec = runtime.block_on(owner.task(1)).unwrap().spec;
    let task = runtime.block_on(owner.create_task(&spec)).expect("a task");
    let task_field = task.to_string();

    let iris = repo().join("examples/iris");
    let model = std::fs::read(fresh).unwrap();
    let rows = std::fs::read(iris.join("eval.csv")).unwrap();
    let other_rows = std::fs::read(iris.join("train.csv")).unwrap();
    let post = |fields: &[(&str, Option<&str>, &[u8])]| upload_to(agent, base, fields);
    let upload = |extra: &[(&'static str, Option<&'static str>, &[u8])]| {
        let mut fields: Vec<(&str, Option<&str>, &[u8])> = vec![
            ("task", None, task_field.as_bytes()),
            ("model", Some("fresh.onnx"), &model),
            ("calibration", Some("eval.csv"), &rows),
        ];
        fields.extend_from_slice(extra);
        post(&fields)
    };
    // Refused before any job: someone else's lineage, both lineage and name,
    // an evaluation without the rows, rows that are not the task's.
    for (extra, status, says) in [
        (
            vec![("lineage", None, &b"1"[..])],
            400,
            "is not this server's account's",
        ),
        (
            vec![("lineage", None, &b"1"[..]), ("name", None, &b"x"[..])],
            400,
            "exactly one of lineage",
        ),
        (
            vec![("name", None, &b"x"[..]), ("evaluate", None, &b"true"[..])],
            400,
            "needs the task's rows",
        ),
        (
            vec![
                ("name", None, &b"x"[..]),
                ("evaluate", None, &b"true"[..]),
                ("dataset", Some("train.csv"), &other_rows[..]),
            ],
            400,
            "not the task's rows",
        ),
    ] {
        let (got, body) = upload(&extra);
        assert_eq!(got, status, "{body}");
        assert!(body.contains(says), "{says}: {body}");
    }
    let wait = |id: &str| -> Value {
        let started = std::time::Instant::now();
        loop {
            let (_, body) = get(agent, &format!("{base}/api/jobs/{id}"));
            let job: Value = serde_json::from_str(&body).unwrap();
            match job["state"].as_str().unwrap() {
                "done" | "failed" => return job,
                _ => {}
            }
            assert!(
                started.elapsed().as_secs() < 900,
                "the job did not finish: {job}"
            );
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
    };
    let register_and_evaluate: [(&str, Option<&str>, &[u8]); 3] = [
        ("name", None, b"api-lineage"),
        ("evaluate", None, b"true"),
        ("dataset", Some("eval.csv"), &rows),
    ];
    // The first upload adds the architecture's route, which awaits the owner.
    let (status, body) = upload(&register_and_evaluate);
    assert_eq!(status, 202, "{body}");
    let first: Value = serde_json::from_str(&body).unwrap();
    let first_id = first["id"].as_str().unwrap().to_string();
    // One job at a time on this server: another upload waits for it.
    let (status, body) = post(&[
        ("task", None, task_field.as_bytes()),
        (
            "model",
            Some("m.onnx"),
            &std::fs::read(iris.join("model.onnx")).unwrap(),
        ),
        ("calibration", Some("eval.csv"), &rows),
    ]);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("--max-jobs 1"), "{body}");
    let job = wait(&first_id);
    assert_eq!(job["state"], "done", "{job}");
    let route = job["result"]["route_awaiting_approval"]
        .as_u64()
        .unwrap_or_else(|| panic!("a participant's new architecture awaits approval: {job}"));
    assert_eq!(job["result"]["version"], Value::Null, "{job}");
    runtime
        .block_on(owner.approve_route(route))
        .expect("the owner approves");
    // The task's audit before the evaluation below: the server keeps it.
    let before = ServedAudit::get(agent, base, task).json(Some("miss"));

    // Again, now on the approved route: registered and evaluated.
    let (status, body) = upload(&register_and_evaluate);
    assert_eq!(status, 202, "{body}");
    let second: Value = serde_json::from_str(&body).unwrap();
    let job = wait(second["id"].as_str().unwrap());
    assert_eq!(job["state"], "done", "{job}");
    let version = job["result"]["version"].as_u64().expect("a version");
    let evaluation = job["result"]["evaluation"].as_u64().expect("an evaluation");
    let registered = runtime.block_on(owner.version(version)).unwrap();
    let api_evaluation = evaluation;
    assert_eq!(
        registered.submitter, participant,
        "registered by the server's key"
    );
    let on_chain = runtime.block_on(owner.evaluation(evaluation)).unwrap();
    assert_eq!(
        (on_chain.task_id, on_chain.version_id, on_chain.participant),
        (task, version, participant)
    );
    assert_eq!(
        on_chain.status,
        zkmltrack::suite::EvaluationStatus::Finalized
    );
    assert_eq!(
        job["result"]["correct"].as_u64(),
        Some(on_chain.correct as u64),
        "{job}"
    );
    // The audit after it: renewed from the kept one, and equal to a full
    // audit by the CLI.
    let after = ServedAudit::get(agent, base, task).json(Some("miss"));
    let same_as_full_audit = |served: &Value| {
        let full = zkmltrack(
            &[
                "audit",
                "--task",
                &task.to_string(),
                "--json",
                "--rpc-url",
                url,
                "--deployment",
                deployment,
            ],
            &[],
        );
        assert!(full.status.success(), "audit: {}", stderr(&full));
        let full = json_of(&full);
        for field in ["evaluations", "problems", "leaderboard", "unfinished"] {
            assert_eq!(served[field], full[field], "the served audit's {field}");
        }
    };
    same_as_full_audit(&after);
    assert_eq!(
        after["evaluations"].as_array().unwrap().len(),
        before["evaluations"].as_array().unwrap().len() + 1,
        "{after}"
    );
    let (status, board) = get(agent, &format!("{base}/api/tasks/{task}/leaderboard"));
    assert_eq!(status, 200);
    assert!(
        board.contains(&format!("\"evaluation_id\":{evaluation}")),
        "{board}"
    );
    // One finished job is kept: the first is gone, folder and all.
    let (status, _) = get(agent, &format!("{base}/api/jobs/{first_id}"));
    assert_eq!(status, 404);
    assert!(!workspace.join("serve-jobs").join(&first_id).exists());

    // A hidden task: the job evaluates on the rows its owner reveals.
    let hidden = runtime
        .block_on(owner.create_task(&zkmltrack::suite::TaskSpec {
            hidden: true,
            randomness: owner.deployment.hidden_set,
            samples: 4,
            ..spec.clone()
        }))
        .expect("a hidden task");
    let hidden_field = hidden.to_string();
    // The retrained model is uploaded as the API lineage's next version: it
    // is compiled under that lineage's architecture and so needs no route.
    let api_lineage = registered.lineage_id.to_string();
    let other = workspace.join("other-weights.onnx");
    other_weights(fresh, &other);
    let other_model = std::fs::read(&other).unwrap();
    let hidden_upload = |extra: &[(&'static str, Option<&'static str>, &[u8])]| {
        let mut fields: Vec<(&str, Option<&str>, &[u8])> = vec![
            ("task", None, hidden_field.as_bytes()),
            ("model", Some("other.onnx"), &other_model),
            ("calibration", Some("eval.csv"), &rows),
            ("lineage", None, api_lineage.as_bytes()),
            ("evaluate", None, b"true"),
        ];
        fields.extend_from_slice(extra);
        post(&fields)
    };
    let (status, body) = hidden_upload(&[("dataset", Some("eval.csv"), &rows)]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("is hidden"), "{body}");
    // A hidden task whose rows are all held by an evaluation drawn on it
    // holds no more: refused before anything is queued.
    let full = runtime
        .block_on(owner.create_task(&zkmltrack::suite::TaskSpec {
            hidden: true,
            randomness: owner.deployment.hidden_set,
            samples: spec.dataset_size as u32 / 2 + 1,
            ..spec.clone()
        }))
        .expect("a hidden task");
    let held = runtime
        .block_on(owner.open_evaluation(full, 1))
        .expect("an evaluation of the demo's first version");
    runtime
        .block_on(owner.fix_hidden_draw(held))
        .expect("the draw");
    // The retrained model uploaded as a new lineage `name`, to be evaluated
    // on hidden task `task`.
    let evaluate_on = |task: u64, name: &str| {
        post(&[
            ("task", None, task.to_string().as_bytes()),
            ("model", Some("other.onnx"), &other_model),
            ("calibration", Some("eval.csv"), &rows),
            ("name", None, name.as_bytes()),
            ("evaluate", None, b"true"),
        ])
    };
    let (status, body) = evaluate_on(full, "hidden-api");
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("holds no more evaluations"), "{body}");
    // The API and the pages give each task's remaining capacity: none for a
    // public task, all rows of the fresh hidden one, what the held draw left.
    let size = spec.dataset_size;
    let held_rows = size / 2 + 1;
    for (task, rows_left, evaluations_left) in [
        (1, Value::Null, Value::Null),
        (hidden, size.into(), (size / 4).into()),
        (full, (size - held_rows).into(), 0.into()),
    ] {
        let (status, body) = get(agent, &format!("{base}/api/tasks/{task}"));
        assert_eq!(status, 200, "{body}");
        let t: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(t["rows_left"], rows_left, "task {task}: {body}");
        assert_eq!(
            t["evaluations_left"], evaluations_left,
            "task {task}: {body}"
        );
        let (_, page) = get(agent, &format!("{base}/tasks/{task}"));
        let shown = match (rows_left.as_u64(), evaluations_left.as_u64()) {
            (Some(r), Some(e)) => format!("{r} of {size} left, room for {e} more evaluation"),
            _ => "public rows".to_string(),
        };
        assert!(page.contains(&shown), "task {task}'s page lacks {shown:?}");
    }
    let (_, tasks_page) = get(agent, &format!("{base}/"));
    assert!(
        tasks_page.contains(&format!(
            "{} of {size} left, room for 0 more",
            size - held_rows
        )),
        "the tasks page shows the full task's capacity"
    );
    // Anyone may create a hidden task naming any address: one that is no
    // HiddenSet (a contract without its views, an account without code)
    // leaves the other tasks listed, says why its capacity is unknown, and
    // refuses an evaluation before anything is queued.
    for randomness in [owner.deployment.registry, Address::repeat_byte(0x42)] {
        let stray = runtime
            .block_on(owner.create_task(&zkmltrack::suite::TaskSpec {
                hidden: true,
                randomness,
                ..spec.clone()
            }))
            .expect("a hidden task naming no HiddenSet");
        let (status, body) = get(agent, &format!("{base}/api/tasks"));
        assert_eq!(status, 200, "{body}");
        let tasks: Value = serde_json::from_str(&body).unwrap();
        let listed = tasks.as_array().unwrap();
        assert_eq!(listed.len() as u64, stray, "{body}");
        let t = &listed[stray as usize - 1];
        assert_eq!(
            (&t["rows_left"], &t["evaluations_left"]),
            (&Value::Null, &Value::Null)
        );
        assert!(t["capacity_unknown"].is_string(), "{t}");
        assert_eq!(listed[hidden as usize - 1]["rows_left"], size, "{body}");
        let (status, page) = get(agent, &format!("{base}/"));
        assert_eq!(status, 200);
        assert!(page.contains("capacity unknown"), "the tasks page lists it");
        assert!(!page.contains("&amp;"), "the reason is escaped once");
        let (status, body) = evaluate_on(stray, "stray-hidden");
        assert_eq!(status, 409, "{body}");
        assert!(body.contains("does not answer as a HiddenSet"), "{body}");
    }
    // An evaluation the chain would refuse (a closed task, a paused suite)
    // is refused before anything is queued or registered.
    runtime
        .block_on(owner.close_task(full))
        .expect("the creator closes the task");
    let (status, body) = evaluate_on(full, "closed-api");
    assert_eq!(status, 409, "{body}");
    assert!(body.contains(&format!("task {full} is closed")), "{body}");
    runtime
        .block_on(owner.set_paused(true))
        .expect("the owner pauses");
    let (status, body) = evaluate_on(1, "paused-api");
    runtime
        .block_on(owner.set_paused(false))
        .expect("the owner unpauses");
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("paused"), "{body}");

    let (status, body) = hidden_upload(&[]);
    assert_eq!(status, 202, "{body}");
    let job_id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The task owner (the dev key) reveals in the background.
    let owner_key = format!("{}", zkmltrack_devnet::DEV_KEY);
    let mut revealer = zkmltrack_tests::cli::command(
        workspace,
        &[
            "task",
            "reveal",
            "--task",
            &hidden_field,
            "--dataset",
            iris.join("eval.csv").to_str().unwrap(),
            "--watch",
            "--rpc-url",
            url,
            "--deployment",
            deployment,
        ],
        &[("ZKMLTRACK_PRIVATE_KEY", &owner_key)],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("the revealer starts");
    let job = wait(&job_id);
    revealer.kill().expect("the revealer stops");
    let log = revealer.wait_with_output().expect("revealer output");
    assert_eq!(
        job["state"],
        "done",
        "{job}\nrevealer: {}",
        String::from_utf8_lossy(&log.stderr)
    );
    assert!(
        job["steps"].to_string().contains("waits up to"),
        "the job says it waits for the reveal: {job}"
    );
    let evaluation = job["result"]["evaluation"].as_u64().expect("an evaluation");
    let on_chain = runtime.block_on(owner.evaluation(evaluation)).unwrap();
    assert_eq!(
        (on_chain.task_id, on_chain.participant),
        (hidden, participant)
    );
    assert_eq!(
        on_chain.status,
        zkmltrack::suite::EvaluationStatus::Finalized
    );
    assert_eq!(job["result"]["samples"].as_u64(), Some(4), "{job}");
    // On the lineage's route, found, not added.
    assert_eq!(
        job["result"]["route_awaiting_approval"],
        Value::Null,
        "{job}"
    );
    let retrained = runtime
        .block_on(owner.version(job["result"]["version"].as_u64().expect("a version")))
        .unwrap();
    assert_eq!(
        (retrained.lineage_id, retrained.number, retrained.route_id),
        (registered.lineage_id, 2, registered.route_id),
        "{job}"
    );
    assert!(
        job["steps"].to_string().contains("compiling under lineage"),
        "{job}"
    );
    // The owner revokes the API lineage's first version: its task's board
    // drops it, and the page keeps it below the ranking, struck out. (The
    // owner's connection sends after the revealer process sent from the same
    // account: its nonce is the chain's.)
    runtime
        .block_on(owner.revoke_version(registered.id))
        .expect("the owner revokes");
    let (_, board) = get(agent, &format!("{base}/api/tasks/{task}/leaderboard"));
    assert!(
        !board.contains(&format!("\"version_id\":{}", registered.id)),
        "{board}"
    );
    let (_, page) = get(agent, &format!("{base}/tasks/{task}"));
    let struck = format!(
        "<td><a href=\"/evaluations/{api_evaluation}\">evaluation {api_evaluation}</a></td><td>revoked</td></tr>"
    );
    assert!(
        page.contains(&struck) && page.contains("<tr class=\"revoked\"><td class=\"num\">–</td>"),
        "{page}"
    );
    let (_, revoked) = get(agent, &format!("{base}/api/tasks/{task}/revoked"));
    let revoked: Value = serde_json::from_str(&revoked).unwrap();
    assert_eq!(revoked[0]["evaluation_id"], api_evaluation, "{revoked}");
    assert_eq!(revoked[0]["version"]["id"], registered.id, "{revoked}");
    assert_eq!(revoked[0]["version"]["revoked"], true, "{revoked}");
    // The revocation renews the audit: the records of the evaluations it
    // had checked are kept, the ranking recomputed; the same as a full audit.
    same_as_full_audit(&ServedAudit::get(agent, base, task).json(Some("miss")));

    // A restarted server still serves the jobs this one finished: their
    // records and artifacts stay in their folders.
    let last = job["id"].as_str().unwrap().to_string();
    let proof_of = |base: &str| {
        get(
            agent,
            &format!("{base}/api/jobs/{last}/artifacts/proof.json"),
        )
    };
    let (status, proof) = proof_of(base);
    assert_eq!(status, 200, "{proof}");
    drop(server);
    let restarted = ServeProcess::start(workspace, &["--rpc-url", url, "--deployment", deployment]);
    let (status, body) = get(agent, &format!("{}/api/jobs/{last}", restarted.url));
    assert_eq!(status, 200, "{body}");
    let kept: Value = serde_json::from_str(&body).unwrap();
    for field in ["state", "result", "steps", "artifacts", "finished_at"] {
        assert_eq!(
            kept[field], job[field],
            "the restarted server's job {field}"
        );
    }
    assert_eq!(proof_of(&restarted.url), (200, proof));
}

/// The chain's RPC goes down under a running server and comes back: the
/// API and the pages answer 503 saying so (the page retrying by itself),
/// then serve again without a restart.
fn outage(url: &str, deployment: &str, workspace: &Path, agent: &ureq::Agent) {
    let upstream = url
        .trim_start_matches("http://")
        .parse()
        .expect("the devnet's loopback address");
    let relay = zkmltrack_tests::outage::Relay::start(upstream);
    let server = ServeProcess::start(
        workspace,
        &["--rpc-url", &relay.url, "--deployment", deployment],
    );
    let base = &server.url;
    let (status, body) = get(agent, &format!("{base}/api/tasks"));
    assert_eq!(status, 200, "{body}");
    relay.cut();
    let (status, body) = get(agent, &format!("{base}/api/tasks"));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("the chain is unreachable"), "{body}");
    let (status, page) = get(agent, &format!("{base}/tasks/1"));
    assert_eq!(status, 503, "{page}");
    assert!(page.contains("the chain is unreachable"), "{page}");
    assert!(page.contains("http-equiv=\"refresh\""), "the page retries");
    relay.restore();
    let (status, body) = get(agent, &format!("{base}/api/tasks/1/leaderboard"));
    assert_eq!(status, 200, "back without a restart: {body}");
    let (status, _) = get(agent, &format!("{base}/tasks/1"));
    assert_eq!(status, 200);
}

fn seed_of(url: &str, deployment: &str, evaluation: u64) -> U256 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let chain = zkmltrack::chain::Chain::connect(url, None).await.unwrap();
        let d = zkmltrack::suite::Deployment::read(Path::new(deployment)).unwrap();
        let suite = zkmltrack::suite::Suite::attach(chain, d).await.unwrap();
        suite.evaluation(evaluation).await.unwrap().seed
    })
}

/// Each bad input is a one-line error with the documented exit code.
fn bad_input(url: &str, deployment: &str, dir: &Path, dev_chain: bool) {
    let common = ["--rpc-url", url, "--deployment", deployment];
    let expect = |out: Output, code: i32, needle: &str| expect_error(&out, code, needle);

    // RPC unreachable.
    let out = zkmltrack(
        &[
            "leaderboard",
            "--task",
            "1",
            "--rpc-url",
            "http://127.0.0.1:9",
            "--deployment",
            deployment,
        ],
        &[],
    );
    expect(out, 3, "cannot reach the RPC endpoint");

    // A named SRS file that does not exist is refused before any work,
    // naming it: the demo does not prove with the test-only SRS instead,
    // and the server does not start to fail every upload later.
    let missing = dir.join("no-such-ceremony.srs");
    let srs_error = format!("--srs {}: no such file", missing.display());
    let out = zkmltrack(&["demo", "--srs", missing.to_str().unwrap()], &[]);
    expect(out, 5, &srs_error);
    let mut serve_args = vec!["serve", "--listen", "127.0.0.1:0", "--srs"];
    serve_args.push(missing.to_str().unwrap());
    serve_args.extend_from_slice(&common);
    expect(zkmltrack(&serve_args, &[]), 5, &srs_error);

    // The leaderboard read through a copy of the deployment file with one field changed.
    let text = std::fs::read_to_string(deployment).unwrap();
    let leaderboard_with = |key: &str, value: Value| {
        let mut d: Value = serde_json::from_str(&text).unwrap();
        d[key] = value;
        let patched = dir.join(format!("patched-{key}.json"));
        std::fs::write(&patched, d.to_string()).unwrap();
        zkmltrack(
            &[
                "leaderboard",
                "--task",
                "1",
                "--rpc-url",
                url,
                "--deployment",
                patched.to_str().unwrap(),
            ],
            &[],
        )
    };

    // Wrong chain: the deployment file names another chain id.
    expect(leaderboard_with("chain_id", Value::from(1)), 3, "not 1");

    // Contract not deployed at the given address.
    let out = leaderboard_with(
        "registry",
        Value::from("0x00000000000000000000000000000000deadbeef"),
    );
    expect(
        out,
        3,
        "no contract at 0x00000000000000000000000000000000DeaDBeef",
    );

    // The controller's and the registry's addresses swapped: the chain is
    // not wired as the file says (exit 3, Miswired's family), not a revert.
    let d: Value = serde_json::from_str(&text).unwrap();
    let mut swapped = d.clone();
    swapped["controller"] = d["registry"].clone();
    swapped["registry"] = d["controller"].clone();
    let swapped_file = dir.join("swapped.json");
    std::fs::write(&swapped_file, swapped.to_string()).unwrap();
    let out = zkmltrack(
        &[
            "leaderboard",
            "--task",
            "1",
            "--rpc-url",
            url,
            "--deployment",
            swapped_file.to_str().unwrap(),
        ],
        &[],
    );
    expect(
        out,
        3,
        "the deployment is not one suite: the TaskController address",
    );

    // Keys: a key file without a key, a keystore without its password.
    let not_a_key = dir.join("key.txt");
    std::fs::write(&not_a_key, "not a key\n").unwrap();
    // (on a command that signs, refused before anything is sent)
    let key_args = [
        "admin",
        "pause",
        "--private-key-file",
        not_a_key.to_str().unwrap(),
    ];
    expect(
        zkmltrack(&[&key_args[..], &common].concat(), &[]),
        5,
        "does not hold a 32-byte hex private key",
    );
    let keystore = dir.join("keystore.json");
    let key_args = ["admin", "pause", "--keystore", keystore.to_str().unwrap()];
    expect(
        zkmltrack(&[&key_args[..], &common].concat(), &[]),
        5,
        "needs its password in ZKMLTRACK_KEYSTORE_PASSWORD",
    );

    // Dataset CSVs: wrong column count, non-numeric cell.
    let short = dir.join("short.csv");
    std::fs::write(&short, "a,b,c,label\n1,2,3,0\n4,5,1\n").unwrap();
    expect(
        zkmltrack(
            &["dataset", "root", "--dataset", short.to_str().unwrap()],
            &[],
        ),
        5,
        "line 3: 3 cells, the header has 4",
    );
    let text_cell = dir.join("text.csv");
    std::fs::write(&text_cell, "a,b,label\n1,x,0\n").unwrap();
    expect(
        zkmltrack(
            &["dataset", "root", "--dataset", text_cell.to_str().unwrap()],
            &[],
        ),
        5,
        "is not a finite number",
    );

    // A model whose input shape does not match the task.
    let three = dir.join("three.csv");
    std::fs::write(&three, "a,b,c,label\n1,2,3,0\n").unwrap();
    let out = zkmltrack(
        &[
            &[
                "model",
                "register",
                "--model",
                repo().join("examples/iris/model.onnx").to_str().unwrap(),
                "--calibration",
                three.to_str().unwrap(),
                "--task",
                "1",
                "--name",
                "x",
                "--test-srs",
            ][..],
            &common,
        ]
        .concat(),
        &[],
    );
    expect(out, 5, "has 3 features; task 1 takes 4");

    // Bond terms: out of range refused before any transaction; a bonded task
    // shows its terms; an evaluation without a bond has nothing to settle.
    let eval_csv = repo().join("examples/iris/eval.csv");
    let create = |extra: &[&str]| {
        zkmltrack(
            &[
                &["task", "create", "--dataset", eval_csv.to_str().unwrap()][..],
                extra,
                &common,
            ]
            .concat(),
            &[],
        )
    };
    let tasks_before = json_of(&zkmltrack(
        &[&["task", "show", "--task", "1", "--json"][..], &common].concat(),
        &[],
    ));
    expect(
        create(&["--bond", "0", "--submission-window", "10"]),
        5,
        "--bond 0",
    );
    expect(
        create(&["--bond", "1000", "--submission-window", "0"]),
        5,
        "--submission-window 0 is out of range: 1 to 12000000 blocks",
    );
    assert_eq!(tasks_before["bond"]["bond"], "0x0", "task 1 takes no bond");
    let out = create(&["--bond", "1000", "--submission-window", "300", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bonded = json_of(&out)["task_id"].to_string();
    let show = json_of(&zkmltrack(
        &[&["task", "show", "--task", &bonded, "--json"][..], &common].concat(),
        &[],
    ));
    assert_eq!(
        (
            show["bond"]["bond"].as_str(),
            show["bond"]["window"].as_u64()
        ),
        (Some("0x3e8"), Some(300))
    );
    expect(
        zkmltrack(
            &[
                &["task", "bond", "--task", &bonded][..],
                &["--bond", "5", "--submission-window", "5"],
                &common,
            ]
            .concat(),
            &[],
        ),
        5,
        "terms never change",
    );
    expect(
        zkmltrack(
            &[&["task", "settle-bond", "--evaluation", "1"][..], &common].concat(),
            &[],
        ),
        5,
        "holds no bond",
    );

    if !dev_chain {
        return;
    }
    // Unfunded key (a fresh account) sending a transaction.
    let out = zkmltrack(
        &[
            &[
                "task",
                "create",
                "--dataset",
                repo().join("examples/iris/eval.csv").to_str().unwrap(),
            ][..],
            &common,
        ]
        .concat(),
        &[(
            "ZKMLTRACK_PRIVATE_KEY",
            "0x1111111111111111111111111111111111111111111111111111111111111111",
        )],
    );
    expect(out, 4, "cannot pay");

    // Non-owner governance (a funded devnet test account).
    let test_key = format!("{}", zkmltrack_devnet::genesis::account_keys(1)[1]);
    let out = zkmltrack(
        &[&["admin", "pause"][..], &common].concat(),
        &[("ZKMLTRACK_PRIVATE_KEY", &test_key)],
    );
    expect(out, 4, "is not the contract's owner");

    // A participant who is not the suite owner (security F1, F3, F4): it
    // publishes its first model's architecture as a package (no trained
    // weights), its registration stops at the route awaiting approval, the
    // owner reviews the route from the package alone and approves, and the
    // participant registers and evaluates two versions of the architecture
    // (two trainings) with no further owner step. Both rank; the audit agrees
    // and rebuilds the route's key from its package.
    let participant = [("ZKMLTRACK_PRIVATE_KEY", test_key.as_str())];
    let first = repo().join("examples/iris/participant_v1_batch8.onnx");
    let second = repo().join("examples/iris/participant_v2_batch8.onnx");
    let calibration = repo().join("examples/iris/eval.csv");
    let calibration = calibration.to_str().unwrap();
    let package = dir.join("architecture");
    let out = zkmltrack(
        &[
            &["model", "architecture", "--model", first.to_str().unwrap()][..],
            &["--calibration", calibration, "--task", "1"],
            &["--out", package.to_str().unwrap(), "--test-srs", "--json"],
            &common,
        ]
        .concat(),
        &participant,
    );
    assert!(out.status.success(), "architecture: {}", stderr(&out));
    let written = json_of(&out);
    let trained = std::fs::read(&first).unwrap();
    let published = std::fs::read(package.join("model.onnx")).unwrap();
    assert_eq!(
        published.len(),
        trained.len(),
        "the same graph and tensor sizes"
    );
    assert_ne!(published, trained, "the trained weights are not published");
    // Registered with the task's CSV and no --calibration: it calibrates on
    // the dataset (the default), and the pre-flight checks every row.
    let register = |model: &Path, extra: &[&str]| {
        zkmltrack(
            &[
                &["model", "register", "--model", model.to_str().unwrap()][..],
                &["--dataset", calibration, "--task", "1"],
                extra,
                &["--test-srs", "--json"],
                &common,
            ]
            .concat(),
            &participant,
        )
    };
    let out = register(
        &first,
        &[
            "--name",
            "participant",
            "--package",
            package.to_str().unwrap(),
        ],
    );
    expect_error(&out, 4, "awaits the suite owner's review and approval");
    let err = stderr(&out);
    let route: String = err
        .lines()
        .last()
        .unwrap_or_default()
        .split("verifier route ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the error names the route")
        .to_string();
    let show = zkmltrack(
        &[&["route", "show", &route, "--json"][..], &common].concat(),
        &[],
    );
    let shown = json_of(&show);
    assert_eq!(shown["approved"], false);
    assert_eq!(shown["package_hash"], written["package_hash"]);
    // The owner's review finds the package from the route's URI.
    let out = zkmltrack(
        &[
            &[
                "route",
                "review",
                "--route",
                &route,
                "--task",
                "1",
                "--approve",
            ][..],
            &["--test-srs", "--json"],
            &common,
        ]
        .concat(),
        &[],
    );
    assert!(out.status.success(), "review: {}", stderr(&out));
    let verdict = json_of(&out);
    assert_eq!(
        (verdict["passed"].as_bool(), verdict["approved"].as_bool()),
        (Some(true), Some(true)),
        "{verdict}"
    );
    // A package that is not the route's (its settings touched): refused by
    // its hash before any EZKL work, the route's approval unchanged.
    let forged = dir.join("architecture-forged");
    std::fs::create_dir_all(&forged).unwrap();
    for name in ["model.onnx", "settings.json"] {
        std::fs::copy(package.join(name), forged.join(name)).unwrap();
    }
    let mut settings = std::fs::read(forged.join("settings.json")).unwrap();
    settings.push(b'\n');
    std::fs::write(forged.join("settings.json"), settings).unwrap();
    let out = zkmltrack(
        &[
            &["route", "review", "--route", &route, "--task", "1"][..],
            &["--package", forged.to_str().unwrap(), "--test-srs"],
            &common,
        ]
        .concat(),
        &[],
    );
    expect_error(&out, 5, "not the route's");
    let show = zkmltrack(
        &[&["route", "show", &route, "--json"][..], &common].concat(),
        &[],
    );
    assert_eq!(json_of(&show)["approved"], true);
    let out = register(&first, &["--name", "participant", "--route", &route]);
    assert!(out.status.success(), "register v1: {}", stderr(&out));
    let v1 = json_of(&out);
    assert_eq!(v1["route_id"].to_string(), route);
    let lineage = v1["lineage_id"].to_string();
    // The second training: found its route by its key, no owner step.
    let out = register(&second, &["--lineage", &lineage]);
    assert!(out.status.success(), "register v2: {}", stderr(&out));
    assert!(
        stderr(&out).contains("values match"),
        "the pre-flight ran: {}",
        stderr(&out)
    );
    let v2 = json_of(&out);
    assert_eq!(
        v2["route_id"].to_string(),
        route,
        "the same architecture route"
    );
    // The same weights again (another account, another lineage): refused.
    let out = zkmltrack(
        &[
            &["model", "register", "--model", second.to_str().unwrap()][..],
            &[
                "--calibration",
                calibration,
                "--task",
                "1",
                "--name",
                "squat",
            ],
            &["--route", &route, "--test-srs"],
            &common,
        ]
        .concat(),
        &[],
    );
    expect_error(&out, 4, "already holds this model's weight commitment");
    let evaluate = |model: &Path, version: &Value| {
        zkmltrack(
            &[
                &["evaluate", "--task", "1", "--test-srs", "--json"][..],
                &["--version", &version["version_id"].to_string()],
                &["--model", model.to_str().unwrap(), "--dataset", calibration],
                &common,
            ]
            .concat(),
            &participant,
        )
    };
    for (model, version) in [(&first, &v1), (&second, &v2)] {
        let out = evaluate(model, version);
        assert!(out.status.success(), "evaluate: {}", stderr(&out));
    }
    let out = zkmltrack(
        &[&["leaderboard", "--task", "1", "--json"][..], &common].concat(),
        &[],
    );
    let board = json_of(&out);
    for version in [&v1, &v2] {
        assert!(
            board
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["version_id"] == version["version_id"]),
            "version {} ranks: {board}",
            version["version_id"]
        );
    }
    let audit = zkmltrack(
        &[
            &[
                "audit",
                "--task",
                "1",
                "--check-routes",
                "--test-srs",
                "--json",
            ][..],
            &common,
        ]
        .concat(),
        &[],
    );
    assert!(audit.status.success(), "audit: {}", stderr(&audit));
    let audited = json_of(&audit);
    assert_eq!(
        audited["problems"].as_array().unwrap().len(),
        0,
        "{audited}"
    );
    assert!(
        audited["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |r| r["route"].as_u64().map(|id| id.to_string()) == Some(route.clone())
                    && r["rebuilt"] == true
            ),
        "the audit rebuilt the participant's route from its package: {audited}"
    );

    // A revoked model version cannot be evaluated.
    let out = zkmltrack(
        &[&["admin", "revoke", "--version", "2"][..], &common].concat(),
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = zkmltrack(
        &[
            &[
                "evaluate",
                "--task",
                "1",
                "--version",
                "2",
                "--test-srs",
                "--model",
                repo()
                    .join("examples/iris/model_weak_batch4.onnx")
                    .to_str()
                    .unwrap(),
                "--dataset",
                repo().join("examples/iris/eval.csv").to_str().unwrap(),
            ][..],
            &common,
        ]
        .concat(),
        &[],
    );
    expect(out, 4, "model version 2 was revoked");
}

#[test]
fn whole_flow_on_the_devnet() {
    let devnet = DevnetProcess::start();
    flow(&devnet.url, true);
}

#[test]
fn whole_flow_on_a_nitro_dev_node_when_its_url_is_set() {
    match std::env::var("NITRO_RPC_URL") {
        Ok(url) if !url.is_empty() => flow(&url, false),
        _ => eprintln!(
            "skipped: NITRO_RPC_URL is not set (start a Nitro dev node with scripts/nitro-devnode.sh, which needs Docker)"
        ),
    }
}
