//! The checks behind the `zkmltrack-common` fuzz targets, one function per target.
//!
//! Shared by the cargo-fuzz targets (`fuzz_targets/*.rs`, nightly) and the stable
//! regression test `contracts/common/tests/fuzz_regressions.rs`, which includes this
//! file as a module and replays `regressions/<target>/*` through the same functions,
//! so the two cannot drift. Each function takes raw fuzzer bytes, reads what it needs
//! with [`Input`] (zeros once the bytes run out) and panics when a property fails.
//!
//! - [`poseidon`]: byte encoding of field elements (canonical or refused, never
//!   reduced), the 32-bit Montgomery field and the 29-bit lazily reduced field against
//!   big-integer arithmetic, and `poseidon::hash1` / `hash2` / `leaf_hash` against the
//!   reference `poseidon-rs`;
//! - [`merkle`]: `merkle::root_from_proof` on arbitrary leaves, indices, tree sizes and
//!   proof entries (any length) against a straightforward walk; proofs from an
//!   `rs_merkle` tree of up to 32 leaves verify, and a mutated leaf, index or proof
//!   verifies only if it is the true leaf at that index with that index's true path;
//! - [`felt`]: EZKL's signed encoding (`to_i128`, `from_i128`, the signed order key,
//!   `argmax`) against a sign-and-magnitude reference.

use alloy_primitives::U256;
use ff_ce::{PrimeField, PrimeFieldRepr};
use poseidon_rs::{Fr, FrRepr, Poseidon};
use rs_merkle::{Hasher, MerkleTree};
use std::sync::OnceLock;
use zkmltrack_common::{
    felt,
    field::{limb29, limb29::Fe29, Fe, MODULUS_BE},
    leaf_hash, leaf_hash_from, leaf_prefix,
    merkle::{self, MerkleError},
    poseidon, LEAF_DOMAIN,
};

/// Fuzzer bytes read front to back; reads past the end yield zeros.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Wraps raw fuzzer bytes.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next `N` bytes, zero-padded.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        out
    }

    /// The next byte.
    pub fn u8(&mut self) -> u8 {
        self.array::<1>()[0]
    }

    /// The next 8 bytes, big-endian.
    pub fn u64(&mut self) -> u64 {
        u64::from_be_bytes(self.array())
    }

    /// The next 32 bytes.
    pub fn word(&mut self) -> [u8; 32] {
        self.array()
    }

    /// The next `len` bytes (fewer if the input ends).
    pub fn bytes(&mut self, len: usize) -> &'a [u8] {
        let n = len.min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        head
    }
}

/// The modulus `p`.
pub fn modulus() -> U256 {
    U256::from_be_bytes(MODULUS_BE)
}

/// `bytes` reduced modulo `p`, as canonical bytes.
pub fn canonical(bytes: [u8; 32]) -> [u8; 32] {
    U256::from_be_bytes(bytes)
        .reduce_mod(modulus())
        .to_be_bytes()
}

fn fe(bytes: [u8; 32]) -> Fe {
    Fe::from_be_bytes(&bytes).expect("canonical bytes")
}

fn value(fe: &Fe) -> U256 {
    U256::from_be_bytes(fe.to_be_bytes())
}

/// The canonical value of a normalized [`Fe29`] (below `p + 2^251`).
fn value29(x: &Fe29) -> U256 {
    let w = x.to_words();
    let v = U256::from_limbs(w);
    assert!(v < modulus(), "to_words returned {v}, not below p");
    v
}

/// `2^-261 mod p`, the factor of the 29-bit Montgomery product.
fn r_inverse() -> U256 {
    static R_INV: OnceLock<U256> = OnceLock::new();
    *R_INV.get_or_init(|| {
        let p = modulus();
        // 2^256 mod p = (2^256 - 1 mod p) + 1, then times 2^5.
        let r256 = U256::MAX.reduce_mod(p).add_mod(U256::from(1u8), p);
        let r = r256.mul_mod(U256::from(32u8), p);
        r.pow_mod(p - U256::from(2u8), p)
    })
}

fn reference() -> &'static Poseidon {
    static POSEIDON: OnceLock<Poseidon> = OnceLock::new();
    POSEIDON.get_or_init(Poseidon::new)
}

