//! `poetry.lock`, `[metadata] lock-version` 1.x and 2.x (and the unversioned files of Poetry
//! before 1.0).
//!
//! Format (Poetry's `poetry/packages/locker.py`): `[[package]]` entries with `name`, `version`,
//! `optional`, `category` (1.x: `main`/`dev`) or `groups` (2.x) and package `markers` (2.1),
//! `[package.dependencies]` whose values are a constraint string, a table (`version`,
//! `markers`, `python`, `extras`, `optional`) or a list of such tables (one per environment),
//! `[package.extras]`, `[package.source]` (`git`, `url`, `directory`, `file`, `legacy` index).
//! File hashes are per package (`files = [{file, hash}]`) since 2.0, under
//! `[metadata.files]` in 1.x, and bare hex lists under `[metadata.hashes]` before 1.0.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

use super::pyproject::poetry_declaration;
use super::toml_tree::{
    array_field, as_str, as_table, bool_field, field, string_field, table_field, Node, TomlFile,
};
use super::{
    extra_marker, index_source, is_full_commit, link_entries, locked_version, package_name,
    parse_hash, PendingEdge,
};
use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, GitReference,
    Hash, HashAlgorithm, Scope, Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Join,
    LockedProject, Parse, Requirement, Role, Sample, Syntax,
};
use crate::link::Origin;
use crate::location::{Evidence, Location};

/// Lock versions whose layout airlock knows.
const KNOWN_LOCK_VERSIONS: &[&str] = &["1.0", "1.1", "2.0", "2.1"];

/// Reads `poetry.lock` with the `pyproject.toml` beside it.
#[derive(Debug)]
pub struct PoetryLockExtractor;

const ID: ExtractorId = "python/poetry-lock";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "poetry.lock (lock-version 1.x and 2.x: groups/categories, dependency markers and extras, git/url/directory/file/legacy sources, file hashes), with its pyproject.toml",
    FileMatch::Names(&["poetry.lock"]),
    &PoetryLockExtractor,
)
.role(Role::Lock(Join::PyProject))
.fuzzed_as("poetry_lock", &[Sample::new("poetry.lock", Syntax::Toml)]);

impl Parse for PoetryLockExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let file = TomlFile::parse(input.path, input.bytes)?;
        let mut extraction = read(ID, &file, input.directory())?;
        // The project is the pyproject.toml beside the lock, joined by the link stage.
        extraction.project = Some(LockedProject::default());
        Ok(extraction)
    }
}

