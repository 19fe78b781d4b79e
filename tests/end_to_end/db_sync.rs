//! `airlock db sync` against an HTTP server this test starts on 127.0.0.1 (no test reaches the
//! internet): a first download, a conditional request answered 304, a 404, a body cut short of
//! its Content-Length, a server that hangs past the timeout, and a retry that recovers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::db_common;
use crate::support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use db_common::{advisory_fixtures, json_entries, zip_archive, Home};
use support::stderr;

/// What the server does with one request.
#[derive(Clone)]
enum Reply {
    /// 200 with the body and an ETag; 304 when the request carries that ETag.
    Archive {
        body: Vec<u8>,
        etag: &'static str,
    },
    NotFound,
    /// Announces the whole body, sends half, closes.
    Truncated(Vec<u8>),
    /// Reads the request and says nothing for this long.
    Hang(Duration),
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    headers: Vec<(String, String)>,
}

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `replies` in order (the last one repeats), at most `limit` requests, and stops by
    /// itself after 30 s in any case.
    fn start(replies: Vec<Reply>, limit: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut served = 0;
            while served < limit && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let reply = replies[served.min(replies.len() - 1)].clone();
                        served += 1;
                        handle(stream, reply, &log);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Server {
            port,
            seen,
            thread: Some(thread),
        }
    }

    fn mirror(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Wake a server still waiting so its thread ends with the test.
        for _ in 0..64 {
            if TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                break;
            }
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn handle(mut stream: TcpStream, reply: Reply, log: &Mutex<Vec<Seen>>) {
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
    let text = String::from_utf8_lossy(&request).into_owned();
    let mut lines = text.split("\r\n");
    let path = lines
        .next()
        .unwrap_or_default()
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let if_none_match = headers
        .iter()
        .find(|(name, _)| name == "if-none-match")
        .map(|(_, value)| value.clone());
    log.lock().unwrap().push(Seen { path, headers });
    let _ = match reply {
        Reply::Archive { body, etag } => {
            if if_none_match.as_deref() == Some(etag) {
                stream.write_all(
                    format!(
                        "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
                    )
                    .as_bytes(),
                )
            } else {
                stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {}\r\nETag: {etag}\r\nLast-Modified: Wed, 01 May 2024 10:00:00 GMT\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(&body))
            }
        }
        Reply::NotFound => stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
        ),
        Reply::Truncated(body) => stream
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            )
            .and_then(|()| stream.write_all(&body[..body.len() / 2])),
        Reply::Hang(duration) => {
            std::thread::sleep(duration);
            Ok(())
        }
    };
    let _ = stream.flush();
}

/// The fixture corpus's OSV JSON records as an OSV-style `all.zip`.
fn archive_bytes(home: &Home) -> Vec<u8> {
    let path = home.directory.path().join("all.zip");
    zip_archive(&path, &json_entries(&advisory_fixtures().join("corpus")));
    std::fs::read(path).unwrap()
}

fn sync(home: &Home, server: &Server, retries: &str) -> std::process::Output {
    home.command(&["db", "sync", "--ecosystem", "crates.io"])
        .env("AIRLOCK_MIRROR", server.mirror())
        .env("AIRLOCK_SYNC_TIMEOUT", "1")
        .env("AIRLOCK_SYNC_RETRIES", retries)
        .output()
        .unwrap()
}

