//! `airlock scan PATH...`: the graph plus every risk check that exists, and the --fail-on policy.
//!
//! Vulnerability matching needs the advisory database. When it is missing or holds no
//! advisories, the scan still reports what needs no database (unpinned, unhashed, unsafe
//! models), says in the report that vulnerability matching was skipped, explains in two lines
//! how to get a database, and exits 2, because an empty answer would read as "no known
//! vulnerabilities". `--no-vuln-db` scans without it on purpose (exit by policy), and
//! `--advisories PATH` matches against files imported for this scan only. Every report names
//! the database, its newest record and when the data was built or synced; data older than the
//! limit (`--max-db-age`, `AIRLOCK_MAX_DB_AGE`, the operator's `[database] max-age`, default 7
//! days, judged from the newest record) is matched and reported, marked stale, and the run
//! exits 2.
//!
//! The policy is the operator's ([`crate::settings`]), tightened by the policy file at the top
//! of each scanned directory (or applied fully with `--trust-project-policy`); every report
//! says which files judged it. A path under which nothing was read is an error (exit 2, no
//! report) unless `--allow-empty`, and such a report never says "No findings."

use anyhow::Context as _;
use scanner_core::risk::VulnerabilitySource;

use super::Outcome;
use crate::cli::{Cli, ScanArgs};
use crate::emit;
use crate::output::{goes_to_stdout, stderr_line, write_report};
use crate::settings::Settings;

use super::db;

pub fn run(
    cli: &Cli,
    settings: &Settings,
    args: &ScanArgs,
    verbosity: super::Verbosity,
) -> anyhow::Result<Outcome> {
    // The run's own `-o` is neither scanned nor read as project policy.
    let policy = settings.scan_policy(
        &args.report.paths,
        args.trust_project_policy,
        &crate::output::scan_exclusions(args.report.output.as_deref())?,
    );
    super::show_diagnostics(&policy.diagnostics, verbosity);
    // The command line wins over the policy files; without either, high and critical fail.
    // `--fail-on none` reports without failing.
    let (fail_on, fail_on_from) = super::fail_on(args.fail_on.as_deref(), &policy.policy)?;
    let tools_lock = super::tools::OperatorLock::load(&args.tools)?;
    let (database, unavailable) =
        db::open_unless_off(args.no_vuln_db, cli, settings, &args.advisories, verbosity)?;
    let report = super::scan_paths(&args.report, verbosity)?;
    if super::refuse_empty(&report, &args.report.paths, args.report.allow_empty) {
        return Ok(Outcome::Error);
    }
    let source = database
        .as_ref()
        .map(|database| &database.store as &dyn VulnerabilitySource);
    let super::Judgement {
        mut report,
        mut analysis,
        mut applied,
    } = super::judge_pinned(
        report,
        &policy,
        source,
        settings.clock(),
        verbosity,
        tools_lock.as_ref(),
    );
    // The operator's VEX statements, applied like ignores (never a document of the scanned
    // tree: those are data, not statements the operator made).
    for path in &args.vex {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the VEX document {}", path.display()))?;
        let statements = scanner_core::vex::parse(&path.display().to_string(), &text)?;
        let outcome = scanner_core::vex::apply(&statements, &mut analysis);
        super::show_diagnostics(&outcome.warnings, verbosity);
        report.diagnostics.extend(outcome.warnings);
        applied.ignored.extend(outcome.ignored);
    }
    report.diagnostics.sort();
    report.diagnostics.dedup();
    let facts = super::policy_facts(&policy, fail_on, fail_on_from);
    let (line, json) = db::note(
        database.as_ref(),
        unavailable.as_ref(),
        "so vulnerability matching was SKIPPED: the findings above need no database (unpinned, unhashed, unsafe models).",
        "vulnerabilities were not checked.",
    );
    let database_note = emit::DatabaseNote { line, json };
    let input = emit::ReportInput {
        report: &report,
        analysis: Some(&analysis),
        policy: Some(&facts),
        database: Some(&database_note),
        paths: &args.report.paths,
        style: emit::terminal::TableStyle::detect(
            cli.color,
            !goes_to_stdout(args.report.output.as_deref()),
        ),
        document_time: settings.clock().document_time(),
        cyclonedx_version: args.report.spec_version,
        ignored: &applied.ignored,
        profile: args.report.profile,
    };
    let bytes = emit::render(args.report.format, &input)?;
    let profile_failed = args.report.profile.is_some_and(|profile| {
        let gaps = emit::profile_gaps(profile, args.report.format, &input);
        super::report_gaps(profile, &gaps, verbosity == super::Verbosity::Quiet)
    });
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
                super::ignored_by(&applied)
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
        let trust = if policy.trusted && !policy.project_files.is_empty() {
            format!(
                "; project policy {} TRUSTED (--trust-project-policy)",
                policy
                    .project_files
                    .iter()
                    .map(|file| file.display.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if !policy.refused.is_empty() {
            let refused = policy.refused.len();
            format!(
                "; {refused} loosening {} of project policy refused",
                if refused == 1 { "entry" } else { "entries" }
            )
        } else {
            String::new()
        };
        stderr_line(&format!(
            "{}; {}{by_severity}{ignored}{trust}{age}",
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
    Ok(if failed || profile_failed {
        Outcome::PolicyFailure
    } else {
        Outcome::Clean
    })
}
