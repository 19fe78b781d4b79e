//! Criterion benchmarks of scanner-core's hot paths (issue 9, item 4: "`cargo bench` (criterion)
//! for the hot paths").
//!
//! - One group per extractor of the static registry (`extract/registry.rs`): the extractor's
//!   `extract` on the largest file it accepts, against a baseline measured on the same bytes in
//!   the same run: the bare syntax parse of the file (`toml::Table`, `serde_json::Value`, JSONC,
//!   YAML, a model card's YAML front matter) or, for line and binary formats, one plain pass
//!   counting newlines.
//! - Group `hashing`: airlock's streaming SHA-256 of weights (`scan::stream_sha256`, the path the
//!   scan driver takes for every extractor that wants a digest) over a 64 MiB file served from
//!   the page cache, against `sha2::Sha256::digest` of the same bytes in memory.
//!
//! Files come from the corpus (`$AIRLOCK_CORPUS`, or `<workspace root>/../shared/corpus`; its
//! `advisories/` is not scan input and is skipped); an extractor with no file there falls back to
//! `tests/fixtures` (fuzz seeds skipped), then `examples/agent-stack`, and the output says which.
//! Among the candidates the largest one the extractor reads without an error diagnostic is
//! chosen. Everything the extractor reads is loaded into memory once, before timing: the main
//! file (whole, or the prefix its `read_limit` asks for) and the files it reads through
//! `input.files`, found by one untimed run against the disk. (Joining a lock with its manifests
//! is the link stage's, not timed here: `benches/uv_lock.rs` times it.) A weights digest is computed once, as the driver does before extracting.
//!
//! `cargo bench -p scanner-core --bench hot_paths` measures (results under
//! `$CARGO_TARGET_DIR/criterion`, summarized into docs/PERFORMANCE.md by
//! `bench/criterion-report.py`); `cargo test --benches` runs every benchmark once, on a 1 MiB
//! hashing buffer, as a smoke test.

// A benchmark binary is a tool run by hand or by `bench/run.sh`, not a library code path: it
// reports on stdout and stops loudly on a broken setup, so the workspace's library lints against
// printing and unwrapping do not apply here.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::hint::black_box;
use std::io::Write as _;
use std::path::{Component as PathComponent, Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use scanner_core::diagnostic::{Diagnostic, DiagnosticCode, DiagnosticSeverity};
use scanner_core::extract::{
    DirectoryEntry, Extraction, FileDigest, FileFacts, FileReader, Format, Input, MemoryFiles,
    ReadLimit, ReadSeek, FORMATS,
};
use scanner_core::location::Location;
use scanner_core::scan::{stream_sha256, DEFAULT_SKIPPED_DIRECTORIES};
use sha2::Digest as _;

const MIB: usize = 1024 * 1024;
/// Files read through `input.files` are preloaded only up to this size each; larger ones stay
/// unreadable in the timed runs (and the output says so).
const PRELOAD_CAP: u64 = 64 * MIB as u64;
/// Candidates tried (largest first) before settling for one read with errors.
const CANDIDATES_TRIED: usize = 25;

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let bench_mode = arguments.iter().any(|argument| argument == "--bench")
        && !arguments.iter().any(|argument| argument == "--test");
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();

    let workspace_root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("scanner-core lies inside the workspace")
        .to_path_buf();
    let roots = source_roots(&workspace_root);
    if roots.is_empty() {
        println!("hot_paths: no corpus, tests/fixtures or examples/agent-stack found: extractor groups skipped");
    } else {
        extractor_groups(&mut criterion, &roots);
    }
    hashing_group(&mut criterion, bench_mode);
    criterion.final_summary();
}

/// A directory files are picked from, in order of preference.
#[derive(Debug)]
struct SourceRoot {
    label: String,
    path: PathBuf,
    /// 0 for the corpus, 1 for the repository's own files (pooled: the largest of them wins).
    tier: u8,
    /// First-level directories that are not scan input.
    skipped: &'static [&'static str],
}

