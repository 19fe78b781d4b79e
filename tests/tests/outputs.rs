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

#[path = "support/schemas.rs"]
mod schemas;
mod support;

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
    list
}

/// Runs `airlock COMMAND PATH -f FORMAT` and returns stdout.
fn emit(command: &str, path: &Path, format: &str) -> Vec<u8> {
    let output = run_in(
        &repository(),
        &[command, path.to_str().unwrap(), "-f", format, "-q"],
    );
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
        ("cyclonedx-json", Schema::CycloneDx15),
        ("spdx-json", Schema::Spdx23),
        ("sarif", Schema::Sarif210),
    ];
    for (format, schema) in cases {
        let validator = validator(schema);
        for (name, path) in projects() {
            for command in ["sbom", "scan"] {
                let document = json(&emit(command, &path, format));
                assert_valid(
                    &validator,
                    &document,
                    &format!("{command} {name} -f {format}"),
                );
            }
        }
    }
}
