//! Attestations and SBOMs attached to the images they describe, in the registry that holds the
//! images: an isolated network then needs no other service to carry the evidence, and the
//! evidence travels with the image when the registry is replicated.
//!
//! Layout (OCI Image 1.1 artifacts, found through the referrers API or its tag-schema
//! fallback, [`Registry::attach_referrer`]); each is an image manifest whose `subject` is the
//! image manifest, whose config is the empty descriptor, and which holds one layer:
//!
//! - the attestation: `artifactType` [`IN_TOTO_ARTIFACT`], one [`DSSE_ENVELOPE`] layer (the
//!   envelope `airlock attest` writes) annotated `predicateType` and
//!   `dev.cosignproject.cosign/signature` (empty: DSSE carries its signature inside), as
//!   cosign writes attestations to the referrers API (`WriteAttestationsReferrer` of
//!   `pkg/oci/remote`);
//! - the SBOM: `artifactType` and layer [`CYCLONEDX_JSON`], as `oras attach --artifact-type`
//!   writes SBOMs;
//! - the same envelope once more as a layer of cosign's tag-based attestation image
//!   (`sha256-HEX.att`, [`cosign_attestation_tag`]), which is where `cosign download
//!   attestation` and `cosign verify-attestation` look without `--experimental-oci11`: the
//!   layer is appended to what the tag holds (cosign's own attestations stay), never doubled.
//!
//! Verification trusts nothing the registry says until it is checked: a referrer's manifest and
//! blobs are fetched by digest (the client refuses bytes that differ), the manifest must name
//! the image as its subject, the envelope must verify under the operator's key, and the
//! statement's subjects must name this image's manifest (or index) digest, or every one of its
//! layers, and nothing else. An attachment failing any of these is reported, never used.

use std::collections::{BTreeMap, BTreeSet};

use crate::attestation::{AttestationError, Envelope, Statement, SubjectNames, MAX_ENVELOPE_BYTES};
use crate::signing::PublicKey;

use super::{
    Descriptor, ImageManifest, Registry, RegistryError, ResolvedImage, EMPTY_JSON, OCI_EMPTY,
    OCI_MANIFEST,
};

/// `artifactType` of an attestation manifest: the in-toto statement the DSSE envelope wraps
/// (cosign's choice for referrers; policy engines query by it).
pub const IN_TOTO_ARTIFACT: &str = "application/vnd.in-toto+json";
/// The media type of the layer holding the DSSE envelope.
pub const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
/// `artifactType` and layer media type of a CycloneDX JSON SBOM.
pub const CYCLONEDX_JSON: &str = "application/vnd.cyclonedx+json";
/// The layer annotation naming the statement's predicate type (cosign's).
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";
/// cosign's signature annotation: empty on attestations, whose signature is in the envelope.
pub const COSIGN_SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// When the attachment was made (RFC 3339).
pub const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";
/// The file name a layer is saved as by `oras pull`.
pub const TITLE_ANNOTATION: &str = "org.opencontainers.image.title";
/// The file name of the attestation layer.
pub const ATTESTATION_TITLE: &str = "airlock-attestation.dsse.json";
/// The file name of the SBOM layer.
pub const SBOM_TITLE: &str = "airlock-sbom.cdx.json";
/// The largest attached SBOM read (the same cap as an envelope, which holds a whole SBOM).
pub const MAX_SBOM_BYTES: u64 = MAX_ENVELOPE_BYTES;
/// More attachments of one kind than this on one image are not read (cosign stops at 50).
pub const MAX_ATTACHMENTS: usize = 64;

/// The artifact manifest of an attachment of `layer_bytes` (one layer of `media_type`) to
/// `subject`.
fn artifact_manifest(
    subject: &Descriptor,
    artifact_type: &str,
    media_type: &str,
    layer_bytes: &[u8],
    layer_annotations: BTreeMap<String, String>,
    created: Option<&str>,
) -> ImageManifest {
    let mut layer = Descriptor::of(media_type, layer_bytes);
    layer.annotations = layer_annotations;
    let mut subject = subject.clone();
    // The subject descriptor names the manifest only (no platform, annotations or type).
    subject.platform = None;
    subject.annotations.clear();
    subject.artifact_type = None;
    ImageManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.to_owned(),
        artifact_type: Some(artifact_type.to_owned()),
        config: Descriptor::of(OCI_EMPTY, EMPTY_JSON),
        layers: vec![layer],
        subject: Some(subject),
        annotations: created
            .map(|created| (CREATED_ANNOTATION.to_owned(), created.to_owned()))
            .into_iter()
            .collect(),
    }
}

