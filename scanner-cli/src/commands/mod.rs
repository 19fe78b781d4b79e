//! One module per subcommand; shared plumbing (running a scan, showing diagnostics) here.

mod attest;
mod completions;
pub mod db;
pub mod diff;
mod extractors;
mod fleet;
mod keygen;
mod outcome;
mod progress;
mod registry;
mod rules;
mod sbom;
mod scan;
mod scan_advisories;
mod tools;
mod verify;
mod verify_lock;

pub use outcome::Outcome;

use std::path::PathBuf;

use anyhow::Context;
use scanner_core::clock::Clock;
use scanner_core::policy::{project_policy_component, PolicyReport};
use scanner_core::risk::{analyze_with, Analysis, VulnerabilitySource};
use scanner_core::scan::{display_path, ScanOptions, ScanReport};
use scanner_core::DiagnosticSeverity;

use crate::cli::{Cli, Command, ReportArgs};
use crate::emit::common::{PolicyFacts, ProjectPolicyFacts};
pub use crate::emit::terminal::count;
use crate::output::stderr_line;
use crate::settings::{Judged, ScanPolicy, Settings};

pub fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    let verbosity = Verbosity::of(cli);
    // Before anything else, for every command: a junk SOURCE_DATE_EPOCH is the operator's
    // mistake to hear about, not a reason to date anything by the wall clock.
    let clock = crate::settings::clock_from_environment()?;
    match &cli.command {
        Command::Sbom(args) => on_pool(|| {
            configured(cli, Judged::Scanned, clock, |settings| {
                sbom::run(args, cli.color, settings.clock(), verbosity)
            })
        }),
        // A fleet run stays here, outside the pool: see `runs_a_fleet`.
        Command::Scan(args) if runs_a_fleet(cli) => {
            configured(cli, Judged::Scanned, clock, |settings| {
                scan::run(cli, settings, args, verbosity)
            })
        }
        Command::Scan(args) => on_pool(|| {
            configured(cli, Judged::Scanned, clock, |settings| {
                scan::run(cli, settings, args, verbosity)
            })
        }),
        Command::Attest(args) => on_pool(|| {
            configured(cli, Judged::Scanned, clock, |settings| {
                attest::run(cli, settings, args, verbosity)
            })
        }),
        Command::Diff(args) => on_pool(|| {
            let sides = [args.old.clone(), args.new.clone()];
            configured(cli, Judged::Trees(&sides), clock, |settings| {
                diff::run(cli, settings, args, verbosity)
            })
        }),
        Command::Verify(args) => on_pool(|| {
            configured(
                cli,
                Judged::Trees(std::slice::from_ref(&args.path)),
                clock,
                |settings| verify::run(cli, settings, args, verbosity),
            )
        }),
        Command::Db(command) => configured(cli, Judged::Nothing, clock, |settings| {
            db::run(cli, settings, command, verbosity)
        }),
        Command::Extractors(args) => extractors::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Tools(command) => tools::run(command, verbosity),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    }
}

/// Whether the command runs a fleet: the one command whose main thread waits outside the pool
/// (`start_worker_pool` in `main.rs`).
pub fn runs_a_fleet(cli: &Cli) -> bool {
    matches!(&cli.command, Command::Scan(args) if args.fleet.report_dir.is_some())
}

/// Runs a command that scans inside the rayon pool: at once when the calling thread is one of
/// its threads (the main thread is, outside a fleet run: `start_worker_pool` in `main.rs` says
/// why), else on a pool thread while the caller waits.
fn on_pool<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    rayon::scope(|_| work())
}

