//! One attribute of an HDF5 file's root group, read by following the format's structures (HDF5
//! File Format Specification 3.0): superblock (versions 0–3) → root group object header
//! (versions 1 and 2, continuation blocks followed) → attribute messages in the header
//! (versions 1–3) → the value, a fixed-length string inside the message or a variable-length
//! string in a global heap collection (`GCOL`), wherever in the file it lies. This is what
//! `h5py`'s `f.attrs["model_config"]` reads, so a decoy JSON elsewhere in the file cannot stand
//! in for it, and a config past the first bytes is still found.
//!
//! Only the root group is read, and only attributes stored in its object header ("compact"
//! storage, what h5py and Keras write for a handful of attributes). Attributes kept in dense
//! storage (a fractal heap, announced by an Attribute Info message), shared attribute messages
//! and other value types are reported as not readable, so the caller fails closed.

use std::io::{Read, SeekFrom};

use crate::extract::ReadSeek;

/// Largest attribute value read (a Keras config is a few hundred KiB at most).
pub(super) const MAX_VALUE_BYTES: u64 = 16 * 1024 * 1024;
/// Largest object header block read.
const MAX_BLOCK_BYTES: u64 = 1024 * 1024;
/// Object header blocks (the first and its continuations) followed.
const MAX_BLOCKS: usize = 64;
/// Objects of a global heap collection walked to find one.
const MAX_HEAP_OBJECTS: usize = 100_000;

const MESSAGE_ATTRIBUTE: u16 = 0x000C;
const MESSAGE_CONTINUATION: u16 = 0x0010;
const MESSAGE_ATTRIBUTE_INFO: u16 = 0x0015;

type Checked<T> = Result<T, String>;

fn malformed(what: &str) -> String {
    format!("the HDF5 {what} is malformed or truncated")
}

fn read_at(reader: &mut dyn ReadSeek, offset: u64, length: u64) -> Checked<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .seek(SeekFrom::Start(offset))
        .and_then(|_| (&mut *reader).take(length).read_to_end(&mut bytes))
        .map_err(|error| format!("cannot read the HDF5 file: {error}"))?;
    Ok(bytes)
}

/// A little-endian unsigned number of `size` bytes at `at`.
fn number(bytes: &[u8], at: usize, size: usize) -> Checked<u64> {
    let field = at
        .checked_add(size)
        .and_then(|end| bytes.get(at..end))
        .ok_or_else(|| malformed("structure"))?;
    Ok(field
        .iter()
        .rev()
        .fold(0u64, |value, byte| (value << 8) | u64::from(*byte)))
}

/// Sizes of offsets and lengths, and the base address every other address is relative to.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    offsets: usize,
    lengths: usize,
    base: u64,
}

impl Geometry {
    fn address(&self, relative: u64) -> Checked<u64> {
        self.base
            .checked_add(relative)
            .ok_or_else(|| malformed("address"))
    }
}

/// Reads the superblock at `superblock`: the geometry and the root group's object header.
fn superblock(reader: &mut dyn ReadSeek, superblock: u64) -> Checked<(Geometry, u64)> {
    let bytes = read_at(reader, superblock, 128)?;
    let version = *bytes.get(8).ok_or_else(|| malformed("superblock"))?;
    let valid = |size: u8| matches!(size, 2 | 4 | 8);
    match version {
        0 | 1 => {
            let (offsets, lengths) = (
                *bytes.get(13).ok_or_else(|| malformed("superblock"))?,
                *bytes.get(14).ok_or_else(|| malformed("superblock"))?,
            );
            if !valid(offsets) || !valid(lengths) {
                return Err(malformed("superblock"));
            }
            let offsets = usize::from(offsets);
            let addresses = if version == 0 { 24 } else { 28 };
            let base = number(&bytes, addresses, offsets)?;
            // Base, free space, end of file, driver info; then the root group's symbol table
            // entry: link name offset, object header address.
            let root = number(&bytes, addresses + 5 * offsets, offsets)?;
            let geometry = Geometry {
                offsets,
                lengths: usize::from(lengths),
                base,
            };
            Ok((geometry, geometry.address(root)?))
        }
        2 | 3 => {
            let (offsets, lengths) = (
                *bytes.get(9).ok_or_else(|| malformed("superblock"))?,
                *bytes.get(10).ok_or_else(|| malformed("superblock"))?,
            );
            if !valid(offsets) || !valid(lengths) {
                return Err(malformed("superblock"));
            }
            let offsets = usize::from(offsets);
            let base = number(&bytes, 12, offsets)?;
            let root = number(&bytes, 12 + 3 * offsets, offsets)?;
            let geometry = Geometry {
                offsets,
                lengths: usize::from(lengths),
                base,
            };
            Ok((geometry, geometry.address(root)?))
        }
        other => Err(format!(
            "an HDF5 superblock of version {other}, which airlock does not read"
        )),
    }
}

