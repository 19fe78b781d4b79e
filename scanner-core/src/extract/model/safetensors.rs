//! safetensors (huggingface/safetensors, `README.md` "Format"): an 8-byte little-endian header
//! length N, N bytes of JSON (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, …,
//! "__metadata__": {str: str}}`), then the data buffer. Only the header is read. Checked: the
//! header size cap (100 MB, as the reference implementation), known dtypes, byte ranges that
//! match dtype × shape, lie inside the file and cover the buffer without holes or overlaps.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;

use super::weights::{self, problem, Weights};
use crate::extract::{ExtractorId, FileMatch, Format, ReadSeek, Sample, Syntax};
use crate::model::{WeightsFile, WeightsFormat};

/// The reference implementation refuses larger headers.
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

/// At most this many `__metadata__` entries are kept, each value cut to this many characters.
const MAX_METADATA_ENTRIES: usize = 64;
const MAX_METADATA_VALUE: usize = 512;

/// True when `bytes` start with a plausible safetensors header.
pub fn looks_like_safetensors(bytes: &[u8]) -> bool {
    let Some(length) = bytes
        .get(..8)
        .and_then(|head| <[u8; 8]>::try_from(head).ok())
    else {
        return false;
    };
    let length = u64::from_le_bytes(length);
    (2..=MAX_HEADER_BYTES).contains(&length) && bytes.get(8) == Some(&b'{')
}

#[derive(Deserialize)]
struct WireTensor {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: (u64, u64),
}

/// Bytes per element; `None` for an unknown dtype. Sub-byte types are counted in bits.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        _ => return None,
    })
}

/// Reads the header of the file behind `reader` (`size` bytes long) into `weights`.
pub fn read(reader: &mut dyn ReadSeek, size: u64, weights: &mut WeightsFile) {
    let mut length = [0u8; 8];
    if reader.read_exact(&mut length).is_err() {
        problem(
            weights,
            "the file is shorter than the 8-byte header length (truncated)",
        );
        return;
    }
    let header_length = u64::from_le_bytes(length);
    if header_length > MAX_HEADER_BYTES {
        problem(
            weights,
            format!(
                "the header claims {header_length} bytes, over the {MAX_HEADER_BYTES}-byte cap"
            ),
        );
        return;
    }
    let data_start = 8 + header_length;
    if data_start > size {
        problem(
            weights,
            format!(
                "the header claims {header_length} bytes but the file has only {size} (truncated)"
            ),
        );
        return;
    }
    let mut header = Vec::new();
    if reader
        .take(header_length)
        .read_to_end(&mut header)
        .map_or(true, |read| read as u64 != header_length)
    {
        problem(weights, "the header cannot be read whole (truncated)");
        return;
    }
    let entries: BTreeMap<String, serde_json::Value> = match serde_json::from_slice(&header) {
        Ok(entries) => entries,
        Err(error) => {
            problem(weights, format!("the header is not a JSON object: {error}"));
            return;
        }
    };
    let data_length = size - data_start;
    let mut ranges: Vec<(u64, u64, String)> = Vec::new();
    let mut parameters: u64 = 0;
    let mut tensors: u64 = 0;
    for (name, value) in entries {
        if name == "__metadata__" {
            read_metadata(value, weights);
            continue;
        }
        let tensor: WireTensor = match serde_json::from_value(value) {
            Ok(tensor) => tensor,
            Err(error) => {
                problem(weights, format!("tensor `{name}`: {error}"));
                continue;
            }
        };
        tensors += 1;
        let elements = tensor
            .shape
            .iter()
            .try_fold(1u64, |product, dimension| product.checked_mul(*dimension));
        let Some(elements) = elements else {
            problem(weights, format!("tensor `{name}`: the shape overflows"));
            continue;
        };
        parameters = parameters.saturating_add(elements);
        *weights.dtypes.entry(tensor.dtype.clone()).or_insert(0) += elements;
        let (begin, end) = tensor.data_offsets;
        if begin > end {
            problem(
                weights,
                format!("tensor `{name}`: offsets [{begin}, {end}] are reversed"),
            );
            continue;
        }
        match dtype_bits(&tensor.dtype) {
            Some(bits) => {
                let expected = elements.checked_mul(bits).map(|total| total.div_ceil(8));
                if expected != Some(end - begin) {
                    problem(
                        weights,
                        format!(
                            "tensor `{name}`: {} bytes for {elements} {} elements",
                            end - begin,
                            tensor.dtype
                        ),
                    );
                }
            }
            None => problem(
                weights,
                format!("tensor `{name}`: unknown dtype `{}`", tensor.dtype),
            ),
        }
        if end > data_length {
            problem(
                weights,
                format!(
                    "tensor `{name}`: bytes [{begin}, {end}) lie past the end of the data \
                     ({data_length} bytes; truncated)"
                ),
            );
        }
        ranges.push((begin, end, name));
    }
    ranges.sort();
    let mut covered: u64 = 0;
    for (begin, end, name) in &ranges {
        if *begin > covered {
            problem(
                weights,
                format!("bytes [{covered}, {begin}) before tensor `{name}` belong to no tensor"),
            );
        } else if *begin < covered {
            problem(
                weights,
                format!("tensor `{name}` overlaps the tensor before it"),
            );
        }
        covered = covered.max(*end);
    }
    if covered < data_length {
        problem(
            weights,
            format!(
                "{} bytes after the last tensor belong to no tensor",
                data_length - covered
            ),
        );
    }
    weights.tensors = Some(tensors);
    weights.parameters = Some(parameters);
}

