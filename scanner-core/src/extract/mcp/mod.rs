//! Agent client configurations: the MCP servers a client launches (a stdio command) or connects
//! to (an HTTP/SSE URL), the credentials it hands them, and the tools it lets a model call
//! without asking. Each server becomes an `mcp-server` component with an edge to what it runs
//! (an npm or PyPI package, a container image, a local script with its hash).
//!
//! Follows each client's documented config format (Model Context Protocol server configuration
//! as Claude Code, Claude Desktop, Cursor, VS Code, Windsurf, Cline, Zed, Gemini CLI, Codex and
//! Goose write it): one table row per client in [`clients`] (Claude Code's settings, with their
//! scopes and approvals, in [`claude_code_settings`]), all reading server entries through
//! [`read_server`], which knows every spelling of the same fields (`command`/`cmd`,
//! `url`/`serverUrl`/`httpUrl`/`uri`, `env`/`envs`/`env_keys`, `autoApprove`/`alwaysAllow`/
//! `trust`, ...).
//!
//! airlock never starts a server, never contacts one and never expands a variable: everything
//! here is read from the file. Credential values are classified ([`secrets`]) and dropped; the
//! graph keeps names, lines and, for a literal secret, a redacted form.

pub mod claude_code_settings;
pub mod clients;
pub(crate) mod launch;
pub(crate) mod secrets;
pub(crate) mod tool_capabilities;
pub mod tool_declarations;
pub(crate) mod tree;
pub mod user_config;

use crate::component::Source;
use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind};
use crate::diagnostic::{Diagnostic, DiagnosticCode, DiagnosticSeverity};
use crate::ecosystem::Ecosystem;
use crate::location::{Evidence, Location};
use crate::name::PackageName;

use super::{join_path, parent_directory, Extraction, Input, Reference, Target};
use crate::facts::mcp::{AutoApprove, Credential, McpServerFacts, Transport};
use crate::facts::Word;
use secrets::ValueClass;
use tree::Node;

/// Agent client configs are small; `~/.claude.json` also keeps per-project history and grows to
/// a few megabytes. Anything larger is not a config.
pub const CONFIG_READ_LIMIT: u64 = 16 * 1024 * 1024;

/// More servers than this in one file are not read (a diagnostic says so).
const MAX_SERVERS: usize = 1000;
/// More arguments, variables or headers than this per server are not read.
const MAX_ITEMS: usize = 256;

/// The client a config belongs to (a word of the facts vocabulary, named here for the client
/// modules).
pub use crate::facts::mcp::Client;

/// A `NAME → value` pair of an env block or a header map. The value lives only until it is
/// classified.
#[derive(Debug, Clone)]
pub(crate) struct Setting {
    pub(crate) name: String,
    pub(crate) line: u32,
    /// `None` when only the name is given (the value comes from the environment).
    pub(crate) value: Option<String>,
}

/// One server entry as a config declares it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServerEntry {
    pub(crate) name: String,
    pub(crate) line: u32,
    /// A scope inside the file (a project of `~/.claude.json`).
    pub(crate) scope: Option<String>,
    /// `type`/`transport`/`transportType` as written.
    pub(crate) declared_transport: Option<String>,
    pub(crate) command: Option<(String, u32)>,
    pub(crate) arguments: Vec<(String, u32)>,
    pub(crate) env: Vec<Setting>,
    pub(crate) headers: Vec<Setting>,
    pub(crate) url: Option<(String, u32)>,
    pub(crate) cwd: Option<String>,
    pub(crate) auto_approve: Option<AutoApprove>,
    pub(crate) disabled: bool,
    /// Why the entry could not be read as a server (it is not an object).
    pub(crate) unreadable: Option<String>,
}

