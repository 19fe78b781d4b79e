//! GGUF (ggml `docs/gguf.md`): magic `GGUF`, a version (1, 2 or 3; version 1 used 32-bit counts
//! and lengths), tensor and key-value counts, typed key-value metadata, tensor infos (name,
//! dimensions, ggml type, offset), then the aligned tensor data. Read as a stream with caps on
//! counts, string lengths and array sizes; the `general.*` metadata (architecture, name,
//! license, file type, base models) is kept, the tokenizer vocabulary is skipped.

use std::io::{self, Read};

use super::weights::{self, problem, Weights};
use crate::extract::{ExtractorId, FileMatch, Format, ReadSeek, Sample, Syntax};
use crate::model::{WeightsFile, WeightsFormat};

const MAX_TENSORS: u64 = 1_000_000;
const MAX_KEY_VALUES: u64 = 100_000;
const MAX_STRING: u64 = 16 * 1024 * 1024;
const MAX_ARRAY: u64 = 50_000_000;
const MAX_DIMENSIONS: u32 = 8;
/// Kept metadata: at most this many keys, values cut to this many characters.
const MAX_KEPT: usize = 64;
const MAX_KEPT_VALUE: usize = 512;

/// A value read from the metadata, reduced to what is kept.
enum Value {
    Text(String),
    Unsigned(u64),
    Signed(i64),
    Float(String),
    Bool(bool),
    Array { count: u64 },
}

impl Value {
    fn display(&self) -> String {
        match self {
            Value::Text(text) => text.chars().take(MAX_KEPT_VALUE).collect(),
            Value::Unsigned(value) => value.to_string(),
            Value::Signed(value) => value.to_string(),
            Value::Float(value) => value.clone(),
            Value::Bool(value) => value.to_string(),
            Value::Array { count } => format!("[{count} items]"),
        }
    }
}

struct Stream<'r> {
    reader: &'r mut dyn Read,
    offset: u64,
    /// Version 1 stores counts and lengths in 32 bits.
    wide: bool,
}

fn truncated(error: io::Error) -> String {
    if error.kind() == io::ErrorKind::UnexpectedEof {
        "the file ends inside its header (truncated)".to_owned()
    } else {
        format!("read error: {error}")
    }
}

impl Stream<'_> {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut bytes = [0u8; N];
        self.reader.read_exact(&mut bytes).map_err(truncated)?;
        self.offset += N as u64;
        Ok(bytes)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.bytes::<4>()?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.bytes::<8>()?))
    }
    fn count(&mut self) -> Result<u64, String> {
        if self.wide {
            self.u64()
        } else {
            self.u32().map(u64::from)
        }
    }
    fn skip(&mut self, length: u64) -> Result<(), String> {
        let skipped =
            io::copy(&mut (&mut *self.reader).take(length), &mut io::sink()).map_err(truncated)?;
        self.offset += skipped;
        if skipped < length {
            return Err("the file ends inside its header (truncated)".to_owned());
        }
        Ok(())
    }
    fn string(&mut self, keep: bool) -> Result<Option<String>, String> {
        let length = self.count()?;
        if length > MAX_STRING {
            return Err(format!(
                "a string at byte {} claims {length} bytes, over the {MAX_STRING}-byte cap",
                self.offset
            ));
        }
        if !keep {
            self.skip(length)?;
            return Ok(None);
        }
        let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(0)];
        self.reader.read_exact(&mut bytes).map_err(truncated)?;
        self.offset += length;
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Reads a value of GGUF type `kind`; array items are skipped.
    fn value(&mut self, kind: u32, keep: bool) -> Result<Value, String> {
        Ok(match kind {
            0 => Value::Unsigned(u64::from(self.bytes::<1>()?[0])),
            1 => Value::Signed(i64::from(i8::from_le_bytes(self.bytes::<1>()?))),
            2 => Value::Unsigned(u64::from(u16::from_le_bytes(self.bytes::<2>()?))),
            3 => Value::Signed(i64::from(i16::from_le_bytes(self.bytes::<2>()?))),
            4 => Value::Unsigned(u64::from(self.u32()?)),
            5 => Value::Signed(i64::from(i32::from_le_bytes(self.bytes::<4>()?))),
            6 => Value::Float(f32::from_le_bytes(self.bytes::<4>()?).to_string()),
            7 => Value::Bool(self.bytes::<1>()?[0] != 0),
            8 => Value::Text(self.string(keep)?.unwrap_or_default()),
            9 => {
                let item_kind = self.u32()?;
                let count = self.count()?;
                if count > MAX_ARRAY {
                    return Err(format!(
                        "an array at byte {} claims {count} items, over the {MAX_ARRAY} cap",
                        self.offset
                    ));
                }
                match fixed_size(item_kind) {
                    Some(size) => self.skip(count.saturating_mul(size))?,
                    None if item_kind == 8 => {
                        for _ in 0..count {
                            self.string(false)?;
                        }
                    }
                    None => {
                        return Err(format!(
                            "arrays of type {item_kind} are not supported (at byte {})",
                            self.offset
                        ))
                    }
                }
                Value::Array { count }
            }
            10 => Value::Unsigned(self.u64()?),
            11 => Value::Signed(i64::from_le_bytes(self.bytes::<8>()?)),
            12 => Value::Float(f64::from_le_bytes(self.bytes::<8>()?).to_string()),
            other => {
                return Err(format!(
                    "unknown value type {other} at byte {}",
                    self.offset
                ))
            }
        })
    }
}

