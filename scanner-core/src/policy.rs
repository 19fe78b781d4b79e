//! The policy file, `airlock.toml`: what fails a scan, which findings are accepted (with a
//! reason and an expiry), per-rule severities, license lists, extra allowed pickle imports and
//! trusted sources. Parsed from a spanned TOML tree so that every unknown key and every bad
//! value is reported at once, with its line, instead of one error per run.
//!
//! ```toml
//! fail-on = "high"
//! unknown-severity = "high"    # what an advisory without a rating counts as
//!
//! [[ignore]]
//! id = "GHSA-j8r2-6x86-q33q"   # an advisory id or alias, or a rule id
//! package = "requests"         # optional
//! version = "2.30.0"           # optional
//! reason = "proxy credentials are never set"
//! expires = 2027-01-31         # optional; an expired entry stops applying
//!
//! [rules.unpinned-dependency]
//! severity = "low"             # or enabled = false
//!
//! [licenses]                   # packages
//! allow = ["MIT", "Apache-2.0"]
//! deny = ["AGPL-3.0-only"]
//!
//! [models]
//! allowed-pickle-imports = ["sklearn.tree._classes.DecisionTreeClassifier"]
//! licenses = { deny = ["cc-by-nc-4.0"] }
//!
//! [sources]
//! trusted-registries = ["https://download.pytorch.org/whl/cu121"]
//! trusted-git-hosts = ["github.com/my-org"]
//! ```
//!
//! The `[database]` and `[sync]` tables belong to the advisory database's settings and are
//! accepted here without being read.

use std::collections::BTreeMap;
use std::fmt;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::component::Source;
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::location::Location;
use crate::risk::{Analysis, Finding, LicenseLists, LicensePolicy, RiskOptions, RuleId, Severity};
use crate::text::LineIndex;

/// Tables other parts of airlock read from the same file.
const FOREIGN_TABLES: &[&str] = &["database", "sync"];

/// A calendar date (the `expires` of an ignore entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the day against the month.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year: u16 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// The UTC date of a Unix timestamp.
    pub fn from_unix_seconds(seconds: u64) -> Date {
        // Howard Hinnant's days-to-civil algorithm.
        let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX / 2);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: u16::try_from(year).unwrap_or(u16::MAX),
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreEntry {
    /// An advisory id or alias, or a rule id.
    pub id: String,
    /// Normalized per the package's ecosystem when compared.
    pub package: Option<String>,
    pub version: Option<String>,
    pub reason: String,
    pub expires: Option<Date>,
    pub location: Location,
}

impl IgnoreEntry {
    fn matches(&self, finding: &Finding) -> bool {
        let id_matches = self.id == finding.rule.as_str()
            || finding
                .advisory
                .as_ref()
                .is_some_and(|advisory| advisory.all_ids().contains(&self.id.as_str()));
        let package_matches = self.package.as_deref().is_none_or(|package| {
            crate::name::normalize(finding.component.ecosystem, package)
                == finding.component.name.normalized()
        });
        let version_matches = self
            .version
            .as_deref()
            .is_none_or(|version| finding.component.version.as_deref() == Some(version));
        id_matches && package_matches && version_matches
    }
}

/// A rule's setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleSetting {
    pub severity: Option<Severity>,
    pub disabled: bool,
}

/// A parsed policy. The default policy changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// The file it was read from.
    pub path: Option<String>,
    pub fail_on: Option<Severity>,
    /// What a vulnerability without a usable rating counts as for `fail-on`, sorting and
    /// totals (`unknown-severity`); `None` is [`crate::risk::DEFAULT_UNKNOWN_COUNTS_AS`]
    /// (high). A lower level is looser.
    pub unknown_severity: Option<Severity>,
    pub ignores: Vec<IgnoreEntry>,
    pub rules: BTreeMap<RuleId, RuleSetting>,
    pub package_licenses: LicenseLists,
    pub model_licenses: LicenseLists,
    pub allowed_pickle_imports: Vec<String>,
    pub trusted_registries: Vec<String>,
    pub trusted_git_hosts: Vec<String>,
}

/// A finding the policy accepted, with the entry that accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredFinding {
    pub finding: Finding,
    pub entry: IgnoreEntry,
}

/// What applying a policy changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyReport {
    pub ignored: Vec<IgnoredFinding>,
    /// Entries past their `expires` date: they no longer apply.
    pub expired: Vec<IgnoreEntry>,
    /// Findings dropped because their rule is disabled.
    pub disabled: usize,
}