fn source_roots(workspace_root: &Path) -> Vec<SourceRoot> {
    let corpus = match std::env::var_os("AIRLOCK_CORPUS") {
        Some(path) if !path.is_empty() => SourceRoot {
            label: format!("corpus {} (AIRLOCK_CORPUS)", PathBuf::from(&path).display()),
            path: PathBuf::from(path),
            tier: 0,
            skipped: &["advisories"],
        },
        _ => SourceRoot {
            label: "corpus".to_owned(),
            path: workspace_root.join("../shared/corpus"),
            tier: 0,
            skipped: &["advisories"],
        },
    };
    if !corpus.path.is_dir() {
        println!(
            "hot_paths: no corpus at {}: every extractor falls back to the repository's files",
            corpus.path.display()
        );
    }
    let fixtures = SourceRoot {
        label: "fallback tests/fixtures".to_owned(),
        path: workspace_root.join("tests/fixtures"),
        tier: 1,
        skipped: &["fuzz-corpus", "advisories"],
    };
    let example = SourceRoot {
        label: "fallback examples/agent-stack".to_owned(),
        path: workspace_root.join("examples/agent-stack"),
        tier: 1,
        skipped: &["advisories"],
    };
    [corpus, fixtures, example]
        .into_iter()
        .filter(|root| root.path.is_dir())
        .collect()
}

/// Every regular file below `directory` (not following symlinks, skipping what a scan skips),
/// as root-relative `/`-separated paths with their sizes.
fn walk(root: &SourceRoot) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    let mut pending = vec![root.path.clone()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            let relative = support::relative_display(&root.path, &path);
            if file_type.is_dir() {
                let name = entry.file_name();
                let skipped_by_scan = name
                    .to_str()
                    .is_some_and(|name| DEFAULT_SKIPPED_DIRECTORIES.contains(&name));
                if !skipped_by_scan && !root.skipped.contains(&relative.as_str()) {
                    pending.push(path);
                }
            } else if file_type.is_file() {
                let size = entry.metadata().map_or(0, |metadata| metadata.len());
                found.push((relative, size));
            }
        }
    }
    found.sort();
    found
}

/// One extractor's input, everything in memory.
#[derive(Debug)]
struct Case {
    root_label: String,
    path: String,
    file_size: u64,
    bytes: Vec<u8>,
    files: Preloaded,
    preloaded: usize,
    not_preloaded: Vec<String>,
}

impl Case {
    fn input(&self) -> Input<'_> {
        Input::new(&self.path, &self.bytes).with_files(&self.files)
    }

    fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

fn extractor_groups(criterion: &mut Criterion, roots: &[SourceRoot]) {
    let listings: Vec<Vec<(String, u64)>> = roots.iter().map(walk).collect();
    for extractor in FORMATS {
        let chosen = [0u8, 1].into_iter().find_map(|tier| {
            let mut candidates: Vec<(&SourceRoot, &str, u64)> = roots
                .iter()
                .zip(&listings)
                .filter(|(root, _)| root.tier == tier)
                .flat_map(|(root, listing)| {
                    listing
                        .iter()
                        .filter(|(path, _)| extractor.accepts(Path::new(path)))
                        .map(move |(path, size)| (root, path.as_str(), *size))
                })
                .collect();
            if candidates.is_empty() {
                return None;
            }
            // Largest first; root and path break ties so the choice is stable.
            candidates.sort_by(|a, b| {
                b.2.cmp(&a.2)
                    .then_with(|| a.0.label.cmp(&b.0.label))
                    .then_with(|| a.1.cmp(b.1))
            });
            choose(extractor, &candidates)
        });
        let Some((case, trial)) = chosen else {
            println!(
                "extract {}: no readable file in the corpus, tests/fixtures or examples/agent-stack: \
                 skipped",
                extractor.id
            );
            continue;
        };
        let baseline = Baseline::for_file(&case.path, &case.bytes);
        println!(
            "extract {}: {} {} ({} bytes on disk, {} given to the extractor; {}; {}; \
             baseline: {})",
            extractor.id,
            case.root_label,
            case.path,
            case.file_size,
            case.bytes.len(),
            files_note(&case),
            trial,
            baseline.describe(),
        );

        let mut group = criterion.benchmark_group(format!("extract {}", extractor.id));
        group.throughput(Throughput::Bytes(case.bytes.len() as u64));
        let input = case.input();
        group.bench_with_input(
            BenchmarkId::new(format!("baseline {}", baseline.name()), case.file_name()),
            &case.bytes,
            |bencher, bytes| bencher.iter(|| baseline.run(black_box(bytes))),
        );
        group.bench_with_input(
            BenchmarkId::new(format!("airlock {}", extractor.id), case.file_name()),
            &input,
            |bencher, input| bencher.iter(|| extractor.extract(black_box(input))),
        );
        group.finish();
    }
}

fn files_note(case: &Case) -> String {
    let mut note = format!(
        "{} file(s) read through input.files preloaded",
        case.preloaded
    );
    if !case.not_preloaded.is_empty() {
        note.push_str(&format!(
            " ({} over {PRELOAD_CAP} bytes left out: {})",
            case.not_preloaded.len(),
            case.not_preloaded.join(", ")
        ));
    }
    note
}

