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

use crate::import::{Author, Format, Problem, Record};
use crate::infra::diagnostic::{Diagnostic, Severity};
use crate::review::config::Source;
use crate::review::dedupe::MatchReason;
use crate::review::{Merge, Paper, Provenance, SourceReport, SourcesReport};

const MAGIC: &[u8] = b"thema papers cache 4\n";
const END: &[u8] = b"end\n";
/// Papers per block; blocks are decoded on several cores at once.
const BLOCK: usize = 4096;
/// The fewest bytes one encoded paper takes (its counts and lengths), so a
/// count can be checked against the bytes left before anything is reserved.
const MIN_PAPER_BYTES: usize = 90;
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

/// One review's place in the cache, and what the cache must match: this
/// build of thema, the review folder, each `[[sources]]` entry and each
/// source file as it was when the review was read.
#[derive(Clone, Debug)]
pub struct Slot {
    file: PathBuf,
    key: Vec<u8>,
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
            checksum(review_dir.as_os_str().as_encoded_bytes())
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
            out.write_all(&self.key)?;
            encode(&mut out, papers, report)?;
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

/// The review folder a cache was written for, read from the start of its
/// key; None for a file of another layout (never usable by this build).
fn recorded_review(cache: &Path) -> Option<PathBuf> {
    let mut head = Vec::with_capacity(8192);
    File::open(cache)
        .ok()?
        .take(8192)
        .read_to_end(&mut head)
        .ok()?;
    let mut input = Input {
        bytes: head.strip_prefix(MAGIC)?,
    };
    Some(PathBuf::from(input.str()?))
}

/// What the cache must match: the review folder (first, so [`sweep`] can
/// read it back), this build of thema, then each source as configured with
/// its file's size, modification time and (on Unix) device and inode, so a
/// file swapped in by a rename is seen. Also the newest source's
/// modification time.
fn key(review_dir: &Path, sources: &[Source]) -> Option<(Vec<u8>, Option<SystemTime>)> {
    let mut key = Vec::with_capacity(256);
    key.extend_from_slice(MAGIC);
    put_str(&mut key, &review_dir.to_string_lossy())?;
    put_str(&mut key, env!("CARGO_PKG_VERSION"))?;
    // The build itself, so a thema with a changed parser never trusts a
    // cache written by the old one.
    let exe = fs::metadata(std::env::current_exe().ok()?).ok()?;
    put_u64(&mut key, exe.len());
    put_time(&mut key, exe.modified().ok()?)?;
    put_u32(&mut key, sources.len())?;
    let mut newest = None;
    for source in sources {
        put_str(&mut key, &source.path)?;
        put_str(&mut key, source.format.map(Format::name).unwrap_or(""))?;
        put_u32(&mut key, source.options.columns.len())?;
        for (field, header) in &source.options.columns {
            put_str(&mut key, field)?;
            put_str(&mut key, header)?;
        }
        let meta = fs::metadata(review_dir.join(&source.path)).ok()?;
        let modified = meta.modified().ok()?;
        put_u64(&mut key, meta.len());
        put_time(&mut key, modified)?;
        put_u64(&mut key, file_identity(&meta));
        newest = newest.max(Some(modified));
    }
    Some((key, newest))
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

fn put_time(out: &mut Vec<u8>, t: SystemTime) -> Option<()> {
    let since = t.duration_since(UNIX_EPOCH).ok()?;
    put_u64(out, since.as_secs());
    put_u32(out, since.subsec_nanos() as usize)
}

/// Counts and lengths are u32; anything larger cannot be cached.
fn put_u32(out: &mut Vec<u8>, n: usize) -> Option<()> {
    out.extend_from_slice(&u32::try_from(n).ok()?.to_le_bytes());
    Some(())
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) -> Option<()> {
    put_u32(out, s.len())?;
    out.extend_from_slice(s.as_bytes());
    Some(())
}

fn put_strs(out: &mut Vec<u8>, list: &[String]) -> Option<()> {
    put_u32(out, list.len())?;
    for s in list {
        put_str(out, s)?;
    }
    Some(())
}

/// A 64-bit checksum, eight bytes a step, that catches damage inside a
/// block (a flipped byte in an abstract would otherwise decode as text).
/// Not for adversaries: the cache is this user's own file.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64) ^ K;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        h = (h ^ u64::from_le_bytes(w)).wrapping_mul(K).rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 31)
}

fn too_big() -> io::Error {
    io::Error::other("a field is too large to cache")
}

/// The layout after the key: the report (merges, sources, warnings) with
/// its length and checksum; the paper blocks; per block its length and
/// checksum; the block count; [`END`]. The block table sits at the end so
/// the blocks can be streamed out, and lets readers on several cores each
/// read their own blocks.
fn encode(out: &mut impl Write, papers: &[Paper], report: &SourcesReport) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 20);
    put_report(&mut buf, report).ok_or_else(too_big)?;
    out.write_all(&(buf.len() as u64).to_le_bytes())?;
    out.write_all(&checksum(&buf).to_le_bytes())?;
    out.write_all(&buf)?;
    let mut table = Vec::new();
    for block in papers.chunks(BLOCK) {
        buf.clear();
        put_u32(&mut buf, block.len()).ok_or_else(too_big)?;
        for paper in block {
            put_paper(&mut buf, paper).ok_or_else(too_big)?;
        }
        out.write_all(&buf)?;
        put_u64(&mut table, buf.len() as u64);
        put_u64(&mut table, checksum(&buf));
    }
    let blocks = table.len() / 16;
    put_u32(&mut table, blocks).ok_or_else(too_big)?;
    table.extend_from_slice(END);
    out.write_all(&table)
}

