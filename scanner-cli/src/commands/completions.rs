//! `airlock completions SHELL` and `airlock man`: shell completion scripts (clap_complete) and
//! roff man pages (clap_mangen), both generated from the clap definitions in `cli.rs`, so they
//! always match the arguments the binary accepts.

use anyhow::Context;
use clap::CommandFactory;

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::output::write_report;

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
            // clap_mangen::generate_to would truncate whatever each name holds; every page goes
            // through the report writer instead (replaced atomically, links resolved).
            let mut command = command.disable_help_subcommand(true);
            command.build();
            write_pages(&command, directory)?;
        }
    }
    Ok(Outcome::Clean)
}

/// Writes the page of `command` and of each visible subcommand, as `clap_mangen::generate_to`
/// names them (airlock.1, airlock-scan.1, airlock-db-sync.1, ...).
fn write_pages(command: &clap::Command, directory: &std::path::Path) -> anyhow::Result<()> {
    for subcommand in command
        .get_subcommands()
        .filter(|found| !found.is_hide_set())
    {
        write_pages(subcommand, directory)?;
    }
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render(&mut page)
        .context("cannot render the man page")?;
    write_report(Some(&directory.join(man.get_filename())), &page)
}

#[cfg(test)]
mod tests {
    //! The documentation cannot fall behind the command line: every subcommand has a page under
    //! `docs/commands/`, and each page names every option of its command (and the nested
    //! subcommands, for `db`); `docs/README.md` names the global options.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::{Path, PathBuf};

    use clap::CommandFactory;

    use crate::cli::Cli;

    fn docs() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs")
    }

    /// Every `--long` option of `command` (and of its subcommands) is named on `page`.
    fn check(command: &clap::Command, page: &str, prefix: &str, missing: &mut Vec<String>) {
        for argument in command.get_arguments() {
            if argument.is_global_set() || argument.is_hide_set() {
                continue;
            }
            if let Some(long) = argument.get_long() {
                if !page.contains(&format!("--{long}")) {
                    missing.push(format!("{prefix}: --{long}"));
                }
            }
        }
        for subcommand in command.get_subcommands() {
            let name = format!("{prefix} {}", subcommand.get_name());
            if !page.contains(&name) {
                missing.push(name.clone());
            }
            check(subcommand, page, &name, missing);
        }
    }

    #[test]
    fn every_command_has_a_page_naming_each_of_its_options() {
        let command = Cli::command();
        let mut missing = Vec::new();
        for subcommand in command.get_subcommands() {
            let name = subcommand.get_name();
            let path = docs().join("commands").join(format!("{name}.md"));
            let Ok(page) = std::fs::read_to_string(&path) else {
                missing.push(format!("docs/commands/{name}.md (no page)"));
                continue;
            };
            check(subcommand, &page, &format!("airlock {name}"), &mut missing);
        }
        let index = std::fs::read_to_string(docs().join("README.md")).unwrap();
        for argument in command.get_arguments() {
            if let Some(long) = argument.get_long() {
                if !index.contains(&format!("--{long}")) {
                    missing.push(format!("docs/README.md: global --{long}"));
                }
            }
        }
        for subcommand in command.get_subcommands() {
            let link = format!("(commands/{}.md)", subcommand.get_name());
            if !index.contains(&link) {
                missing.push(format!("docs/README.md: link {link}"));
            }
        }
        assert!(
            missing.is_empty(),
            "the docs do not cover the command line:\n  {}",
            missing.join("\n  ")
        );
    }
}
