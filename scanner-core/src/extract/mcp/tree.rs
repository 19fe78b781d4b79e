//! One small document tree with line numbers for every agent client config syntax: JSON with
//! comments and trailing commas (VS Code's JSONC, read by `jsonc-parser`), TOML (Codex, read by
//! toml's spanned `DeTable`) and YAML (Goose, read by serde-saphyr). The server readers then walk
//! the same [`Node`] whatever the syntax, and every finding points at its line.
//!
//! Parse errors never quote the file: a config that fails to parse may hold a secret on the
//! offending line, so messages carry only the position and the kind of error.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::de::{DeTable, DeValue};

use crate::extract::ExtractError;
use crate::location::Location;
use crate::text::LineIndex;

/// Nesting deeper than this is refused: real configs are a few levels deep.
const MAX_DEPTH: usize = 128;

/// A value with the 1-based line it starts on (for an object member: the line of its key).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: u32,
    pub(crate) value: Value,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// Numbers and other scalars kept as written.
    Scalar(String),
    String(String),
    Array(Vec<Node>),
    /// Members in file order (duplicates kept; [`Node::get`] takes the last, as JSON readers do).
    Object(Vec<(String, Node)>),
}

impl Node {
    fn new(line: u32, value: Value) -> Node {
        Node { line, value }
    }

    /// The member `key` of an object (the last one when the key is repeated).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(members) => members
                .iter()
                .rev()
                .find(|(name, _)| name == key)
                .map(|(_, node)| node),
            _ => None,
        }
    }

    /// The first of several spellings of a member that is present.
    pub(crate) fn get_any(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().find_map(|key| self.get(key))
    }

    /// A string value.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A string, number or boolean as text (env values are sometimes written unquoted).
    pub(crate) fn as_text(&self) -> Option<String> {
        match &self.value {
            Value::String(text) | Value::Scalar(text) => Some(text.clone()),
            Value::Bool(flag) => Some(flag.to_string()),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The members of an object (empty for anything else).
    pub(crate) fn members(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Object(members) => members,
            _ => &[],
        }
    }

    /// The items of an array (empty for anything else).
    pub(crate) fn items(&self) -> &[Node] {
        match &self.value {
            Value::Array(items) => items,
            _ => &[],
        }
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self.value, Value::Object(_))
    }

    /// What the value is, for a message about a value of the wrong type; never the value itself
    /// (a config's values may be secrets).
    pub(crate) fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Scalar(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }

    /// The value in a canonical JSON form: keys sorted, no white space. Used to hash a tool
    /// declaration so that formatting and key order do not change its identity.
    pub(crate) fn canonical_json(&self) -> String {
        let mut text = String::new();
        self.write_canonical(&mut text);
        text
    }

    fn write_canonical(&self, text: &mut String) {
        match &self.value {
            Value::Null => text.push_str("null"),
            Value::Bool(flag) => text.push_str(if *flag { "true" } else { "false" }),
            Value::Scalar(scalar) => text.push_str(scalar),
            Value::String(string) => {
                text.push_str(&serde_json::Value::String(string.clone()).to_string());
            }
            Value::Array(items) => {
                text.push('[');
                for (position, item) in items.iter().enumerate() {
                    if position > 0 {
                        text.push(',');
                    }
                    item.write_canonical(text);
                }
                text.push(']');
            }
            Value::Object(members) => {
                // Last value of a repeated key wins, as in `get`.
                let mut sorted: std::collections::BTreeMap<&str, &Node> =
                    std::collections::BTreeMap::new();
                for (key, node) in members {
                    sorted.insert(key, node);
                }
                text.push('{');
                for (position, (key, node)) in sorted.into_iter().enumerate() {
                    if position > 0 {
                        text.push(',');
                    }
                    text.push_str(&serde_json::Value::String(key.to_owned()).to_string());
                    text.push(':');
                    node.write_canonical(text);
                }
                text.push('}');
            }
        }
    }
}

fn utf8<'t>(path: &str, bytes: &'t [u8]) -> Result<&'t str, ExtractError> {
    crate::text::utf8(bytes).map_err(|(line, offset)| ExtractError::InvalidUtf8 {
        location: Location::line(path, line),
        offset,
    })
}

