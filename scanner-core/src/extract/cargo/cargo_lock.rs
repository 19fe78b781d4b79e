//! `Cargo.lock`, format versions 1 to 4.
//!
//! - v1: no `version` key, dependencies written `name version (source)`, checksums in a
//!   `[metadata]` table keyed `checksum name version (source)`; very old files have `[root]`.
//! - v2: no `version` key, inline `checksum`, dependencies shortened to `name` or
//!   `name version` unless ambiguous.
//! - v3 (`version = 3`) and v4 (`version = 4`): v2's layout; v4 percent-encodes a git
//!   branch, tag or rev in the source's query, v3 writes it as it is.
//! - any version: `replace = "name version (source)"` on a package a `[replace]` section
//!   replaced (read as its one dependency), `[[patch.unused]]` (patches no package uses,
//!   which are not in the graph, and not read).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::cargo_toml::path_or_dot;
use super::{crate_name, parse_lock_source_as, parse_toml};
use crate::component::{
    Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Hash, HashAlgorithm, Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Join, NamedTarget, Parse,
    Reference, Requirement, Role, Sample, Syntax, Target,
};
use crate::link::Origin;
use crate::location::{Evidence, Location};
use crate::name::PackageName;

/// Reads `Cargo.lock`; the link stage joins it with the workspace's `Cargo.toml` files below it.
#[derive(Debug)]
pub struct CargoLockExtractor;

const ID: ExtractorId = "cargo/cargo-lock";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Cargo.lock v1-v4 with the workspace's Cargo.toml files (members, dev/build/target dependencies)",
    FileMatch::Names(&["Cargo.lock"]),
    &CargoLockExtractor,
)
.role(Role::Lock(Join::CargoWorkspace))
.fuzzed_as("cargo_lock", &[Sample::new("Cargo.lock", Syntax::Toml)]);

impl Parse for CargoLockExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let lock = LockFile::parse(input.path, input.bytes)?;
        Ok(entries(input, lock))
    }
}

/// The lock read alone: one component per `[[package]]` entry (a repeated entry gives a second
/// component with the same key, which the link stage reports), an entry without a `source`
/// keyed by the lock's directory (the link stage places it where its manifest lies), and one
/// reference by name per `dependencies` entry, resolved by the link stage among the lock's
/// entries ([`Origin::CargoLock`]).
fn entries(input: &Input<'_>, lock: LockFile) -> Extraction {
    let unplaced = Source::Path {
        path: path_or_dot(input.directory()),
    };
    let mut extraction = Extraction {
        diagnostics: lock.diagnostics,
        ..Extraction::default()
    };
    for package in lock.packages {
        let key = ComponentKey::new(
            Ecosystem::CratesIo,
            package.name,
            Some(package.version),
            package.source.unwrap_or_else(|| unplaced.clone()),
        );
        let location = input.location(Some(package.line));
        let mut component =
            Component::new(key.clone(), ComponentKind::Library).with_evidence(Evidence {
                location: location.clone(),
                extractor: ID,
            });
        component.hashes.extend(package.checksum);
        extraction.components.push(component);
        for dependency in package.dependencies {
            extraction.references.push(Reference {
                from: key.clone(),
                to: Target::Named(NamedTarget {
                    ecosystem: Ecosystem::CratesIo,
                    name: dependency.name,
                    requirement: Requirement::Exact {
                        version: dependency.version,
                        source: dependency.source,
                    },
                    origin: Origin::CargoLock,
                    written: None,
                }),
                kind: EdgeKind::Normal,
                conditions: EdgeDetails::default(),
                location: Some(location.clone()),
            });
        }
    }
    extraction
}

/// The lock format versions airlock reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockVersion {
    /// Version 1: dependencies always name version and source; checksums in `[metadata]`.
    V1,
    /// Version 2: short dependency entries, checksums on the packages.
    V2,
    /// Version 3: as 2, with a `version = 3` line.
    V3,
    /// Version 4: as 3, with git sources written in another form.
    V4,
}

impl LockVersion {
    /// The number of `version = N`.
    pub fn as_number(self) -> u8 {
        match self {
            LockVersion::V1 => 1,
            LockVersion::V2 => 2,
            LockVersion::V3 => 3,
            LockVersion::V4 => 4,
        }
    }
}

