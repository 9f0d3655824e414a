//! Raw EVM code the suite deploys.

use alloc::vec::Vec;

/// Length of the prologue [`init_code_for`] puts before the code.
pub const INIT_PROLOGUE: usize = 43;

/// EVM init code that deploys `code` verbatim: copy the bytes after this
/// 43-byte prologue into memory and return them. Used for Stylus programs
/// (deployed, then activated) and VKA data contracts.
pub fn init_code_for(code: &[u8]) -> Vec<u8> {
    let mut init = Vec::with_capacity(INIT_PROLOGUE + code.len());
    init.push(0x7f); // PUSH32 len
    init.extend_from_slice(&[0u8; 24]);
    init.extend_from_slice(&(code.len() as u64).to_be_bytes());
    // DUP1 PUSH1 43 PUSH1 0 CODECOPY PUSH1 0 RETURN STOP
    init.extend_from_slice(&[0x80, 0x60, 0x2b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, 0x00]);
    init.extend_from_slice(code);
    init
}
