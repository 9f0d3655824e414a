//! Devnet throughput, in-process: signed and mined Stylus storage-write
//! transactions per second, Stylus view calls per second (the real
//! ModelRegistry), and EZKL `verifyProof` with a real Iris proof per second,
//! as read-only calls (the eth_call path: state copied per call) and as
//! signed, executed and mined transactions, for the reusable verifier (VKA as
//! calldata) and the plain one; an empty call gives the devnet's own cost per
//! request.
//!
//! ```text
//! cargo run --release -p zkmltrack-bench --bin devnet -- [--rounds N] [--write docs/benchmarks.md]
//! ```

use std::{path::Path, time::Instant};

use alloy::{
    primitives::{Address, Bytes, B256, U256},
    sol,
    sol_types::{SolCall, SolValue},
};
use serde_json::json;
use zkmltrack::verifier::{generate, VerifierBundle};
use zkmltrack::{
    chain::bindings::{IPlainVerifier, IReusableVerifier},
    dataset::Dataset,
    prover::{Prover, ProverConfig, SrsSource, VerifierKind},
    solc::Solc,
};
use zkmltrack_bench::{arg, machine, replace_section, repo_root, thousands, write_results};
use zkmltrack_devnet::{
    stylus::program::constructor_calldata, CallRequest, Devnet, TxRequest, DEV_ACCOUNT,
};

sol! {
    function lineageCount() returns (uint64);
}

/// One measured request.
#[derive(serde::Serialize)]
struct Row {
    what: &'static str,
    calldata: usize,
    /// Gas of the mined transactions (none for call-only rows).
    gas_used: Option<u64>,
    calls_per_s: Option<f64>,
    txs_per_s: Option<f64>,
}

fn deploy(chain: &mut Devnet, bundle: &VerifierBundle) -> Address {
    let init_code = bundle.init_code().expect("bundle init code");
    chain
        .deploy(DEV_ACCOUNT, init_code.into())
        .expect("verifier deploys")
}

fn send(chain: &mut Devnet, to: Address, data: Vec<u8>, gas: Option<u64>) -> (u64, Bytes) {
    let receipt = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(to),
            data: data.into(),
            gas,
            ..Default::default()
        })
        .expect("transaction is accepted");
    assert!(receipt.success, "transaction to {to} reverted");
    (receipt.gas_used, receipt.output)
}

/// `rounds` calls and/or `rounds` mined transactions of `data` to `to`;
/// `check` sees every answer.
fn measure(
    chain: &mut Devnet,
    what: &'static str,
    to: Address,
    data: Vec<u8>,
    rounds: usize,
    (calls, txs): (bool, bool),
    check: &dyn Fn(&[u8]),
) -> Row {
    let call = CallRequest {
        to: Some(to),
        data: data.clone().into(),
        ..Default::default()
    };
    check(&chain.call(&call).expect("call").output);
    let gas = chain.estimate_gas(&call).expect("estimate");
    let calls_per_s = calls.then(|| {
        let start = Instant::now();
        for _ in 0..rounds {
            check(&chain.call(&call).expect("call").output);
        }
        rounds as f64 / start.elapsed().as_secs_f64()
    });
    let mut gas_used = None;
    let txs_per_s = txs.then(|| {
        let start = Instant::now();
        for _ in 0..rounds {
            let (used, output) = send(chain, to, data.clone(), Some(gas));
            check(&output);
            gas_used = Some(used);
        }
        rounds as f64 / start.elapsed().as_secs_f64()
    });
    Row {
        what,
        calldata: data.len(),
        gas_used,
        calls_per_s,
        txs_per_s,
    }
}

