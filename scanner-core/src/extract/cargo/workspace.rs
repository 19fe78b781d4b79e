//! Joins a `Cargo.lock` with the workspace's manifests: which lock entries are workspace members
//! (the roots), which path entry lives where, and what kind each member's direct dependency is
//! (the lock does not say whether an edge is normal, dev or build; the manifests do).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::cargo_lock::{LockFile, LockReference, LockedPackage};
use super::cargo_toml::{
    path_or_dot, DeclaredDependency, DeclaredSource, Manifest, ManifestVersion, WorkspaceTable,
};
use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, strip_directory, EdgeRef, EdgeTarget, Extraction, ExtractorId, Input,
};
use crate::location::{Evidence, Location};

/// Builds the extraction of one lockfile and its manifests.
pub(crate) fn assemble(extractor: ExtractorId, input: &Input<'_>, lock: LockFile) -> Extraction {
    let lock_directory = input.directory();
    let mut extraction = Extraction {
        diagnostics: lock.diagnostics.clone(),
        ..Extraction::default()
    };

    let mut manifests: BTreeMap<String, Manifest> = BTreeMap::new();
    let mut root_manifest_unreadable = false;
    for companion in input.companions {
        if strip_directory(lock_directory, &companion.path).is_none() {
            continue;
        }
        match Manifest::parse(&companion.path, &companion.bytes) {
            Ok(manifest) => {
                manifests.insert(manifest.directory.clone(), manifest);
            }
            Err(error) => {
                root_manifest_unreadable |=
                    crate::extract::parent_directory(&companion.path) == lock_directory;
                extraction.diagnostics.push(error.to_diagnostic());
            }
        }
    }
    let mut workspace =
        Workspace::discover(lock_directory, &manifests, &mut extraction.diagnostics);
    workspace.root_manifest_unreadable = root_manifest_unreadable;

    // Lock entries → keys.
    let mut keys: Vec<ComponentKey> = Vec::with_capacity(lock.packages.len());
    for package in &lock.packages {
        let source = match &package.source {
            Some(source) => source.clone(),
            None => Source::Path {
                path: workspace.location_of(package).unwrap_or_else(|| {
                    // Without a root manifest the file-level note already says why.
                    if workspace.root.is_some() {
                        extraction.diagnostics.push(Diagnostic::note(
                            DiagnosticCode::WorkspaceMemberMissing,
                            Location::line(input.path, package.line),
                            format!(
                                "`{} {}` has no source and no manifest in the scanned tree",
                                package.name, package.version
                            ),
                        ));
                    }
                    path_or_dot(lock_directory)
                }),
            },
        };
        keys.push(ComponentKey::new(
            Ecosystem::CratesIo,
            package.name.clone(),
            Some(package.version.clone()),
            source,
        ));
    }

    let mut seen = BTreeSet::new();
    for (package, key) in lock.packages.iter().zip(&keys) {
        let location = Location::line(input.path, package.line);
        if !seen.insert(key.clone()) {
            extraction.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::DuplicateEntry,
                location,
                format!(
                    "`{} {}` is listed more than once",
                    package.name, package.version
                ),
            ));
            continue;
        }
        let member = workspace.member_for(package);
        let is_member = workspace.is_member(package);
        let kind = if is_member {
            ComponentKind::Application
        } else {
            ComponentKind::Library
        };
        let mut component = Component::new(key.clone(), kind).with_evidence(Evidence {
            location,
            extractor,
        });
        component.hashes.extend(package.checksum.clone());
        if let Some(manifest_package) =
            member.and_then(|manifest| manifest.package.as_ref().map(|package| (manifest, package)))
        {
            let (manifest, manifest_package) = manifest_package;
            component.evidence.insert(Evidence {
                location: Location::line(&manifest.path, manifest_package.line),
                extractor,
            });
            component.licenses.extend(manifest_package.license.clone());
        }
        if is_member {
            component.facts.cargo_mut().workspace_member = true;
            extraction.roots.push(key.clone());
        }
        extraction.components.push(component);
    }

    // Edges.
    let index = LockIndex::new(&lock.packages, &keys);
    for (package, key) in lock.packages.iter().zip(&keys) {
        let location = Location::line(input.path, package.line);
        let member = workspace.member_for(package);
        let declarations = member
            .map(|manifest| workspace.declarations(manifest))
            .unwrap_or_default();
        let mut locked_names = BTreeSet::new();
        for reference in &package.dependencies {
            let target = match index.resolve(reference) {
                Resolution::One(target) => target,
                Resolution::None => {
                    extraction.diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::DanglingReference,
                        location.clone(),
                        format!(
                            "`{} {}` depends on `{}`, which this lockfile does not define",
                            package.name,
                            package.version,
                            describe(reference)
                        ),
                    ));
                    continue;
                }
                Resolution::Many(count) => {
                    extraction.diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::AmbiguousReference,
                        location.clone(),
                        format!(
                            "`{} {}` depends on `{}`, which matches {count} packages",
                            package.name,
                            package.version,
                            describe(reference)
                        ),
                    ));
                    continue;
                }
            };
            locked_names.insert(target.name.normalized().to_owned());
            // Without the member's manifest (or for third-party packages) the lock cannot say
            // whether an edge is dev or build: it is taken as normal, the safe side for scope.
            let kinds = if member.is_some() {
                edge_kinds(&declarations, target)
            } else {
                BTreeSet::from([EdgeKind::Normal])
            };
            let kinds = if kinds.is_empty() {
                extraction.diagnostics.push(Diagnostic::note(
                    DiagnosticCode::UndeclaredDependency,
                    location.clone(),
                    format!("workspace member `{}` depends on `{}` in the lockfile, but its manifest does not declare it; taken as a normal dependency", package.name, target.name),
                ));
                BTreeSet::from([EdgeKind::Normal])
            } else {
                kinds
            };
            for kind in kinds {
                extraction.edges.push(EdgeRef {
                    from: key.clone(),
                    to: EdgeTarget::Key(target.clone()),
                    kind,
                    details: EdgeDetails::default(),
                    location: Some(location.clone()),
                });
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
                            package.name, declaration.package, input.path
                        ),
                    ));
                }
            }
        }
    }

    workspace.report_unmatched(&lock.packages, input.path, &mut extraction.diagnostics);
    extraction.claimed = workspace.claimed();
    extraction
}

