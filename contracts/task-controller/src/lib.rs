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
//!    identified by its weight commitment, is evaluated at most once per task;
//! 2. the seed is fixed only afterwards, so it cannot be ground: by default from
//!    the hash of the L2 block `draw_delay` blocks after the commitment (ArbSys),
//!    drawable by anyone within 256 blocks (otherwise the evaluation expires);
//!    or from a randomness provider (e.g. a VRF adapter) that calls back
//!    `fulfill_randomness`;
//! 3. the participant submits the drawn samples in order, one or several per
//!    EZKL proof: for each, the label and the Merkle path of the leaf recomputed
//!    from the proof's public inputs (so the inputs are the dataset's features by
//!    construction); the proof's parameter-hash instance must be the
//!    version's weight commitment (so the proved model is the registered one);
//!    the router verifies the proof against the key of the version's
//!    architecture route; the argmax of the public outputs is compared with
//!    the label;
//! 4. after the last sample the accuracy is final and the evaluation is filed
//!    in the task's leaderboard, kept by the Leaderboard program (a program of
//!    its own so that this one stays under Stylus' 24 KB code limit).
//!
//! Failures of the contracts it calls keep their meaning: a router revert
//! (e.g. `RouteNotApproved`, `UntrustedSrs`) is returned as it is, and reads
//! that cannot be made fail closed (the suite counts as paused when the
//! registry does not answer `submissionContext`; a beacon without a hash cannot seed).
//!
//! Sample indices are drawn without replacement: slot `k` takes the first
//! `keccak256(seed, k, attempt) mod size` not used before (a bitmap).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, B256, U256, U32, U64, U8};
use alloy_sol_types::SolCall;
use openzeppelin_stylus::utils::pausable::EnforcedPause;
use stylus_sdk::{
    abi::Bytes,
    call::RawCall,
    prelude::*,
    storage::{
        StorageAddress, StorageMap, StorageU256, StorageU32, StorageU64, StorageU8, StorageVec,
    },
};
use zkmltrack_common::{felt, id_index, protocol::registry::version, word};

pub use sol::*;
pub use zkmltrack_common::protocol::evaluation::{
    EvaluationStatus, BLOCK_HASH_WINDOW, PROVIDER_TIMEOUT_BLOCKS,
};
use zkmltrack_common::protocol::{
    evaluation,
    registry::{self, task},
    system::{self, ARB_BLOCK_HASH, ARB_BLOCK_NUMBER},
};

/// ArbSys precompile (L2 block number and hashes).
pub const ARB_SYS: Address = Address::new(system::ARB_SYS);

/// Evaluation status code: committed, waiting for its seed.
pub const STATUS_COMMITTED: u8 = EvaluationStatus::Committed.code();
/// Evaluation status code: seed drawn, samples being submitted.
pub const STATUS_DRAWN: u8 = EvaluationStatus::Drawn.code();
/// Evaluation status code: all samples scored, accuracy final.
pub const STATUS_FINALIZED: u8 = EvaluationStatus::Finalized.code();
/// Evaluation status code: expired (see [`EvaluationStatus::Expired`]).
pub const STATUS_EXPIRED: u8 = EvaluationStatus::Expired.code();

mod sol {
    use alloy_sol_types::sol;

    sol! {
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

        /// Emitted when an evaluation expires before its draw: the beacon block
        /// left the hash window, or the randomness provider timed out.
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
    }

    sol! {
        /// VerifierRouter: verifies an EZKL proof through a route.
        function verify(uint64 route_id, bytes32 vk_digest, bytes proof, uint256[] instances, bytes32[] vka) returns (bool);
        /// Randomness provider (e.g. a VRF adapter): must later call
        /// `fulfillRandomness(evaluationId, randomness)` on the controller.
        function requestRandomness(uint64 evaluation_id);
        /// DatasetVerifier: checks rows against a dataset root (status word).
        function verifyRows(bytes32 root, uint64 dataset_size, uint32 feature_count, uint64[] indices, uint32[] labels, uint256[] features, bytes32[] proofs) returns (uint256);
        /// HiddenSet (a hidden task's randomness provider): checks rows against
        /// the task owner's reveal (status word, as `verifyRows`).
        function checkRevealed(uint64 evaluation_id, uint32 first_slot, uint32[] labels, uint256[] features) returns (uint256);
        /// Leaderboard: files a finalized evaluation in the caller's board, returns its rank.
        function record(uint64 task_id, uint64 evaluation_id, uint64 version_id, uint32 accuracy_bps) returns (uint32);
        /// BondVault: holds the opening's bond (the value sent, which must be the task's bond).
        function hold(uint64 task_id, uint64 evaluation_id, address participant);
    }

