//! The Hugging Face hub cache layout (`huggingface_hub` `file_download.py`):
//! `models--ORG--NAME/snapshots/REVISION/<files>`, where each snapshot file is a symbolic link
//! to `models--ORG--NAME/blobs/<name>`. An LFS file's blob is named by the SHA-256 of its
//! content, so a blob whose content hashes to something else was altered after download.
//! (Small files' blobs are named by their git blob SHA-1, which airlock does not recompute.)

/// Where a file sits in a cache snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheLocation {
    /// `org/name`, or `name` for legacy repositories.
    pub repository: String,
    /// The revision (commit) the snapshot is of.
    pub revision: String,
    /// Scan-relative path of the snapshot directory.
    pub snapshot: String,
}

/// Reads the repository and revision from a scan-relative path inside a cache snapshot.
pub fn locate(path: &str) -> Option<CacheLocation> {
    let parts: Vec<&str> = path.split('/').collect();
    let models = parts
        .iter()
        .rposition(|part| part.starts_with("models--") && part.len() > "models--".len())?;
    if parts.get(models + 1) != Some(&"snapshots") {
        return None;
    }
    let revision = *parts.get(models + 2)?;
    // The file itself must lie inside the snapshot.
    parts.get(models + 3)?;
    if revision.is_empty() || !revision.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let folder = parts.get(models)?.strip_prefix("models--")?;
    let repository = match folder.split_once("--") {
        Some((owner, name)) if !owner.is_empty() && !name.is_empty() => format!("{owner}/{name}"),
        Some(_) => return None,
        None => folder.to_owned(),
    };
    Some(CacheLocation {
        repository,
        revision: revision.to_owned(),
        snapshot: parts.get(..models + 3)?.join("/"),
    })
}

/// The SHA-256 a snapshot file must have, read from the name of the blob it links to.
pub fn blob_sha256(link_target: &str) -> Option<String> {
    let (directory, name) = link_target.trim_end_matches('/').rsplit_once('/')?;
    if !directory.ends_with("blobs") {
        return None;
    }
    (name.len() == 64 && name.bytes().all(|byte| byte.is_ascii_hexdigit()))
        .then(|| name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repository_and_revision() {
        let location =
            locate("cache/hub/models--meta-llama--Llama-2-7b-hf/snapshots/8cca527/sub/config.json")
                .unwrap();
        assert_eq!(location.repository, "meta-llama/Llama-2-7b-hf");
        assert_eq!(location.revision, "8cca527");
        assert_eq!(
            location.snapshot,
            "cache/hub/models--meta-llama--Llama-2-7b-hf/snapshots/8cca527"
        );
        assert_eq!(
            locate("models--gpt2/snapshots/abc/model.safetensors")
                .unwrap()
                .repository,
            "gpt2"
        );
        assert_eq!(locate("models--a--b/blobs/abc"), None);
        assert_eq!(locate("models--a--b/snapshots/abc"), None);
        assert_eq!(locate("plain/model.safetensors"), None);
    }

    #[test]
    fn blob_names() {
        let sha = "ab".repeat(32);
        assert_eq!(
            blob_sha256(&format!("../../blobs/{sha}")),
            Some(sha.clone())
        );
        assert_eq!(blob_sha256(&format!("../../other/{sha}")), None);
        assert_eq!(
            blob_sha256("../../blobs/0123456789abcdef0123456789abcdef01234567"),
            None
        );
    }
}
