//! cargo-fuzz target: [`zkmltrack_devnet_fuzz::rpc`] on every input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkmltrack_devnet_fuzz::rpc(data));