    sol! {
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

        /// Only one account may take this step: the version's submitter opens
        /// and submits, the task's randomness provider fulfils (zero when the
        /// task draws from the block beacon instead).
        ///
        /// * `account` - Caller.
        /// * `expected` - The account allowed to take the step.
        #[derive(Debug)]
        error NotAuthorized(address account, address expected);

        /// This model (weight commitment) was already evaluated on this task.
        ///
        /// * `task_id` - The task.
        /// * `weight_hash` - The model's weight commitment.
        /// * `evaluation_id` - Its evaluation.
        #[derive(Debug)]
        error AlreadyEvaluated(uint64 task_id, bytes32 weight_hash, uint64 evaluation_id);

        /// The evaluation is not in the status this call needs.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `status` - Its status (1 committed, 2 drawn, 3 finalized, 4 expired).
        #[derive(Debug)]
        error WrongEvaluationStatus(uint64 evaluation_id, uint8 status);

        /// The beacon block is not mined yet (or ArbSys served no hash for it).
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `beacon_block` - Block whose hash seeds the draw; draw after it.
        #[derive(Debug)]
        error DrawTooEarly(uint64 evaluation_id, uint64 beacon_block);

        /// The randomness provider refused the request.
        ///
        /// * `provider` - The provider.
        #[derive(Debug)]
        error RandomnessRequestFailed(address provider);

        /// The submission holds no samples or more than remain.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `remaining` - Samples still expected.
        #[derive(Debug)]
        error BadSampleCount(uint64 evaluation_id, uint32 remaining);

        /// The proof's public instances do not hold `count * (features + classes) + 1`
        /// values (inputs, the weight hash, outputs).
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

        /// The Merkle paths hold more hashes than the submitted rows' paths use.
        ///
        /// * `hashes` - Hashes given.
        #[derive(Debug)]
        error MalformedMerkleProofs(uint32 hashes);

        /// The router could not verify and gave no reason (its typed errors,
        /// e.g. `RouteNotApproved`, are returned as they are).
        ///
        /// * `route_id` - The version's route.
        #[derive(Debug)]
        error VerificationUnavailable(uint64 route_id);

        /// The verifier rejected the proof.
        ///
        /// * `evaluation_id` - The evaluation.
        #[derive(Debug)]
        error ProofRejected(uint64 evaluation_id);

        /// The proof's parameter-hash instance is not the version's weight
        /// commitment: it proves other weights.
        ///
        /// * `version_id` - The version evaluated.
        /// * `expected` - Its weight commitment.
        /// * `actual` - The hash the proof carries.
        #[derive(Debug)]
        error WeightHashMismatch(uint64 version_id, bytes32 expected, bytes32 actual);
    }
}

/// Every way a controller call can fail.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// See [`UnknownTask`].
    UnknownTask(UnknownTask),
    /// See [`TaskIsClosed`].
    TaskIsClosed(TaskIsClosed),
    /// See [`UnknownEvaluation`].
    UnknownEvaluation(UnknownEvaluation),
    /// See [`VersionUnavailable`].
    VersionUnavailable(VersionUnavailable),
    /// See [`VersionIsRevoked`].
    VersionIsRevoked(VersionIsRevoked),
    /// See [`NotAuthorized`].
    NotAuthorized(NotAuthorized),
    /// See [`AlreadyEvaluated`].
    AlreadyEvaluated(AlreadyEvaluated),
    /// See [`WrongEvaluationStatus`].
    WrongEvaluationStatus(WrongEvaluationStatus),
    /// See [`DrawTooEarly`].
    DrawTooEarly(DrawTooEarly),
    /// See [`RandomnessRequestFailed`].
    RandomnessRequestFailed(RandomnessRequestFailed),
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
    /// See [`MalformedMerkleProofs`].
    MalformedMerkleProofs(MalformedMerkleProofs),
    /// See [`VerificationUnavailable`].
    VerificationUnavailable(VerificationUnavailable),
    /// See [`ProofRejected`].
    ProofRejected(ProofRejected),
    /// See [`WeightHashMismatch`].
    WeightHashMismatch(WeightHashMismatch),
    /// The suite is paused: the ModelRegistry's owner paused it (OpenZeppelin
    /// `Pausable`'s error), or the registry did not answer (`submissionContext`).
    EnforcedPause(EnforcedPause),
}

