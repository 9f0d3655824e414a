//! # TaskController
//!
//! Evaluates registered model versions on a task's dataset and keeps a
//! best-accuracy leaderboard per task.
//!
//! A *task* anchors an evaluation dataset by the Poseidon Merkle root of its
//! rows (quantized features and label, see `zkmltrack_common::leaf_hash`), with
//! the dataset size, feature and class counts, fixed-point scale, the number of
//! samples an evaluation draws and its randomness source.
//!
//! An *evaluation* goes through commit, draw, submit:
//! 1. the submitter of a model version opens it (`open_evaluation`); a model,
//!    identified by its verifying-key digest, is evaluated at most once per task;
//! 2. the seed is fixed only afterwards, so it cannot be ground: by default from
//!    the hash of the L2 block `draw_delay` blocks after the commitment (ArbSys),
//!    drawable by anyone within 256 blocks (otherwise the evaluation expires);
//!    or from a randomness provider (e.g. a VRF adapter) that calls back
//!    `fulfill_randomness`;
//! 3. the participant submits the drawn samples in order, one or several per
//!    EZKL proof: for each, the label and the Merkle path of the leaf recomputed
//!    from the proof's public inputs (so the inputs are the dataset's features by
//!    construction); the router verifies the proof against the version's key;
//!    the argmax of the public outputs is compared with the label;
//! 4. after the last sample the accuracy is final and the leaderboard updated.
//!
//! Sample indices are drawn without replacement: slot `k` takes the first
//! `keccak256(seed, k, attempt) mod size` not used before (a bitmap).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::{address, Address, B256, U256, U32, U64, U8};
use alloy_sol_types::SolCall;
use openzeppelin_stylus::{
    access::{
        ownable::{OwnableInvalidOwner, OwnableUnauthorizedAccount},
        ownable_two_step::{IOwnable2Step, Ownable2Step},
    },
    utils::pausable::{EnforcedPause, ExpectedPause, IPausable, Pausable},
};
use stylus_sdk::{
    abi::Bytes,
    call::RawCall,
    prelude::*,
    storage::{
        StorageAddress, StorageB256, StorageBool, StorageMap, StorageU256, StorageU32, StorageU64,
        StorageU8, StorageVec,
    },
};
use zkmltrack_common::{felt, field::Fe};

pub use sol::*;

/// Leaderboard length per task.
pub const LEADERBOARD_SIZE: usize = 10;
/// Blocks whose hash ArbSys still serves.
pub const BLOCK_HASH_WINDOW: u64 = 256;
/// ArbSys precompile (L2 block number and hashes).
pub const ARB_SYS: Address = address!("0000000000000000000000000000000000000064");

/// ModelRegistry `version(uint64)` selector.
const REGISTRY_VERSION: [u8; 4] = [0x57, 0x54, 0x73, 0x2c];
/// ArbSys `arbBlockNumber()` selector.
const ARB_BLOCK_NUMBER: [u8; 4] = [0xa3, 0xb1, 0xb3, 0x1d];
/// ArbSys `arbBlockHash(uint256)` selector.
const ARB_BLOCK_HASH: [u8; 4] = [0x2b, 0x40, 0x7a, 0x82];

/// Evaluation status: committed, waiting for its seed.
pub const STATUS_COMMITTED: u8 = 1;
/// Evaluation status: seed drawn, samples being submitted.
pub const STATUS_DRAWN: u8 = 2;
/// Evaluation status: all samples scored, accuracy final.
pub const STATUS_FINALIZED: u8 = 3;
/// Evaluation status: the beacon block left the hash window before anyone drew.
pub const STATUS_EXPIRED: u8 = 4;

/// Task parameter codes carried by [`InvalidTaskParameter`].
pub mod parameter {
    /// The root is zero or not a field element.
    pub const ROOT: u8 = 1;
    /// The dataset size is zero.
    pub const DATASET_SIZE: u8 = 2;
    /// The feature count is 0 or above 256.
    pub const FEATURE_COUNT: u8 = 3;
    /// The class count is below 2 or above 256.
    pub const CLASS_COUNT: u8 = 4;
    /// The scale is above 64 bits.
    pub const SCALE: u8 = 5;
    /// The sample count is 0, above the dataset size or above 1024.
    pub const SAMPLES: u8 = 6;
    /// The draw delay is 0 or not below the 256-block hash window.
    pub const DRAW_DELAY: u8 = 7;
}

mod sol {
    use alloy_sol_types::sol;

