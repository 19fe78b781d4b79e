//! Fuzz target `extractor`: the format of the table (`scanner_core::extract::FORMATS`) whose
//! fuzz target is named by `AIRLOCK_FUZZ_FORMAT` (a directory of `tests/fixtures/fuzz-corpus/`,
//! e.g. `pickle`), run by `integration_tests::fuzz::run_format` under each of its sample names.
#![no_main]

use std::sync::OnceLock;

use integration_tests::fuzz::{all_targets, target, Target};

static TARGET: OnceLock<Target> = OnceLock::new();

/// The target `AIRLOCK_FUZZ_FORMAT` names; without one, the fuzzer stops and lists them.
fn chosen() -> Target {
    let name = std::env::var("AIRLOCK_FUZZ_FORMAT").unwrap_or_default();
    if let Some(found) = target(&name).filter(|found| found.format().is_some()) {
        return found;
    }
    let formats: Vec<&str> = all_targets()
        .into_iter()
        .filter(|known| known.format().is_some())
        .map(|known| known.name)
        .collect();
    eprintln!(
        "AIRLOCK_FUZZ_FORMAT={name:?} names no format; one of: {}",
        formats.join(" ")
    );
    std::process::exit(2)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    TARGET.get_or_init(chosen).run(data);
});
