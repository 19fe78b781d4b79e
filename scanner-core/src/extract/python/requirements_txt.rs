//! Requirements files: pip's `requirements*.txt` (hand-written, pip-compile, `uv pip compile`,
//! `uv export`, `pdm export`, `poetry export`) and rye's `requirements*.lock`, together with
//! the files they include with `-r` and the constraints they apply with `-c`.
//!
//! Spec: pip's "Requirements File Format" (logical lines, `\` continuations, comments, options,
//! per-requirement `--hash` and `-C`/`--config-settings`; decoded as pip decodes: byte-order
//! marks for UTF-8/16/32, a PEP 263 `coding:` header, else UTF-8), PEP 508 for requirement
//! strings, PEP 440 for versions, and the `# via` annotations pip-compile, uv and rye write
//! (single-line, multi-line and repeated).
//!
//! Which files are read on their own (names compared case-insensitively):
//! - `*.txt` whose name contains `requirements` (`requirements.txt`, `requirements-dev.txt`,
//!   `requirements_cuda.txt`, `dev-requirements.txt`);
//! - `requirements*.lock` (rye);
//! - any `*.txt` directly inside a directory called `requirements` (`requirements/base.txt`).
//!
//! Files whose name starts with `constraints` are never read on their own: a constraints file
//! narrows what other files install and adds nothing, so reading it alone would invent packages.
//! `*.in` files (pip-compile's inputs) and constraints are read only when a scanned file reaches
//! them through `-r` or `-c`. Paths in a file (includes, `-e ./dir`, `./pkg.whl`) are resolved
//! relative to the directory of the file that names them, as uv does.
//!
//! What a line becomes:
//! - `name==version` (or `===`): a registry component at that version; anything else
//!   (`>=`, `~=`, `==1.*`, a bare name) has no version and carries [`ComponentFlag::Unpinned`];
//!   so does a pin whose value is not a PEP 440 version (`==5.*.*`, `=='x'`, `==${VERSION}`,
//!   `==1.0#comment`: pip refuses or expands them), with an `invalid-entry` warning.
//! - `-c` pins narrow the unpinned requirements of the same name to the constrained version
//!   (that is what the installer will pick); constrained names never become components alone.
//! - `# via a` makes an edge `a → this` carrying this line's marker and extras; `# via -r …`,
//!   `# via -c …`, `# via project (pyproject.toml)` and a requirement without any `# via` mean
//!   "direct": an edge from the project root, and the fact `PythonFacts::direct`. The root is
//!   the joined pyproject.toml's project, else `-e .`, else a local project named after the
//!   file's directory (docs/linking.md, "Roots of requirements files").
//! - Scope follows the scanned file's name: `dev`, `test`, `lint`, `docs`, `ci`, `typing`
//!   as a word of it means development; everything else (and everything it includes, which the
//!   same install pulls in) is required.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::pyproject::PyProject;
use super::{
    git_source, index_source, normalized_version, package_name, parse_hash, parse_requirement,
};
use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Hash, Scope,
    Source,
};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, parent_directory, ExtractError, Extraction, ExtractorId, FileMatch, FileReader,
    Format, Input, Join, LockedProject, Parse, ProjectReference, Role, Sample, Syntax,
};
use crate::facts::PythonFacts;
use crate::location::{Evidence, Location};
use crate::name::PackageName;

/// Deepest chain of `-r`/`-c` includes followed; real projects use two or three levels.
const MAX_INCLUDE_DEPTH: usize = 16;
/// Most files one scanned file may pull in, so a hostile tree cannot fan out without bound.
const MAX_INCLUDED_FILES: usize = 256;

/// Words of a file name that mark a development-only requirements file.
const DEVELOPMENT_WORDS: &[&str] = &[
    "dev",
    "devel",
    "develop",
    "development",
    "test",
    "tests",
    "testing",
    "lint",
    "linting",
    "docs",
    "doc",
    "ci",
    "typing",
    "mypy",
];

/// Reads requirements files and rye lockfiles.
#[derive(Debug)]
pub struct RequirementsExtractor;

const ID: ExtractorId = "python/requirements";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "requirements*.txt and rye requirements*.lock (pins, hashes, -r/-c includes, # via edges, editables, VCS, URLs)",
    FileMatch::Custom(is_requirements_file),
    &RequirementsExtractor,
)
.role(Role::Lock(Join::PyProject))
.fuzzed_as("requirements_txt", &[Sample::new("requirements.txt", Syntax::Lines)]);

impl Parse for RequirementsExtractor {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let text = crate::text::pip_requirements(input.bytes).map_err(|error| {
            let location = Location::line(input.path, error.line);
            if error.reason == crate::text::NOT_UTF8 {
                ExtractError::InvalidUtf8 {
                    location,
                    offset: error.offset,
                }
            } else {
                ExtractError::Parse {
                    location,
                    message: format!(
                        "the file is {} (first bad byte at offset {})",
                        error.reason, error.offset
                    ),
                }
            }
        })?;
        let mut reader = Reader::new(input.files, input.path);
        reader.read_file(input.path, &text, Mode::Requirements, 0);
        Ok(reader.assemble(ID, input))
    }
}

/// True for the file names this extractor reads on its own (see the module documentation).
pub fn is_requirements_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    if name.starts_with("constraints") {
        return false;
    }
    if name.ends_with(".txt") && name.contains("requirements") {
        return true;
    }
    if name.starts_with("requirements") && name.ends_with(".lock") {
        return true;
    }
    name.ends_with(".txt")
        && path
            .parent()
            .and_then(|parent| parent.file_name())
            .and_then(|parent| parent.to_str())
            .is_some_and(|parent| parent.eq_ignore_ascii_case("requirements"))
}

/// The scope of everything a requirements file installs, from the words of its name.
pub fn scope_of_file(path: &str) -> Scope {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name
        .strip_suffix(".txt")
        .or_else(|| name.strip_suffix(".lock"))
        .or_else(|| name.strip_suffix(".in"))
        .unwrap_or(&name);
    let development = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| DEVELOPMENT_WORDS.contains(&word));
    if development {
        Scope::Dev
    } else {
        Scope::Required
    }
}

/// The options of a requirements file that take a value (besides `-r` and `-c`).
const OPTIONS_WITH_VALUES: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-binary",
    "--only-binary",
    "--use-feature",
    "--config-settings",
    "--global-option",
    "--install-option",
];

/// Whether a file is read for what it installs or for the pins it imposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mode {
    Requirements,
    Constraints,
}

/// Where a requirement comes from, before the file's index options are known.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// A package index (which one is decided by `--index-url` once the whole file is read).
    Index,
    /// Any other source, final.
    Fixed(Source),
}

