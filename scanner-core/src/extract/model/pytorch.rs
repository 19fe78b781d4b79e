//! PyTorch checkpoints (`torch/serialization.py`): the zip layout of `torch.save` since 1.6
//! (see `zip_archive`), the legacy "stacked" layout (five pickles back to back — magic number,
//! protocol version, system info, the object, the storage keys — then raw storages) and the
//! oldest tar layout (`sys_info`, `pickle`, `storages`, `tensors` entries). Every pickle is
//! walked without unpickling; raw storage bytes are skipped by the lengths the records give.

use std::io::{self, Read, SeekFrom};

use super::pickle::{walk, walk_concatenated, WalkLimits};
use super::weights::{self, problem, Weights};
use crate::extract::{ExtractorId, FileMatch, Format, ReadSeek, Sample, Syntax};
use crate::model::{PickleStream, WeightsFile, WeightsFormat};

/// The first pickle of the legacy layout holds this number.
pub const LEGACY_MAGIC: i128 = 0x1950a86a20f9469cfc6c;
/// At most this many records are walked in one tar entry.
const MAX_RECORDS: i128 = 1_000_000;

/// Reads one or more pickles from the start of a file (plain pickle or legacy layout).
pub fn read_pickles(reader: &mut dyn ReadSeek, weights: &mut WeightsFile) {
    let first = walk(reader, WalkLimits::default());
    if first.complete && first.integer == Some(LEGACY_MAGIC) {
        weights.format = WeightsFormat::PytorchLegacy;
        let length = first.length;
        weights
            .pickles
            .push(first.into_stream("legacy magic number".to_owned()));
        // Protocol, system info, the object, the storage keys; then raw data.
        let rest = walk_concatenated(reader, &format!("pickle at byte {length}"), 4);
        weights.pickles.extend(rest);
        return;
    }
    let complete = first.complete;
    let length = first.length;
    weights.pickles.push(first.into_stream("pickle".to_owned()));
    if complete {
        let mut next = [0u8; 1];
        if matches!(reader.read(&mut next), Ok(1)) && next[0] == 0x80 {
            // Another pickle follows: `pickle.load` called again would run it.
            if reader.seek(SeekFrom::Current(-1)).is_ok() {
                let more = walk_concatenated(reader, &format!("pickle at byte {length}"), 64);
                weights.pickles.extend(more);
            }
        }
    }
}

/// One tar member.
pub(super) struct Member {
    pub(super) name: String,
    pub(super) offset: u64,
    pub(super) size: u64,
}

