//! uv.lock extraction benchmark.
//!
//! Measures, on the largest `uv.lock` of the project corpus (and, more briefly, on every other
//! corpus `uv.lock`):
//!
//! - baseline: `toml::from_str::<toml::Table>` on the lock text, the bare TOML parse any
//!   uv.lock reader must do;
//! - `UvLockExtractor` on the lock alone;
//! - the lock and the `pyproject.toml` files below it, each parsed by its own format, then
//!   joined by the link stage (the project and workspace members attached);
//! - a full `scan` of the project directory (walk, read, extract, graph build).
//!
//! Same method and output conventions as `extract.rs` (the Cargo.lock benchmark): ratios to the
//! in-run baseline; under `cargo bench` the section between the `bench:uv-lock` markers of
//! `docs/PERFORMANCE.md` is rewritten, under `cargo test --benches` every measurement runs once.
//!
//! The corpus lives at `<workspace root>/../shared/corpus/projects`, or at `$AIRLOCK_CORPUS`.
//! When it is missing the benchmark says so in one line and exits successfully.

// A benchmark binary is a tool run by hand or by `bench/run.sh`, not a library code path: it
// reports on stdout and stops loudly on a broken setup, so the workspace's library lints against
// printing and unwrapping do not apply here.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use scanner_core::extract::python::uv_lock::UvLockExtractor;
use scanner_core::extract::python::{pyproject, uv_lock};
use scanner_core::extract::{Input, Parse};
use scanner_core::link::{link, Extracted, LinkOptions, Linked};
use scanner_core::scan::{scan, ScanOptions};
use support::{
    date_utc, duration, find_files, machine, memory, peak_memory_kib, profile, relative_display,
    rustc_version, thousands, write_section,
};

const START_MARKER: &str = "<!-- bench:uv-lock:start -->";
const END_MARKER: &str = "<!-- bench:uv-lock:end -->";
const REPORT: &str = "docs/PERFORMANCE.md";
const REPORT_HEADER: &str = "# Performance\n\n\
Benchmark results for airlock. Each benchmark rewrites only its own section, between its\n\
`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` markers; text outside the markers is\n\
kept. Absolute times depend on the machine; compare the ratios to the in-run baselines.\n";

/// How long and how often one measurement runs.
#[derive(Debug, Clone, Copy)]
struct Plan {
    warmup_runs: usize,
    warmup_time: Duration,
    min_runs: usize,
    max_runs: usize,
    /// Keep sampling (past `min_runs`, up to `max_runs`) until this much time has been spent.
    time: Duration,
}

impl Plan {
    /// The largest lock: at least 30 samples and 2 s per measurement.
    const DETAILED: Plan = Plan {
        warmup_runs: 5,
        warmup_time: Duration::from_millis(500),
        min_runs: 30,
        max_runs: 5_000,
        time: Duration::from_secs(2),
    };
    /// The other locks: at least 30 samples and 0.5 s per measurement.
    const BRIEF: Plan = Plan {
        warmup_runs: 3,
        warmup_time: Duration::from_millis(200),
        min_runs: 30,
        max_runs: 5_000,
        time: Duration::from_millis(500),
    };
    /// `cargo test --benches`: one run, to prove the code paths work.
    const SMOKE: Plan = Plan {
        warmup_runs: 0,
        warmup_time: Duration::ZERO,
        min_runs: 1,
        max_runs: 1,
        time: Duration::ZERO,
    };

    fn describe(&self) -> String {
        if self.max_runs <= 1 {
            return "one run (smoke test, no warm-up)".to_owned();
        }
        format!(
            "warm-up of at least {} runs and {} ms, then at least {} timed runs and {} ms \
             (at most {} runs)",
            self.warmup_runs,
            self.warmup_time.as_millis(),
            self.min_runs,
            self.time.as_millis(),
            self.max_runs
        )
    }
}

/// The samples of one measurement.
#[derive(Debug, Clone, Copy)]
struct Stats {
    median: Duration,
    min: Duration,
    runs: usize,
}

impl Stats {
    fn ratio_to(&self, baseline: &Stats) -> f64 {
        let base = baseline.median.as_secs_f64();
        if base > 0.0 {
            self.median.as_secs_f64() / base
        } else {
            f64::NAN
        }
    }
}

