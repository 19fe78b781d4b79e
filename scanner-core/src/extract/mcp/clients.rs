//! The agent clients whose config files differ only by data: where the file sits, its syntax,
//! where its server map is, which client it belongs to, how a server without a declared
//! transport is read, and which setting approves every tool at once. Each client is one
//! [`ClientConfig`] and one row of the format table; they all read servers through
//! `read_servers` and build them with `build` (in `mcp/mod.rs`). Claude Code's own settings
//! (scopes and tool approvals) and tool declarations have real parsers of their own.

use std::path::Path;

use super::{project_directory, read_servers, tree, Client, ConfigFile, CONFIG_READ_LIMIT};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Placed, Sample, Syntax,
};
use crate::facts::mcp::AutoApprove;

/// How one client's config file is read.
#[derive(Debug, Clone, Copy)]
pub struct ClientConfig {
    /// The id of the client's format row.
    pub id: ExtractorId,
    /// [`Syntax::Jsonc`], [`Syntax::Toml`] or [`Syntax::Yaml`].
    pub syntax: Syntax,
    /// Key paths of the server map; the first one present is read.
    pub servers_at: &'static [&'static [&'static str]],
    /// Which client the file belongs to.
    pub client: ClientOf,
    /// What a server that declares no transport is taken to use.
    pub transport_default: TransportDefault,
    /// Settings that approve every tool of every server in the file; the first one set wins.
    pub auto_approve: &'static [AutoApproveSetting],
    /// The agent-layer settings of the file (hooks, approval and sandbox modes, `env`), read
    /// by `extract/agent/settings.rs` after the servers.
    pub(crate) agent_settings: Option<AgentSettingsReader>,
}

/// Reads a client file's agent-layer settings into the extraction (`extract/agent/settings.rs`).
pub(crate) type AgentSettingsReader = fn(&Input<'_>, ExtractorId, &tree::Node, &mut Extraction);

/// Which client a config file belongs to.
#[derive(Debug, Clone, Copy)]
pub enum ClientOf {
    /// Every file of the row belongs to this client.
    Always(Client),
    /// `then` when the path ends with `suffix`, `otherwise` else (one file name, two clients).
    ByPathSuffix {
        /// The path ending that tells the clients apart.
        suffix: &'static str,
        /// The client of paths ending with `suffix`.
        then: Client,
        /// The client of every other path.
        otherwise: Client,
    },
}

/// The transport a client implies for a server that does not declare one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportDefault {
    /// The common rules of `build`: a URL is HTTP, a command stdio.
    Common,
    /// Zed: a server with neither command nor URL is provided by an extension.
    ExtensionWithoutCommandOrUrl,
    /// Gemini CLI: `url` is an SSE endpoint (`httpUrl`, streamable HTTP, is declared as such
    /// when read).
    SseForUrl,
}

/// A setting that approves every tool when the value at `path` equals `equals`.
#[derive(Debug, Clone, Copy)]
pub struct AutoApproveSetting {
    /// The key path of the setting inside the file.
    pub path: &'static [&'static str],
    /// The value that approves every tool.
    pub equals: Scalar,
    /// The setting as reported (`approval_policy = "never"`).
    pub setting: &'static str,
}

/// A scalar a setting is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// A string.
    Text(&'static str),
    /// A boolean.
    Bool(bool),
}

impl ClientConfig {
    /// The client's row of the format table: whole files up to [`CONFIG_READ_LIMIT`].
    pub const fn format(
        &'static self,
        description: &'static str,
        files: FileMatch,
        fuzz_target: &'static str,
        samples: &'static [Sample],
    ) -> Format {
        Format::new(self.id, description, files, self)
            .max_bytes(CONFIG_READ_LIMIT)
            .fuzzed_as(fuzz_target, samples)
    }

    fn global_auto_approve(&self, root: &tree::Node) -> Option<AutoApprove> {
        self.auto_approve.iter().find_map(|candidate| {
            let node = candidate
                .path
                .iter()
                .try_fold(root, |node, key| node.get(key))?;
            let equal = match candidate.equals {
                Scalar::Text(text) => node.as_str() == Some(text),
                Scalar::Bool(value) => node.as_bool() == Some(value),
            };
            equal.then(|| AutoApprove {
                line: node.line,
                setting: candidate.setting.to_owned(),
                tools: vec!["*".to_owned()],
            })
        })
    }
}

