//! Every real requirements file, rye lock, Pipfile.lock and pdm.lock in the fixtures (copied
//! from the shared corpus, provenance in `fixtures/projects/SOURCES.md`) is scanned and compared
//! with an independent reading of the same file written here: a line scan of `name==version`
//! for requirements files, `serde_json::Value` for Pipfile.lock, `toml::Value` for pdm.lock. The
//! registry packages airlock reports must be exactly the (name, version) pairs the file writes.
//! Each file's graph is snapshot-tested; the hand-made broken inputs in `fixtures/python/`
//! must give diagnostics with file and line while the other files of the scan are still read;
//! and the agent-stack example's uv.lock and exported requirements.txt merge by key.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scanner_core::scan::{display_path, scan, ScanOptions, ScanReport};
use scanner_core::{Component, ComponentFlag, DiagnosticSeverity, Ecosystem, Source};

/// (fixture project, file inside it, extractor id).
const FILES: &[(&str, &str, &str)] = &[
    (
        "huggingface__text-generation-inference__backends-gaudi-server",
        "backends/gaudi/server/requirements.txt",
        "python/requirements",
    ),
    (
        "huggingface__text-generation-inference__integration-tests",
        "integration-tests/requirements.txt",
        "python/requirements",
    ),
    (
        "huggingface__text-generation-inference__server",
        "server/requirements_cuda.txt",
        "python/requirements",
    ),
    (
        "huggingface__text-generation-inference__server",
        "server/requirements_gen.txt",
        "python/requirements",
    ),
    (
        "huggingface__text-generation-inference__server",
        "server/requirements_intel.txt",
        "python/requirements",
    ),
    (
        "huggingface__text-generation-inference__server",
        "server/requirements_rocm.txt",
        "python/requirements",
    ),
    (
        "microsoft__autogen__python-samples-core_distributed-group-chat--2025-01",
        "python/samples/core_distributed-group-chat/requirements.txt",
        "python/requirements",
    ),
    (
        "pydantic__pydantic-ai__root--2024-06",
        "requirements.lock",
        "python/requirements",
    ),
    (
        "pydantic__pydantic-ai__root--2024-06",
        "requirements-dev.lock",
        "python/requirements",
    ),
    (
        "yihong0618__bilingual_book_maker__root--2025-04",
        "requirements.txt",
        "python/requirements",
    ),
    (
        "emarco177__ice_breaker__root--2025-08",
        "Pipfile.lock",
        "python/pipfile-lock",
    ),
    (
        "yihong0618__bilingual_book_maker__root--2025-04",
        "pdm.lock",
        "python/pdm-lock",
    ),
];

fn file_path(project: &str, file: &str) -> PathBuf {
    support::fixtures()
        .join("projects")
        .join(project)
        .join(file)
}

/// Scans one file on its own (the driver still reads the pyproject.toml beside it).
fn scan_file(project: &str, file: &str) -> ScanReport {
    scan(&[file_path(project, file)], &ScanOptions::default()).unwrap()
}

