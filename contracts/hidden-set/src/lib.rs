//! # HiddenSet
//!
//! The randomness provider of **hidden tasks** (`zkmltrack_protocol::hidden`):
//! a task flagged hidden in the ModelRegistry publishes only its Poseidon
//! root and names this program as its randomness provider. For each of its
//! evaluations:
//!
//! 1. anyone fixes the draw from the task's beacon block (`draw`), once it is
//!    mined and while its hash is readable; the evaluation's rows are then
//!    held on the task, which refuses the draw when fewer unused rows are
//!    left than an evaluation draws (`TaskExhausted`): a task holds
//!    `rows / samples` evaluations;
//! 2. the task owner reveals exactly the rows the draw picks (`reveal`, in
//!    slot order, one or more calls): they are checked against the root by
//!    the suite's DatasetVerifier at once, and marked used, so no evaluation
//!    of the task draws them again;
//! 3. the last reveal hands the entropy to the controller
//!    (`fulfillRandomness`), which only then lets the participant submit; the
//!    controller asks `checkRevealed` whether each submitted row is the
//!    revealed one (a keccak digest per slot, no Poseidon).
//!
//! An owner who does not reveal leaves the evaluation to expire at the
//! controller's provider timeout, as any silent provider: the participant's
//! lock is freed and its bond refunded, and `release` gives the held rows
//! back to the task.
//!
//! Where the Poseidon work is paid: at the reveal, once per row. Paying it at
//! the submission instead would cost the same hashes (the participant would
//! send the Merkle proofs) but let a wrong reveal stand until a participant
//! trips over it; at the reveal a wrong row is refused before anyone proves,
//! and a submission only compares digests.
//!
//! **Entropy from upstream.** By default the draw's entropy is the beacon
//! block's hash, which the sequencer orders. A HiddenSet deployed with an
//! admin can instead be given, once, an *upstream* randomness provider (a
//! VrfProvider deployed with this HiddenSet as its controller) and the one
//! controller it then serves (`setUpstream`): the controller's
//! `requestRandomness` is forwarded upstream, the upstream's
//! `fulfillRandomness` fixes the draw with its word, and `draw` is refused.
//! The reveal, the capacity and the expiry are the same in both modes.
//!
//! State is kept per *controller*, the contract that asks (as the
//! Leaderboard keeps boards), read back from that controller's own
//! `evaluation(id)` and wiring: a look-alike controller can only ever fill
//! its own books.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, B256, U256, U32, U64};
use alloy_sol_types::SolCall;
use stylus_sdk::{
    call::RawCall,
    prelude::*,
    storage::{StorageAddress, StorageBool, StorageMap, StorageU256, StorageU32, StorageU64},
};
use zkmltrack_common::{
    protocol::{
        bond::{evaluation_answer, evaluation_calldata},
        evaluation::{self, EvaluationStatus, BLOCK_HASH_WINDOW},
        hidden::{self, controller_contracts},
        registry::{task, task_calldata},
        system::{ARB_BLOCK_HASH, ARB_BLOCK_NUMBER, ARB_SYS},
    },
    word,
};

pub use sol::*;

/// Controller status of an evaluation waiting for its seed.
const COMMITTED: u8 = EvaluationStatus::Committed.code();

/// Status code (as the DatasetVerifier's `verifyRows`): the rows are the revealed ones.
pub const ROWS_VALID: u64 = 0;
/// Status code: a row is not the one revealed for its slot (detail: the
/// revealed row's dataset index, `u64::MAX` for a slot not revealed).
pub const ROW_NOT_IN_TREE: u64 = 2;
/// Status code: the lengths disagree (detail: 0).
pub const MALFORMED_ROWS: u64 = 3;
/// Reveal rejection code: a label is not below the task's class count
/// (detail: the label). Codes 1 to 3 are the DatasetVerifier's.
pub const LABEL_OUT_OF_RANGE: u8 = 4;
/// Reveal rejection code: the DatasetVerifier did not answer.
pub const VERIFIER_UNAVAILABLE: u8 = 255;

mod sol {
    use alloy_sol_types::sol;

