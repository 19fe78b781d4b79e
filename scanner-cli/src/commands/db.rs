//! `airlock db sync|import|export|verify|info`, and the database plumbing `scan`, `attest` and
//! `verify` share: where the database is (`--db`, `AIRLOCK_DB`, the operator's
//! `[database] path`, user data directory; found by [`crate::settings`]), the settings, opening
//! it for matching, and how fresh its data is.
//!
//! Freshness is judged from the data ([`advisories::freshness`]): the newest record's
//! `modified`, shown beside the bundle's signed build time or the last sync. Past the limit
//! (`--max-db-age`, `AIRLOCK_MAX_DB_AGE`, the operator's `[database] max-age`, default 7 days)
//! a scan, an attestation or a verification fails with exit 2; `db info` shows the same
//! judgement. Only operator configuration sets the limit or the pinned key: a project's
//! `airlock.toml` is never read for them ([`crate::settings`]).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde_json::json;

use advisories::bundle::{self, ImportOptions};
use advisories::config::Config;
use advisories::freshness::{Freshness, MaxAge};
use advisories::signing::{PublicKey, SecretKey};
use advisories::store::DatabaseSummary;
use advisories::sync::FetchOutcome;
use advisories::time::{describe_age, Timestamp};
use advisories::{DatabaseError, ImportReport, Store};
use scanner_core::clock::Clock;

use super::Outcome;
use crate::cli::{
    Cli, DbCommand, DbExportArgs, DbImportArgs, DbInfoArgs, DbPullArgs, DbPushArgs, DbSyncArgs,
    DbVerifyArgs, ListFormat,
};
use crate::output::{stderr_line, write_report};
use crate::settings::Settings;

use super::{progress, Verbosity};

/// The database location and the settings that apply to it.
#[derive(Debug)]
pub struct Context {
    pub database: PathBuf,
    pub config: Config,
    /// The staleness limit in force: `--max-db-age`, else the configuration's (which already
    /// holds `AIRLOCK_MAX_DB_AGE` over `[database] max-age`).
    pub max_age: MaxAge,
    /// The run's clock: data ages are judged against its trusted now, bundles dated by its
    /// document time.
    pub clock: Clock,
}

/// The database (`--db`, then `AIRLOCK_DB`, then `[database] path`, then the user data
/// directory), the operator's advisory settings and the staleness limit (`--max-db-age`, then
/// `AIRLOCK_MAX_DB_AGE`, then `[database] max-age`), from the run's [`Settings`].
pub fn context(cli: &Cli, settings: &Settings) -> anyhow::Result<Context> {
    let config = settings.advisories().clone();
    let max_age = cli.max_db_age.unwrap_or(config.max_age);
    Ok(Context {
        database: settings.database_path(cli.db.as_deref())?,
        config,
        max_age,
        clock: *settings.clock(),
    })
}

pub fn run(
    cli: &Cli,
    settings: &Settings,
    command: &DbCommand,
    verbosity: Verbosity,
) -> anyhow::Result<Outcome> {
    let context = context(cli, settings)?;
    match command {
        DbCommand::Sync(args) => sync(&context, args, verbosity),
        DbCommand::Import(args) => import(&context, args, verbosity),
        DbCommand::Export(args) => export(&context, args, verbosity),
        DbCommand::Verify(args) => verify(&context, args),
        DbCommand::Push(args) => push(&context, args, verbosity),
        DbCommand::Pull(args) => pull(&context, args, verbosity),
        DbCommand::Info(args) => info(&context, args),
    }
}

/// The key a bundle must be signed with, and whether it is a new pin: `--repin NEW.pub`, else
/// `--key`, which must be the pinned `[database] public_key` when one is configured, else the
/// pin. `None`: the key recorded in the database (if any) is expected.
fn import_key(
    context: &Context,
    given: Option<&Path>,
    repin: Option<&Path>,
) -> anyhow::Result<(Option<PublicKey>, bool)> {
    if let Some(path) = repin {
        return Ok((Some(PublicKey::load(path)?), true));
    }
    let pinned = match &context.config.public_key {
        Some(path) => Some((path.clone(), PublicKey::load(path)?)),
        None => None,
    };
    match (given, pinned) {
        (Some(path), Some((pin_path, pin))) => {
            let key = PublicKey::load(path)?;
            if key.fingerprint() != pin.fingerprint() {
                bail!(
                    "{}: key {} is not the pinned key {} ([database] public_key = {}); a different key is accepted only as a new pin: --repin {}",
                    path.display(),
                    key.fingerprint(),
                    pin.fingerprint(),
                    pin_path.display(),
                    path.display()
                );
            }
            Ok((Some(key), false))
        }
        (Some(path), None) => Ok((Some(PublicKey::load(path)?), false)),
        (None, Some((_, pin))) => Ok((Some(pin), false)),
        (None, None) => Ok((None, false)),
    }
}

