//! How fresh the advisory data is, judged from the data and never from the moment it was
//! copied: a database built today from a snapshot whose newest record is months old is months
//! old.
//!
//! The age of a database is the time since its newest record's `modified`. That date is only
//! believed up to a trusted bound set when the record was written (the fetch time of `db sync`,
//! the signed build time of a bundle, the moment of `db import` for files): a record dated in
//! the future is stored with the bound instead, so nobody can make data look fresher than the
//! moment it was taken. The bundle's build time and the last sync time are shown beside the
//! newest record, so a reader sees both "data as of" and "taken at".
//!
//! [`MaxAge`] is the limit past which a scan, an attestation or a verification fails (exit 2):
//! `--max-db-age`, then `AIRLOCK_MAX_DB_AGE`, then `[database] max-age`, then
//! [`DEFAULT_MAX_AGE`].

use std::fmt;

use crate::store::DatabaseSummary;
use crate::time::{describe_age, Timestamp};

/// Seven days: a database that has not seen a newer record in a week is treated as stale.
/// (grype's default is five days of database build age; airlock's earlier warning used seven.)
pub const DEFAULT_MAX_AGE: MaxAge = MaxAge::Limit { seconds: 7 * DAY };

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

/// The staleness limit: off, or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxAge {
    /// `none`: no freshness check.
    Off,
    /// Data older than this fails the commands that judge.
    Limit {
        /// The largest age, in seconds, that still counts as fresh.
        seconds: u64,
    },
}

impl MaxAge {
    /// Reads `7d`, `90d`, `12h`, `30m`, `45s`, `2w` or `none`. A bare number is refused: a unit
    /// is required so that `7` is never read as seconds by one person and days by another.
    pub fn parse(text: &str) -> Result<MaxAge, String> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("none") {
            return Ok(MaxAge::Off);
        }
        let expected = || {
            format!(
                "`{text}` is not a duration: expected a number and a unit (`7d`, `12h`, `30m`, `45s`, `2w`) or `none`"
            )
        };
        let split = trimmed
            .find(|character: char| !character.is_ascii_digit())
            .ok_or_else(expected)?;
        let (number, unit) = trimmed.split_at(split);
        let number: u64 = number.parse().map_err(|_| expected())?;
        let unit_seconds = match unit.trim() {
            "s" => 1,
            "m" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "w" => WEEK,
            _ => return Err(expected()),
        };
        let seconds = number
            .checked_mul(unit_seconds)
            .filter(|seconds| i64::try_from(*seconds).is_ok())
            .ok_or_else(|| format!("`{text}` is too long a duration"))?;
        Ok(MaxAge::Limit { seconds })
    }

    /// Days for the old `max_age_days` setting.
    pub fn days(days: u64) -> MaxAge {
        MaxAge::Limit {
            seconds: days.saturating_mul(DAY).min(i64::MAX as u64),
        }
    }

    /// The limit in seconds; `None` when the check is off (no age is too old).
    pub fn seconds(self) -> Option<u64> {
        match self {
            MaxAge::Off => None,
            MaxAge::Limit { seconds } => Some(seconds),
        }
    }
}

impl fmt::Display for MaxAge {
    /// The largest unit that divides the limit exactly: `7d`, `36h`, `none`; reads back with
    /// [`MaxAge::parse`].
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MaxAge::Off => formatter.write_str("none"),
            MaxAge::Limit { seconds } => {
                // Weeks are read but printed as days: "14d" is what people compare.
                let (count, unit) = [(DAY, "d"), (HOUR, "h"), (MINUTE, "m")]
                    .into_iter()
                    .find(|(unit, _)| seconds > 0 && seconds % unit == 0)
                    .map_or((seconds, "s"), |(unit, name)| (seconds / unit, name));
                write!(formatter, "{count}{unit}")
            }
        }
    }
}

/// What a report says about the data's age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Freshness {
    /// The newest record's `modified` (as bounded when it was stored, and never later than the
    /// last write of the database or the clock).
    pub newest_record: Option<Timestamp>,
    /// The signed build time of the bundle the database was replaced with, if any.
    pub built_at: Option<Timestamp>,
    /// When `db sync` last fetched (or confirmed) the mirror's data, if ever.
    pub synced_at: Option<Timestamp>,
    /// When the database file last changed (import, sync or bundle).
    pub updated_at: Option<Timestamp>,
    /// Seconds from the newest record to `now` (`None` without records).
    pub age_seconds: Option<i64>,
    /// The limit this freshness is judged against (the operator's, from flag, environment or
    /// configuration), kept with it so every message can name it.
    pub max_age: MaxAge,
}

impl Freshness {
    /// Judges `summary` at `now` against `max_age`.
    pub fn judge(summary: &DatabaseSummary, max_age: MaxAge, now: Timestamp) -> Freshness {
        // A database written by an older airlock may hold records dated in the future; no record
        // can be newer than the last write of the file, nor than the clock.
        let ceiling = summary.updated_at.map_or(now, |updated| updated.min(now));
        let newest_record = summary
            .newest_record
            .as_deref()
            .and_then(Timestamp::parse)
            .map(|newest| newest.min(ceiling));
        Freshness {
            newest_record,
            built_at: summary.built_at,
            synced_at: summary.synced_at,
            updated_at: summary.updated_at,
            age_seconds: newest_record.map(|newest| newest.seconds_until(now)),
            max_age,
        }
    }

