//! Activation-time instrumentation of a Stylus program, as Nitro does it: the program's
//! code is rewritten so that it pays its own ink, and its size facts are counted for the
//! entry cost and the activation gas.
//!
//! Nitro (v3.9.9, `arbitrator/prover/src/programs/`) runs the middlewares `meter`,
//! `dynamic`, `depth` and `heap` over every function body; this module applies the same
//! rewrites with `wasmparser` and `wasm-encoder` (the ecosystem's WASM reader and writer):
//!
//! - **meter** (`meter.rs`): each basic block, closed by `end`, `else`, `return`, `loop`,
//!   `br`, `br_if`, `br_table`, `if`, `call` or `call_indirect`, is preceded by a header that
//!   traps with the ink status set when `stylus_ink_left` is below the block's cost (its
//!   operators' [`ink::operator_ink`] plus [`ink::BLOCK_HEADER_INK`]) and subtracts it.
//! - **dynamic** (`dynamic.rs`): `memory.copy` and `memory.fill` pay 100 ink per byte first.
//! - **depth** (`depth.rs`): each function takes its worst-case frame (operand stack as
//!   Nitro's linear scan counts it, plus its locals, plus 4 words) from `stylus_stack_left`
//!   on entry and gives it back at each return; a call that does not fit traps with it at 0,
//!   which the host reports as out of stack (all gas of the frame is consumed).
//! - **heap** (`heap.rs`): `memory.grow` calls the program's `pay_for_memory_grow` import
//!   first, which prices the pages per transaction; a growable memory requires that import.
//!
//! The host reads and writes the ink and the stack through the exported globals
//! [`INK_LEFT`], [`INK_STATUS`] and [`STACK_LEFT`] (Nitro's names), so ink is exact to the
//! unit and stack depth to the word.

use wasm_encoder::{
    reencode::{self, Reencode},
    ConstExpr, ExportKind, GlobalType, SectionId, ValType,
};
use wasmparser::{ExternalKind, Operator, Parser, Payload, TypeRef};

use super::{
    host::HOST_IMPORTS,
    ink::{self, ActivationWork, ModuleCosts, ModuleShape},
};

/// Export name of the ink-left global (`STYLUS_INK_LEFT`).
pub const INK_LEFT: &str = "stylus_ink_left";
/// Export name of the ink-status global (`STYLUS_INK_STATUS`; non-zero: exhausted).
pub const INK_STATUS: &str = "stylus_ink_status";
/// Export name of the stack-left global (`STYLUS_STACK_LEFT`, in words).
pub const STACK_LEFT: &str = "stylus_stack_left";
/// Globals the instrumentation adds: ink left, ink status, scratch, stack left.
const ADDED_GLOBALS: u32 = 4;

/// A program ready to run, with what activation learned about it.
#[derive(Debug, Clone)]
pub struct Instrumented {
    /// The rewritten module.
    pub wasm: Vec<u8>,
    /// Initial memory pages.
    pub footprint: u16,
    /// Entry costs and asm estimate.
    pub costs: ModuleCosts,
    /// What activation charges gas for.
    pub work: ActivationWork,
}

/// Facts of the original module gathered before rewriting it.
#[derive(Default)]
struct Scan {
    /// (params, results) per type index.
    arity: Vec<(u32, u32)>,
    /// Per type index: `Some(true)` for (i32) -> i32, `Some(false)` for (i32) -> ().
    i32_sig: Vec<Option<bool>>,
    imported_funcs: u32,
    imported_globals: u32,
    defined_globals: u32,
    has_global_section: bool,
    /// Function index of `vm_hooks.pay_for_memory_grow` and its type.
    pay_for_memory_grow: Option<(u32, u32)>,
    /// Type of each function (imports first).
    func_types: Vec<u32>,
    memories: u32,
    memory: Option<(u64, Option<u64>)>,
    memory_exported: bool,
    entrypoint: Option<u32>,
    imports: u32,
    exports: u32,
    datas: u32,
    elements: u32,
    data_len: u64,
    data_bytes: u64,
    element_bytes: u64,
    table_entries: u64,
    funcs: u64,
    type_len: u64,
}

