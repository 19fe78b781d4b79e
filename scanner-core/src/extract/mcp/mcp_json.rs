//! `.mcp.json` (Claude Code's project-scope servers) and `.cursor/mcp.json` (Cursor): JSON with
//! comments, `{"mcpServers": {NAME: {"command", "args", "env"} | {"type", "url", "headers"}}}`.

use std::path::Path;

use super::{name_and_parent, project_directory, read_servers, tree, Client, ConfigFile};
use crate::extract::{ExtractError, Extraction, Extractor, ExtractorId, Input, ReadLimit};

const ID: ExtractorId = "mcp/mcp-json";

/// Reads `.mcp.json` and `.cursor/mcp.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct McpJsonExtractor;

impl Extractor for McpJsonExtractor {
    fn id(&self) -> ExtractorId {
        ID
    }

    fn description(&self) -> &'static str {
        "MCP servers of Claude Code (.mcp.json) and Cursor (.cursor/mcp.json)"
    }

    fn accepts(&self, path: &Path) -> bool {
        matches!(
            name_and_parent(path),
            Some((".mcp.json", _)) | Some(("mcp.json", Some(".cursor")))
        )
    }

    fn read_limit(&self) -> ReadLimit {
        ReadLimit::Whole {
            max_bytes: super::CONFIG_READ_LIMIT,
        }
    }

    fn extract(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = tree::parse_jsonc(input.path, input.bytes)?;
        let client = if input.path.ends_with(".cursor/mcp.json") {
            Client::Cursor
        } else {
            Client::ClaudeCode
        };
        let mut extraction = Extraction::default();
        let servers = read_servers(
            root.get("mcpServers"),
            None,
            input.path,
            &mut extraction.diagnostics,
        );
        let config = ConfigFile {
            input,
            extractor: ID,
            client,
            project_directory: project_directory(input.path),
            global_auto_approve: None,
        };
        super::build(&config, servers, &mut extraction);
        Ok(extraction)
    }
}
