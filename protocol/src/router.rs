//! The VerifierRouter's route kinds and the VKA words it pins.

/// How a route verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
#[repr(u8)]
pub enum RouteKind {
    /// EZKL's reusable verifier; the VKA stored as a data contract's code.
    ReusableStored = 1,
    /// EZKL's reusable verifier; the VKA passed with each verification.
    ReusableCalldata = 2,
    /// A plain per-model verifier (its key in its code).
    Plain = 3,
}

impl RouteKind {
    /// The kind of a stored code, `None` for anything else.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::ReusableStored),
            2 => Some(Self::ReusableCalldata),
            3 => Some(Self::Plain),
            _ => None,
        }
    }

    /// Its code on chain.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Whether it verifies with EZKL's reusable verifier (and so carries a VKA).
    pub const fn is_reusable(self) -> bool {
        matches!(self, Self::ReusableStored | Self::ReusableCalldata)
    }

    /// A short human description.
    pub const fn describe(self) -> &'static str {
        match self {
            Self::ReusableStored => "reusable verifier, stored VKA",
            Self::ReusableCalldata => "reusable verifier, calldata VKA",
            Self::Plain => "plain verifier",
        }
    }
}

/// Route kind code: reusable verifier, VKA stored as a data contract's code.
pub const KIND_REUSABLE_STORED: u8 = RouteKind::ReusableStored.code();
/// Route kind code: reusable verifier, VKA passed with each verification.
pub const KIND_REUSABLE_CALLDATA: u8 = RouteKind::ReusableCalldata.code();
/// Route kind code: plain per-model verifier (key in its code).
pub const KIND_PLAIN: u8 = RouteKind::Plain.code();

/// The VKA words an EZKL 23 reusable verifier reads the pairing's G2 points
/// from (the G2 generator, then the SRS's `[τ]G2`). The router pins them, so
/// a VKA made with an SRS whose trapdoor the model owner knows is refused.
pub const SRS_WORDS: core::ops::Range<usize> = 16..24;

/// The G2 words of the SRS a VKA (as 32-byte words) was made with, or `None`
/// for a VKA too short to hold them.
pub fn vka_srs_words<W: Copy>(vka: &[W]) -> Option<[W; 8]> {
    vka.get(SRS_WORDS)?.try_into().ok()
}

/// Word layout of an EZKL 23 VKA header, as far as the proof's length goes
/// (ezkl-verifier `a518a91`, the reusable verifier the suite allow-lists; its
/// code hash pins the layout).
pub mod vka {
    /// Number of 32-byte evaluations in the proof.
    pub const NUM_EVALS: usize = 3;
    /// Calldata pointer of the last quotient commitment (the proof at 0x84).
    pub const LAST_QUOTIENT: usize = 24;
    /// Calldata pointer of the first quotient commitment.
    pub const FIRST_QUOTIENT: usize = 25;
    /// First word of the packed per-phase commitment bytes and challenge counts.
    pub const PHASES: usize = 33;
    /// Where the reusable verifier's checks expect the proof in calldata.
    pub const PROOF_OFFSET: u64 = 0x84;
    /// Bytes of the KZG opening after the evaluations (SHPLONK: W and W').
    pub const OPENING_BYTES: u64 = 0x80;
    /// The verifier masks calldata pointers to 16 bits.
    pub const POINTER_LIMIT: u64 = 0x1_0000;
}

