//! Output formats. A closed set: every format is a module here and a variant of `cli::Format`.

pub mod json;
pub mod table;
