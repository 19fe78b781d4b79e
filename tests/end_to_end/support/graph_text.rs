//! The text form of a dependency graph that the Python snapshot tests share.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use scanner_core::component::Source;
use scanner_core::diagnostic::Diagnostic;
use scanner_core::graph::DependencyGraph;

fn source_text(source: &Source) -> String {
    match source {
        Source::Registry { index: None } => "pypi".to_owned(),
        other => other.to_string(),
    }
}

/// A graph as text for snapshots: roots, then each component (hash count, flags, scope) with its
/// outgoing edges (kind, target, marker, extras), then the diagnostics. `relative` rewrites the
/// paths in sources and diagnostics (e.g. to make them relative to a fixture).
pub fn graph_summary(
    graph: &DependencyGraph,
    diagnostics: &[Diagnostic],
    relative: &dyn Fn(String) -> String,
) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} components, {} edges, {} roots",
        graph.len(),
        graph.edge_count(),
        graph.roots().count()
    );
    for root in graph.roots() {
        let _ = writeln!(
            text,
            "root {} {} ({})",
            root.name,
            root.version.as_deref().unwrap_or("-"),
            relative(source_text(&root.source))
        );
    }
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for edge in graph.edges() {
        let details = edge.details.map_or(String::new(), |details| {
            let mut parts = Vec::new();
            if let Some(marker) = &details.marker {
                parts.push(format!("; {marker}"));
            }
            if !details.extras.is_empty() {
                parts.push(format!(" [{}]", details.extras.join(",")));
            }
            parts.concat()
        });
        edges
            .entry(edge.from.to_string())
            .or_default()
            .push(format!(
                "  -> {} {} {}{}",
                edge.kind.as_str(),
                edge.to.name,
                edge.to.version.as_deref().unwrap_or("-"),
                details
            ));
    }
    for component in graph.components() {
        let flags: Vec<&str> = component.flags.iter().map(|flag| flag.as_str()).collect();
        let _ = writeln!(
            text,
            "{} {} ({}) {} hashes={} scope={}{}",
            component.key.name,
            component.key.version.as_deref().unwrap_or("-"),
            relative(source_text(&component.key.source)),
            component.kind.as_str(),
            component.hashes.len(),
            component.scope.map_or("-", |scope| scope.as_str()),
            if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join(","))
            }
        );
        for line in edges.get(&component.key.to_string()).into_iter().flatten() {
            let _ = writeln!(text, "{line}");
        }
    }
    for diagnostic in diagnostics {
        let _ = writeln!(text, "diagnostic {}", relative(diagnostic.to_string()));
    }
    text
}
