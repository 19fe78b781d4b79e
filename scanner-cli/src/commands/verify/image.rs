//! `airlock verify oci://IMAGE --key PUB`: the intake gate for an image in a registry, judged by
//! the attestation attached to it ([`advisories::oci::attach`]).
//!
//! The image is resolved as `scan oci://` resolves it (`--platform`), then:
//!
//! 1. `signature`: every attestation attached to the image (referrers API, else the
//!    tag-schema fallback; to its manifest and to the index it was chosen from) is fetched by
//!    digest and verified under the operator's key. One that verifies and covers the image is
//!    enough; the others are listed with why they were not accepted (another key, another
//!    image's subject, not an envelope). None attached, or none by this key: failed.
//! 2. `subjects`: the accepted statement's subjects name this image's manifest (or index)
//!    digest, or every one of its layers, as the registry holds it now; nothing else.
//! 3. `findings`: the image is scanned again, pinned to the manifest digest just checked (a
//!    tag moved in between cannot swap the image), with the operator's policy and database.
//! 4. `recorded`: the findings the signed SBOM recorded, graded by the operator's policy.
//! 5. `sbom`: every CycloneDX SBOM attached to the image must be the one the attestation signs
//!    (an attached SBOM carries no signature of its own; one that differs would mislead
//!    whoever reads it, so it fails the check).
//!
//! A registry that cannot be read faithfully (unreachable, a manifest or blob whose bytes are
//! not its digest) is an error, exit 2: nothing is judged from it.

use std::path::Path;

use serde::Serialize;

use advisories::oci::attach::{self, FoundAttestation, ImageDigests, Rejection};
use advisories::oci::{Reference, Registry};
use advisories::signing::PublicKey;

use super::{
    key_path, not_checked_files, FileCounts, FilesCheck, FindingsCheck, RecordedCheck, Report,
    SignatureCheck, Status,
};
use crate::cli::{Cli, VerifyArgs};
use crate::commands::{attest, Verbosity};
use crate::settings::Settings;

/// The image as the registry holds it now.
#[derive(Debug, Clone, Serialize)]
pub(super) struct ImageFacts {
    /// The reference as given.
    reference: String,
    /// The image manifest's digest.
    manifest: String,
    /// The index it was chosen from, and for which platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    config: String,
    layers: Vec<String>,
}

/// One attestation attached to the image, and what became of it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct AttachmentEntry {
    /// The attestation manifest's digest.
    manifest: String,
    /// The digest it is attached to (the image manifest or its index).
    attached_to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    /// `accepted` (the one judged), `valid` (also verifies and covers the image), or
    /// `rejected`.
    status: &'static str,
    /// For rejected ones: `layout`, `signature`, `statement` or `subjects`.
    #[serde(skip_serializing_if = "Option::is_none")]
    rejected_for: Option<&'static str>,
    detail: String,
}

