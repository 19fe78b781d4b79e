//! The malformed-input suite: for every format airlock reads, files that are empty, truncated
//! at several points, binary garbage, deeply nested, huge (generated here, sparse where
//! possible: a 100 MB line, a safetensors header claiming 10 GB, a GGUF claiming a billion
//! tensors, zip bombs, pickles with millions of opcodes or a million levels of nesting), with
//! every field of the wrong type, or of an unknown version. Each is scanned by the real driver;
//! each must end without a panic, within a time bound, in bounded memory, and (unless the file
//! is still valid) with a diagnostic naming the file, and its line where the format has lines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support;
use integration_tests::fuzz::Rng;
use scanner_core::extract::{FileMatch, Syntax, FORMATS};
use scanner_core::scan::{scan, ScanOptions};
use scanner_core::DiagnosticSeverity;

/// What a case must end in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Nothing beyond "no panic, in time, every diagnostic names the file" (an empty
    /// requirements file, or a truncation that happens to stay valid, is fine).
    Anything,
    /// An error or warning naming the file.
    Diagnostic,
    /// An error or warning naming the file and a line.
    DiagnosticWithLine,
}

/// One file name of a format, as the suite writes it: the file, the corpus its seed comes from
/// and its syntax, which drives the nested, wrong-type and huge variants.
struct Format {
    file: &'static str,
    corpus: &'static str,
    kind: Syntax,
    /// Known by content alone (binaries): bytes it does not recognize are not its files.
    by_content: bool,
}

/// The samples of the format table, in table order: every format, the agent client configs
/// (`mcp/*`) included.
fn formats() -> Vec<Format> {
    FORMATS
        .iter()
        .flat_map(|format| {
            format.samples.iter().map(|sample| Format {
                file: sample.file,
                corpus: format.fuzz_target,
                kind: sample.syntax,
                by_content: matches!(format.files, FileMatch::Content),
            })
        })
        .collect()
}

enum Content {
    Bytes(Vec<u8>),
    /// `prefix`, then zeros up to `length` (a sparse file: no disk used for the zeros).
    Sparse {
        prefix: Vec<u8>,
        length: u64,
    },
}

struct Case {
    name: String,
    file: &'static str,
    content: Content,
    expect: Expect,
}

fn corpus_seed(format: &Format) -> Vec<u8> {
    let directory = support::fixtures().join("fuzz-corpus").join(format.corpus);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            // Files without an extension (`METADATA`) go by their whole name.
            let extension = Path::new(format.file)
                .extension()
                .or_else(|| Path::new(format.file).file_name())
                .unwrap()
                .to_string_lossy();
            // The seed of the same flavour (`.npz` vs `.npy`, XML vs JSON SBOM), preferring a
            // well-formed one (fixture names say `broken`, `truncated`, `corrupt`...).
            name.ends_with(extension.as_ref())
                || (format.file.ends_with(".spdx.json") && name.contains("spdx"))
                || !matches!(format.file, "bom.cdx.xml" | "bom.spdx.json")
        })
        .collect();
    paths.sort_by_key(|path| {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        [
            "broken",
            "truncated",
            "corrupt",
            "unsupported",
            "bad",
            "malicious",
            "error",
        ]
        .iter()
        .any(|word| name.contains(word))
    });
    paths
        .first()
        .map(|path| std::fs::read(path).unwrap())
        .unwrap_or_default()
}

/// Every string becomes a number, every number a string, every array an object, every object
/// keeps its keys: wrong types in every field at once.
fn wrong_types_json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(_) => Value::from(12345),
        Value::Number(_) | Value::Bool(_) => Value::from("not a number"),
        Value::Array(items) => Value::Object(
            items
                .into_iter()
                .enumerate()
                .map(|(index, item)| (index.to_string(), wrong_types_json(item)))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, wrong_types_json(v)))
                .collect(),
        ),
        Value::Null => Value::from(true),
    }
}

