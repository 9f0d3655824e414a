//! Hidden tasks: the dataset's rows stay with the task owner until an
//! evaluation is committed and drawn; the owner then reveals exactly the
//! drawn rows to the task's HiddenSet, which has them checked against the
//! task's Poseidon root, marks them used (a task never draws a row twice) and keeps
//! one word per slot that the controller compares each submitted row with.
//!
//! A hidden task is flagged in the ModelRegistry and names a HiddenSet as its
//! randomness provider: the HiddenSet holds back the controller's seed until
//! every drawn row is revealed, so a participant can neither see nor submit
//! rows before the reveal, and a reveal that never comes ends the evaluation
//! at the provider timeout like any silent provider (bond refunded).
//!
//! The functions below are `#[inline]`: a program that does not call them
//! does not carry them (as plain functions they grew the TaskController,
//! which calls none, by 122 bytes).

use alloc::vec::Vec;

/// Words of the controller's `contracts()` answer the DatasetVerifier reads.
pub mod controller_contracts {
    /// The ModelRegistry.
    pub const REGISTRY: usize = 0;
    /// The DatasetVerifier.
    pub const DATASET_VERIFIER: usize = 2;
    /// Answer words.
    pub const WORDS: usize = 5;
}

/// Word of the controller's `evaluation(uint64)` answer holding the seed (see
/// [`crate::bond::evaluation_answer`] for the others).
pub const EVALUATION_SEED: usize = 5;

/// What a revealed row's digest hashes: the label as a big-endian word, then
/// each feature's field-element word, back to back (`abi.encodePacked(uint256
/// label, uint256[] features)`).
#[inline]
pub fn row_preimage(label: u32, features: impl IntoIterator<Item = [u8; 32]>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&crate::u64_word(label as u64));
    for feature in features {
        out.extend_from_slice(&feature);
    }
    out
}

/// The word kept for a revealed slot: the first 24 bytes of the row's
/// digest (`keccak256(row_preimage)`, 192 bits against a second preimage),
/// then the row's dataset index (8 bytes, big-endian). Never zero for a
/// revealed slot with a non-zero digest prefix; an unrevealed slot reads zero.
#[inline]
pub fn revealed_word(digest: &[u8; 32], index: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[..24].copy_from_slice(&digest[..24]);
    out[24..].copy_from_slice(&index.to_be_bytes());
    out
}

/// The dataset index kept in a revealed slot's word.
#[inline]
pub fn revealed_index(word: &[u8; 32]) -> u64 {
    u64::from_be_bytes(word[24..].try_into().expect("8 bytes"))
}

/// Whether a revealed slot's word holds the row with this digest.
#[inline]
pub fn holds_row(word: &[u8; 32], digest: &[u8; 32]) -> bool {
    word[..24] == digest[..24]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revealed_word_keeps_the_index_and_the_digest_prefix() {
        let digest = [7u8; 32];
        let word = revealed_word(&digest, 0x0102_0304_0506_0708);
        assert_eq!(revealed_index(&word), 0x0102_0304_0506_0708);
        assert!(holds_row(&word, &digest));
        let mut other = digest;
        other[23] ^= 1;
        assert!(!holds_row(&word, &other));
        // The last 8 digest bytes are not kept.
        other = digest;
        other[31] ^= 1;
        assert!(holds_row(&word, &other));
    }

    #[test]
    fn the_row_preimage_is_the_label_word_then_the_features() {
        let pre = row_preimage(2, [[1u8; 32], [3u8; 32]]);
        assert_eq!(pre.len(), 96);
        assert_eq!(pre[31], 2);
        assert!(pre[..31].iter().all(|&b| b == 0));
        assert_eq!(&pre[32..64], &[1u8; 32]);
        assert_eq!(&pre[64..], &[3u8; 32]);
    }
}
