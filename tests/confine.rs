//! A hostile review folder: links and odd files planted where thema writes,
//! and a codings_dir that leads out of the review. Nothing outside the
//! review is ever written, and each refusal says why.

#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use thema::keys::action::Action;
use thema::review::codings::{Lock, Store};
use thema::review::history::History;
use thema::review::workspace::Workspace;

fn thema(home: &Path) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("thema");
    cmd.env_remove("THEMA_REVIEWER").env("USER", "alice");
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("THEMA_CACHE_DIR", "");
    cmd
}

fn codings_dir(dir: &Path) -> std::path::PathBuf {
    dir.join("data/codings")
}

#[test]
fn a_symlinked_lock_is_refused_and_its_target_untouched() {
    let outside = tempfile::tempdir().expect("tmp");
    let victim = outside.path().join("precious.txt");
    std::fs::write(&victim, "keep me\n").expect("write");
    let dir = tempfile::tempdir().expect("tmp");
    symlink(&victim, dir.path().join(".alice.lock")).expect("symlink");
    let err = Lock::acquire(dir.path(), "alice").expect_err("refused");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me\n");
    // Freeing it from the signal path does not follow it either.
    thema::review::codings::release_lock_file(&dir.path().join(".alice.lock"));
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me\n");
}

#[test]
fn a_fifo_or_hard_linked_lock_is_refused_without_hanging() {
    let dir = tempfile::tempdir().expect("tmp");
    let fifo = dir.path().join(".alice.lock");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let (tx, rx) = std::sync::mpsc::channel();
    let d = dir.path().to_path_buf();
    std::thread::spawn(move || {
        tx.send(
            Lock::acquire(&d, "alice")
                .map(|_| ())
                .map_err(|e| e.to_string()),
        )
        .ok();
    });
    let got = rx.recv_timeout(Duration::from_secs(5)).expect("no hang");
    assert!(got.is_err_and(|e| e.contains("not a regular file")));

    let other = dir.path().join("other.txt");
    std::fs::write(&other, "12\n").expect("write");
    std::fs::hard_link(&other, dir.path().join(".bob.lock")).expect("link");
    let err = Lock::acquire(dir.path(), "bob").expect_err("refused");
    assert!(err.to_string().contains("hard link"), "{err}");
    assert_eq!(std::fs::read_to_string(&other).expect("read"), "12\n");
}

#[test]
fn the_lock_file_keeps_its_size_after_repeated_crashes() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(".alice.lock");
    let mine = format!("{}\n", std::process::id());
    for _ in 0..3 {
        // What a killed thema leaves: its pid, never emptied.
        std::fs::write(&path, "4194303\n").expect("write");
        let lock = Lock::acquire(dir.path(), "alice").expect("lock");
        assert_eq!(lock.took_over_from.as_deref(), Some("4194303"));
        let bytes = std::fs::read(&path).expect("read");
        assert_eq!(bytes, mine.as_bytes(), "no NUL bytes, no growth");
        drop(lock);
    }
}

#[test]
fn links_planted_at_temp_and_target_names_are_never_written_through() {
    let dir = common::demo_copy();
    let outside = tempfile::tempdir().expect("tmp");
    let victim = outside.path().join("victim.txt");
    // Valid codings, so reading through the link still opens the review.
    std::fs::write(&victim, "reviewer = \"alice\"\n").expect("write");
    let folder = codings_dir(dir.path());
    std::fs::create_dir_all(&folder).expect("mkdir");
    // Every name an earlier thema would have used, and the file itself.
    let pid = std::process::id();
    for name in [
        format!("alice.toml.{pid}.tmp"),
        format!(".alice.history.json.{pid}.tmp"),
        "alice.toml".to_string(),
    ] {
        symlink(&victim, folder.join(name)).expect("symlink");
    }
    let path = common::codings_file(dir.path(), "alice");
    let mut app = common::open_app(dir.path(), "alice");
    app.update(Action::ToggleFactor(0));
    app.codings.save(&path).expect("save");
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read"),
        "reviewer = \"alice\"\n"
    );
    let meta = std::fs::symlink_metadata(&path).expect("meta");
    assert!(meta.is_file(), "the codings file is a regular file now");
    assert!(
        std::fs::read_to_string(&path)
            .expect("read")
            .contains("communication")
    );
    // A link named like a stale temp file is not swept through either.
    let lock = Lock::acquire(&folder, "alice").expect("lock");
    drop(lock);
    assert!(victim.exists());
}

