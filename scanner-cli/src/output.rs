//! Where reports go. Every command that writes a report or a file to a path the operator names
//! (`-o FILE`, `db export --bundle FILE`, `man --output-dir DIR`) goes through [`Target`], so
//! that a path is never destroyed by accident:
//!
//! - `-o -` (or no `-o`) is standard output;
//! - an existing target that is not a regular file (a character or block device, a FIFO, a
//!   socket) is written through, never replaced: `-o /dev/stdout` as root once turned the device
//!   node into a regular file;
//! - a symbolic link is resolved, and the file it points to is replaced atomically (a dangling
//!   link, a loop or a link to a directory is an error naming both paths);
//! - a directory is an error;
//! - a regular file, new or existing, is written to a temporary file beside it, then renamed
//!   onto it, so a failed run never leaves half a report behind or loses the previous one. New
//!   files get the usual mode (0666 less the umask, like `>` in a shell); a replaced file keeps
//!   its mode. Only private keys are created owner-only, by `keygen`.
//!
//! What is synced to the disk before the rename: a file built elsewhere and copied here
//! ([`Target::write_built`]: a bundle, which is carried across an air gap and may be the only
//! copy). A report is not: it is regenerated from its inputs, and syncing it (two `fsync`s,
//! 3–8 ms on the development VM's disk) was a fifth of the time of `airlock sbom` on a 1 MB
//! uv.lock. A crash of the machine may lose the newest report, never leave half of it in place
//! of the previous one on a file system that orders a rename after the data it names (ext4's
//! default `auto_da_alloc`, btrfs); the advisory database syncs its own writes.