/// The manifest attaching the DSSE envelope `envelope` (whose statement has `predicate_type`)
/// to the image `subject` describes.
pub fn attestation_manifest(
    subject: &Descriptor,
    envelope: &[u8],
    predicate_type: &str,
    created: Option<&str>,
) -> ImageManifest {
    let annotations = [
        (COSIGN_SIGNATURE_ANNOTATION, ""),
        (PREDICATE_TYPE_ANNOTATION, predicate_type),
        (TITLE_ANNOTATION, ATTESTATION_TITLE),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect();
    artifact_manifest(
        subject,
        IN_TOTO_ARTIFACT,
        DSSE_ENVELOPE,
        envelope,
        annotations,
        created,
    )
}

/// The manifest attaching the CycloneDX JSON document `sbom` to the image `subject` describes.
pub fn sbom_manifest(subject: &Descriptor, sbom: &[u8], created: Option<&str>) -> ImageManifest {
    let annotations = [(TITLE_ANNOTATION.to_owned(), SBOM_TITLE.to_owned())]
        .into_iter()
        .collect();
    artifact_manifest(
        subject,
        CYCLONEDX_JSON,
        CYCLONEDX_JSON,
        sbom,
        annotations,
        created,
    )
}

/// What [`push`] attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The attestation manifest's digest.
    pub attestation: String,
    /// The SBOM manifest's digest, when one was pushed.
    pub sbom: Option<String>,
    /// The digest of cosign's `.att` image after the envelope was added to it.
    pub cosign_attestations: String,
}

/// The media type of an OCI image config.
const OCI_IMAGE_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// The tag cosign keeps an image's attestations under: `sha256-HEX.att` for the image
/// manifest `sha256:HEX` (cosign's tag-based layout, `cosign triangulate --type attestation`).
pub fn cosign_attestation_tag(digest: &str) -> String {
    format!("{}.att", Registry::fallback_tag(digest))
}

/// The config of cosign's `.att` image: an empty image config whose `rootfs` lists each layer.
/// The envelopes are stored uncompressed, so a layer's diff id is its digest; this is the
/// config go-containerregistry's `mutate.Append` onto `empty.Image` gives, which cosign writes.
fn cosign_config(layers: &[Descriptor]) -> Vec<u8> {
    let diff_ids: Vec<&str> = layers.iter().map(|layer| layer.digest.as_str()).collect();
    let config = serde_json::json!({
        "architecture": "",
        "config": {},
        "created": "0001-01-01T00:00:00Z",
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    config.to_string().into_bytes()
}

/// Adds `layer` (an envelope already uploaded) to cosign's `.att` image of `subject_digest`,
/// creating it when the tag does not exist; layers already there (cosign's own attestations)
/// are kept, and a layer already present is not added twice. Returns the new manifest digest.
fn push_cosign_attestation(
    registry: &Registry,
    subject_digest: &str,
    layer: &Descriptor,
) -> Result<String, RegistryError> {
    let tag = cosign_attestation_tag(subject_digest);
    let mut layers = match registry.fetch_manifest(&tag) {
        Ok(fetched) => {
            let existing: ImageManifest =
                serde_json::from_slice(&fetched.bytes).map_err(|error| RegistryError::Invalid {
                    registry: registry.reference().registry.clone(),
                    what: format!("tag {tag}"),
                    reason: format!("cosign's attestation tag holds no image manifest: {error}"),
                })?;
            existing.layers
        }
        Err(RegistryError::NotFound { .. }) => Vec::new(),
        Err(error) => return Err(error),
    };
    if !layers.iter().any(|known| known.digest == layer.digest) {
        layers.push(layer.clone());
    }
    let config = cosign_config(&layers);
    registry.push_blob(&config)?;
    let manifest = ImageManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.to_owned(),
        artifact_type: None,
        config: Descriptor::of(OCI_IMAGE_CONFIG, &config),
        layers,
        subject: None,
        annotations: BTreeMap::new(),
    };
    let bytes =
        serde_json::to_vec(&manifest).map_err(|error| RegistryError::Client(error.to_string()))?;
    Ok(registry.push_manifest(&tag, OCI_MANIFEST, &bytes)?.digest)
}

/// Uploads the envelope (and the SBOM) with the empty config, then pushes their manifests as
/// referrers of `subject` (the image manifest's descriptor). The envelope goes first: an SBOM
/// without its attestation would be unsigned evidence.
pub fn push(
    registry: &Registry,
    subject: &Descriptor,
    envelope: &[u8],
    predicate_type: &str,
    sbom: Option<&[u8]>,
    created: Option<&str>,
) -> Result<Pushed, RegistryError> {
    registry.push_blob(EMPTY_JSON)?;
    registry.push_blob(envelope)?;
    let attestation_artifact = attestation_manifest(subject, envelope, predicate_type, created);
    let attestation = registry.attach_referrer(&attestation_artifact)?;
    let mut cosign_layer = Descriptor::of(DSSE_ENVELOPE, envelope);
    cosign_layer.annotations = attestation_artifact
        .layers
        .first()
        .map(|layer| layer.annotations.clone())
        .unwrap_or_default();
    let cosign_attestations = push_cosign_attestation(registry, &subject.digest, &cosign_layer)?;
    let sbom = match sbom {
        Some(bytes) => {
            registry.push_blob(bytes)?;
            Some(registry.attach_referrer(&sbom_manifest(subject, bytes, created))?)
        }
        None => None,
    };
    Ok(Pushed {
        attestation,
        sbom,
        cosign_attestations,
    })
}

/// The digests that are the image, as read from the registry now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDigests {
    /// The image manifest's digest (the image's identity).
    pub manifest: String,
    /// The index the reference named, when it named one.
    pub index: Option<String>,
    /// The config blob's digest.
    pub config: String,
    /// The layers' digests, bottom first.
    pub layers: Vec<String>,
}

