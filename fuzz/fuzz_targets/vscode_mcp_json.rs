//! Fuzz target `vscode_mcp_json`: see `integration_tests::fuzz::vscode_mcp_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::vscode_mcp_json(data);
});
