//! The StylusDeployer at its canonical address, implemented natively with the ABI, errors and
//! event of Arbitrum's contract: deploy (CREATE, or CREATE2 with `keccak(salt ‖ initData)`),
//! activate when needed paying the quoted fee out of `msg.value - initValue`, run the
//! constructor call with `initValue`, refund the excess, emit `ContractDeployed`.

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{sol, SolCall, SolError, SolEvent, SolInterface};
use revm::{
    context::{ContextTr, JournalTr},
    interpreter::{CallInputs, CreateScheme, InstructionResult, InterpreterResult},
    primitives::Log,
};

use crate::{
    arbos::{self, IArbWasm, ARB_WASM},
    evm::DevContext,
    stylus::{
        frames::{self, SubCall},
        program::is_program,
        StylusPrecompiles,
    },
};

/// Canonical StylusDeployer address (as on Arbitrum chains and the Nitro dev node).
pub const STYLUS_DEPLOYER: Address = Address::new(zkmltrack_protocol::system::STYLUS_DEPLOYER);

/// Code placed at the deployer's address so that it is a contract for EXTCODESIZE and
/// `eth_getCode`; calls are answered natively, this byte (INVALID) never runs.
pub const DEPLOYER_MARKER_CODE: &[u8] = &[0xfe];

sol!("../protocol/abi/IStylusDeployer.sol");

const BASE_GAS: u64 = 5_000;

fn finish(limit: u64, spent: u64, result: InstructionResult, out: Vec<u8>) -> InterpreterResult {
    arbos::done(result, limit, spent, out.into())
}

fn panic_underflow() -> Vec<u8> {
    // Solidity's Panic(0x11): arithmetic underflow.
    let mut out = alloy_primitives::hex!("4e487b71").to_vec();
    out.extend_from_slice(&U256::from(0x11).to_be_bytes::<32>());
    out
}

fn requires_activation(ctx: &mut DevContext, addr: Address) -> Result<bool, String> {
    let code = ctx
        .journal_mut()
        .code(addr)
        .map_err(|e| format!("{e:?}"))?
        .data;
    if !is_program(&code) {
        return Ok(false);
    }
    // As the deployer's `codehashVersion` probe: not activated, outdated or expired.
    Ok(crate::stylus::activation::active(ctx, keccak256(&code))?.is_err())
}

/// Answers a call to the StylusDeployer.
pub(crate) fn stylus_deployer(
    provider: &mut StylusPrecompiles,
    ctx: &mut DevContext,
    inputs: &CallInputs,
) -> Result<InterpreterResult, String> {
    use IStylusDeployer::IStylusDeployerCalls as Call;
    let limit = inputs.gas_limit;
    let data = inputs.input.bytes(ctx);
    let Ok(call) = Call::abi_decode(&data) else {
        return Ok(finish(
            limit,
            BASE_GAS,
            InstructionResult::Revert,
            Vec::new(),
        ));
    };
    let d = match call {
        Call::initSalt(c) => {
            let out =
                IStylusDeployer::initSaltCall::abi_encode_returns(&init_salt(c.salt, &c.initData));
            return Ok(finish(limit, BASE_GAS, InstructionResult::Return, out));
        }
        Call::requiresActivation(c) => {
            let out = IStylusDeployer::requiresActivationCall::abi_encode_returns(
                &requires_activation(ctx, c.addr)?,
            );
            return Ok(finish(limit, BASE_GAS, InstructionResult::Return, out));
        }
        Call::deploy(d) => d,
    };
    let revert =
        |spent: u64, out: Vec<u8>| Ok(finish(limit, spent, InstructionResult::Revert, out));
    if inputs.is_static {
        return revert(BASE_GAS, Vec::new());
    }
    if d.bytecode.is_empty() {
        return revert(BASE_GAS, IStylusDeployer::EmptyBytecode {}.abi_encode());
    }
    let value = inputs.call_value();
    let me = inputs.target_address;
    let mut spent = BASE_GAS;
    let left = |spent: u64| limit.saturating_sub(spent);
    let give = |spent: u64| left(spent) - left(spent) / 64;

    let scheme = if d.salt == B256::ZERO {
        CreateScheme::Create
    } else {
        CreateScheme::Create2 {
            salt: init_salt(d.salt, &d.initData).into(),
        }
    };
    let gas = give(spent);
    let created = frames::create(
        ctx,
        provider,
        me,
        scheme,
        U256::ZERO,
        d.bytecode.clone(),
        gas,
    )?;
    spent += gas - created.result.gas.remaining();
    let new = match (created.result.result.is_ok(), created.address) {
        (true, Some(a)) => a,
        _ => {
            return revert(
                spent,
                IStylusDeployer::ContractDeploymentError {
                    bytecode: d.bytecode,
                }
                .abi_encode(),
            )
        }
    };

    let mut data_fee = U256::ZERO;
    if requires_activation(ctx, new)? {
        let Some(available) = value.checked_sub(d.initValue) else {
            return revert(spent, panic_underflow());
        };
        let gas = give(spent);
        let sub = SubCall::plain(
            me,
            ARB_WASM,
            available,
            IArbWasm::activateProgramCall { program: new }
                .abi_encode()
                .into(),
            gas,
        );
        let out = frames::call(ctx, provider, sub)?;
        spent += gas - out.result.gas.remaining();
        if !out.result.result.is_ok() {
            return revert(spent, out.result.output.to_vec());
        }
        data_fee = IArbWasm::activateProgramCall::abi_decode_returns(&out.result.output)
            .map_err(|e| format!("activateProgram answer: {e}"))?
            .dataFee;
    }

    if d.initData.is_empty() {
        if !d.initValue.is_zero() {
            return revert(
                spent,
                IStylusDeployer::InitValueButNotInitData {}.abi_encode(),
            );
        }
    } else {
        let gas = give(spent);
        let sub = SubCall::plain(me, new, d.initValue, d.initData.clone(), gas);
        let out = frames::call(ctx, provider, sub)?;
        spent += gas - out.result.gas.remaining();
        if !out.result.result.is_ok() {
            // Nitro's StylusDeployer passes the constructor's revert data on.
            let e = IStylusDeployer::ContractInitializationError {
                newContract: new,
                data: out.result.output.clone(),
            };
            return revert(spent, e.abi_encode());
        }
    }

    let Some(excess) = value
        .checked_sub(data_fee)
        .and_then(|v| v.checked_sub(d.initValue))
    else {
        return revert(spent, panic_underflow());
    };
    if !excess.is_zero() {
        let gas = give(spent);
        let sub = SubCall::plain(me, inputs.caller, excess, Bytes::new(), gas);
        let out = frames::call(ctx, provider, sub)?;
        spent += gas - out.result.gas.remaining();
        if !out.result.result.is_ok() {
            return revert(
                spent,
                IStylusDeployer::RefundExcessValueError {
                    excessValue: excess,
                }
                .abi_encode(),
            );
        }
    }
    let event = IStylusDeployer::ContractDeployed {
        deployedContract: new,
    };
    ctx.journal_mut().log(Log {
        address: me,
        data: event.encode_log_data(),
    });
    Ok(finish(
        limit,
        spent + 1_000,
        InstructionResult::Return,
        IStylusDeployer::deployCall::abi_encode_returns(&new),
    ))
}

/// CREATE2 salt the deployer uses for a non-zero `salt`.
pub fn init_salt(salt: B256, init_data: &[u8]) -> B256 {
    keccak256([salt.as_slice(), init_data].concat())
}
