//! `pyproject.toml`: the project a Python lockfile locks, and its direct dependencies with their
//! scopes.
//!
//! Read: PEP 621 `[project]` (name, version, dependencies, optional-dependencies), PEP 735
//! `[dependency-groups]` (with `{include-group = …}`), Poetry's `[tool.poetry]` (dependencies,
//! dev-dependencies, `group.<name>.dependencies`, extras; its table syntax for git/path/url
//! sources, markers and python constraints), uv's `[tool.uv]` (dev-dependencies, sources,
//! indexes, workspace members) and PDM's `[tool.pdm] dev-dependencies`.
//!
//! The parsed project is handed to the link stage, which joins it to the Python lockfiles of
//! its directory (and a uv workspace's lock): the project becomes the lock's root with edges to
//! what it declares. A `pyproject.toml` no lockfile joins is read on its own, its dependencies
//! as requirements, never versions.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use toml::de::{DeTable, DeValue};

use super::toml_tree::{
    array_field, as_str, as_table, bool_field, describe, field, string_field, string_list,
    table_field, TomlFile, WrongType,
};
use super::{
    direct_reference_source, extra_marker, git_source, normalized_version, package_name,
    parse_requirement, Requirement,
};
use crate::component::{EdgeDetails, EdgeKind, GitReference, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, parent_directory, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input,
    Parse, ProjectManifest, Role, Sample, Syntax,
};
use crate::facts::author::{Author, MAX_AUTHORS, MAX_AUTHOR_FIELD};
use crate::location::Location;
use crate::name::PackageName;

/// How deep `{include-group = …}` may nest before it is treated as a cycle.
const MAX_GROUP_DEPTH: usize = 32;

/// Reads a `pyproject.toml` that no Python lockfile accounts for.
#[derive(Debug)]
pub struct PyProjectExtractor;

const ID: ExtractorId = "python/pyproject";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "pyproject.toml without a lockfile (PEP 621, PEP 735 groups, Poetry, uv, PDM; direct dependencies as unpinned requirements)",
    FileMatch::Names(&["pyproject.toml"]),
    &PyProjectExtractor,
)
.role(Role::Manifest(Ecosystem::PyPI))
.fuzzed_as("pyproject_toml", &[Sample::new("pyproject.toml", Syntax::Toml)]);

impl Parse for PyProjectExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let project = PyProject::parse(input.path, input.bytes)?;
        let mut extraction = crate::link::python::standalone(ID, &project);
        extraction.manifest = Some(ProjectManifest::Python(Box::new(project)));
        Ok(extraction)
    }
}

/// Which list a dependency was declared in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum DependencyGroup {
    /// `[project] dependencies`, `[tool.poetry.dependencies]`.
    Main,
    /// `[project.optional-dependencies]` (an extra); the name is `None` for a Poetry optional
    /// dependency that no `[tool.poetry.extras]` entry names.
    Extra(Option<String>),
    /// A development group: PEP 735, Poetry groups, uv and PDM dev-dependencies.
    Group(String),
}

/// One declared direct dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredDependency {
    /// The package's name.
    pub name: PackageName,
    /// The list it was declared in.
    pub group: DependencyGroup,
    /// The requirement as written (`>=2,<3`, Poetry's `^2.0`), for reports.
    pub requirement: Option<String>,
    /// The one version the requirement allows (`==1.2.3`), normalized.
    pub pinned: Option<String>,
    /// A direct source (git, URL, path) from the requirement or from `[tool.uv.sources]`.
    pub source: Option<Source>,
    /// `{ workspace = true }` in `[tool.uv.sources]`: another member of the same workspace.
    pub workspace_member: bool,
    /// Installed editable (`editable = true` in a uv or PDM source, Poetry's `develop`).
    pub editable: bool,
    /// The PEP 508 marker, without the extra condition.
    pub marker: Option<String>,
    /// Extras requested of the dependency.
    pub extras: Vec<String>,
    /// Line of the declaration.
    pub line: u32,
}

impl DeclaredDependency {
    /// Normal for the project's dependencies and extras' (optional), dev for groups.
    pub fn edge_kind(&self) -> EdgeKind {
        match self.group {
            DependencyGroup::Main => EdgeKind::Normal,
            DependencyGroup::Extra(_) => EdgeKind::Optional,
            DependencyGroup::Group(_) => EdgeKind::Dev,
        }
    }

    /// Marker (with `extra == '…'` for an optional dependency) and extras of the edge.
    pub fn edge_details(&self) -> EdgeDetails {
        let marker = match &self.group {
            DependencyGroup::Extra(Some(extra)) => {
                Some(extra_marker(self.marker.as_deref(), extra))
            }
            _ => self.marker.clone(),
        };
        EdgeDetails {
            marker,
            extras: self.extras.clone(),
            relation: None,
        }
    }
}

/// A parsed `pyproject.toml`.
#[derive(Debug, Clone)]
pub struct PyProject {
    /// Scan-relative path of the manifest.
    pub path: String,
    /// Its directory (scan-relative).
    pub directory: String,
    /// `[project] name`, else `[tool.poetry] name`.
    pub name: Option<PackageName>,
    /// The declared version, PEP 440-normalized (kept as written, with a diagnostic, when
    /// invalid); `None` when dynamic or absent.
    pub version: Option<String>,
    /// Line of the name (1 when there is none).
    pub line: u32,
    /// Every declared dependency, in file order.
    pub dependencies: Vec<DeclaredDependency>,
    /// `[tool.uv.workspace] members` and `exclude`, globs relative to the directory.
    pub workspace_members: Vec<String>,
    /// `[tool.uv.workspace] exclude` globs.
    pub workspace_exclude: Vec<String>,
    /// `[project] authors` and `maintainers` (else Poetry's), at most [`MAX_AUTHORS`].
    pub authors: Vec<Author>,
    /// The declared license: `[project] license` (a PEP 639 SPDX expression, or PEP 621's
    /// `{ text }`; `{ file }` and PEP 639 `license-files` as `see file …`, the file unread),
    /// else Poetry's `license`.
    pub licenses: Vec<String>,
    /// Problems with single entries (the rest was read).
    pub diagnostics: Vec<Diagnostic>,
}

/// A `[tool.uv.sources]` entry.
#[derive(Debug, Clone)]
enum UvSource {
    Source { source: Source, editable: bool },
    Workspace,
}

