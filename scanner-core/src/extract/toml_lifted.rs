//! Values of one-line inline tables (uv.lock's `wheels = [...]`, `sdist = {...}`,
//! `dependencies = [...]` and `source = {...}`), read by a strict recognizer instead of the TOML
//! tree, so that a 1 MB lock is not three quarters tree.
//!
//! Why: in a uv.lock, the wheel entries (`{ url = "...", hash = "sha256:...", size = N,
//! upload-time = "..." }`, one per line) and the sdists are 88 % of autogen's lock, and airlock
//! reads one field of them. Building toml's tree for them (a map per entry, every string
//! decoded) was most of the time `airlock sbom` spent on a large lock (issue 19,
//! `docs/PERFORMANCE.md`). The dependency items and sources are most of the rest: a map each,
//! 3,000 on autogen's lock.
//!
//! How, and why it reads exactly what a TOML parser reads (TOML 1.0 and 1.1,
//! <https://toml.io/en/v1.1.0#array>, <https://toml.io/en/v1.1.0#inline-table>):
//! 1. [`lift`] finds every line that starts with `KEY = [` (an array of tables) or `KEY = {`
//!    (one table) and runs the recognizer from its bracket. It accepts a strict subset of the
//!    TOML grammar, nothing else: newlines, spaces and tabs between array items, a trailing
//!    comma, and items that are non-empty one-line inline tables of bare keys, each key once,
//!    whose values are basic strings without escapes or control characters, unsigned decimal
//!    integers without leading zeros of at most 18 digits, or one-line arrays of such strings
//!    (uv's `extra = ["a", "b"]`). Anything else (a comment, an escape, a CR, a dotted key, a
//!    float, a date-time, a nested table...) leaves that value to the TOML parser.
//! 2. A copy of the text is made with each recognized value emptied (an array keeps only its
//!    newlines, a table becomes `{}`), so it parses as an empty array or table and every line
//!    keeps its number (spans after the first value move; airlock uses spans only for line
//!    numbers, and a table taken out is given a span on its own line, see
//!    [`LiftedTable::span`]).
//! 3. The caller parses the copy with the TOML parser and keeps the result only if
//!    [`Lifted::claimed_by`] holds: every recognized value is, in the parsed copy, the `KEY`
//!    value of an element of the array of tables `TABLES`, at the place it was left. Otherwise
//!    (a `KEY = [` line inside a multi-line string, under another table, or a copy that does
//!    not parse) the caller parses the original text as before.
//!
//! When the claim holds, the original text parses to the same tree except inside the
//! recognized values: outside them the two texts are the same, each value starts where the
//! parser expects a value (it does in the copy, and the texts before it agree), and the
//! original value is one the recognizer accepted, which a TOML parser reads the same way and
//! ends at the same bracket. Tests compare the two readings on every real uv.lock and on
//! mutated ones. The recognizer runs on the rayon pool, one value per job.

use std::ops::Range;

use rayon::prelude::*;

/// A recognized value: an escape-free basic string (without its quotes), an integer, or a
/// one-line array of such strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiftedValue<'t> {
    String(&'t str),
    Integer(i64),
    /// The text between the brackets, already recognized: see [`LiftedValue::strings`].
    Strings(&'t str),
}

impl<'t> LiftedValue<'t> {
    /// What the value is, worded as `toml_tree::describe` words it.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            LiftedValue::String(_) => "a string",
            LiftedValue::Integer(_) => "an integer",
            LiftedValue::Strings(_) => "an array",
        }
    }

    /// The items of a [`LiftedValue::Strings`] (nothing for the other kinds), without quotes.
    pub(crate) fn strings(&self) -> impl Iterator<Item = &'t str> {
        let inside = match self {
            LiftedValue::Strings(inside) => *inside,
            LiftedValue::String(_) | LiftedValue::Integer(_) => "",
        };
        // Recognized: quoted items without escapes, so every other quote opens or closes one.
        inside.split('"').skip(1).step_by(2)
    }
}

/// One `key = value` of an inline table.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LiftedField<'t> {
    key: &'t str,
    value: LiftedValue<'t>,
}