impl Policy {
    /// Parses a policy file; every problem is reported, each with its line.
    pub fn parse(path: &str, text: &str) -> Result<Policy, Vec<Diagnostic>> {
        let mut parser = Parser {
            path,
            text,
            index: LineIndex::new(text),
            errors: Vec::new(),
        };
        let table = match DeTable::parse(text) {
            Ok(table) => table,
            Err(error) => {
                let line = error
                    .span()
                    .map(|span| parser.index.line(span.start))
                    .unwrap_or(1);
                return Err(vec![parser.error_at_line(line, error.message().to_owned())]);
            }
        };
        let mut policy = Policy {
            path: Some(path.to_owned()),
            ..Policy::default()
        };
        parser.document(table.get_ref(), &mut policy);
        if parser.errors.is_empty() {
            Ok(policy)
        } else {
            let mut errors = parser.errors;
            errors.sort_by_key(|error| error.location.as_ref().and_then(|location| location.line));
            Err(errors)
        }
    }

    /// Applies the policy to an analysis: disabled rules are dropped, severities overridden,
    /// trusted sources cleared, and accepted findings moved aside. `today` decides expiry.
    pub fn apply(&self, analysis: &mut Analysis, today: Date) -> PolicyReport {
        let mut report = PolicyReport::default();
        let (active, expired): (Vec<&IgnoreEntry>, Vec<&IgnoreEntry>) = self
            .ignores
            .iter()
            .partition(|entry| entry.expires.is_none_or(|expires| expires >= today));
        report.expired = expired.into_iter().cloned().collect();
        let findings = std::mem::take(&mut analysis.findings);
        for mut finding in findings {
            let setting = self.rules.get(&finding.rule).copied().unwrap_or_default();
            if setting.disabled {
                report.disabled += 1;
                continue;
            }
            if finding.rule == RuleId::NonRegistrySource && self.trusts(&finding.component.source) {
                continue;
            }
            if finding.rule == RuleId::AlternativeRegistry {
                if let Source::Registry { index: Some(index) } = &finding.component.source {
                    if self.trusts_registry(index) {
                        continue;
                    }
                }
            }
            if let Some(severity) = setting.severity {
                finding.severity = severity;
            }
            match active.iter().find(|entry| entry.matches(&finding)) {
                Some(entry) => report.ignored.push(IgnoredFinding {
                    finding,
                    entry: (*entry).clone(),
                }),
                None => analysis.findings.push(finding),
            }
        }
        analysis.sort();
        report
    }

