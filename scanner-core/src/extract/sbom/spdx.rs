//! SPDX 2.2 / 2.3 JSON documents (<https://spdx.github.io/spdx-spec/v2.3/>) through private
//! wire structs that read only what airlock keeps and tolerate every other field, since tools
//! differ in what they add.

use serde::Deserialize;

use crate::component::{ComponentKind, EdgeKind};
use crate::extract::{ExtractError, Input};

use super::{Document, Entry};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireDocument {
    #[serde(rename = "SPDXID", default)]
    spdx_id: Option<String>,
    #[serde(default)]
    packages: Vec<WirePackage>,
    #[serde(default)]
    relationships: Vec<WireRelationship>,
    #[serde(default)]
    document_describes: Vec<String>,
    #[serde(default)]
    has_extracted_licensing_infos: Vec<WireExtractedLicense>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireExtractedLicense {
    license_id: String,
    #[serde(default)]
    extracted_text: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(default)]
    version_info: Option<String>,
    #[serde(default)]
    checksums: Vec<WireChecksum>,
    #[serde(default)]
    license_declared: Option<String>,
    #[serde(default)]
    license_concluded: Option<String>,
    #[serde(default)]
    external_refs: Vec<WireExternalReference>,
    #[serde(default)]
    primary_package_purpose: Option<String>,
    #[serde(default)]
    comment: Option<String>,
    /// `Person: Name (email)`, `Organization: Name` or `NOASSERTION`.
    #[serde(default)]
    originator: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireChecksum {
    algorithm: String,
    checksum_value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireExternalReference {
    reference_type: String,
    reference_locator: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRelationship {
    spdx_element_id: String,
    related_spdx_element: String,
    relationship_type: String,
    #[serde(default)]
    comment: Option<String>,
}

/// A license field's value, or nothing for `NOASSERTION` / `NONE`.
fn license(value: Option<&String>) -> Option<String> {
    value
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty() && text != "NOASSERTION" && text != "NONE")
}

/// The agent an `originator` names (`Person: …` or `Organization: …`; `NOASSERTION` names
/// none): airlock writes a local project's first manifest author there.
fn originator(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    let agent = value
        .strip_prefix("Person:")
        .or_else(|| value.strip_prefix("Organization:"))?
        .trim();
    (!agent.is_empty() && agent != "NOASSERTION").then(|| agent.to_owned())
}

/// airlock's own package comment, `airlock: kind=…; ecosystem=…; scope=…`, as pairs.
fn airlock_notes(package: &WirePackage) -> Vec<(String, String)> {
    notes_of(package.comment.as_deref())
}

/// The pairs of an `airlock: k=v; …` comment (SPDX 2.3 packages, SPDX 3 elements).
pub(super) fn notes_of(comment: Option<&str>) -> Vec<(String, String)> {
    comment
        .and_then(|comment| comment.strip_prefix(crate::facts::properties::SPDX_COMMENT_PREFIX))
        .map(|rest| {
            rest.split("; ")
                .filter_map(|pair| pair.split_once('='))
                .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The component kind: airlock's own comment names it (SPDX 2.3 has no purpose for models or
/// datasets); otherwise the primary package purpose.
fn kind(package: &WirePackage, notes: &[(String, String)]) -> ComponentKind {
    if let Some(kind) = noted_kind(notes) {
        return kind;
    }
    match package.primary_package_purpose.as_deref() {
        Some("APPLICATION") => ComponentKind::Application,
        Some("FILE") => ComponentKind::File,
        _ => ComponentKind::Library,
    }
}

/// The kind an airlock comment names.
pub(super) fn noted_kind(notes: &[(String, String)]) -> Option<ComponentKind> {
    let noted = notes
        .iter()
        .find(|(key, _)| key == "kind")
        .map(|(_, value)| value.as_str());
    match noted? {
        "machine-learning-model" => Some(ComponentKind::MachineLearningModel),
        "data" => Some(ComponentKind::Data),
        "file" => Some(ComponentKind::File),
        "application" => Some(ComponentKind::Application),
        "library" => Some(ComponentKind::Library),
        other => ComponentKind::from_name(other),
    }
}

/// The `airlock:` properties an airlock comment restores (ecosystem, scope, synthetic).
pub(super) fn note_properties(notes: &[(String, String)]) -> Vec<(String, String)> {
    notes
        .iter()
        .filter_map(|(key, value)| {
            let name = match key.as_str() {
                "ecosystem" => crate::facts::properties::ECOSYSTEM,
                "scope" => crate::facts::properties::SCOPE,
                "synthetic" => crate::facts::properties::SYNTHETIC,
                "source" => crate::facts::properties::SOURCE_KIND,
                "source-path" => crate::facts::properties::SOURCE_PATH,
                "source-url" => crate::facts::properties::SOURCE_URL,
                "git-reference" => crate::facts::properties::GIT_REFERENCE,
                "git-commit" => crate::facts::properties::GIT_COMMIT,
                _ => return None,
            };
            Some((name.to_owned(), value.clone()))
        })
        .collect()
}

pub(super) fn read_json(
    input: &Input<'_>,
    value: serde_json::Value,
) -> Result<Document, ExtractError> {
    let version = value
        .get("spdxVersion")
        .and_then(|version| version.as_str())
        .unwrap_or_default()
        .to_owned();
    if !matches!(version.as_str(), "SPDX-2.2" | "SPDX-2.3") {
        return Err(ExtractError::UnsupportedVersion {
            location: input.location(None),
            format: "SPDX",
            found: version,
            supported: "SPDX-2.2 and SPDX-2.3 JSON",
        });
    }
    let wire: WireDocument =
        serde_json::from_value(value).map_err(|error| ExtractError::Parse {
            location: input.location(None),
            message: format!("not a valid {version} JSON document: {error}"),
        })?;
    let document_id = wire
        .spdx_id
        .clone()
        .unwrap_or_else(|| "SPDXRef-DOCUMENT".to_owned());
    let mut document = Document {
        reference_marker: "\"SPDXID\"",
        ..Document::default()
    };
    for package in &wire.packages {
        let purl = package
            .external_refs
            .iter()
            .find(|reference| reference.reference_type == "purl")
            .map(|reference| reference.reference_locator.clone());
        // A `LicenseRef-` the document defines is read as its text (airlock writes license
        // texts that are no SPDX expression that way).
        let licenses = license(package.license_declared.as_ref())
            .or_else(|| license(package.license_concluded.as_ref()))
            .map(|found| {
                wire.has_extracted_licensing_infos
                    .iter()
                    .find(|extracted| {
                        extracted.license_id == found && !extracted.extracted_text.is_empty()
                    })
                    .map_or(found, |extracted| extracted.extracted_text.clone())
            })
            .into_iter()
            .collect();
        let notes = airlock_notes(package);
        let properties = note_properties(&notes);
        document.entries.push(Entry {
            reference: package.spdx_id.clone(),
            kind: Some(kind(package, &notes)),
            name: package.name.clone(),
            group: None,
            version: package
                .version_info
                .clone()
                .filter(|version| version != "NOASSERTION"),
            purl,
            hashes: package
                .checksums
                .iter()
                .map(|checksum| (checksum.algorithm.clone(), checksum.checksum_value.clone()))
                .collect(),
            licenses,
            properties,
            scope: None,
            model_card: None,
            authors: originator(package.originator.as_deref())
                .into_iter()
                .collect(),
        });
    }
    document
        .subjects
        .extend(wire.document_describes.iter().cloned());
    for relationship in &wire.relationships {
        let (a, b) = (
            relationship.spdx_element_id.clone(),
            relationship.related_spdx_element.clone(),
        );
        match relationship.relationship_type.as_str() {
            "DESCRIBES" if a == document_id => document.subjects.push(b),
            "DESCRIBED_BY" if b == document_id => document.subjects.push(a),
            // airlock writes a dev/build/optional edge twice (DEPENDS_ON for checkers, marked
            // `airlock: kind=…`, and the typed *_DEPENDENCY_OF): the typed one counts.
            "DEPENDS_ON"
                if relationship.comment.as_deref().is_some_and(|comment| {
                    comment.starts_with(crate::facts::properties::SPDX_COMMENT_PREFIX)
                }) => {}
            "DEPENDS_ON" | "CONTAINS" | "DYNAMIC_LINK" | "STATIC_LINK" | "HAS_PREREQUISITE" => {
                document.edges.push((a, b, EdgeKind::Normal));
            }
            "DEPENDENCY_OF" | "RUNTIME_DEPENDENCY_OF" | "CONTAINED_BY" | "PREREQUISITE_FOR" => {
                document.edges.push((b, a, EdgeKind::Normal));
            }
            "DEV_DEPENDENCY_OF" | "TEST_DEPENDENCY_OF" => {
                document.edges.push((b, a, EdgeKind::Dev));
            }
            "BUILD_DEPENDENCY_OF" | "BUILD_TOOL_OF" => document.edges.push((b, a, EdgeKind::Build)),
            "OPTIONAL_DEPENDENCY_OF" => document.edges.push((b, a, EdgeKind::Optional)),
            // Other relationships (files, generated-from, ...) are not dependencies.
            _ => {}
        }
    }
    // Edges to or from the document itself or to files are not package edges.
    let packages: std::collections::HashSet<&str> = wire
        .packages
        .iter()
        .map(|package| package.spdx_id.as_str())
        .collect();
    document
        .edges
        .retain(|(from, to, _)| packages.contains(from.as_str()) && packages.contains(to.as_str()));
    Ok(document)
}
