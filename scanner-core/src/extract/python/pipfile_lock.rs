//! `Pipfile.lock`, pipenv's lockfile, `_meta.pipfile-spec` 1 to 6 (every pipenv release since
//! 2017 writes 6; earlier numbers have the same layout), with the `Pipfile` beside it.
//!
//! Spec: pipenv's lock format (`pipenv/project.py`, `pipenv/utils/locking.py`) and the Pipfile
//! format (`pypa/pipfile`). The lock is a JSON object: `_meta` (`pipfile-spec`, `sources` with a
//! name and a URL each), then `default` (runtime), `develop` (development) and, since pipenv
//! 2023, any further package category named in the Pipfile (installed only on request, so
//! optional here). Each entry is keyed by package name and holds `version` (`==1.2.3`),
//! `hashes`, `markers`, `extras`, `index` (a source name), or a non-registry origin: `git` with
//! `ref` (the locked commit), `path`, `file`, `editable`.
//!
//! The lock has no dependency edges: everything is flat. The project root is the `Pipfile`'s
//! directory, with an edge to each package its `[packages]` and `[dev-packages]` declare; without
//! a readable `Pipfile` every locked package is taken as declared. The root is the lock's own
//! `path = "."` entry when there is one, otherwise a component named after the directory.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::requirements_txt::{local_project, redact_credentials};
use super::{
    git_source, index_source, locked_version, normalized_marker, package_name, parse_hash,
};
use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Scope, Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Join,
    LockedProject, Parse, ProjectReference, Role, Sample, Syntax,
};
use crate::location::{Evidence, Location};
use crate::name::PackageName;
use crate::text::LineIndex;

/// The newest `pipfile-spec` airlock reads.
const NEWEST_SPEC: i64 = 6;

/// Reads `Pipfile.lock` (and the `Pipfile` beside it, for the direct dependencies).
#[derive(Debug)]
pub struct PipfileLockExtractor;

const ID: ExtractorId = "python/pipfile-lock";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Pipfile.lock (pipfile-spec 1-6: default/develop/categories, hashes, markers, git/path/file/editable) with its Pipfile",
    FileMatch::Names(&["Pipfile.lock"]),
    &PipfileLockExtractor,
)
.role(Role::Lock(Join::PyProject))
.fuzzed_as("pipfile_lock", &[Sample::new("Pipfile.lock", Syntax::Json)]);

impl Parse for PipfileLockExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let lock = parse(input.path, input.bytes)?;
        Ok(assemble(ID, input, lock))
    }
}

/// The sections every lock has, typed so that a wrong type is reported at its exact position.
#[derive(Deserialize)]
struct WireLock {
    #[serde(rename = "_meta")]
    meta: Option<WireMeta>,
    #[serde(default)]
    default: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    develop: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct WireMeta {
    #[serde(rename = "pipfile-spec")]
    pipfile_spec: Option<serde_json::Value>,
    #[serde(default)]
    sources: Vec<WireSource>,
}

#[derive(Deserialize)]
struct WireSource {
    name: Option<String>,
    url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct WireEntry {
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    markers: Option<String>,
    #[serde(default)]
    extras: Vec<String>,
    index: Option<String>,
    git: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    hg: Option<String>,
    svn: Option<String>,
    bzr: Option<String>,
    path: Option<String>,
    file: Option<String>,
    #[serde(default)]
    editable: bool,
}

/// A package section of the lock and what it means.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Default,
    Develop,
    Category(String),
}

impl Section {
    fn from_name(name: &str) -> Section {
        match name {
            "default" => Section::Default,
            "develop" => Section::Develop,
            other => Section::Category(other.to_owned()),
        }
    }

    fn scope(&self) -> Scope {
        match self {
            Section::Default => Scope::Required,
            Section::Develop => Scope::Dev,
            Section::Category(_) => Scope::Optional,
        }
    }

