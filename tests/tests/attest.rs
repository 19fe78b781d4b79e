//! `airlock attest` and `airlock verify --attestation` end to end on a copy of the example
//! project: the round trip passes, and every way the received tree or the envelope can differ
//! from what was signed is rejected with its own reason (a flipped byte in weights, an edited
//! lockfile, a deleted file, an extra file under --exact, an altered payload, another key, an
//! edited subject list), plus the policy check (attested vulnerabilities and --rescan).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod db_common;
mod support;

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
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("attested 11 files"),
        "{}",
        stderr(&output)
    );
    home
}

fn verify(home: &Home, extra: &[&str]) -> Output {
    let mut arguments = vec![
        "verify",
        "--attestation",
        "stack.intoto.json",
        "--key",
        "release.pub",
    ];
    arguments.extend_from_slice(extra);
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

fn problems(report: &Value) -> Vec<(String, String)> {
    report["files"]["problems"]
        .as_array()
        .unwrap()
        .iter()
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
            ".mcp.json",
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
    assert_eq!(statement.predicate["specVersion"], "1.5");

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
            "subjects   ok      11 attested: 11 ok, 0 modified, 0 missing; 0 unexpected files"
        ),
        "{text}"
    );
    assert!(text.ends_with("verification passed\n"), "{text}");

    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(report["passed"], true);
    assert_eq!(report["failed"], serde_json::json!([]));
    assert_eq!(report["signature"]["status"], "ok");
    assert_eq!(report["files"]["counts"]["ok"], 11);
    assert_eq!(report["policy"]["status"], "ok");

    // The same tree, key and SOURCE_DATE_EPOCH give the same envelope (Ed25519 signatures are
    // deterministic, and so is the SBOM).
    let attest_to_stdout = || {
        let output = home
            .command(&["attest", "stack", "--key", "release.key", "--no-vuln-db"])
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
            "subjects   FAILED  11 attested: 10 ok, 1 modified, 0 missing; 0 unexpected files"
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
    assert_eq!(report["files"]["counts"]["ok"], 10);
    assert!(report["files"]["problems"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("sha256 attested 815db010c5ad, now "));
}

#[test]
fn a_deleted_file_is_rejected() {
    let home = attested();
    std::fs::remove_file(home.work().join("stack/tools/web-fetch/Cargo.lock")).unwrap();
    let output = verify(&home, &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("missing      tools/web-fetch/Cargo.lock  not found under PATH"),
        "{text}"
    );
    assert!(text.contains("10 ok, 0 modified, 1 missing"), "{text}");
}

#[test]
fn an_extra_file_is_a_warning_and_a_failure_under_exact() {
    let home = attested();
    let extra = home.work().join("stack/agent/plugins/requirements.txt");
    std::fs::create_dir_all(extra.parent().unwrap()).unwrap();
    std::fs::write(&extra, "evil-package==6.6.6\n").unwrap();
    // A file airlock does not read is not an input, so not unexpected.
    std::fs::write(home.work().join("stack/NOTES.txt"), "hello\n").unwrap();

    let output = verify(&home, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(
        text.contains("11 ok, 0 modified, 0 missing; 1 unexpected file (a warning; --exact makes it a failure)"),
        "{text}"
    );
    assert!(
        text.contains("unexpected   agent/plugins/requirements.txt  scanned under PATH but not attested (a warning; --exact makes it a failure)"),
        "{text}"
    );

    let output = verify(&home, &["--exact"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("subjects   FAILED  11 attested: 11 ok, 0 modified, 0 missing; 1 unexpected file (--exact: a failure)"),
        "{text}"
    );
    assert!(
        text.contains("unexpected   agent/plugins/requirements.txt  scanned under PATH but not attested (--exact: a failure)"),
        "{text}"
    );
    assert!(text.ends_with("verification FAILED: subjects\n"), "{text}");
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
        serde_json::json!(["subjects", "policy"])
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
        text.contains("subjects   not checked  the signature does not hold, so the attested file list is not trusted"),
        "{text}"
    );
    assert!(
        text.ends_with("verification FAILED: signature (subjects, policy not checked)\n"),
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

#[test]
fn vulnerabilities_of_the_attested_sbom_and_of_a_rescan_meet_fail_on() {
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
    home.ok(&[
        "attest",
        "stack",
        "--key",
        "release.key",
        "-o",
        "stack.intoto.json",
    ]);

    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["failed"], serde_json::json!(["policy"]));
    assert_eq!(report["files"]["status"], "ok");
    let policy = &report["policy"];
    assert_eq!(policy["source"], "attestation");
    // Two of the advisories give no rating: recorded as `unknown`, counted as high.
    assert_eq!(
        policy["detail"],
        "4 vulnerabilities at or above high in the attested SBOM; 2 unknown (counted as high)"
    );
    assert_eq!(policy["unknown_counts_as"], "high");
    let failing: Vec<&str> = policy["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        failing,
        [
            "PYSEC-2024-60",
            "RUSTSEC-2022-0013",
            "PYSEC-2021-66",
            "RUSTSEC-2024-0421"
        ],
        "rated high first, then the unknown ones counted as high"
    );
    let severities: Vec<&str> = policy["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["high", "high", "unknown", "unknown"]);
    assert_eq!(policy["below_threshold"][0]["id"], "PYSEC-2023-74");
    assert_eq!(policy["below_threshold"][0]["severity"], "medium");

    // --fail-on none grades and reports, and never fails.
    let (code, report) = verify_json(&home, &["--fail-on", "none"]);
    assert_eq!(code, Some(0));
    assert_eq!(report["policy"]["fail_on"], "none");
    assert_eq!(report["policy"]["status"], "ok");
    assert_eq!(
        report["policy"]["detail"],
        "5 vulnerabilities in the attested SBOM, reported only (--fail-on none); 2 unknown (counted as high)"
    );

    let (code, report) = verify_json(&home, &["--fail-on", "critical"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        report["policy"]["detail"],
        "no vulnerability at or above critical in the attested SBOM (5 below); 2 unknown (counted as high)"
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
    assert_eq!(report["policy"]["unknown_counts_as"], "critical");
    assert_eq!(
        report["policy"]["detail"],
        "2 vulnerabilities at or above critical in the attested SBOM; 2 unknown (counted as critical)"
    );

    // Attested without the database: nothing recorded, so the plain check passes, and
    // --rescan matches the SBOM's components against today's database.
    home.ok(&[
        "attest",
        "stack",
        "--key",
        "release.key",
        "-o",
        "stack.intoto.json",
        "--no-vuln-db",
    ]);
    let (code, report) = verify_json(&home, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(
        report["policy"]["detail"],
        "no vulnerability at or above high in the attested SBOM (0 below)"
    );
    let (code, report) = verify_json(&home, &["--rescan"]);
    assert_eq!(code, Some(1));
    assert_eq!(report["policy"]["source"], "rescan");
    assert_eq!(
        report["policy"]["detail"],
        "4 vulnerabilities at or above high matched against the current database (--rescan); 2 unknown (counted as high)"
    );
    assert_eq!(
        report["policy"]["failing"][1]["affects"],
        serde_json::json!(["pkg:cargo/regex@1.5.4"])
    );
}
