//! `Cargo.toml` manifests: the package, its dependency tables (normal, dev, build, and each of
//! them under `[target.'cfg(…)']`), and the `[workspace]` table (members, exclude,
//! `[workspace.dependencies]`, `[workspace.package]`).
//!
//! The parser returns the manifest itself (for the link stage to join with a `Cargo.lock` at or
//! above it, see `link/cargo.rs`) and the manifest read alone, which is what the scan keeps when
//! no lockfile accounts for it: dependencies as ranges, never versions.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{crate_name, parse_toml};
use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, GitReference,
    Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, parent_directory, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input,
    Parse, ProjectManifest, Role, Sample, Syntax,
};
use crate::facts::author::{Author, MAX_AUTHORS, MAX_AUTHOR_FIELD};
use crate::location::{Evidence, Location};
use crate::text::LineIndex;

/// Reads a `Cargo.toml`: the manifest for the link stage, and the crate read alone.
#[derive(Debug)]
pub struct CargoTomlExtractor;

const ID: ExtractorId = "cargo/cargo-toml";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Cargo.toml of a crate without a Cargo.lock (direct dependencies as unpinned requirements)",
    FileMatch::Names(&["Cargo.toml"]),
    &CargoTomlExtractor,
)
.role(Role::Manifest(Ecosystem::CratesIo))
.fuzzed_as("cargo_toml", &[Sample::new("Cargo.toml", Syntax::Toml)]);

impl Parse for CargoTomlExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let manifest = Manifest::parse(input.path, input.bytes)?;
        let mut extraction = standalone(ID, &manifest);
        extraction.manifest = Some(ProjectManifest::Cargo(Box::new(manifest)));
        Ok(extraction)
    }
}

/// A package version as a manifest writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestVersion {
    /// A version written out (`version = "1.2.0"`).
    Value(String),
    /// `version.workspace = true`.
    Inherited,
    /// No `version` key (Cargo reads this as `0.0.0`).
    Missing,
}

/// `[package]`.
#[derive(Debug, Clone)]
pub struct ManifestPackage {
    /// `package.name`.
    pub name: String,
    /// `package.version`, written, inherited or missing.
    pub version: ManifestVersion,
    /// `package.license`, an SPDX expression as written; else `see file NAME` for
    /// `package.license-file` (never opened).
    pub license: Option<String>,
    /// `license.workspace = true` (or `license-file.workspace = true`): the license is the
    /// workspace root's `[workspace.package]` one, which the link stage fills in.
    pub license_inherited: bool,
    /// `package.authors` (`"Name <email>"`), at most [`MAX_AUTHORS`].
    pub authors: Vec<Author>,
    /// `authors.workspace = true`: the authors are the workspace root's `[workspace.package]`
    /// ones, which the link stage fills in.
    pub authors_inherited: bool,
    /// The line of `package.name`.
    pub line: u32,
}

/// Where a declared dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredSource {
    /// A registry (`None`: crates.io; `Some`: a named registry from `.cargo/config.toml`).
    Registry(Option<String>),
    /// `path = …`, already joined onto the manifest's directory (scan-relative).
    Path(String),
    /// `git = …`, with the branch, tag or rev asked for.
    Git {
        /// The repository URL as written.
        url: String,
        /// The `branch`, `tag` or `rev` key, if any.
        reference: Option<GitReference>,
    },
}

/// One dependency declaration.
#[derive(Debug, Clone)]
pub struct DeclaredDependency {
    /// The key in the table (the name the code uses).
    pub key: String,
    /// The package it names (`package = …` renames).
    pub package: String,
    /// The version requirement (`^1.2`); `None` for a path or git dependency without one.
    pub requirement: Option<String>,
    /// Which table declared it: `dependencies`, `dev-dependencies` or `build-dependencies`.
    pub kind: EdgeKind,
    /// `optional = true`: built only when a feature asks for it.
    pub optional: bool,
    /// The `cfg(…)` or target triple of a `[target.….dependencies]` table.
    pub target: Option<String>,
    /// Where the dependency comes from.
    pub source: DeclaredSource,
    /// `workspace = true`: everything but `optional`/`features` comes from the workspace root.
    pub inherits_workspace: bool,
    /// The line of the declaration.
    pub line: u32,
}

