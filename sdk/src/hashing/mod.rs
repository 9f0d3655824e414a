//! Dataset hashing: circom-compatible Poseidon over BN254 and `rs_merkle` trees.
//!
//! These are the conventions the on-chain `zkmltrack-common` crate implements
//! bit for bit (the shared vectors in `contracts/common/vectors.json` prove it):
//!
//! - a field element travels as 32 big-endian bytes, always below the modulus;
//! - `poseidon(inputs)` is circom's Poseidon (as `poseidon-rs` computes it), 1 to 16 inputs;
//! - a dataset leaf commits to a row's quantized features and its label as a
//!   chain of two-input hashes, starting from a domain tag and the value count:
//!   `acc = H(LEAF_DOMAIN, n + 1); acc = H(acc, x_i) for each feature; leaf = H(acc, label)`;
//! - the tree is `rs_merkle`'s: nodes are `H(left, right)`, an odd node at the end
//!   of a layer is promoted unchanged, and a proof lists the sibling hashes
//!   bottom-up, skipping layers where the node was promoted.
//!
//! The two-input hash `H`, the only one leaves and trees use, is the SDK's own
//! implementation of circom's `Poseidon(2)`: the optimized round schedule
//! (sparse partial-round matrices) derived at first use from `poseidon-rs`'s
//! constants, on Montgomery arithmetic with 64-bit limbs (one hash at a time,
//! about 2x `poseidon-rs`) or, for batches on CPUs with AVX-512 IFMA, eight
//! hashes at once (about 11x `poseidon-rs` per core). [`leaf_hashes`] and
//! [`DatasetTree::new`] hash in batches on all available cores. Other arities
//! go through `poseidon-rs`, which stays the reference the tests compare with.
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

mod field;
#[cfg(target_arch = "x86_64")]
mod ifma;
mod poseidon_t3;

use std::{fmt, sync::OnceLock, thread};

use ff_ce::{PrimeField, PrimeFieldRepr};
use poseidon_rs::{Fr, FrRepr, Poseidon};
use rs_merkle::Hasher;

use field::Fe;
use poseidon_t3::LANES;
use zkmltrack_protocol::merkle::{self, MerkleError};

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
    /// A multi-proof was asked for the same leaf twice.
    #[error("a multi-proof proves each leaf once; an index was given twice")]
    DuplicateIndex,
    /// A multi-proof was asked for no leaf.
    #[error("a multi-proof needs at least one leaf")]
    NoLeaves,
}

/// Domain tag of dataset leaves (keeps leaf hashes apart from inner-node hashes).
pub use zkmltrack_protocol::evaluation::LEAF_DOMAIN;

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

    /// A signed 128-bit integer (EZKL's `IntegerRep`), negatives as `p - |x|`.
    pub fn from_i128(value: i128) -> Felt {
        let mut bytes = [0u8; 32];
        bytes[16..].copy_from_slice(&value.unsigned_abs().to_be_bytes());
        let magnitude = Felt::from_be_bytes(&bytes).expect("u128 is below the modulus");
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

/// Serialized as its `0x` hex.
impl serde::Serialize for Felt {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
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

impl Felt {
    /// The Montgomery limbs the fast Poseidon works on (`ff_ce` keeps `Fr` in
    /// the same form, so this is a copy).
    fn fe(&self) -> Fe {
        Fe(self.0.into_raw_repr().0)
    }

    fn from_fe(x: Fe) -> Felt {
        Felt(Fr::from_raw_repr(FrRepr(x.0)).expect("Fe values are canonical"))
    }
}

fn poseidon_instance() -> &'static Poseidon {
    static INSTANCE: OnceLock<Poseidon> = OnceLock::new();
    INSTANCE.get_or_init(Poseidon::new)
}

/// circom-compatible Poseidon hash of 1 to 16 field elements.
///
/// Two inputs take the SDK's fast implementation (the same function as
/// [`poseidon2`]); other arities take `poseidon-rs`.
pub fn poseidon(inputs: &[Felt]) -> Result<Felt, HashingError> {
    if let [left, right] = inputs {
        return Ok(poseidon2(*left, *right));
    }
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
    Felt::from_fe(poseidon_t3::hash(left.fe(), right.fe()))
}

/// The kernel batched hashing ([`leaf_hashes`], [`DatasetTree::new`]) uses on
/// this CPU: `"avx512-ifma"` (eight hashes at once) or `"scalar"`. Setting
/// `ZKMLTRACK_POSEIDON_SCALAR=1` before the first hash forces `"scalar"`.
pub fn hash_backend() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if ifma::available() {
        return "avx512-ifma";
    }
    "scalar"
}

