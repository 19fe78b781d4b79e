//! The command line, declared with clap's derive API.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::emit::terminal::ColorChoice;
use crate::emit::{CycloneDxVersion, Format};

const EXAMPLES: &str = "\
Examples:
  airlock sbom examples/agent-stack            # the dependency graph as a table
  airlock sbom . -f json -o sbom.json          # the graph as JSON, written atomically
  airlock scan examples/agent-stack            # graph plus risk findings
  airlock scan . --fail-on high                # exit 1 when a finding is high or worse
  airlock extractors                           # which formats airlock reads
  airlock scan . -f html -o report.html        # one self-contained page to open anywhere

Exit codes: 0 ran clean, 1 findings reached --fail-on, 2 usage, input or internal error.";

/// `airlock --version`: the release and the advisory database schema it reads (a database
/// written by another schema is refused; `airlock db info` shows a database's own).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (advisory database schema 1)");

/// airlock: what an AI agent stack is made of, where each piece came from, and what is known to
/// be wrong with it. Offline.
#[derive(Debug, Parser)]
#[command(name = "airlock", version = VERSION, about, long_about = None, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    /// Print only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print notes (diagnostics that change nothing in the result).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// The advisory database file [default: $AIRLOCK_DB, else `[database] path` of airlock.toml,
    /// else airlock/advisories.sqlite3 in the user data directory].
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The operator's configuration file (policy, [database], [sync]), read instead of the
    /// working directory's airlock.toml, over the user's config.toml (docs/configuration.md).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Fail scans, attestations and verifications (exit 2) when the advisory data is older
    /// than this, judged from its newest record: `7d`, `90d`, `12h`, `30m`, or `none` to turn
    /// the check off [default: $AIRLOCK_MAX_DB_AGE, else the operator's `[database] max-age`,
    /// else 7d].
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_max_age)]
    pub max_db_age: Option<advisories::freshness::MaxAge>,

    /// Color the table reports: auto (when stdout is a terminal and NO_COLOR is unset), always,
    /// or never. Machine formats are never colored.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

/// The values `--fail-on` accepts (`commands::fail_on_threshold` reads them).
const FAIL_ON_VALUES: [&str; 6] = ["info", "low", "medium", "high", "critical", "none"];

/// `--max-db-age`'s value.
fn parse_max_age(text: &str) -> Result<advisories::freshness::MaxAge, String> {
    advisories::freshness::MaxAge::parse(text)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan paths and print the dependency graph (components, edges, roots).
    #[command(after_help = EXAMPLES)]
    Sbom(ReportArgs),
    /// Scan paths, print the graph and the risk findings, and apply --fail-on.
    #[command(after_help = EXAMPLES)]
    Scan(ScanArgs),
    /// List the formats airlock reads.
    Extractors(ExtractorsArgs),
    /// Manage the offline advisory database (sync, import, export, verify, info).
    #[command(subcommand, after_help = DB_EXAMPLES)]
    Db(DbCommand),
    /// Make an Ed25519 key pair for signing bundles: NAME.key (private, owner-only) and NAME.pub.
    Keygen(KeygenArgs),
    /// Compare two SBOMs or two scanned directories: what came in, what left, what changed.
    Diff(DiffArgs),
    /// List the finding rules and diagnostic codes (ids, default severities, descriptions).
    Rules(RulesArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    #[command(after_help = COMPLETION_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) of airlock and its subcommands on stdout, or write them all.
    Man(ManArgs),
    /// Scan PATH and sign what was found: an in-toto statement (every scanned file's SHA-256,
    /// the CycloneDX SBOM as predicate) in a DSSE envelope.
    #[command(after_help = ATTEST_EXAMPLES)]
    Attest(AttestArgs),
    /// The intake gate: check a signed attestation against PATH (signature, file digests,
    /// every rule run again on the tree as it is on disk, the recorded findings), an OpenSSF
    /// model_signing bundle against a model directory, or a folder of wheels or crates against
    /// a lock (--lock).
    #[command(after_help = ATTEST_EXAMPLES)]
    Verify(VerifyArgs),
    /// Pin reviewed MCP tool declarations (airlock-tools.lock) for `scan`/`verify --tools-lock`.
    #[command(subcommand, after_help = TOOLS_EXAMPLES)]
    Tools(ToolsCommand),
}

const TOOLS_EXAMPLES: &str = "\
Examples:
  airlock tools pin agent/                                  # writes ./airlock-tools.lock
  airlock tools pin agent/ -o reviewed/airlock-tools.lock --key release.key
  airlock scan agent/ --tools-lock reviewed/airlock-tools.lock --pin-key release.pub";

/// `airlock tools …`.
#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// Write the SHA-256 of every tool declaration under PATH, one entry per server and tool,
    /// sorted (airlock-tools.lock); with --key, also a DSSE signature of it (FILE.dsse.json).
    Pin(ToolsPinArgs),
}

