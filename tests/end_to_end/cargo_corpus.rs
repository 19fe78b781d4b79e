//! Every real Cargo project in the fixtures (copied from the shared corpus, provenance in
//! `fixtures/projects/SOURCES.md`) is read and compared with an independent parser, the
//! `cargo-lock` crate: the same packages (duplicates of one name kept apart), the same checksums
//! and the same edges. Direct dependencies per workspace member are snapshot-tested.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use scanner_core::scan::{scan, ScanOptions, ScanReport};
use scanner_core::{Component, DiagnosticCode, DiagnosticSeverity, Source};

const PROJECTS: &[&str] = &[
    "astral-sh__uv__root--2024-07",
    "astral-sh__uv__root--2025-10",
    "huggingface__text-generation-inference__root",
    "qdrant__qdrant__root",
    "qdrant__qdrant__root--2020-05",
    "rustsec__rustsec__root--2019-09",
];

fn project(name: &str) -> (PathBuf, ScanReport) {
    let directory = support::fixtures().join("projects").join(name);
    let report = scan(std::slice::from_ref(&directory), &ScanOptions::default()).unwrap();
    (directory, report)
}

fn lock_display(directory: &std::path::Path) -> String {
    scanner_core::scan::display_path(&directory.join("Cargo.lock"))
}

fn from_lock<'a>(report: &'a ScanReport, lock: &str) -> Vec<&'a Component> {
    report
        .graph
        .components()
        .filter(|component| {
            component.evidence.iter().any(|evidence| {
                evidence.extractor == "cargo/cargo-lock" && evidence.location.path == lock
            })
        })
        .collect()
}

fn our_source(source: &Source) -> String {
    match source {
        Source::Registry { index: None } => "crates.io".to_owned(),
        Source::Registry { index: Some(index) } => index.clone(),
        Source::Git { commit, .. } => format!("git#{}", commit.as_deref().unwrap_or("")),
        Source::Path { .. } => "path".to_owned(),
        Source::Url { url } => url.clone(),
        Source::File { .. } => "file".to_owned(),
    }
}

fn oracle_source(source: Option<&cargo_lock::SourceId>) -> String {
    match source {
        None => "path".to_owned(),
        Some(source) if source.is_default_registry() => "crates.io".to_owned(),
        Some(source) if source.is_git() => format!("git#{}", source.precise().unwrap_or("")),
        Some(source) => source.to_string(),
    }
}

#[test]
fn packages_checksums_and_edges_match_an_independent_parser() {
    for name in PROJECTS {
        let (directory, report) = project(name);
        let oracle = cargo_lock::Lockfile::load(directory.join("Cargo.lock")).unwrap();
        let lock = lock_display(&directory);
        let ours = from_lock(&report, &lock);

        assert_eq!(ours.len(), oracle.packages.len(), "{name}: package count");
        let our_packages: BTreeSet<(String, String, String)> = ours
            .iter()
            .map(|c| {
                (
                    c.key.name.original().to_owned(),
                    c.key.version.clone().unwrap(),
                    our_source(&c.key.source),
                )
            })
            .collect();
        let oracle_packages: BTreeSet<(String, String, String)> = oracle
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str().to_owned(),
                    p.version.to_string(),
                    oracle_source(p.source.as_ref()),
                )
            })
            .collect();
        assert_eq!(our_packages, oracle_packages, "{name}: packages");

        let our_checksums: BTreeSet<(String, String, String)> = ours
            .iter()
            .flat_map(|c| {
                c.hashes.iter().map(move |hash| {
                    (
                        c.key.name.original().to_owned(),
                        c.key.version.clone().unwrap(),
                        hash.value(),
                    )
                })
            })
            .collect();
        let oracle_checksums: BTreeSet<(String, String, String)> = oracle
            .packages
            .iter()
            .filter_map(|p| {
                Some((
                    p.name.as_str().to_owned(),
                    p.version.to_string(),
                    p.checksum.as_ref()?.to_string(),
                ))
            })
            .collect();
        assert_eq!(our_checksums, oracle_checksums, "{name}: checksums");

        let in_lock: BTreeSet<_> = ours.iter().map(|c| &c.key).collect();
        let our_edges: BTreeSet<(String, String)> = report
            .graph
            .edges()
            .filter(|edge| in_lock.contains(edge.from) && in_lock.contains(edge.to))
            .map(|edge| {
                (
                    format!(
                        "{}@{}",
                        edge.from.name,
                        edge.from.version.as_deref().unwrap()
                    ),
                    format!("{}@{}", edge.to.name, edge.to.version.as_deref().unwrap()),
                )
            })
            .collect();
        let oracle_edges: BTreeSet<(String, String)> = oracle
            .packages
            .iter()
            .flat_map(|p| {
                p.dependencies.iter().map(move |d| {
                    (
                        format!("{}@{}", p.name, p.version),
                        format!("{}@{}", d.name, d.version),
                    )
                })
            })
            .collect();
        assert_eq!(our_edges, oracle_edges, "{name}: edges");
    }
}

