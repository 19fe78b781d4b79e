//! Shared vocabulary of the Python extractors: PEP 503 names, PEP 440 versions, PEP 508
//! requirements, distribution hashes as lockfiles write them, and package-index sources.
//!
//! Every Python format names packages, versions, hashes and sources in its own syntax but
//! with the same meaning; converting them here keeps identity (and so the merge of, say, a
//! `uv.lock` with its exported `requirements.txt`) the same across formats.

pub mod installed;
pub mod pdm_lock;
pub mod pipfile_lock;
pub mod requirements_txt;
pub mod sdist;
pub mod wheel;

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::component::{
    ComponentKey, EdgeDetails, EdgeKind, GitReference, Hash, HashAlgorithm, Source,
};
use crate::ecosystem::Ecosystem;
use crate::extract::{Extraction, NamedTarget, Reference, Target};
use crate::location::Location;
use crate::name::PackageName;

/// The index every Python tool uses unless told otherwise; a source naming it is the default
/// registry, so keys (and purls) do not differ by how a tool spells PyPI.
const DEFAULT_INDEXES: &[&str] = &[
    "https://pypi.org/simple",
    "https://pypi.org/simple/",
    "https://pypi.python.org/simple",
    "https://pypi.python.org/simple/",
    "https://pypi.org/pypi",
    "https://pypi.org/pypi/",
    "https://files.pythonhosted.org",
];

/// A PyPI package name, normalized per PEP 503.
pub fn package_name(raw: &str) -> Result<PackageName, String> {
    PackageName::new(Ecosystem::PyPI, raw).map_err(|error| format!("invalid package name: {error}"))
}

/// A version checked against PEP 440 and written in its normalized form, so `2022.12.07` and
/// `2022.12.7` (equal per PEP 440) are one version. The error names the version.
pub fn normalized_version(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    if is_normal_release(trimmed) {
        return Ok(trimmed.to_owned());
    }
    pep440_rs::Version::from_str(trimmed)
        .map(|version| version.to_string())
        .map_err(|error| format!("`{trimmed}` is not a PEP 440 version: {error}"))
}

/// True for a plain release already in PEP 440's normal form (`3.11.16`: numbers without
/// leading zeros, joined by dots), which parsing and writing back would give unchanged. Most
/// locked versions are; a large lock has hundreds, and the parse and the write were a
/// fiftieth of `airlock sbom` on one. Every other spelling goes through `pep440_rs`.
fn is_normal_release(text: &str) -> bool {
    // Eighteen digits always fit the parser's 64-bit numbers.
    const MAX_DIGITS: usize = 18;
    !text.is_empty()
        && text.split('.').all(|number| {
            !number.is_empty()
                && number.len() <= MAX_DIGITS
                && number.bytes().all(|byte| byte.is_ascii_digit())
                && (number == "0" || !number.starts_with('0'))
        })
}

/// The source of a package from a package index: the default registry for PyPI itself.
pub fn index_source(index_url: Option<&str>) -> Source {
    match index_url.map(str::trim) {
        None | Some("") => Source::DEFAULT_REGISTRY,
        Some(url) if DEFAULT_INDEXES.contains(&url) => Source::DEFAULT_REGISTRY,
        Some(url) => Source::Registry {
            index: Some(url.trim_end_matches('/').to_owned()),
        },
    }
}

/// The key of a package pinned at `version` from a package index.
pub fn index_key(name: PackageName, version: String, index_url: Option<&str>) -> ComponentKey {
    ComponentKey::new(
        Ecosystem::PyPI,
        name,
        Some(version),
        index_source(index_url),
    )
}

/// A distribution hash in any of the spellings Python tools use: `sha256:HEX` (requirements
/// files, uv, poetry, Pipfile.lock, pdm), `sha256=HEX` (URL fragments), or a bare hex string
/// whose algorithm the caller knows. Unknown algorithms and malformed hex give `None`.
pub fn parse_hash(text: &str) -> Option<Hash> {
    let text = text.trim();
    let (algorithm, value) = text.split_once(':').or_else(|| text.split_once('='))?;
    // Compared without a lowercase copy: a large lock has one per wheel.
    let algorithm = algorithm.trim();
    let algorithm = [
        ("sha256", HashAlgorithm::Sha256),
        ("sha384", HashAlgorithm::Sha384),
        ("sha512", HashAlgorithm::Sha512),
        ("sha1", HashAlgorithm::Sha1),
        ("md5", HashAlgorithm::Md5),
    ]
    .into_iter()
    .find(|(name, _)| algorithm.eq_ignore_ascii_case(name))?
    .1;
    Hash::new(algorithm, value.trim()).ok()
}