/// One `# via` item.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Via {
    /// `-r file`, `-c file`, `--override …`, `project (pyproject.toml)`: asked for directly.
    Direct,
    /// Another package of the same file needs this one.
    Package(PackageName),
}

/// One requirement line.
#[derive(Debug, Clone)]
struct Entry {
    location: Location,
    name: PackageName,
    /// Normalized PEP 440 version, or the text as written when it is not PEP 440.
    version: Option<String>,
    origin: Origin,
    editable: bool,
    unpinned: bool,
    extras: Vec<String>,
    marker: Option<String>,
    hashes: BTreeSet<Hash>,
    /// A `# via` comment follows the requirement (even if none of its items could be read).
    annotated: bool,
    via: Vec<Via>,
    /// Set when a `-c` pin supplied the version.
    constrained_by: Option<Location>,
    /// A local directory that is the scanned file's own directory (`-e .`, `-e file:.`).
    is_own_project: bool,
}

/// File-wide options, which pip applies to every requirement wherever they appear.
#[derive(Debug, Default)]
struct IndexOptions {
    index_url: Option<String>,
    extra_index_urls: BTreeSet<String>,
    find_links: BTreeSet<String>,
    trusted_hosts: BTreeSet<String>,
    no_index: bool,
}

/// Reads one scanned file and everything it includes.
struct Reader<'a> {
    files: &'a dyn FileReader,
    /// The scanned file's directory: `-e .` there is the project itself.
    top_directory: String,
    entries: Vec<Entry>,
    constraints: Vec<Entry>,
    options: IndexOptions,
    diagnostics: Vec<Diagnostic>,
    /// Files being read, outermost first, to detect include cycles.
    stack: Vec<String>,
    /// Files already read, and how, so a file included twice the same way (not in a cycle) is
    /// read once; one read for its constraints (`-c`) is read again for its requirements
    /// (`-r`), which pip and uv install (uv-requirements-txt's `recursive_circular_inclusion`).
    visited: BTreeSet<(String, Mode)>,
}

impl<'a> Reader<'a> {
    fn new(files: &'a dyn FileReader, top_path: &str) -> Reader<'a> {
        Reader {
            files,
            top_directory: join_path(parent_directory(top_path), "."),
            entries: Vec::new(),
            constraints: Vec::new(),
            options: IndexOptions::default(),
            diagnostics: Vec::new(),
            stack: Vec::new(),
            visited: BTreeSet::new(),
        }
    }

    fn warn(&mut self, location: Location, message: String) {
        self.diagnostics.push(Diagnostic::warning(
            DiagnosticCode::InvalidEntry,
            location,
            message,
        ));
    }

    fn read_file(&mut self, path: &str, text: &str, mode: Mode, depth: usize) {
        self.stack.push(path.to_owned());
        self.visited.insert((path.to_owned(), mode));
        let directory = parent_directory(path).to_owned();
        // Index of the last requirement in `self.entries`/`self.constraints` that following
        // `# via` comments describe, and whether a multi-line `# via` list is open.
        let mut current: Option<usize> = None;
        let mut via_open = false;
        for (number, line) in logical_lines(text) {
            let location = Location::line(path, number);
            let (content, comment) = split_comment(&line);
            let content = content.trim();
            if content.is_empty() {
                match comment {
                    None => {
                        current = None;
                        via_open = false;
                    }
                    Some(body) => {
                        via_open = self.annotate(mode, current, body, via_open);
                    }
                }
                continue;
            }
            via_open = false;
            current = None;
            if content.starts_with('-') && strip_editable(content).is_none() {
                // pip hands the whole line to its option parser, so one line may hold several
                // options (`--extra-index-url a --extra-index-url b`, often a joined
                // continuation): each word starting with `-` begins the next one.
                for option in split_options(content) {
                    self.option(&location, &directory, option, mode, depth);
                }
                continue;
            }
            if let Some(entry) = self.requirement(&location, &directory, content) {
                let list = match mode {
                    Mode::Requirements => &mut self.entries,
                    Mode::Constraints => &mut self.constraints,
                };
                list.push(entry);
                current = Some(list.len() - 1);
                if let Some(body) = comment {
                    // Old pip-compile wrote `pkg==1.0  # via a, b` on the requirement's line.
                    self.annotate(mode, current, body, false);
                }
            }
        }
        self.stack.pop();
    }

    /// Reads one comment line that follows a requirement; returns whether a `# via` list is
    /// (still) open.
    fn annotate(&mut self, mode: Mode, current: Option<usize>, body: &str, via_open: bool) -> bool {
        let Some(index) = current else {
            return false;
        };
        let list = match mode {
            Mode::Requirements => &mut self.entries,
            Mode::Constraints => &mut self.constraints,
        };
        let Some(entry) = list.get_mut(index) else {
            return false;
        };
        let trimmed = body.trim_start();
        if let Some(rest) = trimmed.strip_prefix("via") {
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                entry.annotated = true;
                entry.via.extend(rest.split(',').filter_map(parse_via));
                return true;
            }
        }
        let indented = body.starts_with("  ") || body.starts_with('\t');
        if via_open && indented && !trimmed.is_empty() {
            entry.via.extend(parse_via(trimmed));
            return true;
        }
        false
    }

