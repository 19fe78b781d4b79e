//! Pinned tool declarations, end to end (issue 22, item 4): `airlock tools pin` writes
//! `airlock-tools.lock`; one character changed in one tool description makes `scan
//! --tools-lock` fail naming the server and the tool, and restoring it passes; a pinned server
//! whose declarations are gone is unknown, not clean; a lock inside the scanned tree is never
//! read; a signed lock is checked with `--pin-key`, and an altered one stops the run.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::path::Path;

use serde_json::Value;
use support::{copy_tree, fixtures, run_in, stderr, stdout};

/// A copy of `fixtures/agent-flows/pinned` in a fresh directory, with the lock path beside it
/// (outside the scanned tree).
fn workspace() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    copy_tree(
        &fixtures().join("agent-flows/pinned"),
        &directory.path().join("agent"),
    );
    directory
}

fn scan_with_lock(directory: &Path, extra: &[&str]) -> (Value, Option<i32>, String) {
    let mut arguments = vec![
        "scan",
        "agent",
        "--no-vuln-db",
        "-f",
        "json",
        "--tools-lock",
        "reviewed/airlock-tools.lock",
    ];
    arguments.extend_from_slice(extra);
    let output = run_in(directory, &arguments);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
    (report, output.status.code(), stderr(&output))
}

fn pin_findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| {
            finding["rule"]
                .as_str()
                .is_some_and(|rule| rule.starts_with("tool-pin-"))
        })
        .collect()
}

