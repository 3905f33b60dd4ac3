//! Two reviewers, two real thema processes on one review, each in its own
//! pseudo-terminal (made by `script`): one merges a factor and undoes the
//! merge while the other keeps coding. Nothing the second coded is lost.

#![cfg(unix)]

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

/// A workbench in a pseudo-terminal of 100×30, keys written to it.
struct Session {
    child: Child,
}

impl Session {
    fn start(dir: &Path, reviewer: &str) -> Session {
        let bin = env!("CARGO_BIN_EXE_thema");
        let child = Command::new("script")
            .args(["-qfec"])
            .arg(format!(
                "stty cols 100 rows 30; exec '{bin}' --reviewer {reviewer}"
            ))
            .arg("/dev/null")
            .current_dir(dir)
            .env("TERM", "xterm-256color")
            .env("THEMA_CACHE_DIR", "")
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join(".config"))
            .env_remove("THEMA_CONFIG")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("script runs");
        // Started once its lock holds a pid; then give it its first frame.
        let lock = dir.join(format!("data/codings/.{reviewer}.lock"));
        wait_for(&format!("{reviewer}'s thema to start"), || {
            std::fs::read_to_string(&lock).is_ok_and(|t| !t.trim().is_empty())
        });
        std::thread::sleep(Duration::from_millis(300));
        Session { child }
    }

    fn keys(&mut self, keys: &str) {
        for key in keys.chars() {
            let stdin = self.child.stdin.as_mut().expect("stdin");
            stdin
                .write_all(key.to_string().as_bytes())
                .expect("key sent");
            stdin.flush().expect("flushed");
            // One key at a time, as typed: a burst would be taken as text.
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn quit(mut self, keys: &str) {
        self.keys(keys);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().ok();
        panic!("thema did not quit");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

fn script_available() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The entry of the paper titled `title` in a codings file, up to the next.
fn entry<'t>(text: &'t str, title: &str) -> &'t str {
    let Some(start) = text.find(&format!("title = \"{title}\"")) else {
        return "";
    };
    let rest = &text[start..];
    rest[..rest.find("\n\n").unwrap_or(rest.len())].trim_end()
}

#[test]
fn a_merge_and_its_undo_in_one_thema_lose_nothing_another_thema_codes() {
    if !script_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have script(1) (util-linux)"
        );
        eprintln!("SKIPPED: script(1) is not installed");
        return;
    }
    let dir = common::nudges_review();
    let review = dir.path();
    let bob_file = review.join("data/codings/bob.toml");
    let bob_text = || std::fs::read_to_string(&bob_file).unwrap_or_default();
    let config = || std::fs::read_to_string(review.join("config.toml")).unwrap_or_default();

    let mut bob = Session::start(review, "bob");
    bob.keys("2"); // alpha: trust
    wait_for("bob's trust on alpha", || {
        entry(&bob_text(), "Cluster trial of alpha nudges").contains("\"trust\"")
    });

    let mut alice = Session::start(review, "alice");
    alice.keys("bjm\r"); // codebook, Trust, merge into the first other: Uptake
    wait_for("alice's merge", || {
        config().contains("merged = [\"trust\"]")
    });

    bob.keys("j2"); // beta: trust, during the merge
    wait_for("bob's trust on beta", || {
        entry(&bob_text(), "Cluster trial of beta nudges").contains("\"trust\"")
    });

    alice.keys("u"); // undo the merge
    wait_for("alice's undo", || {
        config().contains("id = \"trust\"") && !config().contains("merged")
    });

    bob.keys("j1"); // gamma: uptake
    wait_for("bob's uptake on gamma", || {
        entry(&bob_text(), "Cluster trial of gamma nudges").contains("\"uptake\"")
    });
    bob.quit("q");
    alice.quit("\x1bq");

    let text = bob_text();
    assert!(
        entry(&text, "Cluster trial of alpha nudges").ends_with("factors = [\"trust\"]"),
        "{text}"
    );
    assert!(
        entry(&text, "Cluster trial of beta nudges").ends_with("factors = [\"trust\"]"),
        "{text}"
    );
    assert!(
        entry(&text, "Cluster trial of gamma nudges").ends_with("factors = [\"uptake\"]"),
        "{text}"
    );
    let tally = Command::new(env!("CARGO_BIN_EXE_thema"))
        .args(["tally", "--reviewer", "bob", "--format", "csv"])
        .current_dir(review)
        .env("THEMA_CACHE_DIR", "")
        .env("HOME", review)
        .output()
        .expect("tally");
    let tally = String::from_utf8_lossy(&tally.stdout);
    assert!(tally.contains("trust,Trust,2,"), "{tally}");
    assert!(tally.contains("uptake,Uptake,1,"), "{tally}");
}
