//! CVSS v3.0/v3.1 base scores from vector strings (FIRST, "CVSS v3.1 Specification",
//! section 7.1 and Appendix A rounding), so an advisory that only gives a vector still gets a
//! severity. CVSS v2 and v4 vectors are not scored here (no severity rather than a guess).

use scanner_core::risk::Severity;

/// The base score (0.0–10.0) of a `CVSS:3.x/...` vector, or `None` when it is not one or a base
/// metric is missing.
pub fn base_score_v3(vector: &str) -> Option<f64> {
    let mut parts = vector.trim().split('/');
    let version = parts.next()?;
    if version != "CVSS:3.0" && version != "CVSS:3.1" {
        return None;
    }
    let (mut av, mut ac, mut pr, mut ui, mut scope_changed) = (None, None, None, None, None);
    let (mut c, mut i, mut a) = (None, None, None);
    for part in parts {
        let (metric, value) = part.split_once(':')?;
        match (metric, value) {
            ("AV", "N") => av = Some(0.85),
            ("AV", "A") => av = Some(0.62),
            ("AV", "L") => av = Some(0.55),
            ("AV", "P") => av = Some(0.2),
            ("AC", "L") => ac = Some(0.77),
            ("AC", "H") => ac = Some(0.44),
            ("PR", value) => pr = Some(value),
            ("UI", "N") => ui = Some(0.85),
            ("UI", "R") => ui = Some(0.62),
            ("S", "U") => scope_changed = Some(false),
            ("S", "C") => scope_changed = Some(true),
            ("C", value) => c = impact(value),
            ("I", value) => i = impact(value),
            ("A", value) => a = impact(value),
            _ => {}
        }
    }
    let scope_changed = scope_changed?;
    let pr = match (pr?, scope_changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let iss = 1.0 - (1.0 - c?) * (1.0 - i?) * (1.0 - a?);
    let impact = if scope_changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av? * ac? * pr * ui?;
    if impact <= 0.0 {
        return Some(0.0);
    }
    let raw = if scope_changed {
        (1.08 * (impact + exploitability)).min(10.0)
    } else {
        (impact + exploitability).min(10.0)
    };
    Some(round_up(raw))
}

fn impact(value: &str) -> Option<f64> {
    match value {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    }
}

/// CVSS 3.1 Appendix A: the smallest number with one decimal that is >= the input.
fn round_up(value: f64) -> f64 {
    let integer = (value * 100_000.0).round() as i64;
    if integer % 10_000 == 0 {
        integer as f64 / 100_000.0
    } else {
        ((integer / 10_000) as f64 + 1.0) / 10.0
    }
}

/// The qualitative rating of a CVSS v3 score (None is reported as info).
pub fn severity_of_score(score: f64) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score >= 0.1 {
        Severity::Low
    } else {
        Severity::Info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors_score_as_nvd_publishes_them() {
        // CVE-2020-26235 (time): 6.2 medium.
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
            Some(6.2)
        );
        // CVE-2021-44228 (log4shell): 10.0.
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            Some(10.0)
        );
        // CVE-2023-32681 (requests): 6.1.
        assert_eq!(
            base_score_v3("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"),
            Some(6.1)
        );
        assert_eq!(base_score_v3("AV:N/AC:L/Au:N/C:P/I:P/A:P"), None);
        assert_eq!(base_score_v3("CVSS:3.1/AV:N"), None);
        assert_eq!(severity_of_score(6.2), Severity::Medium);
        assert_eq!(severity_of_score(10.0), Severity::Critical);
    }
}
