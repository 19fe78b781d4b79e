//! Plain aligned tables for people.

use scanner_core::risk::Analysis;
use scanner_core::{Component, DependencyGraph, Source};

/// Renders rows under a header, columns padded to their widest cell.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut rendered = String::new();
        for (index, (cell, width)) in cells.zip(&widths).enumerate() {
            if index > 0 {
                rendered.push_str("  ");
            }
            rendered.push_str(cell);
            rendered.extend(std::iter::repeat_n(
                ' ',
                width.saturating_sub(cell.chars().count()),
            ));
        }
        text.push_str(rendered.trim_end());
        text.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    text
}

fn source(component: &Component) -> String {
    match &component.key.source {
        Source::Registry { index: None } => "registry".to_owned(),
        other => other.to_string(),
    }
}

fn found_in(component: &Component) -> String {
    let mut places = component
        .evidence
        .iter()
        .map(|evidence| evidence.location.to_string());
    let first = places.next().unwrap_or_default();
    let more = places.count();
    if more > 0 {
        format!("{first} (+{more})")
    } else {
        first
    }
}

/// Models and weights files, when the graph has any: what a reviewer of a model wants to see
/// (task, architecture, license, lineage; format, size, pickle imports, digest).
fn models(graph: &DependencyGraph) -> String {
    let model_rows: Vec<Vec<String>> = graph
        .components()
        .filter_map(|component| {
            let card = component.model_card.as_deref()?;
            let bases: Vec<String> = card
                .base_models
                .iter()
                .map(|base| format!("{} ({})", base.name, base.relation))
                .collect();
            let license =
                card.license
                    .as_ref()
                    .map_or("-".to_owned(), |license| match &license.name {
                        Some(name) => format!("{} ({name})", license.id),
                        None => license.id.clone(),
                    });
            Some(vec![
                component.key.name.to_string(),
                card.task.clone().unwrap_or_else(|| "-".to_owned()),
                card.architectures
                    .first()
                    .or(card.architecture_family.as_ref())
                    .cloned()
                    .unwrap_or_else(|| "-".to_owned()),
                license,
                if bases.is_empty() {
                    "-".to_owned()
                } else {
                    bases.join(", ")
                },
                card.datasets.len().to_string(),
            ])
        })
        .collect();
    let weight_rows: Vec<Vec<String>> = graph
        .components()
        .filter_map(|component| {
            let weights = component.weights.as_deref()?;
            let path = match &component.key.source {
                Source::File { path } => path.clone(),
                other => other.to_string(),
            };
            let imports: usize = weights
                .pickles
                .iter()
                .map(|stream| stream.imports.len())
                .sum();
            let pickle = if weights.pickles.is_empty() {
                "-".to_owned()
            } else if weights.pickles.iter().any(|stream| !stream.complete) {
                format!("{imports} imports, incomplete")
            } else {
                format!("{imports} imports")
            };
            let digest = component
                .hashes
                .iter()
                .next()
                .map_or("-".to_owned(), |hash| {
                    hash.value().chars().take(16).collect::<String>()
                });
            Some(vec![
                path,
                weights.format.as_str().to_owned(),
                weights.size.map_or("-".to_owned(), |size| size.to_string()),
                weights
                    .parameters
                    .map_or("-".to_owned(), |count| count.to_string()),
                weights
                    .dtypes
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(",")
                    .chars()
                    .take(40)
                    .collect(),
                pickle,
                digest,
            ])
        })
        .collect();
    let mut text = String::new();
    if !model_rows.is_empty() {
        text.push('\n');
        text.push_str(&render(
            &[
                "MODEL",
                "TASK",
                "ARCHITECTURE",
                "LICENSE",
                "BASE MODELS",
                "DATASETS",
            ],
            &model_rows,
        ));
    }
    if !weight_rows.is_empty() {
        text.push('\n');
        text.push_str(&render(
            &[
                "WEIGHTS FILE",
                "FORMAT",
                "BYTES",
                "PARAMETERS",
                "DTYPES",
                "PICKLE",
                "SHA-256",
            ],
            &weight_rows,
        ));
    }
    text
}

/// The graph as one row per component.
pub fn graph(graph: &DependencyGraph) -> String {
    let rows: Vec<Vec<String>> = graph
        .components()
        .map(|component| {
            vec![
                component.key.name.to_string(),
                component
                    .key
                    .version
                    .clone()
                    .unwrap_or_else(|| "-".to_owned()),
                component.key.ecosystem.to_string(),
                component.kind.as_str().to_owned(),
                component
                    .scope
                    .map_or("-", |scope| scope.as_str())
                    .to_owned(),
                source(component),
                found_in(component),
            ]
        })
        .collect();
    let mut text = render(
        &[
            "NAME",
            "VERSION",
            "ECOSYSTEM",
            "KIND",
            "SCOPE",
            "SOURCE",
            "FOUND IN",
        ],
        &rows,
    );
    text.push_str(&models(graph));
    text
}

/// Findings, worst first, with the path by which each component came in.
pub fn scan(graph: &DependencyGraph, analysis: &Analysis) -> String {
    if analysis.findings.is_empty() {
        return "No findings.\n".to_owned();
    }
    let rows: Vec<Vec<String>> = analysis
        .findings
        .iter()
        .map(|finding| {
            let path: Vec<String> = finding
                .introduced_through
                .iter()
                .map(|key| key.name.to_string())
                .collect();
            let component = graph.get(&finding.component);
            vec![
                finding.severity.as_str().to_uppercase(),
                finding.rule.as_str().to_owned(),
                format!(
                    "{} {}",
                    finding.component.name,
                    finding.component.version.as_deref().unwrap_or("-")
                ),
                if path.is_empty() {
                    "-".to_owned()
                } else {
                    path.join(" > ")
                },
                if finding.evidence.is_empty() {
                    component.map(found_in).unwrap_or_default()
                } else {
                    let more = finding.evidence.len() - 1;
                    let first = finding
                        .evidence
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    if more > 0 {
                        format!("{first} (+{more})")
                    } else {
                        first
                    }
                },
                finding.message.clone(),
            ]
        })
        .collect();
    render(
        &[
            "SEVERITY",
            "RULE",
            "COMPONENT",
            "INTRODUCED THROUGH",
            "FOUND IN",
            "DETAIL",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align() {
        let text = render(
            &["A", "BB"],
            &[vec!["xxx".into(), "y".into()], vec!["z".into(), "".into()]],
        );
        assert_eq!(text, "A    BB\nxxx  y\nz\n");
    }
}
