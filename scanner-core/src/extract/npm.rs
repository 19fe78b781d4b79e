//! npm's `package-lock.json` and `npm-shrinkwrap.json`, `lockfileVersion` 2 and 3 (npm 7 and
//! later), as npm's documentation describes them
//! (<https://docs.npmjs.com/cli/v11/configuring-npm/package-lock-json>).
//!
//! The lock's `packages` map is keyed by install location: `""` is the project,
//! `node_modules/a` a package installed at the top, `node_modules/a/node_modules/b` a copy of `b`
//! nested under `a` because `a` needs another version than the top one, `packages/x` a workspace
//! member (with a `link: true` entry at `node_modules/x` pointing at it). Which copy a
//! dependency resolves to is Node's module resolution: the nearest `node_modules/<name>` walking
//! up from the dependent's location. That is computed here, from the one file, so every edge
//! is exact (by key) and the link stage has nothing to guess. `lockfileVersion` 1 (npm 5 and 6)
//! has no `packages` map and is refused with its own error.
//!
//! MCP servers are most often started with `npx`: this is the lock that pins what they run.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::component::{
    Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Hash, HashAlgorithm, Scope,
    Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Reference, Sample,
    Syntax, Target,
};
use crate::location::{Evidence, Location};
use crate::name::PackageName;

const ID: ExtractorId = "npm/package-lock";

/// Reads `package-lock.json` and `npm-shrinkwrap.json`.
#[derive(Debug)]
pub struct PackageLockExtractor;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "npm package-lock.json / npm-shrinkwrap.json, lockfileVersion 2 and 3 (the packages map, nested installs resolved as Node does)",
    FileMatch::Names(&["package-lock.json", "npm-shrinkwrap.json"]),
    &PackageLockExtractor,
)
.fuzzed_as(
    "npm_package_lock",
    &[Sample::new("package-lock.json", Syntax::Json)],
);

/// npm's public registry: a `resolved` URL under it is the default registry.
const NPM_REGISTRY: &str = "https://registry.npmjs.org/";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLock {
    lockfile_version: Option<serde_json::Value>,
    packages: Option<BTreeMap<String, WirePackage>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WirePackage {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    link: bool,
    dev: bool,
    optional: bool,
    dev_optional: bool,
    license: Option<serde_json::Value>,
    dependencies: BTreeMap<String, serde_json::Value>,
    optional_dependencies: BTreeMap<String, serde_json::Value>,
    dev_dependencies: BTreeMap<String, serde_json::Value>,
    peer_dependencies: BTreeMap<String, serde_json::Value>,
    peer_dependencies_meta: BTreeMap<String, WirePeerMeta>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WirePeerMeta {
    optional: bool,
}

impl Parse for PackageLockExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let text = std::str::from_utf8(input.bytes).map_err(|error| ExtractError::InvalidUtf8 {
            location: input.location(None),
            offset: error.valid_up_to(),
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // npm reads the lock with JSON.parse: strict JSON, no comments.
        let wire: WireLock = serde_json::from_str(text).map_err(|error| ExtractError::Parse {
            location: Location {
                path: input.path.to_owned(),
                line: u32::try_from(error.line()).ok(),
                column: u32::try_from(error.column()).ok(),
            },
            message: format!("invalid package lock: {}", error_kind(&error)),
        })?;
        let version = wire
            .lockfile_version
            .as_ref()
            .and_then(|value| value.as_u64());
        let (Some(2 | 3), Some(packages)) = (version, wire.packages) else {
            return Err(ExtractError::UnsupportedVersion {
                location: Location {
                    path: input.path.to_owned(),
                    line: line_of_key(text, "lockfileVersion"),
                    column: None,
                },
                format: "package-lock.json",
                found: wire.lockfile_version.map_or_else(
                    || "no lockfileVersion".to_owned(),
                    |value| value.to_string(),
                ),
                supported: "lockfileVersion 2 and 3 with a packages map (npm 7 or later)",
            });
        };
        Ok(Lock::new(input, text, packages).extraction())
    }
}

/// The serde error without its position (the location carries it) and without quoting the
/// file.
fn error_kind(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(end) => message.get(..end).unwrap_or(&message).to_owned(),
        None => message,
    }
}

/// One lock being read: its entries by install location, and the key each location became.
struct Lock<'a> {
    input: &'a Input<'a>,
    packages: BTreeMap<String, WirePackage>,
    keys: HashMap<String, ComponentKey>,
    lines: HashMap<String, u32>,
    extraction: Extraction,
}

