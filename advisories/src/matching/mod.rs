//! Deciding whether an installed version is affected by an advisory: version ordering per
//! ecosystem ([`version`]) and OSV range evaluation ([`osv`]). Pure functions over data the
//! store hands them, so the conformance tables under `tests/fixtures/matching/` pin the
//! semantics independently of SQLite.

pub mod osv;
pub mod severity;
pub mod version;

use scanner_core::Ecosystem;

pub use osv::{AffectedVersions, Event, EventKind, Range, RangeKind, Verdict};
pub use version::{Version, VersionError, VersionScheme};

/// Evaluates one advisory's entries for one package at `installed`. A withdrawn advisory
/// never matches: OSV keeps withdrawn records so that tools can stop reporting them.
pub fn check(
    ecosystem: Ecosystem,
    installed: &str,
    withdrawn: bool,
    entries: &[AffectedVersions],
) -> Verdict {
    if withdrawn {
        return Verdict::NotAffected;
    }
    osv::evaluate(VersionScheme::for_ecosystem(ecosystem), installed, entries)
}

#[cfg(test)]
mod conformance {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct RangeTable {
        cases: Vec<RangeCase>,
    }

    #[derive(Deserialize)]
    struct RangeCase {
        name: String,
        ecosystem: String,
        installed: String,
        affected: Vec<WireAffected>,
        expected: String,
        fixed: Option<String>,
        #[serde(default)]
        withdrawn: bool,
    }

    #[derive(Deserialize)]
    struct WireAffected {
        ranges: Vec<WireRange>,
        versions: Vec<String>,
    }

    #[derive(Deserialize)]
    struct WireRange {
        #[serde(rename = "type")]
        kind: String,
        events: Vec<std::collections::BTreeMap<String, String>>,
    }

    fn entries(affected: &[WireAffected]) -> Vec<AffectedVersions> {
        affected
            .iter()
            .map(|entry| AffectedVersions {
                ranges: entry
                    .ranges
                    .iter()
                    .map(|range| Range {
                        kind: RangeKind::from_osv(&range.kind),
                        events: range
                            .events
                            .iter()
                            .flat_map(|event| {
                                event.iter().map(|(kind, version)| Event {
                                    kind: EventKind::from_osv(kind).unwrap(),
                                    version: version.clone(),
                                })
                            })
                            .collect(),
                    })
                    .collect(),
                versions: entry.versions.clone(),
            })
            .collect()
    }

    fn ecosystem(name: &str) -> Ecosystem {
        match name {
            "PyPI" => Ecosystem::PyPI,
            "crates.io" => Ecosystem::CratesIo,
            "npm" => Ecosystem::Npm,
            // An ecosystem whose ordering airlock does not know.
            _ => Ecosystem::GenericFile,
        }
    }

    #[test]
    fn osv_range_conformance_table() {
        let table: RangeTable = serde_json::from_str(include_str!(
            "../../../tests/fixtures/matching/osv-ranges.json"
        ))
        .unwrap();
        assert!(table.cases.len() >= 40);
        let mut failures = Vec::new();
        for case in &table.cases {
            let verdict = check(
                ecosystem(&case.ecosystem),
                &case.installed,
                case.withdrawn,
                &entries(&case.affected),
            );
            let (outcome, fixed) = match &verdict {
                Verdict::Affected { fixed } => ("affected", fixed.clone()),
                Verdict::NotAffected => ("not-affected", None),
                Verdict::Undetermined { .. } => ("undetermined", None),
            };
            if outcome != case.expected || fixed != case.fixed {
                failures.push(format!(
                    "{}: expected {} (fix {:?}), got {verdict:?}",
                    case.name, case.expected, case.fixed
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[derive(Deserialize)]
    struct OrderTable {
        cases: Vec<OrderCase>,
    }

    #[derive(Deserialize)]
    struct OrderCase {
        scheme: String,
        lower: Option<String>,
        higher: Option<String>,
        #[serde(default)]
        equal: Vec<String>,
        #[serde(default)]
        invalid: Vec<String>,
    }

    #[test]
    fn version_ordering_table() {
        let table: OrderTable = serde_json::from_str(include_str!(
            "../../../tests/fixtures/matching/version-order.json"
        ))
        .unwrap();
        for case in &table.cases {
            let scheme = match case.scheme.as_str() {
                "PEP 440" => VersionScheme::Pep440,
                "SemVer" => VersionScheme::SemVer,
                other => panic!("unknown scheme {other}"),
            };
            if let (Some(lower), Some(higher)) = (&case.lower, &case.higher) {
                let (low, high) = (scheme.parse(lower).unwrap(), scheme.parse(higher).unwrap());
                assert!(low < high, "{lower} < {higher} under {}", scheme.name());
                assert!(high > low);
            }
            for pair in case.equal.windows(2) {
                let [a, b] = pair else { unreachable!() };
                assert_eq!(
                    scheme.parse(a).unwrap(),
                    scheme.parse(b).unwrap(),
                    "{a} == {b}"
                );
            }
            for text in &case.invalid {
                assert!(
                    scheme.parse(text).is_err(),
                    "{text} is not {}",
                    scheme.name()
                );
            }
        }
    }
}
