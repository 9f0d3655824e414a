//! # ModelRegistry
//!
//! The on-chain record of model versions. A *lineage* is a model family owned
//! by the account that created it; each version appended to it records:
//!
//! - the keccak256 of the ONNX file (what was proven),
//! - the weight commitment: EZKL's Poseidon hash of the model's parameters
//!   (`param_visibility = "hashed"`), which every proof of the version exposes
//!   as a public instance and which never reveals the weights,
//! - the `VerifierRouter` route of its architecture (the verifying key commits
//!   to the graph and settings, not to the weights, so any number of versions
//!   share one approved route) and that route's digest,
//! - a metadata URI, the submitter and the block timestamp.
//!
//! Registration asks the router whether the route serves (exists, approved,
//! active) and refuses a weight commitment some version already registered:
//! nobody can claim another participant's weights (or lock them out of a task
//! by evaluating them first). Anyone may register on an approved route; no
//! weights are handed to anyone. Versions are never overwritten; the contract
//! owner or the submitter may revoke one. Governance: OpenZeppelin
//! `Ownable2Step` and `Pausable`.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{string::String, vec, vec::Vec};

use alloy_primitives::{Address, B256, U256, U32, U64};
use openzeppelin_stylus::{
    access::{
        ownable::{OwnableInvalidOwner, OwnableUnauthorizedAccount},
        ownable_two_step::{IOwnable2Step, Ownable2Step},
    },
    utils::pausable::{EnforcedPause, ExpectedPause, IPausable, Pausable},
};
use stylus_sdk::{
    prelude::*,
    storage::{
        StorageAddress, StorageB256, StorageBool, StorageMap, StorageU32, StorageU64, StorageVec,
    },
};

pub use sol::*;
use zkmltrack_common::{felt, id_index};

pub use zkmltrack_common::protocol::registry::{
    limits::{MAX_CLASSES, MAX_DRAW_DELAY, MAX_FEATURES, MAX_SAMPLES, MAX_SCALE, MIN_CLASSES},
    parameter,
};

mod sol {
    use alloy_sol_types::sol;

    sol! {
        /// Emitted when a lineage is created.
        ///
        /// * `lineage_id` - Id of the new lineage.
        /// * `owner` - Account that owns it and may append versions.
        /// * `name` - Human-readable model name.
        #[derive(Debug)]
        event LineageCreated(uint64 indexed lineage_id, address indexed owner, string name);

        /// Emitted when a version is appended to a lineage.
        ///
        /// * `version_id` - Global id of the version.
        /// * `lineage_id` - Lineage it belongs to.
        /// * `number` - Its number within the lineage (1, 2, ...).
        /// * `submitter` - Account that registered it.
        /// * `onnx_hash` - keccak256 of the ONNX file.
        /// * `weight_hash` - The weight commitment (EZKL's parameter hash).
        /// * `route_id` - VerifierRouter route of its architecture.
        /// * `uri` - Metadata URI.
        #[derive(Debug)]
        event VersionRegistered(uint64 indexed version_id, uint64 indexed lineage_id, uint32 number, address indexed submitter, bytes32 onnx_hash, bytes32 weight_hash, uint64 route_id, string uri);

        /// Emitted when a version is revoked.
        ///
        /// * `version_id` - Revoked version.
        /// * `by` - Account that revoked it (owner or submitter).
        #[derive(Debug)]
        event VersionRevoked(uint64 indexed version_id, address indexed by);

        /// Emitted when a task is created.
        ///
        /// * `task_id` - Id of the task.
        /// * `creator` - Task owner (may close it).
        /// * `root` - Poseidon Merkle root of the dataset.
        /// * `dataset_size` - Number of rows (leaves).
        /// * `feature_count` - Features per row.
        /// * `class_count` - Number of classes (labels are 0..class_count).
        /// * `scale` - Fixed-point scale (bits) of the quantized features.
        /// * `samples` - Samples drawn per evaluation.
        /// * `draw_delay` - Blocks between commitment and beacon block.
        /// * `randomness` - Randomness provider, zero for the block beacon.
        /// * `hidden` - Hidden: rows are revealed only once drawn, through
        ///   the randomness provider (a HiddenSet).
        /// * `metadata` - Digest of the task's off-chain description.
        #[derive(Debug)]
        event TaskCreated(uint64 indexed task_id, address indexed creator, bytes32 root, uint64 dataset_size, uint32 feature_count, uint32 class_count, uint32 scale, uint32 samples, uint32 draw_delay, address randomness, bool hidden, bytes32 metadata);

        /// Emitted when a task is closed to new evaluations.
        ///
        /// * `task_id` - The task.
        #[derive(Debug)]
        event TaskClosed(uint64 indexed task_id);

        /// Emitted at deployment: the VerifierRouter the registry uses for its
        /// lifetime (like the TaskController's, it is fixed: a new router means
        /// a new suite, so the two never disagree).
        ///
        /// * `router` - The router.
        #[derive(Debug)]
        event RouterSet(address router);
    }

