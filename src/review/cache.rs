//! The papers a review's sources gave, kept in the user's cache folder (see
//! [`default_dir`]) so the next start skips parsing and de-duplicating the
//! sources: what takes seconds for 100,000 records takes a fraction of that.
//!
//! The cache is a copy, never the truth. It is used only when it was written
//! by this same build of thema for the same review folder and `[[sources]]`
//! entries, and every source file still has the size, modification time and
//! identity it had when it was read. Anything else (a changed source, a new
//! build, a damaged or foreign file) is a miss, and the sources are read
//! afresh.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rkyv::rancor;
use rkyv::util::AlignedVec;
use rkyv::vec::{ArchivedVec, VecResolver};
use xxhash_rust::xxh3::xxh3_64;

use crate::import::{Format, Problem};
use crate::infra::diagnostic::{Diagnostic, Severity};
use crate::review::config::Source;
use crate::review::dedupe::MatchReason;
use crate::review::paper::{Merge, Paper, SharedText, SourceReport, SourcesReport};

/// The layout's name and version; a file that does not start with it is
/// of another layout (or not a cache) and never read further.
const MAGIC: &[u8] = b"thema papers cache 7 rkyv\n";
const END: &[u8] = b"end\n";
/// The head's length and hash, then [`END`].
const TRAILER: usize = 16 + END.len();
/// Papers per block; blocks are decoded on several cores at once.
pub(crate) const BLOCK: usize = 4096;
/// The bytes each paper takes in a block at least (its archived fields,
/// stored inline), so a paper count is checked against the block's length
/// before anything is reserved: what is reserved stays near the file's size.
const MIN_PAPER_BYTES: u64 = std::mem::size_of::<rkyv::Archived<Paper>>() as u64;
/// A source modified this shortly before it was read may still be changing
/// inside the file system's timestamp granularity (2 s on FAT; git calls
/// such files "racily clean"), so a cache is not written for it: a same-size
/// rewrite a moment later could keep the same timestamp.
const SETTLE: Duration = Duration::from_secs(2);
/// A temp file not written to for this long was left by a killed writer
/// (a live one writes continuously).
const ABANDONED: Duration = Duration::from_secs(120);
/// A cache written this long ago is removed: most are of reviews finished
/// or deleted, and one still in use only costs its review one start that
/// reads the sources.
const UNUSED: Duration = Duration::from_secs(60 * 60 * 24 * 60);

/// Where caches live: `$THEMA_CACHE_DIR` (set but empty: no cache at all),
/// else `$XDG_CACHE_HOME/thema`, else `~/.cache/thema`
/// (`%LOCALAPPDATA%\thema\cache` on Windows). Kept out of the review folder
/// so a folder shared through git or a sync service never carries a
/// machine's cache.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("THEMA_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(dir).join("thema"));
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| PathBuf::from(d).join("thema").join("cache"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".cache").join("thema"))
}

/// What the cache must match: the review folder, this build of thema, then
/// each source as configured with its file as it was when read.
#[derive(Clone, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Key {
    review_dir: String,
    version: String,
    /// The build itself, so a thema with a changed parser never trusts a
    /// cache written by the old one.
    exe: Stamp,
    sources: Vec<SourceKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct SourceKey {
    path: String,
    format: String,
    columns: Vec<(String, String)>,
    file: Stamp,
}

/// A file's size, modification time and (on Unix) device and inode, so a
/// file swapped in by a rename is seen.
#[derive(Clone, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Stamp {
    len: u64,
    secs: u64,
    nanos: u32,
    identity: u64,
}

/// The cache file's head, written after the paper blocks (so they can be
/// streamed out) and read first.
#[derive(Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Head {
    key: Key,
    report: Report,
    blocks: Vec<BlockAt>,
}

/// One paper block: its length in the file, papers and hash, then the
/// same of its papers' abstracts, which follow it.
#[derive(Clone, Copy, Debug, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct BlockAt {
    len: u64,
    papers: u64,
    hash: u64,
    text_len: u64,
    text_hash: u64,
}

/// A block's abstracts as stored: end to end, and where each ends.
type StoredText = (String, Vec<u64>);

