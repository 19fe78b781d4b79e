//! End-to-end tests of the `airlock` binary: exit codes, where output goes, determinism, and
//! what a user sees for broken input.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::path::{Path, PathBuf};

use support::{fixtures, run_in, stderr, stdout};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn sbom_of_the_example_lists_the_rust_tool_with_scopes() {
    let output = run_in(&repository(), &["sbom", "examples/agent-stack"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let table = stdout(&output);
    let row = |name: &str| {
        table
            .lines()
            // The example's Python agent also locks `idna` and `regex`: the rows asked about
            // here are the Rust tool's.
            .find(|line| line.starts_with(&format!("{name} ")) && line.contains("crates.io"))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(row("web-fetch").contains("application"), "{table}");
    assert!(
        row("idna").contains("0.5.0") && row("idna").contains("required"),
        "{table}"
    );
    assert!(row("regex").contains("dev"), "{table}");
    assert!(row("version_check").contains("build"), "{table}");
    assert!(stderr(&output).contains("components"), "summary on stderr");
}

#[test]
fn json_output_is_deterministic_and_stable() {
    let directory = fixtures().join("cargo");
    let first = run_in(&directory, &["sbom", "metadata-workspace", "-f", "json"]);
    let second = run_in(&directory, &["sbom", "metadata-workspace", "-f", "json"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(first.stdout, second.stdout);
    let json: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    insta::assert_json_snapshot!(json);
}

#[test]
fn output_file_is_written_whole_or_not_at_all() {
    let temporary = tempfile::tempdir().unwrap();
    let report = temporary.path().join("graph.json");
    let example = repository().join("examples/agent-stack");
    let output = run_in(
        temporary.path(),
        &[
            "sbom",
            example.to_str().unwrap(),
            "-f",
            "json",
            "-o",
            "graph.json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        output.stdout.is_empty(),
        "the report went to the file, not stdout"
    );
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert!(written["components"].as_array().unwrap().len() > 20);

    // A run that fails leaves the previous report untouched and no stray files.
    std::fs::write(&report, b"previous").unwrap();
    let failed = run_in(
        temporary.path(),
        &["sbom", "does-not-exist", "-o", "graph.json"],
    );
    assert_eq!(failed.status.code(), Some(2));
    assert!(
        stderr(&failed).contains("does-not-exist: no such file or directory"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(std::fs::read(&report).unwrap(), b"previous");
    assert_eq!(std::fs::read_dir(temporary.path()).unwrap().count(), 1);
}

#[test]
fn fail_on_turns_findings_into_exit_code_one() {
    let directory = fixtures().join("cargo");
    let failing = run_in(
        &directory,
        &["scan", "no-lockfile", "--no-vuln-db", "--fail-on", "medium"],
    );
    assert_eq!(failing.status.code(), Some(1), "{}", stderr(&failing));
    let table = stdout(&failing);
    assert!(
        table.contains("unpinned-dependency") && table.contains("serde"),
        "{table}"
    );
    assert!(
        table.contains("non-registry-source") && table.contains("forked"),
        "{table}"
    );
    assert!(
        table.contains("loose > serde"),
        "introduced-through path shown: {table}"
    );

    let passing = run_in(
        &directory,
        &["scan", "no-lockfile", "--no-vuln-db", "--fail-on", "high"],
    );
    assert_eq!(passing.status.code(), Some(0));
    let no_policy = run_in(&directory, &["scan", "no-lockfile", "--no-vuln-db"]);
    assert_eq!(no_policy.status.code(), Some(0));
}

#[test]
fn broken_files_are_named_with_their_line_and_the_rest_still_goes_through() {
    let output = run_in(&fixtures().join("cargo"), &["sbom", "broken-tree"]);
    assert_eq!(output.status.code(), Some(2));
    let messages = stderr(&output);
    assert!(
        messages.contains("broken-tree/truncated/Cargo.lock:69:10: error[parse-error]"),
        "{messages}"
    );
    assert!(
        messages.contains("broken-tree/broken-manifest/Cargo.toml:4:14: error[parse-error]"),
        "{messages}"
    );
    assert!(!messages.contains("panicked"));
    // The good lockfile beside them is still reported in full.
    let table = stdout(&output);
    assert!(
        table.lines().any(|line| line.starts_with("wal ")),
        "{table}"
    );
    assert_eq!(table.lines().count(), 1 + 87, "{table}");
}

#[test]
fn unsupported_and_undecodable_lockfiles_are_errors_with_lines() {
    let directory = fixtures().join("cargo");
    let unknown = run_in(&directory, &["sbom", "unknown-version/Cargo.lock"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains(
        "unknown-version/Cargo.lock:2: error[unsupported-format-version]: unsupported Cargo.lock version `7`"
    ));
    let binary = run_in(&directory, &["sbom", "not-utf8"]);
    assert_eq!(binary.status.code(), Some(2));
    assert!(stderr(&binary)
        .contains("not-utf8/Cargo.lock:4: error[parse-error]: the file is not valid UTF-8"));
}

#[test]
fn entry_level_problems_are_warnings_and_keep_the_good_entries() {
    let output = run_in(
        &fixtures().join("cargo"),
        &["sbom", "bad-entries", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let names: Vec<&str> = json["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app", "good", "twice", "twice"]);
    let codes: Vec<(String, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["line"].is_u64())
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("dangling-reference", 4),
        ("ambiguous-reference", 4),
        ("invalid-entry", 4),
        ("invalid-entry", 13),
        ("invalid-entry", 17),
        ("invalid-entry", 33),
    ] {
        assert!(
            codes.contains(&(expected.0.to_owned(), expected.1)),
            "{expected:?} in {codes:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn hostile_file_types_are_skipped_with_a_diagnostic() {
    let temporary = tempfile::tempdir().unwrap();
    let root = temporary.path();
    std::fs::create_dir_all(root.join("good")).unwrap();
    std::fs::copy(
        fixtures().join("cargo/v1-root-table/Cargo.lock"),
        root.join("good/Cargo.lock"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("dangling")).unwrap();
    std::os::unix::fs::symlink(
        root.join("nowhere/Cargo.lock"),
        root.join("dangling/Cargo.lock"),
    )
    .unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("cargo/v1-root-table/Cargo.lock"),
        outside.path().join("Cargo.lock"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("escape")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("Cargo.lock"),
        root.join("escape/Cargo.lock"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("pipe")).unwrap();
    let has_fifo = std::process::Command::new("mkfifo")
        .arg(root.join("pipe/Cargo.lock"))
        .status()
        .is_ok_and(|s| s.success());

    let output = run_in(root, &["sbom", "."]);
    let messages = stderr(&output);
    assert!(
        messages.contains("dangling/Cargo.lock: warning[read-error]"),
        "{messages}"
    );
    assert!(
        messages.contains("escape/Cargo.lock: warning[symlink-outside-root]"),
        "{messages}"
    );
    if has_fifo {
        assert!(
            messages.contains("pipe/Cargo.lock: warning[not-a-regular-file]"),
            "{messages}"
        );
    }
    assert_eq!(output.status.code(), Some(0), "{messages}");
    assert!(stdout(&output).contains("old-tool"));
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let temporary = tempfile::tempdir().unwrap();
    let lock = temporary.path().join("Cargo.lock");
    std::fs::copy(fixtures().join("cargo/v1-root-table/Cargo.lock"), &lock).unwrap();
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&lock).is_ok() {
        // Running as root: permissions do not stop reads, so there is nothing to observe.
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: running as root, chmod 000 does not make a file unreadable");
        }
        return;
    }
    let output = run_in(temporary.path(), &["sbom", "."]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("Cargo.lock: error[read-error]"),
        "{}",
        stderr(&output)
    );
}

/// `airlock` with `--cargo-metadata` in `fixtures/cargo`, with its own empty `CARGO_HOME`: the
/// fixture has path dependencies only, so cargo needs nothing from the machine's cache, and no
/// other cargo on the machine holds a lock this run waits for.
fn cargo_metadata_run(arguments: &[&str], cargo: Option<&str>) -> std::process::Output {
    let cargo_home = tempfile::tempdir().unwrap();
    let mut command = support::command_in(&fixtures().join("cargo"), arguments);
    command.env("CARGO_HOME", cargo_home.path());
    if let Some(cargo) = cargo {
        command.env("CARGO", cargo);
    }
    command.output().unwrap()
}

#[test]
fn cargo_metadata_gives_the_feature_resolved_graph() {
    // The dependency edges of the JSON report, and the report.
    let edges = |arguments: &[&str]| -> (serde_json::Value, serde_json::Value) {
        let output = cargo_metadata_run(arguments, None);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        // A fallback the test did not ask for fails it, with cargo's reason.
        assert!(
            !stderr(&output).contains("cargo-metadata-fallback"),
            "{}",
            stderr(&output)
        );
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (json["dependencies"].clone(), json)
    };
    let resolved_by = |json: &serde_json::Value| -> Vec<String> {
        json["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|component| component["name"] == "app")
            .filter_map(|component| component["properties"]["airlock:cargo:resolved-by"].as_str())
            .map(str::to_owned)
            .collect()
    };
    let (from_lockfile, json) = edges(&["sbom", "metadata-workspace", "-f", "json"]);
    insta::assert_json_snapshot!("cargo_metadata_edges_from_the_lockfile", from_lockfile);
    assert!(resolved_by(&json).is_empty(), "{json}");
    let (from_cargo, json) = edges(&[
        "sbom",
        "metadata-workspace",
        "-f",
        "json",
        "--cargo-metadata",
    ]);
    insta::assert_json_snapshot!("cargo_metadata_edges_from_cargo", from_cargo);
    // The optional `extra` is not enabled by the default features, so cargo has no edge to it.
    assert!(
        !from_cargo
            .as_array()
            .unwrap()
            .iter()
            .any(|edge| edge["to"].as_str().unwrap().starts_with("pkg:cargo/extra@")),
        "{from_cargo:#}"
    );
    assert_eq!(resolved_by(&json), ["cargo metadata"], "{json}");
}

#[test]
fn cargo_metadata_falls_back_to_the_lockfile_with_a_warning() {
    // A cargo that cannot start fails the same way on every machine.
    let output = cargo_metadata_run(
        &["sbom", "broken-tree/good", "--cargo-metadata"],
        Some("/nonexistent/cargo"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "broken-tree/good/Cargo.lock: warning[cargo-metadata-fallback]: cargo metadata failed (failed to start `cargo metadata`"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output).lines().count(), 1 + 86);
}

#[test]
fn help_usage_and_extractors() {
    let help = run_in(&repository(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Examples:") && stdout(&help).contains("Exit codes"));
    let sbom_help = run_in(&repository(), &["sbom", "--help"]);
    assert!(
        stdout(&sbom_help).contains("--output") && stdout(&sbom_help).contains("--cargo-metadata")
    );
    let usage = run_in(&repository(), &["sbom"]);
    assert_eq!(usage.status.code(), Some(2));
    let extractors = run_in(&repository(), &["extractors"]);
    assert_eq!(extractors.status.code(), Some(0));
    assert!(
        stdout(&extractors).contains("cargo/cargo-lock")
            && stdout(&extractors).contains("cargo/cargo-toml")
    );
    let listing = run_in(&repository(), &["extractors", "-f", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    assert!(json
        .as_array()
        .unwrap()
        .iter()
        .any(|entry| entry["id"] == "cargo/cargo-lock" && entry["fuzz_target"] == "cargo_lock"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(support::airlock_binary())
        .args(["sbom", "tests/fixtures/projects/qdrant__qdrant__root"])
        .current_dir(repository())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut messages = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut messages)
        .unwrap();
    assert!(!messages.contains("panicked"), "{messages}");
}
