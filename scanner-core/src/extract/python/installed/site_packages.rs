//! One `site-packages` directory read whole: every `*.dist-info` and `*.egg-info` in it, every
//! file their `RECORD`s list re-hashed (streamed by the driver's reader, in parallel), the
//! files no `RECORD` lists, the `import` lines of its `.pth` files, and the environment's own
//! root component (its interpreter version from `pyvenv.cfg`, when the environment's root was
//! scanned).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::record::RecordEntry;
use super::{path_configuration, pyvenv_cfg, read_distribution, ID};
use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{join_path, ExtractError, Extraction, FileReader, Reference, Target};
use crate::facts::installed::{FileProblem, FileProblemKind, Integrity, StartupLine};
use crate::location::{Evidence, Location};
use crate::name::PackageName;

/// At most this many files listed by `RECORD`s are re-hashed in one `site-packages`; the
/// rest are reported unverified (a hostile `RECORD` can list a file a million times).
const MAX_HASHED_FILES: usize = 1_000_000;
/// At most this many directory entries are looked at for files no `RECORD` lists.
const MAX_LISTED_ENTRIES: usize = 2_000_000;
/// Directory depth below `site-packages` the search for unrecorded files goes to.
const MAX_DEPTH: usize = 48;
/// The largest `.pth` file read.
const MAX_PTH_BYTES: u64 = 4 * 1024 * 1024;

/// Extensions of files Python runs or loads: sources, path configuration files, and native
/// code and scripts of every platform.
const RUNNABLE_EXTENSIONS: &[&str] = &[
    "py", "pth", "so", "pyd", "dll", "dylib", "exe", "sh", "bat", "cmd", "ps1",
];

/// Reads the `site-packages` directory `directory` (scan-relative).
pub(super) fn read(directory: &str, files: &dyn FileReader) -> Result<Extraction, ExtractError> {
    let entries = files
        .list(directory)
        .map_err(|diagnostic| ExtractError::Parse {
            location: Location::file(directory),
            message: format!("cannot list the directory: {}", diagnostic.message),
        })?;
    let mut extraction = Extraction::default();
    let mut packages = Vec::new();
    let mut records: Vec<(usize, Vec<RecordEntry>)> = Vec::new();
    let mut unknown: BTreeMap<usize, Integrity> = BTreeMap::new();
    let mut recorded: BTreeMap<String, String> = BTreeMap::new();
    for entry in &entries {
        let is_metadata = entry.name.ends_with(".dist-info") || entry.name.ends_with(".egg-info");
        if !is_metadata || entry.is_file {
            continue;
        }
        let metadata_directory = join_path(directory, &entry.name);
        let distribution = read_distribution(&metadata_directory, None, files)?;
        extraction.diagnostics.extend(distribution.diagnostics);
        let mut record_paths: Vec<String> = distribution.listed_without_hashes;
        if let Ok(entries) = &distribution.record {
            record_paths.extend(entries.iter().map(|row| join_path(directory, &row.path)));
        }
        for path in record_paths {
            recorded
                .entry(path)
                .or_insert_with(|| metadata_directory.clone());
        }
        let Some(package) = distribution.package else {
            continue;
        };
        let index = packages.len();
        match distribution.record {
            Ok(entries) => records.push((index, entries)),
            Err(integrity) => {
                unknown.insert(index, integrity);
            }
        }
        packages.push(package);
    }

    let borrowed: Vec<(usize, &[RecordEntry])> = records
        .iter()
        .map(|(index, entries)| (*index, entries.as_slice()))
        .collect();
    let checked = check_files(directory, &borrowed, files);
    extraction.diagnostics.extend(checked.diagnostics);
    let mut integrity: BTreeMap<usize, Integrity> = borrowed
        .iter()
        .map(|(index, _)| *index)
        .zip(checked.integrity)
        .collect();
    integrity.append(&mut unknown);

    let mut environment = environment_component(directory, files)?;
    let facts = environment.facts.installed_mut();
    facts.unrecorded = unrecorded_files(directory, &recorded, files, &mut extraction.diagnostics);
    facts.startup_lines = startup_lines(directory, &entries, &recorded, files);
    let root = environment.key.clone();
    extraction.roots.push(root.clone());
    extraction.components.push(environment);

    for (index, mut package) in packages.into_iter().enumerate() {
        if let Some(found) = integrity.remove(&index) {
            package.component.facts.installed_mut().integrity = Some(found);
        }
        extraction.references.push(Reference {
            from: root.clone(),
            to: Target::Key(package.component.key.clone()),
            kind: EdgeKind::Normal,
            conditions: EdgeDetails::default(),
            location: package
                .component
                .evidence
                .iter()
                .next()
                .map(|evidence| evidence.location.clone()),
        });
        extraction.references.extend(package.requires);
        extraction.references.extend(package.bundled_references);
        extraction.components.push(package.component);
        extraction.components.extend(package.bundled);
    }
    Ok(extraction)
}