    sol! {
        /// Emitted when a hidden evaluation's draw is fixed from its beacon
        /// block: the task owner now knows which rows to reveal.
        ///
        /// * `controller` - The TaskController keeping the evaluation.
        /// * `evaluation_id` - The evaluation.
        /// * `task_id` - Its hidden task.
        /// * `entropy` - The beacon block's hash.
        #[derive(Debug)]
        event HiddenDrawFixed(address indexed controller, uint64 indexed evaluation_id, uint64 indexed task_id, uint256 entropy);

        /// Emitted for each reveal: the rows of slots `first_slot..` in slot
        /// order, checked against the task's root.
        ///
        /// * `controller` - The TaskController keeping the evaluation.
        /// * `evaluation_id` - The evaluation.
        /// * `first_slot` - Slot of the first row.
        /// * `indices` - Dataset index of each row.
        /// * `labels` - Label of each row.
        /// * `features` - The rows' quantized features, back to back.
        #[derive(Debug)]
        event RowsRevealed(address indexed controller, uint64 indexed evaluation_id, uint32 first_slot, uint64[] indices, uint32[] labels, uint256[] features);
    }

    sol! {
        /// The evaluation is not one of a hidden task of this controller: its
        /// task is not hidden or names another randomness provider, or the
        /// controller does not answer.
        ///
        /// * `controller` - The controller named.
        /// * `evaluation_id` - The evaluation.
        #[derive(Debug)]
        error NotHidden(address controller, uint64 evaluation_id);

        /// The evaluation is not waiting for its draw or its rows (it expired,
        /// its draw is fixed already, or its rows were all revealed).
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `status` - Its controller status (see `EvaluationStatus`).
        #[derive(Debug)]
        error NotAwaitingRows(uint64 evaluation_id, uint8 status);

        /// The beacon block has not been mined yet, or has no hash.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `beacon_block` - The block whose hash seeds the draw.
        #[derive(Debug)]
        error DrawTooEarly(uint64 evaluation_id, uint64 beacon_block);

        /// Nobody fixed the draw while the beacon block's hash was readable
        /// (256 blocks): the evaluation can only expire, at the provider timeout.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `beacon_block` - The block whose hash would have seeded the draw.
        #[derive(Debug)]
        error DrawWindowMissed(uint64 evaluation_id, uint64 beacon_block);

        /// The task has fewer unused rows than an evaluation draws.
        ///
        /// * `task_id` - The hidden task.
        /// * `rows_left` - Rows neither revealed nor held by another evaluation.
        /// * `samples` - Rows an evaluation draws.
        #[derive(Debug)]
        error TaskExhausted(uint64 task_id, uint64 rows_left, uint32 samples);

        /// The draw is not fixed yet (call `draw` first).
        ///
        /// * `evaluation_id` - The evaluation.
        #[derive(Debug)]
        error DrawNotFixed(uint64 evaluation_id);

        /// Only the task's owner reveals its rows.
        ///
        /// * `account` - Caller.
        /// * `owner` - The task's owner.
        #[derive(Debug)]
        error OnlyTaskOwnerReveals(address account, address owner);

        /// A reveal must carry between one row and the rows still unrevealed.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `remaining` - Rows still unrevealed.
        #[derive(Debug)]
        error BadRevealCount(uint64 evaluation_id, uint32 remaining);

        /// The revealed rows are not the drawn ones of the task's dataset.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `code` - Why: 1 a feature is not a field element, 2 a row is not
        ///   the drawn leaf of the tree (or its proof is wrong), 3 the lengths
        ///   disagree or proof hashes are left over, 4 a label is not below the
        ///   class count, 255 the DatasetVerifier did not answer.
        /// * `detail` - The feature's position, the call's first dataset index,
        ///   0, or the label.
        #[derive(Debug)]
        error RevealRejected(uint64 evaluation_id, uint8 code, uint64 detail);

        /// The evaluation has not expired, or its rows were given back already.
        ///
        /// * `evaluation_id` - The evaluation.
        #[derive(Debug)]
        error NotExpired(uint64 evaluation_id);

        /// Only the admin named at deployment sets the upstream provider,
        /// once, to non-zero addresses.
        ///
        /// * `account` - Caller.
        #[derive(Debug)]
        error NotAdmin(address account);

        /// This HiddenSet takes its entropy from an upstream provider: no
        /// beacon draw.
        ///
        /// * `provider` - The upstream provider.
        #[derive(Debug)]
        error DrawnUpstream(address provider);

        /// Only the served controller requests, and only the upstream
        /// provider fulfils (with a non-zero word).
        ///
        /// * `account` - Caller.
        /// * `controller` - Who may call: the served controller, or the
        ///   upstream provider (zero: this HiddenSet has none).
        #[derive(Debug)]
        error NotServed(address account, address controller);

        /// The upstream provider refused the request (e.g. its VRF
        /// subscription does not list it as a consumer).
        ///
        /// * `provider` - The upstream provider.
        #[derive(Debug)]
        error UpstreamRefused(address provider);
    }