/// One inline table of a recognized array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiftedTable<'a, 't> {
    span: Range<usize>,
    fields: &'a [LiftedField<'t>],
}

impl<'t> LiftedTable<'_, 't> {
    /// A span in the parsed copy on the line the table is on (its own text is not in the
    /// copy): use it for line numbers, as the spans of the tree are used.
    pub(crate) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The value of `key`, if present. Its line is the table's (tables are one line).
    pub(crate) fn get(&self, key: &str) -> Option<LiftedValue<'t>> {
        self.fields
            .iter()
            .find(|field| field.key == key)
            .map(|field| field.value)
    }
}

/// The shape of the value a lifted key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `key = [ { ... }, { ... } ]`: an array of one-line inline tables (uv's `wheels`).
    Tables,
    /// `key = { ... }`: one inline table (uv's `sdist`).
    Table,
}

/// One recognized value: an array of tables, or one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiftedArray<'t> {
    key: &'static str,
    shape: Shape,
    /// From `[` (or `{`) to after `]` (or `}`) in the original text.
    span: Range<usize>,
    /// The same in the copy (filled in by [`lift`]).
    copy_span: Range<usize>,
    /// Each table's newlines since `[` (its line, counted from the line of `[`) and the range
    /// of its fields in `fields`.
    tables: Vec<(usize, Range<usize>)>,
    fields: Vec<LiftedField<'t>>,
    /// Newlines between `[` and `]`, kept in the copy.
    newlines: usize,
}

impl<'t> LiftedArray<'t> {
    /// The tables in order (one for [`Shape::Table`]).
    pub(crate) fn tables(&self) -> impl Iterator<Item = LiftedTable<'_, 't>> + '_ {
        self.tables.iter().map(|(lines, fields)| {
            // In the copy, `[` is followed by the array's newlines and `]`: the byte `lines`
            // places after `[` is on the line `lines` lines below it, as the table was. A
            // single table is `{}` in the copy, on the line it was on.
            let at = self.copy_span.start + usize::from(self.shape == Shape::Tables) + lines;
            LiftedTable {
                span: at..at + 1,
                fields: self.fields.get(fields.clone()).unwrap_or_default(),
            }
        })
    }

    /// What the copy holds in its place.
    fn placeholder(&self, copy: &mut String) {
        match self.shape {
            Shape::Tables => {
                copy.push('[');
                copy.extend(std::iter::repeat_n('\n', self.newlines));
                copy.push(']');
            }
            Shape::Table => copy.push_str("{}"),
        }
    }
}

/// The text with the recognized values emptied, and what they held.
#[derive(Debug)]
pub(crate) struct Lifted<'t> {
    /// The text to give the TOML parser.
    pub(crate) text: String,
    /// Ordered by position.
    arrays: Vec<LiftedArray<'t>>,
    tables: &'static str,
}

impl<'t> Lifted<'t> {
    /// The value left at `span` of the copy, if one was recognized there.
    pub(crate) fn array(&self, span: &Range<usize>) -> Option<&LiftedArray<'t>> {
        self.arrays
            .binary_search_by_key(&span.start, |array| array.copy_span.start)
            .ok()
            .and_then(|index| self.arrays.get(index))
            .filter(|array| array.copy_span == *span)
    }

    /// Whether every recognized value is, in `root` (the parsed copy), the value of its key in
    /// an element of the array of tables `tables`, left empty at its place (see the module
    /// comment).
    pub(crate) fn claimed_by(&self, root: &toml::de::DeTable<'_>) -> bool {
        use toml::de::DeValue;
        let Some(DeValue::Array(elements)) = root.get(self.tables).map(|node| node.get_ref())
        else {
            return false;
        };
        let mut keys: Vec<&'static str> = self.arrays.iter().map(|array| array.key).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut claimed = vec![false; self.arrays.len()];
        for element in elements {
            let DeValue::Table(table) = element.get_ref() else {
                continue;
            };
            for key in &keys {
                let Some(node) = table.get(*key) else {
                    continue;
                };
                let span = node.span();
                let Ok(index) = self
                    .arrays
                    .binary_search_by_key(&span.start, |array| array.copy_span.start)
                else {
                    continue;
                };
                let Some(array) = self.arrays.get(index) else {
                    continue;
                };
                let empty = match (array.shape, node.get_ref()) {
                    (Shape::Tables, DeValue::Array(items)) => items.is_empty(),
                    (Shape::Table, DeValue::Table(fields)) => fields.is_empty(),
                    _ => false,
                };
                if array.copy_span == span && array.key == *key && empty {
                    if let Some(claimed) = claimed.get_mut(index) {
                        *claimed = true;
                    }
                }
            }
        }
        claimed.into_iter().all(|claimed| claimed)
    }
}

