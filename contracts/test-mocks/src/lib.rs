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

/// A stand-in VKA for routes in unit tests: 16 words of `0x07..`, then the
/// G2 words of [`trusted_srs`] where EZKL's reusable verifier reads them.
pub fn vka() -> Vec<B256> {
    let mut words = vec![B256::repeat_byte(7); 16];
    words.extend(trusted_srs());
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
