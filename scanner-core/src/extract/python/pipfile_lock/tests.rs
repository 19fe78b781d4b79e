use super::*;
use crate::component::HashAlgorithm;
use crate::extract::MemoryFiles;
use crate::extract::Target;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn lock_text() -> String {
    let hash = "a".repeat(64);
    format!(
        r#"{{
    "_meta": {{
        "hash": {{"sha256": "x"}},
        "pipfile-spec": 6,
        "requires": {{"python_version": "3.11"}},
        "sources": [
            {{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}},
            {{"name": "internal", "url": "https://token:secret@pkgs.example.com/simple/", "verify_ssl": true}}
        ]
    }},
    "default": {{
        "Requests": {{
            "extras": ["socks"],
            "hashes": ["sha256:{hash}"],
            "index": "pypi",
            "markers": "python_version >= '3.8'",
            "version": "==2.31.0"
        }},
        "private-lib": {{"index": "internal", "version": "==1.0"}},
        "tool": {{"git": "https://github.com/o/tool.git", "ref": "{SHA}"}},
        "branchy": {{"git": "git+https://github.com/o/branchy.git", "ref": "main", "editable": true}},
        "myapp": {{"editable": true, "path": "."}},
        "wheel": {{"file": "https://example.com/wheel-1.0-py3-none-any.whl"}},
        "localwheel": {{"file": "./dist/localwheel-2.0-py3-none-any.whl"}}
    }},
    "develop": {{
        "pytest": {{"hashes": [], "index": "pypi", "version": "==8.0.0"}},
        "requests": {{"hashes": [], "index": "pypi", "version": "==2.31.0"}}
    }},
    "docs": {{
        "sphinx": {{"version": "==7.2.6"}}
    }}
}}
"#
    )
}

/// The lock as the link stage completes it, joined with the pyproject.toml beside it in `files`.
fn extract_with(path: &str, text: &str, files: &MemoryFiles) -> Result<Extraction, ExtractError> {
    let extraction =
        PipfileLockExtractor.parse(&Input::new(path, text.as_bytes()).with_files(files))?;
    Ok(crate::link::joined_lock(&FORMAT, path, extraction, files).0)
}

fn component<'e>(extraction: &'e Extraction, name: &str) -> &'e Component {
    extraction
        .components
        .iter()
        .find(|c| c.key.name.normalized() == name)
        .unwrap_or_else(|| panic!("{name} in {:#?}", extraction.components))
}

fn edges(extraction: &Extraction) -> Vec<String> {
    let mut edges: Vec<String> = extraction
        .references
        .iter()
        .map(|edge| {
            let Target::Key(to) = &edge.to else { panic!() };
            format!(
                "{} -> {} {} {:?}",
                edge.from.name,
                to.name,
                edge.kind.as_str(),
                edge.conditions.marker
            )
        })
        .collect();
    edges.sort();
    edges
}

