//! Output formats. A closed set: every format is a module here and a variant of `cli::Format`.

pub mod common;
pub mod cyclonedx;
pub mod html;
pub mod json;
pub mod sarif;
pub mod spdx;
pub mod table;
pub mod terminal;

use std::path::PathBuf;

use scanner_core::risk::Analysis;
use scanner_core::scan::ScanReport;

use crate::cli::Format;

/// The report in a machine format. `analysis` is `Some` for `scan`: formats with a place for
/// findings (JSON, CycloneDX vulnerabilities, SARIF results) then carry them; SPDX has none.
/// Tables are rendered by the commands themselves (`sbom` and `scan` show different tables).
pub fn document(
    format: Format,
    report: &ScanReport,
    analysis: Option<&Analysis>,
    policy: Option<&common::PolicyFacts>,
    paths: &[PathBuf],
) -> anyhow::Result<Vec<u8>> {
    let context = common::EmitContext::new(report, analysis, policy, paths)?;
    match format {
        Format::Table => match analysis {
            Some(analysis) => Ok(table::scan(&report.graph, analysis).into_bytes()),
            None => Ok(table::graph(&report.graph).into_bytes()),
        },
        Format::Json => json::report_with_database(report, analysis, None, policy),
        Format::CyclonedxJson => cyclonedx::document(&context, cyclonedx::Encoding::Json),
        Format::CyclonedxXml => cyclonedx::document(&context, cyclonedx::Encoding::Xml),
        Format::SpdxJson => spdx::json(&context),
        Format::SpdxTagValue => spdx::tag_value(&context),
        Format::Sarif => sarif::document(&context),
        Format::Html => html::report(report, analysis, None, policy, paths),
    }
}

#[cfg(test)]
mod tests {
    //! Findings with advisories cannot come from a database in this build yet, so these tests
    //! hand the writers an analysis with one advisory finding and check what `scan` writes:
    //! a CycloneDX `vulnerabilities` entry and a SARIF result, both schema-valid.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::path::{Path, PathBuf};

    use scanner_core::risk::{
        AdvisoryKind, AdvisoryRef, Analysis, CvssRating, Finding, RuleId, Severity,
    };
    use scanner_core::scan::{scan, ScanOptions, ScanReport};
    use serde_json::Value;

    fn repository() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    fn schema(name: &str) -> Value {
        let path = repository().join("tests/schemas").join(name);
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn example() -> (ScanReport, Analysis) {
        let paths = [repository().join("examples/agent-stack/tools/web-fetch")];
        let report = scan(&paths, &ScanOptions::default()).unwrap();
        let url = report
            .graph
            .components()
            .find(|component| component.key.name.normalized() == "url")
            .unwrap()
            .key
            .clone();
        let advisory = AdvisoryRef {
            aliases: vec!["CVE-2024-0001".to_owned(), "GHSA-aaaa-bbbb-cccc".to_owned()],
            summary: Some("Host confusion in URL parsing".to_owned()),
            severity: Some(Severity::High),
            fixed_version: Some("2.5.4".to_owned()),
            ratings: vec![CvssRating {
                method: "CVSSv31".to_owned(),
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N".to_owned(),
                score_tenths: 75,
                severity: Severity::High,
            }],
            references: vec!["https://example.invalid/advisory".to_owned()],
            database: Some("RustSec".to_owned()),
            ..AdvisoryRef::new("RUSTSEC-2024-0001", AdvisoryKind::Vulnerability)
        };
        let evidence = report
            .graph
            .get(&url)
            .unwrap()
            .evidence
            .iter()
            .map(|evidence| evidence.location.clone())
            .collect();
        let finding = Finding {
            rule: RuleId::KnownVulnerability,
            severity: Severity::High,
            component: url.clone(),
            message: "url 2.5.0: Host confusion in URL parsing; fixed in 2.5.4".to_owned(),
            advisory: Some(advisory),
            evidence,
            introduced_through: vec![url],
        };
        let analysis = Analysis {
            findings: vec![finding],
            ..Analysis::default()
        };
        (report, analysis)
    }

    fn render(format: crate::cli::Format) -> Value {
        let (report, analysis) = example();
        let paths = [PathBuf::from("web-fetch")];
        let bytes = super::document(format, &report, Some(&analysis), None, &paths).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn cyclonedx_vulnerabilities_are_complete_and_valid() {
        let bom = render(crate::cli::Format::CyclonedxJson);
        let registry = jsonschema::Registry::new()
            .add(
                "http://cyclonedx.org/schema/spdx.schema.json",
                jsonschema::Resource::from_contents(schema("spdx.schema.json")),
            )
            .unwrap()
            .add(
                "http://cyclonedx.org/schema/jsf-0.82.schema.json",
                jsonschema::Resource::from_contents(schema("jsf-0.82.schema.json")),
            )
            .unwrap()
            .prepare()
            .unwrap();
        let validator = jsonschema::options()
            .with_registry(&registry)
            .build(&schema("bom-1.5.schema.json"))
            .unwrap();
        let errors: Vec<String> = validator.iter_errors(&bom).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let vulnerability = &bom["vulnerabilities"][0];
        assert_eq!(vulnerability["id"], "RUSTSEC-2024-0001");
        assert_eq!(vulnerability["source"]["name"], "RustSec");
        assert_eq!(
            vulnerability["source"]["url"],
            "https://rustsec.org/advisories/RUSTSEC-2024-0001.html"
        );
        assert_eq!(vulnerability["ratings"][0]["method"], "CVSSv31");
        assert_eq!(vulnerability["ratings"][0]["score"], 7.5);
        assert_eq!(vulnerability["ratings"][0]["severity"], "high");
        assert_eq!(vulnerability["recommendation"], "upgrade url to 2.5.4");
        assert_eq!(vulnerability["affects"][0]["ref"], "pkg:cargo/url@2.5.0");
        assert_eq!(vulnerability["references"][0]["id"], "CVE-2024-0001");
        assert_eq!(vulnerability["references"][0]["source"]["name"], "NVD");
        assert_eq!(
            vulnerability["advisories"][0]["url"],
            "https://example.invalid/advisory"
        );
        assert_eq!(
            vulnerability["description"],
            "Host confusion in URL parsing"
        );
    }

    #[test]
    fn sarif_results_have_places_rules_and_stable_fingerprints() {
        let log = render(crate::cli::Format::Sarif);
        let validator = jsonschema::options()
            .build(&schema("sarif-2.1.0.schema.json"))
            .unwrap();
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), RuleId::ALL.len());
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "known-vulnerability");
        assert_eq!(
            rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
            "known-vulnerability"
        );
        assert_eq!(result["level"], "error");
        let place = &result["locations"][0]["physicalLocation"];
        assert!(place["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("Cargo.lock"));
        assert!(place["region"]["startLine"].as_u64().unwrap() > 1);
        assert_eq!(result["properties"]["security-severity"], "7.5");
        let fingerprint = result["partialFingerprints"]["airlockFinding/v1"].clone();
        assert_eq!(fingerprint.as_str().unwrap().len(), 32);
        // Same finding, another run: same fingerprint; the line is not part of it.
        let (_, mut analysis) = example();
        analysis.findings[0].evidence[0].line = Some(9999);
        assert_eq!(
            super::sarif::fingerprint(&analysis.findings[0]),
            fingerprint.as_str().unwrap()
        );
    }
}
