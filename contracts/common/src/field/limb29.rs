//! The BN254 scalar field in nine 29-bit limbs: the form Poseidon runs in on-chain.
//!
//! Stylus meters every WASM instruction (ink), and in WASM every operand of an
//! arithmetic instruction is a local read of its own, so a 256-bit product costs
//! what its limb products and their bookkeeping cost. With 29-bit limbs a limb
//! product fits 58 bits and a whole column of a product (up to nine limb
//! products per operand pair, plus the nine Montgomery reduction terms) adds up
//! in a `u64` without carry handling: a limb product is four instructions (two
//! reads, a multiply, an add) and carries are resolved once per column. The code
//! is unrolled by macros (the contracts build with `opt-level = "z"`, which never
//! unrolls a loop), and a sum of three products (a row of the Poseidon MDS
//! matrix) is reduced once, not three times.
//!
//! The primitive is the Montgomery product [`mul`]`(a, b) = a b / R mod p` with
//! `R = 2^261`. Elements are *not* kept in Montgomery form: a constant factor
//! `c` is stored pre-scaled as `c R mod p`, so that
//! `mul(x, c R) = x c` stays in the plain (canonical) domain, the domain of the
//! 32-byte values contracts exchange and of Stylus' `math_mul_mod` host
//! function. Values are reduced lazily: since `R > 2^7 p`, the Montgomery
//! reduction of a product of two values below `2^256` is below `p + 2^251`, so
//! no product needs a final subtraction; values are made canonical only where
//! they leave this module.
//!
//! Limb bounds (checked by overflow checks in debug builds and by the tests):
//! a *normalized* element has every limb below `2^29` and is below `p + 2^251`
//! (what [`mul`], [`sqr`] and [`dot3`] return); a *loose* element is the
//! limb-wise sum of two normalized ones (limbs below `2^30`, value below `2^256`).

#![allow(clippy::needless_range_loop)] // limb loops index several arrays in lockstep

use super::{Fe, MODULUS};

/// Limbs per element.
pub(crate) const N: usize = 9;
/// Bits per limb.
const BITS: u32 = 29;
/// The low `BITS` bits.
const MASK: u64 = (1 << BITS) - 1;

/// A field element as nine little-endian 29-bit limbs held in `u64`s, lazily
/// reduced (the limbs' value is congruent to the element modulo p).
#[derive(Clone, Copy, Debug)]
pub struct Fe29(pub(crate) [u64; N]);

/// A 256-bit integer as four little-endian 64-bit words.
pub(crate) type Words = [u64; 4];

/// The modulus as words.
const P_WORDS: Words = join32(&MODULUS);
/// The modulus in 29-bit limbs.
const P: [u64; N] = split(&P_WORDS);
/// `-p^{-1} mod 2^29`.
const MU: u64 = neg_inverse_mod_2_29(P[0]);
/// `R^2 mod p`: `mul(x, R2) = x R`, Montgomery form.
const R2: Fe29 = Fe29(split(&pow2_mod(2 * 261)));
/// One: `mul(x R, ONE) = x` leaves Montgomery form.
const ONE: Fe29 = Fe29([1, 0, 0, 0, 0, 0, 0, 0, 0]);
/// `2^517 mod p`: `mul(x, TO_FE) = x 2^256`, [`Fe`]'s Montgomery form.
const TO_FE: Fe29 = Fe29(split(&pow2_mod(517)));
/// `2^5`: `mul(x 2^256, FROM_FE) = x`, out of [`Fe`]'s Montgomery form.
const FROM_FE: Fe29 = Fe29([32, 0, 0, 0, 0, 0, 0, 0, 0]);

/// Little-endian 32-bit limbs to 64-bit words.
const fn join32(limbs: &[u32; 8]) -> Words {
    let mut out = [0u64; 4];
    let mut i = 0;
    while i < 4 {
        out[i] = limbs[2 * i] as u64 | (limbs[2 * i + 1] as u64) << 32;
        i += 1;
    }
    out
}

/// 64-bit words to little-endian 32-bit limbs.
const fn split32(w: &Words) -> [u32; 8] {
    let mut limbs = [0u32; 8];
    let mut i = 0;
    while i < 4 {
        limbs[2 * i] = w[i] as u32;
        limbs[2 * i + 1] = (w[i] >> 32) as u32;
        i += 1;
    }
    limbs
}

