//! Advisory database benchmark: import rate, peak memory and the time of one package lookup.
//!
//! Measures:
//! - importing the shared advisory corpus (`<workspace root>/../shared/corpus/advisories`, or
//!   `$AIRLOCK_ADVISORY_CORPUS`): PyPA YAML, RustSec markdown and OSV JSON, GHSA, malicious
//!   packages; then importing it again (every record unchanged);
//! - importing a generated OSV `all.zip` of 200,000 advisories (deterministic, written to a
//!   temporary directory by this benchmark), and importing it again;
//! - looking up one package (`Store::advisories_for`, the query a scan makes per component) in
//!   both databases.
//!
//! Each import runs in a child process (this same binary, re-invoked), so its peak resident set
//! (`VmHWM`) is the import's own. Under `cargo bench` (which passes `--bench`) the results are
//! printed and written to `docs/PERFORMANCE.md` between the `bench:advisories` markers; under
//! `cargo test --benches` the archive has 2,000 advisories and nothing is written. A missing
//! corpus is reported in one line and skipped.

// A benchmark binary is a tool run by hand or by `bench/run.sh`: it reports on stdout and stops
// loudly on a broken setup, so the library lints against printing and unwrapping do not apply.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use advisories::Store;
use scanner_core::risk::VulnerabilitySource;
use scanner_core::{ComponentKey, Ecosystem, PackageName, Source};

// The formatting and report helpers of the scanner-core benches, so every section of
// docs/PERFORMANCE.md describes the machine and writes itself the same way.
#[path = "../../scanner-core/benches/support/mod.rs"]
mod support;
use support::{
    duration, machine, memory, peak_memory_kib, rustc_version, thousands, write_section,
};

const START_MARKER: &str = "<!-- bench:advisories:start -->";
const END_MARKER: &str = "<!-- bench:advisories:end -->";
const REPORT: &str = "docs/PERFORMANCE.md";
const REPORT_HEADER: &str = "# Performance\n\n\
Benchmark results for airlock. Each benchmark rewrites only its own section, between its\n\
`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` markers; text outside the markers is\n\
kept. Absolute times depend on the machine; compare the ratios to the in-run baselines.\n";
const GENERATED_FULL: usize = 200_000;
const GENERATED_SMOKE: usize = 2_000;
/// Distinct package names in the generated archive: about four advisories per package, as for
/// popular packages in OSV.
const GENERATED_PACKAGES: usize = 50_000;
const LOOKUPS: usize = 2_000;
/// Components in the matching benchmark's graph: a large agent monorepo's worth.
const MATCH_COMPONENTS: usize = 10_000;

/// What one child import reported.
#[derive(Debug, Clone, Copy)]
struct ImportRun {
    seconds: f64,
    records_read: u64,
    added: u64,
    unchanged: u64,
    peak_kib: u64,
}

