//! `airlock-tools.lock`: the reviewed tool declarations of MCP servers, one entry per server and
//! tool with the SHA-256 of the declaration's canonical form, and the comparison of a scan with
//! it. A server can change what its tools say after they were reviewed (the "rug pull": a
//! description that gains an instruction, a schema that gains a parameter); with the lock, the
//! change is a finding that fails the gate.
//!
//! The canonical form is the one the tool-declarations extractor hashes
//! (`extract/mcp/tool_declarations.rs`): the tool's JSON object as found in the file (an OpenAI
//! `{"type": "function", "function": …}` wrapper included), keys sorted by their UTF-8 bytes at
//! every level, no white space, strings escaped as JSON (`serde_json`), numbers as written. Key
//! order and layout do not change the hash; any character of a name, description, schema or
//! annotation does.
//!
//! Only a lock the operator names (`--tools-lock FILE`) is read: a lock lying in a scanned tree
//! is data like the rest of the tree and is never consulted, so it cannot vouch for anything.

use std::collections::BTreeMap;

use crate::component::{Component, ComponentKey, ComponentKind, Hash, HashAlgorithm};
use crate::ecosystem::Ecosystem;
use crate::extract::mcp::tree::{self, Node};
use crate::graph::DependencyGraph;
use crate::location::{Evidence, Location};
use crate::name::PackageName;
use crate::risk::{Finding, RuleId};

/// The lock's file name.
pub const FILE_NAME: &str = "airlock-tools.lock";

/// The lock format version this airlock writes and reads.
pub const VERSION: u32 = 1;

/// The evidence's extractor for findings about the lock.
pub const LOCK_EVIDENCE: &str = "tools-lock";

/// One pinned declaration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PinnedTool {
    /// The server the declaration belongs to (its `serverInfo.name` or `SERVER.tools.json`);
    /// a list that names no server is pinned under its file path in parentheses.
    pub server: String,
    /// The tool's name.
    pub tool: String,
    /// Lowercase hex SHA-256 of the canonical declaration.
    pub sha256: String,
}

/// A tools lock: pinned declarations, sorted by server and tool, each pair once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolsLock {
    /// The pinned declarations.
    pub tools: Vec<PinnedTool>,
    /// The line of each entry in the file it was read from (empty for a lock made from a scan).
    pub lines: BTreeMap<(String, String), u32>,
}

/// Why a lock cannot be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolsLockError {
    /// The file is not a tools lock.
    #[error("{location}: {message}")]
    Invalid {
        /// Where the problem is.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The scan holds two different declarations of one server's tool, so no one of them can
    /// be the reviewed one.
    #[error("tool `{tool}` of server `{server}` is declared twice with different content ({first} and {second}); keep one declaration per server and tool")]
    Conflict {
        /// The server.
        server: String,
        /// The tool.
        tool: String,
        /// Where the first declaration is (`path:line`).
        first: String,
        /// Where the other one is.
        second: String,
    },
    /// A tool declaration without its SHA-256.
    #[error("{location}: tool `{tool}` has no SHA-256 to pin")]
    Unhashed {
        /// Where it is declared.
        location: Location,
        /// The tool.
        tool: String,
    },
}

/// A tool declaration of the scan, identified as the lock identifies it.
struct Declared<'g> {
    server: String,
    tool: String,
    sha256: Option<String>,
    component: &'g Component,
}

fn declared(graph: &DependencyGraph) -> Vec<Declared<'_>> {
    graph
        .components()
        .filter(|component| component.kind == ComponentKind::AgentTool)
        .map(|component| {
            let facts = component.facts.tool.as_deref();
            let server = facts
                .and_then(|facts| facts.server.clone())
                .unwrap_or_else(|| format!("({})", file_of(component)));
            Declared {
                server,
                tool: component.key.name.original().to_owned(),
                sha256: component
                    .hashes
                    .iter()
                    .find(|hash| hash.algorithm() == HashAlgorithm::Sha256)
                    .map(|hash| hash.value()),
                component,
            }
        })
        .collect()
}

fn file_of(component: &Component) -> String {
    match &component.key.source {
        crate::component::Source::File { path } => path.clone(),
        _ => String::new(),
    }
}

fn first_location(component: &Component) -> Location {
    component
        .evidence
        .iter()
        .next()
        .map(|evidence| evidence.location.clone())
        .unwrap_or_else(|| Location::file(file_of(component)))
}

/// The start of a hash as messages show it.
fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

impl ToolsLock {
    /// The lock of every tool declaration in `graph`.
    pub fn from_graph(graph: &DependencyGraph) -> Result<ToolsLock, ToolsLockError> {
        let mut by_pair: BTreeMap<(String, String), (String, &Component)> = BTreeMap::new();
        for found in declared(graph) {
            let Some(sha256) = found.sha256 else {
                return Err(ToolsLockError::Unhashed {
                    location: first_location(found.component),
                    tool: found.tool,
                });
            };
            let pair = (found.server.clone(), found.tool.clone());
            match by_pair.get(&pair) {
                Some((known, _)) if *known == sha256 => {}
                Some((_, first)) => {
                    return Err(ToolsLockError::Conflict {
                        server: found.server,
                        tool: found.tool,
                        first: first_location(first).to_string(),
                        second: first_location(found.component).to_string(),
                    })
                }
                None => {
                    by_pair.insert(pair, (sha256, found.component));
                }
            }
        }
        Ok(ToolsLock {
            tools: by_pair
                .into_iter()
                .map(|((server, tool), (sha256, _))| PinnedTool {
                    server,
                    tool,
                    sha256,
                })
                .collect(),
            lines: BTreeMap::new(),
        })
    }

