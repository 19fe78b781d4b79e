//! Cline's `cline_mcp_settings.json` (in the editor's global storage): `{"mcpServers": {NAME:
//! {"command", "args", "env", "autoApprove": [TOOL…], "disabled"} | {"url",
//! "transportType"}}}`. `autoApprove` (and Roo Code's `alwaysAllow`) lists tools the agent calls
//! without asking.

use std::path::Path;

use super::{name_and_parent, project_directory, read_servers, tree, Client, ConfigFile};
use crate::extract::{ExtractError, Extraction, Extractor, ExtractorId, Input, ReadLimit};

const ID: ExtractorId = "mcp/cline-mcp-settings";

/// Reads `cline_mcp_settings.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClineMcpSettingsExtractor;

impl Extractor for ClineMcpSettingsExtractor {
    fn id(&self) -> ExtractorId {
        ID
    }

    fn description(&self) -> &'static str {
        "MCP servers of Cline (cline_mcp_settings.json), with auto-approved tools"
    }

    fn accepts(&self, path: &Path) -> bool {
        matches!(name_and_parent(path), Some(("cline_mcp_settings.json", _)))
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
            client: Client::Cline,
            project_directory: project_directory(input.path),
            global_auto_approve: None,
        };
        super::build(&config, servers, &mut extraction);
        Ok(extraction)
    }
}
