//! Where the common agent clients keep their user-level configs, relative to the home
//! directory (`--include-user-config`). Only paths: the CLI checks which exist and adds them to
//! the scan, where each is read by the extractor for its format. Linux, macOS and Windows
//! (`AppData/Roaming`) locations are all listed; those absent on a machine are skipped.

use std::path::{Path, PathBuf};

/// Config files under the home directory, by client, in a stable order.
pub const HOME_RELATIVE: &[&str] = &[
    // Claude Code: user and local scopes.
    ".claude.json",
    ".claude/settings.json",
    ".claude/settings.local.json",
    // Claude Desktop.
    ".config/Claude/claude_desktop_config.json",
    "Library/Application Support/Claude/claude_desktop_config.json",
    "AppData/Roaming/Claude/claude_desktop_config.json",
    // Cursor.
    ".cursor/mcp.json",
    // VS Code user profile.
    ".config/Code/User/mcp.json",
    "Library/Application Support/Code/User/mcp.json",
    "AppData/Roaming/Code/User/mcp.json",
    // Windsurf.
    ".codeium/windsurf/mcp_config.json",
    // Cline (VS Code extension storage).
    ".config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
    "Library/Application Support/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
    "AppData/Roaming/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
    // Zed.
    ".config/zed/settings.json",
    // Gemini CLI.
    ".gemini/settings.json",
    // Codex.
    ".codex/config.toml",
    // Goose.
    ".config/goose/config.yaml",
];

/// Config files under `$XDG_CONFIG_HOME` when it is set (and differs from `~/.config`).
pub const XDG_CONFIG_RELATIVE: &[&str] = &[
    "Claude/claude_desktop_config.json",
    "Code/User/mcp.json",
    "Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
    "zed/settings.json",
    "goose/config.yaml",
];

/// Every candidate path for `home` (and `xdg_config_home`, when set), existing or not.
pub fn candidates(home: &Path, xdg_config_home: Option<&Path>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = HOME_RELATIVE
        .iter()
        .map(|relative| home.join(relative))
        .collect();
    if let Some(xdg) = xdg_config_home.filter(|xdg| *xdg != home.join(".config")) {
        paths.extend(
            XDG_CONFIG_RELATIVE
                .iter()
                .map(|relative| xdg.join(relative)),
        );
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::FORMATS;

    /// Every user config path is read by exactly one extractor.
    #[test]
    fn every_candidate_has_an_extractor() {
        for path in candidates(Path::new("/home/user"), Some(Path::new("/xdg"))) {
            let accepting: Vec<&str> = FORMATS
                .iter()
                .filter(|format| format.accepts(&path))
                .map(|format| format.id)
                .collect();
            assert_eq!(accepting.len(), 1, "{}: {accepting:?}", path.display());
            assert!(accepting[0].starts_with("mcp/"), "{}", path.display());
        }
    }
}
