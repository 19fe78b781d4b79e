//! What the cross-server rules share: the servers one client session sees together, each with
//! the tools declared for it.
//!
//! A client scope is one client's project config file (`.mcp.json`, `.cursor/mcp.json`, …)
//! together with that client's user-scope files in the same scan (`~/.claude.json`, Claude
//! Desktop's, Windsurf's, Cline's, VS Code's user `mcp.json`, Zed's and Goose's user settings):
//! a session in the project loads both, and a project server replaces a user server of the same
//! name. A client with user-scope files only is one scope. Disabled servers and approvals of
//! servers defined elsewhere take no part. Tools join a server by name: a saved tool list says
//! whose tools it holds (`ToolFacts::server`: its `serverInfo`, or `SERVER.tools.json`), and a
//! server of that name in any scope of the scan gets them.

use std::collections::BTreeMap;

use super::mcp_common::{config_path, enabled_servers, server_facts};
use crate::component::{Component, ComponentKind};
use crate::graph::DependencyGraph;
use crate::location::Location;

/// Whether a config file applies to every project of the user or to the project it lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum ConfigScope {
    /// A file of the user's home directory that only exists there.
    User,
    /// A file of a project (or a name both scopes use: `.cursor/mcp.json`,
    /// `.gemini/settings.json`, `.codex/config.toml`, read as the project's).
    Project,
}

/// The scope of the config file at `path`, by its name: files that exist only in a home
/// directory are user scope, every other config is the project's.
pub(super) fn config_scope(path: &str) -> ConfigScope {
    let path = path.replace('\\', "/");
    let file_name = path.rsplit('/').next().unwrap_or(&path);
    let parent = path
        .rsplit('/')
        .nth(1)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let user = matches!(
        file_name,
        ".claude.json"
            | "claude_desktop_config.json"
            | "mcp_config.json"
            | "cline_mcp_settings.json"
    ) || path.ends_with("Code/User/mcp.json")
        || (file_name == "settings.json" && parent == "zed")
        || (file_name == "config.yaml" && parent == "goose");
    if user {
        ConfigScope::User
    } else {
        ConfigScope::Project
    }
}

/// A server as a client scope sees it.
#[derive(Debug, Clone)]
pub(super) struct ScopedServer<'g> {
    pub(super) component: &'g Component,
    /// The name as written in the config.
    pub(super) name: String,
    /// The config file that declares it.
    pub(super) file: String,
    pub(super) scope: ConfigScope,
    /// The tools declared for it, in graph order.
    pub(super) tools: Vec<&'g Component>,
}

/// The servers one client session sees.
#[derive(Debug, Clone)]
pub(super) struct ClientScope<'g> {
    /// The client (`claude-code`).
    pub(super) client: String,
    /// The config files, the project's first.
    pub(super) files: Vec<String>,
    pub(super) servers: Vec<ScopedServer<'g>>,
}

impl ClientScope<'_> {
    /// `claude-code (.mcp.json + home/.claude.json)`.
    pub(super) fn label(&self) -> String {
        format!("{} ({})", self.client, self.files.join(" + "))
    }
}

/// The name a server is written with.
pub(super) fn server_name(component: &Component) -> String {
    server_facts(component)
        .and_then(|facts| facts.name.clone())
        .unwrap_or_else(|| {
            let name = component.key.name.original();
            name.rsplit('/').next().unwrap_or(name).to_owned()
        })
}

/// How names are compared: white space as `-`, case folded.
pub(super) fn folded(name: &str) -> String {
    crate::name::dashed(name.trim())
        .collect::<String>()
        .to_lowercase()
}

/// The name a tool is declared with.
pub(super) fn tool_name(tool: &Component) -> &str {
    tool.key.name.original()
}

/// Where a tool is declared.
pub(super) fn tool_location(tool: &Component) -> Vec<Location> {
    tool.evidence
        .iter()
        .map(|evidence| evidence.location.clone())
        .collect()
}