/// Reads one server entry in any client's spelling.
pub(crate) fn read_server(
    name: &str,
    node: &Node,
    diagnostics: &mut Vec<Diagnostic>,
    path: &str,
) -> Option<ServerEntry> {
    if !node.is_object() {
        // The entry stays a server, marked unreadable: a client may still start something
        // under this name (or a later edit of one character makes it), so a config airlock
        // could not read is never reported as holding nothing (`mcp-server-unreadable`).
        let reason = format!("it is {}, not an object", node.kind());
        diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            Location::line(path, node.line),
            format!(
                "MCP server `{name}` is {}, not an object; what it runs is unknown",
                node.kind()
            ),
        ));
        return Some(ServerEntry {
            name: name.to_owned(),
            line: node.line,
            unreadable: Some(reason),
            ..ServerEntry::default()
        });
    }
    let mut entry = ServerEntry {
        name: name.to_owned(),
        line: node.line,
        ..ServerEntry::default()
    };
    entry.declared_transport = node
        .get_any(&["type", "transport", "transportType"])
        .and_then(Node::as_str)
        .map(str::to_owned);
    // Zed: `"command": {"path": …, "args": […], "env": {…}}`.
    let command_node = node.get_any(&["command", "cmd"]);
    let (command_holder, command) = match command_node {
        Some(inner) if inner.is_object() => (
            inner,
            inner
                .get("path")
                .and_then(|path| path.as_str().map(|text| (text.to_owned(), path.line))),
        ),
        Some(inner) => (
            node,
            inner.as_str().map(|text| (text.to_owned(), inner.line)),
        ),
        None => (node, None),
    };
    entry.command = command;
    for argument in command_holder
        .get("args")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .take(MAX_ITEMS)
    {
        if let Some(text) = argument.as_text() {
            entry.arguments.push((text, argument.line));
        }
    }
    // A whole command line in `command` (some clients split it, some users rely on that).
    if entry.arguments.is_empty() {
        if let Some((text, line)) = entry.command.clone() {
            // Split only a line whose first word is no path: `C:\Program Files\x.exe` is one.
            let first_word = text.split_whitespace().next().unwrap_or_default();
            if text.trim().contains(char::is_whitespace) && !first_word.contains(['/', '\\']) {
                let mut words = launch::split_words(&text).into_iter();
                if let Some(first) = words.next() {
                    entry.command = Some((first, line));
                    entry.arguments = words.map(|word| (word, line)).take(MAX_ITEMS).collect();
                }
            }
        }
    }
    let holders: &[&Node] = if std::ptr::eq(command_holder, node) {
        &[node]
    } else {
        &[command_holder, node]
    };
    for holder in holders {
        for key in ["env", "envs", "environment"] {
            let members = holder.get(key).map(Node::members).unwrap_or_default();
            for (variable, value) in members.iter().take(MAX_ITEMS) {
                if entry.env.iter().any(|known| known.name == *variable) {
                    continue;
                }
                entry.env.push(Setting {
                    name: variable.clone(),
                    line: value.line,
                    value: Some(value.as_text().unwrap_or_default()),
                });
            }
        }
    }
    // Names whose values the client takes from its own environment (Goose `env_keys`, Codex
    // `env_vars`).
    for key in ["env_keys", "env_vars"] {
        for item in node
            .get(key)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .take(MAX_ITEMS)
        {
            if let Some(variable) = item.as_str() {
                entry.env.push(Setting {
                    name: variable.to_owned(),
                    line: item.line,
                    value: None,
                });
            }
        }
    }
    for key in ["headers", "http_headers", "requestInit"] {
        let holder = match node.get(key) {
            Some(found) if key == "requestInit" => found.get("headers"),
            other => other,
        };
        for (header, value) in holder
            .map(Node::members)
            .unwrap_or_default()
            .iter()
            .take(MAX_ITEMS)
        {
            entry.headers.push(Setting {
                name: header.clone(),
                line: value.line,
                value: Some(value.as_text().unwrap_or_default()),
            });
        }
    }
    // Codex: `env_http_headers = { "X-Api-Key" = "ENV_NAME" }` and `bearer_token_env_var`.
    for (header, variable) in node
        .get("env_http_headers")
        .map(Node::members)
        .unwrap_or_default()
    {
        entry.headers.push(Setting {
            name: header.clone(),
            line: variable.line,
            value: variable.as_str().map(|name| format!("${{{name}}}")),
        });
    }
    if let Some(variable) = node.get("bearer_token_env_var") {
        entry.headers.push(Setting {
            name: "Authorization".to_owned(),
            line: variable.line,
            value: variable.as_str().map(|name| format!("Bearer ${{{name}}}")),
        });
    }
    entry.url = node
        .get_any(&["url", "serverUrl", "httpUrl", "uri", "endpoint"])
        .and_then(|url| url.as_str().map(|text| (text.to_owned(), url.line)));
    if entry.declared_transport.is_none() && node.get("httpUrl").is_some() {
        entry.declared_transport = Some("http".to_owned());
    }
    entry.cwd = node.get("cwd").and_then(Node::as_str).map(str::to_owned);
    for key in ["autoApprove", "alwaysAllow"] {
        if let Some(list) = node.get(key) {
            let tools: Vec<String> = list
                .items()
                .iter()
                .filter_map(Node::as_text)
                .take(MAX_ITEMS)
                .collect();
            if !tools.is_empty() {
                entry.auto_approve = Some(AutoApprove {
                    line: list.line,
                    setting: key.to_owned(),
                    tools,
                });
            }
        }
    }
    if let Some(trust) = node
        .get("trust")
        .filter(|trust| trust.as_bool() == Some(true))
    {
        entry.auto_approve = Some(AutoApprove {
            line: trust.line,
            setting: "trust: true".to_owned(),
            tools: vec!["*".to_owned()],
        });
    }
    entry.disabled = node.get("disabled").and_then(Node::as_bool) == Some(true)
        || node.get("enabled").and_then(Node::as_bool) == Some(false);
    Some(entry)
}