/// A key whose values are lifted: its shape, and the fields kept of its tables (every field
/// is checked all the same).
pub(crate) type LiftedKey = (&'static str, Shape, &'static [&'static str]);

/// Finds the `KEY = [` (or `KEY = {`) lines of `text` for each of `keys`, recognizes their
/// values and leaves them empty in a copy; `None` when nothing was recognized (the caller
/// parses `text` as it is). `tables` names the array of tables whose elements hold the values
/// (`package` in uv.lock).
pub(crate) fn lift<'t>(
    text: &'t str,
    tables: &'static str,
    keys: &[LiftedKey],
) -> Option<Lifted<'t>> {
    // memmem's vectorized search (`str::match_indices` walked the 1 MB byte by byte), one key
    // per job: each search reads the whole text.
    let mut starts: Vec<(usize, &'static str, Shape, &'static [&'static str])> = keys
        .par_iter()
        .flat_map_iter(|&(key, shape, kept)| {
            let open = match shape {
                Shape::Tables => '[',
                Shape::Table => '{',
            };
            let needle = format!("\n{key} = {open}");
            memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes())
                .map(|position| (position + needle.len() - 1, key, shape, kept))
                .collect::<Vec<_>>()
        })
        .collect();
    starts.sort_unstable_by_key(|&(open, _, _, _)| open);
    let recognized: Vec<Option<LiftedArray<'t>>> = starts
        .par_iter()
        .map(|&(open, key, shape, kept)| recognize(text, open, key, shape, kept))
        .collect();
    let mut arrays: Vec<LiftedArray<'t>> = Vec::new();
    for array in recognized.into_iter().flatten() {
        // A value's lines hold only its tables, so no `KEY = ` line starts inside one; kept
        // as a guard all the same.
        if arrays
            .last()
            .is_none_or(|last| array.span.start >= last.span.end)
        {
            arrays.push(array);
        }
    }
    if arrays.is_empty() {
        return None;
    }
    let mut copy = String::with_capacity(text.len());
    let mut from = 0;
    for array in &mut arrays {
        copy.push_str(&text[from..array.span.start]);
        let open = copy.len();
        array.placeholder(&mut copy);
        array.copy_span = open..copy.len();
        from = array.span.end;
    }
    copy.push_str(&text[from..]);
    Some(Lifted {
        text: copy,
        arrays,
        tables,
    })
}

/// The length of the escape-free basic string that starts at `rest` (just after its opening
/// quote), up to its closing quote; `None` when it holds an escape or a control character
/// (TOML forbids those but tab; the parser reads what is left to it) or is not closed.
fn basic_string(rest: &[u8]) -> Option<usize> {
    let length = memchr::memchr2(b'"', b'\\', rest)?;
    let content = rest.get(..length)?;
    // No early exit: this form compiles to wide compares over the whole string.
    let control = content
        .iter()
        .fold(false, |found, &byte| found | (byte < 0x20) | (byte == 0x7f));
    (!control && rest.get(length) == Some(&b'"')).then_some(length)
}

/// The one-line array of escape-free basic strings at `bytes[open] == '['` (possibly empty, a
/// trailing comma allowed, as TOML allows); returns the offset after its `]`.
fn string_array(bytes: &[u8], open: usize) -> Option<usize> {
    let mut at = open + 1;
    loop {
        skip_blank(bytes, &mut at);
        match bytes.get(at)? {
            b']' => return Some(at + 1),
            b'"' => at += 1 + basic_string(bytes.get(at + 1..)?)? + 1,
            _ => return None,
        }
        skip_blank(bytes, &mut at);
        match bytes.get(at)? {
            b',' => at += 1,
            b']' => return Some(at + 1),
            _ => return None,
        }
    }
}

/// The largest number of digits accepted in an integer: every such number fits in an i64,
/// so the recognizer never accepts an integer that TOML refuses as too large.
const MAX_DIGITS: usize = 18;

fn skip_blank(bytes: &[u8], at: &mut usize) {
    while let Some(b' ' | b'\t') = bytes.get(*at) {
        *at += 1;
    }
}

/// The value of `key` that starts at `text[open]` (`[` or `{`), if it is in the accepted
/// subset (see the module comment).
fn recognize<'t>(
    text: &'t str,
    open: usize,
    key: &'static str,
    shape: Shape,
    kept: &[&str],
) -> Option<LiftedArray<'t>> {
    let bytes = text.as_bytes();
    let mut array = LiftedArray {
        key,
        shape,
        span: open..open,
        copy_span: 0..0,
        tables: Vec::new(),
        fields: Vec::new(),
        newlines: 0,
    };
    // The keys of the table being read, for the duplicate check.
    let mut seen: Vec<&'t str> = Vec::new();
    if shape == Shape::Table {
        array.span.end = inline_table(text, open, &mut array, kept, &mut seen)?;
        return Some(array);
    }
    if bytes.get(open) != Some(&b'[') {
        return None;
    }
    let mut at = open + 1;
    let skip_blank_lines = |at: &mut usize, newlines: &mut usize| {
        while let Some(&byte) = bytes.get(*at) {
            match byte {
                b' ' | b'\t' => {}
                b'\n' => *newlines += 1,
                _ => break,
            }
            *at += 1;
        }
    };
    loop {
        skip_blank_lines(&mut at, &mut array.newlines);
        match bytes.get(at)? {
            b']' => {
                array.span.end = at + 1;
                return Some(array);
            }
            b'{' => {}
            _ => return None,
        }
        at = inline_table(text, at, &mut array, kept, &mut seen)?;
        skip_blank_lines(&mut at, &mut array.newlines);
        match bytes.get(at)? {
            b',' => at += 1,
            b']' => {
                array.span.end = at + 1;
                return Some(array);
            }
            _ => return None,
        }
    }
}

