//! The advisory data's age is judged from the data, as attacks: a database built today from an
//! old snapshot (directly, or through a bundle built today) is stale and fails scans,
//! attestations and verifications with exit 2; a record dated in the future cannot make old
//! data look fresh; the limit comes from `--max-db-age`, then `AIRLOCK_MAX_DB_AGE`, then
//! `[database] max-age` (or the older `max_age_days`), then the 7-day default.
//!
//! The other tests switch the limit off (`AIRLOCK_MAX_DB_AGE=none`: their fixtures are old on
//! purpose); these remove that variable to see the defaults.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::process::{Command, Output};

use serde_json::Value;

use db_common::{advisory_fixtures, answers, probe_record, seconds_ago, Home};
use support::{stderr, stdout};

/// The newest `modified` in the fixture corpus (an OSV export of RustSec).
const CORPUS_NEWEST: &str = "2026-09-04T00:47:46.156672516Z";

/// `home.command` with the limit the operator configured (no test override).
fn command(home: &Home, arguments: &[&str]) -> Command {
    let mut command = home.command(arguments);
    command.env_remove("AIRLOCK_MAX_DB_AGE");
    command
}

fn run(home: &Home, arguments: &[&str]) -> Output {
    command(home, arguments).output().unwrap()
}

fn project() -> String {
    advisory_fixtures()
        .join("project")
        .to_str()
        .unwrap()
        .to_owned()
}

/// A home whose database holds the fixture corpus, imported now: today's database, old data.
fn imported_today() -> Home {
    let home = Home::new();
    home.ok(&[
        "db",
        "import",
        advisory_fixtures().join("corpus").to_str().unwrap(),
    ]);
    home
}

#[test]
fn a_database_imported_today_from_an_old_snapshot_is_stale_and_the_scan_fails() {
    let home = imported_today();
    let before = answers(&home, &home.database());

    let info = command(&home, &["db", "info"]).output().unwrap();
    assert_eq!(
        info.status.code(),
        Some(0),
        "db info reports, it does not gate"
    );
    let info = stdout(&info);
    assert!(
        info.contains(&format!("newest record   {CORPUS_NEWEST} (")),
        "{info}"
    );
    assert!(
        info.contains("freshness       STALE: the data is"),
        "{info}"
    );
    assert!(info.contains("past the limit of 7d"), "{info}");
    let json: Value =
        serde_json::from_slice(&run(&home, &["db", "info", "-f", "json"]).stdout).unwrap();
    assert_eq!(json["stale"], true);
    assert_eq!(json["newest_record"], CORPUS_NEWEST);
    assert_eq!(json["max_age"], "7d");
    assert!(json["age_seconds"].as_i64().unwrap() > 7 * 86_400);

    // The scan still matches and reports, marked stale, then fails with the age and the limit.
    let output = run(&home, &["scan", &project()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("malicious-package"), "{report}");
    assert!(
        report.contains(&format!("newest record {CORPUS_NEWEST}")),
        "{report}"
    );
    assert!(report.contains("limit 7d): STALE."), "{report}");
    let message = stderr(&output);
    assert!(
        message.contains("cannot vouch for anything: the data is"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "days old (newest record {CORPUS_NEWEST}), past the limit of 7d"
        )),
        "{message}"
    );
    let json = run(&home, &["scan", &project(), "-f", "json"]);
    assert_eq!(json.status.code(), Some(2));
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let database = &json["advisory_database"];
    assert_eq!(database["stale"], true);
    assert_eq!(database["newest_record"], CORPUS_NEWEST);
    assert_eq!(database["max_age"], "7d");
    assert_eq!(database["max_age_seconds"], 7 * 86_400);
    assert!(database["updated_at"].is_string());
    let html = run(&home, &["scan", &project(), "-f", "html"]);
    assert_eq!(html.status.code(), Some(2));
    let page = stdout(&html);
    // The page's data carries the date (html_report.rs checks the rendered line in a browser).
    assert!(
        page.contains(CORPUS_NEWEST),
        "the HTML data carries the date"
    );

    // --max-db-age none: the scan is judged by its findings again (a critical malicious package).
    let output = run(&home, &["scan", &project(), "--max-db-age", "none"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("no age limit (--max-db-age none))."),
        "{}",
        stdout(&output)
    );
    // Nothing of this changed the database.
    assert_eq!(answers(&home, &home.database()), before);
}

#[test]
fn a_bundle_built_today_from_an_old_snapshot_is_stale_too() {
    let home = imported_today();
    home.ok(&["keygen", "release"]);
    home.ok(&[
        "db",
        "export",
        "--bundle",
        "today.bundle",
        "--sign-key",
        "release.key",
    ]);
    let receiver = home.work().join("receiver.sqlite3");
    let output = command(
        &home,
        &["db", "import", "today.bundle", "--key", "release.pub"],
    )
    .env("AIRLOCK_DB", &receiver)
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains(&format!("newest     {CORPUS_NEWEST}")),
        "{}",
        stdout(&output)
    );
    let info = command(&home, &["db", "info"])
        .env("AIRLOCK_DB", &receiver)
        .output()
        .unwrap();
    let info = stdout(&info);
    assert!(info.contains("bundle built    20"), "{info}");
    assert!(info.contains("STALE"), "{info}");
    let scan = command(&home, &["scan", &project(), "-f", "json"])
        .env("AIRLOCK_DB", &receiver)
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(2), "{}", stderr(&scan));
    let json: Value = serde_json::from_slice(&scan.stdout).unwrap();
    assert_eq!(json["advisory_database"]["stale"], true);
    assert_eq!(json["advisory_database"]["newest_record"], CORPUS_NEWEST);
    assert!(json["advisory_database"]["built_at"].is_string());
}

