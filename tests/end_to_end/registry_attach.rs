//! Attestations and SBOMs attached to images in a real registry (issue 24): Debian's
//! `docker-registry` 2.8 ([`support::registry`]), which has no referrers API, so attachments
//! travel through the tag-schema fallback (the referrers API itself is tested against a
//! server in `advisories::oci::attach`). `attest --push` attaches; skopeo sees the fallback
//! index; `verify oci://` accepts the operator's attestation and re-scans the image with the
//! operator's database, and refuses every tampered referrer: another key, subjects naming
//! another image, an SBOM that is not the signed one (exit 1), blobs altered in the registry's
//! storage (exit 2). Never "passed" for any of them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

use advisories::oci::attach::{self, CYCLONEDX_JSON, DSSE_ENVELOPE, IN_TOTO_ARTIFACT};
use advisories::oci::{Reference, Registry, RegistryOptions};

use crate::container_image::{advisories, base_layer, docker_archive, upper_layer, Layer};
use crate::support;
use crate::support::registry::TestRegistry;

/// airlock in `directory`, the operator's own auth files out of reach.
fn airlock(directory: &Path, arguments: &[&str]) -> Output {
    let empty = directory.join("no-docker-config");
    std::fs::create_dir_all(&empty).unwrap();
    support::command_in(directory, arguments)
        .env("DOCKER_CONFIG", &empty)
        .env("HOME", directory)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .unwrap()
}

fn ok(directory: &Path, arguments: &[&str]) -> Output {
    let output = airlock(directory, arguments);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{arguments:?}: {}",
        support::stderr(&output)
    );
    output
}

/// `verify oci://… -f json`: the exit code and the report.
fn verify(
    directory: &Path,
    image: &str,
    key: &str,
    database: &str,
) -> (Option<i32>, Value, String) {
    let output = airlock(
        directory,
        &[
            "--db",
            database,
            "verify",
            image,
            "--key",
            key,
            "--insecure-registry",
            "-f",
            "json",
        ],
    );
    let stderr = support::stderr(&output);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code(), report, stderr)
}

/// The library client, for what a tampering party does by hand.
fn client(registry: &TestRegistry, repository: &str) -> Registry {
    let reference = Reference::parse(&registry.reference(&format!("{repository}:1.0"))).unwrap();
    let mut options = RegistryOptions::from_environment();
    options.insecure = true;
    options.auth.files.clear();
    Registry::connect(&reference, &options).unwrap()
}

