//! Stylus program packaging: what goes on-chain for a compiled contract.
//!
//! A Stylus program's code is the `EF F0 00` prefix, a dictionary byte (`00`,
//! no dictionary), then the brotli-compressed WASM. Arbitrum limits the code to
//! 24,576 bytes (EIP-170) and the decompressed WASM to 128 KiB.

pub use zkmltrack_protocol::stylus::{MAX_CODE_SIZE, MAX_WASM_SIZE, PROGRAM_PREFIX};

/// Size figures of one program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramSize {
    /// Bytes of WASM.
    pub wasm: usize,
    /// Bytes of deployable code (prefix + compressed WASM).
    pub code: usize,
}

impl ProgramSize {
    /// Whether both figures are within Arbitrum's limits.
    pub fn fits(&self) -> bool {
        self.wasm <= MAX_WASM_SIZE && self.code <= MAX_CODE_SIZE
    }
}

/// The deployable code of a WASM program: prefix and brotli-compressed WASM (the protocol
/// crate's encoder, which the devnet uses too: what the SDK deploys is byte for byte what
/// the devnet tests run).
pub fn program_code(wasm: &[u8]) -> Vec<u8> {
    zkmltrack_protocol::stylus::encode(wasm)
}

/// The size figures of a WASM program.
pub fn program_size(wasm: &[u8]) -> ProgramSize {
    ProgramSize {
        wasm: wasm.len(),
        code: program_code(wasm).len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn code_is_prefixed_brotli_that_decompresses_to_the_wasm() {
        let wasm: Vec<u8> = (0..10_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let code = program_code(&wasm);
        assert_eq!(code[..4], PROGRAM_PREFIX);
        let mut out = Vec::new();
        brotli::Decompressor::new(&code[4..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, wasm);
        let size = program_size(&wasm);
        assert_eq!(size.wasm, wasm.len());
        assert!(size.fits());
        assert!(!ProgramSize {
            wasm: 10,
            code: MAX_CODE_SIZE + 1
        }
        .fits());
    }
}
