//! Where an image's blobs are and what its manifests say: an OCI image layout (a directory with
//! `oci-layout`, `index.json` and `blobs/<algorithm>/<hex>`, or the same as a tar archive), or
//! the archive `docker save` and `podman save` write (`manifest.json` naming a config and layer
//! tars). The outer archive is indexed once by its tar headers (seeking over the contents), so a
//! blob is opened by offset, never extracted.
//!
//! A third store, [`RemoteImage`], is an image in a registry: the CLI fetches its manifest and
//! hands over a [`BlobSource`] that opens blobs by digest; the core itself opens no connection.
//!
//! Specifications: OCI Image Layout, Image Index, Image Manifest and Image Configuration 1.1;
//! Docker's image archive (`manifest.json`, `docker save`).

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::ImageError;

/// The largest manifest, index or config read (real ones are kilobytes).
const MAX_METADATA_BYTES: u64 = 4 * 1024 * 1024;
/// Entries of the outer archive looked at (an image has one per blob, plus a few).
const MAX_ARCHIVE_ENTRIES: usize = 100_000;
/// Layers of one image (Docker refuses more than 127).
pub(super) const MAX_LAYERS: usize = 512;
/// Image indexes nest at most this deep (multi-platform images have one level).
const MAX_INDEX_DEPTH: usize = 4;

/// Where the blobs are.
#[derive(Debug)]
pub(super) enum Store {
    /// An OCI layout directory.
    Directory(PathBuf),
    /// An image in a registry, its blobs opened by digest through the caller's source.
    Remote(Arc<RemoteImage>),
    /// A tar archive on disk or in memory, indexed by entry name.
    Archive {
        source: ArchiveSource,
        /// Regular entries: name → (offset of the content, size).
        entries: BTreeMap<String, (u64, u64)>,
        /// Link entries: name → the name they point at.
        links: BTreeMap<String, String>,
    },
}

/// The bytes of an outer archive.
#[derive(Debug, Clone)]
pub(super) enum ArchiveSource {
    File(PathBuf),
    Memory(Arc<[u8]>),
}

/// Opens the blobs of a remote image by digest. Implemented outside the core (the CLI's
/// registry client), so that the core stays free of network code.
pub trait BlobSource: Send + Sync + std::fmt::Debug {
    /// A reader over the blob `digest` (`sha256:…`). The reader should fail the read that
    /// reaches the end when the bytes do not match the digest; the image reader checks the
    /// digest of every layer and of the config again in any case.
    fn open_blob(&self, digest: &str) -> std::io::Result<Box<dyn Read + Send>>;
}

/// An image in a registry, as the caller resolved it: the image manifest chosen (for the
/// platform asked for) and where its blobs come from.
#[derive(Debug, Clone)]
pub struct RemoteImage {
    /// How the scan names the image (the operator's `oci://` reference as written).
    pub display: String,
    /// `HOST[:PORT]`.
    pub registry: String,
    /// The repository path.
    pub repository: String,
    /// The tag the reference named, if any.
    pub tag: Option<String>,
    /// `sha256:` of `manifest`: the image's identity.
    pub manifest_digest: String,
    /// The image manifest's bytes (OCI image manifest or Docker v2 schema 2).
    pub manifest: Vec<u8>,
    /// What the caller wants said about how it chose the image (the platform picked from an
    /// index).
    pub notes: Vec<String>,
    /// Where the blobs come from.
    pub blobs: Arc<dyn BlobSource>,
}

/// What kind of image a path is, told by its first bytes or its directory entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// A directory holding `oci-layout` and `index.json`.
    OciLayoutDirectory,
    /// A tar archive holding `manifest.json` (`docker save`) or `oci-layout` and `index.json`.
    Archive,
}

