//! What every weights extractor shares: the file is recognized by its content (the extension
//! only picked the extractor: a `.bin` may be a PyTorch zip, a legacy pickle or a git-lfs
//! pointer, and a `.safetensors` that holds a pickle is analysed as the pickle it is), read by
//! header or by offset, never whole, and reported as a `file` component with its SHA-256,
//! linked from its model.

use std::io::{Cursor, Seek, SeekFrom};
use std::path::Path;

use super::{evidence, hf_cache, lfs_pointer, package_name, pickle, ModelDirectory};
use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    ExtractError, Extraction, ExtractorId, Input, Parse, ReadSeek, Reference, Target,
};
use crate::location::Location;
use crate::model::{ExpectedDigest, ModelCard, PickleStream, WeightsFile, WeightsFormat};

/// How much of a weights file the driver reads up front: enough to recognize every format;
/// headers and pickles are then read by offset.
pub const SNIFF_BYTES: u64 = 64 * 1024;

/// A stream whose first opcodes walk over at least this many bytes before it breaks off is a
/// pickle look-alike (`model-scan-incomplete`), not an unrelated binary that happens to start
/// with a pickle opcode.
const LOOK_ALIKE_BYTES: u64 = 8;

/// At most this many problems are kept per file.
const MAX_PROBLEMS: usize = 20;

/// File extensions of weights and serialized-model files, lowercase.
pub const WEIGHTS_EXTENSIONS: &[&str] = &[
    "safetensors",
    "gguf",
    "bin",
    "pt",
    "pth",
    "ckpt",
    "pkl",
    "pickle",
    "joblib",
    "dill",
    "sav",
    "npy",
    "npz",
    "onnx",
];

/// True when the path's extension is one of `extensions` (compared without case).
pub fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            extensions
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known))
        })
}

/// True for a file name with a weights extension (index files are not weights).
pub fn is_weights_file_name(name: &str) -> bool {
    has_extension(Path::new(name), WEIGHTS_EXTENSIONS)
}

/// Records a problem, keeping the list bounded.
pub fn problem(weights: &mut WeightsFile, message: impl Into<String>) {
    if weights.problems.len() < MAX_PROBLEMS {
        weights.problems.push(message.into());
    }
}

/// What the first bytes say the file is. `tentative_pickle` is set when the only hint is a
/// protocol-0/1 first opcode, which other binary files can share.
fn sniff(bytes: &[u8], extension: WeightsFormat) -> (WeightsFormat, bool) {
    if lfs_pointer::looks_like_pointer(bytes) {
        return (WeightsFormat::LfsPointer, false);
    }
    if bytes.starts_with(b"GGUF") {
        return (WeightsFormat::Gguf, false);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let format = if extension == WeightsFormat::NumpyZip {
            WeightsFormat::NumpyZip
        } else {
            WeightsFormat::PytorchZip
        };
        return (format, false);
    }
    if bytes.get(257..262) == Some(b"ustar".as_slice()) {
        return (WeightsFormat::PytorchTar, false);
    }
    if bytes.starts_with(b"\x93NUMPY") {
        return (WeightsFormat::Numpy, false);
    }
    if super::safetensors::looks_like_safetensors(bytes) {
        return (WeightsFormat::Safetensors, false);
    }
    if pickle::starts_with_protocol(bytes) {
        return (WeightsFormat::Pickle, false);
    }
    if extension == WeightsFormat::Onnx {
        return (WeightsFormat::Onnx, false);
    }
    if pickle::may_be_old_protocol(bytes) {
        return (WeightsFormat::Pickle, true);
    }
    (WeightsFormat::Unknown, false)
}

/// Formats whose files are pickles (or hold them) whatever their first bytes say.
fn pickle_family(extension: WeightsFormat, path: &str) -> bool {
    extension == WeightsFormat::Pickle
        || (extension == WeightsFormat::PytorchZip && !has_extension(Path::new(path), &["bin"]))
}

