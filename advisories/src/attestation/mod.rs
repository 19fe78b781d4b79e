//! Signed attestations: an in-toto Statement v1 (https://github.com/in-toto/attestation,
//! `spec/v1/statement.md`) wrapped in a DSSE envelope (https://github.com/secure-systems-lab/dsse,
//! `envelope.md` and `protocol.md`), signed with airlock's Ed25519 keys ([`crate::signing`]).
//!
//! It lives here, next to [`crate::signing`], rather than in the CLI so that library users and
//! the end-to-end tests read and write exactly the format `airlock attest` writes: the
//! envelope, its pre-authentication encoding and the statement are a contract with other tools
//! (in-toto, sigstore, any DSSE verifier), not a detail of one command.
//!
//! - The DSSE signature covers `PAE(payloadType, payload)` =
//!   `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal bytes.
//! - The envelope is DSSE's JSON form: `payload` and `sig` in standard base64 (with padding),
//!   `keyid` the signer's key fingerprint ([`crate::signing::PublicKey::fingerprint`]), a hint
//!   only: a signature is accepted because it verifies under the trusted key, never because of
//!   its keyid.
//! - Subjects are files named by a relative `/`-separated path, each with its `sha256` digest;
//!   the verifier refuses names that could leave the verified directory.
//!
//! [`model_signing`] verifies OpenSSF model_signing bundles, which use the same two layers.

pub mod model_signing;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::signing::{PublicKey, SecretKey};

/// `payloadType` of an in-toto statement in a DSSE envelope.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// `predicateType` of a statement whose predicate is a CycloneDX document.
pub const CYCLONEDX_PREDICATE_TYPE: &str = "https://cyclonedx.org/bom";

/// Attestations hold a whole SBOM; anything far larger is not one of airlock's.
pub const MAX_ENVELOPE_BYTES: u64 = 512 * 1024 * 1024;
/// More subjects than this is not a project airlock scanned.
pub const MAX_SUBJECTS: usize = 1_000_000;

/// Why an attestation was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttestationError {
    /// The attestation file could not be read (or written, when signing).
    #[error("{}: cannot read the attestation: {source}", path.display())]
    Io {
        /// The attestation file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a DSSE envelope (or not one airlock can read).
    #[error("not a DSSE envelope: {0}")]
    Envelope(String),
    /// No signature verifies under the trusted key.
    #[error("{0}")]
    Signature(String),
    /// The signed payload is not an in-toto Statement v1 as airlock writes them.
    #[error("the signed statement is not valid: {0}")]
    Statement(String),
}

/// The DSSE pre-authentication encoding: what is signed, so that the payload type cannot be
/// swapped without breaking the signature.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut encoded = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    encoded.extend_from_slice(b"DSSEv1 ");
    encoded.extend_from_slice(payload_type.len().to_string().as_bytes());
    encoded.push(b' ');
    encoded.extend_from_slice(payload_type.as_bytes());
    encoded.push(b' ');
    encoded.extend_from_slice(payload.len().to_string().as_bytes());
    encoded.push(b' ');
    encoded.extend_from_slice(payload);
    encoded
}

/// What a statement's subject names are, which decides how they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectNames {
    /// Files relative to the attested directory: each name must stay inside it
    /// ([`check_subject_name`]), since the verifier joins it onto a path.
    Paths,
    /// Images (`HOST[:PORT]/REPO`, as cosign and in-toto name them): never joined onto a
    /// path, only shown; the digest is what is checked. Printable, at most
    /// [`MAX_IMAGE_NAME_BYTES`].
    Images,
}

/// The longest image subject name accepted (a registry host and repository path).
pub const MAX_IMAGE_NAME_BYTES: usize = 1024;

