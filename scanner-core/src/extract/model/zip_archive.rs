//! Zip archives holding pickles: PyTorch checkpoints since 1.6 (`<name>/data.pkl`,
//! `<name>/data/<storage>`, `<name>/version`) and NumPy `.npz` files (one `.npy` per array).
//! Only the central directory and the pickle or array-header entries are read, through the
//! `zip` crate over a `Read + Seek` reader: the tensors themselves are never loaded.

use std::io::Read;

use super::archive::incomplete;
use super::numpy;
use super::pickle::{walk, WalkLimits};
use super::weights::problem;
use crate::extract::ReadSeek;
use crate::model::{WeightsFile, WeightsFormat};

/// More entries than this are not looked at (a real checkpoint has one per storage).
const MAX_ENTRIES: usize = 200_000;
/// A pickle entry is read through at most this many decompressed bytes.
const MAX_PICKLE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads the archive behind `reader` into `weights`.
pub fn read(reader: Box<dyn ReadSeek + '_>, weights: &mut WeightsFile) {
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(archive) => archive,
        Err(error) => {
            // `torch.load` and `numpy.load` would refuse it too, but what it holds is unknown.
            weights.pickles.push(incomplete(
                "zip archive",
                format!("the zip archive cannot be read (truncated or corrupt): {error}"),
            ));
            return;
        }
    };
    let count = archive.len();
    if count > MAX_ENTRIES {
        weights.pickles.push(incomplete(
            "zip archive",
            format!("{count} entries, over the {MAX_ENTRIES}-entry cap"),
        ));
        return;
    }
    let mut storages: u64 = 0;
    let mut arrays: u64 = 0;
    let mut code_files: u64 = 0;
    let mut pickles: u64 = 0;
    for index in 0..count {
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(error) => {
                weights.pickles.push(incomplete(
                    &format!("zip entry {index}"),
                    format!("the entry cannot be read: {error}"),
                ));
                continue;
            }
        };
        let name = entry
            .name()
            .map_or_else(|_| format!("entry {index}"), |name| name.into_owned());
        let base = name.rsplit('/').next().unwrap_or(&name);
        let parent = name.rsplit('/').nth(1).unwrap_or_default();
        if parent == "data" && !base.is_empty() {
            storages += 1;
        }
        if name.ends_with(".py") && name.contains("code/") {
            code_files += 1;
            if let Some(text) = super::model_code::read_text(&mut entry) {
                super::model_code::torchscript_code(&text, &name, &mut weights.code_hazards);
            }
            continue;
        }
        if base.ends_with(".pkl") {
            pickles += 1;
            let mut limited = (&mut entry).take(MAX_PICKLE_BYTES);
            let walk = walk(&mut limited, WalkLimits::default());
            let mut stream = walk.into_stream(name.clone());
            if !stream.complete && limited.limit() == 0 {
                stream.incomplete_reason = Some(format!(
                    "the pickle is longer than the {MAX_PICKLE_BYTES}-byte cap"
                ));
            }
            weights.pickles.push(stream);
        } else if base.ends_with(".npy") {
            arrays += 1;
            match numpy::read_array(&mut entry, &name) {
                Ok(array) => {
                    if let Some(stream) = array.pickle {
                        weights.pickles.push(stream);
                    }
                    if let Some(elements) = array.elements {
                        weights.parameters =
                            Some(weights.parameters.unwrap_or(0).saturating_add(elements));
                        *weights.dtypes.entry(array.dtype).or_insert(0) += elements;
                    }
                }
                Err(message) => problem(weights, format!("{name}: {message}")),
            }
        }
    }
    if arrays > 0 && pickles == 0 {
        weights.format = WeightsFormat::NumpyZip;
        weights.tensors = Some(arrays);
    } else {
        weights.format = WeightsFormat::PytorchZip;
        if storages > 0 {
            weights
                .metadata
                .insert("storages".to_owned(), storages.to_string());
        }
        if pickles == 0 {
            problem(
                weights,
                "a zip archive without a data.pkl is not a PyTorch checkpoint",
            );
        }
    }
    if code_files > 0 {
        // TorchScript archives carry Python code that `torch.jit.load` compiles and runs.
        weights
            .metadata
            .insert("torchscript-code-files".to_owned(), code_files.to_string());
    }
}
