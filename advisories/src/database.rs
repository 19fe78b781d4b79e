//! Where the database file lives and how it is replaced: every change is written into a copy
//! beside the database (a `.NAME.tmp-*` file in the same directory), synced, and renamed over it,
//! so a crash, a kill or a full disk leaves the previous database whole, and readers (who open
//! the path) see either the old file or the new one, never half an import. A lock file next to
//! the database keeps two writers from racing; leftovers of a killed writer are removed by the
//! next one.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::store::{self, DatabaseError};

/// `airlock/advisories.sqlite3` under the user's data directory (XDG on Linux).
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|directory| directory.join("airlock").join("advisories.sqlite3"))
}

/// The prefix of the temporary copies of `target` (hidden, never opened as the database).
fn temporary_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "advisories.sqlite3".to_owned());
    format!(".{name}.tmp-")
}

fn lock_path(target: &Path) -> PathBuf {
    let mut name = target
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    target.with_file_name(name)
}

fn directory_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// A new version of the database being written beside the old one. Dropping it without
/// [`Replacement::commit`] removes the copy and leaves the database as it was.
#[derive(Debug)]
pub(crate) struct Replacement {
    target: PathBuf,
    directory: PathBuf,
    // Held until the rename: the lock is released when the file closes.
    _lock: File,
    temporary: tempfile::TempPath,
    connection: Option<Connection>,
}

impl Replacement {
    /// Starts a replacement of `target`; `from_existing` copies the current database first (an
    /// import adds to it), otherwise the copy starts empty (a bundle replaces it).
    pub(crate) fn begin(target: &Path, from_existing: bool) -> Result<Replacement, DatabaseError> {
        let mut replacement = Replacement::begin_raw(target)?;
        if from_existing && target.is_file() {
            fs::copy(target, &replacement.temporary).map_err(|error| {
                DatabaseError::io(target, "cannot copy the database to update it", error)
            })?;
        }
        replacement.attach()?;
        Ok(replacement)
    }

    /// Starts a replacement whose copy is an empty file for the caller to fill (a bundle's
    /// database), then [`Replacement::attach`]ed.
    pub(crate) fn begin_raw(target: &Path) -> Result<Replacement, DatabaseError> {
        let directory = directory_of(target);
        fs::create_dir_all(&directory)
            .map_err(|error| DatabaseError::io(&directory, "cannot create the directory", error))?;
        let lock_file = lock_path(target);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_file)
            .map_err(|error| DatabaseError::io(&lock_file, "cannot create the lock file", error))?;
        if lock.try_lock().is_err() {
            return Err(DatabaseError::Busy {
                path: target.to_owned(),
                lock: lock_file,
            });
        }
        remove_leftovers(target, &directory);
        let temporary = tempfile::Builder::new()
            .prefix(&temporary_prefix(target))
            .tempfile_in(&directory)
            .map_err(|error| {
                DatabaseError::io(
                    &directory,
                    "cannot create a file beside the database",
                    error,
                )
            })?
            .into_temp_path();
        Ok(Replacement {
            target: target.to_owned(),
            directory,
            _lock: lock,
            temporary,
            connection: None,
        })
    }

    /// The copy's path, to be written before [`Replacement::attach`].
    pub(crate) fn temporary_path(&self) -> &Path {
        &self.temporary
    }

    /// Opens the copy as a database and brings its schema up to date.
    pub(crate) fn attach(&mut self) -> Result<(), DatabaseError> {
        let target = self.target.clone();
        let connection = Connection::open(&self.temporary).map_err(|error| {
            DatabaseError::sqlite(&target, "cannot open the database copy", error)
        })?;
        // The copy is private until the rename: no journal is needed (a failure discards the
        // whole copy), and durability comes from the fsync before the rename.
        connection
            .execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            .map_err(|error| {
                DatabaseError::sqlite(&target, "cannot configure the database copy", error)
            })?;
        store::keep_plans(&connection).map_err(|error| {
            DatabaseError::sqlite(&target, "cannot configure the database copy", error)
        })?;
        store::migrate(&connection, &target)?;
        self.connection = Some(connection);
        Ok(())
    }

    pub(crate) fn connection(&self) -> Result<&Connection, DatabaseError> {
        self.connection
            .as_ref()
            .ok_or_else(|| DatabaseError::Sqlite {
                path: self.target.clone(),
                context: "the database copy is closed",
                source: "closed".into(),
            })
    }

    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// Closes the copy, syncs it to disk and renames it over the database.
    pub(crate) fn commit(mut self) -> Result<(), DatabaseError> {
        if let Some(connection) = self.connection.take() {
            connection.close().map_err(|(_, error)| {
                DatabaseError::sqlite(&self.target, "cannot close the database copy", error)
            })?;
        }
        File::open(&self.temporary)
            .and_then(|file| file.sync_all())
            .map_err(|error| {
                DatabaseError::io(&self.target, "cannot sync the new database", error)
            })?;
        // The copy was created owner-only; a database holds public data and is read by every
        // user's scans.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&self.temporary, fs::Permissions::from_mode(0o644));
        }
        let target = self.target.clone();
        self.temporary.persist(&target).map_err(|error| {
            DatabaseError::io(&target, "cannot replace the database", error.error)
        })?;
        // The rename itself is durable once the directory is synced (POSIX); elsewhere this is a
        // best effort.
        if let Ok(directory) = File::open(&self.directory) {
            let _ = directory.sync_all();
        }
        Ok(())
    }
}

/// Removes copies left by a writer that was killed (the caller holds the lock).
fn remove_leftovers(target: &Path, directory: &Path) {
    let prefix = temporary_prefix(target);
    let Ok(entries) = fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_replacement_leaves_nothing_and_a_second_writer_waits() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("db.sqlite3");
        let first = Replacement::begin(&target, true).unwrap();
        assert!(matches!(
            Replacement::begin(&target, true),
            Err(DatabaseError::Busy { .. })
        ));
        drop(first);
        assert!(!target.exists());
        let names: Vec<String> = fs::read_dir(directory.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["db.sqlite3.lock"]);
        Replacement::begin(&target, true).unwrap().commit().unwrap();
        assert!(crate::Store::open(&target).is_ok());
    }
}
