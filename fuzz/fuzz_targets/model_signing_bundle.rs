//! Fuzz target `model_signing_bundle`: see `integration_tests::fuzz::model_signing_bundle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::model_signing_bundle(data);
});
