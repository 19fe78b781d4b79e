//! `tool-hidden-instructions`: a tool declaration whose description (or a parameter's) hides
//! text from the person reviewing it (Unicode tag characters that spell ASCII invisibly,
//! zero-width characters, bidirectional controls) or speaks to the model instead of describing
//! the tool (`<IMPORTANT>` blocks, "do not tell the user", reading `~/.ssh`). The model reads
//! descriptions as instructions: this is how tool poisoning works.

use super::{Finding, RuleId};
use crate::component::{ComponentKind, Source};
use crate::graph::DependencyGraph;
use crate::location::Location;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    graph
        .components()
        .filter(|component| component.kind == ComponentKind::AgentTool)
        .filter_map(|tool| {
            let found = tool.facts.tool.as_ref()?.hidden_instructions.as_ref()?;
            let mut parts = Vec::new();
            if !found.invisible.is_empty() {
                parts.push(format!("invisible characters {}", found.invisible.join(", ")));
            }
            if let Some(decoded) = &found.decoded_tags {
                parts.push(format!("tag characters spelling \"{decoded}\""));
            }
            if !found.directives.is_empty() {
                let quoted: Vec<String> = found
                    .directives
                    .iter()
                    .map(|directive| format!("\"{directive}\""))
                    .collect();
                parts.push(format!("text addressed to the model: {}", quoted.join(", ")));
            }
            let mut finding = Finding::new(
                graph,
                RuleId::ToolHiddenInstructions,
                &tool.key,
                format!(
                    "tool `{}` hides instructions in its declaration: {}; review the server before any model sees it",
                    tool.key.name,
                    parts.join("; ")
                ),
            );
            if let Source::File { path } = &tool.key.source {
                finding.evidence = vec![Location::line(path.clone(), found.line)];
            }
            Some(finding)
        })
        .collect()
}
