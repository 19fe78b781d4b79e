//! The joins of a Python project to its lock: the `pyproject.toml` beside a lockfile (and, for
//! `uv.lock`, those of its workspace members) becomes the lock's root, merged with the lock's
//! own entry for it, with a reference to each dependency it declares (resolved by the
//! `Declared` row of [`super::resolve`]); then what the lock said about its project
//! ([`LockedProject`]) is settled against that root. A manifest no lock accounts for is read on
//! its own ([`standalone`]).

use std::collections::BTreeSet;

use crate::component::{Component, ComponentFlag, ComponentKey, ComponentKind, Scope, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::python::package_name;
use crate::extract::python::pyproject::{project_source, DependencyGroup, PyProject};
use crate::extract::{
    join_path, parent_directory, Extraction, ExtractorId, Join, LockedProject, NamedTarget,
    Reference, Requirement as Wanted, Target,
};
use crate::link::Origin;
use crate::location::{Evidence, Location};

/// A `pyproject.toml` at or below a lock's directory, as extracted.
#[derive(Clone, Copy)]
pub(crate) enum Candidate<'m> {
    Parsed(&'m PyProject),
    /// The file could not be parsed (the diagnostic says why): joined, it is accounted for and
    /// its diagnostic is the lock's.
    Unreadable(&'m Diagnostic),
}

/// The path of the manifest a lock in `directory` locks.
pub(crate) fn project_manifest_path(directory: &str) -> String {
    join_path(directory, "pyproject.toml")
}

/// Joins a Python lock's extraction with its manifests: `D/pyproject.toml` (when `manifests`,
/// the candidates at or below the lock's directory D in path order, hold it) and, for
/// [`Join::UvWorkspace`], the manifests of the workspace members the lock lists below D; then
/// settles the lock's [`LockedProject`]. Returns the paths of the manifests it accounts for
/// (listed under the lock's format, and not read on their own). A lock without a
/// [`LockedProject`] (a script's lock) joins nothing.
pub(crate) fn join(
    extractor: ExtractorId,
    lock_path: &str,
    join: Join,
    extraction: &mut Extraction,
    manifests: &[(&str, Candidate<'_>)],
) -> Vec<String> {
    let Some(project) = extraction.project.take() else {
        return Vec::new();
    };
    let directory = parent_directory(lock_path);
    let project_path = project_manifest_path(directory);
    let manifest = manifests
        .iter()
        .find(|(path, _)| *path == project_path)
        .map(|(_, candidate)| *candidate);
    let mut accounted = Vec::new();
    // Scopes first: the root's adoption below may rename the project's entry.
    let extras = match manifest {
        Some(Candidate::Parsed(manifest)) => manifest_extras(manifest),
        Some(Candidate::Unreadable(_)) | None => BTreeSet::new(),
    };
    apply_group_scopes(extraction, &project, &extras);
    let root = manifest.and_then(|manifest| {
        accounted.push(project_path.clone());
        attach(extractor, manifest, extraction)
    });
    if join == Join::UvWorkspace {
        // Workspace members below the lock: their manifests add their declared scopes.
        let own_directory = join_path(directory, ".");
        let member_paths: Vec<String> = extraction
            .roots
            .iter()
            .filter_map(|root| match &root.source {
                Source::Path { path } if *path != own_directory => {
                    Some(join_path(path, "pyproject.toml"))
                }
                _ => None,
            })
            .collect();
        for (path, candidate) in manifests {
            if member_paths.iter().any(|member| member == path) {
                accounted.push((*path).to_owned());
                attach(extractor, *candidate, extraction);
            }
        }
    }
    settle(extraction, project, root);
    accounted
}

/// The extras `[project.optional-dependencies]` (or Poetry's extras) define.
fn manifest_extras(manifest: &PyProject) -> BTreeSet<String> {
    manifest
        .dependencies
        .iter()
        .filter_map(|dependency| match &dependency.group {
            DependencyGroup::Extra(Some(extra)) => Some(extra.clone()),
            _ => None,
        })
        .collect()
}

/// Scopes of the groups a package is locked for ([`LockedProject::package_groups`]):
/// `default` required, an extra of the manifest optional, the rest development; the widest.
fn apply_group_scopes(
    extraction: &mut Extraction,
    project: &LockedProject,
    extras: &BTreeSet<String>,
) {
    for (key, groups) in &project.package_groups {
        let scope = groups
            .iter()
            .map(|group| {
                if group == "default" {
                    Scope::Required
                } else if extras.contains(group) {
                    Scope::Optional
                } else {
                    Scope::Dev
                }
            })
            .max();
        for component in &mut extraction.components {
            if component.key == *key {
                component.scope = scope;
            }
        }
    }
}

/// Completes a lock's extraction once its root is known: the manifest's root, else the lock's
/// fallback; then the references that need the root, the root's facts, and the diagnostics
/// that depend on whether there is a root.
fn settle(extraction: &mut Extraction, project: LockedProject, root: Option<ComponentKey>) {
    let LockedProject {
        fallback,
        references,
        root_facts,
        root_diagnostics,
        rootless_diagnostics,
        package_groups: _,
    } = project;
    let root = root.or_else(|| {
        let fallback = fallback?;
        let key = fallback.key.clone();
        if !extraction
            .components
            .iter()
            .any(|component| component.key == key)
        {
            extraction.components.push(fallback);
        }
        if !extraction.roots.contains(&key) {
            extraction.roots.push(key.clone());
        }
        Some(key)
    });
    if let Some(root) = &root {
        if let Some(component) = extraction
            .components
            .iter_mut()
            .find(|component| component.key == *root)
        {
            component.facts.merge(root_facts);
        }
        extraction.diagnostics.extend(root_diagnostics);
    }
    // The lock's own entry for the project (`-e .`) is the root, whatever version it wrote.
    let as_root = |key: ComponentKey| match &root {
        Some(root) if key.name == root.name && key.source == root.source => root.clone(),
        _ => key,
    };
    for reference in references {
        let from = match reference.from {
            Some(from) => as_root(from),
            None => match &root {
                Some(root) => root.clone(),
                None => continue,
            },
        };
        let to = as_root(reference.to);
        if from == to {
            continue;
        }
        extraction.references.push(Reference {
            from,
            to: Target::Key(to),
            kind: reference.kind,
            conditions: reference.conditions,
            location: reference.location,
        });
    }
    if extraction.roots.is_empty() {
        extraction.diagnostics.extend(rootless_diagnostics);
    }
}

/// Adds a project manifest to a lock's extraction: the project becomes a root (merged with the
/// lock's own entry for it when the lock has one: same name, `Source::Path` of its directory),
/// with a reference to each direct dependency by name (markers and extras on the edge; the
/// extra of an optional dependency as `extra == '…'`), resolved by the `Declared` row: a
/// declared dependency the lock does not contain is reported (`lockfile-out-of-date`) instead
/// of becoming a dangling edge. Returns the root's key; `None` for a manifest that could not
/// be parsed (its diagnostic becomes the lock's) or that names no project.
fn attach(
    extractor: ExtractorId,
    manifest: Candidate<'_>,
    extraction: &mut Extraction,
) -> Option<ComponentKey> {
    let project = match manifest {
        Candidate::Parsed(project) => project,
        Candidate::Unreadable(diagnostic) => {
            extraction.diagnostics.push(diagnostic.clone());
            return None;
        }
    };
    extraction.diagnostics.extend(project.diagnostics.clone());
    let root = root_component(extractor, project)?;
    let root_key = adopt_root(extraction, root);
    for declared in &project.dependencies {
        if declared.name == root_key.name {
            // `pkg[extra]` naming the project itself pulls in its own extras, not a package.
            continue;
        }
        // Resolved by the link stage's `Declared` row: the lock's entry the pin or source
        // picks, else each its specifier allows, unless the lock links the project already.
        extraction.references.push(Reference {
            from: root_key.clone(),
            to: Target::Named(NamedTarget {
                ecosystem: Ecosystem::PyPI,
                name: declared.name.clone(),
                requirement: Wanted::Declared {
                    pin: declared.pinned.clone(),
                    source: declared.source.clone(),
                    specifier: declared.requirement.clone(),
                },
                origin: Origin::Declared,
                written: None,
            }),
            kind: declared.edge_kind(),
            conditions: declared.edge_details(),
            location: Some(Location::line(&project.path, declared.line)),
        });
    }
    Some(root_key)
}

/// The project's own component, or `None` for a manifest that declares neither a project nor
/// any dependency. A manifest with dependencies but no name (a uv virtual workspace root, a
/// bare `[dependency-groups]` file) is named after its directory.
fn root_component(extractor: ExtractorId, project: &PyProject) -> Option<Component> {
    let (name, is_virtual) = match &project.name {
        Some(name) => (name.clone(), false),
        None if project.dependencies.is_empty() => return None,
        None => (directory_project_name(&project.directory)?, true),
    };
    let key = ComponentKey::new(
        Ecosystem::PyPI,
        name,
        project.version.clone(),
        project_source(&project.directory),
    );
    let mut component = Component::new(key, ComponentKind::Application).with_evidence(Evidence {
        location: Location::line(&project.path, project.line),
        extractor,
    });
    if is_virtual {
        // No `[project]` table: named after its directory.
        component.facts.python_mut().virtual_project = true;
    }
    component.facts.authors.clone_from(&project.authors);
    component.licenses.extend(project.licenses.iter().cloned());
    Some(component)
}

/// The name of a project that no manifest names: its directory's last segment, or `workspace`
/// for the top of the scan (or a segment that is no package name).
pub(crate) fn directory_project_name(directory: &str) -> Option<crate::name::PackageName> {
    let directory_name = directory
        .rsplit('/')
        .find(|part| !part.is_empty() && *part != "." && *part != "..")
        .unwrap_or("workspace");
    package_name(directory_name)
        .or_else(|_| package_name("workspace"))
        .ok()
}

/// Puts the project's component into the extraction, merging it with the lock's own entry for
/// the same project (same name and directory); a lock entry without a version takes the
/// manifest's. Returns the key the root has in the extraction.
fn adopt_root(extraction: &mut Extraction, root: Component) -> ComponentKey {
    let existing = extraction.components.iter().position(|component| {
        component.key.ecosystem == root.key.ecosystem
            && component.key.name == root.key.name
            && component.key.source == root.key.source
    });
    let key = match existing {
        Some(position) => {
            let Some(component) = extraction.components.get_mut(position) else {
                return root.key;
            };
            let old_key = component.key.clone();
            if old_key.version.is_none() && root.key.version.is_some() {
                rekey(extraction, &old_key, &root.key);
            }
            if let Some(component) = extraction.components.get_mut(position) {
                let mut merged = root.clone();
                merged.key = component.key.clone();
                component.merge(merged);
                component.key.clone()
            } else {
                root.key
            }
        }
        None => {
            let key = root.key.clone();
            extraction.components.push(root);
            key
        }
    };
    if !extraction.roots.contains(&key) {
        extraction.roots.push(key.clone());
    }
    key
}

/// Renames a component key everywhere in an extraction.
fn rekey(extraction: &mut Extraction, old: &ComponentKey, new: &ComponentKey) {
    for component in &mut extraction.components {
        if component.key == *old {
            component.key = new.clone();
        }
    }
    for edge in &mut extraction.references {
        if edge.from == *old {
            edge.from = new.clone();
        }
        if let Target::Key(key) = &mut edge.to {
            if key == old {
                *key = new.clone();
            }
        }
    }
    for root in &mut extraction.roots {
        if root == old {
            *root = new.clone();
        }
    }
}

/// A manifest with no lockfile: the project is a root, its dependencies are requirements.
pub(crate) fn standalone(extractor: ExtractorId, project: &PyProject) -> Extraction {
    let mut extraction = Extraction {
        diagnostics: project.diagnostics.clone(),
        ..Extraction::default()
    };
    let Some(root) = root_component(extractor, project) else {
        return extraction;
    };
    let root_key = root.key.clone();
    extraction.components.push(root);
    extraction.roots.push(root_key.clone());
    for declared in &project.dependencies {
        let location = Location::line(&project.path, declared.line);
        if declared.name == root_key.name {
            continue;
        }
        if declared.workspace_member {
            extraction.diagnostics.push(Diagnostic::note(
                DiagnosticCode::DanglingReference,
                location,
                format!(
                    "`{}` is another member of the uv workspace; without a uv.lock it is not linked",
                    declared.name
                ),
            ));
            continue;
        }
        let source = declared.source.clone().unwrap_or(Source::DEFAULT_REGISTRY);
        let version = declared.pinned.clone();
        let unpinned = version.is_none()
            && match &source {
                Source::Registry { .. } => true,
                Source::Git { commit, .. } => commit.is_none(),
                Source::Path { .. } | Source::Url { .. } | Source::File { .. } => false,
            };
        let key = ComponentKey::new(Ecosystem::PyPI, declared.name.clone(), version, source);
        let mut component = Component::new(key, ComponentKind::Library).with_evidence(Evidence {
            location: location.clone(),
            extractor,
        });
        if unpinned {
            component.flags.insert(ComponentFlag::Unpinned);
        }
        if declared.editable {
            component.flags.insert(ComponentFlag::Editable);
        }
        component
            .facts
            .requirement
            .clone_from(&declared.requirement);
        extraction.add_dependency(
            &root_key,
            component,
            declared.edge_kind(),
            declared.edge_details(),
            location,
        );
    }
    extraction
}
