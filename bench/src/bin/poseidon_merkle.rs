//! Gas of a Poseidon Merkle row check: the Stylus DatasetVerifier (`zkmltrack-common`'s
//! Poseidon, real WASM from `scripts/build-contracts`) against a Solidity reference
//! (`bench/solidity/PoseidonMerkleT3.sol` over npm `poseidon-solidity`'s
//! `PoseidonT3`, compiled with the SDK's pinned solc-js), on one in-process devnet.
//!
//! Builds a 1,024-row Iris-shaped synthetic dataset (4 features at scale 13, labels
//! 0-2) with the SDK, checks that both contracts accept the same row with its
//! depth-10 path and reject a tampered path (and agree on every status word of a few
//! malformed requests), then sends mined transactions with identical calldata to
//! both and prints a markdown table of gas used: one two-input hash (`poseidon2`),
//! one row (leaf: 6 hashes, path: 10 hashes, `verifyRows`) and one Merkle level
//! (the depth-10 row minus a one-row dataset's row, per level). With `--write FILE`
//! it also replaces the text between the `poseidon-bench` markers of FILE.
//!
//! Needs `contracts/target/stylus/dataset_verifier.wasm` (`scripts/build-contracts`)
//! (or another build of it: `--wasm FILE`) and `tools/node_modules/poseidon-solidity`
//! (installed by `scripts/lib.sh`'s `ensure_npm_tools`, which this example runs if the
//! package is missing).
//!
//! ```text
//! cargo run --release -p zkmltrack-bench --bin poseidon_merkle -- [--write docs/benchmarks.md] [--wasm FILE]
//! ```

use std::{fs, path::PathBuf, process::Command};
use zkmltrack_bench::{machine, replace_section, repo_root};

use alloy::{
    primitives::{Address, Bytes, B256, U256},
    sol_types::SolCall,
};
use serde_json::{json, Value};
use zkmltrack::{
    chain::bindings::IDatasetVerifier,
    dataset::{Dataset, QuantizedDataset, Row},
    hashing::{leaf_hash, poseidon2, Felt},
    python::zkmltrack_home,
    solc::{Solc, SOLC_VERSION},
    stylus::program_size,
};
use zkmltrack_devnet::{CallRequest, Devnet, TxRequest, DEV_ACCOUNT};

/// Rows of the benchmark dataset: a full tree of depth 10.
const ROWS: usize = 1024;
/// The Iris task's fixed-point scale (what EZKL calibrates for the Iris MLP).
const SCALE: u32 = 13;
/// The row whose path is checked (its index bits mix left and right children).
const INDEX: usize = 700;
/// Intrinsic gas of a transaction.
const TX_BASE_GAS: u64 = 21_000;
/// Gas limit of the measured transactions (their gas used does not depend on it).
const TX_GAS_LIMIT: u64 = 10_000_000;
/// solc optimizer runs for the reference contract (the SDK compiles EZKL
/// verifiers with runs = 1 for size; 1 or 200 differ by ~15 gas here).
const OPTIMIZER_RUNS: u32 = 200;
/// The Solidity reference, compiled at run time.
const REFERENCE_SOURCE: &str = include_str!("../../solidity/PoseidonMerkleT3.sol");
/// The BN254 scalar modulus, big-endian: the smallest non-canonical field element.
const MODULUS_BE: [u8; 32] =
    alloy::primitives::hex!("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001");

/// A deterministic xorshift generator for the synthetic rows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `[-1, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// `rows` Iris-shaped rows: per-class means of Iris' four measurements (cm) plus
/// noise, one decimal as in the Iris CSV, labels cycling through the three classes.
fn iris_like(rows: usize) -> Dataset {
    const MEANS: [[f64; 4]; 3] = [
        [5.0, 3.4, 1.5, 0.2],
        [5.9, 2.8, 4.3, 1.3],
        [6.6, 3.0, 5.6, 2.0],
    ];
    const SPREAD: [f64; 4] = [0.5, 0.4, 0.5, 0.3];
    let mut rng = Rng(0x5eed_1515);
    let rows = (0..rows)
        .map(|i| {
            let label = (i % 3) as u32;
            let features = (0..4)
                .map(|k| {
                    let x = MEANS[label as usize][k] + SPREAD[k] * rng.unit();
                    (x.max(0.1) * 10.0).round() / 10.0
                })
                .collect();
            Row { features, label }
        })
        .collect();
    Dataset {
        feature_names: ["sepal_length", "sepal_width", "petal_length", "petal_width"]
            .map(String::from)
            .to_vec(),
        rows,
    }
}

