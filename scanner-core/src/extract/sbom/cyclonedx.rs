//! CycloneDX documents (JSON and XML, spec versions 1.2 to 1.7) through airlock's own model
//! ([`crate::sbom::cyclonedx`]), reduced to the entries and edges airlock keeps. Hashes come
//! from `hashes` and from `externalReferences[].hashes` (where uv and cyclonedx-py put the
//! hashes of the distribution files).

use crate::component::{ComponentKind, EdgeKind, Scope as AirlockScope};
use crate::extract::{ExtractError, Input};
use crate::sbom::cyclonedx::{self as model, Bom, Component as CdxComponent, READABLE_VERSIONS};

use super::{Document, Entry};

const SUPPORTED: &str = "CycloneDX 1.2 to 1.7";

fn unsupported(input: &Input<'_>, format: &'static str, found: String) -> ExtractError {
    ExtractError::UnsupportedVersion {
        location: input.location(None),
        format,
        found,
        supported: SUPPORTED,
    }
}

pub(super) fn read_json(
    input: &Input<'_>,
    value: serde_json::Value,
) -> Result<Document, ExtractError> {
    let version = value
        .get("specVersion")
        .and_then(|version| version.as_str())
        .unwrap_or_default()
        .to_owned();
    if !READABLE_VERSIONS.contains(&version.as_str()) {
        return Err(unsupported(input, "CycloneDX", version));
    }
    let bom = model::from_json(value).map_err(|error| ExtractError::Parse {
        location: input.location(None),
        message: format!("not a valid CycloneDX {version} document: {error}"),
    })?;
    Ok(document(bom, "\"bom-ref\""))
}

pub(super) fn read_xml(input: &Input<'_>, text: &str) -> Result<Document, ExtractError> {
    let (version, bom) = model::from_xml(text).map_err(|error| ExtractError::Parse {
        location: input.location(error.line),
        message: format!("not a valid CycloneDX XML document: {}", error.message),
    })?;
    if !READABLE_VERSIONS.contains(&version.as_str()) {
        return Err(unsupported(
            input,
            "CycloneDX XML",
            if version.is_empty() {
                "(no CycloneDX namespace)".to_owned()
            } else {
                version
            },
        ));
    }
    Ok(document(bom, "bom-ref"))
}

fn kind(classification: &str) -> ComponentKind {
    match classification {
        "application" => ComponentKind::Application,
        "machine-learning-model" => ComponentKind::MachineLearningModel,
        "data" => ComponentKind::Data,
        "file" => ComponentKind::File,
        _ => ComponentKind::Library,
    }
}

fn entry(component: &CdxComponent, position: &mut usize) -> Entry {
    *position += 1;
    let mut hashes: Vec<(String, String)> = component
        .hashes
        .iter()
        .chain(
            component
                .external_references
                .iter()
                .flat_map(|reference| &reference.hashes),
        )
        .map(|hash| (hash.alg.clone(), hash.content.clone()))
        .collect();
    hashes.sort();
    hashes.dedup();
    Entry {
        // Components without a bom-ref cannot be the target of a dependency; a position keeps
        // them apart.
        reference: component
            .bom_ref
            .clone()
            .unwrap_or_else(|| format!("#component-{position}")),
        kind: Some(kind(&component.kind)),
        name: component.name.clone(),
        group: component.group.clone(),
        version: component.version.clone(),
        purl: component.purl.clone(),
        hashes,
        licenses: component
            .licenses
            .iter()
            .filter_map(|choice| choice.text().map(str::to_owned))
            .collect(),
        properties: component
            .properties
            .iter()
            .map(|property| (property.name.clone(), property.value.clone()))
            .collect(),
        scope: component.scope.as_deref().and_then(|scope| match scope {
            "required" => Some(AirlockScope::Required),
            "optional" => Some(AirlockScope::Optional),
            "excluded" => Some(AirlockScope::Dev),
            _ => None,
        }),
    }
}

/// Every component, nested ones included (depth-first, as listed).
fn collect(component: &CdxComponent, position: &mut usize, into: &mut Vec<Entry>) {
    into.push(entry(component, position));
    for child in &component.components {
        collect(child, position, into);
    }
}

fn document(bom: Bom, reference_marker: &'static str) -> Document {
    let mut document = Document {
        reference_marker,
        ..Document::default()
    };
    let mut position = 0;
    if let Some(subject) = bom
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.component.as_ref())
    {
        let before = document.entries.len();
        collect(subject, &mut position, &mut document.entries);
        if let Some(first) = document.entries.get(before) {
            document.subjects.push(first.reference.clone());
        }
    }
    for component in &bom.components {
        collect(component, &mut position, &mut document.entries);
    }
    for dependency in &bom.dependencies {
        for target in &dependency.depends_on {
            document.edges.push((
                dependency.reference.clone(),
                target.clone(),
                EdgeKind::Normal,
            ));
        }
    }
    // A synthetic subject is no root itself: its dependencies are (see `convert`).
    document.subjects.retain(|subject| {
        !document.entries.iter().any(|entry| {
            &entry.reference == subject
                && entry
                    .property(crate::facts::properties::SYNTHETIC)
                    .is_some()
        })
    });
    document
}
