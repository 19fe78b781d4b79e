//! Fuzz target `gemini_settings`: see `integration_tests::fuzz::gemini_settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::gemini_settings(data);
});
