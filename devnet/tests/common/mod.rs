//! Helpers shared by the devnet's tests of compiled contracts.

use std::path::PathBuf;

use revm::primitives::Address;
use zkmltrack_devnet::{
    stylus::program::constructor_calldata, Devnet, Receipt, TxRequest, DEV_ACCOUNT,
};

/// A contract as `scripts/build-contracts` leaves it in `contracts/target/stylus`.
pub(crate) fn wasm(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../contracts/target/stylus")
        .join(format!("{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run scripts/build-contracts first)",
            path.display()
        )
    })
}

/// Deploys and activates `name` from the dev account, then runs its
/// constructor with the ABI-encoded `args` in a transaction that must succeed.
pub(crate) fn deploy_and_construct(
    chain: &mut Devnet,
    name: &str,
    args: &[u8],
) -> (Address, Receipt) {
    let program = chain
        .deploy_stylus(DEV_ACCOUNT, &wasm(name))
        .expect("deploy + activate");
    let receipt = chain
        .send(TxRequest {
            from: DEV_ACCOUNT,
            to: Some(program),
            data: constructor_calldata(args).into(),
            ..Default::default()
        })
        .unwrap();
    assert!(
        receipt.success,
        "{name} constructor: {:?} {:?}",
        receipt.output, receipt.console
    );
    (program, receipt)
}