impl Store {
    /// Opens an image at `path`: an OCI layout directory, or a tar archive holding an image.
    /// `Ok(None)` when the path is neither (a plain tar, any other file).
    pub(super) fn open(path: &Path) -> Result<Option<Store>, ImageError> {
        if path.is_dir() {
            if path.join("oci-layout").is_file() && path.join("index.json").is_file() {
                return Ok(Some(Store::Directory(path.to_path_buf())));
            }
            return Ok(None);
        }
        // A file that cannot be opened is no image here: the driver's own read reports it.
        let Ok(file) = fs::File::open(path) else {
            return Ok(None);
        };
        Store::archive(ArchiveSource::File(path.to_path_buf()), file)
    }

    /// Reads an image archive held in memory (the format row's parser, fuzzing, tests).
    pub(super) fn from_memory(bytes: &[u8]) -> Result<Option<Store>, ImageError> {
        let shared: Arc<[u8]> = Arc::from(bytes);
        Store::archive(
            ArchiveSource::Memory(Arc::clone(&shared)),
            Cursor::new(shared),
        )
    }

    fn archive<R: Read + Seek>(
        source: ArchiveSource,
        mut reader: R,
    ) -> Result<Option<Store>, ImageError> {
        let mut header = [0_u8; 512];
        if reader.read_exact(&mut header).is_err()
            || header.get(257..262) != Some(b"ustar".as_slice())
        {
            return Ok(None);
        }
        reader
            .seek(SeekFrom::Start(0))
            .map_err(ImageError::io("cannot read"))?;
        let mut archive = tar::Archive::new(reader);
        let mut entries = BTreeMap::new();
        let mut links = BTreeMap::new();
        // A tar that is no image (a model checkpoint) is another format's: a broken header or
        // too many entries only end the look, and what was seen decides.
        let Ok(iterator) = archive.entries_with_seek() else {
            return Ok(None);
        };
        for (count, entry) in iterator.enumerate() {
            if count >= MAX_ARCHIVE_ENTRIES {
                break;
            }
            let Ok(entry) = entry else { break };
            let Ok(name) = entry.path() else { continue };
            let name = normalize_name(&name.to_string_lossy());
            let kind = entry.header().entry_type();
            if kind.is_file() {
                entries.insert(name, (entry.raw_file_position(), entry.size()));
            } else if kind.is_symlink() || kind.is_hard_link() {
                if let Ok(Some(target)) = entry.link_name() {
                    let target = target.to_string_lossy();
                    let resolved = if kind.is_symlink() && !target.starts_with('/') {
                        crate::extract::join_path(crate::extract::parent_directory(&name), &target)
                    } else {
                        normalize_name(&target)
                    };
                    links.insert(name, resolved);
                }
            }
        }
        let is_docker = entries.contains_key("manifest.json");
        let is_oci = entries.contains_key("oci-layout") && entries.contains_key("index.json");
        if !is_docker && !is_oci {
            return Ok(None);
        }
        Ok(Some(Store::Archive {
            source,
            entries,
            links,
        }))
    }

    /// Whether the store holds a file named `name` (relative, `/`-separated).
    fn contains(&self, name: &str) -> bool {
        match self {
            Store::Directory(root) => root.join(name).is_file(),
            Store::Remote(_) => false,
            Store::Archive { entries, .. } => entries.contains_key(name),
        }
    }

