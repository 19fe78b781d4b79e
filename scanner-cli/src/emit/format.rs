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
    /// CycloneDX JSON, 1.6 or --spec-version (vulnerabilities from `scan`).
    CyclonedxJson,
    /// CycloneDX XML, 1.6 or --spec-version (vulnerabilities from `scan`).
    CyclonedxXml,
    /// SPDX 2.3 JSON.
    SpdxJson,
    /// SPDX 3.0.1 JSON-LD (Software, AI and Dataset profiles).
    Spdx3Json,
    /// OpenVEX 0.2.0 (`scan`: findings and ignores as statements).
    Openvex,
    /// CycloneDX 1.6 VEX (`scan`: findings and ignores with analysis).
    CyclonedxVex,
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
            | Format::Spdx3Json
            | Format::Openvex
            | Format::CyclonedxVex
            | Format::SpdxTagValue
            | Format::Sarif => false,
        }
    }
}

/// The CycloneDX versions `--spec-version` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum CycloneDxVersion {
    /// CycloneDX 1.5 (what airlock wrote before 1.6 became the default).
    #[value(name = "1.5")]
    V1_5,
    /// CycloneDX 1.6: model cards, component authors; what BSI TR-03183-2 v2.1 asks for.
    #[default]
    #[value(name = "1.6")]
    V1_6,
    /// CycloneDX 1.7.
    #[value(name = "1.7")]
    V1_7,
}

impl CycloneDxVersion {
    pub fn model(self) -> scanner_core::sbom::cyclonedx::SpecVersion {
        use scanner_core::sbom::cyclonedx::SpecVersion;
        match self {
            CycloneDxVersion::V1_5 => SpecVersion::V1_5,
            CycloneDxVersion::V1_6 => SpecVersion::V1_6,
            CycloneDxVersion::V1_7 => SpecVersion::V1_7,
        }
    }
}
