//! `--format html`: one self-contained HTML file (summary, findings with filters, the
//! collapsible dependency tree with how each component was introduced, model cards) that opens
//! offline, inside an isolated network: the style sheet and the script are inlined, nothing is
//! loaded from anywhere, and a Content-Security-Policy (`default-src 'none'` with the hashes of
//! the one style and the one script) makes the browser refuse anything else.
//!
//! The data is airlock's JSON report (docs/json-format.md) embedded in a
//! `<script type="application/json">` block. Scanned text is hostile (package names, model card
//! text), so the JSON is escaped for that context (every `<`, `>`, `&`, U+2028 and U+2029 as a
//! `\u` escape: no `</script>` or `<!--` can appear, and the JSON parses to the same value),
//! the few values placed in the markup itself are HTML-escaped, and the script only ever shows
//! text through `textContent`. The HTML Standard's rules for script data are in §4.12.1.3
//! ("Restrictions for contents of script elements").

use std::path::PathBuf;

use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};

use scanner_core::risk::{Analysis, RuleId};
use scanner_core::scan::ScanReport;

use super::common;

const TEMPLATE: &str = include_str!("html/template.html");
const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// The page for `report`; `analysis` is `Some` for `scan` (the page then has findings),
/// `database` is the scan's `advisory_database` object (whether vulnerabilities were matched)
/// and `policy` what judged the findings (shown as a banner); the page says it was generated at
/// `timestamp` (seconds since the Unix epoch).
pub fn report(
    report: &ScanReport,
    analysis: Option<&Analysis>,
    database: Option<serde_json::Value>,
    policy: Option<&common::PolicyFacts>,
    paths: &[PathBuf],
    timestamp: i64,
) -> anyhow::Result<Vec<u8>> {
    let data = super::json::report_with_database(report, analysis, database, policy)?;
    let data = String::from_utf8(data)?;
    let project = common::project_name(paths);
    let generated_at = common::rfc3339(timestamp)?;
    let rules: serde_json::Map<String, serde_json::Value> = RuleId::ALL
        .iter()
        .map(|rule| {
            (
                rule.as_str().to_owned(),
                json!({
                    "description": rule.description(),
                    "default_severity": rule.default_severity().as_str(),
                }),
            )
        })
        .collect();
    let meta = json!({
        "command": if analysis.is_some() { "scan" } else { "sbom" },
        "project": project,
        "paths": paths.iter().map(|path| path.display().to_string()).collect::<Vec<_>>(),
        "generated_at": generated_at,
        "airlock_version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
        // Said once, in Rust, so the page and the table's note cannot disagree.
        "policy_sentence": policy.map(common::PolicyFacts::sentence),
        "policy_caution": policy.is_some_and(|policy| {
            policy.trust_project_policy
                || policy.project_files.iter().any(|file| file.refused_entries > 0)
        }),
    });
    let policy = format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src data:; base-uri 'none'; \
         form-action 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    );
    let title = format!(
        "airlock {}: {project}",
        if analysis.is_some() { "scan" } else { "sbom" }
    );
    let page = fill(TEMPLATE, |name| match name {
        "CSP" => Some(escape_html(&policy)),
        "VERSION" => Some(escape_html(env!("CARGO_PKG_VERSION"))),
        "TITLE" => Some(escape_html(&title)),
        "PROJECT" => Some(escape_html(&project)),
        "STYLE" => Some(STYLE.to_owned()),
        "SCRIPT" => Some(SCRIPT.to_owned()),
        "DATA" => Some(escape_json_for_script(&data)),
        "META" => Some(escape_json_for_script(&meta.to_string())),
        _ => None,
    })?;
    Ok(page.into_bytes())
}

