//! What one keystroke costs when it changes a coding: `App::update` (toggle +
//! tally) followed by the atomic save the run loop does before the next key.
//! Papers are real titles from ../shared/bench, replicated to 1,000 and
//! 10,000, every one already coded (the worst case for file size).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use thema::app::App;
use thema::keys::action::Action;

use thema::import::Record;
use thema::keys::keymap::Keymap;
use thema::review::codings::{Codings, Store};
use thema::review::config::{Config, Factor, Origin};
use thema::review::workspace::Workspace;
use thema::review::{Review, papers_from_records};

fn bench_titles() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench");
    let mut titles = Vec::new();
    for name in [
        "systematic-review-datasets__Nagtegaal_2019.csv",
        "systematic-review-datasets__Bannach-Brown_2019.csv",
    ] {
        let Ok(mut reader) = csv::Reader::from_path(dir.join(name)) else {
            continue;
        };
        for row in reader.records().flatten() {
            if let Some(t) = row.get(1) {
                titles.push(t.to_string());
            }
        }
    }
    if titles.is_empty() {
        eprintln!("../shared/bench not found: benchmarking with generated titles");
        titles = (0..4000)
            .map(|i| format!("Generated study title number {i}"))
            .collect();
    }
    titles
}

fn factors() -> Vec<Factor> {
    [
        "communication",
        "roles",
        "learning",
        "access",
        "coordination",
    ]
    .iter()
    .map(|id| Factor {
        id: id.to_string(),
        label: id.to_string(),
        key: None,
        definition: String::new(),
        origin: Origin::APriori,
        merged: Vec::new(),
    })
    .collect()
}

fn app_with(n: usize, titles: &[String], dir: &Path) -> App {
    let records = titles
        .iter()
        .cycle()
        .take(n)
        .enumerate()
        .map(|(i, t)| {
            (
                "bench.csv".to_string(),
                Record {
                    title: t.clone(),
                    year: Some(2000 + (i % 20) as u16),
                    line: i + 2,
                    ..Record::default()
                },
            )
        })
        .collect();
    let (papers, _) = papers_from_records(records);
    let config = Config {
        dir: dir.to_path_buf(),
        title: "bench".into(),
        short_title: "bench".into(),
        question: String::new(),
        highlight: Vec::new(),
        exclusion_reasons: Vec::new(),
        codings_dir: dir.join("codings"),
        sources: Vec::new(),
        factors: factors(),
        characteristics: Vec::new(),
        appraisal: None,
        key_overrides: Vec::new(),
        factor_keys: Vec::new(),
    };
    let mut codings = Codings::new("bench");
    for (i, p) in papers.iter().enumerate() {
        for f in &config.factors[..1 + i % 3] {
            codings.toggle(&p.id, &f.id);
        }
    }
    let review = Review::from_parts(config, Keymap::defaults(), papers);
    App::new(review, codings)
}

fn toggle_and_save(c: &mut Criterion) {
    let titles = bench_titles();
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("toggle_and_save");
    for n in [1_000usize, 10_000] {
        let mut app = app_with(n, &titles, tmp.path());
        let path: PathBuf = tmp.path().join("codings").join("bench.toml");
        let (store, _) = Store::open(&path, "bench").expect("store");
        let mut workspace = Workspace::new(tmp.path(), store);
        // A paper in the middle of the list, as a reviewer would be.
        app.list.cursor = n / 2;
        group.bench_with_input(BenchmarkId::new("update+save", n), &n, |b, _| {
            // Exactly what the run loop does for one key: update, then the
            // save effect (codings file and undo history, both fsynced).
            b.iter(|| {
                let effect = app.update(Action::ToggleFactor(4));
                workspace.carry_out(&mut app, black_box(effect));
            })
        });
        group.bench_with_input(BenchmarkId::new("update_only", n), &n, |b, _| {
            b.iter(|| black_box(app.update(Action::ToggleFactor(4))))
        });
        group.bench_with_input(BenchmarkId::new("serialise_only", n), &n, |b, _| {
            b.iter(|| black_box(app.codings.to_toml().ok()))
        });
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(matches!(app.save_state, thema::app::SaveState::Saved));
        eprintln!("{n} coded papers: codings file {size} bytes");
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = toggle_and_save
}
criterion_main!(benches);
