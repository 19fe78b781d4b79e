//! Finding and reading the policy file for `airlock scan`: `--config FILE`, else the nearest
//! `airlock.toml` at or above the first scanned path. Every problem in the file is printed with
//! its line before the scan gives up (exit 2), so one run shows them all.

use std::path::{Path, PathBuf};

use scanner_core::policy::{Date, Policy};

use crate::output::stderr_line;

/// Larger than any policy anyone writes; a bigger file is refused rather than read.
const MAX_POLICY_BYTES: u64 = 1024 * 1024;

/// The policy to apply: `Ok(None)` when there is no file, `Err(())` after printing why the
/// file is unusable.
pub fn load(explicit: Option<&Path>, scan_paths: &[PathBuf]) -> anyhow::Result<Result<Policy, ()>> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => discover(scan_paths),
    };
    let Some(path) = path else {
        return Ok(Ok(Policy::default()));
    };
    let display = scanner_core::scan::display_path(&relative_to_working_directory(&path));
    let size = std::fs::metadata(&path)
        .map_err(|error| anyhow::anyhow!("{display}: cannot read the policy file: {error}"))?
        .len();
    if size > MAX_POLICY_BYTES {
        anyhow::bail!(
            "{display}: {size} bytes is over the {MAX_POLICY_BYTES}-byte cap for a policy file"
        );
    }
    let bytes = std::fs::read(&path)
        .map_err(|error| anyhow::anyhow!("{display}: cannot read the policy file: {error}"))?;
    let Ok(text) = String::from_utf8(bytes) else {
        anyhow::bail!("{display}: the policy file is not valid UTF-8");
    };
    match Policy::parse(&display, &text) {
        Ok(policy) => Ok(Ok(policy)),
        Err(diagnostics) => {
            for diagnostic in &diagnostics {
                stderr_line(&diagnostic.to_string());
            }
            stderr_line(&format!(
                "error: {display} has {} problem{}; nothing was scanned",
                diagnostics.len(),
                if diagnostics.len() == 1 { "" } else { "s" }
            ));
            Ok(Err(()))
        }
    }
}

/// `path` relative to the working directory when it lies below it, so messages name files the
/// way the user typed them.
fn relative_to_working_directory(path: &Path) -> PathBuf {
    std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// The nearest `airlock.toml` at or above the first scanned path.
fn discover(scan_paths: &[PathBuf]) -> Option<PathBuf> {
    let first = scan_paths.first()?;
    let absolute = std::fs::canonicalize(first).ok()?;
    let start = if absolute.is_dir() {
        absolute.as_path()
    } else {
        absolute.parent()?
    };
    start
        .ancestors()
        .map(|directory| directory.join("airlock.toml"))
        .find(|candidate| candidate.is_file())
}

/// Today, for ignore expiry: from `SOURCE_DATE_EPOCH` when set (reproducible runs), else the
/// clock.
pub fn today() -> Date {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|value| value.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs())
        });
    Date::from_unix_seconds(seconds)
}
