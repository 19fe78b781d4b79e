//! HDF5 model files (`.h5`, `.hdf5`): Keras 2 / `tf.keras` `model.save("m.h5")` and Keras 3's
//! legacy H5 format store the model's architecture as JSON in the root group's `model_config`
//! attribute (`legacy_h5_format.save_model_to_hdf5`), the same JSON a `.keras` archive keeps in
//! `config.json`; `load_model` rebuilds every layer from it, so a `Lambda` layer or a module
//! outside Keras runs code ([`super::model_code::keras_config`], CVE-2025-1550 family).
//!
//! No mature pure-Rust HDF5 crate exists (`hdf5` and `hdf5-metno` bind the C library; the
//! pure-Rust readers are young and read datasets, not variable-length string attributes), and
//! airlock links no C library. So only what is needed is read, two ways, and both are judged:
//!
//! 1. The real attribute ([`super::hdf5_root`]): superblock (found at byte 0, 512, 1024, …, HDF5
//!    spec §II.A) → root group object header → the attribute message named `model_config` →
//!    its string, in the message or in a global heap collection anywhere in the file. This is
//!    what Keras's loader reads, wherever it lies.
//! 2. Every JSON object with a `class_name` and a `config` in the first [`WINDOW`] bytes (each
//!    `{"` is tried; an object found is skipped whole, so its layers are not taken for configs
//!    of their own). A decoy config placed before the real one is judged too: any dangerous
//!    one raises.
//!
//! When the structures cannot be followed (a dense attribute store, a shared message, an
//! unknown version, a malformed header), only the window remains: a file naming `model_config`
//! there without a readable config, or larger than the window, is `model-scan-incomplete`
//! for what was not read, never clean. A file without `model_config` holds weights only
//! (`save_weights`, `tf_model.h5`): loading it builds no layers; it is reported (hashed) when
//! it lies beside other model files, and is not a model otherwise.

use std::io::Read;

use super::weights::{self, problem};
use crate::extract::{Extraction, Input};
use crate::model::{PickleStream, WeightsFile, WeightsFormat};

/// Bytes of the file searched for the attribute and its JSON.
pub const WINDOW: u64 = 16 * 1024 * 1024;

/// Configurations checked in the window.
const MAX_OBJECTS: usize = 64;
/// Places where a JSON object may begin (`{"`) tried in the window.
const MAX_ATTEMPTS: usize = 100_000;

/// The offsets where an HDF5 superblock may start: 0, then 512 and every power of two after it.
pub fn superblock_offsets(length: usize) -> impl Iterator<Item = usize> {
    std::iter::once(0).chain(
        std::iter::successors(Some(512usize), |offset| offset.checked_mul(2))
            .take_while(move |offset| *offset < length),
    )
}

const SIGNATURE: &[u8] = b"\x89HDF\r\n\x1A\n";

