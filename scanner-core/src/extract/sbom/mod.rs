//! SBOMs as input: a CycloneDX (1.2–1.7, JSON or XML) or SPDX (2.2, 2.3 JSON; 3.0.1 JSON-LD) document becomes
//! components and edges, so `airlock scan bom.json` matches what another tool inventoried, as
//! grype does, and `airlock diff` compares two documents.
//!
//! Which files: in a directory walk only names that say "SBOM" (`bom.json`, `bom.xml`,
//! `*.cdx.json`, `*.cdx.xml`, `*.bom.json`, `*.bom.xml`, `*.spdx.json`); a file named on the
//! command line is also read when its first bytes are a CycloneDX or SPDX document, whatever its
//! name ([`Format::recognizes_content`]).
//!
//! Identity: purls (purl-spec) give the ecosystem, name, version and source for `pypi`, `cargo`
//! and `huggingface`; any other package type becomes a generic component that keeps its purl
//! ([`crate::facts::Facts::original_purl`]). airlock's own documents also carry `airlock:`
//! properties ([`properties`]) that restore exactly what a purl cannot say (git reference, local
//! path, edge kinds) and the component's facts, so reading airlock's CycloneDX back gives the
//! same graph.

mod cyclonedx;
mod spdx;
mod spdx3;
mod tag_value;

use std::collections::{BTreeMap, HashMap};

use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, GitReference,
    Hash, HashAlgorithm, Scope, Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::facts::properties::{self, EdgeProperty};
use crate::location::Evidence;
use crate::name::PackageName;
use crate::purl::Purl;

use super::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Reference, Sample,
    Syntax, Target,
};

const ID: ExtractorId = "sbom/document";

/// How many bytes of an explicitly named file are enough to recognize an SBOM.
pub const SNIFF_BYTES: usize = 4096;

/// Reads CycloneDX and SPDX documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct SbomExtractor;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "CycloneDX 1.2-1.7 (JSON, XML), SPDX 2.2/2.3 (JSON, tag-value) and SPDX 3.0.1 JSON-LD SBOMs (bom.json, *.cdx.json, *.spdx.json, ...; any name when given as a file)",
    FileMatch::AnyCase {
        names: &["bom.json", "bom.xml"],
        suffixes: &[
            ".cdx.json",
            ".cdx.xml",
            ".bom.json",
            ".bom.xml",
            ".spdx.json",
            ".spdx3.json",
            ".spdx",
        ],
    },
    &SbomExtractor,
)
.recognizes(recognizes)
.fuzzed_as("sbom", &[Sample::new("bom.cdx.json", Syntax::Json), Sample::new("bom.cdx.xml", Syntax::Xml), Sample::new("bom.spdx.json", Syntax::Json)]);

impl Parse for SbomExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let text = std::str::from_utf8(input.bytes).map_err(|error| ExtractError::InvalidUtf8 {
            location: input.location(None),
            offset: error.valid_up_to(),
        })?;
        let text = text.trim_start_matches('\u{feff}');
        let document = match text.trim_start().chars().next() {
            Some('{') => {
                let value: serde_json::Value =
                    serde_json::from_str(text).map_err(|error| ExtractError::Parse {
                        location: input.location(u32::try_from(error.line()).ok()),
                        message: format!("not valid JSON: {error}"),
                    })?;
                if value.get("bomFormat").and_then(|format| format.as_str()) == Some("CycloneDX") {
                    cyclonedx::read_json(input, value)?
                } else if value.get("spdxVersion").is_some() {
                    spdx::read_json(input, value)?
                } else if value
                    .get("@context")
                    .and_then(|context| context.as_str())
                    .is_some_and(|context| context.starts_with("https://spdx.org/rdf/"))
                {
                    spdx3::read_json(input, value)?
                } else {
                    return Err(ExtractError::Parse {
                        location: input.location(None),
                        message: "neither a CycloneDX document (`bomFormat`) nor an SPDX document (`spdxVersion`, or an SPDX 3 `@context`)".to_owned(),
                    });
                }
            }
            Some('<') => cyclonedx::read_xml(input, text)?,
            _ if is_tag_value(text) => tag_value::read(input, text)?,
            _ => {
                return Err(ExtractError::Parse {
                    location: input.location(None),
                    message: "not a JSON or XML SBOM document".to_owned(),
                })
            }
        };
        Ok(convert(input, text, document))
    }
}

