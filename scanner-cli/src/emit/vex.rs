//! VEX documents from `scan`: the vulnerability analysis on its own, apart from the SBOM (BSI
//! TR-03183-2 keeps vulnerabilities out of the SBOM). Every advisory finding is a statement:
//! `affected` with the fix to apply (or that none is known), `under_investigation` when the
//! version could not be compared; every finding the operator's policy ignored, or a `--vex`
//! statement took out, is `not_affected` with the ignore's reason. OpenVEX 0.2.0
//! (<https://github.com/openvex/spec>) and CycloneDX 1.6 VEX (a BOM of the affected components
//! and their vulnerabilities with an `analysis`).

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Serialize;

use scanner_core::policy::IgnoredFinding;
use scanner_core::risk::{Finding, RuleId};
use scanner_core::sbom::cyclonedx::{
    self as model, Affect, Analysis, Bom, Component as CdxComponent, Metadata, SpecVersion,
    Vulnerability, VulnerabilitySource,
};
use scanner_core::vex::Status;

use super::common::{self, EmitContext};

/// One statement before it is written in either format.
struct Entry<'a> {
    finding: &'a Finding,
    status: Status,
    /// Why (the ignore's reason) or what to do (the fix).
    text: String,
}

/// The statements of a scan: findings with advisories, then the ignored ones.
fn entries<'a>(context: &EmitContext<'a>) -> anyhow::Result<Vec<Entry<'a>>> {
    let analysis = context
        .analysis
        .context("the VEX formats carry the findings of `airlock scan`; `airlock sbom` has none")?;
    let mut list: Vec<Entry<'a>> = Vec::new();
    for finding in &analysis.findings {
        let Some(advisory) = &finding.advisory else {
            continue;
        };
        let (status, text) = if finding.rule == RuleId::VulnerabilityUndetermined {
            (Status::UnderInvestigation, finding.message.clone())
        } else {
            (
                Status::Affected,
                match &advisory.fixed_version {
                    Some(fixed) => format!("Upgrade {} to {fixed}.", finding.component.name),
                    None => format!(
                        "No fixed version of {} is known; remove or replace it.",
                        finding.component.name
                    ),
                },
            )
        };
        list.push(Entry {
            finding,
            status,
            text,
        });
    }
    for IgnoredFinding { finding, entry } in context.ignored {
        if finding.advisory.is_none() {
            continue;
        }
        list.push(Entry {
            finding,
            status: Status::NotAffected,
            text: format!("{} ({})", entry.reason, entry.location),
        });
    }
    Ok(list)
}

#[derive(Serialize)]
struct OpenVex {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@id")]
    id: String,
    author: String,
    timestamp: String,
    version: u32,
    tooling: String,
    statements: Vec<OpenVexStatement>,
}

#[derive(Serialize)]
struct OpenVexStatement {
    vulnerability: OpenVexVulnerability,
    products: Vec<OpenVexProduct>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    impact_statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action_statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_notes: Option<String>,
}

#[derive(Serialize)]
struct OpenVexVulnerability {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
}

#[derive(Serialize)]
struct OpenVexProduct {
    #[serde(rename = "@id")]
    id: String,
}

/// The products (purls) of one statement and its vulnerability's aliases.
type Products = (Vec<String>, Vec<String>);