fn fr(bytes: &[u8; 32]) -> Fr {
    let mut repr = FrRepr::default();
    repr.read_be(&bytes[..]).expect("32 bytes");
    Fr::from_repr(repr).expect("canonical bytes")
}

fn fr_bytes(x: Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    x.into_repr().write_be(&mut out[..]).expect("32 bytes");
    out
}

/// `poseidon-rs`'s hash of canonical inputs.
fn reference_hash(inputs: &[[u8; 32]]) -> [u8; 32] {
    let frs = inputs.iter().map(fr).collect();
    fr_bytes(reference().hash(frs).expect("1 to 16 inputs"))
}

/// A 32-byte value is accepted exactly when it is below `p`, and round-trips.
fn check_encoding(bytes: [u8; 32]) {
    let below = U256::from_be_bytes(bytes) < modulus();
    let parsed = Fe::from_be_bytes(&bytes);
    assert_eq!(parsed.is_some(), below, "Fe::from_be_bytes({bytes:02x?})");
    assert_eq!(
        Fe29::from_be_bytes(&bytes).is_some(),
        below,
        "Fe29::from_be_bytes"
    );
    if let Some(x) = parsed {
        assert_eq!(x.to_be_bytes(), bytes, "Fe round trip");
        let x29 = Fe29::from_fe(&x);
        assert_eq!(x29.to_fe(), x, "Fe -> Fe29 -> Fe");
        assert_eq!(value29(&x29), U256::from_be_bytes(bytes));
    }
}

/// Both field representations against big-integer arithmetic; the 29-bit one
/// through chains of products and loose sums that reach its limb bounds.
fn check_field(a: [u8; 32], b: [u8; 32], c: [u8; 32], d: [u8; 32]) {
    let p = modulus();
    let (x, y) = (fe(a), fe(b));
    let (u, v) = (value(&x), value(&y));
    assert_eq!(value(&x.add(&y)), u.add_mod(v, p), "Fe add");
    assert_eq!(value(&x.mul(&y)), u.mul_mod(v, p), "Fe mul");
    assert_eq!(value(&x.pow5()), u.pow_mod(U256::from(5u8), p), "Fe pow5");

    let [a29, b29, c29, d29] = [a, b, c, d].map(|w| Fe29::from_be_bytes(&w).expect("canonical"));
    let [av, bv, cv, dv] = [a, b, c, d].map(U256::from_be_bytes);
    let rinv = r_inverse();
    let prod = |s: U256, t: U256| s.mul_mod(t, p).mul_mod(rinv, p);
    // Normalized products (not canonical: up to p + 2^251).
    let ab = limb29::mul(&a29, &b29);
    let cd = limb29::mul(&c29, &d29);
    assert_eq!(value29(&ab), prod(av, bv), "limb29 mul");
    assert_eq!(value29(&limb29::sqr(&c29)), prod(cv, cv), "limb29 sqr");
    // Loose sums of normalized values, then products and squares of them.
    let (abv, cdv) = (prod(av, bv), prod(cv, dv));
    let loose1 = ab.add(&cd);
    let loose2 = cd.add(&cd);
    let l1v = abv.add_mod(cdv, p);
    let l2v = cdv.add_mod(cdv, p);
    assert_eq!(
        value29(&limb29::mul(&loose1, &loose2)),
        prod(l1v, l2v),
        "limb29 mul of loose"
    );
    assert_eq!(
        value29(&limb29::sqr(&loose1)),
        prod(l1v, l1v),
        "limb29 sqr of loose"
    );
    assert_eq!(
        value29(&loose1.pow5()),
        l1v.pow_mod(U256::from(5u8), p),
        "limb29 pow5"
    );
    // dot3: c normalized, x[0] normalized, x[1] and x[2] loose.
    let got = limb29::dot3(&[ab, cd, a29], &[cd, loose1, loose2]);
    let want = prod(abv, cdv)
        .add_mod(prod(cdv, l1v), p)
        .add_mod(prod(av, l2v), p);
    assert_eq!(value29(&got), want, "limb29 dot3");
}