    sol! {
        /// TaskController: its wiring (registry, router, dataset verifier, leaderboard, vault).
        function contracts() returns (address, address, address, address, address);
        /// DatasetVerifier: checks rows against a dataset root (status word).
        function verifyRows(bytes32 root, uint64 dataset_size, uint32 feature_count, uint64[] indices, uint32[] labels, uint256[] features, bytes32[] proofs) returns (uint256);
        /// TaskController: the provider's answer, the evaluation's entropy.
        function fulfillRandomness(uint64 evaluation_id, uint256 randomness);
        /// Upstream provider: asks for an evaluation's entropy.
        function requestRandomness(uint64 evaluation_id);
    }
}

/// The HiddenSet's errors.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// See [`NotHidden`].
    NotHidden(NotHidden),
    /// See [`NotAwaitingRows`].
    NotAwaitingRows(NotAwaitingRows),
    /// See [`DrawTooEarly`].
    DrawTooEarly(DrawTooEarly),
    /// See [`DrawWindowMissed`].
    DrawWindowMissed(DrawWindowMissed),
    /// See [`TaskExhausted`].
    TaskExhausted(TaskExhausted),
    /// See [`DrawNotFixed`].
    DrawNotFixed(DrawNotFixed),
    /// See [`OnlyTaskOwnerReveals`].
    OnlyTaskOwnerReveals(OnlyTaskOwnerReveals),
    /// See [`BadRevealCount`].
    BadRevealCount(BadRevealCount),
    /// See [`RevealRejected`].
    RevealRejected(RevealRejected),
    /// See [`NotExpired`].
    NotExpired(NotExpired),
    /// See [`NotAdmin`].
    NotAdmin(NotAdmin),
    /// See [`DrawnUpstream`].
    DrawnUpstream(DrawnUpstream),
    /// See [`NotServed`].
    NotServed(NotServed),
    /// See [`UpstreamRefused`].
    UpstreamRefused(UpstreamRefused),
}

/// One evaluation of a hidden task, from its draw on.
#[storage]
pub struct HiddenEvaluation {
    /// The task (0 until the draw is fixed).
    task_id: StorageU64,
    /// The beacon block's hash (0 until the draw is fixed).
    entropy: StorageU256,
    /// Rows the evaluation draws (held on the task from the draw on).
    samples: StorageU32,
    /// Rows revealed so far, slots `0..revealed`.
    revealed: StorageU32,
    /// Its unrevealed rows were given back after it expired.
    released: StorageBool,
    /// Per slot: `zkmltrack_protocol::hidden::revealed_word`.
    rows: StorageMap<U32, StorageU256>,
}

/// A controller's hidden tasks and evaluations.
#[storage]
pub struct Book {
    /// Evaluations by id.
    evaluations: StorageMap<U64, HiddenEvaluation>,
    /// Per task, a bitmap of the rows revealed (256 per word).
    used: StorageMap<U64, StorageMap<U64, StorageU256>>,
    /// Per task, rows revealed or held by a drawn evaluation.
    held: StorageMap<U64, StorageU64>,
}

/// State of the HiddenSet: the hidden tasks' books, per controller.
#[entrypoint]
#[storage]
pub struct HiddenSet {
    books: StorageMap<Address, Book>,
    /// May call `setUpstream` once (zero: nobody, the beacon for good).
    admin: StorageAddress,
    /// The one controller served when entropy comes from upstream.
    served: StorageAddress,
    /// The upstream randomness provider (zero: the beacon).
    upstream: StorageAddress,
}

/// What a hidden evaluation's draw needs from the controller and the registry.
struct HiddenTask {
    task_id: u64,
    status: u8,
    commit_block: u64,
    owner: Address,
    root: B256,
    size: u64,
    features: u32,
    classes: u32,
    samples: u32,
    draw_delay: u64,
    dataset_verifier: Address,
}

#[public]
impl HiddenSet {
    /// Names the account that may give this HiddenSet an upstream provider
    /// (`setUpstream`, once); zero keeps it on the beacon for good.
    #[constructor]
    pub fn constructor(&mut self, admin: Address) {
        self.admin.set(admin);
    }

