//! `agent-code-loading-env`: an agent setting that sets an environment variable which makes
//! every program the agent starts load code (`NODE_OPTIONS=--require …`, `LD_PRELOAD`,
//! `DYLD_*`, `PYTHONSTARTUP`, `BASH_ENV`): a project can run its code in every command the
//! agent runs, the agent itself included.

use super::agent_common::settings_findings;
use super::{Finding, RuleId};
use crate::facts::agent::SettingConcern;
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    settings_findings(
        graph,
        SettingConcern::CodeLoadingEnv,
        RuleId::AgentCodeLoadingEnv,
        |setting, value| {
            format!("`{setting}` = `{value}` makes every program the agent starts load that code")
        },
    )
}
