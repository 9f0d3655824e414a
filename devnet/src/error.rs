//! Errors of the devnet, each saying what went wrong in words a JSON-RPC client can show.

use revm::primitives::{Address, Bytes, B256, U256};

/// Why a transaction or call was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DevnetError {
    /// The raw transaction does not decode.
    #[error("malformed transaction: {0}")]
    MalformedTransaction(String),
    /// The signature does not recover to an address.
    #[error("invalid transaction signature")]
    InvalidSignature,
    /// Blob and set-code transactions are not supported.
    #[error("unsupported transaction type {0} (legacy, EIP-2930 and EIP-1559 are supported)")]
    UnsupportedTransactionType(u8),
    /// The transaction was already mined.
    #[error("already known: transaction {0} was already mined")]
    AlreadyKnown(B256),
    /// The transaction is signed for another chain.
    #[error("wrong chain: transaction is for chain id {got}, this chain is {expected}")]
    WrongChain {
        /// This chain's id.
        expected: u64,
        /// The transaction's chain id.
        got: u64,
    },
    /// The nonce was already used.
    #[error("nonce too low: account nonce is {expected}, transaction has {got}")]
    NonceTooLow {
        /// Next nonce of the account.
        expected: u64,
        /// Nonce of the transaction.
        got: u64,
    },
    /// The nonce leaves a gap (the devnet has no mempool to hold it).
    #[error("nonce too high: account nonce is {expected}, transaction has {got} (no mempool: send in order)")]
    NonceTooHigh {
        /// Next nonce of the account.
        expected: u64,
        /// Nonce of the transaction.
        got: u64,
    },
    /// The sender cannot pay gas x price + value.
    #[error("insufficient funds for gas * price + value: have {have} wei, want {want} wei")]
    InsufficientFunds {
        /// Balance of the sender.
        have: U256,
        /// What the transaction may cost.
        want: U256,
    },
    /// The fee cap is below the base fee.
    #[error("max fee per gas below the block base fee of {base_fee} wei")]
    FeeTooLow {
        /// Base fee of the chain.
        base_fee: u64,
    },
    /// The gas limit cannot even cover the intrinsic cost.
    #[error("intrinsic gas too low: needs {needed}, gas limit is {limit}")]
    IntrinsicGasTooLow {
        /// Intrinsic gas of the transaction.
        needed: u64,
        /// Its gas limit.
        limit: u64,
    },
    /// Another validation failure.
    #[error("invalid transaction: {0}")]
    InvalidTransaction(String),
    /// The in-process API was asked to sign for an account whose key the devnet lacks.
    #[error("no key for account {0}: in-process sends must come from the dev or test accounts")]
    UnknownAccount(Address),
    /// A call reverted; the data is the revert payload (custom error, `Error(string)`, ...).
    #[error("execution reverted{}", revert_suffix(.0))]
    Reverted(Bytes),
    /// A call halted (out of gas, invalid opcode, ...).
    #[error("execution halted: {0}")]
    Halted(String),
    /// A devnet bug or an unexpected internal state.
    #[error("internal devnet error: {0}")]
    Internal(String),
}

fn revert_suffix(data: &Bytes) -> String {
    use alloy_sol_types::{Revert, SolError};
    match Revert::abi_decode(data) {
        Ok(r) => format!(": {}", r.reason),
        Err(_) if data.is_empty() => String::new(),
        Err(_) => format!(" with data {data}"),
    }
}
