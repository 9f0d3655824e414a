//! The facts every side of zkMLTrack must agree on, written once.
//!
//! The Stylus contracts (stylus-sdk 0.9, alloy-primitives 0.8), the SDK and
//! the devnet (alloy 2, alloy-primitives 1) all build on this crate, so it
//! speaks plain bytes and integers and depends on no alloy version:
//!
//! - [`registry`]: the ModelRegistry's selectors and the word layouts of its
//!   `task(uint64)` and `version(uint64)` answers, which the other contracts
//!   decode in place;
//! - [`router`]: the VerifierRouter's route kinds and the SRS words it pins;
//! - [`evaluation`]: evaluation states, the public-instance layout (the
//!   weight hash, inputs, outputs), the provider timeout, the draw
//!   (`keccak256(seed ‖ slot ‖ attempt) mod size`), accuracy and the argmax
//!   over signed field elements, and the dataset leaf's domain tag;
//! - [`bond`]: evaluation bonds, the controller's `evaluation(uint64)`
//!   answer the BondVault reads, and where a bond goes (refund or forfeit);
//! - [`system`]: Arbitrum's system contracts (addresses and the selectors the
//!   contracts call) and their Solidity interfaces (`abi/*.sol`);
//! - [`stylus`]: the Stylus program encoding, the constructor calldata and the
//!   size limits; [`evm`]: the init code that deploys raw bytes;
//! - [`merkle`]: the dataset tree's and its (multi-)proofs' shape, `rs_merkle`'s.
//! - [`hidden`]: hidden tasks, the row words their reveals leave.
//!
//! Keccak is the caller's: a contract passes the host's `native_keccak256`, the
//! SDK alloy's, so this crate carries no hash implementation.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;

pub mod bond;
pub mod evaluation;
pub mod evm;
pub mod hidden;
pub mod merkle;
pub mod registry;
pub mod router;
pub mod stylus;
pub mod system;

/// Word `i` (big-endian bytes) of ABI-encoded data, or `None` past its end.
pub fn word(data: &[u8], i: usize) -> Option<[u8; 32]> {
    data.get(32 * i..32 * i + 32)?.try_into().ok()
}

/// The low 8 bytes of a big-endian word as a `u64`, saturating when the high
/// bytes are not zero (an out-of-range answer never wraps into a small one).
pub fn word_to_u64(word: &[u8; 32]) -> u64 {
    if word[..24].iter().any(|&b| b != 0) {
        return u64::MAX;
    }
    u64::from_be_bytes(word[24..].try_into().expect("8 bytes"))
}

/// A `u64` as a big-endian word.
pub const fn u64_word(value: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    let bytes = value.to_be_bytes();
    let mut i = 0;
    while i < 8 {
        out[24 + i] = bytes[i];
        i += 1;
    }
    out
}

/// The address in the low 20 bytes of a word.
pub fn word_to_address(word: &[u8; 32]) -> [u8; 20] {
    word[12..].try_into().expect("20 bytes")
}

/// Calldata of a function taking one `uint64` (or any one static word).
pub fn call_with_u64(selector: [u8; 4], value: u64) -> [u8; 36] {
    let mut calldata = [0u8; 36];
    calldata[..4].copy_from_slice(&selector);
    calldata[4..].copy_from_slice(&u64_word(value));
    calldata
}

/// Storage index of a 1-based id: `id - 1`, and `usize::MAX` (never present) for 0.
pub fn id_index(id: u64) -> usize {
    (id as usize).wrapping_sub(1)
}

/// keccak256 of empty code, the code hash of an account without code.
pub const EMPTY_CODE_HASH: [u8; 32] = [
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
];

/// Whether an `EXTCODEHASH` result belongs to an account that holds code
/// (not a missing account, hash 0, and not an account without code).
pub fn is_contract_codehash(hash: [u8; 32]) -> bool {
    hash != [0u8; 32] && hash != EMPTY_CODE_HASH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_big_endian_and_saturate() {
        let mut data = [0u8; 64];
        data[63] = 7;
        assert_eq!(word_to_u64(&word(&data, 1).unwrap()), 7);
        assert_eq!(word(&data, 2), None);
        data[32] = 1;
        assert_eq!(word_to_u64(&word(&data, 1).unwrap()), u64::MAX);
        assert_eq!(u64_word(7)[31], 7);
        assert_eq!(call_with_u64([1, 2, 3, 4], 258)[34..], [1, 2]);
        assert_eq!(id_index(1), 0);
        assert_eq!(id_index(0), usize::MAX);
    }
}
