//! The workbench at scale: the real records of ../shared/bench replicated to
//! 10,000 and 100,000 papers (titles tagged per replica so they stay
//! distinct), written as a review folder and opened as `thema` opens it.
//!
//! Measured: start-up to the first frame (open + App + one draw), with the
//! sources parsed (first start) and from the papers cache (later starts), a
//! keystroke in the search to its redrawn frame (median and worst over a
//! typed query), a frame at 200×60 once filtered, and peak memory.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thema::action::Action;
use thema::app::App;
use thema::theme::Theme;

/// The columns written; each bench file's cells are picked by header name
/// (the two files have different columns).
const COLUMNS: [&str; 4] = ["title", "abstract", "authors", "year"];

/// Writes a review folder holding `papers` records as CSV sources.
fn write_review(dir: &Path, papers: usize) {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench");
    let mut rows: Vec<[String; 4]> = Vec::new();
    for name in [
        "systematic-review-datasets__Nagtegaal_2019.csv",
        "systematic-review-datasets__Bannach-Brown_2019.csv",
    ] {
        let Ok(mut reader) = csv::Reader::from_path(bench.join(name)) else {
            continue;
        };
        let Ok(header) = reader.headers().cloned() else {
            continue;
        };
        let at = COLUMNS.map(|c| header.iter().position(|h| h == c));
        for r in reader.records().flatten() {
            rows.push(at.map(|i| i.and_then(|i| r.get(i)).unwrap_or("").to_string()));
        }
    }
    if rows.is_empty() {
        eprintln!("../shared/bench not found: generating titles");
        rows = (0..4000)
            .map(|i| {
                [
                    format!("Generated study {i} of palliative care"),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            })
            .collect();
    }
    std::fs::create_dir_all(dir.join("data")).expect("data dir");
    let mut writer = csv::Writer::from_path(dir.join("data/records.csv")).expect("csv");
    writer.write_record(COLUMNS).expect("header");
    for n in 0..papers {
        let mut row = rows[n % rows.len()].clone();
        let replica = n / rows.len();
        if replica > 0 {
            row[0] = format!("{} [replica {replica}]", row[0]);
        }
        writer.write_record(&row).expect("row");
    }
    writer.flush().expect("flush");
    drop(writer);
    // As a review's sources are: written a while before thema opens them
    // (thema caches only sources that have settled).
    std::fs::File::options()
        .append(true)
        .open(dir.join("data/records.csv"))
        .and_then(|f| f.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600)))
        .expect("date the source back");
    std::fs::write(
        dir.join("config.toml"),
        "[review]\ntitle = \"Scale\"\n\n[[sources]]\npath = \"data/records.csv\"\n\n\
         [[factors]]\nid = \"a\"\nlabel = \"Communication\"\nkey = \"1\"\n\n\
         [[factors]]\nid = \"b\"\nlabel = \"Roles\"\nkey = \"2\"\n",
    )
    .expect("config");
}

/// What `thema` does from its start to its first frame, minus entering the
/// terminal: open the review (from the cache when current), the reviewer's
/// codings, lock and history, build the App, draw.
fn open_and_draw(dir: &Path, terminal: &mut Terminal<TestBackend>) -> App {
    let bench = thema::cli::prepare_workbench(dir, Some("bench")).expect("review opens");
    terminal
        .draw(|f| thema::ui::draw(f, &bench.app, Theme::COLOR))
        .expect("draw");
    // The lock is released here, so the next start can take it.
    bench.app
}

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    (samples[samples.len() / 2], samples[samples.len() - 1])
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    for papers in [10_000usize, 100_000] {
        let tmp = tempfile::tempdir().expect("tmp");
        write_review(tmp.path(), papers);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");

        // Cold: every source parsed and de-duplicated (a first start, or
        // the first after a source changed). Then cached: every later start.
        let mut cold = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let app = open_and_draw(tmp.path(), &mut terminal);
            cold.push(started.elapsed());
            assert!(!app.review.cache_is_current());
            // Freeing the papers is exit work, not start-up work.
            std::mem::forget(app);
        }
        eprintln!(
            "{papers} papers: first frame, sources parsed: {:?}",
            stats(cold).0
        );
        let mut app = open_and_draw(tmp.path(), &mut terminal);
        assert!(app.review.write_cache().expect("cache written"));
        let started = Instant::now();
        let cached = open_and_draw(tmp.path(), &mut terminal);
        eprintln!(
            "{papers} papers: first frame, from the cache: {:?}",
            started.elapsed()
        );
        assert!(cached.review.cache_is_current());
        std::mem::forget(cached);
        group.bench_with_input(
            BenchmarkId::new("start_to_first_frame_cached", papers),
            &papers,
            |b, _| b.iter_with_large_drop(|| open_and_draw(tmp.path(), &mut terminal)),
        );

        // Type a query key by key, redrawing at 200×60 after each, as the
        // run loop does; then delete it again.
        let mut big = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
        let query = "palliative care nurse";
        let mut samples = Vec::new();
        app.update(Action::Search);
        for c in query.chars() {
            let t = Instant::now();
            app.update(Action::Insert(c));
            big.draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                .expect("draw");
            samples.push(t.elapsed());
        }
        let matches = app.list.rows.len();
        for _ in query.chars() {
            let t = Instant::now();
            app.update(Action::DeleteBack);
            big.draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                .expect("draw");
            samples.push(t.elapsed());
        }
        if std::env::var_os("THEMA_BENCH_VERBOSE").is_some() {
            eprintln!("{papers} papers, each keystroke: {samples:?}");
        }
        let (median, worst) = stats(samples);
        eprintln!(
            "{papers} papers: keystroke to frame median {median:?}, worst {worst:?} ({matches} match `{query}`)"
        );
        group.bench_with_input(
            BenchmarkId::new("keystroke_to_frame", papers),
            &papers,
            |b, _| {
                // One full type-and-delete cycle per iteration: every keystroke,
                // each with its redraw.
                b.iter(|| {
                    for c in query.chars() {
                        app.update(Action::Insert(c));
                        big.draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                            .expect("draw");
                    }
                    for _ in query.chars() {
                        app.update(Action::DeleteBack);
                        big.draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                            .expect("draw");
                    }
                })
            },
        );

        for c in "palliative".chars() {
            app.update(Action::Insert(c));
        }
        app.update(Action::Confirm);
        group.bench_with_input(
            BenchmarkId::new("frame_200x60_filtered", papers),
            &papers,
            |b, _| {
                b.iter(|| {
                    big.draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                        .expect("draw")
                        .area
                        .width
                })
            },
        );
    }
    group.finish();
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines().filter(|l| l.starts_with("VmHWM")) {
            eprintln!("peak memory of the bench process: {line}");
        }
    }
}

criterion_group!(benches, scale);
criterion_main!(benches);
