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
        interpreter::EthInterpreter, interpreter_action::FrameInit, CallInput, CallInputs,
        CallOutcome, CallScheme, CallValue, CreateInputs, CreateOutcome, CreateScheme, FrameInput,
        SharedMemory,
    },
    primitives::{hardfork::SpecId, Address, Bytes, U256},
};

use super::StylusPrecompiles;
use crate::evm::DevContext;

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

/// A message call made from native code (a program's host or a native contract).
pub(crate) struct SubCall {
    /// Account whose code runs.
    pub code_address: Address,
    /// Account whose storage and balance the code acts on (differs for delegate calls).
    pub target: Address,
    /// `msg.sender` of the callee.
    pub caller: Address,
    /// Value transferred (or apparent, for delegate calls).
    pub value: CallValue,
    /// Call flavour.
    pub scheme: CallScheme,
    /// Static context.
    pub is_static: bool,
    /// Calldata.
    pub data: Bytes,
    /// Gas given to the callee.
    pub gas: u64,
}

impl SubCall {
    /// A plain CALL from `caller` to `to`, transferring `value`, outside any static context.
    pub(crate) fn plain(caller: Address, to: Address, value: U256, data: Bytes, gas: u64) -> Self {
        Self {
            code_address: to,
            target: to,
            caller,
            value: CallValue::Transfer(value),
            scheme: CallScheme::Call,
            is_static: false,
            data,
            gas,
        }
    }
}

/// Runs a message call to completion.
pub(crate) fn call(
    ctx: &mut DevContext,
    precompiles: &mut StylusPrecompiles,
    c: SubCall,
) -> Result<CallOutcome, String> {
    let known_bytecode = {
        let acc = ctx
            .journal_mut()
            .load_account_with_code(c.code_address)
            .map_err(|e| format!("{e:?}"))?;
        (
            acc.data.info.code_hash,
            acc.data.info.code.clone().unwrap_or_default(),
        )
    };
    let inputs = CallInputs {
        input: CallInput::Bytes(c.data),
        return_memory_offset: 0..0,
        gas_limit: c.gas,
        reservoir: 0,
        bytecode_address: c.code_address,
        known_bytecode,
        target_address: c.target,
        caller: c.caller,
        value: c.value,
        scheme: c.scheme,
        is_static: c.is_static,
        charged_new_account_state_gas: false,
    };
    match run_nested(ctx, precompiles, FrameInput::Call(Box::new(inputs)))? {
        FrameResult::Call(o) => Ok(o),
        _ => Err("a call frame returned a create result".into()),
    }
}

/// Runs a contract creation to completion.
pub(crate) fn create(
    ctx: &mut DevContext,
    precompiles: &mut StylusPrecompiles,
    caller: Address,
    scheme: CreateScheme,
    value: U256,
    init_code: Bytes,
    gas: u64,
) -> Result<CreateOutcome, String> {
    let inputs = CreateInputs::new(caller, scheme, value, init_code, gas, 0);
    match run_nested(ctx, precompiles, FrameInput::Create(Box::new(inputs)))? {
        FrameResult::Create(o) => Ok(o),
        _ => Err("a create frame returned a call result".into()),
    }
}