impl PyProject {
    /// Parses a pyproject; a bad entry is a diagnostic, only unreadable TOML is an error.
    pub fn parse(path: &str, bytes: &[u8]) -> Result<PyProject, ExtractError> {
        let file = TomlFile::parse(path, bytes)?;
        let mut reader = Reader {
            file: &file,
            directory: parent_directory(path),
            diagnostics: Vec::new(),
            dependencies: Vec::new(),
        };
        let mut project = PyProject {
            path: path.to_owned(),
            directory: parent_directory(path).to_owned(),
            name: None,
            version: None,
            line: 1,
            dependencies: Vec::new(),
            workspace_members: Vec::new(),
            workspace_exclude: Vec::new(),
            authors: Vec::new(),
            licenses: Vec::new(),
            diagnostics: Vec::new(),
        };
        let root = &file.root;
        let tool = reader.table(root, "tool", "`tool`");
        let poetry = tool.and_then(|tool| reader.table(tool, "poetry", "`tool.poetry`"));
        let uv = tool.and_then(|tool| reader.table(tool, "uv", "`tool.uv`"));
        let pdm = tool.and_then(|tool| reader.table(tool, "pdm", "`tool.pdm`"));

        if let Some(table) = reader.table(root, "project", "`project`") {
            reader.identity(table, "project", &mut project);
            reader.people(table, "project", &mut project);
            reader.license(table, "project", &mut project);
            reader.pep508_list(table, "dependencies", &DependencyGroup::Main, "project");
            if let Some(extras) = reader.table(table, "optional-dependencies", "`project`") {
                for (extra, list) in extras {
                    let group = DependencyGroup::Extra(Some(normalize_extra(extra.get_ref())));
                    reader.pep508_array(list, &group, "project.optional-dependencies");
                }
            }
        }
        if let Some(groups) = reader.table(root, "dependency-groups", "`dependency-groups`") {
            reader.dependency_groups(groups);
        }
        if let Some(poetry) = poetry {
            if project.name.is_none() {
                reader.identity(poetry, "tool.poetry", &mut project);
            }
            if project.authors.is_empty() {
                reader.people(poetry, "tool.poetry", &mut project);
            }
            if project.licenses.is_empty() {
                reader.license(poetry, "tool.poetry", &mut project);
            }
            reader.poetry(poetry);
        }
        let mut uv_sources = BTreeMap::new();
        if let Some(uv) = uv {
            if let Some(dev) = field(uv, "dev-dependencies") {
                reader.pep508_array(
                    dev,
                    &DependencyGroup::Group("dev".to_owned()),
                    "tool.uv.dev-dependencies",
                );
            }
            uv_sources = reader.uv_sources(uv);
            if let Some(workspace) = reader.table(uv, "workspace", "`tool.uv`") {
                match string_list(workspace, "members") {
                    Ok(members) => project.workspace_members = members,
                    Err(error) => reader.wrong(&error, "`tool.uv.workspace`"),
                }
                match string_list(workspace, "exclude") {
                    Ok(exclude) => project.workspace_exclude = exclude,
                    Err(error) => reader.wrong(&error, "`tool.uv.workspace`"),
                }
            }
        }
        if let Some(pdm) = pdm {
            if let Some(groups) = reader.table(pdm, "dev-dependencies", "`tool.pdm`") {
                for (group, list) in groups {
                    let group = DependencyGroup::Group(normalize_extra(group.get_ref()));
                    reader.pep508_array(list, &group, "tool.pdm.dev-dependencies");
                }
            }
        }

        let mut dependencies = reader.dependencies;
        for dependency in &mut dependencies {
            if dependency.source.is_some() {
                continue;
            }
            match uv_sources.get(dependency.name.normalized()) {
                Some(UvSource::Source { source, editable }) => {
                    dependency.source = Some(source.clone());
                    dependency.editable = *editable;
                }
                Some(UvSource::Workspace) => dependency.workspace_member = true,
                None => {}
            }
        }
        // The same requirement written twice (PEP 621 and `[tool.poetry.dependencies]` in a
        // Poetry 2 project) is one declaration.
        let mut seen = BTreeSet::new();
        dependencies.retain(|dependency| {
            seen.insert((
                dependency.name.clone(),
                dependency.group.clone(),
                dependency.marker.clone(),
            ))
        });
        project.dependencies = dependencies;
        project.diagnostics.extend(reader.diagnostics);
        Ok(project)
    }
}

/// `see file NAME` for a license file a manifest names (never opened); `None` for a name too
/// long or with a control character.
fn see_file(name: &str) -> Option<String> {
    let name = name.trim();
    (!name.is_empty()
        && name.chars().count() <= MAX_AUTHOR_FIELD
        && !name.chars().any(char::is_control))
    .then(|| format!("see file {name}"))
}

/// Extra and group names are compared normalized (PEP 685, PEP 735).
fn normalize_extra(name: &str) -> String {
    crate::name::normalize(Ecosystem::PyPI, name)
}

struct Reader<'f, 'i> {
    file: &'f TomlFile<'i>,
    directory: &'f str,
    diagnostics: Vec<Diagnostic>,
    dependencies: Vec<DeclaredDependency>,
}

impl<'f, 'i> Reader<'f, 'i> {
    fn wrong(&mut self, error: &WrongType, context: &str) {
        self.diagnostics
            .push(error.to_diagnostic(self.file, &format!("{context}: ignored")));
    }

