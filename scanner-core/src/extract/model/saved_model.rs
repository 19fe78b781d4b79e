//! TensorFlow SavedModel graphs (`saved_model.pb`, message `SavedModel` of
//! `tensorflow/core/protobuf/saved_model.proto`): the op name of every node, in the graph and
//! in its function library, is checked against ops that run Python or reach the file system.
//! No protobuf crate or generated code: only the path to `NodeDef.op` is read, by field number
//! (`SavedModel.meta_graphs` = 2 → `MetaGraphDef.graph_def` = 2 → `GraphDef.node` = 1 and
//! `GraphDef.library` = 2 → `FunctionDefLibrary.function` = 1 → `FunctionDef.node_def` = 3;
//! `NodeDef.op` = 2), skipping everything else by its wire type.

use super::{evidence, ModelDirectory};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Sample, Syntax,
};
use crate::model::{CodeHazard, ModelCard, WeightsFile, WeightsFormat};

const ID: ExtractorId = "model/saved-model";

/// Ops that run Python (`tf.py_function`, `tf.numpy_function`) or read and write files.
/// (`SaveV2`/`RestoreV2` are in every SavedModel's checkpoint functions: not listed.)
const DANGEROUS_OPS: &[&str] = &[
    "PyFunc",
    "PyFuncStateless",
    "EagerPyFunc",
    "ReadFile",
    "WriteFile",
    "MatchingFiles",
    "ImmutableConst",
];

/// Nested messages deeper than this are not followed.
const MAX_DEPTH: usize = 8;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "TensorFlow SavedModel graphs (saved_model.pb): ops that run Python or touch files",
    FileMatch::Names(&["saved_model.pb"]),
    &SavedModel,
)
.fuzzed_as(
    "saved_model",
    &[Sample::new("m/saved_model.pb", Syntax::Binary)],
);

/// `model/saved-model`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SavedModel;

fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The fields of one message: (field number, length-delimited payload) pairs; `Err` when the
/// bytes are not a well-formed message.
fn fields(bytes: &[u8]) -> Result<Vec<(u64, &[u8])>, String> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let key = varint(bytes, &mut at).ok_or("a field key runs past the end")?;
        let (number, wire) = (key >> 3, key & 7);
        match wire {
            0 => {
                varint(bytes, &mut at).ok_or("a varint runs past the end")?;
            }
            1 => at += 8,
            5 => at += 4,
            2 => {
                let length = varint(bytes, &mut at).ok_or("a length runs past the end")?;
                let end = usize::try_from(length)
                    .ok()
                    .and_then(|length| at.checked_add(length))
                    .filter(|end| *end <= bytes.len())
                    .ok_or("a field runs past the end of its message (truncated)")?;
                found.push((number, bytes.get(at..end).unwrap_or_default()));
                at = end;
            }
            other => return Err(format!("wire type {other} is not used by SavedModel")),
        }
        if at > bytes.len() {
            return Err("a fixed-size field runs past the end".to_owned());
        }
    }
    Ok(found)
}

/// Collects `NodeDef.op` names under `bytes`, following `path` of field numbers per message
/// kind.
fn ops(bytes: &[u8], kind: Kind, depth: usize, out: &mut Vec<String>) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    for (number, payload) in fields(bytes)? {
        match (kind, number) {
            (Kind::SavedModel, 2) => ops(payload, Kind::MetaGraph, depth + 1, out)?,
            (Kind::MetaGraph, 2) => ops(payload, Kind::Graph, depth + 1, out)?,
            (Kind::Graph, 1) | (Kind::Function, 3) => ops(payload, Kind::Node, depth + 1, out)?,
            (Kind::Graph, 2) => ops(payload, Kind::Library, depth + 1, out)?,
            (Kind::Library, 1) => ops(payload, Kind::Function, depth + 1, out)?,
            (Kind::Node, 2) => out.push(String::from_utf8_lossy(payload).into_owned()),
            _ => {}
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    SavedModel,
    MetaGraph,
    Graph,
    Library,
    Function,
    Node,
}

impl Parse for SavedModel {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let mut extraction = Extraction::default();
        let Some(model) = ModelDirectory::of(input.path) else {
            return Ok(extraction);
        };
        let mut names = Vec::new();
        ops(input.bytes, Kind::SavedModel, 0, &mut names).map_err(|message| {
            ExtractError::Parse {
                location: input.location(None),
                message: format!("not a SavedModel protobuf: {message}"),
            }
        })?;
        let mut weights = WeightsFile::new(WeightsFormat::Unknown);
        weights.size = Some(input.bytes.len() as u64);
        names.sort();
        names.dedup();
        for name in &names {
            if DANGEROUS_OPS.contains(&name.as_str()) {
                weights.code_hazards.push(CodeHazard {
                    place: "graph".to_owned(),
                    what: format!("op `{name}` runs Python or reaches the file system"),
                });
            }
        }
        weights
            .metadata
            .insert("ops".to_owned(), names.len().to_string());
        let Some(mut file) = super::file_component(ID, input) else {
            return Ok(extraction);
        };
        file.facts.weights = Some(Box::new(weights));
        extraction.roots.push(model.key.clone());
        extraction
            .components
            .push(model.component(evidence(ID, input.path, None), ModelCard::default()));
        super::link_file(&model, file, input.path, &mut extraction);
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_names_are_read_and_broken_messages_refused() {
        let fixtures = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/models-generated"
        );
        let bytes = std::fs::read(format!("{fixtures}/savedmodel-pyfunc/saved_model.pb")).unwrap();
        let mut names = Vec::new();
        ops(&bytes, Kind::SavedModel, 0, &mut names).unwrap();
        assert_eq!(names, ["Placeholder", "PyFunc", "ReadFile"]);
        let cut = bytes.get(..bytes.len() - 3).unwrap();
        assert!(ops(cut, Kind::SavedModel, 0, &mut Vec::new()).is_err());
    }
}
