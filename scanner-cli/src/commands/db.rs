//! `airlock db sync|import|export|verify|info`, and the database plumbing `scan` shares: where
//! the database is (`--db`, `AIRLOCK_DB`, config, user data directory), the settings, and the
//! "how old is it" line every report carries.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde_json::json;

use advisories::config::{self, Config};
use advisories::signing::{PublicKey, SecretKey};
use advisories::store::DatabaseSummary;
use advisories::sync::FetchOutcome;
use advisories::time::{describe_age, Timestamp};
use advisories::{bundle, ImportReport, Store};

use crate::cli::{
    Cli, DbCommand, DbExportArgs, DbImportArgs, DbInfoArgs, DbSyncArgs, DbVerifyArgs, ListFormat,
};
use crate::output::{stderr_line, write_report};
use crate::Outcome;

use super::{progress, Verbosity};

/// The database location and the settings that apply to it.
#[derive(Debug)]
pub struct Context {
    pub database: PathBuf,
    pub config: Config,
}

/// Resolves `--db`, then `AIRLOCK_DB`, then `[database] path`, then the user data directory.
pub fn context(cli: &Cli) -> anyhow::Result<Context> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let config = config::load(&cwd)?;
    let from_environment = std::env::var_os("AIRLOCK_DB")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from);
    let database = cli
        .db
        .clone()
        .or(from_environment)
        .or_else(|| config.database_path.clone())
        .or_else(advisories::default_path)
        .context("cannot find the user data directory for the advisory database: pass --db PATH")?;
    Ok(Context { database, config })
}

pub fn run(cli: &Cli, command: &DbCommand, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    let context = context(cli)?;
    match command {
        DbCommand::Sync(args) => sync(&context, args, verbosity),
        DbCommand::Import(args) => import(&context, args, verbosity),
        DbCommand::Export(args) => export(&context, args, verbosity),
        DbCommand::Verify(args) => verify(&context, args, verbosity),
        DbCommand::Info(args) => info(&context, args),
    }
}

/// The key a bundle must be signed with: `--key`, else the pinned `[database] public_key`.
fn verification_key(context: &Context, given: Option<&Path>) -> anyhow::Result<Option<PublicKey>> {
    let path = given
        .map(Path::to_owned)
        .or_else(|| context.config.public_key.clone());
    match path {
        None => Ok(None),
        Some(path) => Ok(Some(PublicKey::load(&path)?)),
    }
}