/// The content test for a file given by name that no format accepts by its name.
fn recognizes(prefix: &[u8]) -> bool {
    let head = prefix.get(..SNIFF_BYTES).unwrap_or(prefix);
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        // Key order is free in JSON, so any key only these formats use will do: a document
        // that lists its components first shows `bom-ref` or `SPDXID` long before its
        // `bomFormat`.
        [
            "\"bomFormat\"",
            "\"bom-ref\"",
            "\"spdxVersion\"",
            "\"SPDXID\"",
            "https://spdx.org/rdf/3",
        ]
        .iter()
        .any(|key| text.contains(key))
    } else if trimmed.starts_with('<') {
        text.contains("http://cyclonedx.org/schema/bom/")
    } else {
        is_tag_value(&text)
    }
}

/// An SPDX tag-value document: its first tag line is `SPDXVersion:` (comments may precede it).
fn is_tag_value(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with("SPDXVersion:"))
}

/// What both document formats say, before it becomes components.
#[derive(Debug, Default)]
struct Document {
    entries: Vec<Entry>,
    /// `from` reference → `to` references (dependency edges).
    edges: Vec<(String, String, EdgeKind)>,
    /// References of the components the document describes.
    subjects: Vec<String>,
    /// The marker in whose text each entry's reference is found (`"bom-ref"`, `"SPDXID"`), to
    /// point evidence at a line.
    reference_marker: &'static str,
}

/// One component as a document lists it.
#[derive(Debug, Default)]
struct Entry {
    reference: String,
    kind: Option<ComponentKind>,
    name: String,
    /// Group or namespace (CycloneDX `group`).
    group: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    /// (algorithm name as written, digest).
    hashes: Vec<(String, String)>,
    licenses: Vec<String>,
    properties: Vec<(String, String)>,
    scope: Option<Scope>,
    /// A CycloneDX `modelCard`, when the component has one airlock can read.
    model_card: Option<crate::sbom::cyclonedx::ModelCard>,
    /// The authors an SPDX document names (SPDX 2.3 `originator`, SPDX 3 `originatedBy`), as
    /// written there; CycloneDX carries them in the `airlock:authors` property instead.
    authors: Vec<String>,
}