    sol! {
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
        /// * `metadata` - Digest of the task's off-chain description.
        #[derive(Debug)]
        event TaskCreated(uint64 indexed task_id, address indexed creator, bytes32 root, uint64 dataset_size, uint32 feature_count, uint32 class_count, uint32 scale, uint32 samples, uint32 draw_delay, address randomness, bytes32 metadata);

        /// Emitted when a task is closed to new evaluations.
        ///
        /// * `task_id` - The task.
        #[derive(Debug)]
        event TaskClosed(uint64 indexed task_id);

        /// Emitted when an evaluation is opened (the commitment).
        ///
        /// * `evaluation_id` - Id of the evaluation.
        /// * `task_id` - The task.
        /// * `version_id` - ModelRegistry version evaluated.
        /// * `participant` - Submitter of the version.
        /// * `commit_block` - L2 block number at the commitment.
        #[derive(Debug)]
        event EvaluationOpened(uint64 indexed evaluation_id, uint64 indexed task_id, uint64 indexed version_id, address participant, uint64 commit_block);

        /// Emitted when an evaluation's seed is fixed.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `seed` - Seed of the sample draw.
        #[derive(Debug)]
        event SamplesDrawn(uint64 indexed evaluation_id, uint256 seed);

        /// Emitted when the beacon block left the hash window before a draw.
        ///
        /// * `evaluation_id` - The evaluation, now expired.
        #[derive(Debug)]
        event EvaluationExpired(uint64 indexed evaluation_id);

        /// Emitted for each accepted submission.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `first_slot` - Slot of the first sample in the submission.
        /// * `count` - Samples in the submission.
        /// * `correct` - Correct predictions among them.
        #[derive(Debug)]
        event SamplesSubmitted(uint64 indexed evaluation_id, uint32 first_slot, uint32 count, uint32 correct);

        /// Emitted when an evaluation's accuracy is final.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `task_id` - The task.
        /// * `version_id` - The version.
        /// * `correct` - Correct predictions.
        /// * `samples` - Samples scored.
        /// * `accuracy_bps` - Accuracy in basis points (10000 = 100%).
        /// * `rank` - Leaderboard position from 1, or 0 if not listed.
        #[derive(Debug)]
        event EvaluationFinalized(uint64 indexed evaluation_id, uint64 indexed task_id, uint64 indexed version_id, uint32 correct, uint32 samples, uint32 accuracy_bps, uint32 rank);

        /// Emitted when the controller is pointed at its contracts.
        ///
        /// * `registry` - ModelRegistry.
        /// * `router` - VerifierRouter.
        /// * `dataset_verifier` - DatasetVerifier.
        #[derive(Debug)]
        event ContractsUpdated(address registry, address router, address dataset_verifier);
    }

    sol! {
        /// VerifierRouter: verifies an EZKL proof through a route.
        function verify(uint64 route_id, bytes32 vk_digest, bytes proof, uint256[] instances, bytes32[] vka) returns (bool);
        /// Randomness provider (e.g. a VRF adapter): must later call
        /// `fulfillRandomness(evaluationId, randomness)` on the controller.
        function requestRandomness(uint64 evaluation_id);
        /// DatasetVerifier: checks rows against a dataset root (status word).
        function verifyRows(bytes32 root, uint64 dataset_size, uint32 feature_count, uint64[] indices, uint32[] labels, uint256[] features, bytes32[] proofs) returns (uint256);
    }

    sol! {
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

        /// The evaluation does not exist.
        ///
        /// * `evaluation_id` - Requested id.
        #[derive(Debug)]
        error UnknownEvaluation(uint64 evaluation_id);

        /// The registry does not know the version (or could not be called).
        ///
        /// * `version_id` - The version.
        #[derive(Debug)]
        error VersionUnavailable(uint64 version_id);

        /// The version was revoked.
        ///
        /// * `version_id` - The version.
        #[derive(Debug)]
        error VersionIsRevoked(uint64 version_id);

        /// Only the version's submitter may evaluate it.
        ///
        /// * `account` - Caller.
        /// * `submitter` - The version's submitter.
        #[derive(Debug)]
        error NotVersionSubmitter(address account, address submitter);

        /// This model (verifying key) was already evaluated on this task.
        ///
        /// * `task_id` - The task.
        /// * `vk_digest` - The model's verifying-key digest.
        /// * `evaluation_id` - Its evaluation.
        #[derive(Debug)]
        error AlreadyEvaluated(uint64 task_id, bytes32 vk_digest, uint64 evaluation_id);

        /// The evaluation is not in the status this call needs.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `status` - Its status (1 committed, 2 drawn, 3 finalized, 4 expired).
        #[derive(Debug)]
        error WrongEvaluationStatus(uint64 evaluation_id, uint8 status);

        /// The beacon block is not mined yet.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `beacon_block` - Block whose hash seeds the draw; draw after it.
        #[derive(Debug)]
        error DrawTooEarly(uint64 evaluation_id, uint64 beacon_block);

        /// The task draws from a provider, or the caller is not that provider.
        ///
        /// * `account` - Caller.
        #[derive(Debug)]
        error NotRandomnessSource(address account);

        /// The randomness provider refused the request.
        ///
        /// * `provider` - The provider.
        #[derive(Debug)]
        error RandomnessRequestFailed(address provider);

        /// Only the evaluation's participant may submit samples.
        ///
        /// * `account` - Caller.
        #[derive(Debug)]
        error NotParticipant(address account);

        /// The submission holds no samples or more than remain.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `remaining` - Samples still expected.
        #[derive(Debug)]
        error BadSampleCount(uint64 evaluation_id, uint32 remaining);

        /// The proof's public instances do not hold `count * (features + classes)` values.
        ///
        /// * `expected` - Expected number of instances.
        /// * `actual` - Number given.
        #[derive(Debug)]
        error InstanceCountMismatch(uint32 expected, uint32 actual);

        /// A public instance is not a field element.
        ///
        /// * `position` - Its position in the instances.
        #[derive(Debug)]
        error InstanceNotAFieldElement(uint32 position);

        /// A label is not below the class count.
        ///
        /// * `label` - The label.
        #[derive(Debug)]
        error InvalidLabel(uint32 label);

        /// The Merkle path of a drawn sample does not lead to the task's root.
        ///
        /// * `dataset_index` - The drawn dataset index.
        #[derive(Debug)]
        error InvalidMerkleProof(uint64 dataset_index);

        /// The router could not verify (bad route, mismatched key, paused).
        ///
        /// * `route_id` - The version's route.
        #[derive(Debug)]
        error VerificationUnavailable(uint64 route_id);

        /// The verifier rejected the proof.
        ///
        /// * `evaluation_id` - The evaluation.
        #[derive(Debug)]
        error ProofRejected(uint64 evaluation_id);
    }
}

