//! `airlock db import` and scans against the database: counts over real advisories (PyPA YAML,
//! RustSec markdown and its OSV export, GHSA, malicious packages), idempotence, the merge of the
//! two RustSec forms, withdrawn records, malformed input refused whole with reasons and lines,
//! archives with crafted or truncated entries, and what a scan says with and without a
//! database. The data-age checks are in `db_freshness.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::path::Path;

use advisories::Store;
use db_common::{advisory_fixtures, count, json_entries, zip_archive, Home};
use support::stderr;

/// 13 distinct advisories, 6 of them read in both RustSec forms, 2 withdrawn.
#[test]
fn fixture_corpus_counts_merge_and_idempotence() {
    let home = Home::new();
    let corpus = advisory_fixtures().join("corpus");
    let first = home.ok(&["db", "import", corpus.to_str().unwrap()]);
    assert_eq!(count(&first, "imported"), 19, "{first}");
    assert_eq!(count(&first, "added"), 13, "{first}");
    assert_eq!(count(&first, "updated"), 0, "{first}");
    assert_eq!(count(&first, "unchanged"), 0, "{first}");
    assert_eq!(count(&first, "merged"), 6, "{first}");
    assert_eq!(count(&first, "withdrawn"), 2, "{first}");
    assert_eq!(count(&first, "skipped"), 0, "{first}");

    let second = home.ok(&["db", "import", corpus.to_str().unwrap()]);
    assert_eq!(count(&second, "added"), 0, "{second}");
    assert_eq!(count(&second, "updated"), 0, "{second}");
    assert_eq!(count(&second, "unchanged"), 13, "{second}");

    let store = Store::open(&home.database()).unwrap();
    let summary = store.summary().unwrap();
    assert_eq!((summary.advisories, summary.withdrawn), (13, 2));
    assert_eq!(summary.per_source.len(), 1);
    assert_eq!(summary.per_source[0].malicious, 2);
    // Unmaintained (2, one of them withdrawn), unsound, notice.
    assert_eq!(summary.per_source[0].informational, 4);
    // The OSV export wins over the markdown even where the markdown's date is later than the
    // export's `modified` (RUSTSEC-2026-0200).
    for id in [
        "RUSTSEC-2020-0071",
        "RUSTSEC-2026-0200",
        "RUSTSEC-2022-0057",
    ] {
        assert_eq!(
            store.record_state(id).unwrap(),
            Some(("osv-json".to_owned(), false)),
            "{id}"
        );
    }
    assert_eq!(
        store.record_state("RUSTSEC-2019-0031").unwrap(),
        Some(("osv-json".to_owned(), true))
    );
    assert_eq!(
        store.record_state("PYSEC-2023-73").unwrap(),
        Some(("osv-yaml".to_owned(), true))
    );
    // The raw OSV JSON is kept whole (fields airlock does not model included).
    let raw = store.raw_record("GHSA-vqj2-4v8m-8vrq").unwrap().unwrap();
    assert_eq!(raw["schema_version"], "1.2.0");
}

#[test]
fn markdown_alone_fills_in_and_the_osv_copy_then_replaces_it() {
    let home = Home::new();
    let markdown = advisory_fixtures().join("corpus/rustsec-advisory-db");
    let first = home.ok(&["db", "import", markdown.to_str().unwrap()]);
    assert_eq!(count(&first, "added"), 6, "{first}");
    let store = Store::open(&home.database()).unwrap();
    assert_eq!(
        store.record_state("RUSTSEC-2022-0057").unwrap(),
        Some(("rustsec-markdown".to_owned(), false))
    );
    let entries = store.affected_entries("crates.io", "time").unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].advisory_id, "RUSTSEC-2020-0071");
    drop(store);
    let osv = advisory_fixtures().join("corpus/rustsec-advisory-db-osv");
    let second = home.ok(&["db", "import", osv.to_str().unwrap()]);
    assert_eq!(count(&second, "added"), 1, "RUSTSEC-2025-0000: {second}");
    assert_eq!(count(&second, "updated"), 6, "{second}");
    let third = home.ok(&["db", "import", markdown.to_str().unwrap()]);
    assert_eq!(count(&third, "unchanged"), 6, "{third}");
    let store = Store::open(&home.database()).unwrap();
    assert_eq!(
        store.record_state("RUSTSEC-2022-0057").unwrap(),
        Some(("osv-json".to_owned(), false))
    );
}

