//! Nitro's Stylus prices, exactly: ink per operator and per basic block, host I/O, the
//! program entry (init) cost, memory pages per transaction, activation gas and data fee.
//!
//! Every figure is Nitro v3.9.9's (the release that runs ArbOS 50/51, Stylus version 2 with
//! the ArbOS defaults of `StylusParams`); the file and function each comes from is named next
//! to it, and `docs/devnet.md` lists them. Programs are metered by instrumenting their code as
//! Nitro does (`super::meter`), so an operator's ink is what this table says, not a rounding.

use wasmparser::Operator;

/// Ink per gas (ArbWasm `inkPrice()`, `StylusParams.InkPrice`).
pub const INK_PRICE: u64 = 10_000;
/// Ink charged at the head of every basic block (`CompileConfig::version`, `ink_header_cost`).
pub const BLOCK_HEADER_INK: u64 = 2_450;
/// Ink per byte of `memory.copy` and `memory.fill` (`memory_copy_ink` = `memory_fill_ink` = 800/8).
pub const BULK_MEMORY_INK_PER_BYTE: u64 = 100;
/// Base ink of a host I/O (`arbutil::pricing::HOSTIO_INK`).
pub const HOSTIO_INK: u64 = 8_400;
/// Ink per pointer argument of a host I/O (`PTR_INK`).
pub const PTR_INK: u64 = 13_440 - HOSTIO_INK;
/// Ink of a host I/O that calls into the EVM (`EVM_API_INK`).
pub const EVM_API_INK: u64 = 59_673;
/// Ink of `math_div` / `math_mod` beyond their pointers (`DIV_INK`).
pub const DIV_INK: u64 = 20_000;
/// Ink of `math_mul_mod` beyond its pointers (`MUL_MOD_INK`).
pub const MUL_MOD_INK: u64 = 24_100;
/// Ink of `math_add_mod` beyond its pointers (`ADD_MOD_INK`).
pub const ADD_MOD_INK: u64 = 21_000;
/// Free pages of WASM memory per transaction (ArbWasm `freePages()`).
pub const FREE_PAGES: u16 = 2;
/// Gas per memory page beyond the free ones (ArbWasm `pageGas()`).
pub const PAGE_GAS: u16 = 1_000;
/// ArbWasm `pageRamp()`: stored by ArbOS, not used by its memory model ([`Pages::gas_of`]).
pub const PAGE_RAMP: u64 = 620_674_314;
/// Maximum pages a program may use (ArbWasm `pageLimit()`).
pub const PAGE_LIMIT: u16 = 128;
/// Maximum WASM stack depth in words (ArbWasm `maxStackDepth()`; capped at 22,000 by the
/// ArbOS 50 upgrade, `arbOS50MaxWasmSize` in `arbos/programs/params.go`).
pub const MAX_STACK_DEPTH: u32 = 22_000;
/// `StylusParams.MinInitGas` (units of 128 gas; 69 since the Stylus v2 upgrade).
pub const MIN_INIT_GAS: u8 = 69;
/// `StylusParams.MinCachedInitGas` (units of 32 gas).
pub const MIN_CACHED_INIT_GAS: u8 = 11;
/// `StylusParams.InitCostScalar` (units of 2%).
pub const INIT_COST_SCALAR: u8 = 50;
/// `StylusParams.CachedCostScalar` (units of 2%).
pub const CACHED_COST_SCALAR: u8 = 50;
/// Fixed gas `ArbWasm.activateProgram` burns before activating (`precompiles/ArbWasm.go`).
pub const ACTIVATION_FIXED_GAS: u64 = 1_659_168;

/// Gas to ink (`PricingParams::gas_to_ink`, saturating).
pub fn gas_to_ink(gas: u64) -> u64 {
    gas.saturating_mul(INK_PRICE)
}

/// Ink to whole gas, rounded down (`PricingParams::ink_to_gas`): the remainder is lost.
pub fn ink_to_gas(ink: u64) -> u64 {
    ink / INK_PRICE
}

