//! Claude Code's own files besides `.mcp.json`: `~/.claude.json` (user-scope `mcpServers`, and
//! local-scope servers under `projects.PATH.mcpServers`) and `.claude/settings.json` /
//! `.claude/settings.local.json`, whose `permissions.allow` entries `mcp__SERVER` and
//! `mcp__SERVER__TOOL` let tools run without asking, and whose `enableAllProjectMcpServers` /
//! `enabledMcpjsonServers` start the project's `.mcp.json` servers without the approval prompt.
//!
//! An approval is put on the server it names: the project's `.mcp.json` server when that file
//! defines it (read through the input's file reader, inside the scan root), else a server entry
//! of the settings file itself, marked as defined elsewhere.

use std::collections::BTreeMap;

use super::{project_directory, read_servers, server_key, tree, wrong_type, Client, ConfigFile};
use crate::component::{Component, ComponentKind};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Placed,
    Sample, Syntax,
};
use crate::facts::mcp::{AutoApprove, McpServerFacts};
use crate::location::{Evidence, Location};

const ID: ExtractorId = "mcp/claude-code-settings";

/// Reads `~/.claude.json` and `.claude/settings*.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaudeCodeSettingsExtractor;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Claude Code user config (~/.claude.json) and settings (.claude/settings*.json): servers, allowed MCP tools, hooks, helpers, permissions and env",
    FileMatch::Placed(&[
        Placed {
            names: &[".claude.json"],
            parents: &[],
        },
        Placed {
            names: &["settings.json", "settings.local.json"],
            parents: &[".claude"],
        },
    ]),
    &ClaudeCodeSettingsExtractor,
)
.max_bytes(super::CONFIG_READ_LIMIT)
.fuzzed_as("claude_code_settings", &[Sample::new(".claude/settings.json", Syntax::Jsonc)]);

impl Parse for ClaudeCodeSettingsExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = tree::parse_jsonc(input.path, input.bytes)?;
        let mut extraction = Extraction::default();
        let mut servers = read_servers(
            root.get("mcpServers"),
            None,
            input.path,
            &mut extraction.diagnostics,
        );
        let projects = root.get("projects");
        if let Some(projects) = projects.filter(|projects| !is_object_or_null(projects)) {
            extraction.diagnostics.push(wrong_type(
                input.path,
                projects,
                "`projects`",
                "an object of project settings",
            ));
        }
        for (project, settings) in projects.map(tree::Node::members).unwrap_or_default() {
            if !is_object_or_null(settings) {
                extraction.diagnostics.push(wrong_type(
                    input.path,
                    settings,
                    &format!("the settings of project `{project}`"),
                    "an object",
                ));
                continue;
            }
            servers.extend(read_servers(
                settings.get("mcpServers"),
                Some(project),
                input.path,
                &mut extraction.diagnostics,
            ));
        }
        let config = ConfigFile {
            input,
            extractor: ID,
            client: Client::ClaudeCode,
            project_directory: project_directory(input.path),
            global_auto_approve: None,
        };
        let approvals = approvals(&root, &config, &mut extraction);
        super::build(&config, servers, &mut extraction);
        extraction.components.extend(approvals);
        // Hooks, helper commands, permission modes and `env`: the agent layer's settings.
        crate::extract::agent::settings::claude_code(input, ID, &root, &mut extraction);
        Ok(extraction)
    }
}

/// Approvals by server name: the settings that grant them, the first line, the tools.
#[derive(Debug, Default)]
struct Approval {
    line: u32,
    settings: Vec<String>,
    tools: Vec<String>,
}

