//! `airlock verify --lock LOCKFILE DIR`: does this folder of artifacts (a wheelhouse, a folder
//! of `.crate` files, a `cargo vendor` directory) satisfy this lock exactly? The lock is the
//! operator's and trusted; the folder is hostile. The answer is computed in
//! `scanner_core::lock_check`; this module reads the lock through the scan driver (so
//! `-r` includes and every lock format airlock reads are read as `scan` reads them), renders
//! the answer and picks the exit code: 0 exact, 1 with the list otherwise, 2 on bad input.

use std::path::Path;

use serde::Serialize;

use scanner_core::extract::{Role, FORMATS};
use scanner_core::lock_check::{self, LockCheck, Status};
use scanner_core::scan::{display_path, scan, ScanOptions};

use super::Outcome;
use crate::cli::{ListFormat, VerifyArgs};
use crate::emit::table::render;
use crate::output::{stderr_line, write_report};

#[derive(Debug, Serialize)]
struct Report {
    kind: &'static str,
    lock: String,
    lock_format: &'static str,
    directory: String,
    passed: bool,
    counts: Counts,
    /// Local packages of the lock (the project, workspace members, path dependencies): built
    /// from source, never looked for in the folder.
    not_checked: Vec<String>,
    problems: Vec<ProblemLine>,
}

#[derive(Debug, Serialize)]
struct Counts {
    locked: usize,
    satisfied: usize,
    artifacts: usize,
    matching: usize,
    missing: usize,
    unlocked: usize,
    hash_mismatch: usize,
    wrong_version: usize,
    unhashed: usize,
    unrecognized: usize,
    modified: usize,
    conditional: usize,
}

#[derive(Debug, Serialize)]
struct ProblemLine {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual_sha256: Option<String>,
    detail: String,
}

/// Runs the check of `args.path` against `lock`.
pub fn run(args: &VerifyArgs, lock: &Path) -> anyhow::Result<Outcome> {
    let lock_display = display_path(lock);
    let format = FORMATS
        .iter()
        .copied()
        .find(|format| matches!(format.role, Role::Lock(_)) && format.accepts(lock))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{lock_display}: cannot tell the lock's format from its name (name it requirements*.txt, uv.lock, poetry.lock, pdm.lock, Pipfile.lock, pylock.toml or Cargo.lock)"
            )
        })?;
    if !lock.is_file() {
        anyhow::bail!("{lock_display}: not a file");
    }
    if !args.path.is_dir() {
        anyhow::bail!(
            "{}: not a directory (give the folder of artifacts to check)",
            display_path(&args.path)
        );
    }
    let report = scan(&[lock.to_path_buf()], &ScanOptions::default())
        .map_err(|error| anyhow::anyhow!("{lock_display}: {error}"))?;
    if report.has_errors() {
        for diagnostic in report.diagnostics.iter().filter(|diagnostic| {
            diagnostic.severity == scanner_core::diagnostic::DiagnosticSeverity::Error
        }) {
            stderr_line(&format!("error: {diagnostic}"));
        }
        anyhow::bail!(
            "{lock_display}: the lock cannot be read whole, so nothing is checked against it"
        );
    }
    let locked = lock_check::locked_packages(&report.graph);
    if locked.packages.is_empty() {
        anyhow::bail!("{lock_display}: the lock pins no package from an index, a URL or git");
    }
    let skip: Vec<std::path::PathBuf> = std::fs::canonicalize(lock).into_iter().collect();
    let folder = lock_check::read_folder(&args.path, &skip);
    let check = lock_check::compare(&locked, &folder);
    let output = Report {
        kind: "lock",
        lock: lock_display,
        lock_format: format.id,
        directory: display_path(&args.path),
        passed: check.passed(),
        counts: counts(&check),
        not_checked: locked.local.clone(),
        problems: check
            .problems
            .iter()
            .map(|problem| ProblemLine {
                status: problem.status.as_str(),
                package: problem.package.clone(),
                file: problem.file.clone(),
                actual_sha256: problem.actual_sha256.clone(),
                detail: problem.detail.clone(),
            })
            .collect(),
    };
    let bytes = match args.format {
        ListFormat::Json => {
            let mut bytes = serde_json::to_vec_pretty(&output)?;
            bytes.push(b'\n');
            bytes
        }
        ListFormat::Table => table(&output).into_bytes(),
    };
    write_report(args.output.as_deref(), &bytes)?;
    Ok(if output.passed {
        Outcome::Clean
    } else {
        Outcome::PolicyFailure
    })
}

fn counts(check: &LockCheck) -> Counts {
    let count = |status: Status| {
        check
            .problems
            .iter()
            .filter(|problem| problem.status == status)
            .count()
    };
    Counts {
        locked: check.locked,
        satisfied: check.satisfied,
        artifacts: check.artifacts,
        matching: check.matching,
        missing: count(Status::Missing),
        unlocked: count(Status::Unlocked),
        hash_mismatch: count(Status::HashMismatch),
        wrong_version: count(Status::WrongVersion),
        unhashed: count(Status::Unhashed),
        unrecognized: count(Status::Unrecognized),
        modified: count(Status::Modified),
        conditional: count(Status::Conditional),
    }
}

fn table(report: &Report) -> String {
    let counts = &report.counts;
    let rows = vec![
        vec![
            "lock".to_owned(),
            format!(
                "{} ({}): {} packages pinned by hash, {} present",
                report.lock, report.lock_format, counts.locked, counts.satisfied
            ),
        ],
        vec![
            "folder".to_owned(),
            format!(
                "{}: {} artifacts, {} with a locked hash",
                report.directory, counts.artifacts, counts.matching
            ),
        ],
    ];
    let mut text = render(&["CHECK", "DETAIL"], &rows);
    if !report.problems.is_empty() {
        let rows: Vec<Vec<String>> = report
            .problems
            .iter()
            .map(|problem| {
                vec![
                    problem.status.to_owned(),
                    problem.package.clone().unwrap_or_default(),
                    problem.file.clone().unwrap_or_default(),
                    problem.detail.clone(),
                ]
            })
            .collect();
        text.push('\n');
        text.push_str(&render(&["STATUS", "PACKAGE", "FILE", "DETAIL"], &rows));
    }
    if !report.not_checked.is_empty() {
        text.push_str(&format!(
            "\nnot looked for (local, built from source): {}\n",
            report.not_checked.join(", ")
        ));
    }
    text.push('\n');
    if report.passed {
        text.push_str("verification passed: the folder satisfies the lock exactly\n");
    } else {
        let mut reasons = Vec::new();
        for (count, word) in [
            (counts.missing, "missing"),
            (counts.unlocked, "unlocked"),
            (counts.hash_mismatch, "hash mismatch"),
            (counts.wrong_version, "wrong version"),
            (counts.unhashed, "unhashed in the lock"),
            (counts.unrecognized, "unrecognized"),
            (counts.modified, "modified"),
        ] {
            if count > 0 {
                reasons.push(format!("{count} {word}"));
            }
        }
        text.push_str(&format!("verification FAILED: {}\n", reasons.join(", ")));
    }
    text
}
