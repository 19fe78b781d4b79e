//! What a stdio MCP server's command line runs, read without running it: the package a launcher
//! fetches (`npx`/`bunx`/`pnpm dlx`/`yarn dlx`/`npm exec` → npm; `uvx`/`uv tool run`/`pipx run` →
//! PyPI; `docker`/`podman run` → an image), a local script an interpreter runs, a shell the
//! command hands a string to (`sh -c`, `cmd /c`, `curl … | sh`), and whether what gets fetched
//! is pinned to one version (an exact npm or PyPI version, an image digest).
//!
//! Launcher options follow the tools' own documentation (npm `npx`/`npm exec`, uv `uvx --from`,
//! pipx `run --spec`, Docker `run`); an option this reader does not know is taken as a flag
//! without a value, which at worst names the wrong word as the package.

use super::secrets::{is_credential_flag, looks_like_secret};
use crate::ecosystem::Ecosystem;

/// A package a launcher fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackageSpec {
    pub(crate) ecosystem: Ecosystem,
    pub(crate) name: String,
    /// An exact version (npm, PyPI), or an image digest (else its tag).
    pub(crate) version: Option<String>,
    /// What was asked for when it is not one exact version (`latest`, `^1.2`, `>=1`).
    pub(crate) requirement: Option<String>,
    /// An image registry other than Docker Hub.
    pub(crate) registry: Option<String>,
    /// An image tag, kept when the digest is the version.
    pub(crate) tag: Option<String>,
}

/// What a command line runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Launch {
    /// `npx`, `uvx`, `docker run`, `node`, ...
    pub(crate) launcher: Option<String>,
    pub(crate) package: Option<PackageSpec>,
    /// A local file an interpreter runs, or the command itself when it is a path.
    pub(crate) script: Option<String>,
    /// Why the command runs a shell, if it does.
    pub(crate) shell: Option<String>,
    /// Why what gets fetched can change from one launch to the next, if it can.
    pub(crate) unpinned: Option<String>,
    /// `docker run -e NAME[=VALUE]`: names, and values when written (to be classified and
    /// dropped by the caller).
    pub(crate) container_env: Vec<(String, Option<String>)>,
}

/// The lowercase program name of a command: `C:\\bin\\npx.cmd` → `npx`.
pub(crate) fn program(command: &str) -> String {
    let base = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(command)
        .to_ascii_lowercase();
    for suffix in [".exe", ".cmd", ".bat", ".ps1"] {
        if let Some(stripped) = base.strip_suffix(suffix) {
            return stripped.to_owned();
        }
    }
    base
}

pub(crate) const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "fish",
    "cmd",
    "powershell",
    "pwsh",
];

/// Reads a command line.
pub(crate) fn analyze(command: &str, arguments: &[String]) -> Launch {
    analyze_at_depth(command, arguments, 0)
}