/// One attested file (or image).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    /// Relative to the attested directory, `/`-separated; for an image, `HOST[:PORT]/REPO`.
    pub name: String,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// A verified (or about to be signed) in-toto Statement v1.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Sorted by name, without duplicates.
    pub subjects: Vec<Subject>,
    /// What the predicate is (airlock writes [`CYCLONEDX_PREDICATE_TYPE`]); a verifier
    /// refuses a type it does not expect rather than read the predicate as something else.
    pub predicate_type: String,
    /// The signed predicate (the CycloneDX SBOM of the scan), parsed only after the signature
    /// verified.
    pub predicate: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct StatementWire {
    #[serde(rename = "_type")]
    statement_type: String,
    subject: Vec<SubjectWire>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
    #[serde(default)]
    predicate: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct SubjectWire {
    #[serde(default)]
    name: String,
    #[serde(default)]
    digest: std::collections::BTreeMap<String, String>,
}

impl Statement {
    /// The statement's JSON: the DSSE payload.
    pub fn to_json(&self) -> Result<Vec<u8>, AttestationError> {
        let wire = StatementWire {
            statement_type: STATEMENT_TYPE.to_owned(),
            subject: self
                .subjects
                .iter()
                .map(|subject| SubjectWire {
                    name: subject.name.clone(),
                    digest: [("sha256".to_owned(), subject.sha256.clone())]
                        .into_iter()
                        .collect(),
                })
                .collect(),
            predicate_type: self.predicate_type.clone(),
            predicate: self.predicate.clone(),
        };
        serde_json::to_vec(&wire).map_err(|error| AttestationError::Statement(error.to_string()))
    }

    /// Reads a statement airlock can verify: in-toto v1, every subject a safe relative path
    /// with one SHA-256 digest, no name twice.
    pub fn from_json(bytes: &[u8]) -> Result<Statement, AttestationError> {
        Statement::from_json_with(bytes, SubjectNames::Paths)
    }

    /// [`Statement::from_json`] with subject names read as `names` says. For images the same
    /// name may come twice (an image and its layers are named by one repository), so only a
    /// repeated (name, digest) pair is refused.
    pub fn from_json_with(
        bytes: &[u8],
        names: SubjectNames,
    ) -> Result<Statement, AttestationError> {
        let invalid = |message: String| AttestationError::Statement(message);
        let wire: StatementWire = serde_json::from_slice(bytes)
            .map_err(|error| invalid(format!("not an in-toto statement: {error}")))?;
        if wire.statement_type != STATEMENT_TYPE {
            return Err(invalid(format!(
                "`_type` is `{}`, expected `{STATEMENT_TYPE}`",
                wire.statement_type
            )));
        }
        if wire.subject.len() > MAX_SUBJECTS {
            return Err(invalid(format!(
                "{} subjects, more than the {MAX_SUBJECTS} airlock accepts",
                wire.subject.len()
            )));
        }
        let mut subjects = Vec::with_capacity(wire.subject.len());
        let mut seen = BTreeSet::new();
        for subject in wire.subject {
            match names {
                SubjectNames::Paths => check_subject_name(&subject.name).map_err(&invalid)?,
                SubjectNames::Images => check_image_name(&subject.name).map_err(&invalid)?,
            }
            let sha256 = subject.digest.get("sha256").ok_or_else(|| {
                invalid(format!("subject `{}` has no sha256 digest", subject.name))
            })?;
            if !is_sha256_hex(sha256) {
                return Err(invalid(format!(
                    "subject `{}` has a sha256 digest that is not 64 hex digits: `{sha256}`",
                    subject.name
                )));
            }
            let key = match names {
                SubjectNames::Paths => (subject.name.clone(), String::new()),
                SubjectNames::Images => (subject.name.clone(), sha256.to_ascii_lowercase()),
            };
            if !seen.insert(key) {
                return Err(invalid(format!(
                    "subject `{}` is listed twice",
                    subject.name.escape_debug()
                )));
            }
            subjects.push(Subject {
                name: subject.name,
                sha256: sha256.to_ascii_lowercase(),
            });
        }
        subjects.sort();
        Ok(Statement {
            subjects,
            predicate_type: wire.predicate_type,
            predicate: wire.predicate,
        })
    }
}

/// True for 64 hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// An image subject name is only shown, never used as a path: it must be non-empty, printable
/// and at most [`MAX_IMAGE_NAME_BYTES`] long.
pub fn check_image_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an image subject has an empty name".to_owned());
    }
    if name.len() > MAX_IMAGE_NAME_BYTES {
        return Err(format!(
            "an image subject name is {} bytes, over {MAX_IMAGE_NAME_BYTES}",
            name.len()
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "image subject name `{}` contains a control character",
            name.escape_debug()
        ));
    }
    Ok(())
}

/// A subject name must stay inside the directory it is joined onto: relative, `/`-separated,
/// no `.`, `..` or empty segment, no backslash, drive letter or control character.
pub fn check_subject_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("subject name `{}` {why}", name.escape_debug()));
    if name.is_empty() {
        return bad("is empty");
    }
    if name.starts_with('/') {
        return bad("is an absolute path");
    }
    if name.contains('\\') {
        return bad("contains a backslash");
    }
    if name.chars().any(char::is_control) {
        return bad("contains a control character");
    }
    if name
        .split('/')
        .next()
        .is_some_and(|first| first.contains(':'))
    {
        return bad("starts with a drive or scheme");
    }
    for segment in name.split('/') {
        match segment {
            "" => return bad("has an empty path segment"),
            "." | ".." => return bad("has a `.` or `..` segment"),
            _ => {}
        }
    }
    Ok(())
}