fn read(
    extractor: ExtractorId,
    file: &TomlFile<'_>,
    directory: &str,
) -> Result<Extraction, ExtractError> {
    let root = &file.root;
    let mut extraction = Extraction::default();
    let metadata = match table_field(root, "metadata") {
        Ok(metadata) => metadata,
        Err(error) => {
            return Err(ExtractError::Parse {
                location: file.location(&error.span),
                message: error.message,
            })
        }
    };
    let version_node = metadata.and_then(|metadata| field(metadata, "lock-version"));
    let unsupported = |found: String, node: Option<&Node<'_>>| ExtractError::UnsupportedVersion {
        location: node.map_or_else(
            || Location::file(file.path),
            |node| file.location(&node.span()),
        ),
        format: "poetry.lock",
        found,
        supported: "`[metadata] lock-version` 1.0 to 2.1",
    };
    match (metadata, version_node) {
        (None, _) => {
            return Err(file.missing_version(
                "poetry.lock",
                "`[metadata]` table",
                "`[metadata] lock-version` 1.0 to 2.1",
            ));
        }
        (Some(_), None) => {
            // Poetry before 1.0 wrote no lock-version; its layout is 1.0's.
        }
        (Some(_), Some(node)) => {
            let Ok(text) = as_str(node, "lock-version") else {
                return Err(unsupported(
                    super::toml_tree::describe(node.get_ref()).to_owned(),
                    Some(node),
                ));
            };
            let major = text
                .split('.')
                .next()
                .and_then(|major| major.parse::<u32>().ok());
            match major {
                Some(1 | 2) if KNOWN_LOCK_VERSIONS.contains(&text) => {}
                Some(1 | 2) => extraction.diagnostics.push(Diagnostic::note(
                    DiagnosticCode::UnsupportedFormatVersion,
                    file.location(&node.span()),
                    format!("poetry.lock `lock-version = \"{text}\"` is newer than the versions airlock knows (up to 2.1); read with the 2.1 layout"),
                )),
                _ => return Err(unsupported(format!("\"{text}\""), Some(node))),
            }
        }
    }

    // 1.x: `[metadata.files]` (file + hash tables); before 1.0: `[metadata.hashes]` (hex).
    let mut metadata_files: BTreeMap<String, Vec<(Option<String>, Hash)>> = BTreeMap::new();
    if let Some(metadata) = metadata {
        for (key, hex_only) in [("files", false), ("hashes", true)] {
            let Ok(Some(table)) = table_field(metadata, key) else {
                continue;
            };
            for (name, list) in table {
                let DeValue::Array(items) = list.get_ref() else {
                    continue;
                };
                let entry = metadata_files
                    .entry(crate::name::normalize(Ecosystem::PyPI, name.get_ref()))
                    .or_default();
                for item in items {
                    let parsed = match item.get_ref() {
                        DeValue::String(hex) if hex_only => Hash::new(HashAlgorithm::Sha256, hex)
                            .ok()
                            .map(|hash| (None, hash)),
                        DeValue::Table(artifact) => {
                            let file_name = string_field(artifact, "file").ok().flatten();
                            string_field(artifact, "hash")
                                .ok()
                                .flatten()
                                .and_then(parse_hash)
                                .map(|hash| (file_name.map(str::to_owned), hash))
                        }
                        _ => None,
                    };
                    match parsed {
                        Some(parsed) => entry.push(parsed),
                        None => extraction.diagnostics.push(file.warning(
                            &item.span(),
                            format!("`metadata.{key}.{}`: an entry that is not a hash airlock reads; ignored", name.get_ref()),
                        )),
                    }
                }
            }
        }
    }

    let items = match array_field(root, "package") {
        Ok(items) => items
            .map(|items| items.iter().collect::<Vec<_>>())
            .unwrap_or_default(),
        Err(error) => {
            extraction
                .diagnostics
                .push(error.to_diagnostic(file, "`package`"));
            Vec::new()
        }
    };
    let mut pending = Vec::new();
    let mut lines: BTreeMap<ComponentKey, u32> = BTreeMap::new();
    for item in items {
        let Some((component, edges)) = read_package(
            extractor,
            file,
            directory,
            item,
            &mut extraction.diagnostics,
        ) else {
            continue;
        };
        if let Some(first) = lines.get(&component.key) {
            extraction.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::DuplicateEntry,
                file.location(&item.span()),
                format!(
                    "`{}` is locked twice (first on line {first}); the entries are merged",
                    component.key
                ),
            ));
        }
        lines
            .entry(component.key.clone())
            .or_insert(file.line(&item.span()));
        pending.extend(edges);
        extraction.components.push(component);
    }

    // 1.x file hashes: by name, narrowed to the version when one name is locked twice.
    for position in 0..extraction.components.len() {
        let Some(component) = extraction.components.get(position) else {
            continue;
        };
        let name = component.key.name.normalized().to_owned();
        let Some(files) = metadata_files.get(&name) else {
            continue;
        };
        let same_name = extraction
            .components
            .iter()
            .filter(|other| other.key.name.normalized() == name)
            .count();
        let version = component.key.version.clone().unwrap_or_default();
        let hashes: Vec<Hash> = files
            .iter()
            .filter(|(file_name, _)| {
                same_name == 1
                    || file_name
                        .as_deref()
                        .is_some_and(|file_name| file_for_version(file_name, &version))
            })
            .map(|(_, hash)| hash.clone())
            .collect();
        if let Some(component) = extraction.components.get_mut(position) {
            component.hashes.extend(hashes);
        }
    }

    link_entries(
        &mut extraction,
        file.path,
        pending,
        Origin::PoetryLock,
        true,
    );
    Ok(extraction)
}

/// Whether a distribution file name (`pkg-1.2.3-py3-none-any.whl`, `pkg-1.2.3.tar.gz`) is of
/// `version`.
fn file_for_version(file_name: &str, version: &str) -> bool {
    let mut parts = file_name.split('-');
    parts.next();
    parts.next().is_some_and(|part| {
        let part = part
            .strip_suffix(".tar.gz")
            .or_else(|| part.strip_suffix(".zip"))
            .or_else(|| part.strip_suffix(".tar.bz2"))
            .unwrap_or(part);
        part == version
            || super::normalized_version(part).is_ok_and(|normalized| normalized == version)
    })
}

