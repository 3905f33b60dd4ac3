//! Times the phases of opening a review: `cargo run --release --example
//! open_timing -- DIR`. Used to find where start-up time goes at scale.
use std::time::Instant;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: open_timing DIR");
        return;
    };
    let dir = std::path::Path::new(&dir);
    let t = Instant::now();
    let review = match thema::review::Review::open_with_user_config(dir, None) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let opened = t.elapsed();
    let t = Instant::now();
    let app = thema::app::App::new(review, thema::codings::Codings::new("x"));
    println!(
        "open {opened:?}, app {:?}, {} papers",
        t.elapsed(),
        app.paper_count()
    );
}
