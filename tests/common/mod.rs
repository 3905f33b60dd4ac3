//! Shared test helpers: a private copy of the demo review for each test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use tempfile::TempDir;
use thema::app::App;
use thema::review::Review;
use thema::review::codings::Codings;
use thema::review::places::Places;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temp folder holding the bundled demo review (config + reference files),
/// so tests can write codings without touching the repository.
pub fn demo_copy() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(repo().join("config.toml"), dir.path().join("config.toml")).expect("copy config");
    std::fs::create_dir_all(dir.path().join("data")).expect("mkdir data");
    std::fs::copy(
        repo().join("data/studies.ris"),
        dir.path().join("data/studies.ris"),
    )
    .expect("copy studies");
    dir
}

/// Takes the demo's `[appraisal]` block (CASP) out of the review's
/// config.toml, for tests of a review that declares none.
pub fn without_appraisal(dir: &Path) {
    let config = dir.join("config.toml");
    let demo = std::fs::read_to_string(&config).expect("config");
    let start = demo
        .find("\n[appraisal]\n")
        .expect("the demo declares an appraisal");
    let end = demo[start + 1..]
        .find("\n\n")
        .map_or(demo.len(), |e| start + 1 + e);
    let text = format!("{}{}", &demo[..start], &demo[end..]);
    assert!(!text.contains("[appraisal]"));
    std::fs::write(&config, text).expect("write config");
}

pub fn open_app(dir: &Path, reviewer: &str) -> App {
    let review = Review::open(dir, &Places::none()).expect("demo review opens");
    let path = Codings::path(&review.config.codings_dir, reviewer);
    let codings = Codings::load(&path, reviewer).expect("codings load");
    App::new(review, codings)
}

pub fn codings_file(dir: &Path, reviewer: &str) -> PathBuf {
    dir.join("data/codings").join(format!("{reviewer}.toml"))
}

/// Writes a config.toml into a fresh review folder with one RIS source.
pub fn review_with_config(config: &str) -> TempDir {
    let dir = demo_copy();
    std::fs::write(dir.path().join("config.toml"), config).expect("write config");
    dir
}

pub const NUDGES_CONFIG: &str = r#"codings_dir = "data/codings"

[review]
title = "Nudges"

[[sources]]
path = "data/rows.csv"

[[factors]]
id = "uptake"
label = "Uptake"
key = "1"

[[factors]]
id = "trust"
label = "Trust"
key = "2"
"#;

pub const NUDGES_ROWS: &str = "Title,Abstract\n\
Cluster trial of alpha nudges,One.\n\
Cluster trial of beta nudges,Two.\n\
Cluster trial of gamma nudges,Three.\n";

/// A review whose three papers have no author, no year, no DOI: round one
/// gave them `anonndcluster`, `-b` and `-c` by their place in the file.
pub fn nudges_review() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("data/codings")).expect("mkdir");
    std::fs::write(dir.path().join("config.toml"), NUDGES_CONFIG).expect("config");
    std::fs::write(dir.path().join("data/rows.csv"), NUDGES_ROWS).expect("rows");
    dir
}

/// The `thema` binary with no way to reach the developer's own files: its
/// home, config and cache folders point into the build's scratch folder
/// (never created), and no papers cache is kept unless a test sets one.
pub fn thema_cmd() -> assert_cmd::Command {
    let nowhere = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-home");
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("thema");
    cmd.env("HOME", &nowhere)
        .env("XDG_CONFIG_HOME", nowhere.join(".config"))
        .env("XDG_CACHE_HOME", nowhere.join(".cache"))
        .env_remove("THEMA_CONFIG")
        .env("THEMA_CACHE_DIR", "");
    cmd
}
