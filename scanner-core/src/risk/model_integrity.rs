//! `model-integrity-mismatch`, `missing-shard`, `weights-not-materialized`,
//! `malformed-model-file`: whether the weights on disk are the weights that were published.
//! A Hugging Face cache blob must hash to its name; every shard a checkpoint index names must be
//! present; a git-lfs pointer means the weights were never downloaded; a header that
//! contradicts the file (offsets past the end, truncated data) means a broken or doctored file.

use super::{Finding, RuleId};
use crate::component::{ComponentKind, HashAlgorithm, Source};
use crate::graph::DependencyGraph;
use crate::location::Location;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        if let Some(card) = component.facts.model_card.as_deref() {
            if !card.missing_shards.is_empty() {
                let shards: Vec<&str> = card
                    .missing_shards
                    .iter()
                    .map(|missing| missing.shard.as_str())
                    .collect();
                let mut finding = Finding::new(
                    graph,
                    RuleId::MissingShard,
                    &component.key,
                    format!(
                        "`{}`'s checkpoint index names {} shard(s) that are not on disk: {}",
                        component.key.name,
                        shards.len(),
                        shards.join(", ")
                    ),
                );
                finding.evidence = card
                    .missing_shards
                    .iter()
                    .map(|missing| missing.location.clone())
                    .collect();
                findings.push(finding);
            }
        }
        if component.kind != ComponentKind::File {
            continue;
        }
        let Some(weights) = component.facts.weights.as_deref() else {
            continue;
        };
        let path = match &component.key.source {
            Source::File { path } => path.clone(),
            other => other.to_string(),
        };
        let evidence = vec![Location::file(path.clone())];
        let actual = component
            .hashes
            .iter()
            .find(|hash| hash.algorithm() == HashAlgorithm::Sha256)
            .map(|hash| hash.value());
        for expected in &weights.expected_sha256 {
            let Some(actual) = &actual else { continue };
            if *actual != expected.sha256 {
                let mut finding = Finding::new(
                    graph,
                    RuleId::ModelIntegrityMismatch,
                    &component.key,
                    format!(
                        "`{path}` has SHA-256 {actual}, but its {} says {}: the content was \
                         changed after download",
                        expected.source, expected.sha256
                    ),
                );
                finding.evidence.clone_from(&evidence);
                findings.push(finding);
            }
        }
        if let Some(pointer) = &weights.lfs {
            let mut finding = Finding::new(
                graph,
                RuleId::WeightsNotMaterialized,
                &component.key,
                format!(
                    "`{path}` is a git-lfs pointer: the weights (sha256 {}, {} bytes) were never \
                     downloaded, so what will be loaded is unknown",
                    pointer.oid, pointer.size
                ),
            );
            finding.evidence.clone_from(&evidence);
            findings.push(finding);
        }
        if !weights.problems.is_empty() {
            let shown: Vec<&str> = weights
                .problems
                .iter()
                .take(3)
                .map(String::as_str)
                .collect();
            let more = weights.problems.len().saturating_sub(shown.len());
            let mut message = format!(
                "`{path}` does not match its own {} format: {}",
                weights.format.as_str(),
                shown.join("; ")
            );
            if more > 0 {
                message.push_str(&format!(" (and {more} more)"));
            }
            let mut finding =
                Finding::new(graph, RuleId::MalformedModelFile, &component.key, message);
            finding.evidence = evidence;
            findings.push(finding);
        }
    }
    findings
}
