//! The settings of Claude Code (`.claude/settings*.json`, `~/.claude.json`), Gemini CLI
//! (`.gemini/settings.json`) and Codex (`.codex/config.toml`) that decide what runs without
//! asking: hooks and helper commands, permission rules and modes, approval and sandbox
//! policies, `env` blocks. Called by the rows that own these files, after their MCP servers.

use super::AgentFile;
use crate::extract::mcp::tree::Node;
use crate::extract::{Extraction, ExtractorId, Input};
use crate::facts::agent::SettingConcern;

/// Programs an allow rule may not hand over wholesale: a rule `Bash(curl:*)` lets the model
/// download, `Bash(sh:*)` or `Bash(python:*)` run anything, without asking.
const BLANKET_PROGRAMS: &[&str] = &[
    "*",
    "curl",
    "wget",
    "sh",
    "bash",
    "zsh",
    "fish",
    "dash",
    "pwsh",
    "powershell",
    "python",
    "python3",
    "node",
    "deno",
    "bun",
    "perl",
    "ruby",
    "php",
    "eval",
    "exec",
    "sudo",
    "su",
    "env",
    "xargs",
    "ssh",
    "scp",
    "nc",
    "ncat",
    "socat",
    "chmod",
    "rm",
    "git push",
    "npx",
    "uvx",
];

/// Claude Code's settings: hooks of every event, `apiKeyHelper` and the other helper commands,
/// `permissions.allow` / `defaultMode`, `env`.
pub(crate) fn claude_code(
    input: &Input<'_>,
    extractor: ExtractorId,
    root: &Node,
    extraction: &mut Extraction,
) {
    let mut file = AgentFile::new(input, extractor, "claude-code");
    read_claude_like(&mut file, root, extraction);
    // `~/.claude.json` keeps per-project settings of the same shape.
    for (_, project) in root.get("projects").map(Node::members).unwrap_or_default() {
        if project.is_object() {
            read_claude_like(&mut file, project, extraction);
        }
    }
    file.finish(extraction, "settings", root.line);
}

fn read_claude_like(file: &mut AgentFile<'_, '_>, root: &Node, extraction: &mut Extraction) {
    if let Some(hooks) = root.get("hooks") {
        super::read_hooks(file, hooks, extraction);
    }
    for helper in [
        "apiKeyHelper",
        "awsAuthRefresh",
        "awsCredentialExport",
        "otelHeadersHelper",
    ] {
        if let Some(node) = root.get(helper) {
            if let Some(command) = file.string(extraction, node, helper) {
                file.hook(extraction, helper, None, command, node.line);
            }
        }
    }
    if let Some(node) = root.get("statusLine").and_then(|line| line.get("command")) {
        if let Some(command) = file.string(extraction, node, "statusLine.command") {
            file.hook(extraction, "statusLine", None, command, node.line);
        }
    }
    if let Some(permissions) = root.get("permissions").filter(|node| node.is_object()) {
        if let Some(mode) = permissions.get("defaultMode") {
            if file.string(extraction, mode, "permissions.defaultMode") == Some("bypassPermissions")
            {
                file.setting(
                    mode.line,
                    "permissions.defaultMode",
                    "bypassPermissions",
                    SettingConcern::PromptsOff,
                );
            }
        }
        for rule in permissions
            .get("allow")
            .map(Node::items)
            .unwrap_or_default()
        {
            if let Some(text) = rule.as_str() {
                if blanket_rule(text) {
                    file.setting(
                        rule.line,
                        "permissions.allow",
                        text,
                        SettingConcern::BlanketAllow,
                    );
                }
            }
        }
    }
    for key in [
        "skipDangerousModePermissionPrompt",
        "dangerouslySkipPermissions",
    ] {
        if let Some(node) = root.get(key) {
            if file.boolean(extraction, node, key) == Some(true) {
                file.setting(node.line, key, "true", SettingConcern::PromptsOff);
            }
        }
    }
    if let Some(env) = root.get("env") {
        if env.is_object() {
            file.environment("env", env);
        } else if !matches!(env.value, crate::extract::mcp::tree::Value::Null) {
            file.wrong_type(extraction, env, "`env`", "an object of variables");
        }
    }
}

/// True for an allow rule that hands a whole class of actions over: all of Bash, a program
/// that downloads or runs anything, writes outside the project.
pub(crate) fn blanket_rule(rule: &str) -> bool {
    let rule = rule.trim();
    let (tool, specifier) = match rule.split_once('(') {
        Some((tool, rest)) => (tool.trim(), Some(rest.trim_end_matches(')').trim())),
        None => (rule, None),
    };
    match tool {
        "Bash" | "Shell" | "run_shell_command" => match specifier {
            None => true,
            Some(specifier) => {
                let command = specifier
                    .trim_end_matches('*')
                    .trim_end_matches(':')
                    .trim()
                    .to_ascii_lowercase();
                command.is_empty()
                    || specifier == "*"
                    || BLANKET_PROGRAMS.contains(&command.as_str())
            }
        },
        "Write" | "Edit" | "MultiEdit" | "NotebookEdit" => specifier.is_some_and(|path| {
            path.starts_with('/') || path.starts_with('~') || path.starts_with("..")
        }),
        _ => rule == "*",
    }
}

