//! VEX out and in (issue 19): `scan -f openvex` and `-f cyclonedx-vex` state each advisory
//! finding and each ignore; `--vex FILE` (OpenVEX or CycloneDX VEX) sets covered findings aside
//! like an ignore, warns about statements that match nothing or match with other purl
//! qualifiers; a VEX document inside the scanned tree is never applied.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use crate::support::schemas;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{copy_tree, repository, run_in, stderr, stdout};

/// A database with the example's advisories.
fn database(directory: &Path) -> PathBuf {
    let path = directory.join("advisories.sqlite3");
    let output = run_in(
        &repository(),
        &[
            "--db",
            path.to_str().unwrap(),
            "db",
            "import",
            "examples/agent-stack/advisories",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    path
}

fn scan(database: &Path, path: &Path, extra: &[&str]) -> std::process::Output {
    let mut arguments = vec![
        "--db",
        database.to_str().unwrap(),
        "scan",
        path.to_str().unwrap(),
        "--fail-on",
        "none",
    ];
    arguments.extend_from_slice(extra);
    run_in(&repository(), &arguments)
}

fn vulnerable(report: &Value) -> Vec<String> {
    let mut list: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "known-vulnerability")
        .map(|finding| finding["component"].as_str().unwrap_or_default().to_owned())
        .collect();
    list.sort();
    list
}

#[test]
fn findings_and_ignores_become_vex_statements() {
    let temporary = tempfile::tempdir().unwrap();
    let database = database(temporary.path());
    let example = repository().join("examples/agent-stack");
    let output = scan(&database, &example, &["-f", "openvex", "-q"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["@context"], "https://openvex.dev/ns/v0.2.0");
    let statements = document["statements"].as_array().unwrap();
    let jinja = statements
        .iter()
        .find(|statement| statement["vulnerability"]["name"] == "PYSEC-2021-66")
        .unwrap();
    assert_eq!(jinja["status"], "affected");
    assert_eq!(jinja["products"][0]["@id"], "pkg:pypi/jinja2@2.11.2");
    assert_eq!(jinja["action_statement"], "Upgrade jinja2 to 2.11.3.");

    let output = scan(&database, &example, &["-f", "cyclonedx-vex", "-q"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let bom: Value = serde_json::from_slice(&output.stdout).unwrap();
    schemas::assert_valid(
        &schemas::validator(schemas::Schema::CycloneDx16),
        &bom,
        "cyclonedx-vex",
    );
    let vulnerability = bom["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|vulnerability| vulnerability["id"] == "PYSEC-2021-66")
        .unwrap();
    assert_eq!(vulnerability["analysis"]["state"], "exploitable");
    assert_eq!(vulnerability["affects"][0]["ref"], "pkg:pypi/jinja2@2.11.2");

    // `sbom` has no findings: a VEX format is an error there, not an empty document.
    let output = run_in(
        &repository(),
        &["sbom", example.to_str().unwrap(), "-f", "openvex"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("airlock scan"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn operator_vex_is_applied_like_an_ignore_and_round_trips() {
    let temporary = tempfile::tempdir().unwrap();
    let database = database(temporary.path());
    let example = repository().join("examples/agent-stack");
    let before: Value =
        serde_json::from_slice(&scan(&database, &example, &["-f", "json", "-q"]).stdout).unwrap();
    assert!(vulnerable(&before)
        .iter()
        .any(|name| name.contains("jinja2")));

    let vex = temporary.path().join("operator.openvex.json");
    std::fs::write(
        &vex,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.test/vex/1",
            "author": "operator", "timestamp": "2023-11-14T22:13:20Z", "version": 1,
            "statements": [
              {"vulnerability": {"name": "CVE-2020-28493"},
               "products": [{"@id": "pkg:pypi/jinja2@2.11.2"}],
               "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
              {"vulnerability": {"name": "PYSEC-2023-74"},
               "products": [{"@id": "pkg:pypi/requests@2.30.0?repository_url=https://mirror.test"}],
               "status": "affected", "action_statement": "upgrade"},
              {"vulnerability": {"name": "CVE-1999-0001"},
               "products": [{"@id": "pkg:pypi/nothing@1.0"}], "status": "not_affected",
               "justification": "component_not_present"}
            ]}"#,
    )
    .unwrap();
    let output = scan(
        &database,
        &example,
        &["-f", "json", "--vex", vex.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let after: Value = serde_json::from_slice(&output.stdout).unwrap();
    let remaining = vulnerable(&after);
    assert!(
        !remaining.iter().any(|name| name.contains("jinja2")),
        "{remaining:?}"
    );
    assert_eq!(remaining.len() + 1, vulnerable(&before).len());
    let warnings = stderr(&output);
    assert!(
        warnings.contains("CVE-1999-0001") && warnings.contains("matches no finding"),
        "{warnings}"
    );
    assert!(warnings.contains("other purl qualifiers"), "{warnings}");

    // The set-aside finding is stated as not affected, with the statement as the reason, and
    // that document applied again takes out the same finding.
    let output = scan(
        &database,
        &example,
        &["-f", "openvex", "-q", "--vex", vex.to_str().unwrap()],
    );
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let jinja = document["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|statement| statement["products"][0]["@id"] == "pkg:pypi/jinja2@2.11.2")
        .unwrap();
    assert_eq!(jinja["status"], "not_affected");
    assert!(jinja["impact_statement"]
        .as_str()
        .unwrap()
        .contains("vulnerable_code_not_in_execute_path"));
    let written = temporary.path().join("written.openvex.json");
    std::fs::write(&written, &output.stdout).unwrap();
    let again: Value = serde_json::from_slice(
        &scan(
            &database,
            &example,
            &["-f", "json", "-q", "--vex", written.to_str().unwrap()],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(vulnerable(&again), remaining);
}

/// A VEX document in the scanned tree is the scanned project's word, not the operator's: it
/// never takes a finding out.
#[test]
fn vex_documents_inside_the_scanned_tree_are_not_applied() {
    let temporary = tempfile::tempdir().unwrap();
    let database = database(temporary.path());
    let tree = temporary.path().join("agent-stack");
    copy_tree(&repository().join("examples/agent-stack"), &tree);
    let before = vulnerable(
        &serde_json::from_slice(&scan(&database, &tree, &["-f", "json", "-q"]).stdout).unwrap(),
    );
    std::fs::write(
        tree.join("vex.openvex.json"),
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
            {"vulnerability": {"name": "PYSEC-2021-66"},
             "products": [{"@id": "pkg:pypi/jinja2@2.11.2"}], "status": "not_affected",
             "justification": "component_not_present"}]}"#,
    )
    .unwrap();
    std::fs::write(
        tree.join("vex.cdx.json"),
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "components": [{"type": "library", "name": "jinja2", "version": "2.11.2",
              "bom-ref": "j", "purl": "pkg:pypi/jinja2@2.11.2"}],
            "vulnerabilities": [{"id": "PYSEC-2021-66", "analysis": {"state": "not_affected",
              "justification": "code_not_reachable"}, "affects": [{"ref": "j"}]}]}"#,
    )
    .unwrap();
    let after = vulnerable(
        &serde_json::from_slice(&scan(&database, &tree, &["-f", "json", "-q"]).stdout).unwrap(),
    );
    assert_eq!(after, before);
    assert!(after.iter().any(|name| name.contains("jinja2")));
}
