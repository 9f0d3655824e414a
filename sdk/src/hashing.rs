//! Dataset hashing: circom-compatible Poseidon over BN254 and `rs_merkle` trees.
//!
//! These are the conventions the on-chain `zkmltrack-common` crate implements
//! bit for bit (the shared vectors in `contracts/common/vectors.json` prove it):
//!
//! - a field element travels as 32 big-endian bytes, always below the modulus;
//! - `poseidon(inputs)` is circom's Poseidon (`poseidon-rs`), 1 to 16 inputs;
//! - a dataset leaf commits to a row's quantized features and its label as a
//!   chain of two-input hashes, starting from a domain tag and the value count:
//!   `acc = H(LEAF_DOMAIN, n + 1); acc = H(acc, x_i) for each feature; leaf = H(acc, label)`;
//! - the tree is `rs_merkle`'s: nodes are `H(left, right)`, an odd node at the end
//!   of a layer is promoted unchanged, and a proof lists the sibling hashes
//!   bottom-up, skipping layers where the node was promoted.
//!
//! ```
//! use zkmltrack::hashing::{leaf_hash, DatasetTree, Felt};
//!
//! let rows: Vec<Felt> = (0..5u64)
//!     .map(|i| leaf_hash(&[Felt::from_u64(i), Felt::from_u64(2 * i)], Felt::from_u64(i % 3)))
//!     .collect();
//! let tree = DatasetTree::new(&rows).unwrap();
//! let proof = tree.proof(3).unwrap();
//! assert!(tree.verify(3, rows[3], &proof));
//! ```

use std::{fmt, sync::OnceLock};

use ff_ce::{PrimeField, PrimeFieldRepr};
use poseidon_rs::{Fr, FrRepr, Poseidon};
use rs_merkle::{Hasher, MerkleTree};

/// Errors of the hashing layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HashingError {
    /// A 32-byte value is not below the BN254 scalar field modulus.
    #[error("value 0x{0} is not a BN254 field element (it is not below the modulus)")]
    NotAFieldElement(String),
    /// Poseidon was asked for an unsupported number of inputs.
    #[error("Poseidon takes 1 to 16 inputs, got {0}")]
    BadArity(usize),
    /// A tree needs at least one leaf.
    #[error("a dataset tree needs at least one leaf")]
    EmptyTree,
    /// A proof was requested for an index past the last leaf.
    #[error("leaf index {index} is out of range for a tree of {len} leaves")]
    IndexOutOfRange {
        /// Requested index.
        index: usize,
        /// Number of leaves.
        len: usize,
    },
}

/// Domain tag of dataset leaves: the ASCII bytes of `zkmltrack.leaf.v1`, read as
/// a big-endian integer. Keeps leaf hashes apart from inner-node hashes.
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

/// An element of the BN254 scalar field, the field EZKL and circom work in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Felt(Fr);

impl Felt {
    /// Zero.
    pub fn zero() -> Felt {
        Felt::from_u64(0)
    }

    /// A small non-negative integer.
    pub fn from_u64(value: u64) -> Felt {
        Felt(Fr::from_repr(FrRepr::from(value)).expect("u64 is below the modulus"))
    }

    /// A signed integer, negative values encoded as `p - |x|` (EZKL's convention).
    pub fn from_i64(value: i64) -> Felt {
        let magnitude = Felt::from_u64(value.unsigned_abs());
        if value < 0 {
            magnitude.neg()
        } else {
            magnitude
        }
    }

    /// The additive inverse.
    pub fn neg(&self) -> Felt {
        use ff_ce::Field;
        let mut out = self.0;
        out.negate();
        Felt(out)
    }

    /// Parses 32 big-endian bytes, refusing values not below the modulus.
    pub fn from_be_bytes(bytes: &[u8; 32]) -> Result<Felt, HashingError> {
        let mut repr = FrRepr::default();
        repr.read_be(&bytes[..])
            .expect("32 bytes fit the representation");
        Fr::from_repr(repr)
            .map(Felt)
            .map_err(|_| HashingError::NotAFieldElement(hex(bytes)))
    }

