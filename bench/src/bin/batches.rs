//! Proving throughput by samples per proof: the Iris MLP at 1, 16, 48, 128
//! and 256 samples per proof (the `examples/iris/model*.onnx` variants, same
//! weights, hashed, input scale 13 as the gas bench), each on a fresh prover
//! (its own EZKL process, so each peak is that circuit's) with a test-only
//! SRS as large as the circuit needs. Per batch: logrows, set-up time
//! (settings, calibration, compilation, keys), proving time and samples
//! proven per second (median of `--rounds` proofs), the process's peak RSS,
//! and the SDK's memory estimate beside it. With `--write <file>` the
//! `batches-bench` section is replaced.
//!
//! ```text
//! cargo run --release -p zkmltrack-bench --bin batches -- [--rounds 3] [--batches 1,16,48,128,256] [--write docs/benchmarks.md]
//! ```

use std::{cell::RefCell, collections::BTreeMap, fs, path::Path, time::Instant};

use serde_json::json;
use zkmltrack::{
    dataset::Dataset,
    prover::{memory, Progress, Prover, ProverConfig, ProverError, SrsSource},
};
use zkmltrack_bench::{
    arg, machine, median, replace_section, repo_root, thousands, tool_versions, write_results,
};

/// The input scale of the gas bench and the CLI's tasks.
const SCALE: u32 = 13;

/// One circuit's measurements.
struct Row {
    model: &'static str,
    batch: usize,
    logrows: u32,
    srs_logrows: u32,
    setup_seconds: f64,
    prove_seconds: f64,
    peak_kib: u64,
    estimate: memory::Estimate,
}

/// Builds the circuit of `model` and proves `rounds` times, on a prover whose
/// test-only SRS is `srs_logrows` (grown to the circuit's logrows when smaller).
fn measure(
    workspace: &Path,
    name: &'static str,
    model: &Path,
    batch: usize,
    rows: &[Vec<f64>],
    rounds: usize,
    srs_logrows: u32,
) -> Row {
    let mut config = ProverConfig::new(workspace, SrsSource::TestOnly);
    config.input_scale = Some(SCALE);
    config.test_srs_logrows = Some(srs_logrows);
    // The bench measures the peak; the guard must not stop it.
    config.memory_guard = false;
    let prover = Prover::new(config).expect("prover");
    let steps = RefCell::new(BTreeMap::<String, (f64, u64)>::new());
    let record = |p: Progress| {
        if let Progress::Finished {
            step,
            seconds,
            peak_rss_kb,
        } = p
        {
            steps
                .borrow_mut()
                .insert(step, (seconds, peak_rss_kb.unwrap_or(0)));
        }
    };
    let calibration: Vec<Vec<f64>> = rows
        .iter()
        .cycle()
        .take(batch.max(rows.len()).div_ceil(batch) * batch)
        .cloned()
        .collect();
    let circuit = match prover.circuit(model, &calibration, &record) {
        Ok(c) => c,
        Err(ProverError::SrsTooSmall { logrows, .. }) if logrows > srs_logrows => {
            drop(prover);
            eprintln!("[batches] batch {batch}: {logrows} logrows, a test-only SRS of that size");
            return measure(workspace, name, model, batch, rows, rounds, logrows);
        }
        Err(e) => panic!("circuit of batch {batch}: {e}"),
    };
    let setup_seconds: f64 = [
        "check_model",
        "gen_settings",
        "calibrate",
        "compile",
        "setup",
    ]
    .iter()
    .filter_map(|s| steps.borrow().get(*s).map(|(t, _)| *t))
    .sum();
    let sample: Vec<Vec<f64>> = rows.iter().cycle().take(batch).cloned().collect();
    let mut times = Vec::new();
    for round in 0..rounds {
        eprintln!("[batches] batch {batch}: proof {}", round + 1);
        let started = Instant::now();
        circuit.prove(&sample, &record).expect("proof");
        times.push(started.elapsed().as_secs_f64());
    }
    let peak_kib = steps
        .borrow()
        .values()
        .map(|(_, kb)| *kb)
        .max()
        .unwrap_or(0);
    Row {
        model: name,
        batch,
        logrows: circuit.settings.logrows,
        srs_logrows,
        setup_seconds,
        prove_seconds: median(times),
        peak_kib,
        estimate: memory::estimate(&circuit.settings),
    }
}

