//! circom's two-input Poseidon (width 3, S-box `x^5`, 8 full and 57 partial
//! rounds, circomlib's constants), computed the "optimized" way.
//!
//! The round constants and the MDS matrix are `poseidon-rs`'s own
//! (`poseidon_rs::load_constants`, width 3); at first use they are rewritten
//! into an equivalent schedule in which the partial rounds are cheap:
//!
//! - **Constants.** A partial round only raises element 0 to the fifth power,
//!   so the constants it adds to elements 1 and 2 can be carried through the
//!   MDS matrix into the next round's constants. Each partial round then adds
//!   one constant (to element 0) and what is left after the last partial round
//!   is folded into the first constant vector of the second half.
//! - **Matrices.** Going backwards from the last partial round, a round's
//!   matrix `A` is split as `A = S * diag(1, X)`, with `X` the lower-right 2x2
//!   block of `A` and `S = [[a00, w], [v, I]]` sparse (`v` the rest of A's first
//!   column, `w = (a01, a02) X^-1`). `diag(1, X)` leaves element 0 alone, so it
//!   commutes with the partial round's S-box and moves into the previous round's
//!   matrix (`diag(1, X) * M`), which is split in turn; the last `diag(1, X)`
//!   lands in the matrix of the fourth full round.
//!
//! A partial round then costs one S-box, one three-term dot product (one
//! reduction) and two products, instead of one S-box and a full 3x3 product.
//! The derivation is done with `ff_ce` (the field `poseidon-rs` uses) and the
//! result is checked against `poseidon-rs` by the tests.

use std::sync::OnceLock;

use ff_ce::{Field, PrimeField};
use poseidon_rs::Fr;

use super::field::Fe;

const FULL_ROUNDS: usize = 8;
pub(crate) const HALF_FULL: usize = FULL_ROUNDS / 2;
pub(crate) const PARTIAL_ROUNDS: usize = 57;

/// The width-3 schedule, in the form [`hash`] runs.
pub(crate) struct Schedule {
    /// Constants of the first four full rounds.
    pub(crate) first: [[Fe; 3]; HALF_FULL],
    /// The MDS matrix, row-major (`new[i] = sum_j mds[i][j] * old[j]`).
    pub(crate) mds: [[Fe; 3]; 3],
    /// Matrix of the fourth full round: `diag(1, X) * MDS`.
    pub(crate) pre_sparse: [[Fe; 3]; 3],
    /// Per partial round: the constant added to element 0.
    pub(crate) partial_constants: [Fe; PARTIAL_ROUNDS],
    /// Per partial round: first row of its sparse matrix.
    pub(crate) sparse_rows: [[Fe; 3]; PARTIAL_ROUNDS],
    /// Per partial round: elements 1 and 2 of its sparse matrix's first column.
    pub(crate) sparse_columns: [[Fe; 2]; PARTIAL_ROUNDS],
    /// Constants of the last four full rounds (the first one absorbs the
    /// constants carried out of the partial rounds).
    pub(crate) last: [[Fe; 3]; HALF_FULL],
}

fn to_fe(x: &Fr) -> Fe {
    Fe(x.into_raw_repr().0)
}

fn add(a: Fr, b: Fr) -> Fr {
    let mut out = a;
    out.add_assign(&b);
    out
}

fn mul(a: Fr, b: Fr) -> Fr {
    let mut out = a;
    out.mul_assign(&b);
    out
}

fn sub(a: Fr, b: Fr) -> Fr {
    let mut out = a;
    out.sub_assign(&b);
    out
}

fn mat_vec(m: &[[Fr; 3]; 3], v: &[Fr; 3]) -> [Fr; 3] {
    m.map(|row| (0..3).fold(Fr::zero(), |acc, j| add(acc, mul(row[j], v[j]))))
}

/// `diag(1, x) * m`.
fn block_times(x: &[[Fr; 2]; 2], m: &[[Fr; 3]; 3]) -> [[Fr; 3]; 3] {
    let mut out = [m[0]; 3];
    for i in 0..2 {
        for j in 0..3 {
            out[i + 1][j] = add(mul(x[i][0], m[1][j]), mul(x[i][1], m[2][j]));
        }
    }
    out
}

fn fe_matrix(m: &[[Fr; 3]; 3]) -> [[Fe; 3]; 3] {
    m.map(|row| row.map(|x| to_fe(&x)))
}

