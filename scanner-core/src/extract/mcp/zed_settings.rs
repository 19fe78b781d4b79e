//! Zed's `settings.json` (`~/.config/zed/settings.json`, a project's `.zed/settings.json`):
//! `{"context_servers": {NAME: {"command": {"path", "args", "env"}} | {"source": "custom",
//! "command", "args", "env"} | {"url", "headers"}}}`, and `agent.always_allow_tool_actions`,
//! which runs every tool without asking. Servers provided by a Zed extension name no command
//! and are listed with the transport `extension`.

use std::path::Path;

use super::{name_and_parent, project_directory, read_servers, tree, Client, ConfigFile};
use crate::extract::{ExtractError, Extraction, Extractor, ExtractorId, Input, ReadLimit};
use crate::facts::mcp::AutoApprove;

const ID: ExtractorId = "mcp/zed-settings";

/// Reads Zed's `settings.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZedSettingsExtractor;

impl Extractor for ZedSettingsExtractor {
    fn id(&self) -> ExtractorId {
        ID
    }

    fn description(&self) -> &'static str {
        "MCP context servers of Zed (zed/settings.json, .zed/settings.json)"
    }

    fn accepts(&self, path: &Path) -> bool {
        matches!(
            name_and_parent(path),
            Some(("settings.json", Some(".zed" | "zed")))
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
            root.get("context_servers"),
            None,
            input.path,
            &mut extraction.diagnostics,
        );
        for server in &mut servers {
            if server.command.is_none() && server.url.is_none() {
                server.declared_transport = Some("extension".to_owned());
            }
        }
        let always_allow = ["agent", "assistant"].iter().find_map(|section| {
            let setting = root.get(section)?.get("always_allow_tool_actions")?;
            (setting.as_bool() == Some(true)).then(|| AutoApprove {
                line: setting.line,
                setting: format!("{section}.always_allow_tool_actions: true"),
                tools: vec!["*".to_owned()],
            })
        });
        let config = ConfigFile {
            input,
            extractor: ID,
            client: Client::Zed,
            project_directory: project_directory(input.path),
            global_auto_approve: always_allow,
        };
        super::build(&config, servers, &mut extraction);
        Ok(extraction)
    }
}
