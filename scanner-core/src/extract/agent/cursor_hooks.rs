//! Cursor's hooks (`.cursor/hooks.json` of a project, `~/.cursor/hooks.json` of a user):
//! `{"version": 1, "hooks": {EVENT: [{"command": "…"}]}}` with events such as
//! `beforeShellExecution`, `beforeMCPExecution`, `afterFileEdit`, `beforeSubmitPrompt` and
//! `stop`. Each command becomes an `agent-hook` component, like Claude Code's hooks.

use super::AgentFile;
use crate::extract::mcp::{tree, wrong_type, CONFIG_READ_LIMIT};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Placed, Sample, Syntax,
};

const ID: ExtractorId = "agent/cursor-hooks";

/// Reads `.cursor/hooks.json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CursorHooksExtractor;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Cursor hooks (.cursor/hooks.json): the commands Cursor runs on agent events",
    FileMatch::Placed(&[Placed {
        names: &["hooks.json"],
        parents: &[".cursor"],
    }]),
    &CursorHooksExtractor,
)
.max_bytes(CONFIG_READ_LIMIT)
.fuzzed_as(
    "cursor_hooks",
    &[Sample::new(".cursor/hooks.json", Syntax::Jsonc)],
);

impl Parse for CursorHooksExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let root = tree::parse_jsonc(input.path, input.bytes)?;
        let mut extraction = Extraction::default();
        if !root.is_object() {
            extraction.diagnostics.push(wrong_type(
                input.path,
                &root,
                "the hooks file",
                "an object with `hooks`",
            ));
            return Ok(extraction);
        }
        let mut file = AgentFile::new(input, ID, "cursor");
        if let Some(version) = root.get("version") {
            if version.as_text().as_deref() != Some("1") {
                return Err(ExtractError::UnsupportedVersion {
                    location: input.location(Some(version.line)),
                    format: "Cursor hooks",
                    found: version
                        .as_text()
                        .unwrap_or_else(|| version.kind().to_owned()),
                    supported: "version 1",
                });
            }
        }
        if let Some(hooks) = root.get("hooks") {
            super::read_hooks(&mut file, hooks, &mut extraction);
        }
        file.finish(&mut extraction, "hooks", root.line);
        Ok(extraction)
    }
}
