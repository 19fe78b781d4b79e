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
//! profiles = ["scikit-learn", "joblib", "numpy"]   # built-in safe pickle profiles
//! licenses = { deny = ["cc-by-nc-4.0"] }
//!
//! [sources]
//! trusted-registries = ["https://download.pytorch.org/whl/cu121"]
//! trusted-git-hosts = ["github.com/my-org"]
//! ```
//!
//! The `[database]` and `[sync]` tables belong to the advisory database's settings: they are
//! accepted here and only their keys' lines are kept (a project policy may not set them).
//!
//! Trust: the operator's files are layered with [`Policy::overlay`]; a policy file found inside
//! a scanned tree is *project policy*, applied with [`Policy::with_project_policy`]: it may only
//! tighten, and each entry that would loosen is refused and becomes a
//! `project-policy-loosening` finding ([`Loosening`]). Both functions destructure every field
//! of [`Policy`], so a new key does not compile until someone decides how it layers and whether
//! it tightens or loosens.

use std::collections::BTreeMap;
use std::fmt;

use chrono::Datelike as _;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::component::{Component, ComponentKey, ComponentKind, Hash, HashAlgorithm, Source};
use crate::diagnostic::{Diagnostic, DiagnosticCode};
use crate::ecosystem::Ecosystem;
use crate::facts::ProjectPolicyMode;
use crate::location::{Evidence, Location};
use crate::name::PackageName;
use crate::risk::{Analysis, Finding, LicenseLists, LicensePolicy, RiskOptions, RuleId, Severity};
use crate::text::LineIndex;

/// Tables other parts of airlock read from the same file (the operator's settings).
const FOREIGN_TABLES: &[&str] = &["database", "sync"];

/// The severity at or above which a scan fails when neither the command line nor a policy says.
pub const DEFAULT_FAIL_ON: Severity = Severity::High;

/// The evidence "extractor" of a policy file listed as a component: it was read as policy, not
/// by an extractor.
pub const POLICY_EVIDENCE: &str = "airlock/policy";

/// A calendar date (the `expires` of an ignore entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year (four digits).
    pub year: u16,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31 (checked against the month when parsed).
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the day against the month (chrono's calendar).
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year: u16 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        chrono::NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))
            .map(|_| Date { year, month, day })
    }

    /// The UTC date of a Unix timestamp, held to the years a `Date` can name (0 to 65535).
    pub fn from_unix_seconds(seconds: i64) -> Date {
        const FIRST: Date = Date {
            year: 0,
            month: 1,
            day: 1,
        };
        const LAST: Date = Date {
            year: u16::MAX,
            month: 12,
            day: 31,
        };
        let Some(date) = chrono::DateTime::from_timestamp(seconds, 0).map(|time| time.date_naive())
        else {
            return if seconds > 0 { LAST } else { FIRST };
        };
        match (
            u16::try_from(date.year()),
            u8::try_from(date.month()),
            u8::try_from(date.day()),
        ) {
            (Ok(year), Ok(month), Ok(day)) => Date { year, month, day },
            _ if date.year() > 0 => LAST,
            _ => FIRST,
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
    /// The one version the entry accepts; `None` for every version.
    pub version: Option<String>,
    /// Why the finding is accepted (required: an ignore says why).
    pub reason: String,
    /// The day after which the entry no longer applies.
    pub expires: Option<Date>,
    /// Where the entry is written.
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
    /// The severity of the rule's findings, replacing theirs (`[rules.ID] severity`).
    pub severity: Option<Severity>,
    /// The lowest severity the rule's findings keep: how a project policy's `severity` is
    /// applied, since it may raise a severity and never lower one.
    pub at_least: Option<Severity>,
    /// `Some(false)` drops the rule's findings (`enabled = false`); `Some(true)` keeps them
    /// whatever an earlier layer said.
    pub enabled: Option<bool>,
}

impl RuleSetting {
    /// True when the rule's findings are dropped (`enabled = false`).
    pub fn is_disabled(&self) -> bool {
        self.enabled == Some(false)
    }
}

/// The field of a `[rules.ID]` table an [`EntryLines`] line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleField {
    /// `[rules.ID] severity`.
    Severity,
    /// `[rules.ID] enabled`.
    Enabled,
}

/// Where the entries of one policy file were written (1-based lines), so that a finding about
/// an entry names its line. Filled by [`Policy::parse`]; empty after [`Policy::overlay`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryLines {
    /// The line of `fail-on`.
    pub fail_on: Option<u32>,
    /// The line of `unknown-severity`.
    pub unknown_severity: Option<u32>,
    /// The lines of each rule's `severity` and `enabled`.
    pub rules: BTreeMap<(RuleId, RuleField), u32>,
    /// List entries by key (`licenses.allow`, `models.allowed-pickle-imports`, ...) and value
    /// as written.
    pub lists: BTreeMap<(String, String), u32>,
    /// The keys of the `[database]` and `[sync]` tables (`database.path`), in file order.
    pub settings: Vec<(String, u32)>,
}

