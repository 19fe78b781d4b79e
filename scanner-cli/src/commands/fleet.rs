//! `airlock scan --report-dir DIR [--jobs N] [--summary FILE|-] PATH...`: many projects in one
//! run, the way an organisation scans its repositories from a CI matrix or a Kubernetes Job.
//!
//! Each PATH is a project of its own, judged exactly as `airlock scan PATH -o DIR/NAME.EXT`
//! alone would judge it (the operator's settings and flags, the project's own policy files,
//! the same report bytes and the same exit code), N at a time. The advisory database is
//! opened once, read-only and immutable (`advisories::store::Store::open`), and shared by the
//! projects, so many runs on many machines can read one file on a read-only volume.
//!
//! A project that fails (a broken lockfile, a path that does not exist) fails alone: the
//! others are still scanned and reported, and the run exits with the worst code of all. The
//! summary has one JSON line per project, self-describing and in PATH order, so summaries of
//! several runs (several machines) concatenate into one. Report names are derived from the
//! paths alone ([`report_names`]), so a run gives the same names every time.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use anyhow::Context as _;
use scanner_core::risk::VulnerabilitySource;
use serde::Serialize;

use super::scan::{self, FindingCounts, ProjectRun, Shared, Vex};
use super::{db, Outcome, Verbosity};
use crate::cli::{Cli, ReportArgs, ScanArgs};
use crate::emit::Format;
use crate::output::{capture_stderr, stderr_line, Target};
use crate::settings::Settings;

/// The value of every summary line's `summary` key: what the line is, and its version.
pub const SUMMARY_KIND: &str = "airlock-fleet-summary/1";

/// One line of the summary. Fields serialize in this order, so every line has the same key
/// order; `null` says "not known" (no report written, no scan made).
#[derive(Debug, Serialize)]
struct SummaryLine<'run> {
    summary: &'static str,
    project: String,
    name: &'run str,
    report: Option<String>,
    exit_code: u8,
    outcome: &'static str,
    error: Option<String>,
    components: Option<usize>,
    findings: Option<FindingCounts>,
    database: &'run serde_json::Value,
    airlock_version: &'static str,
}

/// What one worker hands back for the project at `index`.
struct Finished {
    index: usize,
    run: ProjectRun,
    /// Whether the report file was written.
    written: bool,
    /// The lines the project would have printed on stderr alone.
    lines: Vec<String>,
}