    /// Makes `provider` the source of every draw's entropy, for the one
    /// `controller` this HiddenSet then serves. Only the admin, once (the
    /// admin is cleared).
    ///
    /// # Errors
    /// [`NotAdmin`] (another caller, already set, or a zero address).
    pub fn set_upstream(&mut self, controller: Address, provider: Address) -> Result<(), Error> {
        let account = self.vm().msg_sender();
        if account != self.admin.get() || controller.is_zero() || provider.is_zero() {
            return Err(Error::NotAdmin(NotAdmin { account }));
        }
        self.admin.set(Address::ZERO);
        self.served.set(controller);
        self.upstream.set(provider);
        Ok(())
    }

    /// The controller served and the upstream provider (zeros: the beacon).
    pub fn upstream(&self) -> (Address, Address) {
        (self.served.get(), self.upstream.get())
    }

    /// A controller's request for a hidden evaluation's entropy, made while
    /// it opens the evaluation (it cannot be called back meanwhile: Stylus
    /// programs are not reentrant). On the beacon nothing is recorded: the
    /// draw is fixed by [`Self::draw`], which checks the task's capacity.
    /// With an upstream provider, only the served controller may ask, and
    /// the request is forwarded upstream under the evaluation's id.
    ///
    /// # Errors
    /// [`NotServed`], [`UpstreamRefused`].
    pub fn request_randomness(&mut self, evaluation_id: u64) -> Result<(), Error> {
        let provider = self.upstream.get();
        if provider.is_zero() {
            return Ok(());
        }
        let account = self.vm().msg_sender();
        let controller = self.served.get();
        if account != controller {
            return Err(Error::NotServed(NotServed {
                account,
                controller,
            }));
        }
        let calldata = requestRandomnessCall { evaluation_id }.abi_encode();
        unsafe { RawCall::new().call(provider, &calldata) }
            .map_err(|_| Error::UpstreamRefused(UpstreamRefused { provider }))?;
        Ok(())
    }

    /// The upstream provider's answer: fixes the draw of the served
    /// controller's evaluation with `randomness` as [`Self::draw`] does
    /// with the beacon's hash. Only the upstream provider.
    ///
    /// # Errors
    /// [`NotServed`] (another caller), and as [`Self::draw`] after the
    /// beacon checks: [`NotHidden`], [`NotAwaitingRows`], [`TaskExhausted`].
    ///
    /// # Events
    /// [`HiddenDrawFixed`].
    pub fn fulfill_randomness(
        &mut self,
        evaluation_id: u64,
        randomness: U256,
    ) -> Result<(), Error> {
        let account = self.vm().msg_sender();
        let provider = self.upstream.get();
        if account != provider || provider.is_zero() || randomness.is_zero() {
            return Err(Error::NotServed(NotServed {
                account,
                controller: provider,
            }));
        }
        let controller = self.served.get();
        let t = self.hidden_task(controller, evaluation_id)?;
        self.awaiting_draw(controller, evaluation_id, &t)?;
        self.fix_draw(controller, evaluation_id, &t, randomness)
    }

    /// Fixes a hidden evaluation's draw: once the task's beacon block (the
    /// commitment's block plus the task's draw delay) is mined, anyone takes
    /// its hash as the entropy, within the 256 blocks its hash stays readable.
    /// The evaluation's rows are held on the task from here on.
    ///
    /// # Errors
    /// [`NotHidden`], [`NotAwaitingRows`], [`DrawTooEarly`],
    /// [`DrawWindowMissed`], [`TaskExhausted`] (fewer unused rows than the
    /// task's samples).
    ///
    /// # Events
    /// [`HiddenDrawFixed`].
    pub fn draw(&mut self, controller: Address, evaluation_id: u64) -> Result<(), Error> {
        let provider = self.upstream.get();
        if !provider.is_zero() {
            return Err(Error::DrawnUpstream(DrawnUpstream { provider }));
        }
        let t = self.hidden_task(controller, evaluation_id)?;
        self.awaiting_draw(controller, evaluation_id, &t)?;
        let beacon_block = t.commit_block.saturating_add(t.draw_delay);
        let now = arb_sys(ARB_BLOCK_NUMBER, None)
            .unwrap_or_default()
            .saturating_to::<u64>();
        let too_early = Error::DrawTooEarly(DrawTooEarly {
            evaluation_id,
            beacon_block,
        });
        if now <= beacon_block {
            return Err(too_early);
        }
        if now - beacon_block > BLOCK_HASH_WINDOW {
            return Err(Error::DrawWindowMissed(DrawWindowMissed {
                evaluation_id,
                beacon_block,
            }));
        }
        let entropy = match arb_sys(ARB_BLOCK_HASH, Some(beacon_block)) {
            Some(hash) if !hash.is_zero() => hash,
            _ => return Err(too_early),
        };
        self.fix_draw(controller, evaluation_id, &t, entropy)
    }