/// Splits a 256-bit integer into 29-bit limbs (the last one holds the top 24 bits).
#[inline(always)]
pub(crate) const fn split(w: &Words) -> [u64; N] {
    [
        w[0] & MASK,
        (w[0] >> 29) & MASK,
        (w[0] >> 58 | w[1] << 6) & MASK,
        (w[1] >> 23) & MASK,
        (w[1] >> 52 | w[2] << 12) & MASK,
        (w[2] >> 17) & MASK,
        (w[2] >> 46 | w[3] << 18) & MASK,
        (w[3] >> 11) & MASK,
        w[3] >> 40,
    ]
}

/// Joins the limbs of a normalized element into words.
#[inline(always)]
pub(crate) const fn join(l: &[u64; N]) -> Words {
    [
        l[0] | l[1] << 29 | l[2] << 58,
        l[2] >> 6 | l[3] << 23 | l[4] << 52,
        l[4] >> 12 | l[5] << 17 | l[6] << 46,
        l[6] >> 18 | l[7] << 11 | l[8] << 40,
    ]
}

/// `a >= b` for words.
const fn geq(a: &Words, b: &Words) -> bool {
    let mut i = 4;
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// `a - b` for words, `a >= b`.
const fn sub(a: &Words, b: &Words) -> Words {
    let mut out = [0u64; 4];
    let mut borrow = 0u64;
    let mut i = 0;
    while i < 4 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(borrow);
        out[i] = d;
        borrow = (b1 | b2) as u64;
        i += 1;
    }
    out
}

/// `a + b` for words whose sum is below `2^256`.
pub(crate) const fn add_words(a: &Words, b: &Words) -> Words {
    let mut out = [0u64; 4];
    let mut carry = 0u64;
    let mut i = 0;
    while i < 4 {
        let (s, c1) = a[i].overflowing_add(b[i]);
        let (s, c2) = s.overflowing_add(carry);
        out[i] = s;
        carry = (c1 | c2) as u64;
        i += 1;
    }
    out
}

/// `2x mod p` for `x < p`.
const fn double_mod(x: &Words) -> Words {
    let d = [
        x[0] << 1,
        x[1] << 1 | x[0] >> 63,
        x[2] << 1 | x[1] >> 63,
        x[3] << 1 | x[2] >> 63,
    ];
    if geq(&d, &P_WORDS) {
        sub(&d, &P_WORDS)
    } else {
        d
    }
}

/// `x / 2 mod p` for `x < p`.
const fn half_mod(x: &Words) -> Words {
    let x = if x[0] & 1 == 1 {
        add_words(x, &P_WORDS)
    } else {
        *x
    };
    [
        x[0] >> 1 | x[1] << 63,
        x[1] >> 1 | x[2] << 63,
        x[2] >> 1 | x[3] << 63,
        x[3] >> 1,
    ]
}

/// `2^k mod p`.
const fn pow2_mod(k: u32) -> Words {
    let mut x = [1, 0, 0, 0];
    let mut i = 0;
    while i < k {
        x = double_mod(&x);
        i += 1;
    }
    x
}