/// Ink of one operator (`meter.rs`, `pricing_v1`); `arity[t]` is the (parameters,
/// results) count of type `t` (`call_indirect` pays per parameter). Operators Nitro does not price cost
/// `u64::MAX`: a block holding one can never be paid.
pub fn operator_ink(op: &Operator<'_>, arity: &[(u32, u32)]) -> u64 {
    use Operator::*;
    match op {
        Unreachable | Return | Nop | I32Const { .. } | I64Const { .. } => 1,
        Block { .. } | Loop { .. } | Else | End => 1,
        Drop => 9,
        Br { .. } | BrIf { .. } | If { .. } => 765,
        Select => 1_250,
        Call { .. } => 3_800,
        LocalGet { .. } | LocalTee { .. } => 75,
        LocalSet { .. } => 210,
        GlobalGet { .. } => 225,
        GlobalSet { .. } => 575,
        I32Load { .. }
        | I32Load8S { .. }
        | I32Load8U { .. }
        | I32Load16S { .. }
        | I32Load16U { .. } => 670,
        I64Load { .. }
        | I64Load8S { .. }
        | I64Load8U { .. }
        | I64Load16S { .. }
        | I64Load16U { .. }
        | I64Load32S { .. }
        | I64Load32U { .. } => 680,
        I32Store { .. } | I32Store8 { .. } | I32Store16 { .. } => 825,
        I64Store { .. } | I64Store8 { .. } | I64Store16 { .. } | I64Store32 { .. } => 950,
        MemorySize { .. } => 3_000,
        MemoryGrow { .. } => 8_050,
        I32Eqz | I32Eq | I32Ne | I32LtS | I32LtU | I32GtS | I32GtU | I32LeS | I32LeU | I32GeS
        | I32GeU => 170,
        I64Eqz | I64Eq | I64Ne | I64LtS | I64LtU | I64GtS | I64GtU | I64LeS | I64LeU | I64GeS
        | I64GeU => 225,
        I32Clz | I32Ctz | I64Clz | I64Ctz => 210,
        I32Add | I32Sub => 70,
        I32Mul | I64Mul => 160,
        I32DivS | I32DivU | I32RemS | I32RemU => 1_120,
        I32And | I32Or | I32Xor | I32Shl | I32ShrS | I32ShrU | I32Rotl | I32Rotr => 70,
        I64Add | I64Sub => 100,
        I64DivS | I64DivU | I64RemS | I64RemU => 1_270,
        I64And | I64Or | I64Xor | I64Shl | I64ShrS | I64ShrU | I64Rotl | I64Rotr => 100,
        I32Popcnt => 2_650,
        I64Popcnt => 6_000,
        I32WrapI64 | I64ExtendI32S | I64ExtendI32U => 100,
        I32Extend8S | I32Extend16S | I64Extend8S | I64Extend16S | I64Extend32S => 100,
        MemoryCopy { .. } | MemoryFill { .. } => 950,
        BrTable { targets } => 2_400 + 325 * u64::from(targets.len()),
        CallIndirect { type_index, .. } => {
            let params = arity.get(*type_index as usize).map_or(0, |a| a.0);
            13_610 + 650 * u64::from(params)
        }
        _ => u64::MAX,
    }
}

/// Whether `op` closes a basic block (`arbutil/src/operator.rs`, `ends_basic_block`):
/// `block` and `unreachable` do not.
pub fn ends_basic_block(op: &Operator<'_>) -> bool {
    use Operator::*;
    matches!(
        op,
        End | Else
            | Return
            | Loop { .. }
            | Br { .. }
            | BrTable { .. }
            | BrIf { .. }
            | If { .. }
            | Call { .. }
            | CallIndirect { .. }
    )
}

/// Ink of copying `bytes` from the host into WASM memory (`pricing::write_price`).
pub fn write_price(bytes: u64) -> u64 {
    PTR_INK.saturating_add(30u64.saturating_mul(bytes.saturating_sub(32)))
}

/// Ink of reading `bytes` of WASM memory into the host (`pricing::read_price`).
pub fn read_price(bytes: u64) -> u64 {
    16_381u64.saturating_add(55u64.saturating_mul(bytes.saturating_sub(32)))
}

/// Ink of `native_keccak256` over `bytes` (`pricing::keccak_price`).
pub fn keccak_price(bytes: u64) -> u64 {
    let words = bytes.div_ceil(32).saturating_sub(2);
    121_800u64.saturating_add(21_000u64.saturating_mul(words))
}

