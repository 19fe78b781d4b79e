//! Hugging Face configuration files (`transformers` `PretrainedConfig.to_json_file`,
//! `GenerationConfig`, `PreTrainedTokenizerBase.save_pretrained`, PEFT `adapter_config.json`):
//! architectures, `model_type`, dtype and `auto_map`. An `auto_map` entry names a class whose
//! Python code `transformers` imports and runs only with `trust_remote_code=True`, from this
//! repository or, with `org/repo--module.Class`, from another one.
//!
//! `config.json` is a common name outside machine learning, so a file without any of the keys
//! `transformers` and `diffusers` write is not a model config and produces nothing.

use serde::Deserialize;

use super::{evidence, is_hub_repository_id, link_base_models, ModelDirectory};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Sample, Syntax,
};
use crate::location::Location;
use crate::model::{BaseModel, ModelCard, RemoteCode};
use crate::text::LineIndex;

/// File names read by this extractor.
pub const CONFIG_FILES: &[&str] = &[
    "config.json",
    "generation_config.json",
    "tokenizer_config.json",
    "adapter_config.json",
];

/// At most this many `auto_map` entries are kept.
const MAX_AUTO_MAP: usize = 64;

#[derive(Deserialize, Default)]
struct WireConfig {
    architectures: Option<serde_json::Value>,
    model_type: Option<serde_json::Value>,
    torch_dtype: Option<serde_json::Value>,
    dtype: Option<serde_json::Value>,
    transformers_version: Option<serde_json::Value>,
    auto_map: Option<serde_json::Value>,
    #[serde(rename = "_diffusers_version")]
    diffusers_version: Option<serde_json::Value>,
    #[serde(rename = "_class_name")]
    class_name: Option<serde_json::Value>,
    /// PEFT adapters.
    base_model_name_or_path: Option<serde_json::Value>,
    peft_type: Option<serde_json::Value>,
    /// Tokenizer configs: a Jinja template, or a list of `{name, template}`.
    chat_template: Option<serde_json::Value>,
}

impl WireConfig {
    fn describes_a_model(&self) -> bool {
        self.architectures.is_some()
            || self.model_type.is_some()
            || self.auto_map.is_some()
            || self.transformers_version.is_some()
            || self.diffusers_version.is_some()
            || self.peft_type.is_some()
    }
}

/// True when `bytes` are a JSON config written by `transformers`, `diffusers` or PEFT.
pub fn describes_a_model(bytes: &[u8]) -> bool {
    serde_json::from_slice::<WireConfig>(bytes).is_ok_and(|config| config.describes_a_model())
}

fn string(value: Option<&serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        _ => None,
    }
}