/// Instruments a decompressed Stylus program; an error is the reason Nitro's activation
/// would refuse it.
pub fn instrument(wasm: &[u8], debug_chain: bool) -> Result<Instrumented, String> {
    let scan = scan(wasm, debug_chain)?;
    let (min, max) = scan
        .memory
        .ok_or("missing memory with export name \"memory\"")?;
    if !scan.memory_exported {
        return Err("missing memory with export name \"memory\"".into());
    }
    if min > u64::from(ink::PAGE_LIMIT) {
        return Err(format!("memory exceeds limit: {min} > {}", ink::PAGE_LIMIT));
    }
    let pay = if max == Some(min) {
        None
    } else {
        match scan.pay_for_memory_grow {
            Some((index, ty)) if scan.i32_sig.get(ty as usize) == Some(&Some(false)) => Some(index),
            Some(_) => return Err("wrong type for pay_for_memory_grow".into()),
            None => {
                return Err(
                    "missing import pay_for_memory_grow (required by a memory without a \
                     maximum equal to its minimum)"
                        .into(),
                )
            }
        }
    };
    match scan.entrypoint {
        Some(f)
            if scan
                .func_types
                .get(f as usize)
                .and_then(|t| scan.i32_sig.get(*t as usize))
                == Some(&Some(true)) => {}
        _ => return Err("missing export user_entrypoint of type (i32) -> i32".into()),
    }
    let limits = [
        (1, u64::from(scan.memories), "memories"),
        (128, u64::from(scan.datas), "datas"),
        (128, u64::from(scan.elements), "elements"),
        (1024, u64::from(scan.exports), "exports"),
        (4096, scan.funcs, "functions"),
        (
            32768,
            u64::from(scan.defined_globals + ADDED_GLOBALS),
            "globals",
        ),
        (513, u64::from(scan.imports), "imports"),
        (4096, scan.table_entries, "table entries"),
        (4096, scan.element_bytes, "element entries"),
    ];
    for (limit, count, name) in limits {
        if count > limit {
            return Err(format!("too many wasm {name}: {count} > {limit}"));
        }
    }

    let globals = scan.imported_globals + scan.defined_globals;
    let mut rewriter = Rewriter {
        ink: globals,
        status: globals + 1,
        scratch: globals + 2,
        stack: globals + 3,
        has_global_section: scan.has_global_section,
        globals_added: false,
        pay,
        arity: scan.arity.clone(),
        func_types: scan.func_types.clone(),
        next_func: scan.imported_funcs,
        instrumented_ops: 0,
    };
    let mut module = wasm_encoder::Module::new();
    rewriter
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| match e {
            reencode::Error::UserError(e) => e,
            other => format!("invalid WASM module: {other}"),
        })?;

    let shape = ModuleShape {
        funcs: scan.funcs,
        type_len: scan.type_len,
        wasm_len: wasm.len() as u64,
        globals: u64::from(scan.defined_globals + ADDED_GLOBALS),
        data_len: scan.data_len,
        footprint: min,
    };
    let costs = shape
        .costs()
        .ok_or("init cost too high (it must fit 16 bits)")?;
    Ok(Instrumented {
        wasm: module.finish(),
        footprint: min as u16,
        costs,
        work: ActivationWork {
            wasm_len: wasm.len() as u64,
            funcs: scan.funcs,
            data_bytes: scan.data_bytes,
            element_bytes: scan.element_bytes,
            pages: min,
            instrumented_ops: rewriter.instrumented_ops,
        },
    })
}