#[test]
fn the_limit_comes_from_the_flag_then_the_environment_then_the_configuration() {
    let home = imported_today();
    let scan = |extra: &[&str], environment: Option<&str>| {
        let mut arguments = vec!["scan", "-q"];
        arguments.extend_from_slice(extra);
        let project = project();
        arguments.push(&project);
        let mut command = command(&home, &arguments);
        if let Some(value) = environment {
            command.env("AIRLOCK_MAX_DB_AGE", value);
        }
        let output = command.output().unwrap();
        (output.status.code(), stderr(&output))
    };
    // 1 is the critical malicious package: the age passed; 2 is the age failing the run.
    assert_eq!(scan(&[], None).0, Some(2), "the default is 7 days");
    assert_eq!(scan(&[], Some("none")).0, Some(1));
    assert_eq!(scan(&[], Some("100000d")).0, Some(1));
    assert_eq!(scan(&["--max-db-age", "7d"], Some("none")).0, Some(2));
    assert_eq!(scan(&["--max-db-age", "none"], Some("7d")).0, Some(1));
    let (code, message) = scan(&["--max-db-age", "12h"], None);
    assert_eq!(code, Some(2));
    assert!(message.contains("past the limit of 12h"), "{message}");

    let config = home.work().join("airlock.toml");
    std::fs::write(&config, "[database]\nmax-age = \"none\"\n").unwrap();
    assert_eq!(scan(&[], None).0, Some(1), "the configuration turns it off");
    assert_eq!(scan(&[], Some("7d")).0, Some(2), "the environment wins");
    std::fs::write(&config, "[database]\nmax_age_days = 100000\n").unwrap();
    assert_eq!(scan(&[], None).0, Some(1), "the older key is still read");
    std::fs::write(&config, "[database]\nmax_age_days = 3\n").unwrap();
    let (code, message) = scan(&[], None);
    assert_eq!(code, Some(2));
    assert!(message.contains("past the limit of 3d"), "{message}");
    std::fs::remove_file(&config).unwrap();

    // A limit that is not a duration is refused, wherever it comes from.
    let (code, message) = scan(&["--max-db-age", "7"], None);
    assert_eq!(code, Some(2));
    assert!(message.contains("`7` is not a duration"), "{message}");
    let (code, message) = scan(&[], Some("soon"));
    assert_eq!(code, Some(2));
    assert!(
        message.contains("AIRLOCK_MAX_DB_AGE: `soon` is not a duration"),
        "{message}"
    );
}

