//! Ecosystems: which package universe a component lives in, and what follows from that (its
//! OSV ecosystem name, its purl type, how its versions are ordered).

use std::fmt;

/// A package universe. Closed on purpose: every ecosystem needs name normalization, a purl type
/// and a version scheme, and a `match` keeps all three complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    /// The Python Package Index (PEP 503 names, PEP 440 versions).
    PyPI,
    /// crates.io and other Cargo registries (exact names, SemVer versions).
    CratesIo,
    /// A model repository on the Hugging Face hub (`org/name`, revision as version).
    HuggingFaceModel,
    /// A dataset repository on the Hugging Face hub.
    HuggingFaceDataset,
    /// A plain file found by the scan (weights, scripts) with no package universe.
    GenericFile,
    /// The npm registry (exact, case-sensitive names with optional `@scope/`; SemVer versions).
    Npm,
    /// Container images (Docker Hub or another registry; a tag or a digest as version).
    Docker,
}

/// How versions of an ecosystem are ordered; the advisories crate implements each scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionScheme {
    /// PEP 440.
    Pep440,
    /// Semantic Versioning 2.0 as Cargo reads it.
    SemVer,
    /// No order: revisions and digests compare only for equality.
    Opaque,
}

impl Ecosystem {
    /// Every ecosystem, in a stable order.
    pub const ALL: [Ecosystem; 7] = [
        Ecosystem::PyPI,
        Ecosystem::CratesIo,
        Ecosystem::HuggingFaceModel,
        Ecosystem::HuggingFaceDataset,
        Ecosystem::GenericFile,
        Ecosystem::Npm,
        Ecosystem::Docker,
    ];

    /// airlock's stable identifier, used in JSON output and ignore keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::PyPI => "pypi",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::HuggingFaceModel => "huggingface-model",
            Ecosystem::HuggingFaceDataset => "huggingface-dataset",
            Ecosystem::GenericFile => "generic",
            Ecosystem::Npm => "npm",
            Ecosystem::Docker => "docker",
        }
    }

    /// The ecosystem's name in OSV records, where OSV has one.
    pub fn osv_name(self) -> Option<&'static str> {
        match self {
            Ecosystem::PyPI => Some("PyPI"),
            Ecosystem::CratesIo => Some("crates.io"),
            Ecosystem::Npm => Some("npm"),
            Ecosystem::HuggingFaceModel
            | Ecosystem::HuggingFaceDataset
            | Ecosystem::GenericFile
            | Ecosystem::Docker => None,
        }
    }

    /// The purl type (purl-spec `PURL-TYPES.rst`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::PyPI => "pypi",
            Ecosystem::CratesIo => "cargo",
            Ecosystem::HuggingFaceModel | Ecosystem::HuggingFaceDataset => "huggingface",
            Ecosystem::GenericFile => "generic",
            Ecosystem::Npm => "npm",
            Ecosystem::Docker => "docker",
        }
    }

    /// How versions in this ecosystem are ordered.
    pub fn version_scheme(self) -> VersionScheme {
        match self {
            Ecosystem::PyPI => VersionScheme::Pep440,
            Ecosystem::CratesIo | Ecosystem::Npm => VersionScheme::SemVer,
            Ecosystem::HuggingFaceModel
            | Ecosystem::HuggingFaceDataset
            | Ecosystem::GenericFile
            | Ecosystem::Docker => VersionScheme::Opaque,
        }
    }

    /// Reads [`Ecosystem::as_str`] or the OSV name back (case-insensitive).
    pub fn from_name(text: &str) -> Option<Ecosystem> {
        Ecosystem::ALL.into_iter().find(|ecosystem| {
            ecosystem.as_str().eq_ignore_ascii_case(text)
                || ecosystem
                    .osv_name()
                    .is_some_and(|osv| osv.eq_ignore_ascii_case(text))
        })
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for ecosystem in Ecosystem::ALL {
            assert_eq!(Ecosystem::from_name(ecosystem.as_str()), Some(ecosystem));
            if let Some(osv) = ecosystem.osv_name() {
                assert_eq!(Ecosystem::from_name(osv), Some(ecosystem));
            }
        }
        assert_eq!(Ecosystem::from_name("npm"), Some(Ecosystem::Npm));
        assert_eq!(Ecosystem::from_name("Go"), None);
    }
}
