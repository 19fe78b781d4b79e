//! Crates unpacked by `cargo vendor`: each directory holds the crate's files and
//! `.cargo-checksum.json`, `{"files": {"<path>": "<sha256>"}, "package": "<sha256>"}`, where
//! `package` is the SHA-256 of the `.crate` archive the files came from (the `checksum` of
//! `Cargo.lock`; `null` for a git dependency) and `files` hashes every file. Cargo checks the
//! same file when it builds from the vendor directory; airlock checks it where it lies: every
//! listed file is re-hashed (streamed, in parallel), and a listed file that is missing or
//! different, or a file the list does not name, is a finding (`artifact-file-modified`).
//!
//! What this proves and what not: `package` is compared with the lock by `verify --lock`; the
//! files are compared with `files`. Both are written into the same directory, so whoever can
//! change a file can change its line too: only the `.crate` archive itself (or a checked
//! vendor tree from a trusted build) proves the files are the crate's.

use rayon::prelude::*;
use serde::Deserialize;

use crate::component::{Hash, HashAlgorithm};
use crate::extract::{
    join_path, parent_directory, ExtractError, Extraction, ExtractorId, FileMatch, FileReader,
    Format, Input, Parse, Sample, Syntax,
};
use crate::facts::artifact::{ArtifactFacts, ArtifactKind};
use crate::facts::installed::{FileProblem, FileProblemKind, Integrity};
use crate::location::Location;

/// The row's id.
pub const ID: ExtractorId = "cargo/vendored-crate";

/// The checksum file's name.
pub const CHECKSUM_FILE: &str = ".cargo-checksum.json";

/// Files listed or found per crate before giving up (a real crate has a few thousand).
const MAX_FILES: usize = 200_000;
/// Directory depth inside a crate walked for files the list does not name.
const MAX_DEPTH: usize = 32;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Vendored crates (`cargo vendor`): .cargo-checksum.json with the packaged Cargo.toml beside it; every listed file re-hashed, missing and unlisted files found; the package checksum (Cargo.lock's)",
    FileMatch::Names(&[CHECKSUM_FILE]),
    &Vendored,
)
.max_bytes(64 * 1024 * 1024)
.fuzzed_as(
    "cargo_vendored_crate",
    &[Sample::new("vendor/demo/.cargo-checksum.json", Syntax::Json)],
);

struct Vendored;

#[derive(Deserialize)]
struct Checksums {
    files: std::collections::BTreeMap<String, String>,
    package: Option<String>,
}

impl Parse for Vendored {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        read(input.path, input.bytes, input.files)
    }
}

/// Reads the `.cargo-checksum.json` at scan-relative `path` (content `bytes`) and checks the
/// crate directory around it through `files`.
pub fn read(path: &str, bytes: &[u8], files: &dyn FileReader) -> Result<Extraction, ExtractError> {
    let checksums: Checksums =
        serde_json::from_slice(bytes).map_err(|error| ExtractError::Parse {
            location: Location::line(path, u32::try_from(error.line()).unwrap_or(u32::MAX)),
            message: format!("not a .cargo-checksum.json: {error}"),
        })?;
    let directory = parent_directory(path);
    let manifest_path = join_path(directory, "Cargo.toml");
    let manifest = files
        .read(&manifest_path)
        .map_err(|diagnostic| ExtractError::Parse {
            location: Location::file(&manifest_path),
            message: format!(
                "the vendored crate's Cargo.toml cannot be read: {}",
                diagnostic.message
            ),
        })?;
    let mut component = super::crate_archive::packaged_component(&manifest_path, &manifest, ID)?;
    let mut extraction = Extraction::default();
    if let Some(package) = &checksums.package {
        match Hash::new(HashAlgorithm::Sha256, package) {
            Ok(hash) => {
                component.hashes.insert(hash);
            }
            Err(error) => extraction
                .diagnostics
                .push(crate::diagnostic::Diagnostic::warning(
                    crate::diagnostic::DiagnosticCode::InvalidEntry,
                    Location::file(path),
                    format!("the package checksum is not read: {error}"),
                )),
        }
    }
    let integrity = check_files(directory, &checksums, files);
    component.facts.artifact = Some(Box::new(ArtifactFacts {
        kind: ArtifactKind::VendoredCrate,
        path: directory.to_owned(),
        integrity: Some(integrity),
    }));
    extraction.roots.push(component.key.clone());
    extraction.components.push(component);
    Ok(extraction)
}

