//! `agent-blanket-permission`: an allow rule that hands a whole class of actions to the model
//! without asking: all shell commands (`Bash`, `Bash(*)`), a program that downloads or runs
//! anything (`Bash(curl:*)`, `Bash(python:*)`), writes outside the project (`Write(/**)`), a
//! sandbox switched off (`sandbox_mode = "danger-full-access"`).

use super::agent_common::settings_findings;
use super::{Finding, RuleId};
use crate::facts::agent::SettingConcern;
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    settings_findings(
        graph,
        SettingConcern::BlanketAllow,
        RuleId::AgentBlanketPermission,
        |setting, value| {
            format!("`{setting}` allows `{value}` without asking; allow the exact commands or paths the project needs")
        },
    )
}
