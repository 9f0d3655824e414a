//! Devnet throughput: signed, mined Stylus storage-write transactions per second and Stylus
//! view calls per second (the ModelRegistry), in-process.
//!
//! `cargo run --release -p zkmltrack-devnet --example bench_devnet [-- --rounds N]`
//! (needs `scripts/build-contracts` for the registry WASM).

use std::time::Instant;

use alloy_sol_types::{sol, SolCall, SolValue};
use revm::primitives::{Address, U256};
use zkmltrack_devnet::{
    stylus::program::constructor_calldata, CallRequest, Devnet, TxRequest, DEV_ACCOUNT,
};

sol! {
    function lineageCount() returns (uint64);
}

fn main() {
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .map(|v| v.parse().expect("--rounds takes a number"))
        .unwrap_or(500);
    let mut chain = Devnet::default();
    let probe = wat::parse_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/programs/probe.wat"
    ))
    .unwrap();
    let p = chain.deploy_stylus(DEV_ACCOUNT, &probe).unwrap();
    let start = Instant::now();
    for i in 0..rounds {
        let data = [vec![1u8], U256::from(i + 1).to_be_bytes::<32>().to_vec()].concat();
        let r = chain
            .send(TxRequest {
                from: DEV_ACCOUNT,
                to: Some(p),
                data: data.into(),
                gas: Some(200_000),
                ..Default::default()
            })
            .unwrap();
        assert!(r.success);
    }
    let writes = rounds as f64 / start.elapsed().as_secs_f64();

    let registry_wasm = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../contracts/target/stylus/registry.wasm"
    ))
    .expect("run scripts/build-contracts first");
    let registry = chain.deploy_stylus(DEV_ACCOUNT, &registry_wasm).unwrap();
    let ctor = constructor_calldata(&(DEV_ACCOUNT, Address::ZERO).abi_encode_params());
    chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(registry),
            data: ctor.into(),
            ..Default::default()
        })
        .unwrap();
    let call = CallRequest {
        to: Some(registry),
        data: lineageCountCall {}.abi_encode().into(),
        ..Default::default()
    };
    let start = Instant::now();
    for _ in 0..rounds {
        chain.call(&call).unwrap();
    }
    let views = rounds as f64 / start.elapsed().as_secs_f64();
    println!("| measurement | per second |\n|---|---|");
    println!("| Stylus storage write, signed + executed + mined transaction | {writes:.0} |");
    println!("| Stylus view call (ModelRegistry.lineageCount, eth_call path) | {views:.0} |");
}
