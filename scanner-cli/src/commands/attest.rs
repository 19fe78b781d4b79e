//! `airlock attest PATH --key KEY -o FILE`: scans PATH as `scan` does and signs what it found:
//! an in-toto Statement v1 whose subjects are every scanned file (lockfiles, the manifests
//! they join, other manifests, included files, model cards, configs, weights) with its SHA-256,
//! and whose predicate is the CycloneDX 1.6 document `scan -f cyclonedx-json` writes (with its
//! vulnerabilities), wrapped in a DSSE envelope ([`advisories::attestation`]).
//!
//! The scan is judged as `scan` judges it (the operator's policy, the policy file inside PATH
//! only where it tightens, unless `--trust-project-policy`), so the predicate records the same
//! findings `scan` reports, refused project policy entries included. A PATH under which
//! nothing was read is refused unless `--allow-empty`: a signature over nothing is no evidence.
//!
//! Subjects are named relative to PATH (to its directory when PATH is a file), so the
//! attestation verifies wherever the files are copied to. Each model directory also gets its
//! OpenSSF model_signing v1.0 digest, recorded on the model component as the
//! `airlock:model-signing-sha256` property.
//!
//! Hashing: weights files were streamed through SHA-256 by the scan itself (their extractors ask
//! for a digest); those digests are reused. The other files (lockfiles, manifests, cards, the
//! rest of a model directory) are streamed in parallel. Shared with `verify`: the scan of PATH
//! and the subject hashing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;
use rayon::prelude::*;
use serde_json::{json, Value};

use advisories::attestation::model_signing::{self, Resource, Serialization};
use advisories::attestation::{Envelope, Statement, Subject, CYCLONEDX_PREDICATE_TYPE};
use advisories::signing::SecretKey;
use scanner_core::extract::{extractor_by_id, strip_directory};
use scanner_core::risk::VulnerabilitySource;
use scanner_core::scan::{display_path, stream_sha256, ScanReport};
use scanner_core::{ComponentKind, HashAlgorithm, Source};

use super::Outcome;
use crate::cli::{AttestArgs, Cli, ReportArgs};
use crate::emit::{self, Format};
use crate::output::{stderr_line, write_report};
use crate::settings::Settings;

use super::{db, Verbosity};

/// The CycloneDX property holding a model directory's model_signing v1.0 digest.
pub const MODEL_SIGNING_PROPERTY: &str = scanner_core::facts::properties::MODEL_SIGNING_SHA256;

/// A model directory with more files than this gets no model_signing digest (it is most likely
/// a whole project with a model card at its top, not a model).
const MAX_MODEL_DIRECTORY_FILES: usize = 10_000;

