//! `airlock db sync`: downloads OSV's per-ecosystem archives (`{mirror}/{ecosystem}/all.zip`,
//! the layout of OSV's public bucket, https://google.github.io/osv.dev/data/) and imports them.
//!
//! Each download is conditional (`If-None-Match` / `If-Modified-Since` from the source's stored
//! watermark), bounded (per-operation timeout, retries with back-off for network errors, 5xx and
//! truncated bodies, a size limit), written to a scratch file, and checked before anything is
//! imported: the body length must match `Content-Length` and every archive entry must pass its
//! CRC. The archives that passed are then imported in one transaction into a copy of the
//! database that replaces it atomically; an archive that failed leaves its source as it was.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::config::SyncSettings;
use crate::database::Replacement;
use crate::import::{ImportReport, Importer};
use crate::progress::{Progress, ProgressCallback};
use crate::store::{meta, DatabaseError, SourceRecord, Store, Writer};
use crate::time::Timestamp;
use scanner_core::clock::Clock;

/// What happened to one ecosystem's archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A new archive was downloaded, checked and imported.
    Fetched {
        /// The archive's size as received.
        bytes: u64,
        /// Advisory records read from it.
        records: u64,
    },
    /// The server said the stored copy is current (304).
    NotModified,
    /// Nothing was imported from this source; the reason says why.
    Failed(String),
}

/// One source of a sync and what became of it, so the report lists every source, failed ones
/// included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceOutcome {
    /// The OSV ecosystem the archive holds.
    pub ecosystem: String,
    /// Where it was fetched from (the mirror's URL when one is configured).
    pub url: String,
    /// What happened.
    pub outcome: FetchOutcome,
}

/// What a sync did, source by source. A failed source does not stop the others; the caller
/// decides the exit code from [`SyncReport::failures`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// Every source tried, in the configured order.
    pub sources: Vec<SourceOutcome>,
    /// The import of the fetched archives, when any was fetched.
    pub import: Option<ImportReport>,
}

impl SyncReport {
    /// How many sources failed; more than zero means the data is not all current.
    pub fn failures(&self) -> usize {
        self.sources
            .iter()
            .filter(|source| matches!(source.outcome, FetchOutcome::Failed(_)))
            .count()
    }
}

/// Why a sync could not run at all (as opposed to one source failing, which is a
/// [`FetchOutcome::Failed`]). Nothing stored is lost.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// A local file of the sync (the database's directory, a downloaded archive) failed.
    #[error("{}: {context}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What was being done.
        context: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The fetched archives could not be imported; the database keeps what it had.
    #[error("cannot import the fetched archives: {0}")]
    Import(String),
    /// The database could not be opened or written.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

/// A downloaded, checked archive waiting to be imported.
struct Download {
    ecosystem: String,
    url: String,
    file: File,
    bytes: u64,
    sha256: String,
    etag: Option<String>,
    last_modified: Option<String>,
    fetched_at: String,
}

/// One attempt's failure: whether another attempt may help.
struct AttemptError {
    message: String,
    retry: bool,
}

fn source_name(ecosystem: &str) -> String {
    format!("osv:{ecosystem}")
}

/// Syncs every configured ecosystem into the database at `database`. Fetches are recorded at,
/// and their records believed up to, `clock`'s present.
pub fn sync(
    database: &Path,
    settings: &SyncSettings,
    clock: &Clock,
) -> Result<SyncReport, SyncError> {
    sync_with_progress(database, settings, clock, None)
}