    /// A sub-table, or a diagnostic when the key holds something else.
    fn table<'a>(
        &mut self,
        table: &'a DeTable<'i>,
        key: &str,
        context: &str,
    ) -> Option<&'a DeTable<'i>> {
        match table_field(table, key) {
            Ok(found) => found,
            Err(error) => {
                self.wrong(&error, context);
                None
            }
        }
    }

    /// Name and version of `[project]` or `[tool.poetry]`.
    fn identity(&mut self, table: &DeTable<'_>, context: &str, project: &mut PyProject) {
        let Some(name_node) = field(table, "name") else {
            return;
        };
        let line = self.file.line(&name_node.span());
        match as_str(name_node, "name").map_err(|error| error.to_diagnostic(self.file, context)) {
            Ok(text) => match package_name(text) {
                Ok(name) => {
                    project.name = Some(name);
                    project.line = line;
                }
                Err(message) => self.diagnostics.push(
                    self.file
                        .warning(&name_node.span(), format!("`{context}.name`: {message}")),
                ),
            },
            Err(diagnostic) => self.diagnostics.push(diagnostic),
        }
        if let Some(version_node) = field(table, "version") {
            match as_str(version_node, "version") {
                Ok(text) => {
                    project.version = Some(match normalized_version(text) {
                        Ok(version) => version,
                        Err(message) => {
                            self.diagnostics.push(self.file.warning(
                                &version_node.span(),
                                format!("`{context}.version`: {message}; kept as written"),
                            ));
                            text.trim().to_owned()
                        }
                    });
                }
                Err(error) => self.wrong(&error, context),
            }
        }
    }

    /// `authors` and `maintainers`: PEP 621 tables with `name` and/or `email`, or Poetry's
    /// `"Name <email>"` strings. At most [`MAX_AUTHORS`] are kept (a hostile manifest may list
    /// thousands); an entry too long or with a control character is a warning and left out.
    fn people(&mut self, table: &DeTable<'i>, context: &str, project: &mut PyProject) {
        for key in ["authors", "maintainers"] {
            let Some(node) = field(table, key) else {
                continue;
            };
            let DeValue::Array(items) = node.get_ref() else {
                self.diagnostics.push(self.file.warning(
                    &node.span(),
                    format!(
                        "`{context}.{key}` must be an array, found {}; ignored",
                        describe(node.get_ref())
                    ),
                ));
                continue;
            };
            for item in items {
                let read = match item.get_ref() {
                    DeValue::String(text) => Author::parse_contact(text),
                    DeValue::Table(entry) => {
                        match (string_field(entry, "name"), string_field(entry, "email")) {
                            (Ok(name), Ok(email)) => Author::new(name, email),
                            (Err(error), _) | (_, Err(error)) => Err(error.message),
                        }
                    }
                    other => Err(format!(
                        "an entry must be a table or a string, found {}",
                        describe(other)
                    )),
                };
                match read {
                    Ok(author) if project.authors.contains(&author) => {}
                    Ok(_) if project.authors.len() >= MAX_AUTHORS => {
                        self.diagnostics.push(self.file.warning(
                            &item.span(),
                            format!(
                                "`{context}.{key}`: more than {MAX_AUTHORS} authors and maintainers; the rest are left out"
                            ),
                        ));
                        return;
                    }
                    Ok(author) => project.authors.push(author),
                    Err(message) => self.diagnostics.push(self.file.warning(
                        &item.span(),
                        format!("`{context}.{key}`: {message}; ignored"),
                    )),
                }
            }
        }
    }

    /// `license`: a string (PEP 639 SPDX expression, Poetry's license), or PEP 621's table
    /// with `text` (kept when it is short, one line) or `file` (named, never read); without
    /// one, PEP 639 `license-files` are named the same way.
    fn license(&mut self, table: &DeTable<'i>, context: &str, project: &mut PyProject) {
        let Some(node) = field(table, "license") else {
            match string_list(table, "license-files") {
                Ok(globs) => {
                    let named: Vec<String> = globs
                        .iter()
                        .take(MAX_AUTHORS)
                        .filter_map(|glob| see_file(glob))
                        .collect();
                    project.licenses.extend(named);
                }
                Err(error) => self.wrong(&error, &format!("`{context}`")),
            }
            return;
        };
        let text = match node.get_ref() {
            DeValue::String(text) => Some(text.as_ref()),
            DeValue::Table(license) => {
                match (string_field(license, "text"), string_field(license, "file")) {
                    (Ok(Some(text)), _) => Some(text),
                    (Ok(None), Ok(Some(file))) => {
                        let named = see_file(file).unwrap_or_else(|| {
                            format!("see the license file named in {}", project.path)
                        });
                        project.licenses.push(named);
                        None
                    }
                    (Ok(None), Ok(None)) => {
                        self.diagnostics.push(self.file.warning(
                            &node.span(),
                            format!("`{context}.license` has neither `text` nor `file`; ignored"),
                        ));
                        None
                    }
                    (Err(error), _) | (_, Err(error)) => {
                        self.wrong(&error, &format!("`{context}.license`"));
                        None
                    }
                }
            }
            other => {
                self.diagnostics.push(self.file.warning(
                    &node.span(),
                    format!(
                        "`{context}.license` must be a string or a table, found {}; ignored",
                        describe(other)
                    ),
                ));
                None
            }
        };
        let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
            return;
        };
        // A whole license pasted into `text` is no identifier: point at it instead of copying
        // pages of hostile text into every document.
        if text.chars().count() > MAX_AUTHOR_FIELD || text.chars().any(char::is_control) {
            project
                .licenses
                .push(format!("see the license text in {}", project.path));
        } else {
            project.licenses.push(text.to_owned());
        }
    }

    /// `key = ["req", …]` in `table`.
    fn pep508_list(
        &mut self,
        table: &DeTable<'i>,
        key: &str,
        group: &DependencyGroup,
        context: &str,
    ) {
        if let Some(node) = field(table, key) {
            self.pep508_array(node, group, &format!("{context}.{key}"));
        }
    }

    /// An array of PEP 508 strings.
    fn pep508_array(
        &mut self,
        node: &toml::Spanned<DeValue<'i>>,
        group: &DependencyGroup,
        context: &str,
    ) {
        let DeValue::Array(items) = node.get_ref() else {
            self.diagnostics.push(self.file.warning(
                &node.span(),
                format!("`{context}` must be an array of requirement strings; ignored"),
            ));
            return;
        };
        for item in items {
            match item.get_ref() {
                DeValue::String(text) => {
                    let line = self.file.line(&item.span());
                    self.requirement(text, group, line);
                }
                _ => self.diagnostics.push(self.file.warning(
                    &item.span(),
                    format!(
                        "`{context}`: expected a requirement string, found {}; skipped",
                        super::toml_tree::describe(item.get_ref())
                    ),
                )),
            }
        }
    }

    /// One PEP 508 requirement string (PDM's `-e path` editables included).
    fn requirement(&mut self, text: &str, group: &DependencyGroup, line: u32) {
        let (editable, text) = match text.trim().strip_prefix("-e") {
            Some(rest) if rest.starts_with(char::is_whitespace) => (true, rest.trim()),
            _ => (false, text.trim()),
        };
        match parse_requirement(text) {
            Ok(requirement) => {
                let declared = self.declared(requirement, group, editable, line);
                self.dependencies.push(declared);
            }
            Err(message) => self.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                Location::line(self.file.path, line),
                format!("{message}; skipped"),
            )),
        }
    }

    fn declared(
        &self,
        requirement: Requirement,
        group: &DependencyGroup,
        editable: bool,
        line: u32,
    ) -> DeclaredDependency {
        let source = requirement
            .url
            .as_deref()
            .map(|url| direct_reference_source(url, self.directory));
        DeclaredDependency {
            name: requirement.name,
            group: group.clone(),
            requirement: requirement.specifier.or(requirement.url),
            pinned: requirement.pinned,
            source,
            workspace_member: false,
            editable,
            marker: requirement.marker,
            extras: requirement.extras,
            line,
        }
    }

    /// PEP 735 `[dependency-groups]`, with `{include-group = "…"}` expanded.
    fn dependency_groups(&mut self, groups: &DeTable<'i>) {
        let by_name: BTreeMap<String, &toml::Spanned<DeValue<'i>>> = groups
            .iter()
            .map(|(name, list)| (normalize_extra(name.get_ref()), list))
            .collect();
        for name in by_name.keys() {
            let group = DependencyGroup::Group(name.clone());
            let mut trail = Vec::new();
            self.expand_group(&by_name, name, &group, &mut trail);
        }
    }

    fn expand_group(
        &mut self,
        groups: &BTreeMap<String, &toml::Spanned<DeValue<'i>>>,
        name: &str,
        group: &DependencyGroup,
        trail: &mut Vec<String>,
    ) {
        let Some(node) = groups.get(name) else {
            return;
        };
        let DeValue::Array(items) = node.get_ref() else {
            if trail.is_empty() {
                self.diagnostics.push(self.file.warning(
                    &node.span(),
                    format!("`dependency-groups.{name}` must be an array; ignored"),
                ));
            }
            return;
        };
        trail.push(name.to_owned());
        for item in items {
            let line = self.file.line(&item.span());
            match item.get_ref() {
                DeValue::String(text) => self.requirement(text, group, line),
                DeValue::Table(table) => {
                    let included = match string_field(table, "include-group") {
                        Ok(Some(included)) => normalize_extra(included),
                        Ok(None) => {
                            self.diagnostics.push(self.file.warning(
                                &item.span(),
                                format!("`dependency-groups.{name}`: a table entry must be `{{include-group = \"…\"}}`; skipped"),
                            ));
                            continue;
                        }
                        Err(error) => {
                            self.wrong(&error, &format!("`dependency-groups.{name}`"));
                            continue;
                        }
                    };
                    if trail.contains(&included) || trail.len() >= MAX_GROUP_DEPTH {
                        self.diagnostics.push(self.file.warning(
                            &item.span(),
                            format!("`dependency-groups.{name}` includes `{included}`, which includes it back (a cycle); the include is skipped"),
                        ));
                    } else if !groups.contains_key(&included) {
                        self.diagnostics.push(self.file.warning(
                            &item.span(),
                            format!("`dependency-groups.{name}` includes `{included}`, which is not defined; skipped"),
                        ));
                    } else {
                        self.expand_group(groups, &included, group, trail);
                    }
                }
                other => self.diagnostics.push(self.file.warning(
                    &item.span(),
                    format!(
                        "`dependency-groups.{name}`: expected a requirement string, found {}; skipped",
                        super::toml_tree::describe(other)
                    ),
                )),
            }
        }
        trail.pop();
    }

    /// `[tool.poetry]` dependency tables.
    fn poetry(&mut self, poetry: &DeTable<'i>) {
        let mut extras_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(extras) = self.table(poetry, "extras", "`tool.poetry`") {
            for (extra, members) in extras {
                let DeValue::Array(members) = members.get_ref() else {
                    self.diagnostics.push(self.file.warning(
                        &members.span(),
                        format!(
                            "`tool.poetry.extras.{}` must be an array of names; ignored",
                            extra.get_ref()
                        ),
                    ));
                    continue;
                };
                for member in members {
                    if let DeValue::String(member) = member.get_ref() {
                        extras_of
                            .entry(crate::name::normalize(Ecosystem::PyPI, member))
                            .or_default()
                            .push(normalize_extra(extra.get_ref()));
                    }
                }
            }
        }
        if let Some(table) = self.table(poetry, "dependencies", "`tool.poetry`") {
            self.poetry_table(table, &DependencyGroup::Main, &extras_of);
        }
        if let Some(table) = self.table(poetry, "dev-dependencies", "`tool.poetry`") {
            self.poetry_table(table, &DependencyGroup::Group("dev".to_owned()), &extras_of);
        }
        if let Some(groups) = self.table(poetry, "group", "`tool.poetry`") {
            for (name, group) in groups {
                let Ok(group_table) = as_table(group, name.get_ref()) else {
                    continue;
                };
                let group = match normalize_extra(name.get_ref()) {
                    // Poetry's implicit main group.
                    main if main == "main" => DependencyGroup::Main,
                    other => DependencyGroup::Group(other),
                };
                let context = format!("`tool.poetry.group.{}`", name.get_ref());
                if let Some(table) = self.table(group_table, "dependencies", &context) {
                    self.poetry_table(table, &group, &extras_of);
                }
            }
        }
    }

    fn poetry_table(
        &mut self,
        table: &DeTable<'i>,
        group: &DependencyGroup,
        extras_of: &BTreeMap<String, Vec<String>>,
    ) {
        for (key, value) in table {
            let raw_name = key.get_ref().as_ref();
            if raw_name.eq_ignore_ascii_case("python") {
                continue;
            }
            let line = self.file.line(&value.span());
            let name = match package_name(raw_name) {
                Ok(name) => name,
                Err(message) => {
                    self.diagnostics.push(
                        self.file
                            .warning(&key.span(), format!("{message}; skipped")),
                    );
                    continue;
                }
            };
            let entries: Vec<&toml::Spanned<DeValue<'i>>> = match value.get_ref() {
                DeValue::Array(items) => items.iter().collect(),
                _ => vec![value],
            };
            for entry in entries {
                match poetry_declaration(entry.get_ref(), self.directory) {
                    Ok(declaration) => {
                        let groups = match (group, declaration.optional) {
                            (DependencyGroup::Main, true) => {
                                match extras_of.get(name.normalized()) {
                                    Some(extras) => extras
                                        .iter()
                                        .map(|extra| DependencyGroup::Extra(Some(extra.clone())))
                                        .collect(),
                                    None => vec![DependencyGroup::Extra(None)],
                                }
                            }
                            _ => vec![group.clone()],
                        };
                        for group in groups {
                            self.dependencies.push(DeclaredDependency {
                                name: name.clone(),
                                group,
                                requirement: declaration.requirement.clone(),
                                pinned: declaration.pinned.clone(),
                                source: declaration.source.clone(),
                                workspace_member: false,
                                editable: declaration.editable,
                                marker: declaration.marker.clone(),
                                extras: declaration.extras.clone(),
                                line,
                            });
                        }
                    }
                    Err(message) => self.diagnostics.push(self.file.warning(
                        &entry.span(),
                        format!("dependency `{raw_name}`: {message}; skipped"),
                    )),
                }
            }
        }
    }

    /// `[tool.uv.sources]`, with named indexes resolved through `[[tool.uv.index]]`.
    fn uv_sources(&mut self, uv: &DeTable<'i>) -> BTreeMap<String, UvSource> {
        let mut indexes = BTreeMap::new();
        if let Ok(Some(list)) = array_field(uv, "index") {
            for index in list {
                if let DeValue::Table(index) = index.get_ref() {
                    if let (Ok(Some(name)), Ok(Some(url))) =
                        (string_field(index, "name"), string_field(index, "url"))
                    {
                        indexes.insert(name.to_owned(), url.to_owned());
                    }
                }
            }
        }
        let mut sources = BTreeMap::new();
        let Some(table) = self.table(uv, "sources", "`tool.uv`") else {
            return sources;
        };
        for (name, value) in table {
            // A list of sources split by markers: the first one stands for the dependency.
            let first = match value.get_ref() {
                DeValue::Array(items) => items.first(),
                _ => Some(value),
            };
            let Some(first) = first else { continue };
            let context = format!("`tool.uv.sources.{}`", name.get_ref());
            let Ok(source) = as_table(first, name.get_ref()) else {
                self.diagnostics.push(
                    self.file
                        .warning(&first.span(), format!("{context} must be a table; ignored")),
                );
                continue;
            };
            match uv_source(source, self.directory, &indexes) {
                Ok(Some(parsed)) => {
                    sources.insert(normalize_extra(name.get_ref()), parsed);
                }
                Ok(None) => {}
                Err(error) => self.wrong(&error, &context),
            }
        }
        sources
    }
}

