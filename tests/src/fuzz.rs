//! Fuzz entry points: one target per parser of untrusted bytes (each row of the format table
//! `scanner_core::extract::FORMATS`, then the importers and verifiers listed here), shared by
//! the cargo-fuzz targets in `fuzz/` (libFuzzer, nightly or `RUSTC_BOOTSTRAP=1`) and by the
//! stable tests that replay the committed corpus (`tests/fixtures/fuzz-corpus/<target>/`) and
//! run a seeded mutation loop. An entry point never panics on any input: a panic (or a hang) is
//! the bug the fuzzer reports. Results are dropped; only "returns" matters.

use std::path::Path;

use scanner_core::extract::{Format, Input, MemoryFiles, ReadLimit, FORMATS};

/// One fuzz target: a stable name (its corpus directory and, for the other parsers, its
/// cargo-fuzz target) and what it feeds the bytes to.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    runs: Runs,
}

#[derive(Debug, Clone, Copy)]
enum Runs {
    /// A row of the format table, under each of its sample names.
    Format(&'static Format),
    Function(fn(&[u8])),
}

impl Target {
    /// Feeds `data` to the target; returns only if nothing panicked.
    pub fn run(&self, data: &[u8]) {
        match self.runs {
            Runs::Format(format) => run_format(format, data),
            Runs::Function(function) => function(data),
        }
    }

    /// The format the target fuzzes, when it is a row of the format table.
    pub fn format(&self) -> Option<&'static Format> {
        match self.runs {
            Runs::Format(format) => Some(format),
            Runs::Function(_) => None,
        }
    }
}

/// The directory every fuzzed file lives in (so path joins have a parent to work with).
const DIRECTORY: &str = "project";

/// Runs the format's parser on `data` under each of its sample names, the way the scan driver
/// would: only the prefix it reads is handed over, the content test is tried too, and the main
/// file is also readable through `input.files` (digest, open, list), so the on-demand paths are
/// fuzzed as well.
pub fn run_format(format: &Format, data: &[u8]) {
    for sample in format.samples {
        let path = format!("{DIRECTORY}/{}", sample.file);
        let files = MemoryFiles::new().with(&path, data);
        let prefix = match format.read {
            ReadLimit::Prefix { bytes } => {
                data.get(..usize::try_from(bytes).unwrap_or(usize::MAX).min(data.len()))
            }
            ReadLimit::Whole { .. } => Some(data),
        }
        .unwrap_or(data);
        let input = Input::new(&path, prefix).with_files(&files);
        let _ = format.extract(&input);
        let _ = format.recognizes_content(prefix);
    }
}

/// An OSV record in JSON (the importer's reader of GitHub, PyPA, OSSF and OSV exports).
pub fn osv_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = advisories::osv::from_json(text);
    }
}

/// An OSV record in YAML (the PyPA advisory database's files).
pub fn osv_yaml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = advisories::osv::from_yaml(text);
    }
}

/// A RustSec advisory: Markdown with TOML front matter.
pub fn rustsec_markdown(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = advisories::rustsec::looks_like_advisory(text);
        let _ = advisories::rustsec::from_markdown(text);
    }
}

/// An in-toto statement (the DSSE payload airlock verifies).
pub fn attestation_statement(data: &[u8]) {
    let _ = advisories::attestation::Statement::from_json(data);
}

/// A DSSE envelope (`airlock verify`'s input).
pub fn attestation_envelope(data: &[u8]) {
    let _ = advisories::attestation::Envelope::from_json(data);
}

/// The P-256 key the model_signing target verifies with: the committed test key, so inputs
/// derived from the committed signatures get past the signature check into the manifest.
const MODEL_SIGNING_KEY: &str = include_str!("../fixtures/attestation/model-signing/p256.pub");

/// An OpenSSF model_signing (sigstore) bundle.
pub fn model_signing_bundle(data: &[u8]) {
    use advisories::attestation::model_signing::{verify_bundle, EcPublicKey};
    if let Ok(key) = EcPublicKey::from_pem(MODEL_SIGNING_KEY, Path::new("p256.pub")) {
        let _ = verify_bundle(data, &key);
    }
}