    /// The canonical 32 big-endian bytes.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        self.0
            .into_repr()
            .write_be(&mut out[..])
            .expect("32 bytes hold the representation");
        out
    }

    /// `0x`-prefixed lowercase hex of the canonical bytes.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex(&self.to_be_bytes()))
    }

    /// The inner `poseidon-rs` element.
    pub fn as_fr(&self) -> &Fr {
        &self.0
    }
}

impl fmt::Debug for Felt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Lowercase hex of bytes, without a prefix.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn poseidon_instance() -> &'static Poseidon {
    static INSTANCE: OnceLock<Poseidon> = OnceLock::new();
    INSTANCE.get_or_init(Poseidon::new)
}

/// circom-compatible Poseidon hash of 1 to 16 field elements.
pub fn poseidon(inputs: &[Felt]) -> Result<Felt, HashingError> {
    if inputs.is_empty() || inputs.len() > 16 {
        return Err(HashingError::BadArity(inputs.len()));
    }
    let frs = inputs.iter().map(|f| f.0).collect();
    poseidon_instance()
        .hash(frs)
        .map(Felt)
        .map_err(|_| HashingError::BadArity(inputs.len()))
}

/// Two-input Poseidon, the tree's node hash.
pub fn poseidon2(left: Felt, right: Felt) -> Felt {
    poseidon(&[left, right]).expect("two inputs are a valid arity")
}

/// The leaf of one dataset row: its quantized features and its label.
pub fn leaf_hash(features: &[Felt], label: Felt) -> Felt {
    let domain = Felt::from_be_bytes(&LEAF_DOMAIN).expect("the tag is a field element");
    let mut acc = poseidon2(domain, Felt::from_u64(features.len() as u64 + 1));
    for feature in features {
        acc = poseidon2(acc, *feature);
    }
    poseidon2(acc, label)
}

/// `rs_merkle` hasher whose nodes are `poseidon2(left, right)`.
///
/// `hash` reads its input as concatenated 32-byte big-endian field elements, so
/// `rs_merkle`'s default `concat_and_hash` (concatenate, then hash) is exactly
/// the two-input Poseidon of the children.
#[derive(Clone, Copy, Debug)]
pub struct PoseidonHasher;

impl Hasher for PoseidonHasher {
    type Hash = [u8; 32];

    fn hash(data: &[u8]) -> [u8; 32] {
        let felts: Vec<Felt> = data
            .chunks(32)
            .map(|chunk| {
                let bytes: [u8; 32] = chunk.try_into().expect("node input is whole 32-byte words");
                Felt::from_be_bytes(&bytes).expect("tree nodes are field elements")
            })
            .collect();
        poseidon(&felts)
            .expect("tree nodes hash one or two elements")
            .to_be_bytes()
    }
}

/// A Poseidon Merkle tree over dataset leaves, shaped exactly as `rs_merkle` shapes it.
pub struct DatasetTree {
    tree: MerkleTree<PoseidonHasher>,
    len: usize,
}