fn uv_source(
    table: &DeTable<'_>,
    directory: &str,
    indexes: &BTreeMap<String, String>,
) -> Result<Option<UvSource>, WrongType> {
    if bool_field(table, "workspace")? == Some(true) {
        return Ok(Some(UvSource::Workspace));
    }
    if let Some(url) = string_field(table, "git")? {
        let reference = if let Some(tag) = string_field(table, "tag")? {
            Some(GitReference::Tag(tag.to_owned()))
        } else if let Some(branch) = string_field(table, "branch")? {
            Some(GitReference::Branch(branch.to_owned()))
        } else {
            string_field(table, "rev")?.map(|rev| GitReference::Rev(rev.to_owned()))
        };
        let mut source = git_source(url);
        if let Source::Git {
            reference: slot,
            commit,
            ..
        } = &mut source
        {
            if let Some(GitReference::Rev(rev)) = &reference {
                if super::is_full_commit(rev) {
                    *commit = Some(rev.clone());
                }
            }
            if reference.is_some() {
                *slot = reference;
            }
        }
        return Ok(Some(UvSource::Source {
            source,
            editable: false,
        }));
    }
    if let Some(path) = string_field(table, "path")? {
        return Ok(Some(UvSource::Source {
            source: Source::Path {
                path: join_path(directory, path),
            },
            editable: bool_field(table, "editable")?.unwrap_or(false),
        }));
    }
    if let Some(url) = string_field(table, "url")? {
        return Ok(Some(UvSource::Source {
            source: direct_reference_source(url, directory),
            editable: false,
        }));
    }
    if let Some(index) = string_field(table, "index")? {
        let url = indexes.get(index).map_or(index, String::as_str);
        return Ok(Some(UvSource::Source {
            source: super::index_source(Some(url)),
            editable: false,
        }));
    }
    Ok(None)
}