/// A PEP 508 requirement, reduced to what the graph needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The package's name.
    pub name: PackageName,
    /// Extras requested, sorted.
    pub extras: Vec<String>,
    /// The version specifier as written (`>=1.0,<2`), `None` for none or a URL.
    pub specifier: Option<String>,
    /// The one version the specifier allows: a single `==` (without `.*`) or `===`.
    pub pinned: Option<String>,
    /// A direct reference (`name @ URL`).
    pub url: Option<String>,
    /// The environment marker, normalized by the PEP 508 parser; `None` when always true.
    pub marker: Option<String>,
}

/// A direct-reference URL kept exactly as written. pep508_rs's own URL type expands `${VAR}`
/// from the environment while parsing, which would copy the scanning machine's secrets into
/// reports; airlock never reads the environment on behalf of an input.
#[derive(Debug, Clone, PartialEq, Eq)]
struct VerbatimText(String);

impl std::fmt::Display for VerbatimText {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl pep508_rs::Pep508Url for VerbatimText {
    type Err = std::convert::Infallible;

    fn parse_url(url: &str, _working_dir: Option<&std::path::Path>) -> Result<Self, Self::Err> {
        Ok(VerbatimText(url.to_owned()))
    }
}

/// Refuses a leading name that ends in `.`, `-` or `_` followed by anything: pep508_rs 0.9
/// panics on it (`foo- ==1`, found by fuzzing: its name loop accepts the name and then expects
/// `PackageName` validation to agree), so it must never reach the parser.
fn check_name_end(text: &str) -> Result<(), String> {
    let name_length = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(text.len());
    let name = text.get(..name_length).unwrap_or_default();
    if name_length < text.len() && name.ends_with(['.', '-', '_']) {
        return Err(format!(
            "invalid requirement `{text}`: the package name `{name}` must end with a letter or digit"
        ));
    }
    Ok(())
}

/// Refuses an extra that ends in `.`, `-` or `_` (`foo[bar-]`, from uv-pep508's tests):
/// pep508_rs 0.9 panics on it too (its extras loop accepts the identifier and then expects
/// `ExtraName` validation to agree), so it must never reach the parser.
fn check_extras_end(text: &str) -> Result<(), String> {
    let identifier = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let after_name = text.trim_start_matches(identifier).trim_start();
    let Some(extras) = after_name.strip_prefix('[') else {
        return Ok(());
    };
    let extras = extras.split(']').next().unwrap_or_default();
    let bad = extras.split(|c: char| !identifier(c)).find(|extra| {
        extra.starts_with(|c: char| c.is_ascii_alphanumeric()) && extra.ends_with(['.', '-', '_'])
    });
    match bad {
        Some(extra) => Err(format!(
            "invalid requirement `{text}`: the extra name `{extra}` must end with a letter or digit"
        )),
        None => Ok(()),
    }
}

/// The marker variables pep508_rs compares as versions; every other variable but `extra` is a
/// string.
const VERSION_MARKER_VARIABLES: &[&str] = &[
    "python_version",
    "python_full_version",
    "implementation_version",
];

/// Writes `'3' ~= sys_platform` as `sys_platform ~= '3'`. Both say the same (a string compared
/// with `~=`, which no environment can satisfy, so uv and pep508_rs ignore the expression with
/// a warning: uv-pep508's `reversed_compatible_release_string_marker`), but pep508_rs 0.9
/// panics on the reversed form (`unreachable!` in its marker algebra), so it must never reach
/// the parser in that order.
fn unreverse_string_tilde(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut position = 0;
    while let Some(quote_offset) = text.get(position..).and_then(|rest| rest.find(['\'', '"'])) {
        let start = position + quote_offset;
        let quote = if text.get(start..).is_some_and(|rest| rest.starts_with('"')) {
            '"'
        } else {
            '\''
        };
        let Some(length) = text.get(start + 1..).and_then(|rest| rest.find(quote)) else {
            break;
        };
        let end = start + 1 + length + 1;
        position = end;
        let rest = text.get(end..).unwrap_or_default();
        let Some(after_operator) = rest.trim_start().strip_prefix("~=") else {
            continue;
        };
        let variable_start = after_operator.trim_start();
        let variable_length = variable_start
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.')))
            .unwrap_or(variable_start.len());
        let variable = variable_start.get(..variable_length).unwrap_or_default();
        if variable.is_empty()
            || variable == "extra"
            || VERSION_MARKER_VARIABLES.contains(&variable)
        {
            continue;
        }
        let literal = text.get(start..end).unwrap_or_default();
        out.push_str(text.get(copied..start).unwrap_or_default());
        out.push_str(variable);
        out.push_str(" ~= ");
        out.push_str(literal);
        copied = text.len() - (variable_start.len() - variable_length);
        position = copied;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    std::borrow::Cow::Owned(out)
}

/// A marker as pep508_rs writes it, with each Python version it compares against in one
/// spelling: trailing `.0` release segments dropped (`python_full_version < '3.0'` and `< '3'`
/// are the same bound). pep508_rs keeps markers in a process-wide interner and writes a bound
/// with the spelling of the first equal version it interned, so without this the text of one
/// file's marker would depend on which other files (or tests) the process read before: the
/// output must not.
fn canonical_versions(marker: &str) -> String {
    let mut out = String::with_capacity(marker.len());
    let mut rest = marker;
    while let Some(start) = rest.find('\'') {
        let (before, quoted) = rest.split_at(start);
        out.push_str(before);
        let Some(length) = quoted.get(1..).and_then(|tail| tail.find('\'')) else {
            out.push_str(quoted);
            return out;
        };
        let literal = quoted.get(1..=length).unwrap_or_default();
        // `~=` (compatible release) and `===` (string equality) depend on how the version is
        // written: only the comparisons where `3`, `3.0` and `3.0.0` are equal are rewritten.
        let head = before.trim_end();
        let variable = head.trim_end_matches(['<', '>', '=', '!', '~']);
        let operator = head.get(variable.len()..).unwrap_or_default();
        let compares_python = matches!(operator, "<" | "<=" | ">" | ">=" | "==" | "!=")
            && ["python_full_version", "python_version"]
                .iter()
                .any(|name| variable.trim_end().ends_with(name));
        out.push('\'');
        if compares_python
            && !literal.is_empty()
            && literal.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            let mut segments: Vec<&str> = literal.split('.').collect();
            while segments.len() > 1
                && segments
                    .last()
                    .is_some_and(|segment| segment.trim_start_matches('0').is_empty())
            {
                segments.pop();
            }
            out.push_str(&segments.join("."));
        } else {
            out.push_str(literal);
        }
        out.push('\'');
        rest = quoted.get(length + 2..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Parses one PEP 508 requirement string (`requests[socks]>=2; python_version < "3.11"`).
pub fn parse_requirement(text: &str) -> Result<Requirement, String> {
    check_name_end(text.trim())?;
    check_extras_end(text.trim())?;
    let text = unreverse_string_tilde(text.trim());
    let parsed = pep508_rs::Requirement::<VerbatimText>::from_str(&text)
        .map_err(|error| format!("invalid requirement `{}`: {}", text.trim(), error.message))?;
    let name = package_name(parsed.name.as_ref())?;
    let mut extras: Vec<String> = parsed.extras.iter().map(ToString::to_string).collect();
    extras.sort();
    extras.dedup();
    let marker = parsed
        .marker
        .try_to_string()
        .map(|text| canonical_versions(&text));
    let (specifier, pinned, url) = match &parsed.version_or_url {
        None => (None, None, None),
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => {
            let written = specifiers.to_string();
            let pinned = pinned_version(specifiers);
            ((!written.is_empty()).then_some(written), pinned, None)
        }
        Some(pep508_rs::VersionOrUrl::Url(url)) => (None, None, Some(url.0.clone())),
    };
    Ok(Requirement {
        name,
        extras,
        specifier,
        pinned,
        url,
        marker,
    })
}

/// The single version a specifier set allows, if it allows exactly one: `==1.2.3` or
/// `===1.2.3`. `==1.*`, ranges and several clauses are not pins.
fn pinned_version(specifiers: &pep440_rs::VersionSpecifiers) -> Option<String> {
    let mut iter = specifiers.iter();
    let only = iter.next()?;
    if iter.next().is_some() {
        return None;
    }
    match only.operator() {
        pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual => {
            Some(only.version().to_string())
        }
        _ => None,
    }
}

/// A PEP 508 environment marker on its own (Pipfile.lock `markers`, pdm.lock `marker`),
/// normalized the way [`parse_requirement`] normalizes markers, so one condition is spelled one
/// way whatever format it came from. `Ok(None)` when the marker is empty or always true.
pub fn normalized_marker(marker: &str) -> Result<Option<String>, String> {
    let marker = marker.trim();
    if marker.is_empty() {
        return Ok(None);
    }
    parse_requirement(&format!("marker-holder ; {marker}"))
        .map(|requirement| requirement.marker)
        .or_else(|_| {
            // PEP 751 lock markers add `'name' in extras` and `'name' in dependency_groups`
            // (pylock.toml, and the Pipfile.lock pipenv writes today); pep508_rs knows neither,
            // so the marker is checked with each such clause in `extra == 'name'` form and
            // kept as written.
            let checked = lock_marker_placeholder(marker).ok_or(())?;
            parse_requirement(&format!("marker-holder ; {checked}"))
                .map(|_| Some(marker.to_owned()))
                .map_err(|_| ())
        })
        .map_err(|()| format!("`{marker}` is not a PEP 508 environment marker"))
}

/// `'dev' in dependency_groups and x` → `extra == 'dev' and x` (`not in` → `!=`), for the PEP
/// 751 marker variables; `None` when the marker uses neither.
fn lock_marker_placeholder(marker: &str) -> Option<String> {
    let mut text = marker.to_owned();
    let mut changed = false;
    for variable in ["dependency_groups", "extras"] {
        while let Some(position) = text.find(variable) {
            let before = text.get(..position)?.trim_end();
            let after = text.get(position + variable.len()..)?;
            if after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                return None;
            }
            let (before, operator) = match before.strip_suffix("not in") {
                Some(rest) => (rest, "!="),
                None => (before.strip_suffix("in")?, "=="),
            };
            let before = before.trim_end();
            let quote = before.chars().last().filter(|c| *c == '\'' || *c == '"')?;
            let body = before.get(..before.len() - 1)?;
            let open = body.rfind(quote)?;
            let name = body.get(open + 1..)?;
            text = format!("{}extra {operator} '{name}'{after}", body.get(..open)?);
            changed = true;
        }
    }
    changed.then_some(text)
}

pub mod poetry_lock;
pub mod pylock;
pub mod pyproject;
pub(crate) use super::toml_tree;
pub mod uv_lock;

/// A version as written, normalized per PEP 440 when it is one. An invalid version is kept as
/// written (the package is still reported) and `on_invalid` receives the message for a
/// diagnostic.
pub fn version_or_raw(raw: &str, on_invalid: impl FnOnce(String)) -> String {
    match normalized_version(raw) {
        Ok(version) => version,
        Err(message) => {
            on_invalid(message);
            raw.trim().to_owned()
        }
    }
}

/// A lock's pinned version, normalized per PEP 440, or none when it is not a version. uv
/// refuses such a lock, pdm refuses the entry's `==` specifier and pipenv hands `name==text` to
/// pip, which refuses it: none of them installs a version that is not one. So a lock reader,
/// like the `requirements.txt` reader, keeps the package unpinned (flagged by the `unpinned`
/// rule) rather than with a version that matches no advisory; `on_invalid` receives the
/// message for the warning.
pub fn locked_version(raw: &str, on_invalid: impl FnOnce(String)) -> Option<String> {
    match normalized_version(raw) {
        Ok(version) => Some(version),
        Err(message) => {
            on_invalid(message);
            None
        }
    }
}

/// A git source from a URL in any of the spellings Python tools write: PEP 508 / pip
/// (`git+https://host/repo.git@rev#subdirectory=x`) or uv's lock (`https://host/repo?rev=x#commit`).
/// A 40-hex reference or fragment is the locked commit.
pub fn git_source(text: &str) -> Source {
    let without_prefix = text.trim().strip_prefix("git+").unwrap_or(text.trim());
    let (without_fragment, fragment) = match without_prefix.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (without_prefix, None),
    };
    let (url, mut reference) = crate::extract::git_query(without_fragment);
    let mut url = url.to_owned();
    // pip's `@rev` after the repository path (not the `user@` of the authority).
    let path_start = url
        .find("://")
        .map(|scheme_end| scheme_end + 3)
        .and_then(|authority| {
            url.get(authority..)?
                .find('/')
                .map(|slash| authority + slash)
        });
    if let Some(path_start) = path_start {
        let at = url
            .get(path_start..)
            .and_then(|path| path.rfind('@'))
            .map(|offset| path_start + offset);
        if let Some(at) = at {
            let rev = url.get(at + 1..).unwrap_or_default().to_owned();
            url.truncate(at);
            if reference.is_none() && !rev.is_empty() {
                reference = Some(GitReference::Rev(rev));
            }
        }
    }
    // A fragment is uv's locked commit; pip's fragments are `key=value` pairs.
    let mut commit = fragment
        .filter(|fragment| !fragment.contains('='))
        .filter(|fragment| !fragment.is_empty())
        .map(str::to_owned);
    if commit.is_none() {
        if let Some(GitReference::Rev(rev)) = &reference {
            if is_full_commit(rev) {
                commit = Some(rev.clone());
            }
        }
    }
    Source::Git {
        url,
        reference,
        commit,
    }
}

/// A full 40-hex (SHA-1) or 64-hex (SHA-256) git object id.
pub fn is_full_commit(text: &str) -> bool {
    (text.len() == 40 || text.len() == 64) && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// The source of a PEP 508 direct reference (`name @ URL`): git for `git+…`, a local path for
/// `file:` URLs and bare paths (joined onto `directory`, the scan-relative directory of the
/// file that wrote it), a URL otherwise. Fragments (`#sha256=…`, `#egg=…`) are not part of
/// the identity.
pub fn direct_reference_source(url: &str, directory: &str) -> Source {
    let url = url.trim();
    if url.starts_with("git+") {
        return git_source(url);
    }
    let without_fragment = url.split_once('#').map_or(url, |(rest, _)| rest);
    if let Some(rest) = without_fragment.strip_prefix("file://") {
        // `file:///abs` (empty host) or `file://localhost/abs`.
        let path = rest.strip_prefix("localhost").unwrap_or(rest);
        return Source::Path {
            path: crate::extract::join_path(directory, path),
        };
    }
    if let Some(rest) = without_fragment.strip_prefix("file:") {
        return Source::Path {
            path: crate::extract::join_path(directory, rest),
        };
    }
    if without_fragment.contains("://") {
        return Source::Url {
            url: without_fragment.to_owned(),
        };
    }
    Source::Path {
        path: crate::extract::join_path(directory, without_fragment),
    }
}

/// The marker of a dependency that applies only under the extra `extra` of the package that
/// declares it, in the form core metadata writes (`… and extra == 'name'`).
pub fn extra_marker(marker: Option<&str>, extra: &str) -> String {
    let condition = format!("extra == '{extra}'");
    match marker.map(str::trim).filter(|marker| !marker.is_empty()) {
        None => condition,
        Some(marker) if marker.contains(" or ") => format!("({marker}) and {condition}"),
        Some(marker) => format!("{marker} and {condition}"),
    }
}

/// A dependency of one locked package as the lock writes it, before it is resolved among the
/// lock's entries ([`link_entries`]).
pub(crate) struct PendingEdge {
    pub(crate) from: ComponentKey,
    pub(crate) name: PackageName,
    /// What it requires of the entry it names.
    pub(crate) wanted: crate::extract::Requirement,
    pub(crate) kind: EdgeKind,
    pub(crate) details: EdgeDetails,
    pub(crate) line: u32,
}

/// Resolves each dependency among the lock's entries by the lock's row of the link policy
/// (`origin`), an edge to each key it finds; with `skip_self`, a package's dependency on
/// itself (Poetry lists an extra's own package that way) gives none.
pub(crate) fn link_entries(
    extraction: &mut Extraction,
    path: &str,
    pending: Vec<PendingEdge>,
    origin: crate::link::Origin,
    skip_self: bool,
) {
    let mut by_name: BTreeMap<&PackageName, Vec<&ComponentKey>> = BTreeMap::new();
    for component in &extraction.components {
        by_name
            .entry(&component.key.name)
            .or_default()
            .push(&component.key);
    }
    let mut edges = Vec::new();
    let mut diagnostics = Vec::new();
    for edge in pending {
        let target = NamedTarget {
            ecosystem: Ecosystem::PyPI,
            name: edge.name,
            requirement: edge.wanted,
            origin,
            written: None,
        };
        let reference = Reference {
            from: edge.from,
            to: Target::Named(target.clone()),
            kind: edge.kind,
            conditions: edge.details,
            location: Some(Location::line(path, edge.line)),
        };
        let candidates = by_name.get(&target.name).into_iter().flatten().copied();
        for key in crate::link::targets(&reference, &target, candidates, &mut diagnostics) {
            if skip_self && *key == reference.from {
                continue;
            }
            edges.push(Reference {
                to: Target::Key(key.clone()),
                ..reference.clone()
            });
        }
    }
    extraction.references.extend(edges);
    extraction.diagnostics.extend(diagnostics);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_versions_have_one_spelling_whatever_was_interned_before() {
        assert_eq!(
            canonical_versions("(python_full_version >= '3.1') or (python_full_version < '3.0')"),
            "(python_full_version >= '3.1') or (python_full_version < '3')"
        );
        assert_eq!(
            canonical_versions("python_full_version == '3.10.0' and python_version >= '3.10'"),
            "python_full_version == '3.10' and python_version >= '3.10'"
        );
        // Other variables, pre-releases, strings, `~=` and `===` are left as written.
        assert_eq!(
            canonical_versions("python_full_version ~= '3.10.0' or python_version === '3.0'"),
            "python_full_version ~= '3.10.0' or python_version === '3.0'"
        );
        assert_eq!(
            canonical_versions("platform_release == '5.0' and python_full_version >= '3.8.0rc1' and sys_platform == 'linux'"),
            "platform_release == '5.0' and python_full_version >= '3.8.0rc1' and sys_platform == 'linux'"
        );
        // The same bound reached by both spellings reads the same.
        let first = parse_requirement("a; python_version < '3.0'")
            .unwrap()
            .marker;
        let second = parse_requirement("a; python_version < '3'").unwrap().marker;
        assert_eq!(first, second);
    }

    #[test]
    fn a_name_ending_in_punctuation_is_an_error_not_a_panic_in_pep508_rs() {
        // Found by the fuzzer (tests/fixtures/fuzz-corpus/requirements_txt/crash-*).
        for text in [
            "prometheus-\u{13}client==0.21.1",
            "foo- ==1.0",
            "a. ; python_version>'3'",
            "b_[x]",
        ] {
            let error = parse_requirement(text).unwrap_err();
            assert!(error.contains("must end with a letter or digit"), "{error}");
        }
        assert!(parse_requirement("foo-bar==1.0").is_ok());
        assert!(parse_requirement("foo-").is_err());
    }

    #[test]
    fn an_extra_ending_in_punctuation_is_an_error_not_a_panic_in_pep508_rs() {
        // uv-pep508's `error_extras_illegal_end` (tests/fixtures/conformance/pep508).
        for text in [
            "foo[bar-]",
            "foo[bar_]",
            "foo[bar.]",
            "foo[a, bar-] ==1",
            "foo [x.,y]",
        ] {
            let error = parse_requirement(text).unwrap_err();
            assert!(error.contains("the extra name"), "{error}");
        }
        for text in [
            "foo[bar-baz]",
            "foo[a_b.c]>=1",
            "foo",
            "foo>=1 ; extra == 'x'",
        ] {
            assert!(parse_requirement(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn a_string_reversed_around_tilde_equal_is_ignored_not_a_panic_in_pep508_rs() {
        // uv-pep508's `reversed_compatible_release_string_marker`: uv reads `foo` and ignores
        // the expression, as it ignores `sys_platform ~= "3"`.
        assert_eq!(
            unreverse_string_tilde(r#"foo; "3" ~= sys_platform"#),
            r#"foo; sys_platform ~= "3""#
        );
        assert_eq!(
            unreverse_string_tilde("foo; os_name == 'nt' and '3'~=platform.machine or x"),
            "foo; os_name == 'nt' and platform.machine ~= '3' or x"
        );
        for unchanged in [
            "foo; '3.8' ~= python_version",
            "foo; 'x' ~= extra",
            "foo; sys_platform == 'linux'",
            "foo; 'unterminated ~= sys_platform",
        ] {
            assert_eq!(unreverse_string_tilde(unchanged), unchanged);
        }
        for text in [
            r#"foo; "3" ~= sys_platform"#,
            "foo; '3' ~= os_name and '3'~=sys.platform",
            "foo; ('a' ~= platform_system)",
        ] {
            let requirement = parse_requirement(text).unwrap();
            assert_eq!(requirement.name.normalized(), "foo", "{text}");
        }
    }

    #[test]
    fn versions_are_normalized_per_pep_440() {
        assert_eq!(normalized_version("2022.12.07").unwrap(), "2022.12.7");
        assert_eq!(normalized_version("1.0.0-alpha").unwrap(), "1.0.0a0");
        assert_eq!(normalized_version(" 2.0.0+cu121 ").unwrap(), "2.0.0+cu121");
        assert_eq!(normalized_version("v1.0").unwrap(), "1.0");
        let error = normalized_version("not-a-version").unwrap_err();
        assert!(error.contains("`not-a-version`"), "{error}");
    }

    /// The shortcut for plain releases gives what the parser gives, on every spelling near
    /// one: leading zeros, empty numbers, long numbers, letters, signs and separators.
    #[test]
    fn plain_releases_read_as_the_parser_reads_them() {
        let by_parser = |text: &str| {
            pep440_rs::Version::from_str(text.trim())
                .map(|version| version.to_string())
                .ok()
        };
        let mut spellings: Vec<String> = [
            "0",
            "00",
            "01",
            "1",
            "10",
            "1.0",
            "1.00",
            "1.01",
            "3.11.16",
            "1.",
            ".1",
            "1..2",
            "",
            " ",
            "1.2.3.4.5.6.7.8",
            "2022.12.07",
            "1.0a1",
            "1.0.post1",
            "1!2.0",
            "v1",
            "1_0",
            "1-0",
            "+1",
            "1.2 ",
            " 1.2",
            "١.٢",
            "18446744073709551615",
            "18446744073709551616",
            "999999999999999999",
            "9999999999999999999",
            "0.0.0",
            "000.000",
        ]
        .iter()
        .map(|text| (*text).to_owned())
        .collect();
        spellings.extend((0..1000).map(|number| format!("{}.{number:03}", number % 7)));
        for text in &spellings {
            assert_eq!(normalized_version(text).ok(), by_parser(text), "{text:?}");
        }
    }

    #[test]
    fn pypi_spelled_any_way_is_the_default_registry() {
        assert_eq!(index_source(None), Source::DEFAULT_REGISTRY);
        assert_eq!(
            index_source(Some("https://pypi.org/simple/")),
            Source::DEFAULT_REGISTRY
        );
        assert_eq!(
            index_source(Some("https://download.pytorch.org/whl/cu121/")),
            Source::Registry {
                index: Some("https://download.pytorch.org/whl/cu121".to_owned())
            }
        );
    }

    #[test]
    fn hashes_in_every_spelling() {
        let hex = "a".repeat(64);
        let expected = Hash::new(HashAlgorithm::Sha256, &hex).unwrap();
        assert_eq!(parse_hash(&format!("sha256:{hex}")), Some(expected.clone()));
        assert_eq!(parse_hash(&format!("sha256={hex}")), Some(expected));
        assert_eq!(parse_hash("sha256:nothex"), None);
        assert_eq!(parse_hash(&format!("blake3:{hex}")), None);
    }

    #[test]
    fn requirements_pins_extras_markers_and_urls() {
        let pinned =
            parse_requirement("Requests[socks,security]==2.31.0 ; python_version < '3.11'")
                .unwrap();
        assert_eq!(pinned.name.normalized(), "requests");
        assert_eq!(pinned.extras, ["security", "socks"]);
        assert_eq!(pinned.pinned.as_deref(), Some("2.31.0"));
        assert_eq!(
            pinned.marker.as_deref(),
            Some("python_full_version < '3.11'")
        );

        for unpinned in [
            "requests>=2",
            "requests~=2.31",
            "requests",
            "requests==2.*",
            "a>1,<2",
        ] {
            let requirement = parse_requirement(unpinned).unwrap();
            assert_eq!(requirement.pinned, None, "{unpinned} is not a pin");
        }
        assert_eq!(
            parse_requirement("requests").unwrap().specifier,
            None,
            "a bare name has no specifier"
        );

        let url = parse_requirement("pkg @ git+https://github.com/o/pkg@v1.0").unwrap();
        assert_eq!(
            url.url.as_deref(),
            Some("git+https://github.com/o/pkg@v1.0")
        );
        assert!(parse_requirement("==1.0").is_err());

        assert_eq!(
            normalized_marker("python_version >= '3.9'")
                .unwrap()
                .as_deref(),
            Some("python_full_version >= '3.9'")
        );
        assert_eq!(normalized_marker(" ").unwrap(), None);
        assert!(normalized_marker("python_version >>> 3").is_err());
        // PEP 751 lock markers (pylock.toml; pipenv's Pipfile.lock today): kept as written.
        for marker in [
            "'dev' in dependency_groups",
            "('dev' in dependency_groups) and (python_version >= '3.10')",
            "\"cpu\" not in extras or sys_platform == 'linux'",
        ] {
            assert_eq!(normalized_marker(marker).unwrap().as_deref(), Some(marker));
        }
        assert!(normalized_marker("'dev' in dependency_groupsx").is_err());
        assert!(normalized_marker("dev in dependency_groups").is_err());

        let secret = parse_requirement("pkg @ https://${HOME}@example.com/pkg.whl").unwrap();
        assert_eq!(
            secret.url.as_deref(),
            Some("https://${HOME}@example.com/pkg.whl"),
            "environment variables are never expanded"
        );
    }

    #[test]
    fn git_sources_in_every_spelling() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            git_source(&format!("https://github.com/o/r?rev=v1#{commit}")),
            Source::Git {
                url: "https://github.com/o/r".to_owned(),
                reference: Some(GitReference::Rev("v1".to_owned())),
                commit: Some(commit.to_owned()),
            }
        );
        assert_eq!(
            git_source("git+ssh://git@github.com/o/r.git@feature/x#subdirectory=lib"),
            Source::Git {
                url: "ssh://git@github.com/o/r.git".to_owned(),
                reference: Some(GitReference::Rev("feature/x".to_owned())),
                commit: None,
            }
        );
        assert_eq!(
            git_source(&format!("git+https://github.com/o/r@{commit}")),
            Source::Git {
                url: "https://github.com/o/r".to_owned(),
                reference: Some(GitReference::Rev(commit.to_owned())),
                commit: Some(commit.to_owned()),
            }
        );
        assert_eq!(
            git_source("git+ssh://git@github.com/o/r.git"),
            Source::Git {
                url: "ssh://git@github.com/o/r.git".to_owned(),
                reference: None,
                commit: None,
            }
        );
    }

    #[test]
    fn direct_references() {
        assert_eq!(
            direct_reference_source("file:///opt/wheels/a.whl", "p"),
            Source::Path {
                path: "/opt/wheels/a.whl".to_owned()
            }
        );
        assert_eq!(
            direct_reference_source("file:../lib", "apps/x"),
            Source::Path {
                path: "apps/lib".to_owned()
            }
        );
        assert_eq!(
            direct_reference_source("https://example.com/a-1.0.tar.gz#sha256=00", ""),
            Source::Url {
                url: "https://example.com/a-1.0.tar.gz".to_owned()
            }
        );
        assert_eq!(
            extra_marker(Some("sys_platform == 'win32' or os_name == 'nt'"), "cli"),
            "(sys_platform == 'win32' or os_name == 'nt') and extra == 'cli'"
        );
        assert_eq!(extra_marker(None, "cli"), "extra == 'cli'");
        let mut message = None;
        assert_eq!(version_or_raw("1.0-beta", |m| message = Some(m)), "1.0b0");
        assert_eq!(message, None);
        assert_eq!(version_or_raw(" 1.x ", |m| message = Some(m)), "1.x");
        assert!(message.unwrap().contains("`1.x`"));
        let mut message = None;
        assert_eq!(
            locked_version("1.0-beta", |m| message = Some(m)).as_deref(),
            Some("1.0b0")
        );
        assert_eq!(message, None);
        assert_eq!(locked_version("${VERSION}", |m| message = Some(m)), None);
        assert!(message.unwrap().contains("`${VERSION}`"));
    }

    /// Hand-made fixtures of every Python TOML format, each with the extractor that reads it.
    const MUTATION_SEEDS: &[(&str, &[u8])] = &[
        (
            "uv.lock",
            include_bytes!("../../../../tests/fixtures/python/uv-lock/sources/uv.lock"),
        ),
        (
            "poetry.lock",
            include_bytes!("../../../../tests/fixtures/python/poetry-lock/sources/poetry.lock"),
        ),
        (
            "pylock.toml",
            include_bytes!("../../../../tests/fixtures/python/pylock/sources/pylock.toml"),
        ),
        (
            "pyproject.toml",
            include_bytes!("../../../../tests/fixtures/python/uv-lock/sources/pyproject.toml"),
        ),
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Truncated or byte-flipped input never panics: it parses, or fails with a located
        /// error.
        #[test]
        fn mutated_inputs_never_panic(
            seed in 0..MUTATION_SEEDS.len(),
            cut in 0.0f64..1.0,
            flips in proptest::collection::vec((0.0f64..1.0, proptest::prelude::any::<u8>()), 0..4),
        ) {
            let (file_name, original) = MUTATION_SEEDS[seed];
            let mut bytes = original.to_vec();
            for (position, byte) in flips {
                let index = ((bytes.len() as f64) * position) as usize;
                if let Some(slot) = bytes.get_mut(index) {
                    *slot = byte;
                }
            }
            bytes.truncate(((bytes.len() as f64) * cut) as usize + 1);
            let path = format!("p/{file_name}");
            let format = crate::extract::FORMATS
                .iter()
                .find(|format| format.accepts(std::path::Path::new(&path)))
                .unwrap();
            if let Err(error) = format.extract(&crate::extract::Input::new(&path, &bytes)) {
                proptest::prop_assert_eq!(&error.location().path, &path);
                let located = error.location().line.is_some()
                    || matches!(error, crate::extract::ExtractError::UnsupportedVersion { .. });
                proptest::prop_assert!(located, "{}", error);
            }
        }
    }
}
