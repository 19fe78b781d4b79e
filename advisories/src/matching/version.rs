//! Version ordering per ecosystem, as OSV ranges need it: PEP 440 for PyPI (epochs, pre, post
//! and dev releases, local versions, zero padding) and SemVer 2.0 for crates.io and npm
//! (pre-release precedence, build metadata ignored).
//!
//! A version that does not parse is an error, never "smaller than everything": the caller turns
//! it into an *undetermined* outcome rather than a silent "not affected".

use std::cmp::Ordering;
use std::str::FromStr;

use scanner_core::Ecosystem;

/// How versions of an ecosystem are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionScheme {
    /// PEP 440 (PyPI).
    Pep440,
    /// SemVer 2.0 (crates.io, and OSV `SEMVER` ranges anywhere).
    SemVer,
}

impl VersionScheme {
    /// The ordering OSV `ECOSYSTEM` ranges use for this ecosystem; `None` when airlock does not
    /// know how that ecosystem orders versions.
    pub fn for_ecosystem(ecosystem: Ecosystem) -> Option<VersionScheme> {
        match ecosystem {
            Ecosystem::PyPI => Some(VersionScheme::Pep440),
            // npm versions are SemVer 2.0 (node-semver orders them the same way: pre-releases
            // before the release, build metadata ignored).
            Ecosystem::CratesIo | Ecosystem::Npm => Some(VersionScheme::SemVer),
            _ => None,
        }
    }

    /// The scheme's name in messages (`PEP 440`, `SemVer`).
    pub fn name(self) -> &'static str {
        match self {
            VersionScheme::Pep440 => "PEP 440",
            VersionScheme::SemVer => "SemVer",
        }
    }

    /// Parses `text` under this scheme.
    pub fn parse(self, text: &str) -> Result<Version, VersionError> {
        let trimmed = text.trim();
        let invalid = |reason: String| VersionError {
            text: trimmed.to_owned(),
            scheme: self,
            reason,
        };
        match self {
            VersionScheme::Pep440 => pep440_rs::Version::from_str(trimmed)
                .map(Version::Pep440)
                .map_err(|error| invalid(error.to_string())),
            VersionScheme::SemVer => semver::Version::parse(trimmed)
                .map(Version::SemVer)
                .map_err(|error| invalid(error.to_string())),
        }
    }
}

/// A version that does not parse under its scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a {} version: {reason}", scheme.name())]
pub struct VersionError {
    /// The version as written in the record or the lockfile.
    pub text: String,
    /// The scheme it was read under (chosen by the ecosystem, never guessed from the text).
    pub scheme: VersionScheme,
    /// The parser's reason, for the message.
    pub reason: String,
}

/// A parsed version. Versions of different schemes never compare equal and order PEP 440
/// before SemVer, which only matters if a caller mixes schemes by mistake.
#[derive(Debug, Clone)]
pub enum Version {
    /// A Python version (PyPI), with PEP 440's ordering of pre-, post- and dev releases.
    Pep440(pep440_rs::Version),
    /// A crates.io or npm version, with SemVer's ordering of pre-releases.
    SemVer(semver::Version),
}

