//! The ArbOS precompiles the devnet implements: ArbWasm (0x71, program activation and the
//! getters cargo-stylus reads) and the basics of ArbSys (0x64, L2 block number and hashes).

use alloy_primitives::keccak256;
use alloy_sol_types::{sol, SolCall, SolError, SolEvent, SolInterface};
use revm::{
    context::{ContextTr, JournalTr},
    interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult},
    primitives::{Address, Bytes, Log, U256},
};

pub use crate::stylus::activation::{IArbWasm, ARB_WASM, EXPIRY_DAYS};
use crate::{
    evm::DevContext,
    stylus::{
        activation::{active, now},
        ink,
        program::{activation_slot, is_program, ActivationInfo, STYLUS_VERSION},
        StylusPrecompiles,
    },
};

/// ArbSys precompile address.
pub const ARB_SYS: Address = Address::new(zkmltrack_protocol::system::ARB_SYS);
/// ArbOS version the devnet follows, reported by `ArbSys.arbOSVersion()` plus Nitro's offset
/// of 55 (so 106): 51 "Dia", the newest whose source is pinned (Nitro v3.9.9); see
/// `docs/devnet.md` for ArbOS 61 on Arbitrum One.
pub const ARBOS_VERSION: u64 = 51;
/// Days before an activation may be kept alive again (ArbWasm `keepaliveDays()`).
pub const KEEPALIVE_DAYS: u16 = 31;
/// Gas charged by a precompile getter.
const VIEW_GAS: u64 = 800;

sol!("../protocol/abi/IArbSys.sol");

/// A precompile result that charged `cost` gas out of `gas_limit` (out of gas when it cannot).
pub(crate) fn done(
    result: InstructionResult,
    gas_limit: u64,
    cost: u64,
    output: Bytes,
) -> InterpreterResult {
    let mut gas = Gas::new(gas_limit);
    if !gas.record_regular_cost(cost) {
        let mut gas = Gas::new(gas_limit);
        gas.spend_all();
        return InterpreterResult::new(InstructionResult::OutOfGas, Bytes::new(), gas);
    }
    InterpreterResult::new(result, output, gas)
}

fn ok(inputs: &CallInputs, cost: u64, output: Vec<u8>) -> InterpreterResult {
    done(
        InstructionResult::Return,
        inputs.gas_limit,
        cost,
        output.into(),
    )
}

fn fail(inputs: &CallInputs, output: Vec<u8>) -> InterpreterResult {
    done(
        InstructionResult::Revert,
        inputs.gas_limit,
        VIEW_GAS,
        output.into(),
    )
}

fn err(e: impl std::fmt::Debug) -> String {
    format!("database error: {e:?}")
}

/// ArbWasm's storage slot of the data pricer's state (activation records use slots derived
/// from code hashes, far from 1).
const DATA_PRICER_SLOT: U256 = U256::from_limbs([1, 0, 0, 0]);

fn data_pricer(ctx: &mut DevContext) -> Result<ink::data_pricer::State, String> {
    ctx.journal_mut().load_account(ARB_WASM).map_err(err)?;
    let word = ctx
        .journal_mut()
        .sload(ARB_WASM, DATA_PRICER_SLOT)
        .map_err(err)?
        .data;
    if word.is_zero() {
        return Ok(ink::data_pricer::State::default());
    }
    let limbs = word.as_limbs();
    Ok(ink::data_pricer::State {
        demand: limbs[0] as u32,
        last_update: limbs[1],
    })
}

fn store_data_pricer(ctx: &mut DevContext, state: ink::data_pricer::State) -> Result<(), String> {
    let word = U256::from_limbs([u64::from(state.demand), state.last_update, 0, 0]);
    ctx.journal_mut()
        .sstore(ARB_WASM, DATA_PRICER_SLOT, word)
        .map_err(err)?;
    Ok(())
}

fn store_record(
    ctx: &mut DevContext,
    codehash: alloy_primitives::B256,
    info: ActivationInfo,
) -> Result<(), String> {
    ctx.journal_mut().load_account(ARB_WASM).map_err(err)?;
    ctx.journal_mut()
        .sstore(ARB_WASM, activation_slot(codehash), info.to_word())
        .map_err(err)?;
    Ok(())
}

fn program_codehash(
    ctx: &mut DevContext,
    program: Address,
) -> Result<alloy_primitives::B256, String> {
    Ok(ctx.journal_mut().code_hash(program).map_err(err)?.data)
}

