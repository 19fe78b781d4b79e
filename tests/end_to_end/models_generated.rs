//! The generated model fixtures of issue 21 (`scripts/make-model-fixtures.py` writes them into
//! `tests/fixtures/models-generated/`): every folder gets its expected verdict from one table,
//! and a scan of all of them by the real binary never makes a payload's canary appear.
//!
//! A row marked `pending` names a technique airlock does not catch yet: the test asserts that
//! the verdict still differs from the expected one, so the row fails (and must be moved to the
//! done side) the day the technique is caught, and the gap stays visible until then.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use scanner_core::risk::{analyze_with, RiskOptions, RuleId};
use scanner_core::scan::{scan, ScanOptions};
use support::{command_in, stderr, stdout};

fn generated() -> PathBuf {
    support::fixtures().join("models-generated")
}

/// One folder of the generated set and what airlock must say about it.
struct Case {
    folder: &'static str,
    /// `[models] allowed-pickle-imports` for the scan.
    allowed: &'static [&'static str],
    /// `[models] profiles` for the scan.
    profiles: &'static [&'static str],
    /// (rule, severity) of every finding but `missing-model-provenance`, sorted.
    expected: &'static [(&'static str, &'static str)],
    /// The Deliver item of issue 21 that will catch it, while it is not caught.
    pending: Option<&'static str>,
}

const NONE: &[&str] = &[];
const WIDE: &[&str] = &["torch.*", "numpy.*"];
const ML: &[&str] = &["scikit-learn", "xgboost", "lightgbm", "joblib", "numpy"];
const DANGEROUS: &[(&str, &str)] = &[("dangerous-pickle-import", "critical")];
const LOW: &[(&str, &str)] = &[("unsafe-serialization", "low")];
const CLEAN: &[(&str, &str)] = &[];
const INCOMPLETE: &[(&str, &str)] = &[
    ("model-scan-incomplete", "high"),
    ("unsafe-serialization", "low"),
];

const fn case(folder: &'static str, expected: &'static [(&'static str, &'static str)]) -> Case {
    Case {
        folder,
        allowed: NONE,
        profiles: NONE,
        expected,
        pending: None,
    }
}

const fn wide(folder: &'static str) -> Case {
    Case {
        allowed: WIDE,
        ..case(folder, DANGEROUS)
    }
}

const fn profiled(folder: &'static str, expected: &'static [(&'static str, &'static str)]) -> Case {
    Case {
        profiles: ML,
        ..case(folder, expected)
    }
}

// No technique is pending now; the marker stays for the next one found and not yet caught.
#[allow(dead_code)]
const fn pending(
    folder: &'static str,
    expected: &'static [(&'static str, &'static str)],
    deliver: &'static str,
) -> Case {
    Case {
        pending: Some(deliver),
        ..case(folder, expected)
    }
}