fn analyze_at_depth(command: &str, arguments: &[String], depth: usize) -> Launch {
    let name = program(command);
    let mut launch = Launch::default();
    // The whole line, to spot a download piped into a shell wherever it is.
    let whole = std::iter::once(command)
        .chain(arguments.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let piped = pipes_download_into_shell(&whole);

    if SHELLS.contains(&name.as_str()) {
        let string_flag = arguments.iter().position(|argument| {
            let lower = argument.to_ascii_lowercase();
            lower == "/c"
                || lower == "/k"
                || lower == "-command"
                || lower == "-c"
                || (lower.starts_with('-')
                    && !lower.starts_with("--")
                    && lower.len() <= 4
                    && lower.contains('c'))
        });
        if let Some(position) = string_flag {
            let flag = arguments.get(position).map_or("", String::as_str);
            launch.shell = Some(format!("`{name} {flag}` runs a command string in a shell"));
            let rest: Vec<String> = arguments.iter().skip(position + 1).cloned().collect();
            // `sh -c "npx -y pkg"` is one string; `cmd /c npx -y pkg` is several words.
            let words = if rest.len() == 1 {
                rest.first()
                    .map(|text| split_words(text))
                    .unwrap_or_default()
            } else {
                rest
            };
            let simple: Vec<String> = words
                .into_iter()
                .take_while(|word| !matches!(word.as_str(), "|" | "||" | "&&" | ";" | "&"))
                .collect();
            if depth < 2 {
                if let Some((inner, inner_arguments)) = simple.split_first() {
                    let inner_launch = analyze_at_depth(inner, inner_arguments, depth + 1);
                    launch.launcher = inner_launch.launcher;
                    launch.package = inner_launch.package;
                    launch.script = inner_launch.script;
                    launch.unpinned = inner_launch.unpinned;
                    launch.container_env = inner_launch.container_env;
                }
            }
        } else if let Some(script) = arguments.iter().find(|argument| !argument.starts_with('-')) {
            // `bash ./start.sh`: a script, not a command string.
            launch.launcher = Some(name.clone());
            launch.script = Some(script.clone());
        }
        if piped {
            launch.shell = Some("pipes a download into a shell (`curl … | sh`)".to_owned());
        }
        return launch;
    }
    if piped {
        launch.shell = Some("pipes a download into a shell (`curl … | sh`)".to_owned());
    }

    let words: Vec<&str> = arguments.iter().map(String::as_str).collect();
    match name.as_str() {
        "npx" => npm_launch(&mut launch, "npx", &words, &["-y", "--yes"]),
        "bunx" => npm_launch(&mut launch, "bunx", &words, &[]),
        "pnpx" => npm_launch(&mut launch, "pnpx", &words, &[]),
        "pnpm" | "yarn" => {
            if let Some(position) = words.iter().position(|word| *word == "dlx") {
                let mut before: Vec<&str> = words.iter().take(position).copied().collect();
                before.extend(words.iter().skip(position + 1));
                npm_launch(&mut launch, &format!("{name} dlx"), &before, &[]);
            }
        }
        "npm" => {
            if let Some(position) = words.iter().position(|word| matches!(*word, "exec" | "x")) {
                let mut rest: Vec<&str> = words.iter().take(position).copied().collect();
                rest.extend(words.iter().skip(position + 1));
                npm_launch(&mut launch, "npm exec", &rest, &["-y", "--yes"]);
            }
        }
        "uvx" => python_tool_launch(&mut launch, "uvx", &words),
        "uv" => {
            let tool_run = words.windows(2).position(|pair| pair == ["tool", "run"]);
            if let Some(position) = tool_run {
                let rest: Vec<&str> = words.iter().skip(position + 2).copied().collect();
                python_tool_launch(&mut launch, "uv tool run", &rest);
            } else if let Some(position) = words.iter().position(|word| *word == "run") {
                let rest: Vec<&str> = words.iter().skip(position + 1).copied().collect();
                launch.launcher = Some("uv run".to_owned());
                launch.script = first_script(&rest, UV_RUN_VALUE_OPTIONS);
            }
        }
        "pipx" => {
            if let Some(position) = words.iter().position(|word| *word == "run") {
                let rest: Vec<&str> = words.iter().skip(position + 1).copied().collect();
                python_tool_launch(&mut launch, "pipx run", &rest);
            }
        }
        "docker" | "podman" | "nerdctl" => container_launch(&mut launch, &name, &words),
        "node" | "nodejs" | "tsx" | "ts-node" | "ruby" | "php" | "perl" | "bun" | "deno" => {
            let rest: Vec<&str> = if matches!(name.as_str(), "deno" | "bun") {
                let skip = usize::from(words.first().is_some_and(|word| *word == "run"));
                words.iter().skip(skip).copied().collect()
            } else {
                words.clone()
            };
            launch.launcher = Some(name.clone());
            launch.script = first_script(&rest, &[]);
        }
        interpreter if is_python(interpreter) => {
            launch.launcher = Some(name.clone());
            if words.first().is_some_and(|word| *word == "-m") {
                // `python -m module`: a module of the environment, not a file or a package.
            } else {
                launch.script = first_script(&words, &[]);
            }
        }
        _ => {
            if looks_like_path(command) {
                launch.script = Some(command.to_owned());
            }
        }
    }
    launch
}

fn is_python(name: &str) -> bool {
    name == "python"
        || name == "py"
        || name
            .strip_prefix("python")
            .is_some_and(|version| version.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn looks_like_path(text: &str) -> bool {
    text.starts_with("./")
        || text.starts_with("../")
        || text.starts_with('/')
        || text.starts_with("~/")
        || text.starts_with("${")
        || text.contains('\\')
        || (text.contains('/') && !text.contains("://"))
}

const SCRIPT_EXTENSIONS: &[&str] = &[
    ".js", ".mjs", ".cjs", ".ts", ".mts", ".py", ".rb", ".php", ".pl", ".sh", ".jar",
];

/// The first argument that is a file to run (not an option or an option's value).
fn first_script(words: &[&str], value_options: &[&str]) -> Option<String> {
    let mut skip_next = false;
    for word in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        if word.starts_with('-') {
            skip_next = value_options.contains(word);
            continue;
        }
        let lower = word.to_ascii_lowercase();
        if looks_like_path(word) || SCRIPT_EXTENSIONS.iter().any(|ext| lower.ends_with(ext)) {
            return Some((*word).to_owned());
        }
        return None;
    }
    None
}

const UV_RUN_VALUE_OPTIONS: &[&str] = &[
    "--with",
    "--directory",
    "--project",
    "--python",
    "-p",
    "--index",
    "--index-url",
    "--extra-index-url",
    "--env-file",
    "--extra",
    "--group",
];

/// Detects `curl … | sh`, `wget -O- … | bash`, `iwr … | iex`.
pub(crate) fn pipes_download_into_shell(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    let downloads = ["curl", "wget", "iwr", "invoke-webrequest", "irm"]
        .iter()
        .any(|tool| lower.contains(tool));
    if !downloads {
        return false;
    }
    lower.split('|').skip(1).any(|segment| {
        let first = segment.split_whitespace().next().unwrap_or_default();
        let first = program(first);
        SHELLS.contains(&first.as_str())
            || is_python(&first)
            || matches!(
                first.as_str(),
                "node" | "iex" | "invoke-expression" | "sudo"
            )
    })
}

/// Splits a shell command string into words (quotes and backslashes as POSIX `sh` reads them;
/// `|`, `;` and `&` become words of their own). Nothing is expanded or run.
pub(crate) fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut started = false;
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\'' => {
                started = true;
                for inner in characters.by_ref() {
                    if inner == '\'' {
                        break;
                    }
                    current.push(inner);
                }
            }
            '"' => {
                started = true;
                while let Some(inner) = characters.next() {
                    match inner {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = characters.next() {
                                current.push(escaped);
                            }
                        }
                        other => current.push(other),
                    }
                }
            }
            '\\' => {
                started = true;
                if let Some(escaped) = characters.next() {
                    current.push(escaped);
                }
            }
            '|' | ';' | '&' => {
                if started {
                    words.push(std::mem::take(&mut current));
                    started = false;
                }
                let mut operator = character.to_string();
                if characters.peek() == Some(&character) {
                    operator.push(character);
                    characters.next();
                }
                words.push(operator);
            }
            whitespace if whitespace.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            other => {
                started = true;
                current.push(other);
            }
        }
    }
    if started {
        words.push(current);
    }
    words
}

