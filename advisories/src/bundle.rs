//! Signed bundles: one portable file that carries the advisory database across an air gap.
//!
//! A bundle is a zip archive with exactly three entries:
//! - `manifest.json`: format, schema version, creation time, record counts, per-source
//!   watermarks, and the size and SHA-256 of the database entry;
//! - `manifest.json.sig` (when signed): `{"algorithm": "ed25519", "key": FINGERPRINT,
//!   "signature": HEX}`, an Ed25519 signature over the exact bytes of `manifest.json`;
//! - `advisories.sqlite3`: a consistent snapshot made with SQLite's `VACUUM INTO`.
//!
//! Verification checks the entry list (nothing else, no path tricks), the signature against the
//! given or pinned key, and the database's size and digest against the signed manifest, all
//! before the database is replaced; a bundle that fails any check changes nothing.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::database::Replacement;
use crate::signing::{PublicKey, SecretKey};
use crate::store::{DatabaseError, SourceRecord, Store, Writer, SCHEMA_VERSION};
use crate::time::Timestamp;

pub const MANIFEST_ENTRY: &str = "manifest.json";
pub const SIGNATURE_ENTRY: &str = "manifest.json.sig";
pub const DATABASE_ENTRY: &str = "advisories.sqlite3";
const FORMAT: &str = "airlock-advisory-bundle";
const FORMAT_VERSION: u32 = 1;
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
const MAX_SIGNATURE_BYTES: u64 = 64 * 1024;

