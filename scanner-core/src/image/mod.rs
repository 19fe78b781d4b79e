//! Container images read without a daemon: an OCI image layout (a directory, or the same as a
//! tar) or a `docker save` / `podman save` archive. The layers (plain, gzip or zstd tars) are
//! streamed once, bottom first, into the merged filesystem the container would see
//! ([`filesystem`]: whiteouts applied, every file hashed, the files an extractor claims kept
//! within caps); nothing is extracted to disk and no link is followed out of the image. The
//! scan driver then runs every extractor on that filesystem through [`ImageFiles`], a
//! [`FileReader`] over it, exactly as it runs them on a directory.
//!
//! Next to `scan.rs`, this is the only filesystem code of the core: it opens the image's own
//! file (or directory) and nothing else.

mod filesystem;
mod store;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    DirectoryEntry, Extraction, FileDigest, FileFacts, FileReader, Format, ReadLimit, ReadSeek,
    Reference, Target,
};
use crate::location::{Evidence, Location};
use crate::name::PackageName;

use filesystem::{Claim, LayerContext, MergedFilesystem, NodeKind, Resolved};
pub use store::{BlobSource, ImageKind, RemoteImage};
use store::{Manifest, Store};

/// Bytes of claimed files kept from one image at most (lockfiles, configs, metadata and the
/// first bytes of weights files); past it, files are reported unread.
pub const MAX_KEPT_BYTES: u64 = 512 * 1024 * 1024;
/// The largest `METADATA`, `RECORD` or other file of a `*.dist-info` kept.
const METADATA_BYTES: u64 = 16 * 1024 * 1024;
/// Small files other files name (`-r other.txt`, a `Pipfile`, `pyvenv.cfg`, `os-release`).
const COMPANION_BYTES: u64 = 1024 * 1024;
/// First bytes kept of every file of a `site-packages` (is it native code or a script?).
const MAGIC_BYTES: u64 = 4;

/// An image could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// A read failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being read.
        context: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The image is malformed or over a cap.
    #[error("{0}")]
    Invalid(String),
    /// A blob's bytes are not those its manifest names: the image was altered or is corrupt.
    #[error("`{blob}` has digest {found}, but the image names {declared}: the image was altered or is corrupt")]
    DigestMismatch {
        /// The blob.
        blob: String,
        /// The digest the manifest (or config) names.
        declared: String,
        /// The digest of its bytes.
        found: String,
    },
}

impl ImageError {
    fn io(context: &'static str) -> impl Fn(std::io::Error) -> ImageError {
        move |source| ImageError::Io {
            context: context.to_owned(),
            source,
        }
    }

    fn io_named(name: &str, context: &'static str) -> impl Fn(std::io::Error) -> ImageError {
        let name = name.to_owned();
        move |source| ImageError::Io {
            context: format!("{name}: {context}"),
            source,
        }
    }

    /// The diagnostic the scan reports for this error, on the image at `display`.
    pub fn to_diagnostic(&self, display: &str) -> Diagnostic {
        Diagnostic::error(
            DiagnosticCode::ReadError,
            Location::file(display),
            format!("cannot read the container image: {self}"),
        )
    }
}

/// How an image is read.
#[derive(Clone, Copy)]
pub struct ImageOptions<'a> {
    /// The format table: what a path is claimed by.
    pub extractors: &'a [&'static Format],
    /// Leave out the directories a walk skips ([`crate::scan::DEFAULT_SKIPPED_DIRECTORIES`],
    /// virtual environments excepted: an image is what is deployed).
    pub skip_default_directories: bool,
    /// Compute SHA-512 of every file too.
    pub sha512: bool,
    /// The budget of kept bytes ([`MAX_KEPT_BYTES`]).
    pub kept_bytes: u64,
}

impl std::fmt::Debug for ImageOptions<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ImageOptions")
            .field("skip_default_directories", &self.skip_default_directories)
            .field("sha512", &self.sha512)
            .field("kept_bytes", &self.kept_bytes)
            .finish_non_exhaustive()
    }
}

/// Whether `path` is an image airlock reads (an OCI layout directory, or a tar archive holding
/// `manifest.json` or `oci-layout`): the outer archive's headers are read, nothing else.
pub fn detect(path: &Path) -> Option<ImageKind> {
    match Store::open(path) {
        Ok(Some(Store::Directory(_))) => Some(ImageKind::OciLayoutDirectory),
        Ok(Some(Store::Archive { .. })) => Some(ImageKind::Archive),
        Ok(Some(Store::Remote(_)) | None) | Err(_) => None,
    }
}

