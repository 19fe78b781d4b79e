//! `airlock diff OLD NEW`.

use clap::Args;

use crate::Outcome;

#[derive(Debug, Args)]
pub struct DiffArgs {}

pub fn run(_args: &DiffArgs, _verbosity: super::Verbosity) -> anyhow::Result<Outcome> {
    Ok(Outcome::Clean)
}
