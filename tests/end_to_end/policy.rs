//! The operator's policy file end to end: the working directory's `airlock.toml` or the one
//! given with --config, ignores (by alias, with reasons and expiry), rule overrides, fail-on,
//! and every mistake reported at once with its line (exit 2, nothing written to stdout). What a
//! policy file inside the scanned tree may do is in `project_policy.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::path::{Path, PathBuf};

use support::{fixtures, run_in, stderr, stdout};

/// A copy of the advisory test project (arrayref 0.3.10: malicious; time 0.1.43: vulnerable)
/// and a database holding the committed corpus subset.
fn setup() -> (tempfile::TempDir, PathBuf, String) {
    let directory = tempfile::tempdir().unwrap();
    let project = directory.path().join("project");
    std::fs::create_dir(&project).unwrap();
    for name in ["Cargo.lock", "Cargo.toml"] {
        std::fs::copy(
            fixtures().join("advisories/project").join(name),
            project.join(name),
        )
        .unwrap();
    }
    let database = directory.path().join("advisories.sqlite3");
    let database = database.to_str().unwrap().to_owned();
    let corpus = fixtures().join("advisories/corpus");
    let import = run_in(
        directory.path(),
        &["--db", &database, "db", "import", corpus.to_str().unwrap()],
    );
    assert_eq!(import.status.code(), Some(0), "{}", stderr(&import));
    (directory, project, database)
}

fn scan(directory: &Path, database: &str, extra: &[&str]) -> std::process::Output {
    let mut arguments = vec!["--db", database, "scan", "project", "-f", "json"];
    arguments.extend_from_slice(extra);
    run_in(directory, &arguments)
}

fn rules(output: &std::process::Output) -> Vec<(String, String)> {
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn without_a_policy_high_and_critical_fail() {
    let (directory, _, database) = setup();
    let output = scan(directory.path(), &database, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(rules(&output).contains(&("malicious-package".into(), "critical".into())));
    let relaxed = scan(directory.path(), &database, &["--fail-on", "critical"]);
    assert_eq!(
        relaxed.status.code(),
        Some(1),
        "the malicious package is critical"
    );
}

const WAIVERS: &str = r#"fail-on = "critical"

[[ignore]]
id = "MAL-2026-14336"
package = "arrayref"
reason = "the compromised release was audited and rebuilt from source"
expires = 2099-12-31

[[ignore]]
id = "RUSTSEC-2020-0071"
reason = "an old waiver"
expires = 2020-01-01

[rules.known-vulnerability]
severity = "low"
"#;

#[test]
fn ignores_overrides_and_fail_on_come_from_the_working_directorys_policy() {
    let (directory, _, database) = setup();
    // The operator's file: the working directory's own, read whatever is scanned.
    std::fs::write(directory.path().join("airlock.toml"), WAIVERS).unwrap();
    let output = scan(directory.path(), &database, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        rules(&output),
        [("known-vulnerability".to_owned(), "low".to_owned())]
    );
    let messages = stderr(&output);
    assert!(
        messages.contains("(1 ignored by airlock.toml)"),
        "{messages}"
    );
    assert!(
        messages.contains("airlock.toml:9: warning[expired-ignore]: the ignore of `RUSTSEC-2020-0071` expired on 2020-01-01"),
        "{messages}"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["policy"]["operator_files"],
        serde_json::json!(["airlock.toml"])
    );
    assert_eq!(json["policy"]["fail_on"], "critical");
    // The command line wins over the file.
    let strict = scan(directory.path(), &database, &["--fail-on", "low"]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn config_names_the_operators_file_from_anywhere_and_replaces_the_working_directorys() {
    let (directory, _, database) = setup();
    let elsewhere = tempfile::tempdir().unwrap();
    let waivers = elsewhere.path().join("waivers.toml");
    std::fs::write(&waivers, WAIVERS).unwrap();
    // A working-directory file that would fail everything: --config is read instead of it.
    std::fs::write(
        directory.path().join("airlock.toml"),
        "fail-on = \"info\"\n",
    )
    .unwrap();
    let output = run_in(
        directory.path(),
        &[
            "--config",
            waivers.to_str().unwrap(),
            "--db",
            &database,
            "scan",
            "project",
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        rules(&output),
        [("known-vulnerability".to_owned(), "low".to_owned())]
    );
    // The global option goes after the subcommand too.
    let after = scan(
        directory.path(),
        &database,
        &["--config", waivers.to_str().unwrap()],
    );
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    let missing = scan(directory.path(), &database, &["--config", "nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("error: nope.toml: no such file"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_policy_file_above_the_scanned_path_is_nobodys_and_is_not_read() {
    // The old rule walked up from the scanned path; a file there belongs neither to the
    // operator (it is not where they run airlock) nor to the scanned tree.
    let (directory, project, database) = setup();
    let nested = directory.path().join("incoming");
    std::fs::create_dir(&nested).unwrap();
    std::fs::rename(&project, nested.join("project")).unwrap();
    std::fs::write(nested.join("airlock.toml"), WAIVERS).unwrap();
    let output = run_in(
        directory.path(),
        &["--db", &database, "scan", "incoming/project", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(rules(&output).contains(&("malicious-package".into(), "critical".into())));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["policy"]["operator_files"], serde_json::json!([]));
    assert_eq!(json["policy"]["project_files"], serde_json::json!([]));
}

#[test]
fn every_mistake_is_reported_at_once_and_nothing_is_scanned() {
    let (directory, _, database) = setup();
    let config = directory.path().join("strict.toml");
    std::fs::write(
        &config,
        "fail-on = \"severe\"\n[[ignore]]\nid = \"X\"\n[rules.nope]\nseverity = \"low\"\n",
    )
    .unwrap();
    let output = scan(
        directory.path(),
        &database,
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).is_empty(), "no report from a bad policy");
    let messages = stderr(&output);
    for expected in [
        ":1: error[policy-error]: `fail-on` = \"severe\" is not a severity",
        ":2: error[policy-error]: the `[[ignore]]` entry for `X` needs a `reason`",
        ":4: error[policy-error]: unknown rule `nope`",
        "error: strict.toml has 3 problems; nothing was done",
    ] {
        assert!(
            messages.contains(expected),
            "missing `{expected}` in:\n{messages}"
        );
    }
}
