//! Fuzz target `pickle`: see `integration_tests::fuzz::pickle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::pickle(data);
});
