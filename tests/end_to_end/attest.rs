//! `airlock attest` and `airlock verify --attestation` end to end on a copy of the example
//! project: the round trip passes, and every way the received tree or the envelope can differ
//! from what was signed is rejected with its own reason (a flipped byte in weights, an edited
//! lockfile, a deleted file, extra files, an altered payload, another key, an edited subject
//! list), plus the grading of recorded and current vulnerabilities. The example holds a
//! critical pickle, so the subject checks run with `--fail-on none` (and `--no-vuln-db`): the
//! findings checks have their own tests here and in `verify_gate.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::path::{Path, PathBuf};
use std::process::Output;

use advisories::attestation::{Envelope, Statement, Subject, CYCLONEDX_PREDICATE_TYPE};
use advisories::signing::SecretKey;
use db_common::Home;
use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{stderr, stdout};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples/agent-stack")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A home with `release.{key,pub}`, a copy of the example project at `work/stack`, and its
/// attestation `stack.intoto.json` (made without the advisory database).
fn attested() -> Home {
    let home = Home::new();
    home.ok(&["keygen", "release"]);
    copy_tree(&examples(), &home.work().join("stack"));
    let output = home.run(&[
        "attest",
        "stack",
        "--key",
        "release.key",
        "-o",
        "stack.intoto.json",
        "--no-vuln-db",
        "--fail-on",
        "none",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("attested 14 files"),
        "{}",
        stderr(&output)
    );
    home
}

/// What the subject checks run with: the example's own findings (a critical pickle among
/// them) graded and reported, never failing, and no database needed.
const SUBJECTS_ONLY: [&str; 3] = ["--no-vuln-db", "--fail-on", "none"];

fn verify(home: &Home, extra: &[&str]) -> Output {
    let mut arguments = vec![
        "verify",
        "--attestation",
        "stack.intoto.json",
        "--key",
        "release.pub",
    ];
    arguments.extend_from_slice(extra);
    if !extra.contains(&"--fail-on") {
        arguments.extend_from_slice(&SUBJECTS_ONLY);
    }
    arguments.push("stack");
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

fn statement(home: &Home) -> Statement {
    let envelope = Envelope::load(&home.work().join("stack.intoto.json")).unwrap();
    Statement::from_json(&envelope.payload).unwrap()
}

/// The file problems but the files no extractor reads (listed, not failing by default).
fn problems(report: &Value) -> Vec<(String, String)> {
    report["files"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|problem| problem["status"] != "extra")
        .map(|problem| {
            (
                problem["status"].as_str().unwrap().to_owned(),
                problem["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn attesting_the_example_project_and_verifying_it_passes() {
    let home = attested();
    let statement = statement(&home);
    let names: Vec<&str> = statement
        .subjects
        .iter()
        .map(|subject| subject.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            ".claude/hooks/format.sh",
            ".claude/settings.json",
            ".mcp.json",
            "CLAUDE.md",
            "agent/pyproject.toml",
            "agent/requirements.txt",
            "agent/uv.lock",
            "models/community-reranker/reranker.pkl",
            "models/legacy-classifier/pytorch_model.bin",
            "models/tiny-summarizer/README.md",
            "models/tiny-summarizer/config.json",
            "models/tiny-summarizer/model.safetensors",
            "tools/web-fetch/Cargo.lock",
            "tools/web-fetch/Cargo.toml",
        ],
        "every scanned file, named relative to PATH, sorted"
    );
    for subject in &statement.subjects {
        let bytes = std::fs::read(home.work().join("stack").join(&subject.name)).unwrap();
        assert_eq!(
            subject.sha256,
            hex::encode(Sha256::digest(&bytes)),
            "{}",
            subject.name
        );
    }
    assert_eq!(statement.predicate_type, CYCLONEDX_PREDICATE_TYPE);
    assert_eq!(statement.predicate["bomFormat"], "CycloneDX");
    assert_eq!(statement.predicate["specVersion"], "1.6");

    let output = verify(&home, &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let text = stdout(&output);
    assert!(
        text.contains(
            "subjects   ok      14 attested: 14 ok, 0 modified, 0 missing; 0 unexpected files airlock reads; 10 other files not attested (listed)"
        ),
        "{text}"
    );
    assert!(
        text.lines().any(|line| line.starts_with("extra ")
            && line.contains(" README.md ")
            && line.ends_with(
                "not attested; no extractor reads it (listed; --exact makes it a failure)"
            )),
        "the files no extractor reads are listed: {text}"
    );
    assert!(text.ends_with("verification passed\n"), "{text}");

    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(report["format_version"], 2);
    assert_eq!(report["passed"], true);
    assert_eq!(report["failed"], serde_json::json!([]));
    assert_eq!(report["signature"]["status"], "ok");
    assert_eq!(report["files"]["counts"]["ok"], 14);
    assert_eq!(report["files"]["extra_files"], "default");
    // Graded and reported under --fail-on none: the critical pickle is there.
    assert_eq!(report["findings"]["status"], "ok");
    assert!(report["findings"]["below_threshold"]
        .as_array()
        .unwrap()
        .iter()
        .any(|finding| finding["rule"] == "dangerous-pickle-import"));
    assert_eq!(report["recorded"]["status"], "ok");
    assert_eq!(report["advisory_database"]["reason"], "--no-vuln-db");

    // The same tree, key and SOURCE_DATE_EPOCH give the same envelope (Ed25519 signatures are
    // deterministic, and so is the SBOM).
    let attest_to_stdout = || {
        let output = home
            .command(&[
                "attest",
                "stack",
                "--key",
                "release.key",
                "--no-vuln-db",
                "--fail-on",
                "none",
            ])
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        output.stdout
    };
    let first = attest_to_stdout();
    assert!(first.starts_with(b"{"));
    assert_eq!(first, attest_to_stdout());

    // The verified copy can live anywhere: subjects are relative to PATH.
    std::fs::rename(home.work().join("stack"), home.work().join("received")).unwrap();
    let output = home.run(&[
        "verify",
        "--attestation",
        "stack.intoto.json",
        "--key",
        "release.pub",
        "--no-vuln-db",
        "--fail-on",
        "none",
        "received",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn a_flipped_byte_in_a_weights_file_is_rejected() {
    let home = attested();
    let weights = home
        .work()
        .join("stack/models/tiny-summarizer/model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&weights, &bytes).unwrap();
    let now = hex::encode(Sha256::digest(&bytes));

    let output = verify(&home, &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains(
            "subjects   FAILED  14 attested: 13 ok, 1 modified, 0 missing; 0 unexpected files airlock reads"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "modified     models/tiny-summarizer/model.safetensors  sha256 attested 4d503de94df1, now {}",
            &now[..12]
        )),
        "{text}"
    );
    assert!(text.ends_with("verification FAILED: subjects\n"), "{text}");

    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["failed"], serde_json::json!(["subjects"]));
    let problem = &report["files"]["problems"][0];
    assert_eq!(problem["status"], "modified");
    assert_eq!(problem["name"], "models/tiny-summarizer/model.safetensors");
    assert_eq!(
        problem["expected_sha256"],
        "4d503de94df16e5537cb7945ddac68083b4f8344fd76858accb8e61737300d7b"
    );
    assert_eq!(problem["actual_sha256"], now.as_str());
}

#[test]
fn an_edited_lockfile_is_rejected() {
    let home = attested();
    let lockfile = home.work().join("stack/agent/uv.lock");
    let text = std::fs::read_to_string(&lockfile).unwrap();
    std::fs::write(&lockfile, text.replacen("2.30.0", "2.31.0", 1)).unwrap();
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        problems(&report),
        [("modified".to_owned(), "agent/uv.lock".to_owned())]
    );
    assert_eq!(report["files"]["counts"]["ok"], 13);
    assert!(report["files"]["problems"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("sha256 attested e980f07dbec3, now "));
}

#[test]
fn a_deleted_file_is_rejected() {
    let home = attested();
    std::fs::remove_file(home.work().join("stack/tools/web-fetch/Cargo.lock")).unwrap();
    let output = verify(&home, &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.lines().any(
            |line| line.starts_with("missing      tools/web-fetch/Cargo.lock ")
                && line.ends_with(" not found under PATH")
        ),
        "{text}"
    );
    assert!(text.contains("13 ok, 0 modified, 1 missing"), "{text}");
}

#[test]
fn extra_files_airlock_reads_fail_others_are_listed_and_exact_fails_on_any() {
    let home = attested();
    let extra = home.work().join("stack/agent/plugins/requirements.txt");
    std::fs::create_dir_all(extra.parent().unwrap()).unwrap();
    std::fs::write(&extra, "evil-package==6.6.6\n").unwrap();
    std::fs::write(home.work().join("stack/NOTES.txt"), "hello\n").unwrap();

    // A lockfile airlock reads, not attested: the gate fails by default.
    let output = verify(&home, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("subjects   FAILED  14 attested: 14 ok, 0 modified, 0 missing; 1 unexpected file airlock reads (a failure); 11 other files not attested (listed)"),
        "{text}"
    );
    assert!(
        text.contains("unexpected   agent/plugins/requirements.txt       airlock reads it, not attested: a failure (--allow-extra-files judges it by the rules only)"),
        "{text}"
    );
    assert!(
        text.contains("extra        NOTES.txt "),
        "a file no extractor reads is listed: {text}"
    );
    assert!(text.ends_with("verification FAILED: subjects\n"), "{text}");

    // --allow-extra-files: listed, judged by the rules (unpinned? no: pinned, so it passes).
    let output = verify(&home, &["--allow-extra-files"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("1 unexpected file airlock reads (--allow-extra-files: judged by the rules)"),
        "{text}"
    );
    let (_, report) = verify_json(&home, &["--allow-extra-files"]);
    assert_eq!(report["files"]["extra_files"], "allowed");
    let judged: Vec<&str> = report["findings"]["below_threshold"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["component"].as_str().unwrap())
        .collect();
    assert!(
        judged.contains(&"pkg:pypi/evil-package@6.6.6"),
        "the extra lockfile's package is judged: {judged:?}"
    );

    // --exact: any file that is not a subject fails, the ones no extractor reads too.
    std::fs::remove_file(&extra).unwrap();
    let output = verify(&home, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let output = verify(&home, &["--exact"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("subjects   FAILED  14 attested: 14 ok, 0 modified, 0 missing; 0 unexpected files airlock reads; 11 other files not attested (--exact: a failure)"),
        "{text}"
    );
    assert!(
        text.contains(
            "extra        NOTES.txt                            not attested (--exact: a failure)"
        ),
        "{text}"
    );
    let (_, report) = verify_json(&home, &["--exact"]);
    assert_eq!(report["files"]["extra_files"], "exact");
    assert_eq!(report["files"]["counts"]["extra"], 11);

    // The two ways of judging extra files exclude each other.
    let output = verify(&home, &["--exact", "--allow-extra-files"]);
    assert_eq!(output.status.code(), Some(2));
}

/// Rewrites the envelope's payload without signing it again.
fn tamper_payload(home: &Home, change: impl FnOnce(&mut Value)) {
    let path = home.work().join("stack.intoto.json");
    let mut envelope = Envelope::load(&path).unwrap();
    let mut payload: Value = serde_json::from_slice(&envelope.payload).unwrap();
    change(&mut payload);
    envelope.payload = serde_json::to_vec(&payload).unwrap();
    std::fs::write(&path, envelope.to_json().unwrap()).unwrap();
}

fn assert_payload_rejected(home: &Home) {
    let fingerprint = stdout(&home.run(&[
        "verify",
        "--attestation",
        "stack.intoto.json",
        "--key",
        "release.pub",
        "-f",
        "json",
        "stack",
    ]));
    let report: Value = serde_json::from_str(&fingerprint).unwrap();
    let key = report["signature"]["key"].as_str().unwrap().to_owned();
    assert_eq!(report["passed"], false);
    assert_eq!(report["failed"], serde_json::json!(["signature"]));
    assert_eq!(
        report["not_checked"],
        serde_json::json!(["subjects", "findings", "recorded"])
    );
    assert_eq!(
        report["signature"]["detail"],
        format!(
            "the signature by {key} does not match the envelope's payload: the payload (or its type) was changed after signing"
        )
    );
    let output = verify(home, &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("subjects   not checked  the signature does not hold, so the attestation is not trusted"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "verification FAILED: signature (subjects, findings, recorded not checked)\n"
        ),
        "{text}"
    );
}

#[test]
fn an_altered_payload_is_rejected() {
    let home = attested();
    tamper_payload(&home, |payload| {
        // Hide a component from the SBOM.
        let components = payload["predicate"]["components"].as_array_mut().unwrap();
        components.retain(|component| component["name"] != "requests");
    });
    assert_payload_rejected(&home);
}

#[test]
fn a_subject_list_edited_after_signing_is_rejected() {
    let home = attested();
    // The attacker swaps the weights and updates the subject's digest to match.
    let weights = home
        .work()
        .join("stack/models/community-reranker/reranker.pkl");
    let swapped = b"\x80\x04K\x01.".to_vec();
    std::fs::write(&weights, &swapped).unwrap();
    let digest = hex::encode(Sha256::digest(&swapped));
    tamper_payload(&home, |payload| {
        for subject in payload["subject"].as_array_mut().unwrap() {
            if subject["name"] == "models/community-reranker/reranker.pkl" {
                subject["digest"]["sha256"] = digest.clone().into();
            }
        }
    });
    assert_payload_rejected(&home);

    // Dropping a subject is the same change to the signed payload.
    let home = attested();
    std::fs::remove_file(home.work().join("stack/agent/uv.lock")).unwrap();
    tamper_payload(&home, |payload| {
        payload["subject"]
            .as_array_mut()
            .unwrap()
            .retain(|subject| subject["name"] != "agent/uv.lock");
    });
    assert_payload_rejected(&home);
}

#[test]
fn a_signature_by_another_key_is_rejected() {
    let home = attested();
    home.ok(&["keygen", "intruder"]);
    let output = home.run(&[
        "attest",
        "stack",
        "--key",
        "intruder.key",
        "-o",
        "stack.intoto.json",
        "--no-vuln-db",
        "--fail-on",
        "none",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let intruder = SecretKey::load(&home.work().join("intruder.key"))
        .unwrap()
        .public_key()
        .fingerprint();
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1));
    let release = report["signature"]["key"].as_str().unwrap();
    assert_eq!(
        report["signature"]["detail"],
        format!("the envelope is signed by another key ({intruder}), not by {release}")
    );
    assert_eq!(report["failed"], serde_json::json!(["signature"]));
}

#[test]
fn a_signed_subject_name_cannot_leave_path() {
    let home = attested();
    let secret = SecretKey::load(&home.work().join("release.key")).unwrap();
    std::fs::write(home.work().join("outside.txt"), "secret\n").unwrap();
    let statement = Statement {
        subjects: vec![Subject {
            name: "../outside.txt".to_owned(),
            sha256: hex::encode(Sha256::digest(b"secret\n")),
        }],
        predicate_type: CYCLONEDX_PREDICATE_TYPE.to_owned(),
        predicate: serde_json::json!({}),
    };
    let envelope = Envelope::sign(&statement, &secret).unwrap();
    std::fs::write(
        home.work().join("stack.intoto.json"),
        envelope.to_json().unwrap(),
    )
    .unwrap();
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        report["signature"]["detail"],
        "subject name `../outside.txt` has a `.` or `..` segment"
    );
}

#[test]
fn a_file_that_is_no_envelope_is_an_input_error() {
    let home = attested();
    std::fs::write(home.work().join("stack.intoto.json"), "{\"hello\": 1}").unwrap();
    let output = verify(&home, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("error: not a DSSE envelope: expected JSON with `payload`, `payloadType` and `signatures`"),
        "{}",
        stderr(&output)
    );
}

fn ids(list: &Value) -> Vec<String> {
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
fn recorded_and_current_findings_meet_fail_on() {
    let home = Home::new();
    home.ok(&["keygen", "release"]);
    copy_tree(&examples(), &home.work().join("stack"));
    home.ok(&[
        "db",
        "import",
        examples().join("advisories").to_str().unwrap(),
    ]);
    // Attesting needs the database unless told otherwise, as scanning does.
    let without = home
        .command(&[
            "attest",
            "stack",
            "--key",
            "release.key",
            "-o",
            "stack.intoto.json",
        ])
        .env("AIRLOCK_DB", home.work().join("absent.sqlite3"))
        .output()
        .unwrap();
    assert_eq!(without.status.code(), Some(2));
    assert!(
        stderr(&without).contains("no advisory database at"),
        "{}",
        stderr(&without)
    );
    assert!(!home.work().join("stack.intoto.json").exists());
    // `attest` exits by --fail-on as `scan` does, and still signs: the statement records
    // the findings.
    let output = home.run(&[
        "attest",
        "stack",
        "--key",
        "release.key",
        "-o",
        "stack.intoto.json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("8 findings at or above high (recorded in the attestation"),
        "{}",
        stderr(&output)
    );
    assert!(Envelope::load(&home.work().join("stack.intoto.json")).is_ok());

    let (code, report) = verify_json(&home, &["--fail-on", "high"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        report["failed"],
        serde_json::json!(["findings", "recorded"])
    );
    assert_eq!(report["files"]["status"], "ok");
    assert_eq!(report["findings"]["vulnerabilities_checked"], true);
    assert_eq!(report["advisory_database"]["used"], true);
    // Rated high or worse first, then the unknown ones counted as high.
    let expected = [
        "agent-download-execute",
        "dangerous-pickle-import",
        "agent-hidden-instructions",
        "RUSTSEC-2022-0013",
        "PYSEC-2024-60",
        "mcp-unpinned-server",
        "RUSTSEC-2024-0421",
        "PYSEC-2021-66",
    ];
    assert_eq!(ids(&report["findings"]["failing"]), expected);
    assert_eq!(
        report["findings"]["detail"],
        "8 findings at or above high on the tree as it is on disk (5 below); vulnerabilities matched against the local database; 2 unknown (counted as high)"
    );
    assert_eq!(ids(&report["recorded"]["failing"]), expected);
    assert_eq!(
        report["recorded"]["detail"],
        "the attestation recorded 13 findings: 8 at or above high; 13 found again on disk; 2 unknown (counted as high)"
    );
    assert_eq!(report["recorded"]["failing"][0]["now"], "found-again");
    assert_eq!(report["findings"]["failing"][7]["severity"], "unknown");
    assert_eq!(report["findings"]["failing"][7]["counted_as"], "high");
    assert_eq!(
        report["findings"]["failing"][4]["introduced_through"],
        serde_json::json!([
            "pkg:pypi/research-agent@0.3.1?download_url=file:%2F%2Fstack%2Fagent#path=stack/agent",
            "pkg:pypi/requests@2.30.0",
            "pkg:pypi/idna@3.6"
        ])
    );

    // --fail-on none grades and reports, and never fails.
    let (code, report) = verify_json(&home, &["--fail-on", "none"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["findings"]["fail_on"], "none");
    assert_eq!(report["recorded"]["status"], "ok");
    assert_eq!(report["policy"]["fail_on"], "none");

    // At critical, the pickle and the download-and-execute hook alone fail (the attestation
    // recorded them, and they are on disk).
    let (code, report) = verify_json(&home, &["--fail-on", "critical"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        ids(&report["findings"]["failing"]),
        ["agent-download-execute", "dangerous-pickle-import"]
    );
    assert_eq!(
        ids(&report["recorded"]["failing"]),
        ["agent-download-execute", "dangerous-pickle-import"]
    );
    // What unknown counts as is the operator's `unknown-severity` (never the judged tree's).
    std::fs::write(
        home.work().join("operator.toml"),
        "unknown-severity = \"critical\"\n",
    )
    .unwrap();
    let (code, report) = verify_json(
        &home,
        &["--config", "operator.toml", "--fail-on", "critical"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(report["findings"]["unknown_counts_as"], "critical");
    assert_eq!(
        ids(&report["findings"]["failing"]),
        [
            "agent-download-execute",
            "dangerous-pickle-import",
            "RUSTSEC-2024-0421",
            "PYSEC-2021-66"
        ]
    );

    // Whatever the local database lacks, what the attestation recorded still counts: without
    // a database the rules no longer see the vulnerabilities, the recorded check does.
    let (code, report) = verify_json(&home, &["--fail-on", "high", "--no-vuln-db"]);
    assert_eq!(code, Some(1));
    assert_eq!(report["findings"]["vulnerabilities_checked"], false);
    assert_eq!(
        ids(&report["findings"]["failing"]),
        [
            "agent-download-execute",
            "dangerous-pickle-import",
            "agent-hidden-instructions",
            "mcp-unpinned-server"
        ]
    );
    let recorded = &report["recorded"]["failing"];
    assert_eq!(ids(recorded), expected);
    assert_eq!(recorded[3]["now"], "not-found-now");
    assert_eq!(recorded[3]["severity"], "high");
    let output = verify(&home, &["--fail-on", "high", "--no-vuln-db"]);
    let text = stdout(&output);
    assert!(
        text.contains("RECORDED BY THE ATTESTATION, AT OR ABOVE HIGH, NOT FOUND ON DISK NOW (4)"),
        "{text}"
    );

    // The operator's policy grades the recorded findings as it grades the current ones: an
    // accepted advisory is accepted in both.
    std::fs::write(
        home.work().join("operator.toml"),
        "[[ignore]]\nid = \"PYSEC-2024-60\"\nreason = \"not reachable: idna only encodes our own host names\"\n",
    )
    .unwrap();
    let (_, report) = verify_json(
        &home,
        &[
            "--config",
            "operator.toml",
            "--fail-on",
            "high",
            "--no-vuln-db",
        ],
    );
    assert!(!ids(&report["recorded"]["failing"]).contains(&"PYSEC-2024-60".to_owned()));
    assert_eq!(ids(&report["recorded"]["accepted"]), ["PYSEC-2024-60"]);
    assert!(report["recorded"]["accepted"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("accepted by the operator's policy (operator.toml:1): not reachable"));

    // Attested without the database: nothing recorded about vulnerabilities, but the rules
    // matched against today's database find them on disk (what `--rescan` used to do, always).
    home.run(&[
        "attest",
        "stack",
        "--key",
        "release.key",
        "-o",
        "stack.intoto.json",
        "--no-vuln-db",
    ]);
    let (code, report) = verify_json(&home, &["--fail-on", "high"]);
    assert_eq!(code, Some(1));
    assert_eq!(ids(&report["findings"]["failing"]), expected);
    assert_eq!(
        ids(&report["recorded"]["failing"]),
        [
            "agent-download-execute",
            "dangerous-pickle-import",
            "agent-hidden-instructions",
            "mcp-unpinned-server"
        ]
    );
    // `--rescan` is gone: every verification matches the tree against the local database.
    let output = verify(&home, &["--rescan"]);
    assert_eq!(output.status.code(), Some(2));
}
