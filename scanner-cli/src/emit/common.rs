//! What every standard document (CycloneDX, SPDX, SARIF) derives the same way: the timestamp
//! (the run clock's document time: `SOURCE_DATE_EPOCH` when set), content-derived UUIDs, one stable reference per
//! component key, the scanned project as the document's subject, and license classification
//! against the SPDX license list.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use scanner_core::facts::{properties, Author};
use scanner_core::risk::Analysis;
use scanner_core::scan::ScanReport;
use scanner_core::{
    Component, ComponentKey, ComponentKind, DependencyGraph, Ecosystem, GitReference, PackageName,
    Source,
};

/// What a report says about the policy that judged it (`scan`, `attest`): which operator files
/// were read, which project policy files were found and how they were applied, and the
/// `fail-on` threshold. JSON and HTML carry it as the `policy` object; CycloneDX, SPDX and SARIF
/// as the name/value pairs of [`PolicyFacts::properties`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyFacts {
    /// The operator's configuration files, first to last (docs/configuration.md).
    pub operator_files: Vec<String>,
    /// Policy files found inside the scanned directories.
    pub project_files: Vec<ProjectPolicyFacts>,
    /// `--trust-project-policy` was given: project policy applied fully.
    pub trust_project_policy: bool,
    /// The severity at or above which the run fails; `none` for `--fail-on none`.
    pub fail_on: &'static str,
    /// Where that threshold came from: `--fail-on`, a policy file, or `default`.
    pub fail_on_from: String,
}

/// One project policy file of [`PolicyFacts`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProjectPolicyFacts {
    pub path: String,
    /// `tighten-only`, or `trusted` under `--trust-project-policy`.
    pub applied: &'static str,
    /// Entries that would have loosened the operator's policy and were not applied (each one
    /// a `project-policy-loosening` finding).
    pub refused_entries: usize,
}

impl PolicyFacts {
    /// Name/value pairs for the formats that carry run metadata, sorted.
    pub fn properties(&self) -> Vec<(String, String)> {
        let mut list: Vec<(String, String)> = self
            .operator_files
            .iter()
            .map(|file| (properties::POLICY_OPERATOR_FILE.to_owned(), file.clone()))
            .collect();
        list.extend(self.project_files.iter().map(|file| {
            (
                properties::POLICY_PROJECT_FILE.to_owned(),
                format!(
                    "{} ({}, {} refused)",
                    file.path, file.applied, file.refused_entries
                ),
            )
        }));
        list.push((
            properties::POLICY_TRUST_PROJECT_POLICY.to_owned(),
            self.trust_project_policy.to_string(),
        ));
        list.push((
            properties::POLICY_FAIL_ON.to_owned(),
            format!("{} ({})", self.fail_on, self.fail_on_from),
        ));
        list.sort();
        list
    }

    /// The properties as `name=value` lines: the comment of an SPDX document's creation
    /// information, which has no name/value pairs of its own.
    pub fn comment(&self) -> String {
        self.properties()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// One sentence for people: the table's note and the HTML banner say the same.
    pub fn sentence(&self) -> String {
        let operator = if self.operator_files.is_empty() {
            "no operator policy file (defaults)".to_owned()
        } else {
            format!("operator policy {}", self.operator_files.join(", "))
        };
        let mut text = if self.fail_on == "none" {
            format!(
                "Policy: {operator}; never fails on findings ({} none)",
                self.fail_on_from
            )
        } else {
            format!(
                "Policy: {operator}; fails at {} ({})",
                self.fail_on, self.fail_on_from
            )
        };
        for file in &self.project_files {
            if file.applied == "trusted" {
                text.push_str(&format!(
                    "; project policy {} TRUSTED (--trust-project-policy): applied in full",
                    file.path
                ));
            } else {
                text.push_str(&format!(
                    "; project policy {} applied only where it tightens ({} loosening {} refused)",
                    file.path,
                    file.refused_entries,
                    if file.refused_entries == 1 {
                        "entry"
                    } else {
                        "entries"
                    }
                ));
            }
        }
        if self.trust_project_policy && self.project_files.is_empty() {
            text.push_str("; --trust-project-policy given, no project policy found");
        }
        text.push('.');
        text
    }
}

/// Everything a document writer needs.
#[derive(Debug)]
pub struct EmitContext<'a> {
    pub report: &'a ScanReport,
    /// Findings, for `scan`; `None` for `sbom`, whose documents never carry findings.
    pub analysis: Option<&'a Analysis>,
    /// The policy that judged the findings (`scan`, `attest`).
    pub policy: Option<&'a PolicyFacts>,
    /// The scanned paths as given on the command line (for the project's name).
    pub project_name: String,
    /// Seconds since the Unix epoch.
    pub timestamp: i64,
    /// Findings the policy or a `--vex` statement took out (`scan`).
    pub ignored: &'a [scanner_core::policy::IgnoredFinding],
    /// `--profile`: the SBOM formats state the elements it asks for that no input holds as
    /// unknown ([`super::profile::unknowns`]).
    pub profile: Option<super::profile::Profile>,
}