fn pin(directory: &Path, extra: &[&str]) {
    std::fs::create_dir_all(directory.join("reviewed")).unwrap();
    let mut arguments = vec!["tools", "pin", "agent", "-o", "reviewed/airlock-tools.lock"];
    arguments.extend_from_slice(extra);
    let output = run_in(directory, &arguments);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(" to reviewed/airlock-tools.lock"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_changed_description_fails_and_restoring_it_passes() {
    let directory = workspace();
    let root = directory.path();
    std::fs::create_dir_all(root.join("reviewed")).unwrap();
    let output = run_in(
        root,
        &["tools", "pin", "agent", "-o", "reviewed/airlock-tools.lock"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("pinned 1 tool of 1 server to reviewed/airlock-tools.lock"),
        "{}",
        stderr(&output)
    );
    let lock = std::fs::read_to_string(root.join("reviewed/airlock-tools.lock")).unwrap();
    assert!(lock.contains("version = 1\n"), "{lock}");
    assert!(
        lock.contains("[[tool]]\nserver = \"mailer\"\ntool = \"send_email\"\nsha256 = \""),
        "{lock}"
    );

    // As pinned: clean.
    let (report, code, _) = scan_with_lock(root, &[]);
    assert!(pin_findings(&report).is_empty(), "{report:#}");
    assert_eq!(code, Some(0), "{report:#}");

    // One character of one description changed: the rug pull.
    let tools = root.join("agent/mailer.tools.json");
    let original = std::fs::read_to_string(&tools).unwrap();
    let changed = original.replace("to one address.", "to one address!");
    assert_ne!(changed, original);
    std::fs::write(&tools, &changed).unwrap();
    let (report, code, _) = scan_with_lock(root, &[]);
    let found = pin_findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["rule"], "tool-pin-changed");
    assert_eq!(found[0]["severity"], "high");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("tool `send_email` of MCP server `mailer` changed since the pin"),
        "{message}"
    );
    assert_eq!(found[0]["evidence"][0], "agent/mailer.tools.json:3");
    assert_eq!(code, Some(1), "the gate fails");
    // The table names them too.
    let table = run_in(
        root,
        &[
            "scan",
            "agent",
            "--no-vuln-db",
            "--tools-lock",
            "reviewed/airlock-tools.lock",
        ],
    );
    assert!(
        stdout(&table).contains("tool-pin-changed"),
        "{}",
        stdout(&table)
    );

    // A lock inside the scanned tree that pins the changed declaration is not read: only the
    // operator's counts.
    let inside = run_in(
        root,
        &["tools", "pin", "agent", "-o", "agent/airlock-tools.lock"],
    );
    assert_eq!(inside.status.code(), Some(0), "{}", stderr(&inside));
    let (report, code, _) = scan_with_lock(root, &[]);
    assert_eq!(pin_findings(&report).len(), 1, "{report:#}");
    assert_eq!(code, Some(1));
    std::fs::remove_file(root.join("agent/airlock-tools.lock")).unwrap();

    // Restored: clean again.
    std::fs::write(&tools, &original).unwrap();
    let (report, code, _) = scan_with_lock(root, &[]);
    assert!(pin_findings(&report).is_empty(), "{report:#}");
    assert_eq!(code, Some(0));
}

#[test]
fn added_removed_and_unverifiable_tools_are_findings() {
    let directory = workspace();
    let root = directory.path();
    pin(root, &[]);
    let tools = root.join("agent/mailer.tools.json");
    let original = std::fs::read_to_string(&tools).unwrap();

    // Renamed: the pinned tool is removed, the new one added.
    std::fs::write(&tools, original.replace("send_email", "send_mail")).unwrap();
    let (report, code, _) = scan_with_lock(root, &[]);
    let messages: Vec<&str> = pin_findings(&report)
        .iter()
        .map(|finding| finding["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages
        .iter()
        .any(|message| message.contains("tool `send_mail` of MCP server `mailer` was added")));
    assert!(messages
        .iter()
        .any(|message| message.contains("tool `send_email` of MCP server `mailer` was removed")));
    assert_eq!(code, Some(1));

    // No declaration of the server at all: it could not be compared, which is unknown.
    std::fs::remove_file(&tools).unwrap();
    let (report, code, _) = scan_with_lock(root, &[]);
    let found = pin_findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["rule"], "tool-pin-unverified");
    assert_eq!(found[0]["severity"], "unknown");
    assert_eq!(found[0]["evidence"][0], "reviewed/airlock-tools.lock:7");
    assert_eq!(code, Some(1), "unknown counts as high");
}

#[test]
fn a_signed_lock_is_checked_with_the_pin_key() {
    let directory = workspace();
    let root = directory.path();
    let keygen = run_in(root, &["keygen", "reviewer"]);
    assert_eq!(keygen.status.code(), Some(0), "{}", stderr(&keygen));
    pin(root, &["--key", "reviewer.key"]);
    assert!(root.join("reviewed/airlock-tools.lock.dsse.json").is_file());
    let (report, code, error) = scan_with_lock(root, &["--pin-key", "reviewer.pub"]);
    assert_eq!(code, Some(0), "{error}: {report:#}");

    // Another key, or a lock changed after signing: the run stops.
    let other = run_in(root, &["keygen", "other"]);
    assert_eq!(other.status.code(), Some(0));
    let output = run_in(
        root,
        &[
            "scan",
            "agent",
            "--no-vuln-db",
            "--tools-lock",
            "reviewed/airlock-tools.lock",
            "--pin-key",
            "other.pub",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("does not hold"),
        "{}",
        stderr(&output)
    );
    let lock = root.join("reviewed/airlock-tools.lock");
    let text = std::fs::read_to_string(&lock).unwrap();
    std::fs::write(&lock, text.replace("version = 1", "version = 1 ")).unwrap();
    let output = run_in(
        root,
        &[
            "scan",
            "agent",
            "--no-vuln-db",
            "--tools-lock",
            "reviewed/airlock-tools.lock",
            "--pin-key",
            "reviewer.pub",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("was changed after it was signed"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_broken_lock_is_an_error_naming_the_file_and_line() {
    let directory = workspace();
    let root = directory.path();
    std::fs::create_dir_all(root.join("reviewed")).unwrap();
    std::fs::write(
        root.join("reviewed/airlock-tools.lock"),
        "version = 1\n\n[[tool]]\nserver = \"mailer\"\ntool = \"send_email\"\nsha256 = \"abc\"\n",
    )
    .unwrap();
    let output = run_in(
        root,
        &[
            "scan",
            "agent",
            "--no-vuln-db",
            "--tools-lock",
            "reviewed/airlock-tools.lock",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).is_empty(), "no report: {}", stdout(&output));
    assert!(
        stderr(&output).contains("reviewed/airlock-tools.lock:3"),
        "{}",
        stderr(&output)
    );
    // Nothing to pin is an error too, and writes nothing.
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "no tools").unwrap();
    let output = run_in(empty.path(), &["tools", "pin", "."]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(!empty.path().join("airlock-tools.lock").exists());
}

/// `verify` holds an attested tree to the operator's pin: a tree attested after its tool
/// changed passes every other check and still fails on the pin.
#[test]
fn verify_holds_an_attested_tree_to_the_pin() {
    let directory = workspace();
    let root = directory.path();
    assert_eq!(run_in(root, &["keygen", "release"]).status.code(), Some(0));
    pin(root, &[]);
    let tools = root.join("agent/mailer.tools.json");
    let original = std::fs::read_to_string(&tools).unwrap();
    std::fs::write(&tools, original.replace("one address.", "one address;")).unwrap();
    let attest = run_in(
        root,
        &[
            "attest",
            "agent",
            "--key",
            "release.key",
            "--no-vuln-db",
            "-o",
            "agent.intoto.json",
        ],
    );
    assert_eq!(attest.status.code(), Some(0), "{}", stderr(&attest));
    let verify = |extra: &[&str]| {
        let mut arguments = vec![
            "verify",
            "--attestation",
            "agent.intoto.json",
            "--key",
            "release.pub",
            "--no-vuln-db",
            "agent",
        ];
        arguments.extend_from_slice(extra);
        run_in(root, &arguments)
    };
    let without = verify(&[]);
    assert_eq!(without.status.code(), Some(0), "{}", stdout(&without));
    let with = verify(&["--tools-lock", "reviewed/airlock-tools.lock"]);
    assert_eq!(with.status.code(), Some(1), "{}", stdout(&with));
    let report = stdout(&with);
    assert!(report.contains("tool-pin-changed"), "{report}");
    assert!(report.contains("send_email"), "{report}");
}

/// Findings against the pin (changed, added, removed, unverified) and the lock's component are
/// valid CycloneDX, SPDX and SARIF.
#[test]
fn pin_findings_are_valid_in_every_document_format() {
    use support::schemas::{assert_valid, validator, Schema};
    let directory = workspace();
    let root = directory.path();
    std::fs::copy(
        fixtures().join("agent-flows/tools/web.tools.json"),
        root.join("agent/web.tools.json"),
    )
    .unwrap();
    pin(root, &[]);
    std::fs::remove_file(root.join("agent/web.tools.json")).unwrap();
    let tools = root.join("agent/mailer.tools.json");
    let original = std::fs::read_to_string(&tools).unwrap();
    std::fs::write(&tools, original.replace("send_email", "send_mail")).unwrap();
    for (format, schema) in [
        ("cyclonedx-json", Some(Schema::CycloneDx16)),
        ("spdx-json", Some(Schema::Spdx23)),
        ("sarif", Some(Schema::Sarif210)),
        ("json", None),
    ] {
        let output = run_in(
            root,
            &[
                "scan",
                "agent",
                "--no-vuln-db",
                "-f",
                format,
                "--tools-lock",
                "reviewed/airlock-tools.lock",
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&output)
        );
        let text = stdout(&output);
        for rule in ["tool-pin-changed", "tool-pin-unverified"] {
            assert!(text.contains(rule), "{format}: {rule}");
        }
        assert!(text.contains("airlock-tools.lock"), "{format}");
        if let Some(schema) = schema {
            let document: Value = serde_json::from_str(&text).unwrap();
            assert_valid(&validator(schema), &document, format);
        }
    }
}
