//! RustSec advisories in their native form: markdown whose first block is a ```` ```toml ````
//! fence holding the front matter (`[advisory]`, `[affected]`, `[versions]`), as described in
//! https://github.com/rustsec/advisory-db/blob/main/CONTRIBUTING.md. The title (the first `#`
//! heading) becomes the summary and the rest the details, as in RustSec's own OSV export.
//!
//! The markdown carries no `modified` time, so its `date` stands in; RustSec's OSV export of the
//! same advisory (same id, generated from this markdown) always wins over it, whatever the
//! times, and the markdown copy of a record already stored from OSV is "unchanged". Its `patched`/`unaffected` version requirements are
//! kept verbatim under `affected[].database_specific.versions` (they are Cargo requirements, not
//! OSV events), so range evaluation can read them without a schema change.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use scanner_core::risk::AdvisoryKind;
use scanner_core::{Ecosystem, PackageName};

use crate::model::{Advisory, Affected, AffectedEcosystem, RecordFormat, Reference, SeverityScore};
use crate::osv::RecordError;
use crate::time::Timestamp;

#[derive(Deserialize)]
struct WireFrontMatter {
    advisory: WireAdvisory,
    affected: Option<WireAffected>,
    versions: Option<WireVersions>,
}

#[derive(Deserialize)]
struct WireAdvisory {
    id: String,
    package: String,
    date: String,
    url: Option<String>,
    references: Option<Vec<String>>,
    categories: Option<Vec<String>>,
    keywords: Option<Vec<String>>,
    aliases: Option<Vec<String>>,
    related: Option<Vec<String>>,
    cvss: Option<String>,
    informational: Option<String>,
    withdrawn: Option<String>,
    license: Option<String>,
}

