//! ONNX models (`onnx/onnx.proto`, message `ModelProto`): recognized by extension and hashed;
//! the top-level protobuf fields are walked to keep the IR version, producer and operator-set
//! imports. ONNX runs no Python on load, but custom operator domains need native code of their
//! own, so the domains are listed.
//!
//! The graph is walked for tensors stored outside the file: every `TensorProto` with
//! `data_location = EXTERNAL` (field 14) and its `external_data` entries (field 13: `location`,
//! `offset`, `length`), in the graph's initializers (5), sparse initializers (15: values and
//! indices), and node attributes (tensor 5, tensors 10) including subgraphs (6, 11) — the
//! tensors `onnx.external_data_helper` loads. A location that is absolute or walks up (`..`)
//! is what CVE-2022-25882 and CVE-2024-27318 exploit (the loader reads any file into a
//! tensor); [`external_files`] also follows links and hashes the files that stay inside.
//!
//! The protobuf is read by hand, by field number, rather than through generated code: only
//! these few fields are needed, and a model's weights (`raw_data`, often gigabytes) must be
//! skipped by seeking, never decoded into memory, which a message-at-a-time decoder would do.

use std::collections::BTreeMap;
use std::io::{Read, SeekFrom};

use super::weights::{self, problem, Weights};
use crate::component::Component;
use crate::extract::{ExtractorId, FileMatch, Format, Input, ReadSeek, Sample, Syntax};
use crate::model::{ExternalData, WeightsFile, WeightsFormat};

