//! The link stage: everything that needs more than one file. Parsers read one file each and
//! return components, references and diagnostics (see [`crate::extract::Extraction`]); this
//! stage joins manifests to the lockfiles that lock them and workspaces to their members, using
//! the [`crate::extract::Role`] of each format row as the join table, resolves references that
//! name packages with one policy ([`resolve`]), and merges everything into one graph. Dangling
//! and ambiguous references are reported here and nowhere else. `docs/linking.md` documents the
//! join table and the rows of the policy.

pub(crate) mod cargo;
pub(crate) mod python;
mod redact;
pub mod resolve;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::component::ComponentKey;
use crate::diagnostic::{Diagnostic, DiagnosticCode, DiagnosticSeverity};
use crate::ecosystem::Ecosystem;
use crate::extract::cargo::metadata::CargoGraphSource;
use crate::extract::{
    parent_directory, strip_directory, Extraction, ExtractorId, Format, Input, Join,
    ProjectManifest, Reference, Role, Target, MAX_JOINED_MANIFESTS,
};
use crate::graph::{DependencyGraph, GraphBuilder};
use crate::location::Location;
use crate::name::PackageName;

pub use resolve::{
    resolve, settle, targets, targets_with, NoneAllowed, Origin, Repeats, Resolution,
};

/// One file as the driver extracted it: the input of [`link`].
#[derive(Debug)]
pub struct Extracted {
    /// Scan-relative, `/`-separated.
    pub path: String,
    /// The format row that read it.
    pub format: &'static Format,
    /// The parser's result, or why the file could not be read or parsed.
    pub outcome: Result<Extraction, Diagnostic>,
    /// Further files the parser read (includes, zip members), listed among the scanned files.
    pub read_files: Vec<String>,
    /// Read only because a lockfile named on the command line may join it (a manifest of the
    /// lock's directory tree): used when a lock joins it, otherwise dropped without a word.
    pub join_only: bool,
    /// Where the file is on disk, for enrichers that run a tool on it (`cargo metadata`).
    pub disk_path: Option<PathBuf>,
}

impl Extracted {
    /// A file the driver found (or a test made) with its outcome.
    pub fn new(
        path: impl Into<String>,
        format: &'static Format,
        outcome: Result<Extraction, Diagnostic>,
    ) -> Extracted {
        Extracted {
            path: path.into(),
            format,
            outcome,
            read_files: Vec::new(),
            join_only: false,
            disk_path: None,
        }
    }

    /// Parses in-memory bytes with the format's parser (tests, benchmarks, fuzzing).
    pub fn parse(path: &str, format: &'static Format, bytes: &[u8]) -> Extracted {
        let outcome = format
            .extract(&Input::new(path, bytes))
            .map_err(|error| error.to_diagnostic());
        Extracted::new(path, format, outcome)
    }
}

/// How the link stage runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct LinkOptions<'a> {
    /// Where to get the feature-resolved graph of each Cargo workspace (`--cargo-metadata`);
    /// `None` reads lockfiles only.
    pub cargo_graph: Option<&'a dyn CargoGraphSource>,
}

/// A file whose content is part of the result, and the format that read it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ScannedFile {
    /// Scan-relative, `/`-separated.
    pub path: String,
    /// The format that read it (a joined manifest: the lock's format).
    pub extractor: ExtractorId,
}

/// What the link stage made of the extracted files.
#[derive(Debug, Clone)]
pub struct Linked {
    /// The linked graph.
    pub graph: DependencyGraph,
    /// Sorted and free of duplicates.
    pub diagnostics: Vec<Diagnostic>,
    /// Every (file, format) pair that produced a result, including the manifests a lockfile
    /// joined (listed under the lock's format) and the files parsers read, sorted.
    pub files: Vec<ScannedFile>,
}

