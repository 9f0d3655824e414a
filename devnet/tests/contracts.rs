//! The repository's Stylus contracts on the devnet: deploy, activate, call, events, custom
//! errors; EVM <-> Stylus interop through the router and an EVM verifier stand-in.

use std::path::PathBuf;

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
    error OwnableUnauthorizedAccount(address);
    event LineageCreated(uint64 indexed lineage_id, address indexed owner, string name);
}

fn wasm(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/target/stylus")
        .join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run scripts/build-contracts first)",
            path.display()
        )
    })
}

#[test]
fn registry_deploys_activates_and_answers() {
    let mut chain = Devnet::default();
    let registry = chain
        .deploy_stylus(DEV_ACCOUNT, &wasm("registry"))
        .expect("deploy + activate");
    let ctor = constructor_calldata(&(DEV_ACCOUNT, Address::repeat_byte(0x11)).abi_encode_params());
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(registry),
            data: ctor.into(),
            ..Default::default()
        })
        .unwrap();
    assert!(r.success, "constructor: {:?} {:?}", r.output, r.console);
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
    println!("createLineage gas {}", r.gas_used);
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
    let _ = LineageCreated::SIGNATURE_HASH;
    let _ = ownerCall {};
    let _ = pauseCall {};
    let _ = OwnableUnauthorizedAccount(Address::ZERO);
}
