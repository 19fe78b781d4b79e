//! Joins a `Cargo.lock` with the workspace's manifests: which lock entries are workspace members
//! (the roots), which path entry lives where, and what kind each member's direct dependency is
//! (the lock does not say whether an edge is normal, dev or build; the manifests do).
//!
//! The lock's parser reads the lock alone ([`crate::extract::cargo::cargo_lock`]: one component
//! per entry, source-less entries keyed by the lock's directory, one named reference per
//! `dependencies` entry); the manifests are read by their own parser. This module is the join:
//! it runs once per lock, on the manifests extracted at or below the lock's directory.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::cargo::cargo_toml::{
    path_or_dot, DeclaredDependency, DeclaredSource, Manifest, ManifestPackage, ManifestVersion,
    WorkspaceTable,
};
use crate::extract::{
    join_path, parent_directory, strip_directory, Extraction, ExtractorId, NamedTarget, Reference,
    Target,
};
use crate::location::{Evidence, Location};
use crate::name::PackageName;

use super::resolve::targets;
use super::Assembled;

/// A manifest at or below a lock's directory, as extracted.
pub(crate) enum Candidate<'m> {
    Parsed(&'m Manifest),
    /// The manifest could not be parsed (the diagnostic says why).
    Unreadable(&'m str, &'m Diagnostic),
}

/// One `[[package]]` entry of the lock, as its parser reported it.
struct Entry<'e> {
    /// The entry's position among the lock's components (they are moved out at the end).
    index: usize,
    component: &'e Component,
    name: &'e PackageName,
    version: &'e str,
    /// `None` for an entry without a `source` (a workspace member or a path dependency).
    source: Option<&'e Source>,
    line: Option<u32>,
}

impl<'e> Entry<'e> {
    fn of((index, component): (usize, &'e Component)) -> Option<Entry<'e>> {
        let key = &component.key;
        Some(Entry {
            index,
            component,
            name: &key.name,
            version: key.version.as_deref()?,
            source: match &key.source {
                // The parser keys a source-less entry by the lock's directory.
                Source::Path { .. } => None,
                other => Some(other),
            },
            line: component
                .evidence
                .iter()
                .next()
                .and_then(|evidence| evidence.location.line),
        })
    }

    fn location(&self, lock_path: &str) -> Location {
        Location {
            path: lock_path.to_owned(),
            line: self.line,
            column: None,
        }
    }
}

/// A lock entry kept for the joined extraction: its component is moved out of the lock's
/// extraction once the edges no longer borrow it.
struct Kept<'m> {
    index: usize,
    key: ComponentKey,
    is_member: bool,
    manifest: Option<(&'m Manifest, &'m ManifestPackage)>,
}

/// Builds the extraction of one lockfile and its manifests. The lock's extraction is consumed:
/// its components move into the result instead of being copied, so a large lock is not held
/// twice while it is joined (the peak of a scan of one big Cargo.lock).
pub(crate) fn assemble(
    extractor: ExtractorId,
    lock_path: &str,
    lock: Extraction,
    candidates: &[&Candidate<'_>],
) -> Assembled {
    let lock_directory = parent_directory(lock_path);
    let Extraction {
        components: lock_components,
        references: mut lock_references,
        diagnostics,
        ..
    } = lock;
    let mut extraction = Extraction {
        diagnostics,
        ..Extraction::default()
    };

    let mut manifests: BTreeMap<String, &Manifest> = BTreeMap::new();
    let mut root_manifest_unreadable = false;
    for candidate in candidates {
        match candidate {
            Candidate::Parsed(manifest) => {
                manifests.insert(manifest.directory.clone(), manifest);
            }
            Candidate::Unreadable(path, diagnostic) => {
                root_manifest_unreadable |= parent_directory(path) == lock_directory;
                extraction.diagnostics.push((*diagnostic).clone());
            }
        }
    }
    let mut workspace =
        Workspace::discover(lock_directory, &manifests, &mut extraction.diagnostics);
    workspace.root_manifest_unreadable = root_manifest_unreadable;

    let entries: Vec<Entry<'_>> = lock_components
        .iter()
        .enumerate()
        .filter_map(Entry::of)
        .collect();

    // Lock entries → keys.
    let mut keys: Vec<ComponentKey> = Vec::with_capacity(entries.len());
    for entry in &entries {
        let source = match entry.source {
            Some(source) => source.clone(),
            None => Source::Path {
                path: workspace.location_of(entry).unwrap_or_else(|| {
                    // Without a root manifest the file-level note already says why.
                    if workspace.root.is_some() {
                        extraction.diagnostics.push(Diagnostic::note(
                            DiagnosticCode::WorkspaceMemberMissing,
                            entry.location(lock_path),
                            format!(
                                "`{} {}` has no source and no manifest in the scanned tree",
                                entry.name, entry.version
                            ),
                        ));
                    }
                    path_or_dot(lock_directory)
                }),
            },
        };
        keys.push(ComponentKey::new(
            Ecosystem::CratesIo,
            entry.name.clone(),
            Some(entry.version.to_owned()),
            source,
        ));
    }

    let mut seen = BTreeSet::new();
    let mut kept: Vec<Kept<'_>> = Vec::with_capacity(entries.len());
    for (entry, key) in entries.iter().zip(&keys) {
        let location = entry.location(lock_path);
        if !seen.insert(key.clone()) {
            extraction.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::DuplicateEntry,
                location,
                format!(
                    "`{} {}` is listed more than once",
                    entry.name, entry.version
                ),
            ));
            continue;
        }
        let member = workspace.member_for(entry);
        let is_member = workspace.is_member(entry);
        if is_member {
            extraction.roots.push(key.clone());
        }
        kept.push(Kept {
            index: entry.index,
            key: key.clone(),
            is_member,
            manifest: member
                .and_then(|manifest| manifest.package.as_ref().map(|package| (manifest, package))),
        });
    }

