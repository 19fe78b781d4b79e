//! Does a folder of artifacts satisfy a lock exactly? The question `airlock verify --lock LOCK
//! DIR` answers for a wheelhouse carried across an air gap (wheels and sdists against a Python
//! lock) and for Rust crates (`.crate` files or a `cargo vendor` directory against a
//! `Cargo.lock`): every locked package present with a file whose SHA-256 is one of the lock's
//! hashes for it, no file the lock does not list, no file with another hash.
//!
//! Trust: the lock is the operator's (trusted); the directory is hostile. So every file in it
//! must be accounted for (a file that is no artifact is `unrecognized`, a link is never
//! followed), and an artifact is identified by its hash against the lock, never by its file
//! name; what it says it is (its `METADATA`, its packaged `Cargo.toml`) only words the message
//! when its hash is not locked.
//!
//! Platforms and markers: a lock may list wheels for several platforms; a package is present
//! when at least one file of it has one of its hashes, and every other file must also have one
//! of them. A locked package that every dependency path reaches only under an environment
//! marker (`sys_platform == "win32"`), and that has no file here, is listed as `conditional`
//! and does not fail the check: airlock does not know the target the folder is for, and a
//! missing file can only make an install fail, never bring in unreviewed code.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use crate::component::{ComponentKey, HashAlgorithm, Source};
use crate::ecosystem::Ecosystem;
use crate::extract::cargo::{crate_archive, vendored};
use crate::extract::python::{sdist, wheel};
use crate::facts::artifact::ArtifactKind;
use crate::facts::installed::{FileProblemKind, Integrity};
use crate::graph::DependencyGraph;
use crate::scan::{display_path, files_under, scan, stream_sha256, ScanOptions};

/// One package the lock pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    /// Ecosystem, name and version as the lock writes them.
    pub key: ComponentKey,
    /// The SHA-256 digests (lowercase hex) the lock accepts for it, one per artifact.
    pub sha256: BTreeSet<String>,
    /// The environment marker every path to it carries, when all of them carry one.
    pub conditional: Option<String>,
}

/// What a lock gives for the check: its packages and the local ones it does not pin by hash.
#[derive(Debug, Clone, Default)]
pub struct LockedPackages {
    /// Packages from an index, a URL or a git repository.
    pub packages: Vec<LockedPackage>,
    /// The project itself and other local directories (`-e .`, workspace members, `path`
    /// dependencies): built from source, never a file of the folder; listed as not checked.
    pub local: Vec<String>,
}

/// Reads the packages of a lock's graph (a scan of the lockfile).
pub fn locked_packages(graph: &DependencyGraph) -> LockedPackages {
    let mut locked = LockedPackages::default();
    let mut incoming: BTreeMap<&ComponentKey, Vec<Option<&str>>> = BTreeMap::new();
    for edge in graph.edges() {
        let marker = edge.details.and_then(|details| details.marker.as_deref());
        incoming.entry(edge.to).or_default().push(marker);
    }
    for component in graph.components() {
        let key = &component.key;
        if !matches!(key.ecosystem, Ecosystem::PyPI | Ecosystem::CratesIo) {
            continue;
        }
        if matches!(key.source, Source::Path { .. }) || key.version.is_none() {
            locked
                .local
                .push(format!("{} ({})", key.name, key.source.kind()));
            continue;
        }
        let sha256: BTreeSet<String> = component
            .hashes
            .iter()
            .filter(|hash| hash.algorithm() == HashAlgorithm::Sha256)
            .map(|hash| hash.value())
            .collect();
        let markers = incoming.get(key);
        let conditional = component.facts.marker.clone().or_else(|| {
            let markers = markers?;
            if markers.is_empty() || markers.iter().any(Option::is_none) {
                return None;
            }
            let distinct: BTreeSet<&str> = markers.iter().flatten().copied().collect();
            Some(distinct.into_iter().collect::<Vec<_>>().join(" or "))
        });
        locked.packages.push(LockedPackage {
            key: key.clone(),
            sha256,
            conditional,
        });
    }
    locked.local.sort();
    locked.local.dedup();
    locked
}

/// One artifact of the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Its path, as the scan names files.
    pub path: String,
    /// What it is.
    pub kind: ArtifactKind,
    /// The package it says it is.
    pub key: ComponentKey,
    /// The SHA-256 of the file (for a vendored crate: the package checksum its
    /// `.cargo-checksum.json` states).
    pub sha256: String,
}

