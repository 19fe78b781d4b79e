use super::*;
use crate::component::{GitReference, HashAlgorithm};
use crate::diagnostic::DiagnosticSeverity;
use crate::extract::MemoryFiles;

/// The file as the link stage completes it, joined with the pyproject.toml beside it in
/// `files`.
fn extract_with(path: &str, text: &str, files: &MemoryFiles) -> Extraction {
    let extraction = RequirementsExtractor
        .parse(&Input::new(path, text.as_bytes()).with_files(files))
        .unwrap();
    crate::link::joined_lock(&FORMAT, path, extraction, files).0
}

fn extract(path: &str, text: &str) -> Extraction {
    extract_with(path, text, &MemoryFiles::new())
}

fn component<'e>(extraction: &'e Extraction, name: &str) -> &'e Component {
    let matching: Vec<&Component> = extraction
        .components
        .iter()
        .filter(|c| c.key.name.normalized() == name)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "one `{name}` in {:#?}",
        extraction.components
    );
    matching[0]
}

fn edges(extraction: &Extraction) -> Vec<String> {
    let mut edges: Vec<String> = extraction
        .references
        .iter()
        .map(|edge| {
            let crate::extract::Target::Key(to) = &edge.to else {
                panic!("requirements edges point at keys")
            };
            let mut text = format!("{} -> {} {}", edge.from.name, to.name, edge.kind.as_str());
            if let Some(marker) = &edge.conditions.marker {
                text.push_str(&format!(" ; {marker}"));
            }
            if !edge.conditions.extras.is_empty() {
                text.push_str(&format!(" [{}]", edge.conditions.extras.join(",")));
            }
            text
        })
        .collect();
    edges.sort();
    edges
}

fn codes(extraction: &Extraction) -> Vec<(DiagnosticCode, Option<u32>)> {
    extraction
        .diagnostics
        .iter()
        .map(|d| (d.code, d.location.as_ref().and_then(|l| l.line)))
        .collect()
}

#[test]
fn file_names() {
    for accepted in [
        "requirements.txt",
        "a/requirements-dev.txt",
        "server/requirements_cuda.txt",
        "dev-requirements.txt",
        "Requirements.TXT",
        "requirements.lock",
        "requirements-dev.lock",
        "requirements/base.txt",
    ] {
        assert!(is_requirements_file(Path::new(accepted)), "{accepted}");
    }
    for refused in [
        "requirements.in",
        "constraints.txt",
        "requirements/constraints.txt",
        "notes.txt",
        "requirements.txt.bak",
        "uv.lock",
    ] {
        assert!(!is_requirements_file(Path::new(refused)), "{refused}");
    }
    assert_eq!(scope_of_file("requirements.txt"), Scope::Required);
    assert_eq!(scope_of_file("a/requirements-dev.lock"), Scope::Dev);
    assert_eq!(scope_of_file("requirements/test.txt"), Scope::Dev);
    assert_eq!(scope_of_file("dev-requirements.txt"), Scope::Dev);
    assert_eq!(scope_of_file("requirements_cuda.txt"), Scope::Required);
    assert_eq!(scope_of_file("requirements-device.txt"), Scope::Required);
}

