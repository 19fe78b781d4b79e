//! Fuzz target `claude_code_settings`: see `integration_tests::fuzz::claude_code_settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::claude_code_settings(data);
});