/// A parsed policy. The default policy changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// The file it was read from (after [`Policy::overlay`], the last file layered).
    pub path: Option<String>,
    /// `fail-on`: the lowest severity that fails a run; `None` is [`DEFAULT_FAIL_ON`].
    pub fail_on: Option<Severity>,
    /// The file `fail_on` was read from (they differ once files are layered).
    pub fail_on_source: Option<String>,
    /// What a vulnerability without a usable rating counts as for `fail-on`, sorting and
    /// totals (`unknown-severity`); `None` is [`crate::risk::DEFAULT_UNKNOWN_COUNTS_AS`]
    /// (high). A lower level is looser.
    pub unknown_severity: Option<Severity>,
    /// `[[ignore]]` entries: findings accepted, each with a reason.
    pub ignores: Vec<IgnoreEntry>,
    /// `[rules.ID]` settings by rule.
    pub rules: BTreeMap<RuleId, RuleSetting>,
    /// `[licenses]`: package licenses allowed and denied.
    pub package_licenses: LicenseLists,
    /// `[models.licenses]`: model licenses allowed and denied.
    pub model_licenses: LicenseLists,
    /// `[models] allowed-pickle-imports`: pickle globals (`module.name`, `module.*`) accepted.
    pub allowed_pickle_imports: Vec<String>,
    /// `[models] profiles`: built-in safe pickle profiles
    /// ([`crate::risk::pickle_imports::PROFILES`]).
    pub model_profiles: Vec<String>,
    /// `[sources] trusted-registries`: package indexes that are not reported as alternative.
    pub trusted_registries: Vec<String>,
    /// `[sources] trusted-git-hosts`: git hosts (or host/owner prefixes) that are trusted.
    pub trusted_git_hosts: Vec<String>,
    /// Where each entry was written, for findings about the file.
    pub lines: EntryLines,
}

/// One entry of a project policy that would loosen the operator's policy, refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loosening {
    /// The entry as written: `[[ignore]] id = "dangerous-pickle-import"`.
    pub entry: String,
    /// What it would have done: `would accept the findings it matches`.
    pub effect: String,
    /// The policy file and the entry's line.
    pub location: Location,
}

impl Loosening {
    /// The `project-policy-loosening` finding about this entry, on the policy file's component
    /// ([`policy_file_key`]), with the entry's line as evidence.
    pub fn finding(&self) -> Option<Finding> {
        let component = policy_file_key(&self.location.path)?;
        let rule = RuleId::ProjectPolicyLoosening;
        Some(Finding {
            rule,
            severity: rule.default_severity(),
            component,
            message: format!(
                "{} {}; a policy file inside a scanned tree may only tighten the operator's policy, so it was not applied (--trust-project-policy applies it)",
                self.entry, self.effect
            ),
            advisory: None,
            evidence: vec![self.location.clone()],
            introduced_through: Vec::new(),
        })
    }
}

/// The policy a run applies once a project policy is taken into account, and what was refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectPolicyOutcome {
    /// The policy to apply: the operator's, tightened or layered by the project's.
    pub policy: Policy,
    /// The loosening entries that were not applied, in file order.
    pub refused: Vec<Loosening>,
}

/// The key of a policy file listed as a component: a generic file named by its path, so that
/// findings about its entries have a component in every output format.
pub fn policy_file_key(path: &str) -> Option<ComponentKey> {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let name = PackageName::new(Ecosystem::GenericFile, file_name).ok()?;
    Some(ComponentKey::in_file(name, path))
}

/// A project policy file as a component of the scan's graph: its digest, where it lies, and
/// how it was applied ([`crate::facts::Facts::project_policy`]).
pub fn project_policy_component(path: &str, sha256: &str, trusted: bool) -> Option<Component> {
    let key = policy_file_key(path)?;
    let mut component = Component::new(key, ComponentKind::File).with_evidence(Evidence {
        location: Location::file(path),
        extractor: POLICY_EVIDENCE,
    });
    if let Ok(hash) = Hash::new(HashAlgorithm::Sha256, sha256) {
        component.hashes.insert(hash);
    }
    component.facts.project_policy = Some(if trusted {
        ProjectPolicyMode::Trusted
    } else {
        ProjectPolicyMode::TightenOnly
    });
    Some(component)
}

/// A finding the policy accepted, with the entry that accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredFinding {
    /// The finding that was accepted.
    pub finding: Finding,
    /// The entry that accepted it.
    pub entry: IgnoreEntry,
}

