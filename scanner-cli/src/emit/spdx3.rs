//! SPDX 3.0.1 JSON-LD documents, written in one pass from the typed components into airlock's
//! own model (`scanner_core::sbom::spdx3`): Core and Software for packages and dependencies,
//! AI for models (`ai_AIPackage` from the model card: task, architecture, uses, limitations,
//! metrics; `trainedOn` relationships to the datasets of the document), Dataset for datasets
//! (`dataset_DatasetPackage`), and SimpleLicensing for declared licenses.
//!
//! Dependencies are `dependsOn` relationships, one per component and edge kind (dev and build
//! edges are `LifecycleScopedRelationship`s scoped `development` / `build`, optional ones
//! `other`), each stating its `completeness`: a leaf is a relationship to `NoneElement` when
//! its input lists every dependency, to `NoAssertionElement` when it cannot say. What SPDX has
//! no field for is the package comment (`airlock: kind=…; ecosystem=…`), as in SPDX 2.3.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use sha2::{Digest, Sha256};

use scanner_core::sbom::spdx3::{
    self as model, Agent, AiPackage, Collection, CreationInfo, DatasetPackage, DictionaryEntry,
    Document, ElementHeader, Hash, LicenseExpression, Node, Package, Relationship, Sbom,
    AS_WRITTEN, CREATION_INFO_ID, NONE_ELEMENT, NO_ASSERTION_ELEMENT,
};
use scanner_core::{Component, ComponentKey, ComponentKind, EdgeKind, HashAlgorithm};

use super::common::{self, Completeness, EmitContext, LicenseForm, References};

/// The SPDX 3.0.1 JSON-LD document, ending with a newline.
pub fn document(context: &EmitContext<'_>) -> anyhow::Result<Vec<u8>> {
    let document = build(context)?;
    model::to_json(&document).context("cannot write SPDX 3 JSON-LD")
}

fn algorithm(algorithm: HashAlgorithm) -> &'static str {
    match algorithm {
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
        HashAlgorithm::Sha1 => "sha1",
        HashAlgorithm::Md5 => "md5",
        HashAlgorithm::Blake2b256 => "blake2b256",
    }
}

fn purpose(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Application | ComponentKind::McpServer => "application",
        ComponentKind::Library => "library",
        ComponentKind::File => "file",
        ComponentKind::MachineLearningModel => "model",
        ComponentKind::Data => "data",
        // A tool declaration is configuration handed to a model.
        // A tool declaration, an agent's hook, settings and instructions are configuration
        // handed to a model or its client.
        ComponentKind::AgentTool
        | ComponentKind::AgentHook
        | ComponentKind::AgentSettings
        | ComponentKind::AgentInstructions => "configuration",
    }
}

/// Element ids: the document's namespace and a local name.
struct Ids {
    namespace: String,
}

impl Ids {
    fn local(&self, local: &str) -> String {
        format!("{}#{local}", self.namespace)
    }

    fn package(&self, key: &ComponentKey, references: &References) -> String {
        self.local(&super::spdx::spdx_id(
            key.name.original(),
            &references.get(key),
        ))
    }
}

/// Agents (suppliers and authors) and license expressions, each written once and referred to.
#[derive(Default)]
struct Shared {
    organizations: BTreeMap<String, String>,
    agents: BTreeMap<String, String>,
    licenses: BTreeMap<String, (String, Option<String>)>,
}

impl Shared {
    fn organization(&mut self, ids: &Ids, name: &str) -> String {
        self.organizations
            .entry(name.to_owned())
            .or_insert_with(|| {
                ids.local(&format!(
                    "SPDXRef-Organization-{}",
                    common::short_hash(name, 16)
                ))
            })
            .clone()
    }

    fn agent(&mut self, ids: &Ids, name: &str) -> String {
        self.agents
            .entry(name.to_owned())
            .or_insert_with(|| {
                ids.local(&format!("SPDXRef-Agent-{}", common::short_hash(name, 16)))
            })
            .clone()
    }

