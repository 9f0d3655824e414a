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
use wasmi::{Caller, Error, Global, Linker, Memory, Store, Val};

use super::activation;
use super::{
    frames::{self, SubCall},
    ink::{self, EVM_API_INK, HOSTIO_INK, PTR_INK},
    meter, StylusPrecompiles,
};
use crate::evm::DevContext;

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
/// Value sent to an empty account creates it (`CallNewAccountGas`).
const NEW_ACCOUNT_GAS: u64 = 25_000;
/// Gas a storage access must have left beyond its price (`StorageCache::REQUIRED_ACCESS_GAS`).
const REQUIRED_ACCESS_GAS: u64 = 10;
/// `EXTCODECOPY`'s surcharge for Arbitrum's code size (700 per 24,576 bytes of `MaxCodeSize`).
const CODE_SIZE_GAS: u64 = 700;

/// Gas of the `n`-th storage read of an invocation (`StorageCache::read_gas`).
fn cache_read_gas(n: u64) -> u64 {
    match n {
        0..=32 => 0,
        33..=128 => 2,
        _ => 10,
    }
}

/// Gas of the `n`-th storage write of an invocation (`StorageCache::write_gas`).
fn cache_write_gas(n: u64) -> u64 {
    match n {
        0..=8 => 0,
        9..=64 => 7,
        _ => 10,
    }
}

/// One cached storage slot (`StorageWord`): its value, and the value the state holds when
/// known; it is written back when they differ.
#[derive(Clone, Copy)]
struct Slot {
    value: B256,
    known: Option<B256>,
}

impl Slot {
    fn dirty(&self) -> bool {
        Some(self.value) != self.known
    }
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
    /// Storage reads and writes so far (`StorageCache::read_gas`, `write_gas`).
    cache_reads: u64,
    cache_writes: u64,
    /// The account whose code was fetched last (fetched again for free).
    last_code: Option<Address>,
    memory: Option<Memory>,
    /// The instrumentation's ink-left and ink-status globals.
    ink: Option<(Global, Global)>,
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
    let info = match activation::active(ctx, codehash)? {
        Ok(info) => info,
        Err(error) => return Ok(revert(gas, error.into())),
    };
    let module = match provider.programs.module(codehash, bytecode) {
        Ok(m) => m,
        Err(_) => return Ok(revert(gas, Bytes::new())),
    };
    // The program's entry: its init costs, and its initial pages on top of those open in
    // the transaction (`Programs.CallProgram`).
    let pages_before = provider.pages;
    let entry_gas = info
        .costs
        .entry_gas()
        .saturating_add(pages_before.gas_of(info.footprint));
    if !gas.record_regular_cost(entry_gas) {
        return Ok(out_of_gas(inputs.gas_limit));
    }
    provider.pages = pages_before.opened(info.footprint);

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
            cache_reads: 0,
            cache_writes: 0,
            last_code: None,
            memory: None,
            ink: None,
            refund: 0,
            reentrant,
            fatal: None,
        };
        let mut store = Store::new(&engine, host);
        let linker = linker(&engine);
        execute(
            &mut store,
            &linker,
            &module,
            ink::gas_to_ink(gas.remaining()),
        )
        .map(|status| {
            let ink = ink_in(&store);
            let host = store.into_data();
            (status, ink, host.result, host.refund, host.fatal)
        })
    };
    // The frame's pages close when it returns; the most ever open stays.
    provider.pages.open = pages_before.open;
    if counts_for_reentrancy {
        if let Some(open) = provider.open_frames.get_mut(&inputs.target_address) {
            *open -= 1;
        }
    }
    let (status, ink_left, result, refund, fatal) = outcome?;
    if let Some(fatal) = fatal {
        return Err(fatal);
    }
    // Whole gas only: the ink below one gas is lost (`stylus_call`).
    let left = ink::ink_to_gas(ink_left).min(gas.remaining());
    let spent = gas.remaining() - left;
    let _ = gas.record_regular_cost(spent);
    Ok(match status {
        Status::Done(0) => {
            gas.record_refund(refund);
            InterpreterResult::new(InstructionResult::Return, result.into(), gas)
        }
        Status::Done(_) => revert(gas, result.into()),
        Status::Trapped(reason) => {
            trace(
                provider,
                format!("program {} trapped: {reason}", inputs.bytecode_address),
            );
            revert(gas, Bytes::new())
        }
        Status::OutOfInk => {
            trace(
                provider,
                format!("program {} ran out of ink", inputs.bytecode_address),
            );
            out_of_gas(inputs.gas_limit)
        }
        Status::OutOfStack => {
            trace(
                provider,
                format!("program {} ran out of stack", inputs.bytecode_address),
            );
            all_gas_taken(inputs.gas_limit, InstructionResult::CallTooDeep)
        }
    })
}