fn scan(wasm: &[u8], debug_chain: bool) -> Result<Scan, String> {
    let bad = |e: wasmparser::BinaryReaderError| format!("invalid WASM module: {e}");
    let mut s = Scan::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(bad)? {
            Payload::TypeSection(types) => {
                for ty in types.into_iter_err_on_gc_types() {
                    let ty = ty.map_err(bad)?;
                    // Multi-value: allowed by Stylus v2 (ArbOS 51), refused from Stylus v3
                    // (ArbOS 59, so on Arbitrum One since ArbOS 61): refused here, the stricter.
                    if ty.results().len() > 1 {
                        return Err(format!(
                            "multi-value function type ({} results) not supported (refused \
                             from Stylus version 3)",
                            ty.results().len()
                        ));
                    }
                    s.arity
                        .push((ty.params().len() as u32, ty.results().len() as u32));
                    let i32 = wasmparser::ValType::I32;
                    s.i32_sig.push(match (ty.params(), ty.results()) {
                        ([p], [r]) if *p == i32 && *r == i32 => Some(true),
                        ([p], []) if *p == i32 => Some(false),
                        _ => None,
                    });
                }
            }
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    let import = import.map_err(bad)?;
                    s.imports += 1;
                    let known = HOST_IMPORTS
                        .iter()
                        .any(|(m, n)| *m == import.module && *n == import.name);
                    if !known {
                        return Err(format!("unknown import {}.{}", import.module, import.name));
                    }
                    // `machine.rs` `Module::from_binary`: debug host functions only on a
                    // debug chain.
                    if import.module == "console" && !debug_chain {
                        return Err(format!(
                            "host func console.{} not enabled: not a debug chain",
                            import.name
                        ));
                    }
                    match import.ty {
                        TypeRef::Func(ty) => {
                            if (import.module, import.name) == ("vm_hooks", "pay_for_memory_grow") {
                                s.pay_for_memory_grow = Some((s.imported_funcs, ty));
                            }
                            s.func_types.push(ty);
                            s.imported_funcs += 1;
                        }
                        TypeRef::Global(_) => s.imported_globals += 1,
                        TypeRef::Memory(m) => {
                            s.memories += 1;
                            s.memory.get_or_insert((m.initial, m.maximum));
                        }
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(funcs) => {
                for ty in funcs {
                    let ty = ty.map_err(bad)?;
                    s.func_types.push(ty);
                    let (p, r) = s.arity.get(ty as usize).copied().unwrap_or_default();
                    s.type_len += u64::from(p + r);
                }
            }
            Payload::TableSection(tables) => {
                for table in tables {
                    s.table_entries += table.map_err(bad)?.ty.initial;
                }
            }
            Payload::MemorySection(memories) => {
                for m in memories {
                    let m = m.map_err(bad)?;
                    s.memories += 1;
                    s.memory.get_or_insert((m.initial, m.maximum));
                }
            }
            Payload::GlobalSection(globals) => {
                s.has_global_section = true;
                s.defined_globals = globals.count();
            }
            Payload::ExportSection(exports) => {
                for export in exports {
                    let export = export.map_err(bad)?;
                    s.exports += 1;
                    if export.name.starts_with("stylus") {
                        return Err(format!("export name {:?} is reserved", export.name));
                    }
                    if export.name.len() > 512 {
                        return Err(format!("wasm name too long: {} > 512", export.name.len()));
                    }
                    match (export.name, export.kind) {
                        ("user_entrypoint", ExternalKind::Func) => {
                            s.entrypoint = Some(export.index)
                        }
                        ("memory", ExternalKind::Memory) => s.memory_exported = true,
                        _ => {}
                    }
                }
            }
            Payload::StartSection { .. } => return Err("wasm start functions not allowed".into()),
            Payload::ElementSection(elements) => {
                for element in elements {
                    let element = element.map_err(bad)?;
                    s.elements += 1;
                    s.element_bytes += element.range.end - element.range.start;
                }
                s.data_len += s.element_bytes;
            }
            Payload::DataSection(datas) => {
                for data in datas {
                    let data = data.map_err(bad)?;
                    s.datas += 1;
                    s.data_len += data.range.end - data.range.start;
                    s.data_bytes += data.data.len() as u64;
                }
            }
            Payload::CodeSectionEntry(body) => {
                s.funcs += 1;
                let mut locals = 0u64;
                for pair in body.get_locals_reader().map_err(bad)? {
                    locals += u64::from(pair.map_err(bad)?.0);
                }
                if locals > 348 {
                    return Err(format!("too many wasm locals: {locals} > 348"));
                }
            }
            _ => {}
        }
    }
    Ok(s)
}

/// The re-encoder that applies the rewrites.
struct Rewriter {
    ink: u32,
    status: u32,
    scratch: u32,
    stack: u32,
    has_global_section: bool,
    globals_added: bool,
    /// `pay_for_memory_grow`, when memory can grow.
    pay: Option<u32>,
    /// (params, results) per type index.
    arity: Vec<(u32, u32)>,
    /// Type index per function index.
    func_types: Vec<u32>,
    /// Index of the function whose body comes next.
    next_func: u32,
    /// Operators of all bodies after instrumentation.
    instrumented_ops: u64,
}

