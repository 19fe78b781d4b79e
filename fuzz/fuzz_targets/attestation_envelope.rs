//! Fuzz target `attestation_envelope`: see `integration_tests::fuzz::attestation_envelope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::attestation_envelope(data);
});
