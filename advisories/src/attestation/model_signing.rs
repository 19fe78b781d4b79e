//! OpenSSF model_signing v1.0 (https://github.com/sigstore/model-transparency, PyPI
//! `model-signing`): the digest of a model directory, and offline verification of a signature
//! bundle made with an elliptic-curve key (`model_signing sign key`).
//!
//! The format, as the reference implementation (1.1) writes and checks it:
//! - A sigstore bundle (`application/vnd.dev.sigstore.bundle.v0.3+json`) whose
//!   `verificationMaterial.publicKey.hint` is the hex SHA-256 of the signer's public key in SPKI
//!   PEM, and whose `dsseEnvelope` holds an in-toto Statement v1 signed with ECDSA over the DSSE
//!   PAE: SHA-256 with P-256 keys, SHA-384 with P-384 keys, DER-encoded signatures.
//! - The statement's predicate type is `https://model_signing/signature/v1.0`; its predicate
//!   holds `serialization` (`method: files`, `hash_type: sha256`, `allow_symlinks`,
//!   `ignore_paths`) and `resources`: one `{name, algorithm, digest}` per file, the name relative
//!   to the model directory, `/`-separated.
//! - Its single subject is the model (named after the directory) with the root digest: SHA-256
//!   over the raw 32-byte digests of the resources, in the order of their paths compared
//!   segment by segment (Python's `PurePosixPath` order: `a/b` sorts before `a.txt`).
//! - Every regular file under the directory is a resource except the ignored paths (a path is
//!   ignored when it is an ignored path or lies below one); a symbolic link is an error unless
//!   `allow_symlinks`. Verification hashes the directory again and requires the same set: a
//!   missing, changed or extra file fails.
//!
//! Only the `files` serialization with SHA-256 is supported (the default of `model_signing`);
//! `shards`, BLAKE2 and BLAKE3 manifests are refused with a message saying so.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{is_sha256_hex, pae, PAYLOAD_TYPE, STATEMENT_TYPE};

/// The bundle media type `model_signing` writes.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The predicate type of model_signing v1.0 statements.
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";
/// The experimental predicate of model_signing 0.2 (not supported).
const PREDICATE_TYPE_COMPAT: &str = "https://model_signing/Digests/v0.1";
/// The paths `model_signing` ignores by default (`--ignore-git-paths`).
pub const DEFAULT_IGNORED_PATHS: &[&str] = &[".git", ".gitattributes", ".github", ".gitignore"];
/// Bundles are a few kilobytes plus one line per file.
pub const MAX_BUNDLE_BYTES: u64 = 64 * 1024 * 1024;
/// A model directory with more files than this is refused rather than walked.
pub const MAX_MODEL_FILES: usize = 1_000_000;

/// Why a model signature was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelSignatureError {
    /// The key or bundle file could not be read.
    #[error("{}: {context}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being read.
        context: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The key file is not an ECDSA P-256 or P-384 public key.
    #[error("{}: {message}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The file is not a model_signing bundle airlock can read.
    #[error("not a model_signing bundle: {0}")]
    Bundle(String),
    /// The bundle is not signed by the given key.
    #[error("{0}")]
    Signature(String),
    /// The signed statement is not a model_signing v1.0 manifest airlock supports.
    #[error("the signed model manifest is not valid: {0}")]
    Manifest(String),
    /// The directory cannot be serialized the way the signature says.
    #[error("{0}")]
    Directory(String),
}

/// An elliptic-curve public key of a curve model_signing signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcPublicKey {
    /// NIST P-256 (ECDSA with SHA-256).
    P256(p256::ecdsa::VerifyingKey),
    /// NIST P-384 (ECDSA with SHA-384).
    P384(p384::ecdsa::VerifyingKey),
}

