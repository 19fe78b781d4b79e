//! Criterion benchmarks of advisory matching (issue 9, item 4: version comparison, range
//! evaluation, database lookup), each against a baseline measured in the same run.
//!
//! - `versions PEP 440` / `versions SemVer`: parse and sort every distinct version found in the
//!   corpus (the advisories' events and `versions` lists, and the components of the corpus
//!   lockfiles) with `matching::version`, against the same with `pep440_rs` / `semver` directly;
//!   a plain string sort of the same texts is shown for scale. airlock knows no other ordering
//!   (npm uses SemVer), so there is no third scheme to bench.
//! - `ranges PyPI` / `ranges crates.io`: `matching::check` of real OSV `affected[]` entries
//!   (PyPA YAML, RustSec OSV JSON) against probe versions (each entry's event versions and the
//!   first of its explicit versions), against the version comparisons alone: parsing the probe,
//!   the listed versions and every event version and comparing them, without replaying events.
//! - `lookup`: `Store::advisories_for` (SQL through the package index, then matching) for a
//!   package with advisories and one without, against an indexed `SELECT` of the same package's
//!   rows on a second connection to the same file.
//! - `match <lockfile>`: `advisories_for` for every component of a scanned corpus project, and
//!   the whole `risk::analyze`, against one indexed `SELECT` per component.
//!
//! The advisories come from `$AIRLOCK_ADVISORY_CORPUS` (or `<workspace root>/../shared/corpus/
//! advisories`), the lockfiles from `$AIRLOCK_CORPUS/projects` (or `../shared/corpus/projects`).
//! The database holds the first 1,000 PyPA and the first 1,000 RustSec OSV records (by path), to
//! keep the setup short; `cargo test --benches` uses 50 of each and runs every benchmark once.
//! Without the corpus each group is skipped with one line.

// A benchmark binary is a tool run by hand or by `bench/run.sh`: it reports on stdout and stops
// loudly on a broken setup, so the library lints against printing and unwrapping do not apply.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use advisories::matching::{self, AffectedVersions, VersionScheme};
use advisories::model::{Advisory, AffectedEcosystem};
use advisories::Store;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use rusqlite::{params, Connection, OpenFlags};
use scanner_core::extract::{Input, FORMATS};
use scanner_core::risk::VulnerabilitySource;
use scanner_core::scan::{scan, ScanOptions};
use scanner_core::{ComponentKey, DependencyGraph, Ecosystem, PackageName, Source};

