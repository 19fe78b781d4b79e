//! A hostile environment: a scan tree full of symlink loops, links out of the root, FIFOs,
//! device links, very long paths and non-UTF-8 names; and a machine without network, with
//! proxy variables pointing at a closed port, where everything but `db sync` must still work.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use crate::support;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs airlock with a deadline: a hang (a FIFO opened for reading, a symlink loop followed
/// forever) fails the test instead of blocking it.
fn run_with_deadline(mut command: Command, deadline: Duration) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > deadline {
            child.kill().unwrap();
            panic!("airlock did not finish within {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn airlock(directory: &Path, arguments: &[&str]) -> Command {
    let isolated = directory.join(".isolated-home");
    let mut command = Command::new(support::airlock_binary());
    command
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("XDG_CONFIG_HOME", isolated.join("config"))
        .env("XDG_DATA_HOME", isolated.join("data"))
        // The fixture advisories are an old snapshot: no data-age limit here.
        .env("AIRLOCK_MAX_DB_AGE", "none")
        .env_remove("AIRLOCK_DB");
    command
}

const REQUIREMENTS: &str = "requests==2.31.0\n";

#[test]
fn a_hostile_tree_is_walked_without_hang_crash_or_escape() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("tree");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("requirements.txt"), REQUIREMENTS).unwrap();
    // Symlink loops: two links naming each other, and a directory link to its own parent.
    std::os::unix::fs::symlink("loop-b", root.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", root.join("loop-b")).unwrap();
    std::fs::create_dir(root.join("cycle")).unwrap();
    std::os::unix::fs::symlink("..", root.join("cycle/up")).unwrap();
    std::os::unix::fs::symlink("loop-a", root.join("Cargo.lock")).unwrap();
    // Links out of the root, to a secret file and to a device that never ends.
    std::fs::write(
        directory.path().join("outside.txt"),
        "S3CRET-outside==1.0\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("escape")).unwrap();
    std::os::unix::fs::symlink("../../outside.txt", root.join("escape/requirements.txt")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("model.safetensors")).unwrap();
    std::os::unix::fs::symlink("/", root.join("filesystem-root")).unwrap();
    // A FIFO named like a lockfile: opening it for reading would block forever.
    std::fs::create_dir(root.join("fifo")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(root.join("fifo/poetry.lock"))
        .status()
        .is_ok_and(|status| status.success());
    if !fifo {
        eprintln!("mkfifo is not available: the FIFO case is skipped");
    }
    // A non-UTF-8 directory name holding a real lockfile.
    let strange = root.join(OsStr::from_bytes(b"caf\xe9-\xff"));
    std::fs::create_dir(&strange).unwrap();
    std::fs::write(strange.join("requirements.txt"), "idna==3.6\n").unwrap();
    // A path longer than PATH_MAX (4096) in total, each component under NAME_MAX: built by a
    // shell one directory at a time, since no single system call takes the whole path.
    let segment = "d".repeat(200);
    let built = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cd tree && for i in $(seq 25); do mkdir {segment} && cd -P {segment} || exit 1; done \
             && echo certifi==2024.2.2 > requirements.txt"
        ))
        .current_dir(directory.path())
        .status()
        .unwrap();
    assert!(built.success());

    let output = run_with_deadline(
        airlock(
            directory.path(),
            &["scan", "tree", "--no-vuln-db", "-v", "-f", "json"],
        ),
        Duration::from_secs(60),
    );
    let stdout = support::stdout(&output);
    let stderr = support::stderr(&output);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        output.status.code().is_some_and(|code| code <= 2),
        "{:?}: {stderr}",
        output.status
    );
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{error}: {stdout}\n{stderr}"));
    let text = report.to_string();
    // The good files are read, wherever they are.
    assert!(text.contains("pkg:pypi/requests@2.31.0"), "{text}");
    assert!(
        text.contains("pkg:pypi/idna@3.6"),
        "non-UTF-8 directory: {text}"
    );
    // Nothing outside the root is read.
    assert!(!text.contains("S3CRET"), "{text}");
    let deep_found = text.contains("pkg:pypi/certifi@2024.2.2");
    let deep_reported = text.contains("ddddddddd") || stderr.contains("ddddddddd");
    assert!(
        deep_found || deep_reported,
        "the file under a path longer than PATH_MAX was neither read nor reported"
    );
}

/// The argv of `unshare -n` when this machine can create a network namespace.
fn without_network() -> Option<Vec<String>> {
    let usable = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|status| status.success());
    usable.then(|| vec!["unshare".to_owned(), "-n".to_owned()])
}

#[test]
fn scan_sbom_attest_verify_and_db_import_work_without_network() {
    let prefix = without_network();
    if prefix.is_none() {
        eprintln!("`unshare -n` is not available here: running with closed-port proxies only");
    }
    let directory = tempfile::tempdir().unwrap();
    let work = directory.path();
    std::fs::create_dir(work.join("project")).unwrap();
    std::fs::write(work.join("project/requirements.txt"), REQUIREMENTS).unwrap();
    let advisories: PathBuf = support::fixtures().join("advisories/corpus");
    let database = work.join("advisories.sqlite3");
    let database_arg = database.to_str().unwrap().to_owned();
    let steps: Vec<Vec<String>> = vec![
        vec!["keygen".into(), "release".into()],
        vec![
            "db".into(),
            "import".into(),
            "--db".into(),
            database_arg.clone(),
            advisories.to_str().unwrap().into(),
        ],
        vec![
            "scan".into(),
            "project".into(),
            "--db".into(),
            database_arg.clone(),
        ],
        vec![
            "sbom".into(),
            "project".into(),
            "-f".into(),
            "cyclonedx-json".into(),
        ],
        vec![
            "attest".into(),
            "project".into(),
            "--key".into(),
            "release.key".into(),
            "--db".into(),
            database_arg.clone(),
            "-o".into(),
            "project.intoto.json".into(),
        ],
        vec![
            "verify".into(),
            "project".into(),
            "--key".into(),
            "release.pub".into(),
            "--attestation".into(),
            "project.intoto.json".into(),
            "--db".into(),
            database_arg,
        ],
    ];
    for step in steps {
        let mut argv: Vec<String> = prefix.clone().unwrap_or_default();
        argv.push(support::airlock_binary().to_str().unwrap().to_owned());
        argv.extend(step.iter().cloned());
        let mut command = Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .current_dir(work)
            .env("NO_COLOR", "1")
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env("XDG_CONFIG_HOME", work.join("config"))
            .env("XDG_DATA_HOME", work.join("data"))
            .env("AIRLOCK_MAX_DB_AGE", "none")
            .env_remove("AIRLOCK_DB");
        for variable in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            // Port 9 (discard) on loopback: nothing listens there, a connection fails at once.
            command.env(variable, "http://127.0.0.1:9");
        }
        let output = run_with_deadline(command, Duration::from_secs(120));
        assert!(
            output.status.success(),
            "airlock {} failed without network: {}\n{}",
            step.join(" "),
            support::stdout(&output),
            support::stderr(&output)
        );
    }
}
