//! The revm context every layer of the devnet executes in (the bottom layer:
//! Stylus execution, the ArbOS precompiles and the chain all name it).

use revm::{
    database::{CacheDB, EmptyDB},
    handler::MainnetContext,
};

/// revm context type of the devnet.
pub type DevContext = MainnetContext<CacheDB<EmptyDB>>;