/// Loads the configuration once, by the one rule every command shares ([`Settings::load`]),
/// then runs the command with it. A configuration with any problem stops the run before it
/// reads anything else (exit 2), every problem printed with its line.
fn configured(
    cli: &Cli,
    judged: Judged<'_>,
    clock: Clock,
    command: impl FnOnce(&Settings) -> anyhow::Result<Outcome>,
) -> anyhow::Result<Outcome> {
    let verbosity = Verbosity::of(cli);
    let settings = match Settings::load(cli.config.as_deref(), judged, clock) {
        Ok(settings) => settings,
        Err(error) => {
            for line in error.lines() {
                stderr_line(&line);
            }
            return Ok(Outcome::Error);
        }
    };
    if verbosity != Verbosity::Quiet {
        for skipped in settings.skipped() {
            stderr_line(&format!(
                "warning: {} lies inside {}, which this command judges: it is not read as configuration (--config FILE names a file explicitly)",
                skipped.display, skipped.inside
            ));
        }
    }
    if verbosity == Verbosity::Verbose {
        for file in settings.files() {
            stderr_line(&format!(
                "note: configuration {} ({})",
                file.display,
                file.origin.as_str()
            ));
        }
    }
    command(&settings)
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
        cargo_graph: args.cargo_metadata.then(|| {
            std::sync::Arc::new(crate::enrich::cargo_metadata::CargoMetadata)
                as std::sync::Arc<dyn scanner_core::extract::cargo::metadata::CargoGraphSource>
        }),
        progress: bar.as_ref().map(progress::reporter),
        skip_files: crate::output::scan_exclusions(args.output.as_deref())?,
        // BSI TR-03183-2 asks for SHA-512 of every file: hashed in the same pass as SHA-256.
        sha512: args
            .profile
            .is_some_and(crate::emit::profile::Profile::wants_sha512),
        include_environments: args.include_environments,
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
    // `oci://` arguments are images in a registry: their manifests are fetched here, their
    // layers streamed by the scan.
    let (paths, references) = registry::split(&paths)?;
    let remote = registry::pull(&references, &args.image)?;
    let scanned = scanner_core::scan::scan_with_images(&paths, &remote, &options);
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

/// Warnings of one code shown at the default verbosity; the rest are counted. An image holds
/// hundreds of binaries, each a `binary-not-audited` warning: the first lines say what kind of
/// gap it is, a count says how large, and `-v` and every report format keep them all.
const WARNINGS_SHOWN_PER_CODE: usize = 10;

/// Shows diagnostics on stderr as `verbosity` allows, counting the notes and the repeated
/// warnings it hides. Errors are always shown.
fn show_diagnostics(diagnostics: &[scanner_core::Diagnostic], verbosity: Verbosity) {
    let mut hidden_notes = 0;
    let mut warnings_by_code: std::collections::BTreeMap<&'static str, usize> =
        std::collections::BTreeMap::new();
    for diagnostic in diagnostics {
        if verbosity.shows(diagnostic.severity) {
            if verbosity == Verbosity::Normal && diagnostic.severity == DiagnosticSeverity::Warning
            {
                let shown = warnings_by_code
                    .entry(diagnostic.code.as_str())
                    .or_default();
                *shown += 1;
                if *shown > WARNINGS_SHOWN_PER_CODE {
                    continue;
                }
            }
            stderr_line(&diagnostic.to_string());
        } else if diagnostic.severity == DiagnosticSeverity::Note {
            hidden_notes += 1;
        }
    }
    for (code, seen) in warnings_by_code {
        if seen > WARNINGS_SHOWN_PER_CODE {
            stderr_line(&format!(
                "({} more {code} warnings not shown; -v shows them, every report format lists them)",
                seen - WARNINGS_SHOWN_PER_CODE
            ));
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
    if report.files.is_empty() {
        line.push_str("; nothing was read, so nothing was checked");
    }
    line
}

/// The given paths under which the scan read nothing: no file there is one any extractor
/// read, and none failed to be read (a broken file is an error of its own). A run that read
/// nothing checked nothing, so it must not end as clean.
fn paths_read_nothing<'p>(report: &ScanReport, paths: &'p [PathBuf]) -> Vec<&'p PathBuf> {
    paths
        .iter()
        .filter(|path| {
            let display = registry::display(&display_path(path)).to_owned();
            let directory = if display.len() > 1 {
                display.trim_end_matches('/')
            } else {
                display.as_str()
            };
            let under = |file: &str| {
                file == directory
                    || scanner_core::extract::strip_directory(directory, file).is_some()
            };
            let read = report.files.iter().any(|file| under(&file.path));
            let failed = report.diagnostics.iter().any(|diagnostic| {
                diagnostic.severity == DiagnosticSeverity::Error
                    && diagnostic
                        .location
                        .as_ref()
                        .is_some_and(|location| under(&location.path))
            });
            !read && !failed
        })
        .collect()
}

/// Refuses a run that read nothing under a given path (exit 2, nothing written), unless
/// `--allow-empty`: prints why and returns true when the command must stop.
fn refuse_empty(report: &ScanReport, paths: &[PathBuf], allow_empty: bool) -> bool {
    !refused_empty(report, paths, allow_empty).is_empty()
}

/// [`refuse_empty`], returning the errors it printed (none: go on).
fn refused_empty(report: &ScanReport, paths: &[PathBuf], allow_empty: bool) -> Vec<String> {
    let empty = paths_read_nothing(report, paths);
    if empty.is_empty() || allow_empty {
        return Vec::new();
    }
    empty
        .into_iter()
        .map(|path| {
            let error = format!(
                "nothing airlock reads under {}: no file there is a format `airlock extractors` lists, so nothing was checked (--allow-empty accepts that)",
                path.display()
            );
            stderr_line(&format!("error: {error}"));
            error
        })
        .collect()
}

/// A scan judged by its policy: the report (with the project policy files as components and
/// their problems as diagnostics), the findings, and what the policy changed.
struct Judgement {
    report: ScanReport,
    analysis: Analysis,
    applied: PolicyReport,
}

/// Runs every rule over the scan with the policy of `policy`: the operator's, tightened (or,
/// when trusted, extended) by the project policy files; each refused project entry is a
/// `project-policy-loosening` finding; the policy then drops, regrades and accepts findings.
fn judge(
    report: ScanReport,
    policy: &ScanPolicy,
    source: Option<&dyn VulnerabilitySource>,
    clock: &Clock,
    verbosity: Verbosity,
) -> Judgement {
    judge_pinned(report, policy, source, clock, verbosity, None)
}

/// [`judge`], with the tool declarations also compared with the operator's tools lock
/// (`--tools-lock`): its findings are judged by the policy like every other, and the lock is
/// listed as a component of the report.
fn judge_pinned(
    mut report: ScanReport,
    policy: &ScanPolicy,
    source: Option<&dyn VulnerabilitySource>,
    clock: &Clock,
    verbosity: Verbosity,
    tools_lock: Option<&tools::OperatorLock>,
) -> Judgement {
    let mut analysis = analyze_with(&report.graph, source, &policy.policy.risk_options());
    if let Some(lock) = tools_lock {
        let (findings, component) = lock.judge(&report.graph);
        analysis.findings.extend(findings);
        analysis.sort();
        report.graph = report.graph.with_components(vec![component]);
    }
    analysis.findings.extend(
        policy
            .refused
            .iter()
            .filter_map(scanner_core::policy::Loosening::finding),
    );
    // Expiries are judged on the date the report carries, so a reproducible run judges them
    // the same way every time.
    let applied = policy.policy.apply(&mut analysis, clock.document_date());
    if !policy.project_files.is_empty() {
        let components: Vec<scanner_core::Component> = policy
            .project_files
            .iter()
            .filter_map(|file| {
                let mut component =
                    project_policy_component(&file.display, &file.sha256, policy.trusted)?;
                // The refused entries are where the file was "found": every format that lists
                // a component's places (CycloneDX occurrences, JSON evidence) names their lines.
                for refused in &policy.refused {
                    if refused.location.path == file.display {
                        component.evidence.insert(scanner_core::Evidence {
                            location: refused.location.clone(),
                            extractor: scanner_core::policy::POLICY_EVIDENCE,
                        });
                    }
                }
                Some(component)
            })
            .collect();
        report.graph = report.graph.with_components(components);
    }
    if !policy.diagnostics.is_empty() {
        report
            .diagnostics
            .extend(policy.diagnostics.iter().cloned());
        report.diagnostics.sort();
        report.diagnostics.dedup();
    }
    if verbosity != Verbosity::Quiet {
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
    }
    Judgement {
        report,
        analysis,
        applied,
    }
}

/// The `fail-on` threshold: `--fail-on` ([`fail_on_threshold`]: `none` never fails), else the
/// policy's, else high; and where it came from.
fn fail_on(
    flag: Option<&str>,
    policy: &scanner_core::policy::Policy,
) -> anyhow::Result<(Option<scanner_core::risk::Severity>, String)> {
    if let Some(name) = flag {
        return Ok((fail_on_threshold(name)?, "--fail-on".to_owned()));
    }
    Ok(match policy.fail_on {
        Some(severity) => (
            Some(severity),
            policy
                .fail_on_source
                .clone()
                .unwrap_or_else(|| "policy".to_owned()),
        ),
        None => (
            Some(scanner_core::policy::DEFAULT_FAIL_ON),
            "default".to_owned(),
        ),
    })
}

/// What the report says about the policy that judged it.
fn policy_facts(
    policy: &ScanPolicy,
    fail_on: Option<scanner_core::risk::Severity>,
    fail_on_from: String,
) -> PolicyFacts {
    PolicyFacts {
        operator_files: policy.operator_files.clone(),
        project_files: policy
            .project_files
            .iter()
            .map(|file| ProjectPolicyFacts {
                path: file.display.clone(),
                applied: if policy.trusted {
                    "trusted"
                } else {
                    "tighten-only"
                },
                refused_entries: policy
                    .refused
                    .iter()
                    .filter(|refused| refused.location.path == file.display)
                    .count(),
            })
            .collect(),
        trust_project_policy: policy.trusted,
        fail_on: fail_on.map_or("none", scanner_core::risk::Severity::as_str),
        fail_on_from,
    }
}

/// Where the ignored findings' entries were written: `airlock.toml`, or several files.
fn ignored_by(applied: &PolicyReport) -> String {
    let mut files: Vec<&str> = applied
        .ignored
        .iter()
        .map(|ignored| ignored.entry.location.path.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    files.join(", ")
}

/// Prints the gaps (one line each) and a summary; true when the profile is not met: an element
/// is missing. Elements no input holds are stated as unknown in the document and do not fail
/// the profile; they are still listed, so the reader knows what the document cannot say.
pub fn report_gaps(
    profile: crate::emit::profile::Profile,
    gaps: &[crate::emit::profile::Gap],
    quiet: bool,
) -> bool {
    use crate::emit::profile::GapKind;
    if !quiet {
        for gap in gaps {
            let (state, after) = match gap.kind {
                GapKind::Missing => ("no", ""),
                GapKind::Unknown => ("unknown", " (stated as unknown in the document)"),
            };
            stderr_line(&format!(
                "profile {}: {}: {state} {}: {}{after}",
                profile.name(),
                gap.subject,
                gap.element,
                gap.why
            ));
        }
    }
    let count = |kind: GapKind| -> (usize, usize) {
        let of_kind: Vec<_> = gaps.iter().filter(|gap| gap.kind == kind).collect();
        let subjects: std::collections::BTreeSet<&str> =
            of_kind.iter().map(|gap| gap.subject.as_str()).collect();
        (of_kind.len(), subjects.len())
    };
    let (missing, missing_subjects) = count(GapKind::Missing);
    let (unknowns, unknown_subjects) = count(GapKind::Unknown);
    let stated = if unknowns == 0 {
        String::new()
    } else {
        format!(
            "; {unknowns} elements of {unknown_subjects} components stated as unknown (no input airlock read offline holds them)"
        )
    };
    if missing == 0 {
        stderr_line(&format!("profile {}: met{stated}", profile.name()));
        false
    } else {
        stderr_line(&format!(
            "profile {}: NOT met: {missing} missing elements in {missing_subjects} components or the document{stated}",
            profile.name(),
        ));
        true
    }
}
