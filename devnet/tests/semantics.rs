//! Nitro semantics the devnet must follow, probed with a hand-written WASM program
//! (`programs/probe.wat`) and small EVM contracts: storage cache and flush, static-call
//! refusal of writes, `msg_reentrant`, EVM <-> Stylus calls both ways, activation rules.

use alloy_sol_types::SolError;
use revm::primitives::{Address, Bytes, U256};
use zkmltrack_devnet::{
    arbos::IArbWasm, stylus::program::encode, CallRequest, Devnet, DevnetError, TxRequest,
    DEV_ACCOUNT,
};

fn init_code_for(code: &[u8]) -> Bytes {
    zkmltrack_protocol::evm::init_code_for(code).into()
}

fn probe_wasm() -> Vec<u8> {
    wat::parse_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/programs/probe.wat"
    ))
    .expect("probe.wat parses")
}

/// EVM contract: forwards its calldata to `target` with `op` (0xf1 CALL or 0xfa STATICCALL)
/// and returns (first 32 bytes of the answer, success flag).
fn forwarder(op: u8, target: Address) -> Bytes {
    let mut c = vec![
        0x36, 0x60, 0x00, 0x60, 0x00, 0x37, 0x60, 0x20, 0x60, 0x00, 0x36, 0x60, 0x00,
    ];
    if op == 0xf1 {
        c.extend([0x60, 0x00]);
    }
    c.push(0x73);
    c.extend_from_slice(target.as_slice());
    c.extend([0x5a, op, 0x60, 0x20, 0x52, 0x60, 0x40, 0x60, 0x00, 0xf3]);
    init_code_for(&c)
}

fn word(v: u8) -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[31] = v;
    w
}

/// Sends with a fixed gas limit: an estimate would find the least gas with which the outer
/// call succeeds, which for forwarders can be a limit at which the inner call runs out of gas.
fn send(chain: &mut Devnet, to: Address, data: Vec<u8>) -> zkmltrack_devnet::Receipt {
    let gas = Some(3_000_000);
    chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(to),
            data: data.into(),
            gas,
            ..Default::default()
        })
        .unwrap()
}

fn call(chain: &Devnet, to: Address, data: Vec<u8>) -> Result<Bytes, DevnetError> {
    chain
        .call(&CallRequest {
            to: Some(to),
            data: data.into(),
            ..Default::default()
        })
        .map(|r| r.output)
}

#[test]
fn storage_cache_is_flushed_only_on_request() {
    let mut chain = Devnet::default();
    let p = chain.deploy_stylus(DEV_ACCOUNT, &probe_wasm()).unwrap();
    assert!(send(&mut chain, p, [vec![1], word(7)].concat()).success);
    assert_eq!(chain.storage(p, U256::ZERO), U256::from(7));
    assert_eq!(call(&chain, p, vec![3]).unwrap().to_vec(), word(7));
    // Cached but never flushed: lost at return, as on Nitro.
    assert!(send(&mut chain, p, [vec![2], word(9)].concat()).success);
    assert_eq!(chain.storage(p, U256::ZERO), U256::from(7));
}

#[test]
fn static_calls_cannot_write_but_can_read() {
    let mut chain = Devnet::default();
    let p = chain.deploy_stylus(DEV_ACCOUNT, &probe_wasm()).unwrap();
    let s = chain.deploy(DEV_ACCOUNT, forwarder(0xfa, p)).unwrap();
    assert!(send(&mut chain, p, [vec![1], word(5)].concat()).success);
    let out = call(&chain, s, [vec![1], word(6)].concat()).unwrap();
    assert_eq!(
        out[32..].to_vec(),
        word(0),
        "a write under STATICCALL must fail"
    );
    let r = send(&mut chain, s, [vec![1], word(6)].concat());
    assert!(
        r.success && r.console.iter().any(|l| l.contains("static")),
        "{:?}",
        r.console
    );
    assert_eq!(chain.storage(p, U256::ZERO), U256::from(5));
    let out = call(&chain, s, vec![3]).unwrap();
    assert_eq!(out.to_vec(), [word(5), word(1)].concat());
}

