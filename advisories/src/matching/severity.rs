//! Severity of an advisory: the CVSS base score computed from each v3.x / v4.0 vector it
//! carries (the OSV `severity` field, https://ossf.github.io/osv-schema/#severity-field), and
//! only when none parses, the database's own label (GHSA's `database_specific.severity`,
//! RustSec's informational kinds). The highest rating wins.

use std::str::FromStr;

use scanner_core::risk::Severity;

/// One CVSS rating, as CycloneDX and SARIF want it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    /// `CVSSv3`, `CVSSv31` or `CVSSv4`, CycloneDX's method names.
    pub method: &'static str,
    /// The CVSS vector as the advisory gave it, so a reader can check the score.
    pub vector: String,
    /// The base score computed from `vector` (0.0 to 10.0), never a score the record claims.
    pub score: f64,
    /// The qualitative level of `score` under the CVSS version's own bands.
    pub severity: Severity,
}

/// True for the OSV severity types whose score is a CVSS vector (`CVSS_V2`, `CVSS_V3`,
/// `CVSS_V4`); any other type (`Ubuntu`) scores with a word, read as a label.
pub fn is_cvss(kind: &str) -> bool {
    kind.starts_with("CVSS_")
}

/// Rates one OSV severity entry; `None` for types airlock does not score (CVSS v2, Ubuntu
/// priorities) and for vectors that do not parse.
pub fn rate(kind: &str, vector: &str) -> Option<Rating> {
    if !matches!(kind, "CVSS_V3" | "CVSS_V4") {
        return None;
    }
    let parsed = cvss::Cvss::from_str(vector.trim()).ok()?;
    let method = match parsed {
        cvss::Cvss::CvssV30(_) => "CVSSv3",
        cvss::Cvss::CvssV31(_) => "CVSSv31",
        cvss::Cvss::CvssV40(_) => "CVSSv4",
        _ => return None,
    };
    let score = parsed.score();
    Some(Rating {
        method,
        vector: vector.trim().to_owned(),
        score,
        severity: from_score(score),
    })
}

/// The qualitative rating of a CVSS base score (the same bands in v3.x and v4.0).
pub fn from_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

/// A database's own severity label (`MODERATE` is GHSA's medium).
pub fn from_label(label: &str) -> Option<Severity> {
    match label.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "important" => Some(Severity::High),
        "moderate" | "medium" => Some(Severity::Medium),
        // Ubuntu's priorities (OSV severity type `Ubuntu`) add `negligible`; it is still a
        // vulnerability, so it is not lowered to informational.
        "low" | "negligible" => Some(Severity::Low),
        "none" | "informational" | "info" => Some(Severity::Info),
        _ => None,
    }
}

/// The advisory's severity: the highest CVSS rating, else the highest label, else `None`.
pub fn overall(ratings: &[Rating], labels: &[&str]) -> Option<Severity> {
    ratings
        .iter()
        .map(|rating| rating.severity)
        .max()
        .or_else(|| labels.iter().filter_map(|label| from_label(label)).max())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_vectors_are_scored() {
        let v31 = rate("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(
            (v31.method, v31.score, v31.severity),
            ("CVSSv31", 9.8, Severity::Critical)
        );
        let v30 = rate("CVSS_V3", "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N").unwrap();
        assert_eq!(
            (v30.method, v30.score, v30.severity),
            ("CVSSv3", 3.1, Severity::Low)
        );
        let v4 = rate(
            "CVSS_V4",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        )
        .unwrap();
        assert_eq!(
            (v4.method, v4.score, v4.severity),
            ("CVSSv4", 9.3, Severity::Critical)
        );
        let medium = rate(
            "CVSS_V4",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
        )
        .unwrap();
        assert_eq!(medium.severity, Severity::Medium);
        assert!(rate("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P").is_none());
        assert!(rate("CVSS_V3", "CVSS:3.1/AV:N/garbage").is_none());
    }

    #[test]
    fn highest_rating_wins_and_labels_are_the_fallback() {
        let low = rate("CVSS_V3", "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N").unwrap();
        let critical = rate("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!(
            overall(&[low.clone(), critical], &["LOW"]),
            Some(Severity::Critical)
        );
        assert_eq!(
            overall(&[low], &["CRITICAL"]),
            Some(Severity::Low),
            "vectors beat labels"
        );
        assert_eq!(overall(&[], &["MODERATE", "LOW"]), Some(Severity::Medium));
        assert_eq!(overall(&[], &["unknown"]), None);
    }
}
