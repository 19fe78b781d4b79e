//! `airlock diff`: two directories or two SBOMs of the same project, where one artifact's bytes
//! changed under the same name and version (the red flag, first and fatal under --fail-on),
//! others were added, removed or upgraded, and a git dependency brought a finding in.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{run_in, stderr, stdout};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples/agent-stack/tools/web-fetch")
}

const ITOA_CHECKSUM: &str = "8f42a60cbdf9a97f5d2305f08a87dc4e09308d1276d28c869c684d7777685682";
const TAMPERED_CHECKSUM: &str = "0000000000000000000000000000000000000000000000000000000000c0ffee";

/// Writes the example's Cargo.toml and a Cargo.lock transformed by `edit` into `directory`.
fn project(directory: &Path, edit: impl Fn(String) -> String) {
    std::fs::create_dir_all(directory).unwrap();
    for file in ["Cargo.toml", "Cargo.lock"] {
        let text = std::fs::read_to_string(example().join(file)).unwrap();
        let text = if file == "Cargo.lock" {
            edit(text)
        } else {
            text
        };
        std::fs::write(directory.join(file), text).unwrap();
    }
}

/// itoa keeps its name and version but not its bytes; `zmij` leaves; `memchr` is upgraded; a
/// new crate arrives from a git repository.
fn incoming(lock: String) -> String {
    assert!(lock.contains(ITOA_CHECKSUM) && lock.contains("name = \"zmij\""));
    let lock = lock.replace(ITOA_CHECKSUM, TAMPERED_CHECKSUM);
    let lock = lock.replace(
        "name = \"memchr\"\nversion = \"2.8.3\"",
        "name = \"memchr\"\nversion = \"2.9.0\"",
    );
    let start = lock.find("[[package]]\nname = \"zmij\"").unwrap();
    let end = lock[start + 1..]
        .find("[[package]]")
        .map_or(lock.len(), |offset| start + 1 + offset);
    let mut lock = format!("{}{}", &lock[..start], &lock[end..]);
    lock.push_str(
        "\n[[package]]\nname = \"left-pad\"\nversion = \"0.1.0\"\nsource = \"git+https://example.invalid/left-pad?rev=abc#0123456789abcdef0123456789abcdef01234567\"\n",
    );
    lock
}

/// Runs `diff -f json`; unless `extra` names advisories (`--advisories`, `--db`, `--config`),
/// with `--no-vuln-db` (those cases are about what changed, not about advisories).
fn diff_json(
    directory: &Path,
    old: &str,
    new: &str,
    extra: &[&str],
) -> (Option<i32>, Value, String) {
    let mut arguments = vec!["diff", old, new, "-f", "json"];
    arguments.extend_from_slice(extra);
    if !["--advisories", "--db", "--config"]
        .iter()
        .any(|option| extra.contains(option))
    {
        arguments.push("--no-vuln-db");
    }
    let output = run_in(directory, &arguments);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}{}", stdout(&output), stderr(&output)));
    (output.status.code(), report, stderr(&output))
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap().to_owned())
        .collect()
}