/// `[workspace]`.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceTable {
    /// `members` globs, relative to the workspace root.
    pub members: Vec<String>,
    /// `exclude` globs.
    pub exclude: Vec<String>,
    /// `[workspace.package] version`, what members with `version.workspace = true` get.
    pub package_version: Option<String>,
    /// `[workspace.package] license` (or `license-file`), what members with
    /// `license.workspace = true` get.
    pub package_license: Option<String>,
    /// `[workspace.package] authors`, what members with `authors.workspace = true` get.
    pub package_authors: Vec<Author>,
    /// `[workspace.dependencies]`, what members with `workspace = true` inherit.
    pub dependencies: Vec<DeclaredDependency>,
}

/// A parsed manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest's scan-relative path.
    pub path: String,
    /// The directory it lies in (paths in it are relative to it).
    pub directory: String,
    /// `[package]` (or the older `[project]`), when the manifest is a crate.
    pub package: Option<ManifestPackage>,
    /// `[workspace]`, when the manifest is a workspace root.
    pub workspace: Option<WorkspaceTable>,
    /// Every dependency the manifest declares, all tables and targets.
    pub dependencies: Vec<DeclaredDependency>,
    /// Problems with single entries; the rest of the manifest was still read.
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Deserialize)]
struct WireManifest {
    package: Option<WirePackage>,
    project: Option<WirePackage>,
    workspace: Option<WireWorkspace>,
    #[serde(default)]
    dependencies: WireTable,
    #[serde(default, rename = "dev-dependencies", alias = "dev_dependencies")]
    dev_dependencies: WireTable,
    #[serde(default, rename = "build-dependencies", alias = "build_dependencies")]
    build_dependencies: WireTable,
    #[serde(default)]
    target: BTreeMap<String, WireTarget>,
}

type WireTable = BTreeMap<String, Spanned<toml::Value>>;

#[derive(Deserialize)]
struct WirePackage {
    name: Option<Spanned<String>>,
    version: Option<toml::Value>,
    license: Option<toml::Value>,
    #[serde(rename = "license-file", alias = "license_file")]
    license_file: Option<toml::Value>,
    authors: Option<toml::Value>,
}

#[derive(Deserialize)]
struct WireTarget {
    #[serde(default)]
    dependencies: WireTable,
    #[serde(default, rename = "dev-dependencies", alias = "dev_dependencies")]
    dev_dependencies: WireTable,
    #[serde(default, rename = "build-dependencies", alias = "build_dependencies")]
    build_dependencies: WireTable,
}

#[derive(Deserialize)]
struct WireWorkspace {
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    package: Option<Spanned<WireWorkspacePackage>>,
    #[serde(default)]
    dependencies: WireTable,
}

#[derive(Deserialize)]
struct WireWorkspacePackage {
    version: Option<String>,
    license: Option<toml::Value>,
    #[serde(rename = "license-file", alias = "license_file")]
    license_file: Option<toml::Value>,
    authors: Option<toml::Value>,
}

/// Whether a `package` key is `{ workspace = true }` (inherited from `[workspace.package]`).
fn is_inherited(value: Option<&toml::Value>) -> bool {
    matches!(value, Some(toml::Value::Table(table))
        if table.get("workspace").and_then(toml::Value::as_bool) == Some(true))
}

/// `license`, else `see file NAME` for `license-file` (never opened); values that are not
/// strings (an inherited table) give nothing.
fn read_license(license: Option<toml::Value>, license_file: Option<toml::Value>) -> Option<String> {
    license
        .and_then(|value| value.as_str().map(str::to_owned))
        .or_else(|| {
            let file = license_file?;
            let file = file.as_str()?.trim();
            (!file.is_empty()
                && file.chars().count() <= MAX_AUTHOR_FIELD
                && !file.chars().any(char::is_control))
            .then(|| format!("see file {file}"))
        })
}