/// What applying a policy changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyReport {
    /// The findings accepted by an ignore entry.
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
            lines: EntryLines::default(),
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
        policy.lines = std::mem::take(&mut parser.lines);
        if policy.fail_on.is_some() {
            policy.fail_on_source = Some(path.to_owned());
        }
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
            if setting.is_disabled() {
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
            // A floor lifts what counts below it; an unknown finding that already counts at
            // or above the floor stays unknown.
            if let Some(floor) = setting.at_least {
                if finding.severity.counted_as(analysis.unknown_counts_as) < floor {
                    finding.severity = floor;
                }
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
        options.model.profiles.clone_from(&self.model_profiles);
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

    /// The threshold of `fail-on`: this policy's, else [`DEFAULT_FAIL_ON`].
    pub fn fail_on_or_default(&self) -> Severity {
        self.fail_on.unwrap_or(DEFAULT_FAIL_ON)
    }

    /// Layers a later trusted file over this policy: a value `upper` sets (`fail-on`,
    /// `unknown-severity`, a rule's `severity` or `enabled`) replaces this one's; lists add up (ignores, license lists,
    /// pickle imports, trusted sources).
    pub fn overlay(&mut self, upper: Policy) {
        self.layer(&upper, true);
    }

    /// Applies a project policy (a policy file found inside a scanned tree) on top of this,
    /// the operator's policy.
    ///
    /// Untrusted (`trusted = false`), it may only tighten: a lower `fail-on`, a higher
    /// `unknown-severity`, a higher rule severity (applied as a floor), a rule enabled again,
    /// denied licenses, a package allow list within the operator's. Every entry that could
    /// loosen is refused: `[[ignore]]` entries, a `fail-on` above the operator's, an
    /// `unknown-severity` below the operator's, a severity below the operator's, a rule
    /// disabled, a package license the operator's allow list does not name, any model allow
    /// list (it also accepts restricted model licenses), pickle imports, trusted registries and
    /// git hosts. `[database]` and `[sync]` keys are refused either way: where the advisory
    /// data comes from, which key signs it and how old it may be are the operator's choice. Trusted, the project file is layered over the
    /// operator's like another operator file ([`Policy::overlay`]).
    pub fn with_project_policy(&self, project: &Policy, trusted: bool) -> ProjectPolicyOutcome {
        let file = project
            .path
            .clone()
            .unwrap_or_else(|| "airlock.toml".to_owned());
        let mut refused: Vec<Loosening> = project
            .lines
            .settings
            .iter()
            .map(|(key, line)| Loosening {
                entry: match key.split_once('.') {
                    Some((table, field)) => format!("`[{table}] {field}`"),
                    None => format!("`[{key}]`"),
                },
                effect: match key.as_str() {
                    "database.max-age" | "database.max_age_days" => {
                        "would change how old the advisory data may be before a run fails"
                    }
                    "database.public_key" => {
                        "would change which key advisory bundles must be signed with"
                    }
                    _ => "would change where the advisory database or its updates come from",
                }
                .to_owned(),
                location: Location::line(file.clone(), *line),
            })
            .collect();
        // In file order (the table's keys are not kept in order).
        refused.sort_by_key(|loosening| loosening.location.line);
        let mut effective = self.clone();
        refused.extend(effective.layer(project, trusted));
        refused.sort_by_key(|loosening| loosening.location.line);
        ProjectPolicyOutcome {
            policy: effective,
            refused,
        }
    }

    /// Layers `upper` over this policy, every field judged once here. Trusted, a value `upper`
    /// sets replaces this one's and lists add up ([`Policy::overlay`]); untrusted, only what
    /// tightens applies and every entry that could loosen is returned as refused
    /// ([`Policy::with_project_policy`]).
    fn layer(&mut self, upper: &Policy, trusted: bool) -> Vec<Loosening> {
        let Policy {
            path,
            fail_on,
            fail_on_source,
            unknown_severity,
            ignores,
            rules,
            package_licenses,
            model_licenses,
            allowed_pickle_imports,
            model_profiles,
            trusted_registries,
            trusted_git_hosts,
            lines,
        } = upper;
        let file = path.clone().unwrap_or_else(|| "airlock.toml".to_owned());
        let at = |line: u32| Location::line(file.clone(), line);
        let line_of_list = |key: &str, value: &str| {
            lines
                .lists
                .get(&(key.to_owned(), value.to_owned()))
                .copied()
                .unwrap_or(1)
        };
        let mut refused = Vec::new();
        if trusted && path.is_some() {
            self.path.clone_from(path);
        }

        if let Some(fail_on) = *fail_on {
            let operator = self.fail_on_or_default();
            if !trusted && fail_on > operator {
                refused.push(Loosening {
                    entry: format!("`fail-on = \"{fail_on}\"`"),
                    effect: format!("would fail only at {fail_on} or worse, not at {operator}"),
                    location: at(lines.fail_on.unwrap_or(1)),
                });
            } else {
                self.fail_on = Some(fail_on);
                self.fail_on_source.clone_from(fail_on_source);
            }
        }

        // An unrated advisory counting as less than the operator said would let it pass a
        // gate the operator's policy stops: only a higher level applies.
        if let Some(unknown_severity) = *unknown_severity {
            let operator = self.unknown_counts_as();
            if !trusted && unknown_severity < operator {
                refused.push(Loosening {
                    entry: format!("`unknown-severity = \"{unknown_severity}\"`"),
                    effect: format!(
                        "would count an advisory without a rating as {unknown_severity}, not {operator}"
                    ),
                    location: at(lines.unknown_severity.unwrap_or(1)),
                });
            } else {
                self.unknown_severity = Some(unknown_severity);
            }
        }

        if trusted {
            self.ignores.extend(ignores.iter().cloned());
        } else {
            for entry in ignores {
                refused.push(Loosening {
                    entry: format!("`[[ignore]] id = \"{}\"`", entry.id),
                    effect: "would accept the findings it matches".to_owned(),
                    location: entry.location.clone(),
                });
            }
        }

        let unknown_counts_as = self.unknown_counts_as();
        for (rule, setting) in rules {
            let mine = self.rules.entry(*rule).or_default();
            if trusted {
                mine.severity = setting.severity.or(mine.severity);
                mine.at_least = setting.at_least.max(mine.at_least);
                mine.enabled = setting.enabled.or(mine.enabled);
                continue;
            }
            let line = |field| lines.rules.get(&(*rule, field)).copied().unwrap_or(1);
            match setting.enabled {
                Some(false) if !mine.is_disabled() => refused.push(Loosening {
                    entry: format!("`[rules.{rule}] enabled = false`"),
                    effect: "would drop every finding of the rule".to_owned(),
                    location: at(line(RuleField::Enabled)),
                }),
                Some(true) => mine.enabled = Some(true),
                _ => {}
            }
            if let Some(severity) = setting.severity {
                // A rule whose findings are `unknown` by default (known-vulnerability) is
                // compared at the level unknown counts as.
                let operator = mine
                    .severity
                    .unwrap_or_else(|| rule.default_severity())
                    .counted_as(unknown_counts_as);
                if severity < operator {
                    refused.push(Loosening {
                        entry: format!("`[rules.{rule}] severity = \"{severity}\"`"),
                        effect: format!("would lower the rule's findings from {operator}"),
                        location: at(line(RuleField::Severity)),
                    });
                } else {
                    mine.at_least = Some(severity).max(mine.at_least);
                }
            }
        }

        if trusted {
            add_licenses(&mut self.package_licenses, package_licenses.clone());
            add_licenses(&mut self.model_licenses, model_licenses.clone());
        } else {
            tighten_licenses(
                &mut self.package_licenses,
                package_licenses,
                "licenses",
                &line_of_list,
                &at,
                &mut refused,
            );
            // A model allow list also accepts the restrictions of the licenses it names (a
            // non-commercial or gated model is then not reported): every entry can loosen.
            add_all(&mut self.model_licenses.deny, model_licenses.deny.clone());
            for license in &model_licenses.allow {
                refused.push(Loosening {
                    entry: format!("`[models.licenses] allow = \"{license}\"`"),
                    effect: "would accept models under this license, restrictions included"
                        .to_owned(),
                    location: at(line_of_list("models.licenses.allow", license)),
                });
            }
        }

        let lists = [
            (
                "models",
                "allowed-pickle-imports",
                allowed_pickle_imports,
                &mut self.allowed_pickle_imports,
                "would let pickles import this callable without a finding",
            ),
            (
                "models",
                "profiles",
                model_profiles,
                &mut self.model_profiles,
                "would let pickles import this library's classes with a low finding only",
            ),
            (
                "sources",
                "trusted-registries",
                trusted_registries,
                &mut self.trusted_registries,
                "would trust this package index",
            ),
            (
                "sources",
                "trusted-git-hosts",
                trusted_git_hosts,
                &mut self.trusted_git_hosts,
                "would trust dependencies from this git host",
            ),
        ];
        for (table, key, values, mine, effect) in lists {
            if trusted {
                add_all(mine, values.clone());
                continue;
            }
            for value in values {
                refused.push(Loosening {
                    entry: format!("`[{table}] {key} = \"{value}\"`"),
                    effect: effect.to_owned(),
                    location: at(line_of_list(&format!("{table}.{key}"), value)),
                });
            }
        }
        if trusted {
            // Lines belong to one file.
            self.lines = EntryLines::default();
        }
        refused
    }
}

/// Appends what `more` adds to `list`, keeping the first spelling of each entry.
fn add_all(list: &mut Vec<String>, more: Vec<String>) {
    for item in more {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

fn add_licenses(lists: &mut LicenseLists, more: LicenseLists) {
    add_all(&mut lists.allow, more.allow);
    add_all(&mut lists.deny, more.deny);
}

/// A project's package license lists over the operator's: denials add up; an allow list
/// applies where the operator has none, and otherwise only the licenses both lists name stay
/// allowed (each one only the project names is refused).
fn tighten_licenses(
    effective: &mut LicenseLists,
    project: &LicenseLists,
    table: &str,
    line_of_list: &dyn Fn(&str, &str) -> u32,
    at: &dyn Fn(u32) -> Location,
    refused: &mut Vec<Loosening>,
) {
    add_all(&mut effective.deny, project.deny.clone());
    if project.allow.is_empty() {
        return;
    }
    if effective.allow.is_empty() {
        effective.allow.clone_from(&project.allow);
        return;
    }
    let fold = |license: &str| license.trim().to_lowercase();
    let operator: Vec<String> = effective
        .allow
        .iter()
        .map(|license| fold(license))
        .collect();
    let mut kept = Vec::new();
    for license in &project.allow {
        if operator.contains(&fold(license)) {
            kept.push(license.clone());
        } else {
            refused.push(Loosening {
                entry: format!("`[{table}] allow = \"{license}\"`"),
                effect: "would allow a license the operator's allow list does not name".to_owned(),
                location: at(line_of_list(&format!("{table}.allow"), license)),
            });
        }
    }
    if !kept.is_empty() {
        effective.allow = kept;
    }
}

struct Parser<'a> {
    path: &'a str,
    text: &'a str,
    index: LineIndex,
    errors: Vec<Diagnostic>,
    lines: EntryLines,
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
                "fail-on" => {
                    policy.fail_on = self.severity(value, "fail-on");
                    self.lines.fail_on = Some(self.line_of(value));
                }
                "unknown-severity" => {
                    policy.unknown_severity = self.severity(value, "unknown-severity");
                    self.lines.unknown_severity = Some(self.line_of(value));
                }
                "ignore" => policy.ignores = self.ignores(value),
                "rules" => policy.rules = self.rules(value),
                "licenses" => policy.package_licenses = self.licenses(value, "licenses"),
                "models" => self.models(value, policy),
                "sources" => self.sources(value, policy),
                foreign if FOREIGN_TABLES.contains(&foreign) => self.foreign(foreign, key, value),
                _ => self.unknown_key(key, ""),
            }
        }
    }

    /// Keeps the line of every key of a `[database]` or `[sync]` table (their values are read
    /// by the advisory settings; a project policy may not set them at all).
    fn foreign(
        &mut self,
        table: &str,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        value: &Value<'_>,
    ) {
        match value.get_ref() {
            DeValue::Table(fields) => {
                for (field, field_value) in fields {
                    let line = self.line_of(field_value);
                    self.lines
                        .settings
                        .push((format!("{table}.{}", field.get_ref()), line));
                }
            }
            _ => {
                let line = self.line_of(key);
                self.lines.settings.push((table.to_owned(), line));
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
            DeValue::Array(items) => {
                let mut found = Vec::new();
                for item in items {
                    if let Some(text) = self.string(item, what) {
                        let line = self.line_of(item);
                        self.lines
                            .lists
                            .entry((what.to_owned(), text.clone()))
                            .or_insert(line);
                        found.push(text);
                    }
                }
                found
            }
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
                    "severity" => {
                        parsed.severity = self.severity(field_value, "severity");
                        let line = self.line_of(field_value);
                        self.lines.rules.insert((*rule, RuleField::Severity), line);
                    }
                    "enabled" => match field_value.get_ref() {
                        DeValue::Boolean(enabled) => {
                            parsed.enabled = Some(*enabled);
                            let line = self.line_of(field_value);
                            self.lines.rules.insert((*rule, RuleField::Enabled), line);
                        }
                        _ => self.error(field_value, "`enabled` must be true or false".into()),
                    },
                    _ => self.unknown_key(field, &format!("rules.{name}")),
                }
            }
            rules.insert(*rule, parsed);
        }
        rules
    }

    /// Hands each key of the table `what` and its value to `read`; a key `read` does not know
    /// (it returns false) is reported as unknown.
    fn each_field<'v, 'i>(
        &mut self,
        value: &'v Value<'i>,
        what: &str,
        mut read: impl FnMut(&mut Self, &str, &'v Value<'i>) -> bool,
    ) {
        let Some(table) = self.table(value, what) else {
            return;
        };
        for (key, field) in table {
            if !read(self, key.get_ref().as_ref(), field) {
                self.unknown_key(key, what);
            }
        }
    }

    fn licenses(&mut self, value: &Value<'_>, what: &str) -> LicenseLists {
        let mut lists = LicenseLists::default();
        self.each_field(value, what, |parser, key, field| {
            match key {
                "allow" => lists.allow = parser.strings(field, &format!("{what}.allow")),
                "deny" => lists.deny = parser.strings(field, &format!("{what}.deny")),
                _ => return false,
            }
            true
        });
        lists
    }

    fn models(&mut self, value: &Value<'_>, policy: &mut Policy) {
        self.each_field(value, "models", |parser, key, field| {
            match key {
                "allowed-pickle-imports" => {
                    policy.allowed_pickle_imports =
                        parser.strings(field, "models.allowed-pickle-imports");
                }
                "profiles" => {
                    let profiles = parser.strings(field, "models.profiles");
                    let known: Vec<&str> = crate::risk::pickle_imports::profile_names().collect();
                    for profile in &profiles {
                        if !known.contains(&profile.as_str()) {
                            parser.error(
                                field,
                                format!(
                                    "`models.profiles` names `{profile}`, which is not a built-in \
                                     profile (one of {})",
                                    known.join(", ")
                                ),
                            );
                        }
                    }
                    policy.model_profiles = profiles;
                }
                "licenses" => policy.model_licenses = parser.licenses(field, "models.licenses"),
                _ => return false,
            }
            true
        });
    }

    fn sources(&mut self, value: &Value<'_>, policy: &mut Policy) {
        self.each_field(value, "sources", |parser, key, field| {
            match key {
                "trusted-registries" => {
                    policy.trusted_registries = parser.strings(field, "sources.trusted-registries");
                }
                "trusted-git-hosts" => {
                    policy.trusted_git_hosts = parser.strings(field, "sources.trusted-git-hosts");
                }
                _ => return false,
            }
            true
        });
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
        assert!(policy.rules[&RuleId::NonRegistrySource].is_disabled());
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
        // A prefix must end at a path boundary: `github.com/my` does not trust `my-org`.
        for (host, left) in [("github.com/my-org", 0), ("github.com/my", 1)] {
            let policy = Policy {
                trusted_git_hosts: vec![host.into()],
                ..Policy::default()
            };
            let mut analysis = Analysis {
                findings: vec![finding("tool", "1.0", RuleId::NonRegistrySource, None)],
                ..Analysis::default()
            };
            policy.apply(&mut analysis, Date::parse("2026-01-01").unwrap());
            assert_eq!(analysis.findings.len(), left, "{host}");
        }
    }

    /// The refused entries of `outcome`, each shown by `show`.
    fn refused(outcome: &ProjectPolicyOutcome, show: impl Fn(&Loosening) -> String) -> Vec<String> {
        outcome.refused.iter().map(show).collect()
    }

    const PLANTED: &str = r#"fail-on = "critical"

