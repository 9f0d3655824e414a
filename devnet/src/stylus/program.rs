//! Stylus program code: prefix detection, decompression, validation at activation, the
//! compiled-module cache, and the activation record kept in ArbWasm's storage (so that it is
//! journaled, reverted and snapshotted with the rest of the state).

use std::{
    collections::HashMap,
    io::Read,
    sync::{Arc, Mutex},
};

use revm::primitives::{B256, U256};
use wasmi::{Config, Engine, Module};

use super::{
    ink::{ActivationWork, ModuleCosts},
    meter,
};

pub use zkmltrack_protocol::stylus::{
    constructor_calldata, encode, is_program, MAX_WASM_SIZE, PROGRAM_PREFIX, STYLUS_VERSION,
};

/// Why a program cannot be activated or run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    /// The code does not start with the Stylus prefix.
    #[error("code is not a Stylus program (no EF F0 00 prefix)")]
    NotWasm,
    /// The prefix names a compression dictionary the devnet does not ship.
    #[error("unsupported Stylus dictionary byte {0} (only 0, no dictionary, is supported)")]
    Dictionary(u8),
    /// Brotli decompression failed.
    #[error("brotli decompression failed: {0}")]
    Decompress(String),
    /// The decompressed WASM exceeds [`MAX_WASM_SIZE`].
    #[error("decompressed WASM is {0} bytes, above the 128 KiB limit")]
    TooLarge(usize),
    /// wasmi rejected the module (parse or validation error, floats...).
    #[error("invalid WASM module: {0}")]
    Invalid(String),
    /// The module breaks a rule of Nitro's activation (exports, imports, memory, limits).
    #[error("not a valid Stylus program: {0}")]
    Rule(String),
}

/// Strips the prefix and decompresses the brotli stream.
pub fn decompress(code: &[u8]) -> Result<Vec<u8>, ProgramError> {
    if !is_program(code) {
        return Err(ProgramError::NotWasm);
    }
    match code[3] {
        0 => {}
        other => return Err(ProgramError::Dictionary(other)),
    }
    let mut wasm = Vec::new();
    brotli::Decompressor::new(&code[4..], 4096)
        .take(MAX_WASM_SIZE as u64 + 1)
        .read_to_end(&mut wasm)
        .map_err(|e| ProgramError::Decompress(e.to_string()))?;
    if wasm.len() > MAX_WASM_SIZE {
        return Err(ProgramError::TooLarge(wasm.len()));
    }
    Ok(wasm)
}

/// What activation learned about a program (Nitro's program entry in ArbWasm's storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivationInfo {
    /// Stylus version the program was activated with.
    pub version: u16,
    /// Decompressed WASM size in bytes.
    pub wasm_size: u32,
    /// Initial memory pages the program asks for.
    pub footprint: u16,
    /// Block timestamp of the activation.
    pub activated_at: u64,
    /// Entry costs and asm estimate computed at activation.
    pub costs: ModuleCosts,
}

impl ActivationInfo {
    /// Packs the record into one storage word of the ArbWasm account.
    pub fn to_word(self) -> U256 {
        U256::from_limbs([
            u64::from(self.version)
                | (u64::from(self.wasm_size) << 16)
                | (u64::from(self.footprint) << 48),
            self.activated_at,
            u64::from(self.costs.init)
                | (u64::from(self.costs.cached_init) << 16)
                | (u64::from(self.costs.asm_estimate) << 32),
            1 << 63,
        ])
    }

    /// Unpacks a storage word; zero means "never activated".
    pub fn from_word(word: U256) -> Option<Self> {
        if !word.bit(255) {
            return None;
        }
        let limbs = word.as_limbs();
        Some(Self {
            version: limbs[0] as u16,
            wasm_size: (limbs[0] >> 16) as u32,
            footprint: (limbs[0] >> 48) as u16,
            activated_at: limbs[1],
            costs: ModuleCosts {
                init: limbs[2] as u16,
                cached_init: (limbs[2] >> 16) as u16,
                asm_estimate: (limbs[2] >> 32) as u32,
            },
        })
    }
}

