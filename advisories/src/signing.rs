//! Ed25519 keys and signatures (RFC 8032) in the PEM forms OpenSSL uses: private keys as PKCS#8
//! (`-----BEGIN PRIVATE KEY-----`, RFC 8410) and public keys as SPKI
//! (`-----BEGIN PUBLIC KEY-----`), so `openssl pkey` reads airlock's keys and airlock reads keys
//! made with `openssl genpkey -algorithm ed25519`. Used for advisory bundles and, later, for
//! attestations.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// Key files are a few hundred bytes; anything far larger is not a key.
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Why a key could not be made, read or written; every variant about a file names it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file could not be read or written.
    #[error("{}: {context}: {source}", path.display())]
    Io {
        /// The key file.
        path: PathBuf,
        /// What was being done (`cannot read the key`, ...).
        context: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a key of the expected kind (PEM, PKCS#8 or SPKI, the right algorithm).
    #[error("{}: {message}", path.display())]
    Format {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it; never key material.
        message: String,
    },
    /// `keygen` never replaces a key: losing a secret key loses every signature made with it.
    #[error("{}: already exists (refusing to overwrite a key)", path.display())]
    Exists {
        /// The file that is already there.
        path: PathBuf,
    },
    /// No randomness for a new key: refused rather than make a weak one.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// The key could not be written as PEM.
    #[error("cannot encode the key: {0}")]
    Encode(String),
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SignatureError(pub String);

/// A private signing key.
pub struct SecretKey {
    key: SigningKey,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        formatter
            .debug_struct("SecretKey")
            .field("public", &self.public_key().fingerprint())
            .finish()
    }
}

/// A public verification key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl SecretKey {
    /// A new key from the operating system's random number generator.
    pub fn generate() -> Result<SecretKey, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|error| KeyError::Random(error.to_string()))?;
        let key = SigningKey::from_bytes(&seed);
        seed.fill(0);
        Ok(SecretKey { key })
    }

    /// Reads a PKCS#8 PEM private key.
    pub fn from_pem(text: &str, path: &Path) -> Result<SecretKey, KeyError> {
        SigningKey::from_pkcs8_pem(text.trim())
            .map(|key| SecretKey { key })
            .map_err(|error| KeyError::Format {
                path: path.to_owned(),
                message: format!(
                    "not an Ed25519 private key in PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`): {error}"
                ),
            })
    }

    /// Reads a secret key file (PKCS#8 PEM), bounded in size.
    pub fn load(path: &Path) -> Result<SecretKey, KeyError> {
        SecretKey::from_pem(&read_key_file(path)?, path)
    }

    /// The PKCS#8 PEM text, version 1 (RFC 8410 section 7: the private key only), the form
    /// `openssl genpkey -algorithm ed25519` writes; OpenSSL 3.0 rejects the version 2 form
    /// (with the public key) that ed25519-dalek writes by default.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        let bytes = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.key.to_bytes(),
            public_key: None,
        };
        bytes
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.as_str().to_owned())
            .map_err(|error| KeyError::Encode(error.to_string()))
    }

    /// The public half, the one to hand to whoever verifies.
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
        }
    }

    /// The 64-byte Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl PublicKey {
    /// Reads an SPKI PEM public key.
    pub fn from_pem(text: &str, path: &Path) -> Result<PublicKey, KeyError> {
        VerifyingKey::from_public_key_pem(text.trim())
            .map(|key| PublicKey { key })
            .map_err(|error| KeyError::Format {
                path: path.to_owned(),
                message: format!(
                    "not an Ed25519 public key in SPKI PEM (`-----BEGIN PUBLIC KEY-----`): {error}"
                ),
            })
    }

    /// Reads a public key file (SPKI PEM), bounded in size.
    pub fn load(path: &Path) -> Result<PublicKey, KeyError> {
        PublicKey::from_pem(&read_key_file(path)?, path)
    }

    /// The key as SPKI PEM with `\n` line endings, the same bytes on every platform.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|error| KeyError::Encode(error.to_string()))
    }

    /// `SHA256:` and the hex digest of the raw 32-byte key: a short name for messages.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.key.as_bytes());
        format!("SHA256:{}", hex::encode(digest))
    }

    /// Checks `signature` over `message` (strict verification: no malleable signatures).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let bytes: [u8; 64] = signature.try_into().map_err(|_| {
            SignatureError(format!(
                "a signature is 64 bytes, this one has {}",
                signature.len()
            ))
        })?;
        self.key
            .verify_strict(message, &Signature::from_bytes(&bytes))
            .map_err(|_| {
                SignatureError(format!(
                    "the signature does not match the public key {}",
                    self.fingerprint()
                ))
            })
    }
}

fn read_key_file(path: &Path) -> Result<String, KeyError> {
    let metadata = std::fs::metadata(path).map_err(|source| KeyError::Io {
        path: path.to_owned(),
        context: "cannot read the key",
        source,
    })?;
    if metadata.len() > MAX_KEY_FILE_BYTES {
        return Err(KeyError::Format {
            path: path.to_owned(),
            message: format!("larger than {MAX_KEY_FILE_BYTES} bytes: not a key file"),
        });
    }
    std::fs::read_to_string(path).map_err(|source| KeyError::Io {
        path: path.to_owned(),
        context: "cannot read the key",
        source,
    })
}

/// Writes `NAME.key` (PKCS#8 PEM, readable by the owner only) and `NAME.pub` (SPKI PEM) for a
/// new key; refuses to overwrite either file.
pub fn write_key_pair(name: &Path) -> Result<(PathBuf, PathBuf, PublicKey), KeyError> {
    let private_path = with_suffix(name, "key");
    let public_path = with_suffix(name, "pub");
    for path in [&private_path, &public_path] {
        if path.exists() {
            return Err(KeyError::Exists { path: path.clone() });
        }
    }
    let secret = SecretKey::generate()?;
    let public = secret.public_key();
    write_new(&private_path, secret.to_pem()?.as_bytes(), true)?;
    if let Err(error) = write_new(&public_path, public.to_pem()?.as_bytes(), false) {
        let _ = std::fs::remove_file(&private_path);
        return Err(error);
    }
    Ok((private_path, public_path, public))
}

fn with_suffix(name: &Path, suffix: &str) -> PathBuf {
    let mut text = name.as_os_str().to_os_string();
    text.push(".");
    text.push(suffix);
    PathBuf::from(text)
}

fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), KeyError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The public key is an ordinary file (0666 less the umask, as a shell creates it); only
        // the private key is owner-only.
        options.mode(if private { 0o600 } else { 0o666 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        context: "cannot write the key",
        source,
    };
    let mut file = options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists {
                path: path.to_owned(),
            }
        } else {
            io(source)
        }
    })?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_pem_and_sign() {
        let directory = tempfile::tempdir().unwrap();
        let name = directory.path().join("release");
        let (private_path, public_path, public) = write_key_pair(&name).unwrap();
        let secret = SecretKey::load(&private_path).unwrap();
        assert_eq!(PublicKey::load(&public_path).unwrap(), public);
        let signature = secret.sign(b"manifest");
        public.verify(b"manifest", &signature).unwrap();
        assert!(public.verify(b"manifest!", &signature).is_err());
        assert!(public.verify(b"manifest", &signature[..10]).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&private_path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            write_key_pair(&name),
            Err(KeyError::Exists { .. })
        ));
        let error = PublicKey::from_pem("hello", &public_path).unwrap_err();
        assert!(error.to_string().contains("SPKI PEM"), "{error}");
        assert!(!format!("{secret:?}").contains("PRIVATE"));
    }
}
