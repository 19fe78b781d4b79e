//! dpkg's database of installed packages: `/var/lib/dpkg/status` (Debian Policy 5.1 control
//! syntax, one paragraph per package with `Package`, `Status`, `Version`, `Architecture`,
//! `Source`) and the one-file-per-package `/var/lib/dpkg/status.d/` that distroless images
//! write instead. Only packages whose `Status` says `installed` are listed (a removed package
//! keeps a `deinstall ok config-files` paragraph); a `status.d` entry has no `Status` and is
//! installed by being there.

use std::path::Path;

use super::{components, os_release, paragraphs, OsPackage};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Sample, Syntax,
};
use crate::location::Location;

/// The row's id.
pub const ID: ExtractorId = "os/dpkg-status";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Debian packages installed by dpkg (/var/lib/dpkg/status, distroless status.d/): listed with pkg:deb purls, not matched (no distribution advisories)",
    FileMatch::Custom(accepts),
    &Dpkg,
)
.fuzzed_as(
    "dpkg_status",
    &[Sample::new("var/lib/dpkg/status", Syntax::Lines)],
);

/// `…/dpkg/status`, or a file in `…/dpkg/status.d/` (not dpkg's own `*.md5sums` lists).
fn accepts(path: &Path) -> bool {
    let name = path.file_name().and_then(|name| name.to_str());
    let parent = path.parent();
    let parent_name = parent
        .and_then(Path::file_name)
        .and_then(|name| name.to_str());
    let grandparent = parent
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .and_then(|name| name.to_str());
    match (name, parent_name, grandparent) {
        (Some("status"), Some("dpkg"), _) => true,
        (Some(name), Some("status.d"), Some("dpkg")) => !name.ends_with(".md5sums"),
        _ => false,
    }
}

struct Dpkg;

impl Parse for Dpkg {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let text = std::str::from_utf8(input.bytes).map_err(|error| ExtractError::InvalidUtf8 {
            location: input.location(None),
            offset: error.valid_up_to(),
        })?;
        let in_status_d = input.path.contains("/status.d/") || input.path.starts_with("status.d/");
        let mut extraction = Extraction::default();
        let mut packages = Vec::new();
        for (line, fields) in paragraphs(input, text, &mut extraction.diagnostics) {
            let (Some(name), Some(version)) = (fields.get("Package"), fields.get("Version")) else {
                extraction.diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    Location::line(input.path, line),
                    "a package paragraph without `Package` or `Version`; skipped",
                ));
                continue;
            };
            let installed = match fields.get("Status") {
                Some(status) => status.split_whitespace().nth(2) == Some("installed"),
                None if in_status_d => true,
                None => {
                    extraction.diagnostics.push(Diagnostic::warning(
                        DiagnosticCode::InvalidEntry,
                        Location::line(input.path, line),
                        format!("`{name}` has no `Status`; skipped"),
                    ));
                    false
                }
            };
            if !installed {
                continue;
            }
            packages.push(OsPackage {
                name: name.clone(),
                version: version.clone(),
                architecture: fields.get("Architecture").cloned(),
                // `Source: name (version)` when the source's version differs.
                source: fields
                    .get("Source")
                    .and_then(|source| source.split_whitespace().next())
                    .map(str::to_owned),
                license: None,
                line,
            });
        }
        // `var/lib/dpkg/status` → the root is three levels above `dpkg`'s directory; a
        // `status.d/NAME` one more.
        let release = os_release(input, if in_status_d { 4 } else { 3 });
        let namespace = release.id.clone().unwrap_or_else(|| "debian".to_owned());
        extraction.components = components(
            input,
            ID,
            "deb",
            &namespace,
            &release,
            packages,
            &mut extraction.diagnostics,
        );
        Ok(extraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::MemoryFiles;

    #[test]
    fn installed_packages_get_deb_purls_and_removed_ones_are_left_out() {
        let status = "Package: base-files\nStatus: install ok installed\nVersion: 12.4+deb12u5\nArchitecture: amd64\nDescription: base\n multi-line\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: libssl3\nStatus: install ok installed\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n";
        let files = MemoryFiles::new().with(
            "root/etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        );
        let extraction = FORMAT
            .extract(&Input::new("root/var/lib/dpkg/status", status.as_bytes()).with_files(&files))
            .unwrap();
        let purls: Vec<&str> = extraction
            .components
            .iter()
            .map(|component| component.facts.original_purl.as_deref().unwrap())
            .collect();
        assert_eq!(
            purls,
            [
                "pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12",
                "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
            ]
        );
        assert_eq!(
            extraction.components[1]
                .evidence
                .iter()
                .next()
                .unwrap()
                .location
                .line,
            Some(12)
        );
        assert!(extraction
            .diagnostics
            .iter()
            .any(|diagnostic| diagnostic.code == DiagnosticCode::OsPackagesNotMatched));
    }

    #[test]
    fn a_distroless_status_d_entry_is_installed_by_being_there() {
        assert!(FORMAT.accepts(Path::new("var/lib/dpkg/status.d/libc6")));
        assert!(!FORMAT.accepts(Path::new("var/lib/dpkg/status.d/libc6.md5sums")));
        assert!(!FORMAT.accepts(Path::new("var/lib/dpkg/available")));
        let extraction = FORMAT
            .extract(&Input::new(
                "var/lib/dpkg/status.d/libc6",
                b"Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\n",
            ))
            .unwrap();
        assert_eq!(extraction.components.len(), 1);
        assert_eq!(
            extraction.components[0].facts.original_purl.as_deref(),
            Some("pkg:deb/debian/libc6@2.36-9?arch=amd64")
        );
    }
}
