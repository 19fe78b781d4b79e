//! Hugging Face model cards (hub docs "Model Cards", `huggingface_hub` `ModelCardData`): the YAML
//! front matter of a `README.md` (LF or CRLF, optional BOM) between `---` lines. Read: license
//! (with `license_name` / `license_link` for `other`), `base_model` (a string or a list, with
//! `base_model_relation`), datasets, library, pipeline tag, languages, tags, `model-index`
//! results, gating (`gated`, `extra_gated_*`), and the quantizer's `model_creator` /
//! `quantized_by`; the Markdown body's sections on intended use, limitations and ethics.
//!
//! YAML is parsed by `serde-saphyr` with its budgets (depth, nodes, aliases) against hostile
//! input; a key given twice (seen in the wild for `base_model`) is kept twice and reported.
//! A `README.md` is a model card only with front matter *and* model files or a `config.json`
//! beside it; any other README produces nothing.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{evidence, is_hub_repository_id, link_base_models, package_name, ModelDirectory};
use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Reference, Sample,
    Syntax, Target,
};
use crate::location::Location;
use crate::model::{BaseModel, Considerations, EvaluationResult, Gating, ModelCard, ModelLicense};

/// The relations the hub knows for `base_model_relation`.
pub const RELATIONS: &[&str] = &["adapter", "finetune", "merge", "quantized"];

/// Caps on what is kept from one card.
const MAX_LIST: usize = 256;
const MAX_RESULTS: usize = 2_000;
const MAX_SECTION_CHARACTERS: usize = 1_500;
const MAX_SECTIONS: usize = 4;
const MAX_TEXT: usize = 512;

/// The front matter as written: every top-level entry in order, duplicates kept, with the line
/// of its key (1-based, within the YAML text).
struct FrontMatter(Vec<(String, usize, serde_json::Value)>);

impl<'de> Deserialize<'de> for FrontMatter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = FrontMatter;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a mapping of card fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FrontMatter, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let value = map.next_value::<serde_json::Value>()?;
                    let line = usize::try_from(key.referenced.line()).unwrap_or(0);
                    entries.push((key.value, line, value));
                }
                Ok(FrontMatter(entries))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<FrontMatter, E> {
                Ok(FrontMatter(Vec::new()))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// The front matter's YAML text and the 1-based line of the file where it starts.
pub fn front_matter(text: &str) -> Option<(&str, u32)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let start = first.len();
    let mut offset = start;
    for line in lines {
        let bare = line.trim_end();
        if bare == "---" || bare == "..." {
            return Some((text.get(start..offset)?, 2));
        }
        offset += line.len();
    }
    None
}

/// Why a card could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardError {
    /// 1-based line in the file, when known.
    pub line: Option<u32>,
    /// What is wrong (never a quote of the file).
    pub message: String,
}

/// A card read from a README, with the problems of single fields.
#[derive(Debug, Clone, Default)]
pub struct ParsedCard {
    /// What the card says.
    pub card: ModelCard,
    /// (line, message) for fields that were ignored or given twice.
    pub warnings: Vec<(Option<u32>, String)>,
    /// `base_model_relation` as written, if any.
    pub declared_relation: Option<String>,
}

fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    options.with_snippet = false;
    options
}

/// Strings of a value that is a string or a list of strings (other items are skipped).
fn strings(value: &serde_json::Value) -> Vec<String> {
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => Some(text.trim().chars().take(MAX_TEXT).collect()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    };
    match value {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(text)
            .filter(|item: &String| !item.is_empty())
            .take(MAX_LIST)
            .collect(),
        other => text(other)
            .into_iter()
            .filter(|item| !item.is_empty())
            .collect(),
    }
}

fn one_string(value: &serde_json::Value) -> Option<String> {
    strings(value).into_iter().next()
}

fn text_of(value: Option<&serde_json::Value>) -> Option<String> {
    value.and_then(one_string)
}