/// The largest candidate the extractor reads cleanly (or, failing that, the largest it reads at
/// all, or the largest), with a description of the untimed run.
fn choose(extractor: &Format, candidates: &[(&SourceRoot, &str, u64)]) -> Option<(Case, String)> {
    let mut fallback: Option<(Case, String)> = None;
    for (root, path, size) in candidates.iter().take(CANDIDATES_TRIED) {
        let Some(case) = prepare(extractor, root, path, *size) else {
            continue;
        };
        let outcome = extractor.extract(&case.input());
        let summary = describe_outcome(&outcome);
        let clean = outcome.as_ref().is_ok_and(|extraction| {
            !extraction
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.severity == DiagnosticSeverity::Error)
        });
        if clean {
            return Some((case, summary));
        }
        let better = match &fallback {
            None => true,
            // A file read with error diagnostics beats one refused outright.
            Some((_, previous)) => previous.starts_with("refused") && outcome.is_ok(),
        };
        if better {
            fallback = Some((case, format!("{summary}; no larger file read cleanly")));
        }
    }
    fallback
}

fn describe_outcome(outcome: &Result<Extraction, scanner_core::extract::ExtractError>) -> String {
    match outcome {
        Ok(extraction) => format!(
            "reads {} components, {} edges, {} diagnostics",
            extraction.components.len(),
            extraction.references.len(),
            extraction.diagnostics.len()
        ),
        Err(error) => format!("refused: {error}"),
    }
}

/// Loads what the extractor needs into memory: the main file per its read limit and what it
/// reads through `input.files` in one run on disk.
fn prepare(extractor: &Format, root: &SourceRoot, path: &str, size: u64) -> Option<Case> {
    let disk_path = root.path.join(path);
    let whole = fs::read(&disk_path).ok()?;
    let bytes = match extractor.read {
        ReadLimit::Whole { max_bytes } if size > max_bytes => return None,
        ReadLimit::Whole { .. } => whole.clone(),
        ReadLimit::Prefix { bytes } => {
            let end = usize::try_from(bytes)
                .unwrap_or(usize::MAX)
                .min(whole.len());
            whole[..end].to_vec()
        }
    };
    // One run against the disk records what the extractor reads besides its input.
    let recorder = RecordingDisk {
        root: root.path.clone(),
        touched: Mutex::new(BTreeSet::new()),
        listed: Mutex::new(BTreeSet::new()),
    };
    let probe = Input::new(path, &bytes).with_files(&recorder);
    let _ = extractor.extract(&probe);
    let mut wanted: BTreeSet<String> = recorder.touched.into_inner().ok()?;
    for directory in recorder.listed.into_inner().ok()? {
        let disk_directory = if directory.is_empty() {
            root.path.clone()
        } else {
            root.path.join(&directory)
        };
        if let Ok(entries) = fs::read_dir(disk_directory) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_file()) {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    wanted.insert(if directory.is_empty() {
                        name
                    } else {
                        format!("{directory}/{name}")
                    });
                }
            }
        }
    }
    let mut memory = MemoryFiles::new();
    let mut digests = BTreeMap::new();
    let mut preloaded = 0;
    let mut not_preloaded = Vec::new();
    for wanted_path in &wanted {
        let Some(wanted_disk) = inside(&root.path, wanted_path) else {
            continue;
        };
        let Ok(metadata) = fs::metadata(&wanted_disk) else {
            continue;
        };
        if metadata.len() > PRELOAD_CAP {
            not_preloaded.push(wanted_path.clone());
            continue;
        }
        let Ok(content) = fs::read(&wanted_disk) else {
            continue;
        };
        memory = memory.with(wanted_path, content);
        preloaded += 1;
    }
    if extractor.digest {
        // The scan driver hashes weights before extracting and serves the digest.
        digests.insert(
            path.to_owned(),
            FileDigest {
                sha256: hex::encode(sha2::Sha256::digest(&whole)),
                sha512: None,
                size: whole.len() as u64,
            },
        );
    }
    Some(Case {
        root_label: root.label.clone(),
        path: path.to_owned(),
        file_size: size,
        bytes,
        files: Preloaded {
            files: memory,
            digests,
        },
        preloaded,
        not_preloaded,
    })
}

/// `root`/`path` when `path` is relative and stays below `root`.
fn inside(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path);
    relative
        .components()
        .all(|component| matches!(component, PathComponent::Normal(_) | PathComponent::CurDir))
        .then(|| root.join(relative))
}

fn refused(path: &str, message: String) -> Diagnostic {
    Diagnostic::error(DiagnosticCode::ReadError, Location::file(path), message)
}