/// One Poetry dependency value, before it is given its name and group.
#[derive(Debug, Clone, Default)]
pub(crate) struct PoetryDeclaration {
    pub(crate) requirement: Option<String>,
    pub(crate) pinned: Option<String>,
    pub(crate) source: Option<Source>,
    pub(crate) editable: bool,
    pub(crate) optional: bool,
    pub(crate) marker: Option<String>,
    pub(crate) extras: Vec<String>,
}

/// One Poetry dependency value (a constraint string or a table), as pyproject.toml and
/// poetry.lock write it.
pub(crate) fn poetry_declaration(
    value: &DeValue<'_>,
    directory: &str,
) -> Result<PoetryDeclaration, String> {
    let mut declaration = PoetryDeclaration::default();
    let table = match value {
        DeValue::String(constraint) => {
            declaration.requirement = Some(constraint.to_string());
            declaration.pinned = poetry_pin(constraint);
            return Ok(declaration);
        }
        DeValue::Table(table) => table,
        other => {
            return Err(format!(
                "expected a version string or a table, found {}",
                super::toml_tree::describe(other)
            ))
        }
    };
    let text = |key: &str| string_field(table, key).map_err(|error| error.message);
    if let Some(constraint) = text("version")? {
        declaration.requirement = Some(constraint.to_owned());
        declaration.pinned = poetry_pin(constraint);
    }
    declaration.optional = bool_field(table, "optional")
        .map_err(|error| error.message)?
        .unwrap_or(false);
    // Poetry takes `extras = "c"` as well as `extras = ["c"]` (its lock tests write the
    // string form, test_locker.py::test_locker_properly_loads_nested_extras): one extra.
    declaration.extras = match string_field(table, "extras") {
        Ok(Some(extra)) => vec![extra.to_owned()],
        _ => string_list(table, "extras").map_err(|error| error.message)?,
    };
    declaration.extras.sort();
    declaration.extras.dedup();
    let mut markers = Vec::new();
    if let Some(python) = text("python")? {
        if let Some(marker) = poetry_python_marker(python) {
            markers.push(marker);
        }
    }
    if let Some(marker) = text("markers")? {
        markers.push(marker.to_owned());
    }
    declaration.marker = match markers.len() {
        0 => None,
        1 => markers.pop(),
        _ => Some(
            markers
                .iter()
                .map(|marker| format!("({marker})"))
                .collect::<Vec<_>>()
                .join(" and "),
        ),
    };
    if let Some(url) = text("git")? {
        let reference = if let Some(branch) = text("branch")? {
            Some(GitReference::Branch(branch.to_owned()))
        } else if let Some(tag) = text("tag")? {
            Some(GitReference::Tag(tag.to_owned()))
        } else {
            text("rev")?.map(|rev| GitReference::Rev(rev.to_owned()))
        };
        let commit = match &reference {
            Some(GitReference::Rev(rev)) if super::is_full_commit(rev) => Some(rev.clone()),
            _ => None,
        };
        declaration.source = Some(Source::Git {
            url: url.strip_prefix("git+").unwrap_or(url).to_owned(),
            reference,
            commit,
        });
        declaration.requirement = declaration.requirement.or(Some(url.to_owned()));
    } else if let Some(path) = text("path")? {
        declaration.source = Some(Source::Path {
            path: join_path(directory, path),
        });
        declaration.editable = bool_field(table, "develop")
            .map_err(|error| error.message)?
            .unwrap_or(false);
    } else if let Some(url) = text("url")? {
        declaration.source = Some(direct_reference_source(url, directory));
    }
    Ok(declaration)
}

/// A Poetry constraint that allows one version: a bare version (`1.2.3`) or `==1.2.3`.
fn poetry_pin(constraint: &str) -> Option<String> {
    let trimmed = constraint.trim();
    let version = trimmed
        .strip_prefix("==")
        .unwrap_or(trimmed)
        .trim()
        .trim_start_matches('=');
    if version.is_empty()
        || version.contains('*')
        || !version.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    normalized_version(version).ok()
}

/// Poetry's constraint syntax (`^1.2`, `~1.2.3`, `1.2.*`, `>=1,<2`, `a || b`) as PEP 440
/// specifier sets, one per `||` alternative; `None` when a clause is not understood.
pub(crate) fn poetry_constraint_to_pep440(constraint: &str) -> Option<Vec<String>> {
    constraint
        .split("||")
        .map(|alternative| {
            let mut clauses = Vec::new();
            for clause in alternative.split(',').flat_map(split_poetry_clauses) {
                clauses.extend(poetry_clause(&clause)?);
            }
            Some(clauses.join(","))
        })
        .collect()
}