/// Derives the schedule from `poseidon-rs`'s width-3 constants.
fn derive() -> Schedule {
    let all = poseidon_rs::load_constants();
    assert_eq!(all.n_rounds_f, FULL_ROUNDS, "poseidon-rs full rounds");
    assert_eq!(
        all.n_rounds_p[1], PARTIAL_ROUNDS,
        "poseidon-rs partial rounds, width 3"
    );
    let (c, m) = (&all.c[1], &all.m[1]);
    let round = |r: usize| -> [Fr; 3] { [c[3 * r], c[3 * r + 1], c[3 * r + 2]] };
    let mds: [[Fr; 3]; 3] = std::array::from_fn(|i| std::array::from_fn(|j| m[i][j]));

    // Constants: carry what a partial round adds to elements 1 and 2 forward.
    let mut carried = [Fr::zero(); 3];
    let mut partial_constants = [Fr::zero(); PARTIAL_ROUNDS];
    for (k, slot) in partial_constants.iter_mut().enumerate() {
        let rc = round(HALF_FULL + k);
        let e: [Fr; 3] = std::array::from_fn(|i| add(rc[i], carried[i]));
        *slot = e[0];
        carried = mat_vec(&mds, &[Fr::zero(), e[1], e[2]]);
    }
    let mut last: [[Fr; 3]; HALF_FULL] =
        std::array::from_fn(|j| round(HALF_FULL + PARTIAL_ROUNDS + j));
    last[0] = std::array::from_fn(|i| add(last[0][i], carried[i]));

    // Matrices: split each partial round's matrix, last round first.
    let mut block = [[Fr::one(), Fr::zero()], [Fr::zero(), Fr::one()]];
    let mut sparse_rows = [[Fr::zero(); 3]; PARTIAL_ROUNDS];
    let mut sparse_columns = [[Fr::zero(); 2]; PARTIAL_ROUNDS];
    for k in (0..PARTIAL_ROUNDS).rev() {
        let a = block_times(&block, &mds);
        let x = [[a[1][1], a[1][2]], [a[2][1], a[2][2]]];
        let det = sub(mul(x[0][0], x[1][1]), mul(x[0][1], x[1][0]));
        let det_inv = det.inverse().expect("the MDS blocks are invertible");
        let neg = |v: Fr| {
            let mut out = v;
            out.negate();
            out
        };
        let x_inv = [
            [mul(x[1][1], det_inv), mul(neg(x[0][1]), det_inv)],
            [mul(neg(x[1][0]), det_inv), mul(x[0][0], det_inv)],
        ];
        let w: [Fr; 2] =
            std::array::from_fn(|j| add(mul(a[0][1], x_inv[0][j]), mul(a[0][2], x_inv[1][j])));
        sparse_rows[k] = [a[0][0], w[0], w[1]];
        sparse_columns[k] = [a[1][0], a[2][0]];
        block = x;
    }
    let pre_sparse = block_times(&block, &mds);

    Schedule {
        first: std::array::from_fn(|r| round(r).map(|x| to_fe(&x))),
        mds: fe_matrix(&mds),
        pre_sparse: fe_matrix(&pre_sparse),
        partial_constants: partial_constants.map(|x| to_fe(&x)),
        sparse_rows: sparse_rows.map(|row| row.map(|x| to_fe(&x))),
        sparse_columns: sparse_columns.map(|col| col.map(|x| to_fe(&x))),
        last: last.map(|rc| rc.map(|x| to_fe(&x))),
    }
}

/// The schedule, derived once per process.
pub(crate) fn schedule() -> &'static Schedule {
    static SCHEDULE: OnceLock<Schedule> = OnceLock::new();
    SCHEDULE.get_or_init(derive)
}

#[inline(always)]
fn full_round(s: &mut [Fe; 3], constants: &[Fe; 3]) {
    for i in 0..3 {
        s[i] = s[i].add(constants[i]).pow5();
    }
}

#[inline(always)]
fn mix(m: &[[Fe; 3]; 3], s: &[Fe; 3]) -> [Fe; 3] {
    [Fe::dot3(&m[0], s), Fe::dot3(&m[1], s), Fe::dot3(&m[2], s)]
}

