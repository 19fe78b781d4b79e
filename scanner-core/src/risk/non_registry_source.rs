//! `non-registry-source`: a third-party package fetched from a git repository or a direct URL.
//! Such code skips the registry's immutability and yanking, and advisories rarely cover forks.

use super::{Finding, RuleId};
use crate::component::{ComponentKind, Source};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    graph
        .components()
        .filter(|component| component.kind != ComponentKind::Application)
        .filter_map(|component| {
            let origin = match &component.key.source {
                Source::Git {
                    url,
                    commit: Some(commit),
                    ..
                } => format!("git repository {url} at commit {commit}"),
                Source::Git {
                    url, commit: None, ..
                } => format!("git repository {url} with no locked commit"),
                Source::Url { url } => format!("direct URL {url}"),
                Source::Registry { .. } | Source::Path { .. } | Source::File { .. } => return None,
            };
            Some(Finding::new(
                graph,
                RuleId::NonRegistrySource,
                &component.key,
                format!(
                    "`{}` comes from the {origin}, not a registry",
                    component.key.name
                ),
            ))
        })
        .collect()
}