pub fn run(
    cli: &Cli,
    settings: &Settings,
    args: &ScanArgs,
    directory: &Path,
    verbosity: Verbosity,
) -> anyhow::Result<Outcome> {
    let paths = &args.report.paths;
    let names = report_names(paths)?;
    let created = !directory.exists();
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create the report directory {}", directory.display()))?;
    if let Err(error) = refuse_directory_inside_a_project(directory, paths) {
        if created {
            // Empty, made a moment ago: nothing the operator had is lost.
            let _ = std::fs::remove_dir(directory);
        }
        return Err(error);
    }
    let extension = extension(args.report.format);
    let reports: Vec<PathBuf> = names
        .iter()
        .map(|name| directory.join(format!("{name}.{extension}")))
        .collect();
    // Checked before any work, like `-o`: a summary path that cannot be written fails now.
    let summary_target = args
        .fleet
        .summary
        .as_deref()
        .map(|path| Target::resolve(Some(path)))
        .transpose()?;
    let jobs = match args.fleet.jobs {
        Some(jobs) => usize::from(jobs),
        None => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
    }
    .clamp(1, paths.len().max(1));

    // What every project shares is read once; an error in it is the operator's, for all.
    let tools_lock = super::tools::OperatorLock::load(&args.tools)?;
    let vex = args
        .vex
        .iter()
        .map(|path| Vex::read_one(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (database, unavailable) =
        db::open_unless_off(args.no_vuln_db, cli, settings, &args.advisories, verbosity)?;
    let (_, database_json) = db::note(
        database.as_ref(),
        unavailable.as_ref(),
        "so vulnerability matching was SKIPPED.",
        "vulnerabilities were not checked.",
    );
    let shared = Shared {
        cli,
        settings,
        args,
        verbosity,
        tools_lock: tools_lock.as_ref(),
        database: database.as_ref(),
        unavailable: unavailable.as_ref(),
        vex: Vex::Read(&vex),
    };

    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<Finished>();
    let mut summary = Vec::new();
    let mut tally = Tally::default();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for _ in 0..jobs {
            let sender = sender.clone();
            let (shared, next, reports) = (&shared, &next, &reports);
            scope.spawn(move || {
                // One connection for every job, behind the store's mutex: a connection per
                // job measured the same (within noise) and costs its own page cache
                // (docs/PERFORMANCE.md, "Fleet runs").
                let source = shared
                    .database
                    .map(|database| &database.store as &dyn VulnerabilitySource);
                // Each job takes the next project not taken yet, until none is left.
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(path), Some(report)) = (paths.get(index), reports.get(index)) else {
                        break;
                    };
                    let finished = scan_one(shared, source, index, path, report);
                    if sender.send(finished).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // Results arrive as projects finish; they are shown and summarized in PATH order, so
        // the output is the same whatever the timing.
        let mut waiting: BTreeMap<usize, Finished> = BTreeMap::new();
        let mut shown = 0;
        for finished in receiver {
            waiting.insert(finished.index, finished);
            while let Some(finished) = waiting.remove(&shown) {
                let (Some(path), Some(name), Some(report)) =
                    (paths.get(shown), names.get(shown), reports.get(shown))
                else {
                    break;
                };
                tally.add(finished.run.outcome);
                show(path, report, &finished, verbosity);
                let line = SummaryLine {
                    summary: SUMMARY_KIND,
                    project: path.display().to_string(),
                    name,
                    report: finished.written.then(|| report.display().to_string()),
                    exit_code: finished.run.outcome.code(),
                    outcome: outcome_name(finished.run.outcome),
                    error: (!finished.run.errors.is_empty())
                        .then(|| finished.run.errors.join("\n")),
                    components: finished.run.components,
                    findings: finished.run.findings,
                    database: &database_json,
                    airlock_version: env!("CARGO_PKG_VERSION"),
                };
                let mut bytes = serde_json::to_vec(&line)?;
                bytes.push(b'\n');
                match &summary_target {
                    // Streamed as projects finish, so a pipeline can follow the run.
                    Some(Target::Stdout) => Target::Stdout.write(&bytes)?,
                    Some(_) => summary.extend_from_slice(&bytes),
                    None => {}
                }
                shown += 1;
            }
        }
        Ok(())
    })?;
    if let Some(target) = summary_target.filter(|target| !matches!(target, Target::Stdout)) {
        target.write(&summary)?;
    }
    if verbosity != Verbosity::Quiet {
        stderr_line(&tally.line(jobs, directory));
    }
    Ok(tally.worst())
}

/// Scans the project at `path` into `report`, its stderr lines kept, never letting its
/// failure (an error, even a panic) reach the other projects.
fn scan_one(
    shared: &Shared<'_>,
    source: Option<&dyn VulnerabilitySource>,
    index: usize,
    path: &Path,
    report: &Path,
) -> Finished {
    let report_args = ReportArgs {
        paths: vec![path.to_path_buf()],
        output: Some(report.to_path_buf()),
        ..shared.args.report.clone()
    };
    let (result, mut lines) = capture_stderr(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let judged_by =
                scan::policy_for(shared.settings, shared.args, &report_args, shared.verbosity)?;
            scan::judge_project(shared, &report_args, judged_by, source)
        }))
    });
    let run = match result {
        Ok(Ok(run)) => run,
        Ok(Err(error)) => {
            let error = format!("{error:#}");
            lines.push(format!("error: {error}"));
            failed(error)
        }
        Err(_) => {
            let error =
                "internal error: the scan of this project panicked (a bug: please report it)"
                    .to_owned();
            lines.push(format!("error: {error}"));
            failed(error)
        }
    };
    // The report is written only after the scan: it exists for every run that got that far.
    let written = run.components.is_some();
    Finished {
        index,
        run,
        written,
        lines,
    }
}

fn failed(error: String) -> ProjectRun {
    ProjectRun {
        outcome: Outcome::Error,
        components: None,
        findings: None,
        errors: vec![error],
    }
}