fn word(felt: Felt) -> B256 {
    B256::from(felt.to_be_bytes())
}

/// `verifyRows` calldata for row `index` of `data`, with `proof` as its path.
fn verify_rows_call(data: &QuantizedDataset, index: usize, proof: Vec<B256>) -> Vec<u8> {
    let (features, label) = &data.rows[index];
    IDatasetVerifier::verifyRowsCall {
        root: word(data.root()),
        dataset_size: data.len() as u64,
        feature_count: features.len() as u32,
        indices: vec![index as u64],
        labels: vec![*label],
        features: features
            .iter()
            .map(|f| U256::from_be_bytes(f.to_be_bytes()))
            .collect(),
        proofs: proof,
    }
    .abi_encode()
}

/// Calldata gas (EIP-2028: 4 per zero byte, 16 per other byte).
fn calldata_gas(data: &[u8]) -> u64 {
    data.iter().map(|&b| if b == 0 { 4 } else { 16 }).sum()
}

/// The `tools/` npm package `poseidon-solidity`, installed by `ensure_npm_tools` if missing.
fn poseidon_solidity() -> PathBuf {
    let dir = repo_root().join("tools/node_modules/poseidon-solidity");
    if !dir.join("PoseidonT3.sol").exists() {
        eprintln!("poseidon-solidity is missing: running scripts/lib.sh ensure_npm_tools");
        let status = Command::new("bash")
            .args(["-c", "source scripts/lib.sh && ensure_npm_tools"])
            .current_dir(repo_root())
            .status()
            .expect("bash runs");
        assert!(status.success(), "ensure_npm_tools failed");
    }
    dir
}

/// The compiled reference: PoseidonT3's init code (optimizer off, as deployed;
/// and optimizer on, for comparison) and the contract's init code with the
/// positions (bytes) of its references to the library.
struct Compiled {
    library: Vec<u8>,
    library_optimized: Vec<u8>,
    library_runtime: usize,
    contract_hex: String,
    contract_runtime: usize,
    links: Vec<usize>,
}

/// Where PoseidonT3 sits among the compiler's sources (its npm import path).
const LIBRARY_PATH: &str = "poseidon-solidity/PoseidonT3.sol";

/// Compiles `sources` (standard JSON) with the pinned solc, EVM shanghai, the
/// optimizer on or off; returns the `contracts` output.
fn compile(solc: &Solc, sources: Value, optimize: bool) -> Value {
    let input = json!({
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": { "enabled": optimize, "runs": OPTIMIZER_RUNS },
            "evmVersion": "shanghai",
            "outputSelection": { "*": { "*": [
                "evm.bytecode.object", "evm.bytecode.linkReferences", "evm.deployedBytecode.object"
            ] } }
        }
    });
    solc.compile(&input).expect("the reference compiles")["contracts"].take()
}

/// `evm.<key>.object` of contract `name` in `file`, as hex.
fn object(contracts: &Value, file: &str, name: &str, key: &str) -> String {
    contracts[file][name]["evm"][key]["object"]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} for {name}"))
        .to_string()
}

