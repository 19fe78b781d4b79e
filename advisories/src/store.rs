//! The SQLite store: schema and migrations (`PRAGMA user_version`), the writer used inside one
//! import transaction, and the read side that answers [`VulnerabilitySource`] queries.
//!
//! SQL answers "which advisories name (ecosystem, normalized name)" through the
//! `affected_package` index; Rust decides which versions are affected. Each record is stored
//! whole: its OSV JSON (`raw_json`), and in columns and tables the parts queries need, with every
//! range (type, repo, events in order) and every explicit `versions` list, so exact range
//! evaluation can be added later without a schema change.
//!
//! Matching today (interim, documented): a component is affected when its exact version appears
//! in an `affected[].versions` list of a record that is not withdrawn. Ranges are stored but not
//! evaluated yet.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::Value;

use scanner_core::risk::{
    AdvisoryKind, AdvisoryRef, CvssRating, MatchOutcome, Severity, VulnerabilitySource,
    VulnerabilitySourceError,
};
use scanner_core::ComponentKey;

use crate::matching::severity::{self, Rating};
use crate::matching::{self, AffectedVersions, Event, EventKind, Range, RangeKind, Verdict};
use crate::model::{events_json, Advisory, RecordFormat};
use crate::signing::PublicKey;
use crate::time::Timestamp;
use scanner_core::clock::Clock;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// Each entry moves the schema from version `index` to `index + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema. Child rows are deleted explicitly by the writer (no foreign-key
    // enforcement, which would slow bulk imports); the REFERENCES clauses document the links.
    "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE source (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        location TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        sha256 TEXT,
        fetched_at TEXT,
        imported_at TEXT NOT NULL,
        records_read INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE advisory (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        informational TEXT,
        summary TEXT,
        details TEXT,
        published TEXT,
        modified TEXT NOT NULL,
        withdrawn TEXT,
        format TEXT NOT NULL,
        source TEXT NOT NULL,
        database_specific TEXT,
        raw_json TEXT NOT NULL
    );
    CREATE INDEX advisory_source ON advisory (source);
    CREATE TABLE alias (
        advisory INTEGER NOT NULL REFERENCES advisory (rowid),
        alias TEXT NOT NULL
    );
    CREATE INDEX alias_advisory ON alias (advisory);
    CREATE INDEX alias_alias ON alias (alias);
    CREATE TABLE related (
        advisory INTEGER NOT NULL REFERENCES advisory (rowid),
        related TEXT NOT NULL
    );
    CREATE INDEX related_advisory ON related (advisory);
    CREATE TABLE severity (
        advisory INTEGER NOT NULL REFERENCES advisory (rowid),
        ordinal INTEGER NOT NULL,
        type TEXT NOT NULL,
        score TEXT NOT NULL
    );
    CREATE INDEX severity_advisory ON severity (advisory);
    CREATE TABLE reference (
        advisory INTEGER NOT NULL REFERENCES advisory (rowid),
        ordinal INTEGER NOT NULL,
        type TEXT NOT NULL,
        url TEXT NOT NULL
    );
    CREATE INDEX reference_advisory ON reference (advisory);
    CREATE TABLE affected (
        rowid INTEGER PRIMARY KEY,
        advisory INTEGER NOT NULL REFERENCES advisory (rowid),
        ordinal INTEGER NOT NULL,
        ecosystem TEXT NOT NULL,
        osv_ecosystem TEXT NOT NULL,
        name TEXT NOT NULL,
        original_name TEXT NOT NULL,
        purl TEXT,
        versions TEXT NOT NULL,
        functions TEXT NOT NULL,
        ecosystem_specific TEXT,
        database_specific TEXT
    );
    CREATE INDEX affected_package ON affected (ecosystem, name);
    CREATE INDEX affected_advisory ON affected (advisory);
    CREATE TABLE affected_range (
        affected INTEGER NOT NULL REFERENCES affected (rowid),
        ordinal INTEGER NOT NULL,
        type TEXT NOT NULL,
        repo TEXT,
        events TEXT NOT NULL,
        database_specific TEXT
    );
    CREATE INDEX affected_range_affected ON affected_range (affected);
    ",
];

/// Why the database could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatabaseError {
    /// No database file: reading never creates one, so a mistyped path is not an empty
    /// database that says "nothing known".
    #[error("no advisory database at {}", path.display())]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    #[error(
        "{}: schema version {found} is newer than this airlock reads ({supported}); use a newer airlock",
        path.display()
    )]
    /// Written by a newer airlock: refused rather than misread.
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The version this build reads.
        supported: i64,
    },
    #[error(
        "{}: schema version {found} is older than this airlock reads ({supported}); run `airlock db import` or `airlock db sync` to upgrade it",
        path.display()
    )]
    /// Written by an older airlock; the next import or sync rebuilds it.
    TooOld {
        /// The database file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The version this build reads.
        supported: i64,
    },
    #[error("{}: {context}: {source}", path.display())]
    /// SQLite refused (a corrupt file, a failed statement).
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// SQLite's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{}: {context}: {source}", path.display())]
    /// A file operation around the database (the copy, the rename, the lock) failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// Another airlock holds the write lock: two writers would each replace the other's work.
    #[error("{}: another airlock is changing this database (lock held on {})", path.display(), lock.display())]
    Busy {
        /// The database file.
        path: PathBuf,
        /// The lock file that is held.
        lock: PathBuf,
    },
}

impl DatabaseError {
    pub(crate) fn sqlite(path: &Path, context: &'static str, error: rusqlite::Error) -> Self {
        DatabaseError::Sqlite {
            path: path.to_owned(),
            context,
            source: Box::new(error),
        }
    }

    pub(crate) fn io(path: &Path, context: &'static str, error: std::io::Error) -> Self {
        DatabaseError::Io {
            path: path.to_owned(),
            context,
            source: error,
        }
    }
}

/// What replacing a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// A new id.
    Added,
    /// The stored copy was older (or poorer) and was replaced.
    Updated,
    /// The stored copy is as new (or newer, or richer at the same time): nothing written.
    Unchanged,
}