/// `package.authors`: `"Name <email>"` strings, at most [`MAX_AUTHORS`]; an entry that is no
/// string, too long or with a control character is a warning and left out. Cargo's manifest
/// gives no span for these values: warnings point at the package's name.
fn read_authors(
    value: Option<toml::Value>,
    path: &str,
    line: u32,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Author> {
    let mut authors = Vec::new();
    let warn = |diagnostics: &mut Vec<Diagnostic>, message: String| {
        diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            Location::line(path, line),
            message,
        ));
    };
    let items = match value {
        None => return authors,
        Some(toml::Value::Array(items)) => items,
        Some(toml::Value::Table(table))
            if table.get("workspace").and_then(toml::Value::as_bool) == Some(true) =>
        {
            return authors
        }
        Some(other) => {
            warn(
                diagnostics,
                format!(
                    "`package.authors` is `{}`, not a list of strings; ignored",
                    other.type_str()
                ),
            );
            return authors;
        }
    };
    for item in items {
        let read = match &item {
            toml::Value::String(text) => Author::parse_contact(text),
            other => Err(format!("an entry is {}, not a string", other.type_str())),
        };
        match read {
            Ok(author) if authors.contains(&author) => {}
            Ok(_) if authors.len() >= MAX_AUTHORS => {
                warn(
                    diagnostics,
                    format!(
                        "`package.authors`: more than {MAX_AUTHORS} authors; the rest are left out"
                    ),
                );
                break;
            }
            Ok(author) => authors.push(author),
            Err(message) => warn(
                diagnostics,
                format!("`package.authors`: {message}; ignored"),
            ),
        }
    }
    authors
}

impl Manifest {
    /// Parses the manifest at `path`; an invalid TOML file is an error, a bad entry a diagnostic.
    pub fn parse(path: &str, bytes: &[u8]) -> Result<Manifest, ExtractError> {
        let (wire, index) = parse_toml::<WireManifest>(path, bytes)?;
        let directory = parent_directory(path).to_owned();
        let mut diagnostics = Vec::new();
        let package = wire.package.or(wire.project).and_then(|package| {
            let name = package.name?;
            let line = index.line(name.span().start);
            let version = match package.version {
                None => ManifestVersion::Missing,
                Some(toml::Value::String(version)) => ManifestVersion::Value(version),
                Some(toml::Value::Table(table)) if table.get("workspace").and_then(toml::Value::as_bool) == Some(true) => {
                    ManifestVersion::Inherited
                }
                Some(other) => {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::InvalidEntry,
                        Location::line(path, line),
                        format!("`package.version` is `{other}`, neither a string nor `{{ workspace = true }}`"),
                    ));
                    ManifestVersion::Missing
                }
            };
            let license_inherited = is_inherited(package.license.as_ref())
                || is_inherited(package.license_file.as_ref());
            let authors_inherited = is_inherited(package.authors.as_ref());
            let license = read_license(package.license, package.license_file);
            let authors = read_authors(package.authors, path, line, &mut diagnostics);
            Some(ManifestPackage {
                name: name.into_inner(),
                version,
                license,
                license_inherited,
                authors,
                authors_inherited,
                line,
            })
        });
        let mut reader = DeclarationReader {
            path,
            directory: &directory,
            index: &index,
            diagnostics: &mut diagnostics,
        };
        let mut dependencies = Vec::new();
        reader.read_tables(
            [
                &wire.dependencies,
                &wire.dev_dependencies,
                &wire.build_dependencies,
            ],
            None,
            &mut dependencies,
        );
        for (target, tables) in &wire.target {
            reader.read_tables(
                [
                    &tables.dependencies,
                    &tables.dev_dependencies,
                    &tables.build_dependencies,
                ],
                Some(target),
                &mut dependencies,
            );
        }
        let workspace = wire.workspace.map(|workspace| {
            let mut inherited = Vec::new();
            reader.read(
                &workspace.dependencies,
                EdgeKind::Normal,
                None,
                &mut inherited,
            );
            let (package_version, package_license, package_authors) = match workspace.package {
                Some(package) => {
                    let line = index.line(package.span().start);
                    let package = package.into_inner();
                    let authors = read_authors(package.authors, path, line, reader.diagnostics);
                    (
                        package.version,
                        read_license(package.license, package.license_file),
                        authors,
                    )
                }
                None => (None, None, Vec::new()),
            };
            WorkspaceTable {
                members: workspace.members,
                exclude: workspace.exclude,
                package_version,
                package_license,
                package_authors,
                dependencies: inherited,
            }
        });
        Ok(Manifest {
            path: path.to_owned(),
            directory,
            package,
            workspace,
            dependencies,
            diagnostics,
        })
    }
}