fn put_report(buf: &mut Vec<u8>, report: &SourcesReport) -> Option<()> {
    put_u32(buf, report.merges.len())?;
    for m in &report.merges {
        put_str(buf, &m.id)?;
        put_str(buf, &m.kept)?;
        put_u32(buf, m.merged.len())?;
        for (at, why) in &m.merged {
            put_str(buf, at)?;
            put_str(buf, why)?;
        }
    }
    put_u32(buf, report.sources.len())?;
    for s in &report.sources {
        put_str(buf, &s.path)?;
        put_str(buf, s.format.map(Format::name).unwrap_or(""))?;
        put_u64(buf, s.records as u64);
        put_problems(buf, &s.problems)?;
    }
    put_u32(buf, report.warnings.len())?;
    for w in &report.warnings {
        buf.push(match w.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
        });
        put_str(buf, &w.file)?;
        put_u64(buf, w.line.map_or(0, |l| l as u64 + 1));
        put_str(buf, &w.message)?;
    }
    Some(())
}

fn put_problems(out: &mut Vec<u8>, problems: &[Problem]) -> Option<()> {
    put_u32(out, problems.len())?;
    for p in problems {
        put_u64(out, p.line as u64);
        put_str(out, &p.message)?;
    }
    Some(())
}

fn put_paper(out: &mut Vec<u8>, paper: &Paper) -> Option<()> {
    let Paper {
        id,
        record,
        provenance,
        aliases,
        legacy_id,
        list_label,
    } = paper;
    put_str(out, id)?;
    put_record(out, record)?;
    put_u32(out, provenance.len())?;
    for p in provenance {
        put_str(out, &p.source)?;
        put_u64(out, p.line as u64);
    }
    put_strs(out, aliases)?;
    put_str(out, legacy_id)?;
    put_str(out, list_label)
}

fn put_record(out: &mut Vec<u8>, record: &Record) -> Option<()> {
    // Destructured in full so a new field is a compile error here, not a
    // field silently missing from every cached paper.
    let Record {
        authors,
        title,
        year,
        journal,
        journal_abbrev,
        volume,
        issue,
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text,
        keywords,
        url,
        language,
        kind,
        notes,
        line,
    } = record;
    put_u32(out, authors.len())?;
    for a in authors {
        put_str(out, &a.family)?;
        put_str(out, &a.given)?;
    }
    put_u32(out, year.map_or(0, |y| usize::from(y) + 1))?;
    for s in [
        title,
        journal,
        journal_abbrev,
        volume,
        issue,
        start_page,
        end_page,
        doi,
        pmid,
        abstract_text,
        url,
        language,
        kind,
    ] {
        put_str(out, s)?;
    }
    put_strs(out, keywords)?;
    put_strs(out, notes)?;
    put_u64(out, *line as u64);
    Some(())
}

/// One paper block as found in the table: where it starts, its length and
/// checksum.
#[derive(Clone, Copy)]
struct BlockAt {
    start: u64,
    len: usize,
    sum: u64,
}

