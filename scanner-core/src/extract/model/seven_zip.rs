//! 7z archives that may carry pickles, walked entry by entry like zip and tar (see
//! [`super::archive`]), through the `sevenz-rust2` crate.
//!
//! The crate trusts the sizes and counts an archive declares: it allocates the next header, a
//! compressed header's declared unpacked size, one entry per declared file and an LZMA
//! dictionary of the declared size before reading a byte of them, so a 200-byte archive could
//! make it ask for terabytes (an abort, not an error). So airlock reads the archive's structure
//! itself first ([`preflight`], 7-Zip's `7zFormat.txt`): the signature header, the next header
//! (decompressing a compressed header itself, LZMA or LZMA2 only, within [`MAX_HEADER_BYTES`]),
//! and every count, size and coder in it, and hands the archive to the crate only when all of
//! them are within the caps below and every coder is one airlock decodes (copy, LZMA, LZMA2,
//! the branch filters, delta). Anything else (an encrypted archive, PPMd, BZip2, Deflate, BCJ2,
//! a dictionary over [`MAX_DICTIONARY_BYTES`], more than the entries cap) is a reason, reported
//! as `model-scan-incomplete` by the caller: never opened, never clean.
//!
//! Decompression bombs: every byte the crate decompresses goes through the walk (an entry not
//! read to its end is drained, which is also what solid blocks need), and the walk stops before
//! an entry that would take the archive past [`MAX_UNPACKED_BYTES`]; an entry cannot expand past
//! the size it declares (the crate bounds each one, and checks its CRC).

use std::io::{Read, Seek, SeekFrom};

/// Largest next header (plain or after decompression) read.
pub(super) const MAX_HEADER_BYTES: u64 = 16 * 1024 * 1024;
/// Largest LZMA/LZMA2 dictionary (the decoder allocates it whole, and a long entry touches all
/// of it). 32 MiB keeps a scan under issue 21's 100 MB: measured, a 7z with a 64 MiB
/// dictionary and a 512 MiB entry peaked at 105 MiB RSS (debug build), 61 MiB over a small
/// one. 7-Zip's `-mx5` (its default) and py7zr use 16 MiB, `-mx7` 32 MiB; `-mx9`'s 64 MiB is
/// refused (not opened, reported), except where 7-Zip shrank it to fit a small archive.
pub(super) const MAX_DICTIONARY_BYTES: u64 = 32 * 1024 * 1024;
/// Bytes decompressed per archive, all entries together.
pub(super) const MAX_UNPACKED_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Files, folders, coders and streams a header may declare (each is an allocation in the crate).
const MAX_COUNT: u64 = 100_000;
/// Coders in one folder (7-Zip writes at most 4; its format allows 64).
const MAX_CODERS: u64 = 64;

const SIGNATURE: &[u8] = b"7z\xBC\xAF\x27\x1C";
const SIGNATURE_HEADER_BYTES: u64 = 32;

// Property ids of 7zFormat.txt.
const K_END: u8 = 0x00;
const K_HEADER: u8 = 0x01;
const K_ARCHIVE_PROPERTIES: u8 = 0x02;
const K_ADDITIONAL_STREAMS_INFO: u8 = 0x03;
const K_MAIN_STREAMS_INFO: u8 = 0x04;
const K_FILES_INFO: u8 = 0x05;
const K_PACK_INFO: u8 = 0x06;
const K_UNPACK_INFO: u8 = 0x07;
const K_SUB_STREAMS_INFO: u8 = 0x08;
const K_SIZE: u8 = 0x09;
const K_CRC: u8 = 0x0A;
const K_FOLDER: u8 = 0x0B;
const K_CODERS_UNPACK_SIZE: u8 = 0x0C;
const K_NUM_UNPACK_STREAM: u8 = 0x0D;
const K_ENCODED_HEADER: u8 = 0x17;

