//! # VrfProvider
//!
//! A randomness provider for the TaskController that draws from a Chainlink
//! VRF v2.5 coordinator. A task names it as its randomness source; then:
//!
//! 1. opening an evaluation makes the controller call `requestRandomness(id)`
//!    here (only the controller fixed at deployment may); the provider asks
//!    the coordinator for one random word (`requestRandomWords`, paid from
//!    the subscription this provider is a consumer of) and remembers which
//!    evaluation the request id is for;
//! 2. the coordinator answers with `rawFulfillRandomWords(requestId, words)`
//!    (only the coordinator may: anyone else gets Chainlink's own
//!    `OnlyCoordinatorCanFulfill`); the provider forwards the first word to
//!    the controller's `fulfillRandomness`, which derives the evaluation's
//!    seed from it.
//!
//! As Chainlink asks of consumers, a fulfilment never reverts once it came
//! from the coordinator for a pending request: if the controller refuses the
//! word (the evaluation expired meanwhile, the callback gas was too low), the
//! provider says so in `RandomnessForwarded` and the evaluation runs into the
//! controller's provider timeout, which expires it and frees the model.
//!
//! Everything is fixed at deployment (controller, coordinator, key hash,
//! subscription, confirmations, callback gas, payment in native or LINK): a
//! new configuration is a new provider, and a task keeps the one it named.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, B256, U16, U256, U32, U64};
use alloy_sol_types::{SolCall, SolValue};
use stylus_sdk::{
    call::RawCall,
    prelude::*,
    storage::{
        StorageAddress, StorageB256, StorageBool, StorageMap, StorageU16, StorageU256, StorageU32,
        StorageU64,
    },
};
use zkmltrack_common::word;

pub use sol::*;

/// The tag of VRF v2.5's `extraArgs` (version 1): `bytes4(keccak256("VRF ExtraArgsV1"))`.
pub const EXTRA_ARGS_V1_TAG: [u8; 4] = [0x92, 0xfd, 0x13, 0x38];

mod sol {
    use alloy_sol_types::sol;

    sol! {
        /// Emitted when the provider asks the coordinator for an evaluation's randomness.
        ///
        /// * `evaluation_id` - The controller's evaluation.
        /// * `request_id` - The coordinator's request id.
        #[derive(Debug)]
        event RandomnessRequested(uint64 indexed evaluation_id, uint256 indexed request_id);

        /// Emitted when the coordinator fulfils a request.
        ///
        /// * `evaluation_id` - The evaluation.
        /// * `request_id` - The request.
        /// * `randomness` - The word forwarded (the seed is
        ///   `keccak256(randomness ‖ evaluation_id)`, which `zkmltrack audit` re-checks).
        /// * `accepted` - Whether the controller took the word (false: the
        ///   evaluation was no longer waiting, or the callback ran out of gas).
        #[derive(Debug)]
        event RandomnessForwarded(uint64 indexed evaluation_id, uint256 indexed request_id, uint256 randomness, bool accepted);
    }

    sol! {
        /// VRF v2.5 request (`VRFV2PlusClient.RandomWordsRequest`).
        struct RandomWordsRequest {
            bytes32 keyHash;
            uint256 subId;
            uint16 requestConfirmations;
            uint32 callbackGasLimit;
            uint32 numWords;
            bytes extraArgs;
        }

        /// VRF v2.5 coordinator: returns the request id.
        function requestRandomWords(RandomWordsRequest req) returns (uint256);
        /// TaskController: fixes a provider-drawn evaluation's seed.
        function fulfillRandomness(uint64 evaluation_id, uint256 randomness);
    }

    sol! {
        /// Only the TaskController fixed at deployment requests randomness.
        ///
        /// * `account` - Caller.
        /// * `controller` - The controller.
        #[derive(Debug)]
        error NotController(address account, address controller);

        /// The coordinator refused the request (e.g. this provider is not a
        /// consumer of the subscription, or the subscription is unknown).
        ///
        /// * `coordinator` - The coordinator.
        /// * `subscription_id` - The subscription.
        #[derive(Debug)]
        error RequestRefused(address coordinator, uint256 subscription_id);

        /// Only the coordinator fulfils (Chainlink's `VRFConsumerBaseV2Plus` error).
        ///
        /// * `have` - Caller.
        /// * `want` - The coordinator.
        #[derive(Debug)]
        error OnlyCoordinatorCanFulfill(address have, address want);

        /// No pending request has this id (never made, or fulfilled already).
        ///
        /// * `request_id` - The request id.
        #[derive(Debug)]
        error UnknownRequest(uint256 request_id);
    }
}

/// Every way a provider call can fail.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// See [`NotController`].
    NotController(NotController),
    /// See [`RequestRefused`].
    RequestRefused(RequestRefused),
    /// See [`OnlyCoordinatorCanFulfill`].
    OnlyCoordinatorCanFulfill(OnlyCoordinatorCanFulfill),
    /// See [`UnknownRequest`].
    UnknownRequest(UnknownRequest),
}