#[test]
fn real_projects_read_without_warnings() {
    for name in PROJECTS {
        let (_, report) = project(name);
        let noisy: Vec<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity != DiagnosticSeverity::Note)
            .map(ToString::to_string)
            .collect();
        assert!(noisy.is_empty(), "{name}: {noisy:#?}");
        // Every member's declared dependencies match its locked ones exactly.
        assert!(
            !report.diagnostics.iter().any(|d| matches!(
                d.code,
                DiagnosticCode::LockfileOutOfDate | DiagnosticCode::UndeclaredDependency
            )),
            "{name}"
        );
    }
}

#[test]
fn duplicate_names_with_two_versions_stay_apart() {
    let (directory, report) = project("qdrant__qdrant__root");
    let lock = lock_display(&directory);
    let versions = |crate_name: &str| -> Vec<String> {
        let mut found: Vec<String> = from_lock(&report, &lock)
            .into_iter()
            .filter(|c| c.key.name.original() == crate_name)
            .map(|c| c.key.version.clone().unwrap())
            .collect();
        found.sort();
        found
    };
    let oracle = cargo_lock::Lockfile::load(directory.join("Cargo.lock")).unwrap();
    let duplicated: BTreeSet<&str> = oracle
        .packages
        .iter()
        .filter(|p| oracle.packages.iter().filter(|q| q.name == p.name).count() > 1)
        .map(|p| p.name.as_str())
        .collect();
    assert!(
        duplicated.len() > 10,
        "qdrant locks many crates at two versions"
    );
    for name in duplicated {
        let mut expected: Vec<String> = oracle
            .packages
            .iter()
            .filter(|p| p.name.as_str() == name)
            .map(|p| p.version.to_string())
            .collect();
        expected.sort();
        expected.dedup();
        assert_eq!(versions(name), expected, "{name}");
    }
}

/// Direct dependencies of every workspace member, with their kinds, as one text per project.
fn members_summary(name: &str) -> String {
    let (_, report) = project(name);
    let mut text = String::new();
    for root in report.graph.roots() {
        let path = match &root.source {
            Source::Path { path } => path
                .rsplit_once(name)
                .map_or(path.as_str(), |(_, rest)| rest)
                .to_owned(),
            other => other.to_string(),
        };
        text.push_str(&format!(
            "{} {} ({})\n",
            root.name,
            root.version.as_deref().unwrap_or("-"),
            if path.is_empty() { "/" } else { &path }
        ));
        for (dependency, kind) in report.graph.dependencies(root) {
            text.push_str(&format!(
                "  {:<8} {} {} [{}]\n",
                kind.as_str(),
                dependency.name,
                dependency.version.as_deref().unwrap_or("-"),
                our_source(&dependency.source)
            ));
        }
    }
    text
}

#[test]
fn direct_dependencies_of_members_v1_lock() {
    insta::assert_snapshot!(members_summary("rustsec__rustsec__root--2019-09"));
}

#[test]
fn direct_dependencies_of_members_v2_lock() {
    insta::assert_snapshot!(members_summary("qdrant__qdrant__root--2020-05"));
}

#[test]
fn direct_dependencies_of_members_v4_lock_with_git_sources() {
    insta::assert_snapshot!(members_summary(
        "huggingface__text-generation-inference__root"
    ));
}

#[test]
fn direct_dependencies_of_members_v3_large_workspace() {
    insta::assert_snapshot!(members_summary("astral-sh__uv__root--2024-07"));
}

#[test]
fn scopes_follow_the_strongest_path() {
    let (directory, report) = project("huggingface__text-generation-inference__root");
    let lock = lock_display(&directory);
    let components = from_lock(&report, &lock);
    // Every locked package is reachable from a member, so every one has a scope and a path.
    for component in &components {
        assert!(component.scope.is_some(), "{}", component.key);
        assert!(
            report.graph.introduced_through(&component.key).is_some(),
            "{}",
            component.key
        );
    }
    let dev_only = components
        .iter()
        .filter(|c| c.scope == Some(scanner_core::Scope::Dev))
        .count();
    assert!(
        dev_only > 0,
        "TGI has dev-only dependencies (criterion, insta, …)"
    );
}