/// A watermark: what a source delivered and when.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceRecord {
    /// `osv:PyPI`, `path:/abs/dir`, `bundle:…`.
    pub name: String,
    /// `osv-mirror`, `path`, `bundle`.
    pub kind: String,
    /// URL or path.
    pub location: String,
    /// The server's `ETag`, sent back on the next sync so an unchanged archive is a 304.
    pub etag: Option<String>,
    /// The server's `Last-Modified`, for the same conditional request.
    pub last_modified: Option<String>,
    /// SHA-256 of what was imported (archive or bundle), to tell two deliveries apart.
    pub sha256: Option<String>,
    /// When it was fetched (syncs only); the trusted time that bounds record dates.
    pub fetched_at: Option<String>,
    /// When it was imported.
    pub imported_at: String,
    /// How many records it delivered (every copy counted).
    pub records_read: u64,
}

/// Per-source counts of stored records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceCounts {
    /// The source's name, as in [`SourceRecord::name`].
    pub source: String,
    /// Records stored from it.
    pub advisories: u64,
    /// Of those, withdrawn (kept, never matched).
    pub withdrawn: u64,
    /// Of those, malicious-package reports.
    pub malicious: u64,
    /// Of those, informational notices (RustSec).
    pub informational: u64,
}

/// Keys of the `meta` table. A bundle's own `meta` rows are the exporter's and are dropped when
/// it is imported; these are written by the receiving side only.
pub(crate) mod meta {
    /// When the database file last changed (import, sync, bundle).
    pub const UPDATED_AT: &str = "updated_at";
    /// The signed build time of the bundle the database was replaced with.
    pub const BUNDLE_BUILT_AT: &str = "bundle_built_at";
    /// When `db sync` last fetched or confirmed the mirror's archives.
    pub const SYNCED_AT: &str = "synced_at";
    /// Fingerprint of the key that signed the bundle the data came from.
    pub const SIGNER: &str = "bundle_signer";
    /// That key (SPKI PEM), so that the next bundle is checked against it without a pin.
    pub const SIGNER_KEY: &str = "bundle_signer_key";
}

/// What `airlock db info` shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DatabaseSummary {
    /// The schema version of the file.
    pub schema_version: i64,
    /// When the last import, sync or bundle import finished.
    pub updated_at: Option<Timestamp>,
    /// The signed build time of the bundle the database was replaced with.
    pub built_at: Option<Timestamp>,
    /// When `db sync` last fetched (or confirmed current) the mirror's data.
    pub synced_at: Option<Timestamp>,
    /// Fingerprint of the key that signed the bundle the data came from.
    pub signer: Option<String>,
    /// Records stored.
    pub advisories: u64,
    /// Of those, withdrawn.
    pub withdrawn: u64,
    /// `affected[]` entries naming a package (what matching searches).
    pub affected_packages: u64,
    /// Record counts by source.
    pub per_source: Vec<SourceCounts>,
    /// Every source's watermark.
    pub sources: Vec<SourceRecord>,
    /// Newest `modified` of any record (as stored: bounded by the trusted time of its import).
    pub newest_record: Option<String>,
}

impl DatabaseSummary {
    /// True when no active record exists: a scan must not report "no known vulnerabilities".
    pub fn is_empty(&self) -> bool {
        self.advisories == self.withdrawn
    }
}

/// Applies the missing migrations (inside the caller's write transaction or connection).
pub(crate) fn migrate(connection: &Connection, path: &Path) -> Result<(), DatabaseError> {
    let version: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|error| DatabaseError::sqlite(path, "cannot read the schema version", error))?;
    if version > SCHEMA_VERSION {
        return Err(DatabaseError::TooNew {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let start = usize::try_from(version.max(0)).unwrap_or(0);
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(start) {
        connection
            .execute_batch(migration)
            .map_err(|error| DatabaseError::sqlite(path, "cannot migrate the schema", error))?;
        let next = i64::try_from(index + 1).unwrap_or(SCHEMA_VERSION);
        connection
            .pragma_update(None, "user_version", next)
            .map_err(|error| DatabaseError::sqlite(path, "cannot migrate the schema", error))?;
    }
    Ok(())
}

/// Writes records inside one transaction of a connection the importer owns.
pub(crate) struct Writer<'connection> {
    connection: &'connection Connection,
    path: PathBuf,
    /// The latest `modified` believed for records written now: the trusted time the data was
    /// taken (fetch time, signed build time, moment of import). A later date is stored as this.
    bound: Timestamp,
    /// The run's clock, whose present no record is believed past.
    clock: Clock,
}

fn kind_name(kind: AdvisoryKind) -> &'static str {
    match kind {
        AdvisoryKind::Vulnerability => "vulnerability",
        AdvisoryKind::Malicious => "malicious",
        // The informational label column says which one.
        AdvisoryKind::Unmaintained | AdvisoryKind::Unsound | AdvisoryKind::Informational => {
            "informational"
        }
    }
}

/// The stored kind refined by RustSec's informational label.
fn kind_from_name(name: &str, informational: Option<&str>) -> AdvisoryKind {
    match (name, informational.map(str::trim)) {
        ("malicious", _) => AdvisoryKind::Malicious,
        ("informational", Some("unmaintained")) => AdvisoryKind::Unmaintained,
        ("informational", Some("unsound")) => AdvisoryKind::Unsound,
        ("informational", _) => AdvisoryKind::Informational,
        _ => AdvisoryKind::Vulnerability,
    }
}

fn json_text(value: Option<&Value>) -> Option<String> {
    value.map(Value::to_string)
}