/// Compiles PoseidonT3 alone, with the optimizer off (solc's optimizer makes its
/// hand-written assembly 60% more expensive: see the table) and on, and the
/// reference contract with the optimizer on.
fn compile_reference(solc: &Solc) -> Compiled {
    let library_source =
        fs::read_to_string(poseidon_solidity().join("PoseidonT3.sol")).expect("PoseidonT3.sol");
    let library_only = json!({ LIBRARY_PATH: { "content": library_source } });
    let plain = compile(solc, library_only.clone(), false);
    let optimized = compile(solc, library_only, true);
    let both = compile(
        solc,
        json!({
            LIBRARY_PATH: { "content": library_source },
            "PoseidonMerkleT3.sol": { "content": REFERENCE_SOURCE },
        }),
        true,
    );
    let links = both["PoseidonMerkleT3.sol"]["PoseidonMerkleT3"]["evm"]["bytecode"]
        ["linkReferences"][LIBRARY_PATH]["PoseidonT3"]
        .as_array()
        .expect("the contract links PoseidonT3")
        .iter()
        .map(|r: &Value| r["start"].as_u64().expect("link start") as usize)
        .collect();
    let hex = |h: String| alloy::hex::decode(h).expect("solc writes hex");
    Compiled {
        library: hex(object(&plain, LIBRARY_PATH, "PoseidonT3", "bytecode")),
        library_optimized: hex(object(&optimized, LIBRARY_PATH, "PoseidonT3", "bytecode")),
        library_runtime: object(&plain, LIBRARY_PATH, "PoseidonT3", "deployedBytecode").len() / 2,
        contract_hex: object(
            &both,
            "PoseidonMerkleT3.sol",
            "PoseidonMerkleT3",
            "bytecode",
        ),
        contract_runtime: object(
            &both,
            "PoseidonMerkleT3.sol",
            "PoseidonMerkleT3",
            "deployedBytecode",
        )
        .len()
            / 2,
        links,
    }
}

/// Links the library address into the contract's init code (solc's `__$…$__` placeholders).
fn link(compiled: &Compiled, library: Address) -> Vec<u8> {
    let mut hex = compiled.contract_hex.clone();
    let address = alloy::hex::encode(library);
    for &start in &compiled.links {
        hex.replace_range(2 * start..2 * start + 40, &address);
    }
    alloy::hex::decode(hex).expect("linked bytecode is hex")
}

/// Gas of one mined transaction.
#[derive(Clone, Copy)]
struct Gas {
    /// Gas used by the transaction.
    total: u64,
    /// `total` minus intrinsic gas and calldata gas.
    execution: u64,
}

/// Sends `data` to `to` in a mined transaction, checks it succeeded with `expected`
/// as its answer, and returns its gas.
fn measure(chain: &mut Devnet, to: Address, data: &[u8], expected: &[u8]) -> Gas {
    let receipt = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(to),
            data: Bytes::copy_from_slice(data),
            gas: Some(TX_GAS_LIMIT),
            ..Default::default()
        })
        .expect("the transaction is mined");
    assert!(receipt.success, "transaction to {to} failed");
    assert_eq!(receipt.output.as_ref(), expected, "answer of {to}");
    Gas {
        total: receipt.gas_used,
        execution: receipt.gas_used - TX_BASE_GAS - calldata_gas(data),
    }
}

