//! `airlock diff OLD NEW`: the review step for what crosses an air gap. Both sides (SBOM files
//! or directories, scanned exactly as `scan` scans them) are reduced to their components by
//! ecosystem and name, and compared: the same name and version with different bytes (a hash
//! change: shown first, and a policy failure under any `--fail-on` but `none`), components
//! added and removed, versions and sources changed, and findings introduced and resolved.
//!
//! Both sides are judged as `scan` judges: every rule, with the advisory database (`--db`,
//! `--advisories`, or the operator's configured one, opened and aged as `scan` opens it), so a
//! vulnerable or malicious package that arrives is a finding introduced, with its path from a
//! root. `--fail-on` (default: the operator's `fail-on`, else high) grades the introduced
//! findings. A diff that could not compare vulnerabilities (no database) says so in the report
//! and exits 2 unless `--no-vuln-db` asked for that; stale data is compared, marked, and exits
//! 2 too: an intake check that did not look must not pass. The policy is the operator's only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use scanner_core::extract::strip_directory;
use scanner_core::risk::{Analysis, Finding, Severity, VulnerabilitySource};
use scanner_core::scan::{display_path, ScanOptions, ScanReport};
use scanner_core::{Component, Ecosystem, HashAlgorithm, Source};

use super::Outcome;
use crate::cli::{Cli, DiffArgs, DiffFormat};
use crate::emit::common::PolicyFacts;
use crate::emit::table::render;
use crate::output::{stderr_line, write_report};
use crate::settings::{ScanPolicy, Settings};

use super::db;

/// A component's identity across the two sides: versions and sources may differ. Files found
/// by the scan (model weights) are also told apart by where they lie, since many share a name.
type Name = (Ecosystem, String, Option<String>);

/// One side, scanned and analyzed.
struct Side {
    path: String,
    report: ScanReport,
    analysis: Analysis,
    /// The directory that scan-relative paths of this side start with.
    root: String,
}

impl Side {
    fn components_by_name(&self) -> BTreeMap<Name, Vec<&Component>> {
        let mut map: BTreeMap<Name, Vec<&Component>> = BTreeMap::new();
        for component in self.report.graph.components() {
            let place = match &component.key.source {
                Source::File { .. } => Some(self.source(&component.key.source)),
                _ => None,
            };
            map.entry((
                component.key.ecosystem,
                component.key.name.normalized().to_owned(),
                place,
            ))
            .or_default()
            .push(component);
        }
        map
    }

    /// A source as written, with local paths made relative to this side's root so that the
    /// same project under two directories (or described by two SBOMs) compares equal.
    fn source(&self, source: &Source) -> String {
        let relative = |path: &str| -> String {
            if path == self.root {
                ".".to_owned()
            } else {
                strip_directory(&self.root, path).unwrap_or(path).to_owned()
            }
        };
        match source {
            Source::Path { path } => format!("path {}", relative(path)),
            Source::File { path } => format!("file {}", relative(path)),
            other => other.to_string(),
        }
    }
}

#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct JsonHash {
    algorithm: &'static str,
    value: String,
}

#[derive(Serialize)]
struct HashChange {
    ecosystem: &'static str,
    name: String,
    version: Option<String>,
    /// For files found by the scan: where they lie, relative to the side's root.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    old_hashes: Vec<JsonHash>,
    new_hashes: Vec<JsonHash>,
    old_evidence: Vec<String>,
    new_evidence: Vec<String>,
}

#[derive(Serialize)]
struct Presence {
    ecosystem: &'static str,
    name: String,
    version: Option<String>,
    purl: String,
    kind: &'static str,
    evidence: Vec<String>,
}

#[derive(Serialize)]
struct VersionChange {
    ecosystem: &'static str,
    name: String,
    old_versions: Vec<String>,
    new_versions: Vec<String>,
}

#[derive(Serialize)]
struct SourceChange {
    ecosystem: &'static str,
    name: String,
    version: Option<String>,
    old_sources: Vec<String>,
    new_sources: Vec<String>,
}