/// True when `bytes` (a file's first bytes) hold the HDF5 signature at a superblock offset.
pub fn is_hdf5(bytes: &[u8]) -> bool {
    superblock_offsets(bytes.len()).any(|offset| {
        bytes
            .get(offset..)
            .is_some_and(|rest| rest.starts_with(SIGNATURE))
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + from)
}

/// Reads the Keras configuration of the HDF5 file `input` into a weights report.
pub fn read(id: &'static str, input: &Input<'_>) -> Extraction {
    let mut weights = WeightsFile::new(WeightsFormat::Hdf5);
    let size = input
        .files
        .facts(input.path)
        .map_or(input.bytes.len() as u64, |facts| facts.size);
    weights.size = Some(size);
    let mut window = Vec::new();
    if let Err(error) = weights::reader(input).take(WINDOW).read_to_end(&mut window) {
        problem(&mut weights, format!("cannot read the file: {error}"));
        return weights::report(id, input, weights);
    }
    let superblock = superblock_offsets(window.len()).find(|offset| {
        window
            .get(*offset..)
            .is_some_and(|rest| rest.starts_with(SIGNATURE))
    });
    let structure = match superblock {
        Some(offset) => super::hdf5_root::root_attribute(
            &mut *weights::reader(input),
            offset as u64,
            "model_config",
        ),
        None => Err("no HDF5 superblock in the first bytes".to_owned()),
    };
    match structure {
        Ok(Some(value)) => {
            let text = String::from_utf8_lossy(&value);
            weights
                .metadata
                .insert("keras-model-config".to_owned(), "present".to_owned());
            super::model_code::keras_config(&text, "model_config", &mut weights.code_hazards);
            check_window(&window, size, Some(&text), None, &mut weights);
        }
        Ok(None) => check_window(&window, size, None, None, &mut weights),
        Err(reason) => check_window(&window, size, None, Some(&reason), &mut weights),
    }
    let is_model = weights.metadata.contains_key("keras-model-config")
        || super::ModelDirectory::of(input.path)
            .is_some_and(|model| model.holds_model_files(input.files));
    if !is_model {
        // An HDF5 data file outside a model folder is not a model.
        return Extraction::default();
    }
    weights::report(id, input, weights)
}

/// Looks for `model_config` and its JSON in the first bytes of an HDF5 file of `size` bytes.
/// `real` is the root attribute's value when the structures gave it (it is judged already, and
/// a copy of it in the window is not judged twice); `unfollowed` says why the structures could
/// not be followed.
fn check_window(
    window: &[u8],
    size: u64,
    real: Option<&str>,
    unfollowed: Option<&str>,
    weights: &mut WeightsFile,
) {
    let named = find(window, b"model_config", 0).is_some();
    if let (Some(reason), true) = (unfollowed, size > WINDOW) {
        // The real attribute may lie past the window, behind whatever the window shows.
        weights.pickles.push(PickleStream {
            name: "model_config".to_owned(),
            imports: Vec::new(),
            complete: false,
            incomplete_reason: Some(format!(
                "the HDF5 root group's attributes could not be read ({reason}), so its \
                 `model_config` was looked for as text in the first {} MiB only, and the file \
                 is {size} bytes: a config in the rest was not read",
                WINDOW / (1024 * 1024)
            )),
        });
        weights
            .metadata
            .insert("keras-model-config".to_owned(), "unknown".to_owned());
    }
    if !named {
        return;
    }
    weights
        .metadata
        .insert("keras-model-config".to_owned(), "present".to_owned());
    let mut configs = 0usize;
    let mut attempts = 0usize;
    let mut from = 0;
    while let Some(at) = find(window, b"{\"", from) {
        from = at + 1;
        attempts += 1;
        if configs >= MAX_OBJECTS || attempts > MAX_ATTEMPTS {
            break;
        }
        let Some(rest) = window.get(at..) else {
            break;
        };
        let mut stream =
            serde_json::Deserializer::from_slice(rest).into_iter::<serde_json::Value>();
        let Some(Ok(value)) = stream.next() else {
            continue;
        };
        if value.get("class_name").is_none() || value.get("config").is_none() {
            continue;
        }
        let Some(text) = rest
            .get(..stream.byte_offset())
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
        else {
            continue;
        };
        configs += 1;
        from = at + stream.byte_offset();
        if real != Some(text) {
            super::model_code::keras_config(text, "model_config", &mut weights.code_hazards);
        }
    }
    if configs == 0 && real.is_none() {
        weights.pickles.push(PickleStream {
            name: "model_config".to_owned(),
            imports: Vec::new(),
            complete: false,
            incomplete_reason: Some(format!(
                "an HDF5 Keras model names `model_config`, but no JSON config was found in its \
                 first {} MiB (airlock reads only that window and plain-text JSON, not the whole \
                 HDF5 structure), so the layers it builds are unknown{}",
                WINDOW / (1024 * 1024),
                if size > WINDOW {
                    format!("; the file is {size} bytes")
                } else {
                    String::new()
                }
            )),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_at_superblock_offsets() {
        let mut bytes = vec![0u8; 4096];
        assert!(!is_hdf5(&bytes));
        bytes.splice(1024..1032, *b"\x89HDF\r\n\x1A\n");
        assert!(is_hdf5(&bytes));
        let mut odd = vec![0u8; 4096];
        odd.splice(700..708, *b"\x89HDF\r\n\x1A\n");
        assert!(!is_hdf5(&odd), "700 is no superblock offset");
        assert!(is_hdf5(b"\x89HDF\r\n\x1A\n\0\0"));
    }

    #[test]
    fn the_root_attribute_is_read_through_the_structures_wherever_it_lies() {
        let fixtures = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/models-generated"
        );
        for (folder, lambda) in [
            ("keras-h5-benign", false),
            ("keras-h5-lambda", true),
            ("keras-h5-decoy-first", true),
            ("keras-h5-beyond-window", true),
            ("keras-h5-libver-latest", true),
        ] {
            let file = std::fs::File::open(format!("{fixtures}/{folder}/model.h5")).unwrap();
            let mut reader = std::io::BufReader::new(file);
            let value = super::super::hdf5_root::root_attribute(&mut reader, 0, "model_config")
                .unwrap()
                .unwrap();
            let text = String::from_utf8(value).unwrap();
            let config: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(config["class_name"], "Sequential", "{folder}");
            assert_eq!(text.contains("\"Lambda\""), lambda, "{folder}");
            let mut reader = std::io::BufReader::new(
                std::fs::File::open(format!("{fixtures}/{folder}/model.h5")).unwrap(),
            );
            assert_eq!(
                super::super::hdf5_root::root_attribute(&mut reader, 0, "no_such_attribute")
                    .unwrap(),
                None
            );
        }
    }

    #[test]
    fn configs_in_the_window_are_checked_and_a_missing_one_is_incomplete() {
        let lambda = br#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "l"}}]}}"#;
        let benign = br#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense", "module": "keras.layers", "config": {}}]}}"#;
        // A decoy benign config first does not hide the Lambda after it.
        let window = [
            b"\x89HDF\r\n\x1A\n....model_config....GCOL".as_slice(),
            benign,
            b"\0\0\0\0",
            lambda,
        ]
        .concat();
        let mut weights = WeightsFile::new(WeightsFormat::Hdf5);
        check_window(&window, window.len() as u64, None, None, &mut weights);
        assert_eq!(weights.code_hazards.len(), 1, "{:?}", weights.code_hazards);
        assert!(weights.pickles.is_empty());

        let mut hidden = WeightsFile::new(WeightsFormat::Hdf5);
        check_window(
            b"\x89HDF\r\n\x1A\n model_config \x78\x9c",
            1 << 30,
            None,
            None,
            &mut hidden,
        );
        assert!(!hidden.pickles[0].complete);
        assert!(hidden.pickles[0]
            .incomplete_reason
            .as_deref()
            .unwrap()
            .contains("1073741824 bytes"));

        // The structures could not be followed and the file is larger than the window: the
        // rest is not known, whatever the window shows.
        let mut unfollowed = WeightsFile::new(WeightsFormat::Hdf5);
        check_window(
            &window,
            1 << 30,
            None,
            Some("a dense attribute store"),
            &mut unfollowed,
        );
        assert_eq!(unfollowed.code_hazards.len(), 1);
        let reason = unfollowed.pickles[0].incomplete_reason.as_deref().unwrap();
        assert!(
            reason.contains("could not be read (a dense attribute store)"),
            "{reason}"
        );

        let mut weights_only = WeightsFile::new(WeightsFormat::Hdf5);
        check_window(
            b"\x89HDF\r\n\x1A\n layer_names",
            100,
            None,
            None,
            &mut weights_only,
        );
        assert!(weights_only.pickles.is_empty() && weights_only.code_hazards.is_empty());
    }
}