/// Reads what [`encode`] wrote after `key`; None on anything unexpected.
/// Every length is checked against the file before it is used, and every
/// section against its checksum.
fn read(path: &Path, key: &[u8]) -> Option<(Vec<Paper>, SourcesReport)> {
    let mut file = File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    let file_len = meta.len();
    let mut head = vec![0; key.len() + 16];
    file.read_exact(&mut head).ok()?;
    let mut input = Input {
        bytes: head.strip_prefix(key)?,
    };
    let report_len = input.u64()?;
    let report_sum = input.u64()?;
    let blocks_at = (key.len() as u64 + 16).checked_add(report_len)?;
    let footer = 4 + END.len() as u64;
    if blocks_at.checked_add(footer)? > file_len {
        return None;
    }
    let mut report = vec![0; usize::try_from(report_len).ok()?];
    file.read_exact(&mut report).ok()?;
    if checksum(&report) != report_sum {
        return None;
    }

    file.seek(SeekFrom::Start(file_len - footer)).ok()?;
    let mut tail = [0; 4 + END.len()];
    file.read_exact(&mut tail).ok()?;
    let mut input = Input { bytes: &tail };
    let count = input.u32()? as u64;
    if input.bytes != END {
        return None;
    }
    let table_at = (file_len - footer).checked_sub(count * 16)?;
    if table_at < blocks_at {
        return None;
    }
    file.seek(SeekFrom::Start(table_at)).ok()?;
    let mut table = vec![0; usize::try_from(count * 16).ok()?];
    file.read_exact(&mut table).ok()?;
    let mut input = Input { bytes: &table };
    let mut blocks = Vec::new();
    let mut at = blocks_at;
    for _ in 0..count {
        let len = input.u64()?;
        let sum = input.u64()?;
        // Each block holds at least its paper count.
        if len < 4 {
            return None;
        }
        blocks.push(BlockAt {
            start: at,
            len: usize::try_from(len).ok()?,
            sum,
        });
        at = at.checked_add(len)?;
    }
    if at != table_at {
        return None;
    }

    let report = decode_report(&report)?;
    Some((read_blocks(path, &meta, &blocks)?, report))
}

fn decode_report(bytes: &[u8]) -> Option<SourcesReport> {
    let mut input = Input { bytes };
    let merges = input.list(4, |i| {
        Some(Merge {
            id: i.string()?,
            kept: i.string()?,
            merged: i.list(8, |i| Some((i.string()?, reason(i.str()?)?)))?,
        })
    })?;
    let sources = input.list(4, |i| {
        Some(SourceReport {
            path: i.string()?,
            format: format(i.str()?)?,
            records: usize::try_from(i.u64()?).ok()?,
            problems: i.list(12, |i| {
                Some(Problem {
                    line: usize::try_from(i.u64()?).ok()?,
                    message: i.string()?,
                })
            })?,
        })
    })?;
    let warnings = input.list(17, |i| {
        let severity = match i.take(1)? {
            [0] => Severity::Error,
            [1] => Severity::Warning,
            _ => return None,
        };
        Some(Diagnostic {
            severity,
            file: i.string()?,
            line: match i.u64()? {
                0 => None,
                n => Some(usize::try_from(n - 1).ok()?),
            },
            message: i.string()?,
        })
    })?;
    input.bytes.is_empty().then_some(SourcesReport {
        merges,
        sources,
        warnings,
    })
}