/// A program compiled for running, with what activation learned about it.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The instrumented module.
    pub module: Module,
    /// Decompressed WASM bytes.
    pub wasm_size: u32,
    /// Initial memory pages.
    pub footprint: u16,
    /// Entry costs and asm estimate.
    pub costs: ModuleCosts,
    /// What activation charges gas for.
    pub work: ActivationWork,
}

/// Storage slot of ArbWasm holding the activation record of `codehash`.
pub fn activation_slot(codehash: B256) -> U256 {
    U256::from_be_bytes(codehash.0)
}

/// Compiled modules by code hash, shared by every transaction of a chain.
pub struct ProgramCache {
    engine: Engine,
    /// Programs may import `console` (a debug chain).
    debug_chain: bool,
    modules: Mutex<HashMap<B256, Module>>,
}

impl std::fmt::Debug for ProgramCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.modules.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("ProgramCache").field("modules", &n).finish()
    }
}

impl Default for ProgramCache {
    fn default() -> Self {
        let mut config = Config::default();
        // Ink is metered by the instrumentation (`super::meter`), not by wasmi's fuel.
        config
            .consume_fuel(false)
            .floats(false)
            .allow_start_fn(false)
            .wasm_multi_memory(false)
            .wasm_memory64(false)
            .wasm_reference_types(false)
            .wasm_tail_call(false)
            // The depth checker (`meter.rs`) stops recursion first: 22,000 words of at least
            // 4 per frame are at most 5,500 frames.
            .set_max_recursion_depth(8_192);
        Self {
            engine: Engine::new(&config),
            debug_chain: true,
            modules: Mutex::new(HashMap::new()),
        }
    }
}

impl ProgramCache {
    /// Shared handle to a new, empty cache (of a debug chain).
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Shared handle to a new, empty cache; `debug_chain` allows the `console` imports.
    pub fn for_chain(debug_chain: bool) -> Arc<Self> {
        Arc::new(Self {
            debug_chain,
            ..Self::default()
        })
    }

    /// The wasmi engine all programs are compiled with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Validates program code as Nitro's activation does, instruments it and compiles it
    /// (cached by `codehash`).
    pub fn compile(&self, codehash: B256, code: &[u8]) -> Result<Compiled, ProgramError> {
        let wasm = decompress(code)?;
        let instrumented =
            meter::instrument(&wasm, self.debug_chain).map_err(ProgramError::Rule)?;
        let module = Module::new(&self.engine, &instrumented.wasm[..])
            .map_err(|e| ProgramError::Invalid(e.to_string()))?;
        self.modules
            .lock()
            .expect("program cache poisoned")
            .insert(codehash, module.clone());
        Ok(Compiled {
            module,
            wasm_size: wasm.len() as u32,
            footprint: instrumented.footprint,
            costs: instrumented.costs,
            work: instrumented.work,
        })
    }

    /// The compiled module of an activated program, compiling it again if the cache lost it.
    pub fn module(&self, codehash: B256, code: &[u8]) -> Result<Module, ProgramError> {
        if let Some(m) = self
            .modules
            .lock()
            .expect("program cache poisoned")
            .get(&codehash)
        {
            return Ok(m.clone());
        }
        self.compile(codehash, code).map(|c| c.module)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_record_round_trips() {
        let info = ActivationInfo {
            version: 2,
            wasm_size: 70_000,
            footprint: 3,
            activated_at: 1_700_000_000,
            costs: ModuleCosts {
                init: 15_000,
                cached_init: 3_000,
                asm_estimate: 1_200_000,
            },
        };
        assert_eq!(ActivationInfo::from_word(info.to_word()), Some(info));
        assert_eq!(ActivationInfo::from_word(U256::ZERO), None);
    }

    #[test]
    fn prefix_and_dictionary_are_checked() {
        assert_eq!(decompress(&[0x60, 0x00]), Err(ProgramError::NotWasm));
        assert_eq!(
            decompress(&[0xEF, 0xF0, 0x00, 0x01, 0x00]),
            Err(ProgramError::Dictionary(1))
        );
        assert!(matches!(
            decompress(&[0xEF, 0xF0, 0x00, 0x00, 0xff, 0xff]),
            Err(ProgramError::Decompress(_))
        ));
    }
}
