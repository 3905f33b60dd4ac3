//! `thema export` at scale: 10,000 papers (real titles from ../shared/bench,
//! replicated), 30 factors, every paper coded with five factors and a
//! quote for each, its study characteristics and a CASP appraisal; every
//! factor with a CERQual assessment. Each format, from the review and codings in memory to the bytes
//! of the file (the model, the tables and the rendering), must stay under
//! a second.

mod common;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use thema::export::{Export, Format, render, render_csv};
use thema::review::Review;
use thema::review::cerqual::Assessments;
use thema::review::codings::{Codings, Quote};
use thema::review::places::Places;

const PAPERS: usize = 10_000;
const FACTORS: usize = 30;

fn review_and_codings() -> (tempfile::TempDir, Review, Codings, Assessments) {
    let dir = tempfile::tempdir().expect("temp dir");
    // A few replicated records merge as duplicates: written with a margin.
    common::write_review(dir.path(), PAPERS + PAPERS / 50);
    let mut config = String::from(
        "[review]\ntitle = \"Scale\"\n\n[[sources]]\npath = \"data/records.csv\"\n\n\
         [appraisal]\ntemplate = \"casp-qualitative\"\n\n\
         [[characteristics]]\nid = \"country\"\nlabel = \"Country\"\nkind = \"text\"\n\n\
         [[characteristics]]\nid = \"design\"\nlabel = \"Design\"\nkind = \"several_of\"\n\
         values = [\"Interviews\", \"Focus groups\", \"Observation\"]\n\n\
         [[characteristics]]\nid = \"sample_size\"\nlabel = \"Sample size\"\nkind = \"number\"\n",
    );
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
        codings.update(&paper.id, |c| {
            for k in 0..5 {
                c.quotes.push(Quote::new(
                    &format!("f{}", (n * 7 + k * 5) % FACTORS),
                    &format!(
                        "Participants described how the team \"worked together\" on case {n},\nwith a second paragraph."
                    ),
                    "p. 3",
                    "",
                ));
            }
            let country = ["UK", "Australia", "Canada"][n % 3];
            c.characteristics.insert("country".into(), country.into());
            c.characteristics.insert(
                "design".into(),
                toml::Value::Array(vec!["Interviews".into(), "Focus groups".into()]),
            );
            c.characteristics
                .insert("sample_size".into(), toml::Value::Integer(8 + (n % 40) as i64));
            for item in 1..=9 {
                c.appraisal.insert(format!("q{item}"), "yes".into());
            }
            c.appraisal_comments
                .insert("q6".into(), "The researcher's role is not discussed.".into());
        });
    }
    let mut cerqual = String::new();
    for i in 0..FACTORS {
        cerqual.push_str(&format!(
            "[factors.f{i}]\nfinding = \"Teams that share records coordinate care ({i}).\"\n\n\
             [factors.f{i}.methodological_limitations]\nlevel = \"minor\"\nexplanation = \"Two studies did not describe recruitment.\"\n\n\
             [factors.f{i}.overall]\nlevel = \"moderate\"\nexplanation = \"Minor concerns about methods.\"\n\n"
        ));
    }
    let assessments = Assessments::parse("cerqual.toml", &cerqual).expect("assessments");
    (dir, review, codings, assessments)
}

fn export(c: &mut Criterion) {
    let (_dir, review, codings, assessments) = review_and_codings();
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
                    let export = Export::new(&review, &codings).with_cerqual(&assessments);
                    let tables = match format {
                        Format::Json | Format::Ris => Vec::new(),
                        _ => export.tables(None).expect("tables"),
                    };
                    debug_assert!(
                        matches!(format, Format::Json | Format::Ris) || tables.len() == 7
                    );
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