/// npm launcher options that take a value.
const NPM_VALUE_OPTIONS: &[&str] = &[
    "-p",
    "--package",
    "-c",
    "--call",
    "--registry",
    "--cache",
    "--userconfig",
    "--prefix",
    "--workspace",
    "-w",
];

fn npm_launch(launch: &mut Launch, launcher: &str, words: &[&str], yes_flags: &[&str]) {
    launch.launcher = Some(launcher.to_owned());
    let mut package: Option<&str> = None;
    let mut first_positional: Option<&str> = None;
    let mut yes = false;
    let mut position = 0;
    while let Some(word) = words.get(position) {
        position += 1;
        if *word == "--" {
            if first_positional.is_none() {
                first_positional = words.get(position).copied();
            }
            break;
        }
        if yes_flags.contains(word) {
            yes = true;
            continue;
        }
        if let Some(value) = word.strip_prefix("--package=") {
            package.get_or_insert(value);
            continue;
        }
        if word.starts_with('-') {
            if NPM_VALUE_OPTIONS.contains(word) || is_credential_flag(word) {
                let value = words.get(position).copied();
                position += 1;
                if matches!(*word, "-p" | "--package") {
                    if let Some(value) = value {
                        package.get_or_insert(value);
                    }
                }
            }
            continue;
        }
        first_positional = Some(word);
        break;
    }
    let Some(spec) = package
        .or(first_positional)
        .filter(|spec| !looks_like_secret(spec))
    else {
        return;
    };
    match npm_spec(spec) {
        Some(found) => {
            if found.version.is_none() {
                let how = match &found.requirement {
                    Some(requirement) if requirement == "latest" => "`@latest`".to_owned(),
                    Some(requirement) => format!("`@{requirement}`, not one version"),
                    None => "no version".to_owned(),
                };
                let yes_text = if yes { " -y" } else { "" };
                launch.unpinned = Some(format!(
                    "`{launcher}{yes_text} {spec}` with {how}: each launch may fetch another release"
                ));
            }
            launch.package = Some(found);
        }
        None => {
            launch.unpinned = Some(format!(
                "`{launcher} {spec}` installs from a git repository, a URL or a path, not a registry version"
            ));
        }
    }
}

