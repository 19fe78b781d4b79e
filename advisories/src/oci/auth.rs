//! Registry credentials, from the files the operator's container tools already keep: the
//! `auths` entries of Docker's `config.json` and Podman's `auth.json`, and, only when the
//! operator passes `--credential-helpers`, the credential helper a file names (a helper is a
//! program: running one is the operator's decision, never the default).
//!
//! Credentials never reach a message: [`Credentials`] prints as `<redacted>`, errors name the
//! file and the host, never a value.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use super::RegistryError;

/// The largest auth file read (real ones are a few kilobytes).
const MAX_AUTH_FILE_BYTES: u64 = 1024 * 1024;
/// The most a credential helper may print.
const MAX_HELPER_OUTPUT_BYTES: usize = 64 * 1024;

/// A user name and secret (a password or a token).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password or token.
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Credentials(<redacted>)")
    }
}

impl Credentials {
    /// The `Authorization: Basic …` value.
    pub(super) fn basic_header(&self) -> String {
        let pair = format!("{}:{}", self.username, self.secret);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    }
}

/// Where credentials come from.
#[derive(Debug, Clone, Default)]
pub struct AuthSources {
    /// The auth files to read, first match wins. [`AuthSources::from_environment`] lists the
    /// operator's.
    pub files: Vec<PathBuf>,
    /// Run the credential helper (`credHelpers`, `credsStore`) a file names for the host.
    pub credential_helpers: bool,
}

impl AuthSources {
    /// The operator's auth files, in the order Podman and Docker read them:
    /// `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`, then
    /// `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`).
    pub fn from_environment(credential_helpers: bool) -> AuthSources {
        let variable = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        let mut files = Vec::new();
        if let Some(file) = variable("REGISTRY_AUTH_FILE") {
            files.push(PathBuf::from(file));
        }
        if let Some(runtime) = variable("XDG_RUNTIME_DIR") {
            files.push(Path::new(&runtime).join("containers").join("auth.json"));
        }
        if let Some(docker) = variable("DOCKER_CONFIG") {
            files.push(Path::new(&docker).join("config.json"));
        } else if let Some(home) = dirs::home_dir() {
            files.push(home.join(".docker").join("config.json"));
        }
        AuthSources {
            files,
            credential_helpers,
        }
    }

    /// The credentials for `registry` (`HOST[:PORT]`): the first auth file with an `auths`
    /// entry for it, else (with `credential_helpers`) its helper. `Ok(None)` when no file
    /// names the host; a file that names it in a way that cannot be read is an error.
    pub fn lookup(&self, registry: &str) -> Result<Lookup, RegistryError> {
        let mut helper_named = None;
        for file in &self.files {
            let Some(config) = read_auth_file(file)? else {
                continue;
            };
            if let Some(entry) = config
                .auths
                .iter()
                .find(|(key, _)| normalize_key(key) == registry)
                .map(|(_, entry)| entry)
            {
                if let Some(credentials) = entry.credentials(file, registry)? {
                    return Ok(Lookup::Found(credentials));
                }
            }
            let helper = config
                .cred_helpers
                .iter()
                .find(|(key, _)| normalize_key(key) == registry)
                .map(|(_, helper)| helper.clone())
                .or_else(|| config.creds_store.clone())
                .filter(|helper| !helper.is_empty());
            if let Some(helper) = helper {
                if self.credential_helpers {
                    if let Some(credentials) = run_helper(&helper, registry)? {
                        return Ok(Lookup::Found(credentials));
                    }
                } else if helper_named.is_none() {
                    helper_named = Some(helper);
                }
            }
        }
        Ok(match helper_named {
            Some(helper) => Lookup::HelperNotRun(helper),
            None => Lookup::None,
        })
    }
}

/// What a credential lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Credentials for the host.
    Found(Credentials),
    /// No file names the host, but one names a credential helper that was not run (the
    /// operator did not pass `--credential-helpers`); the helper's name.
    HelperNotRun(String),
    /// Nothing for the host.
    None,
}

#[derive(Debug, Default, Deserialize)]
struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(rename = "credsStore", default)]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(rename = "identitytoken", default)]
    identity_token: Option<String>,
}

impl AuthEntry {
    fn credentials(
        &self,
        file: &Path,
        registry: &str,
    ) -> Result<Option<Credentials>, RegistryError> {
        let unreadable = |why: &str| RegistryError::AuthFile {
            path: file.to_path_buf(),
            reason: format!("the entry for {registry}: {why}"),
        };
        if let Some(encoded) = self.auth.as_deref().filter(|auth| !auth.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|_| unreadable("`auth` is not base64"))?;
            let text = String::from_utf8(decoded).map_err(|_| unreadable("`auth` is not UTF-8"))?;
            let (username, secret) = text
                .split_once(':')
                .ok_or_else(|| unreadable("`auth` is not USER:PASSWORD"))?;
            return Ok(Some(Credentials {
                username: username.to_owned(),
                secret: secret.to_owned(),
            }));
        }
        if let (Some(username), Some(password)) = (&self.username, &self.password) {
            return Ok(Some(Credentials {
                username: username.clone(),
                secret: password.clone(),
            }));
        }
        if self.identity_token.is_some() {
            return Err(unreadable(
                "only an `identitytoken` (an OAuth refresh token), which airlock does not use; log in with a user name and password or token",
            ));
        }
        Ok(None)
    }
}

