//! What an agent client's config says about an MCP server (how it is launched or reached, the
//! credentials handed to it, the tools it may run without asking) and what a tool declaration
//! says to a model. The MCP extractors fill these, the MCP rules read them. Values never hold a
//! credential: only names, lines, a class and a redacted form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{first, first_each, Vocabulary, Word};

/// The client a config belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Client {
    /// Claude Code (`.mcp.json`, `~/.claude.json`, `.claude/settings*.json`).
    ClaudeCode,
    /// Claude Desktop (`claude_desktop_config.json`).
    ClaudeDesktop,
    /// Cursor (`.cursor/mcp.json`).
    Cursor,
    /// VS Code (`.vscode/mcp.json`, the user `mcp.json`).
    VsCode,
    /// Windsurf (`mcp_config.json`).
    Windsurf,
    /// Cline (`cline_mcp_settings.json`).
    Cline,
    /// Zed (`settings.json` context servers).
    Zed,
    /// Gemini CLI (`.gemini/settings.json`).
    GeminiCli,
    /// Codex (`config.toml`).
    Codex,
    /// Goose (`config.yaml` extensions).
    Goose,
}

impl Vocabulary for Client {
    const ALL: &'static [Self] = &[
        Client::ClaudeCode,
        Client::ClaudeDesktop,
        Client::Cursor,
        Client::VsCode,
        Client::Windsurf,
        Client::Cline,
        Client::Zed,
        Client::GeminiCli,
        Client::Codex,
        Client::Goose,
    ];

    fn as_str(self) -> &'static str {
        Client::as_str(self)
    }
}

impl Client {
    /// The client as the outputs write it (`claude-code`).
    pub fn as_str(self) -> &'static str {
        match self {
            Client::ClaudeCode => "claude-code",
            Client::ClaudeDesktop => "claude-desktop",
            Client::Cursor => "cursor",
            Client::VsCode => "vscode",
            Client::Windsurf => "windsurf",
            Client::Cline => "cline",
            Client::Zed => "zed",
            Client::GeminiCli => "gemini-cli",
            Client::Codex => "codex",
            Client::Goose => "goose",
        }
    }
}

/// How a client talks to a server. A config may declare a transport airlock does not know;
/// [`Word`] keeps it as written (lowercase, `_` as `-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    /// A local process on stdin/stdout.
    Stdio,
    /// Streamable HTTP.
    Http,
    /// Server-sent events.
    Sse,
    /// Provided by a client extension (Zed), with no command or URL in the config.
    Extension,
    /// Neither a command nor a URL nor a declared transport.
    Unknown,
}

impl Vocabulary for Transport {
    const ALL: &'static [Self] = &[
        Transport::Stdio,
        Transport::Http,
        Transport::Sse,
        Transport::Extension,
        Transport::Unknown,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Http => "http",
            Transport::Sse => "sse",
            Transport::Extension => "extension",
            Transport::Unknown => "unknown",
        }
    }
}

/// The shape a tool was declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ToolFormat {
    /// MCP `tools/list` (`inputSchema`).
    Mcp,
    /// OpenAI function calling (`function`/`parameters`).
    OpenAi,
    /// Anthropic tool use (`input_schema`).
    Anthropic,
}

impl Vocabulary for ToolFormat {
    const ALL: &'static [Self] = &[ToolFormat::Mcp, ToolFormat::OpenAi, ToolFormat::Anthropic];

    fn as_str(self) -> &'static str {
        match self {
            ToolFormat::Mcp => "mcp",
            ToolFormat::OpenAi => "openai",
            ToolFormat::Anthropic => "anthropic",
        }
    }
}