/// Position of a section in a module (`SectionId`s are not in module order).
fn order(id: SectionId) -> u8 {
    match id {
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        _ => 0,
    }
}

impl Rewriter {
    fn add_globals(&mut self, globals: &mut wasm_encoder::GlobalSection) {
        let global = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        globals.global(global(ValType::I64), &ConstExpr::i64_const(0));
        globals.global(global(ValType::I32), &ConstExpr::i32_const(0));
        globals.global(global(ValType::I32), &ConstExpr::i32_const(0));
        globals.global(global(ValType::I32), &ConstExpr::i32_const(0));
        self.globals_added = true;
    }

    /// `meter.rs`: each basic block is preceded by its ink check and payment.
    fn meter<'a>(&self, ops: Vec<Operator<'a>>) -> Vec<Operator<'a>> {
        use Operator as O;
        let (ink, status) = (self.ink, self.status);
        let mut out = Vec::with_capacity(ops.len() * 2);
        let mut block = Vec::new();
        let mut cost = 0u64;
        for op in ops {
            cost = cost.saturating_add(ink::operator_ink(&op, &self.arity));
            let ends = ink::ends_basic_block(&op);
            block.push(op);
            if ends {
                let value = std::mem::take(&mut cost).saturating_add(ink::BLOCK_HEADER_INK) as i64;
                out.extend([
                    O::GlobalGet { global_index: ink },
                    O::I64Const { value },
                    O::I64LtU,
                ]);
                out.extend(trap_setting(status, 1));
                out.extend([
                    O::GlobalGet { global_index: ink },
                    O::I64Const { value },
                    O::I64Sub,
                    O::GlobalSet { global_index: ink },
                ]);
                out.append(&mut block);
            }
        }
        out.append(&mut block);
        out
    }

    /// `dynamic.rs`: `memory.copy` and `memory.fill` pay per byte first; the operators it
    /// cannot meter are refused.
    fn dynamic<'a>(&self, ops: Vec<Operator<'a>>) -> Result<Vec<Operator<'a>>, String> {
        use Operator as O;
        let (ink, status, scratch) = (self.ink, self.status, self.scratch);
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            match op {
                O::MemoryCopy { .. } | O::MemoryFill { .. } => {
                    out.extend([
                        O::GlobalSet {
                            global_index: scratch,
                        },
                        O::GlobalGet { global_index: ink },
                        O::GlobalGet { global_index: ink },
                        O::GlobalGet {
                            global_index: scratch,
                        },
                        O::I64ExtendI32U,
                        O::I64Const {
                            value: ink::BULK_MEMORY_INK_PER_BYTE as i64,
                        },
                        O::I64Mul,
                        O::I64Sub,
                        O::GlobalSet { global_index: ink },
                        O::GlobalGet { global_index: ink },
                        O::I64LtU,
                    ]);
                    out.extend(trap_setting(status, 1));
                    out.push(O::GlobalGet {
                        global_index: scratch,
                    });
                }
                O::MemoryInit { .. }
                | O::DataDrop { .. }
                | O::ElemDrop { .. }
                | O::TableInit { .. }
                | O::TableCopy { .. }
                | O::TableFill { .. }
                | O::TableGet { .. }
                | O::TableSet { .. }
                | O::TableGrow { .. }
                | O::TableSize { .. } => return Err(format!("opcode not supported: {op:?}")),
                _ => {}
            }
            out.push(op);
        }
        Ok(out)
    }

    /// `depth.rs`: the function takes its worst-case frame from `stylus_stack_left` on entry
    /// (trapping with it set to 0 when it does not fit) and gives it back at each return.
    fn depth<'a>(&self, ops: Vec<Operator<'a>>, locals: u32) -> Result<Vec<Operator<'a>>, String> {
        use Operator as O;
        let worst = worst_case_depth(&ops, &self.arity, &self.func_types)?;
        if worst > MAX_FRAME_CONTENTION {
            return Err(format!(
                "too many values on the stack at once in func {}: {worst} > {MAX_FRAME_CONTENTION}",
                self.next_func
            ));
        }
        let size = worst + locals + 4;
        if size > MAX_FRAME_SIZE {
            return Err(format!(
                "frame too large: {size} > {MAX_FRAME_SIZE}-word limit"
            ));
        }
        let (global_index, value) = (self.stack, size as i32);
        let mut out = Vec::with_capacity(ops.len() + 24);
        out.extend([
            O::GlobalGet { global_index },
            O::I32Const { value },
            O::I32LeU,
        ]);
        out.extend(trap_setting(global_index, 0));
        out.extend([
            O::GlobalGet { global_index },
            O::I32Const { value },
            O::I32Sub,
            O::GlobalSet { global_index },
        ]);
        let mut ops = ops;
        // An extra return before the final end, as Nitro's prover has.
        let last = ops.pop().ok_or("empty function body")?;
        ops.push(O::Return);
        ops.push(last);
        for op in ops {
            if matches!(op, O::Return) {
                out.extend([
                    O::GlobalGet { global_index },
                    O::I32Const { value },
                    O::I32Add,
                    O::GlobalSet { global_index },
                ]);
            }
            out.push(op);
        }
        Ok(out)
    }

    /// `heap.rs`: `memory.grow` calls `pay_for_memory_grow` with its page count first.
    fn heap<'a>(&self, ops: Vec<Operator<'a>>) -> Vec<Operator<'a>> {
        use Operator as O;
        let Some(function_index) = self.pay else {
            return ops;
        };
        let global_index = self.scratch;
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            if matches!(op, O::MemoryGrow { .. }) {
                out.extend([
                    O::GlobalSet { global_index },
                    O::GlobalGet { global_index },
                    O::GlobalGet { global_index },
                    O::Call { function_index },
                ]);
            }
            out.push(op);
        }
        out
    }
}

