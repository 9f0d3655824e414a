//! Writes the on-chain `zkmltrack-common` crate's Poseidon constants and the
//! cross-implementation test vectors, both derived from the SDK's reference
//! crates (`poseidon-rs`, `rs_merkle`).
//!
//! ```text
//! cargo run -p zkmltrack --example gen_common_vectors -- <constants.rs> <vectors.json>
//! ```
//! Output is deterministic: CI regenerates both files and fails on any difference.

use std::{env, fs, process::ExitCode};

use ff_ce::{Field, PrimeField};
use poseidon_rs::{load_constants, Fr};
use serde_json::{json, Value};
use zkmltrack::hashing::{leaf_hash, poseidon, verify_multiproof, DatasetTree, Felt};

/// Tree sizes the vectors cover (odd layers, powers of two, a large tree).
const TREE_SIZES: [usize; 6] = [1, 2, 3, 7, 8, 1000];
/// Indices proved in the 1000-leaf tree (all indices are proved in small trees).
const LARGE_TREE_INDICES: [usize; 11] = [0, 1, 2, 333, 511, 512, 767, 996, 997, 998, 999];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let [constants_path, vectors_path] = args.as_slice() else {
        eprintln!("usage: gen_common_vectors <constants.rs> <vectors.json>");
        return ExitCode::from(2);
    };
    if let Err(err) = fs::write(constants_path, constants_source())
        .and_then(|()| fs::write(vectors_path, vectors_json()))
    {
        eprintln!("error: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// `x * 2^256 mod p` as little-endian 32-bit limbs (Montgomery form).
fn montgomery_limbs(x: &Fr) -> [u32; 8] {
    let r = Fr::from_str("2")
        .expect("2 is a field element")
        .pow([256u64]);
    let mut m = *x;
    m.mul_assign(&r);
    let mut limbs = [0u32; 8];
    for (i, word) in m.into_repr().as_ref().iter().enumerate() {
        limbs[2 * i] = *word as u32;
        limbs[2 * i + 1] = (*word >> 32) as u32;
    }
    limbs
}

fn fe_literal(x: &Fr) -> String {
    let limbs: Vec<String> = montgomery_limbs(x)
        .iter()
        .map(|l| format!("0x{l:08x}"))
        .collect();
    format!("Fe([{}])", limbs.join(", "))
}

fn constants_source() -> String {
    let constants = load_constants();
    let mut out = String::from(
        "//! circom Poseidon round constants and MDS matrices for widths 2 and 3\n\
         //! (1 and 2 inputs), in Montgomery form.\n\
         //!\n\
         //! Generated from `poseidon-rs` by `scripts/gen-common-vectors`; do not edit.\n\n\
         use crate::field::Fe;\n",
    );
    for t in [2usize, 3] {
        let partial = constants.n_rounds_p[t - 2];
        let rounds = constants.n_rounds_f + partial;
        let c = &constants.c[t - 2][..rounds * t];
        out.push_str(&format!(
            "\n/// Partial rounds for width {t}.\npub(super) const T{t}_PARTIAL_ROUNDS: usize = {partial};\n"
        ));
        out.push_str(&format!(
            "\n/// Round constants for width {t}: {rounds} rounds of {t}.\n#[rustfmt::skip]\npub(super) static T{t}_ROUND_CONSTANTS: [Fe; {}] = [\n",
            c.len()
        ));
        for x in c {
            out.push_str(&format!("    {},\n", fe_literal(x)));
        }
        out.push_str("];\n");
        out.push_str(&format!(
            "\n/// MDS matrix for width {t}, row-major.\n#[rustfmt::skip]\npub(super) static T{t}_MDS: [Fe; {}] = [\n",
            t * t
        ));
        for row in &constants.m[t - 2] {
            for x in row {
                out.push_str(&format!("    {},\n", fe_literal(x)));
            }
        }
        out.push_str("];\n");
    }
    out
}

fn hex(x: &Felt) -> Value {
    Value::String(x.to_hex())
}

/// Leaf `i` of every vector tree: two features (one of them negative) and a label.
fn vector_leaf(i: usize) -> Felt {
    let i = i as i64;
    leaf_hash(
        &[Felt::from_i64(i), Felt::from_i64(-3 * i - 1)],
        Felt::from_i64(i % 3),
    )
}

fn vectors_json() -> String {
    let p_minus_1 = Felt::from_i64(-1);
    let big = Felt::from_be_bytes(&[0x17; 32]).expect("0x17.. is below the modulus");
    let inputs: Vec<Vec<Felt>> = vec![
        vec![Felt::zero()],
        vec![Felt::from_u64(1)],
        vec![p_minus_1],
        vec![big],
        vec![Felt::zero(), Felt::zero()],
        vec![Felt::from_u64(1), Felt::from_u64(2)],
        vec![p_minus_1, Felt::from_u64(7)],
        vec![big, p_minus_1],
    ];
    let poseidon_vectors: Vec<Value> = inputs
        .iter()
        .map(|inp| {
            json!({
                "inputs": inp.iter().map(hex).collect::<Vec<_>>(),
                "output": hex(&poseidon(inp).expect("1 or 2 inputs")),
            })
        })
        .collect();

    let leaves: Vec<Value> = [
        (vec![1i64], 0i64),
        (vec![5, -2, 0, 3], 2),
        (vec![-128, 127, 64, -1], 1),
    ]
    .iter()
    .map(|(features, label)| {
        let felts: Vec<Felt> = features.iter().map(|&x| Felt::from_i64(x)).collect();
        json!({
            "features": felts.iter().map(hex).collect::<Vec<_>>(),
            "label": hex(&Felt::from_i64(*label)),
            "leaf": hex(&leaf_hash(&felts, Felt::from_i64(*label))),
        })
    })
    .collect();

    let signed: Vec<Value> = [0i64, 1, -1, 42, -42, i64::MAX, i64::MIN + 1]
        .iter()
        .map(|&v| json!({ "felt": hex(&Felt::from_i64(v)), "value": v.to_string() }))
        .collect();

    let trees: Vec<Value> = TREE_SIZES
        .iter()
        .map(|&n| {
            let tree_leaves: Vec<Felt> = (0..n).map(vector_leaf).collect();
            let tree = DatasetTree::new(&tree_leaves).expect("non-empty");
            let indices: Vec<usize> = if n <= 8 {
                (0..n).collect()
            } else {
                LARGE_TREE_INDICES.to_vec()
            };
            let proofs: Vec<Value> = indices
                .iter()
                .map(|&i| {
                    let proof = tree.proof(i).expect("index in range");
                    assert!(tree.verify(i, tree_leaves[i], &proof));
                    json!({ "index": i, "hashes": proof.iter().map(hex).collect::<Vec<_>>() })
                })
                .collect();
            // Multi-proofs, rows in draw order (not sorted): all proved rows
            // backwards, and the two ends.
            let sets = [
                indices.iter().rev().copied().collect::<Vec<usize>>(),
                vec![n - 1, 0],
            ];
            let multiproofs: Vec<Value> = sets
                .iter()
                .filter(|set| set.len() == 1 || set[0] != set[1])
                .map(|set| {
                    let proof = tree.multiproof(set).expect("indices in range");
                    let proved: Vec<(usize, Felt)> =
                        set.iter().map(|&i| (i, tree_leaves[i])).collect();
                    assert!(verify_multiproof(tree.root(), n, &proved, &proof));
                    json!({ "indices": set, "hashes": proof.iter().map(hex).collect::<Vec<_>>() })
                })
                .collect();
            json!({
                "leaves_count": n,
                "root": hex(&tree.root()),
                "proofs": proofs,
                "multiproofs": multiproofs,
            })
        })
        .collect();

    let doc = json!({
        "about": "Cross-implementation vectors for zkmltrack-common, generated from poseidon-rs and rs_merkle by scripts/gen-common-vectors. Tree leaf i = leaf(features [i, -3i-1], label i mod 3).",
        "poseidon": poseidon_vectors,
        "leaves": leaves,
        "signed_felts": signed,
        "trees": trees,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("JSON serializes");
    text.push('\n');
    text
}