/// An MCP server as its client's config declares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct McpServerFacts {
    /// The client whose config declared the server.
    pub client: Option<Word<Client>>,
    /// The server's name as written in the config, when the key's name differs (white space
    /// replaced there).
    pub name: Option<String>,
    /// How the client talks to the server (`stdio`, `http`, `sse`, or as written).
    pub transport: Option<Word<Transport>>,
    /// The command line, with credentials replaced by their redacted form.
    pub command: Option<String>,
    /// The remote server's URL, with credentials (user part, query values, token-like path
    /// segments) replaced by `…`.
    pub url: Option<String>,
    /// What the command runs the package with: `npx`, `uvx`, `docker run`, `node`, ...
    pub launcher: Option<String>,
    /// The purl of the package the command fetches.
    pub package: Option<String>,
    /// Why what the command fetches can change between launches.
    pub unpinned: Option<String>,
    /// Why the command runs a shell.
    pub shell: Option<String>,
    /// Why the entry could not be read (not an object, or neither a command nor a URL): what
    /// the client would run is unknown.
    pub unreadable: Option<String>,
    /// Tools the client calls without asking.
    pub auto_approve: Option<AutoApprove>,
    /// The config disables the server (the client does not start it).
    pub disabled: bool,
    /// Where in a config with several scopes the server is (a project of `~/.claude.json`).
    pub scope: Option<String>,
    /// A settings file approves the server but does not define it.
    pub defined_elsewhere: bool,
    /// Each environment variable handed to the server, by name.
    pub environment: BTreeMap<String, Credential>,
    /// Each HTTP header sent to the server, by name.
    pub headers: BTreeMap<String, Credential>,
    /// Command arguments that are credentials, by 1-based position (as text: the position's
    /// digits).
    pub arguments: BTreeMap<String, Credential>,
    /// A secret inside the server's URL.
    pub url_credential: Option<Credential>,
    /// URLs among the arguments (a proxy's upstream), sanitized, by 1-based position.
    pub argument_urls: BTreeMap<String, String>,
}

/// A tool as declared to a model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolFacts {
    /// The declaration's format (MCP `tools/list`, OpenAI, Anthropic).
    pub format: Option<Word<ToolFormat>>,
    /// SHA-256 of the tool's description alone (a changed description changes it).
    pub description_sha256: Option<String>,
    /// SHA-256 of the tool's canonical input schema alone.
    pub schema_sha256: Option<String>,
    /// What the description hides from a person reading it.
    pub hidden_instructions: Option<HiddenInstructions>,
    /// The MCP server whose tools the file declares: the `serverInfo.name` (or `server`) the
    /// saved list carries, else the file's name before `.tools.json` / `.functions.json`.
    /// Tools are tied to a client's servers by this name.
    pub server: Option<String>,
    /// What the tool can do, each class with the declaration's word that put it there
    /// (`extract/mcp/tool_capabilities.tsv`).
    pub capabilities: Vec<Capability>,
    /// What the description says about other tools: names and steering sentences.
    pub mentions: Option<Mentions>,
}

/// A capability class of a tool: what its declaration says it touches. Serialized in
/// kebab-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapabilityClass {
    /// Reads data the user keeps private (files, mail, databases, secrets).
    PrivateData,
    /// Takes in content someone else wrote (web pages, issues, incoming mail).
    UntrustedContent,
    /// Can send data out of the machine to someone else (mail, messages, uploads, webhooks).
    Exit,
    /// Changes state (writes, deletes, runs).
    StateChange,
}

impl CapabilityClass {
    /// Every class, in the order findings list them.
    pub const ALL: [CapabilityClass; 4] = [
        CapabilityClass::PrivateData,
        CapabilityClass::UntrustedContent,
        CapabilityClass::Exit,
        CapabilityClass::StateChange,
    ];

    /// The class as written (`private-data`).
    pub fn as_str(self) -> &'static str {
        match self {
            CapabilityClass::PrivateData => "private-data",
            CapabilityClass::UntrustedContent => "untrusted-content",
            CapabilityClass::Exit => "exit",
            CapabilityClass::StateChange => "state-change",
        }
    }

    /// The class by name (`exit`).
    pub fn from_name(name: &str) -> Option<CapabilityClass> {
        CapabilityClass::ALL
            .into_iter()
            .find(|class| class.as_str() == name)
    }

    /// The class in a sentence (`reads private data`).
    pub fn phrase(self) -> &'static str {
        match self {
            CapabilityClass::PrivateData => "reads private data",
            CapabilityClass::UntrustedContent => "ingests untrusted content",
            CapabilityClass::Exit => "can send data out",
            CapabilityClass::StateChange => "changes state",
        }
    }
}

/// One capability class of a tool and why it was given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Capability {
    /// The class.
    pub class: CapabilityClass,
    /// The word, input property or annotation that gave it, with the table's reason
    /// (`name word "send": sends data to someone else`).
    pub reason: String,
}

/// What a tool's description says about other tools, for the cross-server rules: the
/// identifiers it names (`send_email`, `mcp__mail__send`, backticked words) and its sentences
/// that steer a model's use of tools (`instead of`, `before calling`, `always use`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentions {
    /// The line of the description.
    pub line: u32,
    /// Identifier-like words, lowercase, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub identifiers: Vec<String>,
    /// Steering sentences, white space collapsed, control characters removed, shortened.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub steering: Vec<String>,
}

