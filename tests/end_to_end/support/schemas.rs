//! Validation of emitted documents against the official JSON schemas vendored in
//! `tests/schemas/` (see its README for provenance). The schemas CycloneDX refers to are
//! registered locally, so validation never reaches the network.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use jsonschema::{Registry, Resource, Validator};
use serde_json::Value;

/// `tests/schemas`.
pub fn directory() -> PathBuf {
    super::repository().join("tests/schemas")
}

fn load(name: &str) -> Value {
    let path = directory().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The document kinds airlock validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    CycloneDx15,
    CycloneDx16,
    CycloneDx17,
    Spdx23,
    Spdx301,
    Sarif210,
}

/// A validator for `schema`.
pub fn validator(schema: Schema) -> Validator {
    match schema {
        Schema::CycloneDx15 | Schema::CycloneDx16 | Schema::CycloneDx17 => {
            // The 1.7 schema refers to its neighbours by their upstream `.SNAPSHOT` names.
            let mut registry = Registry::new();
            for (file, names) in [
                (
                    "spdx.schema.json",
                    ["spdx.schema.json", "spdx.SNAPSHOT.schema.json"],
                ),
                (
                    "jsf-0.82.schema.json",
                    ["jsf-0.82.schema.json", "jsf-0.82.SNAPSHOT.schema.json"],
                ),
                (
                    "cryptography-defs.schema.json",
                    [
                        "cryptography-defs.schema.json",
                        "cryptography-defs.SNAPSHOT.schema.json",
                    ],
                ),
            ] {
                for name in names {
                    registry = registry
                        .add(
                            format!("http://cyclonedx.org/schema/{name}"),
                            Resource::from_contents(load(file)),
                        )
                        .expect("referenced schema registers");
                }
            }
            let registry = registry.prepare().expect("registry");
            let file = match schema {
                Schema::CycloneDx15 => "bom-1.5.schema.json",
                Schema::CycloneDx16 => "bom-1.6.schema.json",
                _ => "bom-1.7.schema.json",
            };
            jsonschema::options()
                .with_registry(&registry)
                .should_validate_formats(true)
                .build(&load(file))
                .unwrap_or_else(|error| panic!("{file} compiles: {error}"))
        }
        Schema::Spdx301 => jsonschema::options()
            .should_validate_formats(true)
            .build(&load("spdx-3.0.1.schema.json"))
            .expect("SPDX 3.0.1 schema compiles"),
        Schema::Spdx23 => jsonschema::options()
            .should_validate_formats(true)
            .build(&load("spdx-2.3.schema.json"))
            .expect("SPDX 2.3 schema compiles"),
        Schema::Sarif210 => jsonschema::options()
            .should_validate_formats(true)
            .build(&load("sarif-2.1.0.schema.json"))
            .expect("SARIF 2.1.0 schema compiles"),
    }
}

/// Panics with every schema violation of `document` (labelled `what`).
pub fn assert_valid(validator: &Validator, document: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .take(20)
        .map(|error| format!("  at {}: {error}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not schema-valid:\n{}",
        errors.join("\n")
    );
}