impl Parse for ClientConfig {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = match self.syntax {
            Syntax::Toml => tree::parse_toml(input.path, input.bytes)?,
            Syntax::Yaml => tree::parse_yaml(input.path, input.bytes)?,
            _ => tree::parse_jsonc(input.path, input.bytes)?,
        };
        let mut extraction = Extraction::default();
        let map = self
            .servers_at
            .iter()
            .find_map(|path| path.iter().try_fold(&root, |node, key| node.get(key)));
        let mut servers = read_servers(map, None, input.path, &mut extraction.diagnostics);
        for server in &mut servers {
            match self.transport_default {
                TransportDefault::Common => {}
                TransportDefault::ExtensionWithoutCommandOrUrl => {
                    if server.command.is_none() && server.url.is_none() {
                        server.declared_transport = Some("extension".to_owned());
                    }
                }
                TransportDefault::SseForUrl => {
                    if server.declared_transport.is_none() && server.url.is_some() {
                        server.declared_transport = Some("sse".to_owned());
                    }
                }
            }
        }
        let client = match self.client {
            ClientOf::Always(client) => client,
            ClientOf::ByPathSuffix {
                suffix,
                then,
                otherwise,
            } => {
                if input.path.ends_with(suffix) {
                    then
                } else {
                    otherwise
                }
            }
        };
        let config = ConfigFile {
            input,
            extractor: self.id,
            client,
            project_directory: project_directory(input.path),
            global_auto_approve: self.global_auto_approve(&root),
        };
        super::build(&config, servers, &mut extraction);
        if let Some(read) = self.agent_settings {
            read(input, self.id, &root, &mut extraction);
        }
        Ok(extraction)
    }
}

const MCP_SERVERS: &[&[&str]] = &[&["mcpServers"]];

/// `.mcp.json` (Claude Code's project-scope servers) and `.cursor/mcp.json` (Cursor): JSON with
/// comments, `{"mcpServers": {NAME: {"command", "args", "env"} | {"type", "url", "headers"}}}`.
static MCP_JSON_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/mcp-json",
    syntax: Syntax::Jsonc,
    servers_at: MCP_SERVERS,
    client: ClientOf::ByPathSuffix {
        suffix: ".cursor/mcp.json",
        then: Client::Cursor,
        otherwise: Client::ClaudeCode,
    },
    transport_default: TransportDefault::Common,
    auto_approve: &[],
    agent_settings: None,
};

/// The format row of Claude Code's and Cursor's project files (`.mcp.json`, `.cursor/mcp.json`).
pub const MCP_JSON: Format = MCP_JSON_CLIENT.format(
    "MCP servers of Claude Code (.mcp.json) and Cursor (.cursor/mcp.json)",
    FileMatch::Placed(&[
        Placed {
            names: &[".mcp.json"],
            parents: &[],
        },
        Placed {
            names: &["mcp.json"],
            parents: &[".cursor"],
        },
    ]),
    "mcp_json",
    &[Sample::new(".mcp.json", Syntax::Jsonc)],
);

/// VS Code's `.vscode/mcp.json` (workspace) and `Code/User/mcp.json` (user profile):
/// `{"inputs": [...], "servers": {NAME: {"type": "stdio", "command", "args", "env", "envFile"}
/// | {"type": "http"|"sse", "url", "headers"}}}`; older settings files nest `servers` under
/// `mcp`. Values may reference `${input:ID}` prompts and `${workspaceFolder}`; both are
/// references, never secrets.
static VSCODE_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/vscode-mcp-json",
    syntax: Syntax::Jsonc,
    servers_at: &[&["servers"], &["mcp", "servers"]],
    client: ClientOf::Always(Client::VsCode),
    transport_default: TransportDefault::Common,
    auto_approve: &[],
    agent_settings: None,
};

/// The format row of VS Code's `mcp.json` (workspace and user).
pub const VSCODE_MCP_JSON: Format = VSCODE_CLIENT.format(
    "MCP servers of VS Code (.vscode/mcp.json, Code/User/mcp.json)",
    FileMatch::Custom(is_vscode_mcp_json),
    "vscode_mcp_json",
    &[Sample::new(".vscode/mcp.json", Syntax::Jsonc)],
);

/// `.vscode/mcp.json`, or `mcp.json` in the `User` folder of a VS Code profile (`Code`,
/// `Code - Insiders`, `VSCodium`).
fn is_vscode_mcp_json(path: &Path) -> bool {
    if file_name(Some(path)) != Some("mcp.json") {
        return false;
    }
    match file_name(path.parent()) {
        Some(".vscode") => true,
        Some("User") => file_name(path.parent().and_then(Path::parent))
            .is_some_and(|profile| profile.starts_with("Code") || profile == "VSCodium"),
        _ => false,
    }
}

