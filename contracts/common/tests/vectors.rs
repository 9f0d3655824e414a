//! Cross-implementation vectors: `vectors.json` is generated from the SDK's
//! reference crates (`poseidon-rs`, `rs_merkle`); every result here must be
//! bit-identical to it.

use alloy_primitives::U256;
use serde_json::Value;
use zkmltrack_common::{
    felt,
    field::{limb29::Fe29, Fe},
    leaf_hash, merkle,
    merkle::MerkleError,
    poseidon,
};

fn vectors() -> Value {
    serde_json::from_str(include_str!("../vectors.json")).expect("vectors.json parses")
}

fn bytes(v: &Value) -> [u8; 32] {
    let s = v.as_str().expect("hex string").trim_start_matches("0x");
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn fe(v: &Value) -> Fe {
    Fe::from_be_bytes(&bytes(v)).expect("vector values are field elements")
}

/// Leaf `i` of every vector tree (see the `about` field of vectors.json).
fn vector_leaf(i: u64) -> Fe {
    let features = [
        felt::from_i128(i as i128),
        felt::from_i128(-3 * i as i128 - 1),
    ];
    let label = Fe::from_u64(i % 3);
    leaf_hash(
        2,
        features
            .iter()
            .map(|f| Fe::from_be_bytes(&f.to_be_bytes()).unwrap()),
        label,
    )
}

#[test]
fn poseidon_matches_poseidon_rs_for_one_and_two_inputs() {
    let v = vectors();
    let cases = v["poseidon"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let inputs: Vec<Fe> = case["inputs"].as_array().unwrap().iter().map(fe).collect();
        let got = match inputs.as_slice() {
            [a] => poseidon::hash1(a),
            [a, b] => poseidon::hash2(a, b),
            _ => unreachable!("vectors hold 1 or 2 inputs"),
        };
        assert_eq!(
            got.to_be_bytes(),
            bytes(&case["output"]),
            "inputs {:?}",
            case["inputs"]
        );
    }
}

#[test]
fn leaf_hash_matches_the_sdk() {
    let v = vectors();
    for case in v["leaves"].as_array().unwrap() {
        let features: Vec<Fe> = case["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(fe)
            .collect();
        let leaf = leaf_hash(features.len(), features.iter().copied(), fe(&case["label"]));
        assert_eq!(leaf.to_be_bytes(), bytes(&case["leaf"]));
    }
}

#[test]
fn signed_felt_decoding_matches_the_sdk() {
    let v = vectors();
    for case in v["signed_felts"].as_array().unwrap() {
        let felt_value = U256::from_be_bytes(bytes(&case["felt"]));
        let expected: i128 = case["value"].as_str().unwrap().parse().unwrap();
        assert_eq!(felt::to_i128(felt_value), Some(expected));
        assert_eq!(felt::from_i128(expected), felt_value);
    }
}

#[test]
fn merkle_proofs_match_rs_merkle_for_every_tree_size() {
    let v = vectors();
    let trees = v["trees"].as_array().unwrap();
    let sizes: Vec<u64> = trees
        .iter()
        .map(|t| t["leaves_count"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, [1, 2, 3, 7, 8, 1000]);
    for tree in trees {
        let n = tree["leaves_count"].as_u64().unwrap();
        let root = bytes(&tree["root"]);
        for proof in tree["proofs"].as_array().unwrap() {
            let index = proof["index"].as_u64().unwrap();
            let hashes: Vec<[u8; 32]> = proof["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(bytes)
                .collect();
            let (got, used) = merkle::root_from_proof(vector_leaf(index), index, n, &hashes)
                .unwrap_or_else(|e| panic!("n={n} index={index}: {e:?}"));
            assert_eq!(got.to_be_bytes(), root, "n={n} index={index}");
            assert_eq!(
                used,
                hashes.len(),
                "n={n} index={index} consumes the whole proof"
            );
            assert_eq!(merkle::proof_length(index, n), hashes.len());

            // Any other leaf, index or sibling gives another root.
            let (wrong_leaf, _) =
                merkle::root_from_proof(vector_leaf(index + 1), index, n, &hashes).unwrap();
            assert_ne!(wrong_leaf.to_be_bytes(), root);
            if n > 1 {
                let mut tampered = hashes.clone();
                tampered[0][31] ^= 1;
                let (r, _) = merkle::root_from_proof(vector_leaf(index), index, n, &tampered)
                    .unwrap_or((Fe::ZERO, 0));
                assert_ne!(r.to_be_bytes(), root);
            }
        }
    }
}

#[test]
fn multiproofs_match_rs_merkle_and_share_nodes() {
    for tree in vectors()["trees"].as_array().unwrap() {
        let n = tree["leaves_count"].as_u64().unwrap();
        let root = bytes(&tree["root"]);
        for case in tree["multiproofs"].as_array().unwrap() {
            let indices: Vec<u64> = case["indices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap())
                .collect();
            let hashes: Vec<[u8; 32]> = case["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(bytes)
                .collect();
            let leaves = |indices: &[u64]| -> Vec<(u64, Fe29)> {
                indices
                    .iter()
                    .map(|&i| (i, Fe29::from_fe(&vector_leaf(i))))
                    .collect()
            };
            let (got, used) = merkle::root_from_multiproof(&mut leaves(&indices), n, &hashes)
                .unwrap_or_else(|e| panic!("n={n} {indices:?}: {e:?}"));
            assert_eq!(got.to_be_bytes(), root, "n={n} {indices:?}");
            assert_eq!(used, hashes.len(), "n={n} {indices:?} uses the whole proof");
            // The shape lists exactly these nodes; never more than the paths.
            let mut listed = 0;
            let mut shape: Vec<(u64, ())> = indices.iter().map(|&i| (i, ())).collect();
            merkle::multiproof_nodes(&mut shape, n, |_, _| listed += 1).unwrap();
            assert_eq!(listed, hashes.len());
            let paths: usize = indices.iter().map(|&i| merkle::proof_length(i, n)).sum();
            assert!(hashes.len() <= paths, "n={n} {indices:?}");
            // A changed leaf or hash gives another root.
            let mut wrong = leaves(&indices);
            wrong[0].1 = Fe29::from_fe(&vector_leaf(n + 1));
            let (r, _) = merkle::root_from_multiproof(&mut wrong, n, &hashes).unwrap();
            assert_ne!(r.to_be_bytes(), root);
            if let Some(first) = hashes.first() {
                let mut tampered = hashes.clone();
                tampered[0] = *first;
                tampered[0][31] ^= 1;
                let (r, _) = merkle::root_from_multiproof(&mut leaves(&indices), n, &tampered)
                    .unwrap_or((Fe::ZERO, 0));
                assert_ne!(r.to_be_bytes(), root);
            }
        }
    }
    // 11 of 1000 rows: the shared upper nodes are listed once.
    let large = &vectors()["trees"][5];
    let all = &large["multiproofs"][0];
    assert_eq!(all["indices"].as_array().unwrap().len(), 11);
    assert!(all["hashes"].as_array().unwrap().len() < 11 * 10);
}

#[test]
fn multiproofs_refuse_no_leaves_duplicates_and_outside_indices() {
    let none: &[[u8; 32]] = &[];
    let leaf = |i| (i, Fe29::from_fe(&vector_leaf(i)));
    assert_eq!(
        merkle::root_from_multiproof(&mut [], 4, none),
        Err(MerkleError::NoLeaves)
    );
    assert_eq!(
        merkle::root_from_multiproof(&mut [leaf(1), leaf(1)], 4, none),
        Err(MerkleError::DuplicateIndex)
    );
    assert_eq!(
        merkle::root_from_multiproof(&mut [leaf(1), leaf(4)], 4, none),
        Err(MerkleError::IndexOutOfRange)
    );
    assert_eq!(
        merkle::root_from_multiproof(&mut [leaf(0), leaf(1)], 4, none),
        Err(MerkleError::ProofTooShort)
    );
}

#[test]
fn merkle_rejects_bad_indices_short_and_non_canonical_proofs() {
    let leaf = vector_leaf(0);
    let none: &[[u8; 32]] = &[];
    assert_eq!(
        merkle::root_from_proof(leaf, 3, 3, none),
        Err(MerkleError::IndexOutOfRange)
    );
    assert_eq!(
        merkle::root_from_proof(leaf, 0, 0, none),
        Err(MerkleError::IndexOutOfRange)
    );
    assert_eq!(
        merkle::root_from_proof(leaf, 0, 4, &[[0; 32]]),
        Err(MerkleError::ProofTooShort)
    );
    assert_eq!(
        merkle::root_from_proof(leaf, 0, 2, &[[0xff; 32]]),
        Err(MerkleError::NotAFieldElement)
    );
    // A one-leaf tree's root is the leaf itself and needs no proof.
    assert_eq!(merkle::root_from_proof(leaf, 0, 1, none), Ok((leaf, 0)));
}

#[test]
fn argmax_orders_negative_values_below_positive_ones() {
    let enc = felt::from_i128;
    assert_eq!(felt::argmax(&[enc(-5), enc(-1), enc(-3)]), Some(1));
    assert_eq!(felt::argmax(&[enc(-5), enc(0), enc(3), enc(3)]), Some(2));
    assert_eq!(felt::argmax(&[enc(i128::MIN + 1), enc(-1)]), Some(1));
    assert_eq!(
        felt::argmax(&[felt::HALF_MODULUS, felt::HALF_MODULUS + U256::from(1u8)]),
        Some(0)
    );
    assert_eq!(felt::argmax(&[]), None);
    assert_eq!(felt::to_i128(felt::MODULUS), None);
    assert_eq!(
        felt::to_i128(felt::HALF_MODULUS),
        None,
        "too large for i128"
    );
}
