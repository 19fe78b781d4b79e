//! `mcp-auto-approved-tools`: the client config lets a server's tools run without asking
//! (Cline `autoApprove`, Roo `alwaysAllow`, Gemini CLI `trust: true`, Claude Code
//! `permissions.allow: ["mcp__…"]`, Zed `always_allow_tool_actions`, Codex
//! `approval_policy = "never"`, Goose `GOOSE_MODE: auto`), or starts a project's servers without
//! the approval prompt (Claude Code `enableAllProjectMcpServers`). A prompt injection in any
//! content the agent reads can then use those tools unseen.

use super::mcp_common::{enabled_servers, label, server_facts};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    enabled_servers(graph)
        .filter_map(|server| {
            let approval = server_facts(server)?.auto_approve.as_ref()?;
            let what = if approval.tools.is_empty() {
                "is started without asking".to_owned()
            } else if approval.tools.iter().any(|tool| tool == "*") {
                "has every tool run without asking".to_owned()
            } else {
                let tools: Vec<String> =
                    approval.tools.iter().map(|tool| format!("`{tool}`")).collect();
                format!("has tools run without asking: {}", tools.join(", "))
            };
            Some(Finding::new(
                graph,
                RuleId::McpAutoApprovedTools,
                &server.key,
                format!(
                    "{} {what} (`{}`, line {}); keep a person in the loop for tools that write, send or execute",
                    label(server),
                    approval.setting,
                    approval.line
                ),
            ))
        })
        .collect()
}
