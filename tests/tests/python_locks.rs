//! Every real Python lockfile of airlock's formats in the fixtures (uv.lock, poetry.lock,
//! pylock.toml; copied from the shared corpus, provenance in `fixtures/projects/SOURCES.md`)
//! is read and compared with an independent reading of the same file: the `toml` crate walked
//! by hand in this test. The registry packages airlock reports must be exactly the (name,
//! version) pairs written in the file. The graph of each lock is snapshot-tested, and broken
//! inputs (`fixtures/python/`) must give a diagnostic with file and line without stopping the
//! scan.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use scanner_core::extract::{extractor_by_id, CompanionFile, Input};
use scanner_core::scan::{merge, scan, ScanOptions};
use scanner_core::{
    DependencyGraph, Diagnostic, DiagnosticCode, DiagnosticSeverity, Ecosystem, Source,
};

/// (fixture project, lockfile inside it, extractor id).
const LOCKS: &[(&str, &str, &str)] = &[
    (
        "Comfy-Org__comfy-cli__root--2026-01",
        "uv.lock",
        "python/uv-lock",
    ),
    (
        "huggingface__text-generation-inference__integration-tests",
        "integration-tests/uv.lock",
        "python/uv-lock",
    ),
    (
        "huggingface__text-generation-inference__server",
        "server/uv.lock",
        "python/uv-lock",
    ),
    (
        "langchain-ai__langgraph__libs-langgraph",
        "libs/langgraph/uv.lock",
        "python/uv-lock",
    ),
    (
        "microsoft__autogen__python",
        "python/uv.lock",
        "python/uv-lock",
    ),
    (
        "openai__openai-agents-python__root",
        "uv.lock",
        "python/uv-lock",
    ),
];

fn project_directory(project: &str) -> PathBuf {
    support::fixtures().join("projects").join(project)
}

/// Every `name` file below `directory`, as (path relative to `base`, bytes).
fn files_named(base: &Path, directory: &Path, name: &str, found: &mut Vec<CompanionFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap())
        .collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            files_named(base, &path, name, found);
        } else if entry.file_name() == name {
            let relative = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            found.push(CompanionFile {
                path: relative,
                bytes: std::fs::read(&path).unwrap(),
            });
        }
    }
}

/// What one extractor makes of one lock (with the pyproject.toml files below it as companions),
/// merged into a graph on its own so other files in the directory do not blur the picture.
struct Extracted {
    graph: DependencyGraph,
    diagnostics: Vec<Diagnostic>,
    claimed: Vec<String>,
}

fn extract(project: &str, lock: &str, extractor: &str) -> Extracted {
    let base = project_directory(project);
    let bytes = std::fs::read(base.join(lock)).unwrap();
    let lock_directory = base.join(lock).parent().unwrap().to_path_buf();
    let mut companions = Vec::new();
    files_named(&base, &lock_directory, "pyproject.toml", &mut companions);
    let input = Input {
        companions: &companions,
        ..Input::new(lock, &bytes)
    };
    let extraction = extractor_by_id(extractor)
        .unwrap()
        .extract(&input)
        .unwrap_or_else(|error| panic!("{project}/{lock}: {error}"));
    let claimed = extraction.claimed.clone();
    let mut diagnostics = Vec::new();
    let graph = merge(vec![extraction], &mut diagnostics);
    diagnostics.sort();
    Extracted {
        graph,
        diagnostics,
        claimed,
    }
}