    sol! {
        /// The lineage does not exist.
        ///
        /// * `lineage_id` - Requested id.
        #[derive(Debug)]
        error UnknownLineage(uint64 lineage_id);

        /// The version does not exist.
        ///
        /// * `version_id` - Requested id.
        #[derive(Debug)]
        error UnknownVersion(uint64 version_id);

        /// Only the lineage owner may append versions.
        ///
        /// * `account` - Caller.
        /// * `owner` - Lineage owner.
        #[derive(Debug)]
        error NotLineageOwner(address account, address owner);

        /// Only the contract owner or the submitter may revoke a version.
        ///
        /// * `account` - Caller.
        #[derive(Debug)]
        error NotVersionAdmin(address account);

        /// The version was already revoked.
        ///
        /// * `version_id` - The version.
        #[derive(Debug)]
        error VersionAlreadyRevoked(uint64 version_id);

        /// A required hash or digest was zero.
        #[derive(Debug)]
        error EmptyCommitment();

        /// The lineage name was empty.
        #[derive(Debug)]
        error EmptyName();

        /// The router refused the route (unknown, awaiting approval or disabled)
        /// or could not be called.
        ///
        /// * `route_id` - The route.
        #[derive(Debug)]
        error RouteUnavailable(uint64 route_id);

        /// The weight commitment is not a BN254 field element, so no proof
        /// could ever carry it.
        ///
        /// * `weight_hash` - The value given.
        #[derive(Debug)]
        error WeightHashNotAFieldElement(bytes32 weight_hash);

        /// A version with this weight commitment is already registered.
        ///
        /// * `weight_hash` - The commitment.
        /// * `version_id` - The version that holds it.
        #[derive(Debug)]
        error WeightsAlreadyRegistered(bytes32 weight_hash, uint64 version_id);

        /// A task parameter is out of range.
        ///
        /// * `parameter` - Which one (1 root, 2 dataset size, 3 feature count,
        ///   4 class count, 5 scale, 6 samples, 7 draw delay).
        #[derive(Debug)]
        error InvalidTaskParameter(uint8 parameter);

        /// The task does not exist.
        ///
        /// * `task_id` - Requested id.
        #[derive(Debug)]
        error UnknownTask(uint64 task_id);

        /// The task is closed to new evaluations.
        ///
        /// * `task_id` - The task.
        #[derive(Debug)]
        error TaskIsClosed(uint64 task_id);

        /// Only the task creator or the contract owner may do this.
        ///
        /// * `account` - Caller.
        #[derive(Debug)]
        error NotTaskAdmin(address account);

        /// The router address is not a contract.
        ///
        /// * `router` - The address given.
        #[derive(Debug)]
        error InvalidRouter(address router);
    }
}

/// The VerifierRouter as the registry calls it (the macro's generated
/// constructor and address field carry no docs of their own).
#[allow(missing_docs)]
mod router_interface {
    use super::*;

    stylus_sdk::prelude::sol_interface! {
        /// The part of the VerifierRouter the registry uses.
        interface IVerifierRouter {
            /// The digest a route verifies against; reverts if the route is
            /// unknown, awaiting approval or disabled.
            function routeDigest(uint64 route_id) external view returns (bytes32);
        }
    }
}
use router_interface::IVerifierRouter;