    // Edges: each entry's references, resolved among the lock's entries by the lock's row of
    // the link policy; their kinds come from the member's declarations.
    // Entries by name, so each reference is resolved among the few entries sharing its name
    // instead of the whole lock.
    let mut by_name: HashMap<&str, Vec<&ComponentKey>> = HashMap::new();
    for key in &keys {
        by_name.entry(key.name.normalized()).or_default().push(key);
    }
    // Each entry's written references, by their positions in the lock's list: the joined
    // references are written over the lock's own, in place, so a large lock does not hold both
    // lists at once (they were the peak of a scan of one big Cargo.lock).
    let entry_of: HashMap<(&ComponentKey, Option<u32>), usize> = entries
        .iter()
        .enumerate()
        .map(|(at, entry)| ((&entry.component.key, entry.line), at))
        .collect();
    let mut written_by: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    for (position, reference) in lock_references.iter().enumerate() {
        let line = reference.location.as_ref().and_then(|l| l.line);
        if let Some(positions) = entry_of
            .get(&(&reference.from, line))
            .and_then(|&at| written_by.get_mut(at))
        {
            positions.push(position);
        }
    }
    drop(entry_of);
    // `joined[position]`: the lock's reference at `position` now holds a joined one. A
    // reference that gives more than one (a target declared both normal and build) adds the
    // rest to `more`; the graph keys edges by their ends and kind, so their order is free.
    let mut joined = vec![false; lock_references.len()];
    let mut more: Vec<Reference> = Vec::new();
    for ((entry, key), written) in entries.iter().zip(&keys).zip(&written_by) {
        let location = entry.location(lock_path);
        let member = workspace.member_for(entry);
        let declarations = member
            .map(|manifest| workspace.declarations(manifest))
            .unwrap_or_default();
        let mut locked_names = BTreeSet::new();
        for &position in written {
            let Some(reference) = lock_references.get(position) else {
                continue;
            };
            let found: Vec<ComponentKey> = match &reference.to {
                Target::Key(target) => vec![target.clone()],
                Target::Named(named) => {
                    resolve_entry(named, reference, key, &by_name, &mut extraction)
                        .into_iter()
                        .cloned()
                        .collect()
                }
            };
            let mut edges: Vec<(ComponentKey, EdgeKind)> = Vec::new();
            for target in found {
                locked_names.insert(target.name.normalized().to_owned());
                // Without the member's manifest (or for third-party packages) the lock cannot say
                // whether an edge is dev or build: it is taken as normal, the safe side for scope.
                let kinds = if member.is_some() {
                    edge_kinds(&declarations, &target)
                } else {
                    BTreeSet::from([EdgeKind::Normal])
                };
                let kinds = if kinds.is_empty() {
                    extraction.diagnostics.push(Diagnostic::note(
                    DiagnosticCode::UndeclaredDependency,
                    location.clone(),
                    format!("workspace member `{}` depends on `{}` in the lockfile, but its manifest does not declare it; taken as a normal dependency", entry.name, target.name),
                ));
                    BTreeSet::from([EdgeKind::Normal])
                } else {
                    kinds
                };
                edges.extend(kinds.into_iter().map(|kind| (target.clone(), kind)));
            }
            for (target, kind) in edges {
                let reference = Reference {
                    from: key.clone(),
                    to: Target::Key(target),
                    kind,
                    conditions: EdgeDetails::default(),
                    location: Some(location.clone()),
                };
                match (lock_references.get_mut(position), joined.get_mut(position)) {
                    (Some(slot), Some(done)) if !*done => {
                        *slot = reference;
                        *done = true;
                    }
                    _ => more.push(reference),
                }
            }
        }
        if let Some(manifest) = member {
            for declaration in &declarations {
                if !locked_names.contains(&declaration.package) {
                    extraction.diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::LockfileOutOfDate,
                        Location::line(&manifest.path, declaration.line),
                        format!(
                            "`{}` declares `{}`, which {} does not lock for it",
                            entry.name, declaration.package, lock_path
                        ),
                    ));
                }
            }
        }
    }

    workspace.report_unmatched(&entries, lock_path, &mut extraction.diagnostics);
    let accounted = workspace.accounted();
    drop(written_by);
    // The lock's references that gave no joined one (unresolved, or of no entry) are dropped.
    let mut joined = joined.into_iter();
    lock_references.retain(|_| joined.next().unwrap_or(false));
    lock_references.append(&mut more);
    extraction.references = lock_references;

    // The components are updated in the lock's own list, in place (`kept` is ascending by
    // index): a second list of a large lock's components would double the join's peak.
    let inherited = workspace.root.and_then(|root| root.workspace.as_ref());
    let mut components = lock_components;
    let mut kept = kept.into_iter().peekable();
    let mut index = 0_usize;
    components.retain_mut(|component| {
        let position = index;
        index += 1;
        let Some(entry) = kept.next_if(|entry| entry.index == position) else {
            return false;
        };
        component.key = entry.key;
        if entry.is_member {
            component.kind = ComponentKind::Application;
        }
        if let Some((manifest, manifest_package)) = entry.manifest {
            component.evidence.insert(Evidence {
                location: Location::line(&manifest.path, manifest_package.line),
                extractor,
            });
            // `license.workspace = true` / `authors.workspace = true`: the values of the
            // workspace root's `[workspace.package]`, as Cargo fills them in.
            let license = if manifest_package.license_inherited {
                inherited.and_then(|table| table.package_license.as_ref())
            } else {
                manifest_package.license.as_ref()
            };
            component.licenses.extend(license.cloned());
            let authors = if manifest_package.authors_inherited {
                inherited.map_or(&[][..], |table| table.package_authors.as_slice())
            } else {
                manifest_package.authors.as_slice()
            };
            if component.facts.authors.is_empty() {
                component.facts.authors = authors.to_vec();
            }
        }
        if entry.is_member {
            component.facts.cargo_mut().workspace_member = true;
        }
        true
    });
    extraction.components = components;
    Assembled {
        accounted,
        extraction,
    }
}

