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

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Drawn on the status line, the last row a frame writes.
const FRAME_MARK: &str = "Scale";
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

struct Session {
    child: Box<dyn Child + Send + Sync>,
    output: Receiver<(Instant, Vec<u8>)>,
    input: Box<dyn Write + Send>,
    _master: Box<dyn MasterPty + Send>,
}

fn spawn(review: &Path, cache: &Path, home: &Path) -> Session {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let bin = std::env::var_os("THEMA_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_thema").into());
    let mut cmd = CommandBuilder::new(bin);
    cmd.args(["--reviewer", "bench", "--review"]);
    cmd.arg(review);
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", home);
    cmd.env("XDG_CONFIG_HOME", home.join(".config"));
    cmd.env("THEMA_CACHE_DIR", cache);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let input = pty.master.take_writer().expect("writer");
    let (tx, output) = channel();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    let child = pty.slave.spawn_command(cmd).expect("spawn thema");
    drop(pty.slave);
    Session {
        child,
        output,
        input,
        _master: pty.master,
    }
}

impl Session {
    /// Waits for output containing `mark`, then for the terminal to settle.
    fn wait_for(&mut self, mark: &str) {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok((_, bytes)) => {
                    seen.extend_from_slice(&bytes);
                    if seen.windows(mark.len()).any(|w| w == mark.as_bytes()) {
                        self.settle();
                        return;
                    }
                }
                Err(_) => panic!(
                    "no `{mark}` from thema within 120 s; it printed:\n{}",
                    String::from_utf8_lossy(&seen)
                ),
            }
        }
    }

    /// The time of the last byte before the terminal went quiet, if any came.
    fn settle(&mut self) -> Option<Instant> {
        let mut last = None;
        loop {
            match self.output.recv_timeout(QUIET) {
                Ok((at, _)) => last = Some(at),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return last,
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Instant {
        let at = Instant::now();
        self.input.write_all(bytes).expect("write to pty");
        self.input.flush().ok();
        at
    }

    /// Key to the end of its first frame and key to the settled terminal,
    /// in ms. The frame is waited for however long it takes (a slow key is
    /// what is measured), then the terminal's quiet.
    fn key(&mut self, bytes: &[u8]) -> (f64, f64) {
        let sent = self.send(bytes);
        let mut seen = Vec::new();
        let frame = loop {
            match self.output.recv_timeout(Duration::from_secs(10)) {
                Ok((at, chunk)) => {
                    seen.extend_from_slice(&chunk);
                    if seen.windows(FRAME_END.len()).any(|w| w == FRAME_END) {
                        break at;
                    }
                }
                Err(_) => panic!("no frame within 10 s of a key"),
            }
        };
        let done = self.settle().unwrap_or(frame);
        let ms = |t: Instant| (t - sent).as_secs_f64() * 1000.0;
        (ms(frame), ms(done))
    }

    fn quit(mut self) {
        self.send(b"q");
        if self.child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(200));
            self.child.kill().ok();
        }
        self.child.wait().ok();
    }
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
    s.wait_for(FRAME_MARK);
    std::thread::sleep(Duration::from_millis(2000));
    s.quit();

    let mut s = spawn(&review, &cache, &home);
    s.wait_for(FRAME_MARK);
    let (mut over, mut over_settled, mut all) = (0, 0, 0);
    let (mut worst, mut worst_settled): (f64, f64) = (0.0, 0.0);
    for query in QUERIES {
        s.key(b"/");
        let typed: Vec<(f64, f64)> = query.bytes().map(|c| s.key(&[c])).collect();
        let deleted: Vec<(f64, f64)> = query.bytes().map(|_| s.key(b"\x7f")).collect();
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