/// An auth file, or `None` when it does not exist.
fn read_auth_file(path: &Path) -> Result<Option<AuthFile>, RegistryError> {
    use std::io::Read as _;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(RegistryError::AuthFile {
                path: path.to_path_buf(),
                reason: format!("cannot read: {error}"),
            })
        }
    };
    let mut bytes = Vec::new();
    file.take(MAX_AUTH_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| RegistryError::AuthFile {
            path: path.to_path_buf(),
            reason: format!("cannot read: {error}"),
        })?;
    if bytes.len() as u64 > MAX_AUTH_FILE_BYTES {
        return Err(RegistryError::AuthFile {
            path: path.to_path_buf(),
            reason: format!("over the {MAX_AUTH_FILE_BYTES}-byte cap"),
        });
    }
    // serde_json's message names a line and column, never the text read.
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|error| RegistryError::AuthFile {
            path: path.to_path_buf(),
            reason: format!(
                "not an auth file: line {}, column {}",
                error.line(),
                error.column()
            ),
        })
}

/// An `auths` key as the host it names: `https://host:port/v1/` → `host:port`. Docker Hub's
/// historical key names `docker.io`.
fn normalize_key(key: &str) -> String {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = key.split('/').next().unwrap_or(key).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" => "docker.io".to_owned(),
        _ => host,
    }
}

/// Runs `docker-credential-HELPER get` with the host on its standard input (the protocol of
/// docker/docker-credential-helpers); `Ok(None)` when the helper knows no credentials for it.
fn run_helper(helper: &str, registry: &str) -> Result<Option<Credentials>, RegistryError> {
    let failed = |reason: String| RegistryError::CredentialHelper {
        helper: helper.to_owned(),
        reason,
    };
    if !helper
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
    {
        return Err(failed(
            "the helper's name is not a plain program name".to_owned(),
        ));
    }
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| failed(format!("cannot run {program}: {error}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(registry.as_bytes())
            .map_err(|error| failed(format!("cannot write to {program}: {error}")))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|error| failed(format!("{program} failed: {error}")))?;
    if !output.status.success() {
        // "credentials not found in native keychain" is the protocol's no.
        return Ok(None);
    }
    if output.stdout.len() > MAX_HELPER_OUTPUT_BYTES {
        return Err(failed(format!("{program} printed too much")));
    }
    #[derive(Deserialize)]
    struct HelperAnswer {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout).map_err(|_| {
        failed(format!(
            "{program} did not print the helper protocol's JSON"
        ))
    })?;
    if answer.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credentials {
        username: answer.username,
        secret: answer.secret,
    }))
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Challenge {
    /// `Basic realm=…`.
    Basic,
    /// `Bearer realm=…,service=…,scope=…`.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Reads a `WWW-Authenticate` header value (RFC 7235 auth-params, quoted or not).
pub(super) fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut parameters = BTreeMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' {
                break;
            }
            name.push(c);
            chars.next();
        }
        if chars.next().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    other => value.push(other),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        parameters.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    Some(Challenge::Bearer {
        realm: parameters.remove("realm")?,
        service: parameters.remove("service"),
        scope: parameters.remove("scope"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_read_quoted_or_not() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://r.example/token",service="r.example",scope="repository:a/b:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://r.example/token".to_owned(),
                service: Some("r.example".to_owned()),
                scope: Some("repository:a/b:pull,push".to_owned()),
            })
        );
        assert_eq!(
            parse_challenge("Bearer realm=https://r.example/token"),
            Some(Challenge::Bearer {
                realm: "https://r.example/token".to_owned(),
                service: None,
                scope: None,
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge("Bearer service=x"), None);
    }

    #[test]
    fn auth_files_are_matched_by_host_and_never_printed() {
        let directory = tempfile::tempdir().unwrap();
        let docker = directory.path().join("config.json");
        let encoded = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(
            &docker,
            format!(
                r#"{{"auths": {{"https://registry.example:5000/v1/": {{"auth": "{encoded}"}},
                    "other.example": {{"username": "bob", "password": "pw"}}}},
                   "credHelpers": {{"helped.example": "nothere"}}}}"#
            ),
        )
        .unwrap();
        let sources = AuthSources {
            files: vec![directory.path().join("missing.json"), docker.clone()],
            credential_helpers: false,
        };
        let Lookup::Found(found) = sources.lookup("registry.example:5000").unwrap() else {
            panic!("no credentials");
        };
        assert_eq!(found.username, "alice");
        assert_eq!(found.secret, "s3cret");
        assert!(!format!("{found:?}").contains("s3cret"));
        assert_eq!(
            sources.lookup("other.example").unwrap(),
            Lookup::Found(Credentials {
                username: "bob".to_owned(),
                secret: "pw".to_owned()
            })
        );
        assert_eq!(sources.lookup("registry.example").unwrap(), Lookup::None);
        // A helper is named, not run, without --credential-helpers.
        assert_eq!(
            sources.lookup("helped.example").unwrap(),
            Lookup::HelperNotRun("nothere".to_owned())
        );
        // With it, a helper that is not installed is an error naming the program.
        let running = AuthSources {
            credential_helpers: true,
            ..sources
        };
        let error = running.lookup("helped.example").unwrap_err().to_string();
        assert!(error.contains("docker-credential-nothere"), "{error}");
    }

    #[test]
    fn a_broken_auth_file_is_an_error_that_quotes_nothing_from_it() {
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("auth.json");
        std::fs::write(
            &file,
            r#"{"auths": {"r.example": {"auth": "not base64 s3cret!"}}}"#,
        )
        .unwrap();
        let sources = AuthSources {
            files: vec![file.clone()],
            credential_helpers: false,
        };
        let error = sources.lookup("r.example").unwrap_err().to_string();
        assert!(
            error.contains("auth.json") && error.contains("base64"),
            "{error}"
        );
        assert!(!error.contains("s3cret"), "{error}");
        std::fs::write(&file, "{\"auths\": {\"r.example\": s3cret").unwrap();
        let error = sources.lookup("r.example").unwrap_err().to_string();
        assert!(!error.contains("s3cret"), "{error}");
    }
}
