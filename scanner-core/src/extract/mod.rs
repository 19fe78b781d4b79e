//! The extractor contract. An extractor reads one input format into components, edges, roots
//! and diagnostics. It is pure: the scan driver hands it bytes (and the companion files it asked
//! for), so every extractor can be tested on in-memory fixtures and fuzzed without a filesystem.

pub mod cargo;
pub mod mcp;
pub mod model;
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

    /// Size and link target of a file, without reading it (model weights are gigabytes, and an
    /// extractor that read a prefix still needs the real length).
    fn facts(&self, path: &str) -> Result<FileFacts, Diagnostic> {
        Err(unsupported(path, "file facts"))
    }

    /// The entries of a directory (scan-relative, `""` for the top), sorted by name: lets a model
    /// card see whether weights or a config lie beside it without reading them.
    fn list(&self, directory: &str) -> Result<Vec<DirectoryEntry>, Diagnostic> {
        Err(unsupported(directory, "directory listing"))
    }

    /// A seekable reader over a file, for formats read by offset (a zip's central directory,
    /// one pickle inside a checkpoint) without loading the file.
    fn open(&self, path: &str) -> Result<Box<dyn ReadSeek + '_>, Diagnostic> {
        Err(unsupported(path, "seekable reads"))
    }

    /// The SHA-256 of the whole file, streamed with bounded memory.
    fn digest(&self, path: &str) -> Result<FileDigest, Diagnostic> {
        Err(unsupported(path, "hashing"))
    }
}

/// `Read + Seek`, as one object-safe trait.
pub trait ReadSeek: std::io::Read + std::io::Seek + Send {}

impl<T: std::io::Read + std::io::Seek + Send> ReadSeek for T {}

/// What the driver knows about a file without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// Length in bytes of the file (of the link's target for a symbolic link).
    pub size: u64,
    /// For a symbolic link, its target as written (`../../blobs/<sha256>` in a Hugging Face
    /// cache), `/`-separated.
    pub link_target: Option<String>,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub name: String,
    /// A regular file, or a link to one inside the scan root.
    pub is_file: bool,
    pub size: u64,
}

/// The digest of a whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// Lowercase hex.
    pub sha256: String,
    /// Bytes hashed.
    pub size: u64,
}

fn unsupported(path: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        DiagnosticCode::ReadError,
        Location::file(path),
        format!("cannot read: this reader offers no {what}"),
    )
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

    fn facts(&self, path: &str) -> Result<FileFacts, Diagnostic> {
        let bytes = self.files.get(path).ok_or_else(|| missing_file(path))?;
        Ok(FileFacts {
            size: bytes.len() as u64,
            link_target: None,
        })
    }

    fn list(&self, directory: &str) -> Result<Vec<DirectoryEntry>, Diagnostic> {
        let mut entries: Vec<DirectoryEntry> = Vec::new();
        for (path, bytes) in &self.files {
            let Some(rest) = strip_directory(directory, path) else {
                continue;
            };
            let entry = match rest.split_once('/') {
                Some((subdirectory, _)) => DirectoryEntry {
                    name: subdirectory.to_owned(),
                    is_file: false,
                    size: 0,
                },
                None => DirectoryEntry {
                    name: rest.to_owned(),
                    is_file: true,
                    size: bytes.len() as u64,
                },
            };
            if !entries.iter().any(|known| known.name == entry.name) {
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    fn open(&self, path: &str) -> Result<Box<dyn ReadSeek + '_>, Diagnostic> {
        let bytes = self.files.get(path).ok_or_else(|| missing_file(path))?;
        Ok(Box::new(std::io::Cursor::new(bytes.as_slice())))
    }

    fn digest(&self, path: &str) -> Result<FileDigest, Diagnostic> {
        use sha2::Digest as _;
        let bytes = self.files.get(path).ok_or_else(|| missing_file(path))?;
        Ok(FileDigest {
            sha256: hex::encode(sha2::Sha256::digest(bytes)),
            size: bytes.len() as u64,
        })
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
    /// True when the extractor needs the SHA-256 of the whole main file (model weights): the
    /// driver streams it with bounded memory, in parallel with other jobs, counts it in the
    /// progress it reports, and serves it through `input.files.digest(input.path)`.
    fn wants_digest(&self) -> bool {
        false
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
