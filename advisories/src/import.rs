//! `airlock db import`: reads advisory files and archives into the database in one transaction
//! on a copy that replaces the database only when everything was written.
//!
//! Accepted inputs: OSV JSON files (`*.json`), OSV YAML (`*.yaml`, `*.yml`, PyPA's layout),
//! RustSec markdown (`*.md` starting with a ```` ```toml ```` fence), zip archives laid out like
//! OSV's per-ecosystem `all.zip` (`*.json` entries), and directories of any of these, walked
//! recursively in name order. A file that cannot be read is skipped with a reason (path and,
//! where the format has lines, line and column); a database write failure aborts the import and
//! changes nothing.
//!
//! Idempotent: a record replaces the stored one only when its `modified` time is newer (or equal
//! and its format richer: OSV over RustSec markdown), so importing the same data twice reports
//! everything unchanged. Two copies of one id in one import (RustSec markdown and its OSV
//! export) become one record and are counted as `merged`.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use crate::database::Replacement;
use crate::model::Advisory;
use crate::osv::{self, RecordError};
use crate::progress::{Progress, ProgressCallback};
use crate::rustsec;
use crate::store::{DatabaseError, SourceRecord, UpsertOutcome, Writer};
use crate::time::Timestamp;

/// The largest advisory file read (the largest real OSV records are a few hundred kilobytes).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;
/// The most entries read from one archive (OSV's largest `all.zip` has a few hundred thousand).
pub const MAX_ARCHIVE_ENTRIES: usize = 2_000_000;
/// Directory walks stop descending past this depth (the PyPA layout is 2 deep).
const MAX_DEPTH: usize = 32;

/// One input that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file (`archive.zip!entry` for archive members), with `:line:column` when known.
    pub path: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Records read from files (every copy counted).
    pub records_read: u64,
    /// Distinct ids new to the database.
    pub added: u64,
    /// Distinct ids whose stored record was replaced by a newer one.
    pub updated: u64,
    /// Distinct ids whose stored record was already as new.
    pub unchanged: u64,
    /// Extra copies of an id already read in this import (e.g. RustSec markdown and its OSV
    /// export), merged into one record.
    pub merged: u64,
    /// Distinct ids read in this import whose record is withdrawn (kept, flagged, never matched).
    pub withdrawn: u64,
    pub skipped: Vec<Skipped>,
}

/// Why an import did not happen at all (nothing was changed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstRead {
    Added,
    Updated,
    Unchanged,
}

/// Feeds records into a [`Writer`] and keeps the counts.
pub(crate) struct Importer<'writer> {
    writer: Writer<'writer>,
    report: ImportReport,
    seen: HashMap<String, (FirstRead, bool)>,
    progress: Option<ProgressCallback>,
}

impl<'writer> Importer<'writer> {
    pub(crate) fn new(writer: Writer<'writer>) -> Importer<'writer> {
        Importer {
            writer,
            report: ImportReport::default(),
            seen: HashMap::new(),
            progress: None,
        }
    }

    /// Reports every record read to `progress`.
    pub(crate) fn with_progress(mut self, progress: Option<ProgressCallback>) -> Importer<'writer> {
        self.progress = progress;
        self
    }

    pub(crate) fn records_read(&self) -> u64 {
        self.report.records_read
    }