    /// The lock as written: a header comment, `version`, then one `[[tool]]` table per entry,
    /// sorted, so that a review diff shows one entry per changed tool.
    pub fn to_toml(&self) -> String {
        let quote = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
        let mut text = String::from(
            "# airlock-tools.lock: the reviewed tool declarations of MCP servers (airlock tools pin).\n\
             # One entry per server and tool, sorted; sha256 is the SHA-256 of the declaration's\n\
             # canonical JSON (docs/agent-config.md#pinned-tool-declarations).\n\
             # Review a change to this file as a change of what the model is told.\n",
        );
        text.push_str(&format!("version = {VERSION}\n"));
        for pinned in &self.tools {
            text.push_str(&format!(
                "\n[[tool]]\nserver = {}\ntool = {}\nsha256 = {}\n",
                quote(&pinned.server),
                quote(&pinned.tool),
                quote(&pinned.sha256)
            ));
        }
        text
    }

    /// Reads a lock; `path` names it in errors.
    pub fn parse(path: &str, bytes: &[u8]) -> Result<ToolsLock, ToolsLockError> {
        let invalid = |line: u32, message: String| ToolsLockError::Invalid {
            location: Location::line(path, line),
            message,
        };
        let root = tree::parse_toml(path, bytes).map_err(|error| match error {
            crate::extract::ExtractError::Parse { location, message } => {
                ToolsLockError::Invalid { location, message }
            }
            other => ToolsLockError::Invalid {
                location: Location::file(path),
                message: other.to_string(),
            },
        })?;
        match root.get("version") {
            Some(version) if version.as_text().as_deref() == Some("1") => {}
            Some(version) => {
                return Err(invalid(
                    version.line,
                    format!(
                        "unsupported tools lock version `{}` (airlock reads {VERSION})",
                        version.as_text().unwrap_or_default()
                    ),
                ))
            }
            None => {
                return Err(invalid(
                    1,
                    "no `version`: not an airlock tools lock".to_owned(),
                ))
            }
        }
        let mut lock = ToolsLock::default();
        let entries = match root.get("tool") {
            Some(list) if matches!(list.value, tree::Value::Array(_)) => list.items(),
            Some(other) => {
                return Err(invalid(
                    other.line,
                    "`tool` is not an array of tables".to_owned(),
                ))
            }
            None => &[],
        };
        for entry in entries {
            let field = |name: &str| -> Result<String, ToolsLockError> {
                entry
                    .get(name)
                    .and_then(Node::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        invalid(entry.line, format!("an entry without a `{name}` string"))
                    })
            };
            let server = field("server")?;
            let tool = field("tool")?;
            let sha256 = field("sha256")?;
            if sha256.len() != 64 || !sha256.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return Err(invalid(
                    entry.line,
                    format!("`sha256` of `{server}` / `{tool}` is not 64 hex digits"),
                ));
            }
            let pair = (server.clone(), tool.clone());
            if let Some(first) = lock.lines.get(&pair) {
                return Err(invalid(
                    entry.line,
                    format!("`{server}` / `{tool}` is pinned again (first on line {first})"),
                ));
            }
            lock.lines.insert(pair, entry.line);
            lock.tools.push(PinnedTool {
                server,
                tool,
                sha256: sha256.to_ascii_lowercase(),
            });
        }
        lock.tools.sort();
        Ok(lock)
    }

    /// The component that stands for the lock in a report (`path` as shown, the SHA-256 of its
    /// bytes): findings about pinned tools that are gone are about it.
    pub fn component(path: &str, sha256: &str) -> Option<Component> {
        let name = PackageName::new(Ecosystem::GenericFile, FILE_NAME).ok()?;
        let mut component = Component::new(ComponentKey::in_file(name, path), ComponentKind::File)
            .with_evidence(Evidence {
                location: Location::file(path),
                extractor: LOCK_EVIDENCE,
            });
        if let Ok(hash) = Hash::new(HashAlgorithm::Sha256, sha256) {
            component.hashes.insert(hash);
        }
        Some(component)
    }

    /// The findings of `graph` against the lock: a declaration added, changed or removed since
    /// the pin is `tool-pin-changed`; a pinned server none of whose tools was read is
    /// `tool-pin-unverified` (unknown: it could not be compared, so it is not clean). `lock`
    /// is the key of [`ToolsLock::component`], `path` the lock as shown.
    pub fn compare(
        &self,
        graph: &DependencyGraph,
        lock: &ComponentKey,
        path: &str,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        let pinned: BTreeMap<(&str, &str), &str> = self
            .tools
            .iter()
            .map(|pin| {
                (
                    (pin.server.as_str(), pin.tool.as_str()),
                    pin.sha256.as_str(),
                )
            })
            .collect();
        let found = declared(graph);
        let finding_on = |component: &Component, rule: RuleId, message: String| {
            let mut finding = Finding::new(graph, rule, &component.key, message);
            finding.evidence = vec![first_location(component)];
            finding
        };
        for declaration in &found {
            let now = declaration.sha256.as_deref().unwrap_or_default();
            match pinned.get(&(declaration.server.as_str(), declaration.tool.as_str())) {
                None => findings.push(finding_on(
                    declaration.component,
                    RuleId::ToolPinChanged,
                    format!(
                        "tool `{}` of MCP server `{}` was added since the pin ({path}): it is not among the reviewed declarations; review it and pin again",
                        declaration.tool, declaration.server
                    ),
                )),
                Some(sha256) if *sha256 != now => findings.push(finding_on(
                    declaration.component,
                    RuleId::ToolPinChanged,
                    format!(
                        "tool `{}` of MCP server `{}` changed since the pin ({path}): its declaration hashes to {}…, the reviewed one to {}…; the server now tells the model something nobody reviewed",
                        declaration.tool,
                        declaration.server,
                        short(now),
                        short(sha256)
                    ),
                )),
                Some(_) => {}
            }
        }
        let mut unverified: BTreeMap<&str, Vec<&PinnedTool>> = BTreeMap::new();
        for pin in &self.tools {
            let same_server: Vec<&Declared<'_>> = found
                .iter()
                .filter(|declaration| declaration.server == pin.server)
                .collect();
            if same_server.is_empty() {
                unverified.entry(pin.server.as_str()).or_default().push(pin);
                continue;
            }
            if same_server
                .iter()
                .any(|declaration| declaration.tool == pin.tool)
            {
                continue;
            }
            let mut finding = Finding::new(
                graph,
                RuleId::ToolPinChanged,
                lock,
                format!(
                    "tool `{}` of MCP server `{}` was removed since the pin ({path}): the server's declarations no longer list it",
                    pin.tool, pin.server
                ),
            );
            finding.evidence = vec![self.location(path, pin)];
            findings.push(finding);
        }
        for (server, pins) in unverified {
            let tools: Vec<String> = pins.iter().map(|pin| format!("`{}`", pin.tool)).collect();
            let mut finding = Finding::new(
                graph,
                RuleId::ToolPinUnverified,
                lock,
                format!(
                    "no tool declaration of MCP server `{server}` was read, so its pinned tools ({}) could not be compared with the pin ({path}): save the server's tools/list as {server}.tools.json in the scanned tree",
                    tools.join(", ")
                ),
            );
            finding.evidence = pins.iter().map(|pin| self.location(path, pin)).collect();
            findings.push(finding);
        }
        findings
    }

    fn location(&self, path: &str, pin: &PinnedTool) -> Location {
        match self.lines.get(&(pin.server.clone(), pin.tool.clone())) {
            Some(line) => Location::line(path, *line),
            None => Location::file(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_reads_back_and_refuses_what_it_is_not() {
        let lock = ToolsLock {
            tools: vec![
                PinnedTool {
                    server: "mail \"x\"".to_owned(),
                    tool: "send_email".to_owned(),
                    sha256: "ab".repeat(32),
                },
                PinnedTool {
                    server: "web".to_owned(),
                    tool: "fetch".to_owned(),
                    sha256: "cd".repeat(32),
                },
            ],
            lines: BTreeMap::new(),
        };
        let text = lock.to_toml();
        let read = ToolsLock::parse("airlock-tools.lock", text.as_bytes()).unwrap();
        assert_eq!(read.tools, lock.tools);
        assert_eq!(
            read.lines[&("web".to_owned(), "fetch".to_owned())],
            12,
            "the `[[tool]]` line"
        );
        for (bad, message) in [
            ("version = 2\n", "unsupported tools lock version `2`"),
            ("[[tool]]\n", "no `version`"),
            (
                "version = 1\n[[tool]]\nserver = \"a\"\ntool = \"b\"\nsha256 = \"xyz\"\n",
                "not 64 hex digits",
            ),
            (
                "version = 1\n[[tool]]\nserver = \"a\"\n",
                "without a `tool` string",
            ),
            ("version = 1\ntool = 3\n", "not an array of tables"),
            ("version = [", "airlock-tools.lock:1"),
        ] {
            let error = ToolsLock::parse("airlock-tools.lock", bad.as_bytes()).unwrap_err();
            assert!(error.to_string().contains(message), "{bad:?}: {error}");
        }
        let twice = format!(
            "version = 1\n[[tool]]\nserver = \"a\"\ntool = \"b\"\nsha256 = \"{0}\"\n[[tool]]\nserver = \"a\"\ntool = \"b\"\nsha256 = \"{0}\"\n",
            "ab".repeat(32)
        );
        let error = ToolsLock::parse("l", twice.as_bytes()).unwrap_err();
        assert!(
            error.to_string().contains("pinned again (first on line 2)"),
            "{error}"
        );
    }
}
