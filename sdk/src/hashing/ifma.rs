//! Eight two-input Poseidon hashes at once with AVX-512 IFMA (`vpmadd52luq` /
//! `vpmadd52huq`), used when the CPU has it (checked at run time).
//!
//! A vector holds one 52-bit limb of eight field elements; an element is five
//! limbs (radix 2^52) in Montgomery form with R = 2^260. The four bits more
//! than the scalar form's R = 2^256 make reduction lazy. Montgomery's REDC of
//! an accumulated sum of products `T` is below `T / 2^260 + p`, and with
//! p < 2^253.6 and canonical constants (< p) every value of the permutation
//! stays below 17p < 2^258: inputs are below 16p, an S-box output is below
//! 1.3p, a linear-layer output below 1.5p, and in the partial rounds
//! `s_i + v_i y` grows by less than 1.01p per round, so every 16th round folds
//! `s_i` back into a product (`1 * s_i + v_i * y`, below 1.3p). Nothing is
//! brought to the canonical range inside the permutation; additions only
//! carry limbs back to 52 bits (IFMA reads the low 52 bits of its factors).
//! An accumulator limb collects at most 41 terms below 2^52 (three products
//! and a reduction), far from overflowing 64 bits.
//!
//! Conversions with the scalar form (R = 2^256) cost nothing: an input
//! `x 2^256` becomes `x 2^260` by a 4-bit shift while it is cut into limbs,
//! and the last linear layer uses the scalar (R = 2^256) form of its constants
//! so that its Montgomery product lands in the scalar form directly (below
//! 2p, made canonical by one conditional subtraction).

use std::arch::x86_64::{
    __m512i, _mm512_add_epi64, _mm512_and_si512, _mm512_loadu_si512, _mm512_madd52hi_epu64,
    _mm512_madd52lo_epu64, _mm512_set1_epi64, _mm512_setzero_si512, _mm512_srli_epi64,
    _mm512_storeu_si512,
};
use std::sync::OnceLock;

use super::field::{reduce_once, Fe, P};
use super::poseidon_t3::{Schedule, HALF_FULL, LANES, PARTIAL_ROUNDS};

const MASK: u64 = (1 << 52) - 1;

/// p in radix 2^52.
const P52: [u64; 5] = to_radix52(&[P[0], P[1], P[2], P[3], 0]);

/// `-p^-1 mod 2^52`.
const INV52: u64 = {
    let mut x: u64 = 1;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u64.wrapping_sub(P[0].wrapping_mul(x)));
        i += 1;
    }
    x.wrapping_neg() & MASK
};

/// Cuts a 320-bit little-endian integer below 2^260 into five 52-bit limbs.
const fn to_radix52(w: &[u64; 5]) -> [u64; 5] {
    [
        w[0] & MASK,
        ((w[0] >> 52) | (w[1] << 12)) & MASK,
        ((w[1] >> 40) | (w[2] << 24)) & MASK,
        ((w[2] >> 28) | (w[3] << 36)) & MASK,
        (w[3] >> 16) | (w[4] << 48),
    ]
}

/// The radix-2^52 limbs of `16 x` for a scalar element `x` (R = 2^256 form),
/// which is the same element in the R = 2^260 form (not reduced: below 16p).
fn lift(x: &Fe) -> [u64; 5] {
    let w = x.0;
    to_radix52(&[
        w[0] << 4,
        (w[1] << 4) | (w[0] >> 60),
        (w[2] << 4) | (w[1] >> 60),
        (w[3] << 4) | (w[2] >> 60),
        w[3] >> 60,
    ])
}

/// The scalar element of normalized limbs whose value is below 2p.
fn lower(l: &[u64; 5]) -> Fe {
    reduce_once([
        l[0] | (l[1] << 52),
        (l[1] >> 12) | (l[2] << 40),
        (l[2] >> 24) | (l[3] << 28),
        (l[3] >> 36) | (l[4] << 16),
    ])
}

/// A constant, as radix-2^52 limbs, broadcast to all lanes when used.
type Const = [u64; 5];

/// [`Schedule`] in the R = 2^260 form.
struct Schedule52 {
    first: [[Const; 3]; HALF_FULL],
    mds: [[Const; 3]; 3],
    pre_sparse: [[Const; 3]; 3],
    partial_constants: [Const; PARTIAL_ROUNDS],
    sparse_rows: [[Const; 3]; PARTIAL_ROUNDS],
    sparse_columns: [[Const; 2]; PARTIAL_ROUNDS],
    last: [[Const; 3]; HALF_FULL],
    /// First MDS row in the R = 2^256 form: the last product then yields the
    /// scalar form (`x 2^260 * m 2^256 / 2^260`).
    out_row: [Const; 3],
    /// 1 in the R = 2^260 form.
    one: Const,
}

