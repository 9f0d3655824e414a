//! # BondVault
//!
//! Holds evaluation bonds. A task's owner may require one (`setTerms`: an
//! amount in wei and a submission window in blocks); the TaskController
//! forwards what a participant sends with `openEvaluation` here (`hold`),
//! which refuses any other amount, so an opening without the bond reverts
//! whole. Once the evaluation's fate is known anyone may `settle` its bond:
//! back to the participant when it finalized (or when the randomness
//! provider never answered), to the task owner when the participant let the
//! beacon draw lapse or did not finalize by the submission deadline (see
//! `zkmltrack_protocol::bond`). That deadline is what makes re-drawing cost
//! something: every abandoned draw loses its bond.
//!
//! Bonds are kept per *keeper*, the contract that called `hold` (as the
//! Leaderboard keeps boards), and settled from that keeper's own
//! `evaluation(id)` answer, so the vault needs no wiring after deployment and
//! a contract that is not the suite's controller can only ever move bonds
//! sent through itself. Task owners and deadlines are read from the
//! ModelRegistry fixed at deployment.
//!
//! It is a program of its own so that the TaskController stays under Stylus'
//! 24 KB code limit.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, U256, U64};
use stylus_sdk::{
    call::RawCall,
    prelude::*,
    storage::{StorageAddress, StorageBool, StorageMap, StorageU256, StorageU64},
};
use zkmltrack_common::{
    protocol::{
        bond::{
            evaluation_answer, evaluation_calldata, settlement, submission_deadline, Settlement,
            MAX_WINDOW_BLOCKS,
        },
        evaluation::EvaluationStatus,
        registry::{task, task_calldata},
        system::{ARB_BLOCK_NUMBER, ARB_SYS},
    },
    word,
};

pub use sol::*;

mod sol {
    use alloy_sol_types::sol;

    sol! {
        /// Emitted when a task owner sets the task's bond terms.
        ///
        /// * `task_id` - The ModelRegistry task.
        /// * `bond` - Wei required with every opening.
        /// * `window` - Blocks after the latest possible draw by which an
        ///   evaluation must be finalized.
        #[derive(Debug)]
        event TermsSet(uint64 indexed task_id, uint256 bond, uint64 window);

        /// Emitted when a keeper deposits an opening's bond.
        ///
        /// * `keeper` - The contract that holds the evaluation (the TaskController).
        /// * `evaluation_id` - The keeper's evaluation.
        /// * `participant` - Who posted it.
        /// * `amount` - Wei held.
        #[derive(Debug)]
        event BondHeld(address indexed keeper, uint64 indexed evaluation_id, address participant, uint256 amount);

        /// Emitted when a bond is paid out.
        ///
        /// * `keeper` - The keeper.
        /// * `evaluation_id` - The keeper's evaluation.
        /// * `recipient` - Who received it.
        /// * `amount` - Wei paid.
        /// * `refunded` - Whether it went back to the participant (else to the task owner).
        #[derive(Debug)]
        event BondSettled(address indexed keeper, uint64 indexed evaluation_id, address recipient, uint256 amount, bool refunded);

        /// Emitted at deployment.
        ///
        /// * `registry` - The ModelRegistry tasks are read from.
        #[derive(Debug)]
        event RegistrySet(address registry);
    }

