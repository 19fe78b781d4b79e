//! Fuzz target `pylock_toml`: see `integration_tests::fuzz::pylock_toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::pylock_toml(data);
});
