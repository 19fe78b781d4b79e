//! Secrets stay put: lockfiles that carry credentials in their index, download and git URLs
//! (`tests/fixtures/secrets/`) are scanned and turned into SBOMs in every output format, with
//! verbose diagnostics, and no credential (nor an environment variable's value) may appear in
//! anything airlock prints or writes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::process::Command;

const FORMATS: &[&str] = &[
    "table",
    "json",
    "cyclonedx-json",
    "cyclonedx-xml",
    "spdx-json",
    "spdx-tag-value",
    "sarif",
];

#[test]
fn credentials_in_lockfile_urls_are_redacted_in_every_output_format() {
    let fixtures = support::fixtures().join("secrets");
    let output_directory = tempfile::tempdir().unwrap();
    for command in ["scan", "sbom"] {
        for format in FORMATS {
            let written = output_directory.path().join(format!("{command}.{format}"));
            let mut arguments = vec![command, "."];
            if command == "scan" {
                arguments.push("--no-vuln-db");
            }
            arguments.extend(["-v", "-f", format, "-o"]);
            let output = Command::new(support::airlock_binary())
                .args(&arguments)
                .arg(&written)
                .current_dir(&fixtures)
                .env("NO_COLOR", "1")
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .env("AIRLOCK_TEST_TOKEN", "S3CRETenvironment")
                .env(
                    "PIP_INDEX_URL",
                    "https://u:S3CRETpip@pypi.private.example/simple",
                )
                .output()
                .unwrap();
            let report = std::fs::read_to_string(&written)
                .unwrap_or_else(|error| panic!("{command} -f {format}: {error}: {output:?}"));
            let everything = format!(
                "{report}{}{}",
                support::stdout(&output),
                support::stderr(&output)
            );
            assert!(
                !everything.contains("S3CRET"),
                "{command} -f {format} leaks a credential:\n{}",
                everything
                    .lines()
                    .filter(|line| line.contains("S3CRET"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            // The private sources are still reported, with the credential replaced (`sbom -f
            // sarif` carries no findings, hence no sources).
            if command == "sbom" && *format == "sarif" {
                continue;
            }
            assert!(
                report.contains("private.example"),
                "{command} -f {format} lost the private sources"
            );
            assert!(
                report.contains("***") || report.contains("%2A%2A%2A"),
                "{command} -f {format} shows no redacted URL"
            );
        }
    }
}