    sol! {
        /// The registry does not know the task.
        ///
        /// * `task_id` - The task.
        #[derive(Debug)]
        error UnknownTask(uint64 task_id);

        /// Only the task's owner sets its terms.
        ///
        /// * `account` - Caller.
        /// * `owner` - The task's owner.
        #[derive(Debug)]
        error NotTaskOwner(address account, address owner);

        /// The task's terms are set already (they never change).
        ///
        /// * `task_id` - The task.
        #[derive(Debug)]
        error TermsAlreadySet(uint64 task_id);

        /// Terms out of range: a bond of zero, or a window of zero or above
        /// the maximum.
        ///
        /// * `bond` - Given bond.
        /// * `window` - Given window.
        /// * `max_window` - Longest window allowed.
        #[derive(Debug)]
        error InvalidTerms(uint256 bond, uint64 window, uint64 max_window);

        /// The opening carries another amount than the task's bond.
        ///
        /// * `task_id` - The task.
        /// * `required` - The task's bond (wei).
        /// * `sent` - Wei sent.
        #[derive(Debug)]
        error BondMismatch(uint64 task_id, uint256 required, uint256 sent);

        /// The keeper already deposited a bond for this evaluation.
        ///
        /// * `evaluation_id` - The evaluation.
        #[derive(Debug)]
        error BondAlreadyHeld(uint64 evaluation_id);

        /// No bond is held for this keeper's evaluation (none was required,
        /// or it was settled).
        ///
        /// * `keeper` - The keeper.
        /// * `evaluation_id` - The evaluation.
        #[derive(Debug)]
        error NoBond(address keeper, uint64 evaluation_id);

        /// The evaluation is still running and its deadline has not passed.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `deadline` - Its submission deadline (block); settle after it.
        #[derive(Debug)]
        error BondNotDue(uint64 evaluation_id, uint64 deadline);

        /// The keeper does not answer `evaluation(id)` as a TaskController.
        ///
        /// * `keeper` - The keeper.
        #[derive(Debug)]
        error KeeperUnavailable(address keeper);

        /// The recipient refused the payment; the bond stays held.
        ///
        /// * `recipient` - The recipient.
        #[derive(Debug)]
        error PaymentFailed(address recipient);
    }
}

/// Every way a vault call can fail.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// See [`UnknownTask`].
    UnknownTask(UnknownTask),
    /// See [`NotTaskOwner`].
    NotTaskOwner(NotTaskOwner),
    /// See [`TermsAlreadySet`].
    TermsAlreadySet(TermsAlreadySet),
    /// See [`InvalidTerms`].
    InvalidTerms(InvalidTerms),
    /// See [`BondMismatch`].
    BondMismatch(BondMismatch),
    /// See [`BondAlreadyHeld`].
    BondAlreadyHeld(BondAlreadyHeld),
    /// See [`NoBond`].
    NoBond(NoBond),
    /// See [`BondNotDue`].
    BondNotDue(BondNotDue),
    /// See [`KeeperUnavailable`].
    KeeperUnavailable(KeeperUnavailable),
    /// See [`PaymentFailed`].
    PaymentFailed(PaymentFailed),
}

/// A task's bond terms.
#[storage]
pub struct Terms {
    /// Wei required with every opening (zero: no bond).
    bond: StorageU256,
    /// Submission window in blocks.
    window: StorageU64,
}

/// One held bond.
#[storage]
pub struct Bond {
    /// Wei held; zero once settled (or never held).
    amount: StorageU256,
    /// The task.
    task_id: StorageU64,
    /// The task's window when it was posted.
    window: StorageU64,
    /// Who posted it.
    participant: StorageAddress,
    /// Paid out.
    settled: StorageBool,
}

/// State of the BondVault.
#[entrypoint]
#[storage]
pub struct BondVault {
    /// ModelRegistry whose `task(id)` names owners, draw delays and providers.
    registry: StorageAddress,
    /// Terms per task.
    terms: StorageMap<U64, Terms>,
    /// Bonds per keeper and evaluation.
    bonds: StorageMap<Address, StorageMap<U64, Bond>>,
}

/// A held bond as `bond(keeper, id)` answers it: `(amount, participant,
/// task, window, settled)`.
pub type BondInfo = (U256, Address, u64, u64, bool);

/// The fields of a registry task the vault uses.
struct TaskFacts {
    owner: Address,
    draw_delay: u64,
    has_provider: bool,
}

#[public]
impl BondVault {
    /// Fixes the ModelRegistry tasks are read from.
    ///
    /// # Events
    /// * [`RegistrySet`].
    #[constructor]
    pub fn constructor(&mut self, registry: Address) {
        self.registry.set(registry);
        log(self.vm(), RegistrySet { registry });
    }