/// The tools of the graph by the folded name of the server they are declared for.
fn tools_by_server(graph: &DependencyGraph) -> BTreeMap<String, Vec<&Component>> {
    let mut by_server: BTreeMap<String, Vec<&Component>> = BTreeMap::new();
    for tool in graph
        .components()
        .filter(|component| component.kind == ComponentKind::AgentTool)
    {
        if let Some(server) = tool
            .facts
            .tool
            .as_ref()
            .and_then(|facts| facts.server.as_deref())
        {
            by_server.entry(folded(server)).or_default().push(tool);
        }
    }
    by_server
}

/// Every server a client would start, with its client, file and scope.
pub(super) fn scoped_servers(graph: &DependencyGraph) -> Vec<(String, ScopedServer<'_>)> {
    let tools = tools_by_server(graph);
    enabled_servers(graph)
        .filter_map(|component| {
            let facts = server_facts(component)?;
            if facts.defined_elsewhere {
                return None;
            }
            let client = facts.client.as_ref()?.to_string();
            let file = config_path(component)?.to_owned();
            let name = server_name(component);
            Some((
                client,
                ScopedServer {
                    component,
                    scope: config_scope(&file),
                    tools: tools.get(&folded(&name)).cloned().unwrap_or_default(),
                    name,
                    file,
                },
            ))
        })
        .collect()
}

/// The client scopes of the graph, by client then project file.
pub(super) fn client_scopes(graph: &DependencyGraph) -> Vec<ClientScope<'_>> {
    let mut by_client: BTreeMap<String, BTreeMap<(ConfigScope, String), Vec<ScopedServer<'_>>>> =
        BTreeMap::new();
    for (client, server) in scoped_servers(graph) {
        by_client
            .entry(client)
            .or_default()
            .entry((server.scope, server.file.clone()))
            .or_default()
            .push(server);
    }
    let mut scopes = Vec::new();
    for (client, files) in by_client {
        let user: Vec<(&String, &Vec<ScopedServer<'_>>)> = files
            .iter()
            .filter(|((scope, _), _)| *scope == ConfigScope::User)
            .map(|((_, file), servers)| (file, servers))
            .collect();
        let projects: Vec<(&String, &Vec<ScopedServer<'_>>)> = files
            .iter()
            .filter(|((scope, _), _)| *scope == ConfigScope::Project)
            .map(|((_, file), servers)| (file, servers))
            .collect();
        if projects.is_empty() {
            scopes.push(combine(&client, None, &user));
        } else {
            scopes.extend(
                projects
                    .iter()
                    .map(|project| combine(&client, Some(*project), &user)),
            );
        }
    }
    scopes
}

/// A config file's servers as the session sees them: `first` (a project file), then every
/// user-scope file; the first file to name a server wins, the project's over the user's.
#[allow(clippy::type_complexity)]
fn combine<'g>(
    client: &str,
    first: Option<(&String, &Vec<ScopedServer<'g>>)>,
    user: &[(&String, &Vec<ScopedServer<'g>>)],
) -> ClientScope<'g> {
    let mut scope = ClientScope {
        client: client.to_owned(),
        files: Vec::new(),
        servers: Vec::new(),
    };
    for (file, servers) in first.into_iter().chain(user.iter().copied()) {
        scope.files.push(file.clone());
        for server in servers {
            if !scope
                .servers
                .iter()
                .any(|known| folded(&known.name) == folded(&server.name))
            {
                scope.servers.push(server.clone());
            }
        }
    }
    scope
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_scope_files_are_those_only_a_home_directory_has() {
        for user in [
            "home/.claude.json",
            "/home/dev/.config/Claude/claude_desktop_config.json",
            ".codeium/windsurf/mcp_config.json",
            "x/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
            "AppData/Roaming/Code/User/mcp.json",
            ".config/zed/settings.json",
            ".config/goose/config.yaml",
            "C:\\Users\\dev\\.claude.json",
        ] {
            assert_eq!(config_scope(user), ConfigScope::User, "{user}");
        }
        for project in [
            ".mcp.json",
            "app/.cursor/mcp.json",
            ".vscode/mcp.json",
            ".zed/settings.json",
            ".gemini/settings.json",
            ".codex/config.toml",
        ] {
            assert_eq!(config_scope(project), ConfigScope::Project, "{project}");
        }
    }
}
