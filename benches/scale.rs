//! The workbench at scale: the real records of ../shared/bench replicated to
//! 10,000 and 100,000 papers (titles tagged per replica so they stay
//! distinct), written as a review folder and opened as `thema` opens it.
//!
//! Measured: start-up to the first frame (open + App + one draw), with the
//! sources parsed (first start) and from the papers cache (later starts), a
//! keystroke in the search to its redrawn frame (median and worst over a
//! typed query), a frame at 200×60 once filtered, and peak memory of a cold
//! start and of a cached start with the query typed.

mod common;

use std::path::Path;

use common::write_review;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use thema::app::App;
use thema::keys::action::Action;
use thema::ui::theme::Theme;

/// What `thema` does from its start to its first frame, minus entering the
/// terminal: open the review (from the cache when current), the reviewer's
/// codings, lock and history, build the App, draw.
fn open_and_draw(dir: &Path, terminal: &mut Terminal<TestBackend>) -> App {
    let bench =
        thema::cli::prepare_workbench(dir, Some("bench"), &bench_places()).expect("review opens");
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
        // the first after a source changed).
        let cold_memory = peak_memory_in_child(tmp.path());
        let mut cold = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let app = open_and_draw(tmp.path(), &mut terminal);
            cold.push(started.elapsed());
            assert!(!app.review.cache_is_current());
            // Freeing the papers is exit work, not start-up work.
            drop(app);
        }
        eprintln!(
            "{papers} papers: first frame, sources parsed: median {:?} of 3; peak memory {cold_memory}",
            stats(cold).0,
        );
        assert!(
            open_and_draw(tmp.path(), &mut terminal)
                .review
                .write_cache()
                .expect("cache written")
        );

        // A later start, from the cache, and a query typed key by key with
        // a redraw at 200×60 after each, as the run loop does; then deleted.
        let cached_memory = peak_memory_in_child(tmp.path());
        let started = Instant::now();
        let mut app = open_and_draw(tmp.path(), &mut terminal);
        let first_frame = started.elapsed();
        assert!(app.review.cache_is_current());
        let mut big = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
        let mut samples = Vec::new();
        app.update(Action::Search);
        for c in QUERY.chars() {
            let t = Instant::now();
            app.update(Action::Insert(c));
            big.draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                .expect("draw");
            samples.push(t.elapsed());
        }
        let matches = app.list.rows.len();
        for _ in QUERY.chars() {
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
            "{papers} papers: first frame, from the cache: {first_frame:?}; keystroke to frame \
             median {median:?}, worst {worst:?} ({matches} match `{QUERY}`); peak memory {cached_memory}"
        );
        group.bench_with_input(
            BenchmarkId::new("start_to_first_frame_cached", papers),
            &papers,
            |b, _| {
                b.iter_batched(
                    || (),
                    |()| open_and_draw(tmp.path(), &mut terminal),
                    BatchSize::PerIteration,
                )
            },
        );
        group.bench_with_input(
            BenchmarkId::new("keystroke_to_frame", papers),
            &papers,
            |b, _| {
                // One full type-and-delete cycle per iteration: every keystroke,
                // each with its redraw.
                b.iter(|| {
                    for c in QUERY.chars() {
                        app.update(Action::Insert(c));
                        big.draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
                            .expect("draw");
                    }
                    for _ in QUERY.chars() {
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
        // The cache lives in the user's cache folder, not in the temp
        // review: leave no 100,000-paper cache behind.
        if let Some(file) = app.review.cache_file() {
            std::fs::remove_file(file).ok();
        }
    }
    group.finish();
}

/// Typed into the search at each size.
const QUERY: &str = "palliative care nurse";

/// Set in the child process that measures memory: the review folder.
const CHILD: &str = "THEMA_SCALE_MEMORY_OF";

/// Peak memory of one start as `thema` makes it (from the cache when there
/// is one) plus the query typed, measured in a fresh process: in this one,
/// memory the allocator kept from earlier runs would count too.
fn peak_memory_in_child(dir: &Path) -> String {
    let out = std::env::current_exe().and_then(|exe| {
        std::process::Command::new(exe)
            .env(CHILD, dir)
            .stderr(std::process::Stdio::inherit())
            .output()
    });
    match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        _ => "not measured (the child process failed)".to_string(),
    }
}

/// The child's work: start, type the query with a redraw per key, print the
/// peak resident memory.
fn measure_memory(dir: &Path) {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut app = open_and_draw(dir, &mut terminal);
    app.update(Action::Search);
    for c in QUERY.chars() {
        app.update(Action::Insert(c));
        terminal
            .draw(|f| thema::ui::draw(f, &app, Theme::COLOR))
            .expect("draw");
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{} MB", kb / 1024))
        .unwrap_or_else(|| "not measured on this system".to_string());
    println!("{peak}");
}

criterion_group!(benches, scale);

fn main() {
    if let Some(dir) = std::env::var_os(CHILD) {
        measure_memory(Path::new(&dir));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

/// The bench's own cache folder, so it never touches the user's.
fn bench_places() -> thema::review::places::Places {
    thema::review::places::Places {
        user_config: None,
        cache_dir: Some(std::env::temp_dir().join("thema-bench-cache")),
    }
}
