//! Persistence: what is on disk after each change, and what happens when the
//! file is broken, foreign, or a save is interrupted.

mod common;

use thema::keys::action::Action;
use thema::review::codings::{Codings, CodingsError, Lock};

#[test]
fn every_toggle_is_saved_sorted_and_reloads_identically() {
    let dir = common::demo_copy();
    let path = common::codings_file(dir.path(), "alice");
    let mut app = common::open_app(dir.path(), "alice");
    app.update(Action::Last); // Walshe 2008
    app.update(Action::ToggleFactor(1));
    app.update(Action::ToggleFactor(0));
    app.update(Action::First); // Aitken 2006
    app.update(Action::ToggleFactor(4));
    app.codings.save(&path).expect("save");

    let text = std::fs::read_to_string(&path).expect("file written");
    assert_eq!(
        text,
        "# thema codings: one reviewer's judgements. Sorted so it diffs and merges cleanly.\n\
         reviewer = \"alice\"\n\
         \n\
         [papers.\"doi:10.3399/bjgp08x279652\"]\n\
         cite = \"Walshe 2008\"\n\
         title = \"Judgements about fellow professionals and the management of patients receiving palliative care in primary care: a qualitative study\"\n\
         factors = [\"communication\", \"roles\"]\n\
         \n\
         [papers.\"pmid:16607244\"]\n\
         cite = \"Aitken 2006\"\n\
         title = \"District nurses' triggers for referral of patients to the Macmillan nurse\"\n\
         factors = [\"coordination\"]\n"
    );
    let reloaded = Codings::load(&path, "alice").expect("reloads");
    assert_eq!(reloaded, app.codings);
    // Saving again changes nothing: no churn in git.
    reloaded.save(&path).expect("save again");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
}

#[test]
fn a_broken_codings_file_is_refused_with_its_line_and_left_untouched() {
    let dir = common::demo_copy();
    let path = common::codings_file(dir.path(), "alice");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let broken = "reviewer = \"alice\"\n\n[papers.\"pmid:16607244\"]\nfactors = [\"roles\"\n";
    std::fs::write(&path, broken).expect("write");
    match Codings::load(&path, "alice") {
        Err(CodingsError::Invalid(d)) => {
            assert_eq!(d.line, Some(4), "points at the unclosed list: {d}");
            assert!(d.to_string().contains("alice.toml:4"), "{d}");
            assert!(d.to_string().contains("will not overwrite"), "{d}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(&path).expect("read"), broken);
}

#[test]
fn codings_for_papers_and_factors_not_in_the_review_survive_a_save() {
    let dir = common::demo_copy();
    let path = common::codings_file(dir.path(), "alice");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &path,
        "reviewer = \"alice\"\n\
         [papers.\"doi:10.9999/gone\"]\nfactors = [\"roles\"]\nquote = \"kept \\\"as is\\\"\"\n\
         [papers.\"pmid:16607244\"]\nfactors = [\"old-theme\"]\n",
    )
    .expect("write");
    let mut app = common::open_app(dir.path(), "alice");
    assert_eq!(app.tally.coded, 0, "orphans are not counted");
    app.update(Action::ToggleFactor(0)); // Aitken, pmid:16607244
    app.codings.save(&path).expect("save");
    let again = Codings::load(&path, "alice").expect("reload");
    assert_eq!(
        again.papers["doi:10.9999/gone"].quotes[0].text,
        "kept \"as is\""
    );
    let aitken: Vec<&str> = again.papers["pmid:16607244"]
        .factors
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(aitken, ["communication", "old-theme"]);
}

#[test]
fn a_crash_between_temp_write_and_rename_leaves_the_old_file_valid() {
    let dir = common::demo_copy();
    let path = common::codings_file(dir.path(), "alice");
    let mut app = common::open_app(dir.path(), "alice");
    app.update(Action::ToggleFactor(0));
    app.codings.save(&path).expect("save");
    let good = std::fs::read_to_string(&path).expect("read");
    // What a kill mid-save leaves: a half-written temp file beside the real one.
    let tmp = path.with_file_name(format!("alice.toml.{}.tmp", std::process::id()));
    std::fs::write(
        &tmp,
        "reviewer = \"alice\"\n[papers.\"pmid:1\"]\nfactors = [\"rol",
    )
    .expect("tmp");
    let reopened = common::open_app(dir.path(), "alice");
    assert_eq!(reopened.tally.coded, 1);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), good);
    // The next save writes through a temp file of its own; the killed
    // save's temp file is never reused or written through.
    let mut app = reopened;
    app.update(Action::ToggleFactor(1));
    app.codings.save(&path).expect("save");
    assert_eq!(Codings::load(&path, "alice").expect("load").papers.len(), 1);
    let codings_dir = path.parent().expect("folder");
    assert_eq!(
        temps(codings_dir),
        std::slice::from_ref(&tmp),
        "only the stale one"
    );
    // Once it is over a minute old, the next start removes it.
    age(&tmp);
    let lock = Lock::acquire(codings_dir, "alice").expect("lock");
    assert!(temps(codings_dir).is_empty(), "stale temp file swept");
    drop(lock);
}

/// The temp files in `dir`.
fn temps(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tmp"))
        .collect();
    found.sort();
    found
}

/// Makes a file look written two minutes ago.
fn age(path: &std::path::Path) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    std::fs::File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(then))
        .expect("set mtime");
}