#[test]
fn a_first_sync_downloads_and_the_second_is_a_conditional_304() {
    let home = Home::new();
    let body = archive_bytes(&home);
    let server = Server::start(
        vec![Reply::Archive {
            body,
            etag: "\"v1\"",
        }],
        2,
    );
    let first = sync(&home, &server, "0");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let report = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(report.contains("crates.io: fetched"), "{report}");
    assert!(report.contains("11 records"), "{report}");
    let store = advisories::Store::open(&home.database()).unwrap();
    let summary = store.summary().unwrap();
    assert_eq!(summary.advisories, 11);
    let source = &summary.sources[0];
    assert_eq!(source.name, "osv:crates.io");
    assert_eq!(source.etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        source.last_modified.as_deref(),
        Some("Wed, 01 May 2024 10:00:00 GMT")
    );
    assert_eq!(source.sha256.as_deref().map(str::len), Some(64));
    drop(store);

    let second = sync(&home, &server, "0");
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("crates.io: not modified"),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/crates.io/all.zip");
    let header = |seen: &Seen, name: &str| {
        seen.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(header(&requests[0], "if-none-match"), None);
    assert_eq!(
        header(&requests[1], "if-none-match").as_deref(),
        Some("\"v1\"")
    );
    assert_eq!(
        header(&requests[1], "if-modified-since").as_deref(),
        Some("Wed, 01 May 2024 10:00:00 GMT")
    );
    assert_eq!(
        advisories::Store::open(&home.database())
            .unwrap()
            .summary()
            .unwrap()
            .advisories,
        11
    );
}

/// Seeds the database from a good server, then checks that `reply` fails the sync and leaves the
/// database byte for byte as it was.
fn failing_sync_changes_nothing(reply: Reply, expected: &str) -> Duration {
    let home = Home::new();
    let body = archive_bytes(&home);
    let good = Server::start(
        vec![Reply::Archive {
            body,
            etag: "\"v1\"",
        }],
        1,
    );
    let seeded = sync(&home, &good, "0");
    assert_eq!(seeded.status.code(), Some(0), "{}", stderr(&seeded));
    let before = std::fs::read(home.database()).unwrap();
    let bad = Server::start(vec![reply], 1);
    let started = Instant::now();
    let output = sync(&home, &bad, "0");
    let elapsed = started.elapsed();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(report.contains("crates.io: failed: "), "{report}");
    assert!(report.contains(expected), "`{expected}` in {report}");
    assert!(
        stderr(&output).contains("1 of 1 sources failed"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read(home.database()).unwrap(), before);
    elapsed
}

#[test]
fn a_404_fails_the_source_and_changes_nothing() {
    failing_sync_changes_nothing(Reply::NotFound, "/crates.io/all.zip: HTTP 404 Not Found");
}

#[test]
fn a_truncated_body_fails_the_source_and_changes_nothing() {
    let home = Home::new();
    failing_sync_changes_nothing(
        Reply::Truncated(archive_bytes(&home)),
        "crates.io/all.zip: ",
    );
}

#[test]
fn a_server_that_hangs_past_the_timeout_fails_the_source() {
    let elapsed = failing_sync_changes_nothing(Reply::Hang(Duration::from_secs(4)), "timed out");
    assert!(
        elapsed < Duration::from_secs(4),
        "gave up after {elapsed:?}"
    );
}

#[test]
fn a_retry_recovers_from_a_truncated_download() {
    let home = Home::new();
    let body = archive_bytes(&home);
    let server = Server::start(
        vec![
            Reply::Truncated(body.clone()),
            Reply::Archive {
                body,
                etag: "\"v2\"",
            },
        ],
        2,
    );
    let output = sync(&home, &server, "1");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        advisories::Store::open(&home.database())
            .unwrap()
            .summary()
            .unwrap()
            .advisories,
        11
    );
}

/// npm is not synced by default, and is when asked: `--ecosystem npm` fetches `npm/all.zip`,
/// whose records then match the example's pinned MCP server package.
#[test]
fn npm_advisories_are_synced_when_asked_and_match_mcp_server_packages() {
    let home = Home::new();
    let path = home.directory.path().join("npm.zip");
    let npm_records = advisory_fixtures().parent().unwrap().join("mcp/advisories");
    zip_archive(&path, &json_entries(&npm_records));
    let server = Server::start(
        vec![Reply::Archive {
            body: std::fs::read(&path).unwrap(),
            etag: "\"npm1\"",
        }],
        1,
    );
    let output = home
        .command(&["db", "sync", "--ecosystem", "npm"])
        .env("AIRLOCK_MIRROR", server.mirror())
        .env("AIRLOCK_SYNC_TIMEOUT", "5")
        .env("AIRLOCK_SYNC_RETRIES", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/npm/all.zip");
    assert_eq!(
        advisories::config::DEFAULT_ECOSYSTEMS,
        ["PyPI", "crates.io"],
        "npm stays opt-in"
    );
    let example = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples/agent-stack");
    let scan = home.run(&["scan", example.to_str().unwrap(), "-f", "json"]);
    // The example's malicious pickle fails the default --fail-on (high).
    assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
    let report: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "known-vulnerability")
        .unwrap();
    assert_eq!(finding["advisory"]["id"], "GHSA-6xpm-ggf7-wc3p");
    assert_eq!(finding["component"], "pkg:npm/mcp-remote@0.1.15");
}

/// The corpus archive plus one record that does not parse.
fn broken_archive_bytes(home: &Home) -> Vec<u8> {
    let mut entries = json_entries(&advisory_fixtures().join("corpus"));
    entries.push((
        "truncated.json".to_owned(),
        std::fs::read(advisory_fixtures().join("broken/truncated.json")).unwrap(),
    ));
    let path = home.directory.path().join("broken.zip");
    zip_archive(&path, &entries);
    std::fs::read(path).unwrap()
}

/// A record airlock cannot read is never a silent gap: its whole archive is refused and the
/// ecosystem keeps its previous data.
#[test]
fn an_archive_with_an_unreadable_record_fails_its_source_whole() {
    let home = Home::new();
    failing_sync_changes_nothing(
        Reply::Archive {
            body: broken_archive_bytes(&home),
            etag: "\"v2\"",
        },
        "all.zip!truncated.json:11:454: EOF while parsing a string",
    );
}

/// One bad archive fails its own source only: the others are imported, and the sync time is
/// recorded for the data that did come in.
#[test]
fn a_bad_archive_does_not_hold_back_the_other_ecosystems() {
    let home = Home::new();
    let good = archive_bytes(&home);
    let bad = broken_archive_bytes(&home);
    let server = Server::start(
        vec![
            Reply::Archive {
                body: good,
                etag: "\"good\"",
            },
            Reply::Archive {
                body: bad,
                etag: "\"bad\"",
            },
        ],
        2,
    );
    let output = home
        .command(&[
            "db",
            "sync",
            "--ecosystem",
            "PyPI",
            "--ecosystem",
            "crates.io",
        ])
        .env("AIRLOCK_MIRROR", server.mirror())
        .env("AIRLOCK_SYNC_TIMEOUT", "1")
        .env("AIRLOCK_SYNC_RETRIES", "0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(report.contains("PyPI: fetched"), "{report}");
    assert!(
        report.contains("crates.io: failed: the archive is not a complete advisory set"),
        "{report}"
    );
    let summary = advisories::Store::open(&home.database())
        .unwrap()
        .summary()
        .unwrap();
    assert_eq!(summary.advisories, 11);
    let names: Vec<&str> = summary
        .sources
        .iter()
        .map(|source| source.name.as_str())
        .collect();
    assert_eq!(names, ["osv:PyPI"], "the failed source left no watermark");
    assert!(summary.synced_at.is_some());
}