/// An image read into its merged filesystem.
#[derive(Debug)]
pub struct Image {
    /// The image's display path (scan-relative).
    display: String,
    /// `DISPLAY!`: the display path of the image's root directory; files are `DISPLAY!/path`.
    root: String,
    filesystem: MergedFilesystem,
    manifest: Manifest,
    /// Where a registry image came from (its registry, repository, tag and manifest digest).
    origin: Option<Origin>,
    /// The digest of each layer, bottom first.
    layer_digests: Vec<String>,
    sha512: bool,
    skip_default_directories: bool,
    /// Problems met reading the image (each names the image or a file inside it).
    pub diagnostics: Vec<Diagnostic>,
}

/// The registry identity of an image pulled from one.
#[derive(Debug, Clone)]
struct Origin {
    registry: String,
    repository: String,
    tag: Option<String>,
    manifest_digest: String,
}

/// A file or directory of an image to hand to one extractor.
#[derive(Debug, Clone)]
pub struct ImageJob {
    /// The display path (`IMAGE!/usr/lib/…`).
    pub display: String,
    /// The format row.
    pub extractor: &'static Format,
    /// The file's size (0 for a directory).
    pub size: u64,
    /// A `site-packages` directory read whole by an installed row.
    pub directory: bool,
}

impl Image {
    /// Reads the image at `path` (`display` is how the scan names it); `Ok(None)` when the path
    /// is no image.
    pub fn read(
        path: &Path,
        display: &str,
        options: &ImageOptions<'_>,
    ) -> Result<Option<Image>, ImageError> {
        match Store::open(path)? {
            Some(store) => Image::from_store(&store, display, options).map(Some),
            None => Ok(None),
        }
    }

    /// Reads an image archive held in memory.
    pub fn read_memory(
        bytes: &[u8],
        display: &str,
        options: &ImageOptions<'_>,
    ) -> Result<Option<Image>, ImageError> {
        match Store::from_memory(bytes)? {
            Some(store) => Image::from_store(&store, display, options).map(Some),
            None => Ok(None),
        }
    }

    /// Reads an image from a registry (the caller resolved its manifest; its blobs are opened
    /// through `remote.blobs`, streamed, never written to disk).
    pub fn read_remote(
        remote: Arc<RemoteImage>,
        options: &ImageOptions<'_>,
    ) -> Result<Image, ImageError> {
        let origin = Origin {
            registry: remote.registry.clone(),
            repository: remote.repository.clone(),
            tag: remote.tag.clone(),
            manifest_digest: remote.manifest_digest.clone(),
        };
        let display = remote.display.clone();
        let mut image = Image::from_store(&Store::Remote(remote), &display, options)?;
        image.origin = Some(origin);
        Ok(image)
    }

