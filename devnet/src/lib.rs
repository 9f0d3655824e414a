//! zkMLTrack devnet: a local, Stylus-capable dev chain.
//!
//! EVM bytecode runs in [revm](https://github.com/bluealloy/revm); Stylus programs (code
//! prefixed `EF F0 00`, brotli-compressed WASM) run in [wasmi](https://github.com/wasmi-labs/wasmi)
//! once activated through ArbWasm, in the same state and the same transaction, calling each
//! other both ways. It follows Nitro's semantics where they matter to contracts (storage cache,
//! reentrancy flag, return data, static calls, activation) and approximates ink and gas; see
//! `docs/devnet.md`.
//!
//! Use it in-process ([`Devnet`]) or over Ethereum JSON-RPC ([`rpc::serve`], the
//! `zkmltrack-devnet` binary).

pub mod arbos;
pub mod chain;
pub mod deployer;
pub mod error;
pub mod evm;
pub mod genesis;
mod precompiles;
pub mod rpc;
pub mod stylus;

pub use chain::{
    BlockRecord, CallRequest, CallResult, Devnet, DevnetConfig, LogRecord, Receipt, StateError,
    TxRecord, TxRequest, CHAIN_ID, MAX_TX_GAS, STATE_FORMAT, STATE_VERSION,
};
pub use error::DevnetError;
pub use genesis::{DEV_ACCOUNT, DEV_KEY};
