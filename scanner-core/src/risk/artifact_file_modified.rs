//! `artifact-file-modified`: a wheel or a vendored crate does not hold what its own file list
//! says — an entry of a wheel hashes differently from its `RECORD` row, a row has no entry, an
//! entry has no row; a file of a `cargo vendor` directory differs from its
//! `.cargo-checksum.json` line, is missing, or is not listed. One finding per file, naming it;
//! files that could not be checked (a cap, an algorithm airlock does not compute, a list that
//! cannot be read) are one finding per artifact saying so: never reported clean.

use super::{Finding, RuleId};
use crate::facts::installed::{FileProblemKind, Integrity};
use crate::graph::DependencyGraph;
use crate::location::Location;

/// Files named in one "could not be checked" finding before "and N more".
const SHOWN: usize = 5;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(artifact) = component.facts.artifact.as_deref() else {
            continue;
        };
        let Some(integrity) = &artifact.integrity else {
            continue;
        };
        let list = artifact.kind.file_list();
        let what = format!(
            "the {} `{} {}`",
            artifact.kind.as_str().replace('-', " "),
            component.key.name,
            component.key.version.as_deref().unwrap_or("?")
        );
        let new = |message: String, evidence: Vec<Location>| {
            let mut finding =
                Finding::new(graph, RuleId::ArtifactFileModified, &component.key, message);
            finding.evidence = evidence;
            finding
        };
        match integrity {
            Integrity::Unknown { reason, location } => findings.push(new(
                format!("the files of {what} cannot be verified: {reason}"),
                vec![location.clone()],
            )),
            Integrity::Checked { problems, .. } => {
                let mut unverifiable = Vec::new();
                for problem in problems {
                    let text = match &problem.problem {
                        FileProblemKind::Modified { expected, found } => {
                            format!("does not match its {list} (listed {expected}, found {found})")
                        }
                        FileProblemKind::Missing => format!("is listed in its {list} but missing"),
                        FileProblemKind::Unlisted => format!("is not listed in its {list}"),
                        FileProblemKind::Unverifiable { reason } => {
                            unverifiable.push(format!("`{}` ({reason})", problem.path));
                            continue;
                        }
                    };
                    findings.push(new(
                        format!("`{}` of {what} {text}", problem.path),
                        vec![Location::file(problem.path.clone())],
                    ));
                }
                if !unverifiable.is_empty() {
                    let more = unverifiable.len().saturating_sub(SHOWN);
                    unverifiable.truncate(SHOWN);
                    findings.push(new(
                        format!(
                            "files of {what} could not be verified: {}{}",
                            unverifiable.join(", "),
                            if more > 0 {
                                format!(" and {more} more")
                            } else {
                                String::new()
                            }
                        ),
                        vec![Location::file(artifact.path.clone())],
                    ));
                }
            }
        }
    }
    findings
}