/// PEP 503, written independently of airlock's own normalizer.
fn pep503(name: &str) -> String {
    let mut out = String::new();
    let mut separator = false;
    for c in name.trim().chars() {
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

/// `name==version` lines of a requirements file, read without airlock: comments and options
/// dropped, the marker cut at `;`, extras cut at `[`.
fn oracle_requirements(text: &str) -> BTreeSet<(String, String)> {
    let mut pins = BTreeSet::new();
    for line in text.lines() {
        let line = match line.find(" #") {
            Some(comment) => &line[..comment],
            None => line,
        };
        let line = line.trim().trim_end_matches('\\').trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
            continue;
        }
        let requirement = line.split(';').next().unwrap().trim();
        if let Some((name, version)) = requirement.split_once("==") {
            let name = name.split('[').next().unwrap();
            pins.insert((pep503(name), version.trim().to_owned()));
        }
    }
    pins
}

/// Registry entries of a Pipfile.lock (`version` `==…`, no git/path/file), any section.
fn oracle_pipfile_lock(text: &str) -> BTreeSet<(String, String)> {
    let document: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut pins = BTreeSet::new();
    for (section, members) in document.as_object().unwrap() {
        if section == "_meta" {
            continue;
        }
        for (name, entry) in members.as_object().unwrap() {
            let is_registry = ["git", "path", "file", "hg", "svn", "bzr"]
                .iter()
                .all(|key| entry.get(key).is_none());
            if let (true, Some(version)) = (is_registry, entry["version"].as_str()) {
                pins.insert((pep503(name), version.strip_prefix("==").unwrap().to_owned()));
            }
        }
    }
    pins
}

/// Registry packages of a pdm.lock (no git/path/url), extras entries counted once.
fn oracle_pdm_lock(text: &str) -> BTreeSet<(String, String)> {
    let document: toml::Table = toml::from_str(text).unwrap();
    document["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|package| {
            ["git", "path", "url"]
                .iter()
                .all(|key| package.get(key).is_none())
        })
        .map(|package| {
            (
                pep503(package["name"].as_str().unwrap()),
                package["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn oracle(text: &str, extractor: &str) -> BTreeSet<(String, String)> {
    match extractor {
        "python/requirements" => oracle_requirements(text),
        "python/pipfile-lock" => oracle_pipfile_lock(text),
        "python/pdm-lock" => oracle_pdm_lock(text),
        other => panic!("no oracle for {other}"),
    }
}

fn registry_packages(report: &ScanReport) -> BTreeSet<(String, String)> {
    report
        .graph
        .components()
        .filter(|component| component.key.ecosystem == Ecosystem::PyPI)
        .filter(|component| matches!(component.key.source, Source::Registry { .. }))
        .map(|component| {
            (
                component.key.name.normalized().to_owned(),
                component.key.version.clone().unwrap(),
            )
        })
        .collect()
}

#[test]
fn registry_packages_match_an_independent_reading() {
    for (project, file, extractor) in FILES {
        let text = std::fs::read_to_string(file_path(project, file)).unwrap();
        let expected = oracle(&text, extractor);
        assert!(
            expected.len() >= 15,
            "{project}/{file}: only {} packages",
            expected.len()
        );
        let report = scan_file(project, file);
        assert_eq!(registry_packages(&report), expected, "{project}/{file}");
    }
}

#[test]
fn real_files_read_without_warnings() {
    for (project, file, extractor) in FILES {
        let report = scan_file(project, file);
        let noisy: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity != DiagnosticSeverity::Note)
            .map(ToString::to_string)
            .collect();
        assert!(noisy.is_empty(), "{project}/{file}: {noisy:#?}");
        assert!(
            report
                .files
                .iter()
                .any(|scanned| scanned.extractor == *extractor),
            "{project}/{file} was read by {extractor}"
        );
        // One root each: the project beside the file, or (requirements files without one)
        // the project named after the file's directory.
        assert_eq!(report.graph.roots().count(), 1, "{project}/{file}");
        // Nothing pinned in a lock or compiled file is flagged unpinned.
        for component in report.graph.components() {
            if matches!(component.key.source, Source::Registry { .. }) {
                assert!(
                    !component.flags.contains(&ComponentFlag::Unpinned),
                    "{project}/{file}: {}",
                    component.key
                );
            }
        }
    }
}

#[test]
fn graph_snapshots() {
    for (project, file, _) in FILES {
        let report = scan_file(project, file);
        let base = display_path(&support::fixtures().join("projects").join(project));
        let name = format!("{project}__{}", file.replace('/', "_"));
        insta::assert_snapshot!(
            name,
            support::graph_text::graph_summary(
                &report.graph,
                &report.diagnostics,
                &|text: String| { text.replace(&format!("{base}/"), "").replace(&base, ".") }
            )
        );
    }
}

/// Scans a hand-made fixture directory of `fixtures/python/` (it is the scan root).
fn scan_fixture(relative: &str) -> (ScanReport, String) {
    let directory = support::fixtures().join("python").join(relative);
    let report = scan(std::slice::from_ref(&directory), &ScanOptions::default()).unwrap();
    (report, display_path(&directory))
}

/// (code, location relative to the scanned directory, message) of every diagnostic.
fn diagnostics_of(report: &ScanReport, base: &str) -> Vec<(String, String, String)> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let location = d.location.as_ref().unwrap().to_string();
            (
                d.code.as_str().to_owned(),
                location
                    .strip_prefix(&format!("{base}/"))
                    .unwrap_or(&location)
                    .to_owned(),
                d.message.clone(),
            )
        })
        .collect()
}