fn wrong_types_toml(value: toml::Value) -> toml::Value {
    use toml::Value;
    match value {
        Value::String(_) => Value::Integer(12345),
        Value::Integer(_) | Value::Float(_) | Value::Boolean(_) | Value::Datetime(_) => {
            Value::String("not a number".to_owned())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(wrong_types_toml).collect()),
        Value::Table(table) => Value::Table(
            table
                .into_iter()
                .map(|(k, v)| (k, wrong_types_toml(v)))
                .collect(),
        ),
    }
}

fn wrong_types(format: &Format, seed: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(seed).ok()?;
    match format.kind {
        Syntax::Json | Syntax::Jsonc => {
            let value: serde_json::Value = serde_json::from_str(text).ok()?;
            Some(serde_json::to_vec_pretty(&wrong_types_json(value)).unwrap())
        }
        Syntax::Toml => {
            let value: toml::Value = toml::from_str(text).ok()?;
            let wrong = wrong_types_toml(value);
            Some(toml::to_string(&wrong).ok()?.into_bytes())
        }
        _ => None,
    }
}

/// Files of a known format with a version airlock does not know.
fn unknown_versions() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Cargo.lock", "version = 99\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"),
        ("uv.lock", "version = 99\nrequires-python = \">=3.8\"\n"),
        ("pylock.toml", "lock-version = \"99.0\"\ncreated-by = \"x\"\n"),
        ("pdm.lock", "[metadata]\nlock_version = \"99.0\"\ncontent_hash = \"x\"\n"),
        ("poetry.lock", "[metadata]\nlock-version = \"99.0\"\npython-versions = \"*\"\ncontent-hash = \"x\"\n"),
        ("Pipfile.lock", "{\"_meta\": {\"pipfile-spec\": 99, \"requires\": {}, \"sources\": []}, \"default\": {}, \"develop\": {}}\n"),
        ("bom.cdx.json", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"9.9\", \"version\": 1, \"components\": []}\n"),
        ("bom.spdx.json", "{\"spdxVersion\": \"SPDX-9.9\", \"SPDXID\": \"SPDXRef-DOCUMENT\", \"packages\": []}\n"),
    ]
}

fn nested(kind: Syntax) -> Option<Vec<u8>> {
    let depth = 100_000;
    Some(match kind {
        Syntax::Toml => format!("a = {}\n", "[".repeat(depth)).into_bytes(),
        Syntax::Json | Syntax::Jsonc => format!("{{\"a\": {}", "[".repeat(depth)).into_bytes(),
        Syntax::Yaml => format!("a: {}\n", "[".repeat(depth)).into_bytes(),
        Syntax::Markdown => {
            format!("---\nlicense: {}\n---\n# card\n", "[".repeat(depth)).into_bytes()
        }
        Syntax::Xml => format!("<?xml version=\"1.0\"?>\n{}", "<a>".repeat(depth)).into_bytes(),
        Syntax::Lines => format!("name{}\n", "[".repeat(depth)).into_bytes(),
        Syntax::Binary => return None,
    })
}

/// Bits of a DEFLATE stream (RFC 1951): header fields and extra bits go least significant bit
/// first, Huffman codes most significant bit first.
#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    used: u32,
}

impl Bits {
    fn push(&mut self, bit: u32) {
        if self.used.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit != 0 {
            *self.bytes.last_mut().unwrap() |= 1 << (self.used % 8);
        }
        self.used += 1;
    }
    fn value(&mut self, value: u32, count: u32) {
        (0..count).for_each(|index| self.push((value >> index) & 1));
    }
    fn code(&mut self, code: u32, count: u32) {
        (0..count)
            .rev()
            .for_each(|index| self.push((code >> index) & 1));
    }
}