/// Records of each source imported (and evaluated) by a measuring run.
const RECORDS_PER_SOURCE: usize = 1_000;
/// The same for `cargo test --benches`.
const RECORDS_PER_SOURCE_SMOKE: usize = 50;
/// Probe versions per `affected[]` entry.
const PROBES_PER_ENTRY: usize = 12;

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let bench_mode = arguments.iter().any(|argument| argument == "--bench")
        && !arguments.iter().any(|argument| argument == "--test");
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("advisories lies inside the workspace")
        .to_path_buf();
    let advisory_corpus = std::env::var_os("AIRLOCK_ADVISORY_CORPUS")
        .filter(|path| !path.is_empty())
        .map_or_else(
            || workspace_root.join("../shared/corpus/advisories"),
            PathBuf::from,
        );
    let project_corpus = std::env::var_os("AIRLOCK_CORPUS")
        .filter(|path| !path.is_empty())
        .map_or_else(|| workspace_root.join("../shared/corpus"), PathBuf::from)
        .join("projects");

    let per_source = if bench_mode {
        RECORDS_PER_SOURCE
    } else {
        RECORDS_PER_SOURCE_SMOKE
    };
    let pypa = sorted_files(
        &advisory_corpus.join("pypa-advisory-database/vulns"),
        "yaml",
    );
    let rustsec = sorted_files(
        &advisory_corpus.join("rustsec-advisory-db-osv/crates"),
        "json",
    );
    if pypa.is_empty() || rustsec.is_empty() {
        println!(
            "matching: no PyPA YAML or RustSec OSV JSON under {}: version, range and lookup \
             groups skipped",
            advisory_corpus.display()
        );
        criterion.final_summary();
        return;
    }
    let pypa_records = read_records(&pypa, advisories::osv::from_yaml);
    let rustsec_records = read_records(&rustsec, |text| {
        advisories::osv::from_json(text).map(|(advisory, _)| advisory)
    });
    let lockfile_versions = lockfile_versions(&project_corpus);

    version_group(
        &mut criterion,
        VersionScheme::Pep440,
        &pypa_records,
        lockfile_versions.get(&Ecosystem::PyPI),
    );
    version_group(
        &mut criterion,
        VersionScheme::SemVer,
        &rustsec_records,
        lockfile_versions.get(&Ecosystem::CratesIo),
    );
    range_group(
        &mut criterion,
        Ecosystem::PyPI,
        &pypa_records[..per_source.min(pypa_records.len())],
    );
    range_group(
        &mut criterion,
        Ecosystem::CratesIo,
        &rustsec_records[..per_source.min(rustsec_records.len())],
    );

    let imported: Vec<PathBuf> = pypa
        .iter()
        .take(per_source)
        .chain(rustsec.iter().take(per_source))
        .cloned()
        .collect();
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let database = scratch.path().join("advisories.db");
    let report =
        advisories::import_paths(&database, &imported, &scanner_core::clock::Clock::system())
            .expect("the corpus imports");
    println!(
        "lookup: {} advisory files imported into a temporary database ({} records added)",
        imported.len(),
        report.added
    );
    let store = Store::open(&database).expect("the imported database opens");
    let connection = Connection::open_with_flags(
        &database,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("a second connection opens");
    let mut imported_records: Vec<&Advisory> = pypa_records.iter().take(per_source).collect();
    imported_records.extend(rustsec_records.iter().take(per_source));
    lookup_group(&mut criterion, &store, &connection, &imported_records);
    for project in largest_projects(&project_corpus) {
        match_group(
            &mut criterion,
            &store,
            &connection,
            &project_corpus,
            &project,
        );
    }
    drop(store);
    drop(connection);
    scratch
        .close()
        .expect("the scratch directory can be removed");
    criterion.final_summary();
}

/// Every file with extension `extension` below `directory`, sorted by path.
fn sorted_files(directory: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(kind)
                    if kind.is_file()
                        && path.extension().and_then(|found| found.to_str()) == Some(extension) =>
                {
                    found.push(path);
                }
                _ => {}
            }
        }
    }
    found.sort();
    found
}

/// Parses every file with airlock's own record reader (untimed); unreadable ones are counted.
fn read_records<E>(
    files: &[PathBuf],
    parse: impl Fn(&str) -> Result<Advisory, E>,
) -> Vec<Advisory> {
    let mut skipped = 0;
    let records: Vec<Advisory> = files
        .iter()
        .filter_map(|file| {
            let parsed = fs::read_to_string(file)
                .ok()
                .and_then(|text| parse(&text).ok());
            skipped += usize::from(parsed.is_none());
            parsed
        })
        .collect();
    if skipped > 0 {
        println!("matching: {skipped} advisory files could not be read and are left out");
    }
    records
}

/// Versions of the components of every corpus lockfile, by ecosystem (read with the
/// registry's extractors, untimed).
fn lockfile_versions(projects: &Path) -> BTreeMap<Ecosystem, BTreeSet<String>> {
    let mut versions: BTreeMap<Ecosystem, BTreeSet<String>> = BTreeMap::new();
    let mut pending = vec![projects.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                pending.push(path);
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".lock") && name != "pylock.toml" {
                continue;
            }
            let Some(extractor) = FORMATS.iter().find(|format| format.accepts(&path)) else {
                continue;
            };
            let Ok(bytes) = fs::read(&path) else {
                continue;
            };
            let display = path.to_string_lossy();
            if let Ok(extraction) = extractor.extract(&Input::new(&display, &bytes)) {
                for component in extraction.components {
                    if let Some(version) = component.key.version {
                        versions
                            .entry(component.key.ecosystem)
                            .or_default()
                            .insert(version);
                    }
                }
            }
        }
    }
    versions
}

