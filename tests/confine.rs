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
    assert_eq!(coding.quotes[0].text, quote, "the quote is never touched");
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

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Runs thema as alice with a deadline, so a hang fails the test instead of
/// stalling it. Returns the exit code and everything it printed.
fn finished(args: &[&str], dir: &Path) -> (i32, String) {
    let mut cmd = common::thema_cmd();
    cmd.env_remove("THEMA_REVIEWER").env("USER", "alice");
    let out = cmd
        .args(args)
        .arg("--review")
        .arg(dir)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("runs");
    let code = out.status.code().unwrap_or_else(|| {
        panic!("thema {args:?} hung on a FIFO (killed after 30s)");
    });
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (code, text)
}

/// A demo review with a FIFO at `rel` (whatever was there removed first).
fn review_with_fifo(rel: &str) -> tempfile::TempDir {
    let dir = common::demo_copy();
    let path = dir.path().join(rel);
    std::fs::create_dir_all(codings_dir(dir.path())).expect("mkdir");
    std::fs::remove_file(&path).ok();
    mkfifo(&path);
    dir
}

#[test]
fn a_fifo_anywhere_thema_reads_is_reported_by_check_never_waited_on() {
    // (place, whether check fails, what it says about it)
    let cases = [
        (
            "config.toml",
            true,
            "config.toml: error: cannot read: not a regular file (a FIFO)",
        ),
        (
            "data/studies.ris",
            true,
            "source file `data/studies.ris` is not a regular file (a FIFO)",
        ),
        (
            "data/codings/bob.toml",
            true,
            "bob.toml: error: cannot read: not a regular file (a FIFO)",
        ),
        (
            "data/codings/.alice.lock",
            true,
            "alice's lock is a FIFO, not a regular file; thema will refuse to open this review as alice until it is removed",
        ),
        (
            "data/codings/.alice.history.jsonl",
            false,
            "alice's undo history is a FIFO, not a regular file",
        ),
    ];
    for (rel, fails, says) in cases {
        let dir = review_with_fifo(rel);
        if rel.ends_with("bob.toml") {
            // Bob's FIFO does not cost alice her codings.
            std::fs::write(
                common::codings_file(dir.path(), "alice"),
                "reviewer = \"alice\"\n[papers.\"pmid:16607244\"]\nfactors = [\"communication\"]\n",
            )
            .expect("write");
        }
        let (code, out) = finished(&["check"], dir.path());
        assert_eq!(code, i32::from(fails), "{rel}: {out}");
        assert!(out.contains(says), "{rel}: {out}");
        assert!(!out.contains("ok: no problems"), "{rel}: {out}");
        if rel.ends_with("bob.toml") {
            assert!(out.contains("alice.toml: alice codes 1 paper"), "{out}");
        }
    }
}

#[test]
fn tally_and_import_stop_at_a_fifo_with_its_name() {
    for rel in ["config.toml", "data/studies.ris", "data/codings/alice.toml"] {
        let dir = review_with_fifo(rel);
        let (code, out) = finished(&["tally", "--format", "csv"], dir.path());
        assert_eq!(code, 2, "{rel}: {out}");
        assert!(
            out.contains(rel) && out.contains("(a FIFO)"),
            "{rel}: {out}"
        );
        // Said once: the cause is not repeated as its own cause.
        assert_eq!(out.matches("not a regular file").count(), 1, "{out}");
    }
    // Another reviewer's FIFO and alice's history are not read by a tally.
    for rel in ["data/codings/bob.toml", "data/codings/.alice.history.jsonl"] {
        let dir = review_with_fifo(rel);
        let (code, out) = finished(&["tally"], dir.path());
        assert_eq!(code, 0, "{rel}: {out}");
    }

    let dir = review_with_fifo("config.toml");
    let export = dir.path().join("more.ris");
    std::fs::copy(common::repo().join("data/studies.ris"), &export).expect("copy");
    let (code, out) = finished(&["import", export.to_str().unwrap_or_default()], dir.path());
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("config.toml") && out.contains("(a FIFO)"),
        "{out}"
    );

    let dir = common::demo_copy();
    let fifo = dir.path().join("export.ris");
    mkfifo(&fifo);
    for args in [["import", "--dry-run"].as_slice(), &["import"]] {
        let mut args = args.to_vec();
        args.push(fifo.to_str().unwrap_or_default());
        let (code, out) = finished(&args, dir.path());
        assert_eq!(code, 2, "{out}");
        assert!(
            out.contains("export.ris: cannot read: not a regular file (a FIFO)"),
            "{out}"
        );
    }
    assert!(!dir.path().join("data/export.ris").exists());
}

