//! The official example documents of CycloneDX and SPDX (tests/fixtures/sbom/official, with
//! their provenance) are read with the component count they declare, names with spaces
//! included (names are data), or refused with the version named when airlock does not read it.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use serde_json::Value;
use support::{fixtures, run_in, stderr};

#[test]
fn official_examples_are_read_with_their_declared_components() {
    let directory = fixtures().join("sbom/official");
    for (file, declared) in [
        ("laravel-7.12.0.bom.1.2.json", 63),
        ("laravel-7.12.0.bom.1.3.xml", 63),
        ("laravel-7.12.0.bom.1.4.json", 63),
        ("dropwizard-1.3.15.bom.xml", 168),
        ("example1.spdx", 1),
        ("example11.spdx.json", 4),
        ("examplemaven-0.0.1-enriched.spdx.json", 6),
        ("examplemaven-0.0.1-enriched.spdx3.json", 6),
        ("ai-example02.spdx3.json", 2),
        ("dataset-example01.spdx3.json", 1),
    ] {
        let output = run_in(&directory, &["sbom", file, "-f", "json", "-q"]);
        assert_eq!(output.status.code(), Some(0), "{file}: {}", stderr(&output));
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(
            report["components"].as_array().unwrap().len(),
            declared,
            "{file}"
        );
    }
    let output = run_in(&directory, &["sbom", "laravel-7.12.0.bom.1.1.xml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unsupported CycloneDX XML version `1.1`"),
        "{}",
        stderr(&output)
    );
}

/// The SPDX project's Maven example names four of its six packages with spaces; their purls
/// are valid, and the names are kept as written.
#[test]
fn names_with_spaces_are_kept() {
    let directory = fixtures().join("sbom/official");
    let output = run_in(
        &directory,
        &[
            "sbom",
            "examplemaven-0.0.1-enriched.spdx.json",
            "-f",
            "json",
            "-q",
        ],
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| component["name"].as_str().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .any(|name| name.contains("log4j") || name.contains("Log4j")),
        "{names:?}"
    );
}
