//! `agent-prompts-disabled`: a setting that switches every permission prompt off
//! (`permissions.defaultMode: bypassPermissions`, Codex `approval_policy = "never"`, Gemini
//! CLI `autoAccept` / yolo, VS Code `chat.tools.autoApprove`). Whatever the model is talked
//! into, by a file, a web page or a tool result, runs without a person seeing it.

use super::agent_common::settings_findings;
use super::{Finding, RuleId};
use crate::facts::agent::SettingConcern;
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    settings_findings(
        graph,
        SettingConcern::PromptsOff,
        RuleId::AgentPromptsDisabled,
        |setting, value| format!("`{setting}` = `{value}` switches every permission prompt off"),
    )
}
