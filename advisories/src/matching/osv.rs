//! OSV `affected` evaluation, exactly as the OSV schema's "Evaluation" pseudocode defines it
//! (https://ossf.github.io/osv-schema/#evaluation): a version is affected when an explicit
//! `versions` entry equals it or when it lies inside any range. Within a range, events are
//! sorted by version (`introduced: "0"` first) and replayed: `introduced` opens, `fixed`
//! closes (exclusive), `last_affected` closes (inclusive), and `limit` events bound the range
//! (an implicit `limit: "*"` when there is none).
//!
//! Two corners matter in real data: a `GIT` range cannot be evaluated without the repository,
//! so it is skipped and the other ranges still decide (PyPA lists it first in half its
//! records); and a version that cannot be ordered gives *undetermined*, never "not affected".

use std::cmp::Ordering;

use super::version::{Version, VersionError, VersionScheme};

/// How a range orders its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeKind {
    /// `SEMVER`: events are SemVer versions, whatever the ecosystem.
    SemVer,
    /// `ECOSYSTEM`: events are ordered by the package's ecosystem (PEP 440 for PyPI).
    Ecosystem,
    /// `GIT`: events are commits; cannot be ordered without the repository, so skipped.
    Git,
    /// A type this version of airlock does not know; skipped like `GIT`.
    Other(String),
}

impl RangeKind {
    /// The kind of an OSV `type` string; an unknown one is kept, never an error, so a newer
    /// record still imports and its other ranges still decide.
    pub fn from_osv(name: &str) -> RangeKind {
        match name {
            "SEMVER" => RangeKind::SemVer,
            "ECOSYSTEM" => RangeKind::Ecosystem,
            "GIT" => RangeKind::Git,
            other => RangeKind::Other(other.to_owned()),
        }
    }

    /// The OSV `type` string, as stored and shown.
    pub fn as_osv(&self) -> &str {
        match self {
            RangeKind::SemVer => "SEMVER",
            RangeKind::Ecosystem => "ECOSYSTEM",
            RangeKind::Git => "GIT",
            RangeKind::Other(name) => name,
        }
    }
}

/// One event of a range's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// The range opens at this version (`0`: since the first release).
    Introduced,
    /// The range closes before this version (the version with the fix is not affected).
    Fixed,
    /// The range closes after this version (it is still affected; no fix is known).
    LastAffected,
    /// An upper bound on the range's events, from the schema; `*` when absent.
    Limit,
}

impl EventKind {
    /// The kind of an OSV event key; `None` for a key the schema does not define (the
    /// importer reports it).
    pub fn from_osv(name: &str) -> Option<EventKind> {
        match name {
            "introduced" => Some(EventKind::Introduced),
            "fixed" => Some(EventKind::Fixed),
            "last_affected" => Some(EventKind::LastAffected),
            "limit" => Some(EventKind::Limit),
            _ => None,
        }
    }

    /// The OSV event key, as stored and shown.
    pub fn as_osv(self) -> &'static str {
        match self {
            EventKind::Introduced => "introduced",
            EventKind::Fixed => "fixed",
            EventKind::LastAffected => "last_affected",
            EventKind::Limit => "limit",
        }
    }
}

/// One event of a range, with its version as the record wrote it (parsed only when the range
/// is evaluated, under the range's ordering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What the event does to the range.
    pub kind: EventKind,
    /// The version (or commit, for `GIT`) as written.
    pub version: String,
}

/// One OSV range: a timeline of events under one ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// How the events are ordered.
    pub kind: RangeKind,
    /// The events in record order; evaluation sorts them.
    pub events: Vec<Event>,
}

/// What one `affected` entry says about a package: its ranges and explicit versions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AffectedVersions {
    /// The ranges; a version inside any of them is affected.
    pub ranges: Vec<Range>,
    /// Versions listed one by one; equal to any of them is affected, whatever the ranges say.
    pub versions: Vec<String>,
}

/// The outcome for one installed version against one advisory's entries for its package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Affected; `fixed` is the lowest fixed version above the installed one, when one is known.
    Affected {
        /// The lowest fixed version above the installed one, the upgrade to suggest.
        fixed: Option<String>,
    },
    /// Outside every range and not listed: this advisory does not apply to the version.
    NotAffected,
    /// The advisory names the package but the version cannot be placed against it.
    Undetermined {
        /// Why (a version that does not parse, an ordering airlock does not know); reported,
        /// never taken for "not affected".
        reason: String,
    },
}

/// Evaluates `installed` against every entry an advisory has for its package. `ecosystem` is
/// the ordering of `ECOSYSTEM` ranges (`None` when the ecosystem's ordering is unknown).
pub fn evaluate(
    ecosystem: Option<VersionScheme>,
    installed: &str,
    entries: &[AffectedVersions],
) -> Verdict {
    let mut listed = false;
    let mut in_range = false;
    let mut undetermined: Option<String> = None;
    let mut evaluable = false;
    let mut fixes: Vec<Version> = Vec::new();

    for entry in entries {
        if !entry.versions.is_empty() {
            evaluable = true;
            if entry
                .versions
                .iter()
                .any(|listed| same_version(ecosystem, listed, installed))
            {
                listed = true;
            }
        }
        for range in &entry.ranges {
            let scheme = match &range.kind {
                RangeKind::SemVer => Some(VersionScheme::SemVer),
                RangeKind::Ecosystem => ecosystem,
                // Needs the repository's commit graph; the other ranges decide.
                RangeKind::Git | RangeKind::Other(_) => continue,
            };
            evaluable = true;
            let Some(scheme) = scheme else {
                undetermined.get_or_insert_with(|| {
                    "airlock does not know how this ecosystem orders versions".to_owned()
                });
                continue;
            };
            match evaluate_range(scheme, installed, range) {
                Ok(outcome) => {
                    in_range |= outcome.affected;
                    if outcome.affected {
                        fixes.extend(outcome.next_fix);
                    }
                }
                Err(error) => {
                    undetermined.get_or_insert_with(|| error.to_string());
                }
            }
        }
    }

    if listed || in_range {
        // A version listed explicitly may still have a fix named by the ranges.
        if fixes.is_empty() {
            fixes.extend(fixes_above(ecosystem, installed, entries));
        }
        let fixed = fixes.into_iter().min().map(|version| version.to_string());
        return Verdict::Affected { fixed };
    }
    if let Some(reason) = undetermined {
        return Verdict::Undetermined { reason };
    }
    if !evaluable {
        return Verdict::Undetermined {
            reason: "the advisory gives only GIT ranges and no version list".to_owned(),
        };
    }
    Verdict::NotAffected
}