/// Reads an npm package spec: `name`, `name@1.2.3`, `@scope/name@^1`, `name@latest`. Git, URL,
/// tarball and path specs give `None`.
pub(crate) fn npm_spec(spec: &str) -> Option<PackageSpec> {
    let spec = spec.trim();
    if spec.is_empty()
        || spec.contains("://")
        || spec.starts_with('.')
        || spec.starts_with('/')
        || spec.starts_with('~')
        || spec.ends_with(".tgz")
    {
        return None;
    }
    let (scope_part, rest) = match spec.strip_prefix('@') {
        Some(rest) => {
            let (scope, after) = rest.split_once('/')?;
            (Some(scope), after)
        }
        None => (None, spec),
    };
    if scope_part.is_none() && (spec.contains(':') || spec.contains('/')) {
        // `github:user/repo`, `user/repo`, `file:...`.
        return None;
    }
    let (bare, version_text) = match rest.split_once('@') {
        Some((bare, version)) => (bare, Some(version)),
        None => (rest, None),
    };
    if bare.is_empty()
        || !bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
    {
        return None;
    }
    let name = match scope_part {
        Some(scope) => format!("@{scope}/{bare}"),
        None => bare.to_owned(),
    };
    let exact = version_text.and_then(|text| {
        let candidate = text.trim_start_matches(['v', '=']);
        semver::Version::parse(candidate)
            .ok()
            .map(|_| candidate.to_owned())
    });
    Some(PackageSpec {
        ecosystem: Ecosystem::Npm,
        name,
        requirement: if exact.is_none() {
            version_text.map(str::to_owned)
        } else {
            None
        },
        version: exact,
        registry: None,
        tag: None,
    })
}

/// uv and pipx options that take a value.
const PYTHON_TOOL_VALUE_OPTIONS: &[&str] = &[
    "--from",
    "--spec",
    "--with",
    "--with-editable",
    "--with-requirements",
    "-w",
    "--python",
    "-p",
    "--index",
    "--index-url",
    "--extra-index-url",
    "--default-index",
    "--find-links",
    "-f",
    "--directory",
    "--cache-dir",
    "--config-file",
    "--constraints",
    "--overrides",
    "--pip-args",
    "--env-file",
];

fn python_tool_launch(launch: &mut Launch, launcher: &str, words: &[&str]) {
    launch.launcher = Some(launcher.to_owned());
    let mut from: Option<&str> = None;
    let mut first_positional: Option<&str> = None;
    let mut position = 0;
    while let Some(word) = words.get(position) {
        position += 1;
        if let Some(value) = word
            .strip_prefix("--from=")
            .or_else(|| word.strip_prefix("--spec="))
        {
            from.get_or_insert(value);
            continue;
        }
        if word.starts_with('-') {
            if PYTHON_TOOL_VALUE_OPTIONS.contains(word) || is_credential_flag(word) {
                let value = words.get(position).copied();
                position += 1;
                if matches!(*word, "--from" | "--spec") {
                    if let Some(value) = value {
                        from.get_or_insert(value);
                    }
                }
            }
            continue;
        }
        first_positional = Some(word);
        break;
    }
    let Some(spec) = from
        .or(first_positional)
        .filter(|spec| !looks_like_secret(spec))
    else {
        return;
    };
    match pypi_spec(spec) {
        Some(found) => {
            if found.version.is_none() {
                let how = match &found.requirement {
                    Some(requirement) if requirement == "latest" => "`@latest`".to_owned(),
                    Some(requirement) => format!("`{requirement}`, not one version"),
                    None => "no version".to_owned(),
                };
                launch.unpinned = Some(format!(
                    "`{launcher} {spec}` with {how}: each launch may fetch another release"
                ));
            }
            launch.package = Some(found);
        }
        None => {
            launch.unpinned = Some(format!(
                "`{launcher} {spec}` installs from a git repository, a URL or a path, not a registry version"
            ));
        }
    }
}

