//! BN254 scalar field arithmetic for the fast Poseidon: four little-endian
//! 64-bit limbs in Montgomery form (`x * 2^256 mod p`).
//!
//! This is the representation `ff_ce` (and so `poseidon-rs`) keeps inside its
//! `Fr`, so converting between the two is a copy of the raw limbs
//! (`PrimeField::into_raw_repr` / `from_raw_repr`), with no multiplication.
//!
//! Every [`Fe`] is canonical (below the modulus). Products are reduced with
//! Montgomery's REDC on the full 512-bit product; [`Fe::dot3`] sums three
//! products before one reduction, which is what the Poseidon linear layers
//! need.

/// The modulus p, little-endian limbs.
pub(crate) const P: [u64; 4] = [
    0x43e1_f593_f000_0001,
    0x2833_e848_79b9_7091,
    0xb850_45b6_8181_585d,
    0x3064_4e72_e131_a029,
];

/// `-p^-1 mod 2^64`, by Newton's iteration (each step doubles the correct bits).
const INV: u64 = {
    let mut x: u64 = 1; // p is odd: correct modulo 2
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u64.wrapping_sub(P[0].wrapping_mul(x)));
        i += 1;
    }
    x.wrapping_neg()
};

/// A BN254 scalar field element in Montgomery form, always below p.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Fe(pub(crate) [u64; 4]);

#[inline(always)]
fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let v = (a as u128) * (b as u128) + (acc as u128) + (carry as u128);
    (v as u64, (v >> 64) as u64)
}

#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let v = (a as u128) + (b as u128) + (carry as u128);
    (v as u64, (v >> 64) as u64)
}

#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let v = (a as u128).wrapping_sub((b as u128) + (borrow as u128));
    (v as u64, ((v >> 64) as u64) & 1)
}

/// `x - p` if `x >= p`, else `x`; for `x < 2p` this is the canonical residue.
#[inline(always)]
pub(crate) fn reduce_once(x: [u64; 4]) -> Fe {
    let (d0, b) = sbb(x[0], P[0], 0);
    let (d1, b) = sbb(x[1], P[1], b);
    let (d2, b) = sbb(x[2], P[2], b);
    let (d3, b) = sbb(x[3], P[3], b);
    if b == 0 {
        Fe([d0, d1, d2, d3])
    } else {
        Fe(x)
    }
}

/// The full 512-bit product `a * b`.
#[inline(always)]
fn wide_mul(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    let mut t = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0;
        for j in 0..4 {
            (t[i + j], carry) = mac(t[i + j], a[i], b[j], carry);
        }
        t[i + 4] = carry;
    }
    t
}

/// The full 512-bit square `a * a` (cross products computed once, doubled).
#[inline(always)]
fn wide_square(a: &[u64; 4]) -> [u64; 8] {
    let mut t = [0u64; 8];
    for i in 0..3 {
        let mut carry = 0;
        for j in i + 1..4 {
            (t[i + j], carry) = mac(t[i + j], a[i], a[j], carry);
        }
        t[i + 4] = carry;
    }
    t[7] = t[6] >> 63;
    for k in (2..7).rev() {
        t[k] = (t[k] << 1) | (t[k - 1] >> 63);
    }
    t[1] <<= 1;
    let mut carry = 0;
    for i in 0..4 {
        let (lo, hi) = mac(t[2 * i], a[i], a[i], carry);
        t[2 * i] = lo;
        (t[2 * i + 1], carry) = adc(t[2 * i + 1], hi, 0);
    }
    t
}

/// `a + b` on 512 bits (callers keep the sum below 2^512).
#[inline(always)]
fn wide_add(a: &mut [u64; 8], b: &[u64; 8]) {
    let mut carry = 0;
    for i in 0..8 {
        (a[i], carry) = adc(a[i], b[i], carry);
    }
}

/// Montgomery reduction: `t / 2^256 mod p`, canonical, for any `t < p * 2^256`.
#[inline(always)]
fn redc(mut t: [u64; 8]) -> Fe {
    // Round i clears limb i; `high` is the carry out of limb i + 4, added to
    // limb i + 5 by the next round. t + sum(m_i p 2^(64 i)) < 2p * 2^256 < 2^512,
    // so nothing is carried out of the top limb.
    let mut high = 0;
    for i in 0..4 {
        let m = t[i].wrapping_mul(INV);
        let mut carry = 0;
        for j in 0..4 {
            (t[i + j], carry) = mac(t[i + j], m, P[j], carry);
        }
        (t[i + 4], high) = adc(t[i + 4], carry, high);
    }
    reduce_once([t[4], t[5], t[6], t[7]])
}