    fn option(
        &mut self,
        location: &Location,
        directory: &str,
        content: &str,
        mode: Mode,
        depth: usize,
    ) {
        let (name, value) = split_option(content);
        let value = option_value(value);
        if value.is_empty() && OPTIONS_WITH_VALUES.contains(&name) {
            // pip's option parser (and uv's) refuses the file: the option needs a value.
            self.warn(
                location.clone(),
                format!("`{name}` without a value (pip refuses the file); ignored"),
            );
            return;
        }
        match name {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let include_mode = if name.starts_with("-c") || name == "--constraint" {
                    Mode::Constraints
                } else {
                    mode
                };
                if value.is_empty() {
                    self.warn(
                        location.clone(),
                        format!("`{name}` without a file; ignored"),
                    );
                    return;
                }
                self.include(location, directory, name, &value, include_mode, depth);
            }
            "-i" | "--index-url" => {
                if mode == Mode::Requirements {
                    self.options.index_url = Some(redact_credentials(&value));
                }
            }
            "--extra-index-url" => {
                if mode == Mode::Requirements {
                    self.options
                        .extra_index_urls
                        .insert(redact_credentials(&value));
                }
            }
            "-f" | "--find-links" => {
                if mode == Mode::Requirements {
                    self.options.find_links.insert(redact_credentials(&value));
                }
            }
            "--trusted-host" => {
                if mode == Mode::Requirements {
                    self.options.trusted_hosts.insert(value);
                }
            }
            "--no-index" => {
                if mode == Mode::Requirements {
                    self.options.no_index = true;
                }
            }
            // Options that change how pip builds or picks files, not what is installed.
            "--pre"
            | "--prefer-binary"
            | "--require-hashes"
            | "--no-binary"
            | "--only-binary"
            | "--use-feature"
            | "--no-build-isolation"
            | "--config-settings"
            | "--global-option"
            | "--install-option" => {}
            other => self.warn(
                location.clone(),
                format!("unknown option `{other}`; ignored"),
            ),
        }
    }

    fn include(
        &mut self,
        location: &Location,
        directory: &str,
        option: &str,
        target: &str,
        mode: Mode,
        depth: usize,
    ) {
        if target.contains("://") && !target.starts_with("file:") {
            self.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::OutsideScanRoot,
                location.clone(),
                format!("`{option} {target}` names a remote file; airlock never downloads, so it was not read"),
            ));
            return;
        }
        let relative = local_path_of(target);
        let path = join_path(directory, &relative);
        if self.stack.contains(&path) {
            let mut chain: Vec<&str> = self.stack.iter().map(String::as_str).collect();
            chain.push(&path);
            self.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::IncludeCycle,
                location.clone(),
                format!(
                    "`{option} {target}` closes an include cycle ({}); not read again",
                    chain.join(" → ")
                ),
            ));
            return;
        }
        if self.visited.contains(&(path.clone(), mode)) {
            return;
        }
        if depth + 1 > MAX_INCLUDE_DEPTH {
            self.warn(
                location.clone(),
                format!("`{option} {target}` is nested more than {MAX_INCLUDE_DEPTH} includes deep; not read"),
            );
            return;
        }
        if self.visited.len() >= MAX_INCLUDED_FILES {
            self.warn(
                location.clone(),
                format!(
                    "`{option} {target}`: more than {MAX_INCLUDED_FILES} included files; not read"
                ),
            );
            return;
        }
        match self.files.read(&path) {
            Ok(bytes) => match crate::text::pip_requirements(&bytes) {
                Ok(text) => {
                    let text = text.into_owned();
                    self.read_file(&path, &text, mode, depth + 1);
                }
                Err(error) => self.diagnostics.push(Diagnostic::error(
                    DiagnosticCode::ParseError,
                    Location::line(&path, error.line),
                    format!(
                        "the file is {} (first bad byte at offset {}); included by {location}",
                        error.reason, error.offset
                    ),
                )),
            },
            Err(diagnostic) => self.diagnostics.push(Diagnostic::new(
                diagnostic.code,
                diagnostic.severity,
                Some(location.clone()),
                format!("`{option} {target}` ({path}): {}", diagnostic.message),
            )),
        }
    }

    /// Reads a requirement line (with `-e` if editable) into an entry, or reports why not.
    fn requirement(
        &mut self,
        location: &Location,
        directory: &str,
        content: &str,
    ) -> Option<Entry> {
        let (editable, content) = match strip_editable(content) {
            Some(rest) => (true, rest),
            None => (false, content),
        };
        let (requirement, per_line) = split_line_options(content);
        let mut hashes = BTreeSet::new();
        for (option, value) in per_line {
            match option.as_str() {
                "--hash" => match parse_hash(&value) {
                    Some(hash) => {
                        hashes.insert(hash);
                    }
                    None => self.warn(
                        location.clone(),
                        format!("`--hash={value}` is not a digest airlock reads; ignored"),
                    ),
                },
                "--config-settings" | "--global-option" | "--install-option" => {}
                other => self.warn(
                    location.clone(),
                    format!("unknown per-requirement option `{other}`; ignored"),
                ),
            }
        }
        let requirement = requirement.trim();
        if requirement.is_empty() {
            self.warn(
                location.clone(),
                "a requirement line without a requirement".to_owned(),
            );
            return None;
        }
        let mut entry = if editable || looks_like_url_or_path(requirement) {
            self.url_or_path_requirement(location, directory, requirement, editable)?
        } else {
            self.named_requirement(location, directory, requirement)?
        };
        entry.hashes.extend(hashes);
        Some(entry)
    }

    fn named_requirement(
        &mut self,
        location: &Location,
        directory: &str,
        text: &str,
    ) -> Option<Entry> {
        // PEP 508 allows an empty parenthesised specifier (`name()`, which packaging and so
        // pip read as "any version"); pep508_rs refuses it, so it is read without them.
        // So does a specifier list ending in a comma (`numpy>=1.19,<2.0,`, `numpy(>=1,)`),
        // which packaging and uv read as the list without it.
        let parsed = match parse_requirement(text).or_else(|error| {
            let retried = without_trailing_specifier_comma(text);
            let text = retried.as_deref().unwrap_or(text);
            without_empty_parentheses(text)
                .or(retried.clone())
                .ok_or(error.clone())
                .and_then(|text| parse_requirement(&text).map_err(|_| error))
        }) {
            Ok(parsed) => parsed,
            Err(error) => {
                return match loose_pin(text) {
                    Some(entry) => {
                        // pip expands `${NAME}` from the installer's environment and refuses
                        // any other text that is not a version, so the scan cannot know what
                        // gets installed: the requirement stays, unpinned, never with a version
                        // that would match no advisory.
                        let message = if entry.1.contains("${") {
                            format!("`{}` names an environment variable that pip expands when it installs; `{}` kept unpinned", entry.1, entry.0)
                        } else if normalized_version(&entry.1).is_ok() {
                            // The version is one; the rest of the line is not (`numpy[ö]==1.29`).
                            format!(
                                "{error} (pip refuses the requirement); `{}` kept unpinned",
                                entry.0
                            )
                        } else {
                            format!("`{}` is not a PEP 440 version (pip refuses the requirement); `{}` kept unpinned", entry.1, entry.0)
                        };
                        self.warn(location.clone(), message);
                        Some(Entry {
                            location: location.clone(),
                            name: entry.0,
                            version: None,
                            origin: Origin::Index,
                            editable: false,
                            unpinned: true,
                            extras: entry.2,
                            marker: entry.3,
                            hashes: BTreeSet::new(),
                            annotated: false,
                            via: Vec::new(),
                            constrained_by: None,
                            is_own_project: false,
                        })
                    }
                    None => {
                        self.warn(location.clone(), format!("{error}; skipped"));
                        None
                    }
                };
            }
        };
        let mut entry = Entry {
            location: location.clone(),
            name: parsed.name,
            version: None,
            origin: Origin::Index,
            editable: false,
            unpinned: false,
            extras: parsed.extras,
            marker: parsed.marker,
            hashes: BTreeSet::new(),
            annotated: false,
            via: Vec::new(),
            constrained_by: None,
            is_own_project: false,
        };
        match (parsed.url, parsed.pinned) {
            (Some(url), _) if remote_without_host(&url) => {
                // packaging (so pip) and uv refuse the requirement (`https:///`): what it
                // installs is unknown, so the package stays, unpinned.
                self.warn(
                    location.clone(),
                    format!(
                        "`{url}` has no host (pip refuses the requirement); `{}` kept unpinned",
                        entry.name
                    ),
                );
                entry.unpinned = true;
            }
            (Some(url), _) => {
                let target = self.classify_target(location, directory, &url, Some(&entry.name));
                apply_target(&mut entry, target, &self.top_directory);
            }
            (None, Some(pinned)) => entry.version = Some(pinned),
            (None, None) => entry.unpinned = true,
        }
        Some(entry)
    }

    fn url_or_path_requirement(
        &mut self,
        location: &Location,
        directory: &str,
        text: &str,
        editable: bool,
    ) -> Option<Entry> {
        // `name @ url` after `-e` is still PEP 508.
        if !looks_like_url_or_path(text) {
            let mut entry = self.named_requirement(location, directory, text)?;
            entry.editable = editable;
            return Some(entry);
        }
        let (target_text, marker) = split_url_marker(text);
        // pip (`_strip_extras`) and uv take extras only from a closing `]`: `-e ./dir[d` is
        // the directory `dir[d`, not `dir` with an extra.
        let (target_text, extras) = if target_text.ends_with(']') {
            split_trailing_extras(target_text)
        } else {
            (target_text, Vec::new())
        };
        let written_extras = text
            .get(target_text.len()..)
            .and_then(|rest| rest.strip_prefix('['))
            .and_then(|rest| rest.split(']').next());
        let extras = match written_extras {
            Some(written) if !valid_extras(written) => {
                // packaging (so pip) and uv refuse `[d,]`: read without them.
                self.warn(
                    location.clone(),
                    format!("`{target_text}[{written}]`: `[{written}]` are no valid extras (pip refuses the line); read without them"),
                );
                Vec::new()
            }
            _ => extras,
        };
        let marker = match marker {
            None => None,
            Some(marker) => match parse_requirement(&format!("placeholder ; {marker}")) {
                Ok(parsed) => parsed.marker,
                Err(error) => {
                    self.warn(location.clone(), format!("{error}; the marker was ignored"));
                    None
                }
            },
        };
        let target = self.classify_target(location, directory, target_text, None);
        let Some(name) = target.name.clone() else {
            self.warn(
                location.clone(),
                format!("cannot tell the package name of `{target_text}` (no `#egg=`, no readable pyproject.toml); skipped"),
            );
            return None;
        };
        let remote_archive = matches!(&target.source, Source::Url { url }
            if !["hg+", "svn+", "bzr+"].iter().any(|vcs| url.starts_with(vcs)));
        let editable = if editable && remote_archive {
            // pip installs in editable mode only a local directory or a VCS checkout, and
            // uv refuses a remote archive there too: read as the archive it names.
            self.warn(
                location.clone(),
                format!("`-e {target_text}`: a remote archive cannot be installed in editable mode (pip refuses the line); read as the archive"),
            );
            false
        } else {
            editable
        };
        let mut entry = Entry {
            location: location.clone(),
            name,
            version: None,
            origin: Origin::Index,
            editable,
            unpinned: false,
            extras,
            marker,
            hashes: BTreeSet::new(),
            annotated: false,
            via: Vec::new(),
            constrained_by: None,
            is_own_project: false,
        };
        apply_target(&mut entry, target, &self.top_directory);
        Some(entry)
    }

    /// What a URL or path points at: its source, the name and version it tells, its hashes.
    fn classify_target(
        &mut self,
        location: &Location,
        directory: &str,
        text: &str,
        known_name: Option<&PackageName>,
    ) -> Target {
        let (without_fragment, fragment) = match text.split_once('#') {
            Some((url, fragment)) => (url, Some(fragment)),
            None => (text, None),
        };
        let mut egg_name = None;
        let mut hashes = BTreeSet::new();
        for pair in fragment.unwrap_or_default().split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            if key == "egg" {
                let bare = value.split('[').next().unwrap_or(value);
                match package_name(bare) {
                    Ok(name) => egg_name = Some(name),
                    Err(error) => self.warn(location.clone(), format!("`#egg={value}`: {error}")),
                }
            } else if let Some(hash) = parse_hash(&format!("{key}={value}")) {
                hashes.insert(hash);
            }
        }
        let name = known_name.cloned().or(egg_name);

        for prefix in ["git+", "hg+", "svn+", "bzr+"] {
            if !without_fragment.starts_with(prefix) {
                continue;
            }
            let source = if prefix == "git+" {
                // The same reading uv.lock and pyproject.toml get, so one repository at one
                // commit is one key whichever file names it.
                match git_source(without_fragment) {
                    Source::Git {
                        url,
                        reference,
                        commit,
                    } => Source::Git {
                        url: redact_credentials(&url),
                        reference,
                        commit,
                    },
                    other => other,
                }
            } else {
                Source::Url {
                    url: redact_credentials(without_fragment),
                }
            };
            let name = name.or_else(|| match &source {
                Source::Git { url, .. } | Source::Url { url } => guess_name_from_url(url),
                _ => None,
            });
            let moving = !matches!(
                &source,
                Source::Git {
                    commit: Some(_),
                    ..
                }
            );
            return Target {
                name,
                version: None,
                source,
                hashes,
                moving,
                local_directory: None,
            };
        }

        let is_remote = without_fragment.contains("://") && !without_fragment.starts_with("file:");
        if is_remote {
            let url = redact_credentials(without_fragment);
            let file_name = url.rsplit('/').next().unwrap_or_default();
            let from_file = distribution_file_name(file_name);
            let (name, version) = identity_from_file(name, from_file);
            return Target {
                name,
                version,
                source: Source::Url { url },
                hashes,
                moving: false,
                local_directory: None,
            };
        }

        let relative = local_path_of(without_fragment);
        let path = join_path(directory, &relative);
        let file_name = path.rsplit('/').next().unwrap_or_default().to_owned();
        if let Some(from_file) = distribution_file_name(&file_name) {
            let (name, version) = identity_from_file(name, Some(from_file));
            return Target {
                name,
                version,
                source: Source::File { path },
                hashes,
                moving: false,
                local_directory: None,
            };
        }
        let project = local_project(self.files, &path);
        let (name, version) = match (name, project) {
            (Some(name), Some((project_name, version))) if project_name == name => {
                (Some(name), version)
            }
            (Some(name), _) => (Some(name), None),
            (None, Some((project_name, version))) => (Some(project_name), version),
            // Without metadata, the directory's name when it is one a project could have
            // (`core[d`, `black editable` are not: the file says nothing of the name then).
            (None, None) => (
                path.rsplit('/')
                    .next()
                    .filter(|segment| is_distribution_name(segment))
                    .and_then(|segment| package_name(segment).ok()),
                None,
            ),
        };
        Target {
            name,
            version,
            source: Source::Path { path: path.clone() },
            hashes,
            moving: false,
            local_directory: Some(path),
        }
    }

    /// Turns everything read into components, edges, roots and diagnostics.
    fn assemble(mut self, extractor: ExtractorId, input: &Input<'_>) -> Extraction {
        let scope = scope_of_file(input.path);
        let edge_kind = match scope {
            Scope::Dev => EdgeKind::Dev,
            _ => EdgeKind::Normal,
        };
        self.apply_constraints();

        let index_source_of_file = if self.options.no_index {
            Source::DEFAULT_REGISTRY
        } else {
            index_source(self.options.index_url.as_deref())
        };
        // What the file's options say about where index packages come from, on each of them.
        let listed = |set: &BTreeSet<String>| {
            (!set.is_empty()).then(|| set.iter().cloned().collect::<Vec<_>>())
        };
        let index_facts = PythonFacts {
            extra_index_urls: listed(&self.options.extra_index_urls),
            find_links: listed(&self.options.find_links),
            trusted_hosts: listed(&self.options.trusted_hosts),
            no_index: self.options.no_index,
            ..PythonFacts::default()
        };

        let mut extraction = Extraction::default();
        let mut components: BTreeMap<ComponentKey, Component> = BTreeMap::new();
        let mut keys: Vec<ComponentKey> = Vec::with_capacity(self.entries.len());
        let mut by_name: BTreeMap<String, Vec<ComponentKey>> = BTreeMap::new();
        let mut unconditional_names: BTreeMap<String, (Location, Option<String>)> = BTreeMap::new();
        for entry in &self.entries {
            let source = match &entry.origin {
                Origin::Index => index_source_of_file.clone(),
                Origin::Fixed(source) => source.clone(),
            };
            let key = ComponentKey::new(
                Ecosystem::PyPI,
                entry.name.clone(),
                entry.version.clone(),
                source,
            );
            if entry.marker.is_none() && matches!(entry.origin, Origin::Index) {
                let first = unconditional_names
                    .entry(entry.name.normalized().to_owned())
                    .or_insert_with(|| (entry.location.clone(), entry.version.clone()));
                if first.1 != entry.version {
                    self.diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::DuplicateEntry,
                        entry.location.clone(),
                        format!(
                            "`{}` is required again with another version than at {}",
                            entry.name, first.0
                        ),
                    ));
                }
            }
            let first_party =
                entry.editable && matches!(entry.origin, Origin::Fixed(Source::Path { .. }));
            let kind = if first_party || entry.is_own_project {
                ComponentKind::Application
            } else {
                ComponentKind::Library
            };
            let mut component = Component::new(key.clone(), kind).with_evidence(Evidence {
                location: entry.location.clone(),
                extractor,
            });
            component.scope = Some(scope);
            component.hashes.extend(entry.hashes.iter().cloned());
            if entry.unpinned {
                component.flags.insert(ComponentFlag::Unpinned);
            }
            if entry.editable {
                component.flags.insert(ComponentFlag::Editable);
            }
            if let Some(constraint) = &entry.constrained_by {
                component.evidence.insert(Evidence {
                    location: constraint.clone(),
                    extractor,
                });
            }
            let mut python = if matches!(entry.origin, Origin::Index) {
                index_facts.clone()
            } else {
                PythonFacts::default()
            };
            python.constrained_by.clone_from(&entry.constrained_by);
            python.direct = is_direct(entry) && !entry.is_own_project;
            if python != PythonFacts::default() {
                component.facts.python = Some(Box::new(python));
            }
            match components.get_mut(&key) {
                Some(existing) => existing.merge(component),
                None => {
                    components.insert(key.clone(), component);
                }
            }
            let same_name = by_name
                .entry(entry.name.normalized().to_owned())
                .or_default();
            if !same_name.contains(&key) {
                same_name.push(key.clone());
            }
            keys.push(key);
        }

        // The project root: the pyproject.toml beside the file (rye, `uv export`,
        // `uv pip compile pyproject.toml`), joined by the link stage, else the file's own
        // directory installed with `-e .`. `-e .` is that same project, so it takes the root's
        // key and the two merge.
        extraction.components = components.into_values().collect();
        let own_project = self
            .entries
            .iter()
            .zip(&keys)
            .find(|(entry, _)| entry.is_own_project)
            .and_then(|(_, key)| {
                extraction
                    .components
                    .iter()
                    .find(|component| component.key == *key)
                    .cloned()
            })
            .or_else(|| {
                // No `-e .`: a project that lists what it depends on is still a project; it is
                // named after its directory, as a pyproject.toml without `[project]` is.
                let any_direct = self
                    .entries
                    .iter()
                    .any(|entry| is_direct(entry) && !entry.is_own_project);
                any_direct.then(|| directory_project(extractor, input.path))?
            });
        let mut project = LockedProject {
            fallback: own_project,
            ..LockedProject::default()
        };
        for (entry, key) in self.entries.iter().zip(&keys) {
            let details = EdgeDetails {
                marker: entry.marker.clone(),
                extras: entry.extras.clone(),
                relation: None,
            };
            if is_direct(entry) {
                project.references.push(ProjectReference {
                    from: None,
                    to: key.clone(),
                    kind: edge_kind,
                    conditions: details.clone(),
                    location: Some(entry.location.clone()),
                });
            }
            for via in &entry.via {
                let Via::Package(parent) = via else { continue };
                let parents = by_name
                    .get(parent.normalized())
                    .cloned()
                    .unwrap_or_default();
                if parents.is_empty() {
                    self.diagnostics.push(Diagnostic::note(
                        DiagnosticCode::DanglingReference,
                        entry.location.clone(),
                        format!(
                            "`{}` is annotated `# via {parent}`, which this file does not list",
                            entry.name
                        ),
                    ));
                    continue;
                }
                for parent_key in parents.iter().filter(|parent_key| *parent_key != key) {
                    project.references.push(ProjectReference {
                        from: Some(parent_key.clone()),
                        to: key.clone(),
                        kind: EdgeKind::Normal,
                        conditions: details.clone(),
                        location: Some(entry.location.clone()),
                    });
                }
            }
        }
        extraction.project = Some(project);

        extraction.diagnostics.extend(self.diagnostics);
        extraction
    }

    /// Gives unpinned registry requirements the version a `-c` file pins for their name.
    fn apply_constraints(&mut self) {
        let mut pins: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
        for constraint in &self.constraints {
            if constraint.version.is_some() && constraint.origin == Origin::Index {
                pins.entry(constraint.name.normalized().to_owned())
                    .or_default()
                    .push(constraint);
            }
        }
        let mut notes = Vec::new();
        for entry in &mut self.entries {
            let Some(candidates) = pins.get(entry.name.normalized()) else {
                continue;
            };
            let versions: BTreeSet<&Option<String>> = candidates
                .iter()
                .map(|candidate| &candidate.version)
                .collect();
            let [only] = candidates.as_slice() else {
                if versions.len() > 1 && entry.unpinned {
                    notes.push(Diagnostic::note(
                        DiagnosticCode::AmbiguousReference,
                        entry.location.clone(),
                        format!(
                            "`{}` is constrained to several versions (by markers); left unpinned",
                            entry.name
                        ),
                    ));
                }
                continue;
            };
            if entry.unpinned && entry.origin == Origin::Index {
                entry.version.clone_from(&only.version);
                entry.unpinned = false;
                entry.hashes.extend(only.hashes.iter().cloned());
                entry.constrained_by = Some(only.location.clone());
            } else if entry.origin == Origin::Index && entry.version != only.version {
                notes.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    entry.location.clone(),
                    format!(
                        "`{}` is pinned to {} but constrained to {} at {}; pip would refuse this",
                        entry.name,
                        entry.version.as_deref().unwrap_or("?"),
                        only.version.as_deref().unwrap_or("?"),
                        only.location
                    ),
                ));
            }
        }
        self.diagnostics.extend(notes);
    }
}

