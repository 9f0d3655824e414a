//! A model made ready for the chain: its EZKL circuit (settings, keys, hashed
//! parameters), the reusable verifier and the architecture's VKA, and the ONNX
//! hash and weight commitment a version records.
//!
//! [`prepare`] (the first model of an architecture: calibrated) and
//! [`prepare_on`] (a model of an existing architecture: compiled with its
//! package's settings, so it shares the route's key; [`prepare_version`]
//! picks between them for a lineage's new version) are what `zkmltrack
//! model prove`, `model register`, `evaluate`, `deploy` and the demo run
//! before anything touches the chain; [`register`] puts a prepared model on
//! chain as a version. A dApp calls them the same way.

use std::path::{Path, PathBuf};

use alloy::primitives::{keccak256, B256};

use crate::{
    architecture::{self, ArchitectureError, Package},
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
    /// The model's circuit does not hash its parameters.
    #[error(
        "{}: the circuit does not hash the model's parameters, so it has no weight commitment (param_visibility must be \"hashed\")",
        model.display()
    )]
    NotHashed {
        /// The ONNX file.
        model: PathBuf,
    },
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
            PrepareError::TooFewRows { .. }
            | PrepareError::RowWidth { .. }
            | PrepareError::NotHashed { .. } => true,
        }
    }
}

/// A model made ready for the chain: circuit, reusable-verifier bundle, ONNX
/// hash, weight commitment.
pub struct PreparedModel<'p> {
    /// The EZKL circuit (keys included).
    pub circuit: Circuit<'p>,
    /// Reusable verifier and the architecture's VKA.
    pub bundle: VerifierBundle,
    /// keccak256 of the ONNX file.
    pub onnx_hash: B256,
    /// The weight commitment: EZKL's Poseidon hash of the parameters, the
    /// instance every proof of the model carries.
    pub weight_hash: B256,
}

impl PreparedModel<'_> {
    /// The VKA words.
    pub fn vka(&self) -> Vec<B256> {
        self.bundle.vka_words()
    }

    /// The VKA digest of the model's architecture (the bundle's): the route
    /// the version registers on verifies against it.
    pub fn vk_digest(&self) -> B256 {
        architecture::bundle_digest(&self.bundle)
    }

    /// The model's architecture package, written to (or reused from) its
    /// circuit's `architecture/` folder: what a new route names.
    pub fn package(&self, note: &dyn Fn(&str)) -> Result<Package, ArchitectureError> {
        architecture::of_circuit(&self.circuit, self.vk_digest(), note)
    }
}

/// Prepares a model of an existing architecture: compiles it under the
/// package's settings (no calibration, so it shares the architecture's
/// verifying key), and computes its weight commitment from a witness of the
/// calibration set's first proof's worth of rows.
pub fn prepare_on<'p>(
    prover: &'p Prover,
    model: &Path,
    package: &Package,
    calibration: &Dataset,
    calibration_file: &Path,
    note: &dyn Fn(&str),
) -> Result<PreparedModel<'p>, PrepareError> {
    let progress = progress_note(note);
    let circuit = prover.circuit_with_settings(model, &package.settings(), &progress)?;
    finish(prover, model, circuit, calibration, calibration_file, note)
}

/// Prepares a new version of a lineage whose latest architecture is
/// `inherited` ([`lineage_architecture`]: its route, that route's key digest
/// and package). The model is compiled first under the package's settings
/// ([`prepare_on`]) and kept when that gives the route's key, so a retrained
/// model of the same graph lands on the same route whatever its weights;
/// otherwise (another graph), or without an inherited architecture, it is
/// calibrated on its own ([`prepare`]). The package comes back when kept.
pub fn prepare_version<'p>(
    prover: &'p Prover,
    model: &Path,
    inherited: Option<(u64, B256, Package)>,
    calibration: &Dataset,
    calibration_file: &Path,
    note: &dyn Fn(&str),
) -> Result<(PreparedModel<'p>, Option<Package>), PrepareError> {
    if let Some((route, digest, package)) = inherited {
        match prepare_on(prover, model, &package, calibration, calibration_file, note) {
            Ok(prepared) if prepared.vk_digest() == digest => return Ok((prepared, Some(package))),
            Ok(_) => note(&format!(
                "the model's graph is not its lineage's architecture (route {route}): \
                 calibrating a circuit of its own"
            )),
            Err(e) => note(&format!(
                "the model does not compile under its lineage's architecture (route {route}: \
                 {e}): calibrating a circuit of its own"
            )),
        }
    }
    Ok((
        prepare(prover, model, calibration, calibration_file, note)?,
        None,
    ))
}