#[test]
fn pins_extras_markers_hashes_and_continuations() {
    let a = "a".repeat(64);
    let b = "b".repeat(64);
    let text = format!(
        "# a comment\n\
         Requests[socks,security]==2.31.0 ; python_version < \"3.11\"  # trailing\n\
         certifi==2022.12.07 \\\n    --hash=sha256:{a} \\\n    --hash sha256:{b}\n\
         \n\
         numpy==1.26.4 ; python_version < '3.12'\n\
         numpy==2.0.0 ; python_version >= '3.12'\n"
    );
    let extraction = extract("requirements.txt", &text);
    assert_eq!(codes(&extraction), []);
    let requests = component(&extraction, "requests");
    assert_eq!(requests.key.version.as_deref(), Some("2.31.0"));
    assert_eq!(requests.key.source, Source::DEFAULT_REGISTRY);
    assert_eq!(requests.scope, Some(Scope::Required));
    assert!(requests.flags.is_empty());
    let line = |c: &Component| c.evidence.iter().next().unwrap().location.line;
    assert_eq!(line(requests), Some(2));
    let certifi = component(&extraction, "certifi");
    assert_eq!(
        certifi.key.version.as_deref(),
        Some("2022.12.7"),
        "PEP 440 normalized"
    );
    assert_eq!(
        line(certifi),
        Some(3),
        "a continued line is numbered by its first line"
    );
    let hashes: Vec<(HashAlgorithm, String)> = certifi
        .hashes
        .iter()
        .map(|h| (h.algorithm(), h.value()))
        .collect();
    assert_eq!(
        hashes,
        [
            (HashAlgorithm::Sha256, a.clone()),
            (HashAlgorithm::Sha256, b.clone())
        ]
    );
    let numpys: Vec<&str> = extraction
        .components
        .iter()
        .filter(|c| c.key.name.normalized() == "numpy")
        .map(|c| c.key.version.as_deref().unwrap())
        .collect();
    assert_eq!(
        numpys,
        ["1.26.4", "2.0.0"],
        "one name at two versions under two markers"
    );
    // No `-e .`: the root is the project named after the (top) directory.
    let roots: Vec<&str> = extraction
        .roots
        .iter()
        .map(|root| root.name.normalized())
        .collect();
    assert_eq!(roots, ["workspace"]);
    // No `# via`: every line is direct, an edge from that root.
    assert!(extraction
        .references
        .iter()
        .all(|reference| reference.from.name.normalized() == "workspace"));
    assert!(!extraction.references.is_empty());
    assert!(requests.facts.python.as_ref().unwrap().direct);
}

#[test]
fn unpinned_requirements_never_get_a_version() {
    let text = "requests>=2\nflask~=3.0\nrich\nnumpy==1.*\nclick>1,<2\nsix==1.16.0\n";
    let extraction = extract("requirements.txt", text);
    for name in ["requests", "flask", "rich", "numpy", "click"] {
        let c = component(&extraction, name);
        assert_eq!(c.key.version, None, "{name}");
        assert!(c.flags.contains(&ComponentFlag::Unpinned), "{name}");
    }
    let six = component(&extraction, "six");
    assert!(!six.flags.contains(&ComponentFlag::Unpinned));
}

#[test]
fn via_annotations_become_edges_and_mark_direct_requirements() {
    // pip-compile / uv multi-line lists, a single-line `# via`, rye's repeated lines, and the old
    // pip-compile trailing form.
    let text = "\
anyio==4.8.0
    # via
    #   httpx
    #   -r requirements.in
httpx==0.28.1 ; python_version >= '3.8'
    # via openai
openai==1.0.0
    # via my-app (pyproject.toml)
idna==3.7
    # via anyio
    # via httpx
six==1.16.0  # via openai, httpx
sniffio==1.3.1
    # via
    #   anyio
    # The following packages are considered to be unsafe in a requirements file:
    #   openai
";
    let extraction = extract("requirements.txt", text);
    assert_eq!(
        edges(&extraction),
        [
            "anyio -> idna normal",
            "anyio -> sniffio normal",
            "httpx -> anyio normal",
            "httpx -> idna normal",
            "httpx -> six normal",
            "openai -> httpx normal ; python_full_version >= '3.8'",
            "openai -> six normal",
            // The direct requirements (`# via -r`), from the directory's project.
            "workspace -> anyio normal",
            "workspace -> openai normal",
        ]
    );
    let direct = |name: &str| {
        component(&extraction, name)
            .facts
            .python
            .as_ref()
            .is_some_and(|python| python.direct)
    };
    assert!(direct("anyio"), "`-r requirements.in` means direct");
    assert!(direct("openai"), "`(pyproject.toml)` means direct");
    assert!(!direct("httpx"));
    assert!(!direct("idna"));
    assert!(!direct("sniffio"));
    assert_eq!(codes(&extraction), []);
}

#[test]
fn via_naming_an_absent_package_is_a_note() {
    let extraction = extract("requirements.txt", "idna==3.7\n    # via ghost\n");
    assert_eq!(
        codes(&extraction),
        [(DiagnosticCode::DanglingReference, Some(1))]
    );
    assert_eq!(extraction.diagnostics[0].severity, DiagnosticSeverity::Note);
}

