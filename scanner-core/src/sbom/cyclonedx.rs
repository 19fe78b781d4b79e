//! CycloneDX 1.2–1.7 (<https://cyclonedx.org/specification/overview/>): the document model,
//! its JSON and XML encoders and its JSON and XML decoders.
//!
//! One model serves every version: later versions add optional fields, and the encoders leave
//! out what the chosen version does not have (`authors` before 1.6). Decoding reads components,
//! dependencies, hashes (also those of `externalReferences`), licenses and properties, and
//! ignores the rest, so that a newer tool's additions never make a document unreadable.
//! Model cards are read back leniently (what airlock writes there is what the model rules judge:
//! base models, remote code, license): a card that does not have the shape airlock reads is
//! ignored, so a schema-valid card of another tool never makes its components unreadable.
//! Compositions and vulnerabilities are written, not read back: the graph does not need them.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::xml::{self, Element, XmlError, XmlWriter};

/// Text of the model that the writers take from a fixed vocabulary (`type`, `scope`, a hash's
/// `alg`, a property's `airlock:` name) and the readers own: a 500-component document holds
/// thousands, and a copy of each was an allocation.
pub type Text = std::borrow::Cow<'static, str>;

/// The CycloneDX versions airlock writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum SpecVersion {
    /// CycloneDX 1.5, the first with model cards.
    V1_5,
    /// CycloneDX 1.6, written unless asked otherwise (component `authors`, `manufacturer`).
    #[default]
    V1_6,
    /// CycloneDX 1.7.
    V1_7,
}

impl SpecVersion {
    /// Every version airlock writes, oldest first.
    pub const ALL: [SpecVersion; 3] = [SpecVersion::V1_5, SpecVersion::V1_6, SpecVersion::V1_7];

    /// The version as `specVersion` writes it (`1.6`).
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_5 => "1.5",
            SpecVersion::V1_6 => "1.6",
            SpecVersion::V1_7 => "1.7",
        }
    }

    /// The version `text` names (`1.6`), if airlock writes it.
    pub fn from_name(text: &str) -> Option<SpecVersion> {
        SpecVersion::ALL
            .into_iter()
            .find(|version| version.as_str() == text)
    }

    /// The XML namespace of the version.
    pub fn namespace(self) -> &'static str {
        match self {
            SpecVersion::V1_5 => "http://cyclonedx.org/schema/bom/1.5",
            SpecVersion::V1_6 => "http://cyclonedx.org/schema/bom/1.6",
            SpecVersion::V1_7 => "http://cyclonedx.org/schema/bom/1.7",
        }
    }

    /// Component `authors` (a list of contacts) and `manufacturer` exist from 1.6 on.
    fn has_authors(self) -> bool {
        self >= SpecVersion::V1_6
    }
}

/// The versions airlock reads, JSON and XML alike.
pub const READABLE_VERSIONS: [&str; 6] = ["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

fn is_empty<T>(list: &[T]) -> bool {
    list.is_empty()
}

/// A CycloneDX document. JSON keys follow the field order below.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bom {
    /// `bomFormat`: always `CycloneDX` in what airlock writes; checked when read.
    #[serde(default)]
    pub bom_format: String,
    /// `specVersion` as written (`1.6`); the decoder refuses versions outside [`READABLE_VERSIONS`].
    #[serde(default)]
    pub spec_version: String,
    /// `serialNumber`: `urn:uuid:` derived from the content, so one scan gives one number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// `version` of the BOM (revision of this serial number); airlock writes 1.
    #[serde(default, skip_deserializing)]
    pub version: u32,
    /// Timestamp, tools, lifecycle and the component the document describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Every component but the subject, nested ones inside their parent.
    #[serde(default)]
    pub components: Vec<Component>,
    /// One entry per component with its direct dependencies (`dependsOn`).
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// Completeness statements about dependency lists.
    #[serde(default, skip_deserializing, skip_serializing_if = "is_empty")]
    pub compositions: Vec<Composition>,
    /// Known vulnerabilities of the components (the `vulnerabilities` of a VEX-carrying BOM).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<Vec<Vulnerability>>,
}

/// The `metadata` object: when, by which tool, and about what the document was written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// RFC 3339 creation time (from `SOURCE_DATE_EPOCH` when set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The lifecycle phases the document describes.
    #[serde(default, skip_deserializing, skip_serializing_if = "is_empty")]
    pub lifecycles: Vec<Lifecycle>,
    /// The tools that wrote the document (airlock itself).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Tools>,
    /// The subject: the scanned project or its synthetic root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Box<Component>>,
    /// The organization that supplied the described software.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<OrganizationalEntity>,
    /// Run metadata as `airlock:*` name/value pairs (the policy applied).
    #[serde(default, skip_deserializing, skip_serializing_if = "is_empty")]
    pub properties: Vec<Property>,
}

/// A lifecycle phase (`pre-build`, `build`, `post-build`, ...).
#[derive(Debug, Clone, Serialize)]
pub struct Lifecycle {
    /// The phase name (`pre-build`, `build`, `post-build`, `operations`, ...).
    pub phase: String,
}

/// The `tools` object of 1.5+: tools listed as components.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tools {
    /// The tools, each a component of type `application`.
    pub components: Vec<Component>,
}

/// An organization (`supplier`, `manufacturer`): a name and its web addresses.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrganizationalEntity {
    /// The organization's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The organization's web addresses.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub url: Vec<String>,
}

