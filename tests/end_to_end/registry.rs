//! Images, bundles and credentials through a real registry (issue 24): Debian's
//! `docker-registry` started by the test on 127.0.0.1 ([`support::registry`]), images pushed to
//! it with `skopeo` from archives and layouts the test builds. Pull-and-scan must give what the
//! `docker save` tarball of the same image gives; a multi-platform index is read for the
//! platform asked for; a tampered layer, an unreachable registry, missing or wrong credentials
//! and refused bundles are clear errors (exit 2) that change nothing. Credentials never appear
//! in anything airlock prints.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::container_image::{
    advisories, base_layer, docker_archive, layer_tar, sha256_hex, upper_layer, Entry, Layer,
};
use crate::support;
use crate::support::registry::TestRegistry;

/// airlock in `directory`, with the operator's own auth files out of reach: `DOCKER_CONFIG`
/// is `docker_config` (or an empty directory), the Podman files unset.
fn airlock(directory: &Path, docker_config: Option<&Path>, arguments: &[&str]) -> Output {
    let empty = directory.join("no-docker-config");
    std::fs::create_dir_all(&empty).unwrap();
    support::command_in(directory, arguments)
        .env("DOCKER_CONFIG", docker_config.unwrap_or(&empty))
        .env("HOME", directory)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .unwrap()
}

/// A test advisory for `otherpkg` before 4.0 (the upper layer's requirements pin 3.1).
fn more_advisories(directory: &Path) {
    advisories(directory);
    std::fs::write(
        directory.join("advisories/PYSEC-0000-31.json"),
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
}

/// What a report says, without where the image was read from: the components (but the
/// image's own root) by identity, the findings by rule, id and component, the diagnostics by
/// code and severity.
fn essence(report: &Value) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let components = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|component| component["ecosystem"] != "docker")
        .map(|component| {
            format!(
                "{} {} {} {}",
                component["ecosystem"], component["name"], component["version"], component["kind"]
            )
        })
        .collect();
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            format!(
                "{} {} {} {}",
                finding["rule"], finding["advisory"], finding["severity"], finding["component"]
            )
        })
        .collect();
    let diagnostics = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| format!("{} {}", diagnostic["code"], diagnostic["severity"]))
        .collect();
    (components, findings, diagnostics)
}

fn docker_root(report: &Value) -> &Value {
    report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["ecosystem"] == "docker")
        .expect("the image's root")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", support::stderr(output)))
}

