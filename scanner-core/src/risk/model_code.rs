//! `unsafe-model-code`: a model file names or carries code its loader runs, outside pickles
//! ([`crate::extract::model::model_code`]: Keras `Lambda` layers and foreign modules, NeMo
//! Hydra `_target_`s, TorchScript calls outside `torch`) — critical; and an ONNX model that
//! imports a non-standard operator domain, whose kernels come from a library the runtime
//! must load — medium.

use super::{Finding, RuleId, Severity};
use crate::graph::DependencyGraph;
use crate::location::Location;

/// Operator domains of the ONNX standard and of ONNX Runtime's built-in kernels.
const STANDARD_DOMAINS: &[&str] = &[
    "",
    "ai.onnx",
    "ai.onnx.ml",
    "ai.onnx.training",
    "ai.onnx.preview.training",
    "com.microsoft",
    "com.microsoft.nchwc",
    "com.microsoft.experimental",
    "org.pytorch.aten",
];

pub(super) fn check(graph: &DependencyGraph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for component in graph.components() {
        let Some(weights) = component.facts.weights.as_deref() else {
            continue;
        };
        let path = match &component.key.source {
            crate::component::Source::File { path } => path.clone(),
            other => other.to_string(),
        };
        if !weights.code_hazards.is_empty() {
            let parts: Vec<String> = weights
                .code_hazards
                .iter()
                .take(8)
                .map(|hazard| format!("{} ({})", hazard.what, hazard.place))
                .collect();
            let mut finding = Finding::new(
                graph,
                RuleId::UnsafeModelCode,
                &component.key,
                format!(
                    "`{path}` makes its loader run code: {}{}",
                    parts.join("; "),
                    if weights.code_hazards.len() > 8 {
                        format!(" and {} more", weights.code_hazards.len() - 8)
                    } else {
                        String::new()
                    }
                ),
            );
            finding.evidence = vec![Location::file(path.clone())];
            findings.push(finding);
        }
        if let Some(operator_sets) = weights.metadata.get("opset_import") {
            let foreign: Vec<&str> = operator_sets
                .split(' ')
                .filter_map(|set| set.rsplit_once(':').map(|(domain, _)| domain))
                .filter(|domain| !STANDARD_DOMAINS.contains(domain))
                .collect();
            if !foreign.is_empty() {
                let mut finding = Finding::new(
                    graph,
                    RuleId::UnsafeModelCode,
                    &component.key,
                    format!(
                        "`{path}` imports the non-standard ONNX operator domain{} `{}`: its \
                         kernels are native code from a library the runtime must load",
                        if foreign.len() > 1 { "s" } else { "" },
                        foreign.join("`, `")
                    ),
                );
                finding.severity = Severity::Medium;
                finding.evidence = vec![Location::file(path)];
                findings.push(finding);
            }
        }
    }
    findings
}
