//! The zkMLTrack contract suite on a chain: deployment, tasks, model versions,
//! evaluations, leaderboards and governance, as typed async calls.
//!
//! A [`Suite`] is a [`Chain`] plus the suite's addresses ([`Deployment`],
//! which [`Deployment::write`] keeps in a JSON file for later commands). Each
//! method is one user action and returns what the user needs next (ids read
//! from the emitted events), or a [`ChainError`] in words.

use std::{fs, path::Path};

use alloy::{
    primitives::{keccak256, Address, Bytes, B256, U256},
    sol_types::SolValue,
};
use serde::{Deserialize, Serialize};

use crate::chain::{
    bindings::{
        ILeaderboard as Board, IModelRegistry as Registry, IReusableVerifier,
        ITaskController as Controller, IVerifierRouter as Router,
    },
    event, Chain, ChainError,
};

pub use zkmltrack_protocol::{
    evaluation::{EvaluationStatus, PROVIDER_TIMEOUT_BLOCKS},
    router::{
        vka_srs_words, RouteKind, KIND_PLAIN, KIND_REUSABLE_CALLDATA, KIND_REUSABLE_STORED,
        SRS_WORDS,
    },
};

/// Calldata that runs a stylus-sdk constructor with these encoded arguments.
fn constructor_calldata(args: Vec<u8>) -> Bytes {
    zkmltrack_protocol::stylus::constructor_calldata(&args).into()
}

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
    /// EZKL reusable verifier deployed and allow-listed with the suite, if any.
    pub reusable_verifier: Option<Address>,
    /// Account that deployed the suite (its first owner).
    pub owner: Address,
}

impl Deployment {
    /// Reads a deployment file.
    pub fn read(path: &Path) -> Result<Deployment, String> {
        let text = fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read the deployment file {}: {e}; run `zkmltrack deploy` first or pass --deployment",
                path.display()
            )
        })?;
        serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a deployment file: {e}", path.display()))
    }

    /// Writes the deployment file atomically (a temporary file renamed into place).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).expect("deployment serializes") + "\n";
        let tmp = path.with_extension("json.tmp");
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
        fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
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
}

impl SuitePrograms {
    /// Reads `registry.wasm`, `verifier_router.wasm`, `task_controller.wasm`,
    /// `dataset_verifier.wasm` and `leaderboard.wasm` from `dir` (what `scripts/build-contracts` writes
    /// to `contracts/target/stylus`).
    pub fn from_dir(dir: &Path) -> Result<SuitePrograms, String> {
        let read = |name: &str| {
            let path = dir.join(format!("{name}.wasm"));
            fs::read(&path).map_err(|e| {
                format!(
                    "{}: {e}; build the contracts with scripts/build-contracts",
                    path.display()
                )
            })
        };
        Ok(SuitePrograms {
            registry: read("registry")?,
            router: read("verifier_router")?,
            controller: read("task_controller")?,
            dataset_verifier: read("dataset_verifier")?,
            leaderboard: read("leaderboard")?,
        })
    }
}

/// The parameters of an evaluation task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// Poseidon Merkle root of the evaluation set.
    pub root: B256,
    /// Rows in the evaluation set.
    pub dataset_size: u64,
    /// Features per row (the model's input width).
    pub feature_count: u32,
    /// Classes (the model's output width).
    pub class_count: u32,
    /// Fixed-point scale (bits) of the quantized features (EZKL's input scale).
    pub scale: u32,
    /// Samples drawn per evaluation.
    pub samples: u32,
    /// L2 blocks between an evaluation's opening and its beacon block.
    pub draw_delay: u32,
    /// Randomness provider; zero for the delayed-block beacon.
    pub randomness: Address,
    /// Digest of the task's off-chain description.
    pub metadata: B256,
}

impl TaskSpec {
    /// The task of an evaluation CSV (features..., label): its Poseidon root at
    /// `scale`, its shape, and the keccak256 of the file as metadata; the
    /// delayed-block beacon draws `samples` rows `draw_delay` blocks after
    /// each opening.
    pub fn from_csv(
        path: &Path,
        scale: u32,
        samples: u32,
        draw_delay: u32,
    ) -> Result<TaskSpec, crate::dataset::DatasetError> {
        // The streaming reader (strict UTF-8, bounded lines, errors with their
        // line), then the file's keccak256 in chunks: memory stays bounded by
        // the rows, not the file.
        let data = crate::dataset::Dataset::from_csv(path)?;
        let metadata = file_keccak(path)
            .map_err(|e| crate::dataset::DatasetError::Io(path.display().to_string(), e))?;
        let quantized = data.quantize(scale)?;
        Ok(TaskSpec {
            root: B256::from(quantized.root().to_be_bytes()),
            dataset_size: data.rows.len() as u64,
            feature_count: data.feature_count() as u32,
            class_count: data.class_count().max(2),
            scale,
            samples,
            draw_delay,
            randomness: Address::ZERO,
            metadata,
        })
    }
}

