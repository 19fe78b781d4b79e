//! The scan driver: walks the given paths, picks extractors by file name, reads files under
//! caps, runs extractors in parallel, and hands what they extracted to the link stage
//! ([`crate::link`]), which joins and merges it into one dependency graph.
//!
//! With [`crate::image`] (which opens an image and nothing else), this is the only filesystem
//! code in the core. It never follows a symbolic link out of the scan root, never opens
//! anything but regular files, and never reads more than a format's cap.

use std::fmt;
use std::fs;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ignore::WalkBuilder;

use crate::diagnostic::{Diagnostic, DiagnosticCode, DiagnosticSeverity};
use crate::extract::cargo::metadata::CargoGraphSource;
use crate::extract::{
    DirectoryEntry, FileDigest, FileFacts, FileReader, Format, Input, Join, ReadLimit, ReadSeek,
    Role, FORMATS, MAX_JOINED_MANIFESTS,
};
use crate::graph::DependencyGraph;
use crate::image::{Image, ImageOptions, RemoteImage};
use crate::link::{link, Extracted, LinkOptions};
use crate::location::Location;

pub use crate::link::{merge, ScannedFile};

/// Directory names skipped by default: version control, build output, dependency caches and
/// virtual environments hold copies of other projects, not this one.
pub const DEFAULT_SKIPPED_DIRECTORIES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "target",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
];

/// The names of [`DEFAULT_SKIPPED_DIRECTORIES`] that are virtual environments: walked with
/// [`ScanOptions::include_environments`].
const ENVIRONMENT_DIRECTORIES: &[&str] = &[".venv", "venv"];

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Skip [`DEFAULT_SKIPPED_DIRECTORIES`] and virtual environments (directories holding a
    /// `pyvenv.cfg`).
    pub skip_default_directories: bool,
    /// Where to get the feature-resolved graph of each Cargo workspace found
    /// (`--cargo-metadata`: the CLI runs cargo); `None` reads lockfiles only.
    pub cargo_graph: Option<Arc<dyn CargoGraphSource>>,
    /// Told how far the scan is (files extracted, bytes hashed); the CLI draws a bar from it.
    pub progress: Option<ProgressReporter>,
    /// Files never read, as canonical paths: the run's own output file (`-o`), which would
    /// otherwise be read back as an input when it lies inside a scanned path.
    pub skip_files: Vec<PathBuf>,
    /// Also compute SHA-512 of every file airlock hashes itself, in the same pass as SHA-256
    /// (`--profile bsi-tr-03183-2`, which asks for it; off otherwise, as it costs time).
    pub sha512: bool,
    /// Walk into virtual environments and read installed packages (`--include-environments`).
    /// Without it, installed environments are read only when a path argument is one (a venv's
    /// root, a `site-packages` directory, or a path inside one).
    pub include_environments: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            skip_default_directories: true,
            cargo_graph: None,
            progress: None,
            skip_files: Vec::new(),
            sha512: false,
            include_environments: false,
        }
    }
}

/// How far a scan is. Hashing model weights dominates long scans, so bytes are counted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanProgress {
    /// Files extracted so far.
    pub files_done: usize,
    /// Files to extract.
    pub files_total: usize,
    /// Bytes hashed so far, of `bytes_total` (the sizes of the files whose extractor asked for
    /// a digest, as found by the walk).
    pub bytes_done: u64,
    /// Bytes to hash, in all.
    pub bytes_total: u64,
}

/// A callback for [`ScanProgress`], called from the scan's worker threads.
#[derive(Clone)]
pub struct ProgressReporter(Arc<dyn Fn(ScanProgress) + Send + Sync>);

impl ProgressReporter {
    /// A reporter calling `report` with each progress.
    pub fn new(report: impl Fn(ScanProgress) + Send + Sync + 'static) -> ProgressReporter {
        ProgressReporter(Arc::new(report))
    }
}

impl fmt::Debug for ProgressReporter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ProgressReporter")
    }
}

/// Counters shared by the jobs of one scan.
#[derive(Debug)]
struct ProgressState {
    reporter: Option<ProgressReporter>,
    files_total: usize,
    bytes_total: u64,
    files_done: AtomicUsize,
    bytes_done: AtomicU64,
}

impl ProgressState {
    fn report(&self) {
        if let Some(reporter) = &self.reporter {
            (reporter.0)(ScanProgress {
                files_done: self.files_done.load(Ordering::Relaxed),
                files_total: self.files_total,
                bytes_done: self.bytes_done.load(Ordering::Relaxed),
                bytes_total: self.bytes_total,
            });
        }
    }

    fn hashed(&self, bytes: u64) {
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
        self.report();
    }

    fn file_done(&self) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.report();
    }
}

/// A scan could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A path argument does not exist.
    #[error("{path}: no such file or directory")]
    NotFound {
        /// The path as given.
        path: String,
    },
    /// A path argument could not be read (a permission, a broken link).
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        /// The path as given.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What a scan found.
#[derive(Debug, Clone)]
pub struct ScanReport {
    /// Everything found, joined and linked.
    pub graph: DependencyGraph,
    /// Sorted and free of duplicates.
    pub diagnostics: Vec<Diagnostic>,
    /// Every (file, extractor) pair that produced a result, including the manifests a lockfile
    /// joined (listed under the lock's extractor), sorted.
    pub files: Vec<ScannedFile>,
}

impl ScanReport {
    /// True when some input could not be read (the graph is incomplete).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.severity == DiagnosticSeverity::Error)
    }
}

/// A file to hand to one extractor.
struct Job {
    disk_path: PathBuf,
    display: String,
    extractor: &'static Format,
    /// The canonical scan root the file was found under; files it names must stay inside it.
    root: PathBuf,
    /// Size as seen by the walk (0 when unknown), for progress.
    size: u64,
    /// A manifest found beside a lockfile named on the command line: read for the lock to join,
    /// not an input of its own (see [`Extracted::join_only`]).
    join_only: bool,
    /// A directory read by an installed-environment row (`site-packages`): nothing is read
    /// up front, the parser lists and reads through the driver's reader.
    directory: bool,
    /// The container image the file lies in (`display` is `IMAGE!/path`): read from the
    /// image's merged filesystem, never from disk.
    image: Option<Arc<Image>>,
}

/// What running one job gave: the file as extracted, and problems met reading around it
/// (hashing it), reported even when the extraction succeeds.
struct JobResult {
    extracted: Extracted,
    diagnostics: Vec<Diagnostic>,
}

/// Scans `paths` (files or directories) into one graph.
pub fn scan(paths: &[PathBuf], options: &ScanOptions) -> Result<ScanReport, ScanError> {
    scan_with(FORMATS, paths, options)
}

