//! Fuzz target `sbom`: see `integration_tests::fuzz::sbom`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::sbom(data);
});
