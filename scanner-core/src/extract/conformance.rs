//! The conformance suite (issue 23): cases ported from the package managers' own test suites
//! (pip, packaging, uv, uv's requirements-txt and pep508 crates, poetry, pdm, pipenv, the
//! `cargo-lock` crate, cargo), one folder per package manager under
//! `tests/fixtures/conformance/<manager>/`, each with a `cases.json` table and a
//! `SOURCES.md` giving the repository, path, commit and license of every ported case. The
//! authority for a format is the tool that writes or installs it: each case says what that
//! tool reads, and airlock must read the same, or the case carries `differs` (the reason
//! airlock differs on purpose) and is listed in `docs/conformance.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::DiagnosticSeverity;
use crate::extract::{extractor_by_id, Extraction, Input, MemoryFiles};
use crate::link::{link, Extracted, LinkOptions};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The upstream test (file and test name, or fixture path) the case comes from.
    id: String,
    /// The format row that reads the file (`python/requirements`, `cargo/cargo-lock`, ...).
    format: String,
    /// The path the file is read as.
    path: String,
    /// The file's text, or ...
    #[serde(default)]
    text: Option<String>,
    /// ... its bytes in hexadecimal (encodings), or ...
    #[serde(default)]
    hex: Option<String>,
    /// ... a file of the folder.
    #[serde(default)]
    file: Option<String>,
    /// Other files the read file names (`-r` includes), by path.
    #[serde(default)]
    files: BTreeMap<String, String>,
    expect: Expect,
    /// Why airlock reads this case differently from the package manager, on purpose (the
    /// expectation then describes airlock's reading); listed in `docs/conformance.md`.
    #[serde(default)]
    differs: Option<String>,
    /// The tool refuses the whole file with this message, where airlock reports the entry and
    /// reads the rest (the expectation and `differs` then say how).
    #[serde(default)]
    #[allow(dead_code)]
    tool_refuses: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The file is refused: a substring of the error.
    #[serde(default)]
    error: Option<String>,
    /// Exactly these packages (`name==version`, or `name` when the file pins no version), by
    /// normalized name; the project root a requirements file gets is not counted.
    #[serde(default)]
    packages: Option<Vec<String>>,
    /// Exactly this many packages.
    #[serde(default)]
    count: Option<usize>,
    /// Exactly these warning and error codes, in order of line.
    #[serde(default)]
    diagnostics: Option<Vec<String>>,
    /// Exactly these package names, whatever their versions (URL requirements: the tool
    /// learns the version only by building).
    #[serde(default)]
    names: Option<Vec<String>>,
    /// The file pins no version: what the tool refuses or cannot know is never a version.
    #[serde(default)]
    never_pinned: bool,
    /// Exactly these packages (by normalized name) carry the `unpinned` flag, so the
    /// `unpinned` rule flags them: what the tool refuses or cannot know.
    #[serde(default)]
    unpinned: Option<Vec<String>>,
    /// The project root airlock makes for the file (a script lock's script), which the tool
    /// does not list as a package: present, unversioned, and not counted.
    #[serde(default)]
    project: Option<String>,
    /// These packages, `name source-kind` (`url git`), among others.
    #[serde(default)]
    sources: Vec<String>,
    /// Exactly these dependency edges, `from -> to`, each end `name==version` and, for a
    /// source other than the default registry, its kind after a space (`a==0.2.0 path`):
    /// the graph the tool builds from the file.
    #[serde(default)]
    edges: Option<Vec<String>>,
    /// Exactly these packages (as in `edges`) carry a SHA-256 digest (a lock's checksums).
    #[serde(default)]
    checksums: Option<Vec<String>>,
    /// These git packages, `name reference commit` (`dep1 branch=master 0123…`, `-` for none),
    /// among others: the branch, tag or rev asked for and the commit locked, as the tool reads them.
    #[serde(default)]
    git: Vec<String>,
}

/// A package as `edges` and `checksums` name it.
fn end(key: &crate::component::ComponentKey) -> String {
    let version = key.version.as_deref().unwrap_or("");
    let name = key.name.normalized();
    if key.source == crate::component::Source::DEFAULT_REGISTRY {
        format!("{name}=={version}")
    } else {
        format!("{name}=={version} {}", key.source.kind())
    }
}