/// Feature counts whose leaf prefix `H(LEAF_DOMAIN, n + 1)` is cached.
const CACHED_PREFIXES: usize = 64;

/// `H(LEAF_DOMAIN, n + 1)`, the start of every leaf with `n` features.
fn leaf_prefix(n: usize) -> Fe {
    static PREFIXES: [OnceLock<Fe>; CACHED_PREFIXES] = [const { OnceLock::new() }; CACHED_PREFIXES];
    let compute = || {
        let domain = Felt::from_be_bytes(&LEAF_DOMAIN).expect("the tag is a field element");
        poseidon_t3::hash(domain.fe(), Felt::from_u64(n as u64 + 1).fe())
    };
    match PREFIXES.get(n) {
        Some(cell) => *cell.get_or_init(compute),
        None => compute(),
    }
}

fn leaf_fe(features: &[Felt], label: Felt) -> Fe {
    let schedule = poseidon_t3::schedule();
    let acc = features.iter().fold(leaf_prefix(features.len()), |acc, x| {
        poseidon_t3::hash_with(schedule, acc, x.fe())
    });
    poseidon_t3::hash_with(schedule, acc, label.fe())
}

/// The leaf of one dataset row: its quantized features and its label.
pub fn leaf_hash(features: &[Felt], label: Felt) -> Felt {
    Felt::from_fe(leaf_fe(features, label))
}

/// The leaves of many rows, hashed on all available cores: `row` gives a
/// row's features and label, and leaf `i` is [`leaf_hash`] of `row(&rows[i])`.
///
/// ```
/// use zkmltrack::hashing::{leaf_hash, leaf_hashes, Felt};
///
/// let rows: Vec<(Vec<Felt>, u32)> = (0..10u64).map(|i| (vec![Felt::from_u64(i)], 1)).collect();
/// let leaves = leaf_hashes(&rows, |(features, label)| (features, Felt::from_u64(*label as u64)));
/// assert_eq!(leaves[7], leaf_hash(&rows[7].0, Felt::from_u64(1)));
/// ```
pub fn leaf_hashes<T, F>(rows: &[T], row: F) -> Vec<Felt>
where
    T: Sync,
    F: for<'a> Fn(&'a T) -> (&'a [Felt], Felt) + Sync,
{
    let schedule = poseidon_t3::schedule();
    let mut out = vec![Felt::zero(); rows.len()];
    fill_parallel(&mut out, |start, part| {
        for (g, group) in part.chunks_mut(LANES).enumerate() {
            let (first, n) = (start + g * LANES, group.len());
            let mut lanes: [(&[Felt], Felt); LANES] = [(&[], Felt::zero()); LANES];
            for (i, slot) in lanes[..n].iter_mut().enumerate() {
                *slot = row(&rows[first + i]);
            }
            let width = lanes[0].0.len();
            if lanes[..n]
                .iter()
                .any(|(features, _)| features.len() != width)
            {
                for (slot, (features, label)) in group.iter_mut().zip(&lanes) {
                    *slot = Felt::from_fe(leaf_fe(features, *label));
                }
                continue;
            }
            // The same chain in every lane: prefix, then each feature, then the
            // label (lanes past `n` hash zeros and are dropped).
            let mut acc = [leaf_prefix(width); LANES];
            for j in 0..=width {
                let input = std::array::from_fn(|i| {
                    let (features, label) = lanes[i];
                    match (i < n, features.get(j)) {
                        (false, _) => Fe::ZERO,
                        (true, Some(x)) => x.fe(),
                        (true, None) => label.fe(),
                    }
                });
                acc = poseidon_t3::hash_lanes(schedule, &acc, &input, n);
            }
            for (slot, leaf) in group.iter_mut().zip(acc) {
                *slot = Felt::from_fe(leaf);
            }
        }
    });
    out
}

/// Items per thread below which a job stays on fewer threads (a thread start
/// costs about as much as a few hashes, an item is at least one hash).
const MIN_ITEMS_PER_THREAD: usize = 256;

fn available_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Runs `fill(start, part)` over `out` split into one contiguous part per
/// thread (`part` is `out[start..start + part.len()]`; part lengths are
/// multiples of [`LANES`] but for the last).
///
/// The items are all alike (a fixed number of Poseidon hashes), so equal parts
/// keep the threads equally busy without work stealing; the calling thread
/// takes the first part.
fn fill_parallel<T: Send>(out: &mut [T], fill: impl Fn(usize, &mut [T]) + Sync) {
    let threads = available_threads()
        .min(out.len() / MIN_ITEMS_PER_THREAD)
        .max(1);
    if threads == 1 {
        return fill(0, out);
    }
    let part = out.len().div_ceil(threads).next_multiple_of(LANES);
    thread::scope(|scope| {
        let mut parts = out.chunks_mut(part).enumerate();
        let (_, first) = parts.next().expect("at least one part");
        for (p, chunk) in parts {
            let fill = &fill;
            scope.spawn(move || fill(p * part, chunk));
        }
        fill(0, first);
    });
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
        let felt = |chunk: &[u8]| {
            let bytes: [u8; 32] = chunk.try_into().expect("node input is whole 32-byte words");
            Felt::from_be_bytes(&bytes).expect("tree nodes are field elements")
        };
        if data.len() == 64 {
            return poseidon2(felt(&data[..32]), felt(&data[32..])).to_be_bytes();
        }
        let felts: Vec<Felt> = data.chunks(32).map(felt).collect();
        poseidon(&felts)
            .expect("tree nodes hash one or two elements")
            .to_be_bytes()
    }
}

