//! Start-up and typing as a user meets them: the real `thema` binary spawned
//! in a pseudo-terminal (80×24) on a review of 10,000 and 100,000 papers
//! (../shared/bench replicated), timed from spawn to its first full frame,
//! with no warm process to help.
//!
//! - cold: an empty cache folder, so every source is parsed;
//! - cached: the cache the cold run left behind (the same folder);
//! - peak memory (VmHWM) of the process once its first frame is out, and
//!   once it has settled (search index built, cache written);
//! - each keystroke of `/nudging`, from the key written to the pty to the
//!   last byte of the frame it caused.
//!
//! `cargo bench --bench startup` (THEMA_STARTUP_SIZES=10000 for one size,
//! THEMA_STARTUP_RUNS for the runs per case). Targets (issue 10): first frame
//! under 300 ms cached and 1 s cold at 100k, 100 ms at 10k, under 250 MB.

mod common;
mod pty;

use std::path::Path;
use std::time::Duration;

use pty::{FRAME_MARK, spawn};

/// A frame is over when the terminal has been quiet this long.
const QUIET: Duration = Duration::from_millis(40);
/// How long a start may take before the bench gives up.
const START: Duration = Duration::from_secs(60);

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The fastest run: on a machine shared with other work, the one least
/// disturbed by it.
fn fastest(v: &[Duration]) -> Duration {
    v.iter().copied().min().unwrap_or_default()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing:
    // only run when asked to measure.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("THEMA_STARTUP_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    let runs: usize = std::env::var("THEMA_STARTUP_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let mut bins = vec![std::path::PathBuf::from(env!("CARGO_BIN_EXE_thema"))];
    if let Ok(more) = std::env::var("THEMA_STARTUP_BINS") {
        bins.extend(more.split(',').filter(|s| !s.is_empty()).map(Into::into));
    }
    for papers in sizes {
        let tmp = tempfile::tempdir().expect("tmp");
        let review = tmp.path().join("review");
        let home = tmp.path().join("home");
        let cache = tmp.path().join("cache");
        std::fs::create_dir_all(&review).expect("review dir");
        std::fs::create_dir_all(&home).expect("home dir");
        common::write_review(&review, papers);

        let mut results: Vec<Measured> = bins.iter().map(|_| Measured::default()).collect();
        for run in 0..runs {
            for (bin, m) in bins.iter().zip(&mut results) {
                measure(bin, &review, &cache, &home, run == 0, m);
            }
        }
        for (bin, m) in bins.iter().zip(results) {
            let keys_ms: Vec<String> = m.keys.iter().map(|d| ms(*d)).collect();
            println!(
                "{papers} papers, {}: spawn to first frame in a pty (median of {runs}, fastest): \
                 cold {} {} (peak {}; {} once settled), cached {} {} (peak {}; {} once \
                 settled); `/nudging` key to frame: {}",
                bin.display(),
                ms(median(m.cold.clone())),
                ms(fastest(&m.cold)),
                m.cold_mem,
                m.cold_settled_mem,
                ms(median(m.cached.clone())),
                ms(fastest(&m.cached)),
                m.cached_mem,
                m.cached_settled_mem,
                keys_ms.join(", ")
            );
        }
    }
}

#[derive(Default)]
struct Measured {
    cold: Vec<Duration>,
    cached: Vec<Duration>,
    cold_mem: String,
    cached_mem: String,
    /// Peak memory once the search index is built (and, cold, the cache
    /// written): what the reviewer's session holds from then on.
    cold_settled_mem: String,
    cached_settled_mem: String,
    keys: Vec<Duration>,
}

/// One cold start (empty cache folder) and one cached start of `bin`.
fn measure(bin: &Path, review: &Path, cache: &Path, home: &Path, keys: bool, m: &mut Measured) {
    std::fs::remove_dir_all(cache).ok();
    let (mut s, started) = spawn(bin, review, cache, home, QUIET);
    m.cold.push(s.wait_for(FRAME_MARK, START) - started);
    m.cold_mem = s.peak_memory();
    // The cache is written in the background after the first frame.
    std::thread::sleep(Duration::from_millis(1500));
    m.cold_settled_mem = s.peak_memory();
    s.quit();

    let (mut s, started) = spawn(bin, review, cache, home, QUIET);
    m.cached.push(s.wait_for(FRAME_MARK, START) - started);
    m.cached_mem = s.peak_memory();
    std::thread::sleep(Duration::from_millis(1500));
    m.cached_settled_mem = s.peak_memory();
    if keys {
        s.send(b"/");
        s.settle();
        for c in "nudging".bytes() {
            let sent = s.send(&[c]);
            let done = s.settle().unwrap_or(sent);
            m.keys.push(done - sent);
        }
        s.send(b"\x1b");
        s.settle();
    }
    s.quit();
}
