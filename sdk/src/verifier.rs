//! Verifier generation: a circuit's EZKL artifacts turned into the parts that
//! go on-chain, compiled and size-checked, as one JSON [`VerifierBundle`] the
//! deploy step reads (the `zkmltrack-verifier-gen` binary is a thin CLI over it):
//!
//! - **reusable** (default): EZKL's reusable verifier, identical for every
//!   model (deploy once, allow-list its code hash in the VerifierRouter), and
//!   the model's verifying-key artifact (VKA words and their keccak256 digest,
//!   which the ModelRegistry records as the model's commitment);
//! - **plain**: a verifier with the key baked in (owner-approved routes only).
//!
//! Solidity is compiled with the project-managed solc-js 0.8.20 (legacy
//! pipeline, optimizer on: EZKL's verifiers do not compile without it).
//! Runtime code must fit EIP-170 (24,576 bytes) and init code EIP-3860
//! (49,152 bytes); a part over a limit is refused, not written.

use std::{fs, path::Path};

use alloy::primitives::{hex, keccak256, B256};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{
    prover::{Circuit, ProverError, VerifierKind},
    solc::{Solc, SolcError, SOLC_VERSION},
};

/// EIP-170: largest runtime code; EIP-3860: largest init code.
pub use zkmltrack_protocol::stylus::{
    MAX_CODE_SIZE as MAX_RUNTIME_SIZE, MAX_INIT_CODE_SIZE as MAX_INITCODE_SIZE,
};
/// Optimizer runs used for verifiers (size is the binding constraint).
pub const OPTIMIZER_RUNS: u32 = 1;

/// Errors of verifier generation.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    /// EZKL could not produce the Solidity or the VKA.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// Compilation failed.
    #[error(transparent)]
    Solc(#[from] SolcError),
    /// A compiled part is over its limit.
    #[error("{contract}: {part} is {size} bytes, over the {limit}-byte limit ({eip}); it cannot be deployed")]
    TooLarge {
        /// Contract name.
        contract: String,
        /// `runtime code` or `init code`.
        part: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
        /// The EIP that sets it.
        eip: &'static str,
    },
    /// The compiler output lacks the contract.
    #[error("solc produced no bytecode for {0}")]
    MissingOutput(String),
    /// A bundle's code field is not hex (a hand-edited or corrupted bundle file).
    #[error("{contract}: the bundle's {part} is not hex: {reason}")]
    NotHex {
        /// Contract name.
        contract: String,
        /// `init code` or `runtime code`.
        part: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

impl GenError {
    /// Whether the circuit is at fault (EZKL refused it, or its verifier does
    /// not fit), as opposed to the compiler or the file system.
    pub fn is_input(&self) -> bool {
        matches!(self, GenError::Prover(_) | GenError::TooLarge { .. })
    }
}

/// A verifying-key artifact for EZKL's reusable verifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vka {
    /// The words, `0x`-prefixed hex.
    pub words: Vec<String>,
    /// keccak256 of the words packed end to end (EZKL's VKA digest), `0x` hex.
    pub digest: String,
}

/// A compiled, size-checked verifier and, for the reusable kind, the model's VKA.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifierBundle {
    /// Kind of verifier.
    pub kind: VerifierKind,
    /// Contract name.
    pub contract: String,
    /// ABI (JSON, as solc emits it).
    pub abi: Value,
    /// Init code, `0x` hex.
    pub bytecode: String,
    /// Runtime code, `0x` hex.
    pub deployed_bytecode: String,
    /// Runtime code size in bytes.
    pub runtime_size: usize,
    /// Init code size in bytes.
    pub initcode_size: usize,
    /// The model's VKA (reusable kind).
    pub vka: Option<Vka>,
    /// Compiler version.
    pub solc_version: String,
    /// Optimizer runs.
    pub optimizer_runs: u32,
}

impl VerifierBundle {
    /// Writes the bundle as pretty JSON.
    pub fn write(&self, path: &Path) -> Result<(), GenError> {
        let text = serde_json::to_string_pretty(self).expect("bundle serializes");
        fs::write(path, text + "\n").map_err(|e| GenError::Io(path.display().to_string(), e))
    }

    /// The init code to deploy, decoded from [`VerifierBundle::bytecode`].
    pub fn init_code(&self) -> Result<Vec<u8>, GenError> {
        self.decode(&self.bytecode, "init code")
    }

    /// The runtime code (whose keccak256 the router allow-lists), decoded
    /// from [`VerifierBundle::deployed_bytecode`].
    pub fn runtime_code(&self) -> Result<Vec<u8>, GenError> {
        self.decode(&self.deployed_bytecode, "runtime code")
    }

    fn decode(&self, text: &str, part: &'static str) -> Result<Vec<u8>, GenError> {
        hex::decode(text).map_err(|e| GenError::NotHex {
            contract: self.contract.clone(),
            part,
            reason: e.to_string(),
        })
    }

