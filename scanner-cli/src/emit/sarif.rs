//! SARIF 2.1.0 (OASIS, <https://docs.oasis-open.org/sarif/sarif/v2.1.0/>) for code scanning:
//! one rule per `RuleId` with its description and help, one result per finding at the file and
//! line where the component was found, and fingerprints that survive line moves. Scan
//! diagnostics (unreadable files) become tool execution notifications described by the
//! diagnostic code table.
//!
//! Small serde structs of our own rather than `serde-sarif`: airlock emits a dozen fields, and
//! the tests validate every document against the official schema.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Serialize;

use scanner_core::facts::properties;
use scanner_core::risk::{Finding, RuleId, Severity};
use scanner_core::{DiagnosticCode, DiagnosticSeverity, Location};

use super::common::{self, EmitContext};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base against which result paths (scan-relative) resolve.
const SOURCE_ROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    results: Vec<SarifResult>,
    /// The policy that judged the results (`airlock:policy:…` names, as in CycloneDX).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    properties: BTreeMap<String, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
    notifications: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Message>,
    default_configuration: Configuration,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    descriptor: DescriptorReference,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<SarifLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DescriptorReference {
    id: &'static str,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

/// SARIF levels: what must be fixed is an error, what should be looked at a warning. SARIF has
/// no level for "unknown": an unknown severity takes the level of what it counts as (the
/// result's `severity` property still says `unknown`).
fn level(severity: Severity, unknown_counts_as: Severity) -> &'static str {
    match severity.counted_as(unknown_counts_as) {
        Severity::Critical | Severity::High | Severity::Unknown => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning ranks security results by this number (CVSS-like, 0.0 to 10.0).
fn security_severity(severity: Severity, unknown_counts_as: Severity) -> &'static str {
    match severity.counted_as(unknown_counts_as) {
        Severity::Critical => "9.5",
        Severity::High | Severity::Unknown => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// What to do about a finding of each rule.
fn help(rule: RuleId) -> String {
    let advice = match rule {
        RuleId::KnownVulnerability => {
            "Upgrade the component to a version the advisory lists as fixed, or remove it; \
             the result names the fixed version when the advisory has one."
        }
        RuleId::MaliciousPackage => {
            "Remove the component immediately, rotate any credentials the environment held, \
             and review how it entered the dependency graph."
        }
        RuleId::VulnerabilityUndetermined => {
            "Check the advisory's affected ranges by hand: airlock could not order this \
             version, and does not assume it is unaffected."
        }
        RuleId::UnpinnedDependency => {
            "Pin one exact version (and, where the format allows, its hash) in a lockfile so \
             every install gets the same artifact."
        }
        RuleId::NonRegistrySource => {
            "Prefer a released version from a registry, or pin the git dependency to a full \
             commit and review that commit."
        }
        RuleId::ProjectPolicyLoosening => {
            "Find out why the scanned tree carries this entry. If the operator accepts it, move \
             it into the operator's own configuration (--config or the working directory's \
             airlock.toml), or run with --trust-project-policy."
        }
        _ => "See the rule description.",
    };
    format!("{} {advice}", rule.description())
}

fn rule_name(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut characters = word.chars();
            characters.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + characters.as_str()
            })
        })
        .collect()
}

fn location(location: &Location, id: Option<usize>) -> SarifLocation {
    SarifLocation {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri_path(&location.path),
                uri_base_id: (!location.path.starts_with('/')).then_some(SOURCE_ROOT),
            },
            region: location.line.map(|line| Region {
                start_line: line.max(1),
                start_column: location.column.map(|column| column.max(1)),
            }),
        },
    }
}

/// Percent-encodes what a URI reference cannot hold as is (spaces, `%`, `#`, `?`, controls).
fn uri_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// Stable across runs and line moves: the rule, the component and the advisory identify a
/// finding; where it was found does not. The entries of one policy file are findings of one
/// rule about one file, told apart by the entry their message quotes.
pub fn fingerprint(finding: &Finding) -> String {
    let advisory = match &finding.advisory {
        Some(advisory) => advisory.id.as_str(),
        None if finding.rule == RuleId::ProjectPolicyLoosening => finding.message.as_str(),
        None => "",
    };
    common::short_hash(
        &format!(
            "{}\u{0}{}\u{0}{advisory}",
            finding.rule.as_str(),
            finding.component.reference()
        ),
        32,
    )
}

