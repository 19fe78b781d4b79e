//! Helpers for the advisory database tests: an isolated home (data and config directories in a
//! temporary directory, so no test reads or writes the user's real database), the fixtures, and
//! archives built on the fly.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{airlock_binary, fixtures};

/// `tests/fixtures/advisories`.
pub fn advisory_fixtures() -> PathBuf {
    fixtures().join("advisories")
}

/// A temporary home for one test: `work/` is the working directory, the database is
/// `work/advisories.sqlite3` unless a test passes `--db`.
pub struct Home {
    pub directory: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        let home = Home {
            directory: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(home.work()).unwrap();
        home
    }

    pub fn work(&self) -> PathBuf {
        self.directory.path().join("work")
    }

    pub fn database(&self) -> PathBuf {
        self.work().join("advisories.sqlite3")
    }

    /// A command running airlock in `work/` with the database at [`Home::database`] and no
    /// trace of the real user's configuration. The advisory fixtures are old snapshots, so the
    /// data-age limit is off (`AIRLOCK_MAX_DB_AGE=none`); freshness tests remove it.
    pub fn command(&self, arguments: &[&str]) -> Command {
        let mut command = Command::new(airlock_binary());
        command
            .args(arguments)
            .current_dir(self.work())
            .env("NO_COLOR", "1")
            .env("HOME", self.directory.path())
            .env("XDG_DATA_HOME", self.directory.path().join("data"))
            .env("XDG_CONFIG_HOME", self.directory.path().join("config"))
            .env("AIRLOCK_DB", self.database())
            .env_remove("AIRLOCK_MIRROR")
            .env_remove("AIRLOCK_SYNC_TIMEOUT")
            .env_remove("AIRLOCK_SYNC_RETRIES")
            .env("AIRLOCK_MAX_DB_AGE", "none");
        command
    }

    pub fn run(&self, arguments: &[&str]) -> Output {
        self.command(arguments).output().expect("airlock runs")
    }

    /// Runs and insists on exit code 0.
    pub fn ok(&self, arguments: &[&str]) -> String {
        let output = self.run(arguments);
        assert_eq!(
            output.status.code(),
            Some(0),
            "airlock {arguments:?}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// The number after `label` in an import report line (`  added      13`).
pub fn count(report: &str, label: &str) -> u64 {
    report
        .lines()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(label)).then(|| words.next().unwrap().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{report}"))
}

/// A zip archive of `(name, bytes)` entries, deflated.
pub fn zip_archive(path: &Path, entries: &[(String, Vec<u8>)]) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
}

/// Every `*.json` file under `directory`, as archive entries named by file name (OSV's flat
/// `all.zip` layout), sorted.
pub fn json_entries(directory: &Path) -> Vec<(String, Vec<u8>)> {
    let mut entries = Vec::new();
    let mut pending = vec![directory.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                entries.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    entries.sort();
    entries
}

/// A generated OSV record for `crates.io` package `crate-N`, affecting version `1.0.N`.
pub fn generated_record(index: usize) -> Vec<u8> {
    format!(
        r#"{{"id":"TEST-{index:07}","modified":"2024-01-01T00:00:00Z","summary":"generated advisory {index}","affected":[{{"package":{{"ecosystem":"crates.io","name":"crate-{index}"}},"ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"1.1.0"}}]}}],"versions":["1.0.{index}"]}}]}}"#
    )
    .into_bytes()
}

/// A scan's JSON report without the one field that moves with the clock (the data's age in
/// seconds), to compare two runs against the same database.
pub fn scan_json_without_age(stdout: &[u8]) -> serde_json::Value {
    let mut report: serde_json::Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", String::from_utf8_lossy(stdout)));
    if let Some(database) = report
        .get_mut("advisory_database")
        .and_then(serde_json::Value::as_object_mut)
    {
        database.remove("age_seconds");
    }
    report
}

/// Everything a database answers: its bytes, `db info -f json` and a scan of the fixture project
/// (both without the clock-dependent age). Equal answers before and after a refused import
/// prove nothing stored was lost or changed.
#[derive(Debug, PartialEq)]
pub struct Answers {
    pub bytes: Vec<u8>,
    pub info: serde_json::Value,
    pub scan: serde_json::Value,
}

pub fn answers(home: &Home, database: &Path) -> Answers {
    let run = |arguments: &[&str]| {
        let output = home
            .command(arguments)
            .env("AIRLOCK_DB", database)
            .output()
            .unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "airlock {arguments:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    let mut info: serde_json::Value =
        serde_json::from_slice(&run(&["db", "info", "-f", "json"])).unwrap();
    if let Some(object) = info.as_object_mut() {
        object.remove("age_seconds");
    }
    let project = advisory_fixtures().join("project");
    let scan = scan_json_without_age(&run(&["scan", project.to_str().unwrap(), "-f", "json"]));
    Answers {
        bytes: std::fs::read(database).unwrap(),
        info,
        scan,
    }
}

/// An OSV record for PyPI's `freshness-probe` 1.0, last modified at `modified`.
pub fn probe_record(id: &str, modified: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"{modified}","summary":"a probe","affected":[{{"package":{{"ecosystem":"PyPI","name":"freshness-probe"}},"versions":["1.0"]}}]}}"#
    )
}

/// RFC 3339 of the clock `seconds` ago.
pub fn seconds_ago(seconds: i64) -> String {
    let now = scanner_core::clock::Clock::system()
        .trusted_now()
        .timestamp();
    advisories::time::Timestamp::from_unix(now - seconds).to_string()
}
