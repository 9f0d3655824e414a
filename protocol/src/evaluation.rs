//! Evaluations: their states, the draw, the score, the leaf's domain tag.

use core::{cmp::Ordering, ops::Range};

/// An evaluation's state, as the TaskController stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
#[repr(u8)]
pub enum EvaluationStatus {
    /// Opened, waiting for its seed.
    Committed = 1,
    /// Seed fixed: samples can be submitted.
    Drawn = 2,
    /// All samples scored, accuracy final.
    Finalized = 3,
    /// Not drawn in time: the beacon block left the [`BLOCK_HASH_WINDOW`]
    /// before anyone drew (the model stays locked out of the task), or the
    /// randomness provider did not answer within [`PROVIDER_TIMEOUT_BLOCKS`]
    /// (the lock is freed).
    Expired = 4,
}

impl EvaluationStatus {
    /// The state of a stored code, `None` for anything else (0 is "no such
    /// evaluation").
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Committed),
            2 => Some(Self::Drawn),
            3 => Some(Self::Finalized),
            4 => Some(Self::Expired),
            _ => None,
        }
    }

    /// Its code on chain.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Its name in words (as serialized): `committed`, `drawn`, `finalized`,
    /// `expired`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Committed => "committed",
            Self::Drawn => "drawn",
            Self::Finalized => "finalized",
            Self::Expired => "expired",
        }
    }
}

/// L2 blocks a task's randomness provider has to fulfil an evaluation's
/// request (about half an hour on Arbitrum One at four blocks a second). After
/// them anyone's `draw` expires the evaluation and frees the model's lock on
/// the task (the participant saw no randomness, so a new opening draws nothing
/// twice).
pub const PROVIDER_TIMEOUT_BLOCKS: u64 = 7_200;

/// Blocks whose hash ArbSys still serves: a beacon evaluation not drawn
/// within them expires.
pub const BLOCK_HASH_WINDOW: u64 = 256;

/// Domain tag of dataset leaves: ASCII `zkmltrack.leaf.v1` as a big-endian
/// integer (`leaf = H(..H(H(LEAF_DOMAIN, n + 1), x_1).., label)`).
pub const LEAF_DOMAIN: [u8; 32] = {
    let tag = *b"zkmltrack.leaf.v1";
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < tag.len() {
        out[32 - tag.len() + i] = tag[i];
        i += 1;
    }
    out
};

/// The 40 bytes hashed into an evaluation's seed: `entropy ‖ evaluationId`
/// (big-endian), where the entropy is the beacon block's hash or the
/// provider's word; the seed is their keccak-256.
pub fn seed_preimage(entropy: [u8; 32], evaluation_id: u64) -> [u8; 40] {
    let mut buf = [0u8; 40];
    buf[..32].copy_from_slice(&entropy);
    buf[32..].copy_from_slice(&evaluation_id.to_be_bytes());
    buf
}

/// The 40 bytes hashed for a slot's candidate: `seed ‖ slot ‖ attempt`
/// (big-endian).
pub fn candidate_preimage(seed: [u8; 32], slot: u32, attempt: u32) -> [u8; 40] {
    let mut buf = [0u8; 40];
    buf[..32].copy_from_slice(&seed);
    buf[32..36].copy_from_slice(&slot.to_be_bytes());
    buf[36..].copy_from_slice(&attempt.to_be_bytes());
    buf
}

/// A big-endian 256-bit value modulo `size` (> 0), limb by limb.
pub fn reduce_mod(hash: &[u8; 32], size: u64) -> u64 {
    hash.chunks_exact(8).fold(0u64, |rem, limb| {
        let limb = u64::from_be_bytes(limb.try_into().expect("8 bytes"));
        ((((rem as u128) << 64) | limb as u128) % size as u128) as u64
    })
}

/// Candidate dataset index of a slot: `keccak256(seed ‖ slot ‖ attempt) mod
/// size`; a slot whose candidate was already drawn retries with the next
/// attempt. `keccak` is the caller's keccak-256.
pub fn candidate_index(
    keccak: impl FnOnce(&[u8]) -> [u8; 32],
    seed: [u8; 32],
    slot: u32,
    attempt: u32,
    size: u64,
) -> u64 {
    reduce_mod(&keccak(&candidate_preimage(seed, slot, attempt)), size)
}