/// The ModelRegistry's limits on a task's parameters (`createTask`).
pub use zkmltrack_protocol::registry::limits as task_limits;

impl TaskSpec {
    /// Checks every parameter against the registry's limits, so a task the
    /// registry would refuse is refused before anything is sent, naming the
    /// value given and the limit.
    pub fn check(&self) -> Result<(), String> {
        use task_limits::*;
        let rows = self.dataset_size;
        if rows == 0 {
            return Err("the dataset has no rows".into());
        }
        if self.samples == 0 || self.samples as u64 > rows || self.samples > MAX_SAMPLES {
            return Err(format!(
                "sample count {} is out of range: an evaluation draws 1 to {} samples \
                 (at most the dataset's {rows} rows and at most {MAX_SAMPLES})",
                self.samples,
                rows.min(MAX_SAMPLES as u64)
            ));
        }
        if self.feature_count == 0 || self.feature_count > MAX_FEATURES {
            return Err(format!(
                "{} features per row: a task takes 1 to {MAX_FEATURES}",
                self.feature_count
            ));
        }
        if !(MIN_CLASSES..=MAX_CLASSES).contains(&self.class_count) {
            return Err(format!(
                "{} classes: a task takes {MIN_CLASSES} to {MAX_CLASSES}",
                self.class_count
            ));
        }
        if self.scale > MAX_SCALE {
            return Err(format!(
                "scale {} is above the largest, {MAX_SCALE} bits",
                self.scale
            ));
        }
        if self.draw_delay == 0 || self.draw_delay > MAX_DRAW_DELAY {
            return Err(format!(
                "draw delay {} is out of range: 1 to {MAX_DRAW_DELAY} blocks (the beacon \
                 block's hash must stay within the chain's 256-block window)",
                self.draw_delay
            ));
        }
        Ok(())
    }
}

/// keccak256 of a file, read in chunks.
fn file_keccak(path: &Path) -> std::io::Result<B256> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut hasher = alloy::primitives::Keccak256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(&buf[..n]);
    }
}

/// A task as the registry reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Task {
    /// Task id.
    pub id: u64,
    /// Creator.
    pub creator: Address,
    /// Its parameters.
    pub spec: TaskSpec,
    /// Closed to new evaluations.
    pub closed: bool,
}

/// A model version as the registry reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Version {
    /// Version id (global).
    pub id: u64,
    /// Lineage.
    pub lineage_id: u64,
    /// Number within the lineage, from 1.
    pub number: u32,
    /// Submitter.
    pub submitter: Address,
    /// keccak256 of the ONNX file.
    pub onnx_hash: B256,
    /// Verifying-key digest (the commitment to the weights).
    pub vk_digest: B256,
    /// Verifier route.
    pub route_id: u64,
    /// Registration time (block timestamp).
    pub timestamp: u64,
    /// Revoked.
    pub revoked: bool,
}

/// What registering a model version created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RegisteredVersion {
    /// Lineage the version belongs to.
    pub lineage_id: u64,
    /// The new version's id.
    pub version_id: u64,
    /// Its number within the lineage.
    pub number: u32,
    /// The verifier route it verifies through.
    pub route_id: u64,
    /// Data contract holding its VKA.
    pub vka_store: Address,
}

/// EZKL's reusable verifier as the suite deploys it.
#[derive(Clone, Copy, Debug)]
pub struct ReusableVerifier<'a> {
    /// Its init code.
    pub init_code: &'a [u8],
    /// G2 words of the SRS the suite trusts (see [`vka_srs_words`]).
    pub trusted_srs: [B256; 8],
}

/// A verifier route of the router.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Its id.
    pub id: u64,
    /// Kind: [`KIND_REUSABLE_STORED`], [`KIND_REUSABLE_CALLDATA`] or [`KIND_PLAIN`].
    pub kind: u8,
    /// Verifier contract.
    pub verifier: Address,
    /// Data contract holding the VKA (zero unless kind 1).
    pub vka_store: Address,
    /// Verifying-key digest it verifies against.
    pub digest: B256,
    /// False once the owner disabled it.
    pub active: bool,
    /// True once the owner approved it.
    pub approved: bool,
    /// The only account that may register versions on it.
    pub holder: Address,
}

/// An evaluation as the controller reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// Evaluation id.
    pub id: u64,
    /// Task.
    pub task_id: u64,
    /// Model version.
    pub version_id: u64,
    /// Participant (the version's submitter).
    pub participant: Address,
    /// State.
    pub status: EvaluationStatus,
    /// L2 block of the opening (the commitment).
    pub commit_block: u64,
    /// Sampling seed (zero until drawn).
    pub seed: U256,
    /// Samples scored so far.
    pub scored: u32,
    /// Correct predictions so far.
    pub correct: u32,
}