/// Must show: the image pulled from the registry (by tag, then by the digest the first scan
/// recorded) scans to the same components, findings and diagnostics as its `docker save`
/// tarball; the root names the registry, the repository and the manifest digest.
#[test]
fn pull_and_scan_gives_what_the_docker_save_tarball_gives() {
    let Some(registry) = TestRegistry::start() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    more_advisories(directory.path());
    std::fs::write(
        directory.path().join("agent.tar"),
        docker_archive(
            &[Layer::gzip(base_layer()), Layer::plain(upper_layer())],
            "example/agent:1.0",
        ),
    )
    .unwrap();
    registry.push(
        &format!(
            "docker-archive:{}",
            directory.path().join("agent.tar").display()
        ),
        "team/agent:1.0",
        false,
    );

    let scan = |target: &str| {
        airlock(
            directory.path(),
            None,
            &[
                "scan",
                target,
                "-f",
                "json",
                "--advisories",
                "advisories",
                "--insecure-registry",
            ],
        )
    };
    let local = scan("agent.tar");
    assert_eq!(local.status.code(), Some(1), "{}", support::stderr(&local));
    let local_report = json_of(&local);

    let by_tag = scan(&registry.reference("team/agent:1.0"));
    assert_eq!(
        by_tag.status.code(),
        Some(1),
        "{}",
        support::stderr(&by_tag)
    );
    let tag_report = json_of(&by_tag);
    assert_eq!(essence(&tag_report), essence(&local_report));
    let (components, findings, _) = essence(&tag_report);
    // The whiteout of the upper layer applied over the network as from the tarball.
    assert!(
        components.iter().any(|c| c.contains("\"keeppkg\"")),
        "{components:?}"
    );
    assert!(
        !components.iter().any(|c| c.contains("\"vulnpkg\"")),
        "{components:?}"
    );
    assert!(
        findings.iter().any(|f| f.contains("PYSEC-0000-31")),
        "{findings:?}"
    );

    let root = docker_root(&tag_report);
    assert_eq!(root["name"], format!("{}/team/agent", registry.address));
    assert_eq!(root["properties"]["airlock:image-tag"], "1.0");
    let digest = root["version"].as_str().unwrap().to_owned();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    // The image id (config digest) is the tarball's: the same image.
    assert_eq!(
        root["properties"]["airlock:image:config-digest"],
        docker_root(&local_report)["properties"]["airlock:image:config-digest"]
    );
    // Files inside are named under the reference, without its scheme.
    let path = format!("{}/team/agent:1.0!/app/requirements.txt", registry.address);
    assert!(
        tag_report["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|file| file["path"] == path.as_str()),
        "{}",
        tag_report["files"]
    );

    let by_digest = scan(&registry.reference(&format!("team/agent@{digest}")));
    assert_eq!(
        by_digest.status.code(),
        Some(1),
        "{}",
        support::stderr(&by_digest)
    );
    let digest_report = json_of(&by_digest);
    assert_eq!(essence(&digest_report), essence(&local_report));
    assert_eq!(docker_root(&digest_report)["version"], digest.as_str());

    // sbom reads it too, and an attestation's subject is the image at its manifest digest.
    let sbom = airlock(
        directory.path(),
        None,
        &[
            "sbom",
            &registry.reference("team/agent:1.0"),
            "-f",
            "cyclonedx-json",
            "--insecure-registry",
        ],
    );
    assert_eq!(sbom.status.code(), Some(0), "{}", support::stderr(&sbom));
    let document = json_of(&sbom);
    assert!(document["components"].as_array().unwrap().len() >= 4);
    let keygen = airlock(directory.path(), None, &["keygen", "release"]);
    assert_eq!(
        keygen.status.code(),
        Some(0),
        "{}",
        support::stderr(&keygen)
    );
    let attest = airlock(
        directory.path(),
        None,
        &[
            "attest",
            &registry.reference("team/agent:1.0"),
            "--key",
            "release.key",
            "--no-vuln-db",
            "--insecure-registry",
            "-o",
            "attestation.json",
        ],
    );
    assert_eq!(
        attest.status.code(),
        Some(0),
        "{}",
        support::stderr(&attest)
    );
    let envelope: Value =
        serde_json::from_slice(&std::fs::read(directory.path().join("attestation.json")).unwrap())
            .unwrap();
    let statement: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        statement["subject"],
        json!([{
            "name": format!("{}/team/agent", registry.address),
            "digest": {"sha256": digest.strip_prefix("sha256:").unwrap()},
        }])
    );

    // Plain HTTP only when the operator says so.
    let refused = airlock(
        directory.path(),
        None,
        &[
            "scan",
            &registry.reference("team/agent:1.0"),
            "--no-vuln-db",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        support::stderr(&refused).contains(&format!("cannot reach {}", registry.address)),
        "{}",
        support::stderr(&refused)
    );
}

/// An image of one platform: a requirements file pinning `otherpkg` at `version`.
fn platform_image(architecture: &str, version: &str, blobs: &mut Vec<(String, Vec<u8>)>) -> Value {
    let layer = Layer::gzip(layer_tar(&[
        Entry::Directory("app"),
        Entry::File(
            "app/requirements.txt",
            format!("otherpkg=={version}\n").into_bytes(),
        ),
    ]));
    let config = serde_json::to_vec(&json!({
        "architecture": architecture,
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{}", sha256_hex(&layer.tar))]},
    }))
    .unwrap();
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": format!("sha256:{}", sha256_hex(&config)),
            "size": config.len(),
        },
        "layers": [{"mediaType": layer.media_type, "digest": layer.digest(), "size": layer.blob.len()}],
    }))
    .unwrap();
    let descriptor = json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": format!("sha256:{}", sha256_hex(&manifest)),
        "size": manifest.len(),
        "platform": {"os": "linux", "architecture": architecture},
    });
    blobs.push((sha256_hex(&config), config));
    blobs.push((sha256_hex(&layer.blob), layer.blob.clone()));
    blobs.push((sha256_hex(&manifest), manifest));
    descriptor
}