    fn from_store(
        store: &Store,
        display: &str,
        options: &ImageOptions<'_>,
    ) -> Result<Image, ImageError> {
        let manifest = store.manifest()?;
        let root = format!("{display}!");
        let mut diagnostics: Vec<Diagnostic> = manifest
            .notes
            .iter()
            .map(|note| {
                Diagnostic::note(
                    DiagnosticCode::ReadError,
                    Location::file(display),
                    note.clone(),
                )
            })
            .collect();
        let mut filesystem = MergedFilesystem::new(options.kept_bytes);
        let extractors = options.extractors;
        let skip = options.skip_default_directories;
        let claim = move |path: &str| claim_for(path, extractors, skip);
        let sniff = move |prefix: &[u8]| {
            crate::extract::model::sniff::model_formats_by_content(extractors, prefix)
        };
        let diff_ids = manifest
            .config
            .rootfs
            .as_ref()
            .map(|rootfs| rootfs.diff_ids.clone())
            .unwrap_or_default();
        let mut layer_digests = Vec::new();
        for (index, layer) in manifest.layers.iter().enumerate() {
            let context = LayerContext {
                layer: index,
                display_prefix: &root,
                claim: &claim,
                sniff: &sniff,
                sha512: options.sha512,
                streamed: &|_| {},
            };
            let (blob, _) = store.open_blob(&layer.blob)?;
            let mut raw = Hashing::new(blob);
            let outcome = apply_blob(&mut raw, &mut filesystem, &context, &mut diagnostics);
            let digest = format!("sha256:{}", raw.finish());
            match outcome {
                Ok(diff_id) => {
                    if let Some(declared) = &layer.declared_digest {
                        if !declared.eq_ignore_ascii_case(&digest) {
                            diagnostics.push(
                                ImageError::DigestMismatch {
                                    blob: layer.blob.clone(),
                                    declared: declared.clone(),
                                    found: digest.clone(),
                                }
                                .to_diagnostic(display),
                            );
                        }
                    }
                    if let Some(declared) = diff_ids.get(index) {
                        if !declared.eq_ignore_ascii_case(&diff_id) {
                            diagnostics.push(
                                ImageError::DigestMismatch {
                                    blob: format!("{} (uncompressed)", layer.blob),
                                    declared: declared.clone(),
                                    found: diff_id,
                                }
                                .to_diagnostic(display),
                            );
                        }
                    }
                }
                Err(error) => diagnostics.push(Diagnostic::error(
                    DiagnosticCode::ReadError,
                    Location::file(display),
                    format!(
                        "layer {} ({}) could not be read to its end, so the image's files are incomplete: {error}",
                        index + 1,
                        layer.blob
                    ),
                )),
            }
            layer_digests.push(layer.declared_digest.clone().unwrap_or(digest));
        }
        if !diff_ids.is_empty() && diff_ids.len() != manifest.layers.len() {
            diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                Location::file(display),
                format!(
                    "the config lists {} layers (rootfs.diff_ids) and the manifest {}",
                    diff_ids.len(),
                    manifest.layers.len()
                ),
            ));
        }
        Ok(Image {
            display: display.to_owned(),
            root,
            filesystem,
            manifest,
            origin: None,
            layer_digests,
            sha512: options.sha512,
            skip_default_directories: options.skip_default_directories,
            diagnostics,
        })
    }

    /// The display path of the image's root directory (`IMAGE!`).
    pub fn root_display(&self) -> &str {
        &self.root
    }

    /// The image's display path.
    pub fn display(&self) -> &str {
        &self.display
    }

    fn display_of(&self, path: &str) -> String {
        format!("{}/{path}", self.root)
    }

    /// The image path of a display path, or `None` when it lies outside the image.
    fn image_path<'p>(&self, display: &'p str) -> Option<&'p str> {
        let rest = display.strip_prefix(self.root.as_str())?;
        if rest.is_empty() {
            return Some("");
        }
        rest.strip_prefix('/')
    }

    /// The digest of the layer that put the file at `display` in place, when it lies inside
    /// the image.
    pub fn layer_of(&self, display: &str) -> Option<&str> {
        let path = self.image_path(display)?;
        let node = self.filesystem.get(path)?;
        self.layer_digests.get(node.layer).map(String::as_str)
    }

    /// The jobs of the image: every file a format accepts by name (or, for files with no
    /// extension, by content), every `site-packages` directory for the installed rows; the
    /// directories a walk skips are left out. Links leading out of the image are reported,
    /// not followed.
    pub fn jobs(&self, extractors: &[&'static Format]) -> (Vec<ImageJob>, Vec<Diagnostic>) {
        let mut jobs = Vec::new();
        let mut diagnostics = Vec::new();
        let mut sites: BTreeSet<String> = BTreeSet::new();
        for (path, _) in self.filesystem.nodes() {
            if self.skipped(path) {
                continue;
            }
            let mut directory = String::new();
            for part in path.split('/') {
                if !directory.is_empty() {
                    directory.push('/');
                }
                directory.push_str(part);
                if crate::extract::python::installed::SITE_DIRECTORIES.contains(&part)
                    && directory.len() < path.len()
                {
                    sites.insert(directory.clone());
                }
                // A site directory below another is read with it.
                if sites.contains(&directory) {
                    break;
                }
            }
        }
        for site in &sites {
            for extractor in extractors
                .iter()
                .copied()
                .filter(|extractor| extractor.installed && extractor.accepts(Path::new(site)))
            {
                jobs.push(ImageJob {
                    display: self.display_of(site),
                    extractor,
                    size: 0,
                    directory: true,
                });
            }
        }
        for (path, node) in self.filesystem.nodes() {
            if matches!(node.kind, NodeKind::Directory | NodeKind::Special) || self.skipped(path) {
                continue;
            }
            let inside_site = sites
                .iter()
                .any(|site| crate::extract::strip_directory(site, path).is_some());
            let mut accepting: Vec<&'static Format> = extractors
                .iter()
                .copied()
                .filter(|extractor| extractor.accepts(Path::new(path)))
                .filter(|extractor| !(extractor.installed && inside_site))
                .collect();
            let display = self.display_of(path);
            let content = match &node.kind {
                NodeKind::File(content) => Some(Arc::clone(content)),
                NodeKind::Symlink(target) => {
                    if accepting.is_empty() {
                        continue;
                    }
                    match self.filesystem.resolve(path, true) {
                        Resolved::Found(real) => {
                            match self.filesystem.get(&real).map(|node| &node.kind) {
                                Some(NodeKind::File(content)) => Some(Arc::clone(content)),
                                _ => continue,
                            }
                        }
                        Resolved::Outside => {
                            diagnostics.push(Diagnostic::warning(
                                DiagnosticCode::SymlinkOutsideRoot,
                                Location::file(&display),
                                format!(
                                    "symbolic link to `{target}`, outside the image; not followed"
                                ),
                            ));
                            continue;
                        }
                        Resolved::Missing | Resolved::Loop => {
                            diagnostics.push(Diagnostic::warning(
                                DiagnosticCode::ReadError,
                                Location::file(&display),
                                format!(
                                    "cannot resolve symbolic link to `{target}` inside the image"
                                ),
                            ));
                            continue;
                        }
                    }
                }
                NodeKind::Directory | NodeKind::Special => None,
            };
            let Some(content) = content else { continue };
            if accepting.is_empty() {
                accepting = content.sniffed.clone();
            }
            for extractor in accepting {
                jobs.push(ImageJob {
                    display: display.clone(),
                    extractor,
                    size: content.size,
                    directory: false,
                });
            }
        }
        (jobs, diagnostics)
    }

    /// Whether `path` lies in a directory a walk skips.
    fn skipped(&self, path: &str) -> bool {
        self.skip_default_directories && skipped_path(path)
    }

    /// The bytes a job's format reads of its main file (all of it under the cap, or its first
    /// bytes), as [`crate::scan`] reads a file on disk.
    pub fn main_bytes(&self, display: &str, limit: ReadLimit) -> Result<Vec<u8>, Diagnostic> {
        let content = self.file(display)?;
        match limit {
            ReadLimit::Whole { max_bytes } => {
                if content.size > max_bytes {
                    return Err(Diagnostic::error(
                        DiagnosticCode::FileTooLarge,
                        Location::file(display),
                        format!(
                            "{} bytes is over the {max_bytes}-byte cap for this format; skipped",
                            content.size
                        ),
                    ));
                }
                if content.whole {
                    Ok(content.captured.clone())
                } else {
                    Err(not_kept(display, &content))
                }
            }
            ReadLimit::Prefix { bytes } => {
                let end = usize::try_from(bytes).unwrap_or(usize::MAX);
                Ok(content
                    .captured
                    .get(..end.min(content.captured.len()))
                    .unwrap_or_default()
                    .to_vec())
            }
        }
    }

    /// The regular file at `display`, links followed inside the image.
    fn file(&self, display: &str) -> Result<Arc<filesystem::FileContent>, Diagnostic> {
        let path = self.image_path(display).ok_or_else(|| outside(display))?;
        match self.filesystem.resolve(path, true) {
            Resolved::Found(real) => match self.filesystem.get(&real).map(|node| &node.kind) {
                Some(NodeKind::File(content)) => Ok(Arc::clone(content)),
                _ => Err(Diagnostic::warning(
                    DiagnosticCode::NotARegularFile,
                    Location::file(display),
                    "not a regular file; skipped",
                )),
            },
            Resolved::Missing => Err(Diagnostic::error(
                DiagnosticCode::ReadError,
                Location::file(display),
                "cannot read: no such file in the image",
            )),
            Resolved::Outside => Err(Diagnostic::warning(
                DiagnosticCode::SymlinkOutsideRoot,
                Location::file(display),
                "a symbolic link on this path leads outside the image; not followed",
            )),
            Resolved::Loop => Err(Diagnostic::error(
                DiagnosticCode::ReadError,
                Location::file(display),
                "cannot read: too many levels of symbolic links",
            )),
        }
    }

    /// The image's root component: the image itself (`pkg:docker/NAME@sha256:CONFIG`), with
    /// its config digest, layers, platform and operating system, and an edge to each root
    /// found inside it.
    pub fn root_component(&self) -> Option<Component> {
        if let Some(origin) = &self.origin {
            return self.registry_root(origin);
        }
        let tag = self.manifest.tags.first().cloned();
        let (name, tag_name) = match &tag {
            Some(reference) => split_reference(reference),
            None => {
                let stem = Path::new(&self.display)
                    .file_stem()
                    .and_then(|stem| stem.to_str())
                    .unwrap_or("image");
                (stem.to_owned(), None)
            }
        };
        let name = PackageName::new(Ecosystem::Docker, &name)
            .or_else(|_| PackageName::new(Ecosystem::Docker, "image"))
            .ok()?;
        let key = ComponentKey::new(
            Ecosystem::Docker,
            name,
            Some(self.manifest.config_digest.clone()),
            Source::File {
                path: self.display.clone(),
            },
        );
        let mut component =
            Component::new(key, ComponentKind::Application).with_evidence(Evidence {
                location: Location::file(&self.display),
                extractor: crate::extract::container_image::ID,
            });
        component.facts.image_tag = tag_name;
        self.describe(&mut component);
        Some(component)
    }

    /// The root of an image pulled from a registry: named `HOST/REPO` as a local image tagged
    /// `HOST/REPO:TAG` is, its version the manifest digest (the registry's identity of the
    /// image, what `REPO@sha256:…` pulls and what an attestation binds); the config digest,
    /// layers and platform as for a local image. Its source is the image itself, as for a
    /// local one: where it was pulled from is the operator's choice, not a fact of the image.
    fn registry_root(&self, origin: &Origin) -> Option<Component> {
        let name = format!("{}/{}", origin.registry, origin.repository);
        let name = PackageName::new(Ecosystem::Docker, &name).ok()?;
        let key = ComponentKey::new(
            Ecosystem::Docker,
            name,
            Some(origin.manifest_digest.clone()),
            Source::File {
                path: self.display.clone(),
            },
        );
        let mut component =
            Component::new(key, ComponentKind::Application).with_evidence(Evidence {
                location: Location::file(&self.display),
                extractor: crate::extract::container_image::ID,
            });
        component.facts.image_tag = origin.tag.clone();
        self.describe(&mut component);
        Some(component)
    }

    /// The image facts of the root: config digest, layers, platform, operating system.
    fn describe(&self, component: &mut Component) {
        let facts = component.facts.image_mut();
        facts.config_digest = Some(self.manifest.config_digest.clone());
        facts.layers = self.layer_digests.clone();
        facts.platform = match (&self.manifest.config.os, &self.manifest.config.architecture) {
            (Some(os), Some(architecture)) => Some(format!("{os}/{architecture}")),
            (Some(os), None) => Some(os.clone()),
            _ => None,
        };
        facts.operating_system = self.operating_system();
    }

    /// `PRETTY_NAME` of `/etc/os-release` (or `/usr/lib/os-release`), else `ID VERSION_ID`.
    fn operating_system(&self) -> Option<String> {
        let bytes = ["etc/os-release", "usr/lib/os-release"]
            .iter()
            .find_map(|path| self.file(&self.display_of(path)).ok())
            .filter(|content| content.whole)?;
        let release = OsRelease::parse(&String::from_utf8_lossy(&bytes.captured));
        release.pretty_name.clone().or_else(|| {
            let id = release.id.clone()?;
            Some(match &release.version_id {
                Some(version) => format!("{id} {version}"),
                None => id,
            })
        })
    }

    /// The extraction of the image itself: its root, with an edge to each of `roots` (what
    /// the extractors found inside it).
    pub fn extraction(&self, roots: &[ComponentKey]) -> Extraction {
        let mut extraction = Extraction::default();
        let Some(root) = self.root_component() else {
            return extraction;
        };
        for target in roots {
            extraction.references.push(Reference {
                from: root.key.clone(),
                to: Target::Key(target.clone()),
                kind: EdgeKind::Normal,
                conditions: EdgeDetails::default(),
                location: Some(Location::file(&self.display)),
            });
        }
        extraction.roots.push(root.key.clone());
        extraction.components.push(root);
        extraction
    }

    /// A reader over the image's files for one job.
    pub fn files(&self) -> ImageFiles<'_> {
        ImageFiles {
            image: self,
            read: Mutex::new(Vec::new()),
        }
    }
}

