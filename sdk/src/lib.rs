//! # zkMLTrack SDK
//!
//! Off-chain half of zkMLTrack, verifiable ML model versioning on Arbitrum:
//! dataset hashing compatible with the on-chain contracts (this release), with
//! the EZKL prover, dataset quantization and the chain client to follow.
//!
//! - [`dataset`]: CSV datasets quantized as EZKL quantizes inputs, with their Merkle trees;
//! - [`hashing`]: circom-compatible Poseidon, dataset leaves and `rs_merkle` trees.
//! - [`prover`]: the EZKL pipeline (settings, calibration, keys, proofs, verification);
//! - [`python`]: the project-managed Python environment running the pinned `ezkl`;
//! - [`solc`]: the project-managed Solidity compiler (npm solc) and EZKL's svm shim;
//! - [`stylus`]: packaging compiled Stylus programs (prefix, brotli) and their size limits.
#![warn(missing_docs)]

pub mod dataset;
pub mod hashing;
pub mod prover;
pub mod python;
pub mod solc;
pub mod stylus;