/// A multi-platform index (pushed with `skopeo copy --all` from an OCI layout the test
/// writes): each --platform reads its own image; a platform the index lacks is an error that
/// lists the ones it has.
#[test]
fn a_multi_platform_index_is_read_for_the_platform_asked_for() {
    let Some(registry) = TestRegistry::start() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let layout = directory.path().join("layout");
    std::fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    let mut blobs = Vec::new();
    let amd64 = platform_image("amd64", "1.0", &mut blobs);
    let arm64 = platform_image("arm64", "2.0", &mut blobs);
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [amd64, arm64],
    }))
    .unwrap();
    blobs.push((sha256_hex(&index), index.clone()));
    for (hex, bytes) in &blobs {
        std::fs::write(layout.join("blobs/sha256").join(hex), bytes).unwrap();
    }
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": format!("sha256:{}", sha256_hex(&index)),
                "size": index.len(),
                "annotations": {"org.opencontainers.image.ref.name": "multi"},
            }],
        }))
        .unwrap(),
    )
    .unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion": "1.0.0"}"#,
    )
    .unwrap();
    registry.push(&format!("oci:{}:multi", layout.display()), "multi:1", true);

    let otherpkg = |platform: &str| {
        let output = airlock(
            directory.path(),
            None,
            &[
                "scan",
                &registry.reference("multi:1"),
                "--platform",
                platform,
                "--insecure-registry",
                "--no-vuln-db",
                "-f",
                "json",
                "-v",
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            support::stderr(&output)
        );
        let report = json_of(&output);
        let version = report["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|component| component["name"] == "otherpkg")
            .map(|component| component["version"].as_str().unwrap().to_owned());
        let platform = docker_root(&report)["properties"]["airlock:image:platform"].clone();
        (version, platform, support::stderr(&output))
    };
    let (version, platform, stderr) = otherpkg("linux/amd64");
    assert_eq!(version.as_deref(), Some("1.0"));
    assert_eq!(platform, "linux/amd64");
    assert!(stderr.contains("is a multi-platform index"), "{stderr}");
    let (version, platform, _) = otherpkg("linux/arm64");
    assert_eq!(version.as_deref(), Some("2.0"));
    assert_eq!(platform, "linux/arm64");

    let missing = airlock(
        directory.path(),
        None,
        &[
            "scan",
            &registry.reference("multi:1"),
            "--platform",
            "linux/s390x",
            "--insecure-registry",
            "--no-vuln-db",
        ],
    );
    assert_eq!(missing.status.code(), Some(2));
    let stderr = support::stderr(&missing);
    assert!(
        stderr.contains("linux/s390x") && stderr.contains("linux/amd64, linux/arm64"),
        "{stderr}"
    );
    let bad = airlock(
        directory.path(),
        None,
        &[
            "scan",
            &registry.reference("multi:1"),
            "--platform",
            "s390x",
            "--insecure-registry",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        support::stderr(&bad).contains("--platform `s390x`"),
        "{}",
        support::stderr(&bad)
    );
}

/// A layer whose bytes in the registry are not those its manifest names: the scan says which
/// blob, that it was altered, and exits 2; no attestation is written of it.
#[test]
fn a_tampered_layer_is_named_and_exits_2() {
    let Some(registry) = TestRegistry::start() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("agent.tar"),
        docker_archive(
            &[Layer::gzip(base_layer()), Layer::gzip(upper_layer())],
            "example/agent:1.0",
        ),
    )
    .unwrap();
    registry.push(
        &format!(
            "docker-archive:{}",
            directory.path().join("agent.tar").display()
        ),
        "agent:1",
        false,
    );
    // The digests as the registry holds them (skopeo may recompress what it pushes).
    let inspected = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{}/agent:1", registry.address))
        .output()
        .unwrap();
    let manifest: Value = serde_json::from_slice(&inspected.stdout).unwrap();
    let upper_digest = manifest["layers"][1]["digest"].as_str().unwrap().to_owned();
    let stored = registry.blob_file(&upper_digest);
    let mut bytes = std::fs::read(&stored).unwrap();
    // gzip's MTIME field: every decoder ignores it, so the layer's files and its diff_id are
    // unchanged; only the blob's own digest tells.
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    bytes[4] ^= 0x01;
    std::fs::write(&stored, &bytes).unwrap();

    let output = airlock(
        directory.path(),
        None,
        &[
            "scan",
            &registry.reference("agent:1"),
            "--insecure-registry",
            "--no-vuln-db",
        ],
    );
    let stderr = support::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&upper_digest) && stderr.contains("altered or is corrupt"),
        "{stderr}"
    );
    let keygen = airlock(directory.path(), None, &["keygen", "release"]);
    assert_eq!(keygen.status.code(), Some(0));
    let attest = airlock(
        directory.path(),
        None,
        &[
            "attest",
            &registry.reference("agent:1"),
            "--key",
            "release.key",
            "--no-vuln-db",
            "--insecure-registry",
            "-o",
            "attestation.json",
        ],
    );
    assert_eq!(
        attest.status.code(),
        Some(2),
        "{}",
        support::stderr(&attest)
    );
    assert!(!directory.path().join("attestation.json").exists());
}

