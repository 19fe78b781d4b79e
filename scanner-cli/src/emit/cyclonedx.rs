//! CycloneDX 1.5, 1.6 (the default) and 1.7, JSON and XML, written in one pass from the typed
//! components into airlock's own model (`scanner_core::sbom::cyclonedx`): the scanned project as
//! the metadata component, every component with a bom-ref derived from its key, the complete
//! dependency graph (a leaf with an empty `dependsOn`), `compositions` saying which dependency
//! lists are complete and which are unknown, model cards, and, from `scan`, a `vulnerabilities`
//! section. airlock-specific data goes into `airlock:` properties (see
//! `scanner_core::facts::properties`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context;
use rayon::prelude::*;

use scanner_core::facts::properties::{self, EdgeProperty};
use scanner_core::facts::Author;
use scanner_core::model::ModelCard;
use scanner_core::risk::{AdvisoryKind, Finding, RuleId, Severity};
use scanner_core::sbom::cyclonedx::{
    self as model, Advisory, Affect, Analysis, Bom, Component as CdxComponent, Composition,
    Considerations, Contact, DatasetContents, DatasetEntry, Dependency, EthicalConsideration,
    Evidence, ExternalReference, HashEntry, License, LicenseChoice, Lifecycle, Metadata,
    ModelCard as CdxModelCard, ModelParameters, Occurrence, OrganizationalEntity,
    PerformanceMetric, Property, QuantitativeAnalysis, Rating, SpecVersion, Text, Tools,
    Vulnerability, VulnerabilityReference, VulnerabilitySource,
};
use scanner_core::{
    Component, ComponentKey, ComponentKind, Ecosystem, Edge, EdgeKind, GitReference, HashAlgorithm,
    PackageName, Scope, Source,
};

use super::common::{self, Completeness, EmitContext, LicenseForm, References};
use super::Rendered;

/// Which serialization of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Xml,
}

/// The CycloneDX document in `version`, ending with a newline.
pub fn document(
    context: &EmitContext<'_>,
    encoding: Encoding,
    version: SpecVersion,
) -> anyhow::Result<Vec<u8>> {
    match encoding {
        Encoding::Json => Ok(json_pieces(context, version)?.into_bytes()),
        // The XML document carries the serial of the JSON one: the same scan, the same number.
        Encoding::Xml => {
            let mut bom = build(context, version)?;
            let (_, serial) = model::to_json_with_serial(&bom, derive_serial)
                .context("cannot write CycloneDX JSON")?;
            bom.serial_number = Some(serial);
            Ok(model::to_xml(&bom, version))
        }
    }
}

/// The JSON document, in the pieces it was serialized in (see `Rendered`).
pub fn json_pieces(context: &EmitContext<'_>, version: SpecVersion) -> anyhow::Result<Rendered> {
    let bom = build(context, version)?;
    let (pieces, _) = model::to_json_pieces_with_serial(&bom, derive_serial)
        .context("cannot write CycloneDX JSON")?;
    // The model (tens of thousands of allocations on a large lock) is freed on the pool while
    // the caller writes the document.
    rayon::spawn(move || drop(bom));
    Ok(Rendered::from_pieces(pieces))
}

/// The serial number, derived from the document itself (the JSON document without a serial),
/// so the same scan gives the same serial and any change gives another. The JSON writer hands
/// over those bytes as it writes them: one serialization, nothing re-read.
fn derive_serial(digest: &[u8]) -> String {
    format!("urn:uuid:{}", common::uuid_from_digest(digest))
}

