//! `airlock verify --lock LOCKFILE DIR`, end to end, on the folders of
//! `tests/fixtures/lock-verify/` (built offline by `scripts/make-lock-verify-fixtures.py`): a
//! wheelhouse against a requirements file with `--hash` and against a `pylock.toml`, and real
//! crates from crates.io (as `.crate` files and as a `cargo vendor` directory) against a
//! `Cargo.lock`. Each passes exactly; removing one artifact, adding one and replacing one with
//! another version each fail with exit 1 and the line that names it; a vendored file changed
//! after vendoring fails too; bad input is exit 2.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support;

fn fixture(part: &str) -> PathBuf {
    support::fixtures().join("lock-verify").join(part)
}

/// A copy of `fixture(part)/folder` as `DIR/folder`, with the lock and spare artifacts beside.
fn copy(part: &str) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    support::copy_tree(&fixture(part), directory.path());
    directory
}

/// Runs `verify --lock LOCK FOLDER -f json` in `directory`: exit code, report, stderr.
fn verify(directory: &Path, lock: &str, folder: &str) -> (Option<i32>, Value, String) {
    let output = support::run_in(directory, &["verify", "--lock", lock, folder, "-f", "json"]);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code(), report, support::stderr(&output))
}

/// The (status, package, file name) of each line of a report.
fn lines(report: &Value) -> Vec<(String, String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            let file = line["file"].as_str().unwrap_or_default();
            (
                line["status"].as_str().unwrap().to_owned(),
                line["package"].as_str().unwrap_or_default().to_owned(),
                file.rsplit('/').next().unwrap().to_owned(),
            )
        })
        .collect()
}

fn line(status: &str, package: &str, file: &str) -> (String, String, String) {
    (status.to_owned(), package.to_owned(), file.to_owned())
}

