//! Gemini CLI's `.gemini/settings.json` (project) and `~/.gemini/settings.json` (user):
//! `{"mcpServers": {NAME: {"command", "args", "env", "cwd"} | {"url"} (SSE) | {"httpUrl"}
//! (streamable HTTP), "headers", "trust": true}}`. `trust: true` skips every confirmation for
//! the server's tools.

use std::path::Path;

use super::{name_and_parent, project_directory, read_servers, tree, Client, ConfigFile};
use crate::extract::{ExtractError, Extraction, Extractor, ExtractorId, Input, ReadLimit};

const ID: ExtractorId = "mcp/gemini-settings";

/// Reads `.gemini/settings.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeminiSettingsExtractor;

impl Extractor for GeminiSettingsExtractor {
    fn id(&self) -> ExtractorId {
        ID
    }

    fn description(&self) -> &'static str {
        "MCP servers of Gemini CLI (.gemini/settings.json), with trusted servers"
    }

    fn accepts(&self, path: &Path) -> bool {
        matches!(
            name_and_parent(path),
            Some(("settings.json", Some(".gemini")))
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
        let mut servers = read_servers(
            root.get("mcpServers"),
            None,
            input.path,
            &mut extraction.diagnostics,
        );
        // Gemini CLI: `url` is an SSE endpoint, `httpUrl` streamable HTTP.
        for server in &mut servers {
            if server.declared_transport.is_none() && server.url.is_some() {
                server.declared_transport = Some("sse".to_owned());
            }
        }
        let config = ConfigFile {
            input,
            extractor: ID,
            client: Client::GeminiCli,
            project_directory: project_directory(input.path),
            global_auto_approve: None,
        };
        super::build(&config, servers, &mut extraction);
        Ok(extraction)
    }
}