/// Times `run`, one call per sample.
fn measure(plan: Plan, mut run: impl FnMut()) -> Stats {
    let warmup_start = Instant::now();
    let mut warmed = 0;
    while warmed < plan.warmup_runs || warmup_start.elapsed() < plan.warmup_time {
        run();
        warmed += 1;
    }

    let mut samples = Vec::with_capacity(plan.min_runs);
    let start = Instant::now();
    while samples.len() < plan.max_runs
        && (samples.len() < plan.min_runs || start.elapsed() < plan.time)
    {
        let sample_start = Instant::now();
        run();
        samples.push(sample_start.elapsed());
    }
    samples.sort_unstable();
    let middle = samples.len() / 2;
    let median = if samples.len() % 2 == 0 {
        match (samples.get(middle.wrapping_sub(1)), samples.get(middle)) {
            (Some(low), Some(high)) => (*low + *high) / 2,
            _ => Duration::ZERO,
        }
    } else {
        samples.get(middle).copied().unwrap_or_default()
    };
    Stats {
        median,
        min: samples.first().copied().unwrap_or_default(),
        runs: samples.len(),
    }
}

/// One corpus `uv.lock` and everything the measurements need, read before timing starts.
#[derive(Debug)]
struct Case {
    /// The lock's path relative to the corpus, `/`-separated.
    name: String,
    /// The corpus entry (top-level directory) holding the lock: what the full scan scans.
    project: PathBuf,
    /// The lock's path as the extractor sees it (relative to the corpus entry).
    input_path: String,
    text: String,
    /// The `pyproject.toml` files at or below the lock's directory: (path as the link stage
    /// sees it, bytes), sorted.
    manifests: Vec<(String, Vec<u8>)>,
    revision: String,
    /// `[[package]]` entries.
    packages: usize,
}

impl Case {
    fn load(corpus: &Path, lock: &Path) -> Result<Case, Box<dyn Error>> {
        let name = relative_display(corpus, lock);
        let project = lock
            .strip_prefix(corpus)
            .ok()
            .and_then(|relative| relative.components().next())
            .map(|first| corpus.join(first))
            .ok_or_else(|| format!("{}: not below the corpus", lock.display()))?;
        let input_path = relative_display(&project, lock);
        let text = fs::read_to_string(lock)?;
        let directory = lock.parent().unwrap_or(corpus);
        let mut manifests = Vec::new();
        find_files(directory, "pyproject.toml", &mut manifests)?;
        let mut manifests = manifests
            .iter()
            .map(|path| Ok((relative_display(&project, path), fs::read(path)?)))
            .collect::<io::Result<Vec<_>>>()?;
        manifests.sort_by(|a, b| a.0.cmp(&b.0));
        let table: toml::Table =
            toml::from_str(&text).map_err(|error| format!("{name}: {error}"))?;
        let revision = table
            .get("revision")
            .map_or_else(|| "none".to_owned(), ToString::to_string);
        let packages = table
            .get("package")
            .or_else(|| table.get("distribution"))
            .and_then(toml::Value::as_array)
            .map_or(0, Vec::len);
        Ok(Case {
            name,
            project,
            input_path,
            text,
            manifests,
            revision,
            packages,
        })
    }
}

/// The four measurements of one lock, and what each produced (checked once before timing).
#[derive(Debug)]
struct Results {
    baseline: Stats,
    lock_only: Stats,
    with_manifests: Stats,
    full_scan: Stats,
    lock_only_components: usize,
    lock_only_edges: usize,
    with_manifests_roots: usize,
    scan_components: usize,
    scan_files: usize,
    scan_errors: bool,
}