    /// A reader over the blob or file `name`, and its size.
    pub(super) fn open_blob(&self, name: &str) -> Result<(Box<dyn Read + Send>, u64), ImageError> {
        let name = normalize_name(name);
        if name.split('/').any(|part| part == "..") {
            return Err(ImageError::Invalid(format!(
                "`{name}` climbs out of the image; not read"
            )));
        }
        match self {
            Store::Directory(root) => {
                let path = root.join(&name);
                // Links inside a layout directory are not followed: blobs are regular files.
                let metadata = fs::symlink_metadata(&path)
                    .map_err(ImageError::io_named(&name, "cannot read"))?;
                if !metadata.is_file() {
                    return Err(ImageError::Invalid(format!(
                        "`{name}` is not a regular file; not read"
                    )));
                }
                let file =
                    fs::File::open(&path).map_err(ImageError::io_named(&name, "cannot read"))?;
                Ok((Box::new(file), metadata.len()))
            }
            // The size is not known before the blob is read (0: unknown); readers cap it.
            Store::Remote(remote) => {
                let blob = remote
                    .blobs
                    .open_blob(&name)
                    .map_err(ImageError::io_named(&name, "cannot read"))?;
                Ok((blob, 0))
            }
            Store::Archive {
                source,
                entries,
                links,
            } => {
                let mut resolved = name.clone();
                for _ in 0..8 {
                    match links.get(&resolved) {
                        Some(target) => resolved = target.clone(),
                        None => break,
                    }
                }
                let &(offset, size) = entries.get(&resolved).ok_or_else(|| {
                    ImageError::Invalid(format!("the image archive has no `{name}`"))
                })?;
                match source {
                    ArchiveSource::File(path) => {
                        let mut file =
                            fs::File::open(path).map_err(ImageError::io("cannot open"))?;
                        file.seek(SeekFrom::Start(offset))
                            .map_err(ImageError::io("cannot read"))?;
                        Ok((Box::new(file.take(size)), size))
                    }
                    ArchiveSource::Memory(bytes) => {
                        let mut cursor = Cursor::new(Arc::clone(bytes));
                        cursor
                            .seek(SeekFrom::Start(offset))
                            .map_err(ImageError::io("cannot read"))?;
                        Ok((Box::new(cursor.take(size)), size))
                    }
                }
            }
        }
    }

