//! The merged filesystem of an image, built by streaming its layers once, bottom first: each
//! entry is applied as the container runtime applies it (a whiteout `.wh.NAME` deletes NAME of
//! the layers below, `.wh..wh..opq` empties its directory of them, a file replaces a directory),
//! every regular file is hashed on the way, and only the files an extractor claims keep bytes
//! (the whole file under its format's cap, or the first bytes a weights format reads), so memory
//! follows the number of files and the claimed bytes, never the size of the image.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::{FileDigest, Format};
use crate::location::Location;

use super::ImageError;

/// Entries of all layers together looked at; past it the image is reported incomplete.
pub(super) const MAX_ENTRIES: usize = 2_000_000;
/// The longest path inside an image.
const MAX_PATH_BYTES: usize = 4096;
/// A tar header may claim any size; no layer entry is read past this (a lying header ends the
/// layer with an error instead of a read to the end of the world).
pub(super) const MAX_ENTRY_BYTES: u64 = 1 << 40;
/// Symbolic links followed while resolving one path (Linux's own limit).
const MAX_LINK_HOPS: usize = 40;
/// The chunk entries are streamed through.
const CHUNK_BYTES: usize = 256 * 1024;

/// What the extractors want kept of a file, decided by its path while the layer streams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Claim {
    /// Keep the whole file when it is at most this many bytes.
    pub whole: Option<u64>,
    /// Keep at least this many first bytes.
    pub prefix: u64,
    /// Ask the model formats whether the first bytes are one of theirs (a file with no
    /// extension, as a directory walk does).
    pub sniff: bool,
}

impl Claim {
    /// Nothing kept: the file is only hashed.
    pub const NONE: Claim = Claim {
        whole: None,
        prefix: 0,
        sniff: false,
    };

    /// Both claims: the larger of each.
    pub fn and(self, other: Claim) -> Claim {
        Claim {
            whole: match (self.whole, other.whole) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            prefix: self.prefix.max(other.prefix),
            sniff: self.sniff || other.sniff,
        }
    }
}

/// A regular file of the image, as the stream saw it.
#[derive(Debug)]
pub(super) struct FileContent {
    pub size: u64,
    /// `None` when the layer ended inside the file.
    pub digest: Option<FileDigest>,
    /// The first bytes, or all of them when `whole`.
    pub captured: Vec<u8>,
    pub whole: bool,
    /// The model formats its first bytes are (for files no format claims by name).
    pub sniffed: Vec<&'static Format>,
    /// Why its bytes were not kept although claimed (the image's capture budget was spent).
    pub not_kept: Option<String>,
}

/// One path of the merged filesystem.
#[derive(Debug, Clone)]
pub(super) enum NodeKind {
    Directory,
    File(Arc<FileContent>),
    Symlink(String),
    /// A device or a FIFO: never read.
    Special,
}

/// A path and the layer that put it there.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub layer: usize,
    pub kind: NodeKind,
}

/// Where a path leads once its links are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Resolved {
    /// The path, links resolved, exists.
    Found(String),
    /// No such file.
    Missing,
    /// A link climbs above the image's root: not followed.
    Outside,
    /// More than [`MAX_LINK_HOPS`] links.
    Loop,
}

/// The merged filesystem: image paths (no leading `/`, `""` for the root) to nodes.
#[derive(Debug, Default)]
pub(super) struct MergedFilesystem {
    nodes: BTreeMap<String, Node>,
    /// Bytes kept in [`FileContent::captured`], against the budget.
    kept_bytes: u64,
    /// The budget of kept bytes.
    pub budget: u64,
    entries_seen: usize,
}

/// How one layer stream is read.
pub(super) struct LayerContext<'a> {
    pub layer: usize,
    /// Prefix of diagnostic locations: `IMAGE!`.
    pub display_prefix: &'a str,
    /// What to keep of a path.
    pub claim: &'a dyn Fn(&str) -> Claim,
    /// The model formats the first bytes are.
    pub sniff: &'a dyn Fn(&[u8]) -> Vec<&'static Format>,
    pub sha512: bool,
    /// Told the number of bytes streamed (progress).
    pub streamed: &'a dyn Fn(u64),
}

