//! Fuzz target `uv_lock`: see `integration_tests::fuzz::uv_lock`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::uv_lock(data);
});
