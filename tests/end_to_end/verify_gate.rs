//! `airlock verify` as the intake gate (issue 17, item 3), written as attacks on a clean
//! attested project (`tests/fixtures/intake/agent`) with the local advisory database: a pickle
//! that calls `posix.system` dropped into the tree after attestation, an attestation whose own
//! scan recorded a critical pickle, a vulnerable pin edited in, extra files of each kind, and a
//! gate without its database.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::path::PathBuf;
use std::process::Output;

use db_common::Home;
use serde_json::Value;
use support::{stderr, stdout};

fn intake() -> PathBuf {
    support::fixtures().join("intake")
}

/// A pickle whose `__reduce__` calls `posix.system("id")` (protocol 2, GLOBAL opcode): loading
/// it runs a shell command.
const SYSTEM_PICKLE: &[u8] =
    b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";

/// A home with the intake advisories imported, `review.{key,pub}`, a copy of the clean project
/// at `work/agent`, and its attestation `agent.intoto.json`.
fn attested() -> Home {
    let home = Home::new();
    home.ok(&[
        "db",
        "import",
        intake().join("advisories").to_str().unwrap(),
    ]);
    home.ok(&["keygen", "review"]);
    support::copy_tree(&intake().join("agent"), &home.work().join("agent"));
    home.ok(&[
        "attest",
        "agent",
        "--key",
        "review.key",
        "-o",
        "agent.intoto.json",
    ]);
    home
}

fn verify(home: &Home, extra: &[&str]) -> Output {
    let mut arguments = vec![
        "verify",
        "--attestation",
        "agent.intoto.json",
        "--key",
        "review.pub",
    ];
    arguments.extend_from_slice(extra);
    arguments.push("agent");
    home.run(&arguments)
}

fn verify_json(home: &Home, extra: &[&str]) -> (Option<i32>, Value) {
    let mut arguments = vec!["-f", "json"];
    arguments.extend_from_slice(extra);
    let output = verify(home, &arguments);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}{}", stdout(&output), stderr(&output)));
    (output.status.code(), report)
}

