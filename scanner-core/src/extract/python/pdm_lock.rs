//! `pdm.lock`, PDM's lockfile, `lock_version` 4.x, with the `pyproject.toml` beside it.
//!
//! Spec: PDM's lock format (`pdm/models/repositories/lock.py`, "Lock file" in PDM's docs).
//! `[metadata]` holds `lock_version` (4.0 to 4.5 so far), `groups` (the groups locked),
//! `strategy` (`cross_platform`, `inherit_metadata`, `static_urls`, `direct_minimal_versions`)
//! and `targets`. Each `[[package]]` has `name`, `version`, `groups` (with `inherit_metadata`),
//! `marker`, `dependencies` (PEP 508 strings), `files` (`{file|url, hash}`), and for
//! non-registry packages `git` + `ref` + `revision`, `path`, `url`, `editable`. A package locked
//! with extras is a second entry of the same name and version carrying `extras` and the extra
//! dependencies (plus a self-dependency `name==version`); it is the same component, so both
//! entries merge into one key and its dependencies hang off that key.
//!
//! Scope per package: in the `default` group it is required; in a group that
//! `[project.optional-dependencies]` names, optional; in any other group (PDM's
//! `[tool.pdm.dev-dependencies]`, PEP 735 `[dependency-groups]`), development. The project root
//! and its direct edges come from the `pyproject.toml` beside the lock.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use toml::Spanned;

use super::requirements_txt::redact_credentials;
use super::{locked_version, package_name, parse_hash, parse_requirement};
use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, GitReference,
    Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Join,
    LockedProject, NamedTarget, Parse, Reference, Requirement, Role, Sample, Syntax, Target,
};
use crate::link::{targets, Origin};
use crate::location::{Evidence, Location};
use crate::name::PackageName;
use crate::text::LineIndex;

/// The newest minor version of lock format 4 (pdm's `PDMLock.spec_version`, 4.5.1).
const NEWEST_MINOR: u64 = 5;

/// Strategies PDM documents; any other is read anyway, with a note.
const KNOWN_STRATEGIES: &[&str] = &[
    "cross_platform",
    "inherit_metadata",
    "static_urls",
    "direct_minimal_versions",
];

/// Reads `pdm.lock` with the project's `pyproject.toml`.
#[derive(Debug)]
pub struct PdmLockExtractor;

const ID: ExtractorId = "python/pdm-lock";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "pdm.lock lock_version 4.x (groups, strategies, file hashes, dependency edges with markers, git/path/url/editable)",
    FileMatch::Names(&["pdm.lock"]),
    &PdmLockExtractor,
)
.role(Role::Lock(Join::PyProject))
.fuzzed_as("pdm_lock", &[Sample::new("pdm.lock", Syntax::Toml)]);

impl Parse for PdmLockExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let lock = parse(input.path, input.bytes)?;
        Ok(assemble(ID, input, lock))
    }
}