/// A Poseidon Merkle tree over dataset leaves, shaped exactly as `rs_merkle`
/// shapes it (an odd node at the end of a layer is promoted unchanged).
///
/// All layers are kept, so proofs are lookups. Layers are hashed on all
/// available cores.
pub struct DatasetTree {
    /// `layers[0]` are the leaves, the last layer is the root alone.
    layers: Vec<Vec<Fe>>,
}

impl DatasetTree {
    /// Builds the tree over the given leaves.
    pub fn new(leaves: &[Felt]) -> Result<DatasetTree, HashingError> {
        if leaves.is_empty() {
            return Err(HashingError::EmptyTree);
        }
        let schedule = poseidon_t3::schedule();
        let mut layers = vec![leaves.iter().map(Felt::fe).collect::<Vec<Fe>>()];
        while let Some(below) = layers.last().filter(|layer| layer.len() > 1) {
            // Parents of two children come first; an odd last node is promoted.
            let pairs = below.len() / 2;
            let mut layer = vec![Fe::ZERO; below.len().div_ceil(2)];
            if below.len() % 2 == 1 {
                layer[pairs] = below[below.len() - 1];
            }
            fill_parallel(&mut layer[..pairs], |start, part| {
                for (g, group) in part.chunks_mut(LANES).enumerate() {
                    let first = start + g * LANES;
                    let child = |i: usize, side: usize| {
                        let parent = first + i;
                        if i < group.len() {
                            below[2 * parent + side]
                        } else {
                            Fe::ZERO
                        }
                    };
                    let left = std::array::from_fn(|i| child(i, 0));
                    let right = std::array::from_fn(|i| child(i, 1));
                    let hashed = poseidon_t3::hash_lanes(schedule, &left, &right, group.len());
                    group.copy_from_slice(&hashed[..group.len()]);
                }
            });
            layers.push(layer);
        }
        Ok(DatasetTree { layers })
    }

    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.layers[0].len()
    }

    /// Always false: a tree has at least one leaf.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The root.
    pub fn root(&self) -> Felt {
        let top = self.layers.last().expect("a tree has at least one layer");
        Felt::from_fe(top[0])
    }

    /// The sibling hashes proving leaf `index`, bottom-up (`rs_merkle`'s
    /// proof: no entry for a layer where the node was promoted).
    pub fn proof(&self, index: usize) -> Result<Vec<Felt>, HashingError> {
        if index >= self.len() {
            return Err(HashingError::IndexOutOfRange {
                index,
                len: self.len(),
            });
        }
        let below_root = &self.layers[..self.layers.len() - 1];
        Ok(below_root
            .iter()
            .enumerate()
            .filter_map(|(level, layer)| layer.get((index >> level) ^ 1))
            .map(|sibling| Felt::from_fe(*sibling))
            .collect())
    }

    /// Checks a proof with `rs_merkle`'s own verifier.
    pub fn verify(&self, index: usize, leaf: Felt, proof: &[Felt]) -> bool {
        verify_path(self.root(), index, self.len(), leaf, proof)
    }

    /// One multi-proof of the leaves at `indices` (any order, distinct):
    /// `rs_merkle`'s proof of several leaves, the nodes their paths share
    /// listed once (`zkmltrack_protocol::merkle`). What a submission carries.
    pub fn multiproof(&self, indices: &[usize]) -> Result<Vec<Felt>, HashingError> {
        let mut nodes: Vec<(u64, ())> = indices.iter().map(|&i| (i as u64, ())).collect();
        let mut proof = Vec::new();
        merkle::multiproof_nodes(&mut nodes, self.len() as u64, |layer, index| {
            proof.push(Felt::from_fe(self.layers[layer as usize][index as usize]));
        })
        .map_err(|e| match e {
            MerkleError::DuplicateIndex => HashingError::DuplicateIndex,
            MerkleError::NoLeaves => HashingError::NoLeaves,
            _ => HashingError::IndexOutOfRange {
                index: indices.iter().copied().max().unwrap_or_default(),
                len: self.len(),
            },
        })?;
        Ok(proof)
    }
}

