//! Fuzz target `onnx`: see `integration_tests::fuzz::onnx`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    integration_tests::fuzz::onnx(data);
});