/// The one-line inline table at `text[open] == '{'` appended to `array` (its `kept` fields);
/// returns the offset after its `}`. `seen` is scratch space for its keys.
fn inline_table<'t>(
    text: &'t str,
    open: usize,
    array: &mut LiftedArray<'t>,
    kept: &[&str],
    seen: &mut Vec<&'t str>,
) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.get(open) != Some(&b'{') {
        return None;
    }
    seen.clear();
    let first_field = array.fields.len();
    let mut at = open + 1;
    loop {
        skip_blank(bytes, &mut at);
        let key_start = at;
        while bytes
            .get(at)
            .is_some_and(|&byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
        {
            at += 1;
        }
        if at == key_start {
            return None;
        }
        let key = &text[key_start..at];
        if seen.contains(&key) {
            return None;
        }
        seen.push(key);
        skip_blank(bytes, &mut at);
        if bytes.get(at) != Some(&b'=') {
            return None;
        }
        at += 1;
        skip_blank(bytes, &mut at);
        let value_start = at;
        let value = match bytes.get(at)? {
            b'"' => {
                at += 1;
                let content_start = at;
                at += basic_string(bytes.get(at..)?)?;
                let content = &text[content_start..at];
                at += 1;
                LiftedValue::String(content)
            }
            b'[' => {
                at = string_array(bytes, at)?;
                LiftedValue::Strings(text.get(value_start + 1..at - 1)?)
            }
            b'0'..=b'9' => {
                while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                    at += 1;
                }
                let digits = &text[value_start..at];
                if digits.len() > MAX_DIGITS || (digits.len() > 1 && digits.starts_with('0')) {
                    return None;
                }
                LiftedValue::Integer(digits.parse().ok()?)
            }
            _ => return None,
        };
        if kept.contains(&key) {
            array.fields.push(LiftedField { key, value });
        }
        skip_blank(bytes, &mut at);
        match bytes.get(at)? {
            b',' => at += 1,
            b'}' => {
                at += 1;
                break;
            }
            _ => return None,
        }
    }
    array
        .tables
        .push((array.newlines, first_field..array.fields.len()));
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifted_array(text: &str) -> Option<LiftedArray<'_>> {
        recognize(
            text,
            text.find('[')?,
            "w",
            Shape::Tables,
            &["a", "b", "hash", "size", "upload-time"],
        )
    }

    const UV: &[LiftedKey] = &[
        ("wheels", Shape::Tables, &["hash"]),
        ("sdist", Shape::Table, &["hash"]),
    ];

    #[test]
    fn reads_uv_wheel_lines() {
        let text = "wheels = [\n    { url = \"https://x/a.whl\", hash = \"sha256:ab\", size = 708259, upload-time = \"2025-04-02T02:15:15.439Z\" },\n    { url = \"https://x/b.whl\", hash = \"sha256:cd\", size = 0 },\n]\n";
        let array = lifted_array(text).expect("recognized");
        assert_eq!(&text[array.span.clone()], &text[9..text.len() - 1]);
        assert_eq!(array.newlines, 3);
        let tables: Vec<_> = array.tables().collect();
        assert_eq!(tables.len(), 2);
        assert_eq!(
            tables[0].get("hash"),
            Some(LiftedValue::String("sha256:ab"))
        );
        assert_eq!(tables[0].get("size"), Some(LiftedValue::Integer(708259)));
        assert_eq!(tables[1].get("size"), Some(LiftedValue::Integer(0)));
        assert!(tables[1].get("upload-time").is_none());
        // Fields not asked for are checked, not kept.
        let only_hash = recognize(text, 9, "w", Shape::Tables, &["hash"]).unwrap();
        assert_eq!(only_hash.fields.len(), 2);
        assert_eq!(only_hash.tables().count(), 2);
    }

    #[test]
    fn reads_string_arrays() {
        let text = "w = [ { name = \"a\", extra = [\"x\", \"\", \"y z\",] }, { extra = [] } ]";
        let array = recognize(text, 4, "w", Shape::Tables, &["extra"]).expect("recognized");
        let tables: Vec<_> = array.tables().collect();
        let extras: Vec<Vec<&str>> = tables
            .iter()
            .map(|table| table.get("extra").unwrap().strings().collect())
            .collect();
        assert_eq!(extras, [vec!["x", "", "y z"], vec![]]);
        assert_eq!(tables[0].get("extra").unwrap().describe(), "an array");
        assert_eq!(LiftedValue::String("x").strings().count(), 0);
    }

    #[test]
    fn accepts_what_toml_accepts_in_the_subset() {
        for text in [
            "w = []",
            "w = [\n]",
            "w = [ {a=\"x\"} ]",
            "w = [{a = 1},{b = 2},]",
            "w = [\n\t{ a = \"é\" },\n\n]",
            "w = [ { a = [] } ]",
            "w = [ { a = [\"x\", \"y\"] } ]",
            "w = [ { a = [ \"x\" , \"\" ,] } ]",
        ] {
            assert!(lifted_array(text).is_some(), "{text}");
            let parsed: Result<toml::de::DeTable<'_>, _> =
                toml::de::DeTable::parse(text).map(|table| table.into_inner());
            assert!(parsed.is_ok(), "{text}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_parser() {
        for text in [
            "w = [ { a = \"x\\u0041\" } ]",        // an escape
            "w = [ { a = 'x' } ]",                 // a literal string
            "w = [ { a = \"x\" } # c\n]",          // a comment
            "w = [ { a = \"x\" }\r\n]",            // a CR
            "w = [ { a = 01 } ]",                  // a leading zero (TOML refuses it)
            "w = [ { a = 1234567890123456789 } ]", // 19 digits
            "w = [ { a = 1.5 } ]",                 // a float
            "w = [ { a = -1 } ]",                  // a sign
            "w = [ { a = 1979-05-27 } ]",          // a date
            "w = [ { a = 1, a = 2 } ]",            // a duplicate key (TOML refuses it)
            "w = [ { a.b = 1 } ]",                 // a dotted key
            "w = [ { \"a\" = 1 } ]",               // a quoted key
            "w = [ { a = 1, } ]",                  // a trailing comma in an inline table
            "w = [ {} ]",                          // an empty inline table
            "w = [ { a = 1\n} ]",                  // a newline inside an inline table
            "w = [ \"x\" ]",                       // not a table
            "w = [ { a = \"x\" }",                 // unterminated
            "w = [ { a = \"x",                     // unterminated string
            "w = [ { a = \"x\u{7f}\" } ]",         // DEL
            "w = [ { a = [1] } ]",                 // an array of integers
            "w = [ { a = [\"x\" \"y\"] } ]",       // no comma
            "w = [ { a = [\"x\\n\"] } ]",          // an escape in an item
            "w = [ { a = [\"x\",\n] } ]",          // an array over two lines
            "w = [ { a = [[\"x\"]] } ]",           // a nested array
            "w = [ { a = ['x'] } ]",               // a literal string item
            "w = [ { a = [\"x\", 1] } ]",          // mixed items
            "w = [ { a = [,] } ]",                 // a lone comma (TOML refuses it)
            "w = [ { a = { b = \"x\" } } ]",       // a nested table
        ] {
            assert!(lifted_array(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn empties_the_arrays_and_keeps_every_line() {
        let text = "version = 1\n[[package]]\nname = \"a\"\nwheels = [\n    { hash = \"sha256:é\" },\n\n    { hash = \"sha256:b\" }]\nsize = 1\n[[package]]\nname = \"b\"\nwheels = [{ hash = \"sha256:c\" }]\n";
        let lifted = lift(text, "package", UV).expect("two arrays");
        assert_eq!(
            lifted.text,
            "version = 1\n[[package]]\nname = \"a\"\nwheels = [\n\n\n]\nsize = 1\n[[package]]\nname = \"b\"\nwheels = []\n"
        );
        let root = toml::de::DeTable::parse(&lifted.text).unwrap().into_inner();
        assert!(lifted.claimed_by(&root));
        // Each table's span in the copy is on the table's line in the original.
        let index = crate::text::LineIndex::new(&lifted.text);
        let lines: Vec<u32> = lifted
            .arrays
            .iter()
            .flat_map(|array| array.tables().map(|table| index.line(table.span().start)))
            .collect();
        let original = crate::text::LineIndex::new(text);
        let expected: Vec<u32> = ["sha256:é", "sha256:b", "sha256:c"]
            .iter()
            .map(|hash| original.line(text.find(hash).unwrap()))
            .collect();
        assert_eq!(lines, expected);
        assert_eq!(expected, vec![5, 7, 11]);
    }

    #[test]
    fn an_array_the_parser_does_not_place_under_a_package_is_not_claimed() {
        // Inside a multi-line string, the `wheels = [` line is text, not an array.
        let text = "[[package]]\nname = \"a\"\ndescription = \"\"\"\nwheels = [\n    { hash = \"sha256:aa\" },\n]\n\"\"\"\n";
        let lifted = lift(text, "package", UV).expect("recognized as text");
        let root = toml::de::DeTable::parse(&lifted.text).unwrap().into_inner();
        assert!(!lifted.claimed_by(&root));
        // Under another table.
        let text = "[[package]]\nname = \"a\"\n[package.metadata]\nwheels = [\n    { hash = \"sha256:aa\" },\n]\n";
        let lifted = lift(text, "package", UV).expect("recognized");
        let root = toml::de::DeTable::parse(&lifted.text).unwrap().into_inner();
        assert!(!lifted.claimed_by(&root));
    }
}
