//! Fuzz target `windsurf_mcp_config`: see `integration_tests::fuzz::windsurf_mcp_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::windsurf_mcp_config(data);
});
