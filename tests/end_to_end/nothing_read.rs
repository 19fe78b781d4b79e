//! A run that read nothing checked nothing, and must not end as clean: an empty directory, a
//! lockfile whose name is mistyped, a directory holding only a README, a path that does not
//! exist. `scan`, `sbom`, `attest`, `diff` and `verify` exit 2 naming the path, write no
//! report, and accept it only with `--allow-empty`, whose report then says nothing was read
//! (never "No findings.").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use support::{fixtures, run_in, stderr, stdout};

/// A working directory with `empty/`, `typo/requirments.txt` (no extractor reads that name),
/// `readme-only/README.md` and `good/requirements.txt`.
fn trees() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    std::fs::create_dir(root.join("empty")).unwrap();
    std::fs::create_dir(root.join("typo")).unwrap();
    std::fs::write(root.join("typo/requirments.txt"), "requests==2.30.0\n").unwrap();
    std::fs::create_dir(root.join("readme-only")).unwrap();
    std::fs::write(root.join("readme-only/README.md"), "# Notes\n").unwrap();
    std::fs::create_dir(root.join("good")).unwrap();
    std::fs::write(root.join("good/requirements.txt"), "requests==2.30.0\n").unwrap();
    directory
}

fn refused(output: &std::process::Output, path: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(
        stderr(output).contains(&format!("error: nothing airlock reads under {path}:")),
        "{}",
        stderr(output)
    );
    assert!(output.stdout.is_empty(), "no report: {}", stdout(output));
}

#[test]
fn an_empty_tree_is_not_clean() {
    let directory = trees();
    for path in ["empty", "typo", "readme-only", "typo/requirments.txt"] {
        refused(
            &run_in(directory.path(), &["scan", path, "--no-vuln-db"]),
            path,
        );
        refused(&run_in(directory.path(), &["sbom", path]), path);
    }
    // With a report file asked for, nothing is written either.
    let output = run_in(
        directory.path(),
        &[
            "scan",
            "empty",
            "--no-vuln-db",
            "-f",
            "json",
            "-o",
            "report.json",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(!directory.path().join("report.json").exists());
}

#[test]
fn allow_empty_accepts_it_and_the_report_says_nothing_was_read() {
    let directory = trees();
    let output = run_in(
        directory.path(),
        &["scan", "empty", "--no-vuln-db", "--allow-empty"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(!table.contains("No findings."), "{table}");
    assert!(
        table.contains(
            "Nothing was read: no file under empty is one airlock reads, so nothing was checked."
        ),
        "{table}"
    );
    assert!(
        stderr(&output).contains("from 0 files; nothing was read, so nothing was checked"),
        "{}",
        stderr(&output)
    );
    let json = run_in(
        directory.path(),
        &[
            "scan",
            "empty",
            "--no-vuln-db",
            "--allow-empty",
            "-f",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["files"], serde_json::json!([]));
    let html = stdout(&run_in(
        directory.path(),
        &[
            "scan",
            "empty",
            "--no-vuln-db",
            "--allow-empty",
            "-f",
            "html",
        ],
    ));
    assert!(html.contains("Nothing was read: no file here is one airlock reads"));
    let sbom = run_in(directory.path(), &["sbom", "empty", "--allow-empty"]);
    assert_eq!(sbom.status.code(), Some(0), "{}", stderr(&sbom));
}

#[test]
fn one_path_that_reads_nothing_fails_a_run_over_several() {
    let directory = trees();
    let output = run_in(
        directory.path(),
        &["scan", "good", "typo", "--no-vuln-db", "-f", "json"],
    );
    refused(&output, "typo");
    assert!(
        !stderr(&output).contains("under good"),
        "{}",
        stderr(&output)
    );
    let both = run_in(
        directory.path(),
        &["scan", "good", "--no-vuln-db", "-f", "json"],
    );
    assert_ne!(both.status.code(), Some(2), "{}", stderr(&both));
}

#[test]
fn a_path_that_does_not_exist_is_an_error_naming_it() {
    let directory = trees();
    for command in ["scan", "sbom"] {
        let mut arguments = vec![command, "good", "good/requirement.txt"];
        if command == "scan" {
            arguments.push("--no-vuln-db");
        }
        let output = run_in(directory.path(), &arguments);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("good/requirement.txt: no such file or directory"),
            "{}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty());
        // --allow-empty is about paths that exist.
        arguments.push("--allow-empty");
        let output = run_in(directory.path(), &arguments);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    }
}

#[test]
fn attest_signs_nothing_of_nothing() {
    let directory = trees();
    let keygen = run_in(directory.path(), &["keygen", "release"]);
    assert_eq!(keygen.status.code(), Some(0), "{}", stderr(&keygen));
    let output = run_in(
        directory.path(),
        &[
            "attest",
            "empty",
            "--key",
            "release.key",
            "--no-vuln-db",
            "-o",
            "empty.intoto.json",
        ],
    );
    refused(&output, "empty");
    assert!(!directory.path().join("empty.intoto.json").exists());
    // An empty attestation written on purpose, and its verification, need the option on both
    // sides.
    let output = run_in(
        directory.path(),
        &[
            "attest",
            "empty",
            "--key",
            "release.key",
            "--no-vuln-db",
            "--allow-empty",
            "-o",
            "empty.intoto.json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let verify = |extra: &[&str]| {
        let mut arguments = vec![
            "verify",
            "--attestation",
            "empty.intoto.json",
            "--key",
            "release.pub",
            "--no-vuln-db",
            "empty",
        ];
        arguments.extend_from_slice(extra);
        run_in(directory.path(), &arguments)
    };
    refused(&verify(&[]), "empty");
    let allowed = verify(&["--allow-empty"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
}

#[test]
fn diff_refuses_a_side_that_reads_nothing() {
    let directory = trees();
    let project = fixtures().join("advisories/project");
    let project = project.to_str().unwrap();
    let output = run_in(
        directory.path(),
        &["diff", "empty", project, "--no-vuln-db"],
    );
    refused(&output, "empty");
    let output = run_in(directory.path(), &["diff", project, "typo", "--no-vuln-db"]);
    refused(&output, "typo");
    // A first intake against an empty baseline, on purpose.
    let output = run_in(
        directory.path(),
        &[
            "diff",
            "empty",
            project,
            "--allow-empty",
            "--no-vuln-db",
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diff: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!diff["added"].as_array().unwrap().is_empty());
}