impl ImageDigests {
    /// The digests of a resolved image.
    pub fn of(image: &ResolvedImage) -> ImageDigests {
        ImageDigests {
            manifest: image.manifest.digest.clone(),
            index: image.index.as_ref().map(|(digest, _)| digest.clone()),
            config: image.parsed.config.digest.clone(),
            layers: image
                .parsed
                .layers
                .iter()
                .map(|layer| layer.digest.clone())
                .collect(),
        }
    }

    /// The manifests attachments of this image may refer to: the image manifest, and the index
    /// it was chosen from (tools that sign a multi-platform image attach to the index).
    pub fn subjects(&self) -> Vec<&str> {
        std::iter::once(self.manifest.as_str())
            .chain(self.index.as_deref())
            .collect()
    }
}

/// How a statement's subjects hold against an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectMatch {
    /// A subject names the image manifest's digest (it binds the config and every layer).
    Manifest,
    /// A subject names the digest of the index the image was chosen from.
    Index,
    /// The subjects name every layer of the image (and perhaps its config).
    AllLayers(usize),
}

impl std::fmt::Display for SubjectMatch {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubjectMatch::Manifest => write!(formatter, "names the image manifest digest"),
            SubjectMatch::Index => {
                write!(formatter, "names the digest of the index the image is in")
            }
            SubjectMatch::AllLayers(count) => {
                write!(formatter, "names all {count} layer digests of the image")
            }
        }
    }
}

/// Checks a verified statement's subjects against the image as it is in the registry now: each
/// must name the image's manifest, its index, its config or one of its layers (a subject naming
/// anything else means the statement is about other content), and together they must cover
/// the image (its manifest or index, or every layer).
pub fn check_subjects(statement: &Statement, image: &ImageDigests) -> Result<SubjectMatch, String> {
    let hex = |digest: &str| digest.strip_prefix("sha256:").unwrap_or(digest).to_owned();
    let layers: BTreeSet<String> = image.layers.iter().map(|layer| hex(layer)).collect();
    let manifest = hex(&image.manifest);
    let index = image.index.as_deref().map(hex);
    let config = hex(&image.config);
    if statement.subjects.is_empty() {
        return Err("the statement names no subject".to_owned());
    }
    let mut named_layers = BTreeSet::new();
    let mut names_manifest = false;
    let mut names_index = false;
    for subject in &statement.subjects {
        let digest = subject.sha256.to_ascii_lowercase();
        if digest == manifest {
            names_manifest = true;
        } else if index.as_deref() == Some(digest.as_str()) {
            names_index = true;
        } else if layers.contains(&digest) {
            named_layers.insert(digest);
        } else if digest != config {
            return Err(format!(
                "subject `{}` names sha256:{digest}, which is not this image (manifest {}, {}): the statement is about other content",
                subject.name.escape_debug(),
                image.manifest,
                match image.layers.len() {
                    1 => "1 layer".to_owned(),
                    count => format!("{count} layers"),
                }
            ));
        }
    }
    if names_manifest {
        Ok(SubjectMatch::Manifest)
    } else if names_index {
        Ok(SubjectMatch::Index)
    } else if !layers.is_empty() && named_layers.len() == layers.len() {
        Ok(SubjectMatch::AllLayers(layers.len()))
    } else {
        Err(format!(
            "the subjects name {} of the image's {} layers and neither its manifest nor its index: the statement does not cover the whole image",
            named_layers.len(),
            layers.len()
        ))
    }
}