fn main() -> Result<(), Box<dyn Error>> {
    let arguments: Vec<String> = std::env::args().collect();
    if arguments.get(1).map(String::as_str) == Some("--child-import") {
        return child_import(&arguments[2..]);
    }
    let bench_mode = arguments.iter().any(|argument| argument == "--bench");
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("advisories has no parent directory")?
        .to_owned();
    let corpus = std::env::var_os("AIRLOCK_ADVISORY_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root.join("../shared/corpus/advisories"));
    let scratch = tempfile::tempdir()?;
    let mut section = String::new();
    header(&mut section, bench_mode);

    if corpus.is_dir() {
        let database = scratch.path().join("corpus.sqlite3");
        let first = run_child(&database, &corpus)?;
        let second = run_child(&database, &corpus)?;
        let lookups = lookups(&database, &corpus_probes())?;
        println!(
            "corpus: {} records in {:.2} s ({:.0}/s), peak {} ; re-import {:.2} s; lookup median {}",
            first.records_read,
            first.seconds,
            first.records_read as f64 / first.seconds,
            memory(Some(first.peak_kib).filter(|kib| *kib > 0)),
            second.seconds,
            duration(lookups.0)
        );
        corpus_section(
            &mut section,
            &corpus,
            &workspace_root,
            first,
            second,
            lookups,
            &database,
        );
    } else {
        println!("corpus: {} is not present, skipped", corpus.display());
        let _ = writeln!(
            section,
            "\nCorpus: not present at `{}`; skipped.",
            corpus.display()
        );
    }

    let count = if bench_mode {
        GENERATED_FULL
    } else {
        GENERATED_SMOKE
    };
    let archive = scratch.path().join("all.zip");
    let started = Instant::now();
    generate_archive(&archive, count)?;
    let generation = started.elapsed();
    let database = scratch.path().join("generated.sqlite3");
    let first = run_child(&database, &archive)?;
    let second = run_child(&database, &archive)?;
    assert_eq!(first.added, count as u64, "every generated advisory is new");
    assert_eq!(
        second.unchanged, count as u64,
        "a second import changes nothing"
    );
    let probes: Vec<ComponentKey> = (0..LOOKUPS)
        .map(|index| generated_probe(index * 7919 % GENERATED_PACKAGES.min(count)))
        .collect();
    let lookups = lookups(&database, &probes)?;
    println!(
        "generated: {count} advisories in {:.2} s ({:.0}/s), peak {}; re-import {:.2} s; lookup median {}",
        first.seconds,
        first.records_read as f64 / first.seconds,
        memory(Some(first.peak_kib).filter(|kib| *kib > 0)),
        second.seconds,
        duration(lookups.0)
    );
    generated_section(
        &mut section,
        count,
        &archive,
        generation,
        first,
        second,
        lookups,
        &database,
    );
    let (median, best, findings, named) = match_graph(&database, count)?;
    println!(
        "matching {MATCH_COMPONENTS} components: median {} (best {}), {findings} findings",
        duration(median),
        duration(best)
    );
    let _ = writeln!(
        section,
        "\n### Matching a {}-component graph against the {} advisories\n\n\
         The whole risk analysis (`scanner_core::risk::analyze` with the store as its \
         vulnerability source: one indexed query per component, every range of every advisory \
         naming the package evaluated exactly), over a graph of {} PyPI and crates.io \
         components of which {named} name packages that have advisories. Median of 5 runs: \
         **{}** (fastest {}), {} findings.",
        thousands(MATCH_COMPONENTS as u64),
        thousands(count as u64),
        thousands(MATCH_COMPONENTS as u64),
        duration(median),
        duration(best),
        thousands(findings as u64),
    );

    if bench_mode {
        write_section(
            &workspace_root.join(REPORT),
            REPORT_HEADER,
            (START_MARKER, END_MARKER),
            &section,
        )?;
        println!("written: {REPORT}");
    } else {
        println!("smoke run (no --bench): {REPORT} not written");
    }
    Ok(())
}

/// Child mode: import `paths` into a database, print one line of results.
fn child_import(arguments: &[String]) -> Result<(), Box<dyn Error>> {
    let (database, paths) = arguments
        .split_first()
        .ok_or("usage: --child-import DB PATH...")?;
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let started = Instant::now();
    let report = advisories::import_paths(
        Path::new(database),
        &paths,
        &scanner_core::clock::Clock::system(),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{seconds} {} {} {} {}",
        report.records_read,
        report.added,
        report.unchanged,
        peak_memory_kib().unwrap_or(0)
    );
    Ok(())
}

fn run_child(database: &Path, input: &Path) -> Result<ImportRun, Box<dyn Error>> {
    let output = Command::new(std::env::current_exe()?)
        .arg("--child-import")
        .arg(database)
        .arg(input)
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "child import failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let text = String::from_utf8(output.stdout)?;
    let fields: Vec<&str> = text.split_whitespace().collect();
    let field = |index: usize| -> Result<&str, Box<dyn Error>> {
        Ok(*fields.get(index).ok_or("short child output")?)
    };
    Ok(ImportRun {
        seconds: field(0)?.parse()?,
        records_read: field(1)?.parse()?,
        added: field(2)?.parse()?,
        unchanged: field(3)?.parse()?,
        peak_kib: field(4)?.parse()?,
    })
}

/// Times `analyze` over a graph of [`MATCH_COMPONENTS`] components, half of them named by the
/// generated advisories (at versions inside and outside their ranges): (median, fastest,
/// findings, components with advisories).
fn match_graph(
    database: &Path,
    advisories: usize,
) -> Result<(Duration, Duration, usize, usize), Box<dyn Error>> {
    use scanner_core::graph::GraphBuilder;
    use scanner_core::{Component, ComponentKind};
    let store = Store::open(database)?;
    let named_packages = GENERATED_PACKAGES.min(advisories);
    let mut builder = GraphBuilder::new();
    let mut named = 0;
    for index in 0..MATCH_COMPONENTS {
        let version = format!("0.{}.0", index % 25);
        let component = if index.is_multiple_of(2) {
            named += 1;
            generated_probe(index * 7919 % named_packages)
        } else {
            key(Ecosystem::PyPI, &format!("unrelated-{index}"), &version)
        };
        let component = ComponentKey {
            version: Some(version),
            ..component
        };
        builder.add_component(Component::new(component, ComponentKind::Library));
    }
    let graph = builder.build();
    let mut times = Vec::new();
    let mut findings = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let analysis = std::hint::black_box(scanner_core::risk::analyze(&graph, Some(&store)));
        times.push(started.elapsed());
        findings = analysis.findings.len();
    }
    times.sort();
    Ok((times[2], times[0], findings, named))
}

