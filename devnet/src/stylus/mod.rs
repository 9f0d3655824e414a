//! Stylus execution inside revm: a precompile provider that runs activated WASM programs
//! (wasmi) for every call frame whose code carries the Stylus prefix, and answers the ArbOS
//! precompiles.

pub(crate) mod frames;
pub(crate) mod host;
pub mod ink;
pub mod program;

use std::{collections::HashMap, sync::Arc};

use revm::{
    context::Cfg,
    handler::{EthPrecompiles, PrecompileProvider},
    interpreter::{CallInputs, InterpreterResult},
    primitives::{hardfork::SpecId, Address, AddressSet, B256},
};

use crate::{arbos, chain::DevContext, deployer};
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
    eth: EthPrecompiles,
    pub(crate) programs: Arc<ProgramCache>,
    /// Open (non-delegate) program frames per address, for `msg_reentrant`.
    pub(crate) open_frames: HashMap<Address, u32>,
    pub(crate) l2: L2Blocks,
    /// Lines printed by programs through the `console` imports.
    pub(crate) console: Vec<String>,
}

impl StylusPrecompiles {
    pub(crate) fn new(spec: SpecId, programs: Arc<ProgramCache>, l2: L2Blocks) -> Self {
        Self {
            eth: EthPrecompiles::new(spec),
            programs,
            open_frames: HashMap::new(),
            l2,
            console: Vec::new(),
        }
    }
}

impl PrecompileProvider<DevContext> for StylusPrecompiles {
    type Output = InterpreterResult;

    fn set_spec(
        &mut self,
        spec: <<DevContext as revm::context::ContextTr>::Cfg as Cfg>::Spec,
    ) -> bool {
        <EthPrecompiles as PrecompileProvider<DevContext>>::set_spec(&mut self.eth, spec)
    }

    fn run(
        &mut self,
        ctx: &mut DevContext,
        inputs: &CallInputs,
    ) -> Result<Option<InterpreterResult>, String> {
        match inputs.bytecode_address {
            arbos::ARB_WASM => return arbos::arb_wasm(self, ctx, inputs).map(Some),
            arbos::ARB_SYS => return arbos::arb_sys(self, ctx, inputs).map(Some),
            deployer::STYLUS_DEPLOYER => {
                return deployer::stylus_deployer(self, ctx, inputs).map(Some)
            }
            _ => {}
        }
        if program::is_program(inputs.known_bytecode.1.original_byte_slice()) {
            return host::run_program(self, ctx, inputs).map(Some);
        }
        <EthPrecompiles as PrecompileProvider<DevContext>>::run(&mut self.eth, ctx, inputs)
    }

    fn warm_addresses(&self) -> &AddressSet {
        <EthPrecompiles as PrecompileProvider<DevContext>>::warm_addresses(&self.eth)
    }

    fn contains(&self, address: &Address) -> bool {
        <EthPrecompiles as PrecompileProvider<DevContext>>::contains(&self.eth, address)
    }
}
