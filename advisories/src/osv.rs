//! OSV records (https://ossf.github.io/osv-schema/, schema 1.0 to 1.7) read from JSON or YAML
//! into private wire structs, then converted into [`Advisory`]. Unknown fields, range types and
//! ecosystems are tolerated (kept or skipped), because OSV grows; a record without an id or a
//! `modified` time, or with an unreadable event, is rejected with a reason.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use scanner_core::risk::AdvisoryKind;
use scanner_core::PackageName;

use crate::model::{
    Advisory, Affected, AffectedEcosystem, Event, Range, RecordFormat, Reference, SeverityScore,
};
use crate::time::Timestamp;

/// Bounds on one record, far above real data (the longest PyPA `versions` list has a few
/// hundred entries), so a hostile file cannot make the store grow without limit.
const MAX_AFFECTED: usize = 10_000;
const MAX_VERSIONS: usize = 100_000;
const MAX_RANGES: usize = 1_000;
const MAX_EVENTS: usize = 10_000;

/// Why one record could not be read; `line`/`column` point into the file when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// 1-based line in the file, when the parser knows it.
    pub line: Option<usize>,
    /// 1-based column on that line, when the parser knows it.
    pub column: Option<usize>,
    /// What is wrong; never the offending value in full (records are untrusted input).
    pub message: String,
}