/// Ink of `math_pow` with this exponent beyond its pointers (`pricing::pow_price`).
pub fn pow_price(exponent: &[u8; 32]) -> u64 {
    let leading_zero_bytes = exponent.iter().take_while(|b| **b == 0).count() as u64;
    3_000 + 17_500 * (33 - leading_zero_bytes)
}

/// `memoryExponents` of `arbos/programs/memory.go`: the exponential part of the price of
/// `p` pages ever open in a transaction, for `p` in 0..=128.
const MEMORY_EXPONENTS: [u64; 129] = [
    1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 22, 25, 29, 33, 38,
    43, 50, 57, 65, 75, 85, 98, 112, 128, 147, 168, 193, 221, 253, 289, 331, 379, 434, 497, 569,
    651, 745, 853, 976, 1117, 1279, 1463, 1675, 1917, 2194, 2511, 2874, 3290, 3765, 4309, 4932,
    5645, 6461, 7395, 8464, 9687, 11087, 12689, 14523, 16621, 19024, 21773, 24919, 28521, 32642,
    37359, 42758, 48938, 56010, 64104, 73368, 83971, 96106, 109994, 125890, 144082, 164904, 188735,
    216010, 247226, 282953, 323844, 370643, 424206, 485509, 555672, 635973, 727880, 833067, 953456,
    1091243, 1248941, 1429429, 1636000, 1872423, 2143012, 2452704, 2807151, 3212820, 3677113,
    4208502, 4816684, 5512756, 6309419, 7221210, 8264766, 9459129, 10826093, 12390601, 14181199,
    16230562, 18576084, 21260563, 24332984, 27849408, 31873999,
];

/// WASM pages open in a transaction (`openWasmPages`, `everWasmPages` of the state DB).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pages {
    /// Pages of the program frames open now.
    pub open: u16,
    /// The most pages open at once so far in the transaction.
    pub ever: u16,
}

impl Pages {
    /// Gas of opening `new` more pages (`MemoryModel.GasCost`): [`PAGE_GAS`] per page open
    /// beyond the free ones, plus the growth of the exponential term of the pages ever open.
    pub fn gas_of(self, new: u16) -> u64 {
        let new_open = self.open.saturating_add(new);
        let new_ever = self.ever.max(new_open);
        if new_ever <= FREE_PAGES {
            return 0;
        }
        let adding = new_open
            .saturating_sub(FREE_PAGES)
            .saturating_sub(self.open.saturating_sub(FREE_PAGES));
        let linear = u64::from(adding).saturating_mul(u64::from(PAGE_GAS));
        let exp = |pages: u16| {
            MEMORY_EXPONENTS
                .get(usize::from(pages))
                .copied()
                .unwrap_or(u64::MAX)
        };
        linear.saturating_add(exp(new_ever).saturating_sub(exp(self.ever)))
    }

    /// The pages after opening `new` more (`AddStylusPages`).
    pub fn opened(self, new: u16) -> Pages {
        let open = self.open.saturating_add(new);
        Pages {
            open,
            ever: self.ever.max(open),
        }
    }
}

/// What activation records about a program's size, from which its entry costs follow
/// (`WasmBinary::instrument` in `arbitrator/prover/src/binary.rs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModuleCosts {
    /// Init cost of an uncached call (gas before scaling; must fit `u16`).
    pub init: u16,
    /// Init cost of a cached call (gas before scaling; must fit `u16`).
    pub cached_init: u16,
    /// Estimated size of the compiled program in bytes (drives the data fee).
    pub asm_estimate: u32,
}

/// The inputs of [`ModuleCosts`], counted on the module as Nitro counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModuleShape {
    /// Function bodies defined by the module.
    pub funcs: u64,
    /// Parameters plus results over those functions' types.
    pub type_len: u64,
    /// Decompressed WASM bytes.
    pub wasm_len: u64,
    /// Globals, plus the four instrumentation adds.
    pub globals: u64,
    /// Encoded bytes of every data and element segment.
    pub data_len: u64,
    /// Initial memory pages.
    pub footprint: u64,
}