fn run_case(case: &Case, plan: Plan) -> Result<Results, Box<dyn Error>> {
    let text = case.text.as_str();
    let bare = Input::new(&case.input_path, text.as_bytes());
    // The lock and its manifests, each parsed by its own format, then joined.
    let with_manifests = || -> Linked {
        let mut files = vec![Extracted::parse(
            &case.input_path,
            &uv_lock::FORMAT,
            text.as_bytes(),
        )];
        files.extend(
            case.manifests
                .iter()
                .map(|(path, bytes)| Extracted::parse(path, &pyproject::FORMAT, bytes)),
        );
        link(files, &LinkOptions::default())
    };
    let paths = [case.project.clone()];
    let options = ScanOptions::default();

    // Check once that every path does real work, so the timings are not of an error exit.
    toml::from_str::<toml::Table>(text).map_err(|error| format!("{}: {error}", case.name))?;
    let lock_only_extraction = UvLockExtractor
        .parse(&bare)
        .map_err(|error| format!("{}: {error}", case.name))?;
    let joined = with_manifests();
    let report = scan(&paths, &options).map_err(|error| format!("{}: {error}", case.name))?;

    let baseline = measure(plan, || {
        let table: Result<toml::Table, _> = toml::from_str(black_box(text));
        black_box(table).expect("the lock parsed before timing");
    });
    let lock_only = measure(plan, || {
        black_box(UvLockExtractor.parse(black_box(&bare))).expect("extracted before timing");
    });
    let manifests = measure(plan, || {
        black_box(with_manifests());
    });
    let full_scan = measure(plan, || {
        black_box(scan(black_box(&paths), &options)).expect("scanned before timing");
    });

    Ok(Results {
        baseline,
        lock_only,
        with_manifests: manifests,
        full_scan,
        lock_only_components: lock_only_extraction.components.len(),
        lock_only_edges: lock_only_extraction.references.len(),
        with_manifests_roots: joined.graph.roots().count(),
        scan_components: report.graph.len(),
        scan_files: report.files.len(),
        scan_errors: report.has_errors(),
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not.
    let bench_mode = std::env::args().any(|argument| argument == "--bench");
    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("scanner-core has no parent directory")?
        .to_path_buf();
    let (corpus, corpus_label) = match std::env::var_os("AIRLOCK_CORPUS") {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            let label = format!("`{}` (from `AIRLOCK_CORPUS`)", path.display());
            (path, label)
        }
        _ => (
            workspace_root.join("../shared/corpus/projects"),
            "`../shared/corpus/projects` (relative to the workspace root)".to_owned(),
        ),
    };
    if !corpus.is_dir() {
        println!(
            "uv-lock extraction benchmark skipped: corpus missing at {}",
            corpus.display()
        );
        return Ok(());
    }

    let mut locks = Vec::new();
    find_files(&corpus, "uv.lock", &mut locks)?;
    let mut cases = locks
        .iter()
        .map(|lock| Case::load(&corpus, lock))
        .collect::<Result<Vec<_>, _>>()?;
    // Largest first, then by name so ties are stable.
    cases.sort_by(|a, b| {
        b.text
            .len()
            .cmp(&a.text.len())
            .then_with(|| a.name.cmp(&b.name))
    });
    let Some((largest, others)) = cases.split_first() else {
        println!(
            "uv-lock extraction benchmark skipped: no uv.lock under {}",
            corpus.display()
        );
        return Ok(());
    };
    let memory_after_load = peak_memory_kib();
    let load_average = fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| {
            let fields: Vec<&str> = text.split_whitespace().take(3).collect();
            (fields.len() == 3).then(|| fields.join(" "))
        })
        .unwrap_or_else(|| "unknown".to_owned());

    let (detailed_plan, brief_plan) = if bench_mode {
        (Plan::DETAILED, Plan::BRIEF)
    } else {
        (Plan::SMOKE, Plan::SMOKE)
    };
    println!(
        "measuring {} ({} bytes, {} packages, {} manifests)...",
        largest.name,
        largest.text.len(),
        largest.packages,
        largest.manifests.len()
    );
    let largest_results = run_case(largest, detailed_plan)?;
    let mut other_results = Vec::with_capacity(others.len());
    for case in others {
        println!("measuring {}...", case.name);
        other_results.push((case, run_case(case, brief_plan)?));
    }
    let memory_after_runs = peak_memory_kib();

    let section = render(&Rendering {
        corpus_label: &corpus_label,
        largest,
        largest_results: &largest_results,
        others: &other_results,
        detailed_plan,
        brief_plan,
        bench_mode,
        load_average: &load_average,
        memory_after_load,
        memory_after_runs,
    });
    println!();
    println!("{section}");

    if bench_mode {
        let report = workspace_root.join(REPORT);
        write_section(&report, REPORT_HEADER, (START_MARKER, END_MARKER), &section)?;
        println!("report written to {}", report.display());
    } else {
        println!("smoke run (no --bench): {REPORT} not written");
    }
    Ok(())
}

struct Rendering<'a> {
    corpus_label: &'a str,
    largest: &'a Case,
    largest_results: &'a Results,
    others: &'a [(&'a Case, Results)],
    detailed_plan: Plan,
    brief_plan: Plan,
    bench_mode: bool,
    load_average: &'a str,
    memory_after_load: Option<u64>,
    memory_after_runs: Option<u64>,
}

