//! `-o PATH` never destroys anything (issue 17, item 4), written as attacks: a device node, a
//! FIFO, a socket, a symbolic link (resolved, dangling, onto a directory), a directory, `-`,
//! the mode of new files, a failing run, and an old report inside the scanned tree that must not
//! be read back as an input. Device nodes can be replaced only by root: those tests say so and
//! skip when not run as root (CI runs them as root).

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

use support::{airlock_binary, run_in, stderr, stdout};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn example() -> String {
    repository()
        .join("examples/agent-stack")
        .to_str()
        .unwrap()
        .to_owned()
}

/// Whether this test runs as root: the owner of a file it creates.
fn is_root() -> bool {
    let probe = tempfile::NamedTempFile::new().unwrap();
    probe.as_file().metadata().unwrap().uid() == 0
}

/// Runs airlock under `umask` (set by a shell that then execs airlock), as [`run_in`] does.
fn run_with_umask(directory: &Path, umask: &str, arguments: &[&str]) -> Output {
    let isolated = std::env::temp_dir().join("airlock-tests-isolated-home");
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(airlock_binary())
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("AIRLOCK_DB", isolated.join("no-database.sqlite3"))
        .env("XDG_CONFIG_HOME", isolated.join("config"))
        .env("XDG_DATA_HOME", isolated.join("data"))
        .output()
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn names_in(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn dash_is_standard_output() {
    let temporary = tempfile::tempdir().unwrap();
    let output = run_in(
        temporary.path(),
        &["sbom", &example(), "-f", "json", "-o", "-"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["format"], "airlock-report");
    assert!(
        names_in(temporary.path()).is_empty(),
        "no file named `-`: {:?}",
        names_in(temporary.path())
    );
}

#[test]
fn device_nodes_are_written_through_never_replaced() {
    if !is_root() {
        eprintln!(
            "skipped: not running as root, and only root can replace a node in /dev (the attack \
             this test guards against); CI runs it as root"
        );
        return;
    }
    let temporary = tempfile::tempdir().unwrap();
    let kind = |path: &str| std::fs::symlink_metadata(path).unwrap().file_type();

    let null_before = kind("/dev/null");
    assert!(null_before.is_char_device());
    let output = run_in(
        temporary.path(),
        &["sbom", &example(), "-f", "json", "-o", "/dev/null"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        kind("/dev/null").is_char_device(),
        "/dev/null is still a device"
    );

    // /dev/stdout is a link to /proc/self/fd/1, here a pipe to this test: the report arrives
    // there and the link stays a link.
    let stdout_before = kind("/dev/stdout");
    let output = run_in(
        temporary.path(),
        &["sbom", &example(), "-f", "json", "-o", "/dev/stdout"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["format"], "airlock-report");
    assert_eq!(
        kind("/dev/stdout"),
        stdout_before,
        "/dev/stdout is unchanged"
    );

    // A device that refuses the write is an error (exit 2) and stays a device.
    if Path::new("/dev/full").exists() {
        let output = run_in(
            temporary.path(),
            &["sbom", &example(), "-f", "json", "-o", "/dev/full"],
        );
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("cannot write /dev/full"),
            "{}",
            stderr(&output)
        );
        assert!(kind("/dev/full").is_char_device());
    }
    assert!(names_in(temporary.path()).is_empty());
}

#[test]
fn a_fifo_is_written_through() {
    let temporary = tempfile::tempdir().unwrap();
    let fifo = temporary.path().join("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo works");

    // The reader opens the FIFO and reads it to its end; a channel with a timeout keeps a
    // broken writer from hanging the test.
    let (sender, receiver) = mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let result =
            std::fs::File::open(&reader_path).and_then(|mut file| file.read_to_end(&mut bytes));
        let _ = sender.send(result.map(|_| bytes));
    });
    let output = run_in(
        temporary.path(),
        &["sbom", &example(), "-f", "json", "-o", "report.fifo"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let bytes = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the reader got the report")
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(report["format"], "airlock-report");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO is still a FIFO"
    );
    assert_eq!(names_in(temporary.path()), ["report.fifo"]);
}

#[test]
fn a_socket_is_written_through() {
    let temporary = tempfile::tempdir().unwrap();
    let socket = temporary.path().join("report.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let result = listener.accept().and_then(|(mut stream, _)| {
            let mut bytes = Vec::new();
            stream.read_to_end(&mut bytes).map(|_| bytes)
        });
        let _ = sender.send(result);
    });
    let output = run_in(
        temporary.path(),
        &["sbom", &example(), "-f", "json", "-o", "report.sock"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let bytes = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("the listener got the report")
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(report["format"], "airlock-report");
    assert!(std::fs::symlink_metadata(&socket)
        .unwrap()
        .file_type()
        .is_socket());
}

#[test]
fn a_symbolic_link_is_resolved_and_its_target_replaced_atomically() {
    let temporary = tempfile::tempdir().unwrap();
    let work = temporary.path().join("work");
    let reports = temporary.path().join("reports");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&reports).unwrap();
    let real = reports.join("latest.json");
    std::fs::write(&real, b"previous").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("../reports/latest.json", work.join("report.json")).unwrap();

    let output = run_in(
        &work,
        &["sbom", &example(), "-f", "json", "-o", "report.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let link = std::fs::symlink_metadata(work.join("report.json")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    assert_eq!(
        std::fs::read_link(work.join("report.json")).unwrap(),
        Path::new("../reports/latest.json")
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&real).unwrap()).unwrap();
    assert_eq!(report["format"], "airlock-report");
    assert_eq!(mode(&real), 0o640, "the replaced file keeps its mode");
    // The temporary file lay beside the target and was renamed onto it: nothing is left over.
    assert_eq!(names_in(&reports), ["latest.json"]);
    assert_eq!(names_in(&work), ["report.json"]);

    // A link to a device is written through, and stays a link to the device.
    std::os::unix::fs::symlink("/dev/null", work.join("null.json")).unwrap();
    let output = run_in(
        &work,
        &["sbom", &example(), "-f", "json", "-o", "null.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(std::fs::symlink_metadata(work.join("null.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[test]
fn a_dangling_link_or_a_link_to_a_directory_is_refused_naming_both_paths() {
    let temporary = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        "elsewhere/planted.json",
        temporary.path().join("report.json"),
    )
    .unwrap();
    let output = run_in(
        temporary.path(),
        &["sbom", &example(), "-f", "json", "-o", "report.json"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("report.json is a symbolic link to elsewhere/planted.json")
            && message.contains("dangling"),
        "{message}"
    );
    assert!(output.stdout.is_empty());
    assert!(!temporary.path().join("elsewhere").exists());

    std::fs::create_dir(temporary.path().join("directory")).unwrap();
    std::os::unix::fs::symlink("directory", temporary.path().join("into-directory")).unwrap();
    let output = run_in(
        temporary.path(),
        &["sbom", &example(), "-o", "into-directory"],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("into-directory is a symbolic link to the directory"),
        "{}",
        stderr(&output)
    );
    assert!(names_in(&temporary.path().join("directory")).is_empty());
}

#[test]
fn a_directory_is_an_error() {
    let temporary = tempfile::tempdir().unwrap();
    std::fs::create_dir(temporary.path().join("out")).unwrap();
    for arguments in [
        &["sbom", &example(), "-o", "out"][..],
        &["scan", &example(), "--no-vuln-db", "-o", "out"][..],
        &["diff", &example(), &example(), "-o", "out"][..],
    ] {
        let output = run_in(temporary.path(), arguments);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{arguments:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("out is a directory"),
            "{arguments:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty());
        assert!(names_in(&temporary.path().join("out")).is_empty());
    }
}

#[test]
fn new_reports_get_the_usual_mode_and_replaced_ones_keep_theirs() {
    let temporary = tempfile::tempdir().unwrap();
    for (umask, expected) in [("022", 0o644), ("002", 0o664), ("077", 0o600)] {
        let name = format!("report-{umask}.json");
        let output = run_with_umask(
            temporary.path(),
            umask,
            &["sbom", &example(), "-f", "json", "-o", &name],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            mode(&temporary.path().join(&name)),
            expected,
            "umask {umask}"
        );
    }
    // A report replaced keeps the mode it had, whatever the umask.
    let kept = temporary.path().join("kept.json");
    std::fs::write(&kept, b"previous").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o604)).unwrap();
    let output = run_with_umask(
        temporary.path(),
        "077",
        &["sbom", &example(), "-f", "json", "-o", "kept.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(mode(&kept), 0o604);

    // Key pairs: the private key owner-only, the public key an ordinary file.
    let output = run_with_umask(temporary.path(), "022", &["keygen", "release"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(mode(&temporary.path().join("release.key")), 0o600);
    assert_eq!(mode(&temporary.path().join("release.pub")), 0o644);
    let output = run_with_umask(temporary.path(), "002", &["keygen", "team"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(mode(&temporary.path().join("team.key")), 0o600);
    assert_eq!(mode(&temporary.path().join("team.pub")), 0o664);

    // Man pages written with --output-dir too.
    let output = run_with_umask(temporary.path(), "022", &["man", "--output-dir", "man"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(mode(&temporary.path().join("man/airlock.1")), 0o644);
    assert_eq!(
        mode(&temporary.path().join("man/airlock-db-export.1")),
        0o644
    );
}

#[test]
fn a_failing_run_leaves_the_previous_output_untouched() {
    let temporary = tempfile::tempdir().unwrap();
    let report = temporary.path().join("report.json");
    std::fs::write(&report, b"previous").unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(
        temporary.path().join("broken.toml"),
        b"fail-on = \"severe\"\n",
    )
    .unwrap();
    let runs: [&[&str]; 3] = [
        &["sbom", "does-not-exist", "-o", "report.json"],
        &[
            "scan",
            &example(),
            "--no-vuln-db",
            "--config",
            "broken.toml",
            "-o",
            "report.json",
        ],
        &["diff", "does-not-exist", &example(), "-o", "report.json"],
    ];
    for arguments in runs {
        let output = run_in(temporary.path(), arguments);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{arguments:?}: {}",
            stderr(&output)
        );
        assert_eq!(
            std::fs::read(&report).unwrap(),
            b"previous",
            "{arguments:?}"
        );
        assert_eq!(mode(&report), 0o644);
        assert_eq!(
            names_in(temporary.path()),
            ["broken.toml", "report.json"],
            "{arguments:?}: no stray temporary file"
        );
    }
}

/// Copies `examples/agent-stack` into `directory/tree`.
fn copy_example(directory: &Path) -> PathBuf {
    let tree = directory.join("tree");
    let copied = Command::new("cp")
        .arg("-R")
        .arg(repository().join("examples/agent-stack"))
        .arg(&tree)
        .status()
        .unwrap();
    assert!(copied.success());
    tree
}

#[test]
fn the_output_file_is_never_read_back_as_an_input() {
    let temporary = tempfile::tempdir().unwrap();
    let tree = copy_example(temporary.path());
    let write = |arguments: &[&str]| {
        let output = run_in(temporary.path(), arguments);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{arguments:?}: {}",
            stderr(&output)
        );
        output
    };

    // The first run writes a CycloneDX SBOM inside the tree it scans; the second scans the same
    // tree with that SBOM present and writes over it: the SBOM must not describe itself.
    write(&[
        "sbom",
        "tree",
        "-f",
        "cyclonedx-json",
        "-o",
        "tree/bom.json",
    ]);
    let first = std::fs::read(tree.join("bom.json")).unwrap();
    let second_run = write(&[
        "-v",
        "sbom",
        "tree",
        "-f",
        "cyclonedx-json",
        "-o",
        "tree/bom.json",
    ]);
    assert!(
        stderr(&second_run).contains("tree/bom.json: note[output-not-scanned]"),
        "{}",
        stderr(&second_run)
    );
    let second = std::fs::read(tree.join("bom.json")).unwrap();
    assert_eq!(first, second, "the old SBOM was not read as an input");

    // The same through a link to the output, and for scan's JSON report.
    std::os::unix::fs::symlink("tree/bom.json", temporary.path().join("link.json")).unwrap();
    write(&["sbom", "tree", "-f", "cyclonedx-json", "-o", "link.json"]);
    assert_eq!(std::fs::read(tree.join("bom.json")).unwrap(), first);
    let scan = run_in(
        temporary.path(),
        &[
            "scan",
            "tree",
            "--no-vuln-db",
            "-f",
            "json",
            "-o",
            "tree/bom.json",
        ],
    );
    // 1: the example holds a critical finding, above the default --fail-on.
    assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
    assert!(scan.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tree.join("bom.json")).unwrap()).unwrap();
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    assert!(!files.contains(&"tree/bom.json"), "{files:?}");

    // Control: without -o naming it, an SBOM in the tree is an input, so the exclusion above is
    // what kept it out.
    std::fs::write(tree.join("bom.json"), &first).unwrap();
    let control = write(&["sbom", "tree", "-f", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&control.stdout).unwrap();
    assert!(
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|file| file["path"] == "tree/bom.json"),
        "{}",
        stdout(&control)
    );
}

/// `-o` naming the project policy file of the scanned tree: the run replaces it, so it is not
/// read as project policy either (it used to be: an old report, or whatever was planted there,
/// steered the run that overwrites it).
#[test]
fn an_output_file_named_airlock_toml_is_not_read_as_project_policy() {
    let temporary = tempfile::tempdir().unwrap();
    let tree = copy_example(temporary.path());
    // Read as project policy, this stops the run (exit 2, naming its line).
    std::fs::write(tree.join("airlock.toml"), "fail-on = \"never\"\n").unwrap();
    let control = run_in(
        temporary.path(),
        &["scan", "tree", "--no-vuln-db", "-f", "json"],
    );
    assert_eq!(control.status.code(), Some(2), "{}", stderr(&control));
    assert!(
        stderr(&control).contains("tree/airlock.toml:1: error[policy-error]"),
        "{}",
        stderr(&control)
    );
    for command in [
        &["scan", "tree", "--no-vuln-db", "-f", "json"][..],
        &["attest", "tree", "--key", "release.key", "--no-vuln-db"],
    ] {
        if command[0] == "attest" {
            let keygen = run_in(temporary.path(), &["keygen", "release"]);
            assert_eq!(keygen.status.code(), Some(0));
        }
        std::fs::write(tree.join("airlock.toml"), "fail-on = \"never\"\n").unwrap();
        let mut arguments = vec!["-v"];
        arguments.extend_from_slice(command);
        arguments.extend_from_slice(&["-o", "tree/airlock.toml"]);
        let output = run_in(temporary.path(), &arguments);
        // 1: judged by the operator's policy alone (the example's critical pickle).
        assert_eq!(
            output.status.code(),
            Some(1),
            "{command:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("tree/airlock.toml: note[output-not-scanned]: this run writes its report here, so it is not read as project policy"),
            "{}",
            stderr(&output)
        );
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(tree.join("airlock.toml")).unwrap()).unwrap();
        if command[0] == "scan" {
            assert_eq!(written["policy"]["project_files"], serde_json::json!([]));
        } else {
            assert!(written["payload"].is_string(), "an envelope was written");
        }
    }
}

#[test]
fn db_export_writes_its_bundle_through_the_same_writer() {
    let home = db_common::Home::new();
    home.ok(&[
        "db",
        "import",
        db_common::advisory_fixtures()
            .join("corpus")
            .to_str()
            .unwrap(),
    ]);
    // A new bundle gets the usual mode (it used to be created owner-only).
    let output = home
        .command(&["db", "export", "--bundle", "new.bundle"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let bundle = std::fs::read(home.work().join("new.bundle")).unwrap();
    assert!(bundle.starts_with(b"PK"), "a zip archive");
    let umask_mode = {
        let probe = home.work().join("probe");
        std::fs::write(&probe, b"").unwrap();
        mode(&probe)
    };
    assert_eq!(mode(&home.work().join("new.bundle")), umask_mode);

    // `--bundle -` is standard output, the summary goes to stderr.
    let output = home
        .command(&["db", "export", "--bundle", "-"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(output.stdout, bundle, "the same bundle, on stdout");
    assert!(
        stderr(&output).contains("wrote standard output"),
        "{}",
        stderr(&output)
    );

    // A link is resolved; a directory is refused.
    std::fs::create_dir(home.work().join("shelf")).unwrap();
    std::fs::write(home.work().join("shelf/db.bundle"), b"previous").unwrap();
    std::os::unix::fs::symlink("shelf/db.bundle", home.work().join("link.bundle")).unwrap();
    home.ok(&["db", "export", "--bundle", "link.bundle"]);
    assert!(std::fs::symlink_metadata(home.work().join("link.bundle"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read(home.work().join("shelf/db.bundle"))
        .unwrap()
        .starts_with(b"PK"));
    assert_eq!(names_in(&home.work().join("shelf")), ["db.bundle"]);
    let output = home.run(&["db", "export", "--bundle", "shelf"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("shelf is a directory"),
        "{}",
        stderr(&output)
    );
}
