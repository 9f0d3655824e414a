//! cargo-fuzz target: [`zkmltrack_abi_fuzz::check`] of the HiddenSet on every input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    zkmltrack_abi_fuzz::check(zkmltrack_abi_fuzz::Target::HiddenSet, data)
});
