//! The papers cache: a second start reads it instead of the sources, and
//! anything that could make it wrong makes it a miss instead.

mod common;

use std::fs::{self, File};
use std::path::Path;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use common::demo_copy;
use thema::review::{Loaded, Review};

/// Sources written by a test are seconds old at most; a cache is only
/// written for sources that have settled, so date them back.
fn settle(dir: &Path) {
    let file = File::options()
        .append(true)
        .open(dir.join("data/studies.ris"))
        .expect("open source");
    file.set_modified(SystemTime::now() - Duration::from_secs(60))
        .expect("set mtime");
}

fn open(dir: &Path) -> Review {
    Review::open_with_user_config(dir, None).expect("opens")
}

fn titles(review: &Review) -> Vec<(String, String)> {
    review
        .papers
        .iter()
        .map(|p| (p.id.clone(), p.record.title.clone()))
        .collect()
}

#[test]
fn a_second_start_reads_the_cache_and_sees_the_same_review() {
    let dir = demo_copy();
    settle(dir.path());
    let mut fresh = open(dir.path());
    assert!(!fresh.cache_is_current());
    assert!(fresh.write_cache().expect("writes"));
    assert!(dir.path().join(".thema/papers.cache").exists());
    // The folder keeps itself out of the review's git repository.
    let ignore = fs::read_to_string(dir.path().join(".thema/.gitignore")).expect("ignore");
    assert_eq!(ignore, "*\n");

    let cached = open(dir.path());
    assert!(cached.cache_is_current());
    assert_eq!(titles(&cached), titles(&fresh));
    assert_eq!(cached.merges, fresh.merges);
    assert_eq!(cached.warnings, fresh.warnings);
    for (a, b) in cached.papers.iter().zip(fresh.papers.iter()) {
        assert_eq!(a.record, b.record);
        assert_eq!(a.provenance, b.provenance);
        assert_eq!(a.aliases, b.aliases);
        assert_eq!(a.list_label, b.list_label);
    }
    for (a, b) in cached.sources.iter().zip(&fresh.sources) {
        assert_eq!(
            (&a.path, a.format, a.records),
            (&b.path, b.format, b.records)
        );
        assert_eq!(a.problems, b.problems);
    }
    // Nothing to do when the cache already holds these papers.
    let mut cached = cached;
    assert!(!cached.write_cache().expect("no-op"));
}

#[test]
fn a_changed_source_is_read_afresh() {
    let dir = demo_copy();
    settle(dir.path());
    open(dir.path()).write_cache().expect("writes");
    let before = open(dir.path()).papers.len();

    let source = dir.path().join("data/studies.ris");
    let mut text = fs::read_to_string(&source).expect("read");
    text.push_str("\nTY  - JOUR\nAU  - Newcomer, A.\nTI  - A study added after the cache was written\nPY  - 2011\nER  - \n");
    fs::write(&source, text).expect("write");
    settle(dir.path());

    let review = open(dir.path());
    assert!(
        !review.cache_is_current(),
        "a changed source must not be served from the cache"
    );
    assert_eq!(review.papers.len(), before + 1);
    assert!(
        review
            .papers
            .iter()
            .any(|p| p.record.title == "A study added after the cache was written")
    );
}

#[test]
fn a_source_changed_moments_ago_is_not_cached() {
    let dir = demo_copy();
    // Just copied: its timestamp could still be shared by a rewrite.
    let mut review = open(dir.path());
    assert!(!review.write_cache().expect("no error"));
    assert!(!dir.path().join(".thema/papers.cache").exists());
}

#[test]
fn a_damaged_cache_is_a_miss_and_the_review_still_opens_whole() {
    let dir = demo_copy();
    settle(dir.path());
    let mut fresh = open(dir.path());
    fresh.write_cache().expect("writes");
    let cache = dir.path().join(".thema/papers.cache");
    let bytes = fs::read(&cache).expect("read cache");
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        fs::write(&cache, &bytes[..cut]).expect("truncate");
        let review = open(dir.path());
        assert!(!review.cache_is_current());
        assert_eq!(titles(&review), titles(&fresh));
    }
}

#[test]
fn the_cache_is_what_opens_but_thema_check_reads_the_sources_themselves() {
    let dir = demo_copy();
    settle(dir.path());
    let review = open(dir.path());
    let total = review.papers.len();
    // A cache holding fewer papers than the sources, as if it were stale.
    let config = review.config.clone();
    let short = &review.papers[..3];
    assert!(
        thema::cache::store(dir.path(), &config.sources, short, &Loaded::default())
            .expect("stores")
    );
    assert_eq!(open(dir.path()).papers.len(), 3, "the cache is used");

    let report = thema::check::check(dir.path());
    assert_eq!(report.papers, total, "check reads every source afresh");
}

