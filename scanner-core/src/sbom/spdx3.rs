//! SPDX 3.0.1 JSON-LD (<https://spdx.github.io/spdx-spec/v3.0.1/>): the document model of the
//! Core, Software, AI and Dataset profiles airlock writes, its encoder and its decoder.
//!
//! A document is one `@graph` of typed nodes. Dependencies are `dependsOn` relationships with
//! their `completeness` (a leaf is `complete` with `to: [NoneElement]`, a component whose
//! dependencies airlock could not know is `noAssertion` with `to: [NoAssertionElement]`);
//! declared licenses are `hasDeclaredLicense` relationships to license expressions. Decoding
//! keeps packages (software, AI, dataset), their hashes, purls and declared licenses, and every
//! dependency-like relationship; unknown node types are skipped.

use serde::{Deserialize, Serialize};

/// The JSON-LD context every SPDX 3.0.1 document names.
pub const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
/// The individual "no elements" (a known-empty relationship target).
pub const NONE_ELEMENT: &str = "NoneElement";
/// The individual "unknown elements".
pub const NO_ASSERTION_ELEMENT: &str = "NoAssertionElement";
/// How the comment of a `LicenseRef-` expression airlock wrote for a license text that is no
/// SPDX expression begins; the text follows as written.
pub const AS_WRITTEN: &str = "as written: ";
/// The blank node id of the document's one creation info.
pub const CREATION_INFO_ID: &str = "_:creationinfo";

fn is_empty<T>(list: &[T]) -> bool {
    list.is_empty()
}

/// A whole document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Document {
    #[serde(rename = "@context", default)]
    pub context: String,
    #[serde(rename = "@graph", default)]
    pub graph: Vec<Node>,
}

/// One node of the graph, by its `type`.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Node {
    CreationInfo(CreationInfo),
    SoftwareAgent(Agent),
    Organization(Agent),
    Person(Agent),
    Tool(Agent),
    SpdxDocument(Collection),
    software_Sbom(Sbom),
    software_Package(Package),
    ai_AIPackage(AiPackage),
    dataset_DatasetPackage(DatasetPackage),
    Relationship(Relationship),
    LifecycleScopedRelationship(Relationship),
    simplelicensing_LicenseExpression(LicenseExpression),
    /// Any other node type (files, snippets, annotations, vulnerabilities, ...).
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationInfo {
    #[serde(rename = "@id", default)]
    pub id: String,
    #[serde(default)]
    pub spec_version: String,
    #[serde(default)]
    pub created: String,
    #[serde(default)]
    pub created_by: Vec<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub created_using: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The fields every element has that airlock uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementHeader {
    #[serde(default)]
    pub spdx_id: String,
    #[serde(default)]
    pub creation_info: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl ElementHeader {
    pub fn new(spdx_id: String, name: Option<String>) -> ElementHeader {
        ElementHeader {
            spdx_id,
            creation_info: serde_json::Value::String(CREATION_INFO_ID.to_owned()),
            name,
            comment: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Agent {
    #[serde(flatten)]
    pub header: ElementHeader,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    #[serde(flatten)]
    pub header: ElementHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_license: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub profile_conformance: Vec<String>,
    #[serde(default)]
    pub root_element: Vec<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub element: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sbom {
    #[serde(flatten)]
    pub collection: Collection,
    #[serde(
        rename = "software_sbomType",
        default,
        skip_serializing_if = "is_empty"
    )]
    pub sbom_type: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hash {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub algorithm: String,
    #[serde(default)]
    pub hash_value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalIdentifier {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub external_identifier_type: String,
    #[serde(default)]
    pub identifier: String,
}

/// A software package (also the base of AI and dataset packages).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    #[serde(flatten)]
    pub header: ElementHeader,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplied_by: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub originated_by: Vec<String>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub verified_using: Vec<Hash>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub external_identifier: Vec<ExternalIdentifier>,
    #[serde(
        rename = "software_primaryPurpose",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_purpose: Option<String>,
    #[serde(
        rename = "software_packageVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub package_version: Option<String>,
    #[serde(
        rename = "software_packageUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub package_url: Option<String>,
    #[serde(
        rename = "software_downloadLocation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub download_location: Option<String>,
}

/// A key/value pair (`ai_metric`, `ai_hyperparameter`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DictionaryEntry {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// An AI model (AI profile).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AiPackage {
    #[serde(flatten)]
    pub package: Package,
    #[serde(rename = "ai_typeOfModel", default, skip_serializing_if = "is_empty")]
    pub type_of_model: Vec<String>,
    #[serde(rename = "ai_domain", default, skip_serializing_if = "is_empty")]
    pub domain: Vec<String>,
    #[serde(
        rename = "ai_informationAboutApplication",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub information_about_application: Option<String>,
    #[serde(
        rename = "ai_informationAboutTraining",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub information_about_training: Option<String>,
    #[serde(
        rename = "ai_limitation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub limitation: Option<String>,
    #[serde(rename = "ai_metric", default, skip_serializing_if = "is_empty")]
    pub metric: Vec<DictionaryEntry>,
    #[serde(
        rename = "ai_hyperparameter",
        default,
        skip_serializing_if = "is_empty"
    )]
    pub hyperparameter: Vec<DictionaryEntry>,
}

/// A dataset (Dataset profile).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DatasetPackage {
    #[serde(flatten)]
    pub package: Package,
    /// At least one; `noAssertion` when the kind of data is not known.
    #[serde(rename = "dataset_datasetType", default)]
    pub dataset_type: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    #[serde(flatten)]
    pub header: ElementHeader,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub relationship_type: String,
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completeness: Option<String>,
    /// `LifecycleScopedRelationship` only: `development`, `build`, `runtime`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LicenseExpression {
    #[serde(flatten)]
    pub header: ElementHeader,
    #[serde(rename = "simplelicensing_licenseExpression", default)]
    pub expression: String,
}

/// The document as pretty JSON ending with a newline.
pub fn to_json(document: &Document) -> serde_json::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(document.graph.len().saturating_mul(700) + 4096);
    serde_json::to_writer_pretty(&mut bytes, document)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// A document read back (the caller checked the context).
pub fn from_json(value: serde_json::Value) -> serde_json::Result<Document> {
    serde_json::from_value(value)
}

/// The SPDX version a JSON-LD document's context names (`3.0.1`), if it names one.
pub fn context_version(context: &str) -> Option<&str> {
    context
        .strip_prefix("https://spdx.org/rdf/")
        .and_then(|rest| rest.strip_suffix("/spdx-context.jsonld"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn unknown_nodes_are_skipped_and_packages_kept() {
        let text = r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
          "@graph": [
            {"type": "software_File", "spdxId": "x:f", "creationInfo": "_:c", "name": "f"},
            {"type": "ai_AIPackage", "spdxId": "x:m", "creationInfo": "_:c", "name": "m",
             "software_packageVersion": "1", "ai_typeOfModel": ["transformer"]}
          ]}"#;
        let document = from_json(serde_json::from_str(text).unwrap()).unwrap();
        assert!(matches!(document.graph[0], Node::Other));
        let Node::ai_AIPackage(model) = &document.graph[1] else {
            panic!("not a model")
        };
        assert_eq!(model.package.header.name.as_deref(), Some("m"));
        assert_eq!(context_version(&document.context), Some("3.0.1"));
    }
}
