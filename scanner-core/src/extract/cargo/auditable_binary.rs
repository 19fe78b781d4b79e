//! Rust binaries built with `cargo auditable`: an ELF, Mach-O or PE file whose `.dep-v0`
//! section holds the dependency list of the build, zlib-compressed JSON in the format of the
//! `auditable-serde` crate (`{"packages": [{"name", "version", "source", "kind",
//! "dependencies": [indices], "root"}]}`). The list becomes components below the binary, so a
//! deployed binary is matched against RustSec like the `Cargo.lock` it was built from.
//!
//! Found by content, never by name (binaries have any name or none): a walk reads the first
//! bytes of the files [`worth_sniffing`] picks; a file named on the command line is tried by its
//! first bytes. The object file is read with the `object` crate through a seekable reader, so
//! only its headers and the section are read, whatever the binary's size; the section and what
//! it inflates to are capped ([`MAX_SECTION_BYTES`], [`MAX_JSON_BYTES`], [`MAX_PACKAGES`]), and
//! every dependency index is checked against the list. A binary without the section yields no
//! components and a `binary-not-audited` warning: its contents are unknown, not clean.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use object::read::macho::{FatArch, MachOFatFile32, MachOFatFile64};
use object::read::{ReadCache, ReadCacheOps, ReadRef};
use object::{FileKind, Object, ObjectSection};

use crate::component::{Component, ComponentKey, ComponentKind, EdgeDetails, EdgeKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Reference, Sample,
    Syntax, Target,
};
use crate::location::{Evidence, Location};
use crate::name::PackageName;

/// The row's id.
pub const ID: ExtractorId = "cargo/auditable-binary";

/// The section `cargo auditable` writes (the same name in all three object formats).
pub const SECTION: &str = ".dep-v0";

/// The largest compressed section read (what `auditable-info` allows by default for the
/// inflated data; a real list is a few kilobytes).
pub const MAX_SECTION_BYTES: u64 = 8 * 1024 * 1024;

/// The most the section may inflate to (`auditable-info`'s default limit).
pub const MAX_JSON_BYTES: u64 = 8 * 1024 * 1024;

/// The most packages one list may hold (a large application has a thousand).
pub const MAX_PACKAGES: usize = 100_000;

/// More architectures than this in a universal (fat) Mach-O file are refused.
const MAX_FAT_ARCHES: u32 = 64;

/// How much of the file the driver hands over: the magic numbers. The rest is read through a
/// seekable reader.
const HEAD_BYTES: u64 = 4096;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Rust binaries built with cargo auditable (ELF, Mach-O incl. universal, PE; found by content): the dependency list of the `.dep-v0` section below the binary, with its SHA-256; a binary without it is reported as not audited",
    FileMatch::Content,
    &AuditableBinary,
)
// The digest is taken only of binaries that carry a list (a walk meets binaries without one).
.prefix(HEAD_BYTES)
.recognizes(recognizes)
.fuzzed_as(
    "cargo_auditable_binary",
    &[Sample::new("app", Syntax::Binary)],
);

struct AuditableBinary;

impl Parse for AuditableBinary {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        // The driver's reader seeks through the file; in-memory inputs (fuzzing, tests) hold
        // the whole file in `bytes`.
        let payload = match input.files.open(input.path) {
            Ok(reader) => dependency_section(input.path, &ReadCache::new(reader))?,
            Err(_) => dependency_section(
                input.path,
                &ReadCache::new(std::io::Cursor::new(input.bytes)),
            )?,
        };
        let Some(payload) = payload else {
            return Ok(Extraction {
                diagnostics: vec![Diagnostic::warning(
                    DiagnosticCode::BinaryNotAudited,
                    Location::file(input.path),
                    format!(
                        "no cargo auditable dependency list (no `{SECTION}` section): what this \
                         binary was built from is unknown, not absent"
                    ),
                )],
                ..Extraction::default()
            });
        };
        let list = decode(input.path, &payload)?;
        build(input, &list)
    }
}