impl Version {
    /// The scheme the version was parsed under.
    pub fn scheme(&self) -> VersionScheme {
        match self {
            Version::Pep440(_) => VersionScheme::Pep440,
            Version::SemVer(_) => VersionScheme::SemVer,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        match (self, other) {
            (Version::Pep440(mine), Version::Pep440(theirs)) => mine.cmp(theirs),
            // SemVer §10: build metadata MUST be ignored when determining precedence, but the
            // semver crate's `Ord` compares it; compare precedence fields only.
            (Version::SemVer(mine), Version::SemVer(theirs)) => (
                mine.major, mine.minor, mine.patch, &mine.pre,
            )
                .cmp(&(theirs.major, theirs.minor, theirs.patch, &theirs.pre)),
            (Version::Pep440(_), Version::SemVer(_)) => Ordering::Less,
            (Version::SemVer(_), Version::Pep440(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl std::fmt::Display for Version {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Version::Pep440(version) => version.fmt(formatter),
            Version::SemVer(version) => version.fmt(formatter),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pep(text: &str) -> Version {
        VersionScheme::Pep440.parse(text).unwrap()
    }

    fn sem(text: &str) -> Version {
        VersionScheme::SemVer.parse(text).unwrap()
    }

    #[test]
    fn pep_440_corners() {
        assert_eq!(pep("2022.12.07"), pep("2022.12.7"), "zero padding");
        assert_eq!(pep("1.0"), pep("1.0.0"), "trailing zeros");
        assert!(pep("1!0.1") > pep("2000.0"), "epochs first");
        assert!(pep("1.0.dev1") < pep("1.0a1"));
        assert!(pep("1.0a1") < pep("1.0b1"));
        assert!(pep("1.0rc1") < pep("1.0"));
        assert!(pep("1.0") < pep("1.0.post1"));
        assert!(
            pep("1.0") < pep("1.0+cu123"),
            "a local version sorts after its public one"
        );
        assert!(pep("1.0+cu123") < pep("1.0.1"));
        assert!(VersionScheme::Pep440.parse("not.a.version").is_err());
    }

    #[test]
    fn semver_corners() {
        assert!(sem("1.0.0-alpha") < sem("1.0.0-alpha.1"));
        assert!(sem("1.0.0-alpha.1") < sem("1.0.0-alpha.beta"));
        assert!(sem("1.0.0-beta.2") < sem("1.0.0-beta.11"));
        assert!(sem("1.0.0-rc.1") < sem("1.0.0"));
        assert_eq!(
            sem("1.0.0+build.1"),
            sem("1.0.0+build.2"),
            "build metadata ignored"
        );
        assert!(
            VersionScheme::SemVer.parse("1.0").is_err(),
            "SemVer needs three parts"
        );
    }

    fn pep440_text() -> impl Strategy<Value = String> {
        (
            0u8..2,
            proptest::collection::vec(0u16..12, 1..4),
            proptest::option::of((0u8..3, 0u8..3)),
            proptest::option::of(0u8..3),
            proptest::option::of(0u8..3),
        )
            .prop_map(|(epoch, release, pre, post, dev)| {
                let mut text = String::new();
                if epoch > 0 {
                    text.push_str(&format!("{epoch}!"));
                }
                let parts: Vec<String> = release.iter().map(ToString::to_string).collect();
                text.push_str(&parts.join("."));
                if let Some((kind, number)) = pre {
                    text.push_str(["a", "b", "rc"].get(usize::from(kind)).unwrap());
                    text.push_str(&number.to_string());
                }
                if let Some(number) = post {
                    text.push_str(&format!(".post{number}"));
                }
                if let Some(number) = dev {
                    text.push_str(&format!(".dev{number}"));
                }
                text
            })
    }

    fn semver_text() -> impl Strategy<Value = String> {
        (
            0u8..3,
            0u8..3,
            0u8..3,
            proptest::option::of(proptest::collection::vec(
                prop_oneof![
                    Just("alpha".to_owned()),
                    Just("beta".to_owned()),
                    (0u8..12).prop_map(|n| n.to_string())
                ],
                1..3,
            )),
        )
            .prop_map(|(major, minor, patch, pre)| match pre {
                Some(parts) => format!("{major}.{minor}.{patch}-{}", parts.join(".")),
                None => format!("{major}.{minor}.{patch}"),
            })
    }

    proptest! {
        /// Ordering is total and consistent: antisymmetric, transitive, and equality agrees
        /// with ordering, for both schemes.
        #[test]
        fn pep440_ordering_is_a_total_order(a in pep440_text(), b in pep440_text(), c in pep440_text()) {
            let (a, b, c) = (pep(&a), pep(&b), pep(&c));
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            if a <= b && b <= c {
                prop_assert!(a <= c);
            }
            prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
        }

        #[test]
        fn semver_ordering_is_a_total_order(a in semver_text(), b in semver_text(), c in semver_text()) {
            let (a, b, c) = (sem(&a), sem(&b), sem(&c));
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            if a <= b && b <= c {
                prop_assert!(a <= c);
            }
        }

        /// Zero padding and trailing zeros never change a PEP 440 version.
        #[test]
        fn pep440_padding_is_equality(release in proptest::collection::vec(0u16..100, 1..4), zeros in 0usize..3) {
            let plain: Vec<String> = release.iter().map(ToString::to_string).collect();
            let padded: Vec<String> = release.iter().map(|n| format!("{n:02}")).collect();
            let mut extended = plain.clone();
            extended.extend(std::iter::repeat_n("0".to_owned(), zeros));
            prop_assert_eq!(pep(&plain.join(".")), pep(&padded.join(".")));
            prop_assert_eq!(pep(&plain.join(".")), pep(&extended.join(".")));
        }
    }
}