/// A person or organization to contact (a component's `authors` from 1.6 on).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Contact {
    /// The contact's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The contact's email (data: never contacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A component. `kind` is the `type` as written (decoding keeps types it does not know).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// `type`: `library`, `application`, `machine-learning-model`, `data`, `file`, ...
    #[serde(rename = "type", default)]
    pub kind: Text,
    /// `bom-ref`: the component's reference within the document, unique, used by `dependencies`.
    #[serde(rename = "bom-ref", default, skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// Who supplied the component (a registry's publisher).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier: Option<OrganizationalEntity>,
    /// 1.6 and later; the encoders write `author` for 1.5.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub authors: Vec<Contact>,
    /// `author` as free text (before 1.6; `authors` lists contacts from 1.6 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The group or namespace (npm scope, Maven group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The component's name as its ecosystem spells it.
    #[serde(default)]
    pub name: String,
    /// The version; `None` for an unpinned requirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `required`, `optional` or `excluded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Text>,
    /// Digests of the component's artifact.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub hashes: Vec<HashEntry>,
    /// Declared licenses: ids, names or one expression.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub licenses: Vec<LicenseChoice>,
    /// Package URL (<https://github.com/package-url/purl-spec>).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Links to sources, distributions, advisories and the like, possibly with digests.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub external_references: Vec<ExternalReference>,
    /// `airlock:*` and other name/value properties.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub properties: Vec<Property>,
    /// Components inside this one (the files of a model).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub components: Vec<Component>,
    /// Where the component was found (`evidence.occurrences`).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// The model card of a `machine-learning-model` component (1.5+).
    #[serde(
        default,
        deserialize_with = "lenient_model_card",
        skip_serializing_if = "Option::is_none"
    )]
    pub model_card: Option<ModelCard>,
}

/// A digest: algorithm and hex value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HashEntry {
    /// `SHA-256`, `SHA-384`, `SHA-512`, `SHA-1`, `MD5`, `BLAKE2b-256`, ...
    #[serde(default)]
    pub alg: Text,
    /// The digest in lowercase hex.
    #[serde(default)]
    pub content: String,
}

/// A license entry: one license (id or name), or one SPDX expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LicenseChoice {
    /// A single license, by SPDX id or by name.
    License {
        /// The license.
        license: License,
    },
    /// An SPDX license expression (`MIT OR Apache-2.0`).
    Expression {
        /// The expression as written.
        expression: String,
    },
}

/// A license named by SPDX id or, when it has none, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    /// SPDX license id (`MIT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A license name that is not an SPDX id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl LicenseChoice {
    /// The license id, name or expression as text.
    pub fn text(&self) -> Option<&str> {
        match self {
            LicenseChoice::License { license } => license.id.as_deref().or(license.name.as_deref()),
            LicenseChoice::Expression { expression } => Some(expression),
        }
    }
}

/// A link from a component to something about it (`vcs`, `distribution`, `website`, ...).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExternalReference {
    /// `type`: what the link points at (`vcs`, `distribution`, `advisories`, ...).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The URL.
    #[serde(default)]
    pub url: String,
    /// Digests of what the URL serves (a distribution's file hashes).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub hashes: Vec<HashEntry>,
}

/// A name/value property (`airlock:*` names come from `facts/properties.rs`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Property {
    /// The property name.
    #[serde(default)]
    pub name: Text,
    /// The property value, as text: most of the values airlock writes (an ecosystem, a source
    /// kind, an extractor, a scope) are fixed words too.
    #[serde(default)]
    pub value: Text,
}

impl Property {
    /// A property `name` = `value`.
    pub fn new(name: impl Into<Text>, value: impl Into<Text>) -> Property {
        Property {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// The `evidence` of a component: where it was found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// The files (and lines) the component was found in.
    pub occurrences: Vec<Occurrence>,
}

/// One place a component was found.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    /// The path (with `:line` where known), relative to the scanned root.
    pub location: String,
}

/// The dependencies of one component (`ref` and the references it `dependsOn`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// The `bom-ref` of the component whose dependencies these are.
    #[serde(rename = "ref", default)]
    pub reference: String,
    /// Always written, empty for a leaf (some validators and readers require the list).
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// What is known about the completeness of some components' dependency lists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Composition {
    /// `complete`, `incomplete`, `unknown`, ...
    pub aggregate: String,
    /// The `bom-ref`s of the components the composition is about; empty for all.
    #[serde(skip_serializing_if = "is_empty")]
    pub dependencies: Vec<String>,
}

/// A `modelCard` of the shape airlock reads, or nothing: another tool's card (datasets given
/// as `ref`s, metrics as numbers) must not make the document unreadable.
fn lenient_model_card<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ModelCard>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// A model card (CycloneDX 1.5+ `modelCard`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelCard {
    /// Task, architecture and datasets of the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_parameters: Option<ModelParameters>,
    /// Performance metrics published with the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantitative_analysis: Option<QuantitativeAnalysis>,
    /// Intended uses, limitations and ethical considerations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub considerations: Option<Considerations>,
    /// `airlock:*` facts of the model card that CycloneDX has no field for.
    #[serde(skip_serializing_if = "is_empty")]
    pub properties: Vec<Property>,
}

/// The `modelParameters` of a model card.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ModelParameters {
    /// The task the model is for (`text-generation`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// The family of the architecture (`llama`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture_family: Option<String>,
    /// The architecture's class (`LlamaForCausalLM`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_architecture: Option<String>,
    /// The datasets the model was trained or evaluated on.
    #[serde(skip_serializing_if = "is_empty")]
    pub datasets: Vec<DatasetEntry>,
}

/// A dataset of a model card, written inline (`componentData` of type `dataset`): readers that
/// do not follow references (lib4sbom) still see its name and where it lives.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DatasetEntry {
    /// `type`: always `dataset`.
    #[serde(rename = "type", skip_deserializing)]
    pub kind: &'static str,
    /// The dataset's name (a Hub id).
    pub name: String,
    /// Where the dataset lives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contents: Option<DatasetContents>,
    /// Free-text description of the dataset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Where a dataset's contents are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DatasetContents {
    /// The dataset's URL.
    pub url: String,
}