const ID_COPY: &[u8] = &[0x00];
const ID_DELTA: &[u8] = &[0x03];
const ID_LZMA: &[u8] = &[0x03, 0x01, 0x01];
const ID_LZMA2: &[u8] = &[0x21];
const ID_AES: &[u8] = &[0x06, 0xF1, 0x07, 0x01];
/// Branch converters (x86, PowerPC, IA-64, ARM, ARM-Thumb, SPARC, ARM64, RISC-V): one stream
/// in, one out, no state worth a cap.
const BRANCH_FILTERS: &[&[u8]] = &[
    &[0x03, 0x03, 0x01, 0x03],
    &[0x03, 0x03, 0x02, 0x05],
    &[0x03, 0x03, 0x04, 0x01],
    &[0x03, 0x03, 0x05, 0x01],
    &[0x03, 0x03, 0x07, 0x01],
    &[0x03, 0x03, 0x08, 0x05],
    &[0x0A],
    &[0x0B],
];
/// Methods airlock names when it refuses them (others are named by their id).
const NAMED_METHODS: &[(&[u8], &str)] = &[
    (&[0x03, 0x03, 0x01, 0x1B], "BCJ2"),
    (&[0x03, 0x04, 0x01], "PPMd"),
    (&[0x04, 0x02, 0x02], "BZip2"),
    (&[0x04, 0x01, 0x08], "Deflate"),
    (&[0x04, 0x01, 0x09], "Deflate64"),
    (&[0x04, 0xF7, 0x11, 0x01], "Zstandard"),
    (&[0x04, 0xF7, 0x11, 0x02], "Brotli"),
    (&[0x04, 0xF7, 0x11, 0x04], "LZ4"),
];

/// What the structure of a 7z archive declares, once every part of it is within the caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    /// Files and folders the archive lists.
    pub entries: u64,
    /// Bytes its folders unpack to, all together.
    pub unpacked: u64,
}

/// A read cursor over a header's bytes; every read is checked, running out is a reason.
struct Cursor<'a> {
    bytes: &'a [u8],
}

type Checked<T> = Result<T, String>;

fn truncated() -> String {
    "the 7z header ends early (truncated or corrupt)".to_owned()
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Checked<u8> {
        let (first, rest) = self.bytes.split_first().ok_or_else(truncated)?;
        self.bytes = rest;
        Ok(*first)
    }

    fn take(&mut self, length: u64) -> Checked<&'a [u8]> {
        let length = usize::try_from(length).map_err(|_| truncated())?;
        if length > self.bytes.len() {
            return Err(truncated());
        }
        let (taken, rest) = self.bytes.split_at(length);
        self.bytes = rest;
        Ok(taken)
    }

    /// 7z's variable-length number: the count of leading one bits of the first byte says how
    /// many little-endian bytes follow.
    fn number(&mut self) -> Checked<u64> {
        let first = self.byte()?;
        let mut mask = 0x80u8;
        let mut value = 0u64;
        for index in 0..8u32 {
            if first & mask == 0 {
                let high = u64::from(first & mask.wrapping_sub(1));
                return Ok(value | high.checked_shl(8 * index).unwrap_or(0));
            }
            value |= u64::from(self.byte()?) << (8 * index);
            mask >>= 1;
        }
        Ok(value)
    }

    /// A count, refused over `cap` (`what` names it in the reason).
    fn count(&mut self, cap: u64, what: &str) -> Checked<u64> {
        let count = self.number()?;
        if count > cap {
            return Err(format!(
                "the 7z header declares {count} {what}, over the cap of {cap}; not opened"
            ));
        }
        Ok(count)
    }

    /// `count` flags: all set (a first byte of 1) or a bit vector.
    fn defined(&mut self, count: u64) -> Checked<u64> {
        if self.byte()? != 0 {
            return Ok(count);
        }
        let bytes = self.take(count.div_ceil(8))?;
        let set: u64 = bytes.iter().map(|byte| u64::from(byte.count_ones())).sum();
        Ok(set)
    }

    /// `count` flags, one per item (the caller capped `count`).
    fn flags(&mut self, count: u64) -> Checked<Vec<bool>> {
        if self.byte()? != 0 {
            return Ok(vec![true; usize::try_from(count).unwrap_or(0)]);
        }
        let bytes = self.take(count.div_ceil(8))?;
        Ok((0..count)
            .map(|index| {
                let byte = bytes.get((index / 8) as usize).copied().unwrap_or(0);
                byte & (0x80 >> (index % 8)) != 0
            })
            .collect())
    }

    fn digests(&mut self, count: u64) -> Checked<()> {
        let defined = self.defined(count)?;
        self.take(defined.saturating_mul(4)).map(|_| ())
    }
}

/// One folder (a chain of coders) as far as the caps need it.
struct Folder {
    coders: Vec<Coder>,
    outputs: u64,
    unpack_sizes: Vec<u64>,
    /// Substreams (files) it unpacks to.
    streams: u64,
    has_crc: bool,
}