fn find<'r>(report: &'r ScanReport, name: &str) -> Vec<&'r Component> {
    report
        .graph
        .components()
        .filter(|component| component.key.name.normalized() == name)
        .collect()
}

fn assert_diagnostic(diagnostics: &[(String, String, String)], code: &str, at: &str, text: &str) {
    assert!(
        diagnostics
            .iter()
            .any(|(c, l, m)| c == code && l == at && m.contains(text)),
        "no {code} at {at} containing {text:?} in {diagnostics:#?}"
    );
}

#[test]
fn requirements_edge_cases() {
    let (report, base) = scan_fixture("requirements");
    let diagnostics = diagnostics_of(&report, &base);
    assert_diagnostic(
        &diagnostics,
        "include-cycle",
        "include-cycle/base.txt:2",
        "include-cycle/requirements.txt → ",
    );
    assert_diagnostic(
        &diagnostics,
        "outside-scan-root",
        "include-outside/requirements.txt:2",
        "outside the scan root",
    );
    assert_diagnostic(
        &diagnostics,
        "invalid-entry",
        "invalid-version/requirements.txt:2",
        "not a PEP 440 version",
    );
    assert_diagnostic(
        &diagnostics,
        "parse-error",
        "bad-utf8/requirements.txt:2",
        "UTF-8",
    );
    assert_diagnostic(
        &diagnostics,
        "invalid-entry",
        "unknown-option/requirements.txt:1",
        "--use-magic-resolver",
    );
    assert_eq!(diagnostics.len(), 5, "{diagnostics:#?}");

    // Everything else was read, including the files next to the broken ones.
    assert!(
        find(&report, "leaked").is_empty(),
        "outside the root: not read"
    );
    // Not a version pip accepts: kept, unpinned and flagged, never a version that would match
    // no advisory (issue 23).
    let legacy = find(&report, "legacy-thing");
    assert_eq!(legacy[0].key.version, None);
    assert!(legacy[0].flags.contains(&ComponentFlag::Unpinned));
    assert_eq!(
        find(&report, "idna").len(),
        1,
        "the cycle's other file was read once"
    );
    for name in ["requests", "flask", "rich", "numpy"] {
        let unpinned: Vec<_> = find(&report, name)
            .into_iter()
            .filter(|c| c.key.version.is_none())
            .collect();
        if name == "requests" {
            continue;
        }
        assert_eq!(unpinned.len(), 1, "{name}");
        assert!(
            unpinned[0].flags.contains(&ComponentFlag::Unpinned),
            "{name}"
        );
    }

    // with-includes: the constraint pins `requests`; `urllib3`, only constrained, is absent;
    // the dev file and the main file are both scanned and their keys merge (and with the same
    // pin in sources/, another file of the scan).
    let requests: Vec<_> = find(&report, "requests")
        .into_iter()
        .filter(|c| c.key.version.as_deref() == Some("2.31.0"))
        .collect();
    assert_eq!(requests.len(), 1);
    let evidence: BTreeSet<String> = requests[0]
        .evidence
        .iter()
        .map(|e| e.location.to_string().replace(&format!("{base}/"), ""))
        .collect();
    assert_eq!(
        evidence,
        BTreeSet::from([
            "sources/requirements.txt:5".to_owned(),
            "with-includes/constraints.txt:1".to_owned(),
            "with-includes/requirements.txt:2".to_owned(),
        ])
    );
    assert!(find(&report, "urllib3").is_empty());
    let pytest = &find(&report, "pytest")[0];
    assert_eq!(pytest.scope.map(|s| s.as_str()), Some("dev"));
    let included_files: BTreeSet<String> = report
        .files
        .iter()
        .map(|f| f.path.replace(&format!("{base}/"), ""))
        .collect();
    assert!(included_files.contains("with-includes/requirements.in"));
    assert!(included_files.contains("with-includes/constraints.txt"));

    // sources: each kind.
    let core = &find(&report, "core-lib")[0];
    assert_eq!(core.key.version.as_deref(), Some("0.2.0"));
    assert!(core.flags.contains(&ComponentFlag::Editable));
    let tool = &find(&report, "tool")[0];
    assert!(matches!(
        &tool.key.source,
        Source::Git {
            commit: Some(_),
            ..
        }
    ));
    let wheel = &find(&report, "wheel-pkg")[0];
    assert!(matches!(&wheel.key.source, Source::Url { .. }));
    assert_eq!(wheel.hashes.len(), 1);
    let local = &find(&report, "local-pkg")[0];
    assert!(matches!(&local.key.source, Source::File { .. }));
    assert_eq!(local.key.version.as_deref(), Some("3.0"));
    let certifi = &find(&report, "certifi")[0];
    assert_eq!(certifi.hashes.len(), 2);
    assert!(certifi
        .facts
        .python
        .as_ref()
        .and_then(|python| python.extra_index_urls.as_ref())
        .is_some_and(|urls| urls.iter().any(|url| url.contains("download.pytorch.org"))));
}

