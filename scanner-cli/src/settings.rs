//! The one place airlock's configuration is found, read and checked, once per run, so that
//! every command (`scan`, `sbom`, `attest`, `diff`, `verify`, `db`) trusts the same files by the
//! same rule (docs/configuration.md, docs/trust-model.md).
//!
//! Two trust levels:
//!
//! - **Operator configuration**, trusted: the user's `config.toml` (in the platform's config
//!   directory), then `--config FILE`, or without it the working directory's own
//!   `airlock.toml`. Later files win key by key; policy lists add up ([`Policy::overlay`]).
//!   Environment variables then win for the database and sync settings, and flags over all.
//! - **Project policy**, hostile: the `airlock.toml` at the top of a directory given to `scan`,
//!   `sbom` or `attest` that is not an operator file. It may only tighten the operator's policy
//!   ([`Policy::with_project_policy`]); `--trust-project-policy` applies it fully.
//!
//! `verify` and `diff` judge trees that must not steer them: for them ([`Judged::Trees`]) a
//! discovered operator file inside a judged tree is not read at all, and they get the operator
//! policy only ([`Settings::operator_policy`]). Nothing walks up the directory tree: a file
//! above the working directory or above a scanned path is nobody's configuration.
//!
//! Every file is read once (a regular file, at most 1 MiB, UTF-8) and handed to both parsers:
//! the policy's ([`Policy::parse`]) and the advisory settings' ([`advisories::config`]). Every
//! problem of an operator file is reported with its line before anything runs.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use advisories::config::{Config as AdvisorySettings, ConfigError};
use scanner_core::policy::{Date, Loosening, Policy};
use scanner_core::scan::display_path;
use scanner_core::{Diagnostic, DiagnosticCode, Location};

/// The name of the configuration file in a working directory or a project.
pub const FILE_NAME: &str = "airlock.toml";

/// Larger than any configuration anyone writes; a bigger file is refused rather than read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Where an operator file came from (and so where it sits in the layering, first to last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// `config.toml` in the user's config directory.
    UserConfig,
    /// `--config FILE`.
    CommandLine,
    /// `airlock.toml` in the working directory (not read when `--config` is given).
    WorkingDirectory,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::UserConfig => "user config",
            Origin::CommandLine => "--config",
            Origin::WorkingDirectory => "working directory",
        }
    }
}

/// An operator file that was read.
#[derive(Debug, Clone)]
pub struct OperatorFile {
    pub origin: Origin,
    /// As messages and reports name it (relative to the working directory when below it).
    pub display: String,
    canonical: PathBuf,
}

/// What the command is about to judge: it decides which discovered files are the operator's.
#[derive(Debug, Clone, Copy)]
pub enum Judged<'a> {
    /// No tree (`db`).
    Nothing,
    /// `scan`, `sbom`, `attest`: the working directory's file stays the operator's even when
    /// it lies in a scanned directory; each scanned directory's own `airlock.toml` that is not
    /// an operator file is project policy ([`Settings::scan_policy`]).
    Scanned,
    /// `verify`, `diff`: nothing inside these trees is read as configuration, the working
    /// directory's file included (an explicit `--config` is the operator's word and is read).
    Trees(&'a [PathBuf]),
}

/// A discovered file that was not read because it lies inside a judged tree.
#[derive(Debug, Clone)]
pub struct SkippedFile {
    pub display: String,
    /// The judged path it lies in, as given.
    pub inside: String,
}

/// Why the configuration cannot be used; [`SettingsError::lines`] renders it for stderr.
#[derive(Debug)]
pub enum SettingsError {
    /// A file that cannot be read as configuration (missing, not a regular file, too large,
    /// not UTF-8).
    Unreadable { display: String, reason: String },
    /// Every problem of one file, each with its line.
    Invalid {
        display: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// An environment variable with a bad value.
    Environment(String),
    /// The working directory cannot be read.
    WorkingDirectory(std::io::Error),
}

impl SettingsError {
    /// What to print on stderr, one line each.
    pub fn lines(&self) -> Vec<String> {
        match self {
            SettingsError::Unreadable { display, reason } => {
                vec![format!("error: {display}: {reason}")]
            }
            SettingsError::Invalid {
                display,
                diagnostics,
            } => {
                let mut lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
                lines.push(format!(
                    "error: {display} has {} problem{}; nothing was done",
                    diagnostics.len(),
                    if diagnostics.len() == 1 { "" } else { "s" }
                ));
                lines
            }
            SettingsError::Environment(message) => vec![format!("error: {message}")],
            SettingsError::WorkingDirectory(error) => {
                vec![format!("error: cannot read the working directory: {error}")]
            }
        }
    }
}

/// The configuration of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    files: Vec<OperatorFile>,
    skipped: Vec<SkippedFile>,
    policy: Policy,
    advisories: AdvisorySettings,
}

