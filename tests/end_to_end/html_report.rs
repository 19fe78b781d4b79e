//! The HTML report in a real browser: headless Chromium (Debian's `chromium` package, which
//! `.ci/run` installs) opens the generated file with every network path closed, runs its
//! script, and the test reads the DOM it built: the findings, the dependency tree and the model
//! cards must be there, and hostile names and model card text must show up as text, never as
//! markup. A screenshot of the example's report is kept under the target directory
//! (`$CARGO_TARGET_TMPDIR/html-report/report.png`).
//!
//! A missing browser fails the test, with what to do, unless `AIRLOCK_SKIP_BROWSER_TESTS` says
//! why none can be had: `.ci/run` sets it only when installing chromium failed, and prints the
//! reason in the CI log.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{run_in, stderr};

/// Chromium, from `AIRLOCK_CHROMIUM` or the PATH; `None` (with the skip reason) when the
/// environment says no browser can be installed here.
fn chromium() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("AIRLOCK_CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .flat_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(move |directory| directory.join(name))
                .collect::<Vec<_>>()
        })
        .find(|candidate| candidate.is_file());
    if let Some(found) = found {
        return Ok(found);
    }
    match std::env::var("AIRLOCK_SKIP_BROWSER_TESTS") {
        Ok(reason) if !reason.trim().is_empty() => Err(reason),
        _ => panic!(
            "the HTML report test needs headless Chromium and none is installed: \
             `apt-get install -y chromium` (Debian; .ci/run does this), or point \
             AIRLOCK_CHROMIUM at a Chromium binary. Only where no browser can be installed, \
             set AIRLOCK_SKIP_BROWSER_TESTS to the reason to skip this test."
        ),
    }
}

/// Runs Chromium headless on `page` with the network closed; returns stdout.
fn browse(browser: &Path, page: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-domain-reliability",
            "--metrics-recording-only",
            "--hide-scrollbars",
            // No network: every host name fails to resolve and any proxy use goes nowhere.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("chromium starts");
    // Drain both pipes while waiting: a DOM larger than a pipe's buffer would block chromium.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 180 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = stdout.join().unwrap();
    let stderr = stderr.join().unwrap();
    assert!(
        status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&stderr)
    );
    String::from_utf8_lossy(&stdout).into_owned()
}

