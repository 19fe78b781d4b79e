//! The extractor contract. An extractor reads one input format into components, references,
//! roots and diagnostics. It is pure: the scan driver hands it one file's bytes (and a reader
//! for the files that file itself names), so every extractor can be tested on in-memory
//! fixtures and fuzzed without a filesystem. What needs more than one file (joining a manifest
//! to its lock, resolving names) is the link stage's ([`crate::link`]).

pub mod agent;
pub mod cargo;
pub mod container_image;
pub mod gzip_tar;
pub mod mcp;
pub mod model;
pub mod npm;
pub mod os;
pub mod python;
pub mod registry;
pub mod sbom;
pub(crate) mod toml_lifted;
pub(crate) mod toml_tree;

#[cfg(test)]
mod conformance;

/// The files under `tests/fixtures/projects` whose name is one of `names`, with their text,
/// in path order: the real lockfiles tests read every one of.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn fixture_project_files(names: &[&str]) -> Vec<(std::path::PathBuf, String)> {
    let projects =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/projects");
    let mut found = Vec::new();
    let mut pending = vec![projects];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| names.contains(&name))
            {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, text));
            }
        }
    }
    found.sort();
    found
}

use std::path::Path;

use crate::component::{Component, ComponentKey, EdgeDetails, EdgeKind, GitReference, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::link::Origin;
use crate::location::Location;
use crate::name::PackageName;

pub use registry::{extractor_by_id, FORMATS};

/// An extractor's stable id, shaped like a path: `cargo/cargo-lock`.
pub type ExtractorId = &'static str;

/// The default cap for formats read whole: far above any real lockfile, low enough that a
/// hostile multi-gigabyte "lockfile" is refused instead of read.
pub const DEFAULT_WHOLE_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// How much of a file an extractor needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadLimit {
    /// The whole file, refused (with a diagnostic) when larger than `max_bytes`.
    Whole {
        /// The largest file read, in bytes.
        max_bytes: u64,
    },
    /// Only the first `bytes` bytes (headers of large binary files).
    Prefix {
        /// How many bytes are read.
        bytes: u64,
    },
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

    /// The digest of bytes already read whole (a model's config or card), with the algorithms
    /// the scan computes for the files it hashes: SHA-256, and SHA-512 when the scan asks
    /// for it.
    fn digest_of(&self, bytes: &[u8]) -> FileDigest {
        digest_of(bytes, false)
    }
}

/// The digest of `bytes`: SHA-256, and SHA-512 when `sha512` is set.
pub fn digest_of(bytes: &[u8], sha512: bool) -> FileDigest {
    use sha2::Digest as _;
    FileDigest {
        sha256: hex::encode(sha2::Sha256::digest(bytes)),
        sha512: sha512.then(|| hex::encode(sha2::Sha512::digest(bytes))),
        size: bytes.len() as u64,
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
    /// The entry's file name.
    pub name: String,
    /// A regular file, or a link to one inside the scan root.
    pub is_file: bool,
    /// Its size in bytes (0 for a directory).
    pub size: u64,
}

/// The digest of a whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// Lowercase hex.
    pub sha256: String,
    /// SHA-512 in lowercase hex, computed in the same pass when the scan asks for it
    /// ([`crate::scan::ScanOptions::sha512`]: BSI TR-03183-2 wants SHA-512 of every file).
    pub sha512: Option<String>,
    /// Bytes hashed.
    pub size: u64,
}

impl FileDigest {
    /// The digests as component hashes: SHA-256, and SHA-512 when it was computed.
    pub fn hashes(&self) -> Vec<crate::component::Hash> {
        use crate::component::{Hash, HashAlgorithm};
        let sha256 = Hash::new(HashAlgorithm::Sha256, &self.sha256);
        let sha512 = self
            .sha512
            .as_deref()
            .map(|digest| Hash::new(HashAlgorithm::Sha512, digest));
        std::iter::once(sha256)
            .chain(sha512)
            .filter_map(Result::ok)
            .collect()
    }
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
    /// An empty set of files.
    pub fn new() -> MemoryFiles {
        MemoryFiles::default()
    }

    /// The same files and one more, at `path`.
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
        let bytes = self.files.get(path).ok_or_else(|| missing_file(path))?;
        Ok(digest_of(bytes, false))
    }
}

/// What an extractor is given.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Scan-relative, `/`-separated path of the main file.
    pub path: &'a str,
    /// The file's content (all of it, or the prefix its [`ReadLimit`] asks for).
    pub bytes: &'a [u8],
    /// Further files the input refers to, read on demand.
    pub files: &'a dyn FileReader,
}

