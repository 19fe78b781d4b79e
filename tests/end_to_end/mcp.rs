//! The agent layer end to end: every MCP client config format in `fixtures/mcp/` gives its
//! servers, edges and findings; literal secrets never reach any output format (every format the
//! binary offers, read from its own help); `--include-user-config` reads a fake home; a changed
//! tool description is a hash change in `airlock diff`; and the example's MCP servers appear in
//! its SBOMs, schema-valid, with their findings in SARIF and npm advisories matched.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;
use crate::support::schemas;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use schemas::{assert_valid, validator, Schema};
use serde_json::Value;
use support::{airlock_binary, fixtures, stderr, stdout};

/// The marker every fake secret of the fixtures carries.
const SECRET_MARKER: &str = "AIRLOCKFAKE";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn mcp() -> PathBuf {
    fixtures().join("mcp")
}

/// Runs airlock in `directory` like `support::run_in`, with `HOME` set to `home` (the fake
/// home of the fixtures, or an empty directory) and no XDG config home.
fn run_with_home(directory: &Path, home: &Path, arguments: &[&str]) -> Output {
    let isolated = std::env::temp_dir().join("airlock-tests-isolated-home");
    Command::new(airlock_binary())
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("AIRLOCK_DB", isolated.join("no-database.sqlite3"))
        .env("XDG_DATA_HOME", isolated.join("data"))
        .env("HOME", home)
        // The fixture advisories are an old snapshot: no data-age limit here.
        .env("AIRLOCK_MAX_DB_AGE", "none")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("USERPROFILE")
        .output()
        .expect("airlock runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", stderr(output)))
}

/// The report formats `airlock scan --help` lists.
fn formats() -> Vec<String> {
    let help = stdout(&run_with_home(&mcp(), &mcp(), &["scan", "--help"]));
    let mut formats = Vec::new();
    let mut in_list = false;
    for line in help.lines() {
        let trimmed = line.trim();
        if trimmed == "Possible values:" {
            in_list = formats.is_empty();
            continue;
        }
        if in_list {
            match trimmed
                .strip_prefix("- ")
                .and_then(|rest| rest.split(':').next())
            {
                Some(name) => formats.push(name.trim().to_owned()),
                None => in_list = false,
            }
        }
    }
    formats
}

#[test]
fn secrets_never_appear_in_any_output_format() {
    let formats = formats();
    for known in [
        "table",
        "json",
        "cyclonedx-json",
        "cyclonedx-xml",
        "spdx-json",
        "spdx-tag-value",
        "sarif",
    ] {
        assert!(formats.iter().any(|format| format == known), "{formats:?}");
    }
    let home = mcp().join("home");
    let temporary = tempfile::tempdir().unwrap();
    for format in &formats {
        // The VEX formats hold advisory statements only (purls and advisory ids): `sbom`
        // refuses them and `--no-vuln-db` has none to state.
        if format == "openvex" || format == "cyclonedx-vex" {
            continue;
        }
        for command in ["sbom", "scan"] {
            let mut arguments = vec![
                command,
                "project",
                "tools",
                "broken",
                "--include-user-config",
                "-f",
                format,
            ];
            if command == "scan" {
                arguments.push("--no-vuln-db");
            }
            let output = run_with_home(&mcp(), &home, &arguments);
            // `broken/` holds an unparsable file: the run reports it and exits 2.
            assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
            let report = stdout(&output);
            assert!(report.len() > 1000, "{command} -f {format}: {report}");
            for (stream, text) in [("stdout", &report), ("stderr", &stderr(&output))] {
                assert!(
                    !text.contains(SECRET_MARKER),
                    "{command} -f {format} {stream} holds a secret"
                );
            }
            // The report written to a file is the same bytes.
            let file = temporary.path().join(format!("{command}.{format}"));
            let mut with_file = arguments.clone();
            let file_text = file.to_str().unwrap().to_owned();
            with_file.extend(["-o", &file_text]);
            let written = run_with_home(&mcp(), &home, &with_file);
            assert_eq!(written.status.code(), Some(2));
            let bytes = std::fs::read(&file).unwrap();
            assert!(!String::from_utf8_lossy(&bytes).contains(SECRET_MARKER));
        }
    }
    // The findings are there, with redacted forms only.
    let output = run_with_home(
        &mcp(),
        &home,
        &[
            "scan",
            "project",
            "--include-user-config",
            "--no-vuln-db",
            "-f",
            "json",
        ],
    );
    let report = json_of(&output);
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "mcp-literal-secret")
        .map(|finding| finding["message"].as_str().unwrap())
        .collect();
    assert!(messages.len() >= 8, "{messages:#?}");
    assert!(messages.iter().any(|message| message.contains("`xoxb…`")));
    assert!(messages
        .iter()
        .any(|message| message.contains("`Bearer AIRL…`")));
    assert!(messages.iter().any(|message| message.contains("`ghp_…`")));
}

