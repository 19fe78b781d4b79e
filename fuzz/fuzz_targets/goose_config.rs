//! Fuzz target `goose_config`: see `integration_tests::fuzz::goose_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::goose_config(data);
});