impl<'connection> Writer<'connection> {
    /// A writer whose records are believed up to the clock's present ([`Clock::trusted_now`]).
    pub(crate) fn new(
        connection: &'connection Connection,
        path: &Path,
        clock: &Clock,
    ) -> Writer<'connection> {
        Writer {
            connection,
            path: path.to_owned(),
            bound: Timestamp::from(clock.trusted_now()),
            clock: *clock,
        }
    }

    /// Believes records written from now on up to `bound` (never past the clock's present).
    pub(crate) fn set_bound(&mut self, bound: Timestamp) {
        self.bound = bound.min(Timestamp::from(self.clock.trusted_now()));
    }

    pub(crate) fn bound(&self) -> Timestamp {
        self.bound
    }

    fn error(&self, context: &'static str) -> impl Fn(rusqlite::Error) -> DatabaseError + '_ {
        move |error| DatabaseError::sqlite(&self.path, context, error)
    }

    /// Stores `advisory` unless the stored copy is richer (OSV over RustSec markdown), or as rich
    /// and at least as new.
    pub(crate) fn upsert(
        &self,
        advisory: &Advisory,
        raw_json: &str,
        source: &str,
    ) -> Result<UpsertOutcome, DatabaseError> {
        // A date in the future is believed no further than the bound, both for deciding which
        // copy is newer and for the stored `modified` that freshness is judged from.
        let believed = advisory.modified.min(self.bound);
        let existing: Option<(i64, String, String)> = self
            .connection
            .prepare_cached("SELECT rowid, modified, format FROM advisory WHERE id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([&advisory.id], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()
            })
            .map_err(self.error("cannot read a stored advisory"))?;
        let outcome = match &existing {
            None => UpsertOutcome::Added,
            Some((rowid, modified, format)) => {
                let stored_modified = Timestamp::parse(modified);
                let stored_richness = RecordFormat::from_name(format)
                    .map(RecordFormat::richness)
                    .unwrap_or(0);
                // RustSec markdown has no `modified` time (its `date` stands in), so the format
                // decides first: an OSV copy always replaces a markdown one and is never
                // replaced by one; between copies of equal richness, the newer `modified` wins.
                let richness = advisory.format.richness();
                let newer = match stored_modified {
                    None => true,
                    Some(_) if richness != stored_richness => richness > stored_richness,
                    Some(stored) => believed > stored,
                };
                if !newer {
                    return Ok(UpsertOutcome::Unchanged);
                }
                self.delete(*rowid)?;
                UpsertOutcome::Updated
            }
        };
        self.insert(advisory, believed, raw_json, source)?;
        Ok(outcome)
    }

    fn delete(&self, rowid: i64) -> Result<(), DatabaseError> {
        for statement in [
            "DELETE FROM affected_range WHERE affected IN (SELECT rowid FROM affected WHERE advisory = ?1)",
            "DELETE FROM affected WHERE advisory = ?1",
            "DELETE FROM alias WHERE advisory = ?1",
            "DELETE FROM related WHERE advisory = ?1",
            "DELETE FROM severity WHERE advisory = ?1",
            "DELETE FROM reference WHERE advisory = ?1",
            "DELETE FROM advisory WHERE rowid = ?1",
        ] {
            self.connection
                .prepare_cached(statement)
                .and_then(|mut prepared| prepared.execute([rowid]))
                .map_err(self.error("cannot replace a stored advisory"))?;
        }
        Ok(())
    }

    fn insert(
        &self,
        advisory: &Advisory,
        modified: Timestamp,
        raw_json: &str,
        source: &str,
    ) -> Result<(), DatabaseError> {
        let write = self.error("cannot store an advisory");
        let connection = self.connection;
        connection
            .prepare_cached(
                "INSERT INTO advisory (id, kind, informational, summary, details, published, \
                 modified, withdrawn, format, source, database_specific, raw_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .and_then(|mut statement| {
                statement.execute(params![
                    advisory.id,
                    kind_name(advisory.kind),
                    advisory.informational,
                    advisory.summary,
                    advisory.details,
                    advisory.published.map(|time| time.to_string()),
                    modified.to_string(),
                    advisory.withdrawn.map(|time| time.to_string()),
                    advisory.format.as_str(),
                    source,
                    json_text(advisory.database_specific.as_ref()),
                    raw_json,
                ])
            })
            .map_err(&write)?;
        let rowid = connection.last_insert_rowid();
        for alias in &advisory.aliases {
            connection
                .prepare_cached("INSERT INTO alias (advisory, alias) VALUES (?1, ?2)")
                .and_then(|mut statement| statement.execute(params![rowid, alias]))
                .map_err(&write)?;
        }
        for related in &advisory.related {
            connection
                .prepare_cached("INSERT INTO related (advisory, related) VALUES (?1, ?2)")
                .and_then(|mut statement| statement.execute(params![rowid, related]))
                .map_err(&write)?;
        }
        for (ordinal, severity) in advisory.severity.iter().enumerate() {
            connection
                .prepare_cached(
                    "INSERT INTO severity (advisory, ordinal, type, score) VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        rowid,
                        sql_ordinal(ordinal),
                        severity.kind,
                        severity.score
                    ])
                })
                .map_err(&write)?;
        }
        for (ordinal, reference) in advisory.references.iter().enumerate() {
            connection
                .prepare_cached(
                    "INSERT INTO reference (advisory, ordinal, type, url) VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        rowid,
                        sql_ordinal(ordinal),
                        reference.kind,
                        reference.url
                    ])
                })
                .map_err(&write)?;
        }
        for (ordinal, affected) in advisory.affected.iter().enumerate() {
            connection
                .prepare_cached(
                    "INSERT INTO affected (advisory, ordinal, ecosystem, osv_ecosystem, name, \
                     original_name, purl, versions, functions, ecosystem_specific, \
                     database_specific) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .and_then(|mut statement| {
                    statement.execute(params![
                        rowid,
                        sql_ordinal(ordinal),
                        affected.ecosystem.key(),
                        affected.osv_ecosystem,
                        affected.normalized_name,
                        affected.name,
                        affected.purl,
                        Value::from(affected.versions.clone()).to_string(),
                        Value::from(affected.functions.clone()).to_string(),
                        json_text(affected.ecosystem_specific.as_ref()),
                        json_text(affected.database_specific.as_ref()),
                    ])
                })
                .map_err(&write)?;
            let affected_rowid = connection.last_insert_rowid();
            for (range_ordinal, range) in affected.ranges.iter().enumerate() {
                connection
                    .prepare_cached(
                        "INSERT INTO affected_range (affected, ordinal, type, repo, events, \
                         database_specific) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )
                    .and_then(|mut statement| {
                        statement.execute(params![
                            affected_rowid,
                            sql_ordinal(range_ordinal),
                            range.kind,
                            range.repo,
                            events_json(&range.events).to_string(),
                            json_text(range.database_specific.as_ref()),
                        ])
                    })
                    .map_err(&write)?;
            }
        }
        Ok(())
    }

    /// Whether the stored record `id` is withdrawn.
    pub(crate) fn is_withdrawn(&self, id: &str) -> Result<bool, DatabaseError> {
        let withdrawn: Option<bool> = self
            .connection
            .prepare_cached("SELECT withdrawn IS NOT NULL FROM advisory WHERE id = ?1")
            .and_then(|mut statement| statement.query_row([id], |row| row.get(0)).optional())
            .map_err(self.error("cannot read a stored advisory"))?;
        Ok(withdrawn.unwrap_or(false))
    }

    /// Records a source's watermark (replacing the previous one of the same name).
    pub(crate) fn record_source(&self, source: &SourceRecord) -> Result<(), DatabaseError> {
        self.connection
            .execute(
                "INSERT OR REPLACE INTO source (name, kind, location, etag, last_modified, sha256, \
                 fetched_at, imported_at, records_read) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    source.name,
                    source.kind,
                    source.location,
                    source.etag,
                    source.last_modified,
                    source.sha256,
                    source.fetched_at,
                    source.imported_at,
                    i64::try_from(source.records_read).unwrap_or(i64::MAX),
                ],
            )
            .map_err(self.error("cannot record the source"))?;
        Ok(())
    }

    pub(crate) fn set_meta(&self, key: &str, value: &str) -> Result<(), DatabaseError> {
        self.connection
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map_err(self.error("cannot record metadata"))?;
        Ok(())
    }
}