/// What a folder holds.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    /// The artifacts, sorted by path.
    pub artifacts: Vec<Artifact>,
    /// Problems found reading it: files that are no artifact, vendored files that do not
    /// match their checksum file.
    pub problems: Vec<Problem>,
}

/// The state of one line of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// A locked package with no file of a locked hash.
    Missing,
    /// A file of a package the lock does not list.
    Unlocked,
    /// A file of a locked package and version whose hash is none of the lock's.
    HashMismatch,
    /// A file of a locked package in a version the lock does not pin.
    WrongVersion,
    /// A locked package the lock gives no SHA-256 for: it cannot be checked.
    Unhashed,
    /// A file that is no artifact airlock reads (or a link, never followed).
    Unrecognized,
    /// A file of a vendored crate that does not match its `.cargo-checksum.json`.
    Modified,
    /// A locked package only some environments need, with no file here (does not fail).
    Conditional,
}

impl Status {
    /// The status' one spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Missing => "missing",
            Status::Unlocked => "unlocked",
            Status::HashMismatch => "hash-mismatch",
            Status::WrongVersion => "wrong-version",
            Status::Unhashed => "unhashed",
            Status::Unrecognized => "unrecognized",
            Status::Modified => "modified",
            Status::Conditional => "conditional",
        }
    }

    /// Whether a line of this status makes the folder fail the lock.
    pub fn fails(self) -> bool {
        self != Status::Conditional
    }
}

/// One line of the answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// What is wrong.
    pub status: Status,
    /// The package concerned (`name version`), when known.
    pub package: Option<String>,
    /// The file concerned, when there is one.
    pub file: Option<String>,
    /// The SHA-256 of the file, when it was hashed.
    pub actual_sha256: Option<String>,
    /// One sentence.
    pub detail: String,
}

/// The answer.
#[derive(Debug, Clone, Default)]
pub struct LockCheck {
    /// Packages the lock pins by hash.
    pub locked: usize,
    /// Of those, the ones present with a file of a locked hash.
    pub satisfied: usize,
    /// Artifacts in the folder.
    pub artifacts: usize,
    /// Of those, the ones whose hash the lock lists.
    pub matching: usize,
    /// Every line that is not plain ok, sorted.
    pub problems: Vec<Problem>,
}

impl LockCheck {
    /// True when the folder satisfies the lock exactly.
    pub fn passed(&self) -> bool {
        !self.problems.iter().any(|problem| problem.status.fails())
    }
}

fn describe(key: &ComponentKey) -> String {
    format!("{} {}", key.name, key.version.as_deref().unwrap_or("?"))
}

fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}