#[derive(Debug, Args)]
pub struct ToolsPinArgs {
    /// Directories or files holding the reviewed tool declarations (`SERVER.tools.json`, saved
    /// tools/list results) and the MCP configs.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write the lock to FILE (atomically) [default: airlock-tools.lock in the working
    /// directory]; `-` for stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Sign the lock with this private key (PKCS#8 PEM, from `airlock keygen`): a DSSE envelope
    /// over an in-toto statement naming the lock's SHA-256, written to FILE.dsse.json.
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,

    /// Also walk .git, target, node_modules and virtual environments.
    #[arg(long)]
    pub no_default_excludes: bool,
}

/// The reviewed tool declarations a scan is compared with: given by the operator only (a lock
/// inside a scanned tree is never read).
#[derive(Debug, Clone, Default, Args)]
pub struct ToolsLockArgs {
    /// Compare every tool declaration with this reviewed lock (`airlock tools pin`): a tool
    /// added, removed or changed since the pin is a high finding (tool-pin-changed); a pinned
    /// server with no declaration in the scan is unknown (tool-pin-unverified).
    #[arg(long, value_name = "FILE")]
    pub tools_lock: Option<PathBuf>,

    /// Require the tools lock to be signed with this public key (its FILE.dsse.json, written
    /// by `airlock tools pin --key`); an unsigned or altered lock is an error (exit 2).
    #[arg(long, value_name = "PUB", requires = "tools_lock")]
    pub pin_key: Option<PathBuf>,
}

const ATTEST_EXAMPLES: &str = "\
Examples:
  airlock keygen release                                  # release.key + release.pub
  airlock attest examples/agent-stack --key release.key -o stack.intoto.json
  airlock verify --attestation stack.intoto.json --key release.pub agent-stack/
  airlock verify --attestation stack.intoto.json --key release.pub --exact --fail-on medium agent-stack/
  airlock verify --model-signature model.sig --key signer.pub models/tiny/
  airlock verify --lock requirements.txt wheelhouse/      # every locked hash present, nothing else

Exit codes: 0 every check held, 1 a check failed (the report says which), 2 usage or input error,
or the gate could not look (no advisory database, data too old, a file that could not be read).";

#[derive(Debug, Args)]
pub struct AttestArgs {
    /// The directory (or file) to scan and attest; subjects are named relative to it.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    /// Private key (PKCS#8 PEM, from `airlock keygen`) to sign the attestation with.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,

    /// Write the attestation (a DSSE envelope, JSON) to FILE atomically instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Attest without the advisory database: the SBOM then carries no vulnerabilities.
    #[arg(long)]
    pub no_vuln_db: bool,

    /// Exit with 1 when a finding has this severity or worse, as `scan` does [default: the
    /// policy's `fail-on`, else high]; the attestation is written either way and records the
    /// findings; `none` never fails.
    #[arg(long, value_name = "SEVERITY", value_parser = FAIL_ON_VALUES)]
    pub fail_on: Option<String>,

    /// Also walk .git, target, node_modules and virtual environments.
    #[arg(long)]
    pub no_default_excludes: bool,

    /// Apply the policy file inside PATH (PATH/airlock.toml) fully, as `scan` does with the
    /// same option.
    #[arg(long)]
    pub trust_project_policy: bool,