    /// Whether a git or URL source is on a trusted host (`github.com/org` matches
    /// `https://github.com/org/repo.git`).
    fn trusts(&self, source: &Source) -> bool {
        let url = match source {
            Source::Git { url, .. } | Source::Url { url } => url,
            Source::Registry { .. } | Source::Path { .. } | Source::File { .. } => return false,
        };
        let bare = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .trim_start_matches("git@")
            .replacen(':', "/", 1);
        let bare = bare
            .split_once('@')
            .filter(|(userinfo, _)| !userinfo.contains('/'))
            .map_or(bare.as_str(), |(_, host)| host);
        self.trusted_git_hosts.iter().any(|trusted| {
            let trusted = trusted.trim_end_matches('/');
            bare == trusted
                || bare
                    .strip_prefix(trusted)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// What the risk analysis needs from the policy: extra allowed pickle imports, license
    /// lists. Rule overrides and ignores are applied afterwards by [`Policy::apply`].
    pub fn risk_options(&self) -> RiskOptions {
        let mut options = RiskOptions {
            unknown_counts_as: self.unknown_counts_as(),
            ..RiskOptions::default()
        };
        options
            .model
            .extra_allowed_globals
            .clone_from(&self.allowed_pickle_imports);
        options.licenses = LicensePolicy {
            packages: self.package_licenses.clone(),
            models: self.model_licenses.clone(),
        };
        options
    }

    /// What a finding of unknown severity counts as under this policy.
    pub fn unknown_counts_as(&self) -> Severity {
        self.unknown_severity
            .unwrap_or(crate::risk::DEFAULT_UNKNOWN_COUNTS_AS)
    }

    /// Whether an alternative package index is trusted.
    pub fn trusts_registry(&self, index: &str) -> bool {
        let index = index.trim_end_matches('/');
        self.trusted_registries
            .iter()
            .any(|trusted| trusted.trim_end_matches('/') == index)
    }
}

struct Parser<'a> {
    path: &'a str,
    text: &'a str,
    index: LineIndex,
    errors: Vec<Diagnostic>,
}

type Value<'i> = Spanned<DeValue<'i>>;

impl Parser<'_> {
    fn line_of<T>(&self, spanned: &Spanned<T>) -> u32 {
        self.index.line(spanned.span().start)
    }

    fn error_at_line(&self, line: u32, message: String) -> Diagnostic {
        Diagnostic::error(
            DiagnosticCode::PolicyError,
            Location::line(self.path, line),
            message,
        )
    }

    fn error<T>(&mut self, spanned: &Spanned<T>, message: String) {
        let line = self.line_of(spanned);
        let diagnostic = self.error_at_line(line, message);
        self.errors.push(diagnostic);
    }

    fn unknown_key(&mut self, key: &Spanned<std::borrow::Cow<'_, str>>, table: &str) {
        let name = key.get_ref();
        let message = if table.is_empty() {
            format!("unknown key `{name}`")
        } else {
            format!("unknown key `{name}` in `{table}`")
        };
        self.error(key, message);
    }

    fn document(&mut self, table: &DeTable<'_>, policy: &mut Policy) {
        for (key, value) in table {
            match key.get_ref().as_ref() {
                "fail-on" => policy.fail_on = self.severity(value, "fail-on"),
                "unknown-severity" => {
                    policy.unknown_severity = self.severity(value, "unknown-severity");
                }
                "ignore" => policy.ignores = self.ignores(value),
                "rules" => policy.rules = self.rules(value),
                "licenses" => policy.package_licenses = self.licenses(value, "licenses"),
                "models" => self.models(value, policy),
                "sources" => self.sources(value, policy),
                foreign if FOREIGN_TABLES.contains(&foreign) => {}
                _ => self.unknown_key(key, ""),
            }
        }
    }

    fn string(&mut self, value: &Value<'_>, what: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(text) => Some(text.to_string()),
            _ => {
                self.error(value, format!("`{what}` must be a string"));
                None
            }
        }
    }

