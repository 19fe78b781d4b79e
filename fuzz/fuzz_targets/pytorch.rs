//! Fuzz target `pytorch`: see `integration_tests::fuzz::pytorch`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::pytorch(data);
});
