//! VS Code's `.vscode/mcp.json` (workspace) and `Code/User/mcp.json` (user profile):
//! `{"inputs": [...], "servers": {NAME: {"type": "stdio", "command", "args", "env", "envFile"}
//! | {"type": "http"|"sse", "url", "headers"}}}`. Values may reference `${input:ID}` prompts and
//! `${workspaceFolder}`; both are references, never secrets.

use std::path::Path;

use super::{name_and_parent, project_directory, read_servers, tree, Client, ConfigFile};
use crate::extract::{ExtractError, Extraction, Extractor, ExtractorId, Input, ReadLimit};

const ID: ExtractorId = "mcp/vscode-mcp-json";

/// Reads `.vscode/mcp.json` and the user profile's `mcp.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct VsCodeMcpJsonExtractor;

impl Extractor for VsCodeMcpJsonExtractor {
    fn id(&self) -> ExtractorId {
        ID
    }

    fn description(&self) -> &'static str {
        "MCP servers of VS Code (.vscode/mcp.json, Code/User/mcp.json)"
    }

    fn accepts(&self, path: &Path) -> bool {
        match name_and_parent(path) {
            Some(("mcp.json", Some(".vscode"))) => true,
            Some(("mcp.json", Some("User"))) => path
                .parent()
                .and_then(Path::parent)
                .and_then(Path::file_name)
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("Code") || name == "VSCodium"),
            _ => false,
        }
    }

    fn read_limit(&self) -> ReadLimit {
        ReadLimit::Whole {
            max_bytes: super::CONFIG_READ_LIMIT,
        }
    }

    fn extract(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = tree::parse_jsonc(input.path, input.bytes)?;
        let mut extraction = Extraction::default();
        // `servers` at the top; older settings files nest it under `mcp`.
        let map = root
            .get("servers")
            .or_else(|| root.get("mcp").and_then(|mcp| mcp.get("servers")));
        let servers = read_servers(map, None, input.path, &mut extraction.diagnostics);
        let config = ConfigFile {
            input,
            extractor: ID,
            client: Client::VsCode,
            project_directory: project_directory(input.path),
            global_auto_approve: None,
        };
        super::build(&config, servers, &mut extraction);
        Ok(extraction)
    }
}
