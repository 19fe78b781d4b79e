//! Fuzz target `cline_mcp_settings`: see `integration_tests::fuzz::cline_mcp_settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::cline_mcp_settings(data);
});
