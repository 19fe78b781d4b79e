//! What an installed Python environment says about a package beyond its key (core metadata,
//! `INSTALLER`, the `RECORD` re-hash) and about the environment itself (its interpreter, the
//! files no `RECORD` accounts for, the `.pth` lines that run at every start). Filled by
//! [`crate::extract::python::installed`]; the `installed-*` and `pth-startup-code` rules match
//! on it.

use crate::location::Location;

/// Facts of an installed package or of the environment that holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstalledFacts {
    /// Core metadata `Summary`.
    pub summary: Option<String>,
    /// Who supplies the package: `Maintainer` (or `Author`) with its e-mail, as written.
    pub supplier: Option<String>,
    /// The tool that installed it (`INSTALLER`: `pip`, `uv`).
    pub installer: Option<String>,
    /// The `*.dist-info` or `*.egg-info` directory it was read from.
    pub metadata_directory: Option<String>,
    /// The interpreter version `pyvenv.cfg` records (the environment's root component only).
    pub interpreter_version: Option<String>,
    /// What re-hashing the files its `RECORD` lists found (packages only).
    pub integrity: Option<Integrity>,
    /// Python sources, path configuration files and executables that lie in the environment's
    /// `site-packages` but that no `RECORD` lists (the environment's root component only).
    pub unrecorded: Vec<String>,
    /// `import` lines of `.pth` files: code the interpreter runs at every start (the
    /// environment's root component only).
    pub startup_lines: Vec<StartupLine>,
    /// The `*.dist-info` directory whose SBOM (PEP 770, `sboms/`) lists this component: it is
    /// bundled inside that package, not installed on its own.
    pub bundled_in: Option<String>,
}

impl InstalledFacts {
    /// Folds what another file said in: each fact is kept from the first file that stated it.
    pub fn merge(&mut self, other: InstalledFacts) {
        let InstalledFacts {
            summary,
            supplier,
            installer,
            metadata_directory,
            interpreter_version,
            integrity,
            unrecorded,
            startup_lines,
            bundled_in,
        } = other;
        let first = |mine: &mut Option<String>, theirs: Option<String>| {
            if mine.is_none() {
                *mine = theirs;
            }
        };
        first(&mut self.summary, summary);
        first(&mut self.supplier, supplier);
        first(&mut self.installer, installer);
        first(&mut self.metadata_directory, metadata_directory);
        first(&mut self.interpreter_version, interpreter_version);
        first(&mut self.bundled_in, bundled_in);
        if self.integrity.is_none() {
            self.integrity = integrity;
        }
        if self.unrecorded.is_empty() {
            self.unrecorded = unrecorded;
        }
        if self.startup_lines.is_empty() {
            self.startup_lines = startup_lines;
        }
    }
}

/// The outcome of re-hashing an installed package's files against its `RECORD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    /// The `RECORD` was read: `verified` files hashed as listed, `problems` did not.
    Checked {
        /// How many listed files hashed as listed.
        verified: usize,
        /// The listed files that did not.
        problems: Vec<FileProblem>,
    },
    /// The `RECORD` is absent or cannot be read: nothing is known about the files.
    Unknown {
        /// Why nothing is known.
        reason: String,
        /// The `RECORD` (or the metadata directory that lacks one).
        location: Location,
    },
}

/// One file an installed package's `RECORD` lists that is not as listed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileProblem {
    /// Scan-relative path of the file.
    pub path: String,
    /// What is wrong with it.
    pub problem: FileProblemKind,
}

/// What is wrong with a listed file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileProblemKind {
    /// Its content hashes to something else (or its size differs).
    Modified {
        /// The digest `RECORD` lists.
        expected: String,
        /// The digest of the file as it is.
        found: String,
    },
    /// It is not there.
    Missing,
    /// It is there but its list does not name it (an entry of a wheel that its `RECORD` does
    /// not list, a file of a vendored crate its `.cargo-checksum.json` does not list).
    Unlisted,
    /// It could not be checked (a hash algorithm airlock does not compute, a link out of the
    /// scanned tree, a read error): its integrity is unknown.
    Unverifiable {
        /// Why it could not be checked.
        reason: String,
    },
}

/// One executable line of a `.pth` file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StartupLine {
    /// The `.pth` file and the line.
    pub location: Location,
    /// The line as written (cut to a readable length).
    pub text: String,
    /// The `*.dist-info` directory whose `RECORD` lists the `.pth` file, if any.
    pub recorded_by: Option<String>,
}