/// The `quantitativeAnalysis` of a model card.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct QuantitativeAnalysis {
    /// Published evaluation results.
    pub performance_metrics: Vec<PerformanceMetric>,
}

/// One published evaluation result.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PerformanceMetric {
    /// `type`: the metric (`accuracy`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The value as published.
    pub value: String,
    /// The dataset or slice it was measured on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slice: Option<String>,
}

/// The `considerations` of a model card.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Considerations {
    /// What the model is meant for.
    #[serde(skip_serializing_if = "is_empty")]
    pub use_cases: Vec<String>,
    /// Known limitations.
    #[serde(skip_serializing_if = "is_empty")]
    pub technical_limitations: Vec<String>,
    /// Ethical risks the card states.
    #[serde(skip_serializing_if = "is_empty")]
    pub ethical_considerations: Vec<EthicalConsideration>,
}

/// An ethical consideration as the card names it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EthicalConsideration {
    /// The risk's name.
    pub name: String,
}

/// One vulnerability of the document's components.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vulnerability {
    /// `bom-ref` of the vulnerability entry.
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// The advisory id (`GHSA-…`, `CVE-…`, `RUSTSEC-…`).
    pub id: String,
    /// The database that published it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<VulnerabilitySource>,
    /// The same vulnerability under other ids (aliases).
    #[serde(skip_serializing_if = "is_empty")]
    pub references: Vec<VulnerabilityReference>,
    /// Severity ratings (CVSS and the like).
    #[serde(skip_serializing_if = "is_empty")]
    pub ratings: Vec<Rating>,
    /// The advisory's summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What to do (upgrade to a fixed version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<String>,
    /// Links to the advisory.
    #[serde(skip_serializing_if = "is_empty")]
    pub advisories: Vec<Advisory>,
    /// VEX impact analysis, when a statement applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
    /// The `bom-ref`s of the affected components.
    #[serde(skip_serializing_if = "is_empty")]
    pub affects: Vec<Affect>,
    /// `airlock:*` and other name/value properties.
    #[serde(skip_serializing_if = "is_empty")]
    pub properties: Vec<Property>,
}

/// A vulnerability database (`OSV`, `GitHub Advisories`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct VulnerabilitySource {
    /// The database's name.
    pub name: String,
    /// Its web address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Another id of the same vulnerability, and where it is published.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VulnerabilityReference {
    /// The other id.
    pub id: String,
    /// Where that id is published.
    pub source: VulnerabilitySource,
}

/// A severity rating of a vulnerability.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rating {
    /// The score in tenths (75 is 7.5), written as a decimal.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "tenths_as_decimal"
    )]
    pub score: Option<u16>,
    /// `critical`, `high`, `medium`, `low`, `info`, `none` or `unknown`.
    pub severity: &'static str,
    /// The scoring method (`CVSSv31`, `CVSSv4`, `other`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The CVSS vector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
}

fn tenths_as_decimal<S: serde::Serializer>(
    value: &Option<u16>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(tenths) => serializer.serialize_f64(f64::from(*tenths) / 10.0),
        None => serializer.serialize_none(),
    }
}

fn tenths_text(tenths: u16) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// A link to an advisory.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Advisory {
    /// The advisory's URL.
    pub url: String,
}

/// The impact analysis of a vulnerability (VEX): state, justification, responses, detail.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Analysis {
    /// `resolved`, `exploitable`, `in_triage`, `false_positive`, `not_affected`, ...
    pub state: &'static str,
    /// Why a component is not affected (`code_not_reachable`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<&'static str>,
    /// What was done (`update`, `will_not_fix`, ...).
    #[serde(rename = "response", skip_serializing_if = "is_empty")]
    pub responses: Vec<&'static str>,
    /// The statement's free-text detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A component a vulnerability affects.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Affect {
    /// Its `bom-ref`.
    #[serde(rename = "ref")]
    pub reference: String,
}

// ---------------------------------------------------------------------------------------------
// JSON