/// Every way a controller call can fail.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// See [`InvalidTaskParameter`].
    InvalidTaskParameter(InvalidTaskParameter),
    /// See [`UnknownTask`].
    UnknownTask(UnknownTask),
    /// See [`TaskIsClosed`].
    TaskIsClosed(TaskIsClosed),
    /// See [`NotTaskAdmin`].
    NotTaskAdmin(NotTaskAdmin),
    /// See [`UnknownEvaluation`].
    UnknownEvaluation(UnknownEvaluation),
    /// See [`VersionUnavailable`].
    VersionUnavailable(VersionUnavailable),
    /// See [`VersionIsRevoked`].
    VersionIsRevoked(VersionIsRevoked),
    /// See [`NotVersionSubmitter`].
    NotVersionSubmitter(NotVersionSubmitter),
    /// See [`AlreadyEvaluated`].
    AlreadyEvaluated(AlreadyEvaluated),
    /// See [`WrongEvaluationStatus`].
    WrongEvaluationStatus(WrongEvaluationStatus),
    /// See [`DrawTooEarly`].
    DrawTooEarly(DrawTooEarly),
    /// See [`NotRandomnessSource`].
    NotRandomnessSource(NotRandomnessSource),
    /// See [`RandomnessRequestFailed`].
    RandomnessRequestFailed(RandomnessRequestFailed),
    /// See [`NotParticipant`].
    NotParticipant(NotParticipant),
    /// See [`BadSampleCount`].
    BadSampleCount(BadSampleCount),
    /// See [`InstanceCountMismatch`].
    InstanceCountMismatch(InstanceCountMismatch),
    /// See [`InstanceNotAFieldElement`].
    InstanceNotAFieldElement(InstanceNotAFieldElement),
    /// See [`InvalidLabel`].
    InvalidLabel(InvalidLabel),
    /// See [`InvalidMerkleProof`].
    InvalidMerkleProof(InvalidMerkleProof),
    /// See [`VerificationUnavailable`].
    VerificationUnavailable(VerificationUnavailable),
    /// See [`ProofRejected`].
    ProofRejected(ProofRejected),
    /// The caller is not the contract owner (OpenZeppelin `Ownable`).
    UnauthorizedAccount(OwnableUnauthorizedAccount),
    /// The new owner is the zero address (OpenZeppelin `Ownable`).
    InvalidOwner(OwnableInvalidOwner),
    /// The contract is paused (OpenZeppelin `Pausable`).
    EnforcedPause(EnforcedPause),
    /// The contract is not paused (OpenZeppelin `Pausable`).
    ExpectedPause(ExpectedPause),
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
    /// Finalized evaluation ids, best accuracy first (ties: earliest first).
    leaderboard: StorageVec<StorageU64>,
}

/// One model version's evaluation on one task.
#[storage]
pub struct Evaluation {
    /// The task.
    task_id: StorageU64,
    /// The ModelRegistry version.
    version_id: StorageU64,
    /// The version's submitter.
    participant: StorageAddress,
    /// The version's verifying-key digest.
    vk_digest: StorageB256,
    /// The version's VerifierRouter route.
    route_id: StorageU64,
    /// L2 block number at the commitment.
    commit_block: StorageU64,
    /// Seed of the draw (valid from status drawn).
    seed: StorageU256,
    /// Status (see the `STATUS_*` constants).
    status: StorageU8,
    /// Samples scored so far.
    next_slot: StorageU32,
    /// Correct predictions so far.
    correct: StorageU32,
    /// Dataset indices drawn so far, as a bitmap of 256-bit words.
    drawn: StorageMap<U64, StorageU256>,
}

/// State of the TaskController.
#[entrypoint]
#[storage]
pub struct TaskController {
    /// Two-step ownership (governance).
    ownable: Ownable2Step,
    /// Emergency stop for tasks and evaluations.
    pausable: Pausable,
    /// ModelRegistry holding the versions.
    registry: StorageAddress,
    /// VerifierRouter verifying the proofs.
    router: StorageAddress,
    /// DatasetVerifier checking rows against dataset roots.
    dataset_verifier: StorageAddress,
    /// Tasks; id `n` is at index `n - 1`.
    tasks: StorageVec<Task>,
    /// Evaluations; id `n` is at index `n - 1`.
    evaluations: StorageVec<Evaluation>,
    /// Evaluation id per `keccak256(task_id, vk_digest)`: one per model and task.
    evaluated: StorageMap<B256, StorageU64>,
}