/// What a URL or path requirement resolves to.
#[derive(Debug, Clone)]
struct Target {
    name: Option<PackageName>,
    version: Option<String>,
    source: Source,
    hashes: BTreeSet<Hash>,
    /// A branch or tag (not a commit): what it installs changes over time.
    moving: bool,
    /// A local directory, scan-relative.
    local_directory: Option<String>,
}

fn apply_target(entry: &mut Entry, target: Target, top_directory: &str) {
    entry.version = target.version;
    entry.unpinned = target.moving;
    entry.hashes.extend(target.hashes);
    entry.is_own_project = target
        .local_directory
        .as_deref()
        .is_some_and(|directory| directory == top_directory);
    entry.origin = Origin::Fixed(target.source);
}

/// The project a requirements file without `-e .` belongs to: a local component named after
/// the project's directory, marked `virtual_project` (no `[project]` table names it), with no
/// version. The link stage uses it only when no joined manifest names a project.
///
/// The project's directory is the file's, except for a file in a directory named
/// `requirements` (`requirements/base.txt`, `requirements/dev.txt`: the layout pip-tools and
/// uv users keep their compiled files in): that folder holds the project's requirements, not
/// a project, so the project is its parent, and `requirements/dev.txt` and a top-level
/// `requirements.txt` share one root.
fn directory_project(extractor: ExtractorId, path: &str) -> Option<Component> {
    let directory = parent_directory(path);
    let directory = match directory.rsplit_once('/') {
        Some((parent, "requirements")) => parent,
        None if directory == "requirements" => "",
        _ => directory,
    };
    let key = ComponentKey::new(
        Ecosystem::PyPI,
        crate::link::python::directory_project_name(directory)?,
        None,
        super::pyproject::project_source(directory),
    );
    let mut component = Component::new(key, ComponentKind::Application).with_evidence(Evidence {
        location: Location::line(path, 1),
        extractor,
    });
    component.facts.python_mut().virtual_project = true;
    Some(component)
}

