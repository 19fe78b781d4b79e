//! Tables for people: the graph (`sbom`) and the findings (`scan`), grouped by severity then
//! package, with the fix version and the path from the root, a model summary (format, verdict,
//! license, base model), colors by severity and a layout that fits the terminal's width
//! (see [`super::terminal`] for when colors and widths apply). `--format json` is for scripts.

use std::collections::{BTreeMap, BTreeSet};

use anstyle::Style;
use scanner_core::risk::{Analysis, Finding, RuleId, Severity};
use scanner_core::{Component, ComponentKey, ComponentKind, DependencyGraph, Ecosystem, Source};

use super::terminal::{
    dim_style, display_width, good_style, header_style, sanitize, severity_style, truncate, wrap,
    Keep, TableStyle,
};

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

/// Columns between cells.
const GAP: usize = 2;

/// A detail column narrower than this reads badly: the detail then goes under its row.
const DETAIL_MINIMUM: usize = 40;

/// How a column gives way when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// Never narrower than its widest cell.
    Fixed,
    /// Cut with `…`, keeping one end.
    Truncate(Keep),
    /// Broken into several lines at spaces.
    Wrap,
}

#[derive(Debug, Clone, Copy)]
struct Column {
    header: &'static str,
    fit: Fit,
}

const fn column(header: &'static str, fit: Fit) -> Column {
    Column { header, fit }
}

/// One step of fitting a table: column `.0` gives way down to `.1` columns.
type Shrink = (usize, usize);

/// One cell: text (sanitized, `\n` separates paragraphs) and its color.
#[derive(Debug, Clone, Default)]
struct Cell {
    text: String,
    style: Option<Style>,
}

impl Cell {
    fn plain(text: &str) -> Cell {
        Cell {
            text: sanitize(text),
            style: None,
        }
    }

    fn styled(text: &str, style: Style) -> Cell {
        Cell {
            text: sanitize(text),
            style: Some(style),
        }
    }

