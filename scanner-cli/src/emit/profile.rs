//! `--profile`: checks what an SBOM says against a list of minimum elements before it is
//! written, and names every element missing for every component, with why it is missing. The
//! document is still written (it says what is known); the run exits 1 when the profile is not
//! met, so a pipeline cannot hand over a document that does not meet it without noticing.
//!
//! - `ntia`: the NTIA minimum elements (2021): supplier, name, version, unique identifier,
//!   dependency relationships, author of the SBOM data, timestamp.
//! - `cisa-2025`: CISA's 2025 minimum elements add a component hash, the license, the tool name
//!   and the generation context; unknowns must be stated as unknown (airlock states dependency
//!   completeness in `compositions` / SPDX 3 `completeness`).
//! - `bsi-tr-03183-2`: BSI TR-03183-2 v2.1 asks for CycloneDX 1.6+ or SPDX 3.0.1+, a creator
//!   of each component, its license, a SHA-512 hash of each file airlock hashed itself, and no
//!   vulnerabilities in the SBOM (those go to a VEX document: the BSI profile leaves them out).
//!
//! What never exists offline (most registry packages name no supplier in a lockfile) is never
//! invented: it is an *unknown*, and the document states it as such (the `airlock:unknown`
//! property in CycloneDX, `unknown=` in the SPDX package comment), which is how CISA 2025 asks
//! for unknowns to be given. A profile is met when every element is present or stated unknown;
//! an element airlock could give and does not (SHA-512 of a file it hashed itself, a format
//! version the profile does not accept) is *missing*, and then the profile is not met.

use clap::ValueEnum;

use scanner_core::{Component, ComponentKind, HashAlgorithm};

use super::common::{self, EmitContext};
use super::{CycloneDxVersion, Format};

/// The minimum-element lists `--profile` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// NTIA minimum elements (2021).
    Ntia,
    /// CISA 2025 minimum elements (NTIA plus hash, license, tool, generation context).
    #[value(name = "cisa-2025")]
    Cisa2025,
    /// BSI TR-03183-2 v2.1 (CycloneDX 1.6+ or SPDX 3.0.1+, creator, license, SHA-512).
    #[value(name = "bsi-tr-03183-2")]
    BsiTr03183,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Profile::Ntia => "ntia",
            Profile::Cisa2025 => "cisa-2025",
            Profile::BsiTr03183 => "bsi-tr-03183-2",
        }
    }

    /// Whether the scan hashes the files it hashes with SHA-512 too.
    pub fn wants_sha512(self) -> bool {
        self == Profile::BsiTr03183
    }

    /// Whether the SBOM leaves vulnerabilities out (they belong in a VEX document).
    pub fn keeps_vulnerabilities_out(self) -> bool {
        self == Profile::BsiTr03183
    }
}

/// Why an element is not in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapKind {
    /// No input airlock read holds the datum: the document states it as unknown.
    Unknown,
    /// airlock could give it and does not: the profile is not met.
    Missing,
}

/// One element a component (or the document) lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The component's reference, or `document`.
    pub subject: String,
    pub element: &'static str,
    pub why: String,
    pub kind: GapKind,
}

fn gap(subject: &str, element: &'static str, why: impl Into<String>) -> Gap {
    Gap {
        subject: subject.to_owned(),
        element,
        why: why.into(),
        kind: GapKind::Missing,
    }
}

fn unknown(subject: &str, element: &'static str, why: impl Into<String>) -> Gap {
    Gap {
        kind: GapKind::Unknown,
        ..gap(subject, element, why)
    }
}

/// The elements `profile` asks for that no input holds for `component`: what the SBOM writers
/// state as unknown.
pub fn unknowns(profile: Profile, component: &Component) -> Vec<&'static str> {
    let mut gaps = Vec::new();
    check_component(profile, component, &mut gaps);
    gaps.into_iter()
        .filter(|gap| gap.kind == GapKind::Unknown)
        .map(|gap| gap.element)
        .collect()
}

/// Every gap of the document `format` would write under `profile`.
pub fn check(
    profile: Profile,
    format: Format,
    version: CycloneDxVersion,
    context: &EmitContext<'_>,
) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let sbom_format = match format {
        Format::CyclonedxJson | Format::CyclonedxXml => Some(version != CycloneDxVersion::V1_5),
        Format::Spdx3Json => Some(true),
        Format::SpdxJson | Format::SpdxTagValue => Some(false),
        Format::Table
        | Format::Json
        | Format::Sarif
        | Format::Html
        | Format::Openvex
        | Format::CyclonedxVex => None,
    };
    match sbom_format {
        None => gaps.push(gap(
            "document",
            "format",
            "the profiles judge SBOM documents: use cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value or spdx3-json",
        )),
        Some(false) if profile == Profile::BsiTr03183 => gaps.push(gap(
            "document",
            "format",
            "BSI TR-03183-2 v2.1 accepts CycloneDX 1.6 or later or SPDX 3.0.1 or later",
        )),
        Some(_) => {}
    }
    let graph = context.graph();
    let mut components: Vec<&Component> = graph.components().collect();
    let subject = common::subject(context).ok();
    if let Some(subject) = subject.as_ref().filter(|subject| subject.synthetic) {
        components.push(&subject.component);
    }
    for component in components {
        check_component(profile, component, &mut gaps);
    }
    gaps
}

fn check_component(profile: Profile, component: &Component, gaps: &mut Vec<Gap>) {
    let key = &component.key;
    let subject = key.reference();
    if common::supplier(key).is_none() {
        gaps.push(unknown(
            &subject,
            "supplier",
            "no input airlock read offline names who supplies it",
        ));
    }
    if key.version.as_deref().is_none_or(str::is_empty) {
        gaps.push(unknown(
            &subject,
            "version",
            match &component.facts.requirement {
                Some(requirement) => format!("only the requirement `{requirement}` is known"),
                None => "no input names a version".to_owned(),
            },
        ));
    }
    if profile == Profile::Ntia {
        return;
    }
    if component.hashes.is_empty() {
        gaps.push(unknown(&subject, "hash", "no input records a digest of it"));
    }
    if component.licenses.is_empty() {
        gaps.push(unknown(
            &subject,
            "license",
            "no manifest or card read declares one",
        ));
    }
    if profile == Profile::Cisa2025 {
        return;
    }
    if common::authors(component).is_empty() && common::supplier(key).is_none() {
        gaps.push(unknown(&subject, "creator", "no input names who made it"));
    }
    // Files airlock hashed itself (model weights, configs) need SHA-512 under BSI; the scan
    // computes it under this profile, so a file without one was hashed by an input (a lock's
    // SHA-256), and airlock cannot compute what it never read.
    if component.kind == ComponentKind::File
        && !component.hashes.is_empty()
        && !component
            .hashes
            .iter()
            .any(|hash| hash.algorithm() == HashAlgorithm::Sha512)
    {
        gaps.push(gap(
            &subject,
            "sha-512",
            "only its SHA-256 is known: airlock computes SHA-512 for the files it reads under this profile, and did not read this one",
        ));
    }
}