impl<'a> Input<'a> {
    /// An input of these bytes, with no further files to read.
    pub fn new(path: &'a str, bytes: &'a [u8]) -> Input<'a> {
        Input {
            path,
            bytes,
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

    /// A location in the main file, at `line` when given.
    pub fn location(&self, line: Option<u32>) -> Location {
        Location {
            path: self.path.to_owned(),
            line,
            column: None,
        }
    }
}

/// Where a reference points: a key the file itself wrote, or a package it names, to be resolved
/// by the link stage ([`crate::link`]) among the components of its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A key the file wrote itself.
    Key(ComponentKey),
    /// A package the file names, resolved by the link stage.
    Named(NamedTarget),
}

/// A dependency named by a file but not tied to a key: the link stage resolves it with the
/// policy of its [`Origin`] row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedTarget {
    /// The package's ecosystem.
    pub ecosystem: Ecosystem,
    /// Compared normalized (`URLLIB3` names `urllib3`).
    pub name: PackageName,
    /// What the reference requires of the component it resolves to.
    pub requirement: Requirement,
    /// The row of the link policy that resolves it (and words its diagnostics).
    pub origin: Origin,
    /// The requirement as the file wrote it, for the rows whose diagnostics quote it
    /// ([`Origin::PdmLock`]).
    pub written: Option<String>,
}

/// What a named reference requires of the component it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// These fields, where given, must be equal (a lock entry's `name version (source)`).
    Exact {
        /// The version the candidate must have.
        version: Option<String>,
        /// The source the candidate must have.
        source: Option<Source>,
    },
    /// A version specifier (PEP 440, or Poetry's constraint syntax; `None`: any version): when
    /// several candidates share the name (versions locked for different environments), only
    /// those it allows are kept; one it cannot read allows.
    Allowed {
        /// The specifier (`None`: any version).
        specifier: Option<String>,
    },
    /// A project's declared dependency ([`Origin::Declared`]): among several candidates, the one
    /// its pin (`==`) gives, else the one its source gives, else each its specifier allows (all
    /// when it allows none).
    Declared {
        /// The version an `==` pin gives.
        pin: Option<String>,
        /// The source the declaration names (`git`, `path`, an index).
        source: Option<Source>,
        /// The whole specifier, to narrow several candidates.
        specifier: Option<String>,
    },
}

/// A dependency as a file reports it: from one of its components to a key or a named package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// One of the extraction's components.
    pub from: ComponentKey,
    /// The component or package depended on.
    pub to: Target,
    /// Normal, dev, build or optional.
    pub kind: EdgeKind,
    /// Markers, extras and relation; empty for most formats.
    pub conditions: EdgeDetails,
    /// Where the reference was read, for diagnostics about it.
    pub location: Option<Location>,
}

/// A manifest's parsed content, for the link stage to join with the lockfile that locks it
/// (see [`Role::Manifest`]).
#[derive(Debug, Clone)]
pub enum ProjectManifest {
    /// A `Cargo.toml`, joined with the `Cargo.lock` at or above it.
    Cargo(Box<cargo::cargo_toml::Manifest>),
    /// A `pyproject.toml`, joined with the Python lockfiles of its directory (and, for a uv
    /// workspace member, the `uv.lock` of the workspace).
    Python(Box<python::pyproject::PyProject>),
}

/// Everything one parser found in one file.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// Every component the file names.
    pub components: Vec<Component>,
    /// Dependencies between components, by key or by name.
    pub references: Vec<Reference>,
    /// The components the file is about (a project, a workspace member, an MCP config).
    pub roots: Vec<ComponentKey>,
    /// Problems found reading the file (the rest was still read).
    pub diagnostics: Vec<Diagnostic>,
    /// Set by manifest formats: the link stage joins it to a lockfile of its directory tree,
    /// and then uses it instead of the rest of this extraction (which reads the manifest alone).
    pub manifest: Option<ProjectManifest>,
    /// Set by the Python lock formats: what the lock says about the project it was made for,
    /// settled by the link stage once it has joined the lock's manifests (`None` for a lock that
    /// joins none, such as a script's `*.py.lock`).
    pub project: Option<LockedProject>,
}

