//! Real EVM: EZKL's verifiers for the bundled Iris model, compiled by
//! verifier-gen, deployed on a local anvil (pinned npm @foundry-rs/anvil,
//! loopback only) and called with the SDK's proofs: the reusable verifier with
//! the registered VKA and the plain verifier both accept a real proof and
//! revert on a tampered one.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use alloy_primitives::{Bytes, FixedBytes, U256};
use alloy_sol_types::{sol, SolCall};
use serde_json::{json, Value};
use zkmltrack::{
    dataset::Dataset,
    prover::{Progress, Proof, Prover, ProverConfig, SrsSource, VerifierKind},
    solc::Solc,
};
use zkmltrack_verifier_gen::{generate, VerifierBundle, MAX_RUNTIME_SIZE};

sol! {
    function registerVka(bytes32[] vka) returns (bytes32);
    function verifyProof(bytes proof, uint256[] instances, bytes32[] vka) returns (bool);
}

mod plain {
    alloy_sol_types::sol! {
        function verifyProof(bytes proof, uint256[] instances) returns (bool);
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A loopback anvil, killed on drop.
struct Anvil {
    child: Child,
    url: String,
}

impl Anvil {
    fn start() -> Anvil {
        let binary = std::env::var("ZKMLTRACK_ANVIL")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                repo().join("tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
            });
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&binary)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--silent",
                "--code-size-limit",
                "24576",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} (run scripts/test to install it): {e}",
                    binary.display()
                )
            });
        let anvil = Anvil {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while anvil.rpc_raw("eth_chainId", json!([])).is_err() {
            assert!(
                Instant::now() < deadline,
                "anvil did not answer within 30 s"
            );
            thread::sleep(Duration::from_millis(100));
        }
        anvil
    }

    fn rpc_raw(&self, method: &str, params: Value) -> Result<Value, Value> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let response: Value = ureq::post(&self.url)
            .send_json(&body)
            .map_err(|e| json!(e.to_string()))?
            .body_mut()
            .read_json()
            .map_err(|e| json!(e.to_string()))?;
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response["result"].clone()),
        }
    }

    fn rpc(&self, method: &str, params: Value) -> Value {
        self.rpc_raw(method, params)
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    fn account(&self) -> String {
        self.rpc("eth_accounts", json!([]))[0]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Sends a transaction from the first dev account; returns the receipt.
    fn send(&self, to: Option<&str>, data: &str) -> Value {
        let mut tx = json!({ "from": self.account(), "data": data, "gas": "0x1c9c380" });
        if let Some(to) = to {
            tx["to"] = json!(to);
        }
        let hash = self.rpc("eth_sendTransaction", json!([tx]));
        // Anvil mines at once, but the receipt can trail the hash by a moment.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let receipt = self.rpc("eth_getTransactionReceipt", json!([hash]));
            if !receipt.is_null() {
                assert_eq!(receipt["status"], "0x1", "transaction reverted: {receipt}");
                return receipt;
            }
            assert!(
                Instant::now() < deadline,
                "no receipt for {hash} within 30 s"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn deploy(&self, bundle: &VerifierBundle) -> String {
        let receipt = self.send(None, &bundle.bytecode);
        let address = receipt["contractAddress"].as_str().unwrap().to_string();
        let code = self.rpc("eth_getCode", json!([address, "latest"]));
        assert_eq!(
            code.as_str().unwrap().len() / 2 - 1,
            bundle.runtime_size,
            "deployed code is the bundle's"
        );
        address
    }

    fn call(&self, to: &str, data: &[u8]) -> Result<Vec<u8>, Value> {
        let data = format!("0x{}", hex(data));
        let out = self.rpc_raw(
            "eth_call",
            json!([{ "to": to, "data": data, "gas": "0x1c9c380" }, "latest"]),
        )?;
        Ok(unhex(out.as_str().unwrap()))
    }

    fn estimate(&self, to: &str, data: &[u8]) -> u64 {
        let data = format!("0x{}", hex(data));
        let gas = self.rpc("eth_estimateGas", json!([{ "to": to, "data": data }]));
        u64::from_str_radix(gas.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn instances(proof: &Proof) -> Vec<U256> {
    proof
        .instances
        .iter()
        .map(|f| U256::from_be_bytes(f.to_be_bytes()))
        .collect()
}

fn first_word_is_one(out: &[u8]) -> bool {
    out.len() >= 32 && U256::from_be_slice(&out[..32]) == U256::from(1u8)
}

#[test]
fn iris_proofs_verify_on_chain_with_reusable_and_plain_verifiers() {
    let prover = Prover::new(ProverConfig::new(
        repo().join("target/zkmltrack-circuits"),
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

    let reusable = generate(&circuit, VerifierKind::Reusable, &solc).unwrap();
    let plain_bundle = generate(&circuit, VerifierKind::Plain, &solc).unwrap();
    for bundle in [&reusable, &plain_bundle] {
        assert!(bundle.runtime_size <= MAX_RUNTIME_SIZE);
        eprintln!(
            "{}: runtime {} B, init {} B",
            bundle.contract, bundle.runtime_size, bundle.initcode_size
        );
    }
    let bundle_path = repo().join("target/zkmltrack-circuits/iris-reusable.bundle.json");
    reusable.write(&bundle_path).unwrap();
    assert_eq!(VerifierBundle::read(&bundle_path).unwrap(), reusable);

    let anvil = Anvil::start();

    // Reusable verifier: register the VKA (its digest is keccak256 of the words).
    let vka = reusable.vka.as_ref().unwrap();
    let words: Vec<FixedBytes<32>> = vka.words.iter().map(|w| w.parse().unwrap()).collect();
    let verifier = anvil.deploy(&reusable);
    let registration = registerVkaCall { vka: words.clone() }.abi_encode();
    let digest = anvil.call(&verifier, &registration).unwrap();
    assert_eq!(
        format!("0x{}", hex(&digest)),
        vka.digest,
        "on-chain VKA digest equals the bundle's"
    );
    anvil.send(Some(&verifier), &format!("0x{}", hex(&registration)));

    let call = |bytes: Vec<u8>, inst: Vec<U256>| {
        verifyProofCall {
            proof: Bytes::from(bytes),
            instances: inst,
            vka: words.clone(),
        }
        .abi_encode()
    };
    let ok = call(proof.bytes.clone(), instances(&proof));
    assert!(
        first_word_is_one(&anvil.call(&verifier, &ok).unwrap()),
        "the SDK's proof verifies on-chain"
    );
    eprintln!(
        "reusable verifyProof gas: {}",
        anvil.estimate(&verifier, &ok)
    );
    let mut flipped = proof.bytes.clone();
    flipped[100] ^= 1;
    assert!(
        anvil
            .call(&verifier, &call(flipped, instances(&proof)))
            .is_err(),
        "tampered proof reverts"
    );
    let mut altered = instances(&proof);
    altered[5] += U256::from(1u8);
    assert!(
        anvil
            .call(&verifier, &call(proof.bytes.clone(), altered))
            .is_err(),
        "tampered instances revert"
    );

    // Plain verifier: the key is in the code.
    let plain_verifier = anvil.deploy(&plain_bundle);
    let ok = plain::verifyProofCall {
        proof: Bytes::from(proof.bytes.clone()),
        instances: instances(&proof),
    }
    .abi_encode();
    assert!(first_word_is_one(
        &anvil.call(&plain_verifier, &ok).unwrap()
    ));
    eprintln!(
        "plain verifyProof gas: {}",
        anvil.estimate(&plain_verifier, &ok)
    );
    let mut altered = instances(&proof);
    altered[0] += U256::from(1u8);
    let bad = plain::verifyProofCall {
        proof: Bytes::from(proof.bytes.clone()),
        instances: altered,
    }
    .abi_encode();
    assert!(anvil.call(&plain_verifier, &bad).is_err());
}

#[test]
fn refuses_a_verifier_over_the_size_limit() {
    let prover = Prover::new(ProverConfig::new(
        repo().join("target/zkmltrack-circuits"),
        SrsSource::TestOnly,
    ))
    .unwrap();
    let solc = Solc::ensure(&prover.config().home).unwrap();
    // 25,000 bytes of runtime code: a constant returned by the contract.
    let big = format!(
        "pragma solidity ^0.8.0; contract Big {{ function blob() external pure returns (bytes memory) {{ return hex\"{}\"; }} }}",
        "ab".repeat(25_000)
    );
    let err = zkmltrack_verifier_gen::compile(&solc, &big, "Big").unwrap_err();
    assert!(
        err.to_string()
            .contains("over the 24576-byte limit (EIP-170)"),
        "{err}"
    );
    let err = zkmltrack_verifier_gen::compile(&solc, "contract {", "X").unwrap_err();
    assert!(err.to_string().starts_with("solc:"), "{err}");
}