/// Parse + sort of every distinct version of one scheme found in the corpus.
fn version_group(
    criterion: &mut Criterion,
    scheme: VersionScheme,
    records: &[Advisory],
    from_lockfiles: Option<&BTreeSet<String>>,
) {
    let mut texts: BTreeSet<String> = from_lockfiles.cloned().unwrap_or_default();
    for record in records {
        for affected in &record.affected {
            texts.extend(affected.versions.iter().cloned());
            for range in &affected.ranges {
                if range.kind != "GIT" {
                    texts.extend(
                        range
                            .events
                            .iter()
                            .map(|event| event.version().to_owned())
                            .filter(|version| version != "0"),
                    );
                }
            }
        }
    }
    // Only versions both airlock and the baseline accept, so both sort the same list.
    let (texts, rejected): (Vec<String>, Vec<String>) = texts
        .into_iter()
        .partition(|text| scheme.parse(text).is_ok() && baseline_parses(scheme, text));
    println!(
        "versions {}: {} distinct versions from the corpus advisories and lockfiles ({} that do \
         not parse left out)",
        scheme.name(),
        texts.len(),
        rejected.len()
    );
    let label = format!("{} versions", texts.len());
    let mut group = criterion.benchmark_group(format!("versions {}", scheme.name()));
    group.throughput(Throughput::Elements(texts.len() as u64));
    match scheme {
        VersionScheme::Pep440 => {
            group.bench_with_input(
                BenchmarkId::new("baseline pep440_rs parse+sort", &label),
                &texts,
                |bencher, texts| {
                    bencher.iter(|| {
                        let mut parsed: Vec<pep440_rs::Version> = texts
                            .iter()
                            .filter_map(|text| pep440_rs::Version::from_str(text).ok())
                            .collect();
                        parsed.sort_unstable();
                        parsed
                    })
                },
            );
        }
        VersionScheme::SemVer => {
            group.bench_with_input(
                BenchmarkId::new("baseline semver parse+sort", &label),
                &texts,
                |bencher, texts| {
                    bencher.iter(|| {
                        let mut parsed: Vec<semver::Version> = texts
                            .iter()
                            .filter_map(|text| semver::Version::parse(text).ok())
                            .collect();
                        parsed.sort_unstable();
                        parsed
                    })
                },
            );
        }
    }
    group.bench_with_input(
        BenchmarkId::new("airlock matching::version parse+sort", &label),
        &texts,
        |bencher, texts| {
            bencher.iter(|| {
                let mut parsed: Vec<matching::Version> = texts
                    .iter()
                    .filter_map(|text| scheme.parse(text).ok())
                    .collect();
                parsed.sort_unstable();
                parsed
            })
        },
    );
    let parsed: Vec<matching::Version> = texts
        .iter()
        .filter_map(|text| scheme.parse(text).ok())
        .collect();
    group.bench_with_input(
        BenchmarkId::new("airlock matching::version sort of parsed", &label),
        &parsed,
        |bencher, parsed| {
            bencher.iter_batched(
                || parsed.clone(),
                |mut versions| {
                    versions.sort_unstable();
                    versions
                },
                BatchSize::SmallInput,
            )
        },
    );
    group.bench_with_input(
        BenchmarkId::new("reference string sort", &label),
        &texts,
        |bencher, texts| {
            bencher.iter_batched(
                || texts.iter().map(String::as_str).collect::<Vec<&str>>(),
                |mut versions| {
                    versions.sort_unstable();
                    versions
                },
                BatchSize::SmallInput,
            )
        },
    );
    group.finish();
}

