//! `uv.lock` and uv's PEP 723 script locks (`<script>.py.lock`, same format).
//!
//! Format (uv's `uv-resolver/src/lock`): `version = 1` with an optional `revision` (1 to 4
//! known; absent in early files); `[[package]]` entries (`[[distribution]]` before uv 0.3) with
//! `name`, `version` (absent for source trees with a dynamic version), `source` (a table
//! `{ registry | git | url | path | directory | editable | virtual = … }`, or before uv 0.2.2x a
//! string `kind+location`), `sdist`/`wheels` (or `[[distribution.wheel]]`) with hashes,
//! `dependencies`, `[package.optional-dependencies]` and `[package.dev-dependencies]` whose
//! items name a package and add `version`/`source` only when the name alone is ambiguous
//! (several versions of one package, uv's "forks"), plus `marker` and `extra`. `[manifest]`
//! lists the workspace members and, for scripts and virtual roots, the requirements.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;
use toml::de::DeValue;

use super::pyproject::project_source;
use super::toml_tree::{
    array_field, as_table, field, string_field, string_list, table_field, Node, TomlFile, WrongType,
};
use super::{extra_marker, git_source, index_source, locked_version, package_name, parse_hash};
use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::toml_lifted::{self, Lifted, LiftedKey, LiftedTable, LiftedValue, Shape};
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Join,
    LockedProject, NamedTarget, Parse, Reference, Requirement, Role, Sample, Syntax, Target,
};
use crate::link::{targets_with, Origin};
use crate::location::{Evidence, Location};
use crate::name::PackageName;

/// The newest `revision` whose layout airlock knows; newer revisions only add fields so far, so
/// they are read (with a note) rather than refused. uv writes revision 3 and, for a lock
/// without package metadata (`[package.metadata]` omitted), revision 4
/// (`METADATA_FREE_REVISION` in uv's `crates/uv-resolver/src/lock/mod.rs` at 26a9dd4, uv 0.12.5);
/// airlock reads neither the metadata nor its absence, so 4 is the layout of 3.
const KNOWN_REVISION: i64 = 4;

/// Reads `uv.lock` and `*.py.lock`, with the project's and the workspace members'
/// `pyproject.toml` files.
#[derive(Debug)]
pub struct UvLockExtractor;

const ID: ExtractorId = "python/uv-lock";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "uv.lock (version 1, every revision, [[distribution]] layout) and PEP 723 script locks (*.py.lock), with the workspace's pyproject.toml files",
    FileMatch::Custom(accepts),
    &UvLockExtractor,
)
.role(Role::Lock(Join::UvWorkspace))
.fuzzed_as("uv_lock", &[Sample::new("uv.lock", Syntax::Toml)]);

impl Parse for UvLockExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        // The wheel lists and sdists (most of a large lock) are read by the strict recognizer
        // of `toml_lifted` when it can; the text is parsed as it is otherwise, with the same
        // result (tested on every uv.lock of the fixtures and on mutated ones).
        read_lifted(input).unwrap_or_else(|| read_whole(input))
    }
}

/// The values taken out of the text before it is parsed: the wheel lists and sdists, most of
/// a lock's bytes, of which airlock reads only the `hash`; the dependency lists and sources,
/// most of the tables that are left.
const LIFTED: &[LiftedKey] = &[
    ("wheels", Shape::Tables, &["hash"]),
    ("sdist", Shape::Table, &["hash"]),
    (
        "dependencies",
        Shape::Tables,
        &["name", "version", "source", "marker", "extra"],
    ),
    ("source", Shape::Table, SOURCE_KINDS),
];

/// The keys of a `source` table that name its kind, in the order the tree's map iterates them
/// (by key): of several, the first is read.
const SOURCE_KINDS: &[&str] = &[
    "directory",
    "editable",
    "git",
    "path",
    "registry",
    "url",
    "virtual",
];

/// The lock read from a copy with its wheels and sdists taken out, or `None` when that copy
/// cannot be used (nothing recognized, or not where the recognizer left it).
fn read_lifted(input: &Input<'_>) -> Option<Result<Extraction, ExtractError>> {
    let text = std::str::from_utf8(input.bytes).ok()?;
    let lifted = toml_lifted::lift(text, "package", LIFTED)?;
    let file = TomlFile::parse(input.path, lifted.text.as_bytes()).ok()?;
    if !lifted.claimed_by(&file.root) {
        return None;
    }
    let lock = read_lock(&file, input.directory(), Some(&lifted));
    Some(assemble_freeing(file, input, lock))
}

/// The lock read from its whole text.
fn read_whole(input: &Input<'_>) -> Result<Extraction, ExtractError> {
    let file = TomlFile::parse(input.path, input.bytes)?;
    let lock = read_lock(&file, input.directory(), None);
    assemble_freeing(file, input, lock)
}

/// Assembles the lock while the pool frees the tree it was read from (tens of thousands of
/// nodes on a large lock, allocated by the pool's threads when they parsed it). The assembly
/// comes first: `join` runs it on this thread at once and leaves the freeing for another
/// thread to take (or for this one, after).
fn assemble_freeing(
    file: TomlFile<'_>,
    input: &Input<'_>,
    lock: Result<Lock, ExtractError>,
) -> Result<Extraction, ExtractError> {
    let (extraction, ()) = rayon::join(
        || lock.map(|lock| assemble(ID, input, lock)),
        move || drop(file),
    );
    extraction
}

fn accepts(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name == "uv.lock" || is_script_lock(name))
}

fn is_script_lock(file_name: &str) -> bool {
    file_name
        .strip_suffix(".py.lock")
        .is_some_and(|stem| !stem.is_empty())
}