/// A `dependencies = [...]` entry: `name`, `name version` or `name version (source)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockReference {
    /// The name of the package depended on.
    pub name: PackageName,
    /// Its version, when the entry names one (needed when several are locked).
    pub version: Option<String>,
    /// `None` when the entry does not name a source (always so for path packages, and in v2+
    /// whenever the name and version alone are unambiguous).
    pub source: Option<Source>,
}

/// One `[[package]]`.
#[derive(Debug, Clone)]
pub struct LockedPackage {
    /// The package's name.
    pub name: PackageName,
    /// The locked version.
    pub version: String,
    /// `None` for packages without a `source`: workspace members and path dependencies.
    pub source: Option<Source>,
    /// The registry's SHA-256 of the crate file, when the lock records one.
    pub checksum: Option<Hash>,
    /// The packages it depends on, as the lock names them.
    pub dependencies: Vec<LockReference>,
    /// The line of the `[[package]]` header.
    pub line: u32,
}

/// A parsed lockfile with its per-entry diagnostics.
#[derive(Debug, Clone)]
pub struct LockFile {
    /// The lock format's version.
    pub version: LockVersion,
    /// Every `[[package]]`, in file order.
    pub packages: Vec<LockedPackage>,
    /// Problems with single entries; the rest of the lock was still read.
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Deserialize)]
struct WireLock {
    version: Option<Spanned<toml::Value>>,
    #[serde(default)]
    package: Vec<Spanned<WirePackage>>,
    root: Option<Spanned<WirePackage>>,
    #[serde(default)]
    metadata: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct WirePackage {
    name: Option<Spanned<String>>,
    version: Option<String>,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    /// `replace = "name version (source)"`: the package a manifest's `[replace]` put in its place.
    replace: Option<String>,
}

impl LockFile {
    /// Parses a lockfile; entry-level problems become diagnostics, file-level ones errors.
    pub fn parse(path: &str, bytes: &[u8]) -> Result<LockFile, ExtractError> {
        let (wire, index) = parse_toml::<WireLock>(path, bytes)?;
        let version = match &wire.version {
            None => {
                let has_v1_checksums = wire.metadata.keys().any(|key| key.starts_with("checksum "));
                let has_v1_references = wire
                    .package
                    .iter()
                    .flat_map(|package| package.get_ref().dependencies.iter())
                    .any(|dependency| dependency.ends_with(')'));
                if has_v1_checksums || has_v1_references || wire.root.is_some() {
                    LockVersion::V1
                } else {
                    LockVersion::V2
                }
            }
            Some(spanned) => match spanned.get_ref() {
                toml::Value::Integer(3) => LockVersion::V3,
                toml::Value::Integer(4) => LockVersion::V4,
                other => {
                    return Err(ExtractError::UnsupportedVersion {
                        location: Location::line(path, index.line(spanned.span().start)),
                        format: "Cargo.lock",
                        found: other.to_string(),
                        supported: "versions 1 to 4",
                    })
                }
            },
        };

        let mut diagnostics = Vec::new();
        let query_encoded = version == LockVersion::V4;
        let v1_checksums: BTreeMap<&str, &str> = wire
            .metadata
            .iter()
            .filter_map(|(key, value)| Some((key.strip_prefix("checksum ")?, value.as_str()?)))
            .collect();

        let entries = wire.root.iter().chain(wire.package.iter());
        let mut packages = Vec::new();
        for entry in entries {
            let line = index.line(entry.span().start);
            let location = Location::line(path, line);
            let package = entry.get_ref();
            let Some(name) = &package.name else {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    location,
                    "[[package]] without a `name`; skipped",
                ));
                continue;
            };
            let line = index.line(name.span().start);
            let location = Location::line(path, line);
            let name_text = name.get_ref();
            let name = match crate_name(name_text) {
                Ok(name) => name,
                Err(error) => {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::InvalidEntry,
                        location,
                        format!("{error}; skipped"),
                    ));
                    continue;
                }
            };
            let Some(version) = package.version.clone() else {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    location,
                    format!("package `{name}` has no `version`; skipped"),
                ));
                continue;
            };
            if semver::Version::parse(&version).is_err() {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    location.clone(),
                    format!("package `{name}` has version `{version}`, which is not SemVer; kept as written"),
                ));
            }
            let source = match &package.source {
                None => None,
                Some(text) => match parse_lock_source_as(text, query_encoded) {
                    Some(source) => Some(source),
                    None => {
                        diagnostics.push(Diagnostic::warning(
                            DiagnosticCode::InvalidEntry,
                            location,
                            format!("package `{name} {version}` has an unknown source `{text}`; skipped"),
                        ));
                        continue;
                    }
                },
            };
            let checksum_text = package.checksum.as_deref().or_else(|| {
                let v1_key = match &package.source {
                    Some(source) => format!("{name_text} {version} ({source})"),
                    None => format!("{name_text} {version}"),
                };
                v1_checksums.get(v1_key.as_str()).copied()
            });
            let checksum = match checksum_text {
                None | Some("<none>") => None,
                Some(text) => match Hash::new(HashAlgorithm::Sha256, text) {
                    Ok(hash) => Some(hash),
                    Err(error) => {
                        diagnostics.push(Diagnostic::warning(
                            DiagnosticCode::InvalidEntry,
                            location.clone(),
                            format!("checksum of `{name} {version}`: {error}; ignored"),
                        ));
                        None
                    }
                },
            };
            let mut dependencies = Vec::new();
            // A package `[replace]`d by another (cargo's `replace = "…"`, written instead of
            // its dependencies): what cargo builds in its place is the replacement, so the
            // replaced package, kept as the name and version the manifests asked for, gets
            // one edge, to its replacement, whose own dependencies follow from there.
            for text in package.dependencies.iter().chain(&package.replace) {
                match parse_reference(text, query_encoded) {
                    Some(reference) => dependencies.push(reference),
                    None => diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::InvalidEntry,
                        location.clone(),
                        format!("dependency entry `{text}` of `{name} {version}` is not `name [version [(source)]]`; skipped"),
                    )),
                }
            }
            packages.push(LockedPackage {
                name,
                version,
                source,
                checksum,
                dependencies,
                line,
            });
        }
        Ok(LockFile {
            version,
            packages,
            diagnostics,
        })
    }
}