/// A zip bomb built by hand (compressing hundreds of megabytes in a debug build is slow): one
/// deflated entry of `1 + 258 * copies` zeros, in a fixed-Huffman block of one literal and
/// `copies` back-references of length 258 at distance 1, 13 bits each. The CRC is left 0: a
/// reader that inflates it all fails at the end, one that caps what it inflates never gets
/// there; either way it must answer quickly, in bounded memory.
fn zip_bomb(entry: &str, copies: usize) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.value(1, 1); // BFINAL
    bits.value(1, 2); // fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    for _ in 0..copies {
        bits.code(0xC5, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    let data = bits.bytes;
    let uncompressed = u32::try_from(1 + 258 * copies).unwrap();
    let compressed = u32::try_from(data.len()).unwrap();
    let name = entry.as_bytes();
    let name_length = u16::try_from(name.len()).unwrap();
    let mut zip = Vec::new();
    let common = |out: &mut Vec<u8>| {
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&8u16.to_le_bytes()); // deflate
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
        out.extend_from_slice(&0u32.to_le_bytes()); // crc
        out.extend_from_slice(&compressed.to_le_bytes());
        out.extend_from_slice(&uncompressed.to_le_bytes());
        out.extend_from_slice(&name_length.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra length
    };
    zip.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    common(&mut zip);
    zip.extend_from_slice(name);
    zip.extend_from_slice(&data);
    let directory_offset = u32::try_from(zip.len()).unwrap();
    zip.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    zip.extend_from_slice(&20u16.to_le_bytes()); // version made by
    common(&mut zip);
    zip.extend_from_slice(&[0; 12]); // comment length, disk, attributes, external attributes
    zip.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    zip.extend_from_slice(name);
    let directory_size = u32::try_from(zip.len()).unwrap() - directory_offset;
    zip.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[0; 4]); // disk numbers
    zip.extend_from_slice(&1u16.to_le_bytes());
    zip.extend_from_slice(&1u16.to_le_bytes());
    zip.extend_from_slice(&directory_size.to_le_bytes());
    zip.extend_from_slice(&directory_offset.to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

/// A zlib stream of `1 + 258 * copies` zeros, deflated by hand like [`zip_bomb`]'s entry (the
/// Adler-32 is left 0).
fn zlib_bomb(copies: usize) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.value(1, 1); // BFINAL
    bits.value(1, 2); // fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    for _ in 0..copies {
        bits.code(0xC5, 8); // length 258 (code 285)
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    let mut stream = vec![0x78, 0x01];
    stream.extend_from_slice(&bits.bytes);
    stream.extend_from_slice(&[0; 4]);
    stream
}

/// The audited ELF fixture (`cargo-auditable/tiny-audited`, 64-bit little-endian) with its
/// `.dep-v0` section header rewritten: pointing at `payload` (appended to the file), or
/// claiming `claimed` bytes.
fn audited_elf(payload: Option<&[u8]>, claimed: Option<u64>) -> Vec<u8> {
    let mut elf = std::fs::read(support::fixtures().join("cargo-auditable/tiny-audited")).unwrap();
    let word = |elf: &[u8], at: usize, size: usize| -> u64 {
        let mut bytes = [0u8; 8];
        bytes[..size].copy_from_slice(&elf[at..at + size]);
        u64::from_le_bytes(bytes)
    };
    let headers = word(&elf, 0x28, 8) as usize;
    let entry = word(&elf, 0x3A, 2) as usize;
    let count = word(&elf, 0x3C, 2) as usize;
    let names = headers + entry * word(&elf, 0x3E, 2) as usize;
    let names_offset = word(&elf, names + 0x18, 8) as usize;
    let section = (0..count)
        .map(|index| headers + entry * index)
        .find(|header| {
            let name = names_offset + word(&elf, *header, 4) as usize;
            elf[name..].starts_with(b".dep-v0\0")
        })
        .unwrap();
    if let Some(payload) = payload {
        let offset = elf.len() as u64;
        elf.extend_from_slice(payload);
        elf[section + 0x18..section + 0x20].copy_from_slice(&offset.to_le_bytes());
        elf[section + 0x20..section + 0x28].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    }
    if let Some(claimed) = claimed {
        elf[section + 0x20..section + 0x28].copy_from_slice(&claimed.to_le_bytes());
    }
    elf
}

/// A `.npz` seed: the `.npy` seed stored in a zip, as NumPy's `savez` writes it.
fn npz_of(npy: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("weights.npy", options).unwrap();
    writer.write_all(npy).unwrap();
    writer.finish().unwrap().into_inner()
}