/// The task parameters the controller uses (ModelRegistry `task(id)`).
struct TaskParams {
    /// Poseidon Merkle root of the dataset.
    root: B256,
    /// Number of rows.
    size: u64,
    /// Features per row.
    features: usize,
    /// Number of classes.
    classes: usize,
    /// Samples per evaluation.
    samples: u32,
    /// Blocks between commitment and beacon block.
    draw_delay: u64,
    /// Randomness provider, zero for the beacon.
    randomness: Address,
    /// Closed to new evaluations.
    closed: bool,
    /// Hidden: its randomness provider (a HiddenSet) keeps the revealed rows.
    hidden: bool,
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
    /// Final accuracy in basis points (set when finalized).
    accuracy_bps: StorageU32,
    /// Dataset indices drawn so far, as a bitmap of 256-bit words.
    drawn: StorageMap<U64, StorageU256>,
}

/// State of the TaskController.
#[entrypoint]
#[storage]
pub struct TaskController {
    /// ModelRegistry holding the versions.
    registry: StorageAddress,
    /// VerifierRouter verifying the proofs.
    router: StorageAddress,
    /// DatasetVerifier checking rows against dataset roots.
    dataset_verifier: StorageAddress,
    /// Leaderboard keeping this controller's boards.
    leaderboard: StorageAddress,
    /// BondVault holding the bonds tasks require with each opening.
    bond_vault: StorageAddress,
    /// Evaluations; id `n` is at index `n - 1`.
    evaluations: StorageVec<Evaluation>,
    /// Evaluation id per `keccak256(task_id, weight_hash)`: one per model and task.
    evaluated: StorageMap<B256, StorageU64>,
}

/// What `evaluation(id)` returns: task id, version id, participant, status,
/// commit block, seed, samples scored, correct predictions.
pub type EvaluationInfo = (u64, u64, Address, u8, u64, U256, u32, u32);

#[public]
impl TaskController {
    /// Fixes the registry, router, dataset verifier, leaderboard and bond
    /// vault the controller trusts, for its lifetime (read them with
    /// `contracts()`).
    #[constructor]
    pub fn constructor(
        &mut self,
        registry: Address,
        router: Address,
        dataset_verifier: Address,
        leaderboard: Address,
        bond_vault: Address,
    ) {
        self.registry.set(registry);
        self.router.set(router);
        self.dataset_verifier.set(dataset_verifier);
        self.leaderboard.set(leaderboard);
        self.bond_vault.set(bond_vault);
    }

