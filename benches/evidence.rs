//! The evidence view at scale: 10,000 papers × 30 factors, every paper with
//! a quote (with location and comment) for every factor: 300,000 quotes,
//! 10,000 for the factor shown. Measured: a frame of the view at 80×24 and
//! 200×60 (the budget is 16 ms), a cursor move with its frame, opening the
//! view (its rows built), and a keystroke in its filter. The matrix over
//! the same review (two characteristics shown, every cell coded with a
//! quote): a frame at 80×24 and 200×60, a move down or right with its
//! frame.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thema::app::App;
use thema::import::{Author, Record};
use thema::keys::action::Action;
use thema::keys::keymap::Keymap;
use thema::review::characteristics::{Characteristic, Kind};
use thema::review::codings::{Codings, PaperCoding, Quote};
use thema::review::config::{Config, Factor, Origin};
use thema::review::{Review, papers_from_records};
use thema::ui::theme::Theme;

const PAPERS: usize = 10_000;
const FACTORS: usize = 30;

fn app() -> App {
    let dir = std::env::temp_dir();
    let records = (0..PAPERS)
        .map(|i| {
            (
                "bench.csv".to_string(),
                Record {
                    title: format!("Study {i} of integrated palliative care"),
                    year: Some(1990 + (i % 35) as u16),
                    authors: vec![Author {
                        family: format!("Author{}", i % 997),
                        given: "A".into(),
                    }],
                    line: i + 2,
                    ..Record::default()
                },
            )
        })
        .collect();
    let (papers, _) = papers_from_records(records);
    let factors: Vec<Factor> = (0..FACTORS)
        .map(|f| Factor {
            id: format!("factor-{f}"),
            label: format!("Factor {f}"),
            key: None,
            definition: String::new(),
            origin: Origin::APriori,
            merged: Vec::new(),
        })
        .collect();
    let mut codings = Codings::new("bench");
    for p in &papers {
        let coding = PaperCoding {
            factors: factors.iter().map(|f| f.id.clone()).collect(),
            quotes: factors
                .iter()
                .map(|f| {
                    Quote::new(
                        &f.id,
                        &format!(
                            "Participants in {} described how {} shaped referral, trust and the hand-over of care between teams.",
                            p.id, f.label
                        ),
                        "p. 12, Results",
                        "clear example",
                    )
                })
                .collect(),
            characteristics: [
                ("country".to_string(), toml::Value::String("United Kingdom".into())),
                ("sample_size".to_string(), toml::Value::Integer(24)),
            ]
            .into_iter()
            .collect(),
            ..PaperCoding::default()
        };
        codings.papers.insert(p.id.clone(), coding);
    }
    let config = Config {
        dir: dir.clone(),
        title: "bench".into(),
        short_title: "bench".into(),
        question: String::new(),
        highlight: Vec::new(),
        exclusion_reasons: Vec::new(),
        codings_dir: dir.join("codings"),
        sources: Vec::new(),
        factors,
        characteristics: vec![
            Characteristic {
                id: "country".into(),
                label: "Country".into(),
                kind: Kind::Text,
                values: Vec::new(),
                definition: String::new(),
            },
            Characteristic {
                id: "sample_size".into(),
                label: "Sample size".into(),
                kind: Kind::Number,
                values: Vec::new(),
                definition: String::new(),
            },
        ],
        appraisal: None,
        key_overrides: Vec::new(),
        factor_keys: Vec::new(),
    };
    let review = Review::from_parts(config, Keymap::defaults(), papers);
    App::new(review, codings)
}

fn evidence(c: &mut Criterion) {
    let mut group = c.benchmark_group("evidence");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(3));
    let mut app = app();
    app.factor_cursor = FACTORS / 2;
    app.update(Action::ShowEvidence);
    assert_eq!(app.evidence.rows.len(), PAPERS);
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        group.bench_function(format!("frame {w}x{h}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                    .expect("draw");
            })
        });
    }
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    group.bench_function("cursor move + frame 200x60", |b| {
        b.iter(|| {
            app.update(Action::PageDown);
            terminal
                .draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                .expect("draw");
        })
    });
    group.bench_function("close and open the view (rows built)", |b| {
        b.iter(|| {
            app.update(Action::Close);
            app.update(Action::ShowEvidence);
        })
    });
    app.update(Action::Search);
    // A character typed and taken back: two filterings of 10,000 quotes,
    // one frame.
    group.bench_function("filter: type + frame + delete 200x60", |b| {
        b.iter(|| {
            app.update(Action::Insert('9'));
            terminal
                .draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                .expect("draw");
            app.update(Action::DeleteBack);
        })
    });
    app.update(Action::Close);
    app.update(Action::Search);
    // A word typed key by key and taken back: ten keys, each filtered and
    // drawn, as a reviewer types (divide by ten for one key).
    group.bench_function("filter: 'trust' typed and deleted, 10 keys 200x60", |b| {
        b.iter(|| {
            for action in "trust"
                .chars()
                .map(Action::Insert)
                .chain(std::iter::repeat_n(Action::DeleteBack, 5))
            {
                app.update(action);
                terminal
                    .draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                    .expect("draw");
            }
        })
    });
    group.finish();
}

fn matrix(c: &mut Criterion) {
    let mut group = c.benchmark_group("matrix");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(3));
    let mut app = app();
    app.update(Action::ShowMatrix);
    // Both characteristics as columns.
    app.update(Action::MatrixColumns);
    app.update(Action::Confirm);
    app.update(Action::Down);
    app.update(Action::Confirm);
    app.update(Action::Close);
    assert_eq!(app.matrix_columns(), FACTORS + 2);
    app.update(Action::PageDown);
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        group.bench_function(format!("frame {w}x{h}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                    .expect("draw");
            })
        });
    }
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    group.bench_function("move down + frame 200x60", |b| {
        b.iter(|| {
            app.update(Action::Down);
            terminal
                .draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                .expect("draw");
        })
    });
    // Right to the last column and back: the columns scroll under the
    // fixed study column.
    group.bench_function("move right + frame 200x60", |b| {
        b.iter(|| {
            if app.matrix.col + 1 == app.matrix_columns() {
                app.update(Action::FirstColumn);
            } else {
                app.update(Action::ColumnRight);
            }
            terminal
                .draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                .expect("draw");
        })
    });
    group.finish();
}

criterion_group!(benches, evidence, matrix);
criterion_main!(benches);