/// One locked package.
#[derive(Debug, Clone)]
struct LockedPackage {
    key: ComponentKey,
    editable: bool,
    /// `editable`, `virtual` or `directory`: a project source tree (a member or a path
    /// dependency), not an artifact.
    source_tree: bool,
    hashes: Vec<crate::component::Hash>,
    line: u32,
    dependencies: Vec<LockedDependency>,
    /// Its `version` is no PEP 440 version (kept without one, flagged).
    unpinned: bool,
}

/// One dependency item as written.
#[derive(Debug, Clone)]
struct LockedDependency {
    name: PackageName,
    version: Option<String>,
    source: Option<Source>,
    kind: EdgeKind,
    details: EdgeDetails,
    line: u32,
}

/// A `[manifest] requirements` item (scripts and virtual workspace roots).
#[derive(Debug, Clone)]
struct ManifestRequirement {
    name: PackageName,
    details: EdgeDetails,
    line: u32,
}

#[derive(Debug, Clone)]
struct Lock {
    packages: Vec<LockedPackage>,
    members: Vec<PackageName>,
    requirements: Vec<ManifestRequirement>,
    diagnostics: Vec<Diagnostic>,
}

/// Reads the parsed lock; `lifted` holds the wheel lists taken out of the text before it was
/// parsed (their arrays are empty in `file`).
fn read_lock(
    file: &TomlFile<'_>,
    directory: &str,
    lifted: Option<&Lifted<'_>>,
) -> Result<Lock, ExtractError> {
    let root = &file.root;
    let unsupported = |node: Option<&Node<'_>>, found: String| ExtractError::UnsupportedVersion {
        location: node.map_or_else(
            || Location::file(file.path),
            |node| file.location(&node.span()),
        ),
        format: "uv.lock",
        found,
        supported: "`version = 1` (revisions 1 to 4)",
    };
    let version_node = field(root, "version");
    match version_node.map(|node| node.get_ref()) {
        Some(DeValue::Integer(integer)) if integer.as_str() == "1" => {}
        Some(other) => {
            let found = match other {
                DeValue::Integer(integer) => integer.as_str().to_owned(),
                DeValue::String(text) => format!("\"{text}\""),
                other => super::toml_tree::describe(other).to_owned(),
            };
            return Err(unsupported(version_node, found));
        }
        None => {
            return Err(file.missing_version(
                "uv.lock",
                "`version` field",
                "`version = 1` (revisions 1 to 4)",
            ))
        }
    }
    let mut diagnostics = Vec::new();
    if let Some(node) = field(root, "revision") {
        let revision = match node.get_ref() {
            DeValue::Integer(integer) => integer.as_str().parse::<i64>().ok(),
            _ => None,
        };
        match revision {
            Some(revision) if revision <= KNOWN_REVISION => {}
            Some(revision) => diagnostics.push(Diagnostic::note(
                DiagnosticCode::UnsupportedFormatVersion,
                file.location(&node.span()),
                format!("uv.lock `revision = {revision}` is newer than the revisions airlock knows (up to {KNOWN_REVISION}); read with the revision {KNOWN_REVISION} layout"),
            )),
            None => diagnostics.push(file.warning(
                &node.span(),
                "`revision` must be an integer; ignored",
            )),
        }
    }

    let mut members = Vec::new();
    let mut requirements = Vec::new();
    match table_field(root, "manifest") {
        Ok(Some(manifest)) => {
            match string_list(manifest, "members") {
                Ok(names) => {
                    members.extend(names.iter().filter_map(|name| package_name(name).ok()))
                }
                Err(error) => diagnostics.push(error.to_diagnostic(file, "`manifest.members`")),
            }
            match array_field(manifest, "requirements") {
                Ok(Some(items)) => {
                    for item in items {
                        match manifest_requirement(file, item) {
                            Ok(requirement) => requirements.push(requirement),
                            Err(diagnostic) => diagnostics.push(diagnostic),
                        }
                    }
                }
                Ok(None) => {}
                Err(error) => diagnostics.push(error.to_diagnostic(file, "`manifest`")),
            }
        }
        Ok(None) => {}
        Err(error) => diagnostics.push(error.to_diagnostic(file, "`manifest`")),
    }

    let mut packages = Vec::new();
    for key in ["package", "distribution"] {
        let items = match array_field(root, key) {
            Ok(Some(items)) => items,
            Ok(None) => continue,
            Err(error) => {
                diagnostics.push(error.to_diagnostic(file, "packages"));
                continue;
            }
        };
        // Packages are read on the rayon pool (each alone; their diagnostics kept in order):
        // on a 500-package lock this walk was one of the longest serial steps of a scan.
        let read: Vec<(Result<LockedPackage, Diagnostic>, Vec<Diagnostic>)> = items
            .par_iter()
            .map(|item| {
                let mut found = Vec::new();
                let package = read_package(file, directory, item, lifted, &mut found);
                (package, found)
            })
            .collect();
        for (package, found) in read {
            diagnostics.extend(found);
            match package {
                Ok(package) => packages.push(package),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
    }
    Ok(Lock {
        packages,
        members,
        requirements,
        diagnostics,
    })
}

fn manifest_requirement(
    file: &TomlFile<'_>,
    item: &Node<'_>,
) -> Result<ManifestRequirement, Diagnostic> {
    let context = "`manifest.requirements`";
    let table = as_table(item, "requirement").map_err(|e| e.to_diagnostic(file, context))?;
    let name = string_field(table, "name")
        .map_err(|e| e.to_diagnostic(file, context))?
        .ok_or_else(|| {
            file.warning(
                &item.span(),
                format!("{context}: an entry without a `name`; skipped"),
            )
        })?;
    let name = package_name(name)
        .map_err(|message| file.warning(&item.span(), format!("{message}; skipped")))?;
    let marker = string_field(table, "marker")
        .map_err(|e| e.to_diagnostic(file, context))?
        .map(str::to_owned);
    let mut extras = string_list(table, "extras").map_err(|e| e.to_diagnostic(file, context))?;
    extras.sort();
    extras.dedup();
    Ok(ManifestRequirement {
        name,
        details: EdgeDetails {
            marker,
            extras,
            relation: None,
        },
        line: file.line(&item.span()),
    })
}

/// A package's source, from the table form or the early string form.
struct ReadSource {
    source: Source,
    editable: bool,
    source_tree: bool,
}

fn read_source(node: &Node<'_>, directory: &str) -> Result<ReadSource, String> {
    let (kind, location): (&str, &str) = match node.get_ref() {
        DeValue::Table(table) => {
            let mut entries = table
                .iter()
                .filter(|(key, _)| SOURCE_KINDS.contains(&key.get_ref().as_ref()));
            let Some((kind, value)) = entries.next() else {
                return Err(NO_SOURCE_KIND.to_owned());
            };
            let DeValue::String(location) = value.get_ref() else {
                return Err(source_not_a_string(kind.get_ref()));
            };
            (kind.get_ref(), location)
        }
        DeValue::String(text) => source_string(text)?,
        other => return Err(source_not_a_table(super::toml_tree::describe(other))),
    };
    source_of(kind, location, directory)
}

/// [`read_source`] of a value read by `toml_lifted`: a table, or the early string form.
fn read_lifted_source(value: SourceValue<'_, '_>, directory: &str) -> Result<ReadSource, String> {
    let (kind, location) = match value {
        SourceValue::Table(table) => {
            let Some((kind, value)) = SOURCE_KINDS
                .iter()
                .find_map(|kind| Some((*kind, table.get(kind)?)))
            else {
                return Err(NO_SOURCE_KIND.to_owned());
            };
            let LiftedValue::String(location) = value else {
                return Err(source_not_a_string(kind));
            };
            (kind, location)
        }
        SourceValue::Value(LiftedValue::String(text)) => source_string(text)?,
        SourceValue::Value(other) => return Err(source_not_a_table(other.describe())),
    };
    source_of(kind, location, directory)
}

/// A `source` read by `toml_lifted`: a package's table, or a dependency's value.
#[derive(Clone, Copy)]
enum SourceValue<'a, 't> {
    Table(&'a LiftedTable<'a, 't>),
    Value(LiftedValue<'t>),
}

const NO_SOURCE_KIND: &str = "`source` names no known source kind";

fn source_not_a_string(kind: &str) -> String {
    format!("`source.{kind}` must be a string")
}

fn source_not_a_table(found: &str) -> String {
    format!("`source` must be a table, found {found}")
}

/// The early string form `kind+location` (`direct+` is a URL).
fn source_string(text: &str) -> Result<(&str, &str), String> {
    let Some((kind, location)) = text.split_once('+') else {
        return Err(format!("`source = \"{text}\"` is not `kind+location`"));
    };
    let kind = if kind == "direct" { "url" } else { kind };
    Ok((kind, location))
}

/// The source of a `kind` at `location`.
fn source_of(kind: &str, location: &str, directory: &str) -> Result<ReadSource, String> {
    let local_path = |location: &str| -> String {
        let location = location.strip_prefix("file://").unwrap_or(location);
        join_path(directory, location)
    };
    let read = match kind {
        "registry" => ReadSource {
            source: if location.contains("://") {
                index_source(Some(location))
            } else {
                // A local directory of distributions used as an index (`--find-links`).
                Source::Registry {
                    index: Some(local_path(location)),
                }
            },
            editable: false,
            source_tree: false,
        },
        "git" => ReadSource {
            source: git_source(location),
            editable: false,
            source_tree: false,
        },
        "url" => ReadSource {
            source: Source::Url {
                url: location
                    .split_once('#')
                    .map_or(location, |(url, _)| url)
                    .to_owned(),
            },
            editable: false,
            source_tree: false,
        },
        "path" => ReadSource {
            source: Source::Path {
                path: local_path(location),
            },
            editable: false,
            source_tree: false,
        },
        "directory" | "editable" | "virtual" => ReadSource {
            source: Source::Path {
                path: local_path(location),
            },
            editable: kind == "editable",
            source_tree: true,
        },
        other => return Err(format!("unknown source kind `{other}`")),
    };
    Ok(read)
}

fn read_package(
    file: &TomlFile<'_>,
    directory: &str,
    item: &Node<'_>,
    lifted: Option<&Lifted<'_>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<LockedPackage, Diagnostic> {
    let table = as_table(item, "package").map_err(|e| e.to_diagnostic(file, "package"))?;
    let name_node = field(table, "name")
        .ok_or_else(|| file.warning(&item.span(), "[[package]] without a `name`; skipped"))?;
    let line = file.line(&name_node.span());
    let context = |name: &str| format!("package `{name}`");
    let raw_name = super::toml_tree::as_str(name_node, "name")
        .map_err(|e| e.to_diagnostic(file, "package; skipped"))?;
    let name = package_name(raw_name)
        .map_err(|message| file.warning(&name_node.span(), format!("{message}; skipped")))?;
    let mut unpinned = false;
    let version = match field(table, "version") {
        None => None,
        Some(node) => match node.get_ref() {
            // uv refuses a lock whose `version` is no PEP 440 version: kept unpinned (and
            // flagged), never with a version that matches no advisory.
            DeValue::String(text) => {
                let version = locked_version(text, |message| {
                    diagnostics.push(file.warning(
                        &node.span(),
                        format!(
                            "{}: {message} (uv refuses such a lock); kept unpinned",
                            context(raw_name)
                        ),
                    ));
                });
                unpinned = version.is_none();
                version
            }
            other => {
                return Err(file.warning(
                    &node.span(),
                    format!(
                        "{}: `version` must be a string, found {}; skipped",
                        context(raw_name),
                        super::toml_tree::describe(other)
                    ),
                ))
            }
        },
    };
    let read = match field(table, "source") {
        Some(node) => match lifted.and_then(|lifted| lifted.array(&node.span())) {
            Some(source) => source
                .tables()
                .next()
                .ok_or_else(|| NO_SOURCE_KIND.to_owned())
                .and_then(|table| read_lifted_source(SourceValue::Table(&table), directory)),
            None => read_source(node, directory),
        }
        .map_err(|message| {
            file.warning(
                &node.span(),
                format!("{}: {message}; skipped", context(raw_name)),
            )
        })?,
        None => {
            return Err(file.warning(
                &item.span(),
                format!("{} has no `source`; skipped", context(raw_name)),
            ))
        }
    };
    // uv refuses a registry package without a version (its `Package `a` from a registry source
    // has a missing `version` field`); airlock keeps the package, unversioned, and says so, so
    // that "no advisory matched" is never read as "clean".
    if version.is_none() && !unpinned && matches!(read.source, Source::Registry { .. }) {
        diagnostics.push(file.warning(
            &name_node.span(),
            format!(
                "{} comes from a registry but has no `version` (uv refuses such a lock); kept without a version",
                context(raw_name)
            ),
        ));
    }

    let mut hashes = Vec::new();
    // `hash` of one artifact (sdist or wheel) whose table spans `span`.
    let mut add_hash = |hash: Result<Option<&str>, WrongType>, span: Range<usize>| match hash {
        Ok(Some(text)) => match parse_hash(text) {
            Some(hash) => hashes.push(hash),
            None => diagnostics.push(file.warning(
                &span,
                format!(
                    "{}: `{text}` is not a hash airlock reads; ignored",
                    context(raw_name)
                ),
            )),
        },
        Ok(None) => {}
        Err(error) => diagnostics.push(error.to_diagnostic(file, &context(raw_name))),
    };
    for key in ["sdist", "wheels", "wheel"] {
        let Some(node) = field(table, key) else {
            continue;
        };
        if let Some(lifted) = lifted.and_then(|lifted| lifted.array(&node.span())) {
            for artifact in lifted.tables() {
                add_hash(lifted_hash(&artifact), artifact.span());
            }
            continue;
        }
        if key == "sdist" {
            if let DeValue::Table(sdist) = node.get_ref() {
                add_hash(string_field(sdist, "hash"), node.span());
            }
        } else if let DeValue::Array(wheels) = node.get_ref() {
            for wheel in wheels {
                if let DeValue::Table(artifact) = wheel.get_ref() {
                    add_hash(string_field(artifact, "hash"), wheel.span());
                }
            }
        }
    }

    let mut lists: Vec<(&Node<'_>, EdgeKind, Option<&str>)> = Vec::new();
    if let Some(list) = field(table, "dependencies") {
        lists.push((list, EdgeKind::Normal, None));
    }
    for (key, kind) in [
        ("optional-dependencies", EdgeKind::Optional),
        ("dev-dependencies", EdgeKind::Dev),
    ] {
        match table_field(table, key) {
            Ok(Some(groups)) => {
                for (group, list) in groups {
                    let extra = (kind == EdgeKind::Optional).then(|| group.get_ref().as_ref());
                    lists.push((list, kind, extra));
                }
            }
            Ok(None) => {}
            Err(error) => diagnostics.push(error.to_diagnostic(file, &context(raw_name))),
        }
    }
    let mut dependencies = Vec::new();
    for (list, kind, extra) in lists {
        if let Some(lifted) = lifted.and_then(|lifted| lifted.array(&list.span())) {
            for item in lifted.tables() {
                match read_lifted_dependency(&item, directory, kind, extra, file.line(&item.span()))
                {
                    Ok(dependency) => dependencies.push(dependency),
                    Err(message) => diagnostics.push(file.warning(
                        &item.span(),
                        format!("{}: {message}; skipped", context(raw_name)),
                    )),
                }
            }
            continue;
        }
        let DeValue::Array(items) = list.get_ref() else {
            diagnostics.push(file.warning(
                &list.span(),
                format!(
                    "{}: a dependency list must be an array; ignored",
                    context(raw_name)
                ),
            ));
            continue;
        };
        for item in items {
            match read_dependency(file, directory, item, kind, extra) {
                Ok(dependency) => dependencies.push(dependency),
                Err(message) => diagnostics.push(file.warning(
                    &item.span(),
                    format!("{}: {message}; skipped", context(raw_name)),
                )),
            }
        }
    }

    Ok(LockedPackage {
        key: ComponentKey::new(Ecosystem::PyPI, name, version, read.source),
        editable: read.editable,
        source_tree: read.source_tree,
        hashes,
        line,
        dependencies,
        unpinned,
    })
}

/// The `hash` of a lifted sdist or wheel, as `string_field` reads it from the tree.
fn lifted_hash<'t>(artifact: &LiftedTable<'_, 't>) -> Result<Option<&'t str>, WrongType> {
    match artifact.get("hash") {
        None => Ok(None),
        Some(LiftedValue::String(text)) => Ok(Some(text)),
        Some(other) => Err(WrongType::found(
            "hash",
            "a string",
            other.describe(),
            artifact.span(),
        )),
    }
}

fn read_dependency(
    file: &TomlFile<'_>,
    directory: &str,
    item: &Node<'_>,
    kind: EdgeKind,
    extra: Option<&str>,
) -> Result<LockedDependency, String> {
    let table = as_table(item, "dependency").map_err(|error| error.message)?;
    let name = string_field(table, "name")
        .map_err(|error| error.message)?
        .ok_or(NO_DEPENDENCY_NAME)?;
    let name = package_name(name)?;
    let version = string_field(table, "version").map_err(|error| error.message)?;
    let source = match field(table, "source") {
        Some(node) => Some(read_source(node, directory)?.source),
        None => None,
    };
    let marker = string_field(table, "marker").map_err(|error| error.message)?;
    // `extra` (a list) in current files; a single string in some early ones.
    let extras = match field(table, "extra") {
        Some(node) => match node.get_ref() {
            DeValue::String(text) => vec![text.to_string()],
            _ => string_list(table, "extra").map_err(|error| error.message)?,
        },
        None => Vec::new(),
    };
    let line = file.line(&item.span());
    Ok(locked_dependency(
        name, version, source, marker, extras, kind, extra, line,
    ))
}

/// [`read_dependency`] of an item read by `toml_lifted`: the same checks in the same order,
/// worded the same (every fixture lock is read both ways in the tests).
fn read_lifted_dependency(
    table: &LiftedTable<'_, '_>,
    directory: &str,
    kind: EdgeKind,
    extra: Option<&str>,
    line: u32,
) -> Result<LockedDependency, String> {
    let string = |key: &str| match table.get(key) {
        None => Ok(None),
        Some(LiftedValue::String(text)) => Ok(Some(text)),
        Some(other) => Err(format!(
            "`{key}` must be a string, found {}",
            other.describe()
        )),
    };
    let name = string("name")?.ok_or(NO_DEPENDENCY_NAME)?;
    let name = package_name(name)?;
    let version = string("version")?;
    let source = match table.get("source") {
        Some(value) => Some(read_lifted_source(SourceValue::Value(value), directory)?.source),
        None => None,
    };
    let marker = string("marker")?;
    let extras = match table.get("extra") {
        None => Vec::new(),
        Some(LiftedValue::String(text)) => vec![text.to_owned()],
        Some(value @ LiftedValue::Strings(_)) => value.strings().map(str::to_owned).collect(),
        Some(other @ LiftedValue::Integer(_)) => {
            return Err(format!(
                "`extra` must be an array, found {}",
                other.describe()
            ))
        }
    };
    Ok(locked_dependency(
        name, version, source, marker, extras, kind, extra, line,
    ))
}

const NO_DEPENDENCY_NAME: &str = "a dependency without a `name`";

/// A dependency from its fields as read; `extra` is the optional-dependency group that lists it
/// (it becomes a marker).
#[allow(clippy::too_many_arguments)]
fn locked_dependency(
    name: PackageName,
    version: Option<&str>,
    source: Option<Source>,
    marker: Option<&str>,
    mut extras: Vec<String>,
    kind: EdgeKind,
    extra: Option<&str>,
    line: u32,
) -> LockedDependency {
    let version = version.and_then(|text| locked_version(text, |_| {}));
    let marker = match extra {
        Some(extra) => Some(extra_marker(marker, &normalize_extra(extra))),
        None => marker.map(str::to_owned),
    };
    extras.sort();
    extras.dedup();
    LockedDependency {
        name,
        version,
        source,
        kind,
        details: EdgeDetails {
            marker,
            extras,
            relation: None,
        },
        line,
    }
}

fn normalize_extra(name: &str) -> String {
    crate::name::normalize(Ecosystem::PyPI, name)
}

/// Turns the parsed lock into components, edges and roots, then attaches the project manifests.
fn assemble(extractor: ExtractorId, input: &Input<'_>, mut lock: Lock) -> Extraction {
    let mut extraction = Extraction {
        diagnostics: std::mem::take(&mut lock.diagnostics),
        ..Extraction::default()
    };
    let directory = input.directory();
    let project_directory = project_source(directory);
    let is_root = |package: &LockedPackage| {
        package.source_tree
            && (lock.members.contains(&package.key.name) || package.key.source == project_directory)
    };
    let mut roots: Vec<ComponentKey> = Vec::new();
    for package in lock.packages.iter().filter(|package| is_root(package)) {
        if !roots.contains(&package.key) {
            roots.push(package.key.clone());
        }
    }
    // Components are made on the rayon pool, in order: each takes its package's hashes into a
    // sorted set (15,000 on autogen's lock).
    let components: Vec<Component> = lock
        .packages
        .par_iter_mut()
        .map(|package| {
            let kind = if is_root(package) {
                ComponentKind::Application
            } else {
                ComponentKind::Library
            };
            let mut component = Component::new(package.key.clone(), kind).with_evidence(Evidence {
                location: input.location(Some(package.line)),
                extractor,
            });
            // The hashes move: the links below need only the keys.
            component.hashes.extend(std::mem::take(&mut package.hashes));
            if package.unpinned {
                component.flags.insert(ComponentFlag::Unpinned);
            }
            if package.editable {
                component.flags.insert(ComponentFlag::Editable);
            }
            component
        })
        .collect();
    extraction.components = components;

    let mut by_name: BTreeMap<&PackageName, Vec<usize>> = BTreeMap::new();
    let mut seen: BTreeMap<&ComponentKey, u32> = BTreeMap::new();
    for (position, package) in lock.packages.iter().enumerate() {
        // The first entry of a key is the one linked by name; a later one is reported.
        match seen.entry(&package.key) {
            std::collections::btree_map::Entry::Vacant(vacant) => {
                vacant.insert(package.line);
                by_name.entry(&package.key.name).or_default().push(position);
            }
            std::collections::btree_map::Entry::Occupied(first) => {
                let message = format!(
                    "`{}` is locked twice (first on line {}); the entries are merged",
                    package.key,
                    first.get()
                );
                extraction.diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::DuplicateEntry,
                    input.location(Some(package.line)),
                    message,
                ));
            }
        }
    }

    // The dependencies are resolved on the rayon pool (each package alone, results and
    // diagnostics kept in order); then the references (about 3,000 on a 500-package lock, 440
    // bytes each with its key, conditions and location) are made in place, on the pool too:
    // made per package, they were then copied into one list on this thread, a fresh megabyte.
    let by_name = &by_name;
    let packages = &lock.packages;
    let resolved: Vec<PackageTargets<'_>> = packages
        .par_iter()
        .map(|package| package_targets(package, packages, by_name, input))
        .collect();
    let mut edges: Vec<(&LockedPackage, &LockedDependency, &ComponentKey)> =
        Vec::with_capacity(resolved.iter().map(|(targets, _)| targets.len()).sum());
    for (package, (targets, diagnostics)) in packages.iter().zip(resolved) {
        for (dependency, key) in targets {
            if let Some(dependency) = package.dependencies.get(dependency) {
                edges.push((package, dependency, key));
            }
        }
        extraction.diagnostics.extend(diagnostics);
    }
    edges
        .par_iter()
        .map(|&(package, dependency, key)| Reference {
            from: package.key.clone(),
            to: Target::Key(key.clone()),
            kind: dependency.kind,
            conditions: dependency.details.clone(),
            location: Some(input.location(Some(dependency.line))),
        })
        .collect_into_vec(&mut extraction.references);
    extraction.roots = roots;

    // A script lock: the script is the root, its inline requirements the edges.
    let file_name = input.path.rsplit('/').next().unwrap_or(input.path);
    if let Some(script) = file_name
        .strip_suffix(".lock")
        .filter(|_| is_script_lock(file_name))
    {
        let stem = script.strip_suffix(".py").unwrap_or(script);
        if let Ok(name) = package_name(stem) {
            let key = ComponentKey::new(
                Ecosystem::PyPI,
                name,
                None,
                Source::File {
                    path: join_path(directory, script),
                },
            );
            let mut component = Component::new(key.clone(), ComponentKind::Application)
                .with_evidence(Evidence {
                    location: input.location(Some(1)),
                    extractor,
                });
            component.facts.python_mut().script = true;
            extraction.components.push(component);
            extraction.roots.push(key.clone());
            link_requirements(&mut extraction, &key, &lock.requirements, input);
        }
    } else {
        // The project's pyproject.toml and the workspace members' are joined by the link stage.
        let mut project = LockedProject::default();
        if !lock.requirements.is_empty() {
            project.rootless_diagnostics.push(Diagnostic::note(
                DiagnosticCode::WorkspaceMemberMissing,
                input.location(None),
                "the lock's `[manifest] requirements` belong to a project whose pyproject.toml is not in the scan",
            ));
        }
        extraction.project = Some(project);
    }
    // The packages' dependency lists (their names, markers and extras, thousands on a large
    // lock) are freed on the pool while the caller links.
    rayon::spawn(move || drop(lock));
    extraction
}

/// What [`package_targets`] finds: the keys, each with the position of its dependency in the
/// package's list, and the diagnostics.
type PackageTargets<'p> = (Vec<(usize, &'p ComponentKey)>, Vec<Diagnostic>);

