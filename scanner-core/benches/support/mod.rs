//! Helpers shared by the hand-written benchmark harnesses (each bench file includes this module
//! with `mod support;`): writing one marked section of docs/PERFORMANCE.md, describing the
//! machine, and formatting durations, counts and memory the same way in every section.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use scanner_core::scan::DEFAULT_SKIPPED_DIRECTORIES;

/// Replaces the section between the markers, appending it (or creating the file) if absent.
pub fn write_section(
    report: &Path,
    header: &str,
    markers: (&str, &str),
    section: &str,
) -> io::Result<()> {
    let (start_marker, end_marker) = markers;
    let block = format!("{start_marker}\n{}\n{end_marker}", section.trim_end());
    let existing = match fs::read_to_string(report) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    let updated = match existing {
        None => format!("{header}\n{block}\n"),
        Some(text) => {
            let span = text.find(start_marker).and_then(|start| {
                text.get(start..)
                    .and_then(|rest| rest.find(end_marker))
                    .map(|end| (start, start + end + end_marker.len()))
            });
            match span.and_then(|(start, end)| Some((text.get(..start)?, text.get(end..)?))) {
                Some((before, after)) => format!("{before}{block}{after}"),
                None => {
                    let separator = if text.ends_with('\n') { "\n" } else { "\n\n" };
                    format!("{text}{separator}{block}\n")
                }
            }
        }
    };
    if let Some(parent) = report.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(report, updated)
}

/// Every file called `name` below `directory`, skipping the directories a scan skips and not
/// following symlinks.
pub fn find_files(directory: &Path, name: &str, found: &mut Vec<PathBuf>) -> io::Result<()> {
    let mut entries = fs::read_dir(directory)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let file_type = entry.file_type()?;
        let file_name = entry.file_name();
        if file_type.is_dir() {
            let skipped = file_name
                .to_str()
                .is_some_and(|name| DEFAULT_SKIPPED_DIRECTORIES.contains(&name));
            if !skipped {
                find_files(&entry.path(), name, found)?;
            }
        } else if file_type.is_file() && file_name == name {
            found.push(entry.path());
        }
    }
    Ok(())
}

/// `path` relative to `base`, `/`-separated.
pub fn relative_display(base: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(base).unwrap_or(path);
    relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub fn duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

pub fn memory(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "unknown".to_owned(),
        |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
    )
}

/// `VmHWM` (peak resident set size) of this process in KiB, Linux only.
pub fn peak_memory_kib() -> Option<u64> {
    proc_field("/proc/self/status", "VmHWM")
}

/// The first number of the `key:` line of a `/proc` file.
pub fn proc_field(file: &str, key: &str) -> Option<u64> {
    let text = fs::read_to_string(file).ok()?;
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        if name.trim() != key {
            return None;
        }
        value.split_whitespace().next()?.parse().ok()
    })
}

pub fn machine() -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name.trim() == "model name").then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let processors = cpuinfo
        .lines()
        .filter(|line| {
            line.split_once(':')
                .is_some_and(|(name, _)| name.trim() == "processor")
        })
        .count();
    let cores = if processors > 0 {
        processors
    } else {
        std::thread::available_parallelism().map_or(1, |threads| threads.get())
    };
    let memory = proc_field("/proc/meminfo", "MemTotal").map_or_else(
        || "unknown memory".to_owned(),
        |kib| format!("{:.1} GiB RAM", kib as f64 / (1024.0 * 1024.0)),
    );
    format!("{model}, {cores} logical cores, {memory}")
}

pub fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|version| version.trim().to_owned())
        .filter(|version| !version.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

pub fn profile(bench_mode: bool) -> String {
    let name = if bench_mode {
        "`bench` (inherits `release`)"
    } else {
        "`test` smoke run"
    };
    let assertions = if cfg!(debug_assertions) { "on" } else { "off" };
    format!("{name}, debug assertions {assertions}")
}

/// `YYYY-MM-DD HH:MM UTC`: when the measurement ran (the system clock: a benchmark's date is
/// when it ran, never a reproducible build date).
pub fn date_utc() -> String {
    scanner_core::clock::Clock::system()
        .trusted_now()
        .format("%Y-%m-%d %H:%M UTC")
        .to_string()
}