fn sync(context: &Context, args: &DbSyncArgs, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    let mut settings = context.config.sync.clone();
    if !args.ecosystem.is_empty() {
        settings.ecosystems = args.ecosystem.clone();
    }
    if let Some(mirror) = &args.mirror {
        settings.mirror = mirror.trim_end_matches('/').to_owned();
    }
    let bar = progress::records_bar(verbosity, "syncing");
    let report = advisories::sync::sync_with_progress(
        &context.database,
        &settings,
        bar.as_ref().map(progress::sync_reporter),
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report?;
    let mut lines = Vec::new();
    for source in &report.sources {
        let line = match &source.outcome {
            FetchOutcome::Fetched { bytes, records } => format!(
                "{}: fetched {bytes} bytes, {records} records ({})",
                source.ecosystem, source.url
            ),
            FetchOutcome::NotModified => {
                format!(
                    "{}: not modified since the last sync ({})",
                    source.ecosystem, source.url
                )
            }
            FetchOutcome::Failed(reason) => format!("{}: failed: {reason}", source.ecosystem),
        };
        lines.push(line);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    if let Some(import) = &report.import {
        text.push_str(&import_summary(import, &context.database));
    }
    write_report(None, text.as_bytes())?;
    if report.failures() > 0 {
        if verbosity != Verbosity::Quiet {
            stderr_line(&format!(
                "error: {} of {} sources failed; the database keeps their previous data",
                report.failures(),
                report.sources.len()
            ));
        }
        return Ok(Outcome::Error);
    }
    Ok(Outcome::Clean)
}

fn import(context: &Context, args: &DbImportArgs, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    // With --key the paths must be a bundle: a truncated bundle no longer looks like one, and
    // should be refused as a bundle rather than read as advisories.
    let bundles: Vec<&PathBuf> = args
        .paths
        .iter()
        .filter(|path| args.key.is_some() || bundle::is_bundle(path))
        .collect();
    if let Some(first) = bundles.first() {
        if args.paths.len() != 1 {
            bail!(
                "{}: a bundle replaces the whole database, so import one bundle on its own (--key applies to bundles only)",
                first.display()
            );
        }
        let key = verification_key(context, args.key.as_deref())?;
        if key.is_none() && verbosity != Verbosity::Quiet {
            stderr_line(&format!(
                "warning: {}: signature not checked (no --key given and no [database] public_key pinned); only its digest is verified",
                first.display()
            ));
        }
        let verified = bundle::import(first, &context.database, key.as_ref())?;
        let manifest = &verified.manifest;
        let mut text = format!(
            "{}: verified ({}), database replaced\n  advisories {} ({} withdrawn), schema {}, built {}\n  database   {}\n",
            first.display(),
            match &verified.verified_with {
                Some(fingerprint) => format!("signed by {fingerprint}"),
                None => "digest only".to_owned(),
            },
            manifest.counts.advisories,
            manifest.counts.withdrawn,
            manifest.schema_version,
            manifest.created_at,
            context.database.display()
        );
        if let Some(updated) = &manifest.updated_at {
            text.push_str(&format!("  data as of {updated}\n"));
        }
        write_report(None, text.as_bytes())?;
        return Ok(Outcome::Clean);
    }
    let bar = progress::records_bar(verbosity, "importing advisories");
    let report = advisories::import::import_paths_with_progress(
        &context.database,
        &args.paths,
        bar.as_ref().map(progress::import_reporter),
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report?;
    write_report(None, import_summary(&report, &context.database).as_bytes())?;
    Ok(Outcome::Clean)
}

/// The import report for people.
fn import_summary(report: &ImportReport, database: &Path) -> String {
    let mut text = format!(
        "imported {} records into {}\n  added      {}\n  updated    {}\n  unchanged  {}\n  merged     {} (one id read in two forms, e.g. RustSec markdown and its OSV export)\n  withdrawn  {} (kept and flagged, never matched)\n  skipped    {}\n",
        report.records_read,
        database.display(),
        report.added,
        report.updated,
        report.unchanged,
        report.merged,
        report.withdrawn,
        report.skipped.len()
    );
    for skipped in &report.skipped {
        text.push_str(&format!("skipped {}: {}\n", skipped.path, skipped.reason));
    }
    text
}

fn export(context: &Context, args: &DbExportArgs, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    let key = match &args.sign_key {
        Some(path) => Some(SecretKey::load(path)?),
        None => None,
    };
    if key.is_none() && verbosity != Verbosity::Quiet {
        stderr_line("warning: the bundle is not signed (no --sign-key): its receiver can check only its digest");
    }
    // Written where --bundle says as every report is (crate::output): a device or FIFO written
    // through, a link resolved, a file replaced atomically with the usual mode, `-` is stdout.
    let target = crate::output::Target::resolve(Some(&args.bundle))?;
    let manifest = target
        .write_built(|scratch| Ok(bundle::export(&context.database, scratch, key.as_ref())?))?;
    let written = match &target {
        crate::output::Target::Stdout => "standard output".to_owned(),
        _ => args.bundle.display().to_string(),
    };
    let text = format!(
        "wrote {written} ({} advisories, {} withdrawn, database SHA-256 {}{})\n",
        manifest.counts.advisories,
        manifest.counts.withdrawn,
        manifest.database.sha256,
        key.map(|key| format!(", signed by {}", key.public_key().fingerprint()))
            .unwrap_or_default()
    );
    if matches!(target, crate::output::Target::Stdout) {
        // The bundle itself went to stdout.
        if verbosity != Verbosity::Quiet {
            stderr_line(text.trim_end());
        }
    } else {
        write_report(None, text.as_bytes())?;
    }
    Ok(Outcome::Clean)
}

fn verify(context: &Context, args: &DbVerifyArgs, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    let key = verification_key(context, args.key.as_deref())?;
    if key.is_none() && verbosity != Verbosity::Quiet {
        stderr_line(
            "warning: no --key given and no [database] public_key pinned: checking the digest only",
        );
    }
    let verified = bundle::verify(&args.file, key.as_ref())?;
    let manifest = &verified.manifest;
    let text = format!(
        "{}: OK ({})\n  advisories {} ({} withdrawn), schema {}, built {}\n  database SHA-256 {} ({} bytes)\n",
        args.file.display(),
        match (&verified.verified_with, &verified.signed_by) {
            (Some(fingerprint), _) => format!("signature verified with {fingerprint}"),
            (None, Some(signer)) => format!("digest verified; signed by {signer}, not checked"),
            (None, None) => "digest verified; not signed".to_owned(),
        },
        manifest.counts.advisories,
        manifest.counts.withdrawn,
        manifest.schema_version,
        manifest.created_at,
        manifest.database.sha256,
        manifest.database.bytes
    );
    write_report(None, text.as_bytes())?;
    Ok(Outcome::Clean)
}

/// Age of the data in seconds, from the last import or sync.
pub fn age_seconds(summary: &DatabaseSummary) -> Option<i64> {
    summary
        .updated_at
        .map(|updated| updated.seconds_until(Timestamp::now()))
}

/// True when the database is older than the configured limit.
pub fn is_stale(summary: &DatabaseSummary, config: &Config) -> bool {
    let limit = i64::try_from(config.max_age_days.saturating_mul(86_400)).unwrap_or(i64::MAX);
    age_seconds(summary).is_none_or(|age| age > limit)
}

/// "updated 2026-11-20T10:00:00Z, 2 days ago" or "never updated".
pub fn describe_update(summary: &DatabaseSummary) -> String {
    match (summary.updated_at, age_seconds(summary)) {
        (Some(updated), Some(age)) => format!("updated {updated}, {} ago", describe_age(age)),
        _ => "no update time recorded".to_owned(),
    }
}

fn info(context: &Context, args: &DbInfoArgs) -> anyhow::Result<Outcome> {
    let store = Store::open(&context.database)?;
    let summary = store.summary()?;
    let stale = is_stale(&summary, &context.config);
    let bytes = match args.format {
        ListFormat::Json => {
            let sources: Vec<serde_json::Value> = summary
                .sources
                .iter()
                .map(|source| {
                    let counts = summary
                        .per_source
                        .iter()
                        .find(|counts| counts.source == source.name);
                    json!({
                        "name": source.name,
                        "kind": source.kind,
                        "location": source.location,
                        "advisories": counts.map_or(0, |counts| counts.advisories),
                        "withdrawn": counts.map_or(0, |counts| counts.withdrawn),
                        "malicious": counts.map_or(0, |counts| counts.malicious),
                        "informational": counts.map_or(0, |counts| counts.informational),
                        "etag": source.etag,
                        "last_modified": source.last_modified,
                        "sha256": source.sha256,
                        "fetched_at": source.fetched_at,
                        "imported_at": source.imported_at,
                        "records_read": source.records_read,
                    })
                })
                .collect();
            let value = json!({
                "path": context.database.display().to_string(),
                "schema_version": summary.schema_version,
                "advisories": summary.advisories,
                "withdrawn": summary.withdrawn,
                "affected_packages": summary.affected_packages,
                "updated_at": summary.updated_at.map(|time| time.to_string()),
                "age_seconds": age_seconds(&summary),
                "max_age_days": context.config.max_age_days,
                "stale": stale,
                "newest_record_modified": summary.newest_record,
                "sources": sources,
            });
            let mut bytes = serde_json::to_vec_pretty(&value)?;
            bytes.push(b'\n');
            bytes
        }
        ListFormat::Table => {
            let mut text = format!(
                "database        {}\nschema version  {}\nadvisories      {} ({} withdrawn, kept and never matched)\npackages        {} named by advisories\nupdated         {}{}\nnewest record   {}\n\n",
                context.database.display(),
                summary.schema_version,
                summary.advisories,
                summary.withdrawn,
                summary.affected_packages,
                match (summary.updated_at, age_seconds(&summary)) {
                    (Some(updated), Some(age)) => format!("{updated} ({} ago)", describe_age(age)),
                    _ => "never".to_owned(),
                },
                if stale {
                    format!(" (older than the {}-day limit: run `airlock db sync`)", context.config.max_age_days)
                } else {
                    String::new()
                },
                summary.newest_record.as_deref().unwrap_or("-"),
            );
            let rows: Vec<Vec<String>> = summary
                .sources
                .iter()
                .map(|source| {
                    let counts = summary
                        .per_source
                        .iter()
                        .find(|counts| counts.source == source.name);
                    vec![
                        source.name.clone(),
                        counts.map_or(0, |counts| counts.advisories).to_string(),
                        counts.map_or(0, |counts| counts.withdrawn).to_string(),
                        counts.map_or(0, |counts| counts.malicious).to_string(),
                        counts.map_or(0, |counts| counts.informational).to_string(),
                        source.fetched_at.clone().unwrap_or_else(|| "-".to_owned()),
                        source.imported_at.clone(),
                        source.etag.clone().unwrap_or_else(|| "-".to_owned()),
                    ]
                })
                .collect();
            text.push_str(&crate::emit::table::render(
                &[
                    "SOURCE",
                    "ADVISORIES",
                    "WITHDRAWN",
                    "MALICIOUS",
                    "INFORMATIONAL",
                    "FETCHED",
                    "IMPORTED",
                    "ETAG",
                ],
                &rows,
            ));
            text.into_bytes()
        }
    };
    write_report(None, &bytes)?;
    Ok(Outcome::Clean)
}