/// Every way a registry call can fail.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// See [`UnknownLineage`].
    UnknownLineage(UnknownLineage),
    /// See [`UnknownVersion`].
    UnknownVersion(UnknownVersion),
    /// See [`NotLineageOwner`].
    NotLineageOwner(NotLineageOwner),
    /// See [`NotVersionAdmin`].
    NotVersionAdmin(NotVersionAdmin),
    /// See [`VersionAlreadyRevoked`].
    VersionAlreadyRevoked(VersionAlreadyRevoked),
    /// See [`EmptyCommitment`].
    EmptyCommitment(EmptyCommitment),
    /// See [`EmptyName`].
    EmptyName(EmptyName),
    /// See [`RouteUnavailable`].
    RouteUnavailable(RouteUnavailable),
    /// See [`WeightHashNotAFieldElement`].
    WeightHashNotAFieldElement(WeightHashNotAFieldElement),
    /// See [`WeightsAlreadyRegistered`].
    WeightsAlreadyRegistered(WeightsAlreadyRegistered),
    /// See [`InvalidRouter`].
    InvalidRouter(InvalidRouter),
    /// See [`InvalidTaskParameter`].
    InvalidTaskParameter(InvalidTaskParameter),
    /// See [`UnknownTask`].
    UnknownTask(UnknownTask),
    /// See [`TaskIsClosed`].
    TaskIsClosed(TaskIsClosed),
    /// See [`NotTaskAdmin`].
    NotTaskAdmin(NotTaskAdmin),
    /// The caller is not the contract owner (OpenZeppelin `Ownable`).
    UnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The new owner is the zero address (OpenZeppelin `Ownable`).
    InvalidOwner(OwnableInvalidOwner),
    /// The contract is paused (OpenZeppelin `Pausable`).
    EnforcedPause(EnforcedPause),
    /// The contract is not paused (OpenZeppelin `Pausable`).
    ExpectedPause(ExpectedPause),
}

/// A model family.
#[storage]
pub struct Lineage {
    /// Account that created the lineage and may append versions.
    owner: StorageAddress,
    /// Global version ids, in version order (number `n` at index `n - 1`).
    versions: StorageVec<StorageU64>,
}

/// One registered model version.
#[storage]
pub struct Version {
    /// Lineage the version belongs to.
    lineage_id: StorageU64,
    /// Version number within the lineage, from 1.
    number: StorageU32,
    /// Account that registered it.
    submitter: StorageAddress,
    /// keccak256 of the ONNX file.
    onnx_hash: StorageB256,
    /// Weight commitment (EZKL's Poseidon hash of the parameters).
    weight_hash: StorageB256,
    /// Verifying-key digest of its route (the architecture).
    vk_digest: StorageB256,
    /// VerifierRouter route (the architecture) that verifies its proofs.
    route_id: StorageU64,
    /// Block timestamp of the registration.
    registered_at: StorageU64,
    /// Whether it was revoked.
    revoked: StorageBool,
}

/// An evaluation dataset and its evaluation rules.
#[storage]
pub struct Task {
    /// Task owner: may close the task.
    creator: StorageAddress,
    /// Poseidon Merkle root of the dataset rows.
    root: StorageB256,
    /// Number of rows.
    dataset_size: StorageU64,
    /// Features per row (model inputs per sample).
    feature_count: StorageU32,
    /// Number of classes (model outputs per sample).
    class_count: StorageU32,
    /// Fixed-point scale (bits) of the quantized features.
    scale: StorageU32,
    /// Samples drawn per evaluation.
    samples: StorageU32,
    /// Blocks between commitment and beacon block.
    draw_delay: StorageU32,
    /// Randomness provider; zero selects the block-hash beacon.
    randomness: StorageAddress,
    /// Closed to new evaluations.
    closed: StorageBool,
    /// Hidden: only the root is public; the randomness provider (a
    /// HiddenSet) takes the owner's reveal of each evaluation's rows.
    hidden: StorageBool,
}