/// Subgraphs (`If`, `Loop`, `Scan` bodies) are followed this deep.
const MAX_GRAPH_DEPTH: u8 = 8;
/// Distinct external-data locations kept per model.
const MAX_LOCATIONS: usize = 4096;
/// An `external_data` entry longer than this is not a location (it is skipped and noted).
const MAX_ENTRY_BYTES: u64 = 64 * 1024;
/// Protobuf fields looked at in the graph (all messages together): a bound on the work a
/// crafted file can cause.
const MAX_GRAPH_FIELDS: u64 = 50_000_000;

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
                    7 => {
                        let mut walk = GraphWalk::default();
                        let walked = walk.graph(reader, position + length, 0);
                        walk.finish(weights);
                        walked?;
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

/// One tensor's external-data facts, while its fields are read.
#[derive(Default)]
struct TensorFacts {
    name: String,
    external: bool,
    location: Option<String>,
    offset: Option<u64>,
    length: Option<u64>,
}

/// What the graph walk collects: external-data locations, in order of first appearance.
#[derive(Default)]
struct GraphWalk {
    locations: BTreeMap<String, ExternalData>,
    fields: u64,
    dropped: bool,
}

/// Reads one field key inside a message ending at `end`: `None` at the end.
fn next_field(reader: &mut dyn ReadSeek, end: u64) -> Result<Option<(u64, u64)>, String> {
    let position = reader
        .stream_position()
        .map_err(|error| error.to_string())?;
    if position >= end {
        return Ok(None);
    }
    let key = varint(reader)?.ok_or("the file ends inside a message (truncated)")?;
    Ok(Some((key >> 3, key & 7)))
}

/// Skips a field of wire type `wire` (its key already read), or, for a length-delimited one,
/// returns its (start, end) without moving past it.
fn field_span(
    reader: &mut dyn ReadSeek,
    wire: u64,
    end: u64,
) -> Result<Option<(u64, u64)>, String> {
    let seek = |reader: &mut dyn ReadSeek, by: i64| {
        reader
            .seek(SeekFrom::Current(by))
            .map(|_| ())
            .map_err(|error| error.to_string())
    };
    match wire {
        0 => varint(reader)?
            .map(|_| None)
            .ok_or_else(|| "truncated".to_owned()),
        1 => seek(reader, 8).map(|()| None),
        5 => seek(reader, 4).map(|()| None),
        2 => {
            let length = varint(reader)?.ok_or("truncated")?;
            let start = reader
                .stream_position()
                .map_err(|error| error.to_string())?;
            let stop = start.saturating_add(length);
            if stop > end {
                return Err(format!(
                    "a field claims {length} bytes past the end of its message (truncated)"
                ));
            }
            Ok(Some((start, stop)))
        }
        other => Err(format!(
            "wire type {other} is not valid in an ONNX model (corrupt)"
        )),
    }
}

fn seek_to(reader: &mut dyn ReadSeek, position: u64) -> Result<(), String> {
    reader
        .seek(SeekFrom::Start(position))
        .map(|_| ())
        .map_err(|error| error.to_string())
}

impl GraphWalk {
    /// Counts one field against [`MAX_GRAPH_FIELDS`].
    fn tick(&mut self) -> Result<(), String> {
        self.fields += 1;
        if self.fields > MAX_GRAPH_FIELDS {
            return Err(format!(
                "the graph has more than {MAX_GRAPH_FIELDS} fields; the rest was not read"
            ));
        }
        Ok(())
    }

    /// `GraphProto`: node (1), initializer (5), sparse_initializer (15).
    fn graph(&mut self, reader: &mut dyn ReadSeek, end: u64, depth: u8) -> Result<(), String> {
        if depth > MAX_GRAPH_DEPTH {
            return Err(format!(
                "subgraphs nest deeper than {MAX_GRAPH_DEPTH} levels; not read"
            ));
        }
        while let Some((field, wire)) = next_field(reader, end)? {
            self.tick()?;
            let Some((start, stop)) = field_span(reader, wire, end)? else {
                continue;
            };
            match field {
                1 => self.node(reader, stop, depth)?,
                5 => self.tensor(reader, stop)?,
                15 => self.sparse(reader, stop)?,
                _ => {}
            }
            let _ = start;
            seek_to(reader, stop)?;
        }
        Ok(())
    }

    /// `NodeProto`: attribute (5).
    fn node(&mut self, reader: &mut dyn ReadSeek, end: u64, depth: u8) -> Result<(), String> {
        while let Some((field, wire)) = next_field(reader, end)? {
            self.tick()?;
            let Some((_, stop)) = field_span(reader, wire, end)? else {
                continue;
            };
            if field == 5 {
                self.attribute(reader, stop, depth)?;
            }
            seek_to(reader, stop)?;
        }
        Ok(())
    }

    /// `AttributeProto`: t (5), g (6), tensors (10), graphs (11).
    fn attribute(&mut self, reader: &mut dyn ReadSeek, end: u64, depth: u8) -> Result<(), String> {
        while let Some((field, wire)) = next_field(reader, end)? {
            self.tick()?;
            let Some((_, stop)) = field_span(reader, wire, end)? else {
                continue;
            };
            match field {
                5 | 10 => self.tensor(reader, stop)?,
                6 | 11 => self.graph(reader, stop, depth + 1)?,
                _ => {}
            }
            seek_to(reader, stop)?;
        }
        Ok(())
    }

    /// `SparseTensorProto`: values (1), indices (2).
    fn sparse(&mut self, reader: &mut dyn ReadSeek, end: u64) -> Result<(), String> {
        while let Some((field, wire)) = next_field(reader, end)? {
            self.tick()?;
            let Some((_, stop)) = field_span(reader, wire, end)? else {
                continue;
            };
            if matches!(field, 1 | 2) {
                self.tensor(reader, stop)?;
            }
            seek_to(reader, stop)?;
        }
        Ok(())
    }

    /// `TensorProto`: name (8), external_data (13), data_location (14); `raw_data` and the
    /// typed data fields are skipped by seeking.
    fn tensor(&mut self, reader: &mut dyn ReadSeek, end: u64) -> Result<(), String> {
        let mut facts = TensorFacts::default();
        while let Some((field, wire)) = next_field(reader, end)? {
            self.tick()?;
            if (field, wire) == (14, 0) {
                facts.external = varint(reader)?.ok_or("truncated")? == 1;
                continue;
            }
            let Some((start, stop)) = field_span(reader, wire, end)? else {
                continue;
            };
            match field {
                8 => facts.name = text(reader, stop - start)?,
                13 if stop - start <= MAX_ENTRY_BYTES => {
                    let mut bytes = Vec::new();
                    reader
                        .take(stop - start)
                        .read_to_end(&mut bytes)
                        .map_err(|error| error.to_string())?;
                    let (key, value) = string_entry(&bytes);
                    match key.as_str() {
                        "location" => facts.location = Some(value),
                        "offset" => facts.offset = value.trim().parse().ok(),
                        "length" => facts.length = value.trim().parse().ok(),
                        _ => {}
                    }
                }
                _ => {}
            }
            seek_to(reader, stop)?;
        }
        if facts.external {
            self.add(facts);
        }
        Ok(())
    }

    fn add(&mut self, facts: TensorFacts) {
        // A tensor marked external without a location cannot be loaded; onnx refuses it.
        let location = facts.location.unwrap_or_default();
        let extent = match (facts.offset.unwrap_or(0), facts.length) {
            (offset, Some(length)) => Some(offset.saturating_add(length)),
            _ => None,
        };
        if !self.locations.contains_key(&location) && self.locations.len() >= MAX_LOCATIONS {
            self.dropped = true;
            return;
        }
        let entry = self
            .locations
            .entry(location.clone())
            .or_insert_with(|| ExternalData {
                escapes: escapes(&location),
                location,
                tensor: facts.name,
                tensors: 0,
                extent: None,
            });
        entry.tensors += 1;
        entry.extent = entry.extent.max(extent);
    }

    fn finish(self, weights: &mut WeightsFile) {
        if self.dropped {
            problem(
                weights,
                format!("more than {MAX_LOCATIONS} external-data files; the rest are not listed"),
            );
        }
        weights.external_data.extend(self.locations.into_values());
    }
}

/// `StringStringEntryProto`: key (1), value (2).
fn string_entry(bytes: &[u8]) -> (String, String) {
    let mut reader = bytes;
    let (mut key, mut value) = (String::new(), String::new());
    while let Ok(Some(field_key)) = varint(&mut reader) {
        if field_key & 7 != 2 {
            break;
        }
        let Ok(Some(length)) = varint(&mut reader) else {
            break;
        };
        let Ok(length) = usize::try_from(length) else {
            break;
        };
        let Some(body) = reader.get(..length) else {
            break;
        };
        let body = String::from_utf8_lossy(body).into_owned();
        reader = reader.get(length..).unwrap_or_default();
        match field_key >> 3 {
            1 => key = body,
            2 => value = body,
            _ => {}
        }
    }
    (key, value)
}

/// Why an external-data location, as written, leaves the model's folder: empty, absolute
/// (`/`, `\\`, a drive letter), or walking up through `..` (onnx's own checker refuses these
/// since 1.16; older loaders follow them, CVE-2022-25882, CVE-2024-27318).
pub fn escapes(location: &str) -> Option<String> {
    let bytes = location.as_bytes();
    if location.is_empty() {
        return Some("the location is empty".to_owned());
    }
    if location.starts_with('/') || location.starts_with('\\') {
        return Some("the location is an absolute path".to_owned());
    }
    if bytes.get(1) == Some(&b':') && bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return Some("the location is an absolute Windows path".to_owned());
    }
    if location.contains('\0') {
        return Some("the location holds a NUL byte".to_owned());
    }
    if location.split(['/', '\\']).any(|part| part == "..") {
        return Some("the location walks up out of the model's folder (`..`)".to_owned());
    }
    None
}