/// (median, 99th percentile, hits) of one `advisories_for` call per probe.
fn lookups(
    database: &Path,
    probes: &[ComponentKey],
) -> Result<(Duration, Duration, usize), Box<dyn Error>> {
    let store = Store::open(database)?;
    // Warm the page cache and the statement cache.
    for probe in probes.iter().take(100) {
        std::hint::black_box(store.advisories_for(probe)?);
    }
    let mut times = Vec::with_capacity(probes.len());
    let mut hits = 0;
    for probe in probes {
        let started = Instant::now();
        let found = std::hint::black_box(store.advisories_for(probe)?);
        times.push(started.elapsed());
        hits += usize::from(!found.is_empty());
    }
    times.sort();
    let median = times[times.len() / 2];
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    Ok((median, p99, hits))
}

fn key(ecosystem: Ecosystem, name: &str, version: &str) -> ComponentKey {
    ComponentKey::new(
        ecosystem,
        PackageName::new(ecosystem, name).unwrap(),
        Some(version.to_owned()),
        Source::DEFAULT_REGISTRY,
    )
}

/// Packages with many advisories in the corpus, at versions those advisories list.
fn corpus_probes() -> Vec<ComponentKey> {
    let names = [
        (Ecosystem::PyPI, "django", "3.2.0"),
        (Ecosystem::PyPI, "requests", "2.30.0"),
        (Ecosystem::PyPI, "tensorflow", "2.4.0"),
        (Ecosystem::PyPI, "pillow", "8.0.0"),
        (Ecosystem::PyPI, "no-such-package", "1.0"),
        (Ecosystem::CratesIo, "time", "0.1.43"),
        (Ecosystem::CratesIo, "tokio", "1.0.0"),
        (Ecosystem::CratesIo, "arrayref", "0.3.10"),
    ];
    (0..LOOKUPS)
        .map(|index| {
            let (ecosystem, name, version) = names[index % names.len()];
            key(ecosystem, name, version)
        })
        .collect()
}

fn generated_probe(package: usize) -> ComponentKey {
    let ecosystem = if package.is_multiple_of(2) {
        Ecosystem::PyPI
    } else {
        Ecosystem::CratesIo
    };
    key(ecosystem, &format!("package-{package}"), "0.3.0")
}

/// splitmix64: a deterministic stream for the generated archive.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        value ^ (value >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

const WORDS: [&str; 16] = [
    "buffer",
    "overflow",
    "request",
    "header",
    "parser",
    "denial",
    "service",
    "memory",
    "unbounded",
    "allocation",
    "crafted",
    "input",
    "remote",
    "attacker",
    "panic",
    "validation",
];

