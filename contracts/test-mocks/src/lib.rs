//! Stand-ins shared by the contracts' motsu unit tests. Unit tests only: real
//! EZKL verifiers are exercised by the verifier-gen and end-to-end tests.
#![cfg_attr(not(test), no_std)]
extern crate alloc;

use alloc::{vec, vec::Vec};

use alloy_primitives::keccak256;

use alloy_primitives::{B256, U256};
use stylus_sdk::{abi::Bytes, prelude::*, storage::StorageBool};

/// EZKL reusable verifier stand-in: `registerVka` is recorded, `verifyProof`
/// accepts exactly the proof `[1]` and reverts otherwise (as EZKL's does).
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

    /// Accepts the proof `[1]`.
    #[selector(name = "verifyProof")]
    pub fn verify_proof(
        &self,
        proof: Bytes,
        _instances: Vec<U256>,
        _vka: Vec<B256>,
    ) -> Result<bool, Vec<u8>> {
        if proof.0 == [1u8] {
            Ok(true)
        } else {
            Err(Vec::new())
        }
    }
}

/// A small stand-in VKA (two words) for routes in unit tests.
pub fn vka() -> Vec<B256> {
    vec![B256::repeat_byte(7), B256::repeat_byte(9)]
}

/// Its digest: keccak256 of the words packed end to end, as EZKL computes it.
pub fn vka_digest() -> B256 {
    keccak256([[7u8; 32], [9u8; 32]].concat())
}