#[derive(Deserialize)]
struct WireAffected {
    functions: Option<BTreeMap<String, Vec<String>>>,
    os: Option<Vec<String>>,
    arch: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct WireVersions {
    patched: Option<Vec<String>>,
    unaffected: Option<Vec<String>>,
}

/// True when `text` looks like a RustSec advisory (starts with a TOML fence).
pub fn looks_like_advisory(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').starts_with("```toml")
}

/// Reads one RustSec markdown advisory.
pub fn from_markdown(text: &str) -> Result<Advisory, RecordError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.split_inclusive('\n');
    let fence = lines.next().unwrap_or_default();
    if fence.trim_end() != "```toml" {
        return Err(RecordError::at(
            1,
            1,
            "expected a ```toml front matter fence",
        ));
    }
    let mut front_matter = String::new();
    let mut closed = false;
    for line in lines.by_ref() {
        if line.trim_end() == "```" {
            closed = true;
            break;
        }
        front_matter.push_str(line);
    }
    if !closed {
        return Err(RecordError::new("the ```toml front matter is never closed"));
    }
    let body: String = lines.collect();
    let wire: WireFrontMatter = toml::from_str(&front_matter).map_err(|error| {
        let message = error.message().to_owned();
        match error.span() {
            Some(span) => {
                let (line, column) = line_column(&front_matter, span.start);
                // +1: the fence line comes before the TOML.
                RecordError::at(line + 1, column, message)
            }
            None => RecordError::new(message),
        }
    })?;
    convert(wire, &body)
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

fn convert(wire: WireFrontMatter, body: &str) -> Result<Advisory, RecordError> {
    let advisory = wire.advisory;
    let id = advisory.id.trim().to_owned();
    if id.is_empty() || id.len() > 256 || id.chars().any(char::is_control) {
        return Err(RecordError::new(format!(
            "invalid advisory id `{}`",
            advisory.id
        )));
    }
    let date = Timestamp::parse(&advisory.date).ok_or_else(|| {
        RecordError::new(format!("{id}: `date` is not a date: `{}`", advisory.date))
    })?;
    let withdrawn = match advisory.withdrawn.as_deref() {
        None => None,
        Some(text) => Some(Timestamp::parse(text).ok_or_else(|| {
            RecordError::new(format!("{id}: `withdrawn` is not a date: `{text}`"))
        })?),
    };
    let name = PackageName::new(Ecosystem::CratesIo, &advisory.package)
        .map_err(|error| RecordError::new(format!("{id}: {error}")))?;
    let (summary, details) = title_and_body(body);

    let affected_section = wire.affected;
    let functions: Vec<String> = affected_section
        .as_ref()
        .and_then(|section| section.functions.as_ref())
        .map(|functions| functions.keys().cloned().collect())
        .unwrap_or_default();
    let mut affects = Map::new();
    affects.insert(
        "arch".into(),
        json!(affected_section
            .as_ref()
            .and_then(|section| section.arch.clone())
            .unwrap_or_default()),
    );
    affects.insert(
        "os".into(),
        json!(affected_section
            .as_ref()
            .and_then(|section| section.os.clone())
            .unwrap_or_default()),
    );
    affects.insert("functions".into(), json!(functions));
    let function_requirements = affected_section
        .and_then(|section| section.functions)
        .unwrap_or_default();
    let versions = wire.versions;
    let mut database_specific = Map::new();
    database_specific.insert(
        "categories".into(),
        json!(advisory.categories.unwrap_or_default()),
    );
    database_specific.insert("cvss".into(), json!(advisory.cvss));
    database_specific.insert("informational".into(), json!(advisory.informational));
    database_specific.insert(
        "versions".into(),
        json!({
            "patched": versions.as_ref().and_then(|v| v.patched.clone()).unwrap_or_default(),
            "unaffected": versions.as_ref().and_then(|v| v.unaffected.clone()).unwrap_or_default(),
        }),
    );
    if !function_requirements.is_empty() {
        database_specific.insert("function_requirements".into(), json!(function_requirements));
    }

    let mut references = vec![Reference {
        kind: "PACKAGE".to_owned(),
        url: format!("https://crates.io/crates/{}", advisory.package.trim()),
    }];
    references.push(Reference {
        kind: "ADVISORY".to_owned(),
        url: format!("https://rustsec.org/advisories/{id}.html"),
    });
    if let Some(url) = advisory.url {
        references.push(Reference {
            kind: "REPORT".to_owned(),
            url,
        });
    }
    references.extend(
        advisory
            .references
            .unwrap_or_default()
            .into_iter()
            .map(|url| Reference {
                kind: "WEB".to_owned(),
                url,
            }),
    );

    let informational = advisory.informational.map(|label| label.trim().to_owned());
    let kind = if informational.is_some() {
        AdvisoryKind::Informational
    } else {
        AdvisoryKind::Vulnerability
    };
    let mut record_specific = Map::new();
    record_specific.insert("source".into(), json!("rustsec-markdown"));
    if let Some(keywords) = advisory.keywords {
        record_specific.insert("keywords".into(), json!(keywords));
    }
    if let Some(license) = advisory.license {
        record_specific.insert("license".into(), json!(license));
    }
    // The requirements as one OSV SEMVER range, so markdown alone matches like the OSV export.
    let range = crate::rustsec_ranges::affected_range(
        &versions
            .as_ref()
            .and_then(|v| v.patched.clone())
            .unwrap_or_default(),
        &versions
            .as_ref()
            .and_then(|v| v.unaffected.clone())
            .unwrap_or_default(),
    )
    .map_err(RecordError::new)?;
    Ok(Advisory {
        modified: date,
        published: Some(date),
        withdrawn,
        aliases: advisory.aliases.unwrap_or_default(),
        related: advisory.related.unwrap_or_default(),
        // RustSec's front matter has no upstream list.
        upstream: Vec::new(),
        summary,
        details,
        severity: advisory
            .cvss
            .into_iter()
            .map(|vector| SeverityScore {
                kind: if vector.starts_with("CVSS:4") {
                    "CVSS_V4".to_owned()
                } else {
                    "CVSS_V3".to_owned()
                },
                score: vector,
            })
            .collect(),
        references,
        affected: vec![Affected {
            ecosystem: AffectedEcosystem::Known(Ecosystem::CratesIo),
            osv_ecosystem: "crates.io".to_owned(),
            normalized_name: name.normalized().to_owned(),
            name: name.original().to_owned(),
            purl: Some(format!("pkg:cargo/{}", name.original())),
            ranges: vec![range],
            versions: Vec::new(),
            functions: {
                let mut sorted = functions;
                sorted.sort();
                sorted
            },
            ecosystem_specific: Some(json!({ "affects": Value::Object(affects) })),
            database_specific: Some(Value::Object(database_specific)),
        }],
        kind,
        informational,
        database_specific: Some(Value::Object(record_specific)),
        format: RecordFormat::RustSecMarkdown,
        id,
    })
}

/// `# Title\n\nBody` → (title, body).
fn title_and_body(body: &str) -> (Option<String>, Option<String>) {
    let trimmed = body.trim_start();
    let Some(rest) = trimmed.strip_prefix("# ") else {
        let details = trimmed.trim_end();
        return (None, (!details.is_empty()).then(|| details.to_owned()));
    };
    let (title, details) = rest.split_once('\n').unwrap_or((rest, ""));
    let title = title.trim();
    let details = details.trim();
    (
        (!title.is_empty()).then(|| title.to_owned()),
        (!details.is_empty()).then(|| details.to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADVISORY: &str = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"demo\"\ndate = \"2099-01-02\"\ninformational = \"unmaintained\"\n\n[affected.functions]\n\"demo::run\" = [\"< 1.2\"]\n\n[versions]\npatched = [\">= 1.2\"]\nunaffected = [\"< 0.1\"]\n```\n\n# demo is unmaintained\n\nUse something else.\n";

    #[test]
    fn front_matter_and_title_become_the_record() {
        let advisory = from_markdown(ADVISORY).unwrap();
        assert_eq!(advisory.id, "RUSTSEC-2099-0001");
        assert_eq!(advisory.kind, AdvisoryKind::Informational);
        assert_eq!(advisory.informational.as_deref(), Some("unmaintained"));
        assert_eq!(advisory.summary.as_deref(), Some("demo is unmaintained"));
        assert_eq!(advisory.details.as_deref(), Some("Use something else."));
        let affected = &advisory.affected[0];
        assert_eq!(affected.functions, ["demo::run"]);
        let versions = &affected.database_specific.as_ref().unwrap()["versions"];
        assert_eq!(versions["patched"][0], ">= 1.2");
        assert_eq!(advisory.modified.to_string(), "2099-01-02T00:00:00Z");
    }

    #[test]
    fn toml_errors_point_at_the_file_line() {
        let broken = "```toml\n[advisory]\nid = \"X\"\npackage = oops\n```\n";
        let error = from_markdown(broken).unwrap_err();
        assert_eq!(error.line, Some(4), "{error:?}");
        let unclosed = "```toml\n[advisory]\n";
        assert!(from_markdown(unclosed)
            .unwrap_err()
            .message
            .contains("never closed"));
    }
}