/// A reader over the whole file: the driver's, or the bytes in hand (tests, fuzzing).
pub(super) fn reader<'a>(input: &'a Input<'_>) -> Box<dyn ReadSeek + 'a> {
    match input.files.open(input.path) {
        Ok(reader) => reader,
        Err(_) => Box::new(Cursor::new(input.bytes)),
    }
}

/// The parser of the weights formats told apart by extension only (their rows differ by data):
/// every one is read by [`extract`], which goes by content.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// The id of the format's row, for evidence.
    pub id: ExtractorId,
    /// The format the extension suggests.
    pub extension: WeightsFormat,
}

impl Parse for Weights {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        Ok(extract(self.id, self.extension, input))
    }
}

/// Reads one weights file into a `file` component linked from its model.
pub fn extract(id: &'static str, extension: WeightsFormat, input: &Input<'_>) -> Extraction {
    if ModelDirectory::of(input.path).is_none() {
        return Extraction::default();
    }
    // `.pth` is also the extension of Python's path configuration files (every setuptools
    // install writes `distutils-precedence.pth`): text that is no pickle is one of those, not a
    // checkpoint (`python/installed` reads its `import` lines).
    if has_extension(Path::new(input.path), &["pth"])
        && crate::extract::python::installed::path_configuration::looks_like_path_configuration(
            input.bytes,
        )
    {
        return Extraction::default();
    }
    let (mut format, tentative) = sniff(input.bytes, extension);
    let mut weights = WeightsFile::new(format);
    let mut reader = reader(input);
    let size = reader
        .seek(SeekFrom::End(0))
        .ok()
        .or_else(|| input.files.facts(input.path).ok().map(|facts| facts.size))
        .unwrap_or(input.bytes.len() as u64);
    weights.size = Some(size);
    if reader.seek(SeekFrom::Start(0)).is_err() {
        problem(&mut weights, "cannot seek in the file");
    }

    match format {
        WeightsFormat::LfsPointer => match lfs_pointer::parse(input.bytes) {
            Ok(pointer) => weights.lfs = Some(pointer),
            Err(reason) => problem(&mut weights, format!("broken git-lfs pointer: {reason}")),
        },
        WeightsFormat::Safetensors => super::safetensors::read(&mut reader, size, &mut weights),
        WeightsFormat::Gguf => super::gguf::read(&mut reader, size, &mut weights),
        WeightsFormat::PytorchZip | WeightsFormat::NumpyZip => {
            super::zip_archive::read(reader, &mut weights)
        }
        WeightsFormat::PytorchTar => super::pytorch::read_tar(&mut reader, size, &mut weights),
        WeightsFormat::Pickle | WeightsFormat::PytorchLegacy => {
            super::pytorch::read_pickles(&mut reader, &mut weights);
            let walked_cleanly = weights
                .pickles
                .first()
                .is_some_and(|stream| stream.complete);
            // A look-alike: the first opcodes walked, then the stream broke off. What
            // `pickle.load` would do with the rest is unknown, so it stays a pickle whose
            // scan is incomplete rather than "not a model".
            let look_alike = pickle::walk_bytes(input.bytes).length >= LOOK_ALIKE_BYTES
                || weights
                    .pickles
                    .first()
                    .is_some_and(|stream| !stream.imports.is_empty());
            if tentative && !walked_cleanly && !look_alike && !pickle_family(extension, input.path)
            {
                // Only the first byte looked like a pickle, and the walk disagrees.
                weights.pickles.clear();
                format = WeightsFormat::Unknown;
                weights.format = format;
            }
        }
        WeightsFormat::Numpy => super::numpy::read(&mut reader, size, &mut weights),
        WeightsFormat::Onnx => super::onnx::read(&mut reader, size, &mut weights),
        // Containers are walked by `model/archive`, which never comes through here.
        WeightsFormat::Archive | WeightsFormat::Hdf5 | WeightsFormat::Unknown => {}
    }

    if format == WeightsFormat::Unknown {
        if has_extension(Path::new(input.path), &["bin"]) {
            // `.bin` names all kinds of binary files; one airlock cannot read is not a model.
            return Extraction::default();
        }
        if pickle_family(extension, input.path) {
            // The extension promises a pickle that `pickle.load` would try to read.
            weights.pickles.push(PickleStream {
                name: "file".to_owned(),
                imports: Vec::new(),
                complete: false,
                incomplete_reason: Some(
                    "the content is not a pickle airlock can walk (compressed, encrypted or \
                     another format)"
                        .to_owned(),
                ),
            });
        } else {
            problem(
                &mut weights,
                format!("the content is not {}", extension.as_str()),
            );
        }
    }
    if !same_family(format, extension) {
        weights.extension_format = Some(extension);
    }
    let external = if format == WeightsFormat::Onnx {
        super::onnx::external_files(input, &mut weights)
    } else {
        Vec::new()
    };
    let mut extraction = report(id, input, weights);
    if let Some(model) = ModelDirectory::of(input.path) {
        for (file, path) in external {
            super::link_file(&model, file, &path, &mut extraction);
        }
    }
    extraction
}