/// Poetry allows space-separated clauses (`>=1.0 <2.0`); an operator followed by a space and
/// its version (`>= 1.0`) is one clause.
fn split_poetry_clauses(text: &str) -> Vec<String> {
    let mut clauses: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match clauses.last_mut() {
            Some(last) if last.chars().all(|c| "<>=!~^".contains(c)) => last.push_str(word),
            _ => clauses.push(word.to_owned()),
        }
    }
    clauses
}

fn poetry_clause(clause: &str) -> Option<Vec<String>> {
    let clause = clause.trim();
    if clause.is_empty() || clause == "*" {
        return Some(Vec::new());
    }
    let bump = |version: &str, position: usize| -> Option<String> {
        let parsed = pep440_rs::Version::from_str(version).ok()?;
        let release = parsed.release();
        let mut upper: Vec<u64> = release.iter().take(position + 1).copied().collect();
        while upper.len() < position + 1 {
            upper.push(0);
        }
        let last = upper.last_mut()?;
        *last = last.checked_add(1)?;
        Some(
            upper
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join("."),
        )
    };
    if let Some(version) = clause.strip_prefix('^') {
        let parsed = pep440_rs::Version::from_str(version.trim()).ok()?;
        let release = parsed.release();
        let position = release
            .iter()
            .position(|part| *part != 0)
            .unwrap_or(release.len().saturating_sub(1));
        let upper = bump(version.trim(), position)?;
        return Some(vec![format!(">={}", version.trim()), format!("<{upper}")]);
    }
    if let Some(version) = clause.strip_prefix("~=") {
        return Some(vec![format!("~={}", version.trim())]);
    }
    if let Some(version) = clause.strip_prefix('~') {
        let parsed = pep440_rs::Version::from_str(version.trim()).ok()?;
        let position = if parsed.release().len() >= 2 { 1 } else { 0 };
        let upper = bump(version.trim(), position)?;
        return Some(vec![format!(">={}", version.trim()), format!("<{upper}")]);
    }
    for operator in ["===", "==", "!=", ">=", "<=", ">", "<"] {
        if let Some(version) = clause.strip_prefix(operator) {
            return Some(vec![format!("{operator}{}", version.trim())]);
        }
    }
    if clause.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(vec![format!("=={clause}")]);
    }
    None
}

/// Whether `version` satisfies a requirement written as PEP 440 specifiers or in Poetry's
/// syntax; `None` when either cannot be read.
pub(crate) fn version_allowed(requirement: &str, version: &str) -> Option<bool> {
    let version = pep440_rs::Version::from_str(version.trim()).ok()?;
    if let Ok(specifiers) = pep440_rs::VersionSpecifiers::from_str(requirement.trim()) {
        return Some(specifiers.contains(&version));
    }
    let alternatives = poetry_constraint_to_pep440(requirement)?;
    let mut allowed = false;
    for alternative in alternatives {
        let specifiers = pep440_rs::VersionSpecifiers::from_str(&alternative).ok()?;
        allowed |= specifiers.contains(&version);
    }
    Some(allowed)
}

/// Poetry's `python = "…"` restriction as a PEP 508 marker.
fn poetry_python_marker(constraint: &str) -> Option<String> {
    let alternatives = poetry_constraint_to_pep440(constraint)?;
    let rendered: Vec<String> = alternatives
        .iter()
        .filter(|alternative| !alternative.is_empty())
        .map(|alternative| {
            alternative
                .split(',')
                .filter_map(|clause| {
                    let split = clause
                        .find(|c: char| !"<>=!~".contains(c))
                        .unwrap_or(clause.len());
                    let (operator, version) = clause.split_at(split);
                    (!operator.is_empty())
                        .then(|| format!("python_full_version {operator} '{version}'"))
                })
                .collect::<Vec<_>>()
                .join(" and ")
        })
        .collect();
    match rendered.len() {
        0 => None,
        1 => rendered.into_iter().next(),
        _ => Some(
            rendered
                .iter()
                .map(|part| format!("({part})"))
                .collect::<Vec<_>>()
                .join(" or "),
        ),
    }
}

