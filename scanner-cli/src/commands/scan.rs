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
//!
//! With `--report-dir`, each PATH is a project of its own ([`super::fleet`]): the same
//! [`judge_project`] runs once per project, with the database opened once for all of them.

use std::path::PathBuf;

use anyhow::Context as _;
use scanner_core::risk::{Severity, VulnerabilitySource};
use scanner_core::DiagnosticSeverity;

use super::Outcome;
use crate::cli::{Cli, ReportArgs, ScanArgs};
use crate::emit;
use crate::output::{goes_to_stdout, stderr_line, write_report_pieces};
use crate::settings::{ScanPolicy, Settings};

use super::db;

pub fn run(
    cli: &Cli,
    settings: &Settings,
    args: &ScanArgs,
    verbosity: super::Verbosity,
) -> anyhow::Result<Outcome> {
    if let Some(directory) = &args.fleet.report_dir {
        return super::fleet::run(cli, settings, args, directory, verbosity);
    }
    let judged_by = policy_for(settings, args, &args.report, verbosity)?;
    let tools_lock = super::tools::OperatorLock::load(&args.tools)?;
    let (database, unavailable) =
        db::open_unless_off(args.no_vuln_db, cli, settings, &args.advisories, verbosity)?;
    let shared = Shared {
        cli,
        settings,
        args,
        verbosity,
        tools_lock: tools_lock.as_ref(),
        database: database.as_ref(),
        unavailable: unavailable.as_ref(),
        vex: Vex::Unread(&args.vex),
    };
    let source = database
        .as_ref()
        .map(|database| &database.store as &dyn VulnerabilitySource);
    Ok(judge_project(&shared, &args.report, judged_by, source)?.outcome)
}

/// What every project of a run shares: the operator's flags and settings, the tools lock, the
/// database (or why there is none) and the VEX documents.
pub struct Shared<'run> {
    pub cli: &'run Cli,
    pub settings: &'run Settings,
    pub args: &'run ScanArgs,
    pub verbosity: super::Verbosity,
    pub tools_lock: Option<&'run super::tools::OperatorLock>,
    pub database: Option<&'run db::MatchingDatabase>,
    pub unavailable: Option<&'run db::Unavailable>,
    pub vex: Vex<'run>,
}

/// The operator's VEX documents: read when the project is judged (one scan: an unreadable
/// document fails after the scan, as it always has), or read once for all the projects.
pub enum Vex<'run> {
    Unread(&'run [PathBuf]),
    Read(&'run [Vec<scanner_core::vex::Statement>]),
}

impl Vex<'_> {
    /// Reads the statements of the document at `path`.
    pub fn read_one(path: &std::path::Path) -> anyhow::Result<Vec<scanner_core::vex::Statement>> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the VEX document {}", path.display()))?;
        Ok(scanner_core::vex::parse(
            &path.display().to_string(),
            &text,
        )?)
    }
}

/// The policy that judges the project of `report_args`, its diagnostics shown, and the
/// `fail-on` threshold with where it came from.
pub struct JudgedBy {
    policy: ScanPolicy,
    fail_on: Option<Severity>,
    fail_on_from: String,
}

/// The operator's policy tightened by the project's own files (see the module documentation).
pub fn policy_for(
    settings: &Settings,
    args: &ScanArgs,
    report_args: &ReportArgs,
    verbosity: super::Verbosity,
) -> anyhow::Result<JudgedBy> {
    // The run's own `-o` is neither scanned nor read as project policy.
    let policy = settings.scan_policy(
        &report_args.paths,
        args.trust_project_policy,
        &crate::output::scan_exclusions(report_args.output.as_deref())?,
    );
    super::show_diagnostics(&policy.diagnostics, verbosity);
    // The command line wins over the policy files; without either, high and critical fail.
    // `--fail-on none` reports without failing.
    let (fail_on, fail_on_from) = super::fail_on(args.fail_on.as_deref(), &policy.policy)?;
    Ok(JudgedBy {
        policy,
        fail_on,
        fail_on_from,
    })
}

/// One project's end: its outcome, and what a fleet summary says about it.
pub struct ProjectRun {
    pub outcome: Outcome,
    /// Components in the report's graph; `None` when no report was made.
    pub components: Option<usize>,
    /// The findings left after the policy, by severity; `None` when no report was made.
    pub findings: Option<FindingCounts>,
    /// Every error that made the outcome an error, as printed (without `error: `).
    pub errors: Vec<String>,
}

/// Findings by the severity they carry (`unknown`: no usable rating, counted by the policy's
/// `unknown-severity`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FindingCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    pub unknown: usize,
    pub ignored: usize,
}

