//! What hashing the weights costs the prover: the same model built through
//! the SDK with `param_visibility = "fixed"` (weights in the verifying key)
//! and `"hashed"` (one public Poseidon hash of all parameters, the suite's
//! weight commitment), alternating, on fresh workspaces, same machine, same
//! run: circuit rows and logrows, setup and proving time, for the bundled Iris
//! MLP and the digits MLP. With `--write <file>` also replaces the
//! `params-bench` section.
//!
//! ```text
//! cargo run --release -p zkmltrack-bench --bin params -- [--rounds 3] [--models iris,digits] [--write docs/benchmarks.md]
//! ```

use std::{cell::RefCell, collections::BTreeMap, fs, path::Path};

use serde_json::{json, Value};
use zkmltrack::{
    dataset::Dataset,
    prover::{Progress, Prover, ProverConfig, ProverError, SrsSource, Visibility},
};
use zkmltrack_bench::{
    arg, machine, median, replace_section, repo_root, tool_versions, write_results, PROVER_MODELS,
};

/// One build and proof: rows, logrows, setup and prove seconds.
struct Run {
    rows: u64,
    logrows: u64,
    setup: f64,
    prove: f64,
}

fn run(dir: &Path, visibility: Visibility, model: &Path, rows: &[Vec<f64>]) -> Run {
    let times = RefCell::new(BTreeMap::new());
    let record = |p: Progress| {
        if let Progress::Finished { step, seconds, .. } = p {
            times.borrow_mut().insert(step, seconds);
        }
    };
    let mut config = ProverConfig::new(dir, SrsSource::TestOnly);
    config.param_visibility = visibility;
    let prover = Prover::new(config.clone()).unwrap();
    let sized;
    let circuit = match prover.circuit(model, &rows[..8], &record) {
        // A circuit larger than the default test SRS (the digits MLP with
        // hashed weights): a test SRS of its own size, as a user would set.
        Err(ProverError::SrsTooSmall { logrows, .. }) => {
            config.test_srs_logrows = Some(logrows);
            sized = Prover::new(config).unwrap();
            sized.circuit(model, &rows[..8], &record).unwrap()
        }
        other => other.unwrap(),
    };
    let proof = circuit.prove(&rows[..1], &record).unwrap();
    assert!(circuit.verify(&proof).unwrap());
    assert_eq!(
        proof.weight_hash().is_some(),
        visibility == Visibility::Hashed,
        "a hashed circuit's proof carries the weight hash"
    );
    let settings: Value =
        serde_json::from_str(&fs::read_to_string(&circuit.paths.settings).unwrap()).unwrap();
    let times = times.into_inner();
    Run {
        rows: settings["num_rows"].as_u64().unwrap_or_default(),
        logrows: settings["run_args"]["logrows"].as_u64().unwrap_or_default(),
        setup: times.get("setup").copied().unwrap_or_default(),
        prove: times.get("prove").copied().unwrap_or_default(),
    }
}

fn main() {
    let rounds: usize = arg("--rounds").map_or(3, |v| v.parse().expect("--rounds takes a number"));
    let wanted = arg("--models").unwrap_or_else(|| "iris,digits".into());
    let scratch = repo_root().join("target/bench/params");
    let _ = fs::remove_dir_all(&scratch);
    let mut table = String::from(
        "| model | weights | circuit rows | logrows | setup (s) | prove (s) | rows hashed/fixed | setup ratio | prove ratio |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut records = Vec::new();
    for model in PROVER_MODELS
        .iter()
        .filter(|m| wanted.split(',').any(|w| w == m.name))
    {
        let onnx = repo_root().join(model.onnx);
        let data = Dataset::from_csv(&repo_root().join(model.eval)).unwrap();
        let rows: Vec<Vec<f64>> = data.rows.iter().map(|r| r.features.clone()).collect();
        let (mut fixed, mut hashed) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            eprintln!("{}: round {}/{rounds}", model.name, round + 1);
            for (visibility, runs, tag) in [
                (Visibility::Fixed, &mut fixed, "fixed"),
                (Visibility::Hashed, &mut hashed, "hashed"),
            ] {
                let dir = scratch.join(format!("{}-{tag}-{round}", model.name));
                runs.push(run(&dir, visibility, &onnx, &rows));
            }
        }
        let summary = |runs: &[Run]| {
            (
                runs[0].rows,
                runs[0].logrows,
                median(runs.iter().map(|r| r.setup).collect()),
                median(runs.iter().map(|r| r.prove).collect()),
            )
        };
        let (f, h) = (summary(&fixed), summary(&hashed));
        for (tag, s) in [("fixed", f), ("hashed", h)] {
            let ratios = if tag == "hashed" {
                format!(
                    "{:.2}x | {:.2}x | {:.2}x",
                    h.0 as f64 / f.0.max(1) as f64,
                    h.2 / f.2.max(1e-9),
                    h.3 / f.3.max(1e-9)
                )
            } else {
                " | | ".into()
            };
            table += &format!(
                "| {} | {tag} | {} | {} | {:.2} | {:.2} | {ratios} |\n",
                model.name, s.0, s.1, s.2, s.3
            );
        }
        records.push(json!({ "model": model.name,
            "fixed": { "rows": f.0, "logrows": f.1, "setup_s": f.2, "prove_s": f.3 },
            "hashed": { "rows": h.0, "logrows": h.1, "setup_s": h.2, "prove_s": h.3 } }));
    }
    println!("{table}");
    write_results(
        "params",
        &json!({ "machine": machine(), "rounds": rounds, "models": records }),
    );
    if let Some(file) = arg("--write") {
        let body = format!(
            "Command: `cargo run --release -p zkmltrack-bench --bin params -- --rounds {rounds} --write docs/benchmarks.md` \
             (run by `scripts/bench`). Machine: {}. {}, test-only SRS, one sample per proof, calibration on 8 rows; \
             median of {rounds} alternating rounds on fresh workspaces, fixed then hashed; rows are EZKL's \
             `num_rows` of the calibrated settings; a circuit above 2^15 rows gets a test SRS of its own \
             size (`ProverConfig::test_srs_logrows`, as `ZKMLTRACK_TEST_SRS_LOGROWS` would set it), generated once per workspace outside the timed steps.\n\n{table}",
            machine(),
            tool_versions()
        );
        replace_section(Path::new(&file), "params-bench", &body);
    }
}