#[test]
fn editable_project_is_the_root_and_links_its_direct_dependencies() {
    // rye: `-e file:.` and pins whose `# via` names the project, or nothing for dev deps.
    let text = "\
-e file:.
griffe==0.45.3
    # via pydantic-ai
colorama==0.4.6
    # via griffe
coverage==7.5.3
";
    let files = MemoryFiles::new().with(
        "proj/pyproject.toml",
        "[project]\nname = \"Pydantic_AI\"\nversion = \"0.0.1\"\n",
    );
    let extraction = extract_with("proj/requirements-dev.lock", text, &files);
    let project = component(&extraction, "pydantic-ai");
    assert_eq!(project.kind, ComponentKind::Application);
    assert_eq!(project.key.version.as_deref(), Some("0.0.1"));
    assert_eq!(
        project.key.source,
        Source::Path {
            path: "proj".to_owned()
        }
    );
    assert!(project.flags.contains(&ComponentFlag::Editable));
    assert_eq!(extraction.roots, std::slice::from_ref(&project.key));
    assert_eq!(
        edges(&extraction),
        [
            "Pydantic_AI -> coverage dev",
            "Pydantic_AI -> griffe normal",
            "griffe -> colorama normal",
        ]
    );
    assert_eq!(component(&extraction, "coverage").scope, Some(Scope::Dev));
}

#[test]
fn every_source_kind() {
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let hash = "c".repeat(64);
    let text = format!(
        "-e ./libs/core\n\
         -e git+https://github.com/o/editable.git@main#egg=Editable_Pkg\n\
         tool @ git+https://github.com/o/tool@{sha}\n\
         git+ssh://git@github.com/o/other.git@v1.2#egg=other\n\
         git+https://github.com/o/noname\n\
         wheel @ https://example.com/wheel-1.0-py3-none-any.whl#sha256={hash}\n\
         https://example.com/dists/archive-2.0.tar.gz\n\
         ./dist/local-3.0-py3-none-any.whl\n\
         file:./vendor/vendored\n\
         hg+https://hg.example.com/repo#egg=mercurial-pkg\n"
    );
    let files = MemoryFiles::new().with(
        "app/libs/core/pyproject.toml",
        "[tool.poetry]\nname = \"core\"\nversion = \"0.2.0\"\n",
    );
    let extraction = extract_with("app/requirements.txt", &text, &files);
    assert_eq!(codes(&extraction), []);
    let core = component(&extraction, "core");
    assert_eq!(
        (&core.key.source, core.key.version.as_deref()),
        (
            &Source::Path {
                path: "app/libs/core".to_owned()
            },
            Some("0.2.0")
        )
    );
    assert!(core.flags.contains(&ComponentFlag::Editable));
    assert_eq!(core.kind, ComponentKind::Application);

    let editable = component(&extraction, "editable-pkg");
    assert_eq!(
        editable.key.source,
        Source::Git {
            url: "https://github.com/o/editable.git".to_owned(),
            reference: Some(GitReference::Rev("main".to_owned())),
            commit: None
        }
    );
    assert!(editable.flags.contains(&ComponentFlag::Editable));
    assert!(
        editable.flags.contains(&ComponentFlag::Unpinned),
        "a branch moves"
    );

    let tool = component(&extraction, "tool");
    assert_eq!(
        tool.key.source,
        Source::Git {
            url: "https://github.com/o/tool".to_owned(),
            reference: Some(GitReference::Rev(sha.to_owned())),
            commit: Some(sha.to_owned())
        }
    );
    assert!(tool.flags.is_empty(), "a full commit is pinned");

    let other = component(&extraction, "other");
    assert_eq!(
        other.key.source,
        Source::Git {
            url: "ssh://git@github.com/o/other.git".to_owned(),
            reference: Some(GitReference::Rev("v1.2".to_owned())),
            commit: None
        }
    );
    let noname = component(&extraction, "noname");
    assert!(noname.flags.contains(&ComponentFlag::Unpinned));

    let wheel = component(&extraction, "wheel");
    assert_eq!(
        (&wheel.key.source, wheel.key.version.as_deref()),
        (
            &Source::Url {
                url: "https://example.com/wheel-1.0-py3-none-any.whl".to_owned()
            },
            Some("1.0")
        )
    );
    assert_eq!(wheel.hashes.iter().next().unwrap().value(), hash);

    let archive = component(&extraction, "archive");
    assert_eq!(archive.key.version.as_deref(), Some("2.0"));
    assert!(matches!(archive.key.source, Source::Url { .. }));

    let local = component(&extraction, "local");
    assert_eq!(
        local.key.source,
        Source::File {
            path: "app/dist/local-3.0-py3-none-any.whl".to_owned()
        }
    );
    let vendored = component(&extraction, "vendored");
    assert_eq!(
        vendored.key.source,
        Source::Path {
            path: "app/vendor/vendored".to_owned()
        }
    );
    assert!(vendored.flags.is_empty());
    let mercurial = component(&extraction, "mercurial-pkg");
    assert_eq!(
        mercurial.key.source,
        Source::Url {
            url: "hg+https://hg.example.com/repo".to_owned()
        }
    );
}

