//! Fuzz target `poetry_lock`: see `integration_tests::fuzz::poetry_lock`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::poetry_lock(data);
});