pub fn run(
    cli: &Cli,
    settings: &Settings,
    args: &AttestArgs,
    verbosity: Verbosity,
) -> anyhow::Result<Outcome> {
    let key = SecretKey::load(&args.key)?;
    let paths = std::slice::from_ref(&args.path);
    if args.push && !advisories::oci::Reference::is_oci(&args.path.to_string_lossy()) {
        anyhow::bail!(
            "--push attaches the attestation to an image in a registry: PATH must be oci://HOST/REPO:TAG (or @sha256:…), not {}",
            args.path.display()
        );
    }
    // The run's own `-o` is neither scanned nor read as project policy.
    let policy = settings.scan_policy(
        paths,
        args.trust_project_policy,
        &crate::output::scan_exclusions(args.output.as_deref())?,
    );
    super::show_diagnostics(&policy.diagnostics, verbosity);
    let (fail_on, fail_on_from) = super::fail_on(args.fail_on.as_deref(), &policy.policy)?;
    let database = if args.no_vuln_db {
        None
    } else {
        match open_database(cli, settings, verbosity)? {
            Ok(store) => Some(store),
            Err(explanation) => {
                stderr_line(&format!("error: {explanation}"));
                return Ok(Outcome::Error);
            }
        }
    };
    let report = scan(
        &args.path,
        args.output.as_deref(),
        args.no_default_excludes,
        &args.image,
        verbosity,
    )?;
    if super::refuse_empty(&report, paths, args.allow_empty) {
        return Ok(Outcome::Error);
    }
    let source = database
        .as_ref()
        .map(|database| &database.store as &dyn VulnerabilitySource);
    // Judged as `scan` judges: the operator's policy, the project policy only where it tightens.
    let super::Judgement {
        report, analysis, ..
    } = super::judge(report, &policy, source, settings.clock(), verbosity);
    if report.has_errors() {
        stderr_line(
            "error: some files could not be read (see above): an attestation of an incomplete scan is not written",
        );
        return Ok(Outcome::Error);
    }
    let facts = super::policy_facts(&policy, fail_on, fail_on_from);
    if !analysis.source_errors.is_empty() {
        for error in &analysis.source_errors {
            stderr_line(&format!("error: {error}"));
        }
        return Ok(Outcome::Error);
    }

    let base = Base::of(&args.path);
    let image = image_subject(&report, &args.path);
    let (mut subjects, digests, hashed) = match &image {
        Some(subject) => (vec![subject.clone()], BTreeMap::new(), 0),
        None => file_subjects(&report, &args.path)?,
    };
    subjects.sort();

    let document = emit::render(
        Format::CyclonedxJson,
        &emit::ReportInput {
            report: &report,
            analysis: Some(&analysis),
            policy: Some(&facts),
            database: None,
            paths,
            style: emit::terminal::TableStyle::plain(),
            document_time: settings.clock().document_time(),
            cyclonedx_version: emit::CycloneDxVersion::default(),
            ignored: &[],
            profile: None,
        },
    )?;
    let mut predicate: Value =
        serde_json::from_slice(&document).context("cannot read back the CycloneDX document")?;
    let models = model_signing_digests(&report, &base, &digests, verbosity);
    record_model_digests(&mut predicate, &models);

    let statement = Statement {
        subjects,
        predicate_type: CYCLONEDX_PREDICATE_TYPE.to_owned(),
        predicate,
    };
    let envelope = Envelope::sign(&statement, &key)?;
    let envelope_json = envelope.to_json()?;
    if args.push {
        // Attached before the envelope is written: exit 2 when the registry refused, with no
        // local file claiming an attachment that is not there.
        let subject = image
            .as_ref()
            .context("the scan of the image recorded no manifest digest to attach to")?;
        let mut sbom = serde_json::to_vec_pretty(&statement.predicate)?;
        sbom.push(b'\n');
        let pushed = crate::commands::registry::attach(
            &args.path.to_string_lossy(),
            &args.image.registry,
            &format!("sha256:{}", subject.sha256),
            &envelope_json,
            &statement.predicate_type,
            &sbom,
            &settings
                .clock()
                .document_time()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )?;
        if verbosity != Verbosity::Quiet {
            stderr_line(&format!(
                "attached to {}@sha256:{}: the attestation {} and the SBOM {}; the envelope \
                 also in cosign's tag sha256-{}.att ({})",
                subject.name,
                subject.sha256,
                pushed.attestation,
                pushed.sbom.as_deref().unwrap_or("(none)"),
                subject.sha256,
                pushed.cosign_attestations
            ));
        }
    }
    write_report(args.output.as_deref(), &envelope_json)?;
    if verbosity != Verbosity::Quiet {
        let vulnerabilities = statement
            .predicate
            .get("vulnerabilities")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let what = match &image {
            Some(subject) => format!(
                "the image {}@sha256:{} (its manifest digest)",
                subject.name, subject.sha256
            ),
            None => format!(
                "{} ({} hashed here, {} from the scan's model hashing)",
                super::count(statement.subjects.len(), "file"),
                hashed,
                statement.subjects.len().saturating_sub(hashed),
            ),
        };
        stderr_line(&format!(
            "attested {what}{}, {}; signed by {}",
            if models.is_empty() {
                String::new()
            } else {
                format!(
                    " and {}",
                    super::count(models.len(), "model_signing digest")
                )
            },
            match &database {
                Some(database) => format!(
                    "{} in the SBOM ({})",
                    super::verify::vulnerabilities(vulnerabilities),
                    database.age()
                ),
                None => "vulnerabilities not checked (--no-vuln-db)".to_owned(),
            },
            key.public_key().fingerprint()
        ));
    }
    // Signed either way: the statement records the findings. The exit says whether they pass,
    // as `scan` would say it for the same tree.
    let failing = fail_on.map_or(0, |threshold| {
        analysis
            .findings
            .iter()
            .filter(|finding| analysis.counted(finding.severity) >= threshold)
            .count()
    });
    if failing > 0 {
        if verbosity != Verbosity::Quiet {
            stderr_line(&format!(
                "{} at or above {} (recorded in the attestation; `airlock scan {}` lists them)",
                super::count(failing, "finding"),
                fail_on.map_or("none", scanner_core::risk::Severity::as_str),
                args.path.display()
            ));
        }
        return Ok(Outcome::PolicyFailure);
    }
    Ok(Outcome::Clean)
}

/// The subject of an attestation of an `oci://` image: the image itself, named
/// `HOST/REPO` with its manifest digest, as cosign and in-toto name container images (the
/// digest binds the config and every layer, which the scan checked as it read them).
fn image_subject(report: &ScanReport, path: &Path) -> Option<Subject> {
    let argument = path.to_string_lossy();
    if !advisories::oci::Reference::is_oci(&argument) {
        return None;
    }
    let display = super::registry::display(&argument);
    let root = report.graph.components().find(|component| {
        component.key.ecosystem == scanner_core::Ecosystem::Docker
            && matches!(&component.key.source, Source::File { path } if path == display)
    })?;
    let sha256 = root.key.version.as_deref()?.strip_prefix("sha256:")?;
    Some(Subject {
        name: root.key.name.original().to_owned(),
        sha256: sha256.to_owned(),
    })
}