struct Coder {
    id: Vec<u8>,
    properties: Vec<u8>,
}

impl Folder {
    /// The folder's final output size: the last unpack size is not always the final one, but
    /// the largest bounds it.
    fn unpacked(&self) -> u64 {
        self.unpack_sizes.iter().copied().max().unwrap_or(0)
    }
}

fn method_name(id: &[u8]) -> String {
    NAMED_METHODS
        .iter()
        .find(|(known, _)| *known == id)
        .map_or_else(
            || {
                let hex: Vec<String> = id.iter().map(|byte| format!("{byte:02X}")).collect();
                format!("method {}", hex.join(""))
            },
            |(_, name)| (*name).to_owned(),
        )
}

/// The dictionary an LZMA or LZMA2 coder declares, in bytes.
fn dictionary(coder: &Coder) -> Checked<u64> {
    if coder.id == ID_LZMA {
        let bytes = coder
            .properties
            .get(1..5)
            .ok_or_else(|| "an LZMA coder without its properties".to_owned())?;
        let mut array = [0u8; 4];
        array.copy_from_slice(bytes);
        Ok(u64::from(u32::from_le_bytes(array)))
    } else {
        let byte = *coder
            .properties
            .first()
            .ok_or_else(|| "an LZMA2 coder without its properties".to_owned())?;
        if byte > 40 {
            return Err(format!("an LZMA2 dictionary code {byte} (over 40)"));
        }
        if byte == 40 {
            return Ok(u64::from(u32::MAX));
        }
        Ok((2 | u64::from(byte & 1)) << (u32::from(byte) / 2 + 11))
    }
}

/// Refuses a folder whose coders airlock does not decode, or whose dictionary is over the cap.
fn check_coders(folder: &Folder) -> Checked<()> {
    for coder in &folder.coders {
        let id = coder.id.as_slice();
        if id == ID_AES {
            return Err("the 7z archive is encrypted (AES); not opened".to_owned());
        }
        if id == ID_LZMA || id == ID_LZMA2 {
            let size = dictionary(coder)?;
            if size > MAX_DICTIONARY_BYTES {
                return Err(format!(
                    "the 7z archive declares an LZMA dictionary of {size} bytes, over the \
                     {MAX_DICTIONARY_BYTES}-byte cap; not opened"
                ));
            }
        } else if !(id == ID_COPY || id == ID_DELTA || BRANCH_FILTERS.contains(&id)) {
            return Err(format!(
                "the 7z archive is compressed with {}, which airlock does not decompress; not opened",
                method_name(id)
            ));
        }
    }
    Ok(())
}

fn read_folder(cursor: &mut Cursor<'_>) -> Checked<Folder> {
    let coder_count = cursor.count(MAX_CODERS, "coders in a folder")?;
    let mut coders = Vec::new();
    let mut inputs = 0u64;
    let mut outputs = 0u64;
    for _ in 0..coder_count {
        let flags = cursor.byte()?;
        let id = cursor.take(u64::from(flags & 0x0F))?.to_vec();
        let (coder_inputs, coder_outputs) = if flags & 0x10 != 0 {
            (
                cursor.count(MAX_CODERS, "coder streams")?,
                cursor.count(MAX_CODERS, "coder streams")?,
            )
        } else {
            (1, 1)
        };
        if coder_inputs != 1 || coder_outputs != 1 {
            // BCJ2 and other multi-stream coders: the crate's support is partial; refused.
            return Err(format!(
                "the 7z archive uses {} with {coder_inputs} input streams, which airlock does \
                 not decompress; not opened",
                method_name(&id)
            ));
        }
        let properties = if flags & 0x20 != 0 {
            let length = cursor.count(MAX_HEADER_BYTES, "bytes of coder properties")?;
            cursor.take(length)?.to_vec()
        } else {
            Vec::new()
        };
        inputs += coder_inputs;
        outputs += coder_outputs;
        coders.push(Coder { id, properties });
    }
    if outputs == 0 {
        return Err("a 7z folder without coders".to_owned());
    }
    for _ in 0..outputs - 1 {
        cursor.number()?;
        cursor.number()?;
    }
    let packed = inputs.saturating_sub(outputs - 1);
    if packed > 1 {
        for _ in 0..packed {
            cursor.number()?;
        }
    }
    Ok(Folder {
        coders,
        outputs,
        unpack_sizes: Vec::new(),
        streams: 1,
        has_crc: false,
    })
}

