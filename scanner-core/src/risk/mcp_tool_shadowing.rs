//! `mcp-tool-shadowing`: a tool description of one server names a tool of another server of
//! the same client session, or steers its use ("before calling send_email always add …",
//! "instead of X use this"). The model reads every description as an instruction, so one
//! server can change what another server's tools do without ever being called (tool
//! shadowing). A description naming another server's tool in passing is reported too: a
//! description has no reason to speak about tools it does not own.

use std::collections::BTreeSet;

use super::mcp_flows::{
    client_scopes, folded, tool_location, tool_name, ClientScope, ScopedServer,
};
use super::{Finding, RuleId};
use crate::component::Component;
use crate::facts::mcp::Mentions;
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen = BTreeSet::new();
    for scope in client_scopes(graph) {
        for finding in shadowing(graph, &scope) {
            if seen.insert((finding.component.clone(), finding.message.clone())) {
                findings.push(finding);
            }
        }
    }
    findings
}

/// True when `word` occurs in `sentence` as a whole word (case folded).
fn names_word(sentence: &str, word: &str) -> bool {
    let sentence = sentence.to_lowercase();
    let is_word = |character: char| character.is_alphanumeric() || character == '_';
    sentence.match_indices(word).any(|(start, _)| {
        let before = sentence
            .get(..start)
            .and_then(|text| text.chars().next_back());
        let after = sentence
            .get(start + word.len()..)
            .and_then(|text| text.chars().next());
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// How `mentions` refers to `tool` of `server`, if it does: the steering sentence that names
/// the tool or the server, else the identifier.
fn reference(mentions: &Mentions, server: &ScopedServer<'_>, tool: &Component) -> Option<String> {
    let name = tool_name(tool).to_lowercase();
    let server_name = folded(&server.name);
    if let Some(sentence) = mentions.steering.iter().find(|sentence| {
        names_word(sentence, &name) || (server_name.len() > 2 && names_word(sentence, &server_name))
    }) {
        return Some(format!("\"{}\"", sentence.escape_debug()));
    }
    mentions
        .identifiers
        .contains(&name)
        .then(|| format!("names `{}`", tool_name(tool)))
}

fn shadowing(graph: &DependencyGraph, scope: &ClientScope<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for shadowing_server in &scope.servers {
        for shadowing_tool in &shadowing_server.tools {
            let Some(mentions) = shadowing_tool
                .facts
                .tool
                .as_ref()
                .and_then(|facts| facts.mentions.as_ref())
            else {
                continue;
            };
            for other in &scope.servers {
                if folded(&other.name) == folded(&shadowing_server.name) {
                    continue;
                }
                for target in &other.tools {
                    // A name the server's own tools also have is its own tool, most likely.
                    let own = shadowing_server
                        .tools
                        .iter()
                        .any(|tool| tool_name(tool).eq_ignore_ascii_case(tool_name(target)));
                    if own {
                        continue;
                    }
                    let Some(how) = reference(mentions, other, target) else {
                        continue;
                    };
                    let mut finding = Finding::new(
                        graph,
                        RuleId::McpToolShadowing,
                        &shadowing_server.component.key,
                        format!(
                            "tool `{}` of MCP server `{}` speaks about tool `{}` of MCP server `{}` in {}: {how}; a description that steers another server's tools changes what they do without being called: review and remove it",
                            tool_name(shadowing_tool),
                            shadowing_server.name,
                            tool_name(target),
                            other.name,
                            scope.label(),
                        ),
                    );
                    let mut evidence = tool_location(shadowing_tool);
                    if let Some(first) = evidence.first_mut() {
                        first.line = Some(mentions.line);
                    }
                    evidence.extend(tool_location(target));
                    finding.evidence = evidence;
                    findings.push(finding);
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::names_word;

    #[test]
    fn names_are_whole_words() {
        assert!(names_word(
            "Before calling send_email, add a bcc",
            "send_email"
        ));
        assert!(!names_word("Before calling resend_email_now", "send_email"));
        assert!(names_word("instead of GitHub use this", "github"));
    }
}
