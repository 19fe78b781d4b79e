//! `airlock completions SHELL` and `airlock man`: shell completion scripts (clap_complete) and
//! roff man pages (clap_mangen), both generated from the clap definitions in `cli.rs`, so they
//! always match the arguments the binary accepts.

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::output::write_report;
use crate::Outcome;

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<Outcome> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "airlock", &mut script);
    write_report(None, &script)?;
    Ok(Outcome::Clean)
}

pub fn man(args: &ManArgs) -> anyhow::Result<Outcome> {
    let command = Cli::command();
    match &args.output_dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .context("cannot render the man page")?;
            write_report(None, &page)?;
        }
        Some(directory) => {
            std::fs::create_dir_all(directory)
                .with_context(|| format!("cannot create {}", directory.display()))?;
            clap_mangen::generate_to(command, directory)
                .with_context(|| format!("cannot write man pages into {}", directory.display()))?;
        }
    }
    Ok(Outcome::Clean)
}