/// Why an attached attestation was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not an attestation as airlock reads them (no subject, not this image, not one DSSE
    /// layer, not an envelope).
    Layout,
    /// No signature verifies under the operator's key (signed by another key, or altered
    /// after signing).
    Signature,
    /// Signed by the key, but the statement is not one airlock reads.
    Statement,
    /// Signed by the key, but its subjects are not this image.
    Subjects,
}

impl Rejection {
    /// A word for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Layout => "layout",
            Rejection::Signature => "signature",
            Rejection::Statement => "statement",
            Rejection::Subjects => "subjects",
        }
    }
}

/// One attestation found attached to the image, and what became of it.
#[derive(Debug, Clone)]
pub struct FoundAttestation {
    /// The attestation manifest's digest.
    pub manifest: String,
    /// The manifest it is attached to (the image manifest or its index).
    pub attached_to: String,
    /// Its `org.opencontainers.image.created`, as the registry's index says.
    pub created: Option<String>,
    /// The envelope blob's digest, once the manifest was read.
    pub envelope: Option<String>,
    /// The verdict.
    pub outcome: Result<AcceptedAttestation, (Rejection, String)>,
}

/// An attestation that verified under the operator's key and covers the image.
#[derive(Debug, Clone)]
pub struct AcceptedAttestation {
    /// The fingerprint of the key that verified.
    pub key: String,
    /// The verified statement (its predicate is the SBOM of the scan that was signed).
    pub statement: Statement,
    /// How the subjects cover the image.
    pub subjects: SubjectMatch,
}

/// Every attestation attached to the image, each fetched, checked and verified under `key`.
/// Registry failures (unreachable, a blob or manifest whose bytes are not its digest) are
/// errors: the registry could not be read faithfully. Attachments that are merely wrong are
/// reported in the list, in the order to prefer them: newest first, then by digest.
pub fn find_attestations(
    registry: &Registry,
    image: &ImageDigests,
    key: &PublicKey,
) -> Result<Vec<FoundAttestation>, RegistryError> {
    let mut found = Vec::new();
    for (attached_to, descriptor) in referrers(registry, image, IN_TOTO_ARTIFACT)? {
        let created = descriptor.annotations.get(CREATED_ANNOTATION).cloned();
        let (envelope, outcome) = match read_single_layer(
            registry,
            &descriptor.digest,
            &attached_to,
            DSSE_ENVELOPE,
            MAX_ENVELOPE_BYTES,
        )? {
            Err(reason) => (None, Err((Rejection::Layout, reason))),
            Ok((layer, bytes)) => (Some(layer), judge_envelope(&bytes, key, image)),
        };
        found.push(FoundAttestation {
            manifest: descriptor.digest.clone(),
            attached_to,
            created,
            envelope,
            outcome,
        });
    }
    Ok(found)
}

/// The verdict on one envelope's bytes.
fn judge_envelope(
    bytes: &[u8],
    key: &PublicKey,
    image: &ImageDigests,
) -> Result<AcceptedAttestation, (Rejection, String)> {
    let envelope =
        Envelope::from_json(bytes).map_err(|error| (Rejection::Layout, error.to_string()))?;
    let verified =
        envelope
            .verify_with(key, SubjectNames::Images)
            .map_err(|error| match error {
                AttestationError::Signature(reason) => (Rejection::Signature, reason),
                other => (Rejection::Statement, other.to_string()),
            })?;
    let subjects = check_subjects(&verified.statement, image)
        .map_err(|reason| (Rejection::Subjects, reason))?;
    Ok(AcceptedAttestation {
        key: verified.key,
        statement: verified.statement,
        subjects,
    })
}