/// [`scan`] with an explicit extractor table (tests use small tables).
pub fn scan_with(
    extractors: &[&'static Format],
    paths: &[PathBuf],
    options: &ScanOptions,
) -> Result<ScanReport, ScanError> {
    scan_sources(extractors, paths, &[], options)
}

/// [`scan`] of `paths` and of images in registries (`remote`: resolved by the caller, their
/// blobs opened through its [`crate::image::BlobSource`]), into one graph.
pub fn scan_with_images(
    paths: &[PathBuf],
    remote: &[Arc<RemoteImage>],
    options: &ScanOptions,
) -> Result<ScanReport, ScanError> {
    scan_sources(FORMATS, paths, remote, options)
}

fn scan_sources(
    extractors: &[&'static Format],
    paths: &[PathBuf],
    remote: &[Arc<RemoteImage>],
    options: &ScanOptions,
) -> Result<ScanReport, ScanError> {
    let mut diagnostics = Vec::new();
    let mut jobs = Vec::new();
    let mut images = Vec::new();
    for path in paths {
        collect_jobs(
            extractors,
            path,
            options,
            &mut jobs,
            &mut images,
            &mut diagnostics,
        )?;
    }
    for image in remote {
        let image_options = ImageOptions {
            extractors,
            skip_default_directories: options.skip_default_directories,
            sha512: options.sha512,
            kept_bytes: crate::image::MAX_KEPT_BYTES,
        };
        match Image::read_remote(Arc::clone(image), &image_options) {
            Ok(read) => add_image_jobs(
                extractors,
                Arc::new(read),
                Path::new(&image.display),
                Path::new("."),
                &mut jobs,
                &mut images,
                &mut diagnostics,
            ),
            Err(error) => diagnostics.push(error.to_diagnostic(&image.display)),
        }
    }
    jobs.sort_by(|a, b| (&a.display, a.extractor.id).cmp(&(&b.display, b.extractor.id)));
    // A manifest found both by a walk and beside a lockfile argument is an input of its own.
    jobs.dedup_by(|later, kept| {
        let same = later.display == kept.display && later.extractor.id == kept.extractor.id;
        if same {
            kept.join_only &= later.join_only;
        }
        same
    });

    let progress = ProgressState {
        reporter: options.progress.clone(),
        files_total: jobs.len(),
        bytes_total: jobs
            .iter()
            .filter(|job| job.extractor.digest)
            .map(|job| job.size)
            .sum(),
        files_done: AtomicUsize::new(0),
        bytes_done: AtomicU64::new(0),
    };
    progress.report();

    // Large files first, so that the longest hashes start early and the workers finish
    // together (rayon splits the list in halves; a big file at the tail would run alone).
    jobs.sort_by_key(|job| std::cmp::Reverse(job.size));
    let results = run_jobs(jobs, options, &progress);

    let mut extracted = Vec::with_capacity(results.len());
    for result in results {
        diagnostics.extend(result.diagnostics);
        extracted.push(result.extracted);
    }
    for image in &images {
        let own = attach_to_image(image, &mut extracted);
        extracted.push(own);
    }
    let linked = link(
        extracted,
        &LinkOptions {
            cargo_graph: options.cargo_graph.as_deref(),
        },
    );
    diagnostics.extend(linked.diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    Ok(ScanReport {
        graph: linked.graph,
        diagnostics,
        files: linked.files,
    })
}

/// The formats known by their content alone ([`crate::extract::FileMatch::Content`]: binaries)
/// whose content test accepts `prefix`.
fn formats_by_content_alone(extractors: &[&'static Format], prefix: &[u8]) -> Vec<&'static Format> {
    extractors
        .iter()
        .copied()
        .filter(|format| matches!(format.files, crate::extract::FileMatch::Content))
        .filter(|format| format.recognizes_content(prefix))
        .collect()
}

fn collect_jobs(
    extractors: &[&'static Format],
    path: &Path,
    options: &ScanOptions,
    jobs: &mut Vec<Job>,
    images: &mut Vec<Arc<Image>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(), ScanError> {
    let display_root = display_path(path);
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ScanError::NotFound {
            path: display_root.clone(),
        },
        _ => ScanError::Unreadable {
            path: display_root.clone(),
            source,
        },
    })?;
    let canonical_root = fs::canonicalize(path).map_err(|source| ScanError::Unreadable {
        path: display_root.clone(),
        source,
    })?;
    let canonical_root = widen_to_cache_repository(canonical_root);
    // An image is read as what it deploys, whatever its name: a tar holding `manifest.json` or
    // `oci-layout`, or an OCI layout directory.
    let image_row = extractors
        .iter()
        .any(|extractor| extractor.id == crate::extract::container_image::ID);
    if image_row
        && !is_skipped(path, options)
        && collect_image(
            extractors,
            path,
            &display_root,
            &canonical_root,
            options,
            jobs,
            images,
            diagnostics,
        )
    {
        return Ok(());
    }
    if !metadata.is_dir() {
        if is_skipped(path, options) {
            diagnostics.push(skipped_output(&display_root));
            return Ok(());
        }
        let mut accepting: Vec<&'static Format> = extractors
            .iter()
            .copied()
            .filter(|extractor| extractor.accepts(path))
            .filter(|extractor| extractor.id != crate::extract::container_image::ID)
            .collect();
        if accepting.is_empty() {
            // A file named explicitly may be a format recognizable by content (an SBOM under
            // any name).
            if let Ok(prefix) = read_capped(path, &display_root, ReadLimit::Prefix { bytes: 4096 })
            {
                accepting.extend(
                    extractors
                        .iter()
                        .copied()
                        .filter(|extractor| extractor.recognizes_content(&prefix)),
                );
            }
        }
        if accepting.is_empty() {
            diagnostics.push(Diagnostic::warning(
                DiagnosticCode::NoExtractor,
                Location::file(&display_root),
                "no extractor reads this file (see `airlock extractors`)",
            ));
        }
        let root = canonical_root
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| canonical_root.clone());
        // A lockfile named alone still joins the manifests of its directory tree: the link
        // stage picks the ones it joins among them.
        let join = accepting.iter().find_map(|extractor| match extractor.role {
            Role::Lock(join) => Some(join),
            Role::Manifest(_) | Role::Standalone => None,
        });
        for extractor in accepting {
            jobs.push(Job {
                disk_path: path.to_path_buf(),
                display: display_root.clone(),
                extractor,
                root: root.clone(),
                size: metadata.len(),
                join_only: false,
                directory: false,
                image: None,
            });
        }
        if let Some(join) = join {
            collect_joined_manifests(
                extractors,
                path,
                &display_root,
                join,
                &root,
                options,
                jobs,
                diagnostics,
            );
        }
        return Ok(());
    }
    // Installed environments are read when the operator asks (`--include-environments`) or
    // points at one; a project walk otherwise reads what it always read.
    let environments = options.include_environments || inside_environment(&canonical_root);
    // `site-packages` directories read whole: a `METADATA` below one is read with it.
    let mut sites: Vec<PathBuf> = Vec::new();
    for entry in walker(path, options).build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                diagnostics.push(walk_error(&error));
                continue;
            }
        };
        let mut accepting: Vec<&'static Format> = extractors
            .iter()
            .copied()
            .filter(|extractor| extractor.accepts(entry.path()))
            .collect();
        accepting.retain(|extractor| {
            !extractor.installed
                || (environments && !sites.iter().any(|site| entry.path().starts_with(site)))
        });
        // A tar found by the walk is read as an image when its entries say it is one (a link
        // to one is not followed into: images are read where they lie).
        let image_position = accepting
            .iter()
            .position(|extractor| extractor.id == crate::extract::container_image::ID);
        if let Some(position) = image_position {
            accepting.remove(position);
            let regular = entry
                .file_type()
                .is_some_and(|file_type| file_type.is_file());
            if regular
                && !is_skipped(entry.path(), options)
                && collect_image(
                    extractors,
                    entry.path(),
                    &display_path(entry.path()),
                    &canonical_root,
                    options,
                    jobs,
                    images,
                    diagnostics,
                )
            {
                continue;
            }
        }
        // Model files go by content too (`pytorch_model` without an extension, a `.h5`), and
        // binaries by nothing else (an ELF executable has no extension, a PE one `.exe`): a
        // binary is never taken for a model. Regular files only: a link is checked below
        // before anything is read through it, and a FIFO would block the read.
        let regular_file = entry
            .file_type()
            .is_some_and(|file_type| file_type.is_file());
        let model_candidate = crate::extract::model::sniff::worth_sniffing(entry.path());
        let binary_candidate =
            crate::extract::cargo::auditable_binary::worth_sniffing(entry.path());
        if accepting.is_empty() && regular_file && (model_candidate || binary_candidate) {
            let display = display_path(entry.path());
            if let Ok(prefix) =
                read_capped(entry.path(), &display, ReadLimit::Prefix { bytes: 4096 })
            {
                if binary_candidate {
                    accepting = formats_by_content_alone(extractors, &prefix);
                }
                if accepting.is_empty() && model_candidate {
                    accepting =
                        crate::extract::model::sniff::model_formats_by_content(extractors, &prefix);
                }
            }
        }
        if accepting.is_empty() {
            continue;
        }
        let display = display_path(entry.path());
        if is_skipped(entry.path(), options) {
            diagnostics.push(skipped_output(&display));
            continue;
        }
        if entry.path_is_symlink() {
            match fs::canonicalize(entry.path()) {
                Ok(target) if target.starts_with(&canonical_root) => {}
                Ok(_) => {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::SymlinkOutsideRoot,
                        Location::file(&display),
                        "symbolic link to a file outside the scan root; not followed",
                    ));
                    continue;
                }
                Err(error) => {
                    diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::ReadError,
                        Location::file(&display),
                        format!("cannot resolve symbolic link: {error}"),
                    ));
                    continue;
                }
            }
        } else if entry
            .file_type()
            .is_some_and(|file_type| file_type.is_dir())
        {
            for extractor in accepting
                .into_iter()
                .filter(|extractor| extractor.installed)
            {
                sites.push(entry.path().to_path_buf());
                jobs.push(Job {
                    disk_path: entry.path().to_path_buf(),
                    display: display.clone(),
                    extractor,
                    root: canonical_root.clone(),
                    size: 0,
                    join_only: false,
                    directory: true,
                    image: None,
                });
            }
            continue;
        }
        let size = fs::metadata(entry.path()).map_or(0, |metadata| metadata.len());
        for extractor in accepting {
            jobs.push(Job {
                disk_path: entry.path().to_path_buf(),
                display: display.clone(),
                extractor,
                root: canonical_root.clone(),
                size,
                join_only: false,
                directory: false,
                image: None,
            });
        }
    }
    Ok(())
}

