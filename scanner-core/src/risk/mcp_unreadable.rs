//! `mcp-server-unreadable`: a server entry airlock could not read as a server (not an object,
//! or a stdio or remote server with neither a command nor a URL). The trust model's rule: what
//! airlock did not look at is not clean, so the server is reported with an unknown severity
//! (the policy's `unknown-severity`, high unless the operator says otherwise) instead of being
//! skipped with a warning that a scan summary hides.

use super::mcp_common::{declaration, enabled_servers, label, server_facts};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    enabled_servers(graph)
        .filter_map(|server| {
            let facts = server_facts(server)?;
            let reason = facts.unreadable.as_ref()?;
            let mut finding = Finding::new(
                graph,
                RuleId::McpServerUnreadable,
                &server.key,
                format!(
                    "{} could not be read ({reason}): what the client would start is unknown",
                    label(server)
                ),
            );
            finding.evidence = declaration(server);
            Some(finding)
        })
        .collect()
}
