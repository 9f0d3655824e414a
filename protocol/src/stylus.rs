//! Stylus programs as the chain stores them, and the limits they must fit.

use alloc::vec::Vec;

/// The first three bytes of every Stylus program's code (`EF F0 00`).
pub const DISCRIMINANT: [u8; 3] = [0xEF, 0xF0, 0x00];

/// Code prefix of a program without a brotli dictionary: the discriminant,
/// then dictionary 0.
pub const PROGRAM_PREFIX: [u8; 4] = [0xEF, 0xF0, 0x00, 0x00];

/// Largest decompressed WASM a program may hold (128 KiB).
pub const MAX_WASM_SIZE: usize = 128 * 1024;

/// Largest deployed code, EVM or Stylus (EIP-170): 24,576 bytes.
pub const MAX_CODE_SIZE: usize = 24_576;

/// Largest init code (EIP-3860): 49,152 bytes.
pub const MAX_INIT_CODE_SIZE: usize = 2 * MAX_CODE_SIZE;

/// Stylus version programs are activated at.
pub const STYLUS_VERSION: u16 = 2;

/// Selector of `stylus_constructor()`, which stylus-sdk constructors answer to.
pub const CONSTRUCTOR_SELECTOR: [u8; 4] = [0x55, 0x85, 0x25, 0x8d];

/// Calldata that runs a stylus-sdk `#[constructor]`: [`CONSTRUCTOR_SELECTOR`]
/// followed by the ABI-encoded arguments (`abi_encode_params` of their tuple).
pub fn constructor_calldata(encoded_args: &[u8]) -> Vec<u8> {
    [&CONSTRUCTOR_SELECTOR[..], encoded_args].concat()
}

/// Whether `code` is a Stylus program (the discriminant and at least one byte).
pub fn is_program(code: &[u8]) -> bool {
    code.len() > DISCRIMINANT.len() && code.starts_with(&DISCRIMINANT)
}

/// Encodes a WASM binary as Stylus program code: [`PROGRAM_PREFIX`], then
/// the brotli stream (quality 11, window 22, as cargo-stylus compresses).
#[cfg(feature = "codec")]
pub fn encode(wasm: &[u8]) -> Vec<u8> {
    extern crate std;
    use std::io::Write;
    let mut code = PROGRAM_PREFIX.to_vec();
    {
        let mut writer = brotli::CompressorWriter::new(&mut code, 4096, 11, 22);
        writer
            .write_all(wasm)
            .expect("writing to a Vec cannot fail");
    }
    code
}