fn too_deep(path: &str, line: u32) -> ExtractError {
    ExtractError::Parse {
        location: Location::line(path, line),
        message: format!("nested more than {MAX_DEPTH} levels deep"),
    }
}

/// Parses JSON, JSON with comments and trailing commas (and the other JSON5 leniencies
/// `jsonc-parser` accepts: unquoted keys, single quotes).
pub(crate) fn parse_jsonc(path: &str, bytes: &[u8]) -> Result<Node, ExtractError> {
    let text = utf8(path, bytes)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let index = LineIndex::new(text);
    let parsed = jsonc_parser::parse_to_ast(
        text,
        &jsonc_parser::CollectOptions::default(),
        &jsonc_parser::ParseOptions::default(),
    )
    .map_err(|error| ExtractError::Parse {
        location: Location {
            path: path.to_owned(),
            line: u32::try_from(error.line_display()).ok(),
            column: u32::try_from(error.column_display()).ok(),
        },
        // The kind only: `Display` adds the position, which the location already carries.
        message: format!("invalid JSON: {}", error.kind()),
    })?;
    let builder = Builder {
        path,
        index: &index,
    };
    match parsed.value {
        Some(value) => builder.jsonc(&value, index.line(0), 0),
        None => Ok(Node::new(1, Value::Null)),
    }
}

fn element_start(value: &jsonc_parser::ast::Value<'_>) -> usize {
    use jsonc_parser::ast::Value as Json;
    match value {
        Json::StringLit(node) => node.range.start,
        Json::NumberLit(node) => node.range.start,
        Json::BooleanLit(node) => node.range.start,
        Json::Object(node) => node.range.start,
        Json::Array(node) => node.range.start,
        Json::NullKeyword(node) => node.range.start,
    }
}

/// Parses TOML (1.0 and 1.1, as the `toml` crate reads them).
pub(crate) fn parse_toml(path: &str, bytes: &[u8]) -> Result<Node, ExtractError> {
    let text = utf8(path, bytes)?;
    let index = LineIndex::new(text);
    let table = DeTable::parse(text)
        .map_err(|error| crate::extract::toml_tree::parse_error(path, text, &index, &error))?;
    let builder = Builder {
        path,
        index: &index,
    };
    builder.node(1, 0, || builder.toml_table(table.get_ref(), 0))
}

/// Turns one parsed file (JSONC or TOML) into a [`Node`] tree, giving each value its line.
struct Builder<'a> {
    path: &'a str,
    index: &'a LineIndex,
}