zkmltrack_common::governance!(TaskController, Error);

/// What `task(id)` returns: creator, root, dataset size, feature count, class
/// count, scale, samples, draw delay, randomness provider, closed.
pub type TaskInfo = (Address, B256, u64, u32, u32, u32, u32, u32, Address, bool);

/// What `evaluation(id)` returns: task id, version id, participant, status,
/// commit block, seed, samples scored, correct predictions.
pub type EvaluationInfo = (u64, u64, Address, u8, u64, U256, u32, u32);

/// What `leaderboard(task)` returns: evaluation ids, version ids and accuracies
/// (basis points), best first.
pub type Leaderboard = (Vec<u64>, Vec<u64>, Vec<u32>);

#[public]
#[implements(IOwnable2Step<Error = Error>, IPausable)]
impl TaskController {
    /// Sets the owner and the registry, router and dataset verifier the
    /// controller trusts.
    ///
    /// # Errors
    /// * [`Error::InvalidOwner`] - `owner` is zero.
    #[constructor]
    pub fn constructor(
        &mut self,
        owner: Address,
        registry: Address,
        router: Address,
        dataset_verifier: Address,
    ) -> Result<(), Error> {
        self.ownable.constructor(owner)?;
        self.set_addresses(registry, router, dataset_verifier);
        Ok(())
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
        metadata: B256,
    ) -> Result<u64, Error> {
        self.pausable.when_not_paused()?;
        let invalid = |parameter| {
            Err(Error::InvalidTaskParameter(InvalidTaskParameter {
                parameter,
            }))
        };
        if root.is_zero() || Fe::from_be_bytes(&root.0).is_none() {
            return invalid(parameter::ROOT);
        }
        if dataset_size == 0 {
            return invalid(parameter::DATASET_SIZE);
        }
        if feature_count == 0 || feature_count > 256 {
            return invalid(parameter::FEATURE_COUNT);
        }
        if !(2..=256).contains(&class_count) {
            return invalid(parameter::CLASS_COUNT);
        }
        if scale > 64 {
            return invalid(parameter::SCALE);
        }
        if samples == 0 || samples as u64 > dataset_size || samples > 1024 {
            return invalid(parameter::SAMPLES);
        }
        if draw_delay == 0 || draw_delay as u64 >= BLOCK_HASH_WINDOW {
            return invalid(parameter::DRAW_DELAY);
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
            .setter(index(task_id))
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

    /// Opens an evaluation of a model version on a task (the commitment) and
    /// returns its id. Only the version's submitter may; each model (verifying
    /// key) is evaluated at most once per task.
    ///
    /// # Errors
    /// * [`Error::UnknownTask`], [`Error::TaskIsClosed`] - no open task.
    /// * [`Error::VersionUnavailable`] - the registry does not know the version.
    /// * [`Error::VersionIsRevoked`] - the version was revoked.
    /// * [`Error::NotVersionSubmitter`] - the caller did not submit the version.
    /// * [`Error::AlreadyEvaluated`] - the model was evaluated on the task before.
    /// * [`Error::RandomnessRequestFailed`] - the task's provider refused.
    /// * [`Error::EnforcedPause`] - the controller is paused.
    ///
    /// # Events
    /// * [`EvaluationOpened`].
    pub fn open_evaluation(&mut self, task_id: u64, version_id: u64) -> Result<u64, Error> {
        self.pausable.when_not_paused()?;
        let (closed, provider) = {
            let task = self.task_ref(task_id)?;
            (task.closed.get(), task.randomness.get())
        };
        if closed {
            return Err(Error::TaskIsClosed(TaskIsClosed { task_id }));
        }
        let (submitter, vk_digest, route_id) = self.live_version(version_id)?;
        let sender = self.vm().msg_sender();
        if sender != submitter {
            return Err(Error::NotVersionSubmitter(NotVersionSubmitter {
                account: sender,
                submitter,
            }));
        }
        let key = evaluated_key(self, task_id, vk_digest);
        let previous = self.evaluated.get(key).to::<u64>();
        if previous != 0 {
            return Err(Error::AlreadyEvaluated(AlreadyEvaluated {
                task_id,
                vk_digest,
                evaluation_id: previous,
            }));
        }
        let commit_block = self.arb_block_number();
        let mut evaluation = self.evaluations.grow();
        evaluation.task_id.set(U64::from(task_id));
        evaluation.version_id.set(U64::from(version_id));
        evaluation.participant.set(sender);
        evaluation.vk_digest.set(vk_digest);
        evaluation.route_id.set(U64::from(route_id));
        evaluation.commit_block.set(U64::from(commit_block));
        evaluation.status.set(U8::from(STATUS_COMMITTED));
        let evaluation_id = self.evaluations.len() as u64;
        self.evaluated.setter(key).set(U64::from(evaluation_id));
        log(
            self.vm(),
            EvaluationOpened {
                evaluation_id,
                task_id,
                version_id,
                participant: sender,
                commit_block,
            },
        );
        if !provider.is_zero() {
            let calldata = requestRandomnessCall { evaluation_id }.abi_encode();
            unsafe { RawCall::new().call(provider, &calldata) }.map_err(|_| {
                Error::RandomnessRequestFailed(RandomnessRequestFailed { provider })
            })?;
        }
        Ok(evaluation_id)
    }

    /// Fixes the seed of a beacon-drawn evaluation from the hash of its beacon
    /// block (`commit_block + draw_delay`). Anyone may call it once that block
    /// is mined; if its hash has left ArbSys' 256-block window, the evaluation
    /// expires instead (no retry: a participant cannot skip an unwanted draw).
    ///
    /// # Errors
    /// * [`Error::UnknownEvaluation`] - no such evaluation.
    /// * [`Error::WrongEvaluationStatus`] - not waiting for its seed.
    /// * [`Error::NotRandomnessSource`] - the task draws from a provider.
    /// * [`Error::DrawTooEarly`] - the beacon block is not mined yet.
    ///
    /// # Events
    /// * [`SamplesDrawn`] or [`EvaluationExpired`].
    pub fn draw(&mut self, evaluation_id: u64) -> Result<(), Error> {
        let (task_id, commit_block) = self.committed(evaluation_id)?;
        let (provider, delay) = {
            let task = self.task_ref(task_id)?;
            (task.randomness.get(), task.draw_delay.get().to::<u64>())
        };
        if !provider.is_zero() {
            return Err(Error::NotRandomnessSource(NotRandomnessSource {
                account: self.vm().msg_sender(),
            }));
        }
        let beacon_block = commit_block + delay;
        let now = self.arb_block_number();
        if now <= beacon_block {
            return Err(Error::DrawTooEarly(DrawTooEarly {
                evaluation_id,
                beacon_block,
            }));
        }
        if now - beacon_block > BLOCK_HASH_WINDOW {
            self.evaluation_mut(evaluation_id)?
                .status
                .set(U8::from(STATUS_EXPIRED));
            log(self.vm(), EvaluationExpired { evaluation_id });
            return Ok(());
        }
        let hash = self.arb_sys(ARB_BLOCK_HASH, Some(beacon_block));
        self.set_seed(evaluation_id, hash.to_be_bytes())
    }

    /// Fixes the seed of a provider-drawn evaluation. Only the task's provider.
    ///
    /// # Errors
    /// * [`Error::UnknownEvaluation`] - no such evaluation.
    /// * [`Error::WrongEvaluationStatus`] - not waiting for its seed.
    /// * [`Error::NotRandomnessSource`] - the caller is not the task's provider.
    ///
    /// # Events
    /// * [`SamplesDrawn`].
    pub fn fulfill_randomness(
        &mut self,
        evaluation_id: u64,
        randomness: U256,
    ) -> Result<(), Error> {
        let (task_id, _) = self.committed(evaluation_id)?;
        let provider = self.task_ref(task_id)?.randomness.get();
        let sender = self.vm().msg_sender();
        if provider.is_zero() || sender != provider {
            return Err(Error::NotRandomnessSource(NotRandomnessSource {
                account: sender,
            }));
        }
        self.set_seed(evaluation_id, randomness.to_be_bytes())
    }

    /// Scores the next drawn samples of an evaluation with one EZKL proof.
    ///
    /// `labels` holds one label per sample (the submission covers
    /// `labels.len()` consecutive slots); `merkle_proofs` the samples' Merkle
    /// paths back to back; `instances` the proof's public instances: all
    /// samples' features (each row is the leaf's quantized features), then all
    /// samples' model outputs; `vka` the VKA for calldata-VKA routes, else empty.
    /// Returns the number of correct predictions in the submission.
    ///
    /// # Errors
    /// * [`Error::UnknownEvaluation`], [`Error::WrongEvaluationStatus`] - not drawn.
    /// * [`Error::NotParticipant`] - the caller is not the participant.
    /// * [`Error::BadSampleCount`] - no samples, or more than remain.
    /// * [`Error::InstanceCountMismatch`] - wrong number of instances.
    /// * [`Error::InstanceNotAFieldElement`] - an instance is not below the modulus.
    /// * [`Error::InvalidLabel`] - a label is not below the class count.
    /// * [`Error::InvalidMerkleProof`] - a path does not lead to the root.
    /// * [`Error::VersionIsRevoked`] - the version was revoked meanwhile.
    /// * [`Error::VerificationUnavailable`] - the router could not verify.
    /// * [`Error::ProofRejected`] - the verifier rejected the proof.
    /// * [`Error::EnforcedPause`] - the controller is paused.
    ///
    /// # Events
    /// * [`SamplesSubmitted`]; [`EvaluationFinalized`] after the last sample.
    pub fn submit_samples(
        &mut self,
        evaluation_id: u64,
        labels: Vec<u32>,
        merkle_proofs: Vec<B256>,
        proof: Bytes,
        instances: Vec<U256>,
        vka: Vec<B256>,
    ) -> Result<u32, Error> {
        self.pausable.when_not_paused()?;
        let sender = self.vm().msg_sender();
        let (task_id, version_id, vk_digest, route_id, seed, first_slot) = {
            let evaluation = self.evaluation_ref(evaluation_id)?;
            let status = evaluation.status.get().to::<u8>();
            if status != STATUS_DRAWN {
                return Err(Error::WrongEvaluationStatus(WrongEvaluationStatus {
                    evaluation_id,
                    status,
                }));
            }
            if sender != evaluation.participant.get() {
                return Err(Error::NotParticipant(NotParticipant { account: sender }));
            }
            (
                evaluation.task_id.get().to::<u64>(),
                evaluation.version_id.get().to::<u64>(),
                evaluation.vk_digest.get(),
                evaluation.route_id.get().to::<u64>(),
                evaluation.seed.get(),
                evaluation.next_slot.get().to::<u32>(),
            )
        };
        let (root, size, features, classes, samples) = {
            let task = self.task_ref(task_id)?;
            (
                task.root.get(),
                task.dataset_size.get().to::<u64>(),
                task.feature_count.get().to::<usize>(),
                task.class_count.get().to::<usize>(),
                task.samples.get().to::<u32>(),
            )
        };
        let count = labels.len();
        let remaining = samples - first_slot;
        if count == 0 || count > remaining as usize {
            return Err(Error::BadSampleCount(BadSampleCount {
                evaluation_id,
                remaining,
            }));
        }
        let expected = count * (features + classes);
        if instances.len() != expected {
            return Err(Error::InstanceCountMismatch(InstanceCountMismatch {
                expected: expected as u32,
                actual: instances.len() as u32,
            }));
        }
        self.live_version(version_id)?;

        let mut indices = Vec::with_capacity(count);
        let mut correct = 0u32;
        for (j, &label) in labels.iter().enumerate() {
            if label as usize >= classes {
                return Err(Error::InvalidLabel(InvalidLabel { label }));
            }
            indices.push(self.take_index(evaluation_id, seed, first_slot + j as u32, size)?);
            let outputs_at = count * features + j * classes;
            if felt::argmax(&instances[outputs_at..outputs_at + classes]) == Some(label as usize) {
                correct += 1;
            }
        }
        self.check_rows(
            root,
            size,
            features,
            indices,
            labels,
            &instances,
            merkle_proofs,
        )?;

        let calldata = verifyCall {
            route_id,
            vk_digest,
            proof: proof.0.into(),
            instances,
            vka,
        }
        .abi_encode();
        let verdict = unsafe { RawCall::new_static().call(self.router.get(), &calldata) }
            .map_err(|_| Error::VerificationUnavailable(VerificationUnavailable { route_id }))?;
        if word(&verdict, 0) != U256::from(1u8) {
            return Err(Error::ProofRejected(ProofRejected { evaluation_id }));
        }

        let next_slot = first_slot + count as u32;
        let total_correct = {
            let mut evaluation = self.evaluation_mut(evaluation_id)?;
            let total = evaluation.correct.get().to::<u32>() + correct;
            evaluation.next_slot.set(U32::from(next_slot));
            evaluation.correct.set(U32::from(total));
            if next_slot == samples {
                evaluation.status.set(U8::from(STATUS_FINALIZED));
            }
            total
        };
        log(
            self.vm(),
            SamplesSubmitted {
                evaluation_id,
                first_slot,
                count: count as u32,
                correct,
            },
        );
        if next_slot == samples {
            let accuracy_bps = accuracy_bps(total_correct, samples);
            let rank = self.rank(task_id, evaluation_id, accuracy_bps);
            log(
                self.vm(),
                EvaluationFinalized {
                    evaluation_id,
                    task_id,
                    version_id,
                    correct: total_correct,
                    samples,
                    accuracy_bps,
                    rank,
                },
            );
        }
        Ok(correct)
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
        ))
    }