/// The packages each dependency of `package` resolves to (by the dependency's position in its
/// list), in order, each among the lock's packages of that name (`by_name`: positions in
/// `packages`), with the diagnostics of those that dangle or are ambiguous. Almost every
/// dependency resolves to one package; one that resolves to several gives an edge to each.
fn package_targets<'p>(
    package: &LockedPackage,
    packages: &'p [LockedPackage],
    by_name: &BTreeMap<&PackageName, Vec<usize>>,
    input: &Input<'_>,
) -> PackageTargets<'p> {
    let mut targets = Vec::with_capacity(package.dependencies.len());
    let mut diagnostics = Vec::new();
    for (position, dependency) in package.dependencies.iter().enumerate() {
        let target = NamedTarget {
            ecosystem: Ecosystem::PyPI,
            name: dependency.name.clone(),
            requirement: Requirement::Exact {
                version: dependency.version.clone(),
                source: dependency.source.clone(),
            },
            origin: Origin::UvLock,
            written: None,
        };
        let candidates = by_name
            .get(&dependency.name)
            .into_iter()
            .flatten()
            .filter_map(|position| packages.get(*position))
            .map(|candidate| &candidate.key);
        // The reference a diagnostic quotes, as the file wrote it (by name).
        let written = || Reference {
            from: package.key.clone(),
            to: Target::Named(target.clone()),
            kind: dependency.kind,
            conditions: dependency.details.clone(),
            location: Some(input.location(Some(dependency.line))),
        };
        for key in targets_with(written, &target, candidates, &mut diagnostics) {
            targets.push((position, key));
        }
    }
    (targets, diagnostics)
}