/// Reads and decodes the paper blocks on every core, each thread reading
/// its own run of blocks into one reused buffer (never the whole file in
/// memory). Order is kept. Each thread opens the file itself and checks it
/// is still the one the table was read from, so a cache renamed into place
/// meanwhile by another thema is never mixed in.
fn read_blocks(path: &Path, meta: &fs::Metadata, blocks: &[BlockAt]) -> Option<Vec<Paper>> {
    let same_file = |m: &fs::Metadata| {
        m.len() == meta.len()
            && m.modified().ok() == meta.modified().ok()
            && file_identity(m) == file_identity(meta)
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let parts = crate::infra::par::chunks_on(blocks, cores, |run| {
        let first = run.first()?;
        let mut file = File::open(path).ok()?;
        if !same_file(&file.metadata().ok()?) {
            return None;
        }
        file.seek(SeekFrom::Start(first.start)).ok()?;
        let mut papers = Vec::new();
        let mut buf = Vec::new();
        for block in run {
            buf.resize(block.len, 0);
            file.read_exact(&mut buf).ok()?;
            if checksum(&buf) != block.sum {
                return None;
            }
            let mut input = Input { bytes: &buf };
            papers.extend(input.list(MIN_PAPER_BYTES, Input::paper)?);
            if !input.bytes.is_empty() {
                return None;
            }
        }
        Some(papers)
    });
    let mut papers: Vec<Paper> = Vec::new();
    for part in parts {
        // No blocks at all is one empty part.
        let part = part.or_else(|| blocks.is_empty().then(Vec::new))?;
        if papers.is_empty() {
            papers = part;
        } else {
            papers.extend(part);
        }
    }
    Some(papers)
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

/// A cursor over cached bytes; every read is bounds-checked.
struct Input<'a> {
    bytes: &'a [u8],
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn u32(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
    }

    fn u64(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()?;
        std::str::from_utf8(self.take(n)?).ok()
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(String::from)
    }

    /// A count, then that many items of at least `min_bytes` each. The
    /// count is checked against the bytes left before anything is reserved:
    /// a damaged file could claim billions.
    fn list<T>(
        &mut self,
        min_bytes: usize,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let n = self.u32()?;
        if n.checked_mul(min_bytes)? > self.bytes.len() {
            return None;
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(item(self)?);
        }
        Some(out)
    }

    fn paper(&mut self) -> Option<Paper> {
        let id = self.string()?;
        let record = self.record()?;
        let provenance = self.list(12, |i| {
            Some(Provenance {
                source: i.string()?,
                line: usize::try_from(i.u64()?).ok()?,
            })
        })?;
        Some(Paper {
            id,
            record,
            provenance,
            aliases: self.list(4, Input::string)?,
            legacy_id: self.string()?,
            list_label: self.string()?,
        })
    }

    fn record(&mut self) -> Option<Record> {
        let authors = self.list(8, |i| {
            Some(Author {
                family: i.string()?,
                given: i.string()?,
            })
        })?;
        let year = match self.u32()? {
            0 => None,
            n => Some(u16::try_from(n - 1).ok()?),
        };
        Some(Record {
            authors,
            year,
            title: self.string()?,
            journal: self.string()?,
            journal_abbrev: self.string()?,
            volume: self.string()?,
            issue: self.string()?,
            start_page: self.string()?,
            end_page: self.string()?,
            doi: self.string()?,
            pmid: self.string()?,
            abstract_text: self.string()?,
            url: self.string()?,
            language: self.string()?,
            kind: self.string()?,
            keywords: self.list(4, Input::string)?,
            notes: self.list(4, Input::string)?,
            line: usize::try_from(self.u64()?).ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                abstract_text: "Line one\nline two".into(),
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
            list_label: format!("Smith 2001 Care at home {i}"),
        }
    }

    fn papers(n: usize) -> Vec<Paper> {
        (0..n).map(paper).collect()
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

    const KEY: &[u8] = b"key for a test";

    fn encoded(n: usize) -> Vec<u8> {
        let mut bytes = KEY.to_vec();
        encode(&mut bytes, &papers(n), &report(n)).expect("encodes");
        bytes
    }

    fn read_bytes(bytes: &[u8]) -> Option<(Vec<Paper>, SourcesReport)> {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("x.papers");
        fs::write(&file, bytes).expect("write");
        read(&file, KEY)
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
            assert_eq!(a.list_label, b.list_label);
        }
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
        assert!(read(&file, b"key for a tesT").is_none());
        assert!(read(&file, KEY).is_some());
    }

    #[test]
    fn every_truncation_and_every_damaged_byte_is_a_miss() {
        let bytes = encoded(3);
        for cut in 0..bytes.len() {
            assert!(read_bytes(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        // The checksums and the table's arithmetic catch damage anywhere,
        // inside an abstract as much as in a length.
        for at in KEY.len()..bytes.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                assert!(read_bytes(&damaged).is_none(), "byte {at} ^ {flip:#x}");
            }
        }
    }

    /// A table claiming many empty blocks, or a block claiming billions of
    /// papers, must not make the reader reserve memory it cannot have.
    #[test]
    fn claims_larger_than_the_file_are_refused_before_reserving() {
        let mut bytes = KEY.to_vec();
        encode(&mut bytes, &[], &SourcesReport::default()).expect("encodes");
        let footer = 4 + END.len();
        let body = bytes.len() - footer;
        // 65,536 blocks of zero bytes each.
        let mut zero_blocks = bytes[..body].to_vec();
        zero_blocks.extend(std::iter::repeat_n(0u8, 16 * 65_536));
        zero_blocks.extend_from_slice(&65_536u32.to_le_bytes());
        zero_blocks.extend_from_slice(END);
        assert!(read_bytes(&zero_blocks).is_none());

        // One block whose paper count is u32::MAX, checksummed so it passes.
        let mut block = u32::MAX.to_le_bytes().to_vec();
        block.extend_from_slice(&[0; 8]);
        let mut huge = bytes[..body].to_vec();
        huge.extend_from_slice(&block);
        huge.extend_from_slice(&(block.len() as u64).to_le_bytes());
        huge.extend_from_slice(&checksum(&block).to_le_bytes());
        huge.extend_from_slice(&1u32.to_le_bytes());
        huge.extend_from_slice(END);
        assert!(read_bytes(&huge).is_none());
    }

    #[test]
    fn counts_that_do_not_fit_are_an_error_not_a_truncation() {
        let mut out = Vec::new();
        assert!(put_u32(&mut out, u32::MAX as usize).is_some());
        assert!(put_u32(&mut out, u32::MAX as usize + 1).is_none());
    }

    #[test]
    fn abandoned_temp_files_and_caches_of_gone_or_old_reviews_are_swept() {
        let dir = tempfile::tempdir().expect("tmp");
        let review = tempfile::tempdir().expect("review");
        let cache_of = |review_dir: &Path| {
            let mut key = MAGIC.to_vec();
            put_str(&mut key, &review_dir.to_string_lossy()).expect("fits");
            put_str(&mut key, "0.1.0").expect("fits");
            key
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
