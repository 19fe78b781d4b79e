//! `airlock extractors`: the registry table, for people and scripts.

use scanner_core::extract::FORMATS;

use super::Outcome;
use crate::cli::{ExtractorsArgs, ListFormat};
use crate::output::write_report;

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
                .map(|format| {
                    serde_json::json!({
                        "id": format.id,
                        "description": format.description,
                        // The fuzz target and corpus directory, for `scripts/seed-fuzz-corpus.py`.
                        "fuzz_target": format.fuzz_target,
                    })
                })
                .collect();
            let mut bytes = serde_json::to_vec_pretty(&list)?;
            bytes.push(b'\n');
            bytes
        }
    };
    write_report(None, &bytes)?;
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    //! `docs/commands/extractors.md` lists the formats between two markers; the list is rendered
    //! from the format table here, so the page cannot fall behind it.
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::path::Path;

    use scanner_core::extract::FORMATS;

    const START: &str = "<!-- formats:start (generated from the format table; AIRLOCK_BLESS=1 cargo test -p scanner-cli extractors rewrites it) -->\n";
    const END: &str = "<!-- formats:end -->\n";

    /// The table of formats as the page shows it.
    fn rendered() -> String {
        let mut block = String::from("| extractor | reads |\n| --- | --- |\n");
        for format in FORMATS {
            block.push_str(&format!(
                "| `{}` | {} |\n",
                format.id,
                markdown_text(format.description)
            ));
        }
        block
    }

    /// Prose in a table cell, with the characters Markdown would read as markup escaped
    /// (`*.py.lock`, `pylock.<name>.toml`).
    fn markdown_text(text: &str) -> String {
        let mut escaped = String::with_capacity(text.len());
        for character in text.chars() {
            match character {
                '|' | '*' | '\\' => {
                    escaped.push('\\');
                    escaped.push(character);
                }
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                other => escaped.push(other),
            }
        }
        escaped
    }

    #[test]
    fn the_docs_page_lists_every_format_of_the_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/commands/extractors.md");
        let page = std::fs::read_to_string(&path).unwrap();
        let (before, rest) = page
            .split_once(START)
            .expect("docs/commands/extractors.md has the start marker");
        let (committed, after) = rest
            .split_once(END)
            .expect("docs/commands/extractors.md has the end marker");
        let block = rendered();
        if committed == block {
            return;
        }
        if std::env::var_os("AIRLOCK_BLESS").is_some_and(|value| value == "1") {
            std::fs::write(&path, format!("{before}{START}{block}{END}{after}")).unwrap();
            return;
        }
        panic!(
            "docs/commands/extractors.md lists other formats than the table: rewrite it with \
             `AIRLOCK_BLESS=1 cargo test -p scanner-cli extractors`"
        );
    }
}