/// Links extracted files into one graph: joins, resolution, merge. The order of `files` does
/// not matter (they are sorted by path and format id first).
pub fn link(mut files: Vec<Extracted>, options: &LinkOptions<'_>) -> Linked {
    files.sort_by(|a, b| (&a.path, a.format.id).cmp(&(&b.path, b.format.id)));
    let mut joins = join_cargo(&mut files, options);
    let python = join_python(&mut files, &mut joins);

    let mut diagnostics = Vec::new();
    let mut extractions = Vec::new();
    let mut listed = Vec::new();
    // The wheels and sdists of one directory are one unit: a wheelhouse, whose `Requires-Dist`
    // names resolve among each other ([`Origin::Wheelhouse`]).
    let mut wheelhouses: BTreeMap<String, Extraction> = BTreeMap::new();
    for (index, file) in files.into_iter().enumerate() {
        let extraction = match file.outcome {
            Ok(extraction) => extraction,
            // A `pyproject.toml` read only for a lock named alone is parsed for the lock: when
            // the lock joins it, its problem is the lock's; otherwise it was never asked for.
            Err(diagnostic)
                if file.join_only
                    && file.format.role == Role::Manifest(Ecosystem::PyPI)
                    && is_parse_failure(&diagnostic) =>
            {
                continue
            }
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let (mut extraction, joined) = match joins.assembled.remove(&index) {
            Some(assembled) => (assembled.extraction, assembled.accounted),
            None if file.join_only || joins.consumes(&file.path, file.format) => continue,
            None => (extraction, Vec::new()),
        };
        extraction.manifest = None;
        extraction.project = None;
        // A file that gave nothing at all (a README.md that is no model card) was looked at,
        // not used: it is not an input of the result.
        if is_empty(&extraction) && joined.is_empty() && file.read_files.is_empty() {
            continue;
        }
        let extractor = file.format.id;
        let wheelhouse = [
            crate::extract::python::wheel::ID,
            crate::extract::python::sdist::ID,
        ]
        .contains(&extractor)
        .then(|| parent_directory(&file.path).to_owned());
        listed.push(ScannedFile {
            path: file.path,
            extractor,
        });
        // Manifests the lock accounts for are inputs too (attestations hash them).
        for path in joined.into_iter().chain(file.read_files) {
            listed.push(ScannedFile { path, extractor });
        }
        if let Some(directory) = wheelhouse {
            let unit = wheelhouses.entry(directory).or_default();
            unit.components.extend(extraction.components);
            unit.references.extend(extraction.references);
            unit.roots.extend(extraction.roots);
            unit.diagnostics.extend(extraction.diagnostics);
            continue;
        }
        extractions.push(extraction);
    }
    extractions.extend(wheelhouses.into_values());

    diagnostics.extend(python);
    let graph = merge(extractions, &mut diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    listed.sort();
    listed.dedup();
    Linked {
        graph,
        diagnostics,
        files: listed,
    }
}

/// The directories of the vendored crates (`cargo vendor`) among the files.
fn vendored_directories(files: &[Extracted]) -> BTreeSet<&str> {
    files
        .iter()
        .filter(|file| file.format.id == crate::extract::cargo::vendored::ID)
        .filter(|file| file.outcome.is_ok())
        .map(|file| parent_directory(&file.path))
        .collect()
}

fn is_empty(extraction: &Extraction) -> bool {
    extraction.components.is_empty()
        && extraction.references.is_empty()
        && extraction.roots.is_empty()
        && extraction.diagnostics.is_empty()
}

/// A lock's extraction joined with its manifests, and the manifests it accounts for (they are
/// not read again on their own).
pub(crate) struct Assembled {
    pub(crate) extraction: Extraction,
    pub(crate) accounted: Vec<String>,
}

/// The joins of one link run: each lock's joined extraction, by its index among the sorted
/// files, and the manifests they account for.
#[derive(Default)]
struct Joins {
    assembled: BTreeMap<usize, Assembled>,
    /// Paths of the manifests a lock accounts for, with the ecosystem of those manifests, and
    /// of the `Cargo.toml` and `Cargo.lock` of vendored crates (read by their checksum file).
    consumed: BTreeSet<(Ecosystem, String)>,
}

impl Joins {
    /// Is this file a manifest a lock accounts for, or a vendored crate's own manifest or lock
    /// (so it is not read on its own)?
    fn consumes(&self, path: &str, format: &Format) -> bool {
        match format.role {
            Role::Manifest(ecosystem) => self.consumed.contains(&(ecosystem, path.to_owned())),
            // A vendored crate's own `Cargo.lock` (see [`join_cargo`]).
            Role::Lock(Join::CargoWorkspace) => self
                .consumed
                .contains(&(Ecosystem::CratesIo, path.to_owned())),
            Role::Lock(_) | Role::Standalone => false,
        }
    }
}

/// Joins each `Cargo.lock` ([`Join::CargoWorkspace`]) with the `Cargo.toml` files at or below
/// its directory, then refines it with the resolved graph when the options ask for one.
fn join_cargo(files: &mut [Extracted], options: &LinkOptions<'_>) -> Joins {
    let vendored: BTreeSet<String> = vendored_directories(files)
        .into_iter()
        .map(str::to_owned)
        .collect();
    // The locks' extractions are taken out and consumed by the join: a large lock is not held
    // twice (parsed and joined) at the peak of its scan. A vendored crate's own lock is not
    // joined and keeps its extraction.
    let mut taken: BTreeMap<usize, Extraction> = BTreeMap::new();
    for (index, file) in files.iter_mut().enumerate() {
        if file.format.role == Role::Lock(Join::CargoWorkspace)
            && !vendored.contains(parent_directory(&file.path))
        {
            if let Ok(extraction) = &mut file.outcome {
                taken.insert(index, std::mem::take(extraction));
            }
        }
    }
    let files: &[Extracted] = files;
    let manifests: Vec<(&str, cargo::Candidate<'_>)> = files
        .iter()
        .filter(|file| file.format.role == Role::Manifest(Ecosystem::CratesIo))
        .filter(|file| !vendored.contains(parent_directory(&file.path)))
        .filter_map(|file| {
            let candidate = match &file.outcome {
                Ok(extraction) => match &extraction.manifest {
                    Some(ProjectManifest::Cargo(manifest)) => cargo::Candidate::Parsed(manifest),
                    Some(ProjectManifest::Python(_)) | None => return None,
                },
                Err(diagnostic) if is_parse_failure(diagnostic) => {
                    cargo::Candidate::Unreadable(&file.path, diagnostic)
                }
                // Not read at all (too large, not a regular file): as if absent.
                Err(_) => return None,
            };
            Some((file.path.as_str(), candidate))
        })
        .collect();
    let locks: Vec<(usize, &Extracted, Extraction)> = taken
        .into_iter()
        .filter_map(|(index, lock)| Some((index, files.get(index)?, lock)))
        .collect();
    // Locks are joined in parallel, as their parsers ran: a large workspace's join is the
    // longest part of its scan.
    let assembled: Vec<(usize, Assembled)> = locks
        .into_par_iter()
        .map(|(index, file, lock)| {
            let directory = parent_directory(&file.path);
            let below: Vec<(&str, &cargo::Candidate<'_>)> = manifests
                .iter()
                .filter_map(|(path, candidate)| {
                    Some((strip_directory(directory, path)?, candidate))
                })
                .collect();
            // The same cap as for a lock named alone, whose directory the driver walks for its
            // manifests: a tree with more is joined with its root manifest and the first others
            // in path order only.
            let capped = below.len() > MAX_JOINED_MANIFESTS;
            let mut others = 0_usize;
            let candidates: Vec<&cargo::Candidate<'_>> = below
                .into_iter()
                .filter(|(relative, _)| {
                    !capped || *relative == "Cargo.toml" || {
                        others += 1;
                        others < MAX_JOINED_MANIFESTS
                    }
                })
                .map(|(_, candidate)| candidate)
                .collect();
            let mut assembled = cargo::assemble(file.format.id, &file.path, lock, &candidates);
            if let (Some(source), Some(disk_path)) = (options.cargo_graph, &file.disk_path) {
                if let Err(reason) = crate::extract::cargo::metadata::refine(
                    source,
                    disk_path,
                    &file.path,
                    &mut assembled.extraction,
                ) {
                    assembled.extraction.diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::CargoMetadataFallback,
                        Location::file(&file.path),
                        format!("cargo metadata failed ({reason}); read the lockfile directly"),
                    ));
                }
            }
            if capped {
                assembled
                    .extraction
                    .diagnostics
                    .push(too_many_manifests(&file.path, Join::CargoWorkspace));
            }
            (index, assembled)
        })
        .collect();
    let mut joins = Joins::default();
    // The packaged `Cargo.toml` of a vendored crate is read by its `.cargo-checksum.json` row
    // (a crates.io package), never as a local project of its own; the crate's own `Cargo.lock`
    // (its development lock, which cargo ignores for a dependency) is not read either.
    joins.consumed.extend(
        files
            .iter()
            .filter(|file| {
                matches!(
                    file.format.role,
                    Role::Manifest(Ecosystem::CratesIo) | Role::Lock(Join::CargoWorkspace)
                )
            })
            .filter(|file| vendored.contains(parent_directory(&file.path)))
            .map(|file| (Ecosystem::CratesIo, file.path.clone())),
    );
    for (index, assembled) in assembled {
        joins.consumed.extend(
            assembled
                .accounted
                .iter()
                .map(|path| (Ecosystem::CratesIo, path.clone())),
        );
        joins.assembled.insert(index, assembled);
    }
    joins
}

/// Joins each Python lock ([`Join::PyProject`], [`Join::UvWorkspace`]) with the
/// `pyproject.toml` files at or below its directory ([`python::join`]). The joined extractions
/// go to `joins`; returned are the diagnostics of locks that could not be parsed but were read
/// (the manifest cap is counted for every lock read, as its manifests are looked for then).
fn join_python(files: &mut [Extracted], joins: &mut Joins) -> Vec<Diagnostic> {
    let is_python_lock = |file: &Extracted| {
        matches!(
            file.format.role,
            Role::Lock(Join::PyProject | Join::UvWorkspace)
        )
    };
    // The locks' extractions are taken out, to be joined while the manifests are borrowed.
    let mut locks: Vec<(usize, Extraction)> = Vec::new();
    for (index, file) in files.iter_mut().enumerate() {
        if is_python_lock(file) {
            if let Ok(extraction) = &mut file.outcome {
                locks.push((index, std::mem::take(extraction)));
            }
        }
    }
    let files: &[Extracted] = files;
    let manifests: Vec<(&str, python::Candidate<'_>)> = files
        .iter()
        .filter(|file| file.format.role == Role::Manifest(Ecosystem::PyPI))
        .filter_map(|file| {
            let candidate = match &file.outcome {
                Ok(extraction) => match &extraction.manifest {
                    Some(ProjectManifest::Python(project)) => python::Candidate::Parsed(project),
                    Some(ProjectManifest::Cargo(_)) | None => return None,
                },
                Err(diagnostic) if is_parse_failure(diagnostic) => {
                    python::Candidate::Unreadable(diagnostic)
                }
                // Not read at all (too large, not a regular file): as if absent.
                Err(_) => return None,
            };
            Some((file.path.as_str(), candidate))
        })
        .collect();
    // The manifests at or below a lock's directory, capped as for a lock named alone: the
    // project's own manifest and the first others in path order.
    let below = |lock: &Extracted| {
        let directory = parent_directory(&lock.path);
        let own = python::project_manifest_path(directory);
        let below: Vec<(&str, python::Candidate<'_>)> = manifests
            .iter()
            .filter(|(path, _)| strip_directory(directory, path).is_some())
            .copied()
            .collect();
        let capped = below.len() > MAX_JOINED_MANIFESTS;
        let mut others = 0_usize;
        let kept: Vec<(&str, python::Candidate<'_>)> = below
            .into_iter()
            .filter(|(path, _)| {
                !capped || *path == own || {
                    others += 1;
                    others < MAX_JOINED_MANIFESTS
                }
            })
            .collect();
        (kept, capped)
    };
    for (index, mut extraction) in locks {
        let Some(file) = files.get(index) else {
            continue;
        };
        let Role::Lock(join) = file.format.role else {
            continue;
        };
        let (manifests, capped) = below(file);
        let accounted = python::join(
            file.format.id,
            &file.path,
            join,
            &mut extraction,
            &manifests,
        );
        if capped {
            extraction
                .diagnostics
                .push(too_many_manifests(&file.path, join));
        }
        joins
            .consumed
            .extend(accounted.iter().map(|path| (Ecosystem::PyPI, path.clone())));
        joins.assembled.insert(
            index,
            Assembled {
                extraction,
                accounted,
            },
        );
    }
    // A lock that was read but not parsed still had its manifests looked for.
    files
        .iter()
        .filter(|file| is_python_lock(file))
        .filter(|file| {
            matches!(&file.outcome, Err(diagnostic) if is_parse_failure(diagnostic)
                || diagnostic.code == DiagnosticCode::InternalError)
        })
        .filter(|file| below(file).1)
        .filter_map(|file| match file.format.role {
            Role::Lock(join) => Some(too_many_manifests(&file.path, join)),
            Role::Manifest(_) | Role::Standalone => None,
        })
        .collect()
}

/// A Python lock's extraction joined as [`link`] joins it with the `pyproject.toml` beside it
/// (when `files` holds one), and the manifests it accounts for: the parsers' unit tests see
/// what their extraction becomes.
#[cfg(test)]
pub(crate) fn joined_lock(
    format: &'static Format,
    path: &str,
    extraction: Extraction,
    files: &dyn crate::extract::FileReader,
) -> (Extraction, Vec<String>) {
    let manifest = python::project_manifest_path(parent_directory(path));
    let mut files: Vec<Extracted> = files
        .read(&manifest)
        .into_iter()
        .map(|bytes| {
            Extracted::parse(
                &manifest,
                &crate::extract::python::pyproject::FORMAT,
                &bytes,
            )
        })
        .collect();
    files.push(Extracted::new(path, format, Ok(extraction)));
    files.sort_by(|a, b| (&a.path, a.format.id).cmp(&(&b.path, b.format.id)));
    let mut joins = Joins::default();
    join_python(&mut files, &mut joins);
    let index = files.iter().position(|file| file.path == path);
    match index.and_then(|index| joins.assembled.remove(&index)) {
        Some(assembled) => (assembled.extraction, assembled.accounted),
        None => (Extraction::default(), Vec::new()),
    }
}

/// The warning for a lock with more than [`MAX_JOINED_MANIFESTS`] manifests at or below its
/// directory, worded as when the driver stops collecting them for a lock named alone (the two
/// are then one diagnostic).
pub(crate) fn too_many_manifests(lock: &str, join: Join) -> Diagnostic {
    Diagnostic::warning(
        DiagnosticCode::ReadError,
        Location::file(lock),
        format!(
            "more than {MAX_JOINED_MANIFESTS} {} files below this file; the rest were not read",
            join.manifest_name()
        ),
    )
}

/// Whether a file's error outcome comes from its parser (the file exists and was read, but is
/// not a manifest airlock can read) rather than from reading it.
fn is_parse_failure(diagnostic: &Diagnostic) -> bool {
    matches!(
        diagnostic.code,
        DiagnosticCode::ParseError | DiagnosticCode::UnsupportedFormatVersion
    )
}

/// Merges extractions that need no joining (each is linked on its own): components by key,
/// then each extraction's references, named ones resolved among the extraction's own
/// components by their [`Origin`] row.
pub fn merge(
    mut extractions: Vec<Extraction>,
    diagnostics: &mut Vec<Diagnostic>,
) -> DependencyGraph {
    extractions.iter_mut().for_each(redact::redact_extraction);
    let mut builder = GraphBuilder::with_capacity(
        extractions
            .iter()
            .map(|extraction| extraction.components.len())
            .sum(),
    );
    // The components move into the graph (a copy would hold a large lock's components twice);
    // an extraction keeps only its keys, and only when a named reference is resolved among them.
    let mut candidates: Vec<Candidates> = Vec::with_capacity(extractions.len());
    for extraction in &mut extractions {
        let components = std::mem::take(&mut extraction.components);
        let named = extraction
            .references
            .iter()
            .any(|reference| matches!(reference.to, Target::Named(_)));
        candidates.push(if named {
            Candidates::new(
                components
                    .iter()
                    .map(|component| component.key.clone())
                    .collect(),
            )
        } else {
            Candidates::default()
        });
        for component in components {
            builder.add_component(component);
        }
    }
    // What is left of the extractions once their edges are in the graph (a large lock's
    // thousands of references) is freed on the pool, off the path to the document.
    let mut read = Vec::with_capacity(extractions.len());
    for (mut extraction, keys) in extractions.into_iter().zip(candidates) {
        diagnostics.append(&mut extraction.diagnostics);
        // Each reference is resolved to the numbers of its ends on the pool (lookups only, in
        // runs: a package's references come together and its number is looked up once per
        // run); the edges then go into the graph in the references' order, which decides how
        // the details of an edge reported twice merge, and the diagnostics keep that order.
        let mut references = std::mem::take(&mut extraction.references);
        let builder_ref = &builder;
        let all = references.as_slice();
        let resolved: Vec<Resolved> = all
            .par_iter()
            .enumerate()
            // A small graph's references resolve faster than a sleeping worker wakes.
            .with_min_len(512)
            .map_init(
                || None::<(&ComponentKey, Option<usize>)>,
                |from_number, (index, reference)| {
                    resolve_reference(builder_ref, all, index, reference, &keys, from_number)
                },
            )
            .collect();
        // The conditions move into the graph (copied only for a reference with several ends);
        // the rest of each reference is freed on the pool below.
        for (reference, (ends, mut found)) in references.iter_mut().zip(resolved) {
            let mut conditions = Some(std::mem::take(&mut reference.conditions));
            let count = ends.len();
            for (number, (from, to)) in ends.into_iter().enumerate() {
                let details = if number + 1 == count {
                    conditions.take().unwrap_or_default()
                } else {
                    conditions.clone().unwrap_or_default()
                };
                builder.add_edge_owned(from, to, reference.kind, details);
            }
            diagnostics.append(&mut found);
        }
        extraction.references = references;
        for root in &extraction.roots {
            builder.add_root(root);
        }
        read.push((extraction, keys));
    }
    rayon::spawn(move || drop(read));
    builder.build()
}

/// The keys of one extraction, among which its named references are resolved.
#[derive(Debug, Default)]
struct Candidates {
    /// In the order the extraction listed them, which [`resolve`] needs.
    keys: Vec<ComponentKey>,
    /// Positions in `keys`, sorted by ecosystem and name; the sort is stable, so the positions
    /// of one name keep the extraction's order.
    by_name: Vec<usize>,
}

impl Candidates {
    fn new(keys: Vec<ComponentKey>) -> Candidates {
        let mut by_name: Vec<usize> = (0..keys.len()).collect();
        by_name.sort_by_key(|&position| keys.get(position).map(|key| (key.ecosystem, &key.name)));
        Candidates { keys, by_name }
    }

    /// The keys of `ecosystem` and `name`, in the extraction's order: what [`resolve`] keeps of
    /// all the keys first, found by binary search (a lock's project requirements, each resolved
    /// among every package of the lock, compared every name).
    fn named<'k>(
        &'k self,
        ecosystem: Ecosystem,
        name: &'k PackageName,
    ) -> impl Iterator<Item = &'k ComponentKey> + 'k {
        let wanted = Some((ecosystem, name));
        let of = |position: &usize| {
            self.keys
                .get(*position)
                .map(|key| (key.ecosystem, &key.name))
        };
        let start = self
            .by_name
            .partition_point(|position| of(position) < wanted);
        let end = self
            .by_name
            .partition_point(|position| of(position) <= wanted);
        self.by_name
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .filter_map(|&position| self.keys.get(position))
    }
}

/// The numbers of the ends of each edge a reference makes, and the diagnostics of resolving it.
type Resolved = (Vec<(usize, usize)>, Vec<Diagnostic>);

/// The numbers of the ends of each edge `reference` (the one at `index` of `references`) makes,
/// with the diagnostics of resolving it and of ends no extractor reported, in that order.
/// `from_number` caches the number of the last referring component.
fn resolve_reference<'r>(
    builder: &GraphBuilder,
    references: &'r [Reference],
    index: usize,
    reference: &'r Reference,
    keys: &Candidates,
    from_number: &mut Option<(&'r ComponentKey, Option<usize>)>,
) -> Resolved {
    let mut diagnostics = Vec::new();
    let found: Vec<&ComponentKey> = match &reference.to {
        Target::Key(key) => vec![key],
        Target::Named(named) => {
            let resolution = resolve(named, keys.named(named.ecosystem, &named.name));
            // Only a declaration that its candidates leave open asks whether the file already
            // links its component to the name (the lock's own edge says which).
            let already_linked = matches!(resolution, Resolution::Unpicked(_))
                && references
                    .get(..index)
                    .unwrap_or_default()
                    .iter()
                    .any(|earlier| {
                        earlier.from == reference.from
                            && match &earlier.to {
                                Target::Key(key) => key.name == named.name,
                                Target::Named(earlier) => earlier.name == named.name,
                            }
                    });
            settle(
                reference,
                named,
                resolution,
                already_linked,
                &mut diagnostics,
            )
        }
    };
    let from = match *from_number {
        Some((key, number)) if *key == reference.from => number,
        _ => {
            let number = builder.number(&reference.from);
            *from_number = Some((&reference.from, number));
            number
        }
    };
    let mut ends = Vec::with_capacity(found.len());
    for target in found {
        match from.zip(builder.number(target)) {
            Some(pair) => ends.push(pair),
            None => diagnostics.push(Diagnostic::new(
                DiagnosticCode::DanglingReference,
                DiagnosticSeverity::Warning,
                reference.location.clone(),
                format!(
                    "an edge from `{}` points at `{target}`, which no extractor reported",
                    reference.from
                ),
            )),
        }
    }
    (ends, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::cargo::{cargo_lock, cargo_toml};

    const MEMBER: &[u8] =
        b"[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\n";

    fn listed(linked: &Linked) -> Vec<(&str, &str)> {
        linked
            .files
            .iter()
            .map(|file| (file.path.as_str(), file.extractor))
            .collect()
    }

    /// The manifest a lock accounts for is listed under the lock and read with it only; when the
    /// lock cannot be read, the manifest is read on its own, as if there were no lock.
    #[test]
    fn a_joined_manifest_is_read_with_its_lock_only() {
        let lock = b"version = 3\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let joined = link(
            vec![
                Extracted::parse("Cargo.toml", &cargo_toml::FORMAT, MEMBER),
                Extracted::parse("Cargo.lock", &cargo_lock::FORMAT, lock),
            ],
            &LinkOptions::default(),
        );
        assert_eq!(
            listed(&joined),
            [
                ("Cargo.lock", "cargo/cargo-lock"),
                ("Cargo.toml", "cargo/cargo-lock")
            ]
        );
        let versions: Vec<Option<&str>> = joined
            .graph
            .components()
            .map(|component| component.key.version.as_deref())
            .collect();
        assert_eq!(
            versions,
            [Some("0.1.0"), Some("1.0.200")],
            "locked, not ranges"
        );
        assert!(joined.diagnostics.is_empty(), "{:?}", joined.diagnostics);

        let unreadable = link(
            vec![
                Extracted::parse("Cargo.toml", &cargo_toml::FORMAT, MEMBER),
                Extracted::parse("Cargo.lock", &cargo_lock::FORMAT, b"version = 9\n"),
            ],
            &LinkOptions::default(),
        );
        assert_eq!(listed(&unreadable), [("Cargo.toml", "cargo/cargo-toml")]);
        let codes: Vec<&str> = unreadable
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code.as_str())
            .collect();
        assert_eq!(codes, ["unsupported-format-version"]);
    }

    /// A manifest read only because a lock named alone may join it gives nothing when the lock
    /// does not account for it.
    #[test]
    fn an_unjoined_join_only_manifest_is_dropped() {
        let mut other = Extracted::parse("other/Cargo.toml", &cargo_toml::FORMAT, MEMBER);
        other.join_only = true;
        let lock = b"version = 3\n[[package]]\nname = \"top\"\nversion = \"0.1.0\"\n";
        let linked = link(
            vec![
                other,
                Extracted::parse(
                    "Cargo.toml",
                    &cargo_toml::FORMAT,
                    b"[package]\nname = \"top\"\nversion = \"0.1.0\"\n",
                ),
                Extracted::parse("Cargo.lock", &cargo_lock::FORMAT, lock),
            ],
            &LinkOptions::default(),
        );
        assert_eq!(
            listed(&linked),
            [
                ("Cargo.lock", "cargo/cargo-lock"),
                ("Cargo.toml", "cargo/cargo-lock")
            ]
        );
        assert_eq!(linked.graph.len(), 1);
    }

    /// The keys of one name come back in the extraction's order, repeats included, whatever
    /// the order of the other names and ecosystems around them: what a filter over all the
    /// keys gives.
    #[test]
    fn candidates_of_a_name_are_the_filtered_keys_in_order() {
        use crate::component::Source;
        let key = |ecosystem: Ecosystem, name: &str, version: &str| {
            ComponentKey::new(
                ecosystem,
                PackageName::new(ecosystem, name).unwrap(),
                Some(version.to_owned()),
                Source::DEFAULT_REGISTRY,
            )
        };
        let keys = vec![
            key(Ecosystem::PyPI, "b", "2"),
            key(Ecosystem::CratesIo, "a", "1"),
            key(Ecosystem::PyPI, "A", "3"),
            key(Ecosystem::PyPI, "b", "1"),
            key(Ecosystem::PyPI, "a", "1"),
            key(Ecosystem::PyPI, "b", "2"),
            key(Ecosystem::PyPI, "c_d", "1"),
        ];
        let candidates = Candidates::new(keys.clone());
        for ecosystem in [Ecosystem::PyPI, Ecosystem::CratesIo, Ecosystem::Npm] {
            for name in ["a", "b", "C.D", "z"] {
                let name = PackageName::new(ecosystem, name).unwrap();
                let filtered: Vec<&ComponentKey> = keys
                    .iter()
                    .filter(|key| key.ecosystem == ecosystem && key.name == name)
                    .collect();
                let found: Vec<&ComponentKey> = candidates.named(ecosystem, &name).collect();
                assert_eq!(found, filtered, "{ecosystem:?} {name}");
            }
        }
        assert_eq!(
            Candidates::default()
                .named(
                    Ecosystem::PyPI,
                    &PackageName::new(Ecosystem::PyPI, "a").unwrap()
                )
                .count(),
            0
        );
    }
}