#[derive(Deserialize)]
struct WireLock {
    metadata: Option<Spanned<WireMetadata>>,
    #[serde(default)]
    package: Vec<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
struct WireMetadata {
    lock_version: Option<Spanned<toml::Value>>,
    #[serde(default)]
    strategy: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct WirePackage {
    name: String,
    version: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    files: Vec<WireFile>,
    git: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    revision: Option<String>,
    path: Option<String>,
    url: Option<String>,
    /// The other version control systems pdm locks (its `VCS_SCHEMA`), written like `git`.
    hg: Option<String>,
    svn: Option<String>,
    bzr: Option<String>,
    #[serde(default)]
    editable: bool,
}

#[derive(Debug, Deserialize)]
struct WireFile {
    hash: Option<String>,
}

/// One `[[package]]` that could be read.
#[derive(Debug)]
struct LockedPackage {
    line: u32,
    name: PackageName,
    wire: WirePackage,
}

#[derive(Debug)]
struct ParsedLock {
    packages: Vec<LockedPackage>,
    diagnostics: Vec<Diagnostic>,
}

fn parse(path: &str, bytes: &[u8]) -> Result<ParsedLock, ExtractError> {
    let (wire, index) = crate::extract::cargo::parse_toml::<WireLock>(path, bytes)?;
    let text = std::str::from_utf8(bytes).unwrap_or_default();
    let mut diagnostics = Vec::new();
    let Some(metadata) = &wire.metadata else {
        return Err(ExtractError::UnsupportedVersion {
            location: Location::line(path, 1),
            format: "pdm.lock",
            found: "none (no [metadata] table)".to_owned(),
            supported: "`metadata.lock_version` 4.x",
        });
    };
    let metadata_line = index.line(metadata.span().start);
    match &metadata.get_ref().lock_version {
        None => {
            return Err(ExtractError::UnsupportedVersion {
                location: Location::line(path, metadata_line),
                format: "pdm.lock",
                found: "none (no `lock_version`)".to_owned(),
                supported: "`metadata.lock_version` 4.x",
            })
        }
        Some(version) => {
            let supported = version
                .get_ref()
                .as_str()
                .is_some_and(|text| text == "4" || text.starts_with("4."));
            if !supported {
                let found = match version.get_ref() {
                    toml::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                return Err(ExtractError::UnsupportedVersion {
                    location: Location::line(path, index.line(version.span().start)),
                    format: "pdm.lock",
                    found,
                    supported: "`metadata.lock_version` 4.x",
                });
            }
        }
    }
    if let Some(version) = &metadata.get_ref().lock_version {
        let minor = version
            .get_ref()
            .as_str()
            .and_then(|text| text.split('.').nth(1))
            .and_then(|minor| minor.parse::<u64>().ok());
        if minor.is_some_and(|minor| minor > NEWEST_MINOR) {
            // pdm (lock format 4.5) calls a newer minor "not compatible" and locks again; the
            // packages are still what a newer pdm installs, so they are read, and said to be.
            diagnostics.push(Diagnostic::note(
                DiagnosticCode::UnsupportedFormatVersion,
                Location::line(path, index.line(version.span().start)),
                format!(
                    "`lock_version` {} is newer than the 4.{NEWEST_MINOR} airlock knows (pdm of that version would lock again); read with the 4.{NEWEST_MINOR} layout",
                    version.get_ref()
                ),
            ));
        }
    }
    for strategy in &metadata.get_ref().strategy {
        if !KNOWN_STRATEGIES.contains(&strategy.as_str()) {
            diagnostics.push(Diagnostic::note(
                DiagnosticCode::InvalidEntry,
                Location::line(path, metadata_line),
                format!("unknown strategy `{strategy}`; the lock was read as usual"),
            ));
        }
    }

    let mut packages = Vec::new();
    for entry in wire.package {
        let span = entry.span();
        let line = name_line(text, &index, span.start);
        let location = Location::line(path, line);
        let value = entry.into_inner();
        let label = match value.get("name").and_then(toml::Value::as_str) {
            Some(name) => format!("[[package]] `{name}`"),
            None => "[[package]]".to_owned(),
        };
        if let Some(problem) = wrong_field_type(&value) {
            diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                location,
                format!("{label}: {problem}; skipped"),
            ));
            continue;
        }
        let wire = match value.try_into::<WirePackage>() {
            Ok(wire) => wire,
            Err(error) => {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    location,
                    format!("{label}: {}; skipped", error.message().trim_end()),
                ));
                continue;
            }
        };
        match package_name(&wire.name) {
            Ok(name) => packages.push(LockedPackage { line, name, wire }),
            Err(error) => diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                location,
                format!("{error}; skipped"),
            )),
        }
    }
    Ok(ParsedLock {
        packages,
        diagnostics,
    })
}

/// Names the first field of a `[[package]]` whose TOML type is not the one PDM writes (serde's
/// own message would not say which field).
fn wrong_field_type(package: &toml::Value) -> Option<String> {
    let table = package.as_table()?;
    for (field, value) in table {
        let expected = match field.as_str() {
            "name" | "version" | "git" | "hg" | "svn" | "bzr" | "ref" | "revision" | "path"
            | "url" | "marker" | "requires_python" | "summary" | "subdirectory" => "a string",
            "groups" | "dependencies" | "extras" | "files" => "an array",
            "editable" => "a boolean",
            _ => continue,
        };
        let matches = match expected {
            "a string" => value.is_str(),
            "an array" => value.is_array(),
            _ => value.is_bool(),
        };
        if !matches {
            return Some(format!(
                "`{field}` must be {expected}, found {}",
                value.type_str()
            ));
        }
    }
    None
}