    /// Reveals the next rows of a hidden evaluation, in slot order: the
    /// task owner's answer to the draw. The rows must be the ones the draw
    /// picks (`seed = keccak256(entropy ‖ evaluationId)`, slot `k` takes the
    /// first `keccak256(seed ‖ k ‖ attempt) mod size` not revealed on the task
    /// before) and be leaves of the task's tree (one multi-proof for the
    /// call's rows, as the DatasetVerifier's `verifyRows` takes it). They are then used:
    /// no evaluation of the task draws them again. After the last row the
    /// entropy goes to the controller (`fulfillRandomness`), which lets the
    /// participant submit. Returns the rows revealed so far.
    ///
    /// # Errors
    /// [`NotHidden`], [`NotAwaitingRows`], [`DrawNotFixed`],
    /// [`OnlyTaskOwnerReveals`], [`BadRevealCount`], [`RevealRejected`]; the
    /// controller's revert data as it is.
    ///
    /// # Events
    /// [`RowsRevealed`].
    pub fn reveal(
        &mut self,
        controller: Address,
        evaluation_id: u64,
        labels: Vec<u32>,
        features: Vec<U256>,
        proofs: Vec<B256>,
    ) -> Result<u32, Vec<u8>> {
        let t = self.hidden_task(controller, evaluation_id)?;
        let sender = self.vm().msg_sender();
        if sender != t.owner {
            return Err(Error::OnlyTaskOwnerReveals(OnlyTaskOwnerReveals {
                account: sender,
                owner: t.owner,
            })
            .into());
        }
        if t.status != COMMITTED {
            return Err(Error::NotAwaitingRows(NotAwaitingRows {
                evaluation_id,
                status: t.status,
            })
            .into());
        }
        let (entropy, first_slot) = {
            let book = self.books.getter(controller);
            let evaluation = book.evaluations.getter(U64::from(evaluation_id));
            (
                evaluation.entropy.get(),
                evaluation.revealed.get().to::<u32>(),
            )
        };
        if entropy.is_zero() {
            return Err(Error::DrawNotFixed(DrawNotFixed { evaluation_id }).into());
        }
        let remaining = t.samples - first_slot;
        if labels.is_empty() || labels.len() > remaining as usize {
            return Err(Error::BadRevealCount(BadRevealCount {
                evaluation_id,
                remaining,
            })
            .into());
        }
        let rejected = |code: u64, detail: u64| {
            Error::RevealRejected(RevealRejected {
                evaluation_id,
                code: code as u8,
                detail,
            })
        };
        if let Some(&label) = labels.iter().find(|&&l| l >= t.classes) {
            return Err(rejected(LABEL_OUT_OF_RANGE as u64, label as u64).into());
        }
        let seed = self.seed(entropy, evaluation_id);
        let mut indices = Vec::with_capacity(labels.len());
        for j in 0..labels.len() {
            let index = {
                let book = self.books.getter(controller);
                let used = book.used.getter(U64::from(t.task_id));
                evaluation::draw_slot(
                    |data| self.vm().native_keccak256(data).0,
                    seed,
                    first_slot + j as u32,
                    t.size,
                    |c| is_set(&used, c),
                )
            };
            let mut book = self.books.setter(controller);
            let mut used = book.used.setter(U64::from(t.task_id));
            let at = U64::from(index / 256);
            let mut marked = used.get(at);
            marked.set_bit((index % 256) as usize, true);
            used.setter(at).set(marked);
            indices.push(index);
        }
        let call = verifyRowsCall {
            root: t.root,
            dataset_size: t.size,
            feature_count: t.features,
            indices,
            labels,
            features,
            proofs,
        };
        let status = unsafe { RawCall::new_static().call(t.dataset_verifier, &call.abi_encode()) }
            .ok()
            .filter(|out| out.len() >= 32)
            .map(|out| word(&out, 0));
        let Some(status) = status else {
            return Err(rejected(VERIFIER_UNAVAILABLE as u64, 0).into());
        };
        let [detail, code, ..] = *status.as_limbs();
        if code != ROWS_VALID {
            return Err(rejected(code, detail).into());
        }
        let verifyRowsCall {
            indices,
            labels,
            features,
            ..
        } = call;
        let width = t.features as usize;
        let words: Vec<U256> = indices
            .iter()
            .zip(&labels)
            .enumerate()
            .map(|(j, (&index, &label))| {
                let digest = row_digest(self, label, &features[j * width..(j + 1) * width]);
                U256::from_be_bytes(hidden::revealed_word(&digest, index))
            })
            .collect();
        {
            let mut book = self.books.setter(controller);
            let mut evaluation = book.evaluations.setter(U64::from(evaluation_id));
            for (j, row) in words.into_iter().enumerate() {
                evaluation
                    .rows
                    .setter(U32::from(first_slot + j as u32))
                    .set(row);
            }
            evaluation
                .revealed
                .set(U32::from(first_slot + labels.len() as u32));
        }
        let revealed = first_slot + labels.len() as u32;
        log(
            self.vm(),
            RowsRevealed {
                controller,
                evaluation_id,
                first_slot,
                indices,
                labels,
                features,
            },
        );
        if revealed == t.samples {
            let calldata = fulfillRandomnessCall {
                evaluation_id,
                randomness: entropy,
            }
            .abi_encode();
            unsafe { RawCall::new().call(controller, &calldata) }?;
        }
        Ok(revealed)
    }