/// One leaderboard row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LeaderboardEntry {
    /// Rank from 1.
    pub rank: u32,
    /// Evaluation.
    pub evaluation_id: u64,
    /// Model version.
    pub version_id: u64,
    /// Accuracy in basis points.
    pub accuracy_bps: u32,
}

/// One submission of drawn samples with their proof.
#[derive(Clone, Debug, Default)]
pub struct Submission {
    /// Labels of the submitted samples, in slot order.
    pub labels: Vec<u32>,
    /// Their Merkle paths, back to back.
    pub merkle_proofs: Vec<B256>,
    /// EZKL proof bytes.
    pub proof: Bytes,
    /// Public instances: all samples' features, then all samples' outputs.
    pub instances: Vec<U256>,
    /// VKA words for calldata-VKA routes (empty for stored VKAs).
    pub vka: Vec<B256>,
}

/// The contract suite on a chain.
#[derive(Clone, Debug)]
pub struct Suite {
    chain: Chain,
    /// The suite's addresses.
    pub deployment: Deployment,
}

impl Suite {
    /// Deploys the five programs (owned by the signing account) and, given
    /// EZKL's reusable verifier, deploys it, allow-lists its code and pins
    /// its trusted SRS on the router. `progress` hears each step's name.
    pub async fn deploy(
        chain: Chain,
        programs: &SuitePrograms,
        reusable_verifier: Option<ReusableVerifier<'_>>,
        progress: &dyn Fn(&str),
    ) -> Result<Suite, ChainError> {
        let owner = chain.account("deploying the suite")?;
        progress("DatasetVerifier");
        let dataset_verifier = chain
            .deploy_stylus("DatasetVerifier", &programs.dataset_verifier, Bytes::new())
            .await?;
        progress("VerifierRouter");
        let router = chain
            .deploy_stylus(
                "VerifierRouter",
                &programs.router,
                constructor_calldata(owner.abi_encode()),
            )
            .await?;
        progress("ModelRegistry");
        let registry = chain
            .deploy_stylus(
                "ModelRegistry",
                &programs.registry,
                constructor_calldata((owner, router).abi_encode_params()),
            )
            .await?;
        progress("Leaderboard");
        let leaderboard = chain
            .deploy_stylus(
                "Leaderboard",
                &programs.leaderboard,
                constructor_calldata(registry.abi_encode()),
            )
            .await?;
        progress("TaskController");
        let controller = chain
            .deploy_stylus(
                "TaskController",
                &programs.controller,
                constructor_calldata(
                    (registry, router, dataset_verifier, leaderboard).abi_encode_params(),
                ),
            )
            .await?;
        let mut suite = Suite {
            deployment: Deployment {
                chain_id: chain.chain_id(),
                registry,
                router,
                controller,
                dataset_verifier,
                leaderboard,
                reusable_verifier: None,
                owner,
            },
            chain,
        };
        if let Some(reusable) = reusable_verifier {
            progress("EZKL reusable verifier");
            let verifier = suite
                .chain
                .deploy_evm(
                    "deploying EZKL's reusable verifier",
                    Bytes::copy_from_slice(reusable.init_code),
                )
                .await?;
            suite.allow_verifier_at(verifier, true).await?;
            suite.set_trusted_srs(reusable.trusted_srs).await?;
            suite.deployment.reusable_verifier = Some(verifier);
        }
        Ok(suite)
    }