/// Prints a project's stderr lines as one block under a header naming it; when quiet, only a
/// project that printed something (its errors) is shown.
fn show(path: &Path, report: &Path, finished: &Finished, verbosity: Verbosity) {
    if verbosity == Verbosity::Quiet && finished.lines.is_empty() {
        return;
    }
    let written = if finished.written {
        format!("report {}", report.display())
    } else {
        "no report".to_owned()
    };
    let mut block = format!(
        "==> {} ({written}; exit {})",
        path.display(),
        finished.run.outcome.code()
    );
    for line in &finished.lines {
        block.push('\n');
        block.push_str(line);
    }
    stderr_line(&block);
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Clean => "clean",
        Outcome::PolicyFailure => "policy-failure",
        Outcome::Error => "error",
    }
}

/// How the projects ended, for the last line and the exit code.
#[derive(Default)]
struct Tally {
    clean: usize,
    failed: usize,
    errors: usize,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Clean => self.clean += 1,
            Outcome::PolicyFailure => self.failed += 1,
            Outcome::Error => self.errors += 1,
        }
    }

    /// The worst outcome of all: any error is 2, else any policy failure 1, else 0.
    fn worst(&self) -> Outcome {
        if self.errors > 0 {
            Outcome::Error
        } else if self.failed > 0 {
            Outcome::PolicyFailure
        } else {
            Outcome::Clean
        }
    }

    fn line(&self, jobs: usize, directory: &Path) -> String {
        format!(
            "fleet: {} ({} at a time): {} clean, {} failed the policy, {}; reports in {}",
            super::count(self.clean + self.failed + self.errors, "project"),
            jobs,
            self.clean,
            self.failed,
            super::count(self.errors, "error"),
            directory.display()
        )
    }
}

/// The file extension of a report in `format`, by the conventions of each format's tools
/// (`.cdx.json` is what Dependency-Track and the CycloneDX tools look for).
pub fn extension(format: Format) -> &'static str {
    match format {
        Format::Table => "txt",
        Format::Json => "json",
        Format::CyclonedxJson => "cdx.json",
        Format::CyclonedxXml => "cdx.xml",
        Format::SpdxJson => "spdx.json",
        Format::Spdx3Json => "spdx3.json",
        Format::Openvex => "openvex.json",
        Format::CyclonedxVex => "vex.cdx.json",
        Format::SpdxTagValue => "spdx",
        Format::Sarif => "sarif",
        Format::Html => "html",
    }
}

/// A report directory inside a scanned project would be read as part of it (an SBOM written
/// there is an input the next project's walk finds): refused before anything is scanned.
fn refuse_directory_inside_a_project(directory: &Path, paths: &[PathBuf]) -> anyhow::Result<()> {
    let directory = std::fs::canonicalize(directory).with_context(|| {
        format!(
            "cannot resolve the report directory {}",
            directory.display()
        )
    })?;
    for path in paths {
        let Ok(project) = std::fs::canonicalize(path) else {
            continue;
        };
        if directory.starts_with(&project) {
            anyhow::bail!(
                "the report directory {} lies inside the project {}: its reports would be read as part of that project; give a directory outside every PATH",
                directory.display(),
                path.display()
            );
        }
    }
    Ok(())
}

