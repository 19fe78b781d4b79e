//! What the fuzz crate (`fuzz/`) shares with the stable tests: the fuzz entry points, one per
//! parser of untrusted bytes. The end-to-end tests themselves are one binary of scanner-cli,
//! `tests/end_to_end/` (helpers in `tests/end_to_end/support/`), which replays the fuzz corpus
//! through these entry points.

pub mod fuzz;