#[derive(Serialize, Clone)]
struct FindingChange {
    rule: &'static str,
    severity: &'static str,
    /// For `unknown` only: the level the operator's policy counts it as.
    #[serde(skip_serializing_if = "Option::is_none")]
    counted_as: Option<&'static str>,
    ecosystem: &'static str,
    name: String,
    version: Option<String>,
    advisory: Option<String>,
    /// The advisory's other ids (CVE, GHSA, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    message: String,
    /// The shortest path from a root of that side to the component, root first, as component
    /// references (empty when no root reaches it).
    introduced_through: Vec<String>,
    /// The same path by name, as the table shows it.
    #[serde(skip)]
    path_names: Vec<String>,
}

#[derive(Serialize)]
struct SideSummary {
    path: String,
    components: usize,
    findings: usize,
}

#[derive(Serialize)]
struct Diff {
    format: &'static str,
    format_version: u32,
    old: SideSummary,
    new: SideSummary,
    /// Whether vulnerabilities and malicious packages were compared (a database was used).
    vulnerabilities_compared: bool,
    /// The database both sides were matched against, as `scan` reports it, or why none was.
    advisory_database: serde_json::Value,
    /// The operator's policy that judged both sides (never a file inside them), with the
    /// threshold introduced findings were graded by (`none`: reported only).
    policy: PolicyFacts,
    hash_changed: Vec<HashChange>,
    added: Vec<Presence>,
    removed: Vec<Presence>,
    version_changed: Vec<VersionChange>,
    source_changed: Vec<SourceChange>,
    findings_introduced: Vec<FindingChange>,
    findings_resolved: Vec<FindingChange>,
    #[serde(skip)]
    worst_introduced: Option<Severity>,
}

fn version_text(version: Option<&String>) -> String {
    version.cloned().unwrap_or_else(|| "(none)".to_owned())
}

fn hashes(components: &[&Component]) -> BTreeMap<HashAlgorithm, BTreeSet<String>> {
    let mut map: BTreeMap<HashAlgorithm, BTreeSet<String>> = BTreeMap::new();
    for component in components {
        for hash in &component.hashes {
            map.entry(hash.algorithm())
                .or_default()
                .insert(hash.value());
        }
    }
    map
}

/// Components of one name grouped by version.
fn by_version<'a>(list: &[&'a Component]) -> BTreeMap<Option<String>, Vec<&'a Component>> {
    let mut map: BTreeMap<Option<String>, Vec<&'a Component>> = BTreeMap::new();
    for component in list {
        map.entry(component.key.version.clone())
            .or_default()
            .push(*component);
    }
    map
}

fn json_hashes(map: &BTreeMap<HashAlgorithm, BTreeSet<String>>) -> Vec<JsonHash> {
    map.iter()
        .flat_map(|(algorithm, values)| {
            values.iter().map(|value| JsonHash {
                algorithm: algorithm.as_str(),
                value: value.clone(),
            })
        })
        .collect()
}

fn evidence(components: &[&Component]) -> Vec<String> {
    let set: BTreeSet<String> = components
        .iter()
        .flat_map(|component| component.evidence.iter())
        .map(|evidence| evidence.location.to_string())
        .collect();
    set.into_iter().collect()
}

fn presence(component: &Component) -> Presence {
    Presence {
        ecosystem: component.key.ecosystem.as_str(),
        name: component.key.name.original().to_owned(),
        version: component.key.version.clone(),
        purl: component.key.purl().to_string(),
        kind: component.kind.as_str(),
        evidence: evidence(&[component]),
    }
}

/// What identifies a finding on both sides: not where it was found.
type FindingIdentity = (
    &'static str,
    Ecosystem,
    String,
    Option<String>,
    Option<String>,
);

fn finding_identity(finding: &Finding) -> FindingIdentity {
    // Ordered by the rule's id, as the report lists them.
    let (rule, ecosystem, name, version, advisory) = finding.identity();
    (rule.as_str(), ecosystem, name, version, advisory)
}

