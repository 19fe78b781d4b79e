//! Fuzz target `cargo_toml`: see `integration_tests::fuzz::cargo_toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::cargo_toml(data);
});