/// The manifests a lockfile named on the command line may join: every file below the lock's
/// directory that a manifest format of the join's ecosystem accepts (at most
/// [`MAX_JOINED_MANIFESTS`]), as jobs marked [`Job::join_only`]. This is the only walk of a file
/// argument.
#[allow(clippy::too_many_arguments)]
fn collect_joined_manifests(
    extractors: &[&'static Format],
    lock: &Path,
    lock_display: &str,
    join: Join,
    root: &Path,
    options: &ScanOptions,
    jobs: &mut Vec<Job>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let manifest_formats: Vec<&'static Format> = extractors
        .iter()
        .copied()
        .filter(|format| format.role == Role::Manifest(join.ecosystem()))
        .collect();
    let Some(directory) = lock.parent() else {
        return;
    };
    let directory = if directory.as_os_str().is_empty() {
        Path::new(".")
    } else {
        directory
    };
    let mut found = 0;
    for entry in walker(directory, options).build() {
        let Ok(entry) = entry else { continue };
        let accepting: Vec<&'static Format> = manifest_formats
            .iter()
            .copied()
            .filter(|format| format.accepts(entry.path()))
            .collect();
        if accepting.is_empty()
            || entry
                .file_type()
                .is_some_and(|file_type| file_type.is_dir())
        {
            continue;
        }
        if entry.path_is_symlink()
            && !fs::canonicalize(entry.path()).is_ok_and(|target| target.starts_with(root))
        {
            continue;
        }
        if found >= MAX_JOINED_MANIFESTS {
            diagnostics.push(crate::link::too_many_manifests(lock_display, join));
            break;
        }
        found += 1;
        let size = fs::metadata(entry.path()).map_or(0, |metadata| metadata.len());
        for extractor in accepting {
            jobs.push(Job {
                disk_path: entry.path().to_path_buf(),
                display: display_path(entry.path()),
                extractor,
                root: root.to_path_buf(),
                size,
                join_only: true,
                directory: false,
                image: None,
            });
        }
    }
}

/// Whether a walk root is an installed environment or lies inside one: a virtual environment
/// (a directory holding `pyvenv.cfg`), a `site-packages` or `dist-packages` directory, or a
/// directory below either.
fn inside_environment(root: &Path) -> bool {
    root.ancestors().any(|directory| {
        crate::extract::python::installed::is_site_directory(directory)
            || directory.join("pyvenv.cfg").is_file()
    })
}

/// Whether `path` is one of [`ScanOptions::skip_files`] (resolved only when there are any).
fn is_skipped(path: &Path, options: &ScanOptions) -> bool {
    !options.skip_files.is_empty()
        && fs::canonicalize(path).is_ok_and(|canonical| options.skip_files.contains(&canonical))
}

fn skipped_output(display: &str) -> Diagnostic {
    Diagnostic::note(
        DiagnosticCode::OutputNotScanned,
        Location::file(display),
        "this run writes its report here, so it is not read as an input",
    )
}

/// A Hugging Face cache snapshot (`models--ORG--NAME/snapshots/REV`) holds only symbolic links
/// into the repository's `blobs/`: scanning a snapshot, or a folder inside one, reads the blobs
/// of that one repository, so the root becomes the `models--ORG--NAME` directory. Links are
/// still never followed out of it.
fn widen_to_cache_repository(root: PathBuf) -> PathBuf {
    let components: Vec<_> = root.components().collect();
    let snapshots = components
        .iter()
        .rposition(|component| component.as_os_str() == "snapshots");
    if let Some(position) = snapshots.filter(|position| *position > 0) {
        let is_repository = components
            .get(position - 1)
            .and_then(|component| component.as_os_str().to_str())
            .is_some_and(|name| name.starts_with("models--"));
        if is_repository && position + 1 < components.len() {
            return components.iter().take(position).collect();
        }
    }
    root
}

/// Every entry under `path` that is not a directory, as a scan with `options` walks it (the
/// default-skipped directories left out unless told otherwise, links listed and never
/// followed, [`ScanOptions::skip_files`] left out), whether an extractor reads it or not, named
/// as the scan names files. `verify` lists with it what lies in an attested tree besides its
/// subjects. Entries that cannot be walked are returned as diagnostics.
pub fn files_under(path: &Path, options: &ScanOptions) -> (Vec<String>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for entry in walker(path, options).build() {
        match entry {
            Ok(entry) => {
                let is_directory = entry
                    .file_type()
                    .is_some_and(|file_type| file_type.is_dir());
                if !is_directory && !is_skipped(entry.path(), options) {
                    files.push(display_path(entry.path()));
                }
            }
            Err(error) => diagnostics.push(walk_error(&error)),
        }
    }
    files.sort();
    files.dedup();
    (files, diagnostics)
}

fn walker(path: &Path, options: &ScanOptions) -> WalkBuilder {
    let mut builder = WalkBuilder::new(path);
    // Scanners must see what is on disk, ignored or hidden: model weights are usually
    // git-ignored and agent configs live in dot-directories.
    builder
        .standard_filters(false)
        .hidden(false)
        .follow_links(false);
    if options.skip_default_directories {
        let include_environments = options.include_environments;
        builder.filter_entry(move |entry| {
            let is_directory = entry
                .file_type()
                .is_some_and(|file_type| file_type.is_dir());
            if !is_directory || entry.depth() == 0 {
                return true;
            }
            let skipped_name = entry.file_name().to_str().is_some_and(|name| {
                DEFAULT_SKIPPED_DIRECTORIES.contains(&name)
                    && !(include_environments && ENVIRONMENT_DIRECTORIES.contains(&name))
            });
            !skipped_name && (include_environments || !entry.path().join("pyvenv.cfg").is_file())
        });
    }
    builder
}

fn walk_error(error: &ignore::Error) -> Diagnostic {
    let path = match error {
        ignore::Error::WithPath { path, .. } => Some(display_path(path)),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            return walk_error(err);
        }
        _ => None,
    };
    Diagnostic::new(
        DiagnosticCode::ReadError,
        DiagnosticSeverity::Warning,
        path.map(Location::file),
        error.to_string(),
    )
}