/// `StreamsInfo`: pack info, folders with their unpack sizes, substreams.
fn read_streams_info(cursor: &mut Cursor<'_>) -> Checked<Vec<Folder>> {
    let mut folders = Vec::new();
    let mut property = cursor.byte()?;
    if property == K_PACK_INFO {
        cursor.number()?;
        let streams = cursor.count(MAX_COUNT, "packed streams")?;
        loop {
            match cursor.byte()? {
                K_END => break,
                K_SIZE => {
                    for _ in 0..streams {
                        cursor.number()?;
                    }
                }
                K_CRC => cursor.digests(streams)?,
                other => return Err(format!("an unknown 7z pack property {other}")),
            }
        }
        property = cursor.byte()?;
    }
    if property == K_UNPACK_INFO {
        if cursor.byte()? != K_FOLDER {
            return Err(truncated());
        }
        let count = cursor.count(MAX_COUNT, "folders")?;
        if cursor.byte()? != 0 {
            return Err("the 7z folders are stored outside the header; not opened".to_owned());
        }
        for _ in 0..count {
            folders.push(read_folder(cursor)?);
        }
        if cursor.byte()? != K_CODERS_UNPACK_SIZE {
            return Err(truncated());
        }
        for folder in &mut folders {
            for _ in 0..folder.outputs {
                folder.unpack_sizes.push(cursor.number()?);
            }
        }
        loop {
            match cursor.byte()? {
                K_END => break,
                K_CRC => {
                    let flags = cursor.flags(count)?;
                    for (folder, has_crc) in folders.iter_mut().zip(flags) {
                        folder.has_crc = has_crc;
                        if has_crc {
                            cursor.take(4)?;
                        }
                    }
                }
                other => return Err(format!("an unknown 7z unpack property {other}")),
            }
        }
        property = cursor.byte()?;
    }
    if property == K_SUB_STREAMS_INFO {
        property = cursor.byte()?;
        if property == K_NUM_UNPACK_STREAM {
            let mut total = 0u64;
            for folder in &mut folders {
                folder.streams = cursor.count(MAX_COUNT, "files in a folder")?;
                total = total.saturating_add(folder.streams);
                if total > MAX_COUNT {
                    return Err(format!(
                        "the 7z header declares more than {MAX_COUNT} files; not opened"
                    ));
                }
            }
            property = cursor.byte()?;
        }
        if property == K_SIZE {
            for folder in &folders {
                for _ in 1..folder.streams.max(1) {
                    cursor.number()?;
                }
            }
            property = cursor.byte()?;
        }
        if property == K_CRC {
            let unknown: u64 = folders
                .iter()
                .map(|folder| {
                    if folder.streams == 1 && folder.has_crc {
                        0
                    } else {
                        folder.streams
                    }
                })
                .sum();
            cursor.digests(unknown)?;
            property = cursor.byte()?;
        }
        if property != K_END {
            return Err(format!("an unknown 7z substream property {property}"));
        }
        property = cursor.byte()?;
    }
    if property != K_END {
        return Err(format!("an unknown 7z streams property {property}"));
    }
    Ok(folders)
}

/// Checks a (decompressed) `Header`: its folders and file count.
fn check_header(bytes: &[u8]) -> Checked<Layout> {
    let mut cursor = Cursor { bytes };
    if cursor.byte()? != K_HEADER {
        return Err("the 7z archive has no header".to_owned());
    }
    let mut property = cursor.byte()?;
    if property == K_ARCHIVE_PROPERTIES {
        loop {
            if cursor.byte()? == 0 {
                break;
            }
            let length = cursor.number()?;
            cursor.take(length)?;
        }
        property = cursor.byte()?;
    }
    if property == K_ADDITIONAL_STREAMS_INFO {
        return Err(
            "the 7z archive has additional streams, which airlock does not read; not opened"
                .to_owned(),
        );
    }
    let mut layout = Layout {
        entries: 0,
        unpacked: 0,
    };
    if property == K_MAIN_STREAMS_INFO {
        for folder in read_streams_info(&mut cursor)? {
            check_coders(&folder)?;
            layout.unpacked = layout.unpacked.saturating_add(folder.unpacked());
        }
        property = cursor.byte()?;
    }
    if property == K_FILES_INFO {
        layout.entries = cursor.count(MAX_COUNT, "files")?;
        loop {
            if cursor.byte()? == 0 {
                break;
            }
            let length = cursor.number()?;
            cursor.take(length)?;
        }
        property = cursor.byte()?;
    }
    if property != K_END {
        return Err(format!("an unknown 7z header property {property}"));
    }
    Ok(layout)
}

