//! Package URLs (purl-spec), derived from a component key for output only. Identity is always
//! the key: a purl is never parsed back to decide whether two components are the same.
//!
//! Encoding and the per-type rules (lowercased PyPI names, `_` → `-`, required namespaces) come
//! from the `packageurl` crate, which tracks the purl-spec test suite.

use std::collections::BTreeMap;
use std::fmt;

use packageurl::PackageUrl;

use crate::component::{ComponentKey, Source};
use crate::ecosystem::Ecosystem;

/// A canonical purl string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Purl(String);

/// The parts of a purl, as read back by [`Purl::parse`] (used to check round trips and to read
/// purls that come from other tools' SBOMs, never for identity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlParts {
    /// `pkg:<type>/`: `cargo`, `pypi`, `npm`, `huggingface`, `generic`, ...
    pub purl_type: String,
    /// The namespace (npm scope, Hugging Face owner), decoded.
    pub namespace: Option<String>,
    /// The name, decoded.
    pub name: String,
    /// The version, decoded.
    pub version: Option<String>,
    /// `?key=value` qualifiers (`repository_url`, `download_url`), decoded.
    pub qualifiers: BTreeMap<String, String>,
    /// `#subpath`, decoded.
    pub subpath: Option<String>,
}

/// A purl could not be read or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid package URL `{text}`: {reason}")]
pub struct PurlError {
    /// The text that is not a purl (or the part that could not be built).
    pub text: String,
    /// Why.
    pub reason: String,
}

impl Purl {
    /// The purl of a component key.
    pub fn for_key(key: &ComponentKey) -> Purl {
        let parts = parts_for_key(key);
        match parts.to_package_url() {
            Ok(purl) => Purl(purl.to_string()),
            // purl-spec lets a huggingface purl go without a namespace (its own example is
            // `pkg:huggingface/distilbert-base-uncased@<commit>`); the `packageurl` crate
            // requires one, so such purls are written by hand.
            Err(_) if parts.purl_type == "huggingface" && parts.namespace.is_none() => {
                let mut text = format!("pkg:huggingface/{}", percent_encode_all(&parts.name));
                if let Some(version) = &parts.version {
                    text.push('@');
                    text.push_str(&percent_encode_all(&version.to_ascii_lowercase()));
                }
                let qualifiers: Vec<String> = parts
                    .qualifiers
                    .iter()
                    .map(|(key, value)| format!("{key}={}", percent_encode_all(value)))
                    .collect();
                if !qualifiers.is_empty() {
                    text.push('?');
                    text.push_str(&qualifiers.join("&"));
                }
                Purl(text)
            }
            // Unreachable for keys built through `PackageName`, which forbids the only inputs
            // the crate rejects (empty names); keep a valid, deterministic purl regardless.
            Err(_) => Purl(format!(
                "pkg:generic/{}",
                percent_encode_all(key.name.original())
            )),
        }
    }

    /// The purl as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a purl string into its parts.
    pub fn parse(text: &str) -> Result<PurlParts, PurlError> {
        let purl: PackageUrl<'static> =
            text.parse().map_err(|error: packageurl::Error| PurlError {
                text: text.to_owned(),
                reason: error.to_string(),
            })?;
        Ok(PurlParts {
            purl_type: purl.ty().to_owned(),
            namespace: purl.namespace().map(str::to_owned),
            name: purl.name().to_owned(),
            version: purl.version().map(str::to_owned),
            qualifiers: purl
                .qualifiers()
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
            subpath: purl.subpath().map(str::to_owned),
        })
    }
}

impl PurlParts {
    /// Builds the canonical purl string for these parts.
    pub fn to_purl(&self) -> Result<Purl, PurlError> {
        self.to_package_url().map(|purl| Purl(purl.to_string()))
    }

    fn to_package_url(&self) -> Result<PackageUrl<'_>, PurlError> {
        let error = |error: packageurl::Error| PurlError {
            text: format!("{}/{}", self.purl_type, self.name),
            reason: error.to_string(),
        };
        let mut purl =
            PackageUrl::new(self.purl_type.as_str(), self.name.as_str()).map_err(error)?;
        if let Some(namespace) = &self.namespace {
            purl.with_namespace(namespace.as_str()).map_err(error)?;
        }
        if let Some(version) = &self.version {
            purl.with_version(version.as_str()).map_err(error)?;
        }
        for (key, value) in &self.qualifiers {
            purl.add_qualifier(key.as_str(), value.as_str())
                .map_err(error)?;
        }
        if let Some(subpath) = &self.subpath {
            purl.with_subpath(subpath.as_str()).map_err(error)?;
        }
        purl.validate().map_err(error)?;
        Ok(purl)
    }
}

