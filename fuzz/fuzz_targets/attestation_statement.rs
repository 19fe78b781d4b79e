//! Fuzz target `attestation_statement`: see `integration_tests::fuzz::attestation_statement`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::attestation_statement(data);
});
