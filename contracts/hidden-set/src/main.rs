//! Prints the contract's Solidity interface (`cargo run --features export-abi`).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]

#[cfg(not(any(test, feature = "export-abi")))]
#[no_mangle]
/// Never called: a Stylus program is entered through `user_entrypoint`; this
/// symbol only satisfies the binary target on wasm32.
pub extern "C" fn main() {}

#[cfg(feature = "export-abi")]
fn main() {
    zkmltrack_hidden_set::print_from_args();
}