fn dom(browser: &Path, page: &Path) -> String {
    browse(browser, page, &["--dump-dom".to_owned()])
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Where artifacts go: under the target directory.
fn artifacts() -> PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

#[test]
fn the_example_report_renders_findings_tree_and_models_in_chromium() {
    let browser = match chromium() {
        Ok(browser) => browser,
        Err(reason) => {
            eprintln!("SKIPPED: the HTML report browser test: {reason}");
            return;
        }
    };
    let directory = artifacts();
    let page = directory.join("report.html");
    let _ = std::fs::remove_file(&page);
    let output = run_in(
        &repository(),
        &[
            "scan",
            "examples/agent-stack",
            "--advisories",
            "examples/agent-stack/advisories",
            "-f",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    // 0, or 1 where a default policy fails on the example's critical pickle; never an error.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr(&output)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    for external in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(
            !html.contains(external),
            "the page must load nothing: {external}"
        );
    }

    let dom = dom(&browser, &page);
    assert!(dom.contains("data-ready=\"true\""), "the script ran: {dom}");
    // Findings: one row per finding, the example's advisories among them.
    let rows = dom.matches("<tr class=\"finding\"").count();
    assert_eq!(rows, 13, "{dom}");
    for expected in [
        "PYSEC-2023-74",
        "RUSTSEC-2024-0421",
        "dangerous-pickle-import",
        "2.31.0",
        "Showing 13 of 13 findings",
        "research-agent › requests › idna",
        // The database line: the data's own date, and the limit (off in the tests).
        "newest record 2025-10-28T06:02:18Z",
        "no age limit (--max-db-age none)",
    ] {
        assert!(dom.contains(expected), "{expected} missing from the DOM");
    }
    // The tree: the roots drawn open, their children drawn, introduced-through paths shown.
    assert!(dom.contains("id=\"tree-root\""));
    assert!(
        dom.contains("<details data-ref=\"pkg:pypi/requests@2.30.0\""),
        "requests is a node with children (idna, urllib3, ...)"
    );
    assert!(dom.contains("introduced through research-agent › requests"));
    assert!(dom.contains("introduced through web-fetch › url"));
    let drawn: usize = dom
        .split("id=\"tree-root\"")
        .nth(1)
        .and_then(|rest| rest.split("data-rendered=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .and_then(|count| count.parse().ok())
        .unwrap();
    assert!(drawn >= 20, "tree nodes drawn: {drawn}");
    // Model cards with verdicts.
    assert_eq!(dom.matches("<article class=\"card\"").count(), 3, "{dom}");
    assert!(dom.contains("pickle: imports posix.system (called)"));
    assert!(dom.contains("sentence-transformers/all-MiniLM-L6-v2 (finetune)"));

    // The screenshot, kept as an artifact (docs/images/html-report.png is a copy of one).
    let screenshot = directory.join("report.png");
    let _ = std::fs::remove_file(&screenshot);
    browse(
        &browser,
        &page,
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2600".to_owned(),
        ],
    );
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(png.len() > 50_000, "a page with content, not a blank one");
}

/// A model folder whose names and card text try to inject markup and script.
fn hostile_project(root: &Path) {
    let model = root.join("models").join("<svg onload=alert(1)>");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(
        model.join("README.md"),
        "---\n\
         license: other\n\
         license_name: \"</script><script>document.body.setAttribute('data-pwned','license')</script>\"\n\
         pipeline_tag: \"<img src=x onerror=document.body.setAttribute('data-pwned','task')>\"\n\
         ---\n\
         # card\n\
         \n\
         ## Limitations\n\
         \n\
         </script><script>document.body.setAttribute('data-pwned','card')</script> <!-- &amp; \u{2028} {{DATA}}\n",
    )
    .unwrap();
    std::fs::copy(
        repository().join("examples/agent-stack/models/legacy-classifier/pytorch_model.bin"),
        model.join("<img src=x onerror=document.body.setAttribute('data-pwned','file')>.pkl"),
    )
    .unwrap();
}

#[test]
fn hostile_names_and_card_text_stay_text_in_chromium() {
    let browser = match chromium() {
        Ok(browser) => browser,
        Err(reason) => {
            eprintln!("SKIPPED: the HTML report browser test: {reason}");
            return;
        }
    };
    let project = tempfile::tempdir().unwrap();
    hostile_project(project.path());
    let page = artifacts().join("hostile.html");
    let output = run_in(
        project.path(),
        &[
            "scan",
            "models",
            "--no-vuln-db",
            "-f",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        stderr(&output)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.to_lowercase().matches("</script>").count(),
        3,
        "only the page's own script elements close"
    );
    let dom = dom(&browser, &page);
    assert!(dom.contains("data-ready=\"true\""), "the script ran: {dom}");
    assert!(!dom.contains("data-pwned=\""), "injected script ran: {dom}");
    assert!(!dom.contains("<img"), "injected markup became an element");
    assert!(!dom.contains("<svg"), "injected markup became an element");
    // The hostile text is there, as text.
    assert!(dom.contains("&lt;svg onload=alert(1)&gt;"), "{dom}");
    assert!(
        dom.contains(
            "&lt;/script&gt;&lt;script&gt;document.body.setAttribute('data-pwned','card')"
        ),
        "{dom}"
    );
    assert!(
        dom.contains("{{DATA}}"),
        "placeholders in data stay as written"
    );
    assert!(dom.contains("<title>airlock scan: models</title>"));
    assert!(
        dom.contains("id=\"vulnerabilities-skipped\""),
        "the page says vulnerabilities were not matched"
    );
}
