//! What a file is, by its first bytes: the magic numbers of the serializations a model can
//! travel in (pickle protocols 2–5 `PROTO`, protocol 0/1 text opcodes, zip, ustar tar, 7z,
//! gzip, HDF5, GGUF, safetensors, NumPy, git-lfs pointers). Extensions lie (`.dill`, `.sav`,
//! `.dat`, `checkpoint.pth.tar`, a pickle named `.safetensors`); content does not choose to.
//!
//! Magic numbers: pickle `PROTO` (`Lib/pickletools.py`), zip local header `PK\x03\x04` /
//! empty-archive `PK\x05\x06` (APPNOTE 4.3.7), POSIX ustar `ustar` at byte 257, 7z signature
//! `7z\xBC\xAF\x27\x1C`, gzip `\x1F\x8B`, HDF5 superblock signature `\x89HDF\r\n\x1A\n`
//! (at byte 0, 512, 1024, 2048, …: a user block may precede it),
//! `GGUF`, NumPy `\x93NUMPY`.

/// Extensions whose files are model serializations no name-matched format reads; with
/// extension-less files (`pytorch_model`, `model`), they are identified by content in a
/// directory walk.
const SNIFFED_EXTENSIONS: &[&str] = &[
    "model", "mdl", "weights", "h5", "hdf5", "msgpack", "mar", "pkl_",
];

/// True when a file the walk met, which no format accepts by name, is worth reading the first
/// bytes of: it has no extension, or one of [`SNIFFED_EXTENSIONS`].
pub fn worth_sniffing(path: &std::path::Path) -> bool {
    // A Hugging Face cache's `blobs/<sha256>` are read through the snapshot's links, which
    // name them; read directly they would be models of their own.
    let parent = path.parent();
    let in_cache_blobs = parent
        .and_then(std::path::Path::file_name)
        .is_some_and(|name| name == "blobs")
        && parent
            .and_then(std::path::Path::parent)
            .and_then(std::path::Path::file_name)
            .and_then(|name| name.to_str())
            .is_some_and(|name| {
                ["models--", "datasets--", "spaces--"]
                    .iter()
                    .any(|prefix| name.starts_with(prefix))
            });
    if in_cache_blobs {
        return false;
    }
    match path.extension().and_then(|extension| extension.to_str()) {
        None => path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| !name.starts_with('.')),
        Some(extension) => SNIFFED_EXTENSIONS
            .iter()
            .any(|known| extension.eq_ignore_ascii_case(known)),
    }
}

/// The model formats (`model/…` rows) whose content test accepts `prefix`: in a directory
/// walk only model serializations go by content (an SBOM is read when it is named).
pub fn model_formats_by_content(
    formats: &[&'static crate::extract::Format],
    prefix: &[u8],
) -> Vec<&'static crate::extract::Format> {
    formats
        .iter()
        .copied()
        .filter(|format| format.id.starts_with("model/") && format.recognizes_content(prefix))
        .collect()
}

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A git-lfs pointer text in place of the file.
    LfsPointer,
    /// GGUF magic (`GGUF`).
    Gguf,
    /// A zip archive (also PyTorch's and NumPy's `.npz` containers).
    Zip,
    /// A tar archive (the oldest PyTorch layout).
    Tar,
    /// A 7-Zip archive.
    SevenZip,
    /// A gzip stream.
    Gzip,
    /// HDF5 (Keras `.h5`).
    Hdf5,
    /// A NumPy `.npy` array.
    Numpy,
    /// A safetensors header.
    Safetensors,
    /// A pickle that declares its protocol (2 to 5).
    Pickle,
    /// A protocol 0/1 pickle: a `GLOBAL` / `INST` line of dotted names, or one of the opening
    /// sequences `pickle.dumps` writes, within the first bytes.
    TextPickle,
    /// None of the above.
    Unknown,
}

/// How far into the file a protocol-0 `GLOBAL` is looked for.
const TEXT_WINDOW: usize = 4096;

/// Identifies `bytes` (a file's first bytes).
pub fn identify(bytes: &[u8]) -> Content {
    if super::lfs_pointer::looks_like_pointer(bytes) {
        Content::LfsPointer
    } else if bytes.starts_with(b"GGUF") {
        Content::Gguf
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Content::Zip
    } else if bytes.get(257..262) == Some(b"ustar".as_slice()) {
        Content::Tar
    } else if bytes.starts_with(b"7z\xBC\xAF\x27\x1C") {
        Content::SevenZip
    } else if bytes.starts_with(b"\x1F\x8B") {
        Content::Gzip
    } else if super::hdf5::is_hdf5(bytes) {
        Content::Hdf5
    } else if bytes.starts_with(b"\x93NUMPY") {
        Content::Numpy
    } else if super::safetensors::looks_like_safetensors(bytes) {
        Content::Safetensors
    } else if super::pickle::starts_with_protocol(bytes) {
        Content::Pickle
    } else if looks_like_text_pickle(bytes) {
        Content::TextPickle
    } else {
        Content::Unknown
    }
}