/// Reads a PyPI requirement as uv and pipx take it: `name`, `name==1.2`, `name[extra]==1.2`,
/// `name@1.2` (uv), `name@latest`, `name>=1`. Git, URL and path specs give `None`.
pub(crate) fn pypi_spec(spec: &str) -> Option<PackageSpec> {
    let spec = spec.trim();
    if spec.contains("://") || spec.starts_with('.') || spec.starts_with('/') {
        return None;
    }
    let name_length = spec
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map_or(spec.len(), |(position, _)| position);
    let name = spec.get(..name_length)?;
    if name.is_empty() {
        return None;
    }
    let mut rest = spec.get(name_length..).unwrap_or_default().trim();
    if rest.starts_with('[') {
        rest = rest
            .find(']')
            .and_then(|end| rest.get(end + 1..))
            .unwrap_or_default()
            .trim();
    }
    let (version, requirement) = if let Some(exact) = rest
        .strip_prefix("===")
        .or_else(|| rest.strip_prefix("=="))
        .or_else(|| rest.strip_prefix('@'))
    {
        let exact = exact.trim();
        if exact.contains("://") || exact.starts_with("git+") {
            return None;
        }
        let parsed = <pep440_rs::Version as std::str::FromStr>::from_str(exact);
        if parsed.is_ok() && !exact.contains('*') {
            (Some(exact.to_owned()), None)
        } else {
            (None, Some(exact.to_owned()))
        }
    } else if rest.is_empty() {
        (None, None)
    } else {
        (None, Some(rest.to_owned()))
    };
    Some(PackageSpec {
        ecosystem: Ecosystem::PyPI,
        name: name.to_owned(),
        version,
        requirement,
        registry: None,
        tag: None,
    })
}

/// `docker run` options that take a value (the Docker CLI reference).
const DOCKER_VALUE_OPTIONS: &[&str] = &[
    "-e",
    "--env",
    "--env-file",
    "-v",
    "--volume",
    "--mount",
    "-p",
    "--publish",
    "--name",
    "--network",
    "--net",
    "-u",
    "--user",
    "-w",
    "--workdir",
    "--entrypoint",
    "-l",
    "--label",
    "--label-file",
    "--platform",
    "--pull",
    "--cpus",
    "-m",
    "--memory",
    "--memory-swap",
    "--add-host",
    "--cap-add",
    "--cap-drop",
    "--device",
    "--dns",
    "--gpus",
    "--hostname",
    "-h",
    "--ipc",
    "--pid",
    "--restart",
    "--runtime",
    "--security-opt",
    "--shm-size",
    "--stop-signal",
    "--tmpfs",
    "--ulimit",
    "--userns",
    "--uts",
    "--volumes-from",
    "--log-driver",
    "--log-opt",
    "--cidfile",
    "--cgroupns",
    "--expose",
    "--link",
    "--ip",
    "--ip6",
    "--sysctl",
    "-a",
    "--attach",
    "--cpu-shares",
    "-c",
    "--cpuset-cpus",
    "--health-cmd",
    "--stop-timeout",
];

/// Docker global options (before `run`) that take a value.
const DOCKER_GLOBAL_VALUE_OPTIONS: &[&str] = &[
    "--context",
    "-c",
    "-H",
    "--host",
    "--config",
    "-l",
    "--log-level",
];

fn container_launch(launch: &mut Launch, engine: &str, words: &[&str]) {
    let mut position = 0;
    // Global options, then `run` (or `container run`).
    while let Some(word) = words.get(position) {
        position += 1;
        if *word == "run" {
            break;
        }
        if *word == "container" {
            continue;
        }
        if word.starts_with('-') {
            if DOCKER_GLOBAL_VALUE_OPTIONS.contains(word) {
                position += 1;
            }
            continue;
        }
        // Another subcommand (`exec`, `compose`): nothing this reader knows.
        return;
    }
    launch.launcher = Some(format!("{engine} run"));
    while let Some(word) = words.get(position) {
        position += 1;
        if *word == "--" {
            continue;
        }
        if let Some(value) = word.strip_prefix("--env=").or_else(|| {
            (word.starts_with("-e") && word.len() > 2)
                .then(|| word.get(2..))
                .flatten()
        }) {
            launch.container_env.push(env_assignment(value));
            continue;
        }
        if word.starts_with('-') {
            if DOCKER_VALUE_OPTIONS.contains(word) {
                let value = words.get(position).copied();
                position += 1;
                if matches!(*word, "-e" | "--env") {
                    if let Some(value) = value {
                        launch.container_env.push(env_assignment(value));
                    }
                }
            }
            continue;
        }
        if looks_like_secret(word) {
            // Not an image reference: never let a credential become a component name.
            return;
        }
        let image = image_reference(word);
        if image
            .version
            .as_deref()
            .is_none_or(|version| !version.starts_with("sha256:"))
        {
            // Without a digest the version is the tag, if any.
            let how = match &image.version {
                Some(tag) => format!("by the tag `{tag}`"),
                None => "with no tag (`latest`)".to_owned(),
            };
            launch.unpinned = Some(format!(
                "image `{word}` {how}, not by digest: the tag can be moved to other content"
            ));
        }
        launch.package = Some(image);
        return;
    }
}