/// The CycloneDX `modelCard` from what the card and configs said: task, architecture family
/// and architecture, datasets (inline, with their hub address), `model-index` results as
/// performance metrics, considerations, and the rest as `airlock:model:` properties.
fn model_card(card: &ModelCard) -> CdxModelCard {
    let datasets: Vec<DatasetEntry> = card
        .datasets
        .iter()
        .map(|dataset| {
            let hub = PackageName::new(Ecosystem::HuggingFaceDataset, dataset)
                .ok()
                .map(|name| format!("https://huggingface.co/datasets/{}", name.original()));
            DatasetEntry {
                kind: "dataset",
                name: dataset.clone(),
                contents: hub.map(|url| DatasetContents { url }),
                description: None,
            }
        })
        .collect();
    let parameters = ModelParameters {
        task: card.task.clone(),
        architecture_family: card.architecture_family.clone(),
        model_architecture: card.architectures.first().cloned(),
        datasets,
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
                kind: result
                    .metric_name
                    .clone()
                    .unwrap_or_else(|| result.metric_type.clone()),
                value: result.value.clone(),
                slice: (!slice.is_empty()).then(|| slice.join(" / ")),
            }
        })
        .collect();
    let mut list = Vec::new();
    let mut add =
        |name: &'static str, value: &str| list.push(Property::new(name, value.to_owned()));
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
    let considerations = &card.considerations;
    let considerations = (!considerations.is_empty()).then(|| Considerations {
        use_cases: considerations.intended_uses.clone(),
        technical_limitations: considerations.limitations.clone(),
        ethical_considerations: considerations
            .ethical
            .iter()
            .map(|text| EthicalConsideration { name: text.clone() })
            .collect(),
    });
    CdxModelCard {
        model_parameters: Some(parameters),
        quantitative_analysis: (!metrics.is_empty()).then_some(QuantitativeAnalysis {
            performance_metrics: metrics,
        }),
        considerations,
        properties: list,
    }
}