#[test]
fn pipfile_lock_edge_cases() {
    let (report, base) = scan_fixture("pipfile-lock");
    let diagnostics = diagnostics_of(&report, &base);
    assert_diagnostic(
        &diagnostics,
        "parse-error",
        "invalid-json/Pipfile.lock:4:35",
        "invalid JSON",
    );
    assert!(
        diagnostics.iter().any(|(c, l, m)| c == "parse-error"
            && l.starts_with("truncated/Pipfile.lock:5:")
            && m.contains("truncated JSON")),
        "{diagnostics:#?}"
    );
    assert_diagnostic(
        &diagnostics,
        "invalid-entry",
        "wrong-type/Pipfile.lock:5",
        "invalid type",
    );
    assert_diagnostic(
        &diagnostics,
        "unsupported-format-version",
        "unknown-version/Pipfile.lock:3",
        "`_meta.pipfile-spec`",
    );
    assert_diagnostic(
        &diagnostics,
        "invalid-entry",
        "invalid-version/Pipfile.lock:5",
        "not a PEP 440 version",
    );
    assert_diagnostic(
        &diagnostics,
        "lockfile-out-of-date",
        "sources/Pipfile:17",
        "missing-from-lock",
    );
    assert_eq!(diagnostics.len(), 6, "{diagnostics:#?}");

    // The good entries of the broken files and the whole sources fixture were read.
    assert_eq!(
        find(&report, "six").len(),
        1,
        "wrong-type and invalid-version files"
    );
    assert!(
        find(&report, "idna").is_empty(),
        "the badly typed entry only"
    );
    let private = &find(&report, "private-lib")[0];
    assert_eq!(
        private.key.source,
        Source::Registry {
            index: Some("https://pkgs.example.com/simple".to_owned())
        }
    );
    let wheel = &find(&report, "local-wheel")[0];
    assert!(
        matches!(&wheel.key.source, Source::File { path } if path.ends_with("dist/local_wheel-2.0-py3-none-any.whl"))
    );
    let requests = &find(&report, "requests")[0];
    let root = report
        .graph
        .roots()
        .find(|r| r.name.normalized() == "sources")
        .unwrap();
    let edge = report
        .graph
        .edges()
        .find(|edge| edge.from == root && edge.to == &requests.key)
        .unwrap();
    assert_eq!(
        edge.details.and_then(|d| d.marker.as_deref()),
        Some("python_full_version >= '3.8'")
    );
    assert!(
        report
            .graph
            .edges()
            .all(|edge| edge.to.name.normalized() != "urllib3"),
        "urllib3 is not declared in the Pipfile: no direct edge"
    );
    assert_eq!(
        find(&report, "urllib3")[0].scope.map(|s| s.as_str()),
        Some("required")
    );
}

