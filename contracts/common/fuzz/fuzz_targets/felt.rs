//! cargo-fuzz target: [`zkmltrack_common_fuzz::felt`] on every input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| zkmltrack_common_fuzz::felt(data));