    pub(crate) fn writer(&self) -> &Writer<'writer> {
        &self.writer
    }

    pub(crate) fn finish(mut self) -> ImportReport {
        for (status, withdrawn) in self.seen.values() {
            match status {
                FirstRead::Added => self.report.added += 1,
                FirstRead::Updated => self.report.updated += 1,
                FirstRead::Unchanged => self.report.unchanged += 1,
            }
            if *withdrawn {
                self.report.withdrawn += 1;
            }
        }
        self.report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.report
    }

    pub(crate) fn skip(&mut self, path: String, reason: String) {
        self.report.skipped.push(Skipped { path, reason });
    }

    fn record(
        &mut self,
        advisory: &Advisory,
        raw: &str,
        source: &str,
    ) -> Result<(), DatabaseError> {
        self.report.records_read += 1;
        if let Some(progress) = &self.progress {
            progress(Progress::Records {
                read: self.report.records_read,
            });
        }
        let outcome = self.writer.upsert(advisory, raw, source)?;
        match self.seen.get_mut(&advisory.id) {
            Some((status, withdrawn)) => {
                self.report.merged += 1;
                if outcome != UpsertOutcome::Unchanged {
                    *withdrawn = !advisory.is_active();
                    if *status == FirstRead::Unchanged {
                        *status = FirstRead::Updated;
                    }
                }
            }
            None => {
                let status = match outcome {
                    UpsertOutcome::Added => FirstRead::Added,
                    UpsertOutcome::Updated => FirstRead::Updated,
                    UpsertOutcome::Unchanged => FirstRead::Unchanged,
                };
                // The flag follows the copy that ends up stored.
                let withdrawn = if outcome == UpsertOutcome::Unchanged {
                    self.writer.is_withdrawn(&advisory.id)?
                } else {
                    !advisory.is_active()
                };
                self.seen.insert(advisory.id.clone(), (status, withdrawn));
            }
        }
        Ok(())
    }

    /// Parses one file's bytes by its name and stores the record; unreadable → skipped.
    pub(crate) fn file(
        &mut self,
        display: &str,
        name: &str,
        bytes: &[u8],
        source: &str,
    ) -> Result<(), DatabaseError> {
        let Some(kind) = FileKind::of(name) else {
            self.skip(
                display.to_owned(),
                "not an advisory file (expected .json, .yaml, .yml or .md)".to_owned(),
            );
            return Ok(());
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.skip(display.to_owned(), "not UTF-8 text".to_owned());
            return Ok(());
        };
        let parsed = match kind {
            FileKind::Json => {
                osv::from_json(text).map(|(advisory, raw)| (advisory, raw.to_string()))
            }
            FileKind::Yaml => osv::from_yaml(text).map(|advisory| {
                let raw = advisory.to_osv_json().to_string();
                (advisory, raw)
            }),
            FileKind::Markdown => {
                if !rustsec::looks_like_advisory(text) {
                    self.skip(
                        display.to_owned(),
                        "not a RustSec advisory (no ```toml front matter)".to_owned(),
                    );
                    return Ok(());
                }
                rustsec::from_markdown(text).map(|advisory| {
                    let raw = advisory.to_osv_json().to_string();
                    (advisory, raw)
                })
            }
        };
        match parsed {
            Ok((advisory, raw)) => self.record(&advisory, &raw, source),
            Err(error) => {
                self.skip(located(display, &error), error.message);
                Ok(())
            }
        }
    }

    /// Reads every `*.json` member of an OSV-style archive.
    pub(crate) fn archive<R: Read + Seek>(
        &mut self,
        display: &str,
        reader: R,
        source: &str,
    ) -> Result<(), DatabaseError> {
        let mut archive = match zip::ZipArchive::new(reader) {
            Ok(archive) => archive,
            Err(error) => {
                self.skip(
                    display.to_owned(),
                    format!("not a readable zip archive (truncated?): {error}"),
                );
                return Ok(());
            }
        };
        if archive.len() > MAX_ARCHIVE_ENTRIES {
            self.skip(
                display.to_owned(),
                format!("more than {MAX_ARCHIVE_ENTRIES} entries"),
            );
            return Ok(());
        }
        let mut buffer = Vec::new();
        for index in 0..archive.len() {
            let mut entry = match archive.by_index(index) {
                Ok(entry) => entry,
                Err(error) => {
                    self.skip(
                        format!("{display}!#{index}"),
                        format!("unreadable entry: {error}"),
                    );
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let raw_name = String::from_utf8_lossy(entry.name_raw()).into_owned();
            let member = format!("{display}!{raw_name}");
            // Nothing is extracted to disk, but a name that climbs out of the archive marks a
            // crafted file: skip it rather than trust it.
            let Some(safe_name) = entry
                .enclosed_name()
                .filter(|_| is_relative_name(&raw_name))
            else {
                self.skip(
                    member,
                    "unsafe entry name (absolute or `..` path): skipped".to_owned(),
                );
                continue;
            };
            let name = safe_name.to_string_lossy().into_owned();
            if !name.ends_with(".json") {
                self.skip(member, "not an OSV JSON entry".to_owned());
                continue;
            }
            if entry.size() > MAX_RECORD_BYTES {
                self.skip(member, format!("larger than {MAX_RECORD_BYTES} bytes"));
                continue;
            }
            buffer.clear();
            if let Err(error) = (&mut entry)
                .take(MAX_RECORD_BYTES + 1)
                .read_to_end(&mut buffer)
            {
                self.skip(
                    member,
                    format!("cannot read the entry (corrupt archive?): {error}"),
                );
                continue;
            }
            if buffer.len() as u64 > MAX_RECORD_BYTES {
                self.skip(member, format!("larger than {MAX_RECORD_BYTES} bytes"));
                continue;
            }
            let bytes = std::mem::take(&mut buffer);
            self.file(&member, &name, &bytes, source)?;
            buffer = bytes;
        }
        Ok(())
    }

    /// A file or directory given on the command line.
    fn path(&mut self, path: &Path, source: &str, depth: usize) -> Result<(), DatabaseError> {
        let display = path.display().to_string();
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                self.skip(display, format!("cannot read: {error}"));
                return Ok(());
            }
        };
        if metadata.is_dir() {
            if depth >= MAX_DEPTH {
                self.skip(display, format!("deeper than {MAX_DEPTH} directories"));
                return Ok(());
            }
            let mut children: Vec<PathBuf> = match fs::read_dir(path) {
                Ok(entries) => entries.flatten().map(|entry| entry.path()).collect(),
                Err(error) => {
                    self.skip(display, format!("cannot list: {error}"));
                    return Ok(());
                }
            };
            children.sort();
            for child in children {
                let hidden = child
                    .file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with('.'));
                if hidden && child.is_dir() {
                    continue;
                }
                self.path(&child, source, depth + 1)?;
            }
            return Ok(());
        }
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if name.ends_with(".zip") {
            match File::open(path) {
                Ok(file) => self.archive(&display, std::io::BufReader::new(file), source)?,
                Err(error) => self.skip(display, format!("cannot read: {error}")),
            }
            return Ok(());
        }
        if FileKind::of(&name).is_none() {
            self.skip(
                display,
                "not an advisory file (expected .json, .yaml, .yml, .md or .zip)".to_owned(),
            );
            return Ok(());
        }
        if metadata.len() > MAX_RECORD_BYTES {
            self.skip(display, format!("larger than {MAX_RECORD_BYTES} bytes"));
            return Ok(());
        }
        match fs::read(path) {
            Ok(bytes) => self.file(&display, &name, &bytes, source),
            Err(error) => {
                self.skip(display, format!("cannot read: {error}"));
                Ok(())
            }
        }
    }
}

