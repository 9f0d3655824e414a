//! Running one Stylus program invocation: the `vm_hooks` and `console` host functions, the
//! per-invocation storage cache, ink metering and the mapping of the outcome to a revm result.

use std::collections::BTreeMap;

use alloy_primitives::keccak256;
use revm::{
    context::{Block, Cfg, ContextTr, JournalTr, Transaction},
    context_interface::context::SStoreResult,
    interpreter::{
        CallInputs, CallScheme, CallValue, CreateScheme, Gas, InstructionResult, InterpreterResult,
    },
    primitives::{Address, Bytes, Log, LogData, B256, U256},
};
use wasmi::{Caller, Error, Linker, Memory, Store, TrapCode};

use super::{
    frames::{self, SubCall},
    ink::{self, HOSTIO_INK},
    StylusPrecompiles,
};
use crate::{arbos, evm::DevContext};

/// Every host import a program may use (module, name). All of them link.
pub(crate) const HOST_IMPORTS: &[(&str, &str)] = &[
    ("vm_hooks", "read_args"),
    ("vm_hooks", "write_result"),
    ("vm_hooks", "exit_early"),
    ("vm_hooks", "storage_load_bytes32"),
    ("vm_hooks", "storage_cache_bytes32"),
    ("vm_hooks", "storage_flush_cache"),
    ("vm_hooks", "transient_load_bytes32"),
    ("vm_hooks", "transient_store_bytes32"),
    ("vm_hooks", "call_contract"),
    ("vm_hooks", "delegate_call_contract"),
    ("vm_hooks", "static_call_contract"),
    ("vm_hooks", "create1"),
    ("vm_hooks", "create2"),
    ("vm_hooks", "read_return_data"),
    ("vm_hooks", "return_data_size"),
    ("vm_hooks", "emit_log"),
    ("vm_hooks", "account_balance"),
    ("vm_hooks", "account_code"),
    ("vm_hooks", "account_code_size"),
    ("vm_hooks", "account_codehash"),
    ("vm_hooks", "evm_gas_left"),
    ("vm_hooks", "evm_ink_left"),
    ("vm_hooks", "block_basefee"),
    ("vm_hooks", "chainid"),
    ("vm_hooks", "block_coinbase"),
    ("vm_hooks", "block_gas_limit"),
    ("vm_hooks", "block_number"),
    ("vm_hooks", "block_timestamp"),
    ("vm_hooks", "contract_address"),
    ("vm_hooks", "math_div"),
    ("vm_hooks", "math_mod"),
    ("vm_hooks", "math_pow"),
    ("vm_hooks", "math_add_mod"),
    ("vm_hooks", "math_mul_mod"),
    ("vm_hooks", "msg_reentrant"),
    ("vm_hooks", "msg_sender"),
    ("vm_hooks", "msg_value"),
    ("vm_hooks", "native_keccak256"),
    ("vm_hooks", "tx_gas_price"),
    ("vm_hooks", "tx_ink_price"),
    ("vm_hooks", "tx_origin"),
    ("vm_hooks", "pay_for_memory_grow"),
    ("console", "log_txt"),
    ("console", "log_i32"),
    ("console", "log_i64"),
    ("console", "log_f32"),
    ("console", "log_f64"),
    ("console", "tee_i32"),
    ("console", "tee_i64"),
    ("console", "tee_f32"),
    ("console", "tee_f64"),
];

/// Gas below which `storage_cache_bytes32` refuses to run (EIP-2200's sentry).
const SSTORE_SENTRY_GAS: u64 = 2_300;
const COLD_ACCOUNT_GAS: u64 = 2_600;
const WARM_GAS: u64 = 100;
const COLD_SLOAD_GAS: u64 = 2_100;
const CALL_VALUE_GAS: u64 = 9_000;
const CALL_STIPEND: u64 = 2_300;

/// One cached storage slot.
#[derive(Clone, Copy)]
struct Slot {
    value: B256,
    dirty: bool,
}

/// Store data of one program invocation.
pub(crate) struct Host<'a> {
    ctx: &'a mut DevContext,
    provider: &'a mut StylusPrecompiles,
    inputs: &'a CallInputs,
    args: Bytes,
    result: Vec<u8>,
    return_data: Bytes,
    cache: BTreeMap<B256, Slot>,
    memory: Option<Memory>,
    pages_paid: u16,
    refund: i64,
    reentrant: bool,
    /// A failure that must abort the transaction (database error), not just the frame.
    fatal: Option<String>,
}

