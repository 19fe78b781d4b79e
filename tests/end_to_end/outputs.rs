//! Standard outputs end to end: every CycloneDX, SPDX and SARIF document airlock writes for the
//! example and for corpus projects is valid against the official schema, the same input gives
//! the same bytes, and the tag-value form says what the JSON form says.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use crate::support::schemas;

use std::path::{Path, PathBuf};

use schemas::{assert_valid, validator, Schema};
use serde_json::Value;
use support::{fixtures, run_in, stderr};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The projects every format is checked on: the example and corpus projects covering Cargo.lock
/// v1 to v4, git and path sources, and workspaces.
fn projects() -> Vec<(String, PathBuf)> {
    let mut list = vec![(
        "examples/agent-stack".to_owned(),
        repository().join("examples/agent-stack"),
    )];
    for name in [
        "rustsec__rustsec__root--2019-09",
        "qdrant__qdrant__root--2020-05",
        "astral-sh__uv__root--2024-07",
        "huggingface__text-generation-inference__root",
    ] {
        list.push((name.to_owned(), fixtures().join("projects").join(name)));
    }
    // Model cards from the hub (model components with model cards, datasets, base models).
    list.push((
        "models/corpus".to_owned(),
        fixtures().join("models").join("corpus"),
    ));
    // Every MCP client format (servers as applications, npm/PyPI/image edges, literal secrets
    // redacted) and agent tool declarations.
    for name in ["project", "home", "tools"] {
        list.push((format!("mcp/{name}"), fixtures().join("mcp").join(name)));
    }
    list
}

/// A database holding the example's advisories and the committed corpus subset, built once
/// per test binary, so `scan` documents carry real vulnerability sections.
fn advisory_database() -> &'static Path {
    static DATABASE: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, path) = DATABASE.get_or_init(|| {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("advisories.sqlite3");
        let output = run_in(
            &repository(),
            &[
                "--db",
                path.to_str().unwrap(),
                "db",
                "import",
                "examples/agent-stack/advisories",
                fixtures().join("advisories/corpus").to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        (directory, path)
    });
    path
}

/// Runs `airlock COMMAND PATH -f FORMAT` (scans against [`advisory_database`]) and returns
/// stdout.
fn emit(command: &str, path: &Path, format: &str) -> Vec<u8> {
    emit_version(command, path, format, None)
}

/// [`emit`] with `--spec-version VERSION` when one is given.
fn emit_version(command: &str, path: &Path, format: &str, version: Option<&str>) -> Vec<u8> {
    let database = advisory_database().to_str().unwrap();
    let mut arguments = vec![
        "--db",
        database,
        command,
        path.to_str().unwrap(),
        "-f",
        format,
    ];
    if let Some(version) = version {
        arguments.extend(["--spec-version", version]);
    }
    arguments.push("-q");
    let output = run_in(&repository(), &arguments);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{command} {} -f {format}: {}",
        path.display(),
        stderr(&output)
    );
    output.stdout
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn every_document_is_schema_valid() {
    let cases = [
        ("cyclonedx-json", None, Schema::CycloneDx16),
        ("cyclonedx-json", Some("1.5"), Schema::CycloneDx15),
        ("cyclonedx-json", Some("1.7"), Schema::CycloneDx17),
        ("spdx-json", None, Schema::Spdx23),
        ("spdx3-json", None, Schema::Spdx301),
        ("sarif", None, Schema::Sarif210),
    ];
    for (format, version, schema) in cases {
        let validator = validator(schema);
        for (name, path) in projects() {
            for command in ["sbom", "scan"] {
                let document = json(&emit_version(command, &path, format, version));
                if let Some(version) = version {
                    assert_eq!(document["specVersion"], version);
                }
                assert_valid(
                    &validator,
                    &document,
                    &format!("{command} {name} -f {format}"),
                );
            }
        }
    }
}

/// The parts of airlock's JSON report that say what the graph is (evidence and file lists say
/// where it was read, which differs when the graph is read back from an SBOM).
fn graph_of(report: &Value) -> Value {
    let components: Vec<Value> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| {
            serde_json::json!({
                "ref": component["ref"],
                "purl": component["purl"],
                "ecosystem": component["ecosystem"],
                "name": component["name"],
                "version": component["version"],
                "kind": component["kind"],
                "scope": component["scope"],
                "source": component["source"],
                "hashes": component["hashes"],
                "licenses": component["licenses"],
                "flags": component["flags"],
                "properties": component["properties"],
                "introduced_through": component["introduced_through"],
            })
        })
        .collect();
    serde_json::json!({
        "components": components,
        "dependencies": report["dependencies"],
        "roots": report["roots"],
    })
}