#[test]
fn fresh_data_passes_until_it_is_older_than_the_limit() {
    let home = Home::new();
    std::fs::write(
        home.work().join("fresh.json"),
        probe_record("TEST-FRESH-1", &seconds_ago(2 * 3600)),
    )
    .unwrap();
    home.ok(&["db", "import", "fresh.json"]);
    let output = run(&home, &["scan", &project()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("2 hours old; imported 20"),
        "{}",
        stdout(&output)
    );
    assert!(!stdout(&output).contains("STALE"));
    let output = run(&home, &["scan", &project(), "--max-db-age", "1h"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("the data is 2 hours old"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_future_dated_record_cannot_make_old_data_look_fresh() {
    // Files: a record claiming 2099 is believed no further than the moment of import.
    let home = Home::new();
    std::fs::write(
        home.work().join("future.json"),
        probe_record("TEST-FUTURE-1", "2099-01-01T00:00:00Z"),
    )
    .unwrap();
    let report = home.ok(&["db", "import", "future.json"]);
    assert!(
        report.contains("note: 1 record dated in the future: stored with the time of the import"),
        "{report}"
    );
    let info: Value =
        serde_json::from_slice(&run(&home, &["db", "info", "-f", "json"]).stdout).unwrap();
    assert_eq!(info["newest_record"], info["updated_at"], "{info}");
    assert!(!info["newest_record"].as_str().unwrap().starts_with("2099"));
    // Imported again, it is bounded again by that moment, never by its own claim.
    home.ok(&["db", "import", "future.json"]);
    let info: Value =
        serde_json::from_slice(&run(&home, &["db", "info", "-f", "json"]).stdout).unwrap();
    assert_eq!(info["newest_record"], info["updated_at"], "{info}");

    // A signed bundle claims to be built at the start of 2025 and holds that 2099 record and
    // the corpus: every record is believed up to the build time, so the data is old.
    let exporter = imported_today();
    std::fs::copy(
        home.work().join("future.json"),
        exporter.work().join("future.json"),
    )
    .unwrap();
    exporter.ok(&["db", "import", "future.json"]);
    exporter.ok(&["keygen", "release"]);
    let output = exporter
        .command(&[
            "db",
            "export",
            "--bundle",
            "backdated.bundle",
            "--sign-key",
            "release.key",
        ])
        .env("SOURCE_DATE_EPOCH", "1735689600")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let receiver = exporter.work().join("receiver.sqlite3");
    let output = command(
        &exporter,
        &["db", "import", "backdated.bundle", "--key", "release.pub"],
    )
    .env("AIRLOCK_DB", &receiver)
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("built      2025-01-01T00:00:00Z"), "{text}");
    assert!(text.contains("newest     2025-01-01T00:00:00Z"), "{text}");
    assert!(
        text.contains("dated after the build time: taken as 2025-01-01T00:00:00Z"),
        "{text}"
    );
    let scan = command(&exporter, &["scan", &project()])
        .env("AIRLOCK_DB", &receiver)
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(2), "{}", stderr(&scan));
    assert!(
        stderr(&scan).contains("(newest record 2025-01-01T00:00:00Z), past the limit of 7d"),
        "{}",
        stderr(&scan)
    );
}

/// `SOURCE_DATE_EPOCH` dates the documents, never the present the data is judged against: a
/// reproducible build date the day after the newest record must not make old data look fresh,
/// while the report still carries that date.
#[test]
fn a_reproducible_build_date_does_not_make_old_data_look_fresh() {
    let home = imported_today();
    // 2026-09-05T00:00:00Z: the day after CORPUS_NEWEST.
    let day_after = "1788566400";
    let scan = command(&home, &["scan", &project(), "-f", "cyclonedx-json"])
        .env("SOURCE_DATE_EPOCH", day_after)
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(2), "{}", stderr(&scan));
    assert!(
        stderr(&scan).contains("past the limit of 7d"),
        "{}",
        stderr(&scan)
    );
    let bom: Value = serde_json::from_slice(&scan.stdout).unwrap();
    assert_eq!(bom["metadata"]["timestamp"], "2026-09-05T00:00:00Z");
    let info = command(&home, &["db", "info", "-f", "json"])
        .env("SOURCE_DATE_EPOCH", day_after)
        .output()
        .unwrap();
    let info: Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["stale"], true, "{info}");
    assert!(info["age_seconds"].as_i64().unwrap() > 7 * 86_400, "{info}");
}

#[test]
fn advisories_given_for_one_scan_are_judged_the_same_way() {
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let home = Home::new();
    let arguments = [
        "scan",
        "examples/agent-stack",
        "--advisories",
        "examples/agent-stack/advisories",
    ];
    let output = command(&home, &arguments)
        .current_dir(repository)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "the advisories from examples/agent-stack/advisories cannot vouch for anything: the data is"
        ),
        "{}",
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("imported for this scan (newest record 2025-10-28T06:02:18Z"),
        "{}",
        stdout(&output)
    );
    let output = command(&home, &[&arguments[..], &["--max-db-age", "none"]].concat())
        .current_dir(repository)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn attest_and_verify_refuse_stale_data() {
    let home = imported_today();
    home.ok(&["keygen", "review"]);
    let project = project();
    let output = run(
        &home,
        &[
            "attest",
            &project,
            "--key",
            "review.key",
            "-o",
            "stack.att.json",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("past the limit of 7d"),
        "{}",
        stderr(&output)
    );
    assert!(
        !home.work().join("stack.att.json").exists(),
        "no attestation is signed over stale data"
    );
    let output = run(
        &home,
        &[
            "--max-db-age",
            "none",
            "attest",
            &project,
            "--key",
            "review.key",
            "-o",
            "stack.att.json",
        ],
    );
    // Signed (the project locks a malicious crate, so the attestation exits 1 by --fail-on
    // and records it).
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(home.work().join("stack.att.json").is_file());
    assert!(
        stderr(&output).contains(&format!("advisory database: newest record {CORPUS_NEWEST}")),
        "{}",
        stderr(&output)
    );
    let verify = |extra: &[&str]| {
        let mut arguments = vec![
            "verify",
            "--attestation",
            "stack.att.json",
            "--key",
            "review.pub",
            "-f",
            "json",
        ];
        arguments.extend_from_slice(extra);
        arguments.push(&project);
        run(&home, &arguments)
    };
    // verify matches the tree against the local database every time: stale data fails it
    // (exit 2), after the report that says so.
    let output = verify(&[]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("past the limit of 7d"),
        "{}",
        stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["advisory_database"]["stale"], true);
    assert_eq!(report["passed"], false);
    let output = verify(&["--max-db-age", "none", "--fail-on", "none"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["advisory_database"]["newest_record"], CORPUS_NEWEST);
    assert_eq!(report["advisory_database"]["stale"], false);
}

/// The `[database]` messages of the `project-policy-loosening` findings of a JSON scan report,
/// with the place of each entry.
fn refused_database_keys(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "project-policy-loosening")
        .map(|finding| {
            format!(
                "{} {}",
                finding["evidence"][0].as_str().unwrap_or_default(),
                finding["message"]
                    .as_str()
                    .unwrap_or_default()
                    .split(';')
                    .next()
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// An `airlock.toml` that arrives inside the scanned tree and switches the age limit off (and
/// pins its own key) is project policy: each key is refused as a loosening, reported with its
/// line, and the scan still fails on the stale data, even with `--trust-project-policy`. Run
/// from inside the tree, the file above the working directory is nobody's configuration. Only
/// the operator's own file can set the limit.
#[test]
fn a_project_airlock_toml_cannot_switch_off_the_age_limit() {
    let home = imported_today();
    let incoming = home.work().join("incoming");
    support::copy_tree(&advisory_fixtures().join("project"), &incoming.join("app"));
    std::fs::write(
        incoming.join("airlock.toml"),
        "# shipped with the project\n[database]\nmax-age = \"none\"\npublic_key = \"attacker.pub\"\n",
    )
    .unwrap();

    for trust in [false, true] {
        let mut arguments = vec!["scan", "incoming", "-f", "json"];
        if trust {
            arguments.push("--trust-project-policy");
        }
        let output = run(&home, &arguments);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(message.contains("past the limit of 7d"), "{message}");
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["advisory_database"]["stale"], true);
        assert_eq!(report["advisory_database"]["max_age"], "7d");
        assert_eq!(
            refused_database_keys(&report),
            [
                "incoming/airlock.toml:3 `[database] max-age` would change how old the advisory data may be before a run fails",
                "incoming/airlock.toml:4 `[database] public_key` would change which key advisory bundles must be signed with",
            ],
            "trusted: {trust}"
        );
    }

    // From inside the tree, its file lies above the working directory: not read at all.
    let output = command(&home, &["scan", "."])
        .current_dir(incoming.join("app"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("past the limit of 7d"),
        "{}",
        stderr(&output)
    );

    // The control: the same key in the operator's own file does switch the check off (exit 1
    // is the fixture's critical malicious package).
    std::fs::write(
        home.work().join("airlock.toml"),
        "[database]\nmax-age = \"none\"\n",
    )
    .unwrap();
    let output = run(&home, &["scan", "incoming"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}