/// A requirement is direct when nothing says it is not: no `# via`, or a `# via` naming an
/// input file or the project.
fn is_direct(entry: &Entry) -> bool {
    !entry.annotated || entry.via.contains(&Via::Direct)
}

fn parse_via(item: &str) -> Option<Via> {
    let item = item.trim();
    if item.is_empty() {
        return None;
    }
    if item.starts_with('-') || item.ends_with(')') {
        return Some(Via::Direct);
    }
    let name = item
        .split(|c: char| c == '[' || c.is_whitespace())
        .next()
        .unwrap_or(item);
    package_name(name).ok().map(Via::Package)
}

/// Joins `\` continuations into logical lines, each numbered by its first physical line, as
/// pip's `join_lines` does: lines are split where Python's `str.splitlines` splits them (`\r`
/// alone too), a continued line loses every backslash at either end (`line.strip("\\")`) and is
/// joined to the next without a space, and a comment line ends a continuation.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut lines = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (index, raw) in python_lines(text).into_iter().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let is_comment = is_comment_line(raw);
        if raw.ends_with('\\') && !is_comment {
            let piece = raw.trim_matches('\\');
            match &mut pending {
                Some((_, joined)) => joined.push_str(piece),
                None => pending = Some((number, piece.to_owned())),
            }
            continue;
        }
        match pending.take() {
            Some((first, mut joined)) => {
                if is_comment {
                    joined.push(' ');
                }
                joined.push_str(raw);
                lines.push((first, joined));
            }
            None => lines.push((number, raw.to_owned())),
        }
    }
    lines.extend(pending);
    lines
}