/// `poseidon-rs`'s leaf chain: `H(DOMAIN, n + 1)`, `H(acc, x)` per feature, `H(acc, label)`.
fn reference_leaf(features: &[[u8; 32]], label: [u8; 32]) -> [u8; 32] {
    let count = U256::from(features.len() as u64 + 1).to_be_bytes();
    let mut acc = reference_hash(&[LEAF_DOMAIN, count]);
    for x in features {
        acc = reference_hash(&[acc, *x]);
    }
    reference_hash(&[acc, label])
}

/// Target `poseidon`: field encoding and arithmetic, and Poseidon (one and two
/// inputs, dataset leaves) against `poseidon-rs`.
pub fn poseidon(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    let raw = [input.word(), input.word(), input.word(), input.word()];
    for w in raw {
        check_encoding(w);
    }
    let [a, b, c, d] = raw.map(canonical);
    for w in [a, b] {
        check_encoding(w);
    }
    check_field(a, b, c, d);
    match mode % 3 {
        0 => assert_eq!(
            poseidon::hash2(&fe(a), &fe(b)).to_be_bytes(),
            reference_hash(&[a, b]),
            "hash2({a:02x?}, {b:02x?})"
        ),
        1 => assert_eq!(
            poseidon::hash1(&fe(a)).to_be_bytes(),
            reference_hash(&[a]),
            "hash1({a:02x?})"
        ),
        _ => {
            // A row of up to 4 features: the given words, then input words.
            let n = (mode as usize / 3) % 5;
            let mut features = vec![b, c, d];
            while features.len() < n {
                features.push(canonical(input.word()));
            }
            features.truncate(n);
            let label = a;
            let leaf = leaf_hash(n, features.iter().map(|&x| fe(x)), fe(label));
            assert_eq!(
                leaf.to_be_bytes(),
                reference_leaf(&features, label),
                "leaf of {n} features"
            );
            let again = leaf_hash_from(&leaf_prefix(n), features.iter().map(|&x| fe(x)), fe(label));
            assert_eq!(again, leaf, "leaf_hash_from(leaf_prefix(n)) == leaf_hash");
        }
    }
}

/// rs_merkle hasher over `zkmltrack_common::poseidon::hash2` (the `poseidon` target
/// pins it to `poseidon-rs`; here the tree's shape is what is compared).
#[derive(Clone)]
struct NodeHasher;

impl Hasher for NodeHasher {
    type Hash = [u8; 32];

    fn hash(data: &[u8]) -> [u8; 32] {
        let left: [u8; 32] = data[..32].try_into().expect("64-byte node input");
        let right: [u8; 32] = data[32..].try_into().expect("64-byte node input");
        poseidon::hash2(&fe(left), &fe(right)).to_be_bytes()
    }
}

/// The walk `root_from_proof` must perform, written from the layer sizes: at each
/// layer the node at `pos` has a sibling iff `pos ^ 1` is inside the layer.
fn reference_walk(
    leaf: Fe,
    index: u64,
    leaves: u64,
    proof: &[&[u8]],
) -> Result<(Fe, usize), MerkleError> {
    if index >= leaves {
        return Err(MerkleError::IndexOutOfRange);
    }
    let (mut node, mut pos, mut len, mut used) = (leaf, index, leaves, 0usize);
    while len > 1 {
        if (pos ^ 1) < len {
            let entry = proof.get(used).ok_or(MerkleError::ProofTooShort)?;
            let bytes: [u8; 32] = (*entry)
                .try_into()
                .map_err(|_| MerkleError::NotAFieldElement)?;
            let sibling = Fe::from_be_bytes(&bytes).ok_or(MerkleError::NotAFieldElement)?;
            node = if pos & 1 == 1 {
                poseidon::hash2(&sibling, &node)
            } else {
                poseidon::hash2(&node, &sibling)
            };
            used += 1;
        }
        pos >>= 1;
        len = len / 2 + len % 2;
    }
    Ok((node, used))
}

/// A tree size from one byte and eight: mostly small, sometimes anything.
fn tree_size(selector: u8, wide: u64) -> u64 {
    match selector % 4 {
        0 => wide,
        1 => wide >> (wide % 64),
        _ => (wide % 1024) + 1,
    }
}