/// A read-only handle on a database file; answers the risk engine's queries.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    connection: Mutex<Connection>,
}

/// One stored `affected[]` entry naming a package, with what matching needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAffected {
    /// The advisory's id.
    pub advisory_id: String,
    /// Its kind, which picks the finding's rule.
    pub kind: AdvisoryKind,
    /// RustSec's informational label, when there is one.
    pub informational: Option<String>,
    /// Its one-line summary, for the finding's message.
    pub summary: Option<String>,
    /// Its other ids.
    pub aliases: Vec<String>,
    /// The highest CVSS rating, else the database's own label, else info for informational
    /// advisories; `None` when none of these exists (shown as unknown, never as a level it
    /// does not have).
    pub severity: Option<Severity>,
    /// Every CVSS v3.x / v4.0 vector of the record, scored.
    pub ratings: Vec<Rating>,
    /// Reference URLs in record order.
    pub references: Vec<String>,
    /// The entry's explicit `versions` list.
    pub versions: Vec<String>,
    /// (range type, events JSON) in record order.
    pub ranges: Vec<(String, Value)>,
}

impl Store {
    /// Opens an existing database for reading. A missing file is [`DatabaseError::Missing`];
    /// nothing is ever created by a reader.
    ///
    /// The file is opened read-only and immutable (SQLite's `immutable=1` URI parameter): no
    /// lock is taken, no journal, WAL or shared-memory file is looked for or created, and
    /// nothing is written next to it. That is sound because airlock never changes a database
    /// file in place: every change is written to a copy and renamed over it
    /// ([`crate::database`]), so an open file's contents never move under a reader. It is what
    /// lets many scans, in one process or many, on one machine or many, share one database on
    /// a read-only or network file system (a Kubernetes volume, NFS), where locks are absent
    /// or unreliable.
    pub fn open(path: &Path) -> Result<Store, DatabaseError> {
        if !path.is_file() {
            return Err(DatabaseError::Missing {
                path: path.to_owned(),
            });
        }
        let uri = immutable_uri(path)
            .map_err(|error| DatabaseError::io(path, "cannot open the database", error))?;
        let connection = Connection::open_with_flags(
            uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|error| DatabaseError::sqlite(path, "cannot open the database", error))?;
        keep_plans(&connection)
            .map_err(|error| DatabaseError::sqlite(path, "cannot open the database", error))?;
        let version: i64 = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|error| DatabaseError::sqlite(path, "not an advisory database", error))?;
        if version > SCHEMA_VERSION {
            return Err(DatabaseError::TooNew {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < SCHEMA_VERSION {
            return Err(DatabaseError::TooOld {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(Store {
            path: path.to_owned(),
            connection: Mutex::new(connection),
        })
    }

    /// The database file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with_connection<T>(
        &self,
        context: &'static str,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, DatabaseError> {
        let guard = self.connection.lock().map_err(|_| DatabaseError::Sqlite {
            path: self.path.clone(),
            context,
            source: "the connection lock is poisoned".into(),
        })?;
        work(&guard).map_err(|error| DatabaseError::sqlite(&self.path, context, error))
    }

    /// Counts, sources and watermarks.
    pub fn summary(&self) -> Result<DatabaseSummary, DatabaseError> {
        self.with_connection("cannot summarize the database", |connection| {
            let schema_version: i64 =
                connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
            let updated_at = read_meta(connection, meta::UPDATED_AT)?;
            let built_at = read_meta(connection, meta::BUNDLE_BUILT_AT)?;
            let synced_at = read_meta(connection, meta::SYNCED_AT)?;
            let signer = read_meta(connection, meta::SIGNER)?;
            let (advisories, withdrawn, newest_record): (i64, i64, Option<String>) = connection
                .query_row(
                    "SELECT count(*), count(withdrawn), max(modified) FROM advisory",
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )?;
            let affected_packages: i64 = connection.query_row(
                "SELECT count(*) FROM (SELECT DISTINCT ecosystem, name FROM affected)",
                [],
                |row| row.get(0),
            )?;
            let mut per_source = Vec::new();
            let mut statement = connection.prepare(
                "SELECT source, count(*), count(withdrawn), sum(kind = 'malicious'), \
                 sum(kind = 'informational') FROM advisory GROUP BY source ORDER BY source",
            )?;
            let rows = statement.query_map([], |row| {
                Ok(SourceCounts {
                    source: row.get(0)?,
                    advisories: count(row.get(1)?),
                    withdrawn: count(row.get(2)?),
                    malicious: count(row.get(3)?),
                    informational: count(row.get(4)?),
                })
            })?;
            for row in rows {
                per_source.push(row?);
            }
            let mut sources = Vec::new();
            let mut statement = connection.prepare(
                "SELECT name, kind, location, etag, last_modified, sha256, fetched_at, \
                 imported_at, records_read FROM source ORDER BY name",
            )?;
            let rows = statement.query_map([], |row| {
                Ok(SourceRecord {
                    name: row.get(0)?,
                    kind: row.get(1)?,
                    location: row.get(2)?,
                    etag: row.get(3)?,
                    last_modified: row.get(4)?,
                    sha256: row.get(5)?,
                    fetched_at: row.get(6)?,
                    imported_at: row.get(7)?,
                    records_read: count(row.get(8)?),
                })
            })?;
            for row in rows {
                sources.push(row?);
            }
            // The counts above read every page of the advisory table, and matching reads few
            // of them again: the page cache is given back now, so a scan that follows reuses
            // that memory instead of growing by it (about 2 MiB on the RustSec database).
            connection.execute_batch("PRAGMA shrink_memory")?;
            Ok(DatabaseSummary {
                schema_version,
                updated_at: updated_at.as_deref().and_then(Timestamp::parse),
                built_at: built_at.as_deref().and_then(Timestamp::parse),
                synced_at: synced_at.as_deref().and_then(Timestamp::parse),
                signer,
                advisories: count(Some(advisories)),
                withdrawn: count(Some(withdrawn)),
                affected_packages: count(Some(affected_packages)),
                per_source,
                sources,
                newest_record,
            })
        })
    }

    /// Every watermark, by source name.
    pub fn sources(&self) -> Result<BTreeMap<String, SourceRecord>, DatabaseError> {
        Ok(self
            .summary()?
            .sources
            .into_iter()
            .map(|source| (source.name.clone(), source))
            .collect())
    }

    /// Every active (not withdrawn) `affected[]` entry naming the package, in advisory id order.
    /// `ecosystem` is [`scanner_core::Ecosystem::as_str`]; `name` is normalized.
    pub fn affected_entries(
        &self,
        ecosystem: &str,
        name: &str,
    ) -> Result<Vec<StoredAffected>, DatabaseError> {
        self.with_connection("cannot look up a package", |connection| {
            read_entries(connection, ecosystem, name)
        })
    }

    /// Writes a consistent, compacted copy of the database to `path` (SQLite's `VACUUM INTO`).
    pub fn snapshot_to(&self, path: &Path) -> Result<(), DatabaseError> {
        let text = path.to_string_lossy().into_owned();
        self.with_connection("cannot snapshot the database", |connection| {
            connection.execute("VACUUM INTO ?1", [text]).map(|_| ())
        })
    }

    /// The key that signed the bundle this database's data came from (fingerprint and key),
    /// recorded when the bundle was imported.
    pub fn recorded_signer(&self) -> Result<Option<PublicKey>, DatabaseError> {
        let pem = self.with_connection("cannot read the recorded signing key", |connection| {
            read_meta(connection, meta::SIGNER_KEY)
        })?;
        match pem {
            None => Ok(None),
            Some(pem) => PublicKey::from_pem(&pem, &self.path)
                .map(Some)
                .map_err(|error| DatabaseError::Sqlite {
                    path: self.path.clone(),
                    context: "the recorded signing key is unreadable",
                    source: Box::new(error),
                }),
        }
    }

    /// The stored OSV JSON of one record (withdrawn ones included).
    pub fn raw_record(&self, id: &str) -> Result<Option<Value>, DatabaseError> {
        let text: Option<String> = self.with_connection("cannot read a record", |connection| {
            connection
                .query_row("SELECT raw_json FROM advisory WHERE id = ?1", [id], |row| {
                    row.get(0)
                })
                .optional()
        })?;
        Ok(text.and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// (id, format, withdrawn?) of one record, for tests and `db info`.
    pub fn record_state(&self, id: &str) -> Result<Option<(String, bool)>, DatabaseError> {
        self.with_connection("cannot read a record", |connection| {
            connection
                .query_row(
                    "SELECT format, withdrawn IS NOT NULL FROM advisory WHERE id = ?1",
                    [id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
        })
    }
}

/// One `meta` value.
pub(crate) fn read_meta(connection: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    connection
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()
}

/// The newest `modified` of any record, as stored (RFC 3339 in UTC, so text order is time
/// order to the second).
pub(crate) fn newest_modified(connection: &Connection) -> rusqlite::Result<Option<String>> {
    connection.query_row("SELECT max(modified) FROM advisory", [], |row| row.get(0))
}

/// Reads the entries naming one package with their aliases, ratings, references and ranges.
fn read_entries(
    connection: &Connection,
    ecosystem: &str,
    name: &str,
) -> rusqlite::Result<Vec<StoredAffected>> {
    let mut statement = connection.prepare_cached(
        "SELECT advisory.rowid, affected.rowid, advisory.id, advisory.kind, \
                 advisory.informational, advisory.summary, advisory.database_specific, \
                 affected.versions \
                 FROM affected JOIN advisory ON advisory.rowid = affected.advisory \
                 WHERE affected.ecosystem = ?1 AND affected.name = ?2 \
                 AND advisory.withdrawn IS NULL ORDER BY advisory.id, affected.ordinal",
    )?;
    let rows = statement.query_map(params![ecosystem, name], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, Option<String>>(5)?,
            row.get::<_, Option<String>>(6)?,
            row.get::<_, String>(7)?,
        ))
    })?;
    let mut found = Vec::new();
    for row in rows {
        let (advisory_rowid, affected_rowid, id, kind, informational, summary, specific, versions) =
            row?;
        let versions: Vec<String> = serde_json::from_str(&versions).unwrap_or_default();
        let aliases = strings(
            connection,
            "SELECT alias FROM alias WHERE advisory = ?1 ORDER BY alias",
            advisory_rowid,
        )?;
        let scores = pairs(
            connection,
            "SELECT type, score FROM severity WHERE advisory = ?1 ORDER BY ordinal",
            advisory_rowid,
        )?;
        let ranges = pairs(
            connection,
            "SELECT type, events FROM affected_range WHERE affected = ?1 ORDER BY ordinal",
            affected_rowid,
        )?
        .into_iter()
        .map(|(kind, events)| (kind, serde_json::from_str(&events).unwrap_or(Value::Null)))
        .collect();
        let references = strings(
            connection,
            "SELECT url FROM reference WHERE advisory = ?1 ORDER BY ordinal",
            advisory_rowid,
        )?;
        let kind = kind_from_name(&kind, informational.as_deref());
        let specific: Option<Value> = specific.and_then(|text| serde_json::from_str(&text).ok());
        let ratings: Vec<Rating> = scores
            .iter()
            .filter_map(|(kind, vector)| severity::rate(kind, vector))
            .collect();
        // A severity type that is not a CVSS vector (`Ubuntu`'s priority, OSV 1.7) is a label.
        let labels: Vec<&str> = scores
            .iter()
            .filter(|(kind, _)| !severity::is_cvss(kind))
            .map(|(_, score)| score.as_str())
            .collect();
        found.push(StoredAffected {
            severity: severity_of(kind, specific.as_ref(), &ratings, &labels),
            ratings,
            references,
            advisory_id: id,
            kind,
            informational,
            summary,
            aliases,
            versions,
            ranges,
        });
    }
    Ok(found)
}

fn sql_ordinal(ordinal: usize) -> i64 {
    i64::try_from(ordinal).unwrap_or(i64::MAX)
}

fn count(value: Option<i64>) -> u64 {
    value
        .and_then(|value| u64::try_from(value).ok())
        .unwrap_or(0)
}

/// The `file:` URI that opens `path` immutable: the absolute path, every byte other than
/// `A-Z a-z 0-9 - . _ ~ /` percent-encoded (SQLite decodes `%HH` in the path, and `?` or `#`
/// in a file name would otherwise start the query), then `?immutable=1`.
fn immutable_uri(path: &Path) -> std::io::Result<String> {
    let absolute = std::path::absolute(path)?;
    let text = absolute.as_os_str().as_encoded_bytes();
    let mut uri = String::from("file://");
    // A Windows path (C:\x) becomes /C:/x, the form SQLite's URI parser expects.
    if cfg!(windows) {
        uri.push('/');
    }
    for &byte in text {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(char::from(byte));
            }
            b'\\' if cfg!(windows) => uri.push('/'),
            b':' if cfg!(windows) => uri.push(':'),
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    Ok(uri)
}

/// Keeps each cached statement's query plan across executions (SQLite's query planner
/// stability guarantee). The bundled SQLite (3.54) marks the parameter of a `column = ?` term as
/// one whose value may change the plan, and rusqlite clears a cached statement's bindings when
/// it is put back, which then throws the plan away: every lookup was parsed and planned again,
/// 37 % of the instructions of a scan of a 912-crate lock. Our tables have no statistics whose
/// use depends on a bound value, so the plan never gains from it.
pub(crate) fn keep_plans(connection: &Connection) -> rusqlite::Result<()> {
    connection
        .set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map(|_| ())
}

fn strings(connection: &Connection, sql: &str, key: i64) -> rusqlite::Result<Vec<String>> {
    let mut statement = connection.prepare_cached(sql)?;
    let rows = statement.query_map([key], |row| row.get(0))?;
    rows.collect()
}

fn pairs(connection: &Connection, sql: &str, key: i64) -> rusqlite::Result<Vec<(String, String)>> {
    let mut statement = connection.prepare_cached(sql)?;
    let rows = statement.query_map([key], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

/// The highest CVSS v3.x / v4.0 base score when the record has a vector, else the highest of
/// the database's own labels (GHSA's `database_specific.severity`, a `severity[]` entry of a
/// non-CVSS type such as `Ubuntu`), else informational advisories are info and
/// the rest unknown (the rule's default applies).
fn severity_of(
    kind: AdvisoryKind,
    specific: Option<&Value>,
    ratings: &[Rating],
    severity_labels: &[&str],
) -> Option<Severity> {
    let mut labels: Vec<&str> = specific
        .and_then(|specific| specific.get("severity"))
        .and_then(Value::as_str)
        .into_iter()
        .collect();
    labels.extend_from_slice(severity_labels);
    severity::overall(ratings, &labels).or(match kind {
        AdvisoryKind::Unmaintained | AdvisoryKind::Informational => Some(Severity::Info),
        AdvisoryKind::Vulnerability | AdvisoryKind::Malicious | AdvisoryKind::Unsound => None,
    })
}

/// The database an advisory id belongs to, for SBOM `source` fields.
fn database_of(id: &str) -> &'static str {
    match id.split('-').next().unwrap_or_default() {
        "RUSTSEC" => "RustSec Advisory Database",
        "PYSEC" => "PyPA Advisory Database",
        "GHSA" => "GitHub Advisory Database",
        "MAL" => "OpenSSF Malicious Packages",
        "CVE" => "NVD",
        _ => "OSV",
    }
}

/// Converts a stored range (type, events JSON) for the evaluator. An event that is not a
/// one-key object with a string value is kept as an event with an empty version, which the
/// evaluator cannot order: the outcome becomes undetermined rather than silently narrower.
fn range_of(kind: &str, events: &Value) -> Range {
    let events = events
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|event| {
                    let (name, version) = event.as_object()?.iter().next()?;
                    Some(Event {
                        kind: EventKind::from_osv(name)?,
                        version: version.as_str().unwrap_or_default().to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Range {
        kind: RangeKind::from_osv(kind),
        events,
    }
}

impl VulnerabilitySource for Store {
    fn name(&self) -> String {
        format!("advisory database at {}", self.path.display())
    }

    /// Every active advisory naming the component's package, evaluated exactly against its
    /// ranges and version lists ([`crate::matching`]); one outcome per advisory. A component
    /// without a version cannot be matched and gets none (the unpinned rule reports it).
    fn advisories_for(
        &self,
        component: &ComponentKey,
    ) -> Result<Vec<MatchOutcome>, VulnerabilitySourceError> {
        let Some(version) = &component.version else {
            return Ok(Vec::new());
        };
        // Registry advisories never speak for a local project of the same name (issue 23).
        if component.source.is_local_project() {
            return Ok(Vec::new());
        }
        let entries = self
            .affected_entries(component.ecosystem.as_str(), component.name.normalized())
            .map_err(|error| VulnerabilitySourceError {
                source_name: self.name(),
                message: error.to_string(),
            })?;
        // Entries come sorted by advisory id: evaluate each advisory's entries together.
        let mut outcomes: Vec<MatchOutcome> = Vec::new();
        let mut remaining = entries.as_slice();
        while let Some(first) = remaining.first() {
            let count = remaining
                .iter()
                .take_while(|entry| entry.advisory_id == first.advisory_id)
                .count();
            let (group, rest) = remaining.split_at(count);
            remaining = rest;
            let affected: Vec<AffectedVersions> = group
                .iter()
                .map(|entry| AffectedVersions {
                    ranges: entry
                        .ranges
                        .iter()
                        .map(|(kind, events)| range_of(kind, events))
                        .collect(),
                    versions: entry.versions.clone(),
                })
                .collect();
            let verdict = matching::check(component.ecosystem, version, false, &affected);
            let advisory = |fixed: Option<String>| AdvisoryRef {
                aliases: first.aliases.clone(),
                summary: first.summary.clone(),
                severity: first.severity,
                fixed_version: fixed,
                ratings: first
                    .ratings
                    .iter()
                    .map(|rating| CvssRating {
                        method: rating.method.to_owned(),
                        vector: rating.vector.clone(),
                        score_tenths: (rating.score * 10.0).round().clamp(0.0, 100.0) as u8,
                        severity: rating.severity,
                    })
                    .collect(),
                references: first.references.clone(),
                database: Some(database_of(&first.advisory_id).to_owned()),
                ..AdvisoryRef::new(first.advisory_id.clone(), first.kind)
            };
            match verdict {
                Verdict::Affected { fixed } => {
                    outcomes.push(MatchOutcome::Affected(advisory(fixed)));
                }
                Verdict::Undetermined { reason } => outcomes.push(MatchOutcome::Undetermined {
                    advisory: advisory(None),
                    reason,
                }),
                Verdict::NotAffected => {}
            }
        }
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scanner_core::{Ecosystem, PackageName, Source};

    fn key(ecosystem: Ecosystem, name: &str, version: &str) -> ComponentKey {
        ComponentKey::new(
            ecosystem,
            PackageName::new(ecosystem, name).unwrap(),
            Some(version.to_owned()),
            Source::DEFAULT_REGISTRY,
        )
    }

    const LISTED: &str = r#"{"id": "PYSEC-1", "modified": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-1", "GHSA-1"], "summary": "listed",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "Foo.Bar"},
          "ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "0"}, {"fixed": "abc"}]},
                     {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}],
          "versions": ["1.0", "1.5"]}]}"#;
    const RANGE_ONLY: &str = r#"{"id": "PYSEC-2", "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo-bar"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}"#;
    const WITHDRAWN: &str = r#"{"id": "PYSEC-3", "modified": "2024-01-01T00:00:00Z",
        "withdrawn": "2024-02-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "foo_bar"}, "versions": ["1.0"]}]}"#;

    /// Issue 23: OSV data as it is now. An `x_` id (a local database, OSV 1.7), the
    /// `upstream` list and a non-CVSS severity type (`Ubuntu`'s priority) are read: the record
    /// imports, matches, keeps `upstream` and takes its severity from the label.
    #[test]
    fn local_ids_upstream_and_ubuntu_priorities_are_read() {
        const LOCAL: &str = r#"{"id": "x_CUSTOM-0001", "modified": "2026-01-01T00:00:00Z",
            "schema_version": "1.7.0",
            "upstream": ["CVE-2026-0001"],
            "severity": [{"type": "Ubuntu", "score": "high"}],
            "affected": [{"package": {"ecosystem": "PyPI", "name": "foo"},
              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}"#;
        let directory = tempfile::tempdir().unwrap();
        let inputs = directory.path().join("in");
        std::fs::create_dir(&inputs).unwrap();
        std::fs::write(inputs.join("x_CUSTOM-0001.json"), LOCAL).unwrap();
        let database = directory.path().join("db.sqlite3");
        let report = crate::import_paths(&database, &[inputs], &Clock::system()).unwrap();
        assert_eq!(report.added, 1, "{report:?}");
        let store = Store::open(&database).unwrap();
        let found = store
            .advisories_for(&key(Ecosystem::PyPI, "foo", "1.0"))
            .unwrap();
        let [MatchOutcome::Affected(advisory)] = found.as_slice() else {
            panic!("{found:?}")
        };
        assert_eq!(advisory.id, "x_CUSTOM-0001");
        assert_eq!(advisory.severity, Some(Severity::High));
        let (parsed, _) = crate::osv::from_json(LOCAL).unwrap();
        assert_eq!(parsed.upstream, ["CVE-2026-0001"]);
        assert_eq!(parsed.to_osv_json()["upstream"][0], "CVE-2026-0001");
        // Upstream is not an alias: the CVE does not become another id of the finding.
        assert!(advisory.aliases.is_empty());
    }

    /// Issue 24: readers open the file immutable. A database in a read-only directory whose
    /// name holds URI syntax (`?`, `#`, `%`, a space) opens and matches; nothing is created
    /// beside it (no journal, WAL or shared-memory file) and its bytes and mtime stay as they
    /// were, also with two readers open at once and for a file in WAL mode.
    #[cfg(unix)]
    #[test]
    fn readers_open_the_file_immutable_and_write_nothing() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let inputs = directory.path().join("in");
        std::fs::create_dir(&inputs).unwrap();
        std::fs::write(inputs.join("a.json"), LISTED).unwrap();
        let shelf = directory.path().join("read only ?#%41");
        std::fs::create_dir(&shelf).unwrap();
        let database = shelf.join("db ?x=1#y%20.sqlite3");
        crate::import_paths(&database, &[inputs], &Clock::system()).unwrap();
        let wal = shelf.join("wal.sqlite3");
        std::fs::copy(&database, &wal).unwrap();
        Connection::open(&wal)
            .unwrap()
            .pragma_update(None, "journal_mode", "WAL")
            .unwrap();
        for leftover in [
            "wal.sqlite3-wal",
            "wal.sqlite3-shm",
            "db ?x=1#y%20.sqlite3.lock",
        ] {
            let _ = std::fs::remove_file(shelf.join(leftover));
        }
        let listing = |path: &Path| {
            let mut names: Vec<_> = std::fs::read_dir(path)
                .unwrap()
                .map(|entry| entry.unwrap().file_name())
                .collect();
            names.sort();
            names
        };
        let before = listing(&shelf);
        let state = |path: &Path| {
            (
                std::fs::read(path).unwrap(),
                std::fs::metadata(path).unwrap().modified().unwrap(),
            )
        };
        let (database_before, wal_before) = (state(&database), state(&wal));
        std::fs::set_permissions(&shelf, std::fs::Permissions::from_mode(0o555)).unwrap();
        // A writer holding the exclusive lock would make a reader that takes locks fail
        // (SQLITE_BUSY); an immutable reader takes none and reads on.
        let holder =
            Connection::open_with_flags(&database, OpenFlags::SQLITE_OPEN_READ_WRITE).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let first = Store::open(&database);
        let second = Store::open(&database);
        let in_wal_mode = Store::open(&wal);
        for store in [first.unwrap(), second.unwrap(), in_wal_mode.unwrap()] {
            assert_eq!(store.summary().unwrap().advisories, 1);
            let found = store
                .advisories_for(&key(Ecosystem::PyPI, "foo-bar", "1.0"))
                .unwrap();
            assert_eq!(found.len(), 1, "{found:?}");
        }
        holder.execute_batch("ROLLBACK").unwrap();
        drop(holder);
        std::fs::set_permissions(&shelf, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(listing(&shelf), before);
        assert!(state(&database) == database_before);
        assert!(state(&wal) == wal_before);
    }

    /// Issue 23: a local project (a workspace member, a path dependency) is never matched
    /// against registry advisories of the same name.
    #[test]
    fn local_projects_are_never_matched() {
        let directory = tempfile::tempdir().unwrap();
        let inputs = directory.path().join("in");
        std::fs::create_dir(&inputs).unwrap();
        std::fs::write(inputs.join("a.json"), LISTED).unwrap();
        let database = directory.path().join("db.sqlite3");
        crate::import_paths(&database, &[inputs], &Clock::system()).unwrap();
        let store = Store::open(&database).unwrap();
        assert_eq!(
            store
                .advisories_for(&key(Ecosystem::PyPI, "foo-bar", "1.0"))
                .unwrap()
                .len(),
            1
        );
        let local = ComponentKey::new(
            Ecosystem::PyPI,
            PackageName::new(Ecosystem::PyPI, "foo-bar").unwrap(),
            Some("1.0".to_owned()),
            Source::Path {
                path: "libs/foo-bar".to_owned(),
            },
        );
        assert!(store.advisories_for(&local).unwrap().is_empty());
    }

    #[test]
    fn matches_ranges_and_lists_of_active_records_by_normalized_name() {
        let directory = tempfile::tempdir().unwrap();
        let inputs = directory.path().join("in");
        std::fs::create_dir(&inputs).unwrap();
        for (name, text) in [
            ("a.json", LISTED),
            ("b.json", RANGE_ONLY),
            ("c.json", WITHDRAWN),
        ] {
            std::fs::write(inputs.join(name), text).unwrap();
        }
        let database = directory.path().join("db.sqlite3");
        let report = crate::import_paths(&database, &[inputs], &Clock::system()).unwrap();
        assert_eq!((report.added, report.withdrawn), (3, 1));
        let store = Store::open(&database).unwrap();

        let found = store
            .advisories_for(&key(Ecosystem::PyPI, "FOO_bar", "1.0"))
            .unwrap();
        let ids: Vec<&str> = found
            .iter()
            .map(|outcome| outcome.advisory().id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["PYSEC-1", "PYSEC-2"],
            "the withdrawn PYSEC-3 never matches"
        );
        let MatchOutcome::Affected(advisory) = &found[0] else {
            panic!("{found:?}")
        };
        assert_eq!(advisory.aliases, ["CVE-1", "GHSA-1"]);
        assert_eq!(advisory.severity, Some(Severity::Critical));
        assert_eq!(advisory.ratings[0].score_tenths, 100);
        assert_eq!(advisory.fixed_version.as_deref(), Some("2.0"));
        assert_eq!(advisory.database.as_deref(), Some("PyPA Advisory Database"));
        // Past PYSEC-1's fix only the open-ended PYSEC-2 range applies.
        let later = store
            .advisories_for(&key(Ecosystem::PyPI, "foo-bar", "2.0"))
            .unwrap();
        let ids: Vec<&str> = later
            .iter()
            .map(|outcome| outcome.advisory().id.as_str())
            .collect();
        assert_eq!(ids, ["PYSEC-2"]);
        // A version PEP 440 cannot order is undetermined, never "not affected".
        let odd = store
            .advisories_for(&key(Ecosystem::PyPI, "foo-bar", "not a version"))
            .unwrap();
        assert!(
            odd.iter()
                .all(|outcome| matches!(outcome, MatchOutcome::Undetermined { .. })),
            "{odd:?}"
        );
        assert!(store
            .advisories_for(&key(Ecosystem::CratesIo, "foo-bar", "1.0"))
            .unwrap()
            .is_empty());
        // The stored ranges keep their order and types for range evaluation.
        let entries = store.affected_entries("pypi", "foo-bar").unwrap();
        let ids: Vec<&str> = entries
            .iter()
            .map(|entry| entry.advisory_id.as_str())
            .collect();
        assert_eq!(ids, ["PYSEC-1", "PYSEC-2"]);
        let types: Vec<&str> = entries[0]
            .ranges
            .iter()
            .map(|(kind, _)| kind.as_str())
            .collect();
        assert_eq!(types, ["GIT", "ECOSYSTEM"]);
        assert_eq!(entries[0].ranges[1].1[1]["fixed"], "2.0");
    }
}