fn binary_huge(file: &str) -> Vec<(String, Content, Expect)> {
    match file {
        "model.safetensors" => {
            // The 8-byte header length claims 10 GB; the file is tiny.
            let mut bytes = 10_000_000_000u64.to_le_bytes().to_vec();
            bytes.extend_from_slice(b"{\"a\":");
            vec![(
                "header claiming 10 GB".to_owned(),
                Content::Bytes(bytes),
                Expect::Diagnostic,
            )]
        }
        "model.gguf" => {
            let mut bytes = b"GGUF".to_vec();
            bytes.extend_from_slice(&3u32.to_le_bytes());
            bytes.extend_from_slice(&1_000_000_000u64.to_le_bytes()); // tensors
            bytes.extend_from_slice(&1_000_000_000u64.to_le_bytes()); // metadata entries
            vec![(
                "a billion tensors".to_owned(),
                Content::Bytes(bytes),
                Expect::Diagnostic,
            )]
        }
        "model.pkl" => {
            let mut many = b"\x80\x02".to_vec();
            for _ in 0..3_000_000 {
                many.extend_from_slice(b"N0"); // NONE, POP
            }
            many.extend_from_slice(b"N.");
            let mut deep = b"\x80\x02".to_vec();
            deep.extend(std::iter::repeat_n(b'(', 1_000_000)); // MARK
            deep.extend(std::iter::repeat_n(b'l', 1_000_000)); // LIST
            deep.push(b'.');
            let mut deep_lists = b"\x80\x02".to_vec();
            deep_lists.extend(std::iter::repeat_n(b']', 1_000_000)); // EMPTY_LIST
            deep_lists.extend(std::iter::repeat_n(b'a', 999_999)); // APPEND
            deep_lists.push(b'.');
            vec![
                (
                    "six million opcodes".to_owned(),
                    Content::Bytes(many),
                    Expect::Anything,
                ),
                (
                    "a million nested marks".to_owned(),
                    Content::Bytes(deep),
                    Expect::Anything,
                ),
                (
                    "a million nested lists".to_owned(),
                    Content::Bytes(deep_lists),
                    Expect::Anything,
                ),
            ]
        }
        "pytorch_model.bin" => vec![(
            "zip bomb (256 MB of zeros in data.pkl)".to_owned(),
            Content::Bytes(zip_bomb("archive/data.pkl", (256 << 20) / 258)),
            Expect::Diagnostic,
        )],
        "arrays.npz" => vec![(
            "zip bomb (256 MB of zeros in an array)".to_owned(),
            Content::Bytes(zip_bomb("a.npy", (256 << 20) / 258)),
            Expect::Diagnostic,
        )],
        "app" => {
            // A universal Mach-O header counting 44 architectures (the most a walk takes for
            // one: a Java class file shares the magic), whose table lies past the end.
            let mut fat = 0xCAFE_BABEu32.to_be_bytes().to_vec();
            fat.extend_from_slice(&44u32.to_be_bytes());
            fat.extend_from_slice(&[0; 64]);
            vec![
                (
                    "a section claiming 10 GB".to_owned(),
                    Content::Bytes(audited_elf(None, Some(10_000_000_000))),
                    Expect::Diagnostic,
                ),
                (
                    "a section inflating to 256 MB".to_owned(),
                    Content::Bytes(audited_elf(Some(&zlib_bomb((256 << 20) / 258)), None)),
                    Expect::Diagnostic,
                ),
                (
                    // Extended numbering: 0 in the header, the count in section 0's size.
                    "a 300 MB binary claiming 3 million section headers".to_owned(),
                    Content::Sparse {
                        prefix: {
                            let mut elf = audited_elf(None, None);
                            let headers =
                                u64::from_le_bytes(elf[0x28..0x30].try_into().unwrap()) as usize;
                            elf[0x3C..0x3E].copy_from_slice(&0u16.to_le_bytes());
                            elf[headers + 0x20..headers + 0x28]
                                .copy_from_slice(&3_000_000u64.to_le_bytes());
                            elf
                        },
                        length: 300 << 20,
                    },
                    Expect::Diagnostic,
                ),
                (
                    "a universal binary of 44 architectures in 72 bytes".to_owned(),
                    Content::Bytes(fat),
                    Expect::Diagnostic,
                ),
            ]
        }
        _ => Vec::new(),
    }
}

