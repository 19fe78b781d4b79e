//! `agent-hook-outside-project`: a hook or helper that runs a script outside the project (an
//! absolute path, the home directory, above the repository). The client runs it by itself on
//! its event (at session start, before every tool call); what it runs was not part of what was
//! reviewed and cannot be hashed.

use super::agent_common::{agent_components, at_line, label};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    agent_components(graph)
        .filter_map(|(component, facts)| {
            let script = facts.outside_project.as_deref()?;
            Some(at_line(
                graph,
                RuleId::AgentHookOutsideProject,
                component,
                facts.line.unwrap_or(1),
                format!(
                    "{} runs `{script}`, outside the project: it runs automatically and was not reviewed with the repository",
                    label(component, facts)
                ),
            ))
        })
        .collect()
}
