//! Machine-learning model artifacts: Hugging Face model cards and configs, weights files read by
//! header only (safetensors, GGUF, ONNX), pickle-based formats walked without unpickling
//! (PyTorch zip and legacy layouts, plain pickles, NumPy object arrays), git-lfs pointers and
//! the Hugging Face cache layout.
//!
//! Every extractor here reports facts keyed to the *model directory* (a Hugging Face cache
//! snapshot, or else the directory holding the file), so the card, the configs and every weights
//! file of one model merge into one `machine-learning-model` component by key, whichever file
//! the scan reads first. Weights files become `file` components with their SHA-256, linked from
//! the model; datasets become `data` components and base models are edges carrying the
//! relation.

pub mod archive;
pub mod chat_template;
pub mod gguf;
pub mod hdf5;
mod hdf5_root;
pub mod hf_cache;
pub mod hf_config;
pub mod lfs_pointer;
pub mod model_card;
pub mod model_code;
pub mod model_files;
pub mod numpy;
pub mod onnx;
pub mod pickle;
pub mod pytorch;
pub mod safetensors;
pub mod safetensors_index;
pub mod saved_model;
mod seven_zip;
pub mod sniff;
pub mod weights;
mod zip_archive;

use crate::component::{Component, ComponentKey, ComponentKind, Source};
use crate::ecosystem::Ecosystem;
use crate::extract::{parent_directory, FileReader, Input};
use crate::location::{Evidence, Location};
use crate::model::{HubRepository, ModelCard};
use crate::name::PackageName;

/// The model a file belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDirectory {
    /// Scan-relative directory of the model (the snapshot root in a cache).
    pub directory: String,
    /// The model component's key.
    pub key: ComponentKey,
    /// The hub repository and revision, in a cache snapshot.
    pub repository: Option<HubRepository>,
}

impl ModelDirectory {
    /// The model directory of the file at `path`: the cache snapshot holding it, or its own
    /// directory.
    pub fn of(path: &str) -> Option<ModelDirectory> {
        if let Some(location) = hf_cache::locate(path) {
            if let Ok(name) = PackageName::new(Ecosystem::HuggingFaceModel, &location.repository) {
                return Some(ModelDirectory {
                    directory: location.snapshot,
                    key: ComponentKey::new(
                        Ecosystem::HuggingFaceModel,
                        name,
                        Some(location.revision.to_ascii_lowercase()),
                        Source::DEFAULT_REGISTRY,
                    ),
                    repository: Some(HubRepository {
                        id: location.repository,
                        revision: location.revision,
                    }),
                });
            }
        }
        let directory = parent_directory(path).to_owned();
        let last = directory.rsplit('/').next().unwrap_or_default();
        let base = if last.is_empty() || last == "." || last == ".." {
            "model"
        } else {
            last
        };
        let name = package_name(Ecosystem::HuggingFaceModel, base)?;
        let source_path = if directory.is_empty() {
            ".".to_owned()
        } else {
            directory.clone()
        };
        Some(ModelDirectory {
            directory,
            key: ComponentKey::new(
                Ecosystem::HuggingFaceModel,
                name,
                None,
                Source::Path { path: source_path },
            ),
            repository: None,
        })
    }

    /// True inside a hub cache snapshot (every snapshot is a model repository).
    pub fn is_cache_snapshot(&self) -> bool {
        self.repository.is_some()
    }

    /// The model component, with the repository facts the path gives.
    pub fn component(&self, evidence: Evidence, card: ModelCard) -> Component {
        let mut component = Component::new(self.key.clone(), ComponentKind::MachineLearningModel)
            .with_evidence(evidence);
        let mut card = card;
        if card.repository.is_none() {
            card.repository = self.repository.clone();
        }
        component.facts.model_card = Some(Box::new(card));
        component
    }

    /// Scan-relative path of a file of this model.
    pub fn file(&self, name: &str) -> String {
        if self.directory.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.directory)
        }
    }

    /// True when the model's directory holds weights (or a sharded checkpoint's index), or a
    /// `config.json` that describes a model: then a README.md or a tokenizer config beside
    /// them belongs to a model.
    pub fn holds_model_files(&self, files: &dyn FileReader) -> bool {
        if self.is_cache_snapshot() {
            return true;
        }
        let Ok(entries) = files.list(&self.directory) else {
            return false;
        };
        let has_weights = entries.iter().any(|entry| {
            entry.is_file
                && (weights::is_weights_file_name(&entry.name)
                    || entry.name.ends_with(".safetensors.index.json")
                    || entry.name.ends_with(".bin.index.json"))
        });
        has_weights
            || entries
                .iter()
                .any(|entry| entry.is_file && entry.name == "config.json")
                && files
                    .read(&self.file("config.json"))
                    .is_ok_and(|bytes| hf_config::describes_a_model(&bytes))
    }
}

