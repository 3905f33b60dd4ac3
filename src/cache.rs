//! The papers a review's sources gave, kept in `.thema/papers.cache` inside
//! the review folder so the next start skips parsing and de-duplicating the
//! sources: what takes seconds for 100,000 records takes a fraction of that.
//!
//! The cache is a copy, never the truth. It is used only when it was written
//! by this same build of thema for the same `[[sources]]` entries, and every
//! source file still has the size and modification time it had then.
//! Anything else (a changed source, a new build, a damaged or foreign file)
//! is a miss, and the sources are read afresh.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::config::Source;
use crate::dedupe::MatchReason;
use crate::diagnostic::{Diagnostic, Severity};
use crate::import::{Author, Format, Problem, Record};
use crate::review::{Loaded, Merge, Paper, Provenance, SourceReport};

const MAGIC: &[u8] = b"thema papers cache 1\n";
const END: &[u8] = b"end\n";
/// Papers per block; blocks are decoded on several cores at once.
const BLOCK: usize = 4096;
/// A source modified this recently may still be changing inside the file
/// system's timestamp granularity (git calls such files "racily clean"), so
/// a cache is not written for it: a same-size rewrite a moment later could
/// keep the same timestamp and the stale copy would be used.
const SETTLE: Duration = Duration::from_secs(2);

/// A temp file not written to for this long was left by a killed writer.
const ABANDONED: Duration = Duration::from_secs(600);

/// Where the cache for the review in `dir` lives.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(".thema").join("papers.cache")
}

/// The cached papers for these sources, if the cache is there and current.
pub fn load(dir: &Path, sources: &[Source]) -> Option<Loaded> {
    let key = key(dir, sources)?;
    read(&path(dir), &key)
}

/// Writes the cache for what was just read from `sources`: `papers`, and
/// the rest of `loaded` (whose own `papers` are ignored). Returns false
/// (writing nothing) when a source changed too recently to be trusted.
pub fn store(
    dir: &Path,
    sources: &[Source],
    papers: &[Paper],
    loaded: &Loaded,
) -> io::Result<bool> {
    let Some(key) = key(dir, sources) else {
        return Ok(false);
    };
    let now = SystemTime::now();
    for source in sources {
        let modified = fs::metadata(dir.join(&source.path))?.modified()?;
        if now.duration_since(modified).unwrap_or_default() < SETTLE {
            return Ok(false);
        }
    }
    let target = path(dir);
    let folder = dir.join(".thema");
    fs::create_dir_all(&folder)?;
    // The folder holds only machine-local files; keep it out of the
    // review's git repository without touching the review's .gitignore.
    let ignore = folder.join(".gitignore");
    if !ignore.exists() {
        fs::write(&ignore, "*\n")?;
    }
    remove_abandoned_temp_files(&folder);
    // A temp file per process, renamed over: a reader sees the old cache or
    // the new one, never half of one. No fsync: after a crash a cache that
    // lost its contents reads as damaged, which is a miss, never wrong data.
    let tmp = folder.join(format!("papers.cache.{}.tmp", std::process::id()));
    let written = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        out.write_all(&key)?;
        encode(&mut out, papers, loaded)?;
        out.into_inner().map_err(|e| e.into_error())?;
        fs::rename(&tmp, &target)
    })();
    if written.is_err() {
        fs::remove_file(&tmp).ok();
    }
    written.map(|()| true)
}

/// Temp files of writers that were killed mid-write are as big as the
/// cache itself; one untouched for a while belongs to no live writer.
fn remove_abandoned_temp_files(folder: &Path) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with("papers.cache.") && name.ends_with(".tmp")) {
            continue;
        }
        let idle = entry
            .metadata()
            .and_then(|m| m.modified())
            .map(|m| now.duration_since(m).unwrap_or_default());
        if idle.is_ok_and(|idle| idle > ABANDONED) {
            fs::remove_file(entry.path()).ok();
        }
    }
}