/// State of the ModelRegistry.
#[entrypoint]
#[storage]
pub struct ModelRegistry {
    /// Two-step ownership (governance).
    ownable: Ownable2Step,
    /// Emergency stop for registrations.
    pausable: Pausable,
    /// VerifierRouter consulted at registration.
    router: StorageAddress,
    /// Lineages; id `n` is at index `n - 1`.
    lineages: StorageVec<Lineage>,
    /// Versions; id `n` is at index `n - 1`.
    versions: StorageVec<Version>,
    /// The version registered with each weight commitment (0: none).
    weight_versions: StorageMap<B256, StorageU64>,
    /// Evaluation tasks; id `n` is at index `n - 1`.
    tasks: StorageVec<Task>,
}

zkmltrack_common::governance!(ModelRegistry, Error);

/// What `version(id)` returns: lineage id, number, submitter, ONNX hash,
/// weight hash, VK digest, route id, registration timestamp, revoked (word
/// indices: `zkmltrack_protocol::registry::version`; a test pins them).
pub type VersionInfo = (u64, u32, Address, B256, B256, B256, u64, u64, bool);

/// What `task(id)` returns: creator, root, dataset size, feature count, class
/// count, scale, samples, draw delay, randomness provider, closed, hidden
/// (word indices: `zkmltrack_protocol::registry::task`; a test pins them).
pub type TaskInfo = (
    Address,
    B256,
    u64,
    u32,
    u32,
    u32,
    u32,
    u32,
    Address,
    bool,
    bool,
);

#[public]
#[implements(IOwnable2Step<Error = Error>, IPausable)]
impl ModelRegistry {
    /// Sets the owner and the router (fixed for the registry's lifetime).
    ///
    /// # Errors
    /// * [`Error::InvalidOwner`] - `owner` is zero.
    /// * [`Error::InvalidRouter`] - `router` has no code.
    ///
    /// # Events
    /// * [`RouterSet`].
    #[constructor]
    pub fn constructor(&mut self, owner: Address, router: Address) -> Result<(), Error> {
        self.ownable.constructor(owner)?;
        if !zkmltrack_common::is_contract_codehash(self.vm().code_hash(router).0) {
            return Err(Error::InvalidRouter(InvalidRouter { router }));
        }
        self.router.set(router);
        log(self.vm(), RouterSet { router });
        Ok(())
    }

    /// Creates a lineage owned by the caller and returns its id.
    ///
    /// # Errors
    /// * [`Error::EmptyName`] - `name` is empty.
    /// * [`Error::EnforcedPause`] - the registry is paused.
    ///
    /// # Events
    /// * [`LineageCreated`].
    pub fn create_lineage(&mut self, name: String) -> Result<u64, Error> {
        self.pausable.when_not_paused()?;
        if name.is_empty() {
            return Err(Error::EmptyName(EmptyName {}));
        }
        let owner = self.vm().msg_sender();
        let mut lineage = self.lineages.grow();
        lineage.owner.set(owner);
        let lineage_id = self.lineages.len() as u64;
        log(
            self.vm(),
            LineageCreated {
                lineage_id,
                owner,
                name,
            },
        );
        Ok(lineage_id)
    }