impl<'a> EmitContext<'a> {
    /// A context for `paths`, dated `timestamp` (the run clock's document time).
    pub fn new(
        report: &'a ScanReport,
        analysis: Option<&'a Analysis>,
        policy: Option<&'a PolicyFacts>,
        paths: &[std::path::PathBuf],
        timestamp: i64,
        ignored: &'a [scanner_core::policy::IgnoredFinding],
    ) -> EmitContext<'a> {
        EmitContext {
            report,
            analysis,
            policy,
            project_name: project_name(paths),
            timestamp,
            ignored,
            profile: None,
        }
    }

    /// The same context, stating the unknowns of `profile` in the SBOM formats.
    pub fn with_profile(self, profile: Option<super::profile::Profile>) -> EmitContext<'a> {
        EmitContext { profile, ..self }
    }

    /// The elements of the chosen profile that no input holds for `component`, for the
    /// document to state as unknown; empty without `--profile`.
    pub fn unknowns(&self, component: &Component) -> Vec<&'static str> {
        self.profile
            .map(|profile| super::profile::unknowns(profile, component))
            .unwrap_or_default()
    }

    pub fn graph(&self) -> &'a DependencyGraph {
        &self.report.graph
    }
}

/// `YYYY-MM-DDThh:mm:ssZ`, the form both SBOM formats and their validators accept.
pub fn rfc3339(seconds: i64) -> anyhow::Result<String> {
    let time = chrono::DateTime::<chrono::Utc>::from_timestamp(seconds, 0)
        .with_context(|| format!("timestamp {seconds} is out of range"))?;
    Ok(time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// The name of the scanned project: the last component of the first scanned path (resolved,
/// so `.` names the current directory), or `scan` when there is none.
pub fn project_name(paths: &[std::path::PathBuf]) -> String {
    paths
        .first()
        .map(|path| {
            let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
            let name = if resolved.is_file() {
                resolved.file_stem().map(Path::new)
            } else {
                resolved.file_name().map(Path::new)
            };
            name.map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "scan".to_owned())
}

/// A UUID formatted from the first 16 bytes of a SHA-256 (version 5 and RFC 4122 variant bits
/// set as a name-based UUID would have them): the same content always gives the same UUID.
pub fn uuid_from_content(content: &[u8]) -> String {
    uuid_from_digest(&Sha256::digest(content))
}

/// [`uuid_from_content`] from the SHA-256 of the content, for content hashed in pieces.
pub fn uuid_from_digest(digest: &[u8]) -> String {
    let mut bytes = [0_u8; 16];
    for (slot, byte) in bytes.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

/// The first `length` hex characters of the SHA-256 of `text`.
pub fn short_hash(text: &str, length: usize) -> String {
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    digest.get(..length).unwrap_or(&digest).to_owned()
}

/// The document's subject and the components under it.
#[derive(Debug)]
pub struct Subject {
    /// The component the document describes: the single root, or a synthetic application.
    pub component: Component,
    /// True when `component` was made up for this document (several roots, or none).
    pub synthetic: bool,
    /// The synthetic component's direct dependencies: every root.
    pub dependencies: Vec<ComponentKey>,
}

/// The scanned project: the graph's only root, or an application named after the scanned
/// directory that depends on every root.
pub fn subject(context: &EmitContext<'_>) -> anyhow::Result<Subject> {
    let graph = context.graph();
    let roots: Vec<&ComponentKey> = graph.roots().collect();
    if let [only] = roots.as_slice() {
        if let Some(component) = graph.get(only) {
            return Ok(Subject {
                component: component.clone(),
                synthetic: false,
                dependencies: Vec::new(),
            });
        }
    }
    let name = PackageName::new(Ecosystem::GenericFile, &context.project_name)
        .or_else(|_| PackageName::new(Ecosystem::GenericFile, "scan"))
        .context("cannot name the scanned project")?;
    let key = ComponentKey::new(
        Ecosystem::GenericFile,
        name,
        None,
        Source::Path {
            path: ".".to_owned(),
        },
    );
    Ok(Subject {
        component: Component::new(key, ComponentKind::Application),
        synthetic: true,
        dependencies: roots.into_iter().cloned().collect(),
    })
}

impl Subject {
    /// The references of a document over `graph`: every component's and the subject's.
    pub fn references<'k>(&'k self, graph: &'k DependencyGraph) -> References<'k> {
        References::of_graph(graph, &self.component.key)
    }
}

/// `text` with each character an SPDX id or document name cannot hold (anything but ASCII
/// letters, digits, `.` and `-`) replaced by `-`.
pub fn spdx_safe(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().map(|character| {
        if character.is_ascii_alphanumeric() || character == '.' || character == '-' {
            character
        } else {
            '-'
        }
    })
}

/// One reference per component key, unique within the document: `ComponentKey::reference`,
/// with `#2`, `#3`... appended in key order when two keys share a reference.
#[derive(Debug, Default)]
pub struct References<'k> {
    /// Every key, sorted and once.
    keys: Vec<&'k ComponentKey>,
    /// Each key's reference and the length of the purl it starts with, in the order of `keys`.
    entries: Vec<(String, usize)>,
    /// For the references of a graph: where the component at each graph position is in `keys`.
    positions: Vec<usize>,
}

impl<'k> References<'k> {
    pub fn new(keys: impl IntoIterator<Item = &'k ComponentKey>) -> References<'k> {
        let mut keys: Vec<&ComponentKey> = keys.into_iter().collect();
        keys.sort();
        keys.dedup();
        // The purls are formatted on the pool (one per component, each a few allocations); the
        // numbering of shared references below needs the key order.
        let (bases, purls): (Vec<String>, Vec<usize>) = keys
            .par_iter()
            .with_min_len(256)
            .map(|key| key.reference_and_purl())
            .unzip();
        // Almost always every reference is its key's own: then none is numbered.
        let mut sorted: Vec<&str> = bases.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        if sorted.windows(2).all(|pair| pair.first() != pair.last()) {
            let entries = bases.into_iter().zip(purls).collect();
            return References {
                keys,
                entries,
                positions: Vec::new(),
            };
        }
        let mut taken = BTreeSet::new();
        let mut entries = Vec::with_capacity(keys.len());
        for (base, purl) in bases.into_iter().zip(purls) {
            let mut candidate = base.clone();
            let mut counter = 2;
            while !taken.insert(candidate.clone()) {
                candidate = format!("{base}#{counter}");
                counter += 1;
            }
            entries.push((candidate, purl));
        }
        References {
            keys,
            entries,
            positions: Vec::new(),
        }
    }

    /// The references of a document over `graph` and `extra` (a subject that may not be one of
    /// its components), which also answer by graph position ([`References::at`]).
    pub fn of_graph(graph: &'k DependencyGraph, extra: &'k ComponentKey) -> References<'k> {
        let mut references = References::new(
            graph
                .components()
                .map(|component| &component.key)
                .chain(std::iter::once(extra)),
        );
        // Both lists are in key order: one walk pairs them.
        let mut next = 0;
        for component in graph.components() {
            while references
                .keys
                .get(next)
                .is_some_and(|key| *key != &component.key)
            {
                next += 1;
            }
            references.positions.push(next);
        }
        references
    }

    /// Where `key` is in `keys`, by position in the graph when `key` is the graph's own key
    /// there (compared by address: a borrowed key of the graph), else by search.
    fn entry(&self, position: Option<usize>, key: &ComponentKey) -> Option<&(String, usize)> {
        let by_position = position
            .and_then(|position| self.positions.get(position))
            .filter(|&&index| {
                self.keys
                    .get(index)
                    .is_some_and(|found| std::ptr::eq(*found, key))
            });
        let index = match by_position {
            Some(&index) => index,
            None => self.keys.binary_search(&key).ok()?,
        };
        self.entries.get(index)
    }

    /// The reference of a key known to the document (the key's own reference otherwise).
    pub fn get(&self, key: &ComponentKey) -> String {
        self.at(None, key).into_owned()
    }

    /// The reference of `key`, the graph's component at `position`: found without comparing
    /// keys when [`References::of_graph`] made these references (emitters ask once per
    /// component and edge).
    pub fn at(&self, position: Option<usize>, key: &ComponentKey) -> Cow<'_, str> {
        self.entry(position, key).map_or_else(
            || Cow::Owned(key.reference()),
            |(reference, _)| Cow::Borrowed(reference.as_str()),
        )
    }

    /// The purl derived from a key known to the document (formatted once, with its
    /// reference); `position` as for [`References::at`].
    pub fn purl_at(&self, position: Option<usize>, key: &ComponentKey) -> String {
        self.entry(position, key)
            .and_then(|(reference, length)| reference.get(..*length))
            .map_or_else(|| key.purl().to_string(), str::to_owned)
    }
}

/// How a license string found in a file can be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenseForm {
    /// One SPDX license id from the list (`MIT`).
    Identifier(String),
    /// A valid compound SPDX expression (`MIT OR Apache-2.0`), possibly normalized from the
    /// old Cargo `/` separator.
    Expression(String),
    /// Anything else, kept as written.
    Named(String),
}

/// Checks a license string with the `spdx` crate (strict SPDX syntax; `MIT/Apache-2.0`, which
/// Cargo once allowed, is read as `MIT OR Apache-2.0`).
pub fn classify_license(text: &str) -> LicenseForm {
    let trimmed = text.trim();
    if spdx::license_id(trimmed).is_some() {
        return LicenseForm::Identifier(trimmed.to_owned());
    }
    if spdx::Expression::parse(trimmed).is_ok() {
        return LicenseForm::Expression(trimmed.to_owned());
    }
    if trimmed.contains('/') {
        let slashes = trimmed
            .split('/')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" OR ");
        if spdx::Expression::parse(&slashes).is_ok() {
            return LicenseForm::Expression(slashes);
        }
    }
    LicenseForm::Named(trimmed.to_owned())
}

