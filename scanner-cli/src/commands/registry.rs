//! `oci://` arguments: the CLI's side of pulling an image from a registry. The advisories
//! crate's client ([`advisories::oci`]) talks to the registry; the core reads the image through
//! [`scanner_core::image::BlobSource`], which this module implements with that client, so the
//! core holds no network code. Layers stream from the connection into the image reader; nothing
//! is written to disk.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use advisories::oci::{Platform, Reference, Registry, RegistryOptions};
use scanner_core::image::{BlobSource, RemoteImage};

use crate::cli::{ImageArgs, RegistryArgs};

/// The client options the operator's flags ask for: their auth files, HTTPS unless
/// `--insecure-registry`, helpers only with `--credential-helpers`.
pub fn options(args: &RegistryArgs) -> RegistryOptions {
    let mut options = RegistryOptions::from_environment();
    options.insecure = args.insecure_registry;
    options.auth.credential_helpers = args.credential_helpers;
    options
}

/// A registry reference with the name the scan gives its image.
pub type Named = (String, Reference);

/// How the scan names the image of an `oci://` argument: the reference without its scheme
/// (`HOST/REPO:TAG`, as container tools write it). A display path holds no `//`, which the
/// paths of files inside the image (`HOST/REPO:TAG!/usr/lib/…`) would lose when normalized.
pub fn display(argument: &str) -> &str {
    argument
        .strip_prefix(advisories::oci::SCHEME)
        .unwrap_or(argument)
}

/// The paths on disk and the registry references among PATH arguments, each reference with
/// the name the scan gives its image ([`display`]).
pub fn split(paths: &[PathBuf]) -> anyhow::Result<(Vec<PathBuf>, Vec<Named>)> {
    let mut local = Vec::new();
    let mut remote = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        if Reference::is_oci(&text) {
            remote.push((display(&text).to_owned(), Reference::parse(&text)?));
        } else {
            local.push(path.clone());
        }
    }
    Ok((local, remote))
}

/// The platform `--platform` names, else the host's.
pub fn platform(args: &ImageArgs) -> anyhow::Result<Platform> {
    match &args.platform {
        Some(text) => Platform::parse(text).ok_or_else(|| {
            anyhow::anyhow!("--platform `{text}` is not OS/ARCH or OS/ARCH/VARIANT (linux/amd64, linux/arm64/v8)")
        }),
        None => Ok(Platform::host()),
    }
}

/// Resolves each reference to its image manifest (for the platform) and makes it readable by
/// the core. Nothing is downloaded but manifests; layers are read when the scan streams them.
pub fn pull(references: &[Named], args: &ImageArgs) -> anyhow::Result<Vec<Arc<RemoteImage>>> {
    let platform = platform(args)?;
    let options = options(&args.registry);
    let mut images = Vec::new();
    for (display, reference) in references {
        let registry = Registry::connect(reference, &options)?;
        let resolved = registry
            .resolve_image(&platform)
            .map_err(|error| anyhow::anyhow!("cannot pull {reference}: {error}"))?;
        let mut sizes = BTreeMap::new();
        sizes.insert(
            resolved.parsed.config.digest.clone(),
            resolved.parsed.config.size,
        );
        for layer in &resolved.parsed.layers {
            sizes.insert(layer.digest.clone(), layer.size);
        }
        let mut notes = Vec::new();
        if let Some((index, platform)) = &resolved.index {
            notes.push(format!(
                "{reference} is a multi-platform index ({index}); the {platform} image {} was read (--platform picks another)",
                resolved.manifest.digest
            ));
        }
        images.push(Arc::new(RemoteImage {
            display: display.clone(),
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            tag: reference.tag.clone(),
            manifest_digest: resolved.manifest.digest.clone(),
            manifest: resolved.manifest.bytes.clone(),
            notes,
            blobs: Arc::new(RegistryBlobs { registry, sizes }),
        }));
    }
    Ok(images)
}

/// The blobs of one image, read from its registry: each capped at the size its manifest
/// declares and checked against its digest as it streams.
#[derive(Debug)]
struct RegistryBlobs {
    registry: Registry,
    /// digest → size, as the manifest declares them; no other blob is fetched.
    sizes: BTreeMap<String, u64>,
}

impl BlobSource for RegistryBlobs {
    fn open_blob(&self, digest: &str) -> std::io::Result<Box<dyn Read + Send>> {
        let size = self.sizes.get(digest).copied().ok_or_else(|| {
            std::io::Error::other(format!("{digest} is not a blob of this image's manifest"))
        })?;
        let reader = self
            .registry
            .open_blob(digest, size)
            .map_err(std::io::Error::other)?;
        Ok(Box::new(reader))
    }
}

/// Attaches a signed attestation (and the SBOM it signs) to the image the scan read, by its
/// manifest digest (never the tag again, which may have moved since): the subject descriptor
/// is fetched by that digest and checked against it.
pub fn attach(
    argument: &str,
    args: &RegistryArgs,
    manifest_digest: &str,
    envelope: &[u8],
    predicate_type: &str,
    sbom: &[u8],
    created: &str,
) -> anyhow::Result<advisories::oci::attach::Pushed> {
    let reference = Reference::parse(argument)?;
    let registry = Registry::connect(&reference, &options(args))?;
    let manifest = registry
        .fetch_manifest(manifest_digest)
        .map_err(|error| anyhow::anyhow!("cannot attach to {reference}: {error}"))?;
    advisories::oci::attach::push(
        &registry,
        &manifest.descriptor(),
        envelope,
        predicate_type,
        Some(sbom),
        Some(created),
    )
    .map_err(|error| anyhow::anyhow!("cannot attach to {reference}: {error}"))
}