fn read_package(
    extractor: ExtractorId,
    file: &TomlFile<'_>,
    directory: &str,
    item: &Node<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(Component, Vec<PendingEdge>)> {
    let table = match as_table(item, "package") {
        Ok(table) => table,
        Err(error) => {
            diagnostics.push(error.to_diagnostic(file, "[[package]] skipped"));
            return None;
        }
    };
    let text = |key: &str, diagnostics: &mut Vec<Diagnostic>| -> Option<String> {
        match string_field(table, key) {
            Ok(value) => value.map(str::to_owned),
            Err(error) => {
                diagnostics.push(error.to_diagnostic(file, "[[package]]"));
                None
            }
        }
    };
    let Some(name_node) = field(table, "name") else {
        diagnostics.push(file.warning(&item.span(), "[[package]] without a `name`; skipped"));
        return None;
    };
    let line = file.line(&name_node.span());
    let raw_name = text("name", diagnostics)?;
    let name = match package_name(&raw_name) {
        Ok(name) => name,
        Err(message) => {
            diagnostics.push(file.warning(&name_node.span(), format!("{message}; skipped")));
            return None;
        }
    };
    let Some(raw_version) = text("version", diagnostics) else {
        diagnostics.push(file.warning(
            &name_node.span(),
            format!("package `{raw_name}` has no string `version`; skipped"),
        ));
        return None;
    };
    let version_line = field(table, "version").map_or(line, |node| file.line(&node.span()));
    // Poetry parses every `version` (poetry-core's `Version.parse`) and refuses the lock when
    // one is no PEP 440 version: kept unpinned (and flagged when it comes from an index),
    // never with a version that matches no advisory.
    let version = locked_version(&raw_version, |message| {
        diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            Location::line(file.path, version_line),
            format!("package `{raw_name}`: {message} (poetry refuses such a lock); kept unpinned"),
        ));
    });
    let shown_version = version.as_deref().unwrap_or(raw_version.trim());

    let (source, editable) = match table_field(table, "source") {
        Ok(None) => (Source::DEFAULT_REGISTRY, false),
        Ok(Some(source)) => match read_source(table, source, directory) {
            Ok(read) => read,
            Err(message) => {
                diagnostics.push(file.warning(
                    &item.span(),
                    format!("package `{raw_name} {shown_version}`: {message}; skipped"),
                ));
                return None;
            }
        },
        Err(error) => {
            diagnostics.push(error.to_diagnostic(file, &format!("package `{raw_name}`; skipped")));
            return None;
        }
    };
    let unpinned = version.is_none() && matches!(source, Source::Registry { .. });
    let key = ComponentKey::new(Ecosystem::PyPI, name, version, source);
    let mut component =
        Component::new(key.clone(), ComponentKind::Library).with_evidence(Evidence {
            location: Location::line(file.path, line),
            extractor,
        });
    if unpinned {
        component.flags.insert(ComponentFlag::Unpinned);
    }
    if editable {
        component.flags.insert(ComponentFlag::Editable);
    }

    // 2.x per-package files.
    if let Ok(Some(files)) = array_field(table, "files") {
        for artifact in files {
            let hash = match artifact.get_ref() {
                DeValue::Table(artifact) => string_field(artifact, "hash").ok().flatten(),
                _ => None,
            };
            match hash.and_then(parse_hash) {
                Some(hash) => {
                    component.hashes.insert(hash);
                }
                None => diagnostics.push(file.warning(
                    &artifact.span(),
                    format!("package `{raw_name}`: a `files` entry without a hash airlock reads; ignored"),
                )),
            }
        }
    }

    // Groups (2.x) or category (1.x), and whether the package is only behind an extra.
    let mut groups: Vec<String> = match field(table, "groups").map(|node| node.get_ref()) {
        Some(DeValue::Array(items)) => items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::String(group) => Some(group.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if let Some(category) = text("category", diagnostics) {
        groups.push(category);
    }
    let optional = bool_field(table, "optional")
        .ok()
        .flatten()
        .unwrap_or(false);
    component.scope = Some(if optional {
        Scope::Optional
    } else if groups.is_empty() || groups.iter().any(|group| group == "main") {
        Scope::Required
    } else {
        Scope::Dev
    });
    if !groups.is_empty() {
        component.facts.python_mut().poetry_groups = Some(groups.clone());
    }
    match field(table, "markers").map(|node| node.get_ref()) {
        Some(DeValue::String(marker)) => {
            component.facts.marker = Some(marker.to_string());
        }
        Some(DeValue::Table(per_group)) => {
            let rendered: Vec<String> = per_group
                .iter()
                .filter_map(|(group, marker)| match marker.get_ref() {
                    DeValue::String(marker) => Some(format!("{}: {marker}", group.get_ref())),
                    _ => None,
                })
                .collect();
            component.facts.marker = Some(rendered.join("; "));
        }
        _ => {}
    }

    // Which extras of this package pull in which dependency.
    let mut extras_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Ok(Some(extras)) = table_field(table, "extras") {
        for (extra, members) in extras {
            if let DeValue::Array(members) = members.get_ref() {
                for member in members {
                    if let DeValue::String(member) = member.get_ref() {
                        // `name (constraint)` or `name[extra] (constraint)` or a PEP 508 string.
                        let bare = member
                            .split(|c: char| {
                                c == ' '
                                    || c == '('
                                    || c == '['
                                    || c == ';'
                                    || c == '<'
                                    || c == '>'
                                    || c == '='
                                    || c == '!'
                                    || c == '~'
                            })
                            .next()
                            .unwrap_or_default();
                        extras_of
                            .entry(crate::name::normalize(Ecosystem::PyPI, bare))
                            .or_default()
                            .push(crate::name::normalize(Ecosystem::PyPI, extra.get_ref()));
                    }
                }
            }
        }
    }

    let mut edges = Vec::new();
    match table_field(table, "dependencies") {
        Ok(Some(dependencies)) => {
            read_dependencies(
                file,
                directory,
                &key,
                dependencies,
                &extras_of,
                &mut edges,
                diagnostics,
            );
        }
        Ok(None) => {}
        Err(error) => diagnostics.push(error.to_diagnostic(file, &format!("package `{raw_name}`"))),
    }
    Some((component, edges))
}

fn read_dependencies(
    file: &TomlFile<'_>,
    directory: &str,
    from: &ComponentKey,
    dependencies: &DeTable<'_>,
    extras_of: &BTreeMap<String, Vec<String>>,
    edges: &mut Vec<PendingEdge>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (raw_name, value) in dependencies {
        let name = match package_name(raw_name.get_ref()) {
            Ok(name) => name,
            Err(message) => {
                diagnostics.push(file.warning(&raw_name.span(), format!("{message}; skipped")));
                continue;
            }
        };
        let entries: Vec<&Node<'_>> = match value.get_ref() {
            DeValue::Array(items) => items.iter().collect(),
            _ => vec![value],
        };
        for entry in entries {
            let declaration = match poetry_declaration(entry.get_ref(), directory) {
                Ok(declaration) => declaration,
                Err(message) => {
                    diagnostics.push(file.warning(
                        &entry.span(),
                        format!(
                            "dependency `{}` of `{}`: {message}; skipped",
                            raw_name.get_ref(),
                            from.name
                        ),
                    ));
                    continue;
                }
            };
            let line = file.line(&entry.span());
            // One edge for each way the dependency is wanted: an optional one once per extra
            // that names it (with that extra in its marker), or once when no extra does.
            let edge = |kind: EdgeKind, marker: Option<String>| PendingEdge {
                from: from.clone(),
                name: name.clone(),
                wanted: Requirement::Allowed {
                    specifier: declaration.requirement.clone(),
                },
                kind,
                details: EdgeDetails {
                    marker,
                    extras: declaration.extras.clone(),
                    relation: None,
                },
                line,
            };
            if declaration.optional {
                let extras = extras_of
                    .get(name.normalized())
                    .cloned()
                    .unwrap_or_default();
                if extras.is_empty() {
                    edges.push(edge(EdgeKind::Optional, declaration.marker.clone()));
                }
                for extra in extras {
                    let marker = extra_marker(declaration.marker.as_deref(), &extra);
                    edges.push(edge(EdgeKind::Optional, Some(marker)));
                }
            } else {
                edges.push(edge(EdgeKind::Normal, declaration.marker.clone()));
            }
        }
    }
}

