//! Model risk joined to the lock: when the project a model file lies in also locks the library
//! that loads it (`torch`, `keras`, `llama-cpp-python`, `onnx`, `transformers`), a model finding
//! whose exploitability depends on that library's version says so: it is raised one level when
//! the locked version is below the fix, and names the fix when it is not. The joins are data
//! (`loader_joins.tsv`), one advisory id per row; a version that does not parse as PEP 440 is
//! treated as vulnerable (fail closed).
//!
//! The join never lowers a finding (docs/models.md, "Joined to the lock"): the lockfile is input
//! a model's author may write too, every finding it can touch is one the file deserves on its
//! own (a pickle import is dangerous whatever `torch` checks it: `weights_only` is a default the
//! loading code may turn off), so a fixed loader only adds its words to the message.
//!
//! The project of a model is the nearest directory above it whose lock (or environment) names
//! the loader: in a scan of several projects, one project's `torch` says nothing about another
//! project's models.

use std::str::FromStr;

use super::{Finding, Severity};
use crate::ecosystem::Ecosystem;
use crate::graph::DependencyGraph;

const JOINS: &str = include_str!("loader_joins.tsv");

/// One row of the join table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderJoin {
    pub loader: &'static str,
    pub fixed_in: &'static str,
    pub rules: &'static str,
    /// Extensions of the files whose findings the row is about (`*`: any file).
    pub files: &'static str,
    pub advisory: &'static str,
    pub why: &'static str,
}

/// The rows of the join table.
pub fn joins() -> impl Iterator<Item = LoaderJoin> {
    JOINS
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut columns = line.split('\t');
            Some(LoaderJoin {
                loader: columns.next()?.trim(),
                fixed_in: columns.next()?.trim(),
                rules: columns.next()?.trim(),
                files: columns.next()?.trim(),
                advisory: columns.next()?.trim(),
                why: columns.next()?.trim(),
            })
        })
}

fn raised(severity: Severity) -> Severity {
    match severity {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        Severity::High | Severity::Critical => Severity::Critical,
        Severity::Unknown => Severity::Unknown,
    }
}

/// The project directory a file that names a loader belongs to: its own directory, or for a
/// package installed in an environment (`proj/.venv/lib/python3.12/site-packages/…`) the
/// directory holding the environment. `""` is the scanned root.
fn project_of(path: &str) -> &str {
    let segments: Vec<&str> = path.split('/').collect();
    let directory = match segments
        .iter()
        .position(|segment| matches!(*segment, "site-packages" | "dist-packages"))
    {
        Some(at) => {
            // Up from site-packages: `pythonX.Y`, then `lib`/`lib64`/`Lib`, then the
            // environment itself.
            let mut end = at;
            if end > 0
                && segments
                    .get(end - 1)
                    .is_some_and(|segment| segment.starts_with("python"))
            {
                end -= 1;
            }
            if end > 0
                && segments
                    .get(end - 1)
                    .is_some_and(|segment| matches!(*segment, "lib" | "lib64" | "Lib"))
            {
                end -= 1;
            }
            end.saturating_sub(1)
        }
        None => segments.len().saturating_sub(1),
    };
    let length: usize = segments
        .iter()
        .take(directory)
        .map(|segment| segment.len() + 1)
        .sum();
    path.get(..length.saturating_sub(1)).unwrap_or("")
}

