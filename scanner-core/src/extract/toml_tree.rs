//! A spanned TOML tree for the TOML formats walked by hand (pyproject.toml, uv.lock,
//! poetry.lock, pylock.toml), read with toml's own `DeTable` parser (TOML 1.0/1.1), and the one
//! way every TOML reader of airlock (these, the Cargo wire structs, Codex's config) turns a
//! TOML error into a located [`ExtractError`].
//!
//! These formats are walked by hand rather than deserialized into fixed structs: a wrong type in
//! one field must cost that entry (with a diagnostic naming its line), not the whole file, and
//! every value keeps its span so each diagnostic and piece of evidence points at its line.
//!
//! Large lockfiles are parsed in pieces on several threads (see [`parse_in_chunks`]): a
//! 1 MB uv.lock is one job of a scan, and its parse was the longest serial step of it.

use std::ops::Range;

use rayon::prelude::*;
use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::ExtractError;
use crate::location::Location;
use crate::text::LineIndex;

/// A TOML syntax or type error as an error naming the file, line and column. `message()` is
/// the reason without the quoted source line.
pub(crate) fn parse_error(
    path: &str,
    text: &str,
    index: &LineIndex,
    error: &toml::de::Error,
) -> ExtractError {
    let (line, column) = error
        .span()
        .map(|span| index.line_column(text, span.start))
        .map_or((None, None), |(line, column)| (Some(line), Some(column)));
    ExtractError::Parse {
        location: Location {
            path: path.to_owned(),
            line,
            column,
        },
        message: format!("invalid TOML: {}", error.message().trim_end()),
    }
}

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
        let threads = rayon::current_num_threads();
        if let Some(root) = parse_in_chunks(text, threads, CHUNKED_PARSE_MIN_BYTES) {
            return Ok(TomlFile { path, index, root });
        }
        match DeTable::parse(text) {
            Ok(root) => Ok(TomlFile {
                path,
                index,
                root: root.into_inner(),
            }),
            Err(error) => Err(parse_error(path, text, &index, &error)),
        }
    }

    /// 1-based line of a span's start.
    pub(crate) fn line(&self, span: &Range<usize>) -> u32 {
        self.index.line(span.start)
    }

    pub(crate) fn location(&self, span: &Range<usize>) -> Location {
        Location::line(self.path, self.line(span))
    }

    /// The error for a lockfile without its version field: an empty file (no key at all, only
    /// white space or comments) is reported as empty, since it is not a lock of another version;
    /// any other file names line 1, where the field belongs.
    pub(crate) fn missing_version(
        &self,
        format: &'static str,
        missing: &str,
        supported: &'static str,
    ) -> ExtractError {
        if self.root.is_empty() {
            return ExtractError::Parse {
                location: Location::line(self.path, 1),
                message: format!("the {format} is empty: no {missing} and no packages"),
            };
        }
        ExtractError::UnsupportedVersion {
            location: Location::line(self.path, 1),
            format,
            found: format!("(no {missing})"),
            supported,
        }
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

/// Files smaller than this parse in one piece: below it, the split and the span shift cost
/// about what the second thread saves. (It was 128 KiB; uv.lock's copy without its wheels,
/// sdists, dependency lists and sources is 65 KB on autogen's lock and took 1.5 ms in one
/// piece on the thread everything else waited for.)
const CHUNKED_PARSE_MIN_BYTES: usize = 32 * 1024;

/// Parses `text` in up to `parts` pieces on the rayon pool and joins them, or `None` when the
/// file does not split safely; the caller then parses it whole (which also gives the error
/// message and line when the file is invalid).
///
/// Lockfiles are mostly one long array of tables (`[[package]]` in uv.lock, poetry.lock and
/// Cargo.lock, `[[packages]]` in pylock.toml). The text is cut before some `[[NAME]]` header
/// lines after the first; each piece is parsed alone, the spans of every piece but the first
/// (which starts the file) are shifted to file offsets, and the later pieces' `NAME` elements
/// are appended to the first piece's array in order.
/// The result is the tree a whole parse gives, or `None`:
/// - a cut inside a multi-line string, array or inline table leaves the piece before it
///   unterminated, so that piece fails to parse;
/// - a `[NAME.sub]` table inside a piece belongs to the last `[[NAME]]` element, which is in
///   the same piece, as in the whole file;
/// - the first piece holds the first `[[NAME]]` header, so a `NAME = [...]` or `[NAME]` before
///   it fails that piece as it fails the whole file, and any other top-level key may be
///   defined by one piece only (a second definition, or a table extended across pieces, is
///   left to the whole parse).
fn parse_in_chunks<'i>(text: &'i str, parts: usize, min_bytes: usize) -> Option<DeTable<'i>> {
    if parts < 2 || text.len() < min_bytes {
        return None;
    }
    let (name, cuts) = cut_points(text, parts)?;
    // The first cut (before the first header) only marks where the array starts: the first
    // piece runs from the start of the file, so its spans need no shift.
    let mut starts = vec![0];
    starts.extend(cuts.iter().skip(1));
    if starts.len() < 2 {
        return None;
    }
    let pieces: Vec<(usize, &'i str)> = starts
        .iter()
        .enumerate()
        .map(|(number, &start)| {
            let end = starts.get(number + 1).copied().unwrap_or(text.len());
            (start, text.get(start..end).unwrap_or_default())
        })
        .collect();
    let parsed: Vec<Option<DeTable<'i>>> = pieces
        .par_iter()
        .map(|&(offset, piece)| {
            let mut table = DeTable::parse(piece).ok()?.into_inner();
            shift_table(&mut table, offset);
            Some(table)
        })
        .collect();
    let mut parsed = parsed.into_iter();
    let mut root = parsed.next()??;
    let mut items: Vec<Node<'i>> = Vec::new();
    for piece in parsed {
        for (key, value) in piece? {
            if key.get_ref() == name {
                let DeValue::Array(array) = value.into_inner() else {
                    return None;
                };
                items.extend(array);
            } else if root.contains_key(key.get_ref().as_ref()) {
                return None;
            } else {
                root.insert(key, value);
            }
        }
    }
    // The first piece's array keeps the span a whole parse gives it (its first header).
    let DeValue::Array(array) = root.get_mut(name)?.get_mut() else {
        return None;
    };
    for item in items {
        array.push(item);
    }
    Some(root)
}

