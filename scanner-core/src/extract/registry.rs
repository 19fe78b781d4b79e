//! The one table of extractors. Adding a format is one file, one line here, one fixtures folder.

use super::cargo::cargo_lock::CargoLockExtractor;
use super::cargo::cargo_toml::CargoTomlExtractor;
use super::mcp::claude_code_settings::ClaudeCodeSettingsExtractor;
use super::mcp::claude_desktop_config::ClaudeDesktopConfigExtractor;
use super::mcp::cline_mcp_settings::ClineMcpSettingsExtractor;
use super::mcp::codex_config::CodexConfigExtractor;
use super::mcp::gemini_settings::GeminiSettingsExtractor;
use super::mcp::goose_config::GooseConfigExtractor;
use super::mcp::mcp_json::McpJsonExtractor;
use super::mcp::tool_declarations::ToolDeclarationsExtractor;
use super::mcp::vscode_mcp_json::VsCodeMcpJsonExtractor;
use super::mcp::windsurf_mcp_config::WindsurfMcpConfigExtractor;
use super::mcp::zed_settings::ZedSettingsExtractor;
use super::model::gguf::GgufExtractor;
use super::model::hf_config::HfConfigExtractor;
use super::model::model_card::ModelCardExtractor;
use super::model::numpy::NumpyExtractor;
use super::model::onnx::OnnxExtractor;
use super::model::pickle::PickleExtractor;
use super::model::pytorch::PytorchExtractor;
use super::model::safetensors::SafetensorsExtractor;
use super::model::safetensors_index::SafetensorsIndexExtractor;
use super::python::pdm_lock::PdmLockExtractor;
use super::python::pipfile_lock::PipfileLockExtractor;
use super::python::poetry_lock::PoetryLockExtractor;
use super::python::pylock::PylockExtractor;
use super::python::pyproject::PyProjectExtractor;
use super::python::requirements_txt::RequirementsExtractor;
use super::python::uv_lock::UvLockExtractor;
use super::sbom::SbomExtractor;
use super::Extractor;

/// Every extractor airlock runs, in a stable order.
pub static EXTRACTORS: &[&dyn Extractor] = &[
    &CargoLockExtractor,
    &CargoTomlExtractor,
    &RequirementsExtractor,
    &PipfileLockExtractor,
    &PdmLockExtractor,
    &PyProjectExtractor,
    &UvLockExtractor,
    &PoetryLockExtractor,
    &PylockExtractor,
    &ModelCardExtractor,
    &HfConfigExtractor,
    &SafetensorsExtractor,
    &SafetensorsIndexExtractor,
    &GgufExtractor,
    &PickleExtractor,
    &PytorchExtractor,
    &NumpyExtractor,
    &OnnxExtractor,
    &SbomExtractor,
    &McpJsonExtractor,
    &VsCodeMcpJsonExtractor,
    &ClaudeDesktopConfigExtractor,
    &ClaudeCodeSettingsExtractor,
    &WindsurfMcpConfigExtractor,
    &ClineMcpSettingsExtractor,
    &ZedSettingsExtractor,
    &GeminiSettingsExtractor,
    &CodexConfigExtractor,
    &GooseConfigExtractor,
    &ToolDeclarationsExtractor,
];

/// Looks an extractor up by id.
pub fn extractor_by_id(id: &str) -> Option<&'static dyn Extractor> {
    EXTRACTORS
        .iter()
        .copied()
        .find(|extractor| extractor.id() == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn ids_are_unique_and_path_shaped() {
        let mut seen = BTreeSet::new();
        for extractor in EXTRACTORS {
            let id = extractor.id();
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
            assert!(!extractor.description().is_empty());
            assert_eq!(extractor_by_id(id).map(|found| found.id()), Some(id));
        }
    }

    #[test]
    fn each_file_name_is_claimed_by_the_expected_extractor() {
        let accepted = |path: &str| -> Vec<&str> {
            EXTRACTORS
                .iter()
                .filter(|extractor| extractor.accepts(Path::new(path)))
                .map(|extractor| extractor.id())
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
        assert!(accepted("m/notes.txt").is_empty());
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
        assert_eq!(
            accepted("agent/github.tools.json"),
            ["mcp/tool-declarations"]
        );
    }
}
