//! The README's promise, end to end: its set-up section has exactly two commands (the main job
//! on the shipped example, and every test), and the first one, run on a fresh clone of this
//! repository with no advisory database, no configuration and no network, prints the
//! example's findings. The clone is local (`git clone` of HEAD), and the binary is the one this
//! test run already built: nothing is rebuilt.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::path::Path;
use std::process::Command;

use support::{command_in, stderr, stdout};

/// The shell commands of the README's `## Set up` section, one per fenced block.
fn setup_commands(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## ")
        .find(|section| section.starts_with("Set up"))
        .expect("the README has a `## Set up` section");
    let mut commands = Vec::new();
    let mut inside = false;
    for line in section.lines() {
        if line.starts_with("```") {
            inside = !inside;
            continue;
        }
        if inside && !line.trim().is_empty() {
            commands.push(line.trim().to_owned());
        }
    }
    commands
}

fn git(directory: &Path, arguments: &[&str]) -> String {
    let output = Command::new("git")
        .args(arguments)
        .current_dir(directory)
        .output()
        .expect("git runs (the fresh-clone test needs git)");
    assert!(
        output.status.success(),
        "git {arguments:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_readme_main_command_works_on_a_fresh_clone_without_network() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let clone = scratch.path().join("airlock");
    git(
        scratch.path(),
        &[
            "clone",
            "--quiet",
            "--no-hardlinks",
            repository.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );

    let readme = std::fs::read_to_string(clone.join("README.md")).unwrap();
    let commands = setup_commands(&readme);
    assert_eq!(
        commands.len(),
        2,
        "the set-up section keeps exactly two commands: {commands:?}"
    );
    assert_eq!(commands[1], "cargo test --workspace --locked");
    let arguments: Vec<&str> = commands[0]
        .strip_prefix("cargo run --locked -p scanner-cli -- ")
        .expect("the main command runs airlock through cargo")
        .split_whitespace()
        .collect();
    assert_eq!(
        arguments,
        [
            "scan",
            "examples/agent-stack",
            "--advisories",
            "examples/agent-stack/advisories",
            "--max-db-age",
            "none"
        ]
    );
    // The README says why the data-age check is off for the example.
    assert!(readme.contains("`--max-db-age none` switches that check off"));

    // No database (AIRLOCK_DB points nowhere), no user configuration, no network, and no
    // data-age override from the test environment: the command's own flag must do it.
    let output = command_in(&clone, &arguments)
        .env_remove("AIRLOCK_MAX_DB_AGE")
        .output()
        .unwrap();
    let report = stdout(&output);
    let messages = stderr(&output);
    // 0, or 1 where a default policy fails on the example's critical pickle; never an error.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?}: {messages}",
        output.status.code()
    );
    assert!(!messages.contains("error"), "{messages}");
    for (advisory, package, fix) in [
        ("PYSEC-2023-74", "requests 2.30.0 (PyPI)", "2.31.0"),
        ("PYSEC-2021-66", "jinja2 2.11.2 (PyPI)", "2.11.3"),
        ("PYSEC-2024-60", "idna 3.6 (PyPI)", "3.7"),
        ("RUSTSEC-2024-0421", "idna 0.5.0 (crates.io)", "1.0.0"),
        ("RUSTSEC-2022-0013", "regex 1.5.4 (crates.io)", "1.5.5"),
    ] {
        let row = report
            .lines()
            .find(|line| line.contains(advisory))
            .unwrap_or_else(|| panic!("{advisory} missing:\n{report}"));
        assert!(
            row.contains(package) && row.contains(fix),
            "{advisory}: {row}"
        );
    }
    assert!(
        report.contains("research-agent > requests > idna"),
        "the path from the root: {report}"
    );
    let pickle = report
        .lines()
        .find(|line| line.contains("dangerous-pickle-import"))
        .unwrap();
    assert!(pickle.starts_with("CRITICAL"), "{pickle}");
    assert!(
        report
            .lines()
            .any(|line| line.starts_with("tiny-summarizer") && line.contains("no finding")),
        "the model summary: {report}"
    );
    assert!(
        report.contains(
            "13 findings: 2 critical, 4 high, 2 unknown (counted as high), 1 medium, 4 low."
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "Advisory database: 6 advisories from examples/agent-stack/advisories, imported for this scan (newest record 2025-10-28T06:02:18Z, "
        ),
        "{report}"
    );
    assert!(
        report.contains("no age limit (--max-db-age none))."),
        "{report}"
    );
    assert!(
        messages.contains("52 components"),
        "the summary on stderr: {messages}"
    );
    // The scan wrote nothing into the clone.
    assert_eq!(git(&clone, &["status", "--porcelain"]), "");
}

#[test]
fn the_readme_links_the_docs() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let readme = std::fs::read_to_string(repository.join("README.md")).unwrap();
    for page in [
        "docs/README.md",
        "docs/policy.md",
        "docs/trust-model.md",
        "docs/configuration.md",
        "docs/rules.md",
        "docs/air-gap.md",
        "docs/fleet.md",
        "docs/example.md",
    ] {
        assert!(readme.contains(&format!("({page})")), "README links {page}");
        assert!(repository.join(page).is_file(), "{page} exists");
    }
}