/// `registry/path:tag` → (`registry/path`, `tag`).
fn split_reference(reference: &str) -> (String, Option<String>) {
    let reference = reference.split('@').next().unwrap_or(reference);
    match reference.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name.to_owned(), Some(tag.to_owned())),
        _ => (reference.to_owned(), None),
    }
}

/// Whether an image path lies in a directory a directory walk skips (virtual environments
/// excepted: an image is what is deployed, its environments are what runs).
fn skipped_path(path: &str) -> bool {
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            break;
        }
        if crate::scan::DEFAULT_SKIPPED_DIRECTORIES.contains(&part)
            && !["venv", ".venv"].contains(&part)
        {
            return true;
        }
    }
    false
}

/// What the extractors want kept of the file at `path` (decided while the layer streams).
fn claim_for(path: &str, extractors: &[&'static Format], skip_default_directories: bool) -> Claim {
    if skip_default_directories && skipped_path(path) {
        return Claim::NONE;
    }
    let as_path = Path::new(path);
    let mut claim = Claim::NONE;
    let mut named = false;
    for extractor in extractors
        .iter()
        .filter(|extractor| extractor.accepts(as_path))
    {
        named = true;
        claim = claim.and(match extractor.read {
            ReadLimit::Whole { max_bytes } => Claim {
                whole: Some(max_bytes),
                ..Claim::NONE
            },
            ReadLimit::Prefix { bytes } => Claim {
                prefix: bytes,
                ..Claim::NONE
            },
        });
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    let site = parts
        .iter()
        .position(|part| crate::extract::python::installed::SITE_DIRECTORIES.contains(part));
    if let Some(site) = site {
        let below = parts.get(site + 1..).unwrap_or_default();
        let in_metadata = below.len() > 1
            && below.first().is_some_and(|directory| {
                directory.ends_with(".dist-info") || directory.ends_with(".egg-info")
            });
        let pth = below.len() == 1 && name.to_ascii_lowercase().ends_with(".pth");
        claim = claim.and(if in_metadata {
            Claim {
                whole: Some(METADATA_BYTES),
                ..Claim::NONE
            }
        } else if pth {
            Claim {
                whole: Some(4 * 1024 * 1024),
                ..Claim::NONE
            }
        } else {
            Claim {
                prefix: MAGIC_BYTES,
                ..Claim::NONE
            }
        });
    }
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    let companion = matches!(name, "pyvenv.cfg" | "os-release" | "Pipfile" | "INSTALLER")
        || extension.is_some_and(|extension| extension == "txt" || extension == "in");
    if companion {
        claim = claim.and(Claim {
            whole: Some(COMPANION_BYTES),
            ..Claim::NONE
        });
    }
    if !named && crate::extract::model::sniff::worth_sniffing(as_path) {
        claim.sniff = true;
    }
    claim
}

/// Streams one layer blob (raw bytes, hashed by the caller) through its decompressor into the
/// filesystem; returns the digest of the uncompressed tar (the config's `diff_id`).
fn apply_blob(
    raw: &mut Hashing<Box<dyn Read + Send>>,
    filesystem: &mut MergedFilesystem,
    context: &LayerContext<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<String, ImageError> {
    let mut buffered = BufReader::with_capacity(256 * 1024, raw);
    let head = buffered
        .fill_buf()
        .map_err(ImageError::io("cannot read the layer"))?;
    let decoder: Box<dyn Read + '_> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(ZstdFrames::new(buffered))
    } else {
        Box::new(buffered)
    };
    let mut plain = Hashing::new(decoder);
    filesystem.apply_layer(&mut plain, context, diagnostics)?;
    // The tar's end blocks and padding count in the digest too.
    std::io::copy(&mut plain, &mut std::io::sink())
        .map_err(ImageError::io("cannot read the layer"))?;
    Ok(format!("sha256:{}", plain.finish()))
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: sha2::Sha256,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Hashing<R> {
        use sha2::Digest as _;
        Hashing {
            inner,
            hasher: sha2::Sha256::new(),
        }
    }

    /// Reads the rest and gives the hex digest of everything read.
    fn finish(mut self) -> String {
        use sha2::Digest as _;
        // What was not read yet (trailing bytes after the tar) is hashed too; a read error
        // leaves a digest that will not match, which is reported.
        let _ = std::io::copy(&mut self, &mut std::io::sink());
        hex::encode(self.hasher.finalize())
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest as _;
        let read = self.inner.read(buffer)?;
        self.hasher.update(buffer.get(..read).unwrap_or_default());
        Ok(read)
    }
}

/// A zstd stream of one or more frames, decoded by the pure-Rust `ruzstd`.
struct ZstdFrames<R: BufRead> {
    decoder: Option<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>,
    source: Option<R>,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(source: R) -> ZstdFrames<R> {
        ZstdFrames {
            decoder: None,
            source: Some(source),
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(decoder) = self.decoder.as_mut() {
                let read = decoder.read(buffer)?;
                if read > 0 || buffer.is_empty() {
                    return Ok(read);
                }
                // The frame ended: another may follow.
                self.source = self
                    .decoder
                    .take()
                    .map(ruzstd::decoding::StreamingDecoder::into_inner);
            }
            let Some(mut source) = self.source.take() else {
                return Ok(0);
            };
            if source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            let decoder = ruzstd::decoding::StreamingDecoder::new(source)
                .map_err(|error| std::io::Error::other(format!("zstd: {error}")))?;
            self.decoder = Some(decoder);
        }
    }
}

fn outside(display: &str) -> Diagnostic {
    Diagnostic::warning(
        DiagnosticCode::OutsideScanRoot,
        Location::file(display),
        "lies outside the image; not read",
    )
}

fn not_kept(display: &str, content: &filesystem::FileContent) -> Diagnostic {
    Diagnostic::error(
        DiagnosticCode::ReadError,
        Location::file(display),
        content.not_kept.clone().unwrap_or_else(|| {
            "cannot read: only the files a format claims are kept from an image's layers, and none claims this one".to_owned()
        }),
    )
}

/// The driver's [`FileReader`] over an image, for one job: paths are display paths
/// (`IMAGE!/usr/lib/…`); links resolve inside the image and never out of it.
#[derive(Debug)]
pub struct ImageFiles<'image> {
    image: &'image Image,
    read: Mutex<Vec<String>>,
}

impl ImageFiles<'_> {
    /// The files read through this reader, sorted, without duplicates.
    pub fn into_read(self) -> Vec<String> {
        let mut read = self
            .read
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        read.sort();
        read.dedup();
        read
    }

    fn note_read(&self, path: &str) {
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(path.to_owned());
    }
}

