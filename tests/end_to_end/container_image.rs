//! Container images without a daemon (issue 20, Deliver 5): image archives and OCI layouts are
//! built here, in the test, from layer tars (plain, gzip, zstd), and scanned by the binary. The
//! packages reported are those of the final filesystem only (a whiteout in an upper layer
//! deletes a vulnerable package a lower layer installed), each with the layer that put it there;
//! OS packages are listed with their distribution purls and said to be unmatched; a link out of
//! the image is not followed; hostile layers (a path climbing out, an absolute path, a size
//! header larger than the layer, a blob that is not the one its manifest names) are reported,
//! never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::support;

pub(crate) const SITE: &str = "usr/local/lib/python3.11/site-packages";

/// One entry of a layer tar.
pub(crate) enum Entry<'a> {
    File(&'a str, Vec<u8>),
    Directory(&'a str),
    Symlink(&'a str, &'a str),
    /// A header written byte for byte (hostile names), with the size it claims and the bytes
    /// that follow it.
    Raw(&'a str, u64, Vec<u8>),
}

pub(crate) fn layer_tar(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.set_mtime(0);
        match entry {
            Entry::File(path, bytes) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(bytes.len() as u64);
                builder
                    .append_data(&mut header, path, bytes.as_slice())
                    .unwrap();
            }
            Entry::Directory(path) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                builder
                    .append_data(&mut header, path, std::io::empty())
                    .unwrap();
            }
            Entry::Symlink(path, target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, path, target).unwrap();
            }
            Entry::Raw(name, size, bytes) => {
                // `set_path` refuses `..` and absolute names: write the name field itself.
                let gnu = header.as_gnu_mut().unwrap();
                gnu.name[..name.len()].copy_from_slice(name.as_bytes());
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(*size);
                header.set_cksum();
                builder.append(&header, bytes.as_slice()).unwrap();
            }
        }
    }
    builder.into_inner().unwrap()
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, bytes).unwrap();
    encoder.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A layer as stored: its tar (for the config's `diff_ids`) and its blob (maybe compressed).
pub(crate) struct Layer {
    pub(crate) tar: Vec<u8>,
    pub(crate) blob: Vec<u8>,
    pub(crate) media_type: &'static str,
}

impl Layer {
    pub(crate) fn plain(tar: Vec<u8>) -> Layer {
        Layer {
            blob: tar.clone(),
            tar,
            media_type: "application/vnd.oci.image.layer.v1.tar",
        }
    }

    pub(crate) fn gzip(tar: Vec<u8>) -> Layer {
        Layer {
            blob: gzip(&tar),
            tar,
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
        }
    }

    pub(crate) fn zstd(tar: Vec<u8>) -> Layer {
        Layer {
            blob: zstd(&tar),
            tar,
            media_type: "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }

    /// `sha256:` of the blob: the digest the image names the layer by.
    pub(crate) fn digest(&self) -> String {
        format!("sha256:{}", sha256_hex(&self.blob))
    }
}

pub(crate) fn config(layers: &[Layer]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Entrypoint": ["python", "-m", "agent"]},
        "rootfs": {
            "type": "layers",
            "diff_ids": layers.iter().map(|layer| format!("sha256:{}", sha256_hex(&layer.tar))).collect::<Vec<_>>(),
        },
    }))
    .unwrap()
}

