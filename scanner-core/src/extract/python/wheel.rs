//! Python wheels (`*.whl`, the binary distribution format of the PyPA): a zip archive whose
//! `{name}-{version}.dist-info/` holds `METADATA` (core metadata), `RECORD` (every file of the
//! archive with its hash) and `WHEEL`. A folder of wheels carried across an air gap is what
//! gets installed there, so each wheel is read where it lies, without extracting: the
//! metadata through the same code as an installed `*.dist-info`
//! ([`super::installed::read_distribution`]), then every entry of the archive decompressed
//! and hashed against its `RECORD` row, streamed, within the caps of the model zip readers. An
//! entry that hashes differently, a row without its entry and an entry without its row are
//! findings (`artifact-file-modified`). The component's hash is the SHA-256 of the wheel file,
//! the digest a lock pins.
//!
//! [`read`] and [`identity`] are pure functions of a seekable reader, so a container image's
//! layer walker can run them on a wheel inside an image.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use super::installed::{self, record::RecordEntry};
use crate::component::ComponentKey;
use crate::extract::{
    join_path, ExtractError, Extraction, ExtractorId, FileDigest, FileMatch, FileReader, Format,
    Input, MemoryFiles, Parse, ReadSeek, Sample, Syntax,
};
use crate::facts::artifact::{ArtifactFacts, ArtifactKind};
use crate::facts::installed::{FileProblem, FileProblemKind, Integrity};
use crate::location::Location;

/// The row's id.
pub const ID: ExtractorId = "python/wheel";

/// More entries than this are not looked at (the cap of the model zip readers).
pub const MAX_ENTRIES: usize = 200_000;
/// Decompressed bytes hashed per wheel; entries past it are reported unverifiable (the
/// largest wheels, CUDA builds of PyTorch, unpack to a few gigabytes).
pub const MAX_DECOMPRESSED_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// The largest metadata file (`METADATA`, `RECORD`, `WHEEL`, an SBOM) read into memory.
const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;
/// Bytes of the wheel the driver hands over (the parser reads the rest by offset).
const HEAD_BYTES: u64 = 64 * 1024;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Python wheels (*.whl): METADATA, RECORD and WHEEL read from the zip without extracting, every entry re-hashed against RECORD, the wheel's own SHA-256",
    FileMatch::Extensions(&["whl"]),
    &Wheel,
)
.header_and_digest(HEAD_BYTES)
.fuzzed_as(
    "python_wheel",
    &[Sample::new("demo-1.0-py3-none-any.whl", Syntax::Binary)],
);

struct Wheel;

impl Parse for Wheel {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let reader: Box<dyn ReadSeek + '_> = match input.files.open(input.path) {
            Ok(reader) => reader,
            Err(_) => Box::new(std::io::Cursor::new(input.bytes)),
        };
        let digest = input
            .files
            .digest(input.path)
            .unwrap_or_else(|_| input.files.digest_of(input.bytes));
        read(input.path, reader, Some(&digest))
    }
}

/// The `*.dist-info` directory of a wheel and its small files, read from the archive.
struct Opened<R> {
    archive: zip::ZipArchive<R>,
    /// `name-version.dist-info`.
    dist_info: String,
    /// Its metadata files, at `{path}/{entry}`.
    files: MemoryFiles,
}

fn parse_error(path: &str, message: String) -> ExtractError {
    ExtractError::Parse {
        location: Location::file(path),
        message,
    }
}