/// The key `db verify` checks with: `--key`, else the pin, else the key recorded in the
/// database (the one that signed the data it holds).
fn verification_key(context: &Context, given: Option<&Path>) -> anyhow::Result<Option<PublicKey>> {
    let path = given
        .map(Path::to_owned)
        .or_else(|| context.config.public_key.clone());
    if let Some(path) = path {
        return Ok(Some(PublicKey::load(&path)?));
    }
    match Store::open(&context.database) {
        Ok(store) => Ok(store.recorded_signer()?),
        Err(DatabaseError::Missing { .. }) => Ok(None),
        Err(error) => Err(error.into()),
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
        &context.clock,
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
    // Bundle options, or a `.bundle` name, mean the paths must be a bundle: a truncated bundle
    // no longer looks like one, and is refused as a bundle rather than read as advisories.
    let bundle_options =
        args.key.is_some() || args.repin.is_some() || args.allow_unsigned || args.allow_downgrade;
    let bundles: Vec<&PathBuf> = args
        .paths
        .iter()
        .filter(|path| {
            bundle_options
                || path
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("bundle"))
                || bundle::is_bundle(path)
        })
        .collect();
    let Some(first) = bundles.first() else {
        return import_files(context, args, verbosity);
    };
    if args.paths.len() != 1 {
        bail!(
            "{}: a bundle replaces the whole database, so import one bundle on its own (--key, --repin, --allow-unsigned and --allow-downgrade apply to bundles only)",
            first.display()
        );
    }
    import_bundle(
        context,
        first,
        &first.display().to_string(),
        &BundleChecks {
            key: args.key.as_deref(),
            repin: args.repin.as_deref(),
            allow_unsigned: args.allow_unsigned,
            allow_downgrade: args.allow_downgrade,
        },
        verbosity,
    )
}

/// What a bundle import checks, as the operator set it (`db import`, `db pull`).
struct BundleChecks<'a> {
    key: Option<&'a Path>,
    repin: Option<&'a Path>,
    allow_unsigned: bool,
    allow_downgrade: bool,
}

/// Imports the bundle at `path` (named `display` in messages): the one code path of `db import`
/// and `db pull`, so a pulled bundle is judged exactly as a file is.
fn import_bundle(
    context: &Context,
    path: &Path,
    display: &str,
    checks: &BundleChecks<'_>,
    verbosity: Verbosity,
) -> anyhow::Result<Outcome> {
    let (key, repin) = import_key(context, checks.key, checks.repin)?;
    let imported = bundle::import(
        path,
        &context.database,
        ImportOptions {
            key: key.as_ref(),
            repin,
            allow_unsigned: checks.allow_unsigned,
            allow_downgrade: checks.allow_downgrade,
        },
        &context.clock,
    )
    .with_context(|| display.to_owned())?;
    let verified = &imported.verified;
    let manifest = &verified.manifest;
    if verbosity != Verbosity::Quiet {
        if verified.verified_with.is_none() {
            stderr_line(&format!(
                "warning: {display}: imported without a signature check (--allow-unsigned): only its digest was verified; the database records no signing key now",
            ));
        }
        if let Some(reason) = &imported.downgrade {
            stderr_line(&format!(
                "warning: {display}: {reason} (imported: --allow-downgrade)",
            ));
        }
        if let (Some(previous), Some(current)) =
            (&imported.previous_signer, &verified.verified_with)
        {
            stderr_line(&format!(
                "warning: the database's signing key changed from {previous} to {current} (--repin); update [database] public_key to match"
            ));
        }
    }
    let mut text = format!(
        "{display}: verified ({}), database replaced\n  advisories {} ({} withdrawn), schema {}\n  built      {}\n  newest     {}\n  database   {}\n",
        match &verified.verified_with {
            Some(fingerprint) => format!("signed by {fingerprint}"),
            None => "digest only".to_owned(),
        },
        manifest.counts.advisories,
        manifest.counts.withdrawn,
        manifest.schema_version,
        imported.built_at,
        imported
            .newest_record
            .map_or_else(|| "no dated record".to_owned(), |newest| newest.to_string()),
        context.database.display()
    );
    if imported.future_dated > 0 {
        text.push_str(&format!(
            "  {} dated after the build time: taken as {}\n",
            super::count(
                usize::try_from(imported.future_dated).unwrap_or(usize::MAX),
                "record"
            ),
            imported.built_at
        ));
    }
    write_report(None, text.as_bytes())?;
    Ok(Outcome::Clean)
}

