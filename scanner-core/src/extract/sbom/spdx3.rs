//! SPDX 3.0.1 JSON-LD documents through airlock's own model ([`crate::sbom::spdx3`]): software,
//! AI and dataset packages with their hashes (`verifiedUsing`), purls and declared licenses
//! (`hasDeclaredLicense` to a license expression), and every dependency-like relationship as an
//! edge of its kind; the SBOM's `rootElement`s are the subjects.

use std::collections::{HashMap, HashSet};

use crate::component::{ComponentKind, EdgeKind};
use crate::extract::{ExtractError, Input};
use crate::sbom::spdx3::{self as model, Node, Package};

use super::spdx::{note_properties, noted_kind, notes_of};
use super::{Document, Entry};

pub(super) fn read_json(
    input: &Input<'_>,
    value: serde_json::Value,
) -> Result<Document, ExtractError> {
    let context = value
        .get("@context")
        .and_then(|context| context.as_str())
        .unwrap_or_default();
    let version = model::context_version(context)
        .unwrap_or(context)
        .to_owned();
    if version != "3.0.1" {
        return Err(ExtractError::UnsupportedVersion {
            location: input.location(None),
            format: "SPDX",
            found: version,
            supported: "SPDX-2.2 and SPDX-2.3 JSON, SPDX 3.0.1 JSON-LD",
        });
    }
    let parsed = model::from_json(value).map_err(|error| ExtractError::Parse {
        location: input.location(None),
        message: format!("not a valid SPDX 3.0.1 JSON-LD document: {error}"),
    })?;
    let mut document = Document {
        reference_marker: "\"spdxId\"",
        ..Document::default()
    };
    // A license as airlock wrote it: the text its comment keeps, else the expression.
    let mut expressions: HashMap<&str, &str> = HashMap::new();
    let mut declared: HashMap<&str, Vec<&str>> = HashMap::new();
    // Agents by id: the persons and organizations `originatedBy` refers to.
    let mut agents: HashMap<&str, &str> = HashMap::new();
    for node in &parsed.graph {
        match node {
            Node::Person(agent) | Node::Organization(agent) => {
                if let Some(name) = &agent.header.name {
                    agents.insert(&agent.header.spdx_id, name);
                }
            }
            Node::simplelicensing_LicenseExpression(license) => {
                let text = license
                    .header
                    .comment
                    .as_deref()
                    .and_then(|comment| comment.strip_prefix(model::AS_WRITTEN))
                    .unwrap_or(&license.expression);
                expressions.insert(&license.header.spdx_id, text);
            }
            Node::Relationship(relationship)
                if relationship.relationship_type == "hasDeclaredLicense" =>
            {
                declared
                    .entry(&relationship.from)
                    .or_default()
                    .extend(relationship.to.iter().map(String::as_str));
            }
            _ => {}
        }
    }
    let mut packages: HashSet<&str> = HashSet::new();
    let mut sbom_roots = Vec::new();
    let mut document_roots = Vec::new();
    for node in &parsed.graph {
        let (package, purpose_kind) = match node {
            Node::software_Package(package) => {
                packages.insert(&package.header.spdx_id);
                let mut read = entry(package, None, &declared, &expressions);
                // The makers of a software package: a local project's manifest authors, as
                // airlock writes them. (An AI package's `originatedBy` holds its model card's
                // creator and quantizer, which are card data and not manifest authors.)
                read.authors = package
                    .originated_by
                    .iter()
                    .filter_map(|id| agents.get(id.as_str()))
                    .map(|name| (*name).to_owned())
                    .collect();
                document.entries.push(read);
                continue;
            }
            Node::ai_AIPackage(model) => {
                (&model.package, Some(ComponentKind::MachineLearningModel))
            }
            Node::dataset_DatasetPackage(dataset) => (&dataset.package, Some(ComponentKind::Data)),
            Node::software_Sbom(sbom) => {
                sbom_roots.extend(sbom.collection.root_element.iter().cloned());
                continue;
            }
            Node::SpdxDocument(collection) => {
                document_roots.extend(collection.root_element.iter().cloned());
                continue;
            }
            Node::Relationship(relationship) | Node::LifecycleScopedRelationship(relationship) => {
                edges(relationship, &mut document.edges);
                continue;
            }
            _ => continue,
        };
        packages.insert(&package.header.spdx_id);
        document
            .entries
            .push(entry(package, purpose_kind, &declared, &expressions));
    }
    document.subjects = if sbom_roots.is_empty() {
        document_roots
    } else {
        sbom_roots
    };
    document
        .subjects
        .retain(|root| packages.contains(root.as_str()));
    document
        .edges
        .retain(|(from, to, _)| packages.contains(from.as_str()) && packages.contains(to.as_str()));
    Ok(document)
}

fn entry(
    package: &Package,
    purpose_kind: Option<ComponentKind>,
    declared: &HashMap<&str, Vec<&str>>,
    expressions: &HashMap<&str, &str>,
) -> Entry {
    let notes = notes_of(package.header.comment.as_deref());
    let by_purpose = match package.primary_purpose.as_deref() {
        Some("application") => ComponentKind::Application,
        Some("file") => ComponentKind::File,
        Some("model") => ComponentKind::MachineLearningModel,
        Some("data") => ComponentKind::Data,
        _ => ComponentKind::Library,
    };
    let kind = noted_kind(&notes).or(purpose_kind).unwrap_or(by_purpose);
    let purl = package.package_url.clone().or_else(|| {
        package
            .external_identifier
            .iter()
            .find(|identifier| identifier.external_identifier_type == "packageUrl")
            .map(|identifier| identifier.identifier.clone())
    });
    Entry {
        reference: package.header.spdx_id.clone(),
        kind: Some(kind),
        name: package.header.name.clone().unwrap_or_default(),
        group: None,
        version: package.package_version.clone(),
        purl,
        hashes: package
            .verified_using
            .iter()
            .map(|hash| (hash.algorithm.clone(), hash.hash_value.clone()))
            .collect(),
        licenses: declared
            .get(package.header.spdx_id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|id| expressions.get(id))
            .map(|expression| (*expression).to_owned())
            .collect(),
        properties: note_properties(&notes),
        scope: None,
        model_card: None,
        authors: Vec::new(),
    }
}

/// The edges a relationship states (targets `NoneElement` / `NoAssertionElement` say there are
/// none or that it is not known, and are no edges).
fn edges(relationship: &model::Relationship, into: &mut Vec<(String, String, EdgeKind)>) {
    let scoped = match relationship.scope.as_deref() {
        Some("development" | "test") => EdgeKind::Dev,
        Some("build") => EdgeKind::Build,
        Some("other") => EdgeKind::Optional,
        _ => EdgeKind::Normal,
    };
    let kind = match relationship.relationship_type.as_str() {
        "dependsOn"
        | "contains"
        | "hasDynamicLink"
        | "hasStaticLink"
        | "hasPrerequisite"
        | "hasProvidedDependency" => scoped,
        "hasOptionalDependency" => EdgeKind::Optional,
        _ => return,
    };
    for target in &relationship.to {
        if target == model::NONE_ELEMENT || target == model::NO_ASSERTION_ELEMENT {
            continue;
        }
        into.push((relationship.from.clone(), target.clone(), kind));
    }
}
