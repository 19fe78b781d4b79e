//! `docs/air-gap.md` is run, so that it cannot drift from what airlock does: every command of
//! its shell blocks, in order, on the machine its block names (```` ```sh connected ```` or
//! ```` ```sh isolated ````), each machine a directory of its own with its own home, user
//! configuration and default database; the `toml` blocks that name a file
//! (```` ```toml isolated airlock.toml ````) are written there. A command must exit with the
//! code its `# exits N` comment states, else 0.
//!
//! What the page cannot do offline is provided as it would be at a real site: `db sync` reaches
//! a mirror this test serves on 127.0.0.1 (`AIRLOCK_MIRROR` on the connected machine) with the
//! intake advisories (`tests/fixtures/intake`) dated yesterday, so the default data-age limit
//! applies; `/media/usb` is a directory of the test; `airlock` is the binary under test, found
//! first on `PATH`. The project on the connected machine is `tests/fixtures/intake/agent`.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

/// One thing the page asks for, in order.
#[derive(Debug)]
enum Step {
    /// A shell command on a machine, and the exit code the page states for it.
    Run {
        machine: String,
        command: String,
        exit: i32,
        line: usize,
    },
    /// A file the page shows, written on a machine.
    Write {
        machine: String,
        file: String,
        text: String,
    },
}

/// The exit code a `# exits N` comment states, else 0.
fn stated_exit(command: &str) -> i32 {
    command
        .split_once("# exits ")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(0)
}

/// The steps of a page: every fenced `sh` block names its machine; every fenced `toml` block
/// that names a machine and a file is written there.
fn steps(page: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut block: Option<(String, Vec<String>, usize)> = None;
    for (index, line) in page.lines().enumerate() {
        let number = index + 1;
        if let Some(info) = line.strip_prefix("```") {
            match block.take() {
                None => block = Some((info.trim().to_owned(), Vec::new(), number)),
                Some((info, lines, start)) => {
                    let words: Vec<&str> = info.split_whitespace().collect();
                    match words.as_slice() {
                        ["sh" | "shell" | "bash" | "console", rest @ ..] => {
                            let [machine] = rest else {
                                panic!(
                                    "docs/air-gap.md:{start}: a shell block must name its machine (```sh connected or ```sh isolated)"
                                );
                            };
                            for (offset, command) in lines.iter().enumerate() {
                                let command = command.trim();
                                if command.is_empty() || command.starts_with('#') {
                                    continue;
                                }
                                assert!(
                                    !command.ends_with('\\'),
                                    "docs/air-gap.md:{}: one command per line",
                                    start + 1 + offset
                                );
                                steps.push(Step::Run {
                                    machine: (*machine).to_owned(),
                                    command: command.to_owned(),
                                    exit: stated_exit(command),
                                    line: start + 1 + offset,
                                });
                            }
                        }
                        ["toml", machine, file] => steps.push(Step::Write {
                            machine: (*machine).to_owned(),
                            file: (*file).to_owned(),
                            text: lines.join("\n") + "\n",
                        }),
                        _ => {}
                    }
                }
            }
        } else if let Some((_, lines, _)) = &mut block {
            lines.push(line.to_owned());
        }
    }
    assert!(block.is_none(), "docs/air-gap.md: a fence is not closed");
    steps
}

