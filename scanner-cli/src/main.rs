//! The `airlock` binary: parses arguments, runs one command, renders diagnostics on stderr and
//! maps the outcome to an exit code (0 clean, 1 policy failure, 2 error).

mod cli;
mod commands;
mod emit;
mod enrich;
#[cfg(test)]
mod layers;
mod output;
mod settings;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use commands::Outcome;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    start_worker_pool(!commands::runs_a_fleet(&cli));
    let outcome = match commands::run(&cli) {
        Ok(outcome) => outcome,
        Err(error) => {
            if output::is_broken_pipe(&error) {
                // `airlock sbom . | head` is not an error.
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "error: {error:#}");
            Outcome::Error
        }
    };
    ExitCode::from(outcome.code())
}

/// Starts rayon's global pool, the main thread one of its threads unless a fleet is run, with
/// each worker's malloc heap made able to grow without a system call per page.
///
/// Why the main thread joins: a scan hands work to the pool and takes it back a dozen times
/// (the pieces of a lock, its packages, the components of the document...). On a pool thread a
/// hand-off starts at once, that thread taking the first part; from a thread outside the pool
/// it waits until a sleeping worker wakes, each time (up to a millisecond on the development
/// VM). Running the command on a spawned worker while the main thread waited (the previous
/// design) avoided most of that but still paid one wake-up at each end and one thread more:
/// about 0.7 ms of the 18 of `airlock sbom` on autogen's uv.lock (docs/PERFORMANCE.md). A fleet
/// run keeps the main thread out: it waits there for projects that run on threads of their own
/// and hand work to the pool, and a pool thread blocked in that wait would be one fewer to take
/// it. The pool is started after the arguments are parsed for that reason; the one thread it
/// spawns is up long before the scan first hands it work.
///
/// Why the heaps: glibc gives every thread its own arena, and grows a thread's heap with one
/// `mprotect` call per allocation that reaches past its end, a page or so at a time (the main
/// thread's heap grows by `brk`, 128 KiB at a time). Parsing autogen's 1 MB uv.lock on two
/// workers made 1,035 such calls, a tenth of the CPU time of `airlock sbom` on it. A heap never
/// takes back what it once made writable: when free space at its end is handed back to the
/// kernel (`madvise`, above the 128 KiB trim threshold), it can grow there again without
/// `mprotect`. So each spawned worker allocates 4 MiB in blocks just under the 128 KiB above
/// which glibc would map them on their own, then frees them: 34 calls each instead of hundreds,
/// and the memory is handed back at once (only the blocks' headers were touched). Nothing else
/// changes: the thresholds stay glibc's, so the peak resident memory does too. On another
/// allocator this costs 34 allocations per worker and nothing more.
fn start_worker_pool(main_thread_joins: bool) {
    const MAIN_THREAD_STACK: usize = 8 << 20;
    const BLOCK: usize = 120 << 10;
    const BLOCKS: usize = 34;
    let grow_heap = |_: usize| {
        let blocks: Vec<Vec<u8>> = (0..BLOCKS).map(|_| Vec::with_capacity(BLOCK)).collect();
        drop(std::hint::black_box(blocks));
    };
    let builder = rayon::ThreadPoolBuilder::new()
        .start_handler(grow_heap)
        // A spawned worker runs the same extractors as the main thread: the main thread's
        // 8 MiB, not the 2 MiB a spawned thread gets. Only what a thread touches is resident.
        .stack_size(MAIN_THREAD_STACK);
    let builder = if main_thread_joins {
        builder.use_current_thread()
    } else {
        builder
    };
    // An error means a pool exists already (never, from `main`): it is used as it is.
    let _ = builder.build_global();
}