/// `if (condition) { global = value; unreachable }`: how each middleware traps,
/// leaving a mark the host reads (ink status 1: exhausted; stack left 0: overflow).
fn trap_setting<'a>(global_index: u32, value: i32) -> [Operator<'a>; 5] {
    [
        Operator::If {
            blockty: wasmparser::BlockType::Empty,
        },
        Operator::I32Const { value },
        Operator::GlobalSet { global_index },
        Operator::Unreachable,
        Operator::End,
    ]
}

/// `max_frame_size` (words) of Stylus v1..=3 (`CompileConfig::version`).
const MAX_FRAME_SIZE: u32 = 10 * 1024;
/// `max_frame_contention`: values live at once in a frame.
const MAX_FRAME_CONTENTION: u32 = 4096;

/// The most values a function body can hold on its operand stack at once, counted as
/// Nitro's `FuncDepthChecker::worst_case_depth` counts them (a linear scan, scopes reset at
/// `else` and `end`).
fn worst_case_depth(
    ops: &[Operator<'_>],
    arity: &[(u32, u32)],
    func_types: &[u32],
) -> Result<u32, String> {
    use wasmparser::BlockType;
    use Operator as O;
    let mut worst = 0u32;
    let mut stack = 0u32;
    let mut scopes = vec![0u32];
    let push = |stack: &mut u32, worst: &mut u32, n: u32| {
        *stack += n;
        *worst = (*worst).max(*stack);
    };
    let pop = |stack: &mut u32, n: u32| *stack = stack.saturating_sub(n);
    let sig = |ty: u32| {
        arity
            .get(ty as usize)
            .copied()
            .ok_or_else(|| format!("missing type {ty}"))
    };
    for op in ops {
        match op {
            O::Block { blockty } | O::Loop { blockty } | O::If { blockty } => {
                if matches!(op, O::If { .. }) {
                    pop(&mut stack, 1);
                }
                match blockty {
                    BlockType::Empty => {}
                    BlockType::Type(_) => push(&mut stack, &mut worst, 1),
                    BlockType::FuncType(id) => {
                        let (ins, outs) = sig(*id)?;
                        if ins > 0 {
                            return Err("multi-value block with parameters not supported \
                                 (refused from Stylus version 3)"
                                .into());
                        }
                        push(&mut stack, &mut worst, outs);
                        pop(&mut stack, ins);
                    }
                }
                scopes.push(stack);
            }
            O::Else => stack = *scopes.last().ok_or("malformed if-else scope")?,
            O::End => stack = scopes.pop().ok_or("malformed scoping")?,
            O::Call { function_index } => {
                let ty = func_types
                    .get(*function_index as usize)
                    .ok_or_else(|| format!("missing type for func {function_index}"))?;
                let (ins, outs) = sig(*ty)?;
                push(&mut stack, &mut worst, outs);
                pop(&mut stack, ins);
            }
            O::CallIndirect { type_index, .. } => {
                let (ins, outs) = sig(*type_index)?;
                push(&mut stack, &mut worst, outs);
                pop(&mut stack, ins);
                pop(&mut stack, 1);
            }
            O::MemoryFill { .. } | O::MemoryCopy { .. } => pop(&mut stack, 3),
            O::Nop
            | O::Unreachable
            | O::Br { .. }
            | O::Return
            | O::LocalTee { .. }
            | O::MemoryGrow { .. }
            | O::I32Eqz
            | O::I64Eqz
            | O::I32Clz
            | O::I32Ctz
            | O::I32Popcnt
            | O::I64Clz
            | O::I64Ctz
            | O::I64Popcnt
            | O::I32Load { .. }
            | O::I64Load { .. }
            | O::I32Load8S { .. }
            | O::I32Load8U { .. }
            | O::I32Load16S { .. }
            | O::I32Load16U { .. }
            | O::I64Load8S { .. }
            | O::I64Load8U { .. }
            | O::I64Load16S { .. }
            | O::I64Load16U { .. }
            | O::I64Load32S { .. }
            | O::I64Load32U { .. }
            | O::I32WrapI64
            | O::I64ExtendI32S
            | O::I64ExtendI32U
            | O::I32Extend8S
            | O::I32Extend16S
            | O::I64Extend8S
            | O::I64Extend16S
            | O::I64Extend32S => {}
            O::LocalGet { .. }
            | O::GlobalGet { .. }
            | O::MemorySize { .. }
            | O::I32Const { .. }
            | O::I64Const { .. } => push(&mut stack, &mut worst, 1),
            O::Drop
            | O::I32Eq
            | O::I32Ne
            | O::I32LtS
            | O::I32LtU
            | O::I32GtS
            | O::I32GtU
            | O::I32LeS
            | O::I32LeU
            | O::I32GeS
            | O::I32GeU
            | O::I64Eq
            | O::I64Ne
            | O::I64LtS
            | O::I64LtU
            | O::I64GtS
            | O::I64GtU
            | O::I64LeS
            | O::I64LeU
            | O::I64GeS
            | O::I64GeU
            | O::I32Add
            | O::I32Sub
            | O::I32Mul
            | O::I32DivS
            | O::I32DivU
            | O::I32RemS
            | O::I32RemU
            | O::I64Add
            | O::I64Sub
            | O::I64Mul
            | O::I64DivS
            | O::I64DivU
            | O::I64RemS
            | O::I64RemU
            | O::I32And
            | O::I32Or
            | O::I32Xor
            | O::I32Shl
            | O::I32ShrS
            | O::I32ShrU
            | O::I32Rotl
            | O::I32Rotr
            | O::I64And
            | O::I64Or
            | O::I64Xor
            | O::I64Shl
            | O::I64ShrS
            | O::I64ShrU
            | O::I64Rotl
            | O::I64Rotr
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::LocalSet { .. }
            | O::GlobalSet { .. } => pop(&mut stack, 1),
            O::Select
            | O::I32Store { .. }
            | O::I64Store { .. }
            | O::I32Store8 { .. }
            | O::I32Store16 { .. }
            | O::I64Store8 { .. }
            | O::I64Store16 { .. }
            | O::I64Store32 { .. } => pop(&mut stack, 2),
            // Floats, reference types, SIMD, atomics, tail calls...: refused, as Nitro
            // refuses them (by this checker or, for floats, when it lowers the module).
            other => return Err(format!("opcode not supported: {other:?}")),
        }
    }
    Ok(worst)
}

impl Reencode for Rewriter {
    type Error = String;

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), reencode::Error<String>> {
        reencode::utils::parse_global_section(self, globals, section)?;
        self.add_globals(globals);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), reencode::Error<String>> {
        let past_globals = before.is_none_or(|b| order(b) > order(SectionId::Global));
        if !self.has_global_section && !self.globals_added && past_globals {
            let mut globals = wasm_encoder::GlobalSection::new();
            self.add_globals(&mut globals);
            module.section(&globals);
        }
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), reencode::Error<String>> {
        reencode::utils::parse_export_section(self, exports, section)?;
        exports.export(INK_LEFT, ExportKind::Global, self.ink);
        exports.export(INK_STATUS, ExportKind::Global, self.status);
        exports.export(STACK_LEFT, ExportKind::Global, self.stack);
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), reencode::Error<String>> {
        let mut f = self.new_function_with_parsed_locals(&func)?;
        let mut locals = 0u32;
        for pair in func.get_locals_reader()? {
            locals = locals.saturating_add(pair?.0);
        }
        let mut ops = Vec::new();
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            ops.push(reader.read()?);
        }
        // Nitro's order: meter, dynamic, depth, heap; each sees the previous one's output.
        let ops = self.meter(ops);
        let ops = self.dynamic(ops).map_err(reencode::Error::UserError)?;
        let ops = self
            .depth(ops, locals)
            .map_err(reencode::Error::UserError)?;
        let ops = self.heap(ops);
        if ops.len() > MAX_OPS_PER_BODY {
            return Err(reencode::Error::UserError(format!(
                "too many wasm opcodes in func body: {} > {MAX_OPS_PER_BODY}",
                ops.len()
            )));
        }
        self.instrumented_ops += ops.len() as u64;
        self.next_func += 1;
        for op in ops {
            f.instruction(&self.instruction(op)?);
        }
        code.function(&f);
        Ok(())
    }
}

