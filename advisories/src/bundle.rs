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
//!
//! Importing fails closed ([`import`]):
//! - a bundle must be signed by the expected key: the one given (`--key`, the operator's pin,
//!   or `--repin`), else the one recorded in the database when its current data was imported.
//!   A key that differs from the recorded one is refused unless it is named as a new pin
//!   (`repin`). An unsigned bundle, or a signed one with no key to check it against, needs
//!   `allow_unsigned`.
//! - the manifest's `created_at` is the signed build time (`SOURCE_DATE_EPOCH` when set, for
//!   reproducible bundles), and `newest_modified` the newest record's `modified`; records dated
//!   after the build time (or after the clock) are stored with that time. A bundle whose newest
//!   record is older than the database's, or that was built before the bundle the database came
//!   from, is a downgrade (a replayed older bundle) and refused unless `allow_downgrade`.
//! - Bundles made before `newest_modified` existed are judged from their database (covered by
//!   the signed digest) and their signed `created_at`, exactly like new ones.
//! - The bundle database's own `meta` rows are the exporter's: they are dropped, and the
//!   receiver records the build time and the key that verified the data.

/// The `artifactType` of a bundle published to an OCI registry (`airlock db push`): an image
/// manifest with the empty config and one layer, the bundle file (docs/air-gap.md).
pub const OCI_ARTIFACT_TYPE: &str = "application/vnd.airlock.advisory-bundle.v1";
/// The media type of that layer: the bundle file, exactly as `db export` writes it (a zip).
pub const OCI_LAYER_MEDIA_TYPE: &str = "application/vnd.airlock.advisory-bundle.v1+zip";
/// The layer's file name (`org.opencontainers.image.title`), as ORAS names pulled files.
pub const OCI_LAYER_TITLE: &str = "advisories.bundle";

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::database::Replacement;
use crate::signing::{PublicKey, SecretKey};
use crate::store::{self, meta, DatabaseError, SourceRecord, Store, Writer, SCHEMA_VERSION};
use crate::time::Timestamp;
use scanner_core::clock::Clock;

/// The zip entry of the manifest, the one signed document: it names the database's digest.
pub const MANIFEST_ENTRY: &str = "manifest.json";
/// The zip entry of the signature over the manifest's exact bytes.
pub const SIGNATURE_ENTRY: &str = "manifest.json.sig";
/// The zip entry of the database itself, trusted only when its digest is the manifest's.
pub const DATABASE_ENTRY: &str = "advisories.sqlite3";
const FORMAT: &str = "airlock-advisory-bundle";
const FORMAT_VERSION: u32 = 1;
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
const MAX_SIGNATURE_BYTES: u64 = 64 * 1024;

/// Why a bundle was refused or could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Not a bundle airlock can read (a missing entry, a digest that differs, a truncated zip).
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The bundle file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The signature does not verify under the expected key.
    #[error("{}: signature check failed: {message}", path.display())]
    Signature {
        /// The bundle file.
        path: PathBuf,
        /// Why it did not verify.
        message: String,
    },
    /// The bundle carries no signature and unsigned bundles were not allowed.
    #[error("{}: the bundle is not signed{}; import an unsigned bundle only with --allow-unsigned", path.display(), expected.as_ref().map(|key| format!(", but key {key} is required")).unwrap_or_default())]
    Unsigned {
        /// The bundle file.
        path: PathBuf,
        /// The fingerprint of the key that was required, when one was.
        expected: Option<String>,
    },
    /// Signed, but there is no key to check the signature with.
    #[error("{}: the bundle is signed by {signer}, but there is no key to check it with: pass --key PUB (or pin [database] public_key); --allow-unsigned imports it unchecked", path.display())]
    NoKey {
        /// The bundle file.
        path: PathBuf,
        /// The fingerprint the bundle says it was signed with (unverified).
        signer: String,
    },
    /// The key named for this import is not the one that signed the data the database holds.
    #[error("{}: the database holds data signed by {recorded}, and this import names key {given}; a different key is accepted only as a new pin: --repin NEW.pub", path.display())]
    KeyChanged {
        /// The bundle file.
        path: PathBuf,
        /// The fingerprint recorded by the import of the data the database holds.
        recorded: String,
        /// The fingerprint of the key this import names.
        given: String,
    },
    /// The bundle's data is older than the database's.
    #[error("{}: {message}; pass --allow-downgrade to import it anyway", path.display())]
    Downgrade {
        /// The bundle file.
        path: PathBuf,
        /// Which dates compare how.
        message: String,
    },
    /// The bundle (or the file being written) could not be read or written.
    #[error("{}: {context}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be read, or replaced; what it held stays as it was.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

