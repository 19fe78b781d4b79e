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

use crate::support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use scanner_core::extract::extractor_by_id;
use scanner_core::link::{link, LinkOptions};
use scanner_core::scan::{scan, ScanOptions};
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
    (
        "crewAIInc__crewAI__root--2024-11",
        "poetry.lock",
        "python/poetry-lock",
    ),
    (
        "huggingface__text-generation-inference__backends-gaudi-server",
        "backends/gaudi/server/poetry.lock",
        "python/poetry-lock",
    ),
    (
        "huggingface__text-generation-inference__server--2022-10",
        "server/poetry.lock",
        "python/poetry-lock",
    ),
    (
        "langchain-ai__langgraph__libs-cli-examples",
        "libs/cli/examples/poetry.lock",
        "python/poetry-lock",
    ),
    (
        "Comfy-Org__comfy-cli__root--2026-01",
        "pylock.toml",
        "python/pylock",
    ),
];

fn project_directory(project: &str) -> PathBuf {
    support::fixtures().join("projects").join(project)
}

/// Every `name` file below `directory`, as (path relative to `base`, bytes).
fn files_named(base: &Path, directory: &Path, name: &str, found: &mut Vec<(String, Vec<u8>)>) {
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
            found.push((relative, std::fs::read(&path).unwrap()));
        }
    }
}

/// What one extractor makes of one lock, linked with the pyproject.toml files below it (as for
/// a lock named alone: those the lock does not join are dropped), on its own so other files in
/// the directory do not blur the picture.
struct Extracted {
    graph: DependencyGraph,
    diagnostics: Vec<Diagnostic>,
    /// The manifests the lock joined (listed under its format).
    joined: Vec<String>,
}