#[test]
fn thema_tally_leaves_a_cache_for_the_next_run() {
    let dir = demo_copy();
    settle(dir.path());
    let run = || {
        Command::cargo_bin("thema")
            .expect("binary")
            .args(["--review"])
            .arg(dir.path())
            .args(["--reviewer", "ana", "tally", "--format", "csv"])
            .output()
            .expect("runs")
    };
    let first = run();
    assert!(first.status.success());
    assert!(dir.path().join(".thema/papers.cache").exists());
    let second = run();
    assert!(second.status.success());
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn a_same_size_edit_with_a_new_timestamp_is_read_afresh() {
    let dir = demo_copy();
    settle(dir.path());
    open(dir.path()).write_cache().expect("writes");
    let source = dir.path().join("data/studies.ris");
    let text = fs::read_to_string(&source).expect("read");
    let first_title = open(dir.path()).papers[0].record.title.clone();
    // One letter swapped for another: same size, different content.
    let changed = first_title.replacen(|c: char| c.is_ascii_lowercase(), "q", 1);
    assert_eq!(changed.len(), first_title.len());
    fs::write(&source, text.replacen(&first_title, &changed, 1)).expect("write");
    File::options()
        .append(true)
        .open(&source)
        .expect("open")
        .set_modified(SystemTime::now() - Duration::from_secs(30))
        .expect("mtime");

    let review = open(dir.path());
    assert!(!review.cache_is_current());
    assert!(review.papers.iter().any(|p| p.record.title == changed));
}

#[test]
fn a_temp_file_left_by_a_killed_writer_is_removed_by_the_next_one() {
    let dir = demo_copy();
    settle(dir.path());
    let folder = dir.path().join(".thema");
    fs::create_dir_all(&folder).expect("mkdir");
    let abandoned = folder.join("papers.cache.999999.tmp");
    let live = folder.join("papers.cache.999998.tmp");
    fs::write(&abandoned, "half a cache").expect("write");
    fs::write(&live, "another writer, still busy").expect("write");
    File::options()
        .append(true)
        .open(&abandoned)
        .and_then(|f| f.set_modified(SystemTime::now() - Duration::from_secs(3600)))
        .expect("date back");

    assert!(open(dir.path()).write_cache().expect("writes"));
    assert!(!abandoned.exists());
    assert!(
        live.exists(),
        "a recent temp file may be another thema writing"
    );
}

#[test]
fn an_import_of_a_settled_export_leaves_the_first_start_cached() {
    let dir = demo_copy();
    settle(dir.path());
    let outside = tempfile::tempdir().expect("tmp");
    let export = outside.path().join("embase.ris");
    fs::write(
        &export,
        "TY  - JOUR\nAU  - Newcomer, A.\nTI  - An imported study of shared care\nPY  - 2012\nER  - \n",
    )
    .expect("write");
    let exported = SystemTime::now() - Duration::from_secs(3600);
    File::options()
        .append(true)
        .open(&export)
        .and_then(|f| f.set_modified(exported))
        .expect("date the export back");

    Command::cargo_bin("thema")
        .expect("binary")
        .args(["import", "--review"])
        .arg(dir.path())
        .arg(&export)
        .assert()
        .success();
    let copy = dir.path().join("data/embase.ris");
    let copied = fs::metadata(&copy)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(copied, exported, "the copy keeps the export's timestamp");

    // The cache is the binary's own (a build's cache is only trusted by that
    // build): a tally from the same binary finds it current and leaves it.
    let cache = dir.path().join(".thema/papers.cache");
    let written = fs::metadata(&cache)
        .and_then(|m| m.modified())
        .expect("import wrote the cache");
    let tally = Command::cargo_bin("thema")
        .expect("binary")
        .args(["tally", "--format", "csv", "--reviewer", "ana", "--review"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(tally.status.success());
    let after = fs::metadata(&cache)
        .and_then(|m| m.modified())
        .expect("cache");
    assert_eq!(after, written, "the cache was current, not rewritten");
    assert!(
        open(dir.path())
            .papers
            .iter()
            .any(|p| p.record.title == "An imported study of shared care")
    );
}
