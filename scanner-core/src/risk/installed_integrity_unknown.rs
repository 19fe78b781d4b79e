//! `installed-integrity-unknown`: airlock could not tell whether an installed Python package's
//! files are the ones installed — its `RECORD` is missing or unreadable (a legacy egg-info
//! install has none), or lists files it could not check. Fail closed: never reported clean.

use super::{Finding, RuleId};
use crate::facts::installed::{FileProblemKind, Integrity};
use crate::graph::DependencyGraph;
use crate::location::Location;

/// Files named in one finding before "and N more".
const SHOWN: usize = 5;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(integrity) = component
            .facts
            .installed
            .as_deref()
            .and_then(|installed| installed.integrity.as_ref())
        else {
            continue;
        };
        let package = format!(
            "{} {}",
            component.key.name,
            component.key.version.as_deref().unwrap_or("?")
        );
        match integrity {
            Integrity::Unknown { reason, location } => {
                let mut finding = Finding::new(
                    graph,
                    RuleId::InstalledIntegrityUnknown,
                    &component.key,
                    format!("the files of the installed package `{package}` cannot be verified: {reason}"),
                );
                finding.evidence = vec![location.clone()];
                findings.push(finding);
            }
            Integrity::Checked { problems, .. } => {
                let unverifiable: Vec<(&str, &str)> = problems
                    .iter()
                    .filter_map(|problem| match &problem.problem {
                        FileProblemKind::Unverifiable { reason } => {
                            Some((problem.path.as_str(), reason.as_str()))
                        }
                        FileProblemKind::Modified { .. }
                        | FileProblemKind::Missing
                        | FileProblemKind::Unlisted => None,
                    })
                    .collect();
                if unverifiable.is_empty() {
                    continue;
                }
                let shown: Vec<String> = unverifiable
                    .iter()
                    .take(SHOWN)
                    .map(|(path, reason)| format!("`{path}` ({reason})"))
                    .collect();
                let more = unverifiable.len().saturating_sub(SHOWN);
                let mut finding =
                    Finding::new(
                        graph,
                        RuleId::InstalledIntegrityUnknown,
                        &component.key,
                        format!(
                        "files of the installed package `{package}` could not be verified: {}{}",
                        shown.join(", "),
                        if more > 0 { format!(" and {more} more") } else { String::new() }
                    ),
                    );
                finding.evidence = unverifiable
                    .iter()
                    .map(|(path, _)| Location::file(*path))
                    .collect();
                findings.push(finding);
            }
        }
    }
    findings
}
