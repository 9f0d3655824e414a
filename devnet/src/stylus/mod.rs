//! Stylus execution inside revm: the state of the precompile provider (compiled programs,
//! open frames, L2 block facts, console lines), the programs' host (`host`, wasmi) and
//! sub-calls (`frames`). The provider's dispatch, which also answers the ArbOS precompiles,
//! is `crate::precompiles`, one layer up.

pub(crate) mod activation;
pub(crate) mod frames;
pub(crate) mod host;
pub mod ink;
pub mod meter;
pub mod program;

use std::{collections::HashMap, sync::Arc};

use revm::{
    handler::EthPrecompiles,
    primitives::{hardfork::SpecId, Address, B256},
};

use program::ProgramCache;

/// L2 block facts ArbSys answers from (the EVM's `NUMBER` is the L1 estimate on Arbitrum).
#[derive(Debug, Clone, Default)]
pub(crate) struct L2Blocks {
    /// Number of the block being executed.
    pub number: u64,
    /// Hashes of earlier blocks, by number.
    pub hashes: Arc<Vec<B256>>,
}

/// revm precompile provider: Ethereum precompiles, ArbOS precompiles, and Stylus programs.
pub struct StylusPrecompiles {
    pub(crate) eth: EthPrecompiles,
    pub(crate) programs: Arc<ProgramCache>,
    /// Open (non-delegate) program frames per address, for `msg_reentrant`.
    pub(crate) open_frames: HashMap<Address, u32>,
    pub(crate) l2: L2Blocks,
    /// Lines printed by programs through the `console` imports.
    pub(crate) console: Vec<String>,
    /// WASM pages open in the transaction (priced per transaction, `ink::Pages`).
    pub(crate) pages: ink::Pages,
}

impl StylusPrecompiles {
    pub(crate) fn new(spec: SpecId, programs: Arc<ProgramCache>, l2: L2Blocks) -> Self {
        Self {
            eth: EthPrecompiles::new(spec),
            programs,
            open_frames: HashMap::new(),
            l2,
            console: Vec::new(),
            pages: ink::Pages::default(),
        }
    }
}
