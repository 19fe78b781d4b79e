//! The one table of formats. Adding a format is its parser file, one line here, one fixtures
//! folder: `airlock extractors` and its docs page, the fuzz entry points and the
//! malformed-input suite all read this table.

use super::Format;

/// Every format airlock reads, in a stable order (the order of `airlock extractors`, and the
/// order jobs for one file are run in).
pub static FORMATS: &[&Format] = &[
    &super::cargo::cargo_lock::FORMAT,
    &super::cargo::cargo_toml::FORMAT,
    &super::cargo::crate_archive::FORMAT,
    &super::cargo::vendored::FORMAT,
    &super::cargo::auditable_binary::FORMAT,
    &super::python::requirements_txt::FORMAT,
    &super::python::pipfile_lock::FORMAT,
    &super::python::pdm_lock::FORMAT,
    &super::python::pyproject::FORMAT,
    &super::python::uv_lock::FORMAT,
    &super::python::poetry_lock::FORMAT,
    &super::python::pylock::FORMAT,
    &super::python::installed::FORMAT,
    &super::python::wheel::FORMAT,
    &super::python::sdist::FORMAT,
    &super::model::model_card::FORMAT,
    &super::model::hf_config::FORMAT,
    &super::model::safetensors::FORMAT,
    &super::model::safetensors_index::FORMAT,
    &super::model::gguf::FORMAT,
    &super::model::pickle::FORMAT,
    &super::model::pytorch::FORMAT,
    &super::model::numpy::FORMAT,
    &super::model::onnx::FORMAT,
    &super::model::chat_template::FORMAT,
    &super::model::model_files::FORMAT,
    &super::model::archive::FORMAT,
    &super::model::saved_model::FORMAT,
    &super::sbom::FORMAT,
    &super::mcp::clients::MCP_JSON,
    &super::mcp::clients::VSCODE_MCP_JSON,
    &super::mcp::clients::CLAUDE_DESKTOP_CONFIG,
    &super::mcp::claude_code_settings::FORMAT,
    &super::mcp::clients::WINDSURF_MCP_CONFIG,
    &super::mcp::clients::CLINE_MCP_SETTINGS,
    &super::mcp::clients::ZED_SETTINGS,
    &super::mcp::clients::GEMINI_SETTINGS,
    &super::mcp::clients::CODEX_CONFIG,
    &super::mcp::clients::GOOSE_CONFIG,
    &super::mcp::tool_declarations::FORMAT,
    &super::agent::cursor_hooks::FORMAT,
    &super::agent::vscode_settings::FORMAT,
    &super::agent::instructions::FORMAT,
    &super::npm::FORMAT,
    &super::os::dpkg::FORMAT,
    &super::os::apk::FORMAT,
    &super::container_image::FORMAT,
];