fn parts_for_key(key: &ComponentKey) -> PurlParts {
    let mut qualifiers = BTreeMap::new();
    match &key.source {
        Source::Registry { index: Some(index) } => {
            qualifiers.insert("repository_url".to_owned(), index.clone());
        }
        Source::Git { url, commit, .. } => {
            let vcs = match commit {
                Some(commit) => format!("git+{url}@{commit}"),
                None => format!("git+{url}"),
            };
            qualifiers.insert("vcs_url".to_owned(), vcs);
        }
        Source::Url { url } => {
            qualifiers.insert("download_url".to_owned(), url.clone());
        }
        // A local project (a workspace member, a path crate, a Python project or directory):
        // cargo-cyclonedx's convention, `download_url=file://<path>`, so that a reader never
        // takes it for the registry package of the same name (docs/sbom.md, "Local projects").
        Source::Path { path } if is_package_ecosystem(key.ecosystem) => {
            qualifiers.insert("download_url".to_owned(), format!("file://{path}"));
        }
        Source::Registry { index: None } | Source::Path { .. } | Source::File { .. } => {}
    }
    let original = key.name.original();
    let hub = matches!(
        key.ecosystem,
        Ecosystem::HuggingFaceModel | Ecosystem::HuggingFaceDataset
    );
    // A model directory that is not a hub snapshot has no hub identity: a `pkg:huggingface`
    // purl would name some unrelated hub repository of the same name.
    if hub && matches!(key.source, Source::Path { .. } | Source::File { .. }) {
        return PurlParts {
            purl_type: Ecosystem::GenericFile.purl_type().to_owned(),
            namespace: None,
            name: original.to_owned(),
            version: key.version.clone(),
            qualifiers,
            subpath: None,
        };
    }
    let (namespace, name) = match key.ecosystem {
        // purl-spec: the namespace is the user or organization "if present"; legacy hub
        // repositories (`gpt2`) have none.
        Ecosystem::HuggingFaceModel | Ecosystem::HuggingFaceDataset => {
            match original.rsplit_once('/') {
                Some((owner, repository)) if !owner.is_empty() && !repository.is_empty() => {
                    (Some(owner.to_owned()), repository.to_owned())
                }
                _ => (None, original.to_owned()),
            }
        }
        // purl-spec: an npm scope is the namespace (`@scope` → `%40scope`); an image's path
        // before its last segment is the namespace (the registry is `repository_url`).
        Ecosystem::Npm | Ecosystem::Docker => match original.rsplit_once('/') {
            Some((namespace, name)) if !namespace.is_empty() && !name.is_empty() => {
                (Some(namespace.to_owned()), name.to_owned())
            }
            _ => (None, original.to_owned()),
        },
        _ => (None, original.to_owned()),
    };
    if key.ecosystem == Ecosystem::HuggingFaceDataset {
        qualifiers.insert(
            "repository_url".to_owned(),
            "https://huggingface.co/datasets".to_owned(),
        );
    }
    PurlParts {
        purl_type: key.ecosystem.purl_type().to_owned(),
        namespace,
        name,
        version: key.version.clone(),
        qualifiers,
        subpath: None,
    }
}

/// The ecosystems whose purl type names a package registry (`pkg:cargo`, `pkg:pypi`, `pkg:npm`):
/// a local directory of theirs needs the qualifier that says it is not from the registry.
fn is_package_ecosystem(ecosystem: Ecosystem) -> bool {
    matches!(
        ecosystem,
        Ecosystem::CratesIo | Ecosystem::PyPI | Ecosystem::Npm
    )
}