impl MergedFilesystem {
    /// An empty filesystem that keeps at most `budget` bytes of claimed files.
    pub fn new(budget: u64) -> MergedFilesystem {
        MergedFilesystem {
            budget,
            ..MergedFilesystem::default()
        }
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Every node, by path.
    pub fn nodes(&self) -> impl Iterator<Item = (&String, &Node)> {
        self.nodes.iter()
    }

    /// A directory: an entry of its own, the root, or the parent of an entry.
    pub fn is_directory(&self, path: &str) -> bool {
        if path.is_empty() {
            return true;
        }
        match self.nodes.get(path) {
            Some(node) => matches!(node.kind, NodeKind::Directory),
            None => self.descendants(path).next().is_some(),
        }
    }

    /// Every path strictly below `directory`.
    fn descendants<'a>(&'a self, directory: &str) -> impl Iterator<Item = (&'a String, &'a Node)> {
        let (start, end) = if directory.is_empty() {
            (String::new(), None)
        } else {
            // `/` + 1 is `0`: the range of `directory/…` in byte order.
            (format!("{directory}/"), Some(format!("{directory}0")))
        };
        let upper = end.clone();
        self.nodes
            .range(start..)
            .take_while(move |(path, _)| {
                upper
                    .as_ref()
                    .is_none_or(|end| path.as_str() < end.as_str())
            })
            .filter(|(path, _)| !path.is_empty())
    }

    /// The names directly in `directory` with their nodes (`None` for a directory implied by
    /// the paths below it).
    pub fn children(&self, directory: &str) -> BTreeMap<String, Option<&Node>> {
        let mut children = BTreeMap::new();
        for (path, node) in self.descendants(directory) {
            let rest = if directory.is_empty() {
                path.as_str()
            } else {
                path.get(directory.len() + 1..).unwrap_or_default()
            };
            match rest.split_once('/') {
                None => {
                    children.insert(rest.to_owned(), Some(node));
                }
                Some((name, _)) => {
                    children.entry(name.to_owned()).or_insert(None);
                }
            }
        }
        children
    }

    /// Removes `path` and what lies below it, of the layers below `layer` only.
    fn remove_below(&mut self, path: &str, layer: usize, with_self: bool) {
        let mut doomed: Vec<String> = self
            .descendants(path)
            .filter(|(_, node)| node.layer < layer)
            .map(|(path, _)| path.clone())
            .collect();
        if with_self && self.nodes.get(path).is_some_and(|node| node.layer < layer) {
            doomed.push(path.to_owned());
        }
        for path in doomed {
            if let Some(node) = self.nodes.remove(&path) {
                self.release(&node);
            }
        }
    }

    fn release(&mut self, node: &Node) {
        if let NodeKind::File(content) = &node.kind {
            if Arc::strong_count(content) == 1 {
                self.kept_bytes = self
                    .kept_bytes
                    .saturating_sub(content.captured.len() as u64);
            }
        }
    }

    fn insert(&mut self, path: String, node: Node) {
        if !matches!(node.kind, NodeKind::Directory) {
            // A file or a link replaces a directory of a layer below, contents and all.
            self.remove_below(&path, node.layer, false);
        }
        // A lower layer's file or link where this path needs a directory is replaced by it.
        let mut ancestor = path.as_str();
        while let Some((parent, _)) = ancestor.rsplit_once('/') {
            if self
                .nodes
                .get(parent)
                .is_some_and(|found| !matches!(found.kind, NodeKind::Directory))
            {
                if let Some(old) = self.nodes.remove(parent) {
                    self.release(&old);
                }
            }
            ancestor = parent;
        }
        if let Some(old) = self.nodes.insert(path, node) {
            self.release(&old);
        }
    }