/// The dataset index slot `slot` draws: the first candidate (attempt 0, 1,
/// ...) for which `taken` is false, `taken` saying whether an index is
/// already drawn (by an earlier slot, or on a hidden task by an earlier
/// evaluation). The caller marks the index taken. Every draw (the
/// controller's, the HiddenSet's, the SDK's and the audit's) is this loop.
#[inline]
pub fn draw_slot(
    keccak: impl Fn(&[u8]) -> [u8; 32],
    seed: [u8; 32],
    slot: u32,
    size: u64,
    mut taken: impl FnMut(u64) -> bool,
) -> u64 {
    let mut attempt = 0u32;
    loop {
        let candidate = candidate_index(&keccak, seed, slot, attempt, size);
        if !taken(candidate) {
            return candidate;
        }
        attempt += 1;
    }
}

/// Parameter instances of a proof: EZKL with `param_visibility = "hashed"`
/// exposes one Poseidon hash of all the model's parameters (the version's
/// weight commitment), before the model's inputs and outputs (EZKL 23 puts
/// its hash modules' instances first; a proof's JSON shows the hash at
/// index 0, equal to its witness's `processed_params.poseidon_hash`).
pub const WEIGHT_HASHES: usize = 1;

/// Where everything sits among the public instances of a proof of `samples`
/// rows, in EZKL's order: the weight hash, every sample's inputs
/// (`features` each), then every sample's outputs (`classes` each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceLayout {
    /// Rows the proof covers.
    pub samples: usize,
    /// Features per row.
    pub features: usize,
    /// Classes (outputs) per row.
    pub classes: usize,
}

impl InstanceLayout {
    /// Instances in all (`None` on overflow).
    pub const fn count(&self) -> Option<usize> {
        let Some(per_row) = self.features.checked_add(self.classes) else {
            return None;
        };
        match self.samples.checked_mul(per_row) {
            Some(rows) => rows.checked_add(WEIGHT_HASHES),
            None => None,
        }
    }

    /// The index of the weight hash.
    pub const fn weight_hash(&self) -> usize {
        0
    }

    /// Every sample's inputs, back to back.
    pub const fn inputs(&self) -> Range<usize> {
        WEIGHT_HASHES..WEIGHT_HASHES + self.samples * self.features
    }

    /// Sample `j`'s inputs.
    pub const fn sample_inputs(&self, j: usize) -> Range<usize> {
        let from = WEIGHT_HASHES + j * self.features;
        from..from + self.features
    }

    /// Sample `j`'s outputs.
    pub const fn sample_outputs(&self, j: usize) -> Range<usize> {
        let from = self.inputs().end + j * self.classes;
        from..from + self.classes
    }
}

/// Accuracy in basis points, rounded down (0 for no samples).
pub fn accuracy_bps(correct: u32, samples: u32) -> u32 {
    (correct as u64 * 10_000 / (samples as u64).max(1)) as u32
}

/// The best possible accuracy, 100%.
pub const MAX_ACCURACY_BPS: u32 = 10_000;

/// `(p - 1) / 2` for the BN254 scalar field's `p`, big-endian: the largest
/// element EZKL's signed encoding reads as non-negative.
pub const HALF_MODULUS: [u8; 32] = [
    0x18, 0x32, 0x27, 0x39, 0x70, 0x98, 0xd0, 0x14, 0xdc, 0x28, 0x22, 0xdb, 0x40, 0xc0, 0xac, 0x2e,
    0x94, 0x19, 0xf4, 0x24, 0x3c, 0xdc, 0xb8, 0x48, 0xa1, 0xf0, 0xfa, 0xc9, 0xf8, 0x00, 0x00, 0x00,
];

/// Orders two field elements (big-endian, below the modulus) as EZKL's
/// signed values: `p - x` is `-x`, so negatives sort below non-negatives, and
/// within one sign the raw order is the signed order.
pub fn signed_cmp(a: &[u8; 32], b: &[u8; 32]) -> Ordering {
    let negative = |x: &[u8; 32]| x > &HALF_MODULUS;
    match (negative(a), negative(b)) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.cmp(b),
    }
}

