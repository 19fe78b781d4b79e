//! The deployed example, `examples/agent-stack-deployed/`: the fetch worker of the agent-stack
//! example as an isolated site receives it. Its wheelhouse satisfies its hashed lock exactly,
//! and its installed environment (built offline from that wheelhouse by its `build.sh`) lists
//! exactly the locked packages, re-hashes clean and carries the lock's two advisories.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::support;

fn examples() -> PathBuf {
    support::repository().join("examples")
}

/// (name, version) of every `name==version` line of the example's lock.
fn locked() -> BTreeSet<(String, String)> {
    let text =
        std::fs::read_to_string(examples().join("agent-stack-deployed/requirements.txt")).unwrap();
    text.lines()
        .filter_map(|line| line.strip_suffix(" \\"))
        .filter_map(|line| line.split_once("=="))
        .map(|(name, version)| (name.to_owned(), version.to_owned()))
        .collect()
}

#[test]
fn the_deployed_wheelhouse_satisfies_its_lock_exactly() {
    let output = support::run_in(
        &examples(),
        &[
            "verify",
            "--lock",
            "agent-stack-deployed/requirements.txt",
            "agent-stack-deployed/wheelhouse",
        ],
    );
    let stdout = support::stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        support::stderr(&output)
    );
    assert!(
        stdout.contains("5 packages pinned by hash, 5 present")
            && stdout.contains("5 artifacts, 5 with a locked hash")
            && stdout.contains("the folder satisfies the lock exactly"),
        "{stdout}"
    );
}

#[test]
fn the_deployed_environment_is_its_lock_with_the_lock_advisories() {
    let output = support::run_in(
        &examples(),
        &[
            "scan",
            "agent-stack-deployed/venv",
            "-f",
            "json",
            "--advisories",
            "agent-stack/advisories",
            "--max-db-age",
            "none",
        ],
    );
    // A high finding fails the default policy.
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        support::stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let installed: BTreeSet<(String, String)> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|component| component["ecosystem"] == "pypi")
        .map(|component| {
            (
                component["normalized_name"].as_str().unwrap().to_owned(),
                component["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(installed, locked());
    assert_eq!(installed.len(), 5);
    // Every recorded file re-hashes clean: the only findings are the two advisories.
    let findings: BTreeSet<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["component"].as_str().unwrap().to_owned(),
                finding["advisory"]["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = [
        ("pkg:pypi/idna@3.6", "PYSEC-2024-60"),
        ("pkg:pypi/requests@2.30.0", "PYSEC-2023-74"),
    ]
    .into_iter()
    .map(|(component, id)| {
        (
            "known-vulnerability".to_owned(),
            component.to_owned(),
            id.to_owned(),
        )
    })
    .collect();
    assert_eq!(findings, expected);
}
