//! Installed Python environments: what pip, uv or a distribution installed into a
//! `site-packages` (or Debian `dist-packages`) directory, read from the metadata installers
//! leave behind — the `*.dist-info` directories of the "Recording installed projects"
//! specification (core metadata `METADATA`, PEP 376 `RECORD`, PEP 610 `direct_url.json`,
//! `INSTALLER`, PEP 770 `sboms/`) and the legacy `*.egg-info` of setuptools (`PKG-INFO`,
//! `requires.txt`, `installed-files.txt`) — plus what runs at every interpreter start (`.pth`
//! files) and the interpreter version of a virtual environment (PEP 405 `pyvenv.cfg`).
//!
//! One row reads a whole `site-packages` directory as one extraction, so that `Requires-Dist`
//! names resolve (in the link stage, [`Origin::Installed`]) among the packages installed beside
//! each other, and so that a file no `RECORD` lists can be told from one that some package
//! installed. Every file a `RECORD` lists with a hash is re-hashed, streamed and in parallel.
//! The same row reads one `METADATA` or `PKG-INFO` named on its own (and is fuzzed that way).

pub mod core_metadata;
pub mod direct_url;
pub mod egg_info;
pub mod path_configuration;
pub mod pyvenv_cfg;
pub mod record;
mod site_packages;

use std::path::Path;

use crate::component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeDetails, EdgeKind,
};
use crate::diagnostic::Diagnostic;
use crate::ecosystem::Ecosystem;
use crate::extract::{
    join_path, parent_directory, ExtractError, Extraction, ExtractorId, FileMatch, FileReader,
    Format, Input, NamedTarget, Parse, Reference, Requirement, Sample, Syntax, Target,
};
use crate::link::Origin;
use crate::location::{Evidence, Location};

/// The row's id.
pub const ID: ExtractorId = "python/installed";

/// The largest `METADATA` or `PKG-INFO` read (the description makes them a few hundred
/// kilobytes at most).
const METADATA_LIMIT: u64 = 16 * 1024 * 1024;

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Installed Python packages: a site-packages or dist-packages directory (*.dist-info METADATA, RECORD re-hashed, direct_url.json, INSTALLER, sboms/; *.egg-info PKG-INFO, requires.txt; .pth files; pyvenv.cfg), or one METADATA / PKG-INFO",
    FileMatch::Custom(accepts),
    &Installed,
)
.max_bytes(METADATA_LIMIT)
.installed()
.fuzzed_as(
    "python_installed",
    &[
        Sample::new("demo-1.0.dist-info/METADATA", Syntax::Lines),
        Sample::new("demo.egg-info/PKG-INFO", Syntax::Lines),
    ],
);

/// Directory names of installed package trees.
pub const SITE_DIRECTORIES: &[&str] = &["site-packages", "dist-packages"];

/// A `site-packages` directory, a `*.dist-info/METADATA` or a `*.egg-info/PKG-INFO`.
fn accepts(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    if SITE_DIRECTORIES.contains(&name) {
        return true;
    }
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|parent| parent.to_str())
        .unwrap_or_default();
    (name == "METADATA" && parent.ends_with(".dist-info"))
        || (name == "PKG-INFO" && parent.ends_with(".egg-info"))
}

/// True for a path that names a `site-packages` or `dist-packages` directory.
pub fn is_site_directory(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| SITE_DIRECTORIES.contains(&name))
}

struct Installed;

impl Parse for Installed {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let name = input.path.rsplit('/').next().unwrap_or(input.path);
        if SITE_DIRECTORIES.contains(&name) {
            return site_packages::read(input.path, input.files);
        }
        // One metadata file on its own: its package, and its own files re-hashed; its
        // dependencies are not resolved (what else is installed was not looked at).
        let directory = parent_directory(input.path);
        let site = parent_directory(directory);
        let mut extraction = Extraction::default();
        let mut distribution = read_distribution(directory, Some(input.bytes), input.files)?;
        extraction.diagnostics.append(&mut distribution.diagnostics);
        let Some(mut package) = distribution.package else {
            return Ok(extraction);
        };
        let integrity = match distribution.record {
            Ok(entries) => {
                let checked =
                    site_packages::check_files(site, &[(0, entries.as_slice())], input.files);
                extraction.diagnostics.extend(checked.diagnostics);
                checked.integrity.into_iter().next()
            }
            Err(unknown) => Some(unknown),
        };
        package.component.facts.installed_mut().integrity = integrity;
        extraction.components.push(package.component);
        extraction.components.extend(package.bundled);
        extraction.references.extend(package.bundled_references);
        Ok(extraction)
    }
}

