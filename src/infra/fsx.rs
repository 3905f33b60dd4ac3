//! Safe file writes inside a review folder. A review folder may come from
//! someone else (a shared drive, a git clone), so nothing here follows a
//! symbolic link planted where thema writes: temp files are created new
//! under a name nobody can guess, the lock is opened without following
//! links and refused unless it is a plain file, and every path thema writes
//! is checked to stay inside the review folder.

use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Temp files older than this are leftovers of a killed save: a save takes
/// milliseconds, so one this old is no live writer's.
pub const STALE_TEMP: Duration = Duration::from_secs(60);

/// Adds "do not follow a symlink in the last component" (and, for the
/// lock, "do not wait on a FIFO") to `options`.
fn no_follow(options: &mut OpenOptions, nonblock: bool) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NOFOLLOW;
        if nonblock {
            flags |= libc::O_NONBLOCK;
        }
        options.custom_flags(flags);
    }
    #[cfg(not(unix))]
    let _ = nonblock;
    options
}

/// The folder `path` is in ("." for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A name no other process can predict: pid, the time and a counter, mixed
/// by a per-process random hasher. Guessing it only ever costs a retry
/// (the file is created new), but a name that cannot be planted in
/// advance avoids even that.
fn nonce() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    h.write_u128(nanos);
    h.finish()
}

/// `<name>.<pid>.<16 hex digits>.tmp` beside `path`.
fn temp_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.{:016x}.tmp", std::process::id(), nonce()));
    parent_of(path).join(name)
}

/// Creates a new file that did not exist, never through a link.
pub fn create_new(path: &Path) -> io::Result<File> {
    no_follow(OpenOptions::new().write(true).create_new(true), false).open(path)
}

/// A fresh temp file beside `path`, created new (never an existing file or
/// a link) under an unpredictable name.
pub fn create_temp_beside(path: &Path) -> io::Result<(File, PathBuf)> {
    let mut last = None;
    for _ in 0..16 {
        let tmp = temp_name(path);
        match create_new(&tmp) {
            Ok(file) => return Ok((file, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temp file name")))
}

/// Temp file beside the target → fsync → rename over → fsync the folder.
///
/// A symlink at `path` itself is replaced by a regular file (rename swaps
/// the directory entry): the link's target is never written, which is the
/// safe outcome, so it is not an error.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = parent_of(path);
    fs::create_dir_all(&dir)?;
    let (mut file, tmp) = create_temp_beside(path)?;
    let written = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        fs::remove_file(&tmp).ok();
        return Err(e);
    }
    // The rename is only durable once the folder entry is on disk.
    if let Ok(d) = File::open(&dir) {
        d.sync_all().ok();
    }
    Ok(())
}

/// What a directory entry is, for messages about one that should have
/// been a regular file.
pub fn kind_name(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "not a file"
    }
}

/// The error for an entry that is not a regular file. The caller names the
/// file (every reader of review files wraps errors with the path).
fn not_regular(kind: fs::FileType) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "not a regular file ({}); thema only reads plain files: remove it",
            kind_name(kind)
        ),
    )
}

/// Opens a file of a review folder for reading, refusing anything but a
/// regular file. A review folder is untrusted: a FIFO planted at a name
/// thema reads would block it forever, and a device or socket is no file
/// to read. Links are followed (a source may be a link to a shared export),
/// but what they lead to must be a regular file too.
pub fn open_regular(path: &Path) -> io::Result<File> {
    // Checked before opening too, so a device node is never even opened
    // (opening some has side effects).
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    // Non-blocking, so a FIFO swapped in after the check does not hang the
    // open; the check of the open handle below then refuses it.
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    Ok(file)
}

/// The whole content of a regular file of a review folder (see
/// [`open_regular`]: never blocks on a FIFO, never reads a device).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = open_regular(path)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::new();
    // A refusal, not an abort, for a file too big to hold.
    bytes
        .try_reserve_exact(usize::try_from(size).unwrap_or(usize::MAX))
        .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "too large to read"))?;
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text (an error, as `fs::read_to_string`'s,
/// if it is not).
pub fn read_regular_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

/// Refuses anything but a plain file with one name: a FIFO would block or
/// feed us, a device has side effects, a hard link would make us write
/// another file.
pub fn ensure_plain(file: &File, path: &Path) -> io::Result<()> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file; remove it", path.display()),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a hard link to another file; remove it",
                    path.display()
                ),
            ));
        }
    }
    Ok(())
}

