//! `airlock db import`: reads advisory files and archives into the database in one transaction
//! on a copy that replaces the database only when everything was written.
//!
//! Accepted inputs: OSV JSON files (`*.json`), OSV YAML (`*.yaml`, `*.yml`, PyPA's layout),
//! RustSec markdown (`*.md` starting with a ```` ```toml ```` fence), zip archives laid out like
//! OSV's per-ecosystem `all.zip` (`*.json` entries), and directories of any of these, walked
//! recursively in name order.
//!
//! Fail closed: the import is all or nothing. Anything that is not a complete advisory set is
//! an error naming the file (and line and column where the format has them), and nothing is
//! written: a truncated or corrupt archive, an archive entry that cannot be read or whose name
//! climbs out of the archive, a file given by name that is not an advisory, an advisory file
//! that does not parse, an unreadable file, a path that yields no record at all. Every problem
//! of the whole input is listed at once. Only harmless files met while walking a directory or
//! an archive (a README, a LICENSE, a `.txt` entry: no advisory extension, or markdown without
//! RustSec front matter) are skipped, each with a note in the report.
//!
//! Idempotent: a record replaces the stored one only when its `modified` time is newer (or equal
//! and its format richer: OSV over RustSec markdown), so importing the same data twice reports
//! everything unchanged. Two copies of one id in one import (RustSec markdown and its OSV
//! export) become one record and are counted as `merged`. A `modified` later than the moment of
//! import (or a sync's fetch time) is stored as that moment: no record makes the data look
//! fresher than it can be ([`crate::freshness`]).

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use crate::database::Replacement;
use crate::model::Advisory;
use crate::osv::{self, RecordError};
use crate::progress::{Progress, ProgressCallback};
use crate::rustsec;
use crate::store::{meta, DatabaseError, SourceRecord, UpsertOutcome, Writer};
use scanner_core::clock::Clock;

/// The largest advisory file read (the largest real OSV records are a few hundred kilobytes).
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;
/// The most entries read from one archive (OSV's largest `all.zip` has a few hundred thousand).
pub const MAX_ARCHIVE_ENTRIES: usize = 2_000_000;
/// Directory walks stop descending past this depth (the PyPA layout is 2 deep).
const MAX_DEPTH: usize = 32;
/// Problems listed in an error message; the rest are counted.
const MAX_PROBLEMS_SHOWN: usize = 50;

/// One input that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file (`archive.zip!entry` for archive members), with `:line:column` when known.
    pub path: String,
    /// Why it was not imported, shown after the path.
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
    /// Records whose `modified` lay after the trusted time of the import (its moment, or a
    /// sync's fetch time): stored with that time instead.
    pub future_dated: u64,
    /// Harmless files met in a directory or archive walk that are not advisories (README,
    /// LICENSE...), with the reason.
    pub skipped: Vec<Skipped>,
}

/// Why an import did not happen at all (nothing was changed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// An input given to the import could not be read at all (missing, unreadable, not a
    /// file or directory).
    #[error("{}: {message}", path.display())]
    Input {
        /// The input as given.
        path: PathBuf,
        /// What went wrong reading it.
        message: String,
    },
    /// The input is not a complete advisory set: every problem found, each naming its file.
    #[error("{}", describe_problems(problems))]
    Rejected {
        /// Every problem found, not only the first, so one run shows everything to fix.
        problems: Vec<Skipped>,
    },
    /// The database could not be opened or written; the copy being built is discarded.
    #[error(transparent)]
    Database(#[from] DatabaseError),
}

/// "not a complete advisory set, so nothing was imported (N problems):" and one line per
/// problem.
pub fn describe_problems(problems: &[Skipped]) -> String {
    format!(
        "not a complete advisory set, so nothing was imported ({}):{}",
        if problems.len() == 1 {
            "1 problem".to_owned()
        } else {
            format!("{} problems", problems.len())
        },
        list_problems(problems)
    )
}

/// One indented line per problem (`\n  path: reason`), the first fifty of them.
pub fn list_problems(problems: &[Skipped]) -> String {
    let mut text = String::new();
    for problem in problems.iter().take(MAX_PROBLEMS_SHOWN) {
        text.push_str(&format!("\n  {}: {}", problem.path, problem.reason));
    }
    if problems.len() > MAX_PROBLEMS_SHOWN {
        text.push_str(&format!(
            "\n  ... and {} more",
            problems.len() - MAX_PROBLEMS_SHOWN
        ));
    }
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstRead {
    Added,
    Updated,
    Unchanged,
}

/// The importer's counts at one moment, to go back to when a part of the input is rolled back
/// (a sync source whose archive had a problem).
pub(crate) struct Checkpoint {
    report: ImportReport,
    seen: HashMap<String, (FirstRead, bool)>,
    problems: usize,
}

/// Feeds records into a [`Writer`] and keeps the counts.
pub(crate) struct Importer<'writer> {
    writer: Writer<'writer>,
    report: ImportReport,
    seen: HashMap<String, (FirstRead, bool)>,
    progress: Option<ProgressCallback>,
    /// What makes the input incomplete; any entry means nothing may be committed.
    problems: Vec<Skipped>,
}