/// Runs the program at `inputs.bytecode_address` for one call frame.
pub(crate) fn run_program(
    provider: &mut StylusPrecompiles,
    ctx: &mut DevContext,
    inputs: &CallInputs,
) -> Result<InterpreterResult, String> {
    let mut gas = Gas::new(inputs.gas_limit);
    let (codehash, bytecode) = (
        inputs.known_bytecode.0,
        inputs.known_bytecode.1.original_byte_slice(),
    );
    let info = match arbos::active(ctx, codehash)? {
        Ok(info) => info,
        Err(error) => return Ok(revert(gas, error.into())),
    };
    let module = match provider.programs.module(codehash, bytecode) {
        Ok(m) => m,
        Err(_) => return Ok(revert(gas, Bytes::new())),
    };
    let entry_gas = ink::CALL_INIT_GAS + ink::memory_gas(0, info.footprint);
    if !gas.record_regular_cost(entry_gas) {
        return Ok(out_of_gas(inputs.gas_limit));
    }

    let counts_for_reentrancy = !matches!(
        inputs.scheme,
        CallScheme::DelegateCall | CallScheme::CallCode
    );
    let reentrant = if counts_for_reentrancy {
        let open = provider
            .open_frames
            .entry(inputs.target_address)
            .or_default();
        *open += 1;
        *open > 1
    } else {
        false
    };
    let args = inputs.input.bytes(ctx);
    let engine = provider.programs.engine().clone();
    let outcome = {
        let host = Host {
            ctx,
            provider: &mut *provider,
            inputs,
            args,
            result: Vec::new(),
            return_data: Bytes::new(),
            cache: BTreeMap::new(),
            memory: None,
            pages_paid: info.footprint,
            refund: 0,
            reentrant,
            fatal: None,
        };
        let mut store = Store::new(&engine, host);
        store
            .set_fuel(ink::gas_to_fuel(gas.remaining()))
            .map_err(|e| e.to_string())?;
        let linker = linker(&engine);
        execute(&mut store, &linker, &module).map(|status| {
            let fuel = store.get_fuel().unwrap_or(0);
            let host = store.into_data();
            (status, fuel, host.result, host.refund, host.fatal)
        })
    };
    if counts_for_reentrancy {
        if let Some(open) = provider.open_frames.get_mut(&inputs.target_address) {
            *open -= 1;
        }
    }
    let (status, fuel, result, refund, fatal) = outcome?;
    if let Some(fatal) = fatal {
        return Err(fatal);
    }
    let left = ink::fuel_to_gas(fuel).min(gas.remaining());
    let spent = gas.remaining() - left;
    let _ = gas.record_regular_cost(spent);
    Ok(match status {
        Status::Done(0) => {
            gas.record_refund(refund);
            InterpreterResult::new(InstructionResult::Return, result.into(), gas)
        }
        Status::Done(_) => revert(gas, result.into()),
        Status::Trapped(reason) => {
            let line = format!("program {} trapped: {reason}", inputs.bytecode_address);
            if std::env::var_os("ZKMLTRACK_DEVNET_TRACE").is_some() {
                eprintln!("{line}");
            }
            provider.console.push(line);
            revert(gas, Bytes::new())
        }
        Status::OutOfInk => out_of_gas(inputs.gas_limit),
    })
}

/// How a program invocation ended.
enum Status {
    /// Returned (or exited early) with this status; 0 is success.
    Done(u32),
    /// Trapped (with the reason): revert with empty data.
    Trapped(String),
    /// Ran out of ink: out of gas.
    OutOfInk,
}

fn execute<'a>(
    store: &mut Store<Host<'a>>,
    linker: &Linker<Host<'a>>,
    module: &wasmi::Module,
) -> Result<Status, String> {
    let instance = match linker.instantiate_and_start(&mut *store, module) {
        Ok(i) => i,
        Err(e) => return Ok(classify(&e)),
    };
    let Some(memory) = instance.get_memory(&*store, "memory") else {
        return Ok(Status::Trapped("no exported memory".into()));
    };
    store.data_mut().memory = Some(memory);
    let Ok(entry) = instance.get_typed_func::<i32, i32>(&*store, "user_entrypoint") else {
        return Ok(Status::Trapped("no user_entrypoint".into()));
    };
    let len = store.data().args.len() as i32;
    let status = match entry.call(&mut *store, len) {
        Ok(s) => Status::Done(s as u32),
        Err(e) => classify(&e),
    };
    // Memory grown after the last host call is paid for here.
    if matches!(status, Status::Done(_)) {
        let pages = memory.size(&*store) as u16;
        let paid = store.data().pages_paid;
        if pages > ink::PAGE_LIMIT {
            return Ok(Status::OutOfInk);
        }
        let cost = ink::gas_fuel(ink::memory_gas(paid, pages.saturating_sub(paid)));
        let fuel = store.get_fuel().unwrap_or(0);
        if fuel < cost {
            return Ok(Status::OutOfInk);
        }
        store.set_fuel(fuel - cost).map_err(|e| e.to_string())?;
    }
    Ok(status)
}

fn classify(e: &Error) -> Status {
    if let Some(code) = e.i32_exit_status() {
        return Status::Done(code as u32);
    }
    match e.as_trap_code() {
        Some(TrapCode::OutOfFuel) => Status::OutOfInk,
        _ => Status::Trapped(e.to_string()),
    }
}

