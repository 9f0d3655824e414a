//! EZKL verifier calls on the devnet: proves the bundled Iris model once (test-only SRS,
//! workspace `target/bench-verifier-devnet`), deploys EZKL's reusable verifier (+ registerVka)
//! and plain verifier on an in-process devnet, and measures `verifyProof` with that real proof
//! per second, as read-only calls (`Devnet::call`, the eth_call path: state copied per call)
//! and as signed, executed and mined transactions (`Devnet::send`, gas limit fixed from one
//! estimate). An empty call and an empty transaction give the devnet's own cost per request.
//! Prints a markdown table.
//!
//! ```text
//! ZKMLTRACK_HOME=.zkmltrack cargo run --release -p zkmltrack-verifier-gen --example bench_verifier_devnet [-- --rounds N]
//! ```

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use alloy_primitives::{hex, Address, Bytes, FixedBytes, U256};
use alloy_sol_types::SolCall;
use zkmltrack::{
    chain::bindings::{IPlainVerifier, IReusableVerifier},
    dataset::Dataset,
    prover::{Progress, Prover, ProverConfig, SrsSource, VerifierKind},
    solc::Solc,
};
use zkmltrack_devnet::{CallRequest, Devnet, TxRequest, DEV_ACCOUNT};
use zkmltrack_verifier_gen::{generate, VerifierBundle};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// One row of the table.
struct Row {
    label: &'static str,
    calldata: usize,
    gas_used: u64,
    calls_per_s: f64,
    txs_per_s: f64,
}

/// Deploys a bundle's init code; returns the address.
fn deploy(chain: &mut Devnet, bundle: &VerifierBundle) -> Address {
    let init_code = hex::decode(&bundle.bytecode).expect("bundle bytecode is hex");
    chain.deploy(DEV_ACCOUNT, init_code.into()).unwrap()
}

/// `rounds` calls, then `rounds` mined transactions, of `data` to `to`; `expect_true` checks
/// every answer is `true` (a verifier accepting).
fn measure(
    chain: &mut Devnet,
    label: &'static str,
    to: Address,
    data: Vec<u8>,
    expect_true: bool,
    rounds: usize,
) -> Row {
    let call = CallRequest {
        to: Some(to),
        data: data.clone().into(),
        ..Default::default()
    };
    // EZKL's verifiers return more than the ABI's one word; the first one is the answer.
    let check = |output: &[u8]| {
        if expect_true {
            assert!(
                output.len() >= 32 && U256::from_be_slice(&output[..32]) == U256::from(1u8),
                "{label}: the proof is not accepted"
            );
        }
    };
    check(&chain.call(&call).unwrap().output);
    let gas = chain.estimate_gas(&call).unwrap();

    let start = Instant::now();
    for _ in 0..rounds {
        check(&chain.call(&call).unwrap().output);
    }
    let calls_per_s = rounds as f64 / start.elapsed().as_secs_f64();

    let mut gas_used = 0;
    let start = Instant::now();
    for _ in 0..rounds {
        let receipt = chain
            .send(TxRequest {
                from: DEV_ACCOUNT,
                to: Some(to),
                data: data.clone().into(),
                gas: Some(gas),
                ..Default::default()
            })
            .unwrap();
        assert!(receipt.success, "{label}: transaction reverted");
        check(&receipt.output);
        gas_used = receipt.gas_used;
    }
    let txs_per_s = rounds as f64 / start.elapsed().as_secs_f64();
    Row {
        label,
        calldata: data.len(),
        gas_used,
        calls_per_s,
        txs_per_s,
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .map(|v| v.parse().expect("--rounds takes a number"))
        .unwrap_or(200);

    let prover = Prover::new(ProverConfig::new(
        repo().join("target/bench-verifier-devnet"),
        SrsSource::TestOnly,
    ))
    .unwrap();
    let solc = Solc::ensure(&prover.config().home).unwrap();
    let data = Dataset::from_csv(&repo().join("examples/iris/eval.csv")).unwrap();
    let rows: Vec<Vec<f64>> = data.rows.iter().map(|r| r.features.clone()).collect();
    let log = |p: Progress| eprintln!("  {p:?}");
    let circuit = prover
        .circuit(&repo().join("examples/iris/model.onnx"), &rows[..8], &log)
        .unwrap();
    let proof = circuit.prove(&rows[3..4], &log).unwrap();
    let instances: Vec<U256> = proof
        .instances
        .iter()
        .map(|f| U256::from_be_bytes(f.to_be_bytes()))
        .collect();
    let reusable = generate(&circuit, VerifierKind::Reusable, &solc).unwrap();
    let plain_bundle = generate(&circuit, VerifierKind::Plain, &solc).unwrap();

    let mut chain = Devnet::default();
    let reusable_at = deploy(&mut chain, &reusable);
    let vka: Vec<FixedBytes<32>> = reusable
        .vka
        .as_ref()
        .expect("the reusable bundle has a VKA")
        .words
        .iter()
        .map(|w| w.parse().unwrap())
        .collect();
    let registration = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(reusable_at),
            data: IReusableVerifier::registerVkaCall { vka: vka.clone() }
                .abi_encode()
                .into(),
            ..Default::default()
        })
        .unwrap();
    assert!(registration.success, "registerVka reverted");
    let plain_at = deploy(&mut chain, &plain_bundle);

    let reusable_call = IReusableVerifier::verifyProofCall {
        proof: Bytes::from(proof.bytes.clone()),
        instances: instances.clone(),
        vka,
    }
    .abi_encode();
    let plain_call = IPlainVerifier::verifyProofCall {
        proof: Bytes::from(proof.bytes.clone()),
        instances,
    }
    .abi_encode();
    eprintln!("measuring, {rounds} rounds each");
    let table = [
        measure(
            &mut chain,
            "verifyProof, EZKL reusable verifier + VKA as calldata",
            reusable_at,
            reusable_call,
            true,
            rounds,
        ),
        measure(
            &mut chain,
            "verifyProof, EZKL plain verifier (key in code)",
            plain_at,
            plain_call,
            true,
            rounds,
        ),
        measure(
            &mut chain,
            "baseline: empty call to an account without code (devnet overhead)",
            Address::repeat_byte(0x42),
            Vec::new(),
            false,
            rounds,
        ),
    ];
    println!(
        "| request | calldata bytes | gas used | eth_call per second | ms per call | mined transactions per second | ms per transaction |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in table {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.0} | {:.2} |",
            row.label,
            row.calldata,
            row.gas_used,
            row.calls_per_s,
            1000.0 / row.calls_per_s,
            row.txs_per_s,
            1000.0 / row.txs_per_s
        );
    }
}