    fn edge_kind(&self) -> EdgeKind {
        match self {
            Section::Default => EdgeKind::Normal,
            Section::Develop => EdgeKind::Dev,
            Section::Category(_) => EdgeKind::Optional,
        }
    }

    /// The Pipfile table declaring this section's packages.
    fn pipfile_table(&self) -> &str {
        match self {
            Section::Default => "packages",
            Section::Develop => "dev-packages",
            Section::Category(name) => name,
        }
    }
}

/// One locked package.
#[derive(Debug, Clone)]
struct LockedEntry {
    section: Section,
    name: PackageName,
    line: u32,
    entry: WireEntry,
}

#[derive(Debug)]
struct ParsedLock {
    /// Source name → index URL.
    sources: Vec<(String, String)>,
    entries: Vec<LockedEntry>,
    diagnostics: Vec<Diagnostic>,
    meta_line: u32,
}

/// Parses the JSON, checks `pipfile-spec`, and reads every entry (bad entries become warnings).
fn parse(path: &str, bytes: &[u8]) -> Result<ParsedLock, ExtractError> {
    let text = crate::text::utf8(bytes).map_err(|(line, offset)| ExtractError::InvalidUtf8 {
        location: Location::line(path, line),
        offset,
    })?;
    let wire: WireLock = serde_json::from_str(text).map_err(|error| json_error(path, &error))?;
    let lines = member_lines(text);
    let line_of = |section: &str, member: Option<&str>| -> u32 {
        lines
            .get(&(section.to_owned(), member.map(str::to_owned)))
            .copied()
            .unwrap_or(1)
    };
    let mut diagnostics = Vec::new();
    let meta_line = line_of("_meta", None);
    match wire
        .meta
        .as_ref()
        .and_then(|meta| meta.pipfile_spec.as_ref())
    {
        // pipenv repairs a lock without `_meta` (or without its `pipfile-spec`) and reads it
        // (`Lockfile.load`; its own tests write such locks): a note, not a warning.
        None => diagnostics.push(Diagnostic::note(
            DiagnosticCode::InvalidEntry,
            Location::line(path, meta_line),
            format!("no `_meta.pipfile-spec`; read as pipfile-spec {NEWEST_SPEC}"),
        )),
        Some(serde_json::Value::Number(number))
            if number
                .as_i64()
                .is_some_and(|spec| (1..=NEWEST_SPEC).contains(&spec)) => {}
        Some(other) => {
            return Err(ExtractError::UnsupportedVersion {
                location: Location::line(path, line_of("_meta", Some("pipfile-spec"))),
                format: "Pipfile.lock",
                found: other.to_string(),
                supported: "`_meta.pipfile-spec` 1 to 6",
            })
        }
    }
    let sources = wire
        .meta
        .map(|meta| meta.sources)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|source| Some((source.name?, source.url?)))
        .collect();

    // Further categories (pipenv 2023+) are any other top-level object of objects. serde_json
    // keeps no positions through `#[serde(flatten)]`, so they are read in a second pass instead.
    let mut sections = vec![
        ("default".to_owned(), wire.default),
        ("develop".to_owned(), wire.develop),
    ];
    let everything: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|error| json_error(path, &error))?;
    for (name, value) in everything {
        if matches!(name.as_str(), "_meta" | "default" | "develop") {
            continue;
        }
        let serde_json::Value::Object(members) = value else {
            continue;
        };
        if members.values().all(serde_json::Value::is_object) {
            sections.push((name, members.into_iter().collect()));
        }
    }

    let mut entries = Vec::new();
    for (section_name, members) in sections {
        let section = Section::from_name(&section_name);
        for (name_text, value) in members {
            let line = line_of(&section_name, Some(&name_text));
            let location = Location::line(path, line);
            let name = match package_name(&name_text) {
                Ok(name) => name,
                Err(error) => {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::InvalidEntry,
                        location,
                        format!("`{section_name}`: {error}; skipped"),
                    ));
                    continue;
                }
            };
            match serde_json::from_value::<WireEntry>(value) {
                Ok(entry) => entries.push(LockedEntry {
                    section: section.clone(),
                    name,
                    line,
                    entry,
                }),
                Err(error) => diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    location,
                    format!("`{name_text}` in `{section_name}`: {error}; skipped"),
                )),
            }
        }
    }
    Ok(ParsedLock {
        sources,
        entries,
        diagnostics,
        meta_line,
    })
}