/// The templates of a `chat_template` value: one string, or `[{"name", "template"}]`.
fn chat_templates(value: &serde_json::Value, line: Option<u32>) -> Vec<crate::model::ChatTemplate> {
    use super::chat_template::inspect;
    match value {
        serde_json::Value::String(source) => vec![inspect(source, "chat_template", line)],
        serde_json::Value::Array(items) => items
            .iter()
            .take(32)
            .filter_map(|item| {
                let source = item.get("template")?.as_str()?;
                let name = item
                    .get("name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("?");
                Some(inspect(source, &format!("chat_template[\"{name}\"]"), line))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `org/repo--module.Class` or `module.Class`: (repository, module file).
pub fn parse_auto_map_reference(reference: &str) -> (Option<String>, String) {
    let (repository, local) = match reference.split_once("--") {
        Some((repository, local)) => (Some(repository.to_owned()), local),
        None => (None, reference),
    };
    let module = local.rsplit_once('.').map_or(local, |(module, _)| module);
    (repository, format!("{}.py", module.replace('.', "/")))
}

/// `model/hf-config`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HfConfigExtractor;

const ID: ExtractorId = "model/hf-config";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Hugging Face configs (config.json, generation/tokenizer/adapter configs): architecture, auto_map",
    FileMatch::Names(CONFIG_FILES),
    &HfConfigExtractor,
)
.fuzzed_as("hf_config", &[Sample::new("config.json", Syntax::Json)]);

impl Parse for HfConfigExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let mut extraction = Extraction::default();
        let Some(model) = ModelDirectory::of(input.path) else {
            return Ok(extraction);
        };
        let file_name = input.path.rsplit('/').next().unwrap_or(input.path);
        // Whether this file is beside a model; a config.json vouches for itself.
        let beside_model_files = if file_name == "config.json" {
            model.is_cache_snapshot() || {
                let entries = input.files.list(&model.directory).unwrap_or_default();
                entries
                    .iter()
                    .any(|entry| entry.is_file && super::weights::is_weights_file_name(&entry.name))
            }
        } else {
            model.holds_model_files(input.files)
        };
        let Ok(text) = std::str::from_utf8(input.bytes) else {
            return if beside_model_files {
                Err(ExtractError::InvalidUtf8 {
                    location: input.location(None),
                    offset: crate::text::utf8(input.bytes)
                        .err()
                        .map_or(0, |(_, offset)| offset),
                })
            } else {
                Ok(extraction)
            };
        };
        let config: WireConfig = match serde_json::from_str(text) {
            Ok(config) => config,
            // Not JSON, or not an object: a model config only matters beside a model.
            Err(error) if beside_model_files => {
                return Err(ExtractError::Parse {
                    location: input.location(u32::try_from(error.line()).ok()),
                    message: format!("not a JSON object: {error}"),
                })
            }
            Err(_) => return Ok(extraction),
        };
        let own_evidence = file_name == "config.json" && config.describes_a_model()
            || file_name == "adapter_config.json" && config.peft_type.is_some();
        if !own_evidence && !beside_model_files {
            return Ok(extraction);
        }
        let lines = LineIndex::new(text);
        let line_of = |needle: &str, from: usize| {
            text.get(from..)
                .and_then(|rest| rest.find(needle))
                .map(|offset| lines.line(from + offset))
        };
        let location = |line: Option<u32>| Location {
            path: input.path.to_owned(),
            line,
            column: None,
        };

        let mut card = ModelCard::default();
        if file_name == "config.json" {
            card.architecture_family = string(config.model_type.as_ref());
            if let Some(serde_json::Value::Array(items)) = &config.architectures {
                card.architectures = items
                    .iter()
                    .filter_map(|item| string(Some(item)))
                    .take(16)
                    .collect();
            }
            if card.architectures.is_empty() {
                if let Some(class) = string(config.class_name.as_ref()) {
                    card.architectures.push(class);
                }
            }
            card.dtype =
                string(config.torch_dtype.as_ref()).or_else(|| string(config.dtype.as_ref()));
            card.transformers_version = string(config.transformers_version.as_ref());
        }
        let auto_map_offset = text.find("\"auto_map\"").unwrap_or(0);
        if let Some(auto_map) = &config.auto_map {
            let serde_json::Value::Object(entries) = auto_map else {
                extraction.diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    location(line_of("\"auto_map\"", 0)),
                    "`auto_map` is not an object; ignored",
                ));
                return Ok(extraction);
            };
            for (auto_class, value) in entries.iter().take(MAX_AUTO_MAP) {
                let references: Vec<String> = match value {
                    serde_json::Value::String(text) => vec![text.clone()],
                    serde_json::Value::Array(items) => {
                        items.iter().filter_map(|item| string(Some(item))).collect()
                    }
                    _ => Vec::new(),
                };
                let line = line_of(&format!("\"{auto_class}\""), auto_map_offset);
                for reference in references {
                    let (repository, module_file) = parse_auto_map_reference(&reference);
                    let module_present = repository
                        .is_none()
                        .then(|| input.files.facts(&model.file(&module_file)).is_ok());
                    card.remote_code.push(RemoteCode {
                        auto_class: auto_class.clone(),
                        reference,
                        repository,
                        module_file,
                        module_present,
                        location: location(line),
                    });
                }
            }
        }
        if file_name == "adapter_config.json" {
            if let Some(base) = string(config.base_model_name_or_path.as_ref()) {
                let line = line_of("\"base_model_name_or_path\"", 0);
                if is_hub_repository_id(&base) {
                    card.base_models.push(BaseModel {
                        name: base,
                        relation: "adapter".to_owned(),
                        relation_declared: false,
                        location: location(line),
                    });
                } else {
                    extraction.diagnostics.push(Diagnostic::note(
                        DiagnosticCode::InvalidEntry,
                        location(line),
                        format!("the adapter's base model `{base}` is not a hub repository id; not linked"),
                    ));
                }
            }
        }
        // Every config is a hashed file of the model (an edited `auto_map` is enough to make
        // a loader run remote code), carrying the chat templates a tokenizer config holds.
        if let Some(mut file) = super::file_component(ID, input) {
            if let Some(value) = &config.chat_template {
                file.facts.chat_templates = chat_templates(value, line_of("\"chat_template\"", 0));
            }
            super::link_file(&model, file, input.path, &mut extraction);
        }
        link_base_models(&model, &card.base_models, ID, &mut extraction);
        extraction
            .components
            .push(model.component(evidence(ID, input.path, None), card));
        extraction.roots.push(model.key.clone());
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;

    #[test]
    fn remote_code_in_another_repository() {
        let config = "{\n  \"architectures\": [\"NewModel\"],\n  \"auto_map\": {\n    \"AutoConfig\": \"Alibaba-NLP/new-impl--configuration.NewConfig\",\n    \"AutoModel\": \"modeling.NewModel\"\n  },\n  \"model_type\": \"new\"\n}\n";
        let files = MemoryFiles::new().with("m/config.json", config);
        let input = Input::new("m/config.json", config.as_bytes()).with_files(&files);
        let extraction = HfConfigExtractor.parse(&input).unwrap();
        let card = extraction
            .components
            .iter()
            .find_map(|component| component.facts.model_card.as_ref())
            .unwrap();
        let config_file = extraction
            .components
            .iter()
            .find(|component| component.kind == crate::component::ComponentKind::File)
            .unwrap();
        assert_eq!(config_file.hashes.len(), 1, "the config is a hashed file");
        assert_eq!(card.architecture_family.as_deref(), Some("new"));
        assert_eq!(card.remote_code.len(), 2);
        let other = &card.remote_code[0];
        assert_eq!(other.repository.as_deref(), Some("Alibaba-NLP/new-impl"));
        assert_eq!(other.module_file, "configuration.py");
        assert_eq!(other.location.to_string(), "m/config.json:4");
        assert_eq!(card.remote_code[1].module_present, Some(false));
    }

    #[test]
    fn configs_of_other_tools_are_ignored() {
        let files = MemoryFiles::new().with("web/config.json", "{\"port\": 8080}");
        let input = Input::new("web/config.json", b"{\"port\": 8080}").with_files(&files);
        let extraction = HfConfigExtractor.parse(&input).unwrap();
        assert!(extraction.components.is_empty());
        let broken = Input::new("web/config.json", b"{not json").with_files(&files);
        assert!(HfConfigExtractor
            .parse(&broken)
            .unwrap()
            .components
            .is_empty());
    }
}