    /// Appends a version to a lineage the caller owns and returns its global
    /// id: `weight_hash` is the parameter hash every proof of the version
    /// carries, `route_id` an approved, active route of its architecture.
    ///
    /// # Errors
    /// * [`Error::UnknownLineage`] - no such lineage.
    /// * [`Error::NotLineageOwner`] - the caller does not own it.
    /// * [`Error::EmptyCommitment`] - `onnx_hash` or `weight_hash` is zero.
    /// * [`Error::WeightHashNotAFieldElement`] - `weight_hash` is not below p.
    /// * [`Error::RouteUnavailable`] - the router refused the route (unknown,
    ///   awaiting approval, disabled).
    /// * [`Error::WeightsAlreadyRegistered`] - a version already holds the
    ///   weight commitment.
    /// * [`Error::EnforcedPause`] - the registry is paused.
    ///
    /// # Events
    /// * [`VersionRegistered`].
    pub fn register_version(
        &mut self,
        lineage_id: u64,
        onnx_hash: B256,
        weight_hash: B256,
        route_id: u64,
        uri: String,
    ) -> Result<u64, Error> {
        self.pausable.when_not_paused()?;
        let sender = self.vm().msg_sender();
        let owner = self.lineage_ref(lineage_id)?.owner.get();
        if owner != sender {
            return Err(Error::NotLineageOwner(NotLineageOwner {
                account: sender,
                owner,
            }));
        }
        if onnx_hash.is_zero() || weight_hash.is_zero() {
            return Err(Error::EmptyCommitment(EmptyCommitment {}));
        }
        if U256::from_be_bytes(weight_hash.0) >= felt::MODULUS {
            return Err(Error::WeightHashNotAFieldElement(
                WeightHashNotAFieldElement { weight_hash },
            ));
        }
        let router = IVerifierRouter::new(self.router.get());
        let vk_digest = router
            .route_digest(&*self, route_id)
            .map_err(|_| Error::RouteUnavailable(RouteUnavailable { route_id }))?;
        let existing = self.version_of_weights(weight_hash);
        if existing != 0 {
            return Err(Error::WeightsAlreadyRegistered(WeightsAlreadyRegistered {
                weight_hash,
                version_id: existing,
            }));
        }

        let timestamp = self.vm().block_timestamp();
        let version_id = self.versions.len() as u64 + 1;
        self.weight_versions
            .setter(weight_hash)
            .set(U64::from(version_id));
        let mut lineage = self.lineages.setter(lineage_id - 1).expect("checked above");
        lineage.versions.push(U64::from(version_id));
        let number = lineage.versions.len() as u32;
        let mut version = self.versions.grow();
        version.lineage_id.set(U64::from(lineage_id));
        version.number.set(U32::from(number));
        version.submitter.set(sender);
        version.onnx_hash.set(onnx_hash);
        version.weight_hash.set(weight_hash);
        version.vk_digest.set(vk_digest);
        version.route_id.set(U64::from(route_id));
        version.registered_at.set(U64::from(timestamp));
        log(
            self.vm(),
            VersionRegistered {
                version_id,
                lineage_id,
                number,
                submitter: sender,
                onnx_hash,
                weight_hash,
                route_id,
                uri,
            },
        );
        Ok(version_id)
    }

    /// Creates a task owned by the caller and returns its id.
    ///
    /// # Errors
    /// * [`Error::InvalidTaskParameter`] - a parameter is out of range.
    /// * [`Error::EnforcedPause`] - the controller is paused.
    ///
    /// # Events
    /// * [`TaskCreated`].
    #[allow(clippy::too_many_arguments)]
    pub fn create_task(
        &mut self,
        root: B256,
        dataset_size: u64,
        feature_count: u32,
        class_count: u32,
        scale: u32,
        samples: u32,
        draw_delay: u32,
        randomness: Address,
        hidden: bool,
        metadata: B256,
    ) -> Result<u64, Error> {
        self.pausable.when_not_paused()?;
        let invalid = |parameter| {
            Err(Error::InvalidTaskParameter(InvalidTaskParameter {
                parameter,
            }))
        };
        if root.is_zero() || U256::from_be_bytes(root.0) >= zkmltrack_common::felt::MODULUS {
            return invalid(parameter::ROOT);
        }
        if dataset_size == 0 {
            return invalid(parameter::DATASET_SIZE);
        }
        if feature_count == 0 || feature_count > MAX_FEATURES {
            return invalid(parameter::FEATURE_COUNT);
        }
        if !(MIN_CLASSES..=MAX_CLASSES).contains(&class_count) {
            return invalid(parameter::CLASS_COUNT);
        }
        if scale > MAX_SCALE {
            return invalid(parameter::SCALE);
        }
        if samples == 0 || samples as u64 > dataset_size || samples > MAX_SAMPLES {
            return invalid(parameter::SAMPLES);
        }
        if draw_delay == 0 || draw_delay > MAX_DRAW_DELAY {
            return invalid(parameter::DRAW_DELAY);
        }
        if hidden && randomness.is_zero() {
            return invalid(parameter::RANDOMNESS);
        }
        let creator = self.vm().msg_sender();
        let mut task = self.tasks.grow();
        task.creator.set(creator);
        task.root.set(root);
        task.dataset_size.set(U64::from(dataset_size));
        task.feature_count.set(U32::from(feature_count));
        task.class_count.set(U32::from(class_count));
        task.scale.set(U32::from(scale));
        task.samples.set(U32::from(samples));
        task.draw_delay.set(U32::from(draw_delay));
        task.randomness.set(randomness);
        task.hidden.set(hidden);
        let task_id = self.tasks.len() as u64;
        log(
            self.vm(),
            TaskCreated {
                task_id,
                creator,
                root,
                dataset_size,
                feature_count,
                class_count,
                scale,
                samples,
                draw_delay,
                randomness,
                hidden,
                metadata,
            },
        );
        Ok(task_id)
    }

