//! SPDX 2.2 / 2.3 tag-value documents (`Tag: value` lines, multi-line values in
//! `<text>…</text>`), turned into the JSON form's fields and read by the JSON reader, so both
//! serializations give the same components and edges. Files and snippets are skipped (airlock
//! reads packages), as in JSON.

use serde_json::{json, Map, Value};

use crate::extract::{ExtractError, Input};

use super::Document;

/// What a tag belongs to: the document header, a package, or something airlock skips.
#[derive(PartialEq, Eq)]
enum Section {
    Document,
    Package,
    License,
    Skipped,
}

/// The tag-value lines as `(tag, value)`, multi-line `<text>` values joined.
fn pairs(text: &str) -> Vec<(String, String)> {
    let mut list = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_end();
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((tag, value)) = line.split_once(':') else {
            continue;
        };
        let mut value = value.trim().to_owned();
        if let Some(rest) = value.strip_prefix("<text>") {
            let mut collected = rest.to_owned();
            while !collected.contains("</text>") {
                match lines.next() {
                    Some(next) => {
                        collected.push('\n');
                        collected.push_str(next);
                    }
                    None => break,
                }
            }
            value = collected
                .split("</text>")
                .next()
                .unwrap_or_default()
                .to_owned();
        }
        list.push((tag.trim().to_owned(), value));
    }
    list
}

pub(super) fn read(input: &Input<'_>, text: &str) -> Result<Document, ExtractError> {
    let mut document = Map::new();
    let mut packages: Vec<Map<String, Value>> = Vec::new();
    let mut relationships: Vec<Map<String, Value>> = Vec::new();
    let mut licenses: Vec<Map<String, Value>> = Vec::new();
    let mut section = Section::Document;
    for (tag, value) in pairs(text) {
        let push = |object: &mut Map<String, Value>, key: &str, item: Value| {
            if let Some(list) = object
                .entry(key.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()))
                .as_array_mut()
            {
                list.push(item);
            }
        };
        match tag.as_str() {
            "SPDXVersion" => {
                document.insert("spdxVersion".into(), Value::String(value));
            }
            "PackageName" => {
                section = Section::Package;
                let mut package = Map::new();
                package.insert("name".into(), Value::String(value));
                packages.push(package);
            }
            "FileName" | "SnippetSPDXID" => section = Section::Skipped,
            "LicenseID" => {
                section = Section::License;
                let mut license = Map::new();
                license.insert("licenseId".into(), Value::String(value));
                licenses.push(license);
            }
            "ExtractedText" if section == Section::License => {
                if let Some(license) = licenses.last_mut() {
                    license.insert("extractedText".into(), Value::String(value));
                }
            }
            "Relationship" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                if let [from, kind, to] = parts.as_slice() {
                    let mut relationship = Map::new();
                    relationship.insert("spdxElementId".into(), json!(from));
                    relationship.insert("relationshipType".into(), json!(kind));
                    relationship.insert("relatedSpdxElement".into(), json!(to));
                    relationships.push(relationship);
                }
            }
            "RelationshipComment" => {
                if let Some(relationship) = relationships.last_mut() {
                    relationship.insert("comment".into(), Value::String(value));
                }
            }
            "SPDXID" if section == Section::Document => {
                document.insert("SPDXID".into(), Value::String(value));
            }
            _ if section == Section::Package => {
                let Some(package) = packages.last_mut() else {
                    continue;
                };
                match tag.as_str() {
                    "SPDXID" => {
                        package.insert("SPDXID".into(), Value::String(value));
                    }
                    "PackageVersion" => {
                        package.insert("versionInfo".into(), Value::String(value));
                    }
                    "PackageLicenseDeclared" => {
                        package.insert("licenseDeclared".into(), Value::String(value));
                    }
                    "PackageLicenseConcluded" => {
                        package.insert("licenseConcluded".into(), Value::String(value));
                    }
                    "PackageComment" => {
                        package.insert("comment".into(), Value::String(value));
                    }
                    "PackageOriginator" => {
                        package.insert("originator".into(), Value::String(value));
                    }
                    "PrimaryPackagePurpose" => {
                        package.insert(
                            "primaryPackagePurpose".into(),
                            Value::String(value.replace('-', "_")),
                        );
                    }
                    "PackageChecksum" => {
                        if let Some((algorithm, digest)) = value.split_once(':') {
                            push(
                                package,
                                "checksums",
                                json!({"algorithm": algorithm.trim(), "checksumValue": digest.trim()}),
                            );
                        }
                    }
                    "ExternalRef" => {
                        let parts: Vec<&str> = value.split_whitespace().collect();
                        if let [category, kind, locator, ..] = parts.as_slice() {
                            push(
                                package,
                                "externalRefs",
                                json!({"referenceCategory": category, "referenceType": kind, "referenceLocator": locator}),
                            );
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if !document.contains_key("spdxVersion") {
        return Err(ExtractError::Parse {
            location: input.location(None),
            message: "not an SPDX tag-value document: no `SPDXVersion:` line".to_owned(),
        });
    }
    // A package without an SPDXID cannot be referred to: it keeps its place by position.
    for (position, package) in packages.iter_mut().enumerate() {
        package
            .entry("SPDXID")
            .or_insert_with(|| json!(format!("#package-{}", position + 1)));
    }
    document.insert(
        "packages".into(),
        Value::Array(packages.into_iter().map(Value::Object).collect()),
    );
    document.insert(
        "relationships".into(),
        Value::Array(relationships.into_iter().map(Value::Object).collect()),
    );
    document.insert(
        "hasExtractedLicensingInfos".into(),
        Value::Array(licenses.into_iter().map(Value::Object).collect()),
    );
    let mut read = super::spdx::read_json(input, Value::Object(document))?;
    read.reference_marker = "SPDXID: ";
    Ok(read)
}