/// Compares the folder with the lock.
pub fn compare(locked: &LockedPackages, folder: &Folder) -> LockCheck {
    let packages = &locked.packages;
    let mut by_hash: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, package) in packages.iter().enumerate() {
        for digest in &package.sha256 {
            by_hash.entry(digest.as_str()).or_default().push(index);
        }
    }
    let same_name = |artifact: &Artifact, package: &LockedPackage| {
        artifact.key.ecosystem == package.key.ecosystem
            && artifact.key.name.normalized() == package.key.name.normalized()
    };
    let mut satisfied = vec![false; packages.len()];
    let mut explained: BTreeSet<usize> = BTreeSet::new();
    let mut problems = folder.problems.clone();
    let mut matching = 0_usize;
    for artifact in &folder.artifacts {
        if let Some(indices) = by_hash.get(artifact.sha256.as_str()) {
            matching += 1;
            for index in indices {
                if let Some(flag) = satisfied.get_mut(*index) {
                    *flag = true;
                }
            }
            continue;
        }
        let named: Vec<(usize, &LockedPackage)> = packages
            .iter()
            .enumerate()
            .filter(|(_, package)| same_name(artifact, package))
            .collect();
        let same_version: Vec<&(usize, &LockedPackage)> = named
            .iter()
            .filter(|(_, package)| package.key.version == artifact.key.version)
            .collect();
        let (status, detail) = if let Some((index, package)) = same_version.first() {
            explained.insert(*index);
            (
                Status::HashMismatch,
                format!(
                    "{} is locked, but this {}'s SHA-256 {}… is none of the lock's {} for it",
                    describe(&package.key),
                    artifact.kind.as_str(),
                    short(&artifact.sha256),
                    match package.sha256.len() {
                        1 => "hash".to_owned(),
                        count => format!("{count} hashes"),
                    }
                ),
            )
        } else if !named.is_empty() {
            explained.extend(named.iter().map(|(index, _)| *index));
            let versions: Vec<String> = named
                .iter()
                .filter_map(|(_, package)| package.key.version.clone())
                .collect();
            (
                Status::WrongVersion,
                format!(
                    "this {} is {}; the lock pins {} {}",
                    artifact.kind.as_str(),
                    describe(&artifact.key),
                    artifact.key.name,
                    versions.join(", ")
                ),
            )
        } else {
            (
                Status::Unlocked,
                format!(
                    "this {} is {}, which the lock does not list",
                    artifact.kind.as_str(),
                    describe(&artifact.key)
                ),
            )
        };
        problems.push(Problem {
            status,
            package: Some(describe(&artifact.key)),
            file: Some(artifact.path.clone()),
            actual_sha256: Some(artifact.sha256.clone()),
            detail,
        });
    }
    for (index, package) in packages.iter().enumerate() {
        if satisfied.get(index).copied().unwrap_or(false) {
            continue;
        }
        let (status, detail) = if package.sha256.is_empty() {
            (
                Status::Unhashed,
                format!(
                    "the lock gives no SHA-256 for {} ({}), so no file can be checked against it",
                    describe(&package.key),
                    package.key.source.kind()
                ),
            )
        } else if explained.contains(&index) {
            // The file that stands for it is reported above (another version or hash).
            continue;
        } else if let Some(marker) = &package.conditional {
            (
                Status::Conditional,
                format!(
                    "{} is locked only where `{marker}`, and no file of it is here (not counted as missing)",
                    describe(&package.key)
                ),
            )
        } else {
            (
                Status::Missing,
                format!(
                    "{} is locked, and no file here has {}",
                    describe(&package.key),
                    match package.sha256.len() {
                        1 => "its hash".to_owned(),
                        count => format!("one of its {count} hashes"),
                    }
                ),
            )
        };
        problems.push(Problem {
            status,
            package: Some(describe(&package.key)),
            file: None,
            actual_sha256: None,
            detail,
        });
    }
    problems.sort();
    problems.dedup();
    LockCheck {
        locked: packages.len(),
        satisfied: satisfied.iter().filter(|flag| **flag).count(),
        artifacts: folder.artifacts.len(),
        matching,
        problems,
    }
}

/// Reads the folder `directory` (hostile): every file is an artifact or a problem.
/// `skip` lists files to leave out (the lock itself, when it lies in the folder), as canonical
/// paths.
pub fn read_folder(directory: &Path, skip: &[PathBuf]) -> Folder {
    let options = ScanOptions {
        skip_default_directories: false,
        ..ScanOptions::default()
    };
    let (files, diagnostics) = files_under(directory, &options);
    let mut folder = Folder::default();
    for diagnostic in diagnostics {
        folder.problems.push(unrecognized(
            diagnostic
                .location
                .as_ref()
                .map_or_else(|| display_path(directory), |location| location.path.clone()),
            format!("cannot be walked: {}", diagnostic.message),
        ));
    }
    // Vendored crates: their directories are accounted for by their checksum files.
    let vendored_directories: Vec<String> = files
        .iter()
        .filter(|path| path.ends_with(&format!("/{}", vendored::CHECKSUM_FILE)))
        .map(|path| crate::extract::parent_directory(path).to_owned())
        .collect();
    let inside_vendored = |path: &str| {
        vendored_directories
            .iter()
            .any(|directory| path.starts_with(&format!("{directory}/")))
    };
    let joined = directory.join("");
    for path in &files {
        if inside_vendored(path) {
            continue;
        }
        let disk = PathBuf::from(path);
        if std::fs::canonicalize(&disk).is_ok_and(|canonical| skip.contains(&canonical)) {
            continue;
        }
        let relative = disk.strip_prefix(&joined).unwrap_or(&disk);
        match read_artifact(path, &disk, relative) {
            Ok(artifact) => folder.artifacts.push(artifact),
            Err(reason) => folder.problems.push(unrecognized(path.clone(), reason)),
        }
    }
    if !vendored_directories.is_empty() {
        read_vendored(&vendored_directories, &mut folder);
    }
    folder.artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    folder.problems.sort();
    folder
}

fn unrecognized(path: String, reason: String) -> Problem {
    Problem {
        status: Status::Unrecognized,
        package: None,
        file: Some(path),
        actual_sha256: None,
        detail: reason,
    }
}

