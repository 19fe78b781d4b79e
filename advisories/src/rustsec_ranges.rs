//! RustSec's `[versions] patched / unaffected` requirements turned into one OSV `SEMVER` range,
//! the way RustSec's own OSV export does: a version is affected when no patched and no
//! unaffected requirement matches it. Each requirement (Cargo's syntax, parsed by the `semver`
//! crate) is a half-open interval of versions; the affected set is the complement of their
//! union, and each gap becomes an `introduced` / `fixed` pair.
//!
//! Pre-release subtleties of Cargo's matching (a requirement without a pre-release never matches
//! one) are not modelled: the intervals are SemVer precedence intervals, as OSV ranges are.

use semver::{Comparator, Op, Prerelease, Version, VersionReq};

use crate::model::{Event, Range};

/// A half-open interval `[low, high)`; `None` is unbounded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interval {
    low: Option<Version>,
    high: Option<Version>,
}

/// The smallest version of the next `major`, `minor` or `patch` (`x.y.z-0` sorts before every
/// other version with those numbers).
fn floor(major: u64, minor: u64, patch: u64) -> Version {
    Version {
        major,
        minor,
        patch,
        pre: Prerelease::new("0").unwrap_or(Prerelease::EMPTY),
        build: semver::BuildMetadata::EMPTY,
    }
}

fn exact(major: u64, minor: u64, patch: u64) -> Version {
    Version::new(major, minor, patch)
}

fn comparator_interval(comparator: &Comparator) -> Interval {
    let major = comparator.major;
    let (minor, patch) = (comparator.minor, comparator.patch);
    let low = || Version {
        pre: comparator.pre.clone(),
        ..exact(major, minor.unwrap_or(0), patch.unwrap_or(0))
    };
    // The first version past the part the comparator names.
    let past = || match (minor, patch) {
        (Some(minor), Some(patch)) => floor(major, minor, patch.saturating_add(1)),
        (Some(minor), None) => floor(major, minor.saturating_add(1), 0),
        (None, _) => floor(major.saturating_add(1), 0, 0),
    };
    match comparator.op {
        Op::Exact | Op::Wildcard => Interval {
            low: Some(low()),
            high: Some(past()),
        },
        Op::Greater => Interval {
            low: Some(past()),
            high: None,
        },
        Op::GreaterEq => Interval {
            low: Some(low()),
            high: None,
        },
        Op::Less => Interval {
            low: None,
            high: Some(low()),
        },
        Op::LessEq => Interval {
            low: None,
            high: Some(past()),
        },
        Op::Tilde => Interval {
            low: Some(low()),
            high: Some(match minor {
                Some(minor) => floor(major, minor.saturating_add(1), 0),
                None => floor(major.saturating_add(1), 0, 0),
            }),
        },
        // ^1.2.3 := [1.2.3, 2.0.0); ^0.2.3 := [0.2.3, 0.3.0); ^0.0.3 := [0.0.3, 0.0.4).
        Op::Caret => Interval {
            low: Some(low()),
            high: Some(match (major, minor, patch) {
                (0, Some(0), Some(patch)) => floor(0, 0, patch.saturating_add(1)),
                (0, Some(minor), _) => floor(0, minor.saturating_add(1), 0),
                (major, _, _) => floor(major.saturating_add(1), 0, 0),
            }),
        },
        // Operators added to semver later: read as matching nothing rather than guessing.
        _ => Interval {
            low: Some(exact(0, 0, 0)),
            high: Some(exact(0, 0, 0)),
        },
    }
}