struct DeclarationReader<'a> {
    path: &'a str,
    directory: &'a str,
    index: &'a LineIndex,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl DeclarationReader<'_> {
    /// Reads the `dependencies`, `dev-dependencies` and `build-dependencies` tables of the
    /// manifest or of one `[target.'cfg(…)']` table, in that order.
    fn read_tables(
        &mut self,
        [normal, dev, build]: [&WireTable; 3],
        target: Option<&String>,
        into: &mut Vec<DeclaredDependency>,
    ) {
        self.read(normal, EdgeKind::Normal, target, into);
        self.read(dev, EdgeKind::Dev, target, into);
        self.read(build, EdgeKind::Build, target, into);
    }

    fn read(
        &mut self,
        table: &WireTable,
        kind: EdgeKind,
        target: Option<&String>,
        into: &mut Vec<DeclaredDependency>,
    ) {
        for (key, value) in table {
            let line = self.index.line(value.span().start);
            match self.declaration(key, value.get_ref(), kind, target, line) {
                Ok(declaration) => into.push(declaration),
                Err(message) => self.diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    Location::line(self.path, line),
                    format!("dependency `{key}`: {message}; skipped"),
                )),
            }
        }
    }

    fn declaration(
        &self,
        key: &str,
        value: &toml::Value,
        kind: EdgeKind,
        target: Option<&String>,
        line: u32,
    ) -> Result<DeclaredDependency, String> {
        let mut declaration = DeclaredDependency {
            key: key.to_owned(),
            package: key.to_owned(),
            requirement: None,
            kind,
            optional: false,
            target: target.cloned(),
            source: DeclaredSource::Registry(None),
            inherits_workspace: false,
            line,
        };
        match value {
            toml::Value::String(requirement) => declaration.requirement = Some(requirement.clone()),
            toml::Value::Table(table) => {
                let text = |field: &str| -> Result<Option<String>, String> {
                    match table.get(field) {
                        None => Ok(None),
                        Some(toml::Value::String(text)) => Ok(Some(text.clone())),
                        Some(other) => Err(format!("`{field}` must be a string, found `{other}`")),
                    }
                };
                let flag = |field: &str| -> Result<bool, String> {
                    match table.get(field) {
                        None => Ok(false),
                        Some(toml::Value::Boolean(value)) => Ok(*value),
                        Some(other) => {
                            Err(format!("`{field}` must be true or false, found `{other}`"))
                        }
                    }
                };
                if let Some(package) = text("package")? {
                    declaration.package = package;
                }
                declaration.requirement = text("version")?;
                declaration.optional = flag("optional")?;
                declaration.inherits_workspace = flag("workspace")?;
                declaration.source = if let Some(path) = text("path")? {
                    DeclaredSource::Path(join_path(self.directory, &path))
                } else if let Some(url) = text("git")? {
                    let reference = if let Some(branch) = text("branch")? {
                        Some(GitReference::Branch(branch))
                    } else if let Some(tag) = text("tag")? {
                        Some(GitReference::Tag(tag))
                    } else {
                        text("rev")?.map(GitReference::Rev)
                    };
                    DeclaredSource::Git { url, reference }
                } else {
                    DeclaredSource::Registry(text("registry")?)
                };
            }
            other => {
                return Err(format!(
                    "expected a version string or a table, found `{other}`"
                ))
            }
        }
        if crate_name(&declaration.package).is_err() {
            return Err(format!("`{}` is not a package name", declaration.package));
        }
        Ok(declaration)
    }
}

impl DeclaredDependency {
    /// The edge kind this declaration gives (optional normal dependencies are `Optional`).
    pub fn edge_kind(&self) -> EdgeKind {
        if self.optional && self.kind == EdgeKind::Normal {
            EdgeKind::Optional
        } else {
            self.kind
        }
    }