    /// An evaluation's state (see [`EvaluationInfo`]).
    ///
    /// # Errors
    /// * [`Error::UnknownEvaluation`] - no such evaluation.
    pub fn evaluation(&self, evaluation_id: u64) -> Result<EvaluationInfo, Error> {
        let e = self.evaluation_ref(evaluation_id)?;
        Ok((
            e.task_id.get().to(),
            e.version_id.get().to(),
            e.participant.get(),
            e.status.get().to(),
            e.commit_block.get().to(),
            e.seed.get(),
            e.next_slot.get().to(),
            e.correct.get().to(),
        ))
    }

    /// A task's leaderboard, best first (see [`Leaderboard`]).
    ///
    /// # Errors
    /// * [`Error::UnknownTask`] - no such task.
    pub fn leaderboard(&self, task_id: u64) -> Result<Leaderboard, Error> {
        let task = self.task_ref(task_id)?;
        let samples = task.samples.get().to::<u32>();
        let mut board: Leaderboard = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..task.leaderboard.len() {
            let evaluation_id = task.leaderboard.get(i).unwrap_or_default().to::<u64>();
            let e = self.evaluation_ref(evaluation_id)?;
            board.0.push(evaluation_id);
            board.1.push(e.version_id.get().to());
            board.2.push(accuracy_bps(e.correct.get().to(), samples));
        }
        Ok(board)
    }

