//! The suite's files: the deployment file (where a suite lives) and the
//! compiled Stylus programs a deployment reads.

use super::*;

/// Where the suite lives on a chain (the deployment file's content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// Chain id the addresses belong to.
    pub chain_id: u64,
    /// ModelRegistry (tasks, lineages, versions; the suite's pause switch).
    pub registry: Address,
    /// VerifierRouter.
    pub router: Address,
    /// TaskController (evaluations).
    pub controller: Address,
    /// DatasetVerifier (Poseidon Merkle row checks).
    pub dataset_verifier: Address,
    /// Leaderboard (the controller's boards: best accuracy per task).
    pub leaderboard: Address,
    /// BondVault (the bonds tasks require with each opening).
    pub bond_vault: Address,
    /// HiddenSet (the randomness provider of hidden tasks: their draws, the
    /// owner's reveals, the row checks); zero in a deployment file written
    /// before hidden tasks existed.
    #[serde(default)]
    pub hidden_set: Address,
    /// EZKL reusable verifier deployed and allow-listed with the suite, if any.
    pub reusable_verifier: Option<Address>,
    /// Account that deployed the suite (its first owner).
    pub owner: Address,
    /// A block at or before the suite's first program: reads of the
    /// suite's events start there ([`crate::chain::Chain::logs`]); 0 in a
    /// file written before it was recorded.
    #[serde(default)]
    pub first_block: u64,
}

/// Why a suite file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The deployment file cannot be read.
    #[error(
        "cannot read the deployment file {}: {source}; run `zkmltrack deploy` first or pass \
         --deployment",
        path.display()
    )]
    NoDeployment {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a deployment file.
    #[error(
        "{} is not a deployment file of this version: {source} (a suite deployed before a \
         contract was added must be deployed anew)",
        path.display()
    )]
    NotADeployment {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// Writing failed.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A compiled program is missing.
    #[error("{}: {source}; build the contracts with scripts/build-contracts", path.display())]
    MissingProgram {
        /// The WASM file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Deployment {
    /// Reads a deployment file.
    pub fn read(path: &Path) -> Result<Deployment, FileError> {
        let text = fs::read_to_string(path).map_err(|source| FileError::NoDeployment {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| FileError::NotADeployment {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Writes the deployment file atomically (a temporary file renamed into place).
    pub fn write(&self, path: &Path) -> Result<(), FileError> {
        let text = serde_json::to_string_pretty(self).expect("deployment serializes") + "\n";
        let tmp = path.with_extension("json.tmp");
        let failed = |path: &Path| {
            let path = path.to_path_buf();
            move |source| FileError::Write { path, source }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(failed(dir))?;
        }
        fs::write(&tmp, text).map_err(failed(&tmp))?;
        fs::rename(&tmp, path).map_err(failed(path))
    }
}

/// The compiled Stylus programs of the suite (optimised WASM).
#[derive(Clone, Debug)]
pub struct SuitePrograms {
    /// ModelRegistry.
    pub registry: Vec<u8>,
    /// VerifierRouter.
    pub router: Vec<u8>,
    /// TaskController.
    pub controller: Vec<u8>,
    /// DatasetVerifier.
    pub dataset_verifier: Vec<u8>,
    /// Leaderboard.
    pub leaderboard: Vec<u8>,
    /// BondVault.
    pub bond_vault: Vec<u8>,
    /// VrfProvider (not part of a suite's deployment: deployed per VRF
    /// subscription with `Suite::deploy_vrf_provider`).
    pub vrf_provider: Vec<u8>,
    /// HiddenSet.
    pub hidden_set: Vec<u8>,
}

impl SuitePrograms {
    /// Reads `registry.wasm`, `verifier_router.wasm`, `task_controller.wasm`,
    /// `dataset_verifier.wasm`, `leaderboard.wasm`, `bond_vault.wasm`,
    /// `vrf_provider.wasm` and `hidden_set.wasm` from `dir` (what
    /// `scripts/build-contracts` writes to `contracts/target/stylus`).
    pub fn from_dir(dir: &Path) -> Result<SuitePrograms, FileError> {
        let read = |name: &str| {
            let path = dir.join(format!("{name}.wasm"));
            fs::read(&path).map_err(|source| FileError::MissingProgram { path, source })
        };
        Ok(SuitePrograms {
            registry: read("registry")?,
            router: read("verifier_router")?,
            controller: read("task_controller")?,
            dataset_verifier: read("dataset_verifier")?,
            leaderboard: read("leaderboard")?,
            bond_vault: read("bond_vault")?,
            vrf_provider: read("vrf_provider")?,
            hidden_set: read("hidden_set")?,
        })
    }
}