impl EcPublicKey {
    /// Reads an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`) on P-256 or P-384.
    pub fn from_pem(text: &str, path: &Path) -> Result<EcPublicKey, ModelSignatureError> {
        let text = text.trim();
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_pem(text) {
            return Ok(EcPublicKey::P256(key));
        }
        if let Ok(key) = p384::ecdsa::VerifyingKey::from_public_key_pem(text) {
            return Ok(EcPublicKey::P384(key));
        }
        Err(ModelSignatureError::Key {
            path: path.to_owned(),
            message: "not an ECDSA P-256 or P-384 public key in SPKI PEM (`-----BEGIN PUBLIC KEY-----`); model_signing's P-521 keys are not supported".to_owned(),
        })
    }

    /// Reads a PEM public key file of at most 64 KiB (anything larger is not a key).
    pub fn load(path: &Path) -> Result<EcPublicKey, ModelSignatureError> {
        let io = |source| ModelSignatureError::Io {
            path: path.to_owned(),
            context: "cannot read the key",
            source,
        };
        let metadata = std::fs::metadata(path).map_err(io)?;
        if metadata.len() > 64 * 1024 {
            return Err(ModelSignatureError::Key {
                path: path.to_owned(),
                message: "larger than 65536 bytes: not a key file".to_owned(),
            });
        }
        EcPublicKey::from_pem(&std::fs::read_to_string(path).map_err(io)?, path)
    }

    /// The curve's name, as reports show the key.
    pub fn curve(&self) -> &'static str {
        match self {
            EcPublicKey::P256(_) => "P-256",
            EcPublicKey::P384(_) => "P-384",
        }
    }

    /// The key in SPKI PEM as `cryptography` (and OpenSSL) writes it.
    fn to_pem(&self) -> Result<String, ModelSignatureError> {
        let pem = match self {
            EcPublicKey::P256(key) => key.to_public_key_pem(LineEnding::LF),
            EcPublicKey::P384(key) => key.to_public_key_pem(LineEnding::LF),
        };
        pem.map_err(|error| {
            ModelSignatureError::Signature(format!("cannot encode the key: {error}"))
        })
    }

    /// model_signing's key hint: the hex SHA-256 of the SPKI PEM text.
    pub fn hint(&self) -> Result<String, ModelSignatureError> {
        Ok(hex::encode(Sha256::digest(self.to_pem()?.as_bytes())))
    }

    /// Checks a DER-encoded ECDSA signature (SHA-256 for P-256, SHA-384 for P-384).
    fn verify(&self, message: &[u8], der: &[u8]) -> bool {
        use p256::ecdsa::signature::Verifier as _;
        match self {
            EcPublicKey::P256(key) => p256::ecdsa::DerSignature::try_from(der)
                .is_ok_and(|signature| key.verify(message, &signature).is_ok()),
            EcPublicKey::P384(key) => p384::ecdsa::DerSignature::try_from(der)
                .is_ok_and(|signature| key.verify(message, &signature).is_ok()),
        }
    }
}

/// One file of a model manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Relative to the model directory, `/`-separated (`.` for a model that is one file).
    pub name: String,
    /// Lowercase hex SHA-256.
    pub sha256: String,
}

/// How the model was serialized into resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serialization {
    /// Whether the signer followed symbolic links; the digests only hold when the verifier
    /// walks the model the same way.
    pub allow_symlinks: bool,
    /// Relative to the model directory.
    pub ignore_paths: Vec<String>,
}

impl Default for Serialization {
    /// `model_signing`'s defaults.
    fn default() -> Self {
        Serialization {
            allow_symlinks: false,
            ignore_paths: DEFAULT_IGNORED_PATHS
                .iter()
                .map(|path| (*path).to_owned())
                .collect(),
        }
    }
}

/// A verified model manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelManifest {
    /// The model's name as the signer gave it (the subject's name).
    pub model_name: String,
    /// The subject digest (hex).
    pub root_digest: String,
    /// How the files were walked when signing, to walk them the same way.
    pub serialization: Serialization,
    /// Every signed file with its digest, in model_signing's order.
    pub resources: Vec<Resource>,
}