/// One installed package as its metadata directory describes it.
#[derive(Debug)]
pub(crate) struct Package {
    pub component: Component,
    /// `Requires-Dist` (or `requires.txt`) entries, as references from the component.
    pub requires: Vec<Reference>,
    /// Components of the package's own SBOMs (PEP 770), marked bundled.
    pub bundled: Vec<Component>,
    pub bundled_references: Vec<Reference>,
}

impl Package {
    /// Adds the package of a wheel or sdist to `extraction`: the root of its file, carrying
    /// the file's own `digest` and `artifact` facts, with its `Requires-Dist` names resolved
    /// among the artifacts of the same folder ([`crate::link::Origin::Wheelhouse`]) and its
    /// bundled components.
    pub(crate) fn add_as_artifact(
        self,
        artifact: crate::facts::artifact::ArtifactFacts,
        digest: Option<&crate::extract::FileDigest>,
        extraction: &mut Extraction,
    ) {
        let mut component = self.component;
        if let Some(digest) = digest {
            component.hashes.extend(digest.hashes());
        }
        component.facts.artifact = Some(Box::new(artifact));
        extraction.roots.push(component.key.clone());
        extraction.components.push(component);
        extraction
            .references
            .extend(self.requires.into_iter().map(|mut reference| {
                if let crate::extract::Target::Named(named) = &mut reference.to {
                    named.origin = crate::link::Origin::Wheelhouse;
                }
                reference
            }));
        extraction.components.extend(self.bundled);
        extraction.references.extend(self.bundled_references);
    }
}

