//! The papers cache: a second start reads it instead of the sources, and
//! anything that could make it wrong makes it a miss instead.

mod common;

use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use common::demo_copy;
use predicates::prelude::PredicateBooleanExt as _;
use tempfile::TempDir;
use thema::review::{Review, SourcesReport};

/// Sources written by a test are seconds old at most; a cache is only
/// written for sources that had settled when they were read, so date them
/// back (a different time each call, as a real edit gives).
fn settle(dir: &Path) {
    date_back(&dir.join("data/studies.ris"));
}

fn date_back(file: &Path) {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    set_mtime(file, SystemTime::now() - Duration::from_secs(600 + n));
}

fn set_mtime(file: &Path, time: SystemTime) {
    File::options()
        .append(true)
        .open(file)
        .and_then(|f| f.set_modified(time))
        .expect("set the file's mtime");
}

/// A review and a cache folder of its own.
fn review() -> (TempDir, TempDir) {
    let dir = demo_copy();
    settle(dir.path());
    (dir, tempfile::tempdir().expect("cache dir"))
}

/// [`review`] with its cache written.
fn cached_review() -> (TempDir, TempDir) {
    let (dir, cache) = review();
    assert!(
        open(dir.path(), cache.path())
            .write_cache()
            .expect("writes")
    );
    (dir, cache)
}

fn open(dir: &Path, cache: &Path) -> Review {
    Review::open_with(dir, None, Some(cache)).expect("opens")
}

fn titles(review: &Review) -> Vec<(String, String)> {
    review
        .papers
        .iter()
        .map(|p| (p.id.clone(), p.record.title.clone()))
        .collect()
}

/// Rewrites the first paper's title with one letter changed: same size,
/// different content. Returns the new title.
fn edit_same_size(dir: &Path, cache: &Path) -> String {
    let source = dir.join("data/studies.ris");
    let text = fs::read_to_string(&source).expect("read");
    let title = open(dir, cache).papers[0].record.title.clone();
    let changed = title.replacen(|c: char| c.is_ascii_lowercase(), "q", 1);
    assert_eq!(changed.len(), title.len());
    fs::write(&source, text.replacen(&title, &changed, 1)).expect("write");
    changed
}

#[test]
fn a_second_start_reads_the_cache_and_sees_the_same_review() {
    let (dir, cache) = review();
    let mut fresh = open(dir.path(), cache.path());
    assert!(!fresh.cache_is_current());
    assert!(fresh.write_cache().expect("writes"));
    let file = fresh.cache_file().expect("caching is on").to_path_buf();
    assert!(file.starts_with(cache.path()) && file.exists());
    assert!(
        !dir.path().join(".thema").exists(),
        "nothing is written into the review folder"
    );

    let cached = open(dir.path(), cache.path());
    assert!(cached.cache_is_current());
    assert_eq!(titles(&cached), titles(&fresh));
    assert_eq!(cached.report.merges, fresh.report.merges);
    assert_eq!(cached.report.warnings, fresh.report.warnings);
    for (a, b) in cached.papers.iter().zip(fresh.papers.iter()) {
        assert_eq!(a.record, b.record);
        assert_eq!(a.provenance, b.provenance);
        assert_eq!(a.aliases, b.aliases);
    }
    for (a, b) in cached.report.sources.iter().zip(&fresh.report.sources) {
        assert_eq!(
            (&a.path, a.format, a.records),
            (&b.path, b.format, b.records)
        );
        assert_eq!(a.problems, b.problems);
    }
    let mut cached = cached;
    assert!(!cached.write_cache().expect("no-op"), "already current");
}

#[test]
fn a_changed_source_is_read_afresh() {
    let (dir, cache) = cached_review();
    let before = open(dir.path(), cache.path()).papers.len();

    let source = dir.path().join("data/studies.ris");
    let mut text = fs::read_to_string(&source).expect("read");
    text.push_str("\nTY  - JOUR\nAU  - Newcomer, A.\nTI  - A study added after the cache was written\nPY  - 2011\nER  - \n");
    fs::write(&source, text).expect("write");
    settle(dir.path());

    let review = open(dir.path(), cache.path());
    assert!(!review.cache_is_current());
    assert_eq!(review.papers.len(), before + 1);
}

#[test]
fn a_same_size_edit_with_a_new_timestamp_is_read_afresh() {
    let (dir, cache) = cached_review();
    let changed = edit_same_size(dir.path(), cache.path());
    settle(dir.path());
    let review = open(dir.path(), cache.path());
    assert!(!review.cache_is_current());
    assert!(review.papers.iter().any(|p| p.record.title == changed));
}