    /// Gives back the rows an expired hidden evaluation held but never
    /// revealed (revealed rows stay used). Anyone may call it, once.
    ///
    /// # Errors
    /// [`NotHidden`], [`NotExpired`] (not expired, or already released).
    pub fn release(&mut self, controller: Address, evaluation_id: u64) -> Result<(), Error> {
        let t = self.hidden_task(controller, evaluation_id)?;
        let mut book = self.books.setter(controller);
        let (held_rows, released) = {
            let evaluation = book.evaluations.getter(U64::from(evaluation_id));
            (
                evaluation.samples.get().to::<u64>() - evaluation.revealed.get().to::<u64>(),
                evaluation.released.get(),
            )
        };
        if t.status != EvaluationStatus::Expired.code() || released {
            return Err(Error::NotExpired(NotExpired { evaluation_id }));
        }
        book.evaluations
            .setter(U64::from(evaluation_id))
            .released
            .set(true);
        let held = book.held.get(U64::from(t.task_id)).to::<u64>();
        book.held
            .setter(U64::from(t.task_id))
            .set(U64::from(held.saturating_sub(held_rows)));
        Ok(())
    }

    /// Checks submitted rows against the caller's (the controller's) hidden
    /// evaluation: row `j` (label `labels[j]`, features
    /// `features[j * n..][..n]`, `n = features.len() / labels.len()`) must be
    /// the row revealed for slot `first_slot + j`. Returns a status word as
    /// the DatasetVerifier's `verifyRows`: [`ROWS_VALID`], [`ROW_NOT_IN_TREE`] with the
    /// revealed row's dataset index (the slot's, or `u64::MAX` for a slot not
    /// revealed), or [`MALFORMED_ROWS`].
    pub fn check_revealed(
        &self,
        evaluation_id: u64,
        first_slot: u32,
        labels: Vec<u32>,
        features: Vec<U256>,
    ) -> U256 {
        let n = labels.len();
        if n == 0 || !features.len().is_multiple_of(n) {
            return status(MALFORMED_ROWS, 0);
        }
        let width = features.len() / n;
        let book = self.books.getter(self.vm().msg_sender());
        let evaluation = book.evaluations.getter(U64::from(evaluation_id));
        for (j, &label) in labels.iter().enumerate() {
            let slot = first_slot.saturating_add(j as u32);
            let kept = evaluation.rows.get(U32::from(slot)).to_be_bytes::<32>();
            if kept == [0u8; 32] {
                return status(ROW_NOT_IN_TREE, u64::MAX);
            }
            let digest = row_digest(self, label, &features[j * width..(j + 1) * width]);
            if !hidden::holds_row(&kept, &digest) {
                return status(ROW_NOT_IN_TREE, hidden::revealed_index(&kept));
            }
        }
        status(ROWS_VALID, 0)
    }