    /// Attest a PATH under which no file is one airlock reads (otherwise an error, exit 2).
    #[arg(long)]
    pub allow_empty: bool,

    /// For an oci:// PATH: also attach the attestation and the CycloneDX SBOM to the image in
    /// its registry (OCI 1.1 referrers, with the tag-schema fallback; docs/registry.md).
    #[arg(long)]
    pub push: bool,

    #[command(flatten)]
    pub image: ImageArgs,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("signed").args(["attestation", "model_signature", "lock"]))]
pub struct VerifyArgs {
    /// The directory (or file) to check: the attested tree, the signed model directory, or the
    /// folder of artifacts checked against --lock; or an image, oci://HOST/REPO:TAG, whose
    /// attached attestation is checked (one of --attestation, --model-signature and --lock is
    /// required otherwise).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    /// An attestation written by `airlock attest` (DSSE envelope).
    #[arg(long, value_name = "FILE")]
    pub attestation: Option<PathBuf>,

    /// An OpenSSF model_signing v1.0 bundle (`model_signing sign key`) to check PATH against.
    #[arg(long, value_name = "FILE")]
    pub model_signature: Option<PathBuf>,

    /// A lockfile (requirements with --hash, uv.lock, poetry.lock, pdm.lock, Pipfile.lock,
    /// pylock.toml, Cargo.lock): check that PATH, a folder of wheels, sdists, .crate files or a
    /// cargo vendor directory, satisfies it exactly (docs/deployed.md).
    #[arg(long, value_name = "LOCKFILE")]
    pub lock: Option<PathBuf>,

    /// Public key (SPKI PEM): Ed25519 for attestations, ECDSA P-256/P-384 for model signatures.
    #[arg(
        long,
        value_name = "PUB",
        required_unless_present = "lock",
        conflicts_with = "lock"
    )]
    pub key: Option<PathBuf>,

    /// Files under PATH that are not subjects but that airlock reads (models, lockfiles,
    /// manifests, MCP configs) are listed and judged by the rules like every other file,
    /// instead of failing the gate.
    #[arg(long, conflicts_with_all = ["model_signature", "exact"])]
    pub allow_extra_files: bool,

    /// Fail on any file under PATH that is not a subject, even one airlock does not read
    /// (scripts, data, notes); by default only files airlock reads fail, the others are listed.
    #[arg(long, conflicts_with = "model_signature")]
    pub exact: bool,

    /// Fail when a finding of the rules run again on PATH, or one the attestation recorded, has
    /// this severity or worse [default: the operator's `fail-on`, else high]; an unknown
    /// severity counts as the operator's `unknown-severity` (high); `none` reports without
    /// failing.
    #[arg(long, value_name = "SEVERITY", value_parser = FAIL_ON_VALUES, conflicts_with = "model_signature")]
    pub fail_on: Option<String>,

    /// Verify without the advisory database: vulnerabilities and malicious packages are not
    /// checked (the report says so); without this option a missing database is an error
    /// (exit 2).
    #[arg(long, conflicts_with = "model_signature")]
    pub no_vuln_db: bool,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also walk .git, target, node_modules and virtual environments when looking for files.
    #[arg(long, conflicts_with = "model_signature")]
    pub no_default_excludes: bool,

    /// Accept a PATH under which no file is one airlock reads (otherwise an error, exit 2).
    #[arg(long, conflicts_with = "model_signature")]
    pub allow_empty: bool,

    #[command(flatten)]
    pub tools: ToolsLockArgs,

    #[command(flatten)]
    pub image: ImageArgs,
}

