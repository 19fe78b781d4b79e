//! Attacks on the verdict through a policy file planted in the scanned tree. A copy of
//! `examples/agent-stack` (a critical pickle that calls `posix.system`, vulnerable pins, an
//! unpinned MCP server) gets its own `airlock.toml` and is scanned from outside, as an intake
//! gate scans what arrives: the file may only tighten the operator's policy, each entry that
//! would loosen it is a `project-policy-loosening` finding naming its line in every format, and
//! only `--trust-project-policy` applies it fully, saying so in every report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use crate::support::schemas;

use std::path::{Path, PathBuf};

use schemas::{validator, Schema};
use serde_json::Value;
use support::{command_in, copy_tree, repository, run_in, stderr, stdout};

/// A working directory holding `in/`, a copy of the example agent stack.
fn incoming() -> (tempfile::TempDir, PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let tree = directory.path().join("in");
    copy_tree(&repository().join("examples/agent-stack"), &tree);
    (directory, tree)
}

/// `scan in --advisories in/advisories` plus `extra`, run from outside the tree.
fn scan(directory: &Path, extra: &[&str]) -> std::process::Output {
    let mut arguments = vec!["scan", "in", "--advisories", "in/advisories"];
    arguments.extend_from_slice(extra);
    run_in(directory, &arguments)
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(output)))
}

/// (rule, severity, first evidence) of every finding of a JSON report.
fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["severity"].as_str().unwrap().to_owned(),
                finding["evidence"][0]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// The places of the refused entries, in order.
fn refused(report: &Value) -> Vec<String> {
    findings(report)
        .into_iter()
        .filter(|(rule, _, _)| rule == "project-policy-loosening")
        .map(|(_, _, place)| place)
        .collect()
}

const IGNORE_THE_PICKLE: &str = "# accepted by the project\n[[ignore]]\nid = \"dangerous-pickle-import\"\nreason = \"reviewed upstream\"\n";