impl RecordError {
    /// A problem with no position (a missing field, a value out of bounds).
    pub fn new(message: impl Into<String>) -> RecordError {
        RecordError {
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// A problem at `line`:`column` of the file, so the import error can point at it.
    pub fn at(line: usize, column: usize, message: impl Into<String>) -> RecordError {
        RecordError {
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }
}

#[derive(Deserialize)]
struct WireRecord {
    id: String,
    modified: String,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    related: Option<Vec<String>>,
    upstream: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<WireSeverity>>,
    affected: Option<Vec<WireAffected>>,
    references: Option<Vec<WireReference>>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct WireSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct WireReference {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: String,
}

#[derive(Deserialize)]
struct WireAffected {
    package: Option<WirePackage>,
    ranges: Option<Vec<WireRange>>,
    versions: Option<Vec<String>>,
    ecosystem_specific: Option<Value>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct WirePackage {
    ecosystem: String,
    name: String,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct WireRange {
    #[serde(rename = "type")]
    kind: String,
    repo: Option<String>,
    events: Vec<BTreeMap<String, String>>,
    database_specific: Option<Value>,
}

/// Reads one OSV JSON record; returns it with the parsed JSON (kept verbatim by the store).
pub fn from_json(text: &str) -> Result<(Advisory, Value), RecordError> {
    let value: Value = serde_json::from_str(text).map_err(json_error)?;
    let wire =
        WireRecord::deserialize(&value).map_err(|error| RecordError::new(error.to_string()))?;
    let advisory = convert(wire, RecordFormat::OsvJson)?;
    Ok((advisory, value))
}

/// Reads one OSV YAML record (PyPA's layout), under serde-saphyr's default budgets (anchors,
/// aliases, depth), so a hostile file cannot expand without bound.
pub fn from_yaml(text: &str) -> Result<Advisory, RecordError> {
    let options = serde_saphyr::options! { with_snippet: false };
    let wire: WireRecord = serde_saphyr::from_str_with_options(text, options).map_err(|error| {
        match error.location() {
            Some(location) => RecordError::at(
                usize::try_from(location.line()).unwrap_or(0),
                usize::try_from(location.column()).unwrap_or(0),
                first_line(&error.to_string()),
            ),
            None => RecordError::new(first_line(&error.to_string())),
        }
    })?;
    convert(wire, RecordFormat::OsvYaml)
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).to_owned()
}

fn json_error(error: serde_json::Error) -> RecordError {
    // serde_json's message ends with " at line L column C"; keep the position separately.
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(cut) => message.get(..cut).unwrap_or(&message).to_owned(),
        None => message,
    };
    RecordError::at(error.line(), error.column(), message)
}

fn timestamp(field: &str, text: &str) -> Result<Timestamp, RecordError> {
    Timestamp::parse(text)
        .ok_or_else(|| RecordError::new(format!("`{field}` is not an RFC 3339 time: `{text}`")))
}

fn optional_timestamp(field: &str, text: Option<&str>) -> Result<Option<Timestamp>, RecordError> {
    match text {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => timestamp(field, text).map(Some),
    }
}

fn convert(wire: WireRecord, format: RecordFormat) -> Result<Advisory, RecordError> {
    let id = wire.id.trim().to_owned();
    if id.is_empty() || id.len() > 256 || id.chars().any(char::is_control) {
        return Err(RecordError::new(format!(
            "invalid advisory id `{}`",
            wire.id
        )));
    }
    let wire_affected = wire.affected.unwrap_or_default();
    if wire_affected.len() > MAX_AFFECTED {
        return Err(RecordError::new(format!(
            "{id}: more than {MAX_AFFECTED} affected packages"
        )));
    }
    let mut affected = Vec::with_capacity(wire_affected.len());
    let mut informational = None;
    for entry in wire_affected {
        let converted = convert_affected(&id, entry)?;
        if informational.is_none() {
            informational = converted
                .database_specific
                .as_ref()
                .and_then(|specific| specific.get("informational"))
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        affected.push(converted);
    }
    let database_specific = wire.database_specific.filter(|value| !value.is_null());
    let kind = if is_malicious(&id, database_specific.as_ref()) {
        AdvisoryKind::Malicious
    } else if informational.is_some() {
        AdvisoryKind::Informational
    } else {
        AdvisoryKind::Vulnerability
    };
    Ok(Advisory {
        modified: timestamp("modified", &wire.modified)?,
        published: optional_timestamp("published", wire.published.as_deref())?,
        withdrawn: optional_timestamp("withdrawn", wire.withdrawn.as_deref())?,
        aliases: wire.aliases.unwrap_or_default(),
        related: wire.related.unwrap_or_default(),
        upstream: wire.upstream.unwrap_or_default(),
        summary: wire.summary.filter(|text| !text.trim().is_empty()),
        details: wire.details.filter(|text| !text.trim().is_empty()),
        severity: wire
            .severity
            .unwrap_or_default()
            .into_iter()
            .map(|severity| SeverityScore {
                kind: severity.kind,
                score: severity.score,
            })
            .collect(),
        references: wire
            .references
            .unwrap_or_default()
            .into_iter()
            .map(|reference| Reference {
                kind: reference.kind.unwrap_or_else(|| "WEB".to_owned()),
                url: reference.url,
            })
            .collect(),
        affected,
        kind,
        informational,
        database_specific,
        format,
        id,
    })
}

/// OSV's malicious-packages ids start with `MAL-`; the ossf layout also marks each report with
/// `database_specific["malicious-packages-origins"]`.
fn is_malicious(id: &str, database_specific: Option<&Value>) -> bool {
    id.starts_with("MAL-")
        || database_specific
            .and_then(|specific| specific.get("malicious-packages-origins"))
            .is_some()
}

fn convert_affected(id: &str, entry: WireAffected) -> Result<Affected, RecordError> {
    let package = entry
        .package
        .ok_or_else(|| RecordError::new(format!("{id}: an affected entry has no package")))?;
    let ecosystem = AffectedEcosystem::from_osv(package.ecosystem.trim());
    let normalized_name = match &ecosystem {
        AffectedEcosystem::Known(known) => PackageName::new(*known, &package.name)
            .map_err(|error| RecordError::new(format!("{id}: {error}")))?
            .normalized()
            .to_owned(),
        AffectedEcosystem::Other(_) => package.name.trim().to_owned(),
    };
    let wire_ranges = entry.ranges.unwrap_or_default();
    if wire_ranges.len() > MAX_RANGES {
        return Err(RecordError::new(format!(
            "{id}: more than {MAX_RANGES} ranges for {}",
            package.name
        )));
    }
    let mut ranges = Vec::with_capacity(wire_ranges.len());
    for range in wire_ranges {
        if range.events.len() > MAX_EVENTS {
            return Err(RecordError::new(format!(
                "{id}: more than {MAX_EVENTS} events in one range"
            )));
        }
        let mut events = Vec::with_capacity(range.events.len());
        for event in range.events {
            let mut entries = event.into_iter();
            let (Some((key, version)), None) = (entries.next(), entries.next()) else {
                return Err(RecordError::new(format!(
                    "{id}: a range event must have exactly one of introduced, fixed, \
                     last_affected, limit"
                )));
            };
            let event = Event::from_key(&key, version)
                .ok_or_else(|| RecordError::new(format!("{id}: unknown range event `{key}`")))?;
            events.push(event);
        }
        ranges.push(Range {
            kind: range.kind,
            repo: range.repo,
            events,
            database_specific: range.database_specific.filter(|value| !value.is_null()),
        });
    }
    let versions = entry.versions.unwrap_or_default();
    if versions.len() > MAX_VERSIONS {
        return Err(RecordError::new(format!(
            "{id}: more than {MAX_VERSIONS} listed versions"
        )));
    }
    let ecosystem_specific = entry.ecosystem_specific.filter(|value| !value.is_null());
    Ok(Affected {
        functions: affected_functions(ecosystem_specific.as_ref()),
        ecosystem,
        osv_ecosystem: package.ecosystem,
        normalized_name,
        name: package.name,
        purl: package.purl,
        ranges,
        versions,
        ecosystem_specific,
        database_specific: entry.database_specific.filter(|value| !value.is_null()),
    })
}

/// RustSec writes `affects.functions`; GHSA writes `affected_functions`.
fn affected_functions(ecosystem_specific: Option<&Value>) -> Vec<String> {
    let Some(specific) = ecosystem_specific else {
        return Vec::new();
    };
    let lists = [
        specific
            .get("affects")
            .and_then(|affects| affects.get("functions")),
        specific.get("affected_functions"),
    ];
    let mut functions: Vec<String> = lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    functions.sort();
    functions.dedup();
    functions
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{
      "id": "GHSA-test", "modified": "2024-01-02T03:04:05Z", "aliases": null,
      "database_specific": {"severity": "HIGH"},
      "affected": [{
        "package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
        "ranges": [
          {"type": "GIT", "repo": "https://x.invalid/r", "events": [{"introduced": "0"}, {"fixed": "abc"}]},
          {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"last_affected": "1.4"}]}
        ],
        "versions": ["1.0", "1.4"],
        "ecosystem_specific": {"affected_functions": ["foo_bar.b", "foo_bar.a"]}
      }, {
        "package": {"ecosystem": "Go", "name": "Left-Pad"}
      }, {
        "package": {"ecosystem": "npm", "name": "@Scope/Left-Pad"}
      }]
    }"#;

    #[test]
    fn reads_ranges_in_order_and_normalizes_known_ecosystems_only() {
        let (advisory, _) = from_json(RECORD).unwrap();
        assert_eq!(advisory.kind, AdvisoryKind::Vulnerability);
        assert!(advisory.aliases.is_empty());
        let first = &advisory.affected[0];
        assert_eq!(first.normalized_name, "foo-bar");
        assert_eq!(first.ranges[0].kind, "GIT");
        assert_eq!(
            first.ranges[1].events,
            [
                Event::Introduced("1.0".into()),
                Event::LastAffected("1.4".into())
            ]
        );
        assert_eq!(first.functions, ["foo_bar.a", "foo_bar.b"]);
        let second = &advisory.affected[1];
        assert_eq!(second.ecosystem, AffectedEcosystem::Other("Go".into()));
        assert_eq!(second.normalized_name, "Left-Pad");
        // npm names are exact: neither folded nor stripped of their scope.
        let third = &advisory.affected[2];
        assert_eq!(
            third.ecosystem,
            AffectedEcosystem::Known(scanner_core::Ecosystem::Npm)
        );
        assert_eq!(third.normalized_name, "@Scope/Left-Pad");
    }

    #[test]
    fn json_errors_give_the_line() {
        let error = from_json("{\n  \"id\": \"X\",\n  \"modified\": 3\n}").unwrap_err();
        assert_eq!(error.line, None);
        assert!(error.message.contains("invalid type"), "{}", error.message);
        let error = from_json("{\n  \"id\": \"X\",\n  oops\n}").unwrap_err();
        assert_eq!(error.line, Some(3));
    }

    #[test]
    fn yaml_keeps_unquoted_versions_as_written() {
        let yaml = "id: PYSEC-1\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package:\n    name: Foo\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n  versions:\n  - 1.0\n";
        let advisory = from_yaml(yaml).unwrap();
        let affected = &advisory.affected[0];
        assert_eq!(
            affected.ranges[0].events,
            [Event::Introduced("0".into()), Event::Fixed("1.10".into())]
        );
        assert_eq!(affected.versions, ["1.0"]);
        let error = from_yaml("id: X\nmodified: [\n").unwrap_err();
        assert!(error.line.is_some(), "{error:?}");
    }

    #[test]
    fn malicious_and_withdrawn_records_are_recognized() {
        let (advisory, _) = from_json(
            r#"{"id": "MAL-2024-1", "modified": "2024-01-01T00:00:00Z", "withdrawn": "2024-02-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(advisory.kind, AdvisoryKind::Malicious);
        assert!(!advisory.is_active());
    }
}