/// Reads every member of a servers map.
pub(crate) fn read_servers(
    map: Option<&Node>,
    scope: Option<&str>,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ServerEntry> {
    let Some(map) = map else {
        return Vec::new();
    };
    if !map.is_object() && !matches!(map.value, tree::Value::Null) {
        diagnostics.push(wrong_type(
            path,
            map,
            "the MCP server map",
            "an object of servers",
        ));
        return Vec::new();
    }
    let members = map.members();
    if members.len() > MAX_SERVERS {
        diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            Location::line(path, map.line),
            format!("more than {MAX_SERVERS} MCP servers; the rest were not read"),
        ));
    }
    members
        .iter()
        .take(MAX_SERVERS)
        .filter_map(|(name, node)| {
            let mut entry = read_server(name, node, diagnostics, path)?;
            entry.scope = scope.map(str::to_owned);
            Some(entry)
        })
        .collect()
}

/// A setting of the wrong type (`what` at its line is not `expected`): a warning naming the file
/// and line, so that a config airlock could not read is never reported as one that holds
/// nothing. The message names the type found, never the value (it may be a secret).
pub(crate) fn wrong_type(path: &str, node: &Node, what: &str, expected: &str) -> Diagnostic {
    Diagnostic::warning(
        DiagnosticCode::InvalidEntry,
        Location::line(path, node.line),
        format!("{what} is {}, not {expected}; it was not read", node.kind()),
    )
}

/// One config file being turned into components.
#[derive(Debug)]
pub(crate) struct ConfigFile<'a, 'i> {
    pub(crate) input: &'a Input<'i>,
    pub(crate) extractor: &'static str,
    pub(crate) client: Client,
    /// The directory relative commands and `${workspaceFolder}` resolve against.
    pub(crate) project_directory: String,
    /// An approval that covers every server of the file (Codex `approval_policy = "never"`).
    pub(crate) global_auto_approve: Option<AutoApprove>,
}

impl ConfigFile<'_, '_> {
    fn location(&self, line: u32) -> Location {
        Location::line(self.input.path, line)
    }

    fn evidence(&self, line: u32) -> Evidence {
        Evidence {
            location: self.location(line),
            extractor: self.extractor,
        }
    }
}

/// The key of the server `name` declared in the file at `path`.
pub(crate) fn server_key(path: &str, scope: Option<&str>, name: &str) -> Option<ComponentKey> {
    let folded: String = crate::name::dashed(name.trim()).collect();
    let full = match scope {
        Some(scope) => format!("{scope}/{folded}"),
        None => folded,
    };
    let name = PackageName::new(Ecosystem::GenericFile, &full).ok()?;
    Some(ComponentKey::in_file(name, path))
}

/// Turns server entries into components, edges and roots.
pub(crate) fn build(
    config: &ConfigFile<'_, '_>,
    entries: Vec<ServerEntry>,
    extraction: &mut Extraction,
) {
    for entry in entries {
        build_server(config, entry, extraction);
    }
}

fn credential(line: u32, name: &str, class: ValueClass, value: Option<&str>) -> Credential {
    Credential {
        line,
        value: class.as_str().to_owned(),
        credential: secrets::is_credential_name(name),
        redacted: (class == ValueClass::Secret).then(|| secrets::redact(value.unwrap_or_default())),
        flag: None,
    }
}

