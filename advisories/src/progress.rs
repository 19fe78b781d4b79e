//! How far a long import or sync is, told to a callback (the CLI draws progress bars from it;
//! this crate never prints). Called often, from the importing thread: callbacks must be cheap.

use std::sync::Arc;

/// One progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// Bytes of one ecosystem's archive received so far, of `total` when the server said.
    Download {
        ecosystem: &'a str,
        received: u64,
        total: Option<u64>,
    },
    /// Advisory records read so far by an import (every copy counted).
    Records { read: u64 },
}

/// Where progress reports go.
pub type ProgressCallback = Arc<dyn Fn(Progress<'_>) + Send + Sync>;
