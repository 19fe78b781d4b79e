//! Timestamps as the advisory formats write them (RFC 3339 in OSV, plain dates in RustSec),
//! on chrono's calendar: the store only needs to order instants, print them in UTC and say how
//! old a database is. What "now" is comes from the run's [`Clock`]
//! (`Timestamp::from(clock.trusted_now())`): this crate never reads the system clock or
//! `SOURCE_DATE_EPOCH` itself.
//!
//! [`Clock`]: scanner_core::clock::Clock

use std::fmt;

use chrono::{DateTime, Utc};

/// An instant with second precision plus nanoseconds, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// `seconds` since 1970-01-01T00:00:00Z, held to the calendar's range (about ±262,000
    /// years).
    pub fn from_unix(seconds: i64) -> Timestamp {
        Timestamp(
            DateTime::from_timestamp(seconds, 0).unwrap_or(if seconds < 0 {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            }),
        )
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> i64 {
        self.0.timestamp()
    }

    /// Reads `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)` (RFC 3339; a space or a
    /// lowercase `t`/`z` accepted as RFC 3339 allows). A leap second (`:60`) is the first
    /// second of the next minute.
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        let time = if text.len() == 10 {
            // A date alone is its midnight, UTC (RustSec writes dates).
            DateTime::parse_from_rfc3339(&format!("{text}T00:00:00Z"))
        } else {
            DateTime::parse_from_rfc3339(text)
        }
        .ok()?
        .with_timezone(&Utc);
        // chrono keeps a leap second as nanoseconds past 10^9 of second 59.
        let nanoseconds = time.timestamp_subsec_nanos();
        if nanoseconds >= 1_000_000_000 {
            return DateTime::from_timestamp(time.timestamp() + 1, nanoseconds - 1_000_000_000)
                .map(Timestamp);
        }
        Some(Timestamp(time))
    }

    /// Seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        later.unix_seconds() - self.unix_seconds()
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(time: DateTime<Utc>) -> Timestamp {
        Timestamp(time)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2024-06-05T14:00:17Z`, with a fraction only when there is one, so
    /// the text reads back to the same instant.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0.format("%Y-%m-%dT%H:%M:%S"))?;
        let nanoseconds = self.0.timestamp_subsec_nanos();
        if nanoseconds != 0 {
            let fraction = format!("{nanoseconds:09}");
            write!(formatter, ".{}", fraction.trim_end_matches('0'))?;
        }
        formatter.write_str("Z")
    }
}

/// "3 days", "5 hours", "12 minutes": how people read an age.
pub fn describe_age(seconds: i64) -> String {
    let plural = |count: i64, unit: &str| {
        if count == 1 {
            format!("1 {unit}")
        } else {
            format!("{count} {unit}s")
        }
    };
    if seconds < 0 {
        return "from the future (check the clock)".to_owned();
    }
    if seconds < 3600 {
        plural(seconds / 60, "minute")
    } else if seconds < 2 * 86_400 {
        plural(seconds / 3600, "hour")
    } else {
        plural(seconds / 86_400, "day")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_forms_found_in_advisories() {
        let plain = Timestamp::parse("2024-06-05T14:00:17Z").unwrap();
        assert_eq!(plain.to_string(), "2024-06-05T14:00:17Z");
        assert_eq!(plain.unix_seconds(), 1_717_596_017);
        let fractional = Timestamp::parse("2024-06-05T14:00:17.5Z").unwrap();
        assert!(fractional > plain);
        assert_eq!(fractional.to_string(), "2024-06-05T14:00:17.5Z");
        let offset = Timestamp::parse("2024-06-05T16:00:17+02:00").unwrap();
        assert_eq!(offset, plain);
        assert_eq!(
            Timestamp::parse("2020-11-18").unwrap().to_string(),
            "2020-11-18T00:00:00Z"
        );
        for bad in [
            "",
            "2024-13-01",
            "2023-02-29",
            "2024-06-05T14:00:17",
            "yesterday",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ages_read_like_people_say_them() {
        assert_eq!(describe_age(59), "0 minutes");
        assert_eq!(describe_age(3 * 3600), "3 hours");
        assert_eq!(describe_age(9 * 86_400 + 5), "9 days");
    }

    proptest! {
        #[test]
        fn printing_and_parsing_round_trip(seconds in -2_000_000_000i64..8_000_000_000i64) {
            let timestamp = Timestamp::from_unix(seconds);
            prop_assert_eq!(Timestamp::parse(&timestamp.to_string()), Some(timestamp));
        }
    }
}