/// What the config says about one credential-bearing value. The value itself is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// The line the value is written on.
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
    /// An environment variable of the server's process.
    Environment,
    /// An HTTP header sent to a remote server.
    Header,
    /// A command-line argument.
    Argument,
    /// The server's URL (a user part, a query value, a token-like path segment).
    Url,
}

impl CredentialPlace {
    /// The place as messages name it (`environment variable`, `header`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialPlace::Environment => "environment variable",
            CredentialPlace::Header => "header",
            CredentialPlace::Argument => "argument",
            CredentialPlace::Url => "URL",
        }
    }
}

/// A credential of a server, with its place and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCredential {
    /// Where the credential is handed over.
    pub place: CredentialPlace,
    /// The variable's or header's name, or the argument's position.
    pub name: String,
    /// What the config says about the value.
    pub credential: Credential,
}

/// Tools a client runs without asking the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoApprove {
    /// The line of the setting.
    pub line: u32,
    /// The setting that says so (`autoApprove`, `trust`, `permissions.allow`, ...).
    pub setting: String,
    /// Tool names; `*` for every tool of the server.
    pub tools: Vec<String>,
}

/// What a tool description hides from a person reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenInstructions {
    /// The line of the description.
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

impl McpServerFacts {
    /// Every credential handed to the server, sorted by place and name.
    pub fn credentials(&self) -> Vec<NamedCredential> {
        let named = |place: CredentialPlace, map: &BTreeMap<String, Credential>| {
            map.iter()
                .map(move |(name, credential)| NamedCredential {
                    place,
                    name: name.clone(),
                    credential: credential.clone(),
                })
                .collect::<Vec<_>>()
        };
        let mut found = named(CredentialPlace::Environment, &self.environment);
        found.extend(named(CredentialPlace::Header, &self.headers));
        found.extend(named(CredentialPlace::Argument, &self.arguments));
        found.extend(
            self.url_credential
                .iter()
                .map(|credential| NamedCredential {
                    place: CredentialPlace::Url,
                    name: "url".to_owned(),
                    credential: credential.clone(),
                }),
        );
        found
    }

    /// The URLs the server talks to, with `true` for its own: its URL, then URLs among its
    /// arguments.
    pub fn urls(&self) -> Vec<(String, bool)> {
        let mut found: Vec<(String, bool)> =
            self.url.iter().map(|url| (url.clone(), true)).collect();
        found.extend(self.argument_urls.values().map(|url| (url.clone(), false)));
        found
    }

    pub(super) fn merge(&mut self, other: McpServerFacts) {
        let McpServerFacts {
            client,
            name,
            transport,
            command,
            url,
            launcher,
            package,
            unpinned,
            shell,
            unreadable,
            auto_approve,
            disabled,
            scope,
            defined_elsewhere,
            environment,
            headers,
            arguments,
            url_credential,
            argument_urls,
        } = other;
        first(&mut self.client, client);
        first(&mut self.name, name);
        first(&mut self.transport, transport);
        first(&mut self.command, command);
        first(&mut self.url, url);
        first(&mut self.launcher, launcher);
        first(&mut self.package, package);
        first(&mut self.unpinned, unpinned);
        first(&mut self.shell, shell);
        first(&mut self.unreadable, unreadable);
        first(&mut self.auto_approve, auto_approve);
        self.disabled |= disabled;
        first(&mut self.scope, scope);
        self.defined_elsewhere |= defined_elsewhere;
        first_each(&mut self.environment, environment);
        first_each(&mut self.headers, headers);
        first_each(&mut self.arguments, arguments);
        first(&mut self.url_credential, url_credential);
        first_each(&mut self.argument_urls, argument_urls);
    }
}

impl ToolFacts {
    pub(super) fn merge(&mut self, other: ToolFacts) {
        let ToolFacts {
            format,
            description_sha256,
            schema_sha256,
            hidden_instructions,
            server,
            capabilities,
            mentions,
        } = other;
        first(&mut self.format, format);
        first(&mut self.description_sha256, description_sha256);
        first(&mut self.schema_sha256, schema_sha256);
        first(&mut self.hidden_instructions, hidden_instructions);
        first(&mut self.server, server);
        if self.capabilities.is_empty() {
            self.capabilities = capabilities;
        }
        first(&mut self.mentions, mentions);
    }
}