[[ignore]]
id = "dangerous-pickle-import"
reason = "planted"

[rules.unpinned-dependency]
enabled = false

[rules.missing-hashes]
severity = "info"

[rules.non-registry-source]
severity = "high"

[licenses]
allow = ["MIT", "GPL-3.0-only"]
deny = ["SSPL-1.0"]

[models]
allowed-pickle-imports = ["posix.system"]
licenses = { allow = ["cc-by-nc-4.0"], deny = ["llama3"] }

[sources]
trusted-registries = ["https://evil.example/simple"]
trusted-git-hosts = ["github.com/evil"]

[database]
path = "evil.sqlite3"
public_key = "evil.pub"
max-age = "none"

[sync]
mirror = "https://evil.example"
"#;

    fn operator() -> Policy {
        Policy {
            package_licenses: LicenseLists {
                allow: vec!["MIT".into(), "Apache-2.0".into()],
                deny: Vec::new(),
            },
            ..Policy::default()
        }
    }

    #[test]
    fn a_project_policy_only_tightens_and_every_loosening_entry_is_refused_with_its_line() {
        let project = Policy::parse("in/airlock.toml", PLANTED).unwrap();
        let outcome = operator().with_project_policy(&project, false);
        let refused = refused(&outcome, |loosening| {
            format!("{} {}", loosening.location, loosening.entry)
        });
        assert_eq!(
            refused,
            [
                "in/airlock.toml:1 `fail-on = \"critical\"`",
                "in/airlock.toml:3 `[[ignore]] id = \"dangerous-pickle-import\"`",
                "in/airlock.toml:8 `[rules.unpinned-dependency] enabled = false`",
                "in/airlock.toml:11 `[rules.missing-hashes] severity = \"info\"`",
                "in/airlock.toml:17 `[licenses] allow = \"GPL-3.0-only\"`",
                "in/airlock.toml:21 `[models] allowed-pickle-imports = \"posix.system\"`",
                "in/airlock.toml:22 `[models.licenses] allow = \"cc-by-nc-4.0\"`",
                "in/airlock.toml:25 `[sources] trusted-registries = \"https://evil.example/simple\"`",
                "in/airlock.toml:26 `[sources] trusted-git-hosts = \"github.com/evil\"`",
                "in/airlock.toml:29 `[database] path`",
                "in/airlock.toml:30 `[database] public_key`",
                "in/airlock.toml:31 `[database] max-age`",
                "in/airlock.toml:34 `[sync] mirror`",
            ]
        );
        let policy = outcome.policy;
        assert_eq!(policy.fail_on, None, "a higher fail-on is refused");
        assert!(policy.ignores.is_empty());
        assert!(policy.allowed_pickle_imports.is_empty());
        assert!(policy.trusted_registries.is_empty() && policy.trusted_git_hosts.is_empty());
        assert!(!policy
            .rules
            .get(&RuleId::UnpinnedDependency)
            .is_some_and(RuleSetting::is_disabled));
        assert_eq!(policy.rules[&RuleId::MissingHashes].at_least, None);
        assert_eq!(
            policy.rules[&RuleId::NonRegistrySource].at_least,
            Some(Severity::High),
            "a raised severity applies, as a floor"
        );
        assert_eq!(
            policy.package_licenses.allow,
            ["MIT"],
            "within the operator's list"
        );
        assert_eq!(policy.package_licenses.deny, ["SSPL-1.0"]);
        assert!(policy.model_licenses.allow.is_empty());
        assert_eq!(policy.model_licenses.deny, ["llama3"]);

        let finding = outcome.refused[1].finding().unwrap();
        assert_eq!(finding.rule, RuleId::ProjectPolicyLoosening);
        assert_eq!(finding.severity, Severity::Medium);
        assert_eq!(finding.evidence[0].to_string(), "in/airlock.toml:3");
        assert_eq!(
            finding.component,
            policy_file_key("in/airlock.toml").unwrap()
        );
    }

    #[test]
    fn tightening_entries_apply_and_a_floor_never_lowers() {
        let project = Policy::parse(
            "in/airlock.toml",
            "fail-on = \"low\"\n[rules.known-vulnerability]\nseverity = \"high\"\n[rules.non-registry-source]\nenabled = true\n",
        )
        .unwrap();
        let mut operator = Policy::default();
        operator.rules.insert(
            RuleId::NonRegistrySource,
            RuleSetting {
                enabled: Some(false),
                ..RuleSetting::default()
            },
        );
        let outcome = operator.with_project_policy(&project, false);
        assert!(outcome.refused.is_empty(), "{:?}", outcome.refused);
        assert_eq!(outcome.policy.fail_on, Some(Severity::Low));
        assert_eq!(
            outcome.policy.rules[&RuleId::NonRegistrySource].enabled,
            Some(true),
            "a rule the operator disabled is enabled again"
        );
        let mut critical = finding("a", "1.0", RuleId::KnownVulnerability, Some("X-1"));
        critical.severity = Severity::Critical;
        let mut low = finding("b", "1.0", RuleId::KnownVulnerability, Some("X-2"));
        low.severity = Severity::Low;
        let mut analysis = Analysis {
            findings: vec![critical, low],
            ..Analysis::default()
        };
        outcome
            .policy
            .apply(&mut analysis, Date::parse("2026-01-01").unwrap());
        let severities: Vec<Severity> = analysis.findings.iter().map(|f| f.severity).collect();
        assert_eq!(severities, [Severity::Critical, Severity::High]);
    }

    #[test]
    fn a_project_policy_may_raise_unknown_severity_but_a_lower_one_is_refused_with_its_line() {
        let operator = Policy::parse("airlock.toml", "unknown-severity = \"medium\"\n").unwrap();

        let raising = Policy::parse(
            "in/airlock.toml",
            "fail-on = \"high\"\nunknown-severity = \"critical\"\n",
        )
        .unwrap();
        let outcome = operator.with_project_policy(&raising, false);
        assert!(outcome.refused.is_empty(), "{:?}", outcome.refused);
        assert_eq!(outcome.policy.unknown_counts_as(), Severity::Critical);
        assert_eq!(
            outcome.policy.risk_options().unknown_counts_as,
            Severity::Critical
        );

        let lowering = Policy::parse(
            "in/airlock.toml",
            "fail-on = \"high\"\n\nunknown-severity = \"low\"\n",
        )
        .unwrap();
        let outcome = operator.with_project_policy(&lowering, false);
        let refused = refused(&outcome, |loosening| {
            format!(
                "{} {} {}",
                loosening.location, loosening.entry, loosening.effect
            )
        });
        assert_eq!(
            refused,
            ["in/airlock.toml:3 `unknown-severity = \"low\"` would count an advisory without a rating as low, not medium"]
        );
        assert_eq!(outcome.policy.unknown_counts_as(), Severity::Medium);

        // Without any operator setting, the default (high) is what a project cannot lower.
        let outcome = Policy::default().with_project_policy(&lowering, false);
        assert_eq!(outcome.refused.len(), 1);
        assert_eq!(outcome.policy.unknown_counts_as(), Severity::High);

        // Trusted, or layered as another operator file, the value simply applies.
        let outcome = operator.with_project_policy(&lowering, true);
        assert!(outcome.refused.is_empty());
        assert_eq!(outcome.policy.unknown_counts_as(), Severity::Low);
        let mut layered = operator.clone();
        layered.overlay(Policy::parse("config.toml", "fail-on = \"low\"\n").unwrap());
        assert_eq!(
            layered.unknown_counts_as(),
            Severity::Medium,
            "kept when unset"
        );
        layered.overlay(lowering);
        assert_eq!(layered.unknown_counts_as(), Severity::Low);
    }

    #[test]
    fn a_floor_lifts_an_unknown_finding_that_counts_below_it() {
        // As a project file would apply it: a floor, not a replacement.
        let project = Policy::parse(
            "in/airlock.toml",
            "[rules.known-vulnerability]\nseverity = \"high\"\n",
        )
        .unwrap();
        let outcome = Policy::parse("airlock.toml", "unknown-severity = \"low\"\n")
            .unwrap()
            .with_project_policy(&project, false);
        assert!(outcome.refused.is_empty(), "{:?}", outcome.refused);
        let mut unknown = finding("a", "1.0", RuleId::KnownVulnerability, Some("X-1"));
        unknown.severity = Severity::Unknown;
        let mut analysis = Analysis {
            findings: vec![unknown.clone()],
            ..Analysis::default()
        };
        analysis.unknown_counts_as = outcome.policy.unknown_counts_as();
        outcome
            .policy
            .apply(&mut analysis, Date::parse("2026-01-01").unwrap());
        assert_eq!(analysis.findings[0].severity, Severity::High);
        // Counted at or above the floor, unknown stays unknown.
        let mut analysis = Analysis {
            findings: vec![unknown],
            ..Analysis::default()
        };
        Policy::default()
            .with_project_policy(&project, false)
            .policy
            .apply(&mut analysis, Date::parse("2026-01-01").unwrap());
        assert_eq!(analysis.findings[0].severity, Severity::Unknown);
    }

    #[test]
    fn a_trusted_project_policy_layers_like_an_operator_file_but_never_moves_the_database() {
        let project = Policy::parse("in/airlock.toml", PLANTED).unwrap();
        let outcome = operator().with_project_policy(&project, true);
        let refused = refused(&outcome, |loosening| loosening.entry.clone());
        assert_eq!(
            refused,
            [
                "`[database] path`",
                "`[database] public_key`",
                "`[database] max-age`",
                "`[sync] mirror`"
            ]
        );
        assert_eq!(outcome.policy.fail_on, Some(Severity::Critical));
        assert_eq!(outcome.policy.ignores.len(), 1);
        assert_eq!(outcome.policy.allowed_pickle_imports, ["posix.system"]);
        assert_eq!(
            outcome.policy.package_licenses.allow,
            ["MIT", "Apache-2.0", "GPL-3.0-only"],
            "lists add up"
        );
    }

    #[test]
    fn operator_files_layer_values_replace_and_lists_add_up() {
        let mut user = Policy::parse(
            "config.toml",
            "fail-on = \"medium\"\n[sources]\ntrusted-git-hosts = [\"github.com/my-org\"]\n[rules.missing-hashes]\nseverity = \"high\"\n",
        )
        .unwrap();
        let project = Policy::parse(
            "airlock.toml",
            "fail-on = \"critical\"\n[sources]\ntrusted-git-hosts = [\"gitlab.com/team\"]\n[rules.missing-hashes]\nenabled = false\n",
        )
        .unwrap();
        user.overlay(project);
        assert_eq!(user.fail_on, Some(Severity::Critical));
        assert_eq!(
            user.trusted_git_hosts,
            ["github.com/my-org", "gitlab.com/team"]
        );
        let setting = user.rules[&RuleId::MissingHashes];
        assert_eq!(setting.severity, Some(Severity::High));
        assert!(setting.is_disabled());
        assert_eq!(user.lines, EntryLines::default());
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

    #[test]
    fn model_profiles_are_checked_and_a_project_cannot_enable_them() {
        let parsed = Policy::parse(
            "airlock.toml",
            "[models]\nprofiles = [\"scikit-learn\", \"joblib\"]\n",
        )
        .unwrap();
        assert_eq!(parsed.model_profiles, ["scikit-learn", "joblib"]);
        assert_eq!(
            parsed.risk_options().model.profiles,
            ["scikit-learn", "joblib"]
        );
        let unknown =
            Policy::parse("airlock.toml", "[models]\nprofiles = [\"everything\"]\n").unwrap_err();
        assert!(unknown[0].message.contains("`everything`"), "{unknown:?}");

        let project = Policy::parse(
            "in/airlock.toml",
            "fail-on = \"low\"\n[models]\nprofiles = [\"scikit-learn\"]\n",
        )
        .unwrap();
        let outcome = Policy::default().with_project_policy(&project, false);
        assert!(outcome.policy.model_profiles.is_empty());
        assert_eq!(
            outcome.policy.fail_on,
            Some(Severity::Low),
            "tightening applies"
        );
        let refused = refused(&outcome, |loosening| {
            format!("{} {}", loosening.location, loosening.entry)
        });
        assert_eq!(
            refused,
            ["in/airlock.toml:3 `[models] profiles = \"scikit-learn\"`"]
        );
        let trusted = Policy::default().with_project_policy(&project, true);
        assert_eq!(trusted.policy.model_profiles, ["scikit-learn"]);
    }
}
