//! Issue 19 end to end: airlock's CycloneDX 1.5/1.6/1.7 (JSON and XML), SPDX 2.3 and SPDX 3.0.1
//! documents (and SPDX 2.3 tag-value) say what a consumer needs (leaf dependency lists, completeness, a root every package
//! is reachable from) and read back to the same graph, local models included.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use serde_json::Value;
use support::{fixtures, repository, run_in, stderr};

fn write(path: &Path, format: &str, version: Option<&str>, into: &Path) {
    let mut arguments = vec![
        "sbom",
        path.to_str().unwrap(),
        "-q",
        "-f",
        format,
        "-o",
        into.to_str().unwrap(),
    ];
    if let Some(version) = version {
        arguments.extend(["--spec-version", version]);
    }
    let output = run_in(&repository(), &arguments);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

fn report(directory: &Path, file: &str) -> Value {
    let output = run_in(directory, &["sbom", file, "-q", "-f", "json"]);
    assert_eq!(output.status.code(), Some(0), "{file}: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// What the graph is: every component by its reference (which includes its source, so a local
/// model folder and a Hub model differ) with kind, scope, hashes and licenses; every edge with
/// its kind; the roots.
fn graph(report: &Value) -> Value {
    let mut components: Vec<Value> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| {
            serde_json::json!([
                component["ref"],
                component["kind"],
                component["scope"],
                component["hashes"],
                component["licenses"],
            ])
        })
        .collect();
    components.sort_by_key(|value| value.to_string());
    let mut edges: Vec<Value> = report["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| serde_json::json!([edge["from"], edge["to"], edge["kind"]]))
        .collect();
    edges.sort_by_key(|value| value.to_string());
    serde_json::json!({ "components": components, "edges": edges, "roots": report["roots"] })
}

#[test]
fn every_format_and_version_reads_back_to_the_same_graph() {
    let temporary = tempfile::tempdir().unwrap();
    for project in [
        repository().join("examples/agent-stack"),
        fixtures().join("models/corpus"),
        fixtures().join("projects/astral-sh__uv__root--2024-07"),
    ] {
        let original = graph(&report(&repository(), project.to_str().unwrap()));
        for (format, version, file) in [
            ("cyclonedx-json", Some("1.5"), "a.cdx.json"),
            ("cyclonedx-xml", Some("1.5"), "a.cdx.xml"),
            ("cyclonedx-json", Some("1.7"), "b.cdx.json"),
            ("cyclonedx-xml", Some("1.7"), "b.cdx.xml"),
            ("spdx3-json", None, "c.spdx3.json"),
            ("spdx-json", None, "d.spdx.json"),
            ("spdx-tag-value", None, "e.spdx"),
        ] {
            write(&project, format, version, &temporary.path().join(file));
            assert_eq!(
                graph(&report(temporary.path(), file)),
                original,
                "{} through {format} {version:?}",
                project.display()
            );
        }
    }
}

#[test]
fn cyclonedx_states_leaves_and_completeness() {
    let temporary = tempfile::tempdir().unwrap();
    let file = temporary.path().join("bom.cdx.json");
    // A uv.lock lists every dependency of every package: those lists are complete.
    write(
        &fixtures().join("projects/astral-sh__uv__root--2024-07"),
        "cyclonedx-json",
        None,
        &file,
    );
    let bom: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    let dependencies = bom["dependencies"].as_array().unwrap();
    assert!(dependencies
        .iter()
        .all(|entry| entry["dependsOn"].is_array()));
    assert!(dependencies
        .iter()
        .any(|entry| entry["dependsOn"].as_array().unwrap().is_empty()));
    let mut stated: BTreeMap<String, String> = BTreeMap::new();
    for composition in bom["compositions"].as_array().unwrap() {
        for reference in composition["dependencies"].as_array().unwrap() {
            let previous = stated.insert(
                reference.as_str().unwrap().to_owned(),
                composition["aggregate"].as_str().unwrap().to_owned(),
            );
            assert!(previous.is_none(), "{reference} stated twice");
        }
    }
    for entry in dependencies {
        assert!(
            stated.contains_key(entry["ref"].as_str().unwrap()),
            "{entry} has no composition"
        );
    }
    assert!(stated.values().any(|aggregate| aggregate == "complete"));
    assert_eq!(bom["metadata"]["lifecycles"][0]["phase"], "pre-build");

    // A model folder's dependencies are what its card and files name: not known to be all.
    write(
        &repository().join("examples/agent-stack/models/tiny-summarizer"),
        "cyclonedx-json",
        None,
        &file,
    );
    let bom: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let aggregates: BTreeSet<&str> = bom["compositions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|composition| composition["aggregate"].as_str().unwrap())
        .collect();
    assert!(aggregates.contains("unknown"), "{aggregates:?}");
}

/// NTIA checkers follow DESCRIBES to the root, then DEPENDS_ON: every package must be on that
/// path, dev and build dependencies included.
#[test]
fn every_spdx_package_is_reachable_from_the_described_root() {
    let temporary = tempfile::tempdir().unwrap();
    let file = temporary.path().join("bom.spdx.json");
    write(
        &repository().join("examples/agent-stack"),
        "spdx-json",
        None,
        &file,
    );
    let document: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert!(document["documentNamespace"]
        .as_str()
        .unwrap()
        .starts_with("https://spdx.org/spdxdocs/agent-stack-"));
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut start = Vec::new();
    for relationship in document["relationships"].as_array().unwrap() {
        let from = relationship["spdxElementId"].as_str().unwrap();
        let to = relationship["relatedSpdxElement"].as_str().unwrap();
        match relationship["relationshipType"].as_str().unwrap() {
            "DESCRIBES" => start.push(to),
            "DEPENDS_ON" => next.entry(from).or_default().push(to),
            _ => {}
        }
    }
    assert_eq!(start.len(), 1);
    let mut seen: BTreeSet<&str> = start.iter().copied().collect();
    let mut queue: VecDeque<&str> = start.into_iter().collect();
    while let Some(id) = queue.pop_front() {
        for target in next.get(id).into_iter().flatten() {
            if seen.insert(target) {
                queue.push_back(target);
            }
        }
    }
    for package in document["packages"].as_array().unwrap() {
        let id = package["SPDXID"].as_str().unwrap();
        assert!(seen.contains(id), "{id} is not reachable from the root");
    }
}

/// SPDX 3: models are AI packages, datasets dataset packages, every package has a dependsOn
/// relationship stating its completeness, and the document is valid JSON-LD for the schema.
#[test]
fn spdx3_maps_models_datasets_and_completeness() {
    let temporary = tempfile::tempdir().unwrap();
    let file = temporary.path().join("bom.spdx3.json");
    write(
        &repository().join("examples/agent-stack"),
        "spdx3-json",
        None,
        &file,
    );
    let document: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        document["@context"],
        "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    );
    let nodes = document["@graph"].as_array().unwrap();
    let of_type = |kind: &str| -> Vec<&Value> {
        nodes
            .iter()
            .filter(|node| node["type"] == kind)
            .collect::<Vec<_>>()
    };
    let model = of_type("ai_AIPackage")
        .into_iter()
        .find(|node| node["name"] == "tiny-summarizer")
        .unwrap();
    assert_eq!(model["software_primaryPurpose"], "model");
    assert_eq!(model["ai_domain"][0], "summarization");
    assert!(model["ai_limitation"]
        .as_str()
        .unwrap()
        .contains("English only"));
    assert!(!of_type("dataset_DatasetPackage").is_empty());
    let trained_on = of_type("Relationship")
        .into_iter()
        .find(|node| node["relationshipType"] == "trainedOn" && node["from"] == model["spdxId"])
        .unwrap();
    assert_eq!(trained_on["to"].as_array().unwrap().len(), 2);
    let packages: Vec<&Value> = nodes
        .iter()
        .filter(|node| {
            matches!(
                node["type"].as_str().unwrap(),
                "software_Package" | "ai_AIPackage" | "dataset_DatasetPackage"
            )
        })
        .collect();
    let relationships: Vec<&Value> = nodes
        .iter()
        .filter(|node| node["relationshipType"] == "dependsOn")
        .collect();
    for package in packages {
        let stated: Vec<&&Value> = relationships
            .iter()
            .filter(|relationship| relationship["from"] == package["spdxId"])
            .collect();
        assert!(!stated.is_empty(), "{} has no dependsOn", package["name"]);
        for relationship in stated {
            assert!(relationship["completeness"].is_string(), "{relationship}");
        }
    }
}