/// Why a bundle was refused or could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{}: signature check failed: {message}", path.display())]
    Signature { path: PathBuf, message: String },
    #[error("{}: {context}: {source}", path.display())]
    Io {
        path: PathBuf,
        context: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

/// The signed description of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub schema_version: i64,
    pub created_at: String,
    /// When the exported database was last imported or synced (its data age).
    pub updated_at: Option<String>,
    pub airlock_version: String,
    pub database: ManifestDatabase,
    pub counts: ManifestCounts,
    pub sources: Vec<ManifestSource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestDatabase {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestCounts {
    pub advisories: u64,
    pub withdrawn: u64,
    pub affected_packages: u64,
    pub per_source: Vec<ManifestSourceCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSourceCount {
    pub source: String,
    pub advisories: u64,
    pub withdrawn: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSource {
    pub name: String,
    pub kind: String,
    pub location: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub sha256: Option<String>,
    pub fetched_at: Option<String>,
    pub imported_at: String,
    pub records_read: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct SignatureFile {
    algorithm: String,
    key: String,
    signature: String,
}

/// What verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    pub manifest: Manifest,
    /// The key fingerprint the signature was verified with; `None` when no key was given.
    pub verified_with: Option<String>,
    /// The fingerprint the bundle says it was signed with, if it is signed.
    pub signed_by: Option<String>,
}

fn invalid(path: &Path, message: impl Into<String>) -> BundleError {
    BundleError::Invalid {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn io<'path>(
    path: &'path Path,
    context: &'static str,
) -> impl Fn(std::io::Error) -> BundleError + 'path {
    move |source| BundleError::Io {
        path: path.to_owned(),
        context,
        source,
    }
}

/// Writes a bundle of the database at `database` to `output` (atomically), signed with `key`
/// when given; returns its manifest.
pub fn export(
    database: &Path,
    output: &Path,
    key: Option<&SecretKey>,
) -> Result<Manifest, BundleError> {
    let store = Store::open(database)?;
    let output_directory = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let scratch = tempfile::tempdir_in(&output_directory)
        .map_err(io(&output_directory, "cannot create a scratch directory"))?;
    let snapshot = scratch.path().join(DATABASE_ENTRY);
    store.snapshot_to(&snapshot)?;
    drop(store);
    let summary = Store::open(&snapshot)?.summary()?;
    let (bytes, sha256) = {
        let mut file = File::open(&snapshot).map_err(io(&snapshot, "cannot read the snapshot"))?;
        digest(&mut file).map_err(io(&snapshot, "cannot read the snapshot"))?
    };
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        schema_version: summary.schema_version,
        created_at: Timestamp::now_or_source_date_epoch().to_string(),
        updated_at: summary.updated_at.map(|time| time.to_string()),
        airlock_version: env!("CARGO_PKG_VERSION").to_owned(),
        database: ManifestDatabase {
            file: DATABASE_ENTRY.to_owned(),
            bytes,
            sha256,
        },
        counts: ManifestCounts {
            advisories: summary.advisories,
            withdrawn: summary.withdrawn,
            affected_packages: summary.affected_packages,
            per_source: summary
                .per_source
                .iter()
                .map(|counts| ManifestSourceCount {
                    source: counts.source.clone(),
                    advisories: counts.advisories,
                    withdrawn: counts.withdrawn,
                })
                .collect(),
        },
        sources: summary
            .sources
            .into_iter()
            .map(|source| ManifestSource {
                name: source.name,
                kind: source.kind,
                location: source.location,
                etag: source.etag,
                last_modified: source.last_modified,
                sha256: source.sha256,
                fetched_at: source.fetched_at,
                imported_at: source.imported_at,
                records_read: source.records_read,
            })
            .collect(),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|error| invalid(output, format!("cannot encode the manifest: {error}")))?;
    manifest_bytes.push(b'\n');

    let temporary = tempfile::Builder::new()
        .prefix(".bundle.tmp-")
        .tempfile_in(&output_directory)
        .map_err(io(&output_directory, "cannot create the bundle"))?;
    let write_error = io(output, "cannot write the bundle");
    let mut writer = zip::ZipWriter::new(temporary.reopen().map_err(&write_error)?);
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let zip_error =
        |error: zip::result::ZipError| invalid(output, format!("cannot write the bundle: {error}"));
    writer
        .start_file(MANIFEST_ENTRY, stored)
        .map_err(zip_error)?;
    writer.write_all(&manifest_bytes).map_err(&write_error)?;
    if let Some(key) = key {
        let signature = SignatureFile {
            algorithm: "ed25519".to_owned(),
            key: key.public_key().fingerprint(),
            signature: hex::encode(key.sign(&manifest_bytes)),
        };
        let mut signature_bytes = serde_json::to_vec_pretty(&signature)
            .map_err(|error| invalid(output, format!("cannot encode the signature: {error}")))?;
        signature_bytes.push(b'\n');
        writer
            .start_file(SIGNATURE_ENTRY, stored)
            .map_err(zip_error)?;
        writer.write_all(&signature_bytes).map_err(&write_error)?;
    }
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .large_file(bytes > u64::from(u32::MAX));
    writer
        .start_file(DATABASE_ENTRY, deflated)
        .map_err(zip_error)?;
    let mut snapshot_file =
        BufReader::new(File::open(&snapshot).map_err(io(&snapshot, "cannot read the snapshot"))?);
    std::io::copy(&mut snapshot_file, &mut writer).map_err(&write_error)?;
    let file = writer.finish().map_err(zip_error)?;
    file.sync_all().map_err(&write_error)?;
    temporary.persist(output).map_err(|error| BundleError::Io {
        path: output.to_owned(),
        context: "cannot write the bundle",
        source: error.error,
    })?;
    Ok(manifest)
}

/// (size, lowercase hex SHA-256) of everything `reader` yields.
fn digest(reader: &mut dyn Read) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(buffer.get(..read).unwrap_or_default());
        total += read as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

/// True when `path` is a zip archive holding a bundle manifest (cheap: reads the directory).
pub fn is_bundle(path: &Path) -> bool {
    File::open(path)
        .ok()
        .and_then(|file| zip::ZipArchive::new(BufReader::new(file)).ok())
        .is_some_and(|archive| {
            archive
                .file_names_raw()
                .any(|name| name == MANIFEST_ENTRY.as_bytes())
        })
}

/// Checks a bundle without changing anything.
pub fn verify(path: &Path, key: Option<&PublicKey>) -> Result<VerifiedBundle, BundleError> {
    read_verified(path, key, &mut std::io::sink())
}

/// Verifies `path` while copying its database into `sink`; the copy is trustworthy only when
/// this returns `Ok`.
fn read_verified(
    path: &Path,
    key: Option<&PublicKey>,
    sink: &mut dyn Write,
) -> Result<VerifiedBundle, BundleError> {
    let file = File::open(path).map_err(io(path, "cannot read the bundle"))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|error| {
        invalid(
            path,
            format!("not a readable bundle (truncated or not a zip archive): {error}"),
        )
    })?;
    let names: Vec<String> = archive
        .file_names_raw()
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    for (index, name) in names.iter().enumerate() {
        if ![MANIFEST_ENTRY, SIGNATURE_ENTRY, DATABASE_ENTRY].contains(&name.as_str()) {
            return Err(invalid(
                path,
                format!("unexpected entry `{name}`: a bundle holds only {MANIFEST_ENTRY}, {SIGNATURE_ENTRY} and {DATABASE_ENTRY}"),
            ));
        }
        if names.iter().take(index).any(|earlier| earlier == name) {
            return Err(invalid(path, format!("entry `{name}` appears twice")));
        }
    }
    let manifest_bytes = read_small(&mut archive, path, MANIFEST_ENTRY, MAX_MANIFEST_BYTES)?
        .ok_or_else(|| invalid(path, format!("no {MANIFEST_ENTRY}: not an airlock bundle")))?;
    let signature = read_small(&mut archive, path, SIGNATURE_ENTRY, MAX_SIGNATURE_BYTES)?;
    let signed_by = match &signature {
        None => None,
        Some(bytes) => {
            let parsed: SignatureFile = serde_json::from_slice(bytes).map_err(|error| {
                invalid(
                    path,
                    format!(
                        "{SIGNATURE_ENTRY}:{}:{}: {error}",
                        error.line(),
                        error.column()
                    ),
                )
            })?;
            Some(parsed)
        }
    };
    let verified_with = match key {
        None => None,
        Some(key) => {
            let Some(signature) = &signed_by else {
                return Err(BundleError::Signature {
                    path: path.to_owned(),
                    message: format!(
                        "the bundle is not signed, but key {} is required",
                        key.fingerprint()
                    ),
                });
            };
            if signature.algorithm != "ed25519" {
                return Err(BundleError::Signature {
                    path: path.to_owned(),
                    message: format!("unsupported signature algorithm `{}`", signature.algorithm),
                });
            }
            let bytes =
                hex::decode(signature.signature.trim()).map_err(|_| BundleError::Signature {
                    path: path.to_owned(),
                    message: "the signature is not hexadecimal".to_owned(),
                })?;
            key.verify(&manifest_bytes, &bytes).map_err(|error| {
                let signer = if signature.key == key.fingerprint() {
                    String::new()
                } else {
                    format!(" (the bundle names signer {})", signature.key)
                };
                BundleError::Signature {
                    path: path.to_owned(),
                    message: format!("{error}{signer}"),
                }
            })?;
            Some(key.fingerprint())
        }
    };
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|error| {
        invalid(
            path,
            format!(
                "{MANIFEST_ENTRY}:{}:{}: {error}",
                error.line(),
                error.column()
            ),
        )
    })?;
    if manifest.format != FORMAT || manifest.format_version != FORMAT_VERSION {
        return Err(invalid(
            path,
            format!(
                "unsupported bundle format `{}` version {} (this airlock reads `{FORMAT}` version {FORMAT_VERSION})",
                manifest.format, manifest.format_version
            ),
        ));
    }
    if manifest.schema_version > SCHEMA_VERSION {
        return Err(invalid(
            path,
            format!(
                "database schema {} is newer than this airlock reads ({SCHEMA_VERSION})",
                manifest.schema_version
            ),
        ));
    }
    let mut entry = archive
        .by_name(DATABASE_ENTRY)
        .map_err(|_| invalid(path, format!("no {DATABASE_ENTRY} entry")))?;
    if entry.size() != manifest.database.bytes {
        return Err(invalid(
            path,
            format!(
                "{DATABASE_ENTRY} is {} bytes, the manifest says {}",
                entry.size(),
                manifest.database.bytes
            ),
        ));
    }
    let mut tee = Tee {
        reader: (&mut entry).take(manifest.database.bytes + 1),
        sink,
    };
    let (bytes, sha256) = digest(&mut tee).map_err(|error| {
        invalid(
            path,
            format!("cannot read {DATABASE_ENTRY} (corrupt or truncated bundle): {error}"),
        )
    })?;
    if bytes != manifest.database.bytes || sha256 != manifest.database.sha256 {
        return Err(invalid(
            path,
            format!(
                "{DATABASE_ENTRY} does not match the manifest: SHA-256 {sha256} ({bytes} bytes), expected {} ({} bytes)",
                manifest.database.sha256, manifest.database.bytes
            ),
        ));
    }
    Ok(VerifiedBundle {
        manifest,
        verified_with,
        signed_by: signed_by.map(|signature| signature.key),
    })
}

/// Copies what it reads into a sink.
struct Tee<'sink, R: Read> {
    reader: R,
    sink: &'sink mut dyn Write,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.reader.read(buffer)?;
        self.sink
            .write_all(buffer.get(..read).unwrap_or_default())?;
        Ok(read)
    }
}

