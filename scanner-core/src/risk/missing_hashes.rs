//! `missing-hashes`: a pinned Python package from an index or a URL that no lockfile gives an
//! artifact hash for. pip's `--require-hashes` mode, uv and poetry all record hashes so that a
//! tampered or substituted download is refused; without one, nothing checks what was installed.
//! Editable and local-path packages have no artifact to hash and are not reported.

use super::{Finding, RuleId};
use crate::component::Source;
use crate::ecosystem::Ecosystem;
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    graph
        .components()
        .filter(|component| {
            component.key.ecosystem == Ecosystem::PyPI
                && component.key.version.is_some()
                && component.hashes.is_empty()
                && matches!(
                    component.key.source,
                    Source::Registry { .. } | Source::Url { .. }
                )
                // Only lockfile readers promise hashes; a manifest never has them, and an
                // installed package is checked file by file against its RECORD instead.
                && component.evidence.iter().any(|evidence| {
                    evidence.extractor.starts_with("python/")
                        && evidence.extractor != crate::extract::python::installed::ID
                })
        })
        .map(|component| {
            let files: Vec<String> = component
                .evidence
                .iter()
                .map(|evidence| evidence.location.path.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            Finding::new(
                graph,
                RuleId::MissingHashes,
                &component.key,
                format!(
                    "`{}` {} has no artifact hash in {}; lock it with hashes",
                    component.key.name,
                    component.key.version.as_deref().unwrap_or_default(),
                    files.join(", ")
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::component::{Component, ComponentKey, ComponentKind, Hash, HashAlgorithm, Source};
    use crate::ecosystem::Ecosystem;
    use crate::graph::GraphBuilder;
    use crate::location::{Evidence, Location};
    use crate::name::PackageName;
    use crate::risk::{analyze, RuleId};

    fn component(name: &str, source: Source, hashed: bool, extractor: &'static str) -> Component {
        let key = ComponentKey::new(
            Ecosystem::PyPI,
            PackageName::new(Ecosystem::PyPI, name).unwrap(),
            Some("1.0".to_owned()),
            source,
        );
        let mut component = Component::new(key, ComponentKind::Library).with_evidence(Evidence {
            location: Location::line("requirements.txt", 3),
            extractor,
        });
        if hashed {
            component
                .hashes
                .insert(Hash::new(HashAlgorithm::Sha256, &"ab".repeat(32)).unwrap());
        }
        component
    }

    #[test]
    fn only_unhashed_artifacts_from_python_locks_are_reported() {
        let mut builder = GraphBuilder::new();
        builder.add_component(component(
            "bare",
            Source::DEFAULT_REGISTRY,
            false,
            "python/requirements",
        ));
        builder.add_component(component(
            "hashed",
            Source::DEFAULT_REGISTRY,
            true,
            "python/requirements",
        ));
        builder.add_component(component(
            "local",
            Source::Path { path: "lib".into() },
            false,
            "python/requirements",
        ));
        builder.add_component(component(
            "other",
            Source::DEFAULT_REGISTRY,
            false,
            "test/other",
        ));
        let analysis = analyze(&builder.build(), None);
        let reported: Vec<(&str, RuleId)> = analysis
            .findings
            .iter()
            .filter(|finding| finding.rule == RuleId::MissingHashes)
            .map(|finding| (finding.component.name.normalized(), finding.rule))
            .collect();
        assert_eq!(reported, [("bare", RuleId::MissingHashes)]);
        assert!(analysis.findings[0].message.contains("requirements.txt"));
    }
}
