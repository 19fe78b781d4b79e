//! `mcp-unpinned-server`: a server command that fetches its package anew at launch without one
//! exact version (`npx -y pkg`, `@latest`, `uvx pkg`, a container tag without a digest). Every
//! start of the client may then run code nobody reviewed: a takeover of the package or the tag
//! reaches the agent at its next launch.

use super::mcp_common::{declaration, enabled_servers, label, server_facts};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    enabled_servers(graph)
        .filter_map(|server| {
            let reason = server_facts(server)?.unpinned.as_ref()?;
            let mut finding = Finding::new(
                graph,
                RuleId::McpUnpinnedServer,
                &server.key,
                format!(
                    "{} runs {reason}; pin an exact version (`pkg@1.2.3`, `pkg==1.2.3`) or an image digest (`image@sha256:…`)",
                    label(server)
                ),
            );
            finding.evidence = declaration(server);
            Some(finding)
        })
        .collect()
}