fn approvals(
    root: &tree::Node,
    config: &ConfigFile<'_, '_>,
    extraction: &mut Extraction,
) -> Vec<Component> {
    let mut by_server: BTreeMap<String, Approval> = BTreeMap::new();
    let mut add = |server: &str, line: u32, setting: &str, tool: Option<&str>| {
        let approval = by_server
            .entry(server.to_owned())
            .or_insert_with(|| Approval {
                line,
                ..Approval::default()
            });
        if !approval.settings.iter().any(|known| known == setting) {
            approval.settings.push(setting.to_owned());
        }
        if let Some(tool) = tool {
            if !approval.tools.iter().any(|known| known == tool) {
                approval.tools.push(tool.to_owned());
            }
        }
    };
    let path = config.input.path;
    let permissions = root.get("permissions");
    if let Some(permissions) = permissions.filter(|permissions| !is_object_or_null(permissions)) {
        extraction
            .diagnostics
            .push(wrong_type(path, permissions, "`permissions`", "an object"));
    }
    let allowed = strings_of(
        permissions.and_then(|permissions| permissions.get("allow")),
        "`permissions.allow`",
        path,
        &mut extraction.diagnostics,
    );
    for entry in allowed {
        let Some(rule) = entry.as_str() else { continue };
        let Some(rest) = rule.trim().strip_prefix("mcp__") else {
            continue;
        };
        let (server, tool) = match rest.split_once("__") {
            Some((server, tool)) => (server, if tool.is_empty() { "*" } else { tool }),
            None => (rest, "*"),
        };
        if !server.is_empty() {
            add(server, entry.line, "permissions.allow", Some(tool));
        }
    }
    // The project's `.mcp.json`, to tie approvals to the servers it defines.
    let project = project_directory(config.input.path);
    let mcp_json = join_path(if project.is_empty() { "." } else { &project }, ".mcp.json");
    let mcp_json = mcp_json.strip_prefix("./").unwrap_or(&mcp_json).to_owned();
    let project_servers: Vec<String> = config
        .input
        .files
        .read(&mcp_json)
        .ok()
        .and_then(|bytes| tree::parse_jsonc(&mcp_json, &bytes).ok())
        .map(|parsed| {
            parsed
                .get("mcpServers")
                .map(tree::Node::members)
                .unwrap_or_default()
                .iter()
                .map(|(name, _)| name.clone())
                .collect()
        })
        .unwrap_or_default();
    if let Some(setting) = root.get("enableAllProjectMcpServers") {
        match setting.as_bool() {
            Some(true) => {
                for server in &project_servers {
                    add(
                        server,
                        setting.line,
                        "enableAllProjectMcpServers: true",
                        None,
                    );
                }
            }
            Some(false) => {}
            None if matches!(setting.value, tree::Value::Null) => {}
            // Claude Code's reading of a value it does not expect is unknown: say so rather
            // than take it for `false`.
            None => extraction.diagnostics.push(wrong_type(
                path,
                setting,
                "`enableAllProjectMcpServers`",
                "true or false",
            )),
        }
    }
    for entry in strings_of(
        root.get("enabledMcpjsonServers"),
        "`enabledMcpjsonServers`",
        path,
        &mut extraction.diagnostics,
    ) {
        if let Some(server) = entry.as_str() {
            add(server, entry.line, "enabledMcpjsonServers", None);
        }
    }

    let mut components = Vec::new();
    for (server, approval) in by_server {
        let defined_in_project = project_servers.contains(&server);
        let home = if defined_in_project {
            mcp_json.as_str()
        } else {
            config.input.path
        };
        let Some(key) = server_key(home, None, &server) else {
            continue;
        };
        let mut component =
            Component::new(key.clone(), ComponentKind::McpServer).with_evidence(Evidence {
                location: Location::line(config.input.path, approval.line),
                extractor: ID,
            });
        component.facts.mcp_server = Some(Box::new(McpServerFacts {
            client: Some(Client::ClaudeCode.into()),
            // Not in the project's .mcp.json: user scope or another config.
            defined_elsewhere: !defined_in_project,
            auto_approve: Some(AutoApprove {
                line: approval.line,
                setting: approval.settings.join(", "),
                tools: approval.tools,
            }),
            ..McpServerFacts::default()
        }));
        extraction.roots.push(key);
        components.push(component);
    }
    components
}

fn is_object_or_null(node: &tree::Node) -> bool {
    node.is_object() || matches!(node.value, tree::Value::Null)
}

/// The items of the list `node` (named `what` in messages). A value that is not a list is one
/// warning, and so are all the items that are not strings together (a list of a million numbers
/// is one warning, not a million): an approval list airlock could not read must not look empty.
fn strings_of<'n>(
    node: Option<&'n tree::Node>,
    what: &str,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> &'n [tree::Node] {
    let Some(node) = node else { return &[] };
    let items = match &node.value {
        tree::Value::Array(items) => items,
        tree::Value::Null => return &[],
        _ => {
            diagnostics.push(wrong_type(path, node, what, "an array of strings"));
            return &[];
        }
    };
    let mut others = items.iter().filter(|item| item.as_str().is_none());
    if let Some(first) = others.next() {
        diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            Location::line(path, first.line),
            format!(
                "{} of the entries of {what} are not strings (the first, here, is {}); they were not read",
                1 + others.count(),
                first.kind()
            ),
        ));
    }
    items
}
