//! Operating-system packages, as the package managers of distributions record what they
//! installed: dpkg's status database (Debian, Ubuntu, and the `status.d/` of distroless images)
//! and apk's installed database (Alpine, Wolfi). Found in container images and in a root
//! filesystem scanned as a directory.
//!
//! Each package becomes a component with the purl its distribution's type defines
//! (`pkg:deb/debian/NAME@VERSION?arch=…&distro=…`, `pkg:apk/alpine/…`, purl-spec
//! `PURL-TYPES.rst`). airlock does not import distribution advisories (Debian's and Alpine's
//! security trackers), so these packages are never matched: every database read says so in a
//! warning, so that an image is never reported clean for packages nobody looked up.

pub mod apk;
pub mod dpkg;

use std::collections::BTreeMap;

use crate::component::{Component, ComponentKey, ComponentKind, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::extract::{join_path, parent_directory, FileReader, Input};
use crate::image::OsRelease;
use crate::location::{Evidence, Location};
use crate::name::PackageName;
use crate::purl::PurlParts;

/// One installed package of a distribution's database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OsPackage {
    pub name: String,
    pub version: String,
    pub architecture: Option<String>,
    /// The source package it was built from, when another (`Source:` of dpkg, `o:` of apk).
    pub source: Option<String>,
    pub license: Option<String>,
    /// The 1-based line its paragraph starts at.
    pub line: u32,
}

/// `os-release` of the root filesystem the database belongs to, read through the driver:
/// `ROOT/etc/os-release`, else `ROOT/usr/lib/os-release`, where ROOT is `levels` directories
/// above the database's directory.
pub(crate) fn os_release(input: &Input<'_>, levels: usize) -> OsRelease {
    let mut root = parent_directory(input.path).to_owned();
    for _ in 0..levels {
        root = join_path(&root, "..");
    }
    if root.starts_with("..") {
        return OsRelease::default();
    }
    ["etc/os-release", "usr/lib/os-release"]
        .iter()
        .find_map(|path| read_small(input.files, &join_path(&root, path)))
        .map(|text| OsRelease::parse(&text))
        .unwrap_or_default()
}

fn read_small(files: &dyn FileReader, path: &str) -> Option<String> {
    files
        .read(path)
        .ok()
        .filter(|bytes| bytes.len() <= 64 * 1024)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// The components of `packages`, with their distribution purls (`purl_type` `deb` or `apk`,
/// `namespace` the distribution's id), and the warning that they are not matched.
pub(crate) fn components(
    input: &Input<'_>,
    extractor: &'static str,
    purl_type: &str,
    namespace: &str,
    release: &OsRelease,
    packages: Vec<OsPackage>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Component> {
    let distro = release.id.as_ref().map(|id| match &release.version_id {
        Some(version) => format!("{id}-{version}"),
        None => id.clone(),
    });
    let mut components = Vec::new();
    for package in packages {
        let location = Location::line(input.path, package.line);
        let Ok(name) = PackageName::new(Ecosystem::GenericFile, &package.name) else {
            diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                location,
                format!("`{}` is not a package name; skipped", package.name),
            ));
            continue;
        };
        let mut qualifiers = BTreeMap::new();
        if let Some(architecture) = &package.architecture {
            qualifiers.insert("arch".to_owned(), architecture.clone());
        }
        if let Some(distro) = &distro {
            qualifiers.insert("distro".to_owned(), distro.clone());
        }
        if let Some(source) = package
            .source
            .as_ref()
            .filter(|source| **source != package.name)
        {
            // purl-spec's deb type names the source package with `upstream`.
            if purl_type == "deb" {
                qualifiers.insert("upstream".to_owned(), source.clone());
            }
        }
        let purl = PurlParts {
            purl_type: purl_type.to_owned(),
            namespace: Some(namespace.to_owned()),
            name: package.name.clone(),
            version: Some(package.version.clone()),
            qualifiers,
            subpath: None,
        }
        .to_purl();
        let key = ComponentKey::new(
            Ecosystem::GenericFile,
            name,
            Some(package.version.clone()),
            // Distribution packages of another database are other components.
            Source::File {
                path: input.path.to_owned(),
            },
        );
        let mut component = Component::new(key, ComponentKind::Library).with_evidence(Evidence {
            location: location.clone(),
            extractor,
        });
        match purl {
            Ok(purl) => component.facts.original_purl = Some(purl.to_string()),
            Err(error) => diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                location,
                error.to_string(),
            )),
        }
        if let Some(license) = package.license.filter(|license| !license.is_empty()) {
            component.licenses.insert(license);
        }
        components.push(component);
    }
    if !components.is_empty() {
        diagnostics.push(Diagnostic::warning(
            DiagnosticCode::OsPackagesNotMatched,
            Location::file(input.path),
            format!(
                "{} {purl_type} packages listed here are not matched against advisories: \
                 distribution advisories ({namespace}) are not imported, so their \
                 vulnerabilities are unknown, not absent",
                components.len()
            ),
        ));
    }
    components
}

/// Paragraphs of `Key: value` lines separated by blank lines (dpkg's control syntax, Debian
/// Policy 5.1); continuation lines (starting with a space) are dropped, as no field airlock
/// reads spans lines. Each paragraph comes with the line it starts at; a line that is neither
/// is a warning.
pub(crate) fn paragraphs(
    input: &Input<'_>,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(u32, BTreeMap<String, String>)> {
    let mut paragraphs = Vec::new();
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    let mut start = 1;
    for (number, line) in text.lines().enumerate() {
        let number = u32::try_from(number + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push((start, std::mem::take(&mut current)));
            }
            continue;
        }
        if current.is_empty() {
            start = number;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if !key.trim().is_empty() => {
                current
                    .entry(key.trim().to_owned())
                    .or_insert_with(|| value.trim().to_owned());
            }
            _ => diagnostics.push(Diagnostic::warning(
                DiagnosticCode::InvalidEntry,
                Location::line(input.path, number),
                "not a `Field: value` line; skipped",
            )),
        }
    }
    if !current.is_empty() {
        paragraphs.push((start, current));
    }
    paragraphs
}