    /// Fills a `workspace = true` declaration from the workspace root's table.
    pub fn inherit(&self, workspace: &WorkspaceTable) -> Option<DeclaredDependency> {
        let root = workspace
            .dependencies
            .iter()
            .find(|candidate| candidate.key == self.key)?;
        Some(DeclaredDependency {
            key: self.key.clone(),
            package: root.package.clone(),
            requirement: root.requirement.clone(),
            kind: self.kind,
            optional: self.optional || root.optional,
            target: self.target.clone(),
            source: root.source.clone(),
            inherits_workspace: false,
            line: self.line,
        })
    }
}

/// A manifest with no lockfile: the package is a root, its dependencies are unpinned.
fn standalone(extractor: ExtractorId, manifest: &Manifest) -> Extraction {
    let mut extraction = Extraction {
        diagnostics: manifest.diagnostics.clone(),
        ..Extraction::default()
    };
    let Some(package) = &manifest.package else {
        // A virtual workspace manifest declares no package of its own.
        return extraction;
    };
    let evidence = |line: u32| Evidence {
        location: Location::line(&manifest.path, line),
        extractor,
    };
    let Ok(name) = crate_name(&package.name) else {
        extraction.diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            Location::line(&manifest.path, package.line),
            format!("`{}` is not a package name", package.name),
        ));
        return extraction;
    };
    let version = match &package.version {
        ManifestVersion::Value(version) => Some(version.clone()),
        ManifestVersion::Missing => Some("0.0.0".to_owned()),
        ManifestVersion::Inherited => None,
    };
    let root_key = ComponentKey::new(
        Ecosystem::CratesIo,
        name,
        version,
        Source::Path {
            path: path_or_dot(&manifest.directory),
        },
    );
    let mut root = Component::new(root_key.clone(), ComponentKind::Application)
        .with_evidence(evidence(package.line));
    root.licenses.extend(package.license.clone());
    root.facts.authors.clone_from(&package.authors);
    extraction.components.push(root);
    extraction.roots.push(root_key.clone());
    for declared in &manifest.dependencies {
        if declared.inherits_workspace {
            // The workspace root's table is not in this scan: the requirement stays unknown.
            extraction.diagnostics.push(Diagnostic::note(
                DiagnosticCode::UnresolvedWorkspaceInheritance,
                Location::line(&manifest.path, declared.line),
                format!(
                    "dependency `{}` inherits from a workspace root that is not part of this scan",
                    declared.key
                ),
            ));
        }
        let Ok(name) = crate_name(&declared.package) else {
            continue;
        };
        let source = match &declared.source {
            DeclaredSource::Registry(None) => Source::DEFAULT_REGISTRY,
            DeclaredSource::Registry(Some(registry)) => Source::Registry {
                index: Some(registry.clone()),
            },
            DeclaredSource::Path(path) => Source::Path { path: path.clone() },
            DeclaredSource::Git { url, reference } => Source::Git {
                url: url.clone(),
                reference: reference.clone(),
                commit: None,
            },
        };
        let key = ComponentKey::new(Ecosystem::CratesIo, name, None, source);
        let mut component =
            Component::new(key, ComponentKind::Library).with_evidence(evidence(declared.line));
        component.flags.insert(ComponentFlag::Unpinned);
        component
            .facts
            .requirement
            .clone_from(&declared.requirement);
        extraction.add_dependency(
            &root_key,
            component,
            declared.edge_kind(),
            EdgeDetails::default(),
            Location::line(&manifest.path, declared.line),
        );
    }
    extraction
}

