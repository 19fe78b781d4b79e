//! `airlock sbom PATH...`: the dependency graph, nothing else.

use crate::cli::{ColorChoice, Format, ReportArgs};
use crate::emit;
use crate::output::{goes_to_stdout, stderr_line, write_report};
use crate::Outcome;

pub fn run(
    args: &ReportArgs,
    color: ColorChoice,
    verbosity: super::Verbosity,
) -> anyhow::Result<Outcome> {
    let report = super::scan_paths(args, verbosity)?;
    let bytes = match args.format {
        Format::Table => {
            let style =
                emit::terminal::TableStyle::detect(color, !goes_to_stdout(args.output.as_deref()));
            emit::table::graph_styled(&report.graph, &style).into_bytes()
        }
        other => emit::document(other, &report, None, &args.paths)?,
    };
    write_report(args.output.as_deref(), &bytes)?;
    if verbosity != super::Verbosity::Quiet {
        stderr_line(&super::summary(&report));
    }
    Ok(if report.has_errors() {
        Outcome::Error
    } else {
        Outcome::Clean
    })
}