/// The document as pretty JSON ending with a newline.
pub fn to_json(bom: &Bom) -> serde_json::Result<Vec<u8>> {
    let estimate = bom
        .components
        .len()
        .saturating_mul(2048)
        .saturating_add(16 * 1024);
    let mut bytes = Vec::with_capacity(estimate);
    serde_json::to_writer_pretty(&mut bytes, bom)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The document as pretty JSON ending with a newline, and its `serialNumber`, derived from the
/// document itself: `derive` is given the SHA-256 of the document as it is written without a
/// serial number and returns the serial (`urn:uuid:...`), which then goes in its place after
/// `specVersion`. Every value is serialized once, in one pass, into one buffer that leaves room
/// for the serial's field (a `urn:uuid` is always as long); what `serial_number` holds is
/// ignored. The output is what `serde_json::to_writer_pretty` writes for the document with that
/// serial (a test holds the two equal).
pub fn to_json_with_serial(
    bom: &Bom,
    derive: impl FnOnce(&[u8]) -> String,
) -> serde_json::Result<(Vec<u8>, String)> {
    let (pieces, serial) = to_json_pieces_with_serial(bom, derive)?;
    Ok((pieces.concat(), serial))
}

/// [`to_json_with_serial`], the document left in the pieces it was serialized in (the
/// components in runs, on the pool): joined, they were a megabyte copied into fresh pages on the
/// calling thread of a large lock's `sbom`, before the file copied them once more.
pub fn to_json_pieces_with_serial(
    bom: &Bom,
    derive: impl FnOnce(&[u8]) -> String,
) -> serde_json::Result<(Vec<Vec<u8>>, String)> {
    let mut head = Vec::with_capacity(16 * 1024);
    // `{`, bomFormat and specVersion: the fields before the serial.
    head.extend_from_slice(b"{\n  \"bomFormat\": ");
    pretty_value(&mut head, &bom.bom_format)?;
    pretty_field(&mut head, "specVersion", &bom.spec_version)?;
    let room = head.len()..head.len() + SERIAL_FIELD_LENGTH;
    head.resize(room.end, b' ');
    // The fields after it, in `Bom`'s order and with its `skip_serializing_if` rules.
    pretty_field(&mut head, "version", &bom.version)?;
    if let Some(metadata) = &bom.metadata {
        pretty_field(&mut head, "metadata", metadata)?;
    }
    field_key(&mut head, "components");
    let mut pieces = vec![head];
    pretty_array_on_pool(&mut pieces, &bom.components)?;
    // The rest is serialized while this thread hashes what is written (a megabyte on a large
    // lock: the hash was the last serial step before the file is written). A small document
    // is hashed faster than a sleeping worker wakes: both then run here, one after the other.
    let written: usize = pieces.iter().map(Vec::len).sum();
    let hash_written = || {
        let mut hasher = Sha256::new();
        for (index, piece) in pieces.iter().enumerate() {
            if index == 0 {
                hasher.update(piece.get(..room.start).unwrap_or_default());
                hasher.update(piece.get(room.end..).unwrap_or_default());
            } else {
                hasher.update(piece);
            }
        }
        hasher
    };
    let serialize_rest = || -> serde_json::Result<Vec<Vec<u8>>> {
        let mut rest = vec![Vec::with_capacity(64)];
        if let Some(first) = rest.first_mut() {
            field_key(first, "dependencies");
        }
        pretty_array_on_pool(&mut rest, &bom.dependencies)?;
        // The array's end starts the last piece; what follows it is appended there.
        if let Some(last) = rest.last_mut() {
            if !is_empty(&bom.compositions) {
                pretty_field(last, "compositions", &bom.compositions)?;
            }
            if let Some(vulnerabilities) = &bom.vulnerabilities {
                pretty_field(last, "vulnerabilities", vulnerabilities)?;
            }
            last.extend_from_slice(b"\n}");
        }
        Ok(rest)
    };
    let (mut hasher, rest) = if written >= OVERLAPPED_HASH_MIN_BYTES {
        rayon::join(hash_written, serialize_rest)
    } else {
        (hash_written(), serialize_rest())
    };
    for piece in rest? {
        hasher.update(&piece);
        pieces.push(piece);
    }
    // The final newline is not hashed: the serial is of the document without it, as always.
    pieces.push(b"\n".to_vec());
    let serial = derive(&hasher.finalize());
    let mut field = Vec::with_capacity(SERIAL_FIELD_LENGTH);
    pretty_field(&mut field, "serialNumber", &serial)?;
    if let Some(head) = pieces.first_mut() {
        match head.get_mut(room.clone()) {
            Some(place) if place.len() == field.len() => place.copy_from_slice(&field),
            // A serial of another length (never from airlock's writers) moves what follows.
            _ => drop(head.splice(room, field)),
        }
    }
    Ok((pieces, serial))
}

/// The size of the document written so far from which it is hashed while the rest is
/// serialized.
const OVERLAPPED_HASH_MIN_BYTES: usize = 256 * 1024;

/// The length of the `serialNumber` field with its separator, for a `urn:uuid` serial.
const SERIAL_FIELD_LENGTH: usize =
    ",\n  \"serialNumber\": \"urn:uuid:00000000-0000-0000-0000-000000000000\"".len();

/// Appends `items` as the pretty writer writes an array one level deep in a document to the
/// last of `pieces`, then the items' pieces (serialized on the rayon pool in runs of
/// [`ITEMS_PER_JOB`], in order), the array's end starting a new last piece. The components are
/// most of a document: on a 500-component SBOM this halves the time the writer keeps the
/// calling thread.
fn pretty_array_on_pool<T: Serialize + Sync>(
    pieces: &mut Vec<Vec<u8>>,
    items: &[T],
) -> serde_json::Result<()> {
    if items.is_empty() {
        if let Some(last) = pieces.last_mut() {
            last.extend_from_slice(b"[]");
        }
        return Ok(());
    }
    let serialized: Vec<serde_json::Result<Vec<u8>>> = items
        .par_chunks(ITEMS_PER_JOB)
        .enumerate()
        .map(|(job, run)| {
            let mut piece = Vec::with_capacity(run.len().saturating_mul(2048));
            for (index, item) in run.iter().enumerate() {
                // What the formatter writes before an item: a new line, at depth 2.
                let first = job == 0 && index == 0;
                piece.extend_from_slice(if first { b"\n    " } else { b",\n    " });
                item.serialize(&mut serde_json::Serializer::with_formatter(
                    &mut piece,
                    NestedPrettyFormatter {
                        level: 2,
                        has_value: false,
                    },
                ))?;
            }
            Ok(piece)
        })
        .collect();
    if let Some(last) = pieces.last_mut() {
        last.push(b'[');
    }
    for piece in serialized {
        pieces.push(piece?);
    }
    pieces.push(b"\n  ]".to_vec());
    Ok(())
}

/// Items serialized per job by [`pretty_array_on_pool`]: enough that a job is worth handing
/// over, few enough that two threads share a 100-component document.
const ITEMS_PER_JOB: usize = 32;

/// Appends `,` and the key of a field of the document, as the pretty writer writes them.
fn field_key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b",\n  \"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\": ");
}

/// Appends a field of the document (after the first), as the pretty writer writes it.
fn pretty_field<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    key: &str,
    value: &T,
) -> serde_json::Result<()> {
    field_key(out, key);
    pretty_value(out, value)
}

