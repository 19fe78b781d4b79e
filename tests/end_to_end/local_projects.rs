//! Issue 23: a workspace member or path crate that shares its name with a registry crate
//! (ripgrep's own `grep-cli`) is a local project: its purl says so
//! (`download_url=file://<dir>`, docs/sbom.md) and registry advisories never match it, as
//! `cargo audit` matches registry packages only. The registry crate of the same name and
//! version, in the same scan, is still matched.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use support::{fixtures, run_in, stderr};

const MANIFEST: &str = r#"[workspace]
members = ["app", "time"]
"#;

const APP: &str = r#"[package]
name = "app"
version = "0.1.0"
edition = "2021"

[dependencies]
time = { path = "../time" }
"#;

/// A member named like the crates.io crate with RUSTSEC-2020-0071, at an affected version.
const MEMBER: &str = r#"[package]
name = "time"
version = "0.1.43"
edition = "2021"
"#;

const LOCK: &str = r#"version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["time"]

[[package]]
name = "time"
version = "0.1.43"
"#;

#[test]
fn a_member_named_like_a_registry_crate_is_local_and_never_matched() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let workspace = root.join("workspace");
    for (path, text) in [
        ("Cargo.toml", MANIFEST),
        ("Cargo.lock", LOCK),
        ("app/Cargo.toml", APP),
        ("time/Cargo.toml", MEMBER),
    ] {
        let path = workspace.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    // The advisory test project: the registry `time 0.1.43`, which RUSTSEC-2020-0071 affects.
    let registry = root.join("registry");
    std::fs::create_dir(&registry).unwrap();
    for name in ["Cargo.lock", "Cargo.toml"] {
        std::fs::copy(
            fixtures().join("advisories/project").join(name),
            registry.join(name),
        )
        .unwrap();
    }
    let database = root.join("advisories.sqlite3");
    let database = database.to_str().unwrap();
    let corpus = fixtures().join("advisories/corpus");
    let import = run_in(
        root,
        &["--db", database, "db", "import", corpus.to_str().unwrap()],
    );
    assert_eq!(import.status.code(), Some(0), "{}", stderr(&import));

    let output = run_in(
        root,
        &[
            "--db",
            database,
            "scan",
            "workspace",
            "registry",
            "-f",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let times: Vec<(&str, &str)> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|component| component["name"] == "time")
        .map(|component| {
            (
                component["purl"].as_str().unwrap(),
                component["ref"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        times.iter().map(|(purl, _)| *purl).collect::<Vec<_>>(),
        [
            "pkg:cargo/time@0.1.43",
            "pkg:cargo/time@0.1.43?download_url=file:%2F%2Fworkspace%2Ftime",
        ],
        "{times:?}"
    );
    let matched: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["advisory"]["id"] == "RUSTSEC-2020-0071")
        .map(|finding| finding["component"].as_str().unwrap())
        .collect();
    assert_eq!(
        matched,
        ["pkg:cargo/time@0.1.43"],
        "only the registry crate"
    );
}
