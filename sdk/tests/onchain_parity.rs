//! Property tests: what the SDK computes off-chain is what the contracts'
//! `zkmltrack-common` code accepts on-chain (run natively here).
//! - quantized features are the felts the contracts decode;
//! - every SDK Merkle proof walks to the SDK root with the on-chain code;
//! - any single-bit change in a leaf or a proof hash is rejected;
//! - the SDK predicts the class the contracts score.

use alloy_primitives_08::U256;
use proptest::prelude::*;
use zkmltrack::{
    dataset::Dataset,
    hashing::Felt,
    quantize::{quantize, InputType},
};
use zkmltrack_common::{felt, field::Fe, leaf_hash, merkle};

fn fe(f: &Felt) -> Fe {
    Fe::from_be_bytes(&f.to_be_bytes()).expect("SDK felts are canonical")
}

/// Walks a proof with the contracts' code; `None` when it is refused.
fn onchain_root(leaf: &Felt, index: usize, len: usize, proof: &[Felt]) -> Option<[u8; 32]> {
    let hashes: Vec<[u8; 32]> = proof.iter().map(Felt::to_be_bytes).collect();
    let (root, used) = merkle::root_from_proof(fe(leaf), index as u64, len as u64, &hashes).ok()?;
    (used == hashes.len()).then(|| root.to_be_bytes())
}

fn csv(rows: &[(Vec<f64>, u32)]) -> String {
    let width = rows[0].0.len();
    let mut text: String = (0..width).map(|i| format!("f{i},")).collect::<String>() + "label\n";
    for (features, label) in rows {
        for x in features {
            text += &format!("{x},");
        }
        text += &format!("{label}\n");
    }
    text
}

fn dataset() -> impl Strategy<Value = Vec<(Vec<f64>, u32)>> {
    (1usize..5).prop_flat_map(|width| {
        prop::collection::vec(
            (prop::collection::vec(-1000.0f64..1000.0, width), 0u32..5),
            1..40,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn quantized_features_decode_on_chain_to_the_rounded_value(x in -1.0e6f64..1.0e6, scale in 0u32..24) {
        let q = quantize(x, scale, InputType::F32).unwrap();
        let decoded = felt::to_i128(alloy_primitives_u256(&q)).unwrap();
        prop_assert_eq!(decoded, (x as f32 as f64 * 2f64.powi(scale as i32)).round() as i128);
        prop_assert_eq!(felt::from_i128(decoded), alloy_primitives_u256(&q));
    }

    #[test]
    fn sdk_proofs_verify_with_the_onchain_code(rows in dataset(), scale in 0u32..16) {
        let data = Dataset::parse(&csv(&rows)).unwrap();
        let q = data.quantize(scale).unwrap();
        let root = q.root().to_be_bytes();
        for (i, (features, label)) in q.rows.iter().enumerate() {
            let leaf = q.leaf(i).unwrap();
            let onchain_leaf = leaf_hash(features.len(), features.iter().map(fe), Fe::from_u64(*label as u64));
            prop_assert_eq!(onchain_leaf.to_be_bytes(), leaf.to_be_bytes());
            let proof = q.proof(i).unwrap();
            prop_assert_eq!(onchain_root(&leaf, i, q.len(), &proof), Some(root));
        }
    }

    #[test]
    fn any_single_bit_flip_in_a_leaf_or_proof_is_rejected(
        rows in dataset(), pick in any::<prop::sample::Index>(), bit in 0usize..254,
    ) {
        let data = Dataset::parse(&csv(&rows)).unwrap();
        let q = data.quantize(8).unwrap();
        let root = q.root().to_be_bytes();
        let i = pick.index(q.len());
        let leaf = q.leaf(i).unwrap();
        let proof = q.proof(i).unwrap();
        let flip = |f: &Felt| -> Option<Felt> {
            let mut bytes = f.to_be_bytes();
            bytes[31 - bit / 8] ^= 1 << (bit % 8);
            Felt::from_be_bytes(&bytes).ok() // a flip past the modulus is refused outright
        };
        if let Some(bad_leaf) = flip(&leaf) {
            prop_assert_ne!(onchain_root(&bad_leaf, i, q.len(), &proof), Some(root));
        }
        if !proof.is_empty() {
            let k = bit % proof.len();
            let mut bad = proof.clone();
            match flip(&proof[k]) {
                Some(f) => {
                    bad[k] = f;
                    prop_assert_ne!(onchain_root(&leaf, i, q.len(), &bad), Some(root));
                }
                None => {
                    let mut raw: Vec<[u8; 32]> = proof.iter().map(Felt::to_be_bytes).collect();
                    raw[k][31 - bit / 8] ^= 1 << (bit % 8);
                    prop_assert!(merkle::root_from_proof(fe(&leaf), i as u64, q.len() as u64, &raw).is_err());
                }
            }
        }
    }
}

/// A felt as the `U256` (alloy-primitives 0.8) the contracts' helpers take.
fn alloy_primitives_u256(f: &Felt) -> U256 {
    U256::from_be_bytes(f.to_be_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The SDK's predicted class (its `Felt`s) is the contracts' argmax (their
    /// `U256`s) on signed outputs of either sign, ties included.
    #[test]
    fn the_sdk_predicts_the_class_the_contracts_score(
        outputs in prop::collection::vec(prop_oneof![-3i128..3, any::<i64>().prop_map(i128::from)], 1..12),
    ) {
        let felts: Vec<Felt> = outputs.iter().map(|&v| Felt::from_i128(v)).collect();
        let words: Vec<U256> = felts.iter().map(alloy_primitives_u256).collect();
        let want = outputs.iter().enumerate().rev().max_by_key(|(_, v)| **v).map(|(i, _)| i);
        prop_assert_eq!(zkmltrack::evaluation::predicted_class(&felts), want);
        prop_assert_eq!(felt::argmax(&words), want);
    }
}