/// The line of a package's `name =`: the first such line of its `[[package]]` table (the
/// span toml gives an array-of-tables entry may start at its header).
fn name_line(text: &str, index: &LineIndex, start: usize) -> u32 {
    let rest = text.get(start..).unwrap_or_default();
    let mut offset = start;
    for (position, line) in rest.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if position > 0 && trimmed.starts_with('[') {
            break;
        }
        let is_name = trimmed
            .strip_prefix("name")
            .is_some_and(|after| after.trim_start().starts_with('='));
        if is_name {
            return index.line(offset);
        }
        offset += line.len();
    }
    index.line(start)
}

fn assemble(extractor: ExtractorId, input: &Input<'_>, lock: ParsedLock) -> Extraction {
    let directory = input.directory();
    // Scopes are settled by the link stage, which knows the manifest's extras (a group that
    // is an extra is optional, other groups development).
    let mut package_groups: BTreeMap<ComponentKey, Vec<String>> = BTreeMap::new();
    let mut diagnostics = lock.diagnostics;
    let mut components: BTreeMap<ComponentKey, Component> = BTreeMap::new();
    let mut keys = Vec::with_capacity(lock.packages.len());
    for package in &lock.packages {
        let location = Location::line(input.path, package.line);
        let wire = &package.wire;
        let mut flags = BTreeSet::new();
        let mut kind = ComponentKind::Library;
        // pdm reads `version` as the specifier `==version`, which it refuses when the text is
        // no version: kept unpinned (and flagged when it comes from an index).
        let version = wire.version.as_deref().and_then(|raw| {
            locked_version(raw, |message| {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    location.clone(),
                    format!(
                        "`{}`: {message} (pdm refuses the lock); kept unpinned",
                        package.name
                    ),
                ));
            })
        });
        let source = if let Some(url) = &wire.git {
            let url = redact_credentials(url.strip_prefix("git+").unwrap_or(url));
            if wire.revision.is_none() {
                flags.insert(ComponentFlag::Unpinned);
            }
            Source::Git {
                url,
                reference: wire
                    .reference
                    .clone()
                    .or_else(|| wire.revision.clone())
                    .map(GitReference::Rev),
                commit: wire.revision.clone(),
            }
        } else if let Some((scheme, repository)) =
            [("hg", &wire.hg), ("svn", &wire.svn), ("bzr", &wire.bzr)]
                .into_iter()
                .find_map(|(scheme, repository)| Some((scheme, repository.as_ref()?)))
        {
            // pdm reads these as `{vcs}+{repository}` requirements pinned to `revision`: a
            // source that is no registry package, whatever its name and version.
            let repository = repository
                .strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix('+'))
                .unwrap_or(repository);
            let mut url = format!("{scheme}+{}", redact_credentials(repository));
            match &wire.revision {
                Some(revision) => {
                    url.push('@');
                    url.push_str(revision);
                }
                None => {
                    flags.insert(ComponentFlag::Unpinned);
                }
            }
            Source::Url { url }
        } else if let Some(local) = &wire.path {
            let path = join_path(directory, local);
            if is_archive(&path) {
                Source::File { path }
            } else {
                if wire.editable {
                    kind = ComponentKind::Application;
                }
                Source::Path { path }
            }
        } else if let Some(url) = &wire.url {
            match url.strip_prefix("file://") {
                Some(local) => Source::Path {
                    path: join_path(directory, local.strip_prefix("localhost").unwrap_or(local)),
                },
                None => Source::Url {
                    url: redact_credentials(url),
                },
            }
        } else {
            if version.is_none() {
                flags.insert(ComponentFlag::Unpinned);
            }
            Source::DEFAULT_REGISTRY
        };
        if wire.editable {
            flags.insert(ComponentFlag::Editable);
        }
        let key = ComponentKey::new(Ecosystem::PyPI, package.name.clone(), version, source);
        let mut component = Component::new(key.clone(), kind).with_evidence(Evidence {
            location: location.clone(),
            extractor,
        });
        let groups = package_groups.entry(key.clone()).or_default();
        for group in &wire.groups {
            if !groups.contains(group) {
                groups.push(group.clone());
            }
        }
        component.flags = flags;
        for file in &wire.files {
            let Some(text) = &file.hash else { continue };
            match parse_hash(text) {
                Some(hash) => {
                    component.hashes.insert(hash);
                }
                None => diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    location.clone(),
                    format!(
                        "`{}`: `{text}` is not a digest airlock reads; ignored",
                        package.name
                    ),
                )),
            }
        }
        match components.get_mut(&key) {
            Some(existing) => existing.merge(component),
            None => {
                components.insert(key.clone(), component);
            }
        }
        keys.push(key);
    }

    let mut by_name: BTreeMap<&str, Vec<&ComponentKey>> = BTreeMap::new();
    for key in components.keys() {
        by_name.entry(key.name.normalized()).or_default().push(key);
    }
    let mut edges: BTreeMap<(ComponentKey, ComponentKey), (EdgeDetails, Location)> =
        BTreeMap::new();
    for (package, key) in lock.packages.iter().zip(&keys) {
        let location = Location::line(input.path, package.line);
        for text in &package.wire.dependencies {
            let requirement = match parse_requirement(text) {
                Ok(requirement) => requirement,
                Err(error) => {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::InvalidEntry,
                        location.clone(),
                        format!("a dependency of `{}`: {error}; skipped", package.name),
                    ));
                    continue;
                }
            };
            if requirement.name == package.name {
                // The extras entry's `name==version` on itself.
                continue;
            }
            let details = EdgeDetails {
                marker: requirement.marker.clone(),
                extras: requirement.extras.clone(),
                relation: None,
            };
            let target = NamedTarget {
                ecosystem: Ecosystem::PyPI,
                name: requirement.name.clone(),
                requirement: Requirement::Allowed {
                    specifier: requirement.specifier.clone(),
                },
                origin: Origin::PdmLock,
                written: Some(text.clone()),
            };
            let reference = Reference {
                from: key.clone(),
                to: Target::Named(target.clone()),
                kind: EdgeKind::Normal,
                conditions: details,
                location: Some(location.clone()),
            };
            let named = by_name
                .get(requirement.name.normalized())
                .into_iter()
                .flatten()
                .copied();
            // Several locked versions of one name (a cross-platform lock's forks) are narrowed
            // by the specifier; a dependency under a marker none of the lock's targets meets is
            // left out by PDM on purpose (the lock's row of the link policy).
            let candidates = targets(&reference, &target, named, &mut diagnostics);
            let details = reference.conditions;
            for target in candidates {
                match edges.get_mut(&(key.clone(), target.clone())) {
                    Some((existing, _)) => existing.merge(&details),
                    None => {
                        edges.insert(
                            (key.clone(), target.clone()),
                            (details.clone(), location.clone()),
                        );
                    }
                }
            }
        }
    }

    let mut extraction = Extraction {
        components: components.into_values().collect(),
        references: edges
            .into_iter()
            .map(|((from, to), (details, location))| Reference {
                from,
                to: Target::Key(to),
                kind: EdgeKind::Normal,
                conditions: details,
                location: Some(location),
            })
            .collect(),
        ..Extraction::default()
    };
    // The root is the project of the pyproject.toml beside the lock, joined by the link stage.
    extraction.project = Some(LockedProject {
        rootless_diagnostics: vec![Diagnostic::note(
            DiagnosticCode::WorkspaceMemberMissing,
            Location::file(input.path),
            "no readable pyproject.toml with a project beside this lock: no root, scopes come from the lock's groups",
        )],
        package_groups: package_groups.into_iter().collect(),
        ..LockedProject::default()
    });
    extraction.diagnostics.extend(diagnostics);
    extraction
}

fn is_archive(path: &str) -> bool {
    [
        ".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar",
    ]
    .iter()
    .any(|extension| path.ends_with(extension))
}

#[cfg(test)]
mod tests;
