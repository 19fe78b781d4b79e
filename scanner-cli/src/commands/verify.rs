//! `airlock verify`: the intake gate.
//!
//! `--attestation FILE --key PUB PATH` checks, in order, and reports each check:
//!
//! 1. `signature`: the DSSE signature, under the given Ed25519 key, over the in-toto statement
//!    `airlock attest` wrote. Nothing else in the envelope is trusted until it holds.
//! 2. `subjects`: each attested file is hashed again under PATH (ok, modified, missing). A file
//!    under PATH that is not a subject and that an extractor reads (a model, a lockfile, a
//!    manifest, an MCP config) is `unexpected` and fails the check unless
//!    `--allow-extra-files`; any other file that is not a subject is `extra`, listed, and fails
//!    only under `--exact`.
//! 3. `findings`: every rule runs again on the tree as it is on disk, with the operator's policy
//!    and the local advisory database (opened and aged as `scan` opens it), and a finding at or
//!    above `--fail-on` fails, whatever the attestation recorded. Files an extractor reads are
//!    judged whether attested or not, so a pickle dropped in after signing is judged too.
//! 4. `recorded`: the findings the attestation's own scan recorded (its CycloneDX
//!    `vulnerabilities` and `airlock:finding` properties), graded by the operator's policy
//!    (ignores and rule settings apply; one found again on disk takes the severity it has now):
//!    a signed statement that itself recorded a critical finding does not pass.
//!
//! Exit 0 only when every check holds; 1 when one failed (the report says which); 2 when the
//! gate could not look: no advisory database (unless `--no-vuln-db`: the report says
//! vulnerabilities were not checked), data past the age limit, a file that could not be read.
//! The report is written in every case. `verify` reads no configuration from the tree it
//! judges ([`crate::settings::Judged::Trees`]).
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
use scanner_core::facts::properties;
use scanner_core::risk::{
    AdvisoryKind, AdvisoryRef, Analysis, Finding, RuleId, Severity, VulnerabilitySource,
};
use scanner_core::scan::{display_path, ScanOptions, ScanReport};
use scanner_core::{ComponentKey, Ecosystem, GitReference, PackageName, Source};

use super::Outcome;
use crate::cli::{Cli, ListFormat, VerifyArgs};
use crate::emit::common::PolicyFacts;
use crate::emit::table::render;
use crate::output::{stderr_line, write_report};
use crate::settings::Settings;

use super::attest::{self, Base};
use super::{db, Verbosity};

mod image;

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
    /// `modified`, `missing`, `unexpected` (read by an extractor, not attested) or `extra`
    /// (not attested, not read; for model signatures: not signed).
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
    /// Attestations: read by an extractor now, not attested. Model signatures: on disk, not
    /// signed.
    unexpected: usize,
    /// Attestations: on disk, neither attested nor read by any extractor.
    extra: usize,
}

/// How files that are not subjects are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum ExtraFiles {
    /// A file an extractor reads fails; any other file is listed.
    Default,
    /// `--allow-extra-files`: listed, judged by the rules like every file airlock reads.
    Allowed,
    /// `--exact`: any file that is not a subject fails.
    Exact,
}