#[test]
fn a_source_edited_while_it_was_being_read_is_not_cached() {
    let (dir, cache) = review();
    let mut read_before_the_edit = open(dir.path(), cache.path());
    let changed = edit_same_size(dir.path(), cache.path());
    settle(dir.path());
    // The papers in hand are the old ones: caching them under the file's
    // new timestamp would serve them for good.
    assert!(!read_before_the_edit.write_cache().expect("no error"));
    let review = open(dir.path(), cache.path());
    assert!(review.papers.iter().any(|p| p.record.title == changed));
}

#[test]
fn a_source_changed_moments_before_it_was_read_is_not_cached() {
    let dir = demo_copy();
    let cache = tempfile::tempdir().expect("cache");
    // Just copied: a rewrite now could keep the same timestamp.
    let mut review = open(dir.path(), cache.path());
    assert!(!review.write_cache().expect("no error"));
    assert_eq!(fs::read_dir(cache.path()).expect("dir").count(), 0);
}

#[test]
fn a_source_replaced_by_a_rename_with_the_same_size_and_time_is_read_afresh() {
    let (dir, cache) = cached_review();
    let source = dir.path().join("data/studies.ris");
    let old = fs::metadata(&source)
        .and_then(|m| m.modified())
        .expect("mtime");
    let text = fs::read_to_string(&source).expect("read");
    let title = open(dir.path(), cache.path()).papers[0]
        .record
        .title
        .clone();
    let changed = title.replacen(|c: char| c.is_ascii_lowercase(), "q", 1);
    // As `rsync -t` or `mv` of a prepared file does: a new file, renamed
    // over the old one, with the old one's size and timestamp.
    let prepared = dir.path().join("data/prepared.tmp");
    fs::write(&prepared, text.replacen(&title, &changed, 1)).expect("write");
    set_mtime(&prepared, old);
    fs::rename(&prepared, &source).expect("rename");

    let review = open(dir.path(), cache.path());
    if cfg!(unix) {
        assert!(!review.cache_is_current(), "the file's identity changed");
        assert!(review.papers.iter().any(|p| p.record.title == changed));
    }
}

#[test]
fn a_damaged_cache_is_a_miss_and_the_review_still_opens_whole() {
    let (dir, cache) = review();
    let mut fresh = open(dir.path(), cache.path());
    fresh.write_cache().expect("writes");
    let file = fresh.cache_file().expect("on").to_path_buf();
    let bytes = fs::read(&file).expect("read cache");
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    for damaged in [
        bytes[..0].to_vec(),
        bytes[..bytes.len() / 2].to_vec(),
        bytes[..bytes.len() - 1].to_vec(),
        flipped,
    ] {
        fs::write(&file, damaged).expect("damage");
        let review = open(dir.path(), cache.path());
        assert!(!review.cache_is_current());
        assert_eq!(titles(&review), titles(&fresh));
    }
}

#[test]
fn the_cache_is_what_opens_but_thema_check_reads_the_sources_themselves() {
    let (dir, cache) = review();
    let review = open(dir.path(), cache.path());
    let total = review.papers.len();
    // A cache holding fewer papers than the sources, as if it were stale.
    let slot = thema::review::cache::Slot::new(cache.path(), dir.path(), &review.config.sources)
        .expect("slot");
    assert!(
        slot.store(&review.papers[..3], &SourcesReport::default())
            .expect("stores")
    );
    assert_eq!(
        open(dir.path(), cache.path()).papers.len(),
        3,
        "the cache is used"
    );

    let report = thema::review::check::check(
        dir.path(),
        &thema::review::places::Places {
            user_config: None,
            cache_dir: Some(cache.path().to_path_buf()),
        },
    );
    assert_eq!(report.papers, total, "check reads every source afresh");
}

fn thema(cache: &Path) -> Command {
    let mut cmd = common::thema_cmd();
    cmd.env("THEMA_CACHE_DIR", cache);
    cmd
}

