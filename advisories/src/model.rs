//! The advisory as airlock stores it: the OSV data model (OSV schema 1.7,
//! https://ossf.github.io/osv-schema/) plus what airlock derives from it (the kind, RustSec's
//! informational label, which input format the record came from). Every importer produces these
//! types; the store writes and reads them.

use serde_json::{json, Map, Value};

use scanner_core::risk::AdvisoryKind;
use scanner_core::Ecosystem;

use crate::time::Timestamp;

/// One advisory record.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    /// The record's id (`GHSA-…`, `PYSEC-…`, `RUSTSEC-…`); one stored record per id.
    pub id: String,
    /// When the record last changed; decides which copy of a record wins.
    pub modified: Timestamp,
    /// When the advisory was first published, when the record says.
    pub published: Option<Timestamp>,
    /// Set when the advisory was retracted: kept and flagged, never matched.
    pub withdrawn: Option<Timestamp>,
    /// Other ids of the same vulnerability (CVE, GHSA, …); reports show them, and an
    /// advisory found under two ids is reported once.
    pub aliases: Vec<String>,
    /// Ids of related but different vulnerabilities; kept for the record, never merged.
    pub related: Vec<String>,
    /// Ids of the upstream vulnerabilities this record covers (OSV 1.7 `upstream`: a
    /// distribution's advisory naming the CVEs it bundles). Kept for the record, never merged:
    /// OSV says upstream is not symmetric, so it is not an alias.
    pub upstream: Vec<String>,
    /// One line, for tables and finding messages.
    pub summary: Option<String>,
    /// The full description (Markdown in most sources).
    pub details: Option<String>,
    /// The severity scores as the record gives them, rated when airlock knows the system.
    pub severity: Vec<SeverityScore>,
    /// Links for the reader (advisory, fix, report).
    pub references: Vec<Reference>,
    /// The packages and versions the advisory applies to; matching reads only this.
    pub affected: Vec<Affected>,
    /// Vulnerability, malicious package or one of RustSec's informational kinds (derived from
    /// the id, `database_specific` and the informational label), which decides the finding's
    /// rule.
    pub kind: AdvisoryKind,
    /// RustSec's informational label (`unmaintained`, `unsound`, `notice`, or another word).
    pub informational: Option<String>,
    /// The record-level `database_specific` object (GHSA severity, RustSec categories, …).
    pub database_specific: Option<Value>,
    /// The input format the stored copy came from.
    pub format: RecordFormat,
}

/// The input format a record was read from; for one id, a richer format wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordFormat {
    /// RustSec's markdown with TOML front matter: its version requirements are kept verbatim,
    /// without OSV events.
    RustSecMarkdown,
    /// OSV as YAML (PyPA's advisory-database layout).
    OsvYaml,
    /// OSV as JSON (OSV's own export, RustSec's OSV branch, GHSA, malicious-packages).
    OsvJson,
}

impl RecordFormat {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordFormat::RustSecMarkdown => "rustsec-markdown",
            RecordFormat::OsvYaml => "osv-yaml",
            RecordFormat::OsvJson => "osv-json",
        }
    }

    /// The format of a stored name; `None` for a name this version does not write.
    pub fn from_name(name: &str) -> Option<RecordFormat> {
        [
            RecordFormat::RustSecMarkdown,
            RecordFormat::OsvYaml,
            RecordFormat::OsvJson,
        ]
        .into_iter()
        .find(|format| format.as_str() == name)
    }

    /// How much a format says: OSV (events, a real `modified` time) beats RustSec markdown
    /// (requirements, only a publication date) whatever the times.
    pub fn richness(self) -> u8 {
        match self {
            RecordFormat::RustSecMarkdown => 0,
            RecordFormat::OsvYaml | RecordFormat::OsvJson => 1,
        }
    }
}

/// A severity as OSV writes it: a scoring system and a vector or score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeverityScore {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
    pub kind: String,
    /// The vector (or score) as written; airlock computes the score from a CVSS vector.
    pub score: String,
}

/// A link of the record, with OSV's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `ADVISORY`, `WEB`, `PACKAGE`, `FIX`, …
    pub kind: String,
    /// The address, shown as given and never fetched.
    pub url: String,
}

/// Where an affected package lives: an ecosystem airlock scans, or another OSV ecosystem (kept
/// so the record is complete, never matched).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AffectedEcosystem {
    /// An ecosystem airlock scans, so the entry can match.
    Known(Ecosystem),
    /// Any other OSV ecosystem, by its OSV name.
    Other(String),
}

impl AffectedEcosystem {
    /// The ecosystem of an OSV `ecosystem` string (`PyPI`, `crates.io`, …).
    pub fn from_osv(name: &str) -> AffectedEcosystem {
        match Ecosystem::from_name(name) {
            Some(ecosystem) if ecosystem.osv_name().is_some() => {
                AffectedEcosystem::Known(ecosystem)
            }
            _ => AffectedEcosystem::Other(name.to_owned()),
        }
    }

    /// The key stored in the index column: airlock's id, or `osv:` and the OSV name.
    pub fn key(&self) -> String {
        match self {
            AffectedEcosystem::Known(ecosystem) => ecosystem.as_str().to_owned(),
            AffectedEcosystem::Other(name) => format!("osv:{name}"),
        }
    }
}