impl<'a> Lock<'a> {
    fn new(input: &'a Input<'a>, text: &str, packages: BTreeMap<String, WirePackage>) -> Self {
        Lock {
            input,
            keys: HashMap::with_capacity(packages.len()),
            lines: object_key_lines(text),
            packages,
            extraction: Extraction::default(),
        }
    }

    fn extraction(mut self) -> Extraction {
        let packages = std::mem::take(&mut self.packages);
        // Components first (every location gets its key), then edges by resolution.
        for (location, package) in &packages {
            if package.link {
                continue;
            }
            self.add_component(location, package);
        }
        // `link: true` entries stand for the workspace member they point at.
        for (location, package) in &packages {
            if !package.link {
                continue;
            }
            let target = package
                .resolved
                .as_deref()
                .and_then(|resolved| self.keys.get(resolved).cloned());
            match target {
                Some(key) => {
                    self.keys.insert(location.clone(), key);
                }
                None => self.warn(
                    location,
                    format!(
                        "`{location}` links to `{}`, which this lock does not define",
                        package.resolved.as_deref().unwrap_or("nothing")
                    ),
                ),
            }
        }
        for (location, package) in &packages {
            if package.link {
                continue;
            }
            self.add_references(location, package);
        }
        self.extraction
    }

    fn add_component(&mut self, location: &str, package: &WirePackage) {
        let line = self.lines.get(location).copied();
        let local = !location.is_empty() && !location.contains("node_modules/");
        let name = package
            .name
            .clone()
            .or_else(|| installed_name(location).map(str::to_owned))
            .or_else(|| (location.is_empty()).then(|| directory_name(self.input.directory())));
        let Some(name) = name.filter(|name| !name.is_empty()) else {
            self.warn(
                location,
                format!("`{location}` has no package name; skipped"),
            );
            return;
        };
        let name = match PackageName::new(Ecosystem::Npm, &name) {
            Ok(name) => name,
            Err(error) => {
                self.warn(
                    location,
                    format!("`{location}` has an invalid package name: {error}"),
                );
                return;
            }
        };
        let source = if location.is_empty() || local {
            Source::Path {
                path: join(self.input.directory(), location),
            }
        } else {
            match package.resolved.as_deref() {
                Some(resolved) => source_of(resolved, self.input.directory()),
                // Bundled dependencies and locks written with `--omit-lockfile-registry-resolved`
                // carry no `resolved`: they come from the registry npm is configured with.
                None => Source::DEFAULT_REGISTRY,
            }
        };
        let version = package.version.clone();
        if version.is_none() && !location.is_empty() && !local {
            self.warn(location, format!("`{location}` has no version"));
        }
        let key = ComponentKey::new(Ecosystem::Npm, name, version, source);
        let kind = if location.is_empty() || local {
            ComponentKind::Application
        } else {
            ComponentKind::Library
        };
        let mut component = Component::new(key.clone(), kind).with_evidence(Evidence {
            location: self.input.location(line),
            extractor: ID,
        });
        component.scope = if package.dev {
            Some(Scope::Dev)
        } else if package.optional || package.dev_optional {
            Some(Scope::Optional)
        } else {
            None
        };
        if let Some(integrity) = &package.integrity {
            for hash in integrity.split_whitespace() {
                match subresource_integrity(hash) {
                    Some(hash) => {
                        component.hashes.insert(hash);
                    }
                    None => self.warn(
                        location,
                        format!("`{location}` has an integrity value airlock cannot read"),
                    ),
                }
            }
        }
        if let Some(serde_json::Value::String(license)) = &package.license {
            component.licenses.insert(license.clone());
        }
        if location.is_empty() || local {
            self.extraction.roots.push(key.clone());
        }
        self.keys.insert(location.to_owned(), key);
        self.extraction.components.push(component);
    }