/// Appends `value` as the pretty writer writes it one level deep in a document (the level of
/// the document's fields).
fn pretty_value<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> serde_json::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(
        out,
        NestedPrettyFormatter {
            level: 1,
            has_value: false,
        },
    ))
}

/// serde_json's `PrettyFormatter` (two-space indent) starting `level` levels deep, so that a
/// value serialized alone is byte for byte what it is inside the whole document. (serde_json's
/// own formatter always starts at the top.)
struct NestedPrettyFormatter {
    level: usize,
    has_value: bool,
}

impl NestedPrettyFormatter {
    fn indent<W: ?Sized + std::io::Write>(&self, writer: &mut W) -> std::io::Result<()> {
        for _ in 0..self.level {
            writer.write_all(b"  ")?;
        }
        Ok(())
    }

    /// `[` or `{`: one level deeper, nothing in it yet.
    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    /// `]` or `}`: on its own line when something was written inside.
    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.level -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    /// Before an array item or an object key: a new line at the current depth.
    fn item<W: ?Sized + std::io::Write>(&self, writer: &mut W, first: bool) -> std::io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl serde_json::ser::Formatter for NestedPrettyFormatter {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        _writer: &mut W,
    ) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        _writer: &mut W,
    ) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Writes the compact JSON form into `sink` (for a content hash without keeping the bytes).
pub fn write_compact(bom: &Bom, sink: impl std::io::Write) -> serde_json::Result<()> {
    serde_json::to_writer(sink, bom)
}

/// A JSON document read back. The caller has checked `bomFormat` and the version.
pub fn from_json(value: serde_json::Value) -> serde_json::Result<Bom> {
    serde_json::from_value(value)
}

// ---------------------------------------------------------------------------------------------
// XML

/// The document as XML in the namespace of `version`.
pub fn to_xml(bom: &Bom, version: SpecVersion) -> Vec<u8> {
    let mut writer = XmlWriter::new(bom.components.len().saturating_mul(2560) + 16 * 1024);
    let version_text = bom.version.max(1).to_string();
    let mut attributes = vec![("xmlns", version.namespace())];
    if let Some(serial) = &bom.serial_number {
        attributes.push(("serialNumber", serial));
    }
    attributes.push(("version", &version_text));
    writer.open("bom", &attributes);
    if let Some(metadata) = &bom.metadata {
        writer.open("metadata", &[]);
        writer.optional("timestamp", metadata.timestamp.as_deref());
        if !metadata.lifecycles.is_empty() {
            writer.open("lifecycles", &[]);
            for lifecycle in &metadata.lifecycles {
                writer.open("lifecycle", &[]);
                writer.text("phase", &[], &lifecycle.phase);
                writer.close("lifecycle");
            }
            writer.close("lifecycles");
        }
        if let Some(tools) = &metadata.tools {
            writer.open("tools", &[]);
            writer.open("components", &[]);
            for tool in &tools.components {
                component_xml(&mut writer, tool, version);
            }
            writer.close("components");
            writer.close("tools");
        }
        if let Some(component) = &metadata.component {
            component_xml(&mut writer, component, version);
        }
        if let Some(supplier) = &metadata.supplier {
            entity_xml(&mut writer, "supplier", supplier);
        }
        properties_xml(&mut writer, &metadata.properties);
        writer.close("metadata");
    }
    writer.open("components", &[]);
    for component in &bom.components {
        component_xml(&mut writer, component, version);
    }
    writer.close("components");
    writer.open("dependencies", &[]);
    for dependency in &bom.dependencies {
        if dependency.depends_on.is_empty() {
            writer.empty("dependency", &[("ref", &dependency.reference)]);
        } else {
            writer.open("dependency", &[("ref", &dependency.reference)]);
            for target in &dependency.depends_on {
                writer.empty("dependency", &[("ref", target)]);
            }
            writer.close("dependency");
        }
    }
    writer.close("dependencies");
    if !bom.compositions.is_empty() {
        writer.open("compositions", &[]);
        for composition in &bom.compositions {
            writer.open("composition", &[]);
            writer.text("aggregate", &[], &composition.aggregate);
            if !composition.dependencies.is_empty() {
                writer.open("dependencies", &[]);
                for reference in &composition.dependencies {
                    writer.empty("dependency", &[("ref", reference)]);
                }
                writer.close("dependencies");
            }
            writer.close("composition");
        }
        writer.close("compositions");
    }
    if let Some(vulnerabilities) = &bom.vulnerabilities {
        writer.open("vulnerabilities", &[]);
        for vulnerability in vulnerabilities {
            vulnerability_xml(&mut writer, vulnerability);
        }
        writer.close("vulnerabilities");
    }
    writer.close("bom");
    writer.finish().into_bytes()
}

fn entity_xml(writer: &mut XmlWriter, element: &str, entity: &OrganizationalEntity) {
    writer.open(element, &[]);
    writer.optional("name", entity.name.as_deref());
    for url in &entity.url {
        writer.text("url", &[], url);
    }
    writer.close(element);
}

fn properties_xml(writer: &mut XmlWriter, properties: &[Property]) {
    if properties.is_empty() {
        return;
    }
    writer.open("properties", &[]);
    for property in properties {
        writer.text("property", &[("name", &property.name)], &property.value);
    }
    writer.close("properties");
}

fn hashes_xml(writer: &mut XmlWriter, hashes: &[HashEntry]) {
    if hashes.is_empty() {
        return;
    }
    writer.open("hashes", &[]);
    for hash in hashes {
        writer.text("hash", &[("alg", &hash.alg)], &hash.content);
    }
    writer.close("hashes");
}

