//! A model made ready for the chain: its EZKL circuit (settings, keys), the
//! reusable verifier and the model's VKA, and the ONNX hash a version records.
//!
//! [`prepare`] is what `zkmltrack model prove`, `model register`, `evaluate`,
//! `deploy` and the demo run before anything touches the chain; a dApp calls
//! it the same way.

use std::path::{Path, PathBuf};

use alloy::primitives::B256;

use crate::{
    dataset::Dataset,
    prover::{Circuit, Progress, Prover, ProverError, VerifierKind},
    solc::{Solc, SolcError},
    verifier::{generate, GenError, VerifierBundle},
};

/// Why a model could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// EZKL refused the model or failed.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// The verifier could not be generated or does not fit.
    #[error(transparent)]
    Verifier(#[from] GenError),
    /// The Solidity compiler could not be installed.
    #[error(transparent)]
    Solc(#[from] SolcError),
    /// The model proves several rows at once and the calibration set holds
    /// fewer than one proof's worth.
    #[error("{} proves {per_proof} rows at a time; the calibration set has fewer", model.display())]
    TooFewRows {
        /// The ONNX file.
        model: PathBuf,
        /// Rows per proof.
        per_proof: usize,
    },
    /// The model's rows are not as wide as the calibration set's.
    #[error(
        "{} takes {model_features} features per row (input shape {shape:?}); the calibration \
         set {} has {rows} rows of {features} features",
        model.display(),
        calibration.display()
    )]
    RowWidth {
        /// The ONNX file.
        model: PathBuf,
        /// Features per row the model takes.
        model_features: i64,
        /// The model's input shape.
        shape: Vec<i64>,
        /// The calibration CSV.
        calibration: PathBuf,
        /// Its rows.
        rows: usize,
        /// Its features per row.
        features: usize,
    },
}

impl PrepareError {
    /// Whether the inputs are at fault (the model, the calibration set), as
    /// opposed to the environment (EZKL crashed, solc missing).
    pub fn is_input(&self) -> bool {
        match self {
            PrepareError::Prover(e) => e.is_input(),
            PrepareError::Verifier(e) => e.is_input(),
            PrepareError::Solc(_) => false,
            PrepareError::TooFewRows { .. } | PrepareError::RowWidth { .. } => true,
        }
    }
}

/// A model made ready for the chain: circuit, reusable-verifier bundle, ONNX hash.
pub struct PreparedModel<'p> {
    /// The EZKL circuit (keys included).
    pub circuit: Circuit<'p>,
    /// Reusable verifier and the model's VKA.
    pub bundle: VerifierBundle,
    /// keccak256 of the ONNX file.
    pub onnx_hash: B256,
}

impl PreparedModel<'_> {
    /// The VKA words.
    pub fn vka(&self) -> Vec<B256> {
        self.bundle.vka_words()
    }

    /// The VKA digest the version registers (the bundle's).
    pub fn vk_digest(&self) -> B256 {
        self.bundle
            .vka
            .as_ref()
            .and_then(|v| v.digest.parse().ok())
            .unwrap_or_default()
    }
}

/// Builds (or resumes) a model's circuit, calibrated on `calibration` (read
/// from `calibration_file`, named in errors), and its reusable-verifier
/// bundle. A model that proves several rows at once gets the calibration set
/// trimmed to whole proofs. `note` hears each step ("calibrate ...", "done in").
pub fn prepare<'p>(
    prover: &'p Prover,
    model: &Path,
    calibration: &Dataset,
    calibration_file: &Path,
    note: &dyn Fn(&str),
) -> Result<PreparedModel<'p>, PrepareError> {
    let mut rows: Vec<Vec<f64>> = calibration
        .rows
        .iter()
        .map(|r| r.features.clone())
        .collect();
    let progress = |p: Progress| match p {
        Progress::Started(s) => note(&format!("{s} ...")),
        Progress::Finished {
            step: s, seconds, ..
        } => note(&format!("{s} done in {seconds:.1} s")),
        Progress::Skipped(s) => note(&format!("{s} already done")),
    };
    let features = calibration.feature_count();
    let circuit = match prover.circuit(model, &rows, &progress) {
        // The model proves several rows at once: trim the set to whole proofs.
        Err(ProverError::InputShape {
            expected,
            ref shape,
            ..
        }) if expected > 0
            && shape.last().copied() == Some(features as i64)
            && expected % features == 0 =>
        {
            let per_proof = expected / features;
            rows.truncate(rows.len() / per_proof * per_proof);
            if rows.is_empty() {
                return Err(PrepareError::TooFewRows {
                    model: model.to_path_buf(),
                    per_proof,
                });
            }
            prover.circuit(model, &rows, &progress)?
        }
        Err(ProverError::InputShape { shape, .. } | ProverError::RowWidth { shape, .. }) => {
            return Err(PrepareError::RowWidth {
                model: model.to_path_buf(),
                model_features: shape.last().copied().unwrap_or_default(),
                shape,
                calibration: calibration_file.to_path_buf(),
                rows: calibration.rows.len(),
                features,
            })
        }
        other => other?,
    };
    let solc = Solc::ensure(&prover.config().home)?;
    note("reusable verifier and VKA");
    let bundle = generate(&circuit, VerifierKind::Reusable, &solc)?;
    Ok(PreparedModel {
        onnx_hash: circuit.onnx_hash(),
        circuit,
        bundle,
    })
}