fn revert(gas: Gas, data: Bytes) -> InterpreterResult {
    InterpreterResult::new(InstructionResult::Revert, data, gas)
}

fn out_of_gas(limit: u64) -> InterpreterResult {
    let mut gas = Gas::new(limit);
    gas.spend_all();
    InterpreterResult::new(InstructionResult::OutOfGas, Bytes::new(), gas)
}

type C<'c, 'a> = Caller<'c, Host<'a>>;

fn trap(msg: &str) -> Error {
    Error::new(msg.to_string())
}

fn memory(c: &C<'_, '_>) -> Result<Memory, Error> {
    c.data().memory.ok_or_else(|| trap("memory not exported"))
}

fn read(c: &C<'_, '_>, ptr: i32, len: usize) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; len];
    memory(c)?
        .read(c, ptr as u32 as usize, &mut buf)
        .map_err(|_| trap("read out of bounds"))?;
    Ok(buf)
}

fn read_word(c: &C<'_, '_>, ptr: i32) -> Result<B256, Error> {
    let mut buf = [0u8; 32];
    memory(c)?
        .read(c, ptr as u32 as usize, &mut buf)
        .map_err(|_| trap("read out of bounds"))?;
    Ok(B256::from(buf))
}

fn read_u256(c: &C<'_, '_>, ptr: i32) -> Result<U256, Error> {
    Ok(U256::from_be_bytes(read_word(c, ptr)?.0))
}

fn read_address(c: &C<'_, '_>, ptr: i32) -> Result<Address, Error> {
    let mut buf = [0u8; 20];
    memory(c)?
        .read(c, ptr as u32 as usize, &mut buf)
        .map_err(|_| trap("read out of bounds"))?;
    Ok(Address::from(buf))
}

fn write(c: &mut C<'_, '_>, ptr: i32, data: &[u8]) -> Result<(), Error> {
    let m = memory(c)?;
    m.write(c, ptr as u32 as usize, data)
        .map_err(|_| trap("write out of bounds"))
}

fn write_u32(c: &mut C<'_, '_>, ptr: i32, v: u32) -> Result<(), Error> {
    write(c, ptr, &v.to_le_bytes())
}

/// Charges fuel; running out is out of ink.
fn charge_fuel(c: &mut C<'_, '_>, fuel: u64) -> Result<(), Error> {
    let left = c.get_fuel()?;
    if left < fuel {
        c.set_fuel(0)?;
        return Err(TrapCode::OutOfFuel.into());
    }
    c.set_fuel(left - fuel)?;
    Ok(())
}

fn charge_gas(c: &mut C<'_, '_>, gas: u64) -> Result<(), Error> {
    charge_fuel(c, ink::gas_fuel(gas))
}

/// Entry of every host function: pays for memory grown since the last call, the base cost and
/// `extra_ink`.
fn begin(c: &mut C<'_, '_>, extra_ink: u64) -> Result<(), Error> {
    let pages = memory(c)?.size(&*c) as u16;
    let paid = c.data().pages_paid;
    if pages > paid {
        if pages > ink::PAGE_LIMIT {
            c.set_fuel(0)?;
            return Err(TrapCode::OutOfFuel.into());
        }
        charge_gas(c, ink::memory_gas(paid, pages - paid))?;
        c.data_mut().pages_paid = pages;
    }
    charge_fuel(c, ink::ink_to_fuel(HOSTIO_INK + extra_ink))
}

fn copy_ink(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(32) * ink::COPY_WORD_INK
}

fn gas_left(c: &C<'_, '_>) -> Result<u64, Error> {
    Ok(ink::fuel_to_gas(c.get_fuel()?))
}

/// Records a failure that must abort the whole transaction and traps the program.
fn fatal(c: &mut C<'_, '_>, msg: String) -> Error {
    let error = trap(&msg);
    c.data_mut().fatal = Some(msg);
    error
}

fn db<T, E: std::fmt::Debug>(c: &mut C<'_, '_>, r: Result<T, E>) -> Result<T, Error> {
    r.map_err(|e| fatal(c, format!("database error: {e:?}")))
}

fn static_violation(c: &C<'_, '_>, what: &str) -> Result<(), Error> {
    if c.data().inputs.is_static {
        return Err(trap(&format!("{what} in a static context")));
    }
    Ok(())
}

/// Reads the address at `ptr` and charges its access (EIP-2929).
fn read_and_access(c: &mut C<'_, '_>, ptr: i32) -> Result<Address, Error> {
    let address = read_address(c, ptr)?;
    let cost = access(c, address)?;
    charge_gas(c, cost)?;
    Ok(address)
}

