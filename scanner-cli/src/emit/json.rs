//! airlock's own JSON report: the graph, diagnostics and (for `scan`) findings. Field names are
//! a public interface for scripts; everything is sorted so equal inputs give equal bytes.

use std::collections::BTreeMap;

use serde::Serialize;

use scanner_core::facts::properties;
use scanner_core::model::{ModelCard, WeightsFile};
use scanner_core::risk::{Analysis, Finding, Severity};
use scanner_core::scan::ScanReport;
use scanner_core::{Component, ComponentKey, Diagnostic, GitReference, Source};

use super::common::PolicyFacts;

/// Bumped when a field changes meaning or disappears.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    format: &'static str,
    format_version: u32,
    components: Vec<JsonComponent<'a>>,
    dependencies: Vec<JsonEdge<'a>>,
    roots: Vec<String>,
    files: Vec<JsonFile<'a>>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<Vec<JsonFinding<'a>>>,
    /// Scan reports only: which advisory database answered, and how old it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    advisory_database: Option<serde_json::Value>,
    /// Scan reports only: the policy that judged the findings (operator and project files).
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a PolicyFacts>,
}

#[derive(Serialize)]
struct JsonComponent<'a> {
    #[serde(rename = "ref")]
    reference: String,
    purl: String,
    ecosystem: &'static str,
    name: &'a str,
    normalized_name: &'a str,
    version: Option<&'a str>,
    kind: &'static str,
    scope: Option<&'static str>,
    source: JsonSource<'a>,
    hashes: Vec<JsonHash>,
    licenses: Vec<&'a str>,
    flags: Vec<&'static str>,
    properties: BTreeMap<String, String>,
    evidence: Vec<JsonEvidence<'a>>,
    introduced_through: Vec<String>,
    /// Card and config data of a model (see `scanner_core::model::ModelCard`).
    #[serde(skip_serializing_if = "Option::is_none")]
    model_card: Option<&'a ModelCard>,
    /// What a weights file holds (format, tensors, pickle imports, expected digests).
    #[serde(skip_serializing_if = "Option::is_none")]
    weights: Option<&'a WeightsFile>,
}

#[derive(Serialize)]
struct JsonSource<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonHash {
    algorithm: &'static str,
    value: String,
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    path: &'a str,
    line: Option<u32>,
    extractor: &'static str,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: String,
    to: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    extras: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    relation: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    extractor: &'static str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    path: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    severity: &'static str,
    /// For `unknown` only: the level the policy counts it as (`unknown-severity`).
    #[serde(skip_serializing_if = "Option::is_none")]
    counted_as: Option<&'static str>,
    component: String,
    message: &'a str,
    advisory: Option<JsonAdvisory<'a>>,
    evidence: Vec<String>,
    introduced_through: Vec<String>,
}

#[derive(Serialize)]
struct JsonAdvisory<'a> {
    id: &'a str,
    aliases: &'a [String],
    summary: Option<&'a str>,
    fixed_version: Option<&'a str>,
    database: Option<&'a str>,
    ratings: Vec<JsonRating<'a>>,
    references: &'a [String],
}

#[derive(Serialize)]
struct JsonRating<'a> {
    method: &'a str,
    vector: &'a str,
    score: f64,
    severity: &'static str,
}

fn source(source: &Source) -> JsonSource<'_> {
    let mut json = JsonSource {
        kind: source.kind(),
        url: None,
        path: None,
        reference: None,
        commit: None,
    };
    match source {
        Source::Registry { index } => json.url = index.as_deref(),
        Source::Git {
            url,
            reference,
            commit,
        } => {
            json.url = Some(url);
            json.commit = commit.as_deref();
            json.reference = reference.as_ref().map(|reference| match reference {
                GitReference::Branch(branch) => format!("branch={branch}"),
                GitReference::Tag(tag) => format!("tag={tag}"),
                GitReference::Rev(rev) => format!("rev={rev}"),
            });
        }
        Source::Path { path } | Source::File { path } => json.path = Some(path),
        Source::Url { url } => json.url = Some(url),
    }
    json
}