fn cases() -> Vec<Case> {
    let mut rng = Rng::new(0x0BAD_F11E);
    let mut cases = Vec::new();
    for format in &formats() {
        let seed = if format.file == "arrays.npz" {
            npz_of(&corpus_seed(&Format {
                file: "arrays.npy",
                ..*format
            }))
        } else {
            corpus_seed(format)
        };
        assert!(!seed.is_empty(), "no seed for {}", format.file);
        let mut add = |name: String, content: Content, expect: Expect| {
            cases.push(Case {
                name,
                file: format.file,
                content,
                expect,
            });
        };
        add(
            "empty".to_owned(),
            Content::Bytes(Vec::new()),
            Expect::Anything,
        );
        for (numerator, denominator) in [(1, 7), (1, 3), (1, 2), (2, 3), (9, 10)] {
            let at = seed.len() * numerator / denominator;
            add(
                format!("truncated at {at} of {}", seed.len()),
                Content::Bytes(seed[..at].to_vec()),
                Expect::Anything,
            );
        }
        let garbage: Vec<u8> = (0..4096).map(|_| rng.below(256) as u8).collect();
        // Any bytes are Markdown (a card without front matter is simply a card), and a
        // `config.json` that is not a Hugging Face config is some other tool's file: both are
        // left alone without a word. A tokenizer file (`model/file`) is hashed, not parsed:
        // any bytes are its content. Every other format must complain.
        let silent = format.kind == Syntax::Markdown
            || format.file == "config.json"
            || format.file.ends_with("tokenizer.json");
        // `.bin` names many files that are not weights: bytes no weights format recognizes are
        // left alone (the models extractor's rule; a recognized-but-broken one is reported).
        // A format known by content alone (binaries) never sees bytes it does not recognize.
        let unrecognized_ok = format.file.ends_with(".bin") || format.by_content;
        let strict = |expect: Expect| if silent { Expect::Anything } else { expect };
        add(
            "binary garbage".to_owned(),
            Content::Bytes(garbage),
            if unrecognized_ok {
                Expect::Anything
            } else {
                strict(Expect::Diagnostic)
            },
        );
        if matches!(
            format.kind,
            Syntax::Toml | Syntax::Json | Syntax::Jsonc | Syntax::Lines
        ) {
            // Printable garbage gets past the UTF-8 check into the parser, which names a line.
            let alphabet = b"abc=[]{}\"\\:,.-_@ #\n\t0123456789";
            let text: Vec<u8> = (0..4096)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            add(
                "printable garbage".to_owned(),
                Content::Bytes(text),
                // An SBOM is recognized by its first character before it is parsed: text
                // that is neither JSON nor XML is refused as a whole, without a line.
                if format.corpus == "sbom" {
                    strict(Expect::Diagnostic)
                } else {
                    strict(Expect::DiagnosticWithLine)
                },
            );
        }
        if let Some(bytes) = nested(format.kind) {
            let expect = match format.kind {
                Syntax::Toml | Syntax::Json | Syntax::Jsonc => strict(Expect::DiagnosticWithLine),
                _ => Expect::Anything,
            };
            add(
                "100 000 levels of nesting".to_owned(),
                Content::Bytes(bytes),
                expect,
            );
        }
        if let Some(bytes) = wrong_types(format, &seed) {
            add(
                "wrong types in every field".to_owned(),
                Content::Bytes(bytes),
                strict(Expect::Diagnostic),
            );
        }
        if format.kind == Syntax::Binary {
            for (name, content, expect) in binary_huge(format.file) {
                add(name, content, expect);
            }
        } else {
            // A 100 MB single line (sparse: zeros after one key), over every whole-file cap.
            add(
                "a 100 MB single line".to_owned(),
                Content::Sparse {
                    prefix: b"name = ".to_vec(),
                    length: 100 << 20,
                },
                Expect::Diagnostic,
            );
        }
    }
    for (file, text) in unknown_versions() {
        cases.push(Case {
            name: "unknown version".to_owned(),
            file,
            content: Content::Bytes(text.as_bytes().to_vec()),
            expect: Expect::Diagnostic,
        });
    }
    cases
}