/// Nothing listens on the port: a clear error naming the registry, exit 2, and a pull leaves
/// the database as it was. (Needs no registry: runs everywhere.)
#[test]
fn an_unreachable_registry_is_a_clear_error_and_replaces_nothing() {
    let directory = tempfile::tempdir().unwrap();
    let port = support::registry::free_port();
    let reference = format!("oci://127.0.0.1:{port}/team/agent:1.0");
    let output = airlock(
        directory.path(),
        None,
        &["scan", &reference, "--insecure-registry", "--no-vuln-db"],
    );
    let stderr = support::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot pull {reference}"))
            && stderr.contains(&format!("cannot reach 127.0.0.1:{port}")),
        "{stderr}"
    );
    more_advisories(directory.path());
    let database = directory.path().join("advisories.sqlite3");
    let import = airlock(
        directory.path(),
        None,
        &["--db", "advisories.sqlite3", "db", "import", "advisories"],
    );
    assert_eq!(
        import.status.code(),
        Some(0),
        "{}",
        support::stderr(&import)
    );
    let before = std::fs::read(&database).unwrap();
    let pull = airlock(
        directory.path(),
        None,
        &[
            "--db",
            "advisories.sqlite3",
            "db",
            "pull",
            &reference,
            "--insecure-registry",
            "--allow-unsigned",
        ],
    );
    assert_eq!(pull.status.code(), Some(2), "{}", support::stderr(&pull));
    assert!(
        support::stderr(&pull).contains("cannot reach"),
        "{}",
        support::stderr(&pull)
    );
    assert_eq!(std::fs::read(&database).unwrap(), before);
    assert!(
        std::fs::read_dir(directory.path())
            .unwrap()
            .all(|entry| !entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("airlock-pull")),
        "a scratch file was left behind"
    );
    // A malformed reference is refused before anything is sent.
    let bad = airlock(
        directory.path(),
        None,
        &["scan", "oci://127.0.0.1/../etc:1", "--no-vuln-db"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(support::stderr(&bad).contains("is not a registry reference"));
}

/// A registry that asks for credentials: the `auths` entry of the DOCKER_CONFIG the operator
/// points at is used; without one, or with a wrong one, a clear error (exit 2) that says what
/// to do; a credential helper is named, not run, without --credential-helpers; the password
/// never appears in anything airlock prints.
#[test]
fn credentials_come_from_the_auths_entry_and_are_never_printed() {
    const PASSWORD: &str = "s3cret-Pa55word";
    let Some(registry) = TestRegistry::start_with_auth("alice", PASSWORD) else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("agent.tar"),
        docker_archive(&[Layer::gzip(base_layer())], "example/agent:1.0"),
    )
    .unwrap();
    registry.push(
        &format!(
            "docker-archive:{}",
            directory.path().join("agent.tar").display()
        ),
        "agent:1",
        false,
    );
    let config = |name: &str, entry: Value| {
        let docker = directory.path().join(name);
        std::fs::create_dir_all(&docker).unwrap();
        std::fs::write(
            docker.join("config.json"),
            serde_json::to_vec(&entry).unwrap(),
        )
        .unwrap();
        docker
    };
    let auth = |user: &str, password: &str| {
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    };
    let good = config(
        "good",
        json!({"auths": {registry.address.clone(): {"auth": auth("alice", PASSWORD)}}}),
    );
    let wrong = config(
        "wrong",
        json!({"auths": {format!("http://{}", registry.address): {"auth": auth("alice", "not-the-Pa55word")}}}),
    );
    let helper = config(
        "helper",
        json!({"credHelpers": {registry.address.clone(): "airlock-test-helper"}}),
    );
    let scan = |docker: Option<&Path>| {
        airlock(
            directory.path(),
            docker,
            &[
                "scan",
                &registry.reference("agent:1"),
                "--insecure-registry",
                "--no-vuln-db",
                "-f",
                "json",
                "-v",
            ],
        )
    };
    let never_printed = |output: &Output| {
        let everything = format!("{}{}", support::stdout(output), support::stderr(output));
        for secret in [PASSWORD, "not-the-Pa55word", &auth("alice", PASSWORD)] {
            assert!(
                !everything.contains(secret),
                "printed a credential: {everything}"
            );
        }
    };

    let output = scan(Some(&good));
    never_printed(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::stderr(&output)
    );
    assert!(essence(&json_of(&output))
        .0
        .iter()
        .any(|c| c.contains("\"vulnpkg\"")));

    let output = scan(None);
    never_printed(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        support::stderr(&output).contains(&format!("no auth file entry for {}", registry.address)),
        "{}",
        support::stderr(&output)
    );

    let output = scan(Some(&wrong));
    never_printed(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        support::stderr(&output).contains("were refused"),
        "{}",
        support::stderr(&output)
    );

    let output = scan(Some(&helper));
    never_printed(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        support::stderr(&output).contains("`airlock-test-helper`")
            && support::stderr(&output).contains("--credential-helpers"),
        "{}",
        support::stderr(&output)
    );
}