fn check(report: &Value) {
    let changed = &report["hash_changed"];
    assert_eq!(names(changed), ["itoa"], "{report:#}");
    assert_eq!(changed[0]["version"], "1.0.18");
    assert_eq!(changed[0]["old_hashes"][0]["value"], ITOA_CHECKSUM);
    assert_eq!(changed[0]["new_hashes"][0]["value"], TAMPERED_CHECKSUM);
    assert_eq!(names(&report["added"]), ["left-pad"]);
    assert_eq!(names(&report["removed"]), ["zmij"]);
    assert_eq!(names(&report["version_changed"]), ["memchr"]);
    assert_eq!(report["version_changed"][0]["old_versions"][0], "2.8.3");
    assert_eq!(report["version_changed"][0]["new_versions"][0], "2.9.0");
    assert!(report["source_changed"].as_array().unwrap().is_empty());
    let introduced: Vec<&str> = report["findings_introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["rule"].as_str().unwrap())
        .collect();
    assert_eq!(introduced, ["non-registry-source"], "{report:#}");
    assert!(report["findings_resolved"].as_array().unwrap().is_empty());
}

#[test]
fn two_directories_show_the_changed_bytes_first() {
    let temporary = tempfile::tempdir().unwrap();
    project(&temporary.path().join("old"), |lock| lock);
    project(&temporary.path().join("new"), incoming);
    // A changed artifact fails the default threshold (the operator's `fail-on`, else high).
    let (code, report, _) = diff_json(temporary.path(), "old", "new", &[]);
    assert_eq!(code, Some(1), "a hash change is critical");
    check(&report);
    assert_eq!(report["policy"]["fail_on"], "high");
    assert_eq!(report["policy"]["fail_on_from"], "default");
    assert_eq!(report["vulnerabilities_compared"], false);
    assert_eq!(report["advisory_database"]["reason"], "--no-vuln-db");

    let output = run_in(temporary.path(), &["diff", "old", "new", "--no-vuln-db"]);
    let table = stdout(&output);
    let first_line = table.lines().next().unwrap();
    assert!(first_line.starts_with("HASH CHANGED"), "{table}");
    assert!(table.contains(TAMPERED_CHECKSUM), "{table}");
    assert!(
        stderr(&output).contains("1 hash change,"),
        "{}",
        stderr(&output)
    );

    // A changed artifact fails any threshold, even `critical`; `none` reports without failing.
    let (code, _, _) = diff_json(temporary.path(), "old", "new", &["--fail-on", "critical"]);
    assert_eq!(code, Some(1));
    let (code, report, _) = diff_json(temporary.path(), "old", "new", &["--fail-on", "none"]);
    assert_eq!(code, Some(0));
    check(&report);
}

#[test]
fn two_sboms_give_the_same_diff_as_their_directories() {
    let temporary = tempfile::tempdir().unwrap();
    project(&temporary.path().join("old"), |lock| lock);
    project(&temporary.path().join("new"), incoming);
    for side in ["old", "new"] {
        let output = run_in(
            temporary.path(),
            &[
                "sbom",
                side,
                "-f",
                "cyclonedx-json",
                "-o",
                &format!("{side}.cdx.json"),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    let (_, from_sboms, _) = diff_json(temporary.path(), "old.cdx.json", "new.cdx.json", &[]);
    check(&from_sboms);
    let (_, from_directories, _) = diff_json(temporary.path(), "old", "new", &[]);
    for section in ["hash_changed", "added", "removed", "version_changed"] {
        assert_eq!(
            names(&from_sboms[section]),
            names(&from_directories[section])
        );
    }
}

#[test]
fn fail_on_applies_to_introduced_findings() {
    let temporary = tempfile::tempdir().unwrap();
    project(&temporary.path().join("old"), |lock| lock);
    // Only the git dependency arrives: a low-severity finding, no hash change.
    project(&temporary.path().join("new"), |lock| {
        lock + "\n[[package]]\nname = \"left-pad\"\nversion = \"0.1.0\"\nsource = \"git+https://example.invalid/left-pad?rev=abc#0123456789abcdef0123456789abcdef01234567\"\n"
    });
    let (code, report, _) = diff_json(temporary.path(), "old", "new", &["--fail-on", "low"]);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(report["hash_changed"].as_array().unwrap().is_empty());
    let (code, _, _) = diff_json(temporary.path(), "old", "new", &["--fail-on", "high"]);
    assert_eq!(code, Some(0));
    let (code, _, _) = diff_json(temporary.path(), "old", "new", &[]);
    assert_eq!(
        code,
        Some(0),
        "a low finding passes the default threshold, high"
    );
    // Reversed, the finding is resolved and nothing is introduced.
    let (code, report, _) = diff_json(temporary.path(), "new", "old", &["--fail-on", "info"]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(names(&report["findings_resolved"]), ["left-pad"]);
}

#[test]
fn identical_sides_have_no_differences() {
    let temporary = tempfile::tempdir().unwrap();
    project(&temporary.path().join("a"), |lock| lock);
    project(&temporary.path().join("b"), |lock| lock);
    let output = run_in(
        temporary.path(),
        &["diff", "a", "b", "--fail-on", "info", "--no-vuln-db"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "No differences.\n\nAdvisory database: not used (--no-vuln-db): vulnerabilities and malicious packages were not compared.\nPolicy: no operator policy file (defaults); fails at info (--fail-on).\n"
    );
}

fn copy_directory(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_directory(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The must-show case: one model file's bytes change while its name (and the model's name and
/// version) stay. A second model holding a file of the same name is untouched and must not be
/// confused with it.
#[test]
fn a_model_file_whose_bytes_change_under_the_same_name() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples/agent-stack/models");
    let temporary = tempfile::tempdir().unwrap();
    for side in ["old", "new"] {
        copy_directory(
            &models.join("tiny-summarizer"),
            &temporary.path().join(side).join("tiny-summarizer"),
        );
        copy_directory(
            &models.join("tiny-summarizer"),
            &temporary.path().join(side).join("twin-summarizer"),
        );
    }
    let weights = temporary
        .path()
        .join("new/tiny-summarizer/model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&weights, bytes).unwrap();

    let check = |report: &Value| {
        let changed = report["hash_changed"].as_array().unwrap();
        assert_eq!(changed.len(), 1, "{report:#}");
        assert_eq!(changed[0]["name"], "model.safetensors");
        assert_ne!(changed[0]["old_hashes"], changed[0]["new_hashes"]);
        assert_eq!(changed[0]["file"], "tiny-summarizer/model.safetensors");
        for section in ["added", "removed", "version_changed", "source_changed"] {
            assert!(
                report[section].as_array().unwrap().is_empty(),
                "{section}: {report:#}"
            );
        }
    };
    let (code, report, _) = diff_json(temporary.path(), "old", "new", &["--fail-on", "critical"]);
    assert_eq!(code, Some(1), "a changed model file fails the review");
    check(&report);

    for side in ["old", "new"] {
        let output = run_in(
            temporary.path(),
            &[
                "sbom",
                side,
                "-f",
                "cyclonedx-json",
                "-o",
                &format!("{side}.cdx.json"),
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    let (code, report, _) = diff_json(
        temporary.path(),
        "old.cdx.json",
        "new.cdx.json",
        &["--fail-on", "none"],
    );
    assert_eq!(code, Some(0));
    check(&report);
}

/// `tests/fixtures/intake`: the accepted project `agent/` and advisories rating jinja2 2.10
/// high twice and `reqeusts` 2.31.0 malicious.
fn intake() -> PathBuf {
    support::fixtures().join("intake")
}

/// `old/` is the accepted project; `new/` adds `lines` to its requirements (and each name to
/// its pyproject dependencies, so that the path from the root is known).
fn vulnerable_pin(directory: &Path, lines: &[(&str, &str)]) {
    support::copy_tree(&intake().join("agent"), &directory.join("old"));
    support::copy_tree(&intake().join("agent"), &directory.join("new"));
    let pyproject = directory.join("new/pyproject.toml");
    let mut text = std::fs::read_to_string(&pyproject).unwrap();
    let mut requirements = std::fs::read_to_string(directory.join("new/requirements.txt")).unwrap();
    for (name, pin) in lines {
        text = text.replace("\"pydantic\"]", &format!("\"pydantic\", \"{name}\"]"));
        requirements.push_str(pin);
        requirements.push('\n');
    }
    std::fs::write(&pyproject, text).unwrap();
    std::fs::write(directory.join("new/requirements.txt"), requirements).unwrap();
}

/// The scenario: `new` adds `jinja2==2.10`, which two high advisories in the database
/// name. The diff used to list it as added with only `missing-hashes` and exit 0.
#[test]
fn a_diff_that_adds_a_vulnerable_pin_fails_naming_the_advisories() {
    let temporary = tempfile::tempdir().unwrap();
    vulnerable_pin(temporary.path(), &[("jinja2", "jinja2==2.10")]);
    let advisories = intake().join("advisories");
    let advisories = advisories.to_str().unwrap();

    // The database given as files (--advisories), as a database file (--db), and as the
    // operator's configured one: the same verdict.
    let database = temporary.path().join("advisories.sqlite3");
    let import = run_in(
        temporary.path(),
        &[
            "--db",
            database.to_str().unwrap(),
            "db",
            "import",
            advisories,
        ],
    );
    assert_eq!(import.status.code(), Some(0), "{}", stderr(&import));
    std::fs::write(
        temporary.path().join("operator.toml"),
        "[database]\npath = \"advisories.sqlite3\"\n",
    )
    .unwrap();
    let database_flag = ["--db", database.to_str().unwrap()];
    let configured = ["--config", "operator.toml"];
    let advisories_flag = ["--advisories", advisories];
    for how in [&database_flag[..], &configured[..], &advisories_flag[..]] {
        let mut arguments = vec!["diff", "old", "new", "-f", "json", "--fail-on", "high"];
        arguments.extend_from_slice(how);
        // The configured database is the operator's file's: AIRLOCK_DB would win over it.
        let output = support::command_in(temporary.path(), &arguments)
            .env_remove("AIRLOCK_DB")
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}", stderr(&output)));
        assert_eq!(output.status.code(), Some(1), "{how:?}: {report:#}");
        assert_eq!(report["vulnerabilities_compared"], true);
        assert_eq!(report["advisory_database"]["used"], true);
        let introduced = report["findings_introduced"].as_array().unwrap();
        let advisories: Vec<(&str, &str, &str)> = introduced
            .iter()
            .filter(|finding| finding["rule"] == "known-vulnerability")
            .map(|finding| {
                (
                    finding["advisory"].as_str().unwrap(),
                    finding["severity"].as_str().unwrap(),
                    finding["name"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            advisories,
            [
                ("TEST-2019-JINJA2-SANDBOX", "high", "jinja2"),
                ("TEST-2024-JINJA2-FORMAT", "high", "jinja2")
            ],
            "{how:?}"
        );
        assert_eq!(
            introduced[0]["introduced_through"],
            serde_json::json!([
                "pkg:pypi/agent@1.4.0?download_url=file:%2F%2Fnew#path=new",
                "pkg:pypi/jinja2@2.10"
            ]),
            "with the path from the root"
        );
        assert_eq!(
            introduced[0]["aliases"],
            serde_json::json!(["CVE-2019-10906"])
        );
    }

    // The table names the advisories and the path, and says what it compared against.
    let output = run_in(
        temporary.path(),
        &[
            "diff",
            "old",
            "new",
            "--fail-on",
            "high",
            "--advisories",
            advisories,
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let table = stdout(&output);
    for expected in [
        "FINDINGS INTRODUCED (3)",
        "TEST-2019-JINJA2-SANDBOX CVE-2019-10906",
        "TEST-2024-JINJA2-FORMAT CVE-2024-56326",
        "agent 1.4.0 > jinja2 2.10",
        "Advisory database: 3 advisories from ",
    ] {
        assert!(table.contains(expected), "{expected}: {table}");
    }

    // Without a database the report says vulnerabilities were not compared, and the run
    // fails closed (exit 2); --no-vuln-db asks for that comparison on purpose.
    let output = run_in(
        temporary.path(),
        &["diff", "old", "new", "--fail-on", "high"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("Advisory database: none found, so vulnerabilities and malicious packages were NOT compared"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("so airlock cannot tell what is vulnerable.\n  Run `airlock db sync` (online) or `airlock db import BUNDLE` (offline), or compare with --no-vuln-db."),
        "{}",
        stderr(&output)
    );
    let output = run_in(
        temporary.path(),
        &["diff", "old", "new", "--fail-on", "high", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["vulnerabilities_compared"], false);
    assert_eq!(report["advisory_database"]["reason"], "missing");
    let (code, report, _) = diff_json(temporary.path(), "old", "new", &["--fail-on", "high"]);
    assert_eq!(
        code,
        Some(0),
        "only missing-hashes (low) without advisories"
    );
    assert_eq!(report["vulnerabilities_compared"], false);

    // Reversed: the advisories are resolved, nothing introduced.
    let (code, report, _) = diff_json(
        temporary.path(),
        "new",
        "old",
        &["--fail-on", "low", "--advisories", advisories],
    );
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["findings_resolved"].as_array().unwrap().len(), 3);
}

#[test]
fn a_malicious_package_that_arrives_is_critical() {
    let temporary = tempfile::tempdir().unwrap();
    vulnerable_pin(temporary.path(), &[("reqeusts", "reqeusts==2.31.0")]);
    let advisories = intake().join("advisories");
    let (code, report, _) = diff_json(
        temporary.path(),
        "old",
        "new",
        &[
            "--fail-on",
            "critical",
            "--advisories",
            advisories.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(1), "{report:#}");
    let malicious = &report["findings_introduced"][0];
    assert_eq!(malicious["rule"], "malicious-package");
    assert_eq!(malicious["severity"], "critical");
    assert_eq!(malicious["advisory"], "MAL-TEST-REQEUSTS");
    assert_eq!(malicious["name"], "reqeusts");
}

/// Old advisory data cannot vouch for what comes in: compared, reported, exit 2.
#[test]
fn a_diff_against_stale_advisories_fails_closed() {
    let temporary = tempfile::tempdir().unwrap();
    vulnerable_pin(temporary.path(), &[("jinja2", "jinja2==2.10")]);
    let advisories = intake().join("advisories");
    let output = support::command_in(
        temporary.path(),
        &[
            "diff",
            "old",
            "new",
            "--fail-on",
            "none",
            "--advisories",
            advisories.to_str().unwrap(),
        ],
    )
    .env_remove("AIRLOCK_MAX_DB_AGE")
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("cannot vouch for anything: the data is"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains(": STALE."), "{}", stdout(&output));
}
