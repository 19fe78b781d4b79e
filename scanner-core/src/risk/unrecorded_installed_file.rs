//! `unrecorded-installed-file`: a Python source, path configuration file (`.pth`) or
//! executable lies in `site-packages` but no installed package's `RECORD` lists it. Installers
//! record every file they write; one nobody recorded was put there some other way. One finding
//! per file, naming it.

use super::{Finding, RuleId};
use crate::graph::DependencyGraph;
use crate::location::Location;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(installed) = component.facts.installed.as_deref() else {
            continue;
        };
        for path in &installed.unrecorded {
            let mut finding = Finding::new(
                graph,
                RuleId::UnrecordedInstalledFile,
                &component.key,
                format!(
                    "`{path}` lies in site-packages but no installed package's RECORD lists it"
                ),
            );
            finding.evidence = vec![Location::file(path.clone())];
            findings.push(finding);
        }
    }
    findings
}