/// Account access cost (EIP-2929) after loading `address`.
fn access(c: &mut C<'_, '_>, address: Address) -> Result<u64, Error> {
    let r = c
        .data_mut()
        .ctx
        .journal_mut()
        .load_account(address)
        .map(|a| a.is_cold);
    let cold = db(c, r)?;
    Ok(if cold { COLD_ACCOUNT_GAS } else { WARM_GAS })
}

/// EIP-2200/2929/3529 SSTORE pricing: (gas, refund).
fn sstore_cost(r: &SStoreResult, cold: bool) -> (u64, i64) {
    let (orig, pres, new) = (r.original_value, r.present_value, r.new_value);
    let mut gas = if cold { COLD_SLOAD_GAS } else { 0 };
    let mut refund = 0i64;
    if new == pres {
        gas += WARM_GAS;
    } else if orig == pres {
        gas += if orig.is_zero() { 20_000 } else { 2_900 };
        if !orig.is_zero() && new.is_zero() {
            refund += 4_800;
        }
    } else {
        gas += WARM_GAS;
        if !orig.is_zero() {
            if pres.is_zero() {
                refund -= 4_800;
            } else if new.is_zero() {
                refund += 4_800;
            }
        }
        if orig == new {
            refund += if orig.is_zero() { 19_900 } else { 2_800 };
        }
    }
    (gas, refund)
}

fn flush(c: &mut C<'_, '_>, clear: bool) -> Result<(), Error> {
    let dirty: Vec<(B256, B256)> = c
        .data()
        .cache
        .iter()
        .filter(|(_, s)| s.dirty)
        .map(|(k, s)| (*k, s.value))
        .collect();
    if !dirty.is_empty() {
        static_violation(c, "storage write")?;
    }
    let me = c.data().inputs.target_address;
    for (key, value) in dirty {
        if gas_left(c)? <= SSTORE_SENTRY_GAS {
            c.set_fuel(0)?;
            return Err(TrapCode::OutOfFuel.into());
        }
        let r = c
            .data_mut()
            .ctx
            .journal_mut()
            .sstore(me, key.into(), value.into());
        let r = db(c, r)?;
        let (gas, refund) = sstore_cost(&r.data, r.is_cold);
        charge_gas(c, gas)?;
        let host = c.data_mut();
        host.refund += refund;
        if let Some(slot) = host.cache.get_mut(&key) {
            slot.dirty = false;
        }
    }
    if clear {
        c.data_mut().cache.clear();
    }
    Ok(())
}

/// The three call flavours of the host.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Call,
    Delegate,
    Static,
}

fn do_call(
    c: &mut C<'_, '_>,
    kind: CallKind,
    to: Address,
    data: Bytes,
    value: U256,
    gas_req: u64,
    ret_len_ptr: i32,
) -> Result<i32, Error> {
    let parent = c.data().inputs;
    if kind == CallKind::Call && parent.is_static && !value.is_zero() {
        c.data_mut().return_data = Bytes::new();
        write_u32(c, ret_len_ptr, 0)?;
        return Ok(2);
    }
    let mut base = access(c, to)?;
    if !value.is_zero() {
        base += CALL_VALUE_GAS;
    }
    charge_gas(c, base)?;
    let left = gas_left(c)?;
    let mut give = gas_req.min(left - left / 64);
    charge_gas(c, give)?;
    let stipend = if value.is_zero() { 0 } else { CALL_STIPEND };
    give += stipend;

    let (target, caller, call_value, scheme) = match kind {
        CallKind::Call => (
            to,
            parent.target_address,
            CallValue::Transfer(value),
            CallScheme::Call,
        ),
        CallKind::Static => (
            to,
            parent.target_address,
            CallValue::Transfer(U256::ZERO),
            CallScheme::StaticCall,
        ),
        CallKind::Delegate => (
            parent.target_address,
            parent.caller,
            CallValue::Apparent(parent.call_value()),
            CallScheme::DelegateCall,
        ),
    };
    let sub = SubCall {
        code_address: to,
        target,
        caller,
        value: call_value,
        scheme,
        is_static: parent.is_static || kind == CallKind::Static,
        data,
        gas: give,
    };
    let host = c.data_mut();
    let outcome = frames::call(host.ctx, host.provider, sub).map_err(|e| fatal(c, e))?;
    // Give back what the callee did not use (the stipend was free).
    let unused = outcome.result.gas.remaining().saturating_sub(stipend);
    let fuel = c.get_fuel()?;
    c.set_fuel(fuel + ink::gas_to_fuel(unused))?;
    let ok = outcome.result.result.is_ok();
    let host = c.data_mut();
    if ok {
        host.refund += outcome.result.gas.refunded();
    }
    host.return_data = outcome.result.output;
    let len = host.return_data.len() as u32;
    write_u32(c, ret_len_ptr, len)?;
    Ok(if ok { 0 } else { 2 })
}