/// Parses the card in `text` (a whole README.md) for `path`.
pub fn parse(path: &str, text: &str) -> Result<Option<ParsedCard>, CardError> {
    let Some((yaml, first_line)) = front_matter(text) else {
        return Ok(None);
    };
    let line_in_file = |line: usize| {
        u32::try_from(line)
            .ok()
            .filter(|line| *line > 0)
            .map(|line| line + first_line - 1)
    };
    let entries: FrontMatter =
        serde_saphyr::from_str_with_options(yaml, yaml_options()).map_err(|error| CardError {
            line: error
                .location()
                .and_then(|location| line_in_file(usize::try_from(location.line()).unwrap_or(0))),
            message: format!(
                "the card's YAML front matter is invalid: {}",
                first_line_of(&error)
            ),
        })?;
    let mut parsed = ParsedCard::default();
    let card = &mut parsed.card;
    card.card = Some(Location::file(path));
    let location = |line: usize| Location {
        path: path.to_owned(),
        line: line_in_file(line),
        column: None,
    };
    let mut license: Option<(String, usize)> = None;
    let mut license_name = None;
    let mut license_link = None;
    let mut base_models: Vec<(String, usize)> = Vec::new();
    let mut base_model_seen: Option<usize> = None;
    let mut gating_keys = Vec::new();
    let mut gating_line = None;
    for (key, line, value) in &entries.0 {
        match key.as_str() {
            "license" => license = one_string(value).map(|id| (id, *line)),
            "license_name" => license_name = one_string(value),
            "license_link" => license_link = one_string(value),
            "base_model" => {
                if let Some(first) = base_model_seen {
                    parsed.warnings.push((
                        line_in_file(*line),
                        format!(
                            "`base_model` is given twice (first on line {}); both are kept",
                            line_in_file(first).unwrap_or(0)
                        ),
                    ));
                }
                base_model_seen = Some(*line);
                for base in strings(value) {
                    if is_hub_repository_id(&base) {
                        base_models.push((base, *line));
                    } else {
                        parsed.warnings.push((
                            line_in_file(*line),
                            format!("base model `{base}` is not a hub repository id; not linked"),
                        ));
                    }
                }
            }
            "base_model_relation" => {
                if let Some(relation) = one_string(value) {
                    if RELATIONS.contains(&relation.as_str()) {
                        parsed.declared_relation = Some(relation);
                    } else {
                        parsed.warnings.push((
                            line_in_file(*line),
                            format!(
                                "unknown base_model_relation `{relation}` (the hub knows {}); \
                                 the relation is inferred instead",
                                RELATIONS.join(", ")
                            ),
                        ));
                    }
                }
            }
            "datasets" => card.datasets.extend(strings(value)),
            "library_name" => card.library_name = one_string(value),
            "pipeline_tag" => card.task = one_string(value),
            "language" => card.languages.extend(strings(value)),
            "tags" => card.tags.extend(strings(value)),
            "model_type" => card.architecture_family = one_string(value),
            "model_name" => card.model_name = one_string(value),
            "model_creator" => card.model_creator = one_string(value),
            "quantized_by" => card.quantized_by = one_string(value),
            "model-index" => card.results.extend(model_index(value)),
            "gated" => {
                let gated = match value {
                    serde_json::Value::Bool(flag) => *flag,
                    serde_json::Value::String(mode) => mode != "false",
                    _ => false,
                };
                if gated {
                    gating_keys.push(key.clone());
                    gating_line.get_or_insert(*line);
                }
            }
            other if other.starts_with("extra_gated_") => {
                gating_keys.push(other.to_owned());
                gating_line.get_or_insert(*line);
            }
            _ => {}
        }
    }
    card.license = license.map(|(id, line)| ModelLicense {
        id,
        name: license_name,
        link: license_link,
        location: location(line),
    });
    if let Some(line) = gating_line {
        gating_keys.sort();
        gating_keys.dedup();
        card.gated = Some(Gating {
            keys: gating_keys,
            location: location(line),
        });
    }
    for list in [&mut card.datasets, &mut card.languages, &mut card.tags] {
        list.sort();
        list.dedup();
    }
    card.results.sort();
    card.results.dedup();
    card.considerations = considerations(text);
    let mut seen = std::collections::BTreeSet::new();
    card.base_models = base_models
        .into_iter()
        .filter(|(name, _)| seen.insert(name.to_lowercase()))
        .map(|(name, line)| BaseModel {
            name,
            relation: String::new(),
            relation_declared: false,
            location: location(line),
        })
        .collect();
    Ok(Some(parsed))
}