/// The OpenVEX document, ending with a newline.
pub fn openvex(context: &EmitContext<'_>) -> anyhow::Result<Vec<u8>> {
    let entries = entries(context)?;
    // One statement per (vulnerability, status, text): products of the same advisory group.
    let mut grouped: BTreeMap<(String, Status, String), Products> = BTreeMap::new();
    for entry in &entries {
        let Some(advisory) = &entry.finding.advisory else {
            continue;
        };
        let slot = grouped
            .entry((advisory.id.clone(), entry.status, entry.text.clone()))
            .or_default();
        slot.0.push(entry.finding.component.purl().to_string());
        slot.1 = advisory
            .aliases
            .iter()
            .filter(|alias| **alias != advisory.id)
            .cloned()
            .collect();
    }
    let statements: Vec<OpenVexStatement> = grouped
        .into_iter()
        .map(|((name, status, text), (mut products, mut aliases))| {
            products.sort();
            products.dedup();
            aliases.sort();
            aliases.dedup();
            let (impact, action, notes) = match status {
                Status::NotAffected | Status::Fixed => (Some(text), None, None),
                Status::Affected => (None, Some(text), None),
                Status::UnderInvestigation => (None, None, Some(text)),
            };
            OpenVexStatement {
                vulnerability: OpenVexVulnerability { name, aliases },
                products: products
                    .into_iter()
                    .map(|id| OpenVexProduct { id })
                    .collect(),
                status: status.openvex(),
                impact_statement: impact,
                action_statement: action,
                status_notes: notes,
            }
        })
        .collect();
    let content = serde_json::to_vec(
        &statements
            .iter()
            .map(|statement| (&statement.vulnerability.name, statement.status))
            .collect::<Vec<_>>(),
    )
    .context("cannot write OpenVEX")?;
    let mut seed = content;
    seed.extend_from_slice(context.project_name.as_bytes());
    seed.extend_from_slice(&context.timestamp.to_le_bytes());
    let document = OpenVex {
        context: "https://openvex.dev/ns/v0.2.0",
        id: format!(
            "https://openvex.dev/docs/public/airlock-{}",
            common::uuid_from_content(&seed)
        ),
        author: format!("airlock {}", env!("CARGO_PKG_VERSION")),
        timestamp: common::rfc3339(context.timestamp)?,
        version: 1,
        tooling: format!("airlock {}", env!("CARGO_PKG_VERSION")),
        statements,
    };
    let mut bytes = serde_json::to_vec_pretty(&document).context("cannot write OpenVEX")?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The CycloneDX 1.6 VEX document, ending with a newline.
pub fn cyclonedx(context: &EmitContext<'_>) -> anyhow::Result<Vec<u8>> {
    let entries = entries(context)?;
    let mut components: BTreeMap<String, CdxComponent> = BTreeMap::new();
    let mut vulnerabilities: BTreeMap<(String, Status, String), Vulnerability> = BTreeMap::new();
    for entry in &entries {
        let Some(advisory) = &entry.finding.advisory else {
            continue;
        };
        let key = &entry.finding.component;
        let purl = key.purl().to_string();
        components
            .entry(purl.clone())
            .or_insert_with(|| CdxComponent {
                kind: "library".into(),
                bom_ref: Some(purl.clone()),
                name: key.name.original().to_owned(),
                version: key.version.clone(),
                purl: Some(purl.clone()),
                ..CdxComponent::default()
            });
        let vulnerability = vulnerabilities
            .entry((advisory.id.clone(), entry.status, entry.text.clone()))
            .or_insert_with(|| Vulnerability {
                id: advisory.id.clone(),
                source: Some(VulnerabilitySource {
                    name: advisory
                        .database
                        .clone()
                        .unwrap_or_else(|| common::advisory_source_name(&advisory.id).to_owned()),
                    url: common::advisory_url(&advisory.id),
                }),
                description: advisory.summary.clone(),
                analysis: Some(Analysis {
                    state: entry.status.cyclonedx(),
                    justification: None,
                    responses: match entry.status {
                        Status::Affected if advisory.fixed_version.is_some() => vec!["update"],
                        _ => Vec::new(),
                    },
                    detail: Some(entry.text.clone()),
                }),
                ..Vulnerability::default()
            });
        vulnerability.affects.push(Affect { reference: purl });
    }
    let mut bom = Bom {
        bom_format: "CycloneDX".to_owned(),
        spec_version: SpecVersion::V1_6.as_str().to_owned(),
        serial_number: None,
        version: 1,
        metadata: Some(Metadata {
            timestamp: Some(common::rfc3339(context.timestamp)?),
            ..Metadata::default()
        }),
        components: components.into_values().collect(),
        dependencies: Vec::new(),
        compositions: Vec::new(),
        vulnerabilities: Some(
            vulnerabilities
                .into_values()
                .map(|mut vulnerability| {
                    vulnerability
                        .affects
                        .sort_by(|a, b| a.reference.cmp(&b.reference));
                    vulnerability
                        .affects
                        .dedup_by(|a, b| a.reference == b.reference);
                    vulnerability
                })
                .collect(),
        ),
    };
    let mut compact = Vec::new();
    model::write_compact(&bom, &mut compact).context("cannot write CycloneDX VEX")?;
    bom.serial_number = Some(format!("urn:uuid:{}", common::uuid_from_content(&compact)));
    model::to_json(&bom).context("cannot write CycloneDX VEX")
}