/// [`SourcesReport`] as stored: plain strings, checked against what this
/// build knows when read back.
#[derive(Debug, Default, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize)]
struct Report {
    merges: Vec<StoredMerge>,
    sources: Vec<StoredSource>,
    warnings: Vec<StoredWarning>,
}

/// Id, kept record, then each merged record's place and reason.
type StoredMerge = (String, String, Vec<(String, String)>);
/// Path, format name, records, then each problem's line and message.
type StoredSource = (String, String, u64, Vec<(u64, String)>);
/// Error or not, file, line, message.
type StoredWarning = (bool, String, Option<u64>, String);

/// One review's place in the cache, and what the cache must match: this
/// build of thema, the review folder, each `[[sources]]` entry and each
/// source file as it was when the review was read.
#[derive(Clone, Debug)]
pub struct Slot {
    file: PathBuf,
    key: Key,
    review_dir: PathBuf,
    sources: Vec<Source>,
    /// Whether every source had been left alone for [`SETTLE`] when it was
    /// looked at (before it was read).
    settled: bool,
}

impl Slot {
    /// The slot for the review in `review_dir`, its sources looked at now
    /// (before they are read, so a change made while they are read shows
    /// as a different key). None when any of it cannot be known.
    pub fn new(cache_dir: &Path, review_dir: &Path, sources: &[Source]) -> Option<Slot> {
        let review_dir = fs::canonicalize(review_dir).ok()?;
        sweep(cache_dir);
        let taken = SystemTime::now();
        let (key, newest) = key(&review_dir, sources)?;
        let settled = newest.is_none_or(|t| taken.duration_since(t).unwrap_or_default() >= SETTLE);
        let name = format!(
            "{:016x}.papers",
            xxh3_64(review_dir.as_os_str().as_encoded_bytes())
        );
        Some(Slot {
            file: cache_dir.join(name),
            key,
            review_dir,
            sources: sources.to_vec(),
            settled,
        })
    }

    /// The cache file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The cached papers, if the cache is there and matches.
    pub fn load(&self) -> Option<(Vec<Paper>, SourcesReport)> {
        read(&self.file, &self.key)
    }

    /// Writes what was read when this slot was made. Returns false, writing
    /// nothing, when a source has changed since, or had changed too shortly
    /// before, to be trusted.
    pub fn store(&self, papers: &[Paper], report: &SourcesReport) -> io::Result<bool> {
        let unchanged = key(&self.review_dir, &self.sources).is_some_and(|(k, _)| k == self.key);
        if !unchanged || !self.settled {
            return Ok(false);
        }
        let folder = match self.file.parent() {
            Some(folder) => folder,
            None => return Ok(false),
        };
        fs::create_dir_all(folder)?;
        // A temp file per process, renamed over: a reader sees the old cache
        // or the new one, never half of one. No fsync: after a crash a cache
        // that lost its contents fails its checks, which is a miss.
        let tmp = temp_file(&self.file);
        let written = (|| {
            let mut out = BufWriter::with_capacity(1 << 20, create_temp(&tmp)?);
            encode(&mut out, &self.key, papers, report)?;
            out.into_inner().map_err(|e| e.into_error())?;
            fs::rename(&tmp, &self.file)
        })();
        if written.is_err() {
            fs::remove_file(&tmp).ok();
        }
        written.map(|()| true)
    }
}

/// The temp file this process writes `file` through; the signal handler
/// removes it when thema is stopped mid-write.
pub fn temp_file(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    file.with_file_name(name)
}

/// Creates the temp file new, never through a link planted at its name.
/// The name stays per-process (the signal handler removes it by name): one
/// left at it (a killed run with the same pid, or a planted link) is
/// removed, which never touches what a link points to, and creation tried
/// once more.
fn create_temp(tmp: &Path) -> io::Result<File> {
    match crate::infra::fsx::create_new(tmp) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(tmp)?;
            crate::infra::fsx::create_new(tmp)
        }
        other => other,
    }
}