#[test]
fn index_options_are_recorded_and_credentials_redacted() {
    let text = "\
--index-url https://user:s3cret@private.example.com/simple/
--extra-index-url=https://download.pytorch.org/whl/cpu ; sys_platform == 'linux'
--find-links ./wheels
--trusted-host private.example.com
--prefer-binary
--frobnicate yes
torch==2.2.0
";
    let extraction = extract("requirements.txt", text);
    assert_eq!(
        codes(&extraction),
        [(DiagnosticCode::InvalidEntry, Some(6))]
    );
    assert!(extraction.diagnostics[0].message.contains("--frobnicate"));
    let torch = component(&extraction, "torch");
    assert_eq!(
        torch.key.source,
        Source::Registry {
            index: Some("https://user:***@private.example.com/simple".to_owned())
        }
    );
    let python = torch.facts.python.as_deref().unwrap();
    assert_eq!(
        python.extra_index_urls.as_deref(),
        Some(&["https://download.pytorch.org/whl/cpu".to_owned()][..])
    );
    assert_eq!(
        python.find_links.as_deref(),
        Some(&["./wheels".to_owned()][..])
    );
    assert!(python.trusted_hosts.is_some());

    let pypi = extract(
        "requirements.txt",
        "-i https://pypi.org/simple\nsix==1.16.0\n",
    );
    assert_eq!(component(&pypi, "six").key.source, Source::DEFAULT_REGISTRY);
}

#[test]
fn redaction() {
    assert_eq!(
        redact_credentials("https://u:p@h.example/x"),
        "https://u:***@h.example/x"
    );
    assert_eq!(
        redact_credentials("https://TOKEN@h.example/x"),
        "https://***@h.example/x"
    );
    assert_eq!(
        redact_credentials("ssh://git@github.com/o/r"),
        "ssh://git@github.com/o/r"
    );
    assert_eq!(
        redact_credentials("https://h.example/a@b"),
        "https://h.example/a@b"
    );
}

#[test]
fn includes_are_resolved_relative_to_the_including_file() {
    let files = MemoryFiles::new()
        .with(
            "p/requirements/base.txt",
            "-c ../constraints.txt\nrequests\nrich>=13\n",
        )
        .with(
            "p/constraints.txt",
            "requests==2.31.0 --hash=sha256:".to_owned() + &"d".repeat(64) + "\nnumpy==1.0.0\n",
        );
    let extraction = extract_with(
        "p/requirements-dev.txt",
        "-r requirements/base.txt\npytest==8.0.0\n",
        &files,
    );
    assert_eq!(codes(&extraction), []);
    let requests = component(&extraction, "requests");
    assert_eq!(
        requests.key.version.as_deref(),
        Some("2.31.0"),
        "pinned by -c"
    );
    assert!(!requests.flags.contains(&ComponentFlag::Unpinned));
    assert_eq!(requests.hashes.len(), 1);
    let paths: BTreeSet<String> = requests
        .evidence
        .iter()
        .map(|e| e.location.to_string())
        .collect();
    assert_eq!(
        paths,
        BTreeSet::from([
            "p/constraints.txt:1".to_owned(),
            "p/requirements/base.txt:2".to_owned()
        ])
    );
    assert_eq!(
        requests.scope,
        Some(Scope::Dev),
        "what a dev file includes is installed by the dev install"
    );
    assert!(
        !extraction
            .components
            .iter()
            .any(|c| c.key.name.normalized() == "numpy"),
        "a constraint adds nothing"
    );
    let rich = component(&extraction, "rich");
    assert!(rich.flags.contains(&ComponentFlag::Unpinned));
}

