//! `installed-file-modified`: a file of an installed Python package is not what its `RECORD`
//! says was installed (another hash or size), or is gone. One finding per file, naming it:
//! a patched `.py` in `site-packages` is how a compromised environment hides.

use super::{Finding, RuleId};
use crate::facts::installed::{FileProblemKind, Integrity};
use crate::graph::DependencyGraph;
use crate::location::Location;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(Integrity::Checked { problems, .. }) = component
            .facts
            .installed
            .as_deref()
            .and_then(|installed| installed.integrity.as_ref())
        else {
            continue;
        };
        for problem in problems {
            let what = match &problem.problem {
                FileProblemKind::Modified { expected, found } => {
                    format!("does not match its RECORD (listed {expected}, found {found})")
                }
                FileProblemKind::Missing => "is listed in its RECORD but missing".to_owned(),
                FileProblemKind::Unverifiable { .. } => continue,
                FileProblemKind::Unlisted => "is not listed in its RECORD".to_owned(),
            };
            let mut finding = Finding::new(
                graph,
                RuleId::InstalledFileModified,
                &component.key,
                format!(
                    "`{}` of the installed package `{} {}` {what}",
                    problem.path,
                    component.key.name,
                    component.key.version.as_deref().unwrap_or("?")
                ),
            );
            finding.evidence = vec![Location::file(problem.path.clone())];
            findings.push(finding);
        }
    }
    findings
}
