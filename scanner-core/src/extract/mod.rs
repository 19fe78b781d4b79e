//! The extractor contract. An extractor reads one input format into components, edges, roots
//! and diagnostics. It is pure: the scan driver hands it bytes (and the companion files it asked
//! for), so every extractor can be tested on in-memory fixtures and fuzzed without a filesystem.

pub mod cargo;
pub mod python;
pub mod registry;
pub mod sbom;

use std::path::Path;

use crate::component::{Component, ComponentKey, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::location::Location;
use crate::name::PackageName;

pub use registry::{extractor_by_id, EXTRACTORS};

/// An extractor's stable id, shaped like a path: `cargo/cargo-lock`.
pub type ExtractorId = &'static str;

/// The default cap for formats read whole: far above any real lockfile, low enough that a
/// hostile multi-gigabyte "lockfile" is refused instead of read.
pub const DEFAULT_WHOLE_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// How much of a file an extractor needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadLimit {
    /// The whole file, refused (with a diagnostic) when larger than `max_bytes`.
    Whole { max_bytes: u64 },
    /// Only the first `bytes` bytes (headers of large binary files).
    Prefix { bytes: u64 },
}

/// Other files an extractor needs next to its main file: every file called `file_name` in the
/// main file's directory and below it (skipping the same directories the scan skips).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompanionRequest {
    pub file_name: &'static str,
    /// More companions than this are not read (and a diagnostic says so).
    pub max_files: usize,
}

/// A companion file as read by the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanionFile {
    /// Scan-relative, `/`-separated.
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Reads the further files an input names (`-r base.txt` in a requirements file), on demand.
/// Paths are scan-relative and `/`-separated, built with [`join_path`] from the main file's
/// directory. The scan driver's reader refuses anything outside the scan root, anything but a
/// regular file, and anything over the whole-file cap, and lists what it read among the scanned
/// files; tests use [`MemoryFiles`].
pub trait FileReader: Sync + std::fmt::Debug {
    /// The file's bytes, or a diagnostic (naming `path`) saying why it cannot be read.
    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic>;
}

/// A reader with no files: every read fails with a diagnostic.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        Err(missing_file(path))
    }
}

fn missing_file(path: &str) -> Diagnostic {
    Diagnostic::error(
        DiagnosticCode::ReadError,
        Location::file(path),
        "cannot read: no such file",
    )
}

/// Files held in memory, for tests and fuzzing.
#[derive(Debug, Clone, Default)]
pub struct MemoryFiles {
    files: std::collections::BTreeMap<String, Vec<u8>>,
}

impl MemoryFiles {
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    pub fn with(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> MemoryFiles {
        self.files.insert(path.to_owned(), bytes.into());
        self
    }
}

impl FileReader for MemoryFiles {
    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| missing_file(path))
    }
}

/// What an extractor is given.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Scan-relative, `/`-separated path of the main file.
    pub path: &'a str,
    pub bytes: &'a [u8],
    /// Companion files, sorted by path (empty unless the extractor asked for them).
    pub companions: &'a [CompanionFile],
    /// Further files the input refers to, read on demand.
    pub files: &'a dyn FileReader,
}

impl<'a> Input<'a> {
    pub fn new(path: &'a str, bytes: &'a [u8]) -> Input<'a> {
        Input {
            path,
            bytes,
            companions: &[],
            files: &NoFiles,
        }
    }

    /// The same input with a reader for the files it refers to.
    pub fn with_files(self, files: &'a dyn FileReader) -> Input<'a> {
        Input { files, ..self }
    }

    /// The directory holding the main file, `""` at the top of the scan.
    pub fn directory(&self) -> &'a str {
        parent_directory(self.path)
    }

    pub fn location(&self, line: Option<u32>) -> Location {
        Location {
            path: self.path.to_owned(),
            line,
            column: None,
        }
    }
}

/// A dependency named by an input but not (yet) tied to a key: the driver resolves it against
/// the components of the same extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyReference {
    pub ecosystem: Ecosystem,
    pub name: PackageName,
    pub version: Option<String>,
    pub source: Option<Source>,
}

/// Where an edge points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeTarget {
    Key(ComponentKey),
    Reference(DependencyReference),
}

/// An edge as an extractor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRef {
    pub from: ComponentKey,
    pub to: EdgeTarget,
    pub kind: EdgeKind,
    /// Markers, extras and relation; empty for most formats.
    pub details: EdgeDetails,
    /// Where the edge was read, for diagnostics about it.
    pub location: Option<Location>,
}

/// Everything one extractor found in one file (and its companions).
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    pub components: Vec<Component>,
    pub edges: Vec<EdgeRef>,
    pub roots: Vec<ComponentKey>,
    pub diagnostics: Vec<Diagnostic>,
    /// Companion files whose content this extraction already accounts for; other extractors'
    /// results for them are dropped so a manifest is not read twice with two meanings.
    pub claimed: Vec<String>,
}

