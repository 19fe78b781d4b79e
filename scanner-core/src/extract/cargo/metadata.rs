//! The feature-resolved graph of a Cargo workspace (what `cargo metadata` reports), used only
//! when the user asks for it (`--cargo-metadata`). It refines a lockfile extraction: cargo knows
//! every edge's kind (including the build dependencies of third-party crates) and which
//! optional packages the default features really pull in; the lockfile extraction keeps hashes
//! and evidence.
//!
//! The library starts no process: the graph comes through the port [`CargoGraphSource`], which
//! the CLI implements by running cargo (`scanner-cli/src/enrich/cargo_metadata.rs`), and tests
//! implement with a fixed graph. This module is the pure half: it checks the workspace has a
//! manifest, asks the port, and applies the answer; when the port fails, the scan keeps the
//! lockfile's graph and says why (`cargo-metadata-fallback`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use super::parse_lock_source;
use crate::component::{ComponentKey, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::{Extraction, Reference, Target};
use crate::location::Location;

/// Where the feature-resolved graph of a Cargo workspace comes from.
pub trait CargoGraphSource: Send + Sync + fmt::Debug {
    /// The feature-resolved graph of the workspace whose lockfile is `lock` (a path on disk;
    /// its `Cargo.toml` lies beside it). An error says in one line why there is none.
    fn resolve(&self, lock: &Path) -> Result<ResolvedCargoGraph, String>;
}

/// A workspace's resolved graph, as cargo reports it (`cargo metadata --format-version 1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedCargoGraph {
    /// Every package cargo lists.
    pub packages: Vec<ResolvedPackage>,
    /// The nodes of the resolve graph, in cargo's order: the packages the features use, with
    /// their edges.
    pub nodes: Vec<ResolvedNode>,
    /// The ids of the workspace members (the graph's roots).
    pub workspace_members: Vec<String>,
}

/// One package of a [`ResolvedCargoGraph`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPackage {
    /// Cargo's opaque package id.
    pub id: String,
    /// The package's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The source as cargo writes it (`registry+https://…`, `git+https://…#rev`); `None` for a
    /// path package.
    pub source: Option<String>,
    /// The names of its declared dependencies that are optional.
    pub optional: BTreeSet<String>,
}

/// One node of the resolve graph: a package and what it depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedNode {
    /// The package's id.
    pub id: String,
    /// What it depends on, resolved.
    pub dependencies: Vec<ResolvedDependency>,
}

/// One resolved dependency of a [`ResolvedNode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDependency {
    /// The dependency's package id.
    pub id: String,
    /// Each kind it is depended on as; empty when cargo did not say.
    pub kinds: Vec<DependencyKind>,
}

/// How a resolved dependency is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DependencyKind {
    /// A `[dependencies]` edge.
    Normal,
    /// A `[dev-dependencies]` edge.
    Development,
    /// A `[build-dependencies]` edge.
    Build,
}

/// Replaces the edges and roots of `extraction` (made from the `Cargo.lock` at `lock_path`,
/// shown as `lock_display`) with the graph `source` resolves. On failure the extraction is left
/// as it was and the error says why.
pub fn refine(
    source: &dyn CargoGraphSource,
    lock_path: &Path,
    lock_display: &str,
    extraction: &mut Extraction,
) -> Result<(), String> {
    let directory = lock_path
        .parent()
        .ok_or_else(|| "the lockfile has no parent directory".to_owned())?;
    if !directory.join("Cargo.toml").is_file() {
        return Err(format!("no Cargo.toml beside {lock_display}"));
    }
    let graph = source.resolve(lock_path)?;
    apply_resolved_graph(&graph, lock_display, extraction)
}