    /// Past the limit, or of unknown age while a limit applies.
    pub fn is_stale(&self) -> bool {
        match (self.max_age.seconds(), self.age_seconds) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(limit), Some(age)) => age > i64::try_from(limit).unwrap_or(i64::MAX),
        }
    }

    /// The error a stale database draws, naming the age and the limit.
    pub fn problem(&self) -> Option<String> {
        if !self.is_stale() {
            return None;
        }
        Some(match (self.newest_record, self.age_seconds) {
            (Some(newest), Some(age)) => format!(
                "the data is {} old (newest record {newest}), past the limit of {}",
                describe_age(age),
                self.max_age
            ),
            _ => format!(
                "the data has no dated record, so its age is unknown (limit {})",
                self.max_age
            ),
        })
    }

    /// "newest record 2026-11-30T08:00:00Z, 4 days old".
    pub fn describe_newest(&self) -> String {
        match (self.newest_record, self.age_seconds) {
            (Some(newest), Some(age)) => {
                format!("newest record {newest}, {} old", describe_age(age))
            }
            _ => "no dated record".to_owned(),
        }
    }

    /// "newest record 2026-11-30T08:00:00Z, 4 days old; bundle built 2026-12-01T00:00:00Z".
    pub fn describe(&self) -> String {
        let mut parts = vec![self.describe_newest()];
        parts.extend(self.taken());
        parts.join("; ")
    }

    /// When the data was taken from its source: the bundle's build time and the last sync,
    /// or, for data that only ever came from files, when they were imported.
    pub fn taken(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(built) = self.built_at {
            parts.push(format!("bundle built {built}"));
        }
        if let Some(synced) = self.synced_at {
            parts.push(format!("synced {synced}"));
        }
        if parts.is_empty() {
            if let Some(updated) = self.updated_at {
                parts.push(format!("imported {updated}"));
            }
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_with_a_unit_and_print_back() {
        for (text, seconds) in [
            ("7d", 7 * DAY),
            ("90d", 90 * DAY),
            ("12h", 12 * HOUR),
            ("30m", 30 * MINUTE),
            ("45s", 45),
            ("2w", 14 * DAY),
            (" 1d ", DAY),
        ] {
            assert_eq!(MaxAge::parse(text), Ok(MaxAge::Limit { seconds }), "{text}");
        }
        assert_eq!(MaxAge::parse("none"), Ok(MaxAge::Off));
        assert_eq!(MaxAge::parse("NONE"), Ok(MaxAge::Off));
        for bad in [
            "",
            "7",
            "d",
            "7 days",
            "-1d",
            "1.5d",
            "7y",
            "99999999999999999999d",
        ] {
            assert!(MaxAge::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(MaxAge::parse("2w").unwrap().to_string(), "14d");
        assert_eq!(MaxAge::parse("36h").unwrap().to_string(), "36h");
        assert_eq!(MaxAge::parse("90m").unwrap().to_string(), "90m");
        assert_eq!(MaxAge::parse("0d").unwrap().to_string(), "0s");
        assert_eq!(MaxAge::Off.to_string(), "none");
        assert_eq!(DEFAULT_MAX_AGE.to_string(), "7d");
        assert_eq!(MaxAge::days(3), MaxAge::parse("3d").unwrap());
    }

    fn summary(newest: &str, updated: &str) -> DatabaseSummary {
        DatabaseSummary {
            newest_record: Some(newest.to_owned()),
            updated_at: Timestamp::parse(updated),
            ..DatabaseSummary::default()
        }
    }

    #[test]
    fn age_is_the_newest_records_not_the_imports() {
        let now = Timestamp::parse("2026-12-04T00:00:00Z").unwrap();
        let old = summary("2026-05-06T00:00:00Z", "2026-12-03T23:55:00Z");
        let judged = Freshness::judge(&old, DEFAULT_MAX_AGE, now);
        assert!(judged.is_stale());
        let problem = judged.problem().unwrap();
        assert!(problem.contains("212 days old"), "{problem}");
        assert!(problem.contains("limit of 7d"), "{problem}");
        assert!(!Freshness::judge(&old, MaxAge::Off, now).is_stale());
        assert!(!Freshness::judge(&old, MaxAge::parse("300d").unwrap(), now).is_stale());

        // A record claiming the future is believed no further than the last write.
        let future = summary("2099-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
        let judged = Freshness::judge(&future, DEFAULT_MAX_AGE, now);
        assert_eq!(
            judged.newest_record,
            Timestamp::parse("2026-01-01T00:00:00Z")
        );
        assert!(judged.is_stale());

        // No dated record: unknown age is stale while a limit applies.
        let empty = DatabaseSummary::default();
        assert!(Freshness::judge(&empty, DEFAULT_MAX_AGE, now).is_stale());
        assert!(!Freshness::judge(&empty, MaxAge::Off, now).is_stale());
    }
}