#[test]
fn include_cycles_and_missing_files_are_diagnostics_with_lines() {
    let files = MemoryFiles::new()
        .with("a.txt", "six==1.16.0\n-r b.txt\n")
        .with("b.txt", "# b\n-r a.txt\nidna==3.7\n");
    let extraction = extract_with(
        "requirements.txt",
        "-r a.txt\n-r missing.txt\nx==1.0\n",
        &files,
    );
    assert_eq!(
        codes(&extraction),
        [
            (DiagnosticCode::IncludeCycle, Some(2)),
            (DiagnosticCode::ReadError, Some(2)),
        ]
    );
    let cycle = &extraction.diagnostics[0];
    assert_eq!(cycle.location.as_ref().unwrap().path, "b.txt");
    assert!(
        cycle
            .message
            .contains("requirements.txt → a.txt → b.txt → a.txt"),
        "{}",
        cycle.message
    );
    let missing = &extraction.diagnostics[1];
    assert_eq!(missing.location.as_ref().unwrap().path, "requirements.txt");
    assert!(missing.message.contains("missing.txt"));
    let names: Vec<&str> = extraction
        .components
        .iter()
        .map(|c| c.key.name.normalized())
        .collect();
    // `workspace`: the project of the top directory (no `-e .`, no pyproject.toml joined).
    assert_eq!(names, ["idna", "six", "x", "workspace"]);

    let remote = extract("requirements.txt", "-r https://example.com/r.txt\n");
    assert_eq!(codes(&remote), [(DiagnosticCode::OutsideScanRoot, Some(1))]);
}

#[test]
fn self_include_is_a_cycle() {
    let extraction = extract("requirements.txt", "six==1.16.0\n-r requirements.txt\n");
    assert_eq!(
        codes(&extraction),
        [(DiagnosticCode::IncludeCycle, Some(2))]
    );
}

#[test]
fn include_depth_is_capped() {
    let mut files = MemoryFiles::new();
    for level in 0..40 {
        files = files.with(&format!("r{level}.txt"), format!("-r r{}.txt\n", level + 1));
    }
    let extraction = extract_with("requirements.txt", "-r r0.txt\n", &files);
    assert_eq!(codes(&extraction).len(), 1);
    assert!(extraction.diagnostics[0].message.contains("deep"));
}

#[test]
fn invalid_versions_are_kept_unpinned_with_a_warning() {
    let extraction = extract(
        "requirements.txt",
        "good==1.0\nweird==1.0-this-is-not-pep440 ; os_name == 'nt'\n!!nonsense!!\n",
    );
    assert_eq!(
        codes(&extraction),
        [
            (DiagnosticCode::InvalidEntry, Some(2)),
            (DiagnosticCode::InvalidEntry, Some(3))
        ]
    );
    let weird = component(&extraction, "weird");
    assert_eq!(weird.key.version, None);
    assert!(weird.flags.contains(&ComponentFlag::Unpinned));
}

/// Issue 23: values pip refuses (or expands from its environment) are not versions; they
/// must not become a version that matches no advisory and hides the requirement from the
/// unpinned rule.
#[test]
fn pins_that_are_not_versions_stay_unpinned_and_flagged() {
    let extraction = extract(
        "requirements.txt",
        "jinja2==3.0.0#comment\ndjango==5.*.*\nfoo=='invalid'\nqwert==${MY_VARIABLE}\nok==1.0 #real comment\n",
    );
    assert_eq!(
        codes(&extraction),
        [
            (DiagnosticCode::InvalidEntry, Some(1)),
            (DiagnosticCode::InvalidEntry, Some(2)),
            (DiagnosticCode::InvalidEntry, Some(3)),
            (DiagnosticCode::InvalidEntry, Some(4)),
        ]
    );
    for name in ["jinja2", "django", "foo", "qwert"] {
        let component = component(&extraction, name);
        assert_eq!(component.key.version, None, "{name}");
        assert!(component.flags.contains(&ComponentFlag::Unpinned), "{name}");
    }
    assert!(extraction.diagnostics[3]
        .message
        .contains("environment variable"));
    assert_eq!(
        component(&extraction, "ok").key.version.as_deref(),
        Some("1.0")
    );
}

