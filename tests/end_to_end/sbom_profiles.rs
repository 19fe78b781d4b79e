//! `--profile ntia|cisa-2025|bsi-tr-03183-2` (issue 19): every element a component lacks is a
//! line naming the component, the element and why; what no input holds is stated as unknown in
//! the document and meets the profile; what airlock could give and does not is missing and the
//! run exits 1; BSI wants CycloneDX 1.6+ or SPDX 3.0.1+, SHA-512, and keeps vulnerabilities out
//! of the SBOM.

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

/// The `airlock:unknown` property of the CycloneDX component with this purl prefix.
fn stated_unknown(bom: &Value, purl_prefix: &str) -> Option<String> {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| {
            component["purl"]
                .as_str()
                .is_some_and(|purl| purl.starts_with(purl_prefix))
        })
        .and_then(|component| component["properties"].as_array())
        .and_then(|properties| {
            properties
                .iter()
                .find(|property| property["name"] == "airlock:unknown")
        })
        .map(|property| property["value"].as_str().unwrap().to_owned())
}

/// NTIA and CISA 2025 are met on the example and the model-card corpus (Must show of issue
/// 19): every element is present or stated as unknown, in every SBOM format; each unknown is
/// still named on stderr with why no input holds it.
#[test]
fn ntia_and_cisa_are_met_with_unknowns_stated_in_every_format() {
    let temporary = tempfile::tempdir().unwrap();
    let corpus = fixtures().join("models/corpus");
    for input in ["examples/agent-stack", corpus.to_str().unwrap()] {
        for profile in ["ntia", "cisa-2025"] {
            for (format, file) in [
                ("cyclonedx-json", "bom.cdx.json"),
                ("cyclonedx-xml", "bom.cdx.xml"),
                ("spdx-json", "bom.spdx.json"),
                ("spdx-tag-value", "bom.spdx"),
                ("spdx3-json", "bom.spdx3.json"),
            ] {
                let written = temporary.path().join(file);
                let output = run_in(
                    &repository(),
                    &[
                        "sbom",
                        input,
                        "-f",
                        format,
                        "--profile",
                        profile,
                        "-o",
                        written.to_str().unwrap(),
                    ],
                );
                let text = stderr(&output);
                assert_eq!(
                    output.status.code(),
                    Some(0),
                    "{input} {profile} {format}: {text}"
                );
                assert!(
                    text.contains(&format!("profile {profile}: met; ")),
                    "{input} {profile} {format}: {text}"
                );
                let document = std::fs::read_to_string(&written).unwrap();
                let stated = match format {
                    "cyclonedx-json" | "cyclonedx-xml" => "airlock:unknown",
                    _ => "unknown=",
                };
                assert!(
                    document.contains(stated),
                    "{input} {profile} {format}: the unknowns are stated in the document"
                );
            }
        }
    }

    // What is unknown is named, with why, and stated on the component it is about.
    let written = temporary.path().join("example.cdx.json");
    let output = run_in(
        &repository(),
        &[
            "sbom",
            "examples/agent-stack",
            "-f",
            "cyclonedx-json",
            "--profile",
            "cisa-2025",
            "-o",
            written.to_str().unwrap(),
        ],
    );
    let text = stderr(&output);
    assert!(
        text.contains(
            "profile cisa-2025: pkg:pypi/requests@2.30.0: unknown supplier: no input airlock read offline names who supplies it (stated as unknown in the document)"
        ),
        "{text}"
    );
    let bom: Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    let requests = stated_unknown(&bom, "pkg:pypi/requests@2.30.0").unwrap();
    assert!(
        requests.split(',').any(|element| element == "supplier"),
        "{requests}"
    );
    // A component with a hash has no hash among its unknowns.
    let weights = stated_unknown(&bom, "pkg:generic/model.safetensors").unwrap();
    assert!(
        !weights.split(',').any(|element| element == "hash"),
        "{weights}"
    );
    // Without --profile, nothing is stated (the document names no profile's elements).
    let plain = run_in(
        &repository(),
        &["sbom", "examples/agent-stack", "-f", "cyclonedx-json"],
    );
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("airlock:unknown"));
    // Read back, the statement is structure, not a fact of the component.
    let read_back = run_in(
        temporary.path(),
        &["sbom", "example.cdx.json", "-f", "json"],
    );
    assert_eq!(read_back.status.code(), Some(0), "{}", stderr(&read_back));
    assert!(!String::from_utf8_lossy(&read_back.stdout).contains("airlock:unknown"));

    // Hugging Face owners supply their repositories: no supplier gap for `owner/name` ids
    // (legacy datasets such as `squad` have no owner, and no supplier).
    let output = run_in(
        &repository(),
        &[
            "sbom",
            corpus.to_str().unwrap(),
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
        line.contains(": unknown supplier: ")
            && line
                .split(": ")
                .nth(1)
                .and_then(|purl| purl.strip_prefix("pkg:huggingface/"))
                .and_then(|path| path.split(['?', '@']).next())
                .is_some_and(|path| path.contains('/'))
    });
    assert!(!owned_without_supplier, "{text}");
    assert!(text.contains("pkg:huggingface/snli"), "{text}");
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

    // In CycloneDX 1.6, BSI is met: every file airlock hashed itself carries SHA-512 too,
    // computed in the same pass as SHA-256 (the digest is checked against the file's).
    let written = temporary.path().join("bsi.cdx.json");
    let output = run_in(
        &repository(),
        &[
            "sbom",
            "examples/agent-stack",
            "-f",
            "cyclonedx-json",
            "--profile",
            "bsi-tr-03183-2",
            "-q",
            "-o",
            written.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("profile bsi-tr-03183-2: met; "),
        "{}",
        stderr(&output)
    );
    let bom: Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    let weights = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "model.safetensors")
        .unwrap();
    let sha512 = weights["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|hash| hash["alg"] == "SHA-512")
        .unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = std::fs::read(
        repository().join("examples/agent-stack/models/tiny-summarizer/model.safetensors"),
    )
    .unwrap();
    use sha2::Digest as _;
    assert_eq!(hex::encode(sha2::Sha512::digest(&bytes)), sha512);
    // Without the profile, no SHA-512 is computed (it costs time).
    let plain = run_in(
        &repository(),
        &["sbom", "examples/agent-stack", "-f", "cyclonedx-json"],
    );
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("SHA-512"));

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

