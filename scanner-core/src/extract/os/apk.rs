//! apk's database of installed packages, `/lib/apk/db/installed` (Alpine, Wolfi): one paragraph
//! per package of `X:value` lines (`P` name, `V` version, `A` architecture, `o` origin, `L`
//! license), as the apk-tools "installed database" format writes them.

use std::collections::BTreeMap;

use super::{components, os_release, OsPackage};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::extract::{
    ExtractError, Extraction, ExtractorId, FileMatch, Format, Input, Parse, Sample, Syntax,
};
use crate::location::Location;

/// The row's id.
pub const ID: ExtractorId = "os/apk-installed";

/// The row of [`crate::extract::FORMATS`].
pub const FORMAT: Format = Format::new(
    ID,
    "Alpine packages installed by apk (/lib/apk/db/installed): listed with pkg:apk purls, not matched (no distribution advisories)",
    FileMatch::Custom(accepts),
    &Apk,
)
.fuzzed_as(
    "apk_installed",
    &[Sample::new("lib/apk/db/installed", Syntax::Lines)],
);

/// `…/apk/db/installed`.
fn accepts(path: &std::path::Path) -> bool {
    let mut names = path
        .iter()
        .rev()
        .map(|part| part.to_str().unwrap_or_default());
    names.next() == Some("installed") && names.next() == Some("db") && names.next() == Some("apk")
}

struct Apk;

impl Parse for Apk {
    fn parse(&self, input: &Input<'_>) -> Result<Extraction, ExtractError> {
        let text = std::str::from_utf8(input.bytes).map_err(|error| ExtractError::InvalidUtf8 {
            location: input.location(None),
            offset: error.valid_up_to(),
        })?;
        let mut extraction = Extraction::default();
        let mut packages = Vec::new();
        let mut current: BTreeMap<char, String> = BTreeMap::new();
        let mut start = 1;
        let mut flush = |current: &mut BTreeMap<char, String>,
                         start: u32,
                         diagnostics: &mut Vec<Diagnostic>| {
            if current.is_empty() {
                return;
            }
            let fields = std::mem::take(current);
            match (fields.get(&'P'), fields.get(&'V')) {
                (Some(name), Some(version)) => packages.push(OsPackage {
                    name: name.clone(),
                    version: version.clone(),
                    architecture: fields.get(&'A').cloned(),
                    source: fields.get(&'o').cloned(),
                    license: fields.get(&'L').cloned(),
                    line: start,
                }),
                _ => diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    Location::line(input.path, start),
                    "a package without `P:` or `V:`; skipped",
                )),
            }
        };
        for (number, line) in text.lines().enumerate() {
            let number = u32::try_from(number + 1).unwrap_or(u32::MAX);
            if line.trim().is_empty() {
                flush(&mut current, start, &mut extraction.diagnostics);
                continue;
            }
            if current.is_empty() {
                start = number;
            }
            let mut characters = line.chars();
            if let (Some(key), Some(':')) = (characters.next(), characters.next()) {
                current
                    .entry(key)
                    .or_insert_with(|| characters.as_str().trim().to_owned());
            } else {
                extraction.diagnostics.push(Diagnostic::warning(
                    DiagnosticCode::InvalidEntry,
                    Location::line(input.path, number),
                    "not an `X:value` line; skipped",
                ));
            }
        }
        flush(&mut current, start, &mut extraction.diagnostics);
        // `lib/apk/db/installed` → the root is three levels above `db`.
        let release = os_release(input, 3);
        let namespace = release.id.clone().unwrap_or_else(|| "alpine".to_owned());
        extraction.components = components(
            input,
            ID,
            "apk",
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
    fn packages_get_apk_purls() {
        let installed = "C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\no:musl\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\n\nP:broken\n";
        let files = MemoryFiles::new().with("etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n");
        let extraction = FORMAT
            .extract(&Input::new("lib/apk/db/installed", installed.as_bytes()).with_files(&files))
            .unwrap();
        let purls: Vec<&str> = extraction
            .components
            .iter()
            .map(|component| component.facts.original_purl.as_deref().unwrap())
            .collect();
        assert_eq!(
            purls,
            [
                "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1",
                "pkg:apk/alpine/busybox@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1",
            ]
        );
        assert!(extraction.components[1].licenses.contains("GPL-2.0-only"));
        assert!(extraction
            .diagnostics
            .iter()
            .any(|diagnostic| diagnostic.code == DiagnosticCode::InvalidEntry));
    }
}
