//! Fuzz target `rustsec_markdown`: see `integration_tests::fuzz::rustsec_markdown`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::rustsec_markdown(data);
});
