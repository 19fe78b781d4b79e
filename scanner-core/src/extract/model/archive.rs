//! Files recognized by content rather than name: pickles under names no loader convention
//! fixes (`.dat`, `.data`) and generic containers (`.zip`, `.tar`, `checkpoint.pth.tar`) that
//! may carry a pickle. Each is identified by its first bytes ([`super::sniff`]); a container
//! is walked entry by entry, every entry identified by its own first bytes, nested containers
//! recursively (zip in tar in zip), within the caps below. A container that holds no pickle and
//! a `.dat` that is no pickle produce nothing: they are not models. A gzip stream (`.gz`,
//! `.tgz`) is decompressed as a stream: a pickle in it is walked, a tar in it walked member by
//! member without seeking, a zip or 7z in it read into memory under the nested-container cap;
//! at most [`MAX_GZIP_BYTES`] are decompressed.
//!
//! Formats: zip (APPNOTE, through the `zip` crate over a seekable reader: only the central
//! directory and the entries that are pickles are read), POSIX ustar (headers read by
//! offset, members never loaded unless they are nested containers), 7z (through the
//! `sevenz-rust2` crate once [`super::seven_zip::preflight`] has found every declared size
//! within the caps; entries are decompressed as a stream, in order).

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use super::pickle::{walk, WalkLimits};
use super::sniff::{self, Content};
use super::weights::{self, has_extension, Weights};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, ReadSeek, Sample,
    Syntax,
};
use crate::model::{PickleStream, WeightsFile, WeightsFormat};

const ID: ExtractorId = "model/archive";

/// Extensions read by content: no loader convention says what they hold.
pub const CONTENT_EXTENSIONS: &[&str] = &[
    "dat", "data", "zip", "tar", "7z", "gz", "tgz", "keras", "nemo",
];

/// [`CONTENT_EXTENSIONS`], in any case, except `*.tar.gz`: that name is a Python source
/// distribution's (`python/sdist` reads it; one row per file name).
fn accepts(path: &Path) -> bool {
    let named_sdist = path
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.to_ascii_lowercase().ends_with(".tar.gz"));
    has_extension(path, CONTENT_EXTENSIONS) && !named_sdist
}

/// Entries looked at per container (all levels together).
const MAX_ENTRIES: usize = 100_000;
/// Containers nest at most this deep.
const MAX_DEPTH: u8 = 3;
/// A nested container is read into memory only up to this size (two nested levels at most:
/// 64 MiB at worst per file).
const MAX_NESTED_BYTES: u64 = 32 * 1024 * 1024;
/// A pickle entry is walked through at most this many bytes.
const MAX_PICKLE_BYTES: u64 = 256 * 1024 * 1024;
/// Bytes decompressed from one gzip stream (a gzip bomb costs at most this much work, and no
/// memory beyond the nested-container cap).
const MAX_GZIP_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Bytes of an entry read to identify it.
const HEAD_BYTES: u64 = 4096;

/// The row of [`crate::extract::FORMATS`]; also recognizes any file named on the command line
/// whose first bytes are a model serialization.
pub const FORMAT: Format = Format::new(
    ID,
    "Pickles and containers found by content (.dat, .data, .zip, .tar, .pth.tar, 7z, gzip): every pickle inside, walked without unpickling",
    FileMatch::Custom(accepts),
    &Archive,
)
.header_and_digest(weights::SNIFF_BYTES)
.recognizes(sniff::recognizes)
.fuzzed_as(
    "archive",
    &[
        Sample::new("bundle.zip", Syntax::Binary),
        Sample::new("bundle.tar", Syntax::Binary),
    ],
);

/// `model/archive`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Archive;

