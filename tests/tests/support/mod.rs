//! Helpers shared by the end-to-end tests: where the fixtures are and how to run the binary.
#![allow(dead_code, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The `airlock` binary built by `cargo test --workspace` (scanner-cli's own integration test
/// makes cargo build it next to this test's executable).
pub fn airlock_binary() -> PathBuf {
    let executable = std::env::current_exe().expect("test executable path");
    let directory = executable
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let binary = directory.join(format!("airlock{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "{} is missing: run the whole suite with `cargo test --workspace` (it builds the binary)",
        binary.display()
    );
    binary
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

/// The repository's root.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lies in the repository")
        .to_path_buf()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