/// A package name from text found in a file, with white space and control characters replaced
/// (a directory called `my model` is still a model); `None` only for empty text.
pub fn package_name(ecosystem: Ecosystem, raw: &str) -> Option<PackageName> {
    let cleaned: String = crate::name::dashed(raw.trim())
        .take(crate::name::MAX_NAME_LENGTH / 4)
        .collect();
    PackageName::new(ecosystem, &cleaned).ok()
}

/// Adds base-model components and model → base edges carrying the relation.
pub fn link_base_models(
    model: &ModelDirectory,
    bases: &[crate::model::BaseModel],
    id: &'static str,
    extraction: &mut crate::extract::Extraction,
) {
    for base in bases {
        let Some(name) = package_name(Ecosystem::HuggingFaceModel, &base.name) else {
            continue;
        };
        let key = ComponentKey::new(
            Ecosystem::HuggingFaceModel,
            name,
            None,
            Source::DEFAULT_REGISTRY,
        );
        let mut evidence = evidence(id, &base.location.path, base.location.line);
        evidence.location = base.location.clone();
        extraction.components.push(
            Component::new(key.clone(), ComponentKind::MachineLearningModel)
                .with_evidence(evidence),
        );
        extraction.references.push(crate::extract::Reference {
            from: model.key.clone(),
            to: crate::extract::Target::Key(key),
            kind: crate::component::EdgeKind::Normal,
            conditions: crate::component::EdgeDetails {
                relation: Some(base.relation.clone()),
                ..crate::component::EdgeDetails::default()
            },
            location: Some(base.location.clone()),
        });
    }
}

/// A `file` component for the main file of `input`, read whole, with the digests of its
/// bytes (SHA-256, and SHA-512 when the scan asks for it).
pub fn file_component(id: &'static str, input: &Input<'_>) -> Option<Component> {
    let path = input.path;
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let name = package_name(Ecosystem::GenericFile, file_name)?;
    let key = ComponentKey::in_file(name, path);
    let mut file = Component::new(key, ComponentKind::File).with_evidence(evidence(id, path, None));
    file.hashes
        .extend(input.files.digest_of(input.bytes).hashes());
    Some(file)
}

/// Adds one file of a model and the model → file edge (the model component is the caller's).
pub fn link_file(
    model: &ModelDirectory,
    file: Component,
    path: &str,
    extraction: &mut crate::extract::Extraction,
) {
    extraction.references.push(crate::extract::Reference {
        from: model.key.clone(),
        to: crate::extract::Target::Key(file.key.clone()),
        kind: crate::component::EdgeKind::Normal,
        conditions: crate::component::EdgeDetails::default(),
        location: Some(Location::file(path)),
    });
    extraction.components.push(file);
}

/// Evidence pointing at `path` (and a line) for extractor `id`.
pub fn evidence(id: &'static str, path: &str, line: Option<u32>) -> Evidence {
    Evidence {
        location: Location {
            path: path.to_owned(),
            line,
            column: None,
        },
        extractor: id,
    }
}

/// A hub repository id (`org/name`, or a legacy bare `name`) as the hub accepts them.
pub fn is_hub_repository_id(text: &str) -> bool {
    let valid_part = |part: &str| {
        !part.is_empty()
            && part.len() <= 96
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !part.starts_with(['-', '.'])
            && !part.contains("--")
            && !part.contains("..")
    };
    match text.split_once('/') {
        Some((owner, name)) => valid_part(owner) && valid_part(name),
        None => valid_part(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_directories() {
        let plain = ModelDirectory::of("models/tiny/model.safetensors").unwrap();
        assert_eq!(plain.directory, "models/tiny");
        assert_eq!(plain.key.name.original(), "tiny");
        assert_eq!(
            plain.key.source,
            Source::Path {
                path: "models/tiny".to_owned()
            }
        );
        let top = ModelDirectory::of("model.safetensors").unwrap();
        assert_eq!(top.key.name.original(), "model");
        let cached =
            ModelDirectory::of("hub/models--Org--Name/snapshots/ABC123/unet/config.json").unwrap();
        assert_eq!(cached.key.name.original(), "Org/Name");
        assert_eq!(cached.key.version.as_deref(), Some("abc123"));
        assert_eq!(
            cached.key.purl().as_str(),
            "pkg:huggingface/Org/Name@abc123"
        );
        assert_eq!(
            package_name(Ecosystem::GenericFile, "my model.bin")
                .unwrap()
                .original(),
            "my-model.bin"
        );
    }

    #[test]
    fn hub_ids() {
        assert!(is_hub_repository_id("meta-llama/Llama-2-7b-hf"));
        assert!(is_hub_repository_id("gpt2"));
        assert!(!is_hub_repository_id("./local/path"));
        assert!(!is_hub_repository_id("https://example.com/x"));
        assert!(!is_hub_repository_id("a/b/c"));
    }
}
