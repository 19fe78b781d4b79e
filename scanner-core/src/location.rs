//! Where something was found: a scan-relative path with an optional line and column, and the
//! extractor that found it. Every component and diagnostic points back at its file.

use std::fmt;

/// A place in a scanned file. Paths are scan-relative and `/`-separated so that output does not
/// depend on the machine that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// Scan-relative, `/`-separated.
    pub path: String,
    /// 1-based.
    pub line: Option<u32>,
    /// 1-based, in characters.
    pub column: Option<u32>,
}

impl Location {
    /// The whole file at `path`.
    pub fn file(path: impl Into<String>) -> Location {
        Location {
            path: path.into(),
            line: None,
            column: None,
        }
    }

    /// Line `line` (1-based) of the file at `path`.
    pub fn line(path: impl Into<String>, line: u32) -> Location {
        Location {
            path: path.into(),
            line: Some(line),
            column: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(formatter, ":{line}")?;
            if let Some(column) = self.column {
                write!(formatter, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// A component was found at `location` by the extractor `extractor`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Evidence {
    /// Where the component was found.
    pub location: Location,
    /// The id of the extractor (format row) that found it.
    pub extractor: &'static str,
}
