//! The quantization pre-flight (`evaluation::check_quantization`) on datasets
//! of 1,000 and 10,000 rows of 30 features: the breast-cancer rows of
//! `examples/cancer` repeated with a deterministic perturbation (values with
//! three decimals, so the f32 cast matters on some), against the bundled
//! breast-cancer MLP's circuit (built once, test-only SRS). Measures the whole
//! check (one witness of the first batch, then EZKL's quantization of every
//! value in one call) and the SDK's own quantization of the same rows, side by
//! side.
//!
//! `preflight [--rows 1000,10000] [--rounds 3] [--write docs/benchmarks.md]`

use std::{fmt::Write as _, path::PathBuf, time::Instant};

use zkmltrack::{
    dataset::Dataset,
    evaluation::check_quantization,
    prover::{Prover, ProverConfig, SrsSource},
};
use zkmltrack_bench::{arg, machine, replace_section, repo_root, thousands, write_results};

fn main() {
    let sizes: Vec<usize> = arg("--rows")
        .unwrap_or_else(|| "1000,10000".into())
        .split(',')
        .map(|s| s.parse().expect("--rows takes numbers"))
        .collect();
    let rounds: usize = arg("--rounds").map_or(3, |r| r.parse().expect("--rounds"));
    let root = repo_root();
    let eval = Dataset::from_csv(&root.join("examples/cancer/eval.csv")).expect("cancer rows");
    let mut config = ProverConfig::new(root.join("target/zkmltrack-circuits"), SrsSource::TestOnly);
    config.input_scale = Some(13);
    let prover = Prover::new(config).expect("the EZKL environment");
    let calibration: Vec<Vec<f64>> = eval.rows[..4].iter().map(|r| r.features.clone()).collect();
    let circuit = prover
        .circuit(
            &root.join("examples/cancer/model_batch4.onnx"),
            &calibration,
            &|_| {},
        )
        .expect("the circuit builds");

    let mut table = String::from(
        "| rows | values | pre-flight (s, median) | of which SDK leaves (s) | values per second | a witness per batch instead (s) | ratio |\n|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut results = Vec::new();
    for &rows in &sizes {
        let mut csv = format!("{},label\n", eval.feature_names.join(","));
        for i in 0..rows {
            let row = &eval.rows[i % eval.rows.len()];
            let cells: Vec<String> = row
                .features
                .iter()
                .enumerate()
                .map(|(j, x)| format!("{:.3}", x * (1.0 + ((i * 31 + j) % 97) as f64 / 1000.0)))
                .collect();
            writeln!(csv, "{},{}", cells.join(","), row.label).unwrap();
        }
        let data = Dataset::parse(&csv).expect("rows parse");
        let mut total = Vec::new();
        let mut leaves = Vec::new();
        for _ in 0..rounds {
            let started = Instant::now();
            let quantized = data.quantize(13).expect("quantizes");
            leaves.push(started.elapsed().as_secs_f64());
            let values = check_quantization(&circuit, &data, &quantized).expect("matches");
            assert_eq!(values, rows * 30);
            total.push(started.elapsed().as_secs_f64());
        }
        total.sort_by(f64::total_cmp);
        leaves.sort_by(f64::total_cmp);
        let (t, l) = (total[rounds / 2], leaves[rounds / 2]);
        // The alternative: EZKL's witness of every batch of 4 rows (one round,
        // at the smallest size only: it grows linearly).
        let witnesses = (rows == sizes[0]).then(|| {
            let started = Instant::now();
            for chunk in data.rows.chunks_exact(4) {
                let batch: Vec<Vec<f64>> = chunk.iter().map(|r| r.features.clone()).collect();
                circuit.witness_inputs(&batch).expect("witness");
            }
            started.elapsed().as_secs_f64()
        });
        writeln!(
            table,
            "| {} | {} | {t:.2} | {l:.2} | {} | {} | {} |",
            thousands(rows as u64),
            thousands(rows as u64 * 30),
            thousands(((rows * 30) as f64 / t) as u64),
            witnesses.map_or("not run".into(), |w| format!("{w:.1}")),
            witnesses.map_or("".into(), |w| format!("{:.0}x", w / t)),
        )
        .unwrap();
        results.push(
            serde_json::json!({ "rows": rows, "seconds": t, "sdk_leaves_seconds": l,
                                         "witness_per_batch_seconds": witnesses }),
        );
        eprintln!("preflight: {rows} rows in {t:.2} s (SDK leaves {l:.2} s)");
    }
    let body = format!(
        "Command: `scripts/bench` (`target/release/preflight --rounds {rounds}`). Machine: {}.\n\n\
         The pre-flight `zkmltrack evaluate` and `model register --task` run before any transaction: \
         the task's leaves (SDK quantization and Poseidon tree), one EZKL witness of the first batch, \
         then EZKL's own quantization (`float_to_felt`) of every value in one call to the prover \
         process, compared with the leaves. Rows: the breast-cancer evaluation rows (30 features) \
         repeated with a perturbation, against the bundled breast-cancer MLP's circuit (batch 4).\n\n{table}",
        machine()
    );
    write_results("preflight", &serde_json::json!(results));
    if let Some(doc) = arg("--write") {
        replace_section(&PathBuf::from(doc), "preflight", &body);
    } else {
        println!("{body}");
    }
}
