//! `airlock verify`: the intake gate.
//!
//! `--attestation FILE --key PUB PATH` checks, in order: (1) the DSSE signature, under the
//! given Ed25519 key, over the in-toto statement `airlock attest` wrote; (2) the subjects: each
//! attested file is hashed again under PATH (ok, modified, missing), and the files airlock would
//! scan under PATH now but that are not subjects are unexpected: a failure with `--exact`, a
//! warning otherwise; (3) the policy: the attested SBOM's vulnerabilities at or above
//! `--fail-on` (default high), or, with `--rescan`, the SBOM's components matched against the
//! current advisory database instead. Exit 0 only when all three hold; the report (table or
//! `-f json`) says which failed. A check that cannot be trusted (the subjects of a statement
//! whose signature failed) is reported as not checked.
//!
//! Policy reads what the CycloneDX predicate grades: its `vulnerabilities` (advisory findings,
//! with the severity of their ratings). airlock's other findings (pickle imports, unpinned
//! dependencies...) are recorded in the SBOM only as `airlock:finding` rule ids, without a
//! severity; they were visible to whoever signed, and are listed, not graded.
//!
//! `--model-signature FILE --key PUB DIR` verifies an OpenSSF model_signing v1.0 bundle signed
//! with an ECDSA P-256 or P-384 key, offline: the signature, then every file of DIR against
//! the signed manifest (a changed, missing or extra file fails, as in model_signing).
//!
//! Hashing: the scan of PATH streams weights files through SHA-256 once, and those digests are
//! reused; every other subject is streamed in parallel.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use advisories::attestation::model_signing::{self, EcPublicKey, ModelSignatureError, Resource};
use advisories::attestation::{
    AttestationError, Envelope, Statement, Verified, CYCLONEDX_PREDICATE_TYPE,
};
use advisories::signing::PublicKey;
use scanner_core::extract::sbom::SbomExtractor;
use scanner_core::extract::{Extractor as _, Input};
use scanner_core::risk::{analyze, Severity};
use scanner_core::scan::display_path;

use crate::cli::{Cli, ListFormat, VerifyArgs};
use crate::emit::table::render;
use crate::output::{stderr_line, write_report};
use crate::settings::Settings;
use crate::Outcome;

use super::attest::{self, Base};
use super::Verbosity;

/// The state of one of the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Status {
    Ok,
    Failed,
    NotChecked,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "FAILED",
            Status::NotChecked => "not checked",
        }
    }
}

/// A file whose state is not plain ok.
#[derive(Debug, Clone, Serialize)]
struct FileProblem {
    name: String,
    /// `modified`, `missing`, `unexpected` or `extra`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_sha256: Option<String>,
    detail: String,
}

#[derive(Debug, Clone, Serialize)]
struct SignatureCheck {
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    detail: String,
}

#[derive(Debug, Clone, Default, Serialize)]
struct FileCounts {
    ok: usize,
    modified: usize,
    missing: usize,
    /// Attestations: scanned now, not attested. Model signatures: on disk, not signed.
    unexpected: usize,
}

#[derive(Debug, Clone, Serialize)]
struct FilesCheck {
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    exact: Option<bool>,
    counts: FileCounts,
    problems: Vec<FileProblem>,
}

fn severity_name<S: serde::Serializer>(
    severity: &Severity,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(severity.as_str())
}

/// `--fail-on none` is written `none`.
fn threshold_name<S: serde::Serializer>(
    threshold: &Option<Severity>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(threshold.map_or("none", Severity::as_str))
}