fn finding_change(finding: &Finding, unknown_counts_as: Severity) -> FindingChange {
    FindingChange {
        rule: finding.rule.as_str(),
        severity: finding.severity.as_str(),
        counted_as: (finding.severity == Severity::Unknown).then(|| unknown_counts_as.as_str()),
        ecosystem: finding.component.ecosystem.as_str(),
        name: finding.component.name.original().to_owned(),
        version: finding.component.version.clone(),
        advisory: finding.advisory_id(),
        aliases: finding.advisory_aliases(),
        message: finding.message.clone(),
        introduced_through: finding.path_references(),
        path_names: finding
            .introduced_through
            .iter()
            .map(|key| match &key.version {
                Some(version) => format!("{} {version}", key.name),
                None => key.name.to_string(),
            })
            .collect(),
    }
}

/// What the report says about the run besides the comparison: the database and the threshold.
struct RunFacts {
    vulnerabilities_compared: bool,
    advisory_database: serde_json::Value,
    policy: PolicyFacts,
}

fn compare(old: &Side, new: &Side, context: RunFacts) -> Diff {
    let old_names = old.components_by_name();
    let new_names = new.components_by_name();
    let mut diff = Diff {
        format: "airlock-diff",
        format_version: 2,
        old: SideSummary {
            path: old.path.clone(),
            components: old.report.graph.len(),
            findings: old.analysis.findings.len(),
        },
        new: SideSummary {
            path: new.path.clone(),
            components: new.report.graph.len(),
            findings: new.analysis.findings.len(),
        },
        vulnerabilities_compared: context.vulnerabilities_compared,
        advisory_database: context.advisory_database,
        policy: context.policy,
        hash_changed: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        version_changed: Vec::new(),
        source_changed: Vec::new(),
        findings_introduced: Vec::new(),
        findings_resolved: Vec::new(),
        worst_introduced: None,
    };
    let names: BTreeSet<&Name> = old_names.keys().chain(new_names.keys()).collect();
    for name in names {
        let before = old_names.get(name).map(Vec::as_slice).unwrap_or_default();
        let after = new_names.get(name).map(Vec::as_slice).unwrap_or_default();
        let (old_versions, new_versions) = (by_version(before), by_version(after));
        if before.is_empty() {
            diff.added
                .extend(after.iter().map(|component| presence(component)));
            continue;
        }
        if after.is_empty() {
            diff.removed
                .extend(before.iter().map(|component| presence(component)));
            continue;
        }
        for (version, old_components) in &old_versions {
            let Some(new_components) = new_versions.get(version) else {
                continue;
            };
            let (old_hashes, new_hashes) = (hashes(old_components), hashes(new_components));
            let differs = old_hashes.iter().any(|(algorithm, values)| {
                new_hashes
                    .get(algorithm)
                    .is_some_and(|other| other != values)
            });
            if differs {
                diff.hash_changed.push(HashChange {
                    ecosystem: name.0.as_str(),
                    name: new_components
                        .first()
                        .map(|component| component.key.name.original().to_owned())
                        .unwrap_or_else(|| name.1.clone()),
                    version: version.clone(),
                    file: name
                        .2
                        .as_ref()
                        .map(|place| place.strip_prefix("file ").unwrap_or(place).to_owned()),
                    old_hashes: json_hashes(&old_hashes),
                    new_hashes: json_hashes(&new_hashes),
                    old_evidence: evidence(old_components),
                    new_evidence: evidence(new_components),
                });
            }
            let sources = |side: &Side, list: &[&Component]| -> BTreeSet<String> {
                list.iter()
                    .map(|component| side.source(&component.key.source))
                    .collect()
            };
            let (old_sources, new_sources) =
                (sources(old, old_components), sources(new, new_components));
            if old_sources != new_sources {
                diff.source_changed.push(SourceChange {
                    ecosystem: name.0.as_str(),
                    name: name.1.clone(),
                    version: version.clone(),
                    old_sources: old_sources.into_iter().collect(),
                    new_sources: new_sources.into_iter().collect(),
                });
            }
        }
        let old_set: BTreeSet<&Option<String>> = old_versions.keys().collect();
        let new_set: BTreeSet<&Option<String>> = new_versions.keys().collect();
        if old_set != new_set {
            diff.version_changed.push(VersionChange {
                ecosystem: name.0.as_str(),
                name: after
                    .first()
                    .map(|component| component.key.name.original().to_owned())
                    .unwrap_or_else(|| name.1.clone()),
                old_versions: old_set
                    .difference(&new_set)
                    .map(|version| version_text(version.as_ref()))
                    .collect(),
                new_versions: new_set
                    .difference(&old_set)
                    .map(|version| version_text(version.as_ref()))
                    .collect(),
            });
        }
    }
    let old_findings: BTreeSet<FindingIdentity> =
        old.analysis.findings.iter().map(finding_identity).collect();
    let new_findings: BTreeSet<FindingIdentity> =
        new.analysis.findings.iter().map(finding_identity).collect();
    for finding in &new.analysis.findings {
        if !old_findings.contains(&finding_identity(finding)) {
            // An unknown severity counts as the analysis says (high unless a policy says).
            diff.worst_introduced = diff
                .worst_introduced
                .max(Some(new.analysis.counted(finding.severity)));
            diff.findings_introduced
                .push(finding_change(finding, new.analysis.unknown_counts_as));
        }
    }
    for finding in &old.analysis.findings {
        if !new_findings.contains(&finding_identity(finding)) {
            diff.findings_resolved
                .push(finding_change(finding, old.analysis.unknown_counts_as));
        }
    }
    diff
}

