//! Windsurf's `~/.codeium/windsurf/mcp_config.json`: `{"mcpServers": {NAME: {"command",
//! "args", "env"} | {"serverUrl", "headers"}}}`.

use std::path::Path;

use super::{name_and_parent, project_directory, read_servers, tree, Client, ConfigFile};
use crate::extract::{ExtractError, Extraction, Extractor, ExtractorId, Input, ReadLimit};

const ID: ExtractorId = "mcp/windsurf-mcp-config";

/// Reads `windsurf/mcp_config.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindsurfMcpConfigExtractor;

impl Extractor for WindsurfMcpConfigExtractor {
    fn id(&self) -> ExtractorId {
        ID
    }

    fn description(&self) -> &'static str {
        "MCP servers of Windsurf (.codeium/windsurf/mcp_config.json)"
    }

    fn accepts(&self, path: &Path) -> bool {
        matches!(
            name_and_parent(path),
            Some(("mcp_config.json", Some("windsurf" | "windsurf-next")))
        )
    }

    fn read_limit(&self) -> ReadLimit {
        ReadLimit::Whole {
            max_bytes: super::CONFIG_READ_LIMIT,
        }
    }

    fn extract(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = tree::parse_jsonc(input.path, input.bytes)?;
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
            client: Client::Windsurf,
            project_directory: project_directory(input.path),
            global_auto_approve: None,
        };
        super::build(&config, servers, &mut extraction);
        Ok(extraction)
    }
}