/// A well-known place to download a component's artifact from, when one follows from its key.
pub fn download_location(key: &ComponentKey) -> Option<String> {
    match &key.source {
        Source::Registry { index: None } => match (key.ecosystem, &key.version) {
            (Ecosystem::CratesIo, Some(version)) => Some(format!(
                "https://crates.io/api/v1/crates/{}/{version}/download",
                key.name.original()
            )),
            (Ecosystem::HuggingFaceModel, _) => {
                Some(format!("https://huggingface.co/{}", key.name.original()))
            }
            (Ecosystem::HuggingFaceDataset, _) => Some(format!(
                "https://huggingface.co/datasets/{}",
                key.name.original()
            )),
            _ => None,
        },
        Source::Registry { index: Some(_) } | Source::Path { .. } | Source::File { .. } => None,
        Source::Git { url, commit, .. } => Some(match commit {
            Some(commit) => format!("git+{url}@{commit}"),
            None => format!("git+{url}"),
        }),
        Source::Url { url } => Some(url.clone()),
    }
}

/// Who supplies a component, when its name says so (Hugging Face `owner/name`).
pub fn supplier(key: &ComponentKey) -> Option<String> {
    match key.ecosystem {
        Ecosystem::HuggingFaceModel | Ecosystem::HuggingFaceDataset => key
            .name
            .original()
            .split_once('/')
            .map(|(owner, _)| owner.to_owned())
            .filter(|owner| !owner.is_empty()),
        Ecosystem::PyPI
        | Ecosystem::CratesIo
        | Ecosystem::GenericFile
        | Ecosystem::Npm
        | Ecosystem::Docker => None,
    }
}

