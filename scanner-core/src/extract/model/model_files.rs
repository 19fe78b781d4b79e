//! The other files of a model folder that a loader reads and no format row parses for facts:
//! tokenizer files (`tokenizer.json`, `vocab.*`, `merges.txt`, SentencePiece models, special
//! and added tokens) and preprocessor configs. Each one changes what the model computes as
//! surely as its weights do, so each becomes a `file` component of its model with its SHA-256
//! (streamed by the driver, never read whole), and intake can verify it like a weights file.
//! Configs, cards and chat templates are hashed by their own rows (`model/hf-config`,
//! `model/card`, `model/chat-template`). Only files beside model files count: a `vocab.txt`
//! elsewhere is not a model's.

use super::{evidence, ModelDirectory};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Sample, Syntax,
};
use crate::model::ModelCard;

const ID: ExtractorId = "model/file";

/// File names `transformers`, `tokenizers`, `sentencepiece` and `sentence-transformers` load
/// beside a model.
pub const MODEL_FILES: &[&str] = &[
    "tokenizer.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
    "preprocessor_config.json",
    "processor_config.json",
];

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Tokenizer and preprocessor files beside a model (tokenizer.json, vocab, merges, SentencePiece): SHA-256",
    FileMatch::Names(MODEL_FILES),
    &ModelFile,
)
.header_and_digest(1024)
.fuzzed_as("model_file", &[Sample::new("m/tokenizer.json", Syntax::Binary)]);

/// `model/file`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelFile;

impl Parse for ModelFile {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let mut extraction = Extraction::default();
        let Some(model) = ModelDirectory::of(input.path) else {
            return Ok(extraction);
        };
        if !model.holds_model_files(input.files) {
            return Ok(extraction);
        }
        let Some(file) = hashed_file(ID, input) else {
            return Ok(extraction);
        };
        extraction
            .components
            .push(model.component(evidence(ID, input.path, None), ModelCard::default()));
        extraction.roots.push(model.key.clone());
        super::link_file(&model, file, input.path, &mut extraction);
        Ok(extraction)
    }
}

/// A `file` component for `input.path` with the digest the driver streamed.
pub fn hashed_file(id: &'static str, input: &Input<'_>) -> Option<crate::component::Component> {
    use crate::component::{Component, ComponentKey, ComponentKind, Source};
    use crate::ecosystem::Ecosystem;
    let file_name = input.path.rsplit('/').next().unwrap_or(input.path);
    let name = super::package_name(Ecosystem::GenericFile, file_name)?;
    let key = ComponentKey::new(
        Ecosystem::GenericFile,
        name,
        None,
        Source::File {
            path: input.path.to_owned(),
        },
    );
    let mut file =
        Component::new(key, ComponentKind::File).with_evidence(evidence(id, input.path, None));
    if let Ok(digest) = input.files.digest(input.path) {
        file.hashes.extend(digest.hashes());
    }
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;

    #[test]
    fn tokenizer_files_beside_weights_are_hashed_and_elsewhere_ignored() {
        let files = MemoryFiles::new()
            .with("m/model.safetensors", b"\x02\0\0\0\0\0\0\0{}".to_vec())
            .with("m/tokenizer.json", b"{}".to_vec())
            .with("docs/vocab.txt", b"a\nb\n".to_vec());
        let input = Input::new("m/tokenizer.json", b"{}").with_files(&files);
        let extraction = ModelFile.parse(&input).unwrap();
        let file = extraction
            .components
            .iter()
            .find(|component| component.kind == crate::component::ComponentKind::File)
            .unwrap();
        assert_eq!(file.hashes.len(), 1);
        assert_eq!(extraction.references.len(), 1);
        let elsewhere = Input::new("docs/vocab.txt", b"a\nb\n").with_files(&files);
        assert!(ModelFile.parse(&elsewhere).unwrap().components.is_empty());
    }
}