impl Entry {
    fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        let name = name.to_owned();
        self.properties
            .iter()
            .filter(move |(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Line of each reference's first appearance after `marker` (`"bom-ref": "x"`, `bom-ref="x"`).
fn reference_lines(text: &str, marker: &str) -> HashMap<String, u32> {
    let mut lines = HashMap::new();
    let mut line: u32 = 1;
    let mut counted_to = 0;
    let mut search_from = 0;
    while let Some(found) = text.get(search_from..).and_then(|rest| rest.find(marker)) {
        let start = search_from + found + marker.len();
        search_from = start;
        line += u32::try_from(
            text.get(counted_to..start)
                .map_or(0, |part| part.matches('\n').count()),
        )
        .unwrap_or(0);
        counted_to = start;
        let rest = text.get(start..).unwrap_or_default();
        let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':' || c == '=');
        // JSON and XML quote the reference; tag-value (`SPDXID: x`) ends it with the line.
        let value = match rest.strip_prefix('"') {
            Some(quoted) => quoted.find('"').and_then(|end| quoted.get(..end)),
            None if !marker.contains('"') && marker.ends_with(' ') => {
                rest.split(['\n', '\r']).next().map(str::trim_end)
            }
            None => None,
        };
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            lines.entry(value.to_owned()).or_insert(line);
        }
    }
    lines
}

fn key_error(input: &Input<'_>, line: Option<u32>, entry: &Entry, reason: &str) -> Diagnostic {
    Diagnostic::warning(
        DiagnosticCode::InvalidEntry,
        input.location(line),
        format!(
            "component `{}` ({}) skipped: {reason}",
            entry.name, entry.reference
        ),
    )
}

fn source_from_properties(entry: &Entry) -> Option<Source> {
    let url = entry.property(properties::SOURCE_URL).map(str::to_owned);
    let path = entry.property(properties::SOURCE_PATH).map(str::to_owned);
    Some(match entry.property(properties::SOURCE_KIND)? {
        "registry" => Source::Registry { index: url },
        "git" => Source::Git {
            url: url?,
            reference: entry.property(properties::GIT_REFERENCE).and_then(|text| {
                let (kind, value) = text.split_once('=')?;
                let value = value.to_owned();
                match kind {
                    "branch" => Some(GitReference::Branch(value)),
                    "tag" => Some(GitReference::Tag(value)),
                    "rev" => Some(GitReference::Rev(value)),
                    _ => None,
                }
            }),
            commit: entry.property(properties::GIT_COMMIT).map(str::to_owned),
        },
        "path" => Source::Path { path: path? },
        "file" => Source::File { path: path? },
        "url" => Source::Url { url: url? },
        _ => return None,
    })
}

/// The source a purl's qualifiers name (purl-spec: `vcs_url`, `download_url`, `repository_url`).
fn source_from_qualifiers(qualifiers: &BTreeMap<String, String>, ecosystem: Ecosystem) -> Source {
    if let Some(vcs) = qualifiers.get("vcs_url") {
        let bare = vcs.strip_prefix("git+").unwrap_or(vcs);
        // `git+https://host/repo@commit`: the commit follows the last `@` after the host.
        let (url, commit) = match bare.rsplit_once('@') {
            Some((url, commit)) if url.contains("://") && !commit.contains('/') => {
                (url.to_owned(), Some(commit.to_owned()))
            }
            _ => (bare.to_owned(), None),
        };
        return Source::Git {
            url,
            reference: None,
            commit,
        };
    }
    if let Some(url) = qualifiers.get("download_url") {
        // `file://<path>`: a local project (airlock's and cargo-cyclonedx's convention), never
        // a registry package.
        if let Some(path) = url.strip_prefix("file://") {
            return Source::Path {
                path: path.to_owned(),
            };
        }
        return Source::Url { url: url.clone() };
    }
    match qualifiers.get("repository_url") {
        // Dataset purls carry the hub's dataset address; it is not another registry.
        Some(_) if ecosystem == Ecosystem::HuggingFaceDataset => Source::DEFAULT_REGISTRY,
        Some(url) => Source::Registry {
            index: Some(url.clone()),
        },
        None => Source::DEFAULT_REGISTRY,
    }
}

/// The key and, for package types airlock has no ecosystem for, the purl to keep.
fn key_for(entry: &Entry) -> Result<(ComponentKey, Option<String>), String> {
    let version = entry.version.clone().filter(|version| !version.is_empty());
    if let Some(ecosystem) = entry
        .property(properties::ECOSYSTEM)
        .and_then(Ecosystem::from_name)
    {
        let name = PackageName::new(ecosystem, &entry.name).map_err(|error| error.to_string())?;
        // airlock's CycloneDX names the source in properties; its SPDX only in the purl.
        let source = source_from_properties(entry)
            .or_else(|| {
                let parts = Purl::parse(entry.purl.as_deref()?).ok()?;
                Some(source_from_qualifiers(&parts.qualifiers, ecosystem))
            })
            .unwrap_or(Source::DEFAULT_REGISTRY);
        return Ok((ComponentKey::new(ecosystem, name, version, source), None));
    }
    if let Some(text) = &entry.purl {
        let parts = Purl::parse(text).map_err(|error| error.to_string())?;
        let ecosystem = match parts.purl_type.as_str() {
            "pypi" => Some(Ecosystem::PyPI),
            "cargo" => Some(Ecosystem::CratesIo),
            "npm" => Some(Ecosystem::Npm),
            "docker" => Some(Ecosystem::Docker),
            "huggingface" => Some(
                if entry.kind == Some(ComponentKind::Data)
                    || parts
                        .qualifiers
                        .get("repository_url")
                        .is_some_and(|url| url.contains("/datasets"))
                {
                    Ecosystem::HuggingFaceDataset
                } else {
                    Ecosystem::HuggingFaceModel
                },
            ),
            _ => None,
        };
        let version = version.or(parts.version.clone());
        if let Some(ecosystem) = ecosystem {
            let raw_name = match (ecosystem, &parts.namespace) {
                (Ecosystem::HuggingFaceModel | Ecosystem::HuggingFaceDataset, Some(owner))
                    if owner != "_" =>
                {
                    format!("{owner}/{}", parts.name)
                }
                // An npm scope (`%40scope`) or an image's path is part of the name.
                (Ecosystem::Npm | Ecosystem::Docker, Some(namespace)) if !namespace.is_empty() => {
                    format!("{namespace}/{}", parts.name)
                }
                _ if !entry.name.is_empty()
                    && matches!(ecosystem, Ecosystem::PyPI | Ecosystem::CratesIo) =>
                {
                    entry.name.clone()
                }
                _ => parts.name.clone(),
            };
            // A listed name that is no package name (spaces in a display name) is data: the
            // purl's name identifies the package.
            let name = PackageName::new(ecosystem, &raw_name)
                .or_else(|_| PackageName::new(ecosystem, &parts.name))
                .map_err(|error| error.to_string())?;
            // The purl's name wins when the listed name is another package altogether.
            let name = if name.normalized()
                == PackageName::new(ecosystem, &parts.name)
                    .map(|purl_name| purl_name.normalized().to_owned())
                    .unwrap_or_default()
                || matches!(
                    ecosystem,
                    Ecosystem::HuggingFaceModel
                        | Ecosystem::HuggingFaceDataset
                        | Ecosystem::Npm
                        | Ecosystem::Docker
                ) {
                name
            } else {
                PackageName::new(ecosystem, &parts.name).map_err(|error| error.to_string())?
            };
            let source = source_from_qualifiers(&parts.qualifiers, ecosystem);
            return Ok((ComponentKey::new(ecosystem, name, version, source), None));
        }
        let raw_name = match &parts.namespace {
            Some(namespace) => format!("{namespace}/{}", parts.name),
            None => parts.name.clone(),
        };
        let name = PackageName::new(Ecosystem::GenericFile, &raw_name)
            .map_err(|error| error.to_string())?;
        let key = ComponentKey::new(
            Ecosystem::GenericFile,
            name,
            version,
            Source::DEFAULT_REGISTRY,
        );
        let keep = (parts.purl_type != "generic").then(|| text.clone());
        return Ok((key, keep));
    }
    let raw_name = match &entry.group {
        Some(group) if !group.is_empty() => format!("{group}/{}", entry.name),
        _ => entry.name.clone(),
    };
    let name =
        PackageName::new(Ecosystem::GenericFile, &raw_name).map_err(|error| error.to_string())?;
    Ok((
        ComponentKey::new(
            Ecosystem::GenericFile,
            name,
            version,
            Source::DEFAULT_REGISTRY,
        ),
        None,
    ))
}

fn flag(text: &str) -> Option<ComponentFlag> {
    [ComponentFlag::Unpinned, ComponentFlag::Editable]
        .into_iter()
        .find(|flag| flag.as_str() == text)
}

fn scope(text: &str) -> Option<Scope> {
    [Scope::Dev, Scope::Optional, Scope::Build, Scope::Required]
        .into_iter()
        .find(|scope| scope.as_str() == text)
}

/// An `airlock:edge` property: (target reference, kind, details).
fn parse_edge(text: &str) -> Option<(String, EdgeKind, EdgeDetails)> {
    let edge = EdgeProperty::parse(text)?;
    Some((
        edge.to,
        edge.kind,
        EdgeDetails {
            marker: edge.marker,
            extras: edge.extras,
            relation: edge.relation,
        },
    ))
}

/// The authors an SPDX document names for an entry (`Name (email)` as airlock writes them),
/// held to the caps a manifest's authors are: a document is input like any other, so an
/// author with a control character or an over-long field is reported and left out, and at
/// most [`crate::facts::author::MAX_AUTHORS`] are kept.
fn authors_of(
    input: &Input<'_>,
    line: Option<u32>,
    entry: &Entry,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<crate::facts::Author> {
    let mut authors: Vec<crate::facts::Author> = Vec::new();
    for text in &entry.authors {
        match crate::facts::Author::parse_spdx_person(text) {
            Ok(author) if authors.contains(&author) => {}
            Ok(_) if authors.len() >= crate::facts::author::MAX_AUTHORS => {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    input.location(line),
                    format!(
                        "component `{}`: more than {} authors; the rest are left out",
                        entry.name,
                        crate::facts::author::MAX_AUTHORS
                    ),
                ));
                break;
            }
            Ok(author) => authors.push(author),
            Err(reason) => diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                input.location(line),
                format!("component `{}`: author skipped: {reason}", entry.name),
            )),
        }
    }
    authors
}

