//! Fuzz target `model_card`: see `integration_tests::fuzz::model_card`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::model_card(data);
});
