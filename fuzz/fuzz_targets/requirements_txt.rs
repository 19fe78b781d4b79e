//! Fuzz target `requirements_txt`: see `integration_tests::fuzz::requirements_txt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::requirements_txt(data);
});