    fn paragraphs(paragraphs: &[String]) -> Cell {
        Cell {
            text: paragraphs
                .iter()
                .map(|paragraph| sanitize(paragraph))
                .collect::<Vec<_>>()
                .join("\n"),
            style: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Row {
    cells: Vec<Cell>,
    /// Text under the row, from the second column to the right edge (a detail that did not
    /// fit in a column of its own).
    below: Vec<String>,
    /// An empty line before the row (between severity groups).
    gap_before: bool,
}

/// The natural width of each column: its widest line, header included.
fn natural_widths(columns: &[Column], rows: &[Row]) -> Vec<usize> {
    let mut widths: Vec<usize> = columns
        .iter()
        .map(|column| display_width(column.header))
        .collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(&row.cells) {
            for line in cell.text.split('\n') {
                *width = (*width).max(display_width(line));
            }
        }
    }
    widths
}

/// Column widths for `limit`: columns give way step by step, as long as the table is too wide.
fn fitted_widths(
    columns: &[Column],
    rows: &[Row],
    limit: Option<usize>,
    shrink_order: &[Shrink],
) -> Vec<usize> {
    let mut widths = natural_widths(columns, rows);
    let Some(limit) = limit else {
        return widths;
    };
    let total = widths.iter().sum::<usize>() + GAP * columns.len().saturating_sub(1);
    let mut excess = total.saturating_sub(limit);
    for &(index, floor) in shrink_order {
        if excess == 0 {
            break;
        }
        let (Some(width), Some(column)) = (widths.get_mut(index), columns.get(index)) else {
            continue;
        };
        if column.fit == Fit::Fixed {
            continue;
        }
        let floor = floor.min(*width);
        let cut = (*width - floor).min(excess);
        *width -= cut;
        excess -= cut;
    }
    widths
}

/// The lines of one cell at `width`.
fn cell_lines(cell: &Cell, width: usize, fit: Fit, limited: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in cell.text.split('\n') {
        match (fit, limited) {
            (Fit::Truncate(keep), true) => lines.push(truncate(paragraph, width, keep)),
            (Fit::Wrap, true) => lines.extend(wrap(paragraph, width)),
            _ => lines.push(paragraph.to_owned()),
        }
    }
    lines
}

/// Appends one line of cells, each padded to its width (the last one not).
fn push_line(
    text: &mut String,
    widths: &[usize],
    style: &TableStyle,
    cells: &[(String, Option<Style>)],
) {
    let mut line = String::new();
    for (index, ((content, cell_style), width)) in cells.iter().zip(widths).enumerate() {
        if index > 0 {
            line.push_str(&" ".repeat(GAP));
        }
        match cell_style {
            Some(cell_style) => line.push_str(&style.paint(*cell_style, content)),
            None => line.push_str(content),
        }
        line.push_str(&" ".repeat(width.saturating_sub(display_width(content))));
    }
    text.push_str(line.trim_end());
    text.push('\n');
}

/// Renders `rows` under the header, fitted to the style's width.
fn lay_out(
    columns: &[Column],
    rows: &[Row],
    style: &TableStyle,
    shrink_order: &[Shrink],
) -> String {
    let widths = fitted_widths(columns, rows, style.width, shrink_order);
    let limited = style.width.is_some();
    let mut text = String::new();
    let header: Vec<(String, Option<Style>)> = columns
        .iter()
        .zip(&widths)
        .map(|(column, width)| {
            (
                truncate(column.header, *width, Keep::Start),
                Some(header_style()),
            )
        })
        .collect();
    push_line(&mut text, &widths, style, &header);
    let indent = widths.first().map_or(0, |width| width + GAP);
    for row in rows {
        if row.gap_before {
            text.push('\n');
        }
        let lines: Vec<Vec<String>> = row
            .cells
            .iter()
            .zip(columns.iter().zip(&widths))
            .map(|(cell, (column, width))| cell_lines(cell, *width, column.fit, limited))
            .collect();
        let height = lines.iter().map(Vec::len).max().unwrap_or(1);
        for line_index in 0..height {
            let cells: Vec<(String, Option<Style>)> = lines
                .iter()
                .zip(&row.cells)
                .map(|(cell_lines, cell)| {
                    (
                        cell_lines.get(line_index).cloned().unwrap_or_default(),
                        cell.style,
                    )
                })
                .collect();
            push_line(&mut text, &widths, style, &cells);
        }
        for paragraph in &row.below {
            let paragraph = sanitize(paragraph);
            let below_lines = match style.width {
                Some(limit) => wrap(&paragraph, limit.saturating_sub(indent)),
                None => vec![paragraph],
            };
            for below in below_lines {
                text.push_str(&" ".repeat(indent));
                text.push_str(&below);
                text.push('\n');
            }
        }
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

/// Rows of plain strings, each column truncated at its end when the terminal is narrow.
fn simple_table(
    columns: &[Column],
    rows: Vec<Vec<String>>,
    style: &TableStyle,
    shrink_order: &[Shrink],
) -> String {
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|cells| Row {
            cells: cells.iter().map(|cell| Cell::plain(cell)).collect(),
            ..Row::default()
        })
        .collect();
    lay_out(columns, &rows, style, shrink_order)
}

/// Models and weights files, when the graph has any: what a reviewer of a model wants to see
/// (task, architecture, license, lineage; format, size, pickle imports, digest).
fn models(graph: &DependencyGraph, style: &TableStyle) -> String {
    let model_rows: Vec<Vec<String>> = graph
        .components()
        .filter_map(|component| {
            let card = component.facts.model_card.as_deref()?;
            Some(vec![
                component.key.name.to_string(),
                card.task.clone().unwrap_or_else(|| "-".to_owned()),
                card.architectures
                    .first()
                    .or(card.architecture_family.as_ref())
                    .cloned()
                    .unwrap_or_else(|| "-".to_owned()),
                model_license(component),
                base_models(component),
                card.datasets.len().to_string(),
            ])
        })
        .collect();
    let weight_rows: Vec<Vec<String>> = graph
        .components()
        .filter_map(|component| {
            let weights = component.facts.weights.as_deref()?;
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
        text.push_str(&simple_table(
            &[
                column("MODEL", Fit::Truncate(Keep::Start)),
                column("TASK", Fit::Truncate(Keep::Start)),
                column("ARCHITECTURE", Fit::Truncate(Keep::Start)),
                column("LICENSE", Fit::Truncate(Keep::Start)),
                column("BASE MODELS", Fit::Truncate(Keep::Start)),
                column("DATASETS", Fit::Fixed),
            ],
            model_rows,
            style,
            &[(4, 12), (2, 8), (1, 8), (3, 8), (0, 12)],
        ));
    }
    if !weight_rows.is_empty() {
        text.push('\n');
        text.push_str(&simple_table(
            &[
                column("WEIGHTS FILE", Fit::Truncate(Keep::End)),
                column("FORMAT", Fit::Fixed),
                column("BYTES", Fit::Fixed),
                column("PARAMETERS", Fit::Truncate(Keep::Start)),
                column("DTYPES", Fit::Truncate(Keep::Start)),
                column("PICKLE", Fit::Truncate(Keep::Start)),
                column("SHA-256", Fit::Truncate(Keep::Start)),
            ],
            weight_rows,
            style,
            &[(0, 16), (4, 6), (6, 8), (5, 8), (3, 6)],
        ));
    }
    text
}

/// The graph as one row per component, with colors and a width as `style` says.
pub fn graph_styled(graph: &DependencyGraph, style: &TableStyle) -> String {
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
    let mut text = simple_table(
        &[
            column("NAME", Fit::Truncate(Keep::Start)),
            column("VERSION", Fit::Truncate(Keep::Start)),
            column("ECOSYSTEM", Fit::Truncate(Keep::Start)),
            column("KIND", Fit::Truncate(Keep::Start)),
            column("SCOPE", Fit::Fixed),
            column("SOURCE", Fit::Truncate(Keep::Start)),
            column("FOUND IN", Fit::Truncate(Keep::End)),
        ],
        rows,
        style,
        &[(6, 16), (5, 8), (0, 12), (3, 6), (2, 6), (1, 8)],
    );
    text.push_str(&models(graph, style));
    text
}

/// `name version (ecosystem)`, or the kind for things that are not registry packages.
fn package_label(key: &ComponentKey, component: Option<&Component>) -> String {
    let mut label = key.name.to_string();
    if let Some(version) = &key.version {
        label.push(' ');
        label.push_str(version);
    }
    let origin = match key.ecosystem {
        Ecosystem::PyPI => "PyPI".to_owned(),
        Ecosystem::CratesIo => "crates.io".to_owned(),
        Ecosystem::HuggingFaceModel => "model".to_owned(),
        Ecosystem::HuggingFaceDataset => "dataset".to_owned(),
        Ecosystem::Npm => "npm".to_owned(),
        Ecosystem::Docker => "docker".to_owned(),
        Ecosystem::GenericFile => component
            .map_or("file", |found| match found.kind {
                ComponentKind::MachineLearningModel => "model",
                ComponentKind::Data => "dataset",
                ComponentKind::Application => "project",
                ComponentKind::McpServer => "MCP server",
                ComponentKind::AgentTool => "agent tool",
                ComponentKind::AgentHook => "agent hook",
                ComponentKind::AgentSettings => "agent settings",
                ComponentKind::AgentInstructions => "agent instructions",
                ComponentKind::Library | ComponentKind::File => "file",
            })
            .to_owned(),
    };
    format!("{label} ({origin})")
}

/// The path from a root, by name.
fn path_from_root(finding: &Finding) -> String {
    if finding.introduced_through.is_empty() {
        return "-".to_owned();
    }
    finding
        .introduced_through
        .iter()
        .map(|key| key.name.to_string())
        .collect::<Vec<_>>()
        .join(" > ")
}

/// Where the finding was read.
fn finding_found_in(finding: &Finding, component: Option<&Component>) -> String {
    if finding.evidence.is_empty() {
        return component.map(found_in).unwrap_or_default();
    }
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
}

/// What the finding says: an advisory's summary and aliases, or the rule's message.
fn finding_detail(finding: &Finding) -> String {
    let Some(advisory) = &finding.advisory else {
        return finding.message.clone();
    };
    let mut detail = String::new();
    if finding.rule != RuleId::KnownVulnerability {
        detail.push_str(finding.rule.as_str());
        detail.push_str(": ");
    }
    detail.push_str(advisory.summary.as_deref().unwrap_or(&finding.message));
    let aliases: Vec<&str> = advisory
        .aliases
        .iter()
        .map(String::as_str)
        .filter(|alias| *alias != advisory.id)
        .collect();
    if !aliases.is_empty() {
        detail.push_str(&format!(" ({})", aliases.join(", ")));
    }
    detail
}

/// Findings, worst first and grouped by package, each with its fix and path from the root;
/// then the models with their verdicts; then the totals; with colors and a width as `style`
/// says.
pub fn scan_styled(graph: &DependencyGraph, analysis: &Analysis, style: &TableStyle) -> String {
    let mut text = if analysis.findings.is_empty() {
        "No findings.\n".to_owned()
    } else {
        findings_table(graph, analysis, style)
    };
    let models = model_summary(graph, &analysis.findings, style);
    if !models.is_empty() {
        text.push('\n');
        text.push_str(&models);
    }
    if !analysis.findings.is_empty() {
        text.push('\n');
        text.push_str(&totals(analysis, style));
    }
    text
}

fn findings_table(graph: &DependencyGraph, analysis: &Analysis, style: &TableStyle) -> String {
    let findings = &analysis.findings;
    // On a terminal, repeated severities and packages are left blank so groups stand out, and
    // the place a finding was read joins its detail; in files and pipes every line is whole.
    let terminal = style.width.is_some();
    let mut columns = vec![
        column("SEVERITY", Fit::Fixed),
        column("PACKAGE", Fit::Truncate(Keep::Start)),
        column("FIX", Fit::Truncate(Keep::Start)),
        column("FINDING", Fit::Truncate(Keep::Start)),
        column("PATH FROM ROOT", Fit::Truncate(Keep::Ends)),
    ];
    if !terminal {
        columns.push(column("FOUND IN", Fit::Truncate(Keep::End)));
    }
    columns.push(column("DETAIL", Fit::Wrap));
    let mut rows = Vec::new();
    let mut previous: Option<(Severity, &ComponentKey)> = None;
    for finding in findings {
        let component = graph.get(&finding.component);
        let new_group = previous.is_none_or(|(severity, _)| severity != finding.severity);
        let new_package = new_group || previous.is_none_or(|(_, key)| *key != finding.component);
        let severity = Cell::styled(
            &finding.severity.as_str().to_uppercase(),
            severity_style(finding.severity),
        );
        let package = Cell::plain(&package_label(&finding.component, component));
        let fix = match finding
            .advisory
            .as_ref()
            .and_then(|advisory| advisory.fixed_version.as_deref())
        {
            Some(version) => Cell::styled(version, good_style()),
            None => Cell::styled("-", dim_style()),
        };
        let identifier = finding
            .advisory
            .as_ref()
            .map_or(finding.rule.as_str(), |advisory| advisory.id.as_str());
        let found = finding_found_in(finding, component);
        let mut cells = vec![
            if new_group || !terminal {
                severity
            } else {
                Cell::default()
            },
            if new_package || !terminal {
                package
            } else {
                Cell::default()
            },
            fix,
            Cell::plain(identifier),
            Cell::plain(&path_from_root(finding)),
        ];
        if terminal {
            cells.push(Cell::paragraphs(&[
                finding_detail(finding),
                format!("found in {found}"),
            ]));
        } else {
            cells.push(Cell::plain(&found));
            cells.push(Cell::plain(&finding_detail(finding)));
        }
        rows.push(Row {
            cells,
            below: Vec::new(),
            gap_before: new_group && previous.is_some(),
        });
        previous = Some((finding.severity, &finding.component));
    }
    // The other columns give way in steps: the package (its ecosystem suffix goes first), the
    // path (cut in the middle: its ends matter most), the finding id, then all of them again.
    let mut shrink_order = vec![
        (1, 20),
        (4, 28),
        (3, 16),
        (4, 18),
        (1, 12),
        (3, 12),
        (4, 14),
    ];
    if let Some(limit) = style.width {
        let detail = columns.len() - 1;
        let natural = natural_widths(&columns, &rows);
        let others: usize = natural.iter().take(detail).map(|width| width + GAP).sum();
        if others + DETAIL_MINIMUM <= limit {
            shrink_order.insert(0, (detail, DETAIL_MINIMUM));
        } else {
            // Too narrow for a detail column that reads well: the detail and the path go under
            // each row, across the whole width, and the ids keep their column whole.
            columns.truncate(4);
            for row in &mut rows {
                let detail = row.cells.pop().unwrap_or_default();
                let path = row.cells.pop().unwrap_or_default();
                let mut paragraphs = detail.text.split('\n').map(str::to_owned);
                row.below.extend(paragraphs.next());
                row.below.push(format!("introduced through {}", path.text));
                row.below.extend(paragraphs);
            }
            shrink_order = vec![(1, 20), (1, 14)];
        }
    }
    lay_out(&columns, &rows, style, &shrink_order)
}

/// The findings on a model and on its weights files.
fn model_findings<'a>(
    graph: &DependencyGraph,
    model: &ComponentKey,
    findings: &'a [Finding],
) -> Vec<&'a Finding> {
    let mut keys: BTreeSet<&ComponentKey> = BTreeSet::new();
    keys.insert(model);
    for (dependency, _) in graph.dependencies(model) {
        if graph
            .get(dependency)
            .is_some_and(|component| component.facts.weights.is_some())
        {
            keys.insert(dependency);
        }
    }
    findings
        .iter()
        .filter(|finding| keys.contains(&finding.component))
        .collect()
}

fn model_license(component: &Component) -> String {
    let card_license = component
        .facts
        .model_card
        .as_deref()
        .and_then(|card| card.license.as_ref())
        .map(|license| match &license.name {
            Some(name) => format!("{} ({name})", license.id),
            None => license.id.clone(),
        });
    card_license
        .or_else(|| {
            (!component.licenses.is_empty()).then(|| {
                component
                    .licenses
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })
        .unwrap_or_else(|| "none stated".to_owned())
}

fn base_models(component: &Component) -> String {
    let bases: Vec<String> = component
        .facts
        .model_card
        .as_deref()
        .map(|card| {
            card.base_models
                .iter()
                .map(|base| format!("{} ({})", base.name, base.relation))
                .collect()
        })
        .unwrap_or_default();
    if bases.is_empty() {
        "-".to_owned()
    } else {
        bases.join(", ")
    }
}

/// One row per model found on disk: its weights formats, a verdict from its findings, its
/// license and its base models.
fn model_summary(graph: &DependencyGraph, findings: &[Finding], style: &TableStyle) -> String {
    let mut rows = Vec::new();
    for component in graph.components() {
        if component.kind != ComponentKind::MachineLearningModel {
            continue;
        }
        let weights: Vec<&Component> = graph
            .dependencies(&component.key)
            .into_iter()
            .filter_map(|(key, _)| graph.get(key))
            .filter(|dependency| dependency.facts.weights.is_some())
            .collect();
        let on_disk = matches!(
            component.key.source,
            Source::Path { .. } | Source::File { .. }
        );
        if component.facts.model_card.is_none() && weights.is_empty() && !on_disk {
            // A base model or a hub reference: named, not present.
            continue;
        }
        let formats: BTreeSet<&str> = weights
            .iter()
            .filter_map(|file| file.facts.weights.as_deref())
            .map(|file| file.format.as_str())
            .collect();
        let mut own = model_findings(graph, &component.key, findings);
        own.sort_by(|a, b| {
            a.severity
                .report_order(b.severity, scanner_core::risk::DEFAULT_UNKNOWN_COUNTS_AS)
                .then(a.rule.cmp(&b.rule))
        });
        let verdict = match own.first() {
            None => Cell::styled("no finding", good_style()),
            Some(worst) => {
                let more = if own.len() > 1 {
                    format!(" (+{})", own.len() - 1)
                } else {
                    String::new()
                };
                Cell::styled(
                    &format!(
                        "{} {}{more}",
                        worst.severity.as_str().to_uppercase(),
                        worst.rule
                    ),
                    severity_style(worst.severity),
                )
            }
        };
        rows.push(Row {
            cells: vec![
                Cell::plain(&component.key.name.to_string()),
                Cell::plain(&if formats.is_empty() {
                    "-".to_owned()
                } else {
                    formats.into_iter().collect::<Vec<_>>().join(", ")
                }),
                verdict,
                Cell::plain(&model_license(component)),
                Cell::plain(&base_models(component)),
            ],
            ..Row::default()
        });
    }
    if rows.is_empty() {
        return String::new();
    }
    lay_out(
        &[
            column("MODEL", Fit::Truncate(Keep::Start)),
            column("FORMAT", Fit::Wrap),
            column("VERDICT", Fit::Wrap),
            column("LICENSE", Fit::Wrap),
            column("BASE MODEL", Fit::Wrap),
        ],
        &rows,
        style,
        // The model's name gives way last.
        &[
            (4, 24),
            (2, 24),
            (1, 11),
            (3, 11),
            (4, 16),
            (2, 16),
            (0, 14),
            (3, 8),
            (1, 8),
            (4, 12),
            (2, 12),
            (0, 10),
        ],
    )
}

/// A line of prose under a table (the advisory database line), wrapped to the width.
pub fn note(text: &str, style: &TableStyle) -> String {
    let text = sanitize(text);
    let lines = match style.width {
        Some(width) => wrap(&text, width),
        None => vec![text],
    };
    let mut note = lines.join("\n");
    note.push('\n');
    note
}

/// `9 findings: 1 critical, 4 high, 2 unknown (counted as high), 1 medium, 1 low.`
fn totals(analysis: &Analysis, style: &TableStyle) -> String {
    let counts = severity_counts(analysis);
    let last = counts.len().saturating_sub(1);
    let mut text = format!(
        "{}:",
        super::terminal::count(analysis.findings.len(), "finding")
    );
    let mut used = display_width(&text);
    // Parts are painted, so the line is filled by their plain width; a part never splits.
    for (position, (severity, count)) in counts.into_iter().enumerate() {
        let plain = if position == last {
            format!("{count}.")
        } else {
            format!("{count},")
        };
        let width = display_width(&plain);
        if style.width.is_some_and(|limit| used + 1 + width > limit) {
            text.push('\n');
            used = 0;
        } else {
            text.push(' ');
            used += 1;
        }
        text.push_str(&style.paint(severity_style(severity), &count));
        text.push_str(if position == last { "." } else { "," });
        used += width;
    }
    text.push('\n');
    text
}

/// The findings counted by severity, worst first, each as `N level`: unknown ones right after
/// the level they count as, saying so (`2 unknown (counted as high)`). The summary lines of
/// `scan` (stderr and the table) are made of these.
pub fn severity_counts(analysis: &Analysis) -> Vec<(Severity, String)> {
    let mut counts: BTreeMap<(std::cmp::Reverse<Severity>, bool), usize> = BTreeMap::new();
    for finding in &analysis.findings {
        let key = (
            std::cmp::Reverse(analysis.counted(finding.severity)),
            finding.severity == Severity::Unknown,
        );
        *counts.entry(key).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((counted, unknown), count)| {
            if unknown {
                (
                    Severity::Unknown,
                    format!("{count} unknown (counted as {})", counted.0),
                )
            } else {
                (counted.0, format!("{count} {}", counted.0))
            }
        })
        .collect()
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
