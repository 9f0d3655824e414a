//! cargo-fuzz target: [`zkmltrack_common_fuzz::merkle`] on every input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkmltrack_common_fuzz::merkle(data));