fn read_metadata(value: serde_json::Value, weights: &mut WeightsFile) {
    let serde_json::Value::Object(map) = value else {
        problem(weights, "`__metadata__` is not an object");
        return;
    };
    for (key, value) in map.into_iter().take(MAX_METADATA_ENTRIES) {
        let text = match value {
            serde_json::Value::String(text) => text,
            other => {
                problem(weights, format!("`__metadata__.{key}` is not a string"));
                other.to_string()
            }
        };
        weights
            .metadata
            .insert(key, text.chars().take(MAX_METADATA_VALUE).collect());
    }
}

const ID: ExtractorId = "model/safetensors";

/// The row of [`crate::extract::FORMATS`]: read by the sniffing reader all weights share.
pub const FORMAT: Format = Format::new(
    ID,
    "safetensors weights: header (dtypes, shapes, parameters, offsets), SHA-256",
    FileMatch::Extensions(&["safetensors"]),
    &Weights {
        id: ID,
        extension: WeightsFormat::Safetensors,
    },
)
.header_and_digest(weights::SNIFF_BYTES)
.fuzzed_as(
    "safetensors",
    &[Sample::new("model.safetensors", Syntax::Binary)],
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn file(header: &str, data: usize) -> Vec<u8> {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend(header.as_bytes());
        bytes.extend(std::iter::repeat_n(0u8, data));
        bytes
    }

    fn read_bytes(bytes: &[u8]) -> WeightsFile {
        let mut weights = WeightsFile::new(WeightsFormat::Safetensors);
        read(&mut Cursor::new(bytes), bytes.len() as u64, &mut weights);
        weights
    }

    #[test]
    fn a_good_header() {
        let bytes = file(
            r#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]},"__metadata__":{"format":"pt"}}"#,
            32,
        );
        assert!(looks_like_safetensors(&bytes));
        let weights = read_bytes(&bytes);
        assert!(weights.problems.is_empty(), "{:?}", weights.problems);
        assert_eq!(weights.tensors, Some(2));
        assert_eq!(weights.parameters, Some(10));
        assert_eq!(weights.dtypes.get("BF16"), Some(&4));
        assert_eq!(
            weights.metadata.get("format").map(String::as_str),
            Some("pt")
        );
    }

    #[test]
    fn truncated_and_corrupted_headers() {
        let good = file(
            r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            8,
        );
        let truncated = read_bytes(good.get(..good.len() - 4).unwrap());
        assert!(
            truncated.problems[0].contains("past the end"),
            "{:?}",
            truncated.problems
        );
        let cut_header = read_bytes(good.get(..20).unwrap());
        assert!(cut_header.problems[0].contains("truncated"));
        let huge = read_bytes(&u64::MAX.to_le_bytes());
        assert!(huge.problems[0].contains("cap"));
        let not_json = read_bytes(&file("{nope", 0));
        assert!(not_json.problems[0].contains("JSON"));
        let wrong_size = read_bytes(&file(
            r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
            8,
        ));
        assert!(wrong_size.problems[0].contains("8 bytes for 3 F32"));
        let overflow = read_bytes(&file(
            r#"{"a":{"dtype":"F32","shape":[18446744073709551615,2],"data_offsets":[0,8]}}"#,
            8,
        ));
        assert!(overflow.problems[0].contains("overflows"));
    }
}