fn rules(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            finding["advisory"]
                .as_str()
                .or(finding["rule"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn the_clean_project_passes_the_gate() {
    let home = attested();
    let output = verify(&home, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    for expected in [
        "subjects   ok      2 attested: 2 ok, 0 modified, 0 missing; 0 unexpected files airlock reads; 0 other files not attested",
        "findings   ok      no finding at or above high on the tree as it is on disk (2 below); vulnerabilities matched against the local database",
        "recorded   ok      the attestation recorded 2 findings: 0 at or above high; 2 found again on disk",
        "/work/advisories.sqlite3 (3 advisories;",
        "Policy: no operator policy file (defaults); fails at high (default).",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    assert!(text.ends_with("verification passed\n"), "{text}");
}

/// The scenario: a new, unattested pickle that calls `posix.system`, dropped into the
/// tree after attestation, used to be a warning unless `--exact` was given.
#[test]
fn a_pickle_dropped_in_after_attestation_fails_without_any_flag() {
    let home = attested();
    std::fs::create_dir_all(home.work().join("agent/models")).unwrap();
    std::fs::write(home.work().join("agent/models/helper.pkl"), SYSTEM_PICKLE).unwrap();
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        report["failed"],
        serde_json::json!(["subjects", "findings"])
    );
    assert_eq!(report["files"]["problems"][0]["status"], "unexpected");
    assert_eq!(report["files"]["problems"][0]["name"], "models/helper.pkl");
    let failing = &report["findings"]["failing"][0];
    assert_eq!(failing["rule"], "dangerous-pickle-import");
    assert_eq!(failing["severity"], "critical");
    assert_eq!(failing["evidence"][0], "agent/models/helper.pkl");
    assert!(
        failing["message"]
            .as_str()
            .unwrap()
            .contains("imports `posix.system`"),
        "{failing:#}"
    );
    // What the attestation recorded is clean: the gate fails on what is on disk.
    assert_eq!(report["recorded"]["status"], "ok");

    let text = stdout(&verify(&home, &[]));
    assert!(text.contains("ON DISK, AT OR ABOVE HIGH (1)"), "{text}");
    assert!(
        text.ends_with("verification FAILED: subjects, findings\n"),
        "{text}"
    );

    // --allow-extra-files lets an extra file in only if the rules do: this one they stop.
    let (code, report) = verify_json(&home, &["--allow-extra-files"]);
    assert_eq!(code, Some(1));
    assert_eq!(report["failed"], serde_json::json!(["findings"]));
    assert_eq!(report["files"]["status"], "ok");
    assert_eq!(
        rules(&report["findings"]["failing"]),
        ["dangerous-pickle-import"]
    );
}

#[test]
fn extra_files_a_readme_is_listed_a_benign_lockfile_passes_only_when_allowed() {
    let home = attested();
    std::fs::write(
        home.work().join("agent/README.md"),
        "# agent\n\nHow to run it.\n",
    )
    .unwrap();
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["files"]["counts"]["extra"], 1);
    assert_eq!(report["files"]["problems"][0]["status"], "extra");
    assert_eq!(report["files"]["problems"][0]["name"], "README.md");
    // --exact is the stricter mode: any file that is not a subject fails.
    let (code, report) = verify_json(&home, &["--exact"]);
    assert_eq!(code, Some(1));
    assert_eq!(report["failed"], serde_json::json!(["subjects"]));

    // A benign lockfile airlock reads: a failure by default (it was not attested), and with
    // --allow-extra-files judged by the rules, which find nothing at or above high.
    std::fs::create_dir_all(home.work().join("agent/tools")).unwrap();
    std::fs::write(
        home.work().join("agent/tools/requirements.txt"),
        "httpx==0.27.2\n",
    )
    .unwrap();
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["failed"], serde_json::json!(["subjects"]));
    assert_eq!(report["files"]["counts"]["unexpected"], 1);
    let (code, report) = verify_json(&home, &["--allow-extra-files"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["files"]["extra_files"], "allowed");
    let judged: Vec<&str> = report["findings"]["below_threshold"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|finding| finding["evidence"].as_array().unwrap())
        .map(|evidence| evidence.as_str().unwrap())
        .collect();
    assert!(
        judged.contains(&"agent/tools/requirements.txt:1"),
        "the extra lockfile was judged: {judged:?}"
    );
}

/// The scenario: an attestation whose own scan recorded a critical
/// `dangerous-pickle-import` used to pass (only vulnerabilities were graded).
#[test]
fn an_attestation_that_recorded_a_critical_pickle_fails() {
    let home = attested();
    std::fs::create_dir_all(home.work().join("agent/models")).unwrap();
    std::fs::write(home.work().join("agent/models/helper.pkl"), SYSTEM_PICKLE).unwrap();
    // Signed with the pickle in it: attest says so by its exit code and signs anyway.
    let output = home.run(&[
        "attest",
        "agent",
        "--key",
        "review.key",
        "-o",
        "agent.intoto.json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["files"]["status"], "ok");
    assert_eq!(
        report["failed"],
        serde_json::json!(["findings", "recorded"])
    );
    assert_eq!(
        rules(&report["recorded"]["failing"]),
        ["dangerous-pickle-import"]
    );
    assert_eq!(report["recorded"]["failing"][0]["now"], "found-again");

    // The operator may accept it, in their own policy, with a reason: then both pass.
    std::fs::write(
        home.work().join("operator.toml"),
        "[[ignore]]\nid = \"dangerous-pickle-import\"\nreason = \"quarantined: never loaded\"\n",
    )
    .unwrap();
    let (code, report) = verify_json(&home, &["--config", "operator.toml"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(
        rules(&report["recorded"]["accepted"]),
        ["dangerous-pickle-import"]
    );
    // A policy file inside the judged tree is not the operator's: it accepts nothing.
    std::fs::copy(
        home.work().join("operator.toml"),
        home.work().join("agent/airlock.toml"),
    )
    .unwrap();
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1), "{report:#}");
}

#[test]
fn a_vulnerable_pin_edited_in_after_attestation_fails_naming_the_advisories() {
    let home = attested();
    let requirements = home.work().join("agent/requirements.txt");
    let mut text = std::fs::read_to_string(&requirements).unwrap();
    text.push_str("jinja2==2.10\n");
    std::fs::write(&requirements, text).unwrap();
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        report["failed"],
        serde_json::json!(["subjects", "findings"])
    );
    assert_eq!(
        rules(&report["findings"]["failing"]),
        ["TEST-2019-JINJA2-SANDBOX", "TEST-2024-JINJA2-FORMAT"]
    );
}

/// A gate that did not look must not pass: without a database the report says vulnerabilities
/// were not checked and the run exits 2; `--no-vuln-db` asks for that on purpose.
#[test]
fn without_its_database_the_gate_fails_closed() {
    let home = attested();
    let without = |extra: &[&str]| {
        let mut arguments = vec![
            "verify",
            "--attestation",
            "agent.intoto.json",
            "--key",
            "review.pub",
        ];
        arguments.extend_from_slice(extra);
        arguments.push("agent");
        home.command(&arguments)
            .env("AIRLOCK_DB", home.work().join("absent.sqlite3"))
            .output()
            .unwrap()
    };
    let output = without(&[]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("vulnerabilities NOT checked: no advisory database"),
        "{text}"
    );
    assert!(
        text.contains(
            "Advisory database: none found, so vulnerabilities and malicious packages were NOT checked."
        ),
        "{text}"
    );
    assert!(
        text.ends_with("verification FAILED: the gate could not look (see the errors) (vulnerabilities not checked)\n"),
        "{text}"
    );
    assert!(
        stderr(&output).contains("or verify with --no-vuln-db."),
        "{}",
        stderr(&output)
    );
    let output = without(&["-f", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["passed"], false);
    assert_eq!(report["findings"]["vulnerabilities_checked"], false);
    assert_eq!(
        report["not_checked"],
        serde_json::json!(["vulnerabilities"])
    );

    let output = without(&["--no-vuln-db"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("vulnerabilities not checked (--no-vuln-db)"),
        "{}",
        stdout(&output)
    );
}
