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
pub const HALF_MODULUS: U256 = U256::from_be_bytes(zkmltrack_protocol::evaluation::HALF_MODULUS);

/// Orders two elements as the signed values they encode (any 256-bit inputs;
/// see [`zkmltrack_protocol::evaluation::signed_cmp`]).
pub fn signed_cmp(a: U256, b: U256) -> core::cmp::Ordering {
    zkmltrack_protocol::evaluation::signed_cmp(&a.to_be_bytes(), &b.to_be_bytes())
}

/// Index of the largest signed value, the first one on ties (numpy's argmax):
/// [`zkmltrack_protocol::evaluation::argmax`] on `U256`s. `None` when empty.
pub fn argmax(felts: &[U256]) -> Option<usize> {
    zkmltrack_protocol::evaluation::argmax(felts.iter().map(|f| f.to_be_bytes()))
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
