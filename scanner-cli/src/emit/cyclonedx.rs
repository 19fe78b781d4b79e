//! CycloneDX 1.5 (JSON and XML) through `cyclonedx-bom`: the scanned project as the metadata
//! component, every component with a bom-ref derived from its key, the complete dependency graph
//! and, from `scan`, a `vulnerabilities` section. Follows <https://cyclonedx.org/docs/1.5/json/>;
//! airlock-specific data goes into `airlock:` properties (see `scanner_core::facts::properties`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use cyclonedx_bom::external_models::normalized_string::NormalizedString;
use cyclonedx_bom::external_models::uri::{Purl as CdxPurl, Uri as CdxUrl};
use cyclonedx_bom::models::advisory::{Advisories, Advisory};
use cyclonedx_bom::models::bom::{Bom, SpecVersion, UrnUuid};
use cyclonedx_bom::models::component::{
    Classification, Component as CdxComponent, ComponentEvidence, Components, Occurrence,
    Occurrences, Scope as CdxScope,
};
use cyclonedx_bom::models::component_data::{ComponentData, ComponentDataType};
use cyclonedx_bom::models::dependency::{Dependencies, Dependency};
use cyclonedx_bom::models::external_reference::{
    ExternalReference, ExternalReferenceType, ExternalReferences,
};
use cyclonedx_bom::models::hash::{
    Hash as CdxHash, HashAlgorithm as CdxAlgorithm, HashValue, Hashes,
};
use cyclonedx_bom::models::license::{License, LicenseChoice, Licenses};
use cyclonedx_bom::models::metadata::Metadata;
use cyclonedx_bom::models::modelcard::{
    Dataset, Datasets, ModelCard as CdxModelCard, ModelParameters, PerformanceMetric,
    PerformanceMetrics, QuantitativeAnalysis,
};
use cyclonedx_bom::models::organization::OrganizationalEntity;
use cyclonedx_bom::models::property::{Properties, Property};
use cyclonedx_bom::models::tool::Tools;
use cyclonedx_bom::models::vulnerability::{Vulnerabilities, Vulnerability};
use cyclonedx_bom::models::vulnerability_analysis::{ImpactAnalysisState, VulnerabilityAnalysis};
use cyclonedx_bom::models::vulnerability_rating::{
    Score, ScoreMethod, Severity as CdxSeverity, VulnerabilityRating, VulnerabilityRatings,
};
use cyclonedx_bom::models::vulnerability_reference::{
    VulnerabilityReference, VulnerabilityReferences,
};
use cyclonedx_bom::models::vulnerability_source::VulnerabilitySource;
use cyclonedx_bom::models::vulnerability_target::{VulnerabilityTarget, VulnerabilityTargets};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use scanner_core::facts::properties::{self, EdgeProperty};
use scanner_core::model::ModelCard;
use scanner_core::risk::{AdvisoryKind, Finding, RuleId, Severity};
use scanner_core::{
    Component, ComponentKey, ComponentKind, Ecosystem, EdgeKind, GitReference, HashAlgorithm,
    PackageName, Scope, Source,
};

use super::common::{self, EmitContext, LicenseForm, References};

/// Which serialization of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Xml,
}

/// The CycloneDX 1.5 document, ending with a newline.
pub fn document(context: &EmitContext<'_>, encoding: Encoding) -> anyhow::Result<Vec<u8>> {
    let bom = build(context, encoding)?;
    // The serial number is derived from the document itself (without a serial), so the same
    // scan gives the same serial and any change gives another.
    let mut bytes = match encoding {
        Encoding::Json => json_document(context, bom, true)?.1,
        Encoding::Xml => {
            let (serial, _) = json_document(context, bom.clone(), false)?;
            let mut bom = bom;
            bom.serial_number = Some(serial);
            let mut bytes = Vec::new();
            bom.output_as_xml_v1_5(&mut bytes)
                .context("cannot write CycloneDX XML")?;
            bytes
        }
    };
    if bytes.last() != Some(&b'\n') {
        bytes.push(b'\n');
    }
    Ok(bytes)
}

/// One top-level entry of the JSON document in its compact form (hashed for the serial) and,
/// when asked, its pretty form indented for its place in the document.
struct Rendered {
    compact: Vec<u8>,
    pretty: Vec<u8>,
}

/// A top-level value: `components` and `dependencies` are rendered element by element.
enum Entry {
    Whole(Rendered),
    Elements(Vec<Rendered>),
}

