//! Prover benchmark: the same EZKL flow through the SDK and through a plain
//! Python script calling ezkl directly (`bench/baseline.py`), alternating, on
//! fresh workspaces, same machine, same run, for the bundled Iris MLP
//! (4 -> 16 -> 3) and the digits MLP (64 -> 64 -> 10). Prints a markdown
//! table per model of wall time and peak RSS per step and the SDK/Python
//! ratios; with `--write <file>` also replaces the `prover-bench` section.
//!
//! ```text
//! cargo run --release -p zkmltrack-bench --bin prover -- [--rounds 3] [--models iris,digits] [--write docs/benchmarks.md]
//! ```

use std::{cell::RefCell, collections::BTreeMap, fs, path::Path, process::Command, time::Instant};

use serde_json::Value;
use zkmltrack::{
    dataset::Dataset,
    prover::{input_json, Progress, Prover, ProverConfig, SrsSource, Visibility},
    python::{zkmltrack_home, PythonEnv},
};
use zkmltrack_bench::{
    arg, machine, median, replace_section, repo_root, tool_versions, write_results, ProverModel,
    PROVER_MODELS,
};

const STEPS: [&str; 8] = [
    "gen_settings",
    "calibrate",
    "compile",
    "gen_srs",
    "setup",
    "witness",
    "prove",
    "verify",
];

/// Per-step (seconds, peak RSS KiB) of one run, plus the run's total wall time.
struct Run {
    steps: BTreeMap<String, (f64, Option<u64>)>,
    total: f64,
}

fn sdk_run(dir: &Path, model: &Path, calibration: &[Vec<f64>], sample: &[Vec<f64>]) -> Run {
    let started = Instant::now();
    let steps = RefCell::new(BTreeMap::new());
    let record = |p: Progress| {
        if let Progress::Finished {
            step,
            seconds,
            peak_rss_kb,
        } = p
        {
            steps.borrow_mut().insert(step, (seconds, peak_rss_kb));
        }
    };
    // The baseline script fixes the weights; so does this side (the cost of
    // hashing them is the `params` bench's).
    let mut config = ProverConfig::new(dir, SrsSource::TestOnly);
    config.param_visibility = Visibility::Fixed;
    let prover = Prover::new(config).unwrap();
    let circuit = prover.circuit(model, calibration, &record).unwrap();
    let proof = circuit.prove(sample, &record).unwrap();
    let verify_started = Instant::now();
    assert!(circuit.verify(&proof).unwrap());
    let mut steps = steps.into_inner();
    steps.insert(
        "verify".into(),
        (verify_started.elapsed().as_secs_f64(), None),
    );
    Run {
        steps,
        total: started.elapsed().as_secs_f64(),
    }
}

fn python_run(
    python: &Path,
    dir: &Path,
    model: &Path,
    calibration: &[Vec<f64>],
    sample: &[Vec<f64>],
) -> Run {
    fs::create_dir_all(dir).unwrap();
    let (cal, inp) = (dir.join("calibration.json"), dir.join("input.json"));
    fs::write(&cal, input_json(calibration)).unwrap();
    fs::write(&inp, input_json(sample)).unwrap();
    let started = Instant::now();
    let out = Command::new(python)
        .arg(repo_root().join("bench/baseline.py"))
        .args([dir, model, &cal, &inp])
        .output()
        .unwrap();
    let total = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let list: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .expect("baseline JSON");
    let steps = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let name = s["step"].as_str().unwrap().to_string();
            (
                name,
                (s["seconds"].as_f64().unwrap(), s["peak_rss_kb"].as_u64()),
            )
        })
        .collect();
    Run { steps, total }
}

