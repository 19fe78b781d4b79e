//! Package names, normalized per ecosystem so that two spellings of one package are one key
//! (PEP 503 for PyPI: `Foo_Bar` is `foo-bar`), while the spelling found in the file is kept for
//! display.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::ecosystem::Ecosystem;

/// Why a string cannot be a package name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Nothing but white space.
    #[error("a package name cannot be empty")]
    Empty,
    /// Longer than [`MAX_NAME_LENGTH`].
    #[error("package name `{name}` is longer than {max} bytes")]
    TooLong {
        /// The name's first 64 characters.
        name: String,
        /// The limit it is over.
        max: usize,
    },
    /// A control character, or white space in a registry name.
    #[error("package name `{name}` contains a control character or white space")]
    InvalidCharacter {
        /// The name, trimmed.
        name: String,
    },
}

/// The longest name accepted; real names are far shorter and this keeps hostile input bounded.
pub const MAX_NAME_LENGTH: usize = 512;

/// A package name: compared, hashed and ordered by its normalized form only.
///
/// Both spellings live in one shared string (the normalized form, then the original when it
/// differs): a name is copied into every key, reference and edge that mentions the package, and
/// a copy is then a reference count, not two allocations (issue 19, `docs/PERFORMANCE.md`).
#[derive(Clone)]
pub struct PackageName {
    /// `normalized` then, when the spelling differs, `original`.
    text: Arc<str>,
    /// Where `normalized` ends in `text` (`text.len()` when the spellings are the same).
    split: usize,
}

impl fmt::Debug for PackageName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PackageName")
            .field("normalized", &self.normalized())
            .field("original", &self.original())
            .finish()
    }
}

impl PackageName {
    /// Validates and normalizes `raw` for `ecosystem`.
    pub fn new(ecosystem: Ecosystem, raw: &str) -> Result<PackageName, NameError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        if trimmed.len() > MAX_NAME_LENGTH {
            return Err(NameError::TooLong {
                name: trimmed.chars().take(64).collect(),
                max: MAX_NAME_LENGTH,
            });
        }
        // Registry names never hold white space; a generic component's name is data (a file
        // name, an SBOM's `Apache Log4j API`) and may hold plain spaces.
        let space_allowed = |c: char| c == ' ' && ecosystem == Ecosystem::GenericFile;
        // An ASCII byte is white space or a control character exactly when it is below `!` or
        // DEL; almost every name is ASCII letters, digits and punctuation, and a large lock has
        // thousands (the `char` tests below cost ten times as much).
        let plain_ascii = trimmed.bytes().all(|byte| byte > b' ' && byte < 0x7f);
        if !plain_ascii
            && trimmed
                .chars()
                .any(|c| c.is_control() || (c.is_whitespace() && !space_allowed(c)))
        {
            return Err(NameError::InvalidCharacter {
                name: trimmed.to_owned(),
            });
        }
        if plain_ascii {
            return Ok(PackageName::from_ascii(ecosystem, trimmed));
        }
        let mut text = String::with_capacity(trimmed.len() * 2);
        normalize_each(ecosystem, trimmed, |character| text.push(character));
        let split = text.len();
        if text != trimmed {
            text.push_str(trimmed);
        }
        Ok(PackageName {
            text: Arc::from(text),
            split,
        })
    }

    /// The name of a checked ASCII spelling (no white space, no control character, at most
    /// [`MAX_NAME_LENGTH`] bytes): both spellings are written on the stack, byte by byte, and
    /// the shared string is the one allocation.
    fn from_ascii(ecosystem: Ecosystem, name: &str) -> PackageName {
        let mut text = AsciiBuffer::default();
        normalize_each(ecosystem, name, |character| text.push(character));
        let split = text.as_str().len();
        if text.as_str() != name {
            name.chars().for_each(|character| text.push(character));
        }
        PackageName {
            text: Arc::from(text.as_str()),
            split,
        }
    }

    /// The identity form.
    pub fn normalized(&self) -> &str {
        self.text.get(..self.split).unwrap_or_default()
    }

    /// The identity form's bytes, for comparing and hashing: names are compared in every key
    /// lookup, and the bytes need no check that `split` falls between characters.
    fn identity(&self) -> &[u8] {
        self.text.as_bytes().get(..self.split).unwrap_or_default()
    }

    /// The spelling found in the input.
    pub fn original(&self) -> &str {
        match self.text.get(self.split..) {
            Some(original) if !original.is_empty() => original,
            // The same spelling, stored once (a name is never empty).
            _ => &self.text,
        }
    }
}

