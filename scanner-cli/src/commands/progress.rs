//! Progress bars for long work: hashing gigabytes of model weights and scanning many files
//! (`scan`, `sbom`), importing advisories (`db import`, `scan --advisories`) and syncing
//! (`db sync`). Drawn on stderr, only when stderr is a terminal, never with `-q`, never for
//! machine formats (JSON, CycloneDX, SPDX, SARIF: their users are scripts), and only once the
//! work has run for a moment, so quick runs and pipelines never see one.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use advisories::progress::{Progress, ProgressCallback};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scanner_core::scan::{ProgressReporter, ScanProgress};

use crate::emit::Format;

use super::Verbosity;

/// Work shorter than this shows no bar (none in unit tests, which check what bars are fed).
const DELAY: Duration = if cfg!(test) {
    Duration::ZERO
} else {
    Duration::from_millis(500)
};

const BYTES_TEMPLATE: &str = "{spinner} {msg} [{wide_bar}] {bytes}/{total_bytes} ({eta} left)";
const FILES_TEMPLATE: &str = "{spinner} {msg} [{wide_bar}] {pos}/{len} files ({eta} left)";
const RECORDS_TEMPLATE: &str = "{spinner} {msg}: {human_pos} records ({per_sec})";
const DOWNLOAD_TEMPLATE: &str =
    "{spinner} {msg} [{wide_bar}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)";
const DOWNLOAD_UNKNOWN_TEMPLATE: &str = "{spinner} {msg}: {bytes} ({bytes_per_sec})";

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Whether bars may be drawn at all: not when quiet, not off a terminal, and not while this
/// thread's stderr lines are kept for later (a fleet run's projects).
fn allowed(verbosity: Verbosity) -> bool {
    verbosity != Verbosity::Quiet
        && std::io::stderr().is_terminal()
        && !crate::output::capturing_stderr()
}

/// A hidden bar (it appears after [`DELAY`]), or `None` when no bar may be drawn.
fn hidden_bar(verbosity: Verbosity) -> Option<ProgressBar> {
    allowed(verbosity).then(|| ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden()))
}

/// The bar of a scan writing `format`.
pub fn scan_bar(verbosity: Verbosity, format: Format) -> Option<ProgressBar> {
    if format.is_for_people() {
        hidden_bar(verbosity)
    } else {
        None
    }
}

/// Shows `bar` with `template` once [`DELAY`] has passed since `started`.
struct Reveal {
    started: Instant,
    shown: AtomicBool,
}