fn extract(project: &str, lock: &str, extractor: &str) -> Extracted {
    use scanner_core::link::Extracted as File;
    let base = project_directory(project);
    let bytes = std::fs::read(base.join(lock)).unwrap();
    let lock_directory = base.join(lock).parent().unwrap().to_path_buf();
    let mut manifests = Vec::new();
    files_named(&base, &lock_directory, "pyproject.toml", &mut manifests);
    let format = extractor_by_id(extractor).unwrap();
    let manifest_format = extractor_by_id("python/pyproject").unwrap();
    let lock_file = File::parse(lock, format, &bytes);
    if let Err(error) = &lock_file.outcome {
        panic!("{project}/{lock}: {error}");
    }
    let mut files = vec![lock_file];
    for (path, bytes) in &manifests {
        let mut manifest = File::parse(path, manifest_format, bytes);
        manifest.join_only = true;
        files.push(manifest);
    }
    let linked = link(files, &LinkOptions::default());
    let joined = linked
        .files
        .iter()
        .filter(|file| file.extractor == extractor && file.path != lock)
        .map(|file| file.path.clone())
        .collect();
    Extracted {
        graph: linked.graph,
        diagnostics: linked.diagnostics,
        joined,
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
        "python/poetry-lock" => {
            for entry in document["package"].as_array().unwrap() {
                let from_registry = match entry.get("source") {
                    None => true,
                    Some(source) => source["type"].as_str() == Some("legacy"),
                };
                if from_registry {
                    packages.push((
                        pep503(entry["name"].as_str().unwrap()),
                        entry["version"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
        "python/pylock" => {
            for entry in document["packages"].as_array().unwrap() {
                let elsewhere = ["vcs", "directory", "archive"]
                    .iter()
                    .any(|key| entry.get(key).is_some());
                if !elsewhere {
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
            expected.len() > 10,
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
fn real_locks_read_without_warnings_and_join_their_manifests() {
    for (project, lock, extractor) in LOCKS {
        let extracted = extract(project, lock, extractor);
        let noisy: Vec<String> = extracted
            .diagnostics
            .iter()
            .filter(|d| d.severity != DiagnosticSeverity::Note)
            .map(ToString::to_string)
            .collect();
        // crewAI's pyproject.toml at that commit had already moved to uv and added two
        // dependencies its (stale) poetry.lock never locked: a real finding, reported.
        // TGI's Gaudi server lock leaves torch out (the Gaudi image ships its own build) while
        // six locked packages still depend on it: reported as dangling, nothing invented.
        let expected: &[&str] = match *project {
            "crewAIInc__crewAI__root--2024-11" => &[
                "pyproject.toml:28: warning[lockfile-out-of-date]: `crewai` declares `uv`, which the lockfile does not contain",
                "pyproject.toml:29: warning[lockfile-out-of-date]: `crewai` declares `tomli-w`, which the lockfile does not contain",
            ],
            "huggingface__text-generation-inference__backends-gaudi-server" => &[
                "backends/gaudi/server/poetry.lock:22: warning[dangling-reference]: `accelerate` depends on `torch`, which the lock does not contain",
                "backends/gaudi/server/poetry.lock:1253: warning[dangling-reference]: `optimum` depends on `torch`, which the lock does not contain",
                "backends/gaudi/server/poetry.lock:1300: warning[dangling-reference]: `optimum-habana` depends on `torch`, which the lock does not contain",
                "backends/gaudi/server/poetry.lock:1334: warning[dangling-reference]: `outlines` depends on `torch`, which the lock does not contain",
                "backends/gaudi/server/poetry.lock:1373: warning[dangling-reference]: `peft` depends on `torch`, which the lock does not contain",
                "backends/gaudi/server/poetry.lock:2246: warning[dangling-reference]: `sentence-transformers` depends on `torch`, which the lock does not contain",
            ],
            _ => &[],
        };
        assert_eq!(noisy, expected, "{project}/{lock}");
        let directory = Path::new(lock).parent().unwrap().to_string_lossy();
        let manifest = if directory.is_empty() {
            "pyproject.toml".to_owned()
        } else {
            format!("{directory}/pyproject.toml")
        };
        assert!(
            extracted.joined.contains(&manifest),
            "{project}/{lock} joins {:?}",
            extracted.joined
        );
        assert!(
            extracted.graph.roots().count() >= 1,
            "{project}/{lock} has a root"
        );
    }
}

fn snapshot_name(project: &str, lock: &str) -> String {
    format!("{project}__{}", lock.replace('/', "_"))
}

#[test]
fn graph_snapshots() {
    for (project, lock, extractor) in LOCKS {
        let extracted = extract(project, lock, extractor);
        insta::assert_snapshot!(
            snapshot_name(project, lock),
            support::graph_text::graph_summary(&extracted.graph, &extracted.diagnostics, &|text| {
                text
            })
        );
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
    // uv refuses such a lock; airlock keeps the package unpinned and flagged, never with a
    // version that matches no advisory.
    assert_eq!(
        component("odd-version").key.version.as_deref(),
        None,
        "an invalid version is no version"
    );
    assert!(component("odd-version")
        .flags
        .contains(&scanner_core::ComponentFlag::Unpinned));
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
        joined: Vec::new(),
    };
    let mut text = strip(support::graph_text::graph_summary(
        &extracted.graph,
        &extracted.diagnostics,
        &|text| text,
    ));
    for (code, location, message) in diagnostics_of(report) {
        let _ = writeln!(text, "diagnostic {location}: {code}: {}", strip(message));
    }
    text
}

/// The diagnostics of a scan that must be there: (code, location prefix, message part).
fn assert_diagnostics(report: &scanner_core::scan::ScanReport, expected: &[(&str, &str, &str)]) {
    let diagnostics = diagnostics_of(report);
    for (code, location, text) in expected {
        assert!(
            diagnostics
                .iter()
                .any(|(c, l, m)| c == code && l.starts_with(location) && m.contains(text)),
            "{code} at {location} ({text}) in {diagnostics:#?}"
        );
    }
    assert!(report
        .diagnostics
        .iter()
        .all(|d| d.code != DiagnosticCode::InternalError));
}

#[test]
fn poetry_lock_edge_cases() {
    let report = scan_fixture("poetry-lock");
    assert_diagnostics(
        &report,
        &[
            (
                "unsupported-format-version",
                "poetry-lock/unknown-version/poetry.lock:6",
                "unsupported poetry.lock version `\"3.0\"` (airlock reads `[metadata] lock-version` 1.0 to 2.1)",
            ),
            ("parse-error", "poetry-lock/invalid-toml/poetry.lock:4:", "invalid TOML"),
            ("parse-error", "poetry-lock/truncated/poetry.lock:", "invalid TOML"),
            ("invalid-entry", "poetry-lock/wrong-type/poetry.lock:7", "expected a version string or a table"),
            ("invalid-entry", "poetry-lock/wrong-type/poetry.lock:11", "`version` must be a string"),
            ("invalid-entry", "poetry-lock/invalid-version/poetry.lock:3", "not a PEP 440 version"),
        ],
    );
    let odd = report
        .graph
        .components()
        .find(|c| c.key.name.normalized() == "odd-poetry")
        .unwrap();
    // poetry refuses a lock whose version is no PEP 440 version: unpinned and flagged, never
    // a version that matches no advisory (issue 23).
    assert_eq!(odd.key.version, None);
    assert!(odd.flags.contains(&scanner_core::ComponentFlag::Unpinned));
    assert!(report
        .graph
        .components()
        .any(|c| c.key.name.normalized() == "still-read-poetry"));
    insta::assert_snapshot!(scan_summary(&report));
}

#[test]
fn pylock_edge_cases() {
    let report = scan_fixture("pylock");
    assert_diagnostics(
        &report,
        &[
            (
                "unsupported-format-version",
                "pylock/unknown-version/pylock.toml:1",
                "unsupported pylock.toml version `\"2.0\"` (airlock reads `lock-version = \"1.0\"` (PEP 751))",
            ),
            ("parse-error", "pylock/invalid-toml/pylock.toml:5:", "invalid TOML"),
            ("parse-error", "pylock/truncated/pylock.toml:", "invalid TOML"),
            ("invalid-entry", "pylock/wrong-type/pylock.toml:10", "`directory` must be a table"),
            ("invalid-entry", "pylock/invalid-version/pylock.toml:5", "not a PEP 440 version"),
        ],
    );
    for name in ["still-read-pylock", "sphinx", "odd-pylock"] {
        assert!(
            report
                .graph
                .components()
                .any(|c| c.key.name.normalized() == name),
            "{name}"
        );
    }
    // Packaging's pylock, uv and pdm refuse a version that is no PEP 440 version: unpinned
    // and flagged (issue 23).
    let odd = report
        .graph
        .components()
        .find(|c| c.key.name.normalized() == "odd-pylock")
        .unwrap();
    assert_eq!(odd.key.version, None);
    assert!(odd.flags.contains(&scanner_core::ComponentFlag::Unpinned));
    insta::assert_snapshot!(scan_summary(&report));
}

#[test]
fn a_uv_lock_and_its_exported_pylock_merge_by_key_with_both_evidences() {
    let directory = project_directory("Comfy-Org__comfy-cli__root--2026-01");
    let report = scan(std::slice::from_ref(&directory), &ScanOptions::default()).unwrap();
    let extractors = |component: &scanner_core::Component| -> Vec<&str> {
        let mut found: Vec<&str> = component
            .evidence
            .iter()
            .map(|evidence| evidence.extractor)
            .collect();
        found.sort();
        found.dedup();
        found
    };
    let roots: Vec<_> = report.graph.roots().collect();
    assert_eq!(
        roots.len(),
        1,
        "one project, not one per lockfile: {roots:?}"
    );
    let root = report.graph.get(roots[0]).unwrap();
    assert_eq!(root.key.version.as_deref(), Some("0.0.0"));
    assert_eq!(extractors(root), ["python/pylock", "python/uv-lock"]);
    // pylock.toml (a `uv export`) holds the packages the project installs; every one of them is
    // the same component as uv.lock's, seen by both files.
    let exported: Vec<&scanner_core::Component> = report
        .graph
        .components()
        .filter(|c| c.evidence.iter().any(|e| e.extractor == "python/pylock"))
        .collect();
    assert!(exported.len() > 40);
    for component in exported {
        assert_eq!(
            extractors(component),
            ["python/pylock", "python/uv-lock"],
            "{}",
            component.key
        );
    }
    assert!(!report.has_errors(), "{:#?}", report.diagnostics);
    let files: Vec<&str> = report
        .files
        .iter()
        .map(|file| file.path.rsplit('/').next().unwrap())
        .collect();
    assert!(files.contains(&"pyproject.toml"));
    assert!(report
        .files
        .iter()
        .all(|file| file.extractor != "python/pyproject"));
}

#[test]
fn pyproject_without_a_lockfile() {
    let report = scan_fixture("pyproject");
    assert_diagnostics(
        &report,
        &[
            (
                "invalid-entry",
                "pyproject/broken/pyproject.toml:5",
                "expected a requirement string, found an integer",
            ),
            (
                "invalid-entry",
                "pyproject/broken/pyproject.toml:6",
                "invalid requirement",
            ),
            (
                "invalid-entry",
                "pyproject/broken/pyproject.toml:8",
                "must be a table",
            ),
            (
                "dangling-reference",
                "pyproject/virtual-workspace/pyproject.toml:2",
                "member of the uv workspace",
            ),
        ],
    );
    let component = |name: &str| {
        report
            .graph
            .components()
            .find(|c| c.key.name.normalized() == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(component("fastapi").key.version, None);
    assert!(component("fastapi")
        .flags
        .contains(&scanner_core::ComponentFlag::Unpinned));
    assert_eq!(component("pydantic").key.version.as_deref(), Some("2.7.1"));
    assert!(component("pydantic").flags.is_empty());
    assert!(component("ok-dep")
        .flags
        .contains(&scanner_core::ComponentFlag::Unpinned));
    insta::assert_snapshot!(scan_summary(&report));
}