/// One graded finding.
#[derive(Debug, Clone, Serialize)]
struct PolicyFinding {
    id: String,
    #[serde(serialize_with = "severity_name")]
    severity: Severity,
    affects: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct PolicyCheck {
    status: Status,
    detail: String,
    /// `None` for `--fail-on none`: graded, never failing.
    #[serde(serialize_with = "threshold_name")]
    fail_on: Option<Severity>,
    /// What an `unknown` severity counts as.
    #[serde(serialize_with = "severity_name")]
    unknown_counts_as: Severity,
    /// `attestation` or `rescan`.
    source: &'static str,
    /// At or above `fail_on`.
    failing: Vec<PolicyFinding>,
    /// Graded below `fail_on`.
    below_threshold: Vec<PolicyFinding>,
    /// `airlock:finding` rule ids recorded in the SBOM without a severity, by component.
    recorded_rules: BTreeMap<String, Vec<String>>,
}

/// The whole verdict.
#[derive(Debug, Clone, Serialize)]
struct Report {
    format: &'static str,
    format_version: u32,
    /// `attestation` or `model-signature`.
    kind: &'static str,
    signed_file: String,
    path: String,
    passed: bool,
    /// The checks that did not hold.
    failed: Vec<&'static str>,
    /// The checks that could not be trusted to run (after a failed signature).
    not_checked: Vec<&'static str>,
    signature: SignatureCheck,
    files: FilesCheck,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<PolicyCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<ModelFacts>,
    /// With `--rescan`: the advisory database matched against, and how fresh its data is.
    #[serde(skip_serializing_if = "Option::is_none")]
    advisory_database: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
struct ModelFacts {
    name: String,
    root_sha256: String,
    curve: &'static str,
}

impl Report {
    /// Passed only when every check is ok; `failed` names the checks that failed (a check that
    /// could not be trusted is not checked, and is not a pass either).
    fn finish(mut self) -> Report {
        let files_label = if self.kind == "attestation" {
            "subjects"
        } else {
            "files"
        };
        let mut statuses = vec![
            ("signature", self.signature.status),
            (files_label, self.files.status),
        ];
        if let Some(policy) = &self.policy {
            statuses.push(("policy", policy.status));
        }
        self.passed = statuses.iter().all(|(_, status)| *status == Status::Ok);
        self.failed = statuses
            .iter()
            .filter(|(_, status)| *status == Status::Failed)
            .map(|(name, _)| *name)
            .collect();
        self.not_checked = statuses
            .iter()
            .filter(|(_, status)| *status == Status::NotChecked)
            .map(|(name, _)| *name)
            .collect();
        self
    }
}

/// `settings` holds the operator's configuration only: `verify` never reads configuration from
/// the tree it judges (see [`crate::settings::Judged::Trees`]).
pub fn run(
    cli: &Cli,
    settings: &Settings,
    args: &VerifyArgs,
    verbosity: Verbosity,
) -> anyhow::Result<Outcome> {
    let report = match (&args.attestation, &args.model_signature) {
        (Some(attestation), None) => {
            verify_attestation(cli, settings, args, attestation, verbosity)?
        }
        (None, Some(signature)) => verify_model_signature(args, signature)?,
        _ => anyhow::bail!("give exactly one of --attestation and --model-signature"),
    };
    let Some(report) = report else {
        return Ok(Outcome::Error);
    };
    let bytes = match args.format {
        ListFormat::Json => {
            let mut bytes = serde_json::to_vec_pretty(&report)?;
            bytes.push(b'\n');
            bytes
        }
        ListFormat::Table => table(&report).into_bytes(),
    };
    write_report(args.output.as_deref(), &bytes)?;
    Ok(if report.passed {
        Outcome::Clean
    } else {
        Outcome::PolicyFailure
    })
}

fn fail_on(args: &VerifyArgs) -> anyhow::Result<Option<Severity>> {
    super::fail_on_threshold(&args.fail_on)
}

fn not_checked_files(detail: &str, exact: Option<bool>) -> FilesCheck {
    FilesCheck {
        status: Status::NotChecked,
        detail: detail.to_owned(),
        exact,
        counts: FileCounts::default(),
        problems: Vec::new(),
    }
}

fn verify_attestation(
    cli: &Cli,
    settings: &Settings,
    args: &VerifyArgs,
    attestation: &Path,
    verbosity: Verbosity,
) -> anyhow::Result<Option<Report>> {
    let fail_on = fail_on(args)?;
    // What a vulnerability whose advisory gives no rating counts as: the operator's
    // `unknown-severity` (high by default); verify reads no policy from the tree it judges.
    let unknown_counts_as = settings.operator_policy().unknown_counts_as();
    let key = PublicKey::load(&args.key)?;
    let envelope = Envelope::load(attestation)?;
    let mut report = Report {
        format: "airlock-verify",
        format_version: 1,
        kind: "attestation",
        signed_file: display_path(attestation),
        path: display_path(&args.path),
        passed: false,
        failed: Vec::new(),
        not_checked: Vec::new(),
        signature: SignatureCheck {
            status: Status::Failed,
            key: Some(key.fingerprint()),
            detail: String::new(),
        },
        files: not_checked_files(
            "the signature does not hold, so the attested file list is not trusted",
            Some(args.exact),
        ),
        policy: Some(PolicyCheck {
            status: Status::NotChecked,
            detail: "the signature does not hold, so the attested SBOM is not trusted".to_owned(),
            fail_on,
            unknown_counts_as,
            source: if args.rescan { "rescan" } else { "attestation" },
            failing: Vec::new(),
            below_threshold: Vec::new(),
            recorded_rules: BTreeMap::new(),
        }),
        model: None,
        advisory_database: None,
    };
    let statement = match envelope.verify(&key) {
        Ok(Verified { key, statement }) => {
            report.signature.status = Status::Ok;
            report.signature.detail = format!(
                "signed by {key} (Ed25519, DSSE over an in-toto Statement v1, {})",
                super::count(statement.subjects.len(), "subject")
            );
            statement
        }
        Err(AttestationError::Signature(reason) | AttestationError::Statement(reason)) => {
            report.signature.detail = reason;
            return Ok(Some(report.finish()));
        }
        Err(error) => return Err(error.into()),
    };

    let database = if args.rescan {
        match attest::open_database(cli, settings, verbosity)? {
            Ok(database) => {
                report.advisory_database = Some(database.json());
                Some(database)
            }
            Err(explanation) => {
                stderr_line(&format!("error: --rescan: {explanation}"));
                return Ok(None);
            }
        }
    } else {
        None
    };

    let scan = attest::scan(
        &args.path,
        args.output.as_deref(),
        args.no_default_excludes,
        verbosity,
    )?;
    if super::refuse_empty(&scan, std::slice::from_ref(&args.path), args.allow_empty) {
        return Ok(None);
    }
    report.files = check_subjects(&statement, &args.path, &scan, args.exact)?;
    report.policy = Some(check_policy(
        &statement,
        fail_on,
        unknown_counts_as,
        database.as_ref().map(|database| &database.store),
    )?);
    Ok(Some(report.finish()))
}

/// The real directory a subject may resolve into: PATH (its directory for a file), widened to
/// the `models--ORG--NAME` repository when PATH lies inside a Hugging Face cache snapshot,
/// whose files are links into the repository's `blobs/` (the scan reads them the same way).
fn allowed_root(base: &Base) -> Option<PathBuf> {
    let canonical = std::fs::canonicalize(&base.display).ok()?;
    let components: Vec<_> = canonical.components().collect();
    let snapshots = components
        .iter()
        .rposition(|component| component.as_os_str() == "snapshots");
    if let Some(position) = snapshots.filter(|position| *position > 0) {
        let is_repository = components
            .get(position - 1)
            .and_then(|component| component.as_os_str().to_str())
            .is_some_and(|name| name.starts_with("models--"));
        if is_repository && position + 1 < components.len() {
            return Some(components.iter().take(position).collect());
        }
    }
    Some(canonical)
}

fn check_subjects(
    statement: &Statement,
    path: &Path,
    scan: &scanner_core::scan::ScanReport,
    exact: bool,
) -> anyhow::Result<FilesCheck> {
    let base = Base::of(path);
    let root = allowed_root(&base);
    let reused = attest::scan_digests(scan);
    let mut problems = Vec::new();
    let mut counts = FileCounts::default();
    // Subjects that exist as regular files inside PATH, by scan path, to be hashed.
    let mut present: BTreeMap<String, &advisories::attestation::Subject> = BTreeMap::new();
    for subject in &statement.subjects {
        let scan_path = base.path_of(&subject.name);
        let problem = |status: &'static str, detail: String| FileProblem {
            name: subject.name.clone(),
            status,
            expected_sha256: Some(subject.sha256.clone()),
            actual_sha256: None,
            detail,
        };
        let link = match std::fs::symlink_metadata(&scan_path) {
            Ok(link) => link,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                counts.missing += 1;
                problems.push(problem("missing", "not found under PATH".to_owned()));
                continue;
            }
            Err(error) => {
                counts.modified += 1;
                problems.push(problem("modified", format!("cannot read: {error}")));
                continue;
            }
        };
        if link.file_type().is_symlink() {
            let inside = std::fs::canonicalize(&scan_path)
                .ok()
                .zip(root.as_ref())
                .is_some_and(|(target, root)| target.starts_with(root));
            if !inside {
                counts.modified += 1;
                problems.push(problem(
                    "modified",
                    "now a symbolic link leading outside PATH (not followed)".to_owned(),
                ));
                continue;
            }
        }
        if !std::fs::metadata(&scan_path).is_ok_and(|metadata| metadata.is_file()) {
            counts.modified += 1;
            problems.push(problem("modified", "not a regular file".to_owned()));
            continue;
        }
        present.insert(scan_path, subject);
    }
    let hashed = attest::hash_files(present.keys().filter(|path| !reused.contains_key(*path)))?;
    for (scan_path, subject) in &present {
        let Some(actual) = reused.get(scan_path).or_else(|| hashed.get(scan_path)) else {
            continue;
        };
        if *actual == subject.sha256 {
            counts.ok += 1;
        } else {
            counts.modified += 1;
            problems.push(FileProblem {
                name: subject.name.clone(),
                status: "modified",
                expected_sha256: Some(subject.sha256.clone()),
                actual_sha256: Some(actual.clone()),
                detail: format!(
                    "sha256 attested {}, now {}",
                    short(&subject.sha256),
                    short(actual)
                ),
            });
        }
    }
    let attested: BTreeSet<&str> = statement
        .subjects
        .iter()
        .map(|subject| subject.name.as_str())
        .collect();
    let scanned: BTreeSet<String> = scan
        .files
        .iter()
        .filter_map(|file| base.name_of(&file.path))
        .collect();
    for name in scanned
        .iter()
        .filter(|name| !attested.contains(name.as_str()))
    {
        counts.unexpected += 1;
        problems.push(FileProblem {
            name: name.clone(),
            status: "unexpected",
            expected_sha256: None,
            actual_sha256: None,
            detail: if exact {
                "scanned under PATH but not attested (--exact: a failure)".to_owned()
            } else {
                "scanned under PATH but not attested (a warning; --exact makes it a failure)"
                    .to_owned()
            },
        });
    }
    problems.sort_by(|a, b| (a.status, &a.name).cmp(&(b.status, &b.name)));
    let broken = counts.modified + counts.missing > 0;
    let status = if broken || (exact && counts.unexpected > 0) {
        Status::Failed
    } else {
        Status::Ok
    };
    let mut detail = format!(
        "{} attested: {} ok, {} modified, {} missing; {}",
        statement.subjects.len(),
        counts.ok,
        counts.modified,
        counts.missing,
        super::count(counts.unexpected, "unexpected file"),
    );
    if counts.unexpected > 0 {
        detail.push_str(if exact {
            " (--exact: a failure)"
        } else {
            " (a warning; --exact makes it a failure)"
        });
    }
    Ok(FilesCheck {
        status,
        detail,
        exact: Some(exact),
        counts,
        problems,
    })
}