/// What the cache must match: this build of thema, then each source as
/// configured with its file's size and modification time. None when any of
/// it cannot be known (no cache is used or written then).
fn key(dir: &Path, sources: &[Source]) -> Option<Vec<u8>> {
    let mut key = Vec::with_capacity(256);
    key.extend_from_slice(MAGIC);
    put_str(&mut key, env!("CARGO_PKG_VERSION"));
    // The build itself, so a thema with a changed parser never trusts a
    // cache written by the old one.
    let exe = fs::metadata(std::env::current_exe().ok()?).ok()?;
    put_u64(&mut key, exe.len());
    put_time(&mut key, exe.modified().ok()?)?;
    put_u32(&mut key, sources.len());
    for source in sources {
        put_str(&mut key, &source.path);
        put_str(&mut key, source.format.map(Format::name).unwrap_or(""));
        put_u32(&mut key, source.options.columns.len());
        for (field, header) in &source.options.columns {
            put_str(&mut key, field);
            put_str(&mut key, header);
        }
        let meta = fs::metadata(dir.join(&source.path)).ok()?;
        put_u64(&mut key, meta.len());
        put_time(&mut key, meta.modified().ok()?)?;
    }
    Some(key)
}

fn put_time(out: &mut Vec<u8>, t: SystemTime) -> Option<()> {
    let since = t.duration_since(UNIX_EPOCH).ok()?;
    put_u64(out, since.as_secs());
    put_u32(out, since.subsec_nanos() as usize);
    Some(())
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_strs(out: &mut Vec<u8>, list: &[String]) {
    put_u32(out, list.len());
    for s in list {
        put_str(out, s);
    }
}

/// The layout after the key: the small sections (merges, sources,
/// warnings) with their length; the paper blocks; each block's length; the
/// block count; [`END`]. The block table sits at the end so the blocks can
/// be streamed out, and lets readers on several cores each seek to their
/// own blocks.
fn encode(out: &mut impl Write, papers: &[Paper], loaded: &Loaded) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 20);
    put_u32(&mut buf, loaded.merges.len());
    for m in &loaded.merges {
        put_str(&mut buf, &m.id);
        put_str(&mut buf, &m.kept);
        put_u32(&mut buf, m.merged.len());
        for (at, why) in &m.merged {
            put_str(&mut buf, at);
            put_str(&mut buf, why);
        }
    }
    put_u32(&mut buf, loaded.sources.len());
    for s in &loaded.sources {
        put_str(&mut buf, &s.path);
        put_str(&mut buf, s.format.map(Format::name).unwrap_or(""));
        put_u64(&mut buf, s.records as u64);
        put_problems(&mut buf, &s.problems);
    }
    put_u32(&mut buf, loaded.warnings.len());
    for w in &loaded.warnings {
        buf.push(match w.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
        });
        put_str(&mut buf, &w.file);
        put_u64(&mut buf, w.line.map_or(0, |l| l as u64 + 1));
        put_str(&mut buf, &w.message);
    }
    out.write_all(&(buf.len() as u64).to_le_bytes())?;
    out.write_all(&buf)?;
    let mut lengths = Vec::new();
    for block in papers.chunks(BLOCK) {
        buf.clear();
        put_u32(&mut buf, block.len());
        for paper in block {
            put_paper(&mut buf, paper);
        }
        out.write_all(&buf)?;
        lengths.push(buf.len() as u64);
    }
    buf.clear();
    for len in &lengths {
        put_u64(&mut buf, *len);
    }
    put_u32(&mut buf, lengths.len());
    buf.extend_from_slice(END);
    out.write_all(&buf)
}

fn put_problems(out: &mut Vec<u8>, problems: &[Problem]) {
    put_u32(out, problems.len());
    for p in problems {
        put_u64(out, p.line as u64);
        put_str(out, &p.message);
    }
}

fn put_paper(out: &mut Vec<u8>, paper: &Paper) {
    let Paper {
        id,
        record,
        provenance,
        aliases,
        list_label,
    } = paper;
    put_str(out, id);
    put_record(out, record);
    put_u32(out, provenance.len());
    for p in provenance {
        put_str(out, &p.source);
        put_u64(out, p.line as u64);
    }
    put_strs(out, aliases);
    put_str(out, list_label);
}