/// A serde_json error as a located parse error (serde_json counts lines and columns from 1).
pub(crate) fn json_error(path: &str, error: &serde_json::Error) -> ExtractError {
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let full = error.to_string();
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    let kind = match error.classify() {
        serde_json::error::Category::Eof => "truncated JSON",
        serde_json::error::Category::Data => "unexpected JSON content",
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => "invalid JSON",
    };
    ExtractError::Parse {
        location: Location {
            path: path.to_owned(),
            line: u32::try_from(error.line()).ok().filter(|line| *line > 0),
            column: u32::try_from(error.column())
                .ok()
                .filter(|column| *column > 0),
        },
        message: format!("{kind}: {message}"),
    }
}

/// Lines of the member names of the top-level object (`("default", None)`) and of the objects
/// it holds (`("default", Some("requests"))`). serde_json keeps no positions, so the text is
/// walked once more; it is valid JSON by then.
fn member_lines(text: &str) -> BTreeMap<(String, Option<String>), u32> {
    let mut lines = BTreeMap::new();
    let mut line: u32 = 1;
    // Open containers, each with the member name that opened it.
    let mut stack: Vec<Option<String>> = Vec::new();
    let mut last_key: Option<String> = None;
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\n' => line = line.saturating_add(1),
            '"' => {
                let start = line;
                let mut string = String::new();
                while let Some(inner) = characters.next() {
                    match inner {
                        '\\' => {
                            if let Some(escaped) = characters.next() {
                                string.push(escaped);
                            }
                        }
                        '"' => break,
                        other => string.push(other),
                    }
                }
                let mut is_key = false;
                while let Some(&next) = characters.peek() {
                    if next == '\n' {
                        line = line.saturating_add(1);
                        characters.next();
                    } else if next.is_whitespace() {
                        characters.next();
                    } else {
                        is_key = next == ':';
                        break;
                    }
                }
                if is_key {
                    match stack.len() {
                        1 => {
                            lines.entry((string.clone(), None)).or_insert(start);
                        }
                        2 => {
                            if let Some(Some(parent)) = stack.get(1) {
                                lines
                                    .entry((parent.clone(), Some(string.clone())))
                                    .or_insert(start);
                            }
                        }
                        _ => {}
                    }
                    last_key = Some(string);
                }
            }
            '{' | '[' => stack.push(last_key.take()),
            '}' | ']' => {
                stack.pop();
                last_key = None;
            }
            ',' => last_key = None,
            _ => {}
        }
    }
    lines
}

/// What the `Pipfile` declares, per section, with lines.
#[derive(Debug, Default)]
struct Pipfile {
    path: String,
    declared: BTreeMap<String, Vec<(PackageName, u32)>>,
}