/// pip's `COMMENT_RE.match(line)`: a `#` at the start of the line or after leading white space.
fn is_comment_line(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Python's `str.splitlines()`: the line boundaries pip reads a requirements file with.
fn python_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut characters = text.char_indices().peekable();
    while let Some((offset, character)) = characters.next() {
        let boundary = matches!(
            character,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !boundary {
            continue;
        }
        lines.push(text.get(start..offset).unwrap_or_default());
        let mut end = offset + character.len_utf8();
        if character == '\r' {
            if let Some((next, '\n')) = characters.peek().copied() {
                characters.next();
                end = next + 1;
            }
        }
        start = end;
    }
    if start < text.len() {
        lines.push(text.get(start..).unwrap_or_default());
    }
    lines
}

/// Splits a line at its comment: a `#` at the start or after white space (`#egg=` in a URL is
/// not a comment).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut previous_is_space = true;
    for (offset, character) in line.char_indices() {
        if character == '#' && previous_is_space {
            let (content, comment) = line.split_at(offset);
            return (content, comment.strip_prefix('#'));
        }
        previous_is_space = character.is_whitespace();
    }
    (line, None)
}

/// An option line cut before each word that starts with `-`: `--a x --b y` → `--a x`, `--b y`.
fn split_options(content: &str) -> Vec<&str> {
    let mut starts = vec![0];
    let mut previous_is_space = false;
    for (offset, character) in content.char_indices() {
        if previous_is_space && character == '-' {
            starts.push(offset);
        }
        previous_is_space = character.is_whitespace();
    }
    let mut options = Vec::with_capacity(starts.len());
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(content.len());
        if let Some(option) = content.get(start..end) {
            options.push(option.trim());
        }
    }
    options
}

