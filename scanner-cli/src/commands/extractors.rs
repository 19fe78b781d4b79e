//! `airlock extractors`: the registry table, for people and scripts.

use scanner_core::extract::FORMATS;

use crate::cli::{ExtractorsArgs, ListFormat};
use crate::output::write_report;
use crate::Outcome;

pub fn run(args: &ExtractorsArgs) -> anyhow::Result<Outcome> {
    let bytes = match args.format {
        ListFormat::Table => {
            let rows: Vec<Vec<String>> = FORMATS
                .iter()
                .map(|format| vec![format.id.to_owned(), format.description.to_owned()])
                .collect();
            crate::emit::table::render(&["EXTRACTOR", "READS"], &rows).into_bytes()
        }
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = FORMATS
                .iter()
                .map(|format| serde_json::json!({ "id": format.id, "description": format.description }))
                .collect();
            let mut bytes = serde_json::to_vec_pretty(&list)?;
            bytes.push(b'\n');
            bytes
        }
    };
    write_report(None, &bytes)?;
    Ok(Outcome::Clean)
}