impl<'writer> Importer<'writer> {
    pub(crate) fn new(writer: Writer<'writer>) -> Importer<'writer> {
        Importer {
            writer,
            report: ImportReport::default(),
            seen: HashMap::new(),
            progress: None,
            problems: Vec::new(),
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

    pub(crate) fn writer_mut(&mut self) -> &mut Writer<'writer> {
        &mut self.writer
    }

    pub(crate) fn problems(&self) -> &[Skipped] {
        &self.problems
    }

    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            report: self.report.clone(),
            seen: self.seen.clone(),
            problems: self.problems.len(),
        }
    }

    /// Goes back to `checkpoint`, returning the problems found since.
    pub(crate) fn restore(&mut self, checkpoint: Checkpoint) -> Vec<Skipped> {
        let problems = self
            .problems
            .split_off(checkpoint.problems.min(self.problems.len()));
        self.report = checkpoint.report;
        self.seen = checkpoint.seen;
        problems
    }

    /// The counts, or every problem when the input was not a complete advisory set.
    pub(crate) fn finish(mut self) -> Result<ImportReport, ImportError> {
        if !self.problems.is_empty() {
            self.problems.sort_by(|a, b| a.path.cmp(&b.path));
            return Err(ImportError::Rejected {
                problems: self.problems,
            });
        }
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
        Ok(self.report)
    }

    /// A harmless file that is not an advisory: noted, not an error.
    pub(crate) fn skip(&mut self, path: String, reason: String) {
        self.report.skipped.push(Skipped { path, reason });
    }

