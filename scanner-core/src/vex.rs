//! VEX (Vulnerability Exploitability eXchange) as operator input: OpenVEX (0.2) and CycloneDX
//! VEX documents read into statements, and statements applied to an analysis the way policy
//! ignores are: a finding a `not_affected` or `fixed` statement covers is moved aside with the
//! statement as its reason; `affected` and `under_investigation` keep it.
//!
//! Trust: only documents the operator names (`--vex FILE`) are statements. A VEX document
//! found inside a scanned tree may come from the attacker and is never applied (the SBOM reader
//! does not even decode `vulnerabilities`). A statement that matches no finding is a warning
//! (a typo must not pass silently), and so is one that matches with other purl qualifiers.

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::location::Location;
use crate::policy::{IgnoreEntry, IgnoredFinding};
use crate::purl::{Purl, PurlParts};
use crate::risk::{Analysis, Finding};

/// The status of a statement, in OpenVEX's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// `not_affected`: the product does not suffer from the vulnerability.
    NotAffected,
    /// `affected`: it does.
    Affected,
    /// `fixed`: it did, and the fix is in.
    Fixed,
    /// `under_investigation`: not known yet.
    UnderInvestigation,
}

impl Status {
    /// The status as OpenVEX spells it.
    pub fn openvex(self) -> &'static str {
        match self {
            Status::NotAffected => "not_affected",
            Status::Affected => "affected",
            Status::Fixed => "fixed",
            Status::UnderInvestigation => "under_investigation",
        }
    }

    /// The CycloneDX `analysis.state`.
    pub fn cyclonedx(self) -> &'static str {
        match self {
            Status::NotAffected => "not_affected",
            Status::Affected => "exploitable",
            Status::Fixed => "resolved",
            Status::UnderInvestigation => "in_triage",
        }
    }

    fn from_openvex(text: &str) -> Option<Status> {
        match text {
            "not_affected" => Some(Status::NotAffected),
            "affected" => Some(Status::Affected),
            "fixed" => Some(Status::Fixed),
            "under_investigation" => Some(Status::UnderInvestigation),
            _ => None,
        }
    }

    fn from_cyclonedx(text: &str) -> Option<Status> {
        match text {
            "not_affected" | "false_positive" => Some(Status::NotAffected),
            "exploitable" => Some(Status::Affected),
            "resolved" | "resolved_with_pedigree" => Some(Status::Fixed),
            "in_triage" => Some(Status::UnderInvestigation),
            _ => None,
        }
    }

    /// Whether the statement takes the finding out of the verdict.
    pub fn suppresses(self) -> bool {
        matches!(self, Status::NotAffected | Status::Fixed)
    }
}

/// One statement: a vulnerability (with its aliases) and the products it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The vulnerability's id as the statement names it.
    pub vulnerability: String,
    /// Its other ids.
    pub aliases: Vec<String>,
    /// Package URLs.
    pub products: Vec<String>,
    /// What the statement says.
    pub status: Status,
    /// Why it is not affected, in the document's words.
    pub justification: Option<String>,
    /// Free-text detail (`impact_statement`, `action_statement`, CycloneDX `detail`).
    pub detail: Option<String>,
    /// The document (and, where known, the line) that made the statement.
    pub location: Location,
}

/// A VEX document airlock could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct VexError {
    /// The document's path.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

#[derive(Deserialize)]
struct OpenVexDocument {
    #[serde(default)]
    statements: Vec<OpenVexStatement>,
}

#[derive(Deserialize)]
struct OpenVexStatement {
    vulnerability: OpenVexVulnerability,
    #[serde(default)]
    products: Vec<OpenVexProduct>,
    status: String,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    impact_statement: Option<String>,
    #[serde(default)]
    status_notes: Option<String>,
}

#[derive(Deserialize)]
struct OpenVexVulnerability {
    #[serde(default)]
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize)]
struct OpenVexProduct {
    #[serde(rename = "@id", default)]
    id: String,
    #[serde(default)]
    identifiers: Option<OpenVexIdentifiers>,
}

#[derive(Deserialize)]
struct OpenVexIdentifiers {
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Deserialize)]
struct CdxVexDocument {
    #[serde(default)]
    components: Vec<CdxVexComponent>,
    #[serde(default)]
    vulnerabilities: Vec<CdxVexVulnerability>,
}

#[derive(Deserialize)]
struct CdxVexComponent {
    #[serde(rename = "bom-ref", default)]
    bom_ref: Option<String>,
    #[serde(default)]
    purl: Option<String>,
}

#[derive(Deserialize)]
struct CdxVexVulnerability {
    #[serde(default)]
    id: String,
    #[serde(default)]
    references: Vec<CdxVexReference>,
    #[serde(default)]
    analysis: Option<CdxVexAnalysis>,
    #[serde(default)]
    affects: Vec<CdxVexAffect>,
}

