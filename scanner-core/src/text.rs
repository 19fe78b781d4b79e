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
        line_starts.extend(text.match_indices('\n').map(|(offset, _)| offset + 1));
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
}