/// Resolves one `dependencies` entry among the lock's entries (under their joined keys); a
/// dangling or ambiguous one is reported (worded by its [`crate::link::Origin`] row) and gives
/// no target.
fn resolve_entry<'k>(
    named: &NamedTarget,
    reference: &Reference,
    from: &ComponentKey,
    by_name: &HashMap<&str, Vec<&'k ComponentKey>>,
    extraction: &mut Extraction,
) -> Vec<&'k ComponentKey> {
    // Diagnostics name the package under its joined key.
    let reference = Reference {
        from: from.clone(),
        ..reference.clone()
    };
    let candidates = by_name
        .get(named.name.normalized())
        .into_iter()
        .flatten()
        .copied();
    targets(&reference, named, candidates, &mut extraction.diagnostics)
}

/// The kinds under which a member declares the locked package `target`.
fn edge_kinds(declarations: &[DeclaredDependency], target: &ComponentKey) -> BTreeSet<EdgeKind> {
    let matching: Vec<&DeclaredDependency> = declarations
        .iter()
        .filter(|declaration| declaration.package == target.name.normalized())
        .collect();
    // One package name declared twice under different keys (renames) with different
    // requirements: keep the declarations whose requirement admits the locked version.
    let admits = |declaration: &&DeclaredDependency| -> bool {
        let (Some(requirement), Some(version)) = (&declaration.requirement, &target.version) else {
            return true;
        };
        match (
            semver::VersionReq::parse(requirement),
            semver::Version::parse(version),
        ) {
            (Ok(requirement), Ok(version)) => requirement.matches(&version),
            _ => true,
        }
    };
    let narrowed: Vec<&DeclaredDependency> = matching.iter().copied().filter(admits).collect();
    let chosen = if narrowed.is_empty() {
        matching
    } else {
        narrowed
    };
    chosen
        .into_iter()
        .map(DeclaredDependency::edge_kind)
        .collect()
}