fn percent_encode_all(text: &str) -> String {
    text.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~') {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

impl fmt::Display for Purl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::GitReference;
    use crate::name::PackageName;
    use proptest::prelude::*;

    fn key(
        ecosystem: Ecosystem,
        name: &str,
        version: Option<&str>,
        source: Source,
    ) -> ComponentKey {
        ComponentKey {
            ecosystem,
            name: PackageName::new(ecosystem, name).unwrap(),
            version: version.map(str::to_owned),
            source,
        }
    }

    #[test]
    fn known_purls() {
        let crates_io = Source::Registry { index: None };
        assert_eq!(
            Purl::for_key(&key(
                Ecosystem::CratesIo,
                "serde_json",
                Some("1.0.0"),
                crates_io.clone()
            ))
            .as_str(),
            "pkg:cargo/serde_json@1.0.0"
        );
        assert_eq!(
            Purl::for_key(&key(
                Ecosystem::PyPI,
                "Typing_Extensions",
                Some("4.0.0+local.1"),
                crates_io.clone()
            ))
            .as_str(),
            "pkg:pypi/typing-extensions@4.0.0%2Blocal.1"
        );
        let git = Source::Git {
            url: "https://github.com/tikv/raft-rs".to_owned(),
            reference: Some(GitReference::Rev("aafb07c".to_owned())),
            commit: Some("aafb07c7bab439c6139926a77dfafc5b10e9bc84".to_owned()),
        };
        assert_eq!(
            Purl::for_key(&key(Ecosystem::CratesIo, "raft", Some("0.7.0"), git)).as_str(),
            "pkg:cargo/raft@0.7.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Ftikv%2Fraft-rs%40aafb07c7bab439c6139926a77dfafc5b10e9bc84"
        );
        assert_eq!(
            Purl::for_key(&key(
                Ecosystem::HuggingFaceModel,
                "mistralai/Mistral-7B-v0.1",
                Some("ABC123"),
                crates_io
            ))
            .as_str(),
            "pkg:huggingface/mistralai/Mistral-7B-v0.1@abc123"
        );
        // purl-spec's own example: a legacy repository without a namespace.
        assert_eq!(
            Purl::for_key(&key(
                Ecosystem::HuggingFaceModel,
                "distilbert-base-uncased",
                Some("043235d6088ecd3dd5fb5ca3592b6913fd516027"),
                Source::DEFAULT_REGISTRY
            ))
            .as_str(),
            "pkg:huggingface/distilbert-base-uncased@043235d6088ecd3dd5fb5ca3592b6913fd516027"
        );
        assert_eq!(
            Purl::for_key(&key(
                Ecosystem::HuggingFaceModel,
                "tiny-summarizer",
                None,
                Source::Path {
                    path: "models/tiny-summarizer".to_owned()
                }
            ))
            .as_str(),
            "pkg:generic/tiny-summarizer"
        );
    }

    #[test]
    fn npm_scopes_and_images_get_namespaces() {
        let registry = Source::DEFAULT_REGISTRY;
        assert_eq!(
            Purl::for_key(&key(
                Ecosystem::Npm,
                "@modelcontextprotocol/server-github",
                Some("2025.4.8"),
                registry.clone()
            ))
            .as_str(),
            "pkg:npm/%40modelcontextprotocol/server-github@2025.4.8"
        );
        assert_eq!(
            Purl::for_key(&key(Ecosystem::Npm, "mcp-remote", None, registry.clone())).as_str(),
            "pkg:npm/mcp-remote"
        );
        let ghcr = Source::Registry {
            index: Some("ghcr.io".to_owned()),
        };
        assert_eq!(
            Purl::for_key(&key(
                Ecosystem::Docker,
                "github/github-mcp-server",
                Some("sha256:0123"),
                ghcr
            ))
            .as_str(),
            "pkg:docker/github/github-mcp-server@sha256:0123?repository_url=ghcr.io"
        );
        assert_eq!(
            Purl::for_key(&key(
                Ecosystem::Docker,
                "mcp/fetch",
                Some("latest"),
                registry
            ))
            .as_str(),
            "pkg:docker/mcp/fetch@latest"
        );
        let parts = Purl::parse("pkg:npm/%40modelcontextprotocol/server-github@2025.4.8").unwrap();
        assert_eq!(parts.namespace.as_deref(), Some("@modelcontextprotocol"));
        assert_eq!(parts.name, "server-github");
    }

    #[test]
    fn parse_reads_qualifiers_back() {
        let parts = Purl::parse(
            "pkg:cargo/raft@0.7.0?vcs_url=git%2Bhttps://github.com/tikv/raft-rs%40aafb07c",
        )
        .unwrap();
        assert_eq!(parts.name, "raft");
        assert_eq!(
            parts.qualifiers.get("vcs_url").unwrap(),
            "git+https://github.com/tikv/raft-rs@aafb07c"
        );
        assert!(Purl::parse("not a purl").is_err());
    }

    proptest! {
        /// Whatever the characters of a name, version or qualifier value, the encoded purl reads
        /// back to the same parts. Versions exclude `/`: `packageurl` leaves it unencoded in the
        /// version, and no version scheme airlock emits (PEP 440, SemVer, hex revisions) has one.
        #[test]
        fn round_trip(
            name in "[^/\\x00-\\x1f]{1,24}",
            version in proptest::option::of("[^/\\x00-\\x1f]{1,16}"),
            qualifier in proptest::option::of("[^\\x00-\\x1f]{1,24}"),
        ) {
            let mut qualifiers = BTreeMap::new();
            if let Some(value) = qualifier {
                qualifiers.insert("download_url".to_owned(), value);
            }
            let parts = PurlParts {
                purl_type: "generic".to_owned(),
                namespace: None,
                name: name.clone(),
                version,
                qualifiers,
                subpath: None,
            };
            let purl = parts.to_purl().unwrap();
            let back = Purl::parse(purl.as_str()).unwrap();
            prop_assert_eq!(back, parts);
        }

        /// The same for every ecosystem's own purl type.
        #[test]
        fn keys_round_trip(name in "[A-Za-z][A-Za-z0-9_.-]{0,20}", version in "[0-9]{1,3}\\.[0-9]{1,3}(\\.[0-9]{1,3})?") {
            for ecosystem in [Ecosystem::PyPI, Ecosystem::CratesIo] {
                let key = key(ecosystem, &name, Some(&version), Source::Registry { index: None });
                let parts = Purl::parse(Purl::for_key(&key).as_str()).unwrap();
                prop_assert_eq!(parts.version.as_deref(), Some(version.as_str()));
                let expected = if ecosystem == Ecosystem::PyPI { name.to_lowercase().replace('_', "-") } else { name.clone() };
                prop_assert_eq!(parts.name, expected);
            }
        }
    }
}
