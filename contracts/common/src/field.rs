//! Arithmetic in the BN254 scalar field `Fr` (the field EZKL circuits, circom and
//! `poseidon-rs` work in).
//!
//! [`Fe`] is the element type of the crate's API: Montgomery form (`x 2^256 mod p`)
//! in eight little-endian 32-bit limbs, the form of the generated Poseidon
//! tables, with a compact CIOS multiplication. The hot paths (Poseidon, Merkle
//! paths, byte conversions) run on [`limb29`], which is several times cheaper
//! in Stylus ink; see there.

#![allow(clippy::needless_range_loop)] // limb loops index several arrays in lockstep

pub mod limb29;

/// The field modulus `p = 21888242871839275222246405745257275088548364400416034343698204186575808495617`
/// as little-endian 32-bit limbs.
pub const MODULUS: [u32; 8] = [
    0xf000_0001,
    0x43e1_f593,
    0x79b9_7091,
    0x2833_e848,
    0x8181_585d,
    0xb850_45b6,
    0xe131_a029,
    0x3064_4e72,
];

/// `-p^{-1} mod 2^32`.
const INV: u32 = 0xefff_ffff;

/// The big-endian bytes of `p`.
pub const MODULUS_BE: [u8; 32] = limbs_to_be(&MODULUS);

/// A field element in Montgomery form.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Fe(pub [u32; 8]);

impl Fe {
    /// The zero element.
    pub const ZERO: Fe = Fe([0; 8]);

    /// Builds an element from a canonical big-endian 32-byte value.
    ///
    /// Returns `None` when the value is not below the modulus, so every element
    /// has exactly one byte representation (no aliasing of `x` and `x + p`).
    pub fn from_be_bytes(bytes: &[u8; 32]) -> Option<Fe> {
        limb29::words_from_be(bytes).map(|w| Fe(limb29::fe_limbs(&w)))
    }

    /// Builds an element from a small integer.
    pub fn from_u64(value: u64) -> Fe {
        Fe(limb29::fe_limbs(&[value, 0, 0, 0]))
    }

    /// Returns the canonical big-endian 32-byte value of the element.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        limb29::words_to_be(&limb29::words_of_fe_limbs(&self.0))
    }

    /// Field addition.
    #[inline]
    pub fn add(&self, other: &Fe) -> Fe {
        let mut out = [0u32; 8];
        let mut carry = 0u64;
        for i in 0..8 {
            let sum = self.0[i] as u64 + other.0[i] as u64 + carry;
            out[i] = sum as u32;
            carry = sum >> 32;
        }
        // Both inputs are below p < 2^254, so the sum never overflows 256 bits.
        if !lt(&out, &MODULUS) {
            sub_assign(&mut out, &MODULUS);
        }
        Fe(out)
    }

    /// Field multiplication.
    #[inline]
    pub fn mul(&self, other: &Fe) -> Fe {
        Fe(mont_mul(&self.0, &other.0))
    }

    /// The Poseidon S-box `x^5`.
    #[inline]
    pub fn pow5(&self) -> Fe {
        let x2 = self.mul(self);
        let x4 = x2.mul(&x2);
        x4.mul(self)
    }
}

/// Montgomery multiplication (CIOS): returns `a * b / R mod p`.
fn mont_mul(a: &[u32; 8], b: &[u32; 8]) -> [u32; 8] {
    let mut t = [0u32; 10];
    for &ai in a.iter() {
        let mut carry = 0u64;
        for j in 0..8 {
            let v = t[j] as u64 + ai as u64 * b[j] as u64 + carry;
            t[j] = v as u32;
            carry = v >> 32;
        }
        let v = t[8] as u64 + carry;
        t[8] = v as u32;
        t[9] = (v >> 32) as u32;

        let m = t[0].wrapping_mul(INV) as u64;
        let v = t[0] as u64 + m * MODULUS[0] as u64;
        let mut carry = v >> 32;
        for j in 1..8 {
            let v = t[j] as u64 + m * MODULUS[j] as u64 + carry;
            t[j - 1] = v as u32;
            carry = v >> 32;
        }
        let v = t[8] as u64 + carry;
        t[7] = v as u32;
        t[8] = t[9] + (v >> 32) as u32;
    }
    let mut out = [0u32; 8];
    out.copy_from_slice(&t[..8]);
    if t[8] != 0 || !lt(&out, &MODULUS) {
        sub_assign(&mut out, &MODULUS);
    }
    out
}

/// `a < b` for little-endian limbs.
fn lt(a: &[u32; 8], b: &[u32; 8]) -> bool {
    for i in (0..8).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// `a -= b` (mod 2^256) for little-endian limbs.
fn sub_assign(a: &mut [u32; 8], b: &[u32; 8]) {
    let mut borrow = 0i64;
    for i in 0..8 {
        let v = a[i] as i64 - b[i] as i64 + borrow;
        a[i] = v as u32;
        borrow = v >> 32;
    }
}

/// Little-endian 32-bit limbs to big-endian bytes.
const fn limbs_to_be(limbs: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 8 {
        let b = limbs[i].to_be_bytes();
        let at = 28 - 4 * i;
        out[at] = b[0];
        out[at + 1] = b[1];
        out[at + 2] = b[2];
        out[at + 3] = b[3];
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    fn p() -> U256 {
        U256::from_be_bytes(MODULUS_BE)
    }

    fn fe(v: U256) -> Fe {
        Fe::from_be_bytes(&v.to_be_bytes()).unwrap()
    }

    fn val(f: Fe) -> U256 {
        U256::from_be_bytes(f.to_be_bytes())
    }

    #[test]
    fn modulus_bytes_match_the_decimal_modulus() {
        let decimal: U256 =
            "21888242871839275222246405745257275088548364400416034343698204186575808495617"
                .parse()
                .unwrap();
        assert_eq!(p(), decimal);
    }

    #[test]
    fn round_trips_canonical_values_and_rejects_non_canonical() {
        for v in [
            U256::ZERO,
            U256::from(1u8),
            U256::from(12345u64),
            p() - U256::from(1u8),
        ] {
            assert_eq!(val(fe(v)), v);
        }
        assert!(Fe::from_be_bytes(&p().to_be_bytes()).is_none());
        assert!(Fe::from_be_bytes(&U256::MAX.to_be_bytes()).is_none());
        assert_eq!(val(Fe::from_u64(u64::MAX)), U256::from(u64::MAX));
    }

    #[test]
    fn add_and_mul_agree_with_big_integer_arithmetic() {
        let samples = [
            U256::ZERO,
            U256::from(1u8),
            U256::from(2u8),
            p() - U256::from(1u8),
            p() - U256::from(2u8),
            p() >> 1,
            U256::from_be_bytes([0x17; 32]) % p(),
            U256::from_be_bytes([0xa5; 32]) % p(),
        ];
        for a in samples {
            for b in samples {
                assert_eq!(val(fe(a).add(&fe(b))), a.add_mod(b, p()), "{a} + {b}");
                assert_eq!(val(fe(a).mul(&fe(b))), a.mul_mod(b, p()), "{a} * {b}");
            }
            assert_eq!(val(fe(a).pow5()), a.pow_mod(U256::from(5u8), p()));
        }
    }
}
