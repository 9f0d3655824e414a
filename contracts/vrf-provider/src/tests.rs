//! Unit tests (motsu) of the VrfProvider between stand-ins of the coordinator
//! and the controller. The devnet tests run it against Chainlink's own
//! `VRFCoordinatorV2_5Mock` and the real TaskController.

use alloy_primitives::{Address, B256, U256};
use motsu::prelude::*;
use stylus_sdk::{
    abi::Bytes,
    prelude::*,
    storage::{StorageBool, StorageU256},
};

use super::*;

/// Coordinator stand-in: numbers requests from 1 and keeps the last one;
/// `fulfil` calls the provider back as a coordinator does.
#[storage]
struct MockCoordinator {
    requests: StorageU256,
    last_subscription: StorageU256,
    last_callback_gas: StorageU256,
    last_extra_args_native: StorageBool,
}

unsafe impl TopLevelStorage for MockCoordinator {}

#[public]
impl MockCoordinator {
    fn request_random_words(&mut self, req: (B256, U256, u16, u32, u32, Bytes)) -> U256 {
        let (_, sub_id, _, callback_gas, words, extra_args) = req;
        assert_eq!(words, 1, "one word per evaluation");
        assert_eq!(
            &extra_args[..4],
            &EXTRA_ARGS_V1_TAG,
            "extraArgs carry the V1 tag"
        );
        self.last_subscription.set(sub_id);
        self.last_callback_gas.set(U256::from(callback_gas));
        self.last_extra_args_native
            .set(extra_args.last() == Some(&1));
        let id = self.requests.get() + U256::from(1);
        self.requests.set(id);
        id
    }

    fn fulfil(&mut self, provider: Address, request_id: U256, word: U256) -> Result<(), Vec<u8>> {
        let calldata = rawFulfillRandomWordsCall {
            request_id,
            random_words: vec![word],
        }
        .abi_encode();
        unsafe { RawCall::new().call(provider, &calldata) }.map(|_| ())
    }
}

alloy_sol_types::sol! {
    function rawFulfillRandomWords(uint256 request_id, uint256[] random_words);
    function requestRandomness(uint64 evaluation_id);
}

/// Controller stand-in: opens through the provider and keeps the word it
/// is given, or refuses it when told to.
#[storage]
struct MockController {
    seed: StorageU256,
    refuse: StorageBool,
}

unsafe impl TopLevelStorage for MockController {}

#[public]
impl MockController {
    fn open(&mut self, provider: Address, evaluation_id: u64) -> Result<(), Vec<u8>> {
        let calldata = requestRandomnessCall { evaluation_id }.abi_encode();
        unsafe { RawCall::new().call(provider, &calldata) }.map(|_| ())
    }

    fn set_refuse(&mut self, refuse: bool) {
        self.refuse.set(refuse);
    }

    fn fulfill_randomness(&mut self, _evaluation_id: u64, randomness: U256) -> Result<(), Vec<u8>> {
        if self.refuse.get() {
            return Err(b"no longer waiting".to_vec());
        }
        self.seed.set(randomness);
        Ok(())
    }

    fn seed(&self) -> U256 {
        self.seed.get()
    }
}

const KEY_HASH: B256 = B256::repeat_byte(0x4b);

fn deploy(
    provider: &Contract<VrfProvider>,
    controller: &Contract<MockController>,
    coordinator: &Contract<MockCoordinator>,
    deployer: Address,
) {
    provider.sender(deployer).constructor(
        controller.address(),
        coordinator.address(),
        KEY_HASH,
        U256::from(77),
        3,
        250_000,
        true,
    );
}

#[motsu::test]
fn forwards_the_coordinators_word_to_the_controller(
    provider: Contract<VrfProvider>,
    controller: Contract<MockController>,
    coordinator: Contract<MockCoordinator>,
    deployer: Address,
) {
    deploy(&provider, &controller, &coordinator, deployer);
    assert_eq!(
        provider.sender(deployer).config(),
        (
            controller.address(),
            coordinator.address(),
            KEY_HASH,
            U256::from(77),
            3,
            250_000,
            true
        )
    );
    controller
        .sender(deployer)
        .open(provider.address(), 9)
        .motsu_unwrap();
    assert_eq!(
        coordinator.sender(deployer).last_subscription.get(),
        U256::from(77)
    );
    assert_eq!(
        coordinator.sender(deployer).last_callback_gas.get(),
        U256::from(250_000)
    );
    assert!(coordinator.sender(deployer).last_extra_args_native.get());
    provider.assert_emitted(&RandomnessRequested {
        evaluation_id: 9,
        request_id: U256::from(1),
    });
    assert_eq!(
        provider.sender(deployer).pending_evaluation(U256::from(1)),
        9
    );

    coordinator
        .sender(deployer)
        .fulfil(provider.address(), U256::from(1), U256::from(0xbeef))
        .motsu_unwrap();
    assert_eq!(controller.sender(deployer).seed(), U256::from(0xbeef));
    provider.assert_emitted(&RandomnessForwarded {
        evaluation_id: 9,
        request_id: U256::from(1),
        randomness: U256::from(0xbeef),
        accepted: true,
    });
    // A request is answered once.
    assert_eq!(
        provider.sender(deployer).pending_evaluation(U256::from(1)),
        0
    );
    let again = coordinator
        .sender(deployer)
        .fulfil(provider.address(), U256::from(1), U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(
        again,
        Vec::<u8>::from(Error::UnknownRequest(UnknownRequest {
            request_id: U256::from(1)
        }))
    );
}

#[motsu::test]
fn only_the_controller_requests_and_only_the_coordinator_fulfils(
    provider: Contract<VrfProvider>,
    controller: Contract<MockController>,
    coordinator: Contract<MockCoordinator>,
    deployer: Address,
    stranger: Address,
) {
    deploy(&provider, &controller, &coordinator, deployer);
    let err = provider
        .sender(stranger)
        .request_randomness(1)
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::NotController(NotController { account, controller: c })
            if account == stranger && c == controller.address()
    ));
    controller
        .sender(deployer)
        .open(provider.address(), 1)
        .motsu_unwrap();
    let err = provider
        .sender(stranger)
        .raw_fulfill_random_words(U256::from(1), vec![U256::from(5)])
        .motsu_unwrap_err();
    assert!(matches!(
        err,
        Error::OnlyCoordinatorCanFulfill(OnlyCoordinatorCanFulfill { have, want })
            if have == stranger && want == coordinator.address()
    ));
    // The request is still pending and the controller has no seed.
    assert_eq!(
        provider.sender(deployer).pending_evaluation(U256::from(1)),
        1
    );
    assert_eq!(controller.sender(deployer).seed(), U256::ZERO);
}

#[motsu::test]
fn a_refused_word_is_reported_not_reverted(
    provider: Contract<VrfProvider>,
    controller: Contract<MockController>,
    coordinator: Contract<MockCoordinator>,
    deployer: Address,
) {
    deploy(&provider, &controller, &coordinator, deployer);
    controller
        .sender(deployer)
        .open(provider.address(), 4)
        .motsu_unwrap();
    controller.sender(deployer).set_refuse(true);
    coordinator
        .sender(deployer)
        .fulfil(provider.address(), U256::from(1), U256::from(3))
        .motsu_unwrap();
    provider.assert_emitted(&RandomnessForwarded {
        evaluation_id: 4,
        request_id: U256::from(1),
        randomness: U256::from(3),
        accepted: false,
    });
    assert_eq!(
        provider.sender(deployer).pending_evaluation(U256::from(1)),
        0
    );
}