/// Serves files from disk below `root` and records every path asked for (the untimed run).
#[derive(Debug)]
struct RecordingDisk {
    root: PathBuf,
    touched: Mutex<BTreeSet<String>>,
    listed: Mutex<BTreeSet<String>>,
}

impl RecordingDisk {
    fn resolve(&self, path: &str) -> Result<PathBuf, Diagnostic> {
        if let Ok(mut touched) = self.touched.lock() {
            touched.insert(path.to_owned());
        }
        inside(&self.root, path)
            .ok_or_else(|| refused(path, "outside the benchmark's root".to_owned()))
    }
}

impl FileReader for RecordingDisk {
    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        fs::read(self.resolve(path)?).map_err(|error| refused(path, error.to_string()))
    }

    fn facts(&self, path: &str) -> Result<FileFacts, Diagnostic> {
        let metadata =
            fs::metadata(self.resolve(path)?).map_err(|error| refused(path, error.to_string()))?;
        Ok(FileFacts {
            size: metadata.len(),
            link_target: None,
        })
    }

    fn list(&self, directory: &str) -> Result<Vec<DirectoryEntry>, Diagnostic> {
        if let Ok(mut listed) = self.listed.lock() {
            listed.insert(directory.to_owned());
        }
        let disk = if directory.is_empty() {
            self.root.clone()
        } else {
            inside(&self.root, directory)
                .ok_or_else(|| refused(directory, "outside the benchmark's root".to_owned()))?
        };
        let mut entries: Vec<DirectoryEntry> = fs::read_dir(disk)
            .map_err(|error| refused(directory, error.to_string()))?
            .flatten()
            .map(|entry| {
                let metadata = entry.metadata().ok();
                DirectoryEntry {
                    name: entry.file_name().to_string_lossy().into_owned(),
                    is_file: metadata.as_ref().is_some_and(fs::Metadata::is_file),
                    size: metadata.map_or(0, |metadata| metadata.len()),
                }
            })
            .collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    fn open(&self, path: &str) -> Result<Box<dyn ReadSeek + '_>, Diagnostic> {
        let file = fs::File::open(self.resolve(path)?)
            .map_err(|error| refused(path, error.to_string()))?;
        Ok(Box::new(file))
    }

    fn digest(&self, path: &str) -> Result<FileDigest, Diagnostic> {
        let bytes = self.read(path)?;
        Ok(FileDigest {
            sha256: hex::encode(sha2::Sha256::digest(&bytes)),
            sha512: None,
            size: bytes.len() as u64,
        })
    }
}

/// The files of the untimed run, in memory, with digests computed ahead as the driver does.
#[derive(Debug)]
struct Preloaded {
    files: MemoryFiles,
    digests: BTreeMap<String, FileDigest>,
}

impl FileReader for Preloaded {
    fn read(&self, path: &str) -> Result<Vec<u8>, Diagnostic> {
        self.files.read(path)
    }

    fn facts(&self, path: &str) -> Result<FileFacts, Diagnostic> {
        self.files.facts(path)
    }

    fn list(&self, directory: &str) -> Result<Vec<DirectoryEntry>, Diagnostic> {
        self.files.list(directory)
    }

    fn open(&self, path: &str) -> Result<Box<dyn ReadSeek + '_>, Diagnostic> {
        self.files.open(path)
    }

    fn digest(&self, path: &str) -> Result<FileDigest, Diagnostic> {
        match self.digests.get(path) {
            Some(digest) => Ok(digest.clone()),
            None => self.files.digest(path),
        }
    }
}

/// The bare syntax parse any reader of the file must do, the yardstick of its extractor.
#[derive(Debug, Clone, Copy)]
enum Baseline {
    Toml,
    Json,
    Jsonc,
    Yaml,
    /// A Markdown file's YAML front matter (model cards): only the YAML between the `---` lines.
    FrontMatter,
    /// Line and binary formats: one pass over the bytes counting newlines.
    Lines,
}

impl Baseline {
    /// The first syntax the file parses as, tried in the order its name suggests.
    fn for_file(path: &str, bytes: &[u8]) -> Baseline {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let order: &[Baseline] = if name.ends_with(".toml") || name.ends_with(".lock") {
            &[Baseline::Toml, Baseline::Json]
        } else if name.ends_with(".json") {
            &[Baseline::Json, Baseline::Jsonc]
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            &[Baseline::Yaml]
        } else if name.ends_with(".md") {
            &[Baseline::FrontMatter]
        } else {
            &[]
        };
        order
            .iter()
            .copied()
            .find(|baseline| baseline.run(bytes).is_some())
            .unwrap_or(Baseline::Lines)
    }