/// Malformed advisories are an error naming each file and line, and nothing is imported, not
/// even the good files given with them: the import is one transaction.
#[test]
fn malformed_advisories_fail_the_whole_import_with_their_lines() {
    let home = Home::new();
    let broken = advisory_fixtures().join("broken");
    let good = advisory_fixtures().join("corpus/ossf-malicious-packages");
    home.ok(&["db", "import", good.to_str().unwrap()]);
    let before = std::fs::read(home.database()).unwrap();
    let output = home.run(&[
        "db",
        "import",
        broken.to_str().unwrap(),
        advisory_fixtures().join("corpus").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("not a complete advisory set, so nothing was imported (4 problems):"),
        "{message}"
    );
    for expected in [
        "truncated.json:11:454: EOF while parsing a string",
        "unclosed-list.yaml:7:13: unclosed bracket",
        "bad-date.md:5:8: invalid date",
        "no-modified.json: missing field `modified`",
    ] {
        assert!(message.contains(expected), "`{expected}` in:\n{message}");
    }
    assert_eq!(std::fs::read(home.database()).unwrap(), before);
    assert!(output.stdout.is_empty(), "no report for a refused import");
}

/// What counts as an advisory set: a file named on the command line must be one; in a
/// directory walk, a README or a LICENSE is skipped with a note; a path that yields no record
/// is an error.
#[test]
fn named_files_must_be_advisories_and_walks_skip_only_harmless_files() {
    let home = Home::new();
    let work = home.work();
    std::fs::write(work.join("notes.txt"), "not an advisory\n").unwrap();
    let output = home.run(&["db", "import", "notes.txt"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("notes.txt: not an advisory file (expected .json, .yaml, .yml, .md or .zip)"),
        "{}",
        stderr(&output)
    );
    std::fs::write(work.join("README.md"), "# Advisories\n").unwrap();
    let output = home.run(&["db", "import", "README.md"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("README.md: not a RustSec advisory"),
        "{}",
        stderr(&output)
    );
    assert!(!home.database().exists(), "nothing was created");

    // A directory of advisories with a README, a LICENSE and a hidden file beside them.
    let set = work.join("set");
    std::fs::create_dir(&set).unwrap();
    std::fs::copy(
        advisory_fixtures().join(
            "corpus/ossf-malicious-packages/osv/malicious/pypi/0requests/MAL-2026-15859.json",
        ),
        set.join("MAL-2026-15859.json"),
    )
    .unwrap();
    std::fs::write(set.join("README.md"), "# About these advisories\n").unwrap();
    std::fs::write(set.join("LICENSE"), "CC-BY-4.0\n").unwrap();
    std::fs::write(set.join(".id-allocator"), "17\n").unwrap();
    let report = home.ok(&["db", "import", "set"]);
    assert_eq!(count(&report, "added"), 1, "{report}");
    assert_eq!(count(&report, "skipped"), 3, "{report}");
    assert!(
        report.contains("set/LICENSE: not an advisory file"),
        "{report}"
    );
    assert!(
        report.contains("set/README.md: not a RustSec advisory"),
        "{report}"
    );

    // A directory without a single record is not an advisory set.
    let empty = work.join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("README.md"), "# nothing yet\n").unwrap();
    let before = std::fs::read(home.database()).unwrap();
    let output = home.run(&["db", "import", "empty"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("empty: no advisory records found"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read(home.database()).unwrap(), before);
}

#[test]
fn archives_import_like_osv_all_zip_and_crafted_or_truncated_ones_are_refused() {
    let home = Home::new();
    let mut entries = json_entries(&advisory_fixtures().join("corpus"));
    // The OSV JSON files (the PyPA YAML and RustSec markdown are not in OSV's archives).
    assert_eq!(entries.len(), 11);
    entries.push(("notes.txt".to_owned(), b"hello".to_vec()));
    let archive = home.work().join("all.zip");
    zip_archive(&archive, &entries);
    let report = home.ok(&["db", "import", "all.zip"]);
    assert_eq!(count(&report, "added"), 11, "{report}");
    assert_eq!(count(&report, "skipped"), 1, "{report}");
    assert!(
        report.contains("all.zip!notes.txt: not an OSV JSON entry"),
        "{report}"
    );
    let before = std::fs::read(home.database()).unwrap();

    // Entries whose names climb out of the archive mark a crafted archive: all of it is refused.
    let mut crafted = entries.clone();
    crafted.push((
        "../../escaped/MAL-0000-1.json".to_owned(),
        std::fs::read(advisory_fixtures().join(
            "corpus/ossf-malicious-packages/osv/malicious/pypi/0requests/MAL-2026-15859.json",
        ))
        .unwrap(),
    ));
    crafted.push(("/etc/absolute.json".to_owned(), b"{}".to_vec()));
    zip_archive(&home.work().join("crafted.zip"), &crafted);
    let output = home.run(&["db", "import", "crafted.zip"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("crafted.zip!../../escaped/MAL-0000-1.json: unsafe entry name"),
        "{message}"
    );
    assert!(
        message.contains("crafted.zip!/etc/absolute.json: unsafe entry name"),
        "{message}"
    );
    assert!(!home.directory.path().join("escaped").exists());
    assert_eq!(std::fs::read(home.database()).unwrap(), before);

    // A truncated archive is refused whole; the database keeps what it had.
    let bytes = std::fs::read(&archive).unwrap();
    std::fs::write(home.work().join("cut.zip"), &bytes[..bytes.len() / 2]).unwrap();
    let output = home.run(&["db", "import", "cut.zip"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cut.zip: not a readable zip archive (truncated or corrupt)"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
    assert_eq!(std::fs::read(home.database()).unwrap(), before);
    assert_eq!(
        Store::open(&home.database())
            .unwrap()
            .summary()
            .unwrap()
            .advisories,
        11
    );
}

#[test]
fn a_missing_path_changes_nothing() {
    let home = Home::new();
    let output = home.run(&["db", "import", "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("nowhere: cannot read"),
        "{}",
        stderr(&output)
    );
    assert!(!home.database().exists());
}

/// The whole shared corpus, when it is beside the repository (skipped cleanly otherwise).
#[test]
fn the_whole_shared_corpus_imports_with_the_right_counts() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/advisories");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is not present", corpus.display());
        return;
    }
    let home = Home::new();
    let first = home.ok(&["db", "import", corpus.to_str().unwrap()]);
    // 2,661 PyPA + 1,206 RustSec (1,205 also as markdown) + 12 GHSA + 11 malicious.
    assert_eq!(count(&first, "added"), 3890, "{first}");
    assert_eq!(count(&first, "merged"), 1205, "{first}");
    assert_eq!(
        count(&first, "withdrawn"),
        23,
        "13 RustSec + 10 PyPA: {first}"
    );
    // SOURCES.md, the OSV branch's README.md, PyPA's .id-allocator and depgate's two JSONL
    // name indexes (not OSV).
    assert_eq!(count(&first, "skipped"), 5, "{first}");
    let summary = Store::open(&home.database()).unwrap().summary().unwrap();
    assert_eq!(summary.advisories, 3890);
    assert_eq!(summary.per_source[0].malicious, 11);
    assert_eq!(summary.per_source[0].informational, 476);
    let second = home.ok(&["db", "import", corpus.to_str().unwrap()]);
    assert_eq!(count(&second, "added"), 0, "{second}");
    assert_eq!(count(&second, "updated"), 0, "{second}");
    assert_eq!(count(&second, "unchanged"), 3890, "{second}");
}

#[test]
fn scans_use_the_database_and_say_when_they_could_not() {
    let home = Home::new();
    let project = advisory_fixtures().join("project");
    let project = project.to_str().unwrap();

    // First run, no database: the findings that need none are reported, the report says that
    // vulnerabilities were not matched, two lines explain how to get a database, exit 2.
    let missing = home.run(&["scan", project]);
    assert_eq!(missing.status.code(), Some(2));
    let message = stderr(&missing);
    let lines: Vec<&str> = message.lines().collect();
    let explanation = &lines[lines.len() - 2..];
    assert!(
        explanation[0].starts_with("error: no advisory database at"),
        "{message}"
    );
    assert!(explanation[1].contains("`airlock db sync`"), "{message}");
    assert!(
        explanation[1].contains("`airlock db import BUNDLE`"),
        "{message}"
    );
    assert!(explanation[1].contains("--no-vuln-db"), "{message}");
    let report = String::from_utf8_lossy(&missing.stdout);
    assert!(
        report.contains("vulnerability matching was SKIPPED"),
        "{report}"
    );
    let json = home.run(&["scan", project, "-f", "json"]);
    assert_eq!(json.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["advisory_database"]["used"], false);
    assert_eq!(json["advisory_database"]["reason"], "missing");

    // A database holding only a withdrawn record is as good as empty.
    let withdrawn = advisory_fixtures().join("corpus/pypa-advisory-database/vulns/redis");
    home.ok(&["db", "import", withdrawn.to_str().unwrap()]);
    let empty = home.run(&["scan", project]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        stderr(&empty).contains("holds no advisories"),
        "{}",
        stderr(&empty)
    );

    let without = home.ok(&["scan", project, "--no-vuln-db"]);
    assert!(without.contains("not used (--no-vuln-db)"), "{without}");

    home.ok(&[
        "db",
        "import",
        advisory_fixtures().join("corpus").to_str().unwrap(),
    ]);
    let output = home.run(&["scan", project, "--fail-on", "critical"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("malicious-package"), "{table}");
    assert!(table.contains("arrayref 0.3.10"), "{table}");
    assert!(table.contains("Advisory database: "), "{table}");
    assert!(table.contains("11 advisories; newest record"), "{table}");

    // The malicious package is critical: the default --fail-on (high) fails the scan.
    let output = home.run(&["scan", project, "-f", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["advisory_database"]["advisories"], 11);
    assert_eq!(json["advisory_database"]["stale"], false);
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "malicious-package")
        .unwrap();
    assert_eq!(finding["advisory"]["id"], "MAL-2026-14336");
}

/// The README's first commands: import the example's advisories, then scan the example.
#[test]
fn the_readme_example_scans_with_its_own_advisories() {
    let home = Home::new();
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let database = home.directory.path().join("agent-stack.sqlite3");
    let database = database.to_str().unwrap();
    let import = home.ok(&[
        "--db",
        database,
        "db",
        "import",
        repository
            .join("examples/agent-stack/advisories")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(count(&import, "added"), 6, "{import}");
    let output = home.run(&[
        "--db",
        database,
        "scan",
        repository.join("examples/agent-stack").to_str().unwrap(),
    ]);
    // The example ships a malicious pickle and vulnerable pins: it fails the default policy.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let scan = String::from_utf8_lossy(&output.stdout);
    assert!(scan.contains("Advisory database: "), "{scan}");
    assert!(scan.contains("6 advisories"), "{scan}");
}
