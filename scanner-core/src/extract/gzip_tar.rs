//! gzip-compressed tar archives (`.tar.gz` sdists, `.crate` files) read as one stream: an
//! archive cannot be seeked once compressed, so members are walked in order and only the few a
//! reader asks for (`PKG-INFO`, `Cargo.toml`) are kept in memory, each under a cap. Every other
//! member is decompressed and dropped. The whole stream is capped too, so a gzip bomb costs at
//! most [`Limits::max_decompressed_bytes`] of decompression and no memory.
//!
//! Tar headers: POSIX ustar (`prefix` + `name`), GNU long names (`L`) and pax extended headers
//! (`x`, its `path` record); sizes in octal or in GNU base-256.

use std::io::Read;

/// How much of an archive is looked at.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Members walked before giving up.
    pub max_entries: usize,
    /// Decompressed bytes walked before giving up (headers and data).
    pub max_decompressed_bytes: u64,
    /// The largest member kept in memory.
    pub max_member_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_entries: 100_000,
            max_decompressed_bytes: 4 * 1024 * 1024 * 1024,
            max_member_bytes: 16 * 1024 * 1024,
        }
    }
}

/// A member the caller asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its path inside the archive, as written (`demo-1.0/PKG-INFO`).
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

const BLOCK: usize = 512;

/// What a member of a source archive (an sdist, a `.crate`: every member under one top
/// directory `{name}-{version}/`) tells about `file`, a member to keep at the top directory:
/// `Some(true)` it is that member, `Some(false)` another member of such an archive, `None`
/// a member no such archive has (the archive is something else; stop).
pub fn top_level_member(name: &str, file: &str) -> Option<bool> {
    let name = name.strip_prefix("./").unwrap_or(name);
    let (top, rest) = name.split_once('/').unwrap_or((name, ""));
    let shaped = top.rsplit_once('-').is_some_and(|(package, version)| {
        !package.is_empty() && version.starts_with(|c: char| c.is_ascii_digit())
    });
    if !shaped {
        return None;
    }
    Some(rest == file)
}

/// Walks the gzip-compressed tar stream `reader`, keeping the regular-file members for which
/// `wanted` says yes (`Some(true)`), and stopping once `enough` says the members kept so far
/// suffice, or as soon as `wanted` says `None` (a member that shows the archive is not the kind
/// the caller reads: a data archive is not decompressed to its end for nothing). The
/// error says why the archive could not be walked (not gzip, truncated, over a cap).
pub fn read_members(
    reader: impl Read,
    limits: Limits,
    wanted: impl Fn(&str) -> Option<bool>,
    enough: impl Fn(&[Member]) -> bool,
) -> Result<Vec<Member>, String> {
    let decoder = flate2::read::MultiGzDecoder::new(reader);
    let mut stream = decoder.take(limits.max_decompressed_bytes);
    let mut kept = Vec::new();
    let mut long_name: Option<String> = None;
    let mut entries = 0_usize;
    let mut header = [0_u8; BLOCK];
    loop {
        if !read_block(&mut stream, &mut header)? {
            // A stream that ends without the two zero blocks is accepted as ended: tar itself
            // reads what is there.
            return Ok(kept);
        }
        if header.iter().all(|byte| *byte == 0) {
            return Ok(kept);
        }
        entries += 1;
        if entries > limits.max_entries {
            return Err(format!(
                "more than {} members, over the cap",
                limits.max_entries
            ));
        }
        if !checksum_holds(&header) {
            return Err(
                "a tar header's checksum does not hold (not a tar archive, or corrupt)".to_owned(),
            );
        }
        let size = header_size(&header)?;
        let kind = header.get(156).copied().unwrap_or(0);
        let padded = size.div_ceil(BLOCK as u64) * BLOCK as u64;
        match kind {
            b'L' | b'x' => {
                let data = read_data(&mut stream, size, padded, limits.max_member_bytes)?;
                let name = if kind == b'L' {
                    Some(text_until_nul(&data))
                } else {
                    pax_path(&data)
                };
                if name.is_some() {
                    long_name = name;
                }
                continue;
            }
            b'0' | 0 | b'7' => {
                let name = long_name.take().unwrap_or_else(|| ustar_name(&header));
                let Some(keep) = wanted(&name) else {
                    return Ok(kept);
                };
                if keep {
                    let bytes = read_data(&mut stream, size, padded, limits.max_member_bytes)
                        .map_err(|error| format!("{name}: {error}"))?;
                    kept.push(Member { name, bytes });
                    if enough(&kept) {
                        return Ok(kept);
                    }
                } else {
                    skip(&mut stream, padded)?;
                }
            }
            _ => {
                long_name = None;
                skip(&mut stream, padded)?;
            }
        }
    }
}

