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
    /// `@context`: the SPDX 3.0.1 JSON-LD context URL.
    #[serde(rename = "@context", default)]
    pub context: String,
    /// `@graph`: every element of the document, each a node with its `type`.
    #[serde(rename = "@graph", default)]
    pub graph: Vec<Node>,
}

/// One node of the graph, by its `type`.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Node {
    /// When and by whom the document was made; every element points at it.
    CreationInfo(CreationInfo),
    /// A program acting as an agent (airlock).
    SoftwareAgent(Agent),
    /// An organization (a supplier or originator).
    Organization(Agent),
    /// A person (an author).
    Person(Agent),
    /// A tool that took part in making the document.
    Tool(Agent),
    /// The document: a collection naming its root elements.
    SpdxDocument(Collection),
    /// The SBOM collection (Software profile).
    software_Sbom(Sbom),
    /// A software package.
    software_Package(Package),
    /// An AI model (AI profile).
    ai_AIPackage(AiPackage),
    /// A dataset (Dataset profile).
    dataset_DatasetPackage(DatasetPackage),
    /// A relationship between elements (`dependsOn`, `contains`, `hasDeclaredLicense`, ...).
    Relationship(Relationship),
    /// A relationship that holds in one lifecycle scope (a dev or build dependency).
    LifecycleScopedRelationship(Relationship),
    /// A license written as an SPDX license expression.
    simplelicensing_LicenseExpression(LicenseExpression),
    /// Any other node type (files, snippets, annotations, vulnerabilities, ...).
    #[serde(other)]
    Other,
}

/// The `CreationInfo` node: when and by whom the document was made.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationInfo {
    /// The node's blank-node id (`_:creationinfo`), which every element's `creationInfo` names.
    #[serde(rename = "@id", default)]
    pub id: String,
    /// `specVersion`: `3.0.1`.
    #[serde(default)]
    pub spec_version: String,
    /// RFC 3339 creation time (from `SOURCE_DATE_EPOCH` when set).
    #[serde(default)]
    pub created: String,
    /// The agents who made the document.
    #[serde(default)]
    pub created_by: Vec<String>,
    /// The tools that made it.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub created_using: Vec<String>,
    /// Run metadata as `name=value` lines (the policy applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The fields every element has that airlock uses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ElementHeader {
    /// `spdxId`: the element's IRI, unique in the document.
    #[serde(default)]
    pub spdx_id: String,
    /// `creationInfo`: the id of the creation info node, or the node itself as another tool wrote it.
    #[serde(default)]
    pub creation_info: serde_json::Value,
    /// The element's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free-text comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl ElementHeader {
    /// A header with the id and name and the document's one creation info.
    pub fn new(spdx_id: String, name: Option<String>) -> ElementHeader {
        ElementHeader {
            spdx_id,
            creation_info: serde_json::Value::String(CREATION_INFO_ID.to_owned()),
            name,
            comment: None,
        }
    }
}

/// An agent or tool: an element with nothing more than a header.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Agent {
    /// Id, name and creation info.
    #[serde(flatten)]
    pub header: ElementHeader,
}

/// A collection of elements (the document, an SBOM).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    /// Id, name and creation info.
    #[serde(flatten)]
    pub header: ElementHeader,
    /// `dataLicense` of the document (`CC0-1.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_license: Option<String>,
    /// The profiles the document conforms to (`core`, `software`, `ai`, `dataset`, ...).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub profile_conformance: Vec<String>,
    /// The ids of the elements the collection is about (the scanned project).
    #[serde(default)]
    pub root_element: Vec<String>,
    /// The ids of every element in the collection.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub element: Vec<String>,
}

/// An SBOM: a collection with its SBOM types.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sbom {
    /// The collection's own fields.
    #[serde(flatten)]
    pub collection: Collection,
    /// `software_sbomType`: how the SBOM was made (`analyzed`, `source`, ...).
    #[serde(
        rename = "software_sbomType",
        default,
        skip_serializing_if = "is_empty"
    )]
    pub sbom_type: Vec<String>,
}

