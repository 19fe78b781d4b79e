//! Fuzz target `zed_settings`: see `integration_tests::fuzz::zed_settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::zed_settings(data);
});