    /// The dataset indices the next `count` unrevealed slots of a hidden
    /// evaluation would draw, for the task owner to reveal (what
    /// [`Self::reveal`] will check; empty before the draw is fixed).
    pub fn pending_indices(&self, controller: Address, evaluation_id: u64, count: u32) -> Vec<u64> {
        let book = self.books.getter(controller);
        let evaluation = book.evaluations.getter(U64::from(evaluation_id));
        let entropy = evaluation.entropy.get();
        let task_id = U64::from(evaluation.task_id.get().to::<u64>());
        let first_slot = evaluation.revealed.get().to::<u32>();
        let left = evaluation.samples.get().to::<u32>() - first_slot;
        if entropy.is_zero() {
            return Vec::new();
        }
        let size = self
            .registry_task(controller, task_id.to())
            .map(|(out, _)| word(&out, task::SIZE).saturating_to::<u64>())
            .unwrap_or_default();
        if size == 0 {
            return Vec::new();
        }
        let seed = self.seed(entropy, evaluation_id);
        let used = book.used.getter(task_id);
        let mut picked: Vec<u64> = Vec::new();
        for j in 0..count.min(left) {
            let index = evaluation::draw_slot(
                |data| self.vm().native_keccak256(data).0,
                seed,
                first_slot + j,
                size,
                |c| is_set(&used, c) || picked.contains(&c),
            );
            picked.push(index);
        }
        picked
    }

    /// A hidden evaluation's state: its task (0 before the draw), entropy (0
    /// before the draw), rows drawn, rows revealed, and whether its rows were
    /// given back after it expired.
    pub fn hidden_evaluation(
        &self,
        controller: Address,
        evaluation_id: u64,
    ) -> (u64, U256, u32, u32, bool) {
        let book = self.books.getter(controller);
        let e = book.evaluations.getter(U64::from(evaluation_id));
        (
            e.task_id.get().to(),
            e.entropy.get(),
            e.samples.get().to(),
            e.revealed.get().to(),
            e.released.get(),
        )
    }

    /// The word kept for a revealed slot (`zkmltrack_protocol::hidden::revealed_word`; zero if unrevealed).
    pub fn revealed_row(&self, controller: Address, evaluation_id: u64, slot: u32) -> B256 {
        let book = self.books.getter(controller);
        let e = book.evaluations.getter(U64::from(evaluation_id));
        B256::from(e.rows.get(U32::from(slot)))
    }

    /// Rows of a hidden task revealed or held by a drawn evaluation: the task
    /// has `size - held` rows left, room for `(size - held) / samples` more
    /// evaluations.
    pub fn rows_held(&self, controller: Address, task_id: u64) -> u64 {
        self.books
            .getter(controller)
            .held
            .get(U64::from(task_id))
            .to()
    }

    /// Whether a row of a hidden task was revealed (it is never drawn again).
    pub fn row_used(&self, controller: Address, task_id: u64, index: u64) -> bool {
        is_set(
            &self
                .books
                .getter(controller)
                .used
                .getter(U64::from(task_id)),
            index,
        )
    }
}

/// `code << 64 | detail`, the status word [`HiddenSet::check_revealed`] answers.
fn status(code: u64, detail: u64) -> U256 {
    U256::from(code) << 64 | U256::from(detail)
}

/// `keccak256(label word ‖ features)`: a revealed row's digest
/// (`zkmltrack_protocol::hidden::row_preimage`).
fn row_digest(verifier: &HiddenSet, label: u32, features: &[U256]) -> [u8; 32] {
    let preimage = hidden::row_preimage(label, features.iter().map(|f| f.to_be_bytes::<32>()));
    verifier.vm().native_keccak256(&preimage).0
}

/// Whether bit `index` of a task's used-rows bitmap (256 rows per word) is set.
fn is_set(used: &StorageMap<U64, StorageU256>, index: u64) -> bool {
    used.get(U64::from(index / 256)).bit((index % 256) as usize)
}

/// An ArbSys answer's first word (fails closed: `None` without one).
fn arb_sys(selector: [u8; 4], argument: Option<u64>) -> Option<U256> {
    let mut calldata = selector.to_vec();
    if let Some(arg) = argument {
        calldata.extend_from_slice(&U256::from(arg).to_be_bytes::<32>());
    }
    unsafe { RawCall::new_static().call(Address::new(ARB_SYS), &calldata) }
        .ok()
        .filter(|out| out.len() >= 32)
        .map(|out| word(&out, 0))
}