fn baseline_parses(scheme: VersionScheme, text: &str) -> bool {
    match scheme {
        VersionScheme::Pep440 => pep440_rs::Version::from_str(text.trim()).is_ok(),
        VersionScheme::SemVer => semver::Version::parse(text.trim()).is_ok(),
    }
}

/// One advisory's entries for one package, with the versions to evaluate against them.
#[derive(Debug)]
struct RangeCase {
    entries: Vec<AffectedVersions>,
    probes: Vec<String>,
}

fn range_cases(ecosystem: Ecosystem, records: &[Advisory]) -> Vec<RangeCase> {
    let mut cases = Vec::new();
    for record in records {
        let mut by_package: BTreeMap<&str, Vec<&advisories::model::Affected>> = BTreeMap::new();
        for affected in &record.affected {
            if affected.ecosystem == AffectedEcosystem::Known(ecosystem) {
                by_package
                    .entry(affected.normalized_name.as_str())
                    .or_default()
                    .push(affected);
            }
        }
        for group in by_package.into_values() {
            let mut probes: BTreeSet<String> = BTreeSet::new();
            for affected in &group {
                for range in affected.ranges.iter().filter(|range| range.kind != "GIT") {
                    probes.extend(
                        range
                            .events
                            .iter()
                            .map(|event| event.version().to_owned())
                            .filter(|version| version != "0"),
                    );
                }
                probes.extend(affected.versions.iter().take(4).cloned());
            }
            if probes.is_empty() {
                continue;
            }
            let entries = group
                .iter()
                .map(|affected| AffectedVersions {
                    ranges: affected
                        .ranges
                        .iter()
                        .map(|range| matching::Range {
                            kind: matching::RangeKind::from_osv(&range.kind),
                            events: range
                                .events
                                .iter()
                                .filter_map(|event| {
                                    Some(matching::Event {
                                        kind: matching::EventKind::from_osv(event.key())?,
                                        version: event.version().to_owned(),
                                    })
                                })
                                .collect(),
                        })
                        .collect(),
                    versions: affected.versions.clone(),
                })
                .collect();
            cases.push(RangeCase {
                entries,
                probes: probes.into_iter().take(PROBES_PER_ENTRY).collect(),
            });
        }
    }
    cases
}

/// OSV range evaluation against the version comparisons it cannot avoid.
fn range_group(criterion: &mut Criterion, ecosystem: Ecosystem, records: &[Advisory]) {
    let cases = range_cases(ecosystem, records);
    let evaluations: usize = cases.iter().map(|case| case.probes.len()).sum();
    let Some(scheme) = VersionScheme::for_ecosystem(ecosystem) else {
        return;
    };
    let mut affected = 0;
    for case in &cases {
        for probe in &case.probes {
            let verdict = matching::check(ecosystem, probe, false, &case.entries);
            affected += usize::from(matches!(verdict, matching::Verdict::Affected { .. }));
        }
    }
    println!(
        "ranges {}: {} advisory/package entries from {} records, {evaluations} evaluations \
         ({affected} affected)",
        ecosystem.as_str(),
        cases.len(),
        records.len()
    );
    let label = format!("{evaluations} evaluations");
    let mut group = criterion.benchmark_group(format!("ranges {}", ecosystem.as_str()));
    group.throughput(Throughput::Elements(evaluations as u64));
    group.bench_with_input(
        BenchmarkId::new("baseline version comparisons alone", &label),
        &cases,
        |bencher, cases| bencher.iter(|| comparisons_alone(scheme, cases)),
    );
    group.bench_with_input(
        BenchmarkId::new("airlock matching::check", &label),
        &cases,
        |bencher, cases| {
            bencher.iter(|| {
                let mut affected = 0usize;
                for case in cases {
                    for probe in &case.probes {
                        let verdict = matching::check(ecosystem, probe, false, &case.entries);
                        affected +=
                            usize::from(matches!(verdict, matching::Verdict::Affected { .. }));
                    }
                }
                affected
            })
        },
    );
    group.finish();
}

