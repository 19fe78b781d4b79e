//! Timestamps as the advisory formats write them (RFC 3339 in OSV, plain dates in RustSec) and
//! the clock, without a date-time dependency: the store only needs to order instants, print them
//! in UTC and say how old a database is.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// An instant with second precision plus nanoseconds, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    seconds: i64,
    nanoseconds: u32,
}

impl Timestamp {
    pub fn from_unix(seconds: i64) -> Timestamp {
        Timestamp {
            seconds,
            nanoseconds: 0,
        }
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> i64 {
        self.seconds
    }

    /// The system clock, in whole seconds (what is recorded and shown).
    pub fn now() -> Timestamp {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(elapsed) => {
                Timestamp::from_unix(i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
            }
            Err(_) => Timestamp::from_unix(0),
        }
    }

    /// `SOURCE_DATE_EPOCH` when set (reproducible artifacts), else the clock.
    pub fn now_or_source_date_epoch() -> Timestamp {
        std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|text| text.trim().parse::<i64>().ok())
            .map(Timestamp::from_unix)
            .unwrap_or_else(Timestamp::now)
    }

    /// Reads `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)` (RFC 3339; a space or a
    /// lowercase `t`/`z` accepted as RFC 3339 allows).
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let year = digits(bytes, 0, 4)?;
        if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return None;
        }
        let month = digits(bytes, 5, 2)?;
        let day = digits(bytes, 8, 2)?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        if bytes.len() == 10 {
            return Some(Timestamp::from_unix(days * 86_400));
        }
        if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
            return None;
        }
        let hour = digits(bytes, 11, 2)?;
        let minute = digits(bytes, 14, 2)?;
        let second = digits(bytes, 17, 2)?;
        if bytes.get(13) != Some(&b':') || bytes.get(16) != Some(&b':') {
            return None;
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut position = 19;
        let mut nanoseconds: u32 = 0;
        if bytes.get(position) == Some(&b'.') {
            position += 1;
            let start = position;
            while bytes.get(position).is_some_and(u8::is_ascii_digit) {
                if position - start < 9 {
                    let digit = u32::from(bytes.get(position).copied().unwrap_or(b'0') - b'0');
                    nanoseconds = nanoseconds * 10 + digit;
                }
                position += 1;
            }
            if position == start {
                return None;
            }
            for _ in (position - start).min(9)..9 {
                nanoseconds *= 10;
            }
        }
        let offset_seconds = match bytes.get(position) {
            Some(b'Z' | b'z') if bytes.len() == position + 1 => 0,
            Some(sign @ (b'+' | b'-')) if bytes.len() == position + 6 => {
                let hours = digits(bytes, position + 1, 2)?;
                let minutes = digits(bytes, position + 4, 2)?;
                if bytes.get(position + 3) != Some(&b':') {
                    return None;
                }
                let offset = hours * 3600 + minutes * 60;
                if *sign == b'+' {
                    offset
                } else {
                    -offset
                }
            }
            _ => return None,
        };
        Some(Timestamp {
            seconds: days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds,
            nanoseconds,
        })
    }

    /// Seconds from `self` to `later` (negative when `later` is earlier).
    pub fn seconds_until(self, later: Timestamp) -> i64 {
        later.seconds - self.seconds
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2024-06-05T14:00:17Z`, with a fraction only when there is one, so
    /// the text reads back to the same instant.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds.div_euclid(86_400);
        let second_of_day = self.seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            formatter,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day % 3600 / 60,
            second_of_day % 60
        )?;
        if self.nanoseconds != 0 {
            let fraction = format!("{:09}", self.nanoseconds);
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

fn digits(bytes: &[u8], start: usize, count: usize) -> Option<i64> {
    let slice = bytes.get(start..start + count)?;
    slice.iter().try_fold(0i64, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + i64::from(byte - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