/// The answer of a read-only call.
fn call(chain: &Devnet, to: Address, data: &[u8]) -> Bytes {
    chain
        .call(&CallRequest {
            to: Some(to),
            data: Bytes::copy_from_slice(data),
            ..Default::default()
        })
        .expect("the call succeeds")
        .output
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| {
        args.iter().position(|a| a == name).map(|i| {
            PathBuf::from(
                args.get(i + 1)
                    .unwrap_or_else(|| panic!("{name} takes a file")),
            )
        })
    };
    let write = option("--write");
    let wasm_path = option("--wasm")
        .unwrap_or_else(|| repo_root().join("contracts/target/stylus/dataset_verifier.wasm"));
    let wasm = fs::read(&wasm_path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run scripts/build-contracts first)",
            wasm_path.display()
        )
    });
    let solc = Solc::ensure(&zkmltrack_home()).expect("solc-js");
    let compiled = compile_reference(&solc);

    eprintln!("hashing a {ROWS}-row dataset");
    let dataset = iris_like(ROWS);
    let data = dataset.quantize(SCALE).expect("the dataset quantizes");
    let single = Dataset {
        feature_names: dataset.feature_names.clone(),
        rows: vec![dataset.rows[INDEX].clone()],
    }
    .quantize(SCALE)
    .expect("one row quantizes");
    let proof: Vec<B256> = data
        .proof(INDEX)
        .expect("a proof")
        .into_iter()
        .map(word)
        .collect();
    assert_eq!(proof.len(), 10, "a full 1,024-leaf tree has depth 10");

    let mut chain = Devnet::default();
    let stylus = chain
        .deploy_stylus(DEV_ACCOUNT, &wasm)
        .expect("DatasetVerifier deploys and activates");
    let library = chain
        .deploy(DEV_ACCOUNT, compiled.library.clone().into())
        .expect("PoseidonT3 deploys");
    let library_optimized = chain
        .deploy(DEV_ACCOUNT, compiled.library_optimized.clone().into())
        .expect("PoseidonT3 (optimized) deploys");
    let solidity = chain
        .deploy(DEV_ACCOUNT, link(&compiled, library).into())
        .expect("PoseidonMerkleT3 deploys");

    // Both accept the row, reject a tampered path, and agree on every answer.
    let valid = verify_rows_call(&data, INDEX, proof.clone());
    let decoded = || IDatasetVerifier::verifyRowsCall::abi_decode(&valid).expect("decodes");
    let mut tampered = decoded();
    tampered.proofs[4] = word(data.leaf(3).expect("row 3"));
    let mut wrong_label = decoded();
    wrong_label.labels[0] = (wrong_label.labels[0] + 1) % 3;
    let mut not_a_felt = decoded();
    not_a_felt.features[2] = U256::from_be_bytes(MODULUS_BE);
    let mut too_long = decoded();
    too_long.proofs.push(proof[0]);
    let word_of = |s: U256| s.to_be_bytes::<32>().to_vec();
    let not_in_tree = word_of(U256::from(2u8) << 64 | U256::from(INDEX));
    let cases = [
        ("valid row", valid.clone(), word_of(U256::ZERO)),
        ("tampered path", tampered.abi_encode(), not_in_tree.clone()),
        ("wrong label", wrong_label.abi_encode(), not_in_tree),
        (
            "feature not a field element",
            not_a_felt.abi_encode(),
            word_of(U256::from(1u8) << 64 | U256::from(2u8)),
        ),
        (
            "extra proof word",
            too_long.abi_encode(),
            word_of(U256::from(3u8) << 64),
        ),
    ];
    let (features, label) = &data.rows[INDEX];
    let leaf = IDatasetVerifier::leafHashCall {
        features: features
            .iter()
            .map(|f| U256::from_be_bytes(f.to_be_bytes()))
            .collect(),
        label: *label,
    }
    .abi_encode();
    let expected_leaf = word(leaf_hash(features, Felt::from_u64(u64::from(*label))));
    assert_eq!(data.leaf(INDEX).map(word), Some(expected_leaf));
    let (left, right) = (
        data.leaf(INDEX).expect("leaf"),
        Felt::from_be_bytes(&proof[0].0).expect("sibling"),
    );
    let hash = IDatasetVerifier::poseidon2Call {
        left: word(left),
        right: word(right),
    }
    .abi_encode();
    let expected_hash = word(poseidon2(left, right)).to_vec();
    for (what, data, expected) in cases.iter().chain(
        [
            ("leafHash", leaf, expected_leaf.to_vec()),
            ("poseidon2", hash.clone(), expected_hash.clone()),
        ]
        .iter(),
    ) {
        for (side, at) in [("Stylus", stylus), ("Solidity", solidity)] {
            assert_eq!(
                call(&chain, at, data).as_ref(),
                &expected[..],
                "{side}: {what}"
            );
        }
    }
    eprintln!(
        "both contracts accept the row, reject the tampered path and agree on {} requests",
        cases.len() + 2
    );

    // Mined transactions, identical calldata on both sides.
    let one_row = verify_rows_call(&single, 0, Vec::new());
    let zero = word_of(U256::ZERO);
    let mut gas = Vec::new();
    for at in [stylus, solidity] {
        let hash_gas = measure(&mut chain, at, &hash, &expected_hash);
        let row_gas = measure(&mut chain, at, &valid, &zero);
        let shallow = measure(&mut chain, at, &one_row, &zero);
        let level = (row_gas.execution - shallow.execution) as f64 / 10.0;
        gas.push((hash_gas, row_gas, level));
    }
    // The library alone, called directly (its pure function has no delegate-call guard).
    let mut direct = vec![0u8; 4];
    direct.copy_from_slice(&alloy::primitives::keccak256("hash(uint256[2])")[..4]);
    direct.extend_from_slice(&word(left).0);
    direct.extend_from_slice(&word(right).0);
    let library_gas = measure(&mut chain, library, &direct, &expected_hash);
    let optimized_gas = measure(&mut chain, library_optimized, &direct, &expected_hash);

    let [(s_hash, s_row, s_level), (e_hash, e_row, e_level)] = [gas[0], gas[1]];
    let ratio = |evm: f64, stylus: f64| format!("{:.2}x", evm / stylus);
    let mut table = String::from(
        "| measurement | Stylus gas used | Solidity gas used | Stylus execution gas | Solidity execution gas | Solidity / Stylus (execution) |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for (what, s, e) in [
        (
            "one hash: `poseidon2(left, right)` transaction",
            s_hash,
            e_hash,
        ),
        (
            "one row: leaf (6 hashes) + depth-10 path (10 hashes), `verifyRows` transaction",
            s_row,
            e_row,
        ),
    ] {
        table += &format!(
            "| {what} | {} | {} | {} | {} | {} |\n",
            s.total,
            e.total,
            s.execution,
            e.execution,
            ratio(e.execution as f64, s.execution as f64)
        );
    }
    table += &format!(
        "| one Merkle level (hash + sibling), marginal: (depth-10 row - one-row dataset's row) / 10 | - | - | {s_level:.0} | {e_level:.0} | {} |\n",
        ratio(e_level, s_level)
    );
    table += &format!(
        "| PoseidonT3.hash called directly (the library alone, as deployed: optimizer off) | - | {} | - | {} | - |\n",
        library_gas.total, library_gas.execution
    );
    table += &format!(
        "| the same, PoseidonT3 compiled with the optimizer on (not used above) | - | {} | - | {} | - |\n",
        optimized_gas.total, optimized_gas.execution
    );
    let row_ratio = e_row.execution as f64 / s_row.execution as f64;
    let verdict = format!(
        "Goal (Stylus at least 10x cheaper on the row check, execution gas): **{}** ({}; {} on gas used).\n",
        if row_ratio >= 10.0 { "met" } else { "not met" },
        ratio(e_row.execution as f64, s_row.execution as f64),
        ratio(e_row.total as f64, s_row.total as f64)
    );
    let size = program_size(&wasm);
    let notes = format!(
        "Execution gas = gas used - 21,000 - calldata gas (EIP-2028: 4 per zero byte, 16 per other byte; \
         the calldata is identical on both sides). Stylus figures are Nitro v3.9.9's exact ink \
         (`docs/devnet.md`): they include the program's entry (init gas, computed from the module at \
         activation) and its initial memory (pages beyond two, priced per transaction); EVM figures are revm's, exact. Solidity: solc-js \
         {SOLC_VERSION}, EVM shanghai; PoseidonMerkleT3 with the optimizer on ({OPTIMIZER_RUNS} runs), PoseidonT3 \
         with it off (the cheaper build of its hand-written assembly), deployed once and linked: every hash is a \
         DELEGATECALL to it. Code: DatasetVerifier {} bytes of WASM, {} bytes on-chain; PoseidonT3 \
         {} bytes and PoseidonMerkleT3 {} bytes of EVM runtime code.\n",
        size.wasm, size.code, compiled.library_runtime, compiled.contract_runtime
    );
    println!("{table}\n{verdict}\n{notes}");
    if let Some(path) = write {
        replace_section(
            &path,
            "poseidon-bench",
            &format!(
                "Command: `cargo run --release -p zkmltrack-bench --bin poseidon_merkle -- --write \
                 docs/benchmarks.md` (run by `scripts/bench`). Machine: {}. In-process devnet. \
                 {ROWS}-row Iris-shaped synthetic dataset (4 features at scale {SCALE}), row {INDEX}, \
                 one mined transaction per figure.\n\n{table}\n{verdict}\n{notes}",
                machine()
            ),
        );
    }
}