    /// Attaches to a deployed suite, checking the chain id, that every
    /// contract has code, and that they are wired as one suite (the
    /// controller's registry, router, dataset verifier and leaderboard, the
    /// registry's router and the leaderboard's registry are the deployment's), so a tampered deployment file cannot
    /// point at a look-alike controller.
    pub async fn attach(chain: Chain, deployment: Deployment) -> Result<Suite, ChainError> {
        chain.expect_chain_id(deployment.chain_id)?;
        for (what, address) in [
            ("ModelRegistry", deployment.registry),
            ("VerifierRouter", deployment.router),
            ("TaskController", deployment.controller),
            ("DatasetVerifier", deployment.dataset_verifier),
            ("Leaderboard", deployment.leaderboard),
        ] {
            chain.require_code(what, address).await?;
        }
        if let Some(verifier) = deployment.reusable_verifier {
            chain
                .require_code("EZKL reusable verifier", verifier)
                .await?;
        }
        // A contract that does not answer a wiring view (a revert, or an
        // answer of another shape) is not the one the file names: e.g. the
        // controller's and the registry's addresses swapped.
        let not_it = |what: &str, address: Address| {
            let what = what.to_string();
            move |e: ChainError| match e {
                ChainError::Reverted { reason, .. }
                | ChainError::Rpc {
                    message: reason, ..
                } if !reason.contains("error sending request for url") => {
                    ChainError::NotTheContract {
                        what,
                        address,
                        reason,
                    }
                }
                other => other,
            }
        };
        let wired = chain
            .view(
                "reading the TaskController's contracts",
                deployment.controller,
                &Controller::contractsCall {},
            )
            .await
            .map_err(not_it("TaskController", deployment.controller))?;
        let miswired = |what: &str, expected: Address, actual: Address| {
            (expected != actual).then(|| ChainError::Miswired {
                what: what.into(),
                expected,
                actual,
            })
        };
        for (what, expected, actual) in [
            (
                "the TaskController's registry",
                deployment.registry,
                wired._0,
            ),
            ("the TaskController's router", deployment.router, wired._1),
            (
                "the TaskController's dataset verifier",
                deployment.dataset_verifier,
                wired._2,
            ),
            (
                "the TaskController's leaderboard",
                deployment.leaderboard,
                wired._3,
            ),
        ] {
            if let Some(e) = miswired(what, expected, actual) {
                return Err(e);
            }
        }
        // Only now is the registry known to be the controller's.
        let registry_router = chain
            .view(
                "reading the ModelRegistry's router",
                deployment.registry,
                &Registry::routerCall {},
            )
            .await
            .map_err(not_it("ModelRegistry", deployment.registry))?;
        if let Some(e) = miswired(
            "the ModelRegistry's router",
            deployment.router,
            registry_router,
        ) {
            return Err(e);
        }
        let board_registry = chain
            .view(
                "reading the Leaderboard's registry",
                deployment.leaderboard,
                &Board::registryCall {},
            )
            .await
            .map_err(not_it("Leaderboard", deployment.leaderboard))?;
        if let Some(e) = miswired(
            "the Leaderboard's registry",
            deployment.registry,
            board_registry,
        ) {
            return Err(e);
        }
        Ok(Suite { chain, deployment })
    }

    /// The chain connection.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    // ---- governance -------------------------------------------------------