/// The `file` component of a weights file read into `weights` (with its SHA-256, the digest
/// its Hugging Face cache blob name promises, its GGUF license and chat templates), linked
/// from its model.
pub fn report(id: &'static str, input: &Input<'_>, mut weights: WeightsFile) -> Extraction {
    let mut extraction = Extraction::default();
    let Some(model) = ModelDirectory::of(input.path) else {
        return extraction;
    };
    if let Ok(facts) = input.files.facts(input.path) {
        if let Some(expected) = facts.link_target.as_deref().and_then(hf_cache::blob_sha256) {
            weights.expected_sha256.push(ExpectedDigest {
                sha256: expected,
                source: "Hugging Face cache blob name".to_owned(),
            });
        }
    }
    // The driver computed the digest before this extractor ran and reported any failure.
    let digest = input.files.digest(input.path).ok();

    let file_name = input.path.rsplit('/').next().unwrap_or(input.path);
    let Some(name) = package_name(Ecosystem::GenericFile, file_name) else {
        return extraction;
    };
    let file_key = ComponentKey::in_file(name, input.path);
    let mut file = Component::new(file_key.clone(), ComponentKind::File)
        .with_evidence(evidence(id, input.path, None));
    if let Some(digest) = digest {
        file.hashes.extend(digest.hashes());
    }
    file.facts.weights_format = Some(weights.format);
    file.facts.chat_templates = std::mem::take(&mut weights.chat_templates);
    // GGUF files carry their own license; it describes this file, not the directory's model.
    if let Some(license) = weights.metadata.get("general.license") {
        if !license.trim().is_empty() {
            file.licenses.insert(license.trim().to_owned());
        }
    }
    file.facts.weights = Some(Box::new(weights));

    let model_component = model.component(evidence(id, input.path, None), ModelCard::default());
    extraction.references.push(Reference {
        from: model.key.clone(),
        to: Target::Key(file_key),
        kind: EdgeKind::Normal,
        conditions: EdgeDetails::default(),
        location: Some(Location::file(input.path)),
    });
    extraction.roots.push(model.key.clone());
    extraction.components.push(model_component);
    extraction.components.push(file);
    extraction
}

/// False when the content is another kind of format than the extension promises (a pickle in
/// a `.safetensors`). Pointers and unrecognized content are reported on their own.
fn same_family(content: WeightsFormat, extension: WeightsFormat) -> bool {
    use WeightsFormat as F;
    let pickle_based = |format| {
        matches!(
            format,
            F::PytorchZip | F::PytorchLegacy | F::PytorchTar | F::Pickle
        )
    };
    content == extension
        || matches!(content, F::LfsPointer | F::Unknown)
        || (pickle_based(content) && pickle_based(extension))
        || (matches!(content, F::Numpy | F::NumpyZip)
            && matches!(extension, F::Numpy | F::NumpyZip))
}

/// A warning about a file (used by readers that find a bad entry but go on).
pub fn warning(path: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic::warning(DiagnosticCode::InvalidEntry, Location::file(path), message)
}
