//! Unit tests (motsu) against the shared vectors generated from the SDK.

use alloy_primitives::{Address, B256, U256};
use motsu::prelude::*;
use serde_json::Value;

use super::*;

fn word(v: &Value) -> B256 {
    v.as_str().unwrap().parse().unwrap()
}

/// Features and label of leaf `i` of every vector tree.
fn row(i: u64) -> (Vec<U256>, u32) {
    let features = [i as i128, -3 * i as i128 - 1].map(zkmltrack_common::felt::from_i128);
    (features.to_vec(), (i % 3) as u32)
}

#[motsu::test]
fn verifies_single_and_batched_rows_of_every_vector_tree(
    contract: Contract<DatasetVerifier>,
    alice: Address,
) {
    let vectors: Value = serde_json::from_str(include_str!("../../common/vectors.json")).unwrap();
    for tree in vectors["trees"].as_array().unwrap() {
        let n = tree["leaves_count"].as_u64().unwrap();
        let root = word(&tree["root"]);
        for proof in tree["proofs"].as_array().unwrap() {
            let index = proof["index"].as_u64().unwrap();
            let hashes: Vec<B256> = proof["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(word)
                .collect();
            let (f, label) = row(index);
            let one =
                contract
                    .sender(alice)
                    .verify_rows(root, n, 2, vec![index], vec![label], f, hashes);
            assert_eq!(one, U256::ZERO, "n={n} index={index}");
        }
        // Rows in draw order with one multi-proof.
        let case = &tree["multiproofs"][0];
        let indices: Vec<u64> = case["indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_u64().unwrap())
            .collect();
        let proofs: Vec<B256> = case["hashes"]
            .as_array()
            .unwrap()
            .iter()
            .map(word)
            .collect();
        let (mut labels, mut features) = (vec![], vec![]);
        for &index in &indices {
            let (f, label) = row(index);
            labels.push(label);
            features.extend(f);
        }
        let batch = contract.sender(alice).verify_rows(
            root,
            n,
            2,
            indices.clone(),
            labels.clone(),
            features.clone(),
            proofs.clone(),
        );
        assert_eq!(batch, U256::ZERO, "batch of n={n}");
        if indices.len() > 1 {
            // A row given twice is malformed, whatever the proof.
            let mut twice = indices.clone();
            twice[1] = twice[0];
            let mut twice_features = features.clone();
            twice_features.copy_within(0..2, 2);
            let mut twice_labels = labels.clone();
            twice_labels[1] = twice_labels[0];
            let status = contract.sender(alice).verify_rows(
                root,
                n,
                2,
                twice,
                twice_labels,
                twice_features,
                proofs.clone(),
            );
            assert_eq!(status, U256::from(MALFORMED_ROWS) << 64, "n={n}");
        }

        // A wrong label names the dataset index; a trailing hash is malformed.
        let mut wrong = labels.clone();
        wrong[0] += 1;
        let status = contract.sender(alice).verify_rows(
            root,
            n,
            2,
            indices.clone(),
            wrong,
            features.clone(),
            proofs.clone(),
        );
        assert_eq!(
            status,
            U256::from(ROW_NOT_IN_TREE) << 64 | U256::from(indices[0])
        );
        let mut longer = proofs.clone();
        longer.push(root);
        let status = contract.sender(alice).verify_rows(
            root,
            n,
            2,
            indices.clone(),
            labels.clone(),
            features.clone(),
            longer,
        );
        assert_eq!(status, U256::from(MALFORMED_ROWS) << 64);
    }
}

#[motsu::test]
fn reports_non_field_features_and_length_mismatches(
    contract: Contract<DatasetVerifier>,
    alice: Address,
) {
    let status = contract.sender(alice).verify_rows(
        B256::ZERO,
        1,
        2,
        vec![0],
        vec![0],
        vec![U256::ZERO, U256::MAX],
        vec![],
    );
    assert_eq!(
        status,
        U256::from(FEATURE_NOT_A_FIELD_ELEMENT) << 64 | U256::from(1u8)
    );
    let status = contract.sender(alice).verify_rows(
        B256::ZERO,
        1,
        2,
        vec![0],
        vec![0],
        vec![U256::ZERO],
        vec![],
    );
    assert_eq!(status, U256::from(MALFORMED_ROWS) << 64);
}

#[motsu::test]
fn exposes_the_leaf_and_node_hashes(contract: Contract<DatasetVerifier>, alice: Address) {
    let vectors: Value = serde_json::from_str(include_str!("../../common/vectors.json")).unwrap();
    for case in vectors["leaves"].as_array().unwrap() {
        let features: Vec<U256> = case["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| word(v).into())
            .collect();
        let label = U256::from_be_bytes(word(&case["label"]).0).to::<u32>();
        assert_eq!(
            contract.sender(alice).leaf_hash(features, label),
            word(&case["leaf"])
        );
    }
    for case in vectors["poseidon"].as_array().unwrap() {
        let inputs = case["inputs"].as_array().unwrap();
        if inputs.len() == 2 {
            assert_eq!(
                contract
                    .sender(alice)
                    .poseidon2(word(&inputs[0]), word(&inputs[1])),
                word(&case["output"])
            );
        }
    }
    assert_eq!(
        contract
            .sender(alice)
            .poseidon2(B256::repeat_byte(0xff), B256::ZERO),
        B256::ZERO
    );
}