fn file_name(path: Option<&Path>) -> Option<&str> {
    path.and_then(Path::file_name)
        .and_then(|name| name.to_str())
}

/// Claude Desktop's `claude_desktop_config.json`: `{"mcpServers": {NAME: {"command", "args",
/// "env"}}}` (stdio servers only; remote servers come through its connectors, not this file).
static CLAUDE_DESKTOP_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/claude-desktop-config",
    syntax: Syntax::Jsonc,
    servers_at: MCP_SERVERS,
    client: ClientOf::Always(Client::ClaudeDesktop),
    transport_default: TransportDefault::Common,
    auto_approve: &[],
    agent_settings: None,
};

/// The format row of Claude Desktop's `claude_desktop_config.json`.
pub const CLAUDE_DESKTOP_CONFIG: Format = CLAUDE_DESKTOP_CLIENT.format(
    "MCP servers of Claude Desktop (claude_desktop_config.json)",
    FileMatch::Names(&["claude_desktop_config.json"]),
    "claude_desktop_config",
    &[Sample::new("claude_desktop_config.json", Syntax::Jsonc)],
);

/// Windsurf's `~/.codeium/windsurf/mcp_config.json`: `{"mcpServers": {NAME: {"command",
/// "args", "env"} | {"serverUrl", "headers"}}}`.
static WINDSURF_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/windsurf-mcp-config",
    syntax: Syntax::Jsonc,
    servers_at: MCP_SERVERS,
    client: ClientOf::Always(Client::Windsurf),
    transport_default: TransportDefault::Common,
    auto_approve: &[],
    agent_settings: None,
};

/// The format row of Windsurf's `mcp_config.json`.
pub const WINDSURF_MCP_CONFIG: Format = WINDSURF_CLIENT.format(
    "MCP servers of Windsurf (.codeium/windsurf/mcp_config.json)",
    FileMatch::Placed(&[Placed {
        names: &["mcp_config.json"],
        parents: &["windsurf", "windsurf-next"],
    }]),
    "windsurf_mcp_config",
    &[Sample::new(
        ".codeium/windsurf/mcp_config.json",
        Syntax::Jsonc,
    )],
);

/// Cline's `cline_mcp_settings.json` (in the editor's global storage): `{"mcpServers": {NAME:
/// {"command", "args", "env", "autoApprove": [TOOL…], "disabled"} | {"url",
/// "transportType"}}}`. `autoApprove` (and Roo Code's `alwaysAllow`) lists tools the agent calls
/// without asking.
static CLINE_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/cline-mcp-settings",
    syntax: Syntax::Jsonc,
    servers_at: MCP_SERVERS,
    client: ClientOf::Always(Client::Cline),
    transport_default: TransportDefault::Common,
    auto_approve: &[],
    agent_settings: None,
};

/// The format row of Cline's `cline_mcp_settings.json`.
pub const CLINE_MCP_SETTINGS: Format = CLINE_CLIENT.format(
    "MCP servers of Cline (cline_mcp_settings.json), with auto-approved tools",
    FileMatch::Names(&["cline_mcp_settings.json"]),
    "cline_mcp_settings",
    &[Sample::new("cline_mcp_settings.json", Syntax::Jsonc)],
);

/// Zed's `settings.json` (`~/.config/zed/settings.json`, a project's `.zed/settings.json`):
/// `{"context_servers": {NAME: {"command": {"path", "args", "env"}} | {"source": "custom",
/// "command", "args", "env"} | {"url", "headers"}}}`, and `agent.always_allow_tool_actions` (or
/// `assistant.always_allow_tool_actions`), which runs every tool without asking. Servers provided by a
/// Zed extension name no command and are listed with the transport `extension`.
static ZED_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/zed-settings",
    syntax: Syntax::Jsonc,
    servers_at: &[&["context_servers"]],
    client: ClientOf::Always(Client::Zed),
    transport_default: TransportDefault::ExtensionWithoutCommandOrUrl,
    auto_approve: &[
        AutoApproveSetting {
            path: &["agent", "always_allow_tool_actions"],
            equals: Scalar::Bool(true),
            setting: "agent.always_allow_tool_actions: true",
        },
        AutoApproveSetting {
            path: &["assistant", "always_allow_tool_actions"],
            equals: Scalar::Bool(true),
            setting: "assistant.always_allow_tool_actions: true",
        },
    ],
    agent_settings: None,
};