use std::fs::{File, Permissions};
use std::io::{IoSlice, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// Where one output goes, decided from what is at the path now.
#[derive(Debug)]
pub enum Target {
    /// No path, or `-`.
    Stdout,
    /// An existing file that is not a regular file (device, FIFO): opened for writing, never
    /// created, truncated or replaced.
    WriteThrough { path: PathBuf },
    /// A UNIX socket: connected to and written through.
    Socket { path: PathBuf },
    /// A regular file, new or existing: replaced atomically.
    Replace {
        /// The path as given, for messages.
        given: PathBuf,
        /// The path written: `given` with every symbolic link resolved when it exists.
        file: PathBuf,
        /// The mode of the file being replaced, kept; `None` for a new file.
        existing: Option<Permissions>,
    },
}

impl Target {
    /// What writing to `path` means; an error when nothing sensible can be written there (a
    /// directory, a dangling link). Called before the work too, so such a mistake is reported
    /// before a long scan rather than after it.
    pub fn resolve(path: Option<&Path>) -> anyhow::Result<Target> {
        let Some(path) = path.filter(|path| *path != Path::new("-")) else {
            return Ok(Target::Stdout);
        };
        let link = match std::fs::symlink_metadata(path) {
            Ok(link) => link,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Target::Replace {
                    given: path.to_path_buf(),
                    file: path.to_path_buf(),
                    existing: None,
                });
            }
            Err(error) => {
                return Err(error).with_context(|| format!("cannot write {}", path.display()))
            }
        };
        let is_link = link.file_type().is_symlink();
        // `metadata` follows links; a link whose target cannot be reached is refused rather than
        // created through, since the file it would create could be anywhere.
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) if is_link => {
                let pointee = std::fs::read_link(path).map_or_else(
                    |_| "(unreadable)".to_owned(),
                    |target| target.display().to_string(),
                );
                anyhow::bail!(
                    "{} is a symbolic link to {pointee}, which cannot be written ({error}); \
                     airlock does not create files through a dangling link: remove the link or \
                     give another path",
                    path.display()
                );
            }
            Err(error) => {
                return Err(error).with_context(|| format!("cannot write {}", path.display()))
            }
        };
        if metadata.is_dir() {
            if is_link {
                let pointee = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
                anyhow::bail!(
                    "{} is a symbolic link to the directory {}: give a file name to write to",
                    path.display(),
                    pointee.display()
                );
            }
            anyhow::bail!(
                "{} is a directory: give a file name to write to",
                path.display()
            );
        }
        if metadata.is_file() {
            let file = if is_link {
                std::fs::canonicalize(path).with_context(|| {
                    format!("cannot resolve the symbolic link {}", path.display())
                })?
            } else {
                path.to_path_buf()
            };
            return Ok(Target::Replace {
                given: path.to_path_buf(),
                file,
                existing: Some(metadata.permissions()),
            });
        }
        if is_stdout(&metadata) {
            return Ok(Target::Stdout);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if metadata.file_type().is_socket() {
                return Ok(Target::Socket {
                    path: path.to_path_buf(),
                });
            }
        }
        Ok(Target::WriteThrough {
            path: path.to_path_buf(),
        })
    }

    /// The regular file this run will replace, resolved, when it exists: the scan must not read
    /// it as an input (an SBOM from the previous run would otherwise describe itself).
    pub fn existing_file(&self) -> Option<PathBuf> {
        match self {
            Target::Replace {
                file,
                existing: Some(_),
                ..
            } => std::fs::canonicalize(file).ok(),
            _ => None,
        }
    }

    /// Writes `bytes`, in one `write` where the target takes it (not in 8 KiB pieces as a
    /// copy through a reader does: 125 system calls for a 1 MB SBOM).
    pub fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        self.write_pieces(&[bytes])
    }

    /// Writes `pieces` one after the other, in one `writev` where the target takes it: a
    /// document serialized in pieces is written without first being copied into one buffer.
    pub fn write_pieces(&self, pieces: &[&[u8]]) -> anyhow::Result<()> {
        self.write_content(Content::Pieces(pieces), Durability::Report)
    }

    /// Lets `build` write a file at a scratch path (a bundle, which needs a seekable file of its
    /// own), then writes that file here. The scratch lies beside the file it will replace, so a
    /// large file needs no room on another file system.
    pub fn write_built<T>(
        &self,
        build: impl FnOnce(&Path) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let scratch = match self {
            Target::Replace { file, .. } => tempfile::Builder::new()
                .prefix(".airlock-scratch-")
                .tempdir_in(parent_of(file)),
            _ => tempfile::Builder::new()
                .prefix("airlock-scratch-")
                .tempdir(),
        }
        .context("cannot create a scratch directory")?;
        let built = scratch.path().join("output");
        let result = build(&built)?;
        let mut file =
            File::open(&built).with_context(|| format!("cannot read {}", built.display()))?;
        self.write_content(Content::Reader(&mut file), Durability::Synced)?;
        Ok(result)
    }

    fn write_content(&self, content: Content<'_>, durability: Durability) -> anyhow::Result<()> {
        match self {
            Target::Stdout => {
                let mut stdout = std::io::stdout().lock();
                content.copy_to(&mut stdout)?;
                stdout.flush()?;
                Ok(())
            }
            Target::WriteThrough { path } => {
                let context = || format!("cannot write {}", path.display());
                // No create, no truncate: the node stays what it is.
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(context)?;
                content.copy_to(&mut file).with_context(context)?;
                file.flush().with_context(context)?;
                Ok(())
            }
            Target::Socket { path } => write_to_socket(path, content),
            Target::Replace {
                given,
                file,
                existing,
            } => replace(given, file, existing.as_ref(), content, durability),
        }
    }
}

/// What is written: bytes at hand, or a file read as it is copied.
enum Content<'a> {
    Pieces(&'a [&'a [u8]]),
    Reader(&'a mut dyn Read),
}

impl Content<'_> {
    fn copy_to(self, writer: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Content::Pieces(pieces) => write_all_pieces(writer, pieces),
            Content::Reader(reader) => std::io::copy(reader, writer).map(drop),
        }
    }
}

/// `Write::write_all` over several buffers in order, with vectored writes (the standard
/// library's `write_all_vectored` is not stable).
fn write_all_pieces(writer: &mut dyn Write, pieces: &[&[u8]]) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = pieces
        .iter()
        .filter(|piece| !piece.is_empty())
        .map(|piece| IoSlice::new(piece))
        .collect();
    let mut remaining = slices.as_mut_slice();
    while !remaining.is_empty() {
        match writer.write_vectored(remaining) {
            Ok(0) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::WriteZero,
                    "failed to write the whole document",
                ))
            }
            Ok(written) => IoSlice::advance_slices(&mut remaining, written),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// Whether a replaced file is synced to the disk before the rename (see the module comment).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Durability {
    Report,
    Synced,
}