impl ModuleShape {
    /// Nitro's formulas; `None` when a cost does not fit its field (activation fails).
    pub fn costs(&self) -> Option<ModuleCosts> {
        let s = self;
        let cached_init = s.funcs * 13_420 / 100_000
            + s.type_len * 89 / 100_000
            + s.wasm_len * 122 / 100_000
            + s.globals * 1_628 / 1_000
            + s.data_len * 75_244 / 100_000
            + s.footprint * 5;
        // Stylus version 2: the uncached cost no longer includes the cached one.
        let init =
            s.funcs * 8_252 / 1_000 + s.type_len * 1_059 / 1_000 + s.wasm_len * 1_286 / 10_000;
        let asm_estimate = 512_000
            + s.funcs * 996_829 / 1_000
            + s.type_len * 11_416 / 1_000
            + s.wasm_len * 62_628 / 10_000;
        Some(ModuleCosts {
            init: u16::try_from(init).ok()?,
            cached_init: u16::try_from(cached_init).ok()?,
            asm_estimate: u32::try_from(asm_estimate).ok()?,
        })
    }
}

impl ModuleCosts {
    /// Gas of entering the program when it is not cached (`Program.initGas`).
    pub fn init_gas(&self) -> u64 {
        u64::from(MIN_INIT_GAS) * 128
            + (u64::from(self.init) * u64::from(INIT_COST_SCALAR) * 2).div_ceil(100)
    }

    /// Gas every entry pays from Stylus version 2 on, cached or not (`Program.cachedGas`).
    pub fn cached_gas(&self) -> u64 {
        u64::from(MIN_CACHED_INIT_GAS) * 32
            + (u64::from(self.cached_init) * u64::from(CACHED_COST_SCALAR) * 2).div_ceil(100)
    }

    /// Gas of a call into the program beyond its memory (`Programs.CallProgram`): a program
    /// is "cached" only by the owner's `ArbWasmCache`, which the devnet never sets, and the
    /// recent-programs cache never hits before ArbOS 60.
    pub fn entry_gas(&self) -> u64 {
        self.cached_gas() + self.init_gas()
    }

    /// The asm size ArbWasm reports (`asmEstimateKb` rounded up, in bytes).
    pub fn asm_size(&self) -> u32 {
        self.asm_estimate.div_ceil(1024).saturating_mul(1024)
    }
}

/// Gas of the work activation does on a module (`Module::activate`, `us_to_gas` = µs × 28),
/// after [`ACTIVATION_FIXED_GAS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivationWork {
    /// Decompressed WASM bytes.
    pub wasm_len: u64,
    /// Function bodies.
    pub funcs: u64,
    /// Payload bytes of the data segments.
    pub data_bytes: u64,
    /// Encoded bytes of the element segments.
    pub element_bytes: u64,
    /// Initial memory pages.
    pub pages: u64,
    /// Operators of all function bodies after instrumentation.
    pub instrumented_ops: u64,
}

impl ActivationWork {
    /// The gas, summed in Nitro's order of payment.
    pub fn gas(&self) -> u64 {
        let us = |x: u64| x * 28;
        us(self.wasm_len * 31_733 / 100_000)
            + us(self.funcs * 17_263 / 100_000)
            + us(self.data_bytes * 17_376 / 100_000)
            + us(self.element_bytes * 17_376 / 100_000)
            + us(self.pages * 2_217)
            + us(self.instrumented_ops * 535 / 1_000)
    }
}

/// `ArbWasm`'s data pricer (`arbos/programs/data_pricer.go`): the fee per byte of asm rises
/// exponentially with the recent demand.
pub mod data_pricer {
    /// Bytes of demand that decay per second.
    pub const BYTES_PER_SECOND: u64 = 34_865;
    /// Time of the initial `lastUpdateTime`.
    pub const INITIAL_UPDATE_TIME: u64 = 1_421_388_000;
    /// Minimum price per byte, in wei.
    pub const MIN_PRICE: u64 = 82_928_201;
    /// Demand at which the price grows by e.
    pub const INERTIA: u64 = 21_360_419;

