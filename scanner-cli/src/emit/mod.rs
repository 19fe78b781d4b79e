//! Output formats. A closed set: every format is a module here and a variant of [`Format`],
//! and [`render`] is the one match that picks the writer. This layer knows nothing of the
//! command line or the commands: they hand it a [`ReportInput`] and get bytes back.

pub mod common;
pub mod cyclonedx;
mod format;
pub mod html;
pub mod json;
pub mod profile;
pub mod sarif;
pub mod spdx;
pub mod spdx3;
pub mod table;
pub mod terminal;
pub mod vex;

use std::path::PathBuf;

use scanner_core::risk::Analysis;
use scanner_core::scan::ScanReport;

pub use format::{CycloneDxVersion, Format};

/// What `scan` says about the advisory database it matched against: one line for people (the
/// table's note) and the `advisory_database` object of the JSON report and the HTML page.
#[derive(Debug, Clone)]
pub struct DatabaseNote {
    pub line: String,
    pub json: serde_json::Value,
}

/// Everything a report is made from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub report: &'a ScanReport,
    /// Findings, for `scan`; `None` for `sbom`, whose reports never carry findings. Formats
    /// with a place for findings (table, JSON, CycloneDX vulnerabilities, SARIF results, HTML)
    /// then carry them; SPDX has none.
    pub analysis: Option<&'a Analysis>,
    /// The policy that judged the findings (`scan`, `attest`).
    pub policy: Option<&'a common::PolicyFacts>,
    /// The advisory database `scan` matched against, or why it did not.
    pub database: Option<&'a DatabaseNote>,
    /// The scanned paths as given on the command line.
    pub paths: &'a [PathBuf],
    /// How a table is drawn (other formats ignore it).
    pub style: terminal::TableStyle,
    /// What the documents say they were made at: the run clock's document time.
    pub document_time: chrono::DateTime<chrono::Utc>,
    /// The CycloneDX version of the CycloneDX formats (`--spec-version`).
    pub cyclonedx_version: CycloneDxVersion,
    /// Findings the policy or a `--vex` statement took out (`scan`): the VEX formats state them
    /// as not affected.
    pub ignored: &'a [scanner_core::policy::IgnoredFinding],
    /// `--profile`: bsi-tr-03183-2 keeps vulnerabilities out of the SBOM formats.
    pub profile: Option<profile::Profile>,
}

/// What `--profile` finds missing in the document `format` writes from `input`.
pub fn profile_gaps(
    profile: profile::Profile,
    format: Format,
    input: &ReportInput<'_>,
) -> Vec<profile::Gap> {
    let context = common::EmitContext::new(
        input.report,
        input.analysis,
        input.policy,
        input.paths,
        input.document_time.timestamp(),
        input.ignored,
    );
    profile::check(profile, format, input.cyclonedx_version, &context)
}

/// A rendered report: its bytes in order, in the pieces they were written in. A large
/// CycloneDX JSON document is serialized on the pool in pieces; joining them copied a megabyte
/// into fresh pages on the calling thread, and the file then copied it once more.
#[derive(Debug, Default)]
pub struct Rendered {
    pieces: Vec<Vec<u8>>,
}

impl Rendered {
    pub fn from_pieces(pieces: Vec<Vec<u8>>) -> Rendered {
        Rendered { pieces }
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> Vec<&[u8]> {
        self.pieces.iter().map(Vec::as_slice).collect()
    }

    /// The bytes, joined.
    pub fn into_bytes(mut self) -> Vec<u8> {
        if self.pieces.len() == 1 {
            return self.pieces.pop().unwrap_or_default();
        }
        self.pieces.concat()
    }
}

impl From<Vec<u8>> for Rendered {
    fn from(bytes: Vec<u8>) -> Rendered {
        Rendered {
            pieces: vec![bytes],
        }
    }
}

/// The report in `format`, in the pieces it was written in (the bytes of [`render`]).
pub fn render_pieces(format: Format, input: &ReportInput<'_>) -> anyhow::Result<Rendered> {
    match format {
        Format::CyclonedxJson => {
            cyclonedx::json_pieces(&sbom_context(input), input.cyclonedx_version.model())
        }
        _ => render(format, input).map(Rendered::from),
    }
}

/// The emitting context of an SBOM: BSI TR-03183-2 wants vulnerabilities in a VEX document, not
/// in the SBOM.
fn sbom_context<'a>(input: &ReportInput<'a>) -> common::EmitContext<'a> {
    let sbom_analysis = match input.profile {
        Some(profile) if profile.keeps_vulnerabilities_out() => None,
        _ => input.analysis,
    };
    common::EmitContext::new(
        input.report,
        sbom_analysis,
        input.policy,
        input.paths,
        input.document_time.timestamp(),
        input.ignored,
    )
    .with_profile(input.profile)
}