/// A literal secret the file wrote, of which only the redacted form is kept.
fn literal_secret(
    line: u32,
    redacted: String,
    credential: bool,
    flag: Option<String>,
) -> Credential {
    Credential {
        line,
        value: ValueClass::Secret.as_str().to_owned(),
        credential,
        redacted: Some(redacted),
        flag,
    }
}

/// Records the literal secret of command-line argument `number` (counted from 1); the first
/// one found at a position stays.
fn record_argument_secret(facts: &mut McpServerFacts, number: usize, secret: Credential) {
    facts.arguments.entry(number.to_string()).or_insert(secret);
}

fn build_server(config: &ConfigFile<'_, '_>, entry: ServerEntry, extraction: &mut Extraction) {
    let path = config.input.path;
    let Some(key) = server_key(path, entry.scope.as_deref(), &entry.name) else {
        extraction.diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            config.location(entry.line),
            "an MCP server without a usable name; skipped",
        ));
        return;
    };
    let mut server = Component::new(key.clone(), ComponentKind::McpServer)
        .with_evidence(config.evidence(entry.line));
    let mut facts = McpServerFacts {
        client: Some(config.client.into()),
        disabled: entry.disabled,
        scope: entry.scope.clone(),
        ..McpServerFacts::default()
    };
    if entry.name.trim() != key.name.original().rsplit('/').next().unwrap_or_default() {
        facts.name = Some(entry.name.clone());
    }
    facts.transport = Some(
        match (&entry.declared_transport, &entry.url, &entry.command) {
            (Some(declared), _, _) => normalize_transport(declared),
            (None, Some(_), _) => Transport::Http.into(),
            (None, None, Some(_)) => Transport::Stdio.into(),
            (None, None, None) => Transport::Unknown.into(),
        },
    );

    // A stdio or remote server (or one of no declared kind) needs a command or a URL; without
    // either, what the client starts is unknown. Kinds a client provides itself (Zed's
    // `extension`, Goose's `builtin`) need neither.
    let needs_target = facts.transport.as_ref().is_some_and(|transport| {
        matches!(
            transport.known(),
            Some(Transport::Stdio | Transport::Sse | Transport::Http | Transport::Unknown)
        )
    });
    facts.unreadable = entry.unreadable.clone().or_else(|| {
        (needs_target && entry.command.is_none() && entry.url.is_none())
            .then(|| "it names neither a command nor a URL".to_owned())
    });

    if let Some((url, line)) = &entry.url {
        let (safe, secret) = secrets::sanitize_url(url);
        facts.url = Some(safe);
        facts.url_credential = secret.map(|redacted| literal_secret(*line, redacted, true, None));
    }

    // Environment variables and HTTP headers carry credentials the same way: record the name,
    // where it is and what kind of value it holds, never the value.
    for (by_name, settings) in [
        (&mut facts.environment, &entry.env),
        (&mut facts.headers, &entry.headers),
    ] {
        for setting in settings {
            let class = match &setting.value {
                Some(value) => secrets::classify(&setting.name, value),
                None => ValueClass::Inherited,
            };
            by_name.entry(setting.name.clone()).or_insert_with(|| {
                credential(setting.line, &setting.name, class, setting.value.as_deref())
            });
        }
    }

    facts.auto_approve = entry
        .auto_approve
        .clone()
        .or_else(|| config.global_auto_approve.clone());

    let mut edges: Vec<(Component, String)> = Vec::new();
    if let Some((command, command_line)) = &entry.command {
        let arguments: Vec<String> = entry
            .arguments
            .iter()
            .map(|(text, _)| text.clone())
            .collect();
        // The command line as shown: arguments that are credentials are redacted.
        let mut shown = vec![command.clone()];
        let mut after_credential_flag: Option<String> = None;
        for (position, (argument, line)) in entry.arguments.iter().enumerate() {
            let number = position + 1;
            let argument_line = *line;
            if let Some(flag) = after_credential_flag.take() {
                if secrets::is_reference(argument) {
                    shown.push(argument.clone());
                } else {
                    let redacted = secrets::redact(argument);
                    shown.push(redacted.clone());
                    record_argument_secret(
                        &mut facts,
                        number,
                        literal_secret(argument_line, redacted, true, Some(flag)),
                    );
                }
                continue;
            }
            if let Some((flag, value)) = argument
                .split_once('=')
                .filter(|(flag, _)| secrets::is_credential_flag(flag))
            {
                if secrets::is_reference(value) || value.is_empty() {
                    shown.push(argument.clone());
                } else {
                    let redacted = secrets::redact(value);
                    shown.push(format!("{flag}={redacted}"));
                    record_argument_secret(
                        &mut facts,
                        number,
                        literal_secret(argument_line, redacted, true, Some(flag.to_owned())),
                    );
                }
                continue;
            }
            if secrets::is_credential_flag(argument) {
                after_credential_flag = Some(argument.clone());
                shown.push(argument.clone());
                continue;
            }
            if secrets::url_scheme(argument).is_some() {
                let (safe, secret) = secrets::sanitize_url(argument);
                if let Some(redacted) = secret {
                    record_argument_secret(
                        &mut facts,
                        number,
                        literal_secret(argument_line, redacted, true, None),
                    );
                }
                if matches!(
                    secrets::url_scheme(&safe).as_deref(),
                    Some("http" | "https" | "ws" | "wss")
                ) {
                    facts
                        .argument_urls
                        .entry(number.to_string())
                        .or_insert_with(|| safe.clone());
                }
                shown.push(safe);
                continue;
            }
            // `KEY=value` arguments (`env TOKEN=… server`, `-e TOKEN=…` of docker are read
            // below) and bare tokens.
            let (name, value) = argument.split_once('=').unwrap_or(("", argument));
            let class = if name.is_empty() {
                if !secrets::is_reference(value) && secrets::looks_like_secret(value) {
                    ValueClass::Secret
                } else {
                    ValueClass::Literal
                }
            } else {
                secrets::classify(name, value)
            };
            if class == ValueClass::Secret {
                let redacted = secrets::redact(value);
                shown.push(if name.is_empty() {
                    redacted.clone()
                } else {
                    format!("{name}={redacted}")
                });
                record_argument_secret(
                    &mut facts,
                    number,
                    literal_secret(
                        argument_line,
                        redacted,
                        !name.is_empty() && secrets::is_credential_name(name),
                        None,
                    ),
                );
            } else {
                shown.push(argument.clone());
            }
        }
        facts.command = Some(shown.join(" "));

        let launch = launch::analyze(command, &arguments);
        for (variable, value) in &launch.container_env {
            let class = match value {
                Some(value) => secrets::classify(variable, value),
                None => ValueClass::Inherited,
            };
            // A variable the env block already names keeps what the env block says.
            facts
                .environment
                .entry(variable.clone())
                .or_insert_with(|| credential(*command_line, variable, class, value.as_deref()));
        }
        facts.launcher.clone_from(&launch.launcher);
        facts.shell.clone_from(&launch.shell);
        // The reason quotes the spec, which is a package name and version, never a value from
        // an env block; a credential argument is never the spec.
        facts.unpinned.clone_from(&launch.unpinned);
        let arguments_line = entry
            .arguments
            .first()
            .map_or(*command_line, |(_, line)| *line);
        if let Some(spec) = &launch.package {
            match package_component(config, spec, arguments_line) {
                Ok(package) => {
                    facts.package = Some(package.key.purl().to_string());
                    let relation = launch.launcher.clone().unwrap_or_else(|| "runs".to_owned());
                    edges.push((package, relation));
                }
                Err(reason) => extraction.diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    config.location(arguments_line),
                    format!("MCP server `{}`: {reason}", entry.name),
                )),
            }
        } else if let Some(script) = &launch.script {
            if let Some(file) = script_component(config, &entry, script, arguments_line, extraction)
            {
                let relation = launch.launcher.clone().unwrap_or_else(|| "runs".to_owned());
                edges.push((file, relation));
            }
        } else if launch.shell.is_none() && launch.unpinned.is_none() {
            extraction.diagnostics.push(Diagnostic::new(
                DiagnosticCode::UnresolvedMcpCommand,
                DiagnosticSeverity::Note,
                Some(config.location(*command_line)),
                format!(
                    "MCP server `{}` runs `{}`, a program found on PATH: no package or file to list",
                    entry.name,
                    launch::program(command)
                ),
            ));
        }
    }

    for (target, relation) in edges {
        extraction.references.push(Reference {
            from: key.clone(),
            to: Target::Key(target.key.clone()),
            kind: EdgeKind::Normal,
            conditions: EdgeDetails {
                relation: Some(relation),
                ..EdgeDetails::default()
            },
            location: Some(config.location(entry.line)),
        });
        extraction.components.push(target);
    }
    server.facts.mcp_server = Some(Box::new(facts));
    extraction.roots.push(key);
    extraction.components.push(server);
}

