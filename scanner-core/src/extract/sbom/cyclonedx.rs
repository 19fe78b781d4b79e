//! CycloneDX documents (JSON and XML, spec versions 1.2 to 1.7) through airlock's own model
//! ([`crate::sbom::cyclonedx`]), reduced to the entries and edges airlock keeps. Hashes come
//! from `hashes` and from `externalReferences[].hashes` (where uv and cyclonedx-py put the
//! hashes of the distribution files).

use crate::component::{ComponentKind, EdgeKind, Scope as AirlockScope};
use crate::extract::model::hf_config::parse_auto_map_reference;
use crate::extract::{ExtractError, Input};
use crate::facts::properties;
use crate::location::Location;
use crate::model::{BaseModel, Considerations, ModelCard, ModelLicense, RemoteCode};
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
        .map(|hash| (hash.alg.to_string(), hash.content.clone()))
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
            .map(|property| (property.name.to_string(), property.value.to_string()))
            .collect(),
        scope: component.scope.as_deref().and_then(|scope| match scope {
            "required" => Some(AirlockScope::Required),
            "optional" => Some(AirlockScope::Optional),
            "excluded" => Some(AirlockScope::Dev),
            _ => None,
        }),

        model_card: component.model_card.clone(),
        authors: Vec::new(),
    }
}

/// airlock's model facts back from a CycloneDX `modelCard` (as `emit/cyclonedx.rs` writes it)
/// and the component's license: what the model rules judge (base models for provenance,
/// `auto_map` remote code, the license). `location` is where the SBOM lists the model, the
/// only place a finding about it can point to.
pub(super) fn restore_model_card(
    card: &model::ModelCard,
    licenses: &[String],
    location: &Location,
) -> ModelCard {
    let mut restored = ModelCard::default();
    if let Some(parameters) = &card.model_parameters {
        restored.task.clone_from(&parameters.task);
        restored
            .architecture_family
            .clone_from(&parameters.architecture_family);
        restored.architectures = parameters.model_architecture.iter().cloned().collect();
        restored.datasets = parameters
            .datasets
            .iter()
            .map(|dataset| dataset.name.clone())
            .filter(|name| !name.is_empty())
            .collect();
        restored.datasets.sort();
        restored.datasets.dedup();
    }
    if let Some(considerations) = &card.considerations {
        restored.considerations = Considerations {
            intended_uses: considerations.use_cases.clone(),
            limitations: considerations.technical_limitations.clone(),
            ethical: considerations
                .ethical_considerations
                .iter()
                .map(|ethical| ethical.name.clone())
                .collect(),
        };
    }
    for property in &card.properties {
        let value = property.value.to_string();
        match property.name.as_ref() {
            properties::MODEL_LIBRARY => restored.library_name = Some(value),
            properties::MODEL_LANGUAGE => restored.languages.push(value),
            properties::MODEL_DTYPE => restored.dtype = Some(value),
            properties::MODEL_CREATOR => restored.model_creator = Some(value),
            properties::MODEL_QUANTIZED_BY => restored.quantized_by = Some(value),
            properties::MODEL_BASE_MODEL => {
                // `name (relation)`, as written.
                let (name, relation) = value
                    .strip_suffix(')')
                    .and_then(|rest| rest.rsplit_once(" ("))
                    .unwrap_or((value.as_str(), "finetune"));
                restored.base_models.push(BaseModel {
                    name: name.to_owned(),
                    relation: relation.to_owned(),
                    relation_declared: true,
                    location: location.clone(),
                });
            }
            properties::MODEL_REMOTE_CODE => {
                // `AutoClass -> reference`, as written.
                if let Some((auto_class, reference)) = value.split_once(" -> ") {
                    let (repository, module_file) = parse_auto_map_reference(reference);
                    restored.remote_code.push(RemoteCode {
                        auto_class: auto_class.to_owned(),
                        reference: reference.to_owned(),
                        repository,
                        module_file,
                        // The SBOM cannot say whether the file is in the model directory.
                        module_present: None,
                        location: location.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    restored.languages.sort();
    restored.languages.dedup();
    restored.base_models.sort();
    restored.remote_code.sort();
    // The card's license is written as the component's license; one is the card's.
    if let [license] = licenses {
        restored.license = Some(ModelLicense {
            id: license.clone(),
            name: None,
            link: None,
            location: location.clone(),
        });
    }
    restored
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