/// Extension-less files and the usual names of executables and libraries (`.exe`, `.dll`,
/// `.so`, `.so.1.2`, `.dylib`): the files a walk reads the first bytes of to find binaries.
/// Other files are not opened (a walk meets many thousands of source files).
pub fn worth_sniffing(path: &std::path::Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    if name.starts_with('.') {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    match lower.rsplit_once('.') {
        None => true,
        Some((_, extension)) => {
            matches!(extension, "exe" | "dll" | "so" | "dylib") || lower.contains(".so.")
        }
    }
}

/// True when `prefix` (a file's first bytes) starts like an ELF, Mach-O (thin or universal)
/// or PE file. The weak magic numbers are checked further: `MZ` must lead to a `PE\0\0`
/// signature, and a universal Mach-O header (`CAFEBABE`, which Java class files share) must
/// count a plausible number of architectures (a class file's version is 45 or more there).
pub fn recognizes(prefix: &[u8]) -> bool {
    let word = |offset: usize| -> Option<[u8; 4]> {
        prefix
            .get(offset..offset.saturating_add(4))
            .and_then(|bytes| bytes.try_into().ok())
    };
    match word(0) {
        Some([0x7f, b'E', b'L', b'F']) => true,
        Some([0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe]) => true,
        Some([0xca, 0xfe, 0xba, 0xbe | 0xbf]) => {
            word(4).is_some_and(|count| (1..45).contains(&u32::from_be_bytes(count)))
        }
        Some([b'M', b'Z', _, _]) => word(0x3c)
            .map(|offset| u32::from_le_bytes(offset) as usize)
            .and_then(word)
            .is_some_and(|signature| signature == *b"PE\0\0"),
        _ => false,
    }
}

fn parse_error(path: &str, message: impl Into<String>) -> ExtractError {
    ExtractError::Parse {
        location: Location::file(path),
        message: message.into(),
    }
}

/// The raw (compressed) content of the `.dep-v0` section, `None` when the file has none. A
/// universal Mach-O file is read architecture by architecture: the first that has the section
/// gives it.
fn dependency_section<R: ReadCacheOps>(
    path: &str,
    data: &ReadCache<R>,
) -> Result<Option<Vec<u8>>, ExtractError> {
    let unreadable =
        |error: String| parse_error(path, format!("not a readable object file: {error}"));
    let kind = FileKind::parse(data).map_err(|error| unreadable(error.to_string()))?;
    let arches: Vec<(u64, u64)> = match kind {
        FileKind::MachOFat32 => {
            fat_count(path, data)?;
            MachOFatFile32::parse(data)
                .map_err(|error| unreadable(error.to_string()))?
                .arches()
                .iter()
                .map(FatArch::file_range)
                .collect()
        }
        FileKind::MachOFat64 => {
            fat_count(path, data)?;
            MachOFatFile64::parse(data)
                .map_err(|error| unreadable(error.to_string()))?
                .arches()
                .iter()
                .map(FatArch::file_range)
                .collect()
        }
        FileKind::Elf32
        | FileKind::Elf64
        | FileKind::MachO32
        | FileKind::MachO64
        | FileKind::Pe32
        | FileKind::Pe64 => return section_of(data).map_err(unreadable),
        other => {
            return Err(parse_error(
                path,
                format!("not an ELF, Mach-O or PE file ({other:?})"),
            ))
        }
    };
    for (offset, size) in arches {
        let member = data.range(offset, size);
        let found = section_of(member).map_err(|error| {
            parse_error(
                path,
                format!(
                    "the architecture at offset {offset} of the universal binary is not a \
                     readable Mach-O file: {error}"
                ),
            )
        })?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Refuses a universal header counting more architectures than [`MAX_FAT_ARCHES`] before the
/// `object` crate reads the table (its size comes from the count).
fn fat_count<R: ReadCacheOps>(path: &str, data: &ReadCache<R>) -> Result<(), ExtractError> {
    let count = data
        .read_bytes_at(4, 4)
        .ok()
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
        .map(u32::from_be_bytes)
        .unwrap_or(u32::MAX);
    if count > MAX_FAT_ARCHES {
        return Err(parse_error(
            path,
            format!(
                "the universal binary claims {count} architectures (airlock reads at most \
                 {MAX_FAT_ARCHES})"
            ),
        ));
    }
    Ok(())
}

/// The section's bytes in one (thin) object file, capped; the error is the message.
fn section_of<'data, D: ReadRef<'data>>(data: D) -> Result<Option<Vec<u8>>, String> {
    let capped_at = Cell::new(None);
    let capped = Capped {
        data,
        capped_at: &capped_at,
    };
    let cap_message = |error: object::Error| match capped_at.get() {
        Some(size) => format!(
            "a structure of {size} bytes (airlock reads at most {} MiB at once)",
            MAX_READ_BYTES / (1024 * 1024)
        ),
        None => error.to_string(),
    };
    let file = object::File::parse(capped).map_err(cap_message)?;
    let Some(section) = file.section_by_name(SECTION) else {
        return Ok(None);
    };
    // The bytes the file holds, not the size in memory: that is what would be read.
    let size = section.file_range().map_or(0, |(_, size)| size);
    if size > MAX_SECTION_BYTES {
        return Err(format!(
            "the `{SECTION}` section is {size} bytes (airlock reads at most {} MiB)",
            MAX_SECTION_BYTES / (1024 * 1024)
        ));
    }
    let bytes = section.data().map_err(cap_message)?;
    Ok(Some(bytes.to_vec()))
}

/// The largest single read the `object` crate may make through the seekable reader (a section
/// table, a symbol table): it allocates what a header claims before reading it, so a hostile
/// header could otherwise make it allocate up to the file's size.
const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// A [`ReadRef`] refusing reads over [`MAX_READ_BYTES`], remembering the refused size for the
/// message.
#[derive(Clone, Copy)]
struct Capped<'cap, D> {
    data: D,
    capped_at: &'cap Cell<Option<u64>>,
}

impl<'data, D: ReadRef<'data>> ReadRef<'data> for Capped<'_, D> {
    fn len(self) -> Result<u64, ()> {
        self.data.len()
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'data [u8], ()> {
        if size > MAX_READ_BYTES {
            self.capped_at.set(Some(size));
            return Err(());
        }
        self.data.read_bytes_at(offset, size)
    }

    fn read_bytes_at_until(
        self,
        range: std::ops::Range<u64>,
        delimiter: u8,
    ) -> Result<&'data [u8], ()> {
        // Bounded by the reader (a string is read 4 KiB at most).
        self.data.read_bytes_at_until(range, delimiter)
    }
}

/// Inflates and parses the section's content.
fn decode(path: &str, payload: &[u8]) -> Result<auditable_serde::VersionInfo, ExtractError> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(payload)
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|error| {
            parse_error(
                path,
                format!("the `{SECTION}` section is not a zlib stream: {error}"),
            )
        })?;
    if json.len() as u64 > MAX_JSON_BYTES {
        return Err(parse_error(
            path,
            format!(
                "the `{SECTION}` section inflates past {} MiB (airlock's cap)",
                MAX_JSON_BYTES / (1024 * 1024)
            ),
        ));
    }
    serde_json::from_slice(&json).map_err(|error| {
        parse_error(
            path,
            format!(
                "the dependency list of the `{SECTION}` section is not cargo auditable's \
                 format: {error}"
            ),
        )
    })
}