/// What a Python lockfile says about the project it locks. The project's root is the one the
/// joined `pyproject.toml` names ([`Join::PyProject`], [`Join::UvWorkspace`]); the link stage
/// then completes the lock's extraction from this, in the same way whether or not a manifest
/// was joined.
#[derive(Debug, Clone, Default)]
pub struct LockedProject {
    /// The root when no joined manifest names a project: the lock's own entry for its directory
    /// (`-e .`, `path = "."`), or a component made for the project (added to the components
    /// only then).
    pub fallback: Option<Component>,
    /// References that need the root, written after the joined manifests' declarations, in
    /// order. An end with the root's name and source is the root (a lock's `-e .` entry is the
    /// project itself), and a reference from a component to itself is dropped.
    pub references: Vec<ProjectReference>,
    /// Facts the root takes (a pylock's extras and dependency groups).
    pub root_facts: crate::facts::Facts,
    /// Reported only when there is a root (problems with what [`LockedProject::root_facts`] was
    /// read from).
    pub root_diagnostics: Vec<Diagnostic>,
    /// Reported only when the extraction has no root after the join.
    pub rootless_diagnostics: Vec<Diagnostic>,
    /// The groups each package is locked for (`pdm.lock`): a package's scope is required for
    /// `default`, optional for an extra of the joined manifest, development otherwise, the
    /// widest of its groups.
    pub package_groups: Vec<(ComponentKey, Vec<String>)>,
}

/// A dependency a lockfile states relative to its project's root ([`LockedProject`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectReference {
    /// `None`: from the project's root.
    pub from: Option<ComponentKey>,
    /// A key the lock wrote itself.
    pub to: ComponentKey,
    /// Normal, dev, build or optional.
    pub kind: EdgeKind,
    /// Markers and extras.
    pub conditions: EdgeDetails,
    /// Where the reference was read.
    pub location: Option<Location>,
}

impl Extraction {
    /// Adds a component and an edge to it from `from` (a manifest read alone: each declared
    /// dependency is a component of its own, keyed as declared).
    pub(crate) fn add_dependency(
        &mut self,
        from: &ComponentKey,
        component: Component,
        kind: EdgeKind,
        conditions: EdgeDetails,
        location: Location,
    ) {
        self.references.push(Reference {
            from: from.clone(),
            to: Target::Key(component.key.clone()),
            kind,
            conditions,
            location: Some(location),
        });
        self.components.push(component);
    }
}

/// A file that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The file is not the format it was taken for (bad syntax, a wrong type).
    #[error("{location}: {message}")]
    Parse {
        /// Where the problem is.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The file declares a version of its format airlock does not read.
    #[error("{location}: unsupported {format} version `{found}` (airlock reads {supported})")]
    UnsupportedVersion {
        /// Where the version is written.
        location: Location,
        /// The format's name.
        format: &'static str,
        /// The version found.
        found: String,
        /// The versions airlock reads.
        supported: &'static str,
    },
    /// The file is not UTF-8.
    #[error("{location}: the file is not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 {
        /// The file.
        location: Location,
        /// The offset of the first byte that is not UTF-8.
        offset: usize,
    },
}

impl ExtractError {
    /// Where the error is.
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

/// Reads one file of a format. The parser is the only part of a format that is code; what
/// files it reads and how is data, in its [`Format`] row. Parsers hold no state a panic could
/// leave half-written (hence `RefUnwindSafe`): the driver and the fuzzers catch a panicking
/// parser and go on.
pub trait Parse: Send + Sync + std::panic::RefUnwindSafe {
    /// Reads the input.
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError>;
}

/// One row of the format table [`FORMATS`]: which files a format is, how much of them to read,
/// and the parser that reads them. Every other list of formats (`airlock extractors` and its
/// docs page, the fuzz entry points, the malformed-input suite) is derived from the table, so a
/// new format is its parser file, one table line and its fixtures.
#[derive(Clone, Copy)]
pub struct Format {
    /// Stable id, e.g. `cargo/cargo-lock`: evidence and `airlock extractors` name it.
    pub id: ExtractorId,
    /// One line for `airlock extractors`.
    pub description: &'static str,
    /// Which files the format is, by path alone (cheap: tried on every file of a walk).
    pub files: FileMatch,
    /// How much of the file to read.
    pub read: ReadLimit,
    /// True when the parser needs the SHA-256 of the whole file (model weights): the driver
    /// streams it with bounded memory, in parallel with other jobs, counts it in the progress it
    /// reports, and serves it through `input.files.digest(input.path)`.
    pub digest: bool,
    /// Content test for a file named on the command line that no format accepts by name (an
    /// SBOM saved under any name): it is given the file's first bytes.
    pub recognizes: Option<fn(&[u8]) -> bool>,
    /// What the format is to the files around it: a lock that joins manifests, a manifest, or
    /// a file that stands alone.
    pub role: Role,
    /// Reads the format's files.
    pub parser: &'static dyn Parse,
    /// The corpus directory (`tests/fixtures/fuzz-corpus/<fuzz_target>/`) and fuzz target name
    /// of the format.
    pub fuzz_target: &'static str,
    /// The file names the fuzzer and the malformed-input suite feed the parser under (each must
    /// be accepted by [`Format::files`], unless the format goes by content alone,
    /// [`FileMatch::Content`]; formats told apart by name, like `.npy` and `.npz`, get one each).
    pub samples: &'static [Sample],
    /// Reads what is installed (a `site-packages` directory, its `*.dist-info`): a directory
    /// walk runs it only inside an environment scanned directly or with
    /// `--include-environments` (`scan.rs`), so a project walk reads what it always read.
    pub installed: bool,
}

impl Format {
    /// A row reading whole files (up to [`DEFAULT_WHOLE_FILE_LIMIT`]), standing alone, without a
    /// digest or a content test; the other `const fn`s below change one field each.
    pub const fn new(
        id: ExtractorId,
        description: &'static str,
        files: FileMatch,
        parser: &'static dyn Parse,
    ) -> Format {
        Format {
            id,
            description,
            files,
            read: ReadLimit::Whole {
                max_bytes: DEFAULT_WHOLE_FILE_LIMIT,
            },
            digest: false,
            recognizes: None,
            role: Role::Standalone,
            parser,
            fuzz_target: "",
            samples: &[],
            installed: false,
        }
    }

