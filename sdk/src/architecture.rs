//! Architecture packages: what a verifier route stands for, published so that
//! anyone can rebuild the route's verifying key without any trained weights.
//!
//! With `param_visibility = "hashed"` EZKL's verifying key commits to a
//! model's graph and settings, not to its weights (one public instance, the
//! Poseidon hash of all parameters, commits to those). A package holds:
//!
//! - `model.onnx`: the trained model's graph with every floating tensor that
//!   is not zero throughout replaced by seeded uniform values in `[-1, 1)`;
//!   all-zero tensors stay zero (EZKL compiles them differently, which changes
//!   the key) and integer tensors (shapes, axes, indices) are structure;
//! - `settings.json`: the EZKL settings every version of the architecture is
//!   compiled with (calibrated once, on the first model).
//!
//! Its hash is `keccak256(keccak256(model.onnx) ‖ keccak256(settings.json))`
//! ([`package_hash`]), recorded by the route. [`build`] refuses to write a
//! package that does not rebuild the trained model's own VKA; [`rebuild`] is
//! what `zkmltrack route review` and `zkmltrack audit` run.

use std::{
    fs,
    path::{Path, PathBuf},
};

use alloy::primitives::{keccak256, B256};

use crate::{
    prover::{Circuit, Progress, Prover, ProverError, VerifierKind},
    solc::{Solc, SolcError},
    suite::PackageRef,
    verifier::{generate, GenError, VerifierBundle},
};

/// The package's model file.
pub const MODEL_FILE: &str = "model.onnx";
/// The package's settings file.
pub const SETTINGS_FILE: &str = "settings.json";
/// Seed of the replacement weights (any seed rebuilds the same key; a fixed
/// one makes the package reproducible byte for byte).
pub const DEFAULT_SEED: u64 = 0x5a4b_4d4c;

/// Why a package could not be built, read or rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum ArchitectureError {
    /// EZKL failed or refused the model.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// The verifier bundle could not be generated.
    #[error(transparent)]
    Verifier(#[from] GenError),
    /// The Solidity compiler could not be installed.
    #[error(transparent)]
    Solc(#[from] SolcError),
    /// A package file is missing or unreadable.
    #[error("{}: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The trained model's circuit does not hash its parameters, so its key
    /// commits to its weights and no package can stand for it.
    #[error(
        "the model's circuit bakes its weights into the verifying key (param_visibility is not \
         \"hashed\"); architecture routes need hashed parameters"
    )]
    NotHashed,
    /// The package does not rebuild the trained model's verifying key.
    #[error(
        "the architecture package rebuilds VKA digest {rebuilt}, not the trained model's \
         {trained}: EZKL compiles some tensor of this model by its values (e.g. one zero \
         throughout, or a constant it folds); nothing was written"
    )]
    KeyMismatch {
        /// The trained model's VKA digest.
        trained: B256,
        /// What the package rebuilds.
        rebuilt: B256,
    },
    /// The package's hash is not the one expected (the route's).
    #[error("the package at {} hashes to {actual}, not the route's {expected}", dir.display())]
    HashMismatch {
        /// The package directory.
        dir: PathBuf,
        /// The hash the route records.
        expected: B256,
        /// The package's.
        actual: B256,
    },
}

impl ArchitectureError {
    /// Whether the inputs are at fault (the model, the package), as opposed
    /// to the environment.
    pub fn is_input(&self) -> bool {
        match self {
            Self::Prover(e) => e.is_input(),
            Self::Verifier(e) => e.is_input(),
            Self::Solc(_) => false,
            Self::Unreadable { .. }
            | Self::NotHashed
            | Self::KeyMismatch { .. }
            | Self::HashMismatch { .. } => true,
        }
    }
}

/// An architecture package on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// Its directory.
    pub dir: PathBuf,
    /// Its hash ([`package_hash`]).
    pub hash: B256,
}

impl Package {
    /// The package's model (random weights).
    pub fn model(&self) -> PathBuf {
        self.dir.join(MODEL_FILE)
    }

    /// The package's EZKL settings.
    pub fn settings(&self) -> PathBuf {
        self.dir.join(SETTINGS_FILE)
    }

    /// Reads a package directory and hashes it.
    pub fn read(dir: &Path) -> Result<Package, ArchitectureError> {
        let read = |name: &str| {
            let path = dir.join(name);
            fs::read(&path).map_err(|e| ArchitectureError::Unreadable {
                reason: format!("cannot read the architecture package's {name}: {e}"),
                path,
            })
        };
        let hash = package_hash(&read(MODEL_FILE)?, &read(SETTINGS_FILE)?);
        Ok(Package {
            dir: dir.to_path_buf(),
            hash,
        })
    }