fn convert(input: &Input<'_>, text: &str, document: Document) -> Extraction {
    let mut extraction = Extraction::default();
    let lines = reference_lines(text, document.reference_marker);
    let mut keys: HashMap<String, ComponentKey> = HashMap::new();
    let mut synthetic: Vec<String> = Vec::new();
    let mut special_edges: HashMap<String, Vec<(String, EdgeKind, EdgeDetails)>> = HashMap::new();

    for entry in &document.entries {
        let line = lines.get(&entry.reference).copied();
        if entry.property(properties::SYNTHETIC).is_some() {
            synthetic.push(entry.reference.clone());
            continue;
        }
        let (key, foreign_purl) = match key_for(entry) {
            Ok(found) => found,
            Err(reason) => {
                extraction
                    .diagnostics
                    .push(key_error(input, line, entry, &reason));
                continue;
            }
        };
        // Kinds CycloneDX has no type for (MCP servers, agent tools) are named by a property.
        let kind = entry
            .property(properties::KIND)
            .and_then(ComponentKind::from_name)
            .or(entry.kind)
            .unwrap_or(ComponentKind::Library);
        let mut component = Component::new(key.clone(), kind).with_evidence(Evidence {
            location: input.location(line),
            extractor: ID,
        });
        component.scope = entry
            .property(properties::SCOPE)
            .and_then(scope)
            .or(entry.scope);
        for (algorithm, digest) in &entry.hashes {
            match HashAlgorithm::from_name(algorithm) {
                Some(algorithm) => match Hash::new(algorithm, digest) {
                    Ok(hash) => {
                        component.hashes.insert(hash);
                    }
                    Err(error) => extraction.diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::InvalidEntry,
                        input.location(line),
                        format!("component `{}`: {error}; hash skipped", entry.name),
                    )),
                },
                None => extraction.diagnostics.push(Diagnostic::note(
                    DiagnosticCode::InvalidEntry,
                    input.location(line),
                    format!(
                        "component `{}`: hash algorithm `{algorithm}` is not one airlock compares; skipped",
                        entry.name
                    ),
                )),
            }
        }
        component.licenses.extend(
            entry
                .licenses
                .iter()
                .filter(|license| !license.trim().is_empty())
                .cloned(),
        );
        component
            .flags
            .extend(entry.all(properties::FLAG).filter_map(flag));
        // The component's facts, as airlock wrote them (the first of a repeated name counts).
        let mut named: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &entry.properties {
            if properties::is_airlock_name(name) && !properties::STRUCTURAL.contains(&name.as_str())
            {
                named.entry(name.clone()).or_insert_with(|| value.clone());
            }
        }
        component.facts = properties::from_properties(named);
        if component.facts.authors.is_empty() {
            component.facts.authors = authors_of(input, line, entry, &mut extraction.diagnostics);
        }
        if kind == ComponentKind::MachineLearningModel {
            if let Some(card) = &entry.model_card {
                component.facts.model_card = Some(Box::new(cyclonedx::restore_model_card(
                    card,
                    &entry.licenses,
                    &input.location(line),
                )));
            }
        }
        if component.facts.original_purl.is_none() {
            component.facts.original_purl = foreign_purl;
        }
        let edges: Vec<(String, EdgeKind, EdgeDetails)> =
            entry.all(properties::EDGE).filter_map(parse_edge).collect();
        if !edges.is_empty() {
            special_edges.insert(entry.reference.clone(), edges);
        }
        keys.insert(entry.reference.clone(), key);
        extraction.components.push(component);
    }

    let dangling = |reference: &str| {
        Diagnostic::warning(
            DiagnosticCode::DanglingReference,
            input.location(lines.get(reference).copied()),
            format!("a dependency names `{reference}`, which the document does not list"),
        )
    };
    let mut seen_pairs = std::collections::BTreeSet::new();
    for (from, to, kind) in &document.edges {
        if synthetic.contains(from) {
            match keys.get(to) {
                Some(root) => extraction.roots.push(root.clone()),
                None => extraction.diagnostics.push(dangling(to)),
            }
            continue;
        }
        let (Some(from_key), Some(to_key)) = (keys.get(from), keys.get(to)) else {
            let missing = if keys.contains_key(from) { to } else { from };
            extraction.diagnostics.push(dangling(missing));
            continue;
        };
        let listed: Vec<&(String, EdgeKind, EdgeDetails)> = special_edges
            .get(from)
            .map(|edges| edges.iter().filter(|(target, _, _)| target == to).collect())
            .unwrap_or_default();
        if listed.is_empty() {
            extraction.references.push(Reference {
                from: from_key.clone(),
                to: Target::Key(to_key.clone()),
                kind: *kind,
                conditions: EdgeDetails::default(),
                location: Some(input.location(lines.get(from).copied())),
            });
        } else if seen_pairs.insert((from.clone(), to.clone())) {
            for (_, kind, details) in listed {
                extraction.references.push(Reference {
                    from: from_key.clone(),
                    to: Target::Key(to_key.clone()),
                    kind: *kind,
                    conditions: details.clone(),
                    location: Some(input.location(lines.get(from).copied())),
                });
            }
        }
    }
    for subject in &document.subjects {
        if let Some(key) = keys.get(subject) {
            extraction.roots.push(key.clone());
        }
    }
    extraction.roots.sort();
    extraction.roots.dedup();
    extraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_that_say_sbom() {
        let accepts = |name: &str| FORMAT.accepts(std::path::Path::new(name));
        for name in [
            "bom.json",
            "dir/BOM.XML",
            "app.cdx.json",
            "app.cdx.xml",
            "x.bom.json",
            "image.spdx.json",
            "hello.spdx",
        ] {
            assert!(accepts(name), "{name}");
        }
        for name in [
            "sbom.json",
            "package.json",
            ".cdx.json",
            "bom.json.bak",
            "a.spdx.txt",
        ] {
            assert!(!accepts(name), "{name}");
        }
    }

    #[test]
    fn content_sniffing() {
        assert!(recognizes(
            br#"{"bomFormat": "CycloneDX", "specVersion": "1.5"}"#
        ));
        assert!(recognizes(b"\xef\xbb\xbf {\"spdxVersion\": \"SPDX-2.3\"}"));
        assert!(recognizes(
            br#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4">"#
        ));
        assert!(recognizes(br#"{"components": [{"bom-ref": "a"}]}"#));
        assert!(!recognizes(br#"{"format": "airlock-report"}"#));
        assert!(!recognizes(b"[package]\nname = \"x\""));
    }

    #[test]
    fn reference_lines_are_found() {
        let text = "{\n  \"bom-ref\": \"a\",\n\n  \"bom-ref\" : \"b\"\n}";
        let lines = reference_lines(text, "\"bom-ref\"");
        assert_eq!(lines.get("a"), Some(&2));
        assert_eq!(lines.get("b"), Some(&4));
    }

    #[test]
    fn git_purls_keep_url_and_commit() {
        let entry = Entry {
            reference: "r".into(),
            name: "raft".into(),
            purl: Some(
                "pkg:cargo/raft@0.7.0?vcs_url=git%2Bhttps://github.com/tikv/raft-rs%40aafb07c"
                    .into(),
            ),
            ..Entry::default()
        };
        let (key, kept) = key_for(&entry).unwrap();
        assert_eq!(kept, None);
        assert_eq!(
            key.source,
            Source::Git {
                url: "https://github.com/tikv/raft-rs".into(),
                reference: None,
                commit: Some("aafb07c".into())
            }
        );
    }

    #[test]
    fn foreign_purls_become_generic_and_are_kept() {
        let entry = Entry {
            reference: "r".into(),
            name: "guava".into(),
            purl: Some("pkg:maven/com.google.guava/guava@33.0.0".into()),
            ..Entry::default()
        };
        let (key, kept) = key_for(&entry).unwrap();
        assert_eq!(key.ecosystem, Ecosystem::GenericFile);
        assert_eq!(key.version.as_deref(), Some("33.0.0"));
        assert_eq!(
            kept.as_deref(),
            Some("pkg:maven/com.google.guava/guava@33.0.0")
        );
    }

    /// npm components of other tools' SBOMs are npm components, scope included, so npm
    /// advisories match them.
    #[test]
    fn npm_purls_keep_their_scope() {
        let entry = Entry {
            reference: "r".into(),
            name: "server-github".into(),
            purl: Some("pkg:npm/%40modelcontextprotocol/server-github@2025.4.8".into()),
            ..Entry::default()
        };
        let (key, kept) = key_for(&entry).unwrap();
        assert_eq!(kept, None);
        assert_eq!(key.ecosystem, Ecosystem::Npm);
        assert_eq!(key.name.original(), "@modelcontextprotocol/server-github");
        assert_eq!(key.version.as_deref(), Some("2025.4.8"));
        let image = Entry {
            reference: "i".into(),
            name: "github-mcp-server".into(),
            purl: Some("pkg:docker/github/github-mcp-server@v0.4.0?repository_url=ghcr.io".into()),
            ..Entry::default()
        };
        let (key, _) = key_for(&image).unwrap();
        assert_eq!(key.ecosystem, Ecosystem::Docker);
        assert_eq!(key.name.original(), "github/github-mcp-server");
        assert_eq!(
            key.source,
            Source::Registry {
                index: Some("ghcr.io".into())
            }
        );
    }

    #[test]
    fn huggingface_purls_keep_the_owner() {
        let entry = Entry {
            reference: "r".into(),
            name: "Mistral-7B-v0.1".into(),
            purl: Some("pkg:huggingface/mistralai/Mistral-7B-v0.1@abc123".into()),
            kind: Some(ComponentKind::MachineLearningModel),
            ..Entry::default()
        };
        let (key, _) = key_for(&entry).unwrap();
        assert_eq!(key.ecosystem, Ecosystem::HuggingFaceModel);
        assert_eq!(key.name.original(), "mistralai/Mistral-7B-v0.1");
    }

    /// `airlock scan bom.json` matches the document's components like any others: a source
    /// that knows an advisory for one PyPI package finds it through the SBOM.
    #[test]
    fn components_from_an_sbom_are_matched_against_advisories() {
        use crate::risk::{
            analyze, AdvisoryKind, AdvisoryRef, MatchOutcome, RuleId, VulnerabilitySource,
            VulnerabilitySourceError,
        };
        struct OneAdvisory;
        impl VulnerabilitySource for OneAdvisory {
            fn name(&self) -> String {
                "test".to_owned()
            }
            fn advisories_for(
                &self,
                component: &ComponentKey,
            ) -> Result<Vec<MatchOutcome>, VulnerabilitySourceError> {
                let hit = component.ecosystem == Ecosystem::PyPI
                    && component.name.normalized() == "aiofiles"
                    && component.version.as_deref() == Some("24.1.0");
                Ok(if hit {
                    vec![MatchOutcome::Affected(AdvisoryRef::new(
                        "PYSEC-0000-0",
                        AdvisoryKind::Vulnerability,
                    ))]
                } else {
                    Vec::new()
                })
            }
        }
        let bytes = include_bytes!("../../../../tests/fixtures/sbom/autogen-requirements.cdx.json");
        let extraction = SbomExtractor.parse(&Input::new("bom.json", bytes)).unwrap();
        assert_eq!(extraction.components.len(), 84);
        let graph = crate::scan::merge(vec![extraction], &mut Vec::new());
        let analysis = analyze(&graph, Some(&OneAdvisory));
        let known: Vec<_> = analysis
            .findings
            .iter()
            .filter(|finding| finding.rule == RuleId::KnownVulnerability)
            .collect();
        assert_eq!(known.len(), 1);
        assert_eq!(known[0].component.name.normalized(), "aiofiles");
        assert_eq!(known[0].evidence[0].path, "bom.json");
    }

    /// SPDX originators are input: a hostile one (a control character that would forge a
    /// tag-value line) is reported and left out; `Organization:` and plain `Person:` agents
    /// and `NOASSERTION` read as SPDX means them.
    #[test]
    fn spdx_originators_become_authors_within_the_caps() {
        let document = |originator: &str| {
            serde_json::json!({
                "spdxVersion": "SPDX-2.3",
                "SPDXID": "SPDXRef-DOCUMENT",
                "packages": [{
                    "SPDXID": "SPDXRef-a",
                    "name": "a",
                    "versionInfo": "1.0",
                    "originator": originator,
                    "externalRefs": [{
                        "referenceCategory": "PACKAGE-MANAGER",
                        "referenceType": "purl",
                        "referenceLocator": "pkg:pypi/a@1.0"
                    }]
                }]
            })
            .to_string()
        };
        let read = |originator: &str| {
            let text = document(originator);
            let extraction = SbomExtractor
                .parse(&Input::new("bom.spdx.json", text.as_bytes()))
                .unwrap();
            let authors: Vec<String> = extraction.components[0]
                .facts
                .authors
                .iter()
                .map(crate::facts::Author::contact)
                .collect();
            let codes: Vec<&str> = extraction
                .diagnostics
                .iter()
                .map(|diagnostic| diagnostic.code.as_str())
                .collect();
            (authors, codes.join(","))
        };
        assert_eq!(
            read("Person: Ada Lovelace (ada@example.org)"),
            (
                vec!["Ada Lovelace <ada@example.org>".to_owned()],
                String::new()
            )
        );
        assert_eq!(
            read("Organization: The Team"),
            (vec!["The Team".to_owned()], String::new())
        );
        assert_eq!(read("NOASSERTION"), (Vec::new(), String::new()));
        assert_eq!(
            read("Person: Evil\nPackageName: injected"),
            (Vec::new(), "invalid-entry".to_owned())
        );
    }
}