/// The archive `docker save` writes (current Docker: blobs under `blobs/sha256/`).
pub(crate) fn docker_archive(layers: &[Layer], tag: &str) -> Vec<u8> {
    let config = config(layers);
    let config_name = format!("blobs/sha256/{}", sha256_hex(&config));
    let mut files: Vec<(String, Vec<u8>)> = vec![(config_name.clone(), config)];
    let mut names = Vec::new();
    for layer in layers {
        let name = format!("blobs/sha256/{}", sha256_hex(&layer.blob));
        names.push(name.clone());
        files.push((name, layer.blob.clone()));
    }
    let manifest = json!([{"Config": config_name, "RepoTags": [tag], "Layers": names}]);
    files.push((
        "manifest.json".to_owned(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    outer_tar(&files)
}

/// The files of an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`).
pub(crate) fn oci_layout_files(layers: &[Layer], tag: &str) -> Vec<(String, Vec<u8>)> {
    let config = config(layers);
    let mut files = vec![(
        format!("blobs/sha256/{}", sha256_hex(&config)),
        config.clone(),
    )];
    let mut descriptors = Vec::new();
    for layer in layers {
        files.push((
            format!("blobs/sha256/{}", sha256_hex(&layer.blob)),
            layer.blob.clone(),
        ));
        descriptors.push(json!({
            "mediaType": layer.media_type,
            "digest": layer.digest(),
            "size": layer.blob.len(),
        }));
    }
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": format!("sha256:{}", sha256_hex(&config)),
            "size": config.len(),
        },
        "layers": descriptors,
    }))
    .unwrap();
    files.push((
        format!("blobs/sha256/{}", sha256_hex(&manifest)),
        manifest.clone(),
    ));
    let index = json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{}", sha256_hex(&manifest)),
            "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    });
    files.push(("index.json".to_owned(), serde_json::to_vec(&index).unwrap()));
    files.push((
        "oci-layout".to_owned(),
        br#"{"imageLayoutVersion": "1.0.0"}"#.to_vec(),
    ));
    files
}

pub(crate) fn outer_tar(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<Entry<'_>> = files
        .iter()
        .map(|(name, bytes)| Entry::File(name, bytes.clone()))
        .collect();
    layer_tar(&entries)
}

/// A `*.dist-info` with its `METADATA`, a module, and a `RECORD` hashing both, as pip writes.
pub(crate) fn installed_package(name: &str, version: &str) -> Vec<(String, Vec<u8>)> {
    let dist_info = format!("{name}-{version}.dist-info");
    let metadata =
        format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n").into_bytes();
    let module = format!("VERSION = {version:?}\n").into_bytes();
    let record_line = |path: &str, bytes: &[u8]| {
        let digest =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(bytes));
        format!("{path},sha256={digest},{}\n", bytes.len())
    };
    let record = format!(
        "{}{}{dist_info}/RECORD,,\n",
        record_line(&format!("{dist_info}/METADATA"), &metadata),
        record_line(&format!("{name}/__init__.py"), &module),
    );
    vec![
        (format!("{SITE}/{dist_info}/METADATA"), metadata),
        (format!("{SITE}/{dist_info}/RECORD"), record.into_bytes()),
        (format!("{SITE}/{name}/__init__.py"), module),
    ]
}

const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n";
const DPKG_STATUS: &str = "Package: base-files\nStatus: install ok installed\nVersion: 12.4+deb12u5\nArchitecture: amd64\n\nPackage: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n";

/// The base layer: Debian's os-release and dpkg status, and two installed Python packages, one
/// of them vulnerable (`vulnpkg` 1.0.0, affected by the test advisory).
pub(crate) fn base_layer() -> Vec<u8> {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("etc/os-release".to_owned(), OS_RELEASE.as_bytes().to_vec()),
        (
            "var/lib/dpkg/status".to_owned(),
            DPKG_STATUS.as_bytes().to_vec(),
        ),
    ];
    files.extend(installed_package("vulnpkg", "1.0.0"));
    files.extend(installed_package("keeppkg", "2.0"));
    let mut entries = vec![
        Entry::Directory("etc"),
        Entry::Directory("usr/local/lib/python3.11/site-packages"),
    ];
    entries.extend(
        files
            .iter()
            .map(|(path, bytes)| Entry::File(path, bytes.clone())),
    );
    layer_tar(&entries)
}

/// The upper layer: whiteouts deleting `vulnpkg`, the application's requirements, and a link
/// to a requirements file that climbs out of the image.
pub(crate) fn upper_layer() -> Vec<u8> {
    layer_tar(&[
        Entry::File(&format!("{SITE}/.wh.vulnpkg-1.0.0.dist-info"), Vec::new()),
        Entry::File(&format!("{SITE}/.wh.vulnpkg"), Vec::new()),
        Entry::Directory("app"),
        Entry::File("app/requirements.txt", b"otherpkg==3.1\n".to_vec()),
        Entry::Symlink(
            "app/requirements-host.txt",
            "../../../../../../../host-requirements.txt",
        ),
    ])
}