/// Records why a program failed in the console lines (and on stderr with
/// `ZKMLTRACK_DEVNET_TRACE` set).
fn trace(provider: &mut StylusPrecompiles, line: String) {
    if std::env::var_os("ZKMLTRACK_DEVNET_TRACE").is_some() {
        eprintln!("{line}");
    }
    provider.console.push(line);
}

/// How a program invocation ended.
enum Status {
    /// Returned (or exited early) with this status; 0 is success.
    Done(u32),
    /// Trapped (with the reason): revert with empty data.
    Trapped(String),
    /// Ran out of ink: out of gas.
    OutOfInk,
    /// Exceeded the stack depth (`maxStackDepth` words): Nitro's `ErrDepth`, which
    /// consumes all the gas of the frame.
    OutOfStack,
}

fn execute<'a>(
    store: &mut Store<Host<'a>>,
    linker: &Linker<Host<'a>>,
    module: &wasmi::Module,
    ink: u64,
) -> Result<Status, String> {
    let instance = match linker.instantiate_and_start(&mut *store, module) {
        Ok(i) => i,
        Err(e) => return Ok(Status::Trapped(e.to_string())),
    };
    let Some(memory) = instance.get_memory(&*store, "memory") else {
        return Ok(Status::Trapped("no exported memory".into()));
    };
    let (Some(left), Some(status), Some(stack)) = (
        instance.get_global(&*store, meter::INK_LEFT),
        instance.get_global(&*store, meter::INK_STATUS),
        instance.get_global(&*store, meter::STACK_LEFT),
    ) else {
        return Ok(Status::Trapped("program is not instrumented".into()));
    };
    left.set(&mut *store, Val::I64(ink as i64))
        .map_err(|e| e.to_string())?;
    // Every invocation gets the whole stack budget (`run_main`, `set_stack`).
    stack
        .set(&mut *store, Val::I32(ink::MAX_STACK_DEPTH as i32))
        .map_err(|e| e.to_string())?;
    store.data_mut().memory = Some(memory);
    store.data_mut().ink = Some((left, status));
    let Ok(entry) = instance.get_typed_func::<i32, i32>(&*store, "user_entrypoint") else {
        return Ok(Status::Trapped("no user_entrypoint".into()));
    };
    let len = store.data().args.len() as i32;
    let outcome = entry.call(&mut *store, len);
    if exhausted(&*store) {
        return Ok(Status::OutOfInk);
    }
    if outcome.is_err() && stack.get(&*store).i32() == Some(0) {
        return Ok(Status::OutOfStack);
    }
    Ok(match outcome {
        Ok(s) => Status::Done(s as u32),
        Err(e) => match e.i32_exit_status() {
            Some(code) => Status::Done(code as u32),
            None => Status::Trapped(e.to_string()),
        },
    })
}

/// Whether the program ran out of ink (its status global is set).
fn exhausted(store: &Store<Host<'_>>) -> bool {
    match store.data().ink {
        Some((_, status)) => status.get(store).i32() != Some(0),
        None => false,
    }
}

