//! The devnet's Stylus metering, pinned to Nitro v3.9.9 (ArbOS 50/51) one rule at a time.
//!
//! Each test runs a small hand-written program that reads `evm_ink_left` before and after
//! the code under test and returns the difference; the expected ink is written out here from
//! Nitro's own figures (`arbitrator/prover/src/programs/meter.rs` `pricing_v1`, the 2,450-ink
//! block header of `config.rs`, `dynamic.rs`, `heap.rs`, `arbutil/src/pricing.rs`,
//! `arbos/programs/memory.go`, `binary.rs`), not computed by the devnet's tables.
//!
//! What the difference holds: the read of the first `evm_ink_left` closes a basic block, so
//! the next block, which runs the code under test and ends at the second `evm_ink_left`
//! call, is paid in full (its operators and its header), then the second read pays its base
//! ink before it reads.

use alloy_sol_types::{sol, SolCall};
use revm::primitives::Address;
use zkmltrack_devnet::{CallRequest, Devnet, DevnetError, TxRequest, DEV_ACCOUNT};

sol! {
    function programInitGas(address program) external view returns (uint64 gas, uint64 gasWhenCached);
}

/// Nitro's figures, in ink.
const HEADER: u64 = 2_450;
const HOSTIO: u64 = 8_400;
const CALL: u64 = 3_800;
const LOCAL_GET: u64 = 75;
const LOCAL_SET: u64 = 210;
const CONST: u64 = 1;
const DROP: u64 = 9;

/// Ink of the harness around an empty body: `local.set $before` ... `i32.const 0`,
/// `local.get $before`, `call $ink`, the header of that block, and the second read.
const HARNESS: u64 = LOCAL_SET + CONST + LOCAL_GET + CALL + HEADER + HOSTIO;

/// A program running `body` between two reads of the ink left; `memory` is its memory
/// declaration, `extra` more imports and functions.
fn program(memory: &str, extra: &str, locals: &str, body: &str) -> Vec<u8> {
    let text = format!(
        r#"(module
  (import "vm_hooks" "evm_ink_left" (func $ink (result i64)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  {extra}
  (memory (export "memory") {memory})
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $before i64) {locals}
    (local.set $before (call $ink))
    {body}
    (i64.store (i32.const 0) (i64.sub (local.get $before) (call $ink)))
    (call $write_result (i32.const 0) (i32.const 8))
    (i32.const 0)))"#
    );
    wat::parse_str(&text).expect("the test program parses")
}

/// Runs `wasm` once and returns the ink its body used.
fn measured(wasm: &[u8]) -> u64 {
    let mut chain = Devnet::default();
    let p = chain.deploy_stylus(DEV_ACCOUNT, wasm).expect("activates");
    let out = chain
        .call(&CallRequest {
            to: Some(p),
            ..Default::default()
        })
        .expect("runs")
        .output;
    u64::from_le_bytes(out[..8].try_into().expect("8 bytes"))
}

fn ink_of(body: &str) -> u64 {
    measured(&program("1 1", "", "", body))
}

#[test]
fn straight_code_pays_each_operator_once_and_one_header() {
    assert_eq!(ink_of(""), HARNESS);
    // i32.mul 160, i64.div_u 1,270, i32.popcnt 2,650, select 1,250.
    assert_eq!(
        ink_of("(drop (i32.mul (i32.const 7) (i32.const 9)))"),
        HARNESS + 2 * CONST + 160 + DROP
    );
    assert_eq!(
        ink_of("(drop (i64.div_u (i64.const 7) (i64.const 9)))"),
        HARNESS + 2 * CONST + 1_270 + DROP
    );
    assert_eq!(
        ink_of("(drop (i32.popcnt (i32.const 7)))"),
        HARNESS + CONST + 2_650 + DROP
    );
    assert_eq!(
        ink_of("(drop (select (i32.const 1) (i32.const 2) (i32.const 0)))"),
        HARNESS + 3 * CONST + 1_250 + DROP
    );
    // Loads and stores: i32.load 670, i64.store 950.
    assert_eq!(
        ink_of("(i64.store (i32.const 64) (i64.const 5)) (drop (i32.load (i32.const 64)))"),
        HARNESS + 2 * CONST + 950 + CONST + 670 + DROP
    );
}