/// Parses each probe once, searches the explicitly listed versions for it and compares it with
/// every event version of its entries' ranges: the work any evaluation must do, without sorting
/// or replaying the events.
fn comparisons_alone(scheme: VersionScheme, cases: &[RangeCase]) -> usize {
    let mut below = 0usize;
    for case in cases {
        for probe in &case.probes {
            let Ok(installed) = scheme.parse(probe) else {
                continue;
            };
            for entry in &case.entries {
                // An explicit `versions` list is searched for an equal version (the same text
                // first, as any reader would); the search stops at the first one found.
                let listed = entry.versions.iter().any(|listed| {
                    listed == probe
                        || scheme
                            .parse(listed)
                            .is_ok_and(|version| version == installed)
                });
                below += usize::from(listed);
                for range in &entry.ranges {
                    if matches!(
                        range.kind,
                        matching::RangeKind::Git | matching::RangeKind::Other(_)
                    ) {
                        continue;
                    }
                    for event in &range.events {
                        if let Ok(version) = scheme.parse(&event.version) {
                            below += usize::from(installed < version);
                        }
                    }
                }
            }
        }
    }
    black_box(below)
}

fn key(ecosystem: Ecosystem, name: &str, version: &str) -> ComponentKey {
    ComponentKey::new(
        ecosystem,
        PackageName::new(ecosystem, name).expect("a valid package name"),
        Some(version.to_owned()),
        Source::DEFAULT_REGISTRY,
    )
}

/// Rows of the package index for one package: the baseline of a lookup.
fn indexed_select(connection: &Connection, ecosystem: &str, name: &str) -> i64 {
    let mut statement = connection
        .prepare_cached("SELECT count(*) FROM affected WHERE ecosystem = ?1 AND name = ?2")
        .expect("the baseline query prepares");
    statement
        .query_row(params![ecosystem, name], |row| row.get(0))
        .expect("the baseline query runs")
}

/// One package lookup, with and without advisories, against the bare indexed select.
fn lookup_group(
    criterion: &mut Criterion,
    store: &Store,
    connection: &Connection,
    records: &[&Advisory],
) {
    // The package named by the most imported advisories, probed at its first fixed version.
    let mut counts: BTreeMap<(Ecosystem, &str), (usize, Option<&str>)> = BTreeMap::new();
    for record in records {
        for affected in &record.affected {
            let AffectedEcosystem::Known(ecosystem) = affected.ecosystem else {
                continue;
            };
            let fixed = affected
                .ranges
                .iter()
                .flat_map(|range| &range.events)
                .find(|event| event.key() == "fixed")
                .map(advisories::model::Event::version);
            let entry = counts
                .entry((ecosystem, affected.normalized_name.as_str()))
                .or_insert((0, None));
            entry.0 += 1;
            entry.1 = entry.1.or(fixed);
        }
    }
    let Some(((ecosystem, name), (advisory_count, fixed))) = counts
        .iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then_with(|| b.0.cmp(a.0)))
    else {
        println!("lookup: no package in the imported records: group skipped");
        return;
    };
    let (ecosystem, name) = (*ecosystem, *name);
    let version = fixed.unwrap_or("0.0.1");
    let with = key(ecosystem, name, version);
    let without = key(Ecosystem::PyPI, "airlock-bench-no-such-package", "1.0.0");
    let outcomes = store.advisories_for(&with).expect("the lookup runs").len();
    let rows = indexed_select(connection, ecosystem.as_str(), name);
    println!(
        "lookup: {} {name} {version} is named by {advisory_count} imported advisories ({rows} \
         index rows, {outcomes} outcomes at that version); the package without advisories is \
         {}",
        ecosystem.as_str(),
        without.name.normalized()
    );

    let mut group = criterion.benchmark_group("lookup");
    group.bench_function(
        BenchmarkId::new(
            "baseline rusqlite indexed select",
            format!("{name} {version}"),
        ),
        |bencher| bencher.iter(|| indexed_select(connection, ecosystem.as_str(), black_box(name))),
    );
    group.bench_function(
        BenchmarkId::new("airlock Store::advisories_for", format!("{name} {version}")),
        |bencher| bencher.iter(|| store.advisories_for(black_box(&with))),
    );
    group.bench_function(
        BenchmarkId::new(
            "airlock Store::advisories_for",
            "package without advisories",
        ),
        |bencher| bencher.iter(|| store.advisories_for(black_box(&without))),
    );
    group.finish();
}