/// What is at `path` without following a link there, refused unless it is
/// missing or a plain file.
fn refuse_odd_entry(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; thema never writes through one: remove it",
                path.display()
            ),
        )),
        Ok(m) if !m.is_file() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file; remove it", path.display()),
        )),
        _ => Ok(()),
    }
}

/// Opens (creating) a lock file for reading and writing: never through a
/// link, never waiting on a FIFO, and only a plain single-named file.
pub fn open_lock(path: &Path) -> io::Result<File> {
    // Checked before opening too, so a device node is never even opened.
    refuse_odd_entry(path)?;
    let file = no_follow(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
        true,
    )
    .open(path)
    .map_err(|e| link_error(e, path))?;
    ensure_plain(&file, path)?;
    Ok(file)
}

/// ELOOP from O_NOFOLLOW said plainly.
fn link_error(e: io::Error, path: &Path) -> io::Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is a symbolic link; thema never writes through one: remove it",
                path.display()
            ),
        );
    }
    let _ = path;
    e
}

/// Writes `text` as the whole content of an open file (from offset 0, then
/// cut to length), so it never grows: writing at the old end after
/// emptying it is what left NUL bytes in the lock.
pub fn overwrite(file: &File, text: &[u8]) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.write_all_at(text, 0)?;
    }
    #[cfg(not(unix))]
    {
        use std::io::{Seek, SeekFrom};
        let mut f = file;
        f.seek(SeekFrom::Start(0))?;
        f.write_all(text)?;
    }
    file.set_len(text.len() as u64)
}

/// Empties a lock file from outside its owner (the signal path): never
/// through a link, only a plain file.
pub fn empty_lock_file(path: &Path) -> io::Result<()> {
    let file = no_follow(OpenOptions::new().write(true), true)
        .open(path)
        .map_err(|e| link_error(e, path))?;
    ensure_plain(&file, path)?;
    file.set_len(0)
}

/// Appends `bytes` to `path` (created if missing) and syncs; never through
/// a link or into anything but a plain file. Returns the new length.
pub fn append(path: &Path, bytes: &[u8]) -> io::Result<u64> {
    refuse_odd_entry(path)?;
    let mut file = no_follow(OpenOptions::new().append(true).create(true), true)
        .open(path)
        .map_err(|e| link_error(e, path))?;
    ensure_plain(&file, path)?;
    file.write_all(bytes)?;
    file.sync_data()?;
    Ok(file.metadata()?.len())
}

/// Whether `name` is a temp file of [`write_atomically`] (this build's
/// `<name>.<pid>.<hex>.tmp`, or an earlier build's `<name>.<pid>.tmp`).
fn is_our_temp(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".tmp") else {
        return false;
    };
    let mut parts = stem.rsplit('.');
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match (parts.next(), parts.next(), parts.next()) {
        (Some(hex), Some(pid), Some(_))
            if hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()) && digits(pid) =>
        {
            true
        }
        (Some(pid), Some(_), _) => digits(pid),
        _ => false,
    }
}

/// Removes temp files left by killed saves in `dir`: only ours by name,
/// only plain files (a link is never followed or removed), only ones older
/// than [`STALE_TEMP`] so a live writer's is left alone. Returns how many.
pub fn remove_stale_temps(dir: &Path) -> usize {
    remove_stale_temps_where(dir, |_| true)
}

/// [`remove_stale_temps`] for the temp files of one file (`config.toml`)
/// in a folder that holds the reviewer's own files too.
pub fn remove_stale_temps_of(dir: &Path, file_name: &str) -> usize {
    let prefix = format!("{file_name}.");
    remove_stale_temps_where(dir, |name| name.starts_with(&prefix))
}

fn remove_stale_temps_where(dir: &Path, keep_looking: impl Fn(&str) -> bool) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !keep_looking(&name) || !is_our_temp(&name) {
            continue;
        }
        // DirEntry::metadata does not follow links.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if meta.is_file() && old && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Why a path thema would write is not inside the review folder.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Escape {
    #[error("`{0}` is an absolute path; use a path relative to the review folder")]
    Absolute(String),
    #[error("`{0}` leads out of the review folder (`..`); use a folder inside it")]
    Climbs(String),
    #[error("`{shown}` leads out of the review folder (to {target}, through a symbolic link)")]
    Linked { shown: String, target: String },
}