fn read_small<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    path: &Path,
    name: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>, BundleError> {
    let mut entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => return Err(invalid(path, format!("cannot read {name}: {error}"))),
    };
    if entry.size() > limit {
        return Err(invalid(
            path,
            format!("{name} is larger than {limit} bytes"),
        ));
    }
    let mut bytes = Vec::new();
    (&mut entry)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| {
            invalid(
                path,
                format!("cannot read {name} (corrupt or truncated bundle): {error}"),
            )
        })?;
    Ok(Some(bytes))
}

/// Verifies the bundle at `path` and, only when every check passes, replaces the database at
/// `database` with the bundle's snapshot.
pub fn import(
    path: &Path,
    database: &Path,
    key: Option<&PublicKey>,
) -> Result<VerifiedBundle, BundleError> {
    let mut replacement = Replacement::begin_raw(database)?;
    let verified = {
        let copy = replacement.temporary_path().to_owned();
        let mut file =
            File::create(&copy).map_err(io(database, "cannot write beside the database"))?;
        let verified = read_verified(path, key, &mut file)?;
        file.sync_all()
            .map_err(io(database, "cannot write beside the database"))?;
        verified
    };
    replacement.attach()?;
    let connection = replacement.connection()?;
    let target = replacement.target().to_owned();
    let check: String = connection
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(|error| {
            DatabaseError::sqlite(&target, "the bundle's database is unreadable", error)
        })?;
    if check != "ok" {
        return Err(invalid(
            path,
            format!("the bundle's database fails SQLite's check: {check}"),
        ));
    }
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    Writer::new(connection, &target).record_source(&SourceRecord {
        name: format!("bundle:{}", absolute.display()),
        kind: "bundle".to_owned(),
        location: absolute.display().to_string(),
        etag: None,
        last_modified: None,
        sha256: Some(verified.manifest.database.sha256.clone()),
        fetched_at: Some(verified.manifest.created_at.clone()),
        imported_at: Timestamp::now().to_string(),
        records_read: verified.manifest.counts.advisories,
    })?;
    replacement.commit()?;
    Ok(verified)
}
