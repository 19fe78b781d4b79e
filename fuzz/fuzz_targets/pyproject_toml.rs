//! Fuzz target `pyproject_toml`: see `integration_tests::fuzz::pyproject_toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::pyproject_toml(data);
});