#[test]
fn every_branch_starts_a_block_with_its_own_header() {
    // block 1, br 765 closes the block; the `end` after it is a block of its own that the
    // branch jumps over (its header is not paid), then the harness's block is a new one.
    assert_eq!(ink_of("(block (br 0))"), HARNESS + 1 + 765 + HEADER);
    // A loop of 10 turns: the loop's own `loop` op closes the block before it; each turn
    // pays local.get, i32.const, i32.sub, local.set, local.get, br_if and a header; the
    // loop's `end` is a block of its own.
    let turn = LOCAL_GET + CONST + 70 + LOCAL_SET + LOCAL_GET + 765 + HEADER;
    let body = "(local.set $i (i32.const 10))
        (loop $l (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $l (local.get $i)))";
    let before_loop = CONST + LOCAL_SET + 1 + HEADER;
    let loop_end = 1 + HEADER;
    assert_eq!(
        measured(&program("1 1", "", "(local $i i32)", body)),
        HARNESS + before_loop + 10 * turn + loop_end
    );
}

#[test]
fn br_table_and_call_indirect_cost_by_their_size() {
    // br_table with 2 labels besides the default: 2,400 + 325 x 2; it jumps out of the
    // inner block, skipping that block's `end` header, then pays the outer `end`.
    let body = "(block $a (block $b (br_table $a $b $a (i32.const 1))))";
    assert_eq!(
        ink_of(body),
        HARNESS + 1 + 1 + CONST + 2_400 + 325 * 2 + HEADER + (1 + HEADER)
    );
    // call_indirect of a (i32, i64) -> i32 type: 13,610 + 650 x 2 params; the callee pays
    // local.get and its `end` in one block.
    let extra = r#"(type $t (func (param i32 i64) (result i32)))
        (table 1 funcref) (elem (i32.const 0) $f)
        (func $f (type $t) (local.get 0))"#;
    let body = "(drop (call_indirect (type $t) (i32.const 5) (i64.const 6) (i32.const 0)))";
    let callee = LOCAL_GET + 1 + HEADER;
    assert_eq!(
        measured(&program("1 1", extra, "", body)),
        HARNESS + 3 * CONST + 13_610 + 650 * 2 + HEADER + callee + DROP
    );
}

#[test]
fn bulk_memory_pays_per_byte() {
    // memory.fill 950 + 100 per byte (dynamic.rs), memory.copy the same.
    assert_eq!(
        ink_of("(memory.fill (i32.const 0) (i32.const 0) (i32.const 1000))"),
        HARNESS + 3 * CONST + 950 + 100 * 1_000
    );
    assert_eq!(
        ink_of("(memory.copy (i32.const 100) (i32.const 0) (i32.const 0))"),
        HARNESS + 3 * CONST + 950
    );
}

#[test]
fn host_ios_pay_base_pointers_and_bytes() {
    let imports = r#"(import "vm_hooks" "native_keccak256" (func $keccak (param i32 i32 i32)))
        (import "vm_hooks" "math_mul_mod" (func $mul_mod (param i32 i32 i32)))
        (import "vm_hooks" "msg_sender" (func $sender (param i32)))"#;
    // A host call closes the block; the code after it starts a new one.
    let around = 3 * CONST + CALL + HEADER;
    // keccak_price(100) = 121,800 + 21,000 x (4 words - 2), with no base.
    assert_eq!(
        measured(&program(
            "1 1",
            imports,
            "",
            "(call $keccak (i32.const 0) (i32.const 100) (i32.const 200))"
        )),
        HARNESS + around + 121_800 + 21_000 * 2
    );
    // math_mul_mod: 8,400 + 4 pointers x 5,040 + 24,100.
    assert_eq!(
        measured(&program(
            "1 1",
            imports,
            "",
            "(call $mul_mod (i32.const 0) (i32.const 32) (i32.const 64))"
        )),
        HARNESS + around + 8_400 + 4 * 5_040 + 24_100
    );
    // msg_sender: 8,400 + one pointer.
    assert_eq!(
        measured(&program("1 1", imports, "", "(call $sender (i32.const 0))")),
        HARNESS + CONST + CALL + HEADER + 8_400 + 5_040
    );
}

#[test]
fn memory_growth_is_priced_per_transaction_through_pay_for_memory_grow() {
    let pay = r#"(import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32)))"#;
    // Growing 1 page by 2: 3 pages open, one beyond the 2 free ones costs 1,000 gas, and
    // memoryExponents[3] - memoryExponents[1] = 0. memory.grow itself is 8,050.
    assert_eq!(
        measured(&program("1", pay, "", "(drop (memory.grow (i32.const 2)))")),
        HARNESS + CONST + 8_050 + DROP + 1_000 * 10_000
    );
    // Paying for 0 pages costs the base ink.
    assert_eq!(
        measured(&program("1", pay, "", "(call $pay (i32.const 0))")),
        HARNESS + CONST + CALL + HEADER + HOSTIO
    );
}