/// A file that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    #[error("{location}: {message}")]
    Parse { location: Location, message: String },
    #[error("{location}: unsupported {format} version `{found}` (airlock reads {supported})")]
    UnsupportedVersion {
        location: Location,
        format: &'static str,
        found: String,
        supported: &'static str,
    },
    #[error("{location}: the file is not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 { location: Location, offset: usize },
}

impl ExtractError {
    pub fn location(&self) -> &Location {
        match self {
            ExtractError::Parse { location, .. }
            | ExtractError::UnsupportedVersion { location, .. }
            | ExtractError::InvalidUtf8 { location, .. } => location,
        }
    }

    /// The diagnostic the scan reports for this error.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let code = match self {
            ExtractError::UnsupportedVersion { .. } => DiagnosticCode::UnsupportedFormatVersion,
            ExtractError::Parse { .. } | ExtractError::InvalidUtf8 { .. } => {
                DiagnosticCode::ParseError
            }
        };
        let message = match self {
            ExtractError::Parse { message, .. } => message.clone(),
            ExtractError::UnsupportedVersion {
                format,
                found,
                supported,
                ..
            } => {
                format!("unsupported {format} version `{found}` (airlock reads {supported})")
            }
            ExtractError::InvalidUtf8 { offset, .. } => {
                format!("the file is not valid UTF-8 (first bad byte at offset {offset})")
            }
        };
        Diagnostic::error(code, self.location().clone(), message)
    }
}

/// One input format.
pub trait Extractor: Send + Sync {
    /// Stable id, e.g. `cargo/cargo-lock`.
    fn id(&self) -> ExtractorId;
    /// One line for `airlock extractors`.
    fn description(&self) -> &'static str;
    /// Cheap, path-only test: does this extractor read this file?
    fn accepts(&self, path: &Path) -> bool;
    /// Content test for a file named on the command line that no extractor accepts by name
    /// (an SBOM saved under any name): `prefix` is the file's first bytes.
    fn recognizes(&self, _prefix: &[u8]) -> bool {
        false
    }
    /// How much of the file to read.
    fn read_limit(&self) -> ReadLimit {
        ReadLimit::Whole {
            max_bytes: DEFAULT_WHOLE_FILE_LIMIT,
        }
    }
    /// Companion files to read alongside the main file.
    fn companions(&self) -> Option<CompanionRequest> {
        None
    }
    /// Reads the input.
    fn extract(&self, input: &Input<'_>) -> Result<Extraction, ExtractError>;
}

/// `a/b/c.txt` → `a/b`; `c.txt` → `""`.
pub fn parent_directory(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(directory, _)| directory)
}

/// Joins a relative path onto a scan-relative directory, folding `.` and `..` lexically (never
/// touching the filesystem). `..` above the top is kept, so paths outside the scan stay visible.
pub fn join_path(directory: &str, relative: &str) -> String {
    let relative = relative.replace('\\', "/");
    let absolute =
        relative.starts_with('/') || (directory.starts_with('/') && !relative.starts_with('/'));
    let mut parts: Vec<&str> = Vec::new();
    if !relative.starts_with('/') {
        parts.extend(
            directory
                .split('/')
                .filter(|part| !part.is_empty() && *part != "."),
        );
    }
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

/// The path of `path` relative to `directory` when it lies below it.
pub fn strip_directory<'p>(directory: &str, path: &'p str) -> Option<&'p str> {
    if directory.is_empty() || directory == "." {
        return Some(path);
    }
    path.strip_prefix(directory)
        .and_then(|rest| rest.strip_prefix('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_helpers() {
        assert_eq!(parent_directory("a/b/Cargo.lock"), "a/b");
        assert_eq!(parent_directory("Cargo.lock"), "");
        assert_eq!(join_path("a/b", "../c"), "a/c");
        assert_eq!(join_path("", "crates/x/"), "crates/x");
        assert_eq!(join_path("a", "../../x"), "../x");
        assert_eq!(join_path("a", "."), "a");
        assert_eq!(join_path("", "."), ".");
        assert_eq!(join_path("/abs/ws", "crates/*"), "/abs/ws/crates/*");
        assert_eq!(join_path("/abs/ws", "../x"), "/abs/x");
        assert_eq!(join_path("/", "../x"), "/x");
        assert_eq!(join_path("rel", "/etc/x"), "/etc/x");
        assert_eq!(
            strip_directory("a/b", "a/b/c/Cargo.toml"),
            Some("c/Cargo.toml")
        );
        assert_eq!(strip_directory("a/b", "a/bc/Cargo.toml"), None);
        assert_eq!(strip_directory("", "x/Cargo.toml"), Some("x/Cargo.toml"));
    }
}