/// The people or organizations a component's own data names as its makers: a model card's
/// `quantized_by` (who made these weights) and `model_creator` (who made the model they come
/// from), a local project's manifest `authors` and `maintainers` ([`Facts::authors`]). Nothing
/// is inferred from names or registries, and an author is never taken for the supplier.
///
/// [`Facts::authors`]: scanner_core::facts::Facts::authors
pub fn authors(component: &Component) -> Vec<Author> {
    let mut authors: Vec<Author> = Vec::new();
    if let Some(card) = &component.facts.model_card {
        for name in [&card.quantized_by, &card.model_creator]
            .into_iter()
            .flatten()
        {
            let name = name.trim();
            if !name.is_empty() && !authors.iter().any(|known| known.label() == name) {
                authors.push(Author {
                    name: Some(name.to_owned()),
                    email: None,
                });
            }
        }
    }
    for author in &component.facts.authors {
        if !authors.contains(author) {
            authors.push(author.clone());
        }
    }
    authors
}

/// What is known about whether a component's dependency list is all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Completeness {
    /// The input lists every dependency of every package (uv.lock, poetry.lock, pdm.lock,
    /// Cargo.lock): the list written is the whole list.
    Complete,
    /// Some input of the scan could not be read, so lists may miss entries.
    Incomplete,
    /// The input does not say (manifests, requirements files, model folders, MCP configs, other
    /// tools' SBOMs): the list written is what was seen, not known to be all.
    Unknown,
}