fn env_assignment(text: &str) -> (String, Option<String>) {
    match text.split_once('=') {
        Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
        None => (text.to_owned(), None),
    }
}

/// Reads `[registry/]path[:tag][@digest]`. Docker Hub (`docker.io`, `index.docker.io`) is the
/// default registry and its `library/` prefix is dropped, so `python` and
/// `docker.io/library/python` are one image.
pub(crate) fn image_reference(reference: &str) -> PackageSpec {
    let (without_digest, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest.to_owned())),
        None => (reference, None),
    };
    // A tag follows the last `:` after the last `/` (a registry port has a `/` after it).
    let last_slash = without_digest.rfind('/').map_or(0, |position| position + 1);
    let (path, tag) = match without_digest
        .get(last_slash..)
        .and_then(|last| last.rfind(':'))
    {
        Some(colon) => (
            without_digest.get(..last_slash + colon).unwrap_or_default(),
            without_digest
                .get(last_slash + colon + 1..)
                .map(str::to_owned),
        ),
        None => (without_digest, None),
    };
    let mut segments: Vec<&str> = path.split('/').collect();
    let registry = match segments.first() {
        Some(first)
            if segments.len() > 1
                && (first.contains('.') || first.contains(':') || *first == "localhost") =>
        {
            let host = first.to_ascii_lowercase();
            segments.remove(0);
            Some(host)
        }
        _ => None,
    };
    let registry = registry.filter(|host| {
        !matches!(
            host.as_str(),
            "docker.io" | "index.docker.io" | "registry-1.docker.io"
        )
    });
    if registry.is_none() && segments.len() == 2 && segments.first() == Some(&"library") {
        segments.remove(0);
    }
    let name = segments.join("/");
    let version = digest.clone().or_else(|| tag.clone());
    PackageSpec {
        ecosystem: Ecosystem::Docker,
        name,
        version,
        requirement: None,
        registry,
        tag: if digest.is_some() { tag } else { None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> Launch {
        let words = split_words(line);
        let (command, arguments) = words.split_first().unwrap();
        analyze(command, arguments)
    }

    #[test]
    fn npx_packages_pinned_and_not() {
        let launch = run("npx -y @modelcontextprotocol/server-github");
        let package = launch.package.unwrap();
        assert_eq!(package.ecosystem, Ecosystem::Npm);
        assert_eq!(package.name, "@modelcontextprotocol/server-github");
        assert_eq!(package.version, None);
        assert!(launch.unpinned.unwrap().contains("no version"));

        let launch = run("npx -y mcp-remote@0.1.15 https://mcp.example.com/sse");
        assert_eq!(launch.package.unwrap().version.as_deref(), Some("0.1.15"));
        assert_eq!(launch.unpinned, None);

        let launch = run("npx --yes @playwright/mcp@latest --headless");
        assert_eq!(launch.package.as_ref().unwrap().name, "@playwright/mcp");
        assert!(launch.unpinned.unwrap().contains("`@latest`"));

        let launch = run("npx -p @scope/tool@2.0.0 tool-bin --flag");
        assert_eq!(launch.package.unwrap().name, "@scope/tool");

        let launch = run("pnpm dlx some-server@^1.2.0");
        assert_eq!(launch.launcher.as_deref(), Some("pnpm dlx"));
        assert_eq!(
            launch.package.unwrap().requirement.as_deref(),
            Some("^1.2.0")
        );

        // A credential is never taken for the package.
        let launch = run("npx --api-key sk-proj-0123456789abcdefGHIJ some-server@1.0.0");
        assert_eq!(launch.package.unwrap().name, "some-server");
        let launch = run("npx -y sk-proj-0123456789abcdefGHIJKL");
        assert!(launch.package.is_none());

        let launch = run("bunx github:someone/server");
        assert!(launch.package.is_none());
        assert!(launch.unpinned.unwrap().contains("not a registry version"));
    }

    #[test]
    fn python_tools() {
        let launch = run("uvx mcp-server-fetch");
        assert_eq!(launch.package.as_ref().unwrap().name, "mcp-server-fetch");
        assert!(launch.unpinned.is_some());
        let launch = run("uvx --from mcp-server-git==2025.1.14 mcp-server-git --repository .");
        let package = launch.package.unwrap();
        assert_eq!(package.ecosystem, Ecosystem::PyPI);
        assert_eq!(package.version.as_deref(), Some("2025.1.14"));
        assert_eq!(launch.unpinned, None);
        let launch = run("uv tool run mcp-server-time@2025.1.1");
        assert_eq!(launch.package.unwrap().version.as_deref(), Some("2025.1.1"));
        let launch = run("pipx run --spec 'mcp-proxy>=0.3' mcp-proxy");
        assert_eq!(
            launch.package.unwrap().requirement.as_deref(),
            Some(">=0.3")
        );
        let launch = run("uv run --with mcp server.py");
        assert_eq!(launch.script.as_deref(), Some("server.py"));
        assert!(launch.package.is_none());
    }

    #[test]
    fn containers() {
        let launch = run("docker run -i --rm -e GITHUB_PERSONAL_ACCESS_TOKEN -e MODE=fast ghcr.io/github/github-mcp-server:v0.4.0");
        let image = launch.package.unwrap();
        assert_eq!(image.ecosystem, Ecosystem::Docker);
        assert_eq!(image.name, "github/github-mcp-server");
        assert_eq!(image.registry.as_deref(), Some("ghcr.io"));
        assert_eq!(image.version.as_deref(), Some("v0.4.0"));
        assert!(launch.unpinned.unwrap().contains("by the tag `v0.4.0`"));
        assert_eq!(
            launch.container_env,
            [
                ("GITHUB_PERSONAL_ACCESS_TOKEN".to_owned(), None),
                ("MODE".to_owned(), Some("fast".to_owned()))
            ]
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        let launch = run(&format!(
            "podman run --rm -i docker.io/library/python:3.12@{digest}"
        ));
        let image = launch.package.unwrap();
        assert_eq!(image.name, "python");
        assert_eq!(image.registry, None);
        assert_eq!(image.version.as_deref(), Some(digest.as_str()));
        assert_eq!(image.tag.as_deref(), Some("3.12"));
        assert_eq!(launch.unpinned, None);
        let image = image_reference("localhost:5000/team/server");
        assert_eq!(image.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(image.version, None);
    }

    #[test]
    fn shells_and_scripts() {
        let launch = run("bash -c 'npx -y some-server@1.0.0 --port 3000'");
        assert!(launch.shell.unwrap().contains("bash -c"));
        assert_eq!(launch.package.unwrap().name, "some-server");
        let launch = run("cmd /c npx -y @scope/server");
        assert!(launch.shell.is_some());
        assert_eq!(launch.package.unwrap().name, "@scope/server");
        let launch = run("sh -c \"curl -fsSL https://get.example.com/install.sh | sh\"");
        assert!(launch.shell.unwrap().contains("pipes a download"));
        assert!(run("bash ./start.sh").shell.is_none());
        assert_eq!(run("bash ./start.sh").script.as_deref(), Some("./start.sh"));
        assert_eq!(
            run("node ./build/index.js --stdio").script.as_deref(),
            Some("./build/index.js")
        );
        assert_eq!(
            run("python3 server.py").script.as_deref(),
            Some("server.py")
        );
        assert_eq!(run("python -m my_server").script, None);
        assert_eq!(
            run("/opt/servers/bin/mcp-server").script.as_deref(),
            Some("/opt/servers/bin/mcp-server")
        );
        assert_eq!(run("github-mcp-server stdio"), Launch::default());
    }

    #[test]
    fn words_split_like_sh() {
        assert_eq!(
            split_words(r#"a 'b c' "d \"e\"" f\ g|h&&i"#),
            ["a", "b c", "d \"e\"", "f g", "|", "h", "&&", "i"]
        );
    }
}
