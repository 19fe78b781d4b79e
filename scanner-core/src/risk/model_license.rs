//! `restricted-model-license`: a model card whose license limits use (non-commercial,
//! no-derivatives, `other`, vendor licenses such as Llama's or Gemma's, OpenRAIL use
//! restrictions) or whose downloads are gated behind accepting terms. Which restrictions fail a
//! build is policy: each kind has its own severity in [`ModelPolicy`].

use super::model_policy::{LicenseRestriction, ModelPolicy};
use super::{Finding, RuleId};
use crate::graph::DependencyGraph;
use crate::model::ModelCard;

/// The restrictions a hub license id carries.
pub fn restrictions(license: &str) -> Vec<LicenseRestriction> {
    let id = license.trim().to_ascii_lowercase();
    let mut found = Vec::new();
    let parts: Vec<&str> = id.split(['-', '_']).collect();
    if parts.contains(&"nc") || id.contains("non-commercial") || id.contains("noncommercial") {
        found.push(LicenseRestriction::NonCommercial);
    }
    if parts.contains(&"nd") {
        found.push(LicenseRestriction::NoDerivatives);
    }
    if id == "other" {
        found.push(LicenseRestriction::Other);
    }
    let vendor = [
        "llama", "gemma", "deepseek", "qwen", "falcon", "apple-", "nvidia-", "tongyi",
    ];
    if vendor.iter().any(|prefix| id.starts_with(prefix)) {
        found.push(LicenseRestriction::CustomModelLicense);
    }
    if id.contains("openrail") || id.contains("rail-") || id == "deepfloyd-if-license" {
        found.push(LicenseRestriction::UseRestricted);
    }
    found
}

fn card_restrictions(card: &ModelCard) -> Vec<LicenseRestriction> {
    let mut found = card
        .license
        .as_ref()
        .map(|license| {
            let mut found = restrictions(&license.id);
            if let Some(name) = &license.name {
                found.extend(
                    restrictions(name)
                        .into_iter()
                        .filter(|restriction| *restriction != LicenseRestriction::Other),
                );
            }
            found
        })
        .unwrap_or_default();
    if card.gated.is_some() {
        found.push(LicenseRestriction::Gated);
    }
    found.sort();
    found.dedup();
    found
}

pub(super) fn check(graph: &DependencyGraph, policy: &ModelPolicy) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(card) = component.facts.model_card.as_deref() else {
            continue;
        };
        let reported: Vec<(LicenseRestriction, super::Severity)> = card_restrictions(card)
            .into_iter()
            .filter_map(|restriction| {
                policy
                    .license_severity(restriction)
                    .map(|severity| (restriction, severity))
            })
            .collect();
        let Some(severity) = reported.iter().map(|(_, severity)| *severity).max() else {
            continue;
        };
        let kinds: Vec<&str> = reported.iter().map(|(kind, _)| kind.as_str()).collect();
        let license = card.license.as_ref().map_or_else(
            || "no license field".to_owned(),
            |license| {
                let mut text = format!("license `{}`", license.id);
                if let Some(name) = &license.name {
                    text.push_str(&format!(" (`{name}`"));
                    if let Some(link) = &license.link {
                        text.push_str(&format!(", {link}"));
                    }
                    text.push(')');
                }
                text
            },
        );
        let mut finding = Finding::new(
            graph,
            RuleId::RestrictedModelLicense,
            &component.key,
            format!(
                "`{}` has a restricted license: {license}; {}",
                component.key.name,
                kinds.join(", ")
            ),
        );
        finding.severity = severity;
        let mut evidence: Vec<_> = card
            .license
            .iter()
            .map(|license| license.location.clone())
            .chain(card.gated.iter().map(|gated| gated.location.clone()))
            .collect();
        evidence.sort();
        evidence.dedup();
        finding.evidence = evidence;
        findings.push(finding);
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use LicenseRestriction as R;

    #[test]
    fn hub_license_ids() {
        assert_eq!(restrictions("cc-by-nc-4.0"), [R::NonCommercial]);
        assert_eq!(
            restrictions("cc-by-nc-nd-4.0"),
            [R::NonCommercial, R::NoDerivatives]
        );
        assert_eq!(restrictions("cc-by-nc-sa-4.0"), [R::NonCommercial]);
        assert_eq!(restrictions("other"), [R::Other]);
        assert_eq!(restrictions("llama3.1"), [R::CustomModelLicense]);
        assert_eq!(restrictions("gemma"), [R::CustomModelLicense]);
        assert_eq!(restrictions("openrail++"), [R::UseRestricted]);
        assert_eq!(
            restrictions("bigscience-bloom-rail-1.0"),
            [R::UseRestricted]
        );
        assert!(restrictions("apache-2.0").is_empty());
        assert!(restrictions("mit").is_empty());
        assert!(restrictions("cc-by-4.0").is_empty());
    }
}