impl Fe {
    /// Zero.
    pub(crate) const ZERO: Fe = Fe([0; 4]);

    /// One (`2^256 mod p`).
    pub(crate) const ONE: Fe = Fe([
        0xac96_341c_4fff_fffb,
        0x36fc_7695_9f60_cd29,
        0x666e_a36f_7879_462e,
        0x0e0a_77c1_9a07_df2f,
    ]);

    /// `self + other`.
    #[inline(always)]
    pub(crate) fn add(self, other: Fe) -> Fe {
        // Both are below p < 2^254: the sum fits four limbs.
        let (s0, c) = adc(self.0[0], other.0[0], 0);
        let (s1, c) = adc(self.0[1], other.0[1], c);
        let (s2, c) = adc(self.0[2], other.0[2], c);
        let (s3, _) = adc(self.0[3], other.0[3], c);
        reduce_once([s0, s1, s2, s3])
    }

    /// `self * other`.
    #[inline(always)]
    pub(crate) fn mul(self, other: Fe) -> Fe {
        redc(wide_mul(&self.0, &other.0))
    }

    /// `self * self`.
    #[inline(always)]
    pub(crate) fn square(self) -> Fe {
        redc(wide_square(&self.0))
    }

    /// `self^5`, Poseidon's S-box.
    #[inline(always)]
    pub(crate) fn pow5(self) -> Fe {
        self.square().square().mul(self)
    }

    /// `a[0] b[0] + a[1] b[1] + a[2] b[2]` with one reduction
    /// (3 p^2 < p 2^256, so REDC applies to the unreduced sum).
    #[inline(always)]
    pub(crate) fn dot3(a: &[Fe; 3], b: &[Fe; 3]) -> Fe {
        let mut t = wide_mul(&a[0].0, &b[0].0);
        wide_add(&mut t, &wide_mul(&a[1].0, &b[1].0));
        wide_add(&mut t, &wide_mul(&a[2].0, &b[2].0));
        redc(t)
    }
}

#[cfg(test)]
mod tests {
    use ff_ce::{Field, PrimeField};
    use poseidon_rs::{Fr, FrRepr};
    use proptest::prelude::*;

    use super::*;

    fn fr(x: Fe) -> Fr {
        Fr::from_raw_repr(FrRepr(x.0)).unwrap()
    }

    fn fe(x: Fr) -> Fe {
        Fe(x.into_raw_repr().0)
    }

    /// A field element from arbitrary limbs, covering 0, 1 and p - 1 often.
    fn any_fe() -> impl Strategy<Value = Fe> {
        prop_oneof![
            1 => Just(Fe::ZERO),
            1 => Just(fe(Fr::one())),
            1 => Just({ let mut m = Fr::one(); m.negate(); fe(m) }),
            1 => Just(Fe([P[0] - 1, P[1], P[2], P[3]])), // raw p - 1: the largest limbs
            8 => any::<[u64; 4]>().prop_map(|mut l| {
                l[3] %= P[3];
                Fe(l)
            }),
        ]
    }

    #[test]
    fn inv_is_minus_p_inverse() {
        assert_eq!(P[0].wrapping_mul(INV), u64::MAX);
        // ff_ce's modulus and one have the same limbs.
        assert_eq!(Fr::char().0, P);
        assert_eq!(fe(Fr::one()), Fe::ONE);
    }

    proptest! {
        #[test]
        fn arithmetic_matches_ff_ce(a in any_fe(), b in any_fe(), c in any_fe(), d in any_fe(), e in any_fe(), f in any_fe()) {
            let (x, y) = (fr(a), fr(b));
            let mut sum = x;
            sum.add_assign(&y);
            prop_assert_eq!(a.add(b), fe(sum));
            let mut prod = x;
            prod.mul_assign(&y);
            prop_assert_eq!(a.mul(b), fe(prod));
            let mut sq = x;
            sq.square();
            prop_assert_eq!(a.square(), fe(sq));
            prop_assert_eq!(a.pow5(), fe(x.pow([5u64])));
            let mut dot = Fr::zero();
            for (u, v) in [(a, d), (b, e), (c, f)] {
                let mut t = fr(u);
                t.mul_assign(&fr(v));
                dot.add_assign(&t);
            }
            prop_assert_eq!(Fe::dot3(&[a, b, c], &[d, e, f]), fe(dot));
        }
    }
}
