//! Stand-ins shared by the contracts' motsu unit tests, and the 8-leaf tree of
//! the shared vectors they submit rows of ([`VectorTree`]). Unit tests only:
//! real EZKL verifiers are exercised by the verifier-gen and end-to-end tests.
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::keccak256;

use alloy_primitives::{Address, B256, U256, U64};
use stylus_sdk::{
    abi::Bytes,
    call::RawCall,
    prelude::*,
    storage::{StorageBool, StorageU256, StorageU64},
};

/// EZKL reusable verifier stand-in: `registerVka` is recorded, `verifyProof`
/// accepts a proof whose first byte is 1 and reverts otherwise (as EZKL's
/// does). The router lets through only proofs of [`MOCK_PROOF_LEN`] bytes,
/// the length [`vka`]'s header gives: see [`mock_proof`].
#[storage]
pub struct MockVerifier {
    /// Whether a VKA was registered.
    registered: StorageBool,
}

unsafe impl TopLevelStorage for MockVerifier {}

#[public]
impl MockVerifier {
    /// Records the registration; returns a zero digest.
    pub fn register_vka(&mut self, _vka: Vec<B256>) -> B256 {
        self.registered.set(true);
        B256::ZERO
    }

    /// Accepts a proof whose first byte is 1.
    #[selector(name = "verifyProof")]
    pub fn verify_proof(
        &self,
        proof: Bytes,
        _instances: Vec<U256>,
        _vka: Vec<B256>,
    ) -> Result<bool, Vec<u8>> {
        if proof.0.first() == Some(&1) {
            Ok(true)
        } else {
            Err(Vec::new())
        }
    }
}

/// ArbSys stand-in: a settable L2 block number, hash(n) = keccak256(n), or
/// reverting hash queries once `fail_hashes` is set.
#[storage]
pub struct MockArbSys {
    block: StorageU256,
    fail_hashes: StorageBool,
}

unsafe impl TopLevelStorage for MockArbSys {}

#[public]
impl MockArbSys {
    /// Sets the L2 block number.
    pub fn set_block(&mut self, block: U256) {
        self.block.set(block);
    }

    /// The L2 block number.
    pub fn arb_block_number(&self) -> U256 {
        self.block.get()
    }

    /// Makes hash queries revert (or answer again).
    pub fn set_fail_hashes(&mut self, fail: bool) {
        self.fail_hashes.set(fail);
    }

    /// `keccak256(block)`, or a revert without data once `fail_hashes` is set.
    pub fn arb_block_hash(&self, block: U256) -> Result<B256, Vec<u8>> {
        if self.fail_hashes.get() {
            return Err(vec![]);
        }
        Ok(keccak256(block.to_be_bytes::<32>()))
    }
}

/// Upstream randomness provider stand-in (what a VrfProvider is to a
/// HiddenSet): records the last evaluation asked for, and answers only when
/// told to (`answer`), as a VRF network would later.
#[storage]
pub struct MockUpstream {
    requested: StorageU64,
}

unsafe impl TopLevelStorage for MockUpstream {}

#[public]
impl MockUpstream {
    /// Records the request.
    pub fn request_randomness(&mut self, evaluation_id: u64) {
        self.requested.set(U64::from(evaluation_id));
    }

    /// The last evaluation asked for (0: none).
    pub fn requested(&self) -> u64 {
        self.requested.get().to()
    }

    /// Calls `consumer.fulfillRandomness(evaluation_id, word)`; its revert data as it is.
    pub fn answer(
        &mut self,
        consumer: Address,
        evaluation_id: u64,
        word: U256,
    ) -> Result<(), Vec<u8>> {
        // fulfillRandomness(uint64,uint256)
        let mut calldata = keccak256("fulfillRandomness(uint64,uint256)")[..4].to_vec();
        calldata.extend_from_slice(&U256::from(evaluation_id).to_be_bytes::<32>());
        calldata.extend_from_slice(&word.to_be_bytes::<32>());
        unsafe { RawCall::new().call(consumer, &calldata) }?;
        Ok(())
    }
}

/// Bytes of a proof for [`vka`]: one commitment, no evaluations, the opening.
pub const MOCK_PROOF_LEN: usize = 0xc0;

