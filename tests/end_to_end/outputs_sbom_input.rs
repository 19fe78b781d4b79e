//! SBOMs as input: third-party CycloneDX (JSON and XML) documents and airlock's own SPDX become
//! components with their hashes, licenses and edges; unreadable or unsupported documents are
//! clear errors; a file named explicitly is recognized by content whatever its name.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{fixtures, run_in, stderr, stdout};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn sbom_json(directory: &Path, file: &str) -> Value {
    let output = run_in(directory, &["sbom", file, "-f", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn names_and_versions(report: &Value) -> BTreeSet<(String, String, String)> {
    report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| {
            (
                component["ecosystem"].as_str().unwrap().to_owned(),
                component["normalized_name"].as_str().unwrap().to_owned(),
                component["version"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

#[test]
fn third_party_cyclonedx_json_and_xml_give_the_same_pypi_components() {
    let directory = fixtures().join("sbom");
    let from_json = sbom_json(&directory, "autogen-requirements.cdx.json");
    let from_xml = sbom_json(&directory, "autogen-requirements.cdx.xml");
    let components = names_and_versions(&from_json);
    assert_eq!(components.len(), 84);
    assert_eq!(components, names_and_versions(&from_xml));
    assert!(components.contains(&("pypi".into(), "aiofiles".into(), "24.1.0".into())));
    let aiofiles = from_json["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "aiofiles")
        .unwrap();
    assert_eq!(aiofiles["purl"], "pkg:pypi/aiofiles@24.1.0");
    assert_eq!(aiofiles["source"]["kind"], "registry");
    assert_eq!(aiofiles["evidence"][0]["extractor"], "sbom/document");
    assert_eq!(
        aiofiles["evidence"][0]["path"],
        "autogen-requirements.cdx.json"
    );
}

#[test]
fn a_directory_walk_reads_sbom_names_only() {
    let temporary = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixtures().join("sbom/autogen-requirements.cdx.json")).unwrap();
    std::fs::write(temporary.path().join("bom.json"), &bytes).unwrap();
    // Same content under a name that does not say SBOM: not read in a walk...
    std::fs::create_dir(temporary.path().join("other")).unwrap();
    std::fs::write(temporary.path().join("other/inventory.json"), &bytes).unwrap();
    let walked = sbom_json(temporary.path(), ".");
    let files: Vec<&str> = walked["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["bom.json"]);
    // ...but read when named on the command line.
    let named = sbom_json(temporary.path(), "other/inventory.json");
    assert_eq!(names_and_versions(&named).len(), 84);
}

#[test]
fn airlock_spdx_reads_back_with_its_packages_and_dependency_kinds() {
    let temporary = tempfile::tempdir().unwrap();
    let example = repository().join("examples/agent-stack");
    let original = sbom_json(&repository(), "examples/agent-stack");
    let output = run_in(
        temporary.path(),
        &[
            "sbom",
            example.to_str().unwrap(),
            "-f",
            "spdx-json",
            "-o",
            "agent.spdx.json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let read_back = sbom_json(temporary.path(), "agent.spdx.json");
    assert_eq!(
        names_and_versions(&read_back),
        names_and_versions(&original)
    );
    let kinds = |report: &Value| -> BTreeSet<String> {
        report["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|edge| edge["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kinds(&read_back), kinds(&original));
    assert_eq!(
        read_back["dependencies"].as_array().unwrap().len(),
        original["dependencies"].as_array().unwrap().len()
    );
    // The example has several roots (the tool and the models): the SPDX document describes a
    // synthetic project depending on each, which reads back as those roots, not a component.
    assert!(original["roots"].as_array().unwrap().len() > 1);
    assert_eq!(
        read_back["roots"].as_array().unwrap().len(),
        original["roots"].as_array().unwrap().len()
    );
}

/// Every component's facts (`properties` of the JSON report: MCP servers with their credentials
/// and approvals, tool declarations, requirements, weights formats) come back from airlock's own
/// CycloneDX, JSON and XML alike.
#[test]
fn airlock_cyclonedx_reads_back_with_the_same_facts() {
    let temporary = tempfile::tempdir().unwrap();
    let original = sbom_json(&repository(), "examples/agent-stack");
    let facts = |report: &Value| -> Vec<(String, Value)> {
        report["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|component| {
                (
                    component["ref"].as_str().unwrap().to_owned(),
                    component["properties"].clone(),
                )
            })
            .collect()
    };
    let expected = facts(&original);
    let with_facts = expected
        .iter()
        .filter(|(_, properties)| properties.as_object().is_some_and(|map| !map.is_empty()))
        .count();
    assert!(with_facts >= 10, "{with_facts} components with facts");
    for (format, file) in [
        ("cyclonedx-json", "agent.cdx.json"),
        ("cyclonedx-xml", "agent.cdx.xml"),
    ] {
        let written = temporary.path().join(file);
        let output = run_in(
            &repository(),
            &[
                "sbom",
                "examples/agent-stack",
                "-f",
                format,
                "-o",
                written.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            facts(&sbom_json(temporary.path(), file)),
            expected,
            "{format}"
        );
    }
}

/// Scanning airlock's own CycloneDX of the example judges what the direct scan judged: the
/// pickle that imports `posix.system` is still critical (its imports travel in the SBOM), a
/// model with a base model in its card gets no provenance finding it did not get before, and a
/// pickle airlock did not read itself is never clean (`model-scan-incomplete`, issue 19).
#[test]
fn a_scan_of_airlock_cyclonedx_keeps_the_model_verdicts() {
    let temporary = tempfile::tempdir().unwrap();
    let rules = |arguments: &[&str]| -> BTreeSet<(String, String)> {
        let output = run_in(&repository(), arguments);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| {
                let component = finding["component"].as_str().unwrap();
                let name = component.split('#').next().unwrap();
                (
                    finding["rule"].as_str().unwrap().to_owned(),
                    name.to_owned(),
                )
            })
            .collect()
    };
    let direct = rules(&["scan", "examples/agent-stack", "--no-vuln-db", "-f", "json"]);
    let pickle = (
        "dangerous-pickle-import".to_owned(),
        "pkg:generic/reranker.pkl".to_owned(),
    );
    assert!(direct.contains(&pickle), "{direct:?}");
    for (format, file) in [
        ("cyclonedx-json", "agent.cdx.json"),
        ("cyclonedx-xml", "agent.cdx.xml"),
    ] {
        let written = temporary.path().join(file);
        let output = run_in(
            &repository(),
            &[
                "sbom",
                "examples/agent-stack",
                "-f",
                format,
                "-o",
                written.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let from_sbom = rules(&[
            "scan",
            written.to_str().unwrap(),
            "--no-vuln-db",
            "-f",
            "json",
        ]);
        assert!(from_sbom.contains(&pickle), "{format}: {from_sbom:?}");
        let provenance = |set: &BTreeSet<(String, String)>| -> BTreeSet<String> {
            set.iter()
                .filter(|(rule, _)| rule == "missing-model-provenance")
                .map(|(_, component)| component.clone())
                .collect()
        };
        assert_eq!(provenance(&from_sbom), provenance(&direct), "{format}");
        let unread: BTreeSet<&str> = from_sbom
            .iter()
            .filter(|(rule, _)| rule == "model-scan-incomplete")
            .map(|(_, component)| component.as_str())
            .collect();
        assert_eq!(
            unread,
            BTreeSet::from(["pkg:generic/pytorch_model.bin", "pkg:generic/reranker.pkl"]),
            "{format}: the two pickles were not read, so they are not known to be safe"
        );
        // Nothing the direct scan found is lost.
        let missing: Vec<_> = direct.difference(&from_sbom).collect();
        assert!(
            missing
                == [&(
                    "unsafe-serialization".to_owned(),
                    "pkg:generic/pytorch_model.bin".to_owned()
                )],
            "{format}: {missing:?} (only the low finding, which model-scan-incomplete replaces)"
        );
    }
}

#[test]
fn broken_and_unsupported_documents_are_errors_that_say_why() {
    let directory = fixtures().join("sbom");
    for (file, expected) in [
        ("broken-truncated.cdx.json", "parse-error"),
        (
            "unsupported-1.1.cdx.json",
            "unsupported CycloneDX version `1.1`",
        ),
        (
            "unsupported-2.1.spdx.json",
            "unsupported SPDX version `SPDX-2.1`",
        ),
    ] {
        let output = run_in(&directory, &["sbom", file]);
        assert_eq!(output.status.code(), Some(2), "{file}: {}", stdout(&output));
        assert!(
            stderr(&output).contains(expected),
            "{file}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(file),
            "{file}: {}",
            stderr(&output)
        );
    }
}
