//! Fuzz target `cargo_lock`: see `integration_tests::fuzz::cargo_lock`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::cargo_lock(data);
});