#[test]
fn a_history_file_that_is_a_link_is_not_appended_through() {
    let outside = tempfile::tempdir().expect("tmp");
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "keep me\n").expect("write");
    let dir = tempfile::tempdir().expect("tmp");
    let path = History::path(dir.path(), "alice");
    symlink(&victim, &path).expect("symlink");
    let mut h = History::default();
    h.push_done(thema::review::history::Change::coding(
        "p",
        &Default::default(),
        &Default::default(),
        "x".into(),
    ));
    let err = h.save(&path).expect_err("refused");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me\n");
}

fn config_with_codings_dir(dir: &Path, value: &str) {
    let config = dir.join("config.toml");
    let text = std::fs::read_to_string(&config).expect("read");
    let text = text.replace(
        "codings_dir = \"data/codings\"",
        &format!("codings_dir = {value:?}"),
    );
    std::fs::write(&config, text).expect("write");
}

#[test]
fn a_codings_dir_outside_the_review_is_refused_by_check_and_nothing_is_written() {
    let home = tempfile::tempdir().expect("home");
    let outside = tempfile::tempdir().expect("tmp");
    for value in [
        "../..".to_string(),
        "data/../../x".to_string(),
        outside.path().display().to_string(),
    ] {
        let dir = common::demo_copy();
        config_with_codings_dir(dir.path(), &value);
        thema(home.path())
            .arg("check")
            .arg("--review")
            .arg(dir.path())
            .assert()
            .failure()
            .stdout(
                predicate::str::contains("config.toml")
                    .and(predicate::str::contains("codings_dir")),
            )
            .stdout(predicate::str::contains("review folder"));
        thema(home.path())
            .arg("tally")
            .arg("--review")
            .arg(dir.path())
            .assert()
            .failure();
        assert!(
            thema::review::Review::open(dir.path(), &thema::review::places::Places::none())
                .is_err(),
            "{value}"
        );
    }
    assert_eq!(std::fs::read_dir(outside.path()).expect("dir").count(), 0);
}

#[test]
fn a_codings_dir_that_links_out_of_the_review_is_refused() {
    let outside = tempfile::tempdir().expect("tmp");
    let dir = common::demo_copy();
    symlink(outside.path(), codings_dir(dir.path())).expect("symlink");
    let err = thema::review::Review::open(dir.path(), &thema::review::places::Places::none())
        .map(|_| ())
        .expect_err("refused");
    let shown = format!("{err:?}");
    assert!(
        shown.contains("codings_dir") && shown.contains("symbolic link"),
        "{shown}"
    );
    assert_eq!(std::fs::read_dir(outside.path()).expect("dir").count(), 0);
}

#[test]
fn import_refuses_a_dangling_link_in_data_and_writes_nothing() {
    let home = tempfile::tempdir().expect("home");
    let dir = common::demo_copy();
    let outside = tempfile::tempdir().expect("tmp");
    let planted = outside.path().join("planted.ris");
    let source_dir = tempfile::tempdir().expect("tmp");
    let source = source_dir.path().join("more.ris");
    std::fs::copy(common::repo().join("data/studies.ris"), &source).expect("copy");
    symlink(&planted, dir.path().join("data/more.ris")).expect("symlink");
    let config_before = std::fs::read_to_string(dir.path().join("config.toml")).expect("read");
    thema(home.path())
        .arg("import")
        .arg(&source)
        .arg("--review")
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicate::str::contains("symbolic link"));
    assert!(!planted.exists(), "nothing written through the link");
    let config_after = std::fs::read_to_string(dir.path().join("config.toml")).expect("read");
    assert_eq!(config_before, config_after);
}

