//! Fleet runs (issue 24): `airlock scan --report-dir DIR --jobs N --summary FILE PATH...` scans
//! each PATH as a project of its own. Each report is the very file `airlock scan PATH -o FILE`
//! alone writes, each summary line carries the exit code that project alone gives, a broken or
//! missing project fails alone (the others are still reported; the run exits with the worst
//! code), and two runs at once read one database that neither of them writes to.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{command_in, copy_tree, fixtures, repository, run_in, stderr};

/// A database with the example's advisories and the real advisories of the fixtures.
fn database(directory: &Path) -> PathBuf {
    let path = directory.join("db").join("advisories.sqlite3");
    let output = run_in(
        &repository(),
        &[
            "--db",
            path.to_str().unwrap(),
            "db",
            "import",
            "examples/agent-stack/advisories",
            "tests/fixtures/advisories/corpus",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    path
}

/// Five projects under `directory/projects`: two named `api` (so their names need their
/// parents) that fail the default policy, a clean one, a broken lock, and a path that does not
/// exist.
fn projects(directory: &Path) -> Vec<String> {
    let root = directory.join("projects");
    // Cargo: arrayref 0.3.10 (malicious) and time 0.1.43 (RUSTSEC-2020-0071).
    copy_tree(
        &fixtures().join("advisories/project"),
        &root.join("team-a/api"),
    );
    // Python: jinja2 2.11.2 (PYSEC-2021-66), pinned.
    std::fs::create_dir_all(root.join("team-b/api")).unwrap();
    std::fs::write(
        root.join("team-b/api/requirements.txt"),
        "jinja2==2.11.2\nmarkupsafe==2.0.1\n",
    )
    .unwrap();
    // Pinned, no advisory: only low findings (no hashes), under the default gate.
    std::fs::create_dir_all(root.join("web")).unwrap();
    std::fs::write(root.join("web/requirements.txt"), "attrs==23.2.0\n").unwrap();
    std::fs::create_dir_all(root.join("broken")).unwrap();
    std::fs::write(
        root.join("broken/uv.lock"),
        "version = 1\n[[package]]\nname = \"x\"\nversion = \n",
    )
    .unwrap();
    ["team-a/api", "team-b/api", "web", "broken", "missing"]
        .iter()
        .map(|name| format!("projects/{name}"))
        .collect()
}

fn airlock(directory: &Path, database: &Path, arguments: &[&str]) -> Output {
    let mut all = vec!["--db", database.to_str().unwrap(), "scan"];
    all.extend_from_slice(arguments);
    run_in(directory, &all)
}

fn summary_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn each_project_is_reported_as_it_would_be_alone() {
    let temporary = tempfile::tempdir().unwrap();
    let work = temporary.path();
    let database = database(work);
    let projects = projects(work);
    let mut arguments = vec![
        "-f",
        "json",
        "--report-dir",
        "reports",
        "--jobs",
        "2",
        "--summary",
        "summary.jsonl",
    ];
    arguments.extend(projects.iter().map(String::as_str));
    let output = airlock(work, &database, &arguments);
    let log = stderr(&output);
    // The broken and the missing project are errors: the run exits 2, the others are reported.
    assert_eq!(output.status.code(), Some(2), "{log}");
    assert!(output.stdout.is_empty());
    assert!(
        log.contains("fleet: 5 projects (2 at a time): 1 clean, 2 failed the policy, 2 errors"),
        "{log}"
    );
    let summary = std::fs::read_to_string(work.join("summary.jsonl")).unwrap();
    let lines = summary_lines(&summary);
    assert_eq!(lines.len(), 5, "{summary}");

    let expected_names = ["team-a_api", "team-b_api", "web", "broken", "missing"];
    for ((line, project), name) in lines.iter().zip(&projects).zip(expected_names) {
        // Every line says what it is, in the same key order.
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(line["summary"], "airlock-fleet-summary/1");
        assert_eq!(line["project"], project.as_str());
        assert_eq!(line["name"], name);
        assert_eq!(line["database"]["used"], true, "{line}");
        assert_eq!(
            line["database"]["path"],
            database.display().to_string().as_str()
        );
        assert!(line["database"]["newest_record"].is_string(), "{line}");
        assert_eq!(line["database"]["stale"], false);
        // serde_json's map sorts keys; the raw text keeps the written order.
        let raw = summary
            .lines()
            .nth(expected_names.iter().position(|n| *n == name).unwrap());
        let raw = raw.unwrap();
        let mut last = 0;
        for key in [
            "\"summary\"",
            "\"project\"",
            "\"name\"",
            "\"report\"",
            "\"exit_code\"",
            "\"outcome\"",
            "\"error\"",
            "\"components\"",
            "\"findings\"",
            "\"database\"",
            "\"airlock_version\"",
        ] {
            let at = raw.find(key).unwrap_or_else(|| panic!("{key} in {raw}"));
            assert!(at >= last, "{key} out of order in {raw}");
            last = at;
        }
        assert_eq!(keys.len(), 11, "{raw}");

        // The same project alone: the same exit code and the same report bytes.
        let alone_file = work.join(format!("alone-{name}.json"));
        let alone = airlock(
            work,
            &database,
            &["-f", "json", project, "-o", alone_file.to_str().unwrap()],
        );
        assert_eq!(
            line["exit_code"].as_i64(),
            alone.status.code().map(i64::from),
            "{project}: {line}\n{}",
            stderr(&alone)
        );
        match line["report"].as_str() {
            Some(report) => {
                assert_eq!(report, format!("reports/{name}.json"));
                assert_eq!(
                    std::fs::read(work.join(report)).unwrap(),
                    std::fs::read(&alone_file).unwrap(),
                    "{project}: the fleet report differs from the report alone"
                );
            }
            None => assert!(!alone_file.exists(), "{project} alone wrote a report"),
        }
    }

    let by_name = |name: &str| {
        lines
            .iter()
            .find(|line| line["name"] == name)
            .unwrap()
            .clone()
    };
    let cargo = by_name("team-a_api");
    assert_eq!(cargo["exit_code"], 1);
    assert_eq!(cargo["outcome"], "policy-failure");
    assert!(cargo["error"].is_null());
    assert!(
        cargo["findings"]["critical"].as_u64().unwrap() >= 1,
        "{cargo}"
    );
    let python = by_name("team-b_api");
    assert_eq!(python["exit_code"], 1, "{python}");
    // PYSEC-2021-66 has no rating of its own: unknown, counted as high by the default policy.
    assert_eq!(python["findings"]["unknown"], 1, "{python}");
    assert_eq!(by_name("web")["exit_code"], 0, "{}", by_name("web"));
    let broken = by_name("broken");
    assert_eq!(broken["exit_code"], 2);
    assert_eq!(broken["outcome"], "error");
    assert!(
        broken["error"].as_str().unwrap().contains("uv.lock"),
        "the error names the file: {broken}"
    );
    let missing = by_name("missing");
    assert_eq!(missing["exit_code"], 2);
    assert!(missing["report"].is_null());
    assert!(missing["findings"].is_null());
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("projects/missing"),
        "{missing}"
    );
    // Each project's stderr lines come as one block under its name.
    assert!(
        log.contains("==> projects/broken (report reports/broken.json; exit 2)"),
        "{log}"
    );
    assert!(
        log.contains("==> projects/missing (no report; exit 2)"),
        "{log}"
    );

    // The same run with another number of jobs, its summary on stdout: the same lines and
    // the same reports, whatever the timing.
    let first_reports: Vec<Vec<u8>> = expected_names
        .iter()
        .filter_map(|name| std::fs::read(work.join(format!("reports/{name}.json"))).ok())
        .collect();
    let mut arguments = vec![
        "-q",
        "-f",
        "json",
        "--report-dir",
        "reports",
        "-j",
        "3",
        "--summary",
        "-",
    ];
    arguments.extend(projects.iter().map(String::as_str));
    let again = airlock(work, &database, &arguments);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(String::from_utf8(again.stdout).unwrap(), summary);
    let second_reports: Vec<Vec<u8>> = expected_names
        .iter()
        .filter_map(|name| std::fs::read(work.join(format!("reports/{name}.json"))).ok())
        .collect();
    assert_eq!(first_reports, second_reports);
    // No temporary file is left beside the reports.
    let mut left: Vec<String> = std::fs::read_dir(work.join("reports"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "broken.json",
            "team-a_api.json",
            "team-b_api.json",
            "web.json"
        ]
    );
}

/// Two fleet runs at the same time read one database in a read-only directory: both match,
/// and the file, its mtime and the directory are as they were (no journal, lock or WAL file).
#[cfg(unix)]
#[test]
fn two_runs_share_one_database_without_writing_to_it() {
    use std::os::unix::fs::PermissionsExt;
    let temporary = tempfile::tempdir().unwrap();
    let work = temporary.path();
    let database = database(work);
    let projects = projects(work);
    let shelf = database.parent().unwrap().to_path_buf();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&shelf)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // The importer's lock file stays from the import; what matters is that nothing changes.
    let before = (
        listing(),
        std::fs::read(&database).unwrap(),
        std::fs::metadata(&database).unwrap().modified().unwrap(),
    );
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&shelf, std::fs::Permissions::from_mode(0o555)).unwrap();
    let runs: Vec<std::process::Child> = ["one", "two"]
        .iter()
        .map(|run| {
            let mut arguments = vec![
                "--db",
                database.to_str().unwrap(),
                "scan",
                "-q",
                "-f",
                "cyclonedx-json",
                "--report-dir",
                run,
                "-j",
                "2",
                "--summary",
                "-",
            ];
            arguments.extend(projects.iter().take(3).map(String::as_str));
            command_in(work, &arguments)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = runs
        .into_iter()
        .map(|run| run.wait_with_output().unwrap())
        .collect();
    std::fs::set_permissions(&shelf, std::fs::Permissions::from_mode(0o755)).unwrap();
    for output in &outputs {
        assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
        let lines = summary_lines(&String::from_utf8_lossy(&output.stdout));
        assert_eq!(lines.len(), 3);
        assert!(lines[0]["findings"]["critical"].as_u64().unwrap() >= 1);
        assert!(lines
            .iter()
            .all(|line| line["report"].as_str().unwrap().ends_with(".cdx.json")));
    }
    assert_eq!(outputs[0].stdout, outputs[1].stdout.replace_reports());
    let after = (
        listing(),
        std::fs::read(&database).unwrap(),
        std::fs::metadata(&database).unwrap().modified().unwrap(),
    );
    assert!(before == after, "the database or its directory changed");
}

/// The second run's summary with its report directory named as the first one's.
trait ReplaceReports {
    fn replace_reports(&self) -> Vec<u8>;
}

impl ReplaceReports for Vec<u8> {
    fn replace_reports(&self) -> Vec<u8> {
        String::from_utf8_lossy(self)
            .replace("\"report\":\"two/", "\"report\":\"one/")
            .into_bytes()
    }
}

#[test]
fn mistakes_are_refused_before_anything_is_scanned() {
    let temporary = tempfile::tempdir().unwrap();
    let work = temporary.path();
    let projects = projects(work);
    let no_database = work.join("none.sqlite3");
    // --jobs and --summary belong to a fleet run; -o does not.
    for arguments in [
        vec!["--jobs", "2", projects[0].as_str()],
        vec!["--summary", "-", projects[0].as_str()],
        vec!["--report-dir", "r", "-o", "x.json", projects[0].as_str()],
        vec!["--report-dir", "r", "-j", "0", projects[0].as_str()],
    ] {
        let output = airlock(work, &no_database, &arguments);
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        assert!(!work.join("r").exists());
    }
    // The same project twice, and a report directory inside a project.
    let output = airlock(
        work,
        &no_database,
        &["--report-dir", "r", "projects/web", "./projects/web/"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("given twice"),
        "{}",
        stderr(&output)
    );
    let output = airlock(
        work,
        &no_database,
        &[
            "--report-dir",
            "projects/web/reports",
            "projects/web",
            "projects/broken",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("lies inside the project projects/web"),
        "{}",
        stderr(&output)
    );
    assert!(!work.join("projects/web/reports").exists());
}

/// Without a database every project is reported (matching skipped, as alone) and exits 2.
#[test]
fn without_a_database_every_project_says_so() {
    let temporary = tempfile::tempdir().unwrap();
    let work = temporary.path();
    let projects = projects(work);
    let output = airlock(
        work,
        &work.join("none.sqlite3"),
        &["--report-dir", "r", "--summary", "-", &projects[2]],
    );
    assert_eq!(output.status.code(), Some(2));
    let lines = summary_lines(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(lines[0]["database"]["used"], false);
    assert_eq!(lines[0]["database"]["reason"], "missing");
    assert!(lines[0]["error"]
        .as_str()
        .unwrap()
        .contains("no advisory database"));
    let table = std::fs::read_to_string(work.join("r/web.txt")).unwrap();
    assert!(table.contains("SKIPPED"), "{table}");
}
