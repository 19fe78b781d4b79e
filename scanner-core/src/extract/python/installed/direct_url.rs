//! `direct_url.json` of a `*.dist-info` (PEP 610, "Recording the Direct URL Origin of
//! installed distributions"): where a package installed from a URL, a version control
//! checkout or a local directory (editable or not) came from. Such a package is not the
//! registry release of its name: its key gets this source, so its purl never passes for one.

use serde::Deserialize;

use crate::component::{GitReference, Source};

#[derive(Debug, Deserialize)]
struct Wire {
    url: String,
    #[serde(default)]
    vcs_info: Option<VcsInfo>,
    #[serde(default)]
    dir_info: Option<DirInfo>,
}

#[derive(Debug, Deserialize)]
struct VcsInfo {
    vcs: String,
    #[serde(default)]
    requested_revision: Option<String>,
    commit_id: String,
}

#[derive(Debug, Deserialize)]
struct DirInfo {
    #[serde(default)]
    editable: bool,
}

/// Where the package came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectUrl {
    /// The VCS repository, archive URL or local directory it was installed from.
    pub source: Source,
    /// Installed in editable mode (`pip install -e`): its code is a directory on disk.
    pub editable: bool,
}

/// Reads `direct_url.json`; the error says what is wrong with it.
pub fn parse(bytes: &[u8]) -> Result<DirectUrl, String> {
    let wire: Wire = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    let url = crate::extract::python::requirements_txt::redact_credentials(&wire.url);
    if let Some(vcs) = wire.vcs_info {
        if vcs.vcs != "git" {
            // Other version control systems keep their URL and commit in the URL source.
            return Ok(DirectUrl {
                source: Source::Url {
                    url: format!("{}+{url}@{}", vcs.vcs, vcs.commit_id),
                },
                editable: false,
            });
        }
        return Ok(DirectUrl {
            source: Source::Git {
                url,
                reference: vcs.requested_revision.map(GitReference::Rev),
                commit: Some(vcs.commit_id),
            },
            editable: false,
        });
    }
    let editable = wire.dir_info.is_some_and(|dir| dir.editable);
    let source = match url.strip_prefix("file://") {
        Some(rest) => Source::Path {
            path: rest.strip_prefix("localhost").unwrap_or(rest).to_owned(),
        },
        None => Source::Url { url },
    };
    Ok(DirectUrl { source, editable })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcs_archive_and_editable() {
        let git = parse(br#"{"url":"https://github.com/o/r.git","vcs_info":{"vcs":"git","requested_revision":"v1","commit_id":"abc"}}"#).unwrap();
        assert_eq!(
            git.source,
            Source::Git {
                url: "https://github.com/o/r.git".to_owned(),
                reference: Some(GitReference::Rev("v1".to_owned())),
                commit: Some("abc".to_owned())
            }
        );
        let editable =
            parse(br#"{"url":"file:///home/me/proj","dir_info":{"editable":true}}"#).unwrap();
        assert!(editable.editable);
        assert_eq!(
            editable.source,
            Source::Path {
                path: "/home/me/proj".to_owned()
            }
        );
        let archive = parse(br#"{"url":"https://h/x-1.0.tar.gz","archive_info":{}}"#).unwrap();
        assert_eq!(archive.source.kind(), "url");
        assert!(parse(b"{}").is_err());
    }
}