/// Formats of the diff report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Sections for people, the red flags first.
    Table,
    /// A JSON document for scripts (docs/json-format.md).
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The accepted side: an SBOM (CycloneDX, SPDX) or a directory.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The incoming side: an SBOM or a directory.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with 1 when the new side introduces a finding of this severity or worse [default:
    /// the operator's `fail-on`, else high]; a hash change counts as critical, an unknown
    /// severity as the operator's `unknown-severity` (high); `none` reports without failing.
    #[arg(long, value_name = "SEVERITY", value_parser = FAIL_ON_VALUES)]
    pub fail_on: Option<String>,

    /// Compare without the advisory database: vulnerabilities are not compared (the report
    /// says so); without this option a missing database is an error (exit 2).
    #[arg(long)]
    pub no_vuln_db: bool,

    /// Match both sides against these advisory files or directories (OSV JSON/YAML, RustSec
    /// markdown, OSV zips), imported into a temporary database for this run, instead of the
    /// database. Repeatable.
    #[arg(long, value_name = "PATH", conflicts_with = "no_vuln_db")]
    pub advisories: Vec<PathBuf>,

    /// Also walk .git, target, node_modules and virtual environments.
    #[arg(long)]
    pub no_default_excludes: bool,

    /// Accept a side under which no file is one airlock reads (a first intake against an
    /// empty OLD); otherwise an error, exit 2.
    #[arg(long)]
    pub allow_empty: bool,
}

const COMPLETION_EXAMPLES: &str = "\
Examples:
  airlock completions bash > ~/.local/share/bash-completion/completions/airlock
  airlock completions zsh > ~/.zfunc/_airlock      # with fpath+=(~/.zfunc) in ~/.zshrc
  airlock completions fish > ~/.config/fish/completions/airlock.fish";

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Listing format (markdown is the page docs/rules.md is generated from).
    #[arg(short, long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

/// Formats of `airlock rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// Aligned columns for people.
    Table,
    /// A JSON object for scripts.
    Json,
    /// The documentation page (docs/rules.md).
    Markdown,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write airlock.1 and one page per subcommand (airlock-scan.1, ...) into DIR instead of
    /// printing airlock.1.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

const DB_EXAMPLES: &str = "\
Examples:
  airlock db sync                                  # download OSV's PyPI and crates.io archives
  airlock db import advisory-db/ osv/all.zip       # import OSV JSON/YAML, RustSec markdown, zips
  airlock keygen release                           # release.key + release.pub
  airlock db export --bundle db.bundle --sign-key release.key
  airlock db verify db.bundle --key release.pub    # on the other side of the air gap
  airlock db import db.bundle --key release.pub    # verify, then replace the database
  airlock db import db.bundle --repin new.pub      # the signing key changed: pin the new one
  airlock db info                                  # counts, sources, watermarks, age";

/// `airlock db ...`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Download OSV's per-ecosystem archives (conditional requests) and import them.
    Sync(DbSyncArgs),
    /// Import OSV JSON/YAML files, RustSec markdown, OSV zip archives, directories, or a bundle.
    Import(DbImportArgs),
    /// Write the database as one portable bundle file, optionally signed.
    Export(DbExportArgs),
    /// Check a bundle's digest and signature without importing it.
    Verify(DbVerifyArgs),
    /// Publish the database as a signed bundle to an OCI registry (oci://HOST/REPO:TAG), as an
    /// artifact of its own type next to the images it is used for.
    Push(DbPushArgs),
    /// Fetch a bundle from an OCI registry and import it as `db import` does: signature, pinned
    /// key and rollback checked before the database is replaced (atomically).
    Pull(DbPullArgs),
    /// Show schema version, per-source counts, watermarks and age.
    Info(DbInfoArgs),
}

#[derive(Debug, Args)]
pub struct DbSyncArgs {
    /// OSV ecosystem to fetch (repeatable; `npm` for MCP server packages) [default: `[sync]
    /// ecosystems`, else PyPI and crates.io].
    #[arg(long, value_name = "NAME")]
    pub ecosystem: Vec<String>,
    /// Base URL holding `{ecosystem}/all.zip` [default: $AIRLOCK_MIRROR, `[sync] mirror`, else
    /// OSV's public bucket].
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,
}

#[derive(Debug, Args)]
pub struct DbImportArgs {
    /// Files, directories (walked recursively), OSV zip archives, or one bundle.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Public key (SPKI PEM) a bundle must be signed with [default: `[database] public_key`,
    /// else the key that signed the data the database holds]. It must be that same key.
    #[arg(long, value_name = "PUB", conflicts_with = "repin")]
    pub key: Option<PathBuf>,
    /// Accept a bundle signed by NEW.pub, a different key than the pinned or recorded one, and
    /// record it as the database's key from now on (update `[database] public_key` too).
    #[arg(long, value_name = "NEW.pub")]
    pub repin: Option<PathBuf>,
    /// Accept a bundle without a signature (or signed, with no key to check it): only its
    /// digest is checked.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Accept a bundle whose data is older than the database's (its newest record, or its
    /// build time, is earlier): a replayed older bundle is otherwise refused.
    #[arg(long)]
    pub allow_downgrade: bool,
}

