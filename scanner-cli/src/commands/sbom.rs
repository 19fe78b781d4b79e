//! `airlock sbom PATH...`: the dependency graph, nothing else. A path under which nothing was
//! read is an error unless `--allow-empty`: an empty SBOM of a mistyped path is not an answer.

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
    if super::refuse_empty(&report, &args.paths, args.allow_empty) {
        return Ok(Outcome::Error);
    }
    let bytes = match args.format {
        Format::Table => {
            let style =
                emit::terminal::TableStyle::detect(color, !goes_to_stdout(args.output.as_deref()));
            emit::table::graph_styled(&report.graph, &style).into_bytes()
        }
        other => emit::document(other, &report, None, None, &args.paths)?,
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