/// Room on the stack for both ASCII spellings of a name.
struct AsciiBuffer {
    bytes: [u8; 2 * MAX_NAME_LENGTH],
    length: usize,
}

impl Default for AsciiBuffer {
    fn default() -> Self {
        AsciiBuffer {
            bytes: [0; 2 * MAX_NAME_LENGTH],
            length: 0,
        }
    }
}

impl AsciiBuffer {
    /// Appends an ASCII character (never past the end: two names of the longest length fit;
    /// the normal form of an ASCII name is ASCII, so nothing else is ever given).
    fn push(&mut self, character: char) {
        let Some(byte) = u8::try_from(character).ok().filter(u8::is_ascii) else {
            return;
        };
        if let Some(slot) = self.bytes.get_mut(self.length) {
            *slot = byte;
            self.length += 1;
        }
    }

    fn as_str(&self) -> &str {
        // Only ASCII bytes are pushed, so the bytes are always text.
        std::str::from_utf8(self.bytes.get(..self.length).unwrap_or_default()).unwrap_or_default()
    }
}

/// `text` with each white-space or control character replaced by `-`: text a file uses as a
/// label (a folder called `my model`, a server called `my server`) still makes a valid name.
pub(crate) fn dashed(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().map(|c| {
        if c.is_whitespace() || c.is_control() {
            '-'
        } else {
            c
        }
    })
}

/// Per-ecosystem normalization.
pub fn normalize(ecosystem: Ecosystem, name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    normalize_each(ecosystem, name, |character| normalized.push(character));
    normalized
}

/// [`normalize`], each character of the normal form handed to `push` in order: the one
/// normalizer, whether its result goes to a `String` or, for an ASCII name, to the stack.
fn normalize_each(ecosystem: Ecosystem, name: &str, push: impl FnMut(char)) {
    match ecosystem {
        Ecosystem::PyPI => pep503(name, push),
        // Cargo names are exact in lockfiles and in RustSec; crates.io forbids look-alikes at
        // publication, so no folding is needed for identity.
        Ecosystem::CratesIo | Ecosystem::GenericFile => name.chars().for_each(push),
        // npm names are case-sensitive in the registry (old packages such as `JSONStream` keep
        // their capitals; new ones must be lowercase) and OSV records spell them exactly.
        Ecosystem::Npm => name.chars().for_each(push),
        // Image repositories must be lowercase; a reference that is not is invalid anyway.
        Ecosystem::Docker => lowercase(name, push),
        // Hub repository ids resolve case-insensitively.
        Ecosystem::HuggingFaceModel | Ecosystem::HuggingFaceDataset => lowercase(name, push),
    }
}

/// Unicode lowercase (`str::to_lowercase`, which knows a word-final sigma); ASCII directly.
fn lowercase(name: &str, push: impl FnMut(char)) {
    if name.is_ascii() {
        name.chars().map(|c| c.to_ascii_lowercase()).for_each(push);
    } else {
        name.to_lowercase().chars().for_each(push);
    }
}

/// PEP 503: lowercase, and every run of `-`, `_` and `.` becomes one `-`.
fn pep503(name: &str, mut push: impl FnMut(char)) {
    let mut in_separator_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator_run {
                push('-');
            }
            in_separator_run = true;
        } else {
            character.to_lowercase().for_each(&mut push);
            in_separator_run = false;
        }
    }
}