/// Decompresses a compressed (`EncodedHeader`) header: one folder of one LZMA or LZMA2 coder,
/// unpacking to at most [`MAX_HEADER_BYTES`].
fn decode_header(reader: &mut (impl Read + Seek), encoded: &[u8]) -> Checked<Vec<u8>> {
    let mut cursor = Cursor { bytes: encoded };
    let folders = read_streams_info(&mut cursor)?;
    // The pack position is the first number after `kPackInfo`.
    let mut start = Cursor { bytes: encoded };
    let pack_position = if start.byte()? == K_PACK_INFO {
        start.number()?
    } else {
        return Err("a compressed 7z header without its packed stream".to_owned());
    };
    let [folder] = folders.as_slice() else {
        return Err("a compressed 7z header in more than one folder; not opened".to_owned());
    };
    check_coders(folder)?;
    let size = folder.unpacked();
    if size > MAX_HEADER_BYTES {
        return Err(format!(
            "the 7z header unpacks to {size} bytes, over the {MAX_HEADER_BYTES}-byte cap; not opened"
        ));
    }
    let [coder] = folder.coders.as_slice() else {
        return Err("a 7z header compressed with a chain of coders; not opened".to_owned());
    };
    let offset = SIGNATURE_HEADER_BYTES
        .checked_add(pack_position)
        .ok_or_else(truncated)?;
    reader
        .seek(SeekFrom::Start(offset))
        .map_err(|error| format!("cannot read the 7z header: {error}"))?;
    let dictionary_size = u32::try_from(dictionary(coder)?).unwrap_or(u32::MAX);
    let mut header = Vec::new();
    let read = if coder.id == ID_LZMA {
        let properties = *coder.properties.first().ok_or_else(truncated)?;
        lzma_rust2::LzmaReader::new_with_props(
            &mut *reader,
            size,
            properties,
            dictionary_size,
            None,
        )
        .map_err(|error| format!("the compressed 7z header cannot be read: {error}"))?
        .take(size)
        .read_to_end(&mut header)
    } else if coder.id == ID_LZMA2 {
        lzma_rust2::Lzma2Reader::new(&mut *reader, dictionary_size, None)
            .take(size)
            .read_to_end(&mut header)
    } else {
        return Err(format!(
            "a 7z header compressed with {}; not opened",
            method_name(&coder.id)
        ));
    };
    read.map_err(|error| format!("the compressed 7z header cannot be read: {error}"))?;
    Ok(header)
}

