//! Issue 20, item 4: a Rust binary built with `cargo auditable` is matched against RustSec like
//! its lockfile. The fixtures (`tests/fixtures/cargo-auditable/`, rebuilt by
//! `scripts/make-auditable-fixtures.sh`) are a real `cargo auditable build` locking `time
//! 0.1.45` (RUSTSEC-2020-0071), the same list in PE and Mach-O files, a binary without the
//! list, and broken ones. Binaries are found by content in a walk, whatever their names.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use crate::support;

use support::{fixtures, run_in, stderr};

fn auditable(name: &str) -> std::path::PathBuf {
    fixtures().join("cargo-auditable").join(name)
}

/// A database of the advisory fixtures in `root`; its path.
fn database(root: &Path) -> String {
    let database = root.join("advisories.sqlite3");
    let database = database.to_str().unwrap().to_owned();
    let corpus = fixtures().join("advisories/corpus");
    let import = run_in(
        root,
        &["--db", &database, "db", "import", corpus.to_str().unwrap()],
    );
    assert_eq!(import.status.code(), Some(0), "{}", stderr(&import));
    database
}

fn scan_json(
    root: &Path,
    database: &str,
    paths: &[&str],
) -> (Option<i32>, serde_json::Value, String) {
    let mut arguments = vec![
        "--db",
        database,
        "--max-db-age",
        "none",
        "scan",
        "-f",
        "json",
        "--fail-on",
        "none",
    ];
    arguments.extend_from_slice(paths);
    let output = run_in(root, &arguments);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    (output.status.code(), report, stderr(&output))
}

fn sha256(path: &Path) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

#[test]
fn a_deployed_binary_is_matched_against_rustsec_like_its_lockfile() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    // Deployed under another name, as binaries are.
    std::fs::copy(auditable("airlock-auditable-demo"), root.join("agent-tool")).unwrap();
    let database = database(root);
    let (code, report, errors) = scan_json(root, &database, &["agent-tool"]);
    assert_eq!(code, Some(0), "{errors}");
    let components = report["components"].as_array().unwrap();
    let by_purl = |purl: &str| {
        components
            .iter()
            .find(|component| component["purl"] == purl)
            .unwrap_or_else(|| panic!("no {purl} in {components:?}"))
    };
    // The binary is the root, hashed; its packages hang below it.
    let binary = by_purl("pkg:generic/agent-tool");
    assert_eq!(binary["kind"], "application");
    assert_eq!(
        binary["hashes"][0]["value"],
        sha256(&root.join("agent-tool"))
    );
    assert_eq!(by_purl("pkg:cargo/time@0.1.45")["scope"], "required");
    assert_eq!(by_purl("pkg:cargo/libc@0.2.191")["scope"], "required");
    // A build dependency is scoped as Cargo.lock's are.
    assert_eq!(by_purl("pkg:cargo/autocfg@1.4.0")["scope"], "build");
    // The path crate is local: never a registry package.
    by_purl("pkg:cargo/helper@0.2.0?download_url=file:%2F%2Fagent-tool");
    let matched: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| {
            Some((
                finding["advisory"]["id"].as_str()?,
                finding["component"].as_str()?,
            ))
        })
        .collect();
    assert_eq!(matched, [("RUSTSEC-2020-0071", "pkg:cargo/time@0.1.45")]);
    assert_eq!(
        report["files"],
        serde_json::json!([{"path": "agent-tool", "extractor": "cargo/auditable-binary"}])
    );

    // The lockfile it was built from says the same.
    let (_, from_lock, _) = scan_json(
        root,
        &database,
        &[auditable("source/Cargo.lock").to_str().unwrap()],
    );
    let advisories = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|finding| finding["advisory"]["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(advisories(&from_lock), advisories(&report));
}

#[test]
fn a_walk_finds_binaries_by_content_and_says_which_carry_no_list() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let project = root.join("deploy");
    for (fixture, name) in [
        ("tiny-audited.exe", "win/agent.exe"),
        ("demo-universal.macho", "mac/agent"),
        ("tiny", "bin/plain-tool"),
        ("tiny-audited", "lib/libagent.so.1"),
    ] {
        let path = project.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(auditable(fixture), path).unwrap();
    }
    // Named like a binary, but text: left alone.
    std::fs::write(project.join("bin/readme"), "MZ: not a program\n").unwrap();
    let database = database(root);
    let (code, report, errors) = scan_json(root, &database, &["deploy"]);
    assert_eq!(code, Some(0), "{errors}");
    let mut files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    files.sort_unstable();
    assert_eq!(
        files,
        [
            "deploy/bin/plain-tool",
            "deploy/lib/libagent.so.1",
            "deploy/mac/agent",
            "deploy/win/agent.exe"
        ]
    );
    // One finding for the crate, whose evidence names each binary that carries it.
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["advisory"]["id"], "RUSTSEC-2020-0071");
    assert_eq!(
        findings[0]["evidence"],
        serde_json::json!([
            "deploy/lib/libagent.so.1",
            "deploy/mac/agent",
            "deploy/win/agent.exe"
        ])
    );
    // The binary without a list is not clean: it is unknown, and the report says so.
    let diagnostics: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| {
            (
                diagnostic["code"].as_str().unwrap(),
                diagnostic["path"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        diagnostics,
        [("binary-not-audited", "deploy/bin/plain-tool")],
        "{errors}"
    );
    assert!(errors.contains("warning[binary-not-audited]"), "{errors}");
}

#[test]
fn broken_binaries_fail_the_scan_naming_the_file() {
    for (fixture, message) in [
        ("tiny-truncated", "not a readable object file"),
        (
            "tiny-bad-zlib",
            "the `.dep-v0` section is not a zlib stream",
        ),
        (
            "tiny-bad-index",
            "depends on package 7, but the list holds 2 packages",
        ),
    ] {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        std::fs::copy(auditable(fixture), root.join("app")).unwrap();
        let output = run_in(root, &["sbom", "app"]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{fixture}: {}",
            stderr(&output)
        );
        let errors = stderr(&output);
        assert!(
            errors.contains("app: error[parse-error]: ") && errors.contains(message),
            "{fixture}: {errors}"
        );
    }
}

/// A deployed tree holds many binaries without a list (an image's `/usr/bin`). Each is a
/// warning, but the terminal shows the first ten of a code and counts the rest; `-v` and the
/// report keep every one, so nothing unknown is dropped, only folded.
#[test]
fn many_unaudited_binaries_are_counted_on_the_terminal_and_all_kept_in_the_report() {
    let directory = tempfile::tempdir().unwrap();
    let bin = directory.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    for number in 0..14 {
        std::fs::copy(auditable("tiny"), bin.join(format!("tool-{number:02}"))).unwrap();
    }
    let quiet = run_in(
        directory.path(),
        &["sbom", "bin", "-f", "json", "--allow-empty"],
    );
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    let errors = stderr(&quiet);
    assert_eq!(
        errors.matches("warning[binary-not-audited]").count(),
        10,
        "{errors}"
    );
    assert!(
        errors.contains(
            "(4 more binary-not-audited warnings not shown; -v shows them, every report format lists them)"
        ),
        "{errors}"
    );
    let report: serde_json::Value = serde_json::from_slice(&quiet.stdout).unwrap();
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 14);
    let verbose = run_in(
        directory.path(),
        &["sbom", "bin", "-f", "json", "--allow-empty", "-v"],
    );
    let errors = stderr(&verbose);
    assert_eq!(
        errors.matches("warning[binary-not-audited]").count(),
        14,
        "{errors}"
    );
    assert!(!errors.contains("more binary-not-audited"), "{errors}");
}