#[allow(clippy::too_many_arguments)]
fn do_create(
    c: &mut C<'_, '_>,
    code_ptr: i32,
    code_len: i32,
    endowment_ptr: i32,
    salt: Option<B256>,
    out_ptr: i32,
    revert_len_ptr: i32,
) -> Result<(), Error> {
    static_violation(c, "create")?;
    let code = read(c, code_ptr, code_len as u32 as usize)?;
    let value = read_u256(c, endowment_ptr)?;
    let words = (code.len() as u64).div_ceil(32);
    let mut base = 32_000 + 2 * words;
    if salt.is_some() {
        base += 6 * words;
    }
    charge_gas(c, base)?;
    let left = gas_left(c)?;
    let give = left - left / 64;
    charge_gas(c, give)?;
    let me = c.data().inputs.target_address;
    let scheme = match salt {
        Some(s) => CreateScheme::Create2 { salt: s.into() },
        None => CreateScheme::Create,
    };
    let host = c.data_mut();
    let outcome = frames::create(
        host.ctx,
        host.provider,
        me,
        scheme,
        value,
        code.into(),
        give,
    )
    .map_err(|e| fatal(c, e))?;
    let fuel = c.get_fuel()?;
    c.set_fuel(fuel + ink::gas_to_fuel(outcome.result.gas.remaining()))?;
    let ok = outcome.result.result.is_ok();
    let address = if ok {
        outcome.address.unwrap_or_default()
    } else {
        Address::ZERO
    };
    let host = c.data_mut();
    host.return_data = if ok {
        Bytes::new()
    } else {
        outcome.result.output
    };
    let len = host.return_data.len() as u32;
    write(c, out_ptr, address.as_slice())?;
    write_u32(c, revert_len_ptr, len)
}

fn math(
    c: &mut C<'_, '_>,
    out: i32,
    f: impl FnOnce(U256, &[U256]) -> U256,
    args: &[i32],
) -> Result<(), Error> {
    begin(c, 0)?;
    charge_gas(c, 5)?;
    let a = read_u256(c, out)?;
    let rest = args
        .iter()
        .map(|p| read_u256(c, *p))
        .collect::<Result<Vec<_>, _>>()?;
    let r = f(a, &rest);
    write(c, out, &r.to_be_bytes::<32>())
}

fn log_line(c: &mut C<'_, '_>, line: String) {
    c.data_mut().provider.console.push(line);
}