impl Builder<'_> {
    /// The node of the value at `line`, `depth` levels down, as `value` makes it; deeper than
    /// [`MAX_DEPTH`] is an error, so hostile nesting cannot exhaust the stack.
    fn node(
        &self,
        line: u32,
        depth: usize,
        value: impl FnOnce() -> Result<Value, ExtractError>,
    ) -> Result<Node, ExtractError> {
        if depth > MAX_DEPTH {
            return Err(too_deep(self.path, line));
        }
        Ok(Node::new(line, value()?))
    }

    fn jsonc(
        &self,
        value: &jsonc_parser::ast::Value<'_>,
        line: u32,
        depth: usize,
    ) -> Result<Node, ExtractError> {
        use jsonc_parser::ast::Value as Json;
        self.node(line, depth, || {
            Ok(match value {
                Json::NullKeyword(_) => Value::Null,
                Json::BooleanLit(boolean) => Value::Bool(boolean.value),
                Json::NumberLit(number) => Value::Scalar(number.value.to_owned()),
                Json::StringLit(string) => Value::String(string.value.to_string()),
                Json::Array(array) => {
                    let mut items = Vec::with_capacity(array.elements.len());
                    for element in &array.elements {
                        let line = self.index.line(element_start(element));
                        items.push(self.jsonc(element, line, depth + 1)?);
                    }
                    Value::Array(items)
                }
                Json::Object(object) => {
                    let mut members = Vec::with_capacity(object.properties.len());
                    for property in &object.properties {
                        let line = self.index.line(property.range.start);
                        let key = property.name.as_str().to_owned();
                        members.push((key, self.jsonc(&property.value, line, depth + 1)?));
                    }
                    Value::Object(members)
                }
            })
        })
    }

    /// The members of a table whose own node is `depth` levels down.
    fn toml_table(&self, table: &DeTable<'_>, depth: usize) -> Result<Value, ExtractError> {
        let mut members = Vec::with_capacity(table.len());
        for (key, value) in table {
            let line = self.index.line(key.span().start);
            members.push((
                key.get_ref().to_string(),
                self.toml(value.get_ref(), line, depth + 1)?,
            ));
        }
        Ok(Value::Object(members))
    }

    fn toml(&self, value: &DeValue<'_>, line: u32, depth: usize) -> Result<Node, ExtractError> {
        self.node(line, depth, || {
            Ok(match value {
                DeValue::String(text) => Value::String(text.to_string()),
                DeValue::Integer(number) => Value::Scalar(number.to_string()),
                DeValue::Float(number) => Value::Scalar(number.to_string()),
                DeValue::Boolean(flag) => Value::Bool(*flag),
                DeValue::Datetime(time) => Value::Scalar(time.to_string()),
                DeValue::Array(array) => {
                    let mut items = Vec::with_capacity(array.len());
                    for item in array {
                        let line = self.index.line(item.span().start);
                        items.push(self.toml(item.get_ref(), line, depth + 1)?);
                    }
                    Value::Array(items)
                }
                DeValue::Table(table) => self.toml_table(table, depth)?,
            })
        })
    }
}

/// Parses YAML (one document), with serde-saphyr's default budgets against hostile input.
pub(crate) fn parse_yaml(path: &str, bytes: &[u8]) -> Result<Node, ExtractError> {
    let text = utf8(path, bytes)?;
    let mut options = serde_saphyr::Options::default();
    // A snippet would quote the file, and the file may hold secrets.
    options.with_snippet = false;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    let root: YamlNode = serde_saphyr::from_str_with_options(text, options).map_err(|error| {
        let line = error
            .location()
            .and_then(|location| u32::try_from(location.line()).ok())
            .filter(|line| *line > 0);
        ExtractError::Parse {
            location: Location {
                path: path.to_owned(),
                line,
                column: None,
            },
            message: "invalid YAML".to_owned(),
        }
    })?;
    Ok(root.into_node(1))
}

/// A YAML value whose mapping keys know their line (serde-saphyr's `Spanned`).
#[derive(Debug)]
enum YamlNode {
    Null,
    Bool(bool),
    Scalar(String),
    String(String),
    Sequence(Vec<YamlNode>),
    Mapping(Vec<(String, u32, YamlNode)>),
}