fn open<R: Read + std::io::Seek>(path: &str, reader: R) -> Result<Opened<R>, ExtractError> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|error| {
        parse_error(
            path,
            format!("not a wheel: the zip archive cannot be read ({error})"),
        )
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(parse_error(
            path,
            format!(
                "{} entries, over the {MAX_ENTRIES}-entry cap",
                archive.len()
            ),
        ));
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|name| name.ok().map(std::borrow::Cow::into_owned))
        .collect();
    let mut candidates: Vec<&str> = names
        .iter()
        .filter_map(|name| name.strip_suffix("/METADATA"))
        .filter(|directory| directory.ends_with(".dist-info") && !directory.contains('/'))
        .collect();
    candidates.sort_unstable();
    // The file name's distribution part (`demo` of `demo-1.0-py3-none-any.whl`) picks among
    // several, as pip does.
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let stem = file_name
        .split('-')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let dist_info = candidates
        .iter()
        .find(|directory| directory.to_lowercase().starts_with(&format!("{stem}-")))
        .or_else(|| candidates.first())
        .map(|directory| (*directory).to_owned())
        .ok_or_else(|| {
            parse_error(
                path,
                "not a wheel: no *.dist-info/METADATA at the top of the archive".to_owned(),
            )
        })?;
    let mut files = MemoryFiles::new();
    let prefix = format!("{dist_info}/");
    for name in &names {
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let wanted = matches!(rest, "METADATA" | "RECORD" | "WHEEL")
            || (rest.starts_with("sboms/") && !rest.ends_with('/'));
        if !wanted {
            continue;
        }
        let mut entry = archive
            .by_name(name)
            .map_err(|error| parse_error(path, format!("{name}: cannot be read ({error})")))?;
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_METADATA_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|error| parse_error(path, format!("{name}: cannot be read ({error})")))?;
        if bytes.len() as u64 > MAX_METADATA_BYTES {
            return Err(parse_error(
                path,
                format!("{name}: over the {MAX_METADATA_BYTES}-byte cap for metadata"),
            ));
        }
        files = files.with(&join_path(path, name), bytes);
    }
    Ok(Opened {
        archive,
        dist_info,
        files,
    })
}

/// The package a wheel holds, read from its `METADATA` only (nothing else is decompressed):
/// what `verify --lock` needs to name an artifact whose hash the lock does not know.
pub fn identity(
    path: &str,
    reader: impl Read + std::io::Seek,
) -> Result<ComponentKey, ExtractError> {
    let opened = open(path, reader)?;
    let directory = join_path(path, &opened.dist_info);
    let distribution = installed::read_distribution(&directory, None, &opened.files)?;
    distribution
        .package
        .map(|package| package.component.key)
        .ok_or_else(|| {
            let reason = distribution
                .diagnostics
                .first()
                .map_or_else(String::new, |diagnostic| diagnostic.message.clone());
            parse_error(path, format!("its METADATA cannot be read: {reason}"))
        })
}

/// Reads the wheel at scan-relative `path` from `reader`: its package (with `digest`, the
/// wheel file's own, as its hash), its `Requires-Dist` references (resolved among the
/// artifacts of the same directory, [`Origin::Wheelhouse`]), its bundled SBOMs, and every
/// entry re-hashed against `RECORD`.
pub fn read(
    path: &str,
    reader: impl Read + std::io::Seek,
    digest: Option<&FileDigest>,
) -> Result<Extraction, ExtractError> {
    let mut opened = open(path, reader)?;
    let directory = join_path(path, &opened.dist_info);
    let distribution = installed::read_distribution(&directory, None, &opened.files)?;
    let mut extraction = Extraction {
        diagnostics: distribution.diagnostics,
        ..Extraction::default()
    };
    let Some(package) = distribution.package else {
        let reason = extraction
            .diagnostics
            .first()
            .map_or_else(String::new, |diagnostic| diagnostic.message.clone());
        return Err(parse_error(
            path,
            format!("its METADATA cannot be read: {reason}"),
        ));
    };
    if opened.files.read(&join_path(&directory, "WHEEL")).is_err() {
        extraction
            .diagnostics
            .push(crate::diagnostic::Diagnostic::warning(
                crate::diagnostic::DiagnosticCode::InvalidEntry,
                Location::file(&directory),
                "the wheel has no WHEEL file (the wheel specification requires one)",
            ));
    }
    let integrity = match distribution.record {
        Ok(rows) => check_entries(path, &opened.dist_info, &rows, &mut opened.archive),
        Err(unknown) => unknown,
    };
    package.add_as_artifact(
        ArtifactFacts {
            kind: ArtifactKind::Wheel,
            path: path.to_owned(),
            integrity: Some(integrity),
        },
        digest,
        &mut extraction,
    );
    Ok(extraction)
}

