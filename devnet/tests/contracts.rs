//! The repository's Stylus contracts on the devnet: deploy, activate, call, events, custom
//! errors; EVM <-> Stylus interop through the router and an EVM verifier stand-in.

mod common;

use alloy_sol_types::SolValue;
use alloy_sol_types::{sol, SolCall, SolError, SolEvent};
use revm::primitives::{Address, Bytes, U256};
use zkmltrack_devnet::stylus::program::constructor_calldata;
use zkmltrack_devnet::{CallRequest, Devnet, DevnetError, TxRequest, DEV_ACCOUNT};

sol! {
    function createLineage(string name) returns (uint64);
    function lineageCount() returns (uint64);
    function lineage(uint64 lineage_id) returns (address, uint32);
    function owner() returns (address);
    function pause();
    error UnknownLineage(uint64);
    error InvalidRouter(address);
    error OwnableUnauthorizedAccount(address);
    event LineageCreated(uint64 indexed lineage_id, address indexed owner, string name);
}

#[test]
fn registry_deploys_activates_and_answers() {
    let mut chain = Devnet::default();
    let (registry, _) = common::deploy_and_construct(
        &mut chain,
        "registry",
        // Any contract stands in for the router (the registry refuses an
        // address without code): the StylusDeployer, present at genesis.
        &(DEV_ACCOUNT, zkmltrack_devnet::deployer::STYLUS_DEPLOYER).abi_encode_params(),
    );
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(registry),
            data: createLineageCall {
                name: "iris".into(),
            }
            .abi_encode()
            .into(),
            ..Default::default()
        })
        .unwrap();
    assert!(r.success, "{:?}", r.output);
    assert_eq!(r.logs.len(), 1);
    let count = chain
        .call(&CallRequest {
            to: Some(registry),
            data: lineageCountCall {}.abi_encode().into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(U256::from_be_slice(&count.output), U256::from(1));
    let err = chain
        .call(&CallRequest {
            to: Some(registry),
            data: lineageCall { lineage_id: 9 }.abi_encode().into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        err,
        DevnetError::Reverted(Bytes::from(UnknownLineage(9).abi_encode()))
    );
    let created = LineageCreated::decode_log(&r.logs[0].log).unwrap();
    assert_eq!(
        (created.lineage_id, created.owner, created.name.as_str()),
        (1, DEV_ACCOUNT, "iris")
    );
}

#[test]
fn stylus_deployer_deploys_activates_and_constructs_in_one_transaction() {
    use zkmltrack_devnet::deployer::{IStylusDeployer, STYLUS_DEPLOYER};
    let mut chain = Devnet::default();
    let code = zkmltrack_devnet::stylus::program::encode(&common::wasm("registry"));
    let init_data = constructor_calldata(&(DEV_ACCOUNT, STYLUS_DEPLOYER).abi_encode_params());
    let deploy = IStylusDeployer::deployCall {
        bytecode: zkmltrack_protocol::evm::init_code_for(&code).into(),
        initData: init_data.into(),
        initValue: U256::ZERO,
        salt: Default::default(),
    };
    let before = chain.balance(DEV_ACCOUNT);
    let value = U256::from(10u128.pow(17));
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(STYLUS_DEPLOYER),
            value,
            data: deploy.abi_encode().into(),
            gas: None,
        })
        .unwrap();
    assert!(r.success, "{:?}", r.output);
    let deployed = r
        .logs
        .iter()
        .find_map(|l| IStylusDeployer::ContractDeployed::decode_log(&l.log).ok())
        .expect("ContractDeployed")
        .deployedContract;
    let owner = chain
        .call(&CallRequest {
            to: Some(deployed),
            data: ownerCall {}.abi_encode().into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(Address::from_slice(&owner.output[12..]), DEV_ACCOUNT);
    // Only the data fee and gas were spent: the rest of the 0.1 ETH came back.
    assert!(before - chain.balance(DEV_ACCOUNT) < U256::from(10u128.pow(16)));
    // The constructor cannot run twice.
    let again =
        constructor_calldata(&(Address::repeat_byte(0x33), Address::ZERO).abi_encode_params());
    assert!(chain
        .call(&CallRequest {
            to: Some(deployed),
            data: again.into(),
            ..Default::default()
        })
        .is_err());
    // A constructor that reverts: the StylusDeployer passes its revert data
    // on inside ContractInitializationError(newContract, data), as Nitro's
    // does since OffchainLabs/nitro-contracts 433f9ed (#338, 2025-05-13,
    // `src/stylus/StylusDeployer.sol`: `revert ContractInitializationError(
    // newContractAddress, data)` after the init call); here the registry
    // refuses a router without code.
    let no_code = Address::repeat_byte(0x44);
    let failing = IStylusDeployer::deployCall {
        bytecode: zkmltrack_protocol::evm::init_code_for(&code).into(),
        initData: constructor_calldata(&(DEV_ACCOUNT, no_code).abi_encode_params()).into(),
        initValue: U256::ZERO,
        salt: [7u8; 32].into(),
    };
    let err = chain
        .call(&CallRequest {
            to: Some(STYLUS_DEPLOYER),
            value,
            data: failing.abi_encode().into(),
            ..Default::default()
        })
        .unwrap_err();
    let DevnetError::Reverted(data) = err else {
        panic!("{err:?}")
    };
    let e = IStylusDeployer::ContractInitializationError::abi_decode(&data).unwrap();
    assert_eq!(e.data.to_vec(), InvalidRouter(no_code).abi_encode());
    // Non-owner governance is refused with the custom error.
    let attacker = chain.accounts()[1];
    let err = chain
        .call(&CallRequest {
            from: Some(attacker),
            to: Some(deployed),
            data: pauseCall {}.abi_encode().into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(
        err,
        DevnetError::Reverted(OwnableUnauthorizedAccount(attacker).abi_encode().into())
    );
}