/// A stand-in proof of [`MOCK_PROOF_LEN`] bytes of `byte` ([`MockVerifier`]
/// accepts it when `byte` is 1).
pub fn mock_proof(byte: u8) -> Bytes {
    Bytes(vec![byte; MOCK_PROOF_LEN])
}

/// A stand-in VKA for routes in unit tests: words of `0x07..`, the G2 words of
/// [`trusted_srs`] where EZKL's reusable verifier reads them, and a header
/// (evaluations, quotient pointers, one phase of one commitment) whose proof
/// length is [`MOCK_PROOF_LEN`].
pub fn vka() -> Vec<B256> {
    use zkmltrack_common::protocol::router::vka as header;
    let mut words = vec![B256::repeat_byte(7); 16];
    words.extend(trusted_srs());
    words.resize(header::PHASES + 1, B256::repeat_byte(7));
    let word = |v: u64| B256::from(U256::from(v));
    words[header::NUM_EVALS] = word(0);
    words[header::LAST_QUOTIENT] = word(header::PROOF_OFFSET);
    words[header::FIRST_QUOTIENT] = word(header::PROOF_OFFSET);
    // One packed word: one phase of 0x40 commitment bytes and one challenge.
    words[header::PHASES] = word(1 | (0x40 | 1 << 16) << 8);
    words
}

/// The G2 words the unit tests pin as the trusted SRS.
pub fn trusted_srs() -> [B256; 8] {
    [B256::repeat_byte(9); 8]
}

/// Another model's stand-in VKA: [`vka`] with its first word set to `k`.
pub fn vka_of(k: u64) -> Vec<B256> {
    let mut words = vka();
    words[0] = B256::from(U256::from(k));
    words
}

/// [`vka`]'s digest: keccak256 of the words packed end to end, as EZKL computes it.
pub fn vka_digest() -> B256 {
    keccak256(vka().concat())
}

/// The 8-leaf tree of `zkmltrack-common`'s shared vectors (`vectors.json`,
/// generated from the SDK's reference crates): row `i` is [`vector_row`].
pub struct VectorTree {
    /// Its root.
    pub root: B256,
    /// Each leaf's path (sibling hashes, bottom-up).
    pub paths: Vec<Vec<B256>>,
}

impl VectorTree {
    /// Reads the tree from the vectors (parses the JSON: callers that need it
    /// often keep it).
    pub fn load() -> VectorTree {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../common/vectors.json"))
                .expect("vectors.json parses");
        let tree = vectors["trees"]
            .as_array()
            .expect("trees")
            .iter()
            .find(|t| t["leaves_count"] == 8)
            .expect("an 8-leaf tree");
        let word =
            |v: &serde_json::Value| v.as_str().expect("hex").parse::<B256>().expect("32 bytes");
        VectorTree {
            root: word(&tree["root"]),
            paths: tree["proofs"]
                .as_array()
                .expect("proofs")
                .iter()
                .map(|p| {
                    p["hashes"]
                        .as_array()
                        .expect("hashes")
                        .iter()
                        .map(word)
                        .collect()
                })
                .collect(),
        }
    }

    /// The multi-proof of rows `indices` (any order), read from the single
    /// paths: the tree is full, so node `i` of layer `k` is entry `k` of leaf
    /// `(i ^ 1) << k`'s path. `None` for no rows or a row twice.
    pub fn multiproof(&self, indices: &[u64]) -> Option<Vec<B256>> {
        let mut nodes: Vec<(u64, ())> = indices.iter().map(|&i| (i, ())).collect();
        let mut proof = Vec::new();
        zkmltrack_common::merkle::multiproof_nodes(&mut nodes, 8, |layer, index| {
            proof.push(self.paths[((index ^ 1) << layer) as usize][layer as usize])
        })
        .ok()?;
        Some(proof)
    }
}

/// Row `i` of the vector tree: features `[i, -3i-1]`, label `i mod 3`.
pub fn vector_row(i: u64) -> ([U256; 2], u32) {
    (
        [
            zkmltrack_common::felt::from_i128(i as i128),
            zkmltrack_common::felt::from_i128(-3 * i as i128 - 1),
        ],
        (i % 3) as u32,
    )
}