/// Size of a fixed-size metadata type.
fn fixed_size(kind: u32) -> Option<u64> {
    match kind {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

/// ggml tensor types: (name, block size in elements, bytes per block).
fn ggml_type(kind: u32) -> Option<(&'static str, u64, u64)> {
    Some(match kind {
        0 => ("F32", 1, 4),
        1 => ("F16", 1, 2),
        2 => ("Q4_0", 32, 18),
        3 => ("Q4_1", 32, 20),
        6 => ("Q5_0", 32, 22),
        7 => ("Q5_1", 32, 24),
        8 => ("Q8_0", 32, 34),
        9 => ("Q8_1", 32, 36),
        10 => ("Q2_K", 256, 84),
        11 => ("Q3_K", 256, 110),
        12 => ("Q4_K", 256, 144),
        13 => ("Q5_K", 256, 176),
        14 => ("Q6_K", 256, 210),
        15 => ("Q8_K", 256, 292),
        16 => ("IQ2_XXS", 256, 66),
        17 => ("IQ2_XS", 256, 74),
        18 => ("IQ3_XXS", 256, 98),
        19 => ("IQ1_S", 256, 50),
        20 => ("IQ4_NL", 32, 18),
        21 => ("IQ3_S", 256, 110),
        22 => ("IQ2_S", 256, 82),
        23 => ("IQ4_XS", 256, 136),
        24 => ("I8", 1, 1),
        25 => ("I16", 1, 2),
        26 => ("I32", 1, 4),
        27 => ("I64", 1, 8),
        28 => ("F64", 1, 8),
        29 => ("IQ1_M", 256, 56),
        30 => ("BF16", 1, 2),
        34 => ("TQ1_0", 256, 54),
        35 => ("TQ2_0", 256, 66),
        _ => return None,
    })
}

/// `general.file_type` (llama.cpp `llama_ftype`) as the quantization people name.
pub fn file_type_name(value: u64) -> Option<&'static str> {
    Some(match value {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        _ => return None,
    })
}

/// Keys worth keeping: the `general.*` namespace (identity, license, lineage, quantization).
fn kept(key: &str) -> bool {
    key.starts_with("general.") && key != "general.alignment"
}

/// Reads the GGUF header behind `reader` (`size` bytes long) into `weights`.
pub fn read(reader: &mut dyn ReadSeek, size: u64, weights: &mut WeightsFile) {
    if let Err(message) = read_header(reader, size, weights) {
        problem(weights, message);
    }
}

fn read_header(
    reader: &mut dyn ReadSeek,
    size: u64,
    weights: &mut WeightsFile,
) -> Result<(), String> {
    let mut stream = Stream {
        reader,
        offset: 0,
        wide: true,
    };
    if &stream.bytes::<4>()? != b"GGUF" {
        return Err("no GGUF magic".to_owned());
    }
    let version = stream.u32()?;
    if !(1..=3).contains(&version) {
        return Err(format!(
            "unsupported GGUF version {version} (airlock reads 1 to 3)"
        ));
    }
    weights
        .metadata
        .insert("gguf.version".to_owned(), version.to_string());
    stream.wide = version >= 2;
    let tensor_count = stream.count()?;
    let key_value_count = stream.count()?;
    if tensor_count > MAX_TENSORS || key_value_count > MAX_KEY_VALUES {
        return Err(format!(
            "{tensor_count} tensors and {key_value_count} metadata entries exceed the caps \
             ({MAX_TENSORS}, {MAX_KEY_VALUES})"
        ));
    }
    let mut alignment: u64 = 32;
    for _ in 0..key_value_count {
        let key = stream.string(true)?.unwrap_or_default();
        let kind = stream.u32()?;
        let template =
            key == "tokenizer.chat_template" || key.starts_with("tokenizer.chat_template.");
        let keep = kept(&key);
        let value = stream.value(kind, keep || template)?;
        if template {
            if let Value::Text(source) = &value {
                weights
                    .chat_templates
                    .push(super::chat_template::inspect(source, &key, None));
            }
            continue;
        }
        if key == "general.alignment" {
            if let Value::Unsigned(value) = value {
                if value == 0 || value % 8 != 0 {
                    return Err(format!("general.alignment {value} is not a multiple of 8"));
                }
                alignment = value;
            }
            continue;
        }
        if !keep || weights.metadata.len() >= MAX_KEPT {
            continue;
        }
        let mut text = value.display();
        if key == "general.file_type" {
            if let Value::Unsigned(code) = value {
                if let Some(name) = file_type_name(code) {
                    text = format!("{code} ({name})");
                }
            }
        }
        weights.metadata.insert(key, text);
    }
    let mut parameters: u64 = 0;
    let mut data_end: u64 = 0;
    let mut sizes_known = true;
    for _ in 0..tensor_count {
        let name = stream.string(false)?;
        drop(name);
        let dimensions = stream.u32()?;
        if dimensions > MAX_DIMENSIONS {
            return Err(format!(
                "a tensor has {dimensions} dimensions (at most {MAX_DIMENSIONS})"
            ));
        }
        let mut elements: u64 = 1;
        for _ in 0..dimensions {
            let dimension = stream.count()?;
            elements = elements
                .checked_mul(dimension)
                .ok_or_else(|| "a tensor's shape overflows".to_owned())?;
        }
        let kind = stream.u32()?;
        let offset = stream.u64()?;
        parameters = parameters.saturating_add(elements);
        match ggml_type(kind) {
            Some((name, block, bytes)) => {
                *weights.dtypes.entry(name.to_owned()).or_insert(0) += elements;
                let length = elements.div_ceil(block).saturating_mul(bytes);
                data_end = data_end.max(offset.saturating_add(length));
            }
            None => {
                *weights.dtypes.entry(format!("type-{kind}")).or_insert(0) += elements;
                sizes_known = false;
                data_end = data_end.max(offset);
            }
        }
    }
    weights.tensors = Some(tensor_count);
    weights.parameters = Some(parameters);
    let data_start = stream.offset.div_ceil(alignment).saturating_mul(alignment);
    let needed = data_start.saturating_add(data_end);
    if needed > size {
        problem(
            weights,
            format!(
                "the tensors need {needed} bytes{} but the file has {size} (truncated)",
                if sizes_known { "" } else { " at least" }
            ),
        );
    }
    Ok(())
}

const ID: ExtractorId = "model/gguf";

/// The row of [`crate::extract::FORMATS`]: read by the sniffing reader all weights share.
pub const FORMAT: Format = Format::new(
    ID,
    "GGUF weights (llama.cpp): version, tensors, general.* metadata, quantization, SHA-256",
    FileMatch::Extensions(&["gguf"]),
    &Weights {
        id: ID,
        extension: WeightsFormat::Gguf,
    },
)
.header_and_digest(weights::SNIFF_BYTES)
.fuzzed_as("gguf", &[Sample::new("model.gguf", Syntax::Binary)]);

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn string(text: &str) -> Vec<u8> {
        let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
        bytes.extend(text.as_bytes());
        bytes
    }

    /// A version-3 file with two metadata keys and one 4×2 F32 tensor.
    fn sample() -> Vec<u8> {
        let mut bytes = b"GGUF".to_vec();
        bytes.extend(3u32.to_le_bytes());
        bytes.extend(1u64.to_le_bytes());
        bytes.extend(3u64.to_le_bytes());
        bytes.extend(string("general.architecture"));
        bytes.extend(8u32.to_le_bytes());
        bytes.extend(string("llama"));
        bytes.extend(string("general.file_type"));
        bytes.extend(4u32.to_le_bytes());
        bytes.extend(15u32.to_le_bytes());
        bytes.extend(string("tokenizer.ggml.tokens"));
        bytes.extend(9u32.to_le_bytes());
        bytes.extend(8u32.to_le_bytes());
        bytes.extend(2u64.to_le_bytes());
        bytes.extend(string("a"));
        bytes.extend(string("b"));
        bytes.extend(string("w"));
        bytes.extend(2u32.to_le_bytes());
        bytes.extend(4u64.to_le_bytes());
        bytes.extend(2u64.to_le_bytes());
        bytes.extend(0u32.to_le_bytes());
        bytes.extend(0u64.to_le_bytes());
        while !bytes.len().is_multiple_of(32) {
            bytes.push(0);
        }
        bytes.extend([0u8; 32]);
        bytes
    }

    fn read_bytes(bytes: &[u8]) -> WeightsFile {
        let mut weights = WeightsFile::new(WeightsFormat::Gguf);
        read(&mut Cursor::new(bytes), bytes.len() as u64, &mut weights);
        weights
    }

    #[test]
    fn reads_metadata_and_tensors() {
        let weights = read_bytes(&sample());
        assert!(weights.problems.is_empty(), "{:?}", weights.problems);
        assert_eq!(weights.tensors, Some(1));
        assert_eq!(weights.parameters, Some(8));
        assert_eq!(
            weights
                .metadata
                .get("general.file_type")
                .map(String::as_str),
            Some("15 (Q4_K_M)")
        );
        assert_eq!(
            weights
                .metadata
                .get("general.architecture")
                .map(String::as_str),
            Some("llama")
        );
        assert!(!weights.metadata.contains_key("tokenizer.ggml.tokens"));
    }

    #[test]
    fn truncated_and_hostile_headers() {
        let bytes = sample();
        let short = read_bytes(bytes.get(..bytes.len() - 8).unwrap());
        assert!(
            short.problems[0].contains("truncated"),
            "{:?}",
            short.problems
        );
        let cut = read_bytes(bytes.get(..40).unwrap());
        assert!(cut.problems[0].contains("ends inside its header"));
        let mut huge_string = b"GGUF".to_vec();
        huge_string.extend(3u32.to_le_bytes());
        huge_string.extend(0u64.to_le_bytes());
        huge_string.extend(1u64.to_le_bytes());
        huge_string.extend(u64::MAX.to_le_bytes());
        assert!(read_bytes(&huge_string).problems[0].contains("cap"));
        let mut version = b"GGUF".to_vec();
        version.extend(9u32.to_le_bytes());
        assert!(read_bytes(&version).problems[0].contains("version 9"));
    }
}