/// Checks that `proof` is the multi-proof leading `leaves` (`(index, leaf)`,
/// any order) of a `len`-leaf tree to `root`, with `rs_merkle`'s verifier and
/// no hash left over.
pub fn verify_multiproof(root: Felt, len: usize, leaves: &[(usize, Felt)], proof: &[Felt]) -> bool {
    let mut sorted = leaves.to_vec();
    sorted.sort_by_key(|(index, _)| *index);
    let mut nodes: Vec<(u64, ())> = sorted.iter().map(|&(i, _)| (i as u64, ())).collect();
    let mut needed = 0;
    if merkle::multiproof_nodes(&mut nodes, len as u64, |_, _| needed += 1).is_err()
        || needed != proof.len()
    {
        return false;
    }
    let indices: Vec<usize> = sorted.iter().map(|(i, _)| *i).collect();
    let hashes: Vec<[u8; 32]> = sorted.iter().map(|(_, l)| l.to_be_bytes()).collect();
    rs_merkle::MerkleProof::<PoseidonHasher>::new(proof.iter().map(Felt::to_be_bytes).collect())
        .verify(root.to_be_bytes(), &indices, &hashes, len)
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
    merkle::proof_length(index as u64, len as u64)
}

#[cfg(test)]
mod tests {
    use rs_merkle::MerkleTree;

    use super::*;

    /// `rs_merkle` hasher on `poseidon-rs` alone, as the SDK hashed before it had
    /// its own Poseidon: the reference for trees and proofs.
    #[derive(Clone)]
    struct ReferenceHasher;

    impl Hasher for ReferenceHasher {
        type Hash = [u8; 32];

        fn hash(data: &[u8]) -> [u8; 32] {
            let frs: Vec<Fr> = data
                .chunks(32)
                .map(|chunk| {
                    let mut repr = FrRepr::default();
                    repr.read_be(chunk).unwrap();
                    Fr::from_repr(repr).unwrap()
                })
                .collect();
            let mut out = [0u8; 32];
            let hash = poseidon_instance().hash(frs).unwrap();
            hash.into_repr().write_be(&mut out[..]).unwrap();
            out
        }
    }

    fn reference_hash(inputs: &[Felt]) -> Felt {
        Felt(
            poseidon_instance()
                .hash(inputs.iter().map(|f| f.0).collect())
                .unwrap(),
        )
    }

