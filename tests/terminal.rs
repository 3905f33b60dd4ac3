//! The real binary in a pseudo-terminal: what only a terminal shows.

mod common;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// Output until `mark` appears; panics with what was printed if it does not.
fn wait_for(output: &Receiver<Vec<u8>>, seen: &mut Vec<u8>, mark: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(seen).contains(mark) {
        let left = deadline.saturating_duration_since(Instant::now());
        match output.recv_timeout(left) {
            Ok(bytes) => seen.extend_from_slice(&bytes),
            Err(_) => panic!(
                "no `{mark}` within 20 s; thema printed:\n{}",
                String::from_utf8_lossy(seen)
            ),
        }
    }
    seen.clear();
}

/// A terminal that does not bracket pastes sends a long paste as keys, in
/// reads of its own size. All of it is the reviewer's text, at once: none
/// of it may wait for the next key (crossterm's default reader stopped
/// after 1 KB), and a save pressed after it is a save.
#[test]
fn a_long_unbracketed_paste_arrives_whole_before_the_next_key() {
    let dir = common::demo_copy();
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-home");
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_thema"));
    cmd.args(["--reviewer", "paster", "--review"]);
    cmd.arg(dir.path());
    cmd.cwd(dir.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", &home);
    cmd.env("XDG_CONFIG_HOME", home.join(".config"));
    cmd.env("XDG_CACHE_HOME", home.join(".cache"));
    cmd.env("THEMA_CACHE_DIR", "");
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let mut input = pty.master.take_writer().expect("writer");
    let (tx, output) = channel();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut child = pty.slave.spawn_command(cmd).expect("spawn thema");
    drop(pty.slave);
    let mut seen = Vec::new();
    let mut send = |bytes: &[u8]| {
        input.write_all(bytes).expect("write to pty");
        input.flush().ok();
    };

    wait_for(&output, &mut seen, "? help");
    send(b"a");
    wait_for(&output, &mut seen, "Your note");
    // 4,800 bytes, words numbered so a lost read shows where.
    let text: String = (0..800).map(|i| format!("w{i:04} ")).collect();
    let text = text.trim_end();
    send(text.as_bytes());
    wait_for(&output, &mut seen, "w0799");
    // Well after the paste, as a reviewer presses it.
    std::thread::sleep(Duration::from_millis(300));
    send(b"\x13");
    std::thread::sleep(Duration::from_millis(300));
    send(b"q");
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().ok().flatten().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("thema did not quit on q");
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    let file = std::fs::read_to_string(common::codings_file(dir.path(), "paster"))
        .expect("the note was saved");
    let codings: toml::Table = toml::from_str(&file).expect("codings parse");
    let notes: Vec<&str> = codings["papers"]
        .as_table()
        .into_iter()
        .flat_map(|papers| papers.values())
        .filter_map(|p| p.get("note").and_then(|n| n.as_str()))
        .collect();
    assert_eq!(notes, [text], "the whole paste is the note");
}