/// One report name per path, derived from the paths alone, so the same command line names
/// the same files every time: the path's last component (`repos/api` → `api`), and for paths
/// whose names would be the same (compared case-insensitively, as macOS and Windows file
/// systems do), as many more of their components as it takes (`team-a/api`, `team-b/api` →
/// `team-a_api`, `team-b_api`). Characters other than `A-Z a-z 0-9 . _ -` become `_`; when
/// that alone makes two names equal, `-2`, `-3`... follow in PATH order. Paths are made
/// absolute and `..` resolved on the text first (no link is followed), so `./api` and `api`
/// are the same project, given twice: an error.
pub fn report_names(paths: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    let parts: Vec<Vec<String>> = paths
        .iter()
        .map(|path| name_parts(path))
        .collect::<anyhow::Result<_>>()?;
    let mut seen: BTreeMap<&[String], &PathBuf> = BTreeMap::new();
    for (path, parts) in paths.iter().zip(&parts) {
        if let Some(first) = seen.insert(parts.as_slice(), path) {
            anyhow::bail!(
                "{} and {} are the same project, given twice",
                first.display(),
                path.display()
            );
        }
    }
    let name = |parts: &[String], depth: usize| -> String {
        if parts.is_empty() {
            return "root".to_owned();
        }
        let from = parts.len().saturating_sub(depth);
        parts.get(from..).unwrap_or(parts).join("_")
    };
    let mut depths = vec![1usize; paths.len()];
    loop {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, (parts, depth)) in parts.iter().zip(&depths).enumerate() {
            groups
                .entry(name(parts, *depth).to_lowercase())
                .or_default()
                .push(index);
        }
        let mut deepened = false;
        for members in groups.values().filter(|members| members.len() > 1) {
            for &index in members {
                let (Some(depth), Some(parts)) = (depths.get_mut(index), parts.get(index)) else {
                    continue;
                };
                if *depth < parts.len() {
                    *depth += 1;
                    deepened = true;
                }
            }
        }
        if !deepened {
            break;
        }
    }
    let mut names: Vec<String> = Vec::with_capacity(paths.len());
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    for (parts, depth) in parts.iter().zip(&depths) {
        let base = name(parts, *depth);
        let mut candidate = base.clone();
        let mut number = 1;
        while taken.contains_key(&candidate.to_lowercase()) {
            number += 1;
            candidate = format!("{base}-{number}");
        }
        taken.insert(candidate.to_lowercase(), names.len());
        names.push(candidate);
    }
    Ok(names)
}

/// The path's components, absolute and with `.` and `..` resolved on the text, each made of
/// file-name-safe characters.
fn name_parts(path: &Path) -> anyhow::Result<Vec<String>> {
    let absolute = std::path::absolute(path)
        .with_context(|| format!("cannot make {} absolute", path.display()))?;
    let mut parts: Vec<String> = Vec::new();
    for component in absolute.components() {
        match component {
            Component::Normal(part) => parts.push(
                part.to_string_lossy()
                    .chars()
                    .map(|character| {
                        if character.is_ascii_alphanumeric() || matches!(character, '.' | '_' | '-')
                        {
                            character
                        } else {
                            '_'
                        }
                    })
                    .collect(),
            ),
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn names(paths: &[&str]) -> Vec<String> {
        let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        report_names(&paths).unwrap()
    }

    #[test]
    fn names_are_the_last_components_that_tell_the_paths_apart() {
        assert_eq!(names(&["repos/api", "repos/web"]), ["api", "web"]);
        assert_eq!(
            names(&["team-a/api", "team-b/api", "web"]),
            ["team-a_api", "team-b_api", "web"]
        );
        assert_eq!(
            names(&["x/one/api", "y/one/api", "one/web"]),
            ["x_one_api", "y_one_api", "web"]
        );
        // A deeper name that meets another project's name is deepened too, and a name no
        // depth tells apart gets a number.
        assert_eq!(
            names(&["/s/a/api", "/s/b/api", "/s/a_api"]),
            ["s_a_api", "b_api", "s_a_api-2"]
        );
    }

    #[test]
    fn names_are_file_name_safe_and_unique_without_regard_to_case() {
        let found = names(&["/w/My Project?", "/w/my_project_", "/w/App", "/v/app"]);
        assert_eq!(
            found,
            ["w_My_Project_", "w_my_project_-2", "w_App", "v_app"]
        );
        for name in &found {
            assert!(!name.contains('/') && !name.starts_with(".."), "{name}");
        }
    }

    #[test]
    fn the_same_project_twice_is_refused_and_dots_are_resolved() {
        let error = report_names(&[PathBuf::from("api"), PathBuf::from("./x/../api/")])
            .unwrap_err()
            .to_string();
        assert!(error.contains("given twice"), "{error}");
        assert_eq!(names(&["/"]), ["root"]);
    }

    #[test]
    fn names_do_not_depend_on_the_order_of_other_projects() {
        let forward = names(&["a/api", "b/api", "c/web"]);
        let backward = names(&["c/web", "b/api", "a/api"]);
        assert_eq!(forward, ["a_api", "b_api", "web"]);
        assert_eq!(backward, ["web", "b_api", "a_api"]);
    }
}