/// Target `merkle`: Merkle path evaluation on arbitrary inputs (never panics, agrees
/// with [`reference_walk`]), and proofs of a random `rs_merkle` tree with one mutation.
pub fn merkle(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.u8();
    if mode & 1 == 0 {
        // Arbitrary leaf, index, size and proof entries of any length.
        let leaf = fe(canonical(input.word()));
        let leaves = tree_size(mode >> 1, input.u64());
        let index = match input.u8() % 3 {
            0 => input.u64(),
            _ => input.u64() % leaves.max(1),
        };
        let count = input.u8() as usize % 80;
        let mut entries: Vec<&[u8]> = Vec::with_capacity(count);
        for _ in 0..count {
            let len = match input.u8() {
                0 => 0,
                1..=8 => input.u8() as usize % 40,
                _ => 32,
            };
            entries.push(input.bytes(len));
        }
        let got = merkle::root_from_proof(leaf, index, leaves, &entries);
        assert_eq!(
            got,
            reference_walk(leaf, index, leaves, &entries),
            "index {index} of {leaves}"
        );
        if let Ok((_, used)) = got {
            assert_eq!(used, merkle::proof_length(index, leaves), "proof_length");
        }
        return;
    }

    // A tree of 1 to 32 leaves (five levels, odd layers at every level): input words,
    // then leaves derived from the index.
    let n = 1 + (input.u8() as usize % 32);
    let leaves: Vec<[u8; 32]> = (0..n)
        .map(|i| {
            if input.is_empty() {
                Fe::from_u64(i as u64 * 7 + 1).to_be_bytes()
            } else {
                canonical(input.word())
            }
        })
        .collect();
    let tree = MerkleTree::<NodeHasher>::from_leaves(&leaves);
    let root = tree.root().expect("a non-empty tree has a root");
    let path = |i: usize| tree.proof(&[i]).proof_hashes().to_vec();
    // A multi-proof of a subset (one bit per leaf), rows given in reverse:
    // rs_merkle's proof leads them to its root, with nothing left over.
    let mask = input.u64() | 1;
    let subset: Vec<usize> = (0..n).filter(|i| mask >> (i % 64) & 1 == 1).collect();
    let multi = tree.proof(&subset).proof_hashes().to_vec();
    let mut nodes: Vec<(u64, Fe29)> = subset
        .iter()
        .rev()
        .map(|&i| (i as u64, Fe29::from_fe(&fe(leaves[i]))))
        .collect();
    assert_eq!(
        merkle::root_from_multiproof(&mut nodes, n as u64, &multi),
        Ok((fe(root), multi.len())),
        "the multi-proof of {subset:?} of {n}"
    );
    let i = input.u8() as usize % n;
    let proof = path(i);
    assert_eq!(
        proof.len(),
        merkle::proof_length(i as u64, n as u64),
        "proof_length"
    );
    assert_eq!(
        merkle::root_from_proof(fe(leaves[i]), i as u64, n as u64, &proof),
        Ok((fe(root), proof.len())),
        "the true path of leaf {i} of {n}"
    );

    // One mutation of the leaf, the index or the proof.
    let (mut leaf, mut index, mut entries) = (leaves[i], i, proof.clone());
    let pick = |len: usize, r: u8| r as usize % len.max(1);
    match input.u8() % 9 {
        0 => {
            let bit = input.u8();
            leaf[bit as usize / 8 % 32] ^= 1 << (bit % 8);
        }
        1 if !entries.is_empty() => {
            let (k, bit) = (pick(entries.len(), input.u8()), input.u8());
            entries[k][bit as usize / 8 % 32] ^= 1 << (bit % 8);
        }
        2 => index = pick(n, input.u8()),
        3 => {
            let keep = pick(entries.len(), input.u8());
            entries.truncate(keep);
        }
        4 if entries.len() > 1 => {
            let (k, l) = (
                pick(entries.len(), input.u8()),
                pick(entries.len(), input.u8()),
            );
            entries.swap(k, l);
        }
        5 if !entries.is_empty() => {
            // x + p: the same element modulo p, not canonical.
            let k = pick(entries.len(), input.u8());
            let (sum, overflow) = U256::from_be_bytes(entries[k]).overflowing_add(modulus());
            if !overflow {
                entries[k] = sum.to_be_bytes();
            }
        }
        6 => {
            let at = pick(entries.len() + 1, input.u8());
            entries.insert(at, canonical(input.word()));
        }
        7 => leaf = leaves[pick(n, input.u8())],
        _ => {
            // Another index with this index's path, or that index's path.
            index = pick(n, input.u8());
            if input.u8() & 1 == 1 {
                entries = path(index);
                leaf = canonical(input.word());
            }
        }
    }
    let Some(leaf_fe) = Fe::from_be_bytes(&leaf) else {
        return; // a flipped bit left the field: the contracts refuse it before hashing
    };
    if let Ok((got, used)) = merkle::root_from_proof(leaf_fe, index as u64, n as u64, &entries) {
        if got == fe(root) {
            assert_eq!(
                leaf, leaves[index],
                "a wrong leaf verified at index {index} of {n}"
            );
            assert_eq!(
                entries[..used],
                path(index)[..],
                "a path other than index {index}'s verified (tree of {n})"
            );
        }
    }
}

