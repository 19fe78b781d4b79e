//! The little XML the CycloneDX XML form needs: a writer that escapes and indents as it goes
//! (one pass into one buffer), and a reader that turns a document into a small element tree
//! through `xml-rs` (no external entities, no DTD fetching), with caps on depth and size because
//! the document may come from an attacker.

use std::fmt::Write as _;

/// How deep elements may nest in a document airlock reads (CycloneDX nests components, but no
/// real document comes near this).
const MAXIMUM_DEPTH: usize = 256;
/// How many elements a document airlock reads may hold.
const MAXIMUM_ELEMENTS: usize = 5_000_000;

/// An XML document airlock could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct XmlError {
    /// 1-based line of the problem, when the parser knows it.
    pub line: Option<u32>,
    /// What is wrong (never a quote of the document).
    pub message: String,
}

/// Writes indented XML into a buffer.
#[derive(Debug)]
pub struct XmlWriter {
    buffer: String,
    depth: usize,
}

impl XmlWriter {
    /// A document with its XML declaration, sized for `capacity` bytes.
    pub fn new(capacity: usize) -> XmlWriter {
        let mut buffer = String::with_capacity(capacity);
        buffer.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        XmlWriter { buffer, depth: 0 }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.buffer.push_str("  ");
        }
    }

    fn start_tag(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.indent();
        self.buffer.push('<');
        self.buffer.push_str(name);
        for (key, value) in attributes {
            self.buffer.push(' ');
            self.buffer.push_str(key);
            self.buffer.push_str("=\"");
            escape_into(&mut self.buffer, value);
            self.buffer.push('"');
        }
    }

    /// `<name attributes>` and a new line; children follow until [`XmlWriter::close`].
    pub fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.buffer.push_str(">\n");
        self.depth += 1;
    }

    pub fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.buffer.push_str("</");
        self.buffer.push_str(name);
        self.buffer.push_str(">\n");
    }

    /// `<name attributes>text</name>`.
    pub fn text(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.start_tag(name, attributes);
        self.buffer.push('>');
        escape_into(&mut self.buffer, text);
        self.buffer.push_str("</");
        self.buffer.push_str(name);
        self.buffer.push_str(">\n");
    }

    /// `<name>text</name>` when there is a text.
    pub fn optional(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text(name, &[], text);
        }
    }

    /// `<name attributes/>`.
    pub fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.buffer.push_str("/>\n");
    }

    pub fn finish(self) -> String {
        self.buffer
    }
}

/// Escapes text for an element or a double-quoted attribute. Characters XML 1.0 cannot carry at
/// all (most C0 controls) are written as U+FFFD: a hostile name must not make the document
/// unreadable.
fn escape_into(buffer: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => buffer.push_str("&amp;"),
            '<' => buffer.push_str("&lt;"),
            '>' => buffer.push_str("&gt;"),
            '"' => buffer.push_str("&quot;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(buffer, "&#{};", u32::from(character));
            }
            control if (control as u32) < 0x20 || matches!(control, '\u{fffe}' | '\u{ffff}') => {
                buffer.push('\u{fffd}');
            }
            other => buffer.push(other),
        }
    }
}

/// One element of a document read back: its local name (namespace prefixes dropped), its
/// attributes by local name, its child elements and its text.
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    /// The element's namespace URI, if any.
    pub namespace: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Every child named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The children of the child `wrapper` named `name` (`<hashes><hash/>…</hashes>`).
    pub fn list<'a>(&'a self, wrapper: &str, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.child(wrapper)
            .into_iter()
            .flat_map(move |list| list.all(name))
    }

    /// The text of the child `name`, trimmed, when it has one.
    pub fn child_text(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|child| child.text.trim().to_owned())
            .filter(|text| !text.is_empty())
    }
}

/// The document's root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    use xml::common::Position as _;
    use xml::reader::{ParserConfig, XmlEvent};
    let reader = ParserConfig::new()
        .cdata_to_characters(true)
        .ignore_comments(true)
        .coalesce_characters(true)
        .create_reader(text.as_bytes());
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0_usize;
    let line_of = |position: xml::common::TextPosition| {
        u32::try_from(position.row.saturating_add(1)).unwrap_or(u32::MAX)
    };
    for event in reader.into_iter() {
        let event = event.map_err(|error| XmlError {
            line: Some(line_of(error.position())),
            message: error.msg().to_owned(),
        })?;
        match event {
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                count += 1;
                if stack.len() >= MAXIMUM_DEPTH || count > MAXIMUM_ELEMENTS {
                    return Err(XmlError {
                        line: None,
                        message: format!(
                            "the document nests deeper than {MAXIMUM_DEPTH} elements or holds more than {MAXIMUM_ELEMENTS}"
                        ),
                    });
                }
                stack.push(Element {
                    name: name.local_name,
                    namespace: name.namespace,
                    attributes: attributes
                        .into_iter()
                        .map(|attribute| (attribute.name.local_name, attribute.value))
                        .collect(),
                    children: Vec::new(),
                    text: String::new(),
                });
            }
            XmlEvent::Characters(text) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            XmlEvent::EndElement { .. } => {
                let Some(done) = stack.pop() else {
                    continue;
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            _ => {}
        }
    }
    Err(XmlError {
        line: None,
        message: "the document has no root element".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn written_text_reads_back() {
        let mut writer = XmlWriter::new(64);
        writer.open("a", &[("x", "1 & \"2\"")]);
        writer.text("b", &[], "<tab>\t\u{1}");
        writer.empty("c", &[("ref", "r")]);
        writer.close("a");
        let root = parse(&writer.finish()).unwrap();
        assert_eq!(root.attribute("x"), Some("1 & \"2\""));
        assert_eq!(root.child("b").unwrap().text, "<tab>\t\u{fffd}");
        assert_eq!(root.child("c").unwrap().attribute("ref"), Some("r"));
    }

    #[test]
    fn broken_documents_are_errors_with_a_line() {
        let error = parse("<a>\n<b>\n</a>").unwrap_err();
        assert_eq!(error.line, Some(3));
    }
}