/// `1 vulnerability`, `2 vulnerabilities`.
pub(super) fn vulnerabilities(number: usize) -> String {
    if number == 1 {
        "1 vulnerability".to_owned()
    } else {
        format!("{number} vulnerabilities")
    }
}

fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}

/// The worst rated CycloneDX rating severity, or `None` when no rating names a level (none at
/// all, or only `unknown`).
fn rating_severity(vulnerability: &Value) -> Option<Severity> {
    vulnerability
        .get("ratings")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|rating| rating.get("severity").and_then(Value::as_str))
        .filter_map(Severity::from_name)
        .max()
}

/// The attested vulnerabilities: one per advisory, graded by its worst rating. An entry without
/// a rated level is graded as airlock grades such findings: medium while in triage (an
/// advisory whose version could not be compared), unknown otherwise (which counts as
/// the operator's `unknown-severity`).
fn attested_vulnerabilities(predicate: &Value) -> Vec<PolicyFinding> {
    let Some(list) = predicate.get("vulnerabilities").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|vulnerability| {
            let in_triage = vulnerability
                .pointer("/analysis/state")
                .and_then(Value::as_str)
                == Some("in_triage");
            let severity = rating_severity(vulnerability).unwrap_or(if in_triage {
                Severity::Medium
            } else {
                Severity::Unknown
            });
            let mut affects: Vec<String> = vulnerability
                .get("affects")
                .and_then(Value::as_array)
                .map(|targets| {
                    targets
                        .iter()
                        .filter_map(|target| target.get("ref").and_then(Value::as_str))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            affects.sort();
            PolicyFinding {
                id: vulnerability
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("(no id)")
                    .to_owned(),
                severity,
                affects,
                summary: vulnerability
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            }
        })
        .collect()
}

/// The SBOM's components matched against the current database: one entry per advisory.
fn rescanned_vulnerabilities(
    predicate: &Value,
    store: &advisories::Store,
) -> anyhow::Result<Vec<PolicyFinding>> {
    let bytes = serde_json::to_vec(predicate)?;
    let extraction = SbomExtractor
        .extract(&Input::new("attestation predicate", &bytes))
        .map_err(|error| anyhow::anyhow!("cannot read the attested SBOM: {error}"))?;
    let graph = scanner_core::scan::merge(vec![extraction], &mut Vec::new());
    let analysis = analyze(&graph, Some(store));
    if let Some(error) = analysis.source_errors.first() {
        anyhow::bail!("the advisory database failed: {error}");
    }
    let mut by_advisory: BTreeMap<String, PolicyFinding> = BTreeMap::new();
    for finding in &analysis.findings {
        let Some(advisory) = &finding.advisory else {
            continue;
        };
        let entry = by_advisory
            .entry(advisory.id.clone())
            .or_insert_with(|| PolicyFinding {
                id: advisory.id.clone(),
                severity: finding.severity,
                affects: Vec::new(),
                summary: advisory.summary.clone(),
            });
        if finding
            .severity
            .report_order(entry.severity, analysis.unknown_counts_as)
            .is_lt()
        {
            entry.severity = finding.severity;
        }
        entry.affects.push(finding.component.reference());
    }
    Ok(by_advisory
        .into_values()
        .map(|mut finding| {
            finding.affects.sort();
            finding.affects.dedup();
            finding
        })
        .collect())
}

fn recorded_rules(predicate: &Value) -> BTreeMap<String, Vec<String>> {
    let mut rules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let components = predicate
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(predicate.pointer("/metadata/component"));
    for component in components {
        let Some(reference) = component.get("bom-ref").and_then(Value::as_str) else {
            continue;
        };
        for property in component
            .get("properties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if property.get("name").and_then(Value::as_str)
                == Some(scanner_core::facts::properties::FINDING)
            {
                if let Some(rule) = property.get("value").and_then(Value::as_str) {
                    rules
                        .entry(reference.to_owned())
                        .or_default()
                        .push(rule.to_owned());
                }
            }
        }
    }
    rules
}

fn check_policy(
    statement: &Statement,
    fail_on: Option<Severity>,
    unknown_counts_as: Severity,
    database: Option<&advisories::Store>,
) -> anyhow::Result<PolicyCheck> {
    let source = if database.is_some() {
        "rescan"
    } else {
        "attestation"
    };
    if statement.predicate_type != CYCLONEDX_PREDICATE_TYPE {
        return Ok(PolicyCheck {
            status: Status::Failed,
            detail: format!(
                "the predicate is `{}`, not a CycloneDX SBOM (`{CYCLONEDX_PREDICATE_TYPE}`): no findings to check",
                statement.predicate_type
            ),
            fail_on,
            unknown_counts_as,
            source,
            failing: Vec::new(),
            below_threshold: Vec::new(),
            recorded_rules: BTreeMap::new(),
        });
    }
    let predicate = &statement.predicate;
    let findings = match database {
        Some(store) => rescanned_vulnerabilities(predicate, store)?,
        None => attested_vulnerabilities(predicate),
    };
    let (mut failing, mut below): (Vec<PolicyFinding>, Vec<PolicyFinding>) =
        findings.into_iter().partition(|finding| {
            fail_on.is_some_and(|threshold| {
                finding.severity.counted_as(unknown_counts_as) >= threshold
            })
        });
    let order = |a: &PolicyFinding, b: &PolicyFinding| {
        a.severity
            .report_order(b.severity, unknown_counts_as)
            .then_with(|| a.id.cmp(&b.id))
    };
    failing.sort_by(order);
    below.sort_by(order);
    let whose = match database {
        Some(_) => "matched against the current database (--rescan)",
        None => "in the attested SBOM",
    };
    let unknown = failing
        .iter()
        .chain(&below)
        .filter(|finding| finding.severity == Severity::Unknown)
        .count();
    let unknown = if unknown == 0 {
        String::new()
    } else {
        format!("; {unknown} unknown (counted as {unknown_counts_as})")
    };
    let detail = match fail_on {
        None => format!(
            "{} {whose}, reported only (--fail-on none){unknown}",
            vulnerabilities(below.len())
        ),
        Some(fail_on) if failing.is_empty() => format!(
            "no vulnerability at or above {fail_on} {whose} ({} below){unknown}",
            below.len()
        ),
        Some(fail_on) => format!(
            "{} at or above {fail_on} {whose}{unknown}",
            vulnerabilities(failing.len())
        ),
    };
    Ok(PolicyCheck {
        status: if failing.is_empty() {
            Status::Ok
        } else {
            Status::Failed
        },
        detail,
        fail_on,
        unknown_counts_as,
        source,
        failing,
        below_threshold: below,
        recorded_rules: recorded_rules(predicate),
    })
}

fn verify_model_signature(args: &VerifyArgs, signature: &Path) -> anyhow::Result<Option<Report>> {
    let key = EcPublicKey::load(&args.key)?;
    let mut report = Report {
        format: "airlock-verify",
        format_version: 1,
        kind: "model-signature",
        signed_file: display_path(signature),
        path: display_path(&args.path),
        passed: false,
        failed: Vec::new(),
        not_checked: Vec::new(),
        signature: SignatureCheck {
            status: Status::Failed,
            key: Some(format!("{} key hint {}", key.curve(), key.hint()?)),
            detail: String::new(),
        },
        files: not_checked_files(
            "the signature does not hold, so the signed manifest is not trusted",
            None,
        ),
        policy: None,
        model: None,
        advisory_database: None,
    };
    let manifest = match model_signing::verify_bundle_file(signature, &key) {
        Ok(manifest) => manifest,
        Err(ModelSignatureError::Signature(reason) | ModelSignatureError::Manifest(reason)) => {
            report.signature.detail = reason;
            return Ok(Some(report.finish()));
        }
        Err(error) => return Err(error.into()),
    };
    report.signature.status = Status::Ok;
    report.signature.detail = format!(
        "OpenSSF model_signing v1.0 bundle signed with the given ECDSA {} key; model `{}`, {}",
        key.curve(),
        manifest.model_name,
        super::count(manifest.resources.len(), "file")
    );
    report.model = Some(ModelFacts {
        name: manifest.model_name.clone(),
        root_sha256: manifest.root_digest.clone(),
        curve: key.curve(),
    });
    let files = match model_signing::model_files(
        &args.path,
        &manifest.serialization,
        &[signature.to_path_buf()],
    ) {
        Ok(files) => files,
        Err(ModelSignatureError::Directory(reason)) => {
            report.files = FilesCheck {
                status: Status::Failed,
                detail: reason,
                exact: None,
                counts: FileCounts::default(),
                problems: Vec::new(),
            };
            return Ok(Some(report.finish()));
        }
        Err(error) => return Err(error.into()),
    };
    let by_path: BTreeMap<String, String> = files
        .iter()
        .map(|(name, path)| (display_path(path), name.clone()))
        .collect();
    let hashed = attest::hash_files(by_path.keys())?;
    let found: Vec<Resource> = by_path
        .iter()
        .filter_map(|(path, name)| {
            Some(Resource {
                name: name.clone(),
                sha256: hashed.get(path)?.clone(),
            })
        })
        .collect();
    let comparison = model_signing::compare(&manifest.resources, &found);
    let mut problems = Vec::new();
    for (name, expected, actual) in &comparison.modified {
        problems.push(FileProblem {
            name: name.clone(),
            status: "modified",
            expected_sha256: Some(expected.clone()),
            actual_sha256: Some(actual.clone()),
            detail: format!("sha256 signed {}, now {}", short(expected), short(actual)),
        });
    }
    for name in &comparison.missing {
        problems.push(FileProblem {
            name: name.clone(),
            status: "missing",
            expected_sha256: None,
            actual_sha256: None,
            detail: "signed, not found in the model directory".to_owned(),
        });
    }
    for name in &comparison.extra {
        problems.push(FileProblem {
            name: name.clone(),
            status: "extra",
            expected_sha256: None,
            actual_sha256: None,
            detail: "in the model directory, not signed (model_signing requires the same set)"
                .to_owned(),
        });
    }
    problems.sort_by(|a, b| (a.status, &a.name).cmp(&(b.status, &b.name)));
    let counts = FileCounts {
        ok: comparison.matching.len(),
        modified: comparison.modified.len(),
        missing: comparison.missing.len(),
        unexpected: comparison.extra.len(),
    };
    report.files = FilesCheck {
        status: if comparison.holds() {
            Status::Ok
        } else {
            Status::Failed
        },
        detail: format!(
            "{} signed: {} ok, {} modified, {} missing; {} not signed",
            manifest.resources.len(),
            counts.ok,
            counts.modified,
            counts.missing,
            super::count(counts.unexpected, "extra file"),
        ),
        exact: None,
        counts,
        problems,
    };
    Ok(Some(report.finish()))
}

fn table(report: &Report) -> String {
    let files_label = if report.kind == "attestation" {
        "subjects"
    } else {
        "files"
    };
    let mut rows = vec![
        vec![
            "signature".to_owned(),
            report.signature.status.word().to_owned(),
            report.signature.detail.clone(),
        ],
        vec![
            files_label.to_owned(),
            report.files.status.word().to_owned(),
            report.files.detail.clone(),
        ],
    ];
    if let Some(policy) = &report.policy {
        rows.push(vec![
            "policy".to_owned(),
            policy.status.word().to_owned(),
            policy.detail.clone(),
        ]);
    }
    let mut text = render(&["CHECK", "STATUS", "DETAIL"], &rows);
    if !report.files.problems.is_empty() {
        let rows: Vec<Vec<String>> = report
            .files
            .problems
            .iter()
            .map(|problem| {
                vec![
                    problem.status.to_owned(),
                    problem.name.clone(),
                    problem.detail.clone(),
                ]
            })
            .collect();
        text.push('\n');
        text.push_str(&render(&["FILE STATUS", "FILE", "DETAIL"], &rows));
    }
    if let Some(policy) = &report.policy {
        let graded: Vec<Vec<String>> = policy
            .failing
            .iter()
            .chain(&policy.below_threshold)
            .map(|finding| {
                vec![
                    finding.severity.as_str().to_uppercase(),
                    finding.id.clone(),
                    finding.affects.join(", "),
                    finding.summary.clone().unwrap_or_default(),
                ]
            })
            .collect();
        if !graded.is_empty() {
            text.push('\n');
            text.push_str(&render(
                &["SEVERITY", "VULNERABILITY", "AFFECTS", "SUMMARY"],
                &graded,
            ));
        }
        if !policy.recorded_rules.is_empty() {
            let count: usize = policy.recorded_rules.values().map(Vec::len).sum();
            text.push_str(&format!(
                "\nThe attested SBOM also records {} (airlock:finding, no severity: accepted by the signer, not graded).\n",
                super::count(count, "other finding")
            ));
        }
    }
    if let Some(database) = &report.advisory_database {
        text.push_str(&format!("\n{}\n", database_line(database)));
    }
    text.push('\n');
    if report.passed {
        text.push_str("verification passed\n");
    } else {
        text.push_str(&format!(
            "verification FAILED: {}",
            report.failed.join(", ")
        ));
        if !report.not_checked.is_empty() {
            text.push_str(&format!(" ({} not checked)", report.not_checked.join(", ")));
        }
        text.push('\n');
    }
    text
}

/// The `--rescan` database under the table: path, newest record, build or sync time.
fn database_line(database: &Value) -> String {
    let text = |key: &str| database.get(key).and_then(Value::as_str);
    let mut parts = vec![format!(
        "newest record {}",
        text("newest_record").unwrap_or("-")
    )];
    if let Some(built) = text("built_at") {
        parts.push(format!("bundle built {built}"));
    }
    if let Some(synced) = text("synced_at") {
        parts.push(format!("synced {synced}"));
    }
    parts.push(format!("limit {}", text("max_age").unwrap_or("-")));
    format!(
        "Advisory database (--rescan): {} ({}).",
        text("path").unwrap_or("-"),
        parts.join("; ")
    )
}