fn result(finding: &Finding, rule_index: usize, unknown_counts_as: Severity) -> SarifResult {
    let mut locations = finding.evidence.iter();
    let primary: Vec<SarifLocation> = locations
        .next()
        .map(|first| location(first, None))
        .into_iter()
        .collect();
    let related: Vec<SarifLocation> = locations
        .enumerate()
        .map(|(index, other)| location(other, Some(index + 1)))
        .collect();
    let mut properties: BTreeMap<&'static str, serde_json::Value> = BTreeMap::new();
    properties.insert("severity", finding.severity.as_str().into());
    if finding.severity == Severity::Unknown {
        // The level and security-severity above are this level's, not a rating.
        properties.insert("severity-counted-as", unknown_counts_as.as_str().into());
    }
    properties.insert("component", finding.component.reference().into());
    let score = finding
        .advisory
        .as_ref()
        .and_then(|advisory| {
            advisory
                .ratings
                .iter()
                .map(|rating| rating.score_tenths)
                .max()
        })
        .map(|tenths| format!("{}.{}", tenths / 10, tenths % 10))
        .unwrap_or_else(|| security_severity(finding.severity, unknown_counts_as).to_owned());
    properties.insert("security-severity", score.into());
    if let Some(advisory) = &finding.advisory {
        properties.insert("advisory", advisory.id.clone().into());
        if !advisory.aliases.is_empty() {
            properties.insert("aliases", advisory.aliases.clone().into());
        }
        if let Some(fixed) = &advisory.fixed_version {
            properties.insert("fixed-version", fixed.clone().into());
        }
    }
    if !finding.introduced_through.is_empty() {
        properties.insert(
            "introduced-through",
            finding
                .introduced_through
                .iter()
                .map(|key| key.reference())
                .collect::<Vec<_>>()
                .into(),
        );
    }
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("airlockFinding/v1", fingerprint(finding));
    SarifResult {
        rule_id: finding.rule.as_str(),
        rule_index,
        level: level(finding.severity, unknown_counts_as),
        message: Message {
            text: finding.message.clone(),
        },
        locations: primary,
        related_locations: related,
        partial_fingerprints: fingerprints,
        properties,
    }
}

fn diagnostic_level(severity: DiagnosticSeverity) -> &'static str {
    match severity {
        DiagnosticSeverity::Error => "error",
        DiagnosticSeverity::Warning => "warning",
        DiagnosticSeverity::Note => "note",
    }
}

/// The SARIF log, pretty-printed, ending with a newline.
pub fn document(context: &EmitContext<'_>) -> anyhow::Result<Vec<u8>> {
    let unknown_counts_as = context
        .analysis
        .map_or(scanner_core::risk::DEFAULT_UNKNOWN_COUNTS_AS, |analysis| {
            analysis.unknown_counts_as
        });
    let rules: Vec<ReportingDescriptor> = RuleId::ALL
        .iter()
        .map(|rule| {
            let mut properties = BTreeMap::new();
            properties.insert("tags", serde_json::json!(["security", "supply-chain"]));
            properties.insert(
                "security-severity",
                security_severity(rule.default_severity(), unknown_counts_as).into(),
            );
            ReportingDescriptor {
                id: rule.as_str(),
                name: rule_name(rule.as_str()),
                short_description: Message {
                    text: rule.description().to_owned(),
                },
                full_description: Message {
                    text: rule.description().to_owned(),
                },
                help: Some(Message { text: help(*rule) }),
                default_configuration: Configuration {
                    level: level(rule.default_severity(), unknown_counts_as),
                },
                properties,
            }
        })
        .collect();
    let notifications: Vec<ReportingDescriptor> = DiagnosticCode::ALL
        .iter()
        .map(|code| ReportingDescriptor {
            id: code.as_str(),
            name: rule_name(code.as_str()),
            short_description: Message {
                text: code.description().to_owned(),
            },
            full_description: Message {
                text: code.description().to_owned(),
            },
            help: None,
            default_configuration: Configuration { level: "warning" },
            properties: BTreeMap::new(),
        })
        .collect();
    let rule_position = |rule: RuleId| RuleId::ALL.iter().position(|known| *known == rule);
    let code_position = |code: DiagnosticCode| DiagnosticCode::ALL.iter().position(|c| *c == code);

    let results: Vec<SarifResult> = context
        .analysis
        .map(|analysis| {
            analysis
                .findings
                .iter()
                .filter_map(|finding| {
                    Some(result(
                        finding,
                        rule_position(finding.rule)?,
                        unknown_counts_as,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let tool_execution_notifications: Vec<Notification> = context
        .report
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity != DiagnosticSeverity::Note)
        .filter_map(|diagnostic| {
            Some(Notification {
                descriptor: DescriptorReference {
                    id: diagnostic.code.as_str(),
                    index: code_position(diagnostic.code)?,
                },
                level: diagnostic_level(diagnostic.severity),
                message: Message {
                    text: diagnostic.message.clone(),
                },
                locations: diagnostic
                    .location
                    .iter()
                    .map(|place| location(place, None))
                    .collect(),
            })
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "airlock",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                    notifications,
                },
            },
            invocations: vec![Invocation {
                execution_successful: !context.report.has_errors(),
                tool_execution_notifications,
            }],
            results,
            properties: context
                .policy
                .map(|policy| {
                    serde_json::to_value(policy)
                        .map(|value| BTreeMap::from([(properties::POLICY.to_owned(), value)]))
                })
                .transpose()
                .context("cannot write the policy facts")?
                .unwrap_or_default(),
        }],
    };
    let mut bytes = serde_json::to_vec_pretty(&log).context("cannot write SARIF")?;
    bytes.push(b'\n');
    Ok(bytes)
}