#[test]
fn pdm_lock_edge_cases() {
    let (report, base) = scan_fixture("pdm-lock");
    let diagnostics = diagnostics_of(&report, &base);
    assert_diagnostic(
        &diagnostics,
        "unsupported-format-version",
        "unknown-version/pdm.lock:3",
        "`metadata.lock_version` 4.x",
    );
    assert_diagnostic(
        &diagnostics,
        "parse-error",
        "invalid-toml/pdm.lock:6:15",
        "invalid TOML",
    );
    assert!(
        diagnostics
            .iter()
            .any(|(c, l, _)| c == "parse-error" && l.starts_with("truncated/pdm.lock:6")),
        "{diagnostics:#?}"
    );
    assert_diagnostic(
        &diagnostics,
        "invalid-entry",
        "wrong-type/pdm.lock:9",
        "`groups` must be an array, found string",
    );
    assert_diagnostic(
        &diagnostics,
        "invalid-entry",
        "invalid-version/pdm.lock:9",
        "not a PEP 440 version",
    );
    let errors_and_warnings: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity != DiagnosticSeverity::Note)
        .collect();
    assert_eq!(errors_and_warnings.len(), 5, "{diagnostics:#?}");

    assert_eq!(find(&report, "six").len(), 1);
    assert!(find(&report, "idna").iter().all(|c| c
        .evidence
        .iter()
        .all(|e| e.location.path.contains("sources"))));
    let httpx = &find(&report, "httpx")[0];
    assert_eq!(httpx.hashes.len(), 2);
    assert_eq!(
        httpx.evidence.len(),
        2,
        "the package and its extras entry merge"
    );
    let root = report.graph.roots().next().unwrap();
    assert_eq!(root.name.normalized(), "pdm-demo");
    assert_eq!(
        find(&report, "pytest")[0].scope.map(|s| s.as_str()),
        Some("dev")
    );
    assert_eq!(
        find(&report, "socksio")[0].scope.map(|s| s.as_str()),
        Some("required")
    );
}

#[test]
fn agent_stack_uv_lock_and_exported_requirements_merge_by_key() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
        .join("agent-stack")
        .join("agent");
    let report = scan(std::slice::from_ref(&directory), &ScanOptions::default()).unwrap();
    let packages: Vec<&Component> = report.graph.components().collect();
    assert!(packages.len() >= 10, "{}", packages.len());
    for component in packages {
        let extractors: BTreeSet<&str> = component
            .evidence
            .iter()
            .map(|evidence| evidence.extractor)
            .collect();
        assert!(
            extractors.contains("python/uv-lock") && extractors.contains("python/requirements"),
            "{} found only by {extractors:?}",
            component.key
        );
        if matches!(component.key.source, Source::Registry { .. }) {
            assert!(!component.hashes.is_empty(), "{}", component.key);
        }
    }
    assert_eq!(report.graph.roots().count(), 1);
    let root = report.graph.roots().next().unwrap();
    assert_eq!(root.name.normalized(), "research-agent");
    assert!(report
        .files
        .iter()
        .any(|file| file.path.ends_with("agent/pyproject.toml")));
}