/// Issue 23: `pip freeze > requirements.txt` in Windows PowerShell writes UTF-16 with a
/// byte-order mark; pip reads it (and UTF-8 with a mark, and UTF-32).
#[test]
fn utf16_and_utf8_byte_order_marks_are_read_as_pip_reads_them() {
    let text = "six==1.16.0\r\nrequests==2.31.0\r\n";
    let little: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let big: Vec<u8> = [0xfe, 0xff]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let utf8: Vec<u8> = [0xef, 0xbb, 0xbf].into_iter().chain(text.bytes()).collect();
    for bytes in [little, big, utf8] {
        let extraction = RequirementsExtractor
            .parse(&Input::new("requirements.txt", &bytes))
            .unwrap();
        assert_eq!(codes(&extraction), [], "{bytes:?}");
        assert_eq!(
            component(&extraction, "six").key.version.as_deref(),
            Some("1.16.0")
        );
        assert_eq!(
            component(&extraction, "requests").key.version.as_deref(),
            Some("2.31.0")
        );
    }
    // A file included with `-r` is decoded the same way.
    let included: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("idna==3.4\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let files = MemoryFiles::new().with("base.txt", included);
    let extraction = extract_with("requirements.txt", "-r base.txt\n", &files);
    assert_eq!(
        component(&extraction, "idna").key.version.as_deref(),
        Some("3.4")
    );
    // Broken UTF-16 is an error naming the file and line, not a half-read file.
    let broken = [0xff, 0xfe, b'a', 0, b'\n', 0, 0, 0xd8];
    let error = RequirementsExtractor
        .parse(&Input::new("requirements.txt", &broken))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "requirements.txt:2: the file is not valid UTF-16LE (first bad byte at offset 6)"
    );
}

/// Issue 23: `-C` is pip's short form of `--config-settings`, accepted per requirement.
#[test]
fn short_config_settings_option_is_accepted_per_requirement() {
    let extraction = extract(
        "requirements.txt",
        "foo==1.0 -C bar\nbaz==2.0 -Ckey=value --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\nqux==3.0 --config-settings=a=b\n",
    );
    assert_eq!(codes(&extraction), []);
    assert_eq!(
        component(&extraction, "foo").key.version.as_deref(),
        Some("1.0")
    );
    assert_eq!(component(&extraction, "baz").hashes.len(), 1);
    assert_eq!(
        component(&extraction, "qux").key.version.as_deref(),
        Some("3.0")
    );
}

/// Issue 23: pip joins a continued line after stripping every backslash at its ends
/// (`line.strip("\\")`), with no space added, and splits lines where Python does (`\r` too).
#[test]
fn backslash_continuations_join_as_pip_joins_them() {
    let extraction = extract(
        "requirements.txt",
        "bar == 4.5\\\n.6\nbaz == 1.\\\\\n0\rqux==2.0\n",
    );
    assert_eq!(codes(&extraction), []);
    assert_eq!(
        component(&extraction, "bar").key.version.as_deref(),
        Some("4.5.6")
    );
    assert_eq!(
        component(&extraction, "baz").key.version.as_deref(),
        Some("1.0")
    );
    assert_eq!(
        component(&extraction, "qux").key.version.as_deref(),
        Some("2.0")
    );
    assert_eq!(
        component(&extraction, "qux")
            .evidence
            .iter()
            .next()
            .unwrap()
            .location
            .line,
        Some(5)
    );
}

#[test]
fn conflicting_duplicates_are_reported() {
    let extraction = extract(
        "requirements.txt",
        "six==1.16.0\nsix==1.15.0\nsix==1.16.0\n",
    );
    assert_eq!(
        codes(&extraction),
        [(DiagnosticCode::DuplicateEntry, Some(2))]
    );
}

#[test]
fn hostile_input_does_not_panic() {
    for text in [
        "\\",
        "-",
        "--",
        "-e",
        "-r",
        "#",
        "@",
        "a @",
        " @ http://x",
        "git+",
        "git+https://",
        "./",
        "[x]",
        "x[",
        "-e .[",
        "https://x/y.whl#egg=",
        "--hash",
        "pkg --hash",
        "pkg==1.0 \\\n",
        "\u{feff}six==1.0",
        "é==1",
        "x ; ",
    ] {
        let _ = extract("requirements.txt", text);
    }
    let bom = extract("requirements.txt", "\u{feff}six==1.0\n");
    assert_eq!(codes(&bom), []);
    assert_eq!(component(&bom, "six").key.version.as_deref(), Some("1.0"));
}