/// The content test of the format rows that go by content: true for every serialization that
/// can hold or be a model (not for text, not for unknown binaries).
pub fn recognizes(bytes: &[u8]) -> bool {
    !matches!(identify(bytes), Content::Unknown | Content::LfsPointer)
}

fn is_name_line(line: &[u8]) -> bool {
    !line.is_empty()
        && line.len() <= 256
        && line
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.'))
        && !line.first().is_some_and(u8::is_ascii_digit)
}

/// A protocol 0/1 pickle: it opens like `pickle.dumps(..., protocol=0)` does (`(dp0`, `(lp0`,
/// `(tp0`, `(i`), or a `GLOBAL` (`c`) / `INST` (`i`) opcode followed by two name lines appears
/// at the start or right after a newline within the first bytes (a long `STRING` line may come
/// first).
pub fn looks_like_text_pickle(bytes: &[u8]) -> bool {
    let window = bytes.get(..TEXT_WINDOW).unwrap_or(bytes);
    if [
        b"(dp0\n".as_slice(),
        b"(lp0\n",
        b"(tp0\n",
        b"(dp1\n",
        b"(lp1\n",
    ]
    .iter()
    .any(|start| window.starts_with(start))
    {
        return true;
    }
    let global_at = |position: usize| -> bool {
        let Some(rest) = window.get(position..) else {
            return false;
        };
        let (opcode, rest) = match rest.split_first() {
            Some((opcode @ (b'c' | b'i'), rest)) => (*opcode, rest),
            _ => return false,
        };
        let _ = opcode;
        let mut lines = rest.splitn(3, |byte| *byte == b'\n');
        match (lines.next(), lines.next(), lines.next()) {
            (Some(module), Some(name), Some(_)) => is_name_line(module) && is_name_line(name),
            _ => false,
        }
    };
    if global_at(0) {
        return true;
    }
    // After a newline (the end of a protocol-0 argument), with an opening MARK or not.
    window
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte == b'\n')
        .any(|(position, _)| {
            global_at(position + 1)
                || (window.get(position + 1) == Some(&b'(') && global_at(position + 2))
                || (window.get(position + 1) == Some(&b'0') && global_at(position + 2))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(identify(b"\x80\x04\x95"), Content::Pickle);
        assert_eq!(identify(b"(dp0\nS'a'\n"), Content::TextPickle);
        assert_eq!(identify(b"cos\nsystem\n(S'id'\ntR."), Content::TextPickle);
        let long = [b"S'".as_slice(), &[b'A'; 3000], b"'\n0cos\nsystem\n(tR."].concat();
        assert_eq!(identify(&long), Content::TextPickle);
        assert_eq!(identify(b"PK\x03\x04rest"), Content::Zip);
        assert_eq!(identify(b"7z\xBC\xAF\x27\x1C\x00\x04"), Content::SevenZip);
        assert_eq!(identify(b"\x89HDF\r\n\x1A\n\0"), Content::Hdf5);
        assert_eq!(identify(b"\x1F\x8B\x08"), Content::Gzip);
        let mut tar = vec![0u8; 512];
        tar.splice(257..262, *b"ustar");
        assert_eq!(identify(&tar), Content::Tar);
        // Text is not a pickle, even with `c` lines in it.
        assert_eq!(identify(b"hello world\ncat\n"), Content::Unknown);
        assert_eq!(
            identify(b"# readme\nclass Foo:\n    pass\n"),
            Content::Unknown
        );
        assert_eq!(identify(b"\x7fELF"), Content::Unknown);
        assert!(!recognizes(b"{\"a\": 1}"));
        assert!(worth_sniffing(std::path::Path::new("m/pytorch_model")));
        assert!(worth_sniffing(std::path::Path::new("m/model.h5")));
        assert!(!worth_sniffing(std::path::Path::new("m/.gitattributes")));
        assert!(!worth_sniffing(std::path::Path::new("src/main.rs")));
        assert!(!worth_sniffing(std::path::Path::new(
            "hub/models--org--name/blobs/4d7a2146f6ee0e4a"
        )));
        let formats = model_formats_by_content(crate::extract::FORMATS, b"\x80\x04K\x01.");
        let ids: Vec<&str> = formats.iter().map(|format| format.id).collect();
        assert_eq!(ids, ["model/archive"]);
    }
}