    /// The evaluation of a model (by verifying-key digest) on a task, 0 if none.
    pub fn evaluation_of(&self, task_id: u64, vk_digest: B256) -> u64 {
        self.evaluated
            .get(evaluated_key(self, task_id, vk_digest))
            .to()
    }

    /// Number of tasks (ids run from 1 to this).
    pub fn task_count(&self) -> u64 {
        self.tasks.len() as u64
    }

    /// Number of evaluations (ids run from 1 to this).
    pub fn evaluation_count(&self) -> u64 {
        self.evaluations.len() as u64
    }

    /// The ModelRegistry, VerifierRouter and DatasetVerifier the controller trusts.
    pub fn contracts(&self) -> (Address, Address, Address) {
        (
            self.registry.get(),
            self.router.get(),
            self.dataset_verifier.get(),
        )
    }

    /// Points the controller at other contracts. Owner only.
    ///
    /// # Errors
    /// * [`Error::UnauthorizedAccount`] - the caller is not the owner.
    ///
    /// # Events
    /// * [`ContractsUpdated`].
    pub fn set_contracts(
        &mut self,
        registry: Address,
        router: Address,
        dataset_verifier: Address,
    ) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        self.set_addresses(registry, router, dataset_verifier);
        Ok(())
    }

    /// Stops task creation, evaluations and submissions. Owner only.
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

    /// Resumes the controller. Owner only.
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
}

