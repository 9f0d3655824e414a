//! A model made ready for the chain: its EZKL circuit (settings, keys), the
//! reusable verifier and the model's VKA, and the ONNX hash a version records.
//!
//! [`prepare`] is what `zkmltrack model prove`, `model register`, `evaluate`,
//! `deploy` and the demo run before anything touches the chain; [`register`]
//! puts a prepared model on chain as a version. A dApp calls them the same way.

use std::path::{Path, PathBuf};

use alloy::primitives::{keccak256, B256};

use crate::{
    chain::ChainError,
    dataset::Dataset,
    prover::{Circuit, Progress, Prover, ProverError, VerifierKind},
    solc::{Solc, SolcError},
    suite::{RegisteredVersion, Suite},
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

/// The lineage a new version joins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lineage {
    /// An existing lineage, by id.
    Existing(u64),
    /// A lineage to create first, by name.
    New(String),
}

/// Where [`register`] is (for a progress display).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterStep {
    /// Storing the VKA and adding the model's verifier route.
    AddingRoute,
    /// The route was added (its id).
    RouteAdded(u64),
    /// Registering the version.
    Registering,
    /// The version was registered (its id).
    Registered(u64),
}

/// Why a model could not be registered. Everything but [`RegisterError::Chain`]
/// is found before any transaction is sent.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The chain refused or could not be reached (a route that awaits the
    /// owner's approval is [`ChainError::AwaitingApproval`]).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The model's bundle is unreadable.
    #[error(transparent)]
    Bundle(#[from] GenError),
    /// The model's reusable verifier is not the one the router allows.
    #[error(
        "this model's EZKL reusable verifier is not the one the router allows; ask the owner \
         to deploy and allow it (`zkmltrack admin allow-verifier`)"
    )]
    VerifierNotAllowed,
    /// A version already holds this verifying key (a key is registered once).
    #[error(
        "version {version} already holds this model's verifying key {digest} (a key is \
         registered once); nothing was sent"
    )]
    AlreadyRegistered {
        /// The version holding it.
        version: u64,
        /// The key's digest.
        digest: B256,
    },
    /// The route given verifies another key.
    #[error(
        "route {route} verifies the key {route_digest}, not this model's {model_digest}; pass \
         the same model and calibration set"
    )]
    RouteMismatch {
        /// The route.
        route: u64,
        /// The key it verifies.
        route_digest: B256,
        /// The model's key.
        model_digest: B256,
    },
}

impl RegisterError {
    /// Whether the inputs are at fault (the model, its bundle, the route
    /// given), as opposed to the chain refusing or failing.
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            RegisterError::Bundle(_)
                | RegisterError::VerifierNotAllowed
                | RegisterError::RouteMismatch { .. }
        )
    }
}

/// Registers a prepared model as a new version: checks that its verifier is
/// the suite's and that no version holds its key, then stores its VKA, adds
/// its route and registers the version; with `route`, registers on that
/// route (added earlier and since approved). A route that awaits the owner's
/// approval stops the registration before anything else is created
/// ([`ChainError::AwaitingApproval`]; the re-run with the route finishes).
pub async fn register(
    suite: &Suite,
    prepared: &PreparedModel<'_>,
    lineage: &Lineage,
    uri: &str,
    route: Option<u64>,
    progress: &dyn Fn(RegisterStep),
) -> Result<RegisteredVersion, RegisterError> {
    let runtime = prepared.bundle.runtime_code()?;
    if !suite.is_verifier_allowed(keccak256(&runtime)).await? {
        return Err(RegisterError::VerifierNotAllowed);
    }
    let digest = prepared.vk_digest();
    // Nothing is added for a model whose key a version already holds (its
    // route would be left without a version).
    if let Some(version) = suite.version_with_digest(digest).await? {
        return Err(RegisterError::AlreadyRegistered { version, digest });
    }
    let route = match route {
        Some(route) => {
            let route_digest = suite.route(route).await?.digest;
            if route_digest != digest {
                return Err(RegisterError::RouteMismatch {
                    route,
                    route_digest,
                    model_digest: digest,
                });
            }
            route
        }
        None => {
            progress(RegisterStep::AddingRoute);
            let added = suite.add_model_route(&prepared.vka()).await?;
            progress(RegisterStep::RouteAdded(added.id));
            if !added.approved {
                return Err(ChainError::AwaitingApproval { route_id: added.id }.into());
            }
            added.id
        }
    };
    let lineage = match lineage {
        Lineage::Existing(id) => *id,
        Lineage::New(name) => suite.create_lineage(name).await?,
    };
    progress(RegisterStep::Registering);
    let registered = suite
        .register_version_on(lineage, prepared.onnx_hash, route, uri)
        .await?;
    progress(RegisterStep::Registered(registered.version_id));
    Ok(registered)
}