/// The error's first line, without the YAML-relative position (the diagnostic carries the
/// line in the file instead).
fn first_line_of(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let first = text.lines().next().unwrap_or_default();
    let message = first.split(" at line ").next().unwrap_or(first);
    message.chars().take(300).collect()
}

/// `model-index: [{name, results: [{task: {type}, dataset: {type, name, config, split},
/// metrics: [{type, name, value}]}]}]`, one entry per metric.
fn model_index(value: &serde_json::Value) -> Vec<EvaluationResult> {
    let mut results = Vec::new();
    let field = |value: &serde_json::Value, key: &str| text_of(value.get(key));
    for model in value.as_array().into_iter().flatten() {
        for result in model
            .get("results")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            let task = result.get("task").cloned().unwrap_or_default();
            let dataset = result.get("dataset").cloned().unwrap_or_default();
            for metric in result
                .get("metrics")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
            {
                if results.len() >= MAX_RESULTS {
                    return results;
                }
                let Some(value) = text_of(metric.get("value")) else {
                    continue;
                };
                results.push(EvaluationResult {
                    task_type: field(&task, "type"),
                    dataset: field(&dataset, "type"),
                    dataset_name: field(&dataset, "name"),
                    dataset_config: field(&dataset, "config"),
                    dataset_split: field(&dataset, "split"),
                    metric_type: field(metric, "type").unwrap_or_else(|| "unknown".to_owned()),
                    metric_name: field(metric, "name"),
                    value,
                });
            }
        }
    }
    results
}

/// Which consideration a heading opens, if any.
fn section_kind(heading: &str) -> Option<usize> {
    let heading = heading.to_lowercase();
    if heading.contains("limitation") || heading.contains("bias") || heading.contains("risk") {
        Some(1)
    } else if heading.contains("ethic")
        || heading.contains("responsib")
        || heading.contains("safety")
    {
        Some(2)
    } else if heading.contains("intended use")
        || heading.contains("use case")
        || heading.contains("direct use")
        || heading.contains("out-of-scope")
        || heading == "uses"
    {
        Some(0)
    } else {
        None
    }
}