/// `--name=value`, `--name value`, `-xvalue` or `-x value` → (`--name`/`-x`, value).
fn split_option(content: &str) -> (&str, &str) {
    if content.starts_with("--") {
        let end = content
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(content.len());
        let (name, rest) = content.split_at(end);
        let rest = rest.strip_prefix('=').unwrap_or(rest);
        return (name, rest.trim());
    }
    let mut characters = content.char_indices();
    characters.next();
    let end = characters
        .next()
        .map_or(content.len(), |(offset, character)| {
            offset + character.len_utf8()
        });
    let (name, rest) = content.split_at(end);
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    (name, rest.trim())
}

/// An option's value without quotes and without a trailing `; marker` (uv accepts markers on
/// options; airlock records the option either way).
fn option_value(value: &str) -> String {
    let value = value.split(';').next().unwrap_or(value).trim();
    let unquoted = value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .or_else(|| {
            value
                .strip_prefix('\'')
                .and_then(|inner| inner.strip_suffix('\''))
        })
        .unwrap_or(value);
    unquoted.to_owned()
}

/// `-e X`, `-eX`, `--editable X`, `--editable=X` → `X`.
fn strip_editable(content: &str) -> Option<&str> {
    let rest = content
        .strip_prefix("--editable")
        .or_else(|| content.strip_prefix("-e"))?;
    let rest = rest.strip_prefix('=').unwrap_or(rest);
    Some(rest.trim())
}

/// Splits `requirement --hash=a -C key=value` into the requirement and its per-line options,
/// as pip's `break_args_options` does: the options start at the first word that starts with
/// `-`. Short options are given their long names (`-C` is `--config-settings`).
fn split_line_options(content: &str) -> (&str, Vec<(String, String)>) {
    let mut start = None;
    let mut previous_is_space = false;
    for (offset, character) in content.char_indices() {
        if previous_is_space && character == '-' {
            start = Some(offset);
            break;
        }
        previous_is_space = character.is_whitespace();
    }
    let Some(start) = start else {
        return (content, Vec::new());
    };
    let (requirement, options_text) = content.split_at(start);
    let mut options = Vec::new();
    let mut tokens = options_text.split_whitespace().peekable();
    while let Some(token) = tokens.next() {
        if let Some(long) = token.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => options.push((format!("--{name}"), value.to_owned())),
                None => {
                    let value = match tokens.peek() {
                        Some(next) if !next.starts_with('-') => tokens.next().unwrap_or_default(),
                        _ => "",
                    };
                    options.push((token.to_owned(), value.to_owned()));
                }
            }
            continue;
        }
        let Some(short) = token.strip_prefix('-').and_then(|rest| rest.chars().next()) else {
            options.push((token.to_owned(), String::new()));
            continue;
        };
        // optparse: `-Cvalue` or `-C value`.
        let attached = token.get(1 + short.len_utf8()..).unwrap_or_default();
        let value = if attached.is_empty() {
            match tokens.peek() {
                Some(next) if !next.starts_with('-') => tokens.next().unwrap_or_default(),
                _ => "",
            }
        } else {
            attached
        };
        let name = match short {
            'C' => "--config-settings".to_owned(),
            other => format!("-{other}"),
        };
        options.push((name, value.to_owned()));
    }
    (requirement, options)
}

/// True for a requirement written as a URL or a path rather than a PEP 508 name.
fn looks_like_url_or_path(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or(text);
    if first.starts_with('.') || first.starts_with('/') || first.starts_with('~') {
        return true;
    }
    // `name @ url` and `name@url` are PEP 508 direct references.
    if let Some((name, _)) = first.split_once('@') {
        if !name.is_empty() && !name.contains(['/', ':']) {
            return false;
        }
    }
    if first.starts_with("file:") || first.contains("://") {
        return true;
    }
    let before_marker = first.split(';').next().unwrap_or(first);
    // `pkg-1.0-py3-none-any.whl[extra]`: pip and uv take the extras off an archive's name.
    let without_extras = match before_marker.strip_suffix(']') {
        Some(rest) => rest
            .rsplit_once('[')
            .map_or(before_marker, |(archive, _)| archive),
        None => before_marker,
    };
    before_marker.contains('/') || distribution_file_name(without_extras).is_some()
}

/// Separates a URL or path requirement from its marker (`url ; marker`, `path; marker`).
fn split_url_marker(text: &str) -> (&str, Option<&str>) {
    match text.split_once(" ;").or_else(|| text.split_once("; ")) {
        Some((target, marker)) => (target.trim(), Some(marker.trim())),
        None => match text.split_once(';') {
            Some((target, marker)) if !target.contains("://") => {
                (target.trim(), Some(marker.trim()))
            }
            _ => (text.trim(), None),
        },
    }
}

/// A remote URL whose authority names no host (`https:///`, `https://user@:80/`).
fn remote_without_host(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    if scheme.ends_with("file") {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_and_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_and_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_and_port.split(':').next().unwrap_or_default(),
    };
    host.is_empty()
}

/// `a, b` inside `[…]`: each a valid name, none empty (`d,` is not, `` is: no extras).
fn valid_extras(written: &str) -> bool {
    written.trim().is_empty()
        || written
            .split(',')
            .all(|extra| is_distribution_name(extra.trim()))
}

/// A valid PEP 508 name: ASCII letters and digits, with `.`, `-` or `_` only between them.
fn is_distribution_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// `name[a,b]` → (`name`, [a, b]).
fn split_trailing_extras(text: &str) -> (&str, Vec<String>) {
    let Some(without) = text.strip_suffix(']') else {
        // An unterminated `[extras` after a name is dropped (the name is still read).
        return match text.rsplit_once('[') {
            Some((target, _)) if !target.is_empty() => (target, Vec::new()),
            _ => (text, Vec::new()),
        };
    };
    let Some((target, extras)) = without.rsplit_once('[') else {
        return (text, Vec::new());
    };
    let mut extras: Vec<String> = extras
        .split(',')
        .map(|extra| extra.trim().to_owned())
        .filter(|extra| !extra.is_empty())
        .collect();
    extras.sort();
    extras.dedup();
    (target, extras)
}

