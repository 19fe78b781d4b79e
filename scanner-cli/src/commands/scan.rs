//! `airlock scan PATH...`: the graph plus every risk check that exists, and the --fail-on policy.
//!
//! Vulnerability matching needs the advisory database. When it is missing or holds no
//! advisories, the scan still reports what needs no database (unpinned, unhashed, unsafe
//! models), says in the report that vulnerability matching was skipped, explains in two lines
//! how to get a database, and exits 2, because an empty answer would read as "no known
//! vulnerabilities". `--no-vuln-db` scans without it on purpose (exit by policy), and
//! `--advisories PATH` matches against files imported for this scan only. Every report names
//! the database, its newest record and when the data was built or synced; data older than the
//! limit (`--max-db-age`, default 7 days, judged from the newest record) is matched and
//! reported, marked stale, and the run exits 2.

use scanner_core::risk::{analyze_with, Severity, VulnerabilitySource};
use serde_json::json;

use crate::cli::{Cli, Format, ScanArgs};
use crate::emit;
use crate::output::{goes_to_stdout, stderr_line, write_report};
use crate::Outcome;

use super::db;

pub fn run(cli: &Cli, args: &ScanArgs, verbosity: super::Verbosity) -> anyhow::Result<Outcome> {
    let Ok(policy) = super::policy::load(args.config.as_deref(), &args.report.paths)? else {
        return Ok(Outcome::Error);
    };
    // The command line wins over the policy file; without either, high and critical fail.
    // `--fail-on none` reports without failing.
    let fail_on = match args.fail_on.as_deref() {
        Some(name) => super::fail_on_threshold(name)?,
        None => Some(policy.fail_on.unwrap_or(Severity::High)),
    };
    let mut unavailable = None;
    let database = if args.no_vuln_db {
        None
    } else {
        match db::open_for_matching(cli, &args.advisories, verbosity)? {
            Ok(database) => Some(database),
            Err(why) => {
                unavailable = Some(why);
                None
            }
        }
    };
    let report = super::scan_paths(&args.report, verbosity)?;
    let source = database
        .as_ref()
        .map(|database| &database.store as &dyn VulnerabilitySource);
    let mut analysis = analyze_with(&report.graph, source, &policy.risk_options());
    let applied = policy.apply(&mut analysis, super::policy::today());
    for entry in &applied.expired {
        stderr_line(&format!(
            "{}: warning[expired-ignore]: the ignore of `{}` expired on {}; it no longer applies",
            entry.location,
            entry.id,
            entry
                .expires
                .map(|date| date.to_string())
                .unwrap_or_default()
        ));
    }
    let (line, json) = match (&database, &unavailable) {
        (Some(database), _) => (database.line(), database.json()),
        (None, Some(why)) => (
            format!(
                "Advisory database: {}, so vulnerability matching was SKIPPED: the findings above need no database (unpinned, unhashed, unsafe models).",
                if why.reason == "empty" { "empty" } else { "none found" }
            ),
            json!({ "used": false, "reason": why.reason, "path": why.path.display().to_string() }),
        ),
        (None, None) => (
            "Advisory database: not used (--no-vuln-db): vulnerabilities were not checked."
                .to_owned(),
            json!({ "used": false, "reason": "--no-vuln-db" }),
        ),
    };
    let bytes = match args.report.format {
        Format::Table => {
            let style = emit::terminal::TableStyle::detect(
                cli.color,
                !goes_to_stdout(args.report.output.as_deref()),
            );
            let mut text = emit::table::scan_styled(&report.graph, &analysis, &style);
            text.push('\n');
            text.push_str(&emit::table::note(&line, &style));
            text.into_bytes()
        }
        Format::Json => emit::json::report_with_database(&report, Some(&analysis), Some(json))?,
        Format::Html => {
            emit::html::report(&report, Some(&analysis), Some(json), &args.report.paths)?
        }
        other => emit::document(other, &report, Some(&analysis), &args.report.paths)?,
    };
    write_report(args.report.output.as_deref(), &bytes)?;
    for error in &analysis.source_errors {
        stderr_line(&format!("error: {error}"));
    }
    if verbosity != super::Verbosity::Quiet {
        let ignored = if applied.ignored.is_empty() {
            String::new()
        } else {
            format!(
                " ({} ignored by {})",
                applied.ignored.len(),
                policy.path.as_deref().unwrap_or("the policy")
            )
        };
        let by_severity: Vec<String> = emit::table::severity_counts(&analysis)
            .into_iter()
            .map(|(_, count)| count)
            .collect();
        let by_severity = if by_severity.is_empty() {
            String::new()
        } else {
            format!(" ({})", by_severity.join(", "))
        };
        let age = match (&database, &unavailable) {
            (Some(database), _) => format!("; {}", database.age()),
            (None, Some(_)) => "; no advisory database: vulnerabilities not checked".to_owned(),
            (None, None) => "; no advisory database (--no-vuln-db)".to_owned(),
        };
        stderr_line(&format!(
            "{}; {}{by_severity}{ignored}{age}",
            super::summary(&report),
            super::count(analysis.findings.len(), "finding")
        ));
    }
    if let Some(why) = &unavailable {
        stderr_line(&format!(
            "error: {}",
            why.explanation("scan with --no-vuln-db")
        ));
        return Ok(Outcome::Error);
    }
    // Matched and reported, but old data cannot vouch for anything: the run fails.
    if let Some(stale) = database.as_ref().and_then(db::MatchingDatabase::stale) {
        stderr_line(&format!("error: {stale}"));
        return Ok(Outcome::Error);
    }
    if report.has_errors() || !analysis.source_errors.is_empty() {
        return Ok(Outcome::Error);
    }
    // `worst` counts an unknown severity as the policy says (`unknown-severity`, high).
    let failed =
        fail_on.is_some_and(|threshold| analysis.worst().is_some_and(|worst| worst >= threshold));
    Ok(if failed {
        Outcome::PolicyFailure
    } else {
        Outcome::Clean
    })
}