/// The interval a requirement (comparators joined by commas: an intersection) allows.
fn requirement_interval(requirement: &VersionReq) -> Interval {
    let mut interval = Interval {
        low: None,
        high: None,
    };
    for comparator in &requirement.comparators {
        let next = comparator_interval(comparator);
        interval.low = match (interval.low, next.low) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        interval.high = match (interval.high, next.high) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    interval
}

/// The OSV range for `patched` and `unaffected` requirements; an error names a requirement
/// that does not parse.
pub(crate) fn affected_range(patched: &[String], unaffected: &[String]) -> Result<Range, String> {
    let mut safe: Vec<Interval> = Vec::new();
    for text in patched.iter().chain(unaffected) {
        let requirement = VersionReq::parse(text.trim())
            .map_err(|error| format!("version requirement `{text}`: {error}"))?;
        let interval = requirement_interval(&requirement);
        let empty =
            matches!((&interval.low, &interval.high), (Some(low), Some(high)) if low >= high);
        if !empty {
            safe.push(interval);
        }
    }
    // Sort by lower bound (unbounded first) and sweep the gaps.
    safe.sort_by(|a, b| match (&a.low, &b.low) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(a), Some(b)) => a.cmp_precedence(b),
    });
    let mut events = Vec::new();
    // `covered` is the end of the safe region swept so far: `Some(None)` means "to infinity".
    let mut gap_start: Option<Option<Version>> = Some(None);
    for interval in safe {
        let Some(start) = gap_start.clone() else {
            break;
        };
        // A gap exists before this interval when it starts after the sweep position.
        let opens_gap = match (&start, &interval.low) {
            (_, None) => false,
            (None, Some(low)) => *low > Version::new(0, 0, 0) || !low.pre.is_empty(),
            (Some(position), Some(low)) => low > position,
        };
        if opens_gap {
            events.push(Event::Introduced(
                start
                    .as_ref()
                    .map_or_else(|| "0".to_owned(), ToString::to_string),
            ));
            if let Some(low) = &interval.low {
                events.push(Event::Fixed(low.to_string()));
            }
        }
        gap_start = match (start, interval.high) {
            (_, None) => None,
            (None, Some(high)) => Some(Some(high)),
            (Some(position), Some(high)) => Some(Some(position.max(high))),
        };
    }
    if let Some(start) = gap_start {
        events.push(Event::Introduced(
            start.map_or_else(|| "0".to_owned(), |version| version.to_string()),
        ));
    }
    Ok(Range {
        kind: "SEMVER".to_owned(),
        repo: None,
        events,
        database_specific: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(patched: &[&str], unaffected: &[&str]) -> Vec<String> {
        let owned = |list: &[&str]| {
            list.iter()
                .map(|text| (*text).to_owned())
                .collect::<Vec<_>>()
        };
        affected_range(&owned(patched), &owned(unaffected))
            .unwrap()
            .events
            .iter()
            .map(|event| match event {
                Event::Introduced(version) => format!("introduced {version}"),
                Event::Fixed(version) => format!("fixed {version}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn requirements_become_the_complement_of_their_union() {
        assert_eq!(events(&[">= 1.2.5"], &[]), ["introduced 0", "fixed 1.2.5"]);
        assert_eq!(events(&[], &[]), ["introduced 0"]);
        assert_eq!(
            events(&[">= 0.2.23"], &["< 0.2.0"]),
            ["introduced 0.2.0", "fixed 0.2.23"]
        );
        // Backported fixes: ^0.9.5 covers [0.9.5, 0.10.0), then >= 0.10.2.
        assert_eq!(
            events(&["^0.9.5", ">= 0.10.2"], &[]),
            [
                "introduced 0",
                "fixed 0.9.5",
                "introduced 0.10.0-0",
                "fixed 0.10.2"
            ]
        );
        // Nothing patched since 1.0 and versions before 0.5 unaffected.
        assert_eq!(events(&[], &["< 0.5"]), ["introduced 0.5.0"]);
        // An intersection requirement.
        assert_eq!(
            events(&[">= 1.4.1, < 2.0.0", ">= 2.0.3"], &[]),
            [
                "introduced 0",
                "fixed 1.4.1",
                "introduced 2.0.0",
                "fixed 2.0.3"
            ]
        );
        assert!(affected_range(&["not a requirement".into()], &[]).is_err());
    }
}