impl Completeness {
    /// The CycloneDX `compositions[].aggregate` word.
    pub fn cyclonedx(self) -> &'static str {
        match self {
            Completeness::Complete => "complete",
            Completeness::Incomplete => "incomplete",
            Completeness::Unknown => "unknown",
        }
    }

    /// The SPDX 3 `Relationship.completeness` word.
    pub fn spdx3(self) -> &'static str {
        match self {
            Completeness::Complete => "complete",
            Completeness::Incomplete => "incomplete",
            Completeness::Unknown => "noAssertion",
        }
    }
}

/// Extractors whose files record the complete dependency list of every package they list.
const COMPLETE_DEPENDENCY_LISTS: [&str; 4] = [
    "python/uv-lock",
    "python/poetry-lock",
    "python/pdm-lock",
    "cargo/cargo-lock",
];

/// Whether `component`'s dependency list, as written, is known to be complete.
pub fn completeness(context: &EmitContext<'_>, component: &Component) -> Completeness {
    let listed_by_a_lock = component
        .evidence
        .iter()
        .any(|evidence| COMPLETE_DEPENDENCY_LISTS.contains(&evidence.extractor));
    if !listed_by_a_lock {
        Completeness::Unknown
    } else if context.report.has_errors() {
        Completeness::Incomplete
    } else {
        Completeness::Complete
    }
}

/// What SPDX has no field for, as the package comment both SPDX writers give and the SBOM
/// reader parses back: `airlock: kind=…; ecosystem=…; scope=…; source=…; source-path=…`. The
/// source matters for what a purl cannot say: a local model folder is a path, not a Hub model.
pub fn spdx_notes(context: &EmitContext<'_>, component: &Component, synthetic: bool) -> String {
    let key = &component.key;
    let mut notes = vec![
        format!("kind={}", component.kind.as_str()),
        format!("ecosystem={}", key.ecosystem.as_str()),
    ];
    let unknowns = context.unknowns(component);
    if !unknowns.is_empty() {
        notes.push(format!("unknown={}", unknowns.join(",")));
    }
    if let Some(scope) = component.scope {
        notes.push(format!("scope={}", scope.as_str()));
    }
    if synthetic {
        notes.push(format!("synthetic={}", properties::SYNTHETIC_PROJECT));
    }
    notes.push(format!("source={}", key.source.kind()));
    match &key.source {
        Source::Registry { index: None } => {}
        Source::Registry { index: Some(url) } | Source::Url { url } => {
            notes.push(format!("source-url={url}"));
        }
        Source::Git {
            url,
            reference,
            commit,
        } => {
            notes.push(format!("source-url={url}"));
            if let Some(reference) = reference {
                let text = match reference {
                    GitReference::Branch(branch) => format!("branch={branch}"),
                    GitReference::Tag(tag) => format!("tag={tag}"),
                    GitReference::Rev(rev) => format!("rev={rev}"),
                };
                notes.push(format!("git-reference={text}"));
            }
            if let Some(commit) = commit {
                notes.push(format!("git-commit={commit}"));
            }
        }
        Source::Path { path } | Source::File { path } => {
            notes.push(format!("source-path={path}"));
        }
    }
    format!("{}{}", properties::SPDX_COMMENT_PREFIX, notes.join("; "))
}

/// A URL for an advisory or alias id, from its well-known prefix.
pub fn advisory_url(id: &str) -> Option<String> {
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("CVE-") {
        Some(format!("https://nvd.nist.gov/vuln/detail/{id}"))
    } else if upper.starts_with("GHSA-") {
        Some(format!("https://github.com/advisories/{id}"))
    } else if upper.starts_with("RUSTSEC-") {
        Some(format!("https://rustsec.org/advisories/{id}.html"))
    } else if upper.starts_with("PYSEC-") || upper.starts_with("OSV-") || upper.starts_with("MAL-")
    {
        Some(format!("https://osv.dev/vulnerability/{id}"))
    } else {
        None
    }
}

