//! The devnet follows ArbOS 51's EVM rules (Nitro v3.9.9, geth fork `consensus-v51`), each
//! pinned to the source it comes from (see `docs/devnet.md`).

use alloy_sol_types::{sol, SolCall};
use revm::primitives::{Address, Bytes, U256};
use zkmltrack_devnet::{CallRequest, Devnet, TxRequest, DEV_ACCOUNT, MAX_TX_GAS};

sol! {
    function arbOSVersion() external view returns (uint256);
}

fn init_code_for(code: &[u8]) -> Bytes {
    zkmltrack_protocol::evm::init_code_for(code).into()
}

/// Intrinsic gas of a call with `data` (21,000; 4 per zero byte, 16 per other byte: no
/// EIP-7623 floor on Arbitrum without its feature flag).
fn intrinsic(data: &[u8]) -> u64 {
    21_000
        + data
            .iter()
            .map(|b| if *b == 0 { 4 } else { 16 })
            .sum::<u64>()
}

#[test]
fn arbsys_reports_arbos_51() {
    // precompiles/ArbSys.go: 55 + the ArbOS version.
    let chain = Devnet::default();
    let out = chain
        .call(&CallRequest {
            to: Some(Address::new(zkmltrack_protocol::system::ARB_SYS)),
            data: arbOSVersionCall {}.abi_encode().into(),
            ..Default::default()
        })
        .expect("arbOSVersion")
        .output;
    assert_eq!(U256::from_be_slice(&out), U256::from(106));
}

#[test]
fn modexp_is_priced_by_eip_7883() {
    // geth contracts.go (Osaka set from ArbOS 50): max(500, complexity x iterations); one-byte
    // operands and exponent 3 cost the floor, 500 (EIP-2565 gave 200).
    let mut data = vec![0u8; 96];
    data[31] = 1;
    data[63] = 1;
    data[95] = 1;
    data.extend([2, 3, 5]);
    let mut chain = Devnet::default();
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(Address::with_last_byte(5)),
            data: data.clone().into(),
            gas: Some(100_000),
            ..Default::default()
        })
        .expect("sends");
    assert!(r.success);
    assert_eq!(r.gas_used, intrinsic(&data) + 500);
    // EIP-7823: an operand above 1,024 bytes is an error, which takes all the gas.
    let mut big = vec![0u8; 96];
    big[30] = 0x04;
    big[31] = 0x01; // base length 1,025
    big[63] = 1;
    big[95] = 1;
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(Address::with_last_byte(5)),
            data: big.into(),
            gas: Some(100_000),
            ..Default::default()
        })
        .expect("sends");
    assert!(!r.success);
    assert_eq!(r.gas_used, 100_000);
}

#[test]
fn clz_exists() {
    // EIP-7939 (Osaka, so ArbOS 50): PUSH1 1, CLZ, PUSH0 MSTORE, return 32 bytes: 255.
    let code = [0x60, 0x01, 0x1e, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3];
    let mut chain = Devnet::default();
    let c = chain
        .deploy(DEV_ACCOUNT, init_code_for(&code))
        .expect("deploys");
    let out = chain
        .call(&CallRequest {
            to: Some(c),
            ..Default::default()
        })
        .expect("runs")
        .output;
    assert_eq!(U256::from_be_slice(&out), U256::from(255));
}

#[test]
fn gas_above_the_per_transaction_cap_is_held_back_not_refused() {
    // arbos/tx_processor.go GasChargingHook (ArbOS 50): execution gets at most 32M minus
    // the intrinsic gas; the rest is returned. An infinite loop shows where it stops.
    let spin = [0x5b, 0x5f, 0x56]; // JUMPDEST PUSH0 JUMP
    let mut chain = Devnet::default();
    let c = chain
        .deploy(DEV_ACCOUNT, init_code_for(&spin))
        .expect("deploys");
    let before = chain.balance(DEV_ACCOUNT);
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(c),
            gas: Some(100_000_000),
            ..Default::default()
        })
        .expect("a limit above the cap is accepted");
    assert!(!r.success);
    assert_eq!(r.gas_used, MAX_TX_GAS, "execution stops at the cap");
    let paid = before - chain.balance(DEV_ACCOUNT);
    assert_eq!(
        paid,
        U256::from(MAX_TX_GAS) * U256::from(r.effective_gas_price),
        "only the gas used is paid"
    );
}

/// Gas a precompile call takes beyond the intrinsic gas (a transaction to it).
fn precompile_gas(address: Address, data: Vec<u8>) -> u64 {
    let mut chain = Devnet::default();
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(address),
            data: data.clone().into(),
            gas: Some(1_000_000),
            ..Default::default()
        })
        .expect("sends");
    assert!(r.success, "{address}");
    r.gas_used - intrinsic(&data)
}

#[test]
fn osaka_and_prague_precompiles_are_priced_as_geth_prices_them() {
    // geth contracts.go: P256VERIFY (EIP-7951, Osaka, at 0x100) 6,900 whatever it finds;
    // BLS12-381 G1ADD (EIP-2537, Prague, 0x0b) 375 (two points at infinity are valid).
    assert_eq!(
        precompile_gas(Address::left_padding_from(&[1, 0]), vec![0u8; 160]),
        6_900
    );
    assert_eq!(
        precompile_gas(Address::with_last_byte(0x0b), vec![0u8; 256]),
        375
    );
    // MODEXP at EZKL's verifiers' operands (EIP-7883): 32-byte base and modulus are 16 per
    // iteration, a 254-bit exponent 253 iterations: 4,048 (EIP-2565 gave 1,349).
    let mut data = vec![0u8; 96];
    data[31] = 32;
    data[63] = 32;
    data[95] = 32;
    let p = U256::from_str_radix(
        "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001",
        16,
    )
    .unwrap();
    data.extend(U256::from(2u8).to_be_bytes::<32>());
    data.extend((p - U256::from(2u8)).to_be_bytes::<32>());
    data.extend(p.to_be_bytes::<32>());
    assert_eq!(precompile_gas(Address::with_last_byte(5), data), 4_048);
}