/// A DSSE envelope in its JSON form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// DSSE's `payloadType`; it is part of what is signed (PAE), so it cannot be swapped.
    pub payload_type: String,
    /// The decoded payload.
    pub payload: Vec<u8>,
    /// The signatures over the payload; one that verifies under the trusted key is enough.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// A hint naming the key (airlock writes the key fingerprint); may be empty.
    pub keyid: String,
    /// The decoded signature bytes.
    pub sig: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct EnvelopeWire {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<SignatureWire>,
}

#[derive(Serialize, Deserialize)]
struct SignatureWire {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    keyid: String,
    sig: String,
}

/// What a successful signature check found.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The fingerprint of the key that verified.
    pub key: String,
    /// The statement, parsed from the payload that signature covers.
    pub statement: Statement,
}

impl Envelope {
    /// Signs `statement` with `key`: one signature whose keyid is the key's fingerprint.
    pub fn sign(statement: &Statement, key: &SecretKey) -> Result<Envelope, AttestationError> {
        let payload = statement.to_json()?;
        let signature = key.sign(&pae(PAYLOAD_TYPE, &payload));
        Ok(Envelope {
            payload_type: PAYLOAD_TYPE.to_owned(),
            payload,
            signatures: vec![EnvelopeSignature {
                keyid: key.public_key().fingerprint(),
                sig: signature.to_vec(),
            }],
        })
    }

