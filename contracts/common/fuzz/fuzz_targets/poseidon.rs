//! cargo-fuzz target: [`zkmltrack_common_fuzz::poseidon`] on every input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkmltrack_common_fuzz::poseidon(data));