impl HiddenSet {
    /// Fixes the draw of a hidden evaluation waiting for it
    /// ([`Self::awaiting_draw`], checked by the caller) with `entropy`: holds
    /// its rows on the task (refused when fewer unused rows are left than it
    /// draws).
    fn fix_draw(
        &mut self,
        controller: Address,
        evaluation_id: u64,
        t: &HiddenTask,
        entropy: U256,
    ) -> Result<(), Error> {
        let mut book = self.books.setter(controller);
        let held = book.held.get(U64::from(t.task_id)).to::<u64>();
        let rows_left = t.size.saturating_sub(held);
        if rows_left < t.samples as u64 {
            return Err(Error::TaskExhausted(TaskExhausted {
                task_id: t.task_id,
                rows_left,
                samples: t.samples,
            }));
        }
        book.held
            .setter(U64::from(t.task_id))
            .set(U64::from(held + t.samples as u64));
        let mut evaluation = book.evaluations.setter(U64::from(evaluation_id));
        evaluation.task_id.set(U64::from(t.task_id));
        evaluation.entropy.set(entropy);
        evaluation.samples.set(U32::from(t.samples));
        log(
            self.vm(),
            HiddenDrawFixed {
                controller,
                evaluation_id,
                task_id: t.task_id,
                entropy,
            },
        );
        Ok(())
    }

    /// Refuses an evaluation whose draw is fixed, or that no longer waits
    /// for its entropy.
    fn awaiting_draw(
        &self,
        controller: Address,
        evaluation_id: u64,
        t: &HiddenTask,
    ) -> Result<(), Error> {
        if t.status != COMMITTED || !self.entropy_of(controller, evaluation_id).is_zero() {
            return Err(Error::NotAwaitingRows(NotAwaitingRows {
                evaluation_id,
                status: t.status,
            }));
        }
        Ok(())
    }

    /// `keccak256(entropy ‖ evaluationId)`, the seed the controller derives
    /// from the same entropy.
    fn seed(&self, entropy: U256, evaluation_id: u64) -> [u8; 32] {
        let preimage = evaluation::seed_preimage(entropy.to_be_bytes(), evaluation_id);
        self.vm().native_keccak256(&preimage).0
    }

    /// The registry's `task(uint64)` answer, through the controller's
    /// wiring, and the controller's DatasetVerifier.
    fn registry_task(&self, controller: Address, task_id: u64) -> Option<(Vec<u8>, Address)> {
        let wiring =
            unsafe { RawCall::new_static().call(controller, &contractsCall {}.abi_encode()) }
                .ok()
                .filter(|out| out.len() >= 32 * controller_contracts::WORDS)?;
        let at = |i| Address::from_word(word(&wiring, i).into());
        let registry = at(controller_contracts::REGISTRY);
        let answer = unsafe { RawCall::new_static().call(registry, &task_calldata(task_id)) }
            .ok()
            .filter(|out| out.len() >= 32 * task::WORDS)?;
        Some((answer, at(controller_contracts::DATASET_VERIFIER)))
    }

    /// The controller's evaluation and its task, which must name this
    /// program as its randomness provider.
    fn hidden_task(&self, controller: Address, evaluation_id: u64) -> Result<HiddenTask, Error> {
        let not_hidden = || {
            Error::NotHidden(NotHidden {
                controller,
                evaluation_id,
            })
        };
        let answer =
            unsafe { RawCall::new_static().call(controller, &evaluation_calldata(evaluation_id)) }
                .ok()
                .filter(|out| out.len() >= 32 * evaluation_answer::WORDS)
                .ok_or_else(not_hidden)?;
        let task_id = word(&answer, evaluation_answer::TASK).saturating_to::<u64>();
        let status = word(&answer, evaluation_answer::STATUS).saturating_to::<u8>();
        let (out, dataset_verifier) = self
            .registry_task(controller, task_id)
            .ok_or_else(not_hidden)?;
        if word(&out, task::HIDDEN).is_zero()
            || Address::from_word(word(&out, task::RANDOMNESS).into())
                != self.vm().contract_address()
        {
            return Err(not_hidden());
        }
        Ok(HiddenTask {
            task_id,
            status,
            commit_block: word(&answer, evaluation_answer::COMMIT_BLOCK).saturating_to(),
            owner: Address::from_word(word(&out, task::OWNER).into()),
            root: word(&out, task::ROOT).into(),
            size: word(&out, task::SIZE).saturating_to(),
            features: word(&out, task::FEATURES).saturating_to(),
            classes: word(&out, task::CLASSES).saturating_to(),
            samples: word(&out, task::SAMPLES).saturating_to(),
            draw_delay: word(&out, task::DRAW_DELAY).saturating_to(),
            dataset_verifier,
        })
    }

    /// The fixed entropy of a hidden evaluation (zero before its draw).
    fn entropy_of(&self, controller: Address, evaluation_id: u64) -> U256 {
        self.books
            .getter(controller)
            .evaluations
            .getter(U64::from(evaluation_id))
            .entropy
            .get()
    }
}

#[cfg(test)]
mod tests;
