//! EZKL's encoding of signed fixed-point numbers as field elements.
//!
//! A real number `x` at scale `s` is the integer `round(x * 2^s)`; a negative
//! integer `-v` is the field element `p - v`. Elements up to `(p - 1) / 2` read as
//! non-negative, the others as negative.

use alloy_primitives::U256;

use crate::field::MODULUS_BE;

/// The field modulus as a `U256`.
pub const MODULUS: U256 = U256::from_be_bytes(MODULUS_BE);

/// `(p - 1) / 2`, the largest element that reads as non-negative.
pub const HALF_MODULUS: U256 = MODULUS
    .wrapping_sub(U256::from_limbs([1, 0, 0, 0]))
    .wrapping_shr(1);

/// A key whose unsigned order is the signed order of the decoded elements.
///
/// Maps `[-(p-1)/2, (p-1)/2]` monotonically onto `[0, p-1]`, so argmax over
/// keys is argmax over the signed values. `felt` must be below the modulus.
pub fn signed_order_key(felt: U256) -> U256 {
    if felt > HALF_MODULUS {
        felt - HALF_MODULUS - U256::from(1u8)
    } else {
        felt + HALF_MODULUS
    }
}

/// Index of the largest signed value, the first one on ties (numpy's argmax).
/// Returns `None` for an empty slice.
pub fn argmax(felts: &[U256]) -> Option<usize> {
    let mut best: Option<(usize, U256)> = None;
    for (i, felt) in felts.iter().enumerate() {
        let key = signed_order_key(*felt);
        if best.is_none_or(|(_, k)| key > k) {
            best = Some((i, key));
        }
    }
    best.map(|(i, _)| i)
}

/// Decodes an element as a signed integer; `None` if it does not fit `i128`
/// or is not below the modulus.
pub fn to_i128(felt: U256) -> Option<i128> {
    if felt >= MODULUS {
        return None;
    }
    if felt > HALF_MODULUS {
        let magnitude: u128 = (MODULUS - felt).try_into().ok()?;
        0i128.checked_sub_unsigned(magnitude)
    } else {
        let value: u128 = felt.try_into().ok()?;
        value.try_into().ok()
    }
}

/// Encodes a signed integer as a field element.
pub fn from_i128(value: i128) -> U256 {
    let magnitude = U256::from(value.unsigned_abs());
    if value < 0 {
        MODULUS - magnitude
    } else {
        magnitude
    }
}
