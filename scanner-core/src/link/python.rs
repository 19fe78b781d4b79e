//! The joins of a Python project to its lock: the `pyproject.toml` beside a lockfile (and, for
//! `uv.lock`, those of its workspace members) becomes the lock's root, merged with the lock's
//! own entry for it, with a reference to each dependency it declares (resolved by the
//! `Declared` row of [`super::resolve`]); a manifest no lock accounts for is read on its own.
//! Moved here from the pyproject extractor; its parsers still call it until the link stage
//! joins Python files itself (issue 18, docs/linking.md).

use crate::component::{Component, ComponentFlag, ComponentKey, ComponentKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::python::package_name;
use crate::extract::python::pyproject::{project_source, PyProject};
use crate::extract::{
    join_path, Extraction, ExtractorId, Input, NamedTarget, Reference, Requirement as Wanted,
    Target,
};
use crate::link::Origin;
use crate::location::{Evidence, Location};

/// Attaches the `pyproject.toml` in the lockfile's own directory, if the lock extractor's
/// companions (or, failing that, the input's file reader) hold one: see [`attach_manifest`].
/// Returns the project's root key.
pub fn attach_project(
    extractor: ExtractorId,
    input: &Input<'_>,
    extraction: &mut Extraction,
) -> Option<ComponentKey> {
    let path = join_path(input.directory(), "pyproject.toml");
    let path = if path == "./pyproject.toml" {
        "pyproject.toml".to_owned()
    } else {
        path
    };
    let bytes = match input
        .companions
        .iter()
        .find(|companion| companion.path == path)
    {
        Some(companion) => companion.bytes.clone(),
        None => input.files.read(&path).ok()?,
    };
    attach_manifest(extractor, &path, &bytes, extraction)
}

/// Adds a project manifest to a lock's extraction: the project becomes a root (merged with the
/// lock's own entry for it when the lock has one: same name, `Source::Path` of its directory),
/// with an edge to each direct dependency by name (markers and extras on the edge; the extra
/// of an optional dependency as `extra == '…'`), and the file is claimed so it is not read
/// again on its own. A declared dependency the lock does not contain is reported
/// (`lockfile-out-of-date`) instead of becoming a dangling edge.
pub fn attach_manifest(
    extractor: ExtractorId,
    path: &str,
    bytes: &[u8],
    extraction: &mut Extraction,
) -> Option<ComponentKey> {
    if !extraction.claimed.iter().any(|claimed| claimed == path) {
        extraction.claimed.push(path.to_owned());
    }
    let project = match PyProject::parse(path, bytes) {
        Ok(project) => project,
        Err(error) => {
            extraction.diagnostics.push(error.to_diagnostic());
            return None;
        }
    };
    extraction.diagnostics.extend(project.diagnostics.clone());
    let root = root_component(extractor, &project)?;
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
        None => {
            let directory_name = project
                .directory
                .rsplit('/')
                .find(|part| !part.is_empty() && *part != "." && *part != "..")
                .unwrap_or("workspace");
            (
                package_name(directory_name)
                    .or_else(|_| package_name("workspace"))
                    .ok()?,
                true,
            )
        }
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
    Some(component)
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
        let mut component =
            Component::new(key.clone(), ComponentKind::Library).with_evidence(Evidence {
                location: location.clone(),
                extractor,
            });
        if unpinned {
            component.flags.insert(ComponentFlag::Unpinned);
        }
        if declared.editable {
            component.flags.insert(ComponentFlag::Editable);
        }
        if let Some(requirement) = &declared.requirement {
            component.facts.requirement = Some(requirement.clone());
        }
        extraction.components.push(component);
        extraction.references.push(Reference {
            from: root_key.clone(),
            to: Target::Key(key),
            kind: declared.edge_kind(),
            conditions: declared.edge_details(),
            location: Some(location),
        });
    }
    extraction
}
