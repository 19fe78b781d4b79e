//! `pylock.toml` and `pylock.<name>.toml`: the standard lock file of PEP 751 (lock-version 1.0).
//!
//! Each `[[packages]]` entry has a `name`, an optional `version` and `marker`, exactly one
//! source (`vcs`, `directory`, `archive`, or an `index` with `sdist`/`wheels`), hashes as
//! tables (`hashes = { sha256 = "…" }`) on every artifact, and `dependencies` naming other
//! entries by as many keys as needed to tell them apart. Top-level `extras`,
//! `dependency-groups` and `default-groups` say what the lock can install.
//!
//! pdm (`pdm lock --format pylock`, `pdm export -f pylock`) writes no standard
//! `dependencies`: each package's are PEP 508 strings under `[packages.tool.pdm]`, which pdm
//! reads back as it reads a pdm.lock's, and so does airlock when the standard list is absent.
//! A `version` that is no PEP 440 version (which packaging, uv and pdm refuse) leaves the
//! package unpinned, flagged, with a warning at its line.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::pyproject::project_source;
use super::toml_tree::{
    array_field, as_str, as_table, bool_field, field, string_field, string_list, table_field, Node,
    TomlFile, WrongType,
};
use super::{
    git_source, index_source, link_entries, locked_version, package_name, parse_requirement,
    PendingEdge,
};
use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, GitReference,
    Hash, HashAlgorithm, Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Join,
    LockedProject, Parse, Requirement, Role, Sample, Syntax,
};
use crate::facts::PythonFacts;
use crate::link::Origin;
use crate::location::{Evidence, Location};

/// Where in the Python facts one of the lock's project lists goes.
type PythonList = fn(&mut PythonFacts) -> &mut Option<Vec<String>>;

/// Reads PEP 751 lock files with the `pyproject.toml` beside them.
#[derive(Debug)]
pub struct PylockExtractor;

const ID: ExtractorId = "python/pylock";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "pylock.toml and pylock.<name>.toml (PEP 751 lock-version 1.x: wheels/sdist/archive hashes, vcs/directory/archive sources, markers, dependency groups), with its pyproject.toml",
    FileMatch::Custom(accepts),
    &PylockExtractor,
)
.role(Role::Lock(Join::PyProject))
.fuzzed_as("pylock_toml", &[Sample::new("pylock.toml", Syntax::Toml)]);

impl Parse for PylockExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let file = TomlFile::parse(input.path, input.bytes)?;
        let mut extraction = read(ID, &file, input.directory())?;
        // The project is the pyproject.toml beside the lock, joined by the link stage; the
        // lock's extras and groups are facts of that root.
        extraction.project = Some(locked_project(&file));
        Ok(extraction)
    }
}

fn accepts(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(is_pylock_name)
}

/// `pylock.toml`, or `pylock.<name>.toml` with a non-empty name without dots (PEP 751).
fn is_pylock_name(file_name: &str) -> bool {
    if file_name == "pylock.toml" {
        return true;
    }
    file_name
        .strip_prefix("pylock.")
        .and_then(|rest| rest.strip_suffix(".toml"))
        .is_some_and(|name| !name.is_empty() && !name.contains('.'))
}