/// Runs a job's extractor on its main file's bytes (`bytes`: as read, or why not) with `files`
/// for the files it names; problems met around the extraction (hashing) go to `diagnostics`.
fn extract_job(
    job: &Job,
    bytes: Result<Vec<u8>, Diagnostic>,
    files: &dyn FileReader,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<crate::extract::Extraction, Diagnostic> {
    let id = job.extractor.id;
    let bytes = bytes?;
    if job.extractor.digest {
        // Computed here, before the extractor runs, so that a failure is reported once
        // and the extractor reads the cached result.
        if let Err(diagnostic) = files.digest(&job.display) {
            diagnostics.push(diagnostic);
        }
    }
    let input = Input::new(&job.display, &bytes).with_files(files);
    let extracted =
        catch_unwind(AssertUnwindSafe(|| job.extractor.extract(&input))).map_err(|_| {
            Diagnostic::error(
                DiagnosticCode::InternalError,
                Location::file(&job.display),
                format!("extractor {id} failed unexpectedly; please report this file"),
            )
        })?;
    extracted.map_err(|error| error.to_diagnostic())
}

/// Reads `path` as a container image when it is one (a tar holding `manifest.json` or
/// `oci-layout`, an OCI layout directory) and adds a job for each file inside that a format
/// reads; false when the path is no image. An image that cannot be read is reported here.
#[allow(clippy::too_many_arguments)]
fn collect_image(
    extractors: &[&'static Format],
    path: &Path,
    display: &str,
    root: &Path,
    options: &ScanOptions,
    jobs: &mut Vec<Job>,
    images: &mut Vec<Arc<Image>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let image_options = ImageOptions {
        extractors,
        skip_default_directories: options.skip_default_directories,
        sha512: options.sha512,
        kept_bytes: crate::image::MAX_KEPT_BYTES,
    };
    let image = match Image::read(path, display, &image_options) {
        Ok(Some(image)) => Arc::new(image),
        Ok(None) => return false,
        Err(error) => {
            diagnostics.push(error.to_diagnostic(display));
            return true;
        }
    };
    add_image_jobs(extractors, image, path, root, jobs, images, diagnostics);
    true
}

/// Adds a job for each file of `image` a format reads; `path` and `root` are where the image
/// lies (an image's files are read from it, never from disk).
fn add_image_jobs(
    extractors: &[&'static Format],
    image: Arc<Image>,
    path: &Path,
    root: &Path,
    jobs: &mut Vec<Job>,
    images: &mut Vec<Arc<Image>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    diagnostics.extend(image.diagnostics.iter().cloned());
    let (found, mut problems) = image.jobs(extractors);
    diagnostics.append(&mut problems);
    for job in found {
        jobs.push(Job {
            disk_path: path.to_path_buf(),
            display: job.display,
            extractor: job.extractor,
            root: root.to_path_buf(),
            size: job.size,
            join_only: false,
            directory: job.directory,
            image: Some(Arc::clone(&image)),
        });
    }
    images.push(image);
}

/// The image's own extraction: its root component, linked to the roots of what was found
/// inside it (which stop being roots of their own) and to the operating-system packages; and
/// every component found inside is told the layer that put its file there.
fn attach_to_image(image: &Image, extracted: &mut [Extracted]) -> Extracted {
    let mut roots = Vec::new();
    for file in extracted.iter_mut() {
        if crate::extract::strip_directory(image.root_display(), &file.path).is_none() {
            continue;
        }
        let Ok(extraction) = &mut file.outcome else {
            continue;
        };
        for component in &mut extraction.components {
            let layer = component
                .evidence
                .iter()
                .find_map(|evidence| image.layer_of(&evidence.location.path));
            if let Some(layer) = layer {
                component.facts.image_mut().layer = Some(layer.to_owned());
            }
        }
        roots.append(&mut extraction.roots);
        if file.format.id.starts_with("os/") {
            roots.extend(
                extraction
                    .components
                    .iter()
                    .map(|component| component.key.clone()),
            );
        }
    }
    roots.sort();
    roots.dedup();
    Extracted::new(
        image.display(),
        &crate::extract::container_image::FORMAT,
        Ok(image.extraction(&roots)),
    )
}

/// The size of the largest job from which the manifests read only for it to join go to the
/// pool: a smaller lock is read before a sleeping worker is awake, and its manifests then
/// waited for that worker (0.3 ms more on comfy-cli's 137 KB uv.lock).
const POOLED_MANIFESTS_MIN_LOCK_BYTES: u64 = 256 * 1024;

/// A job with its position in the list, to restore the order after running.
type Numbered = (usize, Job);

/// Runs `jobs` (largest first): the largest on the calling thread; the others meanwhile on all
/// but one of the rayon pool's threads, the calling thread joining them when its own is done.
///
/// Why the calling thread: glibc gives every thread its own malloc arena and never hands memory
/// a worker freed to another thread, so a parse's temporaries freed in a worker's arena stay
/// resident while the calling thread matches and writes the report in its own. Parsed here,
/// their memory is reused by what follows. Measured on qdrant's Cargo.lock named alone
/// (docs/PERFORMANCE.md, "Reshaping (issue 18)"): the same 9.7 MiB of heap at the peak took
/// 31 MiB of resident memory with every job on the pool. The manifests read only for a lockfile
/// named alone to join (autogen's ten pyproject.toml files) are small: beside a large lock they
/// go to the pool, read while this thread reads the lock (issue 19: 0.7 ms less on `airlock
/// sbom` of autogen's uv.lock, under 1 MiB more peak memory, which stays below the baseline's).
///
/// Why one drain fewer than the pool has threads: with the calling thread, as many jobs run at
/// once as the pool has threads (more would only hold more files in memory at once on as many
/// cores). The parallel parts of the jobs (a large lockfile parsed in pieces, files re-hashed)
/// go to whichever pool thread is free: the one without a drain when the calling thread is not
/// one of the pool's, any of them when it is (the CLI runs its scans on the pool). Results keep
/// the order of `jobs`.
fn run_jobs(jobs: Vec<Job>, options: &ScanOptions, progress: &ProgressState) -> Vec<JobResult> {
    let largest = jobs.first().map_or(0, |job| job.size);
    let (here, pooled): (Vec<Numbered>, Vec<Numbered>) =
        jobs.into_iter().enumerate().partition(|(index, job)| {
            *index == 0 || (job.join_only && largest < POOLED_MANIFESTS_MIN_LOCK_BYTES)
        });
    let total = here.len() + pooled.len();
    let queue = Mutex::new(pooled.into_iter());
    let results: Mutex<Vec<(usize, JobResult)>> = Mutex::new(Vec::with_capacity(total));
    let drain = || loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
        let Some((index, job)) = next else {
            break;
        };
        let result = run_job(&job, options, progress);
        results
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((index, result));
    };
    rayon::in_place_scope(|scope| {
        for _ in 1..rayon::current_num_threads() {
            scope.spawn(|_| drain());
        }
        for (index, job) in here {
            let result = run_job(&job, options, progress);
            results
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((index, result));
        }
        drain();
    });
    let mut results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

fn run_job(job: &Job, options: &ScanOptions, progress: &ProgressState) -> JobResult {
    let mut diagnostics = Vec::new();
    let (outcome, mut read_files) = match &job.image {
        Some(image) => {
            let files = image.files();
            let bytes = if job.directory {
                Ok(Vec::new())
            } else {
                image.main_bytes(&job.display, job.extractor.read)
            };
            let outcome = extract_job(job, bytes, &files, &mut diagnostics);
            progress.hashed(if job.extractor.digest { job.size } else { 0 });
            (outcome, files.into_read())
        }
        None => {
            let files = DiskFiles {
                root: &job.root,
                read: Mutex::new(Vec::new()),
                main: &job.display,
                main_digest: OnceLock::new(),
                // The bytes a row that asks for no digest hashes anyway (a binary that carries
                // a dependency list) are not in the progress total.
                progress: job.extractor.digest.then_some(progress),
                skip_files: &options.skip_files,
                sha512: options.sha512,
            };
            let bytes = if job.directory {
                Ok(Vec::new())
            } else {
                read_capped(&job.disk_path, &job.display, job.extractor.read)
            };
            let outcome = extract_job(job, bytes, &files, &mut diagnostics);
            let read_files = files
                .read
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner);
            (outcome, read_files)
        }
    };
    read_files.sort();
    read_files.dedup();
    read_files.retain(|path| *path != job.display);
    progress.file_done();
    JobResult {
        extracted: Extracted {
            path: job.display.clone(),
            format: job.extractor,
            outcome,
            read_files,
            join_only: job.join_only,
            disk_path: Some(job.disk_path.clone()),
        },
        diagnostics,
    }
}

/// The driver's [`FileReader`]: scan-relative paths are the paths the walk produced (relative
/// to the working directory, or absolute), so they name files on disk directly. Reads stay
/// inside the job's scan root and under the whole-file cap.
#[derive(Debug)]
struct DiskFiles<'job> {
    root: &'job Path,
    read: Mutex<Vec<String>>,
    /// The job's main file, whose digest is computed once and kept.
    main: &'job str,
    main_digest: OnceLock<Result<FileDigest, Diagnostic>>,
    progress: Option<&'job ProgressState>,
    /// [`ScanOptions::skip_files`]: a file referenced by another is not read either.
    skip_files: &'job [PathBuf],
    /// [`ScanOptions::sha512`].
    sha512: bool,
}

impl DiskFiles<'_> {
    /// Resolves `path` and refuses anything outside the scan root.
    fn inside_root(&self, path: &str) -> Result<PathBuf, Diagnostic> {
        let disk_path = Path::new(if path.is_empty() { "." } else { path });
        let canonical = fs::canonicalize(disk_path).map_err(|error| {
            Diagnostic::error(
                DiagnosticCode::ReadError,
                Location::file(path),
                format!("cannot read: {error}"),
            )
        })?;
        if !canonical.starts_with(self.root) {
            return Err(Diagnostic::warning(
                DiagnosticCode::OutsideScanRoot,
                Location::file(path),
                "lies outside the scan root; not read",
            ));
        }
        if self.skip_files.contains(&canonical) {
            return Err(skipped_output(path));
        }
        Ok(disk_path.to_path_buf())
    }

    fn note_read(&self, path: &str) {
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(path.to_owned());
    }

    fn regular_file(&self, path: &str) -> Result<PathBuf, Diagnostic> {
        let disk_path = self.inside_root(path)?;
        let metadata = fs::metadata(&disk_path).map_err(|error| io_error(path, &error))?;
        if !metadata.is_file() {
            return Err(Diagnostic::warning(
                DiagnosticCode::NotARegularFile,
                Location::file(path),
                "not a regular file; skipped",
            ));
        }
        Ok(disk_path)
    }
}

