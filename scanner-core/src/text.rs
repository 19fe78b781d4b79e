//! Small helpers for turning byte offsets into the line and column numbers that error messages
//! and evidence carry.

/// Maps byte offsets of one text to 1-based line and column numbers.
#[derive(Debug)]
pub(crate) struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|offset| offset + 1));
        LineIndex { line_starts }
    }

    /// 1-based line of `offset`.
    pub(crate) fn line(&self, offset: usize) -> u32 {
        let index = match self.line_starts.binary_search(&offset) {
            Ok(exact) => exact,
            Err(insertion) => insertion.saturating_sub(1),
        };
        u32::try_from(index + 1).unwrap_or(u32::MAX)
    }

    /// 1-based line and column (in characters) of `offset` in `text`.
    pub(crate) fn line_column(&self, text: &str, offset: usize) -> (u32, u32) {
        let line = self.line(offset);
        let start = self
            .line_starts
            .get(line as usize - 1)
            .copied()
            .unwrap_or(0);
        let column = text
            .get(start..offset.min(text.len()))
            .map_or(0, |prefix| prefix.chars().count());
        (line, u32::try_from(column + 1).unwrap_or(u32::MAX))
    }
}

/// Decodes `bytes` as UTF-8, or says at which line the first invalid byte sits.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, (u32, usize)> {
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = error.valid_up_to();
        let prefix = bytes.get(..valid).unwrap_or_default();
        let line = 1 + prefix.iter().filter(|&&byte| byte == b'\n').count();
        (u32::try_from(line).unwrap_or(u32::MAX), valid)
    })
}

/// The [`DecodeError::reason`] of plain UTF-8 that is not valid (no mark, no header).
pub(crate) const NOT_UTF8: &str = "not valid UTF-8";

/// Why a requirements file could not be decoded the way pip decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// 1-based line of the first byte that could not be decoded (counted in the decoded text).
    pub line: u32,
    /// Byte offset of that byte in the file.
    pub offset: usize,
    /// What went wrong, for the message: `not valid UTF-8`, `not valid UTF-16LE`, ...
    pub reason: String,
}