impl PartialEq for PackageName {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}
impl Eq for PackageName {}
impl Hash for PackageName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}
impl PartialOrd for PackageName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for PackageName {
    fn cmp(&self, other: &Self) -> Ordering {
        // Byte order is the order of `str`.
        self.identity().cmp(other.identity())
    }
}
impl fmt::Display for PackageName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.original())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_examples() {
        for (raw, expected) in [
            ("Django", "django"),
            ("zope.interface", "zope-interface"),
            ("typing_extensions", "typing-extensions"),
            ("A--_.b", "a-b"),
            ("ruamel.yaml.clib", "ruamel-yaml-clib"),
        ] {
            assert_eq!(
                PackageName::new(Ecosystem::PyPI, raw).unwrap().normalized(),
                expected
            );
        }
    }

    #[test]
    fn equality_uses_the_normalized_form() {
        let a = PackageName::new(Ecosystem::PyPI, "Typing_Extensions").unwrap();
        let b = PackageName::new(Ecosystem::PyPI, "typing-extensions").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.original(), "Typing_Extensions");
        assert_eq!(a.normalized(), "typing-extensions");
        assert_eq!(b.original(), "typing-extensions");
        assert_eq!(b.normalized(), "typing-extensions");
        assert_eq!(a.to_string(), "Typing_Extensions");
        // A one-letter name, the same in both forms and not.
        let x = PackageName::new(Ecosystem::PyPI, "X").unwrap();
        assert_eq!((x.normalized(), x.original()), ("x", "X"));
        let x = PackageName::new(Ecosystem::PyPI, "x").unwrap();
        assert_eq!((x.normalized(), x.original()), ("x", "x"));
        let c = PackageName::new(Ecosystem::CratesIo, "serde_json").unwrap();
        let d = PackageName::new(Ecosystem::CratesIo, "serde-json").unwrap();
        assert_ne!(c, d);
        let upper = PackageName::new(Ecosystem::Npm, "JSONStream").unwrap();
        let lower = PackageName::new(Ecosystem::Npm, "jsonstream").unwrap();
        assert_ne!(upper, lower);
        assert_eq!(
            PackageName::new(Ecosystem::Npm, "@modelcontextprotocol/server-github")
                .unwrap()
                .normalized(),
            "@modelcontextprotocol/server-github"
        );
    }

    #[test]
    fn rejects_bad_names() {
        assert_eq!(
            PackageName::new(Ecosystem::PyPI, "  "),
            Err(NameError::Empty)
        );
        assert!(PackageName::new(Ecosystem::PyPI, "a b").is_err());
        assert!(PackageName::new(Ecosystem::PyPI, &"x".repeat(600)).is_err());
    }

    /// The ASCII shortcuts (the byte test for white space and control characters, the byte
    /// lowercase) accept, refuse and fold exactly as the `char` rules they stand in for.
    #[test]
    fn ascii_shortcuts_agree_with_the_char_rules() {
        let by_chars = |ecosystem: Ecosystem, raw: &str| -> Option<String> {
            let trimmed = raw.trim();
            let refused = trimmed.chars().any(|c| {
                c.is_control()
                    || (c.is_whitespace() && !(c == ' ' && ecosystem == Ecosystem::GenericFile))
            });
            if trimmed.is_empty() || refused {
                return None;
            }
            Some(match ecosystem {
                Ecosystem::PyPI => {
                    let mut folded = String::new();
                    let mut run = false;
                    for c in trimmed.chars() {
                        if matches!(c, '-' | '_' | '.') {
                            if !run {
                                folded.push('-');
                            }
                            run = true;
                        } else {
                            folded.extend(c.to_lowercase());
                            run = false;
                        }
                    }
                    folded
                }
                Ecosystem::Docker | Ecosystem::HuggingFaceModel | Ecosystem::HuggingFaceDataset => {
                    trimmed.to_lowercase()
                }
                _ => trimmed.to_owned(),
            })
        };
        let mut names: Vec<String> = [
            "Django",
            "a\u{7f}b",
            "a\tb",
            "a b",
            "a\u{a0}b",
            "Ünïcode_Name",
            "ΟΔΟΣ",
            "x\u{85}",
            "~!@#$%^&*()_+{}|:<>?",
            "Zz.Aa-_Bb",
            "\u{1}",
            "a\u{2028}b",
            "İ",
        ]
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
        // Every single byte that is a character on its own, between two letters.
        names.extend((0u8..0x80).map(|byte| format!("A{}b", char::from(byte))));
        for ecosystem in [
            Ecosystem::PyPI,
            Ecosystem::CratesIo,
            Ecosystem::GenericFile,
            Ecosystem::Npm,
            Ecosystem::Docker,
            Ecosystem::HuggingFaceModel,
        ] {
            for raw in &names {
                let read = PackageName::new(ecosystem, raw)
                    .ok()
                    .map(|name| name.normalized().to_owned());
                assert_eq!(read, by_chars(ecosystem, raw), "{ecosystem:?} {raw:?}");
            }
        }
    }
}