const CASES: &[Case] = &[
    // Deliver 1: content first.
    case("ext-dill", DANGEROUS),
    case("ext-sav", DANGEROUS),
    case("ext-dat", DANGEROUS),
    case("ext-pth-tar", DANGEROUS),
    case("ext-sav-benign", LOW),
    case("no-extension", DANGEROUS),
    case("h5-named-pickle", DANGEROUS),
    case("bin-protocol0-long-line", DANGEROUS),
    case(
        "bin-pickle-lookalike",
        &[
            ("model-scan-incomplete", "high"),
            ("unsafe-serialization", "low"),
        ],
    ),
    case("zip-container", DANGEROUS),
    case("zip-container-benign", LOW),
    case("tar-container", DANGEROUS),
    case("nested-container", DANGEROUS),
    // 7z: read through sevenz-rust2 after airlock checked every declared size; what it does not
    // decompress (BZip2, AES) or what is over the caps is not inspected, never clean.
    case("7z-container", DANGEROUS),
    case("7z-container-benign", LOW),
    case("7z-nested", DANGEROUS),
    case("7z-bzip2", INCOMPLETE),
    case("7z-encrypted", INCOMPLETE),
    case("7z-declared-bomb", INCOMPLETE),
    // gzip: decompressed as a stream (a tar in it walked member by member).
    case("gzip-pickle", DANGEROUS),
    case("gzip-tar", DANGEROUS),
    case("gzip-tar-benign", LOW),
    // Deliver 2: allow patterns never admit a dangerous entry.
    wide("allowlist-bypass-torch-collect-env"),
    wide("allowlist-bypass-torch-inductor-compile-file"),
    wide("allowlist-bypass-torch-execwrapper"),
    wide("allowlist-bypass-torch-serialization-load"),
    wide("allowlist-bypass-numpy-f2py"),
    wide("allowlist-bypass-numpy-testing-runstring"),
    wide("allowlist-bypass-torch-dotted-stack-global"),
    wide("allowlist-bypass-functools-partial"),
    // Deliver 2: safe profiles, joblib's inline arrays, harmless names.
    case("sklearn-pipeline", &[("unsafe-serialization", "high")]),
    profiled("sklearn-pipeline", LOW),
    profiled("xgboost-model", LOW),
    profiled("lightgbm-model", LOW),
    profiled("joblib-inline-arrays-p2", LOW),
    profiled("joblib-inline-arrays-p4", LOW),
    profiled("joblib-object-array-evil", DANGEROUS),
    case("builtins-len", LOW),
    case("main-class", &[("unsafe-serialization", "medium")]),
    // Deliver 3: chat templates.
    case(
        "gguf-template-evil",
        &[("unsafe-chat-template", "critical")],
    ),
    case("gguf-template-benign", CLEAN),
    case(
        "tokenizer-config-evil",
        &[("unsafe-chat-template", "critical")],
    ),
    case("tokenizer-config-benign", CLEAN),
    case(
        "chat-template-jinja-evil",
        &[("unsafe-chat-template", "critical")],
    ),
    // Deliver 4: Keras, TensorFlow, ONNX, TorchScript, NeMo.
    case("keras-lambda", &[("unsafe-model-code", "critical")]),
    case("keras-foreign-module", &[("unsafe-model-code", "critical")]),
    case("keras-benign", CLEAN),
    case("keras-h5-lambda", &[("unsafe-model-code", "critical")]),
    case("keras-h5-benign", CLEAN),
    // The root group's real `model_config` is read through HDF5's structures: a benign decoy
    // JSON before it, or 17 MiB of data before it, hides nothing.
    case("keras-h5-decoy-first", &[("unsafe-model-code", "critical")]),
    case(
        "keras-h5-beyond-window",
        &[("unsafe-model-code", "critical")],
    ),
    case(
        "keras-h5-libver-latest",
        &[("unsafe-model-code", "critical")],
    ),
    case("savedmodel-pyfunc", &[("unsafe-model-code", "critical")]),
    case("savedmodel-benign", CLEAN),
    case(
        "onnx-external-traversal",
        &[("model-external-data-escape", "high")],
    ),
    case(
        "onnx-external-absolute",
        &[("model-external-data-escape", "high")],
    ),
    case("onnx-external-benign", CLEAN),
    case("onnx-custom-domain", &[("unsafe-model-code", "medium")]),
    case("onnx-benign", CLEAN),
    case(
        "torchscript-code",
        &[
            ("unsafe-model-code", "critical"),
            ("unsafe-serialization", "low"),
        ],
    ),
    case("nemo-target", &[("unsafe-model-code", "critical")]),
    case("nemo-benign", CLEAN),
    // Deliver 5: a pickle loaded by a locked torch below 2.6 is raised (CVE-2025-32434).
    case(
        "lock-join-torch-old",
        &[
            ("missing-hashes", "low"),
            ("unsafe-serialization", "critical"),
        ],
    ),
    case(
        "lock-join-torch-new",
        &[("missing-hashes", "low"), ("unsafe-serialization", "high")],
    ),
    // Only the loader of the model's own (nearest) project counts.
    case(
        "lock-join-two-projects",
        &[("missing-hashes", "low"), ("unsafe-serialization", "high")],
    ),
    case(
        "lock-join-nearest",
        &[("missing-hashes", "low"), ("unsafe-serialization", "high")],
    ),
    // keras 3.10 has the .keras fix (CVE-2025-1550) but still ignores safe_mode for .h5
    // (CVE-2025-9905): only the .h5 row applies.
    case(
        "lock-join-keras-h5",
        &[("missing-hashes", "low"), ("unsafe-model-code", "critical")],
    ),
    // onnx below 1.16 follows external_data out of the folder (CVE-2024-27318).
    case(
        "lock-join-onnx-old",
        &[
            ("missing-hashes", "low"),
            ("model-external-data-escape", "critical"),
        ],
    ),
    case(
        "lock-join-onnx-new",
        &[
            ("missing-hashes", "low"),
            ("model-external-data-escape", "high"),
        ],
    ),
    // transformers below 4.38 unpickles TF checkpoints with pickle.load (CVE-2024-3568).
    case(
        "lock-join-transformers-old",
        &[
            ("missing-hashes", "low"),
            ("unsafe-serialization", "critical"),
        ],
    ),
    // Deliver 6 (hashes are checked by their own test).
    case("hashed-configs", CLEAN),
];

