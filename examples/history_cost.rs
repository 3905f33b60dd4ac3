//! What the undo history costs per key: `cargo run --release --example
//! history_cost`. One paper with a 100 KB quote, 200 factor toggles, each
//! carried out as the run loop does (update, save codings and history).
//! Prints bytes written to the history per toggle (from the process's
//! write count, less the codings file) and the time per toggle.
use std::time::Instant;

use thema::app::App;
use thema::import::Record;
use thema::keys::action::Action;
use thema::keys::keymap::Keymap;
use thema::review::codings::{Codings, Quote, Store};
use thema::review::config::{Config, Factor, Origin};
use thema::review::workspace::Workspace;
use thema::review::{Review, papers_from_records};

/// Bytes this process has passed to write(2) so far (Linux).
fn written() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    io.lines()
        .find_map(|l| l.strip_prefix("wchar: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

fn main() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path();
    let records = vec![(
        "x.csv".to_string(),
        Record {
            title: "A study".into(),
            year: Some(2001),
            line: 2,
            ..Record::default()
        },
    )];
    let (papers, _) = papers_from_records(records);
    let config = Config {
        dir: dir.to_path_buf(),
        title: "t".into(),
        short_title: "t".into(),
        question: String::new(),
        highlight: Vec::new(),
        exclusion_reasons: Vec::new(),
        codings_dir: dir.join("codings"),
        sources: Vec::new(),
        characteristics: Vec::new(),
        appraisal: None,
        factors: vec![Factor {
            id: "roles".into(),
            label: "Roles".into(),
            key: None,
            definition: String::new(),
            origin: Origin::APriori,
            merged: Vec::new(),
        }],
        key_overrides: Vec::new(),
        factor_keys: Vec::new(),
    };
    let mut codings = Codings::new("m");
    let id = papers[0].id.clone();
    codings.update(&id, |c| {
        c.quotes = vec![Quote::new("", &"q".repeat(100_000), "", "")]
    });
    let review = Review::from_parts(config, Keymap::defaults(), papers);
    let mut app = App::new(review, codings);
    let path = dir.join("codings").join("m.toml");
    let (store, _) = Store::open(&path, "m")?;
    let mut workspace = Workspace::new(dir, store);
    let toggles = 200;
    let mut history_bytes = 0u64;
    let start = Instant::now();
    for _ in 0..toggles {
        let before = written();
        let effect = app.update(Action::ToggleFactor(0));
        workspace.carry_out(&mut app, effect);
        let codings_len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        history_bytes += (written() - before).saturating_sub(codings_len);
    }
    let per_toggle = start.elapsed() / toggles;
    let file = std::fs::read_dir(dir.join("codings"))?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("history"))
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum::<u64>();
    println!(
        "{toggles} toggles, 100 KB quote: {} bytes to the history per toggle, {per_toggle:?} per toggle (update + save), history file {file} bytes",
        history_bytes / u64::from(toggles)
    );
    Ok(())
}
