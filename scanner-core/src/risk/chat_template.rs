//! `unsafe-chat-template`: a model's chat template (GGUF metadata, `tokenizer_config.json`,
//! `chat_template.jinja`) holds a Jinja sandbox-escape pattern
//! ([`crate::extract::model::chat_template`]): a loader rendering it outside the sandbox runs
//! what it reaches (CVE-2024-34359), and inside it the pattern has no ordinary use. Critical,
//! with each pattern and its line. A template airlock could not inspect to its end is medium:
//! what follows is unknown.

use super::{Finding, RuleId, Severity};
use crate::graph::DependencyGraph;
use crate::location::Location;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let path = match &component.key.source {
            crate::component::Source::File { path } => path.clone(),
            other => other.to_string(),
        };
        for template in &component.facts.chat_templates {
            let where_ = match template.origin.as_str() {
                "file" => format!("`{path}`"),
                origin => format!("`{origin}` in `{path}`"),
            };
            let mut evidence = vec![Location {
                path: path.clone(),
                line: template.line,
                column: None,
            }];
            if !template.hazards.is_empty() {
                let patterns: Vec<String> = template
                    .hazards
                    .iter()
                    .map(|hazard| format!("template line {}: {}", hazard.line, hazard.what))
                    .collect();
                let mut finding = Finding::new(
                    graph,
                    RuleId::UnsafeChatTemplate,
                    &component.key,
                    format!(
                        "the chat template {where_} reaches Python internals a loader runs when it renders the template: {}",
                        patterns.join("; ")
                    ),
                );
                // A `.jinja` file's template lines are the file's lines.
                if template.origin == "file" {
                    evidence = template
                        .hazards
                        .iter()
                        .map(|hazard| Location::line(path.clone(), hazard.line))
                        .collect();
                    evidence.dedup();
                }
                finding.evidence = evidence;
                findings.push(finding);
            } else if let Some(reason) = &template.incomplete {
                let mut finding = Finding::new(
                    graph,
                    RuleId::UnsafeChatTemplate,
                    &component.key,
                    format!(
                        "the chat template {where_} was not inspected to its end, so it is not known to be safe: {reason}"
                    ),
                );
                finding.severity = Severity::Medium;
                finding.evidence = evidence;
                findings.push(finding);
            }
        }
    }
    findings
}