/// One `affected[]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// The package's ecosystem, which decides the version ordering.
    pub ecosystem: AffectedEcosystem,
    /// The ecosystem string as the record wrote it.
    pub osv_ecosystem: String,
    /// The name as the record wrote it.
    pub name: String,
    /// The index key: [`scanner_core::PackageName`] normalization for known ecosystems.
    pub normalized_name: String,
    /// The package URL, when the record gives one.
    pub purl: Option<String>,
    /// Every range in record order (GIT ranges included; matching skips what it cannot order).
    pub ranges: Vec<Range>,
    /// OSV's explicit `versions` list: each listed version is affected whatever the ranges say.
    pub versions: Vec<String>,
    /// Functions named as affected (RustSec `affects.functions`, GHSA `affected_functions`).
    pub functions: Vec<String>,
    /// The entry's `ecosystem_specific` object, kept verbatim.
    pub ecosystem_specific: Option<Value>,
    /// The entry's `database_specific` object, kept verbatim.
    pub database_specific: Option<Value>,
}

/// One `ranges[]` entry: a type and its events, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM`, `GIT`, or a type airlock does not know (kept verbatim).
    pub kind: String,
    /// The repository of a `GIT` range (its events are commits of it).
    pub repo: Option<String>,
    /// The events in record order; matching sorts them.
    pub events: Vec<Event>,
    /// The range's `database_specific` object, kept verbatim.
    pub database_specific: Option<Value>,
}

/// One range event, with OSV's meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The range opens at this version (`0`: since the first).
    Introduced(String),
    /// The range closes before this version (the fix).
    Fixed(String),
    /// The range closes after this version (no fix known).
    LastAffected(String),
    /// An upper bound on the range's events.
    Limit(String),
}

impl Event {
    /// The OSV key of the event, as stored.
    pub fn key(&self) -> &'static str {
        match self {
            Event::Introduced(_) => "introduced",
            Event::Fixed(_) => "fixed",
            Event::LastAffected(_) => "last_affected",
            Event::Limit(_) => "limit",
        }
    }

    /// The version (or commit) as the record wrote it.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(version)
            | Event::Fixed(version)
            | Event::LastAffected(version)
            | Event::Limit(version) => version,
        }
    }

    /// The event of an OSV key; `None` for a key OSV does not define.
    pub fn from_key(key: &str, version: String) -> Option<Event> {
        match key {
            "introduced" => Some(Event::Introduced(version)),
            "fixed" => Some(Event::Fixed(version)),
            "last_affected" => Some(Event::LastAffected(version)),
            "limit" => Some(Event::Limit(version)),
            _ => None,
        }
    }
}

impl Advisory {
    /// True for records matched against components (withdrawn ones are only kept).
    pub fn is_active(&self) -> bool {
        self.withdrawn.is_none()
    }

    /// The record as OSV JSON (schema 1.7 field names), for exports and for records read from
    /// YAML or markdown.
    pub fn to_osv_json(&self) -> Value {
        let mut record = Map::new();
        record.insert("id".into(), json!(self.id));
        record.insert("modified".into(), json!(self.modified.to_string()));
        if let Some(published) = self.published {
            record.insert("published".into(), json!(published.to_string()));
        }
        if let Some(withdrawn) = self.withdrawn {
            record.insert("withdrawn".into(), json!(withdrawn.to_string()));
        }
        record.insert("aliases".into(), json!(self.aliases));
        if !self.related.is_empty() {
            record.insert("related".into(), json!(self.related));
        }
        if !self.upstream.is_empty() {
            record.insert("upstream".into(), json!(self.upstream));
        }
        if let Some(summary) = &self.summary {
            record.insert("summary".into(), json!(summary));
        }
        if let Some(details) = &self.details {
            record.insert("details".into(), json!(details));
        }
        let severity: Vec<Value> = self
            .severity
            .iter()
            .map(|score| json!({"type": score.kind, "score": score.score}))
            .collect();
        record.insert("severity".into(), Value::Array(severity));
        let affected: Vec<Value> = self.affected.iter().map(Affected::to_osv_json).collect();
        record.insert("affected".into(), Value::Array(affected));
        let references: Vec<Value> = self
            .references
            .iter()
            .map(|reference| json!({"type": reference.kind, "url": reference.url}))
            .collect();
        record.insert("references".into(), Value::Array(references));
        if let Some(specific) = &self.database_specific {
            record.insert("database_specific".into(), specific.clone());
        }
        Value::Object(record)
    }
}

impl Affected {
    fn to_osv_json(&self) -> Value {
        let mut package = Map::new();
        package.insert("ecosystem".into(), json!(self.osv_ecosystem));
        package.insert("name".into(), json!(self.name));
        if let Some(purl) = &self.purl {
            package.insert("purl".into(), json!(purl));
        }
        let mut entry = Map::new();
        entry.insert("package".into(), Value::Object(package));
        let ranges: Vec<Value> = self.ranges.iter().map(Range::to_osv_json).collect();
        if !ranges.is_empty() {
            entry.insert("ranges".into(), Value::Array(ranges));
        }
        if !self.versions.is_empty() {
            entry.insert("versions".into(), json!(self.versions));
        }
        if let Some(specific) = &self.ecosystem_specific {
            entry.insert("ecosystem_specific".into(), specific.clone());
        }
        if let Some(specific) = &self.database_specific {
            entry.insert("database_specific".into(), specific.clone());
        }
        Value::Object(entry)
    }
}

impl Range {
    fn to_osv_json(&self) -> Value {
        let mut range = Map::new();
        range.insert("type".into(), json!(self.kind));
        if let Some(repo) = &self.repo {
            range.insert("repo".into(), json!(repo));
        }
        range.insert("events".into(), events_json(&self.events));
        if let Some(specific) = &self.database_specific {
            range.insert("database_specific".into(), specific.clone());
        }
        Value::Object(range)
    }
}

/// `[{"introduced": "0"}, {"fixed": "1.2"}]`: events in order, as OSV writes them.
pub fn events_json(events: &[Event]) -> Value {
    Value::Array(
        events
            .iter()
            .map(|event| json!({ event.key(): event.version() }))
            .collect(),
    )
}
