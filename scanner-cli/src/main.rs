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
