//! airlock's core: the vocabulary of a software supply chain (ecosystems, package names, purls,
//! components, a dependency graph, diagnostics and findings), the extractors that read lockfiles,
//! manifests and model artifacts into that vocabulary, and the scan driver that walks a tree.
//!
//! This crate never opens a database, never touches the network, never starts a process and
//! never prints: it returns values and typed errors, and the CLI decides how to show them (and
//! runs other programs, such as `cargo metadata`, behind the ports this crate defines).

// Every public item says what it is for (issue 18): the crate is read by more people than wrote it.
#![warn(missing_docs)]

pub mod clock;
pub mod component;
pub mod diagnostic;
pub mod ecosystem;
pub mod extract;
pub mod facts;
pub mod graph;
pub mod image;
pub mod link;
pub mod location;
pub mod lock_check;
pub mod model;
pub mod name;
pub mod policy;
pub mod purl;
pub mod risk;
pub mod sbom;
pub mod scan;
mod text;
pub mod tools_lock;
pub mod vex;

pub use component::{
    Component, ComponentFlag, ComponentKey, ComponentKind, EdgeKind, GitReference, Hash,
    HashAlgorithm, Scope, Source,
};
pub use diagnostic::{Diagnostic, DiagnosticCode, DiagnosticSeverity};
pub use ecosystem::Ecosystem;
pub use facts::Facts;
pub use graph::{DependencyGraph, Edge, GraphBuilder};
pub use location::{Evidence, Location};
pub use name::{NameError, PackageName};
pub use purl::Purl;