fn table(diff: &Diff, database_line: &str) -> String {
    let mut text = String::new();
    let optional = |version: &Option<String>| version.clone().unwrap_or_else(|| "-".to_owned());
    let mut section = |title: &str, header: &[&str], rows: Vec<Vec<String>>| {
        if rows.is_empty() {
            return;
        }
        text.push_str(&format!("{title} ({})\n", rows.len()));
        text.push_str(&render(header, &rows));
        text.push('\n');
    };
    section(
        "HASH CHANGED: same name and version, different bytes",
        &["ECOSYSTEM", "NAME", "VERSION", "OLD", "NEW", "FOUND IN"],
        diff.hash_changed
            .iter()
            .map(|change| {
                let show = |hashes: &[JsonHash]| {
                    hashes
                        .iter()
                        .map(|hash| format!("{}:{}", hash.algorithm, hash.value))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                vec![
                    change.ecosystem.to_owned(),
                    change.name.clone(),
                    optional(&change.version),
                    show(&change.old_hashes),
                    show(&change.new_hashes),
                    change.new_evidence.join(" "),
                ]
            })
            .collect(),
    );
    let presence_rows = |list: &[Presence]| -> Vec<Vec<String>> {
        list.iter()
            .map(|item| {
                vec![
                    item.ecosystem.to_owned(),
                    item.name.clone(),
                    optional(&item.version),
                    item.kind.to_owned(),
                    item.evidence.join(" "),
                ]
            })
            .collect()
    };
    let presence_header = ["ECOSYSTEM", "NAME", "VERSION", "KIND", "FOUND IN"];
    section("ADDED", &presence_header, presence_rows(&diff.added));
    section("REMOVED", &presence_header, presence_rows(&diff.removed));
    section(
        "VERSION CHANGED",
        &["ECOSYSTEM", "NAME", "OLD", "NEW"],
        diff.version_changed
            .iter()
            .map(|change| {
                vec![
                    change.ecosystem.to_owned(),
                    change.name.clone(),
                    change.old_versions.join(", "),
                    change.new_versions.join(", "),
                ]
            })
            .collect(),
    );
    section(
        "SOURCE CHANGED",
        &["ECOSYSTEM", "NAME", "VERSION", "OLD", "NEW"],
        diff.source_changed
            .iter()
            .map(|change| {
                vec![
                    change.ecosystem.to_owned(),
                    change.name.clone(),
                    optional(&change.version),
                    change.old_sources.join(", "),
                    change.new_sources.join(", "),
                ]
            })
            .collect(),
    );
    let finding_rows = |list: &[FindingChange]| -> Vec<Vec<String>> {
        list.iter()
            .map(|finding| {
                let severity = match finding.counted_as {
                    Some(counted) => format!("UNKNOWN (as {counted})"),
                    None => finding.severity.to_uppercase(),
                };
                let mut ids = finding.advisory.iter().cloned().collect::<Vec<_>>();
                ids.extend(finding.aliases.iter().cloned());
                vec![
                    severity,
                    finding.rule.to_owned(),
                    format!("{} {}", finding.name, optional(&finding.version)),
                    if ids.is_empty() {
                        "-".to_owned()
                    } else {
                        ids.join(" ")
                    },
                    if finding.path_names.is_empty() {
                        "-".to_owned()
                    } else {
                        finding.path_names.join(" > ")
                    },
                    finding.message.clone(),
                ]
            })
            .collect()
    };
    let finding_header = [
        "SEVERITY",
        "RULE",
        "COMPONENT",
        "ADVISORY",
        "PATH FROM ROOT",
        "DETAIL",
    ];
    section(
        "FINDINGS INTRODUCED",
        &finding_header,
        finding_rows(&diff.findings_introduced),
    );
    section(
        "FINDINGS RESOLVED",
        &finding_header,
        finding_rows(&diff.findings_resolved),
    );
    if text.is_empty() {
        text.push_str("No differences.\n");
    }
    // What was compared is part of the verdict: a diff without a database did not look at
    // vulnerabilities, and says so under every table.
    text.push('\n');
    text.push_str(database_line);
    text.push('\n');
    text.push_str(&diff.policy.sentence());
    text.push('\n');
    text
}

fn summary(diff: &Diff) -> String {
    format!(
        "{} → {}: {}, {} added, {} removed, {} changed version, {} changed source; {} introduced, {} resolved",
        diff.old.path,
        diff.new.path,
        super::count(diff.hash_changed.len(), "hash change"),
        diff.added.len(),
        diff.removed.len(),
        diff.version_changed.len(),
        diff.source_changed.len(),
        super::count(diff.findings_introduced.len(), "finding"),
        diff.findings_resolved.len(),
    )
}

/// The deepest directory holding every local source of a side: the scanned directory for a
/// scan, the directory the producer scanned for an SBOM.
fn local_root(report: &ScanReport) -> String {
    let mut common: Option<Vec<&str>> = None;
    let mut absolute = false;
    for component in report.graph.components() {
        let (Source::Path { path } | Source::File { path }) = &component.key.source else {
            continue;
        };
        let directory = match &component.key.source {
            Source::File { .. } => scanner_core::extract::parent_directory(path),
            _ => path.as_str(),
        };
        absolute = directory.starts_with('/');
        let parts: Vec<&str> = directory
            .split('/')
            .filter(|part| !part.is_empty())
            .collect();
        common = Some(match common {
            None => parts,
            Some(previous) => previous
                .iter()
                .zip(&parts)
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| *a)
                .collect(),
        });
    }
    let joined = common.unwrap_or_default().join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn scan_side(
    path: &Path,
    options: &ScanOptions,
    policy: &ScanPolicy,
    source: Option<&dyn VulnerabilitySource>,
    clock: &scanner_core::clock::Clock,
    verbosity: super::Verbosity,
) -> anyhow::Result<Side> {
    let report = scanner_core::scan::scan(&[path.to_path_buf()], options)
        .with_context(|| format!("cannot scan {}", path.display()))?;
    super::show_diagnostics(&report.diagnostics, verbosity);
    // The same analysis as `scan`, with the same database, judged by the operator's policy
    // only: nothing inside either side steers it.
    let super::Judgement {
        report, analysis, ..
    } = super::judge(report, policy, source, clock, verbosity);
    let root = local_root(&report);
    Ok(Side {
        path: display_path(path),
        report,
        analysis,
        root,
    })
}

/// `settings` holds the operator's configuration only: `diff` never reads configuration from
/// either side (see [`crate::settings::Judged::Trees`]).
pub fn run(
    cli: &Cli,
    settings: &Settings,
    args: &DiffArgs,
    verbosity: super::Verbosity,
) -> anyhow::Result<Outcome> {
    let policy = settings.operator_scan_policy();
    let (fail_on, fail_on_from) = super::fail_on(args.fail_on.as_deref(), &policy.policy)?;
    let options = ScanOptions {
        skip_default_directories: !args.no_default_excludes,
        skip_files: crate::output::scan_exclusions(args.output.as_deref())?,
        ..ScanOptions::default()
    };
    let (database, unavailable) =
        db::open_unless_off(args.no_vuln_db, cli, settings, &args.advisories, verbosity)?;
    let source = database
        .as_ref()
        .map(|database| &database.store as &dyn VulnerabilitySource);
    let clock = settings.clock();
    let old = scan_side(&args.old, &options, &policy, source, clock, verbosity)?;
    let new = scan_side(&args.new, &options, &policy, source, clock, verbosity)?;
    let old_empty = super::refuse_empty(
        &old.report,
        std::slice::from_ref(&args.old),
        args.allow_empty,
    );
    let new_empty = super::refuse_empty(
        &new.report,
        std::slice::from_ref(&args.new),
        args.allow_empty,
    );
    if old_empty || new_empty {
        return Ok(Outcome::Error);
    }
    let (line, advisory_database) = db::note(
        database.as_ref(),
        unavailable.as_ref(),
        "so vulnerabilities and malicious packages were NOT compared: the findings above need no database.",
        "vulnerabilities and malicious packages were not compared.",
    );
    let diff = compare(
        &old,
        &new,
        RunFacts {
            vulnerabilities_compared: database.is_some(),
            advisory_database,
            policy: super::policy_facts(&policy, fail_on, fail_on_from),
        },
    );
    let bytes = match args.format {
        DiffFormat::Table => table(&diff, &line).into_bytes(),
        DiffFormat::Json => {
            let mut bytes = serde_json::to_vec_pretty(&diff)?;
            bytes.push(b'\n');
            bytes
        }
    };
    write_report(args.output.as_deref(), &bytes)?;
    for error in old
        .analysis
        .source_errors
        .iter()
        .chain(&new.analysis.source_errors)
    {
        stderr_line(&format!("error: {error}"));
    }
    if verbosity != super::Verbosity::Quiet {
        let compared = match (&database, &unavailable) {
            (Some(database), _) => format!("; {}", database.age()),
            (None, Some(_)) => "; no advisory database: vulnerabilities not compared".to_owned(),
            (None, None) => "; no advisory database (--no-vuln-db)".to_owned(),
        };
        stderr_line(&format!("{}{compared}", summary(&diff)));
    }
    if let Some(why) = &unavailable {
        stderr_line(&format!(
            "error: {}",
            why.explanation("compare with --no-vuln-db")
        ));
        return Ok(Outcome::Error);
    }
    // Compared and reported, but old data cannot vouch for what comes in.
    if let Some(stale) = database.as_ref().and_then(db::MatchingDatabase::stale) {
        stderr_line(&format!("error: {stale}"));
        return Ok(Outcome::Error);
    }
    if old.report.has_errors()
        || new.report.has_errors()
        || !old.analysis.source_errors.is_empty()
        || !new.analysis.source_errors.is_empty()
    {
        return Ok(Outcome::Error);
    }
    // Same name and version with other bytes is what an air gap review exists to stop: it
    // counts as critical.
    let worst = if diff.hash_changed.is_empty() {
        diff.worst_introduced
    } else {
        Some(Severity::Critical)
    };
    let failed = fail_on.is_some_and(|threshold| worst.is_some_and(|worst| worst >= threshold));
    Ok(if failed {
        Outcome::PolicyFailure
    } else {
        Outcome::Clean
    })
}
