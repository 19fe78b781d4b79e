//! The binary's layers, checked: `cli` (arguments) and `settings` (configuration) feed the
//! `commands`, which run `enrich` (other programs), hand reports to `emit` (formats) and bytes
//! to `output` (files). A lower layer never names a higher one, and nothing names `main.rs`, so
//! each layer can be read, and tested, without the ones above it. Read from the source because
//! Rust has no rule for it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

/// The modules `main.rs` declares, and which of them each may name with `crate::`.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "commands",
        &["cli", "commands", "emit", "enrich", "output", "settings"],
    ),
    ("cli", &["cli", "emit"]),
    ("settings", &["settings"]),
    ("emit", &["emit"]),
    ("enrich", &["enrich"]),
    ("output", &["output"]),
];

fn sources(directory: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

/// Every `crate::NAME` in `text`.
fn crate_paths(text: &str) -> Vec<String> {
    text.match_indices("crate::")
        .filter(|(at, _)| {
            // Not the tail of another name or path (`my_crate::`, `x::crate::`).
            !text[..*at]
                .chars()
                .next_back()
                .is_some_and(|before| before.is_alphanumeric() || before == '_' || before == ':')
        })
        .map(|(at, _)| {
            text[at + "crate::".len()..]
                .chars()
                .take_while(|character| character.is_alphanumeric() || *character == '_')
                .collect()
        })
        .collect()
}

#[test]
fn no_layer_names_one_above_it_and_nothing_names_main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = Path::new(first).file_stem().unwrap().to_str().unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        if module == "main" || module == "layers" {
            continue;
        }
        let (_, allowed) = LAYERS
            .iter()
            .find(|(name, _)| *name == module)
            .unwrap_or_else(|| panic!("{} is in no layer: add it to LAYERS", relative.display()));
        for named in crate_paths(&text) {
            if !allowed.contains(&named.as_str()) {
                wrong.push(format!("{} names crate::{named}", relative.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_check_sees_crate_paths() {
    assert_eq!(
        crate_paths("use crate::cli::Format; x::crate::y; my_crate::z; crate::Outcome"),
        ["cli", "Outcome"]
    );
}
