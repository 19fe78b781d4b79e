//! airlock's offline advisory database: one SQLite file holding OSV records (from OSV JSON, OSV
//! YAML and RustSec markdown), replaced atomically by imports, syncs and signed bundles, and read
//! by the risk engine through the core's [`scanner_core::risk::VulnerabilitySource`] port.
//!
//! - [`store`]: schema, migrations, the writer and the read side ([`Store`]).
//! - [`import`]: files, directories and OSV `all.zip` archives → records.
//! - [`sync`]: OSV's per-ecosystem archives over HTTP, with watermarks.
//! - [`bundle`]: a signed, portable snapshot for carrying across an air gap.
//! - [`signing`]: Ed25519 keys in PEM (PKCS#8 / SPKI), shared with attestations.
//! - [`attestation`]: in-toto statements in DSSE envelopes, and OpenSSF model_signing bundles.
//! - [`config`]: `airlock.toml` settings for the database, sync and pinned keys.
//! - [`freshness`]: how old the data is, judged from its newest record, and the limit.

// Every public item says why it exists or what it guarantees: this crate is the interface the
// CLI and the tests build on.
#![warn(missing_docs)]

pub mod attestation;
pub mod bundle;
pub mod config;
pub mod database;
pub mod freshness;
pub mod import;
pub mod matching;
pub mod model;
pub mod oci;
pub mod osv;
pub mod progress;
pub mod rustsec;
mod rustsec_ranges;
pub mod signing;
pub mod store;
pub mod sync;
pub mod time;

pub use database::default_path;
pub use import::{import_paths, ImportError, ImportReport, Skipped};
pub use store::{DatabaseError, DatabaseSummary, SourceCounts, SourceRecord, Store};
