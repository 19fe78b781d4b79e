//! `pth-startup-code`: a line of a `.pth` file in `site-packages` that starts with `import`
//! is executed by the interpreter at every start, before any program runs — the persistence
//! trick of malicious packages. High when no installed package's `RECORD` lists the `.pth`;
//! low when one does (setuptools' `distutils-precedence.pth` is the common, legitimate case),
//! naming the package so it can be reviewed.

use super::{Finding, RuleId, Severity};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(installed) = component.facts.installed.as_deref() else {
            continue;
        };
        for line in &installed.startup_lines {
            let by = match &line.recorded_by {
                Some(directory) => format!("installed by `{directory}`"),
                None => "listed in no RECORD".to_owned(),
            };
            let mut finding = Finding::new(
                graph,
                RuleId::PthStartupCode,
                &component.key,
                format!(
                    "`{}` runs code at every interpreter start ({by}): `{}`",
                    line.location, line.text
                ),
            );
            if line.recorded_by.is_some() {
                finding.severity = Severity::Low;
            }
            finding.evidence = vec![line.location.clone()];
            findings.push(finding);
        }
    }
    findings
}