/// A git package as `git` names it.
fn git_end(key: &crate::component::ComponentKey) -> Option<String> {
    use crate::component::{GitReference, Source};
    let Source::Git {
        reference, commit, ..
    } = &key.source
    else {
        return None;
    };
    let reference = match reference {
        Some(GitReference::Branch(value)) => format!("branch={value}"),
        Some(GitReference::Tag(value)) => format!("tag={value}"),
        Some(GitReference::Rev(value)) => format!("rev={value}"),
        None => "-".to_owned(),
    };
    Some(format!(
        "{} {reference} {}",
        key.name.normalized(),
        commit.as_deref().unwrap_or("-")
    ))
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/conformance")
}

fn hex_bytes(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// Runs one case; `Err` says how airlock's reading differs from the expectation.
fn run(manager: &Path, case: &Case) -> Result<(), String> {
    let format = extractor_by_id(&case.format).ok_or("unknown format")?;
    let bytes = match (&case.text, &case.hex, &case.file) {
        (Some(text), None, None) => text.clone().into_bytes(),
        (None, Some(hex), None) => hex_bytes(hex),
        (None, None, Some(file)) => {
            std::fs::read(manager.join(file)).map_err(|error| format!("{file}: {error}"))?
        }
        _ => return Err("give one of text, hex, file".to_owned()),
    };
    let files = case
        .files
        .iter()
        .fold(MemoryFiles::new(), |files, (path, text)| {
            files.with(path, text.as_bytes())
        });
    let outcome: Result<Extraction, _> =
        format.extract(&Input::new(&case.path, &bytes).with_files(&files));
    let expect = &case.expect;
    let extraction = match (outcome, &expect.error) {
        (Err(error), Some(wanted)) if error.to_string().contains(wanted.as_str()) => return Ok(()),
        (Err(error), _) => return Err(format!("refused: {error}")),
        (Ok(_), Some(wanted)) => return Err(format!("read, but the tool refuses it ({wanted})")),
        (Ok(extraction), None) => extraction,
    };
    let linked = link(
        vec![Extracted::new(&case.path, format, Ok(extraction))],
        &LinkOptions::default(),
    );
    let packages: Vec<&crate::component::Component> = linked
        .graph
        .components()
        .filter(|component| {
            !component
                .facts
                .python
                .as_ref()
                .is_some_and(|python| python.virtual_project)
        })
        .collect();
    let mut packages = packages;
    if let Some(project) = &expect.project {
        let position = packages
            .iter()
            .position(|component| {
                component.key.name.normalized() == project && component.key.version.is_none()
            })
            .ok_or_else(|| format!("no project root `{project}`"))?;
        packages.remove(position);
    }
    let mut found: Vec<String> = packages
        .iter()
        .map(|component| match &component.key.version {
            Some(version) => format!("{}=={version}", component.key.name.normalized()),
            None => component.key.name.normalized().to_owned(),
        })
        .collect();
    found.sort();
    if let Some(wanted) = &expect.packages {
        let mut wanted = wanted.clone();
        wanted.sort();
        if found != wanted {
            return Err(format!("packages {found:?}, the tool reads {wanted:?}"));
        }
    }
    if let Some(wanted) = &expect.names {
        let mut names: Vec<&str> = packages
            .iter()
            .map(|component| component.key.name.normalized())
            .collect();
        names.sort_unstable();
        let mut wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        if names != wanted {
            return Err(format!("names {names:?}, the tool reads {wanted:?}"));
        }
    }
    if expect.never_pinned {
        if let Some(pinned) = packages
            .iter()
            .find(|component| component.key.version.is_some())
        {
            return Err(format!("pinned {}, which the tool refuses", pinned.key));
        }
    }
    if let Some(wanted) = &expect.unpinned {
        let mut flagged: Vec<&str> = packages
            .iter()
            .filter(|component| {
                component
                    .flags
                    .contains(&crate::component::ComponentFlag::Unpinned)
            })
            .map(|component| component.key.name.normalized())
            .collect();
        flagged.sort_unstable();
        let mut wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        if flagged != wanted {
            return Err(format!("unpinned {flagged:?}, expected {wanted:?}"));
        }
    }
    if let Some(count) = expect.count {
        if found.len() != count {
            return Err(format!("{} packages, the tool reads {count}", found.len()));
        }
    }
    for wanted in &expect.sources {
        let present = packages.iter().any(|component| {
            format!(
                "{} {}",
                component.key.name.normalized(),
                component.key.source.kind()
            ) == *wanted
        });
        if !present {
            return Err(format!("no package `{wanted}`"));
        }
    }
    if let Some(wanted) = &expect.edges {
        let mut edges: Vec<String> = linked
            .graph
            .edges()
            .map(|edge| format!("{} -> {}", end(edge.from), end(edge.to)))
            .collect();
        edges.sort();
        let mut wanted = wanted.clone();
        wanted.sort();
        if edges != wanted {
            return Err(format!("edges {edges:#?}, the tool reads {wanted:#?}"));
        }
    }
    if let Some(wanted) = &expect.checksums {
        let mut hashed: Vec<String> = packages
            .iter()
            .filter(|component| !component.hashes.is_empty())
            .map(|component| end(&component.key))
            .collect();
        hashed.sort();
        let mut wanted = wanted.clone();
        wanted.sort();
        if hashed != wanted {
            return Err(format!(
                "checksums on {hashed:?}, the tool reads {wanted:?}"
            ));
        }
    }
    for wanted in &expect.git {
        if !packages
            .iter()
            .any(|component| git_end(&component.key).as_deref() == Some(wanted.as_str()))
        {
            let found: Vec<String> = packages
                .iter()
                .filter_map(|component| git_end(&component.key))
                .collect();
            return Err(format!("no git package `{wanted}` (read: {found:?})"));
        }
    }
    let codes: Vec<String> = linked
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity <= DiagnosticSeverity::Warning)
        .map(|diagnostic| diagnostic.code.as_str().to_owned())
        .collect();
    match &expect.diagnostics {
        Some(wanted) if *wanted != codes => {
            return Err(format!("diagnostics {codes:?}, expected {wanted:?}"));
        }
        // Without an expectation, a case reads cleanly: no warning and no error, so no
        // reference left dangling or ambiguous (notes stay: a pdm.lock leaves out what none of
        // its targets needs, docs/linking.md).
        None if !codes.is_empty() => {
            let messages: Vec<String> = linked
                .diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.severity <= DiagnosticSeverity::Warning)
                .map(ToString::to_string)
                .collect();
            return Err(format!("unexpected diagnostics {messages:#?}"));
        }
        _ => {}
    }
    Ok(())
}