fn io_error(path: &str, error: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        DiagnosticCode::ReadError,
        Location::file(path),
        format!("cannot read: {error}"),
    )
}

/// The buffer of [`stream_sha256`]: large enough that system calls cost nothing next to the
/// hash, small enough that memory does not depend on the file.
pub const HASH_BUFFER_BYTES: usize = 1 << 20;

/// Streams a file through SHA-256 with one fixed buffer; `hashed` is told each chunk's length.
pub fn stream_sha256(
    path: &Path,
    hashed: &mut dyn FnMut(u64),
) -> Result<FileDigest, std::io::Error> {
    stream_digest(path, false, hashed)
}

/// Streams a file through SHA-256, and SHA-512 too when `sha512` is set, in one read with one
/// fixed buffer; `hashed` is told each chunk's length.
pub fn stream_digest(
    path: &Path,
    sha512: bool,
    hashed: &mut dyn FnMut(u64),
) -> Result<FileDigest, std::io::Error> {
    use sha2::Digest as _;
    let mut file = fs::File::open(path)?;
    let mut hasher512 = sha512.then(sha2::Sha512::new);
    // A file rewritten while it is hashed would get a digest of no version of it: compare its
    // size and modification time before and after, and the bytes read with the final size.
    let before = file.metadata()?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; HASH_BUFFER_BYTES];
    let mut size: u64 = 0;
    // Progress is reported every few chunks, not for each one.
    let mut unreported: u64 = 0;
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let chunk = buffer.get(..read).unwrap_or_default();
        hasher.update(chunk);
        if let Some(hasher512) = hasher512.as_mut() {
            hasher512.update(chunk);
        }
        size += read as u64;
        unreported += read as u64;
        if unreported >= 16 * HASH_BUFFER_BYTES as u64 {
            hashed(unreported);
            unreported = 0;
        }
    }
    if unreported > 0 {
        hashed(unreported);
    }
    let after = fs::metadata(path)?;
    if after.len() != before.len()
        || size != after.len()
        || after.modified().ok() != before.modified().ok()
    {
        return Err(std::io::Error::other(format!(
            "the file changed while it was hashed ({} bytes before, {} after, {size} read); \
             no digest is reported",
            before.len(),
            after.len()
        )));
    }
    Ok(FileDigest {
        sha256: hex::encode(hasher.finalize()),
        sha512: hasher512.map(|hasher| hex::encode(hasher.finalize())),
        size,
    })
}

