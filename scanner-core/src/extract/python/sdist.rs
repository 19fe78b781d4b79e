//! Python source distributions (`*.tar.gz`, the sdist format of the PyPA): a gzip-compressed
//! tar archive whose single top directory `{name}-{version}/` holds `PKG-INFO` (core
//! metadata). Read as a stream ([`crate::extract::gzip_tar`]): the members before `PKG-INFO`
//! are decompressed and dropped, nothing is extracted, and the walk stops at `PKG-INFO`. A
//! `.tar.gz` without a top-level `PKG-INFO` is no sdist and gives nothing. The component's hash
//! is the SHA-256 of the archive, the digest a lock pins.
//!
//! [`read`] and [`identity`] are pure functions of a reader, for the image walker too.

use std::io::Read;
use std::path::Path;

use super::installed;
use crate::component::ComponentKey;
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::gzip_tar::{self, Limits};
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileDigest, FileMatch, Format, Input,
    NoFiles, Parse, Sample, Syntax,
};
use crate::facts::artifact::{ArtifactFacts, ArtifactKind};
use crate::location::Location;

/// The row's id.
pub const ID: ExtractorId = "python/sdist";

/// Bytes of the archive the driver hands over (the parser streams the rest).
const HEAD_BYTES: u64 = 64 * 1024;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Python source distributions (*.tar.gz with a top-level PKG-INFO): core metadata read from the gzip+tar stream without extracting, the archive's SHA-256",
    FileMatch::Custom(accepts),
    &Sdist,
)
.header_and_digest(HEAD_BYTES)
.fuzzed_as(
    "python_sdist",
    &[Sample::new("demo-1.0.tar.gz", Syntax::Binary)],
);

/// `*.tar.gz`, in any case.
fn accepts(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| {
            let name = name.to_ascii_lowercase();
            name.len() > ".tar.gz".len() && name.ends_with(".tar.gz")
        })
}

/// A decompression budget far above any real sdist's metadata position.
fn limits() -> Limits {
    Limits {
        max_decompressed_bytes: 2 * 1024 * 1024 * 1024,
        ..Limits::default()
    }
}

struct Sdist;

impl Parse for Sdist {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let digest = input
            .files
            .digest(input.path)
            .unwrap_or_else(|_| input.files.digest_of(input.bytes));
        let outcome = match input.files.open(input.path) {
            Ok(reader) => read(input.path, reader, Some(&digest)),
            Err(_) => read(input.path, input.bytes, Some(&digest)),
        };
        match outcome {
            Ok(Some(extraction)) => Ok(extraction),
            Ok(None) => Ok(Extraction::default()),
            // A `.tar.gz` that cannot be walked may be anything, but it was not looked into: a
            // warning says so (an sdist that is not read must not pass for clean).
            Err(message) => Ok(Extraction {
                diagnostics: vec![Diagnostic::warning(
                    DiagnosticCode::ParseError,
                    Location::file(input.path),
                    format!("not read as a Python sdist: {message}"),
                )],
                ..Extraction::default()
            }),
        }
    }
}

/// The top-level `PKG-INFO` of the archive, with its path inside it.
fn pkg_info(reader: impl Read) -> Result<Option<(String, Vec<u8>)>, String> {
    let is_pkg_info = |name: &str| gzip_tar::top_level_member(name, "PKG-INFO");
    let members = gzip_tar::read_members(reader, limits(), is_pkg_info, |kept| !kept.is_empty())?;
    Ok(members.into_iter().next().map(|member| {
        let name = member
            .name
            .strip_prefix("./")
            .unwrap_or(&member.name)
            .to_owned();
        (name, member.bytes)
    }))
}

/// The package an sdist holds, from its `PKG-INFO`; `Ok(None)`: a tar.gz that is no sdist.
pub fn identity(path: &str, reader: impl Read) -> Result<Option<ComponentKey>, String> {
    Ok(read(path, reader, None)?.and_then(|extraction| {
        extraction
            .components
            .into_iter()
            .next()
            .map(|component| component.key)
    }))
}

/// Reads the sdist at scan-relative `path` from `reader`; `Ok(None)` when the archive has no
/// top-level `PKG-INFO` (not an sdist), `Err` when it cannot be walked.
pub fn read(
    path: &str,
    reader: impl Read,
    digest: Option<&FileDigest>,
) -> Result<Option<Extraction>, String> {
    let Some((member, bytes)) = pkg_info(reader)? else {
        return Ok(None);
    };
    let metadata_path = join_path(path, &member);
    let directory = crate::extract::parent_directory(&metadata_path).to_owned();
    let parsed = installed::core_metadata::parse(&metadata_path, &bytes)
        .map_err(|error| error.to_string())?;
    let mut diagnostics = Vec::new();
    let package = installed::package(
        &directory,
        &metadata_path,
        &parsed,
        &NoFiles,
        &mut diagnostics,
    )
    .map_err(|error: ExtractError| error.to_string())?;
    let mut extraction = Extraction {
        diagnostics,
        ..Extraction::default()
    };
    package.add_as_artifact(
        ArtifactFacts {
            kind: ArtifactKind::Sdist,
            path: path.to_owned(),
            integrity: None,
        },
        digest,
        &mut extraction,
    );
    Ok(Some(extraction))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::gzip_tar::tests::archive;
    use crate::extract::MemoryFiles;

    #[test]
    fn pkg_info_names_the_package_and_other_archives_give_nothing() {
        let bytes = archive(&[
            ("demo-1.0/setup.py", b"from setuptools import setup\n"),
            (
                "demo-1.0/PKG-INFO",
                b"Metadata-Version: 2.2\nName: Demo\nVersion: 1.0\nLicense-Expression: MIT\nRequires-Dist: other\n",
            ),
        ]);
        let path = "dist/demo-1.0.tar.gz";
        let files = MemoryFiles::new().with(path, bytes.clone());
        let extraction = FORMAT
            .extract(&Input::new(path, &bytes).with_files(&files))
            .unwrap();
        let component = extraction.components.first().unwrap();
        assert_eq!(component.key.reference(), "pkg:pypi/demo@1.0");
        assert_eq!(component.hashes.len(), 1);
        assert_eq!(extraction.references.len(), 1);
        let plain = archive(&[("data/a.csv", b"1,2\n")]);
        assert!(FORMAT
            .extract(&Input::new("data.tar.gz", &plain))
            .unwrap()
            .components
            .is_empty());
        let broken = FORMAT
            .extract(&Input::new("x.tar.gz", b"not gzip"))
            .unwrap();
        assert_eq!(broken.diagnostics.len(), 1);
        assert!(accepts(Path::new("a/B-1.TAR.GZ")));
        assert!(!accepts(Path::new(".tar.gz")));
    }
}