    /// The whole of a small file (a manifest, an index, a config), under a cap.
    fn read_small(&self, name: &str) -> Result<Vec<u8>, ImageError> {
        let (reader, size) = self.open_blob(name)?;
        if size > MAX_METADATA_BYTES {
            return Err(ImageError::Invalid(format!(
                "`{name}` is {size} bytes, over the {MAX_METADATA_BYTES}-byte cap for image metadata"
            )));
        }
        let mut bytes = Vec::new();
        reader
            .take(MAX_METADATA_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(ImageError::io_named(name, "cannot read"))?;
        if bytes.len() as u64 > MAX_METADATA_BYTES {
            return Err(ImageError::Invalid(format!(
                "`{name}` is over the {MAX_METADATA_BYTES}-byte cap for image metadata"
            )));
        }
        Ok(bytes)
    }

    /// What the image's manifests say: its config and its layers, bottom first.
    pub(super) fn manifest(&self) -> Result<Manifest, ImageError> {
        let mut notes = Vec::new();
        if let Store::Remote(remote) = self {
            return remote_manifest(self, remote);
        }
        if self.contains("manifest.json") {
            return self.docker_manifest(&mut notes);
        }
        let layout: OciLayoutFile = parse_json("oci-layout", &self.read_small("oci-layout")?)?;
        if !layout.image_layout_version.starts_with("1.") {
            return Err(ImageError::Invalid(format!(
                "oci-layout: unsupported imageLayoutVersion `{}` (airlock reads 1.x)",
                layout.image_layout_version
            )));
        }
        let index: OciIndex = parse_json("index.json", &self.read_small("index.json")?)?;
        let (manifest, name) = self.pick_manifest(index, "index.json", 0, &mut notes)?;
        let config_name = blob_name(&manifest.config.digest)?;
        let config_bytes = self.read_small(&config_name)?;
        check_digest(&config_name, &manifest.config.digest, &config_bytes)?;
        let config: ImageConfig = parse_json(&config_name, &config_bytes)?;
        if manifest.layers.len() > MAX_LAYERS {
            return Err(ImageError::Invalid(format!(
                "{name}: {} layers, more than the {MAX_LAYERS} airlock reads",
                manifest.layers.len()
            )));
        }
        let mut layers = Vec::new();
        for layer in &manifest.layers {
            layers.push(LayerRef {
                blob: blob_name(&layer.digest)?,
                declared_digest: Some(layer.digest.clone()),
            });
        }
        Ok(Manifest {
            config_digest: digest_of(&config_bytes),
            config,
            layers,
            tags: manifest_tags(&manifest.annotations),
            notes,
        })
    }

    fn docker_manifest(&self, notes: &mut Vec<String>) -> Result<Manifest, ImageError> {
        let entries: Vec<DockerManifestEntry> =
            parse_json("manifest.json", &self.read_small("manifest.json")?)?;
        let mut entries = entries.into_iter();
        let first = entries
            .next()
            .ok_or_else(|| ImageError::Invalid("manifest.json lists no image".to_owned()))?;
        let more = entries.count();
        if more > 0 {
            notes.push(format!(
                "the archive holds {} images; only the first (manifest.json's first entry) was read",
                more + 1
            ));
        }
        if first.layers.len() > MAX_LAYERS {
            return Err(ImageError::Invalid(format!(
                "manifest.json: {} layers, more than the {MAX_LAYERS} airlock reads",
                first.layers.len()
            )));
        }
        let config_bytes = self.read_small(&first.config)?;
        if let Some(declared) = digest_in_name(&first.config) {
            check_digest(&first.config, &declared, &config_bytes)?;
        }
        let config: ImageConfig = parse_json(&first.config, &config_bytes)?;
        let layers = first
            .layers
            .iter()
            .map(|name| LayerRef {
                blob: normalize_name(name),
                declared_digest: digest_in_name(name),
            })
            .collect();
        Ok(Manifest {
            config_digest: digest_of(&config_bytes),
            config,
            layers,
            tags: first.repo_tags.unwrap_or_default(),
            notes: std::mem::take(notes),
        })
    }

    /// The image manifest an index names: the only one, else the one for linux/amd64, else the
    /// first (a note says which was picked); nested indexes are followed.
    fn pick_manifest(
        &self,
        index: OciIndex,
        name: &str,
        depth: usize,
        notes: &mut Vec<String>,
    ) -> Result<(OciManifest, String), ImageError> {
        if depth >= MAX_INDEX_DEPTH {
            return Err(ImageError::Invalid(format!(
                "{name}: image indexes nest more than {MAX_INDEX_DEPTH} deep"
            )));
        }
        let count = index.manifests.len();
        let chosen = index
            .manifests
            .iter()
            .find(|descriptor| {
                descriptor.platform.as_ref().is_some_and(|platform| {
                    platform.os == "linux" && platform.architecture == "amd64"
                })
            })
            .or_else(|| index.manifests.first())
            .ok_or_else(|| ImageError::Invalid(format!("{name} lists no manifest")))?;
        if count > 1 {
            notes.push(format!(
                "{name} lists {count} manifests; {} was read",
                chosen.digest
            ));
        }
        let blob = blob_name(&chosen.digest)?;
        let bytes = self.read_small(&blob)?;
        check_digest(&blob, &chosen.digest, &bytes)?;
        let is_index = chosen.media_type.contains("image.index")
            || chosen.media_type.contains("manifest.list");
        if is_index {
            let nested: OciIndex = parse_json(&blob, &bytes)?;
            return self.pick_manifest(nested, &blob, depth + 1, notes);
        }
        let mut manifest: OciManifest = parse_json(&blob, &bytes)?;
        for (key, value) in &chosen.annotations {
            manifest
                .annotations
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
        Ok((manifest, blob))
    }
}

/// What a remote image's manifest says; the manifest's bytes are checked against the digest
/// that names the image, the config's against the manifest.
fn remote_manifest(store: &Store, remote: &RemoteImage) -> Result<Manifest, ImageError> {
    let name = remote.display.as_str();
    check_digest(name, &remote.manifest_digest, &remote.manifest)?;
    let manifest: OciManifest = parse_json(name, &remote.manifest)?;
    if manifest.layers.len() > MAX_LAYERS {
        return Err(ImageError::Invalid(format!(
            "{name}: {} layers, more than the {MAX_LAYERS} airlock reads",
            manifest.layers.len()
        )));
    }
    // `blob_name` refuses anything but a SHA-256 digest.
    blob_name(&manifest.config.digest)?;
    let config_bytes = store.read_small(&manifest.config.digest)?;
    check_digest(
        &manifest.config.digest,
        &manifest.config.digest,
        &config_bytes,
    )?;
    let config: ImageConfig = parse_json(&manifest.config.digest, &config_bytes)?;
    let mut layers = Vec::new();
    for layer in &manifest.layers {
        blob_name(&layer.digest)?;
        layers.push(LayerRef {
            blob: layer.digest.clone(),
            declared_digest: Some(layer.digest.clone()),
        });
    }
    Ok(Manifest {
        config_digest: digest_of(&config_bytes),
        config,
        layers,
        tags: Vec::new(),
        notes: remote.notes.clone(),
    })
}

/// A layer as the manifest names it. Its compression (none, gzip, zstd) is told by its first
/// bytes, whatever the media type says: the digest already binds the bytes.
#[derive(Debug, Clone)]
pub(super) struct LayerRef {
    /// The blob's name in the store.
    pub blob: String,
    /// The digest the manifest (or the blob's name) declares, checked against the bytes.
    pub declared_digest: Option<String>,
}

/// What the manifests say.
#[derive(Debug, Clone)]
pub(super) struct Manifest {
    /// `sha256:` of the config's bytes: the image id.
    pub config_digest: String,
    pub config: ImageConfig,
    pub layers: Vec<LayerRef>,
    /// `RepoTags` of `docker save`, or the OCI `org.opencontainers.image.ref.name`.
    pub tags: Vec<String>,
    /// What was left out (other images, other platforms).
    pub notes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct OciLayoutFile {
    #[serde(rename = "imageLayoutVersion")]
    image_layout_version: String,
}

#[derive(Debug, Deserialize)]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Platform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
}

#[derive(Debug, Deserialize)]
struct OciManifest {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct DockerManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// The parts of an image config airlock reports.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ImageConfig {
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub architecture: Option<String>,
    #[serde(default)]
    pub rootfs: Option<RootFs>,
}

/// The config's `rootfs`: the digests of the uncompressed layers.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct RootFs {
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

fn parse_json<T: serde::de::DeserializeOwned>(name: &str, bytes: &[u8]) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|error| ImageError::Invalid(format!("{name}: {error}")))
}

