//! Merkle proofs over Poseidon, shaped exactly as `rs_merkle` shapes its trees
//! and its multi-proofs: the shape (which nodes a proof lists, in which order)
//! is `zkmltrack_protocol::merkle`'s, shared with the SDK's prover; this
//! module hashes along it.

use crate::{
    field::{limb29::Fe29, Fe},
    poseidon::hash2_29,
};
use zkmltrack_protocol::merkle::walk;
pub use zkmltrack_protocol::merkle::{multiproof_nodes, proof_length, MerkleError};

/// Walks a proof from `leaf` (at `index` of a `leaves`-leaf tree) to the root.
///
/// Reads as many 32-byte big-endian hashes from `proof` as the path needs and
/// returns the root and that count, so several proofs can be packed back to back.
pub fn root_from_proof<H: AsRef<[u8]>>(
    leaf: Fe,
    index: u64,
    leaves: u64,
    proof: &[H],
) -> Result<(Fe, usize), MerkleError> {
    root_from_multiproof(&mut [(index, Fe29::from_fe(&leaf))], leaves, proof)
}

/// Computes the root from proved leaves `nodes` (`(index, leaf)`, any order,
/// distinct indices below `leaves`) and their multi-proof.
///
/// Reads as many 32-byte big-endian hashes from `proof` as the leaves need and
/// returns the root and that count; the caller decides whether hashes left
/// over are an error. `nodes` is used as working space (its content after the
/// call is unspecified), so no allocation is made.
pub fn root_from_multiproof<H: AsRef<[u8]>>(
    nodes: &mut [(u64, Fe29)],
    leaves: u64,
    proof: &[H],
) -> Result<(Fe, usize), MerkleError> {
    let mut used = 0;
    let root = walk(
        nodes,
        leaves,
        |_, _| {
            let bytes = proof.get(used).ok_or(MerkleError::ProofTooShort)?;
            used += 1;
            <&[u8; 32]>::try_from(bytes.as_ref())
                .ok()
                .and_then(Fe29::from_be_bytes)
                .ok_or(MerkleError::NotAFieldElement)
        },
        hash2_29,
    )?;
    Ok((root.to_fe(), used))
}