/// `prepare_workbench` (what the TUI does before its first frame) on its
/// own thread, so a hang fails instead of stalling.
fn open_workbench(dir: &Path) -> Result<thema::cli::Workbench, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let d = dir.to_path_buf();
    std::thread::spawn(move || {
        let got = thema::cli::prepare_workbench(
            &d,
            Some("alice"),
            &thema::review::places::Places::none(),
        )
        .map_err(|e| format!("{e:#}"));
        tx.send(got).ok();
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the workbench opened or refused without hanging")
}

#[test]
fn the_workbench_refuses_a_fifo_codings_file_and_sets_a_fifo_history_aside() {
    for rel in ["data/codings/alice.toml", "config.toml", "data/studies.ris"] {
        let dir = review_with_fifo(rel);
        let err = open_workbench(dir.path()).err().unwrap_or_default();
        assert!(
            err.contains(rel) && err.contains("(a FIFO)"),
            "{rel}: {err}"
        );
    }
    let dir = review_with_fifo("data/codings/.alice.history.jsonl");
    let bench = open_workbench(dir.path()).expect("opens");
    let notice = bench.app.notice.as_ref().map(|n| n.text.clone());
    assert!(
        notice.as_deref().is_some_and(
            |n| n.contains("undo history could not be read (not a regular file (a FIFO)")
        ),
        "{notice:?}"
    );
    let history = codings_dir(dir.path()).join(".alice.history.jsonl");
    assert!(std::fs::symlink_metadata(&history).is_err(), "moved aside");
    assert!(
        codings_dir(dir.path())
            .join(".alice.history.jsonl.bad")
            .exists()
    );
}

#[test]
fn check_names_a_symlinked_lock_and_the_workbench_would_refuse_it() {
    let outside = tempfile::tempdir().expect("tmp");
    let victim = outside.path().join("precious.txt");
    std::fs::write(&victim, "keep me\n").expect("write");
    let dir = common::demo_copy();
    std::fs::create_dir_all(codings_dir(dir.path())).expect("mkdir");
    symlink(&victim, codings_dir(dir.path()).join(".alice.lock")).expect("symlink");
    let (code, out) = finished(&["check"], dir.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(".alice.lock: error: alice's lock is a symbolic link, not a regular file; thema will refuse to open this review as alice until it is removed"),
        "{out}"
    );
    let err = open_workbench(dir.path()).err().unwrap_or_default();
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me\n");
}

#[test]
fn a_symlinked_codings_file_is_reported_and_the_workbench_says_so_on_open() {
    let outside = tempfile::tempdir().expect("tmp");
    let theirs = outside.path().join("shared-alice.toml");
    std::fs::write(
        &theirs,
        "reviewer = \"alice\"\n[papers.\"pmid:16607244\"]\nfactors = [\"communication\"]\n",
    )
    .expect("write");
    let dir = common::demo_copy();
    std::fs::create_dir_all(codings_dir(dir.path())).expect("mkdir");
    let link = common::codings_file(dir.path(), "alice");
    symlink(&theirs, &link).expect("symlink");
    let (code, out) = finished(&["check"], dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("alice.toml: warning: is a symbolic link (to ")
            && out.contains("alice's next save replaces the link with a regular file"),
        "{out}"
    );

    let bench = open_workbench(dir.path()).expect("opens");
    let notice = bench.app.notice.as_ref().map(|n| n.text.clone());
    assert_eq!(
        notice.as_deref(),
        Some(
            "alice.toml is a symbolic link: saving replaces it with a regular file, never writing through it (thema check explains)"
        )
    );
    assert!(bench.app.codings.has("pmid:16607244", "communication"));
}