/// Checks the external-data files of an ONNX model read into `weights` against the files
/// beside it: a link that leaves the model's folder is an escape, a file that is missing or
/// shorter than its tensors claim is a problem, and every file that stays inside becomes a
/// hashed `file` component (returned with its scan-relative path) for the caller to link from
/// the model.
pub fn external_files(input: &Input<'_>, weights: &mut WeightsFile) -> Vec<(Component, String)> {
    let folder = crate::extract::parent_directory(input.path);
    let boundary = super::ModelDirectory::of(input.path)
        .map(|model| {
            if model.is_cache_snapshot() {
                // A snapshot's files are links into the repository's `blobs/`.
                let mut repository = model.directory.as_str();
                for _ in 0..2 {
                    repository = crate::extract::parent_directory(repository);
                }
                repository.to_owned()
            } else {
                folder.to_owned()
            }
        })
        .unwrap_or_else(|| folder.to_owned());
    // Paths are folded lexically by `join_path`, so a prefix test is enough.
    let inside = |path: &str, root: &str| {
        if root.is_empty() || root == "." {
            path != ".." && !path.starts_with("../") && !path.starts_with('/')
        } else {
            path == root || path.starts_with(&format!("{root}/"))
        }
    };
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for data in &mut weights.external_data {
        if data.escapes.is_some() {
            continue;
        }
        let path = crate::extract::join_path(folder, &data.location);
        if !inside(&path, folder) {
            data.escapes = Some("the location resolves outside the model's folder".to_owned());
            continue;
        }
        match input.files.facts(&path) {
            Ok(facts) => {
                if let Some(target) = facts.link_target.as_deref() {
                    let resolved = if target.starts_with('/') {
                        target.to_owned()
                    } else {
                        crate::extract::join_path(crate::extract::parent_directory(&path), target)
                    };
                    if !inside(&resolved, &boundary) {
                        data.escapes = Some(format!(
                            "`{}` is a link to `{target}`, outside the model's folder",
                            data.location
                        ));
                        continue;
                    }
                }
                if let Some(extent) = data.extent {
                    if facts.size < extent {
                        problems.push(format!(
                            "external data `{}` is {} bytes, but its tensors claim {extent}",
                            data.location, facts.size
                        ));
                    }
                }
            }
            Err(diagnostic) => {
                problems.push(format!(
                    "external data `{}` cannot be read: {}",
                    data.location, diagnostic.message
                ));
                continue;
            }
        }
        match input.files.digest(&path) {
            Ok(digest) => {
                let name = path.rsplit('/').next().unwrap_or(&path);
                let Some(name) =
                    super::package_name(crate::ecosystem::Ecosystem::GenericFile, name)
                else {
                    continue;
                };
                let key = crate::component::ComponentKey::new(
                    crate::ecosystem::Ecosystem::GenericFile,
                    name,
                    None,
                    crate::component::Source::File { path: path.clone() },
                );
                let mut file = Component::new(key, crate::component::ComponentKind::File)
                    .with_evidence(super::evidence(ID, input.path, None));
                file.hashes.extend(digest.hashes());
                files.push((file, path));
            }
            Err(diagnostic) => problems.push(format!(
                "external data `{}` cannot be hashed: {}",
                data.location, diagnostic.message
            )),
        }
    }
    for message in problems {
        problem(weights, message);
    }
    files
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

    fn field(number: u64, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for value in [number << 3 | 2, body.len() as u64] {
            let mut value = value;
            loop {
                let byte = (value & 0x7f) as u8;
                value >>= 7;
                if value == 0 {
                    out.push(byte);
                    break;
                }
                out.push(byte | 0x80);
            }
        }
        out.extend(body);
        out
    }

    fn external_tensor(name: &str, location: &str, length: Option<u64>) -> Vec<u8> {
        let entry = |key: &str, value: &str| {
            field(
                13,
                &[field(1, key.as_bytes()), field(2, value.as_bytes())].concat(),
            )
        };
        let mut tensor = field(8, name.as_bytes());
        tensor.extend(field(9, &[0u8; 300])); // raw_data, skipped by seeking
        tensor.extend(entry("location", location));
        tensor.extend(entry("offset", "8"));
        if let Some(length) = length {
            tensor.extend(entry("length", &length.to_string()));
        }
        tensor.extend([14 << 3, 1]); // data_location = EXTERNAL
        tensor
    }

    fn model(graph: &[u8]) -> Vec<u8> {
        [vec![0x08, 8], field(7, graph)].concat()
    }

    #[test]
    fn external_data_in_initializers_attributes_and_subgraphs() {
        let initializer = field(5, &external_tensor("w", "weights.bin", Some(16)));
        let again = field(5, &external_tensor("w2", "weights.bin", Some(64)));
        let sparse = field(
            15,
            &field(1, &external_tensor("s", "C:\\Windows\\win.ini", None)),
        );
        // If node whose then_branch (g) holds a Constant whose value (t) is external.
        let constant = field(
            1,
            &field(
                5,
                &field(5, &external_tensor("c", "sub/../../secret", None)),
            ),
        );
        let subgraph = field(6, &constant);
        let node = field(1, &field(5, &subgraph));
        // A tensor with external_data but stored inline is not loaded from outside.
        let mut inline = field(8, b"inline");
        inline.extend(field(
            13,
            &[field(1, b"location"), field(2, b"/etc/shadow")].concat(),
        ));
        let inline = field(5, &inline);
        let bytes = model(&[initializer, again, sparse, node, inline].concat());
        let mut weights = WeightsFile::new(WeightsFormat::Onnx);
        read(&mut Cursor::new(&bytes), bytes.len() as u64, &mut weights);
        assert!(weights.problems.is_empty(), "{:?}", weights.problems);
        let found: Vec<(&str, u64, Option<u64>, bool)> = weights
            .external_data
            .iter()
            .map(|data| {
                (
                    data.location.as_str(),
                    data.tensors,
                    data.extent,
                    data.escapes.is_some(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("C:\\Windows\\win.ini", 1, None, true),
                ("sub/../../secret", 1, None, true),
                ("weights.bin", 2, Some(72), false),
            ]
        );
        // Cut inside the graph: what was read is kept, and the cut is a problem.
        let cut = bytes.get(..bytes.len() - 20).unwrap();
        let mut truncated = WeightsFile::new(WeightsFormat::Onnx);
        read(&mut Cursor::new(cut), cut.len() as u64, &mut truncated);
        assert!(!truncated.problems.is_empty());
    }

    #[test]
    fn locations_that_leave_the_folder() {
        for location in [
            "/etc/passwd",
            "\\\\host\\share",
            "D:/x",
            "../x",
            "a/../../x",
            "a\\..\\..\\x",
            "",
        ] {
            assert!(escapes(location).is_some(), "{location}");
        }
        for location in ["weights.bin", "data/part-1.bin", "a..b", ".hidden"] {
            assert_eq!(escapes(location), None, "{location}");
        }
    }

    #[test]
    fn files_inside_are_hashed_and_links_out_are_escapes() {
        let tensor = |location: &str| field(5, &external_tensor("w", location, Some(4)));
        let bytes = model(&[tensor("model.onnx.data"), tensor("missing.bin")].concat());
        let files = crate::extract::MemoryFiles::new()
            .with("m/model.onnx", bytes.clone())
            .with("m/model.onnx.data", vec![0u8; 16]);
        let input = Input::new("m/model.onnx", &bytes).with_files(&files);
        let mut weights = WeightsFile::new(WeightsFormat::Onnx);
        read(&mut Cursor::new(&bytes), bytes.len() as u64, &mut weights);
        let linked = external_files(&input, &mut weights);
        assert_eq!(linked.len(), 1);
        assert_eq!(linked[0].1, "m/model.onnx.data");
        assert_eq!(linked[0].0.hashes.len(), 1);
        assert!(
            weights
                .problems
                .iter()
                .any(|problem| problem.contains("missing.bin")),
            "{:?}",
            weights.problems
        );
    }

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
