//! The ModelRegistry as the other contracts and the SDK read it.
//!
//! `task(uint64)` and `version(uint64)` answer only static words, so a caller
//! decodes a field by its word index; the registry's return tuples
//! (`TaskInfo`, `VersionInfo`) are laid out in this order, and a test of the
//! registry encodes them and checks every index below.

/// `paused()` selector.
pub const PAUSED: [u8; 4] = [0x5c, 0x97, 0x5a, 0xbb];
/// `task(uint64)` selector.
pub const TASK: [u8; 4] = [0x63, 0xcb, 0xcb, 0x4f];
/// `version(uint64)` selector.
pub const VERSION: [u8; 4] = [0x57, 0x54, 0x73, 0x2c];
/// `submissionContext(uint64,uint64)` selector.
pub const SUBMISSION_CONTEXT: [u8; 4] = [0x83, 0xc8, 0xd0, 0xde];

/// Word indices of the `task(uint64)` answer.
pub mod task {
    /// Task owner (address).
    pub const OWNER: usize = 0;
    /// Poseidon Merkle root of the evaluation dataset (bytes32).
    pub const ROOT: usize = 1;
    /// Rows in the dataset (uint64).
    pub const SIZE: usize = 2;
    /// Features per row (uint32).
    pub const FEATURES: usize = 3;
    /// Classes (uint32).
    pub const CLASSES: usize = 4;
    /// Fixed-point scale of the features (uint32).
    pub const SCALE: usize = 5;
    /// Samples per evaluation (uint32).
    pub const SAMPLES: usize = 6;
    /// Blocks between an opening and its beacon block (uint32).
    pub const DRAW_DELAY: usize = 7;
    /// Randomness provider, zero for the block-hash beacon (address).
    pub const RANDOMNESS: usize = 8;
    /// Closed to new evaluations (bool).
    pub const CLOSED: usize = 9;
    /// Hidden (publishes only its root; its randomness provider, a
    /// HiddenSet, holds the draw back until the owner reveals the rows).
    pub const HIDDEN: usize = 10;
    /// Words in the answer.
    pub const WORDS: usize = 11;
}

/// Word indices of the `version(uint64)` answer.
pub mod version {
    /// Lineage (uint64).
    pub const LINEAGE: usize = 0;
    /// Number within the lineage (uint32).
    pub const NUMBER: usize = 1;
    /// Submitter (address).
    pub const SUBMITTER: usize = 2;
    /// keccak256 of the ONNX file (bytes32).
    pub const ONNX_HASH: usize = 3;
    /// Weight commitment: EZKL's Poseidon hash of the model's parameters, the
    /// proof's one parameter instance (bytes32, a field element).
    pub const WEIGHT_HASH: usize = 4;
    /// Verifying-key digest of the version's architecture route (bytes32).
    pub const VK_DIGEST: usize = 5;
    /// Verifier route, the architecture (uint64).
    pub const ROUTE: usize = 6;
    /// Registration timestamp (uint64).
    pub const REGISTERED_AT: usize = 7;
    /// Non-zero once revoked (bool).
    pub const REVOKED: usize = 8;
    /// Words in the answer.
    pub const WORDS: usize = 9;
}

/// Word indices of the `submissionContext(uint64,uint64)` answer: whether the
/// suite is paused, then the task's words and the version's, each as
/// `task(uint64)` and `version(uint64)` answer them (zero words for an
/// unknown id): what the controller reads in one call when it opens an
/// evaluation or takes a submission, instead of three.
pub mod context {
    /// Non-zero while the suite is paused (bool).
    pub const PAUSED: usize = 0;
    /// The first of the task's words (see [`super::task`]).
    pub const TASK: usize = 1;
    /// The first of the version's words (see [`super::version`]).
    pub const VERSION: usize = TASK + super::task::WORDS;
    /// Words in the answer.
    pub const WORDS: usize = VERSION + super::version::WORDS;
}