/// Reads one block; false at a clean end of the stream.
fn read_block(stream: &mut impl Read, block: &mut [u8; BLOCK]) -> Result<bool, String> {
    let mut filled = 0;
    while filled < BLOCK {
        let rest = block.get_mut(filled..).unwrap_or_default();
        match stream.read(rest) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => return Err(truncated()),
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(format!("cannot decompress: {error}")),
        }
    }
    Ok(true)
}

fn truncated() -> String {
    "the archive is truncated (or longer than the decompression cap)".to_owned()
}

fn read_data(stream: &mut impl Read, size: u64, padded: u64, cap: u64) -> Result<Vec<u8>, String> {
    if size > cap {
        return Err(format!(
            "a member of {size} bytes is over the {cap}-byte cap"
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    stream
        .take(size)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot decompress: {error}"))?;
    if (bytes.len() as u64) < size {
        return Err(truncated());
    }
    skip(stream, padded - size)?;
    Ok(bytes)
}

fn skip(stream: &mut impl Read, bytes: u64) -> Result<(), String> {
    let copied = std::io::copy(&mut stream.take(bytes), &mut std::io::sink())
        .map_err(|error| format!("cannot decompress: {error}"))?;
    if copied < bytes {
        return Err(truncated());
    }
    Ok(())
}

/// The checksum field: the sum of the header's bytes with the field itself read as spaces.
fn checksum_holds(header: &[u8; BLOCK]) -> bool {
    let Some(field) = header.get(148..156) else {
        return false;
    };
    let Some(stated) = octal(field) else {
        return false;
    };
    let sum: u64 = header
        .iter()
        .enumerate()
        .map(|(index, byte)| {
            if (148..156).contains(&index) {
                u64::from(b' ')
            } else {
                u64::from(*byte)
            }
        })
        .sum();
    sum == stated
}

fn header_size(header: &[u8; BLOCK]) -> Result<u64, String> {
    let field = header.get(124..136).unwrap_or_default();
    if field.first().is_some_and(|first| first & 0x80 != 0) {
        // GNU base-256: big-endian, the high bit of the first byte a flag.
        let mut value: u64 = 0;
        for (index, byte) in field.iter().enumerate() {
            let byte = if index == 0 { byte & 0x7f } else { *byte };
            value = value
                .checked_mul(256)
                .and_then(|value| value.checked_add(u64::from(byte)))
                .ok_or_else(|| "a member size does not fit 64 bits".to_owned())?;
        }
        return Ok(value);
    }
    octal(field).ok_or_else(|| "a member size is not an octal number".to_owned())
}

fn octal(field: &[u8]) -> Option<u64> {
    let text: String = field
        .iter()
        .take_while(|byte| **byte != 0)
        .map(|byte| char::from(*byte))
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

fn text_until_nul(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|byte| *byte == 0)
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned()
}

fn ustar_name(header: &[u8; BLOCK]) -> String {
    let name = text_until_nul(header.get(..100).unwrap_or_default());
    let is_ustar = header.get(257..262) == Some(b"ustar".as_slice());
    let prefix = if is_ustar {
        text_until_nul(header.get(345..500).unwrap_or_default())
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// The `path` record of a pax extended header (`<length> path=<value>\n` records).
fn pax_path(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    let mut rest: &str = &text;
    let mut path = None;
    while !rest.is_empty() {
        let (length, _) = rest.split_once(' ')?;
        let length: usize = length.parse().ok()?;
        let record = rest.get(..length)?;
        rest = rest.get(length..)?;
        let (_, field) = record.split_once(' ')?;
        if let Some(value) = field.strip_prefix("path=") {
            path = Some(value.trim_end_matches('\n').to_owned());
        }
    }
    path
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A gzip-compressed ustar archive of `members` (tests only).
    pub(crate) fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut tar = Vec::new();
        for (name, bytes) in members {
            let mut header = [0_u8; BLOCK];
            header[..name.len()].copy_from_slice(name.as_bytes());
            header[100..107].copy_from_slice(b"0000644");
            header[108..115].copy_from_slice(b"0000000");
            header[116..123].copy_from_slice(b"0000000");
            let size = format!("{:011o}", bytes.len());
            header[124..135].copy_from_slice(size.as_bytes());
            header[136..147].copy_from_slice(b"00000000000");
            header[156] = b'0';
            header[257..263].copy_from_slice(b"ustar\0");
            header[263..265].copy_from_slice(b"00");
            header[148..156].copy_from_slice(b"        ");
            let sum: u32 = header.iter().map(|byte| u32::from(*byte)).sum();
            header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
            tar.extend_from_slice(&header);
            tar.extend_from_slice(bytes);
            tar.resize(tar.len().div_ceil(BLOCK) * BLOCK, 0);
        }
        tar.resize(tar.len() + 2 * BLOCK, 0);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, &tar).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn wanted_members_are_kept_and_the_walk_stops_early() {
        let bytes = archive(&[
            ("demo-1.0/setup.py", b"print('hi')\n"),
            ("demo-1.0/PKG-INFO", b"Name: demo\n"),
            ("demo-1.0/other", b"x"),
        ]);
        let members = read_members(
            bytes.as_slice(),
            Limits::default(),
            |name| Some(name.ends_with("/PKG-INFO")),
            |kept| !kept.is_empty(),
        )
        .unwrap();
        assert_eq!(
            members,
            vec![Member {
                name: "demo-1.0/PKG-INFO".to_owned(),
                bytes: b"Name: demo\n".to_vec()
            }]
        );
    }

    #[test]
    fn a_data_archive_is_left_at_its_first_member() {
        assert_eq!(
            top_level_member("demo-1.0/PKG-INFO", "PKG-INFO"),
            Some(true)
        );
        assert_eq!(
            top_level_member("./demo-1.0/src/a.py", "PKG-INFO"),
            Some(false)
        );
        assert_eq!(
            top_level_member("demo-1.0/sub/PKG-INFO", "PKG-INFO"),
            Some(false)
        );
        assert_eq!(top_level_member("data/a.csv", "PKG-INFO"), None);
        let bytes = archive(&[("data/a.csv", b"1\n"), ("demo-1.0/PKG-INFO", b"x")]);
        let members = read_members(
            bytes.as_slice(),
            Limits::default(),
            |name| top_level_member(name, "PKG-INFO"),
            |_| false,
        )
        .unwrap();
        assert!(members.is_empty());
    }

    #[test]
    fn caps_and_garbage_are_errors_never_panics() {
        let bytes = archive(&[("a/big", &[7_u8; 4096])]);
        let small = Limits {
            max_member_bytes: 100,
            ..Limits::default()
        };
        let error = read_members(bytes.as_slice(), small, |_| Some(true), |_| false).unwrap_err();
        assert!(error.contains("over the 100-byte cap"), "{error}");
        let bomb = Limits {
            max_decompressed_bytes: 1024,
            ..Limits::default()
        };
        let error = read_members(bytes.as_slice(), bomb, |_| Some(false), |_| false).unwrap_err();
        assert!(error.contains("truncated"), "{error}");
        assert!(read_members(
            &b"not gzip"[..],
            Limits::default(),
            |_| Some(true),
            |_| false
        )
        .is_err());
        let truncated = bytes.get(..bytes.len() / 2).unwrap();
        assert!(read_members(truncated, Limits::default(), |_| Some(true), |_| false).is_err());
    }
}