/// Medians per step of both sides, the markdown table and the JSON record.
fn report(model: &ProverModel, logrows: Option<u64>, sdk: &[Run], py: &[Run]) -> (String, Value) {
    let mut table = String::from(
        "| step | SDK wall (s) | Python wall (s) | wall ratio | SDK peak RSS so far (MiB) | Python peak RSS so far (MiB) |\n|---|---:|---:|---:|---:|---:|\n",
    );
    let mib = |kb: Option<u64>| {
        kb.map(|k| format!("{:.0}", k as f64 / 1024.0))
            .unwrap_or_else(|| "n/a".into())
    };
    let step_median = |runs: &[Run], step: &str| {
        median(
            runs.iter()
                .map(|r| r.steps.get(step).map_or(0.0, |x| x.0))
                .collect(),
        )
    };
    let step_peak = |runs: &[Run], step: &str| {
        runs.iter()
            .filter_map(|r| r.steps.get(step).and_then(|x| x.1))
            .max()
    };
    let (mut sdk_peak, mut py_peak) = (0u64, 0u64);
    let (mut sdk_steps, mut py_steps) = (serde_json::Map::new(), serde_json::Map::new());
    for step in STEPS {
        let (s, p) = (step_median(sdk, step), step_median(py, step));
        let (s_rss, p_rss) = (step_peak(sdk, step), step_peak(py, step));
        sdk_peak = sdk_peak.max(s_rss.unwrap_or(0));
        py_peak = py_peak.max(p_rss.unwrap_or(0));
        sdk_steps.insert(step.into(), s.into());
        py_steps.insert(step.into(), p.into());
        table += &format!(
            "| {step} | {s:.2} | {p:.2} | {:.2}x | {} | {} |\n",
            s / p,
            mib(s_rss),
            mib(p_rss)
        );
    }
    let check = step_median(sdk, "check_model");
    table += &format!("| check_model (SDK only) | {check:.2} | - | - | - | - |\n");
    let s_total = median(sdk.iter().map(|r| r.total).collect());
    let p_total = median(py.iter().map(|r| r.total).collect());
    let (wall, rss) = (s_total / p_total, sdk_peak as f64 / py_peak as f64);
    table += &format!(
        "| **whole flow** | **{s_total:.2}** | **{p_total:.2}** | **{wall:.2}x** | **{}** | **{}** ({rss:.2}x) |\n",
        mib(Some(sdk_peak)),
        mib(Some(py_peak)),
    );
    let verdict = |ratio: f64, goal: f64| {
        if ratio <= goal {
            format!("{ratio:.2}x, goal <= {goal}x met")
        } else {
            format!("{ratio:.2}x, goal <= {goal}x **missed**")
        }
    };
    let title = format!(
        "**{}** (`{}`, logrows {}): whole flow wall {}, peak RSS {}.\n\n",
        model.name,
        model.onnx,
        logrows.map_or("?".into(), |k| k.to_string()),
        verdict(wall, 1.05),
        verdict(rss, 1.1)
    );
    let record = serde_json::json!({
        "name": model.name,
        "onnx": model.onnx,
        "logrows": logrows,
        "sdk": sdk_steps,
        "python": py_steps,
        "sdk_total": s_total,
        "python_total": p_total,
        "sdk_peak_rss_kb": sdk_peak,
        "python_peak_rss_kb": py_peak,
    });
    (title + &table, record)
}

fn main() {
    let rounds: usize = arg("--rounds").map_or(3, |v| v.parse().expect("--rounds takes a number"));
    let wanted = arg("--models").unwrap_or_else(|| "iris,digits".into());
    let python = PythonEnv::ensure(&zkmltrack_home()).unwrap().python();
    let scratch = repo_root().join("target/bench/prover");
    let _ = fs::remove_dir_all(&scratch);

    let (mut sections, mut records) = (Vec::new(), Vec::new());
    for model in PROVER_MODELS
        .iter()
        .filter(|m| wanted.split(',').any(|w| w == m.name))
    {
        let onnx = repo_root().join(model.onnx);
        let data = Dataset::from_csv(&repo_root().join(model.eval)).unwrap();
        let rows: Vec<Vec<f64>> = data.rows.iter().map(|r| r.features.clone()).collect();
        let (mut sdk, mut py) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            eprintln!("{}: round {}/{rounds}", model.name, round + 1);
            let dir = scratch.join(format!("{}-python-{round}", model.name));
            py.push(python_run(&python, &dir, &onnx, &rows[..8], &rows[..1]));
            sdk.push(sdk_run(
                &scratch.join(format!("{}-sdk-{round}", model.name)),
                &onnx,
                &rows[..8],
                &rows[..1],
            ));
        }
        let settings: Value = serde_json::from_str(
            &fs::read_to_string(scratch.join(format!("{}-python-0/settings.json", model.name)))
                .unwrap(),
        )
        .unwrap();
        let logrows = settings["run_args"]["logrows"].as_u64();
        let (section, record) = report(model, logrows, &sdk, &py);
        println!("{section}");
        sections.push(section);
        records.push(record);
    }
    write_results(
        "prover",
        &serde_json::json!({ "machine": machine(), "rounds": rounds, "steps": STEPS, "models": records }),
    );
    if let Some(file) = arg("--write") {
        let body = format!(
            "Command: `cargo run --release -p zkmltrack-bench --bin prover -- --rounds {rounds} --write docs/benchmarks.md` \
             (run by `scripts/bench`). Machine: {}. {}, test-only SRS, one sample per proof, \
             calibration on 8 rows; median of {rounds} alternating rounds on fresh workspaces. The SDK runs the steps \
             in one long-lived Python worker, the baseline in one plain script; peak RSS is each process's peak up to \
             the end of the step; the SDK's whole-flow wall time includes its own work (content addressing, \
             `status.json`, JSON requests, reading the proof back).\n\n{}",
            machine(),
            tool_versions(),
            sections.join("\n")
        );
        replace_section(Path::new(&file), "prover-bench", &body);
    }
}