fn read(
    extractor: ExtractorId,
    file: &TomlFile<'_>,
    directory: &str,
) -> Result<Extraction, ExtractError> {
    let root = &file.root;
    let mut extraction = Extraction::default();
    let version_node = field(root, "lock-version");
    let unsupported = |found: String, node: Option<&Node<'_>>| ExtractError::UnsupportedVersion {
        location: node.map_or_else(
            || Location::file(file.path),
            |node| file.location(&node.span()),
        ),
        format: "pylock.toml",
        found,
        supported: "`lock-version = \"1.0\"` (PEP 751)",
    };
    let Some(node) = version_node else {
        return Err(file.missing_version(
            "pylock.toml",
            "`lock-version` field",
            "`lock-version = \"1.0\"` (PEP 751)",
        ));
    };
    let text = as_str(node, "lock-version").map_err(|_| {
        unsupported(
            super::toml_tree::describe(node.get_ref()).to_owned(),
            Some(node),
        )
    })?;
    match text.split_once('.') {
        Some(("1", "0")) => {}
        // PEP 751: a newer minor version stays readable by tools that know the major one.
        Some(("1", minor)) if minor.parse::<u32>().is_ok() => {
            extraction.diagnostics.push(Diagnostic::note(
                DiagnosticCode::UnsupportedFormatVersion,
                file.location(&node.span()),
                format!("pylock.toml `lock-version = \"{text}\"` is newer than 1.0; read with the 1.0 layout"),
            ));
        }
        _ => return Err(unsupported(format!("\"{text}\""), Some(node))),
    }

    let items: Vec<&Node<'_>> = match array_field(root, "packages") {
        Ok(items) => items
            .map(|items| items.iter().collect())
            .unwrap_or_default(),
        Err(error) => {
            extraction
                .diagnostics
                .push(error.to_diagnostic(file, "`packages`"));
            Vec::new()
        }
    };
    let project_directory = project_source(directory);
    let mut pending = Vec::new();
    let mut pending_pdm = Vec::new();
    for item in items {
        match read_package(
            extractor,
            file,
            directory,
            item,
            &mut extraction.diagnostics,
        ) {
            Ok((component, Edges { standard, pdm })) => {
                if component.key.source == project_directory
                    && component.flags.contains(&ComponentFlag::Editable)
                    && !extraction.roots.contains(&component.key)
                {
                    extraction.roots.push(component.key.clone());
                }
                pending.extend(standard);
                pending_pdm.extend(pdm);
                extraction.components.push(component);
            }
            Err(diagnostic) => extraction.diagnostics.push(diagnostic),
        }
    }
    for component in &mut extraction.components {
        if extraction.roots.contains(&component.key) {
            component.kind = ComponentKind::Application;
        }
    }
    link_entries(&mut extraction, file.path, pending, Origin::Pylock, false);
    // pdm's own dependency lists resolve as pdm resolves them in a pdm.lock (its reader makes
    // the same `Package` of both): what a marker guards may be missing on purpose.
    link_entries(
        &mut extraction,
        file.path,
        pending_pdm,
        Origin::PdmLock,
        true,
    );
    Ok(extraction)
}

/// The dependencies of one `[[packages]]` entry, before they are resolved.
struct Edges {
    /// PEP 751's `dependencies` (tables naming other entries).
    standard: Vec<PendingEdge>,
    /// `[packages.tool.pdm] dependencies`: the PEP 508 strings pdm writes instead of the
    /// standard list (`pdm lock --format pylock`, `pdm export -f pylock`) and reads back.
    pdm: Vec<PendingEdge>,
}