impl FileReader for DiskFiles<'_> {
    fn digest_of(&self, bytes: &[u8]) -> FileDigest {
        crate::extract::digest_of(bytes, self.sha512)
    }

    fn facts(&self, path: &str) -> Result<FileFacts, Diagnostic> {
        let disk_path = self.inside_root(path)?;
        let link = fs::symlink_metadata(&disk_path).map_err(|error| io_error(path, &error))?;
        let link_target = if link.file_type().is_symlink() {
            fs::read_link(&disk_path)
                .ok()
                .map(|target| target.to_string_lossy().replace('\\', "/"))
        } else {
            None
        };
        let metadata = fs::metadata(&disk_path).map_err(|error| io_error(path, &error))?;
        Ok(FileFacts {
            size: metadata.len(),
            link_target,
        })
    }

    fn list(&self, directory: &str) -> Result<Vec<DirectoryEntry>, Diagnostic> {
        let disk_path = self.inside_root(directory)?;
        let reader = fs::read_dir(&disk_path).map_err(|error| io_error(directory, &error))?;
        let mut entries = Vec::new();
        for entry in reader {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let is_link = entry
                .file_type()
                .is_ok_and(|file_type| file_type.is_symlink());
            if is_link && !fs::canonicalize(&path).is_ok_and(|target| target.starts_with(self.root))
            {
                continue;
            }
            let metadata = fs::metadata(&path).ok();
            entries.push(DirectoryEntry {
                name,
                is_file: metadata.as_ref().is_some_and(fs::Metadata::is_file),
                size: metadata.map_or(0, |metadata| metadata.len()),
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    fn open(&self, path: &str) -> Result<Box<dyn ReadSeek + '_>, Diagnostic> {
        let disk_path = self.regular_file(path)?;
        let file = fs::File::open(disk_path).map_err(|error| io_error(path, &error))?;
        self.note_read(path);
        Ok(Box::new(std::io::BufReader::with_capacity(64 * 1024, file)))
    }

    fn digest(&self, path: &str) -> Result<FileDigest, Diagnostic> {
        let compute = || {
            let disk_path = self.regular_file(path)?;
            let progress = self.progress.filter(|_| path == self.main);
            stream_digest(&disk_path, self.sha512, &mut |bytes| {
                if let Some(progress) = progress {
                    progress.hashed(bytes);
                }
            })
            .map_err(|error| io_error(path, &error))
        };
        if path == self.main {
            return self.main_digest.get_or_init(compute).clone();
        }
        let digest = compute()?;
        self.note_read(path);
        Ok(digest)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let disk_path = self.inside_root(path)?;
        let bytes = read_capped(
            &disk_path,
            path,
            ReadLimit::Whole {
                max_bytes: crate::extract::DEFAULT_WHOLE_FILE_LIMIT,
            },
        )?;
        self.read
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(path.to_owned());
        Ok(bytes)
    }
}

/// Reads a file under a cap, refusing anything but a regular file.
fn read_capped(path: &Path, display: &str, limit: ReadLimit) -> Result<Vec<u8>, Diagnostic> {
    let read_error = |error: std::io::Error| {
        Diagnostic::error(
            DiagnosticCode::ReadError,
            Location::file(display),
            format!("cannot read: {error}"),
        )
    };
    let metadata = fs::metadata(path).map_err(read_error)?;
    if !metadata.is_file() {
        return Err(Diagnostic::warning(
            DiagnosticCode::NotARegularFile,
            Location::file(display),
            "not a regular file; skipped",
        ));
    }
    let cap = match limit {
        ReadLimit::Whole { max_bytes } => {
            if metadata.len() > max_bytes {
                return Err(too_large(display, metadata.len(), max_bytes));
            }
            max_bytes
        }
        ReadLimit::Prefix { bytes } => bytes,
    };
    let file = fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len().min(cap)).unwrap_or(0));
    // Read one byte past the cap to notice a file that grew after `metadata`.
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > cap {
        match limit {
            ReadLimit::Whole { max_bytes } => {
                return Err(too_large(display, bytes.len() as u64, max_bytes))
            }
            ReadLimit::Prefix { .. } => bytes.truncate(usize::try_from(cap).unwrap_or(usize::MAX)),
        }
    }
    Ok(bytes)
}

fn too_large(display: &str, size: u64, cap: u64) -> Diagnostic {
    Diagnostic::error(
        DiagnosticCode::FileTooLarge,
        Location::file(display),
        format!("{size} bytes is over the {cap}-byte cap for this format; skipped"),
    )
}