/// What one range says about one version.
struct RangeOutcome {
    affected: bool,
    /// The lowest `fixed` event above the version.
    next_fix: Option<Version>,
}

fn evaluate_range(
    scheme: VersionScheme,
    installed: &str,
    range: &Range,
) -> Result<RangeOutcome, VersionError> {
    let version = scheme.parse(installed)?;
    let mut events: Vec<(Bound, EventKind)> = Vec::with_capacity(range.events.len());
    for event in &range.events {
        events.push((Bound::parse(scheme, event)?, event.kind));
    }

    let limits: Vec<&Bound> = events
        .iter()
        .filter(|(_, kind)| *kind == EventKind::Limit)
        .map(|(bound, _)| bound)
        .collect();
    let before_limits = limits.is_empty() || limits.iter().any(|limit| limit.above(&version));

    // Sort by version; at equal versions an `introduced` replays before the event that closes
    // the range, so the fixed version itself is never affected.
    events.sort_by(|(a, a_kind), (b, b_kind)| a.cmp(b).then(a_kind.cmp(b_kind)));
    let mut affected = false;
    if before_limits {
        for (bound, kind) in &events {
            match kind {
                EventKind::Introduced if bound.at_or_below(&version) => affected = true,
                EventKind::Fixed if bound.at_or_below(&version) => affected = false,
                EventKind::LastAffected if bound.below(&version) => affected = false,
                _ => {}
            }
        }
    }
    let next_fix = events
        .into_iter()
        .filter(|(_, kind)| *kind == EventKind::Fixed)
        .filter_map(|(bound, _)| match bound {
            Bound::Version(fixed) if fixed > version => Some(fixed),
            _ => None,
        })
        .min();
    Ok(RangeOutcome { affected, next_fix })
}

/// Every `fixed` version above `installed` in any range that can be ordered.
fn fixes_above(
    ecosystem: Option<VersionScheme>,
    installed: &str,
    entries: &[AffectedVersions],
) -> Vec<Version> {
    let mut fixes = Vec::new();
    for range in entries.iter().flat_map(|entry| &entry.ranges) {
        let scheme = match &range.kind {
            RangeKind::SemVer => Some(VersionScheme::SemVer),
            RangeKind::Ecosystem => ecosystem,
            RangeKind::Git | RangeKind::Other(_) => None,
        };
        let Some(scheme) = scheme else { continue };
        let Ok(version) = scheme.parse(installed) else {
            continue;
        };
        fixes.extend(
            range
                .events
                .iter()
                .filter(|event| event.kind == EventKind::Fixed)
                .filter_map(|event| scheme.parse(&event.version).ok())
                .filter(|fixed| *fixed > version),
        );
    }
    fixes
}

/// An event's version: `introduced: "0"` sorts before everything, `limit: "*"` after.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    Zero,
    Version(Version),
    Infinity,
}

impl Bound {
    fn parse(scheme: VersionScheme, event: &Event) -> Result<Bound, VersionError> {
        let text = event.version.trim();
        match (event.kind, text) {
            (EventKind::Introduced, "0") => Ok(Bound::Zero),
            (EventKind::Limit, text) if text.contains('*') => Ok(Bound::Infinity),
            _ => scheme.parse(text).map(Bound::Version),
        }
    }

    fn at_or_below(&self, version: &Version) -> bool {
        match self {
            Bound::Zero => true,
            Bound::Version(bound) => bound <= version,
            Bound::Infinity => false,
        }
    }

    fn below(&self, version: &Version) -> bool {
        match self {
            Bound::Zero => true,
            Bound::Version(bound) => bound < version,
            Bound::Infinity => false,
        }
    }

    fn above(&self, version: &Version) -> bool {
        !self.at_or_below(version)
    }
}

impl Ord for Bound {
    fn cmp(&self, other: &Bound) -> Ordering {
        match (self, other) {
            (Bound::Zero, Bound::Zero) | (Bound::Infinity, Bound::Infinity) => Ordering::Equal,
            (Bound::Zero, _) | (_, Bound::Infinity) => Ordering::Less,
            (_, Bound::Zero) | (Bound::Infinity, _) => Ordering::Greater,
            (Bound::Version(a), Bound::Version(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Bound) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// OSV compares listed versions by equality in the ecosystem's syntax; airlock also accepts
/// versions equal under the ecosystem's ordering (`2022.12.07` lists `2022.12.7`).
fn same_version(ecosystem: Option<VersionScheme>, listed: &str, installed: &str) -> bool {
    if listed.trim() == installed.trim() {
        return true;
    }
    match ecosystem {
        Some(scheme) => match (scheme.parse(listed), scheme.parse(installed)) {
            (Ok(listed), Ok(installed)) => listed == installed,
            _ => false,
        },
        None => false,
    }
}