/// The format row of Zed's `settings.json` (`context_servers`).
pub const ZED_SETTINGS: Format = ZED_CLIENT.format(
    "MCP context servers of Zed (zed/settings.json, .zed/settings.json)",
    FileMatch::Placed(&[Placed {
        names: &["settings.json"],
        parents: &[".zed", "zed"],
    }]),
    "zed_settings",
    &[Sample::new(".zed/settings.json", Syntax::Jsonc)],
);

/// Gemini CLI's `.gemini/settings.json` (project) and `~/.gemini/settings.json` (user):
/// `{"mcpServers": {NAME: {"command", "args", "env", "cwd"} | {"url"} (SSE) | {"httpUrl"}
/// (streamable HTTP), "headers", "trust": true}}`. `trust: true` skips every confirmation for
/// the server's tools.
static GEMINI_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/gemini-settings",
    syntax: Syntax::Jsonc,
    servers_at: MCP_SERVERS,
    client: ClientOf::Always(Client::GeminiCli),
    transport_default: TransportDefault::SseForUrl,
    auto_approve: &[],
    agent_settings: Some(crate::extract::agent::settings::gemini),
};

/// The format row of Gemini CLI's `.gemini/settings.json`.
pub const GEMINI_SETTINGS: Format = GEMINI_CLIENT.format(
    "MCP servers of Gemini CLI (.gemini/settings.json), with trusted servers",
    FileMatch::Placed(&[Placed {
        names: &["settings.json"],
        parents: &[".gemini"],
    }]),
    "gemini_settings",
    &[Sample::new(".gemini/settings.json", Syntax::Jsonc)],
);

/// Codex's `config.toml` (`~/.codex/config.toml`, a project's `.codex/config.toml`):
/// `[mcp_servers.NAME]` tables with `command`, `args`, `env`, `env_vars`, `cwd`, or `url`,
/// `bearer_token_env_var`, `http_headers`, `env_http_headers`, and `enabled`. The top-level
/// `approval_policy = "never"` runs every tool call without asking.
static CODEX_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/codex-config",
    syntax: Syntax::Toml,
    servers_at: &[&["mcp_servers"]],
    client: ClientOf::Always(Client::Codex),
    transport_default: TransportDefault::Common,
    auto_approve: &[AutoApproveSetting {
        path: &["approval_policy"],
        equals: Scalar::Text("never"),
        setting: "approval_policy = \"never\"",
    }],
    agent_settings: Some(crate::extract::agent::settings::codex),
};

/// The format row of Codex's `config.toml` (`mcp_servers`).
pub const CODEX_CONFIG: Format = CODEX_CLIENT.format(
    "MCP servers of Codex (.codex/config.toml), with its approval policy",
    FileMatch::Placed(&[Placed {
        names: &["config.toml"],
        parents: &[".codex"],
    }]),
    "codex_config",
    &[Sample::new(".codex/config.toml", Syntax::Toml)],
);

/// Goose's `config.yaml` (`~/.config/goose/config.yaml`): `extensions: {NAME: {type: stdio,
/// cmd, args, envs, env_keys} | {type: sse|streamable_http, uri, headers} | {type: builtin}}`
/// with `enabled`, and the top-level `GOOSE_MODE: auto`, which runs every tool without asking.
static GOOSE_CLIENT: ClientConfig = ClientConfig {
    id: "mcp/goose-config",
    syntax: Syntax::Yaml,
    servers_at: &[&["extensions"]],
    client: ClientOf::Always(Client::Goose),
    transport_default: TransportDefault::Common,
    auto_approve: &[AutoApproveSetting {
        path: &["GOOSE_MODE"],
        equals: Scalar::Text("auto"),
        setting: "GOOSE_MODE: auto",
    }],
    agent_settings: None,
};

/// The format row of Goose's `config.yaml` (`extensions`).
pub const GOOSE_CONFIG: Format = GOOSE_CLIENT.format(
    "MCP extensions of Goose (goose/config.yaml), with its approval mode",
    FileMatch::Placed(&[Placed {
        names: &["config.yaml", "config.yml"],
        parents: &["goose", ".goose"],
    }]),
    "goose_config",
    &[Sample::new(".config/goose/config.yaml", Syntax::Yaml)],
);
