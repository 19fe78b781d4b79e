//! CycloneDX documents through `cyclonedx-bom`'s models (one reader for JSON and XML, spec
//! versions 1.3 to 1.5), reduced to the entries and edges airlock keeps.

use cyclonedx_bom::models::bom::Bom;
use cyclonedx_bom::models::component::{Classification, Component as CdxComponent, Scope};
use cyclonedx_bom::models::license::{LicenseChoice, LicenseIdentifier};

use crate::component::{ComponentKind, EdgeKind, Scope as AirlockScope};
use crate::extract::{ExtractError, Input};

use super::{Document, Entry};

const SUPPORTED: &str = "CycloneDX 1.3, 1.4 and 1.5";

pub(super) fn read_json(
    input: &Input<'_>,
    value: serde_json::Value,
) -> Result<Document, ExtractError> {
    let version = value
        .get("specVersion")
        .and_then(|version| version.as_str())
        .unwrap_or_default()
        .to_owned();
    if !matches!(version.as_str(), "1.3" | "1.4" | "1.5") {
        return Err(ExtractError::UnsupportedVersion {
            location: input.location(None),
            format: "CycloneDX",
            found: version,
            supported: SUPPORTED,
        });
    }
    let mut value = value;
    drop_model_cards(&mut value);
    let bom = Bom::parse_json_value(value).map_err(|error| ExtractError::Parse {
        location: input.location(None),
        message: format!("not a valid CycloneDX {version} document: {error}"),
    })?;
    Ok(document(bom, "\"bom-ref\""))
}

/// Model cards are not read back into components (the graph does not need them), and
/// `cyclonedx-bom` 0.8.1 rejects schema-valid ones (`datasets: [{"ref": …}]`): they are
/// removed before parsing so that they cannot make a whole document unreadable.
fn drop_model_cards(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            object.remove("modelCard");
            object.values_mut().for_each(drop_model_cards);
        }
        serde_json::Value::Array(list) => list.iter_mut().for_each(drop_model_cards),
        _ => {}
    }
}

pub(super) fn read_xml(input: &Input<'_>, text: &str) -> Result<Document, ExtractError> {
    const NAMESPACE: &str = "http://cyclonedx.org/schema/bom/";
    let version: String = text
        .find(NAMESPACE)
        .and_then(|start| text.get(start + NAMESPACE.len()..))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect()
        })
        .unwrap_or_default();
    let parsed = match version.as_str() {
        "1.3" => Bom::parse_from_xml_v1_3(text.as_bytes()),
        "1.4" => Bom::parse_from_xml_v1_4(text.as_bytes()),
        "1.5" => Bom::parse_from_xml_v1_5(text.as_bytes()),
        _ => {
            return Err(ExtractError::UnsupportedVersion {
                location: input.location(None),
                format: "CycloneDX XML",
                found: if version.is_empty() {
                    "(no CycloneDX namespace)".to_owned()
                } else {
                    version
                },
                supported: SUPPORTED,
            })
        }
    };
    let bom = parsed.map_err(|error| ExtractError::Parse {
        location: input.location(None),
        message: format!("not a valid CycloneDX {version} XML document: {error}"),
    })?;
    Ok(document(bom, "bom-ref"))
}

fn kind(classification: &Classification) -> ComponentKind {
    match classification {
        Classification::Application => ComponentKind::Application,
        Classification::MachineLearningModel => ComponentKind::MachineLearningModel,
        Classification::Data => ComponentKind::Data,
        Classification::File => ComponentKind::File,
        _ => ComponentKind::Library,
    }
}

fn entry(component: &CdxComponent, position: &mut usize) -> Entry {
    *position += 1;
    let licenses = component
        .licenses
        .as_ref()
        .map(|licenses| {
            licenses
                .0
                .iter()
                .map(|choice| match choice {
                    LicenseChoice::License(license) => match &license.license_identifier {
                        LicenseIdentifier::SpdxId(id) => id.to_string(),
                        LicenseIdentifier::Name(name) => name.to_string(),
                    },
                    LicenseChoice::Expression(expression) => expression.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    Entry {
        // Components without a bom-ref cannot be the target of a dependency; a position keeps
        // them apart.
        reference: component
            .bom_ref
            .clone()
            .unwrap_or_else(|| format!("#component-{position}")),
        kind: Some(kind(&component.component_type)),
        name: component.name.to_string(),
        group: component.group.as_ref().map(ToString::to_string),
        version: component.version.as_ref().map(ToString::to_string),
        purl: component.purl.as_ref().map(ToString::to_string),
        hashes: component
            .hashes
            .as_ref()
            .map(|hashes| {
                hashes
                    .0
                    .iter()
                    .map(|hash| (hash.alg.to_string(), hash.content.0.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        licenses,
        properties: component
            .properties
            .as_ref()
            .map(|list| {
                list.0
                    .iter()
                    .map(|property| (property.name.clone(), property.value.to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        scope: component.scope.as_ref().and_then(|scope| match scope {
            Scope::Required => Some(AirlockScope::Required),
            Scope::Optional => Some(AirlockScope::Optional),
            Scope::Excluded => Some(AirlockScope::Dev),
            Scope::UnknownScope(_) => None,
        }),
    }
}

/// Every component, nested ones included (depth-first, as listed).
fn collect(component: &CdxComponent, position: &mut usize, into: &mut Vec<Entry>) {
    into.push(entry(component, position));
    if let Some(children) = &component.components {
        for child in &children.0 {
            collect(child, position, into);
        }
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
    for component in bom.components.iter().flat_map(|components| &components.0) {
        collect(component, &mut position, &mut document.entries);
    }
    for dependency in bom
        .dependencies
        .iter()
        .flat_map(|dependencies| &dependencies.0)
    {
        for target in &dependency.dependencies {
            document.edges.push((
                dependency.dependency_ref.clone(),
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