/// A case's outcome, or why it failed.
fn run_case(case: &Case, directory: &Path) -> Result<Duration, String> {
    let path = directory.join("model").join(case.file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    match &case.content {
        Content::Bytes(bytes) => std::fs::write(&path, bytes).unwrap(),
        Content::Sparse { prefix, length } => {
            let mut file = std::fs::File::create(&path).unwrap();
            file.write_all(prefix).unwrap();
            file.set_len(*length).unwrap();
        }
    }
    let (sender, receiver) = mpsc::channel();
    let root = directory.to_path_buf();
    std::thread::spawn(move || {
        let started = Instant::now();
        // Installed-environment rows run in a walk only when environments are asked for.
        let options = ScanOptions {
            include_environments: true,
            ..ScanOptions::default()
        };
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| scan(&[root], &options)));
        let _ = sender.send((outcome, started.elapsed()));
    });
    let (outcome, elapsed) = receiver
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "no answer within 30 s (a hang)".to_owned())?;
    let _ = std::fs::remove_file(&path);
    let report = match outcome {
        Err(_) => return Err("panicked".to_owned()),
        Ok(Err(error)) => {
            let message = error.to_string();
            return if message.contains(case.file) {
                Ok(elapsed)
            } else {
                Err(format!("an error that does not name the file: {message}"))
            };
        }
        Ok(Ok(report)) => report,
    };
    let mut named = false;
    let mut with_line = false;
    for diagnostic in &report.diagnostics {
        let Some(location) = &diagnostic.location else {
            continue;
        };
        if !location.path.ends_with(case.file) {
            continue;
        }
        if matches!(
            diagnostic.severity,
            DiagnosticSeverity::Error | DiagnosticSeverity::Warning
        ) {
            named = true;
            with_line |= location.line.is_some();
        }
    }
    // Model files report what is wrong with them as `malformed-model-file` findings (the file
    // is still a component: its digest and format are facts worth reporting).
    let analysis = scanner_core::risk::analyze(&report.graph, None);
    for finding in &analysis.findings {
        if finding.message.contains(case.file)
            || finding
                .evidence
                .iter()
                .any(|location| location.path.ends_with(case.file))
        {
            named = true;
        }
    }
    let described: Vec<String> = report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            format!(
                "{:?} {:?}: {}",
                diagnostic.severity, diagnostic.location, diagnostic.message
            )
        })
        .collect();
    match case.expect {
        Expect::Diagnostic if !named => {
            Err(format!("no diagnostic naming the file: {described:?}"))
        }
        Expect::DiagnosticWithLine if !with_line => Err(format!(
            "no diagnostic naming the file and a line: {described:?}"
        )),
        _ => Ok(elapsed),
    }
}

/// Peak resident memory of this process, from `/proc/self/status` (Linux only).
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

#[test]
fn every_malformed_input_ends_in_a_diagnostic_in_bounded_time_and_memory() {
    let started = Instant::now();
    let cases = cases();
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for case in &cases {
        let directory = tempfile::tempdir().unwrap();
        let what = format!("{} ({})", case.file, case.name);
        match run_case(case, directory.path()) {
            Ok(elapsed) => {
                if elapsed > slowest.0 {
                    slowest = (elapsed, what);
                }
            }
            Err(problem) => failures.push(format!("{what}: {problem}")),
        }
    }
    let peak = peak_resident_bytes();
    eprintln!(
        "{} malformed inputs in {:?}; slowest {} in {:?}; peak resident memory {:?} MB",
        cases.len(),
        started.elapsed(),
        slowest.1,
        slowest.0,
        peak.map(|bytes| bytes >> 20)
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases.len() > 150, "only {} cases", cases.len());
    if let Some(peak) = peak {
        // The zip bombs hold 256 MB of zeros and the pickles millions of opcodes; nothing of
        // that size may be materialized. The peak is the whole test binary's, so it includes
        // the other tests running beside this one (about 110 MB in all, 80 MB alone).
        assert!(peak < 512 << 20, "peak resident memory {} MB", peak >> 20);
    }
}
