//! Where reports go: stdout, or a file written atomically (a temporary file in the same
//! directory, renamed into place), so a failed run never leaves half a report behind.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `bytes` to `path` (atomically) or to stdout.
pub fn write_report(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
            Ok(())
        }
        Some(path) => {
            let directory = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            let mut temporary = tempfile::NamedTempFile::new_in(directory)
                .with_context(|| format!("cannot create a file in {}", directory.display()))?;
            temporary
                .write_all(bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            temporary
                .as_file()
                .sync_all()
                .with_context(|| format!("cannot write {}", path.display()))?;
            temporary
                .persist(path)
                .map_err(|error| error.error)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(())
        }
    }
}

/// True when the error is a closed pipe on stdout.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Human messages go to stderr; a failure to write them is not worth failing the run for.
pub fn stderr_line(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}
