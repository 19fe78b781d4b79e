//! Every command finds the same configuration by the same rule (docs/configuration.md): the
//! user's `config.toml`, then `--config FILE` or the working directory's `airlock.toml`.
//! A broken file stops every command that reads configuration with its problems and their
//! lines; the `[database]` settings of the same file reach `scan`, `attest`, `verify` and
//! `db` alike; and `verify` and `diff` never take configuration from the trees they judge.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Output;

use support::{command_in, fixtures, stderr};

/// A working directory with `project/` (a small Cargo project), a key pair and an
/// attestation of `project/` made before any configuration exists, and a user config
/// directory of its own.
struct Setup {
    directory: tempfile::TempDir,
    config_home: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let directory = tempfile::tempdir().unwrap();
        let project = directory.path().join("project");
        std::fs::create_dir(&project).unwrap();
        for name in ["Cargo.lock", "Cargo.toml"] {
            std::fs::copy(
                fixtures().join("advisories/project").join(name),
                project.join(name),
            )
            .unwrap();
        }
        let setup = Setup {
            directory,
            config_home: tempfile::tempdir().unwrap(),
        };
        setup.ok(&["keygen", "release"]);
        setup.ok(&[
            "attest",
            "project",
            "--key",
            "release.key",
            "--no-vuln-db",
            "-o",
            "project.intoto.json",
        ]);
        setup
    }

    fn work(&self) -> &Path {
        self.directory.path()
    }

    fn user_config(&self) -> PathBuf {
        self.config_home.path().join("airlock/config.toml")
    }

    /// Runs in `directory` with this setup's user config directory and no `AIRLOCK_DB`, so
    /// the configuration decides where the database is.
    fn run_at(&self, directory: &Path, arguments: &[&str]) -> Output {
        command_in(directory, arguments)
            .env("XDG_CONFIG_HOME", self.config_home.path())
            .env_remove("AIRLOCK_DB")
            .env("XDG_DATA_HOME", self.work().join("data"))
            .output()
            .unwrap()
    }

    fn run(&self, arguments: &[&str]) -> Output {
        self.run_at(self.work(), arguments)
    }

    fn ok(&self, arguments: &[&str]) {
        let output = self.run(arguments);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{arguments:?}: {}",
            stderr(&output)
        );
    }
}

/// Every command that reads configuration, each as it would be run at an intake.
const COMMANDS: &[&[&str]] = &[
    &["scan", "project", "--no-vuln-db"],
    &["sbom", "project"],
    &["attest", "project", "--key", "release.key", "--no-vuln-db"],
    &["diff", "project", "project"],
    &[
        "verify",
        "--attestation",
        "project.intoto.json",
        "--key",
        "release.pub",
        "project",
    ],
    &["db", "info"],
];