/// The JSON form and its derived serial number, with what `cyclonedx-bom` 0.8.1 cannot
/// express added: bare dataset references become `{"ref": …}` and model card
/// `considerations` (an empty struct there) are written in (the XML form carries them as model
/// card properties). Object keys come out sorted, as serde_json's map sorts them.
///
/// The document is not turned into one `serde_json::Value`: for 1,700 components that tree
/// was half of the scan's peak memory and a third of its time (massif and perf, issue 9).
/// Each element of `components` and `dependencies` is read, patched and written on its own,
/// on the rayon pool, and the document is assembled from the pieces: the bytes are the ones a
/// whole-tree `to_vec_pretty` gives (pretty output of an element nested `n` levels deep is its
/// own pretty output with every line indented `2n` more spaces; JSON strings hold no raw line
/// breaks).
fn json_document(
    context: &EmitContext<'_>,
    bom: Bom,
    pretty: bool,
) -> anyhow::Result<(UrnUuid, Vec<u8>)> {
    // Sized from the components so the buffer is not copied as it grows (about 2 KiB each
    // with hashes and evidence).
    let estimate = bom
        .components
        .as_ref()
        .map_or(0, |components| components.0.len())
        .saturating_mul(2048)
        .saturating_add(16 * 1024);
    let mut bytes = Vec::with_capacity(estimate);
    bom.output_as_json_v1_5(&mut bytes)
        .context("cannot write CycloneDX JSON")?;
    // Borrowed raw values: the entries are cut out of `bytes`, not copied.
    let top: BTreeMap<String, &serde_json::value::RawValue> =
        serde_json::from_slice(&bytes).context("cannot read back CycloneDX JSON")?;
    let considerations: BTreeMap<String, serde_json::Value> = context
        .graph()
        .components()
        .filter_map(|component| {
            let card = component.facts.model_card.as_ref()?;
            let considerations = considerations_json(card)?;
            Some((component.key.reference(), considerations))
        })
        .collect();
    let mut entries: Vec<(String, Entry)> = Vec::with_capacity(top.len() + 1);
    for (key, raw) in top {
        let entry = if key == "components" || key == "dependencies" {
            let elements: Vec<&serde_json::value::RawValue> =
                serde_json::from_str(raw.get()).context("cannot read back CycloneDX JSON")?;
            let is_components = key == "components";
            let rendered = elements
                .par_iter()
                .map(|element| {
                    let mut value: serde_json::Value = serde_json::from_str(element.get())?;
                    if is_components {
                        dataset_references_as_objects(&mut value);
                        add_considerations(&mut value, &considerations);
                    }
                    render(&value, 2, pretty)
                })
                .collect::<serde_json::Result<Vec<_>>>()
                .context("cannot read back CycloneDX JSON")?;
            Entry::Elements(rendered)
        } else {
            let mut value: serde_json::Value =
                serde_json::from_str(raw.get()).context("cannot read back CycloneDX JSON")?;
            if key == "metadata" {
                dataset_references_as_objects(&mut value);
                if let Some(subject) = value.pointer_mut("/component") {
                    add_considerations(subject, &considerations);
                }
            }
            Entry::Whole(render(&value, 1, pretty)?)
        };
        entries.push((key, entry));
    }
    let mut hasher = Sha256::new();
    assemble(
        &entries,
        |piece| hasher.update(piece),
        |rendered| &rendered.compact,
        false,
    );
    let uuid = common::uuid_from_digest(&hasher.finalize());
    let serial = UrnUuid::new(format!("urn:uuid:{uuid}"))
        .map_err(|error| anyhow::anyhow!("derived serial number: {error:?}"))?;
    let pretty_length: usize = entries
        .iter()
        .map(|(key, entry)| {
            key.len()
                + 16
                + match entry {
                    Entry::Whole(rendered) => rendered.pretty.len(),
                    Entry::Elements(elements) => elements
                        .iter()
                        .map(|element| element.pretty.len() + 8)
                        .sum(),
                }
        })
        .sum();
    let mut document = Vec::with_capacity(if pretty { pretty_length + 256 } else { 0 });
    if pretty {
        let serial_value = serde_json::Value::String(serial.to_string());
        entries.push((
            "serialNumber".to_owned(),
            Entry::Whole(render(&serial_value, 1, true)?),
        ));
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        assemble(
            &entries,
            |piece| document.extend_from_slice(piece),
            |rendered| &rendered.pretty,
            true,
        );
    }
    Ok((serial, document))
}

