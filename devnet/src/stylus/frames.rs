//! Synchronous sub-calls from a Stylus host function back into revm.
//!
//! revm runs frames from its own loop; a program calling another contract needs the result
//! before it continues. This runs a nested frame (and everything it calls) to completion on the
//! same context and journal with revm's public frame machinery, so EVM bytecode, precompiles and
//! other Stylus programs (through the same precompile provider) all work as callees.

use revm::{
    context::{ContextTr, JournalTr, LocalContextTr},
    context_interface::{context::ContextError, local::OutFrame},
    handler::{instructions::EthInstructions, EthFrame, FrameResult, ItemOrResult},
    interpreter::{
        interpreter::EthInterpreter, interpreter_action::FrameInit, FrameInput, SharedMemory,
    },
    primitives::hardfork::SpecId,
};

use super::StylusPrecompiles;
use crate::chain::DevContext;

type FrameError = ContextError<<<DevContext as ContextTr>::Db as revm::Database>::Error>;

/// Runs `frame_input` as a child of the current frame and returns its result. Frame-level
/// failures (revert, out of gas) are results; only database errors are `Err`.
pub(crate) fn run_nested(
    ctx: &mut DevContext,
    precompiles: &mut StylusPrecompiles,
    frame_input: FrameInput,
) -> Result<FrameResult, String> {
    let spec: SpecId = ctx.cfg.spec;
    let instructions = EthInstructions::<EthInterpreter, DevContext>::new_mainnet_with_spec(spec);
    // The child's memory lives after whatever the enclosing frames use in the shared buffer.
    let mut root = SharedMemory::new_with_buffer(ctx.local().shared_memory_buffer().clone());
    let init = FrameInit {
        depth: ctx.journal().depth(),
        memory: root.new_child_context(),
        frame_input,
    };
    let mut stack: Vec<EthFrame<EthInterpreter>> = Vec::new();
    let mut next = Some(init);
    let result = loop {
        let mut finished = None;
        if let Some(init) = next.take() {
            stack.push(EthFrame::invalid());
            let slot = OutFrame::new_init(stack.last_mut().expect("pushed above"));
            match EthFrame::init_with_context(slot, ctx, precompiles, init)
                .map_err(|e| format!("{e:?}"))?
            {
                ItemOrResult::Item(_) => {}
                ItemOrResult::Result(r) => {
                    stack.pop();
                    finished = Some(r);
                }
            }
        }
        let r = match finished {
            Some(r) => r,
            None => {
                let frame = stack.last_mut().expect("a frame is running");
                let action = frame.interpreter.run_plain(
                    instructions.instruction_table(),
                    instructions.gas_table(),
                    ctx,
                );
                match frame
                    .process_next_action::<DevContext, FrameError>(ctx, action)
                    .map_err(|e| format!("{e:?}"))?
                {
                    ItemOrResult::Item(init) => {
                        next = Some(init);
                        continue;
                    }
                    ItemOrResult::Result(r) => {
                        stack.pop();
                        r
                    }
                }
            }
        };
        match stack.last_mut() {
            None => break r,
            Some(parent) => parent
                .return_result::<DevContext, FrameError>(ctx, r)
                .map_err(|e| format!("{e:?}"))?,
        }
    };
    root.free_child_context();
    Ok(result)
}
