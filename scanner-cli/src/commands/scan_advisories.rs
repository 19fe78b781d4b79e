//! `airlock scan --advisories PATH...`: match against advisory files given on the command line
//! instead of the database. They are imported (the same importer as `airlock db import`: OSV
//! JSON/YAML, RustSec markdown, OSV zips, directories) into a database in a temporary directory
//! that lives as long as the scan and is deleted after it, so a scan of a project that ships its
//! advisories (like `examples/agent-stack`) needs no set-up and no network, and the user's own
//! database is never touched.

use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::output::stderr_line;

use super::{progress, Verbosity};

/// A database imported for one scan; deleted when dropped.
#[derive(Debug)]
pub struct TemporaryDatabase {
    /// Keeps the directory (and the database in it) alive while the scan reads it.
    _directory: tempfile::TempDir,
    pub path: PathBuf,
    /// The paths it was imported from, for the report's database line.
    pub sources: String,
}

/// Imports `paths` into a temporary database, or returns `None` when no path was given.
pub fn import(
    paths: &[PathBuf],
    clock: &scanner_core::clock::Clock,
    verbosity: Verbosity,
) -> anyhow::Result<Option<TemporaryDatabase>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let directory = tempfile::Builder::new()
        .prefix("airlock-advisories-")
        .tempdir()
        .context("cannot create a temporary directory for the advisories")?;
    let path = directory.path().join("advisories.sqlite3");
    let bar = progress::records_bar(verbosity, "importing advisories");
    let report = advisories::import::import_paths_with_progress(
        &path,
        paths,
        clock,
        bar.as_ref().map(progress::import_reporter),
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report.context("cannot import the advisories given with --advisories")?;
    if verbosity != Verbosity::Quiet {
        for skipped in &report.skipped {
            stderr_line(&format!(
                "warning: --advisories: skipped {}: {}",
                skipped.path, skipped.reason
            ));
        }
    }
    let sources = paths
        .iter()
        .map(|path| path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if report.records_read == 0 {
        bail!("--advisories {sources}: no advisory records found (expected OSV JSON/YAML, RustSec markdown or OSV zip files)");
    }
    Ok(Some(TemporaryDatabase {
        _directory: directory,
        path,
        sources,
    }))
}