    /// The envelope's JSON, pretty-printed and ending with a newline.
    pub fn to_json(&self) -> Result<Vec<u8>, AttestationError> {
        let wire = EnvelopeWire {
            payload: BASE64.encode(&self.payload),
            payload_type: self.payload_type.clone(),
            signatures: self
                .signatures
                .iter()
                .map(|signature| SignatureWire {
                    keyid: signature.keyid.clone(),
                    sig: BASE64.encode(&signature.sig),
                })
                .collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&wire)
            .map_err(|error| AttestationError::Envelope(error.to_string()))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Parses an envelope (JSON with a base64 payload) without checking any signature: a
    /// caller must verify before trusting the payload.
    pub fn from_json(bytes: &[u8]) -> Result<Envelope, AttestationError> {
        let invalid = |message: String| AttestationError::Envelope(message);
        let wire: EnvelopeWire = serde_json::from_slice(bytes).map_err(|error| {
            invalid(format!(
                "expected JSON with `payload`, `payloadType` and `signatures`: {error}"
            ))
        })?;
        let payload = BASE64
            .decode(wire.payload.trim())
            .map_err(|error| invalid(format!("`payload` is not standard base64: {error}")))?;
        let mut signatures = Vec::with_capacity(wire.signatures.len());
        for (index, signature) in wire.signatures.into_iter().enumerate() {
            let sig = BASE64.decode(signature.sig.trim()).map_err(|error| {
                invalid(format!(
                    "`signatures[{index}].sig` is not standard base64: {error}"
                ))
            })?;
            signatures.push(EnvelopeSignature {
                keyid: signature.keyid,
                sig,
            });
        }
        if signatures.is_empty() {
            return Err(invalid("it carries no signature".to_owned()));
        }
        Ok(Envelope {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// Reads an envelope file under [`MAX_ENVELOPE_BYTES`].
    pub fn load(path: &Path) -> Result<Envelope, AttestationError> {
        let io = |source| AttestationError::Io {
            path: path.to_owned(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(io)?;
        if metadata.len() > MAX_ENVELOPE_BYTES {
            return Err(AttestationError::Envelope(format!(
                "{} is {} bytes, over the {MAX_ENVELOPE_BYTES}-byte cap",
                path.display(),
                metadata.len()
            )));
        }
        Envelope::from_json(&std::fs::read(path).map_err(io)?)
    }

    /// Checks that a signature verifies under `key` (DSSE: over the PAE of the payload type and
    /// payload), then reads the statement. The payload is not parsed before the signature holds.
    pub fn verify(&self, key: &PublicKey) -> Result<Verified, AttestationError> {
        self.verify_with(key, SubjectNames::Paths)
    }

    /// [`Envelope::verify`], reading subject names as `names` says (images for attestations
    /// attached to an image in a registry).
    pub fn verify_with(
        &self,
        key: &PublicKey,
        names: SubjectNames,
    ) -> Result<Verified, AttestationError> {
        let fingerprint = key.fingerprint();
        let message = pae(&self.payload_type, &self.payload);
        if self
            .signatures
            .iter()
            .any(|signature| key.verify(&message, &signature.sig).is_ok())
        {
            if self.payload_type != PAYLOAD_TYPE {
                return Err(AttestationError::Statement(format!(
                    "the payload type is `{}`, expected `{PAYLOAD_TYPE}`",
                    self.payload_type
                )));
            }
            return Ok(Verified {
                key: fingerprint,
                statement: Statement::from_json_with(&self.payload, names)?,
            });
        }
        let named: BTreeSet<&str> = self
            .signatures
            .iter()
            .map(|signature| signature.keyid.as_str())
            .filter(|keyid| !keyid.is_empty())
            .collect();
        let reason = if named.contains(fingerprint.as_str()) {
            format!(
                "the signature by {fingerprint} does not match the envelope's payload: the payload (or its type) was changed after signing"
            )
        } else if named.is_empty() {
            format!("no signature in the envelope verifies with the key {fingerprint}")
        } else {
            format!(
                "the envelope is signed by another key ({}), not by {fingerprint}",
                named.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        Err(AttestationError::Signature(reason))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn statement() -> Statement {
        Statement {
            subjects: vec![Subject {
                name: "agent/uv.lock".to_owned(),
                sha256: "ab".repeat(32),
            }],
            predicate_type: CYCLONEDX_PREDICATE_TYPE.to_owned(),
            predicate: serde_json::json!({"bomFormat": "CycloneDX"}),
        }
    }

    #[test]
    fn the_pae_is_the_one_of_the_dsse_specification() {
        // The example of DSSE's protocol.md, byte for byte.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn envelopes_round_trip_and_reject_tampering() {
        let secret = SecretKey::generate().unwrap();
        let envelope = Envelope::sign(&statement(), &secret).unwrap();
        let json = envelope.to_json().unwrap();
        let read = Envelope::from_json(&json).unwrap();
        assert_eq!(read, envelope);
        let verified = read.verify(&secret.public_key()).unwrap();
        assert_eq!(verified.statement, statement());
        assert_eq!(verified.key, secret.public_key().fingerprint());

        let mut altered = read.clone();
        altered.payload[10] ^= 1;
        let error = altered.verify(&secret.public_key()).unwrap_err();
        assert!(
            error.to_string().contains("changed after signing"),
            "{error}"
        );

        let mut retyped = read.clone();
        retyped.payload_type = "application/json".to_owned();
        assert!(retyped.verify(&secret.public_key()).is_err());

        let other = SecretKey::generate().unwrap();
        let error = read.verify(&other.public_key()).unwrap_err();
        assert!(
            error.to_string().contains("signed by another key"),
            "{error}"
        );
    }

    #[test]
    fn image_subject_names_are_shown_not_joined_onto_a_path() {
        let secret = SecretKey::generate().unwrap();
        let image = Statement {
            subjects: vec![
                Subject {
                    name: "registry.internal:5000/team/app".to_owned(),
                    sha256: "ab".repeat(32),
                },
                Subject {
                    name: "registry.internal:5000/team/app".to_owned(),
                    sha256: "cd".repeat(32),
                },
            ],
            ..statement()
        };
        let envelope = Envelope::sign(&image, &secret).unwrap();
        // As files, `HOST:PORT/…` starts with a scheme-like segment and is refused.
        let error = envelope.verify(&secret.public_key()).unwrap_err();
        assert!(error.to_string().contains("drive or scheme"), "{error}");
        let verified = envelope
            .verify_with(&secret.public_key(), SubjectNames::Images)
            .unwrap();
        assert_eq!(verified.statement.subjects, image.subjects);
        // The same name and digest twice is still refused, as are control characters.
        let mut twice = image.clone();
        twice.subjects[1].sha256 = "ab".repeat(32);
        let error =
            Statement::from_json_with(&twice.to_json().unwrap(), SubjectNames::Images).unwrap_err();
        assert!(error.to_string().contains("twice"), "{error}");
        let mut control = image.clone();
        control.subjects[0].name = "host/app\n\u{1b}[2J".to_owned();
        assert!(
            Statement::from_json_with(&control.to_json().unwrap(), SubjectNames::Images).is_err()
        );
    }

    #[test]
    fn subject_names_cannot_leave_the_directory() {
        for bad in [
            "",
            "/etc/passwd",
            "a/../../b",
            "./a",
            "a//b",
            "a\\b",
            "C:/x",
            "a/\n",
        ] {
            assert!(check_subject_name(bad).is_err(), "{bad:?}");
        }
        for good in [
            "uv.lock",
            "models/tiny/model.safetensors",
            ".venv-not/x",
            "a..b",
        ] {
            assert!(check_subject_name(good).is_ok(), "{good:?}");
        }
        let mut wire: serde_json::Value =
            serde_json::from_slice(&statement().to_json().unwrap()).unwrap();
        wire["subject"][0]["name"] = "../outside".into();
        let error = Statement::from_json(&serde_json::to_vec(&wire).unwrap()).unwrap_err();
        assert!(error.to_string().contains("`..`"), "{error}");
    }
}
