//! Typing into the search as a user meets it: the real `thema` binary in a
//! pseudo-terminal (80×24) on a review of 100,000 papers (../shared/bench
//! replicated; THEMA_TYPING_SIZE for another size), started from its cache,
//! each key timed from its write to the pty to the end of the first frame
//! it caused (what the reviewer sees: the rows on screen) and to the
//! terminal settling (the count complete, drawn once the rest of the list
//! is filtered between keys). THEMA_BIN runs another build of thema (say,
//! the one before a change) for a comparison under the same load.
//!
//! Queries: `nudging` (issue 10's), single letters that match nearly every
//! paper, and queries of many terms; each typed after `/` and then deleted
//! key by key, then left with esc.
//!
//! `cargo bench --bench typing`. Target (issue 10): every keystroke under
//! 16 ms, so typing never lags a 60 Hz frame.

mod common;
mod pty;

use std::path::Path;
use std::time::{Duration, Instant};

use pty::{FRAME_MARK, Session};

/// A key's frames are over when the terminal has been quiet this long:
/// longer than the filtering a key leaves for between keys takes at 100k,
/// which draws nothing until it is done.
const QUIET: Duration = Duration::from_millis(300);

/// Typed one key at a time, then deleted one key at a time.
const QUERIES: [&str; 7] = [
    "nudging",
    "care",
    "trust",
    "e",
    "a",
    "care nurse role trust",
    "a e i o u",
];

/// Every frame drawn while the search line is open ends by showing the
/// cursor (ratatui flushes the frame, then shows and places the cursor).
const FRAME_END: &[u8] = b"\x1b[?25h";

fn spawn(review: &Path, cache: &Path, home: &Path) -> Session {
    let bin: std::path::PathBuf = std::env::var_os("THEMA_BIN")
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_thema").into())
        .into();
    pty::spawn(&bin, review, cache, home, QUIET).0
}

/// Key to the end of its first frame and key to the settled terminal, in
/// ms. The frame is waited for however long it takes (a slow key is what
/// is measured), then the terminal's quiet.
fn key(s: &mut Session, bytes: &[u8]) -> (f64, f64) {
    let (sent, frame, done) = s.key_until(bytes, FRAME_END, Duration::from_secs(10));
    let ms = |t: Instant| (t - sent).as_secs_f64() * 1000.0;
    (ms(frame), ms(done))
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing:
    // only run when asked to measure.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let papers: usize = std::env::var("THEMA_TYPING_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().expect("tmp");
    let review = tmp.path().join("review");
    let home = tmp.path().join("home");
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(&review).expect("review dir");
    std::fs::create_dir_all(&home).expect("home dir");
    common::write_review(&review, papers);

    // A first start writes the cache (in the background, after its first
    // frame); the measured start reads it, as a reviewer's usual start does.
    let mut s = spawn(&review, &cache, &home);
    s.wait_for(FRAME_MARK, Duration::from_secs(120));
    std::thread::sleep(Duration::from_millis(2000));
    s.quit();

    let mut s = spawn(&review, &cache, &home);
    s.wait_for(FRAME_MARK, Duration::from_secs(120));
    let (mut over, mut over_settled, mut all) = (0, 0, 0);
    let (mut worst, mut worst_settled): (f64, f64) = (0.0, 0.0);
    for query in QUERIES {
        key(&mut s, b"/");
        let typed: Vec<(f64, f64)> = query.bytes().map(|c| key(&mut s, &[c])).collect();
        let deleted: Vec<(f64, f64)> = query.bytes().map(|_| key(&mut s, b"\x7f")).collect();
        // Esc leaves the search line: no cursor shown, so no frame end to
        // wait for; the quiet is enough.
        s.send(b"\x1b");
        s.settle();
        for &(frame, settled) in typed.iter().chain(&deleted) {
            all += 1;
            over += usize::from(frame >= 16.0);
            over_settled += usize::from(settled >= 16.0);
            worst = worst.max(frame);
            worst_settled = worst_settled.max(settled);
        }
        let show = |v: &[(f64, f64)]| {
            v.iter()
                .map(|(f, d)| format!("{f:.1}/{d:.1}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "{papers} papers, `/{query}` key to frame/settled, ms: typed {}; deleted {}",
            show(&typed),
            show(&deleted)
        );
    }
    println!(
        "{over} of {all} keys took 16 ms or more to their frame (slowest {worst:.1} ms); \
         {over_settled} to settle (slowest {worst_settled:.1} ms)"
    );
    s.quit();
}