/// A path as shown in output: `/`-separated, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut trimmed = text.as_str();
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest;
    }
    if trimmed.is_empty() {
        ".".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Source};
    use crate::ecosystem::Ecosystem;
    use crate::extract::{
        ExtractError, Extraction, FileMatch, NamedTarget, Parse, Reference, Requirement, Target,
    };
    use crate::link::Origin;
    use crate::location::Evidence;
    use crate::name::PackageName;

    /// Reads `*.pins`: one `name version` per line, and `name -> other` for an edge by name.
    struct PinsExtractor;

    static PINS: Format = Format::new(
        "test/pins",
        "test format",
        FileMatch::Extensions(&["pins"]),
        &PinsExtractor,
    )
    .max_bytes(64);

    impl Parse for PinsExtractor {
        fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
            let text = std::str::from_utf8(input.bytes).map_err(|_| ExtractError::InvalidUtf8 {
                location: input.location(None),
                offset: 0,
            })?;
            let mut extraction = Extraction::default();
            let name = |raw: &str| PackageName::new(Ecosystem::PyPI, raw).unwrap();
            let key = |raw: &str, version: &str| {
                ComponentKey::new(
                    Ecosystem::PyPI,
                    name(raw),
                    Some(version.to_owned()),
                    Source::DEFAULT_REGISTRY,
                )
            };
            for (index, line) in text.lines().enumerate() {
                let location = input.location(Some(index as u32 + 1));
                if let Some(included) = line.strip_prefix("include ") {
                    let path = crate::extract::join_path(input.directory(), included);
                    match input.files.read(&path) {
                        Ok(bytes) => {
                            let nested = self.parse(&Input::new(&path, &bytes))?;
                            extraction.components.extend(nested.components);
                        }
                        Err(diagnostic) => extraction.diagnostics.push(diagnostic),
                    }
                } else if let Some((from, to)) = line.split_once(" -> ") {
                    let from_version = text
                        .lines()
                        .find_map(|l| {
                            l.to_lowercase()
                                .strip_prefix(&format!("{from} "))
                                .map(str::to_owned)
                        })
                        .unwrap_or_default();
                    extraction.references.push(Reference {
                        from: key(from, &from_version),
                        to: Target::Named(NamedTarget {
                            ecosystem: Ecosystem::PyPI,
                            name: name(to),
                            requirement: Requirement::Exact {
                                version: None,
                                source: None,
                            },
                            origin: Origin::Generic,
                            written: None,
                        }),
                        kind: EdgeKind::Normal,
                        conditions: EdgeDetails::default(),
                        location: Some(location),
                    });
                } else if let Some((package, version)) = line.split_once(' ') {
                    extraction.components.push(
                        Component::new(key(package, version), ComponentKind::Library)
                            .with_evidence(Evidence {
                                location,
                                extractor: PINS.id,
                            }),
                    );
                }
            }
            Ok(extraction)
        }
    }

    fn write(root: &Path, path: &str, text: &str) {
        let full = root.join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
    }

    #[test]
    fn extractors_read_referenced_files_inside_the_root_only() {
        let temporary = tempfile::tempdir().unwrap();
        let outside = temporary.path().join("outside.pins");
        fs::write(&outside, "secret 1\n").unwrap();
        let root = temporary.path().join("project");
        write(
            &root,
            "main.pins",
            "include shared/base.txt\ninclude ../outside.pins\n",
        );
        write(&root, "shared/base.txt", "flask 3.0\n");
        let report = scan_with(
            &[&PINS],
            std::slice::from_ref(&root),
            &ScanOptions::default(),
        )
        .unwrap();
        let names: Vec<&str> = report
            .graph
            .components()
            .map(|c| c.key.name.normalized())
            .collect();
        assert_eq!(names, ["flask"], "the file outside the root is not read");
        assert!(report
            .diagnostics
            .iter()
            .any(|d| d.code == DiagnosticCode::OutsideScanRoot));
        let files: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(files.len(), 2);
        assert!(files.iter().any(|f| f.ends_with("project/shared/base.txt")));
        let evidence = &report.graph.components().next().unwrap().evidence;
        assert!(evidence
            .iter()
            .all(|e| e.location.path.ends_with("project/shared/base.txt")));
    }

    #[test]
    fn merges_by_key_resolves_names_and_caps_reads() {
        let temporary = tempfile::tempdir().unwrap();
        let root = temporary.path();
        write(
            root,
            "a/one.pins",
            "Requests 2.0\nurllib3 1.0\nrequests -> URLLIB3\nrequests -> ghost\n",
        );
        write(root, "b/two.pins", "requests 2.0\n");
        write(root, "c/huge.pins", &"x 1\n".repeat(40));
        write(root, "target/skipped.pins", "skipped 1\n");
        write(root, "env/pyvenv.cfg", "home = /usr\n");
        write(root, "env/lib/inside.pins", "inside 1\n");
        let report = scan_with(&[&PINS], &[root.to_path_buf()], &ScanOptions::default()).unwrap();

        let names: Vec<&str> = report
            .graph
            .components()
            .map(|c| c.key.name.normalized())
            .collect();
        assert_eq!(
            names,
            ["requests", "urllib3"],
            "target/ and the virtualenv are skipped"
        );
        let requests = report.graph.components().next().unwrap();
        assert_eq!(requests.evidence.len(), 2, "found by two files, both kept");
        assert_eq!(
            report.graph.edge_count(),
            1,
            "`URLLIB3` resolves to `urllib3` by normalized name"
        );

        let codes: Vec<(&str, String)> = report
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.code.as_str(),
                    d.location
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                )
            })
            .collect();
        let dangling = format!("{}:4", display_path(&root.join("a/one.pins")));
        let huge = display_path(&root.join("c/huge.pins"));
        assert!(
            codes.contains(&("dangling-reference", dangling)),
            "{codes:?}"
        );
        assert!(codes.contains(&("file-too-large", huge)), "{codes:?}");
        assert!(report.has_errors());

        let everything = ScanOptions {
            skip_default_directories: false,
            ..ScanOptions::default()
        };
        let report = scan_with(&[&PINS], &[root.to_path_buf()], &everything).unwrap();
        assert_eq!(report.graph.len(), 4);
    }

    /// A lockfile joins the manifests of its workspace whether its directory is walked or the
    /// lock is named alone; a manifest it does not account for is read on its own only when a
    /// walk found it.
    #[test]
    fn a_lock_joins_its_workspace_walked_or_named_alone() {
        let temporary = tempfile::tempdir().unwrap();
        let ws = temporary.path().join("ws");
        write(
            &ws,
            "Cargo.lock",
            "version = 3\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
        );
        write(&ws, "Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
        write(
            &ws,
            "crates/app/Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dev-dependencies]\nserde = \"1\"\n",
        );
        write(
            &ws,
            "other/Cargo.toml",
            "[package]\nname = \"other\"\nversion = \"0.2.0\"\n",
        );
        let table = [
            &crate::extract::cargo::cargo_lock::FORMAT,
            &crate::extract::cargo::cargo_toml::FORMAT,
        ];
        let listed = |report: &ScanReport| -> Vec<(String, &str)> {
            report
                .files
                .iter()
                .map(|file| {
                    let path = file.path.rsplit_once("/ws/").unwrap().1.to_owned();
                    (path, file.extractor)
                })
                .collect()
        };
        let roots = |report: &ScanReport| -> Vec<String> {
            report.graph.roots().map(|key| key.to_string()).collect()
        };

        let walked = scan_with(&table, std::slice::from_ref(&ws), &ScanOptions::default()).unwrap();
        assert_eq!(
            listed(&walked),
            [
                ("Cargo.lock".to_owned(), "cargo/cargo-lock"),
                ("Cargo.toml".to_owned(), "cargo/cargo-lock"),
                ("crates/app/Cargo.toml".to_owned(), "cargo/cargo-lock"),
                ("other/Cargo.toml".to_owned(), "cargo/cargo-toml"),
            ]
        );
        assert_eq!(roots(&walked).len(), 2, "{:?}", roots(&walked));
        let dev: Vec<String> = walked
            .graph
            .edges()
            .map(|edge| {
                format!(
                    "{} -{}-> {}",
                    edge.from.name,
                    edge.kind.as_str(),
                    edge.to.name
                )
            })
            .collect();
        assert_eq!(
            dev,
            ["app -dev-> serde"],
            "the member's manifest gives the kind"
        );

        let named = scan_with(&table, &[ws.join("Cargo.lock")], &ScanOptions::default()).unwrap();
        assert_eq!(
            listed(&named),
            [
                ("Cargo.lock".to_owned(), "cargo/cargo-lock"),
                ("Cargo.toml".to_owned(), "cargo/cargo-lock"),
                ("crates/app/Cargo.toml".to_owned(), "cargo/cargo-lock"),
            ]
        );
        assert_eq!(roots(&named).len(), 1, "{:?}", roots(&named));
        assert!(named.diagnostics.is_empty(), "{:?}", named.diagnostics);

        // Named alone and walked in the same run: the walk's reading wins.
        let both = scan_with(
            &table,
            &[ws.join("Cargo.lock"), ws.clone()],
            &ScanOptions::default(),
        )
        .unwrap();
        assert_eq!(listed(&both), listed(&walked));
        assert_eq!(roots(&both), roots(&walked));
    }

    /// A Python lock joins the pyproject.toml of its directory whether the directory is walked
    /// or the lock is named alone; a manifest no lock joins is read on its own only when a walk
    /// found it, and a manifest joined by two locks is joined into both.
    #[test]
    fn a_python_lock_joins_its_project_walked_or_named_alone() {
        let temporary = tempfile::tempdir().unwrap();
        let project = temporary.path().join("project");
        write(&project, "requirements.txt", "requests==2.31.0\n");
        write(
            &project,
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"1.0\"\ndependencies = [\"requests\"]\n",
        );
        write(
            &project,
            "other/pyproject.toml",
            "[project]\nname = \"other\"\nversion = \"0.1\"\n",
        );
        let table = [
            &crate::extract::python::requirements_txt::FORMAT,
            &crate::extract::python::pyproject::FORMAT,
        ];
        let listed = |report: &ScanReport| -> Vec<(String, &str)> {
            report
                .files
                .iter()
                .map(|file| {
                    let path = file.path.rsplit_once("/project/").unwrap().1.to_owned();
                    (path, file.extractor)
                })
                .collect()
        };
        let edges = |report: &ScanReport| -> Vec<String> {
            report
                .graph
                .edges()
                .map(|edge| format!("{} -> {}", edge.from.name, edge.to.name))
                .collect()
        };

        let walked = scan_with(
            &table,
            std::slice::from_ref(&project),
            &ScanOptions::default(),
        )
        .unwrap();
        assert_eq!(
            listed(&walked),
            [
                ("other/pyproject.toml".to_owned(), "python/pyproject"),
                ("pyproject.toml".to_owned(), "python/requirements"),
                ("requirements.txt".to_owned(), "python/requirements"),
            ]
        );
        assert_eq!(walked.graph.roots().count(), 2);
        assert_eq!(edges(&walked), ["app -> requests"]);

        let named = scan_with(
            &table,
            &[project.join("requirements.txt")],
            &ScanOptions::default(),
        )
        .unwrap();
        assert_eq!(
            listed(&named),
            [
                ("pyproject.toml".to_owned(), "python/requirements"),
                ("requirements.txt".to_owned(), "python/requirements"),
            ]
        );
        assert_eq!(named.graph.roots().count(), 1);
        assert_eq!(edges(&named), ["app -> requests"]);
        assert!(named.diagnostics.is_empty(), "{:?}", named.diagnostics);

        // A second lock beside the first joins the same project: one root, with both edges.
        write(&project, "requirements-dev.txt", "requests==2.31.0\n");
        let both = scan_with(
            &table,
            std::slice::from_ref(&project),
            &ScanOptions::default(),
        )
        .unwrap();
        assert!(listed(&both).contains(&("pyproject.toml".to_owned(), "python/requirements")));
        assert!(!listed(&both).contains(&("pyproject.toml".to_owned(), "python/pyproject")));
        assert_eq!(both.graph.roots().count(), 2);
    }

    /// A lock with more than `MAX_JOINED_MANIFESTS` manifests below it gives the same warning
    /// whether its directory is walked (the link stage caps the join) or it is named alone (the
    /// driver caps the walk for its manifests).
    #[test]
    fn a_lock_over_the_manifest_cap_warns_walked_or_named_alone() {
        let temporary = tempfile::tempdir().unwrap();
        let ws = temporary.path().join("ws");
        write(
            &ws,
            "Cargo.lock",
            "version = 3\n[[package]]\nname = \"top\"\nversion = \"0.1.0\"\n",
        );
        write(
            &ws,
            "Cargo.toml",
            "[package]\nname = \"top\"\nversion = \"0.1.0\"\n",
        );
        for index in 0..MAX_JOINED_MANIFESTS {
            write(
                &ws,
                &format!("crates/c{index}/Cargo.toml"),
                &format!("[package]\nname = \"c{index}\"\nversion = \"0.1.0\"\n"),
            );
        }
        let table = [
            &crate::extract::cargo::cargo_lock::FORMAT,
            &crate::extract::cargo::cargo_toml::FORMAT,
        ];
        let capped = |report: &ScanReport| -> Vec<String> {
            report
                .diagnostics
                .iter()
                .filter(|diagnostic| diagnostic.code == DiagnosticCode::ReadError)
                .map(|diagnostic| {
                    let text = diagnostic.to_string();
                    text.rsplit_once("/ws/").unwrap().1.to_owned()
                })
                .collect()
        };
        let expected = [format!(
            "Cargo.lock: warning[read-error]: more than {MAX_JOINED_MANIFESTS} Cargo.toml files below this file; the rest were not read"
        )];

        let walked = scan_with(&table, std::slice::from_ref(&ws), &ScanOptions::default()).unwrap();
        assert_eq!(capped(&walked), expected);
        let named = scan_with(&table, &[ws.join("Cargo.lock")], &ScanOptions::default()).unwrap();
        assert_eq!(capped(&named), expected);

        // At the cap exactly, neither warns.
        fs::remove_dir_all(ws.join("crates/c0")).unwrap();
        let walked = scan_with(&table, std::slice::from_ref(&ws), &ScanOptions::default()).unwrap();
        assert_eq!(capped(&walked), Vec::<String>::new());
        let named = scan_with(&table, &[ws.join("Cargo.lock")], &ScanOptions::default()).unwrap();
        assert_eq!(capped(&named), Vec::<String>::new());
    }

    #[test]
    fn a_missing_root_is_an_error_and_a_foreign_file_a_warning() {
        let temporary = tempfile::tempdir().unwrap();
        let missing = temporary.path().join("nope");
        let error = scan_with(&[&PINS], &[missing], &ScanOptions::default()).unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("nope: no such file or directory"),
            "{error}"
        );
        write(temporary.path(), "notes.txt", "hello");
        let report = scan_with(
            &[&PINS],
            &[temporary.path().join("notes.txt")],
            &ScanOptions::default(),
        )
        .unwrap();
        assert_eq!(report.diagnostics.len(), 1);
        assert_eq!(report.diagnostics[0].code, DiagnosticCode::NoExtractor);
    }

    #[test]
    fn the_same_input_gives_the_same_report() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/projects/rustsec__rustsec__root--2019-09");
        let first = scan(std::slice::from_ref(&root), &ScanOptions::default()).unwrap();
        let second = scan(std::slice::from_ref(&root), &ScanOptions::default()).unwrap();
        let keys = |report: &ScanReport| {
            report
                .graph
                .components()
                .map(|c| format!("{:?}", c))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&first), keys(&second));
        assert_eq!(first.diagnostics, second.diagnostics);
        assert_eq!(first.files, second.files);
    }

    /// Reads `*.weights` by a 4-byte prefix and asks for the whole file's digest.
    struct DigestExtractor;

    static DIGEST: Format = Format::new(
        "test/digest",
        "test format",
        FileMatch::Extensions(&["weights"]),
        &DigestExtractor,
    )
    .header_and_digest(4);

    impl Parse for DigestExtractor {
        fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
            let digest = input.files.digest(input.path).unwrap();
            let facts = input.files.facts(input.path).unwrap();
            let mut component = Component::new(
                ComponentKey::new(
                    Ecosystem::GenericFile,
                    PackageName::new(Ecosystem::GenericFile, "w").unwrap(),
                    None,
                    Source::File {
                        path: input.path.to_owned(),
                    },
                ),
                ComponentKind::File,
            );
            let sha256 = crate::component::HashAlgorithm::Sha256;
            component
                .hashes
                .insert(crate::component::Hash::new(sha256, &digest.sha256).unwrap());
            // The three sizes, for the test to read back.
            let sizes = Diagnostic::note(
                DiagnosticCode::InvalidEntry,
                input.location(None),
                format!("{} {} {}", input.bytes.len(), facts.size, digest.size),
            );
            Ok(Extraction {
                components: vec![component],
                diagnostics: vec![sizes],
                ..Extraction::default()
            })
        }
    }

    #[test]
    fn a_file_that_changes_while_it_is_hashed_is_reported_not_digested() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("model.safetensors");
        // Sparse: 40 MB of zeros, so the progress callback runs (every 16 MB) before the end.
        std::fs::File::create(&path)
            .unwrap()
            .set_len(40 << 20)
            .unwrap();
        let mut grown = false;
        let error = stream_sha256(&path, &mut |_| {
            if !grown {
                let file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                std::io::Write::write_all(&mut &file, b"appended while hashing").unwrap();
                grown = true;
            }
        })
        .unwrap_err();
        assert!(
            error.to_string().contains("changed while it was hashed"),
            "{error}"
        );
        // Left alone, the same file hashes.
        assert!(stream_sha256(&path, &mut |_| {}).is_ok());
    }

    #[test]
    fn digests_are_streamed_for_extractors_that_ask_and_progress_is_reported() {
        use sha2::Digest as _;
        let temporary = tempfile::tempdir().unwrap();
        let content = vec![7u8; 3 * HASH_BUFFER_BYTES + 5];
        fs::write(temporary.path().join("a.weights"), &content).unwrap();
        fs::write(temporary.path().join("b.weights"), b"tiny").unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = Arc::clone(&seen);
        let options = ScanOptions {
            progress: Some(ProgressReporter::new(move |progress| {
                recorder.lock().unwrap().push(progress);
            })),
            ..ScanOptions::default()
        };
        let report = scan_with(&[&DIGEST], &[temporary.path().to_path_buf()], &options).unwrap();
        let big = report
            .graph
            .components()
            .find(|component| component.key.source.to_string().ends_with("a.weights"))
            .unwrap();
        assert_eq!(
            big.hashes.first().unwrap().value(),
            hex::encode(sha2::Sha256::digest(&content))
        );
        let size = content.len();
        let sizes: Vec<&str> = report
            .diagnostics
            .iter()
            .filter(|diagnostic| {
                diagnostic
                    .location
                    .as_ref()
                    .is_some_and(|location| location.path.ends_with("a.weights"))
            })
            .map(|diagnostic| diagnostic.message.as_str())
            .collect();
        assert_eq!(
            sizes,
            [format!("4 {size} {size}")],
            "a prefix read, the real size, the whole file hashed"
        );
        let seen = seen.lock().unwrap();
        let last = seen.last().unwrap();
        assert_eq!((last.files_done, last.files_total), (2, 2));
        assert_eq!(last.bytes_done, last.bytes_total);
        assert_eq!(last.bytes_total, size as u64 + 4);
        assert!(
            seen.len() >= 3,
            "reports while hashing, not only at the end"
        );
    }

    #[test]
    fn display_paths_are_slash_separated_and_relative() {
        assert_eq!(display_path(Path::new("./a/b")), "a/b");
        assert_eq!(display_path(Path::new(".")), ".");
        assert_eq!(display_path(Path::new("./")), ".");
    }
}
