//! Cargo projects: `Cargo.lock` (format versions 1 to 4) and the workspace's `Cargo.toml` files,
//! read without cargo and without a network; `cargo metadata` on request.
//!
//! Spec: the Cargo book (`reference/manifest.html`, `reference/workspaces.html`,
//! `reference/specifying-dependencies.html`) and cargo's `EncodableResolve` for the lock format.

pub mod auditable_binary;
pub mod cargo_lock;
pub mod cargo_toml;
pub mod crate_archive;
pub mod metadata;
pub mod vendored;

use crate::component::{GitReference, Source};
use crate::ecosystem::Ecosystem;
use crate::name::PackageName;
use crate::text::LineIndex;

use super::ExtractError;
use crate::location::Location;

/// crates.io's index, as written by the git protocol and the sparse protocol.
const CRATES_IO_INDEXES: [&str; 2] = [
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
];

/// Reads a lockfile `source = "…"` string. `None` means the string is not a source Cargo writes.
pub(crate) fn parse_lock_source(text: &str) -> Option<Source> {
    parse_lock_source_as(text, false)
}

/// [`parse_lock_source`] for a lock of a known format: `Cargo.lock` v4 percent-encodes a git
/// branch, tag or rev in the source URL's query (`?branch=a-_%2B%23%24%29` for `a-_+#$)`),
/// which `query_encoded` decodes as cargo's `url` crate does; v1 to v3 write it as it is, so a
/// `#` in the reference is the reference's, and the commit is what follows the last `#`.
pub(crate) fn parse_lock_source_as(text: &str, query_encoded: bool) -> Option<Source> {
    if CRATES_IO_INDEXES.contains(&text) {
        return Some(Source::DEFAULT_REGISTRY);
    }
    if text.starts_with("registry+") || text.starts_with("sparse+") {
        return Some(Source::Registry {
            index: Some(text.to_owned()),
        });
    }
    let git = text.strip_prefix("git+")?;
    let is_commit = |tail: &str| !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_hexdigit());
    let (without_fragment, commit) = match git.rsplit_once('#') {
        Some((rest, commit)) if is_commit(commit) => (rest, Some(commit.to_owned())),
        _ => match git.split_once('#') {
            Some((rest, commit)) => (rest, Some(commit.to_owned())),
            None => (git, None),
        },
    };
    let (url, reference) = crate::extract::git_query(without_fragment);
    let reference = match reference {
        Some(reference) if query_encoded => Some(match reference {
            GitReference::Branch(value) => GitReference::Branch(form_decoded(&value)),
            GitReference::Tag(value) => GitReference::Tag(form_decoded(&value)),
            GitReference::Rev(value) => GitReference::Rev(form_decoded(&value)),
        }),
        other => other,
    };
    Some(Source::Git {
        url: url.to_owned(),
        reference,
        commit,
    })
}

/// A query value decoded as `application/x-www-form-urlencoded` (`+` is a space, `%XX` a
/// byte), what the `url` crate's `query_pairs` gives cargo. An escape that is not two hex
/// digits, or bytes that are not UTF-8, stay as written.
fn form_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut position = 0;
    while let Some(&byte) = bytes.get(position) {
        let escaped = (byte == b'%')
            .then(|| bytes.get(position + 1..position + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (_, Some(value)) => {
                decoded.push(value);
                position += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                position += 1;
            }
            (other, None) => {
                decoded.push(other);
                position += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap_or_else(|_| value.to_owned())
}

pub(crate) fn crate_name(raw: &str) -> Result<PackageName, crate::name::NameError> {
    PackageName::new(Ecosystem::CratesIo, raw)
}

/// Parses TOML text into a wire struct, turning errors into `path:line:column` messages.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &str,
    bytes: &[u8],
) -> Result<(T, LineIndex), ExtractError> {
    let text = crate::text::utf8(bytes).map_err(|(line, offset)| ExtractError::InvalidUtf8 {
        location: Location::line(path, line),
        offset,
    })?;
    let index = LineIndex::new(text);
    match toml::from_str::<T>(text) {
        Ok(value) => Ok((value, index)),
        Err(error) => Err(super::toml_tree::parse_error(path, text, &index, &error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::GitReference;

    #[test]
    fn lock_sources() {
        assert_eq!(
            parse_lock_source("registry+https://github.com/rust-lang/crates.io-index"),
            Some(Source::DEFAULT_REGISTRY)
        );
        assert_eq!(
            parse_lock_source("sparse+https://index.crates.io/"),
            Some(Source::DEFAULT_REGISTRY)
        );
        assert_eq!(
            parse_lock_source("sparse+https://my.registry/index/"),
            Some(Source::Registry {
                index: Some("sparse+https://my.registry/index/".to_owned())
            })
        );
        assert_eq!(
            parse_lock_source("git+https://github.com/qdrant/tonic?branch=v0.14.6-qdrant#a40343f9"),
            Some(Source::Git {
                url: "https://github.com/qdrant/tonic".to_owned(),
                reference: Some(GitReference::Branch("v0.14.6-qdrant".to_owned())),
                commit: Some("a40343f9".to_owned()),
            })
        );
        assert_eq!(
            parse_lock_source("git+https://github.com/generall/wal.git#7489d8e"),
            Some(Source::Git {
                url: "https://github.com/generall/wal.git".to_owned(),
                reference: None,
                commit: Some("7489d8e".to_owned())
            })
        );
        assert_eq!(parse_lock_source("path+file:///x"), None);
        // Cargo's lockfile_compat.rs `v3_and_git_url_encoded_*` / `v4_and_git_url_encoded_*`:
        // the reference `a-_+#$)` as v3 writes it (raw) and as v4 writes it (encoded).
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let wanted = Some(Source::Git {
            url: "file:///r/dep1".to_owned(),
            reference: Some(GitReference::Branch("a-_+#$)".to_owned())),
            commit: Some(commit.to_owned()),
        });
        assert_eq!(
            parse_lock_source_as(
                &format!("git+file:///r/dep1?branch=a-_+#$)#{commit}"),
                false
            ),
            wanted
        );
        assert_eq!(
            parse_lock_source_as(
                &format!("git+file:///r/dep1?branch=a-_%2B%23%24%29#{commit}"),
                true
            ),
            wanted
        );
        assert_eq!(form_decoded("a%2"), "a%2");
        assert_eq!(form_decoded("%FF"), "%FF");
    }
}