/// State of the VrfProvider.
#[entrypoint]
#[storage]
pub struct VrfProvider {
    /// The TaskController it serves.
    controller: StorageAddress,
    /// The VRF v2.5 coordinator it draws from.
    coordinator: StorageAddress,
    /// The VRF key (gas lane).
    key_hash: StorageB256,
    /// The subscription paying for requests.
    subscription_id: StorageU256,
    /// Blocks the coordinator waits before answering.
    request_confirmations: StorageU16,
    /// Gas the coordinator gives the fulfilment callback.
    callback_gas_limit: StorageU32,
    /// Pay in the chain's native coin (else LINK).
    native_payment: StorageBool,
    /// Evaluation id per pending request id (0: none).
    pending: StorageMap<U256, StorageU64>,
}

/// What `config()` returns: controller, coordinator, key hash, subscription,
/// request confirmations, callback gas limit, native payment.
pub type Config = (Address, Address, B256, U256, u16, u32, bool);

#[public]
impl VrfProvider {
    /// Fixes the controller served and the VRF request terms for the
    /// provider's lifetime (read them with `config()`).
    #[constructor]
    #[allow(clippy::too_many_arguments)]
    pub fn constructor(
        &mut self,
        controller: Address,
        coordinator: Address,
        key_hash: B256,
        subscription_id: U256,
        request_confirmations: u16,
        callback_gas_limit: u32,
        native_payment: bool,
    ) {
        self.controller.set(controller);
        self.coordinator.set(coordinator);
        self.key_hash.set(key_hash);
        self.subscription_id.set(subscription_id);
        self.request_confirmations
            .set(U16::from(request_confirmations));
        self.callback_gas_limit.set(U32::from(callback_gas_limit));
        self.native_payment.set(native_payment);
    }

    /// Asks the coordinator for one random word for an evaluation. Only the
    /// controller.
    ///
    /// # Errors
    /// * [`Error::NotController`] - another caller.
    /// * [`Error::RequestRefused`] - the coordinator refused the request.
    ///
    /// # Events
    /// * [`RandomnessRequested`].
    pub fn request_randomness(&mut self, evaluation_id: u64) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        let controller = self.controller.get();
        if sender != controller {
            return Err(Error::NotController(NotController {
                account: sender,
                controller,
            }));
        }
        let coordinator = self.coordinator.get();
        let subscription_id = self.subscription_id.get();
        // extraArgs: the V1 tag, then abi.encode(ExtraArgsV1 { nativePayment }).
        let mut extra_args = EXTRA_ARGS_V1_TAG.to_vec();
        extra_args.extend(self.native_payment.get().abi_encode());
        let calldata = requestRandomWordsCall {
            req: RandomWordsRequest {
                keyHash: self.key_hash.get(),
                subId: subscription_id,
                requestConfirmations: self.request_confirmations.get().to(),
                callbackGasLimit: self.callback_gas_limit.get().to(),
                numWords: 1,
                extraArgs: extra_args.into(),
            },
        }
        .abi_encode();
        let out = unsafe { RawCall::new().call(coordinator, &calldata) }
            .ok()
            .filter(|out| out.len() >= 32)
            .ok_or(Error::RequestRefused(RequestRefused {
                coordinator,
                subscription_id,
            }))?;
        let request_id = word(&out, 0);
        self.pending
            .setter(request_id)
            .set(U64::from(evaluation_id));
        log(
            self.vm(),
            RandomnessRequested {
                evaluation_id,
                request_id,
            },
        );
        Ok(())
    }

    /// The coordinator's answer to a request: forwards the first word to the
    /// controller. Only the coordinator; never reverts for a pending request
    /// (see the crate docs).
    ///
    /// # Errors
    /// * [`Error::OnlyCoordinatorCanFulfill`] - another caller.
    /// * [`Error::UnknownRequest`] - no pending request has this id.
    ///
    /// # Events
    /// * [`RandomnessForwarded`].
    pub fn raw_fulfill_random_words(
        &mut self,
        request_id: U256,
        random_words: Vec<U256>,
    ) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        let coordinator = self.coordinator.get();
        if sender != coordinator {
            return Err(Error::OnlyCoordinatorCanFulfill(
                OnlyCoordinatorCanFulfill {
                    have: sender,
                    want: coordinator,
                },
            ));
        }
        let evaluation_id = self.pending.get(request_id).to::<u64>();
        if evaluation_id == 0 {
            return Err(Error::UnknownRequest(UnknownRequest { request_id }));
        }
        self.pending.setter(request_id).set(U64::ZERO);
        // The coordinator sends the number of words requested (one); an
        // empty answer forwards nothing and the evaluation times out.
        let (randomness, accepted) = match random_words.first() {
            Some(&randomness) => {
                let calldata = fulfillRandomnessCall {
                    evaluation_id,
                    randomness,
                }
                .abi_encode();
                let call = unsafe { RawCall::new().call(self.controller.get(), &calldata) };
                (randomness, call.is_ok())
            }
            None => (U256::ZERO, false),
        };
        log(
            self.vm(),
            RandomnessForwarded {
                evaluation_id,
                request_id,
                randomness,
                accepted,
            },
        );
        Ok(())
    }

    /// The provider's configuration (see [`Config`]).
    pub fn config(&self) -> Config {
        (
            self.controller.get(),
            self.coordinator.get(),
            self.key_hash.get(),
            self.subscription_id.get(),
            self.request_confirmations.get().to(),
            self.callback_gas_limit.get().to(),
            self.native_payment.get(),
        )
    }

    /// The evaluation a pending request is for, 0 if none.
    pub fn pending_evaluation(&self, request_id: U256) -> u64 {
        self.pending.get(request_id).to()
    }
}

#[cfg(test)]
mod tests;
