//! The policy file end to end: found above the scanned path or given with --config, ignores
//! (by alias, with reasons and expiry), rule overrides, fail-on, and every mistake reported at
//! once with its line (exit 2, nothing written to stdout).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

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

#[test]
fn ignores_overrides_and_fail_on_come_from_the_nearest_policy() {
    let (directory, project, database) = setup();
    // Found by walking up from the scanned path, not from the working directory.
    std::fs::write(
        project.join("airlock.toml"),
        r#"fail-on = "critical"

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
"#,
    )
    .unwrap();
    let output = scan(directory.path(), &database, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        rules(&output),
        [("known-vulnerability".to_owned(), "low".to_owned())]
    );
    let messages = stderr(&output);
    assert!(
        messages.contains("(1 ignored by project/airlock.toml)"),
        "{messages}"
    );
    assert!(
        messages.contains("project/airlock.toml:9: warning[expired-ignore]: the ignore of `RUSTSEC-2020-0071` expired on 2020-01-01"),
        "{messages}"
    );
    // The command line wins over the file.
    let strict = scan(directory.path(), &database, &["--fail-on", "low"]);
    assert_eq!(strict.status.code(), Some(1));
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
        "has 3 problems; nothing was scanned",
    ] {
        assert!(
            messages.contains(expected),
            "missing `{expected}` in:\n{messages}"
        );
    }
}
