//! The chain saved to a file and loaded back (`zkmltrack devnet --state FILE`,
//! after anvil's `--state`): accounts with their code and storage (activated
//! Stylus programs included: ArbWasm keeps them in state), every block and
//! every transaction with its receipt, the clock. Snapshots are not kept, and
//! compiled programs are compiled again on their first call.
//!
//! The file is JSON with a format tag and version; it is written to a
//! temporary file, flushed to disk and renamed into place, so a process
//! killed while saving leaves the previous file whole. A file that is not a
//! devnet state (or of another version, or another chain id) is refused with
//! the reason.

use std::{
    collections::HashMap,
    fs,
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use revm::database::{CacheDB, EmptyDB};
use serde::{Deserialize, Serialize};

use super::{BlockRecord, Devnet, DevnetConfig, TxRecord};
use crate::{genesis, stylus::program::ProgramCache};

/// The `format` field of a state file.
pub const STATE_FORMAT: &str = "zkmltrack-devnet-state";
/// The version of the layout this build reads and writes.
pub const STATE_VERSION: u32 = 1;

/// Why a state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Not a devnet state file (or a damaged one).
    #[error("{path} is not a zkmltrack devnet state file ({reason}); move it away or pass another --state")]
    NotAState {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A state of another version or chain.
    #[error("{path} holds {what}; this devnet {expected}: start it with matching options or another --state")]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What the file holds.
        what: String,
        /// What this devnet is.
        expected: String,
    },
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    format: String,
    version: u32,
    chain_id: u64,
    test_accounts: usize,
    balance: U256,
    genesis_timestamp: u64,
    time_offset: u64,
    db: CacheDB<EmptyDB>,
    blocks: Vec<BlockRecord>,
    txs: Vec<TxRecord>,
}

/// Only the header, read first so a foreign file is named before it is decoded whole.
#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
    chain_id: u64,
}

impl Devnet {
    /// The chain a devnet process starts with: the state at `path` when the
    /// file exists (refused when it is not one, or of another chain id than
    /// `config`'s), else a new chain from `config`; and whether it was loaded.
    pub fn open(config: DevnetConfig, path: Option<&Path>) -> Result<(Devnet, bool), StateError> {
        if let Some(path) = path {
            remove_stale_temporaries(path);
        }
        match path {
            Some(path) if path.exists() => {
                Devnet::load_state(path, Some(config.chain_id)).map(|mut chain| {
                    chain.config.max_logs_range = config.max_logs_range;
                    (chain, true)
                })
            }
            _ => Ok((Devnet::new(config), false)),
        }
    }

    /// Writes the chain to `path` atomically (temporary file, fsync, rename).
    pub fn save_state(&self, path: &Path) -> Result<(), StateError> {
        let io = |source| StateError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut txs: Vec<TxRecord> = self.txs.values().cloned().collect();
        txs.sort_by_key(|t| t.receipt.block_number);
        let state = StateFile {
            format: STATE_FORMAT.into(),
            version: STATE_VERSION,
            chain_id: self.config.chain_id,
            test_accounts: self.config.test_accounts,
            balance: self.config.balance,
            genesis_timestamp: self.genesis_timestamp,
            time_offset: self.time_offset,
            db: self.db.clone(),
            blocks: self.blocks.clone(),
            txs,
        };
        let bytes = serde_json::to_vec(&state).map_err(|e| io(std::io::Error::other(e)))?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut file = fs::File::create(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        fs::rename(&tmp, path).map_err(io)?;
        // The rename itself is durable once the directory is.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(dir) = fs::File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }

    /// Loads a chain saved by [`Devnet::save_state`]; with `chain_id`, refuses
    /// a state of another chain.
    pub fn load_state(path: &Path, chain_id: Option<u64>) -> Result<Devnet, StateError> {
        let bytes = fs::read(path).map_err(|source| StateError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let not_a_state = |reason: String| StateError::NotAState {
            path: path.to_path_buf(),
            reason,
        };
        let header: Header =
            serde_json::from_slice(&bytes).map_err(|e| not_a_state(e.to_string()))?;
        if header.format != STATE_FORMAT {
            return Err(not_a_state(format!("format `{}`", header.format)));
        }
        let foreign = |what: String, expected: String| StateError::Foreign {
            path: path.to_path_buf(),
            what,
            expected,
        };
        if header.version != STATE_VERSION {
            return Err(foreign(
                format!("a state of layout version {}", header.version),
                format!("reads version {STATE_VERSION}"),
            ));
        }
        if let Some(expected) = chain_id.filter(|id| *id != header.chain_id) {
            return Err(foreign(
                format!("chain {}", header.chain_id),
                format!("is chain {expected}"),
            ));
        }
        let state: StateFile =
            serde_json::from_slice(&bytes).map_err(|e| not_a_state(e.to_string()))?;
        if state.blocks.is_empty()
            || state
                .blocks
                .iter()
                .enumerate()
                .any(|(i, b)| b.number != i as u64)
        {
            return Err(not_a_state(
                "its blocks are not numbered 0, 1, 2, ...".into(),
            ));
        }
        let mut signers = HashMap::new();
        let mut accounts: Vec<Address> = Vec::new();
        for key in genesis::account_keys(state.test_accounts) {
            let signer = PrivateKeySigner::from_bytes(&key).expect("genesis keys are valid");
            accounts.push(signer.address());
            signers.insert(signer.address(), signer);
        }
        let hashes: Vec<B256> = state.blocks.iter().map(|b| b.hash).collect();
        Ok(Devnet {
            db: state.db,
            programs: ProgramCache::shared(),
            blocks: state.blocks,
            hashes: Arc::new(hashes),
            txs: state
                .txs
                .into_iter()
                .map(|t| (t.receipt.tx_hash, t))
                .collect(),
            snapshots: Vec::new(),
            signers,
            accounts,
            config: DevnetConfig {
                chain_id: state.chain_id,
                test_accounts: state.test_accounts,
                balance: state.balance,
                genesis_timestamp: Some(state.genesis_timestamp),
                debug_chain: true,
                max_logs_range: None,
            },
            genesis_timestamp: state.genesis_timestamp,
            time_offset: state.time_offset,
            executed_gas: std::cell::Cell::new(0),
        })
    }
}

/// Removes the temporary files of saves to `path` that a killed process left
/// (`<path>.tmp<pid>` of a process that no longer runs; Linux's `/proc` says
/// which do, elsewhere nothing is removed).
fn remove_stale_temporaries(path: &Path) {
    let (Some(dir), Some(stem)) = (path.parent(), path.file_stem()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!("{}.tmp", stem.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(&prefix) else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}