/// Compact and (when `pretty`) pretty bytes of a value nested `depth` levels deep.
fn render(value: &serde_json::Value, depth: usize, pretty: bool) -> serde_json::Result<Rendered> {
    let compact = serde_json::to_vec(value)?;
    let pretty = if pretty {
        let mut indent = b"\n".to_vec();
        indent.extend(std::iter::repeat_n(b' ', 2 * depth));
        let plain = serde_json::to_vec_pretty(value)?;
        let mut indented = Vec::with_capacity(plain.len() + plain.len() / 8);
        for (number, line) in plain.split(|byte| *byte == b'\n').enumerate() {
            if number > 0 {
                indented.extend_from_slice(&indent);
            }
            indented.extend_from_slice(line);
        }
        indented
    } else {
        Vec::new()
    };
    Ok(Rendered { compact, pretty })
}

/// Writes the top-level object from its rendered entries, compact or pretty (the layout of
/// serde_json's `to_vec` and `to_vec_pretty`).
fn assemble<'a>(
    entries: &'a [(String, Entry)],
    mut write: impl FnMut(&[u8]),
    form: impl Fn(&'a Rendered) -> &'a [u8],
    pretty: bool,
) {
    let (open_entry, colon, open_element, close_array, close_object) = if pretty {
        ("\n  ", ": ", "\n    ", "\n  ]", "\n}")
    } else {
        ("", ":", "", "]", "}")
    };
    write(b"{");
    for (number, (key, entry)) in entries.iter().enumerate() {
        if number > 0 {
            write(b",");
        }
        write(open_entry.as_bytes());
        write(
            serde_json::Value::String(key.clone())
                .to_string()
                .as_bytes(),
        );
        write(colon.as_bytes());
        match entry {
            Entry::Whole(rendered) => write(form(rendered)),
            Entry::Elements(elements) if elements.is_empty() => write(b"[]"),
            Entry::Elements(elements) => {
                write(b"[");
                for (index, element) in elements.iter().enumerate() {
                    if index > 0 {
                        write(b",");
                    }
                    write(open_element.as_bytes());
                    write(form(element));
                }
                write(close_array.as_bytes());
            }
        }
    }
    if entries.is_empty() {
        write(b"}");
    } else {
        write(close_object.as_bytes());
    }
}

/// Writes a model card's `considerations` into the component's JSON `modelCard`.
fn add_considerations(
    component: &mut serde_json::Value,
    considerations: &BTreeMap<String, serde_json::Value>,
) {
    if considerations.is_empty() {
        return;
    }
    let Some(found) = component
        .get("bom-ref")
        .and_then(|reference| reference.as_str())
        .and_then(|reference| considerations.get(reference))
        .cloned()
    else {
        return;
    };
    if let Some(card) = component
        .get_mut("modelCard")
        .and_then(|card| card.as_object_mut())
    {
        card.insert("considerations".to_owned(), found);
    }
}

/// `modelParameters.datasets` entries that are bare strings become `{"ref": …}`.
fn dataset_references_as_objects(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            for (name, item) in object.iter_mut() {
                if name == "datasets" {
                    if let Some(list) = item.as_array_mut() {
                        for entry in list.iter_mut() {
                            if let Some(reference) = entry.as_str().map(str::to_owned) {
                                *entry = serde_json::json!({ "ref": reference });
                            }
                        }
                    }
                } else {
                    dataset_references_as_objects(item);
                }
            }
        }
        serde_json::Value::Array(list) => list.iter_mut().for_each(dataset_references_as_objects),
        _ => {}
    }
}

