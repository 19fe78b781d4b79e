//! git-lfs pointer files (git-lfs `docs/spec.md`, version `https://git-lfs.github.com/spec/v1`):
//! what a clone without `git lfs pull` leaves where the weights should be. A pointer names the
//! real file's SHA-256 and size; the weights themselves were never downloaded.

use crate::model::LfsPointer;

/// Pointers are tiny; anything longer is not one.
pub const MAX_POINTER_BYTES: usize = 1024;

const VERSION_LINE: &str = "version https://git-lfs.github.com/spec/v1";

/// True when `bytes` start like a pointer (cheap test before [`parse`]).
pub fn looks_like_pointer(bytes: &[u8]) -> bool {
    bytes.starts_with(b"version https://git-lfs")
}

/// Reads a pointer: `version`, then `oid sha256:<64 hex>` and `size <bytes>` lines.
pub fn parse(bytes: &[u8]) -> Result<LfsPointer, String> {
    if bytes.len() > MAX_POINTER_BYTES {
        return Err(format!(
            "{} bytes is too long for a git-lfs pointer",
            bytes.len()
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some(VERSION_LINE) {
        return Err(format!("the first line is not `{VERSION_LINE}`"));
    }
    let mut oid = None;
    let mut size = None;
    for line in lines {
        if let Some(value) = line.strip_prefix("oid sha256:") {
            let value = value.trim();
            if value.len() != 64 || !value.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return Err(format!("`{value}` is not a SHA-256 oid"));
            }
            oid = Some(value.to_ascii_lowercase());
        } else if let Some(value) = line.strip_prefix("size ") {
            size = Some(
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| format!("`{}` is not a size", value.trim()))?,
            );
        }
    }
    match (oid, size) {
        (Some(oid), Some(size)) => Ok(LfsPointer { oid, size }),
        (None, _) => Err("no `oid sha256:` line".to_owned()),
        (_, None) => Err("no `size` line".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pointers_and_refuses_lookalikes() {
        let oid = "a".repeat(64);
        let text = format!("{VERSION_LINE}\noid sha256:{oid}\nsize 1234\n");
        assert!(looks_like_pointer(text.as_bytes()));
        let pointer = parse(text.as_bytes()).unwrap();
        assert_eq!(pointer.oid, oid);
        assert_eq!(pointer.size, 1234);
        assert!(parse(format!("{VERSION_LINE}\noid sha256:abc\nsize 1\n").as_bytes()).is_err());
        assert!(parse(format!("{VERSION_LINE}\nsize 1\n").as_bytes()).is_err());
        assert!(parse(b"version 2\n").is_err());
    }
}