/// One key as the run loop handles it.
fn press(app: &mut thema::app::App, store: &mut Workspace, action: Action) {
    let effect = app.update(action);
    store.carry_out(app, effect);
}

fn open(dir: &Path) -> (thema::app::App, Workspace) {
    let mut app = common::open_app(dir, "alice");
    let (store, codings) =
        Store::open(&common::codings_file(dir, "alice"), "alice").expect("store");
    app.codings = codings;
    let (history, warning) = History::load(&History::path(&codings_dir(dir), "alice"));
    assert!(warning.is_none(), "{warning:?}");
    app.history = history;
    (app, Workspace::new(dir, store))
}

#[test]
fn a_long_quote_and_200_toggles_keep_the_history_small_and_undoable() {
    let dir = common::demo_copy();
    let quote = "q".repeat(100_000);
    let paper = "pmid:16607244";
    std::fs::create_dir_all(codings_dir(dir.path())).expect("mkdir");
    std::fs::write(
        common::codings_file(dir.path(), "alice"),
        format!("reviewer = \"alice\"\n\n[papers.\"{paper}\"]\nfactors = [\"access\"]\nquote = \"{quote}\"\n"),
    )
    .expect("write");
    {
        let (mut app, mut store) = open(dir.path());
        assert_eq!(
            app.current_paper().map(|p| p.id.clone()).as_deref(),
            Some(paper)
        );
        for _ in 0..200 {
            press(&mut app, &mut store, Action::ToggleFactor(0));
        }
        assert!(!app.codings.has(paper, "communication"));
    }
    let path = History::path(&codings_dir(dir.path()), "alice");
    let size = std::fs::metadata(&path).expect("history").len();
    // 201 short lines, no quote: it was 40 MB when each step held the
    // paper's whole coding twice.
    assert!(size < 50_000, "history is {size} bytes");

    let (mut app, mut store) = open(dir.path());
    assert_eq!(app.history.done().len(), 200);
    for _ in 0..199 {
        press(&mut app, &mut store, Action::Undo);
    }
    assert!(
        app.codings.has(paper, "communication"),
        "after the first toggle"
    );
    press(&mut app, &mut store, Action::Undo);
    let coding = app.codings.get(paper);
    assert!(!coding.factors.contains("communication") && coding.factors.contains("access"));
    assert_eq!(coding.quote, quote, "the quote is never touched");
    press(&mut app, &mut store, Action::Undo);
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text == "Nothing to undo")
    );
    press(&mut app, &mut store, Action::Redo);
    assert!(app.codings.has(paper, "communication"));
}

#[test]
fn a_history_of_the_earlier_whole_file_format_is_read_and_migrated_once() {
    let dir = common::demo_copy();
    let folder = codings_dir(dir.path());
    std::fs::create_dir_all(&folder).expect("mkdir");
    let old = r#"{"done":[{"kind":"coding","paper":"pmid:16607244","before":{"factors":[]},"after":{"factors":["communication"],"quote":"rapid access"},"what":"Communication added to Aitken 2006"}],"undone":[]}"#;
    std::fs::write(folder.join(".alice.history.json"), old).expect("write");
    std::fs::write(
        common::codings_file(dir.path(), "alice"),
        "reviewer = \"alice\"\n\n[papers.\"pmid:16607244\"]\nfactors = [\"communication\"]\nquote = \"rapid access\"\n",
    )
    .expect("write");
    let (mut app, mut store) = open(dir.path());
    assert_eq!(app.history.done().len(), 1);
    assert!(!folder.join(".alice.history.json").exists(), "migrated");
    assert!(folder.join(".alice.history.jsonl").exists());
    press(&mut app, &mut store, Action::Undo);
    assert!(app.codings.papers.is_empty());
    drop((app, store));
    let (app, _store) = open(dir.path());
    assert_eq!(app.history.undone().len(), 1, "the undo was kept too");
}
