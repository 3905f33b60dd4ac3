//! Times the phases of opening a review: `cargo run --release --example
//! open_timing -- DIR`. Used to find where start-up time goes at scale.
//! Opens twice: as found (cache or not), then again after writing the
//! cache, so both the cold and the cached start are shown.
use std::time::Instant;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: open_timing DIR");
        return;
    };
    let dir = std::path::Path::new(&dir);
    for round in ["first", "second"] {
        let t = Instant::now();
        let mut review = match thema::review::Review::open_with(
            dir,
            None,
            thema::review::cache::default_dir().as_deref(),
        ) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                return;
            }
        };
        let opened = t.elapsed();
        let t = Instant::now();
        let written = review.write_cache();
        let cached = t.elapsed();
        let t = Instant::now();
        let app = thema::app::App::new(review, thema::review::codings::Codings::new("x"));
        println!(
            "{round}: open {opened:?}, app {:?}, {} papers; cache write {written:?} in {cached:?}",
            t.elapsed(),
            app.paper_count()
        );
        println!("{round}: peak memory so far {}", peak_memory());
        // Freeing 100k papers is exit work, not start-up work.
        std::mem::forget(app);
    }
}

fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_string)
        })
        .unwrap_or_default()
}
