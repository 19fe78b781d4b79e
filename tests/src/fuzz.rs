//! Fuzz entry points: one function per parser of untrusted bytes, shared by the cargo-fuzz
//! targets in `fuzz/` (libFuzzer, nightly or `RUSTC_BOOTSTRAP=1`) and by the stable tests that
//! replay the committed corpus (`tests/fixtures/fuzz-corpus/<target>/`) and run a seeded
//! mutation loop. An entry point never panics on any input: a panic (or a hang) is the bug the
//! fuzzer reports. Results are dropped; only "returns" matters.

use std::path::Path;

use scanner_core::extract::{Extractor, Input, MemoryFiles, EXTRACTORS};

/// One fuzz target: a stable name (its corpus directory and its cargo-fuzz target) and the
/// function that feeds it bytes.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
}

/// The file names each extractor is fed under (its `accepts` must hold for each; formats told
/// apart by name, like `.npy` and `.npz`, get one name each, and every input is run under all of
/// them). Every entry of [`EXTRACTORS`] needs a row: the `every_extractor_has_a_target` test
/// fails otherwise, so a new format cannot be left out of fuzzing.
pub const EXTRACTOR_FILE_NAMES: &[(&str, &[&str])] = &[
    ("cargo/cargo-lock", &["Cargo.lock"]),
    ("cargo/cargo-toml", &["Cargo.toml"]),
    ("python/requirements", &["requirements.txt"]),
    ("python/pipfile-lock", &["Pipfile.lock"]),
    ("python/pdm-lock", &["pdm.lock"]),
    ("python/pyproject", &["pyproject.toml"]),
    ("python/uv-lock", &["uv.lock"]),
    ("python/poetry-lock", &["poetry.lock"]),
    ("python/pylock", &["pylock.toml"]),
    ("model/model-card", &["README.md"]),
    ("model/hf-config", &["config.json"]),
    ("model/safetensors", &["model.safetensors"]),
    ("model/safetensors-index", &["model.safetensors.index.json"]),
    ("model/gguf", &["model.gguf"]),
    ("model/pickle", &["model.pkl"]),
    ("model/pytorch", &["pytorch_model.bin"]),
    ("model/numpy", &["arrays.npy", "arrays.npz"]),
    ("model/onnx", &["model.onnx"]),
    (
        "sbom/document",
        &["bom.cdx.json", "bom.cdx.xml", "bom.spdx.json"],
    ),
    ("mcp/mcp-json", &[".mcp.json"]),
    ("mcp/vscode-mcp-json", &[".vscode/mcp.json"]),
    ("mcp/claude-desktop-config", &["claude_desktop_config.json"]),
    ("mcp/claude-code-settings", &[".claude/settings.json"]),
    (
        "mcp/windsurf-mcp-config",
        &[".codeium/windsurf/mcp_config.json"],
    ),
    ("mcp/cline-mcp-settings", &["cline_mcp_settings.json"]),
    ("mcp/zed-settings", &[".zed/settings.json"]),
    ("mcp/gemini-settings", &[".gemini/settings.json"]),
    ("mcp/codex-config", &[".codex/config.toml"]),
    ("mcp/goose-config", &[".config/goose/config.yaml"]),
    ("mcp/tool-declarations", &["github.tools.json"]),
];

/// The directory every fuzzed file lives in (so path joins have a parent to work with).
const DIRECTORY: &str = "project";

/// Runs the extractor `id` on `data`, the way the scan driver would: the main file is also
/// readable through `input.files` (digest, open, list), so the on-demand paths are fuzzed too.
pub fn extractor(id: &str, data: &[u8]) {
    let Some(found) = EXTRACTORS.iter().copied().find(|e| e.id() == id) else {
        return;
    };
    let Some((_, file_names)) = EXTRACTOR_FILE_NAMES.iter().find(|(known, _)| *known == id) else {
        return;
    };
    for file_name in *file_names {
        run_extractor(found, &format!("{DIRECTORY}/{file_name}"), data);
    }
}