/// PEP 503, written independently of airlock's own normalizer.
fn pep503(name: &str) -> String {
    let mut out = String::new();
    let mut separator = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The registry packages written in a lock, read with plain `toml::Value` walking.
fn oracle_registry_packages(text: &str, extractor: &str) -> Vec<(String, String)> {
    let document: toml::Table = toml::from_str(text).unwrap();
    let mut packages = Vec::new();
    match extractor {
        "python/uv-lock" => {
            let entries = document
                .get("package")
                .or_else(|| document.get("distribution"))
                .and_then(toml::Value::as_array)
                .cloned()
                .unwrap_or_default();
            for entry in entries {
                let source = entry.get("source").unwrap();
                let from_registry = match source {
                    toml::Value::Table(table) => table.contains_key("registry"),
                    toml::Value::String(text) => text.starts_with("registry+"),
                    _ => false,
                };
                if from_registry {
                    packages.push((
                        pep503(entry["name"].as_str().unwrap()),
                        entry["version"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
        other => panic!("no oracle for {other}"),
    }
    packages.sort();
    packages
}

fn airlock_registry_packages(graph: &DependencyGraph) -> Vec<(String, String)> {
    let mut packages: Vec<(String, String)> = graph
        .components()
        .filter(|component| component.key.ecosystem == Ecosystem::PyPI)
        .filter(|component| matches!(component.key.source, Source::Registry { .. }))
        .map(|component| {
            (
                component.key.name.normalized().to_owned(),
                component.key.version.clone().unwrap(),
            )
        })
        .collect();
    packages.sort();
    packages
}

#[test]
fn registry_packages_match_an_independent_reading() {
    for (project, lock, extractor) in LOCKS {
        let text = std::fs::read_to_string(project_directory(project).join(lock)).unwrap();
        let expected = oracle_registry_packages(&text, extractor);
        assert!(
            expected.len() > 40,
            "{project}: {} packages",
            expected.len()
        );
        let extracted = extract(project, lock, extractor);
        assert_eq!(
            airlock_registry_packages(&extracted.graph),
            expected,
            "{project}/{lock}"
        );
    }
}

#[test]
fn real_locks_read_without_warnings_and_claim_their_manifests() {
    for (project, lock, extractor) in LOCKS {
        let extracted = extract(project, lock, extractor);
        let noisy: Vec<String> = extracted
            .diagnostics
            .iter()
            .filter(|d| d.severity != DiagnosticSeverity::Note)
            .map(ToString::to_string)
            .collect();
        assert!(noisy.is_empty(), "{project}/{lock}: {noisy:#?}");
        let directory = Path::new(lock).parent().unwrap().to_string_lossy();
        let manifest = if directory.is_empty() {
            "pyproject.toml".to_owned()
        } else {
            format!("{directory}/pyproject.toml")
        };
        assert!(
            extracted.claimed.contains(&manifest),
            "{project}/{lock} claims {:?}",
            extracted.claimed
        );
        assert!(
            extracted.graph.roots().count() >= 1,
            "{project}/{lock} has a root"
        );
    }
}

fn source_text(source: &Source) -> String {
    match source {
        Source::Registry { index: None } => "pypi".to_owned(),
        other => other.to_string(),
    }
}

/// The graph of one lock as text: roots, then each component with its hashes count, flags and
/// scope, followed by its outgoing edges (kind, target, marker, extras).
fn graph_summary(extracted: &Extracted) -> String {
    let graph = &extracted.graph;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} components, {} edges, {} roots",
        graph.len(),
        graph.edge_count(),
        graph.roots().count()
    );
    for root in graph.roots() {
        let _ = writeln!(
            text,
            "root {} {} ({})",
            root.name,
            root.version.as_deref().unwrap_or("-"),
            source_text(&root.source)
        );
    }
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for edge in graph.edges() {
        let details = edge.details.map_or(String::new(), |details| {
            let mut parts = Vec::new();
            if let Some(marker) = &details.marker {
                parts.push(format!("; {marker}"));
            }
            if !details.extras.is_empty() {
                parts.push(format!(" [{}]", details.extras.join(",")));
            }
            parts.concat()
        });
        edges
            .entry(edge.from.to_string())
            .or_default()
            .push(format!(
                "  -> {} {} {}{}",
                edge.kind.as_str(),
                edge.to.name,
                edge.to.version.as_deref().unwrap_or("-"),
                details
            ));
    }
    for component in graph.components() {
        let flags: Vec<&str> = component.flags.iter().map(|flag| flag.as_str()).collect();
        let _ = writeln!(
            text,
            "{} {} ({}) {} hashes={} scope={}{}",
            component.key.name,
            component.key.version.as_deref().unwrap_or("-"),
            source_text(&component.key.source),
            component.kind.as_str(),
            component.hashes.len(),
            component.scope.map_or("-", |scope| scope.as_str()),
            if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join(","))
            }
        );
        for line in edges.get(&component.key.to_string()).into_iter().flatten() {
            let _ = writeln!(text, "{line}");
        }
    }
    for diagnostic in &extracted.diagnostics {
        let _ = writeln!(text, "diagnostic {diagnostic}");
    }
    text
}

fn snapshot_name(project: &str, lock: &str) -> String {
    format!("{project}__{}", lock.replace('/', "_"))
}

#[test]
fn graph_snapshots() {
    for (project, lock, extractor) in LOCKS {
        let extracted = extract(project, lock, extractor);
        insta::assert_snapshot!(snapshot_name(project, lock), graph_summary(&extracted));
    }
}

/// Scans a hand-made fixture directory of `fixtures/python/`.
fn scan_fixture(relative: &str) -> scanner_core::scan::ScanReport {
    let directory = support::fixtures().join("python").join(relative);
    scan(std::slice::from_ref(&directory), &ScanOptions::default()).unwrap()
}

fn diagnostics_of(report: &scanner_core::scan::ScanReport) -> Vec<(String, String, String)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let location = d.location.as_ref().unwrap();
            let base = support::fixtures().join("python");
            let base = scanner_core::scan::display_path(&base);
            (
                d.code.as_str().to_owned(),
                location
                    .to_string()
                    .strip_prefix(&format!("{base}/"))
                    .unwrap_or(&location.to_string())
                    .to_owned(),
                d.message.clone(),
            )
        })
        .collect()
}

