//! Unknown stays unknown (issue 17, item 8): an advisory without a usable rating used to be
//! shown as HIGH with nothing saying the level was assumed. Now it is `unknown` in every
//! format, the policy's `unknown-severity` decides what it counts as for `--fail-on` (high by
//! default, stated in the summary), and `--fail-on none` reports without failing. The fixture
//! (tests/fixtures/unknown-severity) has three unrated advisories (no severity, a vector that
//! does not parse, CVSS v2 only) and two rated ones (a database label, a CVSS v3.1 vector).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use crate::support::schemas;

use std::path::PathBuf;
use std::process::Output;

use schemas::{validator, Schema};
use serde_json::Value;
use support::{fixtures, run_in, stderr, stdout};

const UNRATED: [&str; 3] = ["PYSEC-0000-1", "PYSEC-0000-2", "PYSEC-0000-3"];

fn fixture() -> PathBuf {
    fixtures().join("unknown-severity")
}

/// `airlock scan project --advisories advisories` in the fixture, plus `arguments`.
fn scan(arguments: &[&str]) -> Output {
    let mut all = vec!["scan", "project", "--advisories", "advisories"];
    all.extend_from_slice(arguments);
    run_in(&fixture(), &all)
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}\n{}", stdout(output), stderr(output)))
}

#[test]
fn an_unrated_advisory_is_unknown_and_counts_as_high_by_default() {
    let output = scan(&[]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "unknown counts as high, the default --fail-on: {}",
        stderr(&output)
    );
    let table = stdout(&output);
    for id in UNRATED {
        let row = table.lines().find(|line| line.contains(id)).unwrap();
        assert!(
            row.starts_with("UNKNOWN"),
            "{id} is not shown as a level it never had: {row}"
        );
    }
    assert!(!table.contains("HIGH"), "nothing is rated high: {table}");
    let delta = table
        .lines()
        .find(|line| line.contains("PYSEC-0000-5"))
        .unwrap();
    assert!(delta.starts_with("MEDIUM"), "{delta}");
    let gamma = table
        .lines()
        .find(|line| line.contains("GHSA-0000-0000-0004"))
        .unwrap();
    assert!(gamma.starts_with("LOW"), "the database's label: {gamma}");
    assert!(
        table.contains("5 findings: 3 unknown (counted as high), 1 medium, 1 low."),
        "{table}"
    );
    assert!(
        stderr(&output).contains("5 findings (3 unknown (counted as high), 1 medium, 1 low)"),
        "the summary line says what unknown counted as: {}",
        stderr(&output)
    );
}

