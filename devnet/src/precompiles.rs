//! The devnet's revm precompile provider: each call frame goes to an ArbOS precompile
//! (ArbWasm, ArbSys), the StylusDeployer, a Stylus program (when its code carries the Stylus
//! prefix) or Ethereum's precompiles. The top of the execution layers: it names them all,
//! and none of them names it.

use revm::{
    context::Cfg,
    handler::{EthPrecompiles, PrecompileProvider},
    interpreter::{CallInputs, InterpreterResult},
    primitives::{Address, AddressSet},
};

use crate::{
    arbos, deployer,
    evm::DevContext,
    stylus::{host, program, StylusPrecompiles},
};

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
