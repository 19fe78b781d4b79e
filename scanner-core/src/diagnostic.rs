//! Coded diagnostics: everything a scan wants to tell the user that is not a component. Codes are
//! stable kebab-case strings (they become SARIF rule ids and ignore keys), so they are listed in
//! one table with a one-line description and tested for uniqueness.

use std::fmt;

use crate::location::Location;

macro_rules! diagnostic_codes {
    ($($variant:ident => $code:literal, $description:literal;)*) => {
        /// Every diagnostic airlock can produce.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum DiagnosticCode { $(#[doc = $description] $variant,)* }

        impl DiagnosticCode {
            /// All codes, in declaration order.
            pub const ALL: &'static [DiagnosticCode] = &[$(DiagnosticCode::$variant,)*];

            /// The stable code.
            pub fn as_str(self) -> &'static str {
                match self { $(DiagnosticCode::$variant => $code,)* }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $(DiagnosticCode::$variant => $description,)* }
            }
        }
    };
}

diagnostic_codes! {
    ParseError => "parse-error", "A file could not be parsed; nothing was taken from it.";
    UnsupportedFormatVersion => "unsupported-format-version", "A file declares a format version airlock does not read.";
    InvalidEntry => "invalid-entry", "One entry of a file is malformed and was skipped; the rest of the file was read.";
    DuplicateEntry => "duplicate-entry", "A file lists the same package twice.";
    ReadError => "read-error", "A file or directory could not be read.";
    FileTooLarge => "file-too-large", "A file is larger than the read cap for its format and was skipped.";
    NotARegularFile => "not-a-regular-file", "A path is a FIFO, socket or device and was skipped.";
    SymlinkOutsideRoot => "symlink-outside-root", "A symbolic link points outside the scan root and was not followed.";
    OutsideScanRoot => "outside-scan-root", "A file refers to another file outside the scan root, which was not read.";
    DanglingReference => "dangling-reference", "A dependency names a package that the same lockfile does not define.";
    AmbiguousReference => "ambiguous-reference", "A dependency name matches several packages and could not be linked.";
    UndeclaredDependency => "undeclared-dependency", "A lockfile edge from a workspace member has no declaration in its manifest.";
    LockfileOutOfDate => "lockfile-out-of-date", "A manifest declares a dependency that its lockfile does not contain.";
    WorkspaceMemberMissing => "workspace-member-missing", "A workspace member in the lockfile has no manifest in the scanned tree.";
    UnresolvedWorkspaceInheritance => "unresolved-workspace-inheritance", "A `workspace = true` field has no workspace root to inherit from.";
    CargoMetadataFallback => "cargo-metadata-fallback", "`cargo metadata` was asked for but failed; the lockfile was read directly.";
    UnusedByFeatures => "unused-by-features", "Locked packages that the default features do not use were left out (cargo metadata).";
    NoExtractor => "no-extractor", "A file named on the command line is not a format airlock reads.";
    PolicyError => "policy-error", "The policy file (airlock.toml) has an unknown key or a bad value.";
    ExpiredIgnore => "expired-ignore", "An ignore entry of the policy file is past its expiry date and no longer applies.";
    VexStatement => "vex-statement", "A VEX statement given with --vex matches no finding, or matches one with other purl qualifiers.";
    InternalError => "internal-error", "An extractor failed unexpectedly on a file (a bug in airlock); the file was skipped.";
    IncludeCycle => "include-cycle", "A file includes itself through a chain of includes (`-r`, `-c`); the cycle was not followed.";
    UnresolvedMcpCommand => "unresolved-mcp-command", "An MCP server runs a program found on PATH, so no package or file could be tied to it.";
    OutputNotScanned => "output-not-scanned", "The file this run writes its report to (`-o`) lies inside a scanned path; it was not read as an input.";
    ImageEntrySkipped => "image-entry-skipped", "An entry of a container image layer was skipped (a path climbing out of the image, a hard link to nothing) or read from the root (an absolute path).";
    OsPackagesNotMatched => "os-packages-not-matched", "Operating-system packages (dpkg, apk) were listed but not matched: distribution advisories are not imported, so their vulnerabilities are unknown.";
    BinaryNotAudited => "binary-not-audited", "An executable or library carries no cargo-auditable dependency list (`.dep-v0`): what it was built from is unknown, not absent.";
}

impl fmt::Display for DiagnosticCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// How much a diagnostic matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DiagnosticSeverity {
    /// Something was not read: the result is incomplete.
    Error,
    /// Something was read with a caveat.
    Warning,
    /// For the curious.
    Note,
}

impl DiagnosticSeverity {
    /// The severity as the outputs write it (`error`).
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticSeverity::Error => "error",
            DiagnosticSeverity::Warning => "warning",
            DiagnosticSeverity::Note => "note",
        }
    }
}

/// One coded message, with the place it is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file (and line) it is about; `None` for the run as a whole.
    pub location: Option<Location>,
    /// How bad it is: an error means something was not read.
    pub severity: DiagnosticSeverity,
    /// The stable code (documented in `docs/rules.md`).
    pub code: DiagnosticCode,
    /// What happened, for people.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic with every part given.
    pub fn new(
        code: DiagnosticCode,
        severity: DiagnosticSeverity,
        location: Option<Location>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            location,
            severity,
            code,
            message: message.into(),
        }
    }

    /// An error about `location`: something there was not read.
    pub fn error(
        code: DiagnosticCode,
        location: Location,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(code, DiagnosticSeverity::Error, Some(location), message)
    }

    /// A warning about `location`: read, with a problem.
    pub fn warning(
        code: DiagnosticCode,
        location: Location,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(code, DiagnosticSeverity::Warning, Some(location), message)
    }

    /// A note about `location`: changes nothing in the result.
    pub fn note(
        code: DiagnosticCode,
        location: Location,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(code, DiagnosticSeverity::Note, Some(location), message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(formatter, "{location}: ")?;
        }
        write!(
            formatter,
            "{}[{}]: {}",
            self.severity.as_str(),
            self.code,
            self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_kebab_case_and_described() {
        let mut seen = BTreeSet::new();
        for code in DiagnosticCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{code}"
            );
            assert!(
                code.description().ends_with('.'),
                "{code} needs a one-line description"
            );
        }
    }

    #[test]
    fn display_names_file_and_line() {
        let diagnostic = Diagnostic::error(
            DiagnosticCode::ParseError,
            Location::line("a/Cargo.lock", 7),
            "bad",
        );
        assert_eq!(
            diagnostic.to_string(),
            "a/Cargo.lock:7: error[parse-error]: bad"
        );
    }
}