/// Calldata of `submissionContext(task_id, version_id)`.
pub fn context_calldata(task_id: u64, version_id: u64) -> [u8; 68] {
    let mut calldata = [0u8; 68];
    calldata[..36].copy_from_slice(&crate::call_with_u64(SUBMISSION_CONTEXT, task_id));
    calldata[36..].copy_from_slice(&crate::u64_word(version_id));
    calldata
}

/// Calldata of `task(task_id)`.
pub fn task_calldata(task_id: u64) -> [u8; 36] {
    crate::call_with_u64(TASK, task_id)
}

/// Calldata of `version(version_id)`.
pub fn version_calldata(version_id: u64) -> [u8; 36] {
    crate::call_with_u64(VERSION, version_id)
}

/// The registry's limits on a task's parameters (`createTask`).
pub mod limits {
    /// Most features per row.
    pub const MAX_FEATURES: u32 = 256;
    /// Fewest classes.
    pub const MIN_CLASSES: u32 = 2;
    /// Most classes (labels run from 0 to `MAX_CLASSES - 1`).
    pub const MAX_CLASSES: u32 = 256;
    /// Largest fixed-point scale (bits).
    pub const MAX_SCALE: u32 = 64;
    /// Most samples an evaluation may draw (and never more than the rows).
    pub const MAX_SAMPLES: u32 = 1024;
    /// Largest draw delay (blocks): the beacon block's hash must stay within
    /// ArbSys' window of [`crate::evaluation::BLOCK_HASH_WINDOW`] blocks.
    pub const MAX_DRAW_DELAY: u32 = crate::evaluation::BLOCK_HASH_WINDOW as u32 - 1;
}

/// Codes of the task parameter an `InvalidTaskParameter(uint8)` revert names.
pub mod parameter {
    /// The root is zero or not a field element.
    pub const ROOT: u8 = 1;
    /// The dataset size is zero.
    pub const DATASET_SIZE: u8 = 2;
    /// The feature count is 0 or above [`super::limits::MAX_FEATURES`].
    pub const FEATURE_COUNT: u8 = 3;
    /// The class count is outside [`super::limits::MIN_CLASSES`] to
    /// [`super::limits::MAX_CLASSES`].
    pub const CLASS_COUNT: u8 = 4;
    /// The scale is above [`super::limits::MAX_SCALE`].
    pub const SCALE: u8 = 5;
    /// The sample count is 0, above the dataset size or above
    /// [`super::limits::MAX_SAMPLES`].
    pub const SAMPLES: u8 = 6;
    /// The draw delay is 0 or above [`super::limits::MAX_DRAW_DELAY`].
    pub const DRAW_DELAY: u8 = 7;
    /// A hidden task names no randomness provider (its HiddenSet).
    pub const RANDOMNESS: u8 = 8;

    /// What a code names, in words with its limit.
    pub const fn describe(code: u8) -> &'static str {
        match code {
            ROOT => "dataset root (zero or not a field element)",
            DATASET_SIZE => "dataset size (zero)",
            FEATURE_COUNT => "feature count (0 or above 256)",
            CLASS_COUNT => "class count (below 2 or above 256)",
            SCALE => "scale (above 64 bits)",
            SAMPLES => "sample count (0, above the dataset size or above 1024)",
            DRAW_DELAY => "draw delay (0 or above 255 blocks)",
            RANDOMNESS => "randomness provider (a hidden task needs its HiddenSet)",
            _ => "unknown parameter",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{limits::*, parameter::describe};

    #[test]
    fn descriptions_name_the_limits() {
        extern crate alloc;
        use alloc::format;
        assert!(describe(3).contains(&format!("{MAX_FEATURES}")));
        assert!(describe(4).contains(&format!("{MIN_CLASSES}")));
        assert!(describe(4).contains(&format!("{MAX_CLASSES}")));
        assert!(describe(5).contains(&format!("{MAX_SCALE}")));
        assert!(describe(6).contains(&format!("{MAX_SAMPLES}")));
        assert!(describe(7).contains(&format!("{MAX_DRAW_DELAY}")));
        assert_eq!(describe(0), "unknown parameter");
        assert!(describe(8).contains("hidden"));
        assert_eq!(describe(9), "unknown parameter");
    }
}