    /// Sets task `task_id`'s bond terms, once: every later opening must send
    /// exactly `bond` wei, and every evaluation must be finalized within
    /// `window` blocks after the latest block its draw can happen in. Only
    /// the task's owner.
    ///
    /// # Errors
    /// * [`Error::UnknownTask`] - no such task.
    /// * [`Error::NotTaskOwner`] - the caller does not own the task.
    /// * [`Error::TermsAlreadySet`] - set before.
    /// * [`Error::InvalidTerms`] - zero bond, or a window of zero or above
    ///   [`MAX_WINDOW_BLOCKS`].
    ///
    /// # Events
    /// * [`TermsSet`].
    pub fn set_terms(&mut self, task_id: u64, bond: U256, window: u64) -> Result<(), Error> {
        let owner = self.task_facts(task_id)?.owner;
        let sender = self.vm().msg_sender();
        if sender != owner {
            return Err(Error::NotTaskOwner(NotTaskOwner {
                account: sender,
                owner,
            }));
        }
        if !self.terms.getter(U64::from(task_id)).bond.get().is_zero() {
            return Err(Error::TermsAlreadySet(TermsAlreadySet { task_id }));
        }
        if bond.is_zero() || window == 0 || window > MAX_WINDOW_BLOCKS {
            return Err(Error::InvalidTerms(InvalidTerms {
                bond,
                window,
                max_window: MAX_WINDOW_BLOCKS,
            }));
        }
        let mut terms = self.terms.setter(U64::from(task_id));
        terms.bond.set(bond);
        terms.window.set(U64::from(window));
        log(
            self.vm(),
            TermsSet {
                task_id,
                bond,
                window,
            },
        );
        Ok(())
    }

    /// Task `task_id`'s terms: `(bond in wei, window in blocks)`, zeros when
    /// it requires no bond.
    pub fn terms(&self, task_id: u64) -> (U256, u64) {
        let terms = self.terms.getter(U64::from(task_id));
        (terms.bond.get(), terms.window.get().to())
    }

    /// Deposits the bond of the caller's (the keeper's) evaluation
    /// `evaluation_id` of task `task_id`, posted by `participant`: the value
    /// sent must be the task's bond exactly (zero when it has none, and then
    /// nothing is held).
    ///
    /// # Errors
    /// * [`Error::BondMismatch`] - another amount.
    /// * [`Error::BondAlreadyHeld`] - a bond is held for it already.
    ///
    /// # Events
    /// * [`BondHeld`] when a bond is held.
    #[payable]
    pub fn hold(
        &mut self,
        task_id: u64,
        evaluation_id: u64,
        participant: Address,
    ) -> Result<(), Error> {
        let (required, window) = self.terms(task_id);
        let sent = self.vm().msg_value();
        if sent != required {
            return Err(Error::BondMismatch(BondMismatch {
                task_id,
                required,
                sent,
            }));
        }
        if sent.is_zero() {
            return Ok(());
        }
        let keeper = self.vm().msg_sender();
        let mut outer = self.bonds.setter(keeper);
        let mut bond = outer.setter(U64::from(evaluation_id));
        if !bond.amount.get().is_zero() || bond.settled.get() {
            return Err(Error::BondAlreadyHeld(BondAlreadyHeld { evaluation_id }));
        }
        bond.amount.set(sent);
        bond.task_id.set(U64::from(task_id));
        bond.window.set(U64::from(window));
        bond.participant.set(participant);
        log(
            self.vm(),
            BondHeld {
                keeper,
                evaluation_id,
                participant,
                amount: sent,
            },
        );
        Ok(())
    }

