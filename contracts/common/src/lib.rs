//! Helpers shared by the zkMLTrack Stylus contracts, `no_std` and allocation-free:
//!
//! - [`field`]: BN254 scalar field arithmetic ([`field::Fe`], and the
//!   29-bit-limb form [`field::limb29`] that hashing runs on, tuned for Stylus ink);
//! - [`poseidon`]: circom-compatible Poseidon for one and two inputs;
//! - [`merkle`]: `rs_merkle`-compatible Merkle path evaluation;
//! - [`felt`]: EZKL's signed fixed-point encoding (`p - x` for negatives), argmax;
//! - [`leaf_hash`]: the dataset leaf of a row (quantized features and label).
//!
//! The off-chain SDK (`zkmltrack::hashing`) is the reference; `vectors.json`,
//! generated from it, pins both to identical results.
#![no_std]
#![warn(missing_docs)]

pub mod felt;
pub mod field;
pub mod merkle;
pub mod poseidon;

use field::{limb29::Fe29, Fe};

/// Domain tag of dataset leaves: ASCII `zkmltrack.leaf.v1` as a big-endian integer.
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

/// The leaf of one dataset row: `acc = H(LEAF_DOMAIN, n + 1)`, then
/// `acc = H(acc, x)` for each feature `x`, and finally `H(acc, label)`.
///
/// `feature_count` is `n`; `features` must yield exactly `n` elements.
pub fn leaf_hash(feature_count: usize, features: impl Iterator<Item = Fe>, label: Fe) -> Fe {
    leaf_hash_from(&leaf_prefix(feature_count), features, label)
}

/// `H(LEAF_DOMAIN, n + 1)`, the start every leaf of rows with `n` features
/// shares: a caller checking many rows hashes it once ([`leaf_hash_from`]).
pub fn leaf_prefix(feature_count: usize) -> Fe29 {
    let count = Fe29::from_words(&[feature_count as u64 + 1, 0, 0, 0]);
    poseidon::hash2_29(&LEAF_DOMAIN_29, &count)
}

/// [`leaf_hash`] from the row width's [`leaf_prefix`].
pub fn leaf_hash_from(prefix: &Fe29, features: impl Iterator<Item = Fe>, label: Fe) -> Fe {
    let mut acc = *prefix;
    for feature in features {
        acc = poseidon::hash2_29(&acc, &Fe29::from_fe(&feature));
    }
    poseidon::hash2_29(&acc, &Fe29::from_fe(&label)).to_fe()
}

/// [`LEAF_DOMAIN`] as a [`Fe29`] (a 17-byte tag, below the modulus).
const LEAF_DOMAIN_29: Fe29 = {
    let mut words = [0u64; 4];
    let mut i = 0;
    while i < 32 {
        words[(31 - i) / 8] |= (LEAF_DOMAIN[i] as u64) << (8 * ((31 - i) % 8));
        i += 1;
    }
    Fe29::from_words(&words)
};

/// Implements the governance surface every zkMLTrack contract shares, for a
/// contract struct with `ownable: Ownable2Step` and `pausable: Pausable` fields
/// and an `Error` enum with `UnauthorizedAccount`, `InvalidOwner`,
/// `EnforcedPause` and `ExpectedPause` variants:
///
/// - `From` conversions from the OpenZeppelin errors into that `Error`;
/// - the public `IOwnable2Step` (two-step ownership transfer) and `IPausable`
///   (`paused()`) entrypoints, delegated to the OpenZeppelin components.
///
/// The contract lists both traits in its `#[implements(..)]` and exposes its own
/// owner-only `pause`/`unpause`.
#[macro_export]
macro_rules! governance {
    ($contract:ty, $error:ident) => {
        impl From<openzeppelin_stylus::access::ownable::Error> for $error {
            fn from(err: openzeppelin_stylus::access::ownable::Error) -> Self {
                match err {
                    openzeppelin_stylus::access::ownable::Error::UnauthorizedAccount(e) => {
                        $error::UnauthorizedAccount(e)
                    }
                    openzeppelin_stylus::access::ownable::Error::InvalidOwner(e) => {
                        $error::InvalidOwner(e)
                    }
                }
            }
        }

        impl From<openzeppelin_stylus::utils::pausable::Error> for $error {
            fn from(err: openzeppelin_stylus::utils::pausable::Error) -> Self {
                match err {
                    openzeppelin_stylus::utils::pausable::Error::EnforcedPause(e) => {
                        $error::EnforcedPause(e)
                    }
                    openzeppelin_stylus::utils::pausable::Error::ExpectedPause(e) => {
                        $error::ExpectedPause(e)
                    }
                }
            }
        }

        #[stylus_sdk::prelude::public]
        impl openzeppelin_stylus::access::ownable_two_step::IOwnable2Step for $contract {
            type Error = $error;

            fn owner(&self) -> alloy_primitives::Address {
                self.ownable.owner()
            }

            fn pending_owner(&self) -> alloy_primitives::Address {
                self.ownable.pending_owner()
            }

            fn transfer_ownership(
                &mut self,
                new_owner: alloy_primitives::Address,
            ) -> Result<(), $error> {
                Ok(self.ownable.transfer_ownership(new_owner)?)
            }

            fn accept_ownership(&mut self) -> Result<(), $error> {
                Ok(self.ownable.accept_ownership()?)
            }

            /// Refused while paused: an owner-less paused contract could never resume.
            fn renounce_ownership(&mut self) -> Result<(), $error> {
                self.pausable.when_not_paused()?;
                Ok(self.ownable.renounce_ownership()?)
            }
        }

        #[stylus_sdk::prelude::public]
        impl openzeppelin_stylus::utils::pausable::IPausable for $contract {
            fn paused(&self) -> bool {
                self.pausable.paused()
            }
        }
    };
}

/// L2 blocks a task's randomness provider has to fulfil an evaluation's
/// request (about half an hour on Arbitrum One at four blocks a second). After
/// them anyone's `draw` expires the evaluation and frees the model's lock on
/// the task (the participant saw no randomness, so a new opening draws nothing
/// twice). Shared by the TaskController and the SDK.
pub const PROVIDER_TIMEOUT_BLOCKS: u64 = 7_200;

/// ModelRegistry `version(uint64)` selector. The answer is eight static
/// words: lineage, number, submitter, ONNX hash, VK digest, route,
/// registered at, revoked (the word [`VERSION_REVOKED_WORD`]).
pub const REGISTRY_VERSION: [u8; 4] = [0x57, 0x54, 0x73, 0x2c];
/// Words in the ModelRegistry's `version(uint64)` answer.
pub const VERSION_WORDS: usize = 8;
/// Word of the `version(uint64)` answer that is non-zero once revoked.
pub const VERSION_REVOKED_WORD: usize = 7;

/// Calldata of ModelRegistry `version(version_id)`.
pub fn version_calldata(version_id: u64) -> [u8; 36] {
    let mut calldata = [0u8; 36];
    calldata[..4].copy_from_slice(&REGISTRY_VERSION);
    calldata[28..].copy_from_slice(&version_id.to_be_bytes());
    calldata
}

/// Word `i` of ABI-encoded return data (big-endian), or zero when it is shorter.
pub fn word(data: &[u8], i: usize) -> alloy_primitives::U256 {
    data.get(32 * i..32 * i + 32)
        .map(alloy_primitives::U256::from_be_slice)
        .unwrap_or_default()
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

/// Aborts the program on panic. A Stylus program is a `no_std` WASM binary and
/// must bring its own handler; the `panic-handler` feature provides this one
/// (a trap, which the chain turns into a revert with empty data).
#[cfg(all(feature = "panic-handler", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