fn build(context: &EmitContext<'_>, version: SpecVersion) -> anyhow::Result<Bom> {
    let graph = context.graph();
    let subject = common::subject(context)?;
    let references = subject.references(graph);
    let findings_by_component = findings_by_component(context);

    // Components and their dependency lists are converted on the rayon pool (order kept): on a
    // 500-package lock this conversion was a tenth of the main thread's time.
    // Each component with its graph position, by which its references and its edges' are
    // found without comparing keys.
    let listed: Vec<(usize, &Component)> = graph.components().enumerate().collect();
    let components: Vec<CdxComponent> = listed
        .par_iter()
        .filter(|(_, component)| subject.synthetic || component.key != subject.component.key)
        .map(|&(position, component)| {
            self::component(
                context,
                Some(position),
                component,
                &references,
                findings_by_component.get(&component.key),
                version,
                false,
            )
        })
        .collect();

    let mut dependencies: Vec<Dependency> = listed
        .par_iter()
        .map(|&(position, component)| {
            let mut targets: Vec<Cow<'_, str>> = graph
                .edges_from_position(position)
                .map(|(target, edge)| references.at(Some(target), edge.to))
                .collect();
            targets.sort_unstable();
            targets.dedup();
            Dependency {
                reference: references.at(Some(position), &component.key).into_owned(),
                depends_on: targets.into_iter().map(Cow::into_owned).collect(),
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
            reference: references.get(&subject.component.key),
            depends_on: targets.into_iter().collect(),
        });
    }
    dependencies.sort_by(|a, b| a.reference.cmp(&b.reference));

    // What is known of each dependency list: complete where the input lists every dependency,
    // unknown elsewhere (manifests, requirements files, model folders), incomplete when some
    // input could not be read.
    let mut by_completeness: BTreeMap<Completeness, Vec<String>> = BTreeMap::new();
    for &(position, component) in &listed {
        by_completeness
            .entry(common::completeness(context, component))
            .or_default()
            .push(references.at(Some(position), &component.key).into_owned());
    }
    if subject.synthetic {
        // The made-up project depends on every root: that list is complete by construction,
        // unless an input could not be read.
        let completeness = if context.report.has_errors() {
            Completeness::Incomplete
        } else {
            Completeness::Complete
        };
        by_completeness
            .entry(completeness)
            .or_default()
            .push(references.get(&subject.component.key));
    }
    let compositions: Vec<Composition> = by_completeness
        .into_iter()
        .map(|(completeness, mut references)| {
            references.sort();
            Composition {
                aggregate: completeness.cyclonedx().to_owned(),
                dependencies: references,
            }
        })
        .collect();

    let mut tool = CdxComponent {
        kind: "application".into(),
        bom_ref: Some(format!("airlock@{}", env!("CARGO_PKG_VERSION"))),
        name: "airlock".to_owned(),
        version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        ..CdxComponent::default()
    };
    tool.external_references = vec![ExternalReference {
        kind: "vcs".to_owned(),
        url: env!("CARGO_PKG_REPOSITORY").to_owned(),
        hashes: Vec::new(),
    }];
    let metadata = Metadata {
        timestamp: Some(common::rfc3339(context.timestamp)?),
        // airlock reads lockfiles, manifests, model folders and configs as they are on disk,
        // before anything is built from them.
        lifecycles: vec![Lifecycle {
            phase: "pre-build".to_owned(),
        }],
        tools: Some(Tools {
            components: vec![tool],
        }),
        component: Some(Box::new(self::component(
            context,
            graph.position(&subject.component.key),
            &subject.component,
            &references,
            findings_by_component.get(&subject.component.key),
            version,
            subject.synthetic,
        ))),
        supplier: None,
        // What judged the findings (scan and attest): operator and project policy files.
        properties: context
            .policy
            .map(|policy| {
                policy
                    .properties()
                    .iter()
                    .map(|(name, value)| Property::new(name.to_string(), value.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    };

    let vulnerabilities = context
        .analysis
        .map(|analysis| vulnerabilities(&analysis.findings, &references));

    Ok(Bom {
        bom_format: "CycloneDX".to_owned(),
        spec_version: version.as_str().to_owned(),
        serial_number: None,
        version: 1,
        metadata: Some(metadata),
        components,
        dependencies,
        compositions,
        vulnerabilities,
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

fn classification(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Application => "application",
        ComponentKind::Library => "library",
        ComponentKind::MachineLearningModel => "machine-learning-model",
        ComponentKind::Data => "data",
        ComponentKind::File => "file",
        // CycloneDX has no component type for these: an MCP server is a program the agent
        // runs or calls, a tool declaration is data handed to the model; `airlock:kind` keeps
        // the exact kind.
        ComponentKind::McpServer => "application",
        ComponentKind::AgentTool => "data",
        // A hook is a command the client runs; settings and instructions are data it reads.
        ComponentKind::AgentHook => "application",
        ComponentKind::AgentSettings | ComponentKind::AgentInstructions => "data",
    }
}

/// CycloneDX has three scopes: build-only and dev-only components are not part of what runs,
/// so both are `excluded`; `airlock:scope` keeps which one it was.
fn scope(scope: Scope) -> &'static str {
    match scope {
        Scope::Required => "required",
        Scope::Optional => "optional",
        Scope::Build | Scope::Dev => "excluded",
    }
}

pub fn hash_algorithm(algorithm: HashAlgorithm) -> &'static str {
    match algorithm {
        HashAlgorithm::Sha256 => "SHA-256",
        HashAlgorithm::Sha384 => "SHA-384",
        HashAlgorithm::Sha512 => "SHA-512",
        HashAlgorithm::Sha1 => "SHA-1",
        HashAlgorithm::Md5 => "MD5",
        HashAlgorithm::Blake2b256 => "BLAKE2b-256",
    }
}

/// CycloneDX takes either a list of licenses (ids or names) or one expression. One valid
/// expression stays an expression; several valid ones are joined with AND; a mix with
/// unrecognized names becomes a list (compound expressions then appear as names).
pub fn licenses(found: &BTreeSet<String>) -> Vec<LicenseChoice> {
    if found.is_empty() {
        return Vec::new();
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
        return vec![LicenseChoice::Expression {
            expression: parts.join(" AND "),
        }];
    }
    let mut choices: Vec<LicenseChoice> = forms
        .into_iter()
        .map(|form| match form {
            LicenseForm::Identifier(id) => LicenseChoice::License {
                license: License {
                    id: Some(id),
                    name: None,
                },
            },
            LicenseForm::Expression(text) | LicenseForm::Named(text) => LicenseChoice::License {
                license: License {
                    id: None,
                    name: Some(text),
                },
            },
        })
        .collect();
    choices.dedup();
    choices
}

/// A property: a fixed value (`&'static str`) is written without a copy.
fn property(name: &'static str, value: impl Into<Text>) -> Property {
    Property::new(name, value)
}

fn source_properties(source: &Source, into: &mut Vec<Property>) {
    into.push(property(properties::SOURCE_KIND, source.kind()));
    match source {
        Source::Registry { index: None } => {}
        Source::Registry { index: Some(url) } | Source::Url { url } => {
            into.push(property(properties::SOURCE_URL, url.clone()));
        }
        Source::Git {
            url,
            reference,
            commit,
        } => {
            into.push(property(properties::SOURCE_URL, url.clone()));
            if let Some(reference) = reference {
                let text = match reference {
                    GitReference::Branch(branch) => format!("branch={branch}"),
                    GitReference::Tag(tag) => format!("tag={tag}"),
                    GitReference::Rev(rev) => format!("rev={rev}"),
                };
                into.push(property(properties::GIT_REFERENCE, text));
            }
            if let Some(commit) = commit {
                into.push(property(properties::GIT_COMMIT, commit.clone()));
            }
        }
        Source::Path { path } | Source::File { path } => {
            into.push(property(properties::SOURCE_PATH, path.clone()));
        }
    }
}

/// `airlock:edge` properties for the pairs whose edges are not exactly one plain required edge.
fn edge_properties(
    context: &EmitContext<'_>,
    position: Option<usize>,
    key: &ComponentKey,
    references: &References,
) -> Vec<Property> {
    let graph = context.graph();
    // The edges in the order of their targets (then kinds), each with its target's position.
    let edges: Vec<(Option<usize>, Edge<'_>)> = match position {
        Some(position) => graph
            .edges_from_position(position)
            .map(|(target, edge)| (Some(target), edge))
            .collect(),
        None => graph.edges_from(key).map(|edge| (None, edge)).collect(),
    };
    let mut list = Vec::new();
    for run in edges.chunk_by(|(_, a), (_, b)| a.to == b.to) {
        // One plain required edge to a target needs no property; any other edge, or more than
        // one edge to the same target, is spelled out.
        if let [(_, only)] = run {
            if only.kind == EdgeKind::Normal && only.details.is_none() {
                continue;
            }
        }
        for (target, edge) in run {
            let details = edge.details.cloned().unwrap_or_default();
            let value = EdgeProperty {
                extras: details.extras,
                kind: edge.kind,
                marker: details.marker,
                relation: details.relation,
                to: references.at(*target, edge.to).into_owned(),
            };
            list.push(property(properties::EDGE, value.to_json()));
        }
    }
    list
}

/// Who supplies the component and who made it, from the data that says so: Hugging Face
/// owners supply their repositories; a model card names its creator and its quantizer.
fn supplier_and_authors(component: &Component) -> (Option<OrganizationalEntity>, Vec<Author>) {
    let supplier = common::supplier(&component.key).map(|owner| OrganizationalEntity {
        name: Some(owner),
        url: Vec::new(),
    });
    (supplier, common::authors(component))
}

fn component(
    context: &EmitContext<'_>,
    position: Option<usize>,
    component: &Component,
    references: &References,
    findings: Option<&BTreeSet<&'static str>>,
    version: SpecVersion,
    synthetic: bool,
) -> CdxComponent {
    let key = &component.key;
    let (supplier, authors) = supplier_and_authors(component);
    let (authors, author) = if version >= SpecVersion::V1_6 {
        (
            authors
                .into_iter()
                .map(|author| Contact {
                    name: author.name,
                    email: author.email,
                })
                .collect(),
            None,
        )
    } else {
        let contacts: Vec<String> = authors.iter().map(Author::contact).collect();
        (
            Vec::new(),
            (!contacts.is_empty()).then(|| contacts.join(", ")),
        )
    };
    // `stated_purl`, with the derived purl the references formatted already.
    let purl = component
        .facts
        .original_purl
        .clone()
        .unwrap_or_else(|| references.purl_at(position, key));
    let mut external = Vec::new();
    let reference = |kind: &str, url: &str| ExternalReference {
        kind: kind.to_owned(),
        url: url.to_owned(),
        hashes: Vec::new(),
    };
    match &key.source {
        Source::Git { url, .. } => external.push(reference("vcs", url)),
        Source::Url { url } => external.push(reference("distribution", url)),
        Source::Registry { .. } | Source::Path { .. } | Source::File { .. } => {
            if let Some(location) = common::download_location(key) {
                external.push(reference("distribution", &location));
            }
        }
    }

    let locations: BTreeSet<String> = component
        .evidence
        .iter()
        .map(|evidence| evidence.location.to_string())
        .collect();
    let evidence = (!locations.is_empty()).then(|| Evidence {
        occurrences: locations
            .into_iter()
            .map(|location| Occurrence { location })
            .collect(),
    });

    let mut list = vec![property(properties::ECOSYSTEM, key.ecosystem.as_str())];
    if matches!(
        component.kind,
        ComponentKind::McpServer
            | ComponentKind::AgentTool
            | ComponentKind::AgentHook
            | ComponentKind::AgentSettings
            | ComponentKind::AgentInstructions
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
    list.extend(edge_properties(context, position, key, references));
    for rule in findings.into_iter().flatten() {
        list.push(property(properties::FINDING, *rule));
    }
    if synthetic {
        list.push(property(
            properties::SYNTHETIC,
            properties::SYNTHETIC_PROJECT,
        ));
    }
    for (name, value) in properties::to_properties(&component.facts) {
        list.push(Property {
            name: name.into(),
            value: value.into(),
        });
    }
    let unknowns = context.unknowns(component);
    if !unknowns.is_empty() {
        list.push(property(properties::UNKNOWN, unknowns.join(",")));
    }
    list.sort();
    list.dedup();

    CdxComponent {
        kind: classification(component.kind).into(),
        bom_ref: Some(references.at(position, key).into_owned()),
        supplier,
        authors,
        author,
        group: None,
        name: key.name.original().to_owned(),
        version: key.version.clone(),
        description: component
            .facts
            .weights
            .as_ref()
            .map(|weights| format!("{} weights", weights.format.as_str())),
        scope: component.scope.map(|found| scope(found).into()),
        hashes: component
            .hashes
            .iter()
            .map(|hash| HashEntry {
                alg: hash_algorithm(hash.algorithm()).into(),
                content: hash.value(),
            })
            .collect(),
        licenses: licenses(&component.licenses),
        purl: Some(purl),
        external_references: external,
        properties: list,
        components: Vec::new(),
        evidence,
        model_card: (component.kind == ComponentKind::MachineLearningModel)
            .then(|| component.facts.model_card.as_deref().map(model_card))
            .flatten(),
    }
}

fn source_for(id: &str, database: Option<&str>) -> VulnerabilitySource {
    VulnerabilitySource {
        name: database.map_or_else(
            || common::advisory_source_name(id).to_owned(),
            str::to_owned,
        ),
        url: common::advisory_url(id),
    }
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
        let aliases: BTreeSet<&str> = advisory
            .aliases
            .iter()
            .map(String::as_str)
            .filter(|alias| *alias != id)
            .collect();
        let mut ratings: Vec<Rating> = advisory
            .ratings
            .iter()
            .map(|rating| Rating {
                score: Some(u16::from(rating.score_tenths)),
                severity: rating.severity.as_str(),
                method: Some(rating.method.clone()),
                vector: Some(rating.vector.clone()),
            })
            .collect();
        if ratings.is_empty() {
            // No CVSS vector: the database's own label, or `unknown` when the record rates
            // nothing (never a guessed level); a malicious package is critical, as its finding.
            let level = match advisory.kind {
                AdvisoryKind::Malicious => Severity::Critical,
                _ => advisory.severity.unwrap_or(Severity::Unknown),
            };
            ratings.push(Rating {
                severity: level.as_str(),
                ..Rating::default()
            });
        }
        let fixes: BTreeSet<String> = findings
            .iter()
            .filter_map(|finding| {
                let fixed = finding.advisory.as_ref()?.fixed_version.as_ref()?;
                Some(format!("upgrade {} to {fixed}", finding.component.name))
            })
            .collect();
        let urls: BTreeSet<&str> = advisory.references.iter().map(String::as_str).collect();
        let targets: BTreeSet<String> = findings
            .iter()
            .map(|finding| references.get(&finding.component))
            .collect();
        // The advisory names the package but its version could not be compared.
        let analysis = findings
            .iter()
            .all(|finding| finding.rule == RuleId::VulnerabilityUndetermined)
            .then(|| Analysis {
                state: "in_triage",
                justification: None,
                responses: Vec::new(),
                detail: findings.first().map(|finding| finding.message.clone()),
            });
        let mut list: Vec<Property> = findings
            .iter()
            .map(|finding| property(properties::RULE, finding.rule.as_str()))
            .collect();
        list.sort();
        list.dedup();
        output.push(Vulnerability {
            bom_ref: None,
            id: id.to_owned(),
            source: Some(source_for(id, advisory.database.as_deref())),
            references: aliases
                .into_iter()
                .map(|alias| VulnerabilityReference {
                    id: alias.to_owned(),
                    source: source_for(alias, None),
                })
                .collect(),
            ratings,
            description: advisory.summary.clone(),
            recommendation: (!fixes.is_empty())
                .then(|| fixes.into_iter().collect::<Vec<_>>().join("; ")),
            advisories: urls
                .into_iter()
                .map(|url| Advisory {
                    url: url.to_owned(),
                })
                .collect(),
            analysis,
            affects: targets
                .into_iter()
                .map(|reference| Affect { reference })
                .collect(),
            properties: list,
        });
    }
    output
}