/// Edges from a script root to the packages its `[manifest] requirements` name.
fn link_requirements(
    extraction: &mut Extraction,
    root: &ComponentKey,
    requirements: &[ManifestRequirement],
    input: &Input<'_>,
) {
    for requirement in requirements {
        let candidates: Vec<ComponentKey> = extraction
            .components
            .iter()
            .filter(|component| component.key.name == requirement.name)
            .map(|component| component.key.clone())
            .collect();
        let location = input.location(Some(requirement.line));
        match candidates.as_slice() {
            [] => extraction.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::LockfileOutOfDate,
                location,
                format!(
                    "the script requires `{}`, which the lock does not contain",
                    requirement.name
                ),
            )),
            targets => {
                for target in targets {
                    extraction.references.push(Reference {
                        from: root.clone(),
                        to: Target::Key(target.clone()),
                        kind: EdgeKind::Normal,
                        conditions: requirement.details.clone(),
                        location: Some(location.clone()),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(path: &str, text: &str) -> Result<Extraction, ExtractError> {
        UvLockExtractor.parse(&Input::new(path, text.as_bytes()))
    }

    /// The reading the extractor gives and the one of the whole text, as text, and whether the
    /// first came from the lifted copy.
    fn both_readings(text: &str) -> (String, String, bool) {
        let input = Input::new("p/uv.lock", text.as_bytes());
        let lifted = read_lifted(&input);
        let used = lifted.is_some();
        let fast = lifted.unwrap_or_else(|| read_whole(&input));
        (
            format!("{fast:?}"),
            format!("{:?}", read_whole(&input)),
            used,
        )
    }

    fn fixture_locks() -> Vec<(std::path::PathBuf, String)> {
        crate::extract::fixture_project_files(&["uv.lock"])
    }

    #[test]
    fn lifted_wheels_read_as_the_tree_reads_them_on_every_fixture_lock() {
        let locks = fixture_locks();
        let mut lifted = 0;
        for (path, text) in &locks {
            let (fast, plain, used) = both_readings(text);
            assert_eq!(fast, plain, "{}", path.display());
            lifted += usize::from(used);
        }
        assert!(
            lifted >= 5,
            "only {lifted} of {} locks had wheels lifted",
            locks.len()
        );
    }

    #[test]
    fn lifted_wheels_read_as_the_tree_reads_them_on_mutated_locks() {
        // Each mutation puts one byte that matters to TOML somewhere in a small lock with
        // wheels, sources and dependency lists; the two readings must agree, errors included
        // (same message, same line).
        let text = concat!(
            "version = 1\nrevision = 3\nrequires-python = \">=3.10\"\n\n",
            "[[package]]\nname = \"a\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
            "dependencies = [\n",
            "    { name = \"b\" },\n",
            "    { name = \"c\", version = \"3.0\", source = \"registry+https://pypi.org/simple\", extra = [\"x\", \"y\"], marker = \"sys_platform == 'linux'\" },\n",
            "]\n",
            "sdist = { url = \"https://x/a-1.0.tar.gz\", hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000001\", size = 10 }\n",
            "wheels = [\n",
            "    { url = \"https://x/a-1.0-py3-none-any.whl\", hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000002\", size = 708259, upload-time = \"2025-04-02T02:15:15.439Z\" },\n",
            "    { url = \"https://x/a-1.0-cp310-win32.whl\", hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000003\", size = 12 },\n",
            "]\n\n",
            "[package.optional-dependencies]\nfast = [\n    { name = \"b\", extra = [\"z\"] },\n]\n\n",
            "[[package]]\nname = \"c\"\nversion = \"3.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
            "dependencies = [{ name = \"b\", extra = [] }, { name = \"d\" }]\n\n",
            "[[package]]\nname = \"d\"\nversion = \"4.0\"\nsource = { git = \"https://github.com/d/d?rev=v4#0123456789012345678901234567890123456789\" }\n\n",
            "[[package]]\nname = \"b\"\nversion = \"2.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
            "description = \"b, version 2\"\n",
            "wheels = [\n",
            "    { url = \"https://x/b-2.0-py3-none-any.whl\", hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000005\", size = 1 },\n",
            "]\n",
        );
        let (fast, plain, used) = both_readings(text);
        assert_eq!(fast, plain);
        assert!(used, "the unmutated lock is read from the lifted copy");
        assert!(fast.contains("0000000000000000000000000000000000000000000000000000000000000003"));
        assert!(fast.contains("sys_platform == 'linux'"), "{fast}");
        let inserts: &[&str] = &[
            "\"", "\\", "{", "}", ",", "\n", "#", "=", "[", "]", " ", "0", "x", "\r", ".", "'",
            "\"\"\"", "\t", "-", "é", "\u{7f}", "\\u0041",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&at| text.is_char_boundary(at))
            .collect();
        let mut used_lifted = 0;
        for round in 0..3000 {
            let at = boundaries[(next() % boundaries.len() as u64) as usize];
            let mut mutated = text.to_owned();
            match next() % 3 {
                // Insert a byte that matters.
                0 | 1 => mutated.insert_str(at, inserts[(next() % inserts.len() as u64) as usize]),
                // Delete one character.
                _ => {
                    if let Some(character) = mutated[at..].chars().next() {
                        mutated.replace_range(at..at + character.len_utf8(), "");
                    }
                }
            }
            let (fast, plain, used) = both_readings(&mutated);
            assert_eq!(fast, plain, "round {round}: {mutated}");
            used_lifted += usize::from(used);
        }
        // Both paths are exercised: most mutations keep the copy usable, many do not.
        assert!(
            (1000..2990).contains(&used_lifted),
            "{used_lifted} of 3000 lifted"
        );
    }

    #[test]
    fn a_wheel_list_written_inside_a_string_is_left_to_the_parser() {
        // The `wheels = [` line inside the description is text: the copy is not used, and the
        // hash in it is no hash of the package.
        let text = "version = 1\n[[package]]\nname = \"a\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\ndescription = \"\"\"\nwheels = [\n    { hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000004\" },\n]\n\"\"\"\n";
        let (fast, plain, used) = both_readings(text);
        assert!(!used);
        assert_eq!(fast, plain);
        assert!(!fast.contains("00000004"), "{fast}");
    }

    #[test]
    fn a_wheel_hash_of_another_type_is_reported_as_the_tree_reports_it() {
        let text = "version = 1\n[[package]]\nname = \"a\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\nwheels = [\n    { url = \"https://x/a.whl\", hash = 7 },\n    { url = \"https://x/b.whl\", hash = \"md5:zz\" },\n]\n";
        let (fast, plain, used) = both_readings(text);
        assert!(used);
        assert_eq!(fast, plain);
        assert!(
            fast.contains("`hash` must be a string, found an integer"),
            "{fast}"
        );
        assert!(fast.contains("is not a hash airlock reads"), "{fast}");
    }

    #[test]
    fn versions_and_revisions() {
        let error = extract("a/uv.lock", "# x\nversion = 2\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "a/uv.lock:2: unsupported uv.lock version `2` (airlock reads `version = 1` (revisions 1 to 4))"
        );
        // Issue 23: the error names a line, and an empty lock is reported as empty.
        let error = extract("uv.lock", "[[package]]\nname = \"a\"\n").unwrap_err();
        assert!(matches!(error, ExtractError::UnsupportedVersion { .. }));
        assert_eq!(
            error.to_string(),
            "uv.lock:1: unsupported uv.lock version `(no `version` field)` (airlock reads `version = 1` (revisions 1 to 4))"
        );
        for empty in ["", "\n  \n", "# nothing locked yet\n"] {
            let error = extract("uv.lock", empty).unwrap_err();
            assert_eq!(
                error.to_string(),
                "uv.lock:1: the uv.lock is empty: no `version` field and no packages"
            );
        }
        // What uv writes today: revision 3, and 4 for a lock without package metadata.
        for revision in [1, 2, 3, 4] {
            let text = format!("version = 1\nrevision = {revision}\n");
            assert!(extract("uv.lock", &text).unwrap().diagnostics.is_empty());
        }
        let newer = extract("uv.lock", "version = 1\nrevision = 5\n").unwrap();
        assert_eq!(
            newer.diagnostics[0].code,
            DiagnosticCode::UnsupportedFormatVersion
        );
        assert!(extract("uv.lock", "version = 1\n")
            .unwrap()
            .diagnostics
            .is_empty());
    }

    #[test]
    fn sources_in_table_and_early_string_form() {
        let read = |text: &str| {
            let file = TomlFile::parse("uv.lock", text.as_bytes()).unwrap();
            let node = field(&file.root, "source").unwrap();
            read_source(node, "proj").map(|read| (read.source.to_string(), read.editable))
        };
        assert_eq!(
            read("source = { registry = \"https://pypi.org/simple\" }"),
            Ok(("registry".to_owned(), false))
        );
        assert_eq!(
            read("source = \"registry+https://pypi.org/simple\""),
            Ok(("registry".to_owned(), false))
        );
        assert_eq!(
            read("source = { registry = \"../wheels\" }"),
            Ok(("registry wheels".to_owned(), false))
        );
        assert_eq!(
            read("source = \"editable+../lib\""),
            Ok(("path lib".to_owned(), true))
        );
        assert_eq!(
            read("source = { virtual = \".\" }"),
            Ok(("path proj".to_owned(), false))
        );
        assert_eq!(
            read("source = \"direct+https://x.org/a.whl\""),
            Ok(("url https://x.org/a.whl".to_owned(), false))
        );
        assert_eq!(
            read("source = { git = \"https://github.com/o/r?branch=main#0123456789abcdef0123456789abcdef01234567\" }"),
            Ok(("git https://github.com/o/r branch=main #0123456789abcdef0123456789abcdef01234567".to_owned(), false))
        );
        assert!(read("source = { nowhere = \"x\" }").is_err());
        assert!(read("source = 3").is_err());
    }

    #[test]
    fn forks_are_kept_apart_and_linked_by_version() {
        let text = r#"version = 1
revision = 3

[[package]]
name = "app"
version = "1.0"
source = { virtual = "." }
dependencies = [
    { name = "numpy", version = "1.26.4", marker = "python_full_version < '3.12'" },
    { name = "numpy", version = "2.1.0", marker = "python_full_version >= '3.12'" },
    { name = "ghost" },
]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }
"#;
        let extraction = extract("uv.lock", text).unwrap();
        assert_eq!(extraction.components.len(), 3);
        assert_eq!(extraction.roots.len(), 1);
        let targets: Vec<(String, Option<String>)> = extraction
            .references
            .iter()
            .map(|edge| match &edge.to {
                Target::Key(key) => (
                    key.version.clone().unwrap_or_default(),
                    edge.conditions.marker.clone(),
                ),
                Target::Named(_) => panic!("lock edges are keys"),
            })
            .collect();
        assert_eq!(
            targets,
            [
                (
                    "1.26.4".to_owned(),
                    Some("python_full_version < '3.12'".to_owned())
                ),
                (
                    "2.1.0".to_owned(),
                    Some("python_full_version >= '3.12'".to_owned())
                ),
            ]
        );
        let dangling = &extraction.diagnostics[0];
        assert_eq!(dangling.code, DiagnosticCode::DanglingReference);
        assert_eq!(dangling.location.as_ref().unwrap().line, Some(11));
    }

    #[test]
    fn script_locks_root_the_script() {
        let text = "version = 1\n[manifest]\nrequirements = [{ name = \"rich\" }]\n[[package]]\nname = \"rich\"\nversion = \"13.0.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        let extraction = extract("tools/fetch.py.lock", text).unwrap();
        assert_eq!(
            extraction.roots[0].source,
            Source::File {
                path: "tools/fetch.py".to_owned()
            }
        );
        assert_eq!(extraction.references.len(), 1);
    }
}
