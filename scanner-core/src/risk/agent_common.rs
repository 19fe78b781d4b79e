//! What the agent-layer rules share: the components that carry agent facts (hooks, settings
//! files, instruction files), how they are named in a message, and one finding per judged
//! setting with its line.

use super::{Finding, RuleId};
use crate::component::{Component, ComponentKind, Source};
use crate::facts::agent::{AgentFacts, SettingConcern};
use crate::graph::DependencyGraph;
use crate::location::Location;

/// Components with agent facts, with them.
pub(super) fn agent_components(
    graph: &DependencyGraph,
) -> impl Iterator<Item = (&Component, &AgentFacts)> {
    graph.components().filter_map(|component| {
        let facts = component.facts.agent.as_deref()?;
        matches!(
            component.kind,
            ComponentKind::AgentHook
                | ComponentKind::AgentSettings
                | ComponentKind::AgentInstructions
        )
        .then_some((component, facts))
    })
}

/// The file that declares the component.
pub(super) fn path(component: &Component) -> Option<&str> {
    match &component.key.source {
        Source::File { path } => Some(path),
        _ => None,
    }
}

/// `hook `sessionstart-hook-1` (claude-code)`, `CLAUDE.md`, `settings .claude/settings.json`.
pub(super) fn label(component: &Component, facts: &AgentFacts) -> String {
    let client = facts
        .client
        .as_deref()
        .map(|client| format!(" ({client})"))
        .unwrap_or_default();
    match component.kind {
        ComponentKind::AgentHook => {
            let event = facts.event.as_deref().unwrap_or("hook");
            format!("{event} hook{client} in {}", path(component).unwrap_or("?"))
        }
        ComponentKind::AgentInstructions => {
            format!("instruction file {}", path(component).unwrap_or("?"))
        }
        _ => format!("agent settings{client} {}", path(component).unwrap_or("?")),
    }
}

/// A finding at `line` of the component's file.
pub(super) fn at_line(
    graph: &DependencyGraph,
    rule: RuleId,
    component: &Component,
    line: u32,
    message: String,
) -> Finding {
    let mut finding = Finding::new(graph, rule, &component.key, message);
    if let Some(path) = path(component) {
        finding.evidence = vec![Location::line(path, line)];
    }
    finding
}

/// One finding per setting of `concern`, worded by `describe(setting, value)`.
pub(super) fn settings_findings(
    graph: &DependencyGraph,
    concern: SettingConcern,
    rule: RuleId,
    describe: fn(&str, &str) -> String,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (component, facts) in agent_components(graph) {
        for setting in facts
            .settings
            .iter()
            .filter(|setting| setting.concern == concern)
        {
            findings.push(at_line(
                graph,
                rule,
                component,
                setting.line,
                format!(
                    "{}: {}",
                    label(component, facts),
                    describe(&setting.setting, &setting.value)
                ),
            ));
        }
    }
    findings
}
