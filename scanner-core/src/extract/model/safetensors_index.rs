//! Sharded checkpoints: `model.safetensors.index.json` (and the same format for
//! `pytorch_model.bin.index.json`), written by `transformers`' `save_pretrained`:
//! `{"metadata": {"total_size": N}, "weight_map": {tensor: shard file}}`. Every shard the map
//! names must sit beside the index; a missing one means the model cannot load (or loads
//! something else), so it is recorded on the model for the `missing-shard` rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::{evidence, ModelDirectory};
use crate::extract::{
    join_path, parent_directory, ExtractError, Extraction, ExtractorId, FileMatch, Format, Input,
    Parse, Sample, Syntax,
};
use crate::location::Location;
use crate::model::{MissingShard, ModelCard};
use crate::text::LineIndex;

/// At most this many distinct shards are checked.
const MAX_SHARDS: usize = 10_000;

#[derive(Deserialize)]
struct WireIndex {
    #[serde(default)]
    metadata: BTreeMap<String, serde_json::Value>,
    weight_map: BTreeMap<String, String>,
}

/// `model/safetensors-index`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SafetensorsIndexExtractor;

const ID: ExtractorId = "model/safetensors-index";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Sharded checkpoint indexes (*.safetensors.index.json, *.bin.index.json): every shard present",
    FileMatch::Custom(accepts),
    &SafetensorsIndexExtractor,
)
.fuzzed_as(
    "safetensors_index",
    &[Sample::new("model.safetensors.index.json", Syntax::Json)],
);

impl Parse for SafetensorsIndexExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let text =
            crate::text::utf8(input.bytes).map_err(|(line, offset)| ExtractError::InvalidUtf8 {
                location: input.location(Some(line)),
                offset,
            })?;
        let index: WireIndex = serde_json::from_str(text).map_err(|error| ExtractError::Parse {
            location: input.location(u32::try_from(error.line()).ok()),
            message: format!("not a checkpoint index: {error}"),
        })?;
        let mut extraction = Extraction::default();
        let Some(model) = ModelDirectory::of(input.path) else {
            return Ok(extraction);
        };
        let lines = LineIndex::new(text);
        let shards: BTreeSet<&String> = index.weight_map.values().collect();
        let mut card = ModelCard::default();
        for shard in shards.into_iter().take(MAX_SHARDS) {
            let line = text
                .find(&format!("\"{shard}\""))
                .map(|offset| lines.line(offset));
            let location = Location {
                path: input.path.to_owned(),
                line,
                column: None,
            };
            let path = join_path(parent_directory(input.path), shard);
            let escapes = shard.contains("..") || shard.starts_with('/');
            let present = !escapes && input.files.facts(&path).is_ok();
            if !present {
                card.missing_shards.push(MissingShard {
                    shard: shard.clone(),
                    location,
                });
            }
        }
        let mut component = model.component(evidence(ID, input.path, None), card);
        component.facts.checkpoint_total_size =
            index.metadata.get("total_size").map(ToString::to_string);
        extraction.roots.push(model.key.clone());
        extraction.components.push(component);
        Ok(extraction)
    }
}

fn accepts(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| {
            name.ends_with(".safetensors.index.json") || name.ends_with(".bin.index.json")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;

    #[test]
    fn missing_shards_are_named_with_their_line() {
        let index = "{\n  \"metadata\": {\"total_size\": 16},\n  \"weight_map\": {\n    \"a\": \"model-00001-of-00002.safetensors\",\n    \"b\": \"model-00002-of-00002.safetensors\"\n  }\n}\n";
        let files = MemoryFiles::new()
            .with("m/model.safetensors.index.json", index)
            .with("m/model-00001-of-00002.safetensors", "x");
        let input =
            Input::new("m/model.safetensors.index.json", index.as_bytes()).with_files(&files);
        let extraction = SafetensorsIndexExtractor.parse(&input).unwrap();
        let card = extraction.components[0].facts.model_card.as_ref().unwrap();
        assert_eq!(card.missing_shards.len(), 1);
        assert_eq!(
            card.missing_shards[0].shard,
            "model-00002-of-00002.safetensors"
        );
        assert_eq!(
            card.missing_shards[0].location.to_string(),
            "m/model.safetensors.index.json:5"
        );
        assert!(SafetensorsIndexExtractor
            .parse(&Input::new("x.safetensors.index.json", b"[]"))
            .is_err());
    }
}
