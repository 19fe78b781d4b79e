//! `model-external-data-escape`: an ONNX model stores tensors in a file outside its own folder
//! (an absolute `external_data` location, one that walks up with `..`, or a link that leaves
//! the folder). A loader that follows it reads any file the process can read into a tensor
//! (CVE-2022-25882, CVE-2024-27318: path traversal in `onnx.load`'s external data), and
//! `onnx.save` writes there. Found by [`crate::extract::model::onnx`].

use super::{Finding, RuleId};
use crate::graph::DependencyGraph;
use crate::location::Location;

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(weights) = component.facts.weights.as_deref() else {
            continue;
        };
        let escaping: Vec<String> = weights
            .external_data
            .iter()
            .filter_map(|data| {
                data.escapes.as_ref().map(|why| {
                    format!(
                        "`{}` (tensor `{}`{}): {why}",
                        data.location,
                        data.tensor,
                        if data.tensors > 1 {
                            format!(" and {} more", data.tensors - 1)
                        } else {
                            String::new()
                        }
                    )
                })
            })
            .collect();
        if escaping.is_empty() {
            continue;
        }
        let path = match &component.key.source {
            crate::component::Source::File { path } => path.clone(),
            other => other.to_string(),
        };
        let shown: Vec<&str> = escaping.iter().take(8).map(String::as_str).collect();
        let mut finding = Finding::new(
            graph,
            RuleId::ModelExternalDataEscape,
            &component.key,
            format!(
                "`{path}` reads tensors from outside its folder, so loading it reads (and saving \
                 it writes) files the model does not own: {}{}",
                shown.join("; "),
                if escaping.len() > shown.len() {
                    format!(" and {} more", escaping.len() - shown.len())
                } else {
                    String::new()
                }
            ),
        );
        finding.evidence = vec![Location::file(path)];
        findings.push(finding);
    }
    findings
}
