//! `alternative-registry`: a package resolved from an index other than its ecosystem's default
//! (an `--extra-index-url`, a private registry, a mirror). Such indexes are where dependency
//! confusion happens, and advisories describe the default registry's packages; the policy's
//! `[sources] trusted-registries` lists the indexes a team vouches for.

use super::{Finding, RuleId};
use crate::component::Source;
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    graph
        .components()
        .filter_map(|component| {
            let Source::Registry { index: Some(index) } = &component.key.source else {
                return None;
            };
            Some(Finding::new(
                graph,
                RuleId::AlternativeRegistry,
                &component.key,
                format!(
                    "`{}` comes from the package index {index}, not the default registry",
                    component.key.name
                ),
            ))
        })
        .collect()
}
