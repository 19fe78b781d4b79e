//! `mcp-shell-command`: a server command that hands a string to a shell (`sh -c`, `bash -c`,
//! `cmd /c`, `powershell -Command`) or pipes a download into one (`curl … | sh`). What runs is
//! then decided by the string and whatever it downloads, not by a package and version that can
//! be inventoried and matched against advisories.

use super::mcp_common::{declaration, enabled_servers, label, server_facts};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    enabled_servers(graph)
        .filter_map(|server| {
            let facts = server_facts(server)?;
            let reason = facts.shell.as_ref()?;
            let command = facts
                .command
                .as_ref()
                .map(|command| format!(" (`{command}`)"))
                .unwrap_or_default();
            let mut finding = Finding::new(
                graph,
                RuleId::McpShellCommand,
                &server.key,
                format!(
                    "{} {reason}{command}; run the server's own executable or a pinned package instead",
                    label(server)
                ),
            );
            finding.evidence = declaration(server);
            Some(finding)
        })
        .collect()
}