/// The array-of-tables name to cut at (the most frequent `[[NAME]]` header at a line start)
/// and the byte offsets of up to `parts` cuts: the first before the first such header, the
/// others before the headers at or after even shares of the file (or the last header).
fn cut_points(text: &str, parts: usize) -> Option<(&str, Vec<usize>)> {
    let mut headers: Vec<(usize, &str)> = Vec::new();
    // Only the lines that start with `[[`, found by memmem rather than by walking every line
    // (the file may be a megabyte and this runs before the pieces can start).
    let bytes = text.as_bytes();
    let line_starts = text
        .starts_with("[[")
        .then_some(0)
        .into_iter()
        .chain(memchr::memmem::find_iter(bytes, b"\n[[").map(|newline| newline + 1));
    for offset in line_starts {
        let rest = text.get(offset..).unwrap_or_default();
        let line = memchr::memchr(b'\n', rest.as_bytes())
            .and_then(|newline| rest.get(..=newline))
            .unwrap_or(rest);
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if let Some(name) = trimmed
            .strip_prefix("[[")
            .and_then(|rest| rest.strip_suffix("]]"))
        {
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
            {
                headers.push((offset, name));
            }
        }
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (_, name) in &headers {
        *counts.entry(name).or_default() += 1;
    }
    let (&name, &count) = counts.iter().max_by_key(|(_, count)| **count)?;
    if count < parts * 2 {
        return None;
    }
    let offsets: Vec<usize> = headers
        .iter()
        .filter(|(_, header)| *header == name)
        .map(|(offset, _)| *offset)
        .collect();
    let first = *offsets.first()?;
    let mut cuts = vec![first];
    let share = text.len().saturating_sub(first) / parts;
    for part in 1..parts {
        let target = first + share * part;
        let index = offsets.partition_point(|&offset| offset < target);
        // Past the last header (a long table after the array, as `[metadata.files]` in old
        // poetry.lock files), the last header is the nearest.
        if let Some(&cut) = offsets.get(index).or(offsets.last()) {
            if cuts.last().is_some_and(|&last| cut > last) {
                cuts.push(cut);
            }
        }
    }
    Some((name, cuts))
}

/// Moves every span in `table` `offset` bytes later. Values are changed in place; a table is
/// rebuilt because its keys (which carry spans too) cannot be changed inside the map.
fn shift_table(table: &mut DeTable<'_>, offset: usize) {
    if offset == 0 {
        return;
    }
    *table = std::mem::take(table)
        .into_iter()
        .map(|(key, mut value)| {
            shift_node(&mut value, offset);
            (shift_span(key, offset), value)
        })
        .collect();
}

fn shift_node(node: &mut Node<'_>, offset: usize) {
    match node.get_mut() {
        DeValue::Table(table) => shift_table(table, offset),
        DeValue::Array(array) => {
            for item in array.iter_mut() {
                shift_node(item, offset);
            }
        }
        _ => {}
    }
    let span = node.span();
    let value = std::mem::replace(node.get_mut(), DeValue::Boolean(false));
    *node = Spanned::new(span.start + offset..span.end + offset, value);
}

fn shift_span<T>(spanned: Spanned<T>, offset: usize) -> Spanned<T> {
    let span = spanned.span();
    Spanned::new(span.start + offset..span.end + offset, spanned.into_inner())
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

    /// The same error for a value read without the tree (`toml_lifted`): `found` is worded as
    /// [`describe`] words it.
    pub(crate) fn found(key: &str, expected: &str, found: &str, span: Range<usize>) -> WrongType {
        WrongType {
            span,
            message: format!("`{key}` must be {expected}, found {found}"),
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
    /// Every key and value with its span and, for scalars, its text: two trees are the same
    /// parse when these lists are equal (`Spanned`'s own equality ignores spans).
    fn flatten(table: &DeTable<'_>) -> Vec<String> {
        fn node(path: &str, value: &Node<'_>, out: &mut Vec<String>) {
            let span = value.span();
            match value.get_ref() {
                DeValue::Table(table) => {
                    out.push(format!("{path} table {span:?}"));
                    for (key, child) in table {
                        out.push(format!("{path}.{} key {:?}", key.get_ref(), key.span()));
                        node(&format!("{path}.{}", key.get_ref()), child, out);
                    }
                }
                DeValue::Array(array) => {
                    out.push(format!("{path} array {span:?}"));
                    for (position, child) in array.iter().enumerate() {
                        node(&format!("{path}[{position}]"), child, out);
                    }
                }
                scalar => out.push(format!("{path} {scalar:?} {span:?}")),
            }
        }
        let mut out = Vec::new();
        for (key, child) in table {
            out.push(format!("{} key {:?}", key.get_ref(), key.span()));
            node(key.get_ref(), child, &mut out);
        }
        out
    }

    /// The chunked parse of `text` in `parts` pieces, checked against the whole parse: the
    /// same tree with the same spans, or `None` (then the whole parse is used).
    fn chunked_matches_whole(text: &str, parts: usize) -> Option<()> {
        let chunked = parse_in_chunks(text, parts, 0)?;
        let whole = DeTable::parse(text)
            .unwrap_or_else(|error| panic!("chunked parse accepted invalid TOML: {error}"))
            .into_inner();
        assert_eq!(flatten(&chunked), flatten(&whole), "{parts} parts");
        Some(())
    }

    #[test]
    fn chunked_parse_equals_whole_parse_on_real_lockfiles() {
        let lockfiles = crate::extract::fixture_project_files(&[
            "uv.lock",
            "poetry.lock",
            "pdm.lock",
            "Cargo.lock",
            "pylock.toml",
        ]);
        assert!(
            lockfiles.len() >= 15,
            "only {} lockfiles found",
            lockfiles.len()
        );
        for (path, text) in &lockfiles {
            for parts in [2, 3, 7] {
                assert!(
                    chunked_matches_whole(text, parts).is_some(),
                    "{} did not split in {parts}",
                    path.display()
                );
            }
        }
    }

    fn packages(count: usize) -> String {
        (0..count)
            .map(|number| format!("[[package]]\nname = \"p{number}\"\n\n"))
            .collect()
    }

    #[test]
    fn chunked_parse_refuses_a_cut_inside_a_string() {
        let body = packages(8);
        // Header lines inside multi-line strings: a cut there leaves the piece before it
        // unterminated, so the pieces fail and the whole parse decides.
        let text = format!("{body}[[package]]\nname = \"\"\"\n\n[[package]]\nx\"\"\"\n\n{body}");
        let whole = flatten(&DeTable::parse(&text).unwrap().into_inner());
        let mut declined = 0;
        for parts in 2..9 {
            match parse_in_chunks(&text, parts, 0) {
                Some(chunked) => assert_eq!(flatten(&chunked), whole, "{parts} parts"),
                None => declined += 1,
            }
        }
        assert!(declined > 0, "no cut fell inside the string");
    }

    #[test]
    fn chunked_parse_refuses_what_only_a_whole_parse_can_judge() {
        let body = packages(8);
        // `package` defined in the preamble: invalid as a whole, refused in pieces.
        for preamble in [
            "package = []\n",
            "[package]\nname = \"x\"\n",
            "package.name = \"x\"\n",
        ] {
            let text = format!("{preamble}{body}");
            assert!(DeTable::parse(&text).is_err());
            for parts in 2..6 {
                assert!(parse_in_chunks(&text, parts, 0).is_none(), "{preamble}");
            }
        }
        // The same top-level table in two pieces: invalid as a whole, refused in pieces.
        let twice = format!("{body}[options]\na = 1\n{body}[options]\nb = 2\n");
        assert!(DeTable::parse(&twice).is_err());
        assert!(parse_in_chunks(&twice, 2, 0).is_none());
        // A table extended from another piece is valid TOML: left to the whole parse.
        let extended = format!("[tool]\na = 1\n{body}[tool.more]\nb = 2\n");
        assert!(DeTable::parse(&extended).is_ok());
        assert!(parse_in_chunks(&extended, 2, 0).is_none());
        // A duplicate key inside one package stays an error, reported at its line.
        let duplicate = format!("{body}[[package]]\nname = \"a\"\nname = \"b\"\n{body}");
        assert!(parse_in_chunks(&duplicate, 2, 0).is_none());
        let padded = format!("{duplicate}{}", "\n".repeat(CHUNKED_PARSE_MIN_BYTES));
        let error = TomlFile::parse("big.lock", padded.as_bytes()).unwrap_err();
        assert_eq!(error.location().line, Some(27), "{error}");
    }

    #[test]
    fn chunked_parse_keeps_sub_tables_and_crlf() {
        let crlf: String = (0..9)
            .map(|number| {
                format!(
                    "[[package]]\r\nname = \"p{number}\"\r\n[package.metadata]\r\nx = [1, 2]\r\n\
                     [[package.wheels]]\r\nurl = \"u\"\r\n\r\n"
                )
            })
            .collect();
        let text = format!("version = 1\r\n\r\n{crlf}");
        for parts in 2..5 {
            assert!(
                chunked_matches_whole(&text, parts).is_some(),
                "{parts} parts"
            );
        }
    }

    proptest::proptest! {
        /// Documents built from lockfile-like pieces, valid or not: the chunked parse either
        /// declines or gives exactly the whole parse.
        #[test]
        fn chunked_parse_is_the_whole_parse_or_nothing(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "[[package]]\nname = \"a\"\n",
                "[[package]]\nname = \"b\"\nversion = \"1\"\n",
                "[package.metadata]\nx = 1\n",
                "[[package.wheels]]\nurl = \"w\"\n",
                "wheels = [\n  { url = \"a\" },\n  { url = \"b\" },\n]\n",
                "s = \"\"\"\n[[package]]\n\"\"\"\n",
                "t = '''\n[[package]]\n'''\n",
                "[options]\nmode = \"x\"\n",
                "[manifest]\nmembers = [\"a\"]\n",
                "version = 1\n",
                "\n",
                "# [[package]]\n",
                "bad = \n",
            ]), 0..40),
            parts in 2usize..6,
        ) {
            let text: String = pieces.concat();
            if let Some(chunked) = parse_in_chunks(&text, parts, 0) {
                let whole = DeTable::parse(&text);
                proptest::prop_assert!(whole.is_ok(), "chunked accepted invalid TOML:\n{}", text);
                if let Ok(whole) = whole {
                    proptest::prop_assert_eq!(flatten(&chunked), flatten(&whole.into_inner()));
                }
            }
        }
    }
}
