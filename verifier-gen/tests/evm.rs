//! Real EVM: EZKL's verifiers for the bundled Iris model, compiled by
//! verifier-gen, and one real proof from the SDK (test-only SRS), on two
//! chains, both under Osaka's rules: a local anvil (pinned npm
//! @foundry-rs/anvil, loopback only, over JSON-RPC) and the in-process
//! zkMLTrack devnet. On each, the reusable verifier with the registered VKA and
//! the plain verifier accept the proof in a call and in a mined transaction,
//! and revert on a flipped proof byte and on each altered instance; the
//! verifying transactions use exactly the same gas on both chains.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use alloy_primitives::{hex, Address, Bytes, FixedBytes, U256};
use alloy_sol_types::SolCall;
use serde_json::{json, Value};
use zkmltrack::verifier::{generate, VerifierBundle, MAX_RUNTIME_SIZE};
use zkmltrack::{
    chain::bindings::{IPlainVerifier, IReusableVerifier},
    dataset::Dataset,
    prover::{Progress, Proof, Prover, ProverConfig, SrsSource, VerifierKind},
    solc::Solc,
};
use zkmltrack_devnet::{CallRequest, Devnet, TxRequest, DEV_ACCOUNT};

/// Gas limit of every call and transaction (under both chains' caps).
const GAS: u64 = 30_000_000;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// What the checks need from a chain; anvil and the devnet implement it.
trait Chain {
    /// Deploys init code in a mined transaction; returns the new contract's address.
    fn create(&mut self, init_code: &[u8]) -> Address;
    /// Code at an address.
    fn code_at(&self, address: Address) -> Vec<u8>;
    /// A read-only call (`eth_call`); `Err` with the reason when it reverts.
    fn call(&self, to: Address, data: &[u8]) -> Result<Vec<u8>, String>;
    /// A mined transaction that must succeed; returns its receipt's gas used.
    fn transact(&mut self, to: Address, data: &[u8]) -> u64;
    /// The chain's gas estimate (`eth_estimateGas`).
    fn estimate(&self, to: Address, data: &[u8]) -> u64;
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
        // Osaka, the EVM rules of the devnet's ArbOS 51 (Arbitrum turns Osaka on at ArbOS 50):
        // EIP-7883 reprices ModExp, which EZKL's verifiers call three times (field
        // inversions). anvil does not apply EIP-7825's transaction cap unless asked, like
        // Arbitrum.
        let child = Command::new(&binary)
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--silent",
                "--hardfork",
                "osaka",
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
    fn send(&self, to: Option<Address>, data: &[u8]) -> Value {
        let mut tx = json!({ "from": self.account(), "data": hex::encode_prefixed(data), "gas": quantity(GAS) });
        if let Some(to) = to {
            tx["to"] = json!(to.to_string());
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
}

impl Chain for Anvil {
    fn create(&mut self, init_code: &[u8]) -> Address {
        let receipt = self.send(None, init_code);
        receipt["contractAddress"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    fn code_at(&self, address: Address) -> Vec<u8> {
        let code = self.rpc("eth_getCode", json!([address.to_string(), "latest"]));
        hex::decode(code.as_str().unwrap()).unwrap()
    }

    fn call(&self, to: Address, data: &[u8]) -> Result<Vec<u8>, String> {
        let call = json!({ "to": to.to_string(), "data": hex::encode_prefixed(data), "gas": quantity(GAS) });
        self.rpc_raw("eth_call", json!([call, "latest"]))
            .map(|out| hex::decode(out.as_str().unwrap()).unwrap())
            .map_err(|e| e.to_string())
    }

    fn transact(&mut self, to: Address, data: &[u8]) -> u64 {
        parse_quantity(&self.send(Some(to), data)["gasUsed"])
    }

    fn estimate(&self, to: Address, data: &[u8]) -> u64 {
        let call = json!({ "to": to.to_string(), "data": hex::encode_prefixed(data) });
        parse_quantity(&self.rpc("eth_estimateGas", json!([call])))
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The in-process devnet; transactions are signed with its dev account.
impl Chain for Devnet {
    fn create(&mut self, init_code: &[u8]) -> Address {
        self.deploy(DEV_ACCOUNT, Bytes::copy_from_slice(init_code))
            .unwrap()
    }

    fn code_at(&self, address: Address) -> Vec<u8> {
        self.code(address).to_vec()
    }

    fn call(&self, to: Address, data: &[u8]) -> Result<Vec<u8>, String> {
        Devnet::call(self, &call_request(to, data))
            .map(|r| r.output.to_vec())
            .map_err(|e| e.to_string())
    }

    fn transact(&mut self, to: Address, data: &[u8]) -> u64 {
        let receipt = self
            .send(TxRequest {
                from: DEV_ACCOUNT,
                to: Some(to),
                data: Bytes::copy_from_slice(data),
                gas: Some(GAS),
                ..Default::default()
            })
            .unwrap();
        assert!(receipt.success, "transaction reverted: {}", receipt.output);
        receipt.gas_used
    }

    fn estimate(&self, to: Address, data: &[u8]) -> u64 {
        self.estimate_gas(&call_request(to, data)).unwrap()
    }
}

fn call_request(to: Address, data: &[u8]) -> CallRequest {
    CallRequest {
        to: Some(to),
        data: Bytes::copy_from_slice(data),
        gas: Some(GAS),
        ..Default::default()
    }
}

fn quantity(n: u64) -> String {
    format!("{n:#x}")
}

fn parse_quantity(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
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

/// A deployed verifier; `vka` holds the registered VKA words of a reusable one.
struct Verifier {
    address: Address,
    vka: Option<Vec<FixedBytes<32>>>,
}

impl Verifier {
    /// Deploys a bundle, checks the code on chain is the bundle's runtime code and, for the
    /// reusable kind, registers the VKA (its digest is keccak256 of the words).
    fn deploy(chain: &mut impl Chain, bundle: &VerifierBundle) -> Verifier {
        let address = chain.create(&hex::decode(&bundle.bytecode).unwrap());
        let code = chain.code_at(address);
        assert_eq!(code.len(), bundle.runtime_size);
        assert_eq!(
            code,
            hex::decode(&bundle.deployed_bytecode).unwrap(),
            "deployed code is the bundle's"
        );
        let vka = bundle.vka.as_ref().map(|vka| {
            let words: Vec<FixedBytes<32>> = vka.words.iter().map(|w| w.parse().unwrap()).collect();
            let registration =
                IReusableVerifier::registerVkaCall { vka: words.clone() }.abi_encode();
            let digest = chain.call(address, &registration).unwrap();
            assert_eq!(
                hex::encode_prefixed(&digest),
                vka.digest,
                "on-chain VKA digest equals the bundle's"
            );
            chain.transact(address, &registration);
            words
        });
        Verifier { address, vka }
    }

    /// `verifyProof` calldata: with the VKA words (reusable) or without (plain: the key is in
    /// the code).
    fn calldata(&self, proof: &[u8], instances: Vec<U256>) -> Vec<u8> {
        let proof = Bytes::copy_from_slice(proof);
        match &self.vka {
            Some(vka) => IReusableVerifier::verifyProofCall {
                proof,
                instances,
                vka: vka.clone(),
            }
            .abi_encode(),
            None => IPlainVerifier::verifyProofCall { proof, instances }.abi_encode(),
        }
    }

    /// The SDK's proof is accepted, in a call and in a mined transaction; a flipped proof
    /// byte and each altered instance revert.
    fn check(&self, chain: &mut impl Chain, proof: &Proof) -> Gas {
        let ok = self.calldata(&proof.bytes, instances(proof));
        assert!(
            first_word_is_one(&chain.call(self.address, &ok).unwrap()),
            "the SDK's proof verifies on-chain"
        );
        let gas = Gas {
            used: chain.transact(self.address, &ok),
            estimate: chain.estimate(self.address, &ok),
        };
        let mut flipped = proof.bytes.clone();
        flipped[100] ^= 1;
        let bad = self.calldata(&flipped, instances(proof));
        assert!(
            chain.call(self.address, &bad).is_err(),
            "tampered proof reverts"
        );
        for i in 0..proof.instances.len() {
            let mut altered = instances(proof);
            altered[i] += U256::from(1u8);
            let bad = self.calldata(&proof.bytes, altered);
            assert!(
                chain.call(self.address, &bad).is_err(),
                "altered instance {i} reverts"
            );
        }
        gas
    }
}

/// Gas of one accepted `verifyProof`.
#[derive(Debug, Clone, Copy)]
struct Gas {
    /// The mined transaction's receipt.
    used: u64,
    /// The chain's estimate.
    estimate: u64,
}

/// Deploys and checks both verifiers on one chain; returns their gas (reusable, plain).
fn check_on(
    chain: &mut impl Chain,
    reusable: &VerifierBundle,
    plain: &VerifierBundle,
    proof: &Proof,
) -> (Gas, Gas) {
    let reusable = Verifier::deploy(chain, reusable).check(chain, proof);
    let plain = Verifier::deploy(chain, plain).check(chain, proof);
    (reusable, plain)
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

    let anvil = check_on(&mut Anvil::start(), &reusable, &plain_bundle, &proof);
    let devnet = check_on(&mut Devnet::default(), &reusable, &plain_bundle, &proof);
    for (name, anvil, devnet) in [
        ("reusable", anvil.0, devnet.0),
        ("plain", anvil.1, devnet.1),
    ] {
        eprintln!(
            "{name} verifyProof gas: anvil used {} (eth_estimateGas {}), devnet used {} (estimate {})",
            anvil.used, anvil.estimate, devnet.used, devnet.estimate
        );
        // Same EVM (revm, Osaka): the receipts agree to the unit. Estimates are not compared:
        // each node's search stops at its own tolerance above the gas used.
        assert_eq!(
            anvil.used, devnet.used,
            "{name}: same gas on anvil and on the devnet"
        );
    }
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
    let err = zkmltrack::verifier::compile(&solc, &big, "Big").unwrap_err();
    assert!(
        err.to_string()
            .contains("over the 24576-byte limit (EIP-170)"),
        "{err}"
    );
    let err = zkmltrack::verifier::compile(&solc, "contract {", "X").unwrap_err();
    assert!(err.to_string().starts_with("solc:"), "{err}");
}