/// The key of the project in `directory` as uv.lock's `source = { editable = "." }` gives it.
pub fn project_source(directory: &str) -> Source {
    Source::Path {
        path: join_path(directory, "."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{Component, ComponentFlag, ComponentKey, ComponentKind};
    use crate::extract::{LockedProject, MemoryFiles, Reference, Target};
    use crate::link::joined_lock;

    const PEP_621: &str = r#"
[project]
name = "My_App"
version = "1.0.0-beta"
dependencies = [
    "requests[socks]>=2.31",
    "attrs==23.1.0",
    "tomli; python_version < '3.11'",
    "pkg @ git+https://github.com/o/pkg@v1.0",
]

[project.optional-dependencies]
CLI = ["click>=8; sys_platform != 'win32'", "rich"]

[dependency-groups]
test = ["pytest>=8", { include-group = "lint" }]
lint = ["ruff"]
cycle-a = [{ include-group = "cycle-b" }]
cycle-b = [{ include-group = "cycle-a" }, "mypy"]

[tool.uv]
dev-dependencies = ["coverage", "local-lib"]

[tool.uv.sources]
rich = { git = "https://github.com/Textualize/rich", tag = "v13.0.0" }
local-lib = { path = "../lib", editable = true }
member = { workspace = true }
torch = { index = "pytorch" }

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cpu"

[tool.uv.workspace]
members = ["packages/*"]
exclude = ["packages/old"]
"#;

    fn summary(project: &PyProject) -> Vec<String> {
        project
            .dependencies
            .iter()
            .map(|d| {
                format!(
                    "{} {:?} {} pin={:?} marker={:?} extras={:?} source={:?} line={}",
                    d.name.normalized(),
                    d.group,
                    d.edge_kind().as_str(),
                    d.pinned,
                    d.edge_details().marker,
                    d.extras,
                    d.source.as_ref().map(ToString::to_string),
                    d.line
                )
            })
            .collect()
    }

    #[test]
    fn pep_621_pep_735_and_uv_tables() {
        let project = PyProject::parse("app/pyproject.toml", PEP_621.as_bytes()).unwrap();
        assert_eq!(project.name.as_ref().unwrap().normalized(), "my-app");
        assert_eq!(project.version.as_deref(), Some("1.0.0b0"));
        assert_eq!(project.line, 3);
        assert_eq!(project.workspace_members, ["packages/*"]);
        assert_eq!(project.workspace_exclude, ["packages/old"]);
        let lines = summary(&project);
        let find = |prefix: &str| -> Vec<&String> {
            lines.iter().filter(|l| l.starts_with(prefix)).collect()
        };
        assert_eq!(find("requests ").len(), 1);
        assert!(find("requests ")[0].contains("extras=[\"socks\"]"));
        assert!(find("attrs ")[0].contains("pin=Some(\"23.1.0\")"));
        assert!(find("tomli ")[0].contains("marker=Some(\"python_full_version < '3.11'\")"));
        assert!(find("pkg ")[0].contains("git https://github.com/o/pkg rev=v1.0"));
        assert!(
            find("click ")[0].contains("optional")
                && find("click ")[0]
                    .contains("marker=Some(\"sys_platform != 'win32' and extra == 'cli'\")"),
            "{lines:#?}"
        );
        assert!(find("rich ")[0].contains("git https://github.com/Textualize/rich tag=v13.0.0"));
        // `test` includes `lint`: ruff is in both; the cycle is reported, mypy still read.
        assert_eq!(find("ruff ").len(), 2);
        assert!(find("pytest ")[0].contains("Group(\"test\") dev"));
        assert!(find("coverage ")[0].contains("Group(\"dev\") dev"));
        assert_eq!(find("mypy ").len(), 2, "{lines:#?}");
        assert!(project
            .diagnostics
            .iter()
            .any(|d| d.message.contains("cycle")));
    }

    #[test]
    fn authors_and_licenses_of_the_project() {
        let text = r#"
[project]
name = "app"
license = { text = "Apache-2.0" }
authors = [{ name = "Ada Lovelace", email = "ada@example.org" }, { email = "team@example.org" }]
maintainers = [{ name = "Evil\nPackageName: x" }, { name = "Ada Lovelace", email = "ada@example.org" }, 3]
"#;
        let project = PyProject::parse("pyproject.toml", text.as_bytes()).unwrap();
        assert_eq!(project.licenses, ["Apache-2.0"]);
        let contacts: Vec<String> = project.authors.iter().map(Author::contact).collect();
        assert_eq!(
            contacts,
            ["Ada Lovelace <ada@example.org>", "<team@example.org>"]
        );
        let messages: Vec<String> = project
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(messages[0].contains("control character"), "{messages:#?}");
        assert!(messages[1].contains("found an integer"), "{messages:#?}");

        let pep639 = "[project]\nname = \"a\"\nlicense = \"MIT OR Apache-2.0\"\nlicense-files = [\"LICENSE\"]\n";
        let project = PyProject::parse("pyproject.toml", pep639.as_bytes()).unwrap();
        assert_eq!(project.licenses, ["MIT OR Apache-2.0"]);
        let files = "[project]\nname = \"a\"\nlicense-files = [\"LICEN[CS]E*\"]\n";
        let project = PyProject::parse("pyproject.toml", files.as_bytes()).unwrap();
        assert_eq!(project.licenses, ["see file LICEN[CS]E*"]);
        let file = "[project]\nname = \"a\"\nlicense = { file = \"LICENSE.txt\" }\n";
        let project = PyProject::parse("x/pyproject.toml", file.as_bytes()).unwrap();
        assert_eq!(project.licenses, ["see file LICENSE.txt"]);
        let pasted = format!(
            "[project]\nname = \"a\"\nlicense = {{ text = \"\"\"{}\"\"\" }}\n",
            "Permission is hereby granted\n".repeat(20)
        );
        let project = PyProject::parse("x/pyproject.toml", pasted.as_bytes()).unwrap();
        assert_eq!(
            project.licenses,
            ["see the license text in x/pyproject.toml"]
        );

        let poetry = r#"
[tool.poetry]
name = "p"
license = "MIT"
authors = ["Grace Hopper <grace@example.org>", "Team"]
"#;
        let project = PyProject::parse("pyproject.toml", poetry.as_bytes()).unwrap();
        assert_eq!(project.licenses, ["MIT"]);
        let contacts: Vec<String> = project.authors.iter().map(Author::contact).collect();
        assert_eq!(contacts, ["Grace Hopper <grace@example.org>", "Team"]);

        let many: Vec<String> = (0..100).map(|n| format!("\"a{n}\"")).collect();
        let flood = format!(
            "[tool.poetry]\nname = \"p\"\nauthors = [{}]\n",
            many.join(", ")
        );
        let project = PyProject::parse("pyproject.toml", flood.as_bytes()).unwrap();
        assert_eq!(project.authors.len(), MAX_AUTHORS);
        assert_eq!(project.diagnostics.len(), 1);
    }

    #[test]
    fn poetry_tables() {
        let text = r#"
[tool.poetry]
name = "svc"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.9"
Django = "^4.2"
pinned = "1.2.3"
gitdep = { git = "https://github.com/o/gitdep.git", branch = "main" }
localdep = { path = "../localdep", develop = true }
urldep = { url = "https://example.com/urldep-1.0.tar.gz" }
extra-dep = { version = ">=1", optional = true, extras = ["fast"] }
old-py = { version = "*", python = "<3.10", markers = "sys_platform == 'linux'" }
multi = [
  { version = "<2", python = "<3.10" },
  { version = ">=2", python = ">=3.10" },
]

[tool.poetry.extras]
speed = ["extra-dep"]

[tool.poetry.dev-dependencies]
pytest = "^7"

[tool.poetry.group.docs.dependencies]
sphinx = "*"

[tool.poetry.group.main.dependencies]
also-main = "*"
"#;
        let project = PyProject::parse("svc/pyproject.toml", text.as_bytes()).unwrap();
        assert!(project.diagnostics.is_empty(), "{:?}", project.diagnostics);
        assert_eq!(project.name.as_ref().unwrap().normalized(), "svc");
        let lines = summary(&project);
        let find = |prefix: &str| -> Vec<&String> {
            lines.iter().filter(|l| l.starts_with(prefix)).collect()
        };
        assert!(find("django ")[0].contains("Main normal"));
        assert!(find("pinned ")[0].contains("pin=Some(\"1.2.3\")"));
        assert!(find("gitdep ")[0].contains("git https://github.com/o/gitdep.git branch=main"));
        assert!(find("localdep ")[0].contains("path localdep"));
        assert!(find("urldep ")[0].contains("url https://example.com/urldep-1.0.tar.gz"));
        assert!(find("extra-dep ")[0].contains("Extra(Some(\"speed\")) optional"));
        assert!(find("old-py ")[0].contains(
            "marker=Some(\"(python_full_version < '3.10') and (sys_platform == 'linux')\")"
        ));
        assert_eq!(find("multi ").len(), 2);
        assert!(find("pytest ")[0].contains("Group(\"dev\") dev"));
        assert!(find("sphinx ")[0].contains("Group(\"docs\") dev"));
        assert!(find("also-main ")[0].contains("Main normal"));
        assert!(lines.iter().all(|l| !l.starts_with("python ")));
    }

    #[test]
    fn poetry_constraints_as_pep_440() {
        let convert = |text: &str| poetry_constraint_to_pep440(text).unwrap();
        assert_eq!(convert("^1.2.3"), [">=1.2.3,<2"]);
        assert_eq!(convert("^0.2.3"), [">=0.2.3,<0.3"]);
        assert_eq!(convert("^0.0.3"), [">=0.0.3,<0.0.4"]);
        assert_eq!(convert("~1.2.3"), [">=1.2.3,<1.3"]);
        assert_eq!(convert("~1"), [">=1,<2"]);
        assert_eq!(convert("1.2.*"), ["==1.2.*"]);
        assert_eq!(convert(">= 1.0 < 2.0"), [">=1.0,<2.0"]);
        assert_eq!(convert("<2 || >=3"), ["<2", ">=3"]);
        assert_eq!(convert("*"), [""]);
        assert_eq!(poetry_constraint_to_pep440("latest"), None);
        assert_eq!(version_allowed("^1.2", "1.9.0"), Some(true));
        assert_eq!(version_allowed("^1.2", "2.0.0"), Some(false));
        assert_eq!(version_allowed(">=2,<3", "2.5"), Some(true));
        assert_eq!(version_allowed("<2 || >=3", "3.1"), Some(true));
        assert_eq!(version_allowed("*", "0.1"), Some(true));
        assert_eq!(version_allowed("latest", "0.1"), None);
        assert_eq!(
            poetry_python_marker("^3.9").as_deref(),
            Some("python_full_version >= '3.9' and python_full_version < '4'")
        );
    }

    #[test]
    fn wrong_types_are_entry_diagnostics_with_lines() {
        let text = "[project]\nname = \"x\"\ndependencies = \"requests\"\n\n[project.optional-dependencies]\na = [\"ok\", 5, \"bad req ===\"]\n\n[tool.poetry.dependencies]\nfoo = 3\n";
        let project = PyProject::parse("pyproject.toml", text.as_bytes()).unwrap();
        assert_eq!(
            project
                .dependencies
                .iter()
                .map(|d| d.name.normalized())
                .collect::<Vec<_>>(),
            ["ok"]
        );
        let lines: Vec<u32> = project
            .diagnostics
            .iter()
            .map(|d| d.location.as_ref().unwrap().line.unwrap())
            .collect();
        assert_eq!(lines, [3, 6, 6, 9], "{:#?}", project.diagnostics);
    }

    #[test]
    fn invalid_version_is_kept_with_a_diagnostic() {
        let text = "[project]\nname = \"x\"\nversion = \"1.x\"\n";
        let project = PyProject::parse("pyproject.toml", text.as_bytes()).unwrap();
        assert_eq!(project.version.as_deref(), Some("1.x"));
        assert_eq!(project.diagnostics.len(), 1);
        assert_eq!(project.diagnostics[0].code, DiagnosticCode::InvalidEntry);
    }

    #[test]
    fn standalone_gives_unpinned_requirements() {
        let extraction = PyProjectExtractor
            .parse(&Input::new("app/pyproject.toml", PEP_621.as_bytes()))
            .unwrap();
        assert_eq!(extraction.roots.len(), 1);
        let root = &extraction.roots[0];
        assert_eq!(
            root.source,
            Source::Path {
                path: "app".to_owned()
            }
        );
        let component = |name: &str| {
            extraction
                .components
                .iter()
                .find(|c| c.key.name.normalized() == name)
                .unwrap()
        };
        let requests = component("requests");
        assert_eq!(requests.key.version, None);
        assert!(requests.flags.contains(&ComponentFlag::Unpinned));
        let attrs = component("attrs");
        assert_eq!(attrs.key.version.as_deref(), Some("23.1.0"));
        assert!(attrs.flags.is_empty());
        let local = component("local-lib");
        assert!(local.flags.contains(&ComponentFlag::Editable));
        assert_eq!(
            local.key.source,
            Source::Path {
                path: "lib".to_owned()
            }
        );
        let torch_absent = extraction
            .components
            .iter()
            .all(|c| c.key.name.normalized() != "member");
        assert!(
            torch_absent,
            "workspace members are not invented as packages"
        );
    }

    #[test]
    fn a_joined_manifest_merges_with_the_lock_entry_and_resolves_by_name() {
        let lock_root = ComponentKey::new(
            Ecosystem::PyPI,
            package_name("my-app").unwrap(),
            None,
            Source::Path {
                path: "app".to_owned(),
            },
        );
        let requests = ComponentKey::new(
            Ecosystem::PyPI,
            package_name("requests").unwrap(),
            Some("2.31.0".to_owned()),
            Source::DEFAULT_REGISTRY,
        );
        let extraction = Extraction {
            components: vec![
                Component::new(lock_root.clone(), ComponentKind::Library),
                Component::new(requests.clone(), ComponentKind::Library),
            ],
            references: vec![Reference {
                from: lock_root,
                to: Target::Key(requests),
                kind: EdgeKind::Normal,
                conditions: EdgeDetails::default(),
                location: None,
            }],
            ..Extraction::default()
        };
        let files = MemoryFiles::new().with("app/pyproject.toml", PEP_621);
        let (extraction, joined) = joined_lock(
            &crate::extract::python::uv_lock::FORMAT,
            "app/uv.lock",
            Extraction {
                project: Some(LockedProject::default()),
                ..extraction
            },
            &files,
        );
        let root = extraction.roots[0].clone();
        assert_eq!(root.version.as_deref(), Some("1.0.0b0"));
        assert_eq!(extraction.roots, std::slice::from_ref(&root));
        assert_eq!(joined, ["app/pyproject.toml"]);
        assert_eq!(extraction.components.len(), 2, "the root merged");
        assert_eq!(
            extraction.components[0].kind,
            ComponentKind::Application,
            "first-party wins"
        );
        assert_eq!(
            extraction.references[0].from, root,
            "the lock's edges follow the rekeyed root"
        );
        // The declarations are resolved by the link stage (`Origin::Declared`).
        let mut diagnostics = Vec::new();
        let graph = crate::link::merge(vec![extraction], &mut diagnostics);
        let dependencies: Vec<String> = graph
            .dependencies(&root)
            .into_iter()
            .map(|(key, _)| key.name.to_string())
            .collect();
        assert_eq!(dependencies, ["requests"], "only requests is in the lock");
        let missing = diagnostics
            .iter()
            .filter(|d| d.code == DiagnosticCode::LockfileOutOfDate)
            .count();
        assert!(missing > 5);
    }

    #[test]
    fn a_broken_manifest_is_joined_and_reported() {
        let files = MemoryFiles::new().with("pyproject.toml", "[project\nname = 1");
        let (extraction, joined) = joined_lock(
            &crate::extract::python::uv_lock::FORMAT,
            "uv.lock",
            Extraction {
                project: Some(LockedProject::default()),
                ..Extraction::default()
            },
            &files,
        );
        assert!(extraction.roots.is_empty());
        assert_eq!(joined, ["pyproject.toml"]);
        assert_eq!(extraction.diagnostics[0].code, DiagnosticCode::ParseError);
        assert_eq!(
            extraction.diagnostics[0].location.as_ref().unwrap().line,
            Some(1)
        );
    }
}
