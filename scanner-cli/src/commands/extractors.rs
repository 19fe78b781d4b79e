//! `airlock extractors`: the registry table, for people and scripts.

use scanner_core::extract::EXTRACTORS;

use super::Outcome;
use crate::cli::{ExtractorsArgs, ListFormat};
use crate::output::write_report;

pub fn run(args: &ExtractorsArgs) -> anyhow::Result<Outcome> {
    let bytes = match args.format {
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = EXTRACTORS
                .iter()
                .map(|extractor| {
                    vec![
                        extractor.id().to_owned(),
                        extractor.description().to_owned(),
                    ]
                })
                .collect();
            crate::emit::table::render(&["EXTRACTOR", "READS"], &rows).into_bytes()
        }
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = EXTRACTORS
                .iter()
                .map(|extractor| serde_json::json!({ "id": extractor.id(), "description": extractor.description() }))
                .collect();
            let mut bytes = serde_json::to_vec_pretty(&list)?;
            bytes.push(b'\n');
            bytes
        }
    };
    write_report(None, &bytes)?;
    Ok(Outcome::Clean)
}
