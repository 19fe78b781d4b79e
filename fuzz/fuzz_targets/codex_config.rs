//! Fuzz target `codex_config`: see `integration_tests::fuzz::codex_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::codex_config(data);
});