/// Orders paths as Python's `PurePosixPath` does: segment by segment.
pub fn path_order(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// The model's root digest: SHA-256 over the raw resource digests, in path order.
pub fn root_digest(resources: &[Resource]) -> Result<String, ModelSignatureError> {
    let mut sorted: Vec<&Resource> = resources.iter().collect();
    sorted.sort_by(|a, b| path_order(&a.name, &b.name));
    digest_in_order(sorted.into_iter())
}

fn digest_in_order<'r>(
    resources: impl Iterator<Item = &'r Resource>,
) -> Result<String, ModelSignatureError> {
    let mut hasher = Sha256::new();
    for resource in resources {
        let raw = hex::decode(&resource.sha256).map_err(|_| {
            ModelSignatureError::Manifest(format!(
                "the digest of `{}` is not hex: `{}`",
                resource.name, resource.sha256
            ))
        })?;
        hasher.update(raw);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BundleWire {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    verification_material: Option<VerificationMaterialWire>,
    dsse_envelope: Option<EnvelopeWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerificationMaterialWire {
    #[serde(default)]
    public_key: Option<PublicKeyWire>,
}

#[derive(Deserialize)]
struct PublicKeyWire {
    #[serde(default)]
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeWire {
    payload: String,
    payload_type: String,
    #[serde(default)]
    signatures: Vec<SignatureWire>,
}

#[derive(Deserialize)]
struct SignatureWire {
    sig: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatementWire {
    #[serde(rename = "_type")]
    statement_type: String,
    #[serde(default)]
    subject: Vec<SubjectWire>,
    predicate_type: String,
    predicate: Option<PredicateWire>,
}

#[derive(Deserialize)]
struct SubjectWire {
    #[serde(default)]
    name: String,
    #[serde(default)]
    digest: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct PredicateWire {
    serialization: SerializationWire,
    #[serde(default)]
    resources: Vec<ResourceWire>,
}

#[derive(Deserialize)]
struct SerializationWire {
    method: String,
    hash_type: String,
    #[serde(default)]
    allow_symlinks: bool,
    #[serde(default)]
    ignore_paths: Vec<String>,
}

#[derive(Deserialize)]
struct ResourceWire {
    name: String,
    algorithm: String,
    digest: String,
}

/// Reads a bundle file under [`MAX_BUNDLE_BYTES`] and verifies it with `key`.
pub fn verify_bundle_file(
    path: &Path,
    key: &EcPublicKey,
) -> Result<ModelManifest, ModelSignatureError> {
    let io = |source| ModelSignatureError::Io {
        path: path.to_owned(),
        context: "cannot read the signature",
        source,
    };
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.len() > MAX_BUNDLE_BYTES {
        return Err(ModelSignatureError::Bundle(format!(
            "{} bytes, over the {MAX_BUNDLE_BYTES}-byte cap",
            metadata.len()
        )));
    }
    verify_bundle(&std::fs::read(path).map_err(io)?, key)
}

/// Verifies a bundle's signature with `key`, then reads its manifest and checks that the
/// subject's root digest is the digest of the listed resources. The payload is not parsed
/// before the signature holds.
pub fn verify_bundle(
    bytes: &[u8],
    key: &EcPublicKey,
) -> Result<ModelManifest, ModelSignatureError> {
    let bundle_error = |message: String| ModelSignatureError::Bundle(message);
    let bundle: BundleWire = serde_json::from_slice(bytes)
        .map_err(|error| bundle_error(format!("not a sigstore bundle in JSON: {error}")))?;
    if bundle.media_type != BUNDLE_MEDIA_TYPE {
        return Err(bundle_error(format!(
            "media type `{}`, expected `{BUNDLE_MEDIA_TYPE}`",
            bundle.media_type
        )));
    }
    let envelope = bundle.dsse_envelope.ok_or_else(|| {
        bundle_error(
            "it holds no `dsseEnvelope` (a message signature is not a model signature)".to_owned(),
        )
    })?;
    let hint = bundle
        .verification_material
        .and_then(|material| material.public_key)
        .and_then(|public_key| public_key.hint)
        .filter(|hint| !hint.is_empty());
    let ours = key.hint()?;
    if let Some(hint) = &hint {
        if !hint.eq_ignore_ascii_case(&ours) {
            return Err(ModelSignatureError::Signature(format!(
                "the bundle was signed with another key: its key hint is {hint}, the given {} key's is {ours}",
                key.curve()
            )));
        }
    }
    let payload = BASE64.decode(envelope.payload.trim()).map_err(|error| {
        bundle_error(format!("the DSSE payload is not standard base64: {error}"))
    })?;
    let message = pae(&envelope.payload_type, &payload);
    let mut verified = false;
    for signature in &envelope.signatures {
        let der = BASE64.decode(signature.sig.trim()).map_err(|error| {
            bundle_error(format!("a DSSE signature is not standard base64: {error}"))
        })?;
        if key.verify(&message, &der) {
            verified = true;
            break;
        }
    }
    if envelope.signatures.is_empty() {
        return Err(bundle_error(
            "the DSSE envelope carries no signature".to_owned(),
        ));
    }
    if !verified {
        return Err(ModelSignatureError::Signature(format!(
            "the ECDSA {} signature does not verify with the given key: the signed manifest was changed after signing, or another key signed it",
            key.curve()
        )));
    }
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(ModelSignatureError::Manifest(format!(
            "payload type `{}`, expected `{PAYLOAD_TYPE}`",
            envelope.payload_type
        )));
    }
    manifest(&payload)
}

fn manifest(payload: &[u8]) -> Result<ModelManifest, ModelSignatureError> {
    let invalid = |message: String| ModelSignatureError::Manifest(message);
    let statement: StatementWire = serde_json::from_slice(payload)
        .map_err(|error| invalid(format!("not an in-toto statement: {error}")))?;
    if statement.statement_type != STATEMENT_TYPE {
        return Err(invalid(format!(
            "`_type` is `{}`, expected `{STATEMENT_TYPE}`",
            statement.statement_type
        )));
    }
    if statement.predicate_type == PREDICATE_TYPE_COMPAT {
        return Err(invalid(format!(
            "predicate type `{PREDICATE_TYPE_COMPAT}` is model_signing 0.2's experimental format; re-sign with model_signing 1.0 or later"
        )));
    }
    if statement.predicate_type != PREDICATE_TYPE {
        return Err(invalid(format!(
            "predicate type `{}`, expected `{PREDICATE_TYPE}`",
            statement.predicate_type
        )));
    }
    let [subject] = statement.subject.as_slice() else {
        return Err(invalid(format!(
            "{} subjects, expected exactly one (the model)",
            statement.subject.len()
        )));
    };
    let expected_root = subject
        .digest
        .get("sha256")
        .filter(|digest| is_sha256_hex(digest))
        .ok_or_else(|| invalid("the subject has no sha256 digest".to_owned()))?
        .to_ascii_lowercase();
    let predicate = statement
        .predicate
        .ok_or_else(|| invalid("the statement has no predicate".to_owned()))?;
    let serialization = predicate.serialization;
    if serialization.method != "files" {
        return Err(invalid(format!(
            "serialization method `{}`; airlock verifies the `files` method only",
            serialization.method
        )));
    }
    if serialization.hash_type != "sha256" {
        return Err(invalid(format!(
            "hash type `{}`; airlock verifies SHA-256 manifests only",
            serialization.hash_type
        )));
    }
    let mut resources = Vec::with_capacity(predicate.resources.len());
    for resource in predicate.resources {
        if resource.algorithm != "sha256" || !is_sha256_hex(&resource.digest) {
            return Err(invalid(format!(
                "resource `{}` has a {} digest `{}`, expected 64 hex digits of sha256",
                resource.name, resource.algorithm, resource.digest
            )));
        }
        resources.push(Resource {
            name: resource.name,
            sha256: resource.digest.to_ascii_lowercase(),
        });
    }
    // As model_signing does: the root digest over the resources in the order listed.
    let root = digest_in_order(resources.iter())?;
    if root != expected_root {
        return Err(invalid(format!(
            "the subject's root digest is {expected_root}, but the listed files hash to {root}"
        )));
    }
    Ok(ModelManifest {
        model_name: subject.name.clone(),
        root_digest: expected_root,
        serialization: Serialization {
            allow_symlinks: serialization.allow_symlinks,
            ignore_paths: serialization.ignore_paths,
        },
        resources,
    })
}

/// The files of a model directory as model_signing serializes it: every regular file below
/// `directory`, named relative to it, except the ignored paths (and `also_ignored`, absolute or
/// relative to the working directory: the signature file when it lies inside the model).
/// Sorted in path order. A model that is one file is named `.`.
pub fn model_files(
    directory: &Path,
    serialization: &Serialization,
    also_ignored: &[PathBuf],
) -> Result<Vec<(String, PathBuf)>, ModelSignatureError> {
    let directory_error = |message: String| ModelSignatureError::Directory(message);
    let metadata =
        std::fs::symlink_metadata(directory).map_err(|source| ModelSignatureError::Io {
            path: directory.to_owned(),
            context: "cannot read the model",
            source,
        })?;
    if metadata.file_type().is_symlink() && !serialization.allow_symlinks {
        return Err(directory_error(format!(
            "{} is a symbolic link, and the signature was made without allow_symlinks",
            directory.display()
        )));
    }
    let canonical_root = std::fs::canonicalize(directory).ok();
    let ignored: Vec<Vec<String>> = serialization
        .ignore_paths
        .iter()
        .map(|path| segments(path))
        .chain(also_ignored.iter().filter_map(|path| {
            let canonical = std::fs::canonicalize(path).ok()?;
            let relative = canonical.strip_prefix(canonical_root.as_ref()?).ok()?;
            Some(segments(&relative.to_string_lossy()))
        }))
        .filter(|segments| !segments.is_empty())
        .collect();
    let mut files = Vec::new();
    if std::fs::metadata(directory).is_ok_and(|metadata| metadata.is_file()) {
        files.push((".".to_owned(), directory.to_owned()));
        return Ok(files);
    }
    walk(
        directory,
        &mut Vec::new(),
        serialization,
        &ignored,
        &mut files,
    )?;
    files.sort_by(|a, b| path_order(&a.0, &b.0));
    Ok(files)
}

fn segments(path: &str) -> Vec<String> {
    path.replace('\\', "/")
        .split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .map(str::to_owned)
        .collect()
}

fn walk(
    directory: &Path,
    relative: &mut Vec<String>,
    serialization: &Serialization,
    ignored: &[Vec<String>],
    files: &mut Vec<(String, PathBuf)>,
) -> Result<(), ModelSignatureError> {
    let io = |path: &Path, source| ModelSignatureError::Io {
        path: path.to_owned(),
        context: "cannot read the model",
        source,
    };
    if relative.len() > 64 {
        return Err(ModelSignatureError::Directory(format!(
            "{} is nested more than 64 directories deep",
            directory.display()
        )));
    }
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(directory)
        .map_err(|source| io(directory, source))?
        .collect::<Result<_, _>>()
        .map_err(|source| io(directory, source))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        relative.push(name);
        let is_ignored = ignored
            .iter()
            .any(|ignored| relative.starts_with(ignored.as_slice()));
        if !is_ignored {
            let path = entry.path();
            let file_type = entry.file_type().map_err(|source| io(&path, source))?;
            if file_type.is_symlink() && !serialization.allow_symlinks {
                return Err(ModelSignatureError::Directory(format!(
                    "{} is a symbolic link, and the signature was made without allow_symlinks",
                    path.display()
                )));
            }
            let metadata = std::fs::metadata(&path).map_err(|source| io(&path, source))?;
            if metadata.is_dir() {
                walk(&path, relative, serialization, ignored, files)?;
            } else if metadata.is_file() {
                if files.len() >= MAX_MODEL_FILES {
                    return Err(ModelSignatureError::Directory(format!(
                        "more than {MAX_MODEL_FILES} files in the model"
                    )));
                }
                files.push((relative.join("/"), path));
            } else {
                return Err(ModelSignatureError::Directory(format!(
                    "{} is neither a file nor a directory (a socket, pipe or device)",
                    path.display()
                )));
            }
        }
        relative.pop();
    }
    Ok(())
}

/// How the files on disk compare with a signed manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestComparison {
    /// Files whose bytes are the signed ones.
    pub matching: Vec<String>,
    /// Name, signed digest, digest on disk.
    pub modified: Vec<(String, String, String)>,
    /// Signed, not on disk.
    pub missing: Vec<String>,
    /// On disk, not in the manifest.
    pub extra: Vec<String>,
}

impl ManifestComparison {
    /// The files on disk are exactly the signed ones: nothing changed, missing or added.
    pub fn holds(&self) -> bool {
        self.modified.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Compares the signed resources with the files found (name, hex SHA-256).
pub fn compare(expected: &[Resource], found: &[Resource]) -> ManifestComparison {
    let signed: BTreeMap<&str, &str> = expected
        .iter()
        .map(|resource| (resource.name.as_str(), resource.sha256.as_str()))
        .collect();
    let on_disk: BTreeMap<&str, &str> = found
        .iter()
        .map(|resource| (resource.name.as_str(), resource.sha256.as_str()))
        .collect();
    let mut comparison = ManifestComparison::default();
    for (name, digest) in &signed {
        match on_disk.get(name) {
            Some(actual) if actual == digest => comparison.matching.push((*name).to_owned()),
            Some(actual) => comparison.modified.push((
                (*name).to_owned(),
                (*digest).to_owned(),
                (*actual).to_owned(),
            )),
            None => comparison.missing.push((*name).to_owned()),
        }
    }
    comparison.extra = on_disk
        .keys()
        .filter(|name| !signed.contains_key(*name))
        .map(|name| (*name).to_owned())
        .collect();
    comparison
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn paths_are_ordered_segment_by_segment() {
        let mut names = vec!["tokenizer.json", "tokenizer/vocab.txt", "a", "README.md"];
        names.sort_by(|a, b| path_order(a, b));
        assert_eq!(
            names,
            ["README.md", "a", "tokenizer/vocab.txt", "tokenizer.json"]
        );
    }

    #[test]
    fn the_root_digest_hashes_raw_digests_in_path_order() {
        let resource = |name: &str, byte: u8| Resource {
            name: name.to_owned(),
            sha256: hex::encode([byte; 32]),
        };
        let resources = [resource("b.json", 2), resource("b/x", 1)];
        let mut expected = Sha256::new();
        expected.update([1u8; 32]);
        expected.update([2u8; 32]);
        assert_eq!(
            root_digest(&resources).unwrap(),
            hex::encode(expected.finalize())
        );
    }

    #[test]
    fn comparisons_name_every_difference() {
        let resource = |name: &str, digest: &str| Resource {
            name: name.to_owned(),
            sha256: digest.to_owned(),
        };
        let comparison = compare(
            &[resource("a", "1"), resource("b", "2"), resource("c", "3")],
            &[resource("a", "1"), resource("b", "9"), resource("d", "4")],
        );
        assert_eq!(comparison.matching, ["a"]);
        assert_eq!(
            comparison.modified,
            [("b".to_owned(), "2".to_owned(), "9".to_owned())]
        );
        assert_eq!(comparison.missing, ["c"]);
        assert_eq!(comparison.extra, ["d"]);
        assert!(!comparison.holds());
    }
}
