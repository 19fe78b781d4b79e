//! Fuzz target `osv_json`: see `integration_tests::fuzz::osv_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::osv_json(data);
});
