//! The fuzz corpus, replayed on every CI run: every file of `tests/fixtures/fuzz-corpus/<target>/`
//! (seeds copied from the fixtures by `scripts/seed-fuzz-corpus.py`, plus every input a fuzzer
//! found crashing or hanging, named `crash-*` or `hang-*`) goes through its entry point in
//! `integration_tests::fuzz`, which must return, without a panic, within a time bound. A short
//! seeded mutation run follows; the long one (`--ignored`) is the libFuzzer-free fuzzer for
//! machines without cargo-fuzz.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support;
use integration_tests::fuzz::{self, Target};
use scanner_core::extract::FORMATS;

/// A debug build parses any corpus file far below this; a hang (or a quadratic blow-up on a
/// small input) does not.
const PER_INPUT_LIMIT: Duration = Duration::from_secs(10);

fn corpus_root() -> PathBuf {
    support::fixtures().join("fuzz-corpus")
}

/// Runs one input on a thread so a hang fails the test instead of blocking it, and a panic is
/// reported with the input's name.
fn run_bounded(target: Target, data: Vec<u8>, what: &str) -> Duration {
    let (sender, receiver) = mpsc::channel();
    let name = what.to_owned();
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| target.run(&data));
            let _ = sender.send((outcome.is_ok(), started.elapsed()));
        })
        .unwrap();
    match receiver.recv_timeout(PER_INPUT_LIMIT) {
        Ok((true, elapsed)) => elapsed,
        Ok((false, _)) => panic!("{what}: the entry point panicked"),
        Err(_) => panic!("{what}: no answer within {PER_INPUT_LIMIT:?} (a hang)"),
    }
}

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let directory = corpus_root().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("{}: {error}", directory.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_extractor_has_a_target_and_every_target_a_corpus() {
    // The targets are derived from the format table, one per row in table order, so a new
    // format cannot be left out of fuzzing; what can go wrong is a row without samples or
    // without a corpus, or two targets of one name.
    let targets = fuzz::all_targets();
    let formats: Vec<&str> = targets
        .iter()
        .filter_map(|target| target.format())
        .map(|format| format.id)
        .collect();
    let ids: Vec<&str> = FORMATS.iter().map(|format| format.id).collect();
    assert_eq!(formats, ids, "one target per format, in table order");
    for format in FORMATS {
        assert!(!format.samples.is_empty(), "{} has no samples", format.id);
        for sample in format.samples {
            // A format known by content alone takes its samples under any name.
            assert!(
                format.accepts(Path::new(sample.file))
                    || matches!(format.files, scanner_core::extract::FileMatch::Content),
                "{} does not accept {}",
                format.id,
                sample.file
            );
        }
    }
    let mut names: Vec<&str> = targets.iter().map(|target| target.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), targets.len(), "two targets share a name");
    for target in fuzz::all_targets() {
        assert!(
            !corpus_files(target.name).is_empty(),
            "the corpus of {} is empty",
            target.name
        );
    }
    // No stray directory: every corpus directory is a target (a renamed target keeps its corpus).
    for entry in std::fs::read_dir(corpus_root()).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                fuzz::target(&name).is_some(),
                "fuzz-corpus/{name} names no target"
            );
        }
    }
}

#[test]
fn the_committed_corpus_replays_without_panic_or_hang() {
    let mut inputs = 0;
    let mut slowest = (Duration::ZERO, String::new());
    for target in fuzz::all_targets() {
        for path in corpus_files(target.name) {
            let what = format!(
                "{}/{}",
                target.name,
                path.file_name().unwrap().to_string_lossy()
            );
            let elapsed = run_bounded(target, std::fs::read(&path).unwrap(), &what);
            if elapsed > slowest.0 {
                slowest = (elapsed, what);
            }
            inputs += 1;
        }
    }
    eprintln!(
        "replayed {inputs} corpus inputs; slowest {} in {:?}",
        slowest.1, slowest.0
    );
    assert!(inputs > 100, "only {inputs} corpus inputs");
}

/// Mutates the corpus of every target with a fixed seed for `executions_per_target` runs (or
/// until `budget` per target is spent), and returns what ran.
fn mutation_run(seed: u64, executions_per_target: usize, budget: Duration) -> Vec<(String, usize)> {
    let mut report = Vec::new();
    for (index, target) in fuzz::all_targets().into_iter().enumerate() {
        let seeds: Vec<Vec<u8>> = corpus_files(target.name)
            .iter()
            .map(|path| std::fs::read(path).unwrap())
            .collect();
        let mut rng = fuzz::Rng::new(seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9));
        let started = Instant::now();
        let mut executions = 0;
        while executions < executions_per_target && started.elapsed() < budget {
            let mut data = seeds[rng.below(seeds.len())].clone();
            // Stack a few rounds of mutation so the inputs drift away from the seeds.
            for _ in 0..1 + rng.below(3) {
                fuzz::mutate(&mut data, &mut rng, 64 * 1024);
            }
            let what = format!("{} execution {executions} (seed {seed})", target.name);
            let keep = data.clone();
            let outcome = std::panic::catch_unwind(|| target.run(&keep));
            if outcome.is_err() {
                let crash =
                    std::env::temp_dir().join(format!("crash-{}-{executions}", target.name));
                std::fs::write(&crash, &data).unwrap();
                panic!("{what}: panicked; input saved to {}", crash.display());
            }
            executions += 1;
        }
        report.push((target.name.to_owned(), executions));
    }
    report
}

#[test]
fn a_short_seeded_mutation_run_finds_nothing() {
    // A few dozen mutated inputs per target on every CI run: cheap, and it keeps the mutation
    // loop itself tested.
    let report = mutation_run(0x00A1_4C0C, 150, Duration::from_secs(4));
    for (target, executions) in &report {
        assert!(*executions > 0, "{target} never ran");
    }
}

/// The long fuzzing run for machines without cargo-fuzz:
/// `FUZZ_SECONDS=60 FUZZ_SEED=1 cargo test --release -p scanner-cli --test end_to_end fuzz_replay
/// -- --ignored --nocapture` prints the executions per target.
#[test]
#[ignore = "long-running fuzzing; run by hand with --release"]
fn long_seeded_mutation_run() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1);
    let report = mutation_run(seed, usize::MAX, Duration::from_secs(seconds));
    for (target, executions) in report {
        eprintln!("{target}: {executions} executions in {seconds} s (seed {seed})");
    }
}