/// Links every host import for a program invocation.
pub(crate) fn linker<'a>(engine: &wasmi::Engine) -> Linker<Host<'a>> {
    let mut l = <Linker<Host<'a>>>::new(engine);
    macro_rules! hook {
        ($name:literal, $f:expr) => {
            l.func_wrap("vm_hooks", $name, $f)
                .expect("each host import is defined once");
        };
    }
    hook!("read_args", |mut c: C<'_, 'a>,
                        dest: i32|
     -> Result<(), Error> {
        let args = c.data().args.clone();
        begin(&mut c, copy_ink(args.len()))?;
        write(&mut c, dest, &args)
    });
    hook!("write_result", |mut c: C<'_, 'a>,
                           ptr: i32,
                           len: i32|
     -> Result<(), Error> {
        begin(&mut c, copy_ink(len as u32 as usize))?;
        let data = read(&c, ptr, len as u32 as usize)?;
        c.data_mut().result = data;
        Ok(())
    });
    hook!("exit_early", |mut c: C<'_, 'a>,
                         status: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        Err(Error::i32_exit(status))
    });
    hook!("storage_load_bytes32", |mut c: C<'_, 'a>,
                                   key: i32,
                                   dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let key = read_word(&c, key)?;
        let value = match c.data().cache.get(&key) {
            Some(slot) => slot.value,
            None => {
                let me = c.data().inputs.target_address;
                let r = c.data_mut().ctx.journal_mut().sload(me, key.into());
                let loaded = db(&mut c, r)?;
                charge_gas(
                    &mut c,
                    if loaded.is_cold {
                        COLD_SLOAD_GAS
                    } else {
                        WARM_GAS
                    },
                )?;
                let value = B256::from(loaded.data);
                c.data_mut().cache.insert(
                    key,
                    Slot {
                        value,
                        dirty: false,
                    },
                );
                value
            }
        };
        write(&mut c, dest, value.as_slice())
    });
    hook!("storage_cache_bytes32", |mut c: C<'_, 'a>,
                                    key: i32,
                                    value: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        if gas_left(&c)? <= SSTORE_SENTRY_GAS {
            c.set_fuel(0)?;
            return Err(TrapCode::OutOfFuel.into());
        }
        let (key, value) = (read_word(&c, key)?, read_word(&c, value)?);
        c.data_mut().cache.insert(key, Slot { value, dirty: true });
        Ok(())
    });
    hook!("storage_flush_cache", |mut c: C<'_, 'a>,
                                  clear: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        flush(&mut c, clear != 0)
    });
    hook!("transient_load_bytes32", |mut c: C<'_, 'a>,
                                     key: i32,
                                     dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        charge_gas(&mut c, WARM_GAS)?;
        let key = read_u256(&c, key)?;
        let me = c.data().inputs.target_address;
        let v = c.data_mut().ctx.journal_mut().tload(me, key);
        write(&mut c, dest, &v.to_be_bytes::<32>())
    });
    hook!("transient_store_bytes32", |mut c: C<'_, 'a>,
                                      key: i32,
                                      value: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        static_violation(&c, "transient storage write")?;
        charge_gas(&mut c, WARM_GAS)?;
        let (key, value) = (read_u256(&c, key)?, read_u256(&c, value)?);
        let me = c.data().inputs.target_address;
        c.data_mut().ctx.journal_mut().tstore(me, key, value);
        Ok(())
    });
    hook!("call_contract", |mut c: C<'_, 'a>,
                            to: i32,
                            data: i32,
                            len: i32,
                            value: i32,
                            gas: i64,
                            ret: i32|
     -> Result<i32, Error> {
        begin(&mut c, copy_ink(len as u32 as usize))?;
        let (to, data, value) = (
            read_address(&c, to)?,
            read(&c, data, len as u32 as usize)?,
            read_u256(&c, value)?,
        );
        do_call(
            &mut c,
            CallKind::Call,
            to,
            data.into(),
            value,
            gas as u64,
            ret,
        )
    });
    hook!("delegate_call_contract", |mut c: C<'_, 'a>,
                                     to: i32,
                                     data: i32,
                                     len: i32,
                                     gas: i64,
                                     ret: i32|
     -> Result<i32, Error> {
        begin(&mut c, copy_ink(len as u32 as usize))?;
        let (to, data) = (read_address(&c, to)?, read(&c, data, len as u32 as usize)?);
        do_call(
            &mut c,
            CallKind::Delegate,
            to,
            data.into(),
            U256::ZERO,
            gas as u64,
            ret,
        )
    });
    hook!("static_call_contract", |mut c: C<'_, 'a>,
                                   to: i32,
                                   data: i32,
                                   len: i32,
                                   gas: i64,
                                   ret: i32|
     -> Result<i32, Error> {
        begin(&mut c, copy_ink(len as u32 as usize))?;
        let (to, data) = (read_address(&c, to)?, read(&c, data, len as u32 as usize)?);
        do_call(
            &mut c,
            CallKind::Static,
            to,
            data.into(),
            U256::ZERO,
            gas as u64,
            ret,
        )
    });
    hook!("create1", |mut c: C<'_, 'a>,
                      code: i32,
                      len: i32,
                      endowment: i32,
                      out: i32,
                      revert_len: i32|
     -> Result<(), Error> {
        begin(&mut c, copy_ink(len as u32 as usize))?;
        do_create(&mut c, code, len, endowment, None, out, revert_len)
    });
    hook!("create2", |mut c: C<'_, 'a>,
                      code: i32,
                      len: i32,
                      endowment: i32,
                      salt: i32,
                      out: i32,
                      revert_len: i32|
     -> Result<(), Error> {
        begin(&mut c, copy_ink(len as u32 as usize))?;
        let salt = read_word(&c, salt)?;
        do_create(&mut c, code, len, endowment, Some(salt), out, revert_len)
    });
    hook!("read_return_data", |mut c: C<'_, 'a>,
                               dest: i32,
                               offset: i32,
                               size: i32|
     -> Result<i32, Error> {
        let data = c.data().return_data.clone();
        let start = (offset as u32 as usize).min(data.len());
        let end = start.saturating_add(size as u32 as usize).min(data.len());
        begin(&mut c, copy_ink(end - start))?;
        write(&mut c, dest, &data[start..end])?;
        Ok((end - start) as i32)
    });
    hook!(
        "return_data_size",
        |mut c: C<'_, 'a>| -> Result<i32, Error> {
            begin(&mut c, 0)?;
            Ok(c.data().return_data.len() as i32)
        }
    );
    hook!("emit_log", |mut c: C<'_, 'a>,
                       data: i32,
                       len: i32,
                       topics: i32|
     -> Result<(), Error> {
        let len = len as u32 as usize;
        begin(&mut c, copy_ink(len))?;
        static_violation(&c, "log")?;
        let topics = topics as u32 as usize;
        if topics > 4 || len < topics * 32 {
            return Err(trap(
                "bad log: more than 4 topics or data shorter than its topics",
            ));
        }
        charge_gas(
            &mut c,
            375 + 375 * topics as u64 + 8 * (len - topics * 32) as u64,
        )?;
        let bytes = read(&c, data, len)?;
        let topic_list = bytes[..topics * 32]
            .chunks(32)
            .map(B256::from_slice)
            .collect();
        let address = c.data().inputs.target_address;
        let log = Log {
            address,
            data: LogData::new_unchecked(topic_list, bytes[topics * 32..].to_vec().into()),
        };
        c.data_mut().ctx.journal_mut().log(log);
        Ok(())
    });
    hook!("account_balance", |mut c: C<'_, 'a>,
                              address: i32,
                              dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let address = read_and_access(&mut c, address)?;
        let r = c
            .data_mut()
            .ctx
            .journal_mut()
            .load_account(address)
            .map(|a| a.data.info.balance);
        let balance = db(&mut c, r)?;
        write(&mut c, dest, &balance.to_be_bytes::<32>())
    });
    hook!("account_code", |mut c: C<'_, 'a>,
                           address: i32,
                           offset: i32,
                           size: i32,
                           dest: i32|
     -> Result<i32, Error> {
        begin(&mut c, 0)?;
        let address = read_and_access(&mut c, address)?;
        let r = c.data_mut().ctx.journal_mut().code(address).map(|a| a.data);
        let code = db(&mut c, r)?;
        let start = (offset as u32 as usize).min(code.len());
        let end = start.saturating_add(size as u32 as usize).min(code.len());
        charge_fuel(&mut c, ink::ink_to_fuel(copy_ink(end - start)))?;
        write(&mut c, dest, &code[start..end])?;
        Ok((end - start) as i32)
    });
    hook!("account_code_size", |mut c: C<'_, 'a>,
                                address: i32|
     -> Result<i32, Error> {
        begin(&mut c, 0)?;
        let address = read_and_access(&mut c, address)?;
        let r = c
            .data_mut()
            .ctx
            .journal_mut()
            .code(address)
            .map(|a| a.data.len());
        Ok(db(&mut c, r)? as i32)
    });
    hook!("account_codehash", |mut c: C<'_, 'a>,
                               address: i32,
                               dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let address = read_and_access(&mut c, address)?;
        let r = c
            .data_mut()
            .ctx
            .journal_mut()
            .code_hash(address)
            .map(|a| a.data);
        let hash = db(&mut c, r)?;
        write(&mut c, dest, hash.as_slice())
    });
    hook!("evm_gas_left", |mut c: C<'_, 'a>| -> Result<i64, Error> {
        begin(&mut c, 0)?;
        Ok(gas_left(&c)? as i64)
    });
    hook!("evm_ink_left", |mut c: C<'_, 'a>| -> Result<i64, Error> {
        begin(&mut c, 0)?;
        Ok((c.get_fuel()? * ink::INK_PER_FUEL) as i64)
    });
    hook!("block_basefee", |mut c: C<'_, 'a>,
                            dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let v = U256::from(c.data().ctx.block.basefee());
        write(&mut c, dest, &v.to_be_bytes::<32>())
    });
    hook!("chainid", |mut c: C<'_, 'a>| -> Result<i64, Error> {
        begin(&mut c, 0)?;
        Ok(c.data().ctx.cfg.chain_id() as i64)
    });
    hook!("block_coinbase", |mut c: C<'_, 'a>,
                             dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let v = c.data().ctx.block.beneficiary();
        write(&mut c, dest, v.as_slice())
    });
    hook!(
        "block_gas_limit",
        |mut c: C<'_, 'a>| -> Result<i64, Error> {
            begin(&mut c, 0)?;
            Ok(c.data().ctx.block.gas_limit() as i64)
        }
    );
    hook!("block_number", |mut c: C<'_, 'a>| -> Result<i64, Error> {
        begin(&mut c, 0)?;
        Ok(c.data().ctx.block.number().saturating_to::<u64>() as i64)
    });
    hook!(
        "block_timestamp",
        |mut c: C<'_, 'a>| -> Result<i64, Error> {
            begin(&mut c, 0)?;
            Ok(c.data().ctx.block.timestamp().saturating_to::<u64>() as i64)
        }
    );
    hook!("contract_address", |mut c: C<'_, 'a>,
                               dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let v = c.data().inputs.target_address;
        write(&mut c, dest, v.as_slice())
    });
    hook!("math_div", |mut c: C<'_, 'a>,
                       v: i32,
                       d: i32|
     -> Result<(), Error> {
        math(
            &mut c,
            v,
            |a, r| a.checked_div(r[0]).unwrap_or_default(),
            &[d],
        )
    });
    hook!("math_mod", |mut c: C<'_, 'a>,
                       v: i32,
                       m: i32|
     -> Result<(), Error> {
        math(
            &mut c,
            v,
            |a, r| a.checked_rem(r[0]).unwrap_or_default(),
            &[m],
        )
    });
    hook!("math_pow", |mut c: C<'_, 'a>,
                       v: i32,
                       e: i32|
     -> Result<(), Error> {
        math(&mut c, v, |a, r| a.wrapping_pow(r[0]), &[e])
    });
    hook!("math_add_mod", |mut c: C<'_, 'a>,
                           v: i32,
                           x: i32,
                           m: i32|
     -> Result<(), Error> {
        math(&mut c, v, |a, r| a.add_mod(r[0], r[1]), &[x, m])
    });
    hook!("math_mul_mod", |mut c: C<'_, 'a>,
                           v: i32,
                           x: i32,
                           m: i32|
     -> Result<(), Error> {
        math(&mut c, v, |a, r| a.mul_mod(r[0], r[1]), &[x, m])
    });
    hook!("msg_reentrant", |mut c: C<'_, 'a>| -> Result<i32, Error> {
        begin(&mut c, 0)?;
        Ok(c.data().reentrant as i32)
    });
    hook!("msg_sender", |mut c: C<'_, 'a>,
                         dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let v = c.data().inputs.caller;
        write(&mut c, dest, v.as_slice())
    });
    hook!("msg_value", |mut c: C<'_, 'a>,
                        dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let v = c.data().inputs.call_value();
        write(&mut c, dest, &v.to_be_bytes::<32>())
    });
    hook!("native_keccak256", |mut c: C<'_, 'a>,
                               input: i32,
                               len: i32,
                               out: i32|
     -> Result<(), Error> {
        let len = len as u32 as usize;
        begin(&mut c, copy_ink(len))?;
        charge_gas(&mut c, 30 + 6 * (len as u64).div_ceil(32))?;
        let data = read(&c, input, len)?;
        write(&mut c, out, keccak256(&data).as_slice())
    });
    hook!("tx_gas_price", |mut c: C<'_, 'a>,
                           dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let ctx = &c.data().ctx;
        let v = U256::from(ctx.tx.effective_gas_price(u128::from(ctx.block.basefee())));
        write(&mut c, dest, &v.to_be_bytes::<32>())
    });
    hook!("tx_ink_price", |mut c: C<'_, 'a>| -> Result<i32, Error> {
        begin(&mut c, 0)?;
        Ok(ink::INK_PRICE as i32)
    });
    hook!("tx_origin", |mut c: C<'_, 'a>,
                        dest: i32|
     -> Result<(), Error> {
        begin(&mut c, 0)?;
        let v = c.data().ctx.tx.caller();
        write(&mut c, dest, v.as_slice())
    });
    hook!("pay_for_memory_grow", |mut c: C<'_, 'a>,
                                  _pages: i32|
     -> Result<(), Error> {
        // Growth itself is metered by `begin`, which prices every page the memory gained.
        begin(&mut c, 0)
    });

    macro_rules! console {
        ($name:literal, $f:expr) => {
            l.func_wrap("console", $name, $f)
                .expect("each console import is defined once");
        };
    }
    console!("log_txt", |mut c: C<'_, 'a>,
                         ptr: i32,
                         len: i32|
     -> Result<(), Error> {
        let text = read(&c, ptr, len as u32 as usize)?;
        log_line(&mut c, String::from_utf8_lossy(&text).into_owned());
        Ok(())
    });
    console!("log_i32", |mut c: C<'_, 'a>, v: i32| log_line(
        &mut c,
        v.to_string()
    ));
    console!("log_i64", |mut c: C<'_, 'a>, v: i64| log_line(
        &mut c,
        v.to_string()
    ));
    console!("log_f32", |mut c: C<'_, 'a>, v: f32| log_line(
        &mut c,
        v.to_string()
    ));
    console!("log_f64", |mut c: C<'_, 'a>, v: f64| log_line(
        &mut c,
        v.to_string()
    ));
    console!("tee_i32", |mut c: C<'_, 'a>, v: i32| -> i32 {
        log_line(&mut c, v.to_string());
        v
    });
    console!("tee_i64", |mut c: C<'_, 'a>, v: i64| -> i64 {
        log_line(&mut c, v.to_string());
        v
    });
    console!("tee_f32", |mut c: C<'_, 'a>, v: f32| -> f32 {
        log_line(&mut c, v.to_string());
        v
    });
    console!("tee_f64", |mut c: C<'_, 'a>, v: f64| -> f64 {
        log_line(&mut c, v.to_string());
        v
    });
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(o: u64, p: u64, n: u64) -> SStoreResult {
        SStoreResult {
            original_value: U256::from(o),
            present_value: U256::from(p),
            new_value: U256::from(n),
        }
    }

    #[test]
    fn sstore_pricing_follows_eip_2200_2929_3529() {
        assert_eq!(sstore_cost(&s(0, 0, 1), true), (22_100, 0));
        assert_eq!(sstore_cost(&s(1, 1, 2), false), (2_900, 0));
        assert_eq!(sstore_cost(&s(1, 1, 1), false), (100, 0));
        assert_eq!(sstore_cost(&s(1, 1, 0), false), (2_900, 4_800));
        assert_eq!(sstore_cost(&s(0, 1, 0), false), (100, 19_900));
    }
}
