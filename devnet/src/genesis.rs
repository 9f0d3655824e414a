//! What the chain holds at block 0: the Nitro dev node's funded account, deterministic test
//! accounts, and the StylusDeployer at its canonical address.

use alloy_primitives::{b256, keccak256, Address, Bytes, B256};

/// The Nitro dev node's pre-funded account (public key material, dev only).
pub const DEV_ACCOUNT: Address =
    alloy_primitives::address!("3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E");
/// Its private key, as published with the Nitro dev node. Never use it on a real network.
pub const DEV_KEY: B256 = b256!("b6b15c8cb491557369f3c7d2c287b053eb229daa9c22138887752191c9520659");

/// Keys of the funded accounts: the dev key, then `n` test keys derived as
/// `keccak256("zkmltrack-devnet test account <i>")`.
pub fn account_keys(n: usize) -> Vec<B256> {
    std::iter::once(DEV_KEY)
        .chain((0..n).map(|i| keccak256(format!("zkmltrack-devnet test account {i}"))))
        .collect()
}

/// Contracts present at genesis.
pub fn contracts() -> Vec<(Address, Bytes)> {
    vec![(
        crate::deployer::STYLUS_DEPLOYER,
        Bytes::from_static(crate::deployer::DEPLOYER_MARKER_CODE),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_key_controls_the_dev_account() {
        let signer = alloy_signer_local::PrivateKeySigner::from_bytes(&DEV_KEY).unwrap();
        assert_eq!(signer.address(), DEV_ACCOUNT);
        assert_eq!(account_keys(3).len(), 4);
    }
}