/// Ink left in an instrumented program: 0 once exhausted (`MachineMeter::ink`).
fn ink_in(store: &Store<Host<'_>>) -> u64 {
    match store.data().ink {
        Some((left, status)) if status.get(store).i32() == Some(0) => {
            left.get(store).i64().unwrap_or(0) as u64
        }
        _ => 0,
    }
}

fn revert(gas: Gas, data: Bytes) -> InterpreterResult {
    InterpreterResult::new(InstructionResult::Revert, data, gas)
}

fn out_of_gas(limit: u64) -> InterpreterResult {
    all_gas_taken(limit, InstructionResult::OutOfGas)
}

/// A frame that ended consuming all its gas, with no data.
fn all_gas_taken(limit: u64, result: InstructionResult) -> InterpreterResult {
    let mut gas = Gas::new(limit);
    gas.spend_all();
    InterpreterResult::new(result, Bytes::new(), gas)
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

/// The instrumentation's globals (set before the entrypoint runs).
fn ink_globals(c: &C<'_, '_>) -> Result<(Global, Global), Error> {
    c.data()
        .ink
        .ok_or_else(|| trap("program is not instrumented"))
}

/// Ink left (`ink_ready`): 0 once exhausted.
fn ink_left(c: &C<'_, '_>) -> Result<u64, Error> {
    let (left, status) = ink_globals(c)?;
    if status.get(c).i32() != Some(0) {
        return Ok(0);
    }
    Ok(left.get(c).i64().unwrap_or(0) as u64)
}

/// Marks the program exhausted and traps (`out_of_ink`).
fn out_of_ink(c: &mut C<'_, '_>) -> Error {
    if let Ok((_, status)) = ink_globals(c) {
        let _ = status.set(&mut *c, Val::I32(1));
    }
    trap("out of ink")
}

/// Pays `ink` (`buy_ink`); running out is out of ink.
fn buy_ink(c: &mut C<'_, '_>, ink: u64) -> Result<(), Error> {
    let left = ink_left(c)?;
    if left < ink {
        return Err(out_of_ink(c));
    }
    let (global, _) = ink_globals(c)?;
    global
        .set(&mut *c, Val::I64((left - ink) as i64))
        .map_err(|e| trap(&e.to_string()))
}

/// Pays `gas` as ink (`buy_gas`).
fn buy_gas(c: &mut C<'_, '_>, gas: u64) -> Result<(), Error> {
    buy_ink(c, ink::gas_to_ink(gas))
}

/// Fails with out of ink unless `gas` is left, paying nothing (`require_gas`).
fn require_gas(c: &mut C<'_, '_>, gas: u64) -> Result<(), Error> {
    if ink_left(c)? < ink::gas_to_ink(gas) {
        return Err(out_of_ink(c));
    }
    Ok(())
}

/// Whole gas left (`gas_left`, rounded down).
fn gas_left(c: &C<'_, '_>) -> Result<u64, Error> {
    Ok(ink::ink_to_gas(ink_left(c)?))
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
    buy_gas(c, cost)?;
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

/// The code of `address`, paying the node's price unless it was the last one fetched
/// (`account_code`, `account_code_size`).
fn account_code(c: &mut C<'_, '_>, address: Address) -> Result<Bytes, Error> {
    if c.data().last_code != Some(address) {
        let cost = CODE_SIZE_GAS + access(c, address)?;
        buy_gas(c, cost)?;
    }
    let r = c.data_mut().ctx.journal_mut().code(address).map(|a| a.data);
    let code = db(c, r)?;
    // Empty code is not remembered (ArbOS 40 on).
    c.data_mut().last_code = (!code.is_empty()).then_some(address);
    Ok(code)
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
        .filter(|(_, s)| s.dirty())
        .map(|(k, s)| (*k, s.value))
        .collect();
    if !dirty.is_empty() {
        static_violation(c, "storage write")?;
    }
    // The stores are priced together after they are made (`setTrieSlots`).
    let me = c.data().inputs.target_address;
    let mut total = 0u64;
    for (key, value) in dirty {
        let r = c
            .data_mut()
            .ctx
            .journal_mut()
            .sstore(me, key.into(), value.into());
        let r = db(c, r)?;
        let (gas, refund) = sstore_cost(&r.data, r.is_cold);
        total = total.saturating_add(gas);
        let host = c.data_mut();
        host.refund += refund;
        if let Some(slot) = host.cache.get_mut(&key) {
            slot.known = Some(slot.value);
        }
    }
    if clear {
        c.data_mut().cache.clear();
    }
    buy_gas(c, total)?;
    // ArbOS 50 on: a flush that leaves no whole gas is out of gas (`setTrieSlots`).
    if gas_left(c)? == 0 {
        return Err(out_of_ink(c));
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
    // Go's `doCall`: the access (and value) cost, then 63/64 of what is left.
    let left = gas_left(c)?;
    let gas_req = gas_req.min(left);
    let mut base = access(c, to)?;
    if !value.is_zero() {
        base += CALL_VALUE_GAS;
        let empty = {
            let r = c
                .data_mut()
                .ctx
                .journal_mut()
                .load_account(to)
                .map(|a| a.is_empty());
            db(c, r)?
        };
        if empty {
            base += NEW_ACCOUNT_GAS;
        }
    }
    if base > left {
        buy_gas(c, left)?;
        c.data_mut().return_data = Bytes::new();
        write_u32(c, ret_len_ptr, 0)?;
        return Ok(2);
    }
    let start = (left - base) * 63 / 64;
    let mut give = start.min(gas_req);
    if !value.is_zero() {
        give += CALL_STIPEND;
    }

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
    // The caller pays the access cost and what the callee used.
    let returned = outcome.result.gas.remaining();
    buy_gas(c, base.saturating_add(give.saturating_sub(returned)))?;
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
    // Go's `create`: all the gas left goes in; 32,000 (and CREATE2's hashing) and 1/64 of
    // the rest stay out.
    let words = (code.len() as u64).div_ceil(32);
    let mut base = 32_000;
    if salt.is_some() {
        base += 6 * words;
    }
    let start = gas_left(c)?;
    if start < base {
        return Err(trap("create: not enough gas for its base cost"));
    }
    let rest = start - base;
    let one64th = rest / 64;
    let give = rest - one64th;
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
    let returned = outcome.result.gas.remaining();
    buy_gas(c, start.saturating_sub(returned.saturating_add(one64th)))?;
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

/// A `math_*` host I/O: `ink` paid first (the base, one pointer per operand and the result,
/// and the operation's own price).
fn math(
    c: &mut C<'_, '_>,
    ink: u64,
    out: i32,
    f: impl FnOnce(U256, &[U256]) -> U256,
    args: &[i32],
) -> Result<(), Error> {
    buy_ink(c, ink)?;
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
        buy_ink(&mut c, HOSTIO_INK + ink::write_price(args.len() as u64))?;
        write(&mut c, dest, &args)
    });
    hook!("write_result", |mut c: C<'_, 'a>,
                           ptr: i32,
                           len: i32|
     -> Result<(), Error> {
        // Read from the program, then again by the node (`write_result`).
        buy_ink(
            &mut c,
            HOSTIO_INK + 2 * ink::read_price(u64::from(len as u32)),
        )?;
        let data = read(&c, ptr, len as u32 as usize)?;
        c.data_mut().result = data;
        Ok(())
    });
    hook!("exit_early", |_c: C<'_, 'a>,
                         status: i32|
     -> Result<(), Error> {
        Err(Error::i32_exit(status))
    });
    hook!("storage_load_bytes32", |mut c: C<'_, 'a>,
                                   key: i32,
                                   dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + 2 * PTR_INK)?;
        let evm_api_gas = ink::ink_to_gas(EVM_API_INK);
        require_gas(&mut c, COLD_SLOAD_GAS + REQUIRED_ACCESS_GAS + evm_api_gas)?;
        let key = read_word(&c, key)?;
        let host = c.data_mut();
        host.cache_reads += 1;
        let mut cost = cache_read_gas(host.cache_reads);
        let value = match c.data().cache.get(&key) {
            Some(slot) => slot.value,
            None => {
                let me = c.data().inputs.target_address;
                let r = c.data_mut().ctx.journal_mut().sload(me, key.into());
                let loaded = db(&mut c, r)?;
                cost += if loaded.is_cold {
                    COLD_SLOAD_GAS
                } else {
                    WARM_GAS
                } + evm_api_gas;
                let value = B256::from(loaded.data);
                c.data_mut().cache.insert(
                    key,
                    Slot {
                        value,
                        known: Some(value),
                    },
                );
                value
            }
        };
        buy_gas(&mut c, cost)?;
        write(&mut c, dest, value.as_slice())
    });
    hook!("storage_cache_bytes32", |mut c: C<'_, 'a>,
                                    key: i32,
                                    value: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + 2 * PTR_INK)?;
        require_gas(&mut c, SSTORE_SENTRY_GAS + REQUIRED_ACCESS_GAS)?;
        let (key, value) = (read_word(&c, key)?, read_word(&c, value)?);
        let host = c.data_mut();
        host.cache_writes += 1;
        let cost = cache_write_gas(host.cache_writes);
        host.cache
            .entry(key)
            .and_modify(|slot| slot.value = value)
            .or_insert(Slot { value, known: None });
        buy_gas(&mut c, cost)
    });
    hook!("storage_flush_cache", |mut c: C<'_, 'a>,
                                  clear: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + EVM_API_INK)?;
        require_gas(&mut c, SSTORE_SENTRY_GAS)?;
        flush(&mut c, clear != 0)
    });
    hook!("transient_load_bytes32", |mut c: C<'_, 'a>,
                                     key: i32,
                                     dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK)?;
        buy_gas(&mut c, WARM_GAS)?;
        let key = read_u256(&c, key)?;
        let me = c.data().inputs.target_address;
        let v = c.data_mut().ctx.journal_mut().tload(me, key);
        write(&mut c, dest, &v.to_be_bytes::<32>())
    });
    hook!("transient_store_bytes32", |mut c: C<'_, 'a>,
                                      key: i32,
                                      value: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK)?;
        static_violation(&c, "transient storage write")?;
        buy_gas(&mut c, WARM_GAS)?;
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
        buy_ink(
            &mut c,
            HOSTIO_INK + 3 * PTR_INK + EVM_API_INK + 2 * ink::read_price(u64::from(len as u32)),
        )?;
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
        buy_ink(
            &mut c,
            HOSTIO_INK + 3 * PTR_INK + EVM_API_INK + 2 * ink::read_price(u64::from(len as u32)),
        )?;
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
        buy_ink(
            &mut c,
            HOSTIO_INK + 3 * PTR_INK + EVM_API_INK + 2 * ink::read_price(u64::from(len as u32)),
        )?;
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
        buy_ink(
            &mut c,
            HOSTIO_INK + 3 * PTR_INK + EVM_API_INK + 2 * ink::read_price(u64::from(len as u32)),
        )?;
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
        buy_ink(
            &mut c,
            HOSTIO_INK + 4 * PTR_INK + EVM_API_INK + 2 * ink::read_price(u64::from(len as u32)),
        )?;
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
        buy_ink(
            &mut c,
            HOSTIO_INK + EVM_API_INK + ink::write_price((end - start) as u64),
        )?;
        write(&mut c, dest, &data[start..end])?;
        Ok((end - start) as i32)
    });
    hook!(
        "return_data_size",
        |mut c: C<'_, 'a>| -> Result<i32, Error> {
            buy_ink(&mut c, HOSTIO_INK)?;
            Ok(c.data().return_data.len() as i32)
        }
    );
    hook!("emit_log", |mut c: C<'_, 'a>,
                       data: i32,
                       len: i32,
                       topics: i32|
     -> Result<(), Error> {
        let len = len as u32 as usize;
        buy_ink(
            &mut c,
            HOSTIO_INK + EVM_API_INK + ink::read_price(len as u64),
        )?;
        static_violation(&c, "log")?;
        let topics = topics as u32 as usize;
        if topics > 4 || len < topics * 32 {
            return Err(trap(
                "bad log: more than 4 topics or data shorter than its topics",
            ));
        }
        buy_gas(
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
        buy_ink(&mut c, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK)?;
        require_gas(&mut c, COLD_ACCOUNT_GAS)?;
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
        buy_ink(&mut c, HOSTIO_INK + EVM_API_INK)?;
        require_gas(&mut c, COLD_ACCOUNT_GAS)?;
        let address = read_address(&c, address)?;
        let code = account_code(&mut c, address)?;
        // The node's copy is priced on the whole code, not the part copied.
        buy_ink(&mut c, ink::write_price(code.len() as u64))?;
        let start = (offset as u32 as usize).min(code.len());
        let end = start.saturating_add(size as u32 as usize).min(code.len());
        write(&mut c, dest, &code[start..end])?;
        Ok((end - start) as i32)
    });
    hook!("account_code_size", |mut c: C<'_, 'a>,
                                address: i32|
     -> Result<i32, Error> {
        buy_ink(&mut c, HOSTIO_INK + EVM_API_INK)?;
        require_gas(&mut c, COLD_ACCOUNT_GAS)?;
        let address = read_address(&c, address)?;
        Ok(account_code(&mut c, address)?.len() as i32)
    });
    hook!("account_codehash", |mut c: C<'_, 'a>,
                               address: i32,
                               dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK)?;
        require_gas(&mut c, COLD_ACCOUNT_GAS)?;
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
        buy_ink(&mut c, HOSTIO_INK)?;
        Ok(gas_left(&c)? as i64)
    });
    hook!("evm_ink_left", |mut c: C<'_, 'a>| -> Result<i64, Error> {
        buy_ink(&mut c, HOSTIO_INK)?;
        Ok(ink_left(&c)? as i64)
    });
    hook!("block_basefee", |mut c: C<'_, 'a>,
                            dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + PTR_INK)?;
        let v = U256::from(c.data().ctx.block.basefee());
        write(&mut c, dest, &v.to_be_bytes::<32>())
    });
    hook!("chainid", |mut c: C<'_, 'a>| -> Result<i64, Error> {
        buy_ink(&mut c, HOSTIO_INK)?;
        Ok(c.data().ctx.cfg.chain_id() as i64)
    });
    hook!("block_coinbase", |mut c: C<'_, 'a>,
                             dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + PTR_INK)?;
        let v = c.data().ctx.block.beneficiary();
        write(&mut c, dest, v.as_slice())
    });
    hook!(
        "block_gas_limit",
        |mut c: C<'_, 'a>| -> Result<i64, Error> {
            buy_ink(&mut c, HOSTIO_INK)?;
            Ok(c.data().ctx.block.gas_limit() as i64)
        }
    );
    hook!("block_number", |mut c: C<'_, 'a>| -> Result<i64, Error> {
        buy_ink(&mut c, HOSTIO_INK)?;
        Ok(c.data().ctx.block.number().saturating_to::<u64>() as i64)
    });
    hook!(
        "block_timestamp",
        |mut c: C<'_, 'a>| -> Result<i64, Error> {
            buy_ink(&mut c, HOSTIO_INK)?;
            Ok(c.data().ctx.block.timestamp().saturating_to::<u64>() as i64)
        }
    );
    hook!("contract_address", |mut c: C<'_, 'a>,
                               dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + PTR_INK)?;
        let v = c.data().inputs.target_address;
        write(&mut c, dest, v.as_slice())
    });
    hook!("math_div", |mut c: C<'_, 'a>,
                       v: i32,
                       d: i32|
     -> Result<(), Error> {
        math(
            &mut c,
            HOSTIO_INK + 3 * PTR_INK + ink::DIV_INK,
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
            HOSTIO_INK + 3 * PTR_INK + ink::DIV_INK,
            v,
            |a, r| a.checked_rem(r[0]).unwrap_or_default(),
            &[m],
        )
    });
    hook!("math_pow", |mut c: C<'_, 'a>,
                       v: i32,
                       e: i32|
     -> Result<(), Error> {
        let exponent = read_word(&c, e)?;
        let price = HOSTIO_INK + 3 * PTR_INK + ink::pow_price(&exponent.0);
        math(&mut c, price, v, |a, r| a.wrapping_pow(r[0]), &[e])
    });
    hook!("math_add_mod", |mut c: C<'_, 'a>,
                           v: i32,
                           x: i32,
                           m: i32|
     -> Result<(), Error> {
        math(
            &mut c,
            HOSTIO_INK + 4 * PTR_INK + ink::ADD_MOD_INK,
            v,
            |a, r| a.add_mod(r[0], r[1]),
            &[x, m],
        )
    });
    hook!("math_mul_mod", |mut c: C<'_, 'a>,
                           v: i32,
                           x: i32,
                           m: i32|
     -> Result<(), Error> {
        math(
            &mut c,
            HOSTIO_INK + 4 * PTR_INK + ink::MUL_MOD_INK,
            v,
            |a, r| a.mul_mod(r[0], r[1]),
            &[x, m],
        )
    });
    hook!("msg_reentrant", |mut c: C<'_, 'a>| -> Result<i32, Error> {
        buy_ink(&mut c, HOSTIO_INK)?;
        Ok(c.data().reentrant as i32)
    });
    hook!("msg_sender", |mut c: C<'_, 'a>,
                         dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + PTR_INK)?;
        let v = c.data().inputs.caller;
        write(&mut c, dest, v.as_slice())
    });
    hook!("msg_value", |mut c: C<'_, 'a>,
                        dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + PTR_INK)?;
        let v = c.data().inputs.call_value();
        write(&mut c, dest, &v.to_be_bytes::<32>())
    });
    hook!("native_keccak256", |mut c: C<'_, 'a>,
                               input: i32,
                               len: i32,
                               out: i32|
     -> Result<(), Error> {
        let len = len as u32 as usize;
        buy_ink(&mut c, ink::keccak_price(len as u64))?;
        let data = read(&c, input, len)?;
        write(&mut c, out, keccak256(&data).as_slice())
    });
    hook!("tx_gas_price", |mut c: C<'_, 'a>,
                           dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + PTR_INK)?;
        let ctx = &c.data().ctx;
        let v = U256::from(ctx.tx.effective_gas_price(u128::from(ctx.block.basefee())));
        write(&mut c, dest, &v.to_be_bytes::<32>())
    });
    hook!("tx_ink_price", |mut c: C<'_, 'a>| -> Result<i32, Error> {
        buy_ink(&mut c, HOSTIO_INK)?;
        Ok(ink::INK_PRICE as i32)
    });
    hook!("tx_origin", |mut c: C<'_, 'a>,
                        dest: i32|
     -> Result<(), Error> {
        buy_ink(&mut c, HOSTIO_INK + PTR_INK)?;
        let v = c.data().ctx.tx.caller();
        write(&mut c, dest, v.as_slice())
    });
    hook!("pay_for_memory_grow", |mut c: C<'_, 'a>,
                                  pages: i32|
     -> Result<(), Error> {
        // Called by the instrumentation before every `memory.grow`: ArbOS 50/51 truncates
        // the pages to 16 bits; zero pages cost the base ink only.
        let pages = pages as u32 as u16;
        if pages == 0 {
            return buy_ink(&mut c, HOSTIO_INK);
        }
        // The pages count as open even when the growth then fails (`addPages`).
        let provider = &mut c.data_mut().provider;
        let gas = provider.pages.gas_of(pages);
        provider.pages = provider.pages.opened(pages);
        buy_gas(&mut c, gas)
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