impl DatasetTree {
    /// Builds the tree over the given leaves.
    pub fn new(leaves: &[Felt]) -> Result<DatasetTree, HashingError> {
        if leaves.is_empty() {
            return Err(HashingError::EmptyTree);
        }
        let hashes: Vec<[u8; 32]> = leaves.iter().map(Felt::to_be_bytes).collect();
        Ok(DatasetTree {
            tree: MerkleTree::from_leaves(&hashes),
            len: leaves.len(),
        })
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a tree has at least one leaf.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The root.
    pub fn root(&self) -> Felt {
        let root = self.tree.root().expect("a non-empty tree has a root");
        Felt::from_be_bytes(&root).expect("the root is a Poseidon output")
    }

    /// The sibling hashes proving leaf `index`, bottom-up.
    pub fn proof(&self, index: usize) -> Result<Vec<Felt>, HashingError> {
        if index >= self.len {
            return Err(HashingError::IndexOutOfRange {
                index,
                len: self.len,
            });
        }
        Ok(self
            .tree
            .proof(&[index])
            .proof_hashes()
            .iter()
            .map(|h| Felt::from_be_bytes(h).expect("proof nodes are Poseidon outputs"))
            .collect())
    }

    /// Checks a proof with `rs_merkle`'s own verifier.
    pub fn verify(&self, index: usize, leaf: Felt, proof: &[Felt]) -> bool {
        verify_path(self.root(), index, self.len, leaf, proof)
    }
}

/// Checks that `proof` leads `leaf` at `index` of a `len`-leaf tree to `root`
/// (`rs_merkle`'s verifier; no tree needed).
pub fn verify_path(root: Felt, index: usize, len: usize, leaf: Felt, proof: &[Felt]) -> bool {
    let hashes = proof.iter().map(Felt::to_be_bytes).collect();
    rs_merkle::MerkleProof::<PoseidonHasher>::new(hashes).verify(
        root.to_be_bytes(),
        &[index],
        &[leaf.to_be_bytes()],
        len,
    )
}

/// Number of sibling hashes in the proof of leaf `index` of a `len`-leaf
/// tree: one per level where the node has a sibling (a promoted odd last
/// node has none).
pub fn path_length(index: usize, len: usize) -> usize {
    let (mut index, mut len, mut count) = (index, len, 0);
    while len > 1 {
        if (index ^ 1) < len {
            count += 1;
        }
        index /= 2;
        len = len.div_ceil(2);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_circomlib_reference_hashes() {
        // Published circomlibjs test values: poseidon([1, 2]) and poseidon([1]).
        assert_eq!(
            poseidon2(Felt::from_u64(1), Felt::from_u64(2)).to_hex(),
            "0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a"
        );
        assert_eq!(
            poseidon(&[Felt::from_u64(1)]).unwrap().to_hex(),
            "0x29176100eaa962bdc1fe6c654d6a3c130e96a4d1168b33848b897dc502820133"
        );
    }

    #[test]
    fn negative_values_are_p_minus_x() {
        let minus_one = Felt::from_i64(-1);
        assert_eq!(
            minus_one.to_hex(),
            "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000"
        );
        assert_eq!(Felt::from_i64(-5).neg(), Felt::from_u64(5));
    }

    #[test]
    fn rejects_values_at_or_above_the_modulus() {
        let mut p = [0u8; 32];
        p.copy_from_slice(
            &(0..32)
                .map(|i| {
                    u8::from_str_radix(
                        &"30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"
                            [2 * i..2 * i + 2],
                        16,
                    )
                    .unwrap()
                })
                .collect::<Vec<_>>(),
        );
        assert!(matches!(
            Felt::from_be_bytes(&p),
            Err(HashingError::NotAFieldElement(_))
        ));
        assert_eq!(poseidon(&[]), Err(HashingError::BadArity(0)));
    }

    #[test]
    fn proofs_verify_for_every_index_of_odd_and_even_trees() {
        for n in [1usize, 2, 3, 5, 8, 13] {
            let leaves: Vec<Felt> = (0..n as u64)
                .map(|i| leaf_hash(&[Felt::from_u64(i)], Felt::zero()))
                .collect();
            let tree = DatasetTree::new(&leaves).unwrap();
            for (i, leaf) in leaves.iter().enumerate() {
                let proof = tree.proof(i).unwrap();
                assert!(tree.verify(i, *leaf, &proof), "n={n} i={i}");
            }
            assert!(tree.proof(n).is_err());
        }
        assert_eq!(DatasetTree::new(&[]).err(), Some(HashingError::EmptyTree));
    }
}