    /// One license expression element per declared license text (written once per document);
    /// a text that is no SPDX expression becomes a `LicenseRef-` whose comment keeps it as
    /// written, so the reader gets the text back.
    fn licenses(&mut self, ids: &Ids, found: &BTreeSet<String>) -> Vec<String> {
        found
            .iter()
            .map(|text| {
                let (expression, comment) = match common::classify_license(text) {
                    LicenseForm::Identifier(id) => (id, None),
                    LicenseForm::Expression(expression) => (expression, None),
                    LicenseForm::Named(text) => {
                        let sanitized: String = text
                            .chars()
                            .map(|character| {
                                if character.is_ascii_alphanumeric()
                                    || matches!(character, '.' | '-')
                                {
                                    character
                                } else {
                                    '-'
                                }
                            })
                            .take(48)
                            .collect();
                        (
                            format!("LicenseRef-{sanitized}-{}", common::short_hash(&text, 8)),
                            Some(format!("{AS_WRITTEN}{text}")),
                        )
                    }
                };
                let id = ids.local(&format!(
                    "SPDXRef-License-{}",
                    common::short_hash(&expression, 16)
                ));
                self.licenses
                    .entry(expression)
                    .or_insert((id, comment))
                    .0
                    .clone()
            })
            .collect()
    }
}

fn header(id: String, name: Option<String>) -> ElementHeader {
    ElementHeader::new(id, name)
}

fn package(
    context: &EmitContext<'_>,
    component: &Component,
    synthetic: bool,
    id: String,
    ids: &Ids,
    shared: &mut Shared,
) -> Package {
    let key = &component.key;
    let purl = component.stated_purl();
    let mut header = header(id, Some(key.name.original().to_owned()));
    header.comment = Some(common::spdx_notes(context, component, synthetic));
    Package {
        header,
        supplied_by: common::supplier(key).map(|owner| shared.organization(ids, &owner)),
        originated_by: common::authors(component)
            .iter()
            .map(|author| shared.agent(ids, &author.spdx_person()))
            .collect(),
        verified_using: component
            .hashes
            .iter()
            .map(|hash| Hash {
                kind: "Hash".to_owned(),
                algorithm: algorithm(hash.algorithm()).to_owned(),
                hash_value: hash.value(),
            })
            .collect(),
        external_identifier: Vec::new(),
        primary_purpose: Some(purpose(component.kind).to_owned()),
        package_version: key.version.clone(),
        package_url: Some(purl),
        download_location: common::download_location(key),
    }
}

/// The node of one component: an AI package for a model, a dataset package for data, a
/// software package otherwise.
fn node(component: &Component, package: Package) -> Node {
    match component.kind {
        ComponentKind::MachineLearningModel => {
            let mut model = AiPackage {
                package,
                ..AiPackage::default()
            };
            if let Some(card) = component.facts.model_card.as_deref() {
                model.type_of_model = card
                    .architecture_family
                    .iter()
                    .chain(card.architectures.first())
                    .cloned()
                    .collect();
                model.domain = card.task.iter().cloned().collect();
                let uses = &card.considerations.intended_uses;
                model.information_about_application = (!uses.is_empty()).then(|| uses.join("\n\n"));
                let mut limits = card.considerations.limitations.clone();
                limits.extend(
                    card.considerations
                        .ethical
                        .iter()
                        .map(|text| format!("Ethical considerations: {text}")),
                );
                model.limitation = (!limits.is_empty()).then(|| limits.join("\n\n"));
                model.information_about_training = (!card.datasets.is_empty()).then(|| {
                    format!(
                        "Datasets named by the model card: {}",
                        card.datasets.join(", ")
                    )
                });
                model.metric = card
                    .results
                    .iter()
                    .map(|result| {
                        let name = result
                            .metric_name
                            .clone()
                            .unwrap_or_else(|| result.metric_type.clone());
                        let on = result.dataset_name.as_deref().or(result.dataset.as_deref());
                        DictionaryEntry {
                            kind: "DictionaryEntry".to_owned(),
                            key: match on {
                                Some(dataset) => format!("{name} ({dataset})"),
                                None => name,
                            },
                            value: Some(result.value.clone()),
                        }
                    })
                    .collect();
            }
            Node::ai_AIPackage(model)
        }
        ComponentKind::Data => Node::dataset_DatasetPackage(DatasetPackage {
            package,
            // airlock does not look inside datasets: what kind of data it holds is not known.
            dataset_type: vec!["noAssertion".to_owned()],
        }),
        ComponentKind::Application
        | ComponentKind::Library
        | ComponentKind::File
        | ComponentKind::McpServer
        | ComponentKind::AgentTool
        | ComponentKind::AgentHook
        | ComponentKind::AgentSettings
        | ComponentKind::AgentInstructions => Node::software_Package(package),
    }
}