    fn strings(&mut self, value: &Value<'_>, what: &str) -> Vec<String> {
        match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| self.string(item, what))
                .collect(),
            _ => {
                self.error(value, format!("`{what}` must be an array of strings"));
                Vec::new()
            }
        }
    }

    fn severity(&mut self, value: &Value<'_>, what: &str) -> Option<Severity> {
        let text = self.string(value, what)?;
        let severity = Severity::from_name(&text);
        if severity.is_none() {
            self.error(
                value,
                format!(
                    "`{what}` = \"{text}\" is not a severity (one of {})",
                    Severity::ALL.map(Severity::as_str).join(", ")
                ),
            );
        }
        severity
    }

    fn table<'v, 'i>(&mut self, value: &'v Value<'i>, what: &str) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                self.error(value, format!("`{what}` must be a table"));
                None
            }
        }
    }

    fn ignores(&mut self, value: &Value<'_>) -> Vec<IgnoreEntry> {
        let DeValue::Array(items) = value.get_ref() else {
            self.error(
                value,
                "`ignore` must be an array of tables (`[[ignore]]`)".into(),
            );
            return Vec::new();
        };
        items.iter().filter_map(|item| self.ignore(item)).collect()
    }

    fn ignore(&mut self, value: &Value<'_>) -> Option<IgnoreEntry> {
        let table = self.table(value, "ignore")?;
        let line = self.line_of(value);
        let (mut id, mut package, mut version, mut reason, mut expires) =
            (None, None, None, None, None);
        for (key, field) in table {
            match key.get_ref().as_ref() {
                "id" => id = self.string(field, "ignore.id"),
                "package" => package = self.string(field, "ignore.package"),
                "version" => version = self.string(field, "ignore.version"),
                "reason" => reason = self.string(field, "ignore.reason"),
                "expires" => expires = self.date(field),
                _ => self.unknown_key(key, "ignore"),
            }
        }
        let location = Location::line(self.path, line);
        let Some(id) = id.filter(|id| !id.trim().is_empty()) else {
            self.errors.push(self.error_at_line(
                line,
                "an `[[ignore]]` entry needs an `id` (advisory id, alias or rule id)".into(),
            ));
            return None;
        };
        let Some(reason) = reason.filter(|reason| !reason.trim().is_empty()) else {
            self.errors.push(self.error_at_line(
                line,
                format!("the `[[ignore]]` entry for `{id}` needs a `reason`"),
            ));
            return None;
        };
        Some(IgnoreEntry {
            id,
            package,
            version,
            reason,
            expires,
            location,
        })
    }

    fn date(&mut self, value: &Value<'_>) -> Option<Date> {
        let parsed = match value.get_ref() {
            DeValue::Datetime(datetime) => datetime.date.and_then(|date| {
                Date::parse(&format!(
                    "{:04}-{:02}-{:02}",
                    date.year, date.month, date.day
                ))
            }),
            DeValue::String(text) => Date::parse(text),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                value,
                "`ignore.expires` must be a date like 2027-01-31".into(),
            );
        }
        parsed
    }

    fn rules(&mut self, value: &Value<'_>) -> BTreeMap<RuleId, RuleSetting> {
        let mut rules = BTreeMap::new();
        let Some(table) = self.table(value, "rules") else {
            return rules;
        };
        for (key, setting) in table {
            let name = key.get_ref();
            let Some(rule) = RuleId::ALL
                .iter()
                .find(|rule| rule.as_str() == name.as_ref())
            else {
                self.error(
                    key,
                    format!(
                        "unknown rule `{name}` (rules: {})",
                        RuleId::ALL
                            .iter()
                            .map(|rule| rule.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            };
            let Some(fields) = self.table(setting, &format!("rules.{name}")) else {
                continue;
            };
            let mut parsed = RuleSetting::default();
            for (field, field_value) in fields {
                match field.get_ref().as_ref() {
                    "severity" => parsed.severity = self.severity(field_value, "severity"),
                    "enabled" => match field_value.get_ref() {
                        DeValue::Boolean(enabled) => parsed.disabled = !enabled,
                        _ => self.error(field_value, "`enabled` must be true or false".into()),
                    },
                    _ => self.unknown_key(field, &format!("rules.{name}")),
                }
            }
            rules.insert(*rule, parsed);
        }
        rules
    }

    fn licenses(&mut self, value: &Value<'_>, what: &str) -> LicenseLists {
        let mut lists = LicenseLists::default();
        let Some(table) = self.table(value, what) else {
            return lists;
        };
        for (key, field) in table {
            match key.get_ref().as_ref() {
                "allow" => lists.allow = self.strings(field, &format!("{what}.allow")),
                "deny" => lists.deny = self.strings(field, &format!("{what}.deny")),
                _ => self.unknown_key(key, what),
            }
        }
        lists
    }

    fn models(&mut self, value: &Value<'_>, policy: &mut Policy) {
        let Some(table) = self.table(value, "models") else {
            return;
        };
        for (key, field) in table {
            match key.get_ref().as_ref() {
                "allowed-pickle-imports" => {
                    policy.allowed_pickle_imports =
                        self.strings(field, "models.allowed-pickle-imports");
                }
                "licenses" => policy.model_licenses = self.licenses(field, "models.licenses"),
                _ => self.unknown_key(key, "models"),
            }
        }
    }

    fn sources(&mut self, value: &Value<'_>, policy: &mut Policy) {
        let Some(table) = self.table(value, "sources") else {
            return;
        };
        for (key, field) in table {
            match key.get_ref().as_ref() {
                "trusted-registries" => {
                    policy.trusted_registries = self.strings(field, "sources.trusted-registries");
                }
                "trusted-git-hosts" => {
                    policy.trusted_git_hosts = self.strings(field, "sources.trusted-git-hosts");
                }
                _ => self.unknown_key(key, "sources"),
            }
        }
    }
}

impl fmt::Debug for Parser<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Parser")
            .field("path", &self.path)
            .field("bytes", &self.text.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{ComponentKey, Source};
    use crate::ecosystem::Ecosystem;
    use crate::graph::GraphBuilder;
    use crate::name::PackageName;
    use crate::risk::{AdvisoryKind, AdvisoryRef};

    const VALID: &str = include_str!("../../tests/fixtures/policy/valid.toml");
    const ERRORS: &str = include_str!("../../tests/fixtures/policy/errors.toml");

    #[test]
    fn every_key_is_read() {
        let policy = Policy::parse("airlock.toml", VALID).unwrap();
        assert_eq!(policy.fail_on, Some(Severity::Medium));
        assert_eq!(policy.ignores.len(), 2);
        assert_eq!(
            policy.ignores[0].expires,
            Some(Date {
                year: 2027,
                month: 1,
                day: 31
            })
        );
        assert_eq!(policy.ignores[0].location.to_string(), "airlock.toml:4");
        assert!(policy.rules[&RuleId::NonRegistrySource].disabled);
        assert_eq!(
            policy.rules[&RuleId::UnpinnedDependency].severity,
            Some(Severity::Low)
        );
        assert_eq!(policy.package_licenses.deny, ["AGPL-3.0-only"]);
        assert_eq!(policy.model_licenses.deny, ["cc-by-nc-4.0"]);
        assert_eq!(policy.allowed_pickle_imports.len(), 1);
        assert!(policy.trusts_registry("https://download.pytorch.org/whl/cu121"));
    }

    #[test]
    fn every_mistake_is_reported_at_once_with_its_line() {
        let errors = Policy::parse("airlock.toml", ERRORS).unwrap_err();
        let lines: Vec<String> = errors
            .iter()
            .map(|error| format!("{}: {}", error.location.as_ref().unwrap(), error.message))
            .collect();
        let expected = [
            "airlock.toml:1: `fail-on` = \"severe\" is not a severity",
            "airlock.toml:2: unknown key `fial-on`",
            "airlock.toml:4: the `[[ignore]]` entry for `PYSEC-2023-74` needs a `reason`",
            "airlock.toml:9: `ignore.expires` must be a date",
            "airlock.toml:10: unknown key `colour` in `ignore`",
            "airlock.toml:7: an `[[ignore]]` entry needs an `id`",
            "airlock.toml:12: unknown rule `no-such-rule`",
            "airlock.toml:16: `enabled` must be true or false",
            "airlock.toml:19: `licenses.allow` must be an array of strings",
            "airlock.toml:22: `sources.trusted-registries` must be a string",
        ];
        for wanted in expected {
            assert!(
                lines.iter().any(|line| line.starts_with(wanted)),
                "missing `{wanted}` in:\n{}",
                lines.join("\n")
            );
        }
        assert_eq!(lines.len(), expected.len(), "{}", lines.join("\n"));
        assert!(errors
            .iter()
            .all(|error| error.code == DiagnosticCode::PolicyError));
    }

    #[test]
    fn unknown_severity_is_a_rated_level_and_defaults_to_high() {
        assert_eq!(
            Policy::default().unknown_counts_as(),
            Severity::High,
            "an unrated advisory stops the default gate"
        );
        let policy = Policy::parse("airlock.toml", "unknown-severity = \"critical\"\n").unwrap();
        assert_eq!(policy.unknown_severity, Some(Severity::Critical));
        assert_eq!(policy.risk_options().unknown_counts_as, Severity::Critical);

        // `unknown` cannot count as itself, and a typo is named with its line.
        let errors = Policy::parse(
            "airlock.toml",
            "fail-on = \"high\"\nunknown-severity = \"unknown\"\n",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            format!("{}: {}", errors[0].location.as_ref().unwrap(), errors[0].message),
            "airlock.toml:2: `unknown-severity` = \"unknown\" is not a severity (one of info, low, medium, high, critical)"
        );
        assert!(Policy::parse("airlock.toml", "unknown-severity = 3\n").is_err());
    }

    #[test]
    fn broken_toml_names_the_line() {
        let errors = Policy::parse("airlock.toml", "fail-on = \"high\"\n[rules\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].location.as_ref().unwrap().line, Some(2));
    }

    fn finding(name: &str, version: &str, rule: RuleId, advisory: Option<&str>) -> Finding {
        let key = ComponentKey::new(
            Ecosystem::PyPI,
            PackageName::new(Ecosystem::PyPI, name).unwrap(),
            Some(version.to_owned()),
            Source::Git {
                url: "https://github.com/my-org/tool.git".into(),
                reference: None,
                commit: None,
            },
        );
        let graph = GraphBuilder::new().build();
        let mut finding = Finding::new(&graph, rule, &key, "message".into());
        finding.advisory = advisory.map(|id| AdvisoryRef {
            aliases: vec!["GHSA-j8r2-6x86-q33q".into()],
            ..AdvisoryRef::new(id, AdvisoryKind::Vulnerability)
        });
        finding
    }

    #[test]
    fn ignores_match_aliases_expire_and_rules_are_overridden() {
        let policy = Policy::parse("airlock.toml", VALID).unwrap();
        let mut analysis = Analysis {
            findings: vec![
                finding(
                    "requests",
                    "2.30.0",
                    RuleId::KnownVulnerability,
                    Some("PYSEC-2023-74"),
                ),
                finding(
                    "requests",
                    "2.29.0",
                    RuleId::KnownVulnerability,
                    Some("PYSEC-2023-74"),
                ),
                finding("tool", "1.0", RuleId::NonRegistrySource, None),
                finding("loose", "1.0", RuleId::UnpinnedDependency, None),
            ],
            ..Analysis::default()
        };
        let report = policy.apply(&mut analysis, Date::parse("2026-11-22").unwrap());
        assert_eq!(
            report.ignored.len(),
            1,
            "matched through the GHSA alias, name normalized"
        );
        assert_eq!(
            report.ignored[0].finding.component.version.as_deref(),
            Some("2.30.0")
        );
        assert_eq!(report.disabled, 1);
        assert_eq!(report.expired.len(), 1, "the 2025 entry no longer applies");
        let remaining: Vec<(RuleId, Severity)> = analysis
            .findings
            .iter()
            .map(|finding| (finding.rule, finding.severity))
            .collect();
        assert_eq!(
            remaining,
            [
                // The test advisory carries no rating: unknown, never an assumed level.
                (RuleId::KnownVulnerability, Severity::Unknown),
                (RuleId::UnpinnedDependency, Severity::Low)
            ]
        );

        let later = policy.apply(&mut analysis.clone(), Date::parse("2027-02-01").unwrap());
        assert_eq!(later.expired.len(), 2);
        assert!(later.ignored.is_empty());
    }

    #[test]
    fn trusted_registries_clear_alternative_registry_findings() {
        let key = |index: &str| {
            ComponentKey::new(
                Ecosystem::PyPI,
                PackageName::new(Ecosystem::PyPI, "torch").unwrap(),
                Some("2.1.0+cu121".into()),
                Source::Registry {
                    index: Some(index.into()),
                },
            )
        };
        let graph = GraphBuilder::new().build();
        let mut analysis = Analysis {
            findings: vec![
                Finding::new(
                    &graph,
                    RuleId::AlternativeRegistry,
                    &key("https://download.pytorch.org/whl/cu121"),
                    "m".into(),
                ),
                Finding::new(
                    &graph,
                    RuleId::AlternativeRegistry,
                    &key("https://pypi.internal.example/simple"),
                    "m".into(),
                ),
            ],
            ..Analysis::default()
        };
        let policy = Policy::parse("airlock.toml", VALID).unwrap();
        policy.apply(&mut analysis, Date::parse("2026-01-01").unwrap());
        assert_eq!(analysis.findings.len(), 1);
        assert_eq!(
            analysis.findings[0].component.source,
            Source::Registry {
                index: Some("https://pypi.internal.example/simple".into())
            }
        );
    }

    #[test]
    fn trusted_git_hosts_clear_non_registry_findings() {
        let policy = Policy {
            trusted_git_hosts: vec!["github.com/my-org".into()],
            ..Policy::default()
        };
        let mut analysis = Analysis {
            findings: vec![finding("tool", "1.0", RuleId::NonRegistrySource, None)],
            ..Analysis::default()
        };
        policy.apply(&mut analysis, Date::parse("2026-01-01").unwrap());
        assert!(analysis.findings.is_empty());
        let other = Policy {
            trusted_git_hosts: vec!["github.com/my".into()],
            ..Policy::default()
        };
        let mut analysis = Analysis {
            findings: vec![finding("tool", "1.0", RuleId::NonRegistrySource, None)],
            ..Analysis::default()
        };
        other.apply(&mut analysis, Date::parse("2026-01-01").unwrap());
        assert_eq!(
            analysis.findings.len(),
            1,
            "a prefix must end at a path boundary"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-13-01").is_none());
        assert_eq!(Date::from_unix_seconds(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_unix_seconds(1_795_305_600).to_string(),
            "2026-11-22"
        );
        assert_eq!(
            Date::from_unix_seconds(951_782_400).to_string(),
            "2000-02-29"
        );
    }
}