/// A digest of a package's artifact (`verifiedUsing`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hash {
    /// `type`: always `Hash`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `sha256`, `sha512`, `sha1`, `md5`, `blake2b256`, ...
    #[serde(default)]
    pub algorithm: String,
    /// The digest in lowercase hex.
    #[serde(default)]
    pub hash_value: String,
}

/// An identifier of the element outside SPDX (`externalIdentifier`), such as a CPE or a purl.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalIdentifier {
    /// `type`: always `ExternalIdentifier`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// What kind of identifier (`packageUrl`, `cpe23`, `other`).
    #[serde(default)]
    pub external_identifier_type: String,
    /// The identifier itself.
    #[serde(default)]
    pub identifier: String,
}

/// A software package (also the base of AI and dataset packages).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// Id, name and creation info.
    #[serde(flatten)]
    pub header: ElementHeader,
    /// `suppliedBy`: the id of the agent that supplied the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplied_by: Option<String>,
    /// `originatedBy`: the ids of the agents that made it.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub originated_by: Vec<String>,
    /// Digests of the package's artifact.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub verified_using: Vec<Hash>,
    /// Identifiers outside SPDX.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub external_identifier: Vec<ExternalIdentifier>,
    /// `software_primaryPurpose`: `library`, `application`, `model`, `data`, `file`, ...
    #[serde(
        rename = "software_primaryPurpose",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_purpose: Option<String>,
    /// `software_packageVersion`; `None` when not pinned.
    #[serde(
        rename = "software_packageVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub package_version: Option<String>,
    /// `software_packageUrl`: the purl.
    #[serde(
        rename = "software_packageUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub package_url: Option<String>,
    /// `software_downloadLocation`: where the package can be fetched.
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
    /// `type`: always `DictionaryEntry`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The entry's key (a metric's or hyperparameter's name).
    #[serde(default)]
    pub key: String,
    /// Its value, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// An AI model (AI profile).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AiPackage {
    /// The package fields every AI package has.
    #[serde(flatten)]
    pub package: Package,
    /// `ai_typeOfModel` (`transformer`, ...).
    #[serde(rename = "ai_typeOfModel", default, skip_serializing_if = "is_empty")]
    pub type_of_model: Vec<String>,
    /// `ai_domain`: the fields the model is used in.
    #[serde(rename = "ai_domain", default, skip_serializing_if = "is_empty")]
    pub domain: Vec<String>,
    /// `ai_informationAboutApplication`: intended uses.
    #[serde(
        rename = "ai_informationAboutApplication",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub information_about_application: Option<String>,
    /// `ai_informationAboutTraining`: how it was trained.
    #[serde(
        rename = "ai_informationAboutTraining",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub information_about_training: Option<String>,
    /// `ai_limitation`: known limitations.
    #[serde(
        rename = "ai_limitation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub limitation: Option<String>,
    /// `ai_metric`: published evaluation results.
    #[serde(rename = "ai_metric", default, skip_serializing_if = "is_empty")]
    pub metric: Vec<DictionaryEntry>,
    /// `ai_hyperparameter`: training parameters the card states.
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
    /// The package fields every dataset package has.
    #[serde(flatten)]
    pub package: Package,
    /// At least one; `noAssertion` when the kind of data is not known.
    #[serde(rename = "dataset_datasetType", default)]
    pub dataset_type: Vec<String>,
}

/// A relationship from one element to others.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    /// Id, name and creation info.
    #[serde(flatten)]
    pub header: ElementHeader,
    /// The id of the element the relationship starts from.
    #[serde(default)]
    pub from: String,
    /// `relationshipType` (`dependsOn`, `contains`, `describes`, `hasDeclaredLicense`, ...).
    #[serde(default)]
    pub relationship_type: String,
    /// The ids it points to.
    #[serde(default)]
    pub to: Vec<String>,
    /// `complete`, `incomplete` or `noAssertion`: whether `to` lists everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completeness: Option<String>,
    /// `LifecycleScopedRelationship` only: `development`, `build`, `runtime`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// A license expression element.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LicenseExpression {
    /// Id, name and creation info.
    #[serde(flatten)]
    pub header: ElementHeader,
    /// The SPDX license expression (`MIT OR Apache-2.0`).
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