/// Looks a format up by its id.
pub fn extractor_by_id(id: &str) -> Option<&'static Format> {
    FORMATS.iter().copied().find(|format| format.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn ids_are_unique_and_path_shaped() {
        let mut seen = BTreeSet::new();
        let mut fuzz_targets = BTreeSet::new();
        for format in FORMATS {
            let id = format.id;
            assert!(seen.insert(id), "duplicate extractor id {id}");
            let (group, name) = id.split_once('/').expect("ids look like group/name");
            for part in [group, name] {
                assert!(
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                    "{id}"
                );
            }
            assert!(!format.description.is_empty());
            assert_eq!(extractor_by_id(id).map(|found| found.id), Some(id));
            assert!(
                fuzz_targets.insert(format.fuzz_target),
                "{id}: fuzz target `{}` taken",
                format.fuzz_target
            );
            assert!(!format.samples.is_empty(), "{id} has no samples");
            for sample in format.samples {
                assert!(
                    format.accepts(Path::new(sample.file))
                        || matches!(format.files, crate::extract::FileMatch::Content),
                    "{id} does not accept its sample {}",
                    sample.file
                );
            }
        }
    }

    #[test]
    fn each_file_name_is_read_by_the_expected_extractor() {
        let accepted = |path: &str| -> Vec<&str> {
            FORMATS
                .iter()
                .filter(|format| format.accepts(Path::new(path)))
                .map(|format| format.id)
                .collect()
        };
        assert_eq!(accepted("a/Cargo.lock"), ["cargo/cargo-lock"]);
        assert_eq!(accepted("Cargo.toml"), ["cargo/cargo-toml"]);
        assert_eq!(accepted("requirements-dev.txt"), ["python/requirements"]);
        assert_eq!(accepted("requirements/base.txt"), ["python/requirements"]);
        assert_eq!(accepted("requirements.lock"), ["python/requirements"]);
        assert_eq!(accepted("a/Pipfile.lock"), ["python/pipfile-lock"]);
        assert_eq!(accepted("a/pdm.lock"), ["python/pdm-lock"]);
        assert_eq!(accepted("a/pyproject.toml"), ["python/pyproject"]);
        assert_eq!(accepted("a/uv.lock"), ["python/uv-lock"]);
        assert_eq!(accepted("tools/fetch.py.lock"), ["python/uv-lock"]);
        assert!(accepted(".py.lock").is_empty());
        assert_eq!(accepted("poetry.lock"), ["python/poetry-lock"]);
        assert_eq!(accepted("pylock.toml"), ["python/pylock"]);
        assert_eq!(accepted("x/pylock.dev.toml"), ["python/pylock"]);
        assert!(accepted("cargo.lock.bak").is_empty());
        assert_eq!(
            accepted("wheels/demo-1.0-py3-none-any.whl"),
            ["python/wheel"]
        );
        assert_eq!(accepted("dist/demo-1.0.tar.gz"), ["python/sdist"]);
        assert_eq!(accepted("m/model.pkl.gz"), ["model/archive"]);
        assert_eq!(accepted("m/checkpoint.TGZ"), ["model/archive"]);
        assert_eq!(accepted("crates/demo-1.0.0.crate"), ["cargo/crate-archive"]);
        assert_eq!(
            accepted("vendor/demo/.cargo-checksum.json"),
            ["cargo/vendored-crate"]
        );
        assert_eq!(accepted("m/README.md"), ["model/model-card"]);
        assert_eq!(accepted("m/config.json"), ["model/hf-config"]);
        assert_eq!(accepted("m/tokenizer_config.json"), ["model/hf-config"]);
        assert_eq!(accepted("m/model.safetensors"), ["model/safetensors"]);
        assert_eq!(
            accepted("m/model.safetensors.index.json"),
            ["model/safetensors-index"]
        );
        assert_eq!(
            accepted("m/pytorch_model.bin.index.json"),
            ["model/safetensors-index"]
        );
        assert_eq!(accepted("m/model.Q4_K_M.gguf"), ["model/gguf"]);
        assert_eq!(accepted("m/model.pkl"), ["model/pickle"]);
        assert_eq!(accepted("m/model.joblib"), ["model/pickle"]);
        assert_eq!(accepted("m/pytorch_model.bin"), ["model/pytorch"]);
        assert_eq!(accepted("m/model.PT"), ["model/pytorch"]);
        assert_eq!(accepted("m/arrays.npz"), ["model/numpy"]);
        assert_eq!(accepted("m/model.onnx"), ["model/onnx"]);
        assert_eq!(accepted("m/chat_template.jinja"), ["model/chat-template"]);
        assert_eq!(
            accepted("m/additional_chat_templates/tool_use.jinja"),
            ["model/chat-template"]
        );
        assert!(accepted("m/templates/page.jinja").is_empty());
        assert!(accepted("m/notes.txt").is_empty());
        assert_eq!(accepted("m/model.dill"), ["model/pickle"]);
        assert_eq!(accepted("m/model.sav"), ["model/pickle"]);
        assert_eq!(accepted("m/weights.dat"), ["model/archive"]);
        // A tar is an image when its entries say so (the driver looks), else a model container.
        assert_eq!(
            accepted("m/checkpoint.pth.tar"),
            ["model/archive", "container/image"]
        );
        assert_eq!(accepted("var/lib/dpkg/status"), ["os/dpkg-status"]);
        assert_eq!(accepted("var/lib/dpkg/status.d/libc6"), ["os/dpkg-status"]);
        assert_eq!(accepted("lib/apk/db/installed"), ["os/apk-installed"]);
        assert_eq!(accepted("m/bundle.zip"), ["model/archive"]);
        assert_eq!(accepted("m/saved_model.pb"), ["model/saved-model"]);
        assert_eq!(accepted("repo/.mcp.json"), ["mcp/mcp-json"]);
        assert_eq!(accepted("repo/.cursor/mcp.json"), ["mcp/mcp-json"]);
        assert_eq!(accepted("repo/.vscode/mcp.json"), ["mcp/vscode-mcp-json"]);
        assert!(accepted("repo/mcp.json").is_empty());
        assert_eq!(
            accepted("Claude/claude_desktop_config.json"),
            ["mcp/claude-desktop-config"]
        );
        assert_eq!(accepted("home/.claude.json"), ["mcp/claude-code-settings"]);
        assert_eq!(
            accepted("repo/.claude/settings.local.json"),
            ["mcp/claude-code-settings"]
        );
        assert_eq!(
            accepted(".codeium/windsurf/mcp_config.json"),
            ["mcp/windsurf-mcp-config"]
        );
        assert_eq!(
            accepted("settings/cline_mcp_settings.json"),
            ["mcp/cline-mcp-settings"]
        );
        assert_eq!(accepted("repo/.zed/settings.json"), ["mcp/zed-settings"]);
        assert_eq!(
            accepted("repo/.gemini/settings.json"),
            ["mcp/gemini-settings"]
        );
        assert!(accepted("repo/settings.json").is_empty());
        assert_eq!(accepted("repo/.codex/config.toml"), ["mcp/codex-config"]);
        assert_eq!(accepted(".config/goose/config.yaml"), ["mcp/goose-config"]);
        assert_eq!(accepted("agent/tools.json"), ["mcp/tool-declarations"]);
        assert_eq!(accepted("repo/.cursor/hooks.json"), ["agent/cursor-hooks"]);
        assert_eq!(
            accepted("repo/.vscode/settings.json"),
            ["agent/vscode-settings"]
        );
        assert_eq!(accepted("repo/AGENTS.md"), ["agent/instructions"]);
        assert_eq!(accepted("CLAUDE.md"), ["agent/instructions"]);
        assert_eq!(
            accepted(".claude/skills/pdf/SKILL.md"),
            ["agent/instructions"]
        );
        assert_eq!(accepted(".cursor/rules/style.mdc"), ["agent/instructions"]);
        assert_eq!(
            accepted("agent/github.tools.json"),
            ["mcp/tool-declarations"]
        );
    }
}
