//! `airlock sbom PATH...`: the dependency graph, nothing else. A path under which nothing was
//! read is an error unless `--allow-empty`: an empty SBOM of a mistyped path is not an answer.

use super::Outcome;
use scanner_core::clock::Clock;

use crate::cli::ReportArgs;
use crate::emit::{self, terminal::ColorChoice};
use crate::output::{goes_to_stdout, stderr_line, write_report_pieces};

pub fn run(
    args: &ReportArgs,
    color: ColorChoice,
    clock: &Clock,
    verbosity: super::Verbosity,
) -> anyhow::Result<Outcome> {
    let report = super::scan_paths(args, verbosity)?;
    if super::refuse_empty(&report, &args.paths, args.allow_empty) {
        return Ok(Outcome::Error);
    }
    let input = emit::ReportInput {
        report: &report,
        analysis: None,
        policy: None,
        database: None,
        paths: &args.paths,
        style: emit::terminal::TableStyle::detect(color, !goes_to_stdout(args.output.as_deref())),
        document_time: clock.document_time(),
        cyclonedx_version: args.spec_version,
        ignored: &[],
        profile: args.profile,
    };
    let rendered = emit::render_pieces(args.format, &input)?;
    let gaps = args
        .profile
        .map(|profile| (profile, emit::profile_gaps(profile, args.format, &input)));
    let summary = (verbosity != super::Verbosity::Quiet).then(|| super::summary(&report));
    let has_errors = report.has_errors();
    // Nothing below reads the graph (tens of thousands of allocations on a large lock): the
    // pool frees it while the document is written. Still queued at exit, it costs nothing.
    rayon::spawn(move || drop(report));
    write_report_pieces(args.output.as_deref(), &rendered.pieces())?;
    if let Some(summary) = summary {
        stderr_line(&summary);
    }
    let profile_failed = gaps.is_some_and(|(profile, gaps)| {
        super::report_gaps(profile, &gaps, verbosity == super::Verbosity::Quiet)
    });
    if profile_failed && !has_errors {
        return Ok(Outcome::PolicyFailure);
    }
    Ok(if has_errors {
        Outcome::Error
    } else {
        Outcome::Clean
    })
}
