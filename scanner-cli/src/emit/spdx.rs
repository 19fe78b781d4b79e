//! SPDX 2.3 documents (<https://spdx.github.io/spdx-spec/v2.3/>), JSON through `spdx-rs` and
//! tag-value written here from the same model (spdx-rs reads tag-value but does not write it).
//! Packages get SPDX ids derived from their keys; the document DESCRIBES its root; every edge is
//! a DEPENDS_ON (dev, build and optional ones also their typed *_DEPENDENCY_OF); licenses that are not valid SPDX expressions become `LicenseRef-` entries with
//! their text kept as extracted licensing info. `scan` findings, which SPDX 2.3 has no field
//! for, become REVIEW annotations of the package they are about (rule, severity, message,
//! where found), and the policy that judged them is the creation info's comment.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::Context;
use spdx_rs::models::{
    Algorithm, Annotation, AnnotationType, Checksum, CreationInfo, DocumentCreationInformation,
    ExternalPackageReference, ExternalPackageReferenceCategory, OtherLicensingInformationDetected,
    PackageInformation, PrimaryPackagePurpose, Relationship, RelationshipType, SpdxExpression,
    SPDX,
};

use scanner_core::facts::properties;
use scanner_core::{Component, ComponentKey, ComponentKind, EdgeKind, HashAlgorithm};

use super::common::{self, EmitContext, LicenseForm, References};

const NOASSERTION: &str = "NOASSERTION";
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