impl Parse for Archive {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let content = sniff::identify(input.bytes);
        match content {
            Content::Pickle
            | Content::Gguf
            | Content::Safetensors
            | Content::Numpy
            | Content::LfsPointer => Ok(Weights {
                id: ID,
                extension: WeightsFormat::Pickle,
            }
            .parse(input)?),
            Content::TextPickle => {
                // Text that happens to look like a protocol-0 line is not a model: only a
                // stream that walks to its end, or calls what it imports, is reported.
                let walk = super::pickle::walk_bytes(input.bytes);
                if walk.complete || walk.imports.iter().any(|import| import.called) {
                    Weights {
                        id: ID,
                        extension: WeightsFormat::Pickle,
                    }
                    .parse(input)
                } else {
                    Ok(Extraction::default())
                }
            }
            Content::Zip | Content::Tar | Content::SevenZip | Content::Gzip => {
                let mut weights = WeightsFile::new(WeightsFormat::Archive);
                let mut budget = MAX_ENTRIES;
                let reader = weights::reader(input);
                container(reader, content, "", 0, &mut budget, &mut weights.pickles);
                configs(input, content, &mut weights);
                if weights.pickles.is_empty() && weights.code_hazards.is_empty() {
                    return Ok(Extraction::default());
                }
                weights.size = input.files.facts(input.path).ok().map(|facts| facts.size);
                Ok(weights::report(ID, input, weights))
            }
            // Keras `.h5`: its `model_config` ([`super::hdf5`]).
            Content::Hdf5 => Ok(super::hdf5::read(ID, input)),
            _ => {
                let mut extraction = Extraction::default();
                let path = Path::new(input.path);
                // A `.zip` or `.tar` that is not one says so; a `.dat` is anything.
                for (extension, what) in [
                    ("zip", "a zip archive"),
                    ("tar", "a tar archive"),
                    ("7z", "a 7z archive"),
                ] {
                    if has_extension(path, &[extension]) {
                        extraction.diagnostics.push(weights::warning(
                            input.path,
                            format!("the content is not {what}; not inspected"),
                        ));
                    }
                }
                Ok(extraction)
            }
        }
    }
}

/// The configurations of Keras (`.keras`: `config.json`) and NeMo (`.nemo`: `*.yaml`)
/// archives ([`super::model_code`]).
fn configs(input: &Input<'_>, content: Content, weights: &mut WeightsFile) {
    let path = Path::new(input.path);
    if content == Content::Zip && has_extension(path, &["keras"]) {
        let Ok(mut archive) = zip::ZipArchive::new(weights::reader(input)) else {
            return;
        };
        let text = archive
            .by_name("config.json")
            .ok()
            .and_then(|mut entry| super::model_code::read_text(&mut entry));
        match text {
            Some(text) => {
                super::model_code::keras_config(&text, "config.json", &mut weights.code_hazards)
            }
            None => weights.pickles.push(incomplete(
                "config.json",
                "a .keras archive without a readable config.json: the layers it builds are unknown"
                    .to_owned(),
            )),
        }
    } else if content == Content::Tar && has_extension(path, &["nemo"]) {
        let mut reader = weights::reader(input);
        let size = reader.seek(SeekFrom::End(0)).unwrap_or(0);
        let Ok(members) = super::pytorch::members(&mut reader, size) else {
            return;
        };
        for member in members {
            let name = member.name.trim_start_matches("./").to_owned();
            if !(name.ends_with(".yaml") || name.ends_with(".yml")) {
                continue;
            }
            if reader.seek(SeekFrom::Start(member.offset)).is_err() {
                continue;
            }
            let mut body = (&mut reader).take(member.size);
            if let Some(text) = super::model_code::read_text(&mut body) {
                super::model_code::nemo_config(&text, &name, &mut weights.code_hazards);
            }
        }
    }
}

/// A stream that could not be read through, named after where it is and saying why.
pub(super) fn incomplete(name: &str, reason: String) -> PickleStream {
    PickleStream {
        name: name.to_owned(),
        imports: Vec::new(),
        complete: false,
        incomplete_reason: Some(reason),
    }
}

/// Walks one container, adding a stream per pickle found (and per entry that could not be
/// read). `prefix` names the outer containers (`outer.zip!inner.tar!`).
fn container(
    reader: Box<dyn ReadSeek + '_>,
    kind: Content,
    prefix: &str,
    depth: u8,
    budget: &mut usize,
    streams: &mut Vec<PickleStream>,
) {
    match kind {
        Content::Zip => zip_container(reader, prefix, depth, budget, streams),
        Content::Tar => tar_container(reader, prefix, depth, budget, streams),
        Content::SevenZip => seven_zip_container(reader, prefix, depth, budget, streams),
        Content::Gzip => gzip_stream(reader, prefix, depth, budget, streams),
        _ => {}
    }
}

