//! Prover benchmark: the Iris flow through the SDK and through a plain Python
//! script calling ezkl directly (`bench_baseline.py`), alternating, on fresh
//! workspaces, same machine, same run. Prints a markdown table of wall time and
//! peak RSS per step and the SDK/Python ratios; with `--write <file>` also
//! replaces the table between the `prover-bench` markers of that file.
//!
//! ```text
//! cargo run --release -p zkmltrack --example bench_prover -- [--rounds 3] [--write docs/benchmarks.md]
//! ```

use std::{
    cell::RefCell,
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use serde_json::Value;
use zkmltrack::{
    dataset::Dataset,
    prover::{input_json, Progress, Prover, ProverConfig, SrsSource},
    python::{zkmltrack_home, PythonEnv},
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

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
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
    let prover = Prover::new(ProverConfig::new(dir, SrsSource::TestOnly)).unwrap();
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
        .arg(repo().join("sdk/examples/bench_baseline.py"))
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .map(|i| args[i + 1].parse().unwrap())
        .unwrap_or(3);
    let write = args
        .iter()
        .position(|a| a == "--write")
        .map(|i| PathBuf::from(&args[i + 1]));

    let model = repo().join("examples/iris/model.onnx");
    let data = Dataset::from_csv(&repo().join("examples/iris/eval.csv")).unwrap();
    let rows: Vec<Vec<f64>> = data.rows.iter().map(|r| r.features.clone()).collect();
    let python = PythonEnv::ensure(&zkmltrack_home()).unwrap().python();
    let scratch = repo().join("target/bench-prover");
    let _ = fs::remove_dir_all(&scratch);

    let (mut sdk, mut py) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        eprintln!("round {}/{rounds}", round + 1);
        py.push(python_run(
            &python,
            &scratch.join(format!("python-{round}")),
            &model,
            &rows[..8],
            &rows[..1],
        ));
        sdk.push(sdk_run(
            &scratch.join(format!("sdk-{round}")),
            &model,
            &rows[..8],
            &rows[..1],
        ));
    }

    let mut table = String::from(
        "| step | SDK wall (s) | Python wall (s) | wall ratio | SDK peak RSS so far (MiB) | Python peak RSS so far (MiB) |\n|---|---:|---:|---:|---:|---:|\n",
    );
    let mib = |kb: Option<u64>| {
        kb.map(|k| format!("{:.0}", k as f64 / 1024.0))
            .unwrap_or_else(|| "n/a".into())
    };
    let (mut sdk_peak, mut py_peak) = (0u64, 0u64);
    for step in STEPS {
        let s = median(
            sdk.iter()
                .map(|r| r.steps.get(step).map_or(0.0, |x| x.0))
                .collect(),
        );
        let p = median(
            py.iter()
                .map(|r| r.steps.get(step).map_or(0.0, |x| x.0))
                .collect(),
        );
        let s_rss = sdk
            .iter()
            .filter_map(|r| r.steps.get(step).and_then(|x| x.1))
            .max();
        let p_rss = py
            .iter()
            .filter_map(|r| r.steps.get(step).and_then(|x| x.1))
            .max();
        sdk_peak = sdk_peak.max(s_rss.unwrap_or(0));
        py_peak = py_peak.max(p_rss.unwrap_or(0));
        table += &format!(
            "| {step} | {s:.2} | {p:.2} | {:.2}x | {} | {} |\n",
            s / p,
            mib(s_rss),
            mib(p_rss)
        );
    }
    let check = median(
        sdk.iter()
            .map(|r| r.steps.get("check_model").map_or(0.0, |x| x.0))
            .collect(),
    );
    table += &format!("| check_model (SDK only) | {check:.2} | - | - | - | - |\n");
    let s_total = median(sdk.iter().map(|r| r.total).collect());
    let p_total = median(py.iter().map(|r| r.total).collect());
    table += &format!(
        "| **whole flow** | **{s_total:.2}** | **{p_total:.2}** | **{:.2}x** | **{}** | **{}** ({:.2}x) |\n",
        s_total / p_total,
        mib(Some(sdk_peak)),
        mib(Some(py_peak)),
        sdk_peak as f64 / py_peak as f64
    );
    println!("{table}");
    if let Some(path) = write {
        let doc = fs::read_to_string(&path).unwrap();
        let (start, end) = ("<!-- prover-bench:start -->", "<!-- prover-bench:end -->");
        let (a, b) = (
            doc.find(start).expect("start marker"),
            doc.find(end).expect("end marker"),
        );
        let body = format!(
            "{start}\nMedian of {rounds} alternating rounds, fresh workspaces, test-only SRS, Iris MLP (batch 1).\n\n{table}{end}"
        );
        fs::write(
            &path,
            format!("{}{}{}", &doc[..a], body, &doc[b + end.len()..]),
        )
        .unwrap();
        eprintln!("updated {}", path.display());
    }
}