fn main() {
    let repo = repo_root();
    let rounds: usize = arg("--rounds").and_then(|r| r.parse().ok()).unwrap_or(3);
    let batches: Vec<usize> = arg("--batches")
        .unwrap_or_else(|| "1,16,48,128,256".into())
        .split(',')
        .map(|b| b.trim().parse().expect("a batch size"))
        .collect();
    // All 150 Iris rows (the bundled split's two halves).
    let rows: Vec<Vec<f64>> = ["train.csv", "eval.csv"]
        .iter()
        .flat_map(|f| {
            Dataset::from_csv(&repo.join("examples/iris").join(f))
                .expect("bundled Iris rows")
                .rows
                .into_iter()
                .map(|r| r.features)
        })
        .collect();
    // Fresh keys on every run: set-up is measured, not found done.
    let workspace = repo.join("target/bench/batches");
    let _ = fs::remove_dir_all(&workspace);
    let mut measured = Vec::new();
    for &batch in &batches {
        let file = if batch == 1 {
            "model.onnx".to_string()
        } else {
            format!("model_batch{batch}.onnx")
        };
        eprintln!("[batches] batch {batch}: {file}");
        let row = measure(
            &workspace,
            "Iris MLP",
            &repo.join("examples/iris").join(file),
            batch,
            &rows,
            rounds,
            15,
        );
        measured.push(row);
    }
    // Two other shapes for the memory estimate: the digits MLP (64 -> 64 -> 10,
    // 4,810 hashed parameters) and the cancer MLP (30 -> 8 -> 2, 4 per proof).
    if arg("--no-others").is_none() {
        for (name, onnx, csv, batch) in [
            (
                "digits MLP",
                "examples/digits/model.onnx",
                "examples/digits/eval.csv",
                1,
            ),
            (
                "cancer MLP",
                "examples/cancer/model_batch4.onnx",
                "examples/cancer/eval.csv",
                4,
            ),
        ] {
            eprintln!("[batches] {name}");
            let rows: Vec<Vec<f64>> = Dataset::from_csv(&repo.join(csv))
                .expect("bundled rows")
                .rows
                .into_iter()
                .map(|r| r.features)
                .collect();
            measured.push(measure(
                &workspace,
                name,
                &repo.join(onnx),
                batch,
                &rows,
                rounds,
                15,
            ));
        }
    }

    let one = measured
        .iter()
        .find(|r| r.batch == 1 && r.model == "Iris MLP")
        .map(|r| r.batch as f64 / r.prove_seconds);
    let mut table = String::from(
        "| model | samples per proof | logrows | test SRS logrows | set-up (s) | prove (s) | samples proven per second | vs one-sample proofs | peak RSS (MiB) | estimated peak (MiB) | estimate / measured |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut worst: f64 = 0.0;
    for r in &measured {
        let per_second = r.batch as f64 / r.prove_seconds;
        let measured_mib = r.peak_kib as f64 / 1024.0;
        let estimated_mib = r.estimate.peak_bytes as f64 / (1 << 20) as f64;
        let ratio = estimated_mib / measured_mib;
        worst = worst.max((ratio - 1.0).abs());
        table.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} | {:.2} | {:.2} | {} | {} | {} | {:.2} |\n",
            r.model,
            r.batch,
            r.logrows,
            r.srs_logrows.max(r.logrows),
            r.setup_seconds,
            r.prove_seconds,
            per_second,
            one.filter(|_| r.model == "Iris MLP")
                .map(|o| format!("{:.1}x", per_second / o))
                .unwrap_or_else(|| "-".into()),
            thousands(measured_mib.round() as u64),
            thousands(estimated_mib.round() as u64),
            ratio,
        ));
    }
    let body = format!(
        "Command: `cargo run --release -p zkmltrack-bench --bin batches -- --rounds {rounds} --write docs/benchmarks.md` \
         (run by `scripts/bench`). Machine: {}. {}, Iris MLP 4 -> 16 -> 3 with hashed weights at input scale {SCALE}, \
         calibrated for resources on the 150 Iris rows; a fresh prover (one EZKL process) per batch size, its test-only \
         SRS as large as the circuit; prove is the median of {rounds} proofs; peak RSS is the EZKL process's peak over \
         set-up and proving; the digits and cancer MLPs are two other shapes for the estimate; the estimate is `zkmltrack::prover::memory::estimate` from the settings alone, made before \
         set-up.\n\n{table}\nLargest gap between estimate and measurement: {:.0}% (goal: within 25% on every row).\n",
        machine(),
        tool_versions(),
        worst * 100.0,
    );
    println!("{body}");
    write_results(
        "batches",
        &json!(measured
            .iter()
            .map(|r| json!({
                "model": r.model,
                "batch": r.batch,
                "logrows": r.logrows,
                "setup_seconds": r.setup_seconds,
                "prove_seconds": r.prove_seconds,
                "peak_kib": r.peak_kib,
                "estimate_bytes": r.estimate.peak_bytes,
                "rows": r.estimate.rows,
                "bytes_per_row": r.estimate.bytes_per_row,
            }))
            .collect::<Vec<_>>()),
    );
    if let Some(file) = arg("--write") {
        replace_section(&repo.join(file), "batches-bench", &body);
    }
}
