//! Settings for the advisory database, sync and bundle verification: the `[database]` and
//! `[sync]` tables of airlock's configuration files, then environment variables, which win.
//! Which files are read, and in which order, is decided once for every command by the CLI's
//! settings loader (`scanner-cli/src/settings.rs`, docs/configuration.md); this module reads
//! one file's text at a time ([`apply_text`]) and then the environment ([`apply_environment`]).
//! Relative paths in a file are relative to that file's directory. Only the `[database]` and
//! `[sync]` tables are read here; other tables belong to other parts of airlock.
//!
//! ```toml
//! [database]
//! path = "advisories.sqlite3"     # else the user data directory (or --db / AIRLOCK_DB)
//! max-age = "7d"                  # scans fail past this data age; "none" turns it off
//!                                 # (AIRLOCK_MAX_DB_AGE; `max_age_days = 7` is read too)
//! public_key = "release.pub"      # bundles must be signed by this key
//!
//! [sync]
//! mirror = "https://osv-vulnerabilities.storage.googleapis.com"   # AIRLOCK_MIRROR
//! ecosystems = ["PyPI", "crates.io", "npm"]   # default: PyPI and crates.io
//! timeout_seconds = 60            # AIRLOCK_SYNC_TIMEOUT
//! retries = 2                     # AIRLOCK_SYNC_RETRIES
//! max_archive_megabytes = 2048
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::freshness::{MaxAge, DEFAULT_MAX_AGE};

/// OSV's public bucket; `{base}/{ecosystem}/all.zip` is one ecosystem's archive.
pub const DEFAULT_MIRROR: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// The ecosystems `db sync` fetches unless configured otherwise: those of the lockfiles airlock
/// reads. npm (the packages MCP servers run) is opt-in through `[sync] ecosystems`.
pub const DEFAULT_ECOSYSTEMS: [&str; 2] = ["PyPI", "crates.io"];
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Why the configuration could not be taken; a broken file stops the command rather than be
/// half read, and every variant names the file (and line) or the variable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The configuration file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Parse {
        /// The configuration file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The file is too large, or a setting has a value airlock does not accept.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The configuration file.
        path: PathBuf,
        /// Which setting and why.
        message: String,
    },
    /// An `AIRLOCK_*` variable has a value airlock does not accept.
    #[error("environment variable {name}: {message}")]
    Environment {
        /// The variable.
        name: &'static str,
        /// Why its value was refused.
        message: String,
    },
}

#[derive(Deserialize, Default)]
struct WireConfig {
    database: Option<WireDatabase>,
    sync: Option<WireSync>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireDatabase {
    path: Option<PathBuf>,
    #[serde(rename = "max-age")]
    max_age: Option<String>,
    /// The earlier spelling, in whole days; still read.
    max_age_days: Option<u64>,
    public_key: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireSync {
    mirror: Option<String>,
    ecosystems: Option<Vec<String>>,
    timeout_seconds: Option<u64>,
    retries: Option<u32>,
    max_archive_megabytes: Option<u64>,
}

/// How `airlock db sync` fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    /// The base URL archives are fetched from (`{mirror}/{ecosystem}/all.zip`): OSV's bucket
    /// or an internal mirror.
    pub mirror: String,
    /// The OSV ecosystems to fetch, in order.
    pub ecosystems: Vec<String>,
    /// Per connect and per read.
    pub timeout: Duration,
    /// Extra attempts after a failed one (network errors, 5xx, truncated bodies).
    pub retries: u32,
    /// A download larger than this is abandoned: a mirror cannot fill the disk.
    pub max_archive_bytes: u64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            mirror: DEFAULT_MIRROR.to_owned(),
            ecosystems: DEFAULT_ECOSYSTEMS
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
            timeout: Duration::from_secs(60),
            retries: 2,
            max_archive_bytes: 2048 * 1024 * 1024,
        }
    }
}