impl FileReader for ImageFiles<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let content = self.image.file(path)?;
        if content.size > crate::extract::DEFAULT_WHOLE_FILE_LIMIT {
            return Err(Diagnostic::error(
                DiagnosticCode::FileTooLarge,
                Location::file(path),
                format!(
                    "{} bytes is over the {}-byte cap for this format; skipped",
                    content.size,
                    crate::extract::DEFAULT_WHOLE_FILE_LIMIT
                ),
            ));
        }
        if !content.whole {
            return Err(not_kept(path, &content));
        }
        self.note_read(path);
        Ok(content.captured.clone())
    }

    fn facts(&self, path: &str) -> Result<FileFacts, Diagnostic> {
        let image_path = self.image.image_path(path).ok_or_else(|| outside(path))?;
        let link_target = match self.image.filesystem.resolve(image_path, false) {
            Resolved::Found(real) => {
                match self.image.filesystem.get(&real).map(|node| &node.kind) {
                    Some(NodeKind::Symlink(target)) => Some(target.clone()),
                    _ => None,
                }
            }
            _ => None,
        };
        let size = if self.image.filesystem.is_directory(image_path) {
            0
        } else {
            self.image.file(path)?.size
        };
        Ok(FileFacts { size, link_target })
    }

    fn list(&self, directory: &str) -> Result<Vec<DirectoryEntry>, Diagnostic> {
        let image_path = self
            .image
            .image_path(directory)
            .ok_or_else(|| outside(directory))?;
        let real = match self.image.filesystem.resolve(image_path, true) {
            Resolved::Found(real) if self.image.filesystem.is_directory(&real) => real,
            _ => {
                return Err(Diagnostic::error(
                    DiagnosticCode::ReadError,
                    Location::file(directory),
                    "cannot read: no such directory in the image",
                ))
            }
        };
        let mut entries = Vec::new();
        for (name, node) in self.image.filesystem.children(&real) {
            let child = if real.is_empty() {
                name.clone()
            } else {
                format!("{real}/{name}")
            };
            let (is_file, size) = match node.map(|node| &node.kind) {
                Some(NodeKind::File(content)) => (true, content.size),
                Some(NodeKind::Symlink(_)) => match self.image.filesystem.resolve(&child, true) {
                    Resolved::Found(target) => {
                        match self.image.filesystem.get(&target).map(|node| &node.kind) {
                            Some(NodeKind::File(content)) => (true, content.size),
                            _ if self.image.filesystem.is_directory(&target) => (false, 0),
                            _ => continue,
                        }
                    }
                    // A link out of the image is not listed, as on disk.
                    _ => continue,
                },
                Some(NodeKind::Special) => (false, 0),
                Some(NodeKind::Directory) | None => (false, 0),
            };
            entries.push(DirectoryEntry {
                name,
                is_file,
                size,
            });
        }
        Ok(entries)
    }

    fn open(&self, path: &str) -> Result<Box<dyn ReadSeek + '_>, Diagnostic> {
        let content = self.image.file(path)?;
        self.note_read(path);
        Ok(Box::new(KeptReader {
            content,
            position: 0,
        }))
    }

    fn digest(&self, path: &str) -> Result<FileDigest, Diagnostic> {
        let content = self.image.file(path)?;
        let digest = content.digest.clone().ok_or_else(|| {
            Diagnostic::error(
                DiagnosticCode::ReadError,
                Location::file(path),
                "cannot read: its layer ends inside it",
            )
        })?;
        self.note_read(path);
        Ok(digest)
    }

    fn digest_of(&self, bytes: &[u8]) -> FileDigest {
        crate::extract::digest_of(bytes, self.image.sha512)
    }
}