#[cfg(unix)]
fn write_to_socket(path: &Path, content: Content<'_>) -> anyhow::Result<()> {
    let context = || format!("cannot write to the socket {}", path.display());
    let mut stream = std::os::unix::net::UnixStream::connect(path).with_context(context)?;
    content.copy_to(&mut stream).with_context(context)?;
    stream.flush().with_context(context)?;
    Ok(())
}

#[cfg(not(unix))]
fn write_to_socket(path: &Path, _content: Content<'_>) -> anyhow::Result<()> {
    anyhow::bail!(
        "{} is a socket, which airlock cannot write to here",
        path.display()
    )
}

/// Whether `metadata` is the file our standard output already is (`/dev/stdout`,
/// `/proc/self/fd/1`): written through the open handle, which also works for a socket that
/// cannot be opened by name.
#[cfg(unix)]
fn is_stdout(metadata: &std::fs::Metadata) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(handle) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    File::from(handle)
        .metadata()
        .is_ok_and(|stdout| stdout.dev() == metadata.dev() && stdout.ino() == metadata.ino())
}

#[cfg(not(unix))]
fn is_stdout(_metadata: &std::fs::Metadata) -> bool {
    false
}

/// Writes a temporary file beside `file`, syncs it when `durability` asks for it, and renames
/// it onto `file`.
fn replace(
    given: &Path,
    file: &Path,
    existing: Option<&Permissions>,
    content: Content<'_>,
    durability: Durability,
) -> anyhow::Result<()> {
    let context = || {
        if given == file {
            format!("cannot write {}", file.display())
        } else {
            format!(
                "cannot write {} (the target of the symbolic link {})",
                file.display(),
                given.display()
            )
        }
    };
    let directory = parent_of(file);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".airlock-output-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Given to open(2), which takes the umask off, as for any file a shell creates.
        builder.permissions(Permissions::from_mode(0o666));
    }
    let mut temporary = builder
        .tempfile_in(directory)
        .with_context(|| format!("cannot create a file in {}", directory.display()))?;
    if let Some(permissions) = existing {
        temporary
            .as_file()
            .set_permissions(permissions.clone())
            .with_context(context)?;
    }
    content.copy_to(&mut temporary).with_context(context)?;
    temporary.flush().with_context(context)?;
    if durability == Durability::Synced {
        temporary.as_file().sync_all().with_context(context)?;
    }
    temporary
        .persist(file)
        .map_err(|error| error.error)
        .with_context(context)?;
    // The rename is durable once the directory is synced; a failure here loses nothing that
    // was there before, so it is not an error.
    if durability == Durability::Synced {
        if let Ok(handle) = File::open(directory) {
            let _ = handle.sync_all();
        }
    }
    Ok(())
}