fn considerations_json(card: &ModelCard) -> Option<serde_json::Value> {
    let considerations = &card.considerations;
    let mut object = serde_json::Map::new();
    if !considerations.intended_uses.is_empty() {
        object.insert(
            "useCases".into(),
            considerations.intended_uses.clone().into(),
        );
    }
    if !considerations.limitations.is_empty() {
        object.insert(
            "technicalLimitations".into(),
            considerations.limitations.clone().into(),
        );
    }
    if !considerations.ethical.is_empty() {
        object.insert(
            "ethicalConsiderations".into(),
            considerations
                .ethical
                .iter()
                .map(|text| serde_json::json!({ "name": text }))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    (!object.is_empty()).then_some(serde_json::Value::Object(object))
}

/// CycloneDX 1.5 `modelCard` from what the card and configs said: task, architecture family
/// and architecture, datasets (references to the document's `data` components), `model-index`
/// results as performance metrics, and the rest as `airlock:model:` properties.
fn model_card(
    context: &EmitContext<'_>,
    card: &ModelCard,
    references: &References,
    encoding: Encoding,
) -> CdxModelCard {
    let graph = context.graph();
    let datasets: Vec<Dataset> = card
        .datasets
        .iter()
        .map(|dataset| {
            let normalized = PackageName::new(Ecosystem::HuggingFaceDataset, dataset)
                .map(|name| name.normalized().to_owned())
                .unwrap_or_default();
            let component = graph.components().find(|component| {
                component.kind == ComponentKind::Data
                    && component.key.ecosystem == Ecosystem::HuggingFaceDataset
                    && component.key.name.normalized() == normalized
            });
            match (component, encoding) {
                // The dataset is a component of this document: refer to it. (cyclonedx-bom
                // writes a reference as a bare string, which `json_value` turns into the
                // `{"ref": …}` the schema wants; its XML reader cannot read references back,
                // so XML names the dataset inline.)
                (Some(component), Encoding::Json) => {
                    Dataset::Reference(references.get(&component.key))
                }
                _ => Dataset::Component(ComponentData {
                    bom_ref: None,
                    data_type: ComponentDataType::Dataset,
                    name: Some(dataset.clone()),
                    contents: None,
                    classification: None,
                    sensitive_data: None,
                    graphics: None,
                    description: None,
                    governance: None,
                }),
            }
        })
        .collect();
    let parameters = ModelParameters {
        approach: None,
        task: card.task.clone(),
        architecture_family: card.architecture_family.clone(),
        model_architecture: card.architectures.first().cloned(),
        datasets: (!datasets.is_empty()).then_some(Datasets(datasets)),
        inputs: None,
        outputs: None,
    };
    let metrics: Vec<PerformanceMetric> = card
        .results
        .iter()
        .map(|result| {
            let slice: Vec<&str> = [
                result.task_type.as_deref(),
                result.dataset_name.as_deref().or(result.dataset.as_deref()),
                result.dataset_config.as_deref(),
                result.dataset_split.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect();
            PerformanceMetric {
                metric_type: Some(
                    result
                        .metric_name
                        .clone()
                        .unwrap_or_else(|| result.metric_type.clone()),
                ),
                value: Some(result.value.clone()),
                slice: (!slice.is_empty()).then(|| slice.join(" / ")),
                confidence_interval: None,
            }
        })
        .collect();
    let mut list = Vec::new();
    let mut add = |name: &str, value: &str| list.push(property(name, value));
    if let Some(library) = &card.library_name {
        add(properties::MODEL_LIBRARY, library);
    }
    for language in &card.languages {
        add(properties::MODEL_LANGUAGE, language);
    }
    for base in &card.base_models {
        add(
            properties::MODEL_BASE_MODEL,
            &format!("{} ({})", base.name, base.relation),
        );
    }
    if let Some(dtype) = &card.dtype {
        add(properties::MODEL_DTYPE, dtype);
    }
    if let Some(creator) = &card.model_creator {
        add(properties::MODEL_CREATOR, creator);
    }
    if let Some(quantizer) = &card.quantized_by {
        add(properties::MODEL_QUANTIZED_BY, quantizer);
    }
    for remote in &card.remote_code {
        add(
            properties::MODEL_REMOTE_CODE,
            &format!("{} -> {}", remote.auto_class, remote.reference),
        );
    }
    for text in &card.considerations.intended_uses {
        add(properties::MODEL_USE_CASE, text);
    }
    for text in &card.considerations.limitations {
        add(properties::MODEL_TECHNICAL_LIMITATION, text);
    }
    for text in &card.considerations.ethical {
        add(properties::MODEL_ETHICAL, text);
    }
    CdxModelCard {
        // cyclonedx-bom 0.8.1 writes a model card's bom-ref as `bomRef`, which the schema
        // rejects; the card needs none.
        bom_ref: None,
        model_parameters: Some(parameters),
        quantitative_analysis: (!metrics.is_empty()).then_some(QuantitativeAnalysis {
            performance_metrics: Some(PerformanceMetrics(metrics)),
            graphics: None,
        }),
        considerations: None,
        properties: (!list.is_empty()).then_some(Properties(list)),
    }
}

fn build(context: &EmitContext<'_>, encoding: Encoding) -> anyhow::Result<Bom> {
    let graph = context.graph();
    let subject = common::subject(context)?;
    let references = References::new(
        graph
            .components()
            .map(|component| &component.key)
            .chain(std::iter::once(&subject.component.key)),
    );
    let findings_by_component = findings_by_component(context);

    // Components and their dependency lists are converted on the rayon pool (order kept): on a
    // 500-package lock this conversion was a tenth of the main thread's time.
    let listed: Vec<&Component> = graph.components().collect();
    let components: Vec<CdxComponent> = listed
        .par_iter()
        .filter(|component| subject.synthetic || component.key != subject.component.key)
        .map(|component| {
            self::component(
                context,
                component,
                &references,
                findings_by_component.get(&component.key),
                encoding,
                false,
            )
        })
        .collect();

    let mut dependencies: Vec<Dependency> = listed
        .par_iter()
        .map(|component| {
            let targets: BTreeSet<String> = graph
                .dependencies(&component.key)
                .into_iter()
                .map(|(target, _)| references.get(target))
                .collect();
            Dependency {
                dependency_ref: references.get(&component.key),
                dependencies: targets.into_iter().collect(),
            }
        })
        .collect();
    if subject.synthetic {
        let targets: BTreeSet<String> = subject
            .dependencies
            .iter()
            .map(|key| references.get(key))
            .collect();
        dependencies.push(Dependency {
            dependency_ref: references.get(&subject.component.key),
            dependencies: targets.into_iter().collect(),
        });
    }
    dependencies.sort_by(|a, b| a.dependency_ref.cmp(&b.dependency_ref));

    let mut tool = CdxComponent::new(
        Classification::Application,
        "airlock",
        env!("CARGO_PKG_VERSION"),
        Some(format!("airlock@{}", env!("CARGO_PKG_VERSION"))),
    );
    tool.external_references = Some(ExternalReferences(vec![ExternalReference::new(
        ExternalReferenceType::Vcs,
        CdxUrl::new(env!("CARGO_PKG_REPOSITORY")),
    )]));
    let timestamp = common::rfc3339(context.timestamp)?
        .try_into()
        .context("SBOM timestamp")?;
    let metadata = Metadata {
        timestamp: Some(timestamp),
        tools: Some(Tools::Object {
            services: None,
            components: Some(Components(vec![tool])),
        }),
        component: Some(self::component(
            context,
            &subject.component,
            &references,
            findings_by_component.get(&subject.component.key),
            encoding,
            subject.synthetic,
        )),
        // What judged the findings (scan and attest): operator and project policy files.
        properties: context.policy.map(|policy| {
            Properties(
                policy
                    .properties()
                    .iter()
                    .map(|(name, value)| property(name, value))
                    .collect(),
            )
        }),
        ..Metadata::default()
    };

    let vulnerabilities = context
        .analysis
        .map(|analysis| vulnerabilities(&analysis.findings, &references));

    Ok(Bom {
        version: 1,
        serial_number: None,
        metadata: Some(metadata),
        components: Some(Components(components)),
        dependencies: Some(Dependencies(dependencies)),
        vulnerabilities: vulnerabilities.map(Vulnerabilities),
        spec_version: SpecVersion::V1_5,
        ..Bom::default()
    })
}

fn findings_by_component<'a>(
    context: &EmitContext<'a>,
) -> BTreeMap<ComponentKey, BTreeSet<&'static str>> {
    let mut map: BTreeMap<ComponentKey, BTreeSet<&'static str>> = BTreeMap::new();
    if let Some(analysis) = context.analysis {
        for finding in &analysis.findings {
            map.entry(finding.component.clone())
                .or_default()
                .insert(finding.rule.as_str());
        }
    }
    map
}

fn classification(kind: ComponentKind) -> Classification {
    match kind {
        ComponentKind::Application => Classification::Application,
        ComponentKind::Library => Classification::Library,
        ComponentKind::MachineLearningModel => Classification::MachineLearningModel,
        ComponentKind::Data => Classification::Data,
        ComponentKind::File => Classification::File,
        // CycloneDX 1.5 has no component type for these: an MCP server is a program the agent
        // runs or calls, a tool declaration is data handed to the model; `airlock:kind` keeps
        // the exact kind.
        ComponentKind::McpServer => Classification::Application,
        ComponentKind::AgentTool => Classification::Data,
    }
}

/// CycloneDX has three scopes: build-only and dev-only components are not part of what runs,
/// so both are `excluded`; `airlock:scope` keeps which one it was.
fn scope(scope: Scope) -> CdxScope {
    match scope {
        Scope::Required => CdxScope::Required,
        Scope::Optional => CdxScope::Optional,
        Scope::Build | Scope::Dev => CdxScope::Excluded,
    }
}

fn hash_algorithm(algorithm: HashAlgorithm) -> CdxAlgorithm {
    match algorithm {
        HashAlgorithm::Sha256 => CdxAlgorithm::SHA_256,
        HashAlgorithm::Sha384 => CdxAlgorithm::SHA_384,
        HashAlgorithm::Sha512 => CdxAlgorithm::SHA_512,
        HashAlgorithm::Sha1 => CdxAlgorithm::SHA1,
        HashAlgorithm::Md5 => CdxAlgorithm::MD5,
        HashAlgorithm::Blake2b256 => CdxAlgorithm::BLAKE2b_256,
    }
}

/// CycloneDX takes either a list of licenses (ids or names) or one expression. One valid
/// expression stays an expression; several valid ones are joined with AND; a mix with
/// unrecognized names becomes a list (compound expressions then appear as names).
pub fn licenses(found: &BTreeSet<String>) -> Option<Licenses> {
    if found.is_empty() {
        return None;
    }
    let forms: Vec<LicenseForm> = found
        .iter()
        .map(|text| common::classify_license(text))
        .collect();
    let has_expression = forms
        .iter()
        .any(|form| matches!(form, LicenseForm::Expression(_)));
    let all_valid = !forms
        .iter()
        .any(|form| matches!(form, LicenseForm::Named(_)));
    if has_expression && all_valid {
        let parts: Vec<String> = forms
            .iter()
            .map(|form| match form {
                LicenseForm::Identifier(text) | LicenseForm::Named(text) => text.clone(),
                LicenseForm::Expression(text) if forms.len() > 1 => format!("({text})"),
                LicenseForm::Expression(text) => text.clone(),
            })
            .collect();
        return Some(Licenses(vec![LicenseChoice::expression(
            &parts.join(" AND "),
        )]));
    }
    let mut choices: Vec<LicenseChoice> = forms
        .into_iter()
        .map(|form| match form {
            LicenseForm::Identifier(id) => LicenseChoice::License(License::license_id(&id)),
            LicenseForm::Expression(text) | LicenseForm::Named(text) => {
                LicenseChoice::License(License::named_license(&text))
            }
        })
        .collect();
    choices.dedup();
    Some(Licenses(choices))
}

fn property(name: &str, value: &str) -> Property {
    Property::new(name, value)
}

fn source_properties(source: &Source, into: &mut Vec<Property>) {
    into.push(property(properties::SOURCE_KIND, source.kind()));
    match source {
        Source::Registry { index: None } => {}
        Source::Registry { index: Some(url) } | Source::Url { url } => {
            into.push(property(properties::SOURCE_URL, url));
        }
        Source::Git {
            url,
            reference,
            commit,
        } => {
            into.push(property(properties::SOURCE_URL, url));
            if let Some(reference) = reference {
                let text = match reference {
                    GitReference::Branch(branch) => format!("branch={branch}"),
                    GitReference::Tag(tag) => format!("tag={tag}"),
                    GitReference::Rev(rev) => format!("rev={rev}"),
                };
                into.push(property(properties::GIT_REFERENCE, &text));
            }
            if let Some(commit) = commit {
                into.push(property(properties::GIT_COMMIT, commit));
            }
        }
        Source::Path { path } | Source::File { path } => {
            into.push(property(properties::SOURCE_PATH, path));
        }
    }
}

/// `airlock:edge` properties for the pairs whose edges are not exactly one plain required edge.
fn edge_properties(
    context: &EmitContext<'_>,
    key: &ComponentKey,
    references: &References,
) -> Vec<Property> {
    let graph = context.graph();
    let mut by_target: BTreeMap<&ComponentKey, Vec<EdgeProperty>> = BTreeMap::new();
    let mut plain: BTreeMap<&ComponentKey, bool> = BTreeMap::new();
    for edge in graph.edges_from(key) {
        let is_plain = edge.kind == EdgeKind::Normal && edge.details.is_none();
        plain
            .entry(edge.to)
            .and_modify(|all| *all = false)
            .or_insert(is_plain);
        let details = edge.details.cloned().unwrap_or_default();
        by_target.entry(edge.to).or_default().push(EdgeProperty {
            extras: details.extras,
            kind: edge.kind,
            marker: details.marker,
            relation: details.relation,
            to: references.get(edge.to),
        });
    }
    by_target
        .into_iter()
        .filter(|(target, _)| !plain.get(target).copied().unwrap_or(true))
        .flat_map(|(_, values)| values)
        .map(|edge| property(properties::EDGE, &edge.to_json()))
        .collect()
}

fn component(
    context: &EmitContext<'_>,
    component: &Component,
    references: &References,
    findings: Option<&BTreeSet<&'static str>>,
    encoding: Encoding,
    synthetic: bool,
) -> CdxComponent {
    let key = &component.key;
    let mut output = CdxComponent::new(
        classification(component.kind),
        key.name.original(),
        "",
        Some(references.get(key)),
    );
    output.version = key.version.as_deref().map(NormalizedString::new);
    let purl = component
        .facts
        .original_purl
        .clone()
        .unwrap_or_else(|| key.purl().to_string());
    output.purl = purl.parse::<CdxPurl>().ok();
    output.scope = component.scope.map(scope);
    output.supplier = common::supplier(key).map(|owner| OrganizationalEntity::new(&owner));
    if !component.hashes.is_empty() {
        output.hashes = Some(Hashes(
            component
                .hashes
                .iter()
                .map(|hash| CdxHash {
                    alg: hash_algorithm(hash.algorithm()),
                    content: HashValue(hash.value().to_owned()),
                })
                .collect(),
        ));
    }
    output.licenses = licenses(&component.licenses);
    if component.kind == ComponentKind::MachineLearningModel {
        if let Some(card) = &component.facts.model_card {
            output.model_card = Some(model_card(context, card, references, encoding));
        }
    }
    if let Some(weights) = &component.facts.weights {
        output.description = Some(NormalizedString::new(&format!(
            "{} weights",
            weights.format.as_str()
        )));
    }

    let mut external = Vec::new();
    match &key.source {
        Source::Git { url, .. } => external.push(ExternalReference::new(
            ExternalReferenceType::Vcs,
            CdxUrl::new(url),
        )),
        Source::Url { url } => external.push(ExternalReference::new(
            ExternalReferenceType::Distribution,
            CdxUrl::new(url),
        )),
        Source::Registry { .. } | Source::Path { .. } | Source::File { .. } => {
            if let Some(location) = common::download_location(key) {
                external.push(ExternalReference::new(
                    ExternalReferenceType::Distribution,
                    CdxUrl::new(&location),
                ));
            }
        }
    }
    if !external.is_empty() {
        output.external_references = Some(ExternalReferences(external));
    }

    let locations: BTreeSet<String> = component
        .evidence
        .iter()
        .map(|evidence| evidence.location.to_string())
        .collect();
    if !locations.is_empty() {
        output.evidence = Some(ComponentEvidence {
            licenses: None,
            copyright: None,
            occurrences: Some(Occurrences(
                locations
                    .iter()
                    .map(|location| Occurrence::new(location))
                    .collect(),
            )),
            callstack: None,
            identity: None,
        });
    }

    let mut list = vec![property(properties::ECOSYSTEM, key.ecosystem.as_str())];
    if matches!(
        component.kind,
        ComponentKind::McpServer | ComponentKind::AgentTool
    ) {
        list.push(property(properties::KIND, component.kind.as_str()));
    }
    source_properties(&key.source, &mut list);
    if let Some(scope) = component.scope {
        list.push(property(properties::SCOPE, scope.as_str()));
    }
    for flag in &component.flags {
        list.push(property(properties::FLAG, flag.as_str()));
    }
    let extractors: BTreeSet<&str> = component
        .evidence
        .iter()
        .map(|evidence| evidence.extractor)
        .collect();
    for extractor in extractors {
        list.push(property(properties::EXTRACTOR, extractor));
    }
    list.extend(edge_properties(context, key, references));
    for rule in findings.into_iter().flatten() {
        list.push(property(properties::FINDING, rule));
    }
    if synthetic {
        list.push(property(
            properties::SYNTHETIC,
            properties::SYNTHETIC_PROJECT,
        ));
    }
    for (name, value) in properties::to_properties(&component.facts) {
        list.push(property(&name, &value));
    }
    list.sort_by_cached_key(|property| (property.name.clone(), property.value.to_string()));
    list.dedup();
    output.properties = Some(Properties(list));
    output
}

fn severity(severity: Severity) -> CdxSeverity {
    match severity {
        Severity::Critical => CdxSeverity::Critical,
        Severity::High => CdxSeverity::High,
        Severity::Medium => CdxSeverity::Medium,
        Severity::Low => CdxSeverity::Low,
        Severity::Info => CdxSeverity::Info,
        Severity::Unknown => CdxSeverity::Unknown,
    }
}

fn source_for(id: &str, database: Option<&str>) -> VulnerabilitySource {
    let name = database.map_or_else(
        || common::advisory_source_name(id).to_owned(),
        str::to_owned,
    );
    VulnerabilitySource::new(
        Some(name),
        common::advisory_url(id).map(|url| CdxUrl::new(&url)),
    )
}

/// One vulnerability per advisory, affecting every component it was found on.
fn vulnerabilities(findings: &[Finding], references: &References) -> Vec<Vulnerability> {
    let mut by_advisory: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in findings {
        if let Some(advisory) = &finding.advisory {
            by_advisory.entry(&advisory.id).or_default().push(finding);
        }
    }
    let mut output = Vec::new();
    for (id, findings) in by_advisory {
        let Some(advisory) = findings
            .first()
            .and_then(|finding| finding.advisory.as_ref())
        else {
            continue;
        };
        let mut vulnerability = Vulnerability::new(None);
        vulnerability.id = Some(NormalizedString::new(id));
        vulnerability.vulnerability_source = Some(source_for(id, advisory.database.as_deref()));
        let aliases: BTreeSet<&str> = advisory
            .aliases
            .iter()
            .map(String::as_str)
            .filter(|alias| *alias != id)
            .collect();
        if !aliases.is_empty() {
            vulnerability.vulnerability_references = Some(VulnerabilityReferences(
                aliases
                    .into_iter()
                    .map(|alias| VulnerabilityReference::new(alias, source_for(alias, None)))
                    .collect(),
            ));
        }
        let mut ratings: Vec<VulnerabilityRating> = advisory
            .ratings
            .iter()
            .map(|rating| {
                let mut output = VulnerabilityRating::new(
                    Score::from_f32(rating.score() as f32),
                    Some(severity(rating.severity)),
                    Some(ScoreMethod::new_unchecked(&rating.method)),
                );
                output.vector = Some(NormalizedString::new(&rating.vector));
                output
            })
            .collect();
        if ratings.is_empty() {
            // No CVSS vector: the database's own label, or `unknown` when the record rates
            // nothing (never a guessed level); a malicious package is critical, as its finding.
            let level = match advisory.kind {
                AdvisoryKind::Malicious => Severity::Critical,
                _ => advisory.severity.unwrap_or(Severity::Unknown),
            };
            ratings.push(VulnerabilityRating::new(None, Some(severity(level)), None));
        }
        vulnerability.vulnerability_ratings = Some(VulnerabilityRatings(ratings));
        vulnerability.description = advisory.summary.clone();
        let fixes: BTreeSet<String> = findings
            .iter()
            .filter_map(|finding| {
                let fixed = finding.advisory.as_ref()?.fixed_version.as_ref()?;
                Some(format!("upgrade {} to {fixed}", finding.component.name))
            })
            .collect();
        if !fixes.is_empty() {
            vulnerability.recommendation = Some(fixes.into_iter().collect::<Vec<_>>().join("; "));
        }
        let urls: BTreeSet<&str> = advisory.references.iter().map(String::as_str).collect();
        if !urls.is_empty() {
            vulnerability.advisories = Some(Advisories(
                urls.into_iter()
                    .map(|url| Advisory::new(CdxUrl::new(url)))
                    .collect(),
            ));
        }
        let targets: BTreeSet<String> = findings
            .iter()
            .map(|finding| references.get(&finding.component))
            .collect();
        vulnerability.vulnerability_targets = Some(VulnerabilityTargets(
            targets.into_iter().map(VulnerabilityTarget::new).collect(),
        ));
        if findings
            .iter()
            .all(|finding| finding.rule == RuleId::VulnerabilityUndetermined)
        {
            // The advisory names the package but its version could not be compared.
            vulnerability.vulnerability_analysis = Some(VulnerabilityAnalysis {
                state: Some(ImpactAnalysisState::InTriage),
                justification: None,
                responses: None,
                detail: findings.first().map(|finding| finding.message.clone()),
                first_issued: None,
                last_updated: None,
            });
        }
        let mut list: Vec<Property> = findings
            .iter()
            .map(|finding| property(properties::RULE, finding.rule.as_str()))
            .collect();
        list.sort_by_cached_key(|property| property.value.to_string());
        list.dedup();
        vulnerability.properties = Some(Properties(list));
        output.push(vulnerability);
    }
    output
}
