//! Fuzz target `gguf`: see `integration_tests::fuzz::gguf`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::gguf(data);
});