/// pip's TestParseRequirements::test_join_lines: one (joined) line holding two options is
/// two options, as pip's option parser reads it.
#[test]
fn one_line_may_hold_several_options() {
    let extraction = extract(
        "requirements.txt",
        "--extra-index-url https://one.example/simple \\\n--extra-index-url https://two.example/simple\nsix==1.16.0\n",
    );
    assert_eq!(codes(&extraction), []);
    let six = component(&extraction, "six");
    assert_eq!(
        six.facts.python.as_ref().unwrap().extra_index_urls,
        Some(vec![
            "https://one.example/simple".to_owned(),
            "https://two.example/simple".to_owned()
        ])
    );
}

/// pip-tools and uv users keep compiled files in `requirements/` (`base.txt`, `dev.txt`): the
/// root is the project, named after (and placed at) the folder's parent, shared with a
/// top-level `requirements.txt`; `requirements/` at the top of the scan gives `workspace`.
#[test]
fn files_in_a_requirements_folder_belong_to_its_parent_project() {
    let root_of = |path: &str| {
        let extraction = extract(path, "pytest==8.0.0\n");
        assert_eq!(extraction.roots.len(), 1, "{path}");
        let root = &extraction.roots[0];
        (root.name.normalized().to_owned(), root.source.clone())
    };
    let at = |path: &str| Source::Path {
        path: path.to_owned(),
    };
    assert_eq!(
        root_of("myapp/requirements/dev.txt"),
        ("myapp".to_owned(), at("myapp"))
    );
    assert_eq!(
        root_of("myapp/requirements/dev.txt"),
        root_of("myapp/requirements.txt")
    );
    assert_eq!(
        root_of("requirements/base.txt"),
        ("workspace".to_owned(), at("."))
    );
    // Only a folder named exactly `requirements`: `reqs/` is a directory of its own.
    assert_eq!(
        root_of("myapp/reqs/dev.txt"),
        ("reqs".to_owned(), at("myapp/reqs"))
    );
}

#[test]
fn an_unterminated_bracket_belongs_to_the_path_as_pip_and_uv_read_it() {
    // uv-requirements-txt's `editable.txt` ("OK (unterminated)"): `-e ./core[d` names the
    // directory `core[d`, which pip (`_strip_extras` wants a closing `]`) and uv install;
    // reading `core` instead would report a project neither installs.
    let files = MemoryFiles::new().with(
        "app/core/pyproject.toml",
        "[project]\nname = \"core\"\nversion = \"0.2.0\"\n",
    );
    let extraction = extract_with(
        "app/requirements.txt",
        "-e ./core[d\n-e ./core[e]\n",
        &files,
    );
    assert_eq!(
        codes(&extraction),
        [(DiagnosticCode::InvalidEntry, Some(1))]
    );
    assert!(extraction.diagnostics[0].message.contains("`./core[d`"));
    let core = component(&extraction, "core");
    assert_eq!(core.key.version.as_deref(), Some("0.2.0"));
}

#[test]
fn a_local_archive_with_extras_is_the_archive() {
    // uv-requirements-txt's `archive_requirement`: pip and uv take `[extra]` off the name.
    let extraction = extract(
        "app/requirements.txt",
        "importlib_metadata-8.2.0-py3-none-any.whl[extra]\n./dist/pkg-1.0.tar.gz[a,b] ; python_version > '3'\n",
    );
    assert_eq!(codes(&extraction), []);
    let archive = component(&extraction, "importlib-metadata");
    assert_eq!(archive.key.version.as_deref(), Some("8.2.0"));
    assert_eq!(
        archive.key.source,
        Source::File {
            path: "app/importlib_metadata-8.2.0-py3-none-any.whl".to_owned()
        }
    );
    assert_eq!(
        edges(&extraction),
        [
            "app -> importlib_metadata normal [extra]",
            "app -> pkg normal ; python_full_version >= '3.1' [a,b]"
        ]
    );
}

#[test]
fn a_file_read_for_its_constraints_is_read_again_for_its_requirements() {
    // uv-requirements-txt's `recursive_circular_inclusion`: `-c both.txt` then `-r both.txt`
    // installs what both.txt lists, as pip and uv do.
    let files = MemoryFiles::new().with("app/both.txt", "pkg-both\n");
    let extraction = extract_with("app/requirements.txt", "-c both.txt\n-r both.txt\n", &files);
    assert_eq!(codes(&extraction), []);
    assert!(component(&extraction, "pkg-both")
        .flags
        .contains(&ComponentFlag::Unpinned));
}

