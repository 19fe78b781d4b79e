//! Model risk joined to the lock: when the scanned project also locks the library that loads
//! a model file (`torch`, `keras`, `llama-cpp-python`, `onnx`, `transformers`), a model finding whose exploitability
//! depends on that library's version says so, and is raised one level when the locked version
//! is below the fix. The joins are data (`loader_joins.tsv`), one advisory id per row; a
//! version that does not parse as PEP 440 is treated as vulnerable (fail closed).

use std::str::FromStr;

use super::{Finding, Severity};
use crate::ecosystem::Ecosystem;
use crate::graph::DependencyGraph;

const JOINS: &str = include_str!("loader_joins.tsv");

/// One row of the join table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderJoin {
    pub loader: &'static str,
    pub fixed_in: &'static str,
    pub rules: &'static str,
    pub advisory: &'static str,
    pub why: &'static str,
}

/// The rows of the join table.
pub fn joins() -> impl Iterator<Item = LoaderJoin> {
    JOINS
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut columns = line.split('\t');
            Some(LoaderJoin {
                loader: columns.next()?.trim(),
                fixed_in: columns.next()?.trim(),
                rules: columns.next()?.trim(),
                advisory: columns.next()?.trim(),
                why: columns.next()?.trim(),
            })
        })
}

fn raised(severity: Severity) -> Severity {
    match severity {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        Severity::High | Severity::Critical => Severity::Critical,
        Severity::Unknown => Severity::Unknown,
    }
}

/// Raises and annotates `findings` by the locked loader versions of `graph`.
pub(super) fn apply(graph: &DependencyGraph, findings: &mut [Finding]) {
    for join in joins() {
        let Ok(fixed) = pep440_rs::Version::from_str(join.fixed_in) else {
            continue;
        };
        let mut vulnerable: Vec<String> = graph
            .components()
            .filter(|component| {
                component.key.ecosystem == Ecosystem::PyPI
                    && component.key.name.normalized() == join.loader
            })
            .filter_map(|component| component.key.version.clone())
            .filter(|version| {
                pep440_rs::Version::from_str(version).map_or(true, |version| version < fixed)
            })
            .collect();
        vulnerable.sort();
        vulnerable.dedup();
        if vulnerable.is_empty() {
            continue;
        }
        let rules: Vec<&str> = join.rules.split(',').map(str::trim).collect();
        for finding in findings.iter_mut() {
            if !rules.contains(&finding.rule.as_str()) {
                continue;
            }
            finding.severity = raised(finding.severity);
            finding.message.push_str(&format!(
                "; the project locks {} {} ({}): {}",
                join.loader,
                vulnerable.join(", "),
                join.advisory,
                join.why
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_join_has_an_advisory_and_a_version() {
        let rows: Vec<LoaderJoin> = joins().collect();
        assert_eq!(rows.len(), 5);
        for row in rows {
            assert!(row.advisory.starts_with("CVE-") || row.advisory.starts_with("GHSA-"));
            assert!(
                pep440_rs::Version::from_str(row.fixed_in).is_ok(),
                "{row:?}"
            );
            for rule in row.rules.split(',') {
                assert!(
                    super::super::RuleId::ALL
                        .iter()
                        .any(|id| id.as_str() == rule),
                    "{rule}"
                );
            }
        }
        assert_eq!(raised(Severity::High), Severity::Critical);
    }
}
