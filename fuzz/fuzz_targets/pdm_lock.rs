//! Fuzz target `pdm_lock`: see `integration_tests::fuzz::pdm_lock`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::pdm_lock(data);
});