#[test]
fn every_command_stops_on_the_same_broken_file_naming_its_line() {
    let setup = Setup::new();
    let broken = "fail-on = \"high\"\n\n[rules.unpinned-dependency]\nseverty = \"low\"\n";
    // The working directory's file.
    std::fs::write(setup.work().join("airlock.toml"), broken).unwrap();
    for command in COMMANDS {
        let output = setup.run(command);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command:?}: {}",
            stderr(&output)
        );
        let messages = stderr(&output);
        assert!(
            messages.contains(
                "airlock.toml:4: error[policy-error]: unknown key `severty` in `rules.unpinned-dependency`"
            ) && messages.contains("error: airlock.toml has 1 problem; nothing was done"),
            "{command:?}: {messages}"
        );
        assert!(output.stdout.is_empty(), "{command:?} wrote a report");
    }
    // Commands that read no configuration are not stopped by it.
    for command in [&["rules"][..], &["extractors"]] {
        assert_eq!(setup.run(command).status.code(), Some(0));
    }
    // The same file named with --config from elsewhere, before or after the subcommand.
    std::fs::remove_file(setup.work().join("airlock.toml")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let named = elsewhere.path().join("gate.toml");
    std::fs::write(&named, broken).unwrap();
    for command in COMMANDS {
        let mut arguments = vec!["--config", named.to_str().unwrap()];
        arguments.extend_from_slice(command);
        let output = setup.run(&arguments);
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        assert!(
            stderr(&output).contains("gate.toml:4: error[policy-error]: unknown key `severty`"),
            "{command:?}: {}",
            stderr(&output)
        );
        let mut arguments = command.to_vec();
        arguments.extend_from_slice(&["--config", named.to_str().unwrap()]);
        assert_eq!(setup.run(&arguments).status.code(), Some(2), "{command:?}");
    }
    // The user's config.toml.
    std::fs::create_dir_all(setup.user_config().parent().unwrap()).unwrap();
    std::fs::write(setup.user_config(), broken).unwrap();
    for command in COMMANDS {
        let output = setup.run(command);
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        assert!(
            stderr(&output).contains("config.toml:4: error[policy-error]: unknown key `severty`"),
            "{command:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_database_setting_error_is_reported_with_its_line_too() {
    let setup = Setup::new();
    std::fs::write(
        setup.work().join("airlock.toml"),
        "fail-on = \"high\"\n[database]\nmax_age_days = \"soon\"\n",
    )
    .unwrap();
    for command in COMMANDS {
        let output = setup.run(command);
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        assert!(
            stderr(&output).contains("airlock.toml:3:"),
            "{command:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn every_command_uses_the_database_the_same_file_names() {
    let setup = Setup::new();
    std::fs::write(
        setup.work().join("airlock.toml"),
        "[database]\npath = \"state/advisories.sqlite3\"\n",
    )
    .unwrap();
    // Relative to the file's directory: the working directory here.
    let expected = "state/advisories.sqlite3";
    for command in [
        &["scan", "project"][..],
        &["attest", "project", "--key", "release.key"],
        &[
            "verify",
            "--attestation",
            "project.intoto.json",
            "--key",
            "release.pub",
            "project",
        ],
        &["diff", "project", "project"],
        &["db", "info"],
    ] {
        let output = setup.run(command);
        assert_eq!(output.status.code(), Some(2), "{command:?}");
        assert!(
            stderr(&output).contains(expected),
            "{command:?} looked elsewhere: {}",
            stderr(&output)
        );
    }
    // Imported there, every command finds it.
    setup.ok(&[
        "db",
        "import",
        fixtures().join("advisories/corpus").to_str().unwrap(),
    ]);
    assert!(setup.work().join("state/advisories.sqlite3").is_file());
    let scan = setup.run(&["scan", "project", "--fail-on", "critical"]);
    assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
}

#[test]
fn the_user_file_and_the_working_directorys_file_layer() {
    let setup = Setup::new();
    std::fs::create_dir_all(setup.user_config().parent().unwrap()).unwrap();
    // The user's machine settings and a default threshold; the run's file overrides the
    // threshold and adds an ignore.
    std::fs::write(
        setup.user_config(),
        "fail-on = \"info\"\n[database]\npath = \"machine.sqlite3\"\n",
    )
    .unwrap();
    std::fs::write(
        setup.work().join("airlock.toml"),
        "fail-on = \"critical\"\n",
    )
    .unwrap();
    let output = setup.run(&["scan", "project", "-f", "json"]);
    let expected = setup
        .config_home
        .path()
        .join("airlock/machine.sqlite3")
        .display()
        .to_string();
    assert!(
        stderr(&output).contains(&format!("no advisory database at {expected}")),
        "{}",
        stderr(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let operator_files = report["policy"]["operator_files"].as_array().unwrap();
    assert_eq!(operator_files.len(), 2, "{operator_files:?}");
    assert!(operator_files[0]
        .as_str()
        .unwrap()
        .ends_with("airlock/config.toml"));
    assert_eq!(operator_files[1], "airlock.toml");
    assert_eq!(report["policy"]["fail_on"], "critical");
    assert_eq!(report["policy"]["fail_on_from"], "airlock.toml");
}

#[test]
fn verify_and_diff_never_read_configuration_inside_the_tree_they_judge() {
    let setup = Setup::new();
    let project = setup.work().join("project");
    // A file that would stop any command reading it, inside the judged tree, where airlock
    // then runs.
    std::fs::write(project.join("airlock.toml"), "fail-on = \"never\"\n").unwrap();
    let verify = setup.run_at(
        &project,
        &[
            "verify",
            "--attestation",
            "../project.intoto.json",
            "--key",
            "../release.pub",
            "--no-vuln-db",
            ".",
        ],
    );
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    assert!(
        stderr(&verify).contains(
            "warning: airlock.toml lies inside ., which this command judges: it is not read as configuration"
        ),
        "{}",
        stderr(&verify)
    );
    let diff = setup.run_at(&project, &["diff", "../project", ".", "--no-vuln-db"]);
    assert_eq!(diff.status.code(), Some(0), "{}", stderr(&diff));
    assert!(stderr(&diff).contains("is not read as configuration"));
    // scan, from the same place, reads it: the working directory is the operator's.
    let scan = setup.run_at(&project, &["scan", ".", "--no-vuln-db"]);
    assert_eq!(scan.status.code(), Some(2));
    assert!(
        stderr(&scan).contains("airlock.toml:1: error[policy-error]"),
        "{}",
        stderr(&scan)
    );
    // An explicit --config is the operator's word, wherever it lies.
    let named = setup.run_at(
        &project,
        &[
            "--config",
            "airlock.toml",
            "diff",
            "../project",
            ".",
            "--no-vuln-db",
        ],
    );
    assert_eq!(named.status.code(), Some(2), "{}", stderr(&named));
}
