//! One module per subcommand; shared plumbing (running a scan, showing diagnostics) here.

mod attest;
mod completions;
pub mod db;
pub mod diff;
mod extractors;
mod keygen;
mod policy;
mod progress;
mod rules;
mod sbom;
mod scan;
mod scan_advisories;
mod verify;

use anyhow::Context;
use scanner_core::scan::{ScanOptions, ScanReport};
use scanner_core::DiagnosticSeverity;

use crate::cli::{Cli, Command, ReportArgs};
use crate::output::stderr_line;
use crate::Outcome;

pub fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Sbom(args) => sbom::run(args, cli.color, Verbosity::of(cli)),
        Command::Scan(args) => scan::run(cli, args, Verbosity::of(cli)),
        Command::Extractors(args) => extractors::run(args),
        Command::Db(command) => db::run(cli, command, Verbosity::of(cli)),
        Command::Keygen(args) => keygen::run(args),
        Command::Diff(args) => diff::run(args, Verbosity::of(cli)),
        Command::Attest(args) => attest::run(cli, args, Verbosity::of(cli)),
        Command::Verify(args) => verify::run(cli, args, Verbosity::of(cli)),
        Command::Rules(args) => rules::run(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    }
}

/// How much goes to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Errors, warnings, summaries.
    Normal,
    /// Everything, notes included.
    Verbose,
}

impl Verbosity {
    fn of(cli: &Cli) -> Verbosity {
        if cli.quiet {
            Verbosity::Quiet
        } else if cli.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }

    fn shows(self, severity: DiagnosticSeverity) -> bool {
        match severity {
            DiagnosticSeverity::Error => true,
            DiagnosticSeverity::Warning => self >= Verbosity::Normal,
            DiagnosticSeverity::Note => self >= Verbosity::Verbose,
        }
    }
}

/// Runs the core scan for `args` and shows its diagnostics on stderr.
fn scan_paths(args: &ReportArgs, verbosity: Verbosity) -> anyhow::Result<ScanReport> {
    let bar = progress::scan_bar(verbosity, args.format);
    let options = ScanOptions {
        skip_default_directories: !args.no_default_excludes,
        cargo_metadata: args.cargo_metadata,
        progress: bar.as_ref().map(progress::reporter),
        skip_files: crate::output::scan_exclusions(args.output.as_deref())?,
    };
    let mut paths = args.paths.clone();
    if args.include_user_config {
        let found = user_config_files();
        if verbosity == Verbosity::Verbose {
            for path in &found {
                stderr_line(&format!("note: user config {}", path.display()));
            }
        }
        paths.extend(found);
    }
    let scanned = scanner_core::scan::scan(&paths, &options);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = scanned.context("cannot scan")?;
    show_diagnostics(&report.diagnostics, verbosity);
    Ok(report)
}

/// The agent client configs that exist in the user's home directory (`$HOME`, else
/// `%USERPROFILE%`, and `$XDG_CONFIG_HOME` when set): see
/// `scanner_core::extract::mcp::user_config`.
fn user_config_files() -> Vec<std::path::PathBuf> {
    let Some(home) = ["HOME", "USERPROFILE"]
        .iter()
        .filter_map(std::env::var_os)
        .find(|home| !home.is_empty())
        .map(std::path::PathBuf::from)
    else {
        return Vec::new();
    };
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|xdg| !xdg.is_empty())
        .map(std::path::PathBuf::from);
    scanner_core::extract::mcp::user_config::candidates(&home, xdg.as_deref())
        .into_iter()
        .filter(|path| path.is_file())
        .collect()
}

/// Shows diagnostics on stderr as `verbosity` allows, counting the notes it hides.
fn show_diagnostics(diagnostics: &[scanner_core::Diagnostic], verbosity: Verbosity) {
    let mut hidden_notes = 0;
    for diagnostic in diagnostics {
        if verbosity.shows(diagnostic.severity) {
            stderr_line(&diagnostic.to_string());
        } else if diagnostic.severity == DiagnosticSeverity::Note {
            hidden_notes += 1;
        }
    }
    if hidden_notes > 0 && verbosity == Verbosity::Normal {
        stderr_line(&format!(
            "({} not shown; -v shows them)",
            count(hidden_notes, "note")
        ));
    }
}

/// The threshold of `--fail-on NAME`: a rated level, or `None` for `none` (report, never
/// fail). `unknown` is not a threshold: what unknown counts as is the policy's
/// `unknown-severity`.
pub fn fail_on_threshold(name: &str) -> anyhow::Result<Option<scanner_core::risk::Severity>> {
    if name.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    scanner_core::risk::Severity::from_name(name)
        .map(Some)
        .ok_or_else(|| {
            anyhow::anyhow!("unknown severity `{name}` (info, low, medium, high, critical or none)")
        })
}

/// The values `--fail-on` accepts, for clap.
pub const FAIL_ON_VALUES: [&str; 6] = ["info", "low", "medium", "high", "critical", "none"];

/// `1 root`, `2 roots`.
pub fn count(number: usize, noun: &str) -> String {
    if number == 1 {
        format!("1 {noun}")
    } else {
        format!("{number} {noun}s")
    }
}

/// One summary line for people.
fn summary(report: &ScanReport) -> String {
    let graph = &report.graph;
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == DiagnosticSeverity::Error)
        .count();
    let mut line = format!(
        "{}, {}, {}, from {}",
        count(graph.len(), "component"),
        count(graph.edge_count(), "dependency edge"),
        count(graph.roots().count(), "root"),
        count(report.files.len(), "file"),
    );
    if errors > 0 {
        line.push_str(&format!(
            "; {} (see above): the graph is incomplete",
            count(errors, "error")
        ));
    }
    line
}