fn build(context: &EmitContext<'_>) -> anyhow::Result<Document> {
    let graph = context.graph();
    let subject = common::subject(context)?;
    let references = subject.references(graph);
    // The namespace must be unique per document and the same for the same scan: it is derived
    // from what the document says (name, time, components, edges) before the document exists.
    let mut digest = Sha256::new();
    digest.update(context.project_name.as_bytes());
    digest.update(context.timestamp.to_le_bytes());
    for component in graph.components() {
        digest.update(references.get(&component.key).as_bytes());
        digest.update([0]);
    }
    for edge in graph.edges() {
        digest.update(references.get(edge.from).as_bytes());
        digest.update([1]);
        digest.update(references.get(edge.to).as_bytes());
        digest.update(edge.kind.as_str().as_bytes());
    }
    let name: String = common::spdx_safe(&context.project_name).collect();
    let ids = Ids {
        namespace: format!(
            "https://spdx.org/spdxdocs/{name}-{}",
            common::uuid_from_digest(&digest.finalize())
        ),
    };
    let mut shared = Shared::default();
    let mut graph_nodes: Vec<Node> = Vec::with_capacity(graph.len().saturating_mul(3) + 16);
    let mut elements: Vec<String> = Vec::with_capacity(graph.len().saturating_mul(3) + 16);
    let mut relationships: Vec<Relationship> = Vec::new();
    let mut license_links: Vec<(String, Vec<String>)> = Vec::new();

    let subject_id = ids.package(&subject.component.key, &references);
    let mut listed: Vec<(&Component, bool)> = graph
        .components()
        .map(|component| (component, false))
        .collect();
    if subject.synthetic {
        listed.push((&subject.component, true));
    }
    let has_datasets = listed
        .iter()
        .any(|(component, _)| component.kind == ComponentKind::Data);
    let has_models = listed
        .iter()
        .any(|(component, _)| component.kind == ComponentKind::MachineLearningModel);
    for (component, synthetic) in &listed {
        let id = ids.package(&component.key, &references);
        let package = package(
            context,
            component,
            *synthetic,
            id.clone(),
            &ids,
            &mut shared,
        );
        let licenses = shared.licenses(&ids, &component.licenses);
        if !licenses.is_empty() {
            license_links.push((id.clone(), licenses));
        }
        // Dependencies by edge kind; the made-up project depends on every root.
        let mut by_kind: BTreeMap<EdgeKind, BTreeSet<String>> = BTreeMap::new();
        if *synthetic {
            for root in &subject.dependencies {
                by_kind
                    .entry(EdgeKind::Normal)
                    .or_default()
                    .insert(ids.package(root, &references));
            }
        } else {
            for (target, kind) in graph.dependencies(&component.key) {
                by_kind
                    .entry(kind)
                    .or_default()
                    .insert(ids.package(target, &references));
            }
        }
        let completeness = if *synthetic {
            if context.report.has_errors() {
                Completeness::Incomplete
            } else {
                Completeness::Complete
            }
        } else {
            common::completeness(context, component)
        };
        if by_kind.is_empty() {
            let target = if completeness == Completeness::Complete {
                NONE_ELEMENT
            } else {
                NO_ASSERTION_ELEMENT
            };
            by_kind
                .entry(EdgeKind::Normal)
                .or_default()
                .insert(target.to_owned());
        }
        for (kind, targets) in by_kind {
            let scope = match kind {
                EdgeKind::Normal => None,
                EdgeKind::Dev => Some("development"),
                EdgeKind::Build => Some("build"),
                EdgeKind::Optional => Some("other"),
            };
            relationships.push(Relationship {
                header: header(String::new(), None),
                from: id.clone(),
                relationship_type: "dependsOn".to_owned(),
                to: targets.into_iter().collect(),
                completeness: Some(completeness.spdx3().to_owned()),
                scope: scope.map(str::to_owned),
            });
        }
        // A model trained on a dataset the document lists.
        if let Some(card) = component.facts.model_card.as_deref() {
            let datasets: BTreeSet<String> = card
                .datasets
                .iter()
                .filter_map(|dataset| {
                    listed.iter().find(|(candidate, _)| {
                        candidate.kind == ComponentKind::Data
                            && candidate.key.name.original().eq_ignore_ascii_case(dataset)
                    })
                })
                .map(|(dataset, _)| ids.package(&dataset.key, &references))
                .collect();
            if !datasets.is_empty() {
                relationships.push(Relationship {
                    header: header(String::new(), None),
                    from: id.clone(),
                    relationship_type: "trainedOn".to_owned(),
                    to: datasets.into_iter().collect(),
                    completeness: None,
                    scope: None,
                });
            }
        }
        elements.push(id);
        graph_nodes.push(node(component, package));
    }
    for (from, licenses) in license_links {
        relationships.push(Relationship {
            header: header(String::new(), None),
            from,
            relationship_type: "hasDeclaredLicense".to_owned(),
            to: licenses,
            completeness: None,
            scope: None,
        });
    }
    relationships.sort_by(|a, b| {
        (&a.from, &a.relationship_type, &a.scope, &a.to).cmp(&(
            &b.from,
            &b.relationship_type,
            &b.scope,
            &b.to,
        ))
    });
    for (number, mut relationship) in relationships.into_iter().enumerate() {
        let id = ids.local(&format!("SPDXRef-Relationship-{}", number + 1));
        relationship.header.spdx_id = id.clone();
        elements.push(id);
        graph_nodes.push(if relationship.scope.is_some() {
            Node::LifecycleScopedRelationship(relationship)
        } else {
            Node::Relationship(relationship)
        });
    }
    for (expression, (id, comment)) in std::mem::take(&mut shared.licenses) {
        let mut header = header(id.clone(), None);
        header.comment = comment;
        elements.push(id);
        graph_nodes.push(Node::simplelicensing_LicenseExpression(LicenseExpression {
            header,
            expression,
        }));
    }
    for (name, id) in std::mem::take(&mut shared.organizations) {
        elements.push(id.clone());
        graph_nodes.push(Node::Organization(Agent {
            header: header(id, Some(name)),
        }));
    }
    for (name, id) in std::mem::take(&mut shared.agents) {
        elements.push(id.clone());
        graph_nodes.push(Node::Person(Agent {
            header: header(id, Some(name)),
        }));
    }

    let tool_id = ids.local("SPDXRef-Tool-airlock");
    let agent_id = ids.local("SPDXRef-SoftwareAgent-airlock");
    let tool_name = format!("airlock {}", env!("CARGO_PKG_VERSION"));
    let data_license_id = ids.local("SPDXRef-DataLicense");
    let sbom_id = ids.local("SPDXRef-Sbom");
    let mut profiles = vec!["core", "software", "simpleLicensing"];
    if has_models {
        profiles.push("ai");
    }
    if has_datasets {
        profiles.push("dataset");
    }
    let mut prelude = vec![
        Node::CreationInfo(CreationInfo {
            id: CREATION_INFO_ID.to_owned(),
            spec_version: "3.0.1".to_owned(),
            created: common::rfc3339(context.timestamp)?,
            created_by: vec![agent_id.clone()],
            created_using: vec![tool_id.clone()],
            comment: context.policy.map(common::PolicyFacts::comment),
        }),
        Node::SoftwareAgent(Agent {
            header: header(agent_id, Some(tool_name.clone())),
        }),
        Node::Tool(Agent {
            header: header(tool_id, Some(tool_name)),
        }),
        Node::simplelicensing_LicenseExpression(LicenseExpression {
            header: header(data_license_id.clone(), None),
            expression: "CC0-1.0".to_owned(),
        }),
        Node::SpdxDocument(Collection {
            header: header(
                ids.local("SPDXRef-DOCUMENT"),
                Some(context.project_name.clone()),
            ),
            data_license: Some(data_license_id),
            profile_conformance: profiles
                .iter()
                .map(|profile| (*profile).to_owned())
                .collect(),
            root_element: vec![sbom_id.clone()],
            element: Vec::new(),
        }),
        Node::software_Sbom(Sbom {
            collection: Collection {
                header: header(sbom_id, Some(context.project_name.clone())),
                data_license: None,
                profile_conformance: Vec::new(),
                root_element: vec![subject_id],
                element: elements,
            },
            // Made from the project's files as they are (lockfiles, manifests, model folders).
            sbom_type: vec!["source".to_owned()],
        }),
    ];
    prelude.extend(graph_nodes);
    Ok(Document {
        context: model::CONTEXT.to_owned(),
        graph: prelude,
    })
}
