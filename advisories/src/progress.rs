//! How far a long import or sync is, told to a callback (the CLI draws progress bars from it;
//! this crate never prints). Called often, from the importing thread: callbacks must be cheap.

use std::sync::Arc;

/// One progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// Bytes of one ecosystem's archive received so far, of `total` when the server said.
    Download {
        /// The OSV ecosystem whose `all.zip` is coming in (one bar per archive).
        ecosystem: &'a str,
        /// Bytes received so far; only grows within one download.
        received: u64,
        /// The `Content-Length`, when the server sent one: without it the bar cannot show a
        /// fraction.
        total: Option<u64>,
    },
    /// Advisory records read so far by an import (every copy counted).
    Records {
        /// Records parsed so far, copies of one id included: it counts work done, not what
        /// the database will hold.
        read: u64,
    },
}

/// Where progress reports go.
pub type ProgressCallback = Arc<dyn Fn(Progress<'_>) + Send + Sync>;