    /// Reference leaf: the chain of two-input hashes with `poseidon-rs`.
    fn reference_leaf(features: &[Felt], label: Felt) -> Felt {
        let domain = Felt::from_be_bytes(&LEAF_DOMAIN).unwrap();
        let mut acc = reference_hash(&[domain, Felt::from_u64(features.len() as u64 + 1)]);
        for x in features {
            acc = reference_hash(&[acc, *x]);
        }
        reference_hash(&[acc, label])
    }

    /// Deterministic, spread-out field elements (small, negative, large).
    fn sample_felt(i: u64) -> Felt {
        let x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 8;
        match i % 3 {
            0 => Felt::from_u64(x),
            1 => Felt::from_i64(-(x as i64)),
            _ => Felt::from_be_bytes(&[(i % 0x30) as u8; 32]).unwrap(),
        }
    }

    #[test]
    fn trees_and_proofs_match_rs_merkle_over_poseidon_rs() {
        // Up to 1100 leaves: layers of 550 and 275 pairs take the multi-threaded
        // path; the larger trees check every 7th proof.
        for n in (1..=33).chain([63, 64, 65, 100, 257, 1100]) {
            let leaves: Vec<Felt> = (0..n as u64).map(sample_felt).collect();
            let tree = DatasetTree::new(&leaves).unwrap();
            let bytes: Vec<[u8; 32]> = leaves.iter().map(Felt::to_be_bytes).collect();
            let reference = MerkleTree::<ReferenceHasher>::from_leaves(&bytes);
            assert_eq!(
                tree.root().to_be_bytes(),
                reference.root().unwrap(),
                "n={n}"
            );
            assert_eq!(tree.len(), n);
            let step = if n > 100 { 7 } else { 1 };
            for (i, leaf) in leaves
                .iter()
                .enumerate()
                .step_by(step)
                .chain([(n - 1, &leaves[n - 1])])
            {
                let proof = tree.proof(i).unwrap();
                let expected: Vec<[u8; 32]> = reference.proof(&[i]).proof_hashes().to_vec();
                let got: Vec<[u8; 32]> = proof.iter().map(Felt::to_be_bytes).collect();
                assert_eq!(got, expected, "n={n} i={i}");
                assert_eq!(proof.len(), path_length(i, n), "n={n} i={i}");
                assert!(tree.verify(i, *leaf, &proof), "n={n} i={i}");
            }
        }
    }

    #[test]
    fn leaves_match_the_poseidon_rs_chain() {
        for n in [0usize, 1, 4, 7, CACHED_PREFIXES, CACHED_PREFIXES + 1] {
            let features: Vec<Felt> = (0..n as u64).map(sample_felt).collect();
            let label = Felt::from_u64(n as u64 % 3);
            assert_eq!(
                leaf_hash(&features, label),
                reference_leaf(&features, label),
                "n={n}"
            );
        }
    }

    #[test]
    fn batched_leaves_equal_single_leaves() {
        // Enough rows for the multi-threaded path and a partial last group of
        // lanes; one set of equal widths (lane path), one of mixed widths.
        let count = 2 * MIN_ITEMS_PER_THREAD as u64 + 3;
        for mixed in [false, true] {
            let rows: Vec<(Vec<Felt>, Felt)> = (0..count)
                .map(|i| {
                    let width = if mixed { 1 + (i % 5) as usize } else { 4 };
                    let features = (0..width as u64).map(|j| sample_felt(i * 7 + j)).collect();
                    (features, Felt::from_u64(i % 3))
                })
                .collect();
            let leaves = leaf_hashes(&rows, |(features, label)| (features, *label));
            assert_eq!(leaves.len(), rows.len());
            for (leaf, (features, label)) in leaves.iter().zip(&rows) {
                assert_eq!(*leaf, leaf_hash(features, *label), "mixed={mixed}");
            }
            let last = rows.len() - 1;
            assert_eq!(leaves[last], reference_leaf(&rows[last].0, rows[last].1));
        }
        assert!(leaf_hashes(&[] as &[(Vec<Felt>, Felt)], |(f, l)| (f, *l)).is_empty());
    }