/// The environment as a component: a root, named `python-environment`, whose version is the
/// interpreter's when a `pyvenv.cfg` is found (at `../../..` of `lib/pythonX.Y/site-packages`,
/// or `../..` of Windows' `Lib/site-packages`) inside the scanned tree.
fn environment_component(
    directory: &str,
    files: &dyn FileReader,
) -> Result<Component, ExtractError> {
    let mut root_path = directory.to_owned();
    let mut interpreter = None;
    for up in ["../../..", "../.."] {
        let candidate = join_path(directory, up);
        if candidate.starts_with("..") {
            continue;
        }
        if let Ok(bytes) = files.read(&join_path(&candidate, "pyvenv.cfg")) {
            interpreter = pyvenv_cfg::interpreter_version(&String::from_utf8_lossy(&bytes));
            root_path = candidate;
            break;
        }
    }
    let name = PackageName::new(Ecosystem::GenericFile, "python-environment").map_err(|error| {
        ExtractError::Parse {
            location: Location::file(directory),
            message: error.to_string(),
        }
    })?;
    let key = ComponentKey::new(
        Ecosystem::GenericFile,
        name,
        interpreter.clone(),
        Source::File {
            path: root_path.clone(),
        },
    );
    let mut component = Component::new(key, ComponentKind::Application).with_evidence(Evidence {
        location: Location::file(directory),
        extractor: ID,
    });
    let facts = component.facts.installed_mut();
    facts.interpreter_version = interpreter;
    facts.metadata_directory = Some(directory.to_owned());
    Ok(component)
}