    /// The VKA's words (empty for a plain verifier's bundle).
    ///
    /// # Panics
    /// When a word is not 32 bytes of hex (a bundle this crate did not write).
    pub fn vka_words(&self) -> Vec<B256> {
        self.vka.as_ref().map_or_else(Vec::new, |vka| {
            vka.words
                .iter()
                .map(|w| w.parse().expect("VKA words are 32-byte hex"))
                .collect()
        })
    }

    /// The G2 words of the SRS the bundle's VKA was made with (what a suite
    /// deployed with this verifier pins as trusted), or `None` without a VKA.
    pub fn trusted_srs(&self) -> Option<[B256; 8]> {
        crate::suite::vka_srs_words(&self.vka_words())
    }

    /// Reads a bundle.
    pub fn read(path: &Path) -> Result<VerifierBundle, GenError> {
        let text =
            fs::read_to_string(path).map_err(|e| GenError::Io(path.display().to_string(), e))?;
        serde_json::from_str(&text)
            .map_err(|e| GenError::Io(path.display().to_string(), std::io::Error::other(e)))
    }
}

/// Generates, compiles and size-checks a circuit's verifier.
pub fn generate(
    circuit: &Circuit<'_>,
    kind: VerifierKind,
    solc: &Solc,
) -> Result<VerifierBundle, GenError> {
    let artifacts = circuit.evm_artifacts(kind, solc)?;
    let source = fs::read_to_string(&artifacts.source)
        .map_err(|e| GenError::Io(artifacts.source.display().to_string(), e))?;
    let compiled = compile(solc, &source, &artifacts.contract)?;
    let vka = artifacts.vka.map(|words| Vka {
        digest: hex::encode_prefixed(keccak256(words.concat())),
        words: words.iter().map(hex::encode_prefixed).collect(),
    });
    Ok(VerifierBundle {
        kind,
        vka,
        ..compiled
    })
}

/// Compiles one contract of a source and checks its sizes.
pub fn compile(solc: &Solc, source: &str, contract: &str) -> Result<VerifierBundle, GenError> {
    let input = json!({
        "language": "Solidity",
        "sources": { "Verifier.sol": { "content": source } },
        "settings": {
            "optimizer": { "enabled": true, "runs": OPTIMIZER_RUNS },
            "evmVersion": "shanghai",
            "outputSelection": { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } }
        }
    });
    let output = solc.compile(&input)?;
    let out = &output["contracts"]["Verifier.sol"][contract];
    let code = |key: &str| {
        out["evm"][key]["object"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let (bytecode, deployed) = code("bytecode")
        .zip(code("deployedBytecode"))
        .ok_or_else(|| GenError::MissingOutput(contract.into()))?;
    let runtime_size = deployed.len() / 2;
    let initcode_size = bytecode.len() / 2;
    if runtime_size > MAX_RUNTIME_SIZE {
        return Err(GenError::TooLarge {
            contract: contract.into(),
            part: "runtime code",
            size: runtime_size,
            limit: MAX_RUNTIME_SIZE,
            eip: "EIP-170",
        });
    }
    if initcode_size > MAX_INITCODE_SIZE {
        return Err(GenError::TooLarge {
            contract: contract.into(),
            part: "init code",
            size: initcode_size,
            limit: MAX_INITCODE_SIZE,
            eip: "EIP-3860",
        });
    }
    Ok(VerifierBundle {
        kind: VerifierKind::Plain,
        contract: contract.into(),
        abi: out["abi"].clone(),
        bytecode: format!("0x{bytecode}"),
        deployed_bytecode: format!("0x{deployed}"),
        runtime_size,
        initcode_size,
        vka: None,
        solc_version: SOLC_VERSION.into(),
        optimizer_runs: OPTIMIZER_RUNS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(bytecode: &str, deployed: &str) -> VerifierBundle {
        VerifierBundle {
            kind: VerifierKind::Plain,
            contract: "Halo2Verifier".into(),
            abi: Value::Null,
            bytecode: bytecode.into(),
            deployed_bytecode: deployed.into(),
            runtime_size: 0,
            initcode_size: 0,
            vka: None,
            solc_version: SOLC_VERSION.into(),
            optimizer_runs: 1,
        }
    }

    #[test]
    fn code_fields_decode_or_name_the_corrupted_part() {
        let good = bundle("0x6001", "0x00ff");
        assert_eq!(good.init_code().unwrap(), vec![0x60, 0x01]);
        assert_eq!(good.runtime_code().unwrap(), vec![0x00, 0xff]);
        assert!(good.vka_words().is_empty());

        let bad = bundle("0x60zz", "0x0");
        let init = bad.init_code().unwrap_err().to_string();
        assert!(
            init.starts_with("Halo2Verifier: the bundle's init code is not hex"),
            "{init}"
        );
        let runtime = bad.runtime_code().unwrap_err().to_string();
        assert!(
            runtime.starts_with("Halo2Verifier: the bundle's runtime code is not hex"),
            "{runtime}"
        );
    }
}