/// True when `path` lies in the project directory `project`.
fn inside(project: &str, path: &str) -> bool {
    project.is_empty()
        || path == project
        || path
            .strip_prefix(project)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// One locked (or installed) version of a loader, in its project.
struct Lock {
    project: String,
    version: String,
    vulnerable: bool,
}

/// Raises and annotates `findings` by the loader versions locked in each model's project.
pub(super) fn apply(graph: &DependencyGraph, findings: &mut [Finding]) {
    for join in joins() {
        let Ok(fixed) = pep440_rs::Version::from_str(join.fixed_in) else {
            continue;
        };
        let locks: Vec<Lock> = graph
            .components()
            .filter(|component| {
                component.key.ecosystem == Ecosystem::PyPI
                    && component.key.name.normalized() == join.loader
            })
            .filter_map(|component| {
                let version = component.key.version.clone()?;
                let vulnerable =
                    pep440_rs::Version::from_str(&version).map_or(true, |parsed| parsed < fixed);
                Some(component.evidence.iter().map(move |evidence| Lock {
                    project: project_of(&evidence.location.path).to_owned(),
                    version: version.clone(),
                    vulnerable,
                }))
            })
            .flatten()
            .collect();
        if locks.is_empty() {
            continue;
        }
        let rules: Vec<&str> = join.rules.split(',').map(str::trim).collect();
        let files: Vec<&str> = join.files.split(',').map(str::trim).collect();
        for finding in findings.iter_mut() {
            if !rules.contains(&finding.rule.as_str()) {
                continue;
            }
            let path = finding
                .evidence
                .first()
                .map_or("", |location| location.path.as_str());
            let extension = std::path::Path::new(path)
                .extension()
                .and_then(|extension| extension.to_str())
                .map(str::to_ascii_lowercase)
                .unwrap_or_default();
            if !files.contains(&"*") && !files.contains(&extension.as_str()) {
                // The advisory is about another kind of file (an ONNX custom domain is not a
                // Keras config).
                continue;
            }
            let Some(nearest) = locks
                .iter()
                .filter(|lock| inside(&lock.project, path))
                .map(|lock| lock.project.len())
                .max()
            else {
                continue;
            };
            let here = locks
                .iter()
                .filter(|lock| lock.project.len() == nearest && inside(&lock.project, path));
            let mut vulnerable: Vec<&str> = Vec::new();
            let mut safe: Vec<&str> = Vec::new();
            for lock in here {
                if lock.vulnerable {
                    vulnerable.push(&lock.version);
                } else {
                    safe.push(&lock.version);
                }
            }
            vulnerable.sort_unstable();
            vulnerable.dedup();
            safe.sort_unstable();
            safe.dedup();
            if vulnerable.is_empty() {
                finding.message.push_str(&format!(
                    "; the project locks {} {}, which has the fix for {}: the severity stays \
                     what the file alone deserves (a lockfile never lowers a finding, and the \
                     code that loads the file may not take the fixed path)",
                    join.loader,
                    safe.join(", "),
                    join.advisory
                ));
            } else {
                finding.severity = raised(finding.severity);
                finding.message.push_str(&format!(
                    "; the project locks {} {} ({}): {}",
                    join.loader,
                    vulnerable.join(", "),
                    join.advisory,
                    join.why
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_join_has_an_advisory_and_a_version() {
        let rows: Vec<LoaderJoin> = joins().collect();
        assert_eq!(rows.len(), 7);
        for row in rows {
            assert!(row.advisory.starts_with("CVE-") || row.advisory.starts_with("GHSA-"));
            assert!(
                pep440_rs::Version::from_str(row.fixed_in).is_ok(),
                "{row:?}"
            );
            assert!(!row.files.is_empty() && !row.why.is_empty(), "{row:?}");
            for rule in row.rules.split(',') {
                assert!(
                    super::super::RuleId::ALL
                        .iter()
                        .any(|id| id.as_str() == rule),
                    "{rule}"
                );
            }
        }
        assert_eq!(raised(Severity::High), Severity::Critical);
    }

    #[test]
    fn a_lock_belongs_to_its_directory_and_an_environment_to_the_folder_holding_it() {
        assert_eq!(project_of("requirements.txt"), "");
        assert_eq!(project_of("a/b/uv.lock"), "a/b");
        assert_eq!(
            project_of("a/.venv/lib/python3.12/site-packages/torch-2.5.1.dist-info/METADATA"),
            "a"
        );
        assert_eq!(
            project_of(".venv/lib/python3.12/site-packages/torch-2.5.1.dist-info/METADATA"),
            ""
        );
        assert_eq!(
            project_of("env/Lib/site-packages/torch-2.5.1.dist-info/METADATA"),
            ""
        );
        assert!(inside("", "m/model.pkl"));
        assert!(inside("a", "a/m/model.pkl"));
        assert!(inside("a", "a"));
        assert!(!inside("a", "ab/model.pkl"));
        assert!(!inside("a/b", "a/model.pkl"));
    }
}