/// Sign and magnitude of a canonical element under EZKL's encoding.
fn signed(v: U256) -> (bool, U256) {
    if v > felt::HALF_MODULUS {
        (true, modulus() - v)
    } else {
        (false, v)
    }
}

/// `a < b` for sign-and-magnitude values.
fn signed_less(a: (bool, U256), b: (bool, U256)) -> bool {
    match (a.0, b.0) {
        (true, false) => true,
        (false, true) => false,
        (false, false) => a.1 < b.1,
        (true, true) => a.1 > b.1,
    }
}

/// Target `felt`: EZKL's signed encoding and argmax against a reference.
pub fn felt(data: &[u8]) {
    let mut input = Input::new(data);
    let p = modulus();
    assert_eq!(felt::MODULUS, p);
    assert_eq!(felt::HALF_MODULUS, (p - U256::from(1u8)) >> 1usize);

    // Decoding any 32-byte value.
    let raw = U256::from_be_bytes(input.word());
    let decoded = felt::to_i128(raw);
    if raw >= p {
        assert_eq!(decoded, None, "to_i128 of a value >= p");
    } else {
        let (negative, magnitude) = signed(raw);
        let want = if negative {
            (magnitude <= U256::from(1u128 << 127))
                .then(|| 0i128.wrapping_sub_unsigned(magnitude.to::<u128>()))
        } else {
            (magnitude < U256::from(1u128 << 127)).then(|| magnitude.to::<u128>() as i128)
        };
        assert_eq!(decoded, want, "to_i128({raw})");
        if let Some(x) = decoded {
            assert_eq!(felt::from_i128(x), raw, "from_i128(to_i128(v))");
        }
    }
    // The signed order is total on any input (no overflow).
    let _ = felt::signed_cmp(raw, p);

    // Encoding any i128.
    let x = i128::from_be_bytes(input.array());
    let enc = felt::from_i128(x);
    assert!(enc < p);
    assert_eq!(felt::to_i128(enc), Some(x), "to_i128(from_i128({x}))");

    // argmax of up to 16 elements: the first largest in signed order.
    let count = input.u8() as usize % 17;
    let values: Vec<U256> = (0..count)
        .map(|_| match input.u8() % 3 {
            0 => felt::from_i128(i64::from_be_bytes(input.array()) as i128),
            _ => U256::from_be_bytes(canonical(input.word())),
        })
        .collect();
    for pair in values.windows(2) {
        let (a, b) = (signed(pair[0]), signed(pair[1]));
        let order = felt::signed_cmp(pair[0], pair[1]);
        assert_eq!(
            order.is_lt(),
            signed_less(a, b),
            "order of {} and {}",
            pair[0],
            pair[1]
        );
        assert_eq!(order.is_eq(), pair[0] == pair[1]);
    }
    let mut want: Option<usize> = None;
    for (i, v) in values.iter().enumerate() {
        if want.is_none_or(|w| signed_less(signed(values[w]), signed(*v))) {
            want = Some(i);
        }
    }
    assert_eq!(felt::argmax(&values), want, "argmax of {values:?}");
}