/// Index of the largest output read as a signed field element, the first one
/// on ties (numpy's argmax); `None` when there is none. The predicted class.
pub fn argmax(felts: impl IntoIterator<Item = [u8; 32]>) -> Option<usize> {
    let mut best: Option<(usize, [u8; 32])> = None;
    for (i, felt) in felts.into_iter().enumerate() {
        if best.is_none_or(|(_, b)| signed_cmp(&felt, &b) == Ordering::Greater) {
            best = Some((i, felt));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keccak(data: &[u8]) -> [u8; 32] {
        use tiny_keccak::{Hasher, Keccak};
        let mut out = [0u8; 32];
        let mut k = Keccak::v256();
        k.update(data);
        k.finalize(&mut out);
        out
    }

    #[test]
    fn statuses_round_trip_their_codes() {
        for code in 1..=4 {
            assert_eq!(EvaluationStatus::from_code(code).unwrap().code(), code);
        }
        assert_eq!(EvaluationStatus::from_code(0), None);
        assert_eq!(EvaluationStatus::Expired.name(), "expired");
        assert_eq!(EvaluationStatus::from_code(5), None);
    }

    #[test]
    fn the_draw_is_the_hash_mod_size() {
        let seed = [9u8; 32];
        let hash = keccak(&candidate_preimage(seed, 3, 1));
        // Reference: the hash's low 64 bits mod a power of two.
        let low = u64::from_be_bytes(hash[24..].try_into().unwrap());
        assert_eq!(
            candidate_index(keccak, seed, 3, 1, 1 << 20),
            low % (1 << 20)
        );
        assert_eq!(reduce_mod(&[0xff; 32], 1), 0);
        // 2^256 - 1 mod 10 = 5 (2^256 ends in ...6).
        assert_eq!(reduce_mod(&[0xff; 32], 10), 5);
    }

    #[test]
    fn a_slot_draws_the_first_candidate_not_taken() {
        let seed = [4u8; 32];
        let first = candidate_index(keccak, seed, 2, 0, 10);
        assert_eq!(draw_slot(keccak, seed, 2, 10, |_| false), first);
        // Everything but one index taken: the loop retries until it finds it.
        let free = (first + 3) % 10;
        assert_eq!(draw_slot(keccak, seed, 2, 10, |c| c != free), free);
        let mut asked = 0;
        let second = draw_slot(keccak, seed, 2, 10, |c| {
            asked += 1;
            c == first
        });
        assert_ne!(second, first);
        assert_eq!(second, {
            let mut attempt = 1;
            loop {
                let c = candidate_index(keccak, seed, 2, attempt, 10);
                if c != first {
                    break c;
                }
                attempt += 1;
            }
        });
        assert!(asked >= 2);
    }

    #[test]
    fn accuracy_rounds_down() {
        assert_eq!(accuracy_bps(2, 3), 6_666);
        assert_eq!(accuracy_bps(3, 3), MAX_ACCURACY_BPS);
        assert_eq!(accuracy_bps(0, 0), 0);
    }

    #[test]
    fn argmax_reads_signed_felts_and_keeps_the_first_tie() {
        let small = |v: u8| {
            let mut w = [0u8; 32];
            w[31] = v;
            w
        };
        // p - 1 (that is -1), then 0, then 0 again: 0 wins, first of the tie.
        let mut minus_one = [
            0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81,
            0x58, 0x5d, 0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93,
            0xf0, 0x00, 0x00, 0x00,
        ];
        assert_eq!(argmax([minus_one, small(0), small(0)]), Some(1));
        minus_one[28] = 0; // (p - 1) - 0xf0000000 is negative too
        assert_eq!(argmax([small(0), minus_one]), Some(0));
        assert_eq!(argmax([HALF_MODULUS, small(5)]), Some(0));
        assert_eq!(argmax([]), None);
    }

    #[test]
    fn instances_are_the_weight_hash_then_inputs_then_outputs() {
        // Two Iris rows: the hash at 0, inputs 1..5 and 5..9, outputs 9..12
        // and 12..15.
        let layout = InstanceLayout {
            samples: 2,
            features: 4,
            classes: 3,
        };
        assert_eq!(layout.count(), Some(15));
        assert_eq!(layout.weight_hash(), 0);
        assert_eq!(layout.inputs(), 1..9);
        assert_eq!(layout.sample_inputs(1), 5..9);
        assert_eq!(layout.sample_outputs(0), 9..12);
        assert_eq!(layout.sample_outputs(1), 12..15);
        let huge = InstanceLayout {
            samples: usize::MAX,
            ..layout
        };
        assert_eq!(huge.count(), None);
    }

    #[test]
    fn the_leaf_tag_is_ascii_big_endian() {
        assert_eq!(&LEAF_DOMAIN[15..], b"zkmltrack.leaf.v1");
        assert!(LEAF_DOMAIN[..15].iter().all(|&b| b == 0));
    }
}
