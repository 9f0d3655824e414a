//! `zkmltrack-verifier-gen`: writes a model's verifier bundle.
//!
//! ```text
//! zkmltrack-verifier-gen --model M.onnx --calibration data.csv --out bundle.json
//!                        [--kind reusable|plain] [--srs FILE | --test-srs] [--workspace DIR]
//! ```

use std::{path::PathBuf, process::ExitCode};

use zkmltrack::verifier::generate;
use zkmltrack::{
    dataset::Dataset,
    prover::{Progress, Prover, ProverConfig, SrsSource, VerifierKind},
    solc::Solc,
};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut model, mut data, mut out, mut srs) = (None, None, None, None);
    let (mut kind, mut workspace) = (
        VerifierKind::Reusable,
        PathBuf::from("zkmltrack-work/circuits"),
    );
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--model" => model = Some(PathBuf::from(value()?)),
            "--calibration" => data = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--srs" => srs = Some(SrsSource::File(PathBuf::from(value()?))),
            "--test-srs" => srs = Some(SrsSource::TestOnly),
            "--workspace" => workspace = PathBuf::from(value()?),
            "--kind" => {
                kind = match value()?.as_str() {
                    "reusable" => VerifierKind::Reusable,
                    "plain" => VerifierKind::Plain,
                    other => {
                        return Err(format!("--kind takes reusable or plain, not {other}").into())
                    }
                }
            }
            other => {
                return Err(
                    format!("unknown argument {other}; see the crate docs for usage").into(),
                )
            }
        }
    }
    let model = model.ok_or("--model is required")?;
    let data =
        Dataset::from_csv(&data.ok_or("--calibration (a CSV of model inputs) is required")?)?;
    let out = out.ok_or("--out is required")?;
    let srs =
        srs.ok_or("pass --srs FILE (a trusted KZG SRS) or --test-srs (unsafe, tests only)")?;
    let prover = Prover::new(ProverConfig::new(workspace, srs.clone()))?;
    let solc = Solc::ensure(&prover.config().home)?;
    let rows: Vec<Vec<f64>> = data.rows.iter().map(|r| r.features.clone()).collect();
    let progress = |p: Progress| eprintln!("  {p}");
    let circuit = prover.circuit(&model, &rows, &progress)?;
    let bundle = generate(&circuit, kind, &solc)?;
    bundle.write(&out)?;
    println!(
        "{}: runtime {} bytes (limit {}), init code {} bytes (limit {}){} -> {}",
        bundle.contract,
        bundle.runtime_size,
        zkmltrack::verifier::MAX_RUNTIME_SIZE,
        bundle.initcode_size,
        zkmltrack::verifier::MAX_INITCODE_SIZE,
        bundle
            .vka
            .as_ref()
            .map(|v| format!(", VKA {} words, digest {}", v.words.len(), v.digest))
            .unwrap_or_default(),
        out.display()
    );
    Ok(())
}