fn progress_note(note: &dyn Fn(&str)) -> impl Fn(Progress) + '_ {
    move |p: Progress| note(&p.to_string())
}

/// The bundle and the weight commitment of a built circuit.
fn finish<'p>(
    prover: &'p Prover,
    model: &Path,
    circuit: Circuit<'p>,
    calibration: &Dataset,
    calibration_file: &Path,
    note: &dyn Fn(&str),
) -> Result<PreparedModel<'p>, PrepareError> {
    let features = calibration.feature_count().max(1);
    let per_proof = circuit.values_per_proof() / features;
    let rows: Vec<Vec<f64>> = calibration
        .rows
        .iter()
        .take(per_proof)
        .map(|r| r.features.clone())
        .collect();
    if rows.len() < per_proof || per_proof == 0 {
        return Err(PrepareError::TooFewRows {
            model: model.to_path_buf(),
            per_proof,
        });
    }
    if rows
        .iter()
        .any(|r| r.len() * per_proof != circuit.values_per_proof())
    {
        return Err(PrepareError::RowWidth {
            model: model.to_path_buf(),
            model_features: circuit.input_shape().last().copied().unwrap_or_default(),
            shape: circuit.input_shape().to_vec(),
            calibration: calibration_file.to_path_buf(),
            rows: calibration.rows.len(),
            features,
        });
    }
    note("weight commitment");
    let weight_hash = circuit
        .weight_hash(&rows)?
        .map(|f| B256::from(f.to_be_bytes()))
        .ok_or_else(|| PrepareError::NotHashed {
            model: model.to_path_buf(),
        })?;
    let solc = Solc::ensure(&prover.config().home)?;
    note("reusable verifier and VKA");
    let bundle = generate(&circuit, VerifierKind::Reusable, &solc)?;
    Ok(PreparedModel {
        onnx_hash: circuit.onnx_hash(),
        circuit,
        bundle,
        weight_hash,
    })
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
    let progress = progress_note(note);
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
    finish(prover, model, circuit, calibration, calibration_file, note)
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
    /// Building the architecture package a new route names.
    BuildingPackage,
    /// Storing the VKA and adding the architecture's verifier route.
    AddingRoute,
    /// The route was added (its id).
    RouteAdded(u64),
    /// An approved route of the architecture exists (its id): nothing to add.
    RouteFound(u64),
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
    /// The architecture package could not be built.
    #[error(transparent)]
    Package(#[from] ArchitectureError),
    /// The model's reusable verifier is not the one the router allows.
    #[error(
        "this model's EZKL reusable verifier is not the one the router allows; ask the owner \
         to deploy and allow it (`zkmltrack admin allow-verifier`)"
    )]
    VerifierNotAllowed,
    /// A version already holds this weight commitment.
    #[error(
        "version {version} already holds this model's weight commitment {weight_hash} (a set \
         of weights is registered once); nothing was sent"
    )]
    AlreadyRegistered {
        /// The version holding it.
        version: u64,
        /// The weight commitment.
        weight_hash: B256,
    },
    /// A route's architecture package is not in a local directory.
    #[error(
        "route {route}'s architecture package is at {uri:?}: fetch it and pass its directory \
         (--package DIR)"
    )]
    PackageNotLocal {
        /// The route.
        route: u64,
        /// Where the route says its package is.
        uri: String,
    },
    /// The route given verifies another key.
    #[error(
        "route {route} verifies the key {route_digest}, not this model's {model_digest}: \
         prepare the model with the route's architecture package (`--package`)"
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
        match self {
            RegisterError::Package(e) => e.is_input(),
            RegisterError::Bundle(_)
            | RegisterError::VerifierNotAllowed
            | RegisterError::PackageNotLocal { .. }
            | RegisterError::RouteMismatch { .. } => true,
            RegisterError::Chain(_) | RegisterError::AlreadyRegistered { .. } => false,
        }
    }
}