    /// Reads the package at `dir` and checks it is the one `expected` names.
    pub fn read_expecting(dir: &Path, expected: B256) -> Result<Package, ArchitectureError> {
        let package = Package::read(dir)?;
        if package.hash != expected {
            return Err(ArchitectureError::HashMismatch {
                dir: dir.to_path_buf(),
                expected,
                actual: package.hash,
            });
        }
        Ok(package)
    }

    /// The route's reference to this package: its hash and a `file://` URI
    /// of its directory (publish the directory and name its public URI
    /// instead when others must fetch it).
    pub fn reference(&self) -> PackageRef {
        let dir = fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        PackageRef {
            hash: self.hash,
            uri: format!("file://{}", dir.display()),
        }
    }
}

/// The local directory a package URI names: a `file://` URI or a plain path.
/// Other schemes (`https://`, `ipfs://`) are for the user to fetch first.
pub fn local_dir(uri: &str) -> Option<PathBuf> {
    match uri.split_once("://") {
        Some(("file", path)) => Some(PathBuf::from(path)),
        Some(_) => None,
        None => Some(PathBuf::from(uri)),
    }
}

/// `keccak256(keccak256(model) ‖ keccak256(settings))`.
pub fn package_hash(model: &[u8], settings: &[u8]) -> B256 {
    keccak256([keccak256(model).0, keccak256(settings).0].concat())
}

/// The VKA digest of a reusable-verifier bundle.
pub fn bundle_digest(bundle: &VerifierBundle) -> B256 {
    bundle
        .vka
        .as_ref()
        .and_then(|v| v.digest.parse().ok())
        .unwrap_or_default()
}

/// Writes the architecture package of a trained model's circuit to `out`:
/// its graph with fresh weights (`seed`) and its settings. Checks first, in a
/// scratch directory, that the package rebuilds `trained_digest` (the trained
/// circuit's VKA digest), and refuses otherwise; `out` is only ever replaced
/// whole.
pub fn build(
    circuit: &Circuit<'_>,
    trained_digest: B256,
    out: &Path,
    seed: u64,
    note: &dyn Fn(&str),
) -> Result<Package, ArchitectureError> {
    if !circuit.settings.hashed_params {
        return Err(ArchitectureError::NotHashed);
    }
    let prover = circuit.prover();
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: std::io::Error| ArchitectureError::Unreadable {
            reason: format!("cannot write the architecture package: {e}"),
            path,
        }
    };
    fs::create_dir_all(parent).map_err(io(parent))?;
    let scratch = parent.join(format!(
        ".{}.partial-{}",
        out.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).map_err(io(&scratch))?;
    let result = (|| {
        note("architecture package: replacing the trained weights");
        prover.architecture_model(&circuit.paths.model, &scratch.join(MODEL_FILE), seed)?;
        fs::copy(&circuit.paths.settings, scratch.join(SETTINGS_FILE))
            .map_err(io(&circuit.paths.settings))?;
        let package = Package::read(&scratch)?;
        note("architecture package: rebuilding the verifying key from it");
        let (_, bundle) = rebuild(prover, &package, note)?;
        let rebuilt = bundle_digest(&bundle);
        if rebuilt != trained_digest {
            return Err(ArchitectureError::KeyMismatch {
                trained: trained_digest,
                rebuilt,
            });
        }
        Ok(package.hash)
    })();
    let hash = match result {
        Ok(hash) => hash,
        Err(e) => {
            let _ = fs::remove_dir_all(&scratch);
            return Err(e);
        }
    };
    let _ = fs::remove_dir_all(out);
    fs::rename(&scratch, out).map_err(io(out))?;
    Ok(Package {
        dir: out.to_path_buf(),
        hash,
    })
}

/// The architecture package of a circuit, kept in the circuit's own
/// `architecture/` folder: read when it is there, else [`build`] with
/// [`DEFAULT_SEED`] (checked to rebuild `trained_digest`).
pub fn of_circuit(
    circuit: &Circuit<'_>,
    trained_digest: B256,
    note: &dyn Fn(&str),
) -> Result<Package, ArchitectureError> {
    let dir = circuit.paths.dir.join("architecture");
    if let Ok(package) = Package::read(&dir) {
        return Ok(package);
    }
    build(circuit, trained_digest, &dir, DEFAULT_SEED, note)
}

/// Rebuilds a package's circuit (its model under its settings, with the
/// prover's SRS) and its reusable-verifier bundle: the VKA a route of this
/// architecture must verify against.
pub fn rebuild<'p>(
    prover: &'p Prover,
    package: &Package,
    note: &dyn Fn(&str),
) -> Result<(Circuit<'p>, VerifierBundle), ArchitectureError> {
    let progress = |p: Progress| {
        if let Progress::Started(step) = p {
            note(&format!("{step} ..."));
        }
    };
    let circuit = prover.circuit_with_settings(&package.model(), &package.settings(), &progress)?;
    let solc = Solc::ensure(&prover.config().home)?;
    let bundle = generate(&circuit, VerifierKind::Reusable, &solc)?;
    Ok((circuit, bundle))
}