    /// Opens an evaluation of a model version on a task (the commitment) and
    /// returns its id. Only the version's submitter may; each model (weight
    /// commitment) is evaluated at most once per task. The value sent is the
    /// task's bond, deposited in the BondVault (zero when the task requires
    /// none).
    ///
    /// # Errors
    /// * [`Error::UnknownTask`], [`Error::TaskIsClosed`] - no open task.
    /// * [`Error::VersionUnavailable`] - the registry does not know the version.
    /// * [`Error::VersionIsRevoked`] - the version was revoked.
    /// * [`Error::NotAuthorized`] - the caller did not submit the version.
    /// * [`Error::AlreadyEvaluated`] - the model was evaluated on the task before.
    /// * [`Error::RandomnessRequestFailed`] - the task's provider refused.
    /// * [`Error::EnforcedPause`] - the suite is paused (ModelRegistry `submissionContext`).
    /// * the BondVault's errors, returned as it reverted (e.g. `BondMismatch`:
    ///   not the task's bond).
    ///
    /// # Events
    /// * [`EvaluationOpened`]; the BondVault's `BondHeld` for a bond.
    #[payable]
    pub fn open_evaluation(&mut self, task_id: u64, version_id: u64) -> Result<u64, Vec<u8>> {
        let (task, words) = self.context(task_id, version_id)?;
        if task.closed {
            return Err(Error::TaskIsClosed(TaskIsClosed { task_id }).into());
        }
        let LiveVersion {
            submitter,
            weight_hash,
            ..
        } = live(&words, registry::context::VERSION, version_id)?;
        let sender = self.vm().msg_sender();
        if sender != submitter {
            return Err(Error::NotAuthorized(NotAuthorized {
                account: sender,
                expected: submitter,
            })
            .into());
        }
        let key = evaluated_key(self, task_id, weight_hash);
        let previous = self.evaluated.get(key).to::<u64>();
        if previous != 0 {
            return Err(Error::AlreadyEvaluated(AlreadyEvaluated {
                task_id,
                weight_hash,
                evaluation_id: previous,
            })
            .into());
        }
        let commit_block = self.arb_block_number();
        let mut evaluation = self.evaluations.grow();
        evaluation.task_id.set(U64::from(task_id));
        evaluation.version_id.set(U64::from(version_id));
        evaluation.participant.set(sender);
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
        let calldata = holdCall {
            task_id,
            evaluation_id,
            participant: sender,
        }
        .abi_encode();
        unsafe {
            RawCall::new_with_value(self.vm().msg_value()).call(self.bond_vault.get(), &calldata)
        }?;
        let provider = task.randomness;
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
    /// For a provider-drawn evaluation still waiting after
    /// [`PROVIDER_TIMEOUT_BLOCKS`], anyone's call expires it and frees the
    /// model's lock on the task, so the participant can open a new one.
    ///
    /// # Errors
    /// * [`Error::UnknownEvaluation`] - no such evaluation.
    /// * [`Error::WrongEvaluationStatus`] - not waiting for its seed.
    /// * [`Error::NotAuthorized`] - the task draws from a provider (`expected`)
    ///   whose time is not up.
    /// * [`Error::DrawTooEarly`] - the beacon block is not mined yet, or
    ///   ArbSys served no hash for it.
    /// * [`Error::VersionUnavailable`] - expiring, the registry did not answer.
    ///
    /// # Events
    /// * [`SamplesDrawn`] or [`EvaluationExpired`].
    pub fn draw(&mut self, evaluation_id: u64) -> Result<(), Error> {
        let (task_id, commit_block) = self.committed(evaluation_id)?;
        let task = self.task_params(task_id)?;
        let now = self.arb_block_number();
        if !task.randomness.is_zero() {
            if now <= commit_block + PROVIDER_TIMEOUT_BLOCKS {
                return Err(Error::NotAuthorized(NotAuthorized {
                    account: self.vm().msg_sender(),
                    expected: task.randomness,
                }));
            }
            let version_id = self.evaluation_ref(evaluation_id)?.version_id.get().to();
            let out = self.registry_words(task_id, version_id);
            let at = registry::context::VERSION;
            if word(&out, at + version::SUBMITTER).is_zero() {
                return Err(Error::VersionUnavailable(VersionUnavailable { version_id }));
            }
            let weight_hash = word(&out, at + version::WEIGHT_HASH).into();
            self.evaluated
                .setter(evaluated_key(self, task_id, weight_hash))
                .set(U64::ZERO);
            return self.expire(evaluation_id);
        }
        let beacon_block = commit_block + task.draw_delay;
        let too_early = Error::DrawTooEarly(DrawTooEarly {
            evaluation_id,
            beacon_block,
        });
        if now <= beacon_block {
            return Err(too_early);
        }
        if now - beacon_block > BLOCK_HASH_WINDOW {
            return self.expire(evaluation_id);
        }
        // Fails closed: no hash, no seed (never the predictable keccak(0, id)).
        match self.arb_sys(ARB_BLOCK_HASH, Some(beacon_block)) {
            Some(hash) if !hash.is_zero() => self.set_seed(evaluation_id, hash.to_be_bytes()),
            _ => Err(too_early),
        }
    }

    /// Fixes the seed of a provider-drawn evaluation. Only the task's provider.
    ///
    /// # Errors
    /// * [`Error::UnknownEvaluation`] - no such evaluation.
    /// * [`Error::WrongEvaluationStatus`] - not waiting for its seed.
    /// * [`Error::NotAuthorized`] - the caller is not the task's provider.
    ///
    /// # Events
    /// * [`SamplesDrawn`].
    pub fn fulfill_randomness(
        &mut self,
        evaluation_id: u64,
        randomness: U256,
    ) -> Result<(), Error> {
        let (task_id, _) = self.committed(evaluation_id)?;
        let provider = self.task_params(task_id)?.randomness;
        let sender = self.vm().msg_sender();
        if provider.is_zero() || sender != provider {
            return Err(Error::NotAuthorized(NotAuthorized {
                account: sender,
                expected: provider,
            }));
        }
        self.set_seed(evaluation_id, randomness.to_be_bytes())
    }

    /// Scores the next drawn samples of an evaluation with one EZKL proof.
    ///
    /// `labels` holds one label per sample (the submission covers
    /// `labels.len()` consecutive slots); `merkle_proofs` one Merkle
    /// multi-proof of the samples' rows (`zkmltrack_protocol::merkle`);
    /// `instances` the proof's public instances: the weight hash, all samples'
    /// features (each row is the leaf's quantized features), then all
    /// samples' model outputs; `vka` the VKA for calldata-VKA routes, else empty.
    /// Returns the number of correct predictions in the submission.
    ///
    /// # Errors
    /// * [`Error::UnknownEvaluation`], [`Error::WrongEvaluationStatus`] - not drawn.
    /// * [`Error::NotAuthorized`] - the caller is not the participant.
    /// * [`Error::BadSampleCount`] - no samples, or more than remain.
    /// * [`Error::InstanceCountMismatch`] - wrong number of instances.
    /// * [`Error::InstanceNotAFieldElement`] - an instance is not below the modulus.
    /// * [`Error::InvalidLabel`] - a label is not below the class count.
    /// * [`Error::InvalidMerkleProof`] - a path does not lead to the root.
    /// * [`Error::MalformedMerkleProofs`] - hashes left over after the multi-proof.
    /// * [`Error::VersionIsRevoked`] - the version was revoked meanwhile.
    /// * the VerifierRouter's own errors (e.g. `RouteNotApproved`,
    ///   `UntrustedSrs`, `VerifierNotAllowed`), returned as it reverted;
    ///   [`Error::VerificationUnavailable`] if it reverted without data.
    /// * [`Error::ProofRejected`] - the verifier rejected the proof.
    /// * [`Error::EnforcedPause`] - the suite is paused (ModelRegistry `submissionContext`).
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
    ) -> Result<u32, Vec<u8>> {
        let sender = self.vm().msg_sender();
        let (task_id, version_id, seed, first_slot) = {
            let evaluation = self.evaluation_ref(evaluation_id)?;
            let status = evaluation.status.get().to::<u8>();
            if status != STATUS_DRAWN {
                return Err(Error::WrongEvaluationStatus(WrongEvaluationStatus {
                    evaluation_id,
                    status,
                })
                .into());
            }
            let participant = evaluation.participant.get();
            if sender != participant {
                return Err(Error::NotAuthorized(NotAuthorized {
                    account: sender,
                    expected: participant,
                })
                .into());
            }
            (
                evaluation.task_id.get().to::<u64>(),
                evaluation.version_id.get().to::<u64>(),
                evaluation.seed.get(),
                evaluation.next_slot.get().to::<u32>(),
            )
        };
        let (
            TaskParams {
                root,
                size,
                features,
                classes,
                samples,
                randomness,
                hidden,
                ..
            },
            words,
        ) = self.context(task_id, version_id)?;
        let count = labels.len();
        let remaining = samples - first_slot;
        if count == 0 || count > remaining as usize {
            return Err(Error::BadSampleCount(BadSampleCount {
                evaluation_id,
                remaining,
            })
            .into());
        }
        let layout = InstanceLayout {
            samples: count,
            features,
            classes,
        };
        let expected = layout.count().unwrap_or(usize::MAX);
        if instances.len() != expected {
            return Err(Error::InstanceCountMismatch(InstanceCountMismatch {
                expected: expected as u32,
                actual: instances.len() as u32,
            })
            .into());
        }
        let LiveVersion {
            weight_hash,
            vk_digest,
            route_id,
            ..
        } = live(&words, registry::context::VERSION, version_id)?;
        let proved = B256::from(instances[layout.weight_hash()]);
        if proved != weight_hash {
            return Err(Error::WeightHashMismatch(WeightHashMismatch {
                version_id,
                expected: weight_hash,
                actual: proved,
            })
            .into());
        }

        let mut indices = Vec::with_capacity(count);
        let mut correct = 0u32;
        for (j, &label) in labels.iter().enumerate() {
            if label as usize >= classes {
                return Err(Error::InvalidLabel(InvalidLabel { label }).into());
            }
            if !hidden {
                indices.push(self.take_index(evaluation_id, seed, first_slot + j as u32, size)?);
            }
            let outputs_at = layout.sample_outputs(j);
            let outputs = &instances[outputs_at.clone()];
            // Defence in depth: a non-canonical output would win argmax; EZKL's
            // verifiers refuse it too, an owner-added plain verifier might not.
            if let Some(k) = outputs.iter().position(|x| *x >= felt::MODULUS) {
                return Err(Error::InstanceNotAFieldElement(InstanceNotAFieldElement {
                    position: (outputs_at.start + k) as u32,
                })
                .into());
            }
            if felt::argmax(outputs) == Some(label as usize) {
                correct += 1;
            }
        }
        // A hidden task's rows were drawn and checked against the root when
        // its owner revealed them to its HiddenSet: a submission must carry
        // exactly those rows, and no Merkle hashes (any make the call to the
        // DatasetVerifier malformed, as it has no rows).
        let inputs = instances[layout.inputs()].to_vec();
        let hashes = merkle_proofs.len() as u32;
        let hidden = hidden && hashes == 0;
        self.check_rows(
            if hidden {
                randomness
            } else {
                self.dataset_verifier.get()
            },
            hashes,
            if hidden {
                checkRevealedCall {
                    evaluation_id,
                    first_slot,
                    labels,
                    features: inputs,
                }
                .abi_encode()
            } else {
                verifyRowsCall {
                    root,
                    dataset_size: size,
                    feature_count: features as u32,
                    features: inputs,
                    indices,
                    labels,
                    proofs: merkle_proofs,
                }
                .abi_encode()
            },
        )?;

        let calldata = verifyCall {
            route_id,
            vk_digest,
            proof: proof.0.into(),
            instances,
            vka,
        }
        .abi_encode();
        // The router's typed errors are returned as they are; only a revert
        // without data becomes VerificationUnavailable.
        let verdict = unsafe { RawCall::new_static().call(self.router.get(), &calldata) }
            .map_err(|reason| bubble(reason, route_id))?;
        if word(&verdict, 0) != U256::from(1u8) {
            return Err(Error::ProofRejected(ProofRejected { evaluation_id }).into());
        }

        let next_slot = first_slot + count as u32;
        let total_correct = {
            let mut evaluation = self.evaluation_mut(evaluation_id)?;
            let total = evaluation.correct.get().to::<u32>() + correct;
            evaluation.next_slot.set(U32::from(next_slot));
            evaluation.correct.set(U32::from(total));
            if next_slot == samples {
                evaluation.status.set(U8::from(STATUS_FINALIZED));
                evaluation
                    .accuracy_bps
                    .set(U32::from(accuracy_bps(total, samples)));
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
            let calldata = recordCall {
                task_id,
                evaluation_id,
                version_id,
                accuracy_bps,
            }
            .abi_encode();
            let rank = unsafe { RawCall::new().call(self.leaderboard.get(), &calldata) }
                .map(|out| word(&out, 0).saturating_to())?;
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

    /// The evaluation of a model (by weight commitment) on a task, 0 if none.
    pub fn evaluation_of(&self, task_id: u64, weight_hash: B256) -> u64 {
        self.evaluated
            .get(evaluated_key(self, task_id, weight_hash))
            .to()
    }

    /// Number of evaluations (ids run from 1 to this).
    pub fn evaluation_count(&self) -> u64 {
        self.evaluations.len() as u64
    }

    /// The ModelRegistry, VerifierRouter, DatasetVerifier, Leaderboard and
    /// BondVault the controller trusts.
    pub fn contracts(&self) -> (Address, Address, Address, Address, Address) {
        (
            self.registry.get(),
            self.router.get(),
            self.dataset_verifier.get(),
            self.leaderboard.get(),
            self.bond_vault.get(),
        )
    }
}

use evaluation::{accuracy_bps, InstanceLayout};

/// A registered, unrevoked version as the controller reads it.
struct LiveVersion {
    /// Who registered it (the only account that evaluates it).
    submitter: Address,
    /// Its weight commitment.
    weight_hash: B256,
    /// Its architecture route's digest.
    vk_digest: B256,
    /// Its architecture route.
    route_id: u64,
}

/// `keccak256(task_id, weight_hash)`, the one-evaluation-per-model key.
fn evaluated_key(controller: &TaskController, task_id: u64, weight_hash: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[24..32].copy_from_slice(&task_id.to_be_bytes());
    buf[32..].copy_from_slice(&weight_hash.0);
    controller.vm().native_keccak256(&buf)
}

/// Candidate dataset index of a slot ([`evaluation::candidate_index`] with the
/// host's keccak).
fn candidate_index(
    controller: &TaskController,
    seed: U256,
    slot: u32,
    attempt: u32,
    size: u64,
) -> u64 {
    evaluation::candidate_index(
        |data| controller.vm().native_keccak256(data).0,
        seed.to_be_bytes(),
        slot,
        attempt,
        size,
    )
}

/// The router's revert data as it is, or [`VerificationUnavailable`] when it
/// gave none.
fn bubble(reason: Vec<u8>, route_id: u64) -> Vec<u8> {
    if reason.is_empty() {
        Error::VerificationUnavailable(VerificationUnavailable { route_id }).into()
    } else {
        reason
    }
}

impl TaskController {
    /// The suite's pause switch, a task and a live version in one call to the
    /// ModelRegistry (`submissionContext`, instead of `paused`, `task` and
    /// `version`; the version is decoded by [`live`] from the words returned):
    /// refused while the registry, the suite's governance anchor, is paused
    /// or does not answer (fails closed).
    fn context(&self, task_id: u64, version_id: u64) -> Result<(TaskParams, Vec<u8>), Error> {
        let out = self.registry_words(task_id, version_id);
        if out.is_empty() || !word(&out, registry::context::PAUSED).is_zero() {
            return Err(Error::EnforcedPause(EnforcedPause {}));
        }
        Ok((task_of(&out, registry::context::TASK, task_id)?, out))
    }

    /// A task's parameters, read from the ModelRegistry.
    fn task_params(&self, task_id: u64) -> Result<TaskParams, Error> {
        task_of(
            &self.registry_words(task_id, 0),
            registry::context::TASK,
            task_id,
        )
    }

    /// The registry's `submissionContext(task_id, version_id)` answer, its
    /// only read of the registry: static words, decoded in place (empty when
    /// the call fails, which reads as an unknown task and version, so
    /// callers refuse: fails closed).
    fn registry_words(&self, task_id: u64, version_id: u64) -> Vec<u8> {
        let calldata = registry::context_calldata(task_id, version_id);
        unsafe { RawCall::new_static().call(self.registry.get(), &calldata) }.unwrap_or_default()
    }
}

/// A task's parameters from its words at word `at` (as `task(uint64)`
/// answers them); an unknown task's are missing or zero (no owner).
fn task_of(out: &[u8], at: usize, task_id: u64) -> Result<TaskParams, Error> {
    let w = |i: usize| word(out, at + i);
    if w(task::OWNER).is_zero() {
        return Err(Error::UnknownTask(UnknownTask { task_id }));
    }
    Ok(TaskParams {
        root: w(task::ROOT).into(),
        size: w(task::SIZE).saturating_to(),
        features: w(task::FEATURES).saturating_to(),
        classes: w(task::CLASSES).saturating_to(),
        samples: w(task::SAMPLES).saturating_to(),
        draw_delay: w(task::DRAW_DELAY).saturating_to(),
        randomness: Address::from_word(w(task::RANDOMNESS).into()),
        closed: !w(task::CLOSED).is_zero(),
        hidden: !w(task::HIDDEN).is_zero(),
    })
}

/// What the controller needs of a registered, unrevoked version, from its
/// words at word `at` (as `version(uint64)` answers them; an unknown
/// version's are zero).
fn live(out: &[u8], at: usize, version_id: u64) -> Result<LiveVersion, Error> {
    let w = |i: usize| word(out, at + i);
    let submitter = w(version::SUBMITTER);
    if submitter.is_zero() {
        return Err(Error::VersionUnavailable(VersionUnavailable { version_id }));
    }
    if !w(version::REVOKED).is_zero() {
        return Err(Error::VersionIsRevoked(VersionIsRevoked { version_id }));
    }
    Ok(LiveVersion {
        submitter: Address::from_word(submitter.into()),
        weight_hash: w(version::WEIGHT_HASH).into(),
        vk_digest: w(version::VK_DIGEST).into(),
        route_id: w(version::ROUTE).saturating_to(),
    })
}

impl TaskController {
    fn evaluation_ref(
        &self,
        evaluation_id: u64,
    ) -> Result<stylus_sdk::storage::StorageGuard<'_, Evaluation>, Error> {
        self.evaluations
            .get(id_index(evaluation_id))
            .ok_or(Error::UnknownEvaluation(UnknownEvaluation {
                evaluation_id,
            }))
    }

    fn evaluation_mut(
        &mut self,
        evaluation_id: u64,
    ) -> Result<stylus_sdk::storage::StorageGuardMut<'_, Evaluation>, Error> {
        self.evaluations
            .setter(id_index(evaluation_id))
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
        let preimage = evaluation::seed_preimage(entropy, evaluation_id);
        let seed = U256::from_be_bytes(self.vm().native_keccak256(&preimage).0);
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

    /// ArbSys call without arguments or with one word, returning its first
    /// word; `None` when the call fails or answers nothing.
    fn arb_sys(&self, selector: [u8; 4], argument: Option<u64>) -> Option<U256> {
        let mut calldata = selector.to_vec();
        if let Some(arg) = argument {
            calldata.extend_from_slice(&U256::from(arg).to_be_bytes::<32>());
        }
        unsafe { RawCall::new_static().call(ARB_SYS, &calldata) }
            .ok()
            .filter(|out| out.len() >= 32)
            .map(|out| word(&out, 0))
    }

    /// Current L2 block number (ArbSys `arbBlockNumber()`); 0 if ArbSys does
    /// not answer, which fails closed: an evaluation committed at block 0
    /// expires at its draw.
    fn arb_block_number(&self) -> u64 {
        self.arb_sys(ARB_BLOCK_NUMBER, None)
            .unwrap_or_default()
            .saturating_to()
    }

    /// Marks a committed evaluation expired.
    fn expire(&mut self, evaluation_id: u64) -> Result<(), Error> {
        self.evaluation_mut(evaluation_id)?
            .status
            .set(U8::from(STATUS_EXPIRED));
        log(self.vm(), EvaluationExpired { evaluation_id });
        Ok(())
    }

    /// Asks `checker` (the DatasetVerifier, or a hidden task's HiddenSet)
    /// whether the submitted rows are the drawn ones (`calldata`: its
    /// `verifyRows` or `checkRevealed` call; `hashes`: the Merkle hashes sent).
    fn check_rows(&self, checker: Address, hashes: u32, calldata: Vec<u8>) -> Result<(), Error> {
        let status = unsafe { RawCall::new_static().call(checker, &calldata) }
            .map(|out| word(&out, 0))
            .unwrap_or(U256::MAX);
        let [detail, code, ..] = *status.as_limbs();
        match code {
            0 => Ok(()),
            // The position among the instances: the inputs follow the hash.
            1 => Err(Error::InstanceNotAFieldElement(InstanceNotAFieldElement {
                position: (detail as usize + evaluation::WEIGHT_HASHES) as u32,
            })),
            3 => Err(Error::MalformedMerkleProofs(MalformedMerkleProofs {
                hashes,
            })),
            _ => Err(Error::InvalidMerkleProof(InvalidMerkleProof {
                dataset_index: detail,
            })),
        }
    }

    /// Draws the dataset index of a slot and marks it used: the loop of
    /// `zkmltrack_protocol::evaluation::draw_slot`, written out here because
    /// calling it (a read borrow, then a write borrow of the evaluation)
    /// grew the controller 59 bytes past Stylus' limit; the devnet tests'
    /// audits check that it draws what the SDK's `draw_slot` draws.
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
}

#[cfg(test)]
mod tests;