#[test]
fn uv_lock_edge_cases() {
    let report = scan_fixture("uv-lock");
    let diagnostics = diagnostics_of(&report);
    let has = |code: &str, location: &str, text: &str| {
        diagnostics
            .iter()
            .any(|(c, l, m)| c == code && l == location && m.contains(text))
    };
    assert!(
        has(
            "unsupported-format-version",
            "uv-lock/unknown-version/uv.lock:1",
            "unsupported uv.lock version `2` (airlock reads `version = 1`"
        ),
        "{diagnostics:#?}"
    );
    assert!(
        has(
            "parse-error",
            "uv-lock/invalid-toml/uv.lock:4:12",
            "invalid TOML"
        ),
        "{diagnostics:#?}"
    );
    assert!(
        diagnostics
            .iter()
            .any(|(c, l, _)| c == "parse-error" && l.starts_with("uv-lock/truncated/uv.lock:")),
        "{diagnostics:#?}"
    );
    assert!(
        has(
            "invalid-entry",
            "uv-lock/wrong-type/uv.lock:10",
            "`version` must be a string"
        ),
        "{diagnostics:#?}"
    );
    assert!(
        has(
            "invalid-entry",
            "uv-lock/invalid-version/uv.lock:8",
            "not a PEP 440 version"
        ),
        "{diagnostics:#?}"
    );
    // The good packages of the files with bad entries, and the good locks, are all there.
    let component = |name: &str| {
        report
            .graph
            .components()
            .find(|c| c.key.name.normalized() == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    component("still-read");
    assert_eq!(
        component("odd-version").key.version.as_deref(),
        Some("1.0.x"),
        "an invalid version is kept as written"
    );
    assert!(report
        .diagnostics
        .iter()
        .all(|d| d.code != DiagnosticCode::InternalError));
    insta::assert_snapshot!(scan_summary(&report));
}

/// Components (with sources, flags and scopes) and edges (with markers and extras) of a scan.
fn scan_summary(report: &scanner_core::scan::ScanReport) -> String {
    let base = scanner_core::scan::display_path(&support::fixtures());
    let strip = |text: String| text.replace(&format!("{base}/"), "");
    let extracted = Extracted {
        graph: report.graph.clone(),
        diagnostics: Vec::new(),
        claimed: Vec::new(),
    };
    let mut text = strip(graph_summary(&extracted));
    for (code, location, message) in diagnostics_of(report) {
        let _ = writeln!(text, "diagnostic {location}: {code}: {}", strip(message));
    }
    text
}