fn run_extractor(extractor: &dyn Extractor, path: &str, data: &[u8]) {
    let files = MemoryFiles::new().with(path, data);
    let prefix = match extractor.read_limit() {
        scanner_core::extract::ReadLimit::Prefix { bytes } => {
            data.get(..usize::try_from(bytes).unwrap_or(usize::MAX).min(data.len()))
        }
        scanner_core::extract::ReadLimit::Whole { .. } => Some(data),
    }
    .unwrap_or(data);
    let input = Input::new(path, prefix).with_files(&files);
    let _ = extractor.extract(&input);
    let _ = extractor.recognizes(prefix);
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

macro_rules! extractor_targets {
    ($($function:ident => $id:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $id, "` extractor.")]
            pub fn $function(data: &[u8]) {
                extractor($id, data);
            }
        )*
        /// Every extractor target, in [`EXTRACTORS`] order.
        pub const EXTRACTOR_TARGETS: &[Target] = &[
            $(Target { name: stringify!($function), run: $function },)*
        ];
    };
}

extractor_targets! {
    cargo_lock => "cargo/cargo-lock",
    cargo_toml => "cargo/cargo-toml",
    requirements_txt => "python/requirements",
    pipfile_lock => "python/pipfile-lock",
    pdm_lock => "python/pdm-lock",
    pyproject_toml => "python/pyproject",
    uv_lock => "python/uv-lock",
    poetry_lock => "python/poetry-lock",
    pylock_toml => "python/pylock",
    model_card => "model/model-card",
    hf_config => "model/hf-config",
    safetensors => "model/safetensors",
    safetensors_index => "model/safetensors-index",
    gguf => "model/gguf",
    pickle => "model/pickle",
    pytorch => "model/pytorch",
    numpy => "model/numpy",
    onnx => "model/onnx",
    sbom => "sbom/document",
    mcp_json => "mcp/mcp-json",
    vscode_mcp_json => "mcp/vscode-mcp-json",
    claude_desktop_config => "mcp/claude-desktop-config",
    claude_code_settings => "mcp/claude-code-settings",
    windsurf_mcp_config => "mcp/windsurf-mcp-config",
    cline_mcp_settings => "mcp/cline-mcp-settings",
    zed_settings => "mcp/zed-settings",
    gemini_settings => "mcp/gemini-settings",
    codex_config => "mcp/codex-config",
    goose_config => "mcp/goose-config",
    tool_declarations => "mcp/tool-declarations",
}

/// The targets that are not extractors.
pub const OTHER_TARGETS: &[Target] = &[
    Target {
        name: "osv_json",
        run: osv_json,
    },
    Target {
        name: "osv_yaml",
        run: osv_yaml,
    },
    Target {
        name: "rustsec_markdown",
        run: rustsec_markdown,
    },
    Target {
        name: "attestation_statement",
        run: attestation_statement,
    },
    Target {
        name: "attestation_envelope",
        run: attestation_envelope,
    },
    Target {
        name: "model_signing_bundle",
        run: model_signing_bundle,
    },
    Target {
        name: "advisory_bundle",
        run: advisory_bundle,
    },
];

/// Every target: the extractors, then the other parsers.
pub fn all_targets() -> Vec<Target> {
    EXTRACTOR_TARGETS
        .iter()
        .chain(OTHER_TARGETS)
        .copied()
        .collect()
}

/// Looks a target up by name (the fuzz crate's binaries and the replay test use this).
pub fn target(name: &str) -> Option<Target> {
    all_targets().into_iter().find(|target| target.name == name)
}

/// The extractor id a target name runs, when it is an extractor target.
pub fn extractor_id_of(name: &str) -> Option<&'static str> {
    let index = EXTRACTOR_TARGETS.iter().position(|t| t.name == name)?;
    EXTRACTOR_FILE_NAMES.get(index).map(|(id, _)| *id)
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
