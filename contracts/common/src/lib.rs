//! Helpers shared by the zkMLTrack Stylus contracts, `no_std` and allocation-free:
//!
//! - [`field`]: BN254 scalar field arithmetic in Montgomery form;
//! - [`poseidon`]: circom-compatible Poseidon for one and two inputs;
//! - [`merkle`]: `rs_merkle`-compatible Merkle path evaluation;
//! - [`felt`]: EZKL's signed fixed-point encoding (`p - x` for negatives), argmax;
//! - [`leaf_hash`]: the dataset leaf of a row (quantized features and label).
//!
//! The off-chain SDK (`zkmltrack::hashing`) is the reference; `vectors.json`,
//! generated from it, pins both to identical results.
#![no_std]
#![warn(missing_docs)]

pub mod felt;
pub mod field;
pub mod merkle;
pub mod poseidon;

use field::Fe;

/// Domain tag of dataset leaves: ASCII `zkmltrack.leaf.v1` as a big-endian integer.
pub const LEAF_DOMAIN: [u8; 32] = {
    let tag = *b"zkmltrack.leaf.v1";
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < tag.len() {
        out[32 - tag.len() + i] = tag[i];
        i += 1;
    }
    out
};

/// The leaf of one dataset row: `acc = H(LEAF_DOMAIN, n + 1)`, then
/// `acc = H(acc, x)` for each feature `x`, and finally `H(acc, label)`.
///
/// `feature_count` is `n`; `features` must yield exactly `n` elements.
pub fn leaf_hash(feature_count: usize, features: impl Iterator<Item = Fe>, label: Fe) -> Fe {
    let domain = Fe::from_be_bytes(&LEAF_DOMAIN).unwrap_or(Fe::ZERO);
    let mut acc = poseidon::hash2(&domain, &Fe::from_u64(feature_count as u64 + 1));
    for feature in features {
        acc = poseidon::hash2(&acc, &feature);
    }
    poseidon::hash2(&acc, &label)
}