/// A component's elements in the order of the XSD's `component` sequence.
fn component_xml(writer: &mut XmlWriter, component: &Component, version: SpecVersion) {
    let mut attributes = vec![("type", component.kind.as_ref())];
    if let Some(reference) = &component.bom_ref {
        attributes.push(("bom-ref", reference));
    }
    writer.open("component", &attributes);
    if let Some(supplier) = &component.supplier {
        entity_xml(writer, "supplier", supplier);
    }
    if version.has_authors() && !component.authors.is_empty() {
        writer.open("authors", &[]);
        for author in &component.authors {
            writer.open("author", &[]);
            writer.optional("name", author.name.as_deref());
            writer.optional("email", author.email.as_deref());
            writer.close("author");
        }
        writer.close("authors");
    }
    writer.optional("author", component.author.as_deref());
    writer.optional("group", component.group.as_deref());
    writer.text("name", &[], &component.name);
    writer.optional("version", component.version.as_deref());
    writer.optional("description", component.description.as_deref());
    writer.optional("scope", component.scope.as_deref());
    hashes_xml(writer, &component.hashes);
    if !component.licenses.is_empty() {
        writer.open("licenses", &[]);
        for choice in &component.licenses {
            match choice {
                LicenseChoice::License { license } => {
                    writer.open("license", &[]);
                    writer.optional("id", license.id.as_deref());
                    writer.optional("name", license.name.as_deref());
                    writer.close("license");
                }
                LicenseChoice::Expression { expression } => {
                    writer.text("expression", &[], expression);
                }
            }
        }
        writer.close("licenses");
    }
    writer.optional("purl", component.purl.as_deref());
    if !component.external_references.is_empty() {
        writer.open("externalReferences", &[]);
        for reference in &component.external_references {
            writer.open("reference", &[("type", &reference.kind)]);
            writer.text("url", &[], &reference.url);
            hashes_xml(writer, &reference.hashes);
            writer.close("reference");
        }
        writer.close("externalReferences");
    }
    properties_xml(writer, &component.properties);
    if !component.components.is_empty() {
        writer.open("components", &[]);
        for child in &component.components {
            component_xml(writer, child, version);
        }
        writer.close("components");
    }
    if let Some(evidence) = &component.evidence {
        writer.open("evidence", &[]);
        writer.open("occurrences", &[]);
        for occurrence in &evidence.occurrences {
            writer.open("occurrence", &[]);
            writer.text("location", &[], &occurrence.location);
            writer.close("occurrence");
        }
        writer.close("occurrences");
        writer.close("evidence");
    }
    if let Some(card) = &component.model_card {
        model_card_xml(writer, card);
    }
    writer.close("component");
}

fn model_card_xml(writer: &mut XmlWriter, card: &ModelCard) {
    writer.open("modelCard", &[]);
    if let Some(parameters) = &card.model_parameters {
        writer.open("modelParameters", &[]);
        writer.optional("task", parameters.task.as_deref());
        writer.optional(
            "architectureFamily",
            parameters.architecture_family.as_deref(),
        );
        writer.optional(
            "modelArchitecture",
            parameters.model_architecture.as_deref(),
        );
        if !parameters.datasets.is_empty() {
            writer.open("datasets", &[]);
            for dataset in &parameters.datasets {
                writer.open("dataset", &[]);
                writer.text("type", &[], dataset.kind);
                writer.text("name", &[], &dataset.name);
                if let Some(contents) = &dataset.contents {
                    writer.open("contents", &[]);
                    writer.text("url", &[], &contents.url);
                    writer.close("contents");
                }
                writer.optional("description", dataset.description.as_deref());
                writer.close("dataset");
            }
            writer.close("datasets");
        }
        writer.close("modelParameters");
    }
    if let Some(analysis) = &card.quantitative_analysis {
        writer.open("quantitativeAnalysis", &[]);
        writer.open("performanceMetrics", &[]);
        for metric in &analysis.performance_metrics {
            writer.open("performanceMetric", &[]);
            writer.text("type", &[], &metric.kind);
            writer.text("value", &[], &metric.value);
            writer.optional("slice", metric.slice.as_deref());
            writer.close("performanceMetric");
        }
        writer.close("performanceMetrics");
        writer.close("quantitativeAnalysis");
    }
    if let Some(considerations) = &card.considerations {
        writer.open("considerations", &[]);
        let lists = [
            ("useCases", "useCase", &considerations.use_cases),
            (
                "technicalLimitations",
                "technicalLimitation",
                &considerations.technical_limitations,
            ),
        ];
        for (wrapper, element, texts) in lists {
            if !texts.is_empty() {
                writer.open(wrapper, &[]);
                for text in texts {
                    writer.text(element, &[], text);
                }
                writer.close(wrapper);
            }
        }
        if !considerations.ethical_considerations.is_empty() {
            writer.open("ethicalConsiderations", &[]);
            for ethical in &considerations.ethical_considerations {
                writer.open("ethicalConsideration", &[]);
                writer.text("name", &[], &ethical.name);
                writer.close("ethicalConsideration");
            }
            writer.close("ethicalConsiderations");
        }
        writer.close("considerations");
    }
    properties_xml(writer, &card.properties);
    writer.close("modelCard");
}

fn source_xml(writer: &mut XmlWriter, source: &VulnerabilitySource) {
    writer.open("source", &[]);
    writer.text("name", &[], &source.name);
    writer.optional("url", source.url.as_deref());
    writer.close("source");
}

