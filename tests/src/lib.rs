//! End-to-end tests of airlock live in `tests/`; shared helpers are in `tests/support/`. The
//! library holds what the fuzz crate (`fuzz/`) shares with the stable tests: the fuzz entry
//! points, one per parser of untrusted bytes.

pub mod fuzz;