/// Operators a function body may hold after instrumentation (`parse_user`).
const MAX_OPS_PER_BODY: usize = 65_536;

/// The plain re-encoder, for tests that compare a module with its rewrite.
#[cfg(test)]
fn roundtrip(wasm: &[u8]) -> Vec<u8> {
    let mut module = wasm_encoder::Module::new();
    reencode::RoundtripReencoder
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .expect("re-encodes");
    module.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("wat")
    }

    #[test]
    fn a_module_without_globals_gets_the_ink_globals_exported() {
        let wasm = wat(r#"(module (memory (export "memory") 1 1)
            (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#);
        let out = instrument(&wasm, true).expect("instruments");
        assert_ne!(out.wasm, roundtrip(&wasm));
        let exports: Vec<String> = Parser::new(0)
            .parse_all(&out.wasm)
            .filter_map(|p| match p.expect("parses") {
                Payload::ExportSection(e) => Some(
                    e.into_iter()
                        .map(|x| x.expect("export").name.to_string())
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        assert!(exports.contains(&INK_LEFT.to_string()), "{exports:?}");
        assert!(exports.contains(&INK_STATUS.to_string()), "{exports:?}");
        wasmparser::Validator::new()
            .validate_all(&out.wasm)
            .expect("the rewrite is valid WASM");
    }

    #[test]
    fn activation_refuses_what_nitro_refuses() {
        let refused = |text: &str, why: &str| {
            let err = instrument(&wat(text), true).expect_err(text);
            assert!(err.contains(why), "{text}: {err}");
        };
        let entry = r#"(func (export "user_entrypoint") (param i32) (result i32) (i32.const 0))"#;
        refused(
            &format!(r#"(module (memory (export "memory") 1) {entry})"#),
            "missing import pay_for_memory_grow",
        );
        refused(
            &format!(r#"(module (memory (export "memory") 129 129) {entry})"#),
            "memory exceeds limit: 129 > 128",
        );
        refused(
            &format!(r#"(module (memory (export "memory") 1 1) (func $s) (start $s) {entry})"#),
            "start functions not allowed",
        );
        refused(
            &format!(
                r#"(module (memory (export "memory") 1 1) {entry} (func (local {})))"#,
                "i32 ".repeat(349)
            ),
            "too many wasm locals: 349 > 348",
        );
        refused(
            r#"(module (memory (export "memory") 1 1) (func (export "user_entrypoint") (param i64) (result i32) (i32.const 0)))"#,
            "user_entrypoint of type (i32) -> i32",
        );
        refused(
            &format!(
                r#"(module (memory (export "memory") 1 1) {entry} (func (export "stylus_x")))"#
            ),
            "reserved",
        );
        refused(
            &format!(
                r#"(module (memory (export "memory") 1 1) {entry} (func (result i32 i32) (i32.const 1) (i32.const 2)))"#
            ),
            "multi-value function type",
        );
        // console imports only on a debug chain (Nitro's dev node is one).
        let console = format!(
            r#"(module (import "console" "log_i32" (func (param i32))) (memory (export "memory") 1 1) {entry})"#
        );
        assert!(instrument(&wat(&console), true).is_ok());
        let err = instrument(&wat(&console), false).expect_err("not a debug chain");
        assert!(err.contains("console.log_i32 not enabled"), "{err}");
    }

    /// Each count Nitro caps at activation (`binary.rs` `parse_user`), at its
    /// limit (accepted) and one past it (refused); bulk-memory operators other
    /// than `memory.copy`/`memory.fill`. (The 10,240-word frame cap cannot be
    /// reached by a module within the others: a frame is its live values, its
    /// locals and 4 words, and 4,096 + 348 + 4 make 4,448; parameters are not
    /// counted.)
    #[test]
    fn activation_limits_hold_at_their_bounds() {
        let entry = r#"(func (export "user_entrypoint") (param i32) (result i32) (i32.const 0))"#;
        let module = |before: &str, after: &str| {
            wat(&format!(
                r#"(module {before} (memory (export "memory") 1 1) {entry} {after})"#
            ))
        };
        let check = |wasm: Vec<u8>, refused_with: Option<&str>, what: &str| match (
            instrument(&wasm, true),
            refused_with,
        ) {
            (Ok(_), None) => {}
            (Err(e), Some(why)) => assert!(e.contains(why), "{what}: {e}"),
            (Ok(_), Some(why)) => panic!("{what}: accepted, expected {why}"),
            (Err(e), None) => panic!("{what}: refused: {e}"),
        };
        let repeat = |n: usize, f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<String>();
        // Data segments: at most 128.
        let data = |i: usize| format!(r#"(data (i32.const {i}) "a")"#);
        check(module("", &repeat(128, &data)), None, "128 data segments");
        check(
            module("", &repeat(129, &data)),
            Some("too many wasm datas: 129 > 128"),
            "129 data segments",
        );
        // Exports: at most 1,024 (the memory and the entry point among them).
        let export = |i: usize| format!(r#"(func (export "f{i}"))"#);
        check(module("", &repeat(1022, &export)), None, "1,024 exports");
        check(
            module("", &repeat(1023, &export)),
            Some("too many wasm exports: 1025 > 1024"),
            "1,025 exports",
        );
        // Imports: at most 513.
        let import = |_: usize| r#"(import "vm_hooks" "read_args" (func (param i32)))"#.to_string();
        check(module(&repeat(513, &import), ""), None, "513 imports");
        check(
            module(&repeat(514, &import), ""),
            Some("too many wasm imports: 514 > 513"),
            "514 imports",
        );
        // Functions: at most 4,096 (the entry point among them).
        let func = |_: usize| "(func)".to_string();
        check(module("", &repeat(4095, &func)), None, "4,096 functions");
        check(
            module("", &repeat(4096, &func)),
            Some("too many wasm functions: 4097 > 4096"),
            "4,097 functions",
        );
        // Locals: at most 348.
        let locals = |n: usize| format!("(func (local {}))", "i32 ".repeat(n));
        check(module("", &locals(348)), None, "348 locals");
        check(
            module("", &locals(349)),
            Some("too many wasm locals: 349 > 348"),
            "349 locals",
        );
        // Operators per body after instrumentation: at most 65,536. The largest body of
        // `nop`s accepted is found by bisection; one more is refused as 65,537.
        let body = |n: usize| format!("(func {})", "nop ".repeat(n));
        let accepted = |n: usize| instrument(&module("", &body(n)), true).is_ok();
        let (mut lo, mut hi) = (1_000, 70_000);
        assert!(accepted(lo) && !accepted(hi));
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if accepted(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        check(
            module("", &body(hi)),
            Some("too many wasm opcodes in func body: 65537 > 65536"),
            "one operator past the bound",
        );
        // Bulk memory: copy and fill only.
        check(
            module(
                "",
                r#"(data "ab") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1)))"#,
            ),
            Some("opcode not supported: MemoryInit"),
            "memory.init",
        );
        check(
            module("", r#"(data "ab") (func (data.drop 0))"#),
            Some("opcode not supported: DataDrop"),
            "data.drop",
        );
        check(
            module(
                "",
                r#"(func (memory.copy (i32.const 0) (i32.const 1) (i32.const 1)) (memory.fill (i32.const 0) (i32.const 0) (i32.const 1)))"#,
            ),
            None,
            "memory.copy and memory.fill",
        );
    }
}