/// `org.opencontainers.image.ref.name` (a tag) of a manifest, when given.
fn manifest_tags(annotations: &BTreeMap<String, String>) -> Vec<String> {
    annotations
        .get("io.containerd.image.name")
        .or_else(|| annotations.get("org.opencontainers.image.ref.name"))
        .cloned()
        .into_iter()
        .collect()
}

/// `blobs/<algorithm>/<hex>` for a digest; only SHA-256 is read (the digests OCI requires
/// support for), and the hex must be hex, so a digest cannot name a path of its own.
fn blob_name(digest: &str) -> Result<String, ImageError> {
    let hex = digest
        .strip_prefix("sha256:")
        .filter(|hex| hex.len() == 64 && hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
        .ok_or_else(|| {
            ImageError::Invalid(format!(
                "digest `{digest}` is not a SHA-256 digest (the only algorithm airlock checks)"
            ))
        })?;
    Ok(format!("blobs/sha256/{hex}"))
}

/// The digest a `docker save` blob name carries (`blobs/sha256/<hex>`), if any.
fn digest_in_name(name: &str) -> Option<String> {
    let name = normalize_name(name);
    let hex = name.strip_prefix("blobs/sha256/")?;
    (hex.len() == 64 && hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}

pub(super) fn digest_of(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

fn check_digest(name: &str, declared: &str, bytes: &[u8]) -> Result<(), ImageError> {
    let found = digest_of(bytes);
    if !found.eq_ignore_ascii_case(declared) {
        return Err(ImageError::DigestMismatch {
            blob: name.to_owned(),
            declared: declared.to_owned(),
            found,
        });
    }
    Ok(())
}

/// An archive entry name without `./` or a leading `/`.
fn normalize_name(name: &str) -> String {
    let mut name = name.trim_start_matches('/');
    while let Some(rest) = name.strip_prefix("./") {
        name = rest.trim_start_matches('/');
    }
    name.trim_end_matches('/').to_owned()
}