/// A mirror of OSV's bucket: `GET /{ecosystem}/all.zip` from `archives`, 404 otherwise.
struct Mirror {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Mirror {
    fn start(archives: BTreeMap<String, Vec<u8>>) -> Mirror {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            while !stopping.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, &archives),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Mirror {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(mut stream: TcpStream, archives: &BTreeMap<String, Vec<u8>>) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(read) => request.extend_from_slice(&buffer[..read]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text.split(' ').nth(1).unwrap_or_default();
    let _ = match archives.get(path) {
        Some(body) => stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|()| stream.write_all(body)),
        None => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        ),
    };
    let _ = stream.flush();
}

/// An OSV `all.zip` of `records`, each JSON record's `modified` set to `modified`.
fn archive(directory: &Path, name: &str, records: &[Value], modified: &str) -> Vec<u8> {
    let entries: Vec<(String, Vec<u8>)> = records
        .iter()
        .map(|record| {
            let mut record = record.clone();
            record["modified"] = Value::String(modified.to_owned());
            (
                format!("{}.json", record["id"].as_str().unwrap()),
                serde_json::to_vec_pretty(&record).unwrap(),
            )
        })
        .collect();
    let path = directory.join(name);
    db_common::zip_archive(&path, &entries);
    std::fs::read(path).unwrap()
}

/// The archives the mirror serves: the intake advisories (PyPI) and one crates.io record, all
/// modified yesterday.
fn archives(directory: &Path) -> BTreeMap<String, Vec<u8>> {
    let yesterday = db_common::seconds_ago(86_400);
    let mut pypi = Vec::new();
    for entry in std::fs::read_dir(support::fixtures().join("intake/advisories")).unwrap() {
        let path = entry.unwrap().path();
        pypi.push(serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap());
    }
    pypi.sort_by_key(|record: &Value| record["id"].as_str().unwrap().to_owned());
    let crates: Value =
        serde_json::from_slice(&db_common::generated_record(1)).expect("a generated record");
    BTreeMap::from([
        (
            "/PyPI/all.zip".to_owned(),
            archive(directory, "pypi.zip", &pypi, &yesterday),
        ),
        (
            "/crates.io/all.zip".to_owned(),
            archive(directory, "crates.zip", &[crates], &yesterday),
        ),
    ])
}

#[test]
fn the_air_gap_walkthrough_runs_as_written() {
    let page = std::fs::read_to_string(support::repository().join("docs/air-gap.md")).unwrap();
    let steps = steps(&page);
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(support::airlock_binary(), bin.join("airlock")).unwrap();
    let media = root.join("media/usb");
    std::fs::create_dir_all(&media).unwrap();
    let machines: BTreeMap<&str, PathBuf> = ["connected", "isolated"]
        .into_iter()
        .map(|name| (name, root.join(name)))
        .collect();
    for (name, directory) in &machines {
        std::fs::create_dir_all(directory).unwrap();
        std::fs::create_dir_all(root.join("homes").join(name)).unwrap();
    }
    support::copy_tree(
        &support::fixtures().join("intake/agent"),
        &machines["connected"].join("agent"),
    );
    let mirror = Mirror::start(archives(root));
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let mut ran = BTreeMap::<&str, usize>::new();
    let mut outputs = Vec::new();
    for step in &steps {
        match step {
            Step::Write {
                machine,
                file,
                text,
            } => {
                let directory = machines
                    .get(machine.as_str())
                    .unwrap_or_else(|| panic!("docs/air-gap.md: no machine `{machine}`"));
                std::fs::write(directory.join(file), text).unwrap();
            }
            Step::Run {
                machine,
                command,
                exit,
                line,
            } => {
                let directory = machines
                    .get(machine.as_str())
                    .unwrap_or_else(|| panic!("docs/air-gap.md:{line}: no machine `{machine}`"));
                let home = root.join("homes").join(machine);
                let script = command.replace("/media/usb", media.to_str().unwrap());
                let mut shell = Command::new("sh");
                shell
                    .arg("-c")
                    .arg(&script)
                    .current_dir(directory)
                    .env("PATH", &path)
                    .env("HOME", &home)
                    .env("XDG_CONFIG_HOME", home.join(".config"))
                    .env("XDG_DATA_HOME", home.join(".local/share"))
                    .env("NO_COLOR", "1")
                    .env_remove("AIRLOCK_DB")
                    .env_remove("AIRLOCK_MAX_DB_AGE")
                    .env_remove("AIRLOCK_MIRROR")
                    .env_remove("AIRLOCK_SYNC_TIMEOUT")
                    .env_remove("AIRLOCK_SYNC_RETRIES")
                    .env_remove("SOURCE_DATE_EPOCH");
                if machine == "connected" {
                    shell.env("AIRLOCK_MIRROR", mirror.url());
                }
                let output = shell.output().unwrap();
                assert_eq!(
                    output.status.code(),
                    Some(*exit),
                    "docs/air-gap.md:{line} ({machine}): `{command}`\nstdout:\n{}\nstderr:\n{}",
                    support::stdout(&output),
                    support::stderr(&output)
                );
                *ran.entry(machine.as_str()).or_default() += 1;
                outputs.push((command.clone(), output));
            }
        }
    }
    assert!(
        ran.get("connected").is_some_and(|count| *count >= 5)
            && ran.get("isolated").is_some_and(|count| *count >= 5),
        "the page walks both machines: {ran:?}"
    );

    // What the page says the failing commands show, they show.
    let said = |needle: &str, command: &str| {
        let matching: Vec<_> = outputs
            .iter()
            .filter(|(line, _)| line.contains(command))
            .collect();
        assert!(
            !matching.is_empty(),
            "no command of the page is `{command}`"
        );
        for (line, output) in matching {
            let all = format!("{}{}", support::stdout(output), support::stderr(output));
            assert!(
                all.contains(needle),
                "`{line}` does not show `{needle}`:\n{all}"
            );
        }
    };
    said("is not the pinned key", "db import advisories.bundle --key");
    said(
        "TEST-2019-JINJA2-SANDBOX",
        "airlock scan agent --fail-on high   ",
    );
    said(
        "verification FAILED: findings, recorded",
        "agent-1.5.0.intoto.json --key",
    );
    said(
        "agent 1.5.0 > jinja2 2.10",
        "airlock diff accepted incoming --fail-on high",
    );
    said(
        "verification FAILED: subjects, findings",
        "agent-1.4.0.intoto.json --key keys/review.pub incoming ",
    );
    said("dangerous-pickle-import", "--allow-extra-files incoming");
    let diff: Value = serde_json::from_slice(
        &std::fs::read(machines["isolated"].join("intake-diff.json")).unwrap(),
    )
    .unwrap();
    let advisories: Vec<&str> = diff["findings_introduced"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| finding["advisory"].as_str())
        .collect();
    assert_eq!(
        advisories,
        ["TEST-2019-JINJA2-SANDBOX", "TEST-2024-JINJA2-FORMAT"]
    );
    assert_eq!(diff["advisory_database"]["stale"], false);
}