/// What re-hashing gave: one [`Integrity`] per `RECORD`, in the order given.
pub(super) struct Checked {
    pub integrity: Vec<Integrity>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What checking one listed file gave.
enum Outcome {
    Verified,
    Problem(FileProblem),
    /// Outside `site-packages` and outside the scanned tree (a script in `bin/` when
    /// `site-packages` itself is scanned): not looked at.
    Outside,
}

/// Re-hashes every file the `RECORD`s list with a hash, in parallel; `site` is the
/// scan-relative `site-packages` the paths are relative to.
pub(super) fn check_files(
    site: &str,
    records: &[(usize, &[RecordEntry])],
    files: &dyn FileReader,
) -> Checked {
    let jobs: Vec<(usize, &RecordEntry)> = records
        .iter()
        .enumerate()
        .flat_map(|(position, (_, entries))| {
            entries
                .iter()
                .filter(|entry| entry.hash.is_some())
                .map(move |entry| (position, entry))
        })
        .collect();
    let over_cap = jobs.len().saturating_sub(MAX_HASHED_FILES);
    let outcomes: Vec<(usize, Outcome)> = jobs
        .par_iter()
        .with_max_len(16)
        .enumerate()
        .map(|(number, (position, entry))| {
            if number >= MAX_HASHED_FILES {
                let problem = FileProblem {
                    path: join_path(site, &entry.path),
                    problem: FileProblemKind::Unverifiable {
                        reason: format!("more than {MAX_HASHED_FILES} files to re-hash"),
                    },
                };
                return (*position, Outcome::Problem(problem));
            }
            (*position, check_one(site, entry, files))
        })
        .collect();
    let mut verified = vec![0_usize; records.len()];
    let mut problems: Vec<Vec<FileProblem>> = vec![Vec::new(); records.len()];
    let mut outside = 0_usize;
    for (position, outcome) in outcomes {
        match outcome {
            Outcome::Verified => {
                if let Some(count) = verified.get_mut(position) {
                    *count += 1;
                }
            }
            Outcome::Problem(problem) => {
                if let Some(list) = problems.get_mut(position) {
                    list.push(problem);
                }
            }
            Outcome::Outside => outside += 1,
        }
    }
    let mut diagnostics = Vec::new();
    if outside > 0 {
        diagnostics.push(Diagnostic::note(
            DiagnosticCode::OutsideScanRoot,
            Location::file(site),
            format!(
                "{outside} files the RECORDs list lie outside site-packages and outside the \
                 scanned tree (scripts in bin/): not re-hashed; scan the environment's root to \
                 check them"
            ),
        ));
    }
    if over_cap > 0 {
        diagnostics.push(Diagnostic::warning(
            DiagnosticCode::ReadError,
            Location::file(site),
            format!(
                "{over_cap} listed files over the cap of {MAX_HASHED_FILES} were not re-hashed"
            ),
        ));
    }
    let integrity = verified
        .into_iter()
        .zip(problems)
        .map(|(verified, mut problems)| {
            problems.sort();
            Integrity::Checked { verified, problems }
        })
        .collect();
    Checked {
        integrity,
        diagnostics,
    }
}

fn check_one(site: &str, entry: &RecordEntry, files: &dyn FileReader) -> Outcome {
    let path = join_path(site, &entry.path);
    let inside_site = crate::extract::strip_directory(site, &path).is_some()
        && !path.starts_with("..")
        && !entry.path.starts_with('/');
    let Some(hash) = &entry.hash else {
        return Outcome::Verified;
    };
    let problem = |problem: FileProblemKind| {
        Outcome::Problem(FileProblem {
            path: path.clone(),
            problem,
        })
    };
    let found = match hash.algorithm.as_str() {
        "sha256" => files
            .digest(&path)
            .map(|digest| (digest.sha256, digest.size)),
        "sha384" | "sha512" => stream_other(&path, &hash.algorithm, files),
        other => {
            return problem(FileProblemKind::Unverifiable {
                reason: format!("RECORD lists a {other} hash, which airlock does not compute"),
            })
        }
    };
    match found {
        Ok((hex, size)) => {
            if hex != hash.hex {
                problem(FileProblemKind::Modified {
                    expected: format!("{}:{}", hash.algorithm, hash.hex),
                    found: format!("{}:{hex}", hash.algorithm),
                })
            } else if entry.size.is_some_and(|listed| listed != size) {
                problem(FileProblemKind::Modified {
                    expected: format!("{} bytes", entry.size.unwrap_or_default()),
                    found: format!("{size} bytes"),
                })
            } else {
                Outcome::Verified
            }
        }
        Err(diagnostic) => match diagnostic.code {
            DiagnosticCode::OutsideScanRoot if !inside_site => Outcome::Outside,
            DiagnosticCode::OutsideScanRoot => problem(FileProblemKind::Unverifiable {
                reason: "it is a link out of the scanned tree; not followed".to_owned(),
            }),
            _ if is_missing(&diagnostic) => problem(FileProblemKind::Missing),
            _ => problem(FileProblemKind::Unverifiable {
                reason: diagnostic.message,
            }),
        },
    }
}

/// A read error that says the file does not exist.
fn is_missing(diagnostic: &Diagnostic) -> bool {
    let message = diagnostic.message.to_ascii_lowercase();
    message.contains("no such file") || message.contains("cannot find the")
}

/// SHA-384 or SHA-512 of a file, streamed through the reader.
fn stream_other(
    path: &str,
    algorithm: &str,
    files: &dyn FileReader,
) -> Result<(String, u64), Diagnostic> {
    use sha2::Digest as _;
    let mut reader = files.open(path)?;
    let mut buffer = vec![0_u8; 64 * 1024];
    let mut size = 0_u64;
    let mut sha384 = sha2::Sha384::new();
    let mut sha512 = sha2::Sha512::new();
    loop {
        let read = match std::io::Read::read(&mut reader, &mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(Diagnostic::error(
                    DiagnosticCode::ReadError,
                    Location::file(path),
                    format!("cannot read: {error}"),
                ))
            }
        };
        let chunk = buffer.get(..read).unwrap_or_default();
        if algorithm == "sha384" {
            sha384.update(chunk);
        } else {
            sha512.update(chunk);
        }
        size += read as u64;
    }
    let hex = if algorithm == "sha384" {
        hex::encode(sha384.finalize())
    } else {
        hex::encode(sha512.finalize())
    };
    Ok((hex, size))
}

