//! Output formats. A closed set: every format is a module here and a variant of `cli::Format`.

pub mod common;
pub mod cyclonedx;
pub mod json;
pub mod sarif;
pub mod spdx;
pub mod table;

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
    paths: &[PathBuf],
) -> anyhow::Result<Vec<u8>> {
    let context = common::EmitContext::new(report, analysis, paths)?;
    match format {
        Format::Table => match analysis {
            Some(analysis) => Ok(table::scan(&report.graph, analysis).into_bytes()),
            None => Ok(table::graph(&report.graph).into_bytes()),
        },
        Format::Json => json::report(report, analysis),
        Format::CyclonedxJson => cyclonedx::document(&context, cyclonedx::Encoding::Json),
        Format::CyclonedxXml => cyclonedx::document(&context, cyclonedx::Encoding::Xml),
        Format::SpdxJson => spdx::json(&context),
        Format::SpdxTagValue => spdx::tag_value(&context),
        Format::Sarif => sarif::document(&context),
    }
}
