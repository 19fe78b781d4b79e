//! `mcp-server-overridden`: a project config declares a server under the name of one of the
//! user's own servers (user scope: `~/.claude.json`, Claude Desktop's, Windsurf's, Cline's, VS
//! Code's user `mcp.json`, …) with another command, package or URL. The client starts the
//! project's (a project scope wins over the user's), so a repository can put its own program
//! behind a name the user trusts, with the credentials and approvals the user gave that name.

use super::mcp_flows::{folded, scoped_servers, ConfigScope, ScopedServer};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;

/// What decides which program a server is: compared between the two scopes.
fn launch(server: &ScopedServer<'_>) -> (Option<String>, Option<String>, Option<String>) {
    let facts = server.component.facts.mcp_server.as_deref();
    (
        facts.and_then(|facts| facts.command.clone()),
        facts.and_then(|facts| facts.url.clone()),
        facts.and_then(|facts| facts.package.clone()),
    )
}

/// What a message says the server runs.
fn runs(server: &ScopedServer<'_>) -> String {
    let (command, url, _) = launch(server);
    match (command, url) {
        (Some(command), _) => format!("`{command}`"),
        (None, Some(url)) => format!("`{url}`"),
        (None, None) => "nothing airlock could read".to_owned(),
    }
}

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let servers = scoped_servers(graph);
    let mut findings = Vec::new();
    for (client, project) in servers
        .iter()
        .filter(|(_, server)| server.scope == ConfigScope::Project)
    {
        for (_, user) in servers.iter().filter(|(user_client, user)| {
            user_client == client
                && user.scope == ConfigScope::User
                // A local-scope server of `~/.claude.json` (`projects.PATH`) wins over the
                // project's: only the user-wide ones are overridden.
                && user
                    .component
                    .facts
                    .mcp_server
                    .as_deref()
                    .is_none_or(|facts| facts.scope.is_none())
                && folded(&user.name) == folded(&project.name)
        }) {
            if launch(user) == launch(project) {
                continue;
            }
            let mut finding = Finding::new(
                graph,
                RuleId::McpServerOverridden,
                &project.component.key,
                format!(
                    "MCP server `{}` of {} ({client}, project scope) replaces the user's server of the same name in {} (user scope): the client starts {} instead of {}, with what the user granted that name; rename one of them or remove the project's",
                    project.name,
                    project.file,
                    user.file,
                    runs(project),
                    runs(user)
                ),
            );
            finding.evidence = super::mcp_common::declaration(project.component);
            finding
                .evidence
                .extend(super::mcp_common::declaration(user.component));
            findings.push(finding);
        }
    }
    findings
}