/// The SPDX 2.3 JSON document, ending with a newline.
pub fn json(context: &EmitContext<'_>) -> anyhow::Result<Vec<u8>> {
    let document = build(context)?;
    let mut value = serde_json::to_value(&document).context("cannot write SPDX JSON")?;
    // In JSON an annotation is nested in the element it is about, and the schema allows no
    // element reference in it (spdx-rs writes one, `null` or not, for tag-value's SPDXREF).
    if let Some(packages) = value
        .get_mut("packages")
        .and_then(|value| value.as_array_mut())
    {
        for package in packages {
            if let Some(annotations) = package
                .get_mut("annotations")
                .and_then(|value| value.as_array_mut())
            {
                for annotation in annotations {
                    if let Some(object) = annotation.as_object_mut() {
                        object.remove("spdxIdentifierReference");
                    }
                }
            }
        }
    }
    let mut bytes = serde_json::to_vec_pretty(&value).context("cannot write SPDX JSON")?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The SPDX 2.3 tag-value document.
pub fn tag_value(context: &EmitContext<'_>) -> anyhow::Result<Vec<u8>> {
    let document = build(context)?;
    Ok(write_tag_value(&document).into_bytes())
}

/// `SPDXRef-Package-<name>-<12 hex of the reference>`: SPDX ids allow only letters, digits,
/// `.` and `-`, so the name is folded to those and the hash keeps ids unique.
pub fn spdx_id(name: &str, reference: &str) -> String {
    let sanitized: String = common::spdx_safe(name).take(64).collect();
    format!(
        "SPDXRef-Package-{sanitized}-{}",
        common::short_hash(reference, 12)
    )
}

fn checksum_algorithm(algorithm: HashAlgorithm) -> Algorithm {
    match algorithm {
        HashAlgorithm::Sha256 => Algorithm::SHA256,
        HashAlgorithm::Sha384 => Algorithm::SHA384,
        HashAlgorithm::Sha512 => Algorithm::SHA512,
        HashAlgorithm::Sha1 => Algorithm::SHA1,
        HashAlgorithm::Md5 => Algorithm::MD5,
        HashAlgorithm::Blake2b256 => Algorithm::BLAKE2B256,
    }
}

/// SPDX 2.3 has no purpose for models or datasets: they are `OTHER`, and the package comment
/// (`airlock: kind=…; ecosystem=…`) says what they are.
fn purpose(kind: ComponentKind) -> PrimaryPackagePurpose {
    match kind {
        ComponentKind::Application | ComponentKind::McpServer => PrimaryPackagePurpose::Application,
        ComponentKind::Library => PrimaryPackagePurpose::Library,
        ComponentKind::File => PrimaryPackagePurpose::File,
        ComponentKind::MachineLearningModel
        | ComponentKind::Data
        | ComponentKind::AgentTool
        | ComponentKind::AgentHook
        | ComponentKind::AgentSettings
        | ComponentKind::AgentInstructions => PrimaryPackagePurpose::Other,
    }
}

/// Collects `LicenseRef-` entries for license texts that are not SPDX expressions.
#[derive(Default)]
struct ExtractedLicenses {
    by_id: BTreeMap<String, String>,
}

impl ExtractedLicenses {
    fn reference(&mut self, text: &str) -> String {
        let sanitized: String = common::spdx_safe(text).take(40).collect();
        let id = format!("LicenseRef-{sanitized}-{}", common::short_hash(text, 8));
        self.by_id.insert(id.clone(), text.to_owned());
        id
    }

    /// The declared license of a component: every license found, ANDed.
    fn declared(&mut self, found: &BTreeSet<String>) -> Option<SpdxExpression> {
        if found.is_empty() {
            return None;
        }
        let parts: Vec<String> = found
            .iter()
            .map(|text| match common::classify_license(text) {
                LicenseForm::Identifier(id) => id,
                LicenseForm::Expression(expression) if found.len() > 1 => {
                    format!("({expression})")
                }
                LicenseForm::Expression(expression) => expression,
                LicenseForm::Named(name) => self.reference(&name),
            })
            .collect();
        SpdxExpression::parse(&parts.join(" AND ")).ok()
    }
}

fn noassertion() -> Option<SpdxExpression> {
    SpdxExpression::parse(NOASSERTION).ok()
}

/// One package; `synthetic` for the project airlock made up as the document's subject.
fn package(
    context: &EmitContext<'_>,
    component: &Component,
    synthetic: bool,
    references: &References,
    licenses: &mut ExtractedLicenses,
) -> PackageInformation {
    let key = &component.key;
    let reference = references.get(key);
    let purl = component.stated_purl();
    let comment = Some(common::spdx_notes(context, component, synthetic));
    PackageInformation {
        package_name: key.name.original().to_owned(),
        package_spdx_identifier: spdx_id(key.name.original(), &reference),
        package_version: key.version.clone(),
        package_supplier: Some(common::supplier(key).map_or_else(
            || NOASSERTION.to_owned(),
            |owner| format!("Organization: {owner}"),
        )),
        // SPDX 2.3 has one originator: the first author a manifest names (model-card names
        // are not known to be persons or organizations, so they stay out).
        package_originator: component
            .facts
            .authors
            .first()
            .map(|author| format!("Person: {}", author.spdx_person())),
        package_download_location: common::download_location(key)
            .unwrap_or_else(|| NOASSERTION.to_owned()),
        files_analyzed: Some(false),
        package_checksum: component
            .hashes
            .iter()
            .map(|hash| Checksum::new(checksum_algorithm(hash.algorithm()), &hash.value()))
            .collect(),
        concluded_license: noassertion(),
        declared_license: licenses.declared(&component.licenses).or_else(noassertion),
        copyright_text: Some(NOASSERTION.to_owned()),
        package_comment: comment,
        external_reference: vec![ExternalPackageReference::new(
            ExternalPackageReferenceCategory::PackageManager,
            "purl".to_owned(),
            purl,
            None,
        )],
        primary_package_purpose: Some(purpose(component.kind)),
        ..PackageInformation::default()
    }
}

fn build(context: &EmitContext<'_>) -> anyhow::Result<SPDX> {
    let graph = context.graph();
    let subject = common::subject(context)?;
    let references = subject.references(graph);
    let id_of = |key: &ComponentKey| spdx_id(key.name.original(), &references.get(key));
    let mut licenses = ExtractedLicenses::default();

    let mut packages: Vec<PackageInformation> = graph
        .components()
        .map(|component| package(context, component, false, &references, &mut licenses))
        .collect();
    if subject.synthetic {
        packages.push(package(
            context,
            &subject.component,
            true,
            &references,
            &mut licenses,
        ));
    }
    let created: chrono::DateTime<chrono::Utc> =
        chrono::DateTime::from_timestamp(context.timestamp, 0)
            .with_context(|| format!("timestamp {} is out of range", context.timestamp))?;
    if let Some(analysis) = context.analysis {
        let subject_id = id_of(&subject.component.key);
        for finding in &analysis.findings {
            let about = if graph.get(&finding.component).is_some() {
                id_of(&finding.component)
            } else {
                subject_id.clone()
            };
            let Some(package) = packages
                .iter_mut()
                .find(|package| package.package_spdx_identifier == about)
            else {
                continue;
            };
            package
                .annotations
                .push(finding_annotation(finding, &about, created));
        }
    }
    packages.sort_by(|a, b| a.package_spdx_identifier.cmp(&b.package_spdx_identifier));

    let mut relationships = vec![Relationship::new(
        DOCUMENT_ID,
        &id_of(&subject.component.key),
        RelationshipType::Describes,
        None,
    )];
    let mut dependency_relationships = Vec::new();
    for edge in graph.edges() {
        let (from, to) = (id_of(edge.from), id_of(edge.to));
        // Every edge is a DEPENDS_ON, the relationship NTIA checkers follow from the root; a
        // dev, build or optional edge also has its typed *_DEPENDENCY_OF, and its DEPENDS_ON
        // says `airlock: kind=…` so that the reader counts the edge once, with its kind.
        let (typed, comment) = match edge.kind {
            EdgeKind::Normal => (None, None),
            EdgeKind::Dev => (Some(RelationshipType::DevDependencyOf), Some("dev")),
            EdgeKind::Build => (Some(RelationshipType::BuildDependencyOf), Some("build")),
            EdgeKind::Optional => (
                Some(RelationshipType::OptionalDependencyOf),
                Some("optional"),
            ),
        };
        dependency_relationships.push(Relationship::new(
            &from,
            &to,
            RelationshipType::DependsOn,
            comment.map(|kind| format!("{}kind={kind}", properties::SPDX_COMMENT_PREFIX)),
        ));
        if let Some(typed) = typed {
            dependency_relationships.push(Relationship::new(&to, &from, typed, None));
        }
    }
    for root in &subject.dependencies {
        dependency_relationships.push(Relationship::new(
            &id_of(&subject.component.key),
            &id_of(root),
            RelationshipType::DependsOn,
            None,
        ));
    }
    dependency_relationships.sort_by(|a, b| {
        (
            &a.spdx_element_id,
            &a.related_spdx_element,
            a.relationship_type.as_ref(),
            &a.comment,
        )
            .cmp(&(
                &b.spdx_element_id,
                &b.related_spdx_element,
                b.relationship_type.as_ref(),
                &b.comment,
            ))
    });
    dependency_relationships.dedup();
    relationships.extend(dependency_relationships);

    let mut document = SPDX {
        document_creation_information: DocumentCreationInformation {
            spdx_version: "SPDX-2.3".to_owned(),
            data_license: "CC0-1.0".to_owned(),
            spdx_identifier: DOCUMENT_ID.to_owned(),
            document_name: context.project_name.clone(),
            spdx_document_namespace: String::new(),
            external_document_references: Vec::new(),
            creation_info: CreationInfo {
                license_list_version: None,
                creators: vec![format!("Tool: airlock-{}", env!("CARGO_PKG_VERSION"))],
                created,
                creator_comment: context.policy.map(common::PolicyFacts::comment),
            },
            document_comment: None,
            document_describes: Vec::new(),
        },
        package_information: packages,
        other_licensing_information_detected: licenses
            .by_id
            .into_iter()
            .map(|(id, text)| OtherLicensingInformationDetected {
                license_identifier: id,
                extracted_text: text.clone(),
                license_name: text,
                license_cross_reference: Vec::new(),
                license_comment: None,
            })
            .collect(),
        file_information: Vec::new(),
        snippet_information: Vec::new(),
        relationships,
        annotations: Vec::new(),
        spdx_ref_counter: 0,
    };
    // The namespace must be unique per document: derive it from the content without it.
    let content = serde_json::to_vec(&document).context("cannot write SPDX JSON")?;
    let name: String = common::spdx_safe(&context.project_name).collect();
    document
        .document_creation_information
        .spdx_document_namespace = format!(
        // Unique per document, as SPDX asks; it names no host airlock would have to serve.
        "https://spdx.org/spdxdocs/{name}-{}",
        common::uuid_from_content(&content)
    );
    Ok(document)
}

/// A finding as a REVIEW annotation by airlock of the package `about` names.
fn finding_annotation(
    finding: &scanner_core::risk::Finding,
    about: &str,
    created: chrono::DateTime<chrono::Utc>,
) -> Annotation {
    let mut comment = format!(
        "airlock finding {} ({}): {}",
        finding.rule.as_str(),
        finding.severity.as_str(),
        finding.message
    );
    if let Some(advisory) = &finding.advisory {
        comment.push_str(&format!(" [advisory {}]", advisory.id));
    }
    if !finding.evidence.is_empty() {
        let places: Vec<String> = finding.evidence.iter().map(ToString::to_string).collect();
        comment.push_str(&format!(" [found at {}]", places.join(", ")));
    }
    Annotation::new(
        format!("Tool: airlock-{}", env!("CARGO_PKG_VERSION")),
        created,
        AnnotationType::Review,
        Some(about.to_owned()),
        comment,
    )
}

/// A tag-value line; values that span lines go inside `<text>…</text>` (SPDX 2.3 §5.2).
fn line(output: &mut String, tag: &str, value: &str) {
    if value.contains('\n') || value.contains('\r') {
        let cleaned = value.replace("</text>", "");
        let _ = writeln!(output, "{tag}: <text>{cleaned}</text>");
    } else {
        let _ = writeln!(output, "{tag}: {value}");
    }
}

fn checksum_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::SHA1 => "SHA1",
        Algorithm::SHA224 => "SHA224",
        Algorithm::SHA256 => "SHA256",
        Algorithm::SHA384 => "SHA384",
        Algorithm::SHA512 => "SHA512",
        Algorithm::MD2 => "MD2",
        Algorithm::MD4 => "MD4",
        Algorithm::MD5 => "MD5",
        Algorithm::MD6 => "MD6",
        Algorithm::SHA3256 => "SHA3-256",
        Algorithm::SHA3384 => "SHA3-384",
        Algorithm::SHA3512 => "SHA3-512",
        Algorithm::BLAKE2B256 => "BLAKE2b-256",
        Algorithm::BLAKE2B384 => "BLAKE2b-384",
        Algorithm::BLAKE2B512 => "BLAKE2b-512",
        Algorithm::BLAKE3 => "BLAKE3",
        Algorithm::ADLER32 => "ADLER32",
    }
}