fn schedule52() -> &'static Schedule52 {
    static SCHEDULE: OnceLock<Schedule52> = OnceLock::new();
    SCHEDULE.get_or_init(|| {
        let k: &Schedule = super::poseidon_t3::schedule();
        // 16 x mod p: the constant in the R = 2^260 form, canonical (smaller
        // products keep the lazily reduced values further from 2^260).
        let c = |x: &Fe| {
            let x16 = (0..4).fold(*x, |acc, _| acc.add(acc));
            let w = x16.0;
            to_radix52(&[w[0], w[1], w[2], w[3], 0])
        };
        let m3 = |m: &[[Fe; 3]; 3]| m.map(|row| row.map(|x| c(&x)));
        let one = Fe::ONE;
        Schedule52 {
            first: k.first.map(|r| r.map(|x| c(&x))),
            mds: m3(&k.mds),
            pre_sparse: m3(&k.pre_sparse),
            partial_constants: k.partial_constants.map(|x| c(&x)),
            sparse_rows: k.sparse_rows.map(|r| r.map(|x| c(&x))),
            sparse_columns: k.sparse_columns.map(|r| r.map(|x| c(&x))),
            last: k.last.map(|r| r.map(|x| c(&x))),
            out_row: k.mds[0].map(|x| {
                let w = x.0;
                to_radix52(&[w[0], w[1], w[2], w[3], 0])
            }),
            one: c(&one),
        }
    })
}

/// Eight elements: limb `k` of lane `i` is lane `i` of vector `k`.
type F8 = [__m512i; 5];

#[inline(always)]
unsafe fn splat(x: u64) -> __m512i {
    _mm512_set1_epi64(x as i64)
}

#[inline(always)]
unsafe fn splat_const(c: &Const) -> F8 {
    c.map(|x| splat(x))
}

/// Montgomery reduction of ten accumulated limbs (each below 2^63):
/// `t / 2^260 mod p`, normalized limbs, value below `t / 2^260 + p`.
#[inline(always)]
unsafe fn reduce(mut t: [__m512i; 10]) -> F8 {
    let zero = _mm512_setzero_si512();
    let inv = splat(INV52);
    for i in 0..5 {
        let m = _mm512_madd52lo_epu64(zero, t[i], inv);
        for j in 0..5 {
            let p = splat(P52[j]);
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, p);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, p);
        }
        // t[i] is now a multiple of 2^52: carry it up.
        t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
    }
    normalize([t[5], t[6], t[7], t[8], t[9]])
}

/// Carries every limb's bits above 52 into the next limb.
#[inline(always)]
unsafe fn normalize(mut l: F8) -> F8 {
    let mask = splat(MASK);
    for k in 0..4 {
        l[k + 1] = _mm512_add_epi64(l[k + 1], _mm512_srli_epi64::<52>(l[k]));
        l[k] = _mm512_and_si512(l[k], mask);
    }
    l
}

/// `t += a * b` (unreduced, 10 limbs).
#[inline(always)]
unsafe fn mul_acc(t: &mut [__m512i; 10], a: &F8, b: &F8) {
    for i in 0..5 {
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], b[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], b[j]);
        }
    }
}

#[inline(always)]
unsafe fn mul(a: &F8, b: &F8) -> F8 {
    let mut t = [_mm512_setzero_si512(); 10];
    mul_acc(&mut t, a, b);
    reduce(t)
}

#[inline(always)]
unsafe fn square(a: &F8) -> F8 {
    let mut t = [_mm512_setzero_si512(); 10];
    for i in 0..5 {
        for j in i + 1..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], a[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], a[j]);
        }
    }
    for x in t.iter_mut() {
        *x = _mm512_add_epi64(*x, *x);
    }
    for i in 0..5 {
        t[2 * i] = _mm512_madd52lo_epu64(t[2 * i], a[i], a[i]);
        t[2 * i + 1] = _mm512_madd52hi_epu64(t[2 * i + 1], a[i], a[i]);
    }
    reduce(t)
}

#[inline(always)]
unsafe fn pow5(a: &F8) -> F8 {
    mul(&square(&square(a)), a)
}

#[inline(always)]
unsafe fn add(a: &F8, b: &F8) -> F8 {
    normalize(std::array::from_fn(|k| _mm512_add_epi64(a[k], b[k])))
}

/// `sum_j c[j] * x[j]` with one reduction.
#[inline(always)]
unsafe fn dot<const N: usize>(c: &[Const; N], x: &[F8; N]) -> F8 {
    let mut t = [_mm512_setzero_si512(); 10];
    for j in 0..N {
        mul_acc(&mut t, &splat_const(&c[j]), &x[j]);
    }
    reduce(t)
}