    /// The pricer's stored state.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct State {
        /// Bytes of recent demand.
        pub demand: u32,
        /// Time of the last update.
        pub last_update: u64,
    }

    impl Default for State {
        fn default() -> Self {
            State {
                demand: 0,
                last_update: INITIAL_UPDATE_TIME,
            }
        }
    }

    /// `ApproxExpBasisPoints(x, 12)`: e^(x/10000) in basis points, Horner's rule.
    fn approx_exp_basis_points(x: u64) -> u64 {
        const B: u64 = 10_000;
        const ACCURACY: u64 = 12;
        let mut res = B + x / ACCURACY;
        for i in (1..ACCURACY).rev() {
            res = B + res.saturating_mul(x) / (i * B);
        }
        res
    }

    impl State {
        /// `UpdateModel(asmSize, time)`: the new state and the data fee in wei.
        pub fn update(self, asm_size: u32, time: u64) -> (State, u128) {
            let passed = time
                .saturating_sub(self.last_update)
                .min(u64::from(u32::MAX));
            let credit = BYTES_PER_SECOND.saturating_mul(passed);
            let demand = u64::from(self.demand).saturating_sub(credit);
            let demand =
                (demand.saturating_add(u64::from(asm_size))).min(u64::from(u32::MAX)) as u32;
            let exponent = 10_000 * u64::from(demand) / INERTIA;
            let multiplier = approx_exp_basis_points(exponent);
            let per_byte = MIN_PRICE.saturating_mul(multiplier) / 10_000;
            let fee = u128::from(per_byte) * u128::from(asm_size);
            (
                State {
                    demand,
                    last_update: time,
                },
                fee,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_gas(open: u16, ever: u16, new: u16) -> u64 {
        Pages { open, ever }.gas_of(new)
    }

    #[test]
    fn memory_follows_nitros_table_per_transaction() {
        // Footprint within the free pages costs nothing; the third page costs PAGE_GAS.
        assert_eq!(memory_gas(0, 0, 2), 0);
        assert_eq!(memory_gas(0, 0, 3), 1_000);
        // The exponential term is on the pages ever open in the transaction: opening 10
        // pages again after a frame with 10 closed pays only the linear part.
        assert_eq!(memory_gas(0, 0, 10), 8 * 1_000 + 3 - 1);
        assert_eq!(memory_gas(0, 10, 10), 8 * 1_000);
        assert_eq!(memory_gas(0, 0, 128), 126 * 1_000 + 31_873_999 - 1);
        // Past 128 pages ever open, the price is out of reach.
        assert!(memory_gas(100, 128, 29) > u64::MAX / 2);
    }

    #[test]
    fn init_costs_follow_the_v2_formulas() {
        let shape = ModuleShape {
            funcs: 300,
            type_len: 900,
            wasm_len: 60_000,
            globals: 7,
            data_len: 4_000,
            footprint: 3,
        };
        let c = shape.costs().expect("fits");
        assert_eq!(c.init, (2_475 + 953 + 7_716) as u16);
        // type_len x 89 / 100,000 rounds to 0.
        assert_eq!(c.cached_init, (40 + 73 + 11 + 3_009 + 15) as u16);
        assert_eq!(c.init_gas(), 8_832 + u64::from(c.init));
        assert_eq!(c.cached_gas(), 352 + u64::from(c.cached_init));
    }

    #[test]
    fn host_io_byte_prices() {
        assert_eq!(write_price(32), 5_040);
        assert_eq!(write_price(64), 5_040 + 960);
        assert_eq!(read_price(100), 16_381 + 55 * 68);
        assert_eq!(keccak_price(64), 121_800);
        assert_eq!(keccak_price(65), 121_800 + 21_000);
        assert_eq!(pow_price(&[0; 32]), 20_500);
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(pow_price(&one), 3_000 + 17_500 * 2);
    }

    #[test]
    fn data_fee_starts_near_the_minimum_price() {
        let (state, fee) = data_pricer::State::default().update(1_000_000, 1_800_000_000);
        assert_eq!(state.demand, 1_000_000);
        // e^(468/10000) ~ 1.0479
        let per_byte = fee / 1_000_000;
        assert!((86_800_000..87_000_000).contains(&per_byte), "{per_byte}");
    }
}
