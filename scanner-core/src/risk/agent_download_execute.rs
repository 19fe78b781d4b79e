//! `agent-download-execute`: a hook, helper command or instruction file that downloads code
//! and runs it (`curl … | sh`, `iwr … | iex`, `python -c` with a URL, a base64 payload piped
//! into a shell). What runs is whatever the server sends that day, on the developer's machine,
//! by the agent client itself: the way the 2025 worms persisted in coding-agent settings.

use super::agent_common::{agent_components, at_line, label};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (component, facts) in agent_components(graph) {
        for found in &facts.download_execute {
            let command = facts
                .command
                .as_deref()
                .map(|command| format!(" (`{command}`)"))
                .unwrap_or_default();
            findings.push(at_line(
                graph,
                RuleId::AgentDownloadExecute,
                component,
                found.line,
                format!(
                    "{} {}{command}; run a reviewed script from the repository instead",
                    label(component, facts),
                    found.reason
                ),
            ));
        }
    }
    findings
}