impl YamlNode {
    fn into_node(self, line: u32) -> Node {
        match self {
            YamlNode::Null => Node::new(line, Value::Null),
            YamlNode::Bool(flag) => Node::new(line, Value::Bool(flag)),
            YamlNode::Scalar(text) => Node::new(line, Value::Scalar(text)),
            YamlNode::String(text) => Node::new(line, Value::String(text)),
            YamlNode::Sequence(items) => Node::new(
                line,
                Value::Array(items.into_iter().map(|item| item.into_node(line)).collect()),
            ),
            YamlNode::Mapping(members) => Node::new(
                line,
                Value::Object(
                    members
                        .into_iter()
                        .map(|(key, key_line, value)| (key, value.into_node(key_line)))
                        .collect(),
                ),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for YamlNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = YamlNode;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a YAML value")
            }
            fn visit_bool<E>(self, value: bool) -> Result<YamlNode, E> {
                Ok(YamlNode::Bool(value))
            }
            fn visit_i64<E>(self, value: i64) -> Result<YamlNode, E> {
                Ok(YamlNode::Scalar(value.to_string()))
            }
            fn visit_u64<E>(self, value: u64) -> Result<YamlNode, E> {
                Ok(YamlNode::Scalar(value.to_string()))
            }
            fn visit_f64<E>(self, value: f64) -> Result<YamlNode, E> {
                Ok(YamlNode::Scalar(value.to_string()))
            }
            fn visit_str<E>(self, value: &str) -> Result<YamlNode, E> {
                Ok(YamlNode::String(value.to_owned()))
            }
            fn visit_string<E>(self, value: String) -> Result<YamlNode, E> {
                Ok(YamlNode::String(value))
            }
            fn visit_unit<E>(self) -> Result<YamlNode, E> {
                Ok(YamlNode::Null)
            }
            fn visit_none<E>(self) -> Result<YamlNode, E> {
                Ok(YamlNode::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<YamlNode, D::Error> {
                YamlNode::deserialize(inner)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<YamlNode, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = sequence.next_element::<YamlNode>()? {
                    items.push(item);
                }
                Ok(YamlNode::Sequence(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<YamlNode, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<serde_saphyr::Spanned<String>>()? {
                    let value = map.next_value::<YamlNode>()?;
                    let line = u32::try_from(key.referenced.line()).unwrap_or(0).max(1);
                    members.push((key.value, line, value));
                }
                Ok(YamlNode::Mapping(members))
            }
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_with_comments_and_trailing_commas_keeps_lines() {
        let text = "// servers\n{\n  \"mcpServers\": {\n    /* one */\n    \"a\": {\"command\": \"npx\",},\n  },\n}\n";
        let root = parse_jsonc("x.json", text.as_bytes()).unwrap();
        let servers = root.get("mcpServers").unwrap();
        assert_eq!(servers.line, 3);
        let (name, server) = &servers.members()[0];
        assert_eq!(name, "a");
        assert_eq!(server.line, 5);
        assert_eq!(server.get("command").unwrap().as_str(), Some("npx"));
    }

    #[test]
    fn json_errors_name_the_line_and_never_quote_the_file() {
        let text = "{\n  \"env\": {\"TOKEN\": \"ghp_secretsecretsecret";
        let error = parse_jsonc("x.json", text.as_bytes()).unwrap_err();
        assert_eq!(error.location().line, Some(2));
        assert!(!error.to_string().contains("ghp_"), "{error}");
    }

    #[test]
    fn toml_and_yaml_members_know_their_lines() {
        let toml = "model = \"o3\"\n\n[mcp_servers.fetch]\ncommand = \"uvx\"\nargs = [\"mcp-server-fetch\"]\n";
        let root = parse_toml("config.toml", toml.as_bytes()).unwrap();
        let fetch = root.get("mcp_servers").unwrap().get("fetch").unwrap();
        assert_eq!(fetch.get("command").unwrap().line, 4);
        assert_eq!(fetch.get("args").unwrap().items()[0].line, 5);

        let yaml =
            "GOOSE_MODE: auto\nextensions:\n  fetch:\n    cmd: uvx\n    args: [mcp-server-fetch]\n";
        let root = parse_yaml("config.yaml", yaml.as_bytes()).unwrap();
        let fetch = root.get("extensions").unwrap().get("fetch").unwrap();
        assert_eq!(fetch.line, 3);
        assert_eq!(fetch.get("cmd").unwrap().line, 4);
        assert_eq!(
            fetch.get("args").unwrap().items()[0].as_str(),
            Some("mcp-server-fetch")
        );
        assert!(parse_yaml("bad.yaml", b"a: [unclosed\n").is_err());
    }

    #[test]
    fn canonical_json_ignores_layout_and_key_order() {
        let a = parse_jsonc("a.json", br#"{"b": [1, {"y": 2, "x": "s"}], "a": null}"#).unwrap();
        let b = parse_jsonc(
            "b.json",
            b"{\n a: null, // first\n b: [1, {x: 's', y: 2,},],\n}",
        )
        .unwrap();
        assert_eq!(a.canonical_json(), b.canonical_json());
        assert_eq!(a.canonical_json(), r#"{"a":null,"b":[1,{"x":"s","y":2}]}"#);
    }

    #[test]
    fn nesting_is_capped() {
        let deep = format!("{}{}", "[".repeat(400), "]".repeat(400));
        assert!(parse_jsonc("deep.json", deep.as_bytes()).is_err());
    }
}