    /// Pays out the bond of `keeper`'s evaluation `evaluation_id` once its
    /// fate is known (see the module documentation); anyone may call it.
    /// Returns whether it went back to the participant.
    ///
    /// # Errors
    /// * [`Error::NoBond`] - nothing held (none required, or settled).
    /// * [`Error::KeeperUnavailable`] - the keeper did not answer.
    /// * [`Error::UnknownTask`] - the registry does not know the task.
    /// * [`Error::BondNotDue`] - still running, deadline not passed.
    /// * [`Error::PaymentFailed`] - the recipient refused the payment.
    ///
    /// # Events
    /// * [`BondSettled`].
    pub fn settle(&mut self, keeper: Address, evaluation_id: u64) -> Result<bool, Error> {
        let no_bond = Error::NoBond(NoBond {
            keeper,
            evaluation_id,
        });
        let (amount, participant, task_id, window, settled) = self.bond(keeper, evaluation_id);
        if amount.is_zero() || settled {
            return Err(no_bond);
        }
        let answer =
            unsafe { RawCall::new_static().call(keeper, &evaluation_calldata(evaluation_id)) }
                .ok()
                .filter(|out| out.len() >= 32 * evaluation_answer::WORDS);
        let status = answer.as_ref().and_then(|out| {
            EvaluationStatus::from_code(word(out, evaluation_answer::STATUS).saturating_to())
        });
        let (Some(out), Some(status)) = (answer, status) else {
            return Err(Error::KeeperUnavailable(KeeperUnavailable { keeper }));
        };
        let commit_block: u64 = word(&out, evaluation_answer::COMMIT_BLOCK).saturating_to();
        let facts = self.task_facts(task_id)?;
        let deadline =
            submission_deadline(commit_block, facts.draw_delay, facts.has_provider, window);
        let now = self.arb_block_number();
        let refunded = match settlement(status, facts.has_provider, now, deadline) {
            Settlement::Refund => true,
            Settlement::Forfeit => false,
            Settlement::NotDue(deadline) => {
                return Err(Error::BondNotDue(BondNotDue {
                    evaluation_id,
                    deadline,
                }))
            }
        };
        let recipient = if refunded { participant } else { facts.owner };
        // Settled before paying: a recipient that calls back finds nothing.
        {
            let mut outer = self.bonds.setter(keeper);
            let mut bond = outer.setter(U64::from(evaluation_id));
            bond.amount.set(U256::ZERO);
            bond.settled.set(true);
        }
        unsafe { RawCall::new_with_value(amount).call(recipient, &[]) }
            .map_err(|_| Error::PaymentFailed(PaymentFailed { recipient }))?;
        log(
            self.vm(),
            BondSettled {
                keeper,
                evaluation_id,
                recipient,
                amount,
                refunded,
            },
        );
        Ok(refunded)
    }

    /// The bond of `keeper`'s evaluation `evaluation_id` (see [`BondInfo`]);
    /// the amount is zero when none is held.
    pub fn bond(&self, keeper: Address, evaluation_id: u64) -> BondInfo {
        let outer = self.bonds.getter(keeper);
        let bond = outer.getter(U64::from(evaluation_id));
        (
            bond.amount.get(),
            bond.participant.get(),
            bond.task_id.get().to(),
            bond.window.get().to(),
            bond.settled.get(),
        )
    }

    /// The ModelRegistry tasks are read from.
    pub fn registry(&self) -> Address {
        self.registry.get()
    }
}

impl BondVault {
    /// Current L2 block number (ArbSys `arbBlockNumber()`, the clock the
    /// controller's blocks are counted in); 0 if ArbSys does not answer, which
    /// fails closed: no running evaluation's bond is ever due.
    fn arb_block_number(&self) -> u64 {
        unsafe { RawCall::new_static().call(Address::new(ARB_SYS), &ARB_BLOCK_NUMBER) }
            .ok()
            .map(|out| word(&out, 0).saturating_to())
            .unwrap_or_default()
    }

    /// The owner, draw delay and provider of a registry task.
    fn task_facts(&self, task_id: u64) -> Result<TaskFacts, Error> {
        let out =
            unsafe { RawCall::new_static().call(self.registry.get(), &task_calldata(task_id)) }
                .ok()
                .filter(|out| out.len() >= 32 * task::WORDS)
                .ok_or(Error::UnknownTask(UnknownTask { task_id }))?;
        let owner = Address::from_word(word(&out, task::OWNER).into());
        if owner.is_zero() {
            return Err(Error::UnknownTask(UnknownTask { task_id }));
        }
        Ok(TaskFacts {
            owner,
            draw_delay: word(&out, task::DRAW_DELAY).saturating_to(),
            has_provider: !word(&out, task::RANDOMNESS).is_zero(),
        })
    }
}
