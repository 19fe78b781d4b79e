//! What the MCP rules share: which components are servers, how a server is named in a message,
//! and where its config file is.

use crate::component::{Component, ComponentKind, Source};
use crate::facts::McpServerFacts;
use crate::graph::DependencyGraph;
use crate::location::Location;

/// The MCP servers of the graph.
pub(super) fn servers(graph: &DependencyGraph) -> impl Iterator<Item = &Component> {
    graph
        .components()
        .filter(|component| component.kind == ComponentKind::McpServer)
}

/// The servers a client would start (not disabled in their config).
pub(super) fn enabled_servers(graph: &DependencyGraph) -> impl Iterator<Item = &Component> {
    servers(graph).filter(|component| !server_facts(component).is_some_and(|facts| facts.disabled))
}

/// What the config says about a server.
pub(super) fn server_facts(component: &Component) -> Option<&McpServerFacts> {
    component.facts.mcp_server.as_deref()
}

/// `MCP server `github` (claude-code)`.
pub(super) fn label(component: &Component) -> String {
    let facts = server_facts(component);
    let name = facts
        .and_then(|facts| facts.name.clone())
        .unwrap_or_else(|| component.key.name.original().to_owned());
    match facts.and_then(|facts| facts.client.as_ref()) {
        Some(client) => format!("MCP server `{name}` ({client})"),
        None => format!("MCP server `{name}`"),
    }
}

/// The config file that declares the component.
pub(super) fn config_path(component: &Component) -> Option<&str> {
    match &component.key.source {
        Source::File { path } => Some(path),
        _ => None,
    }
}

/// Where the server is declared in its own config (other files, such as a settings file that
/// approves it, also give evidence; these findings are about the declaration).
pub(super) fn declaration(component: &Component) -> Vec<Location> {
    let own: Vec<Location> = component
        .evidence
        .iter()
        .map(|evidence| evidence.location.clone())
        .filter(|location| Some(location.path.as_str()) == config_path(component))
        .collect();
    if own.is_empty() {
        component
            .evidence
            .iter()
            .map(|evidence| evidence.location.clone())
            .collect()
    } else {
        own
    }
}