#[test]
fn a_second_thema_for_the_same_reviewer_is_refused_until_the_first_exits() {
    let dir = tempfile::tempdir().expect("tmp");
    let first = Lock::acquire(dir.path(), "alice").expect("first lock");
    match Lock::acquire(dir.path(), "alice") {
        Err(CodingsError::Locked { pid, .. }) => assert_eq!(pid, std::process::id().to_string()),
        other => panic!("expected Locked, got {other:?}"),
    }
    // Another reviewer is independent.
    let bob = Lock::acquire(dir.path(), "bob").expect("bob's own lock");
    drop(bob);
    drop(first);
    let again = Lock::acquire(dir.path(), "alice").expect("free after exit");
    assert_eq!(again.took_over_from, None);
}

#[test]
fn a_lock_left_by_a_killed_process_is_taken_over_with_a_notice() {
    let dir = tempfile::tempdir().expect("tmp");
    // A killed thema leaves its lock file, but the OS lock died with it.
    std::fs::write(dir.path().join(".alice.lock"), "424242\n").expect("write");
    let lock = Lock::acquire(dir.path(), "alice").expect("stale lock is free");
    assert_eq!(lock.took_over_from.as_deref(), Some("424242"));
}

#[test]
fn a_hand_edit_made_while_thema_runs_is_merged_not_overwritten() {
    use thema::review::codings::{SaveOutcome, Store};
    let dir = common::demo_copy();
    let path = common::codings_file(dir.path(), "alice");
    let mut app = common::open_app(dir.path(), "alice");
    let (mut store, codings) = Store::open(&path, "alice").expect("open");
    app.codings = codings;
    app.update(Action::ToggleFactor(0)); // Aitken: communication
    let out = store
        .save(&mut app.codings, app.last_changed.as_deref())
        .expect("save");
    assert_eq!(out, SaveOutcome::Written);

    // Meanwhile a co-author edits the file by hand (or git pulls).
    let edited = std::fs::read_to_string(&path).expect("read")
        + "\n[papers.\"doi:10.3399/bjgp08x279652\"]\nfactors = [\"access\"]\n";
    std::fs::write(&path, &edited).expect("edit");

    app.update(Action::Down); // Alsop
    app.update(Action::ToggleFactor(2));
    let out = store
        .save(&mut app.codings, app.last_changed.as_deref())
        .expect("save");
    assert_eq!(out, SaveOutcome::MergedOutsideChanges);
    let on_disk = Codings::load(&path, "alice").expect("load");
    let coded: Vec<&str> = on_disk.papers.keys().map(String::as_str).collect();
    assert_eq!(
        coded,
        [
            "alsop2010collaborative-han8",
            "doi:10.3399/bjgp08x279652",
            "pmid:16607244"
        ],
        "the hand edit, the earlier toggle and the new one are all there"
    );
    assert_eq!(app.codings, on_disk, "the screen shows what is on disk");
}

#[test]
fn a_hand_edit_that_breaks_the_file_is_never_overwritten() {
    use thema::review::codings::Store;
    let dir = common::demo_copy();
    let path = common::codings_file(dir.path(), "alice");
    let mut app = common::open_app(dir.path(), "alice");
    let (mut store, codings) = Store::open(&path, "alice").expect("open");
    app.codings = codings;
    app.update(Action::ToggleFactor(0));
    store
        .save(&mut app.codings, app.last_changed.as_deref())
        .expect("save");
    std::fs::write(&path, "reviewer = \"alice\"\n[papers.\"x\"\nfactors = [\n").expect("break");
    app.update(Action::ToggleFactor(1));
    let err = store
        .save(&mut app.codings, app.last_changed.as_deref())
        .expect_err("refuses");
    assert!(err.to_string().contains("changed outside thema"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "reviewer = \"alice\"\n[papers.\"x\"\nfactors = [\n"
    );
}

#[test]
fn every_unsaved_paper_is_reapplied_over_an_outside_change() {
    use thema::review::codings::{SaveOutcome, Store};
    let dir = common::demo_copy();
    let path = common::codings_file(dir.path(), "alice");
    let (mut store, mut codings) = Store::open(&path, "alice").expect("open");
    codings.toggle("a", "roles");
    store.save(&mut codings, Some("a")).expect("save");
    // Two changes not yet on disk (their saves failed), then a hand edit.
    codings.toggle("b", "roles");
    codings.toggle("c", "access");
    std::fs::write(
        &path,
        std::fs::read_to_string(&path).expect("read")
            + "\n[papers.\"d\"]\nfactors = [\"learning\"]\n",
    )
    .expect("edit");
    let out = store
        .save_changes(&mut codings, &["b".to_string(), "c".to_string()])
        .expect("save");
    assert_eq!(out, SaveOutcome::MergedOutsideChanges);
    let on_disk = Codings::load(&path, "alice").expect("load");
    let ids: Vec<&str> = on_disk.papers.keys().map(String::as_str).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
}

/// A codebook edit killed mid-write leaves a temp file beside config.toml;
/// the next start removes it once stale, and leaves the reviewer's own
/// files that merely look alike.
#[test]
fn a_killed_config_edits_temp_file_is_swept_at_the_next_start() {
    let dir = common::demo_copy();
    let left = dir.path().join("config.toml.4242.0123456789abcdef.tmp");
    let fresh = dir.path().join("config.toml.4243.0123456789abcdef.tmp");
    let theirs = dir.path().join("notes.2024.tmp");
    for f in [&left, &fresh, &theirs] {
        std::fs::write(f, "[review]\ntitle = \"half").expect("write");
    }
    age(&left);
    age(&theirs);
    let bench = thema::cli::prepare_workbench(
        dir.path(),
        Some("alice"),
        &thema::review::places::Places::none(),
    )
    .expect("opens");
    assert_eq!(
        temps(dir.path()),
        vec![fresh.clone(), theirs.clone()],
        "the stale config temp went; a live writer's and the reviewer's own stay"
    );
    drop(bench);
}
