//! The documents of the OCI image and distribution specifications airlock reads and writes:
//! descriptors, image manifests, image indexes (and their Docker v2 twins, which have the same
//! shape under other media types), and platform selection in an index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `application/vnd.oci.image.manifest.v1+json`.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// `application/vnd.oci.image.index.v1+json`.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// `application/vnd.docker.distribution.manifest.v2+json`.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// `application/vnd.docker.distribution.manifest.list.v2+json`.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// The empty JSON descriptor's media type (OCI 1.1 artifacts with no config).
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The bytes of the empty JSON blob, `{}`.
pub const EMPTY_JSON: &[u8] = b"{}";

/// Every manifest media type a GET accepts.
pub const ACCEPTED_MANIFESTS: &[&str] = &[
    OCI_MANIFEST,
    OCI_INDEX,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
];

/// Whether a media type is an index (OCI) or a manifest list (Docker).
pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_MANIFEST_LIST
}

/// A content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// The media type of what it points at.
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    /// `sha256:…` of the content.
    pub digest: String,
    /// The content's size in bytes.
    #[serde(default)]
    pub size: u64,
    /// The artifact type (OCI 1.1), in indexes of referrers.
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub artifact_type: Option<String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// The platform an index entry is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

impl Descriptor {
    /// A descriptor of `bytes` with `media_type`.
    pub fn of(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_owned(),
            digest: super::digest_of(bytes),
            size: bytes.len() as u64,
            artifact_type: None,
            annotations: BTreeMap::new(),
            platform: None,
        }
    }
}

/// An image manifest (OCI, or Docker v2 schema 2), or an artifact manifest (OCI 1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageManifest {
    /// Always 2.
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    /// The manifest's own media type.
    #[serde(
        rename = "mediaType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub media_type: String,
    /// The artifact type (OCI 1.1), for artifacts.
    #[serde(
        rename = "artifactType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub artifact_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// The layers, bottom first (an artifact's files).
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (OCI 1.1 referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An image index (OCI) or manifest list (Docker).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageIndex {
    /// Always 2.
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    /// The index's own media type.
    #[serde(
        rename = "mediaType",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub media_type: String,
    /// The manifests it lists.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ImageIndex {
    /// An empty OCI index.
    pub fn empty() -> ImageIndex {
        ImageIndex {
            schema_version: 2,
            media_type: OCI_INDEX.to_owned(),
            manifests: Vec::new(),
            annotations: BTreeMap::new(),
        }
    }
}

/// An operating system and architecture (`linux/arm64/v8`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// `linux`, `windows`.
    #[serde(default)]
    pub os: String,
    /// `amd64`, `arm64` (Go's names).
    #[serde(default)]
    pub architecture: String,
    /// `v7`, `v8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// Reads `os/arch[/variant]`.
    pub fn parse(text: &str) -> Option<Platform> {
        let mut parts = text.split('/');
        let os = parts.next().filter(|part| !part.is_empty())?;
        let architecture = parts.next().filter(|part| !part.is_empty())?;
        let variant = parts.next().map(str::to_owned);
        if parts.next().is_some() || variant.as_deref() == Some("") {
            return None;
        }
        Some(Platform {
            os: os.to_owned(),
            architecture: architecture.to_owned(),
            variant,
        })
    }

    /// The platform airlock runs on, in Go's names (what registries use).
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            "arm" => "arm",
            other => other,
        };
        Platform {
            os: std::env::consts::OS.to_owned(),
            architecture: architecture.to_owned(),
            variant: None,
        }
    }

    /// Whether an index entry's platform is this one: os and architecture equal, and the
    /// variant equal when this one names one (`arm64` takes `arm64/v8`).
    pub fn matches(&self, other: &Platform) -> bool {
        self.os == other.os
            && self.architecture == other.architecture
            && self
                .variant
                .as_ref()
                .is_none_or(|variant| other.variant.as_ref() == Some(variant))
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(formatter, "/{variant}")?;
        }
        Ok(())
    }
}

/// The entry of `index` for `platform`: the first whose platform matches, skipping
/// attestation entries (BuildKit's `unknown/unknown`).
pub fn select_platform<'i>(index: &'i ImageIndex, platform: &Platform) -> Option<&'i Descriptor> {
    index.manifests.iter().find(|descriptor| {
        descriptor
            .platform
            .as_ref()
            .is_some_and(|candidate| platform.matches(candidate))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(platform: &str, digest: char) -> Descriptor {
        Descriptor {
            platform: Platform::parse(platform),
            ..Descriptor {
                media_type: OCI_MANIFEST.to_owned(),
                digest: format!("sha256:{}", digest.to_string().repeat(64)),
                size: 1,
                artifact_type: None,
                annotations: BTreeMap::new(),
                platform: None,
            }
        }
    }

    #[test]
    fn platforms_select_by_os_architecture_and_variant() {
        let index = ImageIndex {
            manifests: vec![
                entry("unknown/unknown", '0'),
                entry("linux/amd64", 'a'),
                entry("linux/arm/v6", 'b'),
                entry("linux/arm/v7", 'c'),
                entry("linux/arm64/v8", 'd'),
            ],
            ..ImageIndex::empty()
        };
        let pick = |text: &str| {
            select_platform(&index, &Platform::parse(text).unwrap())
                .map(|descriptor| descriptor.digest.chars().last().unwrap())
        };
        assert_eq!(pick("linux/amd64"), Some('a'));
        assert_eq!(pick("linux/arm/v7"), Some('c'));
        assert_eq!(pick("linux/arm"), Some('b'));
        assert_eq!(pick("linux/arm64"), Some('d'));
        assert_eq!(pick("linux/s390x"), None);
        assert_eq!(Platform::parse("linux"), None);
        assert_eq!(Platform::parse("linux/arm/v7/x"), None);
        assert_eq!(
            Platform::parse("linux/arm/v7").unwrap().to_string(),
            "linux/arm/v7"
        );
    }

    #[test]
    fn docker_and_oci_manifests_read_alike() {
        let docker = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
            "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
            "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":3,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}]}"#;
        let manifest: ImageManifest = serde_json::from_slice(docker).unwrap();
        assert_eq!(manifest.layers.len(), 1);
        assert_eq!(manifest.config.size, 2);
        // Written back, no field is invented.
        let written = serde_json::to_value(&manifest).unwrap();
        assert!(written.get("subject").is_none() && written.get("artifactType").is_none());
    }
}