#[derive(Deserialize)]
struct CdxVexReference {
    #[serde(default)]
    id: String,
}

#[derive(Deserialize)]
struct CdxVexAnalysis {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

#[derive(Deserialize)]
struct CdxVexAffect {
    #[serde(rename = "ref", default)]
    reference: String,
}

/// The statements of an OpenVEX or CycloneDX VEX (JSON) document.
pub fn parse(path: &str, text: &str) -> Result<Vec<Statement>, VexError> {
    let error = |message: String| VexError {
        path: path.to_owned(),
        message,
    };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|problem| error(format!("not valid JSON: {problem}")))?;
    let location = Location::file(path);
    let context = value
        .get("@context")
        .and_then(|context| context.as_str())
        .unwrap_or_default();
    if context.starts_with("https://openvex.dev/ns") {
        let document: OpenVexDocument = serde_json::from_value(value)
            .map_err(|problem| error(format!("not a valid OpenVEX document: {problem}")))?;
        return document
            .statements
            .into_iter()
            .map(|statement| {
                let status = Status::from_openvex(&statement.status).ok_or_else(|| {
                    error(format!("unknown OpenVEX status `{}`", statement.status))
                })?;
                Ok(Statement {
                    vulnerability: statement.vulnerability.name,
                    aliases: statement.vulnerability.aliases,
                    products: statement
                        .products
                        .into_iter()
                        .map(|product| {
                            product
                                .identifiers
                                .and_then(|identifiers| identifiers.purl)
                                .unwrap_or(product.id)
                        })
                        .collect(),
                    status,
                    justification: statement.justification,
                    detail: statement.impact_statement.or(statement.status_notes),
                    location: location.clone(),
                })
            })
            .collect();
    }
    if value.get("bomFormat").and_then(|format| format.as_str()) == Some("CycloneDX") {
        let document: CdxVexDocument = serde_json::from_value(value)
            .map_err(|problem| error(format!("not a valid CycloneDX VEX document: {problem}")))?;
        let purl_of = |reference: &str| -> String {
            document
                .components
                .iter()
                .find(|component| component.bom_ref.as_deref() == Some(reference))
                .and_then(|component| component.purl.clone())
                .unwrap_or_else(|| reference.to_owned())
        };
        let mut statements = Vec::new();
        for vulnerability in &document.vulnerabilities {
            let Some(analysis) = &vulnerability.analysis else {
                continue;
            };
            let state = analysis.state.as_deref().unwrap_or_default();
            let status = Status::from_cyclonedx(state).ok_or_else(|| {
                error(format!(
                    "vulnerability {}: unknown analysis state `{state}`",
                    vulnerability.id
                ))
            })?;
            statements.push(Statement {
                vulnerability: vulnerability.id.clone(),
                aliases: vulnerability
                    .references
                    .iter()
                    .map(|reference| reference.id.clone())
                    .collect(),
                products: vulnerability
                    .affects
                    .iter()
                    .map(|affect| purl_of(&affect.reference))
                    .collect(),
                status,
                justification: analysis.justification.clone(),
                detail: analysis.detail.clone(),
                location: location.clone(),
            });
        }
        return Ok(statements);
    }
    Err(error(
        "neither an OpenVEX document (`@context` https://openvex.dev/ns/...) nor a CycloneDX VEX document (`bomFormat`)".to_owned(),
    ))
}

/// How a statement's product compares with a finding's component.
#[derive(Debug, PartialEq, Eq)]
enum ProductMatch {
    No,
    Yes,
    /// Same package and version, other qualifiers.
    OtherQualifiers,
}

fn same_package(statement: &PurlParts, component: &PurlParts) -> ProductMatch {
    let fold = |text: &str| text.to_ascii_lowercase().replace(['_', '.'], "-");
    let same = statement.purl_type.eq_ignore_ascii_case(&component.purl_type)
        && statement.namespace.as_deref().map(fold) == component.namespace.as_deref().map(fold)
        && fold(&statement.name) == fold(&component.name)
        // A product without a version is every version.
        && statement
            .version
            .as_ref()
            .is_none_or(|version| Some(version) == component.version.as_ref());
    if !same {
        ProductMatch::No
    } else if !statement.qualifiers.is_empty() && statement.qualifiers != component.qualifiers {
        ProductMatch::OtherQualifiers
    } else {
        ProductMatch::Yes
    }
}

/// What applying statements changed.
#[derive(Debug, Default)]
pub struct VexReport {
    /// Findings a `not_affected` or `fixed` statement took out, as policy ignores are.
    pub ignored: Vec<IgnoredFinding>,
    /// Statements that matched nothing, or matched with other purl qualifiers.
    pub warnings: Vec<Diagnostic>,
}