#[test]
fn lines_pip_and_uv_refuse_are_reported_where_they_were_read_silently() {
    // uv-requirements-txt's `invalid_requirement_url`, `unsupported_editable_extension` and
    // `missing_value`.
    let text = "numpy @ https:///\n\
                -e https://example.com/ruff-0.5.6.tar.gz\n\
                -e hg+https://hg.example.com/repo#egg=mercurial-pkg\n\
                flask\n\
                --no-binary\n";
    let extraction = extract("app/requirements.txt", text);
    assert_eq!(
        codes(&extraction),
        [
            (DiagnosticCode::InvalidEntry, Some(1)),
            (DiagnosticCode::InvalidEntry, Some(2)),
            (DiagnosticCode::InvalidEntry, Some(5)),
        ]
    );
    let numpy = component(&extraction, "numpy");
    assert_eq!(
        (&numpy.key.source, numpy.key.version.as_deref()),
        (&Source::DEFAULT_REGISTRY, None)
    );
    assert!(numpy.flags.contains(&ComponentFlag::Unpinned));
    let ruff = component(&extraction, "ruff");
    assert_eq!(ruff.key.version.as_deref(), Some("0.5.6"));
    assert!(!ruff.flags.contains(&ComponentFlag::Editable));
    assert!(component(&extraction, "mercurial-pkg")
        .flags
        .contains(&ComponentFlag::Editable));
    assert!(remote_without_host("https://user@:80/x"));
    assert!(!remote_without_host("git+ssh://git@github.com/o/r.git"));
    assert!(!remote_without_host("file:///tmp/x"));
    assert!(!remote_without_host("https://[::1]:8080/x"));
}

#[test]
fn a_specifier_list_may_end_in_a_comma_as_packaging_and_uv_read_it() {
    // uv-pep508's `versions_trailing_comma` and `parenthesized_trailing_comma`.
    assert_eq!(
        without_trailing_specifier_comma("numpy >=1.19, <2.0, ; python_version < '3.13'")
            .as_deref(),
        Some("numpy >=1.19, <2.0 ; python_version < '3.13'")
    );
    assert_eq!(
        without_trailing_specifier_comma("numpy(>=1.19,<2.0,)").as_deref(),
        Some("numpy(>=1.19,<2.0)")
    );
    for refused in [
        "numpy>=1.19,,",
        "numpy(>=1.19,,)",
        "numpy(,)",
        "numpy,",
        "a @ https://x/,",
    ] {
        assert_eq!(without_trailing_specifier_comma(refused), None, "{refused}");
    }
    let extraction = extract(
        "app/requirements.txt",
        "numpy>=1.19,<2.0,\nscipy(>=1,)\npandas(,)\n",
    );
    assert_eq!(
        codes(&extraction),
        [(DiagnosticCode::InvalidEntry, Some(3))]
    );
    assert!(component(&extraction, "numpy")
        .flags
        .contains(&ComponentFlag::Unpinned));
    component(&extraction, "scipy");
}

#[test]
fn archives_pip_refuses_are_reported() {
    // uv-pep508's `parse_name_with_star` and `error_invalid_extra_unnamed_url`.
    let extraction = extract(
        "app/requirements.txt",
        "wheel-*.whl\n/foo-3.0.0-py3-none-any.whl[d,]\n./dist/bar-1.0-py3-none-any.whl[x]\n",
    );
    assert_eq!(
        codes(&extraction),
        [
            (DiagnosticCode::InvalidEntry, Some(1)),
            (DiagnosticCode::InvalidEntry, Some(2))
        ]
    );
    assert!(extraction
        .components
        .iter()
        .all(|c| c.key.name.normalized() != "wheel"));
    assert_eq!(
        component(&extraction, "foo").key.version.as_deref(),
        Some("3.0.0")
    );
    assert_eq!(
        component(&extraction, "bar").key.version.as_deref(),
        Some("1.0")
    );
    assert_eq!(
        distribution_file_name("a-1-py3-none-any.whl"),
        Some(("a".to_owned(), Some("1".to_owned())))
    );
    assert_eq!(
        distribution_file_name("a-1-7-py3-none-any.whl")
            .map(|(n, _)| n)
            .as_deref(),
        Some("a")
    );
    assert_eq!(distribution_file_name("a-1.whl"), None);
}