#[test]
fn reentrancy_flag_and_calls_both_ways() {
    let mut chain = Devnet::default();
    let p = chain.deploy_stylus(DEV_ACCOUNT, &probe_wasm()).unwrap();
    let e = chain.deploy(DEV_ACCOUNT, forwarder(0xf1, p)).unwrap();
    // EVM -> Stylus: not reentrant.
    assert_eq!(
        call(&chain, e, vec![4]).unwrap().to_vec(),
        [word(0), word(1)].concat()
    );
    // Stylus -> EVM -> same Stylus program: the inner frame is reentrant.
    let data = [vec![5], e.to_vec(), vec![4]].concat();
    assert_eq!(
        call(&chain, p, data).unwrap().to_vec(),
        [word(1), word(1)].concat()
    );
    // Stylus -> EVM -> Stylus write, committed in one transaction.
    let data = [vec![5], e.to_vec(), vec![1], word(3)].concat();
    assert!(send(&mut chain, p, data).success);
    assert_eq!(chain.storage(p, U256::ZERO), U256::from(3));
}

#[test]
fn programs_must_be_activated_and_valid() {
    let mut chain = Devnet::default();
    let code = encode(&probe_wasm());
    let p = chain.deploy(DEV_ACCOUNT, init_code_for(&code)).unwrap();
    let err = call(&chain, p, vec![3]).unwrap_err();
    assert_eq!(
        err,
        DevnetError::Reverted(IArbWasm::ProgramNotActivated {}.abi_encode().into())
    );
    chain.activate(DEV_ACCOUNT, p).unwrap();
    assert_eq!(call(&chain, p, vec![3]).unwrap().to_vec(), word(0));
    let again = chain.activate(DEV_ACCOUNT, p).unwrap_err();
    assert_eq!(
        again,
        DevnetError::Reverted(IArbWasm::ProgramUpToDate {}.abi_encode().into())
    );
    // Not WASM behind the prefix: activation refuses with a reason.
    let junk = chain
        .deploy(
            DEV_ACCOUNT,
            init_code_for(&[0xEF, 0xF0, 0x00, 0x00, 1, 2, 3]),
        )
        .unwrap();
    assert!(matches!(
        chain.activate(DEV_ACCOUNT, junk),
        Err(DevnetError::Reverted(_))
    ));
    // A module without the Stylus entrypoint is refused.
    let no_entry = wat::parse_str("(module (memory (export \"memory\") 1))").unwrap();
    assert!(chain.deploy_stylus(DEV_ACCOUNT, &no_entry).is_err());
}

#[test]
fn out_of_ink_is_out_of_gas_and_reverts_leave_no_trace() {
    let mut chain = Devnet::default();
    let spin = wat::parse_str(
        r#"(module (memory (export "memory") 1 1)
             (func (export "user_entrypoint") (param i32) (result i32) (loop (br 0)) (i32.const 0)))"#,
    )
    .unwrap();
    let p = chain.deploy_stylus(DEV_ACCOUNT, &spin).unwrap();
    let r = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(p),
            gas: Some(200_000),
            ..Default::default()
        })
        .unwrap();
    assert!(!r.success);
    assert_eq!(r.gas_used, 200_000, "out of ink consumes all gas");
}

#[test]
fn invalid_transactions_are_refused_with_nothing_changed() {
    use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_signer::SignerSync;
    use alloy_signer_local::PrivateKeySigner;
    use revm::primitives::TxKind;

    let mut chain = Devnet::default();
    let raw = |key: &PrivateKeySigner, chain_id: u64, nonce: u64| {
        let tx = TxEip1559 {
            chain_id,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(Address::repeat_byte(1)),
            value: U256::from(1),
            ..Default::default()
        };
        let sig = key.sign_hash_sync(&tx.signature_hash()).unwrap();
        TxEnvelope::Eip1559(tx.into_signed(sig)).encoded_2718()
    };
    let dev = PrivateKeySigner::from_bytes(&zkmltrack_devnet::DEV_KEY).unwrap();
    let head = chain.block_number();
    assert_eq!(
        chain.send_raw(&raw(&dev, 1, 0)),
        Err(DevnetError::WrongChain {
            expected: 412_346,
            got: 1
        })
    );
    assert_eq!(
        chain.send_raw(&raw(&dev, 412_346, 5)),
        Err(DevnetError::NonceTooHigh {
            expected: 0,
            got: 5
        })
    );
    let broke = PrivateKeySigner::random();
    assert!(matches!(
        chain.send_raw(&raw(&broke, 412_346, 0)),
        Err(DevnetError::InsufficientFunds { .. })
    ));
    assert!(matches!(
        chain.send_raw(&[0x02, 0xc0]),
        Err(DevnetError::MalformedTransaction(_))
    ));
    assert_eq!(
        chain.block_number(),
        head,
        "refused transactions mine nothing"
    );
    assert_eq!(chain.nonce(DEV_ACCOUNT), 0);
}