/// A seekable reader over a file of an image: its kept bytes, and its true size; reading past
/// what was kept is an error that says so.
struct KeptReader {
    content: Arc<filesystem::FileContent>,
    position: u64,
}

impl Read for KeptReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        if self.position >= self.content.size {
            return Ok(0);
        }
        let kept = self.content.captured.len() as u64;
        if self.position >= kept {
            return Err(std::io::Error::other(format!(
                "only the first {kept} bytes of this file are kept from the image's layer stream"
            )));
        }
        let start = usize::try_from(self.position).unwrap_or(usize::MAX);
        let available = self.content.captured.get(start..).unwrap_or_default();
        let count = available.len().min(buffer.len());
        if let (Some(target), Some(source)) = (buffer.get_mut(..count), available.get(..count)) {
            target.copy_from_slice(source);
        }
        self.position += count as u64;
        Ok(count)
    }
}

impl Seek for KeptReader {
    fn seek(&mut self, position: SeekFrom) -> std::io::Result<u64> {
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(offset) => self.content.size.checked_add_signed(offset),
            SeekFrom::Current(offset) => self.position.checked_add_signed(offset),
        };
        let target = target.ok_or_else(|| std::io::Error::other("seek before the start"))?;
        self.position = target;
        Ok(target)
    }
}

/// The fields of `os-release` (freedesktop.org) airlock reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsRelease {
    /// `ID` (`debian`, `alpine`).
    pub id: Option<String>,
    /// `VERSION_ID` (`12`, `3.19.1`).
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`bookworm`).
    pub codename: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
}

impl OsRelease {
    /// Reads `KEY=value` lines (values optionally quoted).
    pub fn parse(text: &str) -> OsRelease {
        let mut release = OsRelease::default();
        for line in text.lines() {
            let Some((key, value)) = line.trim().split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"').trim_matches('\'').to_owned();
            if value.is_empty() {
                continue;
            }
            let field = match key.trim() {
                "ID" => &mut release.id,
                "VERSION_ID" => &mut release.version_id,
                "VERSION_CODENAME" => &mut release.codename,
                "PRETTY_NAME" => &mut release.pretty_name,
                _ => continue,
            };
            *field = Some(value.chars().take(128).collect());
        }
        release
    }
}