fn vulnerability_xml(writer: &mut XmlWriter, vulnerability: &Vulnerability) {
    let mut attributes = Vec::new();
    if let Some(reference) = &vulnerability.bom_ref {
        attributes.push(("bom-ref", reference.as_str()));
    }
    writer.open("vulnerability", &attributes);
    writer.text("id", &[], &vulnerability.id);
    if let Some(source) = &vulnerability.source {
        source_xml(writer, source);
    }
    if !vulnerability.references.is_empty() {
        writer.open("references", &[]);
        for reference in &vulnerability.references {
            writer.open("reference", &[]);
            writer.text("id", &[], &reference.id);
            source_xml(writer, &reference.source);
            writer.close("reference");
        }
        writer.close("references");
    }
    if !vulnerability.ratings.is_empty() {
        writer.open("ratings", &[]);
        for rating in &vulnerability.ratings {
            writer.open("rating", &[]);
            if let Some(score) = rating.score {
                writer.text("score", &[], &tenths_text(score));
            }
            writer.text("severity", &[], rating.severity);
            writer.optional("method", rating.method.as_deref());
            writer.optional("vector", rating.vector.as_deref());
            writer.close("rating");
        }
        writer.close("ratings");
    }
    writer.optional("description", vulnerability.description.as_deref());
    writer.optional("recommendation", vulnerability.recommendation.as_deref());
    if !vulnerability.advisories.is_empty() {
        writer.open("advisories", &[]);
        for advisory in &vulnerability.advisories {
            writer.open("advisory", &[]);
            writer.text("url", &[], &advisory.url);
            writer.close("advisory");
        }
        writer.close("advisories");
    }
    if let Some(analysis) = &vulnerability.analysis {
        writer.open("analysis", &[]);
        writer.text("state", &[], analysis.state);
        writer.optional("justification", analysis.justification);
        if !analysis.responses.is_empty() {
            writer.open("responses", &[]);
            for response in &analysis.responses {
                writer.text("response", &[], response);
            }
            writer.close("responses");
        }
        writer.optional("detail", analysis.detail.as_deref());
        writer.close("analysis");
    }
    if !vulnerability.affects.is_empty() {
        writer.open("affects", &[]);
        for affect in &vulnerability.affects {
            writer.open("target", &[]);
            writer.text("ref", &[], &affect.reference);
            writer.close("target");
        }
        writer.close("affects");
    }
    properties_xml(writer, &vulnerability.properties);
    writer.close("vulnerability");
}

/// The version an XML document's namespace names (`http://cyclonedx.org/schema/bom/1.6` gives
/// `1.6`), or an empty text when it has no CycloneDX namespace.
pub fn xml_version(root_namespace: Option<&str>) -> String {
    root_namespace
        .and_then(|namespace| namespace.strip_prefix("http://cyclonedx.org/schema/bom/"))
        .unwrap_or_default()
        .to_owned()
}

/// An XML document read back, with the version its namespace names.
pub fn from_xml(text: &str) -> Result<(String, Bom), XmlError> {
    let root = xml::parse(text)?;
    let version = xml_version(root.namespace.as_deref());
    if root.name != "bom" {
        return Err(XmlError {
            line: None,
            message: format!("the root element is `{}`, not `bom`", root.name),
        });
    }
    let metadata = root.child("metadata").map(|metadata| Metadata {
        timestamp: metadata.child_text("timestamp"),
        component: metadata
            .child("component")
            .map(|component| Box::new(component_from_xml(component))),
        ..Metadata::default()
    });
    let bom = Bom {
        bom_format: "CycloneDX".to_owned(),
        spec_version: version.clone(),
        serial_number: root.attribute("serialNumber").map(str::to_owned),
        version: 1,
        metadata,
        components: root
            .list("components", "component")
            .map(component_from_xml)
            .collect(),
        dependencies: root
            .list("dependencies", "dependency")
            .map(|dependency| Dependency {
                reference: dependency.attribute("ref").unwrap_or_default().to_owned(),
                depends_on: dependency
                    .all("dependency")
                    .filter_map(|target| target.attribute("ref"))
                    .map(str::to_owned)
                    .collect(),
            })
            .collect(),
        ..Bom::default()
    };
    Ok((version, bom))
}

fn hashes_from_xml(element: &Element) -> Vec<HashEntry> {
    element
        .list("hashes", "hash")
        .map(|hash| HashEntry {
            alg: hash.attribute("alg").unwrap_or_default().to_owned().into(),
            content: hash.text.trim().to_owned(),
        })
        .collect()
}

/// The `<properties>` of a component or a model card.
fn properties_from_xml(element: &Element) -> Vec<Property> {
    element
        .list("properties", "property")
        .map(|property| Property {
            name: property
                .attribute("name")
                .unwrap_or_default()
                .to_owned()
                .into(),
            value: property.text.clone().into(),
        })
        .collect()
}