/// Removes what no start will use: temp files of killed writers (as big as
/// a cache), caches of review folders that are gone or of an older layout,
/// and caches written months ago. Run at each start; a handful of files.
fn sweep(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let idle = entry
            .metadata()
            .and_then(|m| m.modified())
            .map(|m| now.duration_since(m).unwrap_or_default())
            .unwrap_or_default();
        let unused = if name.ends_with(".tmp") && name.contains(".papers.") {
            idle > ABANDONED
        } else if name.ends_with(".papers") {
            idle > UNUSED || recorded_review(&path).is_none_or(|dir| !dir.is_dir())
        } else {
            false
        };
        if unused {
            fs::remove_file(&path).ok();
        }
    }
}

/// The review folder a cache was written for, read from its head; None
/// for a file of another layout or a damaged one (never usable).
fn recorded_review(cache: &Path) -> Option<PathBuf> {
    let mut file = File::open(cache).ok()?;
    let len = file.metadata().ok()?.len();
    let (head, _) = read_head(&mut file, len)?;
    Some(PathBuf::from(head.key.review_dir))
}

/// What the cache must match (see [`Key`]), and the newest source's
/// modification time.
fn key(review_dir: &Path, sources: &[Source]) -> Option<(Key, Option<SystemTime>)> {
    let exe = fs::metadata(std::env::current_exe().ok()?).ok()?;
    let mut newest = None;
    let mut keys = Vec::with_capacity(sources.len());
    for source in sources {
        let meta = fs::metadata(review_dir.join(&source.path)).ok()?;
        newest = newest.max(Some(meta.modified().ok()?));
        keys.push(SourceKey {
            path: source.path.clone(),
            format: source.format.map(Format::name).unwrap_or("").to_string(),
            columns: source
                .options
                .columns
                .iter()
                .map(|(field, header)| (field.clone(), header.clone()))
                .collect(),
            file: stamp(&meta)?,
        });
    }
    let key = Key {
        review_dir: review_dir.to_string_lossy().into_owned(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        exe: stamp(&exe)?,
        sources: keys,
    };
    Some((key, newest))
}

fn stamp(meta: &fs::Metadata) -> Option<Stamp> {
    let since = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(Stamp {
        len: meta.len(),
        secs: since.as_secs(),
        nanos: since.subsec_nanos(),
        identity: file_identity(meta),
    })
}

#[cfg(unix)]
fn file_identity(meta: &fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    meta.ino() ^ meta.dev().rotate_left(32)
}

#[cfg(not(unix))]
fn file_identity(_meta: &fs::Metadata) -> u64 {
    0
}

/// One block of papers archived as a `Vec<Paper>` straight from a slice of
/// the review's papers, without copying them into a vector first.
struct BlockOf<'a>(&'a [Paper]);

impl rkyv::Archive for BlockOf<'_> {
    type Archived = ArchivedVec<rkyv::Archived<Paper>>;
    type Resolver = VecResolver;

    fn resolve(&self, resolver: VecResolver, out: rkyv::Place<Self::Archived>) {
        ArchivedVec::resolve_from_slice(self.0, resolver, out);
    }
}

impl<S> rkyv::Serialize<S> for BlockOf<'_>
where
    S: rancor::Fallible + rkyv::ser::Allocator + rkyv::ser::Writer + ?Sized,
    Paper: rkyv::Serialize<S>,
{
    fn serialize(&self, serializer: &mut S) -> Result<VecResolver, S::Error> {
        ArchivedVec::<rkyv::Archived<Paper>>::serialize_from_slice(self.0, serializer)
    }
}

fn archive_error(e: rancor::Error) -> io::Error {
    io::Error::other(format!("the papers cannot be cached: {e}"))
}