/// What to do with one entry, from its head.
fn entry(
    head: &[u8],
    name: &str,
    size: u64,
    depth: u8,
    streams: &mut Vec<PickleStream>,
) -> Option<Content> {
    let content = sniff::identify(head);
    match content {
        Content::Pickle | Content::TextPickle => Some(content),
        Content::Zip | Content::Tar | Content::SevenZip | Content::Gzip => {
            if depth + 1 >= MAX_DEPTH {
                streams.push(incomplete(
                    name,
                    format!("containers nest deeper than {MAX_DEPTH} levels; not opened"),
                ));
                None
            } else if size > MAX_NESTED_BYTES {
                streams.push(incomplete(
                    name,
                    format!(
                        "a nested container of {size} bytes, over the {MAX_NESTED_BYTES}-byte cap; not opened"
                    ),
                ));
                None
            } else {
                Some(content)
            }
        }
        _ => {
            if weights::has_extension(Path::new(name), super::pickle::PICKLE_EXTENSIONS) {
                // Named like a pickle, but airlock cannot walk it: unknown.
                streams.push(incomplete(
                    name,
                    "named like a pickle, but the content is not one airlock can walk".to_owned(),
                ));
            }
            None
        }
    }
}

/// Walks a pickle entry (text pickles that do not walk and import nothing are text, not
/// pickles).
fn pickle_entry(reader: &mut dyn Read, name: &str, kind: Content, streams: &mut Vec<PickleStream>) {
    let mut limited = reader.take(MAX_PICKLE_BYTES);
    let walk = walk(&mut limited, WalkLimits::default());
    if kind == Content::TextPickle
        && !walk.complete
        && !walk.imports.iter().any(|import| import.called)
    {
        return;
    }
    let mut stream = walk.into_stream(name.to_owned());
    if !stream.complete && limited.limit() == 0 {
        stream.incomplete_reason = Some(format!(
            "the pickle is longer than the {MAX_PICKLE_BYTES}-byte cap"
        ));
    }
    streams.push(stream);
}

fn zip_container(
    reader: Box<dyn ReadSeek + '_>,
    prefix: &str,
    depth: u8,
    budget: &mut usize,
    streams: &mut Vec<PickleStream>,
) {
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(archive) => archive,
        Err(error) => {
            streams.push(incomplete(
                &format!("{prefix}zip archive"),
                format!("the zip archive cannot be read (truncated or corrupt): {error}"),
            ));
            return;
        }
    };
    for index in 0..archive.len() {
        if *budget == 0 {
            streams.push(incomplete(
                &format!("{prefix}zip archive"),
                format!("more than {MAX_ENTRIES} entries; the rest was not looked at"),
            ));
            return;
        }
        *budget -= 1;
        let (name, size, head) = match archive.by_index(index) {
            Ok(mut entry) => {
                let name = entry
                    .name()
                    .map_or_else(|_| format!("entry {index}"), |name| name.into_owned());
                let size = entry.size();
                let mut head = Vec::new();
                let read = (&mut entry).take(HEAD_BYTES).read_to_end(&mut head);
                if let Err(error) = read {
                    streams.push(incomplete(
                        &format!("{prefix}{name}"),
                        format!("the entry cannot be read: {error}"),
                    ));
                    continue;
                }
                (name, size, head)
            }
            Err(error) => {
                streams.push(incomplete(
                    &format!("{prefix}entry {index}"),
                    format!("the entry cannot be read: {error}"),
                ));
                continue;
            }
        };
        let label = format!("{prefix}{name}");
        let Some(kind) = entry(&head, &label, size, depth, streams) else {
            continue;
        };
        let Ok(mut opened) = archive.by_index(index) else {
            continue;
        };
        match kind {
            Content::Pickle | Content::TextPickle => {
                pickle_entry(&mut opened, &label, kind, streams);
            }
            nested => nested_container(
                (&mut opened).take(MAX_NESTED_BYTES),
                "entry",
                &label,
                nested,
                depth,
                budget,
                streams,
            ),
        }
    }
}