fn product_match(statement: &Statement, finding: &Finding) -> ProductMatch {
    let Some(advisory) = &finding.advisory else {
        return ProductMatch::No;
    };
    let ids = advisory.all_ids();
    let named = std::iter::once(statement.vulnerability.as_str())
        .chain(statement.aliases.iter().map(String::as_str))
        .any(|id| ids.iter().any(|known| known.eq_ignore_ascii_case(id)));
    if !named {
        return ProductMatch::No;
    }
    let Ok(component) = Purl::parse(finding.component.purl().as_str()) else {
        return ProductMatch::No;
    };
    statement
        .products
        .iter()
        .filter_map(|product| Purl::parse(product).ok())
        .map(|product| same_package(&product, &component))
        .min_by_key(|found| match found {
            ProductMatch::Yes => 0,
            ProductMatch::OtherQualifiers => 1,
            ProductMatch::No => 2,
        })
        .unwrap_or(ProductMatch::No)
}

/// Applies the operator's statements to `analysis`.
pub fn apply(statements: &[Statement], analysis: &mut Analysis) -> VexReport {
    let mut report = VexReport::default();
    let mut matched = vec![false; statements.len()];
    let findings = std::mem::take(&mut analysis.findings);
    for finding in findings {
        let mut suppressed_by = None;
        for (index, statement) in statements.iter().enumerate() {
            match product_match(statement, &finding) {
                ProductMatch::No => continue,
                ProductMatch::OtherQualifiers => report.warnings.push(Diagnostic::warning(
                    DiagnosticCode::VexStatement,
                    statement.location.clone(),
                    format!(
                        "the VEX statement on {} names {} with other purl qualifiers than {}; applied to it",
                        statement.vulnerability,
                        statement.products.join(", "),
                        finding.component.purl()
                    ),
                )),
                ProductMatch::Yes => {}
            }
            if let Some(seen) = matched.get_mut(index) {
                *seen = true;
            }
            if statement.status.suppresses() && suppressed_by.is_none() {
                suppressed_by = Some(statement);
            }
        }
        match suppressed_by {
            Some(statement) => {
                let mut reason = format!("VEX {}", statement.status.openvex());
                if let Some(justification) = &statement.justification {
                    reason.push_str(&format!(" ({justification})"));
                }
                if let Some(detail) = &statement.detail {
                    reason.push_str(&format!(": {detail}"));
                }
                report.ignored.push(IgnoredFinding {
                    entry: IgnoreEntry {
                        id: statement.vulnerability.clone(),
                        package: Some(finding.component.name.original().to_owned()),
                        version: finding.component.version.clone(),
                        reason,
                        expires: None,
                        location: statement.location.clone(),
                    },
                    finding,
                });
            }
            None => analysis.findings.push(finding),
        }
    }
    for (statement, matched) in statements.iter().zip(matched) {
        if !matched {
            report.warnings.push(Diagnostic::warning(
                DiagnosticCode::VexStatement,
                statement.location.clone(),
                format!(
                    "the VEX statement `{}` {} on {} matches no finding of this scan",
                    statement.vulnerability,
                    statement.status.openvex(),
                    statement.products.join(", ")
                ),
            ));
        }
    }
    analysis.sort();
    report
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn openvex_and_cyclonedx_statements_are_read() {
        let open = r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
            {"vulnerability": {"name": "CVE-1", "aliases": ["GHSA-x"]},
             "products": [{"@id": "pkg:pypi/requests@2.30.0"}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#;
        let statements = parse("v.json", open).unwrap();
        assert_eq!(statements[0].status, Status::NotAffected);
        assert_eq!(statements[0].products, ["pkg:pypi/requests@2.30.0"]);
        let cdx = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{"type": "library", "name": "url", "bom-ref": "u", "purl": "pkg:cargo/url@2.5.0"}],
            "vulnerabilities": [{"id": "RUSTSEC-1", "analysis": {"state": "resolved"},
              "affects": [{"ref": "u"}]}]}"#;
        let statements = parse("v.cdx.json", cdx).unwrap();
        assert_eq!(statements[0].status, Status::Fixed);
        assert_eq!(statements[0].products, ["pkg:cargo/url@2.5.0"]);
        assert!(parse("x.json", r#"{"a": 1}"#).is_err());
        assert!(parse(
            "x.json",
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": {"name": "a"}, "status": "fine"}]}"#
        )
        .is_err());
    }

    #[test]
    fn qualifiers_and_versions_are_compared() {
        let statement = Purl::parse("pkg:pypi/requests@2.30.0?extra=x").unwrap();
        let component = Purl::parse("pkg:pypi/requests@2.30.0").unwrap();
        assert_eq!(
            same_package(&statement, &component),
            ProductMatch::OtherQualifiers
        );
        let other = Purl::parse("pkg:pypi/requests@2.31.0").unwrap();
        assert_eq!(same_package(&component, &other), ProductMatch::No);
        let any_version = Purl::parse("pkg:pypi/Requests").unwrap();
        assert_eq!(same_package(&any_version, &other), ProductMatch::Yes);
    }
}