/// Reads the `Pipfile` beside the lock; `Err` carries the diagnostic to report.
fn read_pipfile(input: &Input<'_>) -> Result<Pipfile, Option<Diagnostic>> {
    let path = join_path(input.directory(), "Pipfile");
    // A missing Pipfile is not a problem of the lock: the fallback below is documented.
    let bytes = input.files.read(&path).map_err(|_| None)?;
    let text = crate::text::utf8(&bytes).map_err(|(line, _)| {
        Some(Diagnostic::warning(
            DiagnosticCode::ParseError,
            Location::line(&path, line),
            "the Pipfile is not valid UTF-8; direct dependencies taken from the lock",
        ))
    })?;
    let index = LineIndex::new(text);
    let tables: toml::Table = toml::from_str(text).map_err(|error| {
        let line = error.span().map(|span| index.line(span.start));
        Some(Diagnostic::warning(
            DiagnosticCode::ParseError,
            Location {
                path: path.clone(),
                line,
                column: None,
            },
            format!(
                "invalid TOML: {}; direct dependencies taken from the lock",
                error.message().trim_end()
            ),
        ))
    })?;
    // Keys' lines: the TOML value tree keeps no spans, so each declared name is looked up in
    // its table's text (the first `name =` line after the `[table]` header).
    let mut pipfile = Pipfile {
        path: path.clone(),
        declared: BTreeMap::new(),
    };
    for (table, value) in &tables {
        if matches!(table.as_str(), "source" | "requires" | "pipenv" | "scripts") {
            continue;
        }
        let Some(members) = value.as_table() else {
            continue;
        };
        let header_line = header_line(text, table).unwrap_or(1);
        let mut names = Vec::new();
        for name in members.keys() {
            let Ok(package) = package_name(name) else {
                continue;
            };
            let line = key_line(text, header_line, name).unwrap_or(header_line);
            names.push((package, line));
        }
        pipfile.declared.insert(table.clone(), names);
    }
    Ok(pipfile)
}

/// The 1-based line of `[table]` in a TOML text.
fn header_line(text: &str, table: &str) -> Option<u32> {
    let header = format!("[{table}]");
    text.lines()
        .position(|line| line.trim() == header)
        .and_then(|index| u32::try_from(index + 1).ok())
}