/// An archive member name that stays inside the archive: relative, no `..`, no drive letter.
fn is_relative_name(name: &str) -> bool {
    !name.starts_with(['/', '\\'])
        && !name.contains('\0')
        && name
            .split(['/', '\\'])
            .all(|component| component != ".." && !component.contains(':'))
}

#[derive(Debug, Clone, Copy)]
enum FileKind {
    Json,
    Yaml,
    Markdown,
}

impl FileKind {
    fn of(name: &str) -> Option<FileKind> {
        let name = name.to_ascii_lowercase();
        if name.ends_with(".json") {
            Some(FileKind::Json)
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            Some(FileKind::Yaml)
        } else if name.ends_with(".md") {
            Some(FileKind::Markdown)
        } else {
            None
        }
    }
}

fn located(display: &str, error: &RecordError) -> String {
    match (error.line, error.column) {
        (Some(line), Some(column)) => format!("{display}:{line}:{column}"),
        (Some(line), None) => format!("{display}:{line}"),
        _ => display.to_owned(),
    }
}

/// Imports `paths` into the database at `database` (created when missing).
pub fn import_paths(database: &Path, paths: &[PathBuf]) -> Result<ImportReport, ImportError> {
    import_paths_with_progress(database, paths, None)
}

/// [`import_paths`], telling `progress` how many records were read.
pub fn import_paths_with_progress(
    database: &Path,
    paths: &[PathBuf],
    progress: Option<ProgressCallback>,
) -> Result<ImportReport, ImportError> {
    let mut sources = Vec::with_capacity(paths.len());
    for path in paths {
        let absolute = fs::canonicalize(path).map_err(|error| ImportError::Input {
            path: path.clone(),
            message: format!("cannot read: {error}"),
        })?;
        sources.push((path.clone(), absolute));
    }
    let replacement = Replacement::begin(database, true)?;
    let report = {
        let connection = replacement.connection()?;
        let target = replacement.target().to_owned();
        connection
            .execute_batch("BEGIN")
            .map_err(|error| DatabaseError::sqlite(&target, "cannot start the import", error))?;
        let mut importer = Importer::new(Writer::new(connection, &target)).with_progress(progress);
        let now = Timestamp::now().to_string();
        for (given, absolute) in &sources {
            let name = format!("path:{}", absolute.display());
            let before = importer.report.records_read;
            importer.path(given, &name, 0)?;
            importer.writer().record_source(&SourceRecord {
                kind: "path".to_owned(),
                location: absolute.display().to_string(),
                imported_at: now.clone(),
                records_read: importer.report.records_read - before,
                name,
                ..SourceRecord::default()
            })?;
        }
        importer.writer().set_meta("updated_at", &now)?;
        connection
            .execute_batch("COMMIT")
            .map_err(|error| DatabaseError::sqlite(&target, "cannot commit the import", error))?;
        importer.finish()
    };
    replacement.commit()?;
    Ok(report)
}