enum Resolution<'a> {
    One(&'a ComponentKey),
    None,
    Many(usize),
}

/// Lock entries by name, so each reference is resolved among the few entries sharing its name
/// instead of the whole lock.
struct LockIndex<'a> {
    by_name: HashMap<&'a str, Vec<usize>>,
    packages: &'a [LockedPackage],
    keys: &'a [ComponentKey],
}

impl<'a> LockIndex<'a> {
    fn new(packages: &'a [LockedPackage], keys: &'a [ComponentKey]) -> LockIndex<'a> {
        let mut by_name: HashMap<&'a str, Vec<usize>> = HashMap::new();
        for (position, package) in packages.iter().enumerate() {
            by_name
                .entry(package.name.normalized())
                .or_default()
                .push(position);
        }
        LockIndex {
            by_name,
            packages,
            keys,
        }
    }

    fn resolve(&self, reference: &LockReference) -> Resolution<'a> {
        let candidates = self
            .by_name
            .get(reference.name.normalized())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut found: Vec<&'a ComponentKey> = candidates
            .iter()
            .filter_map(|&position| Some((self.packages.get(position)?, self.keys.get(position)?)))
            .filter(|(package, _)| {
                reference
                    .version
                    .as_ref()
                    .is_none_or(|version| *version == package.version)
            })
            .filter(|(package, _)| reference.source.is_none() || reference.source == package.source)
            .map(|(_, key)| key)
            .collect();
        found.dedup();
        match found.as_slice() {
            [] => Resolution::None,
            [only] => Resolution::One(only),
            many => Resolution::Many(many.len()),
        }
    }
}

fn describe(reference: &LockReference) -> String {
    let mut text = reference.name.to_string();
    if let Some(version) = &reference.version {
        text.push(' ');
        text.push_str(version);
    }
    if let Some(source) = &reference.source {
        text.push_str(&format!(" ({source})"));
    }
    text
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
    manifests: &'m BTreeMap<String, Manifest>,
    /// The manifest beside the lockfile exists but could not be parsed.
    root_manifest_unreadable: bool,
}