impl FindingCounts {
    fn of(analysis: &scanner_core::risk::Analysis, ignored: usize) -> FindingCounts {
        let mut counts = FindingCounts {
            ignored,
            ..FindingCounts::default()
        };
        for finding in &analysis.findings {
            let slot = match finding.severity {
                Severity::Critical => &mut counts.critical,
                Severity::High => &mut counts.high,
                Severity::Medium => &mut counts.medium,
                Severity::Low => &mut counts.low,
                Severity::Info => &mut counts.info,
                Severity::Unknown => &mut counts.unknown,
            };
            *slot += 1;
        }
        counts
    }
}

/// Scans the paths of `report_args`, judges them, writes the report to its `-o` and says how
/// the run ends, printing on stderr what `airlock scan` prints.
pub fn judge_project(
    shared: &Shared<'_>,
    report_args: &ReportArgs,
    judged_by: JudgedBy,
    source: Option<&dyn VulnerabilitySource>,
) -> anyhow::Result<ProjectRun> {
    let Shared {
        cli,
        settings,
        verbosity,
        database,
        unavailable,
        ..
    } = *shared;
    let JudgedBy {
        policy,
        fail_on,
        fail_on_from,
    } = judged_by;
    let report = super::scan_paths(report_args, verbosity)?;
    let empty = super::refused_empty(&report, &report_args.paths, report_args.allow_empty);
    if !empty.is_empty() {
        return Ok(ProjectRun {
            outcome: Outcome::Error,
            components: None,
            findings: None,
            errors: empty,
        });
    }
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
        shared.tools_lock,
    );
    // The operator's VEX statements, applied like ignores (never a document of the scanned
    // tree: those are data, not statements the operator made).
    let mut apply = |statements: &[scanner_core::vex::Statement]| {
        let outcome = scanner_core::vex::apply(statements, &mut analysis);
        super::show_diagnostics(&outcome.warnings, verbosity);
        report.diagnostics.extend(outcome.warnings);
        applied.ignored.extend(outcome.ignored);
    };
    match shared.vex {
        Vex::Unread(paths) => {
            for path in paths {
                apply(&Vex::read_one(path)?);
            }
        }
        Vex::Read(documents) => documents.iter().for_each(|statements| apply(statements)),
    }
    report.diagnostics.sort();
    report.diagnostics.dedup();
    let facts = super::policy_facts(&policy, fail_on, fail_on_from);
    let (line, json) = db::note(
        database,
        unavailable,
        "so vulnerability matching was SKIPPED: the findings above need no database (unpinned, unhashed, unsafe models).",
        "vulnerabilities were not checked.",
    );
    let database_note = emit::DatabaseNote { line, json };
    let input = emit::ReportInput {
        report: &report,
        analysis: Some(&analysis),
        policy: Some(&facts),
        database: Some(&database_note),
        paths: &report_args.paths,
        style: emit::terminal::TableStyle::detect(
            cli.color,
            !goes_to_stdout(report_args.output.as_deref()),
        ),
        document_time: settings.clock().document_time(),
        cyclonedx_version: report_args.spec_version,
        ignored: &applied.ignored,
        profile: report_args.profile,
    };
    let rendered = emit::render_pieces(report_args.format, &input)?;
    let profile_failed = report_args.profile.is_some_and(|profile| {
        let gaps = emit::profile_gaps(profile, report_args.format, &input);
        super::report_gaps(profile, &gaps, verbosity == super::Verbosity::Quiet)
    });
    write_report_pieces(report_args.output.as_deref(), &rendered.pieces())?;
    let mut run = ProjectRun {
        outcome: Outcome::Clean,
        components: Some(report.graph.len()),
        findings: Some(FindingCounts::of(&analysis, applied.ignored.len())),
        errors: report
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.severity == DiagnosticSeverity::Error)
            .map(ToString::to_string)
            .collect(),
    };
    for error in &analysis.source_errors {
        stderr_line(&format!("error: {error}"));
        run.errors.push(error.clone());
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
        let age = match (database, unavailable) {
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
    if let Some(why) = unavailable {
        let error = why.explanation("scan with --no-vuln-db");
        stderr_line(&format!("error: {error}"));
        run.errors.push(error);
        run.outcome = Outcome::Error;
        return Ok(run);
    }
    // Matched and reported, but old data cannot vouch for anything: the run fails.
    if let Some(stale) = database.and_then(db::MatchingDatabase::stale) {
        stderr_line(&format!("error: {stale}"));
        run.errors.push(stale);
        run.outcome = Outcome::Error;
        return Ok(run);
    }
    if report.has_errors() || !analysis.source_errors.is_empty() {
        run.outcome = Outcome::Error;
        return Ok(run);
    }
    // `worst` counts an unknown severity as the policy says (`unknown-severity`, high).
    let failed =
        fail_on.is_some_and(|threshold| analysis.worst().is_some_and(|worst| worst >= threshold));
    if failed || profile_failed {
        run.outcome = Outcome::PolicyFailure;
    }
    Ok(run)
}