/// Reads a container found inside another one (at `label`, `depth` levels down) whole from
/// `body` and walks it one level deeper; one that cannot be read is an incomplete stream (`what`
/// it is: a zip `entry`, a tar `member`).
fn nested_container(
    mut body: impl Read,
    what: &str,
    label: &str,
    kind: Content,
    depth: u8,
    budget: &mut usize,
    streams: &mut Vec<PickleStream>,
) {
    let mut bytes = Vec::new();
    if let Err(error) = body.read_to_end(&mut bytes) {
        streams.push(incomplete(
            label,
            format!("the {what} cannot be read: {error}"),
        ));
        return;
    }
    container(
        Box::new(Cursor::new(bytes)),
        kind,
        &format!("{label}!"),
        depth + 1,
        budget,
        streams,
    );
}

/// Walks a 7z archive: its structure is checked first ([`super::seven_zip::preflight`]); then
/// every entry is decompressed in order, identified by its first bytes, walked when it is a
/// pickle, opened when it is a container, and drained to its end (solid blocks need it, and it
/// checks the entry's CRC). A panic of the crate on a malformed archive is caught here, so it
/// costs this archive, not the scan.
fn seven_zip_container(
    mut reader: Box<dyn ReadSeek + '_>,
    prefix: &str,
    depth: u8,
    budget: &mut usize,
    streams: &mut Vec<PickleStream>,
) {
    let label = format!("{prefix}7z archive");
    let length = reader.seek(SeekFrom::End(0)).unwrap_or(0);
    let layout = match super::seven_zip::preflight(&mut reader, length) {
        Ok(layout) => layout,
        Err(reason) => {
            streams.push(incomplete(&label, reason));
            return;
        }
    };
    if let Err(error) = reader.seek(SeekFrom::Start(0)) {
        streams.push(incomplete(
            &label,
            format!("the 7z archive cannot be read: {error}"),
        ));
        return;
    }
    let mut found = Vec::new();
    let mut stopped = None;
    let walked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut archive =
            sevenz_rust2::ArchiveReader::new(reader, sevenz_rust2::Password::empty())?;
        archive.set_thread_count(1);
        let mut unpacked = 0u64;
        archive.for_each_entries(|item, body| {
            if *budget == 0 {
                stopped = Some(format!(
                    "more than {MAX_ENTRIES} entries; the rest was not looked at"
                ));
                return Ok(false);
            }
            *budget -= 1;
            if item.is_directory() || !item.has_stream() || item.size() == 0 {
                return Ok(true);
            }
            let label = format!("{prefix}{}", item.name());
            if unpacked.saturating_add(item.size()) > super::seven_zip::MAX_UNPACKED_BYTES {
                stopped = Some(format!(
                    "the archive declares {} unpacked bytes, over the {}-byte cap on what one 7z \
                     archive may decompress; `{label}` and the entries after it were not looked at",
                    layout.unpacked,
                    super::seven_zip::MAX_UNPACKED_BYTES
                ));
                return Ok(false);
            }
            unpacked += item.size();
            let mut head = Vec::new();
            (&mut *body).take(HEAD_BYTES).read_to_end(&mut head)?;
            if let Some(kind) = entry(&head, &label, item.size(), depth, &mut found) {
                let mut whole = Cursor::new(head).chain(&mut *body);
                match kind {
                    Content::Pickle | Content::TextPickle => {
                        pickle_entry(&mut whole, &label, kind, &mut found);
                    }
                    nested => nested_container(
                        (&mut whole).take(MAX_NESTED_BYTES),
                        "entry",
                        &label,
                        nested,
                        depth,
                        budget,
                        &mut found,
                    ),
                }
            }
            std::io::copy(body, &mut std::io::sink())?;
            Ok(true)
        })
    }));
    streams.append(&mut found);
    match walked {
        Ok(Ok(())) => {}
        Ok(Err(error)) => streams.push(incomplete(
            &label,
            format!("the 7z archive cannot be read to its end: {error}"),
        )),
        Err(_) => streams.push(incomplete(
            &label,
            "the 7z archive is malformed (its reader gave up); the rest was not looked at"
                .to_owned(),
        )),
    }
    if let Some(reason) = stopped {
        streams.push(incomplete(&label, reason));
    }
}