    /// Marks the row as reading installed environments ([`Format::installed`]).
    pub const fn installed(self) -> Format {
        Format {
            installed: true,
            ..self
        }
    }

    /// Reads at most `max_bytes` (refused above it).
    pub const fn max_bytes(self, max_bytes: u64) -> Format {
        Format {
            read: ReadLimit::Whole { max_bytes },
            ..self
        }
    }

    /// Reads only the first `bytes` bytes and asks for the digest of the whole file: the shape
    /// of every weights format, whose files are gigabytes.
    pub const fn header_and_digest(self, bytes: u64) -> Format {
        Format {
            read: ReadLimit::Prefix { bytes },
            digest: true,
            ..self
        }
    }

    /// Reads only the first `bytes` bytes, without a digest: a parser that reads on through
    /// `input.files` (binaries, whose digest is wanted only when they carry something).
    pub const fn prefix(self, bytes: u64) -> Format {
        Format {
            read: ReadLimit::Prefix { bytes },
            digest: false,
            ..self
        }
    }

    /// The row with another [`Role`].
    pub const fn role(self, role: Role) -> Format {
        Format { role, ..self }
    }

    /// The row with a content test for files named on the command line.
    pub const fn recognizes(self, test: fn(&[u8]) -> bool) -> Format {
        Format {
            recognizes: Some(test),
            ..self
        }
    }

    /// The fuzz target (and corpus directory) of the format and the names it is fed under.
    pub const fn fuzzed_as(self, fuzz_target: &'static str, samples: &'static [Sample]) -> Format {
        Format {
            fuzz_target,
            samples,
            ..self
        }
    }

    /// Cheap, path-only test: is this file of this format?
    pub fn accepts(&self, path: &Path) -> bool {
        self.files.matches(path)
    }

    /// The row's content test; false for formats known by name only.
    pub fn recognizes_content(&self, prefix: &[u8]) -> bool {
        self.recognizes.is_some_and(|test| test(prefix))
    }

    /// Reads the input with the row's parser.
    pub fn extract(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        self.parser.parse(input)
    }
}

impl std::fmt::Debug for Format {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Format")
            .field("id", &self.id)
            .field("files", &self.files)
            .field("read", &self.read)
            .field("digest", &self.digest)
            .field("role", &self.role)
            .field("fuzz_target", &self.fuzz_target)
            .finish_non_exhaustive()
    }
}

/// Which files a format reads, by path alone.
#[derive(Debug, Clone, Copy)]
pub enum FileMatch {
    /// A file called exactly one of these names.
    Names(&'static [&'static str]),
    /// A file whose extension is one of these, in any ASCII case (`model.PT`).
    Extensions(&'static [&'static str]),
    /// A file whose name, lowercased, is one of `names` or ends in one of `suffixes` after at
    /// least one character (`github.tools.json`, not `.tools.json`).
    AnyCase {
        /// Lowercase file names.
        names: &'static [&'static str],
        /// Lowercase name endings.
        suffixes: &'static [&'static str],
    },
    /// A file called one of the names of a [`Placed`] inside a directory it allows.
    Placed(&'static [Placed]),
    /// Anything a list cannot say (a grandparent directory, a name pattern).
    Custom(fn(&Path) -> bool),
    /// No name: the format is known by its content alone ([`Format::recognizes`]), tried on a
    /// file named on the command line and, in a walk, on the files the scan driver reads the
    /// first bytes of (binaries, which carry any name or none).
    Content,
}