/// The signed description of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `airlock-advisory-bundle`: a signed JSON file of another kind is not a manifest.
    pub format: String,
    /// The manifest's layout version; any other than this airlock's is refused.
    pub format_version: u32,
    /// The schema version of the database inside.
    pub schema_version: i64,
    /// When the bundle was built (`SOURCE_DATE_EPOCH` when set): the receiver believes no
    /// record newer than this.
    pub created_at: String,
    /// When the exported database was last imported or synced.
    pub updated_at: Option<String>,
    /// The newest `modified` of the database's records (absent in bundles made before it
    /// existed; those are judged from their database).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_modified: Option<String>,
    /// The airlock that built it, for the reader of the manifest.
    pub airlock_version: String,
    /// The database entry and its digest: the signature covers the data through it.
    pub database: ManifestDatabase,
    /// What the database holds, shown before importing.
    pub counts: ManifestCounts,
    /// Where the data came from (the exporter's watermarks).
    pub sources: Vec<ManifestSource>,
}

/// The database entry of a bundle, as the manifest signs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestDatabase {
    /// The zip entry's name ([`DATABASE_ENTRY`]).
    pub file: String,
    /// Its size; a different size is refused before hashing.
    pub bytes: u64,
    /// Its SHA-256 (hex); the entry is used only when its bytes hash to this.
    pub sha256: String,
}

/// The counts of the database inside, as [`crate::store::DatabaseSummary`] gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestCounts {
    /// Records stored.
    pub advisories: u64,
    /// Of those, withdrawn.
    pub withdrawn: u64,
    /// `affected[]` entries naming a package.
    pub affected_packages: u64,
    /// Record counts by source.
    pub per_source: Vec<ManifestSourceCount>,
}

/// Record counts of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSourceCount {
    /// The source's name.
    pub source: String,
    /// Records stored from it.
    pub advisories: u64,
    /// Of those, withdrawn.
    pub withdrawn: u64,
}

