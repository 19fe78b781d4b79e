//! Enrichers: what the CLI adds to a scan by running other programs, behind the ports the
//! library defines, so that the library itself starts no process. Each runs only when the
//! operator asks for it.

pub mod cargo_metadata;