/// An offline advisory bundle (`airlock db import bundle.zip`): a zip archive read from disk,
/// so the bytes go through a temporary file.
pub fn advisory_bundle(data: &[u8]) {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if std::io::Write::write_all(&mut file, data).is_err() {
        return;
    }
    let _ = advisories::bundle::is_bundle(file.path());
    // Unsigned allowed: the fuzzer reaches the manifest and database checks behind it.
    let _ = advisories::bundle::verify(file.path(), None, true);
}

/// The targets that are not formats of the table.
pub const OTHER_TARGETS: &[Target] = &[
    Target {
        name: "osv_json",
        runs: Runs::Function(osv_json),
    },
    Target {
        name: "osv_yaml",
        runs: Runs::Function(osv_yaml),
    },
    Target {
        name: "rustsec_markdown",
        runs: Runs::Function(rustsec_markdown),
    },
    Target {
        name: "attestation_statement",
        runs: Runs::Function(attestation_statement),
    },
    Target {
        name: "attestation_envelope",
        runs: Runs::Function(attestation_envelope),
    },
    Target {
        name: "model_signing_bundle",
        runs: Runs::Function(model_signing_bundle),
    },
    Target {
        name: "advisory_bundle",
        runs: Runs::Function(advisory_bundle),
    },
];

/// Every target: one per row of the format table (named by its `fuzz_target`, in table order),
/// then the other parsers.
pub fn all_targets() -> Vec<Target> {
    FORMATS
        .iter()
        .map(|format| Target {
            name: format.fuzz_target,
            runs: Runs::Format(format),
        })
        .chain(OTHER_TARGETS.iter().copied())
        .collect()
}

/// Looks a target up by name (the fuzz crate's binaries and the replay test use this).
pub fn target(name: &str) -> Option<Target> {
    all_targets().into_iter().find(|target| target.name == name)
}

/// A small deterministic generator (xorshift64*), so the mutation loop and the kill test are
/// reproducible from a seed without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            return 0;
        }
        usize::try_from(self.next_u64() % bound as u64).unwrap_or(0)
    }
}

/// Interesting bytes for mutations: delimiters of the text formats and boundary integers of the
/// binary ones.
const INTERESTING: &[&[u8]] = &[
    b"\"",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\n",
    b"=",
    b":",
    b"\0",
    b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x80",
    b"\x7f\xff\xff\xff\xff\xff\xff\xff",
    b"[[package]]\n",
    b"-r ",
    b"(",
    b"}}}}",
    b"[[[[",
    b"\xc3\x28",
    b"@",
    b"://",
    b"..",
    b"/",
];

/// Mutates `data` in place with a few random edits (flip, insert, delete, splice a token,
/// duplicate a block, truncate), like a fuzzer's havoc stage.
pub fn mutate(data: &mut Vec<u8>, rng: &mut Rng, max_len: usize) {
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        match rng.below(7) {
            0 if !data.is_empty() => {
                let at = rng.below(data.len());
                if let Some(byte) = data.get_mut(at) {
                    *byte ^= 1 << rng.below(8);
                }
            }
            1 => {
                let at = rng.below(data.len() + 1);
                let byte = u8::try_from(rng.below(256)).unwrap_or(0);
                data.insert(at, byte);
            }
            2 if !data.is_empty() => {
                let at = rng.below(data.len());
                let length = 1 + rng.below(16.min(data.len() - at));
                data.drain(at..at + length);
            }
            3 => {
                let at = rng.below(data.len() + 1);
                let token = INTERESTING
                    .get(rng.below(INTERESTING.len()))
                    .copied()
                    .unwrap_or_default();
                data.splice(at..at, token.iter().copied());
            }
            4 if !data.is_empty() => {
                let start = rng.below(data.len());
                let length = 1 + rng.below(64.min(data.len() - start));
                let block: Vec<u8> = data.get(start..start + length).unwrap_or_default().to_vec();
                let at = rng.below(data.len() + 1);
                data.splice(at..at, block);
            }
            5 if !data.is_empty() => {
                let keep = rng.below(data.len());
                data.truncate(keep);
            }
            _ if !data.is_empty() => {
                let at = rng.below(data.len());
                if let Some(byte) = data.get_mut(at) {
                    *byte = u8::try_from(rng.below(256)).unwrap_or(0);
                }
            }
            _ => data.push(u8::try_from(rng.below(256)).unwrap_or(0)),
        }
    }
    data.truncate(max_len);
}