/// Bundles through the registry: push then pull replaces the receiver's database; a replayed
/// older bundle and a bundle signed by another key are refused (exit 2) and leave it exactly
/// as it was; a manifest that is no bundle is refused by its artifact type.
#[test]
fn bundles_push_and_pull_with_the_checks_of_db_import() {
    let Some(registry) = TestRegistry::start() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let work = directory.path();
    let run = |arguments: &[&str], epoch: &str| {
        support::command_in(work, arguments)
            .env("DOCKER_CONFIG", work.join("no-docker-config"))
            .env_remove("REGISTRY_AUTH_FILE")
            .env_remove("XDG_RUNTIME_DIR")
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .unwrap()
    };
    let ok = |arguments: &[&str], epoch: &str| {
        let output = run(arguments, epoch);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{arguments:?}: {}",
            support::stderr(&output)
        );
        support::stdout(&output)
    };
    ok(&["keygen", "release"], "1700000000");
    ok(&["keygen", "intruder"], "1700000000");
    more_advisories(work);
    let old_bundle = registry.reference("airlock/advisories:old");
    let new_bundle = registry.reference("airlock/advisories:new");
    let other_bundle = registry.reference("airlock/advisories:other");
    ok(
        &["--db", "exporter.db", "db", "import", "advisories"],
        "1700000000",
    );
    let pushed = ok(
        &[
            "--db",
            "exporter.db",
            "db",
            "push",
            &old_bundle,
            "--sign-key",
            "release.key",
            "--insecure-registry",
        ],
        "1700000000",
    );
    assert!(
        pushed.contains("pushed") && pushed.contains("signed by SHA256:"),
        "{pushed}"
    );
    // Newer data, built later.
    std::fs::write(
        work.join("newer.json"),
        serde_json::to_vec(&json!({
            "id": "PYSEC-0000-99", "modified": "2024-06-01T00:00:00Z",
            "affected": [{"package": {"name": "newpkg", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}],
        }))
        .unwrap(),
    )
    .unwrap();
    ok(
        &["--db", "exporter.db", "db", "import", "newer.json"],
        "1700003600",
    );
    ok(
        &[
            "--db",
            "exporter.db",
            "db",
            "push",
            &new_bundle,
            "--sign-key",
            "release.key",
            "--insecure-registry",
        ],
        "1700003600",
    );
    ok(
        &[
            "--db",
            "exporter.db",
            "db",
            "push",
            &other_bundle,
            "--sign-key",
            "intruder.key",
            "--insecure-registry",
        ],
        "1700007200",
    );

    // The receiver pulls the new bundle.
    let receiver = work.join("receiver.db");
    let pulled = ok(
        &[
            "--db",
            "receiver.db",
            "db",
            "pull",
            &new_bundle,
            "--key",
            "release.pub",
            "--insecure-registry",
        ],
        "1700010000",
    );
    assert!(
        pulled.contains("verified (signed by SHA256:") && pulled.contains("database replaced"),
        "{pulled}"
    );
    assert!(pulled.contains("advisories 3"), "{pulled}");
    let before = std::fs::read(&receiver).unwrap();

    // Replayed: the older bundle, signed by the same key.
    let output = run(
        &[
            "--db",
            "receiver.db",
            "db",
            "pull",
            &old_bundle,
            "--insecure-registry",
        ],
        "1700010000",
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        support::stderr(&output)
    );
    let stderr = support::stderr(&output);
    assert!(
        stderr.contains(&old_bundle) && stderr.contains("--allow-downgrade"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&receiver).unwrap(), before);

    // Signed by another key: refused against the key recorded in the database, and against
    // the one named.
    for arguments in [
        vec![
            "--db",
            "receiver.db",
            "db",
            "pull",
            &other_bundle,
            "--insecure-registry",
        ],
        vec![
            "--db",
            "receiver.db",
            "db",
            "pull",
            &other_bundle,
            "--key",
            "release.pub",
            "--insecure-registry",
        ],
    ] {
        let output = run(&arguments, "1700010000");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            support::stderr(&output)
        );
        let stderr = support::stderr(&output);
        assert!(
            stderr.contains(&other_bundle)
                && (stderr.contains("--repin") || stderr.contains("signature")),
            "{stderr}"
        );
        assert_eq!(std::fs::read(&receiver).unwrap(), before);
    }

    // An image is no bundle.
    std::fs::write(
        work.join("agent.tar"),
        docker_archive(&[Layer::gzip(base_layer())], "example/agent:1.0"),
    )
    .unwrap();
    registry.push(
        &format!("docker-archive:{}", work.join("agent.tar").display()),
        "agent:1",
        false,
    );
    let output = run(
        &[
            "--db",
            "receiver.db",
            "db",
            "pull",
            &registry.reference("agent:1"),
            "--insecure-registry",
        ],
        "1700010000",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        support::stderr(&output).contains("is not an airlock advisory bundle"),
        "{}",
        support::stderr(&output)
    );
    assert_eq!(std::fs::read(&receiver).unwrap(), before);

    // The bundle's bytes altered in the registry: refused by digest, nothing replaced.
    let manifest_output = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!(
            "docker://{}/airlock/advisories:new",
            registry.address
        ))
        .output()
        .unwrap();
    let manifest: Value = serde_json::from_slice(&manifest_output.stdout).unwrap();
    assert_eq!(
        manifest["artifactType"],
        "application/vnd.airlock.advisory-bundle.v1"
    );
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.airlock.advisory-bundle.v1+zip"
    );
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let stored = registry.blob_file(layer);
    let mut bytes = std::fs::read(&stored).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&stored, &bytes).unwrap();
    let output = run(
        &[
            "--db",
            "receiver.db",
            "db",
            "pull",
            &new_bundle,
            "--key",
            "release.pub",
            "--insecure-registry",
            "--allow-downgrade",
        ],
        "1700010000",
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        support::stderr(&output)
    );
    assert!(
        support::stderr(&output).contains(layer) && support::stderr(&output).contains("altered"),
        "{}",
        support::stderr(&output)
    );
    assert_eq!(std::fs::read(&receiver).unwrap(), before);
}

