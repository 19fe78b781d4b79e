//! Fuzz target `safetensors`: see `integration_tests::fuzz::safetensors`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::safetensors(data);
});
