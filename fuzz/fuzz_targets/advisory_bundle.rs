//! Fuzz target `advisory_bundle`: see `integration_tests::fuzz::advisory_bundle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::advisory_bundle(data);
});
