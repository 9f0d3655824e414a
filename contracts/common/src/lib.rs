//! Helpers shared by the zkMLTrack Stylus contracts, `no_std` and allocation-free:
//!
//! - [`field`]: BN254 scalar field arithmetic ([`field::Fe`], and the
//!   29-bit-limb form [`field::limb29`] that hashing runs on, tuned for Stylus ink);
//! - [`poseidon`]: circom-compatible Poseidon for one and two inputs;
//! - [`merkle`]: `rs_merkle`-compatible Merkle path evaluation;
//! - [`felt`]: EZKL's signed fixed-point encoding (`p - x` for negatives), argmax;
//! - [`leaf_hash`]: the dataset leaf of a row (quantized features and label);
//! - [`word`]: an ABI answer's word as a `U256`.
//!
//! The facts the contracts share with the SDK and the devnet (answer layouts,
//! selectors, statuses, constants, the draw, accuracy and argmax) live in
//! `zkmltrack-protocol`, re-exported here as [`protocol`].
//!
//! The off-chain SDK (`zkmltrack::hashing`) is the reference; `vectors.json`,
//! generated from it, pins both to identical results.
#![no_std]
#![warn(missing_docs)]

pub mod felt;
pub mod field;
pub mod merkle;
pub mod poseidon;

pub use zkmltrack_protocol as protocol;
pub use zkmltrack_protocol::{evaluation::LEAF_DOMAIN, id_index, is_contract_codehash};

use field::{limb29::Fe29, Fe};

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

/// Word `i` of ABI-encoded return data (big-endian), or zero when it is shorter.
pub fn word(data: &[u8], i: usize) -> alloy_primitives::U256 {
    zkmltrack_protocol::word(data, i)
        .map(alloy_primitives::U256::from_be_bytes)
        .unwrap_or_default()
}

/// Aborts the program on panic. A Stylus program is a `no_std` WASM binary and
/// must bring its own handler; the `panic-handler` feature provides this one
/// (a trap, which the chain turns into a revert with empty data).
#[cfg(all(feature = "panic-handler", target_arch = "wasm32"))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
