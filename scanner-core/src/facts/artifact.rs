//! What a distributable artifact read as a file says beyond its key: a wheel, an sdist, a
//! `.crate` archive or a `cargo vendor` directory, and what checking its own list of file
//! hashes found (a wheel's `RECORD` against the archive's entries, a vendored crate's
//! `.cargo-checksum.json` against the files beside it). Filled by `extract/python/wheel.rs`,
//! `extract/python/sdist.rs`, `extract/cargo/crate_archive.rs` and
//! `extract/cargo/vendored.rs`; the `artifact-file-modified` rule matches on it.

use super::installed::Integrity;

/// Facts of one artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactFacts {
    /// What kind of artifact it is.
    pub kind: ArtifactKind,
    /// Scan-relative path of the artifact (the archive, or the vendored crate's directory).
    pub path: String,
    /// What checking the artifact's own file list found; `None` for kinds that carry none
    /// (an sdist, a `.crate`: their hash is checked against a lock by `verify --lock`).
    pub integrity: Option<Integrity>,
}

/// The kinds of artifacts airlock reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArtifactKind {
    /// A Python wheel (`*.whl`).
    Wheel,
    /// A Python source distribution (`*.tar.gz` with a `PKG-INFO`).
    Sdist,
    /// A crate archive (`*.crate`).
    Crate,
    /// A crate unpacked by `cargo vendor` (a directory with `.cargo-checksum.json`).
    VendoredCrate,
}

impl ArtifactKind {
    /// The kind's one spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Wheel => "wheel",
            ArtifactKind::Sdist => "sdist",
            ArtifactKind::Crate => "crate",
            ArtifactKind::VendoredCrate => "vendored-crate",
        }
    }

    /// The file its integrity is checked against, for messages.
    pub fn file_list(self) -> &'static str {
        match self {
            ArtifactKind::Wheel => "RECORD",
            ArtifactKind::VendoredCrate => ".cargo-checksum.json",
            ArtifactKind::Sdist | ArtifactKind::Crate => "file list",
        }
    }
}