fn only_file(dir: &Path) -> std::path::PathBuf {
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("cache dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "one cache file: {files:?}");
    files.remove(0)
}

/// Edits the source in place (same size, same file) and puts its old
/// timestamp back: the one change the cache's key cannot see.
fn edit_behind_the_caches_back(dir: &Path) {
    let source = dir.join("data/studies.ris");
    let old = fs::metadata(&source)
        .and_then(|m| m.modified())
        .expect("mtime");
    let text = fs::read_to_string(&source).expect("read");
    let edited = text.replacen("District nurses", "District nursez", 1);
    assert_ne!(edited, text);
    fs::write(&source, edited).expect("write");
    set_mtime(&source, old);
}

#[test]
fn thema_tally_leaves_a_cache_and_thema_check_rewrites_one_that_disagrees() {
    let (dir, cache) = review();
    let tally = || {
        thema(cache.path())
            .args(["tally", "--format", "json", "--reviewer", "ana", "--review"])
            .arg(dir.path())
            .output()
            .expect("runs")
    };
    let first = tally();
    assert!(first.status.success());
    let file = only_file(cache.path());
    let written = fs::metadata(&file)
        .and_then(|m| m.modified())
        .expect("mtime");
    let second = tally();
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(
        fs::metadata(&file).and_then(|m| m.modified()).ok(),
        Some(written),
        "the second run found the cache current (a miss would rewrite it)"
    );

    // A matching cache is left alone by check.
    thema(cache.path())
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains("cache").not());
    assert!(file.exists());

    edit_behind_the_caches_back(dir.path());
    thema(cache.path())
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .stdout(predicates::str::contains(
            "the papers cache disagreed with the sources",
        ));
    assert!(file.exists(), "check rewrote the cache from the sources");
    let fixed = fs::metadata(&file)
        .and_then(|m| m.modified())
        .expect("mtime");
    let holds = |text: &str| {
        let bytes = fs::read(&file).expect("read cache");
        bytes.windows(text.len()).any(|w| w == text.as_bytes())
    };
    assert!(
        holds("District nursez"),
        "the cache holds the edited source"
    );
    assert!(tally().status.success());
    assert_eq!(
        fs::metadata(&file).and_then(|m| m.modified()).ok(),
        Some(fixed),
        "the next run found check's cache current"
    );
}

#[test]
fn thema_check_leaves_the_cache_ready_for_the_first_start() {
    let (dir, cache) = review();
    thema(cache.path())
        .args(["check", "--review"])
        .arg(dir.path())
        .assert()
        .success();
    assert_next_start_is_cached(dir.path(), cache.path());
}

#[test]
fn an_import_of_a_settled_export_leaves_the_first_start_cached() {
    let (dir, cache) = review();
    let outside = tempfile::tempdir().expect("tmp");
    let export = outside.path().join("embase.ris");
    fs::write(
        &export,
        "TY  - JOUR\nAU  - Newcomer, A.\nTI  - An imported study of shared care\nPY  - 2012\nER  - \n",
    )
    .expect("write");
    date_back(&export);
    let exported = fs::metadata(&export)
        .and_then(|m| m.modified())
        .expect("mtime");

    thema(cache.path())
        .args(["import", "--review"])
        .arg(dir.path())
        .arg(&export)
        .assert()
        .success();
    let copied = fs::metadata(dir.path().join("data/embase.ris"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(copied, exported, "the copy keeps the export's timestamp");

    // The cache is the binary's own (a build trusts only its own caches):
    // a tally from the same binary finds it current and leaves it.
    assert_next_start_is_cached(dir.path(), cache.path());
}

/// The next run of the binary finds the one cache in `cache` current: it
/// reads it and leaves it as it was (a miss would rewrite it).
fn assert_next_start_is_cached(dir: &Path, cache: &Path) {
    let file = only_file(cache);
    let written = fs::metadata(&file)
        .and_then(|m| m.modified())
        .expect("mtime");
    thema(cache)
        .args(["tally", "--reviewer", "ana", "--review"])
        .arg(dir)
        .assert()
        .success();
    assert_eq!(
        fs::metadata(&file).and_then(|m| m.modified()).ok(),
        Some(written),
        "the next start found the cache current"
    );
}

#[test]
fn the_cache_folder_follows_xdg_and_an_empty_thema_cache_dir_turns_it_off() {
    let (dir, cache) = review();
    let tally = |thema_cache_dir: Option<&str>| {
        let mut cmd = common::thema_cmd();
        cmd.env_remove("THEMA_CACHE_DIR")
            .env("XDG_CACHE_HOME", cache.path());
        if let Some(value) = thema_cache_dir {
            cmd.env("THEMA_CACHE_DIR", value);
        }
        cmd.args(["tally", "--reviewer", "ana", "--review"])
            .arg(dir.path())
            .assert()
            .success();
    };
    tally(Some(""));
    assert_eq!(fs::read_dir(cache.path()).expect("dir").count(), 0, "off");
    tally(None);
    only_file(&cache.path().join("thema"));
}
