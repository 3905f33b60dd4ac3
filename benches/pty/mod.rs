//! The real thema binary in a pseudo-terminal, as a reviewer's terminal
//! runs it: what the start-up and typing benches measure from.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Drawn on the status line, the last row a frame writes.
pub const FRAME_MARK: &str = "Scale";

pub struct Session {
    child: Box<dyn Child + Send + Sync>,
    output: Receiver<(Instant, Vec<u8>)>,
    input: Box<dyn Write + Send>,
    _master: Box<dyn MasterPty + Send>,
    /// The terminal has settled when it has been quiet this long.
    quiet: Duration,
}

/// thema at 80×24 on `review`, with its own home and cache folders; and
/// when it was spawned.
pub fn spawn(
    bin: &Path,
    review: &Path,
    cache: &Path,
    home: &Path,
    quiet: Duration,
) -> (Session, Instant) {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
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
    let started = Instant::now();
    let child = pty.slave.spawn_command(cmd).expect("spawn thema");
    drop(pty.slave);
    let session = Session {
        child,
        output,
        input,
        _master: pty.master,
        quiet,
    };
    (session, started)
}

impl Session {
    /// When the output holding `mark` ended: the terminal's last byte
    /// before it settled.
    pub fn wait_for(&mut self, mark: &str, within: Duration) -> Instant {
        let mut seen = Vec::new();
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok((at, bytes)) => {
                    seen.extend_from_slice(&bytes);
                    if contains(&seen, mark.as_bytes()) {
                        return self.settle().unwrap_or(at);
                    }
                }
                Err(_) => panic!(
                    "no `{mark}` from thema within {within:?}; it printed:\n{}",
                    String::from_utf8_lossy(&seen)
                ),
            }
        }
    }

    /// Sends `bytes`; when the output then holds `end`, and when the
    /// terminal settled after it.
    #[allow(dead_code)] // the start-up bench sends keys without waiting for frames
    pub fn key_until(
        &mut self,
        bytes: &[u8],
        end: &[u8],
        within: Duration,
    ) -> (Instant, Instant, Instant) {
        let sent = self.send(bytes);
        let mut seen = Vec::new();
        let ended = loop {
            match self.output.recv_timeout(within) {
                Ok((at, chunk)) => {
                    seen.extend_from_slice(&chunk);
                    if contains(&seen, end) {
                        break at;
                    }
                }
                Err(_) => panic!("no frame within {within:?} of a key"),
            }
        };
        (sent, ended, self.settle().unwrap_or(ended))
    }

    /// The time of the last byte before the terminal went quiet, if any came.
    pub fn settle(&mut self) -> Option<Instant> {
        let mut last = None;
        loop {
            match self.output.recv_timeout(self.quiet) {
                Ok((at, _)) => last = Some(at),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return last,
            }
        }
    }

    pub fn send(&mut self, bytes: &[u8]) -> Instant {
        let at = Instant::now();
        self.input.write_all(bytes).expect("write to pty");
        self.input.flush().ok();
        at
    }

    /// The process's peak resident memory (VmHWM), as /proc says it.
    #[allow(dead_code)] // the typing bench does not report it
    pub fn peak_memory(&self) -> String {
        let pid = self.child.process_id().unwrap_or(0);
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into())
    }

    pub fn quit(mut self) {
        self.send(b"q");
        if self.child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(200));
            self.child.kill().ok();
        }
        self.child.wait().ok();
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