/// The merged settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The database file; `None` for the default location ([`crate::default_path`]).
    pub database_path: Option<PathBuf>,
    /// How old the data may be before scans fail (`--max-db-age` wins over this).
    pub max_age: MaxAge,
    /// The pinned public key bundles must be signed with, when one is configured.
    pub public_key: Option<PathBuf>,
    /// How `db sync` fetches.
    pub sync: SyncSettings,
    /// The files that were read, in order.
    pub files: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_path: None,
            max_age: DEFAULT_MAX_AGE,
            public_key: None,
            sync: SyncSettings::default(),
            files: Vec::new(),
        }
    }
}

/// The user's config file (may not exist).
pub fn user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|directory| directory.join("airlock").join("config.toml"))
}

/// Merges one file into `config`.
pub fn apply_file(config: &mut Config, path: &Path) -> Result<(), ConfigError> {
    let io = |source| ConfigError::Io {
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_CONFIG_BYTES {
        return Err(ConfigError::Invalid {
            path: path.to_owned(),
            message: format!("larger than {MAX_CONFIG_BYTES} bytes"),
        });
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    apply_text(config, path, &text)
}

/// Merges the `[database]` and `[sync]` tables of one file's text into `config` (`path` names
/// the file in errors and anchors its relative paths). Other tables are ignored.
pub fn apply_text(config: &mut Config, path: &Path, text: &str) -> Result<(), ConfigError> {
    let wire: WireConfig = toml::from_str(text).map_err(|error| {
        let (line, column) = error
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        ConfigError::Parse {
            path: path.to_owned(),
            line,
            column,
            message: error.message().to_owned(),
        }
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_owned(),
        message,
    };
    if let Some(database) = wire.database {
        if let Some(database_path) = database.path {
            config.database_path = Some(base.join(database_path));
        }
        match (database.max_age, database.max_age_days) {
            (Some(_), Some(_)) => return Err(invalid(
                "[database] sets both `max-age` and `max_age_days`: keep `max-age` (e.g. \"7d\")"
                    .to_owned(),
            )),
            (Some(text), None) => {
                config.max_age = MaxAge::parse(&text)
                    .map_err(|message| invalid(format!("[database] max-age: {message}")))?;
            }
            (None, Some(days)) => config.max_age = MaxAge::days(days),
            (None, None) => {}
        }
        if let Some(key) = database.public_key {
            config.public_key = Some(base.join(key));
        }
    }
    if let Some(sync) = wire.sync {
        if let Some(mirror) = sync.mirror {
            config.sync.mirror = check_mirror(&mirror).map_err(invalid)?;
        }
        if let Some(ecosystems) = sync.ecosystems {
            for ecosystem in &ecosystems {
                check_ecosystem(ecosystem).map_err(invalid)?;
            }
            config.sync.ecosystems = ecosystems;
        }
        if let Some(seconds) = sync.timeout_seconds {
            config.sync.timeout = Duration::from_secs(seconds.max(1));
        }
        if let Some(retries) = sync.retries {
            config.sync.retries = retries.min(10);
        }
        if let Some(megabytes) = sync.max_archive_megabytes {
            config.sync.max_archive_bytes = megabytes.saturating_mul(1024 * 1024);
        }
    }
    config.files.push(path.to_owned());
    Ok(())
}

/// Applies the environment variables (they win over every file): `AIRLOCK_MIRROR`,
/// `AIRLOCK_SYNC_TIMEOUT`, `AIRLOCK_SYNC_RETRIES`, `AIRLOCK_MAX_DB_AGE`.
pub fn apply_environment(config: &mut Config) -> Result<(), ConfigError> {
    if let Some(text) = variable("AIRLOCK_MAX_DB_AGE") {
        config.max_age = MaxAge::parse(&text).map_err(|message| ConfigError::Environment {
            name: "AIRLOCK_MAX_DB_AGE",
            message,
        })?;
    }
    if let Some(mirror) = variable("AIRLOCK_MIRROR") {
        config.sync.mirror = check_mirror(&mirror).map_err(|message| ConfigError::Environment {
            name: "AIRLOCK_MIRROR",
            message,
        })?;
    }
    if let Some(text) = variable("AIRLOCK_SYNC_TIMEOUT") {
        let seconds = parse_number::<f64>("AIRLOCK_SYNC_TIMEOUT", &text)?;
        if !(seconds.is_finite() && seconds > 0.0) {
            return Err(ConfigError::Environment {
                name: "AIRLOCK_SYNC_TIMEOUT",
                message: format!("expected a positive number of seconds, found `{text}`"),
            });
        }
        config.sync.timeout = Duration::from_secs_f64(seconds.min(3600.0));
    }
    if let Some(text) = variable("AIRLOCK_SYNC_RETRIES") {
        config.sync.retries = parse_number::<u32>("AIRLOCK_SYNC_RETRIES", &text)?.min(10);
    }
    Ok(())
}

fn variable(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

fn parse_number<T: std::str::FromStr>(name: &'static str, text: &str) -> Result<T, ConfigError> {
    text.trim().parse().map_err(|_| ConfigError::Environment {
        name,
        message: format!("expected a number, found `{text}`"),
    })
}

fn check_mirror(mirror: &str) -> Result<String, String> {
    let trimmed = mirror.trim().trim_end_matches('/');
    if trimmed.starts_with("https://") || trimmed.starts_with("http://") {
        Ok(trimmed.to_owned())
    } else {
        Err(format!(
            "mirror `{mirror}` must be an http:// or https:// URL"
        ))
    }
}

fn check_ecosystem(ecosystem: &str) -> Result<(), String> {
    let valid = !ecosystem.is_empty()
        && ecosystem.len() <= 64
        && ecosystem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | ' '));
    if valid {
        Ok(())
    } else {
        Err(format!("`{ecosystem}` is not an OSV ecosystem name"))
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_merge_and_errors_give_lines() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("airlock.toml");
        std::fs::write(
            &path,
            "[database]\nmax_age_days = 3\npublic_key = \"keys/release.pub\"\n[sync]\nmirror = \"http://127.0.0.1:9/\"\necosystems = [\"PyPI\"]\n[other]\nanything = 1\n",
        )
        .unwrap();
        let mut config = Config::default();
        apply_file(&mut config, &path).unwrap();
        assert_eq!(config.max_age, MaxAge::days(3));
        assert_eq!(
            config.public_key,
            Some(directory.path().join("keys/release.pub"))
        );
        assert_eq!(config.sync.mirror, "http://127.0.0.1:9");
        assert_eq!(config.sync.ecosystems, ["PyPI"]);

        std::fs::write(&path, "[database]\nmax-age = \"12h\"\n").unwrap();
        apply_file(&mut config, &path).unwrap();
        assert_eq!(config.max_age, MaxAge::parse("12h").unwrap());
        std::fs::write(&path, "[database]\nmax-age = \"none\"\n").unwrap();
        apply_file(&mut config, &path).unwrap();
        assert_eq!(config.max_age, MaxAge::Off);
        std::fs::write(&path, "[database]\nmax-age = \"7\"\n").unwrap();
        let error = apply_file(&mut config, &path).unwrap_err().to_string();
        assert!(error.contains("max-age: `7` is not a duration"), "{error}");
        std::fs::write(&path, "[database]\nmax-age = \"7d\"\nmax_age_days = 7\n").unwrap();
        let error = apply_file(&mut config, &path).unwrap_err().to_string();
        assert!(
            error.contains("both `max-age` and `max_age_days`"),
            "{error}"
        );

        std::fs::write(&path, "[database]\nmax_age_days = \"x\"\n").unwrap();
        let error = apply_file(&mut config, &path).unwrap_err().to_string();
        assert!(error.contains("airlock.toml:2:"), "{error}");
        std::fs::write(&path, "[sync]\nmirror = \"ftp://x\"\n").unwrap();
        let error = apply_file(&mut config, &path).unwrap_err().to_string();
        assert!(error.contains("http"), "{error}");
    }
}