/// The managers of the suite, in the order `docs/conformance.md` lists them.
const MANAGERS: &[&str] = &[
    "pip",
    "packaging",
    "uv",
    "uv-requirements-txt",
    "pep508",
    "poetry",
    "pdm",
    "pipenv",
    "cargo-lock",
    "cargo",
];

#[test]
fn every_case_reads_as_its_package_manager_reads_it() {
    let documentation = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance.md"),
    )
    .unwrap();
    let mut failures = Vec::new();
    let mut table_lines = Vec::new();
    for manager in MANAGERS {
        let directory = folder().join(manager);
        let text = std::fs::read_to_string(directory.join("cases.json")).unwrap();
        let table: Table = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{manager}/cases.json: {error}"));
        let sources = std::fs::read_to_string(directory.join("SOURCES.md")).unwrap();
        let mut ported = 0;
        let mut same = 0;
        for case in &table.cases {
            ported += 1;
            if let Err(why) = run(&directory, case) {
                failures.push(format!("{manager}: {}: {why}", case.id));
                continue;
            }
            if let Some(file) = &case.file {
                if !sources.contains(file.as_str()) {
                    failures.push(format!("{manager}: {file} has no line in SOURCES.md"));
                }
            }
            match &case.differs {
                None => same += 1,
                Some(_) if !documentation.contains(&case.id) => failures.push(format!(
                    "{manager}: {} differs on purpose but docs/conformance.md does not list it",
                    case.id
                )),
                Some(_) => {}
            }
        }
        table_lines.push(format!(
            "| {manager} | {ported} | {same} | {} |",
            ported - same
        ));
    }
    for line in &table_lines {
        if !documentation.contains(line.as_str()) {
            failures.push(format!("docs/conformance.md lacks the line `{line}`"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