/// One OSV record shaped like OSV's own: aliases, summary, a paragraph of details, a CVSS
/// vector, one affected package with a GIT range before the ECOSYSTEM/SEMVER range and an
/// explicit `versions` list, references.
fn generated_record(index: usize, random: &mut Random) -> serde_json::Value {
    let package = index % GENERATED_PACKAGES;
    let (ecosystem, range_type) = if package.is_multiple_of(2) {
        ("PyPI", "ECOSYSTEM")
    } else {
        ("crates.io", "SEMVER")
    };
    let fixed_minor = 1 + random.below(20);
    let versions: Vec<String> = (0..fixed_minor.min(12))
        .map(|minor| format!("0.{minor}.0"))
        .collect();
    let details: Vec<&str> = (0..90).map(|_| WORDS[random.below(16) as usize]).collect();
    serde_json::json!({
        "schema_version": "1.6.0",
        "id": format!("GEN-{index:07}"),
        "modified": format!("2024-{:02}-{:02}T{:02}:{:02}:00Z", 1 + index % 12, 1 + index % 28, index % 24, index % 60),
        "published": "2023-06-01T00:00:00Z",
        "aliases": [format!("CVE-2099-{index}"), format!("GHSA-gen{index:x}")],
        "summary": format!("{} {} in package-{package}", WORDS[index % 16], WORDS[(index / 16) % 16]),
        "details": details.join(" "),
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": format!("package-{package}")},
            "ranges": [
                {"type": "GIT", "repo": format!("https://example.invalid/package-{package}"),
                 "events": [{"introduced": "0"}, {"fixed": format!("{:040x}", random.next())}]},
                {"type": range_type, "events": [{"introduced": "0"}, {"fixed": format!("0.{fixed_minor}.0")}]}
            ],
            "versions": versions,
        }],
        "references": [
            {"type": "ADVISORY", "url": format!("https://example.invalid/advisories/GEN-{index:07}")},
            {"type": "FIX", "url": format!("https://example.invalid/package-{package}/commit/{:x}", random.next())}
        ],
    })
}

fn generate_archive(path: &Path, count: usize) -> Result<(), Box<dyn Error>> {
    let mut writer = zip::ZipWriter::new(io::BufWriter::new(fs::File::create(path)?));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut random = Random(0x0A1B_2C3D);
    for index in 0..count {
        let record = generated_record(index, &mut random);
        writer.start_file(format!("GEN-{index:07}.json"), options)?;
        serde_json::to_writer(&mut writer, &record)?;
    }
    writer.finish()?.flush()?;
    Ok(())
}

fn header(out: &mut String, bench_mode: bool) {
    let _ = writeln!(out, "## Advisory database\n");
    let _ = writeln!(
        out,
        "Written by `bench/advisories.sh` (`cargo bench -p advisories --bench import`, source in \
         `advisories/benches/import.rs`); rerun it rather than editing this section.\n"
    );
    let _ = writeln!(
        out,
        "- Date: {}",
        advisories::time::Timestamp::from(scanner_core::clock::Clock::system().trusted_now())
    );
    let _ = writeln!(out, "- Machine: {}", machine());
    if let Ok(load) = fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        let _ = writeln!(
            out,
            "- Load average at start (1/5/15 min): {}",
            load.join(" ")
        );
    }
    let _ = writeln!(out, "- rustc: {}", rustc_version());
    let _ = writeln!(
        out,
        "- Profile: {}",
        if bench_mode {
            "`bench` (inherits `release`)"
        } else {
            "`test` smoke run"
        }
    );
    let _ = writeln!(
        out,
        "- Method: each import runs in a fresh child process (`advisories::import_paths`, the code \
         behind `airlock db import`) into a new database on the same disk, timed with \
         `std::time::Instant`; peak memory is that child's `VmHWM` (peak resident set). The \
         second import of the same input finds every record unchanged. A lookup is one \
         `Store::advisories_for` call (the query a scan makes per component: SQL by \
         (ecosystem, normalized name) through the `affected_package` index, then the versions \
         check in Rust), {LOOKUPS} calls after 100 warm-up calls."
    );
}

fn file_size(path: &Path) -> u64 {
    fs::metadata(path)
        .map(|metadata| metadata.len())
        .unwrap_or(0)
}