fn octal(field: &[u8]) -> Option<u64> {
    let text: String = field
        .iter()
        .take_while(|byte| **byte != 0 && **byte != b' ')
        .map(|byte| char::from(*byte))
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// Lists the regular members of a ustar archive (header blocks only).
pub(super) fn members(reader: &mut dyn ReadSeek, size: u64) -> Result<Vec<Member>, String> {
    let mut members = Vec::new();
    let mut offset: u64 = 0;
    let mut header = [0u8; 512];
    while offset + 512 <= size && members.len() < 10_000 {
        reader
            .seek(SeekFrom::Start(offset))
            .and_then(|_| reader.read_exact(&mut header))
            .map_err(|error| format!("tar header at byte {offset}: {error}"))?;
        if header.iter().all(|byte| *byte == 0) {
            return Ok(members);
        }
        let name: String = header
            .get(..100)
            .unwrap_or_default()
            .iter()
            .take_while(|byte| **byte != 0)
            .map(|byte| char::from(*byte))
            .collect();
        let member_size = header
            .get(124..136)
            .and_then(octal)
            .ok_or_else(|| format!("tar header at byte {offset} has a bad size"))?;
        let kind = header.get(156).copied().unwrap_or(0);
        if matches!(kind, 0 | b'0') {
            members.push(Member {
                name,
                offset: offset + 512,
                size: member_size,
            });
        }
        offset = offset
            .saturating_add(512)
            .saturating_add(member_size.div_ceil(512).saturating_mul(512));
    }
    if offset + 512 > size && offset < size {
        return Err("the tar archive ends inside a member (truncated)".to_owned());
    }
    Ok(members)
}

/// Bytes per element of a legacy storage class.
fn element_size(storage: &str) -> u64 {
    match storage {
        "DoubleStorage" | "LongStorage" | "ComplexFloatStorage" => 8,
        "FloatStorage" | "IntStorage" => 4,
        "HalfStorage" | "ShortStorage" | "BFloat16Storage" => 2,
        "ComplexDoubleStorage" => 16,
        _ => 1,
    }
}

/// Walks a pickle at the reader's position within a member ending at `end`.
fn member_pickle(reader: &mut dyn ReadSeek, end: u64) -> io::Result<super::pickle::Walk> {
    let position = reader.stream_position()?;
    let mut limited = (&mut *reader).take(end.saturating_sub(position));
    let walk = walk(&mut limited, WalkLimits::default());
    reader.seek(SeekFrom::Start(position + walk.length))?;
    Ok(walk)
}

/// Reads the record count that opens a legacy member (itself a pickle) and records its stream;
/// `None` (with an "unknown rest" stream) when it is not a small integer.
fn record_count(
    reader: &mut dyn ReadSeek,
    member: &Member,
    weights: &mut WeightsFile,
    what: &str,
    noun: &str,
) -> io::Result<Option<i128>> {
    reader.seek(SeekFrom::Start(member.offset))?;
    let count = member_pickle(reader, member.offset + member.size)?;
    let records = count.integer;
    let complete = count.complete;
    weights
        .pickles
        .push(count.into_stream(format!("{what}: count")));
    let records = records.filter(|records| complete && (0..=MAX_RECORDS).contains(records));
    if records.is_none() {
        weights.pickles.push(unknown_rest(
            what,
            &format!("the {noun} count is not a small integer"),
        ));
    }
    Ok(records)
}

/// The `storages` member: a count, then per storage a `(key, location, storage_type)` pickle,
/// an 8-byte element count and the raw elements; then a pickle of storage views.
fn walk_storages(
    reader: &mut dyn ReadSeek,
    member: &Member,
    weights: &mut WeightsFile,
) -> io::Result<()> {
    let end = member.offset + member.size;
    let Some(records) = record_count(reader, member, weights, "storages", "storage")? else {
        return Ok(());
    };
    for record in 0..records {
        let walk = member_pickle(reader, end)?;
        let storage = walk
            .last_storage_class()
            .unwrap_or("ByteStorage")
            .to_owned();
        let complete = walk.complete;
        weights
            .pickles
            .push(walk.into_stream(format!("storages: record {record}")));
        if !complete {
            return Ok(());
        }
        let mut elements = [0u8; 8];
        reader.read_exact(&mut elements)?;
        let bytes = u64::from_le_bytes(elements).saturating_mul(element_size(&storage));
        let position = reader.stream_position()?;
        if position.saturating_add(bytes) > end {
            weights.pickles.push(unknown_rest(
                "storages",
                "a storage runs past the end of the member",
            ));
            return Ok(());
        }
        reader.seek(SeekFrom::Start(position + bytes))?;
    }
    let views = member_pickle(reader, end)?;
    weights
        .pickles
        .push(views.into_stream("storages: views".to_owned()));
    Ok(())
}

/// The `tensors` member: a count, then per tensor a key pickle, a storage-id pickle and packed
/// integers (ndim, 4 padding bytes, ndim sizes, ndim strides, storage offset).
fn walk_tensors(
    reader: &mut dyn ReadSeek,
    member: &Member,
    weights: &mut WeightsFile,
) -> io::Result<()> {
    let end = member.offset + member.size;
    let Some(records) = record_count(reader, member, weights, "tensors", "tensor")? else {
        return Ok(());
    };
    weights.tensors = Some(u64::try_from(records).unwrap_or(0));
    for record in 0..records {
        for part in ["key", "storage"] {
            let walk = member_pickle(reader, end)?;
            let complete = walk.complete;
            weights
                .pickles
                .push(walk.into_stream(format!("tensors: record {record} {part}")));
            if !complete {
                return Ok(());
            }
        }
        let mut dimensions = [0u8; 4];
        reader.read_exact(&mut dimensions)?;
        let dimensions = u64::from(u32::from_le_bytes(dimensions));
        if dimensions > 64 {
            weights.pickles.push(unknown_rest(
                "tensors",
                "a tensor record has more than 64 dimensions",
            ));
            return Ok(());
        }
        reader.seek(SeekFrom::Current(
            i64::try_from(4 + 16 * dimensions + 8).unwrap_or(0),
        ))?;
    }
    Ok(())
}

fn unknown_rest(member: &str, reason: &str) -> PickleStream {
    PickleStream {
        name: format!("{member}: rest"),
        imports: Vec::new(),
        complete: false,
        incomplete_reason: Some(format!("{reason}; the rest of the member was not walked")),
    }
}

/// Reads the tar layout.
pub fn read_tar(reader: &mut dyn ReadSeek, size: u64, weights: &mut WeightsFile) {
    let members = match members(reader, size) {
        Ok(members) => members,
        Err(message) => {
            weights.pickles.push(PickleStream {
                name: "tar archive".to_owned(),
                imports: Vec::new(),
                complete: false,
                incomplete_reason: Some(message),
            });
            return;
        }
    };
    let mut found = false;
    for member in &members {
        let base = member.name.rsplit('/').next().unwrap_or(&member.name);
        let outcome = match base {
            "sys_info" | "pickle" => {
                found = true;
                reader.seek(SeekFrom::Start(member.offset)).and_then(|_| {
                    let walk = member_pickle(reader, member.offset + member.size)?;
                    weights.pickles.push(walk.into_stream(base.to_owned()));
                    Ok(())
                })
            }
            "storages" => walk_storages(reader, member, weights),
            "tensors" => walk_tensors(reader, member, weights),
            _ => Ok(()),
        };
        if let Err(error) = outcome {
            weights
                .pickles
                .push(unknown_rest(base, &format!("read error ({error})")));
        }
    }
    if !found {
        problem(
            weights,
            "a tar archive without a `pickle` member is not a PyTorch checkpoint",
        );
    }
}

const ID: ExtractorId = "model/pytorch";

/// The row of [`crate::extract::FORMATS`]: read by the sniffing reader all weights share.
pub const FORMAT: Format = Format::new(
    ID,
    "PyTorch checkpoints (.pt, .pth, .bin, .ckpt; zip, legacy and tar layouts): pickle imports, SHA-256",
    FileMatch::Extensions(&["pt", "pth", "bin", "ckpt"]),
    &Weights {
        id: ID,
        extension: WeightsFormat::PytorchZip,
    },
)
.header_and_digest(weights::SNIFF_BYTES)
.fuzzed_as("pytorch", &[Sample::new("pytorch_model.bin", Syntax::Binary)]);