/// circom's `Poseidon(2)` of `(a, b)`.
#[inline(always)]
pub(crate) fn hash_with(k: &Schedule, a: Fe, b: Fe) -> Fe {
    let mut s = [Fe::ZERO, a, b];
    for r in 0..HALF_FULL {
        full_round(&mut s, &k.first[r]);
        s = mix(
            if r + 1 == HALF_FULL {
                &k.pre_sparse
            } else {
                &k.mds
            },
            &s,
        );
    }
    for r in 0..PARTIAL_ROUNDS {
        let y = s[0].add(k.partial_constants[r]).pow5();
        let [v1, v2] = k.sparse_columns[r];
        s[0] = Fe::dot3(&k.sparse_rows[r], &[y, s[1], s[2]]);
        s[1] = s[1].add(v1.mul(y));
        s[2] = s[2].add(v2.mul(y));
    }
    for r in 0..HALF_FULL - 1 {
        full_round(&mut s, &k.last[r]);
        s = mix(&k.mds, &s);
    }
    full_round(&mut s, &k.last[HALF_FULL - 1]);
    // Only element 0 of the last mix is the output.
    Fe::dot3(&k.mds[0], &s)
}

/// circom's `Poseidon(2)` of `(a, b)`.
pub(crate) fn hash(a: Fe, b: Fe) -> Fe {
    hash_with(schedule(), a, b)
}

/// Pairs per [`hash_lanes`] call.
pub(crate) const LANES: usize = 8;

/// `out[i] = Poseidon(a[i], b[i])` for the first `n` lanes (the others are
/// unspecified): eight at once on AVX-512 IFMA when the CPU has it, else one
/// at a time.
#[inline]
pub(crate) fn hash_lanes(k: &Schedule, a: &[Fe; LANES], b: &[Fe; LANES], n: usize) -> [Fe; LANES] {
    #[cfg(target_arch = "x86_64")]
    if n > 1 && super::ifma::available() {
        return super::ifma::hash8(a, b);
    }
    let mut out = [Fe::ZERO; LANES];
    for i in 0..n.min(LANES) {
        out[i] = hash_with(k, a[i], b[i]);
    }
    out
}

#[cfg(test)]
mod tests {
    use poseidon_rs::{FrRepr, Poseidon};
    use proptest::prelude::*;

    use super::*;

    fn reference() -> &'static Poseidon {
        static REFERENCE: OnceLock<Poseidon> = OnceLock::new();
        REFERENCE.get_or_init(Poseidon::new)
    }

    fn from_fe(x: Fe) -> Fr {
        Fr::from_raw_repr(FrRepr(x.0)).unwrap()
    }

    /// Field elements as canonical integers: 0, 1, p - 1, p - 2 often, else any value below p.
    fn any_fr() -> impl Strategy<Value = Fr> {
        let special = |k: u64| {
            let mut x = Fr::from_repr(FrRepr::from(k)).unwrap();
            x.negate();
            x
        };
        prop_oneof![
            1 => Just(Fr::zero()),
            1 => Just(Fr::one()),
            1 => Just(special(1)),
            1 => Just(special(2)),
            8 => any::<[u64; 4]>().prop_map(|mut limbs| {
                limbs[3] &= (1 << 61) - 1; // below 2^253 < p
                Fr::from_repr(FrRepr(limbs)).unwrap()
            }),
            2 => any::<[u64; 4]>().prop_map(|mut limbs| {
                // the top of the range, just below p
                limbs[3] = 0x3064_4e72_e131_a029;
                limbs[2] = limbs[2].min(0xb850_45b6_8181_585c);
                Fr::from_repr(FrRepr(limbs)).unwrap()
            }),
        ]
    }

    #[test]
    fn matches_circomlib_vector() {
        let h = from_fe(hash(
            to_fe(&Fr::from_str("1").unwrap()),
            to_fe(&Fr::from_str("2").unwrap()),
        ));
        assert_eq!(
            h.to_string(),
            "Fr(0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a)"
        );
    }

    #[test]
    fn matches_poseidon_rs_on_edge_values() {
        let mut p_minus_one = Fr::one();
        p_minus_one.negate();
        let values = [Fr::zero(), Fr::one(), p_minus_one];
        for a in values {
            for b in values {
                let fast = from_fe(hash(to_fe(&a), to_fe(&b)));
                assert_eq!(fast, reference().hash(vec![a, b]).unwrap(), "{a} {b}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn matches_poseidon_rs(a in any_fr(), b in any_fr()) {
            let fast = from_fe(hash(to_fe(&a), to_fe(&b)));
            prop_assert_eq!(fast, reference().hash(vec![a, b]).unwrap());
        }
    }
}
