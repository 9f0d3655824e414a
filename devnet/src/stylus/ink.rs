//! Ink and gas pricing for Stylus programs.
//!
//! Nitro meters WASM in *ink* (10,000 ink per gas by default) with a per-operator table
//! (`pricing_v1`). wasmi meters in *fuel* with a per-operator `u8` table; one fuel unit here is
//! [`INK_PER_FUEL`] ink and the table below is Nitro's, rounded to that unit. Host I/O costs,
//! storage and memory follow Nitro's structure with EVM gas figures; see `docs/devnet.md` for
//! which figures are exact and which are approximations.

use wasmi::OperatorCost;

/// Ink per gas (ArbWasm `inkPrice()`), Nitro's default.
pub const INK_PRICE: u64 = 10_000;
/// Ink represented by one wasmi fuel unit.
pub const INK_PER_FUEL: u64 = 64;
/// Base ink of every host I/O call (Nitro's `HOSTIO_INK`).
pub const HOSTIO_INK: u64 = 8_400;
/// Extra ink per 32-byte word copied between WASM memory and the host.
pub const COPY_WORD_INK: u64 = 200;
/// Free pages of WASM memory per transaction (ArbWasm `freePages()`).
pub const FREE_PAGES: u16 = 2;
/// Gas per memory page beyond the free ones (ArbWasm `pageGas()`).
pub const PAGE_GAS: u16 = 1_000;
/// Exponential ramp of memory pricing (ArbWasm `pageRamp()`).
pub const PAGE_RAMP: u64 = 620_674_314;
/// Maximum pages a program may use (ArbWasm `pageLimit()`).
pub const PAGE_LIMIT: u16 = 128;
/// Maximum WASM stack depth (ArbWasm `maxStackDepth()`).
pub const MAX_STACK_DEPTH: u32 = 262_144;
/// Gas charged when a program is entered (program init cost; Nitro derives it per program).
pub const CALL_INIT_GAS: u64 = 4_000;
/// Fixed gas of `activateProgram` (an approximation of Nitro's activation cost).
pub const ACTIVATION_BASE_GAS: u64 = 1_000_000;
/// Activation gas per byte of decompressed WASM.
pub const ACTIVATION_GAS_PER_BYTE: u64 = 64;
/// Data fee per byte of decompressed WASM, in wei, charged by `activateProgram`.
pub const DATA_FEE_PER_BYTE: u64 = 1_000_000_000;

/// Converts gas to wasmi fuel.
pub fn gas_to_fuel(gas: u64) -> u64 {
    gas.saturating_mul(INK_PRICE) / INK_PER_FUEL
}

/// Converts remaining wasmi fuel back to whole gas (rounded down, as Nitro does).
pub fn fuel_to_gas(fuel: u64) -> u64 {
    (fuel as u128 * INK_PER_FUEL as u128 / INK_PRICE as u128) as u64
}

/// Converts ink to fuel, rounding up so that no charge is lost.
pub fn ink_to_fuel(ink: u64) -> u64 {
    ink.div_ceil(INK_PER_FUEL)
}

/// Fuel for `gas` EVM gas charged by a host I/O (rounded up).
pub fn gas_fuel(gas: u64) -> u64 {
    ink_to_fuel(gas.saturating_mul(INK_PRICE))
}

/// Gas for memory growing from `open` pages ever opened in the transaction to `open + new`,
/// following Nitro's model: pages beyond the free ones cost [`PAGE_GAS`] each plus an
/// exponential term with ramp [`PAGE_RAMP`] (here approximated by its quadratic expansion).
pub fn memory_gas(open: u16, new: u16) -> u64 {
    let free = FREE_PAGES;
    let billable = |pages: u16| u64::from(pages.saturating_sub(free));
    let before = billable(open);
    let after = billable(open.saturating_add(new));
    let linear = (after - before) * u64::from(PAGE_GAS);
    // exp(x) - 1 ~ x + x^2/2 for the ramp term, in gas: ramp is a fixed point with 2^32 = 1.
    let expo = |p: u64| (p * p * PAGE_RAMP) >> 33;
    linear + expo(after).saturating_sub(expo(before))
}

/// Nitro's per-operator ink table (`pricing_v1`), in fuel units.
pub fn operator_costs() -> OperatorCost {
    let f = |ink: u64| -> u8 { ink_to_fuel(ink).min(255) as u8 };
    let mut c = OperatorCost::default();
    macro_rules! set {
        ($ink:expr => $($field:ident),+) => { $( c.$field = f($ink); )+ };
    }
    set!(1 => unreachable, return_, nop, i32_const, i64_const, block, loop_, else_, end, memory_grow);
    set!(9 => drop);
    set!(765 => br, br_if, if_);
    set!(1_250 => select);
    set!(3_800 => call);
    set!(75 => local_get, local_tee);
    set!(210 => local_set);
    set!(225 => global_get);
    set!(575 => global_set);
    set!(670 => i32_load, i32_load8_s, i32_load8_u, i32_load16_s, i32_load16_u);
    set!(680 => i64_load, i64_load8_s, i64_load8_u, i64_load16_s, i64_load16_u, i64_load32_s, i64_load32_u);
    set!(825 => i32_store, i32_store8, i32_store16);
    set!(950 => i64_store, i64_store8, i64_store16, i64_store32, memory_copy, memory_fill);
    set!(3_000 => memory_size);
    set!(170 => i32_eqz, i32_eq, i32_ne, i32_lt_s, i32_lt_u, i32_gt_s, i32_gt_u, i32_le_s, i32_le_u, i32_ge_s, i32_ge_u);
    set!(225 => i64_eqz, i64_eq, i64_ne, i64_lt_s, i64_lt_u, i64_gt_s, i64_gt_u, i64_le_s, i64_le_u, i64_ge_s, i64_ge_u);
    set!(210 => i32_clz, i32_ctz, i64_clz, i64_ctz);
    set!(70 => i32_add, i32_sub, i32_and, i32_or, i32_xor, i32_shl, i32_shr_s, i32_shr_u, i32_rotl, i32_rotr);
    set!(160 => i32_mul, i64_mul);
    set!(1_120 => i32_div_s, i32_div_u, i32_rem_s, i32_rem_u);
    set!(100 => i64_add, i64_sub, i64_and, i64_or, i64_xor, i64_shl, i64_shr_s, i64_shr_u, i64_rotl, i64_rotr);
    set!(1_270 => i64_div_s, i64_div_u, i64_rem_s, i64_rem_u);
    set!(2_650 => i32_popcnt);
    set!(6_000 => i64_popcnt);
    set!(100 => i32_wrap_i64, i64_extend_i32_s, i64_extend_i32_u, i32_extend8_s, i32_extend16_s, i64_extend8_s, i64_extend16_s, i64_extend32_s);
    set!(2_400 => br_table);
    set!(13_610 => call_indirect);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_and_fuel_round_trip() {
        assert_eq!(fuel_to_gas(gas_to_fuel(1_000_000)), 1_000_000);
        assert_eq!(gas_fuel(1), 157); // 10,000 ink rounded up to 64-ink units
    }

    #[test]
    fn memory_is_free_up_to_two_pages_then_grows_faster_than_linear() {
        assert_eq!(memory_gas(0, 2), 0);
        let one = memory_gas(2, 1);
        assert!(one >= 1_000);
        assert!(memory_gas(100, 1) > one);
    }
}
