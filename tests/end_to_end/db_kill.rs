//! A kill in the middle of an import: the import writes a copy beside the database and renames
//! it only at the end, so killing it leaves the previous database whole and answering, the
//! half-written copy is never opened as the database, and the next import clears it away.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;

use std::io::Write;
use std::time::{Duration, Instant};

use db_common::{advisory_fixtures, count, generated_record, Home};

/// Temporary copies of the database in the working directory.
fn copies(home: &Home) -> Vec<String> {
    std::fs::read_dir(home.work())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".advisories.sqlite3.tmp-"))
        .collect()
}

#[test]
fn an_import_killed_half_way_leaves_the_old_database_answering() {
    let home = Home::new();
    home.ok(&[
        "db",
        "import",
        advisory_fixtures().join("corpus").to_str().unwrap(),
    ]);
    let before = std::fs::read(home.database()).unwrap();

    // Far more records than a debug build imports in the time the test waits (stored, not
    // compressed, so writing it is quick).
    let archive = home.work().join("large.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..60_000 {
        writer
            .start_file(format!("TEST-{index:07}.json"), options)
            .unwrap();
        writer.write_all(&generated_record(index)).unwrap();
    }
    writer.finish().unwrap();

    let mut child = home
        .command(&["db", "import", "large.zip"])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while copies(&home).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Let it write a while into its copy, then kill it (SIGKILL: no clean-up runs).
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import ended before it was killed"
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());

    // The database is the one from before, byte for byte, and answers.
    assert_eq!(std::fs::read(home.database()).unwrap(), before);
    let summary = advisories::Store::open(&home.database())
        .unwrap()
        .summary()
        .unwrap();
    assert_eq!(summary.advisories, 13);
    let info = home.ok(&["db", "info"]);
    assert!(info.contains("advisories      13 (2 withdrawn"), "{info}");
    let output = home.run(&[
        "scan",
        advisory_fixtures().join("project").to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the malicious package fails the scan"
    );
    let scan = String::from_utf8_lossy(&output.stdout);
    assert!(scan.contains("malicious-package"), "{scan}");
    // The killed writer's copy is still there, beside (not instead of) the database.
    assert_eq!(copies(&home).len(), 1);

    // The next writer clears it and goes through.
    let report = home.ok(&[
        "db",
        "import",
        advisory_fixtures()
            .join("corpus/ossf-malicious-packages")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(count(&report, "unchanged"), 2, "{report}");
    assert!(copies(&home).is_empty(), "{:?}", copies(&home));
}

/// SIGKILL at seeded random points of an import (before, during and after it starts writing
/// its copy), six times over: after each kill the database is byte for byte the one from
/// before, opens, and answers `db info` and a scan the same way.
#[test]
fn imports_killed_at_seeded_random_points_never_damage_the_database() {
    let home = Home::new();
    home.ok(&[
        "db",
        "import",
        advisory_fixtures().join("corpus").to_str().unwrap(),
    ]);
    let before = std::fs::read(home.database()).unwrap();
    let info_before = home.ok(&["db", "info"]);
    let project = advisory_fixtures().join("project");
    let scan_before = home.run(&["scan", project.to_str().unwrap(), "-f", "json"]);

    let archive = home.work().join("large.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..30_000 {
        writer
            .start_file(format!("TEST-{index:07}.json"), options)
            .unwrap();
        writer.write_all(&generated_record(index)).unwrap();
    }
    writer.finish().unwrap();

    let mut rng = integration_tests::fuzz::Rng::new(0x5EED_0FC1);
    for round in 0..6 {
        let delay = Duration::from_millis(rng.below(1500) as u64);
        let mut child = home
            .command(&["db", "import", "large.zip"])
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: the import ended within {delay:?}, before it was killed"
        );
        child.kill().unwrap();
        assert!(!child.wait().unwrap().success());

        assert_eq!(
            std::fs::read(home.database()).unwrap(),
            before,
            "round {round}: killed after {delay:?}, the database changed"
        );
        let summary = advisories::Store::open(&home.database())
            .unwrap()
            .summary()
            .unwrap();
        assert_eq!(summary.advisories, 13, "round {round}");
        assert_eq!(home.ok(&["db", "info"]), info_before, "round {round}");
        let scan = home.run(&["scan", project.to_str().unwrap(), "-f", "json"]);
        assert_eq!(
            db_common::scan_json_without_age(&scan.stdout),
            db_common::scan_json_without_age(&scan_before.stdout),
            "round {round}"
        );
        assert_eq!(
            scan.status.code(),
            scan_before.status.code(),
            "round {round}"
        );
    }
}