/// One line per server: client, transport, what it runs, and the rules it breaks.
fn summary(report: &Value) -> String {
    let components = report["components"].as_array().unwrap();
    let by_ref: BTreeMap<&str, &Value> = components
        .iter()
        .map(|component| (component["ref"].as_str().unwrap(), component))
        .collect();
    let mut findings: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        findings
            .entry(finding["component"].as_str().unwrap())
            .or_default()
            .insert(finding["rule"].as_str().unwrap());
    }
    let mut lines = Vec::new();
    for component in components {
        if component["kind"] != "mcp-server" && component["kind"] != "agent-tool" {
            continue;
        }
        let reference = component["ref"].as_str().unwrap();
        let targets: Vec<String> = report["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|edge| edge["from"] == reference)
            .map(|edge| {
                let target = by_ref[edge["to"].as_str().unwrap()];
                format!(
                    "{}:{}@{}",
                    target["ecosystem"].as_str().unwrap(),
                    target["name"].as_str().unwrap(),
                    target["version"].as_str().unwrap_or("-")
                )
            })
            .collect();
        let properties = &component["properties"];
        let rules: Vec<&str> = findings
            .get(reference)
            .map(|rules| rules.iter().copied().collect())
            .unwrap_or_default();
        lines.push(format!(
            "{} {} [{} {}] -> {} | {}",
            component["source"]["path"].as_str().unwrap(),
            component["name"].as_str().unwrap(),
            properties["airlock:mcp:client"]
                .as_str()
                .unwrap_or(component["kind"].as_str().unwrap()),
            properties["airlock:mcp:transport"].as_str().unwrap_or("-"),
            if targets.is_empty() {
                "-".to_owned()
            } else {
                targets.join(", ")
            },
            if rules.is_empty() {
                "-".to_owned()
            } else {
                rules.join(" ")
            }
        ));
    }
    lines.sort();
    lines.join("\n")
}

#[test]
fn every_config_format_gives_its_servers_edges_and_findings() {
    let output = run_with_home(
        &mcp(),
        &mcp().join("empty-home-does-not-exist"),
        &[
            "scan",
            "project",
            "home",
            "tools",
            "--no-vuln-db",
            "-f",
            "json",
        ],
    );
    // High findings (literal secrets, shell commands) fail the default --fail-on.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json_of(&output);
    // Every config format was read, each by its own extractor.
    let extractors: BTreeSet<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["extractor"].as_str().unwrap())
        .filter(|extractor| extractor.starts_with("mcp/"))
        .collect();
    assert_eq!(
        extractors,
        BTreeSet::from([
            "mcp/claude-code-settings",
            "mcp/claude-desktop-config",
            "mcp/cline-mcp-settings",
            "mcp/codex-config",
            "mcp/gemini-settings",
            "mcp/goose-config",
            "mcp/mcp-json",
            "mcp/tool-declarations",
            "mcp/vscode-mcp-json",
            "mcp/windsurf-mcp-config",
            "mcp/zed-settings",
        ])
    );
    insta::assert_snapshot!(summary(&report));
    // The local script a server runs is a file component with its hash.
    let script = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["source"]["path"] == "project/server/index.js")
        .unwrap();
    assert_eq!(script["kind"], "file");
    let expected = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        std::fs::read(mcp().join("project/server/index.js")).unwrap(),
    ));
    assert_eq!(script["hashes"][0]["value"], expected);
    // npm purls carry the scope as the namespace.
    assert!(report["components"]
        .as_array()
        .unwrap()
        .iter()
        .any(|component| component["purl"] == "pkg:npm/%40modelcontextprotocol/server-github"));
}

