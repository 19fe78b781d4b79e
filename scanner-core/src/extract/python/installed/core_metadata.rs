//! Core metadata (`METADATA` of a `*.dist-info`, `PKG-INFO` of a `*.egg-info`), per the
//! PyPA core metadata specification (versions 1.0 to 2.4): RFC 822 style headers, one per line,
//! continued on lines that start with whitespace, up to the first empty line (the body is the
//! description and is not read). Multiple-use fields (`Requires-Dist`, `Classifier`) keep every
//! value with its line.

use crate::extract::ExtractError;
use crate::location::Location;

/// The newest major version of the specification airlock reads (2.x).
const SUPPORTED_MAJOR: u32 = 2;

/// One header: its name as written, its value (continuations joined with a newline) and the
/// line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The header's name as written (`Requires-Dist`).
    pub name: String,
    /// Its value, continuation lines joined with a newline.
    pub value: String,
    /// The line the header starts on.
    pub line: u32,
}

/// The headers of one metadata file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreMetadata {
    /// Every header, in file order (a name may repeat: `Classifier`, `Requires-Dist`).
    pub fields: Vec<Field>,
}

impl CoreMetadata {
    /// The first value of a single-use field (names compare case-insensitively, as in email).
    pub fn first(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|field| field.name.eq_ignore_ascii_case(name))
    }

    /// The trimmed, non-empty value of a single-use field.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.first(name)
            .map(|field| field.value.trim())
            .filter(|value| !value.is_empty() && *value != "UNKNOWN")
    }

    /// Every value of a multiple-use field, in file order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields
            .iter()
            .filter(move |field| field.name.eq_ignore_ascii_case(name))
    }
}

/// Parses the headers of a core metadata file at `path` (for the errors' locations).
pub fn parse(path: &str, bytes: &[u8]) -> Result<CoreMetadata, ExtractError> {
    let text = std::str::from_utf8(bytes).map_err(|error| ExtractError::InvalidUtf8 {
        location: Location::file(path),
        offset: error.valid_up_to(),
    })?;
    let mut metadata = CoreMetadata::default();
    for (index, line) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            // The end of the headers; what follows is the description.
            break;
        }
        if line.starts_with([' ', '\t']) {
            let Some(last) = metadata.fields.last_mut() else {
                return Err(ExtractError::Parse {
                    location: Location::line(path, number),
                    message: "a continuation line before any header".to_owned(),
                });
            };
            last.value.push('\n');
            last.value.push_str(line.trim());
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ExtractError::Parse {
                location: Location::line(path, number),
                message: format!(
                    "not a `Name: value` header: `{}`",
                    line.chars().take(80).collect::<String>()
                ),
            });
        };
        let name = name.trim_end();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ExtractError::Parse {
                location: Location::line(path, number),
                message: format!(
                    "`{}` is not a header name",
                    name.chars().take(80).collect::<String>()
                ),
            });
        }
        metadata.fields.push(Field {
            name: name.to_owned(),
            value: value.trim().to_owned(),
            line: number,
        });
    }
    if let Some(version) = metadata.first("Metadata-Version") {
        let major = version
            .value
            .split('.')
            .next()
            .and_then(|major| major.trim().parse::<u32>().ok());
        match major {
            Some(major) if (1..=SUPPORTED_MAJOR).contains(&major) => {}
            _ => {
                return Err(ExtractError::UnsupportedVersion {
                    location: Location::line(path, version.line),
                    format: "core metadata",
                    found: version.value.clone(),
                    supported: "1.0 to 2.x",
                })
            }
        }
    }
    for required in ["Name", "Version"] {
        if metadata.text(required).is_none() {
            // The header block starts at line 1: that is where the header is missing from.
            return Err(ExtractError::Parse {
                location: Location::line(path, 1),
                message: format!("no `{required}` header: not a core metadata file"),
            });
        }
    }
    Ok(metadata)
}

/// The SPDX identifier of a `License :: OSI Approved :: …` classifier, for the common ones
/// (classifiers are not SPDX; unknown ones are left out rather than guessed).
pub fn classifier_license(classifier: &str) -> Option<&'static str> {
    let name = classifier.strip_prefix("License ::")?.trim();
    let name = name.strip_prefix("OSI Approved ::").unwrap_or(name).trim();
    Some(match name {
        "MIT License" => "MIT",
        "Apache Software License" => "Apache-2.0",
        "BSD License" => "BSD-3-Clause",
        "ISC License (ISCL)" => "ISC",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "GNU General Public License v2 (GPLv2)" => "GPL-2.0-only",
        "GNU General Public License v3 (GPLv3)" => "GPL-3.0-only",
        "GNU Lesser General Public License v3 (LGPLv3)" => "LGPL-3.0-only",
        "GNU Lesser General Public License v2 or later (LGPLv2+)" => "LGPL-2.0-or-later",
        "GNU Affero General Public License v3" => "AGPL-3.0-only",
        "Python Software Foundation License" => "PSF-2.0",
        "The Unlicense (Unlicense)" => "Unlicense",
        "Zope Public License" => "ZPL-2.1",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_continuations_and_errors() {
        let text = "Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\nSummary: one\n  two\nRequires-Dist: a>=1\nRequires-Dist: b; extra == 'x'\n\nName: body\n";
        let metadata = parse("m/METADATA", text.as_bytes()).unwrap();
        assert_eq!(metadata.text("name"), Some("Demo_Pkg"));
        assert_eq!(metadata.text("Summary"), Some("one\ntwo"));
        let requires: Vec<(&str, u32)> = metadata
            .all("Requires-Dist")
            .map(|field| (field.value.as_str(), field.line))
            .collect();
        assert_eq!(requires, [("a>=1", 6), ("b; extra == 'x'", 7)]);

        let error = parse("m/METADATA", b"Name: x\nVersion: 1\ngarbage line\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "m/METADATA:3: not a `Name: value` header: `garbage line`"
        );
        let error = parse("m/METADATA", b"Metadata-Version: 3.0\nName: x\n").unwrap_err();
        assert!(matches!(error, ExtractError::UnsupportedVersion { .. }));
        let error = parse("m/METADATA", b"Name: x\n").unwrap_err();
        assert!(error.to_string().contains("no `Version` header"), "{error}");
        assert!(parse("m/METADATA", b"\xff").is_err());
    }

    #[test]
    fn license_classifiers() {
        assert_eq!(
            classifier_license("License :: OSI Approved :: MIT License"),
            Some("MIT")
        );
        assert_eq!(classifier_license("License :: Other/Proprietary"), None);
        assert_eq!(classifier_license("Topic :: Utilities"), None);
    }
}
