//! `missing-model-provenance`: a model directory about which nothing says where it came from —
//! no base model in a card or adapter config, no publisher (a hub cache repository, a card's
//! `model_creator` or `quantized_by`), and no published digest to check its weights against
//! (a cache blob name, a git-lfs pointer). Such weights can only be trusted by their path.

use super::{Finding, RuleId};
use crate::component::{ComponentKind, Source};
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        if component.kind != ComponentKind::MachineLearningModel || !graph.is_root(&component.key) {
            continue;
        }
        let card = component.facts.model_card.as_deref();
        let has_base = card.is_some_and(|card| !card.base_models.is_empty());
        let has_publisher = !matches!(component.key.source, Source::Path { .. })
            || card.is_some_and(|card| {
                card.repository.is_some()
                    || card.model_creator.is_some()
                    || card.quantized_by.is_some()
            });
        let has_hash_source = graph.dependencies(&component.key).iter().any(|(key, _)| {
            graph
                .get(key)
                .and_then(|file| file.facts.weights.as_deref())
                .is_some_and(|weights| !weights.expected_sha256.is_empty() || weights.lfs.is_some())
        });
        if has_base || has_publisher || has_hash_source {
            continue;
        }
        findings.push(Finding::new(
            graph,
            RuleId::MissingModelProvenance,
            &component.key,
            format!(
                "`{}` has no stated provenance: no base model, no publisher, and no published \
                 digest to check its weights against",
                component.key.name
            ),
        ));
    }
    findings
}