/// Issue 19 Deliver 2: a local project's manifest authors and license reach every writer
/// (CycloneDX `authors` / 1.5 `author`, SPDX 2.3 `originator`, SPDX 3 `originatedBy`), the
/// supplier stays unknown (an author is not a supplier), BSI's creator is met by the authors,
/// CycloneDX read back restores them, and a hostile entry is left out with a warning.
#[test]
fn manifest_authors_and_licenses_reach_every_writer() {
    let temporary = tempfile::tempdir().unwrap();
    let project = temporary.path().join("app");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"authored\"\nversion = \"1.0.0\"\nlicense = { text = \"Apache-2.0\" }\n\
         authors = [{ name = \"Ada Lovelace\", email = \"ada@example.org\" }]\n\
         maintainers = [{ name = \"Evil\\nPackageName: injected\" }]\n",
    )
    .unwrap();
    let sbom = |format: &str, extra: &[&str]| {
        let mut arguments = vec!["sbom", "app", "-f", format];
        arguments.extend_from_slice(extra);
        let output = run_in(temporary.path(), &arguments);
        let errors = stderr(&output);
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            errors,
        )
    };
    let (code, text, errors) = sbom("cyclonedx-json", &["--profile", "bsi-tr-03183-2"]);
    assert!(errors.contains("control character"), "{errors}");
    assert!(
        !errors.contains("unknown creator") && !errors.contains("no creator"),
        "{errors}"
    );
    assert!(errors.contains("unknown supplier"), "{errors}");
    assert_eq!(code, Some(0), "{errors}");
    let bom: Value = serde_json::from_str(&text).unwrap();
    let subject = &bom["metadata"]["component"];
    assert_eq!(
        subject["authors"],
        serde_json::json!([{ "name": "Ada Lovelace", "email": "ada@example.org" }])
    );
    assert_eq!(subject["licenses"][0]["license"]["id"], "Apache-2.0");
    assert!(subject.get("supplier").is_none());

    let (_, text, _) = sbom("cyclonedx-json", &["--spec-version", "1.5"]);
    assert!(
        text.contains("\"author\": \"Ada Lovelace <ada@example.org>\""),
        "{text}"
    );
    let (_, text, _) = sbom("spdx-tag-value", &[]);
    assert!(text.contains("PackageOriginator: Person: Ada Lovelace (ada@example.org)\n"));
    assert!(!text.contains("injected"));
    let (_, text, _) = sbom("spdx-json", &[]);
    assert!(text.contains("\"originator\": \"Person: Ada Lovelace (ada@example.org)\""));
    let (_, text, _) = sbom("spdx3-json", &[]);
    assert!(text.contains("\"name\": \"Ada Lovelace (ada@example.org)\""));

    // Read back from airlock's own CycloneDX: the authors come back.
    let written = temporary.path().join("bom.cdx.json");
    let output = run_in(
        temporary.path(),
        &[
            "sbom",
            "app",
            "-f",
            "cyclonedx-json",
            "-o",
            written.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run_in(temporary.path(), &["sbom", "bom.cdx.json", "-f", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let component = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "authored")
        .unwrap();
    assert_eq!(
        component["properties"]["airlock:authors"],
        r#"[{"name":"Ada Lovelace","email":"ada@example.org"}]"#
    );

    // And from airlock's SPDX 2.3 (JSON and tag-value: `originator`) and SPDX 3.0.1
    // (`originatedBy`): sbom -> read that sbom -> the same authors.
    for (format, file) in [
        ("spdx-json", "bom.spdx.json"),
        ("spdx-tag-value", "bom.spdx"),
        ("spdx3-json", "bom.spdx3.json"),
    ] {
        let written = temporary.path().join(file);
        let output = run_in(
            temporary.path(),
            &["sbom", "app", "-f", format, "-o", written.to_str().unwrap()],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let output = run_in(temporary.path(), &["sbom", file, "-f", "json"]);
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        let component = report["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|component| component["name"] == "authored")
            .unwrap_or_else(|| panic!("{file}: no `authored` in {report}"));
        assert_eq!(
            component["properties"]["airlock:authors"],
            r#"[{"name":"Ada Lovelace","email":"ada@example.org"}]"#,
            "{file}"
        );
    }
}