/// The subjects of an attestation of a directory or file: every scanned file, named relative
/// to PATH, with its SHA-256; with every digest by scanned path, and how many files were
/// hashed here (not by the scan).
fn file_subjects(
    report: &ScanReport,
    path: &Path,
) -> anyhow::Result<(Vec<Subject>, BTreeMap<String, String>, usize)> {
    let base = Base::of(path);
    let files: BTreeSet<String> = report.files.iter().map(|file| file.path.clone()).collect();
    let mut names = BTreeMap::new();
    for scanned in &files {
        let name = base
            .name_of(scanned)
            .with_context(|| format!("{scanned}: scanned, but not inside {}", path.display()))?;
        names.insert(scanned.clone(), name);
    }
    let reused = scan_digests(report);
    let hashed = hash_files(files.iter().filter(|path| !reused.contains_key(*path)))?;
    let digests: BTreeMap<String, String> = reused
        .iter()
        .filter(|(path, _)| files.contains(*path))
        .map(|(path, digest)| (path.clone(), digest.clone()))
        .chain(
            hashed
                .iter()
                .map(|(path, digest)| (path.clone(), digest.clone())),
        )
        .collect();
    let mut subjects = Vec::with_capacity(names.len());
    for (path, name) in &names {
        let sha256 = digests
            .get(path)
            .with_context(|| format!("{path}: no digest"))?;
        subjects.push(Subject {
            name: name.clone(),
            sha256: sha256.clone(),
        });
    }
    Ok((subjects, digests, hashed.len()))
}

/// Runs the scan of one PATH with the options attest and verify share; `output` (the run's
/// `-o`) is not read as an input.
pub(super) fn scan(
    path: &Path,
    output: Option<&Path>,
    no_default_excludes: bool,
    image: &crate::cli::ImageArgs,
    verbosity: Verbosity,
) -> anyhow::Result<ScanReport> {
    let args = ReportArgs {
        paths: vec![path.to_path_buf()],
        format: Format::Table,
        spec_version: emit::CycloneDxVersion::default(),
        profile: None,
        output: output.map(Path::to_path_buf),
        cargo_metadata: false,
        no_default_excludes,
        include_environments: false,
        // Attestations cover the project, never the operator's home directory.
        include_user_config: false,
        // Each command decides what an empty PATH means (`super::refuse_empty`).
        allow_empty: true,
        image: image.clone(),
    };
    super::scan_paths(&args, verbosity)
}

/// Where subject names start: PATH itself, or the directory of PATH when it is a file.
#[derive(Debug, Clone)]
pub(super) struct Base {
    /// As the scan writes paths (`display_path`), `.` for the working directory.
    pub display: String,
}

impl Base {
    pub fn of(path: &Path) -> Base {
        let directory = if path.is_file() {
            path.parent()
                .filter(|parent| !parent.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
        } else {
            path
        };
        Base {
            display: display_path(directory),
        }
    }

    /// The subject name of a scanned path.
    pub fn name_of(&self, path: &str) -> Option<String> {
        strip_directory(&self.display, path)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
    }

    /// Whether a scan path is PATH's directory itself or lies below it.
    pub fn contains(&self, path: &str) -> bool {
        path == self.display || self.name_of(path).is_some()
    }

    /// The path (as the scan would write it, and as it opens on disk) of a subject name.
    pub fn path_of(&self, name: &str) -> String {
        if self.display == "." {
            name.to_owned()
        } else {
            format!("{}/{name}", self.display.trim_end_matches('/'))
        }
    }
}

/// Digests the scan already computed: a file component found by an extractor that asks the
/// driver for the whole file's digest (weights), at that file's own path, with one SHA-256.
/// Nothing else is trusted (an SBOM inside PATH may claim any hash for any file).
pub(super) fn scan_digests(report: &ScanReport) -> BTreeMap<String, String> {
    let mut digests = BTreeMap::new();
    for component in report.graph.components() {
        let Source::File { path } = &component.key.source else {
            continue;
        };
        if component.kind != ComponentKind::File {
            continue;
        }
        let hashed_by_driver = component.evidence.iter().any(|evidence| {
            evidence.location.path == *path
                && extractor_by_id(evidence.extractor).is_some_and(|found| found.digest)
        });
        let mut sha256 = component
            .hashes
            .iter()
            .filter(|hash| hash.algorithm() == HashAlgorithm::Sha256);
        if let (true, Some(hash), None) = (hashed_by_driver, sha256.next(), sha256.next()) {
            digests.insert(path.clone(), hash.value());
        }
    }
    digests
}

/// Streams files through SHA-256 in parallel (the scan's hasher, one 1 MiB buffer each); paths
/// are as the scan writes them, which open relative to the working directory.
pub(super) fn hash_files<'p>(
    paths: impl Iterator<Item = &'p String>,
) -> anyhow::Result<BTreeMap<String, String>> {
    let mut paths: Vec<(&String, u64)> = paths
        .map(|path| {
            let size = std::fs::metadata(path).map_or(0, |metadata| metadata.len());
            (path, size)
        })
        .collect();
    // The largest first, so that the workers finish together.
    paths.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    paths
        .into_par_iter()
        .with_max_len(1)
        .map(|(path, _)| {
            let digest = stream_sha256(Path::new(path), &mut |_| {})
                .with_context(|| format!("{path}: cannot hash"))?;
            Ok((path.clone(), digest.sha256))
        })
        .collect()
}