/// Decodes a requirements file as pip does (`pip._internal.req.req_file._decode_req_file`):
/// a byte-order mark picks UTF-8, UTF-32 or UTF-16 (checked in pip's order, UTF-32 before
/// UTF-16 because the UTF-16LE mark is a prefix of the UTF-32LE one) and is dropped; else a
/// PEP 263 `coding:` comment on one of the first two lines picks the encoding (airlock knows
/// UTF-8 and Latin-1, the ones pip's own tests use); else UTF-8. pip's last resort, the
/// locale's encoding, depends on the machine that installs, so airlock reports the file
/// instead of guessing.
pub(crate) fn pip_requirements(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, DecodeError> {
    use std::borrow::Cow;
    const UTF8_MARK: &[u8] = b"\xef\xbb\xbf";
    const UTF32_BE_MARK: &[u8] = b"\x00\x00\xfe\xff";
    const UTF32_LE_MARK: &[u8] = b"\xff\xfe\x00\x00";
    const UTF16_BE_MARK: &[u8] = b"\xfe\xff";
    const UTF16_LE_MARK: &[u8] = b"\xff\xfe";
    if let Some(rest) = bytes.strip_prefix(UTF8_MARK) {
        return utf8_after(rest, UTF8_MARK.len()).map(Cow::Borrowed);
    }
    if let Some(rest) = bytes.strip_prefix(UTF32_BE_MARK) {
        return wide(rest, 4, false, UTF32_BE_MARK.len()).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(UTF32_LE_MARK) {
        return wide(rest, 4, true, UTF32_LE_MARK.len()).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_BE_MARK) {
        return wide(rest, 2, false, UTF16_BE_MARK.len()).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_LE_MARK) {
        return wide(rest, 2, true, UTF16_LE_MARK.len()).map(Cow::Owned);
    }
    for line in bytes.split(|&byte| byte == b'\n').take(2) {
        if line.first() != Some(&b'#') {
            continue;
        }
        let Some(encoding) = pep263_encoding(line) else {
            continue;
        };
        let normalized = encoding.to_ascii_lowercase().replace('_', "-");
        return match normalized.as_str() {
            "utf-8" | "utf8" | "u8" | "utf" => utf8_after(bytes, 0).map(Cow::Borrowed),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "8859" | "cp819" | "l1"
            | "latin" => Ok(Cow::Owned(
                bytes.iter().map(|&byte| char::from(byte)).collect(),
            )),
            // Every other codec Python knows agrees with ASCII on ASCII bytes.
            _ if bytes.is_ascii() => utf8_after(bytes, 0).map(Cow::Borrowed),
            _ => Err(DecodeError {
                line: 1,
                offset: 0,
                reason: format!(
                    "the file declares the encoding `{encoding}`, which airlock does not decode"
                ),
            }),
        };
    }
    utf8_after(bytes, 0).map(Cow::Borrowed)
}

/// The name in a PEP 263 comment: `coding[:=]\s*([-\w.]+)`.
fn pep263_encoding(line: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(line);
    let mut rest = text.as_ref();
    while let Some(position) = rest.find("coding") {
        let after = rest.get(position + "coding".len()..).unwrap_or_default();
        if let Some(value) = after.strip_prefix([':', '=']) {
            let name: String = value
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !name.is_empty() {
                return Some(name);
            }
        }
        rest = after;
    }
    None
}

fn utf8_after(bytes: &[u8], skipped: usize) -> Result<&str, DecodeError> {
    utf8(bytes).map_err(|(line, offset)| DecodeError {
        line,
        offset: offset + skipped,
        reason: NOT_UTF8.to_owned(),
    })
}

/// Decodes UTF-16 (`width` 2) or UTF-32 (`width` 4) code units.
fn wide(
    bytes: &[u8],
    width: usize,
    little_endian: bool,
    skipped: usize,
) -> Result<String, DecodeError> {
    let name = match (width, little_endian) {
        (2, true) => "UTF-16LE",
        (2, false) => "UTF-16BE",
        (_, true) => "UTF-32LE",
        (_, false) => "UTF-32BE",
    };
    let failure = |text: &str, offset: usize| DecodeError {
        line: 1 + u32::try_from(text.matches('\n').count()).unwrap_or(u32::MAX - 1),
        offset: offset + skipped,
        reason: format!("not valid {name}"),
    };
    let chunks = bytes.chunks_exact(width);
    let trailing = chunks.remainder().len();
    let units: Vec<u32> = chunks
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .fold(0u32, |value, (index, &byte)| {
                    let shift = if little_endian {
                        index
                    } else {
                        width - 1 - index
                    };
                    value | (u32::from(byte) << (8 * shift))
                })
        })
        .collect();
    let mut text = String::with_capacity(units.len());
    if width == 2 {
        let mut offset = 0;
        for decoded in char::decode_utf16(units.iter().map(|&unit| unit as u16)) {
            match decoded {
                Ok(character) => {
                    offset += character.len_utf16() * 2;
                    text.push(character);
                }
                Err(_) => return Err(failure(&text, offset)),
            }
        }
    } else {
        for (index, &unit) in units.iter().enumerate() {
            match char::from_u32(unit) {
                Some(character) => text.push(character),
                None => return Err(failure(&text, index * width)),
            }
        }
    }
    if trailing != 0 {
        return Err(failure(&text, bytes.len() - trailing));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "a\nbc\n\nd";
        let index = LineIndex::new(text);
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line_column(text, 3), (2, 2));
        assert_eq!(index.line(5), 3);
        assert_eq!(index.line(6), 4);
    }

    #[test]
    fn invalid_utf8_reports_its_line() {
        assert_eq!(utf8(b"ok\nok\n\xff"), Err((3, 6)));
        assert_eq!(utf8(b"fine"), Ok("fine"));
    }

    #[test]
    fn requirements_are_decoded_as_pip_decodes_them() {
        // pip's tests/unit/test_req_file.py::test_decoding_with_BOM, every mark it lists.
        let text = "Django==1.4.2\n";
        let utf16 = |little: bool| -> Vec<u8> {
            text.encode_utf16()
                .flat_map(|unit| {
                    if little {
                        unit.to_le_bytes()
                    } else {
                        unit.to_be_bytes()
                    }
                })
                .collect()
        };
        let utf32 = |little: bool| -> Vec<u8> {
            text.chars()
                .flat_map(|c| {
                    if little {
                        u32::from(c).to_le_bytes()
                    } else {
                        u32::from(c).to_be_bytes()
                    }
                })
                .collect()
        };
        let cases: Vec<Vec<u8>> = vec![
            [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(),
            [b"\xfe\xff".as_slice(), &utf16(false)].concat(),
            [b"\xff\xfe".as_slice(), &utf16(true)].concat(),
            [b"\x00\x00\xfe\xff".as_slice(), &utf32(false)].concat(),
            [b"\xff\xfe\x00\x00".as_slice(), &utf32(true)].concat(),
        ];
        for bytes in cases {
            assert_eq!(pip_requirements(&bytes).unwrap(), text, "{bytes:?}");
        }
        // PEP 263 header (test_general_decoding).
        let latin = b"# coding=latin1\nDjango==1.4.2 # Pas trop de caf\xe9";
        assert_eq!(
            pip_requirements(latin).unwrap(),
            "# coding=latin1\nDjango==1.4.2 # Pas trop de caf\u{e9}"
        );
        // No mark, not UTF-8: pip falls back to the installing machine's locale; airlock says
        // where the first bad byte is.
        let error = pip_requirements(b"ok\n\xff").unwrap_err();
        assert_eq!((error.line, error.offset), (2, 3));
        // A lone surrogate in UTF-16 is an error, not a replacement character.
        let error = pip_requirements(b"\xff\xfea\x00\n\x00\x00\xd8").unwrap_err();
        assert_eq!(
            (error.line, error.offset, error.reason.as_str()),
            (2, 6, "not valid UTF-16LE")
        );
        assert!(pip_requirements(b"# -*- coding: cp1252 -*-\nx\x80").is_err());
        assert_eq!(
            pip_requirements(b"# -*- coding: ascii -*-\nx").unwrap(),
            "# -*- coding: ascii -*-\nx"
        );
    }
}
