//! `agent-base-url-redirect`: a model or API base URL, or a proxy, set by a project's agent
//! settings to a host other than the provider's (`ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL`,
//! `HTTPS_PROXY`, a Codex provider's `base_url`): every prompt, every file the agent reads and
//! the API key go to that host.

use super::agent_common::settings_findings;
use super::{Finding, RuleId};
use crate::facts::agent::SettingConcern;
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    settings_findings(
        graph,
        SettingConcern::BaseUrl,
        RuleId::AgentBaseUrlRedirect,
        |setting, value| {
            format!("`{setting}` sends the agent's requests and key to `{value}`, not the provider's host")
        },
    )
}