/// One source's watermark as the exporter recorded it ([`crate::store::SourceRecord`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSource {
    /// `osv:PyPI`, `path:/abs/dir`, `bundle:…`.
    pub name: String,
    /// `osv-mirror`, `path`, `bundle`.
    pub kind: String,
    /// URL or path, on the exporting machine.
    pub location: String,
    /// The server's `ETag` of the last fetch.
    pub etag: Option<String>,
    /// The server's `Last-Modified` of the last fetch.
    pub last_modified: Option<String>,
    /// SHA-256 of what was imported.
    pub sha256: Option<String>,
    /// When it was fetched (syncs only).
    pub fetched_at: Option<String>,
    /// When it was imported on the exporting machine.
    pub imported_at: String,
    /// Records it delivered.
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
    /// The manifest, whose signature (when a key was given) and database digest held.
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
/// when given, built at `clock`'s document time (`SOURCE_DATE_EPOCH` when the operator set
/// it); returns its manifest.
pub fn export(
    database: &Path,
    output: &Path,
    key: Option<&SecretKey>,
    clock: &Clock,
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
    // The text stored in the database, exactly: the receiver compares it with its copy.
    let newest_modified = summary.newest_record.clone();
    let (bytes, sha256) = {
        let mut file = File::open(&snapshot).map_err(io(&snapshot, "cannot read the snapshot"))?;
        digest(&mut file).map_err(io(&snapshot, "cannot read the snapshot"))?
    };
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        schema_version: summary.schema_version,
        created_at: Timestamp::from(clock.document_time()).to_string(),
        updated_at: summary.updated_at.map(|time| time.to_string()),
        newest_modified,
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

/// Checks a bundle without changing anything: a signature must verify with `key`; an unsigned
/// bundle, or a signed one without a key, passes only with `allow_unsigned`.
pub fn verify(
    path: &Path,
    key: Option<&PublicKey>,
    allow_unsigned: bool,
) -> Result<VerifiedBundle, BundleError> {
    read_verified(path, key, allow_unsigned, &mut std::io::sink())
}

/// Verifies `path` while copying its database into `sink`; the copy is trustworthy only when
/// this returns `Ok`.
fn read_verified(
    path: &Path,
    key: Option<&PublicKey>,
    allow_unsigned: bool,
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
    // Refused before the (large) database entry is read.
    match (&signed_by, key) {
        (None, _) if !allow_unsigned => {
            return Err(BundleError::Unsigned {
                path: path.to_owned(),
                expected: key.map(PublicKey::fingerprint),
            })
        }
        (Some(signature), None) if !allow_unsigned => {
            return Err(BundleError::NoKey {
                path: path.to_owned(),
                signer: signature.key.clone(),
            })
        }
        _ => {}
    }
    let verified_with = match key {
        None => None,
        Some(key) => {
            let Some(signature) = &signed_by else {
                // Unsigned, and allowed to be.
                return finish_reading(path, &mut archive, &manifest_bytes, None, None, sink);
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
    let signed_by = signed_by.map(|signature| signature.key);
    finish_reading(
        path,
        &mut archive,
        &manifest_bytes,
        verified_with,
        signed_by,
        sink,
    )
}

/// Parses the (verified) manifest and copies the database entry into `sink`, checking its
/// size and digest against the manifest.
fn finish_reading<R: Read + std::io::Seek>(
    path: &Path,
    archive: &mut zip::ZipArchive<R>,
    manifest_bytes: &[u8],
    verified_with: Option<String>,
    signed_by: Option<String>,
    sink: &mut dyn Write,
) -> Result<VerifiedBundle, BundleError> {
    let manifest: Manifest = serde_json::from_slice(manifest_bytes).map_err(|error| {
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
    if Timestamp::parse(&manifest.created_at).is_none() {
        return Err(invalid(
            path,
            format!(
                "{MANIFEST_ENTRY}: `created_at` is not an RFC 3339 time: `{}`",
                manifest.created_at
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
        signed_by,
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

/// What the operator allows for one bundle import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions<'key> {
    /// The key named for this import: `--key`, the configured pin, or `--repin`'s new key.
    /// Without one, the key recorded in the database (if any) is expected.
    pub key: Option<&'key PublicKey>,
    /// `key` is a new pin: it may differ from the key recorded in the database.
    pub repin: bool,
    /// Accept a bundle without a signature, or one signed with no key to check it against.
    pub allow_unsigned: bool,
    /// Accept a bundle whose data is older than the database's.
    pub allow_downgrade: bool,
}

/// What an import established and changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedBundle {
    /// What verification established before anything was replaced.
    pub verified: VerifiedBundle,
    /// The build time the data is believed up to (the signed `created_at`, or the clock when
    /// that lies in the future).
    pub built_at: Timestamp,
    /// The newest record's `modified` after that bound.
    pub newest_record: Option<Timestamp>,
    /// Records dated after the build time, stored with the build time.
    pub future_dated: u64,
    /// The key the database recorded before, when this import replaced it with another.
    pub previous_signer: Option<String>,
    /// Why this import is a downgrade, when `allow_downgrade` let it through.
    pub downgrade: Option<String>,
}

/// What the database being replaced says about its data.
struct Held {
    newest_record: Option<Timestamp>,
    built_at: Option<Timestamp>,
    signer: Option<PublicKey>,
}

/// Reads the database about to be replaced (the caller holds its lock). A database that cannot
/// be read is an error: its key pin and data age cannot be honoured, so nothing replaces it
/// until the operator moves it away.
fn held(target: &Path, clock: &Clock) -> Result<Option<Held>, BundleError> {
    if !target.exists() {
        return Ok(None);
    }
    let store = Store::open(target)?;
    let summary = store.summary()?;
    let freshness = crate::freshness::Freshness::judge(
        &summary,
        crate::freshness::MaxAge::Off,
        Timestamp::from(clock.trusted_now()),
    );
    Ok(Some(Held {
        newest_record: freshness.newest_record,
        built_at: summary.built_at,
        signer: store.recorded_signer()?,
    }))
}

/// Verifies the bundle at `path` and, only when every check passes, replaces the database at
/// `database` with the bundle's snapshot. See the module documentation for what is refused.
/// Records are believed up to the bundle's build time and never past `clock`'s present, which
/// is also recorded as the import time.
pub fn import(
    path: &Path,
    database: &Path,
    options: ImportOptions<'_>,
    clock: &Clock,
) -> Result<ImportedBundle, BundleError> {
    let mut replacement = Replacement::begin_raw(database)?;
    let held = held(replacement.target(), clock)?;
    let recorded = held.as_ref().and_then(|held| held.signer.clone());
    let expected = match (options.key, &recorded) {
        (Some(given), Some(recorded))
            if !options.repin && given.fingerprint() != recorded.fingerprint() =>
        {
            return Err(BundleError::KeyChanged {
                path: path.to_owned(),
                recorded: recorded.fingerprint(),
                given: given.fingerprint(),
            });
        }
        (Some(given), _) => Some(given.clone()),
        (None, recorded) => recorded.clone(),
    };
    let verified = {
        let copy = replacement.temporary_path().to_owned();
        let mut file =
            File::create(&copy).map_err(io(database, "cannot write beside the database"))?;
        let verified = read_verified(path, expected.as_ref(), options.allow_unsigned, &mut file)
            .map_err(|error| match (error, options.key, &recorded) {
                // Checked against the key recorded in the database: say so, and how to change it.
                (BundleError::Signature { path, message }, None, Some(recorded)) => {
                    BundleError::Signature {
                        path,
                        message: format!(
                            "{message}; the data the database holds was signed by {}, and a bundle signed by another key is accepted only as a new pin: --repin NEW.pub",
                            recorded.fingerprint()
                        ),
                    }
                }
                (error, _, _) => error,
            })?;
        file.sync_all()
            .map_err(io(database, "cannot write beside the database"))?;
        verified
    };
    replacement.attach()?;
    let connection = replacement.connection()?;
    let target = replacement.target().to_owned();
    let sqlite = |context: &'static str| {
        let target = target.clone();
        move |error| DatabaseError::sqlite(&target, context, error)
    };
    let check: String = connection
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(sqlite("the bundle's database is unreadable"))?;
    if check != "ok" {
        return Err(invalid(
            path,
            format!("the bundle's database fails SQLite's check: {check}"),
        ));
    }
    let manifest = &verified.manifest;
    let stored_newest = store::newest_modified(connection)
        .map_err(sqlite("the bundle's database is unreadable"))?;
    if let Some(claimed) = &manifest.newest_modified {
        if stored_newest.as_deref() != Some(claimed.as_str()) {
            return Err(invalid(
                path,
                format!(
                    "the manifest says the newest record is `{claimed}`, the database holds `{}`",
                    stored_newest.as_deref().unwrap_or("no record")
                ),
            ));
        }
    }
    // Records are believed up to the build time, and never past the clock.
    let built_at = Timestamp::parse(&manifest.created_at)
        .ok_or_else(|| invalid(path, "the manifest's `created_at` is not a time"))?
        .min(Timestamp::from(clock.trusted_now()));
    let bound = built_at.to_string();
    let future_dated = connection
        .execute(
            "UPDATE advisory SET modified = ?1 WHERE modified > ?1",
            [&bound],
        )
        .map_err(sqlite("cannot bound the bundle's record times"))?;
    let newest_record = store::newest_modified(connection)
        .map_err(sqlite("the bundle's database is unreadable"))?
        .as_deref()
        .and_then(Timestamp::parse);

    let mut downgrade = None;
    if let Some(held) = &held {
        let older_data = match (newest_record, held.newest_record) {
            (Some(incoming), Some(current)) if incoming < current => Some(format!(
                "the bundle's newest record is {incoming}, older than the newest the database holds ({current}): it would take the data back in time (a replayed older bundle?)"
            )),
            (None, Some(current)) => Some(format!(
                "the bundle holds no dated record, and the database holds data up to {current}"
            )),
            _ => None,
        };
        let older_build = match held.built_at {
            Some(current) if built_at < current => Some(format!(
                "the bundle was built {built_at}, before the bundle the database came from ({current}): a replayed older bundle?"
            )),
            _ => None,
        };
        if let Some(message) = older_data.or(older_build) {
            if !options.allow_downgrade {
                return Err(BundleError::Downgrade {
                    path: path.to_owned(),
                    message,
                });
            }
            downgrade = Some(message);
        }
    }

    let writer = Writer::new(connection, &target, clock);
    // The exporter's own bookkeeping is not the receiver's: only what was verified here stays.
    connection
        .execute("DELETE FROM meta", [])
        .map_err(sqlite("cannot record metadata"))?;
    writer.set_meta(
        meta::UPDATED_AT,
        &Timestamp::from(clock.trusted_now()).to_string(),
    )?;
    writer.set_meta(meta::BUNDLE_BUILT_AT, &bound)?;
    let signer = match (&verified.verified_with, &expected) {
        (Some(_), Some(key)) => Some(key),
        _ => None,
    };
    if let Some(key) = signer {
        let pem = key
            .to_pem()
            .map_err(|error| invalid(path, error.to_string()))?;
        writer.set_meta(meta::SIGNER, &key.fingerprint())?;
        writer.set_meta(meta::SIGNER_KEY, &pem)?;
    }
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    writer.record_source(&SourceRecord {
        name: format!("bundle:{}", absolute.display()),
        kind: "bundle".to_owned(),
        location: absolute.display().to_string(),
        etag: None,
        last_modified: None,
        sha256: Some(manifest.database.sha256.clone()),
        fetched_at: Some(manifest.created_at.clone()),
        imported_at: Timestamp::from(clock.trusted_now()).to_string(),
        records_read: manifest.counts.advisories,
    })?;
    let previous_signer = recorded
        .map(|key| key.fingerprint())
        .filter(|previous| Some(previous) != signer.map(PublicKey::fingerprint).as_ref());
    replacement.commit()?;
    Ok(ImportedBundle {
        verified,
        built_at,
        newest_record,
        future_dated: u64::try_from(future_dated).unwrap_or(u64::MAX),
        previous_signer,
        downgrade,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"}, "versions": ["1.0"]}]}"#;

    /// An exporter (or whoever wrote the bundle's database) claims a record from 2099: the
    /// receiver stores it with the build time, so the data looks no fresher than the bundle.
    #[test]
    fn a_crafted_database_dated_in_the_future_is_bounded_by_the_build_time() {
        let directory = tempfile::tempdir().unwrap();
        let input = directory.path().join("PYSEC-1.json");
        std::fs::write(&input, RECORD).unwrap();
        let exporter = directory.path().join("exporter.sqlite3");
        crate::import_paths(&exporter, &[input], &Clock::system()).unwrap();
        // Written behind airlock's back: an importer would have bounded it.
        rusqlite::Connection::open(&exporter)
            .unwrap()
            .execute("UPDATE advisory SET modified = '2099-01-01T00:00:00Z'", [])
            .unwrap();
        let key = SecretKey::generate().unwrap();
        let bundle = directory.path().join("crafted.bundle");
        let manifest = export(&exporter, &bundle, Some(&key), &Clock::system()).unwrap();
        assert_eq!(
            manifest.newest_modified.as_deref(),
            Some("2099-01-01T00:00:00Z")
        );

        let receiver = directory.path().join("receiver.sqlite3");
        let public = key.public_key();
        let imported = import(
            &bundle,
            &receiver,
            ImportOptions {
                key: Some(&public),
                ..ImportOptions::default()
            },
            &Clock::system(),
        )
        .unwrap();
        assert_eq!(imported.future_dated, 1);
        assert_eq!(imported.newest_record, Some(imported.built_at));
        assert!(imported.built_at <= Timestamp::from(Clock::system().trusted_now()));
        let store = Store::open(&receiver).unwrap();
        let summary = store.summary().unwrap();
        assert_eq!(
            summary.newest_record,
            Some(imported.built_at.to_string()),
            "the stored date is the bound, not the claim"
        );
        assert_eq!(summary.built_at, Some(imported.built_at));
        assert_eq!(summary.signer, Some(public.fingerprint()));
        assert_eq!(store.recorded_signer().unwrap(), Some(public));
    }

    /// The exporter's own bookkeeping (its recorded signer) does not travel with its data.
    #[test]
    fn the_exporters_meta_is_not_the_receivers() {
        let directory = tempfile::tempdir().unwrap();
        let input = directory.path().join("PYSEC-1.json");
        std::fs::write(&input, RECORD).unwrap();
        let exporter = directory.path().join("exporter.sqlite3");
        crate::import_paths(&exporter, &[input], &Clock::system()).unwrap();
        let planted = SecretKey::generate().unwrap().public_key();
        let connection = rusqlite::Connection::open(&exporter).unwrap();
        for (key, value) in [
            (meta::SIGNER, planted.fingerprint()),
            (meta::SIGNER_KEY, planted.to_pem().unwrap()),
            (meta::SYNCED_AT, "2099-01-01T00:00:00Z".to_owned()),
        ] {
            connection
                .execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                    [key, value.as_str()],
                )
                .unwrap();
        }
        drop(connection);
        let bundle = directory.path().join("unsigned.bundle");
        export(&exporter, &bundle, None, &Clock::system()).unwrap();
        let receiver = directory.path().join("receiver.sqlite3");
        let refused = import(
            &bundle,
            &receiver,
            ImportOptions::default(),
            &Clock::system(),
        )
        .unwrap_err();
        assert!(matches!(refused, BundleError::Unsigned { .. }), "{refused}");
        assert!(!receiver.exists());
        import(
            &bundle,
            &receiver,
            ImportOptions {
                allow_unsigned: true,
                ..ImportOptions::default()
            },
            &Clock::system(),
        )
        .unwrap();
        let store = Store::open(&receiver).unwrap();
        let summary = store.summary().unwrap();
        assert_eq!(summary.signer, None);
        assert_eq!(summary.synced_at, None);
        assert_eq!(store.recorded_signer().unwrap(), None);
    }
}