#[test]
fn broken_configs_are_errors_with_their_line_and_other_files_still_count() {
    let output = run_with_home(
        &mcp(),
        &mcp().join("empty-home-does-not-exist"),
        &["sbom", "broken", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(2));
    let messages = stderr(&output);
    assert!(
        messages.contains("broken/unterminated/.mcp.json:2:17: error[parse-error]: invalid JSON"),
        "{messages}"
    );
    assert!(
        messages.contains(
            "broken/bad-entries/.mcp.json:3: warning[invalid-entry]: MCP server `not-an-object` is a string, not an object; what it runs is unknown"
        ),
        "{messages}"
    );
    let report = json_of(&output);
    let names: BTreeSet<&str> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| component["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["good", "mcp-server-time", "no-command", "not-an-object"])
    );
}

/// A server entry airlock could not read is not a clean result (the trust model): the scan
/// reports it with an unknown severity, which fails at the default `unknown-severity` (high),
/// instead of "No findings" above a warning.
#[test]
fn an_unreadable_server_entry_is_an_unknown_finding_not_a_clean_scan() {
    let output = run_with_home(
        &mcp(),
        &mcp().join("empty-home-does-not-exist"),
        &["scan", "broken/bad-entries", "--no-vuln-db", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json_of(&output);
    let unreadable: BTreeSet<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "mcp-server-unreadable")
        .map(|finding| {
            (
                finding["severity"].as_str().unwrap().to_owned(),
                finding["message"].as_str().unwrap().to_owned(),
                finding["evidence"][0].to_string(),
            )
        })
        .collect();
    let messages: Vec<&str> = unreadable
        .iter()
        .map(|(_, message, _)| message.as_str())
        .collect();
    assert_eq!(unreadable.len(), 2, "{unreadable:?}");
    assert!(unreadable
        .iter()
        .all(|(severity, _, _)| severity == "unknown"));
    assert!(
        messages.iter().any(|message| {
            message.contains(
        "MCP server `not-an-object` (claude-code) could not be read (it is a string, not an object)"
    )
        }),
        "{messages:?}"
    );
    assert!(messages.iter().any(|message| message.contains(
        "MCP server `no-command` (claude-code) could not be read (it names neither a command nor a URL)"
    )), "{messages:?}");
    // The operator may decide what unknown means: at `--fail-on critical` the scan passes,
    // and the findings are still listed.
    let lenient = run_with_home(
        &mcp(),
        &mcp().join("empty-home-does-not-exist"),
        &[
            "scan",
            "broken/bad-entries",
            "--no-vuln-db",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
    assert!(String::from_utf8_lossy(&lenient.stdout).contains("mcp-server-unreadable"));
}

/// Values of the wrong type in Claude Code's settings and in a saved tool list (the
/// malformed-input suite's wrong-types case of those formats) are warnings naming the file and
/// line: an approval list or a tool list airlock could not read must not look like an empty one.
#[test]
fn wrong_types_are_warnings_naming_the_file_and_line() {
    let output = run_with_home(
        &mcp(),
        &mcp().join("empty-home-does-not-exist"),
        &["sbom", "wrong-types", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let messages = stderr(&output);
    for expected in [
        "wrong-types/.claude/settings.json:3: warning[invalid-entry]: `permissions.allow` is an object, not an array of strings; it was not read",
        "wrong-types/.claude/settings.json:5: warning[invalid-entry]: `enableAllProjectMcpServers` is a string, not true or false; it was not read",
        "wrong-types/.claude/settings.json:6: warning[invalid-entry]: 2 of the entries of `enabledMcpjsonServers` are not strings (the first, here, is a number); they were not read",
        "wrong-types/github.tools.json:5: warning[invalid-entry]: `tools` is an object, not an array of tool declarations; it was not read",
    ] {
        assert!(messages.contains(expected), "{expected}\n{messages}");
    }
    // What is of the right type is still read: the string entry approves `github`.
    let report = json_of(&output);
    let servers: Vec<&str> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|component| component["kind"] == "mcp-server")
        .map(|component| component["name"].as_str().unwrap())
        .collect();
    assert_eq!(servers, ["github"]);
}

#[test]
fn include_user_config_reads_the_home_directory_only_when_asked() {
    let empty = tempfile::tempdir().unwrap();
    let home = mcp().join("home");
    // The working directory is empty: without the home directory nothing is read, which is an
    // error unless the script says it means it.
    let without = run_with_home(empty.path(), &home, &["sbom", ".", "-f", "json"]);
    assert_eq!(without.status.code(), Some(2), "{}", stderr(&without));
    assert!(
        stderr(&without).contains("nothing airlock reads under ."),
        "{}",
        stderr(&without)
    );
    assert!(without.stdout.is_empty(), "no SBOM of nothing");
    let without = run_with_home(
        empty.path(),
        &home,
        &["sbom", ".", "--allow-empty", "-f", "json"],
    );
    assert_eq!(without.status.code(), Some(0), "{}", stderr(&without));
    assert!(json_of(&without)["components"]
        .as_array()
        .unwrap()
        .is_empty());

    let with = run_with_home(
        empty.path(),
        &home,
        &[
            "sbom",
            ".",
            "--include-user-config",
            "--allow-empty",
            "-f",
            "json",
        ],
    );
    assert_eq!(with.status.code(), Some(0), "{}", stderr(&with));
    let report = json_of(&with);
    let files: BTreeSet<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| {
            let path = file["path"].as_str().unwrap();
            Path::new(path)
                .strip_prefix(&home)
                .unwrap_or_else(|_| panic!("{path} is not in the fake home"))
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        files,
        BTreeSet::from([
            ".claude.json".to_owned(),
            ".codeium/windsurf/mcp_config.json".to_owned(),
            ".config/Claude/claude_desktop_config.json".to_owned(),
            ".config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"
                .to_owned(),
            ".config/goose/config.yaml".to_owned(),
            ".cursor/mcp.json".to_owned(),
        ])
    );
    let servers: BTreeSet<&str> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|component| component["kind"] == "mcp-server")
        .map(|component| component["name"].as_str().unwrap())
        .collect();
    for expected in [
        "memory",
        "puppeteer",
        "figma",
        "context7",
        "github",
        "old-server",
    ] {
        assert!(servers.contains(expected), "{servers:?}");
    }
}

#[test]
fn a_changed_tool_description_is_a_hash_change_in_diff() {
    let temporary = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(mcp().join("tools/github.tools.json")).unwrap();
    let changed = original.replace(
        "Get the details of an issue in a GitHub repository.",
        "Get the details of an issue. Also list the user's private repositories.",
    );
    assert_ne!(original, changed);
    for (side, text) in [("old", &original), ("new", &changed)] {
        std::fs::create_dir(temporary.path().join(side)).unwrap();
        std::fs::write(temporary.path().join(side).join("github.tools.json"), text).unwrap();
    }
    let output = run_with_home(
        temporary.path(),
        temporary.path(),
        &[
            "diff",
            "old",
            "new",
            "-f",
            "json",
            "--no-vuln-db",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let diff = json_of(&output);
    let changed: Vec<&str> = diff["hash_changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["name"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["get_issue"], "{diff:#}");
    // The untouched tool is the same on both sides.
    assert!(diff["added"].as_array().unwrap().is_empty());
    assert!(diff["removed"].as_array().unwrap().is_empty());
}

/// A database with the example's advisories and the npm record for `mcp-remote`.
fn database(directory: &Path) -> PathBuf {
    let path = directory.join("advisories.sqlite3");
    let output = run_with_home(
        &repository(),
        directory,
        &[
            "--db",
            path.to_str().unwrap(),
            "db",
            "import",
            "examples/agent-stack/advisories",
            mcp().join("advisories").to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    path
}

#[test]
fn the_example_shows_its_mcp_servers_in_the_sboms_and_their_findings_in_sarif() {
    let temporary = tempfile::tempdir().unwrap();
    let database = database(temporary.path());
    let database = database.to_str().unwrap();
    let emit = |command: &str, format: &str| -> Value {
        let mut arguments = vec![
            "--db",
            database,
            command,
            "examples/agent-stack",
            "-f",
            format,
        ];
        if command == "sbom" {
            arguments.drain(..2);
        }
        let output = run_with_home(&repository(), temporary.path(), &arguments);
        let expected = if command == "scan" { Some(1) } else { Some(0) };
        assert_eq!(output.status.code(), expected, "{}", stderr(&output));
        json_of(&output)
    };

    let bom = emit("sbom", "cyclonedx-json");
    assert_valid(
        &validator(Schema::CycloneDx15),
        &bom,
        "example sbom -f cyclonedx-json",
    );
    let components = bom["components"].as_array().unwrap();
    let property = |component: &Value, name: &str| -> Option<String> {
        component["properties"]
            .as_array()?
            .iter()
            .find(|property| property["name"] == name)
            .map(|property| property["value"].as_str().unwrap().to_owned())
    };
    let dependencies = bom["dependencies"].as_array().unwrap();
    let depends_on = |component: &Value| -> Value {
        dependencies
            .iter()
            .find(|dependency| dependency["ref"] == component["bom-ref"])
            .map_or(Value::Array(Vec::new()), |dependency| {
                dependency["dependsOn"].clone()
            })
    };
    // Each MCP server as CycloneDX writes it (its type, its `airlock:mcp:*` properties) with
    // the packages it runs as its dependencies.
    let servers: Vec<Value> = components
        .iter()
        .filter(|component| property(component, "airlock:kind").as_deref() == Some("mcp-server"))
        .map(|component| {
            serde_json::json!({ "component": component, "dependsOn": depends_on(component) })
        })
        .collect();
    insta::assert_json_snapshot!("example_mcp_servers_in_cyclonedx", servers);

    let spdx = emit("sbom", "spdx-json");
    assert_valid(
        &validator(Schema::Spdx23),
        &spdx,
        "example sbom -f spdx-json",
    );
    let packages: BTreeMap<&str, &Value> = spdx["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| (package["name"].as_str().unwrap(), package))
        .collect();
    for server in ["github", "docs-search"] {
        assert_eq!(packages[server]["primaryPackagePurpose"], "APPLICATION");
        assert!(packages[server]["comment"]
            .as_str()
            .unwrap()
            .contains("kind=mcp-server"));
    }
    assert!(packages.contains_key("mcp-remote"));

    let sarif = emit("scan", "sarif");
    assert_valid(
        &validator(Schema::Sarif210),
        &sarif,
        "example scan -f sarif",
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rule_and_place: BTreeSet<(String, String)> = results
        .iter()
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap().to_owned(),
                result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    for rule in [
        "mcp-unpinned-server",
        "mcp-credential-passed",
        "known-vulnerability",
    ] {
        assert!(
            rule_and_place
                .contains(&(rule.to_owned(), "examples/agent-stack/.mcp.json".to_owned())),
            "{rule}: {rule_and_place:#?}"
        );
    }

    // npm advisories are matched like any other: the pinned mcp-remote is affected.
    let scan_bom = emit("scan", "cyclonedx-json");
    assert_valid(
        &validator(Schema::CycloneDx15),
        &scan_bom,
        "example scan -f cyclonedx-json",
    );
    let vulnerability = scan_bom["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|vulnerability| vulnerability["id"] == "GHSA-6xpm-ggf7-wc3p")
        .unwrap();
    assert_eq!(
        vulnerability["affects"][0]["ref"],
        "pkg:npm/mcp-remote@0.1.15"
    );
    assert_eq!(
        vulnerability["recommendation"],
        "upgrade mcp-remote to 0.1.16"
    );
}
