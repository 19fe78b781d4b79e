//! Model artifacts end to end: every fixture gets its expected verdict, every corpus model card
//! is read, a Hugging Face cache with a tampered blob is caught, the pickle allowlist follows
//! the policy, and no extractor panics on mutated model files.

// Test code: a failed expectation should panic with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scanner_core::extract::model::model_card;
use scanner_core::extract::{Format, Input, MemoryFiles, FORMATS};
use scanner_core::risk::{analyze, analyze_with, ModelPolicy, RiskOptions, RuleId, Severity};
use scanner_core::scan::{scan, ScanOptions, ScanReport};
use scanner_core::{ComponentKind, Ecosystem};
use support::{fixtures, run_in, stderr, stdout};

fn models() -> PathBuf {
    fixtures().join("models")
}

fn scan_path(path: &Path) -> ScanReport {
    scan(&[path.to_path_buf()], &ScanOptions::default()).unwrap()
}

/// (rule, severity) of every finding but provenance, which every card-less fixture gets.
fn verdict(path: &Path, options: &RiskOptions) -> Vec<(String, String)> {
    let report = scan_path(path);
    let analysis = analyze_with(&report.graph, None, options);
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
    found
}

#[test]
fn every_fixture_gets_its_expected_verdict() {
    let expected: &[(&str, &[(&str, &str)])] = &[
        (
            "pickle/os-system-reduce.pkl",
            &[("dangerous-pickle-import", "critical")],
        ),
        (
            "pickle/stack-global-memo.pkl",
            &[("dangerous-pickle-import", "critical")],
        ),
        (
            "pickle/inst-protocol0.pkl",
            &[("dangerous-pickle-import", "critical")],
        ),
        (
            "pickle/inst-protocol0-benign.pkl",
            &[("unsafe-serialization", "low")],
        ),
        (
            "pickle/unknown-global.pkl",
            &[("unsafe-serialization", "high")],
        ),
        (
            "pickle/benign-state-dict.pkl",
            &[("unsafe-serialization", "low")],
        ),
        (
            "pickle/truncated.pkl",
            &[
                ("model-scan-incomplete", "high"),
                ("unsafe-serialization", "low"),
            ],
        ),
        (
            "pickle/corrupted.pkl",
            &[
                ("model-scan-incomplete", "high"),
                ("unsafe-serialization", "low"),
            ],
        ),
        (
            "pytorch/benign-checkpoint.pt",
            &[("unsafe-serialization", "low")],
        ),
        (
            "pytorch/truncated-checkpoint.pt",
            &[
                ("model-scan-incomplete", "high"),
                ("unsafe-serialization", "low"),
            ],
        ),
        (
            "pytorch/malicious-checkpoint.pt",
            &[("dangerous-pickle-import", "critical")],
        ),
        (
            "pytorch/legacy-stacked.bin",
            &[("unsafe-serialization", "low")],
        ),
        ("pytorch/legacy-tar.pt", &[("unsafe-serialization", "low")]),
        ("safetensors/tiny.safetensors", &[]),
        (
            "safetensors/truncated.safetensors",
            &[("malformed-model-file", "medium")],
        ),
        (
            "safetensors/corrupt-header.safetensors",
            &[("malformed-model-file", "medium")],
        ),
        (
            "safetensors/pickle-in-disguise.safetensors",
            &[("dangerous-pickle-import", "critical")],
        ),
        ("gguf/tiny.gguf", &[]),
        ("gguf/truncated.gguf", &[("malformed-model-file", "medium")]),
        ("gguf/corrupt.gguf", &[("malformed-model-file", "medium")]),
        ("numpy/plain.npy", &[]),
        (
            "numpy/object-array.npy",
            &[("dangerous-pickle-import", "critical")],
        ),
        ("onnx/tiny.onnx", &[]),
        (
            "lfs/model.safetensors",
            &[("weights-not-materialized", "medium")],
        ),
        ("sharded", &[("missing-shard", "high")]),
    ];
    let mut failures = Vec::new();
    for (fixture, wanted) in expected {
        let found = verdict(&models().join(fixture), &RiskOptions::default());
        let wanted: Vec<(String, String)> = wanted
            .iter()
            .map(|(rule, severity)| ((*rule).to_owned(), (*severity).to_owned()))
            .collect();
        if found != wanted {
            failures.push(format!("{fixture}: expected {wanted:?}, found {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn findings_name_the_import_the_file_and_the_line() {
    let report = scan_path(&models().join("pickle/stack-global-memo.pkl"));
    let analysis = analyze(&report.graph, None);
    let dangerous = analysis
        .findings
        .iter()
        .find(|finding| finding.rule == RuleId::DangerousPickleImport)
        .unwrap();
    assert!(
        dangerous
            .message
            .contains("`builtins.exec`, called (STACK_GLOBAL at byte 37"),
        "{}",
        dangerous.message
    );
    assert!(dangerous.evidence[0]
        .path
        .ends_with("pickle/stack-global-memo.pkl"));

    let disguised = scan_path(&models().join("safetensors/pickle-in-disguise.safetensors"));
    let message = &analyze(&disguised.graph, None).findings[0].message;
    assert!(
        message.contains("extension says safetensors, its content is pickle"),
        "{message}"
    );

    let sharded = scan_path(&models().join("sharded"));
    let missing = analyze(&sharded.graph, None)
        .findings
        .into_iter()
        .find(|finding| finding.rule == RuleId::MissingShard)
        .unwrap();
    assert!(missing.message.contains("model-00002-of-00002.safetensors"));
    assert!(missing.evidence[0]
        .to_string()
        .ends_with("sharded/model.safetensors.index.json:5"));
}

#[test]
fn weights_headers_are_read_into_the_file_component() {
    let report = scan_path(&models().join("gguf/tiny.gguf"));
    let file = report
        .graph
        .components()
        .find(|component| component.kind == ComponentKind::File)
        .unwrap();
    let weights = file.facts.weights.as_deref().unwrap();
    assert_eq!(weights.tensors, Some(2));
    assert_eq!(weights.parameters, Some(10));
    let metadata: Vec<(&str, &str)> = weights
        .metadata
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    insta::assert_debug_snapshot!(metadata);
    let digest = file.hashes.iter().next().unwrap();
    assert_eq!(digest.algorithm().as_str(), "sha256");
    let bytes = std::fs::read(models().join("gguf/tiny.gguf")).unwrap();
    assert_eq!(
        weights.size,
        Some(bytes.len() as u64),
        "the real size, not the prefix"
    );

    let torch = scan_path(&models().join("pytorch/benign-checkpoint.pt"));
    let weights = torch
        .graph
        .components()
        .find_map(|component| component.facts.weights.as_deref())
        .unwrap();
    let imports: Vec<String> = weights
        .pickles
        .iter()
        .flat_map(|stream| stream.imports.iter().map(|import| import.qualified()))
        .collect();
    assert_eq!(
        imports,
        [
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch.FloatStorage"
        ]
    );
    assert_eq!(weights.pickles[0].name, "archive/data.pkl");
    assert_eq!(
        weights.metadata.get("storages").map(String::as_str),
        Some("2")
    );

    let tar = scan_path(&models().join("pytorch/legacy-tar.pt"));
    let streams: Vec<String> = tar
        .graph
        .components()
        .find_map(|component| component.facts.weights.as_deref())
        .unwrap()
        .pickles
        .iter()
        .map(|stream| stream.name.clone())
        .collect();
    assert_eq!(
        streams,
        [
            "sys_info",
            "pickle",
            "storages: count",
            "storages: record 0",
            "storages: views",
            "tensors: count"
        ]
    );
}

#[test]
fn the_pickle_allowlist_is_extended_by_the_policy() {
    let path = models().join("pickle/unknown-global.pkl");
    assert_eq!(
        verdict(&path, &RiskOptions::default()),
        [("unsafe-serialization".to_owned(), "high".to_owned())]
    );
    let options = RiskOptions {
        model: ModelPolicy {
            extra_allowed_globals: vec!["sklearn.*".to_owned()],
            ..ModelPolicy::default()
        },
        ..RiskOptions::default()
    };
    assert_eq!(
        verdict(&path, &options),
        [("unsafe-serialization".to_owned(), "low".to_owned())]
    );
    // Allowing `posix.*` does not make a call of `posix.system` acceptable.
    let reckless = RiskOptions {
        model: ModelPolicy {
            extra_allowed_globals: vec!["posix.*".to_owned()],
            ..ModelPolicy::default()
        },
        ..RiskOptions::default()
    };
    assert_eq!(
        verdict(&models().join("pickle/os-system-reduce.pkl"), &reckless),
        [("dangerous-pickle-import".to_owned(), "critical".to_owned())]
    );
}

/// Builds `models--example-org--tiny/{blobs,snapshots/<rev>}` with snapshot files linked to
/// blobs named by their SHA-256, then alters one blob.
#[cfg(unix)]
#[test]
fn a_tampered_blob_in_the_hugging_face_cache_is_an_integrity_failure() {
    use sha2::Digest as _;
    let temporary = tempfile::tempdir().unwrap();
    let repository = temporary.path().join("hub/models--example-org--tiny");
    let revision = "0123456789abcdef0123456789abcdef01234567";
    let snapshot = repository.join("snapshots").join(revision);
    std::fs::create_dir_all(repository.join("blobs")).unwrap();
    std::fs::create_dir_all(&snapshot).unwrap();
    let weights = std::fs::read(models().join("safetensors/tiny.safetensors")).unwrap();
    let gguf = std::fs::read(models().join("gguf/tiny.gguf")).unwrap();
    let config = br#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}"#.to_vec();
    for (name, bytes) in [
        ("model.safetensors", &weights),
        ("model.Q4_K_M.gguf", &gguf),
        ("config.json", &config),
    ] {
        let blob = hex::encode(sha2::Sha256::digest(bytes));
        std::fs::write(repository.join("blobs").join(&blob), bytes).unwrap();
        std::os::unix::fs::symlink(format!("../../blobs/{blob}"), snapshot.join(name)).unwrap();
    }
    // Tamper with the GGUF blob after "download".
    let gguf_blob = repository
        .join("blobs")
        .join(hex::encode(sha2::Sha256::digest(&gguf)));
    let mut tampered = gguf.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    std::fs::write(&gguf_blob, &tampered).unwrap();

    let report = scan_path(temporary.path());
    let model = report
        .graph
        .components()
        .find(|component| component.kind == ComponentKind::MachineLearningModel)
        .unwrap();
    assert_eq!(
        model.purl().as_str(),
        format!("pkg:huggingface/example-org/tiny@{revision}")
    );
    let analysis = analyze(&report.graph, None);
    let failures: Vec<&str> = analysis
        .findings
        .iter()
        .filter(|finding| finding.rule == RuleId::ModelIntegrityMismatch)
        .map(|finding| finding.component.name.original())
        .collect();
    assert_eq!(failures, ["model.Q4_K_M.gguf"], "{:#?}", analysis.findings);
    assert!(
        !analysis
            .findings
            .iter()
            .any(|finding| finding.rule == RuleId::MissingModelProvenance),
        "a cache snapshot names its publisher"
    );

    // Scanning the snapshot itself follows its links into the repository's blobs.
    let report = scan_path(&snapshot);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    assert_eq!(
        report.graph.len(),
        4,
        "the model, its two weights files and its hashed config.json"
    );
    let failures = analyze(&report.graph, None)
        .findings
        .iter()
        .filter(|finding| finding.rule == RuleId::ModelIntegrityMismatch)
        .count();
    assert_eq!(failures, 1);
}

/// What a card says, in a form that reads well in a snapshot.
fn card_summary(card: &model_card::ParsedCard) -> serde_json::Value {
    let card = &card.card;
    serde_json::json!({
        "license": card.license.as_ref().map(|license| serde_json::json!({
            "id": license.id, "name": license.name, "link": license.link,
            "line": license.location.line,
        })),
        "base_models": card.base_models.iter().map(|base| serde_json::json!({
            "name": base.name, "line": base.location.line,
        })).collect::<Vec<_>>(),
        "datasets": card.datasets,
        "task": card.task,
        "library": card.library_name,
        "languages": card.languages,
        "model_type": card.architecture_family,
        "model_creator": card.model_creator,
        "quantized_by": card.quantized_by,
        "results": card.results.len(),
        "gated": card.gated.as_ref().map(|gated| gated.keys.clone()),
        "considerations": [
            card.considerations.intended_uses.len(),
            card.considerations.limitations.len(),
            card.considerations.ethical.len(),
        ],
    })
}

#[test]
fn every_corpus_model_card_is_read() {
    let corpus = models().join("corpus");
    let mut summaries = BTreeMap::new();
    let mut directories: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("README.md").is_file())
        .collect();
    directories.sort();
    assert_eq!(directories.len(), 19, "every card of the corpus is copied");
    for directory in directories {
        let name = directory
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(directory.join("README.md")).unwrap();
        let parsed = model_card::parse(&format!("{name}/README.md"), &text)
            .unwrap_or_else(|error| panic!("{name}: {error:?}"))
            .unwrap_or_else(|| panic!("{name}: no front matter"));
        assert!(parsed.warnings.is_empty(), "{name}: {:?}", parsed.warnings);
        let mut summary = card_summary(&parsed);
        summary["declared_relation"] = serde_json::json!(parsed.declared_relation);
        summaries.insert(name, summary);
    }
    let get = |name: &str| summaries.get(name).unwrap();
    assert_eq!(
        get("databricks__dolly-v1-6b")["license"]["id"],
        "cc-by-nc-4.0"
    );
    assert_eq!(
        get("QuantFactory__Meta-Llama-3-8B-Instruct-GGUF")["license"]["name"],
        "llama3"
    );
    assert_eq!(get("OpenGVLab__InternVL2-8B")["declared_relation"], "merge");
    assert_eq!(
        get("HuggingFaceH4__zephyr-7b-beta")["base_models"][0]["name"],
        "mistralai/Mistral-7B-v0.1"
    );
    insta::assert_json_snapshot!(summaries);
}

#[test]
fn the_corpus_tree_gives_models_only_where_model_files_are() {
    let report = scan_path(&models().join("corpus"));
    let roots: Vec<String> = report
        .graph
        .roots()
        .map(|key| key.name.original().to_owned())
        .collect();
    // Cards without a config.json or weights beside them describe no model on disk.
    assert_eq!(
        roots,
        [
            "Alibaba-NLP__gte-base-en-v1.5",
            "cognitivecomputations__dolphin-2.5-mixtral-8x7b",
            "meta-llama__Llama-2-7b-hf",
            "sentence-transformers__all-MiniLM-L6-v2"
        ]
    );
    let analysis = analyze(&report.graph, None);
    let rules: Vec<(String, &str)> = analysis
        .findings
        .iter()
        .map(|finding| {
            (
                finding.component.name.original().to_owned(),
                finding.rule.as_str(),
            )
        })
        .collect();
    assert!(rules.contains(&(
        "Alibaba-NLP__gte-base-en-v1.5".to_owned(),
        "remote-code-required"
    )));
    assert!(rules.contains(&("meta-llama__Llama-2-7b-hf".to_owned(), "missing-shard")));
    let llama = report
        .graph
        .components()
        .find(|component| component.key.name.original() == "meta-llama__Llama-2-7b-hf")
        .unwrap();
    let card = llama.facts.model_card.as_deref().unwrap();
    assert_eq!(card.architectures, ["LlamaForCausalLM"]);
    assert!(card.gated.is_some());
    let restricted = analysis
        .findings
        .iter()
        .find(|finding| {
            finding.rule == RuleId::RestrictedModelLicense
                && finding.component.name.original() == "meta-llama__Llama-2-7b-hf"
        })
        .unwrap();
    assert_eq!(restricted.severity, Severity::Medium);
    assert!(restricted.evidence[0].to_string().ends_with("README.md:2"));
    // Datasets become data components linked from the model.
    let datasets = report
        .graph
        .components()
        .filter(|component| component.key.ecosystem == Ecosystem::HuggingFaceDataset)
        .count();
    assert!(datasets > 20, "{datasets}");
}

#[test]
fn a_broken_card_is_a_diagnostic_with_its_line_and_the_model_is_still_read() {
    let temporary = tempfile::tempdir().unwrap();
    let model = temporary.path().join("broken-card");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(
        model.join("README.md"),
        "---\r\nlicense: mit\r\ntags: [a, b\r\n---\r\n# Model\r\n",
    )
    .unwrap();
    std::fs::copy(
        models().join("safetensors/tiny.safetensors"),
        model.join("model.safetensors"),
    )
    .unwrap();
    let output = run_in(temporary.path(), &["sbom", "broken-card"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "broken-card/README.md:3: error[parse-error]: the card's YAML front matter is invalid: unclosed bracket '['\n"
        ),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("model.safetensors"));

    // A README with front matter but no model beside it is not a card: no parse error, and
    // nothing read, which is itself an error unless the caller says it means it.
    let docs = temporary.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    std::fs::write(docs.join("README.md"), "---\ntitle: [broken\n---\n").unwrap();
    let output = run_in(temporary.path(), &["sbom", "docs"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("error: nothing airlock reads under docs")
            && !stderr(&output).contains("parse-error"),
        "{}",
        stderr(&output)
    );
    let output = run_in(temporary.path(), &["sbom", "docs", "--allow-empty"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("0 components"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_example_stack_fails_on_its_malicious_pickle() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let output = run_in(
        repository,
        &[
            "scan",
            "examples/agent-stack/models",
            "-f",
            "json",
            "--fail-on",
            "high",
            "--no-vuln-db",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains('\u{1b}'),
        "no progress bar when stderr is not a terminal"
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|finding| finding["rule"] == "dangerous-pickle-import"
            && finding["message"]
                .as_str()
                .unwrap()
                .contains("posix.system")));
    let edge = json["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|edge| edge["relation"] == "finetune")
        .unwrap();
    assert_eq!(
        edge["to"],
        "pkg:huggingface/sentence-transformers/all-MiniLM-L6-v2"
    );
    let summarizer = json["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "tiny-summarizer")
        .unwrap();
    assert_eq!(summarizer["model_card"]["task"], "summarization");
    assert_eq!(
        summarizer["model_card"]["architectures"][0],
        "EncoderDecoderModel"
    );
    assert_eq!(summarizer["licenses"][0], "apache-2.0");
}

#[test]
fn the_json_report_of_the_example_models() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let output = run_in(
        repository,
        &[
            "scan",
            "examples/agent-stack/models",
            "-f",
            "json",
            "--no-vuln-db",
        ],
    );
    // The malicious pickle fails the default --fail-on (high); the report is still written.
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    insta::assert_json_snapshot!(json);
}

/// Every model extractor on truncated and bit-flipped variants of every binary fixture: no
/// panic, whatever the bytes.
#[test]
fn mutated_model_files_never_panic() {
    let mut files = Vec::new();
    for folder in [
        "pickle",
        "pytorch",
        "safetensors",
        "gguf",
        "numpy",
        "onnx",
        "lfs",
    ] {
        for entry in std::fs::read_dir(models().join(folder)).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    let mut runs = 0;
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let name = format!("m/{}", path.file_name().unwrap().to_string_lossy());
        let extractors: Vec<&Format> = FORMATS
            .iter()
            .copied()
            .filter(|format| format.accepts(Path::new(&name)))
            .collect();
        assert!(!extractors.is_empty(), "{name}");
        let mut variants: Vec<Vec<u8>> = (0..bytes.len())
            .step_by((bytes.len() / 64).max(1))
            .map(|cut| bytes[..cut].to_vec())
            .collect();
        for position in (0..bytes.len()).step_by((bytes.len() / 48).max(1)) {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut mutated = bytes.clone();
                mutated[position] ^= flip;
                variants.push(mutated);
            }
        }
        for variant in variants {
            let memory = MemoryFiles::new().with(&name, variant.clone());
            let input = Input::new(&name, &variant).with_files(&memory);
            for extractor in &extractors {
                let _ = extractor.extract(&input);
                runs += 1;
            }
        }
    }
    assert!(runs > 1000, "{runs}");
}
