//! `--cargo-metadata`: the feature-resolved graph of a Cargo workspace from
//! `cargo metadata --offline --locked`, for the library's [`CargoGraphSource`] port.
//!
//! Running cargo means trusting the project: cargo reads its `.cargo/config.toml`. The command
//! is pinned to the `rustc` on PATH and no wrapper, so a hostile config cannot name a program
//! for cargo to run, and it runs offline. `$CARGO` names the cargo to run (as cargo itself sets
//! it for the programs it runs), else `cargo` on PATH.
//!
//! The answer depends on the project and the cargo, nothing else: cargo gets a target
//! directory of its own for each call (never a build's, whose rustc cache it would otherwise
//! read and rewrite), and the variables a surrounding build leaves in the environment
//! (`cargo test`, a build script, `make -j`) are removed, so the graph is the same whether
//! airlock runs from a shell, a test or a build.

use std::path::Path;

use cargo_metadata::{DependencyKind, MetadataCommand};
use scanner_core::extract::cargo::metadata::{
    self as resolved, CargoGraphSource, ResolvedCargoGraph,
};

/// Variables a surrounding cargo or make sets that could change what `cargo metadata` reads,
/// where it writes, or which programs it runs.
const INHERITED_BUILD_VARIABLES: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_BUILD_DIR",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_PRIMARY_PACKAGE",
];

/// Runs `cargo metadata` for each workspace the scan finds.
#[derive(Debug, Clone, Copy, Default)]
pub struct CargoMetadata;

impl CargoGraphSource for CargoMetadata {
    fn resolve(&self, lock: &Path) -> Result<ResolvedCargoGraph, String> {
        let directory = lock
            .parent()
            .ok_or_else(|| "the lockfile has no parent directory".to_owned())?;
        // Cargo's own scratch (its rustc cache): private, and gone when this call returns.
        let scratch = tempfile::Builder::new()
            .prefix("airlock-cargo-metadata-")
            .tempdir()
            .map_err(|error| format!("cannot create a directory for cargo: {error}"))?;
        let mut command = MetadataCommand::new();
        command
            .manifest_path(directory.join("Cargo.toml"))
            .other_options(
                ["--offline", "--locked", "--color", "never"]
                    .map(str::to_owned)
                    .to_vec(),
            );
        for variable in INHERITED_BUILD_VARIABLES {
            command.env_remove(*variable);
        }
        let metadata = command
            .env("CARGO_TARGET_DIR", scratch.path())
            .env("CARGO_BUILD_RUSTC", "rustc")
            .env("CARGO_BUILD_RUSTC_WRAPPER", "")
            .env("RUSTC_WRAPPER", "")
            .env("CARGO_NET_OFFLINE", "true")
            .exec()
            .map_err(|error| {
                error
                    .to_string()
                    .lines()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" ")
            })?;
        let resolve = metadata
            .resolve
            .as_ref()
            .ok_or_else(|| "cargo metadata returned no resolve graph".to_owned())?;
        Ok(ResolvedCargoGraph {
            packages: metadata
                .packages
                .iter()
                .map(|package| resolved::ResolvedPackage {
                    id: package.id.repr.clone(),
                    name: package.name.to_string(),
                    version: package.version.to_string(),
                    source: package.source.as_ref().map(|source| source.repr.clone()),
                    optional: package
                        .dependencies
                        .iter()
                        .filter(|declared| declared.optional)
                        .map(|declared| declared.name.clone())
                        .collect(),
                })
                .collect(),
            nodes: resolve
                .nodes
                .iter()
                .map(|node| resolved::ResolvedNode {
                    id: node.id.repr.clone(),
                    dependencies: node
                        .deps
                        .iter()
                        .map(|dependency| resolved::ResolvedDependency {
                            id: dependency.pkg.repr.clone(),
                            kinds: dependency
                                .dep_kinds
                                .iter()
                                .map(|info| match info.kind {
                                    DependencyKind::Development => {
                                        resolved::DependencyKind::Development
                                    }
                                    DependencyKind::Build => resolved::DependencyKind::Build,
                                    _ => resolved::DependencyKind::Normal,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            workspace_members: metadata
                .workspace_members
                .iter()
                .map(|id| id.repr.clone())
                .collect(),
        })
    }
}
