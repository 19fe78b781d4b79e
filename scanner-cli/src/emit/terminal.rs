//! What a table report may assume about where it goes: whether to color it (`--color`, the
//! `NO_COLOR` convention of no-color.org, `TERM=dumb`) and how wide it may be (the terminal's
//! width, `COLUMNS` when stdout is not a terminal, else unlimited so files and pipes get whole
//! lines). Also the text helpers the tables share: display width (wide characters count twice),
//! truncation, word wrapping, and neutralizing control characters, because package names and
//! messages come from hostile files and must not drive the terminal.

use std::io::IsTerminal;

use anstyle::{AnsiColor, Effects, Style};
use scanner_core::risk::Severity;
use unicode_width::UnicodeWidthChar;

/// When tables get colors (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal, NO_COLOR is unset or empty, and TERM is not `dumb`.
    Auto,
    /// Always, even into a file or a pipe (overrides NO_COLOR).
    Always,
    /// Never.
    Never,
}

/// Narrower than this, layouts stop adapting and lines may wrap in the terminal.
pub const MINIMUM_WIDTH: usize = 40;

/// How a table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStyle {
    /// ANSI colors by severity.
    pub color: bool,
    /// The width to fit, in terminal columns; `None` for whole lines.
    pub width: Option<usize>,
}

impl TableStyle {
    /// No colors, whole lines: files, pipes, tests.
    pub fn plain() -> TableStyle {
        TableStyle {
            color: false,
            width: None,
        }
    }

    /// The style of a report written to stdout (`to_file` false) or to a file.
    pub fn detect(choice: ColorChoice, to_file: bool) -> TableStyle {
        let stdout = std::io::stdout();
        let terminal = !to_file && stdout.is_terminal();
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                    && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
            }
        };
        let width = if to_file {
            None
        } else if terminal {
            terminal_size::terminal_size_of(&stdout)
                .map(|(width, _)| usize::from(width.0))
                .or_else(columns_variable)
        } else {
            columns_variable()
        };
        TableStyle {
            color,
            width: width.map(|width| width.max(MINIMUM_WIDTH)),
        }
    }

    /// `text` in `style` when colors are on.
    pub fn paint(&self, style: Style, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }
}

/// `COLUMNS`, when it is a positive number.
fn columns_variable() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
        .filter(|width| *width > 0)
}

/// The color of a severity: the conventional traffic light, critical bold.
pub fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new()
            .fg_color(Some(AnsiColor::Red.into()))
            .effects(Effects::BOLD | Effects::INVERT),
        Severity::High => Style::new()
            .fg_color(Some(AnsiColor::Red.into()))
            .effects(Effects::BOLD),
        Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        Severity::Info => Style::new().effects(Effects::DIMMED),
        // Not a level on the red-to-grey scale: it stands out as a question, not a verdict.
        Severity::Unknown => Style::new()
            .fg_color(Some(AnsiColor::Magenta.into()))
            .effects(Effects::BOLD),
    }
}

pub fn header_style() -> Style {
    Style::new().effects(Effects::BOLD)
}

pub fn good_style() -> Style {
    Style::new().fg_color(Some(AnsiColor::Green.into()))
}

pub fn dim_style() -> Style {
    Style::new().effects(Effects::DIMMED)
}

/// Text fit for a terminal: control characters (escape sequences, carriage returns, tabs,
/// newlines) become visible `\u{..}` escapes, so a hostile name cannot move the cursor, clear
/// the screen or forge a line.
pub fn sanitize(text: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    for character in text.chars() {
        if character.is_control() {
            clean.push_str(&character.escape_unicode().to_string());
        } else {
            clean.push(character);
        }
    }
    clean
}

/// Columns taken by `text` on a terminal (wide characters count twice).
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|character| character.width().unwrap_or(0))
        .sum()
}

/// Where a truncated cell keeps its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The start (names).
    Start,
    /// The end (file paths: the file name matters most).
    End,
    /// Both ends (paths from a root: the root and the package matter most).
    Ends,
}

