//! The closed set of report formats. It lives with the writers, which are its only reason to
//! exist, so that `cli.rs` declares `--format` with it and every match over it is in one
//! layer and exhaustive: adding a format breaks every place that must handle it.

use clap::ValueEnum;

/// Output formats of the reports (`sbom`, `scan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// airlock's JSON report for scripts (docs/json-format.md).
    Json,
    /// CycloneDX 1.5 JSON (with vulnerabilities from `scan`).
    CyclonedxJson,
    /// CycloneDX 1.5 XML (with vulnerabilities from `scan`).
    CyclonedxXml,
    /// SPDX 2.3 JSON.
    SpdxJson,
    /// SPDX 2.3 tag-value.
    SpdxTagValue,
    /// SARIF 2.1.0 (findings as results, for code scanning).
    Sarif,
    /// One self-contained HTML page (no network): summary, findings with filters, the
    /// dependency tree, model cards.
    Html,
}

impl Format {
    /// Whether the format's readers are people (tables and the HTML page) rather than
    /// scripts: only then may a progress bar be drawn while it is made.
    pub fn is_for_people(self) -> bool {
        match self {
            Format::Table | Format::Html => true,
            Format::Json
            | Format::CyclonedxJson
            | Format::CyclonedxXml
            | Format::SpdxJson
            | Format::SpdxTagValue
            | Format::Sarif => false,
        }
    }
}
