//! Helpers shared by the end-to-end tests: where the fixtures are and how to run the binary.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod graph_text;
pub mod registry;
pub mod schemas;

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    repository().join("tests/fixtures")
}

/// The `airlock` binary of this very build: cargo builds the package's binary before its
/// integration tests and names it here, so a test never runs a stale or missing one (the tests
/// used to find whatever `target/debug/airlock` an earlier workspace build had left).
pub fn airlock_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_airlock"))
}

/// Runs airlock in `directory` with `arguments`, no colour, a fixed clock, and no access to the
/// user's own advisory database or configuration (tests pass `--db` when they need one).
pub fn run_in(directory: &Path, arguments: &[&str]) -> Output {
    command_in(directory, arguments)
        .output()
        .expect("airlock runs")
}

/// The command [`run_in`] runs, for tests that change its environment. The advisory fixtures
/// are old snapshots by design, so the data-age limit is off (`AIRLOCK_MAX_DB_AGE=none`); the
/// freshness tests (`db_freshness.rs`) and the README test remove it.
pub fn command_in(directory: &Path, arguments: &[&str]) -> Command {
    let isolated = std::env::temp_dir().join("airlock-tests-isolated-home");
    let mut command = Command::new(airlock_binary());
    command
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("AIRLOCK_DB", isolated.join("no-database.sqlite3"))
        .env("XDG_CONFIG_HOME", isolated.join("config"))
        .env("XDG_DATA_HOME", isolated.join("data"))
        .env("AIRLOCK_MAX_DB_AGE", "none");
    command
}

/// Copies a directory tree (files and directories only).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("target directory");
    for entry in std::fs::read_dir(from).expect("source directory") {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("file copies");
        }
    }
}

/// The repository's root. This binary is scanner-cli's test (`scanner-cli/Cargo.toml` names
/// `tests/end_to_end/main.rs`), so the manifest directory is `scanner-cli/`, one level down.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("scanner-cli lies in the repository")
        .to_path_buf()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