/// One SBOM found attached to the image.
#[derive(Debug, Clone)]
pub struct FoundSbom {
    /// The SBOM manifest's digest.
    pub manifest: String,
    /// The manifest it is attached to.
    pub attached_to: String,
    /// The SBOM, parsed; or why it could not be read as one.
    pub document: Result<serde_json::Value, String>,
}

/// Every CycloneDX SBOM attached to the image, fetched by digest and parsed (never trusted:
/// an SBOM carries no signature; the caller compares it with a verified statement's predicate).
pub fn find_sboms(
    registry: &Registry,
    image: &ImageDigests,
) -> Result<Vec<FoundSbom>, RegistryError> {
    let mut found = Vec::new();
    for (attached_to, descriptor) in referrers(registry, image, CYCLONEDX_JSON)? {
        let document = read_single_layer(
            registry,
            &descriptor.digest,
            &attached_to,
            CYCLONEDX_JSON,
            MAX_SBOM_BYTES,
        )?
        .and_then(|(_, bytes)| {
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .map_err(|error| format!("not JSON: {error}"))
        });
        found.push(FoundSbom {
            manifest: descriptor.digest,
            attached_to,
            document,
        });
    }
    Ok(found)
}

/// The referrers of `artifact_type` of the image manifest and of its index, each with the
/// digest it refers to; newest first (by the `created` annotation), then by digest, at most
/// [`MAX_ATTACHMENTS`].
fn referrers(
    registry: &Registry,
    image: &ImageDigests,
    artifact_type: &str,
) -> Result<Vec<(String, Descriptor)>, RegistryError> {
    let mut all = Vec::new();
    let mut seen = BTreeSet::new();
    for subject in image.subjects() {
        for descriptor in registry.referrers(subject, Some(artifact_type))? {
            if seen.insert(descriptor.digest.clone()) {
                all.push((subject.to_owned(), descriptor));
            }
        }
    }
    all.sort_by(|(_, a), (_, b)| {
        let created = |descriptor: &Descriptor| {
            descriptor
                .annotations
                .get(CREATED_ANNOTATION)
                .cloned()
                .unwrap_or_default()
        };
        created(b)
            .cmp(&created(a))
            .then_with(|| a.digest.cmp(&b.digest))
    });
    all.truncate(MAX_ATTACHMENTS);
    Ok(all)
}

/// Fetches the artifact manifest `digest` and its one layer of `media_type`: the manifest
/// must name `subject` as its subject. `Ok(Err(reason))` when the artifact is not laid out so;
/// `Err` when the registry failed or served bytes that are not their digest.
fn read_single_layer(
    registry: &Registry,
    digest: &str,
    subject: &str,
    media_type: &str,
    max_bytes: u64,
) -> Result<Result<(String, Vec<u8>), String>, RegistryError> {
    if !super::valid_digest(digest) {
        return Ok(Err(format!(
            "the referrers index lists `{}`, not a SHA-256 digest",
            digest.escape_debug()
        )));
    }
    let fetched = registry.fetch_manifest(digest)?;
    let manifest: ImageManifest = match serde_json::from_slice(&fetched.bytes) {
        Ok(manifest) => manifest,
        Err(error) => return Ok(Err(format!("not an image manifest: {error}"))),
    };
    match &manifest.subject {
        Some(named) if named.digest == subject => {}
        Some(named) => {
            return Ok(Err(format!(
                "its manifest names {} as its subject, not {subject}",
                named.digest.escape_debug()
            )))
        }
        None => return Ok(Err("its manifest names no subject".to_owned())),
    }
    let [layer] = manifest.layers.as_slice() else {
        return Ok(Err(format!(
            "it holds {} layers, not one",
            manifest.layers.len()
        )));
    };
    if layer.media_type != media_type {
        return Ok(Err(format!(
            "its layer is `{}`, not `{media_type}`",
            layer.media_type.escape_debug()
        )));
    }
    if !super::valid_digest(&layer.digest) {
        return Ok(Err(format!(
            "its layer names `{}`, not a SHA-256 digest",
            layer.digest.escape_debug()
        )));
    }
    if layer.size > max_bytes {
        return Ok(Err(format!(
            "its layer is {} bytes, over the {max_bytes}-byte cap",
            layer.size
        )));
    }
    let bytes = registry.fetch_blob(&layer.digest, max_bytes)?;
    Ok(Ok((layer.digest.clone(), bytes)))
}

#[cfg(test)]
mod tests;
