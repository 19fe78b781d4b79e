//! Fuzz target `hf_config`: see `integration_tests::fuzz::hf_config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::hf_config(data);
});