/// ArbWasm: activation and getters.
pub(crate) fn arb_wasm(
    provider: &mut StylusPrecompiles,
    ctx: &mut DevContext,
    inputs: &CallInputs,
) -> Result<InterpreterResult, String> {
    use IArbWasm::IArbWasmCalls as Call;
    let data = inputs.input.bytes(ctx);
    let Ok(call) = Call::abi_decode(&data) else {
        return Ok(fail(inputs, Vec::new()));
    };
    let view = |v: Vec<u8>| Ok(ok(inputs, VIEW_GAS, v));
    match call {
        Call::activateProgram(c) => activate(provider, ctx, inputs, c.program),
        Call::stylusVersion(_) => view(IArbWasm::stylusVersionCall::abi_encode_returns(
            &STYLUS_VERSION,
        )),
        Call::inkPrice(_) => view(IArbWasm::inkPriceCall::abi_encode_returns(
            &(ink::INK_PRICE as u32),
        )),
        Call::maxStackDepth(_) => view(IArbWasm::maxStackDepthCall::abi_encode_returns(
            &ink::MAX_STACK_DEPTH,
        )),
        Call::freePages(_) => view(IArbWasm::freePagesCall::abi_encode_returns(
            &ink::FREE_PAGES,
        )),
        Call::pageGas(_) => view(IArbWasm::pageGasCall::abi_encode_returns(&ink::PAGE_GAS)),
        Call::pageRamp(_) => view(IArbWasm::pageRampCall::abi_encode_returns(&ink::PAGE_RAMP)),
        Call::pageLimit(_) => view(IArbWasm::pageLimitCall::abi_encode_returns(
            &ink::PAGE_LIMIT,
        )),
        Call::minInitGas(_) => view(IArbWasm::minInitGasCall::abi_encode_returns(
            &IArbWasm::minInitGasReturn {
                gas: u64::from(ink::MIN_INIT_GAS) * 128,
                cached: u64::from(ink::MIN_CACHED_INIT_GAS) * 32,
            },
        )),
        Call::initCostScalar(_) => view(IArbWasm::initCostScalarCall::abi_encode_returns(
            &(u64::from(ink::INIT_COST_SCALAR) * 2),
        )),
        Call::expiryDays(_) => view(IArbWasm::expiryDaysCall::abi_encode_returns(&EXPIRY_DAYS)),
        Call::keepaliveDays(_) => view(IArbWasm::keepaliveDaysCall::abi_encode_returns(
            &KEEPALIVE_DAYS,
        )),
        Call::blockCacheSize(_) => view(IArbWasm::blockCacheSizeCall::abi_encode_returns(&32u16)),
        Call::codehashVersion(c) => Ok(match active(ctx, c.codehash)? {
            Ok(info) => ok(
                inputs,
                VIEW_GAS,
                IArbWasm::codehashVersionCall::abi_encode_returns(&info.version),
            ),
            Err(e) => fail(inputs, e),
        }),
        Call::codehashAsmSize(c) => Ok(match active(ctx, c.codehash)? {
            Ok(info) => ok(
                inputs,
                VIEW_GAS,
                IArbWasm::codehashAsmSizeCall::abi_encode_returns(&info.costs.asm_size()),
            ),
            Err(e) => fail(inputs, e),
        }),
        Call::codehashKeepalive(c) => keepalive(ctx, inputs, c.codehash),
        Call::programVersion(c) => program_getter(ctx, inputs, c.program, |info, _| {
            IArbWasm::programVersionCall::abi_encode_returns(&info.version)
        }),
        Call::programInitGas(c) => program_getter(ctx, inputs, c.program, |info, _| {
            IArbWasm::programInitGasCall::abi_encode_returns(&IArbWasm::programInitGasReturn {
                gas: info.costs.entry_gas(),
                gasWhenCached: info.costs.cached_gas(),
            })
        }),
        Call::programMemoryFootprint(c) => program_getter(ctx, inputs, c.program, |info, _| {
            IArbWasm::programMemoryFootprintCall::abi_encode_returns(&info.footprint)
        }),
        Call::programTimeLeft(c) => program_getter(ctx, inputs, c.program, |info, now| {
            let left = (info.activated_at + u64::from(EXPIRY_DAYS) * 86_400).saturating_sub(now);
            IArbWasm::programTimeLeftCall::abi_encode_returns(&left)
        }),
    }
}

/// A getter about the program at `program`: its answer when active, else the ArbWasm error.
fn program_getter(
    ctx: &mut DevContext,
    inputs: &CallInputs,
    program: Address,
    answer: impl FnOnce(ActivationInfo, u64) -> Vec<u8>,
) -> Result<InterpreterResult, String> {
    let hash = program_codehash(ctx, program)?;
    let now = now(ctx);
    Ok(match active(ctx, hash)? {
        Ok(info) => ok(inputs, VIEW_GAS, answer(info, now)),
        Err(e) => fail(inputs, e),
    })
}