/// Reads `name`, `name version` or `name version (source)` (`query_encoded`: a v4 lock's git
/// reference, see [`parse_lock_source_as`]).
fn parse_reference(text: &str, query_encoded: bool) -> Option<LockReference> {
    let mut parts = text.splitn(3, ' ');
    let name = crate_name(parts.next()?).ok()?;
    let version = parts.next().map(str::to_owned);
    let source = match parts.next() {
        None => None,
        Some(rest) => {
            let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
            Some(parse_lock_source_as(inner, query_encoded)?)
        }
    };
    Some(LockReference {
        name,
        version,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let full = parse_reference(
            "serde 1.0.101 (registry+https://github.com/rust-lang/crates.io-index)",
            false,
        )
        .unwrap();
        assert_eq!(full.name.original(), "serde");
        assert_eq!(full.version.as_deref(), Some("1.0.101"));
        assert_eq!(full.source, Some(Source::DEFAULT_REGISTRY));
        let short = parse_reference("serde", false).unwrap();
        assert_eq!((short.version, short.source), (None, None));
        assert!(parse_reference("serde 1.0 (nonsense)", false).is_none());
        assert!(parse_reference("", false).is_none());
    }

    #[test]
    fn versions_are_detected() {
        let v1 = "[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"b 0.1.0 (registry+https://github.com/rust-lang/crates.io-index)\"]\n";
        assert_eq!(
            LockFile::parse("Cargo.lock", v1.as_bytes())
                .unwrap()
                .version,
            LockVersion::V1
        );
        let v2 = "[[package]]\nname = \"a\"\nversion = \"0.1.0\"\ndependencies = [\"b\"]\n";
        assert_eq!(
            LockFile::parse("Cargo.lock", v2.as_bytes())
                .unwrap()
                .version,
            LockVersion::V2
        );
        let v4 = "version = 4\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n";
        assert_eq!(
            LockFile::parse("Cargo.lock", v4.as_bytes())
                .unwrap()
                .version,
            LockVersion::V4
        );
    }

    #[test]
    fn unknown_version_names_file_and_line() {
        let error = LockFile::parse("w/Cargo.lock", b"# head\nversion = 9\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "w/Cargo.lock:2: unsupported Cargo.lock version `9` (airlock reads versions 1 to 4)"
        );
        let error = LockFile::parse("w/Cargo.lock", b"version = \"x\"\n").unwrap_err();
        assert!(matches!(error, ExtractError::UnsupportedVersion { .. }));
    }

    #[test]
    fn bad_entries_are_diagnostics_not_failures() {
        let text = "version = 3\n[[package]]\nversion = \"1.0.0\"\n\n[[package]]\nname = \"ok\"\nversion = \"1.0.0\"\nchecksum = \"zz\"\n";
        let lock = LockFile::parse("Cargo.lock", text.as_bytes()).unwrap();
        assert_eq!(lock.packages.len(), 1);
        let lines: Vec<_> = lock
            .diagnostics
            .iter()
            .map(|d| d.location.as_ref().unwrap().line)
            .collect();
        assert_eq!(lines, [Some(2), Some(6)]);
    }

    #[test]
    fn every_source_kind_becomes_a_key_a_purl_and_a_hash() {
        let text = r#"version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["internal", "forked", "serde"]

[[package]]
name = "internal"
version = "2.0.0"
source = "sparse+https://crates.example.com/index/"
checksum = "ddc6f9cc94d67c0e21aaf7eda3a010fd3af78ebf6e096aa6e2e13c79749cce4f"

[[package]]
name = "forked"
version = "0.3.0"
source = "git+https://github.com/example/forked?tag=v0.3.0#0123456789abcdef0123456789abcdef01234567"

[[package]]
name = "serde"
version = "1.0.200"
source = "sparse+https://index.crates.io/"
checksum = "DDC6F9CC94D67C0E21AAF7EDA3A010FD3AF78EBF6E096AA6E2E13C79749CCE4F"
"#;
        let extraction = CargoLockExtractor
            .parse(&Input::new("Cargo.lock", text.as_bytes()))
            .unwrap();
        let purls: Vec<String> = extraction
            .components
            .iter()
            .map(|c| c.purl().to_string())
            .collect();
        assert_eq!(
            purls,
            [
                // The workspace's own package is local (docs/sbom.md, "Local projects").
                "pkg:cargo/app@0.1.0?download_url=file:%2F%2F.",
                "pkg:cargo/internal@2.0.0?repository_url=sparse%2Bhttps:%2F%2Fcrates.example.com%2Findex%2F",
                "pkg:cargo/forked@0.3.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fexample%2Fforked%400123456789abcdef0123456789abcdef01234567",
                "pkg:cargo/serde@1.0.200",
            ]
        );
        let serde = extraction
            .components
            .iter()
            .find(|c| c.key.name.original() == "serde")
            .unwrap();
        assert_eq!(
            serde.key.source,
            Source::DEFAULT_REGISTRY,
            "the sparse crates.io index is crates.io"
        );
        let hash = serde.hashes.iter().next().unwrap();
        assert_eq!(
            (hash.algorithm(), hash.value().as_str()),
            (
                HashAlgorithm::Sha256,
                "ddc6f9cc94d67c0e21aaf7eda3a010fd3af78ebf6e096aa6e2e13c79749cce4f"
            )
        );
        let forked = extraction
            .components
            .iter()
            .find(|c| c.key.name.original() == "forked")
            .unwrap();
        assert!(
            matches!(&forked.key.source, Source::Git { reference: Some(crate::component::GitReference::Tag(tag)), .. } if tag == "v0.3.0")
        );
        assert_eq!(extraction.references.len(), 3);
    }

    #[test]
    fn truncated_toml_is_an_error_with_a_line() {
        let error = LockFile::parse(
            "Cargo.lock",
            b"version = 3\n\n[[package]]\nname = \"a\nversion",
        )
        .unwrap_err();
        let location = error.location();
        assert_eq!(location.path, "Cargo.lock");
        // The unterminated string opens on line 4; the parser notices at the end of input.
        assert_eq!(location.line, Some(5));
        assert!(error.to_string().starts_with("Cargo.lock:5:"), "{error}");
    }
}