#[test]
fn cyclonedx_output_reads_back_to_the_same_graph() {
    let temporary = tempfile::tempdir().unwrap();
    for (name, path) in [
        projects()[0].clone(),
        projects()[3].clone(),
        projects()[4].clone(),
        projects()[5].clone(),
    ] {
        let original = json(&emit("sbom", &path, "json"));
        assert!(original["components"].as_array().unwrap().len() > 10);
        for (format, file) in [
            ("cyclonedx-json", "written.cdx.json"),
            ("cyclonedx-xml", "written.cdx.xml"),
        ] {
            std::fs::write(temporary.path().join(file), emit("sbom", &path, format)).unwrap();
            let output = run_in(temporary.path(), &["sbom", file, "-f", "json"]);
            assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
            let read_back = json(&output.stdout);
            assert_eq!(
                graph_of(&read_back),
                graph_of(&original),
                "{name} through {format}"
            );
            // Every component points at the line of the SBOM that listed it.
            for component in read_back["components"].as_array().unwrap() {
                let evidence = &component["evidence"][0];
                assert_eq!(evidence["path"], file);
                assert!(evidence["line"].as_u64().unwrap() > 1, "{component}");
            }
        }
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let path = &projects()[3].1;
    for format in [
        "cyclonedx-json",
        "cyclonedx-xml",
        "spdx-json",
        "spdx-tag-value",
        "sarif",
        "json",
    ] {
        for command in ["sbom", "scan"] {
            let (first, second) = (emit(command, path, format), emit(command, path, format));
            assert!(!first.is_empty());
            assert!(
                first == second,
                "{command} -f {format} differs between runs"
            );
        }
    }
    // Another SOURCE_DATE_EPOCH is another document: the serial number follows the content.
    let document = |epoch: &str| -> Value {
        let output = std::process::Command::new(support::airlock_binary())
            .args(["sbom", path.to_str().unwrap(), "-f", "cyclonedx-json", "-q"])
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .unwrap();
        json(&output.stdout)
    };
    let (early, late) = (document("1700000000"), document("1800000000"));
    assert_eq!(early["metadata"]["timestamp"], "2023-11-14T22:13:20Z");
    assert_ne!(early["serialNumber"], late["serialNumber"]);
    assert!(early["serialNumber"]
        .as_str()
        .unwrap()
        .starts_with("urn:uuid:"));
}

#[test]
fn tag_value_says_what_the_json_says() {
    use spdx_rs::models::{CreationInfo, SPDX};
    let parser_defaults = CreationInfo::default().creators;
    for (name, path) in projects() {
        let from_json: SPDX = serde_json::from_slice(&emit("sbom", &path, "spdx-json")).unwrap();
        let text = String::from_utf8(emit("sbom", &path, "spdx-tag-value")).unwrap();
        let from_tag_value = spdx_rs::parsers::spdx_from_tag_value(&text)
            .unwrap_or_else(|error| panic!("{name}: tag-value does not parse: {error:?}"));
        let info = |document: &SPDX| {
            let info = &document.document_creation_information;
            (
                info.spdx_version.clone(),
                info.document_name.clone(),
                info.spdx_document_namespace.clone(),
                info.creation_info.created,
                // spdx-rs's tag-value parser starts from its own example creators
                // (`CreationInfo::default`); only the ones the document wrote count.
                info.creation_info
                    .creators
                    .iter()
                    .filter(|creator| !parser_defaults.contains(creator))
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(info(&from_tag_value), info(&from_json), "{name}");
        let packages = |document: &SPDX| {
            let mut list: Vec<_> = document
                .package_information
                .iter()
                .map(|package| {
                    (
                        package.package_spdx_identifier.clone(),
                        package.package_name.clone(),
                        package.package_version.clone(),
                        package.package_download_location.clone(),
                        package.package_checksum.clone(),
                        package.declared_license.as_ref().map(ToString::to_string),
                    )
                })
                .collect();
            list.sort_by(|a, b| a.0.cmp(&b.0));
            list
        };
        assert_eq!(packages(&from_tag_value), packages(&from_json), "{name}");
        // spdx-rs's tag-value parser ignores PrimaryPackagePurpose and drops the last
        // package's ExternalRef, so those two are checked on the text.
        for package in &from_json.package_information {
            let purpose = serde_json::to_value(package.primary_package_purpose.unwrap()).unwrap();
            let purpose = purpose.as_str().unwrap().replace('_', "-");
            let block = text
                .split("##### Package: ")
                .find(|block| {
                    block.contains(&format!("SPDXID: {}\n", package.package_spdx_identifier))
                })
                .unwrap();
            assert!(
                block.contains(&format!("PrimaryPackagePurpose: {purpose}\n")),
                "{name}: {block}"
            );
            for reference in &package.external_reference {
                assert!(
                    block.contains(&format!(
                        "ExternalRef: PACKAGE-MANAGER purl {}\n",
                        reference.reference_locator
                    )),
                    "{name}: {block}"
                );
            }
        }
        let relationships = |document: &SPDX| {
            let mut list: Vec<(String, String, String)> = document
                .relationships
                .iter()
                .map(|relationship| {
                    (
                        relationship.spdx_element_id.clone(),
                        format!("{:?}", relationship.relationship_type),
                        relationship.related_spdx_element.clone(),
                    )
                })
                .collect();
            list.sort();
            list
        };
        assert_eq!(
            relationships(&from_tag_value),
            relationships(&from_json),
            "{name}"
        );
        assert!(!from_json.relationships.is_empty());
    }
}

/// Model components carry a CycloneDX model card: task, architecture, datasets written inline
/// (named as the document's `data` components are, with their hub address), considerations,
/// and `model-index` results as performance metrics.
#[test]
fn model_components_carry_model_cards() {
    let bom = json(&emit("sbom", &projects()[0].1, "cyclonedx-json"));
    let components = bom["components"].as_array().unwrap();
    let data_names: Vec<&str> = components
        .iter()
        .filter(|component| component["type"] == "data")
        .map(|component| component["name"].as_str().unwrap())
        .collect();
    let model = components
        .iter()
        .find(|component| {
            component["type"] == "machine-learning-model" && component["name"] == "tiny-summarizer"
        })
        .unwrap();
    let card = &model["modelCard"];
    assert_eq!(card["modelParameters"]["task"], "summarization");
    assert_eq!(
        card["modelParameters"]["modelArchitecture"],
        "EncoderDecoderModel"
    );
    let datasets = card["modelParameters"]["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 2);
    for dataset in datasets {
        assert_eq!(dataset["type"], "dataset");
        let name = dataset["name"].as_str().unwrap();
        assert!(data_names.contains(&name), "{name} in {data_names:?}");
        assert_eq!(
            dataset["contents"]["url"],
            format!("https://huggingface.co/datasets/{name}")
        );
    }
    assert!(card["considerations"]["technicalLimitations"][0]
        .as_str()
        .unwrap()
        .contains("English only"));

    let corpus = json(&emit("sbom", &projects()[5].1, "cyclonedx-json"));
    let metrics: usize = corpus["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|component| {
            component["modelCard"]["quantitativeAnalysis"]["performanceMetrics"].as_array()
        })
        .map(Vec::len)
        .sum();
    assert!(
        metrics > 0,
        "model-index results become performance metrics"
    );
}

#[test]
fn scan_documents_carry_the_matched_vulnerabilities() {
    let bom = json(&emit(
        "scan",
        &repository().join("examples/agent-stack"),
        "cyclonedx-json",
    ));
    let mut ids: Vec<&str> = bom["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|vulnerability| vulnerability["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    // PYSEC-2023-74 and GHSA-j8r2-6x86-q33q are one vulnerability of requests 2.30.0.
    assert_eq!(
        ids,
        [
            "PYSEC-2021-66",
            "PYSEC-2023-74",
            "PYSEC-2024-60",
            "RUSTSEC-2022-0013",
            "RUSTSEC-2024-0421"
        ]
    );
    let sarif = json(&emit(
        "scan",
        &repository().join("examples/agent-stack"),
        "sarif",
    ));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|result| result["ruleId"] == "known-vulnerability"));
}