impl Settings {
    /// Finds, reads and checks the operator's files for a command that judges `judged`.
    pub fn load(explicit: Option<&Path>, judged: Judged<'_>) -> Result<Settings, SettingsError> {
        let working_directory = std::env::current_dir().map_err(SettingsError::WorkingDirectory)?;
        let mut candidates: Vec<(Origin, PathBuf)> = Vec::new();
        if let Some(path) = advisories::config::user_config_path().filter(|path| path.is_file()) {
            candidates.push((Origin::UserConfig, path));
        }
        match explicit {
            Some(path) => candidates.push((Origin::CommandLine, path.to_path_buf())),
            None => {
                let path = working_directory.join(FILE_NAME);
                if path.exists() {
                    candidates.push((Origin::WorkingDirectory, PathBuf::from(FILE_NAME)));
                }
            }
        }
        let trees: Vec<(PathBuf, String)> = match judged {
            Judged::Trees(paths) => paths
                .iter()
                .filter_map(|path| {
                    let canonical = std::fs::canonicalize(path).ok()?;
                    canonical.is_dir().then(|| (canonical, display_path(path)))
                })
                .collect(),
            Judged::Nothing | Judged::Scanned => Vec::new(),
        };

        let mut settings = Settings {
            files: Vec::new(),
            skipped: Vec::new(),
            policy: Policy::default(),
            advisories: AdvisorySettings::default(),
        };
        for (origin, path) in candidates {
            let display = display_of(&path);
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if origin != Origin::CommandLine {
                if let Some((_, inside)) =
                    trees.iter().find(|(tree, _)| canonical.starts_with(tree))
                {
                    settings.skipped.push(SkippedFile {
                        display,
                        inside: inside.clone(),
                    });
                    continue;
                }
            }
            let text = read_text(&path).map_err(|reason| SettingsError::Unreadable {
                display: display.clone(),
                reason,
            })?;
            let mut diagnostics = Vec::new();
            match Policy::parse(&display, &text) {
                Ok(policy) => settings.policy.overlay(policy),
                Err(problems) => diagnostics.extend(problems),
            }
            if let Err(error) =
                advisories::config::apply_text(&mut settings.advisories, &path, &text)
            {
                let diagnostic = config_diagnostic(&display, error);
                // A TOML syntax error is found by both parsers: report it once.
                let line = diagnostic
                    .location
                    .as_ref()
                    .and_then(|location| location.line);
                let repeated = line.is_some()
                    && diagnostics.iter().any(|known| {
                        known.location.as_ref().and_then(|location| location.line) == line
                    });
                if !repeated {
                    diagnostics.push(diagnostic);
                }
            }
            if !diagnostics.is_empty() {
                diagnostics.sort_by_key(|diagnostic| {
                    diagnostic
                        .location
                        .as_ref()
                        .and_then(|location| location.line)
                });
                return Err(SettingsError::Invalid {
                    display,
                    diagnostics,
                });
            }
            settings.files.push(OperatorFile {
                origin,
                display,
                canonical,
            });
        }
        advisories::config::apply_environment(&mut settings.advisories)
            .map_err(|error| SettingsError::Environment(error.to_string()))?;
        Ok(settings)
    }

    /// The operator files that were read, first to last.
    pub fn files(&self) -> &[OperatorFile] {
        &self.files
    }

    /// Discovered files that were not read because they lie inside a judged tree
    /// ([`Judged::Trees`]); commands warn about them.
    pub fn skipped(&self) -> &[SkippedFile] {
        &self.skipped
    }

