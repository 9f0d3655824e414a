//! Stylus program code: prefix detection, decompression, validation at activation, the
//! compiled-module cache, and the activation record kept in ArbWasm's storage (so that it is
//! journaled, reverted and snapshotted with the rest of the state).

use std::{
    collections::HashMap,
    io::Read,
    sync::{Arc, Mutex},
};

use revm::primitives::{B256, U256};
use wasmi::{Config, Engine, ExternType, Module, ValType};

use super::{host::HOST_IMPORTS, ink};

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
    /// wasmi rejected the module (parse or validation error, floats, start function...).
    #[error("invalid WASM module: {0}")]
    Invalid(String),
    /// The module breaks a Stylus rule (exports, imports, memory).
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

/// What activation learned about a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivationInfo {
    /// Stylus version the program was activated with.
    pub version: u16,
    /// Decompressed WASM size in bytes (reported as `codehashAsmSize`).
    pub wasm_size: u32,
    /// Initial memory pages the program asks for.
    pub footprint: u16,
    /// Block timestamp of the activation.
    pub activated_at: u64,
}

impl ActivationInfo {
    /// Packs the record into one storage word of the ArbWasm account.
    pub fn to_word(self) -> U256 {
        U256::from(self.version)
            | (U256::from(self.wasm_size) << 16)
            | (U256::from(self.footprint) << 48)
            | (U256::from(self.activated_at) << 64)
            | (U256::from(1u8) << 255)
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
        })
    }
}

/// Storage slot of ArbWasm holding the activation record of `codehash`.
pub fn activation_slot(codehash: B256) -> U256 {
    U256::from_be_bytes(codehash.0)
}

/// Compiled modules by code hash, shared by every transaction of a chain.
pub struct ProgramCache {
    engine: Engine,
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
        config
            .consume_fuel(true)
            .operator_cost(ink::operator_costs())
            .floats(false)
            .allow_start_fn(false)
            .wasm_multi_memory(false)
            .wasm_memory64(false)
            .wasm_reference_types(false)
            .wasm_tail_call(false)
            .set_max_recursion_depth(4_096);
        Self {
            engine: Engine::new(&config),
            modules: Mutex::new(HashMap::new()),
        }
    }
}

impl ProgramCache {
    /// Shared handle to a new, empty cache.
    pub fn shared() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The wasmi engine all programs are compiled with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Validates program code and compiles it (cached by `codehash`); returns the module and
    /// the facts recorded at activation.
    pub fn compile(&self, codehash: B256, code: &[u8]) -> Result<(Module, u32, u16), ProgramError> {
        let wasm = decompress(code)?;
        let module = Module::new(&self.engine, &wasm[..])
            .map_err(|e| ProgramError::Invalid(e.to_string()))?;
        let footprint = check_rules(&module)?;
        self.modules
            .lock()
            .expect("program cache poisoned")
            .insert(codehash, module.clone());
        Ok((module, wasm.len() as u32, footprint))
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
        self.compile(codehash, code).map(|(m, _, _)| m)
    }
}

/// Checks exports, imports and memory; returns the initial memory pages.
fn check_rules(module: &Module) -> Result<u16, ProgramError> {
    let mut entry = false;
    let mut pages = None;
    for export in module.exports() {
        if export.name().starts_with("stylus") {
            return Err(ProgramError::Rule(format!(
                "export name {:?} is reserved",
                export.name()
            )));
        }
        match (export.name(), export.ty()) {
            ("user_entrypoint", ExternType::Func(f)) => {
                if f.params() != [ValType::I32] || f.results() != [ValType::I32] {
                    return Err(ProgramError::Rule(
                        "user_entrypoint must be (i32) -> i32".into(),
                    ));
                }
                entry = true;
            }
            ("memory", ExternType::Memory(m)) => pages = Some(m.minimum()),
            _ => {}
        }
    }
    if !entry {
        return Err(ProgramError::Rule("missing export user_entrypoint".into()));
    }
    let pages = pages.ok_or_else(|| ProgramError::Rule("missing exported memory".into()))?;
    if pages > u64::from(ink::PAGE_LIMIT) {
        return Err(ProgramError::Rule(format!(
            "memory of {pages} pages exceeds the {} page limit",
            ink::PAGE_LIMIT
        )));
    }
    for import in module.imports() {
        let known = HOST_IMPORTS
            .iter()
            .any(|(m, n)| *m == import.module() && *n == import.name());
        if !known {
            return Err(ProgramError::Rule(format!(
                "unknown import {}.{}",
                import.module(),
                import.name()
            )));
        }
    }
    Ok(pages as u16)
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