fn main() {
    let rounds: usize =
        arg("--rounds").map_or(300, |v| v.parse().expect("--rounds takes a number"));
    let repo = repo_root();
    let mut chain = Devnet::default();

    // Stylus: a storage-writing probe and the real ModelRegistry.
    let probe = wat::parse_file(repo.join("devnet/tests/programs/probe.wat")).expect("probe WAT");
    let probe = chain.deploy_stylus(DEV_ACCOUNT, &probe).expect("probe");
    let registry_wasm = std::fs::read(repo.join("contracts/target/stylus/registry.wasm"))
        .expect("run scripts/build-contracts first");
    let registry = chain
        .deploy_stylus(DEV_ACCOUNT, &registry_wasm)
        .expect("registry");
    send(
        &mut chain,
        registry,
        // The probe stands in for the router: the registry wants a contract there.
        constructor_calldata(&(DEV_ACCOUNT, probe).abi_encode_params()),
        None,
    );
    let start = Instant::now();
    let mut write_gas = 0;
    for i in 0..rounds {
        let data = [vec![1u8], U256::from(i + 1).to_be_bytes::<32>().to_vec()].concat();
        write_gas = send(&mut chain, probe, data, Some(200_000)).0;
    }
    let writes = Row {
        what: "Stylus storage write (probe program: one new slot)",
        calldata: 33,
        gas_used: Some(write_gas),
        calls_per_s: None,
        txs_per_s: Some(rounds as f64 / start.elapsed().as_secs_f64()),
    };
    let views = measure(
        &mut chain,
        "Stylus view (ModelRegistry.lineageCount)",
        registry,
        lineageCountCall {}.abi_encode(),
        rounds * 4,
        (true, false),
        &|out| assert_eq!(out.len(), 32, "lineageCount answers one word"),
    );

    // EZKL verifiers with one real Iris proof.
    let prover = Prover::new(ProverConfig::new(
        repo.join("target/bench/circuits-default-scale"),
        SrsSource::TestOnly,
    ))
    .expect("prover");
    let solc = Solc::ensure(&prover.config().home).expect("solc");
    let data = Dataset::from_csv(&repo.join("examples/iris/eval.csv")).expect("Iris");
    let rows: Vec<Vec<f64>> = data.rows.iter().map(|r| r.features.clone()).collect();
    let circuit = prover
        .circuit(&repo.join("examples/iris/model.onnx"), &rows[..8], &|_| {})
        .expect("circuit");
    let proof = circuit.prove(&rows[3..4], &|_| {}).expect("proof");
    let instances: Vec<U256> = proof
        .instances
        .iter()
        .map(|f| U256::from_be_bytes(f.to_be_bytes()))
        .collect();
    let reusable = generate(&circuit, VerifierKind::Reusable, &solc).expect("reusable verifier");
    let plain = generate(&circuit, VerifierKind::Plain, &solc).expect("plain verifier");
    let reusable_at = deploy(&mut chain, &reusable);
    let plain_at = deploy(&mut chain, &plain);
    let vka: Vec<B256> = reusable
        .vka
        .as_ref()
        .expect("the reusable bundle has a VKA")
        .words
        .iter()
        .map(|w| w.parse().expect("VKA word"))
        .collect();
    send(
        &mut chain,
        reusable_at,
        IReusableVerifier::registerVkaCall { vka: vka.clone() }.abi_encode(),
        None,
    );
    // EZKL's verifiers return more than the ABI's one word; the first one is the answer.
    let accepted = |out: &[u8]| {
        assert!(
            out.len() >= 32 && U256::from_be_slice(&out[..32]) == U256::from(1u8),
            "the proof is not accepted"
        )
    };
    let verifier_rounds = (rounds / 2).max(1);
    let reusable_row = measure(
        &mut chain,
        "EZKL verifyProof, reusable verifier + VKA as calldata",
        reusable_at,
        IReusableVerifier::verifyProofCall {
            proof: proof.bytes.clone().into(),
            instances: instances.clone(),
            vka,
        }
        .abi_encode(),
        verifier_rounds,
        (true, true),
        &accepted,
    );
    let plain_row = measure(
        &mut chain,
        "EZKL verifyProof, plain verifier (key in code)",
        plain_at,
        IPlainVerifier::verifyProofCall {
            proof: proof.bytes.clone().into(),
            instances,
        }
        .abi_encode(),
        verifier_rounds,
        (true, true),
        &accepted,
    );
    let empty = measure(
        &mut chain,
        "baseline: empty call to an account without code (devnet overhead)",
        Address::repeat_byte(0x42),
        Vec::new(),
        rounds * 4,
        (true, true),
        &|_| {},
    );
    let table = [writes, views, reusable_row, plain_row, empty];

    let per_s = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0}"));
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{:.2}", 1000.0 / v));
    let mut md = format!(
        "Command: `cargo run --release -p zkmltrack-bench --bin devnet -- --rounds {rounds} --write \
         docs/benchmarks.md` (run by `scripts/bench`). Machine: {}. In-process devnet (revm 43, \
         wasmi 2), one request at a time; the verifier rows use one real Iris proof (test-only SRS, \
         7 public instances) and check every answer is `true`.\n\n\
         | request | calldata bytes | gas used | eth_call per second | ms per call | mined transactions per second | ms per transaction |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
        machine()
    );
    for row in &table {
        md += &format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            row.what,
            thousands(row.calldata as u64),
            row.gas_used.map_or("-".into(), thousands),
            per_s(row.calls_per_s),
            ms(row.calls_per_s),
            per_s(row.txs_per_s),
            ms(row.txs_per_s)
        );
    }
    println!("{md}");
    write_results(
        "devnet",
        &json!({ "machine": machine(), "rounds": rounds, "rows": table }),
    );
    if let Some(file) = arg("--write") {
        replace_section(Path::new(&file), "devnet-bench", &md);
    }
}