/// The database an advisory or alias id belongs to, from its prefix.
pub fn advisory_source_name(id: &str) -> &'static str {
    let upper = id.to_ascii_uppercase();
    if upper.starts_with("CVE-") {
        "NVD"
    } else if upper.starts_with("GHSA-") {
        "GitHub"
    } else if upper.starts_with("RUSTSEC-") {
        "RustSec"
    } else if upper.starts_with("PYSEC-") {
        "PyPA"
    } else {
        "OSV"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_and_well_formed() {
        let uuid = uuid_from_content(b"airlock");
        assert_eq!(uuid, uuid_from_content(b"airlock"));
        assert_ne!(uuid, uuid_from_content(b"airlock!"));
        let parts: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            parts.iter().map(|part| part.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('5'));
        assert!(matches!(
            parts[3].chars().next(),
            Some('8' | '9' | 'a' | 'b')
        ));
    }

    #[test]
    fn licenses_are_classified() {
        assert_eq!(
            classify_license("MIT"),
            LicenseForm::Identifier("MIT".into())
        );
        assert_eq!(
            classify_license("MIT OR Apache-2.0"),
            LicenseForm::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            classify_license("MIT/Apache-2.0"),
            LicenseForm::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            classify_license("Proprietary, ask legal"),
            LicenseForm::Named("Proprietary, ask legal".into())
        );
    }

    #[test]
    fn timestamps_have_no_fraction() {
        assert_eq!(rfc3339(1_700_000_000).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn colliding_references_get_suffixes() {
        use scanner_core::GitReference;
        let key = |reference: &str| {
            ComponentKey::new(
                Ecosystem::CratesIo,
                PackageName::new(Ecosystem::CratesIo, "fork").unwrap(),
                Some("1.0.0".into()),
                Source::Git {
                    url: "https://example.invalid/fork".into(),
                    reference: Some(GitReference::Branch(reference.into())),
                    commit: Some("abc".into()),
                },
            )
        };
        let (a, b) = (key("a"), key("b"));
        let references = References::new([&a, &b]);
        assert_ne!(references.get(&a), references.get(&b));
        assert!(references.get(&b).ends_with("#2"));
        // Without a collision, every key keeps its own reference.
        let other = ComponentKey::new(
            Ecosystem::CratesIo,
            PackageName::new(Ecosystem::CratesIo, "other").unwrap(),
            Some("2.0.0".into()),
            Source::DEFAULT_REGISTRY,
        );
        let references = References::new([&other, &a, &a]);
        assert_eq!(references.get(&a), a.reference());
        assert_eq!(references.get(&other), other.reference());
        assert_eq!(references.purl_at(None, &a), a.purl().to_string());
        assert_eq!(references.purl_at(None, &other), other.purl().to_string());

        // A graph's references answer by position as they answer by key, the subject before,
        // among or after the components, in the graph or not; a position given with a key
        // that is not the graph's own at that position is looked up by key.
        let (c, d) = (key("c"), key("d"));
        let mut builder = scanner_core::GraphBuilder::new();
        for component in [&b, &d, &other] {
            builder.add_component(Component::new((*component).clone(), ComponentKind::Library));
        }
        let graph = builder.build();
        for subject in [&a, &c, &d, &other, &key("z")] {
            let references = References::of_graph(&graph, subject);
            let by_key = References::new(
                graph
                    .components()
                    .map(|component| &component.key)
                    .chain([subject]),
            );
            for (position, component) in graph.components().enumerate() {
                let key = &component.key;
                assert_eq!(references.at(Some(position), key), by_key.get(key));
                assert_eq!(
                    references.purl_at(Some(position), key),
                    by_key.purl_at(None, key)
                );
                let copy = key.clone();
                assert_eq!(references.at(Some(position), &copy), by_key.get(key));
                assert_eq!(references.at(Some(0), &copy), by_key.get(key));
            }
            assert_eq!(references.get(subject), by_key.get(subject));
            assert_eq!(references.at(Some(9), subject), by_key.get(subject));
        }
    }
}