impl Reveal {
    fn new() -> Reveal {
        Reveal {
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// True when the bar is (now) visible.
    fn due(&self, bar: &ProgressBar, template: &str) -> bool {
        if self.shown.load(Ordering::Relaxed) {
            return true;
        }
        if self.started.elapsed() < DELAY {
            return false;
        }
        self.shown.store(true, Ordering::Relaxed);
        bar.set_style(style(template));
        bar.set_draw_target(ProgressDrawTarget::stderr());
        true
    }
}

/// Feeds the core's scan progress into `bar`: bytes when files are being hashed (the slow
/// part), else files.
pub fn reporter(bar: &ProgressBar) -> ProgressReporter {
    let bar = bar.clone();
    let reveal = Reveal::new();
    // Worker threads report concurrently: the furthest point reached so far (files, bytes) is
    // kept under a lock, so the bar never moves backwards.
    let furthest: Mutex<(usize, u64)> = Mutex::new((0, 0));
    ProgressReporter::new(move |progress: ScanProgress| {
        let hashing = progress.bytes_total > 0;
        let template = if hashing {
            BYTES_TEMPLATE
        } else {
            FILES_TEMPLATE
        };
        if !reveal.due(&bar, template) {
            return;
        }
        let Ok(mut furthest) = furthest.lock() else {
            return;
        };
        furthest.0 = furthest
            .0
            .max(progress.files_done.min(progress.files_total));
        furthest.1 = furthest
            .1
            .max(progress.bytes_done.min(progress.bytes_total));
        if hashing {
            bar.set_length(progress.bytes_total);
            bar.set_position(furthest.1);
            bar.set_message(format!(
                "hashing, {}/{} files",
                furthest.0, progress.files_total
            ));
        } else {
            bar.set_length(progress.files_total.max(1) as u64);
            bar.set_position(furthest.0 as u64);
            bar.set_message("scanning");
        }
    })
}

/// A bar for counting imported records, labelled `message`.
pub fn records_bar(verbosity: Verbosity, message: &'static str) -> Option<ProgressBar> {
    let bar = hidden_bar(verbosity)?;
    bar.set_message(message);
    Some(bar)
}

/// Feeds an import's record count into `bar`.
pub fn import_reporter(bar: &ProgressBar) -> ProgressCallback {
    let bar = bar.clone();
    let reveal = Reveal::new();
    Arc::new(move |progress: Progress<'_>| {
        if let Progress::Records { read } = progress {
            if reveal.due(&bar, RECORDS_TEMPLATE) {
                bar.set_position(read);
            }
        }
    })
}

/// Feeds a sync's downloads (bytes of each archive) and its import (records) into `bar`.
pub fn sync_reporter(bar: &ProgressBar) -> ProgressCallback {
    let bar = bar.clone();
    let reveal = Reveal::new();
    // The phase drawn now (an ecosystem's download, or the import), to restyle on change.
    let phase: Mutex<String> = Mutex::new(String::new());
    Arc::new(move |progress: Progress<'_>| {
        let (name, template) = match progress {
            Progress::Download {
                ecosystem, total, ..
            } => (
                format!("downloading {ecosystem}"),
                if total.is_some() {
                    DOWNLOAD_TEMPLATE
                } else {
                    DOWNLOAD_UNKNOWN_TEMPLATE
                },
            ),
            Progress::Records { .. } => ("importing".to_owned(), RECORDS_TEMPLATE),
            _ => return,
        };
        if !reveal.due(&bar, template) {
            return;
        }
        if let Ok(mut current) = phase.lock() {
            if *current != name {
                bar.set_style(style(template));
                bar.set_message(name.clone());
                bar.reset();
                *current = name;
            }
        }
        match progress {
            Progress::Download {
                received, total, ..
            } => {
                if let Some(total) = total {
                    bar.set_length(total);
                }
                bar.set_position(received);
            }
            Progress::Records { read } => bar.set_position(read),
            _ => {}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hidden() -> ProgressBar {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden())
    }

    #[test]
    fn scans_count_bytes_while_hashing_and_files_otherwise() {
        let models =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/agent-stack/models");
        let bar = hidden();
        let options = scanner_core::scan::ScanOptions {
            progress: Some(reporter(&bar)),
            ..Default::default()
        };
        let report = scanner_core::scan::scan(&[models], &options);
        assert!(report.is_ok());
        let total = bar.length().unwrap_or_default();
        assert!(total > 0, "weights were hashed: a byte count");
        assert_eq!(bar.position(), total);
        assert!(bar.message().starts_with("hashing, "), "{}", bar.message());

        let cargo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/agent-stack/tools/web-fetch");
        let bar = hidden();
        let options = scanner_core::scan::ScanOptions {
            progress: Some(reporter(&bar)),
            ..Default::default()
        };
        assert!(scanner_core::scan::scan(&[cargo], &options).is_ok());
        assert_eq!(bar.message(), "scanning", "nothing hashed: files");
        assert_eq!(Some(bar.position()), bar.length());
    }

    #[test]
    fn imports_and_syncs_move_the_bar() {
        let bar = hidden();
        let callback = import_reporter(&bar);
        callback(Progress::Records { read: 41 });
        assert_eq!(bar.position(), 41);

        let bar = hidden();
        let callback = sync_reporter(&bar);
        callback(Progress::Download {
            ecosystem: "PyPI",
            received: 512,
            total: Some(2048),
        });
        assert_eq!((bar.position(), bar.length()), (512, Some(2048)));
        assert_eq!(bar.message(), "downloading PyPI");
        callback(Progress::Records { read: 7 });
        assert_eq!(bar.position(), 7, "the import starts from zero");
        assert_eq!(bar.message(), "importing");
    }

    #[test]
    fn machine_formats_never_get_a_bar() {
        for format in [
            Format::Json,
            Format::CyclonedxJson,
            Format::CyclonedxXml,
            Format::SpdxJson,
            Format::SpdxTagValue,
            Format::Sarif,
        ] {
            assert!(scan_bar(Verbosity::Verbose, format).is_none());
        }
        assert!(scan_bar(Verbosity::Quiet, Format::Table).is_none());
    }
}