/// Gemini CLI's settings: `hooks` (Claude Code's shape), `autoAccept` / `tools.autoAccept`,
/// the yolo approval mode, `tools.allowed` shell rules, `env`-like `advanced.excludedEnvVars`
/// is not read.
pub(crate) fn gemini(
    input: &Input<'_>,
    extractor: ExtractorId,
    root: &Node,
    extraction: &mut Extraction,
) {
    let mut file = AgentFile::new(input, extractor, "gemini-cli");
    if let Some(hooks) = root.get("hooks") {
        super::read_hooks(&mut file, hooks, extraction);
    }
    for (path, setting) in [
        (&["autoAccept"][..], "autoAccept"),
        (&["tools", "autoAccept"][..], "tools.autoAccept"),
    ] {
        if let Some(node) = path.iter().try_fold(root, |node, key| node.get(key)) {
            if file.boolean(extraction, node, setting) == Some(true) {
                file.setting(node.line, setting, "true", SettingConcern::PromptsOff);
            }
        }
    }
    for (path, setting) in [
        (&["defaultApprovalMode"][..], "defaultApprovalMode"),
        (
            &["general", "defaultApprovalMode"][..],
            "general.defaultApprovalMode",
        ),
        (&["approvalMode"][..], "approvalMode"),
    ] {
        if let Some(node) = path.iter().try_fold(root, |node, key| node.get(key)) {
            if file
                .string(extraction, node, setting)
                .is_some_and(|mode| mode.eq_ignore_ascii_case("yolo"))
            {
                file.setting(node.line, setting, "yolo", SettingConcern::PromptsOff);
            }
        }
    }
    for path in [
        &["tools", "allowed"][..],
        &["coreTools"][..],
        &["allowedTools"][..],
    ] {
        if let Some(list) = path.iter().try_fold(root, |node, key| node.get(key)) {
            for rule in file.list(extraction, list, &path.join(".")) {
                if let Some(text) = rule.as_str().filter(|text| blanket_rule(text)) {
                    file.setting(
                        rule.line,
                        &path.join("."),
                        text,
                        SettingConcern::BlanketAllow,
                    );
                }
            }
        }
    }
    file.finish(extraction, "settings", root.line);
}

/// Codex's `config.toml`: `approval_policy`, `sandbox_mode`, `notify`, the model providers'
/// `base_url`, and `shell_environment_policy.set`.
pub(crate) fn codex(
    input: &Input<'_>,
    extractor: ExtractorId,
    root: &Node,
    extraction: &mut Extraction,
) {
    let mut file = AgentFile::new(input, extractor, "codex");
    let mut tables: Vec<(String, &Node)> = vec![(String::new(), root)];
    // Profiles carry the same keys.
    for (name, profile) in root.get("profiles").map(Node::members).unwrap_or_default() {
        tables.push((format!("profiles.{name}."), profile));
    }
    for (prefix, table) in tables {
        if let Some(node) = table.get("approval_policy") {
            if file.string(extraction, node, "approval_policy") == Some("never") {
                file.setting(
                    node.line,
                    &format!("{prefix}approval_policy"),
                    "never",
                    SettingConcern::PromptsOff,
                );
            }
        }
        if let Some(node) = table.get("sandbox_mode") {
            if file.string(extraction, node, "sandbox_mode") == Some("danger-full-access") {
                file.setting(
                    node.line,
                    &format!("{prefix}sandbox_mode"),
                    "danger-full-access",
                    SettingConcern::BlanketAllow,
                );
            }
        }
    }
    if let Some(notify) = root.get("notify") {
        let words: Vec<String> = notify
            .items()
            .iter()
            .filter_map(Node::as_text)
            .map(|word| {
                if word.contains(char::is_whitespace) {
                    format!("'{}'", word.replace('\'', "'\\''"))
                } else {
                    word
                }
            })
            .collect();
        let command = notify
            .as_str()
            .map(str::to_owned)
            .unwrap_or(words.join(" "));
        if !command.is_empty() {
            file.hook(extraction, "notify", None, &command, notify.line);
        }
    }
    for (name, provider) in root
        .get("model_providers")
        .map(Node::members)
        .unwrap_or_default()
    {
        if let Some(url) = provider.get("base_url") {
            let what = format!("model_providers.{name}.base_url");
            if let Some(text) = file
                .string(extraction, url, &what)
                .filter(|text| super::foreign_host(text))
            {
                file.setting(
                    url.line,
                    &format!("model_providers.{name}.base_url"),
                    text,
                    SettingConcern::BaseUrl,
                );
            }
        }
    }
    if let Some(set) = root
        .get("shell_environment_policy")
        .and_then(|policy| policy.get("set"))
        .filter(|node| node.is_object())
    {
        file.environment("shell_environment_policy.set", set);
    }
    file.finish(extraction, "config", root.line);
}

#[cfg(test)]
mod tests {
    use super::blanket_rule;

    #[test]
    fn blanket_rules() {
        for rule in [
            "Bash",
            "Bash(*)",
            "Bash(curl:*)",
            "Bash(python3:*)",
            "Write(/**)",
            "Edit(~/.zshrc)",
            "Write(../**)",
            "run_shell_command",
        ] {
            assert!(blanket_rule(rule), "{rule}");
        }
        for rule in [
            "Bash(npm run test:*)",
            "Bash(git status)",
            "Write(src/**)",
            "Read(~/.ssh/**)",
            "mcp__github",
            "WebFetch(domain:docs.rs)",
        ] {
            assert!(!blanket_rule(rule), "{rule}");
        }
    }
}
