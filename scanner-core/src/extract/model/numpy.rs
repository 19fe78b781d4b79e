//! NumPy `.npy` and `.npz` files (NumPy `lib/format.py`, "NPY format"): magic `\x93NUMPY`,
//! version, header length (16 bits in version 1, 32 bits after), a Python dict literal with
//! `descr`, `fortran_order` and `shape`, then the data. An array of Python objects (`descr`
//! `|O`) stores its data as a pickle, which `numpy.load(..., allow_pickle=True)` unpickles: that
//! pickle is walked like any other. `.npz` is a zip of `.npy` files (see `zip_archive`).

use std::io::Read;
use std::path::Path;

use super::pickle::{walk, WalkLimits};
use super::weights::{self, has_extension, problem};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, ReadSeek, Sample,
    Syntax,
};
use crate::model::{PickleStream, WeightsFile, WeightsFormat};

/// NumPy itself refuses headers longer than this by default.
const MAX_HEADER: u64 = 64 * 1024;

/// One array's header, and its pickle if it holds Python objects.
#[derive(Debug)]
pub struct Array {
    /// The header's `descr` (`<f4`, `|O` for objects).
    pub dtype: String,
    /// How many elements the shape holds, when it is a valid shape.
    pub elements: Option<u64>,
    /// The pickle of an object array (it can run code when loaded).
    pub pickle: Option<PickleStream>,
}

/// The value of `'key':` in a header dict literal, up to the next top-level comma or brace.
fn field<'h>(header: &'h str, key: &str) -> Option<&'h str> {
    let start = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header
        .get(start..)?
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let mut depth = 0i32;
    for (index, character) in rest.char_indices() {
        match character {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth > 0 => depth -= 1,
            ',' | '}' if depth == 0 => return rest.get(..index).map(str::trim),
            _ => {}
        }
    }
    Some(rest.trim())
}

/// Reads one array header from `reader`, and walks the pickle of an object array.
pub fn read_array(reader: &mut dyn Read, name: &str) -> Result<Array, String> {
    let mut magic = [0u8; 8];
    reader
        .read_exact(&mut magic)
        .map_err(|_| "shorter than the NPY magic (truncated)".to_owned())?;
    if !magic.starts_with(b"\x93NUMPY") {
        return Err("no NPY magic".to_owned());
    }
    let major = magic[6];
    let header_length = match major {
        1 => {
            let mut length = [0u8; 2];
            reader
                .read_exact(&mut length)
                .map_err(|_| "truncated header".to_owned())?;
            u64::from(u16::from_le_bytes(length))
        }
        2 | 3 => {
            let mut length = [0u8; 4];
            reader
                .read_exact(&mut length)
                .map_err(|_| "truncated header".to_owned())?;
            u64::from(u32::from_le_bytes(length))
        }
        other => return Err(format!("unsupported NPY version {other}")),
    };
    if header_length > MAX_HEADER {
        return Err(format!(
            "a {header_length}-byte header is over the {MAX_HEADER}-byte cap"
        ));
    }
    let mut header = Vec::new();
    reader
        .take(header_length)
        .read_to_end(&mut header)
        .map_err(|error| error.to_string())?;
    if header.len() as u64 != header_length {
        return Err("the header is cut short (truncated)".to_owned());
    }
    let header = String::from_utf8_lossy(&header);
    let descr = field(&header, "descr").ok_or("the header has no `descr`")?;
    let dtype = descr.trim_matches(|c| c == '\'' || c == '"').to_owned();
    let object = if descr.starts_with('[') {
        descr.contains("'O") || descr.contains("|O")
    } else {
        dtype
            .trim_start_matches(['<', '>', '|', '='])
            .starts_with('O')
    };
    let elements = field(&header, "shape").and_then(|shape| {
        shape
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .try_fold(1u64, |product, part| {
                part.trim_end_matches('L')
                    .parse::<u64>()
                    .ok()
                    .and_then(|n| product.checked_mul(n))
            })
    });
    let pickle = object
        .then(|| walk(reader, WalkLimits::default()).into_stream(format!("{name} (object array)")));
    Ok(Array {
        dtype,
        elements,
        pickle,
    })
}

/// Reads a `.npy` file.
pub fn read(reader: &mut dyn ReadSeek, _size: u64, weights: &mut WeightsFile) {
    match read_array(reader, "array") {
        Ok(array) => {
            weights.tensors = Some(1);
            if let Some(elements) = array.elements {
                weights.parameters = Some(elements);
                weights.dtypes.insert(array.dtype, elements);
            }
            if let Some(stream) = array.pickle {
                weights.pickles.push(stream);
            }
        }
        Err(message) => problem(weights, message),
    }
}

/// `model/numpy`: `.npy` and `.npz`.
#[derive(Debug, Clone, Copy, Default)]
pub struct NumpyExtractor;

const ID: ExtractorId = "model/numpy";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "NumPy arrays (.npy, .npz): headers, object arrays' pickles walked without unpickling",
    FileMatch::Extensions(&["npy", "npz"]),
    &NumpyExtractor,
)
.header_and_digest(weights::SNIFF_BYTES)
.fuzzed_as(
    "numpy",
    &[
        Sample::new("arrays.npy", Syntax::Binary),
        Sample::new("arrays.npz", Syntax::Binary),
    ],
);

impl Parse for NumpyExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let format = if has_extension(Path::new(input.path), &["npz"]) {
            WeightsFormat::NumpyZip
        } else {
            WeightsFormat::Numpy
        };
        Ok(weights::extract(ID, format, input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        bytes.extend(data);
        bytes
    }

    #[test]
    fn plain_and_object_arrays() {
        let plain = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
            &[0; 48],
        );
        let array = read_array(&mut plain.as_slice(), "a").unwrap();
        assert_eq!(array.dtype, "<f4");
        assert_eq!(array.elements, Some(12));
        assert!(array.pickle.is_none());
        let object = npy(
            "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
            b"\x80\x03cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.",
        );
        let array = read_array(&mut object.as_slice(), "a").unwrap();
        let stream = array.pickle.unwrap();
        assert!(stream.complete);
        assert_eq!(stream.imports[0].qualified(), "posix.system");
        assert!(read_array(&mut b"\x93NUMPY\x09\x00".as_slice(), "a").is_err());
    }
}