    fn name(self) -> &'static str {
        match self {
            Baseline::Toml => "toml::Table",
            Baseline::Json => "serde_json::Value",
            Baseline::Jsonc => "jsonc_parser::parse_to_value",
            Baseline::Yaml => "serde_saphyr to serde_json::Value",
            Baseline::FrontMatter => "front matter serde_saphyr to serde_json::Value",
            Baseline::Lines => "newline count",
        }
    }

    fn describe(self) -> String {
        match self {
            Baseline::Lines => {
                "newline count over the same bytes (no syntax parse applies)".to_owned()
            }
            other => format!("{} parse of the same bytes", other.name()),
        }
    }

    /// Parses (or scans) `bytes`; `None` when they are not of this syntax. The result is kept
    /// alive through `black_box` so the parse is not optimized away.
    fn run(self, bytes: &[u8]) -> Option<usize> {
        match self {
            Baseline::Toml => {
                let text = std::str::from_utf8(bytes).ok()?;
                let table = toml::from_str::<toml::Table>(text).ok()?;
                Some(black_box(table).len())
            }
            Baseline::Json => {
                let value = serde_json::from_slice::<serde_json::Value>(bytes).ok()?;
                Some(usize::from(black_box(value).is_object()))
            }
            Baseline::Jsonc => {
                let text = std::str::from_utf8(bytes).ok()?;
                let options = jsonc_parser::ParseOptions::default();
                let value = jsonc_parser::parse_to_value(text, &options).ok()?;
                Some(usize::from(black_box(value).is_some()))
            }
            Baseline::Yaml => {
                let text = std::str::from_utf8(bytes).ok()?;
                let value = serde_saphyr::from_str::<serde_json::Value>(text).ok()?;
                Some(usize::from(black_box(value).is_object()))
            }
            Baseline::FrontMatter => {
                let text = std::str::from_utf8(bytes).ok()?;
                let yaml = front_matter(text)?;
                let value = serde_saphyr::from_str::<serde_json::Value>(yaml).ok()?;
                Some(usize::from(black_box(value).is_object()))
            }
            Baseline::Lines => Some(bytes.iter().filter(|&&byte| byte == b'\n').count()),
        }
    }
}

/// The YAML between a leading `---` line and the next `---` line.
fn front_matter(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("---")?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    let end = rest.find("\n---")?;
    rest.get(..end)
}

/// Airlock's streaming SHA-256 (from the page cache, through its fixed 1 MiB buffer) against
/// `sha2` over the same bytes in memory.
fn hashing_group(criterion: &mut Criterion, bench_mode: bool) {
    let size = if bench_mode { 64 * MIB } else { MIB };
    let buffer = pseudo_random_bytes(size);
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let file_path = scratch.path().join("weights.bin");
    {
        let mut file = fs::File::create(&file_path).expect("the scratch file can be created");
        file.write_all(&buffer)
            .expect("the scratch file can be written");
        file.sync_all().expect("the scratch file can be flushed");
    }
    // Both must agree, or the comparison means nothing.
    let streamed = stream_sha256(&file_path, &mut |_| {}).expect("the scratch file hashes");
    assert_eq!(streamed.sha256, hex::encode(sha2::Sha256::digest(&buffer)));
    println!(
        "hashing: {} MiB of pseudo-random bytes; airlock streams them from a file in the page \
         cache ({}), the baseline hashes the in-memory buffer",
        size / MIB,
        scratch.path().display()
    );

    let mut group = criterion.benchmark_group("hashing");
    // One 64 MiB hash takes a good fraction of a second: flat sampling keeps the run short.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(size as u64));
    let label = format!("{} MiB", size / MIB);
    group.bench_with_input(
        BenchmarkId::new("baseline sha2::Sha256::digest", &label),
        &buffer,
        |bencher, buffer| bencher.iter(|| sha2::Sha256::digest(black_box(buffer))),
    );
    group.bench_with_input(
        BenchmarkId::new("airlock scan::stream_sha256", &label),
        &file_path,
        |bencher, path| {
            bencher.iter(|| {
                stream_sha256(black_box(path), &mut |bytes| {
                    black_box(bytes);
                })
            })
        },
    );
    group.finish();
    drop(buffer);
    scratch
        .close()
        .expect("the scratch directory can be removed");
}

/// Deterministic incompressible bytes (xorshift64*), so no layer can shortcut the hash.
fn pseudo_random_bytes(size: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = Vec::with_capacity(size + 8);
    while bytes.len() < size {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        bytes.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    bytes.truncate(size);
    bytes
}