/// The project directories of the largest corpus Cargo.lock and uv.lock.
fn largest_projects(projects: &Path) -> Vec<PathBuf> {
    let mut largest: BTreeMap<&str, (u64, PathBuf)> = BTreeMap::new();
    for name in ["Cargo.lock", "uv.lock"] {
        let mut pending = vec![projects.to_path_buf()];
        while let Some(current) = pending.pop() {
            let Ok(entries) = fs::read_dir(&current) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() {
                    pending.push(path);
                } else if kind.is_file() && entry.file_name() == name {
                    let size = entry.metadata().map_or(0, |metadata| metadata.len());
                    let better = largest
                        .get(name)
                        .is_none_or(|(known, known_path)| (size, &path) > (*known, known_path));
                    if better {
                        largest.insert(name, (size, path));
                    }
                }
            }
        }
    }
    largest
        .into_values()
        .filter_map(|(_, path)| path.parent().map(Path::to_path_buf))
        .collect()
}

/// Matching a whole scanned project against the database.
fn match_group(
    criterion: &mut Criterion,
    store: &Store,
    connection: &Connection,
    projects: &Path,
    project: &Path,
) {
    let report = match scan(&[project.to_path_buf()], &ScanOptions::default()) {
        Ok(report) => report,
        Err(error) => {
            println!(
                "match {}: the scan failed ({error}): group skipped",
                project.display()
            );
            return;
        }
    };
    let graph: DependencyGraph = report.graph;
    let keys: Vec<ComponentKey> = graph
        .components()
        .filter(|component| component.key.version.is_some())
        .map(|component| component.key.clone())
        .collect();
    let findings: usize = keys
        .iter()
        .map(|key| store.advisories_for(key).map_or(0, |found| found.len()))
        .sum();
    let project_name = project
        .strip_prefix(projects)
        .unwrap_or(project)
        .to_string_lossy()
        .replace('\\', "/");
    println!(
        "match {project_name}: {} components with versions, {findings} advisory outcomes",
        keys.len()
    );
    let label = format!("{} components", keys.len());
    let mut group = criterion.benchmark_group(format!("match {project_name}"));
    // Tens of milliseconds per iteration: criterion's minimum sample count keeps this short.
    group.sample_size(10);
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("baseline rusqlite indexed select per component", &label),
        &keys,
        |bencher, keys| {
            bencher.iter(|| {
                keys.iter()
                    .map(|key| {
                        indexed_select(connection, key.ecosystem.as_str(), key.name.normalized())
                    })
                    .sum::<i64>()
            })
        },
    );
    group.bench_with_input(
        BenchmarkId::new("airlock Store::advisories_for per component", &label),
        &keys,
        |bencher, keys| {
            bencher.iter(|| {
                keys.iter()
                    .map(|key| store.advisories_for(key).map_or(0, |found| found.len()))
                    .sum::<usize>()
            })
        },
    );
    group.bench_with_input(
        BenchmarkId::new("airlock risk::analyze (all rules)", &label),
        &graph,
        |bencher, graph| bencher.iter(|| scanner_core::risk::analyze(graph, Some(store))),
    );
    group.finish();
}