/// The layout: [`MAGIC`]; the paper blocks, each an rkyv archive of a
/// `Vec<Paper>`; the [`Head`] (key, report, each block's length, paper count
/// and hash); the head's length and hash; [`END`]. Every byte after the
/// magic is covered by a hash, so damage anywhere (a flipped letter in an
/// abstract decodes as well as the right one) is a miss.
fn encode(
    out: &mut impl Write,
    key: &Key,
    papers: &[Paper],
    report: &SourcesReport,
) -> io::Result<()> {
    out.write_all(MAGIC)?;
    let mut blocks = Vec::with_capacity(papers.len().div_ceil(BLOCK));
    let mut buf = AlignedVec::<16>::new();
    let mut text_buf = AlignedVec::<16>::new();
    let mut text: StoredText = (String::new(), Vec::new());
    for block in papers.chunks(BLOCK) {
        buf.clear();
        buf = rkyv::api::high::to_bytes_in::<_, rancor::Error>(&BlockOf(block), buf)
            .map_err(archive_error)?;
        out.write_all(&buf)?;
        text.0.clear();
        text.1.clear();
        for p in block {
            text.0.push_str(&p.abstract_text);
            text.1.push(text.0.len() as u64);
        }
        text_buf.clear();
        text_buf = rkyv::api::high::to_bytes_in::<_, rancor::Error>(&text, text_buf)
            .map_err(archive_error)?;
        out.write_all(&text_buf)?;
        blocks.push(BlockAt {
            len: buf.len() as u64,
            papers: block.len() as u64,
            hash: xxh3_64(&buf),
            text_len: text_buf.len() as u64,
            text_hash: xxh3_64(&text_buf),
        });
    }
    let head = Head {
        key: key.clone(),
        report: Report::from(report),
        blocks,
    };
    write_head(out, &head)
}

fn write_head(out: &mut impl Write, head: &Head) -> io::Result<()> {
    let bytes = rkyv::to_bytes::<rancor::Error>(head).map_err(archive_error)?;
    out.write_all(&bytes)?;
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(&xxh3_64(&bytes).to_le_bytes())?;
    out.write_all(END)
}

impl From<&SourcesReport> for Report {
    fn from(report: &SourcesReport) -> Report {
        Report {
            merges: report
                .merges
                .iter()
                .map(|m| {
                    let merged = m
                        .merged
                        .iter()
                        .map(|(at, why)| (at.clone(), why.to_string()));
                    (m.id.clone(), m.kept.clone(), merged.collect())
                })
                .collect(),
            sources: report
                .sources
                .iter()
                .map(|s| {
                    let problems = s
                        .problems
                        .iter()
                        .map(|p| (p.line as u64, p.message.clone()));
                    (
                        s.path.clone(),
                        s.format.map(Format::name).unwrap_or("").to_string(),
                        s.records as u64,
                        problems.collect(),
                    )
                })
                .collect(),
            warnings: report
                .warnings
                .iter()
                .map(|w| {
                    (
                        w.severity == Severity::Error,
                        w.file.clone(),
                        w.line.map(|l| l as u64),
                        w.message.clone(),
                    )
                })
                .collect(),
        }
    }
}

