//! # DatasetVerifier
//!
//! A stateless Stylus program that checks dataset rows against a task's
//! Poseidon Merkle root: it hashes each row's quantized features and label
//! into its leaf (`zkmltrack_common::leaf_hash`) and computes the root from
//! all rows' leaves and one multi-proof (`rs_merkle`'s tree and proof shape).
//!
//! It is a program of its own, like a Solidity library contract, because the
//! Poseidon constants (field elements that do not compress) and its unrolled
//! arithmetic would push the TaskController over Stylus' 24 KB code limit. It has no storage, no
//! owner and no upgrade path: its code hash pins its behaviour.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main, no_std)]
// `#[entrypoint]` generates undocumented items (the wasm32 `user_entrypoint`, the ABI export).
#![cfg_attr(
    any(target_arch = "wasm32", feature = "export-abi"),
    allow(missing_docs)
)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::{B256, U256};
use stylus_sdk::prelude::*;
use zkmltrack_common::{
    field::{limb29::Fe29, Fe},
    leaf_hash, leaf_hash_from, leaf_prefix,
    merkle::{self, MerkleError},
    poseidon,
};

/// Status code: every row is in the tree.
pub const ROWS_VALID: u64 = 0;
/// Status code: a feature is not a field element (detail: its position).
pub const FEATURE_NOT_A_FIELD_ELEMENT: u64 = 1;
/// Status code: the rows and their multi-proof do not lead to the root, or
/// an index is outside the tree (detail: the call's first dataset index).
pub const ROW_NOT_IN_TREE: u64 = 2;
/// Status code: the argument lengths disagree, an index repeats, or proof
/// hashes are left over (detail: 0).
pub const MALFORMED_ROWS: u64 = 3;

/// State of the DatasetVerifier: none.
#[entrypoint]
#[storage]
pub struct DatasetVerifier {}

#[public]
impl DatasetVerifier {
    /// Checks that rows are leaves of a tree.
    ///
    /// Row `j` sits at `indices[j]` of a `dataset_size`-leaf tree with root
    /// `root`; its features are `features[j * feature_count..][..feature_count]`
    /// and its label `labels[j]`; `proofs` is one multi-proof of all the rows
    /// (`zkmltrack_common::merkle`: `rs_merkle`'s shape, inner nodes shared
    /// among the rows hashed once), exactly as long as they need.
    ///
    /// Returns a status word: `code << 64 | detail`, with `code` one of
    /// [`ROWS_VALID`] (0), [`FEATURE_NOT_A_FIELD_ELEMENT`],
    /// [`ROW_NOT_IN_TREE`] or [`MALFORMED_ROWS`].
    #[allow(clippy::too_many_arguments)]
    pub fn verify_rows(
        &self,
        root: B256,
        dataset_size: u64,
        feature_count: u32,
        indices: Vec<u64>,
        labels: Vec<u32>,
        features: Vec<U256>,
        proofs: Vec<B256>,
    ) -> U256 {
        let status = |code: u64, detail: u64| U256::from(code) << 64 | U256::from(detail);
        let width = feature_count as usize;
        // Checked: `indices.len() * width` must not wrap (wasm32 `usize`), and
        // nothing is reserved beyond what the call carries.
        if indices.len() != labels.len() || indices.len().checked_mul(width) != Some(features.len())
        {
            return status(MALFORMED_ROWS, 0);
        }
        if indices.is_empty() {
            let code = if proofs.is_empty() {
                ROWS_VALID
            } else {
                MALFORMED_ROWS
            };
            return status(code, 0);
        }
        let mut row = Vec::with_capacity(width.min(features.len()));
        let mut leaves = Vec::with_capacity(indices.len());
        // Every row of the call has the same width: its leaf prefix is hashed once.
        let prefix = leaf_prefix(width);
        for (j, (&index, &label)) in indices.iter().zip(&labels).enumerate() {
            row.clear();
            for (k, value) in features[j * width..(j + 1) * width].iter().enumerate() {
                match Fe::from_be_bytes(&value.to_be_bytes()) {
                    Some(fe) => row.push(fe),
                    None => return status(FEATURE_NOT_A_FIELD_ELEMENT, (j * width + k) as u64),
                }
            }
            let leaf = leaf_hash_from(&prefix, row.iter().copied(), Fe::from_u64(label as u64));
            leaves.push((index, Fe29::from_fe(&leaf)));
        }
        // One multi-proof cannot say which row is wrong: a failure names the
        // call's first row.
        match merkle::root_from_multiproof(&mut leaves, dataset_size, &proofs) {
            Ok((computed, used)) if computed.to_be_bytes() == root.0 => {
                if used == proofs.len() {
                    status(ROWS_VALID, 0)
                } else {
                    status(MALFORMED_ROWS, 0)
                }
            }
            Err(MerkleError::DuplicateIndex) => status(MALFORMED_ROWS, 0),
            _ => status(ROW_NOT_IN_TREE, indices[0]),
        }
    }

    /// The dataset leaf of a row (zero if a feature is not a field element).
    pub fn leaf_hash(&self, features: Vec<U256>, label: u32) -> B256 {
        let mut row = Vec::with_capacity(features.len());
        for value in &features {
            match Fe::from_be_bytes(&value.to_be_bytes()) {
                Some(fe) => row.push(fe),
                None => return B256::ZERO,
            }
        }
        B256::from(leaf_hash(row.len(), row.into_iter(), Fe::from_u64(label as u64)).to_be_bytes())
    }

    /// circom Poseidon of two field elements, the Merkle node hash (zero if an
    /// input is not a field element).
    pub fn poseidon2(&self, left: B256, right: B256) -> B256 {
        match (Fe::from_be_bytes(&left.0), Fe::from_be_bytes(&right.0)) {
            (Some(l), Some(r)) => B256::from(poseidon::hash2(&l, &r).to_be_bytes()),
            _ => B256::ZERO,
        }
    }
}

#[cfg(test)]
mod tests;
