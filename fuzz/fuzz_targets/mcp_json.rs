//! Fuzz target `mcp_json`: see `integration_tests::fuzz::mcp_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::mcp_json(data);
});