    /// Resolves `path` through the links of the image; the last component is followed when
    /// `follow_last`. Absolute link targets resolve inside the image (as the container sees
    /// them); a target climbing above its root is outside the image.
    pub fn resolve(&self, path: &str, follow_last: bool) -> Resolved {
        let mut pending: Vec<String> = path
            .split('/')
            .rev()
            .filter(|part| !part.is_empty() && *part != ".")
            .map(str::to_owned)
            .collect();
        let mut resolved: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            if part == ".." {
                if resolved.pop().is_none() {
                    return Resolved::Outside;
                }
                continue;
            }
            resolved.push(part);
            let joined = resolved.join("/");
            let is_last = pending.is_empty();
            if let Some(Node {
                kind: NodeKind::Symlink(target),
                ..
            }) = self.nodes.get(&joined)
            {
                if is_last && !follow_last {
                    break;
                }
                hops += 1;
                if hops > MAX_LINK_HOPS {
                    return Resolved::Loop;
                }
                resolved.pop();
                if target.starts_with('/') {
                    resolved.clear();
                }
                pending.extend(
                    target
                        .split('/')
                        .rev()
                        .filter(|part| !part.is_empty() && *part != ".")
                        .map(str::to_owned),
                );
            }
        }
        let joined = resolved.join("/");
        if self.nodes.contains_key(&joined) || self.is_directory(&joined) {
            Resolved::Found(joined)
        } else {
            Resolved::Missing
        }
    }

    /// Streams one layer (an uncompressed tar) into the filesystem. Entries that cannot be
    /// applied are skipped with a diagnostic; a broken stream ends the layer with an error.
    pub fn apply_layer(
        &mut self,
        reader: impl Read,
        context: &LayerContext<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Result<(), ImageError> {
        let mut archive = tar::Archive::new(reader);
        let mut buffer = vec![0_u8; CHUNK_BYTES];
        let entries = archive
            .entries()
            .map_err(ImageError::io("the layer is not a tar archive"))?;
        for entry in entries {
            let mut entry = entry.map_err(ImageError::io("a broken tar header"))?;
            self.entries_seen += 1;
            if self.entries_seen > MAX_ENTRIES {
                return Err(ImageError::Invalid(format!(
                    "more than {MAX_ENTRIES} entries in the image's layers; the rest were not read"
                )));
            }
            let raw = entry.path_bytes().into_owned();
            let raw = String::from_utf8_lossy(&raw).into_owned();
            let skip = |diagnostics: &mut Vec<Diagnostic>, why: String| {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::ImageEntrySkipped,
                    Location::file(format!(
                        "{}/{}",
                        context.display_prefix,
                        raw.trim_start_matches('/')
                    )),
                    format!("layer {}: {why}; skipped", context.layer + 1),
                ));
            };
            let kind = entry.header().entry_type();
            if kind.is_pax_global_extensions()
                || kind.is_pax_local_extensions()
                || kind.is_gnu_longname()
                || kind.is_gnu_longlink()
            {
                continue;
            }
            let path = match normalize_entry(&raw) {
                Ok(Some(path)) => path,
                Ok(None) => continue,
                Err(why) => {
                    skip(diagnostics, why);
                    continue;
                }
            };
            if raw.starts_with('/') {
                diagnostics.push(Diagnostic::note(
                    DiagnosticCode::ImageEntrySkipped,
                    Location::file(format!("{}/{path}", context.display_prefix)),
                    format!(
                        "layer {}: an absolute path in the layer, read relative to the image's root as container runtimes do",
                        context.layer + 1
                    ),
                ));
            }
            let (parent, name) = match path.rsplit_once('/') {
                Some((parent, name)) => (parent.to_owned(), name.to_owned()),
                None => (String::new(), path.clone()),
            };
            // Entries below a link of a lower layer land where the link leads (containerd
            // resolves parents inside the root); a parent leading out of the image is skipped.
            let parent = if parent.is_empty() || !self.has_link_on(&parent) {
                parent
            } else {
                match self.resolve(&parent, true) {
                    Resolved::Found(real) => real,
                    Resolved::Missing => parent,
                    Resolved::Outside | Resolved::Loop => {
                        skip(
                            diagnostics,
                            "its directory is a link leading out of the image".to_owned(),
                        );
                        continue;
                    }
                }
            };
            let path = if parent.is_empty() {
                name.clone()
            } else {
                format!("{parent}/{name}")
            };
            if name == ".wh..wh..opq" {
                self.remove_below(&parent, context.layer, false);
                continue;
            }
            if let Some(deleted) = name.strip_prefix(".wh.") {
                let target = if parent.is_empty() {
                    deleted.to_owned()
                } else {
                    format!("{parent}/{deleted}")
                };
                self.remove_below(&target, context.layer, true);
                continue;
            }
            let node_kind = if kind.is_dir() {
                NodeKind::Directory
            } else if kind.is_symlink() {
                let target = entry
                    .link_name_bytes()
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                    .unwrap_or_default();
                NodeKind::Symlink(target)
            } else if kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                    .unwrap_or_default();
                let target = match normalize_entry(&target) {
                    Ok(Some(target)) => target,
                    _ => {
                        skip(
                            diagnostics,
                            format!("a hard link to `{target}`, outside the image"),
                        );
                        continue;
                    }
                };
                match self.nodes.get(&target) {
                    Some(Node {
                        kind: NodeKind::File(content),
                        ..
                    }) => NodeKind::File(Arc::clone(content)),
                    _ => {
                        skip(
                            diagnostics,
                            format!("a hard link to `{target}`, which is no file of the image"),
                        );
                        continue;
                    }
                }
            } else if kind.is_file() || kind == tar::EntryType::Continuous {
                let size = entry.size();
                if size > MAX_ENTRY_BYTES {
                    return Err(ImageError::Invalid(format!(
                        "layer {}: `{path}` claims {size} bytes, more than any layer entry airlock reads ({MAX_ENTRY_BYTES}); the rest of the layer was not read",
                        context.layer + 1
                    )));
                }
                let claim = (context.claim)(&path);
                let content = self.stream_file(&mut entry, size, claim, &mut buffer, context)?;
                if content.digest.is_none() {
                    return Err(ImageError::Invalid(format!(
                        "layer {}: the layer ends inside `{path}` ({size} bytes claimed by its header)",
                        context.layer + 1
                    )));
                }
                if let Some(why) = &content.not_kept {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::FileTooLarge,
                        Location::file(format!("{}/{path}", context.display_prefix)),
                        why.clone(),
                    ));
                }
                NodeKind::File(Arc::new(content))
            } else {
                NodeKind::Special
            };
            if path.len() > MAX_PATH_BYTES {
                skip(
                    diagnostics,
                    format!("a path longer than {MAX_PATH_BYTES} bytes"),
                );
                continue;
            }
            self.insert(
                path,
                Node {
                    layer: context.layer,
                    kind: node_kind,
                },
            );
        }
        Ok(())
    }

    fn has_link_on(&self, directory: &str) -> bool {
        let mut current = directory;
        loop {
            if self
                .nodes
                .get(current)
                .is_some_and(|node| matches!(node.kind, NodeKind::Symlink(_)))
            {
                return true;
            }
            match current.rsplit_once('/') {
                Some((parent, _)) => current = parent,
                None => return false,
            }
        }
    }

    /// Hashes one entry and keeps what its claim asks for, within the budget.
    fn stream_file(
        &mut self,
        entry: &mut impl Read,
        size: u64,
        claim: Claim,
        buffer: &mut [u8],
        context: &LayerContext<'_>,
    ) -> Result<FileContent, ImageError> {
        use sha2::Digest as _;
        let sniff_bytes = if claim.sniff {
            crate::extract::model::weights::SNIFF_BYTES
        } else {
            0
        };
        let mut not_kept = None;
        let wants_whole = claim.whole.is_some_and(|max| size <= max);
        let mut keep = if wants_whole {
            size
        } else {
            claim.prefix.max(sniff_bytes).min(size)
        };
        if keep > 0 && self.kept_bytes.saturating_add(keep) > self.budget {
            not_kept = Some(format!(
                "not read: the {}-byte budget for files kept from the image's layers is spent",
                self.budget
            ));
            keep = 0;
        }
        let whole = wants_whole && keep == size;
        if let Some(max) = claim
            .whole
            .filter(|max| size > *max && claim.prefix == 0 && !claim.sniff)
        {
            not_kept = Some(format!(
                "{size} bytes is over the {max}-byte cap for this format; skipped"
            ));
        }
        let mut captured = Vec::with_capacity(usize::try_from(keep.min(1 << 20)).unwrap_or(0));
        let mut hasher = sha2::Sha256::new();
        let mut hasher512 = context.sha512.then(sha2::Sha512::new);
        let mut read_total: u64 = 0;
        loop {
            let read = match entry.read(buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    return Err(ImageError::Invalid(format!(
                        "layer {}: cannot read: {error}",
                        context.layer + 1
                    )))
                }
            };
            let chunk = buffer.get(..read).unwrap_or_default();
            hasher.update(chunk);
            if let Some(hasher512) = hasher512.as_mut() {
                hasher512.update(chunk);
            }
            let room =
                usize::try_from(keep.saturating_sub(captured.len() as u64)).unwrap_or(usize::MAX);
            captured.extend_from_slice(chunk.get(..room.min(read)).unwrap_or_default());
            read_total += read as u64;
            (context.streamed)(read as u64);
        }
        let mut sniffed = Vec::new();
        if claim.sniff && !captured.is_empty() {
            let head = captured.get(..captured.len().min(4096)).unwrap_or_default();
            sniffed = (context.sniff)(head);
            if sniffed.is_empty() && claim.prefix == 0 && !whole {
                captured = Vec::new();
            }
        }
        captured.shrink_to_fit();
        self.kept_bytes += captured.len() as u64;
        let complete = read_total == size;
        Ok(FileContent {
            size,
            digest: complete.then(|| FileDigest {
                sha256: hex::encode(hasher.finalize()),
                sha512: hasher512.map(|hasher| hex::encode(hasher.finalize())),
                size,
            }),
            captured,
            whole,
            sniffed,
            not_kept,
        })
    }
}