/// Walks a gzip stream: what it decompresses to is identified by its first bytes; a pickle is
/// walked, a tar is walked member by member as a stream (the `tar` crate skips what is not
/// read), a zip, 7z or gzip inside is read into memory (at most [`MAX_NESTED_BYTES`]) and
/// walked one level deeper. Decompression stops at [`MAX_GZIP_BYTES`], and says so.
fn gzip_stream(
    reader: Box<dyn ReadSeek + '_>,
    prefix: &str,
    depth: u8,
    budget: &mut usize,
    streams: &mut Vec<PickleStream>,
) {
    let label = format!("{prefix}gzip content");
    let mut decoded = flate2::read::MultiGzDecoder::new(reader).take(MAX_GZIP_BYTES);
    let mut head = Vec::new();
    if let Err(error) = (&mut decoded).take(HEAD_BYTES).read_to_end(&mut head) {
        streams.push(incomplete(
            &label,
            format!("the gzip stream cannot be decompressed: {error}"),
        ));
        return;
    }
    let kind = sniff::identify(&head);
    let mut whole = Cursor::new(head).chain(&mut decoded);
    match kind {
        Content::Pickle | Content::TextPickle => pickle_entry(&mut whole, &label, kind, streams),
        Content::Tar => {
            let mut archive = tar::Archive::new(&mut whole);
            match archive.entries() {
                Ok(entries) => {
                    for member in entries {
                        if *budget == 0 {
                            streams.push(incomplete(
                                &label,
                                format!(
                                    "more than {MAX_ENTRIES} entries; the rest was not looked at"
                                ),
                            ));
                            break;
                        }
                        *budget -= 1;
                        let mut member = match member {
                            Ok(member) => member,
                            Err(error) => {
                                streams.push(incomplete(
                                    &label,
                                    format!("the tar in the gzip stream cannot be read to its end: {error}"),
                                ));
                                break;
                            }
                        };
                        if !member.header().entry_type().is_file() {
                            continue;
                        }
                        let name = member.path().map_or_else(
                            |_| "member".to_owned(),
                            |path| path.to_string_lossy().trim_start_matches("./").to_owned(),
                        );
                        let member_label = format!("{prefix}{name}");
                        let size = member.size();
                        let mut member_head = Vec::new();
                        if let Err(error) =
                            (&mut member).take(HEAD_BYTES).read_to_end(&mut member_head)
                        {
                            streams.push(incomplete(
                                &member_label,
                                format!("the member cannot be read: {error}"),
                            ));
                            break;
                        }
                        let Some(kind) = entry(&member_head, &member_label, size, depth, streams)
                        else {
                            continue;
                        };
                        let mut body = Cursor::new(member_head).chain(&mut member);
                        match kind {
                            Content::Pickle | Content::TextPickle => {
                                pickle_entry(&mut body, &member_label, kind, streams);
                            }
                            nested => nested_container(
                                body.take(MAX_NESTED_BYTES),
                                "member",
                                &member_label,
                                nested,
                                depth,
                                budget,
                                streams,
                            ),
                        }
                    }
                }
                Err(error) => streams.push(incomplete(
                    &label,
                    format!("the tar in the gzip stream cannot be read: {error}"),
                )),
            }
        }
        Content::Zip | Content::SevenZip | Content::Gzip => {
            if depth + 1 >= MAX_DEPTH {
                streams.push(incomplete(
                    &label,
                    format!("containers nest deeper than {MAX_DEPTH} levels; not opened"),
                ));
                return;
            }
            let mut bytes = Vec::new();
            let read = (&mut whole)
                .take(MAX_NESTED_BYTES + 1)
                .read_to_end(&mut bytes);
            if let Err(error) = read {
                streams.push(incomplete(
                    &label,
                    format!("the gzip stream cannot be decompressed: {error}"),
                ));
                return;
            }
            if bytes.len() as u64 > MAX_NESTED_BYTES {
                streams.push(incomplete(
                    &label,
                    format!(
                        "a container of more than {MAX_NESTED_BYTES} bytes in a gzip stream, over the cap; not opened"
                    ),
                ));
                return;
            }
            container(
                Box::new(Cursor::new(bytes)),
                kind,
                &format!("{label}!"),
                depth + 1,
                budget,
                streams,
            );
        }
        _ => {}
    }
    if decoded.limit() == 0 {
        streams.push(incomplete(
            &label,
            format!("the gzip stream decompresses to more than {MAX_GZIP_BYTES} bytes; the rest was not looked at"),
        ));
    }
}

