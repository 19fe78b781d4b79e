//! The end-to-end tests of airlock, one test binary: each module was once a test binary of its
//! own, all of which linked the whole tree and ran whatever `target/debug/airlock` an earlier
//! build had left. This one is scanner-cli's integration test (`scanner-cli/Cargo.toml` names
//! this file), so cargo builds the `airlock` binary of the same build first and hands its path
//! to [`support::airlock_binary`]; `cargo test -p scanner-cli --test end_to_end` alone is
//! enough. The folder stays under `tests/`, beside the fixtures and schemas it reads.
//!
//! Most modules drive the binary (some also open what it wrote with the libraries: stores,
//! envelopes); a few call the extractors directly, to compare them with an independent parser or
//! to feed them hostile bytes (`cargo_corpus`, `python_locks`, `python_requirements`, `models`,
//! `malformed`, `fuzz_replay`).

mod db_common;
mod support;

mod agent_config;
mod agent_flows;
mod air_gap_doc;
mod attest;
mod attest_model_signing;
mod auditable_binary;
mod binary;
mod cargo_corpus;
mod cli;
mod cli_ux;
mod configuration;
mod container_image;
mod db_bundle;
mod db_freshness;
mod db_import;
mod db_kill;
mod db_sync;
mod deployed_example;
mod diff;
mod fleet;
mod fuzz_replay;
mod hostile_environment;
mod html_report;
mod installed_environments;
mod local_projects;
mod malformed;
mod mcp;
mod models;
mod models_generated;
mod nothing_read;
mod output_files;
mod outputs;
mod outputs_sbom_input;
mod policy;
mod project_policy;
mod python_locks;
mod python_requirements;
mod readme;
mod registry;
mod registry_attach;
mod sbom_formats;
mod sbom_official_examples;
mod sbom_profiles;
mod secrets;
mod tools_pin;
mod unknown_severity;
mod verify_gate;
mod verify_lock;
mod vex;
