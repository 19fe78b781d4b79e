//! Fuzz target `tool_declarations`: see `integration_tests::fuzz::tool_declarations`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::tool_declarations(data);
});