/// Where a package of the list comes from, as a key's source. Only crates.io packages are
/// registry packages of the default registry; the list names no path, URL or index for the
/// others, so a local (or toolchain `builtin`, or unknown) package is keyed as a local project
/// at the binary's path (never matched against registry advisories, like a workspace member),
/// and a git or alternative-registry package says that its location was not recorded.
fn source_of(binary: &str, source: &auditable_serde::Source) -> Source {
    match source {
        auditable_serde::Source::CratesIo => Source::DEFAULT_REGISTRY,
        auditable_serde::Source::Git => Source::Git {
            url: UNRECORDED.to_owned(),
            reference: None,
            commit: None,
        },
        auditable_serde::Source::Registry => Source::Registry {
            index: Some(UNRECORDED.to_owned()),
        },
        _ => Source::Path {
            path: binary.to_owned(),
        },
    }
}

/// What stands for a git URL or registry index the list does not record.
const UNRECORDED: &str = "unrecorded";

/// The components and edges of the list, below the binary's own component.
fn build(
    input: &Input<'_>,
    list: &auditable_serde::VersionInfo,
) -> Result<Extraction, ExtractError> {
    let path = input.path;
    let packages = &list.packages;
    if packages.len() > MAX_PACKAGES {
        return Err(parse_error(
            path,
            format!(
                "the dependency list holds {} packages (airlock reads at most {MAX_PACKAGES})",
                packages.len()
            ),
        ));
    }
    let evidence = || Evidence {
        location: Location::file(path),
        extractor: ID,
    };
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let binary_name = PackageName::new(Ecosystem::GenericFile, file_name)
        .map_err(|error| parse_error(path, format!("the file name {error}")))?;
    let binary_key = ComponentKey::new(
        Ecosystem::GenericFile,
        binary_name,
        None,
        Source::File {
            path: path.to_owned(),
        },
    );
    let mut binary =
        Component::new(binary_key.clone(), ComponentKind::Application).with_evidence(evidence());
    let digest = input
        .files
        .digest(path)
        .unwrap_or_else(|_| input.files.digest_of(input.bytes));
    binary.hashes.extend(digest.hashes());

    // One key per index; a package listed twice under the same key is one component.
    let mut keys: Vec<ComponentKey> = Vec::with_capacity(packages.len());
    let mut components: BTreeMap<ComponentKey, Component> = BTreeMap::new();
    for (index, package) in packages.iter().enumerate() {
        let name = super::crate_name(&package.name).map_err(|error| {
            parse_error(
                path,
                format!("package {index} of the dependency list: {error}"),
            )
        })?;
        let source = source_of(path, &package.source);
        let local = source.is_local_project();
        let key = ComponentKey::new(
            Ecosystem::CratesIo,
            name,
            Some(package.version.to_string()),
            source,
        );
        let kind = if package.root && local {
            ComponentKind::Application
        } else {
            ComponentKind::Library
        };
        components
            .entry(key.clone())
            .or_insert_with(|| Component::new(key.clone(), kind).with_evidence(evidence()));
        keys.push(key);
    }
    // Build-only packages (build scripts, proc macros) are reached by build edges: their scope
    // comes out as for a Cargo.lock's build-dependencies. A key listed both ways is runtime.
    let mut runtime: BTreeSet<&ComponentKey> = BTreeSet::new();
    for (key, package) in keys.iter().zip(packages) {
        if package.kind == auditable_serde::DependencyKind::Runtime {
            runtime.insert(key);
        }
    }
    let edge_kind = |key: &ComponentKey| {
        if runtime.contains(key) {
            EdgeKind::Normal
        } else {
            EdgeKind::Build
        }
    };
    let mut edges: BTreeSet<(ComponentKey, ComponentKey)> = BTreeSet::new();
    let mut depended_on: BTreeSet<usize> = BTreeSet::new();
    for ((from, package), index) in keys.iter().zip(packages).zip(0usize..) {
        for &dependency in &package.dependencies {
            let to = keys.get(dependency).ok_or_else(|| {
                parse_error(
                    path,
                    format!(
                        "package {index} (`{} {}`) of the dependency list depends on package \
                         {dependency}, but the list holds {} packages",
                        package.name,
                        package.version,
                        packages.len()
                    ),
                )
            })?;
            depended_on.insert(dependency);
            if from != to {
                edges.insert((from.clone(), to.clone()));
            }
        }
    }
    // The binary depends on the package it was built from; a list without a root (older
    // writers, a hand-made list) hangs its top-level packages from the binary.
    let tops: BTreeSet<&ComponentKey> = match packages.iter().position(|package| package.root) {
        Some(root) => keys.get(root).into_iter().collect(),
        None => keys
            .iter()
            .enumerate()
            .filter(|(index, _)| !depended_on.contains(index))
            .map(|(_, key)| key)
            .collect(),
    };
    let mut references: Vec<Reference> = tops
        .into_iter()
        .map(|top| Reference {
            from: binary_key.clone(),
            to: Target::Key(top.clone()),
            kind: edge_kind(top),
            conditions: EdgeDetails::default(),
            location: Some(Location::file(path)),
        })
        .collect();
    references.extend(edges.into_iter().map(|(from, to)| Reference {
        kind: edge_kind(&to),
        from,
        to: Target::Key(to),
        conditions: EdgeDetails::default(),
        location: Some(Location::file(path)),
    }));
    let mut all = vec![binary];
    all.extend(components.into_values());
    Ok(Extraction {
        components: all,
        references,
        roots: vec![binary_key],
        ..Extraction::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/cargo-auditable")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }

    fn extract(name: &str) -> Result<Extraction, ExtractError> {
        let bytes = fixture(name);
        let path = format!("bin/{name}");
        FORMAT.extract(&Input::new(&path, &bytes))
    }

    fn compressed(json: &str) -> Vec<u8> {
        use std::io::Write;
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(json.as_bytes()).unwrap();
        encoder.finish().unwrap()
    }

    /// `(from name, to name, kind)` of every reference, for comparing.
    fn edges(extraction: &Extraction) -> Vec<(String, String, EdgeKind)> {
        let mut edges: Vec<_> = extraction
            .references
            .iter()
            .map(|reference| {
                let Target::Key(to) = &reference.to else {
                    panic!("a named reference")
                };
                (
                    reference.from.name.to_string(),
                    to.name.to_string(),
                    reference.kind,
                )
            })
            .collect();
        edges.sort();
        edges
    }

    fn purls(extraction: &Extraction) -> Vec<String> {
        let mut purls: Vec<String> = extraction
            .components
            .iter()
            .map(|component| component.key.reference())
            .collect();
        purls.sort();
        purls
    }

    #[test]
    fn a_cargo_auditable_build_lists_its_crates_below_the_binary() {
        let extraction = extract("airlock-auditable-demo").unwrap();
        assert!(extraction.diagnostics.is_empty(), "{extraction:?}");
        let binary = extraction.components.first().unwrap();
        assert_eq!(extraction.roots, vec![binary.key.clone()]);
        assert_eq!(binary.kind, ComponentKind::Application);
        assert_eq!(
            binary.key.source,
            Source::File {
                path: "bin/airlock-auditable-demo".to_owned()
            }
        );
        assert_eq!(binary.hashes.len(), 1);
        let purls = purls(&extraction);
        // Registry crates get their crates.io purl; the local ones are never registry crates.
        assert!(
            purls.contains(&"pkg:cargo/time@0.1.45".to_owned()),
            "{purls:?}"
        );
        assert!(
            purls.contains(&"pkg:cargo/autocfg@1.4.0".to_owned()),
            "{purls:?}"
        );
        let local: Vec<&Component> = extraction
            .components
            .iter()
            .filter(|component| component.key.source.is_local_project())
            .collect();
        assert_eq!(local.len(), 2, "{purls:?}");
        assert!(local
            .iter()
            .all(|component| component.key.reference().contains("download_url=file:")));
        let edges = edges(&extraction);
        assert!(edges.contains(&(
            "airlock-auditable-demo".to_owned(),
            "autocfg".to_owned(),
            EdgeKind::Build
        )));
        assert!(edges.contains(&("time".to_owned(), "libc".to_owned(), EdgeKind::Normal)));
        assert_eq!(
            edges
                .iter()
                .filter(|(from, _, _)| from == "airlock-auditable-demo")
                .count(),
            4,
            "the binary → its root package, the root → helper, time, autocfg: {edges:?}"
        );
    }

    #[test]
    fn the_same_list_is_read_from_pe_and_mach_o_files_thin_and_universal() {
        let elf = purls(&extract("tiny-audited").unwrap());
        assert_eq!(elf.len(), 6, "{elf:?}");
        for name in ["tiny-audited.exe", "demo.macho", "demo-universal.macho"] {
            let extraction = extract(name).unwrap();
            let mut purls = purls(&extraction);
            // The binaries differ; their packages do not.
            purls.retain(|purl| !purl.starts_with("pkg:generic/"));
            let mut expected = elf.clone();
            expected.retain(|purl| !purl.starts_with("pkg:generic/"));
            let expected: Vec<String> = expected
                .iter()
                .map(|purl| purl.replace("tiny-audited", name))
                .collect();
            assert_eq!(purls, expected, "{name}");
        }
    }

    #[test]
    fn a_binary_without_the_section_is_not_audited_rather_than_clean() {
        let extraction = extract("tiny").unwrap();
        assert!(extraction.components.is_empty());
        let diagnostic = extraction.diagnostics.first().unwrap();
        assert_eq!(diagnostic.code, DiagnosticCode::BinaryNotAudited);
        assert!(diagnostic.message.contains("unknown, not absent"));
    }

    #[test]
    fn broken_binaries_are_errors_naming_the_file() {
        for (name, message) in [
            ("tiny-truncated", "not a readable object file"),
            ("tiny-bad-zlib", "not a zlib stream"),
            (
                "tiny-bad-index",
                "package 0 (`app 0.1.0`) of the dependency list depends on package 7, but the list holds 2 packages",
            ),
        ] {
            let error = extract(name).unwrap_err();
            assert_eq!(error.location().path, format!("bin/{name}"));
            assert!(error.to_string().contains(message), "{name}: {error}");
        }
        assert!(FORMAT.extract(&Input::new("x", b"\x7fELF")).is_err());
        assert!(FORMAT.extract(&Input::new("x", b"")).is_err());
    }

    #[test]
    fn a_header_claiming_a_huge_table_is_refused_before_it_is_read() {
        // ELF64: 0 sections in the header means "the count is section 0's size" (extended
        // numbering); 3 million headers of 64 bytes would be a 192 MB allocation.
        let mut elf = fixture("tiny-audited");
        let headers =
            usize::try_from(u64::from_le_bytes(elf[0x28..0x30].try_into().unwrap())).unwrap();
        elf[0x3C..0x3E].copy_from_slice(&0u16.to_le_bytes());
        elf[headers + 0x20..headers + 0x28].copy_from_slice(&3_000_000u64.to_le_bytes());
        let error = FORMAT.extract(&Input::new("app", &elf)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("a structure of 192000000 bytes (airlock reads at most 64 MiB at once)"),
            "{error}"
        );
    }

    #[test]
    fn lists_that_cargo_auditable_would_not_write_are_refused() {
        let cases = [
            (
                r#"{"packages": [{"name": "a", "version": "1.0.0", "source": "local", "root": true, "dependencies": [1]}, {"name": "b", "version": "1.0.0", "source": "crates.io", "dependencies": [0]}]}"#,
                "cyclic",
            ),
            (
                r#"{"packages": [{"name": "a", "version": "1.0.0", "source": "local", "root": true}, {"name": "b", "version": "1.0.0", "source": "local", "root": true}]}"#,
                "Multiple root",
            ),
            (
                r#"{"packages": [{"name": "a", "version": "not a version", "source": "local"}]}"#,
                "not cargo auditable's format",
            ),
            (
                r#"{"packages": [{"name": "a b", "version": "1.0.0", "source": "crates.io"}]}"#,
                "package 0 of the dependency list",
            ),
        ];
        for (json, message) in cases {
            let error = decode("app", &compressed(json))
                .and_then(|list| build(&Input::new("app", b""), &list))
                .unwrap_err();
            assert!(error.to_string().contains(message), "{json}: {error}");
        }
        let bomb = compressed(&" ".repeat(MAX_JSON_BYTES as usize + 10));
        let error = decode("app", &bomb).unwrap_err();
        assert!(error.to_string().contains("inflates past 8 MiB"), "{error}");
    }

    #[test]
    fn git_and_other_registry_packages_say_their_origin_was_not_recorded() {
        let json = r#"{"packages": [
            {"name": "app", "version": "0.1.0", "source": "local", "root": true, "dependencies": [1, 2, 3]},
            {"name": "fork", "version": "1.0.0", "source": "git"},
            {"name": "private", "version": "2.0.0", "source": "registry"},
            {"name": "core", "version": "0.0.0", "source": "builtin"}
        ]}"#;
        let list = decode("app", &compressed(json)).unwrap();
        let extraction = build(&Input::new("bin/app", b""), &list).unwrap();
        let purls = purls(&extraction);
        assert_eq!(
            purls,
            [
                "pkg:cargo/app@0.1.0?download_url=file:%2F%2Fbin%2Fapp#path=bin/app",
                "pkg:cargo/core@0.0.0?download_url=file:%2F%2Fbin%2Fapp#path=bin/app",
                "pkg:cargo/fork@1.0.0?vcs_url=git%2Bunrecorded",
                "pkg:cargo/private@2.0.0?repository_url=unrecorded",
                "pkg:generic/app#path=bin/app",
            ]
        );
        // Without a root package, the binary depends on the packages nothing else depends on.
        let rootless = r#"{"packages": [
            {"name": "a", "version": "1.0.0", "source": "crates.io", "dependencies": [1]},
            {"name": "b", "version": "1.0.0", "source": "crates.io"},
            {"name": "c", "version": "1.0.0", "source": "crates.io", "kind": "build"}
        ]}"#;
        let list = decode("app", &compressed(rootless)).unwrap();
        let extraction = build(&Input::new("app", b""), &list).unwrap();
        assert_eq!(
            edges(&extraction),
            [
                ("a".to_owned(), "b".to_owned(), EdgeKind::Normal),
                ("app".to_owned(), "a".to_owned(), EdgeKind::Normal),
                ("app".to_owned(), "c".to_owned(), EdgeKind::Build),
            ]
        );
    }

    #[test]
    fn content_tells_binaries_from_look_alikes() {
        for name in [
            "airlock-auditable-demo",
            "tiny",
            "tiny-audited.exe",
            "demo.macho",
            "demo-universal.macho",
        ] {
            assert!(recognizes(&fixture(name)), "{name}");
        }
        // A Java class file shares the universal Mach-O magic; its version follows it.
        assert!(!recognizes(b"\xca\xfe\xba\xbe\x00\x00\x00\x34"));
        // `MZ` alone is two letters of text.
        assert!(!recognizes(b"MZ is how this note starts"));
        assert!(!recognizes(b"\x7fEL"));
        assert!(worth_sniffing(std::path::Path::new("bin/app")));
        assert!(worth_sniffing(std::path::Path::new("bin/app.EXE")));
        assert!(worth_sniffing(std::path::Path::new("lib/libssl.so.3")));
        assert!(!worth_sniffing(std::path::Path::new("src/main.rs")));
        assert!(!worth_sniffing(std::path::Path::new(".hidden")));
    }

    #[test]
    fn the_driver_reads_the_file_through_a_seekable_reader() {
        // The driver hands over the first bytes only; the section lies beyond them.
        let bytes = fixture("airlock-auditable-demo");
        let files = MemoryFiles::new().with("app", bytes.clone());
        let head = bytes.get(..HEAD_BYTES as usize).unwrap();
        let extraction = FORMAT
            .extract(&Input::new("app", head).with_files(&files))
            .unwrap();
        assert_eq!(extraction.components.len(), 6);
        assert!(FORMAT.extract(&Input::new("app", head)).is_err());
    }
}