#[test]
// Each of Nitro's terms is written out, including those that round to 0 for this module.
#[allow(clippy::identity_op)]
fn entering_a_program_costs_its_init_gas() {
    // The smallest program: one function of type (i32) -> i32, one page, no data.
    let wasm = wat::parse_str(
        r#"(module (memory (export "memory") 1 1)
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    )
    .unwrap();
    let len = wasm.len() as u64;
    // binary.rs: funcs 1, type_len 2, globals 0 + 4 added, data 0, footprint 1.
    let init = 8_252 / 1_000 + 2 * 1_059 / 1_000 + len * 1_286 / 10_000;
    let cached = 13_420 / 100_000 + 2 * 89 / 100_000 + len * 122 / 100_000 + 4 * 1_628 / 1_000 + 5;
    // programs.go: 69 x 128 + init (scalar 100%), 11 x 32 + cached.
    let init_gas = 69 * 128 + init;
    let cached_gas = 11 * 32 + cached;

    let mut chain = Devnet::default();
    let p = chain.deploy_stylus(DEV_ACCOUNT, &wasm).expect("activates");
    let arb_wasm = Address::new(zkmltrack_protocol::system::ARB_WASM);
    let out = chain
        .call(&CallRequest {
            to: Some(arb_wasm),
            data: programInitGasCall { program: p }.abi_encode().into(),
            ..Default::default()
        })
        .expect("programInitGas")
        .output;
    let got = programInitGasCall::abi_decode_returns(&out).expect("decodes");
    assert_eq!(
        (got.gas, got.gasWhenCached),
        (init_gas + cached_gas, cached_gas)
    );

    // A call: 21,000, the entry, one page within the free ones (0), and the program's
    // one block (i32.const, end, header: 2,452 ink), of which a whole gas is lost.
    let receipt = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(p),
            gas: Some(1_000_000),
            ..Default::default()
        })
        .expect("sends");
    assert!(receipt.success);
    assert_eq!(receipt.gas_used, 21_000 + init_gas + cached_gas + 1);
}

/// A program whose `$down` (with `locals` i64 locals) recurses the little-endian `u32`
/// of its calldata times, activated on a fresh devnet; and a run of it with `gas`.
fn recursion(locals: usize) -> impl FnMut(u32, u64) -> zkmltrack_devnet::Receipt {
    let wasm = wat::parse_str(format!(
        r#"(module (import "vm_hooks" "read_args" (func $read_args (param i32)))
             (memory (export "memory") 1 1)
             (func $down (param $n i32) (local {})
               (if (local.get $n) (then (call $down (i32.sub (local.get $n) (i32.const 1))))))
             (func (export "user_entrypoint") (param $len i32) (result i32)
               (call $read_args (i32.const 0))
               (call $down (i32.load (i32.const 0)))
               (i32.const 0)))"#,
        "i64 ".repeat(locals)
    ))
    .unwrap();
    let mut chain = Devnet::default();
    let p = chain.deploy_stylus(DEV_ACCOUNT, &wasm).expect("activates");
    move |n, gas| {
        chain
            .send(TxRequest {
                from: DEV_ACCOUNT,
                to: Some(p),
                data: n.to_le_bytes().to_vec().into(),
                gas: Some(gas),
                ..Default::default()
            })
            .expect("sends")
    }
}

#[test]
fn the_stack_holds_22000_words_and_running_out_takes_all_gas() {
    // $down recurses n times; its frame (locals 0, params not counted) is small, so 100
    // levels fit and a million do not.
    let mut run = recursion(0);
    assert!(run(100, 30_000_000).success);
    let deep = run(1_000_000, 30_000_000);
    assert!(!deep.success);
    assert_eq!(deep.gas_used, 30_000_000, "out of stack consumes all gas");
}

#[test]
fn the_stack_is_counted_in_words_to_22000() {
    // $down takes a frame of 96 words: its worst case of 2 values on the operand stack,
    // its 90 locals and 4 (Nitro's `depth.rs`: worst + locals + 4, parameters not
    // counted); the entry point a few. 229 frames of $down (228 recursions) are 21,984
    // words and fit in 22,000; 230 are 22,080 and do not: the cap is pinned to within
    // 0.5%. (A limit of 4,096 nested calls, the devnet's before, let thousands run.)
    let mut run = recursion(90);
    assert!(run(228, 5_000_000).success, "228 recursions fit");
    assert!(!run(229, 5_000_000).success, "229 do not");
}