#[test]
fn every_format_says_unknown() {
    // JSON: `unknown`, with what it counted as; rated findings carry no `counted_as`.
    let report = json(&scan(&["-f", "json"]));
    for finding in report["findings"].as_array().unwrap() {
        let id = finding["advisory"]["id"].as_str().unwrap();
        if UNRATED.contains(&id) {
            assert_eq!(finding["severity"], "unknown", "{id}");
            assert_eq!(finding["counted_as"], "high", "{id}");
        } else {
            assert!(finding.get("counted_as").is_none(), "{id}");
        }
    }

    // CycloneDX: a rating `severity: unknown`, never a guessed level; schema-valid.
    let bom = json(&scan(&["-f", "cyclonedx-json"]));
    let errors: Vec<String> = validator(Schema::CycloneDx15)
        .iter_errors(&bom)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    for vulnerability in bom["vulnerabilities"].as_array().unwrap() {
        let id = vulnerability["id"].as_str().unwrap();
        let severities: Vec<&str> = vulnerability["ratings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rating| rating["severity"].as_str().unwrap())
            .collect();
        let expected = match id {
            "GHSA-0000-0000-0004" => "low",
            "PYSEC-0000-5" => "medium",
            _ => "unknown",
        };
        assert_eq!(severities, [expected], "{id}");
    }

    // SARIF: the level of what it counts as, and properties that say it was unknown.
    let log = json(&scan(&["-f", "sarif"]));
    let errors: Vec<String> = validator(Schema::Sarif210)
        .iter_errors(&log)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    for result in log["runs"][0]["results"].as_array().unwrap() {
        let id = result["properties"]["advisory"].as_str().unwrap();
        if UNRATED.contains(&id) {
            assert_eq!(result["level"], "error", "{id}");
            assert_eq!(result["properties"]["severity"], "unknown", "{id}");
            assert_eq!(result["properties"]["severity-counted-as"], "high", "{id}");
        } else {
            assert!(result["properties"].get("severity-counted-as").is_none());
        }
    }

    // HTML: the embedded report says unknown, and the page has a badge for it.
    let page = stdout(&scan(&["-f", "html"]));
    assert!(
        page.contains(r#""severity": "unknown""#),
        "the embedded data"
    );
    assert!(page.contains(r#""counted_as": "high""#));
    assert!(page.contains(".sev-unknown"), "the badge's style");

    // SPDX carries no findings: the document is written and says nothing of a level.
    let spdx = scan(&["-f", "spdx-json"]);
    assert_eq!(spdx.status.code(), Some(1), "{}", stderr(&spdx));
    assert!(!stdout(&spdx).contains("\"high\""));
}

#[test]
fn the_policy_decides_what_unknown_counts_as() {
    let temporary = tempfile::tempdir().unwrap();
    let policy = |text: &str| {
        let path = temporary.path().join("airlock.toml");
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };

    // Looser: unknown counts as low; nothing reaches high.
    let lenient = policy("unknown-severity = \"low\"\n");
    let output = scan(&["--config", &lenient]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("5 findings: 1 medium, 1 low, 3 unknown (counted as low)."),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("3 unknown (counted as low)"),
        "{}",
        stderr(&output)
    );
    let report = json(&scan(&["--config", &lenient, "-f", "json"]));
    assert_eq!(report["findings"][2]["counted_as"], "low");

    // Stricter: unknown counts as critical and fails --fail-on critical.
    let strict = policy("unknown-severity = \"critical\"\n");
    let output = scan(&["--config", &strict, "--fail-on", "critical"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let output = scan(&["--fail-on", "critical"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "by default unknown is high, below critical: {}",
        stderr(&output)
    );

    // `unknown` cannot count as itself; the mistake is named with its line.
    let broken = policy("fail-on = \"high\"\nunknown-severity = \"unknown\"\n");
    let output = scan(&["--config", &broken]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "airlock.toml:2: error[policy-error]: `unknown-severity` = \"unknown\" is not a severity"
        ),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty(), "nothing was scanned");
}

#[test]
fn fail_on_none_reports_without_failing() {
    let output = scan(&["--fail-on", "none"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("PYSEC-0000-1"));
    assert!(stderr(&output).contains("5 findings"));
    // `unknown` is not a threshold.
    let output = scan(&["--fail-on", "unknown"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid value 'unknown'"),
        "{}",
        stderr(&output)
    );
}

/// A policy file inside the scanned tree is project policy: it may make unknown count for more
/// (tighter), never for less. A lower `unknown-severity` is refused and reported with its line,
/// and unknown still counts as the operator's level.
#[test]
fn a_project_policy_may_raise_unknown_severity_but_not_lower_it() {
    let temporary = tempfile::tempdir().unwrap();
    support::copy_tree(&fixture(), temporary.path());
    let planted = temporary.path().join("project/airlock.toml");
    let scan_copy = |arguments: &[&str]| {
        let mut all = vec!["scan", "project", "--advisories", "advisories"];
        all.extend_from_slice(arguments);
        run_in(temporary.path(), &all)
    };

    // Looser: refused; unknown still counts as high and fails the default gate.
    std::fs::write(
        &planted,
        "# shipped with the project\nunknown-severity = \"low\"\n",
    )
    .unwrap();
    let output = scan_copy(&[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("3 unknown (counted as high)"), "{table}");
    let loosening = table
        .lines()
        .find(|line| line.contains("project-policy-loosening"))
        .unwrap_or_else(|| panic!("no loosening row:\n{table}"));
    assert!(
        loosening.contains("project/airlock.toml:2")
            && loosening.contains(
                "`unknown-severity = \"low\"` would count an advisory without a rating as low, not high"
            ),
        "{loosening}"
    );
    let report = json(&scan_copy(&["-f", "json"]));
    let counted: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["severity"] == "unknown")
        .map(|finding| finding["counted_as"].as_str().unwrap())
        .collect();
    assert_eq!(counted, ["high", "high", "high"]);

    // Tighter: applied; unknown counts as critical and fails --fail-on critical, which the
    // default would pass.
    std::fs::write(&planted, "unknown-severity = \"critical\"\n").unwrap();
    let output = scan_copy(&["--fail-on", "critical"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("3 unknown (counted as critical)"), "{table}");
    assert!(!table.contains("project-policy-loosening"), "{table}");
}