/// Reads the structure of the 7z archive in `reader` (of `length` bytes) and says whether the
/// crate may open it: the layout when every part is within the caps, else why not.
pub(super) fn preflight(reader: &mut (impl Read + Seek), length: u64) -> Checked<Layout> {
    let mut start = [0u8; 32];
    reader
        .seek(SeekFrom::Start(0))
        .and_then(|_| reader.read_exact(&mut start))
        .map_err(|_| "the 7z archive is shorter than its signature header".to_owned())?;
    if start.get(..6) != Some(SIGNATURE) {
        return Err("not a 7z archive".to_owned());
    }
    if start.get(6) != Some(&0) {
        return Err("a 7z archive of a format version airlock does not read".to_owned());
    }
    let number = |range: std::ops::Range<usize>| -> u64 {
        let mut array = [0u8; 8];
        if let Some(bytes) = start.get(range) {
            array.copy_from_slice(bytes);
        }
        u64::from_le_bytes(array)
    };
    let (offset, size) = (number(12..20), number(20..28));
    if start
        .get(12..32)
        .is_some_and(|rest| rest.iter().all(|byte| *byte == 0))
    {
        return Err(
            "the 7z archive's start header is empty (its writing was interrupted); not opened"
                .to_owned(),
        );
    }
    let end = SIGNATURE_HEADER_BYTES
        .checked_add(offset)
        .and_then(|at| at.checked_add(size));
    if end.is_none_or(|end| end > length) || size == 0 {
        return Err("the 7z header lies outside the file (truncated or corrupt)".to_owned());
    }
    if size > MAX_HEADER_BYTES {
        return Err(format!(
            "the 7z header is {size} bytes, over the {MAX_HEADER_BYTES}-byte cap; not opened"
        ));
    }
    let mut header = Vec::new();
    reader
        .seek(SeekFrom::Start(SIGNATURE_HEADER_BYTES + offset))
        .and_then(|_| (&mut *reader).take(size).read_to_end(&mut header))
        .map_err(|error| format!("cannot read the 7z header: {error}"))?;
    match header.split_first() {
        Some((&K_ENCODED_HEADER, encoded)) => {
            let decoded = decode_header(reader, encoded)?;
            check_header(&decoded)
        }
        _ => check_header(&header),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dictionaries() {
        let mut cursor = Cursor {
            bytes: &[0x05, 0x81, 0x02, 0xC1, 0x02, 0x03],
        };
        assert_eq!(cursor.number().unwrap(), 5);
        assert_eq!(cursor.number().unwrap(), 0x102);
        assert_eq!(cursor.number().unwrap(), 0x1_0302);
        let lzma2 = |byte| Coder {
            id: ID_LZMA2.to_vec(),
            properties: vec![byte],
        };
        assert_eq!(dictionary(&lzma2(0)).unwrap(), 4096);
        assert_eq!(dictionary(&lzma2(24)).unwrap(), 16 << 20);
        assert_eq!(dictionary(&lzma2(40)).unwrap(), u64::from(u32::MAX));
        assert!(dictionary(&lzma2(41)).is_err());
    }

    /// A 7z file around `header` (the next header) after `packed` bytes of streams.
    fn archive(packed: &[u8], header: &[u8]) -> Vec<u8> {
        let mut bytes = SIGNATURE.to_vec();
        bytes.extend_from_slice(&[0, 4, 1, 2, 3, 4]);
        bytes.extend_from_slice(&(packed.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        bytes.extend_from_slice(packed);
        bytes.extend_from_slice(header);
        bytes
    }

    fn reason(bytes: &[u8]) -> String {
        preflight(&mut std::io::Cursor::new(bytes), bytes.len() as u64).unwrap_err()
    }

    fn huge() -> Vec<u8> {
        let mut number = vec![0xFF];
        number.extend_from_slice(&(1u64 << 40).to_le_bytes());
        number
    }

    #[test]
    fn declared_sizes_over_the_caps_are_refused_before_the_crate_allocates_them() {
        // A next header of a terabyte, in a file of a few bytes.
        let mut lying = archive(b"", b"\x01\x00");
        lying.splice(20..28, (1u64 << 40).to_le_bytes());
        assert!(reason(&lying).contains("outside the file"));
        // A terabyte of files.
        let files = [b"\x01\x05".as_slice(), &huge(), b"\x00\x00"].concat();
        assert!(reason(&archive(b"", &files)).contains("declares 1099511627776 files"));
        // A compressed header that would unpack to a terabyte.
        let encoded = [
            b"\x17\x06\x00\x01\x09\x05\x00\x07\x0b\x01\x00\x01\x21\x21\x01\x18\x0c".as_slice(),
            &huge(),
            b"\x00\x00",
        ]
        .concat();
        assert!(reason(&archive(b"12345", &encoded)).contains("header unpacks to 1099511627776"));
        // Content behind a 4 GiB LZMA2 dictionary.
        let dictionary = b"\x01\x04\x07\x0b\x01\x00\x01\x21\x21\x01\x28\x0c\x05\x00\x00\x00";
        assert!(reason(&archive(b"", dictionary)).contains("dictionary of 4294967295 bytes"));
        // Encrypted and unsupported coders are named.
        let aes = b"\x01\x04\x07\x0b\x01\x00\x01\x24\x06\xf1\x07\x01\x00\x0c\x05\x00\x00\x00";
        assert!(reason(&archive(b"", aes)).contains("encrypted"));
        let ppmd = b"\x01\x04\x07\x0b\x01\x00\x01\x03\x03\x04\x01\x0c\x05\x00\x00\x00";
        assert!(reason(&archive(b"", ppmd)).contains("PPMd"));
        // An interrupted archive (empty start header) is not searched for a header.
        let mut interrupted = archive(b"", b"\x01\x00");
        interrupted.splice(12..32, [0u8; 20]);
        assert!(reason(&interrupted).contains("interrupted"));
        // A well-formed empty archive passes.
        assert_eq!(
            preflight(&mut std::io::Cursor::new(archive(b"", b"\x01\x00")), 34).unwrap(),
            Layout {
                entries: 0,
                unpacked: 0
            }
        );
    }
}