/// One message of an object header.
struct Message {
    kind: u16,
    flags: u8,
    data: Vec<u8>,
}

/// The messages of the object header at `address`, its continuation blocks followed.
fn messages(reader: &mut dyn ReadSeek, geometry: Geometry, address: u64) -> Checked<Vec<Message>> {
    let prefix = read_at(reader, address, 24)?;
    let mut found = Vec::new();
    // Blocks to parse: (address, length, version 2 continuation with its `OCHK`).
    let mut blocks: Vec<(u64, u64, bool)> = Vec::new();
    let version_two = prefix.starts_with(b"OHDR");
    let mut creation_order = false;
    if version_two {
        let flags = *prefix.get(5).ok_or_else(|| malformed("object header"))?;
        creation_order = flags & 0x04 != 0;
        let mut position = 6usize;
        if flags & 0x20 != 0 {
            position += 16;
        }
        if flags & 0x10 != 0 {
            position += 4;
        }
        let size_bytes = 1usize << (flags & 0x03);
        let chunk = number(&prefix, position, size_bytes)?;
        let start = address
            .checked_add((position + size_bytes) as u64)
            .ok_or_else(|| malformed("object header"))?;
        blocks.push((start, chunk, false));
    } else {
        if prefix.first() != Some(&1) {
            return Err(malformed("object header"));
        }
        let size = number(&prefix, 8, 4)?;
        blocks.push((address.saturating_add(16), size, false));
    }
    let mut index = 0usize;
    while let Some(&(start, length, continuation)) = blocks.get(index) {
        index += 1;
        if index > MAX_BLOCKS {
            return Err(format!(
                "the HDF5 root group's header continues over more than {MAX_BLOCKS} blocks"
            ));
        }
        if length > MAX_BLOCK_BYTES {
            return Err(format!(
                "an HDF5 object header block of {length} bytes, over the {MAX_BLOCK_BYTES}-byte cap"
            ));
        }
        let block = read_at(reader, start, length)?;
        if (block.len() as u64) < length {
            return Err(malformed("object header"));
        }
        let (mut position, end) = if version_two {
            let skip = if continuation {
                if !block.starts_with(b"OCHK") {
                    return Err(malformed("object header continuation"));
                }
                4
            } else {
                0
            };
            // Version 2 blocks end with a checksum.
            (skip, block.len().saturating_sub(4))
        } else {
            (0, block.len())
        };
        loop {
            let (kind, size, flags, header) = if version_two {
                let header = 4 + if creation_order { 2 } else { 0 };
                if position + header > end {
                    break;
                }
                (
                    number(&block, position, 1)? as u16,
                    number(&block, position + 1, 2)? as usize,
                    number(&block, position + 3, 1)? as u8,
                    header,
                )
            } else {
                if position + 8 > end {
                    break;
                }
                (
                    number(&block, position, 2)? as u16,
                    number(&block, position + 2, 2)? as usize,
                    number(&block, position + 4, 1)? as u8,
                    8,
                )
            };
            let data = block
                .get(position + header..position + header + size)
                .ok_or_else(|| malformed("object header message"))?
                .to_vec();
            position += header + size;
            if kind == MESSAGE_CONTINUATION {
                let offset = number(&data, 0, geometry.offsets)?;
                let length = number(&data, geometry.offsets, geometry.lengths)?;
                blocks.push((geometry.address(offset)?, length, true));
            }
            found.push(Message { kind, flags, data });
        }
    }
    Ok(found)
}

