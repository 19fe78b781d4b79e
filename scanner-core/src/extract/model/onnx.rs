//! ONNX models (`onnx/onnx.proto`, message `ModelProto`): recognized by extension and hashed;
//! the top-level protobuf fields are walked (the graph is skipped by its length) to keep the IR
//! version, producer and operator-set imports. ONNX runs no Python on load, but custom operator
//! domains need native code of their own, so the domains are listed.

use std::io::{Read, SeekFrom};

use super::weights::{self, problem, Weights};
use crate::extract::{ExtractorId, FileMatch, Format, ReadSeek, Sample, Syntax};
use crate::model::{WeightsFile, WeightsFormat};

fn varint(reader: &mut dyn Read) -> Result<Option<u64>, String> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let mut byte = [0u8; 1];
        match reader.read(&mut byte) {
            Ok(0) if shift == 0 => return Ok(None),
            Ok(0) => return Err("the file ends inside a field (truncated)".to_owned()),
            Ok(_) => {}
            Err(error) => return Err(error.to_string()),
        }
        value |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err("a varint is longer than 10 bytes (corrupt)".to_owned())
}

/// Reads a short length-delimited field as text.
fn text(reader: &mut dyn Read, length: u64) -> Result<String, String> {
    let mut bytes = Vec::new();
    reader
        .take(length.min(1024))
        .read_to_end(&mut bytes)
        .map_err(|error| error.to_string())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `OperatorSetIdProto`: domain (1) and version (2).
fn operator_set(bytes: &[u8]) -> String {
    let mut reader = bytes;
    let mut domain = String::new();
    let mut version = 0;
    while let Ok(Some(key)) = varint(&mut reader) {
        match (key >> 3, key & 7) {
            (1, 2) => {
                let Ok(Some(length)) = varint(&mut reader) else {
                    break;
                };
                domain = text(&mut reader, length).unwrap_or_default();
            }
            (2, 0) => {
                let Ok(Some(value)) = varint(&mut reader) else {
                    break;
                };
                version = value;
            }
            _ => break,
        }
    }
    let domain = if domain.is_empty() {
        "ai.onnx".to_owned()
    } else {
        domain
    };
    format!("{domain}:{version}")
}

/// Walks the top-level fields of the model behind `reader`.
pub fn read(reader: &mut dyn ReadSeek, size: u64, weights: &mut WeightsFile) {
    let mut operator_sets = Vec::new();
    loop {
        let key = match varint(reader) {
            Ok(Some(key)) => key,
            Ok(None) => break,
            Err(message) => {
                problem(weights, message);
                break;
            }
        };
        let (field, wire) = (key >> 3, key & 7);
        let outcome: Result<(), String> = match wire {
            0 => varint(reader).and_then(|value| {
                let value = value.ok_or("truncated")?;
                match field {
                    1 => weights
                        .metadata
                        .insert("ir_version".to_owned(), value.to_string()),
                    5 => weights
                        .metadata
                        .insert("model_version".to_owned(), value.to_string()),
                    _ => None,
                };
                Ok(())
            }),
            2 => varint(reader).and_then(|length| {
                let length = length.ok_or("truncated")?;
                let position = reader
                    .stream_position()
                    .map_err(|error| error.to_string())?;
                if position.saturating_add(length) > size {
                    return Err(format!(
                        "field {field} claims {length} bytes past the end of the file (truncated)"
                    ));
                }
                match field {
                    2 => {
                        weights
                            .metadata
                            .insert("producer_name".to_owned(), text(reader, length)?);
                    }
                    3 => {
                        weights
                            .metadata
                            .insert("producer_version".to_owned(), text(reader, length)?);
                    }
                    4 => {
                        weights
                            .metadata
                            .insert("domain".to_owned(), text(reader, length)?);
                    }
                    8 if length <= 4096 && operator_sets.len() < 64 => {
                        let mut bytes = Vec::new();
                        reader
                            .take(length)
                            .read_to_end(&mut bytes)
                            .map_err(|error| error.to_string())?;
                        operator_sets.push(operator_set(&bytes));
                    }
                    _ => {}
                }
                reader
                    .seek(SeekFrom::Start(position + length))
                    .map(|_| ())
                    .map_err(|error| error.to_string())
            }),
            5 => reader
                .seek(SeekFrom::Current(4))
                .map(|_| ())
                .map_err(|error| error.to_string()),
            1 => reader
                .seek(SeekFrom::Current(8))
                .map(|_| ())
                .map_err(|error| error.to_string()),
            other => Err(format!(
                "wire type {other} is not valid in an ONNX model (corrupt)"
            )),
        };
        if let Err(message) = outcome {
            problem(weights, message);
            break;
        }
    }
    if !operator_sets.is_empty() {
        operator_sets.sort();
        weights
            .metadata
            .insert("opset_import".to_owned(), operator_sets.join(" "));
    }
    if !weights.metadata.contains_key("ir_version") && weights.problems.is_empty() {
        problem(weights, "no ir_version: not an ONNX model");
    }
}

const ID: ExtractorId = "model/onnx";

/// The row of [`crate::extract::FORMATS`]: read by the sniffing reader all weights share.
pub const FORMAT: Format = Format::new(
    ID,
    "ONNX models: IR version, producer, operator sets, SHA-256",
    FileMatch::Extensions(&["onnx"]),
    &Weights {
        id: ID,
        extension: WeightsFormat::Onnx,
    },
)
.header_and_digest(weights::SNIFF_BYTES)
.fuzzed_as("onnx", &[Sample::new("model.onnx", Syntax::Binary)]);

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_top_level_fields() {
        // ir_version 8, producer "pytorch", graph (skipped), opset ai.onnx 17.
        let mut bytes = vec![0x08, 8, 0x12, 7];
        bytes.extend(b"pytorch");
        bytes.extend([0x3a, 3, 1, 2, 3]);
        bytes.extend([0x42, 2, 0x10, 17]);
        let mut weights = WeightsFile::new(WeightsFormat::Onnx);
        read(&mut Cursor::new(&bytes), bytes.len() as u64, &mut weights);
        assert!(weights.problems.is_empty(), "{:?}", weights.problems);
        assert_eq!(
            weights.metadata.get("ir_version").map(String::as_str),
            Some("8")
        );
        assert_eq!(
            weights.metadata.get("opset_import").map(String::as_str),
            Some("ai.onnx:17")
        );
        let cut = bytes.get(..10).unwrap();
        let mut truncated = WeightsFile::new(WeightsFormat::Onnx);
        read(&mut Cursor::new(cut), cut.len() as u64, &mut truncated);
        assert!(
            truncated.problems[0].contains("truncated"),
            "{:?}",
            truncated.problems
        );
    }
}