/// Python sources, `.pth` files and executables below `site` that no `RECORD` (or
/// `installed-files.txt`) lists, sorted. `__pycache__` directories are left out: Python writes
/// them after installation and imports nothing from them without the source beside it.
fn unrecorded_files(
    site: &str,
    recorded: &BTreeMap<String, String>,
    files: &dyn FileReader,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending: Vec<(String, usize)> = vec![(site.to_owned(), 0)];
    let mut seen = 0_usize;
    let mut visited = BTreeSet::new();
    while let Some((directory, depth)) = pending.pop() {
        if !visited.insert(directory.clone()) {
            continue;
        }
        let Ok(entries) = files.list(&directory) else {
            continue;
        };
        for entry in entries {
            seen += 1;
            if seen > MAX_LISTED_ENTRIES {
                diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::ReadError,
                    Location::file(site),
                    format!(
                        "more than {MAX_LISTED_ENTRIES} entries below this directory; the rest \
                         were not searched for files no RECORD lists"
                    ),
                ));
                found.sort();
                return found;
            }
            let path = join_path(&directory, &entry.name);
            if !entry.is_file {
                if entry.name != "__pycache__" && depth < MAX_DEPTH {
                    pending.push((path, depth + 1));
                }
                continue;
            }
            if recorded.contains_key(&path) {
                continue;
            }
            if is_runnable(&entry.name, &path, files) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A file Python runs or loads: by its extension, or by the first bytes of native code and
/// scripts (ELF, PE, Mach-O, `#!`).
fn is_runnable(name: &str, path: &str, files: &dyn FileReader) -> bool {
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    if extension.is_some_and(|extension| {
        RUNNABLE_EXTENSIONS
            .iter()
            .any(|known| extension.eq_ignore_ascii_case(known))
    }) {
        return true;
    }
    let Ok(mut reader) = files.open(path) else {
        return false;
    };
    let mut magic = [0_u8; 4];
    if std::io::Read::read_exact(&mut reader, &mut magic).is_err() {
        return false;
    }
    magic == *b"\x7fELF"
        || magic.starts_with(b"MZ")
        || magic.starts_with(b"#!")
        || [
            [0xFE, 0xED, 0xFA, 0xCE],
            [0xFE, 0xED, 0xFA, 0xCF],
            [0xCE, 0xFA, 0xED, 0xFE],
            [0xCF, 0xFA, 0xED, 0xFE],
            [0xCA, 0xFE, 0xBA, 0xBE],
        ]
        .contains(&magic)
}

/// The `import` lines of the `.pth` files directly in `site` (the only ones `site` reads).
fn startup_lines(
    site: &str,
    entries: &[crate::extract::DirectoryEntry],
    recorded: &BTreeMap<String, String>,
    files: &dyn FileReader,
) -> Vec<StartupLine> {
    let mut lines = Vec::new();
    for entry in entries {
        if !entry.is_file || !entry.name.to_ascii_lowercase().ends_with(".pth") {
            continue;
        }
        let path = join_path(site, &entry.name);
        if entry.size > MAX_PTH_BYTES {
            lines.push(StartupLine {
                location: Location::file(&path),
                text: format!("({} bytes: too large to read; not inspected)", entry.size),
                recorded_by: recorded.get(&path).cloned(),
            });
            continue;
        }
        let Ok(bytes) = files.read(&path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        for (line, shown) in path_configuration::executable_lines(&text) {
            lines.push(StartupLine {
                location: Location::line(&path, line),
                text: shown,
                recorded_by: recorded.get(&path).cloned(),
            });
        }
    }
    lines
}