fn component_from_xml(element: &Element) -> Component {
    let licenses = element
        .child("licenses")
        .map(|licenses| {
            licenses
                .children
                .iter()
                .filter_map(|choice| match choice.name.as_str() {
                    "license" => Some(LicenseChoice::License {
                        license: License {
                            id: choice.child_text("id"),
                            name: choice.child_text("name"),
                        },
                    }),
                    "expression" => Some(LicenseChoice::Expression {
                        expression: choice.text.trim().to_owned(),
                    }),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Component {
        kind: element
            .attribute("type")
            .unwrap_or_default()
            .to_owned()
            .into(),
        bom_ref: element.attribute("bom-ref").map(str::to_owned),
        group: element.child_text("group"),
        name: element.child_text("name").unwrap_or_default(),
        version: element.child_text("version"),
        scope: element.child_text("scope").map(Text::from),
        hashes: hashes_from_xml(element),
        licenses,
        purl: element.child_text("purl"),
        external_references: element
            .list("externalReferences", "reference")
            .map(|reference| ExternalReference {
                kind: reference.attribute("type").unwrap_or_default().to_owned(),
                url: reference.child_text("url").unwrap_or_default(),
                hashes: hashes_from_xml(reference),
            })
            .collect(),
        properties: properties_from_xml(element),
        components: element
            .list("components", "component")
            .map(component_from_xml)
            .collect(),
        model_card: element.child("modelCard").map(model_card_from_xml),
        ..Component::default()
    }
}

fn texts(element: &Element, wrapper: &str, item: &str) -> Vec<String> {
    element
        .list(wrapper, item)
        .map(|text| text.text.trim().to_owned())
        .collect()
}

/// The parts of a `modelCard` that [`model_card_xml`] writes.
fn model_card_from_xml(card: &Element) -> ModelCard {
    ModelCard {
        model_parameters: card
            .child("modelParameters")
            .map(|parameters| ModelParameters {
                task: parameters.child_text("task"),
                architecture_family: parameters.child_text("architectureFamily"),
                model_architecture: parameters.child_text("modelArchitecture"),
                datasets: parameters
                    .list("datasets", "dataset")
                    .map(|dataset| DatasetEntry {
                        kind: "dataset",
                        name: dataset.child_text("name").unwrap_or_default(),
                        contents: None,
                        description: None,
                    })
                    .collect(),
            }),
        quantitative_analysis: None,
        considerations: card
            .child("considerations")
            .map(|considerations| Considerations {
                use_cases: texts(considerations, "useCases", "useCase"),
                technical_limitations: texts(
                    considerations,
                    "technicalLimitations",
                    "technicalLimitation",
                ),
                ethical_considerations: considerations
                    .list("ethicalConsiderations", "ethicalConsideration")
                    .map(|ethical| EthicalConsideration {
                        name: ethical.child_text("name").unwrap_or_default(),
                    })
                    .collect(),
            }),
        properties: properties_from_xml(card),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn sample() -> Bom {
        Bom {
            bom_format: "CycloneDX".into(),
            spec_version: "1.6".into(),
            serial_number: Some("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79".into()),
            version: 1,
            components: vec![Component {
                kind: "library".into(),
                bom_ref: Some("a".into()),
                name: "a b".into(),
                version: Some("1".into()),
                hashes: vec![HashEntry {
                    alg: "SHA-256".into(),
                    content: "00".into(),
                }],
                licenses: vec![LicenseChoice::Expression {
                    expression: "MIT OR Apache-2.0".into(),
                }],
                properties: vec![Property::new("airlock:x", " spaced ")],
                ..Component::default()
            }],
            dependencies: vec![Dependency {
                reference: "a".into(),
                depends_on: Vec::new(),
            }],
            ..Bom::default()
        }
    }

    #[test]
    fn the_one_pass_writer_writes_what_serde_json_writes() {
        let mut full = sample();
        full.metadata = Some(Metadata {
            timestamp: Some("2026-01-01T00:00:00Z".into()),
            component: Some(Box::new(full.components[0].clone())),
            ..Metadata::default()
        });
        full.components.push(Component {
            kind: "library".into(),
            name: "é \"q\" \u{1}".into(),
            ..Component::default()
        });
        full.compositions = vec![Composition {
            aggregate: "complete".into(),
            dependencies: vec!["a".into()],
        }];
        full.vulnerabilities = Some(Vec::new());
        let empty = Bom {
            components: Vec::new(),
            dependencies: Vec::new(),
            ..sample()
        };
        // More components than one job of the pooled writer takes, so that runs are joined.
        let mut many = sample();
        let component = many.components[0].clone();
        many.components = (0..ITEMS_PER_JOB * 3 + 5)
            .map(|number| Component {
                name: format!("c{number}"),
                ..component.clone()
            })
            .collect();
        // Dependency lists over several runs too, leaves (empty lists) among them.
        many.dependencies = (0..ITEMS_PER_JOB * 2 + 7)
            .map(|number| Dependency {
                reference: format!("c{number}"),
                depends_on: (0..number % 3).map(|to| format!("c{to}")).collect(),
            })
            .collect();
        let serials = [
            "urn:uuid:00000000-0000-5000-8000-000000000000",
            // Another length than a urn:uuid: the rest moves to make room.
            "urn:other:1",
        ];
        let boms = [sample(), full, empty, Bom::default(), many];
        for (bom, serial) in boms
            .iter()
            .flat_map(|bom| serials.iter().map(move |serial| (bom, *serial)))
        {
            let mut without = bom.clone();
            without.serial_number = None;
            let mut expected_without = serde_json::to_vec_pretty(&without).unwrap();
            let (bytes, serial) = to_json_with_serial(bom, |digest| {
                assert_eq!(
                    digest,
                    Sha256::digest(std::mem::take(&mut expected_without)).as_slice()
                );
                serial.to_owned()
            })
            .unwrap();
            let mut with = bom.clone();
            with.serial_number = Some(serial);
            let mut expected = serde_json::to_vec_pretty(&with).unwrap();
            expected.push(b'\n');
            assert_eq!(
                String::from_utf8(bytes).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    #[test]
    fn json_and_xml_read_back_alike() {
        let bom = sample();
        let json: serde_json::Value = serde_json::from_slice(&to_json(&bom).unwrap()).unwrap();
        assert_eq!(json["dependencies"][0]["dependsOn"], serde_json::json!([]));
        let from_json = from_json(json).unwrap();
        let (version, from_xml) =
            from_xml(std::str::from_utf8(&to_xml(&bom, SpecVersion::V1_6)).unwrap()).unwrap();
        assert_eq!(version, "1.6");
        for read in [&from_json, &from_xml] {
            let component = &read.components[0];
            assert_eq!(component.name, "a b");
            assert_eq!(component.hashes[0].content, "00");
            assert_eq!(component.licenses, bom.components[0].licenses);
            assert_eq!(component.properties[0].value, " spaced ");
            assert_eq!(read.dependencies[0].reference, "a");
        }
    }
}