/// The architecture package to compile a model under: the directory
/// `explicit` when given (checked against `route`'s package hash when a
/// route is named), else `route`'s own package when its URI is a local
/// directory; `None` without either.
pub async fn route_package(
    suite: &Suite,
    explicit: Option<&Path>,
    route: Option<u64>,
) -> Result<Option<Package>, RegisterError> {
    let Some(route) = route else {
        return Ok(explicit.map(Package::read).transpose()?);
    };
    let expected = suite.route(route).await?.package_hash;
    let dir = match explicit {
        Some(dir) => dir.to_path_buf(),
        None => {
            let uri = suite.route_package_uri(route).await?;
            match architecture::local_dir(&uri) {
                Some(dir) if dir.is_dir() => dir,
                _ => return Err(RegisterError::PackageNotLocal { route, uri }),
            }
        }
    };
    Ok(Some(Package::read_expecting(&dir, expected)?))
}

/// The architecture a new version of `lineage` is first compiled under:
/// the route of the lineage's latest version with its package, when that
/// package is a local directory (the route's id, its key digest and the
/// package). `None` when the lineage has no version or the package is not
/// at hand: the model is then calibrated on its own and its route found by
/// its key.
pub async fn lineage_architecture(
    suite: &Suite,
    lineage: u64,
) -> Result<Option<(u64, B256, Package)>, RegisterError> {
    let Some(latest) = suite.lineage_versions(lineage).await?.pop() else {
        return Ok(None);
    };
    let digest = suite.route(latest.route_id).await?.digest;
    Ok(route_package(suite, None, Some(latest.route_id))
        .await
        .ok()
        .flatten()
        .map(|package| (latest.route_id, digest, package)))
}

/// Registers a prepared model as a new version: checks that its verifier is
/// the suite's and that no version holds its weight commitment, then finds
/// the architecture's route: `route` when given, else an approved, active
/// route with the model's VKA digest (anyone's), else it adds one naming
/// `package` (or the model's own package, built on the spot). A route that
/// awaits the owner's approval stops the registration before anything else
/// is created ([`ChainError::AwaitingApproval`]; the re-run finishes).
pub async fn register(
    suite: &Suite,
    prepared: &PreparedModel<'_>,
    lineage: &Lineage,
    uri: &str,
    route: Option<u64>,
    package: Option<&Package>,
    progress: &dyn Fn(RegisterStep),
) -> Result<RegisteredVersion, RegisterError> {
    let runtime = prepared.bundle.runtime_code()?;
    if !suite.is_verifier_allowed(keccak256(&runtime)).await? {
        return Err(RegisterError::VerifierNotAllowed);
    }
    let weight_hash = prepared.weight_hash;
    if let Some(version) = suite.version_of_weights(weight_hash).await? {
        return Err(RegisterError::AlreadyRegistered {
            version,
            weight_hash,
        });
    }
    let digest = prepared.vk_digest();
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
            let routes = suite.routes_with_digest(digest).await?;
            if let Some((found, _)) = routes.iter().find(|(r, _)| r.approved && r.active) {
                progress(RegisterStep::RouteFound(found.id));
                found.id
            } else if let Some((pending, _)) = routes.iter().find(|(r, _)| r.active) {
                return Err(ChainError::AwaitingApproval {
                    route_id: pending.id,
                }
                .into());
            } else {
                let built;
                let package = match package {
                    Some(package) => package,
                    None => {
                        progress(RegisterStep::BuildingPackage);
                        built = prepared.package(&|_| {})?;
                        &built
                    }
                };
                progress(RegisterStep::AddingRoute);
                let added = suite
                    .add_model_route(&prepared.vka(), &package.reference())
                    .await?;
                progress(RegisterStep::RouteAdded(added.id));
                if !added.approved {
                    return Err(ChainError::AwaitingApproval { route_id: added.id }.into());
                }
                added.id
            }
        }
    };
    let lineage = match lineage {
        Lineage::Existing(id) => *id,
        Lineage::New(name) => suite.create_lineage(name).await?,
    };
    progress(RegisterStep::Registering);
    let registered = suite
        .register_version_on(lineage, prepared.onnx_hash, weight_hash, route, uri)
        .await?;
    progress(RegisterStep::Registered(registered.version_id));
    Ok(registered)
}