fn purpose_name(purpose: PrimaryPackagePurpose) -> &'static str {
    match purpose {
        PrimaryPackagePurpose::Application => "APPLICATION",
        PrimaryPackagePurpose::Framework => "FRAMEWORK",
        PrimaryPackagePurpose::Library => "LIBRARY",
        PrimaryPackagePurpose::Container => "CONTAINER",
        PrimaryPackagePurpose::OperatingSystem => "OPERATING-SYSTEM",
        PrimaryPackagePurpose::Device => "DEVICE",
        PrimaryPackagePurpose::Firmware => "FIRMWARE",
        PrimaryPackagePurpose::Source => "SOURCE",
        PrimaryPackagePurpose::Archive => "ARCHIVE",
        PrimaryPackagePurpose::File => "FILE",
        PrimaryPackagePurpose::Install => "INSTALL",
        PrimaryPackagePurpose::Other => "OTHER",
    }
}

fn category_name(category: &ExternalPackageReferenceCategory) -> &'static str {
    match category {
        ExternalPackageReferenceCategory::Security => "SECURITY",
        ExternalPackageReferenceCategory::PackageManager => "PACKAGE-MANAGER",
        ExternalPackageReferenceCategory::PersistentID => "PERSISTENT-ID",
        ExternalPackageReferenceCategory::Other => "OTHER",
    }
}

