//! `airlock sbom PATH...`: the dependency graph, nothing else. A path under which nothing was
//! read is an error unless `--allow-empty`: an empty SBOM of a mistyped path is not an answer.

use super::Outcome;
use scanner_core::clock::Clock;

use crate::cli::ReportArgs;
use crate::emit::{self, terminal::ColorChoice};
use crate::output::{goes_to_stdout, stderr_line, write_report};

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
    let bytes = emit::render(args.format, &input)?;
    write_report(args.output.as_deref(), &bytes)?;
    if verbosity != super::Verbosity::Quiet {
        stderr_line(&super::summary(&report));
    }
    let profile_failed = args.profile.is_some_and(|profile| {
        let gaps = emit::profile_gaps(profile, args.format, &input);
        super::report_gaps(profile, &gaps, verbosity == super::Verbosity::Quiet)
    });
    if profile_failed && !report.has_errors() {
        return Ok(Outcome::PolicyFailure);
    }
    Ok(if report.has_errors() {
        Outcome::Error
    } else {
        Outcome::Clean
    })
}
