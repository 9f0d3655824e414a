//! Merkle paths over Poseidon, shaped exactly as `rs_merkle` shapes its trees.
//!
//! Nodes are `hash2(left, right)`; an odd node at the end of a layer is promoted
//! to the next layer unchanged; a single-leaf proof lists the sibling hashes
//! bottom-up and has no entry for a layer where the node was promoted.

use crate::{
    field::{limb29::Fe29, Fe},
    poseidon::hash2_29,
};

/// Why a Merkle path could not be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MerkleError {
    /// The leaf index is not below the number of leaves.
    IndexOutOfRange,
    /// The proof ran out of hashes before reaching the root.
    ProofTooShort,
    /// A proof hash is not a canonical field element.
    NotAFieldElement,
}

/// Number of sibling hashes a proof for `index` in a tree of `leaves` leaves holds.
pub fn proof_length(index: u64, leaves: u64) -> usize {
    let (mut index, mut len, mut count) = (index, leaves, 0);
    while len > 1 {
        if index % 2 == 1 || index + 1 < len {
            count += 1;
        }
        index /= 2;
        len = len.div_ceil(2);
    }
    count
}

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
    if index >= leaves {
        return Err(MerkleError::IndexOutOfRange);
    }
    let (mut node, mut index, mut len, mut used) = (Fe29::from_fe(&leaf), index, leaves, 0);
    while len > 1 {
        let is_right = index % 2 == 1;
        if is_right || index + 1 < len {
            let bytes = proof.get(used).ok_or(MerkleError::ProofTooShort)?;
            let sibling = <&[u8; 32]>::try_from(bytes.as_ref())
                .ok()
                .and_then(Fe29::from_be_bytes)
                .ok_or(MerkleError::NotAFieldElement)?;
            used += 1;
            node = if is_right {
                hash2_29(&sibling, &node)
            } else {
                hash2_29(&node, &sibling)
            };
        }
        index /= 2;
        len = len.div_ceil(2);
    }
    Ok((node.to_fe(), used))
}