/// `-x^{-1} mod 2^29` for odd `x` (Newton's iteration).
const fn neg_inverse_mod_2_29(x: u64) -> u64 {
    let mut inv = 1u64;
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(x.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg() & MASK
}

/// The canonical value of an [`Fe`] (compile time): `Fe` holds `x 2^256 mod p`.
pub(crate) const fn words_of_fe(fe: &Fe) -> Words {
    let mut x = join32(&fe.0);
    let mut i = 0;
    while i < 256 {
        x = half_mod(&x);
        i += 1;
    }
    x
}

/// The factor `c` of an [`Fe`] pre-scaled for [`mul`]: `c R mod p` (compile time).
pub(crate) const fn scaled(fe: &Fe) -> Fe29 {
    let mut x = join32(&fe.0);
    let mut i = 0;
    while i < 261 - 256 {
        x = double_mod(&x);
        i += 1;
    }
    Fe29(split(&x))
}

/// `a b mod p` of canonical words (compile time).
pub(crate) const fn mul_mod(a: &Words, b: &Words) -> Words {
    canonical(&mul(&mul(&Fe29(split(a)), &R2), &Fe29(split(b))))
}

/// `a - b mod p` of canonical words (compile time).
pub(crate) const fn sub_mod(a: &Words, b: &Words) -> Words {
    if geq(a, b) {
        sub(a, b)
    } else {
        sub(&add_words(a, &P_WORDS), b)
    }
}

/// `a^{-1} mod p` of a nonzero canonical `a` (compile time): `a^{p-2}`, square
/// and multiply from the top bit.
pub(crate) const fn inverse(a: &Words) -> Words {
    let e = sub(&P_WORDS, &[2, 0, 0, 0]);
    let mut acc = [1, 0, 0, 0];
    let mut bit = 256;
    while bit > 0 {
        bit -= 1;
        acc = mul_mod(&acc, &acc);
        if (e[bit / 64] >> (bit % 64)) & 1 == 1 {
            acc = mul_mod(&acc, a);
        }
    }
    acc
}

/// The factor `c` of canonical words pre-scaled for [`mul`]: `c R mod p` (compile time).
pub(crate) const fn scaled_words(c: &Words) -> Fe29 {
    Fe29(split(&canonical(&mul(&Fe29(split(c)), &R2))))
}

/// `pair(k, i)`: whether column `k` of a product has a term `a[i] * b[k - i]`.
pub(crate) const fn pair(k: usize, i: usize) -> bool {
    k >= i && k - i < N
}

/// `k - i` where [`pair`] holds (0 elsewhere, never used).
pub(crate) const fn other(k: usize, i: usize) -> usize {
    if pair(k, i) {
        k - i
    } else {
        0
    }
}

/// Expands `$m!(k)` for each column `k` of a product, in order.
macro_rules! each_column {
    ($m:ident) => {
        $m!(0);
        $m!(1);
        $m!(2);
        $m!(3);
        $m!(4);
        $m!(5);
        $m!(6);
        $m!(7);
        $m!(8);
        $m!(9);
        $m!(10);
        $m!(11);
        $m!(12);
        $m!(13);
        $m!(14);
        $m!(15);
        $m!(16);
    };
}
pub(crate) use each_column;

/// `Σ a[i] * b[k - i]` over the limb pairs of column `k` (an expression).
macro_rules! column {
    ($a:expr, $b:expr, $k:literal) => {
        column!(@ $a, $b, $k; 0 1 2 3 4 5 6 7 8)
    };
    (@ $a:expr, $b:expr, $k:literal; $($i:literal)*) => {
        0u64 $( + if const { $crate::field::limb29::pair($k, $i) } {
            $a[$i] * $b[const { $crate::field::limb29::other($k, $i) }]
        } else {
            0
        } )*
    };
}
pub(crate) use column;

/// Montgomery-reduces the 17 column sums `t` of a product (each below about
/// `2^63.75` with the reduction terms) into a normalized element: `t / 2^261 mod p`.
#[inline(always)]
#[allow(unused_assignments)] // the digit stores of columns 9.. sit in branches removed at compile time
pub(crate) const fn reduce(t: [u64; 2 * N - 1]) -> Fe29 {
    let mut m = [0u64; N];
    let mut out = [0u64; N];
    let mut carry = 0u64;
    macro_rules! step {
        ($k:literal) => {
            step!(@ $k; 0 1 2 3 4 5 6 7 8)
        };
        (@ $k:literal; $($i:literal)*) => {{
            // Reduction terms m[i] * p[k - i] of the digits chosen so far.
            let acc = carry + t[$k] $( + if const { pair($k, $i) && $i < $k } { m[$i] * P[const { other($k, $i) }] } else { 0 } )*;
            if const { $k < N } {
                // Choose digit k so that the column's low 29 bits cancel.
                let digit = acc.wrapping_mul(MU) & MASK;
                m[const { $k % N }] = digit;
                carry = (acc + digit * P[0]) >> BITS;
            } else {
                out[const { ($k + N) % N }] = acc & MASK;
                carry = acc >> BITS;
            }
        }};
    }
    each_column!(step);
    out[N - 1] = carry;
    Fe29(out)
}

/// `a * b / 2^261 mod p` (Montgomery product) of loose elements; normalized.
#[inline(never)]
pub const fn mul(a: &Fe29, b: &Fe29) -> Fe29 {
    let (a, b) = (a.0, b.0);
    let mut t = [0u64; 2 * N - 1];
    macro_rules! col {
        ($k:literal) => {
            t[$k] = column!(a, b, $k);
        };
    }
    each_column!(col);
    reduce(t)
}

/// `a * a / 2^261 mod p` of a loose element; normalized.
#[inline(never)]
pub const fn sqr(a: &Fe29) -> Fe29 {
    let a = a.0;
    let d = [
        a[0] << 1,
        a[1] << 1,
        a[2] << 1,
        a[3] << 1,
        a[4] << 1,
        a[5] << 1,
        a[6] << 1,
        a[7] << 1,
        a[8] << 1,
    ];
    let mut t = [0u64; 2 * N - 1];
    macro_rules! col {
        ($k:literal) => {
            col!(@ $k; 0 1 2 3 4 5 6 7 8)
        };
        (@ $k:literal; $($i:literal)*) => {
            t[$k] = 0u64
                $( + if const { pair($k, $i) && $i < other($k, $i) } { d[$i] * a[const { other($k, $i) }] } else { 0 } )*
                + if const { $k % 2 == 0 } { a[const { $k / 2 }] * a[const { $k / 2 }] } else { 0 };
        };
    }
    each_column!(col);
    reduce(t)
}

/// `(c[0] x[0] + c[1] x[1] + c[2] x[2]) / 2^261 mod p`, reduced once: a row of
/// a width-3 matrix times a state. `c` normalized, `x[0]` normalized, `x[1]`
/// and `x[2]` loose; the result is normalized.
#[inline(never)]
pub const fn dot3(c: &[Fe29; 3], x: &[Fe29; 3]) -> Fe29 {
    let (c0, c1, c2) = (c[0].0, c[1].0, c[2].0);
    let (x0, x1, x2) = (x[0].0, x[1].0, x[2].0);
    let mut t = [0u64; 2 * N - 1];
    macro_rules! col {
        ($k:literal) => {
            t[$k] = column!(c0, x0, $k) + column!(c1, x1, $k) + column!(c2, x2, $k);
        };
    }
    each_column!(col);
    reduce(t)
}

/// `(t / 2^261 + y) mod p` for the column sums `t` of one product `c x` (`c` and
/// `x` normalized), reduced once: a row `y + c x` of a sparse Poseidon matrix,
/// with `c` pre-scaled. `y` has limbs below `2^29` and a value below `2^255`.
/// The result has limbs below `2^29` and a value below
/// `max(p + 2^232, y + 2^247)`: one conditional subtraction of `p` keeps a
/// chain of these from growing by more than `2^247` a step.
#[inline(always)]
pub fn add_product(mut t: [u64; 2 * N - 1], y: &Fe29) -> Fe29 {
    let y = y.0;
    // y 2^261: limb i of y joins column 9 + i, its top limb the final carry.
    macro_rules! high {
        ($($i:literal)*) => {$( t[N + $i] += y[$i]; )*};
    }
    high!(0 1 2 3 4 5 6 7);
    let mut out = reduce(t).0;
    // Below y + p + 2^247 < 2^256 (c x / 2^261 < 2^247, the reduction adds
    // less than p).
    out[N - 1] += y[N - 1];
    // Subtract q p, q = ceil((top - P[8]) / 2^22) clamped at 0: 0 when the top
    // limb is at most P[8] (the value is then below (P[8] + 1) 2^232 <= p + 2^232),
    // else 1, or 2 when the top limb is above P[8] + 2^22 (the value is then
    // above 2p). Multiplying by q instead of masking keeps LLVM from turning
    // each limb into a `select`, which costs 1,250 ink on Stylus, a multiply 160.
    let q = (out[N - 1] + (1 << 22) - P[N - 1] - 1) >> 22;
    // Signed limbs: with q = 2 a limb may borrow 2 from the next.
    let mut carry = 0i64;
    macro_rules! limb {
        ($($i:literal)*) => {$(
            let d = out[$i] as i64 - (q * P[$i]) as i64 + carry;
            out[$i] = d as u64 & MASK;
            carry = d >> BITS;
        )*};
    }
    limb!(0 1 2 3 4 5 6 7);
    out[N - 1] = (out[N - 1] as i64 - (q * P[N - 1]) as i64 + carry) as u64;
    Fe29(out)
}

impl Fe29 {
    /// Zero.
    pub const ZERO: Fe29 = Fe29([0; N]);

    /// Limb-wise sum of two normalized elements (no carries): a loose element.
    #[inline(always)]
    pub const fn add(&self, other: &Fe29) -> Fe29 {
        let (a, b) = (self.0, other.0);
        Fe29([
            a[0] + b[0],
            a[1] + b[1],
            a[2] + b[2],
            a[3] + b[3],
            a[4] + b[4],
            a[5] + b[5],
            a[6] + b[6],
            a[7] + b[7],
            a[8] + b[8],
        ])
    }

    /// `x^5` of a loose element with native arithmetic (through Montgomery
    /// form); normalized.
    pub fn pow5(&self) -> Fe29 {
        let x = mul(self, &R2);
        mul(&mul(&sqr(&sqr(&x)), &x), &ONE)
    }

    /// An element from canonical words (below p).
    pub const fn from_words(w: &Words) -> Fe29 {
        Fe29(split(w))
    }

    /// The canonical value as words.
    pub fn to_words(&self) -> Words {
        canonical(self)
    }

    /// Parses 32 big-endian bytes; `None` unless the value is below the modulus.
    pub fn from_be_bytes(bytes: &[u8; 32]) -> Option<Fe29> {
        words_from_be(bytes).map(|w| Fe29::from_words(&w))
    }

    /// From [`Fe`] (which holds `x 2^256 mod p`).
    pub fn from_fe(fe: &Fe) -> Fe29 {
        mul(&Fe29(split(&join32(&fe.0))), &FROM_FE)
    }

    /// To [`Fe`].
    pub fn to_fe(&self) -> Fe {
        Fe(fe_limbs(&canonical(self)))
    }
}

/// [`Fe`]'s limbs (`x 2^256 mod p`) of canonical words `x`.
pub(crate) fn fe_limbs(w: &Words) -> [u32; 8] {
    split32(&canonical(&mul(&Fe29(split(w)), &TO_FE)))
}

/// The canonical words of [`Fe`]'s limbs.
pub(crate) fn words_of_fe_limbs(limbs: &[u32; 8]) -> Words {
    canonical(&mul(&Fe29(split(&join32(limbs))), &FROM_FE))
}

/// 32 big-endian bytes as words, if the value is below the modulus.
pub(crate) fn words_from_be(bytes: &[u8; 32]) -> Option<Words> {
    let w = words_from_be_unchecked(bytes);
    (!geq(&w, &P_WORDS)).then_some(w)
}

/// 32 big-endian bytes as words.
#[inline(always)]
pub(crate) fn words_from_be_unchecked(bytes: &[u8; 32]) -> Words {
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[24 - 8 * i..32 - 8 * i]);
        u64::from_be_bytes(b)
    };
    [word(0), word(1), word(2), word(3)]
}