/// File names and the directories they must sit in.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    /// The file names.
    pub names: &'static [&'static str],
    /// Names of the directory holding the file; empty: any directory, or none.
    pub parents: &'static [&'static str],
}

impl FileMatch {
    /// Is this path a file of the format?
    pub fn matches(&self, path: &Path) -> bool {
        let name = path.file_name().and_then(|name| name.to_str());
        match *self {
            FileMatch::Names(names) => name.is_some_and(|name| names.contains(&name)),
            FileMatch::Extensions(extensions) => path
                .extension()
                .and_then(|extension| extension.to_str())
                .is_some_and(|extension| {
                    extensions
                        .iter()
                        .any(|known| extension.eq_ignore_ascii_case(known))
                }),
            FileMatch::AnyCase { names, suffixes } => name.is_some_and(|name| {
                let name = name.to_ascii_lowercase();
                names.contains(&name.as_str())
                    || suffixes
                        .iter()
                        .any(|suffix| name.len() > suffix.len() && name.ends_with(suffix))
            }),
            FileMatch::Placed(places) => name.is_some_and(|name| {
                let parent = path
                    .parent()
                    .and_then(Path::file_name)
                    .and_then(|parent| parent.to_str());
                places.iter().any(|place| {
                    place.names.contains(&name)
                        && (place.parents.is_empty()
                            || parent.is_some_and(|parent| place.parents.contains(&parent)))
                })
            }),
            FileMatch::Custom(test) => test(path),
            FileMatch::Content => false,
        }
    }
}

/// What a format is to the files around it: the join table of the link stage, which joins
/// manifests to locks by it (`docs/linking.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A lockfile, joined with the manifests its [`Join`] names.
    Lock(Join),
    /// A project manifest of the ecosystem: read alone unless a lock joins it.
    Manifest(Ecosystem),
    /// Read on its own.
    Standalone,
}

/// The manifests a lockfile is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// A `Cargo.lock` in D: the `Cargo.toml` files at or below D (the workspace root and its
    /// members among them).
    CargoWorkspace,
    /// A Python lock-like file in D: `D/pyproject.toml`, the project it locks.
    PyProject,
    /// A `uv.lock` in D: `D/pyproject.toml` and those of the workspace members below D.
    UvWorkspace,
}

/// More manifests than this at or below one lockfile's directory are not joined to it (and a
/// diagnostic says so): the root manifest and the first others in path order are.
pub const MAX_JOINED_MANIFESTS: usize = 5_000;

impl Join {
    /// The ecosystem of the manifests the lock joins (the [`Role::Manifest`] rows it reads).
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Join::CargoWorkspace => Ecosystem::CratesIo,
            Join::PyProject | Join::UvWorkspace => Ecosystem::PyPI,
        }
    }

    /// The file name of those manifests, for diagnostics.
    pub fn manifest_name(self) -> &'static str {
        match self {
            Join::CargoWorkspace => "Cargo.toml",
            Join::PyProject | Join::UvWorkspace => "pyproject.toml",
        }
    }
}

/// A file name a format is fed under by the fuzzer and the malformed-input suite, and the
/// syntax the suite mutates it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// A relative path the format accepts (`.vscode/mcp.json`).
    pub file: &'static str,
    /// How the suite mutates it.
    pub syntax: Syntax,
}

impl Sample {
    /// A sample file name of a syntax.
    pub const fn new(file: &'static str, syntax: Syntax) -> Sample {
        Sample { file, syntax }
    }
}

/// The syntax of a format's files, as far as mutating them is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// TOML.
    Toml,
    /// JSON.
    Json,
    /// JSON with comments and trailing commas (editor settings files).
    Jsonc,
    /// YAML.
    Yaml,
    /// One entry a line (`requirements.txt`).
    Lines,
    /// Markdown with YAML front matter.
    Markdown,
    /// XML.
    Xml,
    /// Anything else: mutated byte by byte.
    Binary,
}

/// A git URL without its query, and the branch, tag or revision the query names
/// (`https://host/repo?branch=main`: Cargo's and uv's spelling).
pub(crate) fn git_query(url: &str) -> (&str, Option<GitReference>) {
    let Some((url, query)) = url.split_once('?') else {
        return (url, None);
    };
    let reference = query
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            Some(("branch", value)) => Some(GitReference::Branch(value.to_owned())),
            Some(("tag", value)) => Some(GitReference::Tag(value.to_owned())),
            Some(("rev", value)) => Some(GitReference::Rev(value.to_owned())),
            _ => None,
        });
    (url, reference)
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