/// The SBOMs attached to the image, against the one the attestation signs.
#[derive(Debug, Clone, Serialize)]
pub(super) struct SbomCheck {
    pub(super) status: Status,
    pub(super) detail: String,
    attachments: Vec<SbomEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct SbomEntry {
    manifest: String,
    attached_to: String,
    /// `signed` (equal to the attestation's predicate), `differs` or `unreadable`.
    status: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    detail: String,
}

pub(super) fn verify_image(
    cli: &Cli,
    settings: &Settings,
    args: &VerifyArgs,
    verbosity: Verbosity,
) -> anyhow::Result<Option<Report>> {
    let argument = args.path.to_string_lossy().into_owned();
    let policy = settings.operator_scan_policy();
    let (fail_on, fail_on_from) =
        crate::commands::fail_on(args.fail_on.as_deref(), &policy.policy)?;
    let unknown_counts_as = policy.policy.unknown_counts_as();
    let key = PublicKey::load(key_path(args)?)?;
    let tools_lock = crate::commands::tools::OperatorLock::load(&args.tools)?;

    let reference = Reference::parse(&argument)?;
    let registry = Registry::connect(
        &reference,
        &crate::commands::registry::options(&args.image.registry),
    )?;
    let platform = crate::commands::registry::platform(&args.image)?;
    let resolved = registry
        .resolve_image(&platform)
        .map_err(|error| anyhow::anyhow!("cannot pull {reference}: {error}"))?;
    let digests = ImageDigests::of(&resolved);
    let found = attach::find_attestations(&registry, &digests, &key).map_err(|error| {
        anyhow::anyhow!("cannot read the attestations attached to {reference}: {error}")
    })?;

    let not_trusted =
        "no attestation attached to the image verifies under the key, so nothing is trusted";
    let mut report = Report {
        findings: Some(FindingsCheck::not_checked(
            not_trusted,
            fail_on,
            unknown_counts_as,
        )),
        recorded: Some(RecordedCheck::not_checked(not_trusted)),
        sbom: Some(SbomCheck {
            status: Status::NotChecked,
            detail: not_trusted.to_owned(),
            attachments: Vec::new(),
        }),
        policy: Some(crate::commands::policy_facts(
            &policy,
            fail_on,
            fail_on_from,
        )),
        image: Some(ImageFacts {
            reference: argument.clone(),
            manifest: digests.manifest.clone(),
            index: digests.index.clone(),
            platform: resolved
                .index
                .as_ref()
                .map(|(_, platform)| platform.to_string()),
            config: digests.config.clone(),
            layers: digests.layers.clone(),
        }),
        ..Report::unverified(
            "image-attestation",
            Path::new("(attached to the image)"),
            &args.path,
            key.fingerprint(),
            not_checked_files(not_trusted, None),
        )
    };
    let accepted_index = found.iter().position(|found| found.outcome.is_ok());
    report.attachments = Some(
        found
            .iter()
            .enumerate()
            .map(|(position, found)| entry(found, Some(position) == accepted_index))
            .collect(),
    );
    let Some(accepted_found) = accepted_index.and_then(|position| found.get(position)) else {
        judge_without_acceptance(&mut report, &found, &key);
        return Ok(Some(report.finish()));
    };
    let Ok(accepted) = &accepted_found.outcome else {
        return Ok(Some(report.finish()));
    };
    report.signed_file = format!(
        "{}/{}@{}",
        reference.registry, reference.repository, accepted_found.manifest
    );
    report.signature = SignatureCheck {
        status: Status::Ok,
        key: Some(accepted.key.clone()),
        detail: format!(
            "the attestation {} attached to the image is signed by {} (Ed25519, DSSE over an in-toto Statement v1){}",
            accepted_found.manifest,
            accepted.key,
            others(&found, accepted_index)
        ),
    };
    report.files = FilesCheck {
        status: Status::Ok,
        detail: format!(
            "{}: {} (the image as the registry holds it now: manifest {}, {})",
            crate::commands::count(accepted.statement.subjects.len(), "subject"),
            accepted.subjects,
            digests.manifest,
            crate::commands::count(digests.layers.len(), "layer")
        ),
        extra_files: None,
        counts: FileCounts {
            ok: accepted.statement.subjects.len(),
            ..FileCounts::default()
        },
        problems: Vec::new(),
    };
    report.sbom = Some(check_sboms(
        &registry,
        &digests,
        &accepted.statement.predicate,
    )?);

    // The database, opened and aged as `scan` opens it.
    let (database, unavailable) =
        super::open_database(&mut report, cli, settings, args, verbosity)?;

    // Scanned pinned to the manifest just checked: a tag moved since cannot swap the image.
    let mut pinned = reference.clone();
    pinned.digest = Some(digests.manifest.clone());
    let pinned_path = std::path::PathBuf::from(pinned.to_string());
    let scan = attest::scan(
        &pinned_path,
        args.output.as_deref(),
        args.no_default_excludes,
        &args.image,
        verbosity,
    )?;
    if crate::commands::refuse_empty(&scan, std::slice::from_ref(&pinned_path), args.allow_empty) {
        return Ok(None);
    }
    super::judge_again(
        &mut report,
        scan,
        &accepted.statement,
        &super::Gate {
            policy: &policy,
            database: database.as_ref(),
            unavailable: unavailable.as_ref(),
            fail_on,
            settings,
            verbosity,
            tools_lock: tools_lock.as_ref(),
        },
        "some of the image could not be read (see above): the rules did not see all of it",
    );
    Ok(Some(report.finish()))
}

/// The report's line for one attachment.
fn entry(found: &FoundAttestation, accepted: bool) -> AttachmentEntry {
    let (status, rejected_for, detail) = match &found.outcome {
        Ok(verified) if accepted => (
            "accepted",
            None,
            format!("signed by {}; {}", verified.key, verified.subjects),
        ),
        Ok(verified) => (
            "valid",
            None,
            format!(
                "also signed by {} and {}; a newer one was judged",
                verified.key, verified.subjects
            ),
        ),
        Err((rejection, reason)) => ("rejected", Some(rejection.as_str()), reason.clone()),
    };
    AttachmentEntry {
        manifest: found.manifest.clone(),
        attached_to: found.attached_to.clone(),
        created: found.created.clone(),
        status,
        rejected_for,
        detail,
    }
}

/// `; 2 other attestations attached were not accepted (see attachments)`.
fn others(found: &[FoundAttestation], accepted: Option<usize>) -> String {
    let rejected = found
        .iter()
        .enumerate()
        .filter(|(position, found)| Some(*position) != accepted && found.outcome.is_err())
        .count();
    if rejected == 0 {
        String::new()
    } else {
        format!(
            "; {} attached {} not accepted (listed under attachments)",
            crate::commands::count(rejected, "other attestation"),
            if rejected == 1 { "was" } else { "were" }
        )
    }
}

/// No attestation was accepted: the signature check fails, saying why (none attached, or each
/// one's reason). When one verified under the key but its subjects are not this image, the
/// signature holds and `subjects` fails instead.
fn judge_without_acceptance(report: &mut Report, found: &[FoundAttestation], key: &PublicKey) {
    let fingerprint = key.fingerprint();
    if found.is_empty() {
        report.signature.detail = format!(
            "no attestation is attached to the image (referrers of {}): nothing signed by {fingerprint} vouches for it",
            report
                .image
                .as_ref()
                .map_or("the image", |image| image.manifest.as_str())
        );
        return;
    }
    let signed_elsewhere = found.iter().find_map(|found| match &found.outcome {
        Err((Rejection::Subjects, reason)) => Some((found, reason)),
        _ => None,
    });
    if let Some((found, reason)) = signed_elsewhere {
        report.signature.status = Status::Ok;
        report.signature.detail = format!(
            "the attestation {} attached to the image is signed by {fingerprint}, but it is not about this image (see subjects)",
            found.manifest
        );
        report.files = FilesCheck {
            status: Status::Failed,
            detail: reason.clone(),
            extra_files: None,
            counts: FileCounts::default(),
            problems: Vec::new(),
        };
        for check in [
            report.findings.as_mut().map(|check| &mut check.detail),
            report.recorded.as_mut().map(|check| &mut check.detail),
            report.sbom.as_mut().map(|check| &mut check.detail),
        ]
        .into_iter()
        .flatten()
        {
            *check = "the attestation is not about this image, so it is not used".to_owned();
        }
        return;
    }
    let reasons: Vec<String> = found
        .iter()
        .filter_map(|found| {
            found
                .outcome
                .as_ref()
                .err()
                .map(|(_, reason)| format!("{}: {reason}", found.manifest))
        })
        .collect();
    report.signature.detail = format!(
        "none of the {} attached to the image is accepted under {fingerprint}: {}",
        crate::commands::count(found.len(), "attestation"),
        reasons.join("; ")
    );
}

/// Every CycloneDX SBOM attached to the image, against the signed predicate.
fn check_sboms(
    registry: &Registry,
    digests: &ImageDigests,
    predicate: &serde_json::Value,
) -> anyhow::Result<SbomCheck> {
    let found = attach::find_sboms(registry, digests)
        .map_err(|error| anyhow::anyhow!("cannot read the SBOMs attached to the image: {error}"))?;
    let attachments: Vec<SbomEntry> = found
        .into_iter()
        .map(|sbom| {
            let (status, detail) = match &sbom.document {
                Ok(document) if document == predicate => ("signed", String::new()),
                Ok(_) => (
                    "differs",
                    "not the SBOM the attestation signs (an attached SBOM carries no signature of its own)"
                        .to_owned(),
                ),
                Err(reason) => ("unreadable", reason.clone()),
            };
            SbomEntry {
                manifest: sbom.manifest,
                attached_to: sbom.attached_to,
                status,
                detail,
            }
        })
        .collect();
    let bad = attachments
        .iter()
        .filter(|entry| entry.status != "signed")
        .count();
    let (status, detail) = if attachments.is_empty() {
        (
            Status::Ok,
            "no SBOM attached; the signed statement's predicate is the image's SBOM".to_owned(),
        )
    } else if bad == 0 {
        (
            Status::Ok,
            format!(
                "{} attached, each the one the attestation signs",
                crate::commands::count(attachments.len(), "SBOM")
            ),
        )
    } else {
        (
            Status::Failed,
            format!(
                "{} of the {} attached to the image {} not the one the attestation signs: whoever reads {} would be misled",
                bad,
                crate::commands::count(attachments.len(), "SBOM"),
                if bad == 1 { "is" } else { "are" },
                if bad == 1 { "it" } else { "them" }
            ),
        )
    };
    Ok(SbomCheck {
        status,
        detail,
        attachments,
    })
}

/// The attachments under the checks table: each attestation and SBOM attached to the image,
/// with what became of it (nothing for other kinds of report).
pub(super) fn table(report: &Report) -> String {
    let mut text = String::new();
    if let Some(attachments) = report.attachments.as_ref().filter(|list| !list.is_empty()) {
        let rows: Vec<Vec<String>> = attachments
            .iter()
            .map(|entry| {
                vec![
                    match entry.rejected_for {
                        Some(reason) => format!("rejected ({reason})"),
                        None => entry.status.to_owned(),
                    },
                    entry.manifest.clone(),
                    entry.detail.clone(),
                ]
            })
            .collect();
        text.push('\n');
        text.push_str(&crate::emit::table::render(
            &["ATTESTATION", "MANIFEST", "DETAIL"],
            &rows,
        ));
    }
    if let Some(sbom) = report
        .sbom
        .as_ref()
        .filter(|check| !check.attachments.is_empty())
    {
        let rows: Vec<Vec<String>> = sbom
            .attachments
            .iter()
            .map(|entry| {
                vec![
                    entry.status.to_owned(),
                    entry.manifest.clone(),
                    entry.detail.clone(),
                ]
            })
            .collect();
        text.push('\n');
        text.push_str(&crate::emit::table::render(
            &["SBOM", "MANIFEST", "DETAIL"],
            &rows,
        ));
    }
    text
}