/// The client item 3 builds on, against the real registry (which has no referrers API, like
/// many in isolated networks): referrers attached to an image are found through the tag-schema
/// fallback index `sha256-<hex>`, filtered by artifact type, and listed once however often they
/// are attached.
#[test]
fn referrers_attach_and_list_through_the_fallback_index() {
    use advisories::oci::{
        AuthSources, Descriptor, ImageManifest, Platform, Reference, Registry, RegistryOptions,
        EMPTY_JSON, OCI_EMPTY, OCI_MANIFEST,
    };
    let Some(registry) = TestRegistry::start() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("agent.tar"),
        docker_archive(&[Layer::gzip(base_layer())], "example/agent:1.0"),
    )
    .unwrap();
    registry.push(
        &format!(
            "docker-archive:{}",
            directory.path().join("agent.tar").display()
        ),
        "agent:1",
        false,
    );
    let reference = Reference::parse(&registry.reference("agent:1")).unwrap();
    let client = Registry::connect(
        &reference,
        &RegistryOptions {
            insecure: true,
            auth: AuthSources::default(),
            timeout: std::time::Duration::from_secs(30),
        },
    )
    .unwrap();
    let image = client.resolve_image(&Platform::host()).unwrap();
    assert!(client
        .referrers(&image.manifest.digest, None)
        .unwrap()
        .is_empty());
    client.push_blob(EMPTY_JSON).unwrap();
    let attach = |artifact_type: &str, payload: &[u8]| {
        client.push_blob(payload).unwrap();
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: OCI_MANIFEST.to_owned(),
            artifact_type: Some(artifact_type.to_owned()),
            config: Descriptor::of(OCI_EMPTY, EMPTY_JSON),
            layers: vec![Descriptor::of(artifact_type, payload)],
            subject: Some(image.manifest.descriptor()),
            annotations: Default::default(),
        };
        client.attach_referrer(&manifest).unwrap()
    };
    let attestation = attach(
        "application/vnd.dsse.envelope.v1+json",
        b"{\"payload\": \"x\"}",
    );
    let sbom = attach(
        "application/vnd.cyclonedx+json",
        b"{\"bomFormat\": \"CycloneDX\"}",
    );
    assert_eq!(
        attach(
            "application/vnd.cyclonedx+json",
            b"{\"bomFormat\": \"CycloneDX\"}"
        ),
        sbom
    );
    let all: Vec<String> = client
        .referrers(&image.manifest.digest, None)
        .unwrap()
        .into_iter()
        .map(|descriptor| descriptor.digest)
        .collect();
    assert_eq!(all, [attestation.clone(), sbom.clone()]);
    let sboms = client
        .referrers(
            &image.manifest.digest,
            Some("application/vnd.cyclonedx+json"),
        )
        .unwrap();
    assert_eq!(sboms.len(), 1);
    assert_eq!(sboms[0].digest, sbom);
    // Other tools see the fallback index under its tag.
    let inspected = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!(
            "docker://{}/agent:{}",
            registry.address,
            Registry::fallback_tag(&image.manifest.digest)
        ))
        .output()
        .unwrap();
    let index: Value = serde_json::from_slice(&inspected.stdout).unwrap();
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(index["manifests"].as_array().unwrap().len(), 2);
    // The referrer's own manifest reads back by digest, its subject the image.
    let fetched = client.fetch_manifest(&sbom).unwrap();
    let manifest: ImageManifest = serde_json::from_slice(&fetched.bytes).unwrap();
    assert_eq!(manifest.subject.unwrap().digest, image.manifest.digest);
}