/// The relationship type as written in both serializations (`DEPENDS_ON`).
fn relationship_name(relationship: &RelationshipType) -> String {
    serde_json::to_value(relationship)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| "OTHER".to_owned())
}

/// Writes the document in the tag-value format of SPDX 2.3 (clause 5 and annex).
fn write_tag_value(document: &SPDX) -> String {
    let info = &document.document_creation_information;
    let mut output = String::new();
    line(&mut output, "SPDXVersion", &info.spdx_version);
    line(&mut output, "DataLicense", &info.data_license);
    line(&mut output, "SPDXID", &info.spdx_identifier);
    line(&mut output, "DocumentName", &info.document_name);
    line(
        &mut output,
        "DocumentNamespace",
        &info.spdx_document_namespace,
    );
    for creator in &info.creation_info.creators {
        line(&mut output, "Creator", creator);
    }
    line(
        &mut output,
        "Created",
        &info
            .creation_info
            .created
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    );
    if let Some(comment) = &info.creation_info.creator_comment {
        // Free text by nature: always wrapped.
        let text = comment.replace("</text>", "");
        let _ = writeln!(output, "CreatorComment: <text>{text}</text>");
    }
    for package in &document.package_information {
        output.push('\n');
        let _ = writeln!(output, "##### Package: {}", package.package_name);
        output.push('\n');
        line(&mut output, "PackageName", &package.package_name);
        line(&mut output, "SPDXID", &package.package_spdx_identifier);
        if let Some(version) = &package.package_version {
            line(&mut output, "PackageVersion", version);
        }
        if let Some(supplier) = &package.package_supplier {
            line(&mut output, "PackageSupplier", supplier);
        }
        if let Some(originator) = &package.package_originator {
            line(&mut output, "PackageOriginator", originator);
        }
        line(
            &mut output,
            "PackageDownloadLocation",
            &package.package_download_location,
        );
        if let Some(analyzed) = package.files_analyzed {
            line(&mut output, "FilesAnalyzed", &analyzed.to_string());
        }
        for checksum in &package.package_checksum {
            line(
                &mut output,
                "PackageChecksum",
                &format!("{}: {}", checksum_name(checksum.algorithm), checksum.value),
            );
        }
        if let Some(purpose) = package.primary_package_purpose {
            line(&mut output, "PrimaryPackagePurpose", purpose_name(purpose));
        }
        if let Some(concluded) = &package.concluded_license {
            line(
                &mut output,
                "PackageLicenseConcluded",
                &concluded.to_string(),
            );
        }
        if let Some(declared) = &package.declared_license {
            line(&mut output, "PackageLicenseDeclared", &declared.to_string());
        }
        if let Some(copyright) = &package.copyright_text {
            line(&mut output, "PackageCopyrightText", copyright);
        }
        if let Some(comment) = &package.package_comment {
            line(&mut output, "PackageComment", comment);
        }
        for reference in &package.external_reference {
            line(
                &mut output,
                "ExternalRef",
                &format!(
                    "{} {} {}",
                    category_name(&reference.reference_category),
                    reference.reference_type,
                    reference.reference_locator
                ),
            );
        }
    }
    let annotations: Vec<&Annotation> = document
        .package_information
        .iter()
        .flat_map(|package| &package.annotations)
        .collect();
    for annotation in annotations {
        output.push('\n');
        line(&mut output, "Annotator", &annotation.annotator);
        line(
            &mut output,
            "AnnotationDate",
            &annotation
                .annotation_date
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        );
        let kind = match annotation.annotation_type {
            AnnotationType::Review => "REVIEW",
            AnnotationType::Other => "OTHER",
        };
        line(&mut output, "AnnotationType", kind);
        if let Some(about) = &annotation.spdx_identifier_reference {
            line(&mut output, "SPDXREF", about);
        }
        let text = annotation.annotation_comment.replace("</text>", "");
        let _ = writeln!(output, "AnnotationComment: <text>{text}</text>");
    }
    if !document.relationships.is_empty() {
        output.push('\n');
        for relationship in &document.relationships {
            line(
                &mut output,
                "Relationship",
                &format!(
                    "{} {} {}",
                    relationship.spdx_element_id,
                    relationship_name(&relationship.relationship_type),
                    relationship.related_spdx_element
                ),
            );
            if let Some(comment) = &relationship.comment {
                line(&mut output, "RelationshipComment", comment);
            }
        }
    }
    for license in &document.other_licensing_information_detected {
        output.push('\n');
        line(&mut output, "LicenseID", &license.license_identifier);
        // Extracted texts are always wrapped: they are free text by nature.
        let text = license.extracted_text.replace("</text>", "");
        let _ = writeln!(output, "ExtractedText: <text>{text}</text>");
        line(&mut output, "LicenseName", &license.license_name);
    }
    output
}
