//! What an agent client's own files say beyond its MCP servers: the hooks and helpers it runs
//! (a command per event), the settings that decide what runs without asking (permissions,
//! approval modes, environment variables, base URLs), and the instruction and skill files the
//! model is told to follow. The agent extractors (`extract/agent/`) fill these, the `agent-*`
//! rules read them. Like [`super::mcp`], values never hold a credential: commands and values
//! are shown with secrets redacted, and literal secrets keep their redacted form only.

use serde::{Deserialize, Serialize};

use super::mcp::{Credential, HiddenInstructions};

/// Why a setting matters to the agent's reviewer. Serialized in kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettingConcern {
    /// Every prompt is switched off (`bypassPermissions`, `approval_policy = "never"`, yolo,
    /// `chat.tools.autoApprove: true`).
    PromptsOff,
    /// An allow rule that lets a whole class of commands or writes run without asking
    /// (`Bash(*)`, `Bash(curl:*)`, `Write(/**)`), or a sandbox that allows everything.
    BlanketAllow,
    /// An environment variable that makes every program started load code (`NODE_OPTIONS`,
    /// `LD_PRELOAD`, `PYTHONSTARTUP`, `BASH_ENV`, `DYLD_*`).
    CodeLoadingEnv,
    /// A model or API base URL (or proxy) pointing at a host other than the provider's: every
    /// request and its key go there.
    BaseUrl,
}

impl SettingConcern {
    /// The concern as written (`prompts-off`).
    pub fn as_str(self) -> &'static str {
        match self {
            SettingConcern::PromptsOff => "prompts-off",
            SettingConcern::BlanketAllow => "blanket-allow",
            SettingConcern::CodeLoadingEnv => "code-loading-env",
            SettingConcern::BaseUrl => "base-url",
        }
    }
}

/// One setting of an agent configuration that a rule judges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSetting {
    /// The line of the setting.
    pub line: u32,
    /// The setting's key path as written (`permissions.defaultMode`, `env.NODE_OPTIONS`).
    pub setting: String,
    /// Its value as shown (secrets redacted; URLs with credentials and query values removed).
    pub value: String,
    /// Why it matters.
    pub concern: SettingConcern,
}

/// A download-and-execute pattern found in a command or a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadExecute {
    /// Its line.
    pub line: u32,
    /// Which pattern (`pipes a download into a shell (curl … | sh)`).
    pub reason: String,
}

/// What an agent's hook, settings file or instruction file holds. One struct for the three
/// component kinds (`agent-hook`, `agent-settings`, `agent-instructions`): each fills the
/// fields that apply, and the rules read them whatever the kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentFacts {
    /// The client the file belongs to (`claude-code`, `cursor`, `codex`, …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client: Option<String>,
    /// What the file is (`claude-md`, `agents-md`, `cursor-rule`, `skill`, `settings`, …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    /// A hook's event (`SessionStart`, `PreToolUse`, `beforeShellExecution`), or the setting
    /// that runs the command (`apiKeyHelper`, `notify`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub event: Option<String>,
    /// A hook's matcher (`Bash`, `*`), as written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub matcher: Option<String>,
    /// The command a hook runs, secrets redacted.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub command: Option<String>,
    /// The line of the hook's command.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    /// The script the command runs when it lies outside the project (an absolute path, `~`,
    /// `..`): what runs is not part of what was reviewed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outside_project: Option<String>,
    /// Download-and-execute patterns (`curl … | sh`, `iwr … | iex`, `python -c` with a URL,
    /// a base64 payload piped to a shell).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub download_execute: Vec<DownloadExecute>,
    /// Settings a rule judges.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub settings: Vec<AgentSetting>,
    /// Text hidden from the reader or addressed to the model against the user (the checker of
    /// tool declarations, with the directives of instruction files).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hidden_instructions: Option<HiddenInstructions>,
    /// Literal secrets written in the file (redacted form and line only).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub literal_secrets: Vec<Credential>,
}