/// Storage index of a 1-based id (`usize::MAX`, never present, for 0).
fn index(id: u64) -> usize {
    (id as usize).wrapping_sub(1)
}

/// Accuracy in basis points.
fn accuracy_bps(correct: u32, samples: u32) -> u32 {
    (correct as u64 * 10_000 / samples as u64) as u32
}

/// `keccak256(task_id, vk_digest)`, the one-evaluation-per-model key.
fn evaluated_key(controller: &TaskController, task_id: u64, vk_digest: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[24..32].copy_from_slice(&task_id.to_be_bytes());
    buf[32..].copy_from_slice(&vk_digest.0);
    controller.vm().native_keccak256(&buf)
}

/// Candidate dataset index of a slot: `keccak256(seed, slot, attempt) mod size`.
fn candidate_index(
    controller: &TaskController,
    seed: U256,
    slot: u32,
    attempt: u32,
    size: u64,
) -> u64 {
    let mut buf = [0u8; 40];
    buf[..32].copy_from_slice(&seed.to_be_bytes::<32>());
    buf[32..36].copy_from_slice(&slot.to_be_bytes());
    buf[36..].copy_from_slice(&attempt.to_be_bytes());
    let hash = controller.vm().native_keccak256(&buf).0;
    // Big-endian 256-bit value mod a 64-bit size, limb by limb.
    hash.chunks_exact(8).fold(0u64, |rem, limb| {
        let limb = u64::from_be_bytes(limb.try_into().unwrap_or_default());
        ((((rem as u128) << 64) | limb as u128) % size as u128) as u64
    })
}

/// Word `i` of ABI-encoded return data, or zero when it is shorter.
fn word(data: &[u8], i: usize) -> U256 {
    data.get(32 * i..32 * i + 32)
        .map(U256::from_be_slice)
        .unwrap_or_default()
}

impl TaskController {
    fn set_addresses(&mut self, registry: Address, router: Address, dataset_verifier: Address) {
        self.registry.set(registry);
        self.router.set(router);
        self.dataset_verifier.set(dataset_verifier);
        log(
            self.vm(),
            ContractsUpdated {
                registry,
                router,
                dataset_verifier,
            },
        );
    }