#[derive(Debug, Args)]
pub struct DbExportArgs {
    /// Where to write the bundle (atomically).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// Private key (PKCS#8 PEM) to sign the bundle's manifest with.
    #[arg(long, value_name = "KEY")]
    pub sign_key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DbPushArgs {
    /// Where to publish: oci://HOST[:PORT]/REPO:TAG.
    #[arg(value_name = "REFERENCE")]
    pub reference: String,
    /// Private key (PKCS#8 PEM) to sign the bundle's manifest with.
    #[arg(long, value_name = "KEY")]
    pub sign_key: Option<PathBuf>,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct DbPullArgs {
    /// The bundle to fetch: oci://HOST[:PORT]/REPO:TAG or oci://HOST[:PORT]/REPO@sha256:HEX.
    #[arg(value_name = "REFERENCE")]
    pub reference: String,
    /// Public key (SPKI PEM) the bundle must be signed with, as for `db import`.
    #[arg(long, value_name = "PUB", conflicts_with = "repin")]
    pub key: Option<PathBuf>,
    /// Accept a bundle signed by NEW.pub and record it as the database's key, as for `db import`.
    #[arg(long, value_name = "NEW.pub")]
    pub repin: Option<PathBuf>,
    /// Accept a bundle without a signature, as for `db import`.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Accept a bundle whose data is older than the database's, as for `db import`.
    #[arg(long)]
    pub allow_downgrade: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

#[derive(Debug, Args)]
pub struct DbVerifyArgs {
    /// The bundle to check.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Public key (SPKI PEM) the bundle must be signed with [default: `[database] public_key`,
    /// else the key that signed the data the database holds].
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Pass a bundle without a signature (or signed, with no key to check it) on its digest.
    #[arg(long)]
    pub allow_unsigned: bool,
}

#[derive(Debug, Args)]
pub struct DbInfoArgs {
    /// Listing format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Path prefix of the key files: NAME.key and NAME.pub.
    #[arg(value_name = "NAME")]
    pub name: PathBuf,
}

/// Formats of plain listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for people.
    Table,
    /// A JSON array for scripts.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Files or directories to scan (directories are walked; .git, target, node_modules and
    /// virtual environments are skipped).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// CycloneDX version of the cyclonedx-json and cyclonedx-xml formats.
    #[arg(long, value_enum, value_name = "VERSION", default_value_t = CycloneDxVersion::V1_6)]
    pub spec_version: CycloneDxVersion,

    /// Check the SBOM against a list of minimum elements before writing it: every element a
    /// component lacks is reported with why; the document is written and the run exits 1 when
    /// the profile is not met. bsi-tr-03183-2 also leaves vulnerabilities out (use a VEX format).
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub profile: Option<crate::emit::profile::Profile>,

    /// Write the report to FILE (atomically: all or nothing) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Refine Cargo workspaces with `cargo metadata --offline --locked` (feature-resolved edges).
    /// Runs cargo, which reads the project's .cargo/config.toml: use on trusted projects only.
    #[arg(long)]
    pub cargo_metadata: bool,

    /// Also walk .git, target, node_modules and virtual environments.
    #[arg(long)]
    pub no_default_excludes: bool,

    /// Also read the installed Python environments a walk meets (virtual environments,
    /// site-packages trees: installed packages, RECORD re-hashes, .pth files), which a project
    /// walk otherwise skips. A PATH that is an environment is always read as one.
    #[arg(long)]
    pub include_environments: bool,

    /// Also read the agent client configs in your home directory (Claude Code, Claude Desktop,
    /// Cursor, VS Code, Windsurf, Cline, Zed, Gemini CLI, Codex, Goose): their MCP servers,
    /// credentials by name, and auto-approved tools. Paths in the report are then absolute.
    #[arg(long)]
    pub include_user_config: bool,

    /// Accept a PATH under which no file is one airlock reads (otherwise an error, exit 2:
    /// a run that read nothing is not clean).
    #[arg(long)]
    pub allow_empty: bool,

    #[command(flatten)]
    pub image: ImageArgs,
}

/// How an `oci://HOST/REPO:TAG` (or `@sha256:…`) PATH is pulled.
#[derive(Debug, Args, Clone, Default)]
pub struct ImageArgs {
    /// The platform read from a multi-platform image of an oci:// PATH (os/arch[/variant],
    /// e.g. linux/arm64) [default: the host's].
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// How airlock talks to the registry an `oci://` reference names (the only host it contacts).
#[derive(Debug, Args, Clone, Default)]
pub struct RegistryArgs {
    /// Talk plain HTTP to the registry of an oci:// reference: for test registries only
    /// (HTTPS otherwise).
    #[arg(long)]
    pub insecure_registry: bool,

    /// Run the credential helper (docker-credential-NAME) your Docker or Podman config names
    /// for the registry; without it only the `auths` entries of those files are used.
    #[arg(long)]
    pub credential_helpers: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub report: ReportArgs,

    /// Exit with 1 when a finding has this severity or worse [default: the policy file's
    /// `fail-on`, else high]; an unknown severity counts as the policy's `unknown-severity`
    /// (high); `none` reports without failing.
    #[arg(long, value_name = "SEVERITY", value_parser = FAIL_ON_VALUES)]
    pub fail_on: Option<String>,

    /// Scan without the advisory database: no vulnerability matching (the report says so).
    #[arg(long)]
    pub no_vuln_db: bool,

    /// Apply the statements of an OpenVEX or CycloneDX VEX document like policy ignores: a
    /// finding a `not_affected` or `fixed` statement covers is set aside with that reason. A
    /// statement matching no finding is a warning. Repeatable. VEX documents inside the scanned
    /// tree are never applied: only the ones named here.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,

    /// Apply the policy files inside the scanned directories (PATH/airlock.toml) fully, their
    /// ignores and allowances included; without it they may only tighten the operator's
    /// policy, and each entry that would loosen it is a finding (docs/trust-model.md).
    #[arg(long)]
    pub trust_project_policy: bool,

    /// Match against these advisory files or directories (OSV JSON/YAML, RustSec markdown, OSV
    /// zips) instead of the database: they are imported into a temporary database for this scan
    /// only. Repeatable.
    #[arg(long, value_name = "PATH", conflicts_with = "no_vuln_db")]
    pub advisories: Vec<PathBuf>,

    #[command(flatten)]
    pub tools: ToolsLockArgs,

    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `airlock scan --report-dir DIR PATH...`: many projects in one run (docs/fleet.md).
#[derive(Debug, Args)]
#[command(next_help_heading = "Fleet runs (one project per PATH, docs/fleet.md)")]
pub struct FleetArgs {
    /// Scan each PATH as a project of its own, judged exactly as `airlock scan PATH -o
    /// DIR/NAME.EXT` alone would judge it, and write its report there (NAME from the path's
    /// last components, made unique; EXT from --format). Without it, all PATHs form one graph.
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub report_dir: Option<PathBuf>,

    /// Scan N projects at a time [default: the number of CPUs].
    #[arg(short = 'j', long, value_name = "N", requires = "report_dir",
          value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Write one JSON line per project to FILE (atomically, when the run ends) or `-` (stdout,
    /// as projects finish, in PATH order): the project, its report, counts by severity, the
    /// database's dates and the exit code it would have alone. Lines of several runs
    /// concatenate into one summary.
    #[arg(long, value_name = "FILE", requires = "report_dir")]
    pub summary: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExtractorsArgs {
    /// Listing format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_version_names_the_database_schema_this_build_reads() {
        assert_eq!(
            VERSION,
            format!(
                "{} (advisory database schema {})",
                env!("CARGO_PKG_VERSION"),
                advisories::store::SCHEMA_VERSION
            )
        );
    }
}