    /// Closes a task to new evaluations (open ones may finish). Task creator
    /// or contract owner.
    ///
    /// # Errors
    /// * [`Error::UnknownTask`] - no such task.
    /// * [`Error::NotTaskAdmin`] - the caller is neither creator nor owner.
    /// * [`Error::TaskIsClosed`] - already closed.
    ///
    /// # Events
    /// * [`TaskClosed`].
    pub fn close_task(&mut self, task_id: u64) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        let owner = self.ownable.owner();
        let mut task = self
            .tasks
            .setter(id_index(task_id))
            .ok_or(Error::UnknownTask(UnknownTask { task_id }))?;
        if sender != task.creator.get() && sender != owner {
            return Err(Error::NotTaskAdmin(NotTaskAdmin { account: sender }));
        }
        if task.closed.get() {
            return Err(Error::TaskIsClosed(TaskIsClosed { task_id }));
        }
        task.closed.set(true);
        log(self.vm(), TaskClosed { task_id });
        Ok(())
    }

    /// Revokes a version. Allowed to the contract owner and the submitter, also
    /// while paused (revocation is a safety action).
    ///
    /// # Errors
    /// * [`Error::UnknownVersion`] - no such version.
    /// * [`Error::NotVersionAdmin`] - the caller is neither owner nor submitter.
    /// * [`Error::VersionAlreadyRevoked`] - it was revoked before.
    ///
    /// # Events
    /// * [`VersionRevoked`].
    pub fn revoke_version(&mut self, version_id: u64) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        let owner = self.ownable.owner();
        let mut version = self.version_mut(version_id)?;
        if sender != owner && sender != version.submitter.get() {
            return Err(Error::NotVersionAdmin(NotVersionAdmin { account: sender }));
        }
        if version.revoked.get() {
            return Err(Error::VersionAlreadyRevoked(VersionAlreadyRevoked {
                version_id,
            }));
        }
        version.revoked.set(true);
        log(
            self.vm(),
            VersionRevoked {
                version_id,
                by: sender,
            },
        );
        Ok(())
    }

    /// Stops registrations. Owner only.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    /// * [`Error::EnforcedPause`] - already paused.
    ///
    /// # Events
    /// * `Paused`.
    pub fn pause(&mut self) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        Ok(self.pausable.pause()?)
    }

    /// Resumes registrations. Owner only.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    /// * [`Error::ExpectedPause`] - not paused.
    ///
    /// # Events
    /// * `Unpaused`.
    pub fn unpause(&mut self) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        Ok(self.pausable.unpause()?)
    }

    /// The VerifierRouter consulted at registration.
    pub fn router(&self) -> Address {
        self.router.get()
    }

    /// Number of lineages (ids run from 1 to this).
    pub fn lineage_count(&self) -> u64 {
        self.lineages.len() as u64
    }

    /// Number of versions (ids run from 1 to this).
    pub fn version_count(&self) -> u64 {
        self.versions.len() as u64
    }

    /// A lineage's owner and number of versions (its name is in `LineageCreated`).
    ///
    /// # Errors
    /// * [`Error::UnknownLineage`] - no such lineage.
    pub fn lineage(&self, lineage_id: u64) -> Result<(Address, u32), Error> {
        let lineage = self.lineage_ref(lineage_id)?;
        Ok((lineage.owner.get(), lineage.versions.len() as u32))
    }

    /// Global id of version `number` (from 1) of a lineage.
    ///
    /// # Errors
    /// * [`Error::UnknownLineage`] - no such lineage.
    /// * [`Error::UnknownVersion`] - the lineage has no such version (reported as id 0).
    pub fn lineage_version(&self, lineage_id: u64, number: u32) -> Result<u64, Error> {
        let lineage = self.lineage_ref(lineage_id)?;
        lineage
            .versions
            .get(id_index(number as u64))
            .map(|id| id.to::<u64>())
            .ok_or(Error::UnknownVersion(UnknownVersion { version_id: 0 }))
    }

    /// A task's parameters (see [`TaskInfo`]).
    ///
    /// # Errors
    /// * [`Error::UnknownTask`] - no such task.
    pub fn task(&self, task_id: u64) -> Result<TaskInfo, Error> {
        let t = self.task_ref(task_id)?;
        Ok((
            t.creator.get(),
            t.root.get(),
            t.dataset_size.get().to(),
            t.feature_count.get().to(),
            t.class_count.get().to(),
            t.scale.get().to(),
            t.samples.get().to(),
            t.draw_delay.get().to(),
            t.randomness.get(),
            t.closed.get(),
            t.hidden.get(),
        ))
    }

    /// What the TaskController reads when it opens an evaluation or takes a
    /// submission, in one call instead of three: whether the suite is
    /// paused, the task (as [`Self::task`]) and the version (as
    /// [`Self::version`]), each all zeros when unknown (word indices:
    /// `zkmltrack_protocol::registry::context`).
    pub fn submission_context(
        &self,
        task_id: u64,
        version_id: u64,
    ) -> (bool, TaskInfo, VersionInfo) {
        (
            self.pausable.paused(),
            self.task(task_id).unwrap_or_default(),
            self.version(version_id).unwrap_or_default(),
        )
    }

    /// Number of tasks (ids run from 1 to this).
    pub fn task_count(&self) -> u64 {
        self.tasks.len() as u64
    }

    /// The version registered with a weight commitment, 0 for none.
    pub fn version_of_weights(&self, weight_hash: B256) -> u64 {
        self.weight_versions.get(weight_hash).to()
    }

    /// A version's lineage id, number, submitter, ONNX hash, weight hash, VK
    /// digest, route id, registration timestamp and revocation flag.
    ///
    /// # Errors
    /// * [`Error::UnknownVersion`] - no such version.
    pub fn version(&self, version_id: u64) -> Result<VersionInfo, Error> {
        let v = self
            .versions
            .get(id_index(version_id))
            .ok_or(Error::UnknownVersion(UnknownVersion { version_id }))?;
        Ok((
            v.lineage_id.get().to(),
            v.number.get().to(),
            v.submitter.get(),
            v.onnx_hash.get(),
            v.weight_hash.get(),
            v.vk_digest.get(),
            v.route_id.get().to(),
            v.registered_at.get().to(),
            v.revoked.get(),
        ))
    }
}

impl ModelRegistry {
    fn lineage_ref(
        &self,
        lineage_id: u64,
    ) -> Result<stylus_sdk::storage::StorageGuard<'_, Lineage>, Error> {
        self.lineages
            .get(id_index(lineage_id))
            .ok_or(Error::UnknownLineage(UnknownLineage { lineage_id }))
    }

    fn task_ref(&self, task_id: u64) -> Result<stylus_sdk::storage::StorageGuard<'_, Task>, Error> {
        self.tasks
            .get(id_index(task_id))
            .ok_or(Error::UnknownTask(UnknownTask { task_id }))
    }

    fn version_mut(
        &mut self,
        version_id: u64,
    ) -> Result<stylus_sdk::storage::StorageGuardMut<'_, Version>, Error> {
        self.versions
            .setter(id_index(version_id))
            .ok_or(Error::UnknownVersion(UnknownVersion { version_id }))
    }
}

#[cfg(test)]
mod tests;
