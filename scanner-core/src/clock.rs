//! The run's one clock. airlock needs two different "nows", and mixing them up is a security
//! bug, so they are two named methods of one value made once by the CLI and passed down:
//!
//! - [`Clock::document_time`]: what the run's reports and bundles say they were made at, and
//!   the date policy expiries are judged on. `SOURCE_DATE_EPOCH` (reproducible-builds.org)
//!   fixes it when the operator sets it, so the same input gives the same bytes.
//! - [`Clock::trusted_now`]: the real present, always the system clock: what data ages
//!   (advisory database freshness, records dated in the future) are judged against and what
//!   fetches and imports are recorded at. Never `SOURCE_DATE_EPOCH`: a reproducible build date
//!   in the past would make old advisory data look fresh.
//!
//! The library reads no environment: the CLI parses `SOURCE_DATE_EPOCH` (junk is an error) and
//! picks the constructor. The clock ticks in whole seconds, which is what is recorded and shown.

use std::time::SystemTime;

use chrono::{DateTime, Utc};

use crate::policy::Date;

/// The two times of a run; see the module documentation for which to use where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    document_time: DateTime<Utc>,
    now: Now,
}

/// Where [`Clock::trusted_now`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Now {
    /// The system clock, read at each call (a long `db sync` records when each fetch ended).
    System,
    /// A fixed instant, for tests of what ages and bounds do.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The system clock; documents are dated when this clock was made.
    pub fn system() -> Clock {
        Clock {
            document_time: system_now(),
            now: Now::System,
        }
    }

    /// Documents dated `seconds` since the Unix epoch (`SOURCE_DATE_EPOCH`); the trusted now
    /// stays the system clock. `None` when `seconds` is outside the calendar (about ±262,000
    /// years).
    pub fn reproducible(seconds: i64) -> Option<Clock> {
        Some(Clock {
            document_time: whole_seconds(seconds)?,
            now: Now::System,
        })
    }

    /// Both times fixed at `seconds` since the Unix epoch: for tests. `None` outside the
    /// calendar.
    pub fn fixed(seconds: i64) -> Option<Clock> {
        let time = whole_seconds(seconds)?;
        Some(Clock {
            document_time: time,
            now: Now::Fixed(time),
        })
    }

    /// What the run's documents say they were made at.
    pub fn document_time(&self) -> DateTime<Utc> {
        self.document_time
    }

    /// The UTC date of [`Clock::document_time`]: the day policy expiries are judged on, so a
    /// reproducible run judges them the same way every time.
    pub fn document_date(&self) -> Date {
        Date::from_unix_seconds(self.document_time.timestamp())
    }

    /// The real present (the system clock unless the clock is [`Clock::fixed`]): what data
    /// ages are judged against and what fetches and imports are recorded at.
    pub fn trusted_now(&self) -> DateTime<Utc> {
        match self.now {
            Now::System => system_now(),
            Now::Fixed(time) => time,
        }
    }
}

/// The system clock in whole seconds (a clock set before 1970 reads as 1970).
fn system_now() -> DateTime<Utc> {
    let seconds = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    whole_seconds(seconds).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn whole_seconds(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(seconds, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reproducible_clock_fixes_documents_and_never_the_present() {
        let clock = Clock::reproducible(1_700_000_000).unwrap();
        assert_eq!(clock.document_time().timestamp(), 1_700_000_000);
        assert_eq!(clock.document_date().to_string(), "2023-11-14");
        // The present is the system's, here well after the document date.
        assert!(clock.trusted_now() > clock.document_time());
        assert!(clock.trusted_now().timestamp() >= Clock::system().document_time().timestamp());
    }

    #[test]
    fn a_fixed_clock_fixes_both_and_whole_seconds_are_kept() {
        let clock = Clock::fixed(951_782_400).unwrap();
        assert_eq!(clock.trusted_now(), clock.document_time());
        assert_eq!(clock.document_date().to_string(), "2000-02-29");
        assert_eq!(Clock::system().trusted_now().timestamp_subsec_nanos(), 0);
        assert_eq!(Clock::fixed(i64::MAX), None);
        assert_eq!(Clock::reproducible(i64::MIN), None);
    }
}