#[test]
fn a_planted_ignore_does_not_hide_the_critical_pickle() {
    let (directory, tree) = incoming();
    std::fs::write(tree.join("airlock.toml"), IGNORE_THE_PICKLE).unwrap();
    let output = scan(directory.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = stdout(&output);
    // The example has two critical findings (the pickle and a hook that pipes a download into
    // a shell): the pickle's must still be among them.
    let critical = table
        .lines()
        .find(|line| line.starts_with("CRITICAL") && line.contains("dangerous-pickle-import"))
        .unwrap_or_else(|| panic!("no critical row:\n{table}"));
    assert!(critical.contains("dangerous-pickle-import"), "{critical}");
    let loosening = table
        .lines()
        .find(|line| line.contains("project-policy-loosening"))
        .unwrap_or_else(|| panic!("no loosening row:\n{table}"));
    assert!(
        loosening.starts_with("MEDIUM") && loosening.contains("in/airlock.toml:2"),
        "{loosening}"
    );
    assert!(
        loosening.contains(
            "`[[ignore]] id = \"dangerous-pickle-import\"` would accept the findings it matches"
        ),
        "{loosening}"
    );
    assert!(
        table.contains("project policy in/airlock.toml applied only where it tightens (1 loosening entry refused)"),
        "{table}"
    );
    let messages = stderr(&output);
    assert!(!messages.contains("ignored by"), "{messages}");
    assert!(
        messages.contains("14 findings (2 critical, 4 high, 2 unknown (counted as high), 2 medium, 4 low); 1 loosening entry of project policy refused"),
        "{messages}"
    );
}

/// One entry of every kind that would loosen the operator's policy, each on a known line.
const EVERY_LOOSENING: &str = r#"fail-on = "critical"

[[ignore]]
id = "PYSEC-2024-60"
reason = "planted"

[rules.mcp-unpinned-server]
enabled = false

[rules.known-vulnerability]
severity = "low"

[licenses]
allow = ["MIT", "AGPL-3.0-only"]

[models]
allowed-pickle-imports = ["posix.system"]
licenses = { allow = ["cc-by-nc-4.0"] }

[sources]
trusted-registries = ["https://pypi.evil.example/simple"]
trusted-git-hosts = ["github.com/evil"]

[database]
path = "advisories.sqlite3"

[sync]
mirror = "https://osv.evil.example"
"#;

#[test]
fn every_loosening_kind_is_refused_and_reported_with_its_line() {
    let (directory, tree) = incoming();
    // The operator's own policy has a license allow list, so that one in the project naming
    // another license would widen it.
    std::fs::write(
        directory.path().join("airlock.toml"),
        "[licenses]\nallow = [\"MIT\", \"Apache-2.0\", \"BSD-3-Clause\"]\n",
    )
    .unwrap();
    std::fs::write(tree.join("airlock.toml"), EVERY_LOOSENING).unwrap();
    let output = scan(directory.path(), &["-f", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(
        refused(&report),
        [
            "in/airlock.toml:1",
            "in/airlock.toml:3",
            "in/airlock.toml:8",
            "in/airlock.toml:11",
            "in/airlock.toml:14",
            "in/airlock.toml:17",
            "in/airlock.toml:18",
            "in/airlock.toml:21",
            "in/airlock.toml:22",
            "in/airlock.toml:25",
            "in/airlock.toml:28",
        ]
    );
    let all = findings(&report);
    // None of them took effect: the pickle, the ignored advisory, the unpinned server and the
    // vulnerabilities' severities are all still there.
    for expected in [
        ("dangerous-pickle-import", "critical"),
        ("mcp-unpinned-server", "high"),
    ] {
        assert!(
            all.iter()
                .any(|(rule, severity, _)| (rule.as_str(), severity.as_str()) == expected),
            "{expected:?} missing: {all:?}"
        );
    }
    let idna = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["advisory"]["id"] == "PYSEC-2024-60")
        .expect("the planted ignore hid PYSEC-2024-60");
    assert_eq!(idna["severity"], "high", "the lowered severity was refused");
    let policy = &report["policy"];
    assert_eq!(
        policy["operator_files"],
        serde_json::json!(["airlock.toml"])
    );
    assert_eq!(
        policy["project_files"],
        serde_json::json!([{ "path": "in/airlock.toml", "applied": "tighten-only", "refused_entries": 11 }])
    );
    assert_eq!(policy["fail_on"], "high");
    let component = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "airlock.toml")
        .expect("the policy file is a component");
    assert_eq!(component["kind"], "file");
    assert_eq!(
        component["properties"]["airlock:project-policy"],
        "tighten-only"
    );
}

#[test]
fn a_database_redirection_in_the_tree_is_not_followed() {
    // The tree ships an advisory database and points `[database] path` at it; if airlock used
    // it, the scan would run against the attacker's data. It must look where the operator's
    // configuration says (here: nowhere, so the default location, which is empty).
    let (directory, tree) = incoming();
    let planted = run_in(
        directory.path(),
        &[
            "--db",
            tree.join("advisories.sqlite3").to_str().unwrap(),
            "db",
            "import",
            "in/advisories",
        ],
    );
    assert_eq!(planted.status.code(), Some(0), "{}", stderr(&planted));
    std::fs::write(
        tree.join("airlock.toml"),
        "[database]\npath = \"advisories.sqlite3\"\n",
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let output = command_in(directory.path(), &["scan", "in", "-f", "json"])
        .env_remove("AIRLOCK_DB")
        .env("XDG_DATA_HOME", data.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let messages = stderr(&output);
    assert!(
        messages.contains(&format!(
            "no advisory database at {}",
            data.path().join("airlock").display()
        )),
        "{messages}"
    );
    assert_eq!(refused(&json(&output)), ["in/airlock.toml:2"]);
}

#[test]
fn a_project_policy_that_only_tightens_applies() {
    let (directory, tree) = incoming();
    std::fs::write(
        tree.join("airlock.toml"),
        "fail-on = \"medium\"\n[rules.missing-model-provenance]\nseverity = \"high\"\n[models.licenses]\ndeny = [\"apache-2.0\"]\n",
    )
    .unwrap();
    let output = run_in(
        directory.path(),
        &["scan", "in", "--no-vuln-db", "-f", "json"],
    );
    let report = json(&output);
    assert!(refused(&report).is_empty(), "{:?}", findings(&report));
    let all = findings(&report);
    assert!(
        all.iter()
            .filter(|(rule, _, _)| rule == "missing-model-provenance")
            .all(|(_, severity, _)| severity == "high"),
        "{all:?}"
    );
    assert!(
        all.iter().any(|(rule, _, _)| rule == "license-denied"),
        "{all:?}"
    );
    assert_eq!(report["policy"]["fail_on"], "medium");
    assert_eq!(report["policy"]["fail_on_from"], "in/airlock.toml");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn trust_project_policy_applies_it_fully_and_every_report_says_so() {
    let (directory, tree) = incoming();
    std::fs::write(tree.join("airlock.toml"), IGNORE_THE_PICKLE).unwrap();
    let trusted = |format: &str| {
        let output = scan(directory.path(), &["--trust-project-policy", "-f", format]);
        // The vulnerable pins and the unpinned MCP server still fail the default policy.
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        output
    };

    let table = trusted("table");
    let text = stdout(&table);
    assert!(!text.contains("dangerous-pickle-import"), "{text}");
    assert!(
        text.contains(
            "project policy in/airlock.toml TRUSTED (--trust-project-policy): applied in full"
        ),
        "{text}"
    );
    let messages = stderr(&table);
    assert!(
        messages.contains("(1 ignored by in/airlock.toml); project policy in/airlock.toml TRUSTED (--trust-project-policy)"),
        "{messages}"
    );

    let report = json(&trusted("json"));
    assert!(refused(&report).is_empty());
    assert_eq!(report["policy"]["trust_project_policy"], true);
    assert_eq!(report["policy"]["project_files"][0]["applied"], "trusted");

    let bom = json(&trusted("cyclonedx-json"));
    let properties = bom["metadata"]["properties"].as_array().unwrap();
    assert!(
        properties.contains(
            &serde_json::json!({"name": "airlock:policy:trust-project-policy", "value": "true"})
        ),
        "{properties:?}"
    );
    assert!(
        properties.contains(&serde_json::json!({"name": "airlock:policy:project-file", "value": "in/airlock.toml (trusted, 0 refused)"})),
        "{properties:?}"
    );
    let xml = stdout(&trusted("cyclonedx-xml"));
    assert!(xml.contains("airlock:policy:trust-project-policy"), "{xml}");

    let sarif = json(&trusted("sarif"));
    assert_eq!(
        sarif["runs"][0]["properties"]["airlock:policy"]["trust_project_policy"],
        true
    );

    let spdx = json(&trusted("spdx-json"));
    let comment = spdx["creationInfo"]["comment"].as_str().unwrap();
    assert!(
        comment.contains("airlock:policy:trust-project-policy=true"),
        "{comment}"
    );
    let tag_value = stdout(&trusted("spdx-tag-value"));
    assert!(
        tag_value.contains("airlock:policy:trust-project-policy=true"),
        "{tag_value}"
    );

    let html = stdout(&trusted("html"));
    assert!(
        html.contains("project policy in/airlock.toml TRUSTED (--trust-project-policy)"),
        "the HTML banner's text is in the page's data"
    );
}

#[test]
fn the_refused_entry_appears_in_every_format_with_its_line() {
    let (directory, tree) = incoming();
    std::fs::write(tree.join("airlock.toml"), IGNORE_THE_PICKLE).unwrap();
    let run = |format: &str| {
        let output = scan(directory.path(), &["-f", format]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&output)
        );
        output
    };

    let report = json(&run("json"));
    assert_eq!(refused(&report), ["in/airlock.toml:2"]);

    let bom = json(&run("cyclonedx-json"));
    let errors: Vec<String> = validator(Schema::CycloneDx15)
        .iter_errors(&bom)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let file = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "airlock.toml")
        .expect("the policy file is a CycloneDX component");
    assert!(file["properties"].as_array().unwrap().contains(
        &serde_json::json!({"name": "airlock:finding", "value": "project-policy-loosening"})
    ));
    let occurrences: Vec<&str> = file["evidence"]["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|occurrence| occurrence["location"].as_str().unwrap())
        .collect();
    assert!(
        occurrences.contains(&"in/airlock.toml:2"),
        "{occurrences:?}"
    );
    // cyclonedx-bom's XML writer has no evidence occurrences for any component: the rule id
    // and the file are there, the line is in every other format.
    let xml = stdout(&run("cyclonedx-xml"));
    assert!(
        xml.contains("<property name=\"airlock:finding\">project-policy-loosening</property>")
            && xml.contains("<property name=\"airlock:source-path\">in/airlock.toml</property>"),
        "{xml}"
    );

    let sarif = json(&run("sarif"));
    let errors: Vec<String> = validator(Schema::Sarif210)
        .iter_errors(&sarif)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| result["ruleId"] == "project-policy-loosening")
        .expect("a SARIF result");
    let place = &result["locations"][0]["physicalLocation"];
    assert_eq!(place["artifactLocation"]["uri"], "in/airlock.toml");
    assert_eq!(place["region"]["startLine"], 2);

    let spdx = json(&run("spdx-json"));
    let errors: Vec<String> = validator(Schema::Spdx23)
        .iter_errors(&spdx)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let annotations: Vec<&str> = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|package| package["name"] == "airlock.toml")
        .flat_map(|package| package["annotations"].as_array().unwrap())
        .map(|annotation| annotation["comment"].as_str().unwrap())
        .collect();
    assert_eq!(annotations.len(), 1, "{annotations:?}");
    assert!(
        annotations[0].starts_with("airlock finding project-policy-loosening (medium): `[[ignore]] id = \"dangerous-pickle-import\"`")
            && annotations[0].ends_with("[found at in/airlock.toml:2]"),
        "{}",
        annotations[0]
    );
    let tag_value = stdout(&run("spdx-tag-value"));
    assert!(
        tag_value
            .contains("AnnotationComment: <text>airlock finding project-policy-loosening (medium)"),
        "{tag_value}"
    );
    let parsed = spdx_rs::parsers::spdx_from_tag_value(&tag_value).expect("tag-value parses");
    assert!(parsed
        .annotations
        .iter()
        .any(|annotation| annotation.annotation_comment.contains("in/airlock.toml:2")));

    let html = stdout(&run("html"));
    assert!(
        html.contains("project-policy-loosening") && html.contains("in/airlock.toml:2"),
        "the page's data holds the refused entry"
    );
}

#[test]
fn a_broken_project_policy_is_reported_with_its_line_and_the_scan_fails_closed() {
    let (directory, tree) = incoming();
    std::fs::write(
        tree.join("airlock.toml"),
        "fail-on = \"low\"\n[rules.dangerous-pickle-import]\nenabled = \"no\"\n",
    )
    .unwrap();
    let output = scan(directory.path(), &["-f", "json"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let messages = stderr(&output);
    assert!(
        messages
            .contains("in/airlock.toml:3: error[policy-error]: `enabled` must be true or false"),
        "{messages}"
    );
    // The rest is still reported, judged by the operator's policy alone.
    let report = json(&output);
    assert!(findings(&report)
        .iter()
        .any(|(rule, severity, _)| rule == "dangerous-pickle-import" && severity == "critical"));
    assert!(report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|diagnostic| diagnostic["code"] == "policy-error"
            && diagnostic["severity"] == "error"
            && diagnostic["path"] == "in/airlock.toml"
            && diagnostic["line"] == 3));
}

#[test]
fn only_the_file_at_the_top_of_a_scanned_directory_is_project_policy() {
    let (directory, tree) = incoming();
    // Deeper in the tree: not read at all (neither applied nor reported).
    std::fs::write(tree.join("models/airlock.toml"), IGNORE_THE_PICKLE).unwrap();
    let output = scan(directory.path(), &["-f", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    assert!(refused(&report).is_empty());
    assert_eq!(report["policy"]["project_files"], serde_json::json!([]));
    assert!(findings(&report)
        .iter()
        .any(|(rule, _, _)| rule == "dangerous-pickle-import"));
    // Scanning that directory itself makes it the top: project policy, refused.
    let output = run_in(
        directory.path(),
        &["scan", "in/models", "--no-vuln-db", "-f", "json"],
    );
    assert_eq!(refused(&json(&output)), ["in/models/airlock.toml:2"]);
}

#[test]
fn the_working_directorys_file_is_the_operators_unless_config_names_another() {
    let (_directory, tree) = incoming();
    std::fs::write(tree.join("airlock.toml"), IGNORE_THE_PICKLE).unwrap();
    // `cd in && airlock scan .`: the developer's own file, applied in full.
    let own = run_in(
        &tree,
        &["scan", ".", "--advisories", "advisories", "-f", "json"],
    );
    let report = json(&own);
    assert!(refused(&report).is_empty());
    assert!(!findings(&report)
        .iter()
        .any(|(rule, _, _)| rule == "dangerous-pickle-import"));
    assert_eq!(
        report["policy"]["operator_files"],
        serde_json::json!(["airlock.toml"])
    );
    // With --config the operator's file is another one, and the tree's is the project's.
    let operator = tempfile::tempdir().unwrap();
    let config = operator.path().join("gate.toml");
    std::fs::write(&config, "fail-on = \"high\"\n").unwrap();
    let gate = run_in(
        &tree,
        &[
            "--config",
            config.to_str().unwrap(),
            "scan",
            ".",
            "--advisories",
            "advisories",
            "-f",
            "json",
        ],
    );
    assert_eq!(gate.status.code(), Some(1), "{}", stderr(&gate));
    let report = json(&gate);
    assert_eq!(refused(&report), ["airlock.toml:2"]);
    assert!(findings(&report)
        .iter()
        .any(|(rule, severity, _)| rule == "dangerous-pickle-import" && severity == "critical"));
}

#[test]
fn attest_signs_what_scan_reports_refused_entries_included() {
    let (directory, tree) = incoming();
    std::fs::write(tree.join("airlock.toml"), IGNORE_THE_PICKLE).unwrap();
    let keygen = run_in(directory.path(), &["keygen", "release"]);
    assert_eq!(keygen.status.code(), Some(0), "{}", stderr(&keygen));
    let output = run_in(
        directory.path(),
        &["attest", "in", "--key", "release.key", "--no-vuln-db"],
    );
    // The ignore is refused, so the critical pickle fails `attest` as it fails `scan`; the
    // statement is signed all the same and records it.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("at or above high (recorded in the attestation"),
        "{}",
        stderr(&output)
    );
    let envelope = json(&output);
    let payload = base64_decode(envelope["payload"].as_str().unwrap());
    let statement: Value = serde_json::from_slice(&payload).unwrap();
    let predicate = &statement["predicate"];
    let file = predicate["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "airlock.toml")
        .expect("the policy file is in the signed SBOM");
    let properties = file["properties"].as_array().unwrap();
    assert!(properties.contains(
        &serde_json::json!({"name": "airlock:finding", "value": "project-policy-loosening"})
    ));
    let pickle = predicate["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "reranker.pkl")
        .unwrap();
    assert!(pickle["properties"].as_array().unwrap().contains(
        &serde_json::json!({"name": "airlock:finding", "value": "dangerous-pickle-import"})
    ));
    assert!(predicate["metadata"]["properties"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({"name": "airlock:policy:project-file", "value": "in/airlock.toml (tighten-only, 1 refused)"})));
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_project_policy_that_cannot_be_read_fails_closed_and_is_not_followed() {
    let (directory, tree) = incoming();
    // A link to a file outside the tree (it could be one of the operator's): not followed.
    let outside = directory.path().join("elsewhere.toml");
    std::fs::write(&outside, IGNORE_THE_PICKLE).unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("airlock.toml")).unwrap();
    let output = scan(directory.path(), &["-f", "json"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "in/airlock.toml: error[policy-error]: cannot read the project policy: a link out of the scanned tree is not followed"
        ),
        "{}",
        stderr(&output)
    );
    let report = json(&output);
    assert!(refused(&report).is_empty());
    assert!(findings(&report)
        .iter()
        .any(|(rule, severity, _)| rule == "dangerous-pickle-import" && severity == "critical"));

    // A FIFO named airlock.toml: reading it would block forever.
    std::fs::remove_file(tree.join("airlock.toml")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(tree.join("airlock.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    let output = scan(directory.path(), &["-f", "json"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("in/airlock.toml: error[policy-error]: cannot read the project policy: not a regular file"),
        "{}",
        stderr(&output)
    );
}