/// Every listed file re-hashed, and the directory walked for files the list does not name.
fn check_files(directory: &str, checksums: &Checksums, files: &dyn FileReader) -> Integrity {
    let location = Location::file(join_path(directory, CHECKSUM_FILE));
    if checksums.files.len() > MAX_FILES {
        return Integrity::Unknown {
            reason: format!("it lists more than {MAX_FILES} files"),
            location,
        };
    }
    let on_disk = match walk(directory, files) {
        Ok(found) => found,
        Err(reason) => return Integrity::Unknown { reason, location },
    };
    let outcomes: Vec<Option<FileProblem>> = checksums
        .files
        .par_iter()
        .map(|(relative, expected)| {
            let path = join_path(directory, relative);
            let problem = |problem| {
                Some(FileProblem {
                    path: path.clone(),
                    problem,
                })
            };
            if relative.split('/').any(|part| part == "..") || relative.starts_with('/') {
                return problem(FileProblemKind::Unverifiable {
                    reason: "the path leaves the crate's directory".to_owned(),
                });
            }
            if !on_disk.contains(&path) {
                return problem(FileProblemKind::Missing);
            }
            match files.digest(&path) {
                Ok(digest) if digest.sha256.eq_ignore_ascii_case(expected) => None,
                Ok(digest) => problem(FileProblemKind::Modified {
                    expected: format!("sha256:{expected}"),
                    found: format!("sha256:{}", digest.sha256),
                }),
                Err(diagnostic) => problem(FileProblemKind::Unverifiable {
                    reason: diagnostic.message,
                }),
            }
        })
        .collect();
    let verified = outcomes.iter().filter(|outcome| outcome.is_none()).count();
    let mut problems: Vec<FileProblem> = outcomes.into_iter().flatten().collect();
    let listed: std::collections::BTreeSet<String> = checksums
        .files
        .keys()
        .map(|relative| join_path(directory, relative))
        .collect();
    let own = join_path(directory, CHECKSUM_FILE);
    problems.extend(
        on_disk
            .iter()
            .filter(|path| **path != own && !listed.contains(*path))
            .map(|path| FileProblem {
                path: path.clone(),
                problem: FileProblemKind::Unlisted,
            }),
    );
    problems.sort();
    Integrity::Checked { verified, problems }
}

/// The files under `directory` (scan-relative paths), through the policed reader.
fn walk(
    directory: &str,
    files: &dyn FileReader,
) -> Result<std::collections::BTreeSet<String>, String> {
    let mut found = std::collections::BTreeSet::new();
    let mut pending = vec![(directory.to_owned(), 0_usize)];
    while let Some((current, depth)) = pending.pop() {
        let entries = files.list(&current).map_err(|diagnostic| {
            format!("its directory cannot be listed: {}", diagnostic.message)
        })?;
        for entry in entries {
            let path = join_path(&current, &entry.name);
            if entry.is_file {
                found.insert(path);
                if found.len() > MAX_FILES {
                    return Err(format!("it holds more than {MAX_FILES} files"));
                }
            } else if depth + 1 >= MAX_DEPTH {
                return Err(format!("it nests deeper than {MAX_DEPTH} directories"));
            } else {
                pending.push((path, depth + 1));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;

    fn sha256(bytes: &[u8]) -> String {
        crate::extract::digest_of(bytes, false).sha256
    }

    #[test]
    fn each_file_is_checked_and_the_package_checksum_is_the_hash() {
        let manifest = b"[package]\nname = \"demo\"\nversion = \"1.0.0\"\n";
        let library = b"pub fn f() {}\n";
        let package = "a".repeat(64);
        let checksum = format!(
            r#"{{"files":{{"Cargo.toml":"{}","src/lib.rs":"{}","README.md":"{}"}},"package":"{package}"}}"#,
            sha256(manifest),
            sha256(library),
            sha256(b"gone"),
        );
        let files = MemoryFiles::new()
            .with("vendor/demo/Cargo.toml", manifest.to_vec())
            .with(
                "vendor/demo/src/lib.rs",
                b"pub fn f() { evil() }\n".to_vec(),
            )
            .with("vendor/demo/build.rs", b"fn main() {}\n".to_vec())
            .with("vendor/demo/.cargo-checksum.json", checksum.clone());
        let extraction = FORMAT
            .extract(
                &Input::new("vendor/demo/.cargo-checksum.json", checksum.as_bytes())
                    .with_files(&files),
            )
            .unwrap();
        let component = extraction.components.first().unwrap();
        assert_eq!(component.key.reference(), "pkg:cargo/demo@1.0.0");
        assert_eq!(component.hashes.iter().next().unwrap().value(), package);
        let Some(Integrity::Checked { verified, problems }) =
            &component.facts.artifact.as_ref().unwrap().integrity
        else {
            panic!();
        };
        assert_eq!(*verified, 1);
        let kinds: Vec<(&str, &FileProblemKind)> = problems
            .iter()
            .map(|problem| (problem.path.as_str(), &problem.problem))
            .collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert!(kinds.contains(&("vendor/demo/README.md", &FileProblemKind::Missing)));
        assert!(kinds.contains(&("vendor/demo/build.rs", &FileProblemKind::Unlisted)));
        assert!(kinds
            .iter()
            .any(|(path, kind)| *path == "vendor/demo/src/lib.rs"
                && matches!(kind, FileProblemKind::Modified { .. })));
    }
}