/// The test advisory: `vulnpkg` before 2.0.
pub(crate) fn advisories(directory: &Path) {
    let advisories = directory.join("advisories");
    std::fs::create_dir_all(&advisories).unwrap();
    std::fs::write(
        advisories.join("PYSEC-0000-20.json"),
        serde_json::to_vec_pretty(&json!({
            "id": "PYSEC-0000-20",
            "summary": "vulnpkg runs what it is given",
            "modified": "2024-01-01T00:00:00Z",
            "published": "2024-01-01T00:00:00Z",
            "affected": [{
                "package": {"name": "vulnpkg", "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
            }],
            "database_specific": {"severity": "HIGH"},
        }))
        .unwrap(),
    )
    .unwrap();
    // What the link out of the image points at, were it followed from the image's directory.
    std::fs::write(directory.join("host-requirements.txt"), "leaked==6.6.6\n").unwrap();
}

/// `airlock scan PATH -f json --advisories advisories` in `directory`.
fn scan(directory: &Path, path: &str) -> (Option<i32>, Value, String) {
    let output = support::run_in(
        directory,
        &["scan", path, "-f", "json", "--advisories", "advisories"],
    );
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code(), report, support::stderr(&output))
}

fn components(report: &Value) -> &Vec<Value> {
    report["components"].as_array().unwrap()
}

/// (name, version) → the layer property, of the PyPI components.
fn pypi_layers(report: &Value) -> BTreeMap<(String, String), Option<String>> {
    components(report)
        .iter()
        .filter(|component| component["ecosystem"] == "pypi")
        .filter_map(|component| {
            Some((
                (
                    component["normalized_name"].as_str()?.to_owned(),
                    component["version"].as_str()?.to_owned(),
                ),
                component["properties"]["airlock:image:layer"]
                    .as_str()
                    .map(str::to_owned),
            ))
        })
        .collect()
}

fn diagnostic_codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap().to_owned())
        .collect()
}

fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|finding| finding["rule"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_whiteout_deletes_the_vulnerable_package_of_a_lower_layer() {
    let directory = tempfile::tempdir().unwrap();
    advisories(directory.path());
    let base = Layer::gzip(base_layer());
    let upper = Layer::plain(upper_layer());
    let (base_digest, upper_digest) = (base.digest(), upper.digest());
    std::fs::write(
        directory.path().join("agent.tar"),
        docker_archive(&[base, upper], "example/agent:1.0"),
    )
    .unwrap();

    let (code, report, stderr) = scan(directory.path(), "agent.tar");
    assert_eq!(code, Some(0), "{stderr}");
    // The final filesystem only: vulnpkg was deleted by the upper layer, each package names
    // the layer that put its metadata there.
    assert_eq!(
        pypi_layers(&report),
        BTreeMap::from([
            (
                ("keeppkg".to_owned(), "2.0".to_owned()),
                Some(base_digest.clone())
            ),
            (
                ("otherpkg".to_owned(), "3.1".to_owned()),
                Some(upper_digest.clone())
            ),
        ])
    );
    // The only finding is the application's unhashed requirement: vulnpkg is gone.
    assert_eq!(
        rules(&report),
        ["missing-hashes"],
        "{:?}",
        report["findings"]
    );
    assert!(!stderr.contains("leaked"), "{stderr}");

    // The image is the root, with its config digest, layers and operating system.
    let roots = report["roots"].as_array().unwrap();
    let image = components(&report)
        .iter()
        .find(|component| component["ecosystem"] == "docker")
        .unwrap();
    assert!(roots.contains(&image["ref"]), "{roots:?}");
    assert_eq!(image["name"], "example/agent");
    assert!(image["purl"]
        .as_str()
        .unwrap()
        .starts_with("pkg:docker/example/agent@sha256"));
    let properties = &image["properties"];
    assert_eq!(
        properties["airlock:image:layers"],
        format!("{base_digest},{upper_digest}")
    );
    assert_eq!(
        properties["airlock:image:operating-system"],
        "Debian GNU/Linux 12 (bookworm)"
    );
    assert_eq!(properties["airlock:image:platform"], "linux/amd64");
    assert_eq!(properties["airlock:image-tag"], "1.0");
    assert_eq!(
        properties["airlock:image:config-digest"], image["version"],
        "the image id is the config's digest"
    );
    // The site-packages environment hangs from the image, not beside it.
    let environment = components(&report)
        .iter()
        .find(|component| component["name"] == "python-environment")
        .unwrap();
    assert!(!roots.contains(&environment["ref"]), "{roots:?}");
    assert_eq!(
        environment["introduced_through"][0], image["ref"],
        "{environment}"
    );

    // OS packages: their distribution purls (the report's own `purl`, as in every SBOM
    // format), and a warning that nobody matched them.
    let os_purls: Vec<&str> = components(&report)
        .iter()
        .filter(|component| component["properties"]["airlock:purl"].is_string())
        .filter_map(|component| component["purl"].as_str())
        .collect();
    assert_eq!(
        os_purls,
        [
            "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12",
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        ]
    );
    let codes = diagnostic_codes(&report);
    assert!(
        codes.contains(&"os-packages-not-matched".to_owned()),
        "{codes:?}"
    );
    // The link out of the image is reported, not followed.
    let outside: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "symlink-outside-root")
        .collect();
    assert_eq!(outside.len(), 1, "{:?}", report["diagnostics"]);
    assert_eq!(outside[0]["path"], "agent.tar!/app/requirements-host.txt");
    assert!(
        !components(&report)
            .iter()
            .any(|component| component["name"] == "leaked"),
        "nothing was read through the link"
    );

    // The same image without its upper layer: the vulnerable package is there, and found.
    std::fs::write(
        directory.path().join("base.tar"),
        docker_archive(&[Layer::gzip(base_layer())], "example/agent:base"),
    )
    .unwrap();
    let (code, report, stderr) = scan(directory.path(), "base.tar");
    assert_eq!(code, Some(1), "{stderr}");
    let base_digest = Layer::gzip(base_layer()).digest();
    assert_eq!(
        pypi_layers(&report).get(&("vulnpkg".to_owned(), "1.0.0".to_owned())),
        Some(&Some(base_digest))
    );
    assert_eq!(
        rules(&report),
        ["known-vulnerability"],
        "{:?}",
        report["findings"]
    );
    let finding = &report["findings"][0];
    assert!(
        finding["evidence"][0].as_str().unwrap().starts_with(
            "base.tar!/usr/local/lib/python3.11/site-packages/vulnpkg-1.0.0.dist-info/METADATA"
        ),
        "{finding}"
    );
}

