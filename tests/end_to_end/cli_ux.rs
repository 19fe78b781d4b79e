//! The first five minutes, end to end: the first run without a database, `--version`, the
//! table's colors and widths, control characters in scanned names, completions, man pages,
//! `airlock rules`, and progress bars (shown on a terminal, never with `-q`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{airlock_binary, run_in, stderr, stdout};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Like `run_in`, with extra environment variables.
fn run_with(directory: &Path, arguments: &[&str], environment: &[(&str, &str)]) -> Output {
    let isolated = std::env::temp_dir().join("airlock-tests-isolated-home");
    let mut command = Command::new(airlock_binary());
    command
        .args(arguments)
        .current_dir(directory)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("AIRLOCK_DB", isolated.join("no-database.sqlite3"))
        .env("XDG_CONFIG_HOME", isolated.join("config"))
        .env("XDG_DATA_HOME", isolated.join("data"))
        // The example's advisories are an old snapshot: no data-age limit here.
        .env("AIRLOCK_MAX_DB_AGE", "none");
    for (name, value) in environment {
        command.env(name, value);
    }
    command.output().unwrap()
}

const EXAMPLE: &[&str] = &[
    "scan",
    "examples/agent-stack",
    "--advisories",
    "examples/agent-stack/advisories",
];

fn display_width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn the_first_run_reports_what_needs_no_database_and_says_how_to_get_one() {
    let output = run_in(&repository(), &["scan", "examples/agent-stack"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("dangerous-pickle-import"), "{report}");
    assert!(report.contains("unsafe-serialization"), "{report}");
    assert!(!report.contains("known-vulnerability") && !report.contains("PYSEC-"));
    assert!(
        report.contains(
            "Advisory database: none found, so vulnerability matching was SKIPPED: the findings \
             above need no database (unpinned, unhashed, unsafe models)."
        ),
        "{report}"
    );
    let messages = stderr(&output);
    let lines: Vec<&str> = messages.lines().collect();
    assert!(
        lines[lines.len() - 2].starts_with("error: no advisory database at "),
        "{messages}"
    );
    assert_eq!(
        lines[lines.len() - 1],
        "  Run `airlock db sync` (online) or `airlock db import BUNDLE` (offline), or scan with --no-vuln-db."
    );
    // The same in every format: the report is written, and says it.
    let json = run_in(
        &repository(),
        &["scan", "examples/agent-stack", "-f", "json"],
    );
    assert_eq!(json.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["advisory_database"]["used"], false);
    assert_eq!(json["advisory_database"]["reason"], "missing");
    // On purpose, without a database: the exit code follows the findings alone (the example's
    // malicious pickle fails the default --fail-on, high).
    let chosen = run_in(
        &repository(),
        &["scan", "examples/agent-stack", "--no-vuln-db"],
    );
    assert_eq!(chosen.status.code(), Some(1), "{}", stderr(&chosen));
    assert!(stdout(&chosen).contains("not used (--no-vuln-db)"));
    // --advisories and --no-vuln-db contradict each other.
    let both = run_in(
        &repository(),
        &[
            "scan",
            "examples/agent-stack",
            "--no-vuln-db",
            "--advisories",
            "examples/agent-stack/advisories",
        ],
    );
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn advisories_that_are_not_advisories_are_an_error() {
    let output = run_in(
        &repository(),
        &[
            "scan",
            "examples/agent-stack/models",
            "--advisories",
            "examples/agent-stack/models/tiny-summarizer/config.json",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    // A file named as advisories that is not one is refused, naming it and what is wrong.
    assert!(
        stderr(&output).contains(
            "examples/agent-stack/models/tiny-summarizer/config.json: missing field `id`"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_version_names_the_database_schema() {
    let output = run_in(&repository(), &["--version"]);
    assert_eq!(
        stdout(&output).trim(),
        format!(
            "airlock {} (advisory database schema {})",
            env!("CARGO_PKG_VERSION"),
            advisories::store::SCHEMA_VERSION
        )
    );
}

#[test]
fn colors_follow_color_and_no_color() {
    let colored = |arguments: &[&str], environment: &[(&str, &str)]| {
        let mut all = EXAMPLE.to_vec();
        all.extend_from_slice(arguments);
        let output = run_with(&repository(), &all, environment);
        assert!(matches!(output.status.code(), Some(0 | 1)));
        stdout(&output).contains('\u{1b}')
    };
    assert!(!colored(&[], &[]), "auto: not a terminal, no colors");
    assert!(!colored(&["--color", "never"], &[]));
    let always = run_with(
        &repository(),
        &[EXAMPLE, &["--color", "always"]].concat(),
        &[],
    );
    let table = stdout(&always);
    assert!(
        table.contains("\u{1b}[1m\u{1b}[7m\u{1b}[31mCRITICAL\u{1b}[0m")
            || table.contains("CRITICAL\u{1b}[0m"),
        "critical is colored: {table:?}"
    );
    assert!(
        colored(&["--color", "always"], &[("NO_COLOR", "1")]),
        "an explicit --color always wins over NO_COLOR"
    );
    assert!(!colored(&["--color", "auto"], &[("NO_COLOR", "1")]));
    // Machine formats are never colored.
    let json = run_with(
        &repository(),
        &[EXAMPLE, &["--color", "always", "-f", "json"]].concat(),
        &[],
    );
    assert!(!stdout(&json).contains('\u{1b}'));
    serde_json::from_slice::<serde_json::Value>(&json.stdout).unwrap();
}

#[test]
fn the_table_fits_the_width_it_is_given() {
    let whole = stdout(&run_with(&repository(), EXAMPLE, &[]));
    assert!(
        whole.lines().any(|line| display_width(line) > 150),
        "files and pipes get whole lines"
    );
    assert!(whole.lines().next().unwrap().contains("FOUND IN"));
    for columns in [60, 80, 100, 120, 200] {
        let text = stdout(&run_with(
            &repository(),
            EXAMPLE,
            &[("COLUMNS", &columns.to_string())],
        ));
        for line in text.lines() {
            assert!(
                display_width(line) <= columns,
                "{columns} columns: {line:?} is {} wide",
                display_width(line)
            );
        }
        // Nothing is lost: each finding's id and package are still there.
        for id in ["PYSEC-2023-74", "RUSTSEC-2022-0013", "dangerous-pickle"] {
            assert!(text.contains(id), "{columns}: {id}");
        }
        // The totals wrap between their parts on narrow terminals.
        assert!(
            text.replace('\n', " ").contains(
                "13 findings: 2 critical, 4 high, 2 unknown (counted as high), 1 medium, 4 low."
            ),
            "{columns}: {text}"
        );
    }
    let wide = stdout(&run_with(&repository(), EXAMPLE, &[("COLUMNS", "200")]));
    assert!(
        wide.lines().next().unwrap().ends_with("DETAIL"),
        "wide terminals give the detail a column"
    );
    let narrow = stdout(&run_with(&repository(), EXAMPLE, &[("COLUMNS", "80")]));
    assert!(
        narrow
            .lines()
            .any(|line| line.starts_with("          found in examples/agent-stack/")),
        "narrow terminals put the detail under its row: {narrow}"
    );
}

#[test]
fn control_characters_in_names_do_not_reach_the_terminal() {
    let project = tempfile::tempdir().unwrap();
    let model = project.path().join("models").join("evil\u{1b}[2J\u{7}");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::copy(
        repository().join("examples/agent-stack/models/legacy-classifier/pytorch_model.bin"),
        model.join("weights\u{1b}]0;owned\u{7}.pkl"),
    )
    .unwrap();
    for format in ["table", "html"] {
        let output = run_in(
            project.path(),
            &["scan", "models", "--no-vuln-db", "-f", format],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let report = stdout(&output);
        if format == "table" {
            assert!(!report.contains('\u{1b}') && !report.contains('\u{7}'));
            assert!(report.contains("evil\\u{1b}[2J\\u{7}"), "{report}");
        }
        assert!(!stderr(&output).contains('\u{1b}'));
    }
}

#[test]
fn completions_and_man_pages_come_from_the_command_line() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = run_in(&repository(), &["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        assert!(
            script.contains("advisories") && script.contains("airlock"),
            "{shell}"
        );
    }
    let bash = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        bash.path(),
        run_in(&repository(), &["completions", "bash"]).stdout,
    )
    .unwrap();
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(bash.path())
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let unknown = run_in(&repository(), &["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));

    let page = stdout(&run_in(&repository(), &["man"]));
    assert!(page.contains(".TH airlock 1"), "{page}");
    assert!(page.contains("airlock\\-scan(1)"), "subcommands are listed");
    let directory = tempfile::tempdir().unwrap();
    let output = run_in(
        &repository(),
        &["man", "--output-dir", directory.path().to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for name in ["airlock.1", "airlock-scan.1", "airlock-db-sync.1"] {
        let text = std::fs::read_to_string(directory.path().join(name)).unwrap();
        assert!(text.contains(".TH"), "{name}");
    }
    let scan = std::fs::read_to_string(directory.path().join("airlock-scan.1")).unwrap();
    assert!(scan.contains("advisories"), "options are documented");
}

#[test]
fn rules_lists_every_rule_and_code() {
    let output = run_in(&repository(), &["rules", "-f", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = json["rules"].as_array().unwrap();
    assert_eq!(rules.len(), scanner_core::risk::RuleId::ALL.len());
    assert!(rules
        .iter()
        .any(|rule| rule["id"] == "dangerous-pickle-import"
            && rule["default_severity"] == "critical"));
    assert_eq!(
        json["diagnostics"].as_array().unwrap().len(),
        scanner_core::DiagnosticCode::ALL.len()
    );
    let table = stdout(&run_in(&repository(), &["rules"]));
    assert!(table.starts_with("RULE"));
    assert!(table.contains("DIAGNOSTIC CODE"));
}

/// Runs `arguments` with stdout and stderr on a pseudo-terminal (util-linux `script`), and
/// returns what the terminal showed.
fn on_a_terminal(directory: &Path, arguments: &[&str]) -> String {
    let mut line = format!("'{}'", airlock_binary().display());
    for argument in arguments {
        line.push_str(&format!(" '{argument}'"));
    }
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .current_dir(directory)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .output()
        .expect("util-linux `script` runs (Debian: bsdutils)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn progress_bars_show_on_a_terminal_for_long_imports_and_never_with_quiet() {
    let directory = tempfile::tempdir().unwrap();
    let archive = directory.path().join("all.zip");
    let entries: Vec<(String, Vec<u8>)> = (0..12_000)
        .map(|index| {
            (
                format!("TEST-{index:07}.json"),
                db_common::generated_record(index),
            )
        })
        .collect();
    db_common::zip_archive(&archive, &entries);
    let database = directory.path().join("db.sqlite3");
    let shown = on_a_terminal(
        directory.path(),
        &[
            "--db",
            database.to_str().unwrap(),
            "db",
            "import",
            archive.to_str().unwrap(),
        ],
    );
    assert!(shown.contains("imported 12000 records"), "{shown}");
    assert!(
        shown.contains("importing advisories") && shown.contains("records ("),
        "a bar on the terminal: {shown:?}"
    );
    let quiet = on_a_terminal(
        directory.path(),
        &[
            "-q",
            "--db",
            database.to_str().unwrap(),
            "db",
            "import",
            archive.to_str().unwrap(),
        ],
    );
    assert!(quiet.contains("imported 12000 records"), "{quiet}");
    assert!(!quiet.contains("importing advisories"), "{quiet:?}");
    // Not a terminal: no bar.
    let piped = run_in(
        directory.path(),
        &[
            "--db",
            database.to_str().unwrap(),
            "db",
            "import",
            archive.to_str().unwrap(),
        ],
    );
    assert!(!stderr(&piped).contains("importing advisories"));
}

/// `SOURCE_DATE_EPOCH` is read once, for every command, before anything else: a value that is
/// not a number of seconds stops the run (exit 2, nothing written) instead of silently dating
/// anything by the wall clock.
#[test]
fn a_junk_source_date_epoch_is_an_error_for_every_command() {
    let directory = tempfile::tempdir().unwrap();
    let key = directory.path().join("release");
    let key = key.to_str().unwrap();
    let example = "examples/agent-stack";
    let commands: &[&[&str]] = &[
        &["sbom", example],
        &["sbom", example, "-f", "cyclonedx-json"],
        &["scan", example, "--no-vuln-db", "-f", "json"],
        &["diff", example, example, "--no-vuln-db"],
        &["attest", example, "--key", "release.key", "--no-vuln-db"],
        &[
            "verify",
            example,
            "--attestation",
            "stack.intoto.json",
            "--key",
            "release.pub",
        ],
        &["db", "info"],
        &["extractors"],
        &["rules"],
        &["keygen", key],
        &["completions", "bash"],
        &["man"],
    ];
    for arguments in commands {
        let output = run_with(
            &repository(),
            arguments,
            &[("SOURCE_DATE_EPOCH", "yesterday")],
        );
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        assert!(output.stdout.is_empty(), "{arguments:?}: nothing written");
        assert!(
            stderr(&output).starts_with(
                "error: SOURCE_DATE_EPOCH must be a number of seconds, found `yesterday`"
            ),
            "{arguments:?}: {}",
            stderr(&output)
        );
    }
    assert_eq!(
        std::fs::read_dir(directory.path()).unwrap().count(),
        0,
        "keygen wrote no key"
    );
}