/// `[package.source]`.
fn read_source(
    package: &DeTable<'_>,
    source: &DeTable<'_>,
    directory: &str,
) -> Result<(Source, bool), String> {
    let text = |key: &str| string_field(source, key).map_err(|error| error.message);
    let kind = text("type")?.ok_or("`source` has no `type`")?;
    let url = text("url")?.ok_or("`source` has no `url`")?;
    let develop = bool_field(package, "develop")
        .map_err(|error| error.message)?
        .unwrap_or(false);
    Ok(match kind {
        "legacy" | "explicit" | "supplemental" | "primary" => (index_source(Some(url)), false),
        "git" => {
            let reference =
                text("reference")?.map(|reference| GitReference::Rev(reference.to_owned()));
            let commit =
                text("resolved_reference")?
                    .map(str::to_owned)
                    .or_else(|| match &reference {
                        Some(GitReference::Rev(rev)) if is_full_commit(rev) => Some(rev.clone()),
                        _ => None,
                    });
            (
                Source::Git {
                    url: url.strip_prefix("git+").unwrap_or(url).to_owned(),
                    reference,
                    commit,
                },
                false,
            )
        }
        "url" => (
            Source::Url {
                url: url.to_owned(),
            },
            false,
        ),
        "directory" => (
            Source::Path {
                path: join_path(directory, url),
            },
            develop,
        ),
        // A local archive (`./dist/demo-1.0.whl`): a distribution of the registry package
        // of that name, matched against its advisories like uv's, pdm's and pip's local
        // archives, not a local project (a `directory` source is one).
        "file" => (
            Source::File {
                path: join_path(directory, url),
            },
            false,
        ),
        other => return Err(format!("unknown source type `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Target;

    fn extract(text: &str) -> Result<Extraction, ExtractError> {
        PoetryLockExtractor.parse(&Input::new("svc/poetry.lock", text.as_bytes()))
    }

    #[test]
    fn lock_versions() {
        let error = extract("[metadata]\nlock-version = \"3.0\"\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "svc/poetry.lock:2: unsupported poetry.lock version `\"3.0\"` (airlock reads `[metadata] lock-version` 1.0 to 2.1)"
        );
        let error = extract("[[package]]\nname = \"a\"\nversion = \"1\"\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "svc/poetry.lock:1: unsupported poetry.lock version `(no `[metadata]` table)` (airlock reads `[metadata] lock-version` 1.0 to 2.1)"
        );
        assert_eq!(
            extract("# empty\n").unwrap_err().to_string(),
            "svc/poetry.lock:1: the poetry.lock is empty: no `[metadata]` table and no packages"
        );
        let newer = extract("[metadata]\nlock-version = \"2.7\"\n").unwrap();
        assert_eq!(
            newer.diagnostics[0].code,
            DiagnosticCode::UnsupportedFormatVersion
        );
        assert!(extract("[metadata]\ncontent-hash = \"x\"\n")
            .unwrap()
            .diagnostics
            .is_empty());
    }

    #[test]
    fn v1_files_sources_and_list_dependencies() {
        let hex = |c: char| c.to_string().repeat(64);
        let text = format!(
            r#"[[package]]
name = "app-lib"
version = "1.0"
category = "main"
optional = false
python-versions = "*"
develop = true

[package.dependencies]
numpy = [
    {{version = "<2", python = "<3.9"}},
    {{version = ">=2", python = ">=3.9"}},
]
Requests = {{version = "^2.0", extras = ["socks"]}}
missing = {{version = "*", optional = true}}

[package.source]
type = "directory"
url = "../lib"

[[package]]
name = "numpy"
version = "1.24.4"
category = "main"
optional = false

[[package]]
name = "numpy"
version = "2.0.1"
category = "main"
optional = false

[[package]]
name = "requests"
version = "2.31.0"
category = "dev"
optional = false

[package.source]
type = "legacy"
url = "https://pypi.org/simple"
reference = "pypi-mirror"

[[package]]
name = "forked"
version = "0.1"
category = "main"
optional = false

[package.source]
type = "git"
url = "https://github.com/o/forked.git"
reference = "main"
resolved_reference = "0123456789abcdef0123456789abcdef01234567"

[metadata]
lock-version = "1.1"
python-versions = "^3.8"
content-hash = "x"

[metadata.files]
numpy = [
    {{file = "numpy-1.24.4.tar.gz", hash = "sha256:{a}"}},
    {{file = "numpy-2.0.1-cp39-cp39-manylinux.whl", hash = "sha256:{b}"}},
]
requests = [
    {{file = "requests-2.31.0.tar.gz", hash = "sha256:{c}"}},
]
"#,
            a = hex('a'),
            b = hex('b'),
            c = hex('c')
        );
        let extraction = extract(&text).unwrap();
        let component = |name: &str, version: &str| {
            extraction
                .components
                .iter()
                .find(|c| {
                    c.key.name.normalized() == name && c.key.version.as_deref() == Some(version)
                })
                .unwrap()
        };
        assert_eq!(component("numpy", "1.24.4").hashes.len(), 1);
        assert_eq!(component("numpy", "2.0.1").hashes.len(), 1);
        assert_eq!(component("requests", "2.31.0").scope, Some(Scope::Dev));
        assert_eq!(
            component("requests", "2.31.0").key.source,
            Source::DEFAULT_REGISTRY
        );
        let app = component("app-lib", "1.0");
        assert_eq!(
            app.key.source,
            Source::Path {
                path: "lib".to_owned()
            }
        );
        assert!(app.flags.contains(&ComponentFlag::Editable));
        assert!(matches!(
            &component("forked", "0.1").key.source,
            Source::Git { commit: Some(commit), .. } if commit.starts_with("0123")
        ));
        let edges: Vec<(String, Option<String>)> = extraction
            .references
            .iter()
            .map(|edge| match &edge.to {
                Target::Key(key) => (
                    format!(
                        "{} {}",
                        key.name.normalized(),
                        key.version.as_deref().unwrap_or("")
                    ),
                    edge.conditions.marker.clone(),
                ),
                Target::Named(_) => panic!("poetry edges are keys"),
            })
            .collect();
        assert!(
            edges.contains(&(
                "numpy 1.24.4".to_owned(),
                Some("python_full_version < '3.9'".to_owned())
            )),
            "{edges:?}"
        );
        assert!(
            edges.contains(&(
                "numpy 2.0.1".to_owned(),
                Some("python_full_version >= '3.9'".to_owned())
            )),
            "{edges:?}"
        );
        assert!(edges.contains(&("requests 2.31.0".to_owned(), None)));
        assert_eq!(edges.len(), 3);
        let missing = extraction
            .diagnostics
            .iter()
            .find(|d| d.code == DiagnosticCode::DanglingReference)
            .unwrap();
        assert_eq!(
            missing.severity,
            crate::diagnostic::DiagnosticSeverity::Note,
            "optional"
        );
        assert_eq!(missing.location.as_ref().unwrap().line, Some(15));
    }

    #[test]
    fn bad_entries_are_diagnostics() {
        let text = "[[package]]\nname = \"ok\"\nversion = \"1.0\"\n\n[[package]]\nname = \"bad\"\nversion = 2\n\n[[package]]\nname = \"odd\"\nversion = \"2.x\"\n\n[metadata]\nlock-version = \"2.0\"\n";
        let extraction = extract(text).unwrap();
        let names: Vec<&str> = extraction
            .components
            .iter()
            .map(|c| c.key.name.normalized())
            .collect();
        assert_eq!(names, ["ok", "odd"]);
        // `2.x` is no version (poetry refuses the lock): unpinned and flagged, not kept as a
        // version that would match no advisory.
        let odd = &extraction.components[1];
        assert_eq!(odd.key.version, None);
        assert!(odd.flags.contains(&ComponentFlag::Unpinned));
        assert!(!extraction.components[0]
            .flags
            .contains(&ComponentFlag::Unpinned));
        let lines: Vec<Option<u32>> = extraction
            .diagnostics
            .iter()
            .map(|d| d.location.as_ref().unwrap().line)
            .collect();
        assert_eq!(
            lines,
            [Some(7), Some(6), Some(11)],
            "{:#?}",
            extraction.diagnostics
        );
    }
}
