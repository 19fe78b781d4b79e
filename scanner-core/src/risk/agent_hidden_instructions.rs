//! `agent-hidden-instructions`: an instruction or skill file (`AGENTS.md`, `CLAUDE.md`,
//! `.cursorrules`, `SKILL.md`, …) that hides text from the person reviewing it (Unicode tag
//! characters, decoded and quoted; zero-width and bidirectional characters) or tells the model
//! to ignore its instructions, conceal what it does, or fetch and follow remote content. The
//! client loads these files as instructions, so they steer every session.

use super::agent_common::{agent_components, at_line, label};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    agent_components(graph)
        .filter_map(|(component, facts)| {
            let found = facts.hidden_instructions.as_ref()?;
            let mut parts = Vec::new();
            if !found.invisible.is_empty() {
                parts.push(format!(
                    "invisible characters {}",
                    found.invisible.join(", ")
                ));
            }
            if let Some(decoded) = &found.decoded_tags {
                parts.push(format!(
                    "tag characters spelling \"{}\"",
                    decoded.escape_debug()
                ));
            }
            if !found.directives.is_empty() {
                let quoted: Vec<String> = found
                    .directives
                    .iter()
                    .map(|directive| format!("\"{}\"", directive.escape_debug()))
                    .collect();
                parts.push(format!(
                    "text addressed to the model: {}",
                    quoted.join(", ")
                ));
            }
            Some(at_line(
                graph,
                RuleId::AgentHiddenInstructions,
                component,
                found.line,
                format!(
                    "{} hides instructions: {}; read the file as the model would before using it",
                    label(component, facts),
                    parts.join("; ")
                ),
            ))
        })
        .collect()
}