/// `text` cut to at most `width` columns with `…` where text was dropped.
pub fn truncate(text: &str, width: usize, keep: Keep) -> String {
    if display_width(text) <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let budget = width - 1;
    let take_start = |budget: usize| {
        let mut taken = String::new();
        let mut used = 0;
        for character in text.chars() {
            let columns = character.width().unwrap_or(0);
            if used + columns > budget {
                break;
            }
            used += columns;
            taken.push(character);
        }
        taken
    };
    let take_end = |budget: usize| {
        let mut taken = Vec::new();
        let mut used = 0;
        for character in text.chars().rev() {
            let columns = character.width().unwrap_or(0);
            if used + columns > budget {
                break;
            }
            used += columns;
            taken.push(character);
        }
        taken.into_iter().rev().collect::<String>()
    };
    match keep {
        Keep::Start => format!("{}…", take_start(budget)),
        Keep::End => format!("…{}", take_end(budget)),
        Keep::Ends => {
            let head = budget / 2;
            format!("{}…{}", take_start(head), take_end(budget - head))
        }
    }
}

/// `text` broken into lines of at most `width` columns, at spaces where possible (a word
/// longer than a line is cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        let mut word = word.to_owned();
        loop {
            let columns = display_width(&word);
            let needed = if used == 0 {
                columns
            } else {
                used + 1 + columns
            };
            if needed <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                used = needed;
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
                continue;
            }
            // A single word wider than the line: cut it.
            let mut head = String::new();
            let mut head_columns = 0;
            let mut rest = String::new();
            for character in word.chars() {
                let character_columns = character.width().unwrap_or(0);
                if rest.is_empty() && head_columns + character_columns <= width {
                    head.push(character);
                    head_columns += character_columns;
                } else {
                    rest.push(character);
                }
            }
            if head.is_empty() {
                // A character wider than the whole line: take it anyway.
                let mut characters = rest.chars();
                head.extend(characters.next());
                rest = characters.collect();
            }
            lines.push(head);
            if rest.is_empty() {
                break;
            }
            word = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `1 root`, `2 roots`.
pub fn count(number: usize, noun: &str) -> String {
    if number == 1 {
        format!("1 {noun}")
    } else {
        format!("{number} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        let hostile = "evil\u{1b}[2J\rname\nforged";
        let clean = sanitize(hostile);
        assert!(!clean.chars().any(char::is_control), "{clean}");
        assert!(clean.starts_with("evil\\u{1b}[2J\\u{d}name"));
    }

    #[test]
    fn truncation_keeps_the_requested_end_and_fits() {
        let path = "research-agent > requests > urllib3 > idna";
        for width in 1..path.len() {
            for keep in [Keep::Start, Keep::End, Keep::Ends] {
                let cut = truncate(path, width, keep);
                assert!(display_width(&cut) <= width, "{cut:?} for {width}");
                assert!(cut.contains('…'));
            }
        }
        assert_eq!(truncate(path, 12, Keep::Start), "research-ag…");
        assert_eq!(truncate(path, 12, Keep::End), "…lib3 > idna");
        assert_eq!(truncate(path, 13, Keep::Ends), "resear…> idna");
        assert_eq!(truncate("short", 10, Keep::End), "short");
        assert_eq!(truncate("日本語の名前", 7, Keep::Start), "日本語…");
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(
            wrap("a pickle that imports posix.system", 14),
            ["a pickle that", "imports", "posix.system"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        for width in 1..20 {
            for line in wrap("`examples/agent-stack/models/x.pkl` is a pickle", width) {
                assert!(display_width(&line) <= width.max(1), "{line:?} > {width}");
            }
        }
    }

    #[test]
    fn colors_only_when_asked() {
        let plain = TableStyle::plain();
        assert_eq!(plain.paint(header_style(), "HIGH"), "HIGH");
        let colored = TableStyle {
            color: true,
            width: None,
        };
        let painted = colored.paint(severity_style(Severity::High), "HIGH");
        assert!(painted.starts_with('\u{1b}') && painted.contains("HIGH"));
        assert!(painted.ends_with("\u{1b}[0m"));
        assert!(
            !TableStyle::detect(ColorChoice::Never, false).color,
            "never is never"
        );
        assert!(TableStyle::detect(ColorChoice::Always, true).color);
        assert_eq!(TableStyle::detect(ColorChoice::Auto, true).width, None);
    }
}
