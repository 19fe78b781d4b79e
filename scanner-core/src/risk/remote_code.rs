//! `remote-code-required`: a model whose config maps classes to Python code (`auto_map`), which
//! `transformers` runs only with `trust_remote_code=True`. Code in another hub repository (the
//! `org/repo--module.Class` form) is not even part of the model's snapshot and can change
//! under it: that, or a module file missing from the directory, is high; code shipped beside
//! the weights is medium.

use super::{Finding, RuleId, Severity};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(card) = component.facts.model_card.as_deref() else {
            continue;
        };
        if card.remote_code.is_empty() {
            continue;
        }
        let mut elsewhere = false;
        let mut parts: Vec<String> = Vec::new();
        for entry in &card.remote_code {
            let place = match (&entry.repository, entry.module_present) {
                (Some(repository), _) => {
                    elsewhere = true;
                    format!("from the repository `{repository}`")
                }
                (None, Some(false)) => {
                    elsewhere = true;
                    format!("`{}` is not in the model directory", entry.module_file)
                }
                (None, _) => format!("`{}`", entry.module_file),
            };
            let part = format!("{} → `{}` ({place})", entry.auto_class, entry.reference);
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        let mut finding = Finding::new(
            graph,
            RuleId::RemoteCodeRequired,
            &component.key,
            format!(
                "`{}` needs trust_remote_code: loading it runs Python code: {}",
                component.key.name,
                parts.join(", ")
            ),
        );
        finding.severity = if elsewhere {
            Severity::High
        } else {
            Severity::Medium
        };
        let mut locations: Vec<_> = card
            .remote_code
            .iter()
            .map(|entry| entry.location.clone())
            .collect();
        locations.sort();
        locations.dedup();
        finding.evidence = locations;
        findings.push(finding);
    }
    findings
}
