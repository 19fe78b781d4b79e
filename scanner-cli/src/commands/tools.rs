//! `airlock tools pin PATH`: the reviewed tool declarations as `airlock-tools.lock`
//! (`scanner_core::tools_lock`), optionally signed; and the operator's `--tools-lock FILE`
//! (with `--pin-key PUB`) that `scan` and `verify` compare the tree with.
//!
//! Trust: the lock is read only from the path the operator names. A lock inside a scanned tree
//! is never looked for, so a repository cannot pin its own changed tools. With `--pin-key`, the
//! lock must carry a DSSE signature (`FILE.dsse.json`) by that key over its SHA-256, or the run
//! stops (exit 2): a lock that cannot be vouched for must not decide anything.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use advisories::attestation::{Envelope, Statement, Subject};
use advisories::signing::{PublicKey, SecretKey};
use scanner_core::scan::display_path;
use scanner_core::tools_lock::{ToolsLock, FILE_NAME};
use scanner_core::Component;

use super::{Outcome, Verbosity};
use crate::cli::{ReportArgs, ToolsCommand, ToolsLockArgs, ToolsPinArgs};
use crate::emit::Format;
use crate::output::{stderr_line, Target};

/// The in-toto predicate type of a signed tools lock.
pub const PREDICATE_TYPE: &str = "https://github.com/airlock/airlock/tools-lock/v1";

/// A tools lock is a list of hashes; anything larger is not one.
const MAX_LOCK_BYTES: u64 = 16 * 1024 * 1024;

pub fn run(command: &ToolsCommand, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    match command {
        ToolsCommand::Pin(args) => pin(args, verbosity),
    }
}

/// Where the signature of the lock at `lock` lies: `FILE.dsse.json` beside it.
fn signature_path(lock: &Path) -> PathBuf {
    let mut name = lock.as_os_str().to_owned();
    name.push(".dsse.json");
    PathBuf::from(name)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn pin(args: &ToolsPinArgs, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(FILE_NAME));
    let target = Target::resolve(Some(&output))?;
    let key = args.key.as_deref().map(SecretKey::load).transpose()?;
    if key.is_some() && matches!(target, Target::Stdout) {
        anyhow::bail!(
            "--key writes FILE.dsse.json beside the lock: give the lock a file (-o FILE)"
        );
    }
    let signature_target = match &key {
        Some(_) => Some(Target::resolve(Some(&signature_path(&output)))?),
        None => None,
    };
    let report = super::scan_paths(
        &ReportArgs {
            paths: args.paths.clone(),
            format: Format::Table,
            spec_version: crate::emit::CycloneDxVersion::default(),
            profile: None,
            output: Some(output.clone()),
            cargo_metadata: false,
            no_default_excludes: args.no_default_excludes,
            include_environments: false,
            include_user_config: false,
            allow_empty: true,
            image: Default::default(),
        },
        verbosity,
    )?;
    if report.has_errors() {
        anyhow::bail!(
            "some files could not be read (see above): a pin must cover every declaration, nothing was written"
        );
    }
    let lock = ToolsLock::from_graph(&report.graph)?;
    if lock.tools.is_empty() {
        anyhow::bail!(
            "no tool declaration under {}: nothing to pin (save each server's tools/list as SERVER.tools.json)",
            args.paths
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let text = lock.to_toml();
    target.write(text.as_bytes())?;
    let servers: std::collections::BTreeSet<&str> =
        lock.tools.iter().map(|pin| pin.server.as_str()).collect();
    let written_to = if matches!(target, Target::Stdout) {
        "stdout".to_owned()
    } else {
        output.display().to_string()
    };
    let mut summary = format!(
        "pinned {} of {} to {written_to}",
        super::count(lock.tools.len(), "tool"),
        super::count(servers.len(), "server"),
    );
    if let (Some(key), Some(signature_target)) = (&key, &signature_target) {
        let name = output
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| FILE_NAME.to_owned());
        let statement = Statement {
            subjects: vec![Subject {
                name,
                sha256: sha256_hex(text.as_bytes()),
            }],
            predicate_type: PREDICATE_TYPE.to_owned(),
            predicate: serde_json::json!({ "tools": lock.tools.len() }),
        };
        let envelope = Envelope::sign(&statement, key)?;
        signature_target.write(&envelope.to_json()?)?;
        summary.push_str(&format!(
            ", signed by {} ({})",
            key.public_key().fingerprint(),
            signature_path(&output).display()
        ));
    }
    if verbosity != Verbosity::Quiet {
        stderr_line(&summary);
    }
    Ok(Outcome::Clean)
}

/// The operator's tools lock, read and (with `--pin-key`) verified.
#[derive(Debug, Clone)]
pub(super) struct OperatorLock {
    lock: ToolsLock,
    component: Component,
    display: String,
}

impl OperatorLock {
    /// Reads `--tools-lock`; `None` without it. Errors name the file (exit 2).
    pub(super) fn load(args: &ToolsLockArgs) -> anyhow::Result<Option<OperatorLock>> {
        let Some(path) = &args.tools_lock else {
            return Ok(None);
        };
        let display = display_path(path);
        let bytes =
            read_capped(path).with_context(|| format!("cannot read the tools lock {display}"))?;
        let sha256 = sha256_hex(&bytes);
        if let Some(public) = &args.pin_key {
            verify_signature(path, &display, &sha256, &PublicKey::load(public)?)?;
        }
        let lock = ToolsLock::parse(&display, &bytes)?;
        let component = ToolsLock::component(&display, &sha256)
            .with_context(|| format!("cannot name the tools lock {display}"))?;
        Ok(Some(OperatorLock {
            lock,
            component,
            display,
        }))
    }

    /// The findings of the scan against the lock, and the lock's component for the report.
    pub(super) fn judge(
        &self,
        graph: &scanner_core::DependencyGraph,
    ) -> (Vec<scanner_core::risk::Finding>, Component) {
        (
            self.lock.compare(graph, &self.component.key, &self.display),
            self.component.clone(),
        )
    }
}

fn read_capped(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_LOCK_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_LOCK_BYTES {
        anyhow::bail!("larger than {MAX_LOCK_BYTES} bytes: not a tools lock");
    }
    Ok(bytes)
}

/// The lock's signature holds under `key` and names these bytes.
fn verify_signature(
    lock: &Path,
    display: &str,
    sha256: &str,
    key: &PublicKey,
) -> anyhow::Result<()> {
    let signature = signature_path(lock);
    let envelope = Envelope::load(&signature).with_context(|| {
        format!(
            "--pin-key: the tools lock {display} has no readable signature {}",
            display_path(&signature)
        )
    })?;
    let verified = envelope.verify(key).with_context(|| {
        format!("--pin-key: the signature of the tools lock {display} does not hold")
    })?;
    if verified.statement.predicate_type != PREDICATE_TYPE {
        anyhow::bail!(
            "--pin-key: {} signs `{}`, not a tools lock",
            display_path(&signature),
            verified.statement.predicate_type
        );
    }
    if !verified
        .statement
        .subjects
        .iter()
        .any(|subject| subject.sha256 == sha256)
    {
        anyhow::bail!(
            "--pin-key: the tools lock {display} was changed after it was signed (its SHA-256 is not the signed one)"
        );
    }
    Ok(())
}