pub(crate) fn path_or_dot(directory: &str) -> String {
    if directory.is_empty() {
        ".".to_owned()
    } else {
        directory.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_and_license_file() {
        let text = r#"
[package]
name = "tool"
version = "0.1.0"
license-file = "LICENSE.txt"
authors = ["Grace Hopper <grace@example.org>", 7, "Grace Hopper <grace@example.org>"]
"#;
        let manifest = Manifest::parse("Cargo.toml", text.as_bytes()).unwrap();
        let package = manifest.package.unwrap();
        assert_eq!(package.license.as_deref(), Some("see file LICENSE.txt"));
        let contacts: Vec<String> = package.authors.iter().map(Author::contact).collect();
        assert_eq!(contacts, ["Grace Hopper <grace@example.org>"]);
        assert_eq!(manifest.diagnostics.len(), 1, "{:?}", manifest.diagnostics);
        let inherited = "[package]\nname = \"t\"\nlicense = \"MIT\"\nauthors.workspace = true\n";
        let manifest = Manifest::parse("Cargo.toml", inherited.as_bytes()).unwrap();
        let package = manifest.package.unwrap();
        assert_eq!(package.license.as_deref(), Some("MIT"));
        assert!(package.authors.is_empty() && manifest.diagnostics.is_empty());
    }

    const MANIFEST: &str = r#"
[package]
name = "tool"
version.workspace = true

[dependencies]
serde = { workspace = true, features = ["derive"] }
anyhow = "1"
local = { path = "../local" }
renamed = { package = "real-name", version = "0.3", optional = true }
forked = { git = "https://github.com/a/b", branch = "main" }

[dev-dependencies]
proptest = "1"

[build-dependencies]
cc = "1.0"

[target.'cfg(windows)'.dependencies]
winapi = "0.3"
"#;

    #[test]
    fn declarations_of_every_kind() {
        let manifest = Manifest::parse("crates/tool/Cargo.toml", MANIFEST.as_bytes()).unwrap();
        let package = manifest.package.as_ref().unwrap();
        assert_eq!(package.name, "tool");
        assert_eq!(package.version, ManifestVersion::Inherited);
        let summary: Vec<(String, String, EdgeKind, Option<String>)> = manifest
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.key.clone(),
                    d.package.clone(),
                    d.edge_kind(),
                    d.target.clone(),
                )
            })
            .collect();
        assert!(summary.contains(&(
            "renamed".into(),
            "real-name".into(),
            EdgeKind::Optional,
            None
        )));
        assert!(summary.contains(&("proptest".into(), "proptest".into(), EdgeKind::Dev, None)));
        assert!(summary.contains(&("cc".into(), "cc".into(), EdgeKind::Build, None)));
        assert!(summary.contains(&(
            "winapi".into(),
            "winapi".into(),
            EdgeKind::Normal,
            Some("cfg(windows)".into())
        )));
        let local = manifest
            .dependencies
            .iter()
            .find(|d| d.key == "local")
            .unwrap();
        assert_eq!(local.source, DeclaredSource::Path("crates/local".into()));
        let serde = manifest
            .dependencies
            .iter()
            .find(|d| d.key == "serde")
            .unwrap();
        assert!(serde.inherits_workspace);
        assert_eq!(serde.line, 7);
    }

    #[test]
    fn standalone_manifest_gives_unpinned_dependencies() {
        let extraction = CargoTomlExtractor
            .parse(&Input::new("crates/tool/Cargo.toml", MANIFEST.as_bytes()))
            .unwrap();
        assert_eq!(extraction.roots.len(), 1);
        let anyhow = extraction
            .components
            .iter()
            .find(|c| c.key.name.original() == "anyhow")
            .unwrap();
        assert!(anyhow.flags.contains(&ComponentFlag::Unpinned));
        assert_eq!(anyhow.key.version, None);
        assert_eq!(anyhow.facts.requirement.as_deref(), Some("1"));
        assert!(extraction
            .diagnostics
            .iter()
            .any(|d| d.code == DiagnosticCode::UnresolvedWorkspaceInheritance));
    }

    #[test]
    fn wrong_types_are_entry_diagnostics() {
        let text = "[package]\nname = \"x\"\nversion = \"0.1.0\"\n[dependencies]\na = 5\nb = { version = 1 }\nc = \"1\"\n";
        let manifest = Manifest::parse("Cargo.toml", text.as_bytes()).unwrap();
        assert_eq!(manifest.dependencies.len(), 1);
        let lines: Vec<_> = manifest
            .diagnostics
            .iter()
            .map(|d| d.location.as_ref().unwrap().line.unwrap())
            .collect();
        assert_eq!(lines, [5, 6]);
    }
}
