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

use crate::component::Source;
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
    if CRATES_IO_INDEXES.contains(&text) {
        return Some(Source::DEFAULT_REGISTRY);
    }
    if text.starts_with("registry+") || text.starts_with("sparse+") {
        return Some(Source::Registry {
            index: Some(text.to_owned()),
        });
    }
    let git = text.strip_prefix("git+")?;
    let (without_fragment, commit) = match git.split_once('#') {
        Some((rest, commit)) => (rest, Some(commit.to_owned())),
        None => (git, None),
    };
    let (url, reference) = crate::extract::git_query(without_fragment);
    Some(Source::Git {
        url: url.to_owned(),
        reference,
        commit,
    })
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
    }
}