    fn add_references(&mut self, location: &str, package: &WirePackage) {
        let Some(from) = self.keys.get(location).cloned() else {
            return;
        };
        let line = self.lines.get(location).copied();
        // devDependencies are installed for the project and workspace members only.
        let first_party = location.is_empty() || !location.contains("node_modules/");
        let mut wanted: Vec<(&String, EdgeKind, bool)> = Vec::new();
        wanted.extend(
            package
                .dependencies
                .keys()
                .map(|name| (name, EdgeKind::Normal, false)),
        );
        wanted.extend(
            package
                .optional_dependencies
                .keys()
                .map(|name| (name, EdgeKind::Optional, true)),
        );
        if first_party {
            wanted.extend(
                package
                    .dev_dependencies
                    .keys()
                    .map(|name| (name, EdgeKind::Dev, false)),
            );
        }
        wanted.extend(package.peer_dependencies.keys().map(|name| {
            let optional = package
                .peer_dependencies_meta
                .get(name)
                .is_some_and(|meta| meta.optional);
            (name, EdgeKind::Normal, optional)
        }));
        for (name, kind, optional) in wanted {
            match self.resolve(location, name) {
                Some(to) => self.extraction.references.push(Reference {
                    from: from.clone(),
                    to: Target::Key(to),
                    kind,
                    conditions: EdgeDetails::default(),
                    location: Some(self.input.location(line)),
                }),
                // An optional dependency not installed on the platform the lock was written
                // on (`fsevents` off macOS) is expected; anything else is a broken lock.
                None if optional => {}
                None => self.warn(
                    location,
                    format!(
                        "`{}` depends on `{name}`, which this lock does not install where Node would find it",
                        if location.is_empty() { "the project" } else { location }
                    ),
                ),
            }
        }
    }

    /// Node's module resolution over install locations: `<here>/node_modules/<name>`, then the
    /// same from each enclosing location, up to the top `node_modules/<name>`.
    fn resolve(&self, location: &str, name: &str) -> Option<ComponentKey> {
        let mut here = location;
        loop {
            let candidate = if here.is_empty() {
                format!("node_modules/{name}")
            } else {
                format!("{here}/node_modules/{name}")
            };
            if let Some(key) = self.keys.get(&candidate) {
                return Some(key.clone());
            }
            if here.is_empty() {
                return None;
            }
            here = match here.rfind("/node_modules/") {
                Some(end) => here.get(..end).unwrap_or(""),
                // `node_modules/a` and workspace members (`packages/x`) resolve from the top.
                None => "",
            };
        }
    }

    fn warn(&mut self, location: &str, message: String) {
        let line = self.lines.get(location).copied();
        self.extraction.diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            self.input.location(line),
            message,
        ));
    }
}

/// The package name of an install location: what follows its last `node_modules/`
/// (`@scope/name` for scoped packages).
fn installed_name(location: &str) -> Option<&str> {
    location
        .rfind("node_modules/")
        .and_then(|start| location.get(start + "node_modules/".len()..))
}

fn directory_name(directory: &str) -> String {
    directory
        .rsplit('/')
        .find(|part| !part.is_empty())
        .unwrap_or("project")
        .to_owned()
}

fn join(directory: &str, location: &str) -> String {
    match (directory.is_empty(), location.is_empty()) {
        (true, true) => ".".to_owned(),
        (true, false) => location.to_owned(),
        (false, true) => directory.to_owned(),
        (false, false) => format!("{directory}/{location}"),
    }
}

/// Where a `resolved` value says the package came from.
fn source_of(resolved: &str, directory: &str) -> Source {
    if resolved.starts_with(NPM_REGISTRY) {
        return Source::DEFAULT_REGISTRY;
    }
    if let Some(path) = resolved.strip_prefix("file:") {
        return Source::Path {
            path: join(directory, path.trim_start_matches("./")),
        };
    }
    if resolved.starts_with("git+") || resolved.starts_with("git://") {
        let (url, commit) = match resolved.split_once('#') {
            Some((url, commit)) => (url, Some(commit.to_owned())),
            None => (resolved, None),
        };
        return Source::Git {
            url: url.to_owned(),
            reference: None,
            commit,
        };
    }
    // A registry tarball is `<registry>/<name>/-/<file>.tgz`; anything else is a plain URL.
    match resolved.find("/-/") {
        Some(end) if resolved.starts_with("https://") || resolved.starts_with("http://") => {
            let before = resolved.get(..end).unwrap_or(resolved);
            // Drop the package name (one segment, two for `@scope/name`, `%2f`-encoded or not).
            let mut index = before.rsplit_once('/').map_or(before, |(index, _)| index);
            if index
                .rsplit('/')
                .next()
                .is_some_and(|part| part.starts_with('@'))
            {
                index = index.rsplit_once('/').map_or(index, |(index, _)| index);
            }
            Source::Registry {
                index: Some(index.to_owned()),
            }
        }
        _ => Source::Url {
            url: resolved.to_owned(),
        },
    }
}

/// One Subresource Integrity value (`sha512-<base64>`), as a hex digest.
fn subresource_integrity(value: &str) -> Option<Hash> {
    let (algorithm, encoded) = value.split_once('-')?;
    let algorithm = match algorithm {
        "sha512" => HashAlgorithm::Sha512,
        "sha384" => HashAlgorithm::Sha384,
        "sha256" => HashAlgorithm::Sha256,
        "sha1" => HashAlgorithm::Sha1,
        _ => return None,
    };
    // SRI allows `?options` after the digest.
    let encoded = encoded.split('?').next().unwrap_or(encoded);
    Hash::new(algorithm, &hex::encode(base64_decode(encoded)?)).ok()
}

