//! # zkMLTrack SDK
//!
//! Off-chain half of zkMLTrack, verifiable ML model versioning on Arbitrum:
//! dataset hashing compatible with the on-chain contracts (this release), with
//! the EZKL prover, dataset quantization and the chain client to follow.
//!
//! - [`hashing`]: circom-compatible Poseidon, dataset leaves and `rs_merkle` trees.
//! - [`stylus`]: packaging compiled Stylus programs (prefix, brotli) and their size limits.
#![warn(missing_docs)]

pub mod hashing;
pub mod stylus;
