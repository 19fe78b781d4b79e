//! `airlock verify --model-signature` against bundles made by the OpenSSF reference tool
//! (`model_signing sign key`, PyPI model-signing 1.1.1; see tests/fixtures/attestation), and the
//! model_signing digest `airlock attest` records, which must equal the reference tool's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use db_common::Home;
use serde_json::Value;
use support::{fixtures, stderr, stdout};

fn signed() -> PathBuf {
    fixtures().join("attestation/model-signing")
}

/// A home holding a copy of the signed model (`work/tiny-model`), its bundles and keys.
fn home() -> Home {
    let home = Home::new();
    copy_tree(&signed(), &home.work());
    home
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

fn verify(home: &Home, signature: &str, key: &str) -> (Option<i32>, Value) {
    let output = home.run(&[
        "verify",
        "--model-signature",
        signature,
        "--key",
        key,
        "-f",
        "json",
        "tiny-model",
    ]);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}{}", stdout(&output), stderr(&output)));
    (output.status.code(), report)
}

/// The bundle's signed statement.
fn statement(bundle: &Path) -> Value {
    let bundle: Value = serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    let payload = BASE64
        .decode(bundle["dsseEnvelope"]["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

#[test]
fn bundles_made_by_the_reference_tool_verify_with_p256_and_p384_keys() {
    let home = home();
    for (signature, key, curve) in [
        ("tiny-model.p256.sig", "p256.pub", "P-256"),
        ("tiny-model.p384.sig", "p384.pub", "P-384"),
    ] {
        let (code, report) = verify(&home, signature, key);
        assert_eq!(code, Some(0), "{report:#}");
        assert_eq!(report["kind"], "model-signature");
        assert_eq!(report["passed"], true);
        assert_eq!(report["model"]["curve"], curve);
        assert_eq!(report["model"]["name"], "tiny-model");
        let root = statement(&signed().join(signature))["subject"][0]["digest"]["sha256"].clone();
        assert_eq!(report["model"]["root_sha256"], root);
        assert_eq!(
            report["files"]["detail"],
            "5 signed: 5 ok, 0 modified, 0 missing; 0 extra files not signed",
            "the .gitignore is ignored, as model_signing does by default"
        );
    }
    let output = home.run(&[
        "verify",
        "--model-signature",
        "tiny-model.p256.sig",
        "--key",
        "p256.pub",
        "tiny-model",
    ]);
    let text = stdout(&output);
    assert!(
        text.contains("signature  ok      OpenSSF model_signing v1.0 bundle signed with the given ECDSA P-256 key; model `tiny-model`, 5 files"),
        "{text}"
    );
    assert!(text.ends_with("verification passed\n"), "{text}");
}

#[test]
fn changed_missing_and_extra_files_are_rejected() {
    let home = home();
    let model = home.work().join("tiny-model");
    let weights = model.join("model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    bytes[100] ^= 0x80;
    std::fs::write(&weights, &bytes).unwrap();
    std::fs::remove_file(model.join("tokenizer/vocab.txt")).unwrap();
    std::fs::write(model.join("extra.bin"), b"not signed").unwrap();
    // Ignored paths stay ignored.
    std::fs::create_dir_all(model.join(".git")).unwrap();
    std::fs::write(model.join(".git/HEAD"), b"ref: refs/heads/main\n").unwrap();

    let (code, report) = verify(&home, "tiny-model.p256.sig", "p256.pub");
    assert_eq!(code, Some(1));
    assert_eq!(report["failed"], serde_json::json!(["files"]));
    assert_eq!(
        report["files"]["detail"],
        "5 signed: 3 ok, 1 modified, 1 missing; 1 extra file not signed"
    );
    let problems: Vec<(String, String, String)> = report["files"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|problem| {
            (
                problem["status"].as_str().unwrap().to_owned(),
                problem["name"].as_str().unwrap().to_owned(),
                problem["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected_weights = "4d503de94df1";
    let now = &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))[..12];
    assert_eq!(
        problems,
        [
            (
                "extra".to_owned(),
                "extra.bin".to_owned(),
                "in the model directory, not signed (model_signing requires the same set)"
                    .to_owned()
            ),
            (
                "missing".to_owned(),
                "tokenizer/vocab.txt".to_owned(),
                "signed, not found in the model directory".to_owned()
            ),
            (
                "modified".to_owned(),
                "model.safetensors".to_owned(),
                format!("sha256 signed {expected_weights}, now {now}")
            ),
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_fails_when_the_signature_does_not_allow_them() {
    let home = home();
    let model = home.work().join("tiny-model");
    std::fs::remove_file(model.join("config.json")).unwrap();
    std::os::unix::fs::symlink(
        signed().join("tiny-model/config.json"),
        model.join("config.json"),
    )
    .unwrap();
    let (code, report) = verify(&home, "tiny-model.p256.sig", "p256.pub");
    assert_eq!(code, Some(1));
    let detail = report["files"]["detail"].as_str().unwrap();
    assert!(
        detail.ends_with(
            "config.json is a symbolic link, and the signature was made without allow_symlinks"
        ),
        "{detail}"
    );
}

#[test]
fn another_key_and_an_altered_manifest_are_rejected() {
    let home = home();
    let (code, report) = verify(&home, "tiny-model.p256.sig", "other.p256.pub");
    assert_eq!(code, Some(1));
    assert_eq!(report["failed"], serde_json::json!(["signature"]));
    assert_eq!(report["not_checked"], serde_json::json!(["files"]));
    let detail = report["signature"]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("the bundle was signed with another key: its key hint is "),
        "{detail}"
    );

    // Without the key hint, the ECDSA check itself refuses the other key.
    let bundle_path = home.work().join("tiny-model.p256.sig");
    let mut bundle: Value = serde_json::from_slice(&std::fs::read(&bundle_path).unwrap()).unwrap();
    bundle["verificationMaterial"]["publicKey"]
        .as_object_mut()
        .unwrap()
        .remove("hint");
    std::fs::write(home.work().join("no-hint.sig"), bundle.to_string()).unwrap();
    let (code, report) = verify(&home, "no-hint.sig", "other.p256.pub");
    assert_eq!(code, Some(1));
    assert_eq!(
        report["signature"]["detail"],
        "the ECDSA P-256 signature does not verify with the given key: the signed manifest was changed after signing, or another key signed it"
    );
    let (code, _) = verify(&home, "no-hint.sig", "p256.pub");
    assert_eq!(code, Some(0), "the hint is optional");

    // A manifest edited to bless changed weights no longer matches its signature.
    let mut statement = statement(&bundle_path);
    for resource in statement["predicate"]["resources"].as_array_mut().unwrap() {
        if resource["name"] == "model.safetensors" {
            resource["digest"] = "00".repeat(32).into();
        }
    }
    bundle["dsseEnvelope"]["payload"] = BASE64.encode(statement.to_string()).into();
    std::fs::write(home.work().join("edited.sig"), bundle.to_string()).unwrap();
    let (code, report) = verify(&home, "edited.sig", "p256.pub");
    assert_eq!(code, Some(1));
    assert_eq!(
        report["signature"]["detail"],
        "the ECDSA P-256 signature does not verify with the given key: the signed manifest was changed after signing, or another key signed it"
    );
}

#[test]
fn keys_and_files_of_the_wrong_kind_are_input_errors() {
    let home = home();
    home.ok(&["keygen", "ed"]);
    let output = home.run(&[
        "verify",
        "--model-signature",
        "tiny-model.p256.sig",
        "--key",
        "ed.pub",
        "tiny-model",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("not an ECDSA P-256 or P-384 public key in SPKI PEM"),
        "{}",
        stderr(&output)
    );
    std::fs::write(home.work().join("junk.sig"), "[]").unwrap();
    let output = home.run(&[
        "verify",
        "--model-signature",
        "junk.sig",
        "--key",
        "p256.pub",
        "tiny-model",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("error: not a model_signing bundle: not a sigstore bundle in JSON"),
        "{}",
        stderr(&output)
    );
    let output = home.run(&[
        "verify",
        "--model-signature",
        "tiny-model.p256.sig",
        "--key",
        "p256.pub",
        "--exact",
        "tiny-model",
    ]);
    assert_eq!(output.status.code(), Some(2), "--exact is for attestations");
}

#[test]
fn attest_records_the_same_model_digest_as_the_reference_tool() {
    let home = home();
    home.ok(&["keygen", "release"]);
    home.ok(&[
        "attest",
        "tiny-model",
        "--key",
        "release.key",
        "-o",
        "model.intoto.json",
        "--no-vuln-db",
    ]);
    let envelope: Value =
        serde_json::from_slice(&std::fs::read(home.work().join("model.intoto.json")).unwrap())
            .unwrap();
    let payload: Value = serde_json::from_slice(
        &BASE64
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let predicate = &payload["predicate"];
    let model = predicate["components"]
        .as_array()
        .unwrap()
        .iter()
        .chain(std::iter::once(&predicate["metadata"]["component"]))
        .find(|component| component["bom-ref"] == "pkg:generic/tiny-model#path=tiny-model")
        .unwrap_or_else(|| panic!("no model component in {predicate:#}"));
    let recorded: Vec<&str> = model["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|property| property["name"] == "airlock:model-signing-sha256")
        .map(|property| property["value"].as_str().unwrap())
        .collect();
    let reference = statement(&signed().join("tiny-model.p256.sig"));
    assert_eq!(
        recorded,
        [reference["subject"][0]["digest"]["sha256"]
            .as_str()
            .unwrap()],
        "airlock's model_signing digest of the directory is the reference tool's"
    );
}
