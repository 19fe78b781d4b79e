//! One module per subcommand; shared plumbing (running a scan, showing diagnostics) here.

mod extractors;
mod sbom;
mod scan;

use anyhow::Context;
use scanner_core::scan::{ScanOptions, ScanReport};
use scanner_core::DiagnosticSeverity;

use crate::cli::{Cli, Command, ReportArgs};
use crate::output::stderr_line;
use crate::Outcome;

pub fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Sbom(args) => sbom::run(args, cli.quiet),
        Command::Scan(args) => scan::run(args, cli.quiet),
        Command::Extractors(args) => extractors::run(args),
    }
}

/// Runs the core scan for `args` and shows its diagnostics on stderr.
fn scan_paths(args: &ReportArgs, quiet: bool) -> anyhow::Result<ScanReport> {
    let options = ScanOptions {
        skip_default_directories: !args.no_default_excludes,
        cargo_metadata: args.cargo_metadata,
    };
    let report = scanner_core::scan::scan(&args.paths, &options).context("cannot scan")?;
    for diagnostic in &report.diagnostics {
        if !quiet || diagnostic.severity == DiagnosticSeverity::Error {
            stderr_line(&diagnostic.to_string());
        }
    }
    Ok(report)
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
        "{} components, {} dependency edges, {} roots, from {} files",
        graph.len(),
        graph.edge_count(),
        graph.roots().count(),
        report.files.len()
    );
    if errors > 0 {
        line.push_str(&format!(
            "; {errors} errors (see above): the graph is incomplete"
        ));
    }
    line
}