    fn task_ref(&self, task_id: u64) -> Result<stylus_sdk::storage::StorageGuard<'_, Task>, Error> {
        self.tasks
            .get(index(task_id))
            .ok_or(Error::UnknownTask(UnknownTask { task_id }))
    }

    fn evaluation_ref(
        &self,
        evaluation_id: u64,
    ) -> Result<stylus_sdk::storage::StorageGuard<'_, Evaluation>, Error> {
        self.evaluations
            .get(index(evaluation_id))
            .ok_or(Error::UnknownEvaluation(UnknownEvaluation {
                evaluation_id,
            }))
    }

    fn evaluation_mut(
        &mut self,
        evaluation_id: u64,
    ) -> Result<stylus_sdk::storage::StorageGuardMut<'_, Evaluation>, Error> {
        self.evaluations
            .setter(index(evaluation_id))
            .ok_or(Error::UnknownEvaluation(UnknownEvaluation {
                evaluation_id,
            }))
    }

    /// Task id and commit block of an evaluation waiting for its seed.
    fn committed(&self, evaluation_id: u64) -> Result<(u64, u64), Error> {
        let evaluation = self.evaluation_ref(evaluation_id)?;
        let status = evaluation.status.get().to::<u8>();
        if status != STATUS_COMMITTED {
            return Err(Error::WrongEvaluationStatus(WrongEvaluationStatus {
                evaluation_id,
                status,
            }));
        }
        Ok((
            evaluation.task_id.get().to(),
            evaluation.commit_block.get().to(),
        ))
    }

    fn set_seed(&mut self, evaluation_id: u64, entropy: [u8; 32]) -> Result<(), Error> {
        let mut buf = [0u8; 40];
        buf[..32].copy_from_slice(&entropy);
        buf[32..].copy_from_slice(&evaluation_id.to_be_bytes());
        let seed = U256::from_be_bytes(self.vm().native_keccak256(&buf).0);
        let mut evaluation = self.evaluation_mut(evaluation_id)?;
        evaluation.seed.set(seed);
        evaluation.status.set(U8::from(STATUS_DRAWN));
        log(
            self.vm(),
            SamplesDrawn {
                evaluation_id,
                seed,
            },
        );
        Ok(())
    }

    /// Submitter, VK digest and route of a registered, unrevoked version.
    fn live_version(&mut self, version_id: u64) -> Result<(Address, B256, u64), Error> {
        // ModelRegistry.version(uint64): eight static words, decoded in place.
        let mut calldata = REGISTRY_VERSION.to_vec();
        calldata.extend_from_slice(&U256::from(version_id).to_be_bytes::<32>());
        let out = unsafe { RawCall::new_static().call(self.registry.get(), &calldata) }
            .ok()
            .filter(|out| out.len() >= 256)
            .ok_or(Error::VersionUnavailable(VersionUnavailable { version_id }))?;
        if !word(&out, 7).is_zero() {
            return Err(Error::VersionIsRevoked(VersionIsRevoked { version_id }));
        }
        Ok((
            Address::from_word(word(&out, 2).into()),
            word(&out, 4).into(),
            word(&out, 5).saturating_to(),
        ))
    }

    /// ArbSys call without arguments or with one word, returning its first word.
    fn arb_sys(&self, selector: [u8; 4], argument: Option<u64>) -> U256 {
        let mut calldata = selector.to_vec();
        if let Some(arg) = argument {
            calldata.extend_from_slice(&U256::from(arg).to_be_bytes::<32>());
        }
        unsafe { RawCall::new_static().call(ARB_SYS, &calldata) }
            .map(|out| word(&out, 0))
            .unwrap_or_default()
    }

    /// Current L2 block number (ArbSys `arbBlockNumber()`).
    fn arb_block_number(&self) -> u64 {
        self.arb_sys(ARB_BLOCK_NUMBER, None).saturating_to()
    }

    /// Asks the DatasetVerifier whether the rows (features from the proof's
    /// inputs, labels) sit at the drawn indices of the task's tree.
    #[allow(clippy::too_many_arguments)]
    fn check_rows(
        &self,
        root: B256,
        size: u64,
        features: usize,
        indices: Vec<u64>,
        labels: Vec<u32>,
        instances: &[U256],
        proofs: Vec<B256>,
    ) -> Result<(), Error> {
        let calldata = verifyRowsCall {
            root,
            dataset_size: size,
            feature_count: features as u32,
            features: instances[..indices.len() * features].to_vec(),
            indices,
            labels,
            proofs,
        }
        .abi_encode();
        let status = unsafe { RawCall::new_static().call(self.dataset_verifier.get(), &calldata) }
            .map(|out| word(&out, 0))
            .unwrap_or(U256::MAX);
        let [detail, code, ..] = *status.as_limbs();
        match code {
            0 => Ok(()),
            1 => Err(Error::InstanceNotAFieldElement(InstanceNotAFieldElement {
                position: detail as u32,
            })),
            _ => Err(Error::InvalidMerkleProof(InvalidMerkleProof {
                dataset_index: detail,
            })),
        }
    }

    /// Draws the dataset index of a slot and marks it used.
    fn take_index(
        &mut self,
        evaluation_id: u64,
        seed: U256,
        slot: u32,
        size: u64,
    ) -> Result<u64, Error> {
        let mut attempt = 0u32;
        loop {
            let candidate = candidate_index(self, seed, slot, attempt, size);
            let mut evaluation = self.evaluation_mut(evaluation_id)?;
            let word_index = U64::from(candidate / 256);
            let word = evaluation.drawn.get(word_index);
            let bit = (candidate % 256) as usize;
            if !word.bit(bit) {
                let mut updated = word;
                updated.set_bit(bit, true);
                evaluation.drawn.setter(word_index).set(updated);
                return Ok(candidate);
            }
            attempt += 1;
        }
    }

    /// Inserts a finalized evaluation into its task's leaderboard and returns
    /// its rank from 1 (0 if it does not make the top [`LEADERBOARD_SIZE`]).
    fn rank(&mut self, task_id: u64, evaluation_id: u64, accuracy: u32) -> u32 {
        let samples = match self.task_ref(task_id) {
            Ok(task) => task.samples.get().to::<u32>(),
            Err(_) => return 0,
        };
        let board: Vec<u64> = {
            let task = self.tasks.get(index(task_id)).expect("checked above");
            (0..task.leaderboard.len())
                .map(|i| task.leaderboard.get(i).unwrap_or_default().to())
                .collect()
        };
        // Ties keep the earlier evaluation ahead.
        let position = board
            .iter()
            .position(|&other| {
                let correct = self
                    .evaluations
                    .get(index(other))
                    .map(|e| e.correct.get().to::<u32>())
                    .unwrap_or_default();
                accuracy_bps(correct, samples) < accuracy
            })
            .unwrap_or(board.len());
        if position >= LEADERBOARD_SIZE {
            return 0;
        }
        let mut updated = board;
        updated.insert(position, evaluation_id);
        updated.truncate(LEADERBOARD_SIZE);
        let mut task = self.tasks.setter(index(task_id)).expect("checked above");
        for (i, id) in updated.iter().enumerate() {
            if i < task.leaderboard.len() {
                task.leaderboard
                    .setter(i)
                    .expect("in range")
                    .set(U64::from(*id));
            } else {
                task.leaderboard.push(U64::from(*id));
            }
        }
        position as u32 + 1
    }
}

#[cfg(test)]
mod tests;