fn tar_container(
    mut reader: Box<dyn ReadSeek + '_>,
    prefix: &str,
    depth: u8,
    budget: &mut usize,
    streams: &mut Vec<PickleStream>,
) {
    let size = reader.seek(SeekFrom::End(0)).unwrap_or(0);
    let members = match super::pytorch::members(&mut reader, size) {
        Ok(members) => members,
        Err(error) => {
            streams.push(incomplete(&format!("{prefix}tar archive"), error));
            return;
        }
    };
    for member in members {
        if *budget == 0 {
            streams.push(incomplete(
                &format!("{prefix}tar archive"),
                format!("more than {MAX_ENTRIES} entries; the rest was not looked at"),
            ));
            return;
        }
        *budget -= 1;
        let label = format!("{prefix}{}", member.name.trim_start_matches("./"));
        let mut head = Vec::new();
        let read = reader.seek(SeekFrom::Start(member.offset)).and_then(|_| {
            (&mut reader)
                .take(member.size.min(HEAD_BYTES))
                .read_to_end(&mut head)
        });
        if let Err(error) = read {
            streams.push(incomplete(
                &label,
                format!("the member cannot be read: {error}"),
            ));
            continue;
        }
        let Some(kind) = entry(&head, &label, member.size, depth, streams) else {
            continue;
        };
        if reader.seek(SeekFrom::Start(member.offset)).is_err() {
            continue;
        }
        let mut body = (&mut reader).take(member.size);
        match kind {
            Content::Pickle | Content::TextPickle => pickle_entry(&mut body, &label, kind, streams),
            nested => nested_container(body, "member", &label, nested, depth, budget, streams),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;

    fn streams(path: &str, bytes: &[u8]) -> Vec<PickleStream> {
        let files = MemoryFiles::new().with(path, bytes.to_vec());
        let input = Input::new(path, bytes).with_files(&files);
        let extraction = Archive.parse(&input).unwrap();
        extraction
            .components
            .iter()
            .filter_map(|component| component.facts.weights.as_deref())
            .flat_map(|weights| weights.pickles.clone())
            .collect()
    }

    #[test]
    fn pickles_are_found_in_nested_containers_and_plain_files_give_nothing() {
        let fixtures = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/models-generated"
        );
        let nested = std::fs::read(format!("{fixtures}/nested-container/outer.zip")).unwrap();
        let found = streams("m/outer.zip", &nested);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].name, "inner.tar!deep/model.pkl");
        assert_eq!(found[0].imports[0].qualified(), "posix.system");
        let bomb = std::fs::read(format!("{fixtures}/7z-declared-bomb/bomb.7z")).unwrap();
        let found = streams("m/bomb.7z", &bomb);
        assert_eq!(found.len(), 1, "{found:?}");
        let reason = found[0].incomplete_reason.as_deref().unwrap();
        assert!(
            reason.contains("declares 68719476736 unpacked bytes, over the 2147483648-byte cap"),
            "{reason}"
        );
        let solid = std::fs::read(format!("{fixtures}/7z-container/bundle.7z")).unwrap();
        let found = streams("m/bundle.7z", &solid);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].name, "model/model.pkl");
        assert!(found[0].complete);
        assert!(streams("docs/table.dat", b"count\nvalue\n1\n").is_empty());
        assert!(streams(
            "docs/notes.zip",
            b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
        )
        .is_empty());
    }
}