#[allow(clippy::too_many_arguments)]
fn corpus_section(
    out: &mut String,
    corpus: &Path,
    workspace_root: &Path,
    first: ImportRun,
    second: ImportRun,
    lookups: (Duration, Duration, usize),
    database: &Path,
) {
    let shown = corpus
        .strip_prefix(workspace_root)
        .map(|relative| relative.display().to_string())
        .unwrap_or_else(|_| corpus.display().to_string());
    let _ = writeln!(out, "\n### The advisory corpus (`{shown}`)\n");
    let _ = writeln!(
        out,
        "{} records read from the corpus files ({} distinct advisories: RustSec's markdown and OSV forms merged), database {}.\n",
        thousands(first.records_read),
        thousands(first.added),
        bytes(file_size(database))
    );
    let _ = writeln!(out, "| Measurement | Time | Records/s | Peak memory |");
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| first import (YAML, markdown, JSON) | {:.2} s | {} | {} |",
        first.seconds,
        thousands((first.records_read as f64 / first.seconds) as u64),
        memory(Some(first.peak_kib).filter(|kib| *kib > 0))
    );
    let _ = writeln!(
        out,
        "| second import (all unchanged) | {:.2} s | {} | {} |",
        second.seconds,
        thousands((second.records_read as f64 / second.seconds) as u64),
        memory(Some(second.peak_kib).filter(|kib| *kib > 0))
    );
    let _ = writeln!(
        out,
        "\nLookup of one package: median {}, 99th percentile {} ({} of {LOOKUPS} probes matched an advisory).",
        duration(lookups.0),
        duration(lookups.1),
        lookups.2
    );
}

#[allow(clippy::too_many_arguments)]
fn generated_section(
    out: &mut String,
    count: usize,
    archive: &Path,
    generation: Duration,
    first: ImportRun,
    second: ImportRun,
    lookups: (Duration, Duration, usize),
    database: &Path,
) {
    let _ = writeln!(
        out,
        "\n### A generated archive of {} advisories\n",
        thousands(count as u64)
    );
    let _ = writeln!(
        out,
        "An OSV-style `all.zip` written by the benchmark (deterministic; {} deflated, made in {}): \
         {} packages across PyPI and crates.io, each record with two aliases, a 90-word details \
         paragraph, a CVSS vector, a GIT range before the ECOSYSTEM/SEMVER range, an explicit \
         `versions` list of up to 12 versions and two references. Database {}.\n",
        bytes(file_size(archive)),
        duration(generation),
        thousands(GENERATED_PACKAGES.min(count) as u64),
        bytes(file_size(database))
    );
    let _ = writeln!(
        out,
        "| Measurement | Time | Advisories/s | Peak memory | Target |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---|");
    let met = |seconds: f64, kib: u64| {
        if count != GENERATED_FULL {
            "(smoke size)".to_owned()
        } else if seconds < 60.0 && kib < 300 * 1024 {
            "met (< 60 s, < 300 MB)".to_owned()
        } else {
            "MISSED (< 60 s, < 300 MB)".to_owned()
        }
    };
    let _ = writeln!(
        out,
        "| first import | {:.2} s | {} | {} | {} |",
        first.seconds,
        thousands((first.records_read as f64 / first.seconds) as u64),
        memory(Some(first.peak_kib).filter(|kib| *kib > 0)),
        met(first.seconds, first.peak_kib)
    );
    let _ = writeln!(
        out,
        "| second import (all unchanged) | {:.2} s | {} | {} | |",
        second.seconds,
        thousands((second.records_read as f64 / second.seconds) as u64),
        memory(Some(second.peak_kib).filter(|kib| *kib > 0))
    );
    let _ = writeln!(
        out,
        "\nLookup of one package: median {}, 99th percentile {} ({} of {LOOKUPS} probes matched an advisory).",
        duration(lookups.0),
        duration(lookups.1),
        lookups.2
    );
}

fn bytes(count: u64) -> String {
    format!("{:.1} MiB", count as f64 / (1024.0 * 1024.0))
}
