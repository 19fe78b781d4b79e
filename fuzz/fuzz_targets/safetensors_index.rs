//! Fuzz target `safetensors_index`: see `integration_tests::fuzz::safetensors_index`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::safetensors_index(data);
});
