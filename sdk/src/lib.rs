//! # zkMLTrack SDK
//!
//! Off-chain half of zkMLTrack, verifiable ML model versioning on Arbitrum.
//!
//! - [`audit`]: a task's leaderboard recomputed from chain data alone (proofs re-verified in
//!   an EVM of the auditor's own);
//! - [`chain`]: an alloy connection to any RPC endpoint; deploys Stylus programs,
//!   EVM verifiers and VKA data contracts; reverts decoded into words;
//! - [`suite`]: the contract suite as typed calls (tasks, versions, evaluations,
//!   leaderboards, governance) and its deployment file;
//! - [`evaluation`]: the participant's side of commit-draw-submit, end to end;
//! - [`dataset`]: CSV datasets quantized as EZKL quantizes inputs, with their Merkle trees;
//! - [`quantize`]: EZKL's input quantization rule, bit for bit (the `f32` cast first);
//! - [`hashing`]: circom-compatible Poseidon, dataset leaves and `rs_merkle` trees.
//! - [`model`]: a model made ready for the chain (circuit, verifier bundle, ONNX hash,
//!   weight commitment) and registered on its architecture's route;
//! - [`architecture`]: public architecture packages (the graph with random weights and the
//!   settings) that rebuild a route's verifying key without any trained weights;
//! - [`review`]: the checks a route's architecture must pass before the owner approves it;
//! - [`prover`]: the EZKL pipeline (settings, calibration, keys, proofs, verification);
//! - [`python`]: the project-managed Python environment running the pinned `ezkl`;
//! - [`solc`]: the project-managed Solidity compiler (npm solc) and EZKL's svm shim;
//! - [`stylus`]: packaging compiled Stylus programs (prefix, brotli) and their size limits;
//! - [`verifier`]: EZKL's verifier compiled and size-checked into a deployable bundle
//!   (reusable verifier + the model's VKA, or a plain verifier);
//! - [`protocol`]: the facts the contracts and the SDK share (answer layouts, selectors,
//!   statuses, route kinds, the draw, accuracy, argmax, limits, system addresses), the
//!   `zkmltrack-protocol` crate the contracts build on too.
#![warn(missing_docs)]

pub use zkmltrack_protocol as protocol;

pub mod architecture;
pub mod audit;
pub mod chain;
pub mod dataset;
pub mod evaluation;
pub mod explorer;
pub mod hashing;
pub mod model;
pub mod prover;
pub mod python;
pub mod quantize;
pub mod review;
pub mod solc;
pub mod stylus;
pub mod suite;
pub mod verifier;
