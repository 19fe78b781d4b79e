//! Codex's `config.toml` (`~/.codex/config.toml`, a project's `.codex/config.toml`):
//! `[mcp_servers.NAME]` tables with `command`, `args`, `env`, `env_vars`, `cwd`, or `url`,
//! `bearer_token_env_var`, `http_headers`, `env_http_headers`, and `enabled`. The top-level
//! `approval_policy = "never"` runs every tool call without asking.

use std::path::Path;

use super::{name_and_parent, project_directory, read_servers, tree, Client, ConfigFile};
use crate::extract::{ExtractError, Extraction, Extractor, ExtractorId, Input, ReadLimit};
use crate::facts::mcp::AutoApprove;

const ID: ExtractorId = "mcp/codex-config";

/// Reads `.codex/config.toml`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CodexConfigExtractor;

impl Extractor for CodexConfigExtractor {
    fn id(&self) -> ExtractorId {
        ID
    }

    fn description(&self) -> &'static str {
        "MCP servers of Codex (.codex/config.toml), with its approval policy"
    }

    fn accepts(&self, path: &Path) -> bool {
        matches!(name_and_parent(path), Some(("config.toml", Some(".codex"))))
    }

    fn read_limit(&self) -> ReadLimit {
        ReadLimit::Whole {
            max_bytes: super::CONFIG_READ_LIMIT,
        }
    }

    fn extract(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = tree::parse_toml(input.path, input.bytes)?;
        let mut extraction = Extraction::default();
        let servers = read_servers(
            root.get("mcp_servers"),
            None,
            input.path,
            &mut extraction.diagnostics,
        );
        let never_ask = root
            .get("approval_policy")
            .filter(|policy| policy.as_str() == Some("never"))
            .map(|policy| AutoApprove {
                line: policy.line,
                setting: "approval_policy = \"never\"".to_owned(),
                tools: vec!["*".to_owned()],
            });
        let config = ConfigFile {
            input,
            extractor: ID,
            client: Client::Codex,
            project_directory: project_directory(input.path),
            global_auto_approve: never_ask,
        };
        super::build(&config, servers, &mut extraction);
        Ok(extraction)
    }
}