    #[test]
    fn two_input_poseidon_is_the_fast_one_and_matches_poseidon_rs() {
        let big = Felt::from_be_bytes(&[0x17; 32]).unwrap();
        for (a, b) in [
            (Felt::zero(), Felt::zero()),
            (Felt::from_i64(-1), Felt::from_u64(7)),
            (big, Felt::from_i64(-1)),
        ] {
            assert_eq!(poseidon(&[a, b]).unwrap(), reference_hash(&[a, b]));
            assert_eq!(poseidon2(a, b), reference_hash(&[a, b]));
        }
    }

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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// A multi-proof of any set of leaves, in any order, is `rs_merkle`'s
        /// own (its hashes, in its order), verifies, and is refused with a
        /// leaf, an index or a hash changed, or a hash added or dropped.
        #[test]
        fn multiproofs_are_rs_merkles(
            n in 1usize..80,
            picks in proptest::collection::vec(0usize..1000, 1..40),
            tamper in 0usize..1000,
        ) {
            let leaves: Vec<Felt> = (0..n as u64).map(sample_felt).collect();
            let tree = DatasetTree::new(&leaves).unwrap();
            let bytes: Vec<[u8; 32]> = leaves.iter().map(Felt::to_be_bytes).collect();
            let reference = MerkleTree::<ReferenceHasher>::from_leaves(&bytes);
            // Distinct indices in draw order (not sorted).
            let mut indices: Vec<usize> = Vec::new();
            for p in picks {
                if !indices.contains(&(p % n)) {
                    indices.push(p % n);
                }
            }
            let proof = tree.multiproof(&indices).unwrap();
            let mut sorted = indices.clone();
            sorted.sort();
            let expected = reference.proof(&sorted).proof_hashes().to_vec();
            let got: Vec<[u8; 32]> = proof.iter().map(Felt::to_be_bytes).collect();
            proptest::prop_assert_eq!(got, expected);
            let proved: Vec<(usize, Felt)> = indices.iter().map(|&i| (i, leaves[i])).collect();
            proptest::prop_assert!(verify_multiproof(tree.root(), n, &proved, &proof));

            // Values no leaf or node of these trees takes.
            let mut wrong_leaf = proved.clone();
            let k = tamper % wrong_leaf.len();
            wrong_leaf[k].1 = Felt::from_u64(2_000_003 + tamper as u64);
            proptest::prop_assert!(!verify_multiproof(tree.root(), n, &wrong_leaf, &proof));
            if indices.len() < n {
                let other = (0..n).find(|i| !indices.contains(i)).unwrap();
                let mut moved = proved.clone();
                moved[k].0 = other;
                proptest::prop_assert!(!verify_multiproof(tree.root(), n, &moved, &proof));
            }
            if !proof.is_empty() {
                let mut changed = proof.clone();
                let h = tamper % changed.len();
                changed[h] = Felt::from_u64(1_000_003 + tamper as u64);
                proptest::prop_assert!(!verify_multiproof(tree.root(), n, &proved, &changed));
                let mut dropped = proof.clone();
                dropped.pop();
                proptest::prop_assert!(!verify_multiproof(tree.root(), n, &proved, &dropped));
            }
            let mut longer = proof.clone();
            longer.push(tree.root());
            proptest::prop_assert!(!verify_multiproof(tree.root(), n, &proved, &longer));
        }
    }

    #[test]
    fn multiproofs_refuse_duplicates_no_leaves_and_outside_indices() {
        let leaves: Vec<Felt> = (0..5).map(sample_felt).collect();
        let tree = DatasetTree::new(&leaves).unwrap();
        assert_eq!(
            tree.multiproof(&[1, 3, 1]),
            Err(HashingError::DuplicateIndex)
        );
        assert_eq!(tree.multiproof(&[]), Err(HashingError::NoLeaves));
        assert_eq!(
            tree.multiproof(&[0, 5]),
            Err(HashingError::IndexOutOfRange { index: 5, len: 5 })
        );
        // One leaf: its path.
        assert_eq!(tree.multiproof(&[3]).unwrap(), tree.proof(3).unwrap());
    }
}
