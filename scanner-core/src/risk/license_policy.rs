//! `license-denied` and `license-not-allowed`: the policy file's license lists, applied to
//! packages and (with their own lists) to models. SPDX expressions are evaluated with the `spdx`
//! crate, so `MIT OR AGPL-3.0-only` passes a deny list naming only AGPL (one branch is
//! acceptable) while `MIT AND AGPL-3.0-only` does not. Identifiers outside SPDX (model licenses
//! such as `llama3` or `other`) are compared as written, case-insensitively.

use std::collections::BTreeSet;

use super::{Finding, RuleId};
use crate::component::{Component, ComponentKind};
use crate::graph::DependencyGraph;

/// Allowed and denied licenses for one class of components; empty lists check nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseLists {
    /// Licenses allowed; when not empty, any other license is reported.
    pub allow: Vec<String>,
    /// Licenses always reported.
    pub deny: Vec<String>,
}

impl LicenseLists {
    /// True when neither list names a license (nothing is checked).
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    fn names(list: &[String]) -> BTreeSet<String> {
        list.iter().map(|name| name.trim().to_lowercase()).collect()
    }
}

/// The license lists of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicensePolicy {
    /// Lists for packages (`[licenses]`).
    pub packages: LicenseLists,
    /// Lists for models (`[models.licenses]`).
    pub models: LicenseLists,
}

/// What a list says about one license declaration.
fn satisfies(declared: &str, accept: impl Fn(&str) -> bool) -> bool {
    match spdx::Expression::parse_mode(declared, spdx::ParseMode::LAX) {
        Ok(expression) => expression.evaluate(|requirement| {
            accept(&requirement.to_string().to_lowercase())
                || requirement
                    .license
                    .id()
                    .is_some_and(|id| accept(&id.name.to_lowercase()))
        }),
        Err(_) => accept(&declared.trim().to_lowercase()),
    }
}

pub(super) fn check(graph: &DependencyGraph, policy: &LicensePolicy) -> Vec<Finding> {
    if policy.packages.is_empty() && policy.models.is_empty() {
        return Vec::new();
    }
    graph
        .components()
        .filter(|component| component.kind != ComponentKind::Application)
        .filter_map(|component| finding(graph, component, policy))
        .collect()
}

fn lists_for<'p>(component: &Component, policy: &'p LicensePolicy) -> &'p LicenseLists {
    if component.kind == ComponentKind::MachineLearningModel {
        &policy.models
    } else {
        &policy.packages
    }
}

fn finding(
    graph: &DependencyGraph,
    component: &Component,
    policy: &LicensePolicy,
) -> Option<Finding> {
    let lists = lists_for(component, policy);
    let denied = LicenseLists::names(&lists.deny);
    let allowed = LicenseLists::names(&lists.allow);
    let what = if component.kind == ComponentKind::MachineLearningModel {
        "[models.licenses]"
    } else {
        "[licenses]"
    };
    for declared in &component.licenses {
        if !denied.is_empty() && !satisfies(declared, |name| !denied.contains(name)) {
            return Some(Finding::new(
                graph,
                RuleId::LicenseDenied,
                &component.key,
                format!(
                    "`{}` is licensed `{declared}`, which the policy's {what} deny list names",
                    component.key.name
                ),
            ));
        }
    }
    if allowed.is_empty() || component.licenses.is_empty() {
        return None;
    }
    let outside: Vec<&String> = component
        .licenses
        .iter()
        .filter(|declared| !satisfies(declared, |name| allowed.contains(name)))
        .collect();
    let first = outside.first()?;
    Some(Finding::new(
        graph,
        RuleId::LicenseNotAllowed,
        &component.key,
        format!(
            "`{}` is licensed `{first}`, which is not on the policy's {what} allow list",
            component.key.name
        ),
    ))
}

/// Whether every license a model declares is on the models' allow list: the policy has
/// accepted it, so its license restrictions are not reported.
pub(super) fn model_license_accepted(component: &Component, policy: &LicensePolicy) -> bool {
    let allowed = LicenseLists::names(&policy.models.allow);
    !allowed.is_empty()
        && !component.licenses.is_empty()
        && component
            .licenses
            .iter()
            .all(|declared| satisfies(declared, |name| allowed.contains(name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::component::{ComponentKey, Source};
    use crate::ecosystem::Ecosystem;
    use crate::graph::GraphBuilder;
    use crate::name::PackageName;

    fn graph(items: &[(&str, ComponentKind, &str)]) -> DependencyGraph {
        let mut builder = GraphBuilder::new();
        for (name, kind, license) in items {
            let ecosystem = if *kind == ComponentKind::MachineLearningModel {
                Ecosystem::HuggingFaceModel
            } else {
                Ecosystem::CratesIo
            };
            let key = ComponentKey::new(
                ecosystem,
                PackageName::new(ecosystem, name).unwrap(),
                Some("1.0.0".into()),
                Source::DEFAULT_REGISTRY,
            );
            let mut component = Component::new(key, *kind);
            component.licenses.insert((*license).to_owned());
            builder.add_component(component);
        }
        builder.build()
    }

    fn lists(allow: &[&str], deny: &[&str]) -> LicenseLists {
        LicenseLists {
            allow: allow.iter().map(|name| (*name).to_owned()).collect(),
            deny: deny.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    #[test]
    fn expressions_are_evaluated_not_matched_as_text() {
        let graph = graph(&[
            ("either", ComponentKind::Library, "MIT OR AGPL-3.0-only"),
            ("both", ComponentKind::Library, "MIT AND AGPL-3.0-only"),
            ("slashes", ComponentKind::Library, "MIT/Apache-2.0"),
            ("gpl", ComponentKind::Library, "GPL-3.0-or-later"),
            ("llama", ComponentKind::MachineLearningModel, "llama3"),
        ]);
        let policy = LicensePolicy {
            packages: lists(&["MIT", "Apache-2.0"], &["AGPL-3.0-only"]),
            models: lists(&[], &["LLAMA3"]),
        };
        let findings: Vec<(String, RuleId)> = check(&graph, &policy)
            .into_iter()
            .map(|finding| (finding.component.name.normalized().to_owned(), finding.rule))
            .collect();
        assert_eq!(
            findings,
            [
                ("both".to_owned(), RuleId::LicenseDenied),
                ("gpl".to_owned(), RuleId::LicenseNotAllowed),
                ("llama".to_owned(), RuleId::LicenseDenied),
            ]
        );
    }

    #[test]
    fn no_lists_no_findings() {
        let graph = graph(&[("x", ComponentKind::Library, "AGPL-3.0-only")]);
        assert!(check(&graph, &LicensePolicy::default()).is_empty());
    }
}