/// The pure half of [`refine`]: `extraction`'s edges and roots become `graph`'s, for the
/// packages both know; locked packages the graph does not use are left out (with a note). On
/// error the extraction is left as it was.
pub fn apply_resolved_graph(
    graph: &ResolvedCargoGraph,
    lock_display: &str,
    extraction: &mut Extraction,
) -> Result<(), String> {
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
    for package in &graph.packages {
        let source = match &package.source {
            None => None,
            Some(source) => Some(
                parse_lock_source(source).ok_or_else(|| format!("unknown source `{source}`"))?,
            ),
        };
        let identity = (package.name.clone(), package.version.clone(), source);
        if let Some(key) = by_identity.get(&identity) {
            keys.insert(package.id.clone(), (key.clone(), package));
        }
    }

    let location = Location::file(lock_display);
    let mut edges = Vec::new();
    let mut used: BTreeSet<ComponentKey> = BTreeSet::new();
    for node in &graph.nodes {
        let Some((from, package)) = keys.get(&node.id) else {
            continue;
        };
        used.insert(from.clone());
        for dependency in &node.dependencies {
            let Some((to, target_package)) = keys.get(&dependency.id) else {
                continue;
            };
            let optional = package.optional.contains(&target_package.name);
            let mut kinds = BTreeSet::new();
            for kind in &dependency.kinds {
                kinds.insert(match kind {
                    DependencyKind::Development => EdgeKind::Dev,
                    DependencyKind::Build => EdgeKind::Build,
                    DependencyKind::Normal if optional => EdgeKind::Optional,
                    DependencyKind::Normal => EdgeKind::Normal,
                });
            }
            if kinds.is_empty() {
                kinds.insert(EdgeKind::Normal);
            }
            for kind in kinds {
                edges.push(Reference {
                    from: from.clone(),
                    to: Target::Key(to.clone()),
                    kind,
                    conditions: EdgeDetails::default(),
                    location: Some(location.clone()),
                });
            }
        }
    }
    let roots: Vec<ComponentKey> = graph
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
    extraction.references = edges;
    extraction.roots = roots;
    for component in &mut extraction.components {
        component.facts.cargo_mut().resolved_by_cargo_metadata = true;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The refinement without a process: a fake [`CargoGraphSource`] answers with a fixed graph
    //! or an error, so what the scan does with either is tested on every machine the same way.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use super::*;
    use crate::scan::{scan, ScanOptions, ScanReport};

    /// Answers every workspace with `answer`.
    #[derive(Debug)]
    struct Fixed(Result<ResolvedCargoGraph, String>);

    impl CargoGraphSource for Fixed {
        fn resolve(&self, lock: &Path) -> Result<ResolvedCargoGraph, String> {
            assert!(lock.ends_with("metadata-workspace/Cargo.lock"), "{lock:?}");
            self.0.clone()
        }
    }

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/cargo/metadata-workspace")
    }

    fn scanned(source: Fixed) -> ScanReport {
        let options = ScanOptions {
            cargo_graph: Some(Arc::new(source)),
            ..ScanOptions::default()
        };
        scan(&[workspace()], &options).unwrap()
    }

    fn edges(report: &ScanReport) -> Vec<String> {
        report
            .graph
            .edges()
            .map(|edge| {
                format!(
                    "{} -{}-> {}",
                    edge.from.name.normalized(),
                    edge.kind.as_str(),
                    edge.to.name.normalized()
                )
            })
            .collect()
    }

    /// What `cargo metadata` says of the fixture with the default features: `extra` is
    /// optional and not enabled, so it is no node and no edge.
    fn resolved() -> ResolvedCargoGraph {
        let package = |name: &str, version: &str, optional: &[&str]| ResolvedPackage {
            id: format!("path+file:///workspace/crates/{name}#{version}"),
            name: name.to_owned(),
            version: version.to_owned(),
            source: None,
            optional: optional.iter().map(|name| (*name).to_owned()).collect(),
        };
        let id =
            |name: &str, version: &str| format!("path+file:///workspace/crates/{name}#{version}");
        let dependency = |name: &str, kind: DependencyKind| ResolvedDependency {
            id: id(name, "0.1.0"),
            kinds: vec![kind],
        };
        let leaf = |name: &str| ResolvedNode {
            id: id(name, "0.1.0"),
            dependencies: Vec::new(),
        };
        ResolvedCargoGraph {
            packages: vec![
                package("app", "0.4.0", &["extra"]),
                package("buildtool", "0.1.0", &[]),
                package("devtool", "0.1.0", &[]),
                package("extra", "0.1.0", &[]),
                package("helper", "0.1.0", &[]),
            ],
            nodes: vec![
                ResolvedNode {
                    id: id("app", "0.4.0"),
                    dependencies: vec![
                        dependency("buildtool", DependencyKind::Build),
                        dependency("devtool", DependencyKind::Development),
                        dependency("helper", DependencyKind::Normal),
                    ],
                },
                leaf("buildtool"),
                leaf("devtool"),
                leaf("helper"),
            ],
            workspace_members: vec![id("app", "0.4.0")],
        }
    }

    #[test]
    fn a_resolved_graph_replaces_the_lockfile_edges_and_drops_what_features_do_not_use() {
        let report = scanned(Fixed(Ok(resolved())));
        assert_eq!(
            edges(&report),
            [
                "app -build-> buildtool",
                "app -dev-> devtool",
                "app -normal-> helper"
            ]
        );
        assert!(
            !report
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.code == DiagnosticCode::CargoMetadataFallback),
            "{:?}",
            report.diagnostics
        );
        assert!(
            report
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.code == DiagnosticCode::UnusedByFeatures),
            "{:?}",
            report.diagnostics
        );
    }

    #[test]
    fn a_source_that_fails_leaves_the_lockfile_graph_and_says_why() {
        let report = scanned(Fixed(Err("cargo is not installed".to_owned())));
        assert_eq!(
            edges(&report),
            [
                "app -build-> buildtool",
                "app -dev-> devtool",
                "app -optional-> extra",
                "app -normal-> helper"
            ]
        );
        let fallback: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.code == DiagnosticCode::CargoMetadataFallback)
            .map(ToString::to_string)
            .collect();
        assert_eq!(fallback.len(), 1, "{:?}", report.diagnostics);
        assert!(
            fallback[0].ends_with(
                "Cargo.lock: warning[cargo-metadata-fallback]: cargo metadata failed (cargo is not installed); read the lockfile directly"
            ),
            "{fallback:?}"
        );
    }

    #[test]
    fn an_unknown_source_is_an_error_and_changes_nothing() {
        let mut graph = resolved();
        graph.packages[1].source = Some("svn+https://example.invalid/repo".to_owned());
        let mut extraction = Extraction::default();
        let error = apply_resolved_graph(&graph, "Cargo.lock", &mut extraction).unwrap_err();
        assert_eq!(error, "unknown source `svn+https://example.invalid/repo`");
        assert!(extraction.references.is_empty() && extraction.diagnostics.is_empty());
    }
}