fn skopeo(arguments: &[&str]) -> Value {
    let output = Command::new("skopeo").args(arguments).output().unwrap();
    assert!(
        output.status.success(),
        "skopeo {arguments:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Flips one byte of a file in place (same size: the registry's cached length still holds).
fn alter(file: &Path) -> Vec<u8> {
    let original = std::fs::read(file).unwrap();
    let mut altered = original.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x20;
    std::fs::write(file, altered).unwrap();
    original
}

#[test]
fn attest_push_attaches_and_verify_finds_it_and_refuses_every_tampered_referrer() {
    let Some(registry) = TestRegistry::start() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let dir = directory.path();
    std::fs::write(
        dir.join("agent.tar"),
        docker_archive(
            &[Layer::gzip(base_layer()), Layer::plain(upper_layer())],
            "example/agent:1.0",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("base.tar"),
        docker_archive(&[Layer::gzip(base_layer())], "example/base:1.0"),
    )
    .unwrap();
    let archive = |name: &str| format!("docker-archive:{}", dir.join(name).display());
    for repository in ["team/agent", "team/lonely", "team/moved"] {
        registry.push(&archive("agent.tar"), &format!("{repository}:1.0"), false);
    }
    registry.push(&archive("base.tar"), "team/base:1.0", false);

    // The advisories at attestation time, and a later database that knows `otherpkg` 3.1
    // (pinned in the image's upper layer) is vulnerable.
    advisories(dir);
    ok(
        dir,
        &["--db", "clean.sqlite3", "db", "import", "advisories"],
    );
    std::fs::write(
        dir.join("advisories/PYSEC-0000-31.json"),
        serde_json::to_vec_pretty(&json!({
            "id": "PYSEC-0000-31",
            "summary": "otherpkg leaks what it reads",
            "modified": "2024-01-01T00:00:00Z",
            "affected": [{
                "package": {"name": "otherpkg", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.0"}]}],
            }],
            "database_specific": {"severity": "HIGH"},
        }))
        .unwrap(),
    )
    .unwrap();
    ok(
        dir,
        &["--db", "later.sqlite3", "db", "import", "advisories"],
    );
    ok(dir, &["keygen", "release"]);
    ok(dir, &["keygen", "stranger"]);

    let agent = registry.reference("team/agent:1.0");
    let attest = |image: &str, key: &str, output: &str, push: bool| {
        let mut arguments = vec![
            "--db",
            "clean.sqlite3",
            "attest",
            image,
            "--key",
            key,
            "--insecure-registry",
            "-o",
            output,
        ];
        if push {
            arguments.push("--push");
        }
        ok(dir, &arguments)
    };
    let pushed = attest(&agent, "release.key", "agent.intoto.json", true);
    assert!(
        support::stderr(&pushed).contains("attached to"),
        "{}",
        support::stderr(&pushed)
    );
    // --push needs an image.
    let refused = airlock(
        dir,
        &[
            "attest",
            "advisories",
            "--key",
            "release.key",
            "--no-vuln-db",
            "--push",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(support::stderr(&refused).contains("PATH must be oci://"));

    // The registry, read by skopeo: the fallback tag lists the attestation and the SBOM, each
    // an OCI 1.1 artifact whose subject is the image.
    let registry_path = format!("docker://{}/team/agent", registry.address);
    let manifest_digest = client(&registry, "team/agent")
        .fetch_manifest("1.0")
        .unwrap()
        .digest;
    assert!(manifest_digest.starts_with("sha256:"), "{manifest_digest}");
    let fallback_tag = manifest_digest.replacen(':', "-", 1);
    let tags = skopeo(&["list-tags", "--tls-verify=false", &registry_path]);
    let tags: Vec<&str> = tags["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag.as_str().unwrap())
        .collect();
    assert!(tags.contains(&fallback_tag.as_str()), "{tags:?}");
    let index = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("{registry_path}:{fallback_tag}"),
    ]);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let entries = index["manifests"].as_array().unwrap();
    let types: Vec<&str> = entries
        .iter()
        .map(|entry| entry["artifactType"].as_str().unwrap())
        .collect();
    assert_eq!(types, [IN_TOTO_ARTIFACT, CYCLONEDX_JSON]);
    let attestation_manifest = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("{registry_path}@{}", entries[0]["digest"].as_str().unwrap()),
    ]);
    assert_eq!(
        attestation_manifest["subject"]["digest"],
        manifest_digest.as_str()
    );
    assert_eq!(
        attestation_manifest["layers"][0]["mediaType"],
        DSSE_ENVELOPE
    );
    assert_eq!(
        attestation_manifest["layers"][0]["annotations"]["predicateType"],
        "https://cyclonedx.org/bom"
    );
    // The envelope attached is the one written with -o.
    let envelope_digest = attestation_manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let local_envelope = std::fs::read(dir.join("agent.intoto.json")).unwrap();
    assert_eq!(
        envelope_digest,
        format!(
            "sha256:{}",
            crate::container_image::sha256_hex(&local_envelope)
        )
    );
    // The same envelope under cosign's tag-based layout (`sha256-HEX.att`), where `cosign
    // download attestation` looks: an image of DSSE layers whose config lists them as rootfs.
    let cosign_tag = format!("{registry_path}:{fallback_tag}.att");
    let cosign_layers = |expected: usize| -> Vec<String> {
        let image = skopeo(&["inspect", "--raw", "--tls-verify=false", &cosign_tag]);
        assert_eq!(
            image["mediaType"],
            "application/vnd.oci.image.manifest.v1+json"
        );
        assert_eq!(
            image["config"]["mediaType"],
            "application/vnd.oci.image.config.v1+json"
        );
        let layers = image["layers"].as_array().unwrap();
        assert_eq!(layers.len(), expected, "{image:#}");
        for layer in layers {
            assert_eq!(layer["mediaType"], DSSE_ENVELOPE);
            assert_eq!(
                layer["annotations"]["predicateType"],
                "https://cyclonedx.org/bom"
            );
            assert_eq!(
                layer["annotations"]["dev.cosignproject.cosign/signature"],
                ""
            );
        }
        let digests: Vec<String> = layers
            .iter()
            .map(|layer| layer["digest"].as_str().unwrap().to_owned())
            .collect();
        let config = skopeo(&[
            "inspect",
            "--config",
            "--raw",
            "--tls-verify=false",
            &cosign_tag,
        ]);
        assert_eq!(config["rootfs"]["diff_ids"], json!(digests));
        digests
    };
    assert_eq!(cosign_layers(1), std::slice::from_ref(&envelope_digest));
    let sbom_manifest = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("{registry_path}@{}", entries[1]["digest"].as_str().unwrap()),
    ]);
    let sbom_digest = sbom_manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_owned();

    // The gate: signature, subjects (the manifest digest, as the registry holds it now), the
    // image scanned again with the operator's database, the SBOM the signed one.
    let (code, report, stderr) = verify(dir, &agent, "release.pub", "clean.sqlite3");
    assert_eq!(code, Some(0), "{stderr}\n{report:#}");
    assert_eq!(report["passed"], true);
    assert_eq!(report["kind"], "image-attestation");
    assert_eq!(report["image"]["manifest"], manifest_digest.as_str());
    assert_eq!(report["signature"]["status"], "ok");
    assert_eq!(report["files"]["status"], "ok");
    assert!(
        report["files"]["detail"]
            .as_str()
            .unwrap()
            .contains("names the image manifest digest"),
        "{report:#}"
    );
    assert_eq!(report["findings"]["status"], "ok");
    assert_eq!(report["findings"]["vulnerabilities_checked"], true);
    assert_eq!(report["sbom"]["status"], "ok");
    assert_eq!(report["attachments"][0]["status"], "accepted");

    // The operator's newer database knows more: the re-scan fails the image, exit 1, though
    // the attestation itself holds.
    let (code, report, stderr) = verify(dir, &agent, "release.pub", "later.sqlite3");
    assert_eq!(code, Some(1), "{stderr}\n{report:#}");
    assert_eq!(report["passed"], false);
    assert_eq!(report["failed"], json!(["findings"]));
    assert_eq!(report["signature"]["status"], "ok");
    assert_eq!(
        report["findings"]["failing"][0]["advisory"],
        "PYSEC-0000-31"
    );

    // Another key's attestation, pushed next to the operator's: listed, not accepted; the
    // operator's still counts.
    attest(&agent, "stranger.key", "stranger.intoto.json", true);
    // cosign's tag gains the second envelope and keeps the first.
    let stranger_envelope = std::fs::read(dir.join("stranger.intoto.json")).unwrap();
    assert_eq!(
        cosign_layers(2),
        [
            envelope_digest.clone(),
            format!(
                "sha256:{}",
                crate::container_image::sha256_hex(&stranger_envelope)
            )
        ]
    );
    let (code, report, stderr) = verify(dir, &agent, "release.pub", "clean.sqlite3");
    assert_eq!(code, Some(0), "{stderr}\n{report:#}");
    let statuses: Vec<(&str, &str)> = report["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["status"].as_str().unwrap(),
                entry["rejected_for"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(statuses.len(), 2, "{report:#}");
    assert!(statuses.contains(&("accepted", "")), "{statuses:?}");
    assert!(
        statuses.contains(&("rejected", "signature")),
        "{statuses:?}"
    );

    // Only another key's attestation: exit 1, never passed.
    let lonely = registry.reference("team/lonely:1.0");
    attest(&lonely, "stranger.key", "lonely.intoto.json", true);
    let (code, report, stderr) = verify(dir, &lonely, "release.pub", "clean.sqlite3");
    assert_eq!(code, Some(1), "{stderr}\n{report:#}");
    assert_eq!(report["passed"], false);
    assert_eq!(report["signature"]["status"], "failed");
    assert!(
        report["signature"]["detail"]
            .as_str()
            .unwrap()
            .contains("signed by another key"),
        "{report:#}"
    );
    assert_eq!(report["findings"]["status"], "not-checked");
    // Its table says so too.
    let table = airlock(
        dir,
        &[
            "--db",
            "clean.sqlite3",
            "verify",
            &lonely,
            "--key",
            "release.pub",
            "--insecure-registry",
        ],
    );
    assert_eq!(table.status.code(), Some(1));
    assert!(
        support::stdout(&table).contains("rejected (signature)"),
        "{}",
        support::stdout(&table)
    );

    // The operator's own signature over another image (other layer digests), attached to this
    // one by hand: signed, but not about this image. Exit 1.
    let base = registry.reference("team/base:1.0");
    // (The base layer still holds vulnpkg 1.0: recorded, and not failed here.)
    ok(
        dir,
        &[
            "--db",
            "clean.sqlite3",
            "attest",
            &base,
            "--key",
            "release.key",
            "--insecure-registry",
            "--fail-on",
            "none",
            "-o",
            "base.intoto.json",
        ],
    );
    let moved = client(&registry, "team/moved");
    let moved_manifest = moved.fetch_manifest("1.0").unwrap();
    attach::push(
        &moved,
        &moved_manifest.descriptor(),
        &std::fs::read(dir.join("base.intoto.json")).unwrap(),
        "https://cyclonedx.org/bom",
        None,
        None,
    )
    .unwrap();
    let (code, report, stderr) = verify(
        dir,
        &registry.reference("team/moved:1.0"),
        "release.pub",
        "clean.sqlite3",
    );
    assert_eq!(code, Some(1), "{stderr}\n{report:#}");
    assert_eq!(report["passed"], false);
    assert_eq!(report["failed"], json!(["subjects"]));
    assert!(
        report["files"]["detail"]
            .as_str()
            .unwrap()
            .contains("which is not this image"),
        "{report:#}"
    );
    assert_eq!(report["attachments"][0]["rejected_for"], "subjects");

    // The SBOM blob altered in the registry's storage: the registry is not read faithfully.
    // Exit 2, naming the blob; no verdict.
    let original = alter(&registry.blob_file(&sbom_digest));
    let (code, report, stderr) = verify(dir, &agent, "release.pub", "clean.sqlite3");
    assert_eq!(code, Some(2), "{stderr}\n{report:#}");
    assert!(
        stderr.contains(&sbom_digest) && stderr.contains("altered"),
        "{stderr}"
    );
    assert_eq!(report, Value::Null, "no report claims anything");
    std::fs::write(registry.blob_file(&sbom_digest), original).unwrap();
    // The envelope blob altered: the same.
    let original = alter(&registry.blob_file(&envelope_digest));
    let (code, _, stderr) = verify(dir, &agent, "release.pub", "clean.sqlite3");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&envelope_digest) && stderr.contains("altered"),
        "{stderr}"
    );
    std::fs::write(registry.blob_file(&envelope_digest), original).unwrap();

    // Another SBOM attached beside the signed one (well-formed, digest-true): not the one the
    // attestation signs, so the gate fails. Exit 1.
    let agent_client = client(&registry, "team/agent");
    let agent_manifest = agent_client.fetch_manifest("1.0").unwrap();
    let forged = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}"#;
    agent_client.push_blob(forged).unwrap();
    agent_client
        .attach_referrer(&attach::sbom_manifest(
            &agent_manifest.descriptor(),
            forged,
            None,
        ))
        .unwrap();
    let (code, report, stderr) = verify(dir, &agent, "release.pub", "clean.sqlite3");
    assert_eq!(code, Some(1), "{stderr}\n{report:#}");
    assert_eq!(report["failed"], json!(["sbom"]));
    let sboms: Vec<&str> = report["sbom"]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["status"].as_str().unwrap())
        .collect();
    assert_eq!(sboms.len(), 2);
    assert!(
        sboms.contains(&"signed") && sboms.contains(&"differs"),
        "{sboms:?}"
    );

    // No attestation at all (a fresh image): exit 1, never passed.
    registry.push(&archive("agent.tar"), "team/bare:1.0", false);
    let (code, report, stderr) = verify(
        dir,
        &registry.reference("team/bare:1.0"),
        "release.pub",
        "clean.sqlite3",
    );
    assert_eq!(code, Some(1), "{stderr}\n{report:#}");
    assert_eq!(report["passed"], false);
    assert!(
        report["signature"]["detail"]
            .as_str()
            .unwrap()
            .contains("no attestation is attached"),
        "{report:#}"
    );
}
