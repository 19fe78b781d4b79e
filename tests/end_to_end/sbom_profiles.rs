//! `--profile ntia|cisa-2025|bsi-tr-03183-2` (issue 19): every element a component lacks is a
//! line naming the component, the element and why; the document is still written; the run
//! exits 1 when the profile is not met; BSI wants CycloneDX 1.6+ or SPDX 3.0.1+ and keeps
//! vulnerabilities out of the SBOM.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use serde_json::Value;
use support::{fixtures, repository, run_in, stderr};

#[test]
fn missing_elements_are_named_per_component_and_fail_the_run() {
    let temporary = tempfile::tempdir().unwrap();
    let written = temporary.path().join("bom.cdx.json");
    let output = run_in(
        &repository(),
        &[
            "sbom",
            "examples/agent-stack",
            "-f",
            "cyclonedx-json",
            "--profile",
            "ntia",
            "-o",
            written.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("profile ntia: pkg:pypi/requests@2.30.0: no supplier: "),
        "{text}"
    );
    assert!(text.contains("profile ntia: NOT met"), "{text}");
    // The document says what is known; the verdict is the exit code.
    let bom: Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    assert!(bom["components"].as_array().unwrap().len() > 10);

    // Hugging Face owners supply their repositories: no supplier gap for `owner/name` ids
    // (legacy datasets such as `squad` have no owner, and no supplier).
    let output = run_in(
        &repository(),
        &[
            "sbom",
            fixtures().join("models/corpus").to_str().unwrap(),
            "-f",
            "spdx3-json",
            "--profile",
            "cisa-2025",
            "-o",
            temporary.path().join("m.spdx3.json").to_str().unwrap(),
        ],
    );
    let text = stderr(&output);
    let owned_without_supplier = text.lines().any(|line| {
        line.contains(": no supplier: ")
            && line
                .split(": ")
                .nth(1)
                .and_then(|purl| purl.strip_prefix("pkg:huggingface/"))
                .and_then(|path| path.split(['?', '@']).next())
                .is_some_and(|path| path.contains('/'))
    });
    assert!(!owned_without_supplier, "{text}");
    assert!(text.contains("pkg:huggingface/snli"), "{text}");
    assert!(
        text.contains(": no license: ") || text.contains(": no hash: "),
        "{text}"
    );
}

#[test]
fn bsi_wants_new_formats_and_no_vulnerabilities_in_the_sbom() {
    let temporary = tempfile::tempdir().unwrap();
    let output = run_in(
        &repository(),
        &[
            "sbom",
            "examples/agent-stack",
            "-f",
            "spdx-json",
            "--profile",
            "bsi-tr-03183-2",
            "-q",
            "-o",
            temporary.path().join("a.spdx.json").to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("NOT met"), "{}", stderr(&output));

    let database = temporary.path().join("advisories.sqlite3");
    let imported = run_in(
        &repository(),
        &[
            "--db",
            database.to_str().unwrap(),
            "db",
            "import",
            "examples/agent-stack/advisories",
        ],
    );
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    let scan = |profile: Option<&str>| -> Value {
        let mut arguments = vec![
            "--db",
            database.to_str().unwrap(),
            "scan",
            "examples/agent-stack",
            "-f",
            "cyclonedx-json",
            "-q",
            "--fail-on",
            "none",
        ];
        if let Some(profile) = profile {
            arguments.extend(["--profile", profile]);
        }
        serde_json::from_slice(&run_in(&repository(), &arguments).stdout).unwrap()
    };
    assert!(!scan(None)["vulnerabilities"].as_array().unwrap().is_empty());
    assert!(scan(Some("bsi-tr-03183-2"))["vulnerabilities"].is_null());
}