/// The directory a file lies in (`.` for a bare name).
fn parent_of(file: &Path) -> &Path {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` (see [`Target`]) or, without a path, to stdout.
pub fn write_report(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    Target::resolve(path)?.write(bytes)
}

/// [`write_report`] for a document held in pieces, written in order.
pub fn write_report_pieces(path: Option<&Path>, pieces: &[&[u8]]) -> anyhow::Result<()> {
    Target::resolve(path)?.write_pieces(pieces)
}

/// Whether output for `path` goes to standard output (no `-o`, or `-o -`): tables are colored
/// only there.
pub fn goes_to_stdout(path: Option<&Path>) -> bool {
    path.is_none_or(|path| path == Path::new("-"))
}

/// The files a scan must not read because this run writes them: the existing regular file
/// behind `-o`. Also checks the output path early, so that `-o some-directory/` fails before the
/// scan rather than after it.
pub fn scan_exclusions(path: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    Ok(Target::resolve(path)?.existing_file().into_iter().collect())
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
/// Inside [`capture_stderr`] they are kept for the caller instead.
pub fn stderr_line(line: &str) {
    let kept = CAPTURED.with_borrow_mut(|captured| match captured {
        Some(lines) => {
            lines.push(line.to_owned());
            true
        }
        None => false,
    });
    if !kept {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{line}");
    }
}

thread_local! {
    /// The lines [`stderr_line`] keeps on this thread, while [`capture_stderr`] runs.
    static CAPTURED: std::cell::RefCell<Option<Vec<String>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `work` with the lines it sends to stderr kept rather than printed, and returns them:
/// a fleet run scans projects side by side and prints each one's lines together, so that
/// they do not interleave.
pub fn capture_stderr<T>(work: impl FnOnce() -> T) -> (T, Vec<String>) {
    let outer = CAPTURED.replace(Some(Vec::new()));
    let result = work();
    let lines = CAPTURED.replace(outer).unwrap_or_default();
    (result, lines)
}

/// Whether stderr is being captured on this thread: nothing may draw on the terminal then.
pub fn capturing_stderr() -> bool {
    CAPTURED.with_borrow(Option::is_some)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    /// A writer that takes at most `step` bytes of one buffer per call, and is interrupted
    /// every third call: what a pipe or a slow device may do.
    struct Stingy {
        written: Vec<u8>,
        step: usize,
        calls: usize,
    }

    impl Write for Stingy {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(3) {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let taken = buf.len().min(self.step);
            self.written.extend_from_slice(&buf[..taken]);
            Ok(taken)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Pieces are written whole and in order, empty ones included, whatever each call takes.
    #[test]
    fn pieces_are_written_whole_and_in_order() {
        let pieces: [&[u8]; 5] = [b"{\n", b"", b"abc", b"defghij", b"\n}\n"];
        for step in [1, 2, 5, 100] {
            let mut writer = Stingy {
                written: Vec::new(),
                step,
                calls: 0,
            };
            write_all_pieces(&mut writer, &pieces).unwrap();
            assert_eq!(writer.written, pieces.concat(), "step {step}");
        }
        // A writer that takes nothing is an error, not a loop.
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Ok(0)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let error = write_all_pieces(&mut Full, &pieces).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::WriteZero);

        // Through a file target: the file holds the pieces joined.
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("out.json");
        write_report_pieces(Some(&file), &pieces).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), pieces.concat());
    }

    #[test]
    fn dash_and_nothing_are_stdout() {
        assert!(matches!(Target::resolve(None).unwrap(), Target::Stdout));
        assert!(matches!(
            Target::resolve(Some(Path::new("-"))).unwrap(),
            Target::Stdout
        ));
        assert!(goes_to_stdout(Some(Path::new("-"))));
        assert!(!goes_to_stdout(Some(Path::new("./-"))));
    }

    #[test]
    fn a_new_file_is_written_and_a_directory_refused() {
        let directory = tempfile::tempdir().unwrap();
        let report = directory.path().join("report.json");
        write_report(Some(&report), b"first").unwrap();
        write_report(Some(&report), b"second").unwrap();
        assert_eq!(std::fs::read(&report).unwrap(), b"second");
        let error = write_report(Some(directory.path()), b"x").unwrap_err();
        assert!(format!("{error:#}").contains("is a directory"), "{error:#}");
        assert_eq!(std::fs::read_dir(directory.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let report = directory.path().join("report.json");
        std::fs::write(&report, b"old").unwrap();
        std::fs::set_permissions(&report, Permissions::from_mode(0o640)).unwrap();
        write_report(Some(&report), b"new").unwrap();
        let mode = std::fs::metadata(&report).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn links_are_resolved_or_refused() {
        let directory = tempfile::tempdir().unwrap();
        let real = directory.path().join("real.json");
        std::fs::write(&real, b"old").unwrap();
        let link = directory.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_report(Some(&link), b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");

        let dangling = directory.path().join("dangling.json");
        std::os::unix::fs::symlink(directory.path().join("nowhere"), &dangling).unwrap();
        let error = format!("{:#}", write_report(Some(&dangling), b"x").unwrap_err());
        assert!(
            error.contains("dangling.json") && error.contains("nowhere"),
            "{error}"
        );
        assert!(!directory.path().join("nowhere").exists());
    }
}