/// Standard base64 with padding (RFC 4648 §4), the alphabet SRI uses.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(byte: u8) -> Option<u32> {
        Some(u32::from(match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut bits = 0u32;
        for (position, &byte) in chunk.iter().enumerate() {
            bits |= value(byte)? << (18 - 6 * position);
        }
        let bytes = bits.to_be_bytes();
        let produced = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend(bytes.get(1..=produced)?);
    }
    Some(out)
}

/// The line of every `"key": {` in the file, first occurrence kept: the install locations of
/// the `packages` map come before any other object with the same key (the v2 lock's legacy
/// `dependencies` section is keyed by bare names, never by `node_modules/` paths). One pass
/// over the text; keys with escapes are not found and simply get no line.
fn object_key_lines(text: &str) -> HashMap<String, u32> {
    let mut lines = HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let Some(rest) = trimmed.strip_prefix('"') else {
            continue;
        };
        let Some((key, after)) = rest.split_once('"') else {
            continue;
        };
        if after.trim_start().starts_with(':') && after.trim_end().ends_with('{') {
            let number = u32::try_from(number + 1).unwrap_or(u32::MAX);
            lines.entry(key.to_owned()).or_insert(number);
        }
    }
    lines
}

fn line_of_key(text: &str, key: &str) -> Option<u32> {
    let needle = format!("\"{key}\"");
    text.lines()
        .position(|line| line.contains(&needle))
        .and_then(|index| u32::try_from(index + 1).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(path: &str, text: &str) -> Result<Extraction, ExtractError> {
        PackageLockExtractor.parse(&Input::new(path, text.as_bytes()))
    }

    fn edges(extraction: &Extraction) -> Vec<String> {
        let mut edges: Vec<String> = extraction
            .references
            .iter()
            .map(|reference| match &reference.to {
                Target::Key(key) => format!(
                    "{}@{} -> {}@{} ({:?})",
                    reference.from.name,
                    reference.from.version.as_deref().unwrap_or("-"),
                    key.name,
                    key.version.as_deref().unwrap_or("-"),
                    reference.kind
                ),
                Target::Named(_) => "named".to_owned(),
            })
            .collect();
        edges.sort();
        edges
    }

    const NESTED: &str = r#"{
  "name": "app",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "packages": {
    "": {
      "name": "app",
      "version": "1.0.0",
      "dependencies": { "a": "^1", "b": "^1" },
      "devDependencies": { "t": "^2" }
    },
    "node_modules/a": {
      "version": "1.0.0",
      "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
      "integrity": "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
      "dependencies": { "c": "^2" }
    },
    "node_modules/a/node_modules/c": {
      "version": "2.0.0",
      "resolved": "https://registry.npmjs.org/c/-/c-2.0.0.tgz"
    },
    "node_modules/b": {
      "version": "1.0.0",
      "resolved": "https://npm.example.com/b/-/b-1.0.0.tgz",
      "dependencies": { "c": "^1" }
    },
    "node_modules/c": {
      "version": "1.0.0",
      "resolved": "https://registry.npmjs.org/c/-/c-1.0.0.tgz"
    },
    "node_modules/t": {
      "version": "2.0.0",
      "dev": true,
      "resolved": "git+ssh://git@github.com/o/t.git#0123456789abcdef0123456789abcdef01234567"
    }
  }
}
"#;

    #[test]
    fn nested_installs_resolve_to_the_nearest_copy_as_node_does() {
        let extraction = parse("web/package-lock.json", NESTED).expect("parses");
        assert_eq!(
            edges(&extraction),
            [
                "a@1.0.0 -> c@2.0.0 (Normal)",
                "app@1.0.0 -> a@1.0.0 (Normal)",
                "app@1.0.0 -> b@1.0.0 (Normal)",
                "app@1.0.0 -> t@2.0.0 (Dev)",
                "b@1.0.0 -> c@1.0.0 (Normal)",
            ]
        );
        assert!(
            extraction.diagnostics.is_empty(),
            "{:?}",
            extraction.diagnostics
        );
        let root = &extraction.roots;
        assert_eq!(root.len(), 1);
        assert_eq!(
            root.first().map(|key| &key.source),
            Some(&Source::Path {
                path: "web".to_owned()
            })
        );
    }

    #[test]
    fn sources_lines_and_hashes_come_from_each_entry() {
        let extraction = parse("package-lock.json", NESTED).expect("parses");
        let find = |name: &str, version: &str| {
            extraction
                .components
                .iter()
                .find(|component| {
                    component.key.name.to_string() == name
                        && component.key.version.as_deref() == Some(version)
                })
                .expect("component")
        };
        let b = find("b", "1.0.0");
        assert_eq!(
            b.key.source,
            Source::Registry {
                index: Some("https://npm.example.com".to_owned())
            }
        );
        let t = find("t", "2.0.0");
        assert!(
            matches!(&t.key.source, Source::Git { commit: Some(commit), .. } if commit.starts_with("0123"))
        );
        assert_eq!(t.scope, Some(Scope::Dev));
        let a = find("a", "1.0.0");
        assert_eq!(a.key.source, Source::DEFAULT_REGISTRY);
        assert_eq!(
            a.hashes
                .iter()
                .map(|hash| hash.value().len())
                .collect::<Vec<_>>(),
            [128]
        );
        let line = a
            .evidence
            .iter()
            .next()
            .and_then(|evidence| evidence.location.line);
        assert_eq!(line, Some(12));
    }

    #[test]
    fn a_missing_dependency_is_a_warning_naming_the_entry_and_an_optional_one_is_not() {
        let lock = r#"{"lockfileVersion": 3, "packages": {
  "": {"name": "x", "dependencies": {"gone": "1"}, "optionalDependencies": {"fsevents": "2"}}
}}"#;
        let extraction = parse("package-lock.json", lock).expect("parses");
        assert_eq!(extraction.diagnostics.len(), 1);
        let diagnostic = extraction.diagnostics.first().expect("one");
        assert!(
            diagnostic.message.contains("`gone`"),
            "{}",
            diagnostic.message
        );
    }

    #[test]
    fn workspace_links_stand_for_their_member() {
        let lock = r#"{"lockfileVersion": 3, "packages": {
  "": {"name": "root", "workspaces": ["packages/*"], "dependencies": {"lib": "*"}},
  "node_modules/lib": {"resolved": "packages/lib", "link": true},
  "packages/lib": {"name": "lib", "version": "0.1.0"}
}}"#;
        let extraction = parse("package-lock.json", lock).expect("parses");
        assert_eq!(edges(&extraction), ["root@- -> lib@0.1.0 (Normal)"]);
        assert_eq!(extraction.roots.len(), 2);
    }

    #[test]
    fn version_one_and_broken_json_are_errors_with_a_line() {
        let error = parse(
            "package-lock.json",
            "{\n  \"lockfileVersion\": 1,\n  \"dependencies\": {}\n}",
        )
        .expect_err("v1 refused");
        assert!(matches!(
            error,
            ExtractError::UnsupportedVersion { ref location, .. } if location.line == Some(2)
        ));
        let error = parse("package-lock.json", "{\n  \"packages\": {,}\n}").expect_err("broken");
        assert!(
            matches!(error, ExtractError::Parse { ref location, .. } if location.line == Some(2))
        );
    }

    /// The real lock of `tests/fixtures/npm/mcp-server/` (provenance in that folder's README):
    /// every package a component, every dependency resolved, nothing to warn about.
    #[test]
    fn a_real_lock_of_an_mcp_server_reads_whole() {
        let lock = include_str!("../../../tests/fixtures/npm/mcp-server/package-lock.json");
        let extraction = parse("package-lock.json", lock).expect("parses");
        assert!(
            extraction.diagnostics.is_empty(),
            "{:?}",
            extraction.diagnostics
        );
        assert_eq!(extraction.components.len(), 139);
        assert_eq!(extraction.roots.len(), 1);
        let nested = extraction
            .components
            .iter()
            .filter(|component| component.key.name.to_string() == "content-type")
            .count();
        assert_eq!(
            nested, 5,
            "the top copy and four nested under body-parser, express, negotiator, type-is"
        );
        assert!(extraction
            .components
            .iter()
            .skip(1)
            .all(|component| component
                .hashes
                .iter()
                .any(|hash| hash.algorithm() == HashAlgorithm::Sha512)));
    }

    #[test]
    fn base64_decodes_as_rfc_4648_says() {
        assert_eq!(base64_decode("Zm9vYmFy"), Some(b"foobar".to_vec()));
        assert_eq!(base64_decode("Zm9vYg=="), Some(b"foob".to_vec()));
        assert_eq!(base64_decode("Zm9vYmE="), Some(b"fooba".to_vec()));
        assert_eq!(base64_decode("Z"), None);
        assert_eq!(base64_decode("Zm9v!"), None);
    }
}