impl ExtraFiles {
    fn of(args: &VerifyArgs) -> ExtraFiles {
        if args.exact {
            ExtraFiles::Exact
        } else if args.allow_extra_files {
            ExtraFiles::Allowed
        } else {
            ExtraFiles::Default
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct FilesCheck {
    status: Status,
    detail: String,
    /// Attestations only: how files that are not subjects were judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_files: Option<ExtraFiles>,
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

/// One graded finding, of the tree on disk or recorded by the attestation.
#[derive(Debug, Clone, Serialize)]
struct GradedFinding {
    rule: &'static str,
    #[serde(serialize_with = "severity_name")]
    severity: Severity,
    /// For `unknown` only: the level the operator's policy counts it as.
    #[serde(skip_serializing_if = "Option::is_none")]
    counted_as: Option<&'static str>,
    /// The component's reference (the attested SBOM's `bom-ref` for recorded findings).
    component: String,
    /// The component for people: ecosystem, name, version.
    #[serde(skip)]
    shown: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    advisory: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    message: String,
    /// Where it was found on disk.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<String>,
    /// The shortest path from a root, root first, as component references.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    introduced_through: Vec<String>,
    /// Recorded findings only: `found-again` (the rules find it on disk now, and it is graded
    /// as they grade it), `not-found-now` (graded as recorded), or `accepted` (an ignore of
    /// the operator's policy matches it).
    #[serde(skip_serializing_if = "Option::is_none")]
    now: Option<&'static str>,
}

impl GradedFinding {
    fn of(finding: &Finding, unknown_counts_as: Severity) -> GradedFinding {
        GradedFinding {
            rule: finding.rule.as_str(),
            severity: finding.severity,
            counted_as: (finding.severity == Severity::Unknown).then(|| unknown_counts_as.as_str()),
            component: finding.component.reference(),
            shown: finding.component.to_string(),
            advisory: finding.advisory_id(),
            aliases: finding.advisory_aliases(),
            message: finding.message.clone(),
            evidence: finding.evidence.iter().map(ToString::to_string).collect(),
            introduced_through: finding.path_references(),
            now: None,
        }
    }
}

/// The rules run again on the tree as it is on disk.
#[derive(Debug, Clone, Serialize)]
struct FindingsCheck {
    status: Status,
    detail: String,
    /// `None` for `--fail-on none`: graded, never failing.
    #[serde(serialize_with = "threshold_name")]
    fail_on: Option<Severity>,
    /// What an `unknown` severity counts as (the operator's `unknown-severity`).
    #[serde(serialize_with = "severity_name")]
    unknown_counts_as: Severity,
    /// Whether vulnerabilities and malicious packages were matched (a database was used).
    vulnerabilities_checked: bool,
    /// At or above `fail_on`.
    failing: Vec<GradedFinding>,
    /// Graded below `fail_on`.
    below_threshold: Vec<GradedFinding>,
}

/// What the attestation's own scan recorded, graded by the operator's policy.
#[derive(Debug, Clone, Serialize)]
struct RecordedCheck {
    status: Status,
    detail: String,
    failing: Vec<GradedFinding>,
    below_threshold: Vec<GradedFinding>,
    /// Matched by an ignore of the operator's policy (or of a rule it disables): not graded.
    accepted: Vec<GradedFinding>,
}

impl FindingsCheck {
    /// The rules not run again, saying why (nothing they would judge is trusted).
    fn not_checked(detail: &str, fail_on: Option<Severity>, unknown_counts_as: Severity) -> Self {
        FindingsCheck {
            status: Status::NotChecked,
            detail: detail.to_owned(),
            fail_on,
            unknown_counts_as,
            vulnerabilities_checked: false,
            failing: Vec::new(),
            below_threshold: Vec::new(),
        }
    }
}

impl RecordedCheck {
    /// The recorded findings not graded, saying why.
    fn not_checked(detail: &str) -> Self {
        RecordedCheck {
            status: Status::NotChecked,
            detail: detail.to_owned(),
            failing: Vec::new(),
            below_threshold: Vec::new(),
            accepted: Vec::new(),
        }
    }
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
    /// The checks that could not be trusted to run (after a failed signature), and
    /// `vulnerabilities` when no database could be used.
    not_checked: Vec<&'static str>,
    signature: SignatureCheck,
    files: FilesCheck,
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<FindingsCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded: Option<RecordedCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<ModelFacts>,
    /// Images (`verify oci://`): the image as the registry holds it now.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<image::ImageFacts>,
    /// Images: every attestation attached to the image, and what became of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    attachments: Option<Vec<image::AttachmentEntry>>,
    /// Images: the SBOMs attached to the image, against the one the attestation signs.
    #[serde(skip_serializing_if = "Option::is_none")]
    sbom: Option<image::SbomCheck>,
    /// Attestations: the advisory database the tree was matched against, as `scan` reports
    /// it, or why none was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    advisory_database: Option<Value>,
    /// Attestations: the operator's policy that judged the tree (never a file inside it).
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<PolicyFacts>,
    /// The database line under the table.
    #[serde(skip)]
    database_line: Option<String>,
    /// Why the gate could not look, each an error on stderr: the run exits 2.
    #[serde(skip)]
    errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct ModelFacts {
    name: String,
    root_sha256: String,
    curve: &'static str,
}

impl Report {
    /// A report of `kind` before anything is checked: the signature (by `key`) failed and
    /// nothing else is trusted, so a check that returns early can never pass by omission. The
    /// checks that follow fill it in.
    fn unverified(
        kind: &'static str,
        signed_file: &Path,
        path: &Path,
        key: String,
        files: FilesCheck,
    ) -> Report {
        Report {
            format: "airlock-verify",
            format_version: 2,
            kind,
            signed_file: display_path(signed_file),
            path: display_path(path),
            passed: false,
            failed: Vec::new(),
            not_checked: Vec::new(),
            signature: SignatureCheck {
                status: Status::Failed,
                key: Some(key),
                detail: String::new(),
            },
            files,
            findings: None,
            recorded: None,
            model: None,
            image: None,
            attachments: None,
            sbom: None,
            advisory_database: None,
            policy: None,
            database_line: None,
            errors: Vec::new(),
        }
    }

    /// Passed only when every check is ok and nothing kept the gate from looking; `failed`
    /// names the checks that failed (a check that could not be trusted is not checked, and is
    /// not a pass either).
    fn finish(mut self) -> Report {
        let files_label = if self.kind == "model-signature" {
            "files"
        } else {
            "subjects"
        };
        let mut statuses = vec![
            ("signature", self.signature.status),
            (files_label, self.files.status),
        ];
        if let Some(findings) = &self.findings {
            statuses.push(("findings", findings.status));
        }
        if let Some(recorded) = &self.recorded {
            statuses.push(("recorded", recorded.status));
        }
        if let Some(sbom) = &self.sbom {
            statuses.push(("sbom", sbom.status));
        }
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
        if self.advisory_database.as_ref().is_some_and(|database| {
            database.get("used") == Some(&Value::Bool(false))
                && database.get("reason").and_then(Value::as_str) != Some("--no-vuln-db")
        }) && self.findings.is_some()
        {
            self.not_checked.push("vulnerabilities");
        }
        self.passed = statuses.iter().all(|(_, status)| *status == Status::Ok)
            && self.errors.is_empty()
            && !self.not_checked.contains(&"vulnerabilities");
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
    if let Some(lock) = &args.lock {
        return super::verify_lock::run(args, lock);
    }
    let image = advisories::oci::Reference::is_oci(&args.path.to_string_lossy());
    let report = match (&args.attestation, &args.model_signature) {
        (None, None) if image => image::verify_image(cli, settings, args, verbosity)?,
        (Some(_), None) | (None, Some(_)) if image => anyhow::bail!(
            "an oci:// PATH is verified by the attestation attached to it in the registry: give it with --key alone (--attestation and --model-signature take a directory or file)"
        ),
        (Some(attestation), None) => {
            verify_attestation(cli, settings, args, attestation, verbosity)?
        }
        (None, Some(signature)) => verify_model_signature(args, signature)?,
        _ => anyhow::bail!(
            "give one of --attestation, --model-signature and --lock (or an oci:// PATH, whose attached attestation is checked)"
        ),
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
    if !report.errors.is_empty() {
        for error in &report.errors {
            stderr_line(&format!("error: {error}"));
        }
        return Ok(Outcome::Error);
    }
    Ok(if report.passed {
        Outcome::Clean
    } else {
        Outcome::PolicyFailure
    })
}

/// `--key`, which every check but `--lock` needs (clap requires it without `--lock`).
fn key_path(args: &VerifyArgs) -> anyhow::Result<&Path> {
    args.key.as_deref().ok_or_else(|| {
        anyhow::anyhow!("--key is required with --attestation and --model-signature")
    })
}

fn not_checked_files(detail: &str, extra_files: Option<ExtraFiles>) -> FilesCheck {
    FilesCheck {
        status: Status::NotChecked,
        detail: detail.to_owned(),
        extra_files,
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
    // The operator's policy only (`verify` reads none from the tree it judges); `--fail-on`
    // wins over its `fail-on`, else high.
    let policy = settings.operator_scan_policy();
    let (fail_on, fail_on_from) = super::fail_on(args.fail_on.as_deref(), &policy.policy)?;
    let unknown_counts_as = policy.policy.unknown_counts_as();
    let extra_files = ExtraFiles::of(args);
    let key = PublicKey::load(key_path(args)?)?;
    let tools_lock = super::tools::OperatorLock::load(&args.tools)?;
    let envelope = Envelope::load(attestation)?;
    let not_trusted = "the signature does not hold, so the attestation is not trusted";
    let mut report = Report {
        findings: Some(FindingsCheck::not_checked(
            not_trusted,
            fail_on,
            unknown_counts_as,
        )),
        recorded: Some(RecordedCheck::not_checked(not_trusted)),
        policy: Some(super::policy_facts(&policy, fail_on, fail_on_from)),
        ..Report::unverified(
            "attestation",
            attestation,
            &args.path,
            key.fingerprint(),
            not_checked_files(not_trusted, Some(extra_files)),
        )
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

    let (database, unavailable) = open_database(&mut report, cli, settings, args, verbosity)?;

    let scan = attest::scan(
        &args.path,
        args.output.as_deref(),
        args.no_default_excludes,
        &crate::cli::ImageArgs::default(),
        verbosity,
    )?;
    if super::refuse_empty(&scan, std::slice::from_ref(&args.path), args.allow_empty) {
        return Ok(None);
    }
    let mut not_listed = crate::output::scan_exclusions(args.output.as_deref())?;
    not_listed.extend(std::fs::canonicalize(attestation).ok());
    let (on_disk, walk_problems) = scanner_core::scan::files_under(
        &args.path,
        &ScanOptions {
            skip_default_directories: !args.no_default_excludes,
            skip_files: not_listed,
            ..ScanOptions::default()
        },
    );
    super::show_diagnostics(&walk_problems, verbosity);
    report.files = check_subjects(&statement, &args.path, &scan, &on_disk, extra_files)?;

    judge_again(
        &mut report,
        scan,
        &statement,
        &Gate {
            policy: &policy,
            database: database.as_ref(),
            unavailable: unavailable.as_ref(),
            fail_on,
            settings,
            verbosity,
            tools_lock: tools_lock.as_ref(),
        },
        "some files under PATH could not be read (see above): the rules did not see all of the tree",
    );
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
    scan: &ScanReport,
    on_disk: &[String],
    extra_files: ExtraFiles,
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
    let read: BTreeSet<String> = scan
        .files
        .iter()
        .filter_map(|file| base.name_of(&file.path))
        .collect();
    for name in read.iter().filter(|name| !attested.contains(name.as_str())) {
        counts.unexpected += 1;
        problems.push(FileProblem {
            name: name.clone(),
            status: "unexpected",
            expected_sha256: None,
            actual_sha256: None,
            detail: match extra_files {
                ExtraFiles::Allowed => {
                    "airlock reads it, not attested (--allow-extra-files: judged by the rules, not a failure)"
                        .to_owned()
                }
                ExtraFiles::Default | ExtraFiles::Exact => {
                    "airlock reads it, not attested: a failure (--allow-extra-files judges it by the rules only)"
                        .to_owned()
                }
            },
        });
    }
    let others = on_disk
        .iter()
        .filter_map(|path| base.name_of(path))
        .filter(|name| !attested.contains(name.as_str()) && !read.contains(name));
    for name in others {
        counts.extra += 1;
        problems.push(FileProblem {
            name,
            status: "extra",
            expected_sha256: None,
            actual_sha256: None,
            detail: if extra_files == ExtraFiles::Exact {
                "not attested (--exact: a failure)".to_owned()
            } else {
                "not attested; no extractor reads it (listed; --exact makes it a failure)"
                    .to_owned()
            },
        });
    }
    // What breaks the attestation first, what is only listed last.
    let rank = |status: &str| match status {
        "modified" => 0,
        "missing" => 1,
        "unexpected" => 2,
        _ => 3,
    };
    problems.sort_by(|a, b| (rank(a.status), &a.name).cmp(&(rank(b.status), &b.name)));
    let broken = counts.modified + counts.missing > 0;
    let unexpected_fails = extra_files != ExtraFiles::Allowed && counts.unexpected > 0;
    let extra_fails = extra_files == ExtraFiles::Exact && counts.extra > 0;
    let status = if broken || unexpected_fails || extra_fails {
        Status::Failed
    } else {
        Status::Ok
    };
    let mut detail = format!(
        "{} attested: {} ok, {} modified, {} missing; {} airlock reads",
        statement.subjects.len(),
        counts.ok,
        counts.modified,
        counts.missing,
        super::count(counts.unexpected, "unexpected file"),
    );
    if counts.unexpected > 0 {
        detail.push_str(if unexpected_fails {
            " (a failure)"
        } else {
            " (--allow-extra-files: judged by the rules)"
        });
    }
    detail.push_str(&format!(
        "; {} not attested",
        super::count(counts.extra, "other file")
    ));
    if counts.extra > 0 {
        detail.push_str(if extra_fails {
            " (--exact: a failure)"
        } else {
            " (listed)"
        });
    }
    Ok(FilesCheck {
        status,
        detail,
        extra_files: Some(extra_files),
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

/// Splits graded findings at the threshold, each side worst first.
fn partition(
    findings: Vec<GradedFinding>,
    fail_on: Option<Severity>,
    unknown_counts_as: Severity,
) -> (Vec<GradedFinding>, Vec<GradedFinding>) {
    let (mut failing, mut below): (Vec<GradedFinding>, Vec<GradedFinding>) =
        findings.into_iter().partition(|finding| {
            fail_on.is_some_and(|threshold| {
                finding.severity.counted_as(unknown_counts_as) >= threshold
            })
        });
    let order = |a: &GradedFinding, b: &GradedFinding| {
        a.severity
            .report_order(b.severity, unknown_counts_as)
            .then_with(|| {
                (a.rule, &a.component, &a.advisory).cmp(&(b.rule, &b.component, &b.advisory))
            })
    };
    failing.sort_by(order);
    below.sort_by(order);
    (failing, below)
}

/// `; 2 unknown (counted as high)` when any finding's severity is unknown.
fn unknown_note(findings: &[&GradedFinding], unknown_counts_as: Severity) -> String {
    let unknown = findings
        .iter()
        .filter(|finding| finding.severity == Severity::Unknown)
        .count();
    if unknown == 0 {
        String::new()
    } else {
        format!("; {unknown} unknown (counted as {unknown_counts_as})")
    }
}

/// The local database, opened and aged as `scan` opens it, and the report's database line.
/// Missing or empty: the rules still run and the report says vulnerabilities were not checked,
/// then the run exits 2; too old: an error in the report. Shared by the tree and image gates.
fn open_database(
    report: &mut Report,
    cli: &Cli,
    settings: &Settings,
    args: &VerifyArgs,
    verbosity: Verbosity,
) -> anyhow::Result<(Option<db::MatchingDatabase>, Option<db::Unavailable>)> {
    let (database, unavailable) =
        db::open_unless_off(args.no_vuln_db, cli, settings, &[], verbosity)?;
    let (line, database_json) = db::note(
        database.as_ref(),
        unavailable.as_ref(),
        "so vulnerabilities and malicious packages were NOT checked.",
        "vulnerabilities and malicious packages were not checked.",
    );
    report.database_line = Some(line);
    report.advisory_database = Some(database_json);
    if let Some(why) = &unavailable {
        report
            .errors
            .push(why.explanation("verify with --no-vuln-db"));
    }
    if let Some(stale) = database.as_ref().and_then(db::MatchingDatabase::stale) {
        report.errors.push(stale);
    }
    Ok((database, unavailable))
}

/// What the operator brings to a gate: their policy, database and tools lock, and how the
/// run is set up.
struct Gate<'a> {
    policy: &'a super::ScanPolicy,
    database: Option<&'a db::MatchingDatabase>,
    unavailable: Option<&'a db::Unavailable>,
    fail_on: Option<Severity>,
    settings: &'a Settings,
    verbosity: Verbosity,
    tools_lock: Option<&'a super::tools::OperatorLock>,
}

/// Judges `scan` again with the operator's policy and database and fills the report's
/// `findings` and `recorded` checks: the one step the tree gate and the image gate share.
/// `unread` is the error when part of the input could not be read (the rules did not see it).
fn judge_again(
    report: &mut Report,
    scan: ScanReport,
    statement: &Statement,
    gate: &Gate<'_>,
    unread: &str,
) {
    let source = gate
        .database
        .map(|database| &database.store as &dyn VulnerabilitySource);
    let super::Judgement {
        report: scan,
        analysis,
        ..
    } = super::judge_pinned(
        scan,
        gate.policy,
        source,
        gate.settings.clock(),
        gate.verbosity,
        gate.tools_lock,
    );
    for error in &analysis.source_errors {
        report
            .errors
            .push(format!("the advisory database failed: {error}"));
    }
    if scan.has_errors() {
        report.errors.push(unread.to_owned());
    }
    report.findings = Some(check_findings(
        &analysis,
        gate.fail_on,
        match (gate.database, gate.unavailable) {
            (Some(_), _) => "vulnerabilities matched against the local database",
            (None, Some(_)) => "vulnerabilities NOT checked: no advisory database",
            (None, None) => "vulnerabilities not checked (--no-vuln-db)",
        },
        gate.database.is_some(),
    ));
    report.recorded = Some(check_recorded(
        statement,
        &gate.policy.policy,
        &analysis,
        gate.fail_on,
        gate.settings.clock(),
    ));
}

/// The rules' verdict on the tree as it is on disk.
fn check_findings(
    analysis: &Analysis,
    fail_on: Option<Severity>,
    vulnerabilities: &str,
    vulnerabilities_checked: bool,
) -> FindingsCheck {
    let unknown_counts_as = analysis.unknown_counts_as;
    let graded = analysis
        .findings
        .iter()
        .map(|finding| GradedFinding::of(finding, unknown_counts_as))
        .collect();
    let (failing, below) = partition(graded, fail_on, unknown_counts_as);
    let unknown = unknown_note(
        &failing.iter().chain(&below).collect::<Vec<_>>(),
        unknown_counts_as,
    );
    let detail = match fail_on {
        None => format!(
            "{} on the tree as it is on disk, reported only (--fail-on none); {vulnerabilities}{unknown}",
            super::count(below.len(), "finding")
        ),
        Some(fail_on) if failing.is_empty() => format!(
            "no finding at or above {fail_on} on the tree as it is on disk ({} below); {vulnerabilities}{unknown}",
            below.len()
        ),
        Some(fail_on) => format!(
            "{} at or above {fail_on} on the tree as it is on disk ({} below); {vulnerabilities}{unknown}",
            super::count(failing.len(), "finding"),
            below.len()
        ),
    };
    FindingsCheck {
        status: if failing.is_empty() {
            Status::Ok
        } else {
            Status::Failed
        },
        detail,
        fail_on,
        unknown_counts_as,
        vulnerabilities_checked,
        failing,
        below_threshold: below,
    }
}

/// The rules whose findings carry an advisory: the attested SBOM records them in its
/// `vulnerabilities`, one entry per advisory, rather than by rule id alone.
fn carries_advisory(rule: RuleId) -> bool {
    matches!(
        rule,
        RuleId::KnownVulnerability
            | RuleId::MaliciousPackage
            | RuleId::VulnerabilityUndetermined
            | RuleId::UnmaintainedDependency
            | RuleId::UnsoundDependency
            | RuleId::AdvisoryNotice
    )
}

fn rule_named(name: &str) -> Option<RuleId> {
    RuleId::ALL
        .iter()
        .copied()
        .find(|rule| rule.as_str() == name)
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

/// A property's values on a CycloneDX component or vulnerability.
fn property_values<'v>(object: &'v Value, name: &'v str) -> impl Iterator<Item = &'v str> {
    object
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(move |property| property.get("name").and_then(Value::as_str) == Some(name))
        .filter_map(|property| property.get("value").and_then(Value::as_str))
}

/// The key of a component of the attested SBOM, from what airlock's CycloneDX writes: its
/// ecosystem, name, version and source properties. Enough for the operator's policy to match
/// it (ignores by package and version, trusted sources) and to find it again on disk; `None`
/// when no name can be made of it.
fn recorded_key(component: &Value) -> Option<ComponentKey> {
    let text = |key: &str| component.get(key).and_then(Value::as_str);
    let first = |name: &str| property_values(component, name).next().map(str::to_owned);
    let ecosystem = first(properties::ECOSYSTEM)
        .as_deref()
        .and_then(Ecosystem::from_name)
        .unwrap_or(Ecosystem::GenericFile);
    let name = PackageName::new(ecosystem, text("name")?).ok()?;
    let url = first(properties::SOURCE_URL);
    let path = first(properties::SOURCE_PATH);
    let source = match (first(properties::SOURCE_KIND).as_deref(), url, path) {
        (Some("registry"), index, _) => Source::Registry { index },
        (Some("git"), Some(url), _) => Source::Git {
            url,
            reference: first(properties::GIT_REFERENCE).and_then(|text| {
                let (kind, value) = text.split_once('=')?;
                let value = value.to_owned();
                match kind {
                    "branch" => Some(GitReference::Branch(value)),
                    "tag" => Some(GitReference::Tag(value)),
                    "rev" => Some(GitReference::Rev(value)),
                    _ => None,
                }
            }),
            commit: first(properties::GIT_COMMIT),
        },
        (Some("url"), Some(url), _) => Source::Url { url },
        (Some("path"), _, Some(path)) => Source::Path { path },
        (Some("file"), _, Some(path)) => Source::File { path },
        _ => Source::DEFAULT_REGISTRY,
    };
    let version = text("version")
        .filter(|version| !version.is_empty())
        .map(str::to_owned);
    Some(ComponentKey::new(ecosystem, name, version, source))
}

/// Every component of a CycloneDX document by `bom-ref`, nested ones and the document's
/// subject included.
fn components_by_reference(predicate: &Value) -> BTreeMap<String, &Value> {
    let mut found = BTreeMap::new();
    let mut pending: Vec<&Value> = predicate
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(predicate.pointer("/metadata/component"))
        .collect();
    while let Some(component) = pending.pop() {
        if let Some(reference) = component.get("bom-ref").and_then(Value::as_str) {
            found.insert(reference.to_owned(), component);
        }
        pending.extend(
            component
                .get("components")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    found
}

/// A finding the attestation recorded, before the operator's policy grades it.
struct Recorded {
    /// `None`: a rule id this airlock does not know, or a component no key can be made of;
    /// graded as recorded, outside the policy.
    finding: Option<Finding>,
    graded: GradedFinding,
}

/// The findings the attested SBOM records: one per advisory and component it affects (from
/// `vulnerabilities`, with the severity of their ratings), and one per `airlock:finding` rule
/// id of a component for the rules without an advisory (at the rule's default severity).
fn recorded_findings(predicate: &Value) -> Vec<Recorded> {
    let components = components_by_reference(predicate);
    let mut recorded = Vec::new();
    let mut record = |rule_name: &str,
                      reference: &str,
                      severity: Severity,
                      advisory: Option<AdvisoryRef>,
                      message: String| {
        let rule = rule_named(rule_name);
        let key = components
            .get(reference)
            .and_then(|component| recorded_key(component));
        let shown = key
            .as_ref()
            .map_or_else(|| reference.to_owned(), ToString::to_string);
        let graded = GradedFinding {
            rule: rule.map_or("(unknown rule)", RuleId::as_str),
            severity: if rule.is_some() {
                severity
            } else {
                Severity::Unknown
            },
            counted_as: None,
            component: reference.to_owned(),
            shown,
            advisory: advisory.as_ref().map(|advisory| advisory.id.clone()),
            aliases: advisory
                .as_ref()
                .map(|advisory| advisory.aliases.clone())
                .unwrap_or_default(),
            message: if rule.is_some() {
                message.clone()
            } else {
                format!("the attestation records rule `{rule_name}`, which this airlock does not know: graded unknown")
            },
            evidence: Vec::new(),
            introduced_through: Vec::new(),
            now: Some("not-found-now"),
        };
        let finding = rule.zip(key).map(|(rule, component)| Finding {
            rule,
            severity,
            component,
            message,
            advisory,
            evidence: Vec::new(),
            introduced_through: Vec::new(),
        });
        recorded.push(Recorded { finding, graded });
    };
    for vulnerability in predicate
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = vulnerability
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("(no id)");
        let in_triage = vulnerability
            .pointer("/analysis/state")
            .and_then(Value::as_str)
            == Some("in_triage");
        // Graded as airlock grades such findings: medium while in triage (a version that could
        // not be compared), unknown when no rating names a level.
        let rated = rating_severity(vulnerability);
        let severity = rated.unwrap_or(if in_triage {
            Severity::Medium
        } else {
            Severity::Unknown
        });
        let mut rules: Vec<&str> = property_values(vulnerability, properties::RULE).collect();
        if rules.is_empty() {
            rules.push(RuleId::KnownVulnerability.as_str());
        }
        let summary = vulnerability
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let aliases: Vec<String> = vulnerability
            .get("references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|reference| reference.get("id").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let targets = vulnerability
            .get("affects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|target| target.get("ref").and_then(Value::as_str));
        for reference in targets {
            for rule in &rules {
                let kind = match rule_named(rule) {
                    Some(RuleId::MaliciousPackage) => AdvisoryKind::Malicious,
                    Some(RuleId::UnmaintainedDependency) => AdvisoryKind::Unmaintained,
                    Some(RuleId::UnsoundDependency) => AdvisoryKind::Unsound,
                    Some(RuleId::AdvisoryNotice) => AdvisoryKind::Informational,
                    _ => AdvisoryKind::Vulnerability,
                };
                let advisory = AdvisoryRef {
                    aliases: aliases.clone(),
                    summary: summary.clone(),
                    severity: rated,
                    ..AdvisoryRef::new(id, kind)
                };
                let message = match &summary {
                    Some(summary) => format!("recorded: {id}: {summary}"),
                    None => format!("recorded: {id}"),
                };
                record(rule, reference, severity, Some(advisory), message);
            }
        }
    }
    for (reference, component) in &components {
        for rule_name in property_values(component, properties::FINDING) {
            let rule = rule_named(rule_name);
            if rule.is_some_and(carries_advisory) {
                continue;
            }
            record(
                rule_name,
                reference,
                rule.map_or(Severity::Unknown, RuleId::default_severity),
                None,
                "recorded by the attestation's scan".to_owned(),
            );
        }
    }
    recorded
}

/// The attestation's recorded findings graded by the operator's policy: its rule settings and
/// ignores apply as to any finding; one the rules find again on disk takes the severity they
/// give it now (`current`, already judged by the same policy); the others keep the recorded
/// severity. Any at or above the threshold fails the check.
fn check_recorded(
    statement: &Statement,
    operator: &scanner_core::policy::Policy,
    current: &Analysis,
    fail_on: Option<Severity>,
    clock: &scanner_core::clock::Clock,
) -> RecordedCheck {
    if statement.predicate_type != CYCLONEDX_PREDICATE_TYPE {
        return RecordedCheck {
            status: Status::Failed,
            detail: format!(
                "the predicate is `{}`, not a CycloneDX SBOM (`{CYCLONEDX_PREDICATE_TYPE}`): what the attestation recorded cannot be read",
                statement.predicate_type
            ),
            failing: Vec::new(),
            below_threshold: Vec::new(),
            accepted: Vec::new(),
        };
    }
    let unknown_counts_as = operator.unknown_counts_as();
    let mut outside_policy = Vec::new();
    let mut judged = Analysis {
        unknown_counts_as,
        ..Analysis::default()
    };
    for recorded in recorded_findings(&statement.predicate) {
        match recorded.finding {
            Some(finding) => judged.findings.push(finding),
            None => outside_policy.push(recorded.graded),
        }
    }
    let total = judged.findings.len() + outside_policy.len();
    let applied = operator.apply(&mut judged, clock.document_date());
    let mut now: BTreeMap<scanner_core::risk::FindingIdentity, &Finding> = BTreeMap::new();
    for finding in &current.findings {
        let entry = now.entry(finding.identity()).or_insert(finding);
        if finding
            .severity
            .report_order(entry.severity, unknown_counts_as)
            .is_lt()
        {
            *entry = finding;
        }
    }
    let mut graded = outside_policy;
    let mut found_again = 0;
    for finding in &judged.findings {
        let mut entry = GradedFinding::of(finding, unknown_counts_as);
        entry.evidence.clear();
        match now.get(&finding.identity()) {
            Some(current) => {
                found_again += 1;
                entry.severity = current.severity;
                entry.message.clone_from(&current.message);
                entry.now = Some("found-again");
            }
            None => entry.now = Some("not-found-now"),
        }
        graded.push(entry);
    }
    for entry in &mut graded {
        entry.counted_as =
            (entry.severity == Severity::Unknown).then(|| unknown_counts_as.as_str());
    }
    let accepted: Vec<GradedFinding> = applied
        .ignored
        .iter()
        .map(|ignored| {
            let mut entry = GradedFinding::of(&ignored.finding, unknown_counts_as);
            entry.evidence.clear();
            entry.message = format!(
                "accepted by the operator's policy ({}): {}",
                ignored.entry.location, ignored.entry.reason
            );
            entry.now = Some("accepted");
            entry
        })
        .collect();
    let (failing, below) = partition(graded, fail_on, unknown_counts_as);
    let unknown = unknown_note(
        &failing.iter().chain(&below).collect::<Vec<_>>(),
        unknown_counts_as,
    );
    let mut detail = format!(
        "the attestation recorded {}",
        super::count(total, "finding")
    );
    detail.push_str(&match fail_on {
        None => ", reported only (--fail-on none)".to_owned(),
        Some(fail_on) => format!(": {} at or above {fail_on}", failing.len()),
    });
    detail.push_str(&format!("; {found_again} found again on disk"));
    if !accepted.is_empty() {
        detail.push_str(&format!(
            "; {} accepted by the operator's policy",
            accepted.len()
        ));
    }
    if applied.disabled > 0 {
        detail.push_str(&format!(
            "; {} of rules the operator's policy disables",
            applied.disabled
        ));
    }
    detail.push_str(&unknown);
    RecordedCheck {
        status: if failing.is_empty() {
            Status::Ok
        } else {
            Status::Failed
        },
        detail,
        failing,
        below_threshold: below,
        accepted,
    }
}

fn verify_model_signature(args: &VerifyArgs, signature: &Path) -> anyhow::Result<Option<Report>> {
    let key = EcPublicKey::load(key_path(args)?)?;
    let mut report = Report::unverified(
        "model-signature",
        signature,
        &args.path,
        format!("{} key hint {}", key.curve(), key.hint()?),
        not_checked_files(
            "the signature does not hold, so the signed manifest is not trusted",
            None,
        ),
    );
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
                extra_files: None,
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
        extra: 0,
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
        extra_files: None,
        counts,
        problems,
    };
    Ok(Some(report.finish()))
}

/// The findings of a check as table rows, worst first.
fn finding_rows(findings: &[GradedFinding], with_now: bool) -> Vec<Vec<String>> {
    findings
        .iter()
        .map(|finding| {
            let severity = match finding.counted_as {
                Some(counted) => format!("UNKNOWN (as {counted})"),
                None => finding.severity.as_str().to_uppercase(),
            };
            let mut ids: Vec<String> = finding.advisory.iter().cloned().collect();
            ids.extend(finding.aliases.iter().cloned());
            let mut row = vec![
                severity,
                finding.rule.to_owned(),
                finding.shown.clone(),
                if ids.is_empty() {
                    "-".to_owned()
                } else {
                    ids.join(" ")
                },
            ];
            if with_now {
                row.push(
                    match finding.now {
                        Some("found-again") => "found again on disk",
                        Some("accepted") => "accepted by policy",
                        _ => "not found on disk now",
                    }
                    .to_owned(),
                );
            } else {
                row.push(finding.evidence.first().cloned().unwrap_or_default());
            }
            row.push(finding.message.clone());
            row
        })
        .collect()
}

fn table(report: &Report) -> String {
    let files_label = if report.kind == "model-signature" {
        "files"
    } else {
        "subjects"
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
    if let Some(findings) = &report.findings {
        rows.push(vec![
            "findings".to_owned(),
            findings.status.word().to_owned(),
            findings.detail.clone(),
        ]);
    }
    if let Some(recorded) = &report.recorded {
        rows.push(vec![
            "recorded".to_owned(),
            recorded.status.word().to_owned(),
            recorded.detail.clone(),
        ]);
    }
    if let Some(sbom) = &report.sbom {
        rows.push(vec![
            "sbom".to_owned(),
            sbom.status.word().to_owned(),
            sbom.detail.clone(),
        ]);
    }
    let mut text = render(&["CHECK", "STATUS", "DETAIL"], &rows);
    text.push_str(&image::table(report));
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
    let threshold = report
        .findings
        .as_ref()
        .and_then(|findings| findings.fail_on)
        .map_or_else(
            || "none".to_owned(),
            |severity| severity.as_str().to_uppercase(),
        );
    if let Some(findings) = &report.findings {
        if !findings.failing.is_empty() {
            text.push_str(&format!(
                "\nON DISK, AT OR ABOVE {threshold} ({})\n",
                findings.failing.len()
            ));
            text.push_str(&render(
                &[
                    "SEVERITY",
                    "RULE",
                    "COMPONENT",
                    "ADVISORY",
                    "FOUND IN",
                    "DETAIL",
                ],
                &finding_rows(&findings.failing, false),
            ));
        }
    }
    if let Some(recorded) = &report.recorded {
        // Those found again are in the table above, graded as they are now; the ones the
        // rules no longer see are what only the attestation can tell.
        let unseen: Vec<GradedFinding> = recorded
            .failing
            .iter()
            .filter(|finding| finding.now != Some("found-again"))
            .cloned()
            .collect();
        if !unseen.is_empty() {
            text.push_str(&format!(
                "\nRECORDED BY THE ATTESTATION, AT OR ABOVE {threshold}, NOT FOUND ON DISK NOW ({})\n",
                unseen.len()
            ));
            text.push_str(&render(
                &["SEVERITY", "RULE", "COMPONENT", "ADVISORY", "NOW", "DETAIL"],
                &finding_rows(&unseen, true),
            ));
        }
    }
    if let Some(line) = &report.database_line {
        text.push_str(&format!("\n{line}\n"));
    }
    if let Some(policy) = &report.policy {
        text.push_str(&format!("{}\n", policy.sentence()));
    }
    text.push('\n');
    if report.passed {
        text.push_str("verification passed\n");
    } else {
        let mut reasons: Vec<&str> = report.failed.clone();
        if !report.errors.is_empty() {
            reasons.push("the gate could not look (see the errors)");
        }
        text.push_str(&format!("verification FAILED: {}", reasons.join(", ")));
        if !report.not_checked.is_empty() {
            text.push_str(&format!(" ({} not checked)", report.not_checked.join(", ")));
        }
        text.push('\n');
    }
    text
}
