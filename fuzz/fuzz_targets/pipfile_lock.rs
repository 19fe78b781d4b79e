//! Fuzz target `pipfile_lock`: see `integration_tests::fuzz::pipfile_lock`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::pipfile_lock(data);
});