#[test]
fn sections_sources_hashes_and_markers() {
    let files = MemoryFiles::new().with(
        "proj/pyproject.toml",
        "[project]\nname = \"myapp\"\nversion = \"0.1.0\"\n",
    );
    let extraction = extract_with("proj/Pipfile.lock", &lock_text(), &files).unwrap();
    assert_eq!(extraction.diagnostics, []);

    let requests = component(&extraction, "requests");
    assert_eq!(requests.key.version.as_deref(), Some("2.31.0"));
    assert_eq!(requests.key.source, Source::DEFAULT_REGISTRY);
    assert_eq!(
        requests.scope,
        Some(Scope::Required),
        "in default and develop"
    );
    assert_eq!(requests.evidence.len(), 2);
    let hash = requests.hashes.iter().next().unwrap();
    assert_eq!(hash.algorithm(), HashAlgorithm::Sha256);
    assert_eq!(
        requests.evidence.iter().next().unwrap().location.line,
        Some(12),
        "the entry's own line"
    );

    let private = component(&extraction, "private-lib");
    assert_eq!(
        private.key.source,
        Source::Registry {
            index: Some("https://token:***@pkgs.example.com/simple".to_owned())
        }
    );
    let tool = component(&extraction, "tool");
    assert_eq!(
        tool.key.source,
        Source::Git {
            url: "https://github.com/o/tool.git".to_owned(),
            reference: Some(crate::component::GitReference::Rev(SHA.to_owned())),
            commit: Some(SHA.to_owned())
        }
    );
    assert!(tool.flags.is_empty());
    let branchy = component(&extraction, "branchy");
    assert!(branchy.flags.contains(&ComponentFlag::Editable));
    assert!(branchy.flags.contains(&ComponentFlag::Unpinned));
    assert!(
        matches!(&branchy.key.source, Source::Git { url, .. } if url == "https://github.com/o/branchy.git")
    );

    let myapp = component(&extraction, "myapp");
    assert_eq!(
        myapp.key.version.as_deref(),
        Some("0.1.0"),
        "from its pyproject.toml"
    );
    assert_eq!(myapp.kind, ComponentKind::Application);
    assert_eq!(
        extraction.roots,
        std::slice::from_ref(&myapp.key),
        "the lock's `path = \".\"` entry is the root"
    );

    let wheel = component(&extraction, "wheel");
    assert!(matches!(&wheel.key.source, Source::Url { .. }));
    let local = component(&extraction, "localwheel");
    assert_eq!(
        local.key.source,
        Source::File {
            path: "proj/dist/localwheel-2.0-py3-none-any.whl".to_owned()
        }
    );
    assert_eq!(component(&extraction, "pytest").scope, Some(Scope::Dev));
    assert_eq!(
        component(&extraction, "sphinx").scope,
        Some(Scope::Optional)
    );

    // Without a Pipfile, every locked package hangs off the root.
    let listed = edges(&extraction);
    assert!(listed
        .contains(&"myapp -> Requests normal Some(\"python_full_version >= '3.8'\")".to_owned()));
    assert!(listed.contains(&"myapp -> requests dev None".to_owned()));
    assert!(listed.contains(&"myapp -> sphinx optional None".to_owned()));
    assert_eq!(
        listed.len(),
        9,
        "every entry but the root itself: {listed:#?}"
    );
}

#[test]
fn the_pipfile_names_the_direct_dependencies() {
    let lock = r#"{
  "_meta": {"pipfile-spec": 6, "sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]},
  "default": {
    "flask": {"version": "==3.0.0", "index": "pypi"},
    "werkzeug": {"version": "==3.0.1", "index": "pypi"}
  },
  "develop": {"pytest": {"version": "==8.0.0"}}
}"#;
    let pipfile = "[[source]]\nurl = \"https://pypi.org/simple\"\nname = \"pypi\"\n\n[packages]\nflask = \"*\"\nrequests = \"*\"\n\n[dev-packages]\n\"pytest\" = \"*\"\n";
    let files = MemoryFiles::new().with("app/Pipfile", pipfile);
    let extraction = extract_with("app/Pipfile.lock", lock, &files).unwrap();
    assert_eq!(
        edges(&extraction),
        ["app -> flask normal None", "app -> pytest dev None"]
    );
    let root = &extraction.roots[0];
    assert_eq!(root.name.normalized(), "app");
    assert_eq!(root.version, None);
    assert_eq!(
        root.source,
        Source::Path {
            path: "app".to_owned()
        }
    );
    let out_of_date: Vec<String> = extraction
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.location.as_ref().unwrap()))
        .collect();
    assert_eq!(out_of_date, ["lockfile-out-of-date app/Pipfile:7"]);
    assert_eq!(
        component(&extraction, "werkzeug").scope,
        Some(Scope::Required)
    );
}

#[test]
fn unsupported_spec_names_the_field_and_line() {
    let text = "{\n  \"_meta\": {\n    \"pipfile-spec\": 7\n  },\n  \"default\": {}\n}\n";
    let error = extract_with("Pipfile.lock", text, &MemoryFiles::new()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Pipfile.lock:3: unsupported Pipfile.lock version `7` (airlock reads `_meta.pipfile-spec` 1 to 6)"
    );
    let missing = extract_with(
        "Pipfile.lock",
        "{\"default\": {\"a\": {\"version\": \"==1\"}}}",
        &MemoryFiles::new(),
    )
    .unwrap();
    assert_eq!(missing.diagnostics[0].code, DiagnosticCode::InvalidEntry);
    // pipenv repairs such a lock and reads it: a note, not a warning.
    assert_eq!(
        missing.diagnostics[0].severity,
        crate::diagnostic::DiagnosticSeverity::Note
    );
    assert_eq!(missing.components.len(), 2, "package and root");
}