/// The three mutations of the Must show, on the folder `folder` of a copy of `part`, each
/// checked against `lock`: `(removed, added, replaced_from, replaced_to)` name the files.
fn mutations(part: &str, lock: &str, folder: &str, files: [&str; 4], expected: [(&str, &str); 3]) {
    let [removed, added, replaced, replacement] = files;
    let [(removed_package, _), (added_package, _), (wrong_package, locked_version)] = expected;

    let directory = copy(part);
    let (code, report, stderr) = verify(directory.path(), lock, folder);
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    assert_eq!(report["passed"], true);
    assert!(lines(&report).is_empty(), "{report:#}");

    std::fs::remove_file(directory.path().join(folder).join(removed)).unwrap();
    let (code, report, _) = verify(directory.path(), lock, folder);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(lines(&report), [line("missing", removed_package, "")]);
    let detail = report["problems"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("is locked, and no file here has its hash"),
        "{detail}"
    );

    let directory = copy(part);
    std::fs::copy(
        directory.path().join("spare").join(added),
        directory.path().join(folder).join(added),
    )
    .unwrap();
    let (code, report, _) = verify(directory.path(), lock, folder);
    assert_eq!(code, Some(1));
    assert_eq!(lines(&report), [line("unlocked", added_package, added)]);
    assert!(report["problems"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("which the lock does not list"));

    let directory = copy(part);
    std::fs::remove_file(directory.path().join(folder).join(replaced)).unwrap();
    std::fs::copy(
        directory.path().join("spare").join(replacement),
        directory.path().join(folder).join(replacement),
    )
    .unwrap();
    let (code, report, _) = verify(directory.path(), lock, folder);
    assert_eq!(code, Some(1));
    assert_eq!(
        lines(&report),
        [line("wrong-version", wrong_package, replacement)]
    );
    let detail = report["problems"][0]["detail"].as_str().unwrap();
    assert!(
        detail.ends_with(&format!("the lock pins {locked_version}")),
        "{detail}"
    );
}

#[test]
fn a_wheelhouse_satisfies_its_requirements_with_hashes_and_each_mutation_fails() {
    mutations(
        "python",
        "requirements.txt",
        "wheelhouse",
        [
            "gamma-0.3-py3-none-any.whl",
            "delta-1.0-py3-none-any.whl",
            "beta-2.0-py3-none-any.whl",
            "beta-2.1-py3-none-any.whl",
        ],
        [
            ("gamma 0.3", ""),
            ("delta 1.0", ""),
            ("beta 2.1", "beta 2.0"),
        ],
    );
}

#[test]
fn a_wheelhouse_satisfies_its_pylock_and_each_mutation_fails() {
    mutations(
        "python",
        "pylock.toml",
        "wheelhouse",
        [
            "alpha-1.0-py3-none-any.whl",
            "delta-1.0-py3-none-any.whl",
            "beta-2.0-py3-none-any.whl",
            "beta-2.1-py3-none-any.whl",
        ],
        [
            ("alpha 1.0", ""),
            ("delta 1.0", ""),
            ("beta 2.1", "beta 2.0"),
        ],
    );
}

#[test]
fn crate_files_satisfy_their_cargo_lock_and_each_mutation_fails() {
    mutations(
        "cargo",
        "Cargo.lock",
        "crates",
        [
            "crunchy-0.2.4.crate",
            "strum-0.24.1.crate",
            "heck-0.5.0.crate",
            "heck-0.4.1.crate",
        ],
        [
            ("crunchy 0.2.4", ""),
            ("strum 0.24.1", ""),
            ("heck 0.4.1", "heck 0.5.0"),
        ],
    );
}

#[test]
fn a_vendor_directory_satisfies_its_cargo_lock_and_a_changed_file_fails() {
    let directory = copy("cargo");
    let (code, report, stderr) = verify(directory.path(), "Cargo.lock", "vendor");
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    assert_eq!(report["counts"]["matching"], 3);

    // A vendored crate removed is missing; a file patched after vendoring is modified.
    std::fs::remove_dir_all(directory.path().join("vendor/try-lock")).unwrap();
    let source = directory.path().join("vendor/heck/src/lib.rs");
    let mut text = std::fs::read_to_string(&source).unwrap();
    text.push_str("\n// patched\n");
    std::fs::write(&source, text).unwrap();
    std::fs::write(
        directory.path().join("vendor/heck/build.rs"),
        "fn main() {}\n",
    )
    .unwrap();
    let (code, report, _) = verify(directory.path(), "Cargo.lock", "vendor");
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(
        lines(&report),
        [
            line("missing", "try-lock 0.2.5", ""),
            line("modified", "heck 0.5.0", "build.rs"),
            line("modified", "heck 0.5.0", "lib.rs"),
        ]
    );
    assert!(report["problems"][1]["detail"]
        .as_str()
        .unwrap()
        .contains("not listed in its .cargo-checksum.json"));
}

#[test]
fn the_table_names_each_line_and_anything_unreadable_is_unrecognized() {
    let directory = copy("python");
    std::fs::write(directory.path().join("wheelhouse/notes.txt"), "hi\n").unwrap();
    std::fs::write(
        directory
            .path()
            .join("wheelhouse/broken-1.0-py3-none-any.whl"),
        "PK",
    )
    .unwrap();
    let output = support::run_in(
        directory.path(),
        &["verify", "--lock", "requirements.txt", "wheelhouse"],
    );
    assert_eq!(output.status.code(), Some(1));
    let table = support::stdout(&output);
    assert!(table.contains("unrecognized"), "{table}");
    assert!(table.contains("notes.txt"), "{table}");
    assert!(table.contains("broken-1.0-py3-none-any.whl"), "{table}");
    assert!(
        table.contains("verification FAILED: 2 unrecognized"),
        "{table}"
    );
}

#[test]
fn a_vendor_directory_scans_as_crates_io_packages_only() {
    let output = support::run_in(&fixture("cargo"), &["sbom", "vendor", "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut purls: Vec<String> = report["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|component| component["purl"].as_str().unwrap_or_default().to_owned())
        .collect();
    purls.sort();
    assert_eq!(
        purls,
        [
            "pkg:cargo/crunchy@0.2.4",
            "pkg:cargo/heck@0.5.0",
            "pkg:cargo/try-lock@0.2.5"
        ],
        "the packaged Cargo.toml files are not local projects too"
    );
}

#[test]
fn bad_input_is_exit_2() {
    let directory = copy("python");
    // A lock whose format cannot be told from its name.
    std::fs::copy(
        directory.path().join("requirements.txt"),
        directory.path().join("locked.lst"),
    )
    .unwrap();
    let (code, _, stderr) = verify(directory.path(), "locked.lst", "wheelhouse");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot tell the lock's format"), "{stderr}");
    // A lock that does not parse.
    std::fs::write(directory.path().join("uv.lock"), "version = [\n").unwrap();
    let (code, _, stderr) = verify(directory.path(), "uv.lock", "wheelhouse");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("uv.lock"), "{stderr}");
    // A folder that is not there.
    let (code, _, stderr) = verify(directory.path(), "requirements.txt", "nowhere");
    assert_eq!(code, Some(2), "{stderr}");
    // --key is still required without --lock.
    let output = support::run_in(
        directory.path(),
        &["verify", "--attestation", "x", "wheelhouse"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("--key"));
}

#[test]
fn a_wheelhouse_scans_as_packages_with_edges_and_a_tampered_wheel_is_a_finding() {
    let directory = copy("python");
    let output = support::run_in(
        directory.path(),
        &[
            "scan",
            "wheelhouse",
            "-f",
            "json",
            "--no-vuln-db",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        support::stderr(&output)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = report.to_string();
    assert!(text.contains("pkg:pypi/alpha@1.0"), "{text}");
    assert!(!text.contains("artifact-file-modified"), "{text}");
    // `Requires-Dist: beta>=2` of alpha resolves among the wheels of the directory.
    let edges: Vec<(&str, &str)> = report["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| (edge["from"].as_str().unwrap(), edge["to"].as_str().unwrap()))
        .collect();
    assert_eq!(edges, [("pkg:pypi/alpha@1.0", "pkg:pypi/beta@2.0")]);

    // A wheel whose entry was changed after its RECORD was written.
    let path = directory
        .path()
        .join("wheelhouse/gamma-0.3-py3-none-any.whl");
    let bytes = std::fs::read(&path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
        if name == "gamma/__init__.py" {
            content = b"__version__ = \"0.4\"\n".to_vec();
        }
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut writer, &content).unwrap();
    }
    std::fs::write(&path, writer.finish().unwrap().into_inner()).unwrap();
    let output = support::run_in(
        directory.path(),
        &[
            "scan",
            "wheelhouse",
            "-f",
            "json",
            "--no-vuln-db",
            "--fail-on",
            "high",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        support::stderr(&output)
    );
    let text = support::stdout(&output);
    assert!(text.contains("artifact-file-modified"), "{text}");
    assert!(text.contains("gamma/__init__.py"), "{text}");
}

#[test]
fn a_wheelhouse_satisfies_its_uv_lock_and_each_mutation_fails() {
    mutations(
        "python",
        "uv.lock",
        "wheelhouse",
        [
            "beta-2.0-py3-none-any.whl",
            "delta-1.0-py3-none-any.whl",
            "beta-2.0-py3-none-any.whl",
            "beta-2.1-py3-none-any.whl",
        ],
        [
            ("beta 2.0", ""),
            ("delta 1.0", ""),
            ("beta 2.1", "beta 2.0"),
        ],
    );
}

#[test]
fn every_python_lock_format_is_read_for_its_hashes() {
    for lock in [
        "requirements.txt",
        "uv.lock",
        "poetry.lock",
        "pdm.lock",
        "Pipfile.lock",
        "pylock.toml",
    ] {
        let directory = copy("python");
        let (code, report, stderr) = verify(directory.path(), lock, "wheelhouse");
        assert_eq!(code, Some(0), "{lock}: {report:#}\n{stderr}");
        assert_eq!(report["counts"]["locked"], 3, "{lock}");
        assert_eq!(report["counts"]["satisfied"], 3, "{lock}");
        // A wheel of a locked version with another hash (rebuilt) is a mismatch in every format.
        let wheel = directory
            .path()
            .join("wheelhouse/gamma-0.3-py3-none-any.whl");
        let mut bytes = std::fs::read(&wheel).unwrap();
        bytes.extend_from_slice(b"trailing");
        std::fs::write(&wheel, bytes).unwrap();
        let (code, report, _) = verify(directory.path(), lock, "wheelhouse");
        assert_eq!(code, Some(1), "{lock}: {report:#}");
        assert_eq!(
            lines(&report),
            [line(
                "hash-mismatch",
                "gamma 0.3",
                "gamma-0.3-py3-none-any.whl"
            )],
            "{lock}"
        );
    }
}