/// Fleet runs over images (issue 24, items 1 and 4 together): an organisation's images in its
/// registry are projects like directories. Each `oci://` PATH gets its own report, named from
/// the reference, judged as its single scan judges it; a local tarball beside them too.
#[test]
fn a_fleet_run_scans_registry_images_each_on_its_own() {
    let Some(registry) = TestRegistry::start() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    let dir = directory.path();
    more_advisories(dir);
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
    registry.push(&archive("agent.tar"), "team/agent:1.0", false);
    registry.push(&archive("base.tar"), "team/base:1.0", false);
    let agent = registry.reference("team/agent:1.0");
    let base = registry.reference("team/base:1.0");

    let fleet = airlock(
        dir,
        None,
        &[
            "scan",
            "--report-dir",
            "reports",
            "--jobs",
            "2",
            "--summary",
            "-",
            "-f",
            "json",
            "--advisories",
            "advisories",
            "--insecure-registry",
            &agent,
            &base,
            "agent.tar",
        ],
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&fleet.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{}", support::stderr(&fleet));
    let names: BTreeSet<&str> = lines
        .iter()
        .map(|line| line["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    // Each image's report is the report its single scan writes.
    for (line, target) in lines.iter().zip([&agent, &base]) {
        let alone = airlock(
            dir,
            None,
            &[
                "scan",
                target,
                "-f",
                "json",
                "--advisories",
                "advisories",
                "--insecure-registry",
            ],
        );
        assert_eq!(line["exit_code"], json!(alone.status.code().unwrap()));
        let written: Value = serde_json::from_slice(
            &std::fs::read(dir.join(line["report"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert_eq!(essence(&written), essence(&json_of(&alone)), "{target}");
        assert_eq!(
            docker_root(&written)["version"],
            docker_root(&json_of(&alone))["version"]
        );
    }
    let report = |line: &Value| -> Value {
        serde_json::from_slice(&std::fs::read(dir.join(line["report"].as_str().unwrap())).unwrap())
            .unwrap()
    };
    // The agent image pins `otherpkg` 3.1 in its upper layer; the base image has no such layer.
    let advisory_ids = |line: &Value| -> BTreeSet<String> {
        report(line)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|finding| finding["advisory"]["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(advisory_ids(&lines[0]).contains("PYSEC-0000-31"));
    assert!(!advisory_ids(&lines[1]).contains("PYSEC-0000-31"));
    // The registry image and its docker-save tarball agree in the fleet run too.
    assert_eq!(essence(&report(&lines[0])), essence(&report(&lines[2])));
    assert_eq!(fleet.status.code(), Some(1), "{}", support::stderr(&fleet));
}