/// What one `*.dist-info` or `*.egg-info` directory gave.
#[derive(Debug)]
pub(crate) struct Distribution {
    /// `None` when its metadata could not be read (a diagnostic says why).
    pub package: Option<Package>,
    /// The `RECORD` rows, or why there is no trustworthy `RECORD` (integrity unknown).
    pub record: Result<Vec<record::RecordEntry>, crate::facts::installed::Integrity>,
    /// Paths (scan-relative) an `installed-files.txt` or an unparsable `RECORD` lists: recorded,
    /// without hashes to check.
    pub listed_without_hashes: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the metadata directory `directory` (scan-relative). `metadata` is the main file's
/// bytes when the directory's metadata file is the job's input; otherwise it is read through
/// `files`. A metadata file that cannot be parsed is an error only when it is the input.
pub(crate) fn read_distribution(
    directory: &str,
    metadata: Option<&[u8]>,
    files: &dyn FileReader,
) -> Result<Distribution, ExtractError> {
    let egg = directory.ends_with(".egg-info");
    let metadata_path = join_path(directory, if egg { "PKG-INFO" } else { "METADATA" });
    let mut diagnostics = Vec::new();
    let mut unparsed_record = Vec::new();
    let record = if egg {
        Err(crate::facts::installed::Integrity::Unknown {
            reason: "a legacy egg-info installation has no RECORD of file hashes".to_owned(),
            location: Location::file(directory),
        })
    } else {
        let record_path = join_path(directory, "RECORD");
        match files.read(&record_path) {
            Ok(bytes) => record::parse(&record_path, &bytes).map_err(|error| {
                unparsed_record = record::listed_paths(&bytes);
                crate::facts::installed::Integrity::Unknown {
                    reason: format!("its RECORD cannot be read: {error}"),
                    location: error.location().clone(),
                }
            }),
            Err(diagnostic) => Err(crate::facts::installed::Integrity::Unknown {
                reason: format!("it has no readable RECORD ({})", diagnostic.message),
                location: Location::file(&record_path),
            }),
        }
    };
    let mut listed_without_hashes: Vec<String> = if egg {
        files
            .read(&join_path(directory, "installed-files.txt"))
            .map(|bytes| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(|line| join_path(directory, line))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    listed_without_hashes.extend(
        unparsed_record
            .iter()
            .map(|path| join_path(parent_directory(directory), path)),
    );
    let parsed = match metadata {
        Some(bytes) => core_metadata::parse(&metadata_path, bytes)?,
        None => {
            let read = files
                .read(&metadata_path)
                .map_err(|diagnostic| diagnostic.message.clone())
                .and_then(|bytes| {
                    core_metadata::parse(&metadata_path, &bytes).map_err(|error| {
                        let diagnostic = error.to_diagnostic();
                        diagnostics.push(diagnostic);
                        String::new()
                    })
                });
            match read {
                Ok(parsed) => parsed,
                Err(message) => {
                    if !message.is_empty() {
                        diagnostics.push(Diagnostic::error(
                            crate::diagnostic::DiagnosticCode::ReadError,
                            Location::file(&metadata_path),
                            message,
                        ));
                    }
                    return Ok(Distribution {
                        package: None,
                        record,
                        listed_without_hashes,
                        diagnostics,
                    });
                }
            }
        }
    };
    let package = package(directory, &metadata_path, &parsed, files, &mut diagnostics)?;
    Ok(Distribution {
        package: Some(package),
        record,
        listed_without_hashes,
        diagnostics,
    })
}

/// The component and references of one parsed metadata file.
pub(crate) fn package(
    directory: &str,
    metadata_path: &str,
    metadata: &core_metadata::CoreMetadata,
    files: &dyn FileReader,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Package, ExtractError> {
    let location = |name: &str| {
        metadata.first(name).map_or_else(
            || Location::file(metadata_path),
            |field| Location::line(metadata_path, field.line),
        )
    };
    let raw_name = metadata.text("Name").unwrap_or_default();
    let name = super::package_name(raw_name).map_err(|message| ExtractError::Parse {
        location: location("Name"),
        message,
    })?;
    let version = super::version_or_raw(metadata.text("Version").unwrap_or_default(), |message| {
        diagnostics.push(Diagnostic::warning(
            crate::diagnostic::DiagnosticCode::InvalidEntry,
            location("Version"),
            message,
        ));
    });
    let mut source = crate::component::Source::DEFAULT_REGISTRY;
    let mut editable = false;
    if !directory.ends_with(".egg-info") {
        let direct_url_path = join_path(directory, "direct_url.json");
        if let Ok(bytes) = files.read(&direct_url_path) {
            match direct_url::parse(&bytes) {
                Ok(direct) => {
                    source = direct.source;
                    editable = direct.editable;
                }
                Err(message) => diagnostics.push(Diagnostic::warning(
                    crate::diagnostic::DiagnosticCode::InvalidEntry,
                    Location::file(&direct_url_path),
                    format!("cannot read direct_url.json ({message}); the package is reported as from the registry"),
                )),
            }
        }
    }
    let key = ComponentKey::new(Ecosystem::PyPI, name, Some(version), source);
    let mut component =
        Component::new(key.clone(), ComponentKind::Library).with_evidence(Evidence {
            location: location("Name"),
            extractor: ID,
        });
    if editable {
        component.flags.insert(ComponentFlag::Editable);
    }
    if let Some(expression) = metadata.text("License-Expression") {
        component.licenses.insert(expression.to_owned());
    } else {
        let mut found = false;
        for classifier in metadata.all("Classifier") {
            if let Some(license) = core_metadata::classifier_license(classifier.value.trim()) {
                component.licenses.insert(license.to_owned());
                found = true;
            }
        }
        // `License` is often the whole license text: only a short one-line value names one.
        if let Some(license) = metadata.text("License") {
            if !found && !license.contains('\n') && license.len() <= 64 {
                component.licenses.insert(license.to_owned());
            }
        }
    }
    let installed = component.facts.installed_mut();
    installed.summary = metadata.text("Summary").map(str::to_owned);
    installed.supplier = supplier(metadata);
    installed.metadata_directory = Some(directory.to_owned());
    installed.installer = files
        .read(&join_path(directory, "INSTALLER"))
        .ok()
        .and_then(|bytes| {
            String::from_utf8_lossy(&bytes)
                .lines()
                .next()
                .map(|line| line.trim().chars().take(64).collect::<String>())
        })
        .filter(|installer| !installer.is_empty());

    let mut written: Vec<(String, Location)> = metadata
        .all("Requires-Dist")
        .map(|field| {
            (
                field.value.clone(),
                Location::line(metadata_path, field.line),
            )
        })
        .collect();
    if directory.ends_with(".egg-info") {
        let requires_path = join_path(directory, "requires.txt");
        if let Ok(bytes) = files.read(&requires_path) {
            written.extend(
                egg_info::requirements(&String::from_utf8_lossy(&bytes))
                    .into_iter()
                    .map(|(text, line)| (text, Location::line(&requires_path, line))),
            );
        }
    }
    let mut requires = Vec::new();
    for (text, at) in written {
        match super::parse_requirement(&text) {
            Ok(requirement) => {
                let kind = if requirement
                    .marker
                    .as_deref()
                    .is_some_and(|marker| marker.contains("extra"))
                {
                    EdgeKind::Optional
                } else {
                    EdgeKind::Normal
                };
                requires.push(Reference {
                    from: key.clone(),
                    to: Target::Named(NamedTarget {
                        ecosystem: Ecosystem::PyPI,
                        name: requirement.name,
                        requirement: Requirement::Allowed {
                            specifier: requirement.specifier,
                        },
                        origin: Origin::Installed,
                        written: Some(text.trim().to_owned()),
                    }),
                    kind,
                    conditions: EdgeDetails {
                        marker: requirement.marker,
                        extras: requirement.extras,
                        relation: None,
                    },
                    location: Some(at),
                });
            }
            Err(message) => diagnostics.push(Diagnostic::warning(
                crate::diagnostic::DiagnosticCode::InvalidEntry,
                at,
                message,
            )),
        }
    }
    let (bundled, bundled_references) = read_sboms(directory, &key, files, diagnostics);
    Ok(Package {
        component,
        requires,
        bundled,
        bundled_references,
    })
}

/// `Maintainer` (else `Author`), with its e-mail field when it adds one.
fn supplier(metadata: &core_metadata::CoreMetadata) -> Option<String> {
    for (name, email) in [
        ("Maintainer", "Maintainer-email"),
        ("Author", "Author-email"),
    ] {
        let person = metadata.text(name);
        let address = metadata.text(email);
        let text = match (person, address) {
            (Some(person), Some(address)) if !address.contains(person) => {
                format!("{person} <{address}>")
            }
            (_, Some(address)) => address.to_owned(),
            (Some(person), None) => person.to_owned(),
            (None, None) => continue,
        };
        return Some(text.replace('\n', " "));
    }
    None
}

/// The SBOMs a package ships in `*.dist-info/sboms/` (PEP 770), read by the SBOM extractor:
/// their components are bundled inside the package (vendored libraries, native code), linked
/// from it and marked so.
fn read_sboms(
    directory: &str,
    package: &ComponentKey,
    files: &dyn FileReader,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Component>, Vec<Reference>) {
    let sboms = join_path(directory, "sboms");
    let Ok(entries) = files.list(&sboms) else {
        return (Vec::new(), Vec::new());
    };
    let mut components = Vec::new();
    let mut references = Vec::new();
    for entry in entries.iter().filter(|entry| entry.is_file) {
        let path = join_path(&sboms, &entry.name);
        let bytes = match files.read(&path) {
            Ok(bytes) => bytes,
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let input = Input::new(&path, &bytes).with_files(files);
        match crate::extract::sbom::FORMAT.extract(&input) {
            Ok(extraction) => {
                diagnostics.extend(extraction.diagnostics);
                for mut component in extraction.components {
                    if component.key == *package {
                        continue;
                    }
                    component.facts.installed_mut().bundled_in = Some(directory.to_owned());
                    references.push(Reference {
                        from: package.clone(),
                        to: Target::Key(component.key.clone()),
                        kind: EdgeKind::Normal,
                        conditions: EdgeDetails {
                            relation: Some("bundled".to_owned()),
                            ..EdgeDetails::default()
                        },
                        location: Some(Location::file(&path)),
                    });
                    components.push(component);
                }
                references.extend(
                    extraction
                        .references
                        .into_iter()
                        .filter(|reference| matches!(reference.to, Target::Key(_))),
                );
            }
            Err(error) => diagnostics.push(error.to_diagnostic()),
        }
    }
    (components, references)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;
    use crate::facts::installed::Integrity;

    const SITE: &str = "env/lib/python3.12/site-packages";

    fn site_files() -> MemoryFiles {
        MemoryFiles::new()
            .with(
                &format!("{SITE}/proj-0.1.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: proj\nVersion: 0.1\nRequires-Dist: legacy\n",
            )
            .with(
                &format!("{SITE}/proj-0.1.dist-info/RECORD"),
                "proj-0.1.dist-info/METADATA,,\n__editable__.proj-0.1.pth,,\n",
            )
            .with(
                &format!("{SITE}/proj-0.1.dist-info/direct_url.json"),
                r#"{"url": "file:///home/me/proj", "dir_info": {"editable": true}}"#,
            )
            .with(
                &format!("{SITE}/__editable__.proj-0.1.pth"),
                "/home/me/proj\n",
            )
            .with(
                &format!("{SITE}/legacy.egg-info/PKG-INFO"),
                "Metadata-Version: 1.1\nName: legacy\nVersion: 0.9\n",
            )
            .with(
                &format!("{SITE}/legacy.egg-info/installed-files.txt"),
                "../legacy.py\n",
            )
            .with(&format!("{SITE}/legacy.py"), "x = 1\n")
    }

    #[test]
    fn an_editable_install_is_a_local_path_never_the_registry_package() {
        let files = site_files();
        let extraction = FORMAT
            .extract(&Input::new(SITE, b"").with_files(&files))
            .unwrap();
        let proj = extraction
            .components
            .iter()
            .find(|component| component.key.name.normalized() == "proj")
            .unwrap();
        assert_eq!(
            proj.key.source,
            crate::component::Source::Path {
                path: "/home/me/proj".to_owned()
            }
        );
        assert!(proj.flags.contains(&ComponentFlag::Editable));
        // Local sources follow the house rule: the reference names the directory, and the
        // purl says it is local (docs/sbom.md, "Local projects").
        assert_eq!(
            proj.key.reference(),
            "pkg:pypi/proj@0.1?download_url=file:%2F%2F%2Fhome%2Fme%2Fproj#path=/home/me/proj"
        );
        // The egg-info install has no hashes: unknown, never clean; its files are recorded.
        let legacy = extraction
            .components
            .iter()
            .find(|component| component.key.name.normalized() == "legacy")
            .unwrap();
        assert!(matches!(
            legacy.facts.installed.as_ref().unwrap().integrity,
            Some(Integrity::Unknown { .. })
        ));
        let environment = extraction
            .components
            .iter()
            .find(|component| component.kind == ComponentKind::Application)
            .unwrap();
        let facts = environment.facts.installed.as_ref().unwrap();
        assert!(facts.unrecorded.is_empty(), "{:?}", facts.unrecorded);
        assert!(facts.startup_lines.is_empty(), "a path line runs nothing");
        // `Requires-Dist: legacy` is a named reference the link stage resolves.
        assert!(extraction.references.iter().any(|reference| matches!(
            &reference.to,
            Target::Named(named) if named.name.normalized() == "legacy"
                && named.origin == Origin::Installed
        )));
    }

    #[test]
    fn a_bundled_sbom_is_merged_in_and_marked() {
        let files = site_files().with(
            &format!("{SITE}/proj-0.1.dist-info/sboms/native.cdx.json"),
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"openssl","version":"3.0.13","purl":"pkg:generic/openssl@3.0.13"}]}"#,
        );
        let extraction = FORMAT
            .extract(&Input::new(SITE, b"").with_files(&files))
            .unwrap();
        let bundled = extraction
            .components
            .iter()
            .find(|component| component.key.name.normalized() == "openssl")
            .unwrap();
        assert_eq!(
            bundled
                .facts
                .installed
                .as_ref()
                .unwrap()
                .bundled_in
                .as_deref(),
            Some(format!("{SITE}/proj-0.1.dist-info").as_str())
        );
        assert!(extraction.references.iter().any(|reference| {
            reference.from.name.normalized() == "proj"
                && reference.to == Target::Key(bundled.key.clone())
                && reference.conditions.relation.as_deref() == Some("bundled")
        }));
    }
}
