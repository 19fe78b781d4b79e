//! The feature-resolved graph from `cargo metadata --offline --locked`, used only when the user
//! asks for it (`--cargo-metadata`). It refines a lockfile extraction: cargo knows every edge's
//! kind (including the build dependencies of third-party crates) and which optional packages
//! the default features really pull in; the lockfile extraction keeps hashes and evidence.
//!
//! Running cargo means trusting the project: cargo reads its `.cargo/config.toml`. The command
//! is pinned to the `rustc` on PATH and no wrapper, so a hostile config cannot name a program
//! for cargo to run, and it runs offline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cargo_metadata::{DependencyKind, MetadataCommand};

use super::parse_lock_source;
use crate::component::{ComponentKey, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::{EdgeRef, EdgeTarget, Extraction};
use crate::location::Location;

/// Replaces the edges and roots of `extraction` (made from the `Cargo.lock` at `lock_path`,
/// shown as `lock_display`) with cargo's resolved graph. On failure the extraction is left as it
/// was and the error says why.
pub fn refine(
    lock_path: &Path,
    lock_display: &str,
    extraction: &mut Extraction,
) -> Result<(), String> {
    let directory = lock_path
        .parent()
        .ok_or_else(|| "the lockfile has no parent directory".to_owned())?;
    let manifest = directory.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(format!("no Cargo.toml beside {lock_display}"));
    }
    let metadata = MetadataCommand::new()
        .manifest_path(&manifest)
        .other_options(vec!["--offline".to_owned(), "--locked".to_owned()])
        .env("CARGO_BUILD_RUSTC", "rustc")
        .env("CARGO_BUILD_RUSTC_WRAPPER", "")
        .env("RUSTC_WRAPPER", "")
        .env("CARGO_NET_OFFLINE", "true")
        .exec()
        .map_err(|error| {
            error
                .to_string()
                .lines()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })?;
    let resolve = metadata
        .resolve
        .as_ref()
        .ok_or_else(|| "cargo metadata returned no resolve graph".to_owned())?;

    // Lock components by (name, version, source); path packages match on name and version.
    let mut by_identity: BTreeMap<(String, String, Option<Source>), ComponentKey> = BTreeMap::new();
    for component in &extraction.components {
        let key = &component.key;
        let source = match &key.source {
            Source::Path { .. } => None,
            other => Some(other.clone()),
        };
        if let Some(version) = &key.version {
            by_identity.insert(
                (key.name.normalized().to_owned(), version.clone(), source),
                key.clone(),
            );
        }
    }
    let mut keys = BTreeMap::new();
    for package in &metadata.packages {
        let source = match &package.source {
            None => None,
            Some(source) => Some(
                parse_lock_source(&source.repr)
                    .ok_or_else(|| format!("unknown source `{}`", source.repr))?,
            ),
        };
        let identity = (
            package.name.to_string(),
            package.version.to_string(),
            source,
        );
        if let Some(key) = by_identity.get(&identity) {
            keys.insert(package.id.clone(), (key.clone(), package));
        }
    }

    let location = Location::file(lock_display);
    let mut edges = Vec::new();
    let mut used: BTreeSet<ComponentKey> = BTreeSet::new();
    for node in &resolve.nodes {
        let Some((from, package)) = keys.get(&node.id) else {
            continue;
        };
        used.insert(from.clone());
        for dependency in &node.deps {
            let Some((to, target_package)) = keys.get(&dependency.pkg) else {
                continue;
            };
            let optional = package
                .dependencies
                .iter()
                .any(|declared| declared.name == target_package.name.as_str() && declared.optional);
            let mut kinds = BTreeSet::new();
            for info in &dependency.dep_kinds {
                kinds.insert(match info.kind {
                    DependencyKind::Development => EdgeKind::Dev,
                    DependencyKind::Build => EdgeKind::Build,
                    _ if optional => EdgeKind::Optional,
                    _ => EdgeKind::Normal,
                });
            }
            if kinds.is_empty() {
                kinds.insert(EdgeKind::Normal);
            }
            for kind in kinds {
                edges.push(EdgeRef {
                    from: from.clone(),
                    to: EdgeTarget::Key(to.clone()),
                    kind,
                    details: EdgeDetails::default(),
                    location: Some(location.clone()),
                });
            }
        }
    }
    let roots: Vec<ComponentKey> = metadata
        .workspace_members
        .iter()
        .filter_map(|id| keys.get(id).map(|(key, _)| key.clone()))
        .collect();
    used.extend(roots.iter().cloned());
    let before = extraction.components.len();
    extraction
        .components
        .retain(|component| used.contains(&component.key));
    let omitted = before - extraction.components.len();
    if omitted > 0 {
        extraction.diagnostics.push(Diagnostic::note(
            DiagnosticCode::UnusedByFeatures,
            location,
            format!("{omitted} locked packages are not used with the default features and were left out (cargo metadata)"),
        ));
    }
    extraction.edges = edges;
    extraction.roots = roots;
    for component in &mut extraction.components {
        component.facts.cargo_mut().resolved_by_cargo_metadata = true;
    }
    Ok(())
}