/// An entry's path inside the image: no `./`, no leading `/` (read from the root, as runtimes
/// do), `..` folded. `Ok(None)` for the root itself; an error for a path that climbs above the
/// root, which runtimes refuse as a breakout.
pub(super) fn normalize_entry(raw: &str) -> Result<Option<String>, String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "the path `{raw}` climbs out of the image with `..`"
                    ));
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(entries: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, content) in entries {
            let mut header = tar::Header::new_gnu();
            match content {
                Some(bytes) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(bytes.len() as u64);
                    header.set_mode(0o644);
                    builder.append_data(&mut header, path, *bytes).unwrap();
                }
                None => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_size(0);
                    header.set_mode(0o755);
                    builder
                        .append_data(&mut header, path, std::io::empty())
                        .unwrap();
                }
            }
        }
        builder.into_inner().unwrap()
    }

    fn apply(filesystem: &mut MergedFilesystem, index: usize, bytes: &[u8]) -> Vec<Diagnostic> {
        let claim = |_: &str| Claim {
            whole: Some(1024),
            ..Claim::NONE
        };
        let sniff = |_: &[u8]| Vec::new();
        let context = LayerContext {
            layer: index,
            display_prefix: "image.tar!",
            claim: &claim,
            sniff: &sniff,
            sha512: false,
            streamed: &|_| {},
        };
        let mut diagnostics = Vec::new();
        filesystem
            .apply_layer(bytes, &context, &mut diagnostics)
            .unwrap();
        diagnostics
    }

    fn paths(filesystem: &MergedFilesystem) -> Vec<String> {
        filesystem.nodes().map(|(path, _)| path.clone()).collect()
    }

    #[test]
    fn whiteouts_delete_only_what_the_layers_below_put_there() {
        let mut filesystem = MergedFilesystem::new(1 << 20);
        apply(
            &mut filesystem,
            0,
            &layer(&[
                ("etc", None),
                ("etc/keep", Some(b"1")),
                ("etc/gone", Some(b"2")),
                ("opt/app", None),
                ("opt/app/a", Some(b"3")),
                ("opt/app/sub/b", Some(b"4")),
            ]),
        );
        apply(
            &mut filesystem,
            1,
            &layer(&[
                ("etc/.wh.gone", Some(b"")),
                ("opt/app/new", Some(b"5")),
                ("opt/app/.wh..wh..opq", Some(b"")),
            ]),
        );
        assert_eq!(
            paths(&filesystem),
            ["etc", "etc/keep", "opt/app", "opt/app/new"]
        );
        // A file of an upper layer replaces a directory of a lower one, contents and all.
        apply(&mut filesystem, 2, &layer(&[("opt/app", Some(b"file"))]));
        assert_eq!(paths(&filesystem), ["etc", "etc/keep", "opt/app"]);
    }

    #[test]
    fn hostile_paths_are_skipped_or_read_from_the_root() {
        assert_eq!(
            normalize_entry("./usr/bin/x"),
            Ok(Some("usr/bin/x".to_owned()))
        );
        assert_eq!(
            normalize_entry("/etc/passwd"),
            Ok(Some("etc/passwd".to_owned()))
        );
        assert_eq!(normalize_entry("a/../b"), Ok(Some("b".to_owned())));
        assert_eq!(normalize_entry("./"), Ok(None));
        assert!(normalize_entry("../x").is_err());
        assert!(normalize_entry("a/../../x").is_err());
    }

    #[test]
    fn links_resolve_inside_the_image_and_never_out_of_it() {
        let mut filesystem = MergedFilesystem::new(1 << 20);
        apply(&mut filesystem, 0, &layer(&[("usr/lib/x", Some(b"1"))]));
        for (path, target) in [
            ("lib", "usr/lib"),
            ("abs", "/usr/lib/x"),
            ("out", "../../etc/passwd"),
            ("loop", "loop"),
        ] {
            filesystem.insert(
                path.to_owned(),
                Node {
                    layer: 0,
                    kind: NodeKind::Symlink(target.to_owned()),
                },
            );
        }
        assert_eq!(
            filesystem.resolve("lib/x", true),
            Resolved::Found("usr/lib/x".to_owned())
        );
        assert_eq!(
            filesystem.resolve("abs", true),
            Resolved::Found("usr/lib/x".to_owned())
        );
        assert_eq!(filesystem.resolve("out", true), Resolved::Outside);
        assert_eq!(filesystem.resolve("loop", true), Resolved::Loop);
        assert_eq!(filesystem.resolve("lib/nope", true), Resolved::Missing);
        assert_eq!(
            filesystem.resolve("out", false),
            Resolved::Found("out".to_owned())
        );
    }
}
