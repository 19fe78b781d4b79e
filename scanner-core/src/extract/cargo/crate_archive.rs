//! Crate archives (`*.crate`, what `cargo package` writes and crates.io serves): a
//! gzip-compressed tar archive whose top directory `{name}-{version}/` holds the normalized
//! `Cargo.toml`. The SHA-256 of the archive is the `checksum` a `Cargo.lock` pins, so a folder
//! of `.crate` files is checked against a lock by its hashes (`airlock verify --lock`). The
//! archive is streamed ([`crate::extract::gzip_tar`]) up to its `Cargo.toml`; nothing is
//! extracted.
//!
//! [`read`] is a pure function of a reader, for the image walker too.

use std::io::Read;

use serde::Deserialize;

use crate::component::{Component, ComponentKey, ComponentKind, Source};
use crate::ecosystem::Ecosystem;
use crate::extract::gzip_tar::{self, Limits};
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileDigest, FileMatch, Format, Input, Parse,
    Sample, Syntax,
};
use crate::facts::artifact::{ArtifactFacts, ArtifactKind};
use crate::location::{Evidence, Location};

/// The row's id.
pub const ID: ExtractorId = "cargo/crate-archive";

const HEAD_BYTES: u64 = 64 * 1024;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Crate archives (*.crate): name, version and license from the packaged Cargo.toml, streamed without extracting; the archive's SHA-256 (Cargo.lock's checksum)",
    FileMatch::Extensions(&["crate"]),
    &CrateArchive,
)
.header_and_digest(HEAD_BYTES)
.fuzzed_as(
    "cargo_crate_archive",
    &[Sample::new("demo-1.0.0.crate", Syntax::Binary)],
);

struct CrateArchive;

impl Parse for CrateArchive {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let digest = input
            .files
            .digest(input.path)
            .unwrap_or_else(|_| input.files.digest_of(input.bytes));
        match input.files.open(input.path) {
            Ok(reader) => read(input.path, reader, Some(&digest)),
            Err(_) => read(input.path, input.bytes, Some(&digest)),
        }
    }
}

#[derive(Deserialize)]
struct Manifest {
    package: Option<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    version: Option<toml::Value>,
    license: Option<toml::Value>,
}

/// The component a packaged `Cargo.toml` (of a `.crate` or a vendored crate) describes, as a
/// crates.io package.
pub(crate) fn packaged_component(
    manifest_path: &str,
    bytes: &[u8],
    extractor: ExtractorId,
) -> Result<Component, ExtractError> {
    let (manifest, _) = super::parse_toml::<Manifest>(manifest_path, bytes)?;
    let error = |message: &str| ExtractError::Parse {
        location: Location::file(manifest_path),
        message: message.to_owned(),
    };
    let package = manifest
        .package
        .ok_or_else(|| error("the packaged Cargo.toml has no [package] table"))?;
    let version = match package.version {
        Some(toml::Value::String(version)) => version,
        _ => {
            return Err(error(
                "the packaged Cargo.toml has no `package.version` string",
            ))
        }
    };
    let name =
        super::crate_name(&package.name).map_err(|name_error| error(&name_error.to_string()))?;
    let key = ComponentKey::new(
        Ecosystem::CratesIo,
        name,
        Some(version),
        Source::DEFAULT_REGISTRY,
    );
    let mut component = Component::new(key, ComponentKind::Library).with_evidence(Evidence {
        location: Location::file(manifest_path),
        extractor,
    });
    if let Some(toml::Value::String(license)) = package.license {
        component.licenses.insert(license);
    }
    Ok(component)
}

/// Reads the crate archive at scan-relative `path` from `reader`: its package, with `digest`
/// (the archive's own) as its hash.
pub fn read(
    path: &str,
    reader: impl Read,
    digest: Option<&FileDigest>,
) -> Result<Extraction, ExtractError> {
    let is_manifest = |name: &str| gzip_tar::top_level_member(name, "Cargo.toml");
    let members = gzip_tar::read_members(reader, Limits::default(), is_manifest, |kept| {
        !kept.is_empty()
    })
    .map_err(|message| ExtractError::Parse {
        location: Location::file(path),
        message: format!("not a crate archive: {message}"),
    })?;
    let member = members
        .into_iter()
        .next()
        .ok_or_else(|| ExtractError::Parse {
            location: Location::file(path),
            message: "not a crate archive: no top-level Cargo.toml".to_owned(),
        })?;
    let name = member.name.strip_prefix("./").unwrap_or(&member.name);
    let mut component = packaged_component(&join_path(path, name), &member.bytes, ID)?;
    if let Some(digest) = digest {
        component.hashes.extend(digest.hashes());
    }
    component.facts.artifact = Some(Box::new(ArtifactFacts {
        kind: ArtifactKind::Crate,
        path: path.to_owned(),
        integrity: None,
    }));
    Ok(Extraction {
        roots: vec![component.key.clone()],
        components: vec![component],
        ..Extraction::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::gzip_tar::tests::archive;

    #[test]
    fn the_packaged_manifest_names_the_crate() {
        let bytes = archive(&[
            ("demo-1.0.0/Cargo.toml", b"[package]\nname = \"demo\"\nversion = \"1.0.0\"\nlicense = \"MIT OR Apache-2.0\"\n"),
            ("demo-1.0.0/src/lib.rs", b""),
        ]);
        let extraction = FORMAT
            .extract(&Input::new("demo-1.0.0.crate", &bytes))
            .unwrap();
        let component = extraction.components.first().unwrap();
        assert_eq!(component.key.reference(), "pkg:cargo/demo@1.0.0");
        assert!(component.licenses.contains("MIT OR Apache-2.0"));
        assert_eq!(component.hashes.len(), 1);
        assert!(FORMAT.extract(&Input::new("x.crate", b"junk")).is_err());
    }
}