impl<'m> Workspace<'m> {
    fn discover(
        lock_directory: &str,
        manifests: &'m BTreeMap<String, Manifest>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Workspace<'m> {
        let root = manifests.get(lock_directory);
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

    fn matches(&self, manifest: &Manifest, package: &LockedPackage) -> bool {
        manifest.package.as_ref().is_some_and(|declared| {
            crate::name::normalize(Ecosystem::CratesIo, &declared.name) == package.name.normalized()
                && self.version_of(manifest).as_deref() == Some(package.version.as_str())
        })
    }

    /// The member manifest of a source-less lock entry.
    fn member_for(&self, package: &LockedPackage) -> Option<&'m Manifest> {
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
    fn is_member(&self, package: &LockedPackage) -> bool {
        package.source.is_none() && (self.root.is_none() || self.member_for(package).is_some())
    }

    /// The scan-relative directory of a source-less lock entry, when a manifest or a path
    /// declaration says where it lives.
    fn location_of(&self, package: &LockedPackage) -> Option<String> {
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
        packages: &[LockedPackage],
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

    fn claimed(&self) -> Vec<String> {
        let mut claimed: Vec<String> = self
            .members
            .values()
            .map(|manifest| manifest.path.clone())
            .collect();
        if let Some(root) = self.root {
            claimed.push(root.path.clone());
        }
        claimed.sort();
        claimed.dedup();
        claimed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::cargo::cargo_lock::CargoLockExtractor;
    use crate::extract::{CompanionFile, Parse};

    fn companion(path: &str, text: &str) -> CompanionFile {
        CompanionFile {
            path: path.to_owned(),
            bytes: text.as_bytes().to_vec(),
        }
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

    fn extract(companions: &[CompanionFile]) -> Extraction {
        let input = Input {
            path: "ws/Cargo.lock",
            bytes: LOCK.as_bytes(),
            companions,
            files: &crate::extract::NoFiles,
        };
        CargoLockExtractor.parse(&input).unwrap()
    }

    #[test]
    fn members_and_kinds_come_from_the_manifests() {
        let companions = [
            companion("ws/Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nversion = \"0.2.0\"\n[workspace.dependencies]\nserde = \"1\"\n"),
            companion("ws/crates/app/Cargo.toml", "[package]\nname = \"app\"\nversion.workspace = true\n[dependencies]\nhelper = { path = \"../helper\" }\nserde.workspace = true\n[dev-dependencies]\nproptest = \"1\"\n[build-dependencies]\ncc = \"1\"\n"),
            companion("ws/crates/helper/Cargo.toml", "[package]\nname = \"helper\"\nversion = \"0.2.0\"\n[dependencies]\nserde = \"1\"\n"),
            companion("ws/other/Cargo.toml", "[package]\nname = \"other\"\nversion = \"0.1.0\"\n"),
        ];
        let extraction = extract(&companions);
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
            .edges
            .iter()
            .map(|edge| match &edge.to {
                EdgeTarget::Key(to) => {
                    format!("{} -{}-> {}", edge.from.name, edge.kind.as_str(), to.name)
                }
                EdgeTarget::Reference(_) => unreachable!(),
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
            extraction.claimed,
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
    fn without_manifests_source_less_packages_are_the_roots() {
        let extraction = extract(&[]);
        let roots: Vec<&str> = extraction
            .roots
            .iter()
            .map(|key| key.name.original())
            .collect();
        assert_eq!(roots, ["app", "helper"]);
        assert!(extraction
            .edges
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
        let companions = [companion(
            "Cargo.toml",
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
        )];
        let input = Input {
            path: "Cargo.lock",
            bytes: lock.as_bytes(),
            companions: &companions,
            files: &crate::extract::NoFiles,
        };
        let extraction = CargoLockExtractor.parse(&input).unwrap();
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
        let companions = [companion(
            "Cargo.toml",
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\n",
        )];
        let input = Input {
            path: "Cargo.lock",
            bytes: lock.as_bytes(),
            companions: &companions,
            files: &crate::extract::NoFiles,
        };
        let extraction = CargoLockExtractor.parse(&input).unwrap();
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
}
