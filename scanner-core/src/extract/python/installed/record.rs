//! `RECORD` of a `*.dist-info` (PEP 376, and the "Recording installed projects" specification
//! of the PyPA): a CSV file, one row per installed file: its path relative to the
//! `site-packages` directory (`/`-separated; `..` for scripts and data installed elsewhere),
//! `algorithm=digest` with the digest in URL-safe base64 without padding, and the size in bytes.
//! The `RECORD` itself, and files the installer could not hash (`.pyc` written later), have
//! empty hash and size fields.

use crate::extract::ExtractError;
use crate::location::Location;

/// One row of a `RECORD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    /// As written, relative to the `site-packages` directory.
    pub path: String,
    /// The hash, if the row has one.
    pub hash: Option<RecordHash>,
    /// The size in bytes, if the row gives one.
    pub size: Option<u64>,
    /// The row's line in `RECORD`.
    pub line: u32,
}

/// A row's `algorithm=digest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordHash {
    /// Lowercase algorithm name (`sha256`).
    pub algorithm: String,
    /// The digest in lowercase hex.
    pub hex: String,
}

/// Parses a `RECORD`; the first malformed row is an error naming its line (a `RECORD` that
/// cannot be read whole says nothing reliable about any file).
pub fn parse(path: &str, bytes: &[u8]) -> Result<Vec<RecordEntry>, ExtractError> {
    let text = std::str::from_utf8(bytes).map_err(|error| ExtractError::InvalidUtf8 {
        location: Location::file(path),
        offset: error.valid_up_to(),
    })?;
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            continue;
        }
        let error = |message: String| ExtractError::Parse {
            location: Location::line(path, number),
            message,
        };
        let fields = split_csv(line).map_err(|message| error(message.to_owned()))?;
        let [file, hash, size] = fields.as_slice() else {
            return Err(error(format!(
                "a RECORD row has 3 fields (path, hash, size), this one has {}",
                fields.len()
            )));
        };
        if file.is_empty() {
            return Err(error("a RECORD row with an empty path".to_owned()));
        }
        let hash = if hash.is_empty() {
            None
        } else {
            let (algorithm, digest) = hash
                .split_once('=')
                .ok_or_else(|| error(format!("`{hash}` is not `algorithm=digest`")))?;
            let bytes = decode_base64_url(digest)
                .ok_or_else(|| error(format!("`{digest}` is not URL-safe base64")))?;
            Some(RecordHash {
                algorithm: algorithm.to_ascii_lowercase(),
                hex: hex::encode(bytes),
            })
        };
        let size = if size.is_empty() {
            None
        } else {
            Some(
                size.parse::<u64>()
                    .map_err(|_| error(format!("`{size}` is not a size in bytes")))?,
            )
        };
        entries.push(RecordEntry {
            path: file.clone(),
            hash,
            size,
            line: number,
        });
    }
    Ok(entries)
}

/// The paths of a `RECORD` that cannot be parsed whole, read leniently (the first field of
/// each row that has one): the files it names were still installed by its package, so they
/// are not reported as unrecorded, while its integrity stays unknown.
pub fn listed_paths(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|line| split_csv(line).ok()?.into_iter().next())
        .filter(|path| !path.is_empty())
        .collect()
}

/// Splits one CSV line (RFC 4180 quoting: `"a,b"`, `""` for a quote inside).
fn split_csv(line: &str) -> Result<Vec<String>, &'static str> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                quoted = true;
                at_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
            }
            '\r' => {}
            other => {
                field.push(other);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("an unterminated quoted field");
    }
    fields.push(field);
    Ok(fields)
}

/// Decodes URL-safe base64 with or without padding (RECORD digests).
fn decode_base64_url(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut bytes = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push(u8::try_from((bits >> count) & 0xFF).ok()?);
        }
    }
    // Left-over bits must be padding zeros of a canonical encoding.
    (count < 6).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_quotes_and_errors() {
        let text = "demo/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n\"a,b.py\",,\ndemo-1.0.dist-info/RECORD,,\n";
        let entries = parse("d/RECORD", text.as_bytes()).unwrap();
        assert_eq!(entries.len(), 3);
        let first = entries.first().unwrap();
        assert_eq!(
            first.hash.as_ref().unwrap().hex,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(first.size, Some(0));
        assert_eq!(entries.get(1).unwrap().path, "a,b.py");
        let error = parse("d/RECORD", b"ok.py,,\nbroken.py,sha256=abc\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "d/RECORD:2: a RECORD row has 3 fields (path, hash, size), this one has 2"
        );
        let error = parse("d/RECORD", b"x.py,sha256=@@,1\n").unwrap_err();
        assert!(error.to_string().contains("URL-safe base64"), "{error}");
    }
}