/// One file: a wheel, an sdist or a `.crate`, identified by its own metadata and hashed.
fn read_artifact(path: &str, disk: &Path, relative: &Path) -> Result<Artifact, String> {
    let metadata =
        std::fs::symlink_metadata(disk).map_err(|error| format!("cannot be read: {error}"))?;
    if metadata.file_type().is_symlink() {
        return Err("a symbolic link (never followed): not an artifact".to_owned());
    }
    if !metadata.is_file() {
        return Err("not a regular file".to_owned());
    }
    let name = relative
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let open = || {
        std::fs::File::open(disk)
            .map(BufReader::new)
            .map_err(|error| format!("cannot be read: {error}"))
    };
    let (kind, key) = if name.ends_with(".whl") {
        let key = wheel::identity(path, open()?).map_err(|error| error.to_string())?;
        (ArtifactKind::Wheel, key)
    } else if name.ends_with(".tar.gz") {
        let key = sdist::identity(path, open()?)
            .map_err(|message| format!("not an sdist: {message}"))?
            .ok_or_else(|| "a .tar.gz without a top-level PKG-INFO: not an sdist".to_owned())?;
        (ArtifactKind::Sdist, key)
    } else if name.ends_with(".crate") {
        let extraction =
            crate_archive::read(path, open()?, None).map_err(|error| error.to_string())?;
        let key = extraction
            .components
            .into_iter()
            .next()
            .map(|component| component.key)
            .ok_or_else(|| "the crate archive names no package".to_owned())?;
        (ArtifactKind::Crate, key)
    } else {
        return Err("not a wheel, an sdist (.tar.gz), a .crate or a vendored crate".to_owned());
    };
    let digest =
        stream_sha256(disk, &mut |_| {}).map_err(|error| format!("cannot be hashed: {error}"))?;
    Ok(Artifact {
        path: path.to_owned(),
        kind,
        key,
        sha256: digest.sha256,
    })
}