#[test]
fn activation_refuses_frames_nitro_refuses() {
    // 4,097 values live at once: above max_frame_contention (4,096).
    let pushes = "(i32.const 1)".repeat(4_097);
    let drops = "(drop)".repeat(4_097);
    let wasm = wat::parse_str(format!(
        r#"(module (memory (export "memory") 1 1)
             (func (export "user_entrypoint") (param i32) (result i32) {pushes} {drops} (i32.const 0)))"#
    ))
    .unwrap();
    let mut chain = Devnet::default();
    let reason = match chain.deploy_stylus(DEV_ACCOUNT, &wasm) {
        Err(DevnetError::Reverted(data)) => alloy_sol_types::decode_revert_reason(&data),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        reason.as_deref(),
        Some(
            "revert: program activation failed: not a valid Stylus program: too many values on the \
             stack at once in func 0: 4097 > 4096"
        )
    );
}

#[test]
fn code_queries_pay_the_700_gas_surcharge() {
    // account_code_size: 8,400 + 59,673 ink, then WasmAccountTouchCost(withCode) = 700 +
    // 100 for the program's own (warm) address, in gas.
    let imports = r#"(import "vm_hooks" "contract_address" (func $me (param i32)))
        (import "vm_hooks" "account_code_size" (func $size (param i32) (result i32)))"#;
    let body = "(call $me (i32.const 0)) (drop (call $size (i32.const 0)))";
    let me = CONST + CALL + HEADER + 8_400 + 5_040;
    let size = CONST + CALL + HEADER + 8_400 + 59_673 + (700 + 100) * 10_000;
    assert_eq!(
        measured(&program("1 1", imports, "", body)),
        HARNESS + me + size + DROP
    );
}

#[test]
// Each of Nitro's terms is written out, including those that round to 0 for this module.
#[allow(clippy::identity_op, clippy::erasing_op)]
fn activation_costs_nitros_fixed_gas_plus_its_work() {
    // precompiles/ArbWasm.go: 1,659,168 gas, then Module::activate's per-item work at
    // 28 gas per estimated microsecond. The smallest program: 1 function whose
    // instrumented body holds 31 operators (i32.const and end, one block header of 12, the
    // depth checker's 12-operator prologue, an added return and 4 operators before it).
    let wasm = wat::parse_str(
        r#"(module (memory (export "memory") 1 1)
             (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    )
    .unwrap();
    let len = wasm.len() as u64;
    let us = |x: u64| x * 28;
    let work = us(len * 31_733 / 100_000)
        + us(1 * 17_263 / 100_000)
        + us(0 * 17_376 / 100_000)
        + us(0 * 17_376 / 100_000)
        + us(1 * 2_217)
        + us(31 * 535 / 1_000);
    let mut chain = Devnet::default();
    let code = zkmltrack_devnet::stylus::program::encode(&wasm);
    let p = chain
        .deploy(
            DEV_ACCOUNT,
            zkmltrack_protocol::evm::init_code_for(&code).into(),
        )
        .expect("deploys");
    let receipt = chain.activate(DEV_ACCOUNT, p).expect("activates");
    let calldata = alloy_sol_types::SolCall::abi_encode(
        &zkmltrack_devnet::arbos::IArbWasm::activateProgramCall { program: p },
    );
    let intrinsic = 21_000
        + calldata
            .iter()
            .map(|b| if *b == 0 { 4 } else { 16 })
            .sum::<u64>();
    assert_eq!(receipt.gas_used, intrinsic + 1_659_168 + work);
}

#[test]
fn value_sent_to_an_empty_account_costs_25_000_gas_more() {
    // geth `operations_acl_arbitrum.go` `WasmCallCost`: a call with value to an account
    // that is empty (no balance, nonce or code) adds params.CallNewAccountGas, 25,000 gas.
    // Two runs that differ only in the callee: a cold empty account, and a cold funded
    // account (the genesis' second, not the caller); both receive 1 wei.
    let chain = Devnet::default();
    let funded = chain.accounts()[1];
    let empty = Address::repeat_byte(0xaa);
    let run = |to: Address| {
        let escaped: String = to.0.iter().map(|b| format!("\\{b:02x}")).collect();
        let imports = format!(
            r#"(import "vm_hooks" "call_contract" (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
            (data (i32.const 64) "{escaped}")
            (data (i32.const 127) "\01")"#
        );
        let body = "(drop (call $call (i32.const 64) (i32.const 0) (i32.const 0) (i32.const 96) \
                    (i64.const -1) (i32.const 160)))";
        let wasm = program("1 1", &imports, "", body);
        let mut chain = Devnet::default();
        let p = chain.deploy_stylus(DEV_ACCOUNT, &wasm).expect("activates");
        let out = chain
            .call(&CallRequest {
                from: Some(DEV_ACCOUNT),
                to: Some(p),
                value: revm::primitives::U256::from(1u8),
                ..Default::default()
            })
            .expect("runs")
            .output;
        u64::from_le_bytes(out[..8].try_into().expect("8 bytes"))
    };
    assert_eq!(run(empty) - run(funded), 25_000 * 10_000);
}