fn put_record(out: &mut Vec<u8>, record: &Record) {
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
    put_u32(out, authors.len());
    for a in authors {
        put_str(out, &a.family);
        put_str(out, &a.given);
    }
    put_u32(out, year.map_or(0, |y| usize::from(y) + 1));
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
        put_str(out, s);
    }
    put_strs(out, keywords);
    put_strs(out, notes);
    put_u64(out, *line as u64);
}

/// Reads what [`encode`] wrote after `key`; None on anything unexpected.
fn read(path: &Path, key: &[u8]) -> Option<Loaded> {
    let mut file = File::open(path).ok()?;
    let file_len = file.metadata().ok()?.len();
    let mut head = vec![0; key.len() + 8];
    file.read_exact(&mut head).ok()?;
    let small_len = head.strip_prefix(key)?;
    let small_len = u64::from_le_bytes(small_len.try_into().ok()?);
    // Lengths are checked against the file before anything is allocated
    // for them: a damaged file must not ask for gigabytes.
    let blocks_at = (key.len() as u64 + 8).checked_add(small_len)?;
    let footer = 4 + END.len() as u64;
    if blocks_at.checked_add(footer)? > file_len {
        return None;
    }
    let mut small = vec![0; usize::try_from(small_len).ok()?];
    file.read_exact(&mut small).ok()?;

    file.seek(SeekFrom::Start(file_len - footer)).ok()?;
    let mut tail = [0; 4 + END.len()];
    file.read_exact(&mut tail).ok()?;
    let count = u64::from(u32::from_le_bytes(tail.get(..4)?.try_into().ok()?));
    if tail.get(4..)? != END {
        return None;
    }
    let table_at = file_len.checked_sub(footer)?.checked_sub(count * 8)?;
    if table_at < blocks_at {
        return None;
    }
    file.seek(SeekFrom::Start(table_at)).ok()?;
    let mut table = vec![0; usize::try_from(count * 8).ok()?];
    file.read_exact(&mut table).ok()?;
    let lengths: Vec<u64> = table
        .chunks_exact(8)
        .map(|b| b.try_into().map(u64::from_le_bytes))
        .collect::<Result<_, _>>()
        .ok()?;
    let total = lengths
        .iter()
        .try_fold(0u64, |sum, l| sum.checked_add(*l))?;
    if blocks_at.checked_add(total)? != table_at {
        return None;
    }

    let mut input = Input { bytes: &small };
    let merges = input.list(|i| {
        Some(Merge {
            id: i.string()?,
            kept: i.string()?,
            merged: i.list(|i| Some((i.string()?, reason(i.str()?)?)))?,
        })
    })?;
    let sources = input.list(|i| {
        Some(SourceReport {
            path: i.string()?,
            format: format(i.str()?)?,
            records: usize::try_from(i.u64()?).ok()?,
            problems: i.list(|i| {
                Some(Problem {
                    line: usize::try_from(i.u64()?).ok()?,
                    message: i.string()?,
                })
            })?,
        })
    })?;
    let warnings = input.list(|i| {
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
    if !input.bytes.is_empty() {
        return None;
    }
    Some(Loaded {
        papers: read_blocks(path, blocks_at, &lengths)?,
        merges,
        sources,
        warnings,
    })
}

/// Reads and decodes the paper blocks on every core, each thread seeking
/// to its own run of blocks and reusing one buffer for them (no copy of
/// the whole file in memory). Order is kept.
fn read_blocks(path: &Path, start: u64, lengths: &[u64]) -> Option<Vec<Paper>> {
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, lengths.len().max(1));
    let per_thread = lengths.len().div_ceil(threads).max(1);
    let parts: Vec<Option<Vec<Paper>>> = std::thread::scope(|scope| {
        let mut at = start;
        let mut handles = Vec::new();
        for run in lengths.chunks(per_thread) {
            let from = at;
            at += run.iter().sum::<u64>();
            handles.push(scope.spawn(move || {
                let mut file = File::open(path).ok()?;
                file.seek(SeekFrom::Start(from)).ok()?;
                let mut papers = Vec::with_capacity(run.len() * BLOCK);
                let mut buf = Vec::new();
                for len in run {
                    buf.resize(usize::try_from(*len).ok()?, 0);
                    file.read_exact(&mut buf).ok()?;
                    let mut input = Input { bytes: &buf };
                    papers.extend(input.list(Input::paper)?);
                    if !input.bytes.is_empty() {
                        return None;
                    }
                }
                Some(papers)
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut papers: Vec<Paper> = Vec::new();
    for part in parts {
        let part = part?;
        if papers.is_empty() {
            papers = part;
        } else {
            papers.extend(part);
        }
    }
    Some(papers)
}

fn reason(text: &str) -> Option<&'static str> {
    [
        MatchReason::SameDoi,
        MatchReason::SamePmid,
        MatchReason::SameTitleAndYear,
    ]
    .into_iter()
    .map(MatchReason::describe)
    .find(|d| *d == text)
}

/// "" is no format; anything else must be a format this build knows.
fn format(name: &str) -> Option<Option<Format>> {
    if name.is_empty() {
        return Some(None);
    }
    Format::ALL.into_iter().find(|f| f.name() == name).map(Some)
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

    /// A count, then that many items. The count is not trusted for the
    /// allocation: a damaged file could claim billions.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.u32()?;
        let mut out = Vec::with_capacity(n.min(self.bytes.len()));
        for _ in 0..n {
            out.push(item(self)?);
        }
        Some(out)
    }

    fn paper(&mut self) -> Option<Paper> {
        let id = self.string()?;
        let record = self.record()?;
        let provenance = self.list(|i| {
            Some(Provenance {
                source: i.string()?,
                line: usize::try_from(i.u64()?).ok()?,
            })
        })?;
        Some(Paper {
            id,
            record,
            provenance,
            aliases: self.list(Input::string)?,
            list_label: self.string()?,
        })
    }

    fn record(&mut self) -> Option<Record> {
        let authors = self.list(|i| {
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
            keywords: self.list(Input::string)?,
            notes: self.list(Input::string)?,
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
            list_label: format!("Smith 2001 Care at home {i}"),
        }
    }

    fn loaded(n: usize) -> Loaded {
        Loaded {
            papers: (0..n).map(paper).collect(),
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

    fn encoded(loaded: &Loaded) -> Vec<u8> {
        let mut bytes = KEY.to_vec();
        encode(&mut bytes, &loaded.papers, loaded).expect("encodes");
        bytes
    }

    fn read_bytes(bytes: &[u8]) -> Option<Loaded> {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("papers.cache");
        fs::write(&file, bytes).expect("write");
        read(&file, KEY)
    }

    fn round_trip(loaded: &Loaded) -> Option<Loaded> {
        read_bytes(&encoded(loaded))
    }

    #[test]
    fn papers_round_trip_across_blocks_in_order() {
        let before = loaded(BLOCK * 2 + 17);
        let after = round_trip(&before).expect("decodes");
        assert_eq!(after.papers.len(), before.papers.len());
        for (a, b) in after.papers.iter().zip(&before.papers) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.record, b.record);
            assert_eq!(a.provenance, b.provenance);
            assert_eq!(a.aliases, b.aliases);
            assert_eq!(a.list_label, b.list_label);
        }
        assert_eq!(after.merges, before.merges);
        assert_eq!(after.sources.len(), 1);
        assert_eq!(after.sources[0].problems, before.sources[0].problems);
        assert_eq!(after.sources[0].format, Some(Format::Ris));
        assert_eq!(after.warnings, before.warnings);
    }

    #[test]
    fn an_empty_review_round_trips() {
        let after = round_trip(&loaded(0)).expect("decodes");
        assert!(after.papers.is_empty());
    }

    #[test]
    fn another_key_is_a_miss() {
        let bytes = encoded(&loaded(2));
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("papers.cache");
        fs::write(&file, &bytes).expect("write");
        assert!(read(&file, b"key for a tesT").is_none());
        assert!(read(&file, KEY).is_some());
    }

    #[test]
    fn every_truncation_and_any_damaged_byte_are_misses_or_reads_never_panics() {
        let bytes = encoded(&loaded(3));
        for cut in 0..bytes.len() {
            assert!(read_bytes(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        for at in KEY.len()..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0xff;
            // A flipped letter in a title still reads; a flipped length or
            // count must be caught, never panic or allocate without bound.
            let _ = read_bytes(&damaged);
        }
    }
}