/// The report in `format`.
pub fn render(format: Format, input: &ReportInput<'_>) -> anyhow::Result<Vec<u8>> {
    let database = || input.database.map(|database| database.json.clone());
    let timestamp = input.document_time.timestamp();
    let sbom_context = || sbom_context(input);
    let context = || {
        common::EmitContext::new(
            input.report,
            input.analysis,
            input.policy,
            input.paths,
            timestamp,
            input.ignored,
        )
        .with_profile(input.profile)
    };
    match format {
        Format::Table => Ok(match input.analysis {
            Some(analysis) => scan_table(input, analysis),
            None => table::graph_styled(&input.report.graph, &input.style),
        }
        .into_bytes()),
        Format::Json => {
            json::report_with_database(input.report, input.analysis, database(), input.policy)
        }
        Format::CyclonedxJson => cyclonedx::document(
            &sbom_context(),
            cyclonedx::Encoding::Json,
            input.cyclonedx_version.model(),
        ),
        Format::CyclonedxXml => cyclonedx::document(
            &sbom_context(),
            cyclonedx::Encoding::Xml,
            input.cyclonedx_version.model(),
        ),
        Format::SpdxJson => spdx::json(&sbom_context()),
        Format::Spdx3Json => spdx3::document(&sbom_context()),
        Format::Openvex => vex::openvex(&context()),
        Format::CyclonedxVex => vex::cyclonedx(&context()),
        Format::SpdxTagValue => spdx::tag_value(&sbom_context()),
        Format::Sarif => sarif::document(&context()),
        Format::Html => html::report(
            input.report,
            input.analysis,
            database(),
            input.policy,
            input.paths,
            timestamp,
        ),
    }
}

/// `scan`'s table: the findings (never "No findings." for a run that read nothing), then what
/// the database and the policy were.
fn scan_table(input: &ReportInput<'_>, analysis: &Analysis) -> String {
    let report = input.report;
    let mut text = if report.files.is_empty() && analysis.findings.is_empty() {
        // A run that read nothing (--allow-empty) checked nothing.
        format!(
            "Nothing was read: no file under {} is one airlock reads, so nothing was checked.\n",
            input
                .paths
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        table::scan_styled(&report.graph, analysis, &input.style)
    };
    text.push('\n');
    if let Some(database) = input.database {
        text.push_str(&table::note(&database.line, &input.style));
    }
    if let Some(policy) = input.policy {
        text.push_str(&table::note(&policy.sentence(), &input.style));
    }
    text
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

    fn render(format: super::Format) -> Value {
        let (report, analysis) = example();
        let paths = [PathBuf::from("web-fetch")];
        let input = super::ReportInput {
            report: &report,
            analysis: Some(&analysis),
            policy: None,
            database: None,
            paths: &paths,
            style: super::terminal::TableStyle::plain(),
            document_time: scanner_core::clock::Clock::fixed(1_700_000_000)
                .unwrap()
                .document_time(),
            cyclonedx_version: super::CycloneDxVersion::default(),
            ignored: &[],
            profile: None,
        };
        let bytes = super::render(format, &input).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn cyclonedx_vulnerabilities_are_complete_and_valid() {
        let bom = render(super::Format::CyclonedxJson);
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
            .build(&schema("bom-1.6.schema.json"))
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
        let log = render(super::Format::Sarif);
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