fn component<'a>(report: &'a ScanReport, component: &'a Component) -> JsonComponent<'a> {
    let key = &component.key;
    JsonComponent {
        reference: key.reference(),
        purl: component.stated_purl(),
        ecosystem: key.ecosystem.as_str(),
        name: key.name.original(),
        normalized_name: key.name.normalized(),
        version: key.version.as_deref(),
        kind: component.kind.as_str(),
        scope: component.scope.map(|scope| scope.as_str()),
        source: source(&key.source),
        hashes: component
            .hashes
            .iter()
            .map(|hash| JsonHash {
                algorithm: hash.algorithm().as_str(),
                value: hash.value(),
            })
            .collect(),
        licenses: component.licenses.iter().map(String::as_str).collect(),
        flags: component.flags.iter().map(|flag| flag.as_str()).collect(),
        properties: properties::to_properties(&component.facts),
        evidence: component
            .evidence
            .iter()
            .map(|evidence| JsonEvidence {
                path: &evidence.location.path,
                line: evidence.location.line,
                extractor: evidence.extractor,
            })
            .collect(),
        introduced_through: report
            .graph
            .introduced_through(key)
            .map(|path| path.into_iter().map(ComponentKey::reference).collect())
            .unwrap_or_default(),
        model_card: component.facts.model_card.as_deref(),
        weights: component.facts.weights.as_deref(),
    }
}

fn diagnostic(diagnostic: &Diagnostic) -> JsonDiagnostic<'_> {
    JsonDiagnostic {
        code: diagnostic.code.as_str(),
        severity: diagnostic.severity.as_str(),
        message: &diagnostic.message,
        path: diagnostic
            .location
            .as_ref()
            .map(|location| location.path.as_str()),
        line: diagnostic
            .location
            .as_ref()
            .and_then(|location| location.line),
        column: diagnostic
            .location
            .as_ref()
            .and_then(|location| location.column),
    }
}

fn finding(finding: &Finding, unknown_counts_as: Severity) -> JsonFinding<'_> {
    JsonFinding {
        rule: finding.rule.as_str(),
        severity: finding.severity.as_str(),
        counted_as: (finding.severity == Severity::Unknown).then(|| unknown_counts_as.as_str()),
        component: finding.component.reference(),
        message: &finding.message,
        advisory: finding.advisory.as_ref().map(|advisory| JsonAdvisory {
            id: &advisory.id,
            aliases: &advisory.aliases,
            summary: advisory.summary.as_deref(),
            fixed_version: advisory.fixed_version.as_deref(),
            database: advisory.database.as_deref(),
            ratings: advisory
                .ratings
                .iter()
                .map(|rating| JsonRating {
                    method: &rating.method,
                    vector: &rating.vector,
                    score: rating.score(),
                    severity: rating.severity.as_str(),
                })
                .collect(),
            references: &advisory.references,
        }),
        evidence: finding.evidence.iter().map(ToString::to_string).collect(),
        introduced_through: finding.path_references(),
    }
}

/// The JSON report, pretty-printed, ending with a newline; scan reports add the
/// `advisory_database` and `policy` objects.
pub fn report_with_database(
    report: &ScanReport,
    analysis: Option<&Analysis>,
    advisory_database: Option<serde_json::Value>,
    policy: Option<&PolicyFacts>,
) -> anyhow::Result<Vec<u8>> {
    let graph = &report.graph;
    let json = Report {
        format: "airlock-report",
        format_version: FORMAT_VERSION,
        components: graph
            .components()
            .map(|item| component(report, item))
            .collect(),
        dependencies: graph
            .edges()
            .map(|edge| JsonEdge {
                from: edge.from.reference(),
                to: edge.to.reference(),
                kind: edge.kind.as_str(),
                marker: edge.details.and_then(|details| details.marker.as_deref()),
                extras: edge
                    .details
                    .map_or(&[], |details| details.extras.as_slice()),
                relation: edge.details.and_then(|details| details.relation.as_deref()),
            })
            .collect(),
        roots: graph.roots().map(ComponentKey::reference).collect(),
        files: report
            .files
            .iter()
            .map(|file| JsonFile {
                path: &file.path,
                extractor: file.extractor,
            })
            .collect(),
        diagnostics: report.diagnostics.iter().map(diagnostic).collect(),
        findings: analysis.map(|analysis| {
            analysis
                .findings
                .iter()
                .map(|found| finding(found, analysis.unknown_counts_as))
                .collect()
        }),
        advisory_database,
        policy,
    };
    let mut bytes = serde_json::to_vec_pretty(&json)?;
    bytes.push(b'\n');
    Ok(bytes)
}