/// The body's sections on intended use (0), limitations (1) and ethics (2), outside code fences.
fn considerations(text: &str) -> Considerations {
    let body = front_matter(text)
        .and_then(|(yaml, _)| {
            let start = text.find(yaml)? + yaml.len();
            let rest = text.get(start..)?;
            Some(rest.split_once('\n').map_or("", |(_, after)| after))
        })
        .unwrap_or(text);
    let mut sections: [Vec<String>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut current: Option<(usize, usize, String)> = None;
    let mut fenced = false;
    let close = |current: &mut Option<(usize, usize, String)>, sections: &mut [Vec<String>; 3]| {
        if let Some((kind, _, text)) = current.take() {
            let text: String = text.trim().chars().take(MAX_SECTION_CHARACTERS).collect();
            if let Some(list) = sections.get_mut(kind) {
                if !text.is_empty() && list.len() < MAX_SECTIONS {
                    list.push(text);
                }
            }
        }
    };
    for line in body.lines() {
        let trimmed = line.trim_end_matches('\r');
        if trimmed.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        let level = trimmed.chars().take_while(|c| *c == '#').count();
        if !fenced && (1..=6).contains(&level) && trimmed.chars().nth(level) == Some(' ') {
            let heading = trimmed.get(level..).unwrap_or_default().trim();
            if current.as_ref().is_some_and(|(_, open, _)| level <= *open) {
                close(&mut current, &mut sections);
            }
            if current.is_none() {
                if let Some(kind) = section_kind(heading) {
                    current = Some((kind, level, String::new()));
                    continue;
                }
            }
        }
        if let Some((_, _, text)) = current.as_mut() {
            if text.len() < MAX_SECTION_CHARACTERS * 4 {
                text.push_str(trimmed);
                text.push('\n');
            }
        }
    }
    close(&mut current, &mut sections);
    let [intended_uses, limitations, ethical] = sections;
    Considerations {
        intended_uses,
        limitations,
        ethical,
    }
}

/// The hub's inference when a card names base models without `base_model_relation`.
fn infer_relation(card: &ModelCard, model: &ModelDirectory, input: &Input<'_>) -> &'static str {
    let entries = input.files.list(&model.directory).unwrap_or_default();
    let has = |predicate: &dyn Fn(&str) -> bool| entries.iter().any(|entry| predicate(&entry.name));
    let tagged = |words: &[&str]| {
        card.tags
            .iter()
            .any(|tag| words.iter().any(|word| tag.eq_ignore_ascii_case(word)))
    };
    if card.library_name.as_deref() == Some("peft")
        || tagged(&["lora", "peft", "adapter"])
        || has(&|name| name == "adapter_config.json")
    {
        "adapter"
    } else if card.quantized_by.is_some()
        || tagged(&[
            "gguf",
            "gptq",
            "awq",
            "exl2",
            "quantized",
            "4-bit",
            "8-bit",
            "bnb",
        ])
        || has(&|name| name.to_ascii_lowercase().ends_with(".gguf"))
    {
        "quantized"
    } else if card.base_models.len() > 1 || tagged(&["merge", "mergekit"]) {
        "merge"
    } else {
        "finetune"
    }
}

/// `model/model-card`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelCardExtractor;

const ID: ExtractorId = "model/model-card";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Hugging Face model cards (README.md front matter beside a model): license, lineage, datasets",
    FileMatch::AnyCase {
        names: &["readme.md"],
        suffixes: &[],
    },
    &ModelCardExtractor,
)
.fuzzed_as("model_card", &[Sample::new("README.md", Syntax::Markdown)]);

impl Parse for ModelCardExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let mut extraction = Extraction::default();
        let Ok(text) = std::str::from_utf8(input.bytes) else {
            return Ok(extraction);
        };
        if front_matter(text).is_none() {
            return Ok(extraction);
        }
        let Some(model) = ModelDirectory::of(input.path) else {
            return Ok(extraction);
        };
        if !model.holds_model_files(input.files) {
            return Ok(extraction);
        }
        let parsed = match parse(input.path, text) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return Ok(extraction),
            Err(error) => {
                return Err(ExtractError::Parse {
                    location: input.location(error.line),
                    message: error.message,
                })
            }
        };
        for (line, message) in parsed.warnings {
            extraction.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                input.location(line),
                message,
            ));
        }
        let mut card = parsed.card;
        let relation = match parsed.declared_relation {
            Some(relation) => (relation, true),
            None => (infer_relation(&card, &model, input).to_owned(), false),
        };
        for base in &mut card.base_models {
            base.relation.clone_from(&relation.0);
            base.relation_declared = relation.1;
        }
        link_base_models(&model, &card.base_models, ID, &mut extraction);
        let card_evidence = evidence(ID, input.path, None);
        for dataset in &card.datasets {
            if !is_hub_repository_id(dataset) {
                continue;
            }
            let Some(name) = package_name(Ecosystem::HuggingFaceDataset, dataset) else {
                continue;
            };
            let key = ComponentKey::new(
                Ecosystem::HuggingFaceDataset,
                name,
                None,
                Source::DEFAULT_REGISTRY,
            );
            extraction.components.push(
                Component::new(key.clone(), ComponentKind::Data)
                    .with_evidence(card_evidence.clone()),
            );
            extraction.references.push(Reference {
                from: model.key.clone(),
                to: Target::Key(key),
                kind: EdgeKind::Normal,
                conditions: EdgeDetails::default(),
                location: Some(input.location(None)),
            });
        }
        let mut component = model.component(card_evidence, ModelCard::default());
        if let Some(license) = &card.license {
            let expression = match (&license.name, license.id.as_str()) {
                (Some(name), "other") => name.clone(),
                _ => license.id.clone(),
            };
            component.licenses.insert(expression);
        }
        if let Some(existing) = component.facts.model_card.as_mut() {
            existing.merge(card);
        }
        extraction.components.push(component);
        extraction.roots.push(model.key.clone());
        // The card is a file of the model: hashed, so intake can verify it like the weights.
        if let Some(file) = super::file_component(ID, input) {
            super::link_file(&model, file, input.path, &mut extraction);
        }
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;

    #[test]
    fn front_matter_with_crlf_and_bom() {
        let text = "\u{feff}---\r\nlicense: mit\r\n---\r\n# Title\r\n";
        let (yaml, line) = front_matter(text).unwrap();
        assert_eq!(yaml, "license: mit\r\n");
        assert_eq!(line, 2);
        assert!(front_matter("# no front matter\n").is_none());
        assert!(
            front_matter("---\nlicense: mit\n").is_none(),
            "never closed"
        );
    }

    #[test]
    fn fields_lines_and_duplicates() {
        let text = "---\nlicense: other\nlicense_name: llama3\nbase_model: a/b\ndatasets: [x/y, z]\nbase_model: c/d\nextra_gated_prompt: agree\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-generation}\n    dataset: {type: ai2_arc, name: ARC, split: test}\n    metrics:\n    - {type: acc, value: 61.5}\n---\n## Limitations\nEnglish only.\n```python\n# not a heading\n```\n## Other\n";
        let parsed = parse("m/README.md", text).unwrap().unwrap();
        let card = &parsed.card;
        let license = card.license.as_ref().unwrap();
        assert_eq!(
            (license.id.as_str(), license.name.as_deref()),
            ("other", Some("llama3"))
        );
        assert_eq!(license.location.to_string(), "m/README.md:2");
        let bases: Vec<(&str, String)> = card
            .base_models
            .iter()
            .map(|base| (base.name.as_str(), base.location.to_string()))
            .collect();
        assert_eq!(
            bases,
            [
                ("a/b", "m/README.md:4".to_owned()),
                ("c/d", "m/README.md:6".to_owned())
            ]
        );
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].0, Some(6));
        assert_eq!(card.datasets, ["x/y", "z"]);
        assert_eq!(card.results[0].value, "61.5");
        assert_eq!(card.results[0].dataset_name.as_deref(), Some("ARC"));
        assert_eq!(card.gated.as_ref().unwrap().keys, ["extra_gated_prompt"]);
        assert_eq!(
            card.considerations.limitations,
            ["English only.\n```python\n# not a heading\n```"]
        );
    }

    #[test]
    fn broken_yaml_names_its_line() {
        let error = parse("README.md", "---\nlicense: mit\ntags: [a, b\n---\n").unwrap_err();
        assert!(error.line.is_some_and(|line| line >= 3), "{error:?}");
        let bomb = format!(
            "---\n{}\n---\n",
            "a: ".to_owned() + &"[".repeat(200) + &"]".repeat(200)
        );
        assert!(parse("README.md", &bomb).is_err(), "nesting budget");
    }

    #[test]
    fn only_readmes_beside_model_files_are_cards() {
        let card = "---\nlicense: mit\nbase_model: org/base\n---\n";
        let alone = MemoryFiles::new().with("docs/README.md", card);
        let input = Input::new("docs/README.md", card.as_bytes()).with_files(&alone);
        assert!(ModelCardExtractor
            .parse(&input)
            .unwrap()
            .components
            .is_empty());
        let beside = MemoryFiles::new()
            .with("m/README.md", card)
            .with("m/model.gguf", "GGUF");
        let input = Input::new("m/README.md", card.as_bytes()).with_files(&beside);
        let extraction = ModelCardExtractor.parse(&input).unwrap();
        // The base model, and the card itself as a hashed file of the model.
        assert_eq!(extraction.references.len(), 2);
        assert_eq!(
            extraction.references[0].conditions.relation.as_deref(),
            Some("quantized")
        );
        let card_file = extraction
            .components
            .iter()
            .find(|component| component.kind == crate::component::ComponentKind::File)
            .unwrap();
        assert_eq!(card_file.hashes.len(), 1);
    }
}