fn read_package(
    extractor: ExtractorId,
    file: &TomlFile<'_>,
    directory: &str,
    item: &Node<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(Component, Edges), Diagnostic> {
    let table = as_table(item, "packages").map_err(|e| e.to_diagnostic(file, "[[packages]]"))?;
    let name_node = field(table, "name")
        .ok_or_else(|| file.warning(&item.span(), "[[packages]] without a `name`; skipped"))?;
    let line = file.line(&name_node.span());
    let raw_name =
        as_str(name_node, "name").map_err(|e| e.to_diagnostic(file, "[[packages]]; skipped"))?;
    let name = package_name(raw_name)
        .map_err(|message| file.warning(&name_node.span(), format!("{message}; skipped")))?;
    let context = format!("package `{raw_name}`");
    let wrong = |error: WrongType| error.to_diagnostic(file, &format!("{context}; skipped"));
    // A PEP 751 `version` is a PEP 440 version: packaging's `Pylock.from_dict`, uv and pdm
    // (which reads it as the specifier `==version`) refuse the lock when it is not one. Kept
    // unpinned (and flagged when it comes from an index), never with a version that matches
    // no advisory.
    let mut refused_version = false;
    let version = match field(table, "version") {
        None => None,
        Some(node) => {
            let text = as_str(node, "version").map_err(wrong)?;
            locked_version(text, |message| {
                refused_version = true;
                diagnostics.push(file.warning(
                    &node.span(),
                    format!("{context}: {message} (installers refuse such a lock); kept unpinned"),
                ));
            })
        }
    };

    let mut hashes = Vec::new();
    let mut editable = false;
    let source = if let Some(vcs) = table_field(table, "vcs").map_err(wrong)? {
        let kind = string_field(vcs, "type").map_err(wrong)?.unwrap_or("git");
        let location = match string_field(vcs, "url").map_err(wrong)? {
            Some(url) => url.to_owned(),
            None => join_path(
                directory,
                string_field(vcs, "path").map_err(wrong)?.ok_or_else(|| {
                    file.warning(
                        &item.span(),
                        format!("{context}: `vcs` has neither `url` nor `path`; skipped"),
                    )
                })?,
            ),
        };
        let commit = string_field(vcs, "commit-id")
            .map_err(wrong)?
            .map(str::to_owned);
        let reference = string_field(vcs, "requested-revision")
            .map_err(wrong)?
            .map(|rev| GitReference::Rev(rev.to_owned()));
        if kind == "git" {
            match git_source(&location) {
                Source::Git { url, .. } => Source::Git {
                    url,
                    reference,
                    commit,
                },
                other => other,
            }
        } else {
            Source::Url {
                url: format!("{kind}+{location}"),
            }
        }
    } else if let Some(tree) = table_field(table, "directory").map_err(wrong)? {
        editable = bool_field(tree, "editable")
            .map_err(wrong)?
            .unwrap_or(false);
        let path = string_field(tree, "path").map_err(wrong)?.ok_or_else(|| {
            file.warning(
                &item.span(),
                format!("{context}: `directory` has no `path`; skipped"),
            )
        })?;
        Source::Path {
            path: join_path(directory, path),
        }
    } else if let Some(archive) = table_field(table, "archive").map_err(wrong)? {
        collect_hashes(file, archive, &context, &mut hashes, diagnostics);
        // An archive on disk is a local archive, as in uv.lock, pdm.lock and poetry.lock, not
        // a local project: its name and version are a release's, so its advisories are
        // matched. pdm writes both keys for it (`url` is the `file://` URL of `path`, on the
        // machine that locked) and reads `path`.
        match (
            string_field(archive, "url").map_err(wrong)?,
            string_field(archive, "path").map_err(wrong)?,
        ) {
            (_, Some(path)) => Source::File {
                path: join_path(directory, path),
            },
            (Some(url), None) => Source::Url {
                url: url.to_owned(),
            },
            (None, None) => {
                return Err(file.warning(
                    &item.span(),
                    format!("{context}: `archive` has neither `url` nor `path`; skipped"),
                ))
            }
        }
    } else {
        if let Some(sdist) = table_field(table, "sdist").map_err(wrong)? {
            collect_hashes(file, sdist, &context, &mut hashes, diagnostics);
        }
        if let Some(wheels) = array_field(table, "wheels").map_err(wrong)? {
            for wheel in wheels {
                match wheel.get_ref() {
                    DeValue::Table(wheel) => {
                        collect_hashes(file, wheel, &context, &mut hashes, diagnostics);
                    }
                    _ => diagnostics.push(file.warning(
                        &wheel.span(),
                        format!("{context}: a wheel must be a table; ignored"),
                    )),
                }
            }
        }
        index_source(string_field(table, "index").map_err(wrong)?)
    };

    let key = ComponentKey::new(Ecosystem::PyPI, name, version, source);
    let mut component =
        Component::new(key.clone(), ComponentKind::Library).with_evidence(Evidence {
            location: Location::line(file.path, line),
            extractor,
        });
    component.hashes.extend(hashes);
    if refused_version && matches!(component.key.source, Source::Registry { .. }) {
        component.flags.insert(ComponentFlag::Unpinned);
    }
    if editable {
        component.flags.insert(ComponentFlag::Editable);
    }
    if let Some(marker) = string_field(table, "marker").map_err(wrong)? {
        component.facts.marker = Some(marker.to_owned());
    }

    let mut edges = Vec::new();
    let standard = array_field(table, "dependencies").map_err(wrong)?;
    let pdm = match standard {
        // The standard list, when written, is the authority.
        Some(_) => Vec::new(),
        None => pdm_dependencies(file, table, &key, &context, diagnostics),
    };
    if let Some(dependencies) = standard {
        for dependency in dependencies {
            let read = as_table(dependency, "dependency")
                .map_err(|error| error.message)
                .and_then(|dependency| {
                    let name = string_field(dependency, "name")
                        .map_err(|error| error.message)?
                        .ok_or("a dependency without a `name`")?;
                    let version = string_field(dependency, "version")
                        .map_err(|error| error.message)?
                        // A version that is none names no package (the package itself is
                        // kept unpinned): the name alone picks it.
                        .and_then(|text| locked_version(text, |_| {}));
                    Ok((package_name(name)?, version))
                });
            match read {
                Ok((name, version)) => edges.push(PendingEdge {
                    from: key.clone(),
                    name,
                    wanted: Requirement::Exact {
                        version,
                        source: None,
                    },
                    kind: EdgeKind::Normal,
                    details: EdgeDetails::default(),
                    line: file.line(&dependency.span()),
                }),
                Err(message) => diagnostics.push(
                    file.warning(&dependency.span(), format!("{context}: {message}; skipped")),
                ),
            }
        }
    }
    Ok((
        component,
        Edges {
            standard: edges,
            pdm,
        },
    ))
}

/// `[packages.tool.pdm] dependencies = ["idna<4,>=2.5; python_version >= \"3\"", …]`: pdm's
/// `LockedRepository._read_pylock` reads these strings as the package's dependencies, as it
/// reads a pdm.lock's, so each is an edge to the locked entries of its name, with its marker
/// and extras.
fn pdm_dependencies(
    file: &TomlFile<'_>,
    table: &DeTable<'_>,
    from: &ComponentKey,
    context: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<PendingEdge> {
    let tool = table_field(table, "tool")
        .ok()
        .flatten()
        .and_then(|tool| table_field(tool, "pdm").ok().flatten());
    let Some(pdm) = tool else {
        return Vec::new();
    };
    let items = match array_field(pdm, "dependencies") {
        Ok(Some(items)) => items,
        Ok(None) => return Vec::new(),
        Err(error) => {
            diagnostics.push(error.to_diagnostic(file, context));
            return Vec::new();
        }
    };
    let mut edges = Vec::new();
    for item in items {
        let read = as_str(item, "dependency")
            .map_err(|error| error.message)
            .and_then(parse_requirement);
        match read {
            Ok(requirement) => edges.push(PendingEdge {
                from: from.clone(),
                name: requirement.name,
                wanted: Requirement::Allowed {
                    specifier: requirement.specifier,
                },
                kind: EdgeKind::Normal,
                details: EdgeDetails {
                    marker: requirement.marker,
                    extras: requirement.extras,
                    relation: None,
                },
                line: file.line(&item.span()),
            }),
            Err(message) => diagnostics.push(file.warning(
                &item.span(),
                format!("{context}: a `tool.pdm` dependency: {message}; skipped"),
            )),
        }
    }
    edges
}

/// `hashes = { sha256 = "…", … }` of one artifact.
fn collect_hashes(
    file: &TomlFile<'_>,
    artifact: &DeTable<'_>,
    context: &str,
    hashes: &mut Vec<Hash>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let table = match table_field(artifact, "hashes") {
        Ok(Some(table)) => table,
        Ok(None) => return,
        Err(error) => {
            diagnostics.push(error.to_diagnostic(file, context));
            return;
        }
    };
    for (algorithm, value) in table {
        let parsed = match (
            HashAlgorithm::from_name(algorithm.get_ref()),
            value.get_ref(),
        ) {
            (Some(algorithm), DeValue::String(hex)) => Hash::new(algorithm, hex).ok(),
            _ => None,
        };
        match parsed {
            Some(hash) => hashes.push(hash),
            None => diagnostics.push(file.warning(
                &value.span(),
                format!(
                    "{context}: `{}` hash is not one airlock reads; ignored",
                    algorithm.get_ref()
                ),
            )),
        }
    }
}

/// The lock's extras, dependency groups and default groups, for the project's root.
fn locked_project(file: &TomlFile<'_>) -> LockedProject {
    let mut project = LockedProject::default();
    let lists: [(&str, PythonList); 3] = [
        ("extras", |facts| &mut facts.pylock_extras),
        ("dependency-groups", |facts| {
            &mut facts.pylock_dependency_groups
        }),
        ("default-groups", |facts| &mut facts.pylock_default_groups),
    ];
    for (field_name, fact) in lists {
        match string_list(&file.root, field_name) {
            Ok(values) if !values.is_empty() => {
                *fact(project.root_facts.python_mut()) = Some(values);
            }
            Ok(_) => {}
            Err(error) => project
                .root_diagnostics
                .push(error.to_diagnostic(file, "pylock.toml")),
        }
    }
    project
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(text: &str) -> Result<Extraction, ExtractError> {
        PylockExtractor.parse(&Input::new("app/pylock.toml", text.as_bytes()))
    }

    #[test]
    fn file_names() {
        assert!(is_pylock_name("pylock.toml"));
        assert!(is_pylock_name("pylock.dev.toml"));
        assert!(!is_pylock_name("pylock..toml"));
        assert!(!is_pylock_name("pylock.a.b.toml"));
        assert!(!is_pylock_name("mylock.toml"));
    }

    #[test]
    fn lock_versions() {
        let error = extract("lock-version = \"2.0\"\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "app/pylock.toml:1: unsupported pylock.toml version `\"2.0\"` (airlock reads `lock-version = \"1.0\"` (PEP 751))"
        );
        assert_eq!(
            extract("created-by = \"x\"\n").unwrap_err().to_string(),
            "app/pylock.toml:1: unsupported pylock.toml version `(no `lock-version` field)` (airlock reads `lock-version = \"1.0\"` (PEP 751))"
        );
        assert_eq!(
            extract("").unwrap_err().to_string(),
            "app/pylock.toml:1: the pylock.toml is empty: no `lock-version` field and no packages"
        );
        let newer = extract("lock-version = \"1.3\"\n").unwrap();
        assert_eq!(
            newer.diagnostics[0].code,
            DiagnosticCode::UnsupportedFormatVersion
        );
    }

    #[test]
    fn every_source_kind_with_hashes_and_dependencies() {
        let hex = |c: char| c.to_string().repeat(64);
        let text = format!(
            r#"lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "app"
directory = {{ path = ".", editable = true }}
dependencies = [{{ name = "attrs" }}, {{ name = "vcs-pkg", version = "1.0" }}, {{ name = "ghost" }}]

[[packages]]
name = "attrs"
version = "23.1.0"
index = "https://pypi.org/simple"
marker = "python_version >= '3.8'"
sdist = {{ url = "https://files.pythonhosted.org/attrs-23.1.0.tar.gz", hashes = {{ sha256 = "{a}" }} }}
wheels = [{{ url = "https://files.pythonhosted.org/attrs-23.1.0-py3-none-any.whl", hashes = {{ sha256 = "{b}", md5 = "{md5}" }} }}]

[[packages]]
name = "vcs-pkg"
version = "1.0"
vcs = {{ type = "git", url = "https://github.com/o/vcs-pkg.git", requested-revision = "v1.0", commit-id = "0123456789abcdef0123456789abcdef01234567" }}

[[packages]]
name = "archived"
version = "2.0"
archive = {{ url = "https://example.com/archived-2.0.tar.gz", hashes = {{ sha256 = "{c}" }} }}

[[packages]]
name = "private"
version = "0.1"
index = "https://pypi.example.com/simple/"
wheels = [{{ path = "wheels/private-0.1-py3-none-any.whl", hashes = {{ sha256 = "nothex" }} }}]
"#,
            a = hex('a'),
            b = hex('b'),
            c = hex('c'),
            md5 = "d".repeat(32)
        );
        let extraction = extract(&text).unwrap();
        let component = |name: &str| {
            extraction
                .components
                .iter()
                .find(|c| c.key.name.normalized() == name)
                .unwrap()
        };
        assert_eq!(component("attrs").hashes.len(), 3);
        assert_eq!(component("attrs").key.source, Source::DEFAULT_REGISTRY);
        assert_eq!(
            component("attrs").facts.marker.as_deref(),
            Some("python_version >= '3.8'")
        );
        assert_eq!(
            component("vcs-pkg").key.source.to_string(),
            "git https://github.com/o/vcs-pkg.git rev=v1.0 #0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(
            component("archived").key.source.to_string(),
            "url https://example.com/archived-2.0.tar.gz"
        );
        assert_eq!(component("archived").hashes.len(), 1);
        assert_eq!(
            component("private").key.source.to_string(),
            "registry https://pypi.example.com/simple"
        );
        let app = component("app");
        assert_eq!(app.kind, ComponentKind::Application);
        assert_eq!(extraction.roots, std::slice::from_ref(&app.key));
        assert_eq!(extraction.references.len(), 2);
        let codes: Vec<(DiagnosticCode, Option<u32>)> = extraction
            .diagnostics
            .iter()
            .map(|d| (d.code, d.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            codes,
            [
                (DiagnosticCode::InvalidEntry, Some(31)),
                (DiagnosticCode::DanglingReference, Some(7)),
            ]
        );
    }
}
