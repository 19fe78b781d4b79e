//! VS Code's workspace settings (`.vscode/settings.json`), as far as they decide what the chat
//! agent (Copilot agent mode) runs without asking: `chat.tools.autoApprove` (every tool,
//! every time: "YOLO mode"), `chat.tools.global.autoApprove`, and the terminal and edit
//! auto-approval maps (`chat.tools.terminal.autoApprove`, `chat.agent.terminal.allowList`,
//! `chat.tools.edits.autoApprove`) whose entries approve whole classes of commands or writes.
//! Other settings are not read: the file is mostly about the editor.

use super::settings::blanket_rule;
use super::AgentFile;
use crate::extract::mcp::tree::{self, Node};
use crate::extract::mcp::CONFIG_READ_LIMIT;
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Placed, Sample, Syntax,
};
use crate::facts::agent::SettingConcern;

const ID: ExtractorId = "agent/vscode-settings";

/// Reads `.vscode/settings.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct VsCodeSettingsExtractor;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "VS Code workspace settings (.vscode/settings.json): chat agent auto-approval",
    FileMatch::Placed(&[Placed {
        names: &["settings.json"],
        parents: &[".vscode"],
    }]),
    &VsCodeSettingsExtractor,
)
.max_bytes(CONFIG_READ_LIMIT)
.fuzzed_as(
    "vscode_settings",
    &[Sample::new(".vscode/settings.json", Syntax::Jsonc)],
);

impl Parse for VsCodeSettingsExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = tree::parse_jsonc(input.path, input.bytes)?;
        let mut extraction = Extraction::default();
        let mut file = AgentFile::new(input, ID, "vscode");
        for (key, value) in root.members() {
            match key.as_str() {
                "chat.tools.autoApprove" | "chat.tools.global.autoApprove" => {
                    // Read (and warned about) whatever its type; judged only when true.
                    let approves_everything = file.boolean(&mut extraction, value, key);
                    if approves_everything == Some(true) {
                        file.setting(value.line, key, "true", SettingConcern::PromptsOff);
                    }
                }
                "chat.tools.terminal.autoApprove"
                | "chat.agent.terminal.allowList"
                | "chat.tools.edits.autoApprove" => {
                    if value.is_object() {
                        approvals(&mut file, key, value);
                    } else {
                        file.wrong_type(&mut extraction, value, &format!("`{key}`"), "an object");
                    }
                }
                _ => {}
            }
        }
        file.finish(&mut extraction, "settings", root.line);
        Ok(extraction)
    }
}

/// `{"PATTERN": true}` entries: a pattern that matches everything (`/.*/`, `**`, `*`) or a
/// program that downloads or runs anything approves a whole class.
fn approvals(file: &mut AgentFile<'_, '_>, key: &str, map: &Node) {
    for (pattern, approved) in map.members() {
        let on = approved.as_bool() == Some(true)
            || approved
                .get("approve")
                .and_then(Node::as_bool)
                .unwrap_or(false);
        if !on {
            continue;
        }
        let bare = pattern.trim().trim_matches('/');
        let everything = matches!(bare, ".*" | "*" | "**" | "**/*" | ".+" | "^.*$");
        let program = pattern.split_whitespace().next().unwrap_or_default();
        if everything || blanket_rule(&format!("Bash({program}:*)")) {
            file.setting(
                approved.line,
                &format!("{key}.{pattern}"),
                "true",
                SettingConcern::BlanketAllow,
            );
        }
    }
}
