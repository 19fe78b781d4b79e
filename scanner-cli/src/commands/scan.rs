//! `airlock scan PATH...`: the graph plus every risk check that exists, and the --fail-on policy.

use scanner_core::risk::{analyze, Severity};

use crate::cli::{Format, ScanArgs};
use crate::emit;
use crate::output::{stderr_line, write_report};
use crate::Outcome;

pub fn run(args: &ScanArgs, verbosity: super::Verbosity) -> anyhow::Result<Outcome> {
    let fail_on = match &args.fail_on {
        Some(name) => Some(
            Severity::from_name(name)
                .ok_or_else(|| anyhow::anyhow!("unknown severity `{name}`"))?,
        ),
        None => None,
    };
    let report = super::scan_paths(&args.report, verbosity)?;
    // No advisory database exists yet in this build: say so rather than imply "no vulnerabilities".
    let analysis = analyze(&report.graph, None);
    let bytes = match args.report.format {
        Format::Table => emit::table::scan(&report.graph, &analysis).into_bytes(),
        other => emit::document(other, &report, Some(&analysis), &args.report.paths)?,
    };
    write_report(args.report.output.as_deref(), &bytes)?;
    if verbosity != super::Verbosity::Quiet {
        stderr_line("note: vulnerability matching skipped: no advisory database is configured");
        stderr_line(&format!(
            "{}; {}",
            super::summary(&report),
            super::count(analysis.findings.len(), "finding")
        ));
    }
    if report.has_errors() {
        return Ok(Outcome::Error);
    }
    let failed =
        fail_on.is_some_and(|threshold| analysis.worst().is_some_and(|worst| worst >= threshold));
    Ok(if failed {
        Outcome::PolicyFailure
    } else {
        Outcome::Clean
    })
}
