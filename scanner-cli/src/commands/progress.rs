//! The progress bar of long scans (hashing gigabytes of model weights): drawn on stderr, only
//! when stderr is a terminal and not with `-q`, and only once a scan has run for a moment, so
//! quick scans and pipelines never see it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scanner_core::scan::{ProgressReporter, ScanProgress};

use super::Verbosity;

/// Scans shorter than this show no bar.
const DELAY: Duration = Duration::from_millis(500);

/// A hidden bar, or `None` when no bar may be drawn.
pub fn bar(verbosity: Verbosity) -> Option<ProgressBar> {
    if verbosity == Verbosity::Quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    let style = ProgressStyle::with_template(
        "{spinner} {msg} [{wide_bar}] {bytes}/{total_bytes} ({eta} left)",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// Feeds the core's progress reports into `bar`.
pub fn reporter(bar: &ProgressBar) -> ProgressReporter {
    let bar = bar.clone();
    let started = Instant::now();
    let shown = AtomicBool::new(false);
    ProgressReporter::new(move |progress: ScanProgress| {
        if !shown.load(Ordering::Relaxed) && started.elapsed() >= DELAY {
            shown.store(true, Ordering::Relaxed);
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_length(progress.bytes_total.max(1));
        bar.set_position(progress.bytes_done.min(progress.bytes_total));
        bar.set_message(format!(
            "{}/{} files",
            progress.files_done, progress.files_total
        ));
    })
}
