//! `mcp-literal-secret` for the agent layer: a literal secret in a hook's command, a settings
//! file's `env` block or an instruction file. The same rule id as in MCP server entries (an
//! agent config holds a secret instead of a reference); shown redacted only.

use super::agent_common::{agent_components, at_line, label};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (component, facts) in agent_components(graph) {
        for secret in &facts.literal_secrets {
            let redacted = secret.redacted.as_deref().unwrap_or("…");
            let place = secret
                .flag
                .as_deref()
                .map(|setting| format!(" in `{setting}`"))
                .unwrap_or_default();
            findings.push(at_line(
                graph,
                RuleId::McpLiteralSecret,
                component,
                secret.line,
                format!(
                    "{} holds a literal secret{place} (`{redacted}`); reference it from the environment and rotate it",
                    label(component, facts)
                ),
            ));
        }
    }
    findings
}
