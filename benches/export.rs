//! `thema export` at scale: 10,000 papers (real titles from ../shared/bench,
//! replicated), 30 factors, every paper coded with several factors and a
//! quote. Each format, from the review and codings in memory to the bytes
//! of the file (the model, the tables and the rendering), must stay under
//! a second.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use thema::export::{Export, Format, render, render_csv};
use thema::review::Review;
use thema::review::codings::{Codings, Quote};
use thema::review::places::Places;

const PAPERS: usize = 10_000;
const FACTORS: usize = 30;

fn review_and_codings() -> (tempfile::TempDir, Review, Codings) {
    let dir = tempfile::tempdir().expect("temp dir");
    // A few replicated records merge as duplicates: written with a margin.
    common::write_review(dir.path(), PAPERS + PAPERS / 50);
    let mut config =
        String::from("[review]\ntitle = \"Scale\"\n\n[[sources]]\npath = \"data/records.csv\"\n");
    for i in 0..FACTORS {
        config.push_str(&format!(
            "\n[[factors]]\nid = \"f{i}\"\nlabel = \"Factor number {i}\"\ndefinition = \"What factor {i} means\"\n"
        ));
    }
    std::fs::write(dir.path().join("config.toml"), config).expect("config");
    let review = Review::open(dir.path(), &Places::none()).expect("review opens");
    let mut codings = Codings::new("bench");
    for (n, paper) in review.papers.iter().enumerate() {
        for k in 0..5 {
            codings.toggle(&paper.id, &format!("f{}", (n * 7 + k * 5) % FACTORS));
        }
        let factor = format!("f{}", (n * 7) % FACTORS);
        codings.update(&paper.id, |c| {
            c.quotes.push(Quote::new(
                &factor,
                &format!(
                    "Participants described how the team \"worked together\" on case {n},\nwith a second paragraph."
                ),
                "p. 3",
                "",
            ))
        });
    }
    (dir, review, codings)
}

fn export(c: &mut Criterion) {
    let (_dir, review, codings) = review_and_codings();
    assert!(
        review.papers.len() >= PAPERS,
        "{} papers",
        review.papers.len()
    );
    eprintln!("{} papers, {FACTORS} factors", review.papers.len());
    let mut group = c.benchmark_group("export_10k_papers_30_factors");
    group.sample_size(10);
    for format in Format::ALL {
        group.bench_with_input(
            BenchmarkId::from_parameter(format.ext()),
            &format,
            |b, &format| {
                b.iter(|| {
                    let export = Export::new(&review, &codings);
                    let tables = match format {
                        Format::Json | Format::Ris => Vec::new(),
                        _ => export.tables(None).expect("tables"),
                    };
                    if format == Format::Csv {
                        black_box(render_csv(&tables));
                    } else {
                        black_box(render(&export, &tables, format).expect("rendered"));
                    }
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, export);
criterion_main!(benches);