/// The Markdown section (without its markers).
fn render(r: &Rendering<'_>) -> String {
    let mut out = String::new();
    let largest = r.largest;
    let results = r.largest_results;
    let _ = writeln!(out, "## uv.lock extraction\n");
    let _ = writeln!(
        out,
        "Written by `bench/run.sh` (`cargo bench -p scanner-core --bench uv_lock`, source in \
         `scanner-core/benches/uv_lock.rs`); rerun it rather than editing this section.\n"
    );
    let _ = writeln!(out, "- Date: {}", date_utc());
    let _ = writeln!(out, "- Machine: {}", machine());
    let _ = writeln!(
        out,
        "- Load average at start (1/5/15 min): {}",
        r.load_average
    );
    let _ = writeln!(out, "- rustc: {}", rustc_version());
    let _ = writeln!(out, "- Profile: {}", profile(r.bench_mode));
    let _ = writeln!(out, "- Corpus: {}", r.corpus_label);
    let _ = writeln!(
        out,
        "- Method: one call per sample, timed with `std::time::Instant`; largest lock: {}; \
         other locks: {}. Inputs are read into memory before timing, except for the full scan, \
         which reads the files itself (from the page cache after warm-up).",
        r.detailed_plan.describe(),
        r.brief_plan.describe()
    );
    let _ = writeln!(
        out,
        "- Baseline: `toml::from_str::<toml::Table>` on the lock text, the bare TOML parse any \
         uv.lock reader must do. Ratios are median / baseline median from the same run."
    );
    let _ = writeln!(
        out,
        "- Full scan: `scan(&[project directory], &ScanOptions::default())`, which walks the \
         whole corpus entry (every format airlock reads, not only uv files) and runs jobs on \
         the rayon pool ({} threads here).",
        std::thread::available_parallelism().map_or(1, |threads| threads.get())
    );
    let _ = writeln!(out);

    let _ = writeln!(
        out,
        "### Largest lock: `{}`\n\n{} bytes, `version = 1`, revision {}, {} packages, {} \
         `pyproject.toml` manifests.\n",
        largest.name,
        thousands(largest.text.len() as u64),
        largest.revision,
        thousands(largest.packages as u64),
        largest.manifests.len()
    );
    let _ = writeln!(
        out,
        "| Measurement | Median | Min | Runs | Median / baseline |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    let rows = [
        (
            "baseline: `toml::from_str::<toml::Table>`".to_owned(),
            &results.baseline,
        ),
        (
            "airlock: `UvLockExtractor`, lock only".to_owned(),
            &results.lock_only,
        ),
        (
            format!(
                "airlock: lock + {} manifests, each parsed, then linked",
                largest.manifests.len()
            ),
            &results.with_manifests,
        ),
        (
            "airlock: full `scan` of the project directory".to_owned(),
            &results.full_scan,
        ),
    ];
    for (label, stats) in rows {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {:.2}× |",
            duration(stats.median),
            duration(stats.min),
            stats.runs,
            stats.ratio_to(&results.baseline)
        );
    }
    let seconds = results.lock_only.median.as_secs_f64();
    let (packages_per_second, megabytes_per_second) = if seconds > 0.0 {
        (
            largest.packages as f64 / seconds,
            largest.text.len() as f64 / seconds / 1_000_000.0,
        )
    } else {
        (f64::NAN, f64::NAN)
    };
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "- Lock-only throughput (median): {} packages/s ({:.1} MB/s of lock text).",
        thousands(packages_per_second.round() as u64),
        megabytes_per_second
    );
    let _ = writeln!(
        out,
        "- Output checked before timing: lock only {} components and {} edges; lock + \
         manifests {} roots; full scan {} components in the graph from {} extracted files{}.",
        results.lock_only_components,
        results.lock_only_edges,
        results.with_manifests_roots,
        results.scan_components,
        results.scan_files,
        if results.scan_errors {
            " (the scan reported errors)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "- Peak memory of the benchmark process (`VmHWM`): {} after reading all inputs, {} after \
         all runs.",
        memory(r.memory_after_load),
        memory(r.memory_after_runs)
    );
    let _ = writeln!(out);

    let _ = writeln!(out, "### Other corpus locks (medians)\n");
    if r.others.is_empty() {
        let _ = writeln!(out, "No other `uv.lock` in the corpus.");
        return out;
    }
    let _ = writeln!(
        out,
        "| uv.lock | Revision | Bytes | Packages | Manifests | Baseline | Lock only | \
         Lock + manifests | Full scan |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (case, results) in r.others {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} ({:.2}×) | {} ({:.2}×) | {} ({:.2}×) |",
            case.name,
            case.revision,
            thousands(case.text.len() as u64),
            thousands(case.packages as u64),
            case.manifests.len(),
            duration(results.baseline.median),
            duration(results.lock_only.median),
            results.lock_only.ratio_to(&results.baseline),
            duration(results.with_manifests.median),
            results.with_manifests.ratio_to(&results.baseline),
            duration(results.full_scan.median),
            results.full_scan.ratio_to(&results.baseline),
        );
    }
    out
}