#[inline(always)]
unsafe fn full_round(s: &mut [F8; 3], constants: &[Const; 3]) {
    for i in 0..3 {
        s[i] = pow5(&add(&s[i], &splat_const(&constants[i])));
    }
}

#[inline(always)]
unsafe fn mix(m: &[[Const; 3]; 3], s: &[F8; 3]) -> [F8; 3] {
    [dot(&m[0], s), dot(&m[1], s), dot(&m[2], s)]
}

#[inline(always)]
unsafe fn load(lanes: &[[u64; LANES]; 5]) -> F8 {
    std::array::from_fn(|k| _mm512_loadu_si512(lanes[k].as_ptr().cast()))
}

#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn permute(
    k: &Schedule52,
    a: &[[u64; LANES]; 5],
    b: &[[u64; LANES]; 5],
) -> [[u64; LANES]; 5] {
    let mut s: [F8; 3] = [[_mm512_setzero_si512(); 5], load(a), load(b)];
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
        let y = pow5(&add(&s[0], &splat_const(&k.partial_constants[r])));
        let [v1, v2] = k.sparse_columns[r];
        s[0] = dot(&k.sparse_rows[r], &[y, s[1], s[2]]);
        if r % 16 == 15 {
            // s_i + v_i y grows by about p per round: every 16th round, fold
            // s_i into the product (1 * s_i + v_i * y) to bring it below 1.3p.
            s[1] = dot(&[k.one, v1], &[s[1], y]);
            s[2] = dot(&[k.one, v2], &[s[2], y]);
        } else {
            s[1] = add(&s[1], &mul(&splat_const(&v1), &y));
            s[2] = add(&s[2], &mul(&splat_const(&v2), &y));
        }
    }
    for r in 0..HALF_FULL - 1 {
        full_round(&mut s, &k.last[r]);
        s = mix(&k.mds, &s);
    }
    full_round(&mut s, &k.last[HALF_FULL - 1]);
    let out = dot(&k.out_row, &s);
    let mut lanes = [[0u64; LANES]; 5];
    for (limb, v) in lanes.iter_mut().zip(out) {
        _mm512_storeu_si512(limb.as_mut_ptr().cast(), v);
    }
    lanes
}

/// Whether this CPU runs the IFMA kernel (and `ZKMLTRACK_POSEIDON_SCALAR` is
/// not set to `1`, which forces the scalar kernel, e.g. to measure it).
pub(crate) fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        std::env::var_os("ZKMLTRACK_POSEIDON_SCALAR").is_none_or(|v| v != "1")
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512ifma")
    })
}

/// `out[i] = Poseidon(a[i], b[i])` for eight pairs. The caller checks
/// [`available`] first.
pub(crate) fn hash8(a: &[Fe; LANES], b: &[Fe; LANES]) -> [Fe; LANES] {
    assert!(available(), "the IFMA kernel needs avx512f and avx512ifma");
    let split = |x: &[Fe; LANES]| {
        let mut lanes = [[0u64; LANES]; 5];
        for (i, fe) in x.iter().enumerate() {
            for (k, limb) in lift(fe).into_iter().enumerate() {
                lanes[k][i] = limb;
            }
        }
        lanes
    };
    // SAFETY: the CPU has the features `permute` is compiled for (asserted above).
    let out = unsafe { permute(schedule52(), &split(a), &split(b)) };
    std::array::from_fn(|i| lower(&std::array::from_fn(|k| out[k][i])))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn constants() {
        assert_eq!(P52[0].wrapping_mul(INV52) & MASK, MASK);
        assert_eq!(lower(&P52), Fe::ZERO);
    }

    /// Canonical elements (Montgomery limbs below p), with 0, 1 and p - 1 often.
    fn any_fe() -> impl Strategy<Value = Fe> {
        prop_oneof![
            1 => Just(Fe::ZERO),
            1 => Just(Fe::ONE),
            1 => Just(Fe([P[0] - 1, P[1], P[2], P[3]])),
            5 => any::<[u64; 4]>().prop_map(|mut l| {
                l[3] %= P[3];
                Fe(l)
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn eight_lanes_equal_the_scalar_hash(
            a in proptest::array::uniform8(any_fe()),
            b in proptest::array::uniform8(any_fe()),
        ) {
            if !available() {
                eprintln!("no AVX-512 IFMA on this CPU: kernel not tested");
                return Ok(());
            }
            let got = hash8(&a, &b);
            for i in 0..LANES {
                prop_assert_eq!(got[i], super::super::poseidon_t3::hash(a[i], b[i]), "lane {}", i);
            }
        }
    }
}