/// [`sync`], telling `progress` how far each download and the import are.
pub fn sync_with_progress(
    database: &Path,
    settings: &SyncSettings,
    clock: &Clock,
    progress: Option<ProgressCallback>,
) -> Result<SyncReport, SyncError> {
    let client = reqwest::blocking::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .user_agent(concat!("airlock/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| SyncError::Client(error.to_string()))?;
    let watermarks = if database.is_file() {
        Store::open(database)?.sources()?
    } else {
        Default::default()
    };
    let scratch_directory = match database.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&scratch_directory).map_err(|source| SyncError::Io {
        path: scratch_directory.clone(),
        context: "cannot create the database directory",
        source,
    })?;
    let mut report = SyncReport::default();
    let mut downloads = Vec::new();
    let mut not_modified = Vec::new();
    for ecosystem in &settings.ecosystems {
        let url = format!(
            "{}/{}/all.zip",
            settings.mirror.trim_end_matches('/'),
            ecosystem
        );
        let watermark = watermarks.get(&source_name(ecosystem));
        let mut attempt = 0;
        let downloaded = |received: u64, total: Option<u64>| {
            if let Some(progress) = &progress {
                progress(Progress::Download {
                    ecosystem,
                    received,
                    total,
                });
            }
        };
        let outcome = loop {
            match fetch(
                &client,
                &url,
                watermark,
                settings,
                &scratch_directory,
                &downloaded,
            ) {
                Ok(Some(file)) => break Ok(Some(file)),
                Ok(None) => break Ok(None),
                Err(error) if error.retry && attempt < settings.retries => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(250 << attempt.min(5)));
                }
                Err(error) => break Err(error.message),
            }
        };
        match outcome {
            Ok(Some((file, bytes, sha256, etag, last_modified))) => downloads.push(Download {
                ecosystem: ecosystem.clone(),
                url,
                file,
                bytes,
                sha256,
                etag,
                last_modified,
                fetched_at: Timestamp::from(clock.trusted_now()).to_string(),
            }),
            Ok(None) => {
                not_modified.push(ecosystem.clone());
                report.sources.push(SourceOutcome {
                    ecosystem: ecosystem.clone(),
                    url,
                    outcome: FetchOutcome::NotModified,
                });
            }
            Err(message) => report.sources.push(SourceOutcome {
                ecosystem: ecosystem.clone(),
                url,
                outcome: FetchOutcome::Failed(message),
            }),
        }
    }
    if downloads.is_empty() && not_modified.is_empty() {
        return Ok(report);
    }
    let replacement = Replacement::begin(database, true)?;
    let connection = replacement.connection()?;
    let target = replacement.target().to_owned();
    connection
        .execute_batch("BEGIN")
        .map_err(|error| DatabaseError::sqlite(&target, "cannot start the import", error))?;
    let mut importer =
        Importer::new(Writer::new(connection, &target, clock)).with_progress(progress);
    let now = Timestamp::from(clock.trusted_now()).to_string();
    let mut synced = !not_modified.is_empty();
    for ecosystem in &not_modified {
        // Confirmed current: the watermark's check time moves, nothing else.
        if let Some(previous) = watermarks.get(&source_name(ecosystem)) {
            importer.writer().record_source(&SourceRecord {
                fetched_at: Some(now.clone()),
                ..previous.clone()
            })?;
        }
    }
    for mut download in downloads {
        let name = source_name(&download.ecosystem);
        let before = importer.records_read();
        download
            .file
            .seek(SeekFrom::Start(0))
            .map_err(|source| SyncError::Io {
                path: target.clone(),
                context: "cannot read the downloaded archive",
                source,
            })?;
        // The mirror's records are believed up to the moment they were fetched.
        if let Some(fetched) = Timestamp::parse(&download.fetched_at) {
            importer.writer_mut().set_bound(fetched);
        }
        // One source at a time: an archive with a record airlock cannot read fails its source
        // whole (the previous data of that ecosystem stays), never a silent gap.
        let checkpoint = importer.checkpoint();
        let problems_before = importer.problems().len();
        let savepoint = |statement: &str| {
            connection
                .execute_batch(statement)
                .map_err(|error| DatabaseError::sqlite(&target, "cannot import a source", error))
        };
        savepoint("SAVEPOINT source")?;
        importer.archive(&download.url, BufReader::new(&download.file), &name)?;
        if importer.problems().len() > problems_before {
            savepoint("ROLLBACK TO source")?;
            savepoint("RELEASE source")?;
            let problems = importer.restore(checkpoint);
            report.sources.push(SourceOutcome {
                ecosystem: download.ecosystem,
                url: download.url,
                outcome: FetchOutcome::Failed(format!(
                    "the archive is not a complete advisory set, so none of it was imported (the previous data stays):{}",
                    crate::import::list_problems(&problems)
                )),
            });
            continue;
        }
        savepoint("RELEASE source")?;
        synced = true;
        let records = importer.records_read() - before;
        importer.writer().record_source(&SourceRecord {
            name,
            kind: "osv-mirror".to_owned(),
            location: download.url.clone(),
            etag: download.etag,
            last_modified: download.last_modified,
            sha256: Some(download.sha256),
            fetched_at: Some(download.fetched_at),
            imported_at: now.clone(),
            records_read: records,
        })?;
        report.sources.push(SourceOutcome {
            ecosystem: download.ecosystem,
            url: download.url,
            outcome: FetchOutcome::Fetched {
                bytes: download.bytes,
                records,
            },
        });
    }
    if !synced {
        // Every download failed its check: nothing changes.
        report.sources.sort_by(|a, b| a.ecosystem.cmp(&b.ecosystem));
        return Ok(report);
    }
    importer.writer().set_meta(meta::UPDATED_AT, &now)?;
    importer.writer().set_meta(meta::SYNCED_AT, &now)?;
    let imported = match importer.finish() {
        Ok(imported) => imported,
        // Every problem was rolled back with its source above; none can remain.
        Err(error) => return Err(SyncError::Import(error.to_string())),
    };
    connection
        .execute_batch("COMMIT")
        .map_err(|error| DatabaseError::sqlite(&target, "cannot commit the import", error))?;
    report.import = Some(imported);
    replacement.commit()?;
    report.sources.sort_by(|a, b| a.ecosystem.cmp(&b.ecosystem));
    Ok(report)
}

