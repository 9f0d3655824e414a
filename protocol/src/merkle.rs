//! The shape of the dataset's Merkle tree and of its proofs, as `rs_merkle`
//! builds them, without the hash: which nodes a proof lists and in which
//! order. The contracts hash along it (`zkmltrack_common::merkle`), the SDK's
//! prover reads the listed nodes from its tree.
//!
//! Nodes are `hash(left, right)`; an odd node at the end of a layer is
//! promoted to the next layer unchanged. A proof of a set of leaves (a
//! *multi-proof*; of one leaf, its path) lists, layer by layer from the leaves
//! up and in index order within a layer, the nodes that are needed to compute
//! the root and cannot be computed from the proved leaves: a node whose
//! sibling is itself proved or computed costs nothing, and a promoted node has
//! no entry. Rows that share inner nodes thus share their hashes.

/// Why a Merkle path could not be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MerkleError {
    /// The leaf index is not below the number of leaves.
    IndexOutOfRange,
    /// The proof ran out of hashes before reaching the root.
    ProofTooShort,
    /// A proof hash is not a canonical field element.
    NotAFieldElement,
    /// A multi-proof was asked for no leaves.
    NoLeaves,
    /// A multi-proof was given the same leaf index twice.
    DuplicateIndex,
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

/// The nodes a multi-proof of the leaves at `nodes`' indices lists, in its
/// order, as `(layer, index in that layer)` with layer 0 the leaves. A prover
/// reads these nodes from its tree (a verifier's [`walk`] reads the proof in
/// the same order); `nodes` is working space as there, and only its
/// indices matter (pass `()` as the node).
pub fn multiproof_nodes<N: Copy + Default>(
    nodes: &mut [(u64, N)],
    leaves: u64,
    mut node: impl FnMut(u32, u64),
) -> Result<(), MerkleError> {
    walk::<N, MerkleError>(
        nodes,
        leaves,
        |layer, index| {
            node(layer, index);
            Ok(N::default())
        },
        |left, _| *left,
    )
    .map(|_| ())
}

/// The one walk of a proof: sorts the proved nodes, then reduces them
/// layer by layer in place. A node whose sibling is the next proved node is
/// combined with it; otherwise its sibling comes from `sibling(layer, index)`
/// (in proof order) unless the node is the promoted last one of its layer.
pub fn walk<N: Copy, E>(
    nodes: &mut [(u64, N)],
    leaves: u64,
    mut sibling: impl FnMut(u32, u64) -> Result<N, E>,
    mut combine: impl FnMut(&N, &N) -> N,
) -> Result<N, E>
where
    E: From<MerkleError>,
{
    nodes.sort_unstable_by_key(|(index, _)| *index);
    match nodes.last() {
        None => return Err(MerkleError::NoLeaves.into()),
        Some((last, _)) if *last >= leaves => return Err(MerkleError::IndexOutOfRange.into()),
        _ => {}
    }
    if nodes.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(MerkleError::DuplicateIndex.into());
    }
    let (mut count, mut len, mut layer) = (nodes.len(), leaves, 0u32);
    while len > 1 {
        let (mut read, mut write) = (0, 0);
        while read < count {
            let (index, node) = nodes[read];
            let parent = if index % 2 == 1 {
                // Its left sibling was not proved: it would have taken this node.
                combine(&sibling(layer, index - 1)?, &node)
            } else if read + 1 < count && nodes[read + 1].0 == index + 1 {
                read += 1;
                combine(&node, &nodes[read].1)
            } else if index + 1 < len {
                combine(&node, &sibling(layer, index + 1)?)
            } else {
                node
            };
            nodes[write] = (index / 2, parent);
            write += 1;
            read += 1;
        }
        count = write;
        len = len.div_ceil(2);
        layer += 1;
    }
    Ok(nodes[0].1)
}