/// The model_signing v1.0 digest of each model directory inside the attested tree, by the
/// model component's reference. Files already hashed are not read again.
fn model_signing_digests(
    report: &ScanReport,
    base: &Base,
    known: &BTreeMap<String, String>,
    verbosity: Verbosity,
) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for component in report.graph.components() {
        let Source::Path { path: directory } = &component.key.source else {
            continue;
        };
        if component.kind != ComponentKind::MachineLearningModel || !base.contains(directory) {
            continue;
        }
        match model_digest(Path::new(directory), known) {
            Ok(digest) => {
                found.insert(component.key.reference(), digest);
            }
            Err(reason) => {
                if verbosity == Verbosity::Verbose {
                    stderr_line(&format!(
                        "note: {directory}: no model_signing digest: {reason}"
                    ));
                }
            }
        }
    }
    found
}

fn model_digest(directory: &Path, known: &BTreeMap<String, String>) -> anyhow::Result<String> {
    let files = model_signing::model_files(directory, &Serialization::default(), &[])?;
    if files.len() > MAX_MODEL_DIRECTORY_FILES {
        anyhow::bail!("more than {MAX_MODEL_DIRECTORY_FILES} files: not hashed as one model");
    }
    let mut by_path: BTreeMap<String, String> = BTreeMap::new();
    for (name, path) in &files {
        by_path.insert(display_path(path), name.clone());
    }
    let unknown: Vec<&String> = by_path
        .keys()
        .filter(|path| !known.contains_key(*path))
        .collect();
    let hashed = hash_files(unknown.into_iter())?;
    let resources: Vec<Resource> = by_path
        .iter()
        .filter_map(|(path, name)| {
            let sha256 = known.get(path).or_else(|| hashed.get(path))?;
            Some(Resource {
                name: name.clone(),
                sha256: sha256.clone(),
            })
        })
        .collect();
    Ok(model_signing::root_digest(&resources)?)
}

/// Adds the model_signing digest to each model component of the CycloneDX JSON (and to the
/// document's subject when a model is it).
fn record_model_digests(document: &mut Value, digests: &BTreeMap<String, String>) {
    if digests.is_empty() {
        return;
    }
    let patch = |component: &mut Value| {
        let Some(digest) = component
            .get("bom-ref")
            .and_then(Value::as_str)
            .and_then(|reference| digests.get(reference))
            .cloned()
        else {
            return;
        };
        let Some(object) = component.as_object_mut() else {
            return;
        };
        let properties = object
            .entry("properties")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(list) = properties.as_array_mut() {
            list.push(json!({ "name": MODEL_SIGNING_PROPERTY, "value": digest }));
            list.sort_by_key(|property| {
                (
                    property
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    property
                        .get("value")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                )
            });
        }
    };
    if let Some(components) = document.get_mut("components").and_then(Value::as_array_mut) {
        components.iter_mut().for_each(patch);
    }
    if let Some(subject) = document.pointer_mut("/metadata/component") {
        patch(subject);
    }
}

/// Opens the advisory database as `scan` does, or explains why it cannot be used: missing,
/// empty, or older than the limit (`--max-db-age`): nothing is signed then.
fn open_database(
    cli: &Cli,
    settings: &Settings,
    verbosity: Verbosity,
) -> anyhow::Result<Result<db::MatchingDatabase, String>> {
    let database = match db::open_for_matching(cli, settings, &[], verbosity)? {
        Ok(database) => database,
        Err(why) => return Ok(Err(why.explanation("pass --no-vuln-db"))),
    };
    if let Some(stale) = database.stale() {
        return Ok(Err(stale));
    }
    Ok(Ok(database))
}