/// Every entry of the archive against its `RECORD` row.
fn check_entries<R: Read + std::io::Seek>(
    path: &str,
    dist_info: &str,
    rows: &[RecordEntry],
    archive: &mut zip::ZipArchive<R>,
) -> Integrity {
    use sha2::Digest as _;
    let mut listed: BTreeMap<&str, &RecordEntry> = BTreeMap::new();
    for row in rows {
        listed.entry(row.path.as_str()).or_insert(row);
    }
    // Files a wheel's RECORD cannot hash: itself and its signatures.
    let unhashed: BTreeSet<String> = ["RECORD", "RECORD.jws", "RECORD.p7s"]
        .iter()
        .map(|name| format!("{dist_info}/{name}"))
        .collect();
    let mut verified = 0_usize;
    let mut problems = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut budget = MAX_DECOMPRESSED_BYTES;
    let problem = |entry: &str, problem: FileProblemKind| FileProblem {
        path: join_path(path, entry),
        problem,
    };
    for index in 0..archive.len() {
        let mut entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(error) => {
                problems.push(problem(
                    &format!("entry {index}"),
                    FileProblemKind::Unverifiable {
                        reason: format!("the entry cannot be read: {error}"),
                    },
                ));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(error) => {
                problems.push(problem(
                    &format!("entry {index}"),
                    FileProblemKind::Unverifiable {
                        reason: format!("its name cannot be read: {error}"),
                    },
                ));
                continue;
            }
        };
        if !seen.insert(name.clone()) {
            // Installers keep one of two entries of one name: which one is not said.
            problems.push(problem(
                &name,
                FileProblemKind::Unverifiable {
                    reason: "the archive holds more than one entry of this name".to_owned(),
                },
            ));
            continue;
        }
        let Some(row) = listed.get(name.as_str()) else {
            if !unhashed.contains(&name) {
                problems.push(problem(&name, FileProblemKind::Unlisted));
            }
            continue;
        };
        let Some(expected) = &row.hash else {
            if !unhashed.contains(&name) {
                problems.push(problem(
                    &name,
                    FileProblemKind::Unverifiable {
                        reason: "its RECORD row has no hash".to_owned(),
                    },
                ));
            }
            continue;
        };
        if expected.algorithm != "sha256" {
            problems.push(problem(
                &name,
                FileProblemKind::Unverifiable {
                    reason: format!(
                        "RECORD hashes it with {}, which airlock does not compute",
                        expected.algorithm
                    ),
                },
            ));
            continue;
        }
        if entry.size() > budget {
            problems.push(problem(
                &name,
                FileProblemKind::Unverifiable {
                    reason: format!(
                        "past the cap of {MAX_DECOMPRESSED_BYTES} decompressed bytes per wheel"
                    ),
                },
            ));
            continue;
        }
        let mut hasher = sha2::Sha256::new();
        let mut buffer = vec![0_u8; 64 * 1024];
        let mut size: u64 = 0;
        let mut limited = (&mut entry).take(budget.saturating_add(1));
        let outcome = loop {
            match limited.read(&mut buffer) {
                Ok(0) => break Ok(()),
                Ok(read) => {
                    hasher.update(buffer.get(..read).unwrap_or_default());
                    size += read as u64;
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => break Err(error),
            }
        };
        budget = budget.saturating_sub(size);
        if let Err(error) = outcome {
            problems.push(problem(
                &name,
                FileProblemKind::Unverifiable {
                    reason: format!("cannot be decompressed: {error}"),
                },
            ));
            continue;
        }
        let found = hex::encode(hasher.finalize());
        if found != expected.hex || row.size.is_some_and(|listed| listed != size) {
            problems.push(problem(
                &name,
                FileProblemKind::Modified {
                    expected: format!("sha256:{}", expected.hex),
                    found: format!("sha256:{found}"),
                },
            ));
        } else {
            verified += 1;
        }
    }
    for row in rows {
        if row.hash.is_some() && !seen.contains(&row.path) {
            problems.push(problem(&row.path, FileProblemKind::Missing));
        }
    }
    problems.sort();
    problems.dedup();
    Integrity::Checked { verified, problems }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::extract::Target;
    use crate::link::Origin;
    use std::io::Write;

    fn record_hash(bytes: &[u8]) -> String {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(bytes);
        // URL-safe base64 without padding, as RECORD writes it.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut text = String::new();
        for chunk in digest.chunks(3) {
            let value = chunk
                .iter()
                .fold(0_u32, |value, byte| (value << 8) | u32::from(*byte))
                << (8 * (3 - chunk.len()));
            for index in 0..=chunk.len() {
                text.push(char::from(
                    ALPHABET[((value >> (18 - 6 * index)) & 63) as usize],
                ));
            }
        }
        format!("sha256={text}")
    }

    /// A wheel of `entries`, with a RECORD listing `listed` of them (tests only).
    pub(crate) fn wheel(
        name: &str,
        version: &str,
        entries: &[(&str, &[u8])],
        extra: &[(&str, &[u8])],
    ) -> Vec<u8> {
        let dist_info = format!("{name}-{version}.dist-info");
        let metadata = format!(
            "Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense-Expression: MIT\nRequires-Dist: other>=1\n"
        );
        let wheel_file =
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
        let mut all: Vec<(String, Vec<u8>)> = entries
            .iter()
            .map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec()))
            .collect();
        all.push((format!("{dist_info}/METADATA"), metadata.into_bytes()));
        all.push((format!("{dist_info}/WHEEL"), wheel_file.as_bytes().to_vec()));
        let mut record = String::new();
        for (path, bytes) in &all {
            record.push_str(&format!("{path},{},{}\n", record_hash(bytes), bytes.len()));
        }
        record.push_str(&format!("{dist_info}/RECORD,,\n"));
        all.push((format!("{dist_info}/RECORD"), record.into_bytes()));
        // Entries of `extra` replace listed ones of the same name after RECORD was written, or
        // are added unlisted.
        for (path, bytes) in extra {
            match all.iter_mut().find(|(listed, _)| listed == path) {
                Some((_, content)) => *content = bytes.to_vec(),
                None => all.push(((*path).to_owned(), bytes.to_vec())),
            }
        }
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, bytes) in all {
            writer
                .start_file(path, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(&bytes).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_clean_wheel_is_one_component_with_its_file_hash_and_edges() {
        let bytes = wheel("demo", "1.0", &[("demo/__init__.py", b"x = 1\n")], &[]);
        let path = "wheels/demo-1.0-py3-none-any.whl";
        let files = MemoryFiles::new().with(path, bytes.clone());
        let extraction = FORMAT
            .extract(&Input::new(path, &bytes).with_files(&files))
            .unwrap();
        let component = extraction.components.first().unwrap();
        assert_eq!(component.key.reference(), "pkg:pypi/demo@1.0");
        assert!(component.licenses.contains("MIT"));
        assert_eq!(
            component.hashes.iter().next().unwrap().value(),
            files.digest(path).unwrap().sha256
        );
        let artifact = component.facts.artifact.as_ref().unwrap();
        assert_eq!(
            artifact.integrity,
            Some(Integrity::Checked {
                verified: 3,
                problems: Vec::new()
            })
        );
        assert!(extraction.references.iter().any(|reference| matches!(
            &reference.to,
            Target::Named(named) if named.name.normalized() == "other" && named.origin == Origin::Wheelhouse
        )));
        assert_eq!(
            identity(path, std::io::Cursor::new(&bytes)).unwrap(),
            component.key
        );
    }

    #[test]
    fn a_tampered_wheel_names_each_entry() {
        let mut bytes = wheel(
            "demo",
            "1.0",
            &[("demo/__init__.py", b"x = 1\n")],
            &[
                ("demo/evil.pth", b"import os\n"),
                ("demo/__init__.py", b"x = 2\n"),
            ],
        );
        let original = wheel("demo", "1.0", &[("demo/__init__.py", b"x = 1\n")], &[]);
        assert_ne!(bytes, original);
        let extraction = read("demo.whl", std::io::Cursor::new(&mut bytes), None).unwrap();
        let artifact = extraction
            .components
            .first()
            .unwrap()
            .facts
            .artifact
            .as_ref()
            .unwrap();
        let Some(Integrity::Checked { problems, .. }) = &artifact.integrity else {
            panic!("{artifact:?}");
        };
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(matches!(
            problems.first(),
            Some(FileProblem { path, problem: FileProblemKind::Modified { .. } })
                if path == "demo.whl/demo/__init__.py"
        ));
        assert_eq!(
            problems.get(1),
            Some(&FileProblem {
                path: "demo.whl/demo/evil.pth".to_owned(),
                problem: FileProblemKind::Unlisted
            })
        );
        let error = read("x.whl", std::io::Cursor::new(b"PK\x03\x04 not a zip"), None).unwrap_err();
        assert!(error.to_string().contains("not a wheel"), "{error}");
    }
}