/// The value of attribute message `data` when it is named `name`.
fn attribute_value(
    reader: &mut dyn ReadSeek,
    geometry: Geometry,
    data: &[u8],
    name: &str,
) -> Checked<Option<Vec<u8>>> {
    let version = *data.first().ok_or_else(|| malformed("attribute"))?;
    let name_size = number(data, 2, 2)? as usize;
    let datatype_size = number(data, 4, 2)? as usize;
    let dataspace_size = number(data, 6, 2)? as usize;
    let pad = |size: usize| {
        if version == 1 {
            size.div_ceil(8) * 8
        } else {
            size
        }
    };
    let mut position = match version {
        1 | 2 => 8,
        3 => 9,
        other => {
            return Err(format!(
                "an HDF5 attribute message of version {other}, which airlock does not read"
            ))
        }
    };
    let found_name = data
        .get(position..position + name_size)
        .ok_or_else(|| malformed("attribute"))?;
    let found_name = found_name.split(|byte| *byte == 0).next().unwrap_or(&[]);
    if found_name != name.as_bytes() {
        return Ok(None);
    }
    if version >= 2 && data.get(1).is_some_and(|flags| flags & 0x03 != 0) {
        return Err(format!(
            "the root group's `{name}` has a shared datatype or dataspace, which airlock does not read"
        ));
    }
    position += pad(name_size);
    let datatype = data
        .get(position..position + datatype_size)
        .ok_or_else(|| malformed("attribute"))?;
    position += pad(datatype_size) + pad(dataspace_size);
    let value = data.get(position..).ok_or_else(|| malformed("attribute"))?;
    let class = datatype.first().map(|byte| byte & 0x0F);
    let element = number(datatype, 4, 4)?;
    match class {
        // Fixed-length string: the bytes are in the message.
        Some(3) => {
            let length = usize::try_from(element).map_err(|_| malformed("attribute"))?;
            let bytes = value
                .get(..length.min(value.len()))
                .ok_or_else(|| malformed("attribute"))?;
            let end = bytes
                .iter()
                .position(|byte| *byte == 0)
                .unwrap_or(bytes.len());
            Ok(bytes.get(..end).map(<[u8]>::to_vec))
        }
        // Variable-length string: length, then a global heap ID (collection, object index).
        Some(9) if datatype.get(1).is_some_and(|bits| bits & 0x0F == 1) => {
            let length = number(value, 0, 4)?;
            let collection = number(value, 4, geometry.offsets)?;
            let object = number(value, 4 + geometry.offsets, 4)?;
            if length > MAX_VALUE_BYTES {
                return Err(format!(
                    "the root group's `{name}` is {length} bytes, over the {MAX_VALUE_BYTES}-byte cap"
                ));
            }
            heap_object(
                reader,
                geometry,
                geometry.address(collection)?,
                object,
                length,
            )
            .map(Some)
        }
        other => Err(format!(
            "the root group's `{name}` is of HDF5 datatype class {}, not a string",
            other.unwrap_or(0)
        )),
    }
}

/// Object `object` of the global heap collection at `address`, its first `length` bytes.
fn heap_object(
    reader: &mut dyn ReadSeek,
    geometry: Geometry,
    address: u64,
    object: u64,
    length: u64,
) -> Checked<Vec<u8>> {
    let header = read_at(reader, address, 8 + geometry.lengths as u64)?;
    if !header.starts_with(b"GCOL") {
        return Err(malformed("global heap"));
    }
    let size = number(&header, 8, geometry.lengths)?;
    let end = address
        .checked_add(size)
        .ok_or_else(|| malformed("global heap"))?;
    let mut position = address.saturating_add(8 + geometry.lengths as u64);
    for _ in 0..MAX_HEAP_OBJECTS {
        if position.saturating_add(8 + geometry.lengths as u64) > end {
            break;
        }
        let object_header = read_at(reader, position, 8 + geometry.lengths as u64)?;
        let index = number(&object_header, 0, 2)?;
        let object_size = number(&object_header, 8, geometry.lengths)?;
        if index == 0 {
            // Free space: the rest of the collection.
            break;
        }
        let data = position.saturating_add(8 + geometry.lengths as u64);
        if index == object {
            let bytes = read_at(reader, data, length.min(object_size))?;
            return Ok(bytes);
        }
        position = data
            .checked_add(object_size.div_ceil(8) * 8)
            .ok_or_else(|| malformed("global heap"))?;
    }
    Err(format!(
        "the global heap object {object} holding the attribute was not found"
    ))
}

/// The value of the root group's attribute `name` in the HDF5 file whose superblock is at
/// `superblock`: `None` when the root group has no such attribute, an error (saying why) when
/// the structures cannot be followed.
pub(super) fn root_attribute(
    reader: &mut dyn ReadSeek,
    superblock_at: u64,
    name: &str,
) -> Checked<Option<Vec<u8>>> {
    let (geometry, root) = superblock(reader, superblock_at)?;
    let messages = messages(reader, geometry, root)?;
    let mut dense = false;
    for message in &messages {
        match message.kind {
            MESSAGE_ATTRIBUTE if message.flags & 0x02 != 0 => {
                return Err(
                    "the root group has a shared attribute message, which airlock does not read"
                        .to_owned(),
                );
            }
            MESSAGE_ATTRIBUTE => {
                if let Some(value) = attribute_value(reader, geometry, &message.data, name)? {
                    return Ok(Some(value));
                }
            }
            MESSAGE_ATTRIBUTE_INFO => {
                // Its fractal heap address (after version, flags and an optional index) is
                // "undefined" (all ones) when no attribute is stored densely.
                let flags = message.data.get(1).copied().unwrap_or(0);
                let at = 2 + if flags & 0x01 != 0 { 2 } else { 0 };
                let heap = number(&message.data, at, geometry.offsets)?;
                let undefined = if geometry.offsets == 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * geometry.offsets)) - 1
                };
                dense |= heap != undefined;
            }
            _ => {}
        }
    }
    if dense {
        return Err(
            "the root group keeps attributes in dense storage (a fractal heap), which airlock does not read"
                .to_owned(),
        );
    }
    Ok(None)
}