impl From<Escape> for io::Error {
    fn from(e: Escape) -> io::Error {
        io::Error::new(io::ErrorKind::PermissionDenied, e.to_string())
    }
}

/// The lexical check of a path relative to the review folder: not
/// absolute, and no `..` that climbs above where it starts.
pub fn check_relative(rel: &Path) -> Result<(), Escape> {
    let shown = || rel.display().to_string();
    let mut depth = 0usize;
    for c in rel.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return Err(Escape::Absolute(shown())),
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return Err(Escape::Climbs(shown())),
            },
            Component::Normal(_) => depth += 1,
        }
    }
    Ok(())
}

/// Checks that `path` (which thema will write, or create folders for)
/// stays inside `root`: lexically, and where it really leads once the
/// links among its existing folders are followed.
pub fn ensure_inside(root: &Path, path: &Path) -> Result<(), Escape> {
    let shown = || path.display().to_string();
    let rel = match path.strip_prefix(root) {
        Ok(rel) => rel,
        Err(_) if path.is_absolute() && !root.is_absolute() => {
            return Err(Escape::Absolute(shown()));
        }
        Err(_) => return Err(Escape::Climbs(shown())),
    };
    check_relative(rel)?;
    let Ok(real_root) = root.canonicalize() else {
        // No review folder yet: nothing to escape through.
        return Ok(());
    };
    // The deepest part that exists decides where the rest will be made.
    let mut existing = path.to_path_buf();
    loop {
        if fs::symlink_metadata(&existing).is_ok() {
            break;
        }
        if !existing.pop() {
            return Ok(());
        }
    }
    match existing.canonicalize() {
        Ok(real) if real.starts_with(&real_root) => Ok(()),
        Ok(real) => Err(Escape::Linked {
            shown: shown(),
            target: real.display().to_string(),
        }),
        // A dangling link: where it leads cannot be inside anything real.
        Err(_) => Err(Escape::Linked {
            shown: shown(),
            target: fs::read_link(&existing)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "nowhere".into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised_and_others_are_not() {
        let t = temp_name(Path::new("d/alice.toml"));
        let name = t.file_name().map(|n| n.to_string_lossy().into_owned());
        assert!(is_our_temp(&name.unwrap_or_default()));
        assert!(is_our_temp("alice.toml.1234.tmp"));
        assert!(!is_our_temp("notes.tmp"));
        assert!(!is_our_temp("alice.toml"));
        assert_ne!(temp_name(Path::new("a")), temp_name(Path::new("a")));
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read_and_a_fifo_never_blocks() {
        let dir = tempfile::tempdir().expect("tmp");
        let plain = dir.path().join("plain.toml");
        fs::write(&plain, "a = 1\n").expect("write");
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&plain, &link).expect("symlink");
        assert_eq!(read_regular_string(&link).expect("read"), "a = 1\n");

        let fifo = dir.path().join("fifo.toml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        let to_fifo = dir.path().join("to_fifo.toml");
        std::os::unix::fs::symlink(&fifo, &to_fifo).expect("symlink");
        let (tx, rx) = std::sync::mpsc::channel();
        let paths = [fifo, to_fifo, dir.path().to_path_buf(), "/dev/null".into()];
        std::thread::spawn(move || {
            for p in paths {
                tx.send(read_regular(&p).map_err(|e| e.to_string())).ok();
            }
        });
        let got: Vec<_> = (0..4)
            .map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("no hang"))
            .collect();
        let kinds = ["a FIFO", "a FIFO", "a folder", "a character device"];
        for (got, kind) in got.iter().zip(kinds) {
            let err = got.as_ref().expect_err("refused");
            assert!(
                err.contains(&format!("not a regular file ({kind})")),
                "{err}"
            );
        }
    }

    #[test]
    fn relative_paths_that_climb_or_are_absolute_are_refused() {
        assert!(check_relative(Path::new("data/codings")).is_ok());
        assert!(check_relative(Path::new("data/../codings")).is_ok());
        assert!(matches!(
            check_relative(Path::new("../..")),
            Err(Escape::Climbs(_))
        ));
        assert!(matches!(
            check_relative(Path::new("data/../../x")),
            Err(Escape::Climbs(_))
        ));
        assert!(matches!(
            check_relative(Path::new("/tmp/x")),
            Err(Escape::Absolute(_))
        ));
    }
}