fn normalize_transport(declared: &str) -> Word<Transport> {
    match declared
        .trim()
        .to_ascii_lowercase()
        .replace('_', "-")
        .as_str()
    {
        "stdio" | "local" | "command" => Transport::Stdio.into(),
        "sse" => Transport::Sse.into(),
        "http" | "streamable-http" | "streamablehttp" | "remote" => Transport::Http.into(),
        other => Word::read(other),
    }
}

fn package_component(
    config: &ConfigFile<'_, '_>,
    spec: &launch::PackageSpec,
    line: u32,
) -> Result<Component, String> {
    let name = PackageName::new(spec.ecosystem, &spec.name)
        .map_err(|error| format!("cannot name its {} package: {error}", spec.ecosystem))?;
    let source = Source::Registry {
        index: spec.registry.clone(),
    };
    let key = ComponentKey::new(spec.ecosystem, name, spec.version.clone(), source);
    let mut component =
        Component::new(key, ComponentKind::Library).with_evidence(config.evidence(line));
    component.facts.requirement.clone_from(&spec.requirement);
    component.facts.image_tag.clone_from(&spec.tag);
    Ok(component)
}

/// The scan-relative path of a script a server runs: `${workspaceFolder}` and relative paths
/// resolve against the server's `cwd` or the project directory.
fn script_path(config: &ConfigFile<'_, '_>, entry: &ServerEntry, script: &str) -> String {
    let project = config.project_directory.as_str();
    let mut text = script.to_owned();
    for variable in [
        "${workspaceFolder}",
        "${workspaceRoot}",
        "${PWD}",
        "${CLAUDE_PROJECT_DIR}",
    ] {
        if let Some(rest) = text.strip_prefix(variable) {
            text = format!("./{}", rest.trim_start_matches(['/', '\\']));
        }
    }
    let base = match &entry.cwd {
        Some(cwd) => join_path(project, &cwd.replace("${workspaceFolder}", ".")),
        None => project.to_owned(),
    };
    let base = if base == "." { String::new() } else { base };
    join_path(&base, &text)
}