    /// Something that makes the input incomplete: the import will not be committed.
    pub(crate) fn reject(&mut self, path: String, reason: String) {
        self.problems.push(Skipped { path, reason });
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
        if advisory.modified > self.writer.bound() {
            self.report.future_dated += 1;
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

    /// Parses one file's bytes by its name and stores the record. `explicit`: the file was named
    /// on the command line, so not being an advisory is an error rather than a note.
    pub(crate) fn file(
        &mut self,
        display: &str,
        name: &str,
        bytes: &[u8],
        source: &str,
        explicit: bool,
    ) -> Result<(), DatabaseError> {
        let Some(kind) = FileKind::of(name) else {
            let reason = "not an advisory file (expected .json, .yaml, .yml or .md)".to_owned();
            if explicit {
                self.reject(display.to_owned(), reason);
            } else {
                self.skip(display.to_owned(), reason);
            }
            return Ok(());
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.reject(display.to_owned(), "not UTF-8 text".to_owned());
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
                    // A README or a changelog beside the advisories.
                    let reason = "not a RustSec advisory (no ```toml front matter)".to_owned();
                    if explicit {
                        self.reject(display.to_owned(), reason);
                    } else {
                        self.skip(display.to_owned(), reason);
                    }
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
                self.reject(located(display, &error), error.message);
                Ok(())
            }
        }
    }

    /// Reads every `*.json` member of an OSV-style archive. A damaged archive or entry is a
    /// problem; entries that are not JSON are noted and skipped.
    pub(crate) fn archive<R: Read + Seek>(
        &mut self,
        display: &str,
        reader: R,
        source: &str,
    ) -> Result<(), DatabaseError> {
        let mut archive = match zip::ZipArchive::new(reader) {
            Ok(archive) => archive,
            Err(error) => {
                self.reject(
                    display.to_owned(),
                    format!("not a readable zip archive (truncated or corrupt): {error}"),
                );
                return Ok(());
            }
        };
        if archive.len() > MAX_ARCHIVE_ENTRIES {
            self.reject(
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
                    self.reject(
                        format!("{display}!#{index}"),
                        format!("unreadable entry (corrupt archive): {error}"),
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
            // crafted file: the archive is not trusted as a whole.
            let Some(safe_name) = entry
                .enclosed_name()
                .filter(|_| is_relative_name(&raw_name))
            else {
                self.reject(
                    member,
                    "unsafe entry name (absolute or `..` path): a crafted archive".to_owned(),
                );
                continue;
            };
            let name = safe_name.to_string_lossy().into_owned();
            if !name.ends_with(".json") {
                self.skip(member, "not an OSV JSON entry".to_owned());
                continue;
            }
            if entry.size() > MAX_RECORD_BYTES {
                self.reject(member, format!("larger than {MAX_RECORD_BYTES} bytes"));
                continue;
            }
            buffer.clear();
            if let Err(error) = (&mut entry)
                .take(MAX_RECORD_BYTES + 1)
                .read_to_end(&mut buffer)
            {
                self.reject(
                    member,
                    format!("cannot read the entry (corrupt or truncated archive): {error}"),
                );
                continue;
            }
            if buffer.len() as u64 > MAX_RECORD_BYTES {
                self.reject(member, format!("larger than {MAX_RECORD_BYTES} bytes"));
                continue;
            }
            let bytes = std::mem::take(&mut buffer);
            self.file(&member, &name, &bytes, source, true)?;
            buffer = bytes;
        }
        Ok(())
    }

    /// A file or directory: given on the command line at depth 0, met in a walk below it.
    fn path(&mut self, path: &Path, source: &str, depth: usize) -> Result<(), DatabaseError> {
        let display = path.display().to_string();
        let explicit = depth == 0;
        let metadata = match fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                self.reject(display, format!("cannot read: {error}"));
                return Ok(());
            }
        };
        if metadata.is_dir() {
            if depth >= MAX_DEPTH {
                self.reject(
                    display,
                    format!("deeper than {MAX_DEPTH} directories (a link loop?)"),
                );
                return Ok(());
            }
            let mut children: Vec<PathBuf> = match fs::read_dir(path) {
                Ok(entries) => entries.flatten().map(|entry| entry.path()).collect(),
                Err(error) => {
                    self.reject(display, format!("cannot list: {error}"));
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
        let is_archive = name.ends_with(".zip");
        if !is_archive && FileKind::of(&name).is_none() {
            let reason =
                "not an advisory file (expected .json, .yaml, .yml, .md or .zip)".to_owned();
            if explicit {
                self.reject(display, reason);
            } else {
                self.skip(display, reason);
            }
            return Ok(());
        }
        // A FIFO or a device with an advisory's name would block or never end.
        if !metadata.is_file() {
            self.reject(display, "not a regular file".to_owned());
            return Ok(());
        }
        if is_archive {
            match File::open(path) {
                Ok(file) => self.archive(&display, std::io::BufReader::new(file), source)?,
                Err(error) => self.reject(display, format!("cannot read: {error}")),
            }
            return Ok(());
        }
        if metadata.len() > MAX_RECORD_BYTES {
            self.reject(display, format!("larger than {MAX_RECORD_BYTES} bytes"));
            return Ok(());
        }
        match fs::read(path) {
            Ok(bytes) => self.file(&display, &name, &bytes, source, explicit),
            Err(error) => {
                self.reject(display, format!("cannot read: {error}"));
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

/// Imports `paths` into the database at `database` (created when missing). Their records are
/// believed up to `clock`'s present, which is also recorded as the import time.
pub fn import_paths(
    database: &Path,
    paths: &[PathBuf],
    clock: &Clock,
) -> Result<ImportReport, ImportError> {
    import_paths_with_progress(database, paths, clock, None)
}

/// [`import_paths`], telling `progress` how many records were read.
pub fn import_paths_with_progress(
    database: &Path,
    paths: &[PathBuf],
    clock: &Clock,
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
        let mut importer =
            Importer::new(Writer::new(connection, &target, clock)).with_progress(progress);
        // Files carry no trusted time: their records are believed up to this moment.
        let now = importer.writer().bound().to_string();
        for (given, absolute) in &sources {
            let name = format!("path:{}", absolute.display());
            let before = importer.report.records_read;
            let problems_before = importer.problems.len();
            importer.path(given, &name, 0)?;
            let records = importer.report.records_read - before;
            if records == 0 && importer.problems.len() == problems_before {
                importer.reject(
                    given.display().to_string(),
                    "no advisory records found (expected OSV JSON or YAML, RustSec markdown, or OSV zip archives)"
                        .to_owned(),
                );
            }
            importer.writer().record_source(&SourceRecord {
                kind: "path".to_owned(),
                location: absolute.display().to_string(),
                imported_at: now.clone(),
                records_read: records,
                name,
                ..SourceRecord::default()
            })?;
        }
        importer.writer().set_meta(meta::UPDATED_AT, &now)?;
        // Refused input: the copy (transaction open) is dropped with the replacement.
        let report = importer.finish()?;
        connection
            .execute_batch("COMMIT")
            .map_err(|error| DatabaseError::sqlite(&target, "cannot commit the import", error))?;
        report
    };
    replacement.commit()?;
    Ok(report)
}