/// The vendored crates under `directories`, read by the scan driver (its reader polices the
/// root and never follows a link out of it): their package checksums, and each file that does
/// not match its checksum file as a problem.
fn read_vendored(directories: &[String], folder: &mut Folder) {
    let options = ScanOptions {
        skip_default_directories: false,
        ..ScanOptions::default()
    };
    let paths: Vec<PathBuf> = directories.iter().map(PathBuf::from).collect();
    let report = match scan(&paths, &options) {
        Ok(report) => report,
        Err(error) => {
            for directory in directories {
                folder.problems.push(unrecognized(
                    directory.clone(),
                    format!("the vendored crate cannot be read: {error}"),
                ));
            }
            return;
        }
    };
    let mut found: BTreeSet<String> = BTreeSet::new();
    for component in report.graph.components() {
        let Some(artifact) = component.facts.artifact.as_deref() else {
            continue;
        };
        if artifact.kind != ArtifactKind::VendoredCrate {
            continue;
        }
        found.insert(artifact.path.clone());
        let package = describe(&component.key);
        match &artifact.integrity {
            Some(Integrity::Checked { problems, .. }) => {
                for problem in problems {
                    let detail = match &problem.problem {
                        FileProblemKind::Modified { expected, found } => format!(
                            "does not match its .cargo-checksum.json (listed {expected}, found {found})"
                        ),
                        FileProblemKind::Missing => {
                            "is listed in its .cargo-checksum.json but missing".to_owned()
                        }
                        FileProblemKind::Unlisted => {
                            "is not listed in its .cargo-checksum.json".to_owned()
                        }
                        FileProblemKind::Unverifiable { reason } => {
                            format!("could not be checked: {reason}")
                        }
                    };
                    folder.problems.push(Problem {
                        status: Status::Modified,
                        package: Some(package.clone()),
                        file: Some(problem.path.clone()),
                        actual_sha256: None,
                        detail,
                    });
                }
            }
            Some(Integrity::Unknown { reason, .. }) => folder.problems.push(Problem {
                status: Status::Modified,
                package: Some(package.clone()),
                file: Some(artifact.path.clone()),
                actual_sha256: None,
                detail: format!("its files cannot be checked: {reason}"),
            }),
            None => {}
        }
        let sha256 = component
            .hashes
            .iter()
            .find(|hash| hash.algorithm() == HashAlgorithm::Sha256)
            .map(|hash| hash.value());
        match sha256 {
            Some(sha256) => folder.artifacts.push(Artifact {
                path: artifact.path.clone(),
                kind: ArtifactKind::VendoredCrate,
                key: component.key.clone(),
                sha256,
            }),
            None => folder.problems.push(unrecognized(
                artifact.path.clone(),
                format!(
                    "the vendored crate {package} states no package checksum (a git dependency?): it cannot be matched to the lock"
                ),
            )),
        }
    }
    for directory in directories {
        let display = display_path(Path::new(directory));
        if !found.contains(&display) && !found.contains(directory) {
            let reason = report
                .diagnostics
                .iter()
                .find(|diagnostic| {
                    diagnostic
                        .location
                        .as_ref()
                        .is_some_and(|location| location.path.starts_with(directory.as_str()))
                })
                .map_or_else(
                    || "its .cargo-checksum.json or Cargo.toml cannot be read".to_owned(),
                    |diagnostic| diagnostic.message.clone(),
                );
            folder.problems.push(unrecognized(
                directory.clone(),
                format!("not a vendored crate: {reason}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::PackageName;

    fn key(name: &str, version: &str) -> ComponentKey {
        ComponentKey::new(
            Ecosystem::PyPI,
            PackageName::new(Ecosystem::PyPI, name).unwrap(),
            Some(version.to_owned()),
            Source::DEFAULT_REGISTRY,
        )
    }

    fn locked(name: &str, version: &str, hashes: &[&str], marker: Option<&str>) -> LockedPackage {
        LockedPackage {
            key: key(name, version),
            sha256: hashes.iter().map(|hash| (*hash).to_owned()).collect(),
            conditional: marker.map(str::to_owned),
        }
    }

    fn artifact(path: &str, name: &str, version: &str, sha256: &str) -> Artifact {
        Artifact {
            path: path.to_owned(),
            kind: ArtifactKind::Wheel,
            key: key(name, version),
            sha256: sha256.to_owned(),
        }
    }

    #[test]
    fn each_kind_of_difference_is_one_line() {
        let lock = LockedPackages {
            packages: vec![
                locked("a", "1.0", &["aa", "ab"], None),
                locked("b", "2.0", &["bb"], None),
                locked("c", "3.0", &["cc"], None),
                locked("d", "4.0", &["dd"], None),
                locked("win", "1.0", &["ww"], Some("sys_platform == \"win32\"")),
                locked("git", "0.1", &[], None),
            ],
            local: Vec::new(),
        };
        let exact = Folder {
            artifacts: vec![
                artifact("w/a-1.0-linux.whl", "a", "1.0", "aa"),
                artifact("w/a-1.0-mac.whl", "a", "1.0", "ab"),
                artifact("w/b.whl", "b", "2.0", "bb"),
                artifact("w/c.whl", "c", "3.0", "cc"),
                artifact("w/d.whl", "d", "4.0", "dd"),
            ],
            problems: Vec::new(),
        };
        let check = compare(&lock, &exact);
        let statuses: Vec<Status> = check
            .problems
            .iter()
            .map(|problem| problem.status)
            .collect();
        assert_eq!(statuses, [Status::Unhashed, Status::Conditional]);
        assert!(!check.passed(), "an unhashed lock entry cannot pass");
        assert_eq!((check.satisfied, check.matching), (4, 5));

        let lock = LockedPackages {
            packages: lock.packages.into_iter().take(5).collect(),
            local: Vec::new(),
        };
        assert!(compare(&lock, &exact).passed());
        let tampered = Folder {
            artifacts: vec![
                artifact("w/a-1.0-linux.whl", "a", "1.0", "aa"),
                artifact("w/a-1.0-other.whl", "a", "1.0", "zz"),
                artifact("w/c.whl", "c", "3.1", "c1"),
                artifact("w/d.whl", "d", "4.0", "dd"),
                artifact("w/e.whl", "e", "5.0", "ee"),
            ],
            problems: Vec::new(),
        };
        let check = compare(&lock, &tampered);
        let lines: Vec<(Status, Option<&str>)> = check
            .problems
            .iter()
            .map(|problem| (problem.status, problem.file.as_deref()))
            .collect();
        assert_eq!(
            lines,
            [
                (Status::Missing, None),
                (Status::Unlocked, Some("w/e.whl")),
                (Status::HashMismatch, Some("w/a-1.0-other.whl")),
                (Status::WrongVersion, Some("w/c.whl")),
                (Status::Conditional, None),
            ]
        );
        assert!(check
            .problems
            .first()
            .unwrap()
            .detail
            .starts_with("b 2.0 is locked"));
        assert!(!check.passed());
    }
}