fn script_component(
    config: &ConfigFile<'_, '_>,
    entry: &ServerEntry,
    script: &str,
    line: u32,
    extraction: &mut Extraction,
) -> Option<Component> {
    let path = script_path(config, entry, script);
    let file_name = path
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or(script);
    let name = PackageName::new(Ecosystem::GenericFile, file_name)
        .or_else(|_| PackageName::new(Ecosystem::GenericFile, "script"))
        .ok()?;
    let key = ComponentKey::in_file(name, &path);
    let mut component =
        Component::new(key, ComponentKind::File).with_evidence(config.evidence(line));
    if path.starts_with('~') || path.starts_with("${") {
        extraction.diagnostics.push(Diagnostic::warning(
            DiagnosticCode::OutsideScanRoot,
            config.location(line),
            format!("MCP server `{}` runs `{script}`, which lies outside the scan; listed without a hash", entry.name),
        ));
        return Some(component);
    }
    match config.input.files.digest(&path) {
        Ok(digest) => component.hashes.extend(digest.hashes()),
        Err(mut diagnostic) => {
            // A script missing from the checkout (not built yet, or on another machine) leaves
            // the server listed without a hash; it does not make the scan incomplete.
            diagnostic.severity = DiagnosticSeverity::Warning;
            diagnostic.location = Some(config.location(line));
            diagnostic.message = format!(
                "MCP server `{}` runs `{path}`: {}; listed without a hash",
                entry.name, diagnostic.message
            );
            extraction.diagnostics.push(diagnostic);
        }
    }
    Some(component)
}

/// The directory a config's relative paths resolve against: the folder holding the client's
/// dot-directory (`.cursor`, `.vscode`, `.gemini`, `.zed`, `.claude`, `.codex`), else the
/// config's own folder.
pub(crate) fn project_directory(path: &str) -> String {
    let directory = parent_directory(path);
    let (parent, last) = directory.rsplit_once('/').unwrap_or(("", directory));
    if matches!(
        last,
        ".cursor" | ".vscode" | ".gemini" | ".zed" | ".claude" | ".codex" | ".roo"
    ) {
        parent.to_owned()
    } else {
        directory.to_owned()
    }
}

#[cfg(test)]
mod tests;