/// The workspace rooted at the lockfile's directory.
struct Workspace<'m> {
    root: Option<&'m Manifest>,
    /// Member manifests by directory.
    members: BTreeMap<String, &'m Manifest>,
    /// Every manifest below the lockfile, for path dependencies that are not members.
    manifests: &'m BTreeMap<String, &'m Manifest>,
    /// The manifest beside the lockfile exists but could not be parsed.
    root_manifest_unreadable: bool,
}

impl<'m> Workspace<'m> {
    fn discover(
        lock_directory: &str,
        manifests: &'m BTreeMap<String, &'m Manifest>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Workspace<'m> {
        let root = manifests.get(lock_directory).copied();
        let mut workspace = Workspace {
            root,
            members: BTreeMap::new(),
            manifests,
            root_manifest_unreadable: false,
        };
        let Some(root) = root else { return workspace };
        if root.package.is_some() {
            workspace.members.insert(root.directory.clone(), root);
        }
        let Some(table) = &root.workspace else {
            return workspace;
        };
        let excluded: Vec<String> = table
            .exclude
            .iter()
            .map(|pattern| join_path(lock_directory, pattern))
            .collect();
        let is_excluded = |directory: &str| {
            excluded
                .iter()
                .any(|prefix| directory == prefix || strip_directory(prefix, directory).is_some())
        };
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        for pattern_text in &table.members {
            let joined = join_path(lock_directory, pattern_text);
            let pattern = match glob::Pattern::new(&joined) {
                Ok(pattern) => pattern,
                Err(error) => {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::InvalidEntry,
                        Location::file(&root.path),
                        format!("workspace member pattern `{pattern_text}` is not a valid glob: {error}"),
                    ));
                    continue;
                }
            };
            for (directory, manifest) in manifests {
                let is_nested_workspace =
                    manifest.workspace.is_some() && directory != &root.directory;
                if manifest.package.is_some()
                    && !is_nested_workspace
                    && pattern.matches_with(directory, options)
                    && !is_excluded(directory)
                {
                    workspace.members.insert(directory.clone(), manifest);
                }
            }
        }
        // Path dependencies below the workspace root are members too (Cargo book, "Workspaces").
        loop {
            let mut added = Vec::new();
            for member in workspace.members.values() {
                for declaration in workspace.declarations(member) {
                    if let DeclaredSource::Path(path) = &declaration.source {
                        let inside = strip_directory(lock_directory, path)
                            .is_some_and(|rest| !rest.starts_with(".."));
                        if inside && !workspace.members.contains_key(path) && !is_excluded(path) {
                            if let Some(manifest) = manifests
                                .get(path)
                                .copied()
                                .filter(|manifest| manifest.package.is_some())
                            {
                                added.push((path.clone(), manifest));
                            }
                        }
                    }
                }
            }
            if added.is_empty() {
                break;
            }
            workspace.members.extend(added);
        }
        workspace
    }

    fn workspace_table(&self) -> Option<&'m WorkspaceTable> {
        self.root.and_then(|root| root.workspace.as_ref())
    }

    fn version_of(&self, manifest: &Manifest) -> Option<String> {
        match &manifest.package.as_ref()?.version {
            ManifestVersion::Value(version) => Some(version.clone()),
            ManifestVersion::Missing => Some("0.0.0".to_owned()),
            ManifestVersion::Inherited => self
                .workspace_table()
                .and_then(|table| table.package_version.clone()),
        }
    }

    fn matches(&self, manifest: &Manifest, package: &Entry<'_>) -> bool {
        manifest.package.as_ref().is_some_and(|declared| {
            crate::name::normalize(Ecosystem::CratesIo, &declared.name) == package.name.normalized()
                && self.version_of(manifest).as_deref() == Some(package.version)
        })
    }

    /// The member manifest of a source-less lock entry.
    fn member_for(&self, package: &Entry<'_>) -> Option<&'m Manifest> {
        if package.source.is_some() {
            return None;
        }
        self.root?;
        self.members
            .values()
            .copied()
            .find(|manifest| self.matches(manifest, package))
    }

    /// Is this lock entry a workspace member? With no readable root manifest, every source-less
    /// entry is taken as one: they are the lock's first-party packages.
    fn is_member(&self, package: &Entry<'_>) -> bool {
        package.source.is_none() && (self.root.is_none() || self.member_for(package).is_some())
    }

    /// The scan-relative directory of a source-less lock entry, when a manifest or a path
    /// declaration says where it lives.
    fn location_of(&self, package: &Entry<'_>) -> Option<String> {
        if let Some(manifest) = self.member_for(package) {
            return Some(path_or_dot(&manifest.directory));
        }
        if let Some(manifest) = self
            .manifests
            .values()
            .find(|manifest| self.matches(manifest, package))
        {
            return Some(path_or_dot(&manifest.directory));
        }
        for member in self.members.values() {
            for declaration in self.declarations(member) {
                if let DeclaredSource::Path(path) = &declaration.source {
                    if declaration.package == package.name.normalized() {
                        return Some(path.clone());
                    }
                }
            }
        }
        None
    }

    /// A member's declarations with workspace inheritance resolved.
    fn declarations(&self, manifest: &Manifest) -> Vec<DeclaredDependency> {
        manifest
            .dependencies
            .iter()
            .filter_map(|declaration| {
                if !declaration.inherits_workspace {
                    return Some(declaration.clone());
                }
                self.workspace_table()
                    .and_then(|table| declaration.inherit(table))
            })
            .collect()
    }

    fn report_unmatched(
        &self,
        packages: &[Entry<'_>],
        lock_path: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let Some(root) = self.root else {
            let why = if self.root_manifest_unreadable {
                "the Cargo.toml beside this Cargo.lock could not be read"
            } else {
                "no Cargo.toml beside this Cargo.lock"
            };
            diagnostics.push(Diagnostic::note(
                DiagnosticCode::WorkspaceMemberMissing,
                Location::file(lock_path),
                format!("{why}: packages without a source are taken as workspace members, and dev and build dependencies cannot be told apart"),
            ));
            return;
        };
        for member in self.members.values() {
            for declaration in &member.dependencies {
                if declaration.inherits_workspace
                    && self
                        .workspace_table()
                        .and_then(|table| declaration.inherit(table))
                        .is_none()
                {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::UnresolvedWorkspaceInheritance,
                        Location::line(&member.path, declaration.line),
                        format!("`{}` has `workspace = true` but {} has no [workspace.dependencies] entry for it", declaration.key, root.path),
                    ));
                }
            }
            let locked = packages
                .iter()
                .any(|package| package.source.is_none() && self.matches(member, package));
            if !locked {
                if let Some(package) = &member.package {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::LockfileOutOfDate,
                        Location::line(&member.path, package.line),
                        format!("workspace member `{}` is not in {lock_path}", package.name),
                    ));
                }
            }
        }
    }

    fn accounted(&self) -> Vec<String> {
        let mut accounted: Vec<String> = self
            .members
            .values()
            .map(|manifest| manifest.path.clone())
            .collect();
        if let Some(root) = self.root {
            accounted.push(root.path.clone());
        }
        accounted.sort();
        accounted.dedup();
        accounted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::cargo::cargo_lock::CargoLockExtractor;
    use crate::extract::{Input, Parse};

    /// A manifest of the workspace: its path and text.
    type ManifestFile = (&'static str, &'static str);

    fn manifest(path: &'static str, text: &'static str) -> ManifestFile {
        (path, text)
    }

    /// The lock at `path` joined with `manifests`, as the link stage joins them.
    fn join(path: &str, lock: &str, manifests: &[ManifestFile]) -> Assembled {
        let lock = CargoLockExtractor
            .parse(&Input::new(path, lock.as_bytes()))
            .unwrap();
        let parsed: Vec<Result<Manifest, Diagnostic>> = manifests
            .iter()
            .map(|(path, text)| {
                Manifest::parse(path, text.as_bytes()).map_err(|error| error.to_diagnostic())
            })
            .collect();
        let candidates: Vec<Candidate<'_>> = parsed
            .iter()
            .zip(manifests)
            .map(|(manifest, (path, _))| match manifest {
                Ok(manifest) => Candidate::Parsed(manifest),
                Err(diagnostic) => Candidate::Unreadable(path, diagnostic),
            })
            .collect();
        let candidates: Vec<&Candidate<'_>> = candidates.iter().collect();
        assemble("cargo/cargo-lock", path, lock, &candidates)
    }

    const LOCK: &str = r#"version = 4

[[package]]
name = "app"
version = "0.2.0"
dependencies = ["helper", "serde", "proptest", "cc"]

[[package]]
name = "helper"
version = "0.2.0"
dependencies = ["serde"]

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "ddc6f9cc94d67c0e21aaf7eda3a010fd3af78ebf6e096aa6e2e13c79749cce4f"

[[package]]
name = "proptest"
version = "1.4.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["rand"]

[[package]]
name = "rand"
version = "0.8.5"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "cc"
version = "1.0.90"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    fn extract(manifests: &[ManifestFile]) -> Assembled {
        join("ws/Cargo.lock", LOCK, manifests)
    }

    #[test]
    fn members_and_kinds_come_from_the_manifests() {
        let manifests = [
            manifest("ws/Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nversion = \"0.2.0\"\n[workspace.dependencies]\nserde = \"1\"\n"),
            manifest("ws/crates/app/Cargo.toml", "[package]\nname = \"app\"\nversion.workspace = true\n[dependencies]\nhelper = { path = \"../helper\" }\nserde.workspace = true\n[dev-dependencies]\nproptest = \"1\"\n[build-dependencies]\ncc = \"1\"\n"),
            manifest("ws/crates/helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.2.0\"\n[dependencies]\nserde = \"1\"\n"),
            manifest("ws/other/Cargo.toml", "[package]\nname = \"other\"\nversion = \"0.1.0\"\n"),
        ];
        let assembled = extract(&manifests);
        let extraction = &assembled.extraction;
        let roots: Vec<String> = extraction
            .roots
            .iter()
            .map(|key| format!("{key}"))
            .collect();
        assert_eq!(
            roots,
            [
                "crates.io app 0.2.0 (path ws/crates/app)",
                "crates.io helper 0.2.0 (path ws/crates/helper)"
            ]
        );
        let mut edges: Vec<String> = extraction
            .references
            .iter()
            .map(|edge| match &edge.to {
                Target::Key(to) => {
                    format!("{} -{}-> {}", edge.from.name, edge.kind.as_str(), to.name)
                }
                Target::Named(_) => unreachable!(),
            })
            .collect();
        edges.sort();
        assert_eq!(
            edges,
            [
                "app -build-> cc",
                "app -dev-> proptest",
                "app -normal-> helper",
                "app -normal-> serde",
                "helper -normal-> serde",
                "proptest -normal-> rand",
            ]
        );
        assert_eq!(
            assembled.accounted,
            [
                "ws/Cargo.toml",
                "ws/crates/app/Cargo.toml",
                "ws/crates/helper/Cargo.toml"
            ]
        );
        assert!(
            extraction.diagnostics.is_empty(),
            "{:?}",
            extraction.diagnostics
        );
    }

    #[test]
    fn license_and_authors_inherited_from_the_workspace_package_table() {
        let manifests = [
            manifest("ws/Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nversion = \"0.2.0\"\nlicense = \"MIT OR Apache-2.0\"\nauthors = [\"Ada <ada@example.org>\"]\n"),
            manifest("ws/crates/app/Cargo.toml", "[package]\nname = \"app\"\nversion.workspace = true\nlicense.workspace = true\nauthors.workspace = true\n"),
            manifest("ws/crates/helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.2.0\"\nlicense = \"MIT\"\n"),
        ];
        let extraction = extract(&manifests).extraction;
        let of = |name: &str| {
            extraction
                .components
                .iter()
                .find(|component| component.key.name.original() == name)
                .unwrap()
        };
        let app = of("app");
        let licenses: Vec<String> = app.licenses.iter().map(ToString::to_string).collect();
        assert_eq!(licenses, ["MIT OR Apache-2.0"]);
        let authors: Vec<String> = app.facts.authors.iter().map(|a| format!("{a:?}")).collect();
        assert_eq!(authors.len(), 1);
        assert!(authors[0].contains("Ada"), "{authors:?}");
        // A member writing its own license keeps it.
        let helper: Vec<String> = of("helper")
            .licenses
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(helper, ["MIT"]);
        assert!(of("helper").facts.authors.is_empty());
    }

    #[test]
    fn without_manifests_source_less_packages_are_the_roots() {
        let extraction = extract(&[]).extraction;
        let roots: Vec<&str> = extraction
            .roots
            .iter()
            .map(|key| key.name.original())
            .collect();
        assert_eq!(roots, ["app", "helper"]);
        assert!(extraction
            .references
            .iter()
            .all(|edge| edge.kind == EdgeKind::Normal));
        assert!(extraction
            .diagnostics
            .iter()
            .any(|d| d.code == DiagnosticCode::WorkspaceMemberMissing));
        assert_eq!(extraction.components.len(), 6);
    }

    #[test]
    fn a_source_less_entry_nobody_declares_is_noted_at_its_line() {
        let lock = "version = 3\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"orphan\"\nversion = \"0.1.0\"\n";
        let manifests = [manifest(
            "Cargo.toml",
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
        )];
        let extraction = join("Cargo.lock", lock, &manifests).extraction;
        let notes: Vec<String> = extraction
            .diagnostics
            .iter()
            .filter(|d| d.code == DiagnosticCode::WorkspaceMemberMissing)
            .map(ToString::to_string)
            .collect();
        assert_eq!(notes, ["Cargo.lock:7: note[workspace-member-missing]: `orphan 0.1.0` has no source and no manifest in the scanned tree"]);
        let roots: Vec<&str> = extraction
            .roots
            .iter()
            .map(|key| key.name.original())
            .collect();
        assert_eq!(roots, ["a"]);
    }

    #[test]
    fn stale_locks_and_dangling_references_are_reported() {
        let lock = "version = 3\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"ghost\"]\n";
        let manifests = [manifest(
            "Cargo.toml",
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\n",
        )];
        let extraction = join("Cargo.lock", lock, &manifests).extraction;
        let codes: BTreeSet<&str> = extraction
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert!(codes.contains("dangling-reference"), "{codes:?}");
        assert!(codes.contains("lockfile-out-of-date"), "{codes:?}");
        let dangling = extraction
            .diagnostics
            .iter()
            .find(|d| d.code == DiagnosticCode::DanglingReference)
            .unwrap();
        assert_eq!(
            dangling.location.as_ref().unwrap().to_string(),
            "Cargo.lock:3"
        );
    }

    /// Issue 23: cargo writes a reference to a git package without the commit
    /// (`regex 1.11.1 (git+url)`) while the package carries it (`git+url#commit`); the
    /// reference resolves to that package, not to the registry one of the same name and
    /// version, and leaves no dangling edge.
    #[test]
    fn git_references_without_the_commit_resolve_to_the_locked_package() {
        let lock = r#"version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "regex 1.11.1 (git+https://github.com/rust-lang/regex.git)",
 "regex 1.11.1 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "regex"
version = "1.11.1"
source = "git+https://github.com/rust-lang/regex.git#1a069b9232c607b34c4937122361aa075ef573fa"

[[package]]
name = "regex"
version = "1.11.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "b544ef1b4eac5dc2db33ea63606ae9ffcfac26c1416a2806ae0bf5f56b201191"
"#;
        let manifests = [manifest(
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nregex = \"1\"\nforked = { package = \"regex\", git = \"https://github.com/rust-lang/regex.git\" }\n",
        )];
        let extraction = join("Cargo.lock", lock, &manifests).extraction;
        let dangling: Vec<&Diagnostic> = extraction
            .diagnostics
            .iter()
            .filter(|d| {
                matches!(
                    d.code,
                    DiagnosticCode::DanglingReference | DiagnosticCode::AmbiguousReference
                )
            })
            .collect();
        assert!(dangling.is_empty(), "{dangling:#?}");
        let mut targets: Vec<String> = extraction
            .references
            .iter()
            .filter(|reference| reference.from.name.normalized() == "app")
            .map(|reference| match &reference.to {
                crate::extract::Target::Key(key) => key.source.kind().to_owned(),
                other => format!("{other:?}"),
            })
            .collect();
        targets.sort();
        assert_eq!(targets, ["git", "registry"]);
    }
}
