//! Fuzz target `osv_yaml`: see `integration_tests::fuzz::osv_yaml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::osv_yaml(data);
});