/// Replaces each `{{NAME}}` of the template in one pass (inserted text is never scanned again,
/// so data that happens to contain `{{DATA}}` stays as it is).
fn fill(template: &str, value: impl Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let mut page = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let (before, after) = rest.split_at(start);
        page.push_str(before);
        let after = after.get(2..).unwrap_or_default();
        let end = after
            .find("}}")
            .ok_or_else(|| anyhow::anyhow!("the HTML template has an unclosed placeholder"))?;
        let name = after.get(..end).unwrap_or_default();
        let filled = value(name)
            .ok_or_else(|| anyhow::anyhow!("the HTML template names an unknown value `{name}`"))?;
        page.push_str(&filled);
        rest = after.get(end + 2..).unwrap_or_default();
    }
    page.push_str(rest);
    Ok(page)
}

/// Text for HTML content and double-quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// JSON made safe inside `<script type="application/json">`: `<`, `>` and `&` can only occur
/// inside JSON strings, where their `\u` escapes mean the same characters, so the block can
/// never contain `</script`, `<!--` or `<script`; U+2028 and U+2029 are escaped too, for any
/// reader that treats the text as JavaScript.
pub fn escape_json_for_script(json: &str) -> String {
    let mut escaped = String::with_capacity(json.len());
    for character in json.chars() {
        match character {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            '\u{2028}' => escaped.push_str("\\u2028"),
            '\u{2029}' => escaped.push_str("\\u2029"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A CSP source expression allowing exactly this inline script or style.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    use scanner_core::scan::{scan, ScanOptions};

    #[test]
    fn hostile_json_cannot_close_the_script_block() {
        let hostile = json!({
            "name": "</script><script>alert(1)</script><!-- \u{2028}&amp;",
        })
        .to_string();
        let escaped = escape_json_for_script(&hostile);
        let lower = escaped.to_lowercase();
        assert!(!lower.contains("</script") && !lower.contains("<!--") && !lower.contains('<'));
        assert!(!escaped.contains('\u{2028}') && !escaped.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back.to_string(), hostile, "the same value after parsing");
    }

    #[test]
    fn markup_values_are_escaped() {
        assert_eq!(
            escape_html("<img src=x onerror='a()'>&\""),
            "&lt;img src=x onerror=&#39;a()&#39;&gt;&amp;&quot;"
        );
    }

    #[test]
    fn placeholders_are_filled_once() {
        let page = fill("<p>{{A}}</p>{{B}}", |name| match name {
            "A" => Some("{{B}}".to_owned()),
            "B" => Some("b".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(page, "<p>{{B}}</p>b");
        assert!(fill("{{C}}", |_| None).is_err());
        assert!(fill("{{A", |_| Some(String::new())).is_err());
    }

    #[test]
    fn the_inlined_assets_cannot_end_their_own_elements() {
        assert!(!SCRIPT.to_lowercase().contains("</script"));
        assert!(!STYLE.to_lowercase().contains("</style"));
        // No network: nothing in the page may name another origin to load from.
        for asset in [TEMPLATE, STYLE, SCRIPT] {
            for forbidden in ["src=\"http", "url(", "@import", "fetch(", "XMLHttpRequest"] {
                assert!(!asset.contains(forbidden), "{forbidden}");
            }
        }
    }

    #[test]
    fn the_page_is_self_contained_and_allows_only_its_own_script() {
        let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf();
        let paths = [repository.join("examples/agent-stack/models")];
        let scanned = scan(&paths, &ScanOptions::default()).unwrap();
        let analysis = scanner_core::risk::analyze(&scanned.graph, None);
        let page = String::from_utf8(
            report(
                &scanned,
                Some(&analysis),
                Some(json!({"used": false, "reason": "--no-vuln-db"})),
                None,
                &paths,
                1_700_000_000,
            )
            .unwrap(),
        )
        .unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(!page.contains("{{"), "every placeholder filled");
        assert_eq!(
            page.matches("<script").count(),
            3,
            "two data blocks, one script"
        );
        assert!(page.contains(&escape_html(&format!("script-src '{}'", csp_hash(SCRIPT)))));
        assert!(page.contains("<title>airlock scan: models</title>"));
        let start = page.find("id=\"airlock-data\">").unwrap() + "id=\"airlock-data\">".len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(data["format"], "airlock-report");
        assert!(data["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["rule"] == "dangerous-pickle-import"));
    }
}
