//! A spanned TOML tree for the Python TOML formats (pyproject.toml, uv.lock, poetry.lock,
//! pylock.toml), read with toml's own `DeTable` parser (TOML 1.0/1.1).
//!
//! These formats are walked by hand rather than deserialized into fixed structs: a wrong type in
//! one field must cost that entry (with a diagnostic naming its line), not the whole file, and
//! every value keeps its span so each diagnostic and piece of evidence points at its line.

use std::ops::Range;

use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::ExtractError;
use crate::location::Location;
use crate::text::LineIndex;

/// A TOML value with its byte span.
pub(crate) type Node<'i> = Spanned<DeValue<'i>>;

/// One parsed TOML file: the tree plus what is needed to turn spans into locations.
#[derive(Debug)]
pub(crate) struct TomlFile<'i> {
    pub(crate) path: &'i str,
    index: LineIndex,
    pub(crate) root: DeTable<'i>,
}

impl<'i> TomlFile<'i> {
    /// Parses `bytes`; invalid UTF-8 and invalid TOML are errors naming the line (and column).
    pub(crate) fn parse(path: &'i str, bytes: &'i [u8]) -> Result<TomlFile<'i>, ExtractError> {
        let text =
            crate::text::utf8(bytes).map_err(|(line, offset)| ExtractError::InvalidUtf8 {
                location: Location::line(path, line),
                offset,
            })?;
        let index = LineIndex::new(text);
        match DeTable::parse(text) {
            Ok(root) => Ok(TomlFile {
                path,
                index,
                root: root.into_inner(),
            }),
            Err(error) => {
                let (line, column) = error
                    .span()
                    .map(|span| index.line_column(text, span.start))
                    .map_or((None, None), |(line, column)| (Some(line), Some(column)));
                Err(ExtractError::Parse {
                    location: Location {
                        path: path.to_owned(),
                        line,
                        column,
                    },
                    message: format!("invalid TOML: {}", error.message().trim_end()),
                })
            }
        }
    }

    /// 1-based line of a span's start.
    pub(crate) fn line(&self, span: &Range<usize>) -> u32 {
        self.index.line(span.start)
    }

    pub(crate) fn location(&self, span: &Range<usize>) -> Location {
        Location::line(self.path, self.line(span))
    }

    /// An `invalid-entry` warning at a span.
    pub(crate) fn warning(&self, span: &Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            self.location(span),
            message.into(),
        )
    }
}

/// A field of a table, if present.
pub(crate) fn field<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Node<'i>> {
    table.get(key)
}

/// What a value is, for messages: "a string", "an array", ...
pub(crate) fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A field of the wrong type: the message says which field, what was expected and what was
/// found; the span is the value's.
#[derive(Debug, Clone)]
pub(crate) struct WrongType {
    pub(crate) span: Range<usize>,
    pub(crate) message: String,
}

impl WrongType {
    fn new(key: &str, expected: &str, node: &Node<'_>) -> WrongType {
        WrongType {
            span: node.span(),
            message: format!(
                "`{key}` must be {expected}, found {}",
                describe(node.get_ref())
            ),
        }
    }

    pub(crate) fn to_diagnostic(&self, file: &TomlFile<'_>, context: &str) -> Diagnostic {
        file.warning(&self.span, format!("{context}: {}", self.message))
    }
}

/// `key` as a string, `None` when absent.
pub(crate) fn string_field<'a>(
    table: &'a DeTable<'_>,
    key: &str,
) -> Result<Option<&'a str>, WrongType> {
    match field(table, key) {
        None => Ok(None),
        Some(node) => match node.get_ref() {
            DeValue::String(text) => Ok(Some(text.as_ref())),
            _ => Err(WrongType::new(key, "a string", node)),
        },
    }
}

/// `key` as a boolean, `None` when absent.
pub(crate) fn bool_field(table: &DeTable<'_>, key: &str) -> Result<Option<bool>, WrongType> {
    match field(table, key) {
        None => Ok(None),
        Some(node) => match node.get_ref() {
            DeValue::Boolean(value) => Ok(Some(*value)),
            _ => Err(WrongType::new(key, "true or false", node)),
        },
    }
}

/// `key` as an array, `None` when absent.
pub(crate) fn array_field<'a, 'i>(
    table: &'a DeTable<'i>,
    key: &str,
) -> Result<Option<&'a DeArray<'i>>, WrongType> {
    match field(table, key) {
        None => Ok(None),
        Some(node) => match node.get_ref() {
            DeValue::Array(array) => Ok(Some(array)),
            _ => Err(WrongType::new(key, "an array", node)),
        },
    }
}

/// `key` as a table, `None` when absent.
pub(crate) fn table_field<'a, 'i>(
    table: &'a DeTable<'i>,
    key: &str,
) -> Result<Option<&'a DeTable<'i>>, WrongType> {
    match field(table, key) {
        None => Ok(None),
        Some(node) => match node.get_ref() {
            DeValue::Table(inner) => Ok(Some(inner)),
            _ => Err(WrongType::new(key, "a table", node)),
        },
    }
}

/// A list of strings (`extras = ["a", "b"]`); entries of another type are a wrong type.
pub(crate) fn string_list(table: &DeTable<'_>, key: &str) -> Result<Vec<String>, WrongType> {
    let Some(array) = array_field(table, key)? else {
        return Ok(Vec::new());
    };
    array
        .iter()
        .map(|item| match item.get_ref() {
            DeValue::String(text) => Ok(text.to_string()),
            _ => Err(WrongType::new(key, "a list of strings", item)),
        })
        .collect()
}

/// A value as a table, or the wrong type naming `what`.
pub(crate) fn as_table<'a, 'i>(
    node: &'a Node<'i>,
    what: &str,
) -> Result<&'a DeTable<'i>, WrongType> {
    match node.get_ref() {
        DeValue::Table(table) => Ok(table),
        _ => Err(WrongType::new(what, "a table", node)),
    }
}

/// A value as a string, or the wrong type naming `what`.
pub(crate) fn as_str<'a>(node: &'a Node<'_>, what: &str) -> Result<&'a str, WrongType> {
    match node.get_ref() {
        DeValue::String(text) => Ok(text.as_ref()),
        _ => Err(WrongType::new(what, "a string", node)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_types_with_lines() {
        let text = "a = \"x\"\nb = [1]\n[c]\nd = true\n";
        let file = TomlFile::parse("f.toml", text.as_bytes()).unwrap();
        assert_eq!(string_field(&file.root, "a").unwrap(), Some("x"));
        let error = string_field(&file.root, "b").unwrap_err();
        assert_eq!(error.message, "`b` must be a string, found an array");
        assert_eq!(file.line(&error.span), 2);
        let c = table_field(&file.root, "c").unwrap().unwrap();
        assert_eq!(bool_field(c, "d").unwrap(), Some(true));
        assert!(string_list(&file.root, "b").is_err());
        assert_eq!(string_field(&file.root, "missing").unwrap(), None);
    }

    #[test]
    fn invalid_toml_names_line_and_column() {
        let error = TomlFile::parse("x/f.toml", b"a = 1\nb = \"open\n").unwrap_err();
        let location = error.location();
        assert_eq!(location.path, "x/f.toml");
        assert_eq!(location.line, Some(2));
        let error = TomlFile::parse("f.toml", b"a = 1\na = 2\n").unwrap_err();
        assert_eq!(error.location().line, Some(2), "{error}");
        let error = TomlFile::parse("f.toml", b"ok = 1\n\xff").unwrap_err();
        assert!(matches!(error, ExtractError::InvalidUtf8 { .. }));
    }
}
