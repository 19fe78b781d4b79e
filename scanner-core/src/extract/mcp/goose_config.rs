//! Goose's `config.yaml` (`~/.config/goose/config.yaml`): `extensions: {NAME: {type: stdio, cmd,
//! args, envs, env_keys} | {type: sse|streamable_http, uri, headers} | {type: builtin}}` with
//! `enabled`, and the top-level `GOOSE_MODE: auto`, which runs every tool without asking.

use std::path::Path;

use super::{name_and_parent, project_directory, read_servers, tree, Client, ConfigFile};
use crate::extract::{ExtractError, Extraction, Extractor, ExtractorId, Input, ReadLimit};
use crate::facts::mcp::AutoApprove;

const ID: ExtractorId = "mcp/goose-config";

/// Reads Goose's `config.yaml`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GooseConfigExtractor;

impl Extractor for GooseConfigExtractor {
    fn id(&self) -> ExtractorId {
        ID
    }

    fn description(&self) -> &'static str {
        "MCP extensions of Goose (goose/config.yaml), with its approval mode"
    }

    fn accepts(&self, path: &Path) -> bool {
        matches!(
            name_and_parent(path),
            Some(("config.yaml" | "config.yml", Some("goose" | ".goose")))
        )
    }

    fn read_limit(&self) -> ReadLimit {
        ReadLimit::Whole {
            max_bytes: super::CONFIG_READ_LIMIT,
        }
    }

    fn extract(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = tree::parse_yaml(input.path, input.bytes)?;
        let mut extraction = Extraction::default();
        let servers = read_servers(
            root.get("extensions"),
            None,
            input.path,
            &mut extraction.diagnostics,
        );
        let auto_mode = root
            .get("GOOSE_MODE")
            .filter(|mode| mode.as_str() == Some("auto"))
            .map(|mode| AutoApprove {
                line: mode.line,
                setting: "GOOSE_MODE: auto".to_owned(),
                tools: vec!["*".to_owned()],
            });
        let config = ConfigFile {
            input,
            extractor: ID,
            client: Client::Goose,
            project_directory: project_directory(input.path),
            global_auto_approve: auto_mode,
        };
        super::build(&config, servers, &mut extraction);
        Ok(extraction)
    }
}