/// pip-compile output of `requirements.in` = `httpx`: only httpx is direct.
const COMPILED: &str = "\
#
# This file is autogenerated by pip-compile with Python 3.12
#
anyio==4.4.0
    # via httpx
certifi==2024.7.4
    # via
    #   httpcore
    #   httpx
h11==0.14.0
    # via httpcore
httpcore==1.0.5
    # via httpx
httpx==0.27.0
    # via -r requirements.in
idna==3.7
    # via
    #   anyio
    #   httpx
sniffio==1.3.1
    # via anyio
";

/// `airlock sbom DIR -f json` run in `directory`: roots and edges as `from -> to` references.
fn roots_and_edges(directory: &Path, argument: &str) -> (Vec<String>, BTreeSet<String>) {
    let output = support::run_in(directory, &["sbom", argument, "-f", "json"]);
    assert!(output.status.success(), "{}", support::stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&support::stdout(&output)).unwrap();
    let roots = report["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|root| root.as_str().unwrap().to_owned())
        .collect();
    let edges = report["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| {
            format!(
                "{} -> {}",
                edge["from"].as_str().unwrap(),
                edge["to"].as_str().unwrap()
            )
        })
        .collect();
    (roots, edges)
}

/// Issue 19 Deliver 6: a project with only a compiled requirements file gets a root, a local
/// project named after its directory, with edges to the `# via -r` packages only (the rest
/// hang off them); a hand-written file's lines are all direct; a pyproject.toml beside the
/// file stays the only root.
#[test]
fn requirements_only_projects_have_a_root_named_after_their_directory() {
    let temporary = tempfile::tempdir().unwrap();
    let compiled = temporary.path().join("chat-service");
    std::fs::create_dir(&compiled).unwrap();
    std::fs::write(compiled.join("requirements.txt"), COMPILED).unwrap();
    let (roots, edges) = roots_and_edges(temporary.path(), "chat-service");
    let root = "pkg:pypi/chat-service?download_url=file:%2F%2Fchat-service#path=chat-service";
    assert_eq!(roots, [root]);
    let from_root: Vec<&String> = edges
        .iter()
        .filter(|edge| edge.starts_with(&format!("{root} ->")))
        .collect();
    assert_eq!(from_root, [&format!("{root} -> pkg:pypi/httpx@0.27.0")]);
    assert!(edges.contains("pkg:pypi/httpx@0.27.0 -> pkg:pypi/anyio@4.4.0"));
    assert!(edges.contains("pkg:pypi/anyio@4.4.0 -> pkg:pypi/sniffio@1.3.1"));

    let handwritten = temporary.path().join("tool");
    std::fs::create_dir(&handwritten).unwrap();
    std::fs::write(
        handwritten.join("requirements.txt"),
        "requests>=2\nrich==13.9.4\n",
    )
    .unwrap();
    let (roots, edges) = roots_and_edges(temporary.path(), "tool");
    assert_eq!(
        roots,
        ["pkg:pypi/tool?download_url=file:%2F%2Ftool#path=tool"]
    );
    assert_eq!(
        edges,
        BTreeSet::from([
            "pkg:pypi/tool?download_url=file:%2F%2Ftool#path=tool -> pkg:pypi/requests".to_owned(),
            "pkg:pypi/tool?download_url=file:%2F%2Ftool#path=tool -> pkg:pypi/rich@13.9.4"
                .to_owned(),
        ])
    );

    // With a pyproject.toml beside it, its project is the root, and the only one.
    std::fs::write(
        compiled.join("pyproject.toml"),
        "[project]\nname = \"chat\"\nversion = \"1.0\"\ndependencies = [\"httpx\"]\n",
    )
    .unwrap();
    let (roots, _) = roots_and_edges(temporary.path(), "chat-service");
    assert_eq!(
        roots,
        ["pkg:pypi/chat@1.0?download_url=file:%2F%2Fchat-service#path=chat-service"]
    );
}