#[test]
fn invalid_json_reports_line_and_column() {
    let error = extract_with(
        "Pipfile.lock",
        "{\n  \"default\": {\n    \"a\": {,}\n}",
        &MemoryFiles::new(),
    )
    .unwrap_err();
    let location = error.location();
    assert_eq!((location.line, location.column), (Some(3), Some(11)));
    assert!(
        error
            .to_string()
            .starts_with("Pipfile.lock:3:11: invalid JSON"),
        "{error}"
    );

    let truncated = extract_with(
        "Pipfile.lock",
        "{\n  \"default\": {\n    \"a\": {\"version\"",
        &MemoryFiles::new(),
    )
    .unwrap_err();
    assert!(
        truncated.to_string().contains("truncated JSON"),
        "{truncated}"
    );
    assert_eq!(truncated.location().line, Some(3));

    let wrong_section = extract_with(
        "Pipfile.lock",
        "{\n  \"_meta\": {\"pipfile-spec\": 6},\n  \"default\": []\n}",
        &MemoryFiles::new(),
    )
    .unwrap_err();
    assert_eq!(wrong_section.location().line, Some(3), "{wrong_section}");
}

#[test]
fn a_wrong_type_in_an_entry_skips_that_entry_only() {
    let text = "{\n  \"_meta\": {\"pipfile-spec\": 6},\n  \"default\": {\n    \"good\": {\"version\": \"==1.0\"},\n    \"bad\": {\"version\": \"==1.0\", \"hashes\": \"sha256:x\"},\n    \"odd\": {\"version\": \"==not.a.version!\"}\n  }\n}\n";
    let extraction = extract_with("Pipfile.lock", text, &MemoryFiles::new()).unwrap();
    let located: Vec<(DiagnosticCode, Option<u32>)> = extraction
        .diagnostics
        .iter()
        .map(|d| (d.code, d.location.as_ref().unwrap().line))
        .collect();
    assert_eq!(
        located,
        [
            (DiagnosticCode::InvalidEntry, Some(5)),
            (DiagnosticCode::InvalidEntry, Some(6))
        ]
    );
    assert!(extraction.diagnostics[0].message.contains("invalid type"));
    component(&extraction, "good");
    // pip refuses `odd==not.a.version!`: kept unpinned and flagged, with the warning.
    let odd = component(&extraction, "odd");
    assert_eq!(odd.key.version, None, "no version");
    assert!(odd.flags.contains(&ComponentFlag::Unpinned));
    assert!(extraction.diagnostics[1].message.contains("kept unpinned"));
    assert!(!extraction
        .components
        .iter()
        .any(|c| c.key.name.normalized() == "bad"));
}

#[test]
fn member_lines_skip_strings_and_nested_objects() {
    let text = "{\"a\": {\"x\": {\"y\": \"}\\\"{\"},\n\"z\": 1},\n\"b\": [\"q\"]}";
    let lines = member_lines(text);
    assert_eq!(lines.get(&("a".to_owned(), Some("x".to_owned()))), Some(&1));
    assert_eq!(lines.get(&("a".to_owned(), Some("z".to_owned()))), Some(&2));
    assert_eq!(lines.get(&("b".to_owned(), None)), Some(&3));
    assert_eq!(lines.get(&("x".to_owned(), Some("y".to_owned()))), None);
}

#[test]
fn a_reference_in_the_git_url_gives_way_to_ref() {
    // pipenv's `normalize_vcs_url` takes `@branch` off the URL and installs `ref` (its
    // tests/integration/test_lockfile.py::test_git_branch_contains_slashes).
    let text = "{\n  \"_meta\": {\"pipfile-spec\": 6},\n  \"default\": {\n    \"google-api-python-client\": {\"git\": \"https://github.com/thehesiod/google-api-python-client.git@thehesiod/batch-retries2\", \"ref\": \"03803c21fc13a345e978f32775b2f2fa23c8e706\"}\n  }\n}\n";
    let extraction = extract_with("Pipfile.lock", text, &MemoryFiles::new()).unwrap();
    let client = extraction
        .components
        .iter()
        .find(|c| c.key.name.normalized() == "google-api-python-client")
        .unwrap();
    let Source::Git { url, commit, .. } = &client.key.source else {
        panic!("{:?}", client.key.source)
    };
    assert_eq!(
        url,
        "https://github.com/thehesiod/google-api-python-client.git"
    );
    assert_eq!(
        commit.as_deref(),
        Some("03803c21fc13a345e978f32775b2f2fa23c8e706")
    );
}