fn verdict(case: &Case) -> Vec<(String, String)> {
    let path = generated().join(case.folder);
    let report = scan(&[path], &ScanOptions::default()).unwrap();
    let mut options = RiskOptions::default();
    options.model.extra_allowed_globals = case.allowed.iter().map(|s| (*s).to_owned()).collect();
    options.model.profiles = case.profiles.iter().map(|s| (*s).to_owned()).collect();
    let analysis = analyze_with(&report.graph, None, &options);
    let mut found: Vec<(String, String)> = analysis
        .findings
        .iter()
        .filter(|finding| finding.rule != RuleId::MissingModelProvenance)
        .map(|finding| {
            (
                finding.rule.as_str().to_owned(),
                finding.severity.as_str().to_owned(),
            )
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_generated_fixture_gets_its_expected_verdict() {
    let mut failures = Vec::new();
    for case in CASES {
        let found = verdict(case);
        let expected: Vec<(String, String)> = case
            .expected
            .iter()
            .map(|(rule, severity)| ((*rule).to_owned(), (*severity).to_owned()))
            .collect();
        let label = format!(
            "{} (allowed {:?}, profiles {:?})",
            case.folder, case.allowed, case.profiles
        );
        match case.pending {
            None if found != expected => {
                failures.push(format!("{label}: expected {expected:?}, found {found:?}"));
            }
            Some(deliver) if found == expected => failures.push(format!(
                "{label} is caught now: drop its `pending` mark (Deliver {deliver})"
            )),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The message of the pickle finding of one generated folder.
fn pickle_message(folder: &str) -> String {
    let report = scan(&[generated().join(folder)], &ScanOptions::default()).unwrap();
    let analysis = analyze_with(&report.graph, None, &RiskOptions::default());
    analysis
        .findings
        .iter()
        .find(|finding| finding.rule == RuleId::UnsafeSerialization)
        .map(|finding| finding.message.clone())
        .unwrap()
}

/// A vulnerable torch raises and says why; a fixed one is named but lowers nothing; no lock,
/// or a lock of another project, adds nothing.
#[test]
fn the_locked_loader_of_the_models_own_project_raises_or_is_named() {
    let old = pickle_message("lock-join-torch-old");
    assert!(
        old.contains("the project locks torch 2.5.1 (CVE-2025-32434)"),
        "{old}"
    );
    let new = pickle_message("lock-join-torch-new");
    assert!(
        new.contains("the project locks torch 2.6.0, which has the fix for CVE-2025-32434: the severity stays what the file alone deserves"),
        "{new}"
    );
    let nearest = pickle_message("lock-join-nearest");
    assert!(
        nearest.contains("locks torch 2.6.0, which has the fix"),
        "{nearest}"
    );
    assert!(!nearest.contains("2.5.1"), "{nearest}");
    let report = scan(
        &[generated().join("lock-join-keras-h5")],
        &ScanOptions::default(),
    )
    .unwrap();
    let analysis = analyze_with(&report.graph, None, &RiskOptions::default());
    let keras = analysis
        .findings
        .iter()
        .find(|finding| finding.rule == RuleId::UnsafeModelCode)
        .map(|finding| finding.message.clone())
        .unwrap();
    assert!(
        keras.contains("the project locks keras 3.10.0 (CVE-2025-9905)"),
        "{keras}"
    );
    assert!(
        !keras.contains("fix for CVE-2025-1550") && !keras.contains("CVE-2025-9906"),
        "rows about .keras files leave an .h5 finding alone: {keras}"
    );
    for alone in ["lock-join-two-projects", "sklearn-pipeline"] {
        let message = pickle_message(alone);
        assert!(!message.contains("locks torch"), "{alone}: {message}");
    }
}

#[test]
fn the_table_covers_every_generated_folder() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(generated())
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let in_table: BTreeSet<String> = CASES.iter().map(|case| case.folder.to_owned()).collect();
    assert_eq!(on_disk, in_table);
}

/// The benign templates of the corpus models pass, are parsed as Jinja, and their file is
/// hashed; an escape is reported with its template line.
#[test]
fn corpus_chat_templates_pass_and_escapes_name_their_line() {
    let corpus = support::fixtures().join("models/corpus");
    let report = scan(&[corpus], &ScanOptions::default()).unwrap();
    let templates: Vec<_> = report
        .graph
        .components()
        .flat_map(|component| {
            component
                .facts
                .chat_templates
                .iter()
                .map(move |template| (component, template))
        })
        .collect();
    assert!(
        !templates.is_empty(),
        "the corpus has a tokenizer_config.json chat_template"
    );
    for (component, template) in &templates {
        assert!(template.hazards.is_empty(), "{:?}", template);
        assert_eq!(template.parse_error, None, "{:?}", template);
        assert_eq!(component.hashes.len(), 1, "the template's file is hashed");
    }
    let analysis = analyze_with(&report.graph, None, &RiskOptions::default());
    assert!(!analysis
        .findings
        .iter()
        .any(|finding| finding.rule == RuleId::UnsafeChatTemplate));

    let evil = scan(
        &[generated().join("chat-template-jinja-evil")],
        &ScanOptions::default(),
    )
    .unwrap();
    let analysis = analyze_with(&evil.graph, None, &RiskOptions::default());
    let finding = analysis
        .findings
        .iter()
        .find(|finding| finding.rule == RuleId::UnsafeChatTemplate)
        .unwrap();
    assert!(
        finding
            .message
            .contains("template line 2: attribute `__globals__`"),
        "{}",
        finding.message
    );
    assert_eq!(finding.evidence[0].line, Some(2));
}

/// Scans every generated fixture with the real binary (JSON report and SBOM) while the
/// payloads' canary points into a fresh temporary directory: nothing airlock does may make it
/// appear. The payloads are live (`scripts/make-model-fixtures.py --prove-live` shows a plain
/// `pickle.loads` creating it).
#[test]
fn scanning_the_generated_payloads_never_runs_them() {
    let temporary = tempfile::tempdir().unwrap();
    let canary = temporary.path().join("canary");
    let default_canary = Path::new("/tmp/airlock-canary/pwned");
    let default_existed = default_canary.exists();
    for arguments in [
        &["scan", "--no-vuln-db", "--format", "json"][..],
        &["sbom", "--allow-empty"][..],
    ] {
        let mut command = command_in(temporary.path(), arguments);
        command
            .arg(generated())
            .env("AIRLOCK_CANARY", &canary)
            .env("SHELL", "/bin/sh");
        let output = command.output().unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{arguments:?}: {}\n{}",
            stderr(&output),
            stdout(&output)
        );
    }
    assert!(!canary.exists(), "a payload ran during the scan");
    assert_eq!(
        default_canary.exists(),
        default_existed,
        "a payload ran during the scan (default canary path)"
    );
}

/// A project `airlock.toml` inside the scanned tree cannot enable a safe profile or allow an
/// import: the scikit-learn pickle stays high, the bypass stays critical, and each entry is a
/// `project-policy-loosening` finding with its line.
#[test]
fn a_project_policy_cannot_enable_profiles_or_allow_imports() {
    let temporary = tempfile::tempdir().unwrap();
    let project = temporary.path().join("project");
    support::copy_tree(
        &generated().join("sklearn-pipeline"),
        &project.join("sklearn"),
    );
    support::copy_tree(
        &generated().join("allowlist-bypass-torch-collect-env"),
        &project.join("bypass"),
    );
    std::fs::write(
        project.join("airlock.toml"),
        "[models]\nprofiles = [\"scikit-learn\"]\nallowed-pickle-imports = [\"torch.*\"]\n",
    )
    .unwrap();
    let output = command_in(
        temporary.path(),
        &["scan", "--no-vuln-db", "--format", "json", "project"],
    )
    .output()
    .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_owned(),
                finding["severity"].as_str().unwrap_or_default().to_owned(),
                finding["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let has = |rule: &str, severity: &str, needle: &str| {
        findings
            .iter()
            .any(|(r, s, m)| r == rule && s == severity && m.contains(needle))
    };
    assert!(
        has("unsafe-serialization", "high", "sklearn"),
        "{findings:#?}"
    );
    assert!(
        has(
            "dangerous-pickle-import",
            "critical",
            "torch.utils.collect_env"
        ),
        "{findings:#?}"
    );
    assert!(
        has(
            "project-policy-loosening",
            "medium",
            "`[models] profiles = \"scikit-learn\"`"
        ),
        "{findings:#?}"
    );
    assert!(
        has(
            "project-policy-loosening",
            "medium",
            "`[models] allowed-pickle-imports = \"torch.*\"`"
        ),
        "{findings:#?}"
    );
}