    /// The operator's policy, layered from the operator files. What `verify` and `diff` apply:
    /// nothing in it came from a judged tree.
    pub fn operator_policy(&self) -> &Policy {
        &self.policy
    }

    /// The `[database]` and `[sync]` settings (how `db sync` fetches, which key bundles must be
    /// signed with, where the database is) with the environment applied.
    pub fn advisories(&self) -> &AdvisorySettings {
        &self.advisories
    }

    /// The advisory database file: `--db`, else `AIRLOCK_DB`, else `[database] path`, else
    /// `airlock/advisories.sqlite3` in the user data directory.
    pub fn database_path(&self, flag: Option<&Path>) -> anyhow::Result<PathBuf> {
        let from_environment = std::env::var_os("AIRLOCK_DB")
            .filter(|value| !value.is_empty())
            .map(PathBuf::from);
        flag.map(Path::to_path_buf)
            .or(from_environment)
            .or_else(|| self.advisories.database_path.clone())
            .or_else(advisories::default_path)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "cannot find the user data directory for the advisory database: pass --db PATH"
                )
            })
    }

    /// The project policy files of `scanned` (each scanned directory's own `airlock.toml` that
    /// is not an operator file), read and parsed. Problems are diagnostics of the scan: a file
    /// that cannot be used makes the run exit 2 while the rest is still reported. A file of
    /// `skip_files` (canonical paths: the run's own `-o`, which it is about to replace) is not
    /// read, as the scan does not read it either.
    pub fn project_policies(&self, scanned: &[PathBuf], skip_files: &[PathBuf]) -> ProjectPolicies {
        let mut found = ProjectPolicies::default();
        let mut seen: Vec<PathBuf> = Vec::new();
        for directory in scanned {
            let Ok(root) = std::fs::canonicalize(directory) else {
                continue;
            };
            if !root.is_dir() {
                continue;
            }
            let path = directory.join(FILE_NAME);
            if std::fs::symlink_metadata(&path).is_err() {
                continue;
            }
            let display = display_path(&path);
            // A project policy that cannot be read may have meant to tighten: the run fails
            // closed (exit 2) and says why, as for a file with a mistake.
            let Ok(canonical) = std::fs::canonicalize(&path) else {
                found.diagnostics.push(Diagnostic::error(
                    DiagnosticCode::PolicyError,
                    Location::file(&display),
                    "cannot read the project policy: a link to nowhere",
                ));
                continue;
            };
            if self.files.iter().any(|file| file.canonical == canonical)
                || seen.contains(&canonical)
            {
                continue;
            }
            if skip_files.contains(&canonical) {
                found.diagnostics.push(Diagnostic::note(
                    DiagnosticCode::OutputNotScanned,
                    Location::file(&display),
                    "this run writes its report here, so it is not read as project policy",
                ));
                continue;
            }
            seen.push(canonical.clone());
            if !canonical.starts_with(&root) {
                found.diagnostics.push(Diagnostic::error(
                    DiagnosticCode::PolicyError,
                    Location::file(&display),
                    "cannot read the project policy: a link out of the scanned tree is not followed",
                ));
                continue;
            }
            let text = match read_text(&path) {
                Ok(text) => text,
                Err(reason) => {
                    found.diagnostics.push(Diagnostic::error(
                        DiagnosticCode::PolicyError,
                        Location::file(&display),
                        format!("cannot read the project policy: {reason}"),
                    ));
                    continue;
                }
            };
            match Policy::parse(&display, &text) {
                Ok(policy) => found.files.push(ProjectPolicyFile {
                    display,
                    sha256: hex::encode(Sha256::digest(text.as_bytes())),
                    policy,
                }),
                Err(problems) => found.diagnostics.extend(problems),
            }
        }
        found
    }

    /// The operator's policy as a [`ScanPolicy`] with no project policy at all: what `verify`
    /// and `diff` judge with (through `commands::judge`), so their reports can say which files
    /// judged them (`commands::policy_facts`) without any file of the judged trees.
    pub fn operator_scan_policy(&self) -> ScanPolicy {
        ScanPolicy {
            policy: self.operator_policy().clone(),
            refused: Vec::new(),
            project_files: Vec::new(),
            diagnostics: Vec::new(),
            trusted: false,
            operator_files: self.files.iter().map(|file| file.display.clone()).collect(),
        }
    }

    /// The policy `scan` and `attest` apply to `scanned`: the operator's, with the project
    /// policies tightening it (or, with `trust_project_policy`, layered over it). `skip_files`
    /// as for [`Settings::project_policies`].
    pub fn scan_policy(
        &self,
        scanned: &[PathBuf],
        trust_project_policy: bool,
        skip_files: &[PathBuf],
    ) -> ScanPolicy {
        let projects = self.project_policies(scanned, skip_files);
        let mut policy = self.policy.clone();
        let mut refused = Vec::new();
        for file in &projects.files {
            let outcome = policy.with_project_policy(&file.policy, trust_project_policy);
            policy = outcome.policy;
            refused.extend(outcome.refused);
        }
        ScanPolicy {
            policy,
            refused,
            project_files: projects.files,
            diagnostics: projects.diagnostics,
            trusted: trust_project_policy,
            operator_files: self.files.iter().map(|file| file.display.clone()).collect(),
        }
    }
}