/// Advisory files, archives and directories (not a bundle).
fn import_files(
    context: &Context,
    args: &DbImportArgs,
    verbosity: Verbosity,
) -> anyhow::Result<Outcome> {
    let bar = progress::records_bar(verbosity, "importing advisories");
    let report = advisories::import::import_paths_with_progress(
        &context.database,
        &args.paths,
        &context.clock,
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
    if report.future_dated > 0 {
        text.push_str(&format!(
            "note: {} dated in the future: stored with the time of the import, so they cannot make the data look fresher\n",
            super::count(usize::try_from(report.future_dated).unwrap_or(usize::MAX), "record")
        ));
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
    let manifest = target.write_built(|scratch| {
        Ok(bundle::export(
            &context.database,
            scratch,
            key.as_ref(),
            &context.clock,
        )?)
    })?;
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

/// `db push oci://…`: exports a bundle to a scratch file and publishes it as an OCI artifact
/// ([`bundle::OCI_ARTIFACT_TYPE`]): the empty config, one layer (the bundle file), pushed under
/// the reference's tag. The registry is the only host contacted.
fn push(context: &Context, args: &DbPushArgs, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    use advisories::oci::{self, Descriptor, ImageManifest, Reference, Registry};
    let reference = Reference::parse(&args.reference)?;
    let key = match &args.sign_key {
        Some(path) => Some(SecretKey::load(path)?),
        None => None,
    };
    if key.is_none() && verbosity != Verbosity::Quiet {
        stderr_line("warning: the bundle is not signed (no --sign-key): its receiver can check only its digest");
    }
    let scratch = tempfile::tempdir().context("cannot create a scratch directory")?;
    let bundle_path = scratch.path().join(bundle::OCI_LAYER_TITLE);
    let manifest = bundle::export(
        &context.database,
        &bundle_path,
        key.as_ref(),
        &context.clock,
    )?;
    let registry = Registry::connect(&reference, &super::registry::options(&args.registry))?;
    let mut layer = registry
        .push_blob_file(&bundle_path)
        .with_context(|| format!("cannot push to {reference}"))?;
    layer.media_type = bundle::OCI_LAYER_MEDIA_TYPE.to_owned();
    layer.annotations.insert(
        "org.opencontainers.image.title".to_owned(),
        bundle::OCI_LAYER_TITLE.to_owned(),
    );
    registry
        .push_blob(oci::EMPTY_JSON)
        .with_context(|| format!("cannot push to {reference}"))?;
    let mut artifact = ImageManifest {
        schema_version: 2,
        media_type: oci::OCI_MANIFEST.to_owned(),
        artifact_type: Some(bundle::OCI_ARTIFACT_TYPE.to_owned()),
        config: Descriptor::of(oci::OCI_EMPTY, oci::EMPTY_JSON),
        layers: vec![layer],
        subject: None,
        annotations: Default::default(),
    };
    artifact.annotations.insert(
        "org.opencontainers.image.created".to_owned(),
        manifest.created_at.clone(),
    );
    let bytes = serde_json::to_vec(&artifact).context("cannot write the artifact manifest")?;
    let target = reference
        .tag
        .clone()
        .unwrap_or_else(|| oci::digest_of(&bytes));
    let pushed = registry
        .push_manifest(&target, oci::OCI_MANIFEST, &bytes)
        .with_context(|| format!("cannot push to {reference}"))?;
    let text = format!(
        "pushed {}/{}@{} ({} advisories, {} withdrawn, database SHA-256 {}{})\n",
        reference.registry,
        reference.repository,
        pushed.digest,
        manifest.counts.advisories,
        manifest.counts.withdrawn,
        manifest.database.sha256,
        key.map(|key| format!(", signed by {}", key.public_key().fingerprint()))
            .unwrap_or_default()
    );
    write_report(None, text.as_bytes())?;
    Ok(Outcome::Clean)
}

/// The largest bundle `db pull` accepts (the whole of OSV is a few hundred MiB).
const MAX_PULLED_BUNDLE_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// `db pull oci://…`: fetches the artifact's manifest, refuses anything but an airlock bundle,
/// streams the bundle (checked against its digest) to a scratch file beside the database, and
/// imports it through [`import_bundle`], exactly as `db import FILE`. The database is replaced
/// only when every check passed; the scratch file is removed either way.
fn pull(context: &Context, args: &DbPullArgs, verbosity: Verbosity) -> anyhow::Result<Outcome> {
    use advisories::oci::{ImageManifest, Reference, Registry};
    let reference = Reference::parse(&args.reference)?;
    let registry = Registry::connect(&reference, &super::registry::options(&args.registry))?;
    let fetched = registry
        .fetch_manifest(reference.manifest_reference())
        .with_context(|| format!("cannot pull {reference}"))?;
    let not_a_bundle = |why: String| {
        anyhow::anyhow!(
            "{reference} is not an airlock advisory bundle ({why}); `airlock db push` publishes one with artifactType {}",
            bundle::OCI_ARTIFACT_TYPE
        )
    };
    if fetched.is_index() {
        return Err(not_a_bundle(format!(
            "it is an index, {}",
            fetched.media_type
        )));
    }
    let manifest: ImageManifest = serde_json::from_slice(&fetched.bytes)
        .map_err(|error| not_a_bundle(format!("its manifest does not parse: {error}")))?;
    let artifact_type = manifest
        .artifact_type
        .clone()
        .unwrap_or_else(|| manifest.config.media_type.clone());
    if artifact_type != bundle::OCI_ARTIFACT_TYPE {
        return Err(not_a_bundle(format!("artifactType `{artifact_type}`")));
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(not_a_bundle(format!(
            "{} layers, where a bundle has one",
            manifest.layers.len()
        )));
    };
    if layer.media_type != bundle::OCI_LAYER_MEDIA_TYPE {
        return Err(not_a_bundle(format!("its layer is `{}`", layer.media_type)));
    }
    if layer.size > MAX_PULLED_BUNDLE_BYTES {
        bail!(
            "{reference}: the bundle is {} bytes, over the {MAX_PULLED_BUNDLE_BYTES}-byte cap",
            layer.size
        );
    }
    // Beside the database, so that nothing large lands in another file system; removed on drop.
    let directory = match context.database.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&directory).with_context(|| {
        format!(
            "{}: cannot create the database directory",
            directory.display()
        )
    })?;
    let mut scratch = tempfile::Builder::new()
        .prefix(".airlock-pull-")
        .suffix(".bundle")
        .tempfile_in(&directory)
        .with_context(|| format!("{}: cannot create a scratch file", directory.display()))?;
    let mut blob = registry
        .open_blob(&layer.digest, layer.size)
        .with_context(|| format!("cannot pull {reference}"))?;
    if let Err(error) = std::io::copy(&mut blob, scratch.as_file_mut()) {
        bail!("cannot pull {reference}: {error}; the database was not changed");
    }
    import_bundle(
        context,
        scratch.path(),
        &reference.to_string(),
        &BundleChecks {
            key: args.key.as_deref(),
            repin: args.repin.as_deref(),
            allow_unsigned: args.allow_unsigned,
            allow_downgrade: args.allow_downgrade,
        },
        verbosity,
    )
}

fn verify(context: &Context, args: &DbVerifyArgs) -> anyhow::Result<Outcome> {
    let key = verification_key(context, args.key.as_deref())?;
    let verified = bundle::verify(&args.file, key.as_ref(), args.allow_unsigned)?;
    let manifest = &verified.manifest;
    let text = format!(
        "{}: OK ({})\n  advisories {} ({} withdrawn), schema {}\n  built      {}\n  newest     {}\n  database SHA-256 {} ({} bytes)\n",
        args.file.display(),
        match (&verified.verified_with, &verified.signed_by) {
            (Some(fingerprint), _) => format!("signature verified with {fingerprint}"),
            (None, Some(signer)) => {
                format!("digest verified; signed by {signer}, not checked (--allow-unsigned)")
            }
            (None, None) => "digest verified; not signed (--allow-unsigned)".to_owned(),
        },
        manifest.counts.advisories,
        manifest.counts.withdrawn,
        manifest.schema_version,
        manifest.created_at,
        manifest
            .newest_modified
            .as_deref()
            .unwrap_or("not in the manifest (a bundle from an older airlock: judged from its database at import)"),
        manifest.database.sha256,
        manifest.database.bytes
    );
    write_report(None, text.as_bytes())?;
    Ok(Outcome::Clean)
}

/// The database's freshness now (the clock's trusted now, never `SOURCE_DATE_EPOCH`: a
/// reproducible build date in the past must not make old data look fresh), against the limit
/// in force.
pub fn freshness(summary: &DatabaseSummary, max_age: MaxAge, clock: &Clock) -> Freshness {
    Freshness::judge(summary, max_age, Timestamp::from(clock.trusted_now()))
}

/// The JSON fields every report's database object shares. The age in seconds depends on the
/// clock, so only `db info` carries it: a scan report holds absolute times and stays the same
/// bytes for the same input (`SOURCE_DATE_EPOCH`).
fn freshness_json(freshness: &Freshness, with_age: bool) -> serde_json::Value {
    let mut value = json!({
        "newest_record": freshness.newest_record.map(|time| time.to_string()),
        "built_at": freshness.built_at.map(|time| time.to_string()),
        "synced_at": freshness.synced_at.map(|time| time.to_string()),
        "updated_at": freshness.updated_at.map(|time| time.to_string()),
        "age_seconds": freshness.age_seconds,
        "max_age": freshness.max_age.to_string(),
        "max_age_seconds": freshness.max_age.seconds(),
        "stale": freshness.is_stale(),
    });
    if !with_age {
        if let Some(object) = value.as_object_mut() {
            object.remove("age_seconds");
        }
    }
    value
}

/// A database opened for matching (scan, attest, verify), with what reports say about it.
pub struct MatchingDatabase {
    pub store: Store,
    pub freshness: Freshness,
    /// Advisories that can match (withdrawn ones excluded).
    pub advisories: u64,
    pub schema_version: i64,
    /// The database file, or the `--advisories` paths.
    pub shown: String,
    /// The database imported from `--advisories`, deleted after the run.
    pub temporary: Option<super::scan_advisories::TemporaryDatabase>,
}

impl MatchingDatabase {
    /// The report's note line.
    pub fn line(&self) -> String {
        // Files imported for this scan were "taken" just now: only their newest record says
        // anything about their age.
        let freshness = match &self.temporary {
            Some(_) => self.freshness.describe_newest(),
            None => self.freshness.describe(),
        };
        let limit = match self.freshness.max_age {
            MaxAge::Off => "no age limit (--max-db-age none)".to_owned(),
            limit => format!("limit {limit}"),
        };
        let stale = if self.freshness.is_stale() {
            ": STALE"
        } else {
            ""
        };
        match &self.temporary {
            Some(_) => format!(
                "Advisory database: {} advisories from {}, imported for this scan ({freshness}; {limit}){stale}.",
                self.advisories, self.shown
            ),
            None => format!(
                "Advisory database: {} ({} advisories; {freshness}; {limit}){stale}.",
                self.shown, self.advisories
            ),
        }
    }

    /// The report's `advisory_database` object.
    pub fn json(&self) -> serde_json::Value {
        let mut value = json!({
            "used": true,
            "path": self.shown,
            "schema_version": self.schema_version,
            "advisories": self.advisories,
            "matching": "osv-ranges",
            "imported_for_this_scan": self.temporary.is_some(),
        });
        if let (Some(object), serde_json::Value::Object(fields)) = (
            value.as_object_mut(),
            freshness_json(&self.freshness, false),
        ) {
            object.extend(fields);
        }
        value
    }

    /// For the one-line stderr summary: "advisory data 3 days old (newest record ...)".
    pub fn age(&self) -> String {
        match &self.temporary {
            Some(_) => format!(
                "advisories from {}, imported for this scan: {}",
                self.shown,
                self.freshness.describe_newest()
            ),
            None => format!("advisory database: {}", self.freshness.describe()),
        }
    }

    /// The error when the data is past the limit: what, how old, the limit, and what to do.
    pub fn stale(&self) -> Option<String> {
        let (what, remedy) = match &self.temporary {
            Some(_) => (
                format!("the advisories from {}", self.shown),
                "Give newer advisory files",
            ),
            None => (
                format!("the advisory database at {}", self.shown),
                "Run `airlock db sync` (online) or import a newer bundle (offline)",
            ),
        };
        self.freshness.problem().map(|problem| {
            format!(
                "{what} cannot vouch for anything: {problem}.\n  {remedy}, or set the limit with --max-db-age (`none` turns the check off)."
            )
        })
    }
}

/// Why there is no database to match against.
pub struct Unavailable {
    /// `missing` or `empty`.
    pub reason: &'static str,
    pub path: PathBuf,
}

impl Unavailable {
    /// Two lines: what is missing, and how to get it.
    pub fn explanation(&self, without: &str) -> String {
        let how = format!(
            "Run `airlock db sync` (online) or `airlock db import BUNDLE` (offline), or {without}."
        );
        match self.reason {
            "empty" => format!(
                "the advisory database at {} holds no advisories, so airlock cannot tell what is vulnerable.\n  {how}",
                self.path.display()
            ),
            _ => format!(
                "no advisory database at {}, so airlock cannot tell what is vulnerable.\n  {how}",
                self.path.display()
            ),
        }
    }
}

/// The record counts of the source `name`, zero for a source that has stored none yet (a sync
/// that found nothing new), so `db info` lists every source it knows.
fn counts_of(summary: &DatabaseSummary, name: &str) -> advisories::store::SourceCounts {
    summary
        .per_source
        .iter()
        .find(|counts| counts.source == name)
        .cloned()
        .unwrap_or_default()
}

/// [`open_for_matching`] unless `--no-vuln-db` (`off`) says not to: the database, or why there is
/// none (`None` for both when it was switched off). Shared by the commands that judge.
pub fn open_unless_off(
    off: bool,
    cli: &Cli,
    settings: &Settings,
    advisory_paths: &[PathBuf],
    verbosity: Verbosity,
) -> anyhow::Result<(Option<MatchingDatabase>, Option<Unavailable>)> {
    if off {
        return Ok((None, None));
    }
    Ok(
        match open_for_matching(cli, settings, advisory_paths, verbosity)? {
            Ok(database) => (Some(database), None),
            Err(why) => (None, Some(why)),
        },
    )
}

/// The report's database line and `advisory_database` object. Without a database the line
/// says what was not done, in the command's words: `when_missing` follows "Advisory database:
/// empty, " (or "none found, "), `when_off` follows "Advisory database: not used
/// (--no-vuln-db): ", so no report reads as "nothing known" when nothing was looked up.
pub fn note(
    database: Option<&MatchingDatabase>,
    unavailable: Option<&Unavailable>,
    when_missing: &str,
    when_off: &str,
) -> (String, serde_json::Value) {
    match (database, unavailable) {
        (Some(database), _) => (database.line(), database.json()),
        (None, Some(why)) => (
            format!(
                "Advisory database: {}, {when_missing}",
                if why.reason == "empty" {
                    "empty"
                } else {
                    "none found"
                }
            ),
            json!({ "used": false, "reason": why.reason, "path": why.path.display().to_string() }),
        ),
        (None, None) => (
            format!("Advisory database: not used (--no-vuln-db): {when_off}"),
            json!({ "used": false, "reason": "--no-vuln-db" }),
        ),
    }
}

/// Opens the database for matching: the files of `--advisories` imported into a temporary one
/// when given, else the configured one. Missing or empty: `Err(Unavailable)`. The path and the
/// staleness limit come from the operator's settings and flags ([`context`]).
pub fn open_for_matching(
    cli: &Cli,
    settings: &Settings,
    advisory_paths: &[PathBuf],
    verbosity: Verbosity,
) -> anyhow::Result<Result<MatchingDatabase, Unavailable>> {
    let context = context(cli, settings)?;
    let temporary = super::scan_advisories::import(advisory_paths, &context.clock, verbosity)?;
    let path = temporary
        .as_ref()
        .map_or(context.database.clone(), |database| database.path.clone());
    let store = match Store::open(&path) {
        Ok(store) => store,
        Err(DatabaseError::Missing { .. }) => {
            return Ok(Err(Unavailable {
                reason: "missing",
                path,
            }))
        }
        Err(error) => return Err(error.into()),
    };
    let summary = store.summary()?;
    if summary.is_empty() {
        return Ok(Err(Unavailable {
            reason: "empty",
            path,
        }));
    }
    let shown = match &temporary {
        Some(database) => database.sources.clone(),
        None => path.display().to_string(),
    };
    Ok(Ok(MatchingDatabase {
        store,
        freshness: freshness(&summary, context.max_age, &context.clock),
        advisories: summary.advisories - summary.withdrawn,
        schema_version: summary.schema_version,
        shown,
        temporary,
    }))
}

fn info(context: &Context, args: &DbInfoArgs) -> anyhow::Result<Outcome> {
    let store = Store::open(&context.database)?;
    let summary = store.summary()?;
    let freshness = freshness(&summary, context.max_age, &context.clock);
    let bytes = match args.format {
        ListFormat::Json => {
            let sources: Vec<serde_json::Value> = summary
                .sources
                .iter()
                .map(|source| {
                    let counts = counts_of(&summary, &source.name);
                    json!({
                        "name": source.name,
                        "kind": source.kind,
                        "location": source.location,
                        "advisories": counts.advisories,
                        "withdrawn": counts.withdrawn,
                        "malicious": counts.malicious,
                        "informational": counts.informational,
                        "etag": source.etag,
                        "last_modified": source.last_modified,
                        "sha256": source.sha256,
                        "fetched_at": source.fetched_at,
                        "imported_at": source.imported_at,
                        "records_read": source.records_read,
                    })
                })
                .collect();
            let mut value = json!({
                "path": context.database.display().to_string(),
                "schema_version": summary.schema_version,
                "advisories": summary.advisories,
                "withdrawn": summary.withdrawn,
                "affected_packages": summary.affected_packages,
                "signed_by": summary.signer,
                "sources": sources,
            });
            if let (Some(object), serde_json::Value::Object(fields)) =
                (value.as_object_mut(), freshness_json(&freshness, true))
            {
                object.extend(fields);
            }
            let mut bytes = serde_json::to_vec_pretty(&value)?;
            bytes.push(b'\n');
            bytes
        }
        ListFormat::Table => {
            let time = |time: Option<Timestamp>| {
                time.map_or_else(
                    || "-".to_owned(),
                    |time| {
                        format!(
                            "{time} ({} ago)",
                            describe_age(
                                time.seconds_until(Timestamp::from(context.clock.trusted_now())),
                            )
                        )
                    },
                )
            };
            let age = match (freshness.newest_record, freshness.age_seconds) {
                (Some(newest), Some(age)) => format!("{newest} ({} old)", describe_age(age)),
                _ => "- (no dated record)".to_owned(),
            };
            let verdict = match (freshness.problem(), freshness.max_age) {
                (Some(problem), _) => format!(
                    "STALE: {problem}; scans fail until `airlock db sync` or a newer bundle"
                ),
                (None, MaxAge::Off) => "not checked (--max-db-age none)".to_owned(),
                (None, limit) => format!("fresh (limit {limit})"),
            };
            let mut text = format!(
                "database        {}\nschema version  {}\nadvisories      {} ({} withdrawn, kept and never matched)\npackages        {} named by advisories\nnewest record   {age}\nbundle built    {}\nsynced          {}\nupdated         {}\nfreshness       {verdict}\nsigned by       {}\n\n",
                context.database.display(),
                summary.schema_version,
                summary.advisories,
                summary.withdrawn,
                summary.affected_packages,
                time(freshness.built_at),
                time(freshness.synced_at),
                time(freshness.updated_at),
                summary
                    .signer
                    .as_deref()
                    .unwrap_or("- (no signed bundle imported)"),
            );
            let rows: Vec<Vec<String>> = summary
                .sources
                .iter()
                .map(|source| {
                    let counts = counts_of(&summary, &source.name);
                    vec![
                        source.name.clone(),
                        counts.advisories.to_string(),
                        counts.withdrawn.to_string(),
                        counts.malicious.to_string(),
                        counts.informational.to_string(),
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