fn activate(
    provider: &mut StylusPrecompiles,
    ctx: &mut DevContext,
    inputs: &CallInputs,
    program: Address,
) -> Result<InterpreterResult, String> {
    if inputs.is_static {
        return Ok(fail(inputs, Vec::new()));
    }
    let code = ctx.journal_mut().code(program).map_err(err)?.data;
    if !is_program(&code) {
        return Ok(fail(inputs, IArbWasm::ProgramNotWasm {}.abi_encode()));
    }
    let codehash = keccak256(&code);
    if active(ctx, codehash)?.is_ok() {
        return Ok(fail(inputs, IArbWasm::ProgramUpToDate {}.abi_encode()));
    }
    let compiled = match provider.programs.compile(codehash, &code) {
        Ok(compiled) => compiled,
        Err(e) => {
            // Nitro takes all the gas of a failed activation; the reason stays readable.
            let reason = format!("program activation failed: {e}");
            return Ok(done(
                InstructionResult::Revert,
                inputs.gas_limit,
                inputs.gas_limit,
                alloy_sol_types::Revert::from(reason).abi_encode().into(),
            ));
        }
    };
    let cost = ink::ACTIVATION_FIXED_GAS.saturating_add(compiled.work.gas());
    let (pricer, fee) = data_pricer(ctx)?.update(compiled.costs.asm_estimate, now(ctx));
    let fee = U256::from(fee);
    let value = inputs.call_value();
    if value < fee {
        let e = IArbWasm::ProgramInsufficientValue {
            have: value,
            want: fee,
        }
        .abi_encode();
        return Ok(done(
            InstructionResult::Revert,
            inputs.gas_limit,
            cost.min(inputs.gas_limit),
            e.into(),
        ));
    }
    if value > fee {
        if let Some(e) = ctx
            .journal_mut()
            .transfer(ARB_WASM, inputs.caller, value - fee)
            .map_err(err)?
        {
            return Err(format!("refund of excess activation value failed: {e:?}"));
        }
    }
    let info = ActivationInfo {
        version: STYLUS_VERSION,
        wasm_size: compiled.wasm_size,
        footprint: compiled.footprint,
        activated_at: now(ctx),
        costs: compiled.costs,
    };
    store_record(ctx, codehash, info)?;
    store_data_pricer(ctx, pricer)?;
    let module_hash = keccak256(crate::stylus::program::decompress(&code).unwrap_or_default());
    let event = IArbWasm::ProgramActivated {
        codehash,
        moduleHash: module_hash,
        program,
        dataFee: fee,
        version: STYLUS_VERSION,
    };
    ctx.journal_mut().log(Log {
        address: ARB_WASM,
        data: event.encode_log_data(),
    });
    let out = IArbWasm::activateProgramCall::abi_encode_returns(&IArbWasm::activateProgramReturn {
        version: STYLUS_VERSION,
        dataFee: fee,
    });
    Ok(done(
        InstructionResult::Return,
        inputs.gas_limit,
        cost,
        out.into(),
    ))
}

fn keepalive(
    ctx: &mut DevContext,
    inputs: &CallInputs,
    codehash: alloy_primitives::B256,
) -> Result<InterpreterResult, String> {
    if inputs.is_static {
        return Ok(fail(inputs, Vec::new()));
    }
    let mut info = match active(ctx, codehash)? {
        Ok(info) => info,
        Err(e) => return Ok(fail(inputs, e)),
    };
    let age = now(ctx).saturating_sub(info.activated_at);
    if age < u64::from(KEEPALIVE_DAYS) * 86_400 {
        return Ok(fail(
            inputs,
            IArbWasm::ProgramKeepaliveTooSoon { ageInSeconds: age }.abi_encode(),
        ));
    }
    info.activated_at = now(ctx);
    store_record(ctx, codehash, info)?;
    Ok(ok(inputs, VIEW_GAS, Vec::new()))
}

/// ArbSys: L2 block number and hashes, chain id, ArbOS version.
pub(crate) fn arb_sys(
    provider: &mut StylusPrecompiles,
    ctx: &mut DevContext,
    inputs: &CallInputs,
) -> Result<InterpreterResult, String> {
    use IArbSys::IArbSysCalls as Call;
    let data = inputs.input.bytes(ctx);
    let Ok(call) = Call::abi_decode(&data) else {
        return Ok(fail(inputs, Vec::new()));
    };
    let current = provider.l2.number;
    let out = match call {
        Call::arbBlockNumber(_) => {
            IArbSys::arbBlockNumberCall::abi_encode_returns(&U256::from(current))
        }
        Call::arbBlockHash(c) => {
            let n = c.arbBlockNum;
            let hash = (n < U256::from(current) && U256::from(current) <= n + U256::from(256))
                .then(|| provider.l2.hashes.get(n.saturating_to::<usize>()).copied())
                .flatten();
            match hash {
                Some(h) => IArbSys::arbBlockHashCall::abi_encode_returns(&h),
                None => {
                    let e = IArbSys::InvalidBlockNumber {
                        requested: n,
                        current: U256::from(current),
                    };
                    return Ok(fail(inputs, e.abi_encode()));
                }
            }
        }
        Call::arbChainID(_) => {
            IArbSys::arbChainIDCall::abi_encode_returns(&U256::from(ctx.cfg.chain_id))
        }
        Call::arbOSVersion(_) => {
            IArbSys::arbOSVersionCall::abi_encode_returns(&U256::from(55 + ARBOS_VERSION))
        }
        Call::wasMyCallersAddressAliased(_) => {
            IArbSys::wasMyCallersAddressAliasedCall::abi_encode_returns(&false)
        }
    };
    Ok(ok(inputs, VIEW_GAS, out))
}