/// `file:./x`, `file:///abs/x`, `./x` → a path to join onto the file's directory.
fn local_path_of(text: &str) -> String {
    let path = match text.strip_prefix("file://") {
        Some(rest) => rest.strip_prefix("localhost").unwrap_or(rest),
        None => text.strip_prefix("file:").unwrap_or(text),
    };
    path.to_owned()
}

/// Replaces the password of `scheme://user:password@host` with `***`: reports must not carry
/// tokens copied from an index URL.
pub(crate) fn redact_credentials(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = url.get(authority_start..).unwrap_or_default();
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or_default();
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let user = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        // A lone token in the user position (`https://TOKEN@host`) is a secret too, unless it
        // is the conventional `git` user.
        None if userinfo == "git" => userinfo.to_owned(),
        None => "***".to_owned(),
    };
    format!(
        "{}{user}@{host}{}",
        url.get(..authority_start).unwrap_or_default(),
        rest.get(authority_end..).unwrap_or_default()
    )
}

/// The repository's last path segment (without `@rev` and `.git`) as a package name, for a VCS
/// requirement that names no package.
fn guess_name_from_url(url: &str) -> Option<PackageName> {
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    let last = last.split('@').next().unwrap_or(last);
    let last = last.strip_suffix(".git").unwrap_or(last);
    package_name(last).ok()
}

/// The name and version a wheel or sdist file name tells: `pkg-1.0-py3-none-any.whl`,
/// `pkg-1.0.tar.gz`.
fn distribution_file_name(file_name: &str) -> Option<(String, Option<String>)> {
    if let Some(stem) = file_name.strip_suffix(".whl") {
        // `name-version(-build)?-python-abi-platform`: anything else is no wheel, which pip
        // (`InvalidWheelFilename`) and uv refuse (`wheel-*.whl`, from uv-pep508's tests).
        let parts: Vec<&str> = stem.split('-').collect();
        if !(5..=6).contains(&parts.len()) || parts.iter().any(|part| part.is_empty()) {
            return None;
        }
        let mut parts = parts.into_iter();
        let name = parts.next()?.to_owned();
        let version = parts.next().map(str::to_owned);
        return Some((name, version));
    }
    let stem = [".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip"]
        .iter()
        .find_map(|extension| file_name.strip_suffix(extension))?;
    match stem.rsplit_once('-') {
        Some((name, version)) => Some((name.to_owned(), Some(version.to_owned()))),
        None => Some((stem.to_owned(), None)),
    }
}

/// The name and version of an archive: the requirement's name wins; the file's version is used
/// only when the file is a distribution of that same name.
fn identity_from_file(
    name: Option<PackageName>,
    from_file: Option<(String, Option<String>)>,
) -> (Option<PackageName>, Option<String>) {
    let Some((file_name, file_version)) = from_file else {
        return (name, None);
    };
    let Ok(file_package) = package_name(&file_name) else {
        return (name, None);
    };
    let version = file_version.and_then(|version| normalized_version(&version).ok());
    match name {
        Some(name) if name == file_package => (Some(name), version),
        Some(name) => (Some(name), None),
        None => (Some(file_package), version),
    }
}

/// The name and version of the project in a local directory, read by the same parser that makes
/// project roots (so `-e ./lib` and `lib`'s own lockfile agree on its key). `None` when there is
/// no readable `pyproject.toml` naming a project; its problems are reported by whichever
/// extractor reads it as a manifest.
pub(crate) fn local_project(
    files: &dyn FileReader,
    directory: &str,
) -> Option<(PackageName, Option<String>)> {
    let path = join_path(directory, "pyproject.toml");
    let bytes = files.read(&path).ok()?;
    let project = PyProject::parse(&path, &bytes).ok()?;
    Some((project.name?, project.version))
}

/// `numpy >=1.19, <2.0, ; marker` → `numpy >=1.19, <2.0 ; marker`, `numpy(>=1,)` →
/// `numpy(>=1)`: the one comma after the last specifier taken off (packaging's
/// `_parse_version_many` reads a comma and stops at what is no specifier), or `None` when there
/// is none. A comma after nothing (`numpy(,)`, `numpy>=1,,`) stays, and is refused.
fn without_trailing_specifier_comma(text: &str) -> Option<String> {
    // Only before the marker, and never in a direct reference (a URL holds commas).
    let end = text.find(';').unwrap_or(text.len());
    let head = text.get(..end)?;
    if head.contains('@') {
        return None;
    }
    let closing = head.trim_end().strip_suffix(')').is_some();
    let inside = head.trim_end().trim_end_matches(')').trim_end();
    let before = inside.strip_suffix(',')?;
    if before.trim_end().ends_with([',', '(']) || !before.contains(['<', '>', '=', '~', '!']) {
        return None;
    }
    let rest = text.get(end..)?;
    let closing = if closing { ")" } else { "" };
    let spacing = if rest.is_empty() { "" } else { " " };
    Some(format!("{}{closing}{spacing}{rest}", before.trim_end()))
}

/// `name ( ) ; marker` → `name ; marker`: the requirement without its empty parentheses, or
/// `None` when it has none.
fn without_empty_parentheses(text: &str) -> Option<String> {
    let open = text.find('(')?;
    let after = text.get(open + 1..)?;
    let close = after.find(')')?;
    if !after.get(..close)?.trim().is_empty() {
        return None;
    }
    Some(format!("{}{}", text.get(..open)?, after.get(close + 1..)?))
}

/// A pin pep508 refused, read loosely: `name[extras]==text ; marker` with any version text.
fn loose_pin(text: &str) -> Option<(PackageName, String, Vec<String>, Option<String>)> {
    let (requirement, marker) = match text.split_once(';') {
        Some((requirement, marker)) => (requirement, Some(marker.trim().to_owned())),
        None => (text, None),
    };
    let (head, version) = requirement
        .split_once("===")
        .or_else(|| requirement.split_once("=="))?;
    let version = version.trim();
    if version.is_empty() || version.contains(|c: char| c.is_whitespace() || c == ',') {
        return None;
    }
    let (name, extras) = split_trailing_extras(head.trim());
    let valid_name = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid_name {
        return None;
    }
    let name = package_name(name).ok()?;
    Some((
        name,
        version.to_owned(),
        extras,
        marker.filter(|marker| !marker.is_empty()),
    ))
}

#[cfg(test)]
mod tests;
