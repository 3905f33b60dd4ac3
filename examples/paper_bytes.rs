//! Where the memory of a large review goes: `cargo run --release --example
//! paper_bytes -- N` writes the bench review of N papers (default 100,000),
//! opens it and counts, per field of every paper, the bytes its text takes
//! and the bytes allocated for it, and the heap blocks; then the search
//! index. Used to find what to shrink for issue 10's memory target. On the
//! system allocator (thema's is mimalloc), so `heaptrack` sees every
//! allocation: `paper_bytes N DIR CACHE` run twice reads the papers from
//! the cache the first run wrote.
#[path = "../benches/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::mem::size_of;

use thema::review::Paper;

#[allow(dead_code)]
fn rss_kb() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[derive(Default)]
struct Tally {
    len: usize,
    cap: usize,
    blocks: usize,
}

fn main() {
    let papers: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().expect("tmp");
    // A folder named after the count is written and kept, to run thema on.
    let dir = match std::env::args().nth(2) {
        Some(d) => std::path::PathBuf::from(d),
        None => tmp.path().to_path_buf(),
    };
    // With a cache folder as a third argument: the review written only if
    // it is not there, read from the cache (written by a first run).
    let cache = std::env::args().nth(3).map(std::path::PathBuf::from);
    if cache.is_none() || !dir.join("config.toml").exists() {
        common::write_review(&dir, papers);
    }
    let mut review =
        thema::review::Review::open_with(&dir, None, cache.as_deref()).expect("review opens");
    println!("from the cache: {}", review.cache_is_current());
    review.write_cache().ok();
    let mut t: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut add = |name: &'static str, len: usize, cap: usize| {
        let e = t.entry(name).or_default();
        e.len += len;
        e.cap += cap;
        e.blocks += usize::from(cap > 0);
    };
    let shells = review.papers.len() * size_of::<Paper>();
    for p in review.papers.iter() {
        let r = &p.record;
        add("id", p.id.len(), p.id.capacity());
        add("legacy_id", p.legacy_id.len(), p.legacy_id.capacity());
        add(
            "provenance vec",
            p.provenance.len() * 32,
            p.provenance.capacity() * 32,
        );
        for pr in &p.provenance {
            add("provenance source", pr.source.len(), pr.source.capacity());
        }
        add(
            "aliases vec",
            p.aliases.len() * 24,
            p.aliases.capacity() * 24,
        );
        add(
            "authors vec",
            r.authors.len() * 48,
            r.authors.capacity() * 48,
        );
        for a in &r.authors {
            add("author family", a.family.len(), a.family.capacity());
            add("author given", a.given.len(), a.given.capacity());
        }
        for (name, s) in [
            ("title", &r.title),
            ("journal", &r.journal),
            ("doi", &r.doi),
            ("pmid", &r.pmid),
            ("record abstract (moved)", &r.abstract_text),
            ("url", &r.url),
            ("kind", &r.kind),
            ("language", &r.language),
            ("volume/issue/pages", &r.volume),
        ] {
            add(name, s.len(), s.capacity());
        }
        add("abstract", p.abstract_text.len(), p.abstract_text.len());
        add(
            "keywords vec",
            r.keywords.len() * 24,
            r.keywords.capacity() * 24,
        );
        for k in &r.keywords {
            add("keyword", k.len(), k.capacity());
        }
    }
    println!(
        "{} papers; Paper is {} bytes ({} MB of shells)",
        review.papers.len(),
        size_of::<Paper>(),
        shells / 1_000_000
    );
    let (mut len, mut cap, mut blocks) = (0, 0, 0);
    for (name, e) in &t {
        println!(
            "{name:20} text {:8.1} MB  allocated {:8.1} MB  blocks {}",
            e.len as f64 / 1e6,
            e.cap as f64 / 1e6,
            e.blocks
        );
        len += e.len;
        cap += e.cap;
        blocks += e.blocks;
    }
    println!(
        "total: text {:.1} MB, allocated {:.1} MB, {blocks} heap blocks, + shells {:.1} MB",
        len as f64 / 1e6,
        cap as f64 / 1e6,
        shells as f64 / 1e6
    );
    let (mut odd, mut odd_bytes) = (0, 0);
    for p in review.papers.iter() {
        if !p.abstract_text.is_ascii() {
            odd += 1;
            odd_bytes += p.abstract_text.len();
        }
    }
    println!(
        "non-ASCII abstracts: {odd}, {:.1} MB",
        odd_bytes as f64 / 1e6
    );
    let index = thema::app::search::SearchIndex::build(&review.papers);
    println!("search index {:.1} MB", index.heap_bytes() as f64 / 1e6);
    println!("{}", peak());
    std::mem::forget(review);
}

fn peak() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS"))
                .map(|l| Some(l.to_string()))
                .collect()
        })
        .unwrap_or_default()
}