/// The exact length in bytes of a proof for this VKA: what EZKL 23's reusable
/// verifier reads (commitments, evaluations, the opening) and nothing more,
/// the same value the plain verifier compares with `proof.length`. The
/// reusable verifier ignores bytes past that length, so the router refuses
/// any other length. Computed two ways that must agree: from the transcript's
/// per-phase commitment bytes, and from the quotient pointers its checks read;
/// `None` for a header where they do not (or that is too short). `word(i)`
/// is the VKA's word `i` (callers index their own word type).
pub fn vka_proof_len(word: impl Fn(usize) -> Option<[u8; 32]>) -> Option<usize> {
    let small = |i: usize| -> Option<u64> {
        let w = word(i)?;
        if w[..24].iter().any(|&b| b != 0) {
            return None;
        }
        Some(u64::from_be_bytes(w[24..].try_into().ok()?))
    };
    let num_evals = small(vka::NUM_EVALS)?;
    let last_quotient = small(vka::LAST_QUOTIENT)?;
    let first_quotient = small(vka::FIRST_QUOTIENT)?;
    // Word PHASES: its low byte counts the packed words; then 24-bit entries,
    // low first (16 bits of commitment bytes, 8 bits of challenges), starting
    // at bit 8 of the first word and bit 0 of the others.
    let packed = word(vka::PHASES)?[31] as usize;
    if packed == 0 || packed > 10 {
        return None;
    }
    // Bit `n` of a big-endian word, counted from its least significant end.
    let bit = |word: &[u8; 32], n: usize| ((word[31 - n / 8] >> (n % 8)) & 1) as u64;
    let (mut commitments, mut last_phase) = (0u64, 0u64);
    for i in 0..packed {
        let word = &word(vka::PHASES + i)?;
        // Entries run while any bit is left (the verifier's own loop bound),
        // that is up to the word's highest set bit.
        let Some(top) = (0..256).rev().find(|&n| bit(word, n) == 1) else {
            continue;
        };
        let mut from = if i == 0 { 8 } else { 0 };
        while from <= top {
            let bytes: u64 = (0..16)
                .filter(|k| from + k < 256)
                .map(|k| bit(word, from + k) << k)
                .sum();
            commitments += bytes;
            last_phase = bytes;
            from += 24;
        }
    }
    let evals = 0x20u64.checked_mul(num_evals)?;
    let read = commitments
        .checked_add(evals)?
        .checked_add(vka::OPENING_BYTES)?;
    let addressed = (last_quotient + 0x40)
        .checked_sub(vka::PROOF_OFFSET)?
        .checked_add(evals)?
        .checked_add(vka::OPENING_BYTES)?;
    let consistent = read == addressed
        && commitments % 0x40 == 0
        && last_phase > 0
        && first_quotient.checked_add(last_phase) == last_quotient.checked_add(0x40)
        && vka::PROOF_OFFSET + read <= vka::POINTER_LIMIT;
    consistent.then_some(read as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header of the Iris MLP's VKA (157 words, 3,072-byte proofs):
    /// 48 evaluations, quotients at 0x504..0x5c4, phases of 0x180, 0x100,
    /// 0x200 and 0x100 commitment bytes with 1, 2, 1 and 1 challenges.
    fn iris_header() -> [[u8; 32]; 34] {
        let mut words = [[0u8; 32]; 34];
        let set = |w: &mut [u8; 32], v: u64| w[24..].copy_from_slice(&v.to_be_bytes());
        set(&mut words[vka::NUM_EVALS], 48);
        set(&mut words[vka::LAST_QUOTIENT], 0x5c4);
        set(&mut words[vka::FIRST_QUOTIENT], 0x504);
        // 1 packed word; entries (bytes | challenges << 16) from bit 8.
        let entries = [(0x180u64, 1u64), (0x100, 2), (0x200, 1), (0x100, 1)];
        let mut value: u128 = 1;
        for (k, (bytes, challenges)) in entries.iter().enumerate() {
            value |= ((bytes | challenges << 16) as u128) << (8 + 24 * k);
        }
        words[vka::PHASES][16..].copy_from_slice(&value.to_be_bytes());
        words
    }

    fn len(words: &[[u8; 32]]) -> Option<usize> {
        vka_proof_len(|i| words.get(i).copied())
    }

    #[test]
    fn the_proof_length_comes_from_the_vka_header() {
        assert_eq!(len(&iris_header()), Some(3072));
        // Pointers that claim a longer proof than the transcript reads.
        let mut longer = iris_header();
        longer[vka::LAST_QUOTIENT][24..].copy_from_slice(&(0x5c4u64 + 0x40).to_be_bytes());
        assert_eq!(len(&longer), None);
        // No packed phases, or a short VKA.
        let mut empty = iris_header();
        empty[vka::PHASES] = [0; 32];
        assert_eq!(len(&empty), None);
        assert_eq!(len(&iris_header()[..33]), None);
        // A word with high bytes set is not a count.
        let mut huge = iris_header();
        huge[vka::NUM_EVALS][0] = 1;
        assert_eq!(len(&huge), None);
    }

    #[test]
    fn kinds_round_trip_their_codes() {
        for kind in [
            RouteKind::ReusableStored,
            RouteKind::ReusableCalldata,
            RouteKind::Plain,
        ] {
            assert_eq!(RouteKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(RouteKind::from_code(0), None);
        assert_eq!(RouteKind::from_code(4), None);
        assert_eq!(vka_srs_words(&[0u8; 23]), None);
        assert_eq!(vka_srs_words(&[7u8; 24]), Some([7u8; 8]));
    }
}