#[test]
fn an_oci_layout_reads_the_same_as_a_directory_and_as_a_tar_with_zstd_layers() {
    let directory = tempfile::tempdir().unwrap();
    advisories(directory.path());
    let layers = [Layer::gzip(base_layer()), Layer::zstd(upper_layer())];
    let files = oci_layout_files(&layers, "example/agent:oci");
    for (name, bytes) in &files {
        let path = directory.path().join("layout").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::write(directory.path().join("layout.tar"), outer_tar(&files)).unwrap();

    let (code, from_directory, stderr) = scan(directory.path(), "layout");
    assert_eq!(code, Some(0), "{stderr}");
    let expected = BTreeMap::from([
        (
            ("keeppkg".to_owned(), "2.0".to_owned()),
            Some(layers[0].digest()),
        ),
        (
            ("otherpkg".to_owned(), "3.1".to_owned()),
            Some(layers[1].digest()),
        ),
    ]);
    assert_eq!(pypi_layers(&from_directory), expected);
    let (code, from_tar, stderr) = scan(directory.path(), "layout.tar");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(pypi_layers(&from_tar), expected);
    let tag = |report: &Value| {
        components(report)
            .iter()
            .find(|component| component["ecosystem"] == "docker")
            .map(|image| image["properties"]["airlock:image-tag"].clone())
    };
    assert_eq!(tag(&from_directory), Some(json!("oci")));
    assert_eq!(tag(&from_tar), Some(json!("oci")));

    // A layer that is not the blob the manifest names: the image was altered, and it says so.
    let mut tampered = oci_layout_files(&layers, "example/agent:oci");
    let upper_name = format!("blobs/sha256/{}", sha256_hex(&layers[1].blob));
    for (name, bytes) in &mut tampered {
        if *name == upper_name {
            *bytes = zstd(&layer_tar(&[Entry::File(
                "app/requirements.txt",
                b"otherpkg==9.9\n".to_vec(),
            )]));
        }
    }
    std::fs::write(directory.path().join("tampered.tar"), outer_tar(&tampered)).unwrap();
    let output = support::run_in(directory.path(), &["scan", "tampered.tar", "--no-vuln-db"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        support::stderr(&output)
    );
    assert!(
        support::stderr(&output).contains("the image was altered or is corrupt"),
        "{}",
        support::stderr(&output)
    );
}

#[test]
fn hostile_layers_are_reported_never_a_panic() {
    let directory = tempfile::tempdir().unwrap();
    let hostile = layer_tar(&[
        Entry::Raw("../escape.txt", 4, b"nope".to_vec()),
        Entry::Raw("/app/requirements.txt", 14, b"absolute==1.0\n".to_vec()),
        Entry::File("app/pkg/requirements.txt", b"fine==1.0\n".to_vec()),
    ]);
    std::fs::write(
        directory.path().join("hostile.tar"),
        docker_archive(&[Layer::plain(hostile)], "example/hostile:1"),
    )
    .unwrap();
    let output = support::run_in(
        directory.path(),
        &["scan", "hostile.tar", "-f", "json", "--no-vuln-db"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let skipped: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "image-entry-skipped")
        .map(|diagnostic| {
            (
                diagnostic["severity"].as_str().unwrap().to_owned(),
                diagnostic["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped
        .iter()
        .any(|(severity, message)| severity == "warning"
            && message.contains("`../escape.txt` climbs out of the image")));
    assert!(skipped
        .iter()
        .any(|(severity, message)| severity == "note" && message.contains("absolute path")));
    // The absolute entry is read where a container runtime puts it, inside the image.
    let names: Vec<&str> = components(&report)
        .iter()
        .filter(|component| component["ecosystem"] == "pypi" && component["version"].is_string())
        .map(|component| component["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["absolute", "fine"]);
    assert!(!directory.path().join("escape.txt").exists());

    // A header claiming far more bytes than the layer holds ends that layer with an error.
    let lying = layer_tar(&[
        Entry::File("app/requirements.txt", b"early==1.0\n".to_vec()),
        Entry::Raw("app/huge.bin", 1 << 36, b"short".to_vec()),
    ]);
    std::fs::write(
        directory.path().join("lying.tar"),
        docker_archive(&[Layer::plain(lying)], "example/lying:1"),
    )
    .unwrap();
    let output = support::run_in(directory.path(), &["scan", "lying.tar", "--no-vuln-db"]);
    let stderr = support::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("layer 1") && stderr.contains("could not be read to its end"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Not an image at all, and a broken manifest: clear errors naming the file.
    std::fs::write(
        directory.path().join("broken.tar"),
        outer_tar(&[("manifest.json".to_owned(), b"[{\"Config\": 3}]".to_vec())]),
    )
    .unwrap();
    let output = support::run_in(directory.path(), &["scan", "broken.tar", "--no-vuln-db"]);
    let stderr = support::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("broken.tar") && stderr.contains("manifest.json"),
        "{stderr}"
    );
}

/// `attest` cannot hash the files inside an image as subjects yet: it fails closed, writing
/// nothing (docs/deployed.md says so).
#[test]
fn attesting_an_image_fails_closed_and_writes_nothing() {
    let directory = tempfile::tempdir().unwrap();
    std::fs::write(
        directory.path().join("agent.tar"),
        docker_archive(&[Layer::gzip(base_layer())], "example/agent:1.0"),
    )
    .unwrap();
    let keygen = support::run_in(directory.path(), &["keygen", "key"]);
    assert_eq!(
        keygen.status.code(),
        Some(0),
        "{}",
        support::stderr(&keygen)
    );
    let output = support::run_in(
        directory.path(),
        &[
            "attest",
            "agent.tar",
            "--no-vuln-db",
            "--key",
            "key.key",
            "-o",
            "attestation.json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        support::stderr(&output)
    );
    assert!(!directory.path().join("attestation.json").exists());
}