/// The 1-based line of `key =` at or after `from_line`.
fn key_line(text: &str, from_line: u32, key: &str) -> Option<u32> {
    let skip = usize::try_from(from_line).ok()?;
    text.lines()
        .enumerate()
        .skip(skip)
        .find(|(_, line)| {
            let line = line.trim_start();
            let unquoted = line
                .strip_prefix('"')
                .and_then(|rest| rest.strip_prefix(key))
                .and_then(|rest| rest.strip_prefix('"'))
                .or_else(|| line.strip_prefix(key));
            unquoted.is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .and_then(|(index, _)| u32::try_from(index + 1).ok())
}

/// A git URL without the `@reference` written after its repository path (the `user@` of the
/// authority stays).
fn without_url_reference(url: &str) -> &str {
    let path_start = url
        .find("://")
        .map(|scheme_end| scheme_end + 3)
        .and_then(|authority| {
            url.get(authority..)?
                .find('/')
                .map(|slash| authority + slash)
        });
    match path_start.and_then(|start| Some(start + url.get(start..)?.find('@')?)) {
        Some(at) => url.get(..at).unwrap_or(url),
        None => url,
    }
}

fn assemble(extractor: ExtractorId, input: &Input<'_>, lock: ParsedLock) -> Extraction {
    let directory = input.directory();
    let project_directory = join_path(directory, ".");
    let mut diagnostics = lock.diagnostics;
    let default_index = lock.sources.first().map(|(_, url)| url.clone());
    let mut components: BTreeMap<ComponentKey, Component> = BTreeMap::new();
    let mut locked: Vec<(Section, ComponentKey, EdgeDetails, Location)> = Vec::new();

    for locked_entry in &lock.entries {
        let location = Location::line(input.path, locked_entry.line);
        let entry = &locked_entry.entry;
        let name = locked_entry.name.clone();
        let warn = |diagnostics: &mut Vec<Diagnostic>, message: String| {
            diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                location.clone(),
                message,
            ));
        };
        let mut flags = BTreeSet::new();
        let mut kind = ComponentKind::Library;
        let pinned = entry.version.as_deref().map(str::trim).and_then(|version| {
            version
                .strip_prefix("===")
                .or_else(|| version.strip_prefix("=="))
        });
        let version = match pinned {
            // pipenv hands `name==text` to pip, which refuses a text that is no version: kept
            // unpinned (and flagged when it comes from an index).
            Some(raw) => locked_version(raw, |error| {
                warn(
                    &mut diagnostics,
                    format!("`{name}`: {error} (pip refuses the requirement); kept unpinned"),
                );
            }),
            None => None,
        };
        let (source, version) = if let Some(url) = &entry.git {
            // `git` + `ref` read as the pip spelling `git+URL@ref`, as every Python format's
            // git sources are, so keys agree across formats.
            let spelled = match entry.reference.as_deref() {
                // pipenv's `normalize_vcs_url` takes a `@reference` off the URL and installs
                // `ref` (a branch name may hold `/`: `repo.git@user/branch`).
                Some(reference) => format!(
                    "git+{}@{reference}",
                    without_url_reference(url.strip_prefix("git+").unwrap_or(url))
                ),
                None => format!("git+{}", url.strip_prefix("git+").unwrap_or(url)),
            };
            let source = match git_source(&spelled) {
                Source::Git {
                    url,
                    reference,
                    commit,
                } => {
                    if commit.is_none() {
                        flags.insert(ComponentFlag::Unpinned);
                    }
                    Source::Git {
                        url: redact_credentials(&url),
                        reference,
                        commit,
                    }
                }
                other => other,
            };
            (source, version)
        } else if let Some((scheme, url)) = [
            ("hg+", &entry.hg),
            ("svn+", &entry.svn),
            ("bzr+", &entry.bzr),
        ]
        .into_iter()
        .find_map(|(scheme, url)| Some((scheme, url.as_ref()?)))
        {
            let url = if url.starts_with(scheme) {
                url.clone()
            } else {
                format!("{scheme}{url}")
            };
            flags.insert(ComponentFlag::Unpinned);
            (
                Source::Url {
                    url: redact_credentials(&url),
                },
                version,
            )
        } else if let Some(local) = entry.path.as_deref().or_else(|| {
            entry
                .file
                .as_deref()
                .filter(|file| !file.contains("://") || file.starts_with("file:"))
        }) {
            let relative = local
                .strip_prefix("file://")
                .or_else(|| local.strip_prefix("file:"))
                .unwrap_or(local);
            let path = join_path(directory, relative);
            if is_archive(&path) {
                (Source::File { path }, version)
            } else {
                kind = ComponentKind::Application;
                let version = match local_project(input.files, &path) {
                    Some((project, project_version)) if project == name => {
                        project_version.or(version)
                    }
                    _ => version,
                };
                (Source::Path { path }, version)
            }
        } else if let Some(url) = &entry.file {
            (
                Source::Url {
                    url: redact_credentials(url),
                },
                version,
            )
        } else {
            let index_url = match &entry.index {
                Some(index_name) => {
                    match lock.sources.iter().find(|(name, _)| name == index_name) {
                        Some((_, url)) => Some(url.clone()),
                        None => {
                            warn(
                            &mut diagnostics,
                            format!("`{name}` names the index `{index_name}`, which `_meta.sources` does not define; taken as the default index"),
                        );
                            default_index.clone()
                        }
                    }
                }
                None => default_index.clone(),
            };
            if version.is_none() {
                flags.insert(ComponentFlag::Unpinned);
            }
            (
                index_source(index_url.map(|url| redact_credentials(&url)).as_deref()),
                version,
            )
        };
        if entry.editable {
            flags.insert(ComponentFlag::Editable);
        }
        let key = ComponentKey::new(Ecosystem::PyPI, name.clone(), version, source);
        let mut component = Component::new(key.clone(), kind).with_evidence(Evidence {
            location: location.clone(),
            extractor,
        });
        component.scope = Some(locked_entry.section.scope());
        component.flags = flags;
        for text in &entry.hashes {
            match parse_hash(text) {
                Some(hash) => {
                    component.hashes.insert(hash);
                }
                None => warn(
                    &mut diagnostics,
                    format!("`{name}`: `{text}` is not a digest airlock reads; ignored"),
                ),
            }
        }
        let marker = match entry.markers.as_deref().map(normalized_marker) {
            None => None,
            Some(Ok(marker)) => marker,
            Some(Err(error)) => {
                warn(
                    &mut diagnostics,
                    format!("`{name}`: {error}; kept as written"),
                );
                entry.markers.clone()
            }
        };
        let mut extras = entry.extras.clone();
        extras.sort();
        extras.dedup();
        let details = EdgeDetails {
            marker,
            extras,
            relation: None,
        };
        match components.get_mut(&key) {
            Some(existing) => existing.merge(component),
            None => {
                components.insert(key.clone(), component);
            }
        }
        locked.push((locked_entry.section.clone(), key, details, location));
    }

    // The root: the pyproject.toml beside the lock (joined by the link stage), else the lock's
    // own `path = "."` entry, else a component named after the directory.
    let mut extraction = Extraction {
        components: components.into_values().collect(),
        ..Extraction::default()
    };
    let pipfile = match read_pipfile(input) {
        Ok(pipfile) => Some(pipfile),
        Err(diagnostic) => {
            diagnostics.extend(diagnostic);
            None
        }
    };
    let own = locked
        .iter()
        .map(|(_, key, _, _)| key)
        .find(|key| matches!(&key.source, Source::Path { path } if *path == project_directory))
        .and_then(|key| {
            extraction
                .components
                .iter()
                .find(|component| component.key == *key)
                .cloned()
        });
    let fallback = own.or_else(|| {
        let name = project_directory
            .rsplit('/')
            .next()
            .filter(|segment| !segment.is_empty() && *segment != "." && *segment != "..")
            .and_then(|segment| package_name(segment).ok())
            .or_else(|| package_name("pipenv-project").ok())?;
        let key = ComponentKey::new(
            Ecosystem::PyPI,
            name,
            None,
            Source::Path {
                path: project_directory.clone(),
            },
        );
        let evidence = match &pipfile {
            Some(pipfile) => Location::line(&pipfile.path, 1),
            None => Location::line(input.path, lock.meta_line),
        };
        Some(
            Component::new(key, ComponentKind::Application).with_evidence(Evidence {
                location: evidence,
                extractor,
            }),
        )
    });

    // Edges from the root, which the link stage settles.
    let mut edges = Vec::new();
    let mut push_edge =
        |section: &Section, key: &ComponentKey, details: &EdgeDetails, location: &Location| {
            edges.push(ProjectReference {
                from: None,
                to: key.clone(),
                kind: section.edge_kind(),
                conditions: details.clone(),
                location: Some(location.clone()),
            });
        };
    match &pipfile {
        None => {
            for (section, key, details, location) in &locked {
                push_edge(section, key, details, location);
            }
        }
        Some(pipfile) => {
            for (table, declared) in &pipfile.declared {
                let section = match table.as_str() {
                    "packages" => Section::Default,
                    "dev-packages" => Section::Develop,
                    other => Section::Category(other.to_owned()),
                };
                for (name, line) in declared {
                    let matching: Vec<_> = locked
                        .iter()
                        .filter(|(locked_section, key, _, _)| {
                            *locked_section == section && key.name == *name
                        })
                        .collect();
                    if matching.is_empty() {
                        diagnostics.push(Diagnostic::warning(
                            DiagnosticCode::LockfileOutOfDate,
                            Location::line(&pipfile.path, *line),
                            format!(
                                "[{}] declares `{name}`, which {} does not lock in `{}`",
                                section.pipfile_table(),
                                input.path,
                                match &section {
                                    Section::Default => "default",
                                    Section::Develop => "develop",
                                    Section::Category(name) => name,
                                }
                            ),
                        ));
                    }
                    for (section, key, details, location) in matching {
                        push_edge(section, key, details, location);
                    }
                }
            }
        }
    }
    extraction.project = Some(LockedProject {
        fallback,
        references: edges,
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