impl Report {
    /// Back to a [`SourcesReport`]; None when it names a match reason or a
    /// format this build does not know.
    fn into_sources_report(self) -> Option<SourcesReport> {
        let merges = self
            .merges
            .into_iter()
            .map(|(id, kept, merged)| {
                let merged = merged
                    .into_iter()
                    .map(|(at, why)| Some((at, reason(&why)?)))
                    .collect::<Option<_>>()?;
                Some(Merge { id, kept, merged })
            })
            .collect::<Option<_>>()?;
        let sources = self
            .sources
            .into_iter()
            .map(|(path, name, records, problems)| {
                let problems = problems
                    .into_iter()
                    .map(|(line, message)| {
                        Some(Problem {
                            line: usize::try_from(line).ok()?,
                            message,
                        })
                    })
                    .collect::<Option<_>>()?;
                Some(SourceReport {
                    path,
                    format: format(&name)?,
                    records: usize::try_from(records).ok()?,
                    problems,
                })
            })
            .collect::<Option<_>>()?;
        let warnings = self
            .warnings
            .into_iter()
            .map(|(error, file, line, message)| {
                Some(Diagnostic {
                    severity: if error {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    file,
                    line: match line {
                        None => None,
                        Some(l) => Some(usize::try_from(l).ok()?),
                    },
                    message,
                })
            })
            .collect::<Option<_>>()?;
        Some(SourcesReport {
            merges,
            sources,
            warnings,
        })
    }
}

/// Reads `len` bytes at the file's current position into an aligned
/// buffer (rkyv reads archives in place), reusing `buf`.
fn read_aligned(file: &mut File, len: u64, buf: &mut AlignedVec<16>) -> Option<()> {
    let len = usize::try_from(len).ok()?;
    // Not cleared first: only growth is zeroed, and the read overwrites
    // every byte kept.
    buf.resize(len, 0);
    file.read_exact(buf).ok()
}

/// The head of the cache file `file` of `file_len` bytes, checked against
/// its hash and validated, and where it starts; None on anything
/// unexpected. Only lengths checked against the file are read.
fn read_head(file: &mut File, file_len: u64) -> Option<(Head, u64)> {
    let mut magic = [0; MAGIC.len()];
    file.read_exact(&mut magic).ok()?;
    if magic != MAGIC || file_len < (MAGIC.len() + TRAILER) as u64 {
        return None;
    }
    file.seek(SeekFrom::Start(file_len - TRAILER as u64)).ok()?;
    let mut tail = [0; TRAILER];
    file.read_exact(&mut tail).ok()?;
    let (lengths, end) = tail.split_at(16);
    if end != END {
        return None;
    }
    let (len, hash) = lengths.split_at(8);
    let len = u64::from_le_bytes(len.try_into().ok()?);
    let hash = u64::from_le_bytes(hash.try_into().ok()?);
    let head_at = (file_len - TRAILER as u64).checked_sub(len)?;
    if head_at < MAGIC.len() as u64 {
        return None;
    }
    file.seek(SeekFrom::Start(head_at)).ok()?;
    let mut buf = AlignedVec::<16>::new();
    read_aligned(file, len, &mut buf)?;
    if xxh3_64(&buf) != hash {
        return None;
    }
    let head = rkyv::from_bytes::<Head, rancor::Error>(&buf).ok()?;
    Some((head, head_at))
}

/// Where a block starts in the file.
#[derive(Clone, Copy)]
struct Placed {
    start: u64,
    block: BlockAt,
}

/// Reads what [`encode`] wrote for `key`; None on anything unexpected.
/// Every length is checked against the file before it is used, every
/// section against its hash, and every archive validated (bytecheck)
/// before it is read: the file is never trusted.
fn read(path: &Path, key: &Key) -> Option<(Vec<Paper>, SourcesReport)> {
    let mut file = File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    let (head, head_at) = read_head(&mut file, meta.len())?;
    if head.key != *key {
        return None;
    }
    let mut placed = Vec::with_capacity(head.blocks.len());
    let mut at = MAGIC.len() as u64;
    let mut total: u64 = 0;
    for block in head.blocks {
        // A paper takes bytes: a count the block cannot hold is damage, and
        // is refused before anything is reserved for it.
        if block.papers.checked_mul(MIN_PAPER_BYTES)? > block.len {
            return None;
        }
        placed.push(Placed { start: at, block });
        at = at.checked_add(block.len)?.checked_add(block.text_len)?;
        total = total.checked_add(block.papers)?;
    }
    if at != head_at {
        return None;
    }
    let report = head.report.into_sources_report()?;
    drop(file);
    let papers = read_blocks(path, &meta, &placed, usize::try_from(total).ok()?)?;
    Some((papers, report))
}

/// Reads and decodes the paper blocks on every core, a block per core at
/// a time, each into a buffer of that core's reused from block to block
/// (never the whole file in memory), the papers moved into one vector
/// reserved once. Order is kept. Block by block, not one run of blocks per
/// core: a core's run of papers, alive beside the vector they are moved
/// into, was a second copy of half the papers' shells (~25 MB at 100,000
/// papers) at the peak. Each block's file handle is checked to be the file
/// the head was read from, so a cache renamed into place meanwhile by
/// another thema is never mixed in.
fn read_blocks(
    path: &Path,
    meta: &fs::Metadata,
    blocks: &[Placed],
    total: usize,
) -> Option<Vec<Paper>> {
    use rayon::prelude::*;
    let same_file = |m: &fs::Metadata| {
        m.len() == meta.len()
            && m.modified().ok() == meta.modified().ok()
            && file_identity(m) == file_identity(meta)
    };
    let decode = |placed: &Placed, buf: &mut AlignedVec<16>| -> Option<Vec<Paper>> {
        let mut file = File::open(path).ok()?;
        if !same_file(&file.metadata().ok()?) {
            return None;
        }
        file.seek(SeekFrom::Start(placed.start)).ok()?;
        read_aligned(&mut file, placed.block.len, buf)?;
        if xxh3_64(buf) != placed.block.hash {
            return None;
        }
        let mut block = rkyv::from_bytes::<Vec<Paper>, rancor::Error>(buf).ok()?;
        if block.len() as u64 != placed.block.papers {
            return None;
        }
        // The abstracts, straight after the papers.
        read_aligned(&mut file, placed.block.text_len, buf)?;
        if xxh3_64(buf) != placed.block.text_hash {
            return None;
        }
        let (text, ends) = rkyv::from_bytes::<StoredText, rancor::Error>(buf).ok()?;
        if ends.len() != block.len() {
            return None;
        }
        let text = std::sync::Arc::new(text);
        let mut start = 0;
        for (p, end) in block.iter_mut().zip(ends) {
            let end = usize::try_from(end).ok()?;
            if end != start {
                // Off the text or a character boundary: damage.
                p.abstract_text = SharedText::span(&text, start, end)?;
            }
            start = end;
        }
        Some(block)
    };
    let cores = rayon::current_num_threads().max(1);
    let mut bufs: Vec<AlignedVec<16>> = (0..cores).map(|_| AlignedVec::new()).collect();
    let mut papers = Vec::with_capacity(total);
    for wave in blocks.chunks(cores) {
        let decoded: Vec<Option<Vec<Paper>>> = wave
            .par_iter()
            .zip(bufs.par_iter_mut())
            .map(|(placed, buf)| decode(placed, buf))
            .collect();
        for block in decoded {
            papers.append(&mut block?);
        }
    }
    (papers.len() == total).then_some(papers)
}

fn reason(text: &str) -> Option<&'static str> {
    MatchReason::ALL
        .into_iter()
        .map(MatchReason::describe)
        .find(|d| *d == text)
}