/// Words as 32 big-endian bytes.
#[inline(always)]
pub(crate) fn words_to_be(w: &Words) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, word) in w.iter().enumerate() {
        out[24 - 8 * i..32 - 8 * i].copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// The canonical words of a normalized element below `2p`.
pub(crate) const fn canonical(x: &Fe29) -> Words {
    let w = join(&x.0);
    if geq(&w, &P_WORDS) {
        sub(&w, &P_WORDS)
    } else {
        w
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use alloy_primitives::U256;
    use std::{vec, vec::Vec};

    fn p() -> U256 {
        U256::from_limbs(P_WORDS)
    }

    /// The value of a (possibly loose) limb vector.
    fn value(x: &Fe29) -> U256 {
        let mut v = U256::ZERO;
        for i in (0..N).rev() {
            v = (v << 29) + U256::from(x.0[i]);
        }
        v
    }

    fn r_inv() -> U256 {
        // 2^-261 mod p = (2^-1)^261, 2^-1 = (p + 1) / 2.
        let half: U256 = (p() + U256::from(1u8)) >> 1;
        half.pow_mod(U256::from(261u32), p())
    }

    fn samples() -> Vec<Fe29> {
        let mut out = vec![
            Fe29([0; N]),
            ONE,
            Fe29(P),
            Fe29(split(&sub(&P_WORDS, &[1, 0, 0, 0]))),
            // Loose extremes: every limb 2^30 - 1 below a 2^256 value.
            Fe29([
                MASK * 2 + 1,
                MASK * 2 + 1,
                MASK * 2 + 1,
                MASK * 2 + 1,
                MASK * 2 + 1,
                MASK * 2 + 1,
                MASK * 2 + 1,
                MASK * 2 + 1,
                (1 << 23) - 1,
            ]),
            Fe29([MASK; N]).add(&Fe29([0; N])),
        ];
        out[5].0[N - 1] = (1 << 23) - 1;
        let mut s = 0x1234_5678_9abc_def0u64;
        for _ in 0..20 {
            let mut l = [0u64; N];
            for limb in l.iter_mut() {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                *limb = s & (2 * MASK + 1);
            }
            l[N - 1] &= (1 << 23) - 1;
            out.push(Fe29(l));
        }
        out
    }

    fn check_normalized(x: &Fe29) {
        assert!(x.0.iter().all(|&l| l <= MASK), "{x:?}");
        assert!(value(x) < p() + (U256::from(1u8) << 251));
    }

    #[test]
    fn constants() {
        assert_eq!(MU, 0x0fff_ffff);
        assert_eq!(
            (U256::from(P[0]) * U256::from(MU) + U256::from(1u8)) % U256::from(1u64 << 29),
            U256::ZERO
        );
        assert_eq!(value(&Fe29(P)), p());
        let two = U256::from(2u8);
        assert_eq!(value(&R2), two.pow_mod(U256::from(522u32), p()));
        assert_eq!(value(&TO_FE), two.pow_mod(U256::from(517u32), p()));
        assert_eq!(value(&FROM_FE), U256::from(32u8));
    }

    #[test]
    fn products_agree_with_big_integer_arithmetic() {
        let samples = samples();
        for a in &samples {
            let va = value(a);
            let s = sqr(a);
            check_normalized(&s);
            assert_eq!(value(&s) % p(), va.mul_mod(va, p()).mul_mod(r_inv(), p()));
            for b in &samples {
                let m = mul(a, b);
                check_normalized(&m);
                assert_eq!(
                    value(&m) % p(),
                    va.mul_mod(value(b), p()).mul_mod(r_inv(), p())
                );
            }
        }
    }

    #[test]
    fn pow5_agrees_with_big_integer_arithmetic() {
        for x in samples() {
            let got = x.pow5();
            check_normalized(&got);
            assert_eq!(value(&got) % p(), value(&x).pow_mod(U256::from(5u8), p()));
        }
    }

    #[test]
    fn dot3_agrees_with_big_integer_arithmetic() {
        let samples = samples();
        let normalized: Vec<Fe29> = samples.iter().map(|x| mul(x, &R2)).collect();
        for (i, c0) in normalized.iter().enumerate() {
            let c = [
                *c0,
                normalized[(i + 1) % normalized.len()],
                normalized[(i + 5) % normalized.len()],
            ];
            for (j, x0) in normalized.iter().enumerate() {
                let x = [*x0, samples[j], samples[(j + 3) % samples.len()]];
                let got = dot3(&c, &x);
                check_normalized(&got);
                let mut want = U256::ZERO;
                for k in 0..3 {
                    want = want.add_mod(value(&c[k]).mul_mod(value(&x[k]), p()), p());
                }
                assert_eq!(value(&got) % p(), want.mul_mod(r_inv(), p()));
            }
        }
    }

    #[test]
    fn conversions_round_trip() {
        for v in [
            U256::ZERO,
            U256::from(1u8),
            U256::from(12345u64),
            p() - U256::from(1u8),
        ] {
            let x = Fe29::from_words(&v.into_limbs());
            assert_eq!(U256::from_limbs(x.to_words()), v);
            let fe = Fe::from_be_bytes(&v.to_be_bytes()).unwrap();
            assert_eq!(Fe29::from_fe(&fe).to_words(), v.into_limbs());
            assert_eq!(x.to_fe(), fe);
        }
    }
}