    /// Allows or disallows verifier code (by code hash) on the router. Owner only.
    pub async fn allow_verifier_code(
        &self,
        code_hash: B256,
        allowed: bool,
    ) -> Result<(), ChainError> {
        let action = if allowed {
            "allow-listing verifier code"
        } else {
            "revoking verifier code"
        };
        self.chain
            .transact(
                action,
                self.deployment.router,
                &Router::setVerifierAllowedCall { code_hash, allowed },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// Allows or disallows the code of the verifier deployed at `verifier`.
    pub async fn allow_verifier_at(
        &self,
        verifier: Address,
        allowed: bool,
    ) -> Result<B256, ChainError> {
        let code = self.chain.require_code("verifier", verifier).await?;
        let code_hash = keccak256(&code);
        self.allow_verifier_code(code_hash, allowed).await?;
        Ok(code_hash)
    }

    /// Pins the trusted SRS on the router: the G2 words ([`SRS_WORDS`]) every
    /// reusable route's VKA must carry. Owner only.
    pub async fn set_trusted_srs(&self, g2_words: [B256; 8]) -> Result<(), ChainError> {
        self.chain
            .transact(
                "pinning the trusted SRS",
                self.deployment.router,
                &Router::setTrustedSrsCall { g2_words },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// The router's trusted SRS G2 words (all zero when none is pinned).
    pub async fn trusted_srs(&self) -> Result<[B256; 8], ChainError> {
        self.chain
            .view(
                "VerifierRouter.trustedSrs",
                self.deployment.router,
                &Router::trustedSrsCall {},
            )
            .await
    }

    /// Approves a verifier route after reviewing its circuit. Owner only.
    pub async fn approve_route(&self, route_id: u64) -> Result<(), ChainError> {
        self.chain
            .transact(
                "approving the verifier route",
                self.deployment.router,
                &Router::approveRouteCall { route_id },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    /// A verifier route.
    pub async fn route(&self, route_id: u64) -> Result<Route, ChainError> {
        let r = self
            .chain
            .view(
                "VerifierRouter.route",
                self.deployment.router,
                &Router::routeCall { route_id },
            )
            .await?;
        Ok(Route {
            id: route_id,
            kind: r._0,
            verifier: r._1,
            vka_store: r._2,
            digest: r._3,
            active: r._4,
            approved: r._5,
            holder: r._6,
        })
    }

    /// Whether the router allows verifier code with this hash.
    pub async fn is_verifier_allowed(&self, code_hash: B256) -> Result<bool, ChainError> {
        self.chain
            .view(
                "VerifierRouter.isVerifierAllowed",
                self.deployment.router,
                &Router::isVerifierAllowedCall { code_hash },
            )
            .await
    }

    /// Pauses (or unpauses) the suite: the registry's pause stops
    /// registrations and evaluations. Owner only.
    pub async fn set_paused(&self, paused: bool) -> Result<(), ChainError> {
        let registry = self.deployment.registry;
        if paused {
            self.chain
                .transact(
                    "pausing the suite",
                    registry,
                    &Registry::pauseCall {},
                    U256::ZERO,
                )
                .await?;
        } else {
            self.chain
                .transact(
                    "unpausing the suite",
                    registry,
                    &Registry::unpauseCall {},
                    U256::ZERO,
                )
                .await?;
        }
        Ok(())
    }

    /// Whether the suite is paused.
    pub async fn paused(&self) -> Result<bool, ChainError> {
        self.chain
            .view(
                "ModelRegistry.paused",
                self.deployment.registry,
                &Registry::pausedCall {},
            )
            .await
    }

    /// Starts a two-step ownership transfer of the registry and the router
    /// (the controller is ownerless). The new owner must call
    /// [`Suite::accept_ownership`]. Contracts already pending for `new_owner`
    /// are skipped, so a run that failed half-way can simply be repeated.
    pub async fn transfer_ownership(&self, new_owner: Address) -> Result<(), ChainError> {
        for (what, to) in [
            ("ModelRegistry", self.deployment.registry),
            ("VerifierRouter", self.deployment.router),
        ] {
            // A re-run after a partial failure skips what is already done.
            let pending = self
                .chain
                .view(
                    &format!("reading the {what}'s pending owner"),
                    to,
                    &Registry::pendingOwnerCall {},
                )
                .await?;
            if pending == new_owner {
                continue;
            }
            self.chain
                .transact(
                    &format!("transferring ownership of the {what}"),
                    to,
                    &Registry::transferOwnershipCall { new_owner },
                    U256::ZERO,
                )
                .await?;
        }
        Ok(())
    }

    /// Accepts a pending ownership transfer of the registry and the router;
    /// contracts the signer already owns are skipped (a repeated run finishes
    /// a half-done acceptance).
    pub async fn accept_ownership(&self) -> Result<(), ChainError> {
        let me = self.chain.account("accepting ownership")?;
        for (what, to) in [
            ("ModelRegistry", self.deployment.registry),
            ("VerifierRouter", self.deployment.router),
        ] {
            // A re-run after a partial failure skips what is already done.
            let owner = self
                .chain
                .view(
                    &format!("reading the {what}'s owner"),
                    to,
                    &Registry::ownerCall {},
                )
                .await?;
            if owner == me {
                continue;
            }
            self.chain
                .transact(
                    &format!("accepting ownership of the {what}"),
                    to,
                    &Registry::acceptOwnershipCall {},
                    U256::ZERO,
                )
                .await?;
        }
        Ok(())
    }

    /// The registry's and the router's owners.
    pub async fn owners(&self) -> Result<(Address, Address), ChainError> {
        let registry = self
            .chain
            .view(
                "ModelRegistry.owner",
                self.deployment.registry,
                &Registry::ownerCall {},
            )
            .await?;
        let router = self
            .chain
            .view(
                "VerifierRouter.owner",
                self.deployment.router,
                &Router::ownerCall {},
            )
            .await?;
        Ok((registry, router))
    }

    /// Revokes a model version (its submitter or the registry owner).
    pub async fn revoke_version(&self, version_id: u64) -> Result<(), ChainError> {
        self.chain
            .transact(
                &format!("revoking model version {version_id}"),
                self.deployment.registry,
                &Registry::revokeVersionCall { version_id },
                U256::ZERO,
            )
            .await?;
        Ok(())
    }

    // ---- tasks ------------------------------------------------------------

    /// Creates an evaluation task and returns its id.
    pub async fn create_task(&self, spec: &TaskSpec) -> Result<u64, ChainError> {
        spec.check().map_err(|reason| ChainError::InvalidArgument {
            action: "creating the task".into(),
            reason,
        })?;
        let call = Registry::createTaskCall {
            root: spec.root,
            dataset_size: spec.dataset_size,
            feature_count: spec.feature_count,
            class_count: spec.class_count,
            scale: spec.scale,
            samples: spec.samples,
            draw_delay: spec.draw_delay,
            randomness: spec.randomness,
            metadata: spec.metadata,
        };
        let receipt = self
            .chain
            .transact(
                "creating the task",
                self.deployment.registry,
                &call,
                U256::ZERO,
            )
            .await?;
        let created: Registry::TaskCreated = required_event(&receipt, "creating the task")?;
        Ok(created.task_id)
    }

    /// A task's parameters.
    pub async fn task(&self, task_id: u64) -> Result<Task, ChainError> {
        let t = self
            .chain
            .view(
                &format!("reading task {task_id}"),
                self.deployment.registry,
                &Registry::taskCall { task_id },
            )
            .await?;
        Ok(Task {
            id: task_id,
            creator: t._0,
            spec: TaskSpec {
                root: t._1,
                dataset_size: t._2,
                feature_count: t._3,
                class_count: t._4,
                scale: t._5,
                samples: t._6,
                draw_delay: t._7,
                randomness: t._8,
                metadata: B256::ZERO,
            },
            closed: t._9,
        })
    }

    /// Number of tasks.
    pub async fn task_count(&self) -> Result<u64, ChainError> {
        self.chain
            .view(
                "ModelRegistry.taskCount",
                self.deployment.registry,
                &Registry::taskCountCall {},
            )
            .await
    }

    // ---- models -----------------------------------------------------------

    /// Creates a lineage (a model's history) owned by the signing account.
    pub async fn create_lineage(&self, name: &str) -> Result<u64, ChainError> {
        let receipt = self
            .chain
            .transact(
                &format!("creating lineage {name:?}"),
                self.deployment.registry,
                &Registry::createLineageCall { name: name.into() },
                U256::ZERO,
            )
            .await?;
        let created: Registry::LineageCreated = required_event(&receipt, "creating a lineage")?;
        Ok(created.lineage_id)
    }

    /// Stores a model's VKA as a data contract and adds a reusable-verifier
    /// route for it on the suite's verifier, held by the signing account. The
    /// route serves once the suite owner approved it (at once for the owner).
    pub async fn add_model_route(&self, vka: &[B256]) -> Result<Route, ChainError> {
        let vka_store = self
            .chain
            .deploy_data("storing the model's VKA", vka)
            .await?;
        self.add_reusable_route(vka, vka_store).await
    }

    /// Adds a calldata-VKA route for a model's VKA on the suite's verifier,
    /// held by the signing account: nothing is stored but the digest, and each
    /// submission carries the VKA ([`Submission::vka`]). Registers the VKA with
    /// EZKL's verifier first, which rejects proofs against unregistered VKAs
    /// (the router registers only stored ones). The route serves once the
    /// suite owner approved it (at once for the owner).
    pub async fn add_calldata_route(&self, vka: &[B256]) -> Result<Route, ChainError> {
        let verifier = self.reusable_verifier()?;
        self.chain
            .transact(
                "registering the model's VKA with EZKL's verifier",
                verifier,
                &IReusableVerifier::registerVkaCall { vka: vka.to_vec() },
                U256::ZERO,
            )
            .await?;
        self.add_reusable_route(vka, Address::ZERO).await
    }

    /// The suite's reusable verifier, or an error naming its absence.
    fn reusable_verifier(&self) -> Result<Address, ChainError> {
        self.deployment
            .reusable_verifier
            .ok_or_else(|| ChainError::Rpc {
                action: "adding a verifier route".into(),
                message: "the deployment has no reusable verifier; deploy the suite with one"
                    .into(),
            })
    }

    /// `addReusableRoute` for `vka`, stored at `vka_store` (zero: calldata).
    async fn add_reusable_route(
        &self,
        vka: &[B256],
        vka_store: Address,
    ) -> Result<Route, ChainError> {
        let verifier = self.reusable_verifier()?;
        let digest = vka_digest(vka);
        let receipt = self
            .chain
            .transact(
                "adding the model's verifier route",
                self.deployment.router,
                &Router::addReusableRouteCall {
                    verifier,
                    vka_store,
                    vka_digest: digest,
                },
                U256::ZERO,
            )
            .await?;
        let added: Router::RouteAdded = required_event(&receipt, "adding a route")?;
        Ok(Route {
            id: added.route_id,
            kind: added.kind,
            verifier,
            vka_store,
            digest,
            active: true,
            approved: added.approved,
            holder: added.holder,
        })
    }

    /// Adds a route for a model's VKA ([`Suite::add_model_route`]) and, once
    /// it is approved, registers a version in `lineage_id` committing to
    /// `onnx_hash` and the VKA digest. When the signer is not the suite owner
    /// the route awaits approval: [`ChainError::AwaitingApproval`] names it,
    /// and [`Suite::register_version_on`] finishes after the approval.
    pub async fn register_version(
        &self,
        lineage_id: u64,
        onnx_hash: B256,
        vka: &[B256],
        uri: &str,
    ) -> Result<RegisteredVersion, ChainError> {
        let route = self.add_model_route(vka).await?;
        if !route.approved {
            return Err(ChainError::AwaitingApproval { route_id: route.id });
        }
        self.register_version_on(lineage_id, onnx_hash, route.id, uri)
            .await
    }

    /// Registers a version in `lineage_id` committing to `onnx_hash` and the
    /// verifying key of an approved route the signer holds.
    pub async fn register_version_on(
        &self,
        lineage_id: u64,
        onnx_hash: B256,
        route_id: u64,
        uri: &str,
    ) -> Result<RegisteredVersion, ChainError> {
        let route = self.route(route_id).await?;
        let receipt = self
            .chain
            .transact(
                "registering the model version",
                self.deployment.registry,
                &Registry::registerVersionCall {
                    lineage_id,
                    onnx_hash,
                    vk_digest: route.digest,
                    route_id,
                    uri: uri.into(),
                },
                U256::ZERO,
            )
            .await?;
        let v: Registry::VersionRegistered = required_event(&receipt, "registering a version")?;
        Ok(RegisteredVersion {
            lineage_id,
            version_id: v.version_id,
            number: v.number,
            route_id,
            vka_store: route.vka_store,
        })
    }

    /// A model version.
    pub async fn version(&self, version_id: u64) -> Result<Version, ChainError> {
        let v = self
            .chain
            .view(
                &format!("reading model version {version_id}"),
                self.deployment.registry,
                &Registry::versionCall { version_id },
            )
            .await?;
        Ok(Version {
            id: version_id,
            lineage_id: v._0,
            number: v._1,
            submitter: v._2,
            onnx_hash: v._3,
            vk_digest: v._4,
            route_id: v._5,
            timestamp: v._6,
            revoked: v._7,
        })
    }

    /// Every version of a lineage, oldest first.
    pub async fn lineage_versions(&self, lineage_id: u64) -> Result<Vec<Version>, ChainError> {
        let (_, count) = {
            let l = self
                .chain
                .view(
                    &format!("reading lineage {lineage_id}"),
                    self.deployment.registry,
                    &Registry::lineageCall { lineage_id },
                )
                .await?;
            (l._0, l._1)
        };
        let mut versions = Vec::with_capacity(count as usize);
        for number in 1..=count {
            let id = self
                .chain
                .view(
                    "ModelRegistry.lineageVersion",
                    self.deployment.registry,
                    &Registry::lineageVersionCall { lineage_id, number },
                )
                .await?;
            versions.push(self.version(id).await?);
        }
        Ok(versions)
    }

    // ---- evaluations ------------------------------------------------------

    /// Opens an evaluation of a version on a task (the commitment) and returns its id.
    pub async fn open_evaluation(&self, task_id: u64, version_id: u64) -> Result<u64, ChainError> {
        let receipt = self
            .chain
            .transact(
                &format!("opening an evaluation of version {version_id} on task {task_id}"),
                self.deployment.controller,
                &Controller::openEvaluationCall {
                    task_id,
                    version_id,
                },
                U256::ZERO,
            )
            .await?;
        let opened: Controller::EvaluationOpened =
            required_event(&receipt, "opening an evaluation")?;
        Ok(opened.evaluation_id)
    }

    /// Waits for the evaluation's seed. On a beacon task: waits for the
    /// beacon block, then fixes the seed (anyone may). On a provider task:
    /// polls until the provider has fulfilled; once
    /// [`PROVIDER_TIMEOUT_BLOCKS`] have passed without an answer, expires the
    /// evaluation instead (which frees the model for a new one). Returns the
    /// evaluation as drawn (or expired).
    pub async fn draw(&self, evaluation_id: u64) -> Result<Evaluation, ChainError> {
        let evaluation = self.evaluation(evaluation_id).await?;
        if evaluation.status != EvaluationStatus::Committed {
            return Ok(evaluation);
        }
        let task = self.task(evaluation.task_id).await?;
        if !task.spec.randomness.is_zero() {
            let deadline = evaluation.commit_block + PROVIDER_TIMEOUT_BLOCKS;
            loop {
                let now = self.evaluation(evaluation_id).await?;
                if now.status != EvaluationStatus::Committed {
                    return Ok(now);
                }
                if self.chain.arb_block_number().await? > deadline {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            self.chain
                .transact(
                    &format!("expiring evaluation {evaluation_id}: its randomness provider did not answer"),
                    self.deployment.controller,
                    &Controller::drawCall { evaluation_id },
                    U256::ZERO,
                )
                .await?;
            return self.evaluation(evaluation_id).await;
        }
        self.chain
            .wait_past_block(evaluation.commit_block + task.spec.draw_delay as u64)
            .await?;
        self.chain
            .transact(
                &format!("drawing the samples of evaluation {evaluation_id}"),
                self.deployment.controller,
                &Controller::drawCall { evaluation_id },
                U256::ZERO,
            )
            .await?;
        self.evaluation(evaluation_id).await
    }

    /// The version that holds `vk_digest`, if any (the registry's
    /// `VersionRegistered` logs: a key is registered once).
    pub async fn version_with_digest(&self, vk_digest: B256) -> Result<Option<u64>, ChainError> {
        use alloy::{providers::Provider, sol_types::SolEvent};
        let filter = alloy::rpc::types::Filter::new()
            .address(self.deployment.registry)
            .event_signature(Registry::VersionRegistered::SIGNATURE_HASH)
            .from_block(0u64);
        let logs = self
            .chain
            .provider()
            .get_logs(&filter)
            .await
            .map_err(|e| ChainError::Rpc {
                action: "reading the registered versions".into(),
                message: e.to_string(),
            })?;
        Ok(logs
            .iter()
            .filter_map(|l| Registry::VersionRegistered::decode_log(&l.inner).ok())
            .find(|v| v.vk_digest == vk_digest)
            .map(|v| v.version_id))
    }
    /// The evaluation of a model (by verifying-key digest) on a task, if any.
    pub async fn evaluation_of(
        &self,
        task_id: u64,
        vk_digest: B256,
    ) -> Result<Option<u64>, ChainError> {
        let id: u64 = self
            .chain
            .view(
                "TaskController.evaluationOf",
                self.deployment.controller,
                &Controller::evaluationOfCall { task_id, vk_digest },
            )
            .await?;
        Ok((id != 0).then_some(id))
    }

    /// Submits drawn samples with their proof; returns how many were predicted correctly.
    pub async fn submit(
        &self,
        evaluation_id: u64,
        submission: &Submission,
    ) -> Result<u32, ChainError> {
        let receipt = self
            .chain
            .transact(
                &format!(
                    "submitting {} sample(s) to evaluation {evaluation_id}",
                    submission.labels.len()
                ),
                self.deployment.controller,
                &submit_call(evaluation_id, submission),
                U256::ZERO,
            )
            .await?;
        let submitted: Controller::SamplesSubmitted =
            required_event(&receipt, "submitting samples")?;
        Ok(submitted.correct)
    }

    /// An evaluation's state.
    pub async fn evaluation(&self, evaluation_id: u64) -> Result<Evaluation, ChainError> {
        let e = self
            .chain
            .view(
                &format!("reading evaluation {evaluation_id}"),
                self.deployment.controller,
                &Controller::evaluationCall { evaluation_id },
            )
            .await?;
        let status = EvaluationStatus::from_code(e._3).unwrap_or(EvaluationStatus::Expired);
        Ok(Evaluation {
            id: evaluation_id,
            task_id: e._0,
            version_id: e._1,
            participant: e._2,
            status,
            commit_block: e._4,
            seed: e._5,
            scored: e._6,
            correct: e._7,
        })
    }

    /// A task's leaderboard, best first (the controller's board, kept by the
    /// Leaderboard program; revoked versions left out).
    pub async fn leaderboard(&self, task_id: u64) -> Result<Vec<LeaderboardEntry>, ChainError> {
        let board = self
            .chain
            .view(
                &format!("reading the leaderboard of task {task_id}"),
                self.deployment.leaderboard,
                &Board::leaderboardCall {
                    keeper: self.deployment.controller,
                    task_id,
                },
            )
            .await?;
        Ok(board
            .iter()
            .enumerate()
            .map(
                |(i, &(evaluation_id, version_id, accuracy_bps))| LeaderboardEntry {
                    rank: i as u32 + 1,
                    evaluation_id,
                    version_id,
                    accuracy_bps,
                },
            )
            .collect())
    }
}

/// The `submitSamples` call of a submission (also what an auditor decodes from calldata).
pub fn submit_call(evaluation_id: u64, s: &Submission) -> Controller::submitSamplesCall {
    Controller::submitSamplesCall {
        evaluation_id,
        labels: s.labels.clone(),
        merkle_proofs: s.merkle_proofs.clone(),
        proof: s.proof.clone(),
        instances: s.instances.clone(),
        vka: s.vka.clone(),
    }
}

/// EZKL's VKA digest: keccak256 of the words end to end.
pub fn vka_digest(words: &[B256]) -> B256 {
    keccak256(words.iter().flat_map(|w| w.0).collect::<Vec<u8>>())
}

fn required_event<E: alloy::sol_types::SolEvent>(
    receipt: &alloy::rpc::types::TransactionReceipt,
    action: &str,
) -> Result<E, ChainError> {
    event(receipt).ok_or_else(|| ChainError::Rpc {
        action: action.into(),
        message: format!(
            "the transaction {} emitted no {} event; is the address the zkMLTrack contract?",
            receipt.transaction_hash,
            E::SIGNATURE
        ),
    })
}