/// A project policy file that was read.
#[derive(Debug, Clone)]
pub struct ProjectPolicyFile {
    pub display: String,
    /// Of the bytes read, for the file's component in the report.
    pub sha256: String,
    pub policy: Policy,
}

/// The project policy files of a scan, and the problems met finding them.
#[derive(Debug, Clone, Default)]
pub struct ProjectPolicies {
    pub files: Vec<ProjectPolicyFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The policy of one scan, with what the report must say about it.
#[derive(Debug, Clone)]
pub struct ScanPolicy {
    /// What applies: the operator's policy and what the project policies may add.
    pub policy: Policy,
    /// Project policy entries that were not applied (each becomes a finding).
    pub refused: Vec<Loosening>,
    pub project_files: Vec<ProjectPolicyFile>,
    /// Project policy files that could not be used (errors make the run exit 2).
    pub diagnostics: Vec<Diagnostic>,
    /// `--trust-project-policy` was given.
    pub trusted: bool,
    /// The operator files, as displayed.
    pub operator_files: Vec<String>,
}

/// Reads a configuration file: a regular file (a FIFO or a device would block or never end),
/// at most [`MAX_FILE_BYTES`], UTF-8.
fn read_text(path: &Path) -> Result<String, String> {
    let metadata = std::fs::metadata(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        _ => format!("cannot read: {error}"),
    })?;
    if !metadata.is_file() {
        return Err("not a regular file".to_owned());
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{} bytes is over the {MAX_FILE_BYTES}-byte cap for a configuration file",
            metadata.len()
        ));
    }
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read: {error}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read: {error}"))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        return Err(format!(
            "over the {MAX_FILE_BYTES}-byte cap for a configuration file"
        ));
    }
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())
}

/// An advisory settings error as a diagnostic of the file, with its line when it has one.
fn config_diagnostic(display: &str, error: ConfigError) -> Diagnostic {
    let location = match &error {
        ConfigError::Parse { line, column, .. } => Location {
            path: display.to_owned(),
            line: u32::try_from(*line).ok(),
            column: u32::try_from(*column).ok(),
        },
        _ => Location::file(display),
    };
    let message = match error {
        ConfigError::Parse { message, .. } | ConfigError::Invalid { message, .. } => message,
        other => other.to_string(),
    };
    Diagnostic::error(DiagnosticCode::PolicyError, location, message)
}

/// `path` as messages name it: relative to the working directory when it lies below it.
fn display_of(path: &Path) -> String {
    let relative = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .ok()
        .and_then(|working| {
            let absolute = std::fs::canonicalize(path).ok()?;
            absolute.strip_prefix(working).ok().map(Path::to_path_buf)
        })
        .filter(|relative| !relative.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf());
    display_path(&relative)
}

/// Today, for ignore expiry: from `SOURCE_DATE_EPOCH` when set (reproducible runs), else the
/// clock.
pub fn today() -> Date {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|value| value.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs())
        });
    Date::from_unix_seconds(seconds)
}
