//! The `airlock:mcp:…` and `airlock:tool:…` properties the MCP extractors write on server and
//! tool components, and their typed reading for the risk rules. Properties are what every output
//! format already carries (CycloneDX properties, the JSON report), so the SBOM says what the
//! rules saw. Values never hold a credential: only names, lines, a class and a redacted form.

use serde::{Deserialize, Serialize};

use crate::component::Component;

/// The client whose config declared the server (`claude-code`, `cursor`, `vscode`, ...).
pub const CLIENT: &str = "airlock:mcp:client";
/// The server's name as written in the config (the key name has white space replaced).
pub const NAME: &str = "airlock:mcp:name";
/// `stdio`, `http`, `sse` or `streamable-http`.
pub const TRANSPORT: &str = "airlock:mcp:transport";
/// The command line, with credentials replaced by their redacted form.
pub const COMMAND: &str = "airlock:mcp:command";
/// The remote server's URL, with credentials (user part, query values, token-like path
/// segments) replaced by `…`.
pub const URL: &str = "airlock:mcp:url";
/// What the command runs the package with: `npx`, `uvx`, `docker run`, `node`, ...
pub const LAUNCHER: &str = "airlock:mcp:launcher";
/// The purl of the package the command fetches.
pub const PACKAGE: &str = "airlock:mcp:package";
/// Why what the command fetches can change between launches.
pub const UNPINNED: &str = "airlock:mcp:unpinned";
/// Why the command runs a shell.
pub const SHELL: &str = "airlock:mcp:shell";
/// Tools the client calls without asking: [`AutoApprove`] as JSON.
pub const AUTO_APPROVE: &str = "airlock:mcp:auto-approve";
/// `true` when the config disables the server (the client does not start it).
pub const DISABLED: &str = "airlock:mcp:disabled";
/// Where in a config with several scopes the server is (a project of `~/.claude.json`).
pub const SCOPE: &str = "airlock:mcp:scope";
/// Set on a server that a settings file approves but does not define.
pub const DEFINED_ELSEWHERE: &str = "airlock:mcp:defined-elsewhere";
/// `airlock:mcp:env:NAME`: a [`Credential`] for each variable handed to the server.
pub const ENV_PREFIX: &str = "airlock:mcp:env:";
/// `airlock:mcp:header:NAME`: a [`Credential`] for each HTTP header sent to the server.
pub const HEADER_PREFIX: &str = "airlock:mcp:header:";
/// `airlock:mcp:argument:N`: a [`Credential`] for a command argument (1-based) that is one.
pub const ARGUMENT_PREFIX: &str = "airlock:mcp:argument:";
/// A [`Credential`] for a secret inside the server's URL.
pub const URL_CREDENTIAL: &str = "airlock:mcp:url-credential";
/// `airlock:mcp:argument-url:N`: a URL among the arguments (a proxy's upstream), sanitized.
pub const ARGUMENT_URL_PREFIX: &str = "airlock:mcp:argument-url:";

/// The format a tool was declared in: `mcp`, `openai`, `anthropic`.
pub const TOOL_FORMAT: &str = "airlock:tool:format";
/// SHA-256 of the tool's description alone (a changed description changes it).
pub const TOOL_DESCRIPTION_SHA256: &str = "airlock:tool:description-sha256";
/// SHA-256 of the tool's canonical input schema alone.
pub const TOOL_SCHEMA_SHA256: &str = "airlock:tool:schema-sha256";
/// [`HiddenInstructions`] found in the tool's description, as JSON.
pub const TOOL_HIDDEN_INSTRUCTIONS: &str = "airlock:tool:hidden-instructions";

/// What the config says about one credential-bearing value. The value itself is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub line: u32,
    /// `empty`, `reference`, `inherited`, `placeholder`, `literal` or `secret`.
    pub value: String,
    /// True when the name says it is a credential (`*_TOKEN`, `Authorization`).
    pub credential: bool,
    /// For a literal secret: its first four characters and `…`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub redacted: Option<String>,
    /// For an argument: the flag it is the value of (`--api-key`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub flag: Option<String>,
}

/// Where a credential is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CredentialPlace {
    Environment,
    Header,
    Argument,
    Url,
}

impl CredentialPlace {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialPlace::Environment => "environment variable",
            CredentialPlace::Header => "header",
            CredentialPlace::Argument => "argument",
            CredentialPlace::Url => "URL",
        }
    }
}

/// A credential read back from a component, with its place and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCredential {
    pub place: CredentialPlace,
    pub name: String,
    pub credential: Credential,
}

/// Tools a client runs without asking the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoApprove {
    pub line: u32,
    /// The setting that says so (`autoApprove`, `trust`, `permissions.allow`, ...).
    pub setting: String,
    /// Tool names; `*` for every tool of the server.
    pub tools: Vec<String>,
}

/// What a tool description hides from a person reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenInstructions {
    pub line: u32,
    /// Invisible characters found, as `U+XXXX` with a count, e.g. `U+E0041 (tag) ×12`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub invisible: Vec<String>,
    /// Text carried by Unicode tag characters, decoded (they spell ASCII invisibly).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub decoded_tags: Option<String>,
    /// Phrases that address the model rather than describe the tool.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub directives: Vec<String>,
}

/// JSON for a property value (the types above always serialize).
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Every credential recorded on a component, sorted by place and name.
pub fn credentials(component: &Component) -> Vec<NamedCredential> {
    let mut found = Vec::new();
    for (key, value) in &component.properties {
        let (place, name) = if let Some(name) = key.strip_prefix(ENV_PREFIX) {
            (CredentialPlace::Environment, name)
        } else if let Some(name) = key.strip_prefix(HEADER_PREFIX) {
            (CredentialPlace::Header, name)
        } else if let Some(name) = key.strip_prefix(ARGUMENT_PREFIX) {
            (CredentialPlace::Argument, name)
        } else if key == URL_CREDENTIAL {
            (CredentialPlace::Url, "url")
        } else {
            continue;
        };
        if let Ok(credential) = serde_json::from_str::<Credential>(value) {
            found.push(NamedCredential {
                place,
                name: name.to_owned(),
                credential,
            });
        }
    }
    found.sort_by(|a, b| (a.place, &a.name).cmp(&(b.place, &b.name)));
    found
}

/// The auto-approval recorded on a component.
pub fn auto_approve(component: &Component) -> Option<AutoApprove> {
    component
        .properties
        .get(AUTO_APPROVE)
        .and_then(|value| serde_json::from_str(value).ok())
}

/// The hidden instructions recorded on a tool component.
pub fn hidden_instructions(component: &Component) -> Option<HiddenInstructions> {
    component
        .properties
        .get(TOOL_HIDDEN_INSTRUCTIONS)
        .and_then(|value| serde_json::from_str(value).ok())
}

/// The URLs a server talks to: its own, and URLs among its arguments.
pub fn urls(component: &Component) -> Vec<(String, bool)> {
    let mut found: Vec<(String, bool)> = component
        .properties
        .get(URL)
        .map(|url| (url.clone(), true))
        .into_iter()
        .collect();
    found.extend(
        component
            .properties
            .iter()
            .filter(|(key, _)| key.starts_with(ARGUMENT_URL_PREFIX))
            .map(|(_, url)| (url.clone(), false)),
    );
    found
}

/// True when the config disables the server.
pub fn is_disabled(component: &Component) -> bool {
    component
        .properties
        .get(DISABLED)
        .is_some_and(|value| value == "true")
}