/// "" is no format; anything else must be a format this build knows.
fn format(name: &str) -> Option<Option<Format>> {
    if name.is_empty() {
        return Some(None);
    }
    Format::from_name(name).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{Author, Record};
    use crate::review::paper::Provenance;

    fn paper(i: usize) -> Paper {
        Paper {
            id: format!("smith2001care-{i}"),
            record: Record {
                authors: vec![Author {
                    family: "Smith".into(),
                    given: "J.".into(),
                }],
                title: format!("Care at home {i} — café"),
                year: (!i.is_multiple_of(3)).then_some(2001),
                doi: if i.is_multiple_of(2) {
                    format!("10.1/{i}")
                } else {
                    String::new()
                },
                keywords: vec!["palliative".into(), "nursing".into()],
                notes: vec![],
                line: i * 10 + 1,
                ..Record::default()
            },
            provenance: vec![Provenance {
                source: "data/a.ris".into(),
                line: i * 10 + 1,
            }],
            aliases: if i.is_multiple_of(5) {
                vec![format!("pmid:{i}")]
            } else {
                vec![]
            },
            legacy_id: format!("smith2001care-{i}"),
            // Some without, some not ASCII.
            abstract_text: match i % 3 {
                0 => SharedText::default(),
                1 => format!("Line one {i}\nline two").into(),
                _ => format!("Über {i} — café").into(),
            },
        }
    }

    /// As a review holds them: a block's abstracts in one string.
    fn papers(n: usize) -> Vec<Paper> {
        let mut papers: Vec<Paper> = (0..n).map(paper).collect();
        for block in papers.chunks_mut(100) {
            let own: Vec<String> = block.iter().map(|p| p.abstract_text.to_string()).collect();
            for (p, text) in block.iter_mut().zip(own) {
                p.record.abstract_text = text;
            }
            crate::review::paper::share_abstracts(block);
        }
        papers
    }

    fn report(n: usize) -> SourcesReport {
        SourcesReport {
            merges: vec![Merge {
                id: "smith2001care-0".into(),
                kept: "data/a.ris:1".into(),
                merged: vec![("data/b.ris:7".into(), "same DOI")],
            }],
            sources: vec![SourceReport {
                path: "data/a.ris".into(),
                format: Some(Format::Ris),
                records: n,
                problems: vec![Problem {
                    line: 3,
                    message: "bad year".into(),
                }],
            }],
            warnings: vec![Diagnostic::warning("data/a.ris", Some(3), "bad year")],
        }
    }

    fn key_for(review_dir: &str) -> Key {
        Key {
            review_dir: review_dir.into(),
            version: "0.1.0".into(),
            exe: Stamp {
                len: 1,
                secs: 2,
                nanos: 3,
                identity: 4,
            },
            sources: vec![SourceKey {
                path: "data/a.ris".into(),
                format: String::new(),
                columns: vec![("title".into(), "Title".into())],
                file: Stamp {
                    len: 5,
                    secs: 6,
                    nanos: 7,
                    identity: 8,
                },
            }],
        }
    }

    fn test_key() -> Key {
        key_for("/review")
    }

    fn encoded(n: usize) -> Vec<u8> {
        let mut bytes = Vec::new();
        encode(&mut bytes, &test_key(), &papers(n), &report(n)).expect("encodes");
        bytes
    }

    fn read_bytes(bytes: &[u8]) -> Option<(Vec<Paper>, SourcesReport)> {
        // One folder per test thread: the damage test reads thousands.
        thread_local! {
            static DIR: tempfile::TempDir = tempfile::tempdir().expect("tmp");
        }
        let file = DIR.with(|dir| dir.path().join("x.papers"));
        fs::write(&file, bytes).expect("write");
        read(&file, &test_key())
    }

    #[test]
    fn papers_round_trip_across_blocks_in_order() {
        let n = BLOCK * 2 + 17;
        let before = papers(n);
        let (after, got) = read_bytes(&encoded(n)).expect("decodes");
        assert_eq!(after.len(), before.len());
        for (a, b) in after.iter().zip(&before) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.record, b.record);
            assert_eq!(a.provenance, b.provenance);
            assert_eq!(a.aliases, b.aliases);
            assert_eq!(a.legacy_id, b.legacy_id);
            assert_eq!(a.abstract_text, b.abstract_text);
        }
        assert_eq!(after[1].abstract_text.as_str(), "Line one 1\nline two");
        assert_eq!(after[2].abstract_text.as_str(), "Über 2 — café");
        assert_eq!(after[3].abstract_text.as_str(), "");
        // A block's abstracts are read into one string, not one each.
        assert!(
            after[1]
                .abstract_text
                .shares_with(&after[BLOCK - 2].abstract_text)
        );
        assert!(
            !after[1]
                .abstract_text
                .shares_with(&after[BLOCK + 1].abstract_text)
        );
        let want = report(n);
        assert_eq!(got.merges, want.merges);
        assert_eq!(got.sources.len(), 1);
        assert_eq!(got.sources[0].problems, want.sources[0].problems);
        assert_eq!(got.sources[0].format, Some(Format::Ris));
        assert_eq!(got.warnings, want.warnings);
    }

    #[test]
    fn an_empty_review_round_trips() {
        let (papers, _) = read_bytes(&encoded(0)).expect("decodes");
        assert!(papers.is_empty());
    }

    #[test]
    fn another_key_is_a_miss() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("x.papers");
        fs::write(&file, encoded(2)).expect("write");
        let mut other = test_key();
        other.sources[0].file.nanos += 1;
        assert!(read(&file, &other).is_none());
        assert!(read(&file, &test_key()).is_some());
    }

    #[test]
    fn every_truncation_and_every_damaged_byte_is_a_miss() {
        let bytes = encoded(3);
        for cut in 0..bytes.len() {
            assert!(read_bytes(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        // The hashes and the head's arithmetic catch damage anywhere,
        // inside an abstract as much as in a length.
        for at in 0..bytes.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                assert!(read_bytes(&damaged).is_none(), "byte {at} ^ {flip:#x}");
            }
        }
    }

    /// A cache file of `blocks` (raw bytes, hashed as given) and a head
    /// listing them with `papers` each.
    fn file_of(blocks: &[(Vec<u8>, u64)]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        let mut at = Vec::new();
        for (block, papers) in blocks {
            bytes.extend_from_slice(block);
            // No abstracts: one empty end for a paper (a claim of more is
            // refused before they are read).
            let ends = vec![0u64; usize::from(*papers > 0)];
            let text = rkyv::to_bytes::<rancor::Error>(&(String::new(), ends)).expect("archive");
            bytes.extend_from_slice(&text);
            at.push(BlockAt {
                len: block.len() as u64,
                papers: *papers,
                hash: xxh3_64(block),
                text_len: text.len() as u64,
                text_hash: xxh3_64(&text),
            });
        }
        let head = Head {
            key: test_key(),
            report: Report::default(),
            blocks: at,
        };
        write_head(&mut bytes, &head).expect("head");
        bytes
    }

    /// A head claiming many papers, or a block whose archive claims
    /// billions, both hashed so they pass, must not make the reader reserve
    /// memory it cannot have.
    #[test]
    fn claims_larger_than_the_file_are_refused_before_reserving() {
        const { assert!(MIN_PAPER_BYTES >= 256) };
        let one = rkyv::to_bytes::<rancor::Error>(&papers(1))
            .expect("archive")
            .to_vec();
        assert!(read_bytes(&file_of(&[(one.clone(), 1)])).is_some());
        // The head claims 2^40 papers in a block of a few hundred bytes.
        assert!(read_bytes(&file_of(&[(one.clone(), 1 << 40)])).is_none());
        // 65,536 empty blocks claiming no papers each: no reservation, a miss.
        let empties = vec![(Vec::new(), 0); 65_536];
        assert!(read_bytes(&file_of(&empties)).is_none());
        // The archive's own length (the last word of its root) set to
        // u64::MAX: validation refuses it before anything is reserved.
        let mut huge = one;
        let at = huge.len() - 8;
        huge[at..].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(read_bytes(&file_of(&[(huge, 1)])).is_none());
    }

    /// Nothing is cut to fit: a line number past u32 comes back whole.
    #[test]
    fn numbers_past_u32_come_back_whole_not_truncated() {
        let mut big = papers(1);
        big[0].record.line = u32::MAX as usize + 7;
        big[0].provenance[0].line = u32::MAX as usize + 9;
        let mut bytes = Vec::new();
        encode(&mut bytes, &test_key(), &big, &report(1)).expect("encodes");
        let (back, _) = read_bytes(&bytes).expect("decodes");
        assert_eq!(back, big);
    }

    #[test]
    fn abandoned_temp_files_and_caches_of_gone_or_old_reviews_are_swept() {
        let dir = tempfile::tempdir().expect("tmp");
        let review = tempfile::tempdir().expect("review");
        let cache_of = |review_dir: &Path| {
            let mut bytes = Vec::new();
            let key = key_for(&review_dir.to_string_lossy());
            encode(&mut bytes, &key, &papers(1), &report(1)).expect("encodes");
            bytes
        };
        let old = SystemTime::now() - UNUSED - Duration::from_secs(60);
        let recent = SystemTime::now();
        let files: [(&str, Vec<u8>, SystemTime, bool); 7] = [
            (
                "a.papers.1.tmp",
                b"x".to_vec(),
                SystemTime::now() - ABANDONED * 2,
                false,
            ),
            ("b.papers.2.tmp", b"x".to_vec(), recent, true),
            ("c.papers", cache_of(review.path()), old, false),
            ("d.papers", cache_of(review.path()), recent, true),
            (
                "e.papers",
                cache_of(&review.path().join("gone")),
                recent,
                false,
            ),
            (
                "f.papers",
                b"thema papers cache 1\nolder layout".to_vec(),
                recent,
                false,
            ),
            ("notes.txt", b"x".to_vec(), old, true),
        ];
        for (name, bytes, modified, _) in &files {
            let path = dir.path().join(name);
            fs::write(&path, bytes).expect("write");
            File::options()
                .append(true)
                .open(&path)
                .and_then(|f| f.set_modified(*modified))
                .expect("mtime");
        }
        sweep(dir.path());
        for (name, _, _, kept) in &files {
            assert_eq!(dir.path().join(name).exists(), *kept, "{name}");
        }
    }
}
