//! Fuzz target `claude_desktop_config`: see `integration_tests::fuzz::claude_desktop_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::claude_desktop_config(data);
});
