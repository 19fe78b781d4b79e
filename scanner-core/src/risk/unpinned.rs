//! `unpinned-dependency`: a package named without one exact version. What gets installed then
//! depends on the day of the install, and no advisory can be matched against it.

use super::{Finding, RuleId};
use crate::component::ComponentFlag;
use crate::graph::DependencyGraph;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    graph
        .components()
        .filter(|component| component.flags.contains(&ComponentFlag::Unpinned))
        .map(|component| {
            let requirement = component
                .facts
                .requirement
                .as_ref()
                .map(|requirement| format!(" (requirement `{requirement}`)"))
                .unwrap_or_default();
            Finding::new(
                graph,
                RuleId::UnpinnedDependency,
                &component.key,
                format!(
                    "`{}` is not pinned to one version{requirement}; lock it",
                    component.key.name
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::extract::cargo::cargo_toml::CargoTomlExtractor;
    use crate::extract::{Input, Parse};
    use crate::risk::{analyze, RuleId};

    #[test]
    fn a_manifest_without_lockfile_has_unpinned_dependencies() {
        let text = "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\n";
        let extraction = CargoTomlExtractor
            .parse(&Input::new("Cargo.toml", text.as_bytes()))
            .unwrap();
        let graph = crate::scan::merge(vec![extraction], &mut Vec::new());
        let analysis = analyze(&graph, None);
        let rules: Vec<RuleId> = analysis
            .findings
            .iter()
            .map(|finding| finding.rule)
            .collect();
        assert_eq!(rules, [RuleId::UnpinnedDependency]);
        assert_eq!(analysis.findings[0].introduced_through.len(), 2);
        assert_eq!(analysis.findings[0].evidence[0].to_string(), "Cargo.toml:5");
    }
}