type Fetched = (File, u64, String, Option<String>, Option<String>);

/// One GET: `Ok(None)` for 304, `Ok(Some(..))` for a checked archive in a scratch file.
fn fetch(
    client: &reqwest::blocking::Client,
    url: &str,
    watermark: Option<&SourceRecord>,
    settings: &SyncSettings,
    scratch_directory: &Path,
    downloaded: &dyn Fn(u64, Option<u64>),
) -> Result<Option<Fetched>, AttemptError> {
    let mut request = client.get(url);
    if let Some(watermark) = watermark {
        if let Some(etag) = &watermark.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &watermark.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, last_modified);
        }
    }
    let mut response = request.send().map_err(|error| AttemptError {
        message: describe(&error),
        retry: true,
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(AttemptError {
            message: format!("{url}: HTTP {status}"),
            retry: status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS,
        });
    }
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    let expected = response.content_length();
    if let Some(length) = expected {
        if length > settings.max_archive_bytes {
            return Err(AttemptError {
                message: format!(
                    "{url}: the archive is {length} bytes, over the limit of {} (sync.max_archive_megabytes)",
                    settings.max_archive_bytes
                ),
                retry: false,
            });
        }
    }
    let mut file = tempfile::tempfile_in(scratch_directory).map_err(|error| AttemptError {
        message: format!(
            "{}: cannot create a scratch file: {error}",
            scratch_directory.display()
        ),
        retry: false,
    })?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut received = 0u64;
    loop {
        let read = match response.read(&mut buffer) {
            Ok(read) => read,
            Err(error) => {
                return Err(AttemptError {
                    message: format!(
                        "{url}: the download broke off after {received} bytes{}: {error}",
                        expected
                            .map(|length| format!(" of {length}"))
                            .unwrap_or_default()
                    ),
                    retry: true,
                })
            }
        };
        if read == 0 {
            break;
        }
        received += read as u64;
        if received > settings.max_archive_bytes {
            return Err(AttemptError {
                message: format!(
                    "{url}: the archive exceeds the limit of {} bytes (sync.max_archive_megabytes)",
                    settings.max_archive_bytes
                ),
                retry: false,
            });
        }
        downloaded(received, expected);
        let chunk = buffer.get(..read).unwrap_or_default();
        hasher.update(chunk);
        file.write_all(chunk).map_err(|error| AttemptError {
            message: format!("cannot write the download: {error}"),
            retry: false,
        })?;
    }
    if let Some(length) = expected {
        if received != length {
            return Err(AttemptError {
                message: format!(
                    "{url}: truncated download: received {received} of {length} bytes"
                ),
                retry: true,
            });
        }
    }
    check_archive(&mut file).map_err(|message| AttemptError {
        message: format!("{url}: {message}"),
        retry: true,
    })?;
    Ok(Some((
        file,
        received,
        hex::encode(hasher.finalize()),
        etag,
        last_modified,
    )))
}

/// Reads every entry to its end, so zip's CRC check covers the whole archive before import.
fn check_archive(file: &mut File) -> Result<(), String> {
    file.seek(SeekFrom::Start(0))
        .map_err(|error| format!("cannot read the download: {error}"))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(&*file))
        .map_err(|error| format!("not a readable zip archive: {error}"))?;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| format!("archive entry #{index} is unreadable: {error}"))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        std::io::copy(&mut entry, &mut std::io::sink())
            .map_err(|error| format!("archive entry `{name}` is corrupt: {error}"))?;
    }
    Ok(())
}

/// A network error with its causes (reqwest's top-level message alone is vague).
fn describe(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        cause = inner.source();
    }
    if error.is_timeout() {
        message.push_str(" (timed out; see sync.timeout_seconds or AIRLOCK_SYNC_TIMEOUT)");
    }
    message
}
